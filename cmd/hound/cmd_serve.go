package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/labels"
	"github.com/houndtrace/hound/store"
	"github.com/houndtrace/hound/trace"
	"github.com/houndtrace/hound/trace/report"
)

// serveOptions are the flags of hound serve.
type serveOptions struct {
	Listen          string
	Syncs           []string
	SyncInterval    time.Duration
	Confirmations   int64
	Network         string
	RPCCookie       string
	TokenFile       string
	Rate            float64
	Burst           int
	MaxBody         int64
	MaxBatch        int
	Timeout         time.Duration
	ShutdownTimeout time.Duration
	GCInterval      time.Duration
	Screen          screenOptions
}

// Defaults of hound serve.
const (
	serveDefaultListen = "127.0.0.1:8080"
	// serveDefaultRate is the per-client rate limit (requests/s) on a
	// non-loopback address; on loopback there is none unless --rate says.
	serveDefaultRate = 100
	serveMaxHops     = 32
	serveGCDiscard   = 0.5
	serveTokenEnv    = "HOUND_TOKEN"
)

func newServeCommand(g *globalOptions) *cobra.Command {
	var opts serveOptions
	cmd := &cobra.Command{
		Use:   "serve [--listen 127.0.0.1:8080] [--sync CHAIN=URL ...] [--token-file FILE]",
		Short: "Serve screens and labels over an HTTP JSON API, keeping the store synced",
		Long: `Serve the store over HTTP: screen an address, a transaction or a batch (hound.screen/v1,
as hound screen --format json writes it), look up labels, and report health, readiness and
Prometheus metrics. The API is described by the OpenAPI 3.1 document at /openapi.json.

  GET  /v1/screen/{subject}      one subject, e.g. /v1/screen/ethereum:0x098b...; ?model= &hops=
  POST /v1/screen                {"subjects": [...]} or {"rows": [{"id","chain","address"|"tx"|"subject"}]}
  GET  /v1/labels/{subject}      the labels of <chain>:<address>
  GET  /healthz  /readyz  /metrics  /openapi.json

The server owns the store (one process at a time). --sync CHAIN=URL (repeatable) keeps it
fresh from inside the process: sync to the node's head minus --confirmations, wait
--sync-interval, again; an error is logged, shown in /readyz and /metrics, and retried at
the next interval. /readyz answers 200 once every --sync has completed a pass. Badger's
value-log GC runs every --gc-interval.

Every endpoint but /healthz, /readyz and /openapi.json needs "Authorization: Bearer TOKEN"
when a token is set: the contents of --token-file, else $HOUND_TOKEN. Without a token the
server listens on a loopback address only. Each client address gets --rate requests per
second (bursts of --burst); by default there is no limit on loopback and 100/s elsewhere.
Request bodies are limited to --max-body bytes, batches to --max-batch subjects, and each
request's screening to --timeout.

SIGINT or SIGTERM stops it gracefully: no new connections, in-flight requests finish
(within --shutdown-timeout), the syncs stop at a consistent point, the store is closed;
the exit code is then 0 (130 if requests had to be cut off).`,
		Example: `  hound serve --sync ethereum=http://127.0.0.1:8545
  HOUND_TOKEN=$(cat token) hound serve --listen 0.0.0.0:8080 --sync ethereum=http://node:8545 --sync bitcoin=http://user:pass@node:8332
  curl -H "Authorization: Bearer $(cat token)" http://127.0.0.1:8080/v1/screen/ethereum:0x098b716b8aaf21512996dc57eb0615e2383e2f96`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServe(cmd.Context(), os.Stderr, g, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Listen, "listen", serveDefaultListen, "address to listen on (host:port; port 0 picks a free one)")
	f.StringArrayVar(&opts.Syncs, "sync", nil, "keep CHAIN synced from the node at URL while serving (CHAIN=URL, repeatable)")
	f.DurationVar(&opts.SyncInterval, "sync-interval", 15*time.Second, "wait between two sync passes")
	f.Int64Var(&opts.Confirmations, "confirmations", -1, "blocks the syncs stay behind the head (default per chain: ethereum 12, bitcoin 6)")
	f.StringVar(&opts.Network, "network", "", "bitcoin --sync: mainnet, testnet, testnet4, signet, regtest or simnet (default: the store's, else mainnet)")
	f.StringVar(&opts.RPCCookie, "rpccookie", "", "bitcoin --sync: Bitcoin Core's .cookie file (else user:pass in the URL)")
	f.StringVar(&opts.TokenFile, "token-file", "", "file holding the bearer token clients must send (default $"+serveTokenEnv+")")
	f.Float64Var(&opts.Rate, "rate", -1, "requests per second per client address, 0 for no limit (default: none on loopback, 100 elsewhere)")
	f.IntVar(&opts.Burst, "burst", 0, "requests a client may make at once above --rate (default twice the rate)")
	f.Int64Var(&opts.MaxBody, "max-body", 1<<20, "largest request body in bytes")
	f.IntVar(&opts.MaxBatch, "max-batch", 1000, "most subjects in one POST /v1/screen")
	f.DurationVar(&opts.Timeout, "timeout", 30*time.Second, "longest a request may screen")
	f.DurationVar(&opts.ShutdownTimeout, "shutdown-timeout", 10*time.Second, "how long in-flight requests may finish after SIGINT or SIGTERM")
	f.DurationVar(&opts.GCInterval, "gc-interval", 10*time.Minute, "run Badger's value-log GC this often (0: never)")
	so := &opts.Screen
	f.StringVar(&so.Model, "model", trace.DefaultModel.String(), "default taint model: haircut, poison, fifo, lifo or tiho (?model= overrides)")
	f.IntVar(&so.Hops, "hops", trace.DefaultScreenHops, "default steps back from a subject (?hops= overrides)")
	f.IntVar(&so.Cone, "cone", trace.DefaultScreenCone, "the most nodes a subject's cone holds")
	f.StringVar(&so.Actor, "actor", labels.DPRK, "sanctioned labels of this actor count as sources (theft labels always do)")
	f.StringVar(&so.High, "high", "0.1", "the tainted share that makes a subject high risk")
	f.StringVar(&so.Medium, "medium", "0.01", "the tainted share that makes a subject medium risk")
	so.FailOn = report.RiskHigh
	return cmd
}

// serveSyncSpec is one --sync CHAIN=URL.
type serveSyncSpec struct {
	chain chains.Chain
	url   string
}

// parseServeSyncs reads the --sync flags.
func parseServeSyncs(specs []string) ([]serveSyncSpec, error) {
	var out []serveSyncSpec
	seen := map[chains.Chain]bool{}
	for _, s := range specs {
		name, url, ok := strings.Cut(s, "=")
		if !ok || strings.TrimSpace(url) == "" {
			return nil, usagef("--sync %q: want CHAIN=URL, e.g. ethereum=http://127.0.0.1:8545", s)
		}
		c, err := chains.ParseChain(name)
		if err != nil {
			return nil, usageError{fmt.Errorf("--sync %q: %w", s, err)}
		}
		if seen[c] {
			return nil, usagef("--sync: %s is named twice", c)
		}
		seen[c] = true
		out = append(out, serveSyncSpec{chain: c, url: strings.TrimSpace(url)})
	}
	return out, nil
}

// serveToken reads the bearer token: --token-file, else $HOUND_TOKEN; ""
// when neither is set.
func serveToken(file string) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", usageError{fmt.Errorf("--token-file: %w", err)}
		}
		tok := strings.TrimSpace(string(b))
		if tok == "" {
			return "", usagef("--token-file %s is empty", file)
		}
		return tok, nil
	}
	return strings.TrimSpace(os.Getenv(serveTokenEnv)), nil
}

