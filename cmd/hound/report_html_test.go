package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/houndtrace/hound/trace/report"
)

// readFreeze parses a freeze-request CSV into rows keyed by column, after
// checking its header.
func readFreeze(t *testing.T, raw string) []map[string]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatalf("freeze csv: %v\n%s", err, raw)
	}
	if len(recs) == 0 || strings.Join(recs[0], ",") != strings.Join(report.FreezeColumns, ",") {
		t.Fatalf("freeze csv header %v, want %v", recs[0], report.FreezeColumns)
	}
	var rows []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, c := range report.FreezeColumns {
			m[c] = r[i]
		}
		rows = append(rows, m)
	}
	return rows
}

// checkFreezeRows compares rows with the wanted ones, column by column
// (columns a wanted row leaves out are not checked).
func checkFreezeRows(t *testing.T, name string, got, want []map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d freeze rows, want %d:\n%v", name, len(got), len(want), got)
		return
	}
	for i, w := range want {
		for _, c := range report.FreezeColumns {
			if v, ok := w[c]; ok && got[i][c] != v {
				t.Errorf("%s: freeze row %d: %s = %q, want %q", name, i, c, got[i][c], v)
			}
		}
	}
}

// checkDemoFreeze traces the demo's store again with --format freeze (and
// saves the trace as a case): the packet names the exchange's two deposit
// addresses, one on each chain, with the demo's known amounts.
// TestDemo calls it on the store it kept.
func checkDemoFreeze(t *testing.T, store string, doc *report.Document, a demoCast) {
	lower := func(s string) string { return strings.ToLower(s) }
	seed := "ethereum:" + lower(a.exploiter.Hex())
	raw := mustHound(t, "trace", seed, "--follow-mixers", "--hops", fmt.Sprint(demoTraceHops), "--store", store,
		"--format", "freeze", "--case", "demo")
	rows := readFreeze(t, raw)
	var deps []report.Finding
	for _, f := range doc.Findings {
		if f.Kind == "exchange_deposit" {
			deps = append(deps, f)
		}
	}
	if len(deps) != 2 || len(deps[0].Path) < 2 {
		t.Fatalf("the demo's exchange_deposit findings: %+v", deps)
	}
	// The Ethereum deposit: H2 pays the deposit address D 100 ETH, all
	// tainted, and D sweeps them to the exchange's hot wallet a block
	// later (the finding's transaction). The deposit transaction is the
	// path's step into D.
	into := deps[0].Path[len(deps[0].Path)-2]
	if into.To != "ethereum:"+lower(a.deposit.Hex()) {
		t.Fatalf("the deposit finding's path enters %s, want the deposit address", into.To)
	}
	var depositTime string
	for _, e := range doc.Edges {
		if e.Tx == into.Tx && e.To == into.To {
			depositTime = e.Time
		}
	}
	// The Bitcoin deposit: the peel chain's last payment of 1,500,000 sat
	// (192,030 tainted) to a deposit address that the exchange spends
	// with its hot wallet's coin.
	var spentIn string
	for _, e := range doc.Edges {
		if e.ID == deps[1].EdgeID {
			spentIn = strings.TrimPrefix(e.To, "bitcoin:tx:")
		}
	}
	hundred := "100000000000000000000"
	want := []map[string]string{
		{"exchange": "Demo Exchange", "deposit_address": lower(a.deposit.Hex()), "chain": "ethereum", "tx": into.Tx, "time": depositTime,
			"amount": hundred, "tainted": hundred, "asset": "native", "symbol": "ETH", "amount_display": "100 ETH", "tainted_display": "100 ETH",
			"wallet": lower(a.exchange.Hex()), "sweep_tx": deps[0].Tx, "finding": "exchange_deposit", "confidence": "0.99984375",
			"heuristic": "deposit-address", "hop": "4"},
		{"exchange": "Demo Exchange", "deposit_address": demoBTCAddress("deposit"), "chain": "bitcoin", "tx": deps[1].Tx, "time": deps[1].Time,
			"amount": "1500000", "tainted": "192030", "asset": "native", "symbol": "BTC", "amount_display": "0.015 BTC",
			"tainted_display": "0.0019203 BTC", "wallet": demoBTCAddress("exchange hot wallet"), "sweep_tx": spentIn,
			"finding": "exchange_deposit", "confidence": "0.9", "heuristic": "cluster", "hop": "8"},
	}
	checkFreezeRows(t, "demo", rows, want)
	if spentIn == "" || depositTime == "" {
		t.Errorf("the demo's document lacks the deposits' flows")
	}

	// The saved case says the same, and writes its report.
	if got := mustHound(t, "case", "show", "demo", "--store", store, "--format", "freeze"); got != raw {
		t.Errorf("hound case show demo --format freeze:\n%s\nwant\n%s", got, raw)
	}
	page := filepath.Join(t.TempDir(), "case.html")
	mustHound(t, "case", "report", "demo", "-o", page, "--store", store)
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"<!DOCTYPE html>", `content="default-src 'none';`, "<title>Case demo: Trace of " + seed,
		`"deposit_address":"` + demoBTCAddress("deposit") + `"`, `{"name":"hops","value":"10"}`, `{"name":"follow-mixers","value":"true"}`} {
		if !strings.Contains(string(html), s) {
			t.Errorf("hound case report demo lacks %s", s)
		}
	}
	if r := hound(t, "case", "report", "no-such-case", "-o", filepath.Join(t.TempDir(), "x.html"), "--store", store); r.code != 2 ||
		!strings.Contains(r.stderr, `no case "no-such-case"`) {
		t.Errorf("hound case report of a missing case: exit %d, %s", r.code, r.stderr)
	}
}

