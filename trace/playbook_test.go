package trace_test

import (
	"context"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/labels"
	"github.com/houndtrace/hound/store"
	"github.com/houndtrace/hound/trace"
)

// These tests walk the laundering playbook's steps (METHODS.md section 5)
// over hand-made blocks committed to a real store, events included: the
// store's flags and indexes and the walk's heuristics together.

// ethBlocks builds an account chain one transaction a block.
type ethBlocks struct {
	blocks []*chains.Block
	time   uint64
}

// tx adds a block holding one transaction with these transfers, numbered 1,
// 2, ... in order, and events at the ordinals they give (Pos.Index). It
// returns the transaction's hash.
func (b *ethBlocks) tx(moves []chains.Transfer, events ...chains.Event) chains.Hash {
	n := uint64(len(b.blocks) + 1)
	blk := &chains.Block{Chain: chains.Ethereum, Number: n, Time: b.time + 12*n}
	blk.Hash[0], blk.Hash[1], blk.Hash[2] = byte(n), byte(n>>8), 0xee
	if len(b.blocks) > 0 {
		blk.Parent = b.blocks[len(b.blocks)-1].Hash
	}
	var h chains.Hash
	h[0], h[1], h[2] = byte(n), byte(n>>8), 0x77
	blk.Txs = []chains.Tx{{Hash: h, From: moves[0].From, Status: chains.TxSucceeded}}
	for i, m := range moves {
		m.Chain, m.Tx, m.Pos, m.Time = chains.Ethereum, h, chains.Pos{Block: n, Index: uint32(i + 1)}, blk.Time
		if m.Asset == "" {
			m.Asset = chains.Native
		}
		if m.Kind == 0 {
			m.Kind = chains.KindNative
		}
		blk.Transfers = append(blk.Transfers, m)
	}
	for _, ev := range events {
		ev.Chain, ev.Tx, ev.Pos, ev.Time = chains.Ethereum, h, chains.Pos{Block: n, Index: ev.Pos.Index}, blk.Time
		blk.Events = append(blk.Events, ev)
	}
	b.blocks = append(b.blocks, blk)
	return h
}

func (b *ethBlocks) commit(t *testing.T, s *store.Store) {
	t.Helper()
	if err := s.Commit(chains.Ethereum, b.blocks, nil); err != nil {
		t.Fatal(err)
	}
}

func move(kind chains.Kind, from, to chains.Address, asset chains.Asset, amount *big.Int) chains.Transfer {
	return chains.Transfer{Kind: kind, From: from, To: to, Asset: asset, Amount: amount}
}

// commitBitcoin links UTXO blocks into a chain ten minutes apart from
// time start, and commits them.
func commitBitcoin(t *testing.T, s *store.Store, start uint64, btc []*chains.Block) {
	t.Helper()
	for i, blk := range btc {
		blk.Chain, blk.Time = chains.Bitcoin, start+600*uint64(i)
		blk.Hash[0], blk.Hash[1] = byte(i+1), 0xbb
		if i > 0 {
			blk.Parent = btc[i-1].Hash
		}
	}
	if err := s.Commit(chains.Bitcoin, btc, nil); err != nil {
		t.Fatal(err)
	}
}

