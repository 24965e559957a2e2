package bitcoin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/btcsuite/btcd/address/v2/bech32"
	"github.com/btcsuite/btcd/btcjson"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/chains/bitcoin/btcdtest"
)

// testCtx bounds a test's calls to the nodes.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// dial connects a Source to a test node.
func dial(t *testing.T, ctx context.Context, n *btcdtest.Node, cfg Config) *Source {
	t.Helper()
	cfg.URL = n.URL()
	if cfg.User == "" && cfg.CookieFile == "" {
		cfg.User, cfg.Pass = btcdtest.User, btcdtest.Pass
	}
	s, err := Dial(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// chainFixture is a regtest chain holding an output of every kind the
// wallet knows, and a transaction spending them all.
type chainFixture struct {
	node       *btcdtest.Node
	pay, spend *wire.MsgTx
	keys       []int  // the key index of each of pay's first outputs, by kind
	memo       []byte // pay's OP_RETURN payload
	future     []byte // a witness version 2 program pay pays to
}

// newChainFixture starts a node and fills its chain.
func newChainFixture(t *testing.T, ctx context.Context) *chainFixture {
	t.Helper()
	n, err := btcdtest.Start(ctx, t, btcdtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Generate(ctx, btcdtest.CoinbaseMaturity+1); err != nil {
		t.Fatal(err)
	}
	fx := &chainFixture{node: n, memo: []byte("=:BTC.BTC:bcrt1qexample:0/1/0:t:0"), future: bytes.Repeat([]byte{0xab}, 32)}
	var outs []*wire.TxOut
	for i, k := range btcdtest.Kinds {
		fx.keys = append(fx.keys, 20+2*i)
		outs = append(outs, wire.NewTxOut(int64(200_000+i), n.Wallet.Script(k, fx.keys[i])))
	}
	outs = append(outs,
		wire.NewTxOut(0, btcdtest.NullData(fx.memo[:10], fx.memo[10:])),
		wire.NewTxOut(1000, btcdtest.WitnessProgram(2, fx.future)),
		wire.NewTxOut(240, txscript.PayToAnchorScript))
	if fx.pay, err = n.Send(ctx, outs...); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Generate(ctx, 1); err != nil {
		t.Fatal(err)
	}
	var ins []wire.OutPoint
	for i := range btcdtest.Kinds {
		ins = append(ins, wire.OutPoint{Hash: fx.pay.TxHash(), Index: uint32(i)})
	}
	if fx.spend, err = n.Spend(ctx, ins, wire.NewTxOut(1_000_000, n.Wallet.Script(btcdtest.P2TR, 99))); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Generate(ctx, 1); err != nil {
		t.Fatal(err)
	}
	return fx
}

func TestSource(t *testing.T) {
	ctx := testCtx(t)
	fx := newChainFixture(t, ctx)
	src := dial(t, ctx, fx.node, Config{Network: Regtest})
	t.Run("blocks", func(t *testing.T) { testBlocks(t, ctx, src, fx.node) })
	t.Run("script kinds", func(t *testing.T) { testScriptKinds(t, ctx, src, fx) })
	t.Run("tx", func(t *testing.T) { testTx(t, ctx, src, fx) })
	t.Run("network", func(t *testing.T) { testNetwork(t, ctx, src, fx.node) })
	t.Run("credentials", func(t *testing.T) { testCredentials(t, ctx, fx.node) })
	t.Run("cancel", func(t *testing.T) { testCancel(t, ctx, src, fx.node) })
	t.Run("retry", func(t *testing.T) { testRetry(t, ctx, fx.node) })
}

// testBlocks checks every block the Source serves against the node's own
// view: hashes, parents, txids, inputs and output values.
func testBlocks(t *testing.T, ctx context.Context, src *Source, n *btcdtest.Node) {
	head, err := src.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if h, err := n.Height(ctx); err != nil || uint64(h) != head || head != btcdtest.CoinbaseMaturity+3 {
		t.Fatalf("head %d, the node says %d (%v)", head, h, err)
	}
	for height := uint64(0); height <= head; height++ {
		want, err := n.Client().GetBlockHash(int64(height))
		if err != nil {
			t.Fatal(err)
		}
		if h, err := src.BlockHash(ctx, height); err != nil || h != displayHash(want) {
			t.Fatalf("block hash %d: %s (%v), the node says %s", height, h.Format(chains.Bitcoin), err, want)
		}
		b, err := src.Block(ctx, height)
		if err != nil {
			t.Fatal(err)
		}
		mb, err := n.Client().GetBlock(want)
		if err != nil {
			t.Fatal(err)
		}
		if b.Hash != displayHash(want) || b.Parent != displayHash(&mb.Header.PrevBlock) || b.Number != height || b.Time != uint64(mb.Header.Timestamp.Unix()) {
			t.Fatalf("block %d: %+v", height, b)
		}
		compareTxs(t, b, mb)
	}
	if _, err := src.Block(ctx, head+1); !errors.Is(err, ErrNotFound) {
		t.Errorf("block %d beyond the head: %v", head+1, err)
	}
}

// compareTxs compares a parsed block's transactions with the node's.
func compareTxs(t *testing.T, b *chains.Block, mb *wire.MsgBlock) {
	t.Helper()
	if len(b.UTXOTxs) != len(mb.Transactions) {
		t.Fatalf("block %d: %d transactions, the node has %d", b.Number, len(b.UTXOTxs), len(mb.Transactions))
	}
	for i, m := range mb.Transactions {
		tx := b.UTXOTxs[i]
		id := m.TxHash()
		if tx.Hash != displayHash(&id) || len(tx.Inputs) != len(m.TxIn) || len(tx.Outputs) != len(m.TxOut) {
			t.Fatalf("block %d tx %d: %s, the node has %s", b.Number, i, tx.Hash.Format(chains.Bitcoin), id)
		}
		for j, in := range m.TxIn {
			want := chains.Outpoint{Tx: displayHash(&in.PreviousOutPoint.Hash), Index: in.PreviousOutPoint.Index}
			if got := tx.Inputs[j]; (i == 0) != got.Coinbase || (i > 0 && got.Prev != want) {
				t.Errorf("block %d tx %d input %d: %+v, want %s", b.Number, i, j, got, want)
			}
		}
		for j, out := range m.TxOut {
			if tx.Outputs[j].Value != uint64(out.Value) {
				t.Errorf("block %d tx %d output %d: %d sat, want %d", b.Number, i, j, tx.Outputs[j].Value, out.Value)
			}
		}
	}
}

// findTx returns the transaction with txid id in the node's chain.
func findTx(t *testing.T, ctx context.Context, src *Source, id chainhash.Hash) chains.UTXOTx {
	t.Helper()
	head, err := src.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for h := head; h > 0; h-- {
		b, err := src.Block(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		for _, tx := range b.UTXOTxs {
			if tx.Hash == displayHash(&id) {
				return tx
			}
		}
	}
	t.Fatalf("no transaction %s", id)
	return chains.UTXOTx{}
}

// testScriptKinds checks the kind and address of every output the
// fixture pays to, against btcd's address package, and the inputs of the
// transaction spending them.
func testScriptKinds(t *testing.T, ctx context.Context, src *Source, fx *chainFixture) {
	pay := findTx(t, ctx, src, fx.pay.TxHash())
	wantKinds := map[btcdtest.Kind]chains.ScriptKind{
		btcdtest.P2PKH: chains.ScriptP2PKH, btcdtest.P2WPKH: chains.ScriptP2WPKH, btcdtest.P2TR: chains.ScriptP2TR,
		btcdtest.P2SHP2WPKH: chains.ScriptP2SH, btcdtest.P2SHMultisig: chains.ScriptP2SH, btcdtest.P2WSH: chains.ScriptP2WSH,
		btcdtest.P2PK: chains.ScriptP2PK, btcdtest.Multisig: chains.ScriptMultisig, btcdtest.NonStandard: chains.ScriptNonStandard,
	}
	w := fx.node.Wallet
	for i, k := range btcdtest.Kinds {
		out := pay.Outputs[i]
		script := fx.pay.TxOut[i].PkScript
		want := chains.ScriptAddress(script)
		if a, err := w.Address(k, fx.keys[i]); err == nil {
			want = chains.Address(a.EncodeAddress())
		}
		if out.Kind != wantKinds[k] || out.Address != want || out.Value != uint64(200_000+i) {
			t.Errorf("output %d (%s): %s %s %d sat, want %s %s", i, k, out.Kind, out.Address, out.Value, wantKinds[k], want)
		}
		if key := w.Key(fx.keys[i]).PubKey().SerializeUncompressed(); k == btcdtest.P2PK && !bytes.Equal(out.PubKey, key) {
			t.Errorf("P2PK output: key %x, want %x", out.PubKey, key)
		}
	}
	rest := pay.Outputs[len(btcdtest.Kinds):]
	if rest[0].Kind != chains.ScriptNullData || rest[0].Address != "" || !bytes.Equal(rest[0].Data, fx.memo) {
		t.Errorf("OP_RETURN output: %s %q data %q, want the memo %q", rest[0].Kind, rest[0].Address, rest[0].Data, fx.memo)
	}
	hrp, data, version, err := bech32.DecodeGeneric(string(rest[1].Address))
	if err != nil || rest[1].Kind != chains.ScriptWitnessUnknown || hrp != "bcrt" || version != bech32.VersionM || data[0] != 2 {
		t.Errorf("witness v2 output: %s %s (%v)", rest[1].Kind, rest[1].Address, err)
	} else if prog, err := bech32.ConvertBits(data[1:], 5, 8, false); err != nil || !bytes.Equal(prog, fx.future) {
		t.Errorf("witness v2 output %s holds program %x", rest[1].Address, prog)
	}
	if rest[2].Kind != chains.ScriptWitnessUnknown || rest[2].Address != "bcrt1pfeesnyr2tx" {
		t.Errorf("pay-to-anchor output: %s %s", rest[2].Kind, rest[2].Address)
	}

	spend := findTx(t, ctx, src, fx.spend.TxHash())
	if len(spend.Inputs) != len(btcdtest.Kinds) {
		t.Fatalf("the spending transaction has %d inputs, want %d", len(spend.Inputs), len(btcdtest.Kinds))
	}
	for i, in := range spend.Inputs {
		if want := (chains.Outpoint{Tx: pay.Hash, Index: uint32(i)}); in.Prev != want || in.Coinbase {
			t.Errorf("input %d spends %s, want %s", i, in.Prev, want)
		}
	}
	if spend.VSize == 0 || spend.Version != 2 {
		t.Errorf("spending tx: vsize %d, version %d", spend.VSize, spend.Version)
	}
}

// testTx checks getrawtransaction against the transaction in its block.
func testTx(t *testing.T, ctx context.Context, src *Source, fx *chainFixture) {
	want := findTx(t, ctx, src, fx.spend.TxHash())
	want.Index = 0
	tx, err := src.Tx(ctx, want.Hash)
	if err != nil {
		t.Fatal(err)
	}
	if !equalTx(tx, &want) {
		t.Errorf("Tx gives %+v, the block %+v", tx, want)
	}
	if _, err := src.Tx(ctx, chains.Hash{1}); !errors.Is(err, ErrNotFound) {
		t.Errorf("an unknown transaction: %v", err)
	}
}

// testNetwork checks the genesis block check of Dial and Network.
func testNetwork(t *testing.T, ctx context.Context, src *Source, n *btcdtest.Node) {
	if id, err := src.Network(ctx); err != nil || id != "bitcoin:regtest" {
		t.Errorf("network %q (%v)", id, err)
	}
	if s := dial(t, ctx, n, Config{}); s.Net() != Regtest {
		t.Errorf("a Source without a network found %s", s.Net())
	}
	_, err := Dial(ctx, Config{URL: n.URL(), User: btcdtest.User, Pass: btcdtest.Pass, Network: Mainnet})
	if want := "bitcoin node at " + n.RPCAddr + " serves regtest (genesis 0f9188f1"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("a regtest node dialled as mainnet: %v", err)
	}
}

// testCredentials checks wrong credentials, the cookie file, credentials
// in the URL, and a port nothing listens on.
func testCredentials(t *testing.T, ctx context.Context, n *btcdtest.Node) {
	_, err := Dial(ctx, Config{URL: n.URL(), User: btcdtest.User, Pass: "wrong"})
	var auth *AuthError
	want := "bitcoin RPC at " + n.RPCAddr + " refused the credentials (401): check --rpcuser/--rpcpass (or the cookie file)"
	if !errors.As(err, &auth) || err.Error() != want {
		t.Errorf("wrong password: %v, want %q", err, want)
	}
	cookie := filepath.Join(t.TempDir(), ".cookie")
	if err := os.WriteFile(cookie, []byte(btcdtest.User+":"+btcdtest.Pass+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dial(t, ctx, n, Config{CookieFile: cookie})
	if _, err := Dial(ctx, Config{URL: "http://" + btcdtest.User + ":" + btcdtest.Pass + "@" + n.RPCAddr}); err != nil {
		t.Errorf("credentials in the URL: %v", err)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	start := time.Now()
	_, err = Dial(ctx, Config{URL: closed, User: "u", Pass: "p"})
	if err == nil || !strings.HasPrefix(err.Error(), "bitcoin RPC at "+closed+": connection refused") || time.Since(start) > 2*time.Second {
		t.Errorf("a closed port: %v after %v", err, time.Since(start))
	}
	for _, u := range []string{"ftp://" + n.RPCAddr, "http://127.0.0.1", "127.0.0.1", "http://%zz"} {
		if _, err := Dial(ctx, Config{URL: u}); err == nil || !strings.Contains(err.Error(), "want http://host:port") {
			t.Errorf("URL %q: %v", u, err)
		}
	}
}

// testCancel checks that calls return at once when their context ends,
// even while the node does not answer.
func testCancel(t *testing.T, ctx context.Context, src *Source, n *btcdtest.Node) {
	pause(t, n)
	ctx, cancel := context.WithCancel(ctx)
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := src.Block(ctx, 1)
	if !errors.Is(err, context.Canceled) || time.Since(start) > time.Second {
		t.Errorf("a cancelled Block: %v after %v", err, time.Since(start))
	}
}

// testRetry checks that a call to a node that stops answering for a
// while is retried until it answers, and that without retries the
// per-call timeout ends it.
func testRetry(t *testing.T, ctx context.Context, n *btcdtest.Node) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	patient := dial(t, ctx, n, Config{Timeout: 200 * time.Millisecond, Backoff: 50 * time.Millisecond, Retries: 10, Logger: logger})
	hasty := dial(t, ctx, n, Config{Timeout: 200 * time.Millisecond, Retries: -1})
	resume := pause(t, n)
	start := time.Now()
	if _, err := hasty.Head(ctx); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
		t.Errorf("no retries: %v after %v", err, time.Since(start))
	}
	time.AfterFunc(600*time.Millisecond, resume)
	if _, err := patient.Head(ctx); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "retrying bitcoin rpc call") {
		t.Errorf("no retry logged: %s", logs.String())
	}
}

// pause stops the node until the returned function or the test's end
// resumes it.
func pause(t *testing.T, n *btcdtest.Node) (resume func()) {
	t.Helper()
	if err := n.Pause(); errors.Is(err, errors.ErrUnsupported) {
		t.Skip("cannot pause a process here")
	} else if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	resume = func() {
		once.Do(func() {
			if err := n.Resume(); err != nil {
				t.Error(err)
			}
		})
	}
	t.Cleanup(resume)
	return resume
}

// TestSourceReorg follows one height across a reorg between two nodes.
func TestSourceReorg(t *testing.T) {
	ctx := testCtx(t)
	a, err := btcdtest.Start(ctx, t, btcdtest.Options{Seed: "a"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := btcdtest.Start(ctx, t, btcdtest.Options{Seed: "b"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Generate(ctx, 5); err != nil {
		t.Fatal(err)
	}
	err = b.Connect(ctx, a)
	if err == nil {
		err = btcdtest.WaitSynced(ctx, a, b)
	}
	if err == nil {
		err = a.Disconnect(ctx)
	}
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
	src := dial(t, ctx, a, Config{Network: Regtest})
	if h, err := src.BlockHash(ctx, 6); err != nil || h != displayHash(short[0]) {
		t.Fatalf("block 6 before the reorg: %s (%v)", h.Format(chains.Bitcoin), err)
	}
	err = a.Connect(ctx, b)
	if err == nil {
		err = btcdtest.WaitSynced(ctx, a, b)
	}
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range long {
		height := uint64(6 + i)
		blk, err := src.Block(ctx, height)
		if err != nil || blk.Hash != displayHash(want) {
			t.Fatalf("block %d after the reorg: %v", height, err)
		}
		if parent, err := src.BlockHash(ctx, height-1); err != nil || blk.Parent != parent {
			t.Errorf("block %d's parent %s is not block %d %s (%v)", height, blk.Parent.Format(chains.Bitcoin), height-1, parent.Format(chains.Bitcoin), err)
		}
	}
	if head, err := src.Head(ctx); err != nil || head != 8 {
		t.Errorf("head %d (%v), want 8", head, err)
	}
}

// TestExplain checks how rpcclient's errors are read: which are retried,
// which are credentials.
func TestExplain(t *testing.T) {
	s := &Source{host: "127.0.0.1:8332"}
	tests := []struct {
		err       error
		transient bool
		auth      bool
	}{
		{errors.New(`status code: 503, response: "Work queue depth exceeded\n"`), true, false},
		{errors.New(`status code: 429, response: ""`), true, false},
		{errors.New(`status code: 404, response: "not found"`), false, false},
		{errors.New(`status code: 401, response: ""`), false, true},
		{errors.New(`status code: 403, response: "Forbidden"`), false, true},
		{&btcjson.RPCError{Code: btcjson.ErrRPCInWarmup, Message: "Loading block index..."}, true, false},
		{&btcjson.RPCError{Code: -8, Message: "Block height out of range"}, false, false},
		{fmt.Errorf("post: %w", syscall.ECONNRESET), true, false},
		{fmt.Errorf("post: %w", syscall.ECONNREFUSED), true, false},
		{context.DeadlineExceeded, true, false},
		{io.ErrUnexpectedEOF, true, false},
		{errors.New("json: cannot unmarshal"), false, false},
	}
	for _, tt := range tests {
		err := s.explain("getblockhash", tt.err)
		var auth *AuthError
		if transient(err) != tt.transient || errors.As(err, &auth) != tt.auth {
			t.Errorf("%v: explained as %v, transient %v", tt.err, err, transient(err))
		}
	}
	if err := notFound(s.explain("getblockhash", &btcjson.RPCError{Code: -8}), -1, -8); !errors.Is(err, ErrNotFound) {
		t.Errorf("Bitcoin Core's out of range: %v", err)
	}
}