// checkDemoReport opens the demo's report (hound demo --report) in headless
// Chromium, from disk: no console error and no request but for the file
// itself; the graph library holds the document's nodes and edges; a click
// on the exchange's node shows its freeze-request packet, the deposit
// addresses on both chains with their tainted amounts. A screenshot is left
// in $HOUND_ARTIFACTS (or the test's temporary directory).
func checkDemoReport(t *testing.T, file string, doc *report.Document, a demoCast) {
	b, watch, took := openReport(t, file, 1400, 1000)
	t.Logf("the demo's report was interactive %v after the navigation", took.Round(time.Millisecond))

	// The graph, through cytoscape's own API: every node and flow of the
	// document, with their ids.
	var graph struct {
		Nodes, Edges []string
		Cross        [][2]string
	}
	if err := b.eval(`({nodes: cy.nodes().map(n => n.id()), edges: cy.edges().map(e => e.id()),
		cross: cy.edges('.cross').map(e => [e.source().id(), e.target().id()])})`, &graph); err != nil {
		t.Fatal(err)
	}
	var nodes, edges []string
	for _, n := range doc.Nodes {
		nodes = append(nodes, n.ID)
	}
	for _, e := range doc.Edges {
		edges = append(edges, fmt.Sprint("e", e.ID))
	}
	slices.Sort(nodes)
	slices.Sort(edges)
	slices.Sort(graph.Nodes)
	slices.Sort(graph.Edges)
	if !slices.Equal(graph.Nodes, nodes) || !slices.Equal(graph.Edges, edges) {
		t.Errorf("the graph holds %d nodes and %d edges, want the document's %d and %d:\n%v\n%v",
			len(graph.Nodes), len(graph.Edges), len(nodes), len(edges), graph.Nodes, nodes)
	}
	lower := func(s string) string { return strings.ToLower(s) }
	exchange, deposit := "ethereum:"+lower(a.exchange.Hex()), "ethereum:"+lower(a.deposit.Hex())
	for _, id := range []string{"ethereum:" + lower(a.exploiter.Hex()), exchange, deposit} {
		if !slices.Contains(graph.Nodes, id) {
			t.Errorf("the graph lacks %s", id)
		}
	}
	// One cross-chain leg: the router's deposit paid out on Bitcoin.
	if len(graph.Cross) != 1 || !strings.HasPrefix(graph.Cross[0][0], "ethereum:") || !strings.HasPrefix(graph.Cross[0][1], "bitcoin:") {
		t.Errorf("cross-chain legs %v, want the bridge's one", graph.Cross)
	}

	// Click the exchange's node where cytoscape drew it.
	x, y, err := nodeCentre(b, exchange)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.click(x, y); err != nil {
		t.Fatal(err)
	}
	var panel string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if err := b.eval(`document.getElementById('panel').innerText`, &panel); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(panel, "Deposits to freeze") {
			break
		}
	}
	var selected bool
	if err := b.eval(`cy.getElementById(`+jsString(exchange)+`).selected()`, &selected); err != nil || !selected {
		t.Errorf("the click at (%.0f, %.0f) did not select the exchange's node (%v)", x, y, err)
	}
	for _, s := range []string{"Demo Exchange", "Deposits to freeze at Demo Exchange",
		lower(a.deposit.Hex()), "100 ETH", // the Ethereum deposit address, 100 ETH tainted
		demoBTCAddress("deposit"), "0.0019203 BTC", // the Bitcoin one, 192,030 sat tainted of 1,500,000
		"hound demo (a simulated scenario, not a real attribution)", // the exchange label's source
	} {
		if !strings.Contains(panel, s) {
			t.Errorf("the exchange's panel lacks %q:\n%s", s, panel)
		}
	}

	// Zoom with the mouse wheel over the graph, and search a transaction.
	var zoom [2]float64
	b.eval(`cy.zoom()`, &zoom[0])
	if err := b.page("Input.dispatchMouseEvent", map[string]any{"type": "mouseWheel", "x": x, "y": y, "deltaX": 0, "deltaY": -300}, nil); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && zoom[1] <= zoom[0]; time.Sleep(20 * time.Millisecond) {
		b.eval(`cy.zoom()`, &zoom[1])
	}
	if zoom[1] <= zoom[0] {
		t.Errorf("the wheel did not zoom in: %v", zoom)
	}
	dep := doc.Findings[slices.IndexFunc(doc.Findings, func(f report.Finding) bool { return f.Kind == "exchange_deposit" })]
	var found string
	if err := b.eval(`(() => { const s = document.getElementById('search'); s.value = `+jsString(dep.Tx)+`;
		s.dispatchEvent(new Event('change')); return document.getElementById('panel').innerText; })()`, &found); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(found, dep.Tx) || !strings.Contains(found, "Flow ") {
		t.Errorf("searching %s shows:\n%s", dep.Tx, found)
	}
	if err := b.eval(`document.getElementById('fit').click(), true`, nil); err != nil {
		t.Fatal(err)
	}
	if x, y, err = nodeCentre(b, exchange); err == nil {
		b.click(x, y) // the exchange's panel again, for the screenshot
	}
	path, err := b.screenshot(artifactDir(t), "demo-report.png")
	if err != nil {
		t.Error(err)
	} else {
		t.Logf("screenshot: %s", path)
	}

	problems, requests := watch.report()
	if len(problems) > 0 {
		t.Errorf("the page reported errors:\n%s", strings.Join(problems, "\n"))
	}
	if len(requests) > 0 {
		t.Errorf("the page made network requests: %v", requests)
	}
	// The watch itself works: it saw the page's own request, and it sees
	// a console error.
	if err := b.eval(`console.error('hound-probe'), true`, nil); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if problems, _ = watch.report(); len(problems) > 0 {
			break
		}
	}
	watch.mu.Lock()
	seen := watch.seen
	watch.mu.Unlock()
	if len(problems) != 1 || !strings.Contains(problems[0], "hound-probe") || seen == 0 {
		t.Errorf("the page watch saw %d request(s) and these errors after a probe: %v", seen, problems)
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
