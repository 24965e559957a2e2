package trace

import (
	"math/rand/v2"
	"testing"

	"github.com/houndtrace/hound/chains"
)

// TestTxHops checks the list-then-map against a plain map, over random
// sets of up to 40 transactions (past txHopsFew, where it turns into a
// map).
func TestTxHops(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for round := range 200 {
		var h txHops
		want := map[chains.Hash]int{}
		txs := 1 + r.IntN(40)
		for range 3 * txs {
			tx := chains.Hash{0: byte(r.IntN(txs)), 31: 1}
			hop := r.IntN(7)
			h.lower(tx, hop)
			if prev, ok := want[tx]; !ok || hop < prev {
				want[tx] = hop
			}
		}
		for i := range 41 {
			tx := chains.Hash{0: byte(i), 31: 1}
			got, ok := h.get(tx)
			w, wok := want[tx]
			if got != w || ok != wok {
				t.Fatalf("round %d, tx %d: got hop %d (%v), want %d (%v)", round, i, got, ok, w, wok)
			}
		}
		if len(want) > txHopsFew && h.many == nil || len(want) <= txHopsFew && h.many != nil {
			t.Fatalf("round %d: %d transactions, kept as a map: %v", round, len(want), h.many != nil)
		}
	}
}
