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
