package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/houndtrace/hound/chains/ethereum/ethtest"
	"github.com/houndtrace/hound/trace/report"
)

// The accounts of the screening scenario: a funder, the thief S, K (clean
// money), X (mixes S's and K's), D (the screened deposit address) and C
// (clean).
const screenFunder, screenS, screenK, screenX, screenD, screenC = 0, 1, 2, 3, 4, 5

// playScreenScenario plays TestScreen's chain at zero gas price: S and K
// get 100 ETH each; S pays X 10, K pays X 30, X pays D 20, then S pays D 5
// (the returned transaction) and K pays C 7.
func playScreenScenario(t *testing.T) (pbChain, common.Hash) {
	t.Helper()
	ec, err := ethtest.Start(ethtest.Options{Accounts: 1, Unfunded: 5, ZeroGasPrice: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ec.Close() })
	c := pbChain{t, ec}
	c.tx(c.SendETH(screenFunder, c.Addr(screenS), ether(100)))
	c.tx(c.SendETH(screenFunder, c.Addr(screenK), ether(100)))
	c.commit()
	c.tx(c.SendETH(screenS, c.Addr(screenX), ether(10)))
	c.commit()
	c.tx(c.SendETH(screenK, c.Addr(screenX), ether(30)))
	c.commit()
	c.tx(c.SendETH(screenX, c.Addr(screenD), ether(20)))
	c.commit()
	deposit := c.tx(c.SendETH(screenS, c.Addr(screenD), ether(5)))
	c.tx(c.SendETH(screenK, c.Addr(screenC), ether(7)))
	c.commit()
	return c, deposit
}