// TestTraceSwapFanOutMixer is METHODS.md's S2 with its swap and its mixer:
// the thief sends 1,000,000 stolen USDT to E0, which holds 10 ETH clean;
// E0 swaps them through a router and a pair for 500 ETH (the pair pays
// WETH to the router, which unwraps it and pays E0 the ether), sends 5 x
// 100 ETH to H1-H5, and each deposits into a 100 ETH pool; H2 later
// withdraws to itself and sends the 100 ETH to an exchange.
func TestTraceSwapFanOutMixer(t *testing.T) {
	thief, e0, funder, pair, router, weth, pool, ex := addr("thief"), addr("E0"), addr("funder"), addr("pair"), addr("router"), addr("weth"), addr("pool"), addr("exchange")
	usdt := chains.Asset(addr("usdt"))
	wethAsset := chains.Asset(weth)
	usd := new(big.Int).Mul(big.NewInt(1_000_000), big.NewInt(1e6))
	h := []chains.Address{addr("H1"), addr("H2"), addr("H3"), addr("H4"), addr("H5")}
	var b ethBlocks
	b.tx([]chains.Transfer{move(chains.KindToken, addr("victim"), thief, usdt, usd)})
	b.tx([]chains.Transfer{move(chains.KindToken, thief, e0, usdt, usd)})
	b.tx([]chains.Transfer{move(chains.KindNative, funder, e0, chains.Native, eth(10))})
	b.tx([]chains.Transfer{
		move(chains.KindToken, e0, pair, usdt, usd),
		move(chains.KindToken, pair, router, wethAsset, eth(500)),
		move(chains.KindInternal, weth, router, chains.Native, eth(500)),
		move(chains.KindUnwrap, router, weth, wethAsset, eth(500)),
		move(chains.KindInternal, router, e0, chains.Native, eth(500)),
	}, chains.Event{Kind: chains.EventSwap, Contract: pair, From: router, To: router, Pos: chains.Pos{Index: 3}})
	for _, hi := range h {
		b.tx([]chains.Transfer{move(chains.KindNative, e0, hi, chains.Native, eth(100))})
	}
	var deposits []chains.Hash
	for _, hi := range h {
		deposits = append(deposits, b.tx([]chains.Transfer{move(chains.KindNative, hi, pool, chains.Native, eth(100))},
			chains.Event{Kind: chains.EventMixerDeposit, Contract: pool, From: hi, Amount: eth(100), Pos: chains.Pos{Index: 2}}))
	}
	b.tx([]chains.Transfer{move(chains.KindInternal, pool, h[1], chains.Native, eth(100))},
		chains.Event{Kind: chains.EventMixerWithdrawal, Contract: pool, From: h[1], To: h[1], Relayer: h[1], Fee: new(big.Int), Amount: eth(100), Pos: chains.Pos{Index: 2}})
	b.tx([]chains.Transfer{move(chains.KindNative, h[1], ex, chains.Native, eth(99))})
	s := tempStore(t)
	b.commit(t, s)
	lk := lookup{ex: labels.Exchange}
	seed := []chains.Node{chains.AccountOf(chains.Ethereum, thief, usdt)}

	tests := []struct {
		model trace.Model
		h2    string // tainted wei H2 deposits (and, withdrawn to itself, re-seeds)
		dep   string // tainted wei in H2's 99 ETH to the exchange
	}{
		// The swap carries the USDT's tainted fraction, 1, to E0's 500 ETH.
		// Haircut: E0 holds 510 ETH, 500 tainted; H1 gets
		// floor(100e18*500/510) = 98039215686274509803, H2
		// floor(100e18*(500e18-98039215686274509803)/410e18) =
		// 98039215686274509804. H2 withdraws it back: 100 ETH of which
		// that much tainted; 99 of them carry floor(99/100 of it).
		{trace.Haircut, "98039215686274509804", "97058823529411764705"},
		// FIFO: E0's first 10 ETH are clean, so H1 gets 90 tainted, H2 100.
		{trace.FIFO, "100000000000000000000", "99000000000000000000"},
	}
	for _, tt := range tests {
		for _, follow := range []bool{false, true} {
			res, err := traceRoundTrip(t, s, lk, seed, trace.Options{Model: tt.model, FollowMixers: follow})
			if err != nil {
				t.Fatal(err)
			}
			kinds := map[trace.FindingKind][]trace.Finding{}
			for _, f := range res.Findings {
				kinds[f.Kind] = append(kinds[f.Kind], f)
			}
			swap := kinds[trace.FindingDEXSwap]
			if len(swap) != 1 || swap[0].Address != pair || swap[0].Edge.To != chains.AccountOf(chains.Ethereum, e0, chains.Native) ||
				swap[0].Edge.Tainted.Cmp(eth(500)) != 0 || swap[0].Hop != 2 {
				t.Fatalf("%s: swap findings %+v", tt.model, swap)
			}
			if fan := kinds[trace.FindingFanOut]; len(fan) != 1 || fan[0].Address != e0 {
				t.Errorf("%s: fan-out findings %+v", tt.model, fan)
			}
			mix := kinds[trace.FindingMixer]
			if len(mix) != 5 {
				t.Fatalf("%s: %d mixer findings", tt.model, len(mix))
			}
			for i, m := range mix {
				if m.Address != pool || m.Denomination.Cmp(eth(100)) != 0 || m.Edge.Tx != deposits[i] || m.Hop != 4 {
					t.Errorf("%s: mixer finding %d: %+v", tt.model, i, m)
				}
			}
			if got := mix[1].Edge.Tainted.String(); got != tt.h2 {
				t.Errorf("%s: H2 deposits %s tainted, want %s", tt.model, got, tt.h2)
			}
			exit := kinds[trace.FindingMixerExit]
			if len(exit) != 1 || exit[0].Address != h[1] || exit[0].Heuristic != "address-match" || exit[0].Confidence != trace.ConfidenceAddressMatch ||
				exit[0].Edge.Tainted.String() != tt.h2 || exit[0].Hop != 5 || len(exit[0].Path) != 5 {
				t.Fatalf("%s: exit findings %+v", tt.model, exit)
			}
			dep := kinds[trace.FindingExchangeDeposit]
			if !follow {
				if len(dep) != 0 {
					t.Errorf("%s: without --follow-mixers the trace reached %+v", tt.model, dep)
				}
				continue
			}
			// H2 got 100 ETH and swept 99 to the exchange: a slack of 1 ETH
			// is beyond Victor's 0.01, so H2 is no deposit address and the
			// exchange itself is the finding.
			if len(dep) != 0 {
				t.Errorf("%s: deposit findings %+v", tt.model, dep)
			}
			exc := kinds[trace.FindingExchange]
			if len(exc) != 1 || exc[0].Edge.Tainted.String() != tt.dep || exc[0].Hop != 6 {
				t.Errorf("%s: exchange findings %+v", tt.model, exc)
			}
		}
		// Synced block by block, a case's walk continues at each block to
		// what a fresh trace finds, but at the pool's withdrawal: a fresh
		// trace links it to H2's deposit, which the walk already passed.
		steps := make([]int, len(b.blocks)-1)
		for i := range steps {
			steps[i] = i + 1
		}
		n, _, stale := resumeCase(t, split(b.blocks, steps), lk, seed, trace.Options{Model: tt.model, FollowMixers: true})
		if n != len(steps)-1 || len(stale) != 1 || !strings.Contains(stale[0], "pool "+string(pool)+" has new withdrawals") {
			t.Errorf("%s: %d of %d resumes continued; stale: %v", tt.model, n, len(steps), stale)
		}
	}
}

