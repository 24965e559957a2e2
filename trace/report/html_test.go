package report

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// pageOf writes the report of d and returns the page and the data its
// script reads.
func pageOf(t *testing.T, d *Document, opts HTMLOptions) (string, pageData) {
	t.Helper()
	var b bytes.Buffer
	if err := WriteHTML(&b, d, coins{}, opts); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	m := regexp.MustCompile(`(?s)<script type="application/json" id="hound-data">(.*?)</script>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no #hound-data in the page")
	}
	var data pageData
	if err := json.Unmarshal([]byte(m[1]), &data); err != nil {
		t.Fatalf("#hound-data: %v", err)
	}
	return page, data
}

// TestHTMLSelfContained: one file that loads nothing, whatever the labels
// say, with the document inside.
func TestHTMLSelfContained(t *testing.T) {
	page, data := pageOf(t, freezeDoc(), HTMLOptions{Title: `case <x> & "y"`})
	for _, s := range []string{
		"<!DOCTYPE html>",
		`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">`,
		"<title>case &lt;x&gt; &amp; &#34;y&#34;</title>",
		"Copyright (c) 2016-2026, The Cytoscape Consortium", // the library's licence header, inlined with it
	} {
		if !strings.Contains(page, s) {
			t.Errorf("the page lacks %s", s)
		}
	}
	// Three script elements, each closed once: no label can end one early.
	if n := strings.Count(strings.ToLower(page), "</script"); n != 3 {
		t.Errorf("%d </script in the page, want 3", n)
	}
	if strings.Contains(page, "<script>alert(1)") {
		t.Error("a label's text became markup")
	}
	if data.Doc.Nodes[0].Labels[0].Entity != "Test Thief </script><script>alert(1)</script>" {
		t.Errorf("the label came back as %q", data.Doc.Nodes[0].Labels[0].Entity)
	}
	// Nothing that could load anything: no element with a source or a
	// link, no CSS url() or @import, no fetch or XMLHttpRequest, in the
	// page's own files or the library.
	for name, src := range map[string]string{"report.html": pageHTML, "report.css": pageCSS, "report.js": pageJS} {
		for _, bad := range []string{"src=", "href=", "url(", "@import", "fetch(", "XMLHttpRequest", "import(", "<link", "<img", "<iframe"} {
			if strings.Contains(src, bad) {
				t.Errorf("%s contains %q", name, bad)
			}
		}
	}
	for _, bad := range []string{"fetch(", "XMLHttpRequest", "importScripts", "sourceMappingURL"} {
		if strings.Contains(cytoscapeJS, bad) {
			t.Errorf("the vendored library contains %q", bad)
		}
	}
	if data.Doc.Schema != Schema || len(data.Doc.Edges) != len(freezeDoc().Edges) || len(data.Freeze) != 6 ||
		!strings.HasPrefix(data.FreezeCSV["Ex A"], strings.Join(FreezeColumns, ",")+"\n") {
		t.Errorf("page data: %d edges, freeze %+v, csv %q", len(data.Doc.Edges), data.Freeze, data.FreezeCSV["Ex A"])
	}
}

// TestVendoredLibrary checks what assets/vendor.sh left: the pinned
// version, its licence, a build that can be inlined.
func TestVendoredLibrary(t *testing.T) {
	if v := strings.TrimSpace(cytoscapeVersion); !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(v) {
		t.Errorf("cytoscape.VERSION %q", v)
	}
	low := strings.ToLower(cytoscapeJS)
	if strings.Contains(low, "</script") || strings.Contains(low, "<!--") || len(cytoscapeJS) < 100_000 {
		t.Error("cytoscape.min.js cannot be inlined in a script element")
	}
	if !strings.HasPrefix(cytoscapeJS, "/**\n * Copyright (c) 2016-2026, The Cytoscape Consortium.") {
		t.Errorf("cytoscape.min.js starts %.60q", cytoscapeJS)
	}
}

