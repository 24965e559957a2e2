package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// serveBuckets are the upper bounds (seconds) of the request latency
// histogram.
var serveBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

// serveMetrics counts requests and screens for /metrics, in the Prometheus
// text format (written by hand: it is a few counters).
type serveMetrics struct {
	mu       sync.Mutex
	requests map[serveRequestKey]uint64
	latency  map[string]*serveHistogram // by route
	screens  map[string]uint64          // by risk
	failed   uint64                     // screens that ended in an error
}

type serveRequestKey struct {
	route, method string
	code          int
}

type serveHistogram struct {
	counts []uint64 // per bucket, not cumulative; the last is +Inf
	sum    float64
	n      uint64
}

func newServeMetrics() *serveMetrics {
	return &serveMetrics{requests: map[serveRequestKey]uint64{}, latency: map[string]*serveHistogram{}, screens: map[string]uint64{}}
}

// observe counts a finished request.
func (m *serveMetrics) observe(route, method string, code int, took time.Duration) {
	secs := took.Seconds()
	i, _ := slices.BinarySearch(serveBuckets, secs)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[serveRequestKey{route, method, code}]++
	h := m.latency[route]
	if h == nil {
		h = &serveHistogram{counts: make([]uint64, len(serveBuckets)+1)}
		m.latency[route] = h
	}
	h.counts[i]++
	h.sum += secs
	h.n++
}

// screened counts one screened subject.
func (m *serveMetrics) screened(risk string, failed bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.screens[risk]++
	if failed {
		m.failed++
	}
}

// promLabel escapes a label value.
func promLabel(v string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(v)
}