// skip adds n empty blocks.
func (b *ethBlocks) skip(n int) {
	for range n {
		m := uint64(len(b.blocks) + 1)
		blk := &chains.Block{Chain: chains.Ethereum, Number: m, Time: b.time + 12*m, Parent: b.blocks[len(b.blocks)-1].Hash}
		blk.Hash[0], blk.Hash[1], blk.Hash[2] = byte(m), byte(m>>8), 0xee
		b.blocks = append(b.blocks, blk)
	}
}

// TestTraceBridgeTHORChain is METHODS.md's S3: H6 holds 30 ETH clean, gets
// 20 stolen, and deposits 40 ETH into a THORChain-style router with memo
// =:b:<dest>:0/1/0:t:0; the vault pays 1.52 BTC to dest on Bitcoin with
// OP_RETURN OUT:<inbound hash>, and dest pays an exchange.
func TestTraceBridgeTHORChain(t *testing.T) {
	thief, h6, funder, router, vault := addr("thief"), addr("H6"), addr("funder"), addr("router"), addr("vault")
	// The same Ethereum blocks serve both runs.
	dest, vaultBTC, hot := p2wpkh(t, 0x61), p2wpkh(t, 0x62), p2wpkh(t, 0x63)
	memo := "=:b:" + string(dest) + ":0/1/0:t:0"
	var b ethBlocks
	b.time = 1_700_000_000
	b.tx([]chains.Transfer{move(chains.KindNative, addr("victim"), thief, chains.Native, eth(20))})
	b.tx([]chains.Transfer{move(chains.KindNative, funder, h6, chains.Native, eth(30))})
	b.tx([]chains.Transfer{move(chains.KindNative, thief, h6, chains.Native, eth(20))})
	inbound := b.tx([]chains.Transfer{
		move(chains.KindNative, h6, router, chains.Native, eth(40)),
		move(chains.KindInternal, router, vault, chains.Native, eth(40)),
	}, chains.Event{Kind: chains.EventBridgeDeposit, Contract: router, From: h6, To: vault, Asset: chains.Native, Amount: eth(40), Memo: memo, Pos: chains.Pos{Index: 3}})
	for _, linked := range []bool{true, false} {
		t.Run(fmt.Sprintf("out-memo=%v", linked), func(t *testing.T) { bridgeTrace(t, &b, inbound, linked, router, dest, vaultBTC, hot) })
	}
}

