package store

import (
	"context"
	"fmt"
	"testing"

	"github.com/houndtrace/hound/chains"
)

// TestFlowReader reads every node of a chain through a FlowReader and
// through Flows: the same flows, field for field. Blocks committed after
// the reader began are not in its reads.
func TestFlowReader(t *testing.T) {
	s := openTemp(t, "")
	m := newMemChain(12, 3)
	if err := s.Commit(chains.Ethereum, m.blocks[:8], nil); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	list := func(flows func(context.Context, chains.Node, func(chains.Flow) error) error, n chains.Node) []string {
		var out []string
		if err := flows(ctx, n, func(f chains.Flow) error {
			out = append(out, fmt.Sprintf("%+v", f))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	var nodes []chains.Node
	for i := 1; i <= 7; i++ {
		for _, asset := range []chains.Asset{chains.Native, chains.Asset(addr(99))} {
			nodes = append(nodes, chains.AccountOf(chains.Ethereum, addr(i), asset))
		}
	}
	before := map[chains.Node][]string{}
	for _, n := range nodes {
		before[n] = list(s.Flows, n)
	}
	read, end := s.FlowReader()
	defer end()
	if err := s.Commit(chains.Ethereum, m.blocks[8:], nil); err != nil {
		t.Fatal(err)
	}
	var flows, grew int
	for _, n := range nodes {
		got, now := list(read, n), list(s.Flows, n)
		if fmt.Sprint(got) != fmt.Sprint(before[n]) {
			t.Errorf("%s: the reader read\n%v\nthe store held\n%v", n, got, before[n])
		}
		flows += len(got)
		if len(now) > len(got) {
			grew++
		}
	}
	if flows == 0 || grew == 0 {
		t.Errorf("%d flows read, %d nodes grew since: the test reads nothing", flows, grew)
	}
}
