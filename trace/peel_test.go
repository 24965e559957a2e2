package trace

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"testing"

	"github.com/houndtrace/hound/chains"
)

// peelTx builds a transaction spending the given outpoints into outputs
// paying (address, value) pairs in order; name gives its txid.
func peelTx(name string, spends []chains.Outpoint, outs ...any) *chains.UTXOTx {
	tx := &chains.UTXOTx{Hash: sha256.Sum256([]byte(name))}
	for _, p := range spends {
		tx.Inputs = append(tx.Inputs, chains.TxIn{Prev: p, Resolved: true})
	}
	for i := 0; i < len(outs); i += 2 {
		tx.Outputs = append(tx.Outputs, chains.TxOut{Address: chains.Address(outs[i].(string)), Value: uint64(outs[i+1].(int)), Kind: chains.ScriptP2WPKH})
	}
	return tx
}

func peelOp(tx *chains.UTXOTx, i uint32) chains.Outpoint {
	return chains.Outpoint{Tx: tx.Hash, Index: i}
}

// peelSpender answers spentBy from the inputs of txs.
func peelSpender(txs ...*chains.UTXOTx) func(chains.Outpoint) (*chains.UTXOTx, bool) {
	by := make(map[chains.Outpoint]*chains.UTXOTx)
	for _, tx := range txs {
		for _, in := range tx.Inputs {
			by[in.Prev] = tx
		}
	}
	return func(p chains.Outpoint) (*chains.UTXOTx, bool) {
		tx, ok := by[p]
		return tx, ok
	}
}

// wantPeel is a peel chain written out for comparison.
type wantPeel struct {
	txs      []*chains.UTXOTx // the steps
	payments []PeelOutput     // what each step paid out
	change   []chains.Outpoint
	total    uint64
	end      *chains.UTXOTx // nil: the chain's last change is unspent or its spender unknown
}

func (w wantPeel) equal(c PeelChain) bool {
	var end chains.Hash
	if w.end != nil {
		end = w.end.Hash
	}
	if c.Len() != len(w.txs) || c.Total != w.total || c.End != end ||
		!slices.Equal(c.Payments(), w.payments) || !slices.Equal(c.ChangePath(), w.change) {
		return false
	}
	for i, s := range c.Steps {
		if s.Tx != w.txs[i].Hash || s.Change.Out != w.change[i] {
			return false
		}
	}
	return true
}

