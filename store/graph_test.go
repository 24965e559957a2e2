package store

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/houndtrace/hound/chains"
)

// listFlows formats every field of node n's flows as read by flows.
func listFlows(t *testing.T, flows func(context.Context, chains.Node, func(chains.Flow) error) error, n chains.Node) []string {
	t.Helper()
	var out []string
	if err := flows(context.Background(), n, func(f chains.Flow) error {
		out = append(out, fmt.Sprintf("%+v", f))
		return nil
	}); err != nil {
		t.Fatalf("%s: %v", n, err)
	}
	return out
}

// TestFlowReader reads nodes through a FlowReader (one iterator seeking
// from node to node, in no particular order) and through Flows: the same
// flows, field for field. Blocks committed after the reader began are not
// in its reads.
func TestFlowReader(t *testing.T) {
	t.Run("account", func(t *testing.T) {
		s := openTemp(t, "")
		m := newMemChain(12, 3)
		if err := s.Commit(chains.Ethereum, m.blocks[:8], nil); err != nil {
			t.Fatal(err)
		}
		var nodes []chains.Node
		for i := 7; i >= 1; i-- { // backwards: the iterator seeks back
			for _, asset := range []chains.Asset{chains.Native, chains.Asset(addr(99))} {
				nodes = append(nodes, chains.AccountOf(chains.Ethereum, addr(i), asset))
			}
		}
		before := map[chains.Node][]string{}
		for _, n := range nodes {
			before[n] = listFlows(t, s.Flows, n)
		}
		read, end := s.FlowReader()
		defer end()
		if err := s.Commit(chains.Ethereum, m.blocks[8:], nil); err != nil {
			t.Fatal(err)
		}
		var grew int
		for _, n := range nodes {
			got := listFlows(t, read, n)
			if !slices.Equal(got, before[n]) {
				t.Errorf("%s: the reader read\n%v\nthe store held\n%v", n, got, before[n])
			}
			if !slices.Equal(listFlows(t, s.Flows, n), got) {
				grew++
			}
		}
		if grew == 0 {
			t.Error("no node grew after the reader began: the test shows nothing")
		}
	})
	t.Run("after", func(t *testing.T) {
		s := openTemp(t, "")
		m := newMemChain(10, 5)
		if err := s.Commit(chains.Ethereum, m.blocks, nil); err != nil {
			t.Fatal(err)
		}
		after, end := s.FlowsAfterReader()
		defer end()
		var checked int
		for i := 7; i >= 1; i-- {
			n := chains.AccountOf(chains.Ethereum, addr(i), chains.Native)
			var positions []chains.Pos
			if err := s.Flows(context.Background(), n, func(f chains.Flow) error {
				positions = append(positions, f.Pos)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			for _, p := range positions {
				read := func(ctx context.Context, n chains.Node, fn func(chains.Flow) error) error {
					return after(ctx, n, p, fn)
				}
				want := func(ctx context.Context, n chains.Node, fn func(chains.Flow) error) error {
					return s.FlowsAfter(ctx, n, p, fn)
				}
				got, exp := listFlows(t, read, n), listFlows(t, want, n)
				if !slices.Equal(got, exp) {
					t.Errorf("%s after %v: the reader read\n%v\nFlowsAfter read\n%v", n, p, got, exp)
				}
				checked += len(got)
			}
		}
		if checked == 0 {
			t.Error("no flows after any position: the test shows nothing")
		}
	})
	t.Run("utxo", func(t *testing.T) {
		s := openTemp(t, "")
		blocks := coSpendBlocks()
		if err := s.Commit(chains.Bitcoin, blocks, nil); err != nil {
			t.Fatal(err)
		}
		read, end := s.FlowReader()
		defer end()
		var nodes []chains.Node
		for _, b := range blocks {
			for _, tx := range b.UTXOTxs {
				nodes = append(nodes, chains.TxOf(chains.Bitcoin, tx.Hash))
				for _, o := range tx.Outputs {
					nodes = append(nodes, chains.HoldingOf(chains.Bitcoin, o.Address))
				}
			}
		}
		var flows int
		for _, n := range nodes {
			got, want := listFlows(t, read, n), listFlows(t, s.Flows, n)
			if !slices.Equal(got, want) {
				t.Errorf("%s: the reader read\n%v\nFlows read\n%v", n, got, want)
			}
			flows += len(got)
		}
		if flows == 0 {
			t.Error("no flows read")
		}
	})
}
