package main

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/store"
)

// serveSyncLoop keeps one chain of the store synced while the server runs.
type serveSyncLoop struct {
	chain chains.Chain
	opts  syncOptions       // RPC and the Bitcoin flags, for dial
	so    store.SyncOptions // confirmations, workers, logger, CoinJoin judgement

	mu       sync.Mutex
	passes   uint64 // completed passes
	failures uint64 // failed passes
	blocks   uint64 // blocks written by this process
	lastErr  string // of the last pass, "" when it succeeded
	lastOK   time.Time
}

// serveSyncStatus is a loop's state in /readyz.
type serveSyncStatus struct {
	Chain     string `json:"chain"`
	Height    uint64 `json:"height"`
	Synced    bool   `json:"synced"`
	Passes    uint64 `json:"passes"`
	Failures  uint64 `json:"failures"`
	Blocks    uint64 `json:"blocks"`
	LastOK    string `json:"last_ok,omitempty"`
	LastError string `json:"last_error,omitempty"`
	Failing   bool   `json:"failing"`
}

func newServeSyncLoop(spec serveSyncSpec, o serveOptions, g *globalOptions, st *store.Store, log *slog.Logger) (*serveSyncLoop, error) {
	opts := syncOptions{RPC: spec.url, Confirmations: o.Confirmations, To: "latest"}
	if spec.chain == chains.Bitcoin {
		opts.Network, opts.RPCCookie = o.Network, o.RPCCookie
	}
	if err := opts.check(spec.chain); err != nil {
		return nil, err
	}
	so, err := opts.parseRange(spec.chain)
	if err != nil {
		return nil, err
	}
	so.Workers, so.Logger = g.Workers, log.With("sync", string(spec.chain))
	if spec.chain == chains.Bitcoin {
		net, err := opts.bitcoinNetwork(st)
		if err != nil {
			return nil, err
		}
		so.Joined = coinJoins(net)
	}
	return &serveSyncLoop{chain: spec.chain, opts: opts, so: so}, nil
}

// run syncs, waits the interval, and again, until ctx ends. An error is
// logged and kept for /readyz and /metrics, and the next pass retries; a
// panic is caught the same way, so that a sync never takes the server
// down.
func (l *serveSyncLoop) run(ctx context.Context, s *apiServer) {
	log := l.so.Logger
	var src closingSource
	defer func() {
		if src != nil {
			src.Close()
		}
	}()
	for {
		src = l.pass(ctx, s, src)
		if ctx.Err() != nil {
			return
		}
		t := time.NewTimer(s.opts.SyncInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			log.Debug("sync stopped")
			return
		case <-t.C:
		}
	}
}

// pass runs one sync pass, dialling the node first when src is nil, and
// returns the source to use next time (nil to dial again).
func (l *serveSyncLoop) pass(ctx context.Context, s *apiServer, src closingSource) (next closingSource) {
	log := l.so.Logger
	defer func() {
		if p := recover(); p != nil {
			l.fail(fmt.Errorf("panic: %v", p))
			log.Error("sync panicked; retrying at the next interval", "panic", p, "stack", string(debug.Stack()))
			if src != nil {
				src.Close()
			}
			next = nil
		}
	}()
	if src == nil {
		var err error
		if src, err = l.opts.dial(ctx, l.chain, s.st, log); err != nil {
			if ctx.Err() == nil {
				log.Log(ctx, l.fail(err), "sync: cannot reach the node; retrying at the next interval", "err", serveRedact(err.Error()))
			}
			return nil
		}
	}
	so := l.so
	so.Progress = func(p store.SyncProgress) { s.screens.bump() }
	began := time.Now()
	res, err := s.st.Sync(ctx, src, so)
	if res.Blocks > 0 || res.Reorgs > 0 {
		// Screens answer for the new heights from now on.
		s.screens.refresh()
		l.mu.Lock()
		l.blocks += res.Blocks
		l.mu.Unlock()
		log.Info("synced", "from", res.Start, "to", res.Height, "blocks", res.Blocks, "transfers", res.Transfers,
			"reorgs", res.Reorgs, "took", time.Since(began).Round(time.Millisecond))
	}
	if ctx.Err() != nil {
		return src
	}
	if err != nil {
		log.Log(ctx, l.fail(err), "sync failed; retrying at the next interval", "err", serveRedact(err.Error()), "interval", s.opts.SyncInterval)
		src.Close() // and dial again: the node may have been replaced
		return nil
	}
	l.mu.Lock()
	l.passes++
	l.lastOK = time.Now()
	l.lastErr = ""
	l.mu.Unlock()
	return src
}

// fail records a failed pass, and returns the level to log it at: warn,
// or debug when the previous pass failed the same way.
func (l *serveSyncLoop) fail(err error) slog.Level {
	msg := serveRedact(err.Error())
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failures++
	level := slog.LevelWarn
	if msg == l.lastErr {
		level = slog.LevelDebug
	}
	l.lastErr = msg
	return level
}

// status reads the loop's state and the chain's stored height.
func (l *serveSyncLoop) status(st *store.Store) serveSyncStatus {
	h, _ := serveCheckpoint(st, l.chain)
	l.mu.Lock()
	defer l.mu.Unlock()
	out := serveSyncStatus{Chain: string(l.chain), Height: h, Synced: l.passes > 0, Passes: l.passes, Failures: l.failures,
		Blocks: l.blocks, LastError: l.lastErr, Failing: l.lastErr != ""}
	if !l.lastOK.IsZero() {
		out.LastOK = l.lastOK.UTC().Format(time.RFC3339)
	}
	return out
}

