package ethereum

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/rpc"

	"github.com/houndtrace/hound/chains"
)

// rpcFault is a JSON-RPC error object a fake node answers with.
type rpcFault struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

var errMethodNotFound = &rpcFault{Code: -32601, Message: "the method does not exist/is not available"}

// fakeNode is a JSON-RPC server on 127.0.0.1 whose answers come from a
// function of the method and its parameters. It counts HTTP requests and
// calls per method.
type fakeNode struct {
	srv    *httptest.Server
	answer func(method string, params []json.RawMessage) (any, *rpcFault)

	mu       sync.Mutex
	requests int
	calls    map[string]int
	// status, when non-zero, is the HTTP status of the next `failures`
	// requests.
	status   int
	failures int
	// batchFaults answer calls of these methods inside batches.
	batchFaults map[string]*rpcFault
}

func newFakeNode(t *testing.T, answer func(method string, params []json.RawMessage) (any, *rpcFault)) *fakeNode {
	f := &fakeNode{answer: answer, calls: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

type fakeRequest struct {
	ID     json.RawMessage   `json:"id"`
	Method string            `json:"method"`
	Params []json.RawMessage `json:"params"`
}

type fakeResponse struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  any             `json:"result,omitempty"`
	Error   *rpcFault       `json:"error,omitempty"`
}

func (f *fakeNode) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.requests++
	if f.failures > 0 {
		f.failures--
		f.mu.Unlock()
		http.Error(w, "overloaded", f.status)
		return
	}
	f.mu.Unlock()
	batch := bytes.HasPrefix(bytes.TrimSpace(body), []byte("["))
	var reqs []fakeRequest
	if !batch {
		body = append(append([]byte("["), body...), ']')
	}
	if err := json.Unmarshal(body, &reqs); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	resps := make([]fakeResponse, len(reqs))
	for i, req := range reqs {
		f.mu.Lock()
		f.calls[req.Method]++
		f.mu.Unlock()
		result, fault := f.answer(req.Method, req.Params)
		if bf := f.batchFaults[req.Method]; batch && bf != nil {
			result, fault = nil, bf
		}
		if result == nil && fault == nil {
			result = json.RawMessage("null")
		}
		resps[i] = fakeResponse{JSONRPC: "2.0", ID: req.ID, Result: result, Error: fault}
	}
	w.Header().Set("Content-Type", "application/json")
	if batch {
		_ = json.NewEncoder(w).Encode(resps)
	} else {
		_ = json.NewEncoder(w).Encode(resps[0])
	}
}

func (f *fakeNode) count(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method]
}

func (f *fakeNode) failNext(n, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures, f.status = n, status
}

// fixtureNode answers with the fixture block 16: the block, its receipts
// (by block or by transaction) and its traces. Methods in missing answer
// "method not found".
func fixtureNode(t *testing.T, missing ...string) *fakeNode {
	receipts := map[string]json.RawMessage{}
	var list []json.RawMessage
	decodeFixture(t, fixtureReceipts, &list)
	for _, r := range list {
		var h struct {
			TxHash string `json:"transactionHash"`
		}
		decodeFixture(t, string(r), &h)
		receipts[h.TxHash] = r
	}
	answers := map[string]json.RawMessage{
		"eth_chainId":              json.RawMessage(`"0x539"`),
		"eth_blockNumber":          json.RawMessage(`"0x10"`),
		"eth_getBlockByNumber":     json.RawMessage(expand(fixtureBlock)),
		"eth_getBlockReceipts":     json.RawMessage(expand(fixtureReceipts)),
		"debug_traceBlockByNumber": json.RawMessage(expand(fixtureTraces)),
	}
	return newFakeNode(t, func(method string, params []json.RawMessage) (any, *rpcFault) {
		for _, m := range missing {
			if m == method {
				return nil, errMethodNotFound
			}
		}
		switch {
		case method == "eth_getTransactionReceipt":
			var h string
			_ = json.Unmarshal(params[0], &h)
			return receipts[h], nil
		case len(params) > 0 && string(params[0]) != `"0x10"` && method != "eth_chainId":
			return nil, nil // no such block
		}
		if a, ok := answers[method]; ok {
			return a, nil
		}
		return nil, errMethodNotFound
	})
}

