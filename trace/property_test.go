package trace_test

import (
	"cmp"
	"context"
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/store"
	"github.com/houndtrace/hound/trace"
)

// Property tests: random graphs committed to a real store, traced under
// every model, and checked against references written here from the rules
// in doc.go and DESIGN.md with plain math/big, never with the trace
// package's own model code (Account, SplitUTXO).
//
// An account-chain graph has 5-30 addresses, each first paid by a clean
// funder (so no balance goes negative), then 20-200 random transfers among
// them and a few terminal sinks, some pairs of them inside one transaction,
// some emptying their sender, with clean top-ups mixed in. A UTXO graph is
// a chain of Bitcoin transactions spending random unspent outputs, seeded
// by a holding address paid by a coinbase.

const (
	propAccountGraphs = 40
	propUTXOGraphs    = 30
	propUnbounded     = 1 << 20 // Options.Hops that never binds
)

// propAddr is the address of participant i of graph g (i < 0: the funder).
func propAddr(g, i int) chains.Address {
	return chains.Address(fmt.Sprintf("0x%08x%032x", uint32(g), uint64(int64(i))))
}

// propRand returns a random integer in [1, max] (max >= 1).
func propRand(r *rand.Rand, max *big.Int) *big.Int {
	v := new(big.Int).SetUint64(r.Uint64())
	v.Lsh(v, 64).Or(v, new(big.Int).SetUint64(r.Uint64()))
	v.Lsh(v, 64).Or(v, new(big.Int).SetUint64(r.Uint64()))
	return v.Mod(v, max).Add(v, big.NewInt(1))
}

// propTransfer is a generated transfer between participants (index -1 is
// the funder).
type propTransfer struct {
	from, to int
	amount   *big.Int
	pos      chains.Pos
	tx       chains.Hash
}

// propAccountGraph is one random account-chain graph.
type propAccountGraph struct {
	g         int
	n, sinks  int // participants 0..n-1 send and receive; n..n+sinks-1 only receive
	transfers []propTransfer
}

func (pg *propAccountGraph) node(i int) chains.Node {
	return chains.AccountOf(chains.Ethereum, propAddr(pg.g, i), chains.Native)
}

func (pg *propAccountGraph) index(a chains.Address) int {
	for i := -1; i < pg.n+pg.sinks; i++ {
		if propAddr(pg.g, i) == a {
			return i
		}
	}
	return -2
}

// genAccountGraph makes graph g. selfTransfers lets a participant pay
// itself.
func genAccountGraph(r *rand.Rand, g int, selfTransfers bool) *propAccountGraph {
	pg := &propAccountGraph{g: g, n: 5 + r.IntN(26), sinks: 1 + r.IntN(3)}
	// The scale of the amounts: tiny amounts make haircut floors drop
	// taint (to zero, often), large ones exercise big arithmetic.
	var fund *big.Int
	switch r.IntN(3) {
	case 0:
		fund = big.NewInt(1000)
	case 1:
		fund = new(big.Int).Exp(big.NewInt(10), big.NewInt(21), nil)
	default:
		fund = new(big.Int).Exp(big.NewInt(10), big.NewInt(40), nil)
	}
	balance := make([]*big.Int, pg.n+pg.sinks)
	for i := range balance {
		balance[i] = new(big.Int)
	}
	block, txIndex := uint64(1), uint32(0)
	nextTx := func() (chains.Hash, chains.Pos) {
		if txIndex >= uint32(1+r.IntN(3)) { // 1-3 transactions a block
			block, txIndex = block+1, 0
		}
		var h chains.Hash
		h[0], h[1], h[2] = byte(g), byte(block), byte(block>>8)
		h[3], h[31] = byte(txIndex), 0x77
		p := chains.Pos{Block: block, TxIndex: txIndex, Index: 1}
		txIndex++
		return h, p
	}
	add := func(from, to int, amount *big.Int, tx chains.Hash, p chains.Pos) {
		if from >= 0 {
			balance[from].Sub(balance[from], amount)
		}
		balance[to].Add(balance[to], amount)
		pg.transfers = append(pg.transfers, propTransfer{from: from, to: to, amount: amount, pos: p, tx: tx})
	}
	for i := 0; i < pg.n; i++ {
		tx, p := nextTx()
		add(-1, i, propRand(r, fund), tx, p)
	}
	for range 20 + r.IntN(181) {
		tx, p := nextTx()
		if r.IntN(10) == 0 { // a clean top-up: a merge of clean money
			add(-1, r.IntN(pg.n), propRand(r, fund), tx, p)
			continue
		}
		from := r.IntN(pg.n)
		for balance[from].Sign() == 0 {
			from = r.IntN(pg.n)
		}
		to := r.IntN(pg.n + pg.sinks)
		for to == from && !selfTransfers {
			to = r.IntN(pg.n + pg.sinks)
		}
		amount := new(big.Int).Set(balance[from])
		if r.IntN(6) != 0 {
			amount = propRand(r, balance[from])
		}
		add(from, to, amount, tx, p)
		// Sometimes the receiver passes value on inside the same
		// transaction, as a contract would.
		if to < pg.n && to != from && r.IntN(5) == 0 {
			next := r.IntN(pg.n + pg.sinks)
			if next != to {
				add(to, next, propRand(r, balance[to]), tx, chains.Pos{Block: p.Block, TxIndex: p.TxIndex, Index: 2})
			}
		}
	}
	return pg
}

