package trace

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"slices"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/labels"
)

// ErrStale is returned by Resume when a saved walk cannot be continued
// into a result equal to a fresh trace: the graph changed under what the
// walk already decided (see Resume). The caller traces afresh.
var ErrStale = errors.New("the saved walk cannot be continued")

// State returns the walk's state at its end, for Resume: nil unless the
// trace ran with Options.Resumable.
func (r *Result) State() []byte { return r.state }

// Resume continues a walk saved by a trace with Options.Resumable (its
// Result.State) over graph g, which has grown since by new blocks: the
// frontier's nodes step their new flows, outputs spent since go on into
// the transactions that spend them, and the walk carries on from there.
// Its result equals a fresh Trace of the same seeds and options over g.
//
// That holds when everything the saved walk decided still stands, and
// Resume checks it first, failing with ErrStale (and the reason) when:
//   - the options or seeds differ, or a label the walk used is gone;
//   - a node the walk followed now has more flows than the fan-out bound
//     (a fresh trace takes it for a hub);
//   - a mixer pool has new withdrawals linked to a tainted deposit, a
//     bridge inbound has a different payout, or an address's stored
//     cluster now holds an exchange (another one, or one where the walk
//     went on from the address: where the output still rests, the
//     exchange_deposit finding is made now, as a fresh trace makes it);
//   - new blocks of one chain come, in time, before the last flow the walk
//     stepped on another (a fresh trace would interleave them).
//
// A state that cannot be read (saved by another version, or damaged) is
// ErrStale too: the saved walk is only ever a head start. The graph must
// still hold the blocks the walk saw: after a reorg below them, trace
// afresh (the caller checks the block hashes).
func Resume(ctx context.Context, g Graph, lk labels.Lookuper, seeds []chains.Node, opts Options, state []byte) (*Result, error) {
	opts.Resumable = true
	w := newWalker(ctx, g, lk, seeds, opts)
	defer w.stopReader()
	if err := w.restore(state); err != nil {
		return nil, err
	}
	if err := w.recheck(); err != nil {
		return nil, err
	}
	if err := w.grow(); err != nil {
		return nil, err
	}
	return w.run()
}

func stale(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrStale, fmt.Sprintf(format, args...))
}

// stateFormat numbers the encoding of savedState.
const stateFormat = 1

// savedState is a walk at its end, before the findings are finished:
// what Resume needs to go on. Pointers between edges are indexes into
// Edges; labels are kept whole and found again among the labels Resume
// is given.
type savedState struct {
	Format   int
	Table    []chains.Node // the nodes edges name, each once
	Opts     savedOptions
	Seeds    []chains.Node
	Edges    []savedEdge
	Findings []savedFinding
	Nodes    []savedNode
	Pending  []savedPending
	Hubs     []chains.Node
	Peels    []savedPeel
	Deposits []savedDeposit
	Clusters []savedCluster
	Mixers   []savedMixer
	Bridges  []savedBridge
	Last     savedEvent
	Visited  int
	Late     int
}

// savedOptions are the options a resumed walk must share (Min and Within
// are functions: the caller passes the same).
type savedOptions struct {
	Model                 Model
	Hops, FanOut          int
	Since, Until          uint64
	Mainnet, FollowMixers bool
}

func optionsOf(o Options) savedOptions {
	return savedOptions{o.Model, o.Hops, o.FanOut, o.Since, o.Until, o.Mainnet, o.FollowMixers}
}

// savedEdge is an Edge with its unexported fields. From and To are
// indexes into the state's node table (E's are left zero), Cause into its
// edges (-1 for none).
type savedEdge struct {
	E              Edge
	From, To       int32
	Link           chains.Link
	Left           chains.Pos
	Cause          int
	Received, Held bool
}

// edgeRef names an edge of the state: Index into its edges, or, for an
// edge a finding keeps that the walk did not follow (a mixer exit not
// followed, a payout carrying no taint), the edge itself.
type edgeRef struct {
	Index  int
	Orphan *savedEdge
}

// savedLabel is a label the walk used; Resume finds it again among the
// labels of its address.
type savedLabel struct{ L labels.Label }

