package store

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/houndtrace/hound/chains"
)

// ErrParentMismatch is returned by Commit when a block does not extend the
// stored chain: its parent hash differs from the hash of the block stored
// below it. The caller should look for the fork point and Rollback.
var ErrParentMismatch = errors.New("parent hash does not match the stored chain")

// Counts are a chain's totals in the store.
type Counts struct {
	Blocks     uint64
	Txs        uint64
	Skipped    uint64 // malformed logs left out
	Unresolved uint64 // UTXO inputs whose spent output the store does not hold
	// Transfers counts transfers by kind (indexed by chains.Kind); for UTXO
	// chains every output and every non-coinbase input.
	Transfers [16]uint64
}

// Total returns the number of transfers of every kind.
func (c *Counts) Total() uint64 {
	var n uint64
	for _, v := range c.Transfers {
		n += v
	}
	return n
}

// add counts a block in (sign 1) or out (sign -1). UTXO inputs must be
// resolved first.
func (c *Counts) add(b *chains.Block, sign int) {
	d := func(v *uint64, n int) { *v = uint64(int64(*v) + int64(sign*n)) }
	d(&c.Blocks, 1)
	d(&c.Txs, len(b.Txs)+len(b.UTXOTxs))
	d(&c.Skipped, b.Skipped)
	for i := range b.Transfers {
		d(&c.Transfers[b.Transfers[i].Kind%16], 1)
	}
	for i := range b.UTXOTxs {
		tx := &b.UTXOTxs[i]
		d(&c.Transfers[chains.KindOutput], len(tx.Outputs))
		for _, in := range tx.Inputs {
			if !in.Coinbase {
				d(&c.Transfers[chains.KindInput], 1)
			}
			if !in.Coinbase && !in.Resolved {
				d(&c.Unresolved, 1)
			}
		}
	}
}

func encodeCounts(c *Counts) []byte {
	b := binary.BigEndian.AppendUint64(nil, c.Blocks)
	b = binary.BigEndian.AppendUint64(b, c.Txs)
	b = binary.BigEndian.AppendUint64(b, c.Skipped)
	b = binary.BigEndian.AppendUint64(b, c.Unresolved)
	for _, k := range chains.Kinds {
		b = binary.BigEndian.AppendUint64(b, c.Transfers[k])
	}
	return b
}

func decodeCounts(val []byte) (*Counts, error) {
	c := &Counts{}
	r := reader{b: val}
	c.Blocks, c.Txs, c.Skipped, c.Unresolved = r.u64(), r.u64(), r.u64(), r.u64()
	for k := 1; len(r.b) >= 8 && k < len(c.Transfers); k++ {
		c.Transfers[k] = r.u64()
	}
	return c, r.done("counters")
}

// op is one key to set (val non-nil) or delete.
type op struct{ key, val []byte }

// blockRecordOp is the 'B' key of a block.
func blockRecordOp(b *chains.Block) op {
	return op{blockKey(prefixBlock, b.Chain, b.Number), encodeBlock(&blockRecord{
		Hash: b.Hash, Parent: b.Parent, Time: b.Time, Untraced: b.Untraced, Skipped: uint32(b.Skipped),
	})}
}

// txByHashOp is the 'X' key of a transaction.
func txByHashOp(c chains.Chain, h chains.Hash, n uint64, index uint32) op {
	return op{txByHashKey(c, h), binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint64(nil, n), index)}
}

// blockOps lists every key an account-chain block writes.
func blockOps(b *chains.Block) []op {
	c := b.Chain
	ops := make([]op, 0, 2+2*len(b.Txs)+3*len(b.Transfers)+2*len(b.Events))
	ops = append(ops, blockRecordOp(b))
	for i := range b.Txs {
		tx := &b.Txs[i]
		ops = append(ops, op{txKey(c, b.Number, tx.Index), encodeTx(c, tx)}, txByHashOp(c, tx.Hash, b.Number, tx.Index))
	}
	flags := transferFlags(b)
	for i := range b.Transfers {
		t := &b.Transfers[i]
		ops = append(ops,
			op{transferKey(c, t.Pos), encodeTransfer(t)},
			op{flowKey(c, t.From, t.Asset, t.Pos, dirOut), encodeFlow(t, t.To, flags[i])},
			op{flowKey(c, t.To, t.Asset, t.Pos, dirIn), encodeFlow(t, t.From, flags[i])})
	}
	return append(ops, eventOps(c, b.Events)...)
}

