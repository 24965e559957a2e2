package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/chains/ethereum/ethtest"
	"github.com/houndtrace/hound/store"
)

// TestMain lets the tests run this very binary as the hound command: with
// HOUND_TEST_MAIN=1 it is hound, so a test can kill it mid-sync.
func TestMain(m *testing.M) {
	if os.Getenv("HOUND_TEST_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// result is what a hound process left behind.
type result struct {
	stdout, stderr string
	code           int
}

func houndCmd(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "HOUND_TEST_MAIN=1", "HOUND_STORE=")
	return cmd
}

// hound runs the hound command to its end.
func hound(t *testing.T, args ...string) result {
	t.Helper()
	cmd := houndCmd(args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{stdout.String(), stderr.String(), code}
}

// mustHound runs hound and fails the test unless it exits 0.
func mustHound(t *testing.T, args ...string) string {
	t.Helper()
	r := hound(t, args...)
	if r.code != 0 {
		t.Fatalf("hound %s: exit %d\n%s%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

func syncArgs(url, dir string, from, to uint64, extra ...string) []string {
	args := []string{"sync", "ethereum", "--rpc", url, "--store", dir, "--quiet", "--log-level", "error",
		"--from", strconv.FormatUint(from, 10), "--to", strconv.FormatUint(to, 10)}
	return append(args, extra...)
}

// storeKeys lists every key and value of the store in dir.
func storeKeys(t *testing.T, dir string) []string {
	t.Helper()
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var out []string
	if err := st.Each(func(k, v []byte) error {
		out = append(out, fmt.Sprintf("%x=%x", k, v))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func sameKeys(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d keys, want %d", what, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: key %d differs:\n got %s\nwant %s", what, i, got[i], want[i])
		}
	}
}

// reconcile checks, for every address the store saw in blocks a..b, that the
// sum of its stored ETH flows equals eth_getBalance(b) - eth_getBalance(a-1)
// to the wei, and the same for its token balances against balanceOf.
func reconcile(t *testing.T, dir string, c *ethtest.Chain, a, b uint64, tokens map[common.Address]string) (addresses int) {
	t.Helper()
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	type node struct {
		addr  chains.Address
		asset chains.Asset
	}
	sums := map[node]*big.Int{}
	add := func(n node, v *big.Int) {
		if sums[n] == nil {
			sums[n] = new(big.Int)
		}
		sums[n].Add(sums[n], v)
	}
	err = st.EachTransfer(chains.Ethereum, a, b, func(tr chains.Transfer) error {
		add(node{tr.From, tr.Asset}, new(big.Int).Neg(tr.Amount))
		add(node{tr.To, tr.Asset}, tr.Amount)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	client := c.Client()
	before, after := new(big.Int).SetUint64(a-1), new(big.Int).SetUint64(b)
	seen := map[chains.Address]bool{}
	for n, sum := range sums {
		if n.addr == chains.FeeSink || n.addr == chains.BeaconSink {
			continue
		}
		addr := common.HexToAddress(string(n.addr))
		var was, is *big.Int
		if n.asset == chains.Native {
			was, err = client.BalanceAt(t.Context(), addr, before)
			if err == nil {
				is, err = client.BalanceAt(t.Context(), addr, after)
			}
		} else {
			token := common.HexToAddress(string(n.asset))
			name, ok := tokens[token]
			// Mints come from and burns go to the zero address, and a
			// wrapper pays wrapped tokens out of its own address: neither
			// holds a balanceOf to compare with.
			if !ok || addr == (common.Address{}) || addr == token {
				continue
			}
			was, is = balanceOf(t, c, token, name, addr, before), balanceOf(t, c, token, name, addr, after)
		}
		if err != nil {
			t.Fatal(err)
		}
		if change := new(big.Int).Sub(is, was); change.Cmp(sum) != 0 {
			t.Errorf("%s %s: stored flows sum to %s, the chain's balance changed by %s", n.addr, n.asset, sum, change)
		}
		seen[n.addr] = true
	}
	return len(seen)
}

// balanceOf reads a token balance at a block, zero before the token existed.
func balanceOf(t *testing.T, c *ethtest.Chain, token common.Address, name string, who common.Address, block *big.Int) *big.Int {
	t.Helper()
	if code, err := c.Client().CodeAt(t.Context(), token, block); err != nil || len(code) == 0 {
		return new(big.Int)
	}
	out, err := c.CallView(token, name, "balanceOf", block, who)
	if err != nil {
		t.Fatal(err)
	}
	return out[0].(*big.Int)
}

// killSyncs starts the sync args asks for and kills it (SIGKILL) after each
// of the delays in milliseconds, one run each; all but one run must have
// been killed before they finished.
func killSyncs(t *testing.T, args []string, delays ...int) {
	t.Helper()
	interrupted := 0
	for _, ms := range delays {
		cmd := houndCmd(args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(ms) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		if err := cmd.Wait(); err != nil {
			interrupted++
		}
	}
	if interrupted < len(delays)-1 {
		t.Fatalf("only %d of %d syncs were killed before they finished: slow the proxy down", interrupted, len(delays))
	}
}

// rpcProxy forwards JSON-RPC to a node, slowly if asked, and after
// dropAfter requests (if set) drops every connection without answering, as
// a node that goes away mid-sync.
type rpcProxy struct {
	target    string
	delay     time.Duration
	dropAfter int64
	n         atomic.Int64
}

func (p *rpcProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if n := p.n.Add(1); p.dropAfter > 0 && n > p.dropAfter {
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close()
		}
		return
	}
	time.Sleep(p.delay)
	resp, err := http.Post(p.target, "application/json", r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}

func startProxy(t *testing.T, target string, delay time.Duration, dropAfter int64) string {
	srv := httptest.NewServer(&rpcProxy{target: target, delay: delay, dropAfter: dropAfter})
	t.Cleanup(srv.Close)
	return srv.URL
}

// playScenario runs the mixed workload: about 1,100 transactions over 60
// keys and many fresh addresses, in 46 blocks.
func playScenario(t testing.TB, c *ethtest.Chain) *scenario {
	s := newScenario(t, c, 7)
	s.deploy()
	s.selfdestruct()
	for i := 0; i < 45; i++ {
		s.block(24)
	}
	return s
}

func TestSyncEndToEnd(t *testing.T) {
	c, err := ethtest.Start(ethtest.Options{Accounts: scenarioKeys})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s := playScenario(t, c)
	head, err := c.Client().BlockNumber(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if s.txs < 1000 {
		t.Fatalf("scenario sent %d transactions, want at least 1000", s.txs)
	}
	tokens := map[common.Address]string{s.token: "Token", s.weth: "WETH"}
	tmp := t.TempDir()

	// One sync of every block: the store holds exactly the transfers the
	// scenario made, kind by kind, and every balance reconciles.
	ref := filepath.Join(tmp, "ref")
	mustHound(t, syncArgs(c.URL(), ref, 1, head)...)
	info := mustHound(t, "store", "info", "--store", ref, "--format", "json")
	for kind, n := range s.want {
		if !strings.Contains(info, fmt.Sprintf("%q: %d", kind.String(), n)) {
			t.Errorf("store info lacks %s %d:\n%s", kind, n, info)
		}
	}
	if got := reconcile(t, ref, c, 1, head, tokens); got < 50 {
		t.Errorf("reconciled %d addresses, want at least 50", got)
	}
	checkSplitTx(t, ref, s.lastSplit)
	checkAddressJSON(t, ref, c, s.split, head)

	// A range [a, b] synced in two parts equals the same range in one.
	a, m := uint64(5), head/2
	whole, parts := filepath.Join(tmp, "whole"), filepath.Join(tmp, "parts")
	mustHound(t, syncArgs(c.URL(), whole, a, head)...)
	mustHound(t, syncArgs(c.URL(), parts, a, m)...)
	mustHound(t, syncArgs(c.URL(), parts, m+1, head)...)
	sameKeys(t, "two ranges", storeKeys(t, parts), storeKeys(t, whole))
	reconcile(t, parts, c, a, head, tokens)

	// SIGKILL at seeded points of a slowed-down sync, then a restart: the
	// store's content equals the uninterrupted sync's, key by key.
	slow := startProxy(t, c.URL(), 100*time.Millisecond, 0) // one request a block: about 5 s in all
	killed := filepath.Join(tmp, "killed")
	killSyncs(t, syncArgs(slow, killed, 1, head, "--workers", "1"), 400, 1300, 700, 1100, 900)
	// Ctrl-C (SIGINT) stops a sync cleanly with exit code 130, and the
	// next sync completes it.
	stopped := filepath.Join(tmp, "stopped")
	cmd := houndCmd(syncArgs(slow, stopped, 1, head, "--workers", "1")...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(700 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGINT)
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted || !strings.Contains(stderr.String(), "interrupted") {
		t.Fatalf("SIGINT: exit %d, stderr %q; want %d", code, stderr.String(), exitInterrupted)
	}
	mustHound(t, syncArgs(c.URL(), stopped, 1, head)...)
	sameKeys(t, "interrupted and resumed", storeKeys(t, stopped), storeKeys(t, ref))
	mustHound(t, syncArgs(c.URL(), killed, 1, head)...)
	sameKeys(t, "killed and resumed", storeKeys(t, killed), storeKeys(t, ref))

	// A reorg replaces the last 3 blocks with 4 others: the next sync rolls
	// them back and the balances reconcile again.
	parent, err := c.Client().HeaderByNumber(t.Context(), new(big.Int).SetUint64(head-3))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Fork(parent.Hash()); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		s.commit() // the orphaned blocks' transactions return to the pool and land in new blocks
	}
	out := mustHound(t, "sync", "ethereum", "--rpc", c.URL(), "--store", ref, "--quiet", "--confirmations", "0")
	if !strings.Contains(out, "rolled back 3 orphaned block(s)") {
		t.Fatalf("sync after the reorg said:\n%s", out)
	}
	reconcile(t, ref, c, 1, head+1, tokens)
}

// checkSplitTx checks `hound tx --format json` of a Splitter.split: the fee
// and the priority fee, the top-level value into the splitter, then one
// internal transfer per recipient, in order, to the wei.
func checkSplitTx(t *testing.T, dir string, split splitTx) {
	t.Helper()
	var tx txJSON
	out := mustHound(t, "tx", "ethereum:"+split.hash.Hex(), "--store", dir, "--format", "json")
	if err := json.Unmarshal([]byte(out), &tx); err != nil {
		t.Fatal(err)
	}
	kinds := []string{"fee", "fee", "native"}
	for range split.to {
		kinds = append(kinds, "internal")
	}
	if tx.Schema != "hound.tx/v1" || tx.Status != "succeeded" || len(tx.Transfers) != len(kinds) {
		t.Fatalf("hound tx: %s", out)
	}
	for i, tr := range tx.Transfers {
		if tr.Kind != kinds[i] {
			t.Errorf("transfer %d is %s, want %s", i, tr.Kind, kinds[i])
		}
	}
	for i, to := range split.to {
		tr := tx.Transfers[3+i]
		if tr.To != strings.ToLower(to.Hex()) || tr.Amount != split.amounts[i].String() || tr.From != tx.To {
			t.Errorf("internal transfer %d: %+v, want %s to %s", i, tr, split.amounts[i], to.Hex())
		}
	}
}

// checkAddressJSON checks `hound address --format json` against the node:
// the derived ETH balance of a contract that started empty is its balance.
func checkAddressJSON(t *testing.T, dir string, c *ethtest.Chain, a common.Address, head uint64) {
	t.Helper()
	var addr addressJSON
	out := mustHound(t, "address", "ethereum:"+a.Hex(), "--store", dir, "--format", "json")
	if err := json.Unmarshal([]byte(out), &addr); err != nil {
		t.Fatal(err)
	}
	bal, err := c.Client().BalanceAt(t.Context(), a, new(big.Int).SetUint64(head))
	if err != nil {
		t.Fatal(err)
	}
	if addr.Schema != "hound.address/v1" || len(addr.Balances) != 1 || addr.Balances[0].Asset != "native" ||
		addr.Balances[0].Amount != bal.String() || len(addr.Transfers) == 0 {
		t.Fatalf("hound address: balances %+v, want native %s", addr.Balances, bal)
	}
}

func TestSyncBadInput(t *testing.T) {
	c, err := ethtest.Start(ethtest.Options{Accounts: scenarioKeys})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s := newScenario(t, c, 11)
	s.deploy()
	for i := 0; i < 12; i++ {
		s.block(10)
	}
	head, err := c.Client().BlockNumber(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "store")
	mustHound(t, syncArgs(c.URL(), dir, 0, 4)...)
	before := storeKeys(t, dir)

	oneLine := func(what string, r result, code int, want string) {
		t.Helper()
		if r.code != code || !strings.Contains(r.stderr, want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("%s: exit %d, stderr %q; want exit %d and one line with %q", what, r.code, r.stderr, code, want)
		}
	}
	oneLine("wrong RPC URL", hound(t, syncArgs("http://127.0.0.1:1", dir, 5, head)...), exitFailure, "127.0.0.1:1")
	oneLine("malformed address", hound(t, "address", "ethereum:0x1234", "--store", dir), exitUsage, "0x1234")
	oneLine("wrong checksum", hound(t, "address", "ethereum:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", "--store", dir), exitUsage, "checksum")
	oneLine("unknown chain", hound(t, "address", "dogecoin:DH5yaieqoZN36fDVciNyRueRGvGLR3mr7L", "--store", dir), exitUsage, "dogecoin")
	oneLine("gap in the range", hound(t, syncArgs(c.URL(), dir, 9, head)...), exitUsage, "gap")
	sameKeys(t, "after bad input", storeKeys(t, dir), before)

	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	oneLine("locked store", hound(t, "store", "info", "--store", dir), exitStoreInUse, "is in use by another hound process")
	oneLine("locked store sync", hound(t, syncArgs(c.URL(), dir, 5, head)...), exitStoreInUse, "is in use by another hound process")
	st.Close()
	sameKeys(t, "after a locked store", storeKeys(t, dir), before)

	// The node goes away mid-sync: the sync fails with exit 1, keeps every
	// block it committed, and the next sync completes the range.
	dropping := startProxy(t, c.URL(), 0, 12)
	r := hound(t, syncArgs(dropping, dir, 5, head, "--workers", "1")...)
	if r.code != exitFailure || !strings.Contains(r.stderr, "hound: ") {
		t.Fatalf("dropped connection: exit %d, stderr %q", r.code, r.stderr)
	}
	after := storeKeys(t, dir)
	if len(after) <= len(before) {
		t.Errorf("the blocks fetched before the node went away were not kept (%d keys, %d before)", len(after), len(before))
	}
	mustHound(t, syncArgs(c.URL(), dir, 5, head)...)
	full := filepath.Join(t.TempDir(), "full")
	mustHound(t, syncArgs(c.URL(), full, 0, head)...)
	sameKeys(t, "resumed after the node went away", storeKeys(t, dir), storeKeys(t, full))
}
