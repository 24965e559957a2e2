package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/houndtrace/hound/chains/ethereum/ethtest"
	"github.com/houndtrace/hound/trace/report"
)

// These tests play METHODS.md's known-answer scenarios S2 and S5 (section
// 7) on a REAL simulated chain at zero gas price, sync it and trace it
// through the command line, and check the findings' exact base-unit
// amounts. Every expected number is derived by hand in the comments; none
// is computed by Hound's own taint code.

// pbChain wraps an ethtest chain with the helpers the playbook tests share.
type pbChain struct {
	t *testing.T
	*ethtest.Chain
}

// tx fails the test on a send error and returns the hash.
func (c pbChain) tx(h common.Hash, err error) common.Hash {
	c.t.Helper()
	if err != nil {
		c.t.Fatal(err)
	}
	return h
}

// commit seals one block and returns its number.
func (c pbChain) commit() uint64 {
	c.t.Helper()
	b, err := c.Commit()
	if err != nil {
		c.t.Fatal(err)
	}
	return b.NumberU64()
}

// commitAt seals empty blocks until the next block is number n, then seals
// block n with whatever was sent since (send runs just before it).
func (c pbChain) commitAt(n uint64, send func()) {
	c.t.Helper()
	for c.head() < n-1 {
		c.commit()
	}
	send()
	if got := c.commit(); got != n {
		c.t.Fatalf("sealed block %d, want %d", got, n)
	}
}

func (c pbChain) head() uint64 {
	c.t.Helper()
	n, err := c.Client().BlockNumber(context.Background())
	if err != nil {
		c.t.Fatal(err)
	}
	return n
}

// blockOf returns the block a transaction was mined in, after checking that
// it succeeded.
func (c pbChain) blockOf(h common.Hash) uint64 {
	c.t.Helper()
	r, err := c.Client().TransactionReceipt(context.Background(), h)
	if err != nil {
		c.t.Fatal(err)
	}
	if r.Status != 1 {
		c.t.Fatalf("tx %s failed", h)
	}
	return r.BlockNumber.Uint64()
}

// balance is an address's ether at the head.
func (c pbChain) balance(a common.Address) *big.Int {
	c.t.Helper()
	b, err := c.Client().BalanceAt(context.Background(), a, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return b
}

// pbLower is an address in Hound's canonical (lowercase hex) form.
func pbLower(a common.Address) string { return strings.ToLower(a.Hex()) }

// pbWei reads a decimal count of base units.
func pbWei(t *testing.T, s string) *big.Int {
	t.Helper()
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		t.Fatalf("bad amount %q", s)
	}
	return v
}

// pbLabels writes a label CSV file (rows without the header) and returns
// its path.
func pbLabels(t *testing.T, rows ...string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "labels.csv")
	body := "chain,address,category,entity,actor,group,campaign,source,confidence\n" + strings.Join(rows, "\n") + "\n"
	if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// pbTrace runs hound trace with the JSON format and returns the document,
// checked against the schema.
func pbTrace(t *testing.T, args ...string) *report.Document {
	t.Helper()
	out := tracedAndRerun(t, append([]string{"trace"}, args...)...)
	validateTrace(t, out)
	var doc report.Document
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	return &doc
}

// pbByKind groups a document's findings by kind, keeping their order.
func pbByKind(doc *report.Document) map[string][]report.Finding {
	m := map[string][]report.Finding{}
	for _, f := range doc.Findings {
		m[f.Kind] = append(m[f.Kind], f)
	}
	return m
}

// pbPath lists the nodes a finding's path visits, seed first.
func pbPath(f report.Finding) []string {
	var nodes []string
	for i, p := range f.Path {
		if i == 0 {
			nodes = append(nodes, p.From)
		}
		nodes = append(nodes, p.To)
	}
	return nodes
}

// pbDump lists findings for failure messages.
func pbDump(doc *report.Document) string {
	var b strings.Builder
	for _, f := range doc.Findings {
		fmt.Fprintf(&b, "  %s %s hop %d block %d amount %s tainted %s heuristic %s confidence %s wallet %s fwd %s/%s members %v\n",
			f.Kind, f.Address, f.Hop, f.Block, f.Amount, f.Tainted, f.Heuristic, f.Confidence, f.Wallet, f.Forwarded, f.ForwardedTainted, f.Members)
	}
	return b.String()
}

