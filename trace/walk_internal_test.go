package trace

import (
	"encoding/binary"
	"math/big"
	"math/rand/v2"
	"slices"
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

// TestPassed checks node.passed against the scan it replaces, over random
// account nodes (links are positions, several flows at one position: a
// transfer to oneself) and UTXO transactions (links are outpoints), at
// every point of the walk through the node's flows.
func TestPassed(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	scan := func(n *node, link chains.Link) bool {
		for i := n.next - 1; i >= 0; i-- {
			if f := &n.flows[i]; f.In && f.Link == link {
				return true
			}
		}
		return false
	}
	var checked, found int
	for round := range 300 {
		n := &node{}
		utxo := round%3 == 0
		for i := range 1 + r.IntN(30) {
			f := chains.Flow{Pos: chains.Pos{Block: uint64(i / 4), TxIndex: uint32(i % 4 / 2), Index: uint32(r.IntN(2))}, In: r.IntN(2) == 0}
			if utxo {
				f.Link.Outpoint = chains.Outpoint{Tx: chains.Hash{0: byte(i), 31: 1}, Index: uint32(i)}
			} else {
				f.Link.Pos = f.Pos
			}
			n.flows = append(n.flows, f)
		}
		slices.SortStableFunc(n.flows, flowOrder)
		for n.next = 0; n.next <= len(n.flows); n.next++ {
			for _, f := range n.flows {
				for _, link := range []chains.Link{f.Link, {Pos: chains.Pos{Block: 99}}, {Outpoint: chains.Outpoint{Index: 7}}} {
					got, want := n.passed(link), scan(n, link)
					if got != want {
						t.Fatalf("round %d, next %d of %d, link %+v: passed %v, the scan says %v", round, n.next, len(n.flows), link, got, want)
					}
					checked++
					if want {
						found++
					}
				}
			}
		}
	}
	if found == 0 || found == checked {
		t.Fatalf("%d of %d links passed: the test shows nothing", found, checked)
	}
}

// TestShare checks haircut's share, floor(amount·taint/balance), against
// big.Int arithmetic, at magnitudes where it takes the 64-bit path (up to
// 2^64-1) and where it does not, and at the edges: taint equal to balance,
// amount one below it.
func TestShare(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	below := func(x *big.Int) *big.Int { // about uniform in [0, x)
		var b []byte
		for range x.BitLen()/64 + 2 {
			b = binary.BigEndian.AppendUint64(b, r.Uint64())
		}
		return new(big.Int).Mod(new(big.Int).SetBytes(b), x)
	}
	one, max64 := big.NewInt(1), new(big.Int).SetUint64(^uint64(0))
	for round := range 20000 {
		balance := new(big.Int).Lsh(one, uint([]int{8, 40, 63, 64, 65, 90}[round%6]))
		balance.Add(below(balance), one)
		if round%7 == 0 {
			balance.Set(max64)
		}
		amount, taint := below(balance), below(new(big.Int).Add(balance, one))
		switch round % 5 {
		case 0:
			taint.Set(balance)
		case 1:
			amount.Sub(balance, one)
		}
		want := new(big.Int).Mul(amount, taint)
		want.Quo(want, balance)
		got := new(big.Int)
		share(got, amount, taint, balance)
		if got.Cmp(want) != 0 {
			t.Fatalf("share(%v, %v, %v) = %v, want %v", amount, taint, balance, got, want)
		}
	}
}