// serveLoopback reports whether host (of --listen) names only loopback
// addresses.
func serveLoopback(host string) bool {
	if host == "" {
		return false // every interface
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback()
	}
	ips, err := net.LookupIP(host)
	if err != nil || len(ips) == 0 {
		return false
	}
	for _, ip := range ips {
		if !ip.IsLoopback() {
			return false
		}
	}
	return true
}

// checkServeOptions refuses what cannot work before anything is opened.
func checkServeOptions(o *serveOptions, token string) (loopback bool, err error) {
	host, _, err := net.SplitHostPort(o.Listen)
	if err != nil {
		return false, usagef("--listen %q: want host:port, e.g. %s", o.Listen, serveDefaultListen)
	}
	loopback = serveLoopback(host)
	if !loopback && token == "" {
		return false, usagef("--listen %s is not a loopback address: set a bearer token with --token-file FILE or $%s, or listen on 127.0.0.1", o.Listen, serveTokenEnv)
	}
	switch {
	case o.SyncInterval <= 0:
		return false, usagef("--sync-interval %s: want a positive duration", o.SyncInterval)
	case o.MaxBody <= 0:
		return false, usagef("--max-body %d: want a positive number of bytes", o.MaxBody)
	case o.MaxBatch <= 0:
		return false, usagef("--max-batch %d: want a positive number", o.MaxBatch)
	case o.Timeout <= 0:
		return false, usagef("--timeout %s: want a positive duration", o.Timeout)
	case o.ShutdownTimeout <= 0:
		return false, usagef("--shutdown-timeout %s: want a positive duration", o.ShutdownTimeout)
	case o.GCInterval < 0:
		return false, usagef("--gc-interval %s: want a duration, or 0 for never", o.GCInterval)
	case o.Burst < 0:
		return false, usagef("--burst %d: want a positive number", o.Burst)
	case o.Screen.Hops > serveMaxHops:
		return false, usagef("--hops %d: at most %d", o.Screen.Hops, serveMaxHops)
	}
	if o.Rate < 0 {
		o.Rate = 0
		if !loopback {
			o.Rate = serveDefaultRate
		}
	}
	if o.Burst == 0 {
		o.Burst = max(1, int(2*o.Rate))
	}
	return loopback, nil
}