// sender picks a participant that sends something, the seed of a trace.
func (pg *propAccountGraph) sender(r *rand.Rand) int {
	for {
		if tr := pg.transfers[r.IntN(len(pg.transfers))]; tr.from >= 0 {
			return tr.from
		}
	}
}

// commit writes the graph to a new store in a temp dir.
func (pg *propAccountGraph) commit(t testing.TB) *store.Store {
	t.Helper()
	s := tempStore(t)
	if err := s.Commit(chains.Ethereum, pg.chainBlocks(), nil); err != nil {
		t.Fatal(err)
	}
	return s
}

// chainBlocks is the graph as the blocks of a chain.
func (pg *propAccountGraph) chainBlocks() []*chains.Block {
	var blocks []*chains.Block
	var parent chains.Hash
	for _, tr := range pg.transfers {
		if len(blocks) == 0 || blocks[len(blocks)-1].Number != tr.pos.Block {
			b := &chains.Block{Chain: chains.Ethereum, Number: tr.pos.Block, Parent: parent, Time: 1000 + 12*tr.pos.Block}
			b.Hash[0], b.Hash[1], b.Hash[2], b.Hash[31] = byte(pg.g), byte(b.Number), byte(b.Number>>8), 0xee
			parent = b.Hash
			blocks = append(blocks, b)
		}
		b := blocks[len(blocks)-1]
		from, to := propAddr(pg.g, tr.from), propAddr(pg.g, tr.to)
		if n := len(b.Txs); n == 0 || b.Txs[n-1].Hash != tr.tx {
			b.Txs = append(b.Txs, chains.Tx{Hash: tr.tx, Index: tr.pos.TxIndex, From: from, To: to, Status: chains.TxSucceeded})
		}
		kind := chains.KindNative
		if tr.pos.Index > 1 {
			kind = chains.KindInternal
		}
		b.Transfers = append(b.Transfers, chains.Transfer{Chain: chains.Ethereum, Tx: tr.tx, Pos: tr.pos, Time: b.Time,
			From: from, To: to, Asset: chains.Native, Amount: tr.amount, Kind: kind})
	}
	return blocks
}

// refAccount is the reference state of one account node: its balance and
// its inflows as lots, each lot's tainted part first.
type refAccount struct {
	balance  *big.Int
	lots     []refLot // oldest first; amounts and taints still held
	poisoned bool
}

type refLot struct{ amount, taint *big.Int }

func (a *refAccount) taint() *big.Int {
	t := new(big.Int)
	for _, l := range a.lots {
		t.Add(t, l.taint)
	}
	return t
}

func (a *refAccount) in(amount, taint *big.Int) {
	a.balance.Add(a.balance, amount)
	a.lots = append(a.lots, refLot{new(big.Int).Set(amount), new(big.Int).Set(taint)})
	if taint.Sign() > 0 {
		a.poisoned = true
	}
}

// out takes amount out under model m and returns its taint; floorZero
// reports a haircut outflow whose share of a positive taint floored to 0.
func (a *refAccount) out(m trace.Model, amount *big.Int) (taint *big.Int, floorZero bool) {
	T := a.taint()
	taint = new(big.Int)
	if amount.Cmp(a.balance) >= 0 { // empties the node: all its taint goes
		taint.Set(T)
		if m == trace.Poison && a.poisoned {
			taint.Set(amount)
		}
		a.balance.SetInt64(0)
		a.lots, a.poisoned = nil, false
		return taint, false
	}
	switch m {
	case trace.Haircut: // floor(amount * T / B), as a rational
		q := new(big.Rat).SetFrac(new(big.Int).Mul(amount, T), a.balance)
		taint.Quo(q.Num(), q.Denom())
		floorZero = taint.Sign() == 0 && T.Sign() > 0
		a.takeTaint(taint)
	case trace.Poison:
		if a.poisoned {
			taint.Set(amount)
		}
	case trace.FIFO, trace.LIFO:
		need := new(big.Int).Set(amount)
		for need.Sign() > 0 {
			i := 0
			if m == trace.LIFO {
				i = len(a.lots) - 1
			}
			l := a.lots[i]
			x := minBig(need, l.amount)
			tx := minBig(x, l.taint) // the lot's tainted part leaves first
			taint.Add(taint, tx)
			l.taint.Sub(l.taint, tx)
			l.amount.Sub(l.amount, x)
			need.Sub(need, x)
			if l.amount.Sign() == 0 {
				a.lots = slices.Delete(a.lots, i, i+1)
			}
		}
	case trace.TIHO: // tainted first
		taint.Set(minBig(amount, T))
		a.takeTaint(taint)
	}
	a.balance.Sub(a.balance, amount)
	return taint, floorZero
}

// takeTaint removes t of taint from the lots (haircut and TIHO keep no
// order, so where it comes from does not matter).
func (a *refAccount) takeTaint(t *big.Int) {
	rest := new(big.Int).Set(t)
	for _, l := range a.lots {
		x := minBig(rest, l.taint)
		l.taint.Sub(l.taint, x)
		rest.Sub(rest, x)
	}
}

func minBig(a, b *big.Int) *big.Int {
	if a.Cmp(b) <= 0 {
		return new(big.Int).Set(a)
	}
	return new(big.Int).Set(b)
}

// refEdge is a tainted flow the reference expects in the trace.
type refEdge struct {
	from, to int
	amount   *big.Int
	taint    *big.Int
	hop      int
}

