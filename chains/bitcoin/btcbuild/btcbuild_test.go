package btcbuild_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/blockchain"
	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/chains/bitcoin"
	"github.com/houndtrace/hound/chains/bitcoin/btcbuild"
	"github.com/houndtrace/hound/chains/bitcoin/btcdtest"
)

var (
	regtest = &chaincfg.RegressionNetParams
	// start is a fixed time after regtest's genesis block (2011) and
	// before now, so that btcd takes the blocks (it refuses blocks more
	// than two hours ahead of its clock).
	start = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
)

// build makes a small chain: `mature` blocks paying key a, then a block
// where a's first coinbase pays b 1 BTC with an OP_RETURN and the change
// back to a, and b at once pays c from that coin in the same block, then a
// block where c pays b back.
func build(t *testing.T, mature int) *btcbuild.Chain {
	t.Helper()
	a, b, c := btcbuild.NewKey("a"), btcbuild.NewKey("b"), btcbuild.NewKey("c")
	ch := btcbuild.NewChain(regtest, start, 10*time.Minute)
	var first *wire.MsgBlock
	for range mature {
		blk, err := ch.Mine(a)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = blk
		}
	}
	pay, err := btcbuild.Spend([]btcbuild.Coin{btcbuild.CoinOf(first.Transactions[0], 0, a)},
		btcbuild.Pay(b, 100_000_000), btcbuild.OpReturn([]byte("OUT:ABCDEF")), btcbuild.Pay(a, 4_899_990_000))
	if err != nil {
		t.Fatal(err)
	}
	on, err := btcbuild.Spend([]btcbuild.Coin{btcbuild.CoinOf(pay, 0, b)}, btcbuild.Pay(c, 99_990_000))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ch.Mine(a, pay, on); err != nil {
		t.Fatal(err)
	}
	back, err := btcbuild.Spend([]btcbuild.Coin{btcbuild.CoinOf(on, 0, c)}, btcbuild.Pay(b, 99_980_000))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ch.Mine(c, back); err != nil {
		t.Fatal(err)
	}
	return ch
}

// TestBlocksSane checks every block with btcd's context-free rules (proof
// of work, merkle root, coinbase, transaction sanity), its witness
// commitment and its BIP 34 height, and the fees the coinbases claim.
func TestBlocksSane(t *testing.T) {
	ch := build(t, 2)
	blocks := ch.Blocks()
	if len(blocks) != 4 || ch.Height() != 4 {
		t.Fatalf("%d blocks, height %d", len(blocks), ch.Height())
	}
	for i, b := range blocks {
		blk := btcutil.NewBlock(b)
		if err := blockchain.CheckBlockSanity(blk, regtest.PowLimit, blockchain.NewMedianTime()); err != nil {
			t.Errorf("block %d: %v", i+1, err)
		}
		if err := blockchain.ValidateWitnessCommitment(blk); err != nil {
			t.Errorf("block %d: %v", i+1, err)
		}
		h, err := blockchain.ExtractCoinbaseHeight(blk.Transactions()[0])
		if err != nil || h != int32(i+1) {
			t.Errorf("block %d: BIP 34 height %d, %v", i+1, h, err)
		}
		if want := start.Add(time.Duration(i) * 10 * time.Minute); !b.Header.Timestamp.Equal(want) {
			t.Errorf("block %d: time %v, want %v", i+1, b.Header.Timestamp, want)
		}
	}
	// Block 3 holds a segwit spend, so a witness commitment; its fees are
	// 10,000 sat (pay) and 10,000 sat (on). Block 4's are 10,000 sat.
	if n := len(blocks[2].Transactions[0].TxOut); n != 2 {
		t.Errorf("block 3's coinbase has %d outputs, want the payment and the witness commitment", n)
	}
	for i, want := range map[int]int64{2: 5_000_020_000, 3: 5_000_010_000} {
		if got := blocks[i].Transactions[0].TxOut[0].Value; got != want {
			t.Errorf("block %d's coinbase claims %d sat, want %d", i+1, got, want)
		}
	}
}

