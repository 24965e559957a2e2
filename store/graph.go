package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/big"

	"github.com/dgraph-io/badger/v4"

	"github.com/houndtrace/hound/chains"
)

// Flows calls fn with every flow of node n, in chain order: the transfers
// of an account node, the inputs then outputs of a UTXO transaction, the
// outputs paid to and the inputs spending from a UTXO address. It is how
// the tracer reads the flow graph; it stops at fn's first error.
func (s *Store) Flows(ctx context.Context, n chains.Node, fn func(chains.Flow) error) error {
	return s.flows(ctx, n, nil, fn)
}

// FlowsAfter calls fn with the flows of node n that come after position
// after, in chain order: what an account or an address gained since a
// trace last read it, found with one seek. A transaction's flows are all
// at one position: it has none after it.
func (s *Store) FlowsAfter(ctx context.Context, n chains.Node, after chains.Pos, fn func(chains.Flow) error) error {
	if n.Kind == chains.TxNode {
		return nil
	}
	return s.flows(ctx, n, pastPos(after), fn)
}

// pastPos is the key suffix past both directions of the flow at p.
func pastPos(p chains.Pos) []byte { return append(appendPos(nil, p), 0xff) }

// flows serves Flows and FlowsAfter: from, if set, is where in a node's
// flow keys (after the node's prefix) the scan starts.
func (s *Store) flows(ctx context.Context, n chains.Node, from []byte, fn func(chains.Flow) error) error {
	return s.db.View(func(txn *badger.Txn) error {
		return flowsIn(ctx, flowTxn{txn: txn}, n, from, fn)
	})
}

// flowTxn is where flows are read: a transaction, and an iterator over all
// its keys to seek in, if the reader keeps one.
type flowTxn struct {
	txn *badger.Txn
	it  *badger.Iterator
}

// iterator returns an iterator over the keys with prefix, and what to call
// once done with it.
func (ft flowTxn) iterator(prefix []byte) (*badger.Iterator, func()) {
	if ft.it != nil {
		return ft.it, func() {}
	}
	it := ft.txn.NewIterator(badger.IteratorOptions{Prefix: prefix}) // values live in the LSM tree: prefetching them only adds goroutines
	return it, it.Close
}

func flowsIn(ctx context.Context, ft flowTxn, n chains.Node, from []byte, fn func(chains.Flow) error) error {
	switch n.Kind {
	case chains.AccountNode:
		return accountFlows(ctx, ft, n, from, fn)
	case chains.TxNode:
		return txFlows(ft.txn, n, fn)
	case chains.HoldingNode:
		return holdingFlows(ctx, ft, n, from, fn)
	}
	return fmt.Errorf("flows of %s: unknown kind of node", n)
}

// FlowReader returns Flows as the store is now, for one goroutine (a
// trace's reader: trace.Concurrent), and what ends it. Its reads share one
// Badger transaction and one iterator, which seeks to each node's flows,
// instead of opening one of each per read; until ended it pins the tables
// it reads.
func (s *Store) FlowReader() (flows func(context.Context, chains.Node, func(chains.Flow) error) error, end func()) {
	ft, end := s.readTxn()
	return func(ctx context.Context, n chains.Node, fn func(chains.Flow) error) error {
		return flowsIn(ctx, ft, n, nil, fn)
	}, end
}

// FlowsAfterReader is to FlowsAfter what FlowReader is to Flows: a
// resumed trace seeks every node it followed.
func (s *Store) FlowsAfterReader() (flowsAfter func(context.Context, chains.Node, chains.Pos, func(chains.Flow) error) error, end func()) {
	ft, end := s.readTxn()
	return func(ctx context.Context, n chains.Node, after chains.Pos, fn func(chains.Flow) error) error {
		if n.Kind == chains.TxNode {
			return nil
		}
		return flowsIn(ctx, ft, n, pastPos(after), fn)
	}, end
}

// readTxn begins a transaction with an iterator over all its keys, and
// returns what ends both.
func (s *Store) readTxn() (flowTxn, func()) {
	ft := flowTxn{txn: s.db.NewTransaction(false)}
	ft.it = ft.txn.NewIterator(badger.IteratorOptions{})
	return ft, func() {
		ft.it.Close()
		ft.txn.Discard()
	}
}

// scanFlows walks the 'F' keys of address a and asset, from the key suffix
// from on (nil for all).
func scanFlows(ctx context.Context, ft flowTxn, c chains.Chain, a chains.Address, asset chains.Asset, from []byte, fn func(t chains.Transfer, in bool, flags byte) error) error {
	prefix := appendAsset(nodeKey(c, a), c, asset)
	it, done := ft.iterator(prefix)
	defer done()
	for it.Seek(append(prefix[:len(prefix):len(prefix)], from...)); it.ValidForPrefix(prefix); it.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		// decodeFlow copies what it keeps, so the key and value are read
		// in place: the hot path of a trace allocates no copies of them.
		item := it.Item()
		k := item.Key()
		var t chains.Transfer
		var flags byte
		err := item.Value(func(v []byte) error {
			var err error
			t, flags, err = decodeFlowAfter(c, a, asset, k[len(prefix):], v)
			return err
		})
		if err != nil {
			return err
		}
		if err := fn(t, k[len(k)-1] == dirIn, flags); err != nil {
			return err
		}
	}
	return nil
}

