package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/big"

	"github.com/dgraph-io/badger/v4"

	"github.com/houndtrace/hound/chains"
)

// Precomputed exposure: what a forward propagation of taint from every
// attributed source over the synced data found, so a screen is a lookup.
// It is kept under a generation: a rebuild writes the next generation, one
// transaction points the meta record at it, then the old one is deleted,
// so a reader sees one whole generation or the other.

// ExposureMeta says what a generation of precomputed exposure covers.
type ExposureMeta struct {
	Generation   uint64            `json:"generation"`
	Heights      map[string]uint64 `json:"heights"` // per chain, the height it was built at
	LabelsDigest string            `json:"labels_digest"`
	Model        string            `json:"model"`
	Hops         int               `json:"hops"`
	Actor        string            `json:"actor"` // whose sanctioned labels counted as sources
	Built        string            `json:"built"`
	Nodes        int               `json:"nodes"`
	Deposits     int               `json:"deposits"`
}

// NodeExposure is one node's (an address and asset's) precomputed inflow
// and the tainted parts of it.
type NodeExposure struct {
	Inflow, Direct, Indirect *big.Int
}

// DepositExposure is one tainted deposit's: a transfer or an output.
type DepositExposure struct {
	Amount, Tainted *big.Int
	Hop             int
}

func exposureMetaKey() []byte { return []byte{prefixExposureMeta} }

func nodeExposureKey(gen uint64, c chains.Chain, a chains.Address, asset chains.Asset) []byte {
	k := binary.BigEndian.AppendUint64([]byte{prefixExposure}, gen)
	k = appendAddr(append(k, c.Code()), c, a)
	if asset == "" {
		return k // the prefix of every asset of the address
	}
	return appendAsset(k, c, asset)
}

func depositExposureKey(gen uint64, c chains.Chain, tx chains.Hash, index uint32) []byte {
	k := binary.BigEndian.AppendUint64([]byte{prefixDepositExposure}, gen)
	k = append(append(k, c.Code()), tx[:]...)
	return binary.BigEndian.AppendUint32(k, index)
}

// ExposureWriter writes one generation of precomputed exposure; Commit
// makes it the current one.
type ExposureWriter struct {
	s    *Store
	meta ExposureMeta
	wb   *badger.WriteBatch
}

// NewExposure starts the next generation.
func (s *Store) NewExposure(meta ExposureMeta) (*ExposureWriter, error) {
	old, _, err := s.Exposure()
	if err != nil {
		return nil, err
	}
	meta.Generation = old.Generation + 1
	return &ExposureWriter{s: s, meta: meta, wb: s.db.NewWriteBatch()}, nil
}

// Node records an address and asset's exposure.
func (w *ExposureWriter) Node(c chains.Chain, a chains.Address, asset chains.Asset, x NodeExposure) error {
	w.meta.Nodes++
	v := appendAmount(appendAmount(appendAmount(nil, x.Inflow), x.Direct), x.Indirect)
	return w.wb.Set(nodeExposureKey(w.meta.Generation, c, a, asset), v)
}

// Deposit records a tainted deposit: transfer index of tx on an account
// chain (its ordinal), or output index of a UTXO transaction.
func (w *ExposureWriter) Deposit(c chains.Chain, tx chains.Hash, index uint32, x DepositExposure) error {
	w.meta.Deposits++
	v := binary.BigEndian.AppendUint32(appendAmount(appendAmount(nil, x.Amount), x.Tainted), uint32(x.Hop))
	return w.wb.Set(depositExposureKey(w.meta.Generation, c, tx, index), v)
}

// Commit flushes the generation, makes it current and deletes the one
// before.
func (w *ExposureWriter) Commit() error {
	if err := w.wb.Flush(); err != nil {
		return err
	}
	meta, err := json.Marshal(w.meta)
	if err != nil {
		return err
	}
	if err := w.s.db.Update(func(txn *badger.Txn) error { return txn.Set(exposureMetaKey(), meta) }); err != nil {
		return err
	}
	old := w.meta.Generation - 1
	for _, p := range []byte{prefixExposure, prefixDepositExposure} {
		if err := w.s.db.DropPrefix(binary.BigEndian.AppendUint64([]byte{p}, old)); err != nil {
			return err
		}
	}
	return nil
}