type savedFinding struct {
	F        Finding // without its pointers
	Edge     edgeRef
	Outbound *edgeRef
	Label    *savedLabel
}

type savedNode struct {
	ID                      chains.Node
	Next, Count, Hop        int
	Last                    chains.Pos
	Seed, Bounded, Dormant  bool
	Acct                    bool
	Balance, Taint, Unknown *big.Int
	LotAmounts, LotTaints   []*big.Int
	Resets                  []chains.Pos
	Fanout                  []chains.Address
	Ins                     []Lot
	HasMemo, Stopped        bool
	Memo                    Memo
	Vault                   int
}

type savedPending struct {
	To    chains.Node
	Link  chains.Link
	Taint *big.Int
	Hop   int
}

type savedPeel struct {
	Tx         chains.Hash
	In, Change chains.Outpoint
	Next       chains.Hash
	Payment    uint64
	Edge       int
}

type savedDeposit struct {
	Node       chains.Node
	Members    []chains.Address
	Last       int
	Confidence float64
	Label      savedLabel
}

type savedCluster struct {
	Node  chains.Node
	Label *savedLabel
}

type savedMixer struct {
	Dep   int
	Ev    chains.Event
	Exits []savedExit
}

type savedExit struct {
	Tx        chains.Hash
	Pos       chains.Pos
	Heuristic string
}

type savedBridge struct {
	In         int
	Memo       Memo
	Out        bool
	OutTx      chains.Hash
	OutPos     chains.Pos
	Confidence float64
}

type savedEvent struct {
	At    chains.Pos
	In    bool
	Time  uint64
	Chain uint8
}

// save encodes the walk's state.
func (w *walker) save() ([]byte, error) {
	index := make(map[*Edge]int, len(w.res.Edges))
	for i, e := range w.res.Edges {
		index[e] = i
	}
	idx := func(e *Edge) int {
		if i, ok := index[e]; ok {
			return i
		}
		return -1
	}
	var table []chains.Node
	nodes := map[chains.Node]int32{}
	node := func(n chains.Node) int32 {
		i, ok := nodes[n]
		if !ok {
			i = int32(len(table))
			nodes[n] = i
			table = append(table, n)
		}
		return i
	}
	edge := func(e *Edge) savedEdge {
		s := savedEdge{E: *e, From: node(e.From), To: node(e.To), Link: e.link, Left: e.left, Cause: -1, Received: e.received, Held: e.held}
		s.E.From, s.E.To = chains.Node{}, chains.Node{}
		if e.cause != nil {
			s.Cause = idx(e.cause)
		}
		return s
	}
	ref := func(e *Edge) edgeRef {
		if i := idx(e); i >= 0 {
			return edgeRef{Index: i}
		}
		o := edge(e)
		return edgeRef{Index: -1, Orphan: &o}
	}
	s := savedState{Format: stateFormat, Opts: optionsOf(w.opts), Seeds: w.res.Seeds, Visited: w.res.Visited, Late: w.res.Late,
		Last: savedEvent{w.last.at, w.last.in, w.last.time, w.last.chain}}
	for _, e := range w.res.Edges {
		s.Edges = append(s.Edges, edge(e))
	}
	for _, f := range w.res.Findings {
		sf := savedFinding{F: f, Edge: ref(f.Edge), Label: saveLabel(f.Label)}
		if f.Outbound != nil {
			r := ref(f.Outbound)
			sf.Outbound = &r
		}
		sf.F.Edge, sf.F.Outbound, sf.F.Label, sf.F.Path = nil, nil, nil, nil
		s.Findings = append(s.Findings, sf)
	}
	for _, sl := range w.slots {
		n := sl.n
		if n == nil {
			continue
		}
		sn := savedNode{ID: n.id, Next: n.next, Count: n.count, Hop: n.hop, Last: n.last, Seed: n.seed, Bounded: n.bounded, Dormant: n.dormant,
			Resets: n.resets, Ins: n.ins, Stopped: n.stopped, Vault: n.vault}
		if a := n.acct; a != nil && n.id.Kind != chains.TxNode {
			sn.Acct, sn.Balance, sn.Taint, sn.Unknown = true, &a.balance, &a.taint, &a.unknown
			for i := range a.lots {
				l := &a.lots[i]
				sn.LotAmounts, sn.LotTaints = append(sn.LotAmounts, &l.amount), append(sn.LotTaints, &l.taint)
			}
		}
		sn.Fanout = n.fanout
		if n.memo != nil {
			sn.HasMemo, sn.Memo = true, *n.memo
		}
		s.Nodes = append(s.Nodes, sn)
	}
	for k, a := range w.pending {
		s.Pending = append(s.Pending, savedPending{To: k.to.id, Link: k.link, Taint: &a.taint, Hop: a.hop})
	}
	for n, sl := range w.slots {
		if sl.hub {
			s.Hubs = append(s.Hubs, n)
		}
	}
	for tx, p := range w.peels {
		s.Peels = append(s.Peels, savedPeel{Tx: tx, In: p.in, Change: p.change, Next: p.next, Payment: p.payment, Edge: idx(p.edge)})
	}
	for n, d := range w.deposits {
		sd := savedDeposit{Node: n, Last: idx(d.last), Confidence: d.confidence, Label: *saveLabel(d.label)}
		for a := range d.members {
			sd.Members = append(sd.Members, a)
		}
		s.Deposits = append(s.Deposits, sd)
	}
	for n, l := range w.inCluster {
		s.Clusters = append(s.Clusters, savedCluster{Node: n, Label: saveLabel(l)})
	}
	for _, m := range w.mixers {
		sm := savedMixer{Dep: idx(m.dep), Ev: m.ev}
		for _, x := range m.exits {
			sm.Exits = append(sm.Exits, savedExit{x.wd.Tx, x.wd.Pos, x.heuristic})
		}
		s.Mixers = append(s.Mixers, sm)
	}
	for _, b := range w.bridges {
		sb := savedBridge{In: idx(b.in), Memo: b.memo, Confidence: b.confidence}
		if b.out != nil {
			sb.Out, sb.OutTx, sb.OutPos = true, b.out.Tx, b.out.Pos
		}
		s.Bridges = append(s.Bridges, sb)
	}
	s.Table = table
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&s); err != nil {
		return nil, fmt.Errorf("save the walk: %w", err)
	}
	return buf.Bytes(), nil
}

