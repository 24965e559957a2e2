package trace

import (
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"testing"
)

// flow is one flow of an account node in a test: an inflow bringing taint,
// or an outflow that must carry taint.
type flow struct {
	out    bool     // an outflow; else an inflow
	amount *big.Int // the flow's amount, wei
	taint  *big.Int // an inflow's taint, or the taint an outflow must carry
}

func in(amount, taint *big.Int) flow  { return flow{false, amount, taint} }
func out(amount, taint *big.Int) flow { return flow{true, amount, taint} }

// Account flows of METHODS.md's examples, by model.
var (
	// Alice holds 5 C, receives 1 T, then 5 C, and sends 1 to Bob.
	alice = []flow{in(eth("5"), eth("0")), in(eth("1"), eth("1")), in(eth("5"), eth("0"))}
	// S2: E0 holds 10 C, receives 500 T, then sends 100 to each of H1-H5.
	s2 = []flow{in(eth("10"), eth("0")), in(eth("500"), eth("500"))}
	// S3: H6 holds 30 C, receives 20 T, then deposits 40 to THORChain.
	s3 = []flow{in(eth("30"), eth("0")), in(eth("20"), eth("20"))}
)

// s5 is deposit address D of S5: A (T) sends 10, D forwards 9.999 (taint
// first), B (C) sends 5, D forwards 4.9995 (taint second).
func s5(first, second *big.Int) []flow {
	return []flow{in(eth("10"), eth("10")), out(eth("9.999"), first), in(eth("5"), eth("0")), out(eth("4.9995"), second)}
}

// s2Sends returns S2's five sends of 100 carrying the given taints.
func s2Sends(taints ...*big.Int) []flow {
	var f []flow
	for _, t := range taints {
		f = append(f, out(eth("100"), t))
	}
	return f
}