// TestTraceBridgeTHORName: a memo that pays a THORName names no address;
// the finding says which THORName, and the payout is found by its OUT
// memo alone.
func TestTraceBridgeTHORName(t *testing.T) {
	thief, router, vault := addr("thief"), addr("router"), addr("vault")
	dest, vaultBTC := p2wpkh(t, 0x91), p2wpkh(t, 0x92)
	var b ethBlocks
	b.time = 1_700_000_000
	b.tx([]chains.Transfer{move(chains.KindNative, addr("victim"), thief, chains.Native, eth(10))})
	inbound := b.tx([]chains.Transfer{move(chains.KindNative, thief, router, chains.Native, eth(10)), move(chains.KindInternal, router, vault, chains.Native, eth(10))},
		chains.Event{Kind: chains.EventBridgeDeposit, Contract: router, From: thief, To: vault, Asset: chains.Native, Amount: eth(10), Memo: "=:b:t:0", Pos: chains.Pos{Index: 3}})
	s := tempStore(t)
	b.commit(t, s)
	out := chains.TxOut{Kind: chains.ScriptNullData, Data: []byte("OUT:" + inbound.Format(chains.Bitcoin))}
	btc := []*chains.Block{
		{Number: 1, UTXOTxs: []chains.UTXOTx{utx(1, nil, pay(vaultBTC, 1_000_000_000))}},
		{Number: 2, UTXOTxs: []chains.UTXOTx{utx(2, []chains.Outpoint{{Tx: txid(1)}}, pay(dest, 30_000_000), pay(vaultBTC, 969_990_000), out)}},
	}
	commitBitcoin(t, s, b.time+3600, btc)
	res, err := traceRoundTrip(t, s, nil, []chains.Node{chains.AccountOf(chains.Ethereum, thief, chains.Native)}, trace.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 {
		t.Fatalf("findings %+v", res.Findings)
	}
	br := res.Findings[0]
	// All 10 ETH were stolen: the whole 0.3 BTC payout is tainted.
	if br.Kind != trace.FindingBridge || br.DestChain != chains.Bitcoin || br.DestAddress != "" || br.DestName != "t" ||
		br.Outbound == nil || br.Outbound.Address != dest || br.Outbound.Tainted.Int64() != 30_000_000 {
		t.Errorf("bridge finding %+v, outbound %+v", br, br.Outbound)
	}
}

// bridgeTrace is TestTraceBridgeTHORChain's Bitcoin side and trace: the
// payout carries OUT:<inbound> when linked, else only the memo's
// destination and the time link it (confidence 0.8).
func bridgeTrace(t *testing.T, b *ethBlocks, inbound chains.Hash, linked bool, router, dest, vaultBTC, hot chains.Address) {
	s := tempStore(t)
	b.commit(t, s)
	thief := addr("thief")
	out := chains.TxOut{Kind: chains.ScriptNullData, Data: []byte("OUT:" + strings.ToUpper(inbound.Format(chains.Bitcoin)))}
	if !linked {
		out.Data = []byte("a memo of another protocol")
	}
	btc := []*chains.Block{
		{Number: 1, UTXOTxs: []chains.UTXOTx{utx(1, nil, pay(vaultBTC, 1_000_000_000))}},
		{Number: 2, UTXOTxs: []chains.UTXOTx{utx(2, []chains.Outpoint{{Tx: txid(1)}}, pay(dest, 152_000_000), pay(vaultBTC, 847_990_000), out)}},
		{Number: 3, UTXOTxs: []chains.UTXOTx{utx(3, []chains.Outpoint{{Tx: txid(2)}}, pay(hot, 151_990_000))}},
	}
	commitBitcoin(t, s, b.time+3600, btc)
	lk := lookup{hot: labels.Exchange}
	seed := []chains.Node{chains.AccountOf(chains.Ethereum, thief, chains.Native)}
	tests := []struct {
		model         trace.Model
		eth, btc, hot string
	}{
		// Haircut: H6 holds 50 ETH, 20 tainted; 40 carry 16 (0.40), so the
		// 1.52 BTC payout carries 0.608 BTC; dest's coin pays 151,990,000
		// sat on with floor(151990000*60800000/152000000) = 60,796,000.
		{trace.Haircut, "16000000000000000000", "60800000", "60796000"},
		// FIFO: the first 30 ETH are clean, then 10 of the 20 tainted
		// (0.25): 0.38 BTC, then 151,990,000 - 114,000,000 clean first...
		// one input: its taint comes first, so all 38,000,000.
		{trace.FIFO, "10000000000000000000", "38000000", "38000000"},
		// LIFO: the newest 20 ETH are all tainted (0.50): 0.76 BTC.
		{trace.LIFO, "20000000000000000000", "76000000", "76000000"},
	}
	for _, tt := range tests {
		res, err := traceRoundTrip(t, s, lk, seed, trace.Options{Model: tt.model})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Findings) != 2 {
			t.Fatalf("%s: findings %+v", tt.model, res.Findings)
		}
		br, ex := res.Findings[0], res.Findings[1]
		confidence, heuristic := 1.0, "memo"
		if !linked {
			confidence, heuristic = trace.ConfidenceDestination, "memo-destination"
		}
		if br.Kind != trace.FindingBridge || br.Address != router || br.Edge.Tainted.String() != tt.eth || br.Hop != 2 || br.Heuristic != heuristic ||
			br.DestChain != chains.Bitcoin || br.DestAddress != dest || br.Decoded != "=:BTC.BTC:"+string(dest)+":0/1/0:t:0" || br.Confidence != confidence {
			t.Errorf("%s: bridge finding %+v", tt.model, br)
		}
		if o := br.Outbound; o == nil || o.Tx != txid(2) || o.Tainted.String() != tt.btc || o.Amount.Int64() != 152_000_000 || o.Address != dest || o.Hop != 3 {
			t.Errorf("%s: outbound %+v", tt.model, br.Outbound)
		}
		if ex.Kind != trace.FindingExchange || ex.Address != hot || ex.Edge.Tainted.String() != tt.hot || ex.Hop != 4 || len(ex.Path) != 4 ||
			ex.Path[1] != br.Edge || ex.Path[2] != br.Outbound {
			t.Errorf("%s: exchange finding %+v, path %v", tt.model, ex, ex.Path)
		}
	}
}