// testOptions retries quickly.
func testOptions(logger *slog.Logger) Options {
	return Options{Retries: 3, Backoff: time.Millisecond, Timeout: 5 * time.Second, Logger: logger}
}

func dialTest(t *testing.T, url string, opts Options) *Source {
	t.Helper()
	s, err := Dial(context.Background(), url, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// logBuffer collects log records as text.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func newLogBuffer() (*logBuffer, *slog.Logger) {
	l := &logBuffer{}
	return l, slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// TestSourceBlock reads the fixture block from a fake node: one HTTP
// request for block, receipts and traces.
func TestSourceBlock(t *testing.T) {
	node := fixtureNode(t)
	s := dialTest(t, node.srv.URL, testOptions(nil))
	before := node.requests
	b, err := s.Block(context.Background(), 16)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := assemble(fixture(t, true))
	checkTransfers(t, b, renderAll(want))
	if node.requests-before != 1 || !s.Traced() || b.Untraced {
		t.Errorf("%d requests, traced %v, untraced %v; want 1, true, false", node.requests-before, s.Traced(), b.Untraced)
	}
	if _, err := s.Block(context.Background(), 17); !errors.Is(err, ErrNotFound) {
		t.Errorf("block 17: %v, want ErrNotFound", err)
	}
	if _, err := s.BlockHash(context.Background(), 17); !errors.Is(err, ErrNotFound) {
		t.Errorf("hash of block 17: %v, want ErrNotFound", err)
	}
	h, err := s.BlockHash(context.Background(), 16)
	if err != nil || h != b.Hash {
		t.Errorf("hash of block 16: %x, %v; want %x", h, err, b.Hash)
	}
	head, err := s.Head(context.Background())
	if err != nil || head != 16 {
		t.Errorf("head %d, %v", head, err)
	}
	network, err := s.Network(context.Background())
	if err != nil || network != "chainid:1337" || s.Chain() != chains.Ethereum {
		t.Errorf("network %q, %v, chain %s", network, err, s.Chain())
	}
}

func renderAll(b *chains.Block) []string {
	var out []string
	for _, t := range b.Transfers {
		out = append(out, render(t))
	}
	return out
}

// TestSourceFallbacks checks a node without eth_getBlockReceipts and
// debug_traceBlockByNumber: receipts come one by one, blocks are untraced,
// one warning is logged and neither method is asked for again.
func TestSourceFallbacks(t *testing.T) {
	node := fixtureNode(t, "eth_getBlockReceipts", "debug_traceBlockByNumber")
	logs, logger := newLogBuffer()
	s := dialTest(t, node.srv.URL, testOptions(logger))
	want, _ := assemble(fixture(t, false))
	for range 3 {
		b, err := s.Block(context.Background(), 16)
		if err != nil {
			t.Fatal(err)
		}
		checkTransfers(t, b, renderAll(want))
		if !b.Untraced || s.Traced() {
			t.Errorf("untraced %v, traced %v", b.Untraced, s.Traced())
		}
	}
	if n := node.count("eth_getBlockReceipts") + node.count("debug_traceBlockByNumber"); n != 2 {
		t.Errorf("asked %d times for missing methods, want 2", n)
	}
	if n := node.count("eth_getTransactionReceipt"); n != 9 {
		t.Errorf("%d eth_getTransactionReceipt calls, want 9", n)
	}
	if n := strings.Count(logs.String(), untracedWarning); n != 1 {
		t.Errorf("warning logged %d times:\n%s", n, logs)
	}
}

// TestBatchElementsAlone checks that batch elements that failed because
// the batch was too large or timed out are repeated on their own.
func TestBatchElementsAlone(t *testing.T) {
	node := fixtureNode(t)
	node.batchFaults = map[string]*rpcFault{
		"debug_traceBlockByNumber": {Code: -32003, Message: "response too large"},
		"eth_getBlockReceipts":     {Code: -32002, Message: "request timed out"},
	}
	s := dialTest(t, node.srv.URL, testOptions(nil))
	b, err := s.Block(context.Background(), 16)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := assemble(fixture(t, true))
	checkTransfers(t, b, renderAll(want))
	if n, m := node.count("debug_traceBlockByNumber"), node.count("eth_getBlockReceipts"); n != 2 || m != 2 {
		t.Errorf("trace asked %d times, receipts %d times; want 2 and 2", n, m)
	}
}

// TestConcurrentBlocks reads blocks from several goroutines while the
// source learns that the node lacks methods.
func TestConcurrentBlocks(t *testing.T) {
	node := fixtureNode(t, "eth_getBlockReceipts", "debug_traceBlockByNumber")
	logs, logger := newLogBuffer()
	s := dialTest(t, node.srv.URL, testOptions(logger))
	want, _ := assemble(fixture(t, false))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			b, err := s.Block(context.Background(), 16)
			if err != nil {
				t.Error(err)
				return
			}
			checkTransfers(t, b, renderAll(want))
		})
	}
	wg.Wait()
	if n := strings.Count(logs.String(), untracedWarning); n != 1 {
		t.Errorf("warning logged %d times:\n%s", n, logs)
	}
}

