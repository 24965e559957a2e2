package trace

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/labels"
)

// ScreenOptions bound a screen. The zero value looks 6 hops back under
// Haircut, over a cone of at most 10,000 nodes, for DPRK's thefts.
type ScreenOptions struct {
	Model Model
	// Hops bounds the paths from a source to the subject, in hops as a
	// trace counts them; the backward cone reaches twice as many nodes
	// back, since one hop can pass through several (a router, a swap).
	Hops int
	// Cone is the most nodes the cone holds; a larger one is cut, and the
	// exposure says it is incomplete.
	Cone int
	// Actor names the attributed sources: every theft label, and the
	// sanctioned labels of this actor (default DPRK).
	Actor   string
	Mainnet bool
	// Paths is how many paths the exposure keeps as evidence (default 3).
	Paths int
}

// Defaults of ScreenOptions.
const (
	DefaultScreenHops  = 6
	DefaultScreenCone  = 10000
	DefaultScreenPaths = 3
)

func (o ScreenOptions) withDefaults() ScreenOptions {
	if o.Hops <= 0 {
		o.Hops = DefaultScreenHops
	}
	if o.Cone <= 0 {
		o.Cone = DefaultScreenCone
	}
	if o.Actor == "" {
		o.Actor = labels.DPRK
	}
	if o.Paths <= 0 {
		o.Paths = DefaultScreenPaths
	}
	return o
}

// Exposure is a screen's answer: how much of what a subject received
// derives from attributed sources.
type Exposure struct {
	// Seen is false when the store holds nothing of the subject: its
	// exposure is unknown, not zero.
	Seen bool
	// Complete is false when the cone was cut at ScreenOptions.Cone nodes.
	Complete bool
	// Cone counts the nodes of the backward cone.
	Cone int
	// Assets holds, per asset the subject received, the inflow and its
	// tainted parts: Direct from an attributed source as the counterparty,
	// Indirect from further back.
	Assets []AssetExposure
	// Paths are the paths that carried the most taint to the subject, from
	// a source, most first.
	Paths [][]*Edge
	// Sources are the labels of the attributed sources those paths start
	// at (or the subject's own, when it is attributed itself).
	Sources []labels.Label
}

// AssetExposure is the exposure in one asset.
type AssetExposure struct {
	Asset                    chains.Asset
	Inflow, Direct, Indirect *big.Int
}

// Tainted returns Direct + Indirect.
func (a *AssetExposure) Tainted() *big.Int { return new(big.Int).Add(a.Direct, a.Indirect) }

// target is one inflow of the subject: where its edge would be.
type target struct {
	node   chains.Node // the node the edge enters (account) or leaves (UTXO output)
	pos    chains.Pos
	asset  chains.Asset
	amount *big.Int
	from   bool // node is the edge's From (a UTXO output) rather than its To
}

