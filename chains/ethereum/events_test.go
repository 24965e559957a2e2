package ethereum

import (
	"encoding/hex"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/chains/ethereum/ethtest"
)

// hexWord is n as a 32-byte ABI word, in hex without 0x.
func hexWord(n uint64) string { return fmt.Sprintf("%064x", n) }

// addrWord is the fixture address name as a 32-byte ABI word, in hex
// without 0x.
func addrWord(name string) string { return strings.Repeat("0", 24) + fixtureNames[name] }

// strTail is s as the tail of a dynamic ABI string: its length word and
// its bytes padded to a whole word, in hex without 0x.
func strTail(s string) string {
	padded := make([]byte, (len(s)+31)/32*32)
	copy(padded, s)
	return hexWord(uint64(len(s))) + hex.EncodeToString(padded)
}

// A dirty address word: address A with a high byte set.
const dirtyWord = "01" + "0000000000000000000000" + "00000000000000000000000000000000000000a1"

// testLog is a log of a test: an address and topics in the notation of
// the fixtures ($X, @X), data as bare hex words.
type testLog struct {
	addr   string
	topics []string
	data   string
}

// json writes l as a receipt log's JSON, placeholders expanded.
func (l testLog) json() string {
	return fmt.Sprintf(`{"address": %q, "topics": ["%s"], "data": "0x%s"}`, l.addr, strings.Join(l.topics, `", "`), l.data)
}

// receipt returns l as the receipt log with the given index.
func (l testLog) receipt(t testing.TB, index uint64) rpcLog {
	var r rpcLog
	decodeFixture(t, l.json(), &r)
	r.Index = hexutil.Uint64(index)
	return r
}

// trace returns l as the callTracer log with the given index and position.
func (l testLog) trace(t testing.TB, index, position uint64) traceLog {
	r := l.receipt(t, index)
	return traceLog{Address: r.Address, Topics: r.Topics, Data: r.Data, Index: r.Index, Position: hexutil.Uint64(position)}
}

var (
	mixerDepositTopic    = topicMixerDeposit.Hex()
	mixerWithdrawalTopic = topicMixerWithdrawal.Hex()
	bridgeDepositTopic   = topicBridgeDeposit.Hex()
	bridgeOutTopic       = topicBridgeOut.Hex()
	swapTopic            = topicSwap.Hex()
	zeroTopic            = "0x" + hexWord(0)
)

// The logs of the event tests, good ones. The contract emitting them is C.
var (
	// leaf 3, time 0x6000
	goodMixerDeposit = testLog{"$C", []string{mixerDepositTopic, word1}, hexWord(3) + hexWord(0x6000)}
	// to D, nullifier 7, relayer E, fee 5
	goodMixerWithdrawal = testLog{"$C", []string{mixerWithdrawalTopic, "@E"}, addrWord("D") + hexWord(7) + hexWord(5)}
	// to vault D, ether, amount 3
	goodBridgeDeposit = testLog{"$C", []string{bridgeDepositTopic, "@D", zeroTopic}, hexWord(3) + hexWord(64) + strTail("=:b:bc1qdest:0/1/0:t:0")}
	// from vault D to B, token T, amount 9
	goodBridgeOut = testLog{"$C", []string{bridgeOutTopic, "@D", "@B"}, addrWord("T") + hexWord(9) + hexWord(96) + strTail("OUT:"+strings.Repeat("AB", 32))}
	// A swaps 1 of token0 for 2 of token1, paid to B
	goodSwap = testLog{"$C", []string{swapTopic, "@A", "@B"}, hexWord(1) + hexWord(0) + hexWord(0) + hexWord(2)}
)

// renderEvent writes an event compactly, fields its kind leaves unset
// left out: "kind contract from>to relayer=R asset=X amount=N fee=N
// amounts=[...] memo=...".
func renderEvent(ev chains.Event) string {
	s := fmt.Sprintf("%s %s %s>%s", ev.Kind, short(ev.Contract), short(ev.From), short(ev.To))
	if ev.Relayer != "" {
		s += " relayer=" + short(ev.Relayer)
	}
	switch ev.Asset {
	case "":
	case chains.Native:
		s += " asset=native"
	default:
		s += " asset=" + short(chains.Address(ev.Asset))
	}
	if ev.Amount != nil {
		s += fmt.Sprintf(" amount=%v", ev.Amount)
	}
	if ev.Fee != nil {
		s += fmt.Sprintf(" fee=%v", ev.Fee)
	}
	if ev.Amounts != nil {
		s += fmt.Sprintf(" amounts=%v", ev.Amounts)
	}
	if ev.Memo != "" {
		s += fmt.Sprintf(" memo=%q", ev.Memo)
	}
	return s
}

