package trace_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/labels"
	"github.com/houndtrace/hound/store"
	"github.com/houndtrace/hound/trace"
)

// digest writes everything a trace's result says, edges by id and findings
// in their order with their paths, so that two results compare as text.
func digest(res *trace.Result) string {
	var b strings.Builder
	for _, e := range res.Edges {
		fmt.Fprintf(&b, "edge %d %s->%s tx %x pos %v t%d %s amount %s tainted %s kind %v addr %s hop %d via %s\n",
			e.ID, e.From, e.To, e.Tx[:4], e.Pos, e.Time, e.Asset, e.Amount, e.Tainted, e.Kind, e.Address, e.Hop, e.Via)
	}
	ref := func(e *trace.Edge) string {
		if e == nil {
			return "-"
		}
		return fmt.Sprintf("%d:%s:%v:%s", e.ID, e.To, e.Pos, e.Tainted)
	}
	for _, f := range res.Findings {
		var path []string
		for _, e := range f.Path {
			path = append(path, ref(e))
		}
		entity := ""
		if f.Label != nil {
			entity = f.Label.Entity
		}
		fmt.Fprintf(&b, "finding %s %s %s %q edge %s hop %d path [%s] paths %d %s label %q conf %v len %d total %v amounts %v %v %v %v wallet %s members %v out %s\n",
			f.Kind, f.Chain, f.Address, f.Entity, ref(f.Edge), f.Hop, strings.Join(path, " "), f.Paths, f.Heuristic, entity,
			f.Confidence, f.Length, f.Total, f.Amount, f.Tainted, f.Forwarded, f.ForwardedTainted, f.Wallet, f.Members, ref(f.Outbound))
	}
	var nodes []string
	for n, v := range res.Tainted {
		nodes = append(nodes, fmt.Sprintf("tainted %s %s", n, v))
	}
	slices.Sort(nodes)
	b.WriteString(strings.Join(nodes, "\n"))
	fmt.Fprintf(&b, "\nlate %d\n", res.Late)
	return b.String()
}

// resumeCase commits each step's blocks in turn, traces after the first
// and resumes the saved walk after each later one, and checks every
// resumed result equals a fresh trace of the same blocks. It returns how
// many resumes went on, how many of them found new tainted flows, and the
// reasons of those that could not go on.
func resumeCase(t *testing.T, steps [][]*chains.Block, lk labels.Lookuper, seeds []chains.Node, opts trace.Options) (continued, grew int, stale []string) {
	t.Helper()
	ctx := context.Background()
	s := tempStore(t)
	opts.Resumable = true
	var state []byte
	edges := 0
	for i, step := range steps {
		for len(step) > 0 {
			n := 1
			for n < len(step) && step[n].Chain == step[0].Chain {
				n++
			}
			if err := s.Commit(step[0].Chain, step[:n], nil); err != nil {
				t.Fatal(err)
			}
			step = step[n:]
		}
		fresh, err := trace.Trace(ctx, s, lk, seeds, opts)
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			res, err := trace.Resume(ctx, s, lk, seeds, opts, state)
			switch {
			case errors.Is(err, trace.ErrStale):
				stale = append(stale, err.Error())
			case err != nil:
				t.Fatalf("resume at step %d: %v", i, err)
			default:
				continued++
				if len(res.Edges) > edges {
					grew++
				}
				if got, want := digest(res), digest(fresh); got != want {
					t.Fatalf("%s: resumed at step %d of %d differs from a fresh trace:\n%s", opts.Model, i, len(steps), diffLines(got, want))
				}
				fresh = res // the next resume goes on from the resumed walk
			}
		}
		state, edges = fresh.State(), len(fresh.Edges)
		if len(state) == 0 {
			t.Fatal("a resumable trace saved no state")
		}
	}
	return continued, grew, stale
}

// split cuts a chain's blocks into steps at the cuts.
func split(blocks []*chains.Block, cuts []int) [][]*chains.Block {
	var steps [][]*chains.Block
	done := 0
	for _, c := range append(cuts, len(blocks)) {
		steps = append(steps, blocks[done:c])
		done = c
	}
	return steps
}