// Screen works out sub's exposure to attributed sources: it collects the
// backward cone of what the subject received (up to opts.Hops steps back,
// following swaps to the other assets of an address and THORChain payouts
// to their inbound deposits), finds the attributed sources inside it, and
// walks their taint forward over the cone alone, under opts.Model, to the
// subject's inflows. A subject is an address (every inflow of every asset),
// a transaction (its transfers, or its outputs) or one deposit of it.
func Screen(ctx context.Context, g Graph, lk labels.Lookuper, sub chains.Subject, opts ScreenOptions) (*Exposure, error) {
	opts = opts.withDefaults()
	targets, starts, err := screenTargets(ctx, g, sub)
	if err != nil {
		return nil, err
	}
	x := &Exposure{Seen: len(targets) > 0, Complete: true}
	byAsset := map[chains.Asset]*AssetExposure{}
	for _, t := range targets {
		if byAsset[t.asset] == nil {
			byAsset[t.asset] = &AssetExposure{}
			x.Assets = append(x.Assets, AssetExposure{Asset: t.asset, Inflow: new(big.Int), Direct: new(big.Int), Indirect: new(big.Int)})
		}
	}
	for i := range x.Assets {
		byAsset[x.Assets[i].Asset] = &x.Assets[i]
	}
	for _, t := range targets {
		a := byAsset[t.asset]
		a.Inflow.Add(a.Inflow, t.amount)
	}
	if !x.Seen {
		return x, nil
	}
	if !sub.IsTx {
		if l := source(lk, sub.Chain, sub.Address, opts.Actor); l != nil {
			// The subject is attributed itself: all it received is the
			// source's.
			for _, a := range byAsset {
				a.Direct.Set(a.Inflow)
			}
			x.Sources = []labels.Label{*l}
			return x, nil
		}
	}
	cone, complete, err := backwardCone(ctx, g, starts, opts)
	if err != nil {
		return nil, err
	}
	x.Cone, x.Complete = len(cone), complete
	var seeds []chains.Node
	seedLabels := map[chains.Node]labels.Label{}
	for n := range cone {
		if n.Kind == chains.TxNode {
			continue
		}
		if l := source(lk, n.Chain, n.Address, opts.Actor); l != nil {
			seeds = append(seeds, n)
			seedLabels[n] = *l
		}
	}
	if len(seeds) == 0 {
		return x, nil
	}
	slices.SortFunc(seeds, func(a, b chains.Node) int { return compareNodes(a, b) })
	res, err := Trace(ctx, g, lk, seeds, Options{Model: opts.Model, Hops: opts.Hops, Mainnet: opts.Mainnet,
		Within: func(n chains.Node) bool { return cone[n] }, KeepPaths: true})
	if err != nil {
		return nil, err
	}
	type place struct {
		node chains.Node
		pos  chains.Pos
	}
	want := map[place]*target{}
	for i := range targets {
		want[place{targets[i].node, targets[i].pos}] = &targets[i]
	}
	var hits []*Edge
	for _, e := range res.Edges {
		// An output's target is its creating transaction's; the edge may
		// come from elsewhere (a bridge payout's comes from the router).
		t := want[place{chains.TxOf(e.Chain(), e.Tx), e.Pos}]
		if e.Kind != chains.KindOutput || t == nil || !t.from {
			if t = want[place{e.To, e.Pos}]; t == nil || t.from {
				continue
			}
		}
		a := byAsset[t.asset]
		if e.Hop <= 1 {
			a.Direct.Add(a.Direct, e.Tainted)
		} else {
			a.Indirect.Add(a.Indirect, e.Tainted)
		}
		hits = append(hits, e)
	}
	slices.SortStableFunc(hits, func(a, b *Edge) int { return b.Tainted.Cmp(a.Tainted) })
	seen := map[chains.Node]bool{}
	for _, e := range hits[:min(len(hits), opts.Paths)] {
		p := res.PathTo(e)
		x.Paths = append(x.Paths, p)
		if l, ok := seedLabels[p[0].From]; ok && !seen[p[0].From] {
			seen[p[0].From] = true
			x.Sources = append(x.Sources, l)
		}
	}
	return x, nil
}

// source returns the label that makes address a an attributed source.
func source(lk labels.Lookuper, c chains.Chain, a chains.Address, actor string) *labels.Label {
	if lk == nil || a == "" {
		return nil
	}
	for _, l := range lk.Lookup(c, a) {
		if IsSource(&l, actor) {
			return &l
		}
	}
	return nil
}

// IsSource reports whether a label makes its address an attributed source
// of a screen: a theft, or a sanctioned address of actor.
func IsSource(l *labels.Label, actor string) bool {
	return l.Category == labels.Theft || (l.Category == labels.Sanctioned && l.Actor == actor)
}

// Exposed says whose exposure an edge adds to, as a screen counts it: the
// address and asset it paid (a UTXO output's address, in the native
// asset), and the deposit it is (its transaction and the transfer's
// ordinal, or the output's index).
func Exposed(e *Edge) (a chains.Address, asset chains.Asset, tx chains.Hash, index uint32) {
	if e.Kind == chains.KindOutput {
		return e.Address, chains.Native, e.Tx, e.Pos.Index &^ (1 << 31)
	}
	return e.To.Address, e.To.Asset, e.Tx, e.Pos.Index
}

// compareNodes orders nodes for a deterministic seed list.
func compareNodes(a, b chains.Node) int {
	switch {
	case a.String() < b.String():
		return -1
	case a.String() > b.String():
		return 1
	}
	return 0
}

