package main

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/trace/report"
)

// BenchmarkReportInteractive measures how long the report of a large trace
// (5,000 nodes, 10,000 tainted flows, 400 findings) takes to become
// interactive in headless Chromium, opened from disk: from the navigation
// to window.houndReady (the graph drawn, the tables filled), to the first
// zoom with the mouse wheel, and to the first click on a node answered in
// the side panel; and the CPU time of the page's main thread until ready
// (its own cost, which a loaded machine does not inflate). Run it with
//
//	go test -run '^$' -bench ReportInteractive -benchtime 3x ./cmd/hound
//
// It needs Chromium (as the browser test); each run starts a fresh browser,
// which the times leave out.
func BenchmarkReportInteractive(b *testing.B) {
	doc := syntheticTrace(5000, 10000, 400)
	file := filepath.Join(b.TempDir(), "large.html")
	f, err := os.Create(file)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := report.WriteHTML(f, doc, benchAssets{}, report.HTMLOptions{Title: "5,000-node benchmark"}); err != nil {
		b.Fatal(err)
	}
	written := time.Since(start)
	f.Close()
	fi, _ := os.Stat(file)
	b.Logf("report of %d nodes, %d flows, %d findings: %.1f MB, written in %v", len(doc.Nodes), len(doc.Edges), len(doc.Findings),
		float64(fi.Size())/1e6, written.Round(time.Millisecond))

	var ready, zoomed, clicked, inPage, busy time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		br, watch, took := openReport(b, file, 1400, 1000)
		b.StartTimer()
		t0 := time.Now().Add(-took) // the navigation
		var at float64
		if err := br.eval(`window.houndReadyAt`, &at); err != nil {
			b.Fatal(err)
		}
		task, err := mainThreadCPU(br)
		if err != nil {
			b.Fatal(err)
		}
		// Zoom: the wheel over the graph's centre.
		var z0, z1 float64
		br.eval(`cy.zoom()`, &z0)
		var box struct{ X, Y float64 }
		if err := br.eval(`(() => { const r = cy.container().getBoundingClientRect(); return {x: r.left + r.width / 2, y: r.top + r.height / 2}; })()`, &box); err != nil {
			b.Fatal(err)
		}
		if err := br.page("Input.dispatchMouseEvent", map[string]any{"type": "mouseWheel", "x": box.X, "y": box.Y, "deltaX": 0, "deltaY": -400}, nil); err != nil {
			b.Fatal(err)
		}
		for deadline := time.Now().Add(30 * time.Second); z1 <= z0 && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			br.eval(`cy.zoom()`, &z1)
		}
		if z1 <= z0 {
			b.Fatal("the wheel did not zoom")
		}
		zoomDone := time.Now()
		// Click: an exchange's node, brought to the centre at a readable zoom.
		id := "ethereum:" + benchAddress("exchange", 0)
		if err := br.eval(`(() => { const n = cy.getElementById(`+jsString(id)+`); cy.zoom(1); cy.center(n); return true; })()`, nil); err != nil {
			b.Fatal(err)
		}
		x, y, err := nodeCentre(br, id)
		if err != nil {
			b.Fatal(err)
		}
		if err := br.click(x, y); err != nil {
			b.Fatal(err)
		}
		var panel string
		for deadline := time.Now().Add(30 * time.Second); !strings.Contains(panel, "Deposits to freeze") && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			br.eval(`document.getElementById('panel').innerText`, &panel)
		}
		if !strings.Contains(panel, "Deposits to freeze") {
			b.Fatalf("the click on %s did not show its panel:\n%.300s", id, panel)
		}
		clickDone := time.Now()
		ready += took
		zoomed += zoomDone.Sub(t0)
		clicked += clickDone.Sub(t0)
		inPage += time.Duration(at * float64(time.Millisecond))
		busy += task
		if problems, requests := watch.report(); len(problems)+len(requests) > 0 {
			b.Fatalf("problems %v, requests %v", problems, requests)
		}
		b.StopTimer()
		br.close()
		b.StartTimer()
	}
	n := float64(b.N)
	b.ReportMetric(float64(ready.Milliseconds())/n, "ms-ready")
	b.ReportMetric(float64(inPage.Milliseconds())/n, "ms-ready-in-page")
	b.ReportMetric(float64(busy.Milliseconds())/n, "ms-main-thread-cpu-to-ready")
	b.ReportMetric(float64(zoomed.Milliseconds())/n, "ms-first-zoom")
	b.ReportMetric(float64(clicked.Milliseconds())/n, "ms-first-click")
	b.ReportMetric(float64(fi.Size())/1e6, "MB")
}

