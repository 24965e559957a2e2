package ethereum

import (
	"testing"

	"github.com/houndtrace/hound/chains"
)

// TestTxStatus checks the status decision, in particular for receipts from
// before Byzantium, which have a state root and no status.
func TestTxStatus(t *testing.T) {
	const root = `"root": "0x5555555555555555555555555555555555555555555555555555555555555555"`
	tests := []struct {
		name    string
		tx      string // an rpcTx
		receipt string // an rpcReceipt
		top     string // a callFrame, "" for none
		want    chains.TxStatus
	}{
		{"status 1", `{"gas": "0x5208", "value": "0x1"}`, `{"status": "0x1", "gasUsed": "0x5208"}`, "", chains.TxSucceeded},
		{"status 0", `{"gas": "0x5208", "value": "0x1"}`, `{"status": "0x0", "gasUsed": "0x5208"}`, "", chains.TxFailed},
		{"status beats trace", `{"gas": "0x5208"}`, `{"status": "0x1", "gasUsed": "0x5208"}`, `{"error": "out of gas"}`, chains.TxSucceeded},
		{"root, trace error", `{"gas": "0x10000", "input": "0x01"}`, `{` + root + `, "gasUsed": "0x10000"}`, `{"type": "CALL", "error": "invalid jump destination"}`, chains.TxFailed},
		{"root, trace ok though all gas used", `{"gas": "0x10000", "input": "0x01"}`, `{` + root + `, "gasUsed": "0x10000"}`, `{"type": "CALL"}`, chains.TxSucceeded},
		{"root, plain transfer using its 21000 gas", `{"gas": "0x5208", "value": "0x1", "input": "0x"}`, `{` + root + `, "gasUsed": "0x5208"}`, "", chains.TxSucceeded},
		{"root, call using all gas", `{"gas": "0x10000", "input": "0xa9059cbb"}`, `{` + root + `, "gasUsed": "0x10000"}`, "", chains.TxFailed},
		{"root, value to contract using all gas", `{"gas": "0x10000", "value": "0x1"}`, `{` + root + `, "gasUsed": "0x10000"}`, "", chains.TxFailed},
		{"root, gas left", `{"gas": "0x10000", "input": "0xa9059cbb"}`, `{` + root + `, "gasUsed": "0xffff"}`, "", chains.TxSucceeded},
		{"root, no value or input", `{"gas": "0x10000"}`, `{` + root + `, "gasUsed": "0x10000"}`, "", chains.TxSucceeded},
		{"root, input at intrinsic cost", `{"gas": "0x5290", "input": "0x0101"}`, `{` + root + `, "gasUsed": "0x5290"}`, "", chains.TxSucceeded},
		{"no root nor status", `{"gas": "0x5208", "value": "0x1"}`, `{"gasUsed": "0x1"}`, "", chains.TxSucceeded},
	}
	for _, tt := range tests {
		var (
			tx  rpcTx
			r   rpcReceipt
			top *callFrame
		)
		decodeFixture(t, tt.tx, &tx)
		decodeFixture(t, tt.receipt, &r)
		if tt.top != "" {
			decodeFixture(t, tt.top, &top)
		}
		if got := txStatus(&tx, &r, top); got != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, got, tt.want)
		}
	}
}

// TestPreByzantiumBlock checks a whole pre-Byzantium block without traces:
// the status comes from the heuristic, and a failed transaction moves
// nothing but its fee.
func TestPreByzantiumBlock(t *testing.T) {
	var d blockData
	decodeFixture(t, `{"number": "0x1", "hash": "0x01`+zeros62+`", "miner": "$M", "transactions": [
		{"hash": "0xa0`+zeros62+`", "from": "$A", "to": "$B", "value": "0x7", "gas": "0x5208", "gasPrice": "0x2", "input": "0x"},
		{"hash": "0xa1`+zeros62+`", "from": "$A", "to": "$C", "value": "0x7", "gas": "0x9000", "gasPrice": "0x2", "input": "0x"}
	]}`, &d.block)
	decodeFixture(t, `[
		{"transactionHash": "0xa0`+zeros62+`", "root": "0x01`+zeros62+`", "gasUsed": "0x5208", "logs": []},
		{"transactionHash": "0xa1`+zeros62+`", "root": "0x02`+zeros62+`", "gasUsed": "0x9000", "logs": []}
	]`, &d.receipts)
	b, err := assemble(d)
	if err != nil {
		t.Fatal(err)
	}
	checkTransfers(t, b, []string{
		"0.0 fee A>fees native 42000",
		"0.1 fee fees>M native 42000",
		"0.2 native A>B native 7",
		"1.0 fee A>fees native 73728",
		"1.1 fee fees>M native 73728",
	})
	if b.Txs[0].Status != chains.TxSucceeded || b.Txs[1].Status != chains.TxFailed {
		t.Errorf("statuses %d, %d", b.Txs[0].Status, b.Txs[1].Status)
	}
}

const zeros62 = "00000000000000000000000000000000000000000000000000000000000000"