func TestDecodeEvent(t *testing.T) {
	memo := func(s string) string { return hexWord(3) + hexWord(64) + strTail(s) }
	tests := []struct {
		name    string
		log     testLog
		want    string // rendered event, "" for none
		outcome logOutcome
	}{
		// Tornado Deposit(bytes32 indexed commitment, uint32 leafIndex, uint256 timestamp)
		{"mixer deposit", goodMixerDeposit, "mixer_deposit C >", logEvent},
		{"mixer deposit no commitment", testLog{"$C", []string{mixerDepositTopic}, hexWord(3) + hexWord(1)}, "", logMalformed},
		{"mixer deposit 3 topics", testLog{"$C", []string{mixerDepositTopic, word1, word1}, hexWord(3) + hexWord(1)}, "", logMalformed},
		{"mixer deposit short", testLog{"$C", []string{mixerDepositTopic, word1}, hexWord(3) + hexWord(1)[2:]}, "", logMalformed},
		{"mixer deposit long", testLog{"$C", []string{mixerDepositTopic, word1}, hexWord(3) + hexWord(1) + hexWord(0)}, "", logMalformed},
		{"mixer deposit leaf > uint32", testLog{"$C", []string{mixerDepositTopic, word1}, hexWord(1<<32) + hexWord(1)}, "", logMalformed},

		// Tornado Withdrawal(address to, bytes32 nullifierHash, address indexed relayer, uint256 fee)
		{"mixer withdrawal", goodMixerWithdrawal, "mixer_withdrawal C >D relayer=E fee=5", logEvent},
		{"mixer withdrawal no fee", testLog{"$C", []string{mixerWithdrawalTopic, "@D"}, addrWord("D") + hexWord(7) + hexWord(0)}, "mixer_withdrawal C >D relayer=D fee=0", logEvent},
		{"mixer withdrawal unindexed", testLog{"$C", []string{mixerWithdrawalTopic}, addrWord("D") + hexWord(7) + hexWord(5)}, "", logMalformed},
		{"mixer withdrawal dirty relayer", testLog{"$C", []string{mixerWithdrawalTopic, "0x" + dirtyWord}, addrWord("D") + hexWord(7) + hexWord(5)}, "", logMalformed},
		{"mixer withdrawal dirty to", testLog{"$C", []string{mixerWithdrawalTopic, "@E"}, dirtyWord + hexWord(7) + hexWord(5)}, "", logMalformed},
		{"mixer withdrawal short", testLog{"$C", []string{mixerWithdrawalTopic, "@E"}, addrWord("D") + hexWord(7)}, "", logMalformed},

		// THORChain Deposit(address indexed to, address indexed asset, uint256 amount, string memo)
		{"bridge deposit", goodBridgeDeposit, `bridge_deposit C >D asset=native amount=3 memo="=:b:bc1qdest:0/1/0:t:0"`, logEvent},
		{"bridge deposit token", testLog{"$C", []string{bridgeDepositTopic, "@D", "@T"}, memo("SWAP:BTC.BTC:bc1q")}, `bridge_deposit C >D asset=T amount=3 memo="SWAP:BTC.BTC:bc1q"`, logEvent},
		{"bridge deposit empty memo", testLog{"$C", []string{bridgeDepositTopic, "@D", "@T"}, memo("")}, "bridge_deposit C >D asset=T amount=3", logEvent},
		{"bridge deposit huge amount", testLog{"$C", []string{bridgeDepositTopic, "@D", zeroTopic}, strings.Repeat("f", 64) + hexWord(64) + strTail("x")},
			`bridge_deposit C >D asset=native amount=115792089237316195423570985008687907853269984665640564039457584007913129639935 memo="x"`, logEvent},
		{"bridge deposit unpadded memo", testLog{"$C", []string{bridgeDepositTopic, "@D", zeroTopic}, hexWord(3) + hexWord(64) + hexWord(2) + "6869"}, `bridge_deposit C >D asset=native amount=3 memo="hi"`, logEvent},
		{"bridge deposit memo 250", testLog{"$C", []string{bridgeDepositTopic, "@D", zeroTopic}, memo(strings.Repeat("m", 250))}, `bridge_deposit C >D asset=native amount=3 memo="` + strings.Repeat("m", 250) + `"`, logEvent},
		{"bridge deposit memo 251", testLog{"$C", []string{bridgeDepositTopic, "@D", zeroTopic}, memo(strings.Repeat("m", 251))}, "", logMalformed},
		{"bridge deposit memo not utf-8", testLog{"$C", []string{bridgeDepositTopic, "@D", zeroTopic}, memo("OUT:\xff")}, "", logMalformed},
		{"bridge deposit memo past end", testLog{"$C", []string{bridgeDepositTopic, "@D", zeroTopic}, hexWord(3) + hexWord(64) + hexWord(33) + hexWord(0)}, "", logMalformed},
		{"bridge deposit no memo length", testLog{"$C", []string{bridgeDepositTopic, "@D", zeroTopic}, hexWord(3) + hexWord(64)}, "", logMalformed},
		{"bridge deposit offset past end", testLog{"$C", []string{bridgeDepositTopic, "@D", zeroTopic}, hexWord(3) + hexWord(4096) + strTail("x")}, "", logMalformed},
		{"bridge deposit offset in head", testLog{"$C", []string{bridgeDepositTopic, "@D", zeroTopic}, hexWord(3) + hexWord(32) + strTail("x")}, "", logMalformed},
		{"bridge deposit offset huge", testLog{"$C", []string{bridgeDepositTopic, "@D", zeroTopic}, hexWord(3) + strings.Repeat("f", 64) + strTail("x")}, "", logMalformed},
		{"bridge deposit length huge", testLog{"$C", []string{bridgeDepositTopic, "@D", zeroTopic}, hexWord(3) + hexWord(64) + "f" + strings.Repeat("0", 62) + "1" + hexWord(0)}, "", logMalformed},
		{"bridge deposit length max", testLog{"$C", []string{bridgeDepositTopic, "@D", zeroTopic}, hexWord(3) + hexWord(64) + strings.Repeat("0", 48) + strings.Repeat("f", 16) + hexWord(0)}, "", logMalformed},
		{"bridge deposit short", testLog{"$C", []string{bridgeDepositTopic, "@D", zeroTopic}, hexWord(3)}, "", logMalformed},
		{"bridge deposit 2 topics", testLog{"$C", []string{bridgeDepositTopic, "@D"}, memo("x")}, "", logMalformed},
		{"bridge deposit dirty asset", testLog{"$C", []string{bridgeDepositTopic, "@D", "0x" + dirtyWord}, memo("x")}, "", logMalformed},
		{"bridge deposit dirty vault", testLog{"$C", []string{bridgeDepositTopic, "0x" + dirtyWord, zeroTopic}, memo("x")}, "", logMalformed},

		// THORChain TransferOut(address indexed vault, address indexed to, address asset, uint256 amount, string memo)
		{"bridge out", goodBridgeOut, `bridge_out C D>B asset=T amount=9 memo="OUT:` + strings.Repeat("AB", 32) + `"`, logEvent},
		{"bridge out ether", testLog{"$C", []string{bridgeOutTopic, "@D", "@B"}, hexWord(0) + hexWord(9) + hexWord(96) + strTail("REFUND:x")}, `bridge_out C D>B asset=native amount=9 memo="REFUND:x"`, logEvent},
		{"bridge out dirty asset", testLog{"$C", []string{bridgeOutTopic, "@D", "@B"}, dirtyWord + hexWord(9) + hexWord(96) + strTail("x")}, "", logMalformed},
		{"bridge out dirty to", testLog{"$C", []string{bridgeOutTopic, "@D", "0x" + dirtyWord}, addrWord("T") + hexWord(9) + hexWord(96) + strTail("x")}, "", logMalformed},
		{"bridge out offset in head", testLog{"$C", []string{bridgeOutTopic, "@D", "@B"}, addrWord("T") + hexWord(9) + hexWord(64) + strTail("x")}, "", logMalformed},
		{"bridge out short", testLog{"$C", []string{bridgeOutTopic, "@D", "@B"}, addrWord("T") + hexWord(9)}, "", logMalformed},
		{"bridge out 4 topics", testLog{"$C", []string{bridgeOutTopic, "@D", "@B", "@T"}, hexWord(9) + hexWord(64) + strTail("x")}, "", logMalformed},

		// UniV2 Swap(address indexed sender, uint amount0In, uint amount1In, uint amount0Out, uint amount1Out, address indexed to)
		{"swap", goodSwap, "swap C A>B amounts=[1 0 0 2]", logEvent},
		{"swap long", testLog{"$C", []string{swapTopic, "@A", "@B"}, goodSwap.data + hexWord(0)}, "", logMalformed},
		{"swap short", testLog{"$C", []string{swapTopic, "@A", "@B"}, goodSwap.data[2:]}, "", logMalformed},
		{"swap dirty sender", testLog{"$C", []string{swapTopic, "0x" + dirtyWord, "@B"}, goodSwap.data}, "", logMalformed},
		{"swap unindexed", testLog{"$C", []string{swapTopic}, addrWord("A") + goodSwap.data + addrWord("B")}, "", logMalformed},

		// Not events.
		{"transfer", testLog{"$T", []string{transferTopic, "@A", "@B"}, word7[2:]}, "", logIgnored},
		{"weth deposit", testLog{"$W", []string{depositTopic, "@A"}, word8[2:]}, "", logIgnored},
		{"other", testLog{"$C", []string{word1}, ""}, "", logIgnored},
	}
	for _, tt := range tests {
		l := tt.log.receipt(t, 0)
		ev, outcome := decodeEvent(l.Address, l.Topics, l.Data)
		got := ""
		if outcome == logEvent {
			got = renderEvent(ev)
		} else if !isZeroEvent(ev) {
			t.Errorf("%s: %v with event %+v", tt.name, outcome, ev)
		}
		if got != tt.want || outcome != tt.outcome {
			t.Errorf("%s: got %q (%d), want %q (%d)", tt.name, got, outcome, tt.want, tt.outcome)
		}
		if _, o := decodeLog(l.Address, l.Topics, l.Data); tt.outcome != logIgnored && o != logIgnored {
			t.Errorf("%s: decodeLog says %d too", tt.name, o)
		}
	}
}

