package trace

import (
	"cmp"
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
)

// The worked examples of METHODS.md, in satoshi (1 BTC = 100,000,000 sat).
var (
	// Inputs [3 T, 7 C], outputs [2, 7.9], fee 0.1 (METHODS.md section 1).
	exampleIn  = []Lot{{300_000_000, 300_000_000}, {700_000_000, 0}}
	exampleOut = []uint64{200_000_000, 790_000_000}
	// S1 tx1: 10 T pays X1 1.0 and change 8.9999, fee 0.0001.
	s1Tx1In  = []Lot{{1_000_000_000, 1_000_000_000}}
	s1Tx1Out = []uint64{100_000_000, 899_990_000}
	// S1 tx2: the change pays X2 1.5 and change C2 7.4998, fee 0.0001.
	s1Tx2In  = []Lot{{899_990_000, 899_990_000}}
	s1Tx2Out = []uint64{150_000_000, 749_980_000}
	// S1 tx3: C2 (7.4998 T) and K (1.0001 C) pay OTC 2.0 and change C3
	// 6.4998, fee 0.0001.
	s1Tx3In  = []Lot{{749_980_000, 749_980_000}, {100_010_000, 0}}
	s1Tx3Out = []uint64{200_000_000, 649_980_000}
	// S4 Whirlpool 5x5: [0.05 C, 0.05 C, 0.05004 T, 0.05004 C, 0.05004 C]
	// into five 0.05 outputs, fee 0.00012.
	s4In  = []Lot{{5_000_000, 0}, {5_000_000, 0}, {5_004_000, 5_004_000}, {5_004_000, 0}, {5_004_000, 0}}
	s4Out = []uint64{5_000_000, 5_000_000, 5_000_000, 5_000_000, 5_000_000}
)

func TestSplitUTXO(t *testing.T) {
	tests := []struct {
		name    string   // the example, as METHODS.md names it
		model   Model    // the taint model
		inputs  []Lot    // the inputs in order: value and taint, satoshi
		outputs []uint64 // the outputs in order, satoshi
		want    []uint64 // each output's taint, satoshi
		wantFee uint64   // the fee's taint, satoshi
	}{
		// METHODS.md section 1: the table is exact in satoshi.
		{"example", Poison, exampleIn, exampleOut, []uint64{200_000_000, 790_000_000}, 10_000_000},
		{"example", Haircut, exampleIn, exampleOut, []uint64{60_000_000, 237_000_000}, 3_000_000},
		{"example", FIFO, exampleIn, exampleOut, []uint64{200_000_000, 100_000_000}, 0},
		{"example", LIFO, exampleIn, exampleOut, []uint64{0, 290_000_000}, 10_000_000},
		{"example", TIHO, exampleIn, exampleOut, []uint64{0, 300_000_000}, 0},

		// S1 tx3. METHODS.md pins haircut (floors of 176,467,958.4 and
		// 573,503,218.5) and FIFO; the fee's exact haircut share is
		// 8,823.6 sat, and it takes 8,824 with the two floored fractions.
		{"S1 tx3", Poison, s1Tx3In, s1Tx3Out, []uint64{200_000_000, 649_980_000}, 10_000},
		{"S1 tx3", Haircut, s1Tx3In, s1Tx3Out, []uint64{176_467_958, 573_503_218}, 8_824},
		{"S1 tx3", FIFO, s1Tx3In, s1Tx3Out, []uint64{200_000_000, 549_980_000}, 0},
		// LIFO streams K first: OTC gets 1.0001 C and 0.9999 T.
		{"S1 tx3", LIFO, s1Tx3In, s1Tx3Out, []uint64{99_990_000, 649_980_000}, 10_000},
		// TIHO fills C3, the larger output, first.
		{"S1 tx3", TIHO, s1Tx3In, s1Tx3Out, []uint64{100_000_000, 649_980_000}, 0},

		// S4. METHODS.md's haircut 0.0100031985 is the exact share
		// 5,000,000·5,004,000/25,012,000 = 1,000,319.846... sat written to
		// ten decimals; floored it is 1,000,319 sat (0.01000319 BTC). The
		// fee takes its exact share 2,400.77 plus the five dropped
		// fractions: 5,004,000 − 5·1,000,319 = 2,405 sat.
		{"S4", Poison, s4In, s4Out, []uint64{5_000_000, 5_000_000, 5_000_000, 5_000_000, 5_000_000}, 12_000},
		{"S4", Haircut, s4In, s4Out, []uint64{1_000_319, 1_000_319, 1_000_319, 1_000_319, 1_000_319}, 2_405},
		{"S4", FIFO, s4In, s4Out, []uint64{0, 0, 5_000_000, 4_000, 0}, 0},
		{"S4", LIFO, s4In, s4Out, []uint64{0, 0, 4_992_000, 12_000, 0}, 0},
		// Equal outputs: ties go by index.
		{"S4", TIHO, s4In, s4Out, []uint64{5_000_000, 4_000, 0, 0, 0}, 0},

		// No fee to take the haircut remainder: each output's share is 3/7
		// of 5 or of 2, floored to 2 and 0; the unit left over goes to the
		// output whose floor dropped more (6/7 against 1/7).
		{"zero fee", Haircut, []Lot{{7, 3}}, []uint64{5, 2}, []uint64{2, 1}, 0},
		// All shares 1/3: the leftover unit goes to the first output.
		{"zero fee, tie", Haircut, []Lot{{3, 1}}, []uint64{1, 1, 1}, []uint64{1, 0, 0}, 0},
		// A fee of 1 holds one of the two leftover units.
		{"small fee", Haircut, []Lot{{9, 4}}, []uint64{4, 4}, []uint64{2, 1}, 1},
		// A partly tainted input streams its tainted part first.
		{"partial input", FIFO, []Lot{{10, 4}, {5, 5}}, []uint64{3, 10}, []uint64{3, 4}, 2},
		{"partial input", LIFO, []Lot{{10, 4}, {5, 5}}, []uint64{3, 10}, []uint64{3, 6}, 0},
		{"no outputs", FIFO, []Lot{{10, 4}}, nil, []uint64{}, 4},
		{"clean", Poison, []Lot{{10, 0}}, []uint64{9}, []uint64{0}, 0},
	}
	for _, tt := range tests {
		got, gotFee, err := SplitUTXO(tt.model, tt.inputs, tt.outputs)
		if err != nil {
			t.Errorf("%s %v: %v", tt.name, tt.model, err)
			continue
		}
		if !slices.Equal(got, tt.want) || gotFee != tt.wantFee {
			t.Errorf("%s %v: outputs %v fee %d; want %v fee %d", tt.name, tt.model, got, gotFee, tt.want, tt.wantFee)
		}
	}
}

