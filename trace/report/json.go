package report

import (
	"math/big"
	"strconv"
	"time"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/labels"
	"github.com/houndtrace/hound/trace"
)

// Schema names the JSON document.
const Schema = "hound.trace/v1"

// Assets names assets for display: symbol and decimals.
type Assets interface {
	Token(c chains.Chain, a chains.Asset) chains.Token
}

// Document is hound.trace/v1. Amounts are decimal strings in base units,
// with display fields in whole units beside them.
type Document struct {
	Schema   string            `json:"schema"`
	Version  string            `json:"version"`
	Model    string            `json:"model"`
	Seeds    []string          `json:"seeds"`
	Heights  map[string]uint64 `json:"heights"`
	Findings []Finding         `json:"findings"`
	Nodes    []Node            `json:"nodes"`
	Edges    []Edge            `json:"edges"`
}

// Finding is one finding of the document.
type Finding struct {
	Kind       string     `json:"kind"`
	Chain      string     `json:"chain"`
	Address    string     `json:"address"`
	Entity     string     `json:"entity"`
	Tx         string     `json:"tx"`
	Block      uint64     `json:"block"`
	Time       string     `json:"time"`
	Amount     string     `json:"amount"`
	Tainted    string     `json:"tainted"`
	Asset      string     `json:"asset"`
	Symbol     string     `json:"symbol,omitempty"`
	Display    string     `json:"tainted_display,omitempty"`
	Hop        int        `json:"hop"`
	Heuristic  string     `json:"heuristic"`
	Confidence string     `json:"confidence"`
	Path       []PathStep `json:"path"`
	Paths      int        `json:"paths"`
	Source     string     `json:"source"`
	Category   string     `json:"category,omitempty"`
	// Edge is the id of the tainted flow that reached the finding.
	EdgeID int `json:"edge"`
	// CoinJoin names the kind of a coinjoin finding.
	CoinJoin string `json:"coinjoin,omitempty"`
	// Length and Total describe a peel_chain finding.
	Length int    `json:"length,omitempty"`
	Total  string `json:"total,omitempty"`
	// Wallet is the exchange wallet an exchange_deposit swept to (or was
	// spent with); Forwarded and ForwardedTainted what it swept on.
	Wallet           string `json:"wallet,omitempty"`
	Forwarded        string `json:"forwarded,omitempty"`
	ForwardedTainted string `json:"forwarded_tainted,omitempty"`
	// Members are a cluster's addresses.
	Members []string `json:"members,omitempty"`
	// Denomination is a mixer pool's deposit amount.
	Denomination string `json:"denomination,omitempty"`
	// Destination, Decoded and Outbound describe a bridge finding: where
	// its memo sends the money, the memo in canonical form, and the payout
	// matched on the destination chain.
	Destination *Destination `json:"destination,omitempty"`
	Decoded     string       `json:"decoded,omitempty"`
	Outbound    *PathStep    `json:"outbound,omitempty"`
}

// Destination is a bridge memo's destination.
type Destination struct {
	Chain   string `json:"chain"`
	Address string `json:"address"`
	// THORName is set when the memo names a THORName, not an address.
	THORName string `json:"thorname,omitempty"`
}

// PathStep is one flow of a finding's path.
type PathStep struct {
	Chain   string `json:"chain"`
	Tx      string `json:"tx"`
	From    string `json:"from"`
	To      string `json:"to"`
	Asset   string `json:"asset"`
	Amount  string `json:"amount"`
	Tainted string `json:"tainted"`
}

// Node is one node the trace reached.
type Node struct {
	ID      string        `json:"id"`
	Chain   string        `json:"chain"`
	Address string        `json:"address"`
	Labels  []NodeLabel   `json:"labels"`
	Tainted []AssetAmount `json:"tainted"`
}

// NodeLabel is a label of a node.
type NodeLabel struct {
	Category string `json:"category"`
	Entity   string `json:"entity"`
	Source   string `json:"source"`
}

// AssetAmount is an amount of one asset.
type AssetAmount struct {
	Asset  string `json:"asset"`
	Amount string `json:"amount"`
}

// Edge is one tainted flow.
type Edge struct {
	ID      int    `json:"id"`
	Chain   string `json:"chain"`
	Tx      string `json:"tx"`
	Block   uint64 `json:"block"`
	Time    string `json:"time"`
	From    string `json:"from"`
	To      string `json:"to"`
	Asset   string `json:"asset"`
	Amount  string `json:"amount"`
	Tainted string `json:"tainted"`
	Hop     int    `json:"hop"`
}

// Build turns a result into the document. heights are the chains' stored
// heights; lk gives the labels of the nodes.
func Build(res *trace.Result, version string, heights map[chains.Chain]uint64, lk labels.Lookuper, assets Assets) *Document {
	d := &Document{Schema: Schema, Version: version, Model: res.Model.String(), Seeds: []string{}, Heights: map[string]uint64{},
		Findings: []Finding{}, Nodes: []Node{}, Edges: []Edge{}}
	for c, h := range heights {
		d.Heights[string(c)] = h
	}
	for _, s := range res.Seeds {
		d.Seeds = append(d.Seeds, s.String())
	}
	for i := range res.Findings {
		d.Findings = append(d.Findings, finding(&res.Findings[i], assets))
	}
	for _, e := range res.Edges {
		d.Edges = append(d.Edges, Edge{ID: e.ID, Chain: string(e.Chain()), Tx: txString(e.Chain(), e.Tx), Block: e.Pos.Block,
			Time: timeString(e.Time), From: e.From.String(), To: e.To.String(), Asset: string(e.Asset),
			Amount: e.Amount.String(), Tainted: e.Tainted.String(), Hop: e.Hop})
	}
	d.Nodes = nodes(res, lk)
	return d
}

