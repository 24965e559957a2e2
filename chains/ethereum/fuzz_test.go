package ethereum

import (
	"encoding/json"
	"math/big"
	"slices"
	"testing"
	"unicode/utf8"

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
	events := eventFixture(f, true)
	traces, _ := json.Marshal(events.traces)
	logs, _ := json.Marshal(events.receipts[0].Logs)
	f.Add(string(traces), string(logs))
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
// addresses; events of successful transactions, in strict chain order,
// well formed.
func checkWellFormed(t *testing.T, b *chains.Block) {
	t.Helper()
	for i, ev := range b.Events {
		if i > 0 && !b.Events[i-1].Pos.Less(ev.Pos) {
			t.Fatalf("event %d at %+v does not follow %+v", i, ev.Pos, b.Events[i-1].Pos)
		}
		if ev.Pos.Block != b.Number || ev.Pos.Index < firstMove || int(ev.Pos.TxIndex) >= len(b.Txs) || b.Txs[ev.Pos.TxIndex].Status != chains.TxSucceeded {
			t.Fatalf("event %d at %+v", i, ev.Pos)
		}
		checkEvent(t, ev)
	}
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
	for _, l := range []testLog{goodMixerDeposit, goodMixerWithdrawal, goodBridgeDeposit, goodBridgeOut, goodSwap} {
		r := l.receipt(f, 0)
		var topics []byte
		for _, h := range r.Topics {
			topics = append(topics, h.Bytes()...)
		}
		f.Add(topics, []byte(r.Data))
		f.Add(topics, []byte(r.Data[:len(r.Data)-1]))
	}
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
		ev, evOutcome := decodeEvent(common.Address{1}, topics, data)
		switch {
		case evOutcome == logEvent && outcome != logIgnored:
			t.Fatalf("both a move (%d) and an event", outcome)
		case evOutcome == logEvent:
			checkEvent(t, ev)
		case !isZeroEvent(ev):
			t.Fatalf("outcome %d with event %+v", evOutcome, ev)
		}
		if s := decodeSymbol(data); len([]rune(s)) > maxSymbol {
			t.Fatalf("symbol %q too long", s)
		}
		decodeDecimals(data)
	})
}

// checkEvent checks a decoded event: a known kind, canonical addresses,
// non-negative amounts, a short UTF-8 memo, and the fields of its kind.
func checkEvent(t *testing.T, ev chains.Event) {
	t.Helper()
	for _, a := range []chains.Address{ev.Contract, ev.From, ev.To, ev.Relayer} {
		if a == "" {
			continue
		}
		if _, err := chains.ParseAddress(chains.Ethereum, string(a)); err != nil || len(a) != 42 {
			t.Fatalf("event %+v: address %q: %v", ev, a, err)
		}
	}
	for _, v := range append([]*big.Int{ev.Amount, ev.Fee}, ev.Amounts...) {
		if v != nil && v.Sign() < 0 {
			t.Fatalf("event %+v: negative amount %v", ev, v)
		}
	}
	if len(ev.Memo) > maxMemo || !utf8.ValidString(ev.Memo) {
		t.Fatalf("event %+v: memo %q", ev, ev.Memo)
	}
	if ev.Asset != "" && ev.Asset != chains.Native && len(ev.Asset) != 42 {
		t.Fatalf("event %+v: asset %q", ev, ev.Asset)
	}
	ok := ev.Contract != ""
	switch ev.Kind {
	case chains.EventMixerDeposit:
	case chains.EventMixerWithdrawal:
		ok = ok && ev.To != "" && ev.Relayer != "" && ev.Fee != nil
	case chains.EventBridgeDeposit:
		ok = ok && ev.To != "" && ev.Asset != "" && ev.Amount != nil
	case chains.EventBridgeOut:
		ok = ok && ev.From != "" && ev.To != "" && ev.Asset != "" && ev.Amount != nil
	case chains.EventSwap:
		ok = ok && ev.From != "" && ev.To != "" && len(ev.Amounts) == 4 && !slices.Contains(ev.Amounts, nil)
	default:
		ok = false
	}
	if !ok {
		t.Fatalf("event %+v: fields missing for its kind", ev)
	}
}