// refResult is the reference replay of a graph under one model.
type refResult struct {
	edges     map[chains.Pos]refEdge
	final     map[int]*refAccount // every participant's state at the end
	floorZero bool                // some haircut share of positive taint floored to zero
}

// replay replays the graph in chain order under model m, the seed's
// inflows fully tainted, following at most hops hops: a flow's hop is one
// more than the fewest hops of the tainted flows its sender received
// before it since it last held no taint, or, when the sender received a tainted flow in the same
// transaction (a contract passing value on), the fewest hops of those if
// that is smaller. The seed's outflows are hop 1. A tainted flow past the
// bound takes its taint from the sender and delivers none.
func (pg *propAccountGraph) replay(m trace.Model, seed, hops int) refResult {
	res := refResult{edges: map[chains.Pos]refEdge{}, final: map[int]*refAccount{}}
	acct := func(i int) *refAccount {
		if res.final[i] == nil {
			res.final[i] = &refAccount{balance: new(big.Int)}
		}
		return res.final[i]
	}
	nodeHop := map[int]int{}
	entered := map[int]map[chains.Hash]int{}
	for _, tr := range pg.transfers {
		taint := new(big.Int)
		if tr.from >= 0 {
			var fz bool
			taint, fz = acct(tr.from).out(m, tr.amount)
			res.floorZero = res.floorZero || fz
		}
		if taint.Sign() > 0 {
			hop := 1
			if tr.from != seed {
				hop = nodeHop[tr.from] + 1
				if h, ok := entered[tr.from][tr.tx]; ok && h < hop {
					hop = h
				}
			}
			if hop > hops {
				taint = new(big.Int)
			} else {
				res.edges[tr.pos] = refEdge{from: tr.from, to: tr.to, amount: tr.amount, taint: taint, hop: hop}
				if h, ok := nodeHop[tr.to]; !ok || hop < h || acct(tr.to).taint().Sign() == 0 {
					nodeHop[tr.to] = hop // what a node sends next is the taint it holds, and that came in since it last held none
				}
				if entered[tr.to] == nil {
					entered[tr.to] = map[chains.Hash]int{}
				}
				if h, ok := entered[tr.to][tr.tx]; !ok || hop < h {
					entered[tr.to][tr.tx] = hop
				}
			}
		}
		if tr.to == seed {
			taint = tr.amount // the seed's money is stolen, all of it
		}
		acct(tr.to).in(tr.amount, taint)
	}
	return res
}

// traceGraph traces the graph from the seed and fails the test on error.
func traceGraph(t *testing.T, g trace.Graph, seed chains.Node, m trace.Model, hops int) *trace.Result {
	t.Helper()
	res, err := trace.Trace(context.Background(), g, nil, []chains.Node{seed}, trace.Options{Model: m, Hops: hops})
	if err != nil {
		t.Fatalf("%s, hops %d: %v", m, hops, err)
	}
	return res
}

// checkAccountTrace compares a trace with the reference and checks what
// holds of every trace: amounts in range, per-node totals, conservation.
func checkAccountTrace(t *testing.T, pg *propAccountGraph, seed int, m trace.Model, hops int, res *trace.Result, ref refResult) {
	t.Helper()
	seedNode := pg.node(seed)
	got := map[chains.Pos]*trace.Edge{}
	in, out := map[chains.Node]*big.Int{}, map[chains.Node]*big.Int{}
	sum := func(acc map[chains.Node]*big.Int, n chains.Node, v *big.Int) {
		if acc[n] == nil {
			acc[n] = new(big.Int)
		}
		acc[n].Add(acc[n], v)
	}
	for _, e := range res.Edges {
		if e.Tainted.Sign() < 0 || e.Tainted.Cmp(e.Amount) > 0 {
			t.Errorf("%s: edge at %v: tainted %s outside [0, %s]", m, e.Pos, e.Tainted, e.Amount)
		}
		if e.Hop < 1 || e.Hop > hops {
			t.Errorf("%s: edge at %v: hop %d outside [1, %d]", m, e.Pos, e.Hop, hops)
		}
		if got[e.Pos] != nil {
			t.Errorf("%s: two edges at %v", m, e.Pos)
		}
		got[e.Pos] = e
		sum(in, e.To, e.Tainted)
		sum(out, e.From, e.Tainted)
	}
	// The walk's edges are the reference's, exactly.
	for p, want := range ref.edges {
		e := got[p]
		switch {
		case e == nil:
			t.Errorf("%s hops %d: no edge at %v (%d -> %d, %s of %s tainted, hop %d)", m, hops, p, want.from, want.to, want.taint, want.amount, want.hop)
		case e.From != pg.node(want.from) || e.To != pg.node(want.to) || e.Amount.Cmp(want.amount) != 0:
			t.Errorf("%s: edge at %v: %v -> %v amount %s; want %d -> %d amount %s", m, p, e.From, e.To, e.Amount, want.from, want.to, want.amount)
		case e.Tainted.Cmp(want.taint) != 0:
			t.Errorf("%s hops %d: edge at %v (%d -> %d, amount %s): tainted %s, reference %s", m, hops, p, want.from, want.to, want.amount, e.Tainted, want.taint)
		case e.Hop != want.hop:
			t.Errorf("%s hops %d: edge at %v: hop %d, reference %d", m, hops, p, e.Hop, want.hop)
		}
	}
	for p, e := range got {
		if _, ok := ref.edges[p]; !ok {
			t.Errorf("%s hops %d: unexpected edge at %v: %v -> %v tainted %s", m, hops, p, e.From.Address, e.To.Address, e.Tainted)
		}
	}
	// Result.Tainted is the taint each node received.
	for n, v := range res.Tainted {
		if in[n] == nil || in[n].Cmp(v) != 0 {
			t.Errorf("%s: Tainted[%v] = %s, edges into it carry %v", m, n, v, in[n])
		}
	}
	for n, v := range in {
		if res.Tainted[n] == nil && v.Sign() > 0 {
			t.Errorf("%s: no Tainted[%v], edges into it carry %s", m, n, v)
		}
	}
	if m == trace.Poison {
		return // poison inflates taint: nothing is conserved
	}
	if hops < propUnbounded {
		return // taint past the bound leaves its node without an edge
	}
	// Conservation: what the seed sent out is retained, to the base unit, by
	// the nodes it reached (terminal or not) or came back to the seed; what
	// each node retains is what it received less what it sent, never below
	// zero or above its balance, and equal to the reference's taint.
	retained := new(big.Int)
	for n, v := range in {
		if n == seedNode {
			continue
		}
		r := new(big.Int).Set(v)
		if o := out[n]; o != nil {
			r.Sub(r, o)
		}
		i := pg.index(n.Address)
		final := ref.final[i]
		switch {
		case r.Sign() < 0:
			t.Errorf("%s: node %d sent %s of taint, received %s", m, i, out[n], v)
		case final == nil || r.Cmp(final.taint()) != 0 || r.Cmp(final.balance) > 0:
			t.Errorf("%s: node %d retains %s of taint, reference %v", m, i, r, final)
		}
		retained.Add(retained, r)
	}
	for n, v := range out {
		if n != seedNode && in[n] == nil && v.Sign() > 0 {
			t.Errorf("%s: node %v sent %s of taint and received none", m, n, v)
		}
	}
	sent := new(big.Int)
	if out[seedNode] != nil {
		sent.Set(out[seedNode])
	}
	if back := in[seedNode]; back != nil {
		retained.Add(retained, back)
	}
	if sent.Cmp(retained) != 0 {
		t.Errorf("%s: the seed sent %s of taint, the nodes retain %s", m, sent, retained)
	}
}

