package ethereum

import (
	"github.com/ethereum/go-ethereum/params"

	"github.com/houndtrace/hound/chains"
)

// txStatus decides whether a transaction succeeded. The receipt's status
// field decides when there is one. Receipts from before Byzantium have a
// state root instead; then an error on the trace's top frame means failure,
// and without a trace preByzantiumFailed guesses.
func txStatus(tx *rpcTx, r *rpcReceipt, top *callFrame) chains.TxStatus {
	var failed bool
	switch {
	case r.Status != nil:
		failed = *r.Status == 0
	case top != nil:
		failed = top.Error != ""
	default:
		failed = preByzantiumFailed(tx, uint64(*r.GasUsed))
	}
	if failed {
		return chains.TxFailed
	}
	return chains.TxSucceeded
}

// preByzantiumFailed is a heuristic for a transaction without status or
// trace. Before Byzantium every failure consumed all the gas, so a
// transaction is taken as failed when it used exactly its gas limit, that
// exceeds its intrinsic cost (code ran and ran out; a plain transfer with a
// 21000 gas limit uses it all and succeeds), and it had value or input, the
// only cases where the status matters. It errs both ways in rare cases: a
// successful call whose gas limit was estimated to the unit, and value sent
// with an intrinsic-only gas limit to a contract, whose code then fails.
func preByzantiumFailed(tx *rpcTx, gasUsed uint64) bool {
	hasValue := tx.Value != nil && tx.Value.ToInt().Sign() > 0
	return gasUsed == uint64(tx.Gas) && gasUsed > intrinsicGas(tx.Input) && (hasValue || len(tx.Input) > 0)
}

// intrinsicGas is the gas a transaction with this input costs before any
// code runs, by the rules before Istanbul (contract creations cost more
// from Homestead on; the lower bound is used).
func intrinsicGas(input []byte) uint64 {
	gas := params.TxGas
	for _, b := range input {
		if b == 0 {
			gas += params.TxDataZeroGas
		} else {
			gas += params.TxDataNonZeroGasFrontier
		}
	}
	return gas
}
