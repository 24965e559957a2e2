package trace_test

import (
	"fmt"
	"math/big"
	"testing"

	"github.com/btcsuite/btcd/address/v2"
	"github.com/btcsuite/btcd/chaincfg/v2"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/labels"
	"github.com/houndtrace/hound/store"
	"github.com/houndtrace/hound/trace"
)

// These tests walk graphs committed to a real store from hand-made blocks:
// the store's flow graph and the walk together, on METHODS.md's scenarios.

// lookup is a label index given as a literal.
type lookup map[chains.Address]labels.Category

func (l lookup) Lookup(_ chains.Chain, a chains.Address) []labels.Label {
	c, ok := l[a]
	if !ok {
		return nil
	}
	return []labels.Label{{Address: a, Category: c, Entity: string(a)}}
}

func eth(n int64) *big.Int { return new(big.Int).Mul(big.NewInt(n), big.NewInt(1e18)) }

func addr(name string) chains.Address { return chains.Address(fmt.Sprintf("0x%040x", []byte(name))) }

// tempStore opens a store in a directory the test removes.
func tempStore(t testing.TB) *store.Store {
	t.Helper()
	s, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// accountChain commits one transfer a block, in order.
func accountChain(t *testing.T, transfers ...chains.Transfer) *store.Store {
	t.Helper()
	s := tempStore(t)
	var blocks []*chains.Block
	var parent chains.Hash
	for i, tr := range transfers {
		b := &chains.Block{Chain: chains.Ethereum, Number: uint64(i + 1), Parent: parent, Time: uint64(1000 + i)}
		b.Hash[0], b.Hash[1] = byte(i+1), 0xee
		tr.Chain, tr.Pos, tr.Time, tr.Kind = chains.Ethereum, chains.Pos{Block: b.Number, Index: 2}, b.Time, chains.KindNative
		tr.Tx[0], tr.Tx[1] = byte(i+1), 0x77
		if tr.Asset == "" {
			tr.Asset = chains.Native
		}
		b.Txs = []chains.Tx{{Hash: tr.Tx, From: tr.From, To: tr.To, Status: chains.TxSucceeded}}
		b.Transfers = []chains.Transfer{tr}
		blocks = append(blocks, b)
		parent = b.Hash
	}
	if err := s.Commit(chains.Ethereum, blocks, nil); err != nil {
		t.Fatal(err)
	}
	return s
}

func send(from, to chains.Address, amount *big.Int) chains.Transfer {
	return chains.Transfer{From: from, To: to, Amount: amount}
}

// TestTraceS2 is METHODS.md's S2 on an account chain: E0 holds 10 ETH
// clean, receives 500 stolen ETH from the seed, fans 5 x 100 ETH out to
// H1-H5 (a fan-out); H1 deposits into a mixer pool, H2 forwards all it got
// to an exchange, which makes H2 that exchange's deposit address.
func TestTraceS2(t *testing.T) {
	seed, e0, pool, ex := addr("thief"), addr("E0"), addr("pool"), addr("exchange")
	h := []chains.Address{addr("H1"), addr("H2"), addr("H3"), addr("H4"), addr("H5")}
	transfers := []chains.Transfer{
		send(addr("bridge"), seed, eth(500)), // the theft
		send(addr("clean"), e0, eth(10)),
		send(seed, e0, eth(500)),
	}
	for _, hi := range h {
		transfers = append(transfers, send(e0, hi, eth(100)))
	}
	transfers = append(transfers, send(h[0], pool, eth(100)), send(h[1], ex, eth(100)))
	s := accountChain(t, transfers...)
	labels := lookup{pool: labels.Mixer, ex: labels.Exchange}
	tests := []struct {
		model      trace.Model
		mixer, exc string // tainted wei reaching the pool (via H1) and the exchange (via H2)
	}{
		// Haircut: E0 holds 510 ETH of which 500 tainted. H1 gets
		// floor(100e18*500e18/510e18) = 98039215686274509803; the remainder
		// stays with E0, so before H2's transfer E0 holds 410 ETH with
		// 500e18-98039215686274509803 tainted: floor(100e18*that/410e18) =
		// 98039215686274509804. Each H passes on all it holds.
		{trace.Haircut, "98039215686274509803", "98039215686274509804"},
		// FIFO: E0's first 10 ETH are clean, so H1 gets 90 tainted, H2 100.
		{trace.FIFO, "90000000000000000000", "100000000000000000000"},
	}
	for _, tt := range tests {
		res, err := traceRoundTrip(t, s, labels, []chains.Node{chains.AccountOf(chains.Ethereum, seed, chains.Native)}, trace.Options{Model: tt.model})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Findings) != 3 {
			t.Fatalf("%s: %d findings: %+v", tt.model, len(res.Findings), res.Findings)
		}
		fan, mix, exc := res.Findings[0], res.Findings[1], res.Findings[2]
		if fan.Kind != trace.FindingFanOut || fan.Address != e0 || fan.Hop != 2 || fan.Edge.Address != h[4] {
			t.Errorf("%s: fan-out finding %+v", tt.model, fan)
		}
		if mix.Kind != trace.FindingMixer || mix.Address != pool || mix.Edge.Tainted.String() != tt.mixer || mix.Hop != 3 || len(mix.Path) != 3 {
			t.Errorf("%s: mixer finding %+v, tainted %s, path %d", tt.model, mix, mix.Edge.Tainted, len(mix.Path))
		}
		// H2 got 100 ETH at block 5 and swept all 100 on at block 10:
		// slack 0, 5 blocks, so κ = (1 + 1 - 5/3200)/2 = 0.99921875.
		if exc.Kind != trace.FindingExchangeDeposit || exc.Address != h[1] || exc.Wallet != ex || exc.Edge.Tainted.String() != tt.exc ||
			exc.Tainted.String() != tt.exc || exc.ForwardedTainted.String() != tt.exc || exc.Amount.Cmp(eth(100)) != 0 || exc.Hop != 3 || exc.Confidence != 0.99921875 {
			t.Errorf("%s: exchange deposit finding %+v, tainted %s", tt.model, exc, exc.Edge.Tainted)
		}
		if p := mix.Path; p[0].From.Address != seed || p[1].To.Address != h[0] || p[2].To.Address != pool {
			t.Errorf("%s: path %v -> %v -> %v", tt.model, p[0].From, p[1].To, p[2].To)
		}
	}
}