// TestHTMLPage checks what hound computes for the page: categories, the
// layered layout, edge widths and kinds, totals per hop, and the
// reproducibility footer's hashes.
func TestHTMLPage(t *testing.T) {
	params := []Param{{"seeds", "ethereum:0xseed"}, {"model", "haircut"}, {"hops", "6"}}
	_, data := pageOf(t, freezeDoc(), HTMLOptions{Parameters: params})
	d := data.Doc
	byID := map[string]pageNode{}
	for i, n := range d.Nodes {
		byID[n.ID] = data.Nodes[i]
	}
	for id, cat := range map[string]string{
		"ethereum:0xseed":        "theft",    // a seed
		"ethereum:0xseed/0xusdt": "theft",    // the other seed
		"ethereum:0xd":           "deposit",  // found by the deposit-address heuristic
		"ethereum:0xx":           "exchange", // labelled
		"ethereum:0xrouter":      "bridge",   // known by its bridge finding
		"bitcoin:tx:aa":          "tx",       // a Bitcoin transaction
		"bitcoin:tx:cc":          "exchange", // the exchange's co-spend of its deposit
		"ethereum:0xhot2":        "exchange",
	} {
		if got := byID[id].Category; got != cat {
			t.Errorf("%s drawn as %q, want %q", id, got, cat)
		}
	}
	if l := byID["ethereum:0xd"].Label; l != "Ex A deposit" {
		t.Errorf("the deposit address's caption %q", l)
	}
	if l := byID["ethereum:0xseed/0xusdt"].Label; l != "0xseed (0xusdt)" {
		t.Errorf("the token seed's caption %q", l)
	}
	// Layers by hop, left to right: the seeds, then hop 1 (0xd, the
	// router, 0xhot2), hop 2 (0xx, aa), ...
	x := func(id string) float64 { return byID[id].X }
	if !(x("ethereum:0xseed") == 0 && x("ethereum:0xseed/0xusdt") == 0 && x("ethereum:0xd") > 0 &&
		x("ethereum:0xd") == x("ethereum:0xrouter") && x("ethereum:0xx") > x("ethereum:0xd") &&
		x("bitcoin:tx:aa") == x("ethereum:0xx") && x("bitcoin:tx:cc") > x("bitcoin:tx:bb")) {
		t.Errorf("layout %+v", byID)
	}
	// Widths: the largest flow of each asset is 10, others by the square
	// root of their share; the bridge leg crosses chains, the swap converts.
	for i, e := range d.Edges {
		p := data.Edges[i]
		switch {
		case e.ID == 0 && (p.Width != 10 || p.Kind != "swap"):
			t.Errorf("the swap edge %+v", p)
		case e.ID == 8 && (p.Kind != "cross" || p.Width != 10):
			t.Errorf("the bridge leg %+v", p)
		case e.ID == 12 && p.Width != 1:
			t.Errorf("a clean sweep is %v wide", p.Width)
		case e.ID == 1 && p.Width != 5.5: // 1 + 9·sqrt(5/20)
			t.Errorf("edge 1 is %v wide", p.Width)
		}
	}
	if len(data.Hops) == 0 || data.Hops[0] != (hopTotal{Hop: 1, Chain: "ethereum", Asset: "native", Flows: 7, Tainted: "43 ETH"}) {
		t.Errorf("hop totals %+v", data.Hops)
	}
	if len(data.Details) != len(d.Findings) || data.Details[2] != "swept 8 ETH (8 ETH tainted) to 0xx" {
		t.Errorf("details %q", data.Details)
	}

	r := data.Repro
	if r.Version != "test" || r.Model != "haircut" || len(r.Seeds) != 2 || r.Seeds[0].Labels[0].Source != "FBI PSA" ||
		r.Heights["bitcoin"] != 103 || len(r.Inputs) != 64 || len(r.Result) != 64 || !strings.HasPrefix(r.Library, "cytoscape ") || r.Generated != "" {
		t.Errorf("repro %+v", r)
	}
	// The same inputs hash the same; other parameters or heights do not.
	_, again := pageOf(t, freezeDoc(), HTMLOptions{Parameters: params})
	other := freezeDoc()
	other.Heights["ethereum"]++
	_, higher := pageOf(t, other, HTMLOptions{Parameters: params})
	_, deeper := pageOf(t, freezeDoc(), HTMLOptions{Parameters: []Param{{"seeds", "ethereum:0xseed"}, {"model", "haircut"}, {"hops", "7"}}})
	if again.Repro.Inputs != r.Inputs || again.Repro.Result != r.Result || higher.Repro.Inputs == r.Inputs || deeper.Repro.Inputs == r.Inputs || deeper.Repro.Result != r.Result {
		t.Errorf("hashes: %s %s %s %s", r.Inputs, again.Repro.Inputs, higher.Repro.Inputs, deeper.Repro.Inputs)
	}
}