// Commit writes consecutive blocks of one chain, with the tokens first seen
// in them, and moves the chain's checkpoint to the last block. Each Badger
// transaction holds whole blocks and the checkpoint that covers them, so a
// crash at any point leaves the store at a block boundary. The first block
// must extend the stored checkpoint (its parent hash equal to the stored
// block's hash), or ErrParentMismatch is returned and nothing is written; on
// an empty chain the first block starts the stored range.
//
// Commit writes the co-spend record (store/cluster.go) of every UTXO
// transaction that qualifies, judging none a CoinJoin: Sync with
// SyncOptions.Joined is how hound keeps CoinJoins out of the clusters.
func (s *Store) Commit(c chains.Chain, blocks []*chains.Block, tokens []chains.Token) error {
	return s.commitMain(c, blocks, tokens, coSpends{on: true})
}

// commitMain is Commit with the caller's CoinJoin judgement.
func (s *Store) commitMain(c chains.Chain, blocks []*chains.Block, tokens []chains.Token, cs coSpends) error {
	if len(blocks) == 0 {
		return nil
	}
	cp, ok, err := s.Checkpoint(c)
	if err != nil {
		return err
	}
	first := blocks[0].Number
	if ok {
		if first != cp.Height+1 {
			return fmt.Errorf("commit block %d: the store ends at block %d", first, cp.Height)
		}
		if blocks[0].Parent != cp.Hash {
			return fmt.Errorf("commit block %d: %w", first, ErrParentMismatch)
		}
		first = cp.First
	}
	if err := s.checkRun(c, blocks); err != nil {
		return err
	}
	return s.commit(c, chainKey(prefixCheckpoint, c), first, blocks, tokens, cs)
}

// checkRun checks that blocks follow each other by number and parent hash,
// and that none of their heights is already stored in a detached segment.
func (s *Store) checkRun(c chains.Chain, blocks []*chains.Block) error {
	for i := 1; i < len(blocks); i++ {
		if blocks[i].Number != blocks[i-1].Number+1 || blocks[i].Parent != blocks[i-1].Hash {
			return fmt.Errorf("commit block %d: %w", blocks[i].Number, ErrParentMismatch)
		}
	}
	segs, err := s.Segments(c)
	if err != nil {
		return err
	}
	lo, hi := blocks[0].Number, blocks[len(blocks)-1].Number
	for _, g := range segs {
		if lo <= g.Height && g.First <= hi {
			return fmt.Errorf("%w: blocks %d-%d overlap the detached segment %d-%d the store holds", ErrRange, lo, hi, g.First, g.Height)
		}
	}
	return nil
}

// commit writes blocks in one transaction, or, when they do not fit, in two
// halves one after the other. The range record at rangeKey (the checkpoint,
// or a detached segment) is moved to cover first..the last block. cs says
// which co-spend records UTXO blocks write.
func (s *Store) commit(c chains.Chain, rangeKey []byte, first uint64, blocks []*chains.Block, tokens []chains.Token, cs coSpends) error {
	counts, err := s.Counts(c)
	if err != nil {
		return err
	}
	next := *counts
	txn := s.db.NewTransaction(true)
	defer txn.Discard()
	for _, b := range blocks {
		var ops []op
		if ops, err = s.opsOf(txn, b, cs); err != nil {
			break
		}
		for _, o := range ops {
			if err = txn.Set(o.key, o.val); err != nil {
				break
			}
		}
		next.add(b, 1)
	}
	for _, t := range tokens {
		if err == nil {
			err = txn.Set(tokenKey(c, t.Asset), encodeToken(t))
		}
	}
	last := blocks[len(blocks)-1]
	if err == nil {
		err = txn.Set(rangeKey, encodeCheckpoint(Checkpoint{First: first, Height: last.Number, Hash: last.Hash}))
	}
	if err == nil {
		err = txn.Set(chainKey(prefixStats, c), encodeCounts(&next))
	}
	if errors.Is(err, badger.ErrTxnTooBig) && len(blocks) > 1 {
		txn.Discard()
		half := len(blocks) / 2
		if err := s.commit(c, rangeKey, first, blocks[:half], tokens, cs); err != nil {
			return err
		}
		return s.commit(c, rangeKey, first, blocks[half:], nil, cs)
	}
	if err != nil {
		return fmt.Errorf("commit block %d: %w", blocks[0].Number, err)
	}
	if err := txn.Commit(); err != nil {
		return fmt.Errorf("commit blocks %d-%d: %w", blocks[0].Number, last.Number, err)
	}
	s.mu.Lock()
	s.stats[c] = &next
	s.mu.Unlock()
	return nil
}