// isZeroEvent reports whether ev is the zero event.
func isZeroEvent(ev chains.Event) bool {
	return fmt.Sprint(ev) == fmt.Sprint(chains.Event{})
}

// eventFixture is the fixture block with events added to tx 0 (C plays a
// mixer pool, a router and a pair at once) and an event in the receipt of
// the failed tx 1. Top frame C logs, in execution order: a router Deposit
// right after its payment to D (position 1), a Swap right after the
// malformed Transfer (position 2), then at the end a pool Deposit, a pool
// Withdrawal and a TransferOut whose memo offset points outside the data.
// F, which reverts, logs a pool Withdrawal.
func eventFixture(t testing.TB, traced bool) blockData {
	d := fixture(t, traced)
	badOut := goodBridgeOut
	badOut.data = addrWord("T") + hexWord(9) + hexWord(4096)
	type placed struct {
		log             testLog
		index, position uint64
	}
	logs := []placed{
		{goodBridgeDeposit, 5, 1},
		{goodSwap, 7, 2},
		{goodMixerDeposit, 8, 5},
		{goodMixerWithdrawal, 10, 5},
		{badOut, 11, 5},
	}
	for _, p := range logs {
		d.receipts[0].Logs = append(d.receipts[0].Logs, p.log.receipt(t, p.index))
		if traced {
			top := d.traces[0].Result
			top.Logs = append(top.Logs, p.log.trace(t, p.index, p.position))
		}
	}
	if traced {
		f := &d.traces[0].Result.Calls[1]
		f.Logs = append(f.Logs, goodMixerWithdrawal.trace(t, 6, 1))
	}
	d.receipts[1].Logs = append(d.receipts[1].Logs, goodBridgeDeposit.receipt(t, 0))
	return d
}

