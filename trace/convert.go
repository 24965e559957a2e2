package trace

import (
	"fmt"
	"math/big"
)

// Convert returns the taint of a conversion's output: outAmount of one asset
// received for inAmount of another (a DEX swap, a WETH wrap or unwrap, a
// bridge leg), of which inTaint was tainted. The output carries the input's
// tainted fraction, floor(outAmount·inTaint/inAmount), in the output asset's
// base units; an empty input converts no taint. Every model uses this rule:
// under Poison every flow is tainted in full or not at all, and so the
// output is too.
//
// It fails with ErrInvalidAmount for a negative or nil amount or for inTaint
// outside [0, inAmount].
func Convert(outAmount, inAmount, inTaint *big.Int) (*big.Int, error) {
	if outAmount == nil || outAmount.Sign() < 0 {
		return nil, fmt.Errorf("conversion output %v: %w", outAmount, ErrInvalidAmount)
	}
	if err := checkLot(inAmount, inTaint); err != nil {
		return nil, fmt.Errorf("conversion input: %w", err)
	}
	if inAmount.Sign() == 0 {
		return new(big.Int), nil
	}
	out := new(big.Int).Mul(outAmount, inTaint)
	return out.Quo(out, inAmount), nil
}
