package btcdtest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// testCtx bounds a test's calls to the nodes.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// startFunded starts a node and mines 101 blocks, so that the wallet can
// spend two coinbases.
func startFunded(t *testing.T, ctx context.Context, opts Options) *Node {
	t.Helper()
	n, err := Start(ctx, t, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Generate(ctx, CoinbaseMaturity+1); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestStartStop(t *testing.T) {
	ctx := testCtx(t)
	n, err := Start(ctx, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	hashes, err := n.Generate(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if h, err := n.Height(ctx); err != nil || h != 3 || len(hashes) != 3 {
		t.Fatalf("height %d (%v) after mining %d blocks, want 3", h, err, len(hashes))
	}
	if tip, err := n.Tip(ctx); err != nil || *tip != *hashes[2] {
		t.Fatalf("tip %v (%v), want the last mined block %s", tip, err, hashes[2])
	}
	if got := len(n.Wallet.UTXOs()); got != 3 {
		t.Errorf("the wallet holds %d coinbases, want 3", got)
	}
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := n.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if _, err := os.Stat(n.Dir); !os.IsNotExist(err) {
		t.Errorf("data directory left behind: %v", err)
	}
	if n.cmd.ProcessState == nil {
		t.Errorf("btcd (pid %d) not reaped", n.cmd.Process.Pid)
	}
}

// scriptTypes is how btcd's getrawtransaction names each kind's output
// script.
var scriptTypes = map[Kind]string{
	P2PKH: "pubkeyhash", P2WPKH: "witness_v0_keyhash", P2TR: "witness_v1_taproot",
	P2SHP2WPKH: "scripthash", P2SHMultisig: "scripthash", P2WSH: "witness_v0_scripthash",
	P2PK: "pubkey", Multisig: "multisig", NonStandard: "nonstandard",
}

// TestScriptKinds pays to every kind in one transaction, mines it, reads it
// back with getrawtransaction, then spends all those outputs at once.
func TestScriptKinds(t *testing.T) {
	ctx := testCtx(t)
	n := startFunded(t, ctx, Options{})
	var outs []*wire.TxOut
	for i, k := range Kinds {
		outs = append(outs, wire.NewTxOut(int64(100_000+i), n.Wallet.Script(k, 10+2*i)))
	}
	memo := []byte("=:b:bcrt1qexample:0/1/0:t:0")
	outs = append(outs, wire.NewTxOut(0, NullData(memo)), wire.NewTxOut(1000, WitnessProgram(2, bytes.Repeat([]byte{7}, 32))))
	tx, err := n.Send(ctx, outs...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Generate(ctx, 1); err != nil {
		t.Fatal(err)
	}
	id := tx.TxHash()
	res, err := n.Client().GetRawTransactionVerbose(&id)
	if err != nil {
		t.Fatal(err)
	}
	if res.Confirmations != 1 {
		t.Errorf("confirmations %d, want 1", res.Confirmations)
	}
	for i, k := range Kinds {
		if got := res.Vout[i].ScriptPubKey.Type; got != scriptTypes[k] {
			t.Errorf("output %d (%s): btcd says %q, want %q", i, k, got, scriptTypes[k])
		}
		if a, err := n.Wallet.Address(k, 10+2*i); err == nil && k != P2PK && (len(res.Vout[i].ScriptPubKey.Addresses) != 1 || res.Vout[i].ScriptPubKey.Addresses[0] != a.EncodeAddress()) {
			t.Errorf("output %d (%s): btcd says addresses %v, the wallet %s", i, k, res.Vout[i].ScriptPubKey.Addresses, a)
		}
	}
	if got := res.Vout[len(Kinds)].ScriptPubKey.Type; got != "nulldata" {
		t.Errorf("OP_RETURN output: btcd says %q", got)
	}

	var ins []wire.OutPoint
	for i := range Kinds {
		ins = append(ins, wire.OutPoint{Hash: id, Index: uint32(i)})
	}
	spend, err := n.Spend(ctx, ins, wire.NewTxOut(500_000, n.Wallet.Script(P2TR, 3)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Generate(ctx, 1); err != nil {
		t.Fatal(err)
	}
	// The P2TR output just made is spendable by key path too.
	back, err := n.Spend(ctx, []wire.OutPoint{{Hash: spend.TxHash(), Index: 0}}, wire.NewTxOut(400_000, n.Wallet.Script(P2PKH, 4)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Generate(ctx, 1); err != nil {
		t.Fatal(err)
	}
	for _, h := range []chainhash.Hash{spend.TxHash(), back.TxHash()} {
		if res, err := n.Client().GetRawTransactionVerbose(&h); err != nil || res.Confirmations != 1 && res.Confirmations != 2 {
			t.Errorf("transaction %s: %v", h, err)
		}
	}
}

// TestImmatureCoinbase checks that the wallet spends a coinbase as soon
// as the next block may include the spend, and not before.
func TestImmatureCoinbase(t *testing.T) {
	ctx := testCtx(t)
	n, err := Start(ctx, t, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Generate(ctx, CoinbaseMaturity-1); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Send(ctx, wire.NewTxOut(1000, n.Wallet.Script(P2WPKH, 1))); err == nil {
		t.Fatal("spent a coinbase with 99 confirmations")
	}
	// With 100 confirmations the first coinbase may go into the next block.
	if _, err := n.Generate(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Send(ctx, wire.NewTxOut(1000, n.Wallet.Script(P2WPKH, 1))); err != nil {
		t.Fatal(err)
	}
}

// TestReorg mines competing branches on two disconnected nodes; after
// they connect, the longer branch replaces the shorter one on both.
func TestReorg(t *testing.T) {
	ctx := testCtx(t)
	a := startFunded(t, ctx, Options{Seed: "a"})
	b, err := Start(ctx, t, Options{Seed: "b"})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Connect(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := WaitSynced(ctx, a, b); err != nil {
		t.Fatal(err)
	}
	if err := a.Disconnect(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.waitPeers(ctx, func(k int) bool { return k == 0 }); err != nil {
		t.Fatal(err)
	}
	// A transaction on a's branch only: it goes back to a's mempool.
	tx, err := a.Send(ctx, wire.NewTxOut(5000, a.Wallet.Script(P2TR, 1)))
	if err != nil {
		t.Fatal(err)
	}
	short, err := a.Generate(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	long, err := b.Generate(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Connect(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := WaitSynced(ctx, a, b); err != nil {
		t.Fatal(err)
	}
	tip, err := a.Tip(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if *tip != *long[2] {
		t.Fatalf("a's tip %s, want b's %s", tip, long[2])
	}
	if h, err := a.Height(ctx); err != nil || h != CoinbaseMaturity+1+3 {
		t.Fatalf("height %d (%v), want %d", h, err, CoinbaseMaturity+1+3)
	}
	for i, h := range short {
		height := int64(CoinbaseMaturity + 2 + i)
		got, err := a.Client().GetBlockHash(height)
		if err != nil {
			t.Fatal(err)
		}
		if *got != *long[i] || *got == *h {
			t.Errorf("block %d is %s, want b's %s in place of a's %s", height, got, long[i], h)
		}
	}
	id := tx.TxHash()
	if res, err := a.Client().GetRawTransactionVerbose(&id); err != nil || res.Confirmations != 0 {
		t.Errorf("the orphaned branch's transaction: %+v, %v; want it back in the mempool", res, err)
	}
}

func TestFindBinary(t *testing.T) {
	t.Setenv(EnvBinary, filepath.Join(t.TempDir(), "missing"))
	if _, err := findBinary(); err == nil || !strings.Contains(err.Error(), "$"+EnvBinary) {
		t.Errorf("a missing $%s: %v", EnvBinary, err)
	}
	bin, err := Binary()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvBinary, bin)
	if got, err := findBinary(); err != nil || got != bin {
		t.Errorf("$%s=%s gives %s (%v)", EnvBinary, bin, got, err)
	}
}

// TestWalletKeys checks that keys depend on the seed only.
func TestWalletKeys(t *testing.T) {
	a, b, c := NewWallet("x", &chaincfg.RegressionNetParams), NewWallet("x", &chaincfg.RegressionNetParams), NewWallet("y", &chaincfg.RegressionNetParams)
	for _, k := range Kinds {
		if !bytes.Equal(a.Script(k, 3), b.Script(k, 3)) || bytes.Equal(a.Script(k, 3), c.Script(k, 3)) || bytes.Equal(a.Script(k, 3), a.Script(k, 5)) {
			t.Errorf("%s scripts do not follow the seed and the key index", k)
		}
	}
	if _, err := a.Address(Multisig, 0); err == nil {
		t.Error("a bare multisig script has an address")
	}
}