// check rejects a state no walk saved, whose amounts the walk would trip
// on.
func (s *savedState) check(m Model) error {
	lot := func(amount, taint *big.Int) bool {
		return amount != nil && taint != nil && amount.Sign() >= 0 && taint.Sign() >= 0 && taint.Cmp(amount) <= 0
	}
	edge := func(e *savedEdge) error {
		if e.From < 0 || e.To < 0 || int(e.From) >= len(s.Table) || int(e.To) >= len(s.Table) {
			return fmt.Errorf("edge %d: nodes %d and %d of %d", e.E.ID, e.From, e.To, len(s.Table))
		}
		if !lot(e.E.Amount, e.E.Tainted) {
			return fmt.Errorf("edge %d: amount %v, tainted %v", e.E.ID, e.E.Amount, e.E.Tainted)
		}
		return nil
	}
	for i := range s.Edges {
		if err := edge(&s.Edges[i]); err != nil {
			return err
		}
	}
	for _, f := range s.Findings {
		for _, r := range []*edgeRef{&f.Edge, f.Outbound} {
			if r != nil && r.Orphan != nil {
				if err := edge(r.Orphan); err != nil {
					return err
				}
			}
		}
	}
	for _, n := range s.Nodes {
		if n.Next < 0 || n.Count < n.Next {
			return fmt.Errorf("node %s: flow %d of %d", n.ID, n.Next, n.Count)
		}
		if !n.Acct {
			continue
		}
		if !lot(n.Balance, n.Taint) || n.Unknown == nil || len(n.LotAmounts) != len(n.LotTaints) {
			return fmt.Errorf("node %s: balance %v, taint %v", n.ID, n.Balance, n.Taint)
		}
		sum, taint := new(big.Int), new(big.Int)
		for i, a := range n.LotAmounts {
			if !lot(a, n.LotTaints[i]) {
				return fmt.Errorf("node %s: lot %v with taint %v", n.ID, a, n.LotTaints[i])
			}
			sum.Add(sum, a)
			taint.Add(taint, n.LotTaints[i])
		}
		if (m == FIFO || m == LIFO) && (sum.Cmp(n.Balance) != 0 || taint.Cmp(n.Taint) != 0) {
			return fmt.Errorf("node %s: lots of %v with taint %v, balance %v with taint %v", n.ID, sum, taint, n.Balance, n.Taint)
		}
	}
	for _, p := range s.Pending {
		if p.Taint == nil || p.Taint.Sign() < 0 {
			return fmt.Errorf("taint %v on its way to %s", p.Taint, p.To)
		}
	}
	return nil
}