func runServe(ctx context.Context, stderr io.Writer, g *globalOptions, o serveOptions) error {
	log, err := g.logger()
	if err != nil {
		return err
	}
	syncs, err := parseServeSyncs(o.Syncs)
	if err != nil {
		return err
	}
	token, err := serveToken(o.TokenFile)
	if err != nil {
		return err
	}
	loopback, err := checkServeOptions(&o, token)
	if err != nil {
		return err
	}
	if token != "" && len(token) < 16 {
		log.Warn("the bearer token is short: use at least 16 random characters", "length", len(token))
	}
	st, err := g.openStore()
	if err != nil {
		return err
	}
	storeOpen := true
	defer func() {
		if storeOpen {
			st.Close()
		}
	}()
	s, err := newAPIServer(g, st, log, o, token, syncs)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.Listen, err)
	}
	fmt.Fprintf(stderr, "listening on http://%s\n", ln.Addr())
	log.Info("serving", "addr", ln.Addr().String(), "store", st.Dir(), "auth", token != "", "loopback", loopback,
		"rate", o.Rate, "burst", o.Burst, "syncs", len(syncs))

	// Requests run under base, which a forced shutdown cancels; the syncs
	// and the GC under background work, cancelled when shutdown begins.
	base, cancelBase := context.WithCancel(context.Background())
	defer cancelBase()
	work, stopWork := context.WithCancel(context.Background())
	defer stopWork()
	srv := &http.Server{
		Handler:           s.handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      o.Timeout + 15*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return base },
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	var background sync.WaitGroup
	for _, l := range s.syncs {
		background.Go(func() { l.run(work, s) })
	}
	if o.GCInterval > 0 {
		background.Go(func() { s.runGC(work, o.GCInterval) })
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	var serveErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down: finishing in-flight requests", "deadline", o.ShutdownTimeout)
	case serveErr = <-served:
		log.Error("the server stopped", "err", serveErr)
	}
	s.draining.Store(true)
	stopWork()
	forced := false
	shutCtx, cancel := context.WithTimeout(context.Background(), o.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		forced = true
		log.Warn("in-flight requests did not finish in time: cutting them off", "deadline", o.ShutdownTimeout)
		cancelBase()
		srv.Close()
	}
	// Handlers stop at their context's end; the syncs commit what they
	// fetched and stop. Only then is the store closed.
	s.inflight.Wait()
	background.Wait()
	storeOpen = false
	if err := st.Close(); err != nil {
		return fmt.Errorf("close the store: %w", err)
	}
	log.Info("stopped; the store is closed")
	switch {
	case serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed):
		return fmt.Errorf("serve: %w", serveErr)
	case forced:
		return fmt.Errorf("in-flight requests cut off after --shutdown-timeout %s: %w", o.ShutdownTimeout, context.Canceled)
	}
	return nil
}

// serveStoreLabels is the number of labels in reach, for /metrics.
func serveStoreLabels(s *screener) int {
	if s == nil || s.idx == nil {
		return 0
	}
	return s.idx.Len()
}

// serveCheckpoint is the stored height of chain c, if any.
func serveCheckpoint(st *store.Store, c chains.Chain) (uint64, bool) {
	cp, ok, err := st.Checkpoint(c)
	if err != nil || !ok {
		return 0, false
	}
	return cp.Height, true
}
