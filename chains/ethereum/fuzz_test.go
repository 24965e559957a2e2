package ethereum

import (
	"encoding/json"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/houndtrace/hound/chains"
)

// FuzzDecodeTrace feeds untrusted debug_traceBlockByNumber and receipt
// logs answers through decoding and assembly of the fixture block. Nothing
// may panic, and whatever is assembled must be well formed.
func FuzzDecodeTrace(f *testing.F) {
	f.Add(expand(fixtureTraces), expand(fixtureLogs))
	f.Add(`[{"txHash":"0xa0`+zeros62+`","result":{"type":"CALL","calls":[{"type":"CALL","value":"0x1","to":"$A","calls":[{}]}],"logs":[{"index":"0x0","position":"0xffffffffffffffff"}]}},{"result":{}},{"result":{"type":"SELFDESTRUCT"}}]`, `[]`)
	f.Add(`[{"result":{"logs":[{"index":"0x0","position":"0x0"},{"index":"0x0","position":"0x0"}]}},{"result":{}},{"result":{}}]`, `[{"logIndex":"0x0","topics":[],"data":"0x"}]`)
	f.Add(`null`, `null`)
	f.Fuzz(func(t *testing.T, traces, logs string) {
		d := fixture(t, false)
		if json.Unmarshal([]byte(traces), &d.traces) == nil {
			d.traced = true
		}
		if json.Unmarshal([]byte(logs), &d.receipts[0].Logs) != nil {
			return
		}
		b, err := assemble(d)
		if err != nil {
			return
		}
		checkWellFormed(t, b)
	})
}

// checkWellFormed checks what every assembled block must satisfy: chain
// order, positive ether amounts and non-negative token amounts, canonical
// addresses.
func checkWellFormed(t *testing.T, b *chains.Block) {
	t.Helper()
	for i, tr := range b.Transfers {
		if i > 0 && !b.Transfers[i-1].Pos.Less(tr.Pos) {
			t.Fatalf("transfer %d at %+v does not follow %+v", i, tr.Pos, b.Transfers[i-1].Pos)
		}
		if tr.Amount == nil || tr.Amount.Sign() < 0 || (tr.Asset == chains.Native && tr.Amount.Sign() == 0) {
			t.Fatalf("transfer %d: amount %v of %s", i, tr.Amount, tr.Asset)
		}
		for _, a := range []chains.Address{tr.From, tr.To} {
			if a == chains.FeeSink || a == chains.BeaconSink {
				continue
			}
			if _, err := chains.ParseAddress(chains.Ethereum, string(a)); err != nil || len(a) != 42 {
				t.Fatalf("transfer %d: address %q: %v", i, a, err)
			}
		}
	}
}

// FuzzDecodeLog feeds arbitrary topics and data to the log decoder and
// the token metadata decoders.
func FuzzDecodeLog(f *testing.F) {
	f.Add([]byte{}, []byte{})
	f.Add(append(append(topicTransfer.Bytes(), make([]byte, 64)...), 7), make([]byte, 32))
	f.Add(append(topicDeposit.Bytes(), make([]byte, 32)...), make([]byte, 31))
	f.Add(abiEncoded("USDC"), abiEncoded("MKR"))
	f.Fuzz(func(t *testing.T, topicBytes, data []byte) {
		var topics []common.Hash
		for len(topicBytes) >= 32 {
			topics = append(topics, common.BytesToHash(topicBytes[:32]))
			topicBytes = topicBytes[32:]
		}
		m, outcome := decodeLog(common.Address{1}, topics, data)
		if outcome == logMove && (m.amount == nil || m.amount.Sign() < 0 || len(m.from) != 42 || len(m.to) != 42) {
			t.Fatalf("bad move %+v", m)
		}
		if s := decodeSymbol(data); len([]rune(s)) > maxSymbol {
			t.Fatalf("symbol %q too long", s)
		}
		decodeDecimals(data)
	})
}