// nodesReached is the set of nodes a trace's edges delivered taint to.
func nodesReached(res *trace.Result) map[chains.Node]bool {
	out := map[chains.Node]bool{}
	for _, e := range res.Edges {
		out[e.To] = true
	}
	return out
}

func edgesByPos(res *trace.Result) map[chains.Pos]*trace.Edge {
	out := map[chains.Pos]*trace.Edge{}
	for _, e := range res.Edges {
		out[e.Pos] = e
	}
	return out
}

func subset[K comparable, V any](a, b map[K]V) (K, bool) {
	for k := range a {
		if _, ok := b[k]; !ok {
			return k, false
		}
	}
	var zero K
	return zero, true
}

// TestPropertyAccount traces random account-chain graphs under every model
// and checks the walk against the reference replay, exactly, with no hop
// bound and with a small one; and the relations between models that
// always hold.
func TestPropertyAccount(t *testing.T) {
	r := rand.New(rand.NewPCG(0x5eed, 1))
	for g := range propAccountGraphs {
		pg := genAccountGraph(r, g, false)
		seed := pg.sender(r)
		bound := 1 + r.IntN(4)
		t.Run(fmt.Sprintf("graph%02d", g), func(t *testing.T) {
			s := pg.commit(t)
			results := map[trace.Model]*trace.Result{}
			refs := map[trace.Model]refResult{}
			for _, m := range trace.Models {
				res := traceGraph(t, s, pg.node(seed), m, propUnbounded)
				ref := pg.replay(m, seed, propUnbounded)
				checkAccountTrace(t, pg, seed, m, propUnbounded, res, ref)
				results[m], refs[m] = res, ref
				if m == trace.Haircut || m == trace.FIFO {
					bres := traceGraph(t, s, pg.node(seed), m, bound)
					checkAccountTrace(t, pg, seed, m, bound, bres, pg.replay(m, seed, bound))
					// A hop bound only ever removes taint. (Not hops: an
					// edge's hop can be lower under a bound, when the
					// same-transaction inflow that set it is cut off.)
					full := edgesByPos(res)
					for _, e := range bres.Edges {
						if f := full[e.Pos]; f == nil || e.Tainted.Cmp(f.Tainted) > 0 {
							t.Errorf("%s: edge at %v under %d hops: tainted %s hop %d, unbounded %v", m, e.Pos, bound, e.Tainted, e.Hop, f)
						}
					}
				}
			}
			// Relations between models.
			poison := edgesByPos(results[trace.Poison])
			for _, m := range trace.Models {
				for _, e := range results[m].Edges {
					p := poison[e.Pos]
					if p == nil || p.Tainted.Cmp(e.Tainted) < 0 {
						t.Errorf("%s: edge at %v tainted %s; poison %v", m, e.Pos, e.Tainted, p)
					}
				}
			}
			for _, e := range results[trace.Poison].Edges {
				if e.Tainted.Cmp(e.Amount) != 0 {
					t.Errorf("poison: edge at %v: tainted %s of %s", e.Pos, e.Tainted, e.Amount)
				}
			}
			// Without a haircut share floored to zero, a node holds taint
			// under haircut until it is emptied, as under poison: haircut
			// then has poison's edges, and FIFO, LIFO and TIHO (which can
			// send a node's taint away and leave it clean) reach no node
			// haircut misses.
			if !refs[trace.Haircut].floorZero {
				if k, ok := subset(poison, edgesByPos(results[trace.Haircut])); !ok {
					t.Errorf("poison has an edge at %v that haircut has not (no share floored to zero)", k)
				}
				hc := nodesReached(results[trace.Haircut])
				for _, m := range []trace.Model{trace.FIFO, trace.LIFO, trace.TIHO} {
					if k, ok := subset(nodesReached(results[m]), hc); !ok {
						t.Errorf("%s reaches %v, haircut does not", m, k)
					}
				}
			}
		})
	}
}