// TestMineRefuses checks that Mine refuses what a node would: spending an
// output twice, an output the chain does not have, more than the inputs.
func TestMineRefuses(t *testing.T) {
	a, b := btcbuild.NewKey("a"), btcbuild.NewKey("b")
	ch := btcbuild.NewChain(regtest, start, 10*time.Minute)
	blk, err := ch.Mine(a)
	if err != nil {
		t.Fatal(err)
	}
	coin := btcbuild.CoinOf(blk.Transactions[0], 0, a)
	spend := func(v int64) *wire.MsgTx {
		tx, err := btcbuild.Spend([]btcbuild.Coin{coin}, btcbuild.Pay(b, v))
		if err != nil {
			t.Fatal(err)
		}
		return tx
	}
	if _, err := ch.Mine(a, spend(1), spend(2)); err == nil || !strings.Contains(err.Error(), "not an unspent output") {
		t.Errorf("double spend: %v", err)
	}
	stranger := coin
	stranger.OutPoint.Index = 7
	tx, err := btcbuild.Spend([]btcbuild.Coin{stranger}, btcbuild.Pay(b, 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ch.Mine(a, tx); err == nil {
		t.Error("a spend of an output the chain lacks was mined")
	}
	if _, err := btcbuild.Spend([]btcbuild.Coin{coin}, btcbuild.Pay(b, coin.Value+1)); err == nil {
		t.Error("Spend paid out more than its coin")
	}
	if _, err := btcbuild.Spend([]btcbuild.Coin{{OutPoint: coin.OutPoint, Value: coin.Value}}, btcbuild.Pay(b, 1)); err == nil {
		t.Error("Spend signed a coin without a key")
	}
	if ch.Height() != 1 {
		t.Errorf("height %d after refused blocks, want 1", ch.Height())
	}
	// The refused blocks left the coin unspent.
	if _, err := ch.Mine(a, spend(coin.Value)); err != nil {
		t.Error(err)
	}
}

// TestBlockFile checks that the blocks written as a blk*.dat file read back
// through Hound's block-file path as one chain from the genesis block, and
// that two builds write the same bytes.
func TestBlockFile(t *testing.T) {
	var files [2]bytes.Buffer
	for i := range files {
		if err := btcbuild.WriteBlockFile(&files[i], regtest, build(t, 2).Blocks()); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(files[0].Bytes(), files[1].Bytes()) {
		t.Fatal("two builds wrote different block files")
	}
	path := filepath.Join(t.TempDir(), "blk00000.dat")
	if err := os.WriteFile(path, files[0].Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	set, err := bitcoin.ReadBlockFiles(ctx, []string{path}, bitcoin.Regtest)
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Segments) != 1 || set.Segments[0].Detached || set.Segments[0].First != 0 || len(set.Segments[0].Blocks) != 5 {
		t.Fatalf("segments %+v", set.Segments)
	}
	seg := set.Segments[0]
	b, err := seg.Block(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	// The coinbase, pay (b, the memo, a's change) and on.
	if len(b.UTXOTxs) != 3 || len(b.UTXOTxs[1].Outputs) != 3 {
		t.Fatalf("block 3: %+v", b.UTXOTxs)
	}
	memo := b.UTXOTxs[1].Outputs[1]
	if memo.Kind != chains.ScriptNullData || string(memo.Data) != "OUT:ABCDEF" {
		t.Errorf("memo output %+v", memo)
	}
	if got, want := b.UTXOTxs[1].Outputs[0].Address, chains.Address(btcbuild.NewKey("b").Address(regtest)); got != want || !strings.HasPrefix(string(got), "bcrt1q") {
		t.Errorf("payment to %s, want %s", got, want)
	}
}

// TestBtcdAcceptsBlocks submits a chain to a btcd regtest node, which
// checks everything, coinbase maturity included: 101 blocks mature the
// first coinbase before block 102 spends it.
func TestBtcdAcceptsBlocks(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	n, err := btcdtest.Start(ctx, t, btcdtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ch := build(t, btcdtest.CoinbaseMaturity+1)
	for i, b := range ch.Blocks() {
		if err := n.Client().SubmitBlock(btcutil.NewBlock(b), nil); err != nil {
			t.Fatalf("block %d: %v", i+1, err)
		}
	}
	tip, err := n.Tip(ctx)
	if err != nil {
		t.Fatal(err)
	}
	last := ch.Blocks()[len(ch.Blocks())-1]
	if want := last.BlockHash(); *tip != want {
		t.Errorf("node's tip %s, want %s", tip, want)
	}
}