// Rollback removes every block of chain c above height to, newest first, so
// that the store is consistent after each step, and moves the checkpoint
// back to block to (or clears the chain's range when to is below its first
// block). It is how a reorg is undone.
func (s *Store) Rollback(c chains.Chain, to uint64) error {
	for {
		cp, ok, err := s.Checkpoint(c)
		if err != nil || !ok || cp.Height <= to {
			return err
		}
		lo := to + 1
		if lo < cp.First {
			lo = cp.First
		}
		if cp.Height-lo > 63 {
			lo = cp.Height - 63 // at most 64 blocks a transaction
		}
		if err := s.dropBlocks(c, cp, lo); err != nil {
			return fmt.Errorf("roll back %s to block %d: %w", c, to, err)
		}
	}
}

// dropBlocks deletes blocks lo..cp.Height in one transaction: it reloads
// each block as it was committed and deletes exactly the keys committing it
// wrote. A UTXO block's co-spend keys are read back from its 'U' records,
// not judged again: the CoinJoin judgement that wrote them was the
// committing caller's, and may differ from today's.
func (s *Store) dropBlocks(c chains.Chain, cp Checkpoint, lo uint64) error {
	counts, err := s.Counts(c)
	if err != nil {
		return err
	}
	next := *counts
	err = s.db.Update(func(txn *badger.Txn) error {
		blocks, err := loadBlocks(txn, c, lo, cp.Height)
		if err != nil {
			return err
		}
		for _, b := range blocks {
			for _, o := range committedOps(b) {
				if err := txn.Delete(o.key); err != nil {
					return err
				}
			}
			if !c.IsEVM() {
				keys, err := storedCoSpendKeys(txn, c, b.Number)
				if err != nil {
					return err
				}
				for _, k := range keys {
					if err := txn.Delete(k); err != nil {
						return err
					}
				}
			}
			next.add(b, -1)
		}
		if err := txn.Set(chainKey(prefixStats, c), encodeCounts(&next)); err != nil {
			return err
		}
		if lo <= cp.First {
			return txn.Delete(chainKey(prefixCheckpoint, c))
		}
		below, err := getBlock(txn, c, lo-1)
		if err != nil {
			return err
		}
		return txn.Set(chainKey(prefixCheckpoint, c), encodeCheckpoint(Checkpoint{First: cp.First, Height: lo - 1, Hash: below.Hash}))
	})
	if err == nil {
		s.mu.Lock()
		s.stats[c] = &next
		s.mu.Unlock()
	}
	return err
}

// opsOf lists the keys committing b writes, resolving a UTXO block's inputs
// first (from txn, which sees the outputs of blocks written before it in the
// same transaction), then its co-spends as cs says.
func (s *Store) opsOf(txn *badger.Txn, b *chains.Block, cs coSpends) ([]op, error) {
	if b.Chain.IsEVM() {
		if err := checkEvents(b); err != nil {
			return nil, err
		}
		return blockOps(b), nil
	}
	if err := resolveInputs(txn, b); err != nil {
		return nil, err
	}
	return append(utxoOps(b), coSpendOps(b, cs)...), nil
}

// committedOps lists the keys a committed block wrote, but for a UTXO
// block's co-spend keys (storedCoSpendKeys reads those back).
func committedOps(b *chains.Block) []op {
	if b.Chain.IsEVM() {
		return blockOps(b)
	}
	return utxoOps(b)
}

// SetNetwork records the network a chain's data comes from, at its first
// sync.
func (s *Store) SetNetwork(c chains.Chain, network string) error {
	return s.db.Update(func(txn *badger.Txn) error {
		return txn.Set(chainKey(prefixNetwork, c), []byte(network))
	})
}