// diffLines shows the first lines where two digests differ.
func diffLines(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	var out []string
	for i := 0; i < max(len(g), len(w)) && len(out) < 8; i++ {
		var a, b string
		if i < len(g) {
			a = g[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if a != b {
			out = append(out, fmt.Sprintf("line %d\n  resumed: %s\n  fresh:   %s", i, a, b))
		}
	}
	return strings.Join(out, "\n")
}

// cutsOf picks up to n increasing block counts strictly inside 1..total.
func cutsOf(r *rand.Rand, total, n int) []int {
	var cuts []int
	for range n {
		if total > 2 {
			cuts = append(cuts, 1+r.IntN(total-1))
		}
	}
	slices.Sort(cuts)
	return slices.Compact(cuts)
}

// TestResumeAccount resumes walks over random account graphs at random
// cuts, under every model, some with a low fan-out bound (hubs appear as
// the graph grows) and an exchange among the sinks.
func TestResumeAccount(t *testing.T) {
	r := rand.New(rand.NewPCG(0x5eed, 7))
	total, continued, grew := 0, 0, 0
	for g := range propAccountGraphs {
		pg := genAccountGraph(r, g, g%4 == 0)
		seed := pg.sender(r)
		blocks := pg.chainBlocks()
		cuts := cutsOf(r, len(blocks), 1+r.IntN(3))
		lk := lookup{propAddr(pg.g, pg.n): labels.Exchange}
		fanOut := 0
		if g%3 == 0 {
			fanOut = 8 + r.IntN(20)
		}
		t.Run(fmt.Sprintf("graph%02d", g), func(t *testing.T) {
			for _, m := range trace.Models {
				n, more, stale := resumeCase(t, split(blocks, cuts), lk, []chains.Node{pg.node(seed)}, trace.Options{Model: m, Hops: 1 + r.IntN(8), FanOut: fanOut})
				total, continued, grew = total+len(cuts), continued+n, grew+more
				for _, s := range stale {
					// A node past the low fan-out bound: a hub now.
					if fanOut == 0 || !strings.Contains(s, "a fresh trace takes it for a hub") {
						t.Errorf("%s: %s", m, s)
					}
				}
			}
		})
	}
	t.Logf("%d of %d resumes continued, %d of them with new tainted flows", continued, total, grew)
	if continued < total*3/4 || grew < continued/2 {
		t.Errorf("%d of %d resumes continued, %d with new tainted flows", continued, total, grew)
	}
}

// TestResumeUTXO resumes walks over random Bitcoin graphs: tainted outputs
// left unspent at the cut are spent by later blocks.
func TestResumeUTXO(t *testing.T) {
	r := rand.New(rand.NewPCG(0x5eed, 9))
	total, continued, grew := 0, 0, 0
	for g := range propUTXOGraphs {
		pg := genUTXOGraph(r, g, g%2 == 0, true)
		blocks := pg.chainBlocks(g)
		cuts := cutsOf(r, len(blocks), 1+r.IntN(3))
		lk := lookup{chains.Address(fmt.Sprintf("bc1q%02daddr5", g)): labels.Exchange}
		t.Run(fmt.Sprintf("graph%02d", g), func(t *testing.T) {
			for _, m := range trace.Models {
				n, more, stale := resumeCase(t, split(blocks, cuts), lk, []chains.Node{chains.HoldingOf(chains.Bitcoin, pg.thief)}, trace.Options{Model: m, Hops: 3 + r.IntN(12)})
				total, continued, grew = total+len(cuts), continued+n, grew+more
				for _, s := range stale {
					// Six addresses paid over and over: one joins the
					// exchange's cluster after the walk went on from it.
					if !strings.Contains(s, "holds an exchange now") {
						t.Errorf("%s: %s", m, s)
					}
				}
			}
		})
	}
	t.Logf("%d of %d resumes continued, %d of them with new tainted flows", continued, total, grew)
	// Small graphs: a later block often spends no tainted output.
	if continued < total*3/4 || grew < continued/3 {
		t.Errorf("%d of %d resumes continued, %d with new tainted flows", continued, total, grew)
	}
}

// TestResumeTwoChains resumes a walk from seeds on two chains. Where the
// new blocks of one chain come, in time, before the last flow the walk
// stepped on the other, a fresh trace would interleave them: Resume says
// it cannot go on. Where they come after, it goes on.
func TestResumeTwoChains(t *testing.T) {
	r := rand.New(rand.NewPCG(0x5eed, 11))
	interleaved, after := 0, 0
	for g := range 12 {
		eth := genAccountGraph(r, g, false)
		btc := genUTXOGraph(r, g, false, true)
		seeds := []chains.Node{eth.node(eth.sender(r)), chains.HoldingOf(chains.Bitcoin, btc.thief)}
		ethBlocks, btcBlocks := eth.chainBlocks(), btc.chainBlocks(g)
		// Ethereum's blocks are 12 s apart from time 1012, Bitcoin's 600 s
		// from 1000: half of Ethereum's against Bitcoin's first three
		// (to time 2200) interleaves; all of Ethereum's (to 1012+12·150 at
		// most) against Bitcoin's from block 4 on does not.
		ethCut, btcCut := len(ethBlocks)/2, max(4, len(btcBlocks)/2)
		t.Run(fmt.Sprintf("graph%02d", g), func(t *testing.T) {
			for _, m := range []trace.Model{trace.Haircut, trace.FIFO} {
				opts := trace.Options{Model: m, Hops: 8}
				steps := [][]*chains.Block{slices.Concat(ethBlocks[:ethCut], btcBlocks[:3]), slices.Concat(ethBlocks[ethCut:], btcBlocks[3:])}
				n, _, stale := resumeCase(t, steps, nil, seeds, opts)
				for _, s := range stale {
					if !strings.Contains(s, "comes before the last flow the walk stepped on another chain") {
						t.Errorf("%s: %s", m, s)
					}
				}
				interleaved += len(stale)
				if n+len(stale) != 1 {
					t.Fatalf("%s: %d resumes", m, n+len(stale))
				}
				if len(btcBlocks) <= btcCut {
					continue
				}
				steps = [][]*chains.Block{slices.Concat(ethBlocks, btcBlocks[:btcCut]), btcBlocks[btcCut:]}
				n, _, stale = resumeCase(t, steps, nil, seeds, opts)
				if n != 1 {
					t.Errorf("%s: Bitcoin's blocks after all of Ethereum's: %v", m, stale)
				}
				after += n
			}
		})
	}
	t.Logf("interleaved: %d stale; after: %d continued", interleaved, after)
	if interleaved == 0 || after == 0 {
		t.Errorf("interleaved: %d stale; after: %d continued", interleaved, after)
	}
}

// traceRoundTrip is trace.Trace that also saves the walk and resumes it
// over the same graph: with nothing new, the resumed result must equal the
// trace's, so every part of the walk's state (mixer and bridge reads,
// deposit addresses, peels, clusters, findings that keep edges the walk did
// not follow) survives being saved.
func traceRoundTrip(t *testing.T, g trace.Graph, lk labels.Lookuper, seeds []chains.Node, opts trace.Options) (*trace.Result, error) {
	t.Helper()
	ctx := context.Background()
	opts.Resumable = true
	res, err := trace.Trace(ctx, g, lk, seeds, opts)
	if err != nil {
		return nil, err
	}
	again, err := trace.Resume(ctx, g, lk, seeds, opts, res.State())
	if err != nil {
		t.Fatalf("resume over the same blocks: %v", err)
	}
	if got, want := digest(again), digest(res); got != want {
		t.Fatalf("resumed over the same blocks, the walk differs:\n%s", diffLines(got, want))
	}
	return res, nil
}

// TestResumeBridge plays S3's THORChain leg in steps. A walk saved before
// the Bitcoin payout is synced cannot go on: a fresh trace follows the
// payout from the inbound it already passed. A walk saved with the payout
// resting at its destination goes on once a later block spends it, into
// the exchange: H6 held 50 ETH with 20 tainted and deposited 40, so the
// 1.52 BTC payout carries 0.608 BTC under haircut, and the 151,990,000 sat
// paid on carry floor(151990000*60800000/152000000) = 60,796,000.
func TestResumeBridge(t *testing.T) {
	ctx := context.Background()
	thief, h6, router, vault := addr("thief"), addr("H6"), addr("router"), addr("vault")
	dest, vaultBTC, hot := p2wpkh(t, 0x71), p2wpkh(t, 0x72), p2wpkh(t, 0x73)
	var b ethBlocks
	b.time = 1_700_000_000
	b.tx([]chains.Transfer{move(chains.KindNative, addr("victim"), thief, chains.Native, eth(20))})
	b.tx([]chains.Transfer{move(chains.KindNative, addr("funder"), h6, chains.Native, eth(30))})
	b.tx([]chains.Transfer{move(chains.KindNative, thief, h6, chains.Native, eth(20))})
	inbound := b.tx([]chains.Transfer{
		move(chains.KindNative, h6, router, chains.Native, eth(40)),
		move(chains.KindInternal, router, vault, chains.Native, eth(40)),
	}, chains.Event{Kind: chains.EventBridgeDeposit, Contract: router, From: h6, To: vault, Asset: chains.Native, Amount: eth(40),
		Memo: "=:b:" + string(dest) + ":0/1/0:t:0", Pos: chains.Pos{Index: 3}})
	out := chains.TxOut{Kind: chains.ScriptNullData, Data: []byte("OUT:" + inbound.Format(chains.Bitcoin))}
	btc := func() []*chains.Block {
		return []*chains.Block{
			{Number: 1, UTXOTxs: []chains.UTXOTx{utx(1, nil, pay(vaultBTC, 1_000_000_000))}},
			{Number: 2, UTXOTxs: []chains.UTXOTx{utx(2, []chains.Outpoint{{Tx: txid(1)}}, pay(dest, 152_000_000), pay(vaultBTC, 847_990_000), out)}},
			{Number: 3, UTXOTxs: []chains.UTXOTx{utx(3, []chains.Outpoint{{Tx: txid(2)}}, pay(hot, 151_990_000))}},
		}
	}
	lk := lookup{hot: labels.Exchange}
	seeds := []chains.Node{chains.AccountOf(chains.Ethereum, thief, chains.Native)}
	opts := trace.Options{Model: trace.Haircut, Resumable: true}
	walk := func(s *store.Store) *trace.Result {
		t.Helper()
		res, err := trace.Trace(ctx, s, lk, seeds, opts)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}

	t.Run("payout-later", func(t *testing.T) {
		s := tempStore(t)
		b.commit(t, s)
		saved := walk(s)
		if len(saved.Findings) != 1 || saved.Findings[0].Outbound != nil {
			t.Fatalf("before the payout: %+v", saved.Findings)
		}
		commitBitcoin(t, s, b.time+3600, btc())
		_, err := trace.Resume(ctx, s, lk, seeds, opts, saved.State())
		if !errors.Is(err, trace.ErrStale) || !strings.Contains(err.Error(), "has a new payout") {
			t.Fatalf("resumed after the payout: %v", err)
		}
	})

	t.Run("spent-later", func(t *testing.T) {
		s := tempStore(t)
		b.commit(t, s)
		blocks := btc()
		commitBitcoin(t, s, b.time+3600, blocks[:2])
		saved := walk(s)
		if len(saved.Findings) != 1 || saved.Findings[0].Outbound == nil || saved.Findings[0].Outbound.To != chains.HoldingOf(chains.Bitcoin, dest) {
			t.Fatalf("before the spend: %+v", saved.Findings)
		}
		last := blocks[2]
		last.Chain, last.Time, last.Parent = chains.Bitcoin, b.time+3600+1200, blocks[1].Hash
		last.Hash[0], last.Hash[1] = 3, 0xbb
		if err := s.Commit(chains.Bitcoin, blocks[2:], nil); err != nil {
			t.Fatal(err)
		}
		res, err := trace.Resume(ctx, s, lk, seeds, opts, saved.State())
		if err != nil {
			t.Fatal(err)
		}
		if got, want := digest(res), digest(walk(s)); got != want {
			t.Fatalf("resumed differs from a fresh trace:\n%s", diffLines(got, want))
		}
		if len(res.Findings) != 2 || res.Findings[1].Kind != trace.FindingExchange || res.Findings[1].Edge.Tainted.Int64() != 60_796_000 ||
			res.Findings[0].Outbound.To != chains.TxOf(chains.Bitcoin, txid(3)) {
			t.Errorf("resumed findings %+v", res.Findings)
		}
	})
}
