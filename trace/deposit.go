package trace

import (
	"fmt"
	"math/big"
	"slices"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/labels"
)

// Victor's deposit-address heuristic (FC 2020; METHODS.md section 3): an
// address that forwards what it received to an exchange wallet, keeping at
// most DepositSlack wei, within DepositBlocks blocks of the first deposit.
var DepositSlack = big.NewInt(1e16) // 0.01 ETH

// DepositBlocks is the deposit-address heuristic's time bound, in blocks.
const DepositBlocks = 3200

// ConfidenceCoSpend is the confidence of Bitcoin's common-input ownership
// (the exchange spends the deposit address's coins with its own; a
// cluster of co-spent inputs). CoinJoins are excluded before it applies.
const ConfidenceCoSpend = 0.9

// depositAddress is what the walk learnt of one exchange deposit address:
// who deposited into it, and its sweeps' lowest confidence.
type depositAddress struct {
	members    map[chains.Address]bool
	last       *Edge
	confidence float64
	label      *labels.Label // the exchange wallet's
}

// depositSweep reports e, an account-chain edge into a labelled exchange
// wallet, as an exchange_deposit when its sender is an unlabelled address
// sweeping its deposits on: received - forwarded in [0, DepositSlack] wei
// within DepositBlocks blocks. The confidence is Tutela's
// κ = mean(1 - slack/DepositSlack, 1 - blocks/DepositBlocks).
func (w *walker) depositSweep(e *Edge, l *labels.Label) bool {
	if !e.To.Chain.IsEVM() || e.From.Kind != chains.AccountNode || e.From.Asset != chains.Native {
		return false
	}
	n := w.node(e.From)
	if n == nil || n.seed || n.next == 0 || n.flows[n.next-1].Pos != e.Pos || len(w.lk.Lookup(e.From.Chain, e.From.Address)) > 0 {
		return false
	}
	received := new(big.Int)
	var first *chains.Flow
	var since chains.Pos // the sweep before this one
	var depositors []chains.Address
	for i := n.next - 2; i >= 0; i-- {
		f := &n.flows[i]
		if !f.In {
			if f.Kind == chains.KindFee || f.Tx == e.Tx {
				continue
			}
			since = f.Pos
			break
		}
		received.Add(received, f.Amount)
		first = f
		depositors = append(depositors, f.Address)
	}
	if first == nil {
		return false
	}
	slack := new(big.Int).Sub(received, e.Amount)
	blocks := e.Pos.Block - first.Pos.Block
	if slack.Sign() < 0 || slack.Cmp(DepositSlack) > 0 || blocks > DepositBlocks {
		return false
	}
	k := new(big.Rat).SetFrac(slack, DepositSlack)
	k.Sub(big.NewRat(2, 1), k).Sub(k, big.NewRat(int64(blocks), DepositBlocks)).Quo(k, big.NewRat(2, 1))
	confidence, _ := k.Float64()
	tainted := new(big.Int)
	for _, in := range w.in(e.From) {
		if since.Less(in.Pos) && in.Pos.Less(e.Pos) {
			tainted.Add(tainted, in.Tainted)
		}
	}
	w.res.Findings = append(w.res.Findings, Finding{Kind: FindingExchangeDeposit, Chain: e.From.Chain, Address: e.From.Address,
		Entity: l.Entity, Edge: e, Hop: e.Hop, Heuristic: "deposit-address", Label: l, Confidence: confidence,
		Amount: received, Tainted: tainted, Forwarded: e.Amount, ForwardedTainted: e.Tainted, Wallet: e.Address})
	d := w.deposits[e.From]
	if d == nil {
		d = &depositAddress{members: map[chains.Address]bool{}, confidence: 1, label: l}
		w.deposits[e.From] = d
	}
	for _, a := range depositors {
		d.members[a] = true
	}
	d.last, d.confidence = e, min(d.confidence, confidence)
	return true
}

// cleanSweep reports a sweep that carries no taint from a known deposit
// address to its exchange wallet: the address swept the traced funds
// before, and what it forwards now (say, another depositor's) is part of
// what a freeze request and its cluster need to know.
func (w *walker) cleanSweep(n *node, f *chains.Flow) {
	d := w.deposits[n.id]
	if d == nil || f.Address != d.last.Address {
		return
	}
	e := &Edge{ID: len(w.res.Edges), From: n.id, To: f.Other, Tx: f.Tx, Pos: f.Pos, Time: f.Time, Asset: n.id.Asset,
		Amount: f.Amount, Tainted: new(big.Int), Kind: f.Kind, Address: f.Address, Hop: d.last.Hop}
	if w.depositSweep(e, d.label) {
		w.res.Edges = append(w.res.Edges, e)
	}
}