// TestTraceDepositAddress is METHODS.md's S5: A (tainted) sends 10 ETH to D
// at block 100, D forwards 9.999 to the exchange's hot wallet X at block
// 130; B (clean) sends 5 ETH to D at block 500, D forwards 4.9995 at block
// 510.
func TestTraceDepositAddress(t *testing.T) {
	a, bb, d, x := addr("A"), addr("B"), addr("D"), addr("X")
	var b ethBlocks
	b.tx([]chains.Transfer{move(chains.KindNative, addr("victim"), a, chains.Native, eth(10))})
	b.skip(98)
	b.tx([]chains.Transfer{move(chains.KindNative, a, d, chains.Native, eth(10))}) // block 100
	b.skip(29)
	b.tx([]chains.Transfer{move(chains.KindNative, d, x, chains.Native, weiOf("9999000000000000000"))}) // block 130
	b.skip(368)
	b.tx([]chains.Transfer{move(chains.KindNative, addr("faucet"), bb, chains.Native, eth(5))}) // block 499
	b.tx([]chains.Transfer{move(chains.KindNative, bb, d, chains.Native, eth(5))})              // block 500
	b.skip(9)
	b.tx([]chains.Transfer{move(chains.KindNative, d, x, chains.Native, weiOf("4999500000000000000"))}) // block 510
	s := tempStore(t)
	b.commit(t, s)
	if n := b.blocks[len(b.blocks)-1].Number; n != 510 {
		t.Fatalf("last block %d", n)
	}
	tests := []struct {
		model  trace.Model
		second string // the taint of the second sweep (D keeps 0.001 ETH of A's after the first)
	}{
		// D holds 0.001 tainted of 5.001: floor(4.9995e18*1e15/5.001e18).
		{trace.Haircut, "999700059988002"},
		{trace.FIFO, "1000000000000000"},
		{trace.LIFO, "0"},
	}
	for _, tt := range tests {
		res, err := traceRoundTrip(t, s, lookup{x: labels.Exchange}, []chains.Node{chains.AccountOf(chains.Ethereum, a, chains.Native)}, trace.Options{Model: tt.model})
		if err != nil {
			t.Fatal(err)
		}
		var deps, clusters []trace.Finding
		for _, f := range res.Findings {
			switch f.Kind {
			case trace.FindingExchangeDeposit:
				deps = append(deps, f)
			case trace.FindingCluster:
				clusters = append(clusters, f)
			default:
				t.Errorf("%s: unexpected finding %+v", tt.model, f)
			}
		}
		if len(deps) != 2 {
			t.Fatalf("%s: deposit findings %+v", tt.model, deps)
		}
		// κ = mean(1 - 0.001/0.01, 1 - 30/3200) = (0.9 + 0.990625)/2 and
		// mean(1 - 0.0005/0.01, 1 - 10/3200) = (0.95 + 0.996875)/2.
		want := []struct {
			confidence                   float64
			amount, tainted, fwd, fwdTnt string
		}{
			{0.9453125, "10000000000000000000", "10000000000000000000", "9999000000000000000", "9999000000000000000"},
			{0.9734375, "5000000000000000000", "0", "4999500000000000000", tt.second},
		}
		for i, w := range want {
			f := deps[i]
			if f.Address != d || f.Wallet != x || f.Confidence != w.confidence || f.Amount.String() != w.amount || f.Tainted.String() != w.tainted ||
				f.Forwarded.String() != w.fwd || f.ForwardedTainted.String() != w.fwdTnt {
				t.Errorf("%s: deposit %d: %s κ %v amount %s tainted %s forwarded %s (%s tainted)", tt.model, i, f.Address, f.Confidence, f.Amount, f.Tainted, f.Forwarded, f.ForwardedTainted)
			}
		}
		if len(clusters) != 1 || clusters[0].Address != d || fmt.Sprint(clusters[0].Members) != fmt.Sprint([]chains.Address{a, bb}) || clusters[0].Confidence != 0.9453125 {
			t.Errorf("%s: clusters %+v", tt.model, clusters)
		}
		// The same blocks synced in steps (after the first sweep, after
		// B's deposit, before the second sweep): the walk saved at each
		// continues to what a fresh trace finds, the clean second sweep
		// and the cluster included.
		seeds := []chains.Node{chains.AccountOf(chains.Ethereum, a, chains.Native)}
		if n, _, stale := resumeCase(t, split(b.blocks, []int{130, 500, 505}), lookup{x: labels.Exchange}, seeds, trace.Options{Model: tt.model}); n != 3 {
			t.Errorf("%s: %d of 3 resumes continued: %v", tt.model, n, stale)
		}
	}
}