// saveLabel keeps label l, which the walk's Lookup returned.
func saveLabel(l *labels.Label) *savedLabel {
	if l == nil {
		return nil
	}
	return &savedLabel{*l}
}

// label finds a saved label again in the walk's labels.
func (w *walker) label(s *savedLabel) (*labels.Label, error) {
	if s == nil {
		return nil, nil
	}
	if w.lk != nil {
		for _, l := range w.lk.Lookup(s.L.Chain, s.L.Address) {
			if l == s.L {
				return &l, nil
			}
		}
	}
	return nil, stale("the label %s of %s is gone", s.L.Entity, s.L.Address)
}

// restore loads a saved walk into w, a new walker of the same options.
func (w *walker) restore(state []byte) error {
	var s savedState
	if err := gob.NewDecoder(bytes.NewReader(state)).Decode(&s); err != nil {
		return stale("the saved walk is unreadable: %v", err)
	}
	if s.Format != stateFormat {
		return stale("the walk was saved in format %d, not %d", s.Format, stateFormat)
	}
	if err := s.check(w.opts.Model); err != nil {
		return stale("the saved walk is unreadable: %v", err)
	}
	if s.Opts != optionsOf(w.opts) {
		return stale("the options differ")
	}
	if !slices.Equal(s.Seeds, w.res.Seeds) {
		return stale("the seeds differ")
	}
	w.res.Visited, w.res.Late = s.Visited, s.Late
	w.last = event{s.Last.At, s.Last.In, s.Last.Time, s.Last.Chain}
	edge := func(se *savedEdge) *Edge {
		e := se.E
		e.From, e.To = s.Table[se.From], s.Table[se.To]
		e.link, e.left, e.received, e.held = se.Link, se.Left, se.Received, se.Held
		return &e
	}
	for i := range s.Edges {
		w.res.Edges = append(w.res.Edges, edge(&s.Edges[i]))
	}
	at := func(i int) (*Edge, error) {
		if i < 0 || i >= len(w.res.Edges) {
			return nil, stale("the saved walk is unreadable: edge %d of %d", i, len(w.res.Edges))
		}
		return w.res.Edges[i], nil
	}
	resolve := func(r edgeRef) (*Edge, error) {
		if r.Orphan == nil {
			return at(r.Index)
		}
		e := edge(r.Orphan)
		if r.Orphan.Cause >= 0 {
			var err error
			if e.cause, err = at(r.Orphan.Cause); err != nil {
				return nil, err
			}
		}
		return e, nil
	}
	for i, se := range s.Edges {
		e := w.res.Edges[i]
		if se.Cause >= 0 {
			var err error
			if e.cause, err = at(se.Cause); err != nil {
				return err
			}
		}
		if e.received {
			w.received(e, nil)
		}
	}
	for _, sf := range s.Findings {
		f := sf.F
		var err error
		if f.Edge, err = resolve(sf.Edge); err != nil {
			return err
		}
		if sf.Outbound != nil {
			if f.Outbound, err = resolve(*sf.Outbound); err != nil {
				return err
			}
		}
		if f.Label, err = w.label(sf.Label); err != nil {
			return err
		}
		w.res.Findings = append(w.res.Findings, f)
	}
	for _, sn := range s.Nodes {
		n := newNode(sn.ID, w.opts.Model)
		n.next, n.count, n.hop, n.last, n.seed, n.bounded, n.dormant = sn.Next, sn.Count, sn.Hop, sn.Last, sn.Seed, sn.Bounded, sn.Dormant
		n.resets, n.ins, n.stopped, n.vault = sn.Resets, sn.Ins, sn.Stopped, sn.Vault
		if sn.Acct {
			a := n.acct
			a.balance.Set(sn.Balance)
			a.taint.Set(sn.Taint)
			a.unknown.Set(sn.Unknown)
			a.lots = make([]accountLot, len(sn.LotAmounts))
			for i := range a.lots {
				a.lots[i].amount.Set(sn.LotAmounts[i])
				a.lots[i].taint.Set(sn.LotTaints[i])
			}
		}
		n.fanout = sn.Fanout
		if sn.HasMemo {
			m := sn.Memo
			n.memo = &m
		}
		w.slot(n.id).n = n
	}
	for _, p := range s.Pending {
		n := w.node(p.To)
		if n == nil {
			return stale("the saved walk is unreadable: taint on its way to %s, which it never reached", p.To)
		}
		n.arriving++
		a := &arrival{hop: p.Hop}
		a.taint.Set(p.Taint)
		w.pending[pendingKey{n, p.Link}] = a
	}
	for _, n := range s.Hubs {
		w.slot(n).hub = true
	}
	for _, p := range s.Peels {
		e, err := at(p.Edge)
		if err != nil {
			return err
		}
		w.peels[p.Tx] = &tracePeel{in: p.In, change: p.Change, next: p.Next, payment: p.Payment, edge: e}
	}
	for _, d := range s.Deposits {
		last, err := at(d.Last)
		if err != nil {
			return err
		}
		l, err := w.label(&d.Label)
		if err != nil {
			return err
		}
		da := &depositAddress{members: map[chains.Address]bool{}, last: last, confidence: d.Confidence, label: l}
		for _, a := range d.Members {
			da.members[a] = true
		}
		w.deposits[d.Node] = da
	}
	for _, c := range s.Clusters {
		l, err := w.label(c.Label)
		if err != nil {
			return err
		}
		w.inCluster[c.Node] = l
	}
	for _, m := range s.Mixers {
		dep, err := at(m.Dep)
		if err != nil {
			return err
		}
		r := mixerRead{dep: dep, ev: m.Ev}
		for _, x := range m.Exits {
			r.exits = append(r.exits, mixerMatch{wd: chains.Event{Tx: x.Tx, Pos: x.Pos}, heuristic: x.Heuristic})
		}
		w.mixers = append(w.mixers, r)
	}
	for _, b := range s.Bridges {
		in, err := at(b.In)
		if err != nil {
			return err
		}
		r := bridgeRead{in: in, memo: b.Memo, confidence: b.Confidence}
		if b.Out {
			r.out = &Edge{Tx: b.OutTx, Pos: b.OutPos}
		}
		w.bridges = append(w.bridges, r)
	}
	return nil
}

