package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"

	"github.com/dgraph-io/badger/v4"

	"github.com/houndtrace/hound/chains"
)

// scan calls fn for every key from start up to the end of prefix, in order.
func scan(txn *badger.Txn, start, prefix []byte, fn func(k, v []byte) error) error {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix}) // values live in the LSM tree: prefetching them only adds goroutines
	defer it.Close()
	for it.Seek(start); it.ValidForPrefix(prefix); it.Next() {
		item := it.Item()
		v, err := item.ValueCopy(nil)
		if err != nil {
			return err
		}
		if err := fn(item.KeyCopy(nil), v); err != nil {
			return err
		}
	}
	return nil
}

func get(txn *badger.Txn, key []byte) ([]byte, bool, error) {
	item, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	v, err := item.ValueCopy(nil)
	return v, err == nil, err
}

func getBlock(txn *badger.Txn, c chains.Chain, n uint64) (blockRecord, error) {
	v, ok, err := get(txn, blockKey(prefixBlock, c, n))
	if err != nil {
		return blockRecord{}, err
	}
	if !ok {
		return blockRecord{}, fmt.Errorf("block %d: %w", n, ErrNotFound)
	}
	return decodeBlock(v)
}

// Checkpoint returns how far chain c's data reaches; ok is false when the
// store holds nothing of the chain.
func (s *Store) Checkpoint(c chains.Chain) (cp Checkpoint, ok bool, err error) {
	err = s.db.View(func(txn *badger.Txn) error {
		v, found, err := get(txn, chainKey(prefixCheckpoint, c))
		if err != nil || !found {
			return err
		}
		ok = true
		cp, err = decodeCheckpoint(v)
		return err
	})
	return cp, ok, err
}

// Network returns the network recorded at chain c's first sync, or "".
func (s *Store) Network(c chains.Chain) (string, error) {
	var n string
	err := s.db.View(func(txn *badger.Txn) error {
		v, _, err := get(txn, chainKey(prefixNetwork, c))
		n = string(v)
		return err
	})
	return n, err
}