// weiOf reads a decimal count of base units.
func weiOf(s string) *big.Int {
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic("bad amount " + s)
	}
	return v
}

// TestTraceBridgeBitcoinToEthereum is the bridge the other way: the
// thief's coin and a clean coin pay a THORChain vault on Bitcoin with an
// OP_RETURN swap memo for ETH; the vault's router pays the memo's address
// on Ethereum with TransferOut memo OUT:<txid>, and that address pays an
// exchange.
func TestTraceBridgeBitcoinToEthereum(t *testing.T) {
	thief, k, vaultBTC := p2wpkh(t, 0x71), p2wpkh(t, 0x72), p2wpkh(t, 0x73)
	vault, router, dest, ex := addr("vault"), addr("router"), addr("dest"), addr("exchange")
	memo := chains.TxOut{Kind: chains.ScriptNullData, Data: []byte("=:ETH.ETH:" + string(dest))}
	btc := []*chains.Block{
		{Number: 1, UTXOTxs: []chains.UTXOTx{utx(1, nil, pay(thief, 100_000_000)), utx(2, nil, pay(k, 100_000_000))}},
		{Number: 2, UTXOTxs: []chains.UTXOTx{utx(3, []chains.Outpoint{{Tx: txid(1)}, {Tx: txid(2)}}, pay(vaultBTC, 199_990_000), memo)}},
	}
	s := tempStore(t)
	commitBitcoin(t, s, 1_700_000_000, btc)
	b := ethBlocks{time: 1_700_003_600}
	payout := b.tx([]chains.Transfer{
		move(chains.KindNative, vault, router, chains.Native, eth(15)),
		move(chains.KindInternal, router, dest, chains.Native, eth(15)),
	}, chains.Event{Kind: chains.EventBridgeOut, Contract: router, From: vault, To: dest, Asset: chains.Native, Amount: eth(15),
		Memo: "OUT:" + strings.ToUpper(txid(3).Format(chains.Bitcoin)), Pos: chains.Pos{Index: 3}})
	b.tx([]chains.Transfer{move(chains.KindNative, dest, ex, chains.Native, eth(10))})
	b.commit(t, s)

	tests := []struct {
		model         trace.Model
		vault, leg, x string
	}{
		// Haircut: tx3 holds 2e8 sat, half tainted: the vault's 199,990,000
		// carry 99,995,000 (a fraction of 1/2), so the 15 ETH payout
		// carries 7.5 ETH, and dest's 10 ETH to the exchange 10*7.5/15 = 5.
		{trace.Haircut, "99995000", "7500000000000000000", "5000000000000000000"},
		// FIFO: the thief's 1e8 tainted sat come first, all into the
		// vault's output: 15e18*1e8/199990000 = 7500375018750937546.87...,
		// floored; dest's first 10 ETH out of one tainted-then-clean lot
		// take all of that taint.
		{trace.FIFO, "100000000", "7500375018750937546", "7500375018750937546"},
	}
	for _, tt := range tests {
		res, err := traceRoundTrip(t, s, lookup{ex: labels.Exchange}, []chains.Node{chains.HoldingOf(chains.Bitcoin, thief)}, trace.Options{Model: tt.model})
		if err != nil {
			t.Fatal(err)
		}
		// The thief's and K's coins spent together: a cluster, then the bridge.
		if len(res.Findings) != 3 || res.Findings[0].Kind != trace.FindingCluster {
			t.Fatalf("%s: findings %+v", tt.model, res.Findings)
		}
		br, x := res.Findings[1], res.Findings[2]
		if br.Kind != trace.FindingBridge || br.Chain != chains.Bitcoin || br.Address != vaultBTC || br.Edge.Tainted.String() != tt.vault ||
			br.DestChain != chains.Ethereum || br.DestAddress != dest || br.Outbound == nil || br.Outbound.Tx != payout ||
			br.Outbound.Tainted.String() != tt.leg || br.Outbound.To != chains.AccountOf(chains.Ethereum, dest, chains.Native) {
			t.Errorf("%s: bridge finding %+v, outbound %+v", tt.model, br, br.Outbound)
		}
		if x.Kind != trace.FindingExchange || x.Address != ex || x.Edge.Tainted.String() != tt.x || len(x.Path) != 4 || x.Path[2] != br.Outbound {
			t.Errorf("%s: exchange finding %+v", tt.model, x)
		}
	}
}

