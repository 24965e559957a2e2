package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/houndtrace/hound/chains"
)

// ErrNetworkMismatch is returned when a node serves another network than the
// one the store's data of that chain came from.
var ErrNetworkMismatch = errors.New("node serves another network than the store holds")

// ErrRange is returned for a sync range the store cannot take (a gap after
// the stored blocks, a start before them, an end beyond the node's head).
var ErrRange = errors.New("bad block range")

// SyncOptions say what to sync. The zero value syncs from the checkpoint (or
// block 0 on a first sync) to the node's head, with 4 workers.
type SyncOptions struct {
	// From is the first block to index when FromSet; without it the sync
	// resumes after the checkpoint, or starts at block 0 on an empty store.
	From    uint64
	FromSet bool
	// To is the last block to index when ToSet; without it, the node's head
	// minus Confirmations.
	To            uint64
	ToSet         bool
	Confirmations uint64
	// Workers is how many blocks are fetched at once (default 4).
	Workers int
	// Progress, if set, is called after each commit.
	Progress func(SyncProgress)
	// Logger receives reorg and token notes; nil is silent.
	Logger *slog.Logger
	// Joined, if set, reports a UTXO transaction the caller takes for a
	// CoinJoin (hound passes trace.DetectCoinJoin): its inputs' addresses
	// then go into no common-input cluster (store/cluster.go). It is asked
	// about each transaction that would otherwise be clustered, with its
	// inputs resolved and the height of its block (again when a commit is
	// retried in smaller parts), and must not modify tx. Without it no
	// transaction is judged a CoinJoin.
	Joined func(tx *chains.UTXOTx, height uint64) bool
}

// SyncProgress is a snapshot of a running sync.
type SyncProgress struct {
	Start, Target uint64 // the range being synced
	Height        uint64 // last block written
	Blocks        uint64 // blocks written by this sync
	Txs           uint64 // transactions written by this sync
	Transfers     uint64 // transfers written by this sync (account chains)
}

// SyncResult sums up a finished (or interrupted) sync.
type SyncResult struct {
	SyncProgress
	Reorgs     int    // reorgs detected and rolled back
	RolledBack uint64 // blocks removed by those rollbacks
	Untraced   bool   // some blocks lack internal transfers
	Skipped    uint64 // malformed logs left out
}

// reorgError says the block at Height does not extend the stored chain.
type reorgError struct{ Height uint64 }

func (e reorgError) Error() string { return fmt.Sprintf("reorg at block %d", e.Height) }

// Sync indexes blocks of src into the store: it fetches them concurrently,
// writes them in order in batches that each end with a checkpoint, resumes
// where the last sync stopped, and, when the node's chain no longer extends
// the stored one, rolls back the orphaned blocks and goes on from the fork
// point. On cancellation it commits what it has fetched in order and returns
// ctx.Err() with the store consistent.
func (s *Store) Sync(ctx context.Context, src chains.BlockSource, opts SyncOptions) (SyncResult, error) {
	var res SyncResult
	if err := s.CheckNetwork(ctx, src); err != nil {
		return res, err
	}
	start, err := s.syncStart(ctx, src, opts, &res)
	if err != nil {
		return res, err
	}
	head, err := src.Head(ctx)
	if err != nil {
		return res, fmt.Errorf("read the node's head: %w", err)
	}
	target := opts.To
	switch {
	case opts.ToSet && opts.To > head:
		return res, fmt.Errorf("%w: --to %d is beyond the node's head %d", ErrRange, opts.To, head)
	case !opts.ToSet && head < opts.Confirmations:
		return res, nil
	case !opts.ToSet:
		target = head - opts.Confirmations
	}
	res.Start, res.Target = start, target
	if start > 0 {
		res.Height = start - 1
	}
	for start <= target {
		err := s.syncRange(ctx, src, start, target, opts, &res)
		var reorg reorgError
		if !errors.As(err, &reorg) {
			return res, err
		}
		fork, err := s.rollbackToFork(ctx, src, reorg.Height-1, opts.Logger)
		if err != nil {
			return res, err
		}
		res.Reorgs++
		res.RolledBack += reorg.Height - 1 - fork
		start = fork + 1
		res.Height = fork
	}
	return res, nil
}

