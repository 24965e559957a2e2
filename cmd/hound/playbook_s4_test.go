package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/btcsuite/btcd/wire/v2"

	"github.com/houndtrace/hound/chains/bitcoin/btcdtest"
)

// TestPlaybookS4 is METHODS.md's S4 (section 7) on btcd regtest, synced
// with `hound sync bitcoin` and traced with `hound trace` from the thief's
// address: a Whirlpool 5x5 mix of inputs, in order, [0.05 C, 0.05 C,
// 0.05004 T, 0.05004 C, 0.05004 C] BTC, five outputs of 0.05 BTC and a fee
// of 0.00012 BTC. The mix has the shape trace/coinjoin_regtest_test.go's
// mix2 has, and meets Whirlpool's TX0 rule: its 0.05 inputs remix outputs
// of an earlier 5x5 mix, its 0.05004 inputs are premixes of TX0s (which
// carry an OP_RETURN). The tainted input is the thief's: the thief (a
// DPRK-labelled theft address) funds a TX0 of its own whose one premix is
// the mix's input 2, so that coin is wholly tainted; the other inputs come
// from a clean TX0 and a clean earlier mix. Every script is P2WPKH; the
// mix pays five distinct fresh addresses, which never spend.
//
// The chain, after 101 blocks that mature block 1's coinbase:
//
//   - block 102, fund: the coinbase pays the thief 1 BTC, the clean TX0's
//     owner 1 BTC and one coin of exactly the pool value, 5,000,000 sat
//     (it stands in for an output of a still earlier mix), the rest back
//     to the miner;
//   - block 103: the clean TX0 (OP_RETURN, Samourai's 175,000 sat fee,
//     six premixes of 5,004,000 sat, change) and the thief's TX0
//     (OP_RETURN, the fee, one premix of 5,004,000 sat, change);
//   - block 104, mix1: the 5,000,000 sat coin and four clean premixes, five
//     outputs of 5,000,000 sat (fee 16,000);
//   - block 105, mix: S4, [mix1:0, mix1:1, the thief's premix, clean
//     premix 5, clean premix 6] -> five outputs of 5,000,000 sat; fee
//     5,000,000·2 + 5,004,000·3 - 5,000,000·5 = 25,012,000 - 25,000,000 =
//     12,000 sat.
//
// Every expected amount is derived by hand below, to the satoshi.
func TestPlaybookS4(t *testing.T) {
	ctx := t.Context()
	r := startRegtest(t, "hound-playbook-s4")
	n, w := r.Node, r.Wallet
	const (
		pool   = 5_000_000 // the 0.05 BTC Whirlpool pool
		premix = 5_004_000 // a premix: the pool value and the mix's miner fee
		tx0Fee = 175_000   // Samourai's pool fee, paid by each TX0
	)
	// Key 0 is the miner's; every other key is one address of the
	// scenario, used once.
	const (
		thief, owner, earlier        = 1, 2, 3 // the funded coins
		samourai                     = 4       // the pool's fee address
		thiefPremix, thiefChange     = 5, 6
		ownerChange                  = 7
		cleanPremix0                 = 10 // ..15: the clean TX0's six premixes
		mix1Out0                     = 20 // ..24: mix1's outputs
		mixOut0                      = 30 // ..34: the S4 mix's outputs
		thiefCoin, ownerCoin, earlyC = 100_000_000, 100_000_000, pool
	)
	to := r.to
	addr := r.addr
	must := func(tx *wire.MsgTx, err error) *wire.MsgTx {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return tx
	}
	mine := func(txs ...*wire.MsgTx) {
		t.Helper()
		if _, err := n.Mine(ctx, txs...); err != nil {
			t.Fatal(err)
		}
	}
	// opReturn is a TX0's OP_RETURN: a 46-byte payload, as a real TX0's.
	opReturn := func(b byte) *wire.TxOut { return wire.NewTxOut(0, btcdtest.NullData(bytes.Repeat([]byte{b}, 46))) }

	// Block 102: 5,000,000,000 - 100,000,000 - 100,000,000 - 5,000,000 -
	// 10,000 (fee) = 4,794,990,000 back to the miner. The trace goes
	// forward from the thief's address only, so this is upstream of it.
	coinbase := w.UTXOs()[0]
	if coinbase.Value != 5_000_000_000 {
		t.Fatalf("coinbase of %d sat", coinbase.Value)
	}
	fund := must(n.SpendExact(ctx, []wire.OutPoint{coinbase.OutPoint},
		to(thief, thiefCoin), to(owner, ownerCoin), to(earlier, earlyC), to(0, 5_000_000_000-thiefCoin-ownerCoin-earlyC-10_000)))
	mine(fund)

	// Block 103. The clean TX0: 100,000,000 - 175,000 - 6·5,004,000 -
	// 2,000 (fee) = 69,799,000 change.
	cleanOuts := []*wire.TxOut{opReturn(0x5a), to(samourai, tx0Fee)}
	for i := range 6 {
		cleanOuts = append(cleanOuts, to(cleanPremix0+i, premix))
	}
	cleanOuts = append(cleanOuts, to(ownerChange, ownerCoin-tx0Fee-6*premix-2_000))
	cleanTX0 := must(n.SpendExact(ctx, btcdtest.OutPoints(fund, 1), cleanOuts...))
	cleanPremixes := btcdtest.OutPoints(cleanTX0, 2, 3, 4, 5, 6, 7)
	// The thief's TX0 spends the thief's coin alone: 100,000,000 - 175,000
	// - 5,004,000 - 2,000 (fee) = 94,819,000 change. Its outputs are
	// wholly tainted under every model (one wholly tainted input).
	thiefTX0 := must(n.SpendExact(ctx, btcdtest.OutPoints(fund, 0),
		opReturn(0xa5), to(samourai, tx0Fee), to(thiefPremix, premix), to(thiefChange, thiefCoin-tx0Fee-premix-2_000)))
	mine(cleanTX0, thiefTX0)

	// Block 104: mix1, 5,000,000 + 4·5,004,000 - 5·5,000,000 = 16,000 fee.
	var mix1Outs []*wire.TxOut
	for i := range 5 {
		mix1Outs = append(mix1Outs, to(mix1Out0+i, pool))
	}
	mix1 := must(n.SpendExact(ctx, append(btcdtest.OutPoints(fund, 2), cleanPremixes[:4]...), mix1Outs...))
	mine(mix1)

	// Block 105: the S4 mix, its inputs in S4's order.
	ins := append(btcdtest.OutPoints(mix1, 0, 1), btcdtest.OutPoints(thiefTX0, 2)[0], cleanPremixes[4], cleanPremixes[5])
	var mixOuts []*wire.TxOut
	for i := range 5 {
		mixOuts = append(mixOuts, to(mixOut0+i, pool))
	}
	mix := must(n.SpendExact(ctx, ins, mixOuts...))
	mine(mix)
	var inVals []int64
	for _, op := range ins {
		switch op.Hash {
		case mix1.TxHash():
			inVals = append(inVals, mix1.TxOut[op.Index].Value)
		case thiefTX0.TxHash():
			inVals = append(inVals, thiefTX0.TxOut[op.Index].Value)
		case cleanTX0.TxHash():
			inVals = append(inVals, cleanTX0.TxOut[op.Index].Value)
		}
	}
	var fee int64
	for _, v := range inVals {
		fee += v
	}
	for _, o := range mix.TxOut {
		fee -= o.Value
	}
	if !slices.Equal(inVals, []int64{pool, pool, premix, premix, premix}) || fee != 12_000 || len(mix.TxOut) != 5 {
		t.Fatalf("the mix's inputs %v, fee %d, %d outputs are not S4's", inVals, fee, len(mix.TxOut))
	}

	dir := filepath.Join(t.TempDir(), "store")
	labelFile := playbookLabels(t,
		fmt.Sprintf("bitcoin,%s,theft,Test Thief,DPRK,Lazarus Group,S4 2026,test case,authority_data", addr(thief)))
	mustHound(t, btcSyncArgs(n, n.URL(), dir)...)
	height, err := n.Height(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if height != 105 {
		t.Fatalf("height %d, want 105", height)
	}

	mixID, tx0ID := mix.TxHash().String(), thiefTX0.TxHash().String()
	mixNode, tx0Node := "bitcoin:tx:"+mixID, "bitcoin:tx:"+tx0ID
	// The mix's input addresses are five distinct addresses: were it no
	// CoinJoin, common-input ownership would make a cluster of them.
	inAddrs := []string{addr(mix1Out0), addr(mix1Out0 + 1), addr(thiefPremix), addr(cleanPremix0 + 4), addr(cleanPremix0 + 5)}
	slices.Sort(inAddrs)
	if len(slices.Compact(inAddrs)) != 5 {
		t.Fatalf("the mix's inputs are not of five addresses")
	}
	outIndex := map[string]int{} // the mix's output addresses, distinct, by index
	for i := range 5 {
		outIndex["bitcoin:"+addr(mixOut0+i)] = i
	}
	if len(outIndex) != 5 {
		t.Fatalf("the mix's outputs are not of five addresses")
	}
	tests := []struct {
		model string
		out   [5]string // tainted sat of the mix's outputs 0..4
	}{
		// Poison: any taint in taints every output in full.
		{"poison", [5]string{"5000000", "5000000", "5000000", "5000000", "5000000"}},
		// Haircut: the mix holds T = 5,004,000 tainted of V = 25,012,000;
		// each output gets floor(5,000,000 · 5,004,000 / 25,012,000) =
		// floor(25,020,000,000,000 / 25,012,000) = floor(1,000,319.846...)
		// = 1,000,319 sat (25,012,000 · 1,000,319 = 25,019,978,828,000,
		// remainder 21,172,000 < 25,012,000), METHODS.md's 0.0100031985
		// BTC floored to the satoshi. The fee keeps the rest, 5,004,000 -
		// 5·1,000,319 = 2,405 <= 12,000.
		{"haircut", [5]string{"1000319", "1000319", "1000319", "1000319", "1000319"}},
		// FIFO: the inputs in order span [0, 5,000,000) C, [5,000,000,
		// 10,000,000) C, [10,000,000, 15,004,000) T, then C; the outputs
		// in order [0, 5M), [5M, 10M), [10M, 15M), [15M, 20M), [20M, 25M):
		// out2 gets 5,000,000 tainted, out3 the 4,000 left, the rest 0.
		{"fifo", [5]string{"0", "0", "5000000", "4000", "0"}},
		// LIFO: the inputs reversed span [0, 5,004,000) C, [5,004,000,
		// 10,008,000) C, [10,008,000, 15,012,000) T, then C; out2 [10M,
		// 15M) gets 15,000,000 - 10,008,000 = 4,992,000, out3 [15M, 20M)
		// the 12,000 left, the rest 0.
		{"lifo", [5]string{"0", "0", "4992000", "12000", "0"}},
	}
	for _, tt := range tests {
		doc, raw := playbookTrace(t, "bitcoin:"+addr(thief), tt.model, dir, labelFile)
		if doc.Heights["bitcoin"] != uint64(height) {
			t.Errorf("%s: heights %v, want bitcoin %d", tt.model, doc.Heights, height)
		}
		// The findings: the mix only. The thief's TX0 spends one coin (no
		// common-input cluster) to four outputs (no peel step, which is
		// 1-in/2-out, and no CoinJoin); the mix is a Whirlpool CoinJoin, so
		// common-input ownership does not apply to it (no cluster of its
		// five input addresses); no flow reaches a labelled address.
		var kinds []string
		for _, f := range doc.Findings {
			kinds = append(kinds, f.Kind)
		}
		if !slices.Equal(kinds, []string{"coinjoin"}) {
			t.Fatalf("%s: findings %v, want [coinjoin]:\n%s", tt.model, kinds, raw)
		}
		// The coinjoin finding is named by the mix's txid (address) and
		// sits on the edge that brought the taint in: the thief's premix,
		// wholly tainted (5,004,000 of 5,004,000 sat) under every model,
		// flowing from the thief's TX0 into the mix. A transaction-to-
		// transaction edge carries the transaction that made the coin, so
		// the finding's tx and block are the TX0's (block 103), at hop 1
		// (hop 0 is the thief's coin entering the TX0). Its path is those
		// two flows.
		cj := doc.Findings[0]
		if cj.Chain != "bitcoin" || cj.CoinJoin != "whirlpool" || cj.Address != mixID || cj.Tx != tx0ID || cj.Block != 103 ||
			cj.Heuristic != "coinjoin:whirlpool" || cj.Amount != "5004000" || cj.Tainted != "5004000" || cj.Hop != 1 ||
			len(cj.Members) != 0 || len(cj.Path) != 2 {
			t.Errorf("%s: coinjoin finding %+v", tt.model, cj)
		} else if p0, p1 := cj.Path[0], cj.Path[1]; p0.From != "bitcoin:"+addr(thief) || p0.To != tx0Node || p0.Tainted != "100000000" ||
			p1.From != tx0Node || p1.To != mixNode || p1.Tainted != "5004000" {
			t.Errorf("%s: coinjoin path %+v", tt.model, cj.Path)
		}
		// Taint enters the mix by one edge only, the thief's premix: its
		// other four inputs (two remixed mix1 outputs, two clean premixes)
		// carry none.
		var into []string
		for _, e := range doc.Edges {
			if e.To == mixNode {
				into = append(into, fmt.Sprintf("%s %s/%s hop %d", e.From, e.Tainted, e.Amount, e.Hop))
			}
		}
		if want := []string{tx0Node + " 5004000/5004000 hop 1"}; !slices.Equal(into, want) {
			t.Errorf("%s: edges into the mix %v, want %v", tt.model, into, want)
		}
		// The mix's outputs, by index (hop 2). The trace draws an edge for
		// a flow that carries taint only, so an output without one holds
		// none.
		var got [5]string
		for _, e := range doc.Edges {
			if e.From != mixNode {
				continue
			}
			i, ok := outIndex[e.To]
			if !ok || e.Tx != mixID || e.Block != 105 || e.Amount != "5000000" || e.Hop != 2 || got[i] != "" || e.Tainted == "0" {
				t.Errorf("%s: edge from the mix %+v", tt.model, e)
				continue
			}
			got[i] = e.Tainted
		}
		for i := range got {
			if got[i] == "" {
				got[i] = "0"
			}
		}
		if got != tt.out {
			t.Errorf("%s: the mix's outputs tainted %v, want %v:\n%s", tt.model, got, tt.out, raw)
		}
	}
}
