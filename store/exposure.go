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
	Generation uint64 `json:"generation"`
	// Inflows says what the live inflow totals cover, per chain: the
	// height they were brought to and that block's hash (a reorg below
	// it makes them start over). Updating is set while they change.
	Inflows      map[string]InflowMark `json:"inflows,omitempty"`
	Updating     bool                  `json:"updating,omitempty"`
	Heights      map[string]uint64     `json:"heights"` // per chain, the height it was built at
	LabelsDigest string                `json:"labels_digest"`
	Model        string                `json:"model"`
	Hops         int                   `json:"hops"`
	Actor        string                `json:"actor"` // whose sanctioned labels counted as sources
	Built        string                `json:"built"`
	Nodes        int                   `json:"nodes"`
	Deposits     int                   `json:"deposits"`
}

// InflowMark is how far a chain's live inflow totals go.
type InflowMark struct {
	Height uint64 `json:"height"`
	Hash   string `json:"hash"`
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

// Node records the taint an address and asset received (x.Inflow is not
// kept here: the live inflow totals hold it).
func (w *ExposureWriter) Node(c chains.Chain, a chains.Address, asset chains.Asset, x NodeExposure) error {
	w.meta.Nodes++
	v := appendAmount(appendAmount(nil, x.Direct), x.Indirect)
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

// AddressExposure returns the precomputed exposure of every asset address
// a received: its live inflow total, and the taint generation gen found in
// it.
func (s *Store) AddressExposure(ctx context.Context, gen uint64, c chains.Chain, a chains.Address) (map[chains.Asset]NodeExposure, error) {
	out := map[chains.Asset]NodeExposure{}
	err := s.db.View(func(txn *badger.Txn) error {
		err := eachAsset(ctx, txn, c, inflowKey(c, a, ""), func(asset chains.Asset, r *reader) {
			out[asset] = NodeExposure{Inflow: r.amount(), Direct: new(big.Int), Indirect: new(big.Int)}
		})
		if err != nil {
			return err
		}
		return eachAsset(ctx, txn, c, nodeExposureKey(gen, c, a, ""), func(asset chains.Asset, r *reader) {
			x := out[asset]
			if x.Inflow == nil {
				x.Inflow = new(big.Int)
			}
			x.Direct, x.Indirect = r.amount(), r.amount()
			out[asset] = x
		})
	})
	return out, err
}

// eachAsset calls fn with the asset and value reader of each key under
// prefix, a per-address prefix ending where the asset starts.
func eachAsset(ctx context.Context, txn *badger.Txn, c chains.Chain, prefix []byte, fn func(chains.Asset, *reader)) error {
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
			fn(asset, &r)
			return r.done("exposure")
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func inflowKey(c chains.Chain, a chains.Address, asset chains.Asset) []byte {
	k := appendAddr(chainKey(prefixInflow, c), c, a)
	if asset == "" {
		return k // the prefix of every asset of the address
	}
	return appendAsset(k, c, asset)
}

// MarkExposureUpdating flags the current precomputed exposure as being
// updated, so screens walk until Commit of the next generation clears it
// (or, if the update is cut short, until a rebuild starts over).
func (s *Store) MarkExposureUpdating() error {
	return s.db.Update(func(txn *badger.Txn) error {
		v, ok, err := get(txn, exposureMetaKey())
		if err != nil || !ok {
			return err
		}
		var meta ExposureMeta
		if err := json.Unmarshal(v, &meta); err != nil {
			return err
		}
		meta.Updating = true
		b, err := json.Marshal(meta)
		if err != nil {
			return err
		}
		return txn.Set(exposureMetaKey(), b)
	})
}

// ResetInflows recomputes chain c's live inflow totals from its whole flow
// index.
func (s *Store) ResetInflows(ctx context.Context, c chains.Chain) error {
	if err := s.db.DropPrefix(chainKey(prefixInflow, c)); err != nil {
		return err
	}
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	err := s.Inflows(ctx, c, func(a chains.Address, asset chains.Asset, inflow *big.Int) error {
		return wb.Set(inflowKey(c, a, asset), appendAmount(nil, inflow))
	})
	if err != nil {
		return err
	}
	return wb.Flush()
}

// AddInflows adds what blocks from to to of chain c paid each address and
// asset to the live inflow totals: the incremental update after a sync.
func (s *Store) AddInflows(ctx context.Context, c chains.Chain, from, to uint64) error {
	type node struct {
		a     chains.Address
		asset chains.Asset
	}
	const span = 256 // blocks read at a time
	for lo := from; lo <= to; lo += span {
		hi := min(to, lo+span-1)
		delta := map[node]*big.Int{}
		add := func(a chains.Address, asset chains.Asset, v *big.Int) {
			if a == "" || a == chains.FeeSink {
				return
			}
			k := node{a, asset}
			if delta[k] == nil {
				delta[k] = new(big.Int)
			}
			delta[k].Add(delta[k], v)
		}
		err := s.db.View(func(txn *badger.Txn) error {
			blocks, err := loadBlocks(txn, c, lo, hi)
			if err != nil {
				return err
			}
			for _, b := range blocks {
				for _, t := range b.Transfers {
					add(t.To, t.Asset, t.Amount)
				}
				for _, tx := range b.UTXOTxs {
					for _, o := range tx.Outputs {
						add(o.Address, chains.Native, new(big.Int).SetUint64(o.Value))
					}
				}
			}
			return ctx.Err()
		})
		if err != nil {
			return fmt.Errorf("inflows of %s blocks %d-%d: %w", c, lo, hi, err)
		}
		keys := make([]node, 0, len(delta))
		for k := range delta {
			keys = append(keys, k)
		}
		for len(keys) > 0 {
			n := min(len(keys), 1000)
			err := s.db.Update(func(txn *badger.Txn) error {
				for _, k := range keys[:n] {
					key := inflowKey(c, k.a, k.asset)
					total := new(big.Int).Set(delta[k])
					if v, ok, err := get(txn, key); err != nil {
						return err
					} else if ok {
						r := reader{c: c, b: v}
						total.Add(total, r.amount())
						if err := r.done("inflow"); err != nil {
							return err
						}
					}
					if err := txn.Set(key, appendAmount(nil, total)); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
			keys = keys[n:]
		}
	}
	return nil
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
