package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/chains/bitcoin"
	"github.com/houndtrace/hound/store"
)

// detachedBatch is how many blocks of a detached range are committed at
// once.
const detachedBatch = 64

// syncBlockFiles ingests Bitcoin block files. The run of blocks linked to
// the genesis block is synced like a node's chain: resumed after the
// checkpoint, and a stored branch that the files replace with a longer one
// is rolled back. Runs whose ancestors are missing are stored as detached
// ranges with their inputs unresolved.
func syncBlockFiles(ctx context.Context, stdout, stderr io.Writer, g *globalOptions, st *store.Store, net *bitcoin.Network, paths []string, so store.SyncOptions) error {
	set, err := bitcoin.ReadBlockFiles(ctx, paths, net)
	if err != nil {
		return usageError{err}
	}
	if err := st.CheckNetwork(ctx, set.Segments[0]); err != nil {
		return err
	}
	for _, seg := range set.Segments {
		switch {
		case !seg.HeightKnown:
			fmt.Fprintf(stdout, "bitcoin: left out %d blocks after %s: their height is unknown (no BIP 34 height in them)\n",
				len(seg.Blocks), seg.Parent().Format(chains.Bitcoin))
		case seg.Detached:
			err = syncDetached(ctx, stdout, st, seg)
		default:
			err = syncLinked(ctx, stdout, stderr, g, st, seg, so)
		}
		if err != nil {
			return err
		}
	}
	if n := len(set.Orphans); n > 0 {
		fmt.Fprintf(stdout, "bitcoin: left out %d blocks of side branches in the files (the longer branch is kept)\n", n)
	}
	if set.Duplicates > 0 {
		fmt.Fprintf(stdout, "bitcoin: %d blocks appear more than once in the files and were read once\n", set.Duplicates)
	}
	return nil
}

// syncLinked syncs the segment that starts at the genesis block.
func syncLinked(ctx context.Context, stdout, stderr io.Writer, g *globalOptions, st *store.Store, seg *bitcoin.Segment, so store.SyncOptions) error {
	head := seg.First + uint64(len(seg.Blocks)) - 1
	cp, ok, err := st.Checkpoint(chains.Bitcoin)
	if err != nil {
		return err
	}
	if ok && cp.Height >= head {
		ours, err := st.BlockHash(chains.Bitcoin, head)
		if err != nil {
			return err
		}
		if ours == seg.Blocks[len(seg.Blocks)-1].Hash {
			_, err = fmt.Fprintf(stdout, "bitcoin: blocks %d-%d of the files are stored already\n", seg.First, head)
		} else {
			_, err = fmt.Fprintf(stdout, "bitcoin: left out blocks %d-%d of the files: a branch no longer than the stored one (which ends at block %d)\n", seg.First, head, cp.Height)
		}
		return err
	}
	so.From, so.FromSet, so.To, so.ToSet, so.Confirmations = seg.First, true, head, true, 0
	return syncSource(ctx, stdout, stderr, g, st, seg, so)
}

// syncDetached stores a segment whose ancestors are missing.
func syncDetached(ctx context.Context, stdout io.Writer, st *store.Store, seg *bitcoin.Segment) error {
	last := seg.First + uint64(len(seg.Blocks)) - 1
	if h, err := st.BlockHash(chains.Bitcoin, seg.First); err == nil && h == seg.Blocks[0].Hash {
		_, err = fmt.Fprintf(stdout, "bitcoin: blocks %d-%d of the files are stored already\n", seg.First, last)
		return err
	}
	before, err := st.Counts(chains.Bitcoin)
	if err != nil {
		return err
	}
	was := *before
	began := time.Now()
	for n := seg.First; n <= last; n += detachedBatch {
		var batch []*chains.Block
		for h := n; h <= min(last, n+detachedBatch-1); h++ {
			b, err := seg.Block(ctx, h)
			if err != nil {
				return usageError{err}
			}
			batch = append(batch, b)
		}
		if err := st.CommitDetached(chains.Bitcoin, batch); err != nil {
			return err
		}
	}
	now, err := st.Counts(chains.Bitcoin)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "bitcoin: stored blocks %d-%d as a detached range (their ancestors are not in the store): %d transactions in %.1fs; %d inputs spend outputs the store does not hold and stay unresolved\n",
		seg.First, last, now.Txs-was.Txs, time.Since(began).Seconds(), now.Unresolved-was.Unresolved)
	return err
}