func TestAccount(t *testing.T) {
	// S2 haircut. Each send carries floor(100·T/B) with T and B re-taken
	// before it. The exact share 100·50/51 = 98.039215686274509803921...
	// ETH floors to ...803 wei for H1; the floored 0.92 wei stays with E0,
	// so the ratio creeps up and H2-H5 each carry ...804 wei (their exact
	// shares end in .95, .98, .99, .99 wei). E0 keeps 9.803921568627450981
	// ETH of taint; METHODS.md's 98.0392156863 and 9.8039 are these rounded.
	h1, hN := wei("98039215686274509803"), wei("98039215686274509804")
	all100 := s2Sends(eth("100"), eth("100"), eth("100"), eth("100"), eth("100"))
	tests := []struct {
		name        string   // the example
		model       Model    // the taint model
		flows       []flow   // the node's flows in chain order
		wantBalance *big.Int // what the node holds at the end
		wantTaint   *big.Int // the tainted part of it
	}{
		// Alice. Haircut: Bob gets floor(1 ETH/11) = 0.090909090909090909
		// ETH; Alice keeps the 1/11 wei remainder: 10/11 ETH rounded up.
		{"alice", Haircut, append(alice, out(eth("1"), wei("90909090909090909"))), eth("10"), wei("909090909090909091")},
		{"alice", FIFO, append(alice, out(eth("1"), eth("0"))), eth("10"), eth("1")},
		{"alice", LIFO, append(alice, out(eth("1"), eth("0"))), eth("10"), eth("1")},
		{"alice", Poison, append(alice, out(eth("1"), eth("1"))), eth("10"), eth("10")},
		{"alice", TIHO, append(alice, out(eth("1"), eth("1"))), eth("10"), eth("0")},

		{"S2", Haircut, append(s2, s2Sends(h1, hN, hN, hN, hN)...), eth("10"), wei("9803921568627450981")},
		{"S2", FIFO, append(s2, s2Sends(eth("90"), eth("100"), eth("100"), eth("100"), eth("100"))...), eth("10"), eth("10")},
		{"S2", LIFO, append(s2, all100...), eth("10"), eth("0")},
		{"S2", TIHO, append(s2, all100...), eth("10"), eth("0")},
		{"S2", Poison, append(s2, all100...), eth("10"), eth("10")},

		{"S3", Haircut, append(s3, out(eth("40"), eth("16"))), eth("10"), eth("4")},
		{"S3", FIFO, append(s3, out(eth("40"), eth("10"))), eth("10"), eth("10")},
		{"S3", LIFO, append(s3, out(eth("40"), eth("20"))), eth("10"), eth("0")},
		{"S3", TIHO, append(s3, out(eth("40"), eth("20"))), eth("10"), eth("0")},
		{"S3", Poison, append(s3, out(eth("40"), eth("40"))), eth("10"), eth("10")},

		// S5 haircut: 4.9995·0.001/5.001 ETH = 0.000999700059988002399...
		// ETH floors to 999,700,059,988,002 wei (METHODS.md's 0.00099970006
		// is this rounded); D keeps 299,940,011,998 wei of taint.
		{"S5", Haircut, s5(eth("9.999"), wei("999700059988002")), eth("0.0015"), wei("299940011998")},
		{"S5", FIFO, s5(eth("9.999"), eth("0.001")), eth("0.0015"), eth("0")},
		{"S5", LIFO, s5(eth("9.999"), eth("0")), eth("0.0015"), eth("0.001")},
		{"S5", TIHO, s5(eth("9.999"), eth("0.001")), eth("0.0015"), eth("0")},
		{"S5", Poison, s5(eth("9.999"), eth("4.9995")), eth("0.0015"), eth("0.0015")},

		// A partly tainted inflow leaves tainted part first.
		{"partial", FIFO, []flow{in(eth("10"), eth("4")), out(eth("3"), eth("3")), out(eth("5"), eth("1"))}, eth("2"), eth("0")},
		{"partial", LIFO, []flow{in(eth("1"), eth("0")), in(eth("10"), eth("4")), out(eth("3"), eth("3")), out(eth("8"), eth("1"))}, eth("0"), eth("0")},
		{"zero amounts", Haircut, []flow{in(eth("0"), eth("0")), out(eth("0"), eth("0")), in(eth("2"), eth("1")), out(eth("0"), eth("0"))}, eth("2"), eth("1")},
	}
	for _, tt := range tests {
		a := NewAccount(tt.model)
		replay(t, fmt.Sprintf("%s %v", tt.name, tt.model), a, tt.flows)
		if a.Balance().Cmp(tt.wantBalance) != 0 || a.Taint().Cmp(tt.wantTaint) != 0 {
			t.Errorf("%s %v: holds %v with taint %v; want %v with %v", tt.name, tt.model, a.Balance(), a.Taint(), tt.wantBalance, tt.wantTaint)
		}
	}
}

// replay applies flows to a and checks each outflow's taint.
func replay(t *testing.T, name string, a *Account, flows []flow) {
	t.Helper()
	for i, f := range flows {
		if !f.out {
			if err := a.In(f.amount, f.taint); err != nil {
				t.Errorf("%s: flow %d: %v", name, i, err)
			}
			continue
		}
		got, err := a.Out(f.amount)
		if err != nil || got.Cmp(f.taint) != 0 {
			t.Errorf("%s: flow %d: outflow of %v carries %v, %v; want %v", name, i, f.amount, got, err, f.taint)
		}
	}
}

// TestAccountUnknown: an outflow above the balance empties the node and
// carries all its taint; the unseen part counts as clean.
func TestAccountUnknown(t *testing.T) {
	for _, m := range Models {
		a := NewAccount(m)
		first := eth("5") // all of the node's taint
		if m == Poison {
			first = eth("8") // all of the outflow
		}
		replay(t, m.String(), a, []flow{in(eth("5"), eth("5")), out(eth("8"), first), in(eth("2"), eth("0")), out(eth("3"), eth("0"))})
		if a.Balance().Sign() != 0 || a.Taint().Sign() != 0 || a.Unknown().Cmp(eth("4")) != 0 {
			t.Errorf("%v: balance %v taint %v unknown %v; want 0, 0, 4 ETH", m, a.Balance(), a.Taint(), a.Unknown())
		}
	}
}