func promFloat(v float64) string {
	if math.IsInf(v, 1) {
		return "+Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// promWriter writes metric families.
type promWriter struct{ w io.Writer }

func (p promWriter) family(name, typ, help string) {
	fmt.Fprintf(p.w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
}

// sample writes one sample; labels alternate names and values.
func (p promWriter) sample(name string, v float64, labels ...string) {
	var b strings.Builder
	b.WriteString(name)
	if len(labels) > 0 {
		b.WriteByte('{')
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `%s="%s"`, labels[i], promLabel(labels[i+1]))
		}
		b.WriteByte('}')
	}
	fmt.Fprintf(p.w, "%s %s\n", b.String(), promFloat(v))
}

func promBool(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// writeMetrics writes every metric of the server.
func (s *apiServer) writeMetrics(w io.Writer) {
	p := promWriter{w}
	p.family("hound_build_info", "gauge", "The running hound's version.")
	p.sample("hound_build_info", 1, "version", versionString())
	p.family("hound_start_time_seconds", "gauge", "When the server started, in seconds since the Unix epoch.")
	p.sample("hound_start_time_seconds", float64(s.started.UnixNano())/1e9)
	ready := s.readiness()
	p.family("hound_ready", "gauge", "1 when /readyz answers 200.")
	p.sample("hound_ready", promBool(ready.Ready))
	p.family("hound_labels", "gauge", "Labels in reach: built in, stored and --labels files.")
	p.sample("hound_labels", float64(ready.Labels))

	m := s.metrics
	m.mu.Lock()
	keys := make([]serveRequestKey, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b serveRequestKey) int {
		return strings.Compare(fmt.Sprintf("%s %s %03d", a.route, a.method, a.code), fmt.Sprintf("%s %s %03d", b.route, b.method, b.code))
	})
	p.family("hound_http_requests_total", "counter", "HTTP requests handled, by route, method and status code.")
	for _, k := range keys {
		p.sample("hound_http_requests_total", float64(m.requests[k]), "route", k.route, "method", k.method, "code", strconv.Itoa(k.code))
	}
	routes := make([]string, 0, len(m.latency))
	for r := range m.latency {
		routes = append(routes, r)
	}
	slices.Sort(routes)
	p.family("hound_http_request_duration_seconds", "histogram", "Time to handle a request, by route.")
	for _, r := range routes {
		h := m.latency[r]
		var cum uint64
		for i, le := range append(slices.Clone(serveBuckets), math.Inf(1)) {
			cum += h.counts[i]
			p.sample("hound_http_request_duration_seconds_bucket", float64(cum), "route", r, "le", promFloat(le))
		}
		p.sample("hound_http_request_duration_seconds_sum", h.sum, "route", r)
		p.sample("hound_http_request_duration_seconds_count", float64(h.n), "route", r)
	}
	p.family("hound_screens_total", "counter", "Subjects screened, by risk level.")
	risks := make([]string, 0, len(m.screens))
	for r := range m.screens {
		risks = append(risks, r)
	}
	slices.Sort(risks)
	for _, r := range risks {
		p.sample("hound_screens_total", float64(m.screens[r]), "risk", r)
	}
	p.family("hound_screen_errors_total", "counter", "Subjects whose screen ended in an error.")
	p.sample("hound_screen_errors_total", float64(m.failed))
	m.mu.Unlock()

	p.family("hound_store_height", "gauge", "The last stored block, per chain.")
	if cs, err := s.st.Chains(); err == nil {
		for _, c := range cs {
			if h, ok := serveCheckpoint(s.st, c); ok {
				p.sample("hound_store_height", float64(h), "chain", string(c))
			}
		}
	}
	for _, m := range syncMetrics {
		if len(ready.Syncs) == 0 {
			break
		}
		p.family(m.name, m.kind, m.help)
		for _, st := range ready.Syncs {
			p.sample(m.name, m.value(&st), "chain", st.Chain)
		}
	}
	p.family("hound_store_size_bytes", "gauge", "Bytes the store's files take on disk.")
	p.sample("hound_store_size_bytes", float64(s.st.Size()))
	p.family("hound_store_gc_runs_total", "counter", "Value-log GC runs.")
	p.sample("hound_store_gc_runs_total", float64(s.gc.runs.Load()))
	p.family("hound_store_gc_rewrites_total", "counter", "Value-log files the GC rewrote.")
	p.sample("hound_store_gc_rewrites_total", float64(s.gc.rewrites.Load()))
	p.family("hound_store_gc_errors_total", "counter", "Value-log GC runs that failed.")
	p.sample("hound_store_gc_errors_total", float64(s.gc.errors.Load()))
}

// serveLimiter is a token bucket per client address: rate tokens a second,
// up to burst.
type serveLimiter struct {
	rate, burst float64
	mu          sync.Mutex
	clients     map[string]*serveBucket
	swept       time.Time
}

type serveBucket struct {
	tokens float64
	last   time.Time
}

func newServeLimiter(rate float64, burst int) *serveLimiter {
	return &serveLimiter{rate: rate, burst: float64(burst), clients: map[string]*serveBucket{}, swept: time.Now()}
}

// allow takes a token of client's bucket; when there is none it says in
// how many seconds there will be.
func (l *serveLimiter) allow(client string, now time.Time) (ok bool, retryAfter int) {
	if l.rate <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute || len(l.clients) > 100_000 {
		l.sweep(now)
	}
	b := l.clients[client]
	if b == nil {
		b = &serveBucket{tokens: l.burst, last: now}
		l.clients[client] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, max(1, int(math.Ceil((1-b.tokens)/l.rate)))
}

// sweep forgets the clients whose buckets have filled up again. l.mu must
// be held.
func (l *serveLimiter) sweep(now time.Time) {
	l.swept = now
	for k, b := range l.clients {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.clients, k)
		}
	}
}

// syncMetrics are the per-chain metrics of the server's syncs.
var syncMetrics = []struct {
	name, kind, help string
	value            func(*serveSyncStatus) float64
}{
	{"hound_sync_height", "gauge", "The last block the server's sync of a chain has stored.",
		func(st *serveSyncStatus) float64 { return float64(st.Height) }},
	{"hound_sync_passes_total", "counter", "Sync passes completed without an error.",
		func(st *serveSyncStatus) float64 { return float64(st.Passes) }},
	{"hound_sync_failures_total", "counter", "Sync passes that ended in an error (retried at the next interval).",
		func(st *serveSyncStatus) float64 { return float64(st.Failures) }},
	{"hound_sync_blocks_total", "counter", "Blocks the server's syncs have written.",
		func(st *serveSyncStatus) float64 { return float64(st.Blocks) }},
	{"hound_sync_last_error", "gauge", "1 when the last sync pass of a chain failed.",
		func(st *serveSyncStatus) float64 { return promBool(st.Failing) }},
	{"hound_sync_last_success_timestamp_seconds", "gauge", "When the last sync pass of a chain completed, in seconds since the Unix epoch (0: never).",
		func(st *serveSyncStatus) float64 {
			if t, err := time.Parse(time.RFC3339, st.LastOK); err == nil {
				return float64(t.Unix())
			}
			return 0
		}},
}
