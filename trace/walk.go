package trace

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"sort"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/labels"
)

// Options bound a forward trace. The zero value follows 6 hops under
// Haircut, every tainted amount, with a fan-out bound of 10,000 flows.
type Options struct {
	Model Model
	// Hops is how many hops from a seed the walk follows (default 6).
	Hops int
	// Min, if set, gives the smallest tainted amount of an asset that is
	// followed; smaller tainted flows are left out.
	Min func(c chains.Chain, a chains.Asset) *big.Int
	// Since and Until bound the flows followed by block time (Unix
	// seconds); zero leaves that side open.
	Since, Until uint64
	// FanOut is how many flows a node may have before it counts as a hub,
	// which ends its branch with a finding (default 10,000).
	FanOut int
	// Mainnet says the UTXO data is Bitcoin mainnet's, where the CoinJoin
	// detectors apply their activation heights.
	Mainnet bool
	// FollowMixers continues the trace from mixer withdrawals linked to a
	// tainted deposit (mixer_exit_candidate findings), re-seeded with the
	// deposit's tainted fraction.
	FollowMixers bool
	// Within, if set, bounds the walk to the nodes it accepts: taint
	// reaching any other node is recorded on the edge and goes no further
	// (a screen's backward cone).
	Within func(chains.Node) bool
	// KeepPaths keeps what Result.PathTo needs (the walk's record of each
	// node's inflows), which otherwise goes when the walk ends.
	KeepPaths bool
	// Resumable keeps the walk's state at its end (Result.State), from
	// which Resume continues once the graph has grown.
	Resumable bool
}

// Defaults of Options.
const (
	DefaultHops   = 6
	DefaultFanOut = 10000
)

func (o Options) withDefaults() Options {
	if o.Hops <= 0 {
		o.Hops = DefaultHops
	}
	if o.FanOut <= 0 {
		o.FanOut = DefaultFanOut
	}
	return o
}

// errHub stops reading the flows of a node past the fan-out bound.
var errHub = errors.New("hub")

// node is the walk's state of one node of the graph.
type node struct {
	id    chains.Node
	flows []chains.Flow // in flowOrder
	// to holds, beside each outflow, the slot of the node it pays, once
	// the walk has looked it up (nil until then, and beside inflows).
	to      []*slot
	next    int // the next flow to replay
	hop     int // the fewest hops at which the taint it holds reached it
	seed    bool
	acct    *Account // account and holding nodes: &account, nil once the walk is done with the node
	account Account
	ins     []Lot    // a UTXO transaction's inputs so far
	outs    []uint64 // a UTXO transaction's output taint, once split
	// entered maps a transaction to the hop of a tainted inflow of this
	// node in it: value a contract passes on in the same transaction is
	// the same hop.
	entered txHops
	// fanout holds the addresses the node sent tainted value to, until it
	// counts as a fan-out.
	fanout []chains.Address
	// memo is a tainted UTXO transaction's THORChain deposit memo, vault
	// the output that pays the vault.
	memo  *Memo
	vault int
	// stopped is a UTXO transaction that ends the branch (an exchange
	// spends its inputs): its outputs carry no taint on.
	stopped bool
	// ev orders the node in the queue: its next flow.
	ev event
	// count is how many flows the walk read of the node, the last of
	// them at last; bounded says the fan-out bound applied to it.
	count   int
	last    chains.Pos
	bounded bool
	// arriving counts the inflows taint is on its way to (pending);
	// dormant says the node left the queue (sleeps).
	arriving int
	dormant  bool
	// resets are the positions of outflows that took an account node's
	// last taint: a path leaving the node later came in after the last
	// of them.
	resets []chains.Pos
}

// newNode returns the walk's state of node id, its account under model m.
func newNode(id chains.Node, m Model) *node {
	n := &node{id: id}
	n.account.model = m
	n.acct = &n.account
	return n
}

// slot is what the walk keeps of one node it met, all found with one
// lookup.
type slot struct {
	n     *node      // followed
	hub   bool       // past the fan-out bound: read once, not followed
	ahead *aheadRead // its flows asked for ahead, not yet used
	// tainted is the taint the node received (its Result.Tainted entry
	// once the walk is done), in the tainted flows into it, in chain order.
	tainted *big.Int
	in      []*Edge
}

