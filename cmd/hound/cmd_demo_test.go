package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/houndtrace/hound/chains/ethereum/ethtest"
	"github.com/houndtrace/hound/trace/report"
)

// TestDemo runs the README's first command: the playbook plays on the
// in-process chains, both sync, and the trace from the exploiter finds
// every step, in order, with the taint the haircut model gives it; the
// JSON written beside it follows the schema and says the same; the
// freeze-request packet names the exchange's deposits, and the report
// (--report) works in a real browser.
func TestDemo(t *testing.T) {
	dir := t.TempDir()
	page, store := filepath.Join(dir, "report.html"), filepath.Join(dir, "store")
	out := mustHound(t, "demo", "--dir", dir, "--report", page, "--store", store)
	a := demoAddresses(t)
	lower := func(c common.Address) string { return strings.ToLower(c.Hex()) }

	for _, want := range []string{
		// 28 transactions: 6 deployments; the pair's USDC, the WETH wrap,
		// the victim's USDC and H5's clean ether; the WETH moved to the
		// pair; sync; the theft and the approval; the swap; 5 fan-out
		// payments; 4 pool deposits; the router deposit; the withdrawal;
		// H2's payment and the sweep. Transfers: 14 native (the wrap, H5's
		// ether, 5 + 4 + 1 + 2 above), 4 internal (the swap's WETH unwrap
		// and payout, the router to the vault, the pool to H2), 6 token
		// (2 mints, WETH to the pair, the theft, the swap's USDC in and
		// WETH out), a wrap and an unwrap.
		"ethereum: synced blocks 0-12: 13 blocks, 28 transactions, 26 transfers",
		// 11 coinbases and the genesis block's, the exchange's
		// withdrawals, 4 co-mixer TX0s, the payout, the launderer's TX0,
		// the mix, 3 peel steps and the exchange's co-spend.
		"bitcoin: synced blocks 0-11: 12 blocks, 24 transactions",
		"trace of 2 seed(s) under the haircut model: 13 finding(s)", // the exploiter's USDC and ether
		"wrote " + filepath.Join(dir, "trace.json"),
		"wrote " + filepath.Join(dir, "trace.dot"),
		"wrote " + page + " (the report: open it in a browser; it works offline)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}

	// The swap: 25,500,000 USDC into a pair of 255,000,000 USDC and
	// 100,000 WETH pays amountIn·997·reserveOut / (reserveIn·1000 +
	// amountIn·997) = 9066.108938801491315813 ETH (Uniswap V2's formula).
	swapped := new(big.Int).Mul(new(big.Int).Mul(demoStolen, big.NewInt(997)), demoPairETH)
	swapped.Quo(swapped, new(big.Int).Add(new(big.Int).Mul(demoPairUSDC, big.NewInt(1000)), new(big.Int).Mul(demoStolen, big.NewInt(997))))
	if got := report.Units(swapped, 18); got != "9066.108938801491315813" {
		t.Fatalf("the swap pays %s ETH", got)
	}
	rows := []struct {
		kind string
		has  []string
	}{
		{"dex_swap", []string{"Uniswap-V2-style pair USDC/WETH", lower(a.pair), "9066.108938801491315813 ETH"}},
		// The exploiter is a seed: all it holds is stolen.
		{"fan_out", []string{lower(a.exploiter), "100 ETH"}},
		// The pool is unlabelled: its Deposit events tell what it is.
		{"mixer", []string{"Tornado-style pool", "100 ETH  ", "event:Deposit, pool of 100 ETH"}},
		{"mixer", []string{"Tornado-style pool", "event:Deposit, pool of 100 ETH"}},
		{"mixer", []string{"Tornado-style pool", "event:Deposit, pool of 100 ETH"}},
		{"mixer", []string{"Tornado-style pool", "event:Deposit, pool of 100 ETH"}},
		// H5 held 25 ETH clean when 100 stolen arrived: its 100 ETH deposit
		// carries 100·100/125 = 80 ETH, 0.8 of it, so the vault's payout of
		// 320,000,000 sat carries 256,000,000 sat (2.56 BTC).
		{"bridge", []string{"THORChain-style router", "80 ETH", "100 ETH",
			"memo =:BTC.BTC:" + demoBTCAddress("dest") + ":0/1/0:t:0; paid out 3.2 BTC (2.56 BTC tainted) in bitcoin:"}},
		// Within a hop, findings of two chains come in time order: the
		// Ethereum exit before the Bitcoin blocks, which come later.
		// H2 deposited 100 ETH, all stolen, and withdrew to itself.
		{"mixer_exit_candidate", []string{lower(a.h2), "100 ETH", "address-match, pool of 100 ETH"}},
		// The TX0 spends the payout (3.2 BTC, 2.56 tainted) with dest2's
		// clean 0.8 BTC: common-input ownership.
		{"cluster", []string{"2.56 BTC", "3.2 BTC", sortedPair(demoBTCAddress("dest"), demoBTCAddress("dest2"))}},
		// The TX0's inputs hold 256,000,000 tainted of 400,000,000 sat
		// (0.64): the premix of 5,004,000 sat carries 3,202,560.
		{"coinjoin", []string{"0.0320256 BTC", "0.05004 BTC", "whirlpool"}},
		// D got 100 ETH at block 11 and swept all of it at block 12: κ =
		// (1 + 1 - 1/3200)/2.
		{"exchange_deposit", []string{"Demo Exchange", lower(a.deposit), "0.99984375", "swept 100 ETH (100 ETH tainted) to " + lower(a.exchange)}},
		// The mix's inputs hold 3,202,560 tainted of 25,016,000 sat: each
		// 5,000,000 sat output carries floor(5e6·3202560/25016000) =
		// 640,102. It peels 1,000,000 + 800,000 + 1,500,000 sat in 3 steps.
		{"peel_chain", []string{"0.00640102 BTC", "0.05 BTC", "3 transactions peeled 0.033 BTC"}},
		// The peel's changes carry floor(3,995,000·640,102/5,000,000) =
		// 511,441 and floor(3,190,000·511,441/3,995,000) = 408,384; the
		// last payment, 1,500,000 of 3,190,000 sat, floor(1.5e6·408384/
		// 3190000) = 192,030 (0.0019203 BTC).
		{"exchange_deposit", []string{"Demo Exchange", demoBTCAddress("deposit"), "0.0019203 BTC", "0.015 BTC",
			"co-spent with " + demoBTCAddress("exchange hot wallet")}},
	}
	table := findingRows(out)
	if len(table) != len(rows) {
		t.Errorf("%d findings in the table, want %d", len(table), len(rows))
	}
	for i, r := range rows {
		if i >= len(table) {
			break
		}
		if f := strings.Fields(table[i]); len(f) < 2 || f[1] != r.kind {
			t.Errorf("finding %d: %q, want a %s", i+1, table[i], r.kind)
			continue
		}
		for _, s := range r.has {
			if !strings.Contains(table[i], s) {
				t.Errorf("finding %d (%s) lacks %q: %s", i+1, r.kind, s, table[i])
			}
		}
	}

	raw, err := os.ReadFile(filepath.Join(dir, "trace.json"))
	if err != nil {
		t.Fatal(err)
	}
	validateTrace(t, string(raw))
	var doc report.Document
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	byKind := map[string][]report.Finding{}
	for _, f := range doc.Findings {
		kinds = append(kinds, f.Kind)
		byKind[f.Kind] = append(byKind[f.Kind], f)
	}
	var want []string
	for _, r := range rows {
		want = append(want, r.kind)
	}
	if fmt.Sprint(kinds) != fmt.Sprint(want) {
		t.Errorf("trace.json findings %v, want %v", kinds, want)
	}
	if doc.Model != "haircut" || len(doc.Seeds) != 2 || !strings.HasPrefix(doc.Seeds[0], "ethereum:"+lower(a.exploiter)) {
		t.Errorf("trace.json model %s, seeds %v", doc.Model, doc.Seeds)
	}
	if b := byKind["bridge"]; len(b) == 1 {
		if o, d := b[0].Outbound, b[0].Destination; o == nil || o.Chain != "bitcoin" || o.Amount != "320000000" || o.Tainted != "256000000" ||
			d == nil || d.Address != demoBTCAddress("dest") || b[0].Tainted != "80000000000000000000" {
			t.Errorf("bridge finding %+v, outbound %+v", b[0], o)
		}
	}
	if c := byKind["coinjoin"]; len(c) == 1 && (c[0].CoinJoin != "whirlpool" || c[0].Tainted != "3202560") {
		t.Errorf("coinjoin finding %+v", c[0])
	}
	if p := byKind["peel_chain"]; len(p) == 1 && (p[0].Length != 3 || p[0].Total != "3300000" || p[0].Tainted != "640102") {
		t.Errorf("peel_chain finding %+v", p[0])
	}
	if e := byKind["mixer_exit_candidate"]; len(e) == 1 && (e[0].Address != lower(a.h2) || e[0].Heuristic != "address-match") {
		t.Errorf("mixer_exit_candidate finding %+v", e[0])
	}
	if d := byKind["exchange_deposit"]; len(d) == 2 {
		if d[0].Address != lower(a.deposit) || d[0].Wallet != lower(a.exchange) || d[0].Entity != "Demo Exchange" || d[0].ForwardedTainted != "100000000000000000000" {
			t.Errorf("ethereum exchange_deposit finding %+v", d[0])
		}
		if d[1].Address != demoBTCAddress("deposit") || d[1].Wallet != demoBTCAddress("exchange hot wallet") || d[1].Entity != "Demo Exchange" ||
			d[1].Tainted != "192030" || d[1].Chain != "bitcoin" {
			t.Errorf("bitcoin exchange_deposit finding %+v", d[1])
		}
	}
	dot, err := os.ReadFile(filepath.Join(dir, "trace.dot"))
	if err != nil || !bytes.HasPrefix(dot, []byte("digraph trace {")) {
		t.Errorf("trace.dot: %v, starts %.40q", err, dot)
	}
	if t.Failed() {
		t.Log(out)
	}
	t.Run("freeze", func(t *testing.T) { checkDemoFreeze(t, store, &doc, a) })
	t.Run("report in a browser", func(t *testing.T) { checkDemoReport(t, page, &doc, a) })
}

// TestDemoBitcoinSameBytes checks that the demo's Bitcoin chain is the same
// bytes whenever it is built for the same inbound, with the fixed times of
// demoBitcoinStart, and falls back to times after the Ethereum chain's
// when the clock has passed them.
func TestDemoBitcoinSameBytes(t *testing.T) {
	inbound := [32]byte{1, 2, 3}
	var files [2]string
	for i := range files {
		d, err := buildBitcoin(inbound, 1_800_000_000) // 2027-01-15, before demoBitcoinStart
		if err != nil {
			t.Fatal(err)
		}
		files[i] = filepath.Join(t.TempDir(), "blk00000.dat")
		if err := d.writeBlockFile(files[i]); err != nil {
			t.Fatal(err)
		}
		if got := d.chain.Blocks()[0].Header.Timestamp; !got.Equal(demoBitcoinStart) {
			t.Errorf("block 1 at %v, want %v", got, demoBitcoinStart)
		}
	}
	a, _ := os.ReadFile(files[0])
	b, _ := os.ReadFile(files[1])
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Error("two builds wrote different blocks")
	}
	late := uint64(demoBitcoinStart.Unix()) + 3600
	d, err := buildBitcoin(inbound, late)
	if err != nil {
		t.Fatal(err)
	}
	if got := uint64(d.chain.Blocks()[0].Header.Timestamp.Unix()); got <= late {
		t.Errorf("after an Ethereum block at %d the Bitcoin chain starts at %d", late, got)
	}
}

// demoCast is the demo's Ethereum addresses: the keys of an in-process
// chain are the same in every run.
type demoCast struct {
	exploiter, h2, deposit, exchange, pair common.Address
}

func demoAddresses(t *testing.T) demoCast {
	t.Helper()
	c, err := ethtest.Start(ethtest.Options{ZeroGasPrice: true, Accounts: demoFunded, Unfunded: demoUnfunded})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// The pair is the deployer's third contract (nonce 2).
	pair := crypto.CreateAddress(c.Addr(demoDeployer), 2)
	return demoCast{exploiter: c.Addr(demoExploiter), h2: c.Addr(demoHops + 1), deposit: c.Addr(demoDeposit), exchange: c.Addr(demoExchange), pair: pair}
}

// findingRows returns the rows of the first table of findings in out.
func findingRows(out string) []string {
	var rows []string
	in := false
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, "HOP  KIND"):
			in = true
		case in && strings.TrimSpace(line) == "":
			return rows
		case in:
			rows = append(rows, line)
		}
	}
	return rows
}

// sortedPair writes two addresses as a cluster's members: sorted, with a
// comma between.
func sortedPair(a, b string) string {
	if b < a {
		a, b = b, a
	}
	return a + ", " + b
}
