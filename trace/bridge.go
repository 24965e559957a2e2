package trace

import (
	"math/big"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/labels"
)

// MatchWindow is how long after a bridge deposit the fallback match looks
// for the payout to the memo's destination (seconds): 24 hours.
const MatchWindow = 24 * 60 * 60

// ConfidenceDestination is the confidence of a bridge leg matched by the
// memo's destination address, asset and time alone (no OUT:<hash> memo).
const ConfidenceDestination = 0.8

// bridge reports a tainted deposit into a THORChain-style bridge, the
// inbound e (to the router or vault, or a UTXO output paying the vault)
// with its memo m, and continues the trace on the destination chain: the
// payout whose memo names the inbound (OUT:<hash>) carries the inbound's
// tainted fraction of its amount. contract is the router; ev the router's
// Deposit event (nil for a UTXO inbound).
func (w *walker) bridge(e *Edge, m Memo, contract chains.Address, ev *chains.Event) error {
	c := e.To.Chain
	if contract == "" {
		contract = e.Address
	}
	entity := "THORChain-style router"
	l := w.labelOf(c, contract, labels.Bridge)
	if l == nil && ev != nil {
		l = w.labelOf(c, ev.To, labels.Bridge)
	}
	if l != nil {
		entity = l.Entity
	}
	f := Finding{Kind: FindingBridge, Chain: c, Address: contract, Entity: entity, Edge: e, Hop: e.Hop,
		Heuristic: "memo", Label: l, Confidence: 1, Decoded: m.String()}
	if m.Func == MemoOther && m.Name == "" {
		f.Decoded = m.Raw
	}
	dc, da, _ := m.Destination()
	f.DestChain, f.DestAddress = dc, da
	if m.DestKind == MemoDestTHORName {
		f.DestName = m.Dest
	}
	out, confidence, err := w.outbound(e, m)
	if err != nil {
		return err
	}
	if w.opts.Resumable {
		w.bridges = append(w.bridges, bridgeRead{in: e, memo: m, out: out, confidence: confidence})
	}
	if out != nil {
		f.Outbound, f.Confidence = out, confidence
		if confidence < 1 {
			f.Heuristic = "memo-destination"
		}
	}
	w.res.Findings = append(w.res.Findings, f)
	if out == nil || out.Tainted.Sign() == 0 || out.Hop > w.opts.Hops {
		return nil
	}
	w.res.Edges = append(w.res.Edges, out)
	return w.deliver(out, &chains.Flow{Link: out.link}, nil)
}

// bridgeRead is a bridge inbound and the payout matched to it when the
// walk passed it: later blocks may bring the payout, or an exact match
// in place of a fallback.
type bridgeRead struct {
	in         *Edge
	memo       Memo
	out        *Edge
	confidence float64
}

// outbound finds the payout of bridge inbound e: first by the OUT:<hash>
// memo of a synced payout (exact), then by the memo's destination address
// receiving the destination asset within MatchWindow. It returns the
// payout as the edge that continues the trace, or nil.
func (w *walker) outbound(e *Edge, m Memo) (*Edge, float64, error) {
	refs, err := w.proto.Outbounds(w.ctx, e.Tx)
	if err != nil {
		return nil, 0, err
	}
	dc, da, named := m.Destination()
	for _, ref := range refs {
		if dc != "" && ref.Chain != dc {
			continue
		}
		out, err := w.payoutAt(e, ref, da)
		if out != nil || err != nil {
			return out, 1, err
		}
	}
	if !named {
		return nil, 0, nil
	}
	out, err := w.payoutTo(e, dc, da)
	return out, ConfidenceDestination, err
}