// slot returns node id's slot, made on first use.
func (w *walker) slot(id chains.Node) *slot {
	s := w.slots[id]
	if s == nil {
		s = &slot{}
		w.slots[id] = s
	}
	return s
}

// node returns the walk's state of node id, nil if it does not follow it.
func (w *walker) node(id chains.Node) *node {
	if s := w.slots[id]; s != nil {
		return s.n
	}
	return nil
}

// in returns the tainted flows into node id, in chain order.
func (w *walker) in(id chains.Node) []*Edge {
	if s := w.slots[id]; s != nil {
		return s.in
	}
	return nil
}

// txHops maps transactions to hops: a short list while it is short (most
// nodes take taint in a few transactions), a map once it is long.
type txHops struct {
	few  []txHop
	many map[chains.Hash]int
}

type txHop struct {
	tx  chains.Hash
	hop int
}

// txHopsFew is how long the list grows before it becomes a map.
const txHopsFew = 8

func (h *txHops) get(tx chains.Hash) (int, bool) {
	if h.many != nil {
		hop, ok := h.many[tx]
		return hop, ok
	}
	for i := range h.few {
		if h.few[i].tx == tx {
			return h.few[i].hop, true
		}
	}
	return 0, false
}

// lower sets tx's hop to hop if it has none or a higher one.
func (h *txHops) lower(tx chains.Hash, hop int) {
	if h.many != nil {
		if prev, ok := h.many[tx]; !ok || hop < prev {
			h.many[tx] = hop
		}
		return
	}
	for i := range h.few {
		if h.few[i].tx == tx {
			h.few[i].hop = min(h.few[i].hop, hop)
			return
		}
	}
	if len(h.few) < txHopsFew {
		h.few = append(h.few, txHop{tx, hop})
		return
	}
	h.many = make(map[chains.Hash]int, 2*txHopsFew)
	for _, x := range h.few {
		h.many[x.tx] = x.hop
	}
	h.many[tx], h.few = hop, nil
}

// walker is one trace in progress.
type walker struct {
	ctx     context.Context
	g       Graph
	lk      labels.Lookuper
	opts    Options
	slots   map[chains.Node]*slot // every node the walk met
	queue   eventQueue[*node]
	pending map[pendingKey]*arrival // taint on its way into a node
	peels   map[chains.Hash]*tracePeel
	res     *Result
	tainted int           // how many slots have taint
	reader  *reader       // reads ahead, once started
	scratch []chains.Flow // what the walk reads a node's flows into
	asks    []*aheadRead  // where ask gathers the reads it makes

	proto       Protocol                      // nil when the graph has no events
	cluster     Clusters                      // nil when the graph keeps no clusters
	inCluster   map[chains.Node]*labels.Label // a UTXO address's cluster's exchange, read once
	txTransfers map[txKey][]chains.Transfer
	txEvents    map[txKey][]chains.Event
	swapped     map[swapKey]bool
	deposits    map[chains.Node]*depositAddress
	exits       map[chains.Ref]bool
	linked      map[chains.Node]map[chains.Address]int

	// What Resume needs: the last flow stepped, and the heuristics'
	// reads of data that may grow (a pool's later withdrawals, a bridge's
	// payouts), to check against the grown graph.
	last    event
	mixers  []mixerRead
	bridges []bridgeRead
}

// event is one flow of one node in the walk's order: its position,
// direction and time, and its chain's code.
type event struct {
	at    chains.Pos
	in    bool
	time  uint64
	chain uint8
}

// before reports whether event a comes before b. At one position outflows
// come first, so taint leaves a node before it arrives at the next; flows
// of different chains are ordered by block time.
func (a event) before(b event) bool {
	if a.chain != b.chain {
		// Two chains share no block numbers: their flows meet in time.
		if a.time != b.time {
			return a.time < b.time
		}
		return a.chain < b.chain
	}
	if a.at != b.at {
		return a.at.Less(b.at)
	}
	return !a.in && b.in
}

// arrival is taint on its way into a node, and the fewest hops it took.
type arrival struct {
	taint big.Int
	hop   int
}

// noTaint is the taint of a clean inflow (never written).
var noTaint big.Int

// pendingKey is the inflow of a followed node that taint is on its way
// to (the node by pointer: a cheap key).
type pendingKey struct {
	to   *node
	link chains.Link
}

