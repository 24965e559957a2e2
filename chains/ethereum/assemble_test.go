package ethereum

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/houndtrace/hound/chains"
)

// Short names for the addresses of the fixtures: "$X" in a fixture stands
// for address X and "@X" for X as an indexed topic.
var fixtureNames = map[string]string{
	"A": "00000000000000000000000000000000000000a1", // sender
	"B": "00000000000000000000000000000000000000b2", // token recipient, creator
	"C": "00000000000000000000000000000000000000c3", // called contract
	"D": "00000000000000000000000000000000000000d4",
	"E": "00000000000000000000000000000000000000e5", // delegate target
	"F": "00000000000000000000000000000000000000f6", // reverts
	"G": "0000000000000000000000000000000000000a07", // paid inside the reverted subtree
	"H": "0000000000000000000000000000000000000b08", // created, self-destructs
	"I": "0000000000000000000000000000000000000c09", // self-destruct beneficiary
	"J": "0000000000000000000000000000000000000d0a", // static callee
	"K": "0000000000000000000000000000000000000e0b", // callcode target
	"M": "000000000000000000000000000000000000c0de", // fee recipient
	"T": "0000000000000000000000000000000000000070", // ERC-20 token
	"N": "0000000000000000000000000000000000000071", // ERC-721 collection
	"W": "0000000000000000000000000000000000000072", // WETH
	"X": "0000000000000000000000000000000000000073", // created by tx 2
	"V": "0000000000000000000000000000000000000074", // withdrawal recipient
}