// CheckNetwork records the network src serves at a chain's first sync, and
// refuses a source of another network than the one recorded, with
// ErrNetworkMismatch.
func (s *Store) CheckNetwork(ctx context.Context, src chains.BlockSource) error {
	net, err := src.Network(ctx)
	if err != nil {
		return fmt.Errorf("read the node's network: %w", err)
	}
	stored, err := s.Network(src.Chain())
	switch {
	case err != nil:
		return err
	case stored == "":
		return s.SetNetwork(src.Chain(), net)
	case stored != net:
		return fmt.Errorf("%w: the store's %s data is from %s, the node serves %s", ErrNetworkMismatch, src.Chain(), stored, net)
	}
	return nil
}

// syncStart decides the first block to fetch, and first checks that the
// stored tip is still on the node's chain (a reorg may have happened while
// hound was not running).
func (s *Store) syncStart(ctx context.Context, src chains.BlockSource, opts SyncOptions, res *SyncResult) (uint64, error) {
	c := src.Chain()
	cp, ok, err := s.Checkpoint(c)
	if err != nil {
		return 0, err
	}
	if !ok {
		return opts.From, nil
	}
	if opts.FromSet && opts.From > cp.Height+1 {
		return 0, fmt.Errorf("%w: --from %d would leave a gap: the store holds %s blocks %d-%d; use --from %d or omit it", ErrRange, opts.From, c, cp.First, cp.Height, cp.Height+1)
	}
	if opts.FromSet && opts.From < cp.First {
		return 0, fmt.Errorf("%w: --from %d is before the store's first %s block %d; use a new store to index earlier blocks", ErrRange, opts.From, c, cp.First)
	}
	h, err := src.BlockHash(ctx, cp.Height)
	if err != nil {
		return 0, fmt.Errorf("check stored block %d against the node: %w", cp.Height, err)
	}
	if h == cp.Hash {
		return cp.Height + 1, nil
	}
	fork, err := s.rollbackToFork(ctx, src, cp.Height, opts.Logger)
	if err != nil {
		return 0, err
	}
	res.Reorgs++
	res.RolledBack += cp.Height - fork
	return fork + 1, nil
}

// rollbackToFork walks down from stored block top to the highest block whose
// hash the node agrees with, and rolls back everything above it.
func (s *Store) rollbackToFork(ctx context.Context, src chains.BlockSource, top uint64, log *slog.Logger) (uint64, error) {
	c := src.Chain()
	cp, ok, err := s.Checkpoint(c)
	if err != nil || !ok {
		return top, err
	}
	fork := top
	for {
		ours, err := s.BlockHash(c, fork)
		if err != nil {
			return 0, err
		}
		theirs, err := src.BlockHash(ctx, fork)
		if err != nil {
			return 0, fmt.Errorf("find the fork point at block %d: %w", fork, err)
		}
		if ours == theirs {
			break
		}
		if fork == cp.First {
			if fork == 0 {
				return 0, fmt.Errorf("%w: the node's genesis block differs from the store's", ErrNetworkMismatch)
			}
			fork-- // the whole stored range is orphaned
			break
		}
		fork--
	}
	if log != nil {
		log.Warn("chain reorganised: rolling back orphaned blocks", "chain", c, "from", fork+1, "to", cp.Height)
	}
	return fork, s.Rollback(c, fork)
}

// fetched is one block as a worker delivers it.
type fetched struct {
	block  *chains.Block
	tokens []chains.Token
	err    error
}

