package trace

import (
	"fmt"
	"math/big"
	"math/bits"
)

// Account is the taint state of one account node, an (address, asset) pair
// of an EVM chain, as its flows are replayed in chain order: In for each
// inflow with the taint it carries, Out for each outflow, which returns the
// taint the outflow carries away. An outflow carries only taint that arrived
// before it.
//
// Amounts are base units of the asset (wei, token units). An Account is not
// safe for concurrent use.
type Account struct {
	model   Model
	balance big.Int
	taint   big.Int
	unknown big.Int
	// lots holds the inflows in order of arrival, oldest first, for FIFO
	// and LIFO; adjacent lots that are both clean or both fully tainted
	// are merged, which changes nothing those models take.
	lots []accountLot
	need big.Int // take's scratch
}

// accountLot is one inflow, or adjacent ones merged. The lots hold their
// amounts in place, and a lot added where an earlier one was taken off the
// end (by LIFO, or by an outflow that emptied the node) reuses its digits.
type accountLot struct {
	amount, taint big.Int
}

// NewAccount returns the state of an empty account node under model m.
func NewAccount(m Model) *Account {
	return &Account{model: m}
}

// In records an inflow of amount of which taint is tainted. It fails with
// ErrInvalidAmount when amount is negative or taint lies outside
// [0, amount], and then changes nothing.
func (a *Account) In(amount, taint *big.Int) error {
	if err := checkLot(amount, taint); err != nil {
		return fmt.Errorf("inflow: %w", err)
	}
	a.balance.Add(&a.balance, amount)
	a.taint.Add(&a.taint, taint)
	if a.model == Poison && a.taint.Sign() > 0 {
		a.taint.Set(&a.balance) // once poisoned, all of it is tainted
	}
	if (a.model == FIFO || a.model == LIFO) && amount.Sign() > 0 {
		a.addLot(amount, taint)
	}
	return nil
}

// addLot appends an inflow to the lots, merged into the newest lot when both
// are clean or both fully tainted.
func (a *Account) addLot(amount, taint *big.Int) {
	if n := len(a.lots); n > 0 {
		last := &a.lots[n-1]
		bothClean := last.taint.Sign() == 0 && taint.Sign() == 0
		bothTainted := last.taint.Cmp(&last.amount) == 0 && taint.Cmp(amount) == 0
		if bothClean || bothTainted {
			last.amount.Add(&last.amount, amount)
			last.taint.Add(&last.taint, taint)
			return
		}
	}
	if len(a.lots) < cap(a.lots) {
		a.lots = a.lots[:len(a.lots)+1] // a lot taken off the end: its digits are reused
	} else {
		a.lots = append(a.lots, accountLot{})
	}
	l := &a.lots[len(a.lots)-1]
	l.amount.Set(amount)
	l.taint.Set(taint)
}

// Out records an outflow of amount and returns the taint it carries:
//   - Haircut: floor(amount·T/B), T and B the node's taint and balance just
//     before; the floored remainder stays with the node.
//   - Poison: all of amount once the node holds any taint.
//   - FIFO, LIFO: taken from the oldest or newest inflows, each inflow's
//     tainted part before its clean part.
//   - TIHO (tainted-first): min(amount, T).
//
// An outflow above the balance means the node held value this replay has not
// seen (received before the synced range, or at genesis). That value counts
// as clean: the outflow empties the node and carries all its taint (under
// Poison, all of amount if the node was tainted), the balance ends at zero,
// and the unseen part is added to Unknown.
//
// Out fails with ErrInvalidAmount for a negative or nil amount and with
// ErrUnknownModel for a model outside Models; it then changes nothing.
func (a *Account) Out(amount *big.Int) (*big.Int, error) {
	if err := a.model.check(); err != nil {
		return nil, err
	}
	if amount == nil || amount.Sign() < 0 {
		return nil, fmt.Errorf("outflow %v: %w", amount, ErrInvalidAmount)
	}
	out := new(big.Int)
	if amount.Cmp(&a.balance) >= 0 {
		out.Set(&a.taint)
		if a.model == Poison && a.taint.Sign() > 0 {
			out.Set(amount)
		}
		a.unknown.Add(&a.unknown, amount).Sub(&a.unknown, &a.balance)
		a.balance.SetInt64(0)
		a.taint.SetInt64(0)
		a.lots = a.lots[:0]
		return out, nil
	}
	switch a.model {
	case Haircut:
		share(out, amount, &a.taint, &a.balance)
	case Poison:
		if a.taint.Sign() > 0 {
			out.Set(amount)
		}
	case FIFO, LIFO:
		a.take(out, amount)
	case TIHO:
		out.Set(amount)
		if a.taint.Cmp(out) < 0 {
			out.Set(&a.taint)
		}
	}
	a.balance.Sub(&a.balance, amount)
	a.taint.Sub(&a.taint, out)
	return out, nil
}