// serveUserinfo matches the credentials of a URL in an error message.
var serveUserinfo = regexp.MustCompile(`(://)[^/@\s"]+@`)

// serveRedact hides user:pass@ of URLs in a message shown by /readyz.
func serveRedact(s string) string { return serveUserinfo.ReplaceAllString(s, "${1}REDACTED@") }

// serveGCStats counts the value-log GC runs.
type serveGCStats struct {
	runs, rewrites, errors atomic.Uint64
}

// runGC runs Badger's value-log GC every interval until ctx ends.
func (s *apiServer) runGC(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		began := time.Now()
		n, err := s.st.RunGC(serveGCDiscard)
		s.gc.runs.Add(1)
		s.gc.rewrites.Add(uint64(n))
		if err != nil {
			s.gc.errors.Add(1)
			s.log.Warn("value-log GC failed", "err", err)
			continue
		}
		s.log.Debug("value-log GC", "rewrites", n, "took", time.Since(began).Round(time.Millisecond))
	}
}

// serveVariant is a screening configuration a request may ask for.
type serveVariant struct {
	model string
	hops  int
}

// serveScreens hands out screeners that reflect the store as the syncs
// leave it. A screener fixes the store's heights (its results' coverage)
// and whether the precomputed exposure is current, so it is rebuilt after
// the store changes: a sync pass that wrote blocks builds the default one
// before it counts as done (refresh); a commit in the middle of a long
// pass only marks the change (bump), and a request then builds a new one
// if the last is older than serveRebuildEvery, while the others go on
// with the previous one. At most serveMaxVariants configurations besides
// the default are kept.
type serveScreens struct {
	g    *globalOptions
	st   *store.Store
	base screenOptions
	def  serveVariant
	log  *slog.Logger

	gen atomic.Uint64

	mu       sync.Mutex
	variants map[serveVariant]*serveVariantState
	tick     uint64
}

const (
	serveMaxVariants  = 4
	serveRebuildEvery = time.Second
)

type serveVariantState struct {
	cur   *serveScreener // the latest, maybe still building
	ready *serveScreener // the latest built
	used  uint64
}

type serveScreener struct {
	gen   uint64
	built time.Time
	done  chan struct{}
	s     *screener
	err   error
}

func newServeScreens(g *globalOptions, st *store.Store, o screenOptions, log *slog.Logger) (*serveScreens, error) {
	c := &serveScreens{g: g, st: st, base: o, log: log, variants: map[serveVariant]*serveVariantState{}}
	c.def = serveVariant{model: o.Model, hops: o.Hops}
	if _, err := c.get(c.def); err != nil {
		return nil, err
	}
	return c, nil
}

// bump says the store changed.
func (c *serveScreens) bump() { c.gen.Add(1) }

// refresh says the store changed and builds the default screener anew.
func (c *serveScreens) refresh() {
	c.bump()
	if _, err := c.build(c.def, true); err != nil {
		c.log.Warn("cannot rebuild the screener", "err", err)
	}
}

// get returns a screener of variant v for the store as it is now, or as it
// was a moment ago.
func (c *serveScreens) get(v serveVariant) (*screener, error) { return c.build(v, false) }

// build returns a screener of variant v, built anew when the store has
// changed since the last one (and that is older than serveRebuildEvery,
// unless now).
func (c *serveScreens) build(v serveVariant, now bool) (*screener, error) {
	gen := c.gen.Load()
	c.mu.Lock()
	c.tick++
	vs := c.variants[v]
	if vs == nil {
		vs = &serveVariantState{used: c.tick}
		c.variants[v] = vs
		c.evict()
	}
	vs.used = c.tick
	if vs.ready != nil && (vs.ready.gen >= gen || !now && time.Since(vs.ready.built) < serveRebuildEvery) {
		s := vs.ready.s
		c.mu.Unlock()
		return s, nil
	}
	if vs.cur != nil && vs.cur.gen >= gen {
		// Being built (or failed) for this generation.
		if vs.ready != nil && !now {
			s := vs.ready.s
			c.mu.Unlock()
			return s, nil
		}
		e := vs.cur
		c.mu.Unlock()
		<-e.done
		return e.s, e.err
	}
	e := &serveScreener{gen: gen, built: time.Now(), done: make(chan struct{})}
	vs.cur = e
	c.mu.Unlock()

	o := c.base
	o.Model, o.Hops = v.model, v.hops
	e.s, e.err = newScreener(c.g, c.st, o)
	c.mu.Lock()
	if e.err == nil && (vs.ready == nil || vs.ready.gen < e.gen) {
		vs.ready = e
	}
	stale := vs.ready
	c.mu.Unlock()
	close(e.done)
	if e.err != nil && stale != nil {
		c.log.Warn("cannot rebuild the screener; serving with the previous one", "err", e.err)
		return stale.s, nil
	}
	return e.s, e.err
}

// evict drops the least recently used variant beyond the limit (never the
// default). c.mu must be held.
func (c *serveScreens) evict() {
	for len(c.variants) > serveMaxVariants+1 {
		var oldest serveVariant
		var used uint64
		first := true
		for v, vs := range c.variants {
			if v == c.def {
				continue
			}
			if first || vs.used < used {
				oldest, used, first = v, vs.used, false
			}
		}
		delete(c.variants, oldest)
	}
}

// current is the default screener as it stands, for the labels and
// /metrics (nil before the first one is built).
func (c *serveScreens) current() *screener {
	c.mu.Lock()
	defer c.mu.Unlock()
	if vs := c.variants[c.def]; vs != nil && vs.ready != nil {
		return vs.ready.s
	}
	return nil
}
