package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/dgraph-io/badger/v4"

	"github.com/houndtrace/hound/chains"
)

// Common-input clustering (METHODS.md section 2). The addresses a
// transaction spends from are taken to have one owner, unless the
// transaction is a CoinJoin. A committed UTXO block writes, for each of its
// transactions that
//
//   - is not a coinbase,
//   - has every input resolved (an input whose spent output the store does
//     not hold could make a CoinJoin that no rule can see: it is not
//     guessed at),
//   - spends from at least two distinct addresses, and
//   - is not a CoinJoin by the caller's judgement (SyncOptions.Joined),
//
// a co-spend record ('U') listing those addresses, and for each of them an
// index key ('J') naming the transaction. A cluster is the connected
// component of an address over the co-spend records. Blocks of a detached
// segment write none: their inputs that spend older coins are unresolved.
// Rolling a block back deletes the co-spend records it holds, read back
// from its 'U' keys, so what a rollback removes never depends on the
// CoinJoin judgement of the day.

// coSpends says whether a commit writes co-spend records, and which
// transactions its caller judges CoinJoins.
type coSpends struct {
	on     bool
	joined func(tx *chains.UTXOTx, height uint64) bool
}

// coSpendKey is the 'U' key of transaction index of block n.
func coSpendKey(c chains.Chain, n uint64, index uint32) []byte {
	return binary.BigEndian.AppendUint32(blockKey(prefixCoSpend, c, n), index)
}

// coSpenderPrefix is the prefix of address a's 'J' keys.
func coSpenderPrefix(c chains.Chain, a chains.Address) []byte {
	return appendAddr(chainKey(prefixCoSpender, c), c, a)
}

// coSpenderKey is the 'J' key of address a in transaction index of block n.
func coSpenderKey(c chains.Chain, a chains.Address, n uint64, index uint32) []byte {
	k := binary.BigEndian.AppendUint64(coSpenderPrefix(c, a), n)
	return binary.BigEndian.AppendUint32(k, index)
}

func encodeCoSpend(c chains.Chain, addrs []chains.Address) []byte {
	b := binary.AppendUvarint(make([]byte, 0, 1+36*len(addrs)), uint64(len(addrs)))
	for _, a := range addrs {
		b = appendAddr(b, c, a)
	}
	return b
}

func decodeCoSpend(c chains.Chain, val []byte) ([]chains.Address, error) {
	n, w := binary.Uvarint(val)
	if w <= 0 || n > uint64(len(val)) {
		return nil, fmt.Errorf("co-spend: %w", errCorrupt)
	}
	r := reader{c: c, b: val[w:]}
	addrs := make([]chains.Address, 0, n)
	for range n {
		addrs = append(addrs, r.addr())
	}
	return addrs, r.done("co-spend")
}

// coSpenders returns the distinct addresses tx spends from, in input
// order, when tx is one to cluster (see above but for the CoinJoin
// judgement), or nil.
func coSpenders(tx *chains.UTXOTx) []chains.Address {
	if len(tx.Inputs) < 2 {
		return nil
	}
	var addrs []chains.Address
	var seen map[chains.Address]bool // for a large transaction
	if len(tx.Inputs) > 32 {
		seen = make(map[chains.Address]bool, len(tx.Inputs))
	}
	for i := range tx.Inputs {
		in := &tx.Inputs[i]
		if in.Coinbase || !in.Resolved || in.Address == "" {
			return nil
		}
		switch {
		case seen != nil && !seen[in.Address]:
			seen[in.Address] = true
			addrs = append(addrs, in.Address)
		case seen == nil && !slices.Contains(addrs, in.Address):
			addrs = append(addrs, in.Address)
		}
	}
	if len(addrs) < 2 {
		return nil
	}
	return addrs
}

// coSpendOps lists the co-spend keys of a UTXO block whose inputs are
// resolved.
func coSpendOps(b *chains.Block, cs coSpends) []op {
	if !cs.on {
		return nil
	}
	var ops []op
	for i := range b.UTXOTxs {
		tx := &b.UTXOTxs[i]
		addrs := coSpenders(tx)
		if addrs == nil || (cs.joined != nil && cs.joined(tx, b.Number)) {
			continue
		}
		ops = append(ops, op{coSpendKey(b.Chain, b.Number, tx.Index), encodeCoSpend(b.Chain, addrs)})
		for _, a := range addrs {
			ops = append(ops, op{coSpenderKey(b.Chain, a, b.Number, tx.Index), []byte{}})
		}
	}
	return ops
}

// storedCoSpendKeys lists the co-spend keys block n holds, read back from
// its 'U' records.
func storedCoSpendKeys(txn *badger.Txn, c chains.Chain, n uint64) ([][]byte, error) {
	var keys [][]byte
	prefix := blockKey(prefixCoSpend, c, n)
	err := scan(txn, prefix, prefix, func(k, v []byte) error {
		if len(k) != len(prefix)+4 {
			return fmt.Errorf("co-spend key %x: %w", k, errCorrupt)
		}
		index := binary.BigEndian.Uint32(k[len(prefix):])
		addrs, err := decodeCoSpend(c, v)
		if err != nil {
			return err
		}
		keys = append(keys, k)
		for _, a := range addrs {
			keys = append(keys, coSpenderKey(c, a, n, index))
		}
		return nil
	})
	return keys, err
}

// Cluster returns the common-input cluster of address a (see above): a and
// every address joined to it by a chain of co-spends, sorted. It walks the
// co-spends breadth first and stops once it has limit addresses and finds
// one more, returning complete false; a limit below 1 sets no bound. An
// address that never co-spent (or that the store does not know) is a
// cluster of one. It implements trace.Clusters.
func (s *Store) Cluster(ctx context.Context, c chains.Chain, a chains.Address, limit int) (members []chains.Address, complete bool, err error) {
	type txRef struct {
		block uint64
		index uint32
	}
	seen := map[chains.Address]bool{a: true}
	read := map[txRef]bool{}
	members, complete = []chains.Address{a}, true
	err = s.db.View(func(txn *badger.Txn) error {
		for next := 0; next < len(members); next++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			prefix := coSpenderPrefix(c, members[next])
			err := scan(txn, prefix, prefix, func(k, _ []byte) error {
				if len(k) != len(prefix)+12 {
					return fmt.Errorf("co-spender key %x: %w", k, errCorrupt)
				}
				ref := txRef{binary.BigEndian.Uint64(k[len(prefix):]), binary.BigEndian.Uint32(k[len(prefix)+8:])}
				if read[ref] {
					return nil
				}
				read[ref] = true
				v, ok, err := get(txn, coSpendKey(c, ref.block, ref.index))
				if err != nil {
					return err
				}
				if !ok {
					return fmt.Errorf("co-spend of block %d tx %d: %w", ref.block, ref.index, errCorrupt)
				}
				addrs, err := decodeCoSpend(c, v)
				if err != nil {
					return err
				}
				for _, m := range addrs {
					if seen[m] {
						continue
					}
					if limit > 0 && len(members) >= limit {
						complete = false
						return errStop
					}
					seen[m] = true
					members = append(members, m)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, errStop) {
		err = nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("cluster of %s: %w", a, err)
	}
	slices.Sort(members)
	return members, complete, nil
}
