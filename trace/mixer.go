package trace

import (
	"fmt"
	"math/big"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/labels"
)

// Confidences of the heuristics that link a mixer withdrawal to a deposit
// (Tutela's and Wang et al.'s Tornado heuristics; METHODS.md section 3).
// They are Hound's own weights, not measured rates: a user re-seeding from
// an exit should know the link is a guess.
const (
	// ConfidenceAddressMatch: the depositor withdraws to itself from the
	// same pool.
	ConfidenceAddressMatch = 0.9
	// ConfidenceLinkedAddresses: the recipient and the depositor traded
	// with each other in at least LinkedTxs transactions outside the pool.
	ConfidenceLinkedAddresses = 0.7
	// LinkedTxs is the linked-addresses heuristic's threshold.
	LinkedTxs = 3
)

// protocolEvent makes the finding of a tainted edge into an address a
// protocol event of the same transaction names: a deposit into a mixer
// pool, a deposit into a bridge router or its vault. stop says the branch
// ends there.
func (w *walker) protocolEvent(e *Edge) (stop bool, err error) {
	evs, err := w.events(e.To.Chain, e.Tx)
	if err != nil {
		return false, err
	}
	for i := range evs {
		ev := &evs[i]
		switch {
		case ev.Kind == chains.EventMixerDeposit && ev.Contract == e.Address:
			return true, w.mixer(e, ev)
		case ev.Kind == chains.EventBridgeDeposit && (ev.Contract == e.Address || ev.To == e.Address):
			m, err := ParseMemo(ev.Memo)
			if err != nil {
				m = Memo{Raw: ev.Memo, Func: MemoOther}
			}
			return true, w.bridge(e, m, ev.Contract, ev)
		}
	}
	return false, nil
}

// labelOf returns the first of an address's labels in one of the
// categories, if any.
func (w *walker) labelOf(c chains.Chain, a chains.Address, cats ...labels.Category) *labels.Label {
	if w.lk == nil {
		return nil
	}
	for _, l := range w.lk.Lookup(c, a) {
		for _, cat := range cats {
			if l.Category == cat {
				return &l
			}
		}
	}
	return nil
}

// mixer reports a tainted deposit into a pool recognised by its Deposit
// event, and the pool's later withdrawals the heuristics link to it; with
// FollowMixers the trace goes on from those.
func (w *walker) mixer(e *Edge, dep *chains.Event) error {
	c, pool := e.To.Chain, dep.Contract
	entity := "Tornado-style pool"
	l := w.labelOf(c, pool, labels.Mixer)
	if l != nil {
		entity = l.Entity
	}
	w.res.Findings = append(w.res.Findings, Finding{Kind: FindingMixer, Chain: c, Address: pool, Entity: entity, Edge: e, Hop: e.Hop,
		Heuristic: "event:Deposit", Label: l, Confidence: 1, Denomination: dep.Amount})
	exits, err := w.mixerExits(e, dep)
	if err != nil {
		return err
	}
	if w.opts.Resumable {
		w.mixers = append(w.mixers, mixerRead{dep: e, ev: *dep, exits: exits})
	}
	for _, x := range exits {
		if err := w.mixerExit(e, dep, &x.wd, entity, x.heuristic, x.confidence); err != nil {
			return err
		}
	}
	return nil
}

// mixerMatch is a pool withdrawal a heuristic links to a deposit.
type mixerMatch struct {
	wd         chains.Event
	heuristic  string
	confidence float64
}

// mixerRead is a tainted pool deposit and the withdrawals linked to it
// when the walk passed it: later blocks may add to them.
type mixerRead struct {
	dep   *Edge
	ev    chains.Event
	exits []mixerMatch
}

// mixerExits lists the pool's withdrawals after deposit dep (edge e) that
// the heuristics link to it, in chain order.
func (w *walker) mixerExits(e *Edge, dep *chains.Event) ([]mixerMatch, error) {
	c, pool := e.To.Chain, dep.Contract
	depositors := map[chains.Address]bool{dep.From: true}
	if e.From.Kind == chains.AccountNode {
		depositors[e.From.Address] = true
	}
	linked, err := w.linkedTo(chains.AccountOf(c, dep.From, chains.Native), pool)
	if err != nil {
		return nil, err
	}
	var out []mixerMatch
	err = w.proto.ContractEvents(w.ctx, c, pool, chains.EventMixerWithdrawal, func(wd chains.Event) error {
		if !dep.Pos.Less(wd.Pos) || wd.Amount == nil {
			return nil
		}
		switch {
		case depositors[wd.To]:
			out = append(out, mixerMatch{wd, "address-match", ConfidenceAddressMatch})
		case linked[wd.To] >= LinkedTxs:
			out = append(out, mixerMatch{wd, "linked-addresses", ConfidenceLinkedAddresses})
		}
		return nil
	})
	return out, err
}

