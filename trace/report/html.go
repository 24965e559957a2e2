package report

//go:generate bash assets/vendor.sh

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"math/big"
	"slices"
	"strings"
	"time"
)

// The report page is one HTML file: the graph library (cytoscape, vendored
// by assets/vendor.sh with its licence), the page's own script and style,
// and the document, all inlined. It loads nothing: a Content-Security-Policy
// of default-src 'none' forbids every request, so the file works offline,
// opened from disk.
var (
	//go:embed assets/cytoscape.min.js
	cytoscapeJS string
	//go:embed assets/cytoscape.VERSION
	cytoscapeVersion string
	//go:embed assets/report.html
	pageHTML string
	//go:embed assets/report.css
	pageCSS string
	//go:embed assets/report.js
	pageJS string

	pageTemplate = template.Must(template.New("report").Parse(pageHTML))
)

// HTMLOptions are what the page says beside the document.
type HTMLOptions struct {
	// Title heads the page, e.g. "case dprk".
	Title string
	// Parameters are the trace's parameters as given (seeds, actor, model,
	// hops, ...), in order: the reproducibility footer lists them and the
	// inputs hash covers them.
	Parameters []Param
	// Generated is when the report was written; zero leaves it out (and
	// the page stays the same bytes for the same document).
	Generated time.Time
}

// Param is one named parameter of a trace.
type Param struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// pageColours are the node colours by category: the DOT palette, and
// the categories only the page draws.
var pageColours = func() map[string]string {
	m := map[string]string{
		"deposit":    "#64b5f6", // an exchange deposit address (found, not labelled)
		"unlabelled": "#b0bec5",
		"tx":         "#eceff1", // a Bitcoin transaction
	}
	for k, v := range categoryColours {
		m[k] = v
	}
	return m
}()

// pageData is what the page's script reads (the JSON in #hound-data).
type pageData struct {
	Title   string               `json:"title"`
	Doc     *Document            `json:"doc"`
	Assets  map[string]pageAsset `json:"assets"` // by chain + " " + asset
	Colours map[string]string    `json:"colours"`
	// Nodes and Edges parallel Doc.Nodes and Doc.Edges.
	Nodes []pageNode `json:"nodes"`
	Edges []pageEdge `json:"edges"`
	// Details parallel Doc.Findings: what is particular to each, in words.
	Details []string    `json:"details"`
	Freeze  []FreezeRow `json:"freeze"`
	// FreezeCSV is the freeze-request CSV per exchange.
	FreezeCSV map[string]string `json:"freeze_csv"`
	Hops      []hopTotal        `json:"hops"`
	Repro     repro             `json:"repro"`
}

type pageAsset struct {
	Symbol   string `json:"symbol"`
	Decimals uint8  `json:"decimals"`
	Known    bool   `json:"known"`
}

// pageNode is where a node is drawn, how, and what it is.
type pageNode struct {
	Category string  `json:"c"`
	Label    string  `json:"l"`
	Entity   string  `json:"e,omitempty"`
	X        float64 `json:"x"`
	Y        float64 `json:"y"`
}

// pageEdge is how an edge is drawn: its width (by tainted amount, relative
// to the largest tainted flow of its asset) and whether it is a cross-chain
// leg or a conversion (a swap, a wrap).
type pageEdge struct {
	Width float64 `json:"w"`
	Kind  string  `json:"k,omitempty"`
}

type hopTotal struct {
	Hop     int    `json:"hop"`
	Chain   string `json:"chain"`
	Asset   string `json:"asset"`
	Flows   int    `json:"flows"`
	Tainted string `json:"tainted"`
}

// repro is the reproducibility footer.
type repro struct {
	Version    string            `json:"version"`
	Model      string            `json:"model"`
	Parameters []Param           `json:"parameters"`
	Heights    map[string]uint64 `json:"heights"`
	Seeds      []reproSeed       `json:"seeds"`
	// Inputs is the SHA-256 of the canonical JSON of the version, model,
	// parameters, seeds and heights; Result that of the document as the
	// page embeds it.
	Inputs    string `json:"inputs_sha256"`
	Result    string `json:"result_sha256"`
	Library   string `json:"library"`
	Generated string `json:"generated,omitempty"`
}

type reproSeed struct {
	Seed   string      `json:"seed"`
	Labels []NodeLabel `json:"labels"`
}

