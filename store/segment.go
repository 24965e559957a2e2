package store

import (
	"encoding/binary"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/houndtrace/hound/chains"
)

// A detached segment is a run of blocks stored apart from the chain's main
// range (the checkpoint's), because the store does not hold their
// ancestors: blocks read from files without the blocks before them. Their
// inputs that spend older outputs stay unresolved. Segments are never
// merged into the main range; a sync whose blocks would overlap one is
// refused.

// Segments lists chain c's detached segments, lowest first.
func (s *Store) Segments(c chains.Chain) ([]Checkpoint, error) {
	var out []Checkpoint
	prefix := chainKey(prefixSegment, c)
	err := s.db.View(func(txn *badger.Txn) error {
		return scan(txn, prefix, prefix, func(_, v []byte) error {
			g, err := decodeCheckpoint(v)
			out = append(out, g)
			return err
		})
	})
	return out, err
}

// CommitDetached stores consecutive blocks whose parent the store does not
// hold: it extends the detached segment that ends with their parent, or
// starts a new one. Blocks that overlap the main range or another segment
// are refused with ErrRange. They write no co-spend records.
func (s *Store) CommitDetached(c chains.Chain, blocks []*chains.Block) error {
	if len(blocks) == 0 {
		return nil
	}
	if err := s.checkRun(c, blocks); err != nil {
		return err
	}
	lo, hi := blocks[0].Number, blocks[len(blocks)-1].Number
	cp, ok, err := s.Checkpoint(c)
	if err != nil {
		return err
	}
	if ok && lo <= cp.Height && cp.First <= hi {
		return fmt.Errorf("%w: blocks %d-%d overlap the stored blocks %d-%d", ErrRange, lo, hi, cp.First, cp.Height)
	}
	segs, err := s.Segments(c)
	if err != nil {
		return err
	}
	first := lo
	for _, g := range segs {
		if g.Height+1 == lo && g.Hash == blocks[0].Parent {
			first = g.First
		}
	}
	key := binary.BigEndian.AppendUint64(chainKey(prefixSegment, c), first)
	return s.commit(c, key, first, blocks, nil, coSpends{}) // no co-spends: see store/cluster.go
}
