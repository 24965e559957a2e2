package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/store"
	"github.com/houndtrace/hound/trace"
)

// serveOpenAPI is the OpenAPI 3.1 document of the API, served at
// /openapi.json; serve_test.go checks it against the routes and handlers.
//
//go:embed openapi.json
var serveOpenAPI []byte

// apiServer is the state behind hound serve's handlers.
type apiServer struct {
	g       *globalOptions
	st      *store.Store
	log     *slog.Logger
	opts    serveOptions
	auth    bool
	token   [sha256.Size]byte // of the bearer token
	screens *serveScreens
	syncs   []*serveSyncLoop
	limiter *serveLimiter
	metrics *serveMetrics
	gc      serveGCStats
	started time.Time

	draining atomic.Bool    // shutdown has begun
	inflight sync.WaitGroup // requests being handled
}

func newAPIServer(g *globalOptions, st *store.Store, log *slog.Logger, o serveOptions, token string, syncs []serveSyncSpec) (*apiServer, error) {
	s := &apiServer{g: g, st: st, log: log, opts: o, auth: token != "", token: sha256.Sum256([]byte(token)),
		limiter: newServeLimiter(o.Rate, o.Burst), metrics: newServeMetrics(), started: time.Now()}
	model, err := trace.ParseModel(o.Screen.Model)
	if err != nil {
		return nil, usageError{fmt.Errorf("--model: %w", err)}
	}
	o.Screen.Model = model.String()
	if o.Screen.Hops <= 0 {
		o.Screen.Hops = trace.DefaultScreenHops
	}
	// The labels are read once here (and again with each new screener,
	// which is cheap next to a sync pass); a bad flag or label file stops
	// the server before it listens.
	if s.screens, err = newServeScreens(g, st, o.Screen, log); err != nil {
		return nil, err
	}
	for _, spec := range syncs {
		l, err := newServeSyncLoop(spec, o, g, st, log)
		if err != nil {
			return nil, err
		}
		s.syncs = append(s.syncs, l)
	}
	return s, nil
}

// serveRoute is one endpoint: its method and path as the OpenAPI document
// writes them (the path is also the ServeMux pattern).
type serveRoute struct {
	method, path string
	auth         bool // needs the bearer token (when one is set)
	limited      bool // counts against the client's rate
	handle       func(*apiServer, http.ResponseWriter, *http.Request)
}

// serveRoutes lists every endpoint; the OpenAPI document must describe
// exactly these.
var serveRoutes = []serveRoute{
	{"GET", "/healthz", false, false, (*apiServer).handleHealth},
	{"GET", "/readyz", false, false, (*apiServer).handleReady},
	{"GET", "/metrics", true, true, (*apiServer).handleMetrics},
	{"GET", "/openapi.json", false, true, (*apiServer).handleOpenAPI},
	{"GET", "/v1/screen/{subject}", true, true, (*apiServer).handleScreenOne},
	{"POST", "/v1/screen", true, true, (*apiServer).handleScreenBatch},
	{"GET", "/v1/labels/{subject}", true, true, (*apiServer).handleLabels},
	{"GET", "/v1/cases/{name}/report", true, true, (*apiServer).handleCaseReport},
}

// handler routes the requests through the common middleware.
func (s *apiServer) handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range serveRoutes {
		mux.Handle(rt.path, s.route(rt))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, http.StatusNotFound, fmt.Sprintf("no endpoint %s %s: see /openapi.json", r.Method, r.URL.Path))
	})
	return s.middleware(mux)
}

// route checks the method, the client's rate and the token, then handles.
func (s *apiServer) route(rt serveRoute) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != rt.method {
			w.Header().Set("Allow", rt.method)
			s.fail(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s %s: method not allowed (use %s)", r.Method, r.URL.Path, rt.method))
			return
		}
		if rt.limited {
			if ok, retry := s.limiter.allow(serveClientIP(r), time.Now()); !ok {
				w.Header().Set("Retry-After", strconv.Itoa(retry))
				s.fail(w, http.StatusTooManyRequests, fmt.Sprintf("rate limit: at most %g requests per second per client (bursts of %d); retry in %ds", s.opts.Rate, s.opts.Burst, retry))
				return
			}
		}
		if rt.auth && s.auth {
			if msg, bad := s.checkToken(r); msg != "" {
				challenge := `Bearer realm="hound"`
				if bad {
					challenge += `, error="invalid_token"`
				}
				w.Header().Set("WWW-Authenticate", challenge)
				s.fail(w, http.StatusUnauthorized, msg)
				return
			}
		}
		w.Header().Set("Cache-Control", "no-store")
		rt.handle(s, w, r)
	})
}