// TestRetry checks that HTTP 5xx answers are retried and that permanent
// errors are not.
func TestRetry(t *testing.T) {
	node := fixtureNode(t, "eth_getBlockReceipts")
	s := dialTest(t, node.srv.URL, testOptions(nil))
	node.failNext(2, http.StatusBadGateway)
	if head, err := s.Head(context.Background()); err != nil || head != 16 {
		t.Fatalf("head after two 502s: %d, %v", head, err)
	}
	node.failNext(4, http.StatusServiceUnavailable)
	before := node.requests
	if _, err := s.Head(context.Background()); err == nil || !strings.Contains(err.Error(), "fetch head") {
		t.Errorf("head after four 503s with 3 retries: %v, want an error", err)
	}
	if n := node.requests - before; n != 4 {
		t.Errorf("%d requests, want 4", n)
	}
	before = node.requests
	if _, err := s.BlockHash(context.Background(), 16); err != nil {
		t.Fatal(err)
	}
	node.failNext(1, http.StatusNotFound)
	if _, err := s.Head(context.Background()); err == nil {
		t.Error("HTTP 404 was not an error")
	}
	if n := node.requests - before; n != 2 {
		t.Errorf("%d requests for a good call and a 404, want 2 (no retry)", n)
	}
}

// TestRetryHonoursContext checks that a cancelled context stops the
// backoff at once.
func TestRetryHonoursContext(t *testing.T) {
	node := fixtureNode(t)
	s := dialTest(t, node.srv.URL, Options{Retries: 10, Backoff: time.Hour})
	node.failNext(100, http.StatusServiceUnavailable)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.Block(ctx, 16)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Errorf("after %v: %v, want a deadline error", time.Since(start), err)
	}
}

// TestDial checks the URL forms Dial accepts and its error for a node that
// does not answer.
func TestDial(t *testing.T) {
	node := fixtureNode(t)
	bare := strings.TrimPrefix(node.srv.URL, "http://")
	dialTest(t, bare, Options{})

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	_ = l.Close()
	_, err = Dial(context.Background(), closed, Options{})
	if err == nil || !strings.Contains(err.Error(), "http://"+closed) || !strings.Contains(err.Error(), "eth_chainId") {
		t.Errorf("dial a closed port: %v", err)
	}
	_, err = Dial(context.Background(), "https://user:secret@node.invalid:1/v3/apikey", Options{Timeout: time.Second})
	if err == nil || strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "apikey") {
		t.Errorf("dial with credentials: %v", err)
	}
}

func TestURLs(t *testing.T) {
	tests := []struct{ in, norm, redacted string }{
		{"127.0.0.1:8545", "http://127.0.0.1:8545", "http://127.0.0.1:8545"},
		{"localhost:8545", "http://localhost:8545", "http://localhost:8545"},
		{"https://node.example/v3/KEY", "https://node.example/v3/KEY", "https://node.example/..."},
		{"ws://u:p@host:8546", "ws://u:p@host:8546", "ws://host:8546"},
		{"/var/run/geth.ipc", "/var/run/geth.ipc", "/var/run/geth.ipc"},
	}
	for _, tt := range tests {
		norm := normalizeURL(tt.in)
		if norm != tt.norm || redact(norm) != tt.redacted {
			t.Errorf("%q: %q %q, want %q %q", tt.in, norm, redact(norm), tt.norm, tt.redacted)
		}
	}
}

type codeErr struct {
	code int
	msg  string
}

func (e codeErr) Error() string  { return e.msg }
func (e codeErr) ErrorCode() int { return e.code }