// syntheticTrace is a trace document of the given size shaped like a
// laundering: five seeds fan out over six hops, a share of the nodes are
// labelled mixers and bridges, twenty exchanges wait at the last hop and
// the flows into them are exchange deposits, and a seventh of the last two
// hops' nodes are on Bitcoin (the flows into them cross chains).
func syntheticTrace(nodes, edges, findings int) *report.Document {
	rng := rand.New(rand.NewPCG(1, 2))
	d := &report.Document{Schema: report.Schema, Version: "bench", Model: "haircut", Heights: map[string]uint64{"ethereum": 20_000_000, "bitcoin": 850_000}}
	const hops, seeds, exchanges = 6, 5, 20
	layers := make([][]int, hops+1)
	add := func(l int, chain, addr string, label *report.NodeLabel) {
		n := report.Node{ID: chain + ":" + addr, Chain: chain, Address: addr, Labels: []report.NodeLabel{},
			Tainted: []report.AssetAmount{{Asset: "native", Amount: "1000000000000000000"}}}
		if label != nil {
			n.Labels = append(n.Labels, *label)
		}
		layers[l] = append(layers[l], len(d.Nodes))
		d.Nodes = append(d.Nodes, n)
	}
	for i := 0; i < seeds; i++ {
		add(0, "ethereum", benchAddress("seed", i), &report.NodeLabel{Category: "theft", Entity: "Bench Exploiter", Source: "bench"})
		d.Seeds = append(d.Seeds, d.Nodes[i].ID)
	}
	for i := 0; i < exchanges; i++ {
		add(hops, "ethereum", benchAddress("exchange", i), &report.NodeLabel{Category: "exchange", Entity: fmt.Sprintf("Exchange %d", i), Source: "bench"})
	}
	for i := 0; len(d.Nodes) < nodes; i++ {
		l := 1 + i%hops
		chain := "ethereum"
		if l >= hops-1 && i%7 == 0 {
			chain = "bitcoin"
		}
		var label *report.NodeLabel
		switch {
		case i%97 == 0:
			label = &report.NodeLabel{Category: "mixer", Entity: "Bench Pool", Source: "bench"}
		case i%89 == 0:
			label = &report.NodeLabel{Category: "bridge", Entity: "Bench Bridge", Source: "bench"}
		}
		add(l, chain, benchAddress("node", i), label)
	}
	t0 := int64(1_700_000_000)
	for i := 0; i < edges; i++ {
		l := 1 + i%hops
		from := d.Nodes[layers[l-1][rng.IntN(len(layers[l-1]))]]
		to := d.Nodes[layers[l][rng.IntN(len(layers[l]))]]
		if l == hops && (i/hops)%3 == 0 {
			to = d.Nodes[layers[hops][rng.IntN(exchanges)]] // into an exchange
			if from.Chain != "ethereum" {
				from = d.Nodes[layers[l-1][0]]
			}
		}
		amt := new(big.Int).Mul(big.NewInt(int64(1+rng.IntN(1000))), big.NewInt(1e15))
		tainted := new(big.Int).Div(new(big.Int).Mul(amt, big.NewInt(int64(1+rng.IntN(100)))), big.NewInt(100))
		if to.Chain == "bitcoin" {
			amt.Div(amt, big.NewInt(1e10))
			tainted.Div(tainted, big.NewInt(1e10))
		}
		d.Edges = append(d.Edges, report.Edge{ID: i, Chain: to.Chain, Tx: fmt.Sprintf("0x%064x", i+1), Block: uint64(1000 + i),
			Time: time.Unix(t0+int64(i)*12, 0).UTC().Format(time.RFC3339), From: from.ID, To: to.ID, Asset: "native",
			Amount: amt.String(), Tainted: tainted.String(), Hop: l})
		if to.Labels != nil && len(to.Labels) > 0 && to.Labels[0].Category == "exchange" && len(d.Findings) < findings {
			d.Findings = append(d.Findings, report.Finding{Kind: "exchange_deposit", Chain: "ethereum", Address: from.Address,
				Entity: to.Labels[0].Entity, Tx: fmt.Sprintf("0x%064x", i+1), Block: uint64(1000 + i), Time: d.Edges[i].Time,
				Amount: amt.String(), Tainted: tainted.String(), Asset: "native", Hop: l, Heuristic: "deposit-address", Confidence: "0.95",
				Path: []report.PathStep{}, Paths: 1, EdgeID: i, Wallet: to.Address, Forwarded: amt.String(), ForwardedTainted: tainted.String()})
		}
	}
	return d
}

func benchAddress(kind string, i int) string {
	return fmt.Sprintf("0x%s%0*d", kind, 40-len(kind), i)
}

// benchAssets names the native assets of the benchmark's chains.
type benchAssets struct{}

func (benchAssets) Token(c chains.Chain, a chains.Asset) chains.Token {
	switch {
	case a == chains.Native && c == chains.Bitcoin:
		return chains.Token{Asset: a, Symbol: "BTC", Decimals: 8, Known: true}
	case a == chains.Native:
		return chains.Token{Asset: a, Symbol: "ETH", Decimals: 18, Known: true}
	}
	return chains.Token{Asset: a}
}
