package store

import (
	"context"
	"fmt"
	"testing"
)

// inflowTotals reads every live inflow total, key by key.
func inflowTotals(t *testing.T, s *Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	if err := s.Each(func(k, v []byte) error {
		if k[0] == prefixInflow {
			r := reader{b: v}
			out[fmt.Sprintf("%x", k)] = r.amount().String()
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestInflowsAddUp: totals brought forward block by block equal totals
// recomputed from the flow index, and after a reorg, recomputing gives
// the new chain's (adding the replacing blocks to the old totals would
// not: the caller recomputes when the block under its mark changed).
func TestInflowsAddUp(t *testing.T) {
	ctx := context.Background()
	src := newMemChain(20, 0)
	s := openTemp(t, "")
	if _, err := s.Sync(ctx, src, SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.ResetInflows(ctx, src.Chain()); err != nil {
		t.Fatal(err)
	}
	src.extend(15, 0)
	if _, err := s.Sync(ctx, src, SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddInflows(ctx, src.Chain(), 20, 34); err != nil {
		t.Fatal(err)
	}
	added := inflowTotals(t, s)
	if err := s.ResetInflows(ctx, src.Chain()); err != nil {
		t.Fatal(err)
	}
	full := inflowTotals(t, s)
	if len(full) == 0 || fmt.Sprint(added) != fmt.Sprint(full) {
		t.Fatalf("added block by block:\n%v\nrecomputed:\n%v", added, full)
	}
	old, _ := s.BlockHash(src.Chain(), 30)
	src.fork(28, 7)
	if _, err := s.Sync(ctx, src, SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	if now, _ := s.BlockHash(src.Chain(), 30); now == old {
		t.Fatal("the fork did not replace block 30")
	}
	if err := s.ResetInflows(ctx, src.Chain()); err != nil {
		t.Fatal(err)
	}
	fresh := openTemp(t, "")
	if _, err := fresh.Sync(ctx, src, SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := fresh.ResetInflows(ctx, src.Chain()); err != nil {
		t.Fatal(err)
	}
	if a, b := inflowTotals(t, s), inflowTotals(t, fresh); fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("after the reorg:\n%v\na fresh store:\n%v", a, b)
	}
}