// Trace follows the taint of seeds forward over g, in chain order, under
// opts.Model: every flow out of a tainted node carries the part of it the
// model says, hop by hop, until a labelled exchange, mixer, bridge or other
// service, a hub, the hop bound or the end of the data. Seeds are fully
// tainted: all value they receive is stolen. lk gives labels; nil finds
// nothing.
func Trace(ctx context.Context, g Graph, lk labels.Lookuper, seeds []chains.Node, opts Options) (*Result, error) {
	w := newWalker(ctx, g, lk, seeds, opts)
	defer w.stopReader()
	for _, s := range seeds {
		n, err := w.touch(w.slot(s), s, chains.Pos{}, 0, false)
		if err != nil {
			return nil, err
		}
		n.seed = true
	}
	return w.run()
}

func newWalker(ctx context.Context, g Graph, lk labels.Lookuper, seeds []chains.Node, opts Options) *walker {
	w := &walker{ctx: ctx, g: g, lk: lk, opts: opts.withDefaults(), slots: map[chains.Node]*slot{},
		pending: map[pendingKey]*arrival{}, peels: map[chains.Hash]*tracePeel{}, res: &Result{Model: opts.Model, Seeds: seeds},
		txTransfers: map[txKey][]chains.Transfer{}, txEvents: map[txKey][]chains.Event{}, swapped: map[swapKey]bool{},
		deposits: map[chains.Node]*depositAddress{}, exits: map[chains.Ref]bool{}, linked: map[chains.Node]map[chains.Address]int{},
		inCluster: map[chains.Node]*labels.Label{}}
	w.proto, _ = g.(Protocol)
	w.cluster, _ = g.(Clusters)
	return w
}