func TestAccountLotsMerge(t *testing.T) {
	a := NewAccount(FIFO)
	for _, f := range []flow{in(eth("1"), eth("0")), in(eth("1"), eth("0")), in(eth("2"), eth("2")), in(eth("2"), eth("2")), in(eth("3"), eth("1")), in(eth("3"), eth("1")), in(eth("1"), eth("0"))} {
		if err := a.In(f.amount, f.taint); err != nil {
			t.Fatal(err)
		}
	}
	// [2 C] [4 T] [3, 1 T] [3, 1 T] [1 C]: partly tainted lots stay apart.
	if len(a.lots) != 5 {
		t.Fatalf("%d lots; want 5", len(a.lots))
	}
	replay(t, "merged", a, []flow{out(eth("3"), eth("1")), out(eth("5"), eth("4")), out(eth("4"), eth("1"))})
}

func TestAccountErrors(t *testing.T) {
	a := NewAccount(Haircut)
	for _, f := range []flow{in(eth("1"), eth("2")), in(eth("1"), big.NewInt(-1)), in(big.NewInt(-1), big.NewInt(-1)), in(nil, eth("0")), in(eth("1"), nil)} {
		if err := a.In(f.amount, f.taint); !errors.Is(err, ErrInvalidAmount) {
			t.Errorf("In(%v, %v) error %v; want ErrInvalidAmount", f.amount, f.taint, err)
		}
	}
	for _, v := range []*big.Int{big.NewInt(-1), nil} {
		if _, err := a.Out(v); !errors.Is(err, ErrInvalidAmount) {
			t.Errorf("Out(%v) error %v; want ErrInvalidAmount", v, err)
		}
	}
	if a.Balance().Sign() != 0 || a.Taint().Sign() != 0 || a.Unknown().Sign() != 0 {
		t.Errorf("failed calls changed the node: %v %v %v", a.Balance(), a.Taint(), a.Unknown())
	}
	if _, err := NewAccount(Model(9)).Out(eth("1")); !errors.Is(err, ErrUnknownModel) {
		t.Errorf("Out under model 9: error %v; want ErrUnknownModel", err)
	}
}

// randomAmount returns 0, a small amount, or one up to about 10^24.
func randomAmount(r *rand.Rand) *big.Int {
	switch r.IntN(4) {
	case 0:
		return new(big.Int)
	case 1:
		return big.NewInt(r.Int64N(20))
	}
	v := new(big.Int).SetUint64(r.Uint64())
	return v.Mul(v, big.NewInt(r.Int64N(100_000)+1))
}

// upTo returns a random amount in [0, n].
func upTo(r *rand.Rand, n *big.Int) *big.Int {
	v := new(big.Int)
	for range n.BitLen()/64 + 2 {
		v.Lsh(v, 64).Or(v, new(big.Int).SetUint64(r.Uint64()))
	}
	return v.Mod(v, new(big.Int).Add(n, big.NewInt(1)))
}

func TestAccountProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 1000 {
		accounts := map[Model]*Account{}
		taintIn, taintOut := map[Model]*big.Int{}, map[Model]*big.Int{}
		for _, m := range Models {
			accounts[m] = NewAccount(m)
			taintIn[m], taintOut[m] = new(big.Int), new(big.Int)
		}
		var log []string // the flows so far, for failure messages
		for range 1 + r.IntN(30) {
			if r.IntN(2) == 0 {
				v := randomAmount(r)
				tv := new(big.Int)
				switch r.IntN(3) {
				case 1:
					tv.Set(v)
				case 2:
					tv = upTo(r, v)
				}
				log = append(log, fmt.Sprintf("in %v/%v", v, tv))
				for _, m := range Models {
					if err := accounts[m].In(v, tv); err != nil {
						t.Fatalf("%v %v: %v", m, log, err)
					}
					taintIn[m].Add(taintIn[m], tv)
				}
				continue
			}
			// Mostly within the balance, sometimes beyond it.
			v := randomAmount(r)
			if b := accounts[Haircut].Balance(); b.Sign() > 0 && r.IntN(5) > 0 {
				v = upTo(r, b)
			}
			log = append(log, fmt.Sprintf("out %v", v))
			taints := map[Model]*big.Int{}
			for _, m := range Models {
				ot, err := accounts[m].Out(v)
				if err != nil {
					t.Fatalf("%v %v: %v", m, log, err)
				}
				if ot.Sign() < 0 || ot.Cmp(v) > 0 {
					t.Fatalf("%v %v: outflow carries %v", m, log, ot)
				}
				taints[m] = ot
				taintOut[m].Add(taintOut[m], ot)
			}
			if taints[Poison].Cmp(taints[Haircut]) < 0 {
				t.Fatalf("%v: poison %v below haircut %v", log, taints[Poison], taints[Haircut])
			}
		}
		for _, m := range Models {
			a := accounts[m]
			if a.Taint().Sign() < 0 || a.Taint().Cmp(a.Balance()) > 0 || a.Balance().Cmp(accounts[Haircut].Balance()) != 0 {
				t.Fatalf("%v %v: holds %v with taint %v", m, log, a.Balance(), a.Taint())
			}
			if m == Poison {
				continue
			}
			if kept := new(big.Int).Sub(taintIn[m], taintOut[m]); kept.Cmp(a.Taint()) != 0 {
				t.Fatalf("%v %v: taint in %v, out %v, kept %v", m, log, taintIn[m], taintOut[m], a.Taint())
			}
		}
	}
}

// TestAccountMatchesUTXO: a UTXO transaction replayed as an account node
// (the inputs flow in, then the outputs and the fee flow out in order)
// gives every output the same taint under FIFO and LIFO.
func TestAccountMatchesUTXO(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for n := range 2000 {
		inputs, outputs := randomTx(r, n%2 == 0)
		var value, spent uint64
		for _, l := range inputs {
			value += l.Value
		}
		for _, o := range outputs {
			spent += o
		}
		for _, m := range []Model{FIFO, LIFO} {
			outTaint, feeTaint, err := SplitUTXO(m, inputs, outputs)
			if err != nil {
				t.Fatal(err)
			}
			a := NewAccount(m)
			var flows []flow
			for _, l := range inputs {
				flows = append(flows, in(new(big.Int).SetUint64(l.Value), new(big.Int).SetUint64(l.Taint)))
			}
			taints := append(outTaint, feeTaint)
			for j, o := range append(outputs, value-spent) {
				flows = append(flows, out(new(big.Int).SetUint64(o), new(big.Int).SetUint64(taints[j])))
			}
			replay(t, fmt.Sprintf("%v %v %v", m, inputs, outputs), a, flows)
		}
	}
}

func BenchmarkAccount(b *testing.B) {
	// 64 inflows, every third tainted, each followed by an outflow of
	// two thirds of it: a busy intermediary.
	var flows []flow
	for i := range int64(64) {
		v := new(big.Int).Mul(big.NewInt(1_000+i), eth("1"))
		t := new(big.Int)
		if i%3 == 0 {
			t.Set(v)
		}
		flows = append(flows, in(v, t), out(new(big.Int).Div(new(big.Int).Mul(v, big.NewInt(2)), big.NewInt(3)), nil))
	}
	for _, m := range Models {
		b.Run(m.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				a := NewAccount(m)
				for _, f := range flows {
					var err error
					if f.out {
						_, err = a.Out(f.amount)
					} else {
						err = a.In(f.amount, f.taint)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
