package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/labels/jsonschema"
	"github.com/houndtrace/hound/store"
	"github.com/houndtrace/hound/trace/report"
)

// TestServe runs hound serve as its own process over a store it keeps
// synced from the simulated chain of TestScreen, and checks it from the
// outside: health and readiness, the exact exposures TestScreen asserts,
// blocks committed while it serves reaching the screens, every documented
// operation and status against openapi.json, clear 4xx answers to bad
// requests, the rate limit, a graceful SIGTERM; then a second server on the
// same store, kept busy by the load generator (a third process) while the
// chain keeps committing blocks, with no error response.
func TestServe(t *testing.T) {
	c, deposit := playScreenScenario(t)
	const s, k, x, d, cl = screenS, screenK, screenX, screenD, screenC

	tmp := t.TempDir()
	dir := filepath.Join(tmp, "store")
	lower := func(i int) string { return strings.ToLower(c.Addr(i).Hex()) }
	labelFile := filepath.Join(tmp, "labels.csv")
	os.WriteFile(labelFile, []byte("chain,address,category,entity,actor,group,campaign,source,confidence\n"+
		fmt.Sprintf("ethereum,%s,theft,Test Exploiter,DPRK,Lazarus Group,Screen 2026,test case,authority_data\n", lower(s))), 0o644)
	token := serveRandomHex(t, 24)
	tokenFile := filepath.Join(tmp, "token")
	os.WriteFile(tokenFile, []byte(token+"\n"), 0o600)
	unknown := "0x00000000000000000000000000000000000000aa"
	api := loadAPIDoc(t)

	// Server A: rate-limited (5/s, bursts of 300), syncing every 100ms.
	a := startServe(t, nil, "--listen", "127.0.0.1:0", "--sync", "ethereum="+c.URL(), "--confirmations", "0",
		"--sync-interval", "100ms", "--token-file", tokenFile, "--store", dir, "--labels", labelFile,
		"--rate", "5", "--burst", "300", "--gc-interval", "100ms")
	cl1 := &apiClient{t: t, base: a.base, token: token, doc: api}

	cl1.expect("GET", "/healthz", "/healthz", "", 200, "")
	serveWaitReady(t, cl1)

	// The exposures of TestScreen, over HTTP.
	for _, tt := range []struct {
		query            string
		indirect, ishare string
	}{{"", "5000000000000000000", "0.2"}, {"?model=fifo", "10000000000000000000", "0.4"}} {
		doc := cl1.screen("ethereum:" + lower(d) + tt.query)
		r := doc.Results[0]
		e := r.Exposure
		if r.Risk != "severe" || !r.Coverage.Seen || len(e) != 1 || e[0].Inflow != ether(25).String() || e[0].Direct.Amount != ether(5).String() ||
			e[0].Direct.Share != "0.2" || e[0].Indirect.Amount != tt.indirect || e[0].Indirect.Share != tt.ishare ||
			len(r.Sources) != 1 || r.Sources[0].Entity != "Test Exploiter" || r.Sources[0].Address != lower(s) {
			t.Errorf("D%s: %+v", tt.query, r)
		}
		if h := doc.Heights["ethereum"]; h != c.head() || r.Coverage.To != h {
			t.Errorf("D%s: heights %v, coverage %+v, head %d", tt.query, doc.Heights, r.Coverage, c.head())
		}
	}
	if r := cl1.screen("ethereum:" + lower(cl)).Results[0]; r.Risk != "none" || r.Exposure[0].Inflow != ether(7).String() {
		t.Errorf("clean: %+v", r)
	}
	if r := cl1.screen("ethereum:" + unknown).Results[0]; r.Risk != "unknown" || r.Coverage.Seen {
		t.Errorf("unknown: %+v", r)
	}
	// A batch keeps its order; a bad row fails it, unless ?invalid=report.
	rows := fmt.Sprintf(`{"rows": [{"id": "d", "chain": "ethereum", "address": %q}, {"id": "c", "subject": "ethereum:%s"}, {"id": "dep", "chain": "ethereum", "tx": %q}]}`,
		lower(d), lower(cl), strings.ToLower(deposit.Hex()))
	var batch report.ScreenDocument
	cl1.decode(cl1.expect("POST", "/v1/screen", "/v1/screen", rows, 200, ""), &batch)
	if len(batch.Results) != 3 || batch.Results[0].ID != "d" || batch.Results[0].Risk != "severe" || batch.Results[1].ID != "c" ||
		batch.Results[1].Risk != "none" || batch.Results[2].ID != "dep" || batch.Results[2].Exposure[0].Direct.Share != "1" {
		t.Errorf("batch: %+v", batch.Results)
	}
	cl1.decode(cl1.expect("POST", "/v1/screen?invalid=report", "/v1/screen",
		fmt.Sprintf(`{"subjects": ["ethereum:%s", "ethereum:0xnot-an-address"]}`, lower(cl)), 200, ""), &batch)
	if len(batch.Results) != 2 || batch.Results[0].Risk != "none" || !strings.Contains(batch.Results[1].Error, "want 0x followed by 40 hex digits") {
		t.Errorf("batch with a bad row reported: %+v", batch.Results)
	}
	// Labels, as hound labels show --format json has them.
	var ls struct {
		Schema, Chain, Address string
		Labels                 []labelJSON
	}
	cl1.decode(cl1.expect("GET", "/v1/labels/ethereum:"+c.Addr(s).Hex(), "/v1/labels/{subject}", "", 200, ""), &ls)
	if ls.Schema != "hound.labels.show/v1" || ls.Address != lower(s) || len(ls.Labels) != 1 || ls.Labels[0].Entity != "Test Exploiter" || ls.Labels[0].Category != "theft" {
		t.Errorf("labels: %+v", ls)
	}
	cl1.decode(cl1.expect("GET", "/v1/labels/ethereum:"+unknown, "/v1/labels/{subject}", "", 200, ""), &ls)
	if len(ls.Labels) != 0 {
		t.Errorf("labels of an unlabelled address: %+v", ls)
	}

	// Bad requests: a 4xx each, with a clear message.
	oversize := `{"subjects": [` + strings.Repeat(`"ethereum:`+unknown+`",`, 25000) + `"ethereum:` + unknown + `"]}`
	many := `{"subjects": [` + strings.Repeat(`"ethereum:`+unknown+`",`, 1000) + `"ethereum:` + unknown + `"]}`
	for _, b := range []struct {
		method, path, route, body string
		status                    int
		want                      string
	}{
		{"POST", "/v1/screen", "/v1/screen", `{"subjects": ["ethereum:` + unknown + `"`, 400, "malformed JSON body: it ends early"},
		{"POST", "/v1/screen", "/v1/screen", `{"subjects": ["a"] "rows"}`, 400, "malformed JSON body at byte "},
		{"POST", "/v1/screen", "/v1/screen", `{"subjects": "ethereum:` + unknown + `"}`, 400, "subjects: want an array, got a JSON string"},
		{"POST", "/v1/screen", "/v1/screen", `{"subject": ["ethereum:` + unknown + `"]}`, 400, `unknown field "subject"`},
		{"POST", "/v1/screen", "/v1/screen", ``, 400, "empty request body"},
		{"POST", "/v1/screen", "/v1/screen", `{"subjects": []}`, 400, "no subjects"},
		{"POST", "/v1/screen", "/v1/screen", `{"subjects": ["ethereum:` + unknown + `", "dogecoin:` + unknown + `"]}`, 400, `subjects[1]: subject "dogecoin:` + unknown + `": unknown chain "dogecoin"`},
		{"POST", "/v1/screen", "/v1/screen", `{"rows": [{"chain": "ethereum", "address": "0x12"}]}`, 400, `rows[0]: subject "ethereum:0x12": address "0x12": want 0x followed by 40 hex digits`},
		{"POST", "/v1/screen?invalid=maybe", "/v1/screen", `{"subjects": ["ethereum:` + unknown + `"]}`, 400, `invalid "maybe": want reject`},
		{"POST", "/v1/screen", "/v1/screen", oversize, 413, fmt.Sprintf("request body of %d bytes: at most 1048576 (--max-body)", len(oversize))},
		{"POST", "/v1/screen", "/v1/screen", many, 413, "1001 subjects: at most 1000 in one request (--max-batch)"},
		{"GET", "/v1/screen/dogecoin:" + unknown, "/v1/screen/{subject}", "", 400, `unknown chain "dogecoin" (known: ethereum, bitcoin)`},
		{"GET", "/v1/screen/ethereum:0xnot-an-address", "/v1/screen/{subject}", "", 400, `address "0xnot-an-address": want 0x followed by 40 hex digits`},
		{"GET", "/v1/screen/" + lower(d), "/v1/screen/{subject}", "", 400, "want <chain>:<address|txid>"},
		{"GET", "/v1/screen/ethereum:" + lower(d) + "?model=clayton", "/v1/screen/{subject}", "", 400, `unknown taint model "clayton"`},
		{"GET", "/v1/screen/ethereum:" + lower(d) + "?hops=0", "/v1/screen/{subject}", "", 400, `hops "0": want a number from 1 to 32`},
		{"GET", "/v1/screen/ethereum:" + lower(d) + "?modle=fifo", "/v1/screen/{subject}", "", 400, `unknown query parameter "modle"`},
		{"GET", "/v1/labels/ethereum:0xzz", "/v1/labels/{subject}", "", 400, `address "0xzz": want 0x followed by 40 hex digits`},
		{"GET", "/v1/labels/ethereum:" + strings.ToLower(deposit.Hex()), "/v1/labels/{subject}", "", 400, "want <chain>:<address>, got a transaction hash"},
		{"GET", "/v1/labels/bitcoin:" + unknown, "/v1/labels/{subject}", "", 400, "bitcoin"},
	} {
		cl1.expect(b.method, b.path, b.route, b.body, b.status, b.want)
	}
	// The same body without a Content-Length is cut at the limit.
	req, _ := http.NewRequest("POST", a.base+"/v1/screen", io.MultiReader(strings.NewReader(oversize)))
	req.Header.Set("Authorization", "Bearer "+token)
	req.ContentLength = -1
	cl1.check(req, "/v1/screen", 413, "request body larger than 1048576 bytes (--max-body)")
	// Tokens: every route but health, readiness and the document needs one.
	for _, rt := range serveRoutes {
		path := strings.ReplaceAll(rt.path, "{subject}", "ethereum:"+lower(d))
		body := ""
		if rt.method == "POST" {
			body = `{"subjects": ["ethereum:` + lower(d) + `"]}`
		}
		for _, tok := range []string{"", "wrong-" + token, "Basic " + token} {
			req, _ := http.NewRequest(rt.method, a.base+path, strings.NewReader(body))
			switch {
			case strings.HasPrefix(tok, "Basic "):
				req.Header.Set("Authorization", tok)
			case tok != "":
				req.Header.Set("Authorization", "Bearer "+tok)
			}
			if !rt.auth {
				cl1.check(req, rt.path, 200, "")
				continue
			}
			want := map[string]string{"": "missing bearer token: send the header Authorization: Bearer <token>",
				"wrong-" + token: "invalid bearer token", "Basic " + token: "the Authorization header must be Bearer <token>"}[tok]
			h := cl1.check(req, rt.path, 401, want)
			if !strings.HasPrefix(h.Get("WWW-Authenticate"), `Bearer realm="hound"`) {
				t.Errorf("%s %s without a token: WWW-Authenticate %q", rt.method, path, h.Get("WWW-Authenticate"))
			}
		}
	}
	cl1.expect("PUT", "/v1/screen", "", "", 405, "PUT /v1/screen: method not allowed (use POST)")
	cl1.expect("GET", "/v2/screen/x", "", "", 404, "no endpoint GET /v2/screen/x")

	// Blocks committed while the server runs reach the screens: an address
	// the store has never seen, then paid by the thief.
	fresh := common.BytesToAddress([]byte("hound serve: fresh address"))
	subject := "ethereum:" + strings.ToLower(fresh.Hex())
	if r := cl1.screen(subject).Results[0]; r.Risk != "unknown" || r.Coverage.Seen {
		t.Fatalf("a fresh address before it is paid: %+v", r)
	}
	c.tx(c.SendETH(s, fresh, ether(3)))
	paid := c.commit()
	deadline := time.Now().Add(10 * time.Second)
	for {
		doc := cl1.screen(subject)
		r := doc.Results[0]
		if r.Coverage.Seen && doc.Heights["ethereum"] >= paid {
			if r.Risk != "severe" || r.Exposure[0].Direct.Amount != ether(3).String() || r.Exposure[0].Direct.Share != "1" || doc.Heights["ethereum"] < paid {
				t.Errorf("the fresh address once synced: %+v at %v", r, doc.Heights)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("block %d never reached the screens: %+v", paid, r)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Metrics, in the Prometheus text format.
	m := cl1.metrics()
	for name, want := range map[string]float64{
		`hound_sync_height{chain="ethereum"}`:     float64(paid),
		`hound_store_height{chain="ethereum"}`:    float64(paid),
		`hound_sync_last_error{chain="ethereum"}`: 0,
		`hound_ready`:                        1,
		`hound_screens_total{risk="severe"}`: -1,
		`hound_http_requests_total{route="/v1/screen",method="POST",code="413"}`:          3,
		`hound_http_requests_total{route="/v1/screen/{subject}",method="GET",code="401"}`: 3,
		`hound_http_request_duration_seconds_count{route="/v1/screen/{subject}"}`:         -1,
		`hound_store_size_bytes`: -1,
	} {
		got, ok := m[name]
		switch {
		case !ok:
			t.Errorf("metrics: no %s", name)
		case want == -1 && got <= 0, want != -1 && got != want:
			t.Errorf("metrics: %s = %v, want %v", name, got, want)
		}
	}

	// Badger's value-log GC runs every --gc-interval.
	for deadline := time.Now().Add(5 * time.Second); cl1.metrics()["hound_store_gc_runs_total"] < 1; {
		if time.Now().After(deadline) {
			t.Fatalf("the value-log GC never ran:\n%s", a.log())
		}
		time.Sleep(50 * time.Millisecond)
	}

	// The rate limit: a client that has used its burst gets 429 with
	// Retry-After on every limited route; health and readiness are exempt.
	limited := 0
	for i := 0; i < 400 && limited == 0; i++ {
		req, _ := http.NewRequest("GET", a.base+"/v1/labels/ethereum:"+unknown, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 429 {
			limited = i
		}
	}
	if limited < 50 {
		t.Fatalf("rate limited after %d requests, with bursts of 300", limited)
	}
	for _, rt := range serveRoutes {
		path := strings.ReplaceAll(rt.path, "{subject}", "ethereum:"+lower(d))
		body := ""
		if rt.method == "POST" {
			body = `{"subjects": ["ethereum:` + lower(d) + `"]}`
		}
		want := 429
		if !rt.limited {
			want = 200
		}
		req, _ := http.NewRequest(rt.method, a.base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		// A token comes back every 200ms: a request may take it.
		for try := 0; ; try++ {
			resp, body := cl1.send(req, rt.path)
			if resp.StatusCode == want || try == 5 {
				cl1.want(req, resp, body, want, map[int]string{429: "rate limit: at most 5 requests per second per client (bursts of 300); retry in 1s"}[want])
				if n, _ := strconv.Atoi(resp.Header.Get("Retry-After")); want == 429 && n < 1 {
					t.Errorf("%s %s: Retry-After %q", rt.method, path, resp.Header.Get("Retry-After"))
				}
				break
			}
		}
	}

	// SIGTERM: in-flight requests finish, the sync stops, the store closes.
	if code, took := a.stop(); code != 0 || took > 5*time.Second || !strings.Contains(a.log(), "stopped; the store is closed") {
		t.Fatalf("SIGTERM: exit %d after %s\n%s", code, took, a.log())
	}

	mustHound(t, "trace", "ethereum:"+lower(s), "--case", "c1", "--store", dir, "--labels", labelFile)

	// Server B on the same store: the token from $HOUND_TOKEN, no rate limit
	// (loopback), and a second --sync whose node is down: the server keeps
	// serving, and says so in /readyz and /metrics.
	b := startServe(t, []string{"HOUND_TOKEN=" + token}, "--listen", "127.0.0.1:0", "--sync", "ethereum="+c.URL(),
		"--sync", "bitcoin=http://127.0.0.1:1", "--confirmations", "0", "--sync-interval", "100ms", "--store", dir, "--labels", labelFile)
	cl2 := &apiClient{t: t, base: b.base, token: token, doc: api, seen: cl1.seen}
	for deadline := time.Now().Add(10 * time.Second); ; {
		var ready serveReady
		cl2.decode(cl2.expect("GET", "/readyz", "/readyz", "", 503, ""), &ready)
		if len(ready.Reasons) == 1 && strings.Contains(ready.Reasons[0], "bitcoin: no sync pass has completed yet (last error: ") &&
			strings.Contains(ready.Reasons[0], "connection refused") && len(ready.Syncs) == 2 && ready.Syncs[0].Synced {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz: %+v", ready)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// A case saved while no server ran, served as its report page.
	page := cl2.expect("GET", "/v1/cases/c1/report", "/v1/cases/{name}/report", "", 200, "")
	if !strings.Contains(string(page), "<html") || !strings.Contains(string(page), lower(s)) {
		t.Errorf("case report: %.300s", page)
	}
	cl2.expect("GET", "/v1/cases/none/report", "/v1/cases/{name}/report", "", 404, `no case "none" in the store`)
	cl2.expect("GET", "/v1/cases/c1/report?model=fifo", "/v1/cases/{name}/report", "", 400, "model")
	m = cl2.metrics()
	if m[`hound_sync_last_error{chain="bitcoin"}`] != 1 || m[`hound_sync_failures_total{chain="bitcoin"}`] < 1 || m[`hound_ready`] != 0 ||
		m[`hound_sync_last_error{chain="ethereum"}`] != 0 || m[`hound_sync_passes_total{chain="ethereum"}`] < 1 {
		t.Errorf("metrics of a failing sync: %v", m)
	}

	// The load: single-address screens from a second process while the
	// chain commits a block of new transfers every 50ms and the server's
	// sync writes them.
	loadgen := buildLoadgen(t)
	subjects := filepath.Join(tmp, "subjects.txt")
	os.WriteFile(subjects, []byte(strings.Join([]string{"ethereum:" + lower(d), "ethereum:" + lower(cl), "ethereum:" + unknown,
		"ethereum:" + lower(s), subject, "ethereum:" + strings.ToLower(deposit.Hex())}, "\n")+"\n"), 0o644)
	before := m[`hound_sync_height{chain="ethereum"}`]
	stop := make(chan struct{})
	var committer sync.WaitGroup
	committed := 0
	committer.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			if _, err := c.SendETH(screenFunder, common.BigToAddress(big.NewInt(int64(0x10000+i))), big.NewInt(int64(1000+i))); err != nil {
				t.Error(err)
				return
			}
			if _, err := c.Commit(); err != nil {
				t.Error(err)
				return
			}
			committed++
		}
	})
	out, err := exec.Command(loadgen, "--url", b.base, "--token-file", tokenFile, "--subjects", subjects,
		"--duration", "3s", "--concurrency", "4", "--json").Output()
	close(stop)
	committer.Wait()
	var sum struct {
		Requests  int64            `json:"requests"`
		PerSecond float64          `json:"requests_per_second"`
		P50       float64          `json:"p50_ms"`
		P90       float64          `json:"p90_ms"`
		P99       float64          `json:"p99_ms"`
		Max       float64          `json:"max_ms"`
		Statuses  map[string]int64 `json:"statuses"`
		Errors    int64            `json:"errors"`
	}
	if jerr := json.Unmarshal(out, &sum); jerr != nil || err != nil || sum.Errors != 0 || sum.Requests < 100 || sum.Statuses["200"] != sum.Requests {
		t.Fatalf("loadgen: %v %v\n%s%s", err, jerr, out, b.log())
	}
	t.Logf("load: %d screens in 3s from 4 workers: %.0f requests/s, p50 %.2fms, p90 %.2fms, p99 %.2fms, max %.2fms; %d blocks committed meanwhile",
		sum.Requests, sum.PerSecond, sum.P50, sum.P90, sum.P99, sum.Max, committed)
	head := c.head()
	for deadline := time.Now().Add(10 * time.Second); ; {
		m = cl2.metrics()
		if m[`hound_sync_height{chain="ethereum"}`] == float64(head) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the sync stopped at %v, the chain is at %d", m[`hound_sync_height{chain="ethereum"}`], head)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if committed < 10 || float64(head) < before+float64(committed) {
		t.Errorf("%d blocks committed during the load, head %d, the sync was at %v before", committed, head, before)
	}
	if got := m[`hound_screens_total{risk="severe"}`]; got < 1 {
		t.Errorf("severe screens: %v", got)
	}
	cl2.expect("GET", "/openapi.json", "/openapi.json", "", 200, "")
	if code, took := b.stop(); code != 0 || took > 5*time.Second {
		t.Fatalf("SIGTERM: exit %d after %s\n%s", code, took, b.log())
	}

	// The store opens again, at the chain's head.
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cp, _, err := st.Checkpoint(chains.Ethereum)
	st.Close()
	if err != nil || cp.Height != head {
		t.Errorf("the store after the server: %+v, %v; head %d", cp, err, head)
	}

	// Server C, without a token on loopback, and a --timeout no screen
	// can meet: 503 with the reason.
	cs := startServe(t, nil, "--listen", "127.0.0.1:0", "--store", filepath.Join(tmp, "store2"), "--timeout", "1ns")
	cl3 := &apiClient{t: t, base: cs.base, doc: api, seen: cl1.seen}
	for _, r := range []struct{ method, path, route, body string }{
		{"GET", "/v1/screen/ethereum:" + unknown, "/v1/screen/{subject}", ""},
		{"POST", "/v1/screen", "/v1/screen", `{"subjects": ["ethereum:` + unknown + `"]}`},
	} {
		req, _ := http.NewRequest(r.method, cs.base+r.path, strings.NewReader(r.body))
		cl3.check(req, r.route, 503, "screening took longer than --timeout 1ns: ask for fewer subjects or hops")
	}
	if code, _ := cs.stop(); code != 0 {
		t.Errorf("SIGTERM: exit %d\n%s", code, cs.log())
	}

	api.covered(t, cl1.seen)
}

// TestServeRefuses checks what hound serve refuses before it starts.
func TestServeRefuses(t *testing.T) {
	t.Setenv(serveTokenEnv, "")
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--listen", "0.0.0.0:0"}, "--listen 0.0.0.0:0 is not a loopback address: set a bearer token with --token-file FILE or $HOUND_TOKEN"},
		{[]string{"--listen", ":8080"}, "--listen :8080 is not a loopback address"},
		{[]string{"--listen", "8080"}, `--listen "8080": want host:port`},
		{[]string{"--token-file", empty}, "is empty"},
		{[]string{"--sync", "ethereum"}, `--sync "ethereum": want CHAIN=URL`},
		{[]string{"--sync", "dogecoin=http://127.0.0.1:1"}, `unknown chain "dogecoin"`},
		{[]string{"--sync", "ethereum=http://a", "--sync", "ethereum=http://b"}, "ethereum is named twice"},
		{[]string{"--model", "clayton"}, `--model: unknown taint model "clayton"`},
		{[]string{"--hops", "40"}, "--hops 40: at most 32"},
	} {
		r := hound(t, append([]string{"serve", "--store", filepath.Join(dir, "store")}, tt.args...)...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("serve %v: exit %d, %s", tt.args, r.code, r.stderr)
		}
	}
	// A store another process holds: exit 3 at once.
	st, err := store.Open(filepath.Join(dir, "held"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if r := hound(t, "serve", "--store", filepath.Join(dir, "held"), "--listen", "127.0.0.1:0"); r.code != exitStoreInUse {
		t.Errorf("a store in use: exit %d, %s", r.code, r.stderr)
	}
}

// TestServeRoutesDocumented checks that openapi.json describes exactly the
// routes the server has, and that its Screen* schemas are
// trace/report/screen.schema.json.
func TestServeRoutesDocumented(t *testing.T) {
	doc := loadAPIDoc(t)
	var documented, routed []string
	for path, ops := range doc.raw["paths"].(map[string]any) {
		for method := range ops.(map[string]any) {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	for _, rt := range serveRoutes {
		routed = append(routed, rt.method+" "+rt.path)
		op := doc.operation(t, rt.method, rt.path)
		// An operation without a token is marked security: [].
		sec, ok := op["security"].([]any)
		if open := ok && len(sec) == 0; open == rt.auth {
			t.Errorf("%s %s: auth %v, but the document's security is %v", rt.method, rt.path, rt.auth, op["security"])
		}
		if _, ok := op["responses"].(map[string]any)["429"]; ok != rt.limited {
			t.Errorf("%s %s: rate limited %v, but the document's 429 is there: %v", rt.method, rt.path, rt.limited, ok)
		}
	}
	slices.Sort(documented)
	slices.Sort(routed)
	if !slices.Equal(documented, routed) {
		t.Errorf("documented operations %v\nrouted %v", documented, routed)
	}
	if !strings.HasPrefix(doc.raw["openapi"].(string), "3.1.") {
		t.Errorf("openapi %v", doc.raw["openapi"])
	}

	raw, err := os.ReadFile("../../trace/report/screen.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var screen map[string]any
	if err := json.Unmarshal(raw, &screen); err != nil {
		t.Fatal(err)
	}
	schemas := doc.raw["components"].(map[string]any)["schemas"].(map[string]any)
	name := func(def string) string { return "Screen" + strings.ToUpper(def[:1]) + def[1:] }
	var rewrite func(any) any
	rewrite = func(v any) any {
		switch v := v.(type) {
		case map[string]any:
			out := map[string]any{}
			for k, x := range v {
				if s, ok := x.(string); ok && k == "$ref" && strings.HasPrefix(s, "#/$defs/") {
					out[k] = "#/components/schemas/" + name(strings.TrimPrefix(s, "#/$defs/"))
				} else {
					out[k] = rewrite(x)
				}
			}
			return out
		case []any:
			out := make([]any, len(v))
			for i, x := range v {
				out[i] = rewrite(x)
			}
			return out
		}
		return v
	}
	for def, s := range screen["$defs"].(map[string]any) {
		if !reflect.DeepEqual(schemas[name(def)], rewrite(s)) {
			t.Errorf("components.schemas.%s of openapi.json differs from $defs.%s of trace/report/screen.schema.json: copy it, with each $ref #/$defs/x written #/components/schemas/ScreenX", name(def), def)
		}
	}
	root := rewrite(screen).(map[string]any)
	got := maps.Clone(schemas["ScreenDocument"].(map[string]any))
	for _, k := range []string{"$schema", "$id", "$defs", "description"} {
		delete(root, k)
		delete(got, k)
	}
	if !reflect.DeepEqual(got, root) {
		t.Errorf("components.schemas.ScreenDocument of openapi.json differs from trace/report/screen.schema.json (but for its description): copy it, with each $ref #/$defs/x written #/components/schemas/ScreenX")
	}
	// The examples of the request body follow its schema.
	for i, ex := range schemas["ScreenRequest"].(map[string]any)["examples"].([]any) {
		if err := doc.v.Validate("ScreenRequest.json", ex); err != nil {
			t.Errorf("ScreenRequest example %d: %v", i, err)
		}
	}
	for _, bad := range []string{`{}`, `{"subjects": []}`, `{"subjects": ["a"], "rows": [{"subject": "a"}]}`, `{"subject": ["a"]}`} {
		var v any
		json.Unmarshal([]byte(bad), &v)
		if doc.v.Validate("ScreenRequest.json", v) == nil {
			t.Errorf("ScreenRequest schema takes %s", bad)
		}
	}
}

// apiDoc is openapi.json, with a validator of its component schemas.
type apiDoc struct {
	raw map[string]any
	v   *jsonschema.Validator
}

// loadAPIDoc reads openapi.json and prepares one schema file per
// component (X.json: {"$ref": "openapi.json#/components/schemas/X"}).
func loadAPIDoc(t *testing.T) *apiDoc {
	t.Helper()
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, serveOpenAPI) {
		t.Fatal("the embedded openapi.json is stale")
	}
	doc := &apiDoc{}
	if err := json.Unmarshal(raw, &doc.raw); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "openapi.json"), raw, 0o644)
	for name := range doc.raw["components"].(map[string]any)["schemas"].(map[string]any) {
		os.WriteFile(filepath.Join(dir, name+".json"), []byte(`{"$ref": "openapi.json#/components/schemas/`+name+`"}`), 0o644)
	}
	if doc.v, err = jsonschema.Load(dir); err != nil {
		t.Fatal(err)
	}
	return doc
}

// operation is the document's operation of method and path.
func (d *apiDoc) operation(t *testing.T, method, path string) map[string]any {
	t.Helper()
	ops, ok := d.raw["paths"].(map[string]any)[path].(map[string]any)
	if !ok {
		t.Fatalf("openapi.json has no path %s", path)
	}
	op, ok := ops[strings.ToLower(method)].(map[string]any)
	if !ok {
		t.Fatalf("openapi.json has no %s %s", method, path)
	}
	return op
}

// response is the documented response of an operation for status,
// resolved; nil when the status is not documented.
func (d *apiDoc) response(t *testing.T, method, path string, status int) map[string]any {
	t.Helper()
	r, ok := d.operation(t, method, path)["responses"].(map[string]any)[strconv.Itoa(status)].(map[string]any)
	if !ok {
		return nil
	}
	if ref, ok := r["$ref"].(string); ok {
		r = d.raw["components"].(map[string]any)["responses"].(map[string]any)[strings.TrimPrefix(ref, "#/components/responses/")].(map[string]any)
	}
	return r
}

// conform checks a response against the document: its status is
// documented for the operation, its content type too, and a JSON body
// validates against the schema named there.
func (d *apiDoc) conform(t *testing.T, method, path string, resp *http.Response, body []byte) {
	t.Helper()
	r := d.response(t, method, path, resp.StatusCode)
	if r == nil {
		t.Errorf("%s %s answered %d, which openapi.json does not document: %s", method, path, resp.StatusCode, body)
		return
	}
	ct, _, _ := strings.Cut(resp.Header.Get("Content-Type"), ";")
	media, ok := r["content"].(map[string]any)[ct].(map[string]any)
	if !ok {
		t.Errorf("%s %s %d: content type %q is not documented", method, path, resp.StatusCode, ct)
		return
	}
	headers, _ := r["headers"].(map[string]any)
	for name := range headers {
		if resp.Header.Get(name) == "" {
			t.Errorf("%s %s %d: no %s header", method, path, resp.StatusCode, name)
		}
	}
	if ct != "application/json" {
		return
	}
	ref, _ := media["schema"].(map[string]any)["$ref"].(string)
	name := strings.TrimPrefix(ref, "#/components/schemas/")
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Errorf("%s %s %d: %v: %s", method, path, resp.StatusCode, err, body)
		return
	}
	if err := d.v.Validate(name+".json", v); err != nil {
		t.Errorf("%s %s %d: the body does not follow %s: %v\n%s", method, path, resp.StatusCode, name, err, body)
	}
	if name == "ScreenDocument" {
		validateScreen(t, string(body))
	}
}

// covered checks that every documented status of every operation was
// seen, but for the failures a test cannot cause on purpose.
func (d *apiDoc) covered(t *testing.T, seen map[string]bool) {
	t.Helper()
	untestable := map[string]bool{"GET /v1/screen/{subject} 500": true, "POST /v1/screen 500": true, "GET /v1/labels/{subject} 500": true,
		"GET /v1/cases/{name}/report 500": true}
	for path, ops := range d.raw["paths"].(map[string]any) {
		for method, op := range ops.(map[string]any) {
			for status := range op.(map[string]any)["responses"].(map[string]any) {
				key := strings.ToUpper(method) + " " + path + " " + status
				if !seen[key] && !untestable[key] {
					t.Errorf("no request of the test got the documented %s", key)
				}
			}
		}
	}
}

// apiClient sends requests to a server and checks the answers against the
// document.
type apiClient struct {
	t     *testing.T
	base  string
	token string
	doc   *apiDoc
	seen  map[string]bool // "METHOD path status" answered
	last  []byte          // the last body check read
}

// do sends req (its body again, when it can) and reads the answer.
func (c *apiClient) do(req *http.Request) (*http.Response, []byte) {
	c.t.Helper()
	if req.GetBody != nil {
		req.Body, _ = req.GetBody()
	}
	resp, err := (&http.Client{Timeout: 15 * time.Second}).Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp, body
}

// send sends req to route (its path as documented; "" for none), checks
// the answer against the document and notes its status as seen.
func (c *apiClient) send(req *http.Request, route string) (*http.Response, []byte) {
	c.t.Helper()
	resp, body := c.do(req)
	if route != "" {
		c.doc.conform(c.t, req.Method, route, resp, body)
		if c.seen == nil {
			c.seen = map[string]bool{}
		}
		c.seen[req.Method+" "+route+" "+strconv.Itoa(resp.StatusCode)] = true
	}
	c.last = body
	return resp, body
}

// check sends req and checks the status and that an error body says want
// in one line.
func (c *apiClient) check(req *http.Request, route string, status int, want string) http.Header {
	c.t.Helper()
	resp, body := c.send(req, route)
	c.want(req, resp, body, status, want)
	return resp.Header
}

func (c *apiClient) want(req *http.Request, resp *http.Response, body []byte, status int, want string) {
	c.t.Helper()
	if resp.StatusCode != status {
		c.t.Errorf("%s %s: %d, want %d: %s", req.Method, req.URL, resp.StatusCode, status, body)
		return
	}
	if status >= 400 {
		var e struct{ Error string }
		if err := json.Unmarshal(body, &e); err != nil || !strings.Contains(e.Error, want) || strings.Contains(e.Error, "\n") {
			c.t.Errorf("%s %s: %d %s, want an error saying %q", req.Method, req.URL, status, body, want)
		}
	}
}

// expect sends a request with the token.
func (c *apiClient) expect(method, path, route, body string, status int, want string) []byte {
	c.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	c.check(req, route, status, want)
	return c.last
}

func (c *apiClient) decode(body []byte, v any) {
	c.t.Helper()
	if err := json.Unmarshal(body, v); err != nil {
		c.t.Fatalf("%v: %s", err, body)
	}
}

// screen screens one subject (and query), which must answer 200.
func (c *apiClient) screen(subjectAndQuery string) report.ScreenDocument {
	c.t.Helper()
	var doc report.ScreenDocument
	c.decode(c.expect("GET", "/v1/screen/"+subjectAndQuery, "/v1/screen/{subject}", "", 200, ""), &doc)
	if doc.Schema != "hound.screen/v1" || len(doc.Results) != 1 {
		c.t.Fatalf("screen %s: %+v", subjectAndQuery, doc)
	}
	return doc
}

// promLine is one sample of the Prometheus text format.
var promLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (\S+)$`)

// metrics reads /metrics, checks the format (every sample of a family
// announced by # TYPE, histogram buckets cumulative up to +Inf = count),
// and returns the samples by name and labels.
func (c *apiClient) metrics() map[string]float64 {
	c.t.Helper()
	body := c.expect("GET", "/metrics", "/metrics", "", 200, "")
	out := map[string]float64{}
	types := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if f, ok := strings.CutPrefix(line, "# TYPE "); ok {
			name, typ, _ := strings.Cut(f, " ")
			types[name] = typ
			continue
		}
		if strings.HasPrefix(line, "# HELP ") {
			continue
		}
		m := promLine.FindStringSubmatch(line)
		if m == nil {
			c.t.Fatalf("metrics: malformed line %q", line)
		}
		family := m[1]
		if types[family] == "" {
			family = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(family, "_bucket"), "_sum"), "_count")
		}
		if types[family] == "" {
			c.t.Errorf("metrics: %s has no # TYPE", m[1])
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			c.t.Fatalf("metrics: %q: %v", line, err)
		}
		out[m[1]+m[2]] = v
	}
	for name, v := range out {
		if base, ok := strings.CutPrefix(name, "hound_http_request_duration_seconds_count"); ok {
			if inf := out[`hound_http_request_duration_seconds_bucket`+strings.TrimSuffix(base, "}")+`,le="+Inf"}`]; inf != v {
				c.t.Errorf("metrics: %s = %v, its +Inf bucket %v", name, v, inf)
			}
		}
	}
	return out
}

// serveWaitReady polls /readyz until it answers 200; a 503 before says why.
func serveWaitReady(t *testing.T, c *apiClient) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		req, _ := http.NewRequest("GET", c.base+"/readyz", nil)
		resp, body := c.send(req, "/readyz")
		var r serveReady
		c.decode(body, &r)
		if resp.StatusCode == 200 {
			if !r.Ready || len(r.Syncs) != 1 || !r.Syncs[0].Synced || r.Labels < 1 {
				t.Errorf("ready: %s", body)
			}
			return
		}
		if resp.StatusCode != 503 || r.Ready || len(r.Reasons) == 0 {
			t.Fatalf("readyz: %d %s", resp.StatusCode, body)
		}
		if time.Now().After(deadline) {
			t.Fatalf("never ready: %s", body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// serveProc is a hound serve process.
type serveProc struct {
	t     *testing.T
	cmd   *exec.Cmd
	base  string
	mu    sync.Mutex
	lines []string
	done  chan struct{}
	code  int
}

// startServe starts hound serve with args and waits for its address.
func startServe(t *testing.T, env []string, args ...string) *serveProc {
	t.Helper()
	cmd := houndCmd(append([]string{"serve"}, args...)...)
	cmd.Env = append(cmd.Env, env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serveProc{t: t, cmd: cmd, done: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if a, ok := strings.CutPrefix(line, "listening on "); ok {
				addr <- a
			}
			p.mu.Lock()
			p.lines = append(p.lines, line)
			p.mu.Unlock()
		}
		cmd.Wait()
		p.code = cmd.ProcessState.ExitCode()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			cmd.Process.Kill()
			<-p.done
		}
	})
	select {
	case p.base = <-addr:
	case <-p.done:
		t.Fatalf("hound serve exited %d:\n%s", p.code, p.log())
	case <-time.After(15 * time.Second):
		t.Fatalf("hound serve did not listen:\n%s", p.log())
	}
	return p
}

// log is what the server wrote on stderr.
func (p *serveProc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

// stop sends SIGTERM and waits for the exit.
func (p *serveProc) stop() (code int, took time.Duration) {
	p.t.Helper()
	began := time.Now()
	if runtime.GOOS == "windows" {
		p.cmd.Process.Kill()
	} else {
		p.cmd.Process.Signal(syscall.SIGTERM)
	}
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		p.t.Fatalf("hound serve did not stop:\n%s", p.log())
	}
	return p.code, time.Since(began)
}

// buildLoadgen builds cmd/loadgen into a temporary directory.
func buildLoadgen(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("building cmd/loadgen needs the go command on PATH: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "loadgen")
	if out, err := exec.Command(goTool, "build", "-o", bin, "github.com/houndtrace/hound/cmd/loadgen").CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/loadgen: %v\n%s", err, out)
	}
	return bin
}

func serveRandomHex(t *testing.T, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