// run steps the queued nodes in chain order until none has a flow left,
// then finishes the result.
func (w *walker) run() (*Result, error) {
	ctx := w.ctx
	for steps := 0; w.queue.Len() > 0; {
		n := w.queue.pop()
		// Step the node for as long as its next flow comes before every
		// other node's: one heap operation per run of flows, not per flow.
		for {
			if steps++; steps%256 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
				if w.reader != nil {
					w.lookPast()
				}
			}
			w.last = n.ev
			if err := w.step(n); err != nil {
				return nil, fmt.Errorf("trace %s: %w", n.id, err)
			}
			if !w.ready(n) {
				// Done: keep memory to the frontier (a resumable walk
				// keeps the balances the next flows would change).
				n.flows, n.to, n.ins, n.outs = nil, nil, nil, nil
				if !w.opts.Resumable {
					n.acct, n.account = nil, Account{}
				}
				break
			}
			if w.sleeps(n) {
				n.dormant = true
				break
			}
			if w.queue.Len() > 0 && w.queue[0].ev.before(n.ev) {
				w.queue.push(n.ev, n)
				break
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if w.opts.Resumable {
		state, err := w.save()
		if err != nil {
			return nil, err
		}
		w.res.state = state
	}
	w.finish()
	if w.opts.KeepPaths {
		w.res.pathTo = w.path
	}
	return w.res, nil
}

// touch starts following node id from position from on: it reads the
// node's flows, replays those before from as clean (the balance that taint
// will mix with), and queues the rest. A transaction is always followed
// from its first input: its inputs all meet at once. With bounded, it
// returns nil for a node with more flows than the fan-out bound (a hub,
// which becomes a finding, and is read only once). s is id's slot.
func (w *walker) touch(s *slot, id chains.Node, from chains.Pos, hop int, bounded bool) (*node, error) {
	if s.n != nil || s.hub {
		return s.n, nil
	}
	n := newNode(id, w.opts.Model)
	n.hop, n.bounded = hop, bounded
	flows, to, hub, err := w.read(s, id, bounded)
	w.res.Visited += len(flows)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", id, err)
	}
	if hub {
		s.hub = true
		return nil, nil
	}
	n.flows, n.to = flows, to
	if n.count = len(n.flows); n.count > 0 {
		n.last = n.flows[n.count-1].Pos
	}
	if id.Kind == chains.TxNode {
		from = chains.Pos{}
	}
	s.n = n
	for n.next < len(n.flows) && n.flows[n.next].Pos.Less(from) {
		if err := w.replayClean(n, &n.flows[n.next]); err != nil {
			return nil, err
		}
		n.next++
	}
	w.readAhead(n, n.next)
	if w.ready(n) {
		w.queue.push(n.ev, n)
	}
	return n, nil
}

// flowOrder is chain order, an outflow before an inflow at one position.
func flowOrder(a, b chains.Flow) int {
	switch {
	case a.Pos != b.Pos && a.Pos.Less(b.Pos):
		return -1
	case a.Pos != b.Pos:
		return 1
	case a.In == b.In:
		return 0
	case !a.In:
		return -1
	}
	return 1
}

// replayClean applies a flow from before taint reached the node.
func (w *walker) replayClean(n *node, f *chains.Flow) error {
	if n.id.Kind == chains.TxNode {
		return nil // a transaction's flows are all at one place in chain order
	}
	if f.In {
		return n.acct.In(f.Amount, new(big.Int))
	}
	_, err := n.acct.Out(f.Amount)
	return err
}

// ready readies the node's next flow for the queue and reports whether it
// has one inside the window (flows before Since replay as clean).
func (w *walker) ready(n *node) bool {
	for n.next < len(n.flows) && w.opts.Since > 0 && n.flows[n.next].Time < w.opts.Since {
		if err := w.replayClean(n, &n.flows[n.next]); err != nil {
			return false
		}
		n.next++
	}
	if n.next == len(n.flows) || (w.opts.Until > 0 && n.flows[n.next].Time > w.opts.Until) {
		return false
	}
	f := &n.flows[n.next]
	n.ev = event{at: f.Pos, in: f.In, time: f.Time, chain: n.id.Chain.Code()}
	return true
}

// step applies the node's next flow.
func (w *walker) step(n *node) error {
	i := n.next
	f := &n.flows[i]
	n.next++
	if f.In {
		return w.inflow(n, f)
	}
	var to *slot
	if n.to != nil {
		to = n.to[i]
	}
	return w.outflow(n, f, to)
}

func (w *walker) inflow(n *node, f *chains.Flow) error {
	taint := &noTaint
	if n.arriving > 0 { // else no taint is on its way to any of its inflows
		key := pendingKey{to: n, link: f.Link}
		if a, ok := w.pending[key]; ok {
			taint = &a.taint
			delete(w.pending, key)
			n.arriving--
			switch {
			case n.id.Kind != chains.TxNode && n.acct.taint.Sign() == 0:
				n.hop = a.hop // the node held no taint: what it sends next is this taint's
			default:
				n.hop = min(n.hop, a.hop)
			}
		}
	}
	if n.seed {
		taint = f.Amount // all of it: In copies what it keeps
	}
	if n.id.Kind == chains.TxNode {
		n.ins = append(n.ins, Lot{Value: f.Amount.Uint64(), Taint: taint.Uint64()})
		return nil
	}
	return n.acct.In(f.Amount, taint)
}

// outflow works out the taint a flow carries away and passes it on. s is
// the slot of the node it pays, if the walk has looked it up.
func (w *walker) outflow(n *node, f *chains.Flow, s *slot) error {
	taint, err := w.carried(n, f)
	if err != nil {
		return err
	}
	if taint.Sign() == 0 {
		w.cleanSweep(n, f)
		return nil
	}
	if n.acct != nil && n.id.Kind != chains.TxNode && n.acct.taint.Sign() == 0 {
		n.resets = append(n.resets, f.Pos) // the node's taint is all gone
	}
	if min := w.min(n.id.Chain, n.id.Asset); min != nil && taint.Cmp(min) < 0 {
		return nil
	}
	hop := n.hop + 1
	if h, ok := n.entered.get(f.Tx); ok && h < hop && n.id.Kind == chains.AccountNode {
		hop = h // a contract passing value on inside the transaction that brought it: the same hop
	}
	if n.seed {
		hop = 1
		if n.id.Kind == chains.HoldingNode {
			hop = 0 // a seed address's coins spent by its own transaction: no hop yet
		}
	}
	if hop > w.opts.Hops {
		return nil
	}
	if f.Converts && n.id.Kind == chains.AccountNode && w.proto != nil {
		if ok, err := w.convert(n, f, taint, hop); ok || err != nil {
			return err
		}
	}
	to := f.Other
	if n.id.Kind == chains.TxNode && f.Address != "" {
		// A coin paid to a seed address is the seed's again, wherever it
		// goes next: the seed passes it on, fully tainted.
		if seed := w.node(chains.HoldingOf(n.id.Chain, f.Address)); seed != nil && seed.seed {
			to, s = seed.id, nil
		}
	}
	e := &Edge{ID: len(w.res.Edges), From: n.id, To: to, Tx: f.Tx, Pos: f.Pos, Time: f.Time, Asset: n.id.Asset,
		Amount: f.Amount, Tainted: taint, Kind: f.Kind, Address: f.Address, Hop: hop}
	w.res.Edges = append(w.res.Edges, e)
	if n.id.Kind == chains.AccountNode {
		w.fanOut(n, e)
	}
	if n.memo != nil && int(f.Pos.Index&^(1<<31)) == n.vault {
		w.received(e, s)
		return w.bridge(e, *n.memo, "", nil)
	}
	return w.deliver(e, f, s)
}

// carried is the taint flow f takes out of node n under the model.
func (w *walker) carried(n *node, f *chains.Flow) (*big.Int, error) {
	if n.id.Kind != chains.TxNode {
		return n.acct.Out(f.Amount)
	}
	if n.outs == nil {
		if err := w.split(n); err != nil {
			return nil, err
		}
	}
	vout := f.Pos.Index &^ (1 << 31)
	if int(vout) >= len(n.outs) {
		return nil, fmt.Errorf("output %d of %d", vout, len(n.outs))
	}
	if n.stopped {
		return new(big.Int), nil
	}
	return new(big.Int).SetUint64(n.outs[vout]), nil
}

// split shares a UTXO transaction's input taint among its outputs. Value
// the transaction spends that the store could not resolve (and a
// coinbase's new coins) counts as clean.
func (w *walker) split(n *node) error {
	var outs []uint64
	var in, out uint64
	for _, f := range n.flows {
		if !f.In {
			outs = append(outs, f.Amount.Uint64())
			out += f.Amount.Uint64()
		}
	}
	for _, l := range n.ins {
		in += l.Value
	}
	lots := n.ins
	if out > in {
		lots = append(lots, Lot{Value: out - in})
	}
	taint, _, err := SplitUTXO(w.opts.Model, lots, outs)
	n.outs = taint
	if in := w.in(n.id); len(in) > 0 && err == nil {
		tx := n.utxoTx()
		joined := w.coinjoin(n, tx, in[len(in)-1])
		w.peel(n, tx, in[len(in)-1])
		if !joined {
			w.coSpend(n, tx, in)
		}
		w.memo(n)
	}
	return err
}

// utxoTx rebuilds a UTXO transaction node's inputs and outputs from its
// flows, for the detectors.
func (n *node) utxoTx() *chains.UTXOTx {
	tx := &chains.UTXOTx{Hash: n.id.Tx}
	for _, f := range n.flows {
		if f.In {
			tx.Inputs = append(tx.Inputs, chains.TxIn{Prev: f.Link.Outpoint, Resolved: f.Other.Kind != 0, Value: f.Amount.Uint64(), Address: f.Address})
		} else {
			tx.Outputs = append(tx.Outputs, chains.TxOut{Value: f.Amount.Uint64(), Kind: f.Script, Address: f.Address})
		}
	}
	return tx
}

// coinjoin makes a finding of a tainted transaction that is a CoinJoin,
// at the edge that last brought taint in. The trace goes on through it
// under the model.
func (w *walker) coinjoin(n *node, tx *chains.UTXOTx, e *Edge) bool {
	kind, ok := DetectCoinJoin(tx, CoinJoinContext{Height: n.flows[0].Pos.Block, Mainnet: w.opts.Mainnet,
		Origin: func(prev chains.Outpoint) InputOrigin { return w.origin(n.id.Chain, prev) }})
	if !ok {
		return false
	}
	w.res.Findings = append(w.res.Findings, Finding{Kind: FindingCoinJoin, Chain: n.id.Chain, Edge: e, Hop: e.Hop,
		Heuristic: "coinjoin:" + string(kind), CoinJoin: kind, Confidence: 0.9})
	return true
}

// tracePeel is a tainted transaction that peels a payment off its coin.
type tracePeel struct {
	in      chains.Outpoint // the coin it spends
	change  chains.Outpoint
	next    chains.Hash // the transaction that spends the change, if known
	payment uint64
	edge    *Edge // the tainted flow that brought it its coin
}

// peel remembers a tainted transaction that looks like a peel step; finish
// links the steps into chains.
func (w *walker) peel(n *node, tx *chains.UTXOTx, e *Edge) {
	change, ok := LooksLikePeel(tx)
	if !ok {
		return
	}
	s := &tracePeel{in: tx.Inputs[0].Prev, change: chains.Outpoint{Tx: tx.Hash, Index: uint32(change)},
		payment: tx.Outputs[1-change].Value, edge: e}
	for _, f := range n.flows {
		if !f.In && f.Link.Outpoint == s.change && f.Other.Kind == chains.TxNode {
			s.next = f.Other.Tx
		}
	}
	w.peels[tx.Hash] = s
}

// peelChains makes a finding of each run of two or more tainted peel steps,
// each spending the one before's change.
func (w *walker) peelChains() {
	var starts []*tracePeel
	for _, s := range w.peels {
		if prev := w.peels[s.in.Tx]; prev == nil || prev.change != s.in {
			starts = append(starts, s)
		}
	}
	sort.Slice(starts, func(i, j int) bool { return starts[i].edge.Pos.Less(starts[j].edge.Pos) })
	for _, s := range starts {
		length, total := 0, new(big.Int)
		for step, seen := s, map[*tracePeel]bool{}; step != nil && !seen[step]; step = w.peels[step.next] {
			seen[step] = true
			length++
			total.Add(total, new(big.Int).SetUint64(step.payment))
			if next := w.peels[step.next]; next == nil || next.in != step.change {
				break
			}
		}
		if length >= 2 {
			w.res.Findings = append(w.res.Findings, Finding{Kind: FindingPeelChain, Chain: s.edge.To.Chain, Edge: s.edge,
				Hop: s.edge.Hop, Heuristic: "peel", Length: length, Total: total, Confidence: 0.8})
		}
	}
}

func (w *walker) min(c chains.Chain, a chains.Asset) *big.Int {
	if w.opts.Min == nil {
		return nil
	}
	return w.opts.Min(c, a)
}

// deliver hands an edge's taint to the node it enters: a finding where that
// is a labelled service or a hub, else the next node to follow. s is that
// node's slot, if the caller has it (nil: looked up).
func (w *walker) deliver(e *Edge, f *chains.Flow, s *slot) error {
	to := e.To
	if to.Kind == 0 || to.Address == chains.FeeSink || to.Address == chains.BeaconSink {
		return nil // fees, burns and unresolved sources end here
	}
	s = w.received(e, s)
	if n := s.n; n != nil && n.seed {
		return w.pass(n, e, f) // taint back at a seed: nothing new to say
	}
	if w.opts.Within != nil && !w.opts.Within(to) {
		return nil
	}
	if f.Evented && to.Kind == chains.AccountNode && w.proto != nil {
		if stop, err := w.protocolEvent(e); stop || err != nil {
			return err
		}
	}
	if stop, err := w.labelled(e); stop || err != nil {
		return err
	}
	if to.Kind == chains.HoldingNode {
		e.held = true // an unspent output: the money rests here
		return nil
	}
	return w.enter(e, f, s)
}

// enter follows edge e into the node it reaches, flow f of that node, s
// its slot: a hub finding there, or its taint on its way into the node.
func (w *walker) enter(e *Edge, f *chains.Flow, s *slot) error {
	n, err := w.touch(s, e.To, e.Pos, e.Hop, true)
	if err != nil {
		return err
	}
	if n == nil {
		w.finding(e, FindingHub, "", "fan-out", nil)
		w.res.Findings[len(w.res.Findings)-1].Confidence = 0.5 // a structural guess, not an attribution
		return nil
	}
	return w.pass(n, e, f)
}

// pass queues an edge's taint for the inflow of node n it becomes.
func (w *walker) pass(n *node, e *Edge, f *chains.Flow) error {
	if n.dormant {
		if err := w.wake(n, f.Link.Pos); err != nil {
			return err
		}
	}
	n.entered.lower(e.Tx, e.Hop)
	if n.id.Kind == chains.TxNode {
		n.hop = min(n.hop, e.Hop)
	}
	if n.passed(f.Link) {
		return w.late(n, e)
	}
	k := pendingKey{to: n, link: f.Link}
	a := w.pending[k]
	if a == nil {
		a = &arrival{hop: e.Hop}
		w.pending[k] = a
		n.arriving++
	}
	a.taint.Add(&a.taint, e.Tainted)
	a.hop = min(a.hop, e.Hop)
	return nil
}

// sleeps reports whether account node n can leave the queue until taint
// next reaches it: the taint it holds is at the hop bound and none is on
// its way, so its next flows pass nothing on (a flow inside a transaction
// that brought it taint would, at that taint's hop); they only change its
// balance, which wake applies when taint arrives.
func (w *walker) sleeps(n *node) bool {
	if n.seed || n.id.Kind != chains.AccountNode || n.hop < w.opts.Hops || n.arriving > 0 || w.deposits[n.id] != nil {
		return false
	}
	_, entered := n.entered.get(n.flows[n.next].Tx)
	return !entered
}

// wake steps a sleeping node's flows before position at, where taint
// arrives, and queues it again: they passed nothing on, so stepping them
// late changes nothing else.
func (w *walker) wake(n *node, at chains.Pos) error {
	n.dormant = false
	if n.flows == nil { // asleep when a resumed walk began
		if err := w.load(n); err != nil {
			return err
		}
	}
	for w.ready(n) && (n.ev.at.Less(at) || n.ev.at == at && !n.ev.in) {
		if err := w.step(n); err != nil {
			return fmt.Errorf("trace %s: %w", n.id, err)
		}
	}
	if w.ready(n) {
		w.queue.push(n.ev, n)
	}
	return nil
}

// passed reports whether node n has already applied its inflow at link.
// A node done with all its flows has.
func (n *node) passed(link chains.Link) bool {
	if n.flows == nil {
		return n.next > 0
	}
	done := n.flows[:n.next]
	if link.Outpoint == (chains.Outpoint{}) {
		// An account transfer's link is its position, and the flows are in
		// chain order: one search, not a scan of all the node stepped (a
		// busy node takes taint thousands of times).
		i := sort.Search(len(done), func(i int) bool { return !done[i].Pos.Less(link.Pos) })
		j := i
		for j < len(done) && done[j].Pos == link.Pos {
			j++
		}
		done = done[i:j]
	}
	for i := range done {
		if f := &done[i]; f.In && f.Link == link {
			return true
		}
	}
	return false
}

// late applies taint that reaches an inflow the node has already applied:
// a conversion whose proceeds arrived before the asset that paid for them
// left (an unwrap pays the ether before its Withdrawal log). At an account
// node the value is there, so part of it turns tainted; a UTXO
// transaction's outputs are already shared out, so the taint is counted in
// Result.Late.
func (w *walker) late(n *node, e *Edge) error {
	if n.id.Kind != chains.TxNode && n.acct != nil {
		return n.acct.Retaint(e.Tainted)
	}
	w.res.Late++
	return nil
}

// received records the edge as a tainted inflow of its target, and
// returns the target's slot: s if the caller has it (nil: looked up).
func (w *walker) received(e *Edge, s *slot) *slot {
	if s == nil {
		s = w.slot(e.To)
	}
	if s.tainted == nil {
		s.tainted = new(big.Int)
		w.tainted++
	}
	s.tainted.Add(s.tainted, e.Tainted)
	s.in = append(s.in, e)
	e.received = true
	return s
}

// stops are the label categories that end a branch, with their findings.
var stops = map[labels.Category]FindingKind{
	labels.Exchange: FindingExchange,
	labels.Mixer:    FindingMixer,
	labels.Bridge:   FindingBridge,
	labels.OTC:      FindingService,
	labels.Service:  FindingService,
}

// labelled makes the findings of the address an edge reached and reports
// whether it ends the branch.
func (w *walker) labelled(e *Edge) (bool, error) {
	if w.lk == nil || e.Address == "" || e.From.Kind == chains.HoldingNode {
		return false, nil // a coin leaving an address reaches no new address
	}
	ls := w.lk.Lookup(e.To.Chain, e.Address)
	for i := range ls {
		if kind, ok := stops[ls[i].Category]; ok {
			if kind == FindingExchange && w.depositSweep(e, &ls[i]) {
				return true, nil
			}
			w.finding(e, kind, ls[i].Entity, "label", &ls[i])
			return true, nil
		}
	}
	for i := range ls {
		switch ls[i].Category {
		case labels.Theft:
			w.finding(e, FindingAttributed, ls[i].Entity, "label", &ls[i])
			return false, nil
		case labels.Sanctioned:
			w.finding(e, FindingSanctioned, ls[i].Entity, "label", &ls[i])
			return false, nil
		}
	}
	if len(ls) == 0 && e.From.Kind == chains.TxNode {
		return w.clusterDeposit(e)
	}
	return false, nil
}

func (w *walker) finding(e *Edge, kind FindingKind, entity, heuristic string, l *labels.Label) {
	w.res.Findings = append(w.res.Findings, Finding{Kind: kind, Chain: e.To.Chain, Address: e.Address, Entity: entity,
		Edge: e, Hop: e.Hop, Heuristic: heuristic, Label: l, Confidence: 1})
}

// finish adds the peel chains, fills each finding's path (following the
// best incoming edges back to a seed) and orders the findings by (hop,
// block, tx, kind).
func (w *walker) finish() {
	w.res.Tainted = make(map[chains.Node]*big.Int, w.tainted)
	for id, s := range w.slots {
		if s.tainted != nil {
			w.res.Tainted[id] = s.tainted
		}
	}
	w.peelChains()
	w.clusters()
	for i := range w.res.Findings {
		f := &w.res.Findings[i]
		f.Path = w.path(f.Edge)
		f.Paths = len(w.in(f.Edge.To))
	}
	sort.SliceStable(w.res.Findings, func(i, j int) bool {
		a, b := &w.res.Findings[i], &w.res.Findings[j]
		if a.Hop != b.Hop {
			return a.Hop < b.Hop
		}
		if ca, cb := a.Edge.Chain(), b.Edge.Chain(); ca != cb {
			// Two chains share no block numbers: their findings meet in time.
			if a.Edge.Time != b.Edge.Time {
				return a.Edge.Time < b.Edge.Time
			}
			return ca < cb
		}
		if a.Edge.Pos != b.Edge.Pos {
			return a.Edge.Pos.Less(b.Edge.Pos)
		}
		return a.Kind < b.Kind
	})
}

// path walks back from e to a seed, at each node along the tainted inflow
// before the edge out that carried the most taint (the earliest of equals).
func (w *walker) path(e *Edge) []*Edge {
	path := []*Edge{e} // from e back, reversed at the end
	for {
		out := path[len(path)-1]
		if out.cause != nil && !slices.Contains(path, out.cause) {
			path = append(path, out.cause)
			continue
		}
		s := w.slots[out.From]
		if s == nil || s.n == nil || s.n.seed {
			slices.Reverse(path)
			return path
		}
		n := s.n
		left := out.Pos
		if out.left != (chains.Pos{}) {
			left = out.left
		}
		var since chains.Pos // the node's last reset before the edge left
		for _, r := range n.resets {
			if r.Less(left) {
				since = r
			}
		}
		var best *Edge
		for _, in := range s.in {
			if in.Pos.Less(left) && !in.Pos.Less(since) && (best == nil || in.Tainted.Cmp(best.Tainted) > 0) && !slices.Contains(path, in) {
				best = in
			}
		}
		if best == nil {
			slices.Reverse(path)
			return path
		}
		path = append(path, best)
	}
}

// eventQueue is a binary heap of values by event (event.before), each held
// with a copy of its event, so that ordering reads no value: the walk's
// nodes by their next flow, the reader's reads by the payment that needs
// them.
type eventQueue[T any] []queued[T]

type queued[T any] struct {
	ev event
	v  T
}

func (q eventQueue[T]) Len() int { return len(q) }

// push adds v at event ev.
func (q *eventQueue[T]) push(ev event, v T) {
	*q = append(*q, queued[T]{ev, v})
	h := *q
	for j := len(h) - 1; j > 0; {
		i := (j - 1) / 2
		if !h[j].ev.before(h[i].ev) {
			break
		}
		h[i], h[j] = h[j], h[i]
		j = i
	}
}

// pop removes and returns the value whose event comes first.
func (q *eventQueue[T]) pop() T {
	h := *q
	last := len(h) - 1
	h[0], h[last] = h[last], h[0]
	for i := 0; ; {
		j := 2*i + 1
		if j >= last {
			break
		}
		if k := j + 1; k < last && h[k].ev.before(h[j].ev) {
			j = k
		}
		if !h[j].ev.before(h[i].ev) {
			break
		}
		h[i], h[j] = h[j], h[i]
		i = j
	}
	v := h[last].v
	var zero T
	h[last].v = zero // the heap keeps no pointer to what it gave out
	*q = h[:last]
	return v
}