// TestPeelChains pins METHODS.md's S1: tx1 peels 1 BTC off the thief's 10
// BTC to X1 keeping 8.9999, tx2 peels 1.5 BTC to X2 keeping 7.4998, and
// tx3 co-spends that change with an unrelated coin, which ends the chain:
// a peel chain of length 2 that paid out 2.5 BTC.
func TestPeelChains(t *testing.T) {
	theft := chains.Outpoint{Tx: sha256.Sum256([]byte("theft"))}
	tx1 := peelTx("tx1", []chains.Outpoint{theft}, "X1", 100_000_000, "C1", 899_990_000)
	tx2 := peelTx("tx2", []chains.Outpoint{peelOp(tx1, 1)}, "X2", 150_000_000, "C2", 749_980_000)
	k := chains.Outpoint{Tx: sha256.Sum256([]byte("K"))}
	tx3 := peelTx("tx3", []chains.Outpoint{peelOp(tx2, 1), k}, "OTC", 200_000_000, "C3", 649_980_000)
	s1 := wantPeel{
		txs: []*chains.UTXOTx{tx1, tx2},
		payments: []PeelOutput{
			{Out: peelOp(tx1, 0), Address: "X1", Amount: 100_000_000},
			{Out: peelOp(tx2, 0), Address: "X2", Amount: 150_000_000},
		},
		change: []chains.Outpoint{peelOp(tx1, 1), peelOp(tx2, 1)},
		total:  250_000_000,
		end:    tx3,
	}
	s1Unspent := s1
	s1Unspent.end = nil

	// A longer chain with the change first, then a step of equal outputs.
	a1 := peelTx("a1", []chains.Outpoint{{Tx: sha256.Sum256([]byte("a0"))}}, "CA1", 90_000, "PA1", 9_000)
	a2 := peelTx("a2", []chains.Outpoint{peelOp(a1, 0)}, "PA2", 5_000, "CA2", 84_000)
	a3 := peelTx("a3", []chains.Outpoint{peelOp(a2, 1)}, "CA3", 80_000, "PA3", 3_000)
	a4 := peelTx("a4", []chains.Outpoint{peelOp(a3, 0)}, "E1", 39_000, "E2", 39_000)
	chainA := wantPeel{
		txs: []*chains.UTXOTx{a1, a2, a3},
		payments: []PeelOutput{
			{Out: peelOp(a1, 1), Address: "PA1", Amount: 9_000},
			{Out: peelOp(a2, 0), Address: "PA2", Amount: 5_000},
			{Out: peelOp(a3, 1), Address: "PA3", Amount: 3_000},
		},
		change: []chains.Outpoint{peelOp(a1, 0), peelOp(a2, 1), peelOp(a3, 0)},
		total:  17_000,
		end:    a4,
	}

	// tx2 spending tx1's payment rather than its change.
	tx2Pay := peelTx("tx2 pay", []chains.Outpoint{peelOp(tx1, 0)}, "X2", 50_000_000, "C2", 49_990_000)
	// tx2 with an OP_RETURN: no payment to peel.
	tx2Memo := peelTx("tx2 memo", []chains.Outpoint{peelOp(tx1, 1)}, "C2", 899_980_000)
	tx2Memo.Outputs = append(tx2Memo.Outputs, chains.TxOut{Kind: chains.ScriptNullData, Data: []byte("memo")})

	// S1 continued by two more peels before a sweep.
	tx2b := peelTx("tx2b", []chains.Outpoint{peelOp(tx1, 1)}, "X2", 150_000_000, "C2", 749_980_000)
	tx3b := peelTx("tx3b", []chains.Outpoint{peelOp(tx2b, 1)}, "X3", 50_000_000, "C3", 699_970_000)
	tx4b := peelTx("tx4b", []chains.Outpoint{peelOp(tx3b, 1)}, "C4", 649_960_000, "X4", 50_000_000)
	s1Long := wantPeel{
		txs: []*chains.UTXOTx{tx1, tx2b, tx3b, tx4b},
		payments: []PeelOutput{
			{Out: peelOp(tx1, 0), Address: "X1", Amount: 100_000_000},
			{Out: peelOp(tx2b, 0), Address: "X2", Amount: 150_000_000},
			{Out: peelOp(tx3b, 0), Address: "X3", Amount: 50_000_000},
			{Out: peelOp(tx4b, 1), Address: "X4", Amount: 50_000_000},
		},
		change: []chains.Outpoint{peelOp(tx1, 1), peelOp(tx2b, 1), peelOp(tx3b, 1), peelOp(tx4b, 0)},
		total:  350_000_000,
	}

	// self spends its own change: no real transaction can, but a lookup
	// may say so.
	selfHash := sha256.Sum256([]byte("self"))
	self := peelTx("self", []chains.Outpoint{{Tx: selfHash, Index: 1}}, "P", 1_000, "C", 2_000)

	tests := []struct {
		name  string
		txs   []*chains.UTXOTx                             // where chains may start
		spent func(chains.Outpoint) (*chains.UTXOTx, bool) // the spentBy lookup
		want  []wantPeel
	}{
		{"S1", []*chains.UTXOTx{tx1, tx2, tx3}, peelSpender(tx1, tx2, tx3), []wantPeel{s1}},
		{"S1 from tx1 alone", []*chains.UTXOTx{tx1}, peelSpender(tx1, tx2, tx3), []wantPeel{s1}},
		{"S1 backwards", []*chains.UTXOTx{tx3, tx2, tx1}, peelSpender(tx1, tx2, tx3), []wantPeel{s1}},
		{"S1 twice over", []*chains.UTXOTx{tx1, tx2, tx1, tx2}, peelSpender(tx1, tx2, tx3), []wantPeel{s1}},
		{"S1 before tx3", []*chains.UTXOTx{tx1, tx2}, peelSpender(tx1, tx2), []wantPeel{s1Unspent}},
		{"S1 entered at tx2: one step", []*chains.UTXOTx{tx2, tx3}, peelSpender(tx1, tx2, tx3), nil},
		{"spending the payment", []*chains.UTXOTx{tx1, tx2Pay}, peelSpender(tx1, tx2Pay), nil},
		{"an OP_RETURN step", []*chains.UTXOTx{tx1, tx2Memo}, peelSpender(tx1, tx2Memo), nil},
		{"change first, equal outputs end it", []*chains.UTXOTx{a1, a2, a3, a4}, peelSpender(a1, a2, a3, a4), []wantPeel{chainA}},
		{"two chains, in order of their first step", []*chains.UTXOTx{a2, tx1, a1}, peelSpender(a1, a2, a3, a4, tx1, tx2, tx3), []wantPeel{s1, chainA}},
		{"spentBy in a circle", []*chains.UTXOTx{tx1}, func(p chains.Outpoint) (*chains.UTXOTx, bool) {
			if p == peelOp(tx1, 1) {
				return tx2, true
			}
			return tx1, true // no real chain spends an output twice
		}, []wantPeel{s1Unspent}},
		{"the middle of a chain among txs", []*chains.UTXOTx{a3, tx1, tx3b}, peelSpender(tx1, tx2, tx2b, tx3b, tx4b), []wantPeel{s1Long}},
		{"spentBy answers with a peel that spends something else", []*chains.UTXOTx{tx1}, func(p chains.Outpoint) (*chains.UTXOTx, bool) {
			return a2, true
		}, nil},
		{"a transaction spending its own change", []*chains.UTXOTx{self}, peelSpender(self), nil},
		{"spentBy says nil", []*chains.UTXOTx{tx1}, func(chains.Outpoint) (*chains.UTXOTx, bool) { return nil, true }, nil},
		{"nothing", nil, peelSpender(), nil},
	}
	for _, tt := range tests {
		got := PeelChains(tt.txs, tt.spent)
		if len(got) != len(tt.want) {
			t.Errorf("%s: %d chains, want %d", tt.name, len(got), len(tt.want))
			continue
		}
		for i, w := range tt.want {
			if !w.equal(got[i]) {
				t.Errorf("%s: chain %d is %s", tt.name, i, describePeel(got[i]))
			}
		}
	}
}