// utxoChain commits UTXO blocks, one transaction list a block.
func utxoChain(t *testing.T, blocks ...[]chains.UTXOTx) *store.Store {
	t.Helper()
	s := tempStore(t)
	if err := s.Commit(chains.Bitcoin, utxoBlocks(blocks...), nil); err != nil {
		t.Fatal(err)
	}
	return s
}

// utxoBlocks makes a Bitcoin chain of one transaction list a block.
func utxoBlocks(blocks ...[]chains.UTXOTx) []*chains.Block {
	var bs []*chains.Block
	var parent chains.Hash
	for i, txs := range blocks {
		b := &chains.Block{Chain: chains.Bitcoin, Number: uint64(i + 1), Parent: parent, Time: uint64(1000 + 600*i), UTXOTxs: txs}
		b.Hash[0], b.Hash[1] = byte(i+1), 0xbb
		for j := range b.UTXOTxs {
			b.UTXOTxs[j].Index = uint32(j)
		}
		bs = append(bs, b)
		parent = b.Hash
	}
	return bs
}

func txid(b byte) chains.Hash { return chains.Hash{0: b, 31: 0x55} }

func utx(id byte, ins []chains.Outpoint, outs ...chains.TxOut) chains.UTXOTx {
	tx := chains.UTXOTx{Hash: txid(id), Outputs: outs}
	if ins == nil {
		tx.Inputs = []chains.TxIn{{Coinbase: true}}
	}
	for _, o := range ins {
		tx.Inputs = append(tx.Inputs, chains.TxIn{Prev: o})
	}
	return tx
}