// TestPropertyAccountSelfTransfer is the account property with transfers
// from an address to itself, which Ethereum allows. (The store sorts a
// self-transfer's inflow half before its outflow half; the walk must carry
// the outflow's taint back in, not lose it.)
func TestPropertyAccountSelfTransfer(t *testing.T) {
	r := rand.New(rand.NewPCG(0x5e1f, 2))
	for g := range 10 {
		pg := genAccountGraph(r, 100+g, true)
		seed := pg.sender(r)
		t.Run(fmt.Sprintf("graph%02d", g), func(t *testing.T) {
			s := pg.commit(t)
			for _, m := range []trace.Model{trace.Haircut, trace.FIFO} {
				res := traceGraph(t, s, pg.node(seed), m, propUnbounded)
				checkAccountTrace(t, pg, seed, m, propUnbounded, res, pg.replay(m, seed, propUnbounded))
			}
		})
	}
}

// TestSelfTransferLosesTaint is the smallest self-transfer case: the seed
// pays A 100, A pays itself 50, A pays B 100 (all it holds). Every model
// must deliver 100 tainted to B (a walk that lost the self-transfer's
// taint delivered 67 under haircut and 50 under FIFO and TIHO).
func TestSelfTransferLosesTaint(t *testing.T) {
	const g = 200
	pg := &propAccountGraph{g: g, n: 3}
	for i, tr := range [][3]int{{-1, 0, 100}, {0, 1, 100}, {1, 1, 50}, {1, 2, 100}} {
		var h chains.Hash
		h[0], h[1] = byte(i+1), 0x42
		pg.transfers = append(pg.transfers, propTransfer{from: tr[0], to: tr[1], amount: big.NewInt(int64(tr[2])),
			pos: chains.Pos{Block: uint64(i + 1), Index: 1}, tx: h})
	}
	s := pg.commit(t)
	for _, m := range trace.Models {
		res := traceGraph(t, s, pg.node(0), m, propUnbounded)
		if got := res.Tainted[pg.node(2)]; got == nil || got.Int64() != 100 {
			t.Errorf("%s: B received %v tainted, want 100 (edges: %d)", m, got, len(res.Edges))
		}
	}
}

// UTXO graphs.

// propUTXOGraph is one random chain of Bitcoin transactions.
type propUTXOGraph struct {
	blocks [][]chains.UTXOTx
	thief  chains.Address
}

func propTxid(g, block, index int) chains.Hash {
	var h chains.Hash
	h[0], h[1], h[2], h[31] = byte(g), byte(block), byte(index), 0xbb
	return h
}

// genUTXOGraph makes graph g: a coinbase pays the thief, others pay clean
// addresses, then blocks of transactions spend random unspent outputs with
// a fee of 0, a few satoshi or 1,000. payThief lets outputs pay the
// thief's address again (change sent back to it).
//
// With seedFirst, a transaction's inputs that spend the thief's outputs
// come before its other inputs: the walk mis-orders the others otherwise
// (see TestUTXOSeedInputAfterCleanInput).
func genUTXOGraph(r *rand.Rand, g int, payThief, seedFirst bool) *propUTXOGraph {
	pg := &propUTXOGraph{thief: chains.Address(fmt.Sprintf("bc1qthief%02d", g))}
	addrs := []chains.Address{}
	for i := range 6 {
		addrs = append(addrs, chains.Address(fmt.Sprintf("bc1q%02daddr%d", g, i)))
	}
	if payThief {
		addrs = append(addrs, pg.thief)
	}
	type utxo struct {
		op    chains.Outpoint
		value uint64
		thief bool
	}
	var unspent []utxo
	var first []chains.UTXOTx
	for i := range 4 {
		tx := chains.UTXOTx{Hash: propTxid(g, 1, i), Index: uint32(i), Inputs: []chains.TxIn{{Coinbase: true}}}
		to := addrs[i]
		if i == 0 {
			to = pg.thief
		}
		for range 1 + r.IntN(3) {
			v := 1 + r.Uint64N(100_000_000)
			if r.IntN(4) == 0 {
				v = 1 + r.Uint64N(20) // dust: haircut floors
			}
			unspent = append(unspent, utxo{chains.Outpoint{Tx: tx.Hash, Index: uint32(len(tx.Outputs))}, v, to == pg.thief})
			tx.Outputs = append(tx.Outputs, chains.TxOut{Value: v, Kind: chains.ScriptP2WPKH, Address: to})
		}
		first = append(first, tx)
	}
	pg.blocks = append(pg.blocks, first)
	nBlocks := 4 + r.IntN(12)
	for b := 2; b <= nBlocks && len(unspent) > 0; b++ {
		var txs []chains.UTXOTx
		for i := range 1 + r.IntN(3) {
			if len(unspent) == 0 {
				break
			}
			tx := chains.UTXOTx{Hash: propTxid(g, b, i), Index: uint32(i)}
			var in uint64
			var spend []utxo
			for range 1 + r.IntN(3) {
				if len(unspent) == 0 {
					break
				}
				k := r.IntN(len(unspent))
				spend = append(spend, unspent[k])
				in += unspent[k].value
				unspent = slices.Delete(unspent, k, k+1)
			}
			if seedFirst {
				slices.SortStableFunc(spend, func(a, b utxo) int {
					if a.thief == b.thief {
						return 0
					}
					if a.thief {
						return -1
					}
					return 1
				})
			}
			for _, u := range spend {
				tx.Inputs = append(tx.Inputs, chains.TxIn{Prev: u.op})
			}
			fee := []uint64{0, 1, 3, 1000}[r.IntN(4)]
			if fee > in {
				fee = 0
			}
			rest := in - fee
			nOut := 1 + r.IntN(4)
			for j := 0; j < nOut && rest > 0; j++ {
				v := rest
				if j < nOut-1 && rest > 1 {
					v = 1 + r.Uint64N(rest-1)
				}
				rest -= v
				o := chains.TxOut{Value: v, Kind: chains.ScriptP2WPKH, Address: addrs[r.IntN(len(addrs))]}
				if r.IntN(20) == 0 {
					o = chains.TxOut{Value: v, Kind: chains.ScriptNullData, Data: []byte("burn")} // no address
				}
				if o.Address != "" {
					unspent = append(unspent, utxo{chains.Outpoint{Tx: tx.Hash, Index: uint32(len(tx.Outputs))}, v, o.Address == pg.thief})
				}
				tx.Outputs = append(tx.Outputs, o)
			}
			if len(tx.Outputs) == 0 { // everything went to the fee
				tx.Outputs = append(tx.Outputs, chains.TxOut{Value: 0, Kind: chains.ScriptNullData})
			}
			txs = append(txs, tx)
		}
		pg.blocks = append(pg.blocks, txs)
	}
	return pg
}