// TestTraceMixerLinkedAddresses: H deposits 100 ETH into a pool; W, an
// address H traded with three times before, withdraws: the
// linked-addresses heuristic makes W an exit candidate (confidence 0.7);
// V, with two transactions with H, is not one.
func TestTraceMixerLinkedAddresses(t *testing.T) {
	thief, h, w, v, pool := addr("thief"), addr("H"), addr("W"), addr("V"), addr("pool")
	var b ethBlocks
	b.tx([]chains.Transfer{move(chains.KindNative, addr("victim"), thief, chains.Native, eth(100))})
	for range 3 {
		b.tx([]chains.Transfer{move(chains.KindNative, w, h, chains.Native, eth(1))})
	}
	for range 2 {
		b.tx([]chains.Transfer{move(chains.KindNative, v, h, chains.Native, eth(1))})
	}
	b.tx([]chains.Transfer{move(chains.KindNative, thief, h, chains.Native, eth(100))})
	b.tx([]chains.Transfer{move(chains.KindNative, h, pool, chains.Native, eth(100))},
		chains.Event{Kind: chains.EventMixerDeposit, Contract: pool, From: h, Amount: eth(100), Pos: chains.Pos{Index: 2}})
	for _, to := range []chains.Address{v, w} {
		b.tx([]chains.Transfer{move(chains.KindInternal, pool, to, chains.Native, eth(99)), move(chains.KindInternal, pool, addr("relayer"), chains.Native, eth(1))},
			chains.Event{Kind: chains.EventMixerWithdrawal, Contract: pool, From: addr("relayer"), To: to, Relayer: addr("relayer"), Fee: eth(1), Amount: eth(100), Pos: chains.Pos{Index: 3}})
	}
	s := tempStore(t)
	b.commit(t, s)
	res, err := traceRoundTrip(t, s, nil, []chains.Node{chains.AccountOf(chains.Ethereum, thief, chains.Native)}, trace.Options{FollowMixers: true})
	if err != nil {
		t.Fatal(err)
	}
	var exits []trace.Finding
	for _, f := range res.Findings {
		if f.Kind == trace.FindingMixerExit {
			exits = append(exits, f)
		}
	}
	// H holds 105 ETH, 100 tainted, and deposits 100: floor(100*100/105)
	// tainted = 95238095238095238095 wei. W gets 99 of the 100 (the relayer
	// 1): 99/100 of that, floored.
	if len(exits) != 1 || exits[0].Address != w || exits[0].Heuristic != "linked-addresses" || exits[0].Confidence != trace.ConfidenceLinkedAddresses ||
		exits[0].Edge.Tainted.String() != "94285714285714285714" || exits[0].Edge.Amount.Cmp(eth(99)) != 0 {
		t.Fatalf("exit findings %+v", exits)
	}
	if got := res.Tainted[chains.AccountOf(chains.Ethereum, w, chains.Native)]; got == nil || got.String() != "94285714285714285714" {
		t.Errorf("--follow-mixers: W received %v tainted", got)
	}
}

