package trace_test

import (
	"bytes"
	"cmp"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/btcsuite/btcd/wire/v2"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/chains/bitcoin"
	"github.com/houndtrace/hound/chains/bitcoin/btcdtest"
	"github.com/houndtrace/hound/store"
	"github.com/houndtrace/hound/trace"
)

// TestCoinJoinRegtest runs the CoinJoin detectors on real transactions: a
// btcd regtest node signs, relays and mines CoinJoins built to the shape
// of each implementation (the real mainnet blocks in ../shared/data hold
// none; TestMainnetCoinJoins checks them for false positives), a real
// store syncs the blocks, and each transaction read back from the store,
// its inputs resolved from the outputs it spends, must be detected as the
// implementation that made it, and ordinary transactions as none. On
// regtest (Mainnet false) no height gate applies, so structure alone
// decides; with Mainnet set the same transactions at these low heights
// must meet every gate but JoinMarket's, which has none.
//
// The chain, after 101 blocks that mature the first coinbase:
//
//   - block 102, fund: one batch payment from a coinbase making every coin
//     below, of the script kinds each participant would hold;
//   - block 103: a Whirlpool TX0 (an OP_RETURN, Samourai's fee, seven
//     premixes of 0.05 BTC + 4,000 sat of mixing fee, change); a Wasabi 2
//     round; two JoinMarket joins; a payment, a consolidation and a batch
//     payout with a JoinMarket join's outputs but two inputs;
//   - block 104, mix1: a Whirlpool 5x5 of four premixes from the TX0 and
//     one coin of exactly the pool value from fund (it stands in for the
//     output of an earlier mix, which the chain has not got);
//   - block 105, mix2: METHODS.md's S4, a Whirlpool 5x5 remixing two of
//     mix1's outputs with three premixes from the TX0, and fake, the same
//     shape with its three premixes from fund instead of from a TX0.
//
// With the TX0 rule (CoinJoinContext.Origin, here answered from the
// store), mix2 stays a Whirlpool mix, while mix1 (one input's parent is
// neither a TX0 nor a mix) and fake (three) are none. The whole test
// takes about a second.
func TestCoinJoinRegtest(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	n, err := btcdtest.Start(ctx, t, btcdtest.Options{Seed: "hound-coinjoin"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Generate(ctx, btcdtest.CoinbaseMaturity+1); err != nil {
		t.Fatal(err)
	}
	w := n.Wallet
	out := func(v int64, k btcdtest.Kind, key int) *wire.TxOut { return wire.NewTxOut(v, w.Script(k, key)) }
	must := func(tx *wire.MsgTx, err error) *wire.MsgTx {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return tx
	}
	mine := func(txs ...*wire.MsgTx) {
		t.Helper()
		if _, err := n.Mine(ctx, txs...); err != nil {
			t.Fatal(err)
		}
	}

	// Block 102: fund every participant. coin(i) is output i of fund.
	var fundOuts []*wire.TxOut
	pay := func(v int64, k btcdtest.Kind, key int) int {
		fundOuts = append(fundOuts, out(v, k, key))
		return len(fundOuts) - 1
	}
	const (
		pool   = 5_000_000 // the 0.05 BTC Whirlpool pool
		premix = 5_004_000 // a premix: the pool value and the mix's miner fee
	)
	tx0Coin := pay(100_000_000, btcdtest.P2WPKH, 10)
	bootstrap := pay(pool, btcdtest.P2WPKH, 19)
	var fakePremix []int
	for i := range 3 {
		fakePremix = append(fakePremix, pay(premix, btcdtest.P2WPKH, 60+i))
	}
	// Wasabi 2: 54 coins of distinct values, a third P2TR.
	var w2Coins []int
	for i := range 54 {
		k := btcdtest.P2WPKH
		if i%3 == 0 {
			k = btcdtest.P2TR
		}
		w2Coins = append(w2Coins, pay(2_345_678-13_579*int64(i), k, 100+i))
	}
	// JoinMarket: makers A, B and taker C (with change); makers D, E, F
	// and taker G (who sweeps a coin, so without change).
	const (
		jm1Eq, jm1MakerFee, jm1Miner = 25_000_000, 20_000, 10_000
		jm2Eq, jm2MakerFee, jm2Miner = 10_000_000, 15_000, 8_000
	)
	jmA := pay(100_000_000, btcdtest.P2WPKH, 300)
	jmB := pay(60_000_000, btcdtest.P2PKH, 301)
	jmC := pay(80_000_000, btcdtest.P2SHP2WPKH, 302)
	jmD := pay(50_000_000, btcdtest.P2WPKH, 310)
	jmE := pay(40_000_000, btcdtest.P2TR, 311)
	jmF := pay(30_000_000, btcdtest.P2WPKH, 312)
	jmG := pay(jm2Eq+3*jm2MakerFee+jm2Miner, btcdtest.P2WPKH, 313)
	// Negatives.
	payCoin := pay(50_000_000, btcdtest.P2WPKH, 400)
	consolidate := []int{pay(30_000_000, btcdtest.P2WPKH, 403), pay(20_000_000, btcdtest.P2TR, 404), pay(10_000_000, btcdtest.P2PKH, 405)}
	batchCoins := []int{pay(40_000_000, btcdtest.P2WPKH, 407), pay(40_000_000, btcdtest.P2WPKH, 408)}
	fund := must(n.Send(ctx, fundOuts...))
	mine(fund)
	coins := func(idx ...int) []wire.OutPoint { return btcdtest.OutPoints(fund, idx...) }

	// Block 103. The TX0: its OP_RETURN carries the 46-byte encrypted
	// payload of a real TX0; the pool's fee is 0.00175 BTC.
	tx0Outs := []*wire.TxOut{wire.NewTxOut(0, btcdtest.NullData(bytes.Repeat([]byte{0x5a}, 46))), out(175_000, btcdtest.P2WPKH, 30)}
	for i := range 7 {
		tx0Outs = append(tx0Outs, out(premix, btcdtest.P2WPKH, 20+i))
	}
	tx0Outs = append(tx0Outs, out(100_000_000-175_000-7*premix-2_000, btcdtest.P2WPKH, 31))
	tx0 := must(n.SpendExact(ctx, coins(tx0Coin), tx0Outs...))
	premixes := btcdtest.OutPoints(tx0, 2, 3, 4, 5, 6, 7, 8)

	wasabi2 := must(n.SpendExact(ctx, coins(w2Coins...), wasabi2Outputs(t, w, fund, w2Coins)...))

	jm1 := must(n.SpendExact(ctx, coins(jmB, jmC, jmA),
		out(jm1Eq, btcdtest.P2WPKH, 320),
		out(100_000_000-jm1Eq+jm1MakerFee, btcdtest.P2WPKH, 321), // A's change
		out(jm1Eq, btcdtest.P2PKH, 322),
		out(80_000_000-jm1Eq-2*jm1MakerFee-jm1Miner, btcdtest.P2SHP2WPKH, 323), // C's change
		out(60_000_000-jm1Eq+jm1MakerFee, btcdtest.P2PKH, 324),                 // B's change
		out(jm1Eq, btcdtest.P2SHP2WPKH, 325)))
	jm2 := must(n.SpendExact(ctx, coins(jmE, jmG, jmD, jmF),
		out(30_000_000-jm2Eq+jm2MakerFee, btcdtest.P2WPKH, 330), // F's change
		out(jm2Eq, btcdtest.P2WPKH, 331),
		out(jm2Eq, btcdtest.P2TR, 332),
		out(50_000_000-jm2Eq+jm2MakerFee, btcdtest.P2WPKH, 333), // D's change
		out(jm2Eq, btcdtest.P2WPKH, 334),
		out(40_000_000-jm2Eq+jm2MakerFee, btcdtest.P2TR, 335), // E's change
		out(jm2Eq, btcdtest.P2WPKH, 336)))

	payment := must(n.SpendExact(ctx, coins(payCoin), out(12_000_000, btcdtest.P2WPKH, 401), out(37_990_000, btcdtest.P2WPKH, 402)))
	consolidation := must(n.SpendExact(ctx, coins(consolidate...), out(59_990_000, btcdtest.P2WPKH, 406)))
	batch := must(n.SpendExact(ctx, coins(batchCoins...),
		out(5_000_000, btcdtest.P2WPKH, 410), out(5_000_000, btcdtest.P2WPKH, 411), out(5_000_000, btcdtest.P2WPKH, 412),
		out(20_000_000, btcdtest.P2TR, 413), out(44_990_000, btcdtest.P2WPKH, 414)))
	mine(tx0, wasabi2, jm1, jm2, payment, consolidation, batch)

	// Block 104: mix1, fee 16,000 sat.
	mixOuts := func(key int) []*wire.TxOut {
		var outs []*wire.TxOut
		for i := range 5 {
			outs = append(outs, out(pool, btcdtest.P2WPKH, key+i))
		}
		return outs
	}
	mix1 := must(n.SpendExact(ctx, append(coins(bootstrap), premixes[:4]...), mixOuts(40)...))
	mine(mix1)

	// Block 105: mix2 is S4, inputs [0.05, 0.05, 0.05004, 0.05004,
	// 0.05004] BTC, fee 0.00012; fake has the same values.
	remix := btcdtest.OutPoints(mix1, 0, 1, 2, 3)
	mix2 := must(n.SpendExact(ctx, append(remix[:2:2], premixes[4:]...), mixOuts(50)...))
	fake := must(n.SpendExact(ctx, append(remix[2:4:4], coins(fakePremix...)...), mixOuts(65)...))
	mine(mix2, fake)

	// Sync the node's blocks into a real store.
	s, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	src, err := bitcoin.Dial(ctx, bitcoin.Config{URL: n.URL(), User: btcdtest.User, Pass: btcdtest.Pass, Network: bitcoin.Regtest})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := s.Sync(ctx, src, store.SyncOptions{}); err != nil || res.Height != 105 {
		t.Fatalf("sync to block %d: %v; want 105", res.Height, err)
	}
	read := func(tx *wire.MsgTx) *store.TxRecord {
		t.Helper()
		h, err := chains.ParseHash(chains.Bitcoin, tx.TxHash().String())
		if err != nil {
			t.Fatal(err)
		}
		rec, err := s.Tx(chains.Bitcoin, h)
		if err != nil {
			t.Fatal(err)
		}
		if rec.UTXO == nil || len(rec.UTXO.Inputs) != len(tx.TxIn) || len(rec.UTXO.Outputs) != len(tx.TxOut) {
			t.Fatalf("transaction %s read back from the store: %+v", h.Format(chains.Bitcoin), rec.UTXO)
		}
		for i, in := range rec.UTXO.Inputs {
			if !in.Resolved {
				t.Fatalf("transaction %s: input %d unresolved in the store", h.Format(chains.Bitcoin), i)
			}
		}
		return rec
	}
	// origin answers the TX0 rule from the store: the parent carries an
	// OP_RETURN, or is a Whirlpool mix by structure, or is neither.
	origin := func(p chains.Outpoint) trace.InputOrigin {
		rec, err := s.Tx(chains.Bitcoin, p.Tx)
		if err != nil {
			t.Errorf("parent of %s: %v", p, err)
			return trace.InputFromUnknown
		}
		if trace.HasOpReturn(rec.UTXO) {
			return trace.InputFromOpReturn
		}
		if k, _ := trace.DetectCoinJoin(rec.UTXO, trace.CoinJoinContext{Height: rec.Block}); k == trace.CoinJoinWhirlpool {
			return trace.InputFromWhirlpool
		}
		return trace.InputFromOther
	}

	// The stored S4 mix is the one METHODS.md describes.
	s4 := read(mix2).UTXO
	var inVals []uint64
	for _, in := range s4.Inputs {
		inVals = append(inVals, in.Value)
	}
	if fee, ok := s4.Fee(); !ok || fee != 12_000 || !slices.Equal(inVals, []uint64{pool, pool, premix, premix, premix}) {
		t.Errorf("mix2 in the store: inputs %v, fee %d; want S4's", inVals, fee)
	}
	for _, o := range s4.Outputs {
		if o.Value != pool || o.Kind != chains.ScriptP2WPKH {
			t.Errorf("mix2 in the store: output %+v", o)
		}
	}
	if w2 := read(wasabi2).UTXO; len(w2.Inputs) != 54 {
		t.Errorf("the Wasabi 2 round has %d inputs in the store, want 54", len(w2.Inputs))
	}

	none := trace.CoinJoinKind("")
	tests := []struct {
		name string
		tx   *wire.MsgTx
		want trace.CoinJoinKind // on regtest, by structure alone
		tx0  trace.CoinJoinKind // with the TX0 rule answered from the store
		main trace.CoinJoinKind // as if on mainnet at the same height, below every gate
		// blocksci is LooksLikeCoinJoin's answer: BlockSci's generic rule
		// (n = ceil(outputs/2) equal outputs) takes the JoinMarket joins
		// only, not a 5x5 mix (5 equal of 5) nor a multi-denomination round.
		blocksci bool
	}{
		{"mix2 (S4)", mix2, trace.CoinJoinWhirlpool, trace.CoinJoinWhirlpool, none, false},
		{"mix1", mix1, trace.CoinJoinWhirlpool, none, none, false},
		{"fake mix (premixes not from a TX0)", fake, trace.CoinJoinWhirlpool, none, none, false},
		{"Wasabi 2 round", wasabi2, trace.CoinJoinWasabi2, trace.CoinJoinWasabi2, none, false},
		{"JoinMarket, taker with change", jm1, trace.CoinJoinJoinMarket, trace.CoinJoinJoinMarket, trace.CoinJoinJoinMarket, true},
		{"JoinMarket, taker sweeping", jm2, trace.CoinJoinJoinMarket, trace.CoinJoinJoinMarket, trace.CoinJoinJoinMarket, true},
		{"TX0", tx0, none, none, none, false},
		{"funding batch", fund, none, none, none, false},
		{"payment 1-in/2-out", payment, none, none, none, false},
		{"consolidation 3-in/1-out", consolidation, none, none, none, false},
		{"batch payout, 2 inputs, 3 equal outputs", batch, none, none, none, false},
	}
	for _, tt := range tests {
		rec := read(tt.tx)
		if got := trace.LooksLikeCoinJoin(rec.UTXO); got != tt.blocksci {
			t.Errorf("%s: LooksLikeCoinJoin %v, want %v", tt.name, got, tt.blocksci)
		}
		for _, c := range []struct {
			cc   trace.CoinJoinContext
			want trace.CoinJoinKind
		}{
			{trace.CoinJoinContext{Height: rec.Block}, tt.want},
			{trace.CoinJoinContext{Height: rec.Block, Origin: origin}, tt.tx0},
			{trace.CoinJoinContext{Height: rec.Block, Mainnet: true}, tt.main},
		} {
			got, ok := trace.DetectCoinJoin(rec.UTXO, c.cc)
			if got != c.want || ok != (c.want != none) {
				t.Errorf("%s (block %d, mainnet %v, TX0 rule %v): detected %q, %v; want %q",
					tt.name, rec.Block, c.cc.Mainnet, c.cc.Origin != nil, got, ok, c.want)
			}
		}
	}
}

// wasabi2Outputs makes the outputs of a WabiSabi round spending the given
// outputs of fund: 47 of standard denominations (10^7, 3^14, 2^21, 10^6,
// 2·10^5, 5·10^4, 2·3^8) and five of change, 90% standard, the fee 27,500
// sat (about 5 sat/vB), all sorted by value, largest first, P2WPKH and
// P2TR.
func wasabi2Outputs(t *testing.T, w *btcdtest.Wallet, fund *wire.MsgTx, idx []int) []*wire.TxOut {
	t.Helper()
	var in int64
	for _, i := range idx {
		in += fund.TxOut[i].Value
	}
	var vals []int64
	for _, g := range []struct {
		v     int64
		count int
	}{{10_000_000, 5}, {4_782_969, 6}, {2_097_152, 6}, {1_000_000, 8}, {200_000, 8}, {50_000, 8}, {13_122, 6}} {
		for range g.count {
			vals = append(vals, g.v)
		}
	}
	vals = append(vals, 1_876_543, 1_456_789, 1_234_567, 987_654)
	rest := in - 27_500
	for _, v := range vals {
		rest -= v
	}
	if rest < 100_000 {
		t.Fatalf("the Wasabi 2 coins leave %d sat for the last change", rest)
	}
	vals = append(vals, rest)
	slices.SortStableFunc(vals, func(a, b int64) int { return cmp.Compare(b, a) })
	var outs []*wire.TxOut
	for i, v := range vals {
		k := btcdtest.P2WPKH
		if i%2 == 1 {
			k = btcdtest.P2TR
		}
		outs = append(outs, wire.NewTxOut(v, w.Script(k, 200+i)))
	}
	return outs
}