// TestPeelChainsWalkOnce checks that a chain whose every step is among txs
// is walked once, not once from each step: spentBy is asked once per step.
func TestPeelChainsWalkOnce(t *testing.T) {
	var txs []*chains.UTXOTx
	prev := chains.Outpoint{Tx: sha256.Sum256([]byte("start"))}
	for i := range 100 {
		tx := peelTx(fmt.Sprint("step ", i), []chains.Outpoint{prev}, "pay", 1_000, "change", 1_000_000-1_001*i)
		txs = append(txs, tx)
		prev = peelOp(tx, 1)
	}
	spent := peelSpender(txs...)
	calls := 0
	got := PeelChains(txs, func(p chains.Outpoint) (*chains.UTXOTx, bool) {
		calls++
		return spent(p)
	})
	if len(got) != 1 || got[0].Len() != 100 || got[0].Total != 100_000 || calls != 100 {
		t.Errorf("%d chains (%v), %d lookups; want one of 100 steps paying 100,000 after 100 lookups", len(got), got, calls)
	}
}

func describePeel(c PeelChain) string {
	s := fmt.Sprintf("length %d, total %d, end %x:", c.Len(), c.Total, c.End[:4])
	for _, st := range c.Steps {
		s += fmt.Sprintf(" [%x pays %d to %s, keeps %d at %s]", st.Tx[:4], st.Payment.Amount, st.Payment.Address, st.Change.Amount, st.Change.Out)
	}
	return s
}

func TestLooksLikePeel(t *testing.T) {
	in := []chains.Outpoint{{Index: 1}}
	tests := []struct {
		name   string
		tx     *chains.UTXOTx
		change int  // the index of the change output
		ok     bool // whether tx is a peel step
	}{
		{"payment, change second", peelTx("p", in, "P", 1, "C", 2), 1, true},
		{"change first", peelTx("p", in, "C", 2, "P", 1), 0, true},
		{"equal outputs", peelTx("p", in, "A", 2, "B", 2), 0, false},
		{"a payment of nothing", peelTx("p", in, "A", 0, "B", 2), 0, false},
		{"two inputs", peelTx("p", append(in, in...), "P", 1, "C", 2), 0, false},
		{"three outputs", peelTx("p", in, "P", 1, "C", 2, "D", 3), 0, false},
		{"one output", peelTx("p", in, "C", 2), 0, false},
		{"an OP_RETURN", func() *chains.UTXOTx {
			tx := peelTx("p", in, "C", 2)
			return cjEdit(tx, func(tx *chains.UTXOTx) {
				tx.Outputs = append(tx.Outputs, chains.TxOut{Kind: chains.ScriptNullData, Value: 1})
			})
		}(), 0, false},
		{"coinbase", &chains.UTXOTx{Inputs: []chains.TxIn{{Coinbase: true}}, Outputs: peelTx("p", in, "P", 1, "C", 2).Outputs}, 0, false},
		{"nil", nil, 0, false},
	}
	for _, tt := range tests {
		if c, ok := LooksLikePeel(tt.tx); c != tt.change || ok != tt.ok {
			t.Errorf("%s: LooksLikePeel = %d, %v; want %d, %v", tt.name, c, ok, tt.change, tt.ok)
		}
	}
}
