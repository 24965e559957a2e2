package ethereum

import (
	"cmp"
	"slices"
	"strings"

	"github.com/houndtrace/hound/chains"
)

// step is one thing a transaction did, in execution order: an ether
// movement of a call frame, or a log (by its index in the block).
type step struct {
	move *move
	log  *traceLog
}

// valueFrames are the frame types whose value moves from the frame's from
// to its to. DELEGATECALL frames repeat their parent's value without moving
// it, STATICCALL frames carry none, and CALLCODE moves value from the
// frame's address to itself.
var valueFrames = map[string]bool{"CALL": true, "CREATE": true, "CREATE2": true, "SELFDESTRUCT": true}

// frameSteps returns what happened inside top, depth first: the value
// movements of its successful subframes and the logs of every frame, each
// log placed at its position among its frame's subcalls. The value of top
// itself is not included: the top frame's value is the transaction's. A
// reverted frame contributes nothing, nor does anything below it.
func frameSteps(top *callFrame) []step {
	return appendFrame(nil, top)
}

// appendFrame appends the steps inside f to steps.
func appendFrame(steps []step, f *callFrame) []step {
	logs := slices.Clone(f.Logs)
	slices.SortStableFunc(logs, func(a, b traceLog) int { return cmp.Compare(a.Position, b.Position) })
	next := 0
	for i := range f.Calls {
		for ; next < len(logs) && uint64(logs[next].Position) <= uint64(i); next++ {
			steps = append(steps, step{log: &logs[next]})
		}
		c := &f.Calls[i]
		if c.Error != "" {
			continue
		}
		if m, ok := frameMove(c); ok {
			steps = append(steps, step{move: &m})
		}
		steps = appendFrame(steps, c)
	}
	for ; next < len(logs); next++ {
		steps = append(steps, step{log: &logs[next]})
	}
	return steps
}

// frameMove returns the ether a successful subframe moved, if any.
func frameMove(f *callFrame) (move, bool) {
	if !valueFrames[strings.ToUpper(f.Type)] || f.To == nil || f.Value == nil || f.Value.ToInt().Sign() <= 0 {
		return move{}, false
	}
	from, to := chains.EVMAddress(f.From), chains.EVMAddress(*f.To)
	if from == to && strings.EqualFold(f.Type, "SELFDESTRUCT") {
		return move{}, false // a contract destroying itself to itself keeps (or burns) its balance
	}
	return move{kind: chains.KindInternal, from: from, to: to, asset: chains.Native, amount: f.Value.ToInt()}, true
}