// checkToken returns why the request's bearer token is refused ("" when it
// is accepted), and whether a token was sent at all but is wrong.
func (s *apiServer) checkToken(r *http.Request) (msg string, bad bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "missing bearer token: send the header Authorization: Bearer <token>", false
	}
	scheme, tok, _ := strings.Cut(h, " ")
	tok = strings.TrimSpace(tok)
	if !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return "the Authorization header must be Bearer <token>", true
	}
	sum := sha256.Sum256([]byte(tok))
	if subtle.ConstantTimeCompare(sum[:], s.token[:]) != 1 {
		return "invalid bearer token", true
	}
	return "", false
}

// serveClientIP is the address the rate limit counts a request against: the
// peer's (a proxy in front makes all its clients one).
func serveClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// serveWriter remembers the status a handler wrote.
type serveWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *serveWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *serveWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *serveWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// middleware counts, times and logs every request, and turns a panic into
// a 500.
func (s *apiServer) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.inflight.Add(1)
		defer s.inflight.Done()
		began := time.Now()
		rw := &serveWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("handler panicked", "method", r.Method, "path", r.URL.Path, "panic", p)
				if rw.status == 0 {
					s.fail(rw, http.StatusInternalServerError, "internal error")
				}
			}
			status := rw.status
			if status == 0 {
				status = http.StatusOK
			}
			route := r.Pattern
			if route == "" || route == "/" {
				route = "other"
			}
			took := time.Since(began)
			s.metrics.observe(route, r.Method, status, took)
			level := slog.LevelDebug
			if status >= 500 && route != "/readyz" {
				level = slog.LevelWarn
			}
			s.log.Log(r.Context(), level, "request", "method", r.Method, "path", r.URL.Path, "status", status,
				"took", took, "bytes", rw.bytes, "client", serveClientIP(r))
		}()
		next.ServeHTTP(rw, r)
	})
}

// reply writes v as JSON with status.
func (s *apiServer) reply(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		s.log.Error("encode a response", "err", err)
		s.fail(w, http.StatusInternalServerError, "internal error: cannot encode the response")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// serveError is the body of every error response.
type serveError struct {
	Error string `json:"error"`
}

// fail writes an error response: one clear line.
func (s *apiServer) fail(w http.ResponseWriter, status int, msg string) {
	s.reply(w, status, serveError{msg})
}

func (s *apiServer) handleHealth(w http.ResponseWriter, _ *http.Request) {
	s.reply(w, http.StatusOK, map[string]string{"status": "ok", "version": versionString()})
}

// serveReady is the body of /readyz.
type serveReady struct {
	Ready   bool              `json:"ready"`
	Reasons []string          `json:"reasons"`
	Labels  int               `json:"labels"`
	Syncs   []serveSyncStatus `json:"syncs"`
}

// readiness says whether the server can answer: the store is open, the
// labels are loaded, and every --sync has completed a pass.
func (s *apiServer) readiness() serveReady {
	out := serveReady{Reasons: []string{}, Syncs: []serveSyncStatus{}}
	if s.draining.Load() {
		out.Reasons = append(out.Reasons, "shutting down")
	}
	cur := s.screens.current()
	if cur == nil {
		out.Reasons = append(out.Reasons, "the labels are not loaded")
	}
	out.Labels = serveStoreLabels(cur)
	for _, l := range s.syncs {
		st := l.status(s.st)
		out.Syncs = append(out.Syncs, st)
		if !st.Synced {
			why := st.Chain + ": no sync pass has completed yet"
			if st.LastError != "" {
				why += " (last error: " + st.LastError + ")"
			}
			out.Reasons = append(out.Reasons, why)
		}
	}
	out.Ready = len(out.Reasons) == 0
	return out
}

func (s *apiServer) handleReady(w http.ResponseWriter, _ *http.Request) {
	r := s.readiness()
	status := http.StatusOK
	if !r.Ready {
		status = http.StatusServiceUnavailable
	}
	s.reply(w, status, r)
}

func (s *apiServer) handleOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(serveOpenAPI)))
	w.Write(serveOpenAPI)
}