func (pg *propUTXOGraph) commit(t testing.TB, g int) *store.Store {
	t.Helper()
	s := tempStore(t)
	if err := s.Commit(chains.Bitcoin, pg.chainBlocks(g), nil); err != nil {
		t.Fatal(err)
	}
	return s
}

// chainBlocks is graph g as the blocks of a chain.
func (pg *propUTXOGraph) chainBlocks(g int) []*chains.Block {
	var bs []*chains.Block
	var parent chains.Hash
	for i, txs := range pg.blocks {
		b := &chains.Block{Chain: chains.Bitcoin, Number: uint64(i + 1), Parent: parent, Time: uint64(1000 + 600*i), UTXOTxs: slices.Clone(txs)}
		b.Hash[0], b.Hash[1], b.Hash[31] = byte(g), byte(i+1), 0xbb
		bs = append(bs, b)
		parent = b.Hash
	}
	return bs
}

// refSplit shares a transaction's input taint among its outputs and its
// fee under model m, by the rules of doc.go ("UTXO transactions" and
// "Rounding").
func refSplit(m trace.Model, inValue, inTaint []uint64, outputs []uint64) (out []uint64, fee uint64) {
	var V, T, spent uint64
	for i := range inValue {
		V += inValue[i]
		T += inTaint[i]
	}
	for _, o := range outputs {
		spent += o
	}
	feeValue := V - spent
	out = make([]uint64, len(outputs))
	if T == 0 {
		return out, 0
	}
	// stream pours lots (value, taint; tainted part first) into the
	// outputs in the given order, then into the fee.
	stream := func(values, taints []uint64, order []int) {
		i, used := 0, uint64(0)
		take := func(n uint64) (t uint64) {
			for n > 0 && i < len(values) {
				x := min(n, values[i]-used)
				if used < taints[i] {
					t += min(x, taints[i]-used)
				}
				used += x
				n -= x
				if used == values[i] {
					i, used = i+1, 0
				}
			}
			return t
		}
		for _, j := range order {
			out[j] = take(outputs[j])
		}
		fee = take(feeValue)
	}
	byIndex := make([]int, len(outputs))
	for j := range byIndex {
		byIndex[j] = j
	}
	switch m {
	case trace.Poison:
		copy(out, outputs)
		fee = feeValue
	case trace.Haircut:
		rem := make([]*big.Int, len(outputs))
		var sum uint64
		for j, o := range outputs {
			q, r := new(big.Int).QuoRem(new(big.Int).Mul(new(big.Int).SetUint64(o), new(big.Int).SetUint64(T)), new(big.Int).SetUint64(V), new(big.Int))
			out[j], rem[j] = q.Uint64(), r
			sum += out[j]
		}
		fee = T - sum
		if fee > feeValue { // the fee cannot hold the floors: one unit each to the largest remainders
			excess := fee - feeValue
			fee = feeValue
			order := slices.Clone(byIndex)
			slices.SortStableFunc(order, func(a, b int) int { return rem[b].Cmp(rem[a]) })
			for _, j := range order[:excess] {
				out[j]++
			}
		}
	case trace.FIFO:
		stream(inValue, inTaint, byIndex)
	case trace.LIFO:
		v, tt := slices.Clone(inValue), slices.Clone(inTaint)
		slices.Reverse(v)
		slices.Reverse(tt)
		stream(v, tt, byIndex)
	case trace.TIHO:
		order := slices.Clone(byIndex)
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(outputs[b], outputs[a]) })
		stream([]uint64{V}, []uint64{T}, order)
	}
	return out, fee
}