// TestScreen screens addresses and deposits on the simulated chain at zero
// gas price through the command line: D got 5 ETH straight from the thief S
// and 20 ETH from X, which held 10 ETH of S's and 30 clean; C got only
// clean money; U is unknown to the store.
func TestScreen(t *testing.T) {
	c, deposit := playScreenScenario(t)
	const s, k, x, d, cl = screenS, screenK, screenX, screenD, screenC

	dir := filepath.Join(t.TempDir(), "store")
	lower := func(i int) string { return strings.ToLower(c.Addr(i).Hex()) }
	labelFile := filepath.Join(t.TempDir(), "labels.csv")
	os.WriteFile(labelFile, []byte("chain,address,category,entity,actor,group,campaign,source,confidence\n"+
		fmt.Sprintf("ethereum,%s,theft,Test Exploiter,DPRK,Lazarus Group,Screen 2026,test case,authority_data\n", lower(s))), 0o644)
	mustHound(t, "sync", "ethereum", "--rpc", c.URL(), "--store", dir, "--confirmations", "0", "--quiet", "--log-level", "error")
	unknown := "0x00000000000000000000000000000000000000aa"

	tests := []struct {
		model            string
		direct, indirect string // of D's 25 ETH
		share            string // the indirect share
	}{
		// Haircut: X holds 40 ETH, 10 tainted; its 20 to D carry 5.
		{"haircut", "5000000000000000000", "5000000000000000000", "0.2"},
		// FIFO: X's oldest 10 ETH are S's; all go to D.
		{"fifo", "5000000000000000000", "10000000000000000000", "0.4"},
	}
	for _, tt := range tests {
		r := hound(t, "screen", "ethereum:"+lower(d), "ethereum:"+lower(cl), "ethereum:"+unknown, "--model", tt.model,
			"--format", "json", "--store", dir, "--labels", labelFile)
		// D's direct exposure is severe: at or above --fail-on high.
		if r.code != exitHits || !strings.Contains(r.stderr, "1 subject(s) at or above risk high") {
			t.Fatalf("%s: exit %d, stderr %s", tt.model, r.code, r.stderr)
		}
		validateScreen(t, r.stdout)
		var doc report.ScreenDocument
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Schema != "hound.screen/v1" || doc.Model != tt.model || len(doc.Results) != 3 || !strings.HasPrefix(doc.LabelsDigest, "sha256:") {
			t.Fatalf("%s: document %s", tt.model, r.stdout)
		}
		dr, cr, ur := doc.Results[0], doc.Results[1], doc.Results[2]
		if dr.Risk != "severe" || dr.Method != "walked" || !dr.Coverage.Seen || len(dr.Exposure) != 1 {
			t.Fatalf("%s: D %+v", tt.model, dr)
		}
		e := dr.Exposure[0]
		// The direct share: 5 of 25.
		if e.Inflow != ether(25).String() || e.Direct.Amount != tt.direct || e.Direct.Share != "0.2" || e.Indirect.Amount != tt.indirect || e.Indirect.Share != tt.share {
			t.Errorf("%s: D exposure %+v", tt.model, e)
		}
		if len(dr.Sources) != 1 || dr.Sources[0].Address != lower(s) || dr.Sources[0].Entity != "Test Exploiter" || len(dr.Paths) != 2 {
			t.Errorf("%s: D sources %+v, %d paths", tt.model, dr.Sources, len(dr.Paths))
		}
		if cr.Risk != "none" || !cr.Coverage.Seen || cr.Exposure[0].Inflow != ether(7).String() || cr.Exposure[0].Direct.Amount != "0" || cr.Exposure[0].Indirect.Share != "0" {
			t.Errorf("%s: clean %+v", tt.model, cr)
		}
		if ur.Risk != "unknown" || ur.Coverage.Seen || len(ur.Exposure) != 0 {
			t.Errorf("%s: unknown %+v", tt.model, ur)
		}
	}

	// The precomputed exposure answers the same, by lookup; it goes stale
	// when the labels change, and screens walk again.
	walked := hound(t, "screen", "ethereum:"+lower(d), "ethereum:"+lower(cl), "ethereum:"+unknown, "ethereum:"+strings.ToLower(deposit.Hex()),
		"--format", "json", "--store", dir, "--labels", labelFile).stdout
	out := mustHound(t, "exposure", "rebuild", "--store", dir, "--labels", labelFile)
	if !strings.Contains(out, "exposure generation 1: 1 seeds") {
		t.Errorf("rebuild: %s", out)
	}
	if out := mustHound(t, "exposure", "info", "--store", dir, "--labels", labelFile); !strings.Contains(out, "current: screens answer from it") {
		t.Errorf("info: %s", out)
	}
	pre := hound(t, "screen", "ethereum:"+lower(d), "ethereum:"+lower(cl), "ethereum:"+unknown, "ethereum:"+strings.ToLower(deposit.Hex()),
		"--format", "json", "--store", dir, "--labels", labelFile).stdout
	validateScreen(t, pre)
	var w, p report.ScreenDocument
	json.Unmarshal([]byte(walked), &w)
	json.Unmarshal([]byte(pre), &p)
	if len(w.Results) != 4 || len(p.Results) != 4 {
		t.Fatalf("walked %d, precomputed %d results", len(w.Results), len(p.Results))
	}
	for i := range w.Results {
		wr, pr := w.Results[i], p.Results[i]
		if wr.Method != "walked" || pr.Method != "precomputed" || wr.Risk != pr.Risk || fmt.Sprint(wr.Exposure) != fmt.Sprint(pr.Exposure) {
			t.Errorf("result %d: walked %s %s %v, precomputed %s %s %v", i, wr.Method, wr.Risk, wr.Exposure, pr.Method, pr.Risk, pr.Exposure)
		}
	}
	other := filepath.Join(t.TempDir(), "other.csv")
	os.WriteFile(other, []byte("chain,address,category,entity,actor,group,campaign,source,confidence\n"+
		fmt.Sprintf("ethereum,%s,theft,Test Exploiter,DPRK,Lazarus Group,Screen 2026,test case,authority_data\n", lower(k))), 0o644)
	if out := mustHound(t, "exposure", "info", "--store", dir, "--labels", other); !strings.Contains(out, "stale (the labels changed since it was built)") {
		t.Errorf("info with other labels: %s", out)
	}
	stale := hound(t, "screen", "ethereum:"+lower(cl), "--format", "json", "--store", dir, "--labels", other)
	if !strings.Contains(stale.stdout, `"method": "walked"`) || !strings.Contains(stale.stdout, `"risk": "severe"`) {
		t.Errorf("stale screen:\n%s", stale.stdout)
	}

	// A file of rows, one of them bad, one a single deposit: results keep
	// the input order, the bad row gets its error, the clean ones exit 0.
	input := filepath.Join(t.TempDir(), "rows.csv")
	os.WriteFile(input, []byte("id,chain,address,tx\n"+
		"c1,ethereum,"+lower(cl)+",\n"+
		"bad,ethereum,0xnot-an-address,\n"+
		"dep,ethereum,,"+strings.ToLower(deposit.Hex())+"\n"), 0o644)
	r := hound(t, "screen", "--input", input, "--format", "jsonl", "--store", dir, "--labels", labelFile, "--fail-on", "severe")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != exitHits || len(lines) != 3 {
		t.Fatalf("exit %d, %d lines:\n%s%s", r.code, len(lines), r.stdout, r.stderr)
	}
	var rows []report.ScreenResult
	for _, l := range lines {
		var res report.ScreenResult
		if err := json.Unmarshal([]byte(l), &res); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, res)
	}
	// The deposit: S's 5 ETH to D, all of it from S directly.
	if rows[0].ID != "c1" || rows[0].Risk != "none" || rows[1].ID != "bad" || rows[1].Risk != "unknown" || !strings.Contains(rows[1].Error, "line 3") ||
		rows[2].ID != "dep" || rows[2].Risk != "severe" || rows[2].Exposure[0].Direct.Amount != ether(5).String() || rows[2].Exposure[0].Direct.Share != "1" {
		t.Errorf("rows %+v", rows)
	}
	if r := hound(t, "screen", "ethereum:"+lower(cl), "--store", dir, "--labels", labelFile); r.code != 0 || !strings.Contains(r.stdout, "none") {
		t.Errorf("clean table: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := hound(t, "screen", "--store", dir); r.code != exitUsage || !strings.Contains(r.stderr, "name the subjects to screen") {
		t.Errorf("no subjects: exit %d, %s", r.code, r.stderr)
	}
	// New blocks: the next rebuild adds their inflows to the totals it
	// keeps instead of reading every flow again, and answers as the walk
	// does. S pays C 1 ETH: C's 8 ETH now hold 1 from S directly.
	c.tx(c.SendETH(s, c.Addr(cl), ether(1)))
	c.commit()
	c.tx(c.SendETH(x, c.Addr(cl), ether(2)))
	c.commit()
	mustHound(t, "sync", "ethereum", "--rpc", c.URL(), "--store", dir, "--confirmations", "0", "--quiet", "--log-level", "error")
	if out := mustHound(t, "exposure", "rebuild", "--store", dir, "--labels", labelFile); !strings.Contains(out, "(inflows ethereum added blocks") {
		t.Errorf("incremental rebuild: %s", out)
	}
	subjects := []string{"ethereum:" + lower(d), "ethereum:" + lower(cl), "ethereum:" + lower(x), "ethereum:" + unknown}
	walk := hound(t, append([]string{"screen", "--format", "json", "--method", "walk", "--store", dir, "--labels", labelFile}, subjects...)...).stdout
	look := hound(t, append([]string{"screen", "--format", "json", "--method", "precomputed", "--store", dir, "--labels", labelFile}, subjects...)...).stdout
	json.Unmarshal([]byte(walk), &w)
	json.Unmarshal([]byte(look), &p)
	for i := range w.Results {
		if fmt.Sprint(w.Results[i].Exposure) != fmt.Sprint(p.Results[i].Exposure) || w.Results[i].Risk != p.Results[i].Risk || p.Results[i].Method != "precomputed" {
			t.Errorf("after new blocks, result %d: walked %v %s, precomputed %v %s", i, w.Results[i].Exposure, w.Results[i].Risk, p.Results[i].Exposure, p.Results[i].Method)
		}
	}
	// C: 7 + 1 + 2 ETH in; S's 1 directly; X's 2 out of its 20 left after
	// paying D, of which 5 of 40 were S's: floor(2e18*5/20) = 0.5 ETH.
	if e := p.Results[1].Exposure[0]; e.Inflow != ether(10).String() || e.Direct.Amount != ether(1).String() || e.Indirect.Amount != "500000000000000000" {
		t.Errorf("C after new blocks: %+v", e)
	}
}

// validateScreen checks a screening document against the repository's
// JSON Schema of hound.screen/v1.
func validateScreen(t *testing.T, raw string) {
	t.Helper()
	validateSchema(t, raw, "screen.schema.json")
}