// share sets out to floor(amount·taint/balance), for amount below
// balance and taint at most balance. Where all three fit in 64 bits (most
// amounts of wei and every amount of satoshi), it works in 128-bit
// machine arithmetic, which allocates nothing: the quotient is at most
// amount, so it fits too.
func share(out, amount, taint, balance *big.Int) {
	if amount.IsUint64() && taint.IsUint64() && balance.IsUint64() {
		hi, lo := bits.Mul64(amount.Uint64(), taint.Uint64())
		q, _ := bits.Div64(hi, lo, balance.Uint64())
		out.SetUint64(q)
		return
	}
	out.Mul(amount, taint).Quo(out, balance)
}

// take removes amount, which is below the balance, from the lots: oldest
// first under FIFO, newest first under LIFO, each lot's tainted part before
// its clean part. It adds the taint removed to taint.
func (a *Account) take(taint, amount *big.Int) {
	need := a.need.Set(amount)
	for need.Sign() > 0 {
		i := 0
		if a.model == LIFO {
			i = len(a.lots) - 1
		}
		l := &a.lots[i]
		if l.amount.Cmp(need) <= 0 {
			taint.Add(taint, &l.taint)
			need.Sub(need, &l.amount)
			if a.model == LIFO {
				a.lots = a.lots[:i]
			} else {
				a.lots = a.lots[1:]
			}
			continue
		}
		t := need
		if l.taint.Cmp(need) < 0 {
			t = &l.taint
		}
		taint.Add(taint, t)
		l.taint.Sub(&l.taint, t)
		l.amount.Sub(&l.amount, need)
		return
	}
}

// Retaint marks taint of the value the node already holds as tainted: an
// inflow it took in as clean turns out to carry taint (a conversion's
// proceeds that arrived before what paid for them left). The newest value
// turns first; taint beyond the clean balance is dropped. Under Poison any
// taint poisons the balance.
func (a *Account) Retaint(taint *big.Int) error {
	if taint == nil || taint.Sign() < 0 {
		return fmt.Errorf("retaint %v: %w", taint, ErrInvalidAmount)
	}
	clean := new(big.Int).Sub(&a.balance, &a.taint)
	t := new(big.Int).Set(taint)
	if t.Cmp(clean) > 0 {
		t.Set(clean)
	}
	if a.model == Poison && taint.Sign() > 0 {
		t.Set(clean)
	}
	a.taint.Add(&a.taint, t)
	for i := len(a.lots) - 1; i >= 0 && t.Sign() > 0; i-- {
		l := &a.lots[i]
		room := new(big.Int).Sub(&l.amount, &l.taint)
		if room.Cmp(t) > 0 {
			room.Set(t)
		}
		l.taint.Add(&l.taint, room)
		t.Sub(t, room)
	}
	return nil
}

// Balance returns the value the node holds now.
func (a *Account) Balance() *big.Int { return new(big.Int).Set(&a.balance) }

// Taint returns the tainted part of Balance. Under Poison it is all of the
// balance once any taint has arrived.
func (a *Account) Taint() *big.Int { return new(big.Int).Set(&a.taint) }

// Unknown returns the total value the node sent beyond what it was seen to
// receive: value held before the synced range, counted as clean.
func (a *Account) Unknown() *big.Int { return new(big.Int).Set(&a.unknown) }

// checkLot reports whether amount is non-negative and taint in [0, amount].
func checkLot(amount, taint *big.Int) error {
	if amount == nil || taint == nil || amount.Sign() < 0 || taint.Sign() < 0 || taint.Cmp(amount) > 0 {
		return fmt.Errorf("amount %v with taint %v: %w", amount, taint, ErrInvalidAmount)
	}
	return nil
}