// coSpend applies common-input ownership to a tainted UTXO transaction that
// is no CoinJoin: when a labelled exchange spends its own coins with
// tainted coins of unlabelled addresses, those are its deposit addresses
// (exchange_deposit) and the branch ends; otherwise inputs of two or more
// addresses make a cluster finding.
func (w *walker) coSpend(n *node, tx *chains.UTXOTx, in []*Edge) {
	c := n.id.Chain
	var members []chains.Address
	var exchange *labels.Label
	var wallet chains.Address
	for _, i := range tx.Inputs {
		if !i.Resolved || i.Address == "" || slices.Contains(members, i.Address) {
			continue
		}
		members = append(members, i.Address)
		if l := w.labelOf(c, i.Address, labels.Exchange); l != nil && exchange == nil {
			exchange, wallet = l, i.Address
		}
	}
	if exchange != nil {
		for _, e := range in {
			if e.Address == wallet || (w.lk != nil && len(w.lk.Lookup(c, e.Address)) > 0) {
				continue
			}
			w.res.Findings = append(w.res.Findings, Finding{Kind: FindingExchangeDeposit, Chain: c, Address: e.Address,
				Entity: exchange.Entity, Edge: e, Hop: e.Hop, Heuristic: "co-spend", Label: exchange,
				Confidence: ConfidenceCoSpend, Wallet: wallet})
			n.stopped = true
		}
		if n.stopped {
			return
		}
	}
	if len(members) < 2 {
		return
	}
	slices.Sort(members)
	w.res.Findings = append(w.res.Findings, Finding{Kind: FindingCluster, Chain: c, Edge: in[len(in)-1], Hop: in[len(in)-1].Hop,
		Heuristic: "common-input", Confidence: ConfidenceCoSpend, Members: members})
}

// clusterDeposit reports e, a tainted output paying an unlabelled Bitcoin
// address, as an exchange_deposit when the address's stored cluster holds
// a labelled exchange wallet: the exchange has spent the address's coins
// with its own before. The branch ends there.
func (w *walker) clusterDeposit(e *Edge) (bool, error) {
	if w.cluster == nil {
		return false, nil
	}
	at := chains.HoldingOf(e.To.Chain, e.Address)
	l, ok := w.inCluster[at]
	if !ok {
		var err error
		if l, err = w.clusterExchange(at); err != nil {
			return false, err
		}
		w.inCluster[at] = l
	}
	if l == nil {
		return false, nil
	}
	w.clusterFinding(e, l)
	return true, nil
}

// clusterFinding reports e as an exchange deposit by the cluster of its
// address, which holds the exchange wallet of label l.
func (w *walker) clusterFinding(e *Edge, l *labels.Label) {
	w.res.Findings = append(w.res.Findings, Finding{Kind: FindingExchangeDeposit, Chain: e.To.Chain, Address: e.Address,
		Entity: l.Entity, Edge: e, Hop: e.Hop, Heuristic: "cluster", Label: l, Confidence: ConfidenceCoSpend, Wallet: l.Address})
}

// clusterExchange returns the label of a labelled exchange wallet in the
// stored cluster of UTXO address n, if any.
func (w *walker) clusterExchange(n chains.Node) (*labels.Label, error) {
	members, _, err := w.cluster.Cluster(w.ctx, n.Chain, n.Address, ClusterLimit)
	if err != nil {
		return nil, fmt.Errorf("cluster of %s: %w", n.Address, err)
	}
	for _, m := range members {
		if m != n.Address {
			if l := w.labelOf(n.Chain, m, labels.Exchange); l != nil {
				return l, nil
			}
		}
	}
	return nil, nil
}

// clusters reports the depositors of each exchange deposit address that
// swept for two or more of them: Victor's heuristic puts them in one
// cluster, with the lowest confidence of the address's sweeps.
func (w *walker) clusters() {
	for node, d := range w.deposits {
		if len(d.members) < 2 {
			continue
		}
		var members []chains.Address
		for a := range d.members {
			members = append(members, a)
		}
		slices.Sort(members)
		w.res.Findings = append(w.res.Findings, Finding{Kind: FindingCluster, Chain: node.Chain, Address: node.Address, Edge: d.last,
			Hop: d.last.Hop, Heuristic: "deposit-reuse", Confidence: d.confidence, Members: members})
	}
}