func pay(a chains.Address, sats uint64) chains.TxOut {
	return chains.TxOut{Value: sats, Kind: chains.ScriptP2WPKH, Address: a}
}

// TestTraceS1 is METHODS.md's S1 on a UTXO chain: the thief's 10 BTC peel
// 1 BTC and 1.5 BTC off to X1 and X2 (a peel chain), then the change joins
// a clean coin of K to pay an OTC desk 2 BTC (a cluster of the change's
// address and K). An exchange later spends X1's and X2's coins with its own
// hot wallet's: they are its deposit addresses.
func TestTraceS1(t *testing.T) {
	thief, k, x1, x2, otc := chains.Address("bc1qthief"), chains.Address("bc1qk"), chains.Address("bc1qx1"), chains.Address("bc1qx2"), chains.Address("bc1qotc")
	hot := chains.Address("bc1qhot")
	blocks := [][]chains.UTXOTx{
		{utx(1, nil, pay(thief, 1_000_000_000)), utx(2, nil, pay(k, 100_010_000))},
		{utx(3, []chains.Outpoint{{Tx: txid(1)}}, pay(x1, 100_000_000), pay("bc1qc1", 899_990_000))},
		{utx(4, []chains.Outpoint{{Tx: txid(3), Index: 1}}, pay(x2, 150_000_000), pay("bc1qc2", 749_980_000))},
		{utx(5, []chains.Outpoint{{Tx: txid(4), Index: 1}, {Tx: txid(2)}}, pay(otc, 200_000_000), pay("bc1qc3", 649_980_000)),
			utx(6, nil, pay(hot, 50_000_000))},
		{utx(7, []chains.Outpoint{{Tx: txid(6)}, {Tx: txid(3)}, {Tx: txid(4)}}, pay(hot, 299_990_000))},
	}
	s := utxoChain(t, blocks...)
	lk := lookup{hot: labels.Exchange, otc: labels.OTC}
	tests := []struct {
		model trace.Model
		otc   string // tainted satoshi reaching the OTC desk
	}{
		// Haircut: tx3's inputs are 749,980,000 tainted and 100,010,000
		// clean; the OTC output takes floor(2e8 * 749980000 / 849990000).
		{trace.Haircut, "176467958"},
		// FIFO: the tainted input comes first and covers the 2 BTC.
		{trace.FIFO, "200000000"},
	}
	for _, tt := range tests {
		res, err := traceRoundTrip(t, s, lk, []chains.Node{chains.HoldingOf(chains.Bitcoin, thief)}, trace.Options{Model: tt.model})
		if err != nil {
			t.Fatal(err)
		}
		// tx1 and tx2 each peel a payment off the thief's coin: a peel chain
		// of 2 transactions and 2.5 BTC, found where the coin entered tx1.
		peel := res.Findings[0]
		if peel.Kind != trace.FindingPeelChain || peel.Length != 2 || peel.Total.String() != "250000000" || peel.Hop != 0 || peel.Edge.To != chains.TxOf(chains.Bitcoin, txid(3)) {
			t.Errorf("%s: peel chain finding %+v", tt.model, peel)
		}
		want := []struct {
			kind    trace.FindingKind
			address chains.Address
			tainted string
			hop     int
		}{
			{trace.FindingExchangeDeposit, x1, "100000000", 1},
			{trace.FindingExchangeDeposit, x2, "150000000", 2},
			{trace.FindingCluster, "", "749980000", 2},
			{trace.FindingService, otc, tt.otc, 3},
		}
		if len(res.Findings) != len(want)+1 {
			t.Fatalf("%s: %d findings", tt.model, len(res.Findings))
		}
		for i, w := range want {
			f := res.Findings[i+1]
			if f.Kind != w.kind || f.Address != w.address || f.Edge.Tainted.String() != w.tainted || f.Hop != w.hop || len(f.Path) != w.hop+1 {
				t.Errorf("%s: finding %d: %s %s tainted %s hop %d path %d; want %+v", tt.model, i, f.Kind, f.Address, f.Edge.Tainted, f.Hop, len(f.Path), w)
			}
		}
		if d := res.Findings[1]; d.Wallet != hot || d.Entity != string(hot) {
			t.Errorf("%s: deposit of %s, want %s", tt.model, d.Wallet, hot)
		}
		if c := res.Findings[3]; fmt.Sprint(c.Members) != "[bc1qc2 bc1qk]" {
			t.Errorf("%s: cluster %v, want [bc1qc2 bc1qk]", tt.model, c.Members)
		}
		// Synced block by block, the walk saved at each block continues to
		// what a fresh trace finds. Before the last block X1 and X2 hold
		// unspent tainted outputs; the last co-spends them with the
		// exchange's coin, which puts them in its cluster: the walk makes
		// the deposit findings then, where the outputs rest.
		steps := split(utxoBlocks(blocks...), []int{1, 2, 3, 4})
		if n, _, stale := resumeCase(t, steps, lk, []chains.Node{chains.HoldingOf(chains.Bitcoin, thief)}, trace.Options{Model: tt.model}); n != 4 {
			t.Errorf("%s: %d of 4 resumes continued: %v", tt.model, n, stale)
		}
	}
}