// Cancel drops an unfinished generation.
func (w *ExposureWriter) Cancel() error {
	w.wb.Cancel()
	for _, p := range []byte{prefixExposure, prefixDepositExposure} {
		if err := w.s.db.DropPrefix(binary.BigEndian.AppendUint64([]byte{p}, w.meta.Generation)); err != nil {
			return err
		}
	}
	return nil
}

// Exposure returns the current generation's meta record; ok is false when
// no exposure was ever built.
func (s *Store) Exposure() (meta ExposureMeta, ok bool, err error) {
	err = s.db.View(func(txn *badger.Txn) error {
		v, found, err := get(txn, exposureMetaKey())
		if err != nil || !found {
			return err
		}
		ok = true
		return json.Unmarshal(v, &meta)
	})
	return meta, ok, err
}

// AddressExposure returns the precomputed exposure of every asset of
// address a in generation gen, by asset.
func (s *Store) AddressExposure(ctx context.Context, gen uint64, c chains.Chain, a chains.Address) (map[chains.Asset]NodeExposure, error) {
	out := map[chains.Asset]NodeExposure{}
	prefix := nodeExposureKey(gen, c, a, "")
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			item := it.Item()
			kr := reader{c: c, b: item.Key()[len(prefix):]}
			asset := kr.asset()
			if err := kr.done("exposure key"); err != nil {
				return err
			}
			err := item.Value(func(v []byte) error {
				r := reader{c: c, b: v}
				out[asset] = NodeExposure{Inflow: r.amount(), Direct: r.amount(), Indirect: r.amount()}
				return r.done("exposure")
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// DepositExposureOf returns a tainted deposit's precomputed exposure; ok
// is false for a deposit that carries no taint (or that generation gen
// did not see).
func (s *Store) DepositExposureOf(gen uint64, c chains.Chain, tx chains.Hash, index uint32) (x DepositExposure, ok bool, err error) {
	err = s.db.View(func(txn *badger.Txn) error {
		v, found, err := get(txn, depositExposureKey(gen, c, tx, index))
		if err != nil || !found {
			return err
		}
		ok = true
		r := reader{c: c, b: v}
		x.Amount, x.Tainted = r.amount(), r.amount()
		x.Hop = int(binary.BigEndian.Uint32(r.take(4)))
		return r.done("deposit exposure")
	})
	return x, ok, err
}

// Inflows calls fn with the total inflow of every account-chain node
// (address, asset) and every UTXO address of chain c, one prefix scan over
// the flow index. Fees paid to the fee pseudo-address are not inflows.
func (s *Store) Inflows(ctx context.Context, c chains.Chain, fn func(a chains.Address, asset chains.Asset, inflow *big.Int) error) error {
	prefix := chainKey(prefixFlow, c)
	var cur []byte
	var addr chains.Address
	var asset chains.Asset
	total := new(big.Int)
	flush := func() error {
		if cur == nil || addr == chains.FeeSink {
			return nil
		}
		return fn(addr, asset, total)
	}
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			k := it.Item().Key()
			if k[len(k)-1] != dirIn {
				continue
			}
			node := k[:len(k)-17] // less pos (16) and dir (1)
			if string(node) != string(cur) {
				if err := flush(); err != nil {
					return err
				}
				cur = append(cur[:0], node...)
				kr := reader{c: c, b: node[2:]}
				addr, asset = kr.addr(), kr.asset()
				if err := kr.done("flow key"); err != nil {
					return err
				}
				total = new(big.Int)
			}
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			t, _, err := decodeFlow(c, addr, k, v)
			if err != nil {
				return err
			}
			total.Add(total, t.Amount)
		}
		return flush()
	})
	if err != nil {
		return fmt.Errorf("inflows of %s: %w", c, err)
	}
	return nil
}
