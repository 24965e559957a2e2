package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/wire/v2"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/chains/bitcoin"
	"github.com/houndtrace/hound/chains/bitcoin/btcdtest"
	"github.com/houndtrace/hound/store"
)

// btcScenario mines a regtest chain of at least 150 blocks whose
// transactions pay to, and spend from, every kind of script the wallet
// knows, with OP_RETURN memos and multi-input transactions.
func btcScenario(t *testing.T, ctx context.Context, n *btcdtest.Node, seed uint64, blocks int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 3))
	if _, err := n.Generate(ctx, 101); err != nil {
		t.Fatal(err)
	}
	for b := 0; b < blocks; b++ {
		for i := 0; i < 3; i++ {
			kind := btcdtest.Kinds[rng.IntN(len(btcdtest.Kinds))]
			outs := []*wire.TxOut{{Value: 10_000 + rng.Int64N(5_000_000), PkScript: n.Wallet.Script(kind, rng.IntN(4))}}
			if rng.IntN(4) == 0 {
				outs = append(outs, &wire.TxOut{PkScript: btcdtest.NullData([]byte(fmt.Sprintf("OUT:%064X", rng.Uint64())))})
			}
			if _, err := n.Send(ctx, outs...); err != nil {
				t.Fatal(err)
			}
		}
		// Spend two of the wallet's non-coinbase outputs together, so inputs
		// of every kind get resolved, in one transaction.
		var ins []wire.OutPoint
		for _, u := range n.Wallet.UTXOs() {
			if u.Value < 50_000_000 && len(ins) < 2 {
				ins = append(ins, u.OutPoint)
			}
		}
		if len(ins) == 2 {
			if _, err := n.Spend(ctx, ins, &wire.TxOut{Value: 1_000, PkScript: n.Wallet.Script(btcdtest.P2TR, 1)}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := n.Generate(ctx, 1); err != nil {
			t.Fatal(err)
		}
	}
}

// rawCall makes a JSON-RPC call to the node and decodes its result.
func rawCall(t *testing.T, n *btcdtest.Node, out any, method string, params ...any) {
	t.Helper()
	var raw []json.RawMessage
	for _, p := range params {
		b, _ := json.Marshal(p)
		raw = append(raw, b)
	}
	res, err := n.Client().RawRequest(method, raw)
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	if err := json.Unmarshal(res, out); err != nil {
		t.Fatalf("%s: %v", method, err)
	}
}

// reconcileBitcoin checks the store against the node: every output of every
// block up to the tip is unspent in the store exactly when gettxout says it
// is, and for each standard address the unspent outputs the store lists
// equal those the node's address index (searchrawtransactions) and
// gettxout give, to the satoshi. It returns how many outputs and addresses
// it checked.
func reconcileBitcoin(t *testing.T, dir string, n *btcdtest.Node) (outputs, addresses int) {
	t.Helper()
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	net := bitcoin.Regtest
	var height int64
	rawCall(t, n, &height, "getblockcount")
	unspent := func(o chains.Outpoint) (uint64, bool) {
		var res *struct {
			Value float64 `json:"value"`
		}
		rawCall(t, n, &res, "gettxout", o.Tx.Format(chains.Bitcoin), o.Index, false)
		if res == nil {
			return 0, false
		}
		return uint64(res.Value*1e8 + 0.5), true // the RPC's BTC float, back to exact satoshi
	}
	addrs := map[chains.Address]bool{}
	kinds := map[chains.ScriptKind]bool{}
	checked := 0
	for h := int64(0); h <= height; h++ {
		var hash, raw string
		rawCall(t, n, &hash, "getblockhash", h)
		rawCall(t, n, &raw, "getblock", hash, 0)
		bytes, _ := hex.DecodeString(raw)
		b, err := bitcoin.ParseBlock(bytes, uint64(h), net)
		if err != nil {
			t.Fatal(err)
		}
		for _, tx := range b.UTXOTxs {
			for i, out := range tx.Outputs {
				kinds[out.Kind] = true
				o := chains.Outpoint{Tx: tx.Hash, Index: uint32(i)}
				_, storeSpent, err := st.SpentBy(chains.Bitcoin, o)
				if err != nil {
					t.Fatal(err)
				}
				if out.Kind == chains.ScriptNullData || h == 0 {
					continue // unspendable: gettxout never lists OP_RETURN outputs, nor the genesis coinbase
				}
				value, nodeUnspent := unspent(o)
				if nodeUnspent == storeSpent {
					t.Errorf("output %s (%s): the node says unspent=%v, the store spent=%v", o, out.Kind, nodeUnspent, storeSpent)
				}
				if nodeUnspent && value != out.Value {
					t.Errorf("output %s: the node says %d sat, the block %d", o, value, out.Value)
				}
				if out.Kind != chains.ScriptP2PK && out.Address != "" && !strings.HasPrefix(string(out.Address), "script:") {
					addrs[out.Address] = true
				}
				checked++
			}
		}
	}
	for a := range addrs {
		var txs []string
		rawCall(t, n, &txs, "searchrawtransactions", string(a), 0, 0, 10000)
		want := map[chains.Outpoint]uint64{}
		for _, raw := range txs {
			bytes, _ := hex.DecodeString(raw)
			tx, err := bitcoin.ParseTx(bytes, net)
			if err != nil {
				t.Fatal(err)
			}
			for i, out := range tx.Outputs {
				o := chains.Outpoint{Tx: tx.Hash, Index: uint32(i)}
				if v, ok := unspent(o); ok && out.Address == a {
					want[o] = v
				}
			}
		}
		got, err := st.Unspent(chains.Bitcoin, a)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Errorf("%s: the store lists %d unspent outputs, the node %d", a, len(got), len(want))
		}
		for _, u := range got {
			if want[u.Outpoint] != u.Value {
				t.Errorf("%s: unspent %s of %d sat, the node says %d", a, u.Outpoint, u.Value, want[u.Outpoint])
			}
		}
	}
	if len(addrs) >= 20 { // the big scenario pays to every kind of script
		for _, k := range []chains.ScriptKind{chains.ScriptP2PK, chains.ScriptP2PKH, chains.ScriptP2SH, chains.ScriptP2WPKH,
			chains.ScriptP2WSH, chains.ScriptP2TR, chains.ScriptMultisig, chains.ScriptNonStandard, chains.ScriptNullData} {
			if !kinds[k] {
				t.Errorf("no %s output in the chain", k)
			}
		}
	}
	return checked, len(addrs)
}