// WriteHTML writes the investigator's report: one self-contained page with
// the interactive flow graph, the findings, the freeze-request packet per
// exchange, a timeline of the tainted flows, the totals per hop and a
// reproducibility footer.
func WriteHTML(w io.Writer, d *Document, assets Assets, opts HTMLOptions) error {
	data, err := buildPage(d, assets, opts)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(data) // escapes <, > and &: nothing in it can end the script element
	if err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	title := opts.Title
	if title == "" {
		title = "hound trace"
	}
	var b bytes.Buffer
	err = pageTemplate.Execute(&b, map[string]any{
		"Title":   title,
		"CSS":     template.CSS(pageCSS),
		"Data":    template.JS(raw),
		"Library": template.JS(cytoscapeJS),
		"Page":    template.JS(pageJS),
	})
	if err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	_, err = w.Write(b.Bytes())
	return err
}

func buildPage(d *Document, assets Assets, opts HTMLOptions) (*pageData, error) {
	docJSON, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("html report: %w", err)
	}
	data := &pageData{Title: opts.Title, Doc: d, Assets: map[string]pageAsset{}, Colours: pageColours,
		FreezeCSV: map[string]string{}}
	addAsset := func(chain, asset string) {
		k := chain + " " + asset
		if _, ok := data.Assets[k]; !ok {
			t := assets.Token(chainOf(chain), assetOf(asset))
			data.Assets[k] = pageAsset{Symbol: t.Symbol, Decimals: t.Decimals, Known: t.Known}
		}
	}
	for _, e := range d.Edges {
		addAsset(e.Chain, e.Asset)
	}
	for _, f := range d.Findings {
		addAsset(f.Chain, f.Asset)
		for _, p := range f.Path {
			addAsset(p.Chain, p.Asset)
		}
		if f.Outbound != nil {
			addAsset(f.Outbound.Chain, f.Outbound.Asset)
		}
	}
	for _, n := range d.Nodes {
		for _, t := range n.Tainted {
			addAsset(n.Chain, t.Asset)
		}
	}
	data.Nodes = pageNodes(d, assets)
	data.Edges = pageEdges(d)
	for i := range d.Findings {
		data.Details = append(data.Details, detail(&d.Findings[i], assets))
	}
	data.Freeze = Freeze(d, assets)
	byExchange := map[string][]FreezeRow{}
	for _, r := range data.Freeze {
		byExchange[r.Exchange] = append(byExchange[r.Exchange], r)
	}
	for ex, rows := range byExchange {
		var b bytes.Buffer
		if err := writeFreezeRows(&b, rows); err != nil {
			return nil, err
		}
		data.FreezeCSV[ex] = b.String()
	}
	data.Hops = hopTotals(d, assets)
	data.Repro = reproOf(d, opts, docJSON)
	return data, nil
}

// nodeCategories say what each node is drawn as: a seed is a theft source; a
// label says the rest; an unlabelled node takes the kind of what was
// found at it (a deposit address, a pool known by its events, a router);
// the transaction an exchange spent a deposit in is the exchange's.
func nodeCategories(d *Document) (cats, entities map[string]string) {
	cats, entities = map[string]string{}, map[string]string{}
	at := map[string]string{} // chain + " " + address -> node id, for account nodes
	for _, n := range d.Nodes {
		if _, ok := at[n.Chain+" "+n.Address]; !ok {
			at[n.Chain+" "+n.Address] = n.ID
		}
	}
	edgeTo := map[int]string{}
	for _, e := range d.Edges {
		edgeTo[e.ID] = e.To
	}
	found := map[string]string{} // node id -> category from findings
	for _, f := range d.Findings {
		cat := ""
		switch f.Kind {
		case "exchange_deposit":
			cat = "deposit"
			if to, ok := edgeTo[f.EdgeID]; ok && found[to] == "" && !chainOf(f.Chain).IsEVM() {
				found[to], entities[to] = "exchange", f.Entity // the exchange's co-spend
			}
		case "exchange":
			cat = "exchange"
		case "mixer":
			cat = "mixer"
		case "bridge":
			cat = "bridge"
		case "dex_swap":
			cat = "dex"
		case "service":
			cat = "service"
		}
		if cat == "" {
			continue
		}
		for _, n := range d.Nodes {
			if n.Chain == f.Chain && n.Address == f.Address && found[n.ID] == "" {
				found[n.ID] = cat
				if f.Entity != "" {
					entities[n.ID] = f.Entity
				}
			}
		}
	}
	seeds := map[string]bool{}
	for _, s := range d.Seeds {
		seeds[s] = true
	}
	for _, n := range d.Nodes {
		c := "unlabelled"
		switch {
		case seeds[n.ID]:
			c = "theft"
		case len(n.Labels) > 0:
			c = n.Labels[0].Category
			if _, ok := pageColours[c]; !ok {
				c = "service"
			}
		case found[n.ID] != "":
			c = found[n.ID]
		case strings.HasSuffix(n.ID, ":tx:"+n.Address):
			c = "tx"
		}
		cats[n.ID] = c
		if len(n.Labels) > 0 {
			entities[n.ID] = n.Labels[0].Entity
		}
	}
	return cats, entities
}

