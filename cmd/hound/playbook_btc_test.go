package main

import (
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/wire/v2"
	"github.com/ethereum/go-ethereum/common"

	"github.com/houndtrace/hound/chains/bitcoin/btcdtest"
	"github.com/houndtrace/hound/chains/ethereum/ethtest"
	"github.com/houndtrace/hound/trace/report"
)

// These tests play METHODS.md's laundering playbook scenarios S1 and S3
// (section 7) on REAL chains: a btcd regtest node and the in-process
// Ethereum chain, synced with `hound sync` and traced with `hound trace`.
// Every expected amount is derived by hand in the comments, to the base
// unit, from the amounts the tests send; none is computed by Hound's code.

// playbookLabels writes a label file in Hound's CSV format, one row a line.
func playbookLabels(t *testing.T, rows ...string) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "labels.csv")
	body := "chain,address,category,entity,actor,group,campaign,source,confidence\n" + strings.Join(rows, "\n") + "\n"
	if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

// playbookTrace runs `hound trace SUBJECT --format json --model MODEL`, checks the
// document against the schema, and decodes it. The trace is saved as a case
// too, which a rerun over the same blocks must continue to the same result.
func playbookTrace(t *testing.T, subject, model, dir, labelFile string) (report.Document, string) {
	t.Helper()
	raw := tracedAndRerun(t, "trace", subject, "--model", model, "--store", dir, "--labels", labelFile)
	var doc report.Document
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		t.Fatalf("%s: %v\n%s", model, err, raw)
	}
	validateTrace(t, raw)
	if doc.Schema != "hound.trace/v1" || doc.Model != model {
		t.Fatalf("%s: schema %q model %q", model, doc.Schema, doc.Model)
	}
	return doc, raw
}