// Counts returns chain c's totals.
func (s *Store) Counts(c chains.Chain) (*Counts, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cs, ok := s.stats[c]; ok {
		return cs, nil
	}
	cs := &Counts{}
	err := s.db.View(func(txn *badger.Txn) error {
		v, ok, err := get(txn, chainKey(prefixStats, c))
		if err != nil || !ok {
			return err
		}
		cs, err = decodeCounts(v)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.stats[c] = cs
	return cs, nil
}

// BlockHash returns the hash of chain c's stored block n.
func (s *Store) BlockHash(c chains.Chain, n uint64) (chains.Hash, error) {
	var h chains.Hash
	err := s.db.View(func(txn *badger.Txn) error {
		b, err := getBlock(txn, c, n)
		h = b.Hash
		return err
	})
	return h, err
}

// Token returns what the store knows of a token; ok is false when it has
// never read the token.
func (s *Store) Token(c chains.Chain, asset chains.Asset) (t chains.Token, ok bool, err error) {
	err = s.db.View(func(txn *badger.Txn) error {
		v, found, err := get(txn, tokenKey(c, asset))
		if err != nil || !found {
			return err
		}
		ok = true
		t, err = decodeToken(asset, v)
		return err
	})
	return t, ok, err
}

// AddressTransfers returns every transfer into or out of address a, of
// every asset, each once, in chain order within each asset (assets in key
// order, native first).
func (s *Store) AddressTransfers(c chains.Chain, a chains.Address) ([]chains.Transfer, error) {
	var out []chains.Transfer
	prefix := nodeKey(c, a)
	err := s.db.View(func(txn *badger.Txn) error {
		return scan(txn, prefix, prefix, func(k, v []byte) error {
			t, _, err := decodeFlow(c, a, k, v)
			if err != nil {
				return err
			}
			// A transfer to oneself has an inflow and an outflow: list it once.
			if k[len(k)-1] == dirIn && t.From == t.To {
				return nil
			}
			out = append(out, t)
			return nil
		})
	})
	return out, err
}

// Balance is the net amount of one asset an address received in the stored
// range: inflows minus outflows. It equals the change of the address's
// on-chain balance over that range.
type Balance struct {
	Asset  chains.Asset
	Amount *big.Int
}

// Balances sums transfers per asset, in the order assets first appear.
func Balances(a chains.Address, ts []chains.Transfer) []Balance {
	var out []Balance
	index := map[chains.Asset]int{}
	for i := range ts {
		t := &ts[i]
		j, ok := index[t.Asset]
		if !ok {
			j = len(out)
			index[t.Asset] = j
			out = append(out, Balance{Asset: t.Asset, Amount: new(big.Int)})
		}
		if t.To == a {
			out[j].Amount.Add(out[j].Amount, t.Amount)
		}
		if t.From == a {
			out[j].Amount.Sub(out[j].Amount, t.Amount)
		}
	}
	return out
}

// TxRecord is one stored transaction with its place and, on account
// chains, its transfers, or on UTXO chains its inputs and outputs.
type TxRecord struct {
	Chain     chains.Chain
	Block     uint64
	Time      uint64
	Tx        chains.Tx
	Transfers []chains.Transfer
	UTXO      *chains.UTXOTx
}

// Tx returns the stored transaction with hash h, or an error wrapping
// ErrNotFound.
func (s *Store) Tx(c chains.Chain, h chains.Hash) (*TxRecord, error) {
	rec := &TxRecord{Chain: c}
	err := s.db.View(func(txn *badger.Txn) error {
		v, ok, err := get(txn, txByHashKey(c, h))
		if err != nil {
			return err
		}
		if !ok || len(v) != 12 {
			return fmt.Errorf("transaction %s: %w", h.Format(c), ErrNotFound)
		}
		rec.Block = binary.BigEndian.Uint64(v)
		index := binary.BigEndian.Uint32(v[8:])
		tv, ok, err := get(txn, txKey(c, rec.Block, index))
		if err != nil || !ok {
			return fmt.Errorf("transaction %s: %w", h.Format(c), errCorrupt)
		}
		b, err := getBlock(txn, c, rec.Block)
		if err != nil {
			return err
		}
		rec.Time = b.Time
		if !c.IsEVM() {
			tx, err := loadUTXOTx(txn, c, index, tv)
			rec.UTXO, rec.Tx = &tx, chains.Tx{Hash: tx.Hash, Index: index, Status: chains.TxSucceeded}
			return err
		}
		if rec.Tx, err = decodeTx(c, index, tv); err != nil {
			return err
		}
		prefix := binary.BigEndian.AppendUint32(blockKey(prefixTransfer, c, rec.Block), index)
		return scan(txn, prefix, prefix, func(k, v []byte) error {
			t, err := decodeTransfer(c, k, v)
			rec.Transfers = append(rec.Transfers, t)
			return err
		})
	})
	return rec, err
}

// Chains lists the chains the store holds blocks of.
func (s *Store) Chains() ([]chains.Chain, error) {
	var out []chains.Chain
	for _, c := range chains.Known {
		counts, err := s.Counts(c)
		if err != nil {
			return nil, err
		}
		if counts.Blocks > 0 {
			out = append(out, c)
		}
	}
	return out, nil
}

// Each calls fn for every key and value in the store, in key order. It is
// for verification and tests (two stores with the same content yield the
// same sequence).
func (s *Store) Each(fn func(key, val []byte) error) error {
	return s.db.View(func(txn *badger.Txn) error {
		return scan(txn, nil, nil, fn)
	})
}

// EachTransfer calls fn for every stored transfer of chain c in blocks
// from..to, in chain order.
func (s *Store) EachTransfer(c chains.Chain, from, to uint64, fn func(chains.Transfer) error) error {
	prefix := chainKey(prefixTransfer, c)
	err := s.db.View(func(txn *badger.Txn) error {
		return scan(txn, blockKey(prefixTransfer, c, from), prefix, func(k, v []byte) error {
			t, err := decodeTransfer(c, k, v)
			if err != nil {
				return err
			}
			if t.Pos.Block > to {
				return errStop
			}
			return fn(t)
		})
	})
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

// errStop ends a scan early without an error.
var errStop = errors.New("stop")

// loadBlocks reads the stored blocks lo..hi of chain c back into the shape
// they were committed in (UTXO inputs resolved as stored).
func loadBlocks(txn *badger.Txn, c chains.Chain, lo, hi uint64) ([]*chains.Block, error) {
	var out []*chains.Block
	for n := lo; n <= hi; n++ {
		b, err := loadBlock(txn, c, n)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// loadBlock reads one stored block. Scans run one after the other: a
// read-write Badger transaction allows one iterator at a time.
func loadBlock(txn *badger.Txn, c chains.Chain, n uint64) (*chains.Block, error) {
	rec, err := getBlock(txn, c, n)
	if err != nil {
		return nil, err
	}
	b := &chains.Block{Chain: c, Number: n, Hash: rec.Hash, Parent: rec.Parent, Time: rec.Time, Untraced: rec.Untraced, Skipped: int(rec.Skipped)}
	type txRec struct {
		index uint32
		val   []byte
	}
	var recs []txRec
	prefix := blockKey(prefixTx, c, n)
	err = scan(txn, prefix, prefix, func(k, v []byte) error {
		recs = append(recs, txRec{binary.BigEndian.Uint32(k[len(prefix):]), v})
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		if c.IsEVM() {
			tx, err := decodeTx(c, r.index, r.val)
			if err != nil {
				return nil, err
			}
			b.Txs = append(b.Txs, tx)
			continue
		}
		tx, err := loadUTXOTx(txn, c, r.index, r.val)
		if err != nil {
			return nil, err
		}
		b.UTXOTxs = append(b.UTXOTxs, tx)
	}
	if !c.IsEVM() {
		return b, nil
	}
	prefix = blockKey(prefixTransfer, c, n)
	err = scan(txn, prefix, prefix, func(k, v []byte) error {
		t, err := decodeTransfer(c, k, v)
		b.Transfers = append(b.Transfers, t)
		return err
	})
	if err != nil {
		return nil, err
	}
	b.Events, err = loadEvents(txn, c, n)
	return b, err
}

// BlockTime returns the time of chain c's stored block n (Unix seconds).
func (s *Store) BlockTime(c chains.Chain, n uint64) (uint64, error) {
	var t uint64
	err := s.db.View(func(txn *badger.Txn) error {
		b, err := getBlock(txn, c, n)
		t = b.Time
		return err
	})
	return t, err
}