// pageNodes places the nodes in layers by hop, left to right: seeds at 0,
// every other node at the lowest hop of the flows that enter it. Within a
// layer nodes are ordered by the mean height of their predecessors (the
// barycentre heuristic, one sweep), and a layer of many nodes wraps into
// several columns. The layout is computed here once, so the page needs no
// force simulation: 5,000 nodes draw at once.
func pageNodes(d *Document, assets Assets) []pageNode {
	cats, entities := nodeCategories(d)
	layer := map[string]int{}
	for _, s := range d.Seeds {
		layer[s] = 0
	}
	for _, e := range d.Edges {
		if _, ok := layer[e.From]; !ok {
			layer[e.From] = max(e.Hop-1, 0)
		}
		if l, ok := layer[e.To]; !ok || e.Hop < l {
			layer[e.To] = e.Hop
		}
	}
	preds := map[string][]string{}
	for _, e := range d.Edges {
		if layer[e.From] < layer[e.To] {
			preds[e.To] = append(preds[e.To], e.From)
		}
	}
	layers := map[int][]int{} // layer -> indexes into d.Nodes
	maxLayer := 0
	for i, n := range d.Nodes {
		l := layer[n.ID]
		layers[l] = append(layers[l], i)
		maxLayer = max(maxLayer, l)
	}
	const colGap, rowGap, layerGap = 120.0, 64.0, 90.0
	out := make([]pageNode, len(d.Nodes))
	y := map[string]float64{}
	x := 0.0
	for l := 0; l <= maxLayer; l++ {
		idx := layers[l]
		if len(idx) == 0 {
			continue
		}
		key := map[int]float64{}
		for k, i := range idx {
			key[i] = float64(k) * 1e-6 // keeps the document's order among equals
			if ps := preds[d.Nodes[i].ID]; len(ps) > 0 {
				sum := 0.0
				for _, p := range ps {
					sum += y[p]
				}
				key[i] += sum / float64(len(ps))
			} else {
				key[i] += math.Inf(-1)
			}
		}
		slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(key[a], key[b]) })
		rows := max(24, int(math.Ceil(4*math.Sqrt(float64(len(idx))))))
		cols := (len(idx) + rows - 1) / rows
		rows = (len(idx) + cols - 1) / cols
		for k, i := range idx {
			n := d.Nodes[i]
			row, col := k/cols, k%cols
			p := pageNode{Category: cats[n.ID], Entity: entities[n.ID], X: x + float64(col)*colGap,
				Y: (float64(row) - float64(rows-1)/2) * rowGap}
			if col%2 == 1 {
				p.Y += rowGap / 2 // stagger the columns of a wrapped layer, so that labels do not line up
			}
			p.Label = nodeLabel(n, p, assets)
			out[i], y[n.ID] = p, p.Y
		}
		x += float64(cols)*colGap + layerGap
	}
	return out
}

// nodeLabel is a node's caption: its entity (an exchange's deposit
// address says so), else its address shortened; a token's node adds the
// token's symbol.
func nodeLabel(n Node, p pageNode, assets Assets) string {
	s := short(n.Address)
	switch {
	case p.Category == "tx":
		return "tx " + s
	case p.Category == "deposit" && p.Entity != "":
		s = p.Entity + " deposit"
	case p.Entity != "":
		s = p.Entity
	}
	if i := strings.LastIndex(n.ID, "/"); i > 0 {
		asset := n.ID[i+1:]
		if t := assets.Token(chainOf(n.Chain), assetOf(asset)); t.Known {
			s += " (" + t.Symbol + ")"
		} else {
			s += " (" + short(asset) + ")"
		}
	}
	return s
}