// TestPlaybookS1 is METHODS.md's S1 on btcd regtest: the thief's 10 BTC peel
// 1 BTC to X1 and 1.5 BTC to X2 (a peel chain), then the change C2 joins an
// unrelated key K's clean 1.0001 BTC to pay a labelled OTC desk 2 BTC (a
// cluster of C2 and K). X1 and X2 are unlabelled; a labelled exchange hot
// wallet later spends its own coin together with theirs in one
// consolidation: they are its deposit addresses (co-spend). Every
// transaction pays exactly 10,000 sat (0.0001 BTC) in fees.
func TestPlaybookS1(t *testing.T) {
	ctx := t.Context()
	r := startRegtest(t, "hound-playbook-s1")
	n, w := r.Node, r.Wallet
	// Key 0 is the miner's; every other key is one address of the scenario.
	const thief, x1, c1, x2, c2, k, otc, c3, hot = 1, 2, 3, 4, 5, 6, 7, 8, 9
	to := r.to
	addr := r.addr
	exact := r.exact
	// The funding: block 1's 50 BTC coinbase pays the thief's 10 BTC, K's
	// 1.0001 BTC and the hot wallet's own 0.5 BTC, the rest back to the
	// miner: 5,000,000,000 - 1,000,000,000 - 100,010,000 - 50,000,000 -
	// 10,000 = 3,849,980,000. The trace starts at the thief's address and
	// goes forward only, so this transaction is upstream of it.
	coinbase := w.UTXOs()[0]
	if coinbase.Value != 5_000_000_000 {
		t.Fatalf("coinbase of %d sat", coinbase.Value)
	}
	fund := exact([]wire.OutPoint{coinbase.OutPoint}, to(thief, 1_000_000_000), to(k, 100_010_000), to(hot, 50_000_000), to(0, 3_849_980_000))
	// tx1: 10 BTC -> X1 1.0, C1 8.9999 (fee 10,000).
	tx1 := exact(btcdtest.OutPoints(fund, 0), to(x1, 100_000_000), to(c1, 899_990_000))
	// tx2: C1 -> X2 1.5, C2 7.4998 (fee 10,000).
	tx2 := exact(btcdtest.OutPoints(tx1, 1), to(x2, 150_000_000), to(c2, 749_980_000))
	// tx3: C2 (7.4998, first) + K (1.0001) = 8.4999 -> OTC 2.0, C3 6.4998 (fee 10,000).
	tx3 := exact(append(btcdtest.OutPoints(tx2, 1), btcdtest.OutPoints(fund, 1)...), to(otc, 200_000_000), to(c3, 649_980_000))
	// Later the exchange consolidates: its own 0.5 BTC, X1's 1.0 and X2's
	// 1.5 -> hot 2.9999 (fee 10,000).
	consolidation := exact(append(btcdtest.OutPoints(fund, 2), append(btcdtest.OutPoints(tx1, 0), btcdtest.OutPoints(tx2, 0)...)...), to(hot, 299_990_000))

	dir := filepath.Join(t.TempDir(), "store")
	labelFile := playbookLabels(t,
		fmt.Sprintf("bitcoin,%s,theft,Test Thief,DPRK,Lazarus Group,S1 2026,test case,authority_data", addr(thief)),
		fmt.Sprintf("bitcoin,%s,exchange,Test Exchange,,,,test case,service_data", addr(hot)),
		fmt.Sprintf("bitcoin,%s,otc,Test OTC Desk,,,,test case,service_data", addr(otc)))
	mustHound(t, btcSyncArgs(n, n.URL(), dir)...)
	height, err := n.Height(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// The cluster's members, sorted as strings.
	members := []string{addr(c2), addr(k)}
	if members[0] > members[1] {
		members[0], members[1] = members[1], members[0]
	}
	tests := []struct {
		model string
		otc   string // tainted sat reaching the OTC desk
	}{
		// tx1 and tx2 have one wholly tainted input, so X1, C1, X2 and C2
		// are wholly tainted under every model (haircut: o*V/V = o; FIFO:
		// the taint fills the outputs in order, the fee comes last).
		// tx3 holds T = 749,980,000 tainted of V = 849,990,000:
		// haircut: floor(200,000,000 * 749,980,000 / 849,990,000) = 176,467,958
		// (149,996,000,000,000,000 / 849,990,000 = 176,467,958.4...);
		// C3 keeps floor(649,980,000 * 749,980,000 / 849,990,000) = 573,503,218.
		{"haircut", "176467958"},
		// FIFO: C2's input comes first and is all tainted: its 749,980,000
		// fill the OTC desk's 200,000,000 (then 549,980,000 of C3).
		{"fifo", "200000000"},
	}
	for _, tt := range tests {
		doc, raw := playbookTrace(t, "bitcoin:"+addr(thief), tt.model, dir, labelFile)
		if doc.Heights["bitcoin"] != uint64(height) {
			t.Errorf("%s: heights %v, want bitcoin %d", tt.model, doc.Heights, height)
		}
		if len(doc.Findings) != 5 {
			t.Fatalf("%s: %d findings, want 5:\n%s", tt.model, len(doc.Findings), raw)
		}
		// Ordered by (hop, position, kind): the peel chain where the
		// thief's coin enters tx1 (hop 0); X1's coin, spent in the
		// consolidation (hop 1); at hop 2 X2's coin (tx2's output 0) before
		// C2's (tx2's output 1, the cluster); the OTC desk (hop 3).
		peel, dep1, dep2, cl, svc := doc.Findings[0], doc.Findings[1], doc.Findings[2], doc.Findings[3], doc.Findings[4]

		// tx1 and tx2 are each 1-in/2-out and spend the one before's
		// larger output: a peel chain of 2 transactions that peeled
		// 100,000,000 + 150,000,000 = 250,000,000 sat, named by its first
		// transaction. tx3 (two inputs) is no peel step.
		if peel.Kind != "peel_chain" || peel.Chain != "bitcoin" || peel.Address != tx1.TxHash().String() || peel.Length != 2 ||
			peel.Total != "250000000" || peel.Hop != 0 {
			t.Errorf("%s: peel chain finding %+v", tt.model, peel)
		}
		for i, want := range []struct {
			f       report.Finding
			address string
			tainted string
			hop     int
			pathTxs []string // the transactions that made the coins the path's steps after the first move
		}{
			{dep1, addr(x1), "100000000", 1, []string{tx1.TxHash().String()}},
			{dep2, addr(x2), "150000000", 2, []string{tx1.TxHash().String(), tx2.TxHash().String()}},
		} {
			f := want.f
			// Wholly tainted coins: amount = tainted = the deposit's value.
			// The consolidation put the deposit address in the exchange's
			// stored cluster, so the trace knows it the moment the coin
			// arrives (heuristic cluster).
			if f.Kind != "exchange_deposit" || f.Chain != "bitcoin" || f.Address != want.address || f.Amount != want.tainted ||
				f.Tainted != want.tainted || f.Hop != want.hop || f.Wallet != addr(hot) || f.Entity != "Test Exchange" ||
				f.Heuristic != "cluster" || len(f.Path) != want.hop+1 {
				t.Errorf("%s: deposit finding %d: %+v", tt.model, i, f)
				continue
			}
			// The path starts with the thief's coin entering tx1.
			if p := f.Path[0]; p.From != "bitcoin:"+addr(thief) || p.Tx != tx1.TxHash().String() || p.Tainted != "1000000000" {
				t.Errorf("%s: deposit %d: path starts %+v", tt.model, i, p)
			}
			for j, h := range want.pathTxs {
				if got := f.Path[j+1].Tx; got != h {
					t.Errorf("%s: deposit %d: path step %d in tx %s, want %s", tt.model, i, j+1, got, h)
				}
			}
		}
		// tx3 spends C2's tainted coin with K's clean one: common-input
		// ownership puts C2's and K's addresses in one cluster; the finding
		// sits on the last tainted input, C2's 749,980,000 sat.
		if cl.Kind != "cluster" || cl.Chain != "bitcoin" || strings.Join(cl.Members, " ") != strings.Join(members, " ") ||
			cl.Hop != 2 || cl.Tainted != "749980000" || cl.Amount != "749980000" || cl.Heuristic != "common-input" {
			t.Errorf("%s: cluster finding %+v, want members %v", tt.model, cl, members)
		}
		// The OTC desk: a labelled service, reached by tx3's output 0.
		if svc.Kind != "service" || svc.Chain != "bitcoin" || svc.Address != addr(otc) || svc.Entity != "Test OTC Desk" || svc.Category != "otc" ||
			svc.Amount != "200000000" || svc.Tainted != tt.otc || svc.Hop != 3 || svc.Tx != tx3.TxHash().String() || len(svc.Path) != 4 {
			t.Errorf("%s: service finding %+v, want tainted %s", tt.model, svc, tt.otc)
		} else {
			for j, h := range []string{tx1.TxHash().String(), tx2.TxHash().String(), tx3.TxHash().String()} {
				if got := svc.Path[j+1].Tx; got != h {
					t.Errorf("%s: OTC path step %d in tx %s, want %s", tt.model, j+1, got, h)
				}
			}
		}
	}

	// The freeze-request packet (--format freeze) lists X1 and X2, wholly
	// tainted under every model, each spent in the exchange's
	// consolidation; the OTC desk is a service, not an exchange: no row.
	row := func(key int, tx *wire.MsgTx, sats, display, hop string) map[string]string {
		return map[string]string{"exchange": "Test Exchange", "deposit_address": addr(key), "chain": "bitcoin", "tx": tx.TxHash().String(),
			"amount": sats, "tainted": sats, "asset": "native", "symbol": "BTC", "amount_display": display, "tainted_display": display,
			"wallet": addr(hot), "sweep_tx": consolidation.TxHash().String(), "finding": "exchange_deposit", "confidence": "0.9",
			"heuristic": "cluster", "hop": hop}
	}
	want := []map[string]string{row(x1, tx1, "100000000", "1 BTC", "1"), row(x2, tx2, "150000000", "1.5 BTC", "2")}
	for _, model := range []string{"haircut", "fifo", "lifo", "poison"} {
		raw := mustHound(t, "trace", "bitcoin:"+addr(thief), "--model", model, "--store", dir, "--labels", labelFile, "--format", "freeze")
		checkFreezeRows(t, "S1 "+model, readFreeze(t, raw), want)
	}
}

// TestPlaybookS3 is METHODS.md's S3 across two real chains. On the
// in-process Ethereum chain (zero gas price, so every wei is exact) H6
// holds 30 ETH clean, receives 20 ETH from a DPRK-labelled seed, and
// deposits 40 ETH into the project's THORChain-style router with a memo
// asking for BTC at a real regtest address <dest>. On btcd regtest the
// vault pays 1.52 BTC to <dest> with OP_RETURN OUT:<deposit hash>, and
// <dest> pays a labelled exchange. Both chains are synced into one store
// and traced from the Ethereum seed.
func TestPlaybookS3(t *testing.T) {
	ctx := t.Context()
	// Ethereum: key 0 is funded (the victim, and the source of H6's clean
	// money); the others start empty, so their balances are exactly what
	// the chain shows them receive.
	c, err := ethtest.Start(ethtest.Options{Accounts: 1, Unfunded: 3, ZeroGasPrice: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const victim, seed, h6, vaultETH = 0, 1, 2, 3
	check := func(h common.Hash, err error) common.Hash {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	commit := func() {
		t.Helper()
		if _, err := c.Commit(); err != nil {
			t.Fatal(err)
		}
	}

	// Bitcoin: the wallet's key 0 mines; the vault, <dest> and the
	// exchange's hot wallet are keys of their own.
	r := startRegtest(t, "hound-playbook-s3")
	n, w := r.Node, r.Wallet
	const vault, dest, hot = 1, 2, 3
	to := r.to
	btcAddr := r.addr
	destAddr := btcAddr(dest)
	if !strings.HasPrefix(destAddr, "bcrt1q") {
		t.Fatalf("dest %s is no regtest P2WPKH address", destAddr)
	}
	mine := func(tx *wire.MsgTx, err error) *wire.MsgTx {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := n.Mine(ctx, tx); err != nil {
			t.Fatal(err)
		}
		return tx
	}

	// The Ethereum side, one step a block.
	router, h, err := c.Deploy(victim, "Router", nil)
	check(h, err)
	commit()
	check(c.SendETH(victim, c.Addr(h6), ether(30))) // H6's clean 30 ETH, first
	commit()
	check(c.SendETH(victim, c.Addr(seed), ether(20))) // the theft
	commit()
	hop1 := check(c.SendETH(seed, c.Addr(h6), ether(20))) // hop 1: H6 now holds 30 C + 20 T
	commit()
	memo := "=:b:" + destAddr + ":0/1/0:t:0"
	expiry := big.NewInt(1 << 62)
	deposit := check(c.Transact(h6, router, "Router", "depositWithExpiry", ether(40), c.Addr(vaultETH), common.Address{}, big.NewInt(0), memo, expiry))
	commit() // hop 2: 40 ETH through the router to the vault
	block, err := c.Client().BlockNumber(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// The Bitcoin side. Block 1's 50 BTC coinbase funds the vault with 10
	// BTC (Spend: fee 10,000, change 3,999,990,000 to the miner).
	coinbase := w.UTXOs()[0]
	if coinbase.Value != 5_000_000_000 {
		t.Fatalf("coinbase of %d sat", coinbase.Value)
	}
	funding, err := n.Spend(ctx, []wire.OutPoint{coinbase.OutPoint}, to(vault, 1_000_000_000))
	mine(funding, err)
	// The vault's outbound: 152,000,000 sat to <dest>, 847,990,000 back to
	// the vault, and OP_RETURN OUT:<the deposit's hash, uppercase, no 0x>;
	// fee 1,000,000,000 - 152,000,000 - 847,990,000 = 10,000.
	outMemo := "OUT:" + strings.ToUpper(strings.TrimPrefix(deposit.Hex(), "0x"))
	payout := mine(n.SpendExact(ctx, btcdtest.OutPoints(funding, 0),
		to(dest, 152_000_000), to(vault, 847_990_000), wire.NewTxOut(0, btcdtest.NullData([]byte(outMemo)))))
	// <dest> pays the exchange all but the fee: 152,000,000 - 10,000.
	spend := mine(n.SpendExact(ctx, btcdtest.OutPoints(payout, 0), to(hot, 151_990_000)))

	dir := filepath.Join(t.TempDir(), "store")
	lower := func(a common.Address) string { return strings.ToLower(a.Hex()) }
	labelFile := playbookLabels(t,
		fmt.Sprintf("ethereum,%s,theft,Test Exploiter,DPRK,Lazarus Group,S3 2026,test case,authority_data", lower(c.Addr(seed))),
		fmt.Sprintf("bitcoin,%s,exchange,Test Exchange,,,,test case,service_data", btcAddr(hot)))
	mustHound(t, "sync", "ethereum", "--rpc", c.URL(), "--store", dir, "--confirmations", "0", "--quiet", "--log-level", "error")
	mustHound(t, btcSyncArgs(n, n.URL(), dir)...)
	height, err := n.Height(ctx)
	if err != nil {
		t.Fatal(err)
	}

	depositHash := strings.ToLower(deposit.Hex())
	// hound tx shows the router's Deposit event the bridge finding rests on.
	var tx struct {
		Events []struct{ Kind, Contract, To, Amount, Memo string }
	}
	if err := json.Unmarshal([]byte(mustHound(t, "tx", "ethereum:"+depositHash, "--store", dir, "--format", "json")), &tx); err != nil {
		t.Fatal(err)
	}
	if len(tx.Events) != 1 || tx.Events[0].Kind != "bridge_deposit" || tx.Events[0].Contract != lower(router) || tx.Events[0].To != lower(c.Addr(vaultETH)) ||
		tx.Events[0].Amount != ether(40).String() || tx.Events[0].Memo != memo {
		t.Errorf("hound tx events: %+v", tx.Events)
	}
	tests := []struct {
		model string
		eth   string // tainted wei of H6's 40 ETH deposit
		btc   string // tainted sat of the 152,000,000 sat payout
		hot   string // tainted sat of the 151,990,000 sat paid to the exchange
	}{
		// Haircut: H6 holds 50 ETH, 20 tainted: 40 * 20/50 = 16 ETH (0.40).
		// The payout carries 152,000,000 * 16/40 = 60,800,000 sat; <dest>'s
		// one-input spend: floor(151,990,000 * 60,800,000 / 152,000,000) =
		// 60,796,000 (60,796,000 exactly: 151,990,000 * 0.4), the fee the
		// other 4,000.
		{"haircut", "16000000000000000000", "60800000", "60796000"},
		// FIFO: the oldest 30 ETH are clean, then 10 of the 20 tainted
		// (0.25): 152,000,000 * 10/40 = 38,000,000 sat. The one input's
		// tainted part fills the 151,990,000 sat output first; the fee,
		// served last, takes clean sat: 38,000,000.
		{"fifo", "10000000000000000000", "38000000", "38000000"},
		// LIFO: the newest 20 ETH are all tainted, then 20 clean (0.50):
		// 152,000,000 * 20/40 = 76,000,000 sat; one input, reversed is the
		// same: its 76,000,000 tainted fill the output before the fee.
		{"lifo", "20000000000000000000", "76000000", "76000000"},
	}
	for _, tt := range tests {
		doc, raw := playbookTrace(t, "ethereum:"+lower(c.Addr(seed)), tt.model, dir, labelFile)
		if doc.Heights["bitcoin"] != uint64(height) || doc.Heights["ethereum"] != block {
			t.Errorf("%s: heights %v, want bitcoin %d ethereum %d", tt.model, doc.Heights, height, block)
		}
		if len(doc.Findings) != 2 {
			t.Fatalf("%s: %d findings, want 2:\n%s", tt.model, len(doc.Findings), raw)
		}
		br, ex := doc.Findings[0], doc.Findings[1]
		// The bridge: hop 2 (seed -> H6, H6 -> router), the deposit's 40
		// ETH with its tainted wei, the memo decoded, and the payout linked
		// exactly by its OUT:<hash> memo (confidence 1).
		if br.Kind != "bridge" || br.Chain != "ethereum" || br.Address != lower(router) || br.Tx != depositHash ||
			br.Amount != ether(40).String() || br.Tainted != tt.eth || br.Hop != 2 || br.Confidence != "1" ||
			br.Decoded != "=:BTC.BTC:"+destAddr+":0/1/0:t:0" {
			t.Errorf("%s: bridge finding %+v", tt.model, br)
		}
		if d := br.Destination; d == nil || d.Chain != "bitcoin" || d.Address != destAddr {
			t.Errorf("%s: bridge destination %+v, want bitcoin %s", tt.model, d, destAddr)
		}
		if o := br.Outbound; o == nil || o.Chain != "bitcoin" || o.Tx != payout.TxHash().String() || o.Amount != "152000000" || o.Tainted != tt.btc {
			t.Errorf("%s: bridge outbound %+v, want tx %s, 152000000 sat with %s tainted", tt.model, br.Outbound, payout.TxHash(), tt.btc)
		}
		// The exchange, on Bitcoin, two hops after the bridge: the payout
		// (hop 3) and <dest>'s spend to the hot wallet (hop 4).
		if ex.Kind != "exchange" || ex.Chain != "bitcoin" || ex.Address != btcAddr(hot) || ex.Entity != "Test Exchange" ||
			ex.Tx != spend.TxHash().String() || ex.Amount != "151990000" || ex.Tainted != tt.hot || ex.Hop != 4 {
			t.Errorf("%s: exchange finding %+v, want tainted %s", tt.model, ex, tt.hot)
		}
		// Its path crosses the chains: seed -> H6 and H6 -> router on
		// Ethereum (the deposit), then the vault's payout and <dest>'s spend
		// on Bitcoin.
		want := []struct{ chain, tx, tainted string }{
			{"ethereum", strings.ToLower(hop1.Hex()), ether(20).String()},
			{"ethereum", depositHash, tt.eth},
			{"bitcoin", payout.TxHash().String(), tt.btc},
			{"bitcoin", spend.TxHash().String(), tt.hot},
		}
		if len(ex.Path) != len(want) {
			t.Errorf("%s: exchange path of %d steps, want %d: %+v", tt.model, len(ex.Path), len(want), ex.Path)
			continue
		}
		for i, s := range want {
			p := ex.Path[i]
			if p.Chain != s.chain || p.Tx != s.tx || p.Tainted != s.tainted {
				t.Errorf("%s: exchange path step %d: %+v, want %s tx %s tainted %s", tt.model, i, p, s.chain, s.tx, s.tainted)
			}
		}
		if ex.Path[0].From != "ethereum:"+lower(c.Addr(seed)) || ex.Path[3].To != "bitcoin:"+btcAddr(hot) {
			t.Errorf("%s: exchange path from %s to %s", tt.model, ex.Path[0].From, ex.Path[3].To)
		}
	}
}