// expand replaces the $X and @X placeholders of a fixture.
func expand(s string) string {
	var pairs []string
	for name, hex := range fixtureNames {
		pairs = append(pairs, "$"+name, "0x"+hex, "@"+name, "0x"+strings.Repeat("0", 24)+hex)
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// short names an address of the fixtures in test output.
func short(a chains.Address) string {
	for name, hex := range fixtureNames {
		if string(a) == "0x"+hex {
			return name
		}
	}
	return string(a)
}

// render writes a transfer compactly: "tx.index kind from>to asset amount".
func render(t chains.Transfer) string {
	asset := string(t.Asset)
	if t.Asset != chains.Native {
		asset = short(chains.Address(t.Asset))
	}
	tx := fmt.Sprint(t.Pos.TxIndex)
	if t.Pos.TxIndex == chains.BlockLevel {
		tx = "blk"
	}
	return fmt.Sprintf("%s.%d %s %s>%s %s %s", tx, t.Pos.Index, t.Kind, short(t.From), short(t.To), asset, t.Amount)
}

const (
	transferTopic   = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
	depositTopic    = "0xe1fffcc4923d04b559f4d29a8bfc6cda04eb5b0d3c460751c2402c5c5cc9109c"
	withdrawalTopic = "0x7fcf532c15f0a6db0bd6d0e038bea71d30d808c7d98cb3bf7268a95bf5081b65"
	word7           = "0x0000000000000000000000000000000000000000000000000000000000000007"
	word8           = "0x0000000000000000000000000000000000000000000000000000000000000008"
	word1           = "0x0000000000000000000000000000000000000000000000000000000000000001"
	short31         = "0x00000000000000000000000000000000000000000000000000000000000007"
)

// fixtureBlock has three transactions and two withdrawals. Block 16,
// base fee 100 wei.
const fixtureBlock = `{
	"number": "0x10", "hash": "0x1111111111111111111111111111111111111111111111111111111111111111",
	"parentHash": "0x2222222222222222222222222222222222222222222222222222222222222222",
	"timestamp": "0x6000", "miner": "$M", "baseFeePerGas": "0x64",
	"transactions": [
		{"hash": "0xa000000000000000000000000000000000000000000000000000000000000000", "from": "$A", "to": "$C",
		 "value": "0x5", "gas": "0x100000", "gasPrice": "0x96", "input": "0x1234", "type": "0x2"},
		{"hash": "0xa100000000000000000000000000000000000000000000000000000000000000", "from": "$A", "to": "$C",
		 "value": "0xa", "gas": "0x5208", "gasPrice": "0x64", "input": "0x", "type": "0x0"},
		{"hash": "0xa200000000000000000000000000000000000000000000000000000000000000", "from": "$B", "to": null,
		 "value": "0x6", "gas": "0x100000", "gasPrice": "0x65", "input": "0x6000", "type": "0x7e"}
	],
	"withdrawals": [
		{"index": "0x0", "validatorIndex": "0x1", "address": "$V", "amount": "0x3"},
		{"index": "0x1", "validatorIndex": "0x2", "address": "$V", "amount": "0x0"},
		{"index": "0x2", "validatorIndex": "0x3", "address": "$B", "amount": "0x2"}
	]
}`

// fixtureLogs are tx 0's receipt logs: a Transfer, a Deposit, a Transfer
// with 31 bytes of data, an ERC-721 Transfer and a Withdrawal.
const fixtureLogs = `[
	{"address": "$T", "topics": ["` + transferTopic + `", "@A", "@B"], "data": "` + word7 + `", "logIndex": "0x0"},
	{"address": "$W", "topics": ["` + depositTopic + `", "@D"], "data": "` + word8 + `", "logIndex": "0x1"},
	{"address": "$T", "topics": ["` + transferTopic + `", "@A", "@B"], "data": "` + short31 + `", "logIndex": "0x2"},
	{"address": "$N", "topics": ["` + transferTopic + `", "@A", "@B", "` + word1 + `"], "data": "0x", "logIndex": "0x3"},
	{"address": "$W", "topics": ["` + withdrawalTopic + `", "@C"], "data": "` + word1 + `", "logIndex": "0x4"}
]`

// fixtureReceipts: tx 0 succeeded paying 150 wei per gas (tip 50); tx 1
// failed paying the base fee only; tx 2 created X.
const fixtureReceipts = `[
	{"transactionHash": "0xa000000000000000000000000000000000000000000000000000000000000000",
	 "blockHash": "0x1111111111111111111111111111111111111111111111111111111111111111",
	 "status": "0x1", "gasUsed": "0x3e8", "effectiveGasPrice": "0x96", "contractAddress": null,
	 "logs": ` + fixtureLogs + `},
	{"transactionHash": "0xa100000000000000000000000000000000000000000000000000000000000000",
	 "status": "0x0", "gasUsed": "0x1f4", "effectiveGasPrice": "0x64", "logs": []},
	{"transactionHash": "0xa200000000000000000000000000000000000000000000000000000000000000",
	 "status": "0x1", "gasUsed": "0xa", "effectiveGasPrice": "0x65", "contractAddress": "$X", "logs": [],
	 "blobGasUsed": "0x2", "blobGasPrice": "0x3"}
]`

// fixtureTraces is what callTracer with withLog says about the block. Tx
// 0's top frame C logs a Transfer, pays D (which delegates to E, where a
// Deposit is logged), calls F which pays G and then reverts, logs a
// malformed Transfer, creates H with value (H self-destructs to I), makes
// a static call and a callcode with value, and logs an ERC-721 Transfer,
// a Withdrawal and a log the receipt does not have.
const fixtureTraces = `[
	{"txHash": "0xa000000000000000000000000000000000000000000000000000000000000000", "result": {
		"type": "CALL", "from": "$A", "to": "$C", "value": "0x5", "gas": "0x100000", "gasUsed": "0x3e8", "input": "0x1234",
		"logs": [
			{"address": "$T", "topics": ["` + transferTopic + `", "@A", "@B"], "data": "` + word7 + `", "index": "0x0", "position": "0x0"},
			{"address": "$T", "topics": ["` + transferTopic + `", "@A", "@B"], "data": "` + short31 + `", "index": "0x2", "position": "0x2"},
			{"address": "$N", "topics": ["` + transferTopic + `", "@A", "@B", "` + word1 + `"], "data": "0x", "index": "0x3", "position": "0x5"},
			{"address": "$W", "topics": ["` + withdrawalTopic + `", "@C"], "data": "` + word1 + `", "index": "0x4", "position": "0x5"},
			{"address": "$T", "topics": ["` + transferTopic + `", "@C", "@B"], "data": "` + word7 + `", "index": "0x9", "position": "0x5"}
		],
		"calls": [
			{"type": "CALL", "from": "$C", "to": "$D", "value": "0x3", "calls": [
				{"type": "DELEGATECALL", "from": "$D", "to": "$E", "value": "0x3", "logs": [
					{"address": "$W", "topics": ["` + depositTopic + `", "@D"], "data": "` + word8 + `", "index": "0x1", "position": "0x0"}
				]}
			]},
			{"type": "CALL", "from": "$C", "to": "$F", "value": "0x2", "error": "execution reverted", "calls": [
				{"type": "CALL", "from": "$F", "to": "$G", "value": "0x1"}
			]},
			{"type": "CREATE", "from": "$C", "to": "$H", "value": "0x4", "calls": [
				{"type": "SELFDESTRUCT", "from": "$H", "to": "$I", "value": "0x4"}
			]},
			{"type": "STATICCALL", "from": "$C", "to": "$J"},
			{"type": "CALLCODE", "from": "$C", "to": "$K", "value": "0x9"}
		]
	}},
	{"txHash": "0xa100000000000000000000000000000000000000000000000000000000000000", "result": {
		"type": "CALL", "from": "$A", "to": "$C", "value": "0xa", "error": "execution reverted",
		"calls": [{"type": "CALL", "from": "$C", "to": "$D", "value": "0xa"}]
	}},
	{"txHash": "0xa200000000000000000000000000000000000000000000000000000000000000", "result": {
		"type": "CREATE", "from": "$B", "to": "$X", "value": "0x6"
	}}
]`

// decodeFixture decodes a fixture's JSON into v, failing the test on error.
func decodeFixture(t testing.TB, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(expand(s)), v); err != nil {
		t.Fatalf("decode fixture: %v\n%s", err, expand(s))
	}
}

func fixture(t testing.TB, traced bool) blockData {
	d := blockData{traced: traced}
	decodeFixture(t, fixtureBlock, &d.block)
	decodeFixture(t, fixtureReceipts, &d.receipts)
	if traced {
		decodeFixture(t, fixtureTraces, &d.traces)
	}
	return d
}

// The fees of the fixture block, the same with and without traces.
var fixtureFees = []string{
	"0.0 fee A>fees native 150000", // 1000 gas × 150
	"0.1 fee fees>M native 50000",  // 1000 gas × (150 - 100)
}

var fixtureTail = []string{
	"1.0 fee A>fees native 50000", // failed: fee only, no tip (price = base fee)
	"2.0 fee B>fees native 1016",  // 10 × 101 + 2 blob gas × 3
	"2.1 fee fees>M native 10",
	"2.2 native B>X native 6",
	"blk.0 withdrawal beacon>V native 3000000000",
	"blk.2 withdrawal beacon>B native 2000000000",
}

func TestAssembleTraced(t *testing.T) {
	b, err := assemble(fixture(t, true))
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Concat(fixtureFees, []string{
		"0.2 native A>C native 5",
		"0.3 token A>B T 7", // log at position 0
		"0.4 internal C>D native 3",
		"0.5 wrap W>D W 8",          // logged inside the delegate call
		"0.6 internal C>H native 4", // CREATE with value, after F's reverted subtree and the malformed log
		"0.7 internal H>I native 4", // SELFDESTRUCT
		"0.8 unwrap C>W W 1",
	}, fixtureTail)
	checkTransfers(t, b, want)
	if b.Skipped != 1 || b.Untraced {
		t.Errorf("Skipped = %d, Untraced = %v; want 1, false", b.Skipped, b.Untraced)
	}
	checkHeader(t, b)
}

func TestAssembleUntraced(t *testing.T) {
	b, err := assemble(fixture(t, false))
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Concat(fixtureFees, []string{
		"0.2 native A>C native 5",
		"0.3 token A>B T 7",
		"0.4 wrap W>D W 8",
		"0.5 unwrap C>W W 1",
	}, fixtureTail)
	checkTransfers(t, b, want)
	if b.Skipped != 1 || !b.Untraced {
		t.Errorf("Skipped = %d, Untraced = %v; want 1, true", b.Skipped, b.Untraced)
	}
	checkHeader(t, b)
}

// checkHeader checks the block's identity and its transactions.
func checkHeader(t *testing.T, b *chains.Block) {
	t.Helper()
	if b.Number != 16 || b.Time != 0x6000 || b.Hash[0] != 0x11 || b.Parent[0] != 0x22 || b.Chain != chains.Ethereum {
		t.Errorf("header = %d %d %x %x %s", b.Number, b.Time, b.Hash, b.Parent, b.Chain)
	}
	var got []string
	for _, tx := range b.Txs {
		got = append(got, fmt.Sprintf("%d %x %s>%s %d", tx.Index, tx.Hash[:1], short(tx.From), short(tx.To), tx.Status))
	}
	want := []string{"0 a0 A>C 1", "1 a1 A>C 2", "2 a2 B>X 1"}
	if !slices.Equal(got, want) {
		t.Errorf("txs:\n got %q\nwant %q", got, want)
	}
	for _, tr := range b.Transfers {
		if tr.Time != b.Time || tr.Chain != chains.Ethereum || tr.Pos.Block != b.Number {
			t.Errorf("transfer %s: time %d chain %s block %d", render(tr), tr.Time, tr.Chain, tr.Pos.Block)
		}
		if (tr.Pos.TxIndex == chains.BlockLevel) != tr.Tx.IsZero() {
			t.Errorf("transfer %s: tx hash %x", render(tr), tr.Tx)
		}
	}
}

// checkTransfers compares a block's transfers with their renderings.
func checkTransfers(t *testing.T, b *chains.Block, want []string) {
	t.Helper()
	var got []string
	for _, tr := range b.Transfers {
		got = append(got, render(tr))
	}
	if !slices.Equal(got, want) {
		t.Errorf("transfers:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
}

// TestAssembleTraceLogs checks the cross-check of traced logs against the
// receipt: a traced log with another log's index or content is dropped, and
// a receipt log the trace lacks is appended after the traced movements.
func TestAssembleTraceLogs(t *testing.T) {
	d := fixture(t, true)
	top := d.traces[0].Result
	top.Logs[0].Index = 1 // the Transfer now claims the Deposit's index
	top.Calls[0].Calls[0].Logs = nil
	b, err := assemble(d)
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Concat(fixtureFees, []string{
		"0.2 native A>C native 5",
		"0.3 internal C>D native 3",
		"0.4 internal C>H native 4",
		"0.5 internal H>I native 4",
		"0.6 unwrap C>W W 1",
		"0.7 token A>B T 7", // the receipt's logs 0 and 1, missed by the trace
		"0.8 wrap W>D W 8",
	}, fixtureTail)
	checkTransfers(t, b, want)
}

// TestAssembleMismatch checks that parts that do not belong together are
// refused.
func TestAssembleMismatch(t *testing.T) {
	tests := map[string]func(d *blockData){
		"receipt count": func(d *blockData) { d.receipts = d.receipts[:2] },
		"trace count":   func(d *blockData) { d.traces = d.traces[1:] },
		"receipt hash":  func(d *blockData) { d.receipts[0], d.receipts[1] = d.receipts[1], d.receipts[0] },
		"trace hash":    func(d *blockData) { d.traces[0], d.traces[1] = d.traces[1], d.traces[0] },
		"trace error":   func(d *blockData) { d.traces[1] = rpcTrace{TxHash: d.traces[1].TxHash, Error: "execution timeout"} },
		"no trace":      func(d *blockData) { d.traces[2].Result = nil },
		"no from":       func(d *blockData) { d.block.Transactions[0].From = nil },
		"no gas used":   func(d *blockData) { d.receipts[0].GasUsed = nil },
		"receipt block": func(d *blockData) { d.receipts[0].BlockHash = &d.block.ParentHash },
		"no price at all": func(d *blockData) {
			d.receipts[0].EffectiveGasPrice, d.block.Transactions[0].GasPrice = nil, nil
		},
	}
	for name, spoil := range tests {
		d := fixture(t, true)
		spoil(&d)
		if b, err := assemble(d); err == nil {
			t.Errorf("%s: assembled %d transfers, want an error", name, len(b.Transfers))
		}
	}
}

// TestAssembleGasPriceFallback checks that a receipt without
// effectiveGasPrice (older nodes) falls back to the transaction's gasPrice,
// and that a chain with zero gas prices gets no fee transfers while the
// movements keep their ordinals.
func TestAssembleGasPriceFallback(t *testing.T) {
	d := fixture(t, false)
	d.receipts[0].EffectiveGasPrice = nil
	d.block.Transactions[2].GasPrice.ToInt().SetInt64(0)
	d.receipts[2].EffectiveGasPrice.ToInt().SetInt64(0)
	d.receipts[2].BlobGasUsed = nil
	d.block.BaseFee = nil
	b, err := assemble(d)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tr := range b.Transfers {
		if tr.Pos.TxIndex != 1 && tr.Pos.TxIndex != chains.BlockLevel && tr.Pos.Index < 3 {
			got = append(got, render(tr))
		}
	}
	want := []string{
		"0.0 fee A>fees native 150000", // the tx's gasPrice; before London all of it is the tip
		"0.1 fee fees>M native 150000",
		"0.2 native A>C native 5",
		"2.2 native B>X native 6", // no fee transfers, the value keeps Index 2
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestDecodeLog(t *testing.T) {
	tests := []struct {
		name, log string
		want      string // rendered move, "" for none
		outcome   logOutcome
	}{
		{"erc20", `{"address": "$T", "topics": ["` + transferTopic + `", "@A", "@B"], "data": "` + word7 + `"}`, "token A>B T 7", logMove},
		{"erc20 zero", `{"address": "$T", "topics": ["` + transferTopic + `", "@A", "@B"], "data": "0x0000000000000000000000000000000000000000000000000000000000000000"}`, "token A>B T 0", logMove},
		{"erc721", `{"address": "$N", "topics": ["` + transferTopic + `", "@A", "@B", "` + word1 + `"], "data": "0x"}`, "", logIgnored},
		{"short data", `{"address": "$T", "topics": ["` + transferTopic + `", "@A", "@B"], "data": "` + short31 + `"}`, "", logMalformed},
		{"long data", `{"address": "$T", "topics": ["` + transferTopic + `", "@A", "@B"], "data": "` + word7 + `00"}`, "", logMalformed},
		{"dirty topic", `{"address": "$T", "topics": ["` + transferTopic + `", "0x0100000000000000000000000000000000000000000000000000000000000001", "@B"], "data": "` + word7 + `"}`, "", logMalformed},
		{"unindexed transfer", `{"address": "$T", "topics": ["` + transferTopic + `"], "data": "0x"}`, "", logIgnored},
		{"deposit", `{"address": "$W", "topics": ["` + depositTopic + `", "@A"], "data": "` + word8 + `"}`, "wrap W>A W 8", logMove},
		{"withdrawal", `{"address": "$W", "topics": ["` + withdrawalTopic + `", "@A"], "data": "` + word8 + `"}`, "unwrap A>W W 8", logMove},
		{"bad deposit", `{"address": "$W", "topics": ["` + depositTopic + `", "@A"], "data": "0x"}`, "", logMalformed},
		{"bad withdrawal", `{"address": "$W", "topics": ["` + withdrawalTopic + `", "0xff000000000000000000000000000000000000000000000000000000000000a1"], "data": "` + word8 + `"}`, "", logMalformed},
		{"other deposit", `{"address": "$W", "topics": ["` + depositTopic + `"], "data": "0x"}`, "", logIgnored},
		{"no topics", `{"address": "$W", "topics": [], "data": "0x"}`, "", logIgnored},
		{"eip-7708", `{"address": "0xfffffffffffffffffffffffffffffffffffffffe", "topics": ["` + transferTopic + `", "@A", "@B"], "data": "` + word7 + `"}`, "", logIgnored},
	}
	for _, tt := range tests {
		var l rpcLog
		decodeFixture(t, tt.log, &l)
		m, outcome := decodeLog(l.Address, l.Topics, l.Data)
		got := ""
		if outcome == logMove {
			got = strings.TrimPrefix(render(chains.Transfer{From: m.from, To: m.to, Asset: m.asset, Amount: m.amount, Kind: m.kind}), "0.0 ")
		}
		if got != tt.want || outcome != tt.outcome {
			t.Errorf("%s: got %q (%d), want %q (%d)", tt.name, got, outcome, tt.want, tt.outcome)
		}
	}
}