// serveCheckQuery refuses query parameters other than known ones, so that a
// misspelt one is not silently ignored.
func serveCheckQuery(r *http.Request, known ...string) error {
	for k := range r.URL.Query() {
		if !slices.Contains(known, k) {
			return fmt.Errorf("unknown query parameter %q (known: %s)", k, strings.Join(known, ", "))
		}
	}
	return nil
}

// variantOf reads ?model= and ?hops=.
func (s *apiServer) variantOf(r *http.Request) (serveVariant, error) {
	q := r.URL.Query()
	v := s.screens.def
	if m := q.Get("model"); m != "" {
		model, err := trace.ParseModel(m)
		if err != nil {
			return v, fmt.Errorf("model: %w", err)
		}
		v.model = model.String()
	}
	if h := q.Get("hops"); h != "" {
		n, err := strconv.Atoi(h)
		if err != nil || n < 1 || n > serveMaxHops {
			return v, fmt.Errorf("hops %q: want a number from 1 to %d", h, serveMaxHops)
		}
		v.hops = n
	}
	return v, nil
}

func (s *apiServer) handleScreenOne(w http.ResponseWriter, r *http.Request) {
	if err := serveCheckQuery(r, "model", "hops"); err != nil {
		s.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	v, err := s.variantOf(r)
	if err != nil {
		s.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	rows := subjectRows([]string{r.PathValue("subject")})
	if rows[0].err != nil {
		s.fail(w, http.StatusBadRequest, rows[0].err.Error())
		return
	}
	s.screenRows(w, r, v, rows, true)
}

// serveBatch is the body of POST /v1/screen.
type serveBatch struct {
	Subjects []string   `json:"subjects"`
	Rows     []inputRow `json:"rows"`
}

func (s *apiServer) handleScreenBatch(w http.ResponseWriter, r *http.Request) {
	if err := serveCheckQuery(r, "model", "hops", "invalid"); err != nil {
		s.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	v, err := s.variantOf(r)
	if err != nil {
		s.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	report := false
	switch inv := r.URL.Query().Get("invalid"); inv {
	case "", "reject":
	case "report":
		report = true
	default:
		s.fail(w, http.StatusBadRequest, fmt.Sprintf("invalid %q: want reject (a bad subject fails the request) or report (it gets a result with its error)", inv))
		return
	}
	if r.ContentLength > s.opts.MaxBody {
		s.fail(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body of %d bytes: at most %d (--max-body)", r.ContentLength, s.opts.MaxBody))
		return
	}
	var req serveBatch
	if status, msg := serveDecodeBody(http.MaxBytesReader(w, r.Body, s.opts.MaxBody), &req); status != 0 {
		s.fail(w, status, msg)
		return
	}
	n := len(req.Subjects) + len(req.Rows)
	switch {
	case req.Subjects != nil && req.Rows != nil:
		s.fail(w, http.StatusBadRequest, `give "subjects" or "rows", not both`)
		return
	case n == 0:
		s.fail(w, http.StatusBadRequest, `no subjects: want {"subjects": ["ethereum:0x..."]} or {"rows": [{"id": "...", "chain": "ethereum", "address": "0x..."}]}`)
		return
	case n > s.opts.MaxBatch:
		s.fail(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("%d subjects: at most %d in one request (--max-batch)", n, s.opts.MaxBatch))
		return
	}
	rows := subjectRows(req.Subjects)
	for i, in := range req.Rows {
		row := in.row(i)
		if row.err != nil {
			row.err = fmt.Errorf("rows[%d]: %s", i, strings.TrimPrefix(row.err.Error(), fmt.Sprintf("line %d: ", i)))
		}
		rows = append(rows, row)
	}
	for i := range rows {
		if rows[i].err != nil && req.Subjects != nil {
			rows[i].err = fmt.Errorf("subjects[%d]: %w", i, rows[i].err)
		}
		if rows[i].err != nil && !report {
			s.fail(w, http.StatusBadRequest, rows[i].err.Error()+" (?invalid=report screens the others)")
			return
		}
	}
	s.screenRows(w, r, v, rows, false)
}

// serveDecodeBody reads one JSON object into v; a status and message say why
// it cannot.
func serveDecodeBody(body io.Reader, v any) (int, string) {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		var extra json.RawMessage
		err = dec.Decode(&extra)
		if err == io.EOF {
			return 0, ""
		}
		if !errors.As(err, new(*http.MaxBytesError)) {
			return http.StatusBadRequest, "malformed JSON body: data after the object"
		}
	}
	var (
		mb     *http.MaxBytesError
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &mb):
		return http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes (--max-body)", mb.Limit)
	case errors.Is(err, io.EOF):
		return http.StatusBadRequest, `empty request body: want {"subjects": [...]} or {"rows": [...]}`
	case errors.Is(err, io.ErrUnexpectedEOF):
		return http.StatusBadRequest, "malformed JSON body: it ends early"
	case errors.As(err, &syntax):
		return http.StatusBadRequest, fmt.Sprintf("malformed JSON body at byte %d: %v", syntax.Offset, syntax)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "the body"
		}
		return http.StatusBadRequest, fmt.Sprintf("malformed JSON body: %s: want %s, got a JSON %s", field, serveJSONKind(typ.Type.String()), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return http.StatusBadRequest, "malformed JSON body: " + strings.TrimPrefix(err.Error(), "json: ") + ` (want "subjects" or "rows"; a row has id, chain, address, tx, subject)`
	}
	return http.StatusBadRequest, "malformed JSON body: " + err.Error()
}

// serveJSONKind names a Go type as JSON.
func serveJSONKind(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case goType == "string":
		return "a string"
	case strings.HasPrefix(goType, "main."), strings.HasPrefix(goType, "map"):
		return "an object"
	}
	return goType
}

// screenRows screens the rows with a screener of variant v, within
// --timeout, and writes hound.screen/v1. A single subject whose screen
// fails is a 500; in a batch the row carries its error.
func (s *apiServer) screenRows(w http.ResponseWriter, r *http.Request, v serveVariant, rows []screenRow, single bool) {
	base, err := s.screens.get(v)
	if err != nil {
		s.log.Error("build a screener", "err", err)
		s.fail(w, http.StatusInternalServerError, "cannot screen: "+err.Error())
		return
	}
	sc := *base
	sc.assets = storeAssets{namerOf(s.st)} // its cache is this request's
	doc, err := sc.document()
	if err != nil {
		s.fail(w, http.StatusInternalServerError, "cannot screen: "+err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.Timeout)
	defer cancel()
	for _, row := range rows {
		if ctx.Err() != nil {
			break
		}
		res := sc.screen(ctx, row)
		if ctx.Err() != nil {
			break
		}
		s.metrics.screened(res.Risk, res.Error != "")
		doc.Results = append(doc.Results, res)
	}
	if ctx.Err() != nil {
		s.fail(w, http.StatusServiceUnavailable, fmt.Sprintf("screening took longer than --timeout %s: ask for fewer subjects or hops", s.opts.Timeout))
		return
	}
	if single && doc.Results[0].Error != "" {
		s.fail(w, http.StatusInternalServerError, "screen "+rows[0].Subject+": "+doc.Results[0].Error)
		return
	}
	s.reply(w, http.StatusOK, doc)
}

func (s *apiServer) handleLabels(w http.ResponseWriter, r *http.Request) {
	if err := serveCheckQuery(r); err != nil {
		s.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	sub, err := chains.AddressSubject(r.PathValue("subject"))
	if err != nil {
		s.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	cur := s.screens.current()
	if cur == nil {
		s.fail(w, http.StatusServiceUnavailable, "the labels are not loaded yet")
		return
	}
	s.reply(w, http.StatusOK, map[string]any{"schema": "hound.labels.show/v1", "chain": sub.Chain, "address": sub.Address,
		"labels": toLabelJSON(cur.idx.Lookup(sub.Chain, sub.Address))})
}

// handleCaseReport serves a saved case's investigator's report, the page
// hound case report writes.
func (s *apiServer) handleCaseReport(w http.ResponseWriter, r *http.Request) {
	if err := serveCheckQuery(r); err != nil {
		s.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	var buf bytes.Buffer
	err := writeCaseReport(&buf, s.st, r.PathValue("name"))
	switch {
	case errors.Is(err, errNoCase):
		s.fail(w, http.StatusNotFound, err.Error())
		return
	case err != nil:
		s.fail(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Write(buf.Bytes())
}

func (s *apiServer) handleMetrics(w http.ResponseWriter, _ *http.Request) {
	var buf bytes.Buffer
	s.writeMetrics(&buf)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Write(buf.Bytes())
}