// recheck asks the grown graph again what the saved walk read of data
// that grows: a pool's linked withdrawals, a bridge inbound's payout, an
// address's cluster. Any answer that changed fails with ErrStale.
func (w *walker) recheck() error {
	if w.proto != nil {
		for _, m := range w.mixers {
			exits, err := w.mixerExits(m.dep, &m.ev)
			if err != nil {
				return err
			}
			same := len(exits) == len(m.exits)
			for i := 0; same && i < len(exits); i++ {
				a, b := exits[i], m.exits[i]
				same = a.wd.Tx == b.wd.Tx && a.wd.Pos == b.wd.Pos && a.heuristic == b.heuristic
			}
			if !same {
				return stale("pool %s has new withdrawals linked to the deposit in %s", m.ev.Contract, m.ev.Tx.Format(m.dep.Chain()))
			}
		}
		for _, b := range w.bridges {
			out, confidence, err := w.outbound(b.in, b.memo)
			if err != nil {
				return err
			}
			if (out == nil) != (b.out == nil) || (out != nil && (out.Tx != b.out.Tx || out.Pos != b.out.Pos)) || confidence != b.confidence {
				return stale("the bridge inbound %s has a new payout", b.in.Tx.Format(b.in.Chain()))
			}
		}
	}
	if w.cluster == nil {
		return nil
	}
	joined := map[chains.Node]*labels.Label{}
	for n, l := range w.inCluster {
		now, err := w.clusterExchange(n)
		switch {
		case err != nil:
			return err
		case now == nil && l == nil || now != nil && l != nil && *now == *l:
		case l == nil:
			joined[n] = now
		default:
			return stale("the cluster of %s holds another exchange now", n.Address)
		}
	}
	if len(joined) == 0 {
		return nil
	}
	// An address that has joined an exchange's cluster since is a deposit
	// address wherever the walk paid it, as a fresh trace would find:
	// outputs resting there end with the finding. One the walk already
	// followed on into a spend cannot be taken back.
	for _, e := range w.res.Edges {
		n := chains.HoldingOf(e.Chain(), e.Address)
		l := joined[n]
		if l == nil || !e.received || e.From.Kind != chains.TxNode {
			continue
		}
		if !e.held {
			return stale("the cluster of %s holds an exchange now, and the walk went on from it", e.Address)
		}
		e.held = false
		w.clusterFinding(e, l)
	}
	maps.Copy(w.inCluster, joined)
	return nil
}

