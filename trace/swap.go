package trace

import (
	"math/big"
	"slices"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/labels"
)

// swapKey names one address's conversion in one transaction.
type swapKey struct {
	tx      txKey
	address chains.Address
}

// convert follows the taint of outflow f of account node n across a
// conversion: in the same transaction the address sends this asset and
// receives others (a DEX swap, a wrap, an unwrap). Each inflow of another
// asset carries the tainted fraction of what the address sent of this one
// (Convert), as an edge into the address's node of that asset; the
// counterparty (the pair, the router, the wrapper) receives no taint, so a
// pool's reserves are never tainted. An asset the address passed on before
// f in the transaction is no part of it (a router that unwraps WETH and
// pays out the ether did not buy WETH with that ether). ok is false when
// the transaction is no conversion for the address after all (it received
// only this asset back, or only what it passed on).
func (w *walker) convert(n *node, f *chains.Flow, taint *big.Int, hop int) (ok bool, err error) {
	c, a, x := n.id.Chain, n.id.Address, n.id.Asset
	ts, err := w.transfers(c, f.Tx)
	if err != nil {
		return false, err
	}
	sent := new(big.Int)
	var got []*chains.Transfer
	var passedOn []chains.Asset // what the address sent on before this flow
	for i := range ts {
		t := &ts[i]
		switch {
		case t.Kind == chains.KindFee || t.From == t.To:
		case t.From == a && t.Asset == x:
			sent.Add(sent, t.Amount)
		case t.From == a && t.Pos.Less(f.Pos):
			passedOn = append(passedOn, t.Asset)
		}
	}
	for i := range ts {
		// What the address received of another asset, unless it passed
		// that asset on before this flow: a router that unwraps WETH for
		// a user and pays out the ether converted the WETH, but did not
		// buy the WETH with that ether.
		if t := &ts[i]; t.To == a && t.From != a && t.Asset != x && t.Kind != chains.KindFee && !slices.Contains(passedOn, t.Asset) {
			got = append(got, t)
		}
	}
	if len(got) == 0 || sent.Cmp(f.Amount) < 0 {
		return false, nil
	}
	var first *Edge
	for _, t := range got {
		tainted, err := Convert(t.Amount, sent, taint)
		if err != nil {
			return true, err
		}
		e := &Edge{ID: len(w.res.Edges), From: n.id, To: chains.AccountOf(c, a, t.Asset), Tx: f.Tx, Pos: t.Pos, Time: t.Time,
			Asset: t.Asset, Amount: t.Amount, Tainted: tainted, Kind: t.Kind, Address: a, Hop: hop, Via: f.Address, left: f.Pos}
		w.res.Edges = append(w.res.Edges, e)
		if first == nil {
			first = e
		}
		if tainted.Sign() > 0 {
			if err := w.deliver(e, &chains.Flow{Link: chains.Link{Pos: t.Pos}}, nil); err != nil {
				return true, err
			}
		}
	}
	k := swapKey{txKey{c, f.Tx}, a}
	if wraps := f.Kind == chains.KindUnwrap || got[0].Kind == chains.KindWrap; !wraps && !w.swapped[k] {
		w.swapped[k] = true
		entity, label := "", (*labels.Label)(nil)
		if w.lk != nil {
			for _, l := range w.lk.Lookup(c, f.Address) {
				entity, label = l.Entity, &l
				break
			}
		}
		w.res.Findings = append(w.res.Findings, Finding{Kind: FindingDEXSwap, Chain: c, Address: f.Address, Entity: entity,
			Edge: first, Hop: hop, Heuristic: "swap", Label: label, Confidence: 1})
	}
	return true, nil
}

// FanOutMin is how many distinct addresses a node must send tainted value
// to before the walk reports it as a fan_out.
const FanOutMin = 5

// fanOut counts the addresses account node n sent tainted value to and
// reports a fan_out once they reach FanOutMin.
func (w *walker) fanOut(n *node, e *Edge) {
	if len(n.fanout) >= FanOutMin || e.Address == n.id.Address || e.To.Kind == 0 || e.Kind == chains.KindFee || slices.Contains(n.fanout, e.Address) {
		return
	}
	n.fanout = append(n.fanout, e.Address)
	if len(n.fanout) == FanOutMin {
		w.res.Findings = append(w.res.Findings, Finding{Kind: FindingFanOut, Chain: n.id.Chain, Address: n.id.Address, Edge: e,
			Hop: e.Hop, Heuristic: "fan-out", Confidence: 1})
	}
}