// TestPropertyUTXO traces random chains of Bitcoin transactions from a
// holding address under every model and checks each transaction against a
// reference split: the outputs' taint plus the fee's equals the inputs'
// taint (every model but poison), no output carries more than its value,
// the fee's taint is within [0, fee]. The thief's coins are spent as the
// first inputs of a transaction and no output pays the thief's address
// again; TestUTXOSeedInputAfterCleanInput and TestUTXOChangeBackToSeed
// cover those shapes.
func TestPropertyUTXO(t *testing.T) {
	r := rand.New(rand.NewPCG(0x5eed, 3))
	for g := range propUTXOGraphs {
		pg := genUTXOGraph(r, g, false, true)
		t.Run(fmt.Sprintf("graph%02d", g), func(t *testing.T) {
			s := pg.commit(t, g)
			for _, m := range trace.Models {
				res := traceGraph(t, s, chains.HoldingOf(chains.Bitcoin, pg.thief), m, propUnbounded)
				checkUTXOTrace(t, pg, m, res)
			}
		})
	}
}

// checkUTXOTrace replays the graph's transactions with refSplit and
// compares every transaction's edges.
func checkUTXOTrace(t *testing.T, pg *propUTXOGraph, m trace.Model, res *trace.Result) {
	t.Helper()
	type txSum struct{ in, out *big.Int }
	sums := map[chains.Hash]*txSum{}
	at := func(h chains.Hash) *txSum {
		if sums[h] == nil {
			sums[h] = &txSum{new(big.Int), new(big.Int)}
		}
		return sums[h]
	}
	outEdge := map[chains.Outpoint]*trace.Edge{} // edges out of transactions, by output
	for _, e := range res.Edges {
		if e.Tainted.Sign() < 0 || e.Tainted.Cmp(e.Amount) > 0 {
			t.Errorf("%s: edge %v -> %v: tainted %s outside [0, %s]", m, e.From, e.To, e.Tainted, e.Amount)
		}
		if e.To.Kind == chains.TxNode {
			at(e.To.Tx).in.Add(at(e.To.Tx).in, e.Tainted)
		}
		if e.From.Kind == chains.TxNode {
			at(e.From.Tx).out.Add(at(e.From.Tx).out, e.Tainted)
			op := chains.Outpoint{Tx: e.From.Tx, Index: e.Pos.Index &^ (1 << 31)}
			if outEdge[op] != nil {
				t.Errorf("%s: two edges for output %v", m, op)
			}
			outEdge[op] = e
		}
	}
	taint := map[chains.Outpoint]uint64{}
	value := map[chains.Outpoint]uint64{}
	for _, txs := range pg.blocks {
		for _, tx := range txs {
			var outs []uint64
			for j, o := range tx.Outputs {
				outs = append(outs, o.Value)
				value[chains.Outpoint{Tx: tx.Hash, Index: uint32(j)}] = o.Value
			}
			if tx.Coinbase() {
				continue
			}
			var inV, inT []uint64
			var wantIn uint64
			for _, in := range tx.Inputs {
				v := value[in.Prev]
				tt := taint[in.Prev]
				if pgAddrOf(pg, in.Prev) == pg.thief {
					tt = v // spent from the seed: stolen, all of it
				}
				inV, inT = append(inV, v), append(inT, tt)
				wantIn += tt
			}
			var fee uint64
			for _, v := range inV {
				fee += v
			}
			for _, o := range outs {
				fee -= o
			}
			wantOut, wantFee := refSplit(m, inV, inT, outs)
			var outSum uint64
			for j, w := range wantOut {
				op := chains.Outpoint{Tx: tx.Hash, Index: uint32(j)}
				taint[op] = w
				outSum += w
				var got uint64
				if e := outEdge[op]; e != nil {
					got = e.Tainted.Uint64()
				}
				if got != w {
					t.Errorf("%s: output %d of tx %x (inputs %v taint %v, outputs %v): tainted %d, reference %d", m, j, tx.Hash[:3], inV, inT, outs, got, w)
				}
			}
			if m != trace.Poison && (outSum+wantFee != wantIn || wantFee > fee) {
				t.Fatalf("reference %s: tx %x: outputs %d + fee %d != inputs %d (fee %d)", m, tx.Hash[:3], outSum, wantFee, wantIn, fee)
			}
			s := sums[tx.Hash]
			if s == nil {
				if wantIn != 0 {
					t.Errorf("%s: tx %x: no tainted inputs, reference %d", m, tx.Hash[:3], wantIn)
				}
				continue
			}
			if s.in.Uint64() != wantIn {
				t.Errorf("%s: tx %x: inputs carry %s tainted, reference %d", m, tx.Hash[:3], s.in, wantIn)
			}
			if m == trace.Poison {
				continue
			}
			// Conservation at the transaction: the fee keeps what the
			// outputs do not carry, within [0, fee].
			feeTaint := new(big.Int).Sub(s.in, s.out)
			if feeTaint.Sign() < 0 || feeTaint.Cmp(new(big.Int).SetUint64(fee)) > 0 {
				t.Errorf("%s: tx %x: inputs %s tainted, outputs %s: fee taint %s outside [0, %d]", m, tx.Hash[:3], s.in, s.out, feeTaint, fee)
			} else if feeTaint.Uint64() != wantFee {
				t.Errorf("%s: tx %x: fee taint %s, reference %d", m, tx.Hash[:3], feeTaint, wantFee)
			}
		}
	}
}

