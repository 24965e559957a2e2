package trace

import (
	"cmp"
	"fmt"
	"math/bits"
	"slices"
)

// Lot is an amount of satoshi and the part of it that is tainted: one input
// of a UTXO transaction, the output it spends with that output's taint.
type Lot struct {
	Value uint64
	Taint uint64
}

// SplitUTXO shares the taint of a UTXO transaction's inputs among its outputs
// and its fee under model m. Inputs and outputs are in transaction order,
// amounts in satoshi; the fee is what the inputs hold beyond the outputs.
//
// Every result is floored to the satoshi. Except under Poison, taint is
// conserved exactly: the outputs' taint plus feeTaint equals the inputs'
// taint, and no flow carries more taint than its value. The fee is served
// last: under FIFO, LIFO and TIHO it takes whatever the outputs leave, under
// Haircut the remainder of the floored outputs (see the package
// documentation for the rare case the fee is too small to hold it).
//
// It fails with ErrInvalidAmount when an input's taint exceeds its value,
// the outputs spend more than the inputs, or a sum overflows, and with
// ErrUnknownModel for a model outside Models.
func SplitUTXO(m Model, inputs []Lot, outputs []uint64) (outTaint []uint64, feeTaint uint64, err error) {
	if err := m.check(); err != nil {
		return nil, 0, err
	}
	var value, taint, spent, carry uint64
	for i, in := range inputs {
		if in.Taint > in.Value {
			return nil, 0, fmt.Errorf("input %d: taint %d exceeds value %d: %w", i, in.Taint, in.Value, ErrInvalidAmount)
		}
		if value, carry = bits.Add64(value, in.Value, 0); carry != 0 {
			return nil, 0, fmt.Errorf("inputs overflow 64 bits: %w", ErrInvalidAmount)
		}
		taint += in.Taint // at most value: cannot overflow
	}
	for _, o := range outputs {
		if spent, carry = bits.Add64(spent, o, 0); carry != 0 {
			return nil, 0, fmt.Errorf("outputs overflow 64 bits: %w", ErrInvalidAmount)
		}
	}
	if spent > value {
		return nil, 0, fmt.Errorf("outputs %d exceed inputs %d: %w", spent, value, ErrInvalidAmount)
	}
	fee := value - spent
	if taint == 0 {
		return make([]uint64, len(outputs)), 0, nil
	}
	switch m {
	case Poison:
		outTaint, feeTaint = slices.Clone(outputs), fee
	case Haircut:
		outTaint, feeTaint = haircut(value, taint, outputs, fee)
	case FIFO:
		outTaint, feeTaint = pour(inputs, ascending(len(outputs)), outputs, fee)
	case LIFO:
		reversed := slices.Clone(inputs)
		slices.Reverse(reversed)
		outTaint, feeTaint = pour(reversed, ascending(len(outputs)), outputs, fee)
	case TIHO: // all the taint as one lot, into the largest outputs first
		largest := descending(len(outputs), func(j int) uint64 { return outputs[j] })
		outTaint, feeTaint = pour([]Lot{{Value: value, Taint: taint}}, largest, outputs, fee)
	}
	return outTaint, feeTaint, nil
}

// haircut gives output j floor(o_j·T/V) and the fee the rest. Should the
// rest exceed the fee (a fee of zero or a few satoshi beside many outputs),
// the fee is filled and each remaining unit goes to one output, those whose
// floor dropped the largest fraction first, ties by index. There are always
// enough such outputs: the excess is below the number of outputs whose share
// has a fraction, and each of them has room for one more unit.
func haircut(value, taint uint64, outputs []uint64, fee uint64) ([]uint64, uint64) {
	out := make([]uint64, len(outputs))
	var sum uint64
	for j, o := range outputs {
		out[j], _ = mulDiv(o, taint, value)
		sum += out[j]
	}
	rest := taint - sum
	if rest <= fee {
		return out, rest
	}
	dropped := func(j int) uint64 {
		_, r := mulDiv(outputs[j], taint, value)
		return r
	}
	for _, j := range descending(len(outputs), dropped)[:rest-fee] {
		out[j]++
	}
	return out, fee
}

// mulDiv returns the quotient and remainder of a·b/c in 128-bit arithmetic.
// The quotient must fit in 64 bits: a ≤ c is enough.
func mulDiv(a, b, c uint64) (q, r uint64) {
	hi, lo := bits.Mul64(a, b)
	return bits.Div64(hi, lo, c)
}

// pour streams the lots in order, each its tainted part before its clean
// part, into the outputs in the given order and then into the fee, and
// returns the taint each received. The lots hold exactly what the outputs
// and the fee take.
func pour(lots []Lot, order []int, outputs []uint64, fee uint64) ([]uint64, uint64) {
	s := stream{lots: lots}
	out := make([]uint64, len(outputs))
	for _, j := range order {
		out[j] = s.take(outputs[j])
	}
	return out, s.take(fee)
}

// stream is a position in a sequence of lots: lots[0] is the current lot,
// of which used satoshi are already taken.
type stream struct {
	lots []Lot
	used uint64
}

// take removes n satoshi from the stream and returns how many of them were
// tainted.
func (s *stream) take(n uint64) (taint uint64) {
	for n > 0 && len(s.lots) > 0 {
		l := s.lots[0]
		x := min(n, l.Value-s.used)
		if s.used < l.Taint {
			taint += min(x, l.Taint-s.used)
		}
		s.used += x
		n -= x
		if s.used == l.Value {
			s.lots, s.used = s.lots[1:], 0
		}
	}
	return taint
}

// ascending returns the indices 0..n-1 in order.
func ascending(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// descending returns the indices 0..n-1 ordered by key, largest first, ties
// by index.
func descending(n int, key func(int) uint64) []int {
	idx := ascending(n)
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(key(b), key(a)) })
	return idx
}