func TestErrorClasses(t *testing.T) {
	tests := []struct {
		err                error
		transient, missing bool
	}{
		{codeErr{-32601, "the method debug_traceBlockByNumber does not exist/is not available"}, false, true},
		{codeErr{-32600, "Unsupported method: debug_traceBlockByNumber"}, false, true},
		{codeErr{-32000, "method not found"}, false, true},
		{codeErr{-32000, "historical state 0x12 is not available"}, false, false},
		{codeErr{-32000, "header not found"}, false, false},
		{codeErr{-32602, "invalid argument 0"}, false, false},
		{codeErr{-32005, "rate limit exceeded"}, true, false},
		{rpc.HTTPError{StatusCode: 503}, true, false},
		{rpc.HTTPError{StatusCode: 429}, true, false},
		{rpc.HTTPError{StatusCode: 401}, false, false},
		{fmt.Errorf("post: %w", io.ErrUnexpectedEOF), true, false},
		{context.DeadlineExceeded, true, false},
		{context.Canceled, false, false},
		{rpc.ErrMissingBatchResponse, true, false},
		{errors.New("json: cannot unmarshal"), false, false},
	}
	for _, tt := range tests {
		if transient(tt.err) != tt.transient || methodMissing(tt.err) != tt.missing {
			t.Errorf("%v: transient %v, missing %v", tt.err, transient(tt.err), methodMissing(tt.err))
		}
	}
}

// TestToken reads token metadata from a fake node: an ABI string symbol, a
// bytes32 symbol, a contract that reverts, and a node that fails.
func TestToken(t *testing.T) {
	word := func(n byte) string { return "0x" + strings.Repeat("00", 31) + fmt.Sprintf("%02x", n) }
	contracts := map[string]map[string]any{
		"0x0000000000000000000000000000000000000070": {"0x313ce567": word(6), "0x95d89b41": "0x" + hex.EncodeToString(abiEncoded("USDC"))},
		"0x0000000000000000000000000000000000000071": {"0x313ce567": word(18), "0x95d89b41": "0x4d4b52" + strings.Repeat("00", 29)},
		"0x0000000000000000000000000000000000000072": {},
		"0x0000000000000000000000000000000000000073": {"0x313ce567": "0x", "0x95d89b41": "0x"},
	}
	node := newFakeNode(t, func(method string, params []json.RawMessage) (any, *rpcFault) {
		if method == "eth_chainId" {
			return "0x1", nil
		}
		var call struct{ To, Data string }
		_ = json.Unmarshal(params[0], &call)
		if call.To == "0x00000000000000000000000000000000000000ff" {
			return nil, &rpcFault{Code: -32005, Message: "limit exceeded"}
		}
		if out, ok := contracts[call.To][call.Data]; ok {
			return out, nil
		}
		return nil, &rpcFault{Code: 3, Message: "execution reverted"}
	})
	s := dialTest(t, node.srv.URL, testOptions(nil))
	tests := []struct {
		asset chains.Asset
		want  chains.Token
	}{
		{"0x0000000000000000000000000000000000000070", chains.Token{Asset: "0x0000000000000000000000000000000000000070", Symbol: "USDC", Decimals: 6, Known: true}},
		{"0x0000000000000000000000000000000000000071", chains.Token{Asset: "0x0000000000000000000000000000000000000071", Symbol: "MKR", Decimals: 18, Known: true}},
		{"0x0000000000000000000000000000000000000072", chains.Token{Asset: "0x0000000000000000000000000000000000000072"}},
		{"0x0000000000000000000000000000000000000073", chains.Token{Asset: "0x0000000000000000000000000000000000000073"}},
		{chains.Native, chains.Token{Asset: chains.Native, Symbol: "ETH", Decimals: 18, Known: true}},
	}
	for _, tt := range tests {
		got, err := s.Token(context.Background(), tt.asset)
		if err != nil || got != tt.want {
			t.Errorf("Token(%s) = %+v, %v; want %+v", tt.asset, got, err, tt.want)
		}
	}
	if _, err := s.Token(context.Background(), "0x00000000000000000000000000000000000000ff"); err == nil {
		t.Error("a rate-limited node gave no error")
	}
	if _, err := s.Token(context.Background(), "usdc"); err == nil {
		t.Error("a malformed asset gave no error")
	}
}