// checkEvents compares a block's events with their renderings, prefixed
// with "tx.index", and checks their common fields.
func checkEvents(t *testing.T, b *chains.Block, want []string) {
	t.Helper()
	var got []string
	for i, ev := range b.Events {
		got = append(got, fmt.Sprintf("%d.%d %s", ev.Pos.TxIndex, ev.Pos.Index, renderEvent(ev)))
		if ev.Chain != chains.Ethereum || ev.Time != b.Time || ev.Pos.Block != b.Number || ev.Tx != b.Txs[ev.Pos.TxIndex].Hash {
			t.Errorf("event %d: chain %s time %d block %d tx %x", i, ev.Chain, ev.Time, ev.Pos.Block, ev.Tx)
		}
		if i > 0 && !b.Events[i-1].Pos.Less(ev.Pos) {
			t.Errorf("event %d at %+v does not follow %+v", i, ev.Pos, b.Events[i-1].Pos)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("events:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
}

// TestAssembleEvents checks where events go among the transfers, that
// they leave the transfers as they were, that failed transactions and
// reverted frames have none, and the pool amounts.
func TestAssembleEvents(t *testing.T) {
	b, err := assemble(eventFixture(t, true))
	if err != nil {
		t.Fatal(err)
	}
	// The transfers are those of TestAssembleTraced.
	checkTransfers(t, b, slices.Concat(fixtureFees, []string{
		"0.2 native A>C native 5",
		"0.3 token A>B T 7",
		"0.4 internal C>D native 3",
		"0.5 wrap W>D W 8",
		"0.6 internal C>H native 4",
		"0.7 internal H>I native 4",
		"0.8 unwrap C>W W 1",
	}, fixtureTail))
	checkEvents(t, b, []string{
		// After C>D and D's wrap, before C>H: C>H's Index.
		`0.6 bridge_deposit C A>D asset=native amount=3 memo="=:b:bc1qdest:0/1/0:t:0"`,
		// No transfer since the Deposit: one more than it, so after
		// C>H, which it preceded.
		"0.7 swap C A>B amounts=[1 0 0 2]",
		// After the last transfer: its Index + 1. The pool C received
		// A's 5 and paid 3 to D and 4 to H (its payment to F reverted).
		"0.9 mixer_deposit C A> amount=5",
		"0.10 mixer_withdrawal C A>D relayer=E amount=7 fee=5", // one more than the deposit
	})
	if b.Skipped != 2 {
		t.Errorf("Skipped = %d, want 2 (a Transfer and a TransferOut)", b.Skipped)
	}

	b, err = assemble(eventFixture(t, false))
	if err != nil {
		t.Fatal(err)
	}
	checkTransfers(t, b, slices.Concat(fixtureFees, []string{
		"0.2 native A>C native 5",
		"0.3 token A>B T 7",
		"0.4 wrap W>D W 8",
		"0.5 unwrap C>W W 1",
	}, fixtureTail))
	checkEvents(t, b, []string{
		`0.6 bridge_deposit C A>D asset=native amount=3 memo="=:b:bc1qdest:0/1/0:t:0"`,
		"0.7 swap C A>B amounts=[1 0 0 2]",
		"0.8 mixer_deposit C A> amount=5",
		"0.9 mixer_withdrawal C A>D relayer=E amount=0 fee=5", // no trace, no internal payouts
	})
	if b.Skipped != 2 {
		t.Errorf("untraced: Skipped = %d, want 2", b.Skipped)
	}
}

// TestChainEvents runs a mixer pool and a bridge router on a real chain and
// checks every field of the events the adapter reads from its blocks, with
// and without traces:
//
//  1. deploys Mixer (1 ether), Router and Token;
//  2. bob deposits into the pool, and fails to deposit 2 ether; alice
//     mints tokens for grace, who lets the router spend them;
//  3. erin relays a withdrawal to dave for a fee; grace deposits 2 ether
//     with the router into vault frank, and 400 tokens with
//     depositWithExpiry;
//  4. frank pays dave 1.5 ether out through the router, answering grace's
//     ether deposit.
func TestChainEvents(t *testing.T) {
	c, err := ethtest.Start(ethtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	s := &scenario{c: c, txs: map[string]common.Hash{}, names: map[chains.Address]string{}}
	for i, name := range []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace"} {
		s.names[chains.EVMAddress(c.Addr(i))] = name
	}
	alice, bob, dave, erin, frank, grace := 0, 1, 3, 4, 5, 6
	addr := func(i int) chains.Address { return chains.EVMAddress(c.Addr(i)) }

	mixer := s.deploy(t, "Mixer", nil, ether(1))
	router := s.deploy(t, "Router", nil)
	token := s.deploy(t, "Token", nil, "Hound Token", "HND", uint8(6))
	s.commit(t)

	s.record(t, "poolDeposit")(c.Transact(bob, mixer, "Mixer", "deposit", ether(1), [32]byte{1}))
	s.record(t, "poolFailed")(c.TransactGas(bob, mixer, "Mixer", "deposit", ether(2), 300_000, [32]byte{2}))
	s.record(t, "mint")(c.Transact(alice, token, "Token", "mint", nil, c.Addr(grace), big.NewInt(1000)))
	s.record(t, "approve")(c.Transact(grace, token, "Token", "approve", nil, router, big.NewInt(1000)))
	s.commit(t)

	fee := big.NewInt(1e17)
	swapMemo, tokenMemo := "=:b:bc1qdest:0/1/0:t:0", "=:ETH.ETH:0xdead:0"
	s.record(t, "poolWithdraw")(c.Transact(erin, mixer, "Mixer", "withdraw", nil, c.Addr(dave), [32]byte{3}, c.Addr(erin), fee))
	s.record(t, "bridgeDeposit")(c.Transact(grace, router, "Router", "deposit", ether(2), c.Addr(frank), common.Address{}, ether(2), swapMemo))
	s.record(t, "bridgeTokenDeposit")(c.Transact(grace, router, "Router", "depositWithExpiry", nil,
		c.Addr(frank), token, big.NewInt(400), tokenMemo, big.NewInt(1<<40)))
	s.commit(t)

	outMemo := "OUT:" + strings.ToUpper(strings.TrimPrefix(s.txs["bridgeDeposit"].Hex(), "0x"))
	outValue := new(big.Int).Add(ether(1), big.NewInt(5e17))
	s.record(t, "bridgeOut")(c.Transact(frank, router, "Router", "transferOut", outValue, c.Addr(dave), common.Address{}, outValue, outMemo))
	s.last = s.commit(t)

	pool, rtr := chains.EVMAddress(mixer), chains.EVMAddress(router)
	// want lists each transaction's events with the Index they get with
	// traces and without.
	want := map[string][]struct {
		ev               chains.Event
		traced, untraced uint32
	}{
		"poolDeposit": {{chains.Event{Kind: chains.EventMixerDeposit, Contract: pool, From: addr(bob), Amount: ether(1)}, 3, 3}},
		"poolWithdraw": {{chains.Event{Kind: chains.EventMixerWithdrawal, Contract: pool, From: addr(erin), To: addr(dave),
			Relayer: addr(erin), Amount: ether(1), Fee: fee}, 4, 2}},
		"bridgeDeposit": {{chains.Event{Kind: chains.EventBridgeDeposit, Contract: rtr, From: addr(grace), To: addr(frank),
			Asset: chains.Native, Amount: ether(2), Memo: swapMemo}, 4, 3}},
		"bridgeTokenDeposit": {{chains.Event{Kind: chains.EventBridgeDeposit, Contract: rtr, From: addr(grace), To: addr(frank),
			Asset: chains.Asset(chains.EVMAddress(token)), Amount: big.NewInt(400), Memo: tokenMemo}, 3, 3}},
		"bridgeOut": {{chains.Event{Kind: chains.EventBridgeOut, Contract: rtr, From: addr(frank), To: addr(dave),
			Asset: chains.Native, Amount: outValue, Memo: outMemo}, 4, 3}},
	}
	// The movements of the transactions with events, in order: each event
	// comes after all of them.
	wantMoves := map[string][]string{
		"poolDeposit":        {"native bob>Mixer native 1e18"},
		"poolWithdraw":       {"internal Mixer>dave native 900000000000000000", "internal Mixer>erin native 100000000000000000"},
		"bridgeDeposit":      {"native grace>Router native 2e18", "internal Router>frank native 2e18"},
		"bridgeTokenDeposit": {"token grace>frank Token 400"},
		"bridgeOut":          {"native frank>Router native 1500000000000000000", "internal Router>dave native 1500000000000000000"},
	}

	check := func(t *testing.T, src *Source, traced bool) {
		blocks := s.blocks(t, src)
		got := map[string][]chains.Event{}
		moves := map[string][]string{}
		for _, b := range blocks {
			if b.Skipped != 0 || b.Untraced == traced {
				t.Errorf("block %d: skipped %d, untraced %v", b.Number, b.Skipped, b.Untraced)
			}
			checkWellFormed(t, b)
			last := map[uint32]uint32{} // the last Index of each tx's transfers
			for _, tr := range b.Transfers {
				last[tr.Pos.TxIndex] = max(last[tr.Pos.TxIndex], tr.Pos.Index)
				if tr.Kind != chains.KindFee && tr.Kind != chains.KindWithdrawal {
					moves[s.txName(tr.Tx)] = append(moves[s.txName(tr.Tx)], s.render(tr))
				}
			}
			for _, ev := range b.Events {
				name := s.txName(ev.Tx)
				got[name] = append(got[name], ev)
				if ev.Pos.Index != last[ev.Pos.TxIndex]+1 {
					t.Errorf("%s: event at Index %d, the tx's last transfer at %d", name, ev.Pos.Index, last[ev.Pos.TxIndex])
				}
				if b.Txs[ev.Pos.TxIndex].Hash != ev.Tx {
					t.Errorf("%s: event at tx %d, which is %x", name, ev.Pos.TxIndex, b.Txs[ev.Pos.TxIndex].Hash)
				}
			}
		}
		for name, ws := range want {
			hash := chains.Hash(s.txs[name])
			block, index := s.txPos(t, blocks, hash)
			var wantEvs []string
			for _, w := range ws {
				ev := w.ev
				ev.Chain, ev.Tx, ev.Time = chains.Ethereum, hash, blocks[block-1].Time
				ev.Pos = chains.Pos{Block: block, TxIndex: index, Index: w.traced}
				if !traced {
					ev.Pos.Index = w.untraced
					if ev.Kind == chains.EventMixerWithdrawal {
						ev.Amount = new(big.Int) // the payouts are internal
					}
				}
				wantEvs = append(wantEvs, fmt.Sprintf("%+v", ev))
			}
			var gotEvs []string
			for _, ev := range got[name] {
				gotEvs = append(gotEvs, fmt.Sprintf("%+v", ev))
			}
			if !slices.Equal(gotEvs, wantEvs) {
				t.Errorf("%s:\n got %s\nwant %s", name, strings.Join(gotEvs, "\n     "), strings.Join(wantEvs, "\n     "))
			}
			var wantM []string
			for _, m := range wantMoves[name] {
				if traced || !strings.HasPrefix(m, "internal ") {
					wantM = append(wantM, m)
				}
			}
			if !slices.Equal(moves[name], wantM) {
				t.Errorf("%s movements:\n got %q\nwant %q", name, moves[name], wantM)
			}
		}
		if len(got) != len(want) {
			t.Errorf("events in %d transactions, want %d", len(got), len(want))
		}
	}
	t.Run("traced", func(t *testing.T) { check(t, dialTest(t, c.URL(), Options{}), true) })
	t.Run("untraced", func(t *testing.T) {
		hidden := func(method string) bool { return strings.HasPrefix(method, "debug_") }
		_, logger := newLogBuffer()
		check(t, dialTest(t, hidingProxy(t, c.URL(), hidden), Options{Logger: logger}), false)
	})
	if in, ok := chains.OutboundOf(outMemo); !ok || in != chains.Hash(s.txs["bridgeDeposit"]) {
		t.Errorf("OutboundOf(%q) = %x, %v", outMemo, in, ok)
	}
}

// txPos returns the block and index of transaction h.
func (s *scenario) txPos(t *testing.T, blocks []*chains.Block, h chains.Hash) (uint64, uint32) {
	t.Helper()
	for _, b := range blocks {
		for _, tx := range b.Txs {
			if tx.Hash == h {
				if tx.Status != chains.TxSucceeded {
					t.Errorf("%s failed", s.txName(h))
				}
				return b.Number, tx.Index
			}
		}
	}
	t.Fatalf("tx %s not found", s.txName(h))
	return 0, 0
}