// mixerExit reports one linked withdrawal: its payout to the recipient
// carries the deposit's tainted fraction. With FollowMixers the trace goes
// on from the recipient, once per withdrawal however many deposits link
// to it.
func (w *walker) mixerExit(dep *Edge, ev, wd *chains.Event, entity, heuristic string, confidence float64) error {
	c := dep.To.Chain
	paid := new(big.Int).Set(wd.Amount)
	if wd.Fee != nil && wd.Fee.Cmp(paid) <= 0 {
		paid.Sub(paid, wd.Fee)
	}
	pos, err := w.payout(c, wd.Tx, wd.Contract, wd.To, chains.Native, wd.Pos)
	if err != nil {
		return err
	}
	tainted, err := Convert(paid, dep.Amount, dep.Tainted)
	if err != nil {
		return fmt.Errorf("mixer exit %s: %w", wd.Tx.Format(c), err)
	}
	e := &Edge{ID: len(w.res.Edges), From: dep.To, To: chains.AccountOf(c, wd.To, chains.Native), Tx: wd.Tx, Pos: pos, Time: wd.Time,
		Asset: chains.Native, Amount: paid, Tainted: tainted, Kind: chains.KindInternal, Address: wd.To, Hop: dep.Hop + 1, cause: dep}
	w.res.Findings = append(w.res.Findings, Finding{Kind: FindingMixerExit, Chain: c, Address: wd.To, Entity: entity, Edge: e,
		Hop: e.Hop, Heuristic: heuristic, Confidence: confidence, Denomination: ev.Amount})
	ref := chains.Ref{Chain: c, Tx: wd.Tx, Pos: wd.Pos}
	if !w.opts.FollowMixers || w.exits[ref] || e.Hop > w.opts.Hops || tainted.Sign() == 0 {
		return nil
	}
	w.exits[ref] = true
	w.res.Edges = append(w.res.Edges, e)
	return w.deliver(e, &chains.Flow{Link: chains.Link{Pos: pos}}, nil)
}

// payout finds where in transaction tx contract paid asset to address to:
// the position of that transfer, or at if there is none.
func (w *walker) payout(c chains.Chain, tx chains.Hash, contract, to chains.Address, asset chains.Asset, at chains.Pos) (chains.Pos, error) {
	ts, err := w.transfers(c, tx)
	if err != nil {
		return at, err
	}
	for _, t := range ts {
		if t.From == contract && t.To == to && t.Asset == asset {
			return t.Pos, nil
		}
	}
	return at, nil
}

// linkedTo counts, for each counterparty of address node n, the
// transactions it shares with n outside the pool (the linked-addresses
// heuristic), over all of n's assets. The counts are read once per node.
func (w *walker) linkedTo(n chains.Node, pool chains.Address) (map[chains.Address]int, error) {
	if m, ok := w.linked[n]; ok {
		return m, nil
	}
	assets, err := w.g.Assets(w.ctx, n.Chain, n.Address)
	if err != nil {
		return nil, err
	}
	seen := map[txKey]map[chains.Address]bool{}
	pooled := map[chains.Hash]bool{}
	for _, a := range assets {
		err := w.g.Flows(w.ctx, chains.AccountOf(n.Chain, n.Address, a), func(f chains.Flow) error {
			if f.Address == pool {
				pooled[f.Tx] = true
			}
			k := txKey{n.Chain, f.Tx}
			if seen[k] == nil {
				seen[k] = map[chains.Address]bool{}
			}
			seen[k][f.Address] = true
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	m := map[chains.Address]int{}
	for k, others := range seen {
		if pooled[k.tx] {
			continue
		}
		for a := range others {
			m[a]++
		}
	}
	w.linked[n] = m
	return m, nil
}