// pageEdges sizes the edges by tainted amount, relative to the largest
// tainted flow of the same chain and asset (amounts of different assets do
// not compare), and marks cross-chain legs and conversions.
func pageEdges(d *Document) []pageEdge {
	chainOfNode, addrOfNode := map[string]string{}, map[string]string{}
	for _, n := range d.Nodes {
		chainOfNode[n.ID], addrOfNode[n.ID] = n.Chain, n.Address
	}
	maxOf := map[string]*big.Int{}
	for _, e := range d.Edges {
		t, ok := new(big.Int).SetString(e.Tainted, 10)
		k := e.Chain + " " + e.Asset
		if ok && (maxOf[k] == nil || t.Cmp(maxOf[k]) > 0) {
			maxOf[k] = t
		}
	}
	out := make([]pageEdge, len(d.Edges))
	for i, e := range d.Edges {
		ratio := 0.0
		if t, ok := new(big.Int).SetString(e.Tainted, 10); ok && maxOf[e.Chain+" "+e.Asset].Sign() > 0 {
			ratio, _ = new(big.Rat).SetFrac(t, maxOf[e.Chain+" "+e.Asset]).Float64()
		}
		p := pageEdge{Width: math.Round((1+9*math.Sqrt(ratio))*10) / 10}
		switch {
		case chainOfNode[e.From] != chainOfNode[e.To]:
			p.Kind = "cross"
		case addrOfNode[e.From] == addrOfNode[e.To] && e.From != e.To:
			p.Kind = "swap"
		}
		out[i] = p
	}
	return out
}

// hopTotals are the tainted flows and value per hop, chain and asset.
func hopTotals(d *Document, assets Assets) []hopTotal {
	type key struct {
		hop          int
		chain, asset string
	}
	sums := map[key]*big.Int{}
	flows := map[key]int{}
	var order []key
	for _, e := range d.Edges {
		k := key{e.Hop, e.Chain, e.Asset}
		if sums[k] == nil {
			sums[k] = new(big.Int)
			order = append(order, k)
		}
		if t, ok := new(big.Int).SetString(e.Tainted, 10); ok {
			sums[k].Add(sums[k], t)
		}
		flows[k]++
	}
	slices.SortStableFunc(order, func(a, b key) int { return cmp.Compare(a.hop, b.hop) })
	out := []hopTotal{}
	for _, k := range order {
		out = append(out, hopTotal{Hop: k.hop, Chain: k.chain, Asset: k.asset, Flows: flows[k],
			Tainted: amount(sums[k].String(), k.asset, k.chain, assets)})
	}
	return out
}

func reproOf(d *Document, opts HTMLOptions, docJSON []byte) repro {
	r := repro{Version: d.Version, Model: d.Model, Parameters: opts.Parameters, Heights: d.Heights, Seeds: []reproSeed{},
		Library: "cytoscape " + strings.TrimSpace(cytoscapeVersion)}
	if r.Parameters == nil {
		r.Parameters = []Param{}
	}
	if !opts.Generated.IsZero() {
		r.Generated = opts.Generated.UTC().Format(time.RFC3339)
	}
	labelsOf := map[string][]NodeLabel{}
	for _, n := range d.Nodes {
		labelsOf[n.ID] = n.Labels
	}
	for _, s := range d.Seeds {
		ls := labelsOf[s]
		if ls == nil {
			ls = []NodeLabel{}
		}
		r.Seeds = append(r.Seeds, reproSeed{Seed: s, Labels: ls})
	}
	inputs, _ := json.Marshal(struct {
		Version    string            `json:"version"`
		Model      string            `json:"model"`
		Parameters []Param           `json:"parameters"`
		Seeds      []string          `json:"seeds"`
		Heights    map[string]uint64 `json:"heights"`
	}{d.Version, d.Model, r.Parameters, d.Seeds, d.Heights})
	sum := sha256.Sum256(inputs)
	r.Inputs = hex.EncodeToString(sum[:])
	sum = sha256.Sum256(docJSON)
	r.Result = hex.EncodeToString(sum[:])
	return r
}