func accountFlows(ctx context.Context, ft flowTxn, n chains.Node, from []byte, fn func(chains.Flow) error) error {
	return scanFlows(ctx, ft, n.Chain, n.Address, n.Asset, from, func(t chains.Transfer, in bool, flags byte) error {
		other := t.To
		if in {
			other = t.From
		}
		return fn(chains.Flow{Link: chains.Link{Pos: t.Pos}, Pos: t.Pos, Tx: t.Tx, Time: t.Time, In: in, Amount: t.Amount,
			Kind: t.Kind, Other: chains.AccountOf(n.Chain, other, n.Asset), Address: other,
			Converts: flags&flowConverts != 0, Evented: flags&flowEvented != 0})
	})
}

// txFlows serves a UTXO transaction: its resolved inputs (an unresolved one
// has no amount and comes from no known node), then its outputs, each
// flowing into the transaction that spends it or resting with its address.
func txFlows(txn *badger.Txn, n chains.Node, fn func(chains.Flow) error) error {
	c := n.Chain
	v, ok, err := get(txn, txByHashKey(c, n.Tx))
	if err != nil || !ok || len(v) != 12 {
		if err == nil {
			err = fmt.Errorf("transaction %s: %w", n.Tx.Format(c), ErrNotFound)
		}
		return err
	}
	block, index := binary.BigEndian.Uint64(v), binary.BigEndian.Uint32(v[8:])
	rec, ok, err := get(txn, txKey(c, block, index))
	if err != nil || !ok {
		return fmt.Errorf("transaction %s: %w", n.Tx.Format(c), errCorrupt)
	}
	b, err := getBlock(txn, c, block)
	if err != nil {
		return err
	}
	tx, err := loadUTXOTx(txn, c, index, rec)
	if err != nil {
		return err
	}
	for vin, in := range tx.Inputs {
		f := chains.Flow{Link: chains.Link{Outpoint: in.Prev}, Pos: chains.Pos{Block: block, TxIndex: index, Index: uint32(vin)},
			Tx: tx.Hash, Time: b.Time, In: true, Amount: new(big.Int).SetUint64(in.Value), Kind: chains.KindInput, Address: in.Address}
		if !in.Coinbase && in.Resolved {
			f.Other = chains.TxOf(c, in.Prev.Tx)
		}
		if err := fn(f); err != nil {
			return err
		}
	}
	for vout, out := range tx.Outputs {
		op := chains.Outpoint{Tx: tx.Hash, Index: uint32(vout)}
		f := chains.Flow{Link: chains.Link{Outpoint: op}, Pos: chains.Pos{Block: block, TxIndex: index, Index: outputFlag | uint32(vout)},
			Tx: tx.Hash, Time: b.Time, Amount: new(big.Int).SetUint64(out.Value), Kind: chains.KindOutput, Address: out.Address, Script: out.Kind, Data: out.Data}
		sv, spent, err := get(txn, outpointKey(prefixSpent, c, op))
		switch {
		case err != nil:
			return err
		case spent && len(sv) == 36:
			var h chains.Hash
			copy(h[:], sv[:32])
			f.Other = chains.TxOf(c, h)
		case out.Address != "":
			f.Other = chains.HoldingOf(c, out.Address)
		}
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

// holdingFlows serves a UTXO address: the outputs paid to it (from the
// transactions that created them) and the inputs that spend them (into the
// spending transactions).
func holdingFlows(ctx context.Context, ft flowTxn, n chains.Node, from []byte, fn func(chains.Flow) error) error {
	txn := ft.txn
	type spend struct {
		f   chains.Flow
		key []byte
	}
	var flows []chains.Flow
	var spends []spend
	err := scanFlows(ctx, ft, n.Chain, n.Address, chains.Native, from, func(t chains.Transfer, in bool, _ byte) error {
		f := chains.Flow{Pos: t.Pos, Tx: t.Tx, Time: t.Time, In: in, Amount: t.Amount, Kind: t.Kind,
			Other: chains.TxOf(n.Chain, t.Tx), Address: n.Address}
		if in {
			f.Link.Outpoint = chains.Outpoint{Tx: t.Tx, Index: t.Pos.Index &^ outputFlag}
		} else {
			spends = append(spends, spend{f, outpointKey(prefixInput, n.Chain, chains.Outpoint{Tx: t.Tx, Index: t.Pos.Index})})
		}
		flows = append(flows, f)
		return nil
	})
	if err != nil {
		return err
	}
	// The outpoint an input spends is in its input record.
	next := 0
	for i := range flows {
		if flows[i].In {
			continue
		}
		v, ok, err := get(txn, spends[next].key)
		if err != nil || !ok {
			return fmt.Errorf("input %x of %s: %w", spends[next].key, n, errCorrupt)
		}
		in, err := decodeInput(n.Chain, v)
		if err != nil {
			return err
		}
		flows[i].Link.Outpoint = in.Prev
		next++
	}
	for _, f := range flows {
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

// Assets lists the assets address a has flows of on chain c, native first.
func (s *Store) Assets(ctx context.Context, c chains.Chain, a chains.Address) ([]chains.Asset, error) {
	var out []chains.Asset
	prefix := nodeKey(c, a)
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); {
			if err := ctx.Err(); err != nil {
				return err
			}
			k := it.Item().Key()
			r := reader{c: c, b: k[len(prefix):]}
			asset := r.asset()
			if r.err != nil {
				return fmt.Errorf("flow key %x: %w", k, errCorrupt)
			}
			out = append(out, asset)
			// Skip past every key of this asset.
			it.Seek(successor(appendAsset(append([]byte(nil), prefix...), c, asset)))
		}
		return nil
	})
	return out, err
}

// successor returns the smallest key greater than every key that starts
// with prefix (nil if there is none).
func successor(prefix []byte) []byte {
	k := append([]byte(nil), prefix...)
	for i := len(k) - 1; i >= 0; i-- {
		if k[i] < 0xff {
			k[i]++
			return k[:i+1]
		}
	}
	return nil
}