// payoutAt reads the payout at ref: on a UTXO chain the output paying the
// destination (or, with none named, the transaction's first output that is
// not OP_RETURN); on an account chain the router's TransferOut at ref and
// the transfer that pays its recipient.
func (w *walker) payoutAt(e *Edge, ref chains.Ref, dest chains.Address) (*Edge, error) {
	if !ref.Chain.IsEVM() {
		var pick *chains.Flow
		err := w.g.Flows(w.ctx, chains.TxOf(ref.Chain, ref.Tx), func(f chains.Flow) error {
			if f.In || f.Script == chains.ScriptNullData {
				return nil
			}
			if pick == nil || (dest != "" && f.Address == dest && pick.Address != dest) {
				pick = &f
			}
			return nil
		})
		if err != nil || pick == nil {
			return nil, err
		}
		return w.leg(e, ref.Chain, pick), nil
	}
	evs, err := w.events(ref.Chain, ref.Tx)
	if err != nil {
		return nil, err
	}
	for _, ev := range evs {
		if ev.Pos != ref.Pos || ev.Kind != chains.EventBridgeOut || ev.Amount == nil {
			continue
		}
		pos, err := w.payout(ref.Chain, ref.Tx, ev.Contract, ev.To, ev.Asset, ev.Pos)
		if err != nil {
			return nil, err
		}
		return w.leg(e, ref.Chain, &chains.Flow{Link: chains.Link{Pos: pos}, Pos: pos, Tx: ref.Tx, Time: ev.Time, Amount: ev.Amount,
			Kind: chains.KindInternal, Other: chains.AccountOf(ref.Chain, ev.To, ev.Asset), Address: ev.To}), nil
	}
	return nil, nil
}

// payoutTo finds the first payment to dest on chain c within MatchWindow
// after inbound e: the fallback when no payout names the inbound.
func (w *walker) payoutTo(e *Edge, c chains.Chain, dest chains.Address) (*Edge, error) {
	n := chains.HoldingOf(c, dest)
	if c.IsEVM() {
		n = chains.AccountOf(c, dest, chains.Native)
	}
	var pick *chains.Flow
	err := w.g.Flows(w.ctx, n, func(f chains.Flow) error {
		if pick == nil && f.In && f.Time >= e.Time && f.Time <= e.Time+MatchWindow {
			pick = &f
		}
		return nil
	})
	if err != nil || pick == nil {
		return nil, err
	}
	if !c.IsEVM() {
		// A holding node's inflow is the output: the flow onwards is
		// the creating transaction's view of it.
		return w.outputOf(e, c, pick.Link.Outpoint)
	}
	pick.Other = n
	return w.leg(e, c, pick), nil
}

// outputOf reads output o from its transaction, as the flow that leaves it.
func (w *walker) outputOf(e *Edge, c chains.Chain, o chains.Outpoint) (*Edge, error) {
	var pick *chains.Flow
	err := w.g.Flows(w.ctx, chains.TxOf(c, o.Tx), func(f chains.Flow) error {
		if !f.In && f.Link.Outpoint == o {
			pick = &f
		}
		return nil
	})
	if err != nil || pick == nil {
		return nil, err
	}
	return w.leg(e, c, pick), nil
}

// leg is the edge of a bridge payout f on chain c, carrying the inbound's
// tainted fraction of its amount, one hop after the inbound.
func (w *walker) leg(e *Edge, c chains.Chain, f *chains.Flow) *Edge {
	tainted, err := Convert(f.Amount, e.Amount, e.Tainted)
	if err != nil {
		tainted = new(big.Int)
	}
	asset := chains.Native
	if f.Other.Kind == chains.AccountNode {
		asset = f.Other.Asset
	}
	return &Edge{ID: len(w.res.Edges), From: e.To, To: f.Other, Tx: f.Tx, Pos: f.Pos, Time: f.Time, Asset: asset,
		Amount: f.Amount, Tainted: tainted, Kind: f.Kind, Address: f.Address, Hop: e.Hop + 1, link: f.Link, cause: e}
}

// memo reads a tainted UTXO transaction's THORChain swap memo from its
// OP_RETURN output; the output before it that pays an address is the
// vault's (THORChain's inbound convention).
func (w *walker) memo(n *node) {
	vault := -1
	for _, f := range n.flows {
		if f.In {
			continue
		}
		vout := int(f.Pos.Index &^ (1 << 31))
		if f.Script != chains.ScriptNullData {
			if vault < 0 {
				vault = vout
			}
			continue
		}
		m, err := ParseMemo(string(f.Data))
		if err == nil && m.Func == MemoSwap && vault >= 0 {
			n.memo, n.vault = &m, vault
			return
		}
	}
}
