package trace_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/labels"
	"github.com/houndtrace/hound/trace"
)

// sequential serves a graph's flows without declaring them safe for
// concurrent reads: the walk reads every node itself.
type sequential struct{ trace.Graph }

// slowLabels answers every lookup with nothing, after a pause: the walk
// looks up each address it pays, so the reader gets ahead of it.
type slowLabels struct{}

func (slowLabels) Lookup(chains.Chain, chains.Address) []labels.Label {
	time.Sleep(100 * time.Microsecond)
	return nil
}

// TestReadAhead traces random account and UTXO graphs on the store, which
// reads ahead on a second goroutine, and through a wrapper that does not:
// the results are the same, to every edge, finding and node total, and the
// walk used nodes read ahead.
func TestReadAhead(t *testing.T) {
	if _, ok := trace.Graph(tempStore(t)).(trace.Concurrent); !ok {
		t.Fatal("the store does not declare concurrent reads")
	}
	r := rand.New(rand.NewPCG(0xa4ead, 2))
	var ahead int
	compare := func(t *testing.T, g trace.Graph, seed chains.Node, m trace.Model) {
		t.Helper()
		opts := trace.Options{Model: m, Hops: 4}
		got, err := trace.Trace(context.Background(), g, slowLabels{}, []chains.Node{seed}, opts)
		if err != nil {
			t.Fatal(err)
		}
		// With no room for flows read ahead, the reader reads a node
		// only once the walk has used the one before.
		prev := trace.SetAheadBudget(0)
		bounded, err := trace.Trace(context.Background(), g, slowLabels{}, []chains.Node{seed}, opts)
		trace.SetAheadBudget(prev)
		if err != nil {
			t.Fatal(err)
		}
		if d := diffLines(digest(bounded), digest(got)); d != "" {
			t.Fatalf("%s: read ahead with no budget differs:\n%s", m, d)
		}
		want, err := trace.Trace(context.Background(), sequential{g}, slowLabels{}, []chains.Node{seed}, opts)
		if err != nil {
			t.Fatal(err)
		}
		if d := diffLines(digest(got), digest(want)); d != "" {
			t.Fatalf("%s: read ahead differs from reading in turn:\n%s", m, d)
		}
		if got.Visited != want.Visited || want.ReadAhead != 0 {
			t.Errorf("%s: visited %d flows reading ahead, %d in turn (%d read ahead)", m, got.Visited, want.Visited, want.ReadAhead)
		}
		ahead += got.ReadAhead
	}
	for g := range 4 {
		pg := genAccountGraph(r, g, false)
		seed := pg.sender(r)
		s := pg.commit(t)
		for _, m := range []trace.Model{trace.Haircut, trace.FIFO} {
			compare(t, s, pg.node(seed), m)
		}
	}
	for g := range 4 {
		pg := genUTXOGraph(r, g, g%2 == 0, g%3 == 0)
		s := pg.commit(t, g)
		for _, m := range []trace.Model{trace.Haircut, trace.FIFO} {
			compare(t, s, chains.HoldingOf(chains.Bitcoin, pg.thief), m)
		}
	}
	if ahead == 0 {
		t.Error("no node was read ahead")
	}
	t.Logf("%d nodes read ahead", ahead)
}