// TestPlaybookS2 is METHODS.md's S2 on a real chain: a DPRK-labelled seed
// sends 1,000,000 stolen USDT to E0, which already holds 10 ETH clean; E0
// swaps them through a router and a USDT/WETH pair for exactly 500 ETH,
// fans 5 x 100 ETH out to H1-H5, and each deposits into a 100 ETH
// Tornado-style pool; H2 withdraws to itself (fee 0) and sends its 100 ETH
// to a labelled exchange.
func TestPlaybookS2(t *testing.T) {
	// Key 0 deploys and funds; the others start empty, so with a zero gas
	// price their balances are exactly what the chain's transfers say.
	const deployer, seed, e0 = 0, 1, 2
	hs := []int{3, 4, 5, 6, 7} // H1..H5
	ec, err := ethtest.Start(ethtest.Options{Accounts: 1, Unfunded: 7, ZeroGasPrice: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ec.Close()
	c := pbChain{t, ec}
	exchange := common.HexToAddress("0x00000000000000000000000000000000000e7c4a")

	usdtAmount := big.NewInt(1_000_000_000_000) // 1,000,000 USDT, 6 decimals
	// The pair's reserves make the swap pay exactly 500 ETH. Uniswap V2
	// pays out = in*997*Rout / (Rin*1000 + in*997), floored. With
	// Rin = in*997/1000 = 997,000 USDT the denominator is 2*in*997, so
	// out = Rout/2: Rout = 1000 WETH gives 500 ETH, no rounding.
	reserveUSDT := big.NewInt(997_000_000_000)
	reserveWETH := ether(1000)

	usdt, h, err := c.Deploy(deployer, "Token", nil, "Tether USD", "USDT", uint8(6))
	c.tx(h, err)
	weth, h, err := c.Deploy(deployer, "WETH", nil)
	c.tx(h, err)
	pair, h, err := c.Deploy(deployer, "Pair", nil, usdt, weth)
	c.tx(h, err)
	router, h, err := c.Deploy(deployer, "SwapRouter", nil, weth)
	c.tx(h, err)
	pool, h, err := c.Deploy(deployer, "Mixer", nil, ether(100))
	c.tx(h, err)
	c.commit()
	c.tx(c.Transact(deployer, usdt, "Token", "mint", nil, c.Addr(seed), usdtAmount)) // the stolen USDT
	c.tx(c.Transact(deployer, usdt, "Token", "mint", nil, pair, reserveUSDT))
	c.tx(c.Transact(deployer, weth, "WETH", "deposit", reserveWETH))
	c.tx(c.SendETH(deployer, c.Addr(e0), ether(10))) // E0's 10 ETH clean
	c.commit()
	c.tx(c.Transact(deployer, weth, "WETH", "transfer", nil, pair, reserveWETH))
	c.commit()
	c.tx(c.Transact(deployer, pair, "Pair", "sync", nil))
	c.commit()
	c.tx(c.Transact(seed, usdt, "Token", "transfer", nil, c.Addr(e0), usdtAmount)) // hop 1
	c.commit()
	c.tx(c.Transact(e0, usdt, "Token", "approve", nil, router, usdtAmount))
	c.commit()
	// hop 2: the swap; amountOutMin = 500 ETH makes the chain itself
	// refuse anything less.
	swapTx := c.tx(c.Transact(e0, router, "SwapRouter", "swapExactTokensForETH", nil, usdtAmount, ether(500), pair, usdt, c.Addr(e0)))
	c.commit()
	if got := c.balance(c.Addr(e0)); got.Cmp(ether(510)) != 0 {
		t.Fatalf("E0 holds %s wei after the swap, want 510 ETH", got)
	}
	var sends, deposits []common.Hash
	for _, k := range hs { // hop 3: the fan-out, in H1..H5 order (one sender: nonce order)
		sends = append(sends, c.tx(c.SendETH(e0, c.Addr(k), ether(100))))
	}
	c.commit()
	for i, k := range hs { // hop 4: into the pool
		deposits = append(deposits, c.tx(c.Transact(k, pool, "Mixer", "deposit", ether(100), [32]byte{byte(i + 1)})))
	}
	c.commit()
	h2 := c.Addr(hs[1])
	withdrawTx := c.tx(c.Transact(hs[1], pool, "Mixer", "withdraw", nil, h2, [32]byte{0xaa}, h2, new(big.Int))) // hop 5
	c.commit()
	sweepTx := c.tx(c.SendETH(hs[1], exchange, ether(100))) // hop 6
	c.commit()
	if got := c.balance(exchange); got.Cmp(ether(100)) != 0 {
		t.Fatalf("the exchange holds %s wei, want 100 ETH", got)
	}
	withdrawBlock, sweepBlock := c.blockOf(withdrawTx), c.blockOf(sweepTx)
	if sweepBlock != withdrawBlock+1 {
		t.Fatalf("withdrawal in block %d, sweep in %d: want consecutive blocks", withdrawBlock, sweepBlock)
	}

	dir := filepath.Join(t.TempDir(), "store")
	labelFile := pbLabels(t,
		fmt.Sprintf("ethereum,%s,theft,Test Exploiter,DPRK,Lazarus Group,Test S2,test case,authority_data", pbLower(c.Addr(seed))),
		fmt.Sprintf("ethereum,%s,exchange,Test Exchange,,,,test case,service_data", pbLower(exchange)),
		fmt.Sprintf("ethereum,%s,dex,Test Swap USDT/WETH,,,,test case,service_data", pbLower(pair)),
		fmt.Sprintf("ethereum,%s,mixer,Test Pool 100 ETH,,,,test case,service_data", pbLower(pool)))
	mustHound(t, "sync", "ethereum", "--rpc", c.URL(), "--store", dir, "--confirmations", "0", "--quiet")

	node := func(a common.Address) string { return "ethereum:" + pbLower(a) }
	seedUSDT, e0USDT, e0ETH := node(c.Addr(seed))+"/"+pbLower(usdt), node(c.Addr(e0))+"/"+pbLower(usdt), node(c.Addr(e0))
	hundred := ether(100).String()

	tests := []struct {
		model string
		h     [5]string // the tainted wei each of H1..H5 receives and deposits
	}{
		// The swap carries the USDT's tainted fraction, 1, to all 500 ETH
		// E0 receives. Haircut: E0 holds 510 ETH, 500 tainted, and each
		// 100 ETH out carries floor(100 * T / B) with T and B just before:
		//   H1: floor(100e18 * 500e18 / 510e18) = 98039215686274509803
		//   H2: T = 401960784313725490197, B = 410e18: floor(T / 4.1)
		//       = 98039215686274509804
		//   H3: T = 303921568627450980393, B = 310e18: floor(T * 10/31)
		//       = 98039215686274509804
		//   H4: T = 205882352941176470589, B = 210e18: floor(T * 10/21)
		//       = 98039215686274509804
		//   H5: T = 107843137254901960785, B = 110e18: floor(T * 10/11)
		//       = 98039215686274509804
		// and E0 keeps 9803921568627450981 tainted of its last 10 ETH.
		{"haircut", [5]string{"98039215686274509803", "98039215686274509804", "98039215686274509804", "98039215686274509804", "98039215686274509804"}},
		// FIFO: E0's oldest 10 ETH are clean, then 500 tainted: H1 gets
		// 10 clean + 90 tainted, H2..H5 100 tainted each; E0 keeps 10 T.
		{"fifo", [5]string{"90000000000000000000", hundred, hundred, hundred, hundred}},
	}
	for _, tt := range tests {
		for _, follow := range []bool{false, true} {
			name := fmt.Sprintf("%s follow-mixers=%v", tt.model, follow)
			args := []string{node(c.Addr(seed)), "--model", tt.model, "--hops", "6", "--store", dir, "--labels", labelFile}
			if follow {
				args = append(args, "--follow-mixers")
			}
			doc := pbTrace(t, args...)
			kinds := pbByKind(doc)
			want := 8 // dex_swap, fan_out, 5 mixer, mixer_exit_candidate
			if follow {
				want = 9 // and the exchange deposit
			}
			if doc.Model != tt.model || len(doc.Findings) != want {
				t.Errorf("%s: %d findings, want %d:\n%s", name, len(doc.Findings), want, pbDump(doc))
			}

			// The swap: E0 pays the pair 1,000,000 tainted USDT and gets
			// 500 ETH, all tainted (fraction 1e12/1e12), at hop 2.
			if sw := kinds["dex_swap"]; len(sw) != 1 {
				t.Errorf("%s: dex_swap findings:\n%s", name, pbDump(doc))
			} else if f := sw[0]; f.Address != pbLower(pair) || f.Entity != "Test Swap USDT/WETH" || f.Tx != swapTx.Hex() ||
				f.Asset != "native" || f.Amount != ether(500).String() || f.Tainted != ether(500).String() || f.Hop != 2 ||
				f.Heuristic != "swap" || f.Confidence != "1" || strings.Join(pbPath(f), " ") != strings.Join([]string{seedUSDT, e0USDT, e0ETH}, " ") {
				t.Errorf("%s: dex_swap %+v", name, f)
			}

			// The fan-out: E0's fifth distinct tainted recipient, H5.
			if fo := kinds["fan_out"]; len(fo) != 1 {
				t.Errorf("%s: fan_out findings:\n%s", name, pbDump(doc))
			} else if f := fo[0]; f.Address != pbLower(c.Addr(e0)) || f.Tx != sends[4].Hex() || f.Hop != 3 ||
				f.Amount != hundred || f.Tainted != tt.h[4] || f.Heuristic != "fan-out" || f.Confidence != "1" {
				t.Errorf("%s: fan_out %+v", name, f)
			}

			// Five deposits of 100 ETH into the pool, known by its Deposit
			// event, each with the taint its H got from E0.
			mixers := map[string]report.Finding{}
			for _, f := range kinds["mixer"] {
				mixers[f.Tx] = f
			}
			if len(kinds["mixer"]) != 5 || len(mixers) != 5 {
				t.Errorf("%s: mixer findings:\n%s", name, pbDump(doc))
			}
			for i, dep := range deposits {
				f, ok := mixers[dep.Hex()]
				if !ok {
					t.Errorf("%s: no mixer finding for H%d's deposit %s", name, i+1, dep.Hex())
					continue
				}
				if f.Address != pbLower(pool) || f.Entity != "Test Pool 100 ETH" || f.Denomination != hundred || f.Amount != hundred ||
					f.Tainted != tt.h[i] || f.Hop != 4 || f.Heuristic != "event:Deposit" || f.Confidence != "1" ||
					strings.Join(pbPath(f), " ") != strings.Join([]string{seedUSDT, e0USDT, e0ETH, node(c.Addr(hs[i])), node(pool)}, " ") {
					t.Errorf("%s: H%d's mixer finding %+v", name, i+1, f)
				}
			}

			// H2 withdraws to itself from the pool it deposited into: the
			// address-match heuristic (confidence 0.9) links the
			// withdrawal to the deposit; the 100 ETH paid out (fee 0)
			// carry the deposit's tainted fraction, floor(100 * t / 100) = t.
			if ex := kinds["mixer_exit_candidate"]; len(ex) != 1 {
				t.Errorf("%s: mixer_exit_candidate findings:\n%s", name, pbDump(doc))
			} else if f := ex[0]; f.Address != pbLower(h2) || f.Tx != withdrawTx.Hex() || f.Heuristic != "address-match" || f.Confidence != "0.9" ||
				f.Amount != hundred || f.Tainted != tt.h[1] || f.Denomination != hundred || f.Hop != 5 ||
				strings.Join(pbPath(f), " ") != strings.Join([]string{seedUSDT, e0USDT, e0ETH, node(h2), node(pool), node(h2)}, " ") {
				t.Errorf("%s: mixer_exit_candidate %+v", name, f)
			}

			deps := kinds["exchange_deposit"]
			reached, exchangeTaint := false, ""
			for _, n := range doc.Nodes {
				if n.Address == pbLower(exchange) {
					reached = true
					for _, a := range n.Tainted {
						exchangeTaint = a.Amount
					}
				}
			}
			if !follow {
				// Without --follow-mixers the trace stops at the pool: the
				// withdrawal re-seeds nothing and the exchange is not reached.
				if len(deps) != 0 || len(kinds["exchange"]) != 0 || reached {
					t.Errorf("%s: the exchange was reached:\n%s", name, pbDump(doc))
				}
				continue
			}
			if len(kinds["exchange"]) != 0 {
				t.Errorf("%s: a plain exchange finding, want only the exchange_deposit:\n%s", name, pbDump(doc))
			}
			// With --follow-mixers H2 sweeps all 100 ETH it got from the
			// pool on to the exchange one block later: Victor's heuristic
			// makes H2 a deposit address. Slack 100 - 100 = 0 and 1 block:
			// κ = mean(1 - 0/0.01, 1 - 1/3200) = (1 + 3199/3200)/2 =
			// 6399/6400 = 0.99984375. What H2 received and forwarded
			// carries the deposit's taint whole: H2 held 100 ETH of which
			// t tainted and sent all 100.
			if len(deps) != 1 {
				t.Errorf("%s: exchange_deposit findings:\n%s", name, pbDump(doc))
				continue
			}
			f := deps[0]
			if f.Address != pbLower(h2) || f.Wallet != pbLower(exchange) || f.Entity != "Test Exchange" || f.Tx != sweepTx.Hex() ||
				f.Block != sweepBlock || f.Heuristic != "deposit-address" || f.Confidence != "0.99984375" || f.Hop != 6 ||
				f.Amount != hundred || f.Tainted != tt.h[1] || f.Forwarded != hundred || f.ForwardedTainted != tt.h[1] ||
				strings.Join(pbPath(f), " ") != strings.Join([]string{seedUSDT, e0USDT, e0ETH, node(h2), node(pool), node(h2), node(exchange)}, " ") {
				t.Errorf("%s: exchange_deposit %+v", name, f)
			}
			if !reached || exchangeTaint != tt.h[1] {
				t.Errorf("%s: the exchange node: reached %v with %q tainted, want %s", name, reached, exchangeTaint, tt.h[1])
			}
		}
	}
}

// TestPlaybookS5 is METHODS.md's S5, deposit-address reuse, on a real
// chain: A (the DPRK-labelled seed) sends 10 ETH to D at block 100; D
// forwards 9.999 ETH to the exchange hot wallet X at block 130; B (clean)
// sends 5 ETH to D at block 500; D forwards 4.9995 ETH at block 510.
func TestPlaybookS5(t *testing.T) {
	const funder, a, b, d = 0, 1, 2, 3
	ec, err := ethtest.Start(ethtest.Options{Accounts: 1, Unfunded: 3, ZeroGasPrice: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ec.Close()
	c := pbChain{t, ec}
	x := common.HexToAddress("0x000000000000000000000000000000000000e7c5")
	first, second := pbWei(t, "9999000000000000000"), pbWei(t, "4999500000000000000")

	c.commitAt(1, func() { c.tx(c.SendETH(funder, c.Addr(a), ether(10))) })
	var deposit common.Hash
	c.commitAt(100, func() { deposit = c.tx(c.SendETH(a, c.Addr(d), ether(10))) })
	sweep1 := common.Hash{}
	c.commitAt(130, func() { sweep1 = c.tx(c.SendETH(d, x, first)) })
	c.commitAt(499, func() { c.tx(c.SendETH(funder, c.Addr(b), ether(5))) })
	c.commitAt(500, func() { c.tx(c.SendETH(b, c.Addr(d), ether(5))) })
	sweep2 := common.Hash{}
	c.commitAt(510, func() { sweep2 = c.tx(c.SendETH(d, x, second)) })
	if got := c.balance(c.Addr(d)); got.Cmp(pbWei(t, "1500000000000000")) != 0 { // 15 - 14.9985
		t.Fatalf("D keeps %s wei, want 0.0015 ETH", got)
	}

	dir := filepath.Join(t.TempDir(), "store")
	labelFile := pbLabels(t,
		fmt.Sprintf("ethereum,%s,theft,Test Exploiter,DPRK,Lazarus Group,Test S5,test case,authority_data", pbLower(c.Addr(a))),
		fmt.Sprintf("ethereum,%s,exchange,Test Exchange,,,,test case,service_data", pbLower(x)))
	mustHound(t, "sync", "ethereum", "--rpc", c.URL(), "--store", dir, "--confirmations", "0", "--quiet")

	members := []string{pbLower(c.Addr(a)), pbLower(c.Addr(b))}
	if members[0] > members[1] {
		members[0], members[1] = members[1], members[0]
	}
	tests := []struct {
		model  string
		second string // the taint of the second sweep
	}{
		// Under every model D's first sweep takes 9.999 of its 10 tainted
		// ETH, so D keeps 0.001 ETH tainted, then gets B's 5 clean.
		// Haircut: 5.001 ETH of which 0.001 tainted; 4.9995 out carry
		// floor(4.9995e18 * 1e15 / 5.001e18) = floor(999700059988002.399...)
		// = 999700059988002.
		{"haircut", "999700059988002"},
		// FIFO: the oldest lot, A's 0.001 tainted, leaves first.
		{"fifo", "1000000000000000"},
		// LIFO: the newest lot, B's 5 clean, covers all 4.9995.
		{"lifo", "0"},
	}
	for _, tt := range tests {
		doc := pbTrace(t, "ethereum:"+pbLower(c.Addr(a)), "--model", tt.model, "--store", dir, "--labels", labelFile)
		kinds := pbByKind(doc)
		if len(doc.Findings) != 3 || len(kinds["exchange_deposit"]) != 2 || len(kinds["cluster"]) != 1 {
			t.Errorf("%s: want 2 exchange_deposit and 1 cluster findings, got:\n%s", tt.model, pbDump(doc))
			continue
		}
		// κ = mean(1 - slack/0.01 ETH, 1 - blocks/3200):
		//   first:  slack 10 - 9.999 = 0.001, 130 - 100 = 30 blocks:
		//           (0.9 + 0.990625)/2 = 0.9453125
		//   second: slack 5 - 4.9995 = 0.0005, 510 - 500 = 10 blocks:
		//           (0.95 + 0.996875)/2 = 0.9734375
		// (both exact in binary, so the JSON strings are exact too).
		want := []struct {
			tx                                      common.Hash
			block                                   uint64
			confidence, amount, tainted, fwd, fwdTn string
		}{
			{sweep1, 130, "0.9453125", ether(10).String(), ether(10).String(), first.String(), first.String()},
			{sweep2, 510, "0.9734375", ether(5).String(), "0", second.String(), tt.second},
		}
		for i, w := range want {
			f := kinds["exchange_deposit"][i]
			if f.Address != pbLower(c.Addr(d)) || f.Wallet != pbLower(x) || f.Entity != "Test Exchange" || f.Tx != w.tx.Hex() || f.Block != w.block ||
				f.Heuristic != "deposit-address" || f.Confidence != w.confidence || f.Hop != 2 || f.Amount != w.amount || f.Tainted != w.tainted ||
				f.Forwarded != w.fwd || f.ForwardedTainted != w.fwdTn {
				t.Errorf("%s: exchange_deposit %d: %+v", tt.model, i, f)
			}
		}
		if p := pbPath(kinds["exchange_deposit"][0]); strings.Join(p, " ") != strings.Join([]string{"ethereum:" + pbLower(c.Addr(a)), "ethereum:" + pbLower(c.Addr(d)), "ethereum:" + pbLower(x)}, " ") {
			t.Errorf("%s: the first deposit's path %v", tt.model, p)
		}
		// D swept for A and for B: the deposit-reuse heuristic puts them in
		// one cluster, with the lower of the sweeps' confidences.
		if cl := kinds["cluster"][0]; cl.Address != pbLower(c.Addr(d)) || strings.Join(cl.Members, " ") != strings.Join(members, " ") ||
			cl.Heuristic != "deposit-reuse" || cl.Confidence != "0.9453125" {
			t.Errorf("%s: cluster %+v", tt.model, cl)
		}
	}

	// The freeze-request packet (--format freeze) has one row under every
	// model: D received 10 tainted ETH from A at block 100, swept at block
	// 130. B's deposit brought no taint, so the second sweep adds no
	// deposit to freeze (the taint it forwards is what was left of A's).
	ten := ether(10).String()
	want := []map[string]string{{"exchange": "Test Exchange", "deposit_address": pbLower(c.Addr(d)), "chain": "ethereum",
		"tx": deposit.Hex(), "block": "100", "amount": ten, "tainted": ten, "asset": "native", "symbol": "ETH",
		"amount_display": "10 ETH", "tainted_display": "10 ETH", "wallet": pbLower(x), "sweep_tx": sweep1.Hex(),
		"finding": "exchange_deposit", "confidence": "0.9453125", "heuristic": "deposit-address", "hop": "1"}}
	for _, model := range []string{"haircut", "fifo", "lifo"} {
		raw := mustHound(t, "trace", "ethereum:"+pbLower(c.Addr(a)), "--model", model, "--store", dir, "--labels", labelFile, "--format", "freeze")
		checkFreezeRows(t, "S5 "+model, readFreeze(t, raw), want)
	}
}