// grow readies the walk for the graph's new blocks: each node it followed
// steps its new flows, and each tainted output spent since goes on into
// the spending transaction. It fails with ErrStale where a fresh trace
// would have decided otherwise: a node past the fan-out bound now, new
// flows that come before the walk's last one.
func (w *walker) grow() error {
	var ids []chains.Node
	for id, s := range w.slots {
		if s.n != nil {
			ids = append(ids, id)
		}
	}
	// In a fixed order, so that the queue (and the result) never depends
	// on the map's.
	slices.SortFunc(ids, func(a, b chains.Node) int { return cmpNode(a, b) })
	var after func(context.Context, chains.Node, chains.Pos, func(chains.Flow) error) error
	if r, ok := w.g.(FlowsAfterReader); ok {
		var end func()
		after, end = r.FlowsAfterReader()
		defer end()
	} else if fa, ok := w.g.(FlowsAfter); ok {
		after = fa.FlowsAfter
	}
	for _, id := range ids {
		if err := w.extend(w.node(id), after); err != nil {
			return err
		}
	}
	if err := w.spent(); err != nil {
		return err
	}
	if w.queue.Len() > 0 && w.queue[0].ev.before(w.last) {
		n := w.queue[0].v
		return stale("block %d of %s comes before the last flow the walk stepped on another chain", n.ev.at.Block, n.id.Chain)
	}
	return nil
}

func cmpNode(a, b chains.Node) int {
	switch {
	case a.Chain != b.Chain:
		return cmpOf(a.Chain < b.Chain)
	case a.Kind != b.Kind:
		return cmpOf(a.Kind < b.Kind)
	case a.Address != b.Address:
		return cmpOf(a.Address < b.Address)
	case a.Asset != b.Asset:
		return cmpOf(a.Asset < b.Asset)
	}
	return bytes.Compare(a.Tx[:], b.Tx[:])
}

func cmpOf(less bool) int {
	if less {
		return -1
	}
	return 1
}

// FlowsAfter is what a Graph offers Resume to find a node's new flows
// with one seek: the flows of n after position after, in chain order.
// Without it Resume reads each node's flows whole.
type FlowsAfter interface {
	FlowsAfter(ctx context.Context, n chains.Node, after chains.Pos, fn func(chains.Flow) error) error
}

// FlowsAfterReader is what a Graph offers Resume to make those seeks
// cheaper: a FlowsAfter for many reads on one goroutine, and what ends it.
type FlowsAfterReader interface {
	FlowsAfterReader() (flowsAfter func(context.Context, chains.Node, chains.Pos, func(chains.Flow) error) error, end func())
}

