package main

import (
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/btcsuite/btcd/wire/v2"
	"github.com/ethereum/go-ethereum/common"

	"github.com/houndtrace/hound/chains/ethereum/ethtest"
	"github.com/houndtrace/hound/labels/jsonschema"
	"github.com/houndtrace/hound/trace/report"
)

// TestTraceEthereum plays a laundering run on a real chain with zero gas
// prices (so every amount is exact), syncs it, and traces it from the
// DPRK-labelled seed over 4 hops, with splits, merges with clean money and
// a token leg, to a labelled exchange hot wallet and a labelled mixer pool.
// The expected taint is derived by hand in the comments below.
func TestTraceEthereum(t *testing.T) {
	const funded = 1
	c, err := ethtest.Start(ethtest.Options{Accounts: funded, Unfunded: 6, ZeroGasPrice: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const victim, seed, a, b, cc, d, e = 0, 1, 2, 3, 4, 5, 6 // key numbers; all but the victim start empty
	exchange := common.HexToAddress("0x00000000000000000000000000000000000e7c4a")
	check := func(_ common.Hash, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	commit := func() {
		t.Helper()
		if _, err := c.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	token, h, err := c.Deploy(victim, "Token", nil, "Tether", "USDT", uint8(6))
	check(h, err)
	pool, h, err := c.Deploy(victim, "Mixer", nil, ether(10))
	check(h, err)
	commit()
	check(c.SendETH(victim, c.Addr(seed), ether(100))) // the theft
	check(c.Transact(victim, token, "Token", "mint", nil, c.Addr(seed), big.NewInt(1000_000000)))
	commit()
	check(c.SendETH(seed, c.Addr(a), ether(60))) // hop 1: the split
	check(c.SendETH(seed, c.Addr(b), ether(40)))
	check(c.Transact(seed, token, "Token", "transfer", nil, c.Addr(cc), big.NewInt(1000_000000))) // the token leg
	commit()
	check(c.SendETH(victim, c.Addr(a), ether(20))) // clean money merges into A
	commit()
	check(c.SendETH(a, c.Addr(cc), ether(40))) // hop 2: C merges A's and B's
	check(c.SendETH(b, c.Addr(cc), ether(10)))
	commit()
	check(c.SendETH(cc, c.Addr(d), ether(25))) // hop 3
	check(c.Transact(cc, token, "Token", "transfer", nil, c.Addr(d), big.NewInt(400_000000)))
	commit()
	check(c.SendETH(cc, c.Addr(e), ether(20))) // hop 3
	commit()
	check(c.SendETH(victim, c.Addr(e), ether(5))) // clean money merges into E
	commit()
	check(c.SendETH(d, exchange, ether(25))) // hop 4: to the exchange
	check(c.Transact(d, token, "Token", "transfer", nil, exchange, big.NewInt(400_000000)))
	commit()
	check(c.Transact(e, pool, "Mixer", "deposit", ether(10), [32]byte{1})) // hop 4: into the pool
	commit()

	dir := filepath.Join(t.TempDir(), "store")
	labelFile := filepath.Join(t.TempDir(), "case.csv")
	lower := func(x common.Address) string { return strings.ToLower(x.Hex()) }
	os.WriteFile(labelFile, []byte("chain,address,category,entity,actor,group,campaign,source,confidence\n"+
		fmt.Sprintf("ethereum,%s,theft,Test Exploiter,DPRK,Lazarus Group,Test 2026,test case,authority_data\n", lower(c.Addr(seed)))+
		fmt.Sprintf("ethereum,%s,exchange,Test Exchange,,,,test case,service_data\n", lower(exchange))+
		fmt.Sprintf("ethereum,%s,mixer,Test Pool 10 ETH,,,,test case,service_data\n", lower(pool))), 0o644)
	mustHound(t, "sync", "ethereum", "--rpc", c.URL(), "--store", dir, "--confirmations", "0", "--quiet")

	node := func(k int) string { return "ethereum:" + lower(c.Addr(k)) }
	ex, pl, usdt := "ethereum:"+lower(exchange), "ethereum:"+lower(pool), "/"+lower(token)
	type want struct {
		kind, to, asset, tainted, amount string
		hop                              int
		path                             []string // the nodes the path visits, seed first
	}
	tests := []struct {
		model string
		want  []want
	}{
		{"haircut", []want{
			// The token leg: the seed's 1000 USDT are all tainted; C passes 400 on, D all of them.
			{"exchange", lower(exchange), lower(token), "400000000", "400000000", 3, []string{node(seed) + usdt, node(cc) + usdt, node(d) + usdt, ex + usdt}},
			// A holds 60 T + 20 C and sends 40: 40*60/80 = 30 T. B sends 10 of its 40 T: 10 T.
			// C holds 50 with 40 T and sends 25: 25*40/50 = 20 T to D, which sweeps all 25 on to
			// the exchange: D is its deposit address (Victor's heuristic), the finding names D.
			{"exchange_deposit", lower(c.Addr(d)), "native", ether(20).String(), ether(25).String(), 4, []string{node(seed), node(a), node(cc), node(d), ex}},
			// C keeps 25 with 20 T and sends 20: 20*20/25 = 16 T to E, which gets 5 C more,
			// holds 25 with 16 T, and deposits 10: 10*16/25 = 6.4 T.
			{"mixer", lower(pool), "native", "6400000000000000000", ether(10).String(), 4, []string{node(seed), node(a), node(cc), node(e), pl}},
		}},
		{"fifo", []want{
			{"exchange", lower(exchange), lower(token), "400000000", "400000000", 3, []string{node(seed) + usdt, node(cc) + usdt, node(d) + usdt, ex + usdt}},
			// A's oldest 60 are tainted: its 40 out are all tainted; so is everything C and D pass on.
			{"exchange_deposit", lower(c.Addr(d)), "native", ether(25).String(), ether(25).String(), 4, []string{node(seed), node(a), node(cc), node(d), ex}},
			// E's oldest 20 are tainted (the 5 clean came later): the 10 deposited are all tainted.
			{"mixer", lower(pool), "native", ether(10).String(), ether(10).String(), 4, []string{node(seed), node(a), node(cc), node(e), pl}},
		}},
	}
	for _, tt := range tests {
		var doc report.Document
		out := mustHound(t, "trace", node(seed), "--hops", "6", "--model", tt.model, "--format", "json", "--store", dir, "--labels", labelFile)
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		validateTrace(t, out)
		if doc.Schema != "hound.trace/v1" || doc.Model != tt.model || len(doc.Findings) != len(tt.want) {
			t.Fatalf("%s: %d findings:\n%s", tt.model, len(doc.Findings), out)
		}
		for i, w := range tt.want {
			f := doc.Findings[i]
			if f.Kind != w.kind || f.Address != w.to || f.Asset != w.asset || f.Tainted != w.tainted || f.Amount != w.amount || f.Hop != w.hop {
				t.Errorf("%s: finding %d: %s %s %s tainted %s of %s hop %d; want %+v", tt.model, i, f.Kind, f.Address, f.Asset, f.Tainted, f.Amount, f.Hop, w)
				continue
			}
			var path []string
			for j, p := range f.Path {
				if j == 0 {
					path = append(path, p.From)
				}
				path = append(path, p.To)
			}
			if strings.Join(path, " ") != strings.Join(w.path, " ") {
				t.Errorf("%s: finding %d: path\n %v\nwant\n %v", tt.model, i, path, w.path)
			}
		}
	}
	// A saved case, run again after new blocks: A (40 ETH, 30 T under
	// haircut) pays the exchange 10 more: floor(10*30/40) = 7.5 ETH tainted.
	// The rerun equals a fresh trace of the same parameters.
	seedArg := node(seed)
	mustHound(t, "trace", seedArg, "--case", "run1", "--store", dir, "--labels", labelFile, "--format", "json")
	if out := mustHound(t, "case", "list", "--store", dir); !strings.Contains(out, "run1") || !strings.Contains(out, "haircut") {
		t.Fatalf("case list:\n%s", out)
	}
	check(c.SendETH(a, exchange, ether(10)))
	commit()
	mustHound(t, "sync", "ethereum", "--rpc", c.URL(), "--store", dir, "--confirmations", "0", "--quiet")
	rerun := rerunCase(t, "run1", "continued from the saved walk", "--store", dir, "--labels", labelFile)
	fresh := mustHound(t, "trace", seedArg, "--store", dir, "--labels", labelFile, "--format", "json")
	if rerun != fresh {
		t.Fatal("the rerun of a case differs from a fresh trace of its parameters")
	}
	var doc report.Document
	json.Unmarshal([]byte(rerun), &doc)
	if len(doc.Findings) != 4 || doc.Findings[0].Hop != 2 || doc.Findings[0].Tainted != "7500000000000000000" {
		t.Fatalf("after the new blocks: %d findings, the first %+v", len(doc.Findings), doc.Findings[0])
	}
	if shown := mustHound(t, "case", "show", "run1", "--store", dir, "--format", "json"); shown != rerun {
		t.Fatal("case show does not give the saved result")
	}
	// The other formats: a CSV row per tainted flow, and a Graphviz graph.
	csv := strings.Split(strings.TrimSpace(mustHound(t, "trace", seedArg, "--store", dir, "--labels", labelFile, "--format", "csv")), "\n")
	if len(csv) != len(doc.Edges)+1 || !strings.HasPrefix(csv[0], "chain,block,tx,time,from,to,asset,amount,tainted") {
		t.Fatalf("csv: %d lines for %d edges:\n%s", len(csv), len(doc.Edges), strings.Join(csv, "\n"))
	}
	if !strings.Contains(strings.Join(csv, "\n"), ",7500000000000000000,7.5 ETH,2,exchange") {
		t.Errorf("csv lacks the new deposit:\n%s", strings.Join(csv, "\n"))
	}
	dot := mustHound(t, "trace", seedArg, "--store", dir, "--labels", labelFile, "--format", "dot")
	if !strings.HasPrefix(dot, "digraph trace {") || !strings.Contains(dot, `Test Exchange\n`) || !strings.Contains(dot, `label="7.5 ETH"`) {
		t.Errorf("dot:\n%s", dot)
	}

	// The pool pays E back (a withdrawal to the depositor: an exit
	// candidate by address match). The saved walk passed E's deposit
	// without it, so the rerun traces afresh, and says why.
	check(c.Transact(victim, pool, "Mixer", "withdraw", nil, c.Addr(e), [32]byte{0xaa}, c.Addr(e), new(big.Int)))
	commit()
	mustHound(t, "sync", "ethereum", "--rpc", c.URL(), "--store", dir, "--confirmations", "0", "--quiet")
	rerun = rerunCase(t, "run1", "traced afresh: pool "+lower(pool)+" has new withdrawals linked to the deposit", "--store", dir, "--labels", labelFile)
	if fresh := mustHound(t, "trace", seedArg, "--store", dir, "--labels", labelFile, "--format", "json"); rerun != fresh {
		t.Fatal("the rerun after a new withdrawal differs from a fresh trace")
	}
	if !strings.Contains(rerun, `"kind": "mixer_exit_candidate"`) {
		t.Errorf("no exit candidate after the withdrawal:\n%s", rerun)
	}
	// With nothing new, the walk saved by that fresh run continues.
	if again := rerunCase(t, "run1", "continued from the saved walk", "--store", dir, "--labels", labelFile); again != rerun {
		t.Fatal("a rerun over the same blocks changed the result")
	}
	// New labels: whatever the walk passed may be labelled now.
	more := filepath.Join(t.TempDir(), "more.csv")
	os.WriteFile(more, []byte("chain,address,category,entity,actor,group,campaign,source,confidence\n"+
		fmt.Sprintf("ethereum,%s,otc,Test OTC Desk,,,,test case,service_data\n", lower(c.Addr(cc)))), 0o644)
	rerun = rerunCase(t, "run1", "traced afresh: the labels changed", "--store", dir, "--labels", labelFile, "--labels", more)
	if !strings.Contains(rerun, `"entity": "Test OTC Desk"`) {
		t.Errorf("the new label is not in the rerun:\n%s", rerun)
	}

	// Nightly: every case rerun, a line each; --fail-on-new exits 4 once
	// a rerun finds what its case had not (A pays the exchange again).
	nightly := []string{"case", "rerun", "--all", "--fail-on-new", "--store", dir, "--labels", labelFile, "--labels", more}
	if r := hound(t, nightly...); r.code != 0 || !strings.HasPrefix(r.stdout, "case run1: continued from the saved walk;") || !strings.HasSuffix(r.stdout, ", 0 new\n") {
		t.Errorf("rerun --all with nothing new: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	check(c.SendETH(a, exchange, ether(1)))
	commit()
	mustHound(t, "sync", "ethereum", "--rpc", c.URL(), "--store", dir, "--confirmations", "0", "--quiet")
	if r := hound(t, nightly...); r.code != 4 || !strings.HasPrefix(r.stdout, "case run1: continued from the saved walk;") || !strings.HasSuffix(r.stdout, ", 1 new\n") ||
		!strings.Contains(r.stderr, "1 new finding(s)") {
		t.Errorf("rerun --all after a new exchange payment: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, bad := range [][]string{{"case", "rerun", "run1", "--all"}, {"case", "rerun", "--all", "--format", "json"}} {
		if r := hound(t, append(bad, "--store", dir)...); r.code != 2 || r.stdout != "" {
			t.Errorf("hound %s: exit %d, want 2\n%s%s", strings.Join(bad, " "), r.code, r.stdout, r.stderr)
		}
	}
}

// cases numbers the cases tracedAndRerun saves.
var cases atomic.Int64

// tracedAndRerun runs hound trace ARGS in JSON, saved as a case, then reruns
// the case over the same blocks: the rerun must continue the saved walk and
// give the same document. It returns the trace's output.
func tracedAndRerun(t *testing.T, args ...string) string {
	t.Helper()
	name := fmt.Sprintf("rerun%d", cases.Add(1))
	out := mustHound(t, append(args, "--format", "json", "--case", name)...)
	var global []string // what case rerun takes of the trace's flags
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "--store" || args[i] == "--labels" {
			global = append(global, args[i], args[i+1])
		}
	}
	if again := rerunCase(t, name, "continued from the saved walk", global...); again != out {
		t.Fatalf("%s: the rerun over the same blocks differs from the trace", strings.Join(args, " "))
	}
	return out
}

// rerunCase reruns a saved case for its JSON result and checks the note it
// writes on standard error says how: continued, or traced afresh and why.
func rerunCase(t *testing.T, name, how string, args ...string) string {
	t.Helper()
	r := hound(t, append([]string{"case", "rerun", name, "--format", "json"}, args...)...)
	if r.code != 0 {
		t.Fatalf("case rerun %s: exit %d\n%s", name, r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "case "+name+": "+how) {
		t.Fatalf("case rerun %s: want %q, got:\n%s", name, how, r.stderr)
	}
	return r.stdout
}

// TestTraceBitcoin is the same kind of run on a real btcd regtest node:
// the seed's 10 BTC split; one branch merges with a clean coin and peels
// down to an exchange deposit, the other merges with the first's change and
// ends in a mixer. Every transaction pays the harness's fixed fee of 10,000
// sat and has no change output, so the amounts are exact.
func TestTraceBitcoin(t *testing.T) {
	ctx := t.Context()
	r := startRegtest(t, "hound-trace")
	n, w := r.Node, r.Wallet
	to := r.to
	addr := r.addr
	// spend sends one transaction and mines it in a block of its own.
	spend := func(ins []wire.OutPoint, outs ...*wire.TxOut) *wire.MsgTx {
		t.Helper()
		tx, err := n.Spend(ctx, ins, outs...)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := n.Generate(ctx, 1); err != nil {
			t.Fatal(err)
		}
		return tx
	}
	out := func(tx *wire.MsgTx, i uint32) []wire.OutPoint { return []wire.OutPoint{{Hash: tx.TxHash(), Index: i}} }
	const seed, a, b, k, c, d, e, f, g, exchange, mixer, hot = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12
	coinbase := w.UTXOs()[0] // block 1's 50 BTC, mature now
	theft := spend([]wire.OutPoint{coinbase.OutPoint}, to(seed, 1_000_000_000), to(k, 3_999_990_000))
	tx1 := spend(out(theft, 0), to(a, 600_000_000), to(b, 399_990_000))                             // hop 1: the split
	tx2 := spend(append(out(tx1, 0), out(theft, 1)...), to(c, 1_000_000_000), to(e, 3_599_980_000)) // hop 2: A merges with the clean K
	tx3 := spend(out(tx2, 0), to(d, 999_990_000))                                                   // hop 3
	tx4 := spend(out(tx3, 0), to(exchange, 999_980_000))                                            // hop 4: the exchange deposit
	tx5 := spend(out(tx1, 1), to(f, 399_980_000))                                                   // hop 2
	tx6 := spend(append(out(tx5, 0), out(tx2, 1)...), to(g, 3_999_950_000))                         // hop 3: F merges with E
	spend(out(tx6, 0), to(mixer, 3_999_940_000))                                                    // hop 4: into the mixer

	dir := filepath.Join(t.TempDir(), "store")
	labelFile := filepath.Join(t.TempDir(), "case.csv")
	os.WriteFile(labelFile, []byte("chain,address,category,entity,actor,group,campaign,source,confidence\n"+
		fmt.Sprintf("bitcoin,%s,theft,Test Exploiter,DPRK,Lazarus Group,Test 2026,test case,authority_data\n", addr(seed))+
		fmt.Sprintf("bitcoin,%s,exchange,Test Exchange,,,,test case,service_data\n", addr(exchange))+
		fmt.Sprintf("bitcoin,%s,mixer,Test Mixer,,,,test case,service_data\n", addr(mixer))), 0o644)
	mustHound(t, btcSyncArgs(n, n.URL(), dir)...)

	tests := []struct {
		model              string
		exchange, mixerTnt string
	}{
		// Haircut, floored per output, the fee takes the remainder:
		// tx2 has 600,000,000 T of 4,599,990,000: C gets
		//   floor(1e9*6e8/4599990000) = 130,435,066, E floor(3599980000*6e8/4599990000) = 469,563,629;
		// tx3: floor(999990000*130435066/1e9) = 130,433,761;
		// tx4: floor(999980000*130433761/999990000) = 130,432,456 to the exchange.
		// tx5: F is all tainted (399,980,000); tx6 holds 399,980,000 + 469,563,629 T of
		//   3,999,960,000: G gets floor(3999950000*869543629/3999960000) = 869,541,455;
		// tx7: floor(3999940000*869541455/3999950000) = 869,539,281 to the mixer.
		{"haircut", "130432456", "869539281"},
		// FIFO: tx2 streams A's 600,000,000 tainted sat first, all into C; E
		// is clean. C, D and the deposit carry them (each fee, served last,
		// takes clean sat). B was all tainted, so F carries 399,980,000 T;
		// they come first in tx6, so G and the mixer get them.
		{"fifo", "600000000", "399980000"},
	}
	for _, tt := range tests {
		var doc report.Document
		raw := mustHound(t, "trace", "bitcoin:"+addr(seed), "--model", tt.model, "--format", "json", "--store", dir, "--labels", labelFile)
		if err := json.Unmarshal([]byte(raw), &doc); err != nil {
			t.Fatal(err)
		}
		validateTrace(t, raw)
		if len(doc.Findings) != 4 {
			t.Fatalf("%s: %d findings:\n%s", tt.model, len(doc.Findings), raw)
		}
		// Two merges put their inputs' addresses in one cluster each:
		// A's coin with K's in tx2 (hop 1), F's with E's in tx6 (hop 2).
		sorted := func(x, y string) string {
			if x > y {
				x, y = y, x
			}
			return x + " " + y
		}
		for i, want := range []string{sorted(addr(a), addr(k)), sorted(addr(f), addr(e))} {
			if cl := doc.Findings[i]; cl.Kind != "cluster" || strings.Join(cl.Members, " ") != want || cl.Hop != i+1 || cl.Confidence != "0.9" {
				t.Errorf("%s: cluster finding %d: %+v, want members %s", tt.model, i, cl, want)
			}
		}
		ex, mx := doc.Findings[2], doc.Findings[3]
		if ex.Kind != "exchange" || ex.Address != addr(exchange) || ex.Tainted != tt.exchange || ex.Amount != "999980000" || ex.Hop != 4 || len(ex.Path) != 5 {
			t.Errorf("%s: exchange finding %+v", tt.model, ex)
		}
		if mx.Kind != "mixer" || mx.Address != addr(mixer) || mx.Tainted != tt.mixerTnt || mx.Amount != "3999940000" || mx.Hop != 4 || len(mx.Path) != 5 {
			t.Errorf("%s: mixer finding %+v", tt.model, mx)
		}
		// The exchange's path: the seed's coin into tx1, then A, C, D, the deposit.
		wantPath := []string{tx1.TxHash().String(), tx2.TxHash().String(), tx3.TxHash().String()}
		for i, h := range wantPath {
			if got := ex.Path[i+1].Tx; got != h {
				t.Errorf("%s: exchange path step %d in tx %s, want %s", tt.model, i+1, got, h)
			}
		}
	}

	// A saved case, rerun after the exchange moved the deposit to its hot
	// wallet: the walk saved the deposit as resting at the exchange's
	// address; continued, the edge enters the spending transaction, as a
	// fresh trace has it (and the branch still ends at the exchange).
	mustHound(t, "trace", "bitcoin:"+addr(seed), "--case", "btc", "--store", dir, "--labels", labelFile, "--format", "json")
	sweep := spend(out(tx4, 0), to(hot, 999_970_000))
	mustHound(t, btcSyncArgs(n, n.URL(), dir)...)
	rerun := rerunCase(t, "btc", "continued from the saved walk", "--store", dir, "--labels", labelFile)
	if fresh := mustHound(t, "trace", "bitcoin:"+addr(seed), "--store", dir, "--labels", labelFile, "--format", "json"); rerun != fresh {
		t.Fatalf("the rerun differs from a fresh trace:\n%s\nfresh:\n%s", rerun, fresh)
	}
	if !strings.Contains(rerun, `"to": "bitcoin:tx:`+sweep.TxHash().String()) {
		t.Errorf("the deposit's edge does not enter the sweep %s:\n%s", sweep.TxHash(), rerun)
	}
}

// validateTrace checks a trace document against the repository's JSON
// Schema of hound.trace/v1.
func validateTrace(t *testing.T, raw string) {
	t.Helper()
	validateSchema(t, raw, "trace.schema.json")
}

// validateSchema checks a JSON document against one of trace/report's
// JSON Schema files.
func validateSchema(t *testing.T, raw, schema string) {
	t.Helper()
	v, err := jsonschema.Load("../../trace/report")
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if err := v.Validate(schema, doc); err != nil {
		t.Fatalf("the document does not follow trace/report/%s: %v", schema, err)
	}
}

// TestTraceSchemaRejects checks that the schema has teeth: broken documents
// fail it.
func TestTraceSchemaRejects(t *testing.T) {
	v, err := jsonschema.Load("../../trace/report")
	if err != nil {
		t.Fatal(err)
	}
	good := `{"schema":"hound.trace/v1","version":"v1","model":"haircut","seeds":["ethereum:0x01"],"heights":{"ethereum":5},
		"findings":[],"nodes":[],"edges":[{"id":0,"chain":"ethereum","tx":"","block":1,"time":"2026-01-01T00:00:00Z",
		"from":"ethereum:0x01","to":"ethereum:0x02","asset":"native","amount":"10","tainted":"5","hop":1}]}`
	for name, doc := range map[string]string{
		"good":            good,
		"unknown model":   strings.Replace(good, `"haircut"`, `"magic"`, 1),
		"float amount":    strings.Replace(good, `"tainted":"5"`, `"tainted":"5.5"`, 1),
		"missing heights": strings.Replace(good, `"heights":{"ethereum":5},`, ``, 1),
	} {
		var inst any
		dec := json.NewDecoder(strings.NewReader(doc))
		dec.UseNumber()
		if err := dec.Decode(&inst); err != nil {
			t.Fatal(err)
		}
		err := v.Validate("trace.schema.json", inst)
		if (name == "good") != (err == nil) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