// p2wpkh makes a valid mainnet P2WPKH address from a byte.
func p2wpkh(t *testing.T, b byte) chains.Address {
	t.Helper()
	var h [20]byte
	h[0], h[19] = b, 0xcc
	a, err := address.NewAddressWitnessPubKeyHash(h[:], &chaincfg.MainNetParams)
	if err != nil {
		t.Fatal(err)
	}
	return chains.Address(a.String())
}

// TestTraceWhirlpool is METHODS.md's S4: a tainted coin enters a Whirlpool
// 5x5 mix. The trace reports the CoinJoin and goes on through it: under
// haircut each output carries floor(5,000,000 * 5,004,000 / 25,012,000) =
// 1,000,319 sat of the taint, the fee the rest.
func TestTraceWhirlpool(t *testing.T) {
	thief := p2wpkh(t, 1)
	var coins []chains.UTXOTx
	var ins []chains.Outpoint
	for i, v := range []uint64{5_000_000, 5_000_000, 5_004_000, 5_004_000, 5_004_000} {
		owner := p2wpkh(t, byte(10+i))
		if i == 2 {
			owner = thief
		}
		// Each coin comes from a TX0, a transaction with an OP_RETURN,
		// as Whirlpool's premixes do.
		coins = append(coins, utx(byte(20+i), nil, pay(owner, v), chains.TxOut{Kind: chains.ScriptNullData, Data: []byte("tx0")}))
		ins = append(ins, chains.Outpoint{Tx: txid(byte(20 + i))})
	}
	var outs []chains.TxOut
	for i := 0; i < 5; i++ {
		outs = append(outs, pay(p2wpkh(t, byte(40+i)), 5_000_000))
	}
	s := utxoChain(t, coins, []chains.UTXOTx{utx(30, ins, outs...)})
	res, err := traceRoundTrip(t, s, nil, []chains.Node{chains.HoldingOf(chains.Bitcoin, thief)}, trace.Options{Model: trace.Haircut})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 || res.Findings[0].Kind != trace.FindingCoinJoin || res.Findings[0].CoinJoin != trace.CoinJoinWhirlpool {
		t.Fatalf("findings %+v", res.Findings)
	}
	out := 0
	for _, e := range res.Edges {
		if e.From.Kind == chains.TxNode {
			out++
			if e.Tainted.String() != "1000319" {
				t.Errorf("output %v carries %s tainted, want 1000319", e.Pos, e.Tainted)
			}
		}
	}
	if out != 5 {
		t.Errorf("%d tainted outputs, want 5", out)
	}
}