// syncRange fetches blocks start..target with bounded concurrency and
// commits them in order.
func (s *Store) syncRange(ctx context.Context, src chains.BlockSource, start, target uint64, opts SyncOptions, res *SyncResult) error {
	workers := opts.Workers
	if workers <= 0 {
		workers = 4
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	futures := make(chan chan fetched, 2*workers)
	sem := make(chan struct{}, 2*workers)
	var wg sync.WaitGroup
	tokens := &tokenCache{seen: map[chains.Asset]bool{}}
	go func() {
		defer close(futures)
		for n := start; n <= target; n++ {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			f := make(chan fetched, 1)
			wg.Add(1)
			go func(n uint64) {
				defer wg.Done()
				f <- s.fetch(ctx, src, n, tokens)
			}(n)
			futures <- f
		}
	}()
	defer wg.Wait()
	w := &batchWriter{s: s, c: src.Chain(), res: res, progress: opts.Progress, coSpends: coSpends{on: true, joined: opts.Joined}}
	prev, err := s.tipHash(src.Chain())
	if err != nil {
		return err
	}
	for f := range futures {
		r := <-f
		<-sem
		if r.err == nil && !prev.IsZero() && r.block.Parent != prev {
			r.err = reorgError{Height: r.block.Number}
		}
		if r.err != nil {
			cancel()
			if ferr := w.flush(); ferr != nil {
				return ferr
			}
			if ctx.Err() != nil && errors.Is(r.err, context.Canceled) {
				return context.Cause(ctx)
			}
			return r.err
		}
		prev = r.block.Hash
		if err := w.add(r.block, r.tokens); err != nil {
			return err
		}
	}
	if err := w.flush(); err != nil {
		return err
	}
	return ctx.Err()
}

// tipHash is the hash of the stored tip, or zero on an empty chain.
func (s *Store) tipHash(c chains.Chain) (chains.Hash, error) {
	cp, _, err := s.Checkpoint(c)
	return cp.Hash, err
}

func (s *Store) fetch(ctx context.Context, src chains.BlockSource, n uint64, tokens *tokenCache) fetched {
	b, err := src.Block(ctx, n)
	if err != nil {
		return fetched{err: fmt.Errorf("fetch %s block %d: %w", src.Chain(), n, err)}
	}
	r := fetched{block: b}
	tr, ok := src.(chains.TokenReader)
	if !ok {
		return r
	}
	for i := range b.Transfers {
		asset := b.Transfers[i].Asset
		if asset == chains.Native || !tokens.claim(asset) {
			continue
		}
		if _, known, err := s.Token(b.Chain, asset); err != nil || known {
			continue
		}
		t, err := tr.Token(ctx, asset)
		if err != nil {
			return fetched{err: fmt.Errorf("read token %s: %w", asset, err)}
		}
		r.tokens = append(r.tokens, t)
	}
	return r
}

// tokenCache makes sure each token is read once per sync.
type tokenCache struct {
	mu   sync.Mutex
	seen map[chains.Asset]bool
}

func (t *tokenCache) claim(a chains.Asset) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.seen[a] {
		return false
	}
	t.seen[a] = true
	return true
}

// batchWriter gathers blocks and commits them in batches.
type batchWriter struct {
	s         *Store
	c         chains.Chain
	res       *SyncResult
	progress  func(SyncProgress)
	coSpends  coSpends
	blocks    []*chains.Block
	tokens    []chains.Token
	transfers int
	since     time.Time
}

// Batch limits: a commit is made at whichever comes first.
const (
	batchBlocks    = 256
	batchTransfers = 20000
	batchInterval  = time.Second
)

func (w *batchWriter) add(b *chains.Block, tokens []chains.Token) error {
	if len(w.blocks) == 0 {
		w.since = time.Now()
	}
	w.blocks = append(w.blocks, b)
	w.tokens = append(w.tokens, tokens...)
	w.transfers += len(b.Transfers)
	if len(w.blocks) >= batchBlocks || w.transfers >= batchTransfers || time.Since(w.since) >= batchInterval {
		return w.flush()
	}
	return nil
}

func (w *batchWriter) flush() error {
	if len(w.blocks) == 0 {
		return nil
	}
	if err := w.s.commitMain(w.c, w.blocks, w.tokens, w.coSpends); err != nil {
		return err
	}
	for _, b := range w.blocks {
		w.res.Blocks++
		w.res.Txs += uint64(len(b.Txs) + len(b.UTXOTxs))
		w.res.Transfers += uint64(len(b.Transfers))
		w.res.Skipped += uint64(b.Skipped)
		w.res.Untraced = w.res.Untraced || b.Untraced
		w.res.Height = b.Number
	}
	w.blocks, w.tokens, w.transfers = w.blocks[:0], nil, 0
	if w.progress != nil {
		w.progress(w.res.SyncProgress)
	}
	return nil
}
