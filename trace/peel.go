package trace

import "github.com/houndtrace/hound/chains"

// Peel chains (METHODS.md section 2, the Peel change heuristic; BlockSci's
// isPeelingChain). A launderer holding one large coin pays a small part of
// it out and keeps the rest as change, then does the same with the change,
// and so on: a run of one-input, two-output transactions, each spending the
// larger output of the one before. Hound reports such a run as a
// peel_chain finding with its length and the total peeled off.

// minPeelChain is the shortest run reported: BlockSci counts a 1-in/2-out
// transaction as peeling only with a 1-in/2-out parent or child.
const minPeelChain = 2

// PeelOutput is one output of a peel step.
type PeelOutput struct {
	Out     chains.Outpoint
	Address chains.Address
	Amount  uint64 // satoshi
}

// PeelStep is one transaction of a peel chain: the payment it peeled off
// (its smaller output) and the change it kept (its larger output, which the
// next step spends).
type PeelStep struct {
	Tx      chains.Hash
	Payment PeelOutput
	Change  PeelOutput
}

// PeelChain is a run of peel steps, in chain order.
type PeelChain struct {
	Steps []PeelStep
	// Total is the amount peeled off: the sum of the payments, in satoshi.
	Total uint64
	// End is the transaction that spent the last change without peeling
	// (a co-spend, a sweep, a deposit); zero while the change is unspent
	// or its spender is not known.
	End chains.Hash
}

// Len returns the chain's length in transactions.
func (c *PeelChain) Len() int { return len(c.Steps) }

// Payments returns what the chain paid out, one payment per step.
func (c *PeelChain) Payments() []PeelOutput {
	ps := make([]PeelOutput, len(c.Steps))
	for i, s := range c.Steps {
		ps[i] = s.Payment
	}
	return ps
}

// ChangePath returns the change outputs the coins went through, in order:
// each is spent by the next step, the last by End (or not yet).
func (c *PeelChain) ChangePath() []chains.Outpoint {
	ps := make([]chains.Outpoint, len(c.Steps))
	for i, s := range c.Steps {
		ps[i] = s.Change.Out
	}
	return ps
}

// LooksLikePeel reports whether tx can be a step of a peel chain: it
// spends one coin (not a coinbase) into two outputs of different values,
// neither an OP_RETURN and the smaller not empty. change is the index of
// the larger output. Two equal outputs give no change to follow, so no
// peel.
func LooksLikePeel(tx *chains.UTXOTx) (change int, ok bool) {
	if tx == nil || len(tx.Inputs) != 1 || tx.Inputs[0].Coinbase || len(tx.Outputs) != 2 {
		return 0, false
	}
	a, b := tx.Outputs[0], tx.Outputs[1]
	if a.Kind == chains.ScriptNullData || b.Kind == chains.ScriptNullData || a.Value == b.Value || min(a.Value, b.Value) == 0 {
		return 0, false
	}
	if b.Value > a.Value {
		return 1, true
	}
	return 0, true
}

// peelStep describes tx as a peel step; ok is false if it is none.
func peelStep(tx *chains.UTXOTx) (PeelStep, bool) {
	c, ok := LooksLikePeel(tx)
	if !ok {
		return PeelStep{}, false
	}
	out := func(i int) PeelOutput {
		o := tx.Outputs[i]
		return PeelOutput{Out: chains.Outpoint{Tx: tx.Hash, Index: uint32(i)}, Address: o.Address, Amount: o.Value}
	}
	return PeelStep{Tx: tx.Hash, Payment: out(1 - c), Change: out(c)}, true
}

// PeelChains finds the peel chains that start among txs and follows each
// forward through spentBy, which returns the transaction that spends an
// output (false while it is unspent or not known).
//
// A chain starts at a peel step of txs whose input does not spend the
// change of another peel step of txs; it goes on while the change is spent
// by a peel step, and ends at the first spender that is not one (End) or
// at an unspent change. A step's parent outside txs is not looked for, so
// a chain entered in the middle is reported from there. Chains of one
// transaction are not reported. Chains come out in the order of their
// first transaction in txs, each once however many of its steps txs
// holds.
func PeelChains(txs []*chains.UTXOTx, spentBy func(chains.Outpoint) (*chains.UTXOTx, bool)) []PeelChain {
	// changeOf maps each peel step of txs to its change output.
	changeOf := make(map[chains.Hash]chains.Outpoint)
	for _, tx := range txs {
		if s, ok := peelStep(tx); ok {
			changeOf[s.Tx] = s.Change.Out
		}
	}
	var out []PeelChain
	started := make(map[chains.Hash]bool)
	interior := make(map[chains.Hash]bool) // steps reached from an earlier step
	for _, tx := range txs {
		first, ok := peelStep(tx)
		if !ok || started[tx.Hash] {
			continue
		}
		prev := tx.Inputs[0].Prev
		if ch, ok := changeOf[prev.Tx]; ok && ch == prev {
			continue // a later step of a chain that starts elsewhere in txs
		}
		started[tx.Hash] = true
		c := PeelChain{Steps: []PeelStep{first}, Total: first.Payment.Amount}
		seen := map[chains.Hash]bool{tx.Hash: true}
		for {
			last := c.Steps[len(c.Steps)-1].Change.Out
			next, ok := spentBy(last)
			if !ok || next == nil {
				break
			}
			if seen[next.Hash] {
				break // spentBy went round in a circle: no real chain does
			}
			s, ok := peelStep(next)
			if !ok || next.Inputs[0].Prev != last {
				c.End = next.Hash
				break
			}
			seen[next.Hash] = true
			interior[next.Hash] = true
			c.Steps = append(c.Steps, s)
			c.Total += s.Payment.Amount
		}
		if c.Len() >= minPeelChain {
			out = append(out, c)
		}
	}
	// A chain whose first step another chain reached is part of that one.
	kept := out[:0]
	for _, c := range out {
		if !interior[c.Steps[0].Tx] {
			kept = append(kept, c)
		}
	}
	return kept
}
