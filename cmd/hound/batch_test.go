package main

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/chains/ethereum/ethtest"
	"github.com/houndtrace/hound/store"
	"github.com/houndtrace/hound/trace/report"
)

// batchLabelsHeader is the header of Hound's label CSV.
const batchLabelsHeader = "chain,address,category,entity,actor,group,campaign,source,confidence\n"

// readBatchSummary reads a --summary file.
func readBatchSummary(t *testing.T, path string) batchSummary {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s batchSummary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestBatch screens a file of rows on the simulated chain of TestScreen
// (zero gas price; S a DPRK-labelled thief; X got 10 ETH from S and 30
// from K; D got 20 from X and 5 from S; C got 7 from K) through the
// command line: the batch syncs the chain itself, rebuilds the
// precomputed exposure, and writes exactly what hound screen writes for
// the same rows; a run cut at any byte resumes to the same output; the
// next night, after K is labelled too, it reports the new hits and the
// rows whose risk changed.
func TestBatch(t *testing.T) {
	ec, err := ethtest.Start(ethtest.Options{Accounts: 1, Unfunded: 6, ZeroGasPrice: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ec.Close() })
	c := pbChain{t, ec}
	const funder, s, k, x, d, cl, e = 0, 1, 2, 3, 4, 5, 6
	var txs []common.Hash
	send := func(from, to int, eth int64) { txs = append(txs, c.tx(c.SendETH(from, c.Addr(to), ether(eth)))) }
	send(funder, s, 100) // t0
	send(funder, k, 100) // t1
	c.commit()
	send(s, x, 10) // t2
	c.commit()
	send(k, x, 30) // t3
	c.commit()
	send(x, d, 20) // t4
	c.commit()
	send(s, d, 5)  // t5
	send(k, cl, 7) // t6
	c.commit()

	tmp := t.TempDir()
	dir := filepath.Join(tmp, "store")
	lower := func(i int) string { return strings.ToLower(c.Addr(i).Hex()) }
	label := func(i int) string {
		return fmt.Sprintf("ethereum,%s,theft,Test Exploiter,DPRK,Lazarus Group,Batch 2026,test case,authority_data\n", lower(i))
	}
	labelS, labelK := filepath.Join(tmp, "s.csv"), filepath.Join(tmp, "k.csv")
	os.WriteFile(labelS, []byte(batchLabelsHeader+label(s)), 0o644)
	os.WriteFile(labelK, []byte(batchLabelsHeader+label(k)), 0o644)

	// The rows: every address (D once more by its checksum), unknown
	// addresses, every transaction as a deposit, a repeated row, and rows
	// that cannot be read.
	names := []string{"funder", "s", "k", "x", "d", "cl", "e"}
	var in strings.Builder
	in.WriteString("id,chain,address,tx\n")
	for i, n := range names {
		fmt.Fprintf(&in, "a-%s,ethereum,%s,\n", n, lower(i))
	}
	fmt.Fprintf(&in, "a-d-checksum,ethereum,%s,\n", c.Addr(d).Hex())
	for i := range 3 {
		fmt.Fprintf(&in, "u%d,ethereum,0x%040x,\n", i, 0xaa+i)
	}
	for i, h := range txs {
		fmt.Fprintf(&in, "t%d,ethereum,,%s\n", i, strings.ToLower(h.Hex()))
	}
	fmt.Fprintf(&in, "t4-again,ethereum,,%s\n", strings.ToLower(txs[4].Hex()))
	fmt.Fprintf(&in, "t4-again,ethereum,,%s\n", strings.ToLower(txs[4].Hex()))
	in.WriteString("bad-address,ethereum,0xnot-an-address,\n")
	in.WriteString("bad-chain,dogecoin,DH5yaieqoZN36fDVciNyRueRGvGLR3mr7L,\n")
	fmt.Fprintf(&in, "bad-both,ethereum,%s,%s\n", lower(d), strings.ToLower(txs[0].Hex()))
	fmt.Fprintf(&in, "a-cl-again,ethereum,%s,\n", lower(cl))
	input := filepath.Join(tmp, "rows.csv")
	os.WriteFile(input, []byte(in.String()), 0o644)
	const rows = 24

	// Night 1: the batch syncs blocks 0-5 and builds the exposure.
	out := filepath.Join(tmp, "night.jsonl")
	sum1 := filepath.Join(tmp, "summary1.json")
	nightly := func(summary string, labels ...string) []string {
		args := []string{"batch", "--input", input, "--output", out, "--store", dir, "--sync", "ethereum=" + c.URL(),
			"--confirmations", "0", "--fail-on", "severe", "--summary", summary, "--log-level", "error"}
		for _, l := range labels {
			args = append(args, "--labels", l)
		}
		return args
	}
	args := nightly(sum1, labelS)
	r := hound(t, args...)
	if r.code != exitHits || !strings.Contains(r.stderr, "ethereum: synced blocks 0-5") || !strings.Contains(r.stderr, "rebuilding it") ||
		!strings.Contains(r.stderr, "6 subject(s) at or above risk severe") {
		t.Fatalf("night 1: exit %d\n%s", r.code, r.stderr)
	}
	night1, _ := os.ReadFile(out)
	screen := mustHoundCode(t, exitHits, "screen", "--input", input, "--format", "jsonl", "--store", dir, "--labels", labelS, "--fail-on", "severe")
	if screen != string(night1) {
		t.Fatalf("the batch wrote\n%s\nhound screen\n%s", night1, screen)
	}
	lines := strings.Split(strings.TrimSuffix(string(night1), "\n"), "\n")
	validateScreen(t, `{"schema":"hound.screen/v1","version":"x","heights":{},"labels_digest":"sha256:`+strings.Repeat("0", 64)+`","model":"haircut","hops":6,"results":[`+
		strings.Join(lines, ",")+`]}`)
	// By hand: S is the source (severe); X got 10 of its 40 ETH from S
	// directly, D 5 of 25 (severe both, D also by its checksum); S's
	// transfers to X and D are direct (t2, t5: severe); X's 20 to D carry
	// 20*10/40 = 5 (t4 and its two repeats: high, a share of 0.25); K, C,
	// and the other transfers are clean (none); the funder received
	// nothing, E nothing yet, the u's are unknown to the store, and the
	// three bad rows are errors (unknown).
	s1 := readBatchSummary(t, sum1)
	wantRisk := map[string]int{"severe": 6, "high": 3, "medium": 0, "low": 0, "none": 7, "unknown": 8}
	if s1.Rows != rows || s1.Errors != 3 || fmt.Sprint(s1.Risk) != fmt.Sprint(wantRisk) || s1.Hits != 6 || s1.FailOn != "severe" ||
		s1.Methods["precomputed"] != rows-3 || s1.Methods["none"] != 3 || s1.Previous != nil || s1.NewHits != 6 || s1.Changed != 0 ||
		s1.Resumed != 0 || s1.Screened != rows || s1.Heights["ethereum"] != 5 || s1.Job != "night.jsonl" || s1.Schema != "hound.batch/v1" {
		t.Errorf("night 1 summary %+v", s1)
	}
	if !strings.Contains(r.stderr, "risk: severe 6, high 3, medium 0, low 0, none 7, unknown 8") {
		t.Errorf("night 1 stderr:\n%s", r.stderr)
	}

	// A run killed at any point resumes to the same output, without
	// syncing again. (The state is set back to unfinished and the output
	// cut where a kill could have left it.)
	statePath := out + batchStateSuffix
	finished, _ := os.ReadFile(statePath)
	unfinish := func(path string, state []byte, cut []byte) {
		var st batchState
		json.Unmarshal(state, &st)
		st.Done, st.RowsDone = false, 3 // the count is advisory
		if err := st.write(path); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(path, cut, 0o644)
	}
	first := strings.IndexByte(string(night1), '\n') + 1
	for _, cut := range []int{0, 1, first - 1, first, first + 5, len(night1) / 2, len(night1) - 1, len(night1)} {
		unfinish(out, finished, night1[:cut])
		r := hound(t, args...)
		got, _ := os.ReadFile(out)
		if r.code != exitHits || !strings.Contains(r.stderr, "resuming run") || strings.Contains(r.stderr, "synced") || !bytes.Equal(got, night1) {
			t.Fatalf("resumed after byte %d: exit %d\n%s\n%s", cut, r.code, r.stderr, got)
		}
	}

	// CSV: the same rows as hound screen --format csv writes them, and
	// resumed from any cut as well.
	outCSV := filepath.Join(tmp, "night.csv")
	argsCSV := []string{"batch", "--input", input, "--output", outCSV, "--store", dir, "--labels", labelS, "--quiet"}
	if r := hound(t, argsCSV...); r.code != exitHits {
		t.Fatalf("csv: exit %d\n%s", r.code, r.stderr)
	}
	csv1, _ := os.ReadFile(outCSV)
	if screen := mustHoundCode(t, exitHits, "screen", "--input", input, "--format", "csv", "--store", dir, "--labels", labelS); screen != string(csv1) {
		t.Fatalf("the batch wrote\n%s\nhound screen\n%s", csv1, screen)
	}
	finishedCSV, _ := os.ReadFile(outCSV + batchStateSuffix)
	header := len(batchCSVHeader())
	for _, cut := range []int{0, 5, header, header + 1, header + bytes.IndexByte(csv1[header:], '\n') + 1, len(csv1) / 2, len(csv1) - 1, len(csv1)} {
		unfinish(outCSV, finishedCSV, csv1[:cut])
		r := hound(t, argsCSV...)
		got, _ := os.ReadFile(outCSV)
		if r.code != exitHits || !bytes.Equal(got, csv1) {
			t.Fatalf("csv resumed after byte %d: exit %d\n%s\n%s", cut, r.code, r.stderr, got)
		}
	}
	// An unfinished run of another input is not resumed, unless asked to
	// start over; nor is a run of the same input with other flags.
	unfinish(outCSV, finishedCSV, csv1[:len(csv1)/2])
	if r := hound(t, append(argsCSV, "--model", "fifo")...); r.code != exitUsage || !strings.Contains(r.stderr, "--restart to start over") {
		t.Errorf("other flags: exit %d\n%s", r.code, r.stderr)
	}
	other := filepath.Join(tmp, "other.csv")
	os.WriteFile(other, []byte(in.String()+"extra,ethereum,"+lower(k)+",\n"), 0o644)
	argsOther := []string{"batch", "--input", other, "--output", outCSV, "--store", dir, "--labels", labelS}
	if r := hound(t, argsOther...); r.code != exitUsage || !strings.Contains(r.stderr, "the input changed since the run began") {
		t.Errorf("other input: exit %d\n%s", r.code, r.stderr)
	}
	if r := hound(t, append(argsOther, "--restart")...); r.code != exitHits || strings.Contains(r.stderr, "resuming") {
		t.Errorf("--restart: exit %d\n%s", r.code, r.stderr)
	}
	if got, _ := os.ReadFile(outCSV); !bytes.HasPrefix(got, csv1) || !strings.HasPrefix(string(got[len(csv1):]), "extra,ethereum,ethereum:"+lower(k)+",none,") {
		t.Errorf("restarted:\n%s", got)
	}

	// Exit 0 when no row reaches --fail-on; 2 for bad usage.
	clean := filepath.Join(tmp, "clean.jsonl")
	if r := hound(t, "batch", "--input", input, "--output", clean, "--store", dir, "--labels", labelS, "--fail-on", "severe", "--hops", "1", "--method", "walk"); r.code != exitHits {
		t.Errorf("walk: exit %d\n%s", r.code, r.stderr)
	}
	cleanInput := filepath.Join(tmp, "clean.csv")
	os.WriteFile(cleanInput, []byte("id,subject\nk,ethereum:"+lower(k)+"\nc,ethereum:"+lower(cl)+"\n"), 0o644)
	if r := hound(t, "batch", "--input", cleanInput, "--output", clean, "--store", dir, "--labels", labelS); r.code != 0 ||
		!strings.Contains(r.stderr, "risk: severe 0, high 0, medium 0, low 0, none 2, unknown 0") {
		t.Errorf("clean: exit %d\n%s", r.code, r.stderr)
	}
	for _, bad := range [][]string{
		{"--input", input},
		{"--input", input, "--output", filepath.Join(tmp, "out.xml")},
		{"--input", input, "--output", clean, "--format", "table"},
		{"--input", input, "--output", clean, "--sync", "ethereum"},
		{"--input", input, "--output", clean, "--sync", "dogecoin=http://127.0.0.1:1"},
		{"--input", input, "--output", input, "--format", "csv"},
		{"--input", filepath.Join(tmp, "missing.csv"), "--output", clean},
		{"--input", input, "--output", clean, "--fail-on", "bad"},
	} {
		if r := hound(t, append(append([]string{"batch", "--store", dir}, bad...), "--labels", labelS)...); r.code != exitUsage {
			t.Errorf("batch %v: exit %d, want %d\n%s", bad, r.code, exitUsage, r.stderr)
		}
	}

	// Night 2: K is labelled too, and C pays E 2 ETH in a new block. The
	// batch syncs it, rebuilds the exposure (new labels, new heights),
	// and reports: K itself, C and C again (7 ETH from K directly), K's
	// transfers to X and C (t3, t6) and the new row for K are new severe
	// hits; E went from unknown to high (its 2 ETH all tainted, one hop
	// further); X, D and S stay severe, X's transfer to D stays high (now
	// all 20 of it tainted, indirectly).
	c.tx(c.SendETH(cl, c.Addr(e), ether(2)))
	c.commit()
	os.WriteFile(input, []byte(in.String()+"k-new,ethereum,"+lower(k)+",\n"), 0o644)
	sum2 := filepath.Join(tmp, "summary2.json")
	r = hound(t, nightly(sum2, labelS, labelK)...)
	if r.code != exitHits || !strings.Contains(r.stderr, "ethereum: synced blocks 6-6") || !strings.Contains(r.stderr, "rebuilding it") ||
		!strings.Contains(r.stderr, "at or above severe: 12, 6 new since run "+s1.Run) {
		t.Fatalf("night 2: exit %d\n%s", r.code, r.stderr)
	}
	night2, _ := os.ReadFile(out)
	if screen := mustHoundCode(t, exitHits, "screen", "--input", input, "--format", "jsonl", "--store", dir, "--labels", labelS, "--labels", labelK); screen != string(night2) {
		t.Fatalf("night 2: the batch wrote\n%s\nhound screen\n%s", night2, screen)
	}
	s2 := readBatchSummary(t, sum2)
	ids := func(cs []batchChange) string {
		var out []string
		for _, c := range cs {
			out = append(out, fmt.Sprintf("%d:%s:%s<-%s", c.Row, c.ID, c.Risk, c.Previous))
		}
		return strings.Join(out, " ")
	}
	wantNew := "3:a-k:severe<-none 6:a-cl:severe<-none 15:t3:severe<-none 18:t6:severe<-none 24:a-cl-again:severe<-none 25:k-new:severe<-"
	wantChanged := "3:a-k:severe<-none 6:a-cl:severe<-none 7:a-e:high<-unknown 15:t3:severe<-none 18:t6:severe<-none 24:a-cl-again:severe<-none"
	if s2.Previous == nil || s2.Previous.Run != s1.Run || s2.Previous.Rows != rows || s2.Rows != rows+1 || s2.Hits != 12 ||
		s2.NewHits != 6 || s2.Changed != 6 || ids(s2.NewHitRows) != wantNew || ids(s2.ChangedRows) != wantChanged || s2.Heights["ethereum"] != 6 {
		t.Errorf("night 2 summary: previous %+v, %d rows, %d hits\nnew     %s\nchanged %s", s2.Previous, s2.Rows, s2.Hits, ids(s2.NewHitRows), ids(s2.ChangedRows))
	}
	if !strings.Contains(r.stderr, "new hit: row 25, k-new ethereum:"+lower(k)+": severe (new row)") ||
		!strings.Contains(r.stderr, "changed: row 7, a-e ethereum:"+lower(e)+": high (was unknown)") {
		t.Errorf("night 2 stderr:\n%s", r.stderr)
	}
}

// mustHoundCode runs hound and fails the test unless it exits with code.
func mustHoundCode(t *testing.T, code int, args ...string) string {
	t.Helper()
	r := hound(t, args...)
	if r.code != code {
		t.Fatalf("hound %s: exit %d, want %d\n%s%s", strings.Join(args, " "), r.code, code, r.stdout, r.stderr)
	}
	return r.stdout
}

// TestBatchScanOutput cuts an output at every byte and checks what a
// resumed run keeps of it: in either format a prefix of whole results,
// each checked against its input row; JSON lines keep every complete line,
// CSV every complete result but the last (a result is one record per
// asset, and the records cannot show that no asset follows), so results
// of several assets, repeated rows and error rows never come out twice or
// in part.
func TestBatchScanOutput(t *testing.T) {
	a := "ethereum:0x00000000000000000000000000000000000000a1"
	b := "ethereum:0x00000000000000000000000000000000000000b2"
	rows := subjectRows([]string{a, a, b, "ethereum:0xbad", a, "ethereum:0x00000000000000000000000000000000000000C3"})
	exposure := func(assets ...string) []report.AssetExposure {
		var out []report.AssetExposure
		for _, x := range assets {
			out = append(out, report.AssetExposure{Asset: x, Inflow: "10", Direct: report.Share{Amount: "1", Share: "0.1"}, Indirect: report.Share{Amount: "0", Share: "0"}})
		}
		return out
	}
	result := func(i int, risk string, assets ...string) report.ScreenResult {
		r := report.ScreenResult{ID: rows[i].ID, Chain: "ethereum", Subject: report.SubjectString(rows[i].sub), Risk: risk, Method: "precomputed",
			Exposure: exposure(assets...), Paths: [][]report.PathStep{}, Sources: []report.ScreenSource{}}
		r.Coverage.Seen = len(assets) > 0
		return r
	}
	results := []report.ScreenResult{
		result(0, "severe", "native", "0xtoken"),
		result(1, "severe", "native", "0xtoken"),
		result(2, "unknown"),
		report.ErrorResult(rows[3].ID, rows[3].Chain, rows[3].Subject, rows[3].err),
		result(4, "severe", "native", "0xtoken"),
		result(5, "low", "native", "0xtoken", "0xother"),
	}
	dir := t.TempDir()
	for _, format := range []string{"jsonl", "csv"} {
		enc := batchEncoder{format: format}
		var full []byte
		if format == "csv" {
			full = batchCSVHeader()
		}
		ends := []int{len(full)} // ends[i]: where result i-1 ends
		for i := range results {
			data, err := enc.encode(&results[i])
			if err != nil {
				t.Fatal(err)
			}
			full = append(full, data...)
			ends = append(ends, len(full))
		}
		path := filepath.Join(dir, "out."+format)
		for cut := 0; cut <= len(full); cut++ {
			os.WriteFile(path, full[:cut], 0o644)
			out := make([]batchOutcome, len(rows))
			done, end, err := scanBatchOutput(path, format, rows, out)
			if err != nil {
				t.Fatalf("%s cut at %d: %v", format, cut, err)
			}
			complete := 0
			for complete < len(results) && ends[complete+1] <= cut {
				complete++
			}
			want := complete
			if format == "csv" && complete > 0 {
				// The last complete result counts only when a whole
				// record of the next one shows that it ended.
				next := ends[complete]
				if nl := bytes.IndexByte(full[next:cut], '\n'); nl < 0 {
					want = complete - 1
				}
			}
			if done != want || (done > 0 && int64(ends[done]) != end) || (done == 0 && end > int64(ends[0])) {
				t.Fatalf("%s cut at %d: %d rows done ending at %d, want %d rows ending at %d", format, cut, done, end, want, ends[want])
			}
			for i := range done {
				if o := out[i]; o.id != results[i].ID || o.subject != results[i].Subject || o.risk != results[i].Risk || o.failed != (i == 3) {
					t.Fatalf("%s cut at %d: row %d %+v", format, cut, i, o)
				}
			}
		}
		// An output of other rows is refused.
		other := subjectRows([]string{b, a, a, "ethereum:0xbad", a, b})
		os.WriteFile(path, full, 0o644)
		var nc errNotContinued
		if _, _, err := scanBatchOutput(path, format, other, make([]batchOutcome, len(other))); !errors.As(err, &nc) || nc.row != 1 {
			t.Errorf("%s: another input's output: %v", format, err)
		}
	}
}

// The synthetic store of TestBatchResumeAtScale: an Ethereum-like chain of
// batchScaleBlocks blocks of batchScalePerBlock transfers each (500,000
// transfers: 1,000,000 flows), built straight through store.Commit.
const (
	batchScaleBlocks    = 2000
	batchScalePerBlock  = 250
	batchScaleBatch     = 5       // transfers a transaction (a batch payout)
	batchScaleCustomers = 120_000 // addresses that trade among themselves
	batchScaleSources   = 25      // DPRK-labelled thieves
	batchScalePayouts   = 40      // each thief's payouts to customers, early in the chain
	batchScaleRows      = 100_000
)

// batchScaleAddr derives an address from a name, spread over the key space
// as real addresses are.
func batchScaleAddr(kind string, i int) string {
	h := sha256.Sum256(fmt.Appendf(nil, "%s/%d", kind, i))
	return "0x" + hex.EncodeToString(h[:20])
}

// buildBatchScaleStore writes the synthetic chain into a store in dir,
// deterministically. Each transaction pays batchScaleBatch recipients from
// one sender (a batch payout). Block 1 pays each thief 10,000 ETH from a
// drained bridge; over the first fifth of the chain each thief pays
// random customers; every other transfer is a customer paying another, so
// taint spreads hop by hop, thinner at each. It returns the transaction
// hashes, for deposits to screen.
func buildBatchScaleStore(t testing.TB, dir string) (txs []chains.Hash) {
	t.Helper()
	r := rand.New(rand.NewPCG(2026, 4))
	gwei := big.NewInt(1e9)
	eth := func(lo, hi uint64) *big.Int { // whole gwei in [lo, hi) ETH
		return new(big.Int).Mul(new(big.Int).SetUint64(lo*1e9+r.Uint64N((hi-lo)*1e9)), gwei)
	}
	customers := make([]chains.Address, batchScaleCustomers)
	for i := range customers {
		customers[i] = chains.Address(batchScaleAddr("customer", i))
	}
	customer := func() chains.Address { return customers[r.IntN(len(customers))] }
	// Each thief pays out in batchScalePayouts/batchScaleBatch
	// transactions, at random blocks of the first fifth of the chain.
	type payout struct {
		block uint64
		from  chains.Address
	}
	var payouts []payout
	for s := range batchScaleSources {
		for range batchScalePayouts / batchScaleBatch {
			payouts = append(payouts, payout{2 + r.Uint64N(batchScaleBlocks/5), chains.Address(batchScaleAddr("dprk", s))})
		}
	}
	slices.SortStableFunc(payouts, func(a, b payout) int { return cmp.Compare(a.block, b.block) })
	bridge := chains.Address(batchScaleAddr("bridge", 0))

	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var blocks []*chains.Block
	var parent chains.Hash
	next := 0
	for n := uint64(1); n <= batchScaleBlocks; n++ {
		b := &chains.Block{Chain: chains.Ethereum, Number: n, Parent: parent, Time: 1_700_000_000 + 12*n}
		b.Hash = sha256.Sum256(fmt.Appendf(nil, "block/%d", n))
		parent = b.Hash
		thief := false // the transaction is a thief's payout
		for i := range batchScalePerBlock {
			// A transaction pays batchScaleBatch recipients of one sender.
			ordinal := uint32(i%batchScaleBatch) + 1
			if ordinal == 1 {
				from := customer()
				thief = false
				switch {
				case n == 1 && i < batchScaleSources:
					from = bridge
				case next < len(payouts) && payouts[next].block <= n:
					from, thief = payouts[next].from, true
					next++
				}
				h := chains.Hash(sha256.Sum256(fmt.Appendf(nil, "tx/%d/%d", n, i)))
				txs = append(txs, h)
				b.Txs = append(b.Txs, chains.Tx{Hash: h, Index: uint32(len(b.Txs)), From: from, To: from, Status: chains.TxSucceeded})
			}
			tx := &b.Txs[len(b.Txs)-1]
			to, amount := customer(), eth(0, 20)
			switch {
			case tx.From == bridge:
				to, amount = chains.Address(batchScaleAddr("dprk", i)), eth(10_000, 10_001)
			case thief:
				amount = eth(1, 200)
			}
			b.Transfers = append(b.Transfers, chains.Transfer{Chain: chains.Ethereum, Tx: tx.Hash, Pos: chains.Pos{Block: n, TxIndex: tx.Index, Index: ordinal},
				Time: b.Time, From: tx.From, To: to, Asset: chains.Native, Amount: amount, Kind: chains.KindNative})
		}
		blocks = append(blocks, b)
		if len(blocks) == 20 || n == batchScaleBlocks {
			if err := st.Commit(chains.Ethereum, blocks, nil); err != nil {
				t.Fatal(err)
			}
			blocks = blocks[:0]
		}
	}
	if next != len(payouts) {
		t.Fatalf("%d of %d payouts scheduled", next, len(payouts))
	}
	return txs
}

// TestBatchResumeAtScale screens 100,000 rows against a store of 1,000,000
// flows twice: once straight through, and once interrupted (SIGTERM: exit
// 130), killed (SIGKILL, mid-write) and resumed to the end. The two outputs
// must be the same bytes, each row's result once, in input order.
func TestBatchResumeAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds a store of 1,000,000 flows and screens 100,000 rows twice, interrupted and killed (about 30s)")
	}
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "store")
	began := time.Now()
	txs := buildBatchScaleStore(t, dir)
	built := time.Since(began)

	var labels strings.Builder
	labels.WriteString(batchLabelsHeader)
	for s := range batchScaleSources {
		fmt.Fprintf(&labels, "ethereum,%s,theft,Scale Exploiter %d,DPRK,Lazarus Group,Scale 2026,test case,authority_data\n", batchScaleAddr("dprk", s), s)
	}
	labelFile := filepath.Join(tmp, "labels.csv")
	os.WriteFile(labelFile, []byte(labels.String()), 0o644)

	// The rows: mostly customers, 2% addresses the store never saw, 10%
	// transactions (half of them one transfer by its ordinal), a thief
	// now and then, and a bad row in a thousand.
	r := rand.New(rand.NewPCG(7, 7))
	var in strings.Builder
	in.WriteString("id,chain,address,tx\n")
	ids := make([]string, batchScaleRows)
	for i := range batchScaleRows {
		ids[i] = fmt.Sprintf("r%06d", i)
		switch {
		case i%1000 == 999:
			fmt.Fprintf(&in, "%s,ethereum,0xbad%d,\n", ids[i], i)
		case i%50 == 7:
			fmt.Fprintf(&in, "%s,ethereum,%s,\n", ids[i], batchScaleAddr("unknown", i))
		case i%20 == 3:
			fmt.Fprintf(&in, "%s,ethereum,,%s\n", ids[i], txs[r.IntN(len(txs))].Format(chains.Ethereum))
		case i%20 == 13:
			fmt.Fprintf(&in, "%s,ethereum,,%s:%d\n", ids[i], txs[r.IntN(len(txs))].Format(chains.Ethereum), 1+r.IntN(batchScaleBatch))
		case i%500 == 42:
			fmt.Fprintf(&in, "%s,ethereum,%s,\n", ids[i], batchScaleAddr("dprk", r.IntN(batchScaleSources)))
		default:
			fmt.Fprintf(&in, "%s,ethereum,%s,\n", ids[i], batchScaleAddr("customer", r.IntN(batchScaleCustomers)))
		}
	}
	input := filepath.Join(tmp, "rows.csv")
	os.WriteFile(input, []byte(in.String()), 0o644)

	began = time.Now()
	mustHound(t, "exposure", "rebuild", "--store", dir, "--labels", labelFile)
	rebuilt := time.Since(began)

	batch := func(out string) []string {
		return []string{"batch", "--input", input, "--output", out, "--store", dir, "--labels", labelFile,
			"--summary", out + ".summary.json", "--log-level", "error"}
	}
	out1, out2 := filepath.Join(tmp, "out1.jsonl"), filepath.Join(tmp, "out2.jsonl")
	began = time.Now()
	res := hound(t, batch(out1)...)
	straight := time.Since(began)
	if res.code != exitHits {
		t.Fatalf("uninterrupted: exit %d\n%s", res.code, res.stderr)
	}
	want, _ := os.ReadFile(out1)
	sum1 := readBatchSummary(t, out1+".summary.json")

	// stopAt starts the batch into out2 and sends sig once the output
	// holds a fraction of the rows and, if midLine, ends within a line (a
	// full buffer of results went out, the rest of its last line not
	// yet); it returns the exit code, or minus the signal that ended the
	// process.
	stopAt := func(fraction float64, sig syscall.Signal, midLine bool) int {
		cmd := houndCmd(batch(out2)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		last := make([]byte, 1)
	poll:
		for {
			select {
			case err := <-exited:
				t.Fatalf("the batch ended (%v) before %v reached it\n%s", err, sig, stderr.String())
			case <-time.After(time.Millisecond):
			}
			f, err := os.Open(out2)
			if err != nil {
				continue
			}
			fi, err := f.Stat()
			if err == nil && float64(fi.Size()) >= fraction*float64(len(want)) {
				// (Past 90% a line's end will do.)
				_, err := f.ReadAt(last, fi.Size()-1)
				if err == nil && (!midLine || last[0] != '\n' || float64(fi.Size()) >= 0.9*float64(len(want))) {
					f.Close()
					break poll
				}
			}
			f.Close()
		}
		cmd.Process.Signal(sig)
		err := <-exited
		if ee, ok := err.(*exec.ExitError); ok {
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				return -int(ws.Signal())
			}
			return ee.ExitCode()
		}
		t.Fatalf("the batch ended (%v) before %v reached it\n%s", err, sig, stderr.String())
		return 0
	}
	began = time.Now()
	if code := stopAt(0.25, syscall.SIGTERM, false); code != exitInterrupted {
		t.Fatalf("SIGTERM: exit %d, want %d", code, exitInterrupted)
	}
	if code := stopAt(0.6, syscall.SIGKILL, true); code != -int(syscall.SIGKILL) {
		t.Fatalf("SIGKILL: exit %d", code)
	}
	cut, _ := os.ReadFile(out2)
	state, ok, err := readBatchState(out2)
	if err != nil || !ok || state.Done || state.RowsDone < batchScaleRows/4 || state.RowsDone > bytes.Count(cut, []byte{'\n'}) {
		t.Fatalf("after the kill: state %+v (%v), the output has %d lines", state, err, bytes.Count(cut, []byte{'\n'}))
	}
	res = hound(t, batch(out2)...)
	resumed := time.Since(began)
	if res.code != exitHits {
		t.Fatalf("resumed: exit %d\n%s", res.code, res.stderr)
	}
	got, _ := os.ReadFile(out2)
	sum2 := readBatchSummary(t, out2+".summary.json")
	t.Logf("store of %d transfers (%d flows) built in %.1fs; exposure rebuilt in %.1fs; uninterrupted batch of %d rows in %.1fs (%.0f rows/s screening); "+
		"interrupted, killed with %d complete lines of %d (%d bytes cut mid-line) and resumed in %.1fs in all; risk %v",
		batchScaleBlocks*batchScalePerBlock, 2*batchScaleBlocks*batchScalePerBlock, built.Seconds(), rebuilt.Seconds(), batchScaleRows,
		straight.Seconds(), sum1.RowsPerSecond, bytes.Count(cut, []byte{'\n'}), batchScaleRows, len(cut)-bytes.LastIndexByte(cut, '\n')-1,
		resumed.Seconds(), sum1.Risk)

	if !bytes.Equal(got, want) {
		t.Fatalf("the resumed output (%d bytes) differs from the uninterrupted one (%d bytes)", len(got), len(want))
	}
	lines := bytes.Split(bytes.TrimSuffix(got, []byte{'\n'}), []byte{'\n'})
	if len(lines) != batchScaleRows {
		t.Fatalf("%d lines, want %d", len(lines), batchScaleRows)
	}
	for i, l := range lines {
		var res struct{ ID string }
		if err := json.Unmarshal(l, &res); err != nil || res.ID != ids[i] {
			t.Fatalf("line %d: id %q (%v), want %s", i+1, res.ID, err, ids[i])
		}
	}
	// A fraction of the rows is exposed, at every level; the counts agree.
	if fmt.Sprint(sum2.Risk) != fmt.Sprint(sum1.Risk) || sum2.Rows != batchScaleRows || sum2.Resumed < batchScaleRows/4 ||
		sum2.Resumed+sum2.Screened != batchScaleRows || sum1.Errors != batchScaleRows/1000 || sum1.Methods["precomputed"] != batchScaleRows-sum1.Errors {
		t.Errorf("summaries: uninterrupted %+v\nresumed %+v", sum1, sum2)
	}
	for _, level := range []string{"severe", "high", "medium", "low", "none", "unknown"} {
		if sum1.Risk[level] == 0 {
			t.Errorf("no row at risk %s: %v", level, sum1.Risk)
		}
	}
}