// TestUnwrapLate is an unwrap whose ether reaches its sender before the
// WETH that pays for it leaves (as WETH9's withdraw pays before it logs
// Withdrawal), at an address the walk already follows in ether: the ether
// was stepped as clean, and turns tainted when the WETH's taint arrives.
//
//	blocks 1-2: the victim pays the thief 10 ETH, then 10 WETH (the
//	            seeds' funds);
//	block 3:    the thief pays R 10 ETH: R's ether is followed, 10 of 10
//	            tainted;
//	block 4:    the thief pays R 10 WETH (index 1); WETH pays R 10 ETH
//	            (index 2); R unwraps its 10 WETH (index 3); R pays X 20 ETH
//	            (index 4), or in block 5 ("later").
//
// At index 2 R holds 20 ETH, 10 tainted. The unwrap at index 3 converts
// R's 10 tainted WETH into the 10 ETH of index 2, already applied: they
// turn tainted, so R holds 20 tainted, and X gets all 20 under haircut
// (20·20/20) and under FIFO (both lots tainted). Were the late taint
// dropped, X would get 10. Paid in the unwrap's own transaction, the 20
// ETH are a payment, not R buying back the WETH it already passed on (as
// the walk once read them: X got nothing).
func TestUnwrapLate(t *testing.T) {
	victim, thief, r, x, weth := addr("victim"), addr("thief"), addr("R"), addr("X"), addr("weth")
	wethAsset := chains.Asset(weth)
	for _, later := range []bool{true, false} {
		var b ethBlocks
		b.tx([]chains.Transfer{move(chains.KindNative, victim, thief, chains.Native, eth(10))})
		b.tx([]chains.Transfer{move(chains.KindToken, victim, thief, wethAsset, eth(10))})
		b.tx([]chains.Transfer{move(chains.KindNative, thief, r, chains.Native, eth(10))})
		unwrap := []chains.Transfer{
			move(chains.KindToken, thief, r, wethAsset, eth(10)),
			move(chains.KindInternal, weth, r, chains.Native, eth(10)),
			move(chains.KindUnwrap, r, weth, wethAsset, eth(10)),
		}
		pay := move(chains.KindInternal, r, x, chains.Native, eth(20))
		if later {
			b.tx(unwrap)
			b.tx([]chains.Transfer{pay})
		} else {
			b.tx(append(unwrap, pay))
		}
		s := tempStore(t)
		b.commit(t, s)
		seeds := []chains.Node{chains.AccountOf(chains.Ethereum, thief, chains.Native), chains.AccountOf(chains.Ethereum, thief, wethAsset)}
		for _, m := range []trace.Model{trace.Haircut, trace.FIFO} {
			res, err := trace.Trace(context.Background(), s, nil, seeds, trace.Options{Model: m})
			if err != nil {
				t.Fatal(err)
			}
			got := new(big.Int)
			for _, e := range res.Edges {
				if e.To == chains.AccountOf(chains.Ethereum, x, chains.Native) {
					got.Add(got, e.Tainted)
				}
			}
			if got.Cmp(eth(20)) != 0 {
				t.Errorf("%s, payout later %v: X's 20 ETH carry %v wei tainted, want %v", m, later, got, eth(20))
			}
			if res.Late != 0 {
				t.Errorf("%s, payout later %v: %d late at UTXO transactions, want 0", m, later, res.Late)
			}
		}
	}
}