func finding(f *trace.Finding, assets Assets) Finding {
	e := f.Edge
	amount, tainted := e.Amount, e.Tainted
	if f.Amount != nil {
		amount, tainted = f.Amount, f.Tainted
	}
	out := Finding{Kind: string(f.Kind), Chain: string(f.Chain), Address: string(f.Address), Entity: f.Entity,
		Tx: txString(e.Chain(), e.Tx), Block: e.Pos.Block, Time: timeString(e.Time), Amount: amount.String(),
		Tainted: tainted.String(), Asset: string(e.Asset), Hop: f.Hop, Heuristic: f.Heuristic,
		Confidence: strconv.FormatFloat(f.Confidence, 'f', -1, 64), Paths: f.Paths, Path: []PathStep{}, EdgeID: e.ID,
		Wallet: string(f.Wallet), Denomination: amountString(f.Denomination), Decoded: f.Decoded}
	if tok := assets.Token(f.Chain, e.Asset); tok.Known {
		out.Symbol, out.Display = tok.Symbol, Units(tainted, tok.Decimals)
	}
	if f.Label != nil {
		out.Source, out.Category = f.Label.Source, f.Label.Category.String()
	}
	switch f.Kind {
	case trace.FindingCoinJoin:
		out.CoinJoin, out.Address = string(f.CoinJoin), e.To.Tx.Format(f.Chain)
	case trace.FindingPeelChain:
		out.Length, out.Total, out.Address = f.Length, f.Total.String(), e.To.Tx.Format(f.Chain)
	case trace.FindingExchangeDeposit:
		out.Forwarded, out.ForwardedTainted = amountString(f.Forwarded), amountString(f.ForwardedTainted)
	case trace.FindingBridge:
		if f.DestChain != "" {
			out.Destination = &Destination{Chain: string(f.DestChain), Address: string(f.DestAddress), THORName: f.DestName}
		}
		if f.Outbound != nil {
			step := pathStep(f.Outbound)
			out.Outbound = &step
		}
	}
	for _, m := range f.Members {
		out.Members = append(out.Members, string(m))
	}
	for _, p := range f.Path {
		out.Path = append(out.Path, pathStep(p))
	}
	return out
}

func pathStep(p *trace.Edge) PathStep {
	return PathStep{Chain: string(p.Chain()), Tx: txString(p.Chain(), p.Tx), From: p.From.String(),
		To: p.To.String(), Asset: string(p.Asset), Amount: p.Amount.String(), Tainted: p.Tainted.String()}
}

// amountString writes an optional amount; nil is "".
func amountString(v *big.Int) string {
	if v == nil {
		return ""
	}
	return v.String()
}

// nodes lists the seeds and every node an edge entered, with their labels
// and the taint they received.
func nodes(res *trace.Result, lk labels.Lookuper) []Node {
	seen := map[chains.Node]bool{}
	var order []chains.Node
	add := func(n chains.Node) {
		if !seen[n] {
			seen[n] = true
			order = append(order, n)
		}
	}
	for _, s := range res.Seeds {
		add(s)
	}
	for _, e := range res.Edges {
		add(e.From)
		add(e.To)
	}
	var out []Node
	for _, n := range order {
		node := Node{ID: n.String(), Chain: string(n.Chain), Address: string(n.Address), Labels: []NodeLabel{}, Tainted: []AssetAmount{}}
		if n.Kind == chains.TxNode {
			node.Address = n.Tx.Format(n.Chain)
		}
		if lk != nil && n.Address != "" {
			for _, l := range lk.Lookup(n.Chain, n.Address) {
				node.Labels = append(node.Labels, NodeLabel{Category: l.Category.String(), Entity: l.Entity, Source: l.Source})
			}
		}
		if t := res.Tainted[n]; t != nil {
			node.Tainted = append(node.Tainted, AssetAmount{Asset: string(n.Asset), Amount: t.String()})
		}
		out = append(out, node)
	}
	return out
}

func txString(c chains.Chain, h chains.Hash) string {
	if h.IsZero() {
		return ""
	}
	return h.Format(c)
}

func timeString(t uint64) string {
	return time.Unix(int64(t), 0).UTC().Format(time.RFC3339)
}

// Units writes a base-unit amount in whole units, exactly.
func Units(v *big.Int, decimals uint8) string {
	s := new(big.Int).Abs(v).String()
	sign := ""
	if v.Sign() < 0 {
		sign = "-"
	}
	d := int(decimals)
	if d == 0 {
		return sign + s
	}
	for len(s) <= d {
		s = "0" + s
	}
	whole, frac := s[:len(s)-d], s[len(s)-d:]
	for len(frac) > 0 && frac[len(frac)-1] == '0' {
		frac = frac[:len(frac)-1]
	}
	if frac == "" {
		return sign + whole
	}
	return sign + whole + "." + frac
}

func chainOf(s string) chains.Chain { return chains.Chain(s) }

func assetOf(s string) chains.Asset { return chains.Asset(s) }