// extend reads what node n gained since the walk last read it (with one
// seek, through after, if the graph offers it) and queues its next flow.
func (w *walker) extend(n *node, after func(context.Context, chains.Node, chains.Pos, func(chains.Flow) error) error) error {
	if n.id.Kind == chains.TxNode {
		return nil // a transaction's flows never change
	}
	old, counted, last := n.count, 0, n.last
	tally := func(f chains.Flow) error {
		if last.Less(f.Pos) {
			last = f.Pos
		}
		if counted++; n.bounded && counted > w.opts.FanOut {
			return errHub
		}
		return nil
	}
	var err error
	if after != nil && old > 0 {
		counted = old
		err = after(w.ctx, n.id, n.last, tally)
	} else {
		err = w.g.Flows(w.ctx, n.id, tally)
	}
	if errors.Is(err, errHub) {
		return stale("%s has more than %d flows now: a fresh trace takes it for a hub", n.id, w.opts.FanOut)
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", n.id, err)
	}
	n.count, n.last = counted, last
	w.res.Visited += n.count - old
	if n.dormant || n.next == n.count {
		return nil // nothing to step (a sleeping node reads its flows when taint wakes it)
	}
	if err := w.load(n); err != nil {
		return err
	}
	if w.ready(n) {
		w.queue.push(n.ev, n)
	}
	return nil
}

// load reads the n.count flows of node n again, for a resumed walk to
// step them.
func (w *walker) load(n *node) error {
	flows, _, err := readFlows(w.ctx, w.g.Flows, n.id, false, 0, &w.scratch)
	if err != nil {
		return fmt.Errorf("read %s: %w", n.id, err)
	}
	if len(flows) != n.count || n.next > n.count {
		return stale("the flows of %s changed", n.id)
	}
	n.flows = flows
	return nil
}

// spent follows the tainted outputs the saved walk left resting that a
// transaction has spent since: the edge now enters that transaction (as a
// fresh trace would have it), and an output the walk held goes on into it.
func (w *walker) spent() error {
	change := map[chains.Outpoint]*tracePeel{}
	for _, p := range w.peels {
		change[p.change] = p
	}
	outs := map[chains.Node][]chains.Flow{}
	resolve := func(e *Edge) (*chains.Flow, error) {
		tx := chains.TxOf(e.Chain(), e.Tx)
		fs, ok := outs[tx]
		if !ok {
			err := w.g.Flows(w.ctx, tx, func(f chains.Flow) error {
				if !f.In {
					fs = append(fs, f)
				}
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", tx, err)
			}
			outs[tx] = fs
		}
		for i := range fs {
			if fs[i].Pos == e.Pos {
				return &fs[i], nil
			}
		}
		return nil, stale("output %v of %s is gone", e.Pos, e.Tx.Format(e.Chain()))
	}
	resting := func(e *Edge) bool {
		n := w.node(e.To)
		return e.To.Kind == chains.HoldingNode && !e.To.Chain.IsEVM() && (n == nil || !n.seed)
	}
	var orphans []*Edge
	for _, f := range w.res.Findings {
		for _, e := range []*Edge{f.Edge, f.Outbound} {
			if e != nil && (e.ID >= len(w.res.Edges) || w.res.Edges[e.ID] != e) {
				orphans = append(orphans, e)
			}
		}
	}
	for _, e := range append(slices.Clone(w.res.Edges), orphans...) {
		if !resting(e) {
			continue
		}
		f, err := resolve(e)
		if err != nil {
			return err
		}
		if f.Other.Kind != chains.TxNode {
			continue // still unspent
		}
		if p := change[f.Link.Outpoint]; p != nil {
			p.next = f.Other.Tx
		}
		if !e.received {
			e.To = f.Other
			continue
		}
		w.uncount(e)
		e.To = f.Other
		s := w.received(e, nil)
		if e.held {
			e.held = false
			if err := w.enter(e, f, s); err != nil {
				return err
			}
		}
	}
	return nil
}

// uncount takes a received edge out of its node's tainted inflows.
func (w *walker) uncount(e *Edge) {
	s := w.slot(e.To)
	s.in = slices.DeleteFunc(s.in, func(x *Edge) bool { return x == e })
	if len(s.in) == 0 {
		s.tainted = nil
		w.tainted--
		return
	}
	s.tainted.Sub(s.tainted, e.Tainted)
}