// pgAddrOf is the address output o pays.
func pgAddrOf(pg *propUTXOGraph, o chains.Outpoint) chains.Address {
	for _, txs := range pg.blocks {
		for _, tx := range txs {
			if tx.Hash == o.Tx && int(o.Index) < len(tx.Outputs) {
				return tx.Outputs[o.Index].Address
			}
		}
	}
	return ""
}

// utxoRepro commits hand-made UTXO blocks (one transaction list a block).
func utxoRepro(t *testing.T, g int, blocks ...[]chains.UTXOTx) *store.Store {
	t.Helper()
	for _, txs := range blocks {
		for i := range txs {
			txs[i].Index = uint32(i)
		}
	}
	return (&propUTXOGraph{blocks: blocks}).commit(t, g)
}

func reproTx(g, id int, ins []chains.Outpoint, outs ...chains.TxOut) chains.UTXOTx {
	tx := chains.UTXOTx{Hash: propTxid(g, id, 0xee)}
	if ins == nil {
		tx.Inputs = []chains.TxIn{{Coinbase: true}}
	}
	for _, o := range ins {
		tx.Inputs = append(tx.Inputs, chains.TxIn{Prev: o})
	}
	tx.Outputs = outs
	return tx
}

func reproPay(a chains.Address, sats uint64) chains.TxOut {
	return chains.TxOut{Value: sats, Kind: chains.ScriptP2WPKH, Address: a}
}

// outputTaint is the taint of the edge out of output vout of tx, 0 if none.
func outputTaint(res *trace.Result, tx chains.Hash, vout uint32) int64 {
	for _, e := range res.Edges {
		if e.From.Kind == chains.TxNode && e.From.Tx == tx && e.Pos.Index&^(1<<31) == vout {
			return e.Tainted.Int64()
		}
	}
	return 0
}

// TestUTXOSeedInputAfterCleanInput: a transaction spends a clean coin
// (input 0) and then a coin of the seed address (input 1). The walk must
// follow the transaction from its first input, or the inputs' order (FIFO,
// LIFO) and the fee (haircut, FIFO) are lost. With inputs [10,000 clean,
// 10,000 stolen] and outputs [10,000, 9,000] (fee 1,000), FIFO must give
// [0, 9,000] and the fee 1,000, LIFO [10,000, 0], haircut [5,000, 4,500]
// and the fee 500.
func TestUTXOSeedInputAfterCleanInput(t *testing.T) {
	const g = 201
	thief, clean := chains.Address("bc1qreprothief"), chains.Address("bc1qreproclean")
	cb1, cb2 := reproTx(g, 1, nil, reproPay(thief, 10_000)), reproTx(g, 2, nil, reproPay(clean, 10_000))
	spend := reproTx(g, 3, []chains.Outpoint{{Tx: cb2.Hash}, {Tx: cb1.Hash}}, reproPay("bc1qreprox", 10_000), reproPay("bc1qreproy", 9_000))
	s := utxoRepro(t, g, []chains.UTXOTx{cb1, cb2}, []chains.UTXOTx{spend})
	for _, tt := range []struct {
		model trace.Model
		x, y  int64
	}{{trace.FIFO, 0, 9_000}, {trace.Haircut, 5_000, 4_500}, {trace.LIFO, 10_000, 0}} {
		res := traceGraph(t, s, chains.HoldingOf(chains.Bitcoin, thief), tt.model, propUnbounded)
		if x, y := outputTaint(res, spend.Hash, 0), outputTaint(res, spend.Hash, 1); x != tt.x || y != tt.y {
			t.Errorf("%s: outputs tainted [%d, %d], want [%d, %d]", tt.model, x, y, tt.x, tt.y)
		}
	}
}

// TestUTXOChangeBackToSeed: the thief's coin pays X and sends its change
// back to the thief's own address; a later transaction spends that
// change. The change output reaches the spending transaction twice, once
// from the transaction that made it (its taint under the model) and once
// from the seed's holding node (all of it, as the seed's money); the walk
// must count it once, as the seed's (adding the two failed the trace with
// "input 0: taint 10000 exceeds value 5000").
func TestUTXOChangeBackToSeed(t *testing.T) {
	const g = 202
	thief := chains.Address("bc1qreprothief2")
	cb := reproTx(g, 1, nil, reproPay(thief, 10_000))
	pay := reproTx(g, 2, []chains.Outpoint{{Tx: cb.Hash}}, reproPay("bc1qreprox2", 4_000), reproPay(thief, 5_000))
	later := reproTx(g, 3, []chains.Outpoint{{Tx: pay.Hash, Index: 1}}, reproPay("bc1qreproy2", 4_000))
	s := utxoRepro(t, g, []chains.UTXOTx{cb}, []chains.UTXOTx{pay}, []chains.UTXOTx{later})
	for _, m := range trace.Models {
		res, err := trace.Trace(context.Background(), s, nil, []chains.Node{chains.HoldingOf(chains.Bitcoin, thief)}, trace.Options{Model: m})
		if err != nil {
			t.Errorf("%s: %v", m, err)
			continue
		}
		if y := outputTaint(res, later.Hash, 0); y != 4_000 {
			t.Errorf("%s: the later payment carries %d tainted, want 4000", m, y)
		}
	}
}