// TestSplitUTXOPeel pins S1's tx1 and tx2: a fully tainted input taints
// every output and the fee in full under every model.
func TestSplitUTXOPeel(t *testing.T) {
	for _, m := range Models {
		for _, tx := range []struct {
			in  []Lot
			out []uint64
		}{{s1Tx1In, s1Tx1Out}, {s1Tx2In, s1Tx2Out}} {
			got, fee, err := SplitUTXO(m, tx.in, tx.out)
			if err != nil || !slices.Equal(got, tx.out) || fee != 10_000 {
				t.Errorf("%v: %v fee %d, %v; want %v fee 10000", m, got, fee, err, tx.out)
			}
		}
	}
}

func TestSplitUTXOErrors(t *testing.T) {
	tests := []struct {
		name    string   // what is wrong
		model   Model    // the taint model
		inputs  []Lot    // the inputs
		outputs []uint64 // the outputs
		want    error    // the sentinel the error wraps
	}{
		{"taint above value", Haircut, []Lot{{5, 6}}, []uint64{5}, ErrInvalidAmount},
		{"overspend", FIFO, []Lot{{5, 0}}, []uint64{3, 3}, ErrInvalidAmount},
		{"input overflow", FIFO, []Lot{{math.MaxUint64, 0}, {1, 0}}, nil, ErrInvalidAmount},
		{"output overflow", FIFO, []Lot{{5, 0}}, []uint64{math.MaxUint64, 1}, ErrInvalidAmount},
		{"unknown model", Model(7), []Lot{{5, 0}}, []uint64{5}, ErrUnknownModel},
	}
	for _, tt := range tests {
		if _, _, err := SplitUTXO(tt.model, tt.inputs, tt.outputs); !errors.Is(err, tt.want) {
			t.Errorf("%s: error %v; want %v", tt.name, err, tt.want)
		}
	}
}

// randomTx returns a random transaction: its inputs and outputs, small
// enough for satoshi-level checks when small is true, else up to 21M BTC.
func randomTx(r *rand.Rand, small bool) ([]Lot, []uint64) {
	limit := uint64(2_100_000_000_000_000) / 8
	if small {
		limit = 30
	}
	inputs := make([]Lot, 1+r.IntN(6))
	var value uint64
	for i := range inputs {
		v := r.Uint64N(limit + 1)
		var t uint64
		switch r.IntN(3) {
		case 0: // clean
		case 1:
			t = v
		default:
			t = r.Uint64N(v + 1)
		}
		inputs[i] = Lot{v, t}
		value += v
	}
	fee := r.Uint64N(min(value, 1_000)/4 + 1)
	if r.IntN(4) == 0 {
		fee = 0
	}
	// Cut value−fee at sorted random points into up to 6 outputs.
	cuts := []uint64{0, value - fee}
	for range r.IntN(6) {
		cuts = append(cuts, r.Uint64N(value-fee+1))
	}
	slices.Sort(cuts)
	outputs := make([]uint64, len(cuts)-1)
	for j := range outputs {
		outputs[j] = cuts[j+1] - cuts[j]
	}
	return inputs, outputs
}