// screenTargets lists the subject's inflows and the nodes its backward cone
// starts from.
func screenTargets(ctx context.Context, g Graph, sub chains.Subject) ([]target, []chains.Node, error) {
	c := sub.Chain
	var targets []target
	var starts []chains.Node
	switch {
	case !sub.IsTx && c.IsEVM():
		assets, err := g.Assets(ctx, c, sub.Address)
		if err != nil {
			return nil, nil, err
		}
		for _, asset := range assets {
			n := chains.AccountOf(c, sub.Address, asset)
			starts = append(starts, n)
			err := g.Flows(ctx, n, func(f chains.Flow) error {
				if f.In && f.Kind != chains.KindFee {
					targets = append(targets, target{node: n, pos: f.Pos, asset: asset, amount: f.Amount})
				}
				return nil
			})
			if err != nil {
				return nil, nil, err
			}
		}
	case !sub.IsTx:
		n := chains.HoldingOf(c, sub.Address)
		err := g.Flows(ctx, n, func(f chains.Flow) error {
			if f.In {
				targets = append(targets, target{node: f.Other, pos: f.Pos, asset: chains.Native, amount: f.Amount, from: true})
				starts = append(starts, f.Other)
			}
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
		starts = append(starts, n)
	case c.IsEVM():
		proto, ok := g.(Protocol)
		if !ok {
			return nil, nil, errors.New("screening a transaction needs the store's transaction index")
		}
		ts, err := proto.TxTransfers(ctx, c, sub.Tx)
		if err != nil {
			return nil, nil, notSeen(err)
		}
		for _, t := range ts {
			if t.Kind == chains.KindFee || (sub.HasIndex && t.Pos.Index != sub.Index) {
				continue
			}
			to := chains.AccountOf(c, t.To, t.Asset)
			targets = append(targets, target{node: to, pos: t.Pos, asset: t.Asset, amount: t.Amount})
			starts = append(starts, to, chains.AccountOf(c, t.From, t.Asset))
		}
	default:
		n := chains.TxOf(c, sub.Tx)
		err := g.Flows(ctx, n, func(f chains.Flow) error {
			vout := f.Pos.Index &^ (1 << 31)
			if !f.In && f.Script != chains.ScriptNullData && (!sub.HasIndex || vout == sub.Index) {
				targets = append(targets, target{node: n, pos: f.Pos, asset: chains.Native, amount: f.Amount, from: true})
			}
			return nil
		})
		if err != nil {
			return nil, nil, notSeen(err)
		}
		starts = append(starts, n)
	}
	return targets, starts, nil
}

// notSeen turns "no such transaction" into an empty answer: the subject is
// unknown to the store, which is not an error.
func notSeen(err error) error {
	if errors.Is(err, chains.ErrNotFound) {
		return nil
	}
	return err
}

// backwardCone collects the nodes that value reached the start nodes from,
// breadth first, up to 2·opts.Hops steps and opts.Cone nodes. Beyond plain
// inflows it steps from an address's node to its nodes of other assets
// (a swap paid for one asset with another) and from a THORChain payout to
// the inbound deposit its OUT:<hash> memo names.
func backwardCone(ctx context.Context, g Graph, starts []chains.Node, opts ScreenOptions) (map[chains.Node]bool, bool, error) {
	proto, _ := g.(Protocol)
	cone := map[chains.Node]bool{}
	type item struct {
		n     chains.Node
		depth int
	}
	var queue []item
	add := func(n chains.Node, depth int) bool {
		if n.Kind == 0 || n.Address == chains.FeeSink || n.Address == chains.BeaconSink || cone[n] {
			return true
		}
		if len(cone) >= opts.Cone {
			return false
		}
		cone[n] = true
		queue = append(queue, item{n, depth})
		return true
	}
	complete := true
	for _, s := range starts {
		complete = add(s, 0) && complete
	}
	assetsSeen := map[chains.Address]bool{}
	for len(queue) > 0 && complete {
		it := queue[0]
		queue = queue[1:]
		if it.depth >= 2*opts.Hops {
			continue // a hop can pass several nodes (a router, a swap): the cone reaches twice as far
		}
		n := it.n
		var more []chains.Node
		err := g.Flows(ctx, n, func(f chains.Flow) error {
			switch {
			case f.In:
				more = append(more, f.Other)
			case n.Kind == chains.TxNode && f.Script == chains.ScriptNullData && proto != nil:
				in, ok := chains.OutboundOf(string(f.Data))
				if !ok {
					return nil
				}
				inbound, err := bridgeInbound(ctx, proto, in)
				more = append(more, inbound...)
				return err
			}
			return nil
		})
		if err != nil {
			return nil, false, fmt.Errorf("cone at %s: %w", n, err)
		}
		if n.Kind == chains.AccountNode && !assetsSeen[n.Address] {
			assetsSeen[n.Address] = true
			assets, err := g.Assets(ctx, n.Chain, n.Address)
			if err != nil {
				return nil, false, err
			}
			for _, a := range assets {
				more = append(more, chains.AccountOf(n.Chain, n.Address, a))
			}
		}
		for _, m := range more {
			if !add(m, it.depth+1) {
				complete = false
				break
			}
		}
	}
	return cone, complete, nil
}

// bridgeInbound returns the nodes of an inbound bridge deposit: the
// depositor, the router and the vault of the router's Deposit event in
// transaction h, on whichever account chain holds it.
func bridgeInbound(ctx context.Context, proto Protocol, h chains.Hash) ([]chains.Node, error) {
	for _, c := range chains.Known {
		if !c.IsEVM() {
			continue
		}
		evs, err := proto.TxEvents(ctx, c, h)
		if err != nil {
			if notSeen(err) == nil {
				continue
			}
			return nil, err
		}
		var out []chains.Node
		for _, ev := range evs {
			if ev.Kind == chains.EventBridgeDeposit {
				out = append(out, chains.AccountOf(c, ev.From, ev.Asset), chains.AccountOf(c, ev.Contract, ev.Asset), chains.AccountOf(c, ev.To, ev.Asset))
			}
		}
		return out, nil
	}
	return nil, nil
}
