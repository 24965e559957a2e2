package main

import (
	"context"
	"fmt"
	"math/big"
	"path/filepath"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
	"github.com/ethereum/go-ethereum/common"

	"github.com/houndtrace/hound/chains/bitcoin/btcdtest"
	"github.com/houndtrace/hound/chains/ethereum/ethtest"
)

// The freeze-request packet (hound trace --format freeze) of METHODS.md's
// scenarios S5 and S1, played again on real chains as in
// playbook_eth_test.go and playbook_btc_test.go: exactly the deposit
// addresses an exchange must freeze, with the deposit transactions and
// their amounts, under every model.

// TestFreezeS5: A (DPRK-labelled) sends 10 ETH to D at block 100; D sweeps
// 9.999 ETH to the exchange's hot wallet X at block 130; B (clean) sends 5
// ETH to D at block 500; D sweeps 4.9995 ETH at block 510. The packet has
// one row: D received 10 tainted ETH from A at block 100, swept at block
// 130. B's deposit brought no taint, so the second sweep adds no deposit to
// freeze (what taint it forwards under FIFO or haircut is what was left of
// A's deposit, already listed).
func TestFreezeS5(t *testing.T) {
	const funder, a, b, d = 0, 1, 2, 3
	ec, err := ethtest.Start(ethtest.Options{Accounts: 1, Unfunded: 3, ZeroGasPrice: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ec.Close()
	c := pbChain{t, ec}
	x := common.HexToAddress("0x000000000000000000000000000000000000e7c5")
	var deposit, sweep1 common.Hash
	c.commitAt(1, func() { c.tx(c.SendETH(funder, c.Addr(a), ether(10))) })
	c.commitAt(100, func() { deposit = c.tx(c.SendETH(a, c.Addr(d), ether(10))) })
	c.commitAt(130, func() { sweep1 = c.tx(c.SendETH(d, x, pbWei(t, "9999000000000000000"))) })
	c.commitAt(499, func() { c.tx(c.SendETH(funder, c.Addr(b), ether(5))) })
	c.commitAt(500, func() { c.tx(c.SendETH(b, c.Addr(d), ether(5))) })
	c.commitAt(510, func() { c.tx(c.SendETH(d, x, pbWei(t, "4999500000000000000"))) })
	header, err := c.Client().HeaderByNumber(context.Background(), big.NewInt(100))
	if err != nil {
		t.Fatal(err)
	}

	dir := filepath.Join(t.TempDir(), "store")
	labelFile := pbLabels(t,
		fmt.Sprintf("ethereum,%s,theft,Test Exploiter,DPRK,Lazarus Group,Test S5,test case,authority_data", pbLower(c.Addr(a))),
		fmt.Sprintf("ethereum,%s,exchange,Test Exchange,,,,test case,service_data", pbLower(x)))
	mustHound(t, "sync", "ethereum", "--rpc", c.URL(), "--store", dir, "--confirmations", "0", "--quiet")
	ten := ether(10).String()
	want := []map[string]string{{"exchange": "Test Exchange", "deposit_address": pbLower(c.Addr(d)), "chain": "ethereum",
		"tx": deposit.Hex(), "block": "100", "time": time.Unix(int64(header.Time), 0).UTC().Format(time.RFC3339),
		"amount": ten, "tainted": ten, "asset": "native", "symbol": "ETH", "amount_display": "10 ETH", "tainted_display": "10 ETH",
		"wallet": pbLower(x), "sweep_tx": sweep1.Hex(), "finding": "exchange_deposit",
		// κ of the first sweep: (0.9 + 0.990625)/2 (playbook_eth_test.go).
		"confidence": "0.9453125", "heuristic": "deposit-address", "hop": "1"}}
	for _, model := range []string{"haircut", "fifo", "lifo"} {
		raw := mustHound(t, "trace", "ethereum:"+pbLower(c.Addr(a)), "--model", model, "--store", dir, "--labels", labelFile, "--format", "freeze")
		checkFreezeRows(t, "S5 "+model, readFreeze(t, raw), want)
	}
}

// TestFreezeS1: the thief's 10 BTC peel 1 BTC to X1 and 1.5 BTC to X2, which
// a labelled exchange later spends with its own coin (they are its deposit
// addresses); the change goes on to an OTC desk (a service, not an
// exchange: no row). The packet lists X1 and X2, wholly tainted under
// every model, each spent in the exchange's consolidation.
func TestFreezeS1(t *testing.T) {
	ctx := t.Context()
	n, err := btcdtest.Start(ctx, t, btcdtest.Options{Seed: "hound-playbook-s1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Generate(ctx, 101); err != nil {
		t.Fatal(err)
	}
	w := n.Wallet
	const thief, x1, c1, x2, c2, k, otc, c3, hot = 1, 2, 3, 4, 5, 6, 7, 8, 9
	to := func(key int, sats int64) *wire.TxOut {
		return &wire.TxOut{Value: sats, PkScript: w.Script(btcdtest.P2WPKH, key)}
	}
	addr := func(key int) string {
		a, err := w.Address(btcdtest.P2WPKH, key)
		if err != nil {
			t.Fatal(err)
		}
		return a.String()
	}
	// exact mines a transaction of exactly these inputs and outputs in a
	// block of its own, and returns it with its block's height and time.
	type mined struct {
		tx    *wire.MsgTx
		block string
		time  string
	}
	exact := func(ins []wire.OutPoint, outs ...*wire.TxOut) mined {
		t.Helper()
		tx, err := n.SpendExact(ctx, ins, outs...)
		if err != nil {
			t.Fatal(err)
		}
		hash, err := n.Mine(ctx, tx)
		if err != nil {
			t.Fatal(err)
		}
		h, err := n.Client().GetBlockHeaderVerbose((*chainhash.Hash)(hash))
		if err != nil {
			t.Fatal(err)
		}
		return mined{tx, fmt.Sprint(h.Height), time.Unix(h.Time, 0).UTC().Format(time.RFC3339)}
	}
	// The amounts of playbook_btc_test.go's S1: fees of 10,000 sat each.
	coinbase := w.UTXOs()[0]
	fund := exact([]wire.OutPoint{coinbase.OutPoint}, to(thief, 1_000_000_000), to(k, 100_010_000), to(hot, 50_000_000), to(0, 3_849_980_000))
	tx1 := exact(btcdtest.OutPoints(fund.tx, 0), to(x1, 100_000_000), to(c1, 899_990_000))
	tx2 := exact(btcdtest.OutPoints(tx1.tx, 1), to(x2, 150_000_000), to(c2, 749_980_000))
	exact(append(btcdtest.OutPoints(tx2.tx, 1), btcdtest.OutPoints(fund.tx, 1)...), to(otc, 200_000_000), to(c3, 649_980_000))
	consolidation := exact(append(btcdtest.OutPoints(fund.tx, 2), append(btcdtest.OutPoints(tx1.tx, 0), btcdtest.OutPoints(tx2.tx, 0)...)...),
		to(hot, 299_990_000))

	dir := filepath.Join(t.TempDir(), "store")
	labelFile := playbookLabels(t,
		fmt.Sprintf("bitcoin,%s,theft,Test Thief,DPRK,Lazarus Group,S1 2026,test case,authority_data", addr(thief)),
		fmt.Sprintf("bitcoin,%s,exchange,Test Exchange,,,,test case,service_data", addr(hot)),
		fmt.Sprintf("bitcoin,%s,otc,Test OTC Desk,,,,test case,service_data", addr(otc)))
	mustHound(t, btcSyncArgs(n, n.URL(), dir)...)

	row := func(key int, m mined, sats, display, hop string) map[string]string {
		return map[string]string{"exchange": "Test Exchange", "deposit_address": addr(key), "chain": "bitcoin", "tx": m.tx.TxHash().String(),
			"block": m.block, "time": m.time, "amount": sats, "tainted": sats, "asset": "native", "symbol": "BTC",
			"amount_display": display, "tainted_display": display, "wallet": addr(hot), "sweep_tx": consolidation.tx.TxHash().String(),
			"finding": "exchange_deposit", "confidence": "0.9", "heuristic": "cluster", "hop": hop}
	}
	want := []map[string]string{row(x1, tx1, "100000000", "1 BTC", "1"), row(x2, tx2, "150000000", "1.5 BTC", "2")}
	for _, model := range []string{"haircut", "fifo", "lifo", "poison"} {
		raw := mustHound(t, "trace", "bitcoin:"+addr(thief), "--model", model, "--store", dir, "--labels", labelFile, "--format", "freeze")
		checkFreezeRows(t, "S1 "+model, readFreeze(t, raw), want)
	}
}