// satoshiStream lays inputs out one satoshi at a time in the order model m
// spends them (true = tainted), and lists the outputs in the order it fills
// them: an independent, slow statement of FIFO, LIFO and TIHO.
func satoshiStream(m Model, inputs []Lot, outputs []uint64) (sats []bool, order []int) {
	order = ascending(len(outputs))
	lots := slices.Clone(inputs)
	switch m {
	case LIFO:
		slices.Reverse(lots)
	case TIHO:
		var t, v uint64
		for _, l := range inputs {
			t, v = t+l.Taint, v+l.Value
		}
		lots = []Lot{{v, t}}
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(outputs[b], outputs[a]) })
	}
	for _, l := range lots {
		for k := range l.Value {
			sats = append(sats, k < l.Taint)
		}
	}
	return sats, order
}

func TestSplitUTXOProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 4000 {
		small := n%2 == 0
		inputs, outputs := randomTx(r, small)
		var value, taint, spent uint64
		for _, l := range inputs {
			value, taint = value+l.Value, taint+l.Taint
		}
		for _, o := range outputs {
			spent += o
		}
		fee := value - spent
		results := map[Model][]uint64{} // each model's output taints, then the fee's
		for _, m := range Models {
			out, feeTaint, err := SplitUTXO(m, inputs, outputs)
			if err != nil {
				t.Fatalf("%v %v %v: %v", m, inputs, outputs, err)
			}
			flows := append(out, feeTaint)
			results[m] = flows
			amounts := append(slices.Clone(outputs), fee)
			var sum uint64
			for j, ft := range flows {
				if ft > amounts[j] {
					t.Fatalf("%v %v %v: flow %d taint %d above its amount %d", m, inputs, outputs, j, ft, amounts[j])
				}
				sum += ft
			}
			if m != Poison && sum != taint {
				t.Fatalf("%v %v %v: taint out %d, in %d", m, inputs, outputs, sum, taint)
			}
			if small && (m == FIFO || m == LIFO || m == TIHO) {
				sats, order := satoshiStream(m, inputs, outputs)
				want := make([]uint64, len(outputs)+1)
				pos := 0
				for _, j := range append(order, len(outputs)) {
					for range amounts[j] {
						if sats[pos] {
							want[j]++
						}
						pos++
					}
				}
				if !slices.Equal(flows, want) {
					t.Fatalf("%v %v %v: %v; satoshi by satoshi %v", m, inputs, outputs, flows, want)
				}
			}
		}
		for j, h := range results[Haircut] {
			if results[Poison][j] < h {
				t.Fatalf("%v %v: flow %d poison %d below haircut %d", inputs, outputs, j, results[Poison][j], h)
			}
			if j < len(outputs) && value > 0 {
				exact := new(big.Rat).SetFrac(new(big.Int).SetUint64(outputs[j]), new(big.Int).SetUint64(value))
				exact.Mul(exact, new(big.Rat).SetUint64(taint))
				floor := new(big.Int).Quo(exact.Num(), exact.Denom()).Uint64()
				if h != floor && h != floor+1 {
					t.Fatalf("%v %v: haircut output %d = %d, exact share %v", inputs, outputs, j, h, exact)
				}
			}
		}
		if len(inputs) == 1 && !slices.Equal(results[FIFO], results[LIFO]) {
			t.Fatalf("%v %v: one input, FIFO %v and LIFO %v differ", inputs, outputs, results[FIFO], results[LIFO])
		}
	}
}

func BenchmarkSplitUTXO(b *testing.B) {
	// A Whirlpool 5x5 and a 20-in/20-out transaction with mixed taint.
	var in20 []Lot
	var out20 []uint64
	for i := range uint64(20) {
		in20 = append(in20, Lot{1_000_000 + i*37_123, (i % 3) * 400_000})
		out20 = append(out20, 990_000+i*37_000)
	}
	for _, tx := range []struct {
		name string
		in   []Lot
		out  []uint64
	}{{"whirlpool5x5", s4In, s4Out}, {"20x20", in20, out20}} {
		for _, m := range Models {
			b.Run(tx.name+"/"+m.String(), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, _, err := SplitUTXO(m, tx.in, tx.out); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