func btcSyncArgs(n *btcdtest.Node, url, dir string, extra ...string) []string {
	return append([]string{"sync", "bitcoin", "--rpc", url, "--rpcuser", btcdtest.User, "--rpcpass", btcdtest.Pass,
		"--network", "regtest", "--confirmations", "0", "--store", dir, "--quiet", "--log-level", "error"}, extra...)
}

func TestBitcoinSyncEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	n, err := btcdtest.Start(ctx, t, btcdtest.Options{Seed: "hound-e2e"})
	if err != nil {
		t.Fatal(err)
	}
	btcScenario(t, ctx, n, 5, 60) // 161 blocks
	tmp := t.TempDir()
	ref := filepath.Join(tmp, "ref")
	out := mustHound(t, btcSyncArgs(n, n.URL(), ref)...)
	if !strings.Contains(out, "synced blocks 0-161") {
		t.Fatalf("sync said: %s", out)
	}
	outputs, addrs := reconcileBitcoin(t, ref, n)
	t.Logf("reconciled %d outputs and the unspent outputs of %d addresses with the node", outputs, addrs)
	if outputs < 500 || addrs < 20 {
		t.Errorf("checked only %d outputs of %d addresses", outputs, addrs)
	}
	var info storeJSON
	if err := json.Unmarshal([]byte(mustHound(t, "store", "info", "--store", ref, "--format", "json")), &info); err != nil {
		t.Fatal(err)
	}
	if c := info.Chains[0]; c.Network != "bitcoin:regtest" || c.Unresolved != 0 || c.Blocks != 162 {
		t.Fatalf("store info: %+v", c)
	}

	// SIGKILL at seeded points of a slowed-down sync, then a restart.
	slow := startProxy(t, n.URL(), 15*time.Millisecond, 0)
	killed := filepath.Join(tmp, "killed")
	killSyncs(t, btcSyncArgs(n, slow, killed, "--workers", "1"), 500, 1200, 800, 1000)
	mustHound(t, btcSyncArgs(n, n.URL(), killed)...)
	sameKeys(t, "killed and resumed", storeKeys(t, killed), storeKeys(t, ref))

	// Wrong credentials: one clear line, exit 2, nothing lost.
	r := hound(t, "sync", "bitcoin", "--rpc", n.URL(), "--rpcuser", "hound", "--rpcpass", "wrong", "--store", ref, "--quiet")
	if r.code != exitUsage || !strings.Contains(r.stderr, "refused the credentials") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("wrong credentials: exit %d, stderr %q", r.code, r.stderr)
	}
	sameKeys(t, "after wrong credentials", storeKeys(t, ref), storeKeys(t, killed))
}

// TestBitcoinReorg: two real btcd nodes mine competing branches; after they
// connect, the longer branch wins and a re-sync rolls back the loser.
func TestBitcoinReorg(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	a, err := btcdtest.Start(ctx, t, btcdtest.Options{Seed: "hound-a"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := btcdtest.Start(ctx, t, btcdtest.Options{Seed: "hound-b"})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Connect(ctx, b); err != nil {
		t.Fatal(err)
	}
	btcScenario(t, ctx, a, 9, 5)
	if err := btcdtest.WaitSynced(ctx, a, b); err != nil {
		t.Fatal(err)
	}
	if err := a.Disconnect(ctx); err != nil {
		t.Fatal(err)
	}
	// A mines 2 blocks with transactions, B 4 empty ones.
	var orphaned []*wire.MsgTx
	for i := 0; i < 2; i++ {
		tx, err := a.Send(ctx, &wire.TxOut{Value: 700_000, PkScript: a.Wallet.Script(btcdtest.P2WSH, 2)})
		if err != nil {
			t.Fatal(err)
		}
		orphaned = append(orphaned, tx)
		if _, err := a.Generate(ctx, 1); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Generate(ctx, 4); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "store")
	mustHound(t, btcSyncArgs(a, a.URL(), dir)...)
	loser, err := a.Tip(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Connect(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := btcdtest.WaitSynced(ctx, a, b); err != nil {
		t.Fatal(err)
	}
	winner, _ := a.Tip(ctx)
	if winner.IsEqual(loser) {
		t.Fatal("the longer branch did not win")
	}
	out := mustHound(t, btcSyncArgs(a, a.URL(), dir)...)
	if !strings.Contains(out, "rolled back 2 orphaned block(s)") {
		t.Fatalf("re-sync said: %s", out)
	}
	reconcileBitcoin(t, dir, a)
	for _, tx := range orphaned {
		r := hound(t, "tx", "bitcoin:"+tx.TxHash().String(), "--store", dir)
		if r.code != exitUsage || !strings.Contains(r.stderr, "no such transaction") {
			t.Errorf("a transaction of the orphaned branch: exit %d, %s%s", r.code, r.stdout, r.stderr)
		}
	}
}
