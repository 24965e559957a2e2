package trace

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
	"testing"

	"github.com/btcsuite/btcd/address/v2"
	"github.com/btcsuite/btcd/chaincfg/v2"

	"github.com/houndtrace/hound/chains"
)

// cjAddr returns a valid address of kind k on network net, a different one
// for each seed.
func cjAddr(net *chaincfg.Params, k chains.ScriptKind, seed int) chains.Address {
	h := sha256.Sum256(fmt.Appendf(nil, "cj %d %d", k, seed))
	var a interface{ EncodeAddress() string }
	var err error
	switch k {
	case chains.ScriptP2WPKH:
		a, err = address.NewAddressWitnessPubKeyHash(h[:20], net)
	case chains.ScriptP2WSH:
		a, err = address.NewAddressWitnessScriptHash(h[:], net)
	case chains.ScriptP2TR:
		a, err = address.NewAddressTaproot(h[:], net)
	case chains.ScriptP2PKH:
		a, err = address.NewAddressPubKeyHash(h[:20], net)
	case chains.ScriptP2SH:
		a, err = address.NewAddressScriptHashFromHash(h[:20], net)
	default:
		panic(fmt.Sprintf("cjAddr: kind %s", k))
	}
	if err != nil {
		panic(err)
	}
	return chains.Address(a.EncodeAddress())
}

// cjIn is a resolved input of value v spending a coin of kind k; seed picks
// its address and the outpoint it spends.
func cjIn(k chains.ScriptKind, seed int, v uint64) chains.TxIn {
	return chains.TxIn{
		Prev:     chains.Outpoint{Tx: sha256.Sum256(fmt.Appendf(nil, "prev %d", seed))},
		Resolved: true,
		Value:    v,
		Address:  cjAddr(&chaincfg.MainNetParams, k, seed),
	}
}

// cjOut is an output of value v and kind k; seed picks its address.
func cjOut(k chains.ScriptKind, seed int, v uint64) chains.TxOut {
	return chains.TxOut{Value: v, Kind: k, Address: cjAddr(&chaincfg.MainNetParams, k, seed)}
}

func cjTx(ins []chains.TxIn, outs []chains.TxOut) *chains.UTXOTx {
	h := sha256.New()
	for _, in := range ins {
		h.Write(in.Prev.Tx[:])
	}
	for _, o := range outs {
		binary.Write(h, binary.BigEndian, o.Value)
		h.Write([]byte(o.Address))
	}
	return &chains.UTXOTx{Hash: chains.Hash(h.Sum(nil)), Inputs: ins, Outputs: outs, Version: 2}
}

// cjEdit returns a copy of tx changed by f, with its own slices.
func cjEdit(tx *chains.UTXOTx, f func(tx *chains.UTXOTx)) *chains.UTXOTx {
	c := *tx
	c.Inputs = slices.Clone(tx.Inputs)
	c.Outputs = slices.Clone(tx.Outputs)
	f(&c)
	return &c
}

// The two Wasabi 1 coordinator addresses of the coordinator-address era.
const (
	wasabiCoord1 = "bc1qs604c7jv6amk4cxqlnvuxv26hv3e48cds4m0ew"
	wasabiCoord2 = "bc1qa24tsgchvuxsaccp8vrnkfd85hrcpafg20kmjw"
)

// whirlpoolMix is METHODS.md's S4: inputs [0.05, 0.05, 0.05004, 0.05004,
// 0.05004] BTC, five outputs of 0.05 BTC, fee 0.00012 BTC, all P2WPKH.
// The two inputs of the pool value remix earlier mix outputs; the three
// above it are premixes from TX0s (whirlpoolS4Origin).
func whirlpoolMix(pool, premix uint64, size int) *chains.UTXOTx {
	var ins []chains.TxIn
	var outs []chains.TxOut
	for i := range size {
		v := premix
		if i < 2 {
			v = pool
		}
		ins = append(ins, cjIn(chains.ScriptP2WPKH, 100+i, v))
		outs = append(outs, cjOut(chains.ScriptP2WPKH, 200+i, pool))
	}
	return cjTx(ins, outs)
}

func whirlpoolS4() *chains.UTXOTx { return whirlpoolMix(5_000_000, 5_004_000, 5) }

// whirlpoolS4Origin says the first two inputs of a whirlpoolMix remix a Whirlpool
// output and the others spend TX0 outputs; any other outpoint is unknown.
func whirlpoolS4Origin(tx *chains.UTXOTx) func(chains.Outpoint) InputOrigin {
	return func(p chains.Outpoint) InputOrigin {
		for i, in := range tx.Inputs {
			if in.Prev == p {
				if i < 2 {
					return InputFromWhirlpool
				}
				return InputFromOpReturn
			}
		}
		return InputFromUnknown
	}
}

// wasabi2Round builds a WabiSabi round: n inputs (P2WPKH and P2TR) and std
// outputs of standard denominations in groups of 8 plus other outputs of
// odd values, all sorted by value, largest first.
func wasabi2Round(n, std, other int) *chains.UTXOTx {
	groups := []uint64{33_554_432, 14_348_907, 5_000_000, 3_188_646, 1_048_576, 100_000, 20_000}
	var vals []uint64
	for i := range std {
		vals = append(vals, groups[i/8%len(groups)])
	}
	for i := range other {
		v := uint64(7_654_321 + 1_111*i)
		if isWasabi2Denomination(v) {
			panic("not an odd value")
		}
		vals = append(vals, v)
	}
	slices.Sort(vals)
	slices.Reverse(vals)
	var total uint64
	var outs []chains.TxOut
	for i, v := range vals {
		total += v
		k := chains.ScriptP2WPKH
		if i%3 == 0 {
			k = chains.ScriptP2TR
		}
		outs = append(outs, cjOut(k, 300+i, v))
	}
	per := total/uint64(n) + 10_000
	var ins []chains.TxIn
	for i := range n {
		k := chains.ScriptP2WPKH
		if i%4 == 0 {
			k = chains.ScriptP2TR
		}
		ins = append(ins, cjIn(k, 400+i, per+uint64(n-i)*100))
	}
	return cjTx(ins, outs)
}

// wasabi1Round builds a ZeroLink round of the era without coordinator
// addresses: 12 P2WPKH inputs; equal outputs of value eq, the
// coordinator's fee and the given changes, all P2WPKH.
func wasabi1Round(equal int, eq uint64, changes ...uint64) *chains.UTXOTx {
	var ins []chains.TxIn
	for i := range 12 {
		ins = append(ins, cjIn(chains.ScriptP2WPKH, 500+i, 10_000_000))
	}
	var outs []chains.TxOut
	for i := range equal {
		outs = append(outs, cjOut(chains.ScriptP2WPKH, 600+i, eq))
	}
	outs = append(outs, cjOut(chains.ScriptP2WPKH, 650, 43_000))
	for i, c := range changes {
		outs = append(outs, cjOut(chains.ScriptP2WPKH, 660+i, c))
	}
	return cjTx(ins, outs)
}

// wasabi1Early builds a round of the coordinator-address era: three
// unresolved P2PKH inputs, three equal outputs, the coordinator's fee to
// coord, one change.
func wasabi1Early(coord chains.Address) *chains.UTXOTx {
	var ins []chains.TxIn
	for i := range 3 {
		in := cjIn(chains.ScriptP2PKH, 700+i, 0)
		in.Resolved, in.Address = false, ""
		ins = append(ins, in)
	}
	outs := []chains.TxOut{
		cjOut(chains.ScriptP2WPKH, 710, 10_000_000),
		cjOut(chains.ScriptP2WPKH, 711, 10_000_000),
		cjOut(chains.ScriptP2WPKH, 712, 10_000_000),
		{Value: 30_000, Kind: chains.ScriptP2WPKH, Address: coord},
		cjOut(chains.ScriptP2WPKH, 713, 5_555_555),
	}
	return cjTx(ins, outs)
}

// joinMarketTx builds a 3-party JoinMarket join with equal value eq: makers
// A (1 BTC in, P2WPKH) and B (0.6 BTC, P2PKH) each earn fee, the taker C
// (0.8 BTC, P2SH) pays both and 10,000 sat to the miners, and takes
// change unless takerChange is false (then its input is just enough).
// The outputs interleave as JoinMarket shuffles them.
func joinMarketTx(eq, fee uint64, takerChange bool) *chains.UTXOTx {
	inC := uint64(80_000_000)
	if !takerChange {
		inC = eq + 2*fee + 10_000
	}
	ins := []chains.TxIn{
		cjIn(chains.ScriptP2WPKH, 800, 100_000_000),
		cjIn(chains.ScriptP2PKH, 801, 60_000_000),
		cjIn(chains.ScriptP2SH, 802, inC),
	}
	outs := []chains.TxOut{
		cjOut(chains.ScriptP2WPKH, 810, 60_000_000-eq+fee), // B's change
		cjOut(chains.ScriptP2WPKH, 811, eq),
		cjOut(chains.ScriptP2WPKH, 812, 100_000_000-eq+fee), // A's change
		cjOut(chains.ScriptP2SH, 813, eq),
		cjOut(chains.ScriptP2PKH, 814, eq),
	}
	if takerChange {
		outs = append(outs, cjOut(chains.ScriptP2WPKH, 815, inC-eq-2*fee-10_000)) // C's change
	}
	return cjTx(ins, outs)
}

// cjPayment is an ordinary payment: one input, a payment and change.
func cjPayment() *chains.UTXOTx {
	return cjTx(
		[]chains.TxIn{cjIn(chains.ScriptP2WPKH, 900, 50_000_000)},
		[]chains.TxOut{cjOut(chains.ScriptP2WPKH, 901, 12_000_000), cjOut(chains.ScriptP2WPKH, 902, 37_990_000)},
	)
}

// Contexts: mainnet at a height, and a test network.
func cjMainnet(h uint64) CoinJoinContext { return CoinJoinContext{Height: h, Mainnet: true} }

var cjRegtest = CoinJoinContext{Height: 150}

func TestDetectCoinJoin(t *testing.T) {
	s4tx := whirlpoolS4()
	jm := joinMarketTx(50_000_000, 15_000, true)
	w2 := wasabi2Round(55, 46, 11)
	w1 := wasabi1Round(10, 9_950_000, 1_234_567, 2_345_678)
	w1early := wasabi1Early(wasabiCoord1)
	// bothWasabi is a WabiSabi round that Wasabi 1's later rule also
	// matches: 50 P2WPKH inputs, twelve outputs of 0.1 BTC (10^7 sat, a
	// standard denomination) and two odd ones, sorted.
	bothWasabi := func() *chains.UTXOTx {
		var ins []chains.TxIn
		for i := range 50 {
			ins = append(ins, cjIn(chains.ScriptP2WPKH, 1000+i, 3_000_000-uint64(i)))
		}
		var outs []chains.TxOut
		outs = append(outs, cjOut(chains.ScriptP2WPKH, 1100, 12_345_678))
		for i := range 12 {
			outs = append(outs, cjOut(chains.ScriptP2WPKH, 1101+i, 10_000_000))
		}
		outs = append(outs, cjOut(chains.ScriptP2WPKH, 1200, 2_345_678))
		return cjTx(ins, outs)
	}()
	withOrigin := func(tx *chains.UTXOTx, h uint64, o func(chains.Outpoint) InputOrigin) CoinJoinContext {
		c := cjMainnet(h)
		c.Origin = o
		return c
	}
	s4ctx := withOrigin(s4tx, 600_000, whirlpoolS4Origin(s4tx))
	setIn := func(i int, in chains.TxIn) func(*chains.UTXOTx) {
		return func(tx *chains.UTXOTx) { tx.Inputs[i] = in }
	}
	setInValue := func(i int, v uint64) func(*chains.UTXOTx) {
		return func(tx *chains.UTXOTx) { tx.Inputs[i].Value = v }
	}
	setOut := func(i int, o chains.TxOut) func(*chains.UTXOTx) {
		return func(tx *chains.UTXOTx) { tx.Outputs[i] = o }
	}
	unresolve := func(i int) func(*chains.UTXOTx) {
		return func(tx *chains.UTXOTx) {
			tx.Inputs[i].Resolved, tx.Inputs[i].Value, tx.Inputs[i].Address = false, 0, ""
		}
	}
	tests := []struct {
		name string
		tx   *chains.UTXOTx  // the transaction
		ctx  CoinJoinContext // height, network, parents
		want CoinJoinKind    // "" for no CoinJoin
	}{
		// Whirlpool: S4 as METHODS.md gives it, and its near misses.
		{"S4", s4tx, s4ctx, CoinJoinWhirlpool},
		{"S4 without parents", s4tx, cjMainnet(600_000), CoinJoinWhirlpool},
		{"S4 parents unknown", s4tx, withOrigin(s4tx, 600_000, func(chains.Outpoint) InputOrigin { return InputFromUnknown }), CoinJoinWhirlpool},
		{"S4 premix parent without OP_RETURN", s4tx, withOrigin(s4tx, 600_000, func(p chains.Outpoint) InputOrigin {
			if p == s4tx.Inputs[3].Prev {
				return InputFromOther
			}
			return whirlpoolS4Origin(s4tx)(p)
		}), ""},
		{"S4 remix parent neither mix nor TX0", s4tx, withOrigin(s4tx, 600_000, func(p chains.Outpoint) InputOrigin {
			if p == s4tx.Inputs[0].Prev {
				return InputFromOther
			}
			return whirlpoolS4Origin(s4tx)(p)
		}), ""},
		{"S4 at the first Whirlpool height", s4tx, withOrigin(s4tx, 570_000, whirlpoolS4Origin(s4tx)), CoinJoinWhirlpool},
		{"S4 a block before Whirlpool", s4tx, withOrigin(s4tx, 569_999, whirlpoolS4Origin(s4tx)), ""},
		{"S4 at height 0 off mainnet", s4tx, cjRegtest, CoinJoinWhirlpool},
		{"pool 0.001", whirlpoolMix(100_000, 150_000, 5), s4ctx, CoinJoinWhirlpool},
		{"pool 0.01", whirlpoolMix(1_000_000, 1_005_000, 5), s4ctx, CoinJoinWhirlpool},
		{"pool 0.5", whirlpoolMix(50_000_000, 50_110_000, 5), s4ctx, CoinJoinWhirlpool},
		{"pool 0.02 is none", whirlpoolMix(2_000_000, 2_004_000, 5), s4ctx, ""},
		{"4 x 4", whirlpoolMix(5_000_000, 5_004_000, 4), s4ctx, ""},
		{"10 x 10", whirlpoolMix(5_000_000, 5_004_000, 10), s4ctx, CoinJoinWhirlpool},
		{"11 x 11", whirlpoolMix(5_000_000, 5_004_000, 11), s4ctx, ""},
		{"6 inputs, 5 outputs", cjEdit(s4tx, func(tx *chains.UTXOTx) {
			tx.Inputs = append(tx.Inputs, cjIn(chains.ScriptP2WPKH, 120, 5_004_000))
		}), s4ctx, ""},
		{"an output off the pool", cjEdit(s4tx, setOut(4, cjOut(chains.ScriptP2WPKH, 204, 4_999_999))), s4ctx, ""},
		{"no input at the pool value", cjEdit(s4tx, func(tx *chains.UTXOTx) {
			tx.Inputs[0].Value, tx.Inputs[1].Value = 5_004_000, 5_004_000
		}), s4ctx, ""},
		{"premix at pool + 0.0011", cjEdit(s4tx, setInValue(2, 5_110_000)), s4ctx, CoinJoinWhirlpool},
		{"premix 1 sat above pool + 0.0011", cjEdit(s4tx, setInValue(2, 5_110_001)), s4ctx, ""},
		{"an input below the pool", cjEdit(s4tx, setInValue(2, 4_999_999)), s4ctx, ""},
		{"a P2PKH input", cjEdit(s4tx, setIn(3, cjIn(chains.ScriptP2PKH, 103, 5_004_000))), s4ctx, ""},
		{"a P2TR input", cjEdit(s4tx, setIn(3, cjIn(chains.ScriptP2TR, 103, 5_004_000))), s4ctx, ""},
		{"a P2TR output", cjEdit(s4tx, setOut(1, cjOut(chains.ScriptP2TR, 201, 5_000_000))), s4ctx, ""},
		{"S4 with an input unresolved", cjEdit(s4tx, unresolve(2)), s4ctx, ""},

		// Wasabi 2.
		{"Wasabi 2 round", w2, cjMainnet(800_000), CoinJoinWasabi2},
		{"Wasabi 2 at its first height", w2, cjMainnet(741_213), CoinJoinWasabi2},
		{"Wasabi 2 a block early", w2, cjMainnet(741_212), ""},
		{"Wasabi 2 at height 0 off mainnet", w2, cjRegtest, CoinJoinWasabi2},
		{"Wasabi 2 with 50 inputs", wasabi2Round(50, 46, 11), cjMainnet(800_000), CoinJoinWasabi2},
		{"Wasabi 2 with 49 inputs", wasabi2Round(49, 46, 11), cjMainnet(800_000), ""},
		{"45 of 56 outputs standard (80.4%)", wasabi2Round(55, 45, 11), cjMainnet(800_000), CoinJoinWasabi2},
		{"44 of 55 outputs standard (80%)", wasabi2Round(55, 44, 11), cjMainnet(800_000), ""},
		{"Wasabi 2 with a P2WSH input", cjEdit(w2, func(tx *chains.UTXOTx) {
			tx.Inputs[7] = cjIn(chains.ScriptP2WSH, 407, tx.Inputs[7].Value)
		}), cjMainnet(800_000), ""},
		{"Wasabi 2 with a P2SH input", cjEdit(w2, func(tx *chains.UTXOTx) {
			tx.Inputs[7] = cjIn(chains.ScriptP2SH, 407, tx.Inputs[7].Value)
		}), cjMainnet(800_000), ""},
		{"Wasabi 2 inputs out of order", cjEdit(w2, func(tx *chains.UTXOTx) {
			tx.Inputs[3], tx.Inputs[4] = tx.Inputs[4], tx.Inputs[3]
		}), cjMainnet(800_000), ""},
		{"Wasabi 2 outputs out of order", cjEdit(w2, func(tx *chains.UTXOTx) {
			tx.Outputs[0], tx.Outputs[len(tx.Outputs)-1] = tx.Outputs[len(tx.Outputs)-1], tx.Outputs[0]
		}), cjMainnet(800_000), ""},
		{"Wasabi 2 with an input unresolved", cjEdit(w2, unresolve(9)), cjMainnet(800_000), ""},
		{"Wasabi 2 shape without equal outputs", func() *chains.UTXOTx {
			// A consolidation sorted like a round, into one output of a
			// standard denomination: Dumplings looks only at transactions
			// with equal outputs.
			var ins []chains.TxIn
			for i := range 60 {
				ins = append(ins, cjIn(chains.ScriptP2WPKH, 1300+i, 2_000_000-uint64(i)))
			}
			return cjTx(ins, []chains.TxOut{cjOut(chains.ScriptP2WPKH, 1400, 100_000_000)})
		}(), cjMainnet(800_000), ""},
		{"Wasabi 2 over Wasabi 1", bothWasabi, cjMainnet(800_000), CoinJoinWasabi2},
		{"the same before Wasabi 2", bothWasabi, cjMainnet(700_000), CoinJoinWasabi1},

		// Wasabi 1 without coordinator addresses (from 610,000).
		{"Wasabi 1 round", w1, cjMainnet(620_000), CoinJoinWasabi1},
		{"Wasabi 1 round at 610,000", w1, cjMainnet(610_000), CoinJoinWasabi1},
		{"Wasabi 1 round before 610,000, no coordinator", w1, cjMainnet(609_999), ""},
		{"Wasabi 1 round off mainnet", w1, cjRegtest, CoinJoinWasabi1},
		{"9 equal outputs", wasabi1Round(9, 9_950_000, 1_234_567, 2_345_678), cjMainnet(620_000), ""},
		{"fewer inputs than equal outputs", cjEdit(w1, func(tx *chains.UTXOTx) { tx.Inputs = tx.Inputs[:9] }), cjMainnet(620_000), ""},
		{"equal outputs at 0.08 BTC", wasabi1Round(10, 8_000_000, 1_234_567, 2_345_678), cjMainnet(620_000), CoinJoinWasabi1},
		{"equal outputs 1 sat under 0.08 BTC", wasabi1Round(10, 7_999_999, 1_234_567, 2_345_678), cjMainnet(620_000), ""},
		{"equal outputs at 0.12 BTC", wasabi1Round(10, 12_000_000, 1_234_567, 2_345_678), cjMainnet(620_000), CoinJoinWasabi1},
		{"equal outputs 1 sat over 0.12 BTC", wasabi1Round(10, 12_000_001, 1_234_567, 2_345_678), cjMainnet(620_000), ""},
		{"two unique outputs", wasabi1Round(10, 9_950_000, 1_234_567), cjMainnet(620_000), CoinJoinWasabi1},
		{"one unique output", wasabi1Round(10, 9_950_000), cjMainnet(620_000), ""},
		{"changes of equal value are not unique", wasabi1Round(10, 9_950_000, 43_000), cjMainnet(620_000), ""},
		{"Wasabi 1 with a P2TR input", cjEdit(w1, setIn(5, cjIn(chains.ScriptP2TR, 505, 10_000_000))), cjMainnet(620_000), ""},
		{"Wasabi 1 with a P2WSH output", cjEdit(w1, setOut(10, cjOut(chains.ScriptP2WSH, 650, 43_000))), cjMainnet(620_000), ""},
		{"Wasabi 1 with an input unresolved", cjEdit(w1, unresolve(0)), cjMainnet(620_000), ""},

		// Wasabi 1 with coordinator addresses (530,500 to 609,999): by
		// outputs alone, so unresolved inputs do not matter.
		{"Wasabi 1 paying coordinator 1", w1early, cjMainnet(550_000), CoinJoinWasabi1},
		{"Wasabi 1 paying coordinator 2", wasabi1Early(wasabiCoord2), cjMainnet(550_000), CoinJoinWasabi1},
		{"coordinator at the first Wasabi height", w1early, cjMainnet(530_500), CoinJoinWasabi1},
		{"coordinator a block before Wasabi", w1early, cjMainnet(530_499), ""},
		{"coordinator at 609,999", w1early, cjMainnet(609_999), CoinJoinWasabi1},
		{"coordinator at 610,000", w1early, cjMainnet(610_000), ""},
		{"coordinator's script on testnet", wasabi1Early(testnetCoordinator(t)), CoinJoinContext{}, CoinJoinWasabi1},
		{"coordinator's script written for testnet, on mainnet", wasabi1Early(testnetCoordinator(t)), cjMainnet(550_000), CoinJoinWasabi1},
		{"no coordinator", wasabi1Early(cjAddr(&chaincfg.MainNetParams, chains.ScriptP2WPKH, 714)), cjMainnet(550_000), ""},
		{"coordinator, 2 equal outputs", cjEdit(w1early, setOut(2, cjOut(chains.ScriptP2WPKH, 712, 9_999_999))), cjMainnet(550_000), ""},

		// JoinMarket-like.
		{"JoinMarket 3 parties", jm, cjMainnet(600_000), CoinJoinJoinMarket},
		{"JoinMarket has no height gate", jm, cjMainnet(1), CoinJoinJoinMarket},
		{"JoinMarket taker without change (n-1 others)", joinMarketTx(50_000_000, 15_000, false), cjMainnet(600_000), CoinJoinJoinMarket},
		{"n+1 other outputs", cjEdit(jm, func(tx *chains.UTXOTx) {
			tx.Outputs = append(tx.Outputs, cjOut(chains.ScriptP2WPKH, 816, 1_000))
		}), cjMainnet(600_000), ""},
		{"n-2 other outputs", cjEdit(jm, func(tx *chains.UTXOTx) { tx.Outputs = tx.Outputs[1:5] }), cjMainnet(600_000), ""},
		{"two equal groups", cjEdit(jm, func(tx *chains.UTXOTx) {
			tx.Outputs[0].Value, tx.Outputs[5].Value = 10_000_000, 10_000_000
		}), cjMainnet(600_000), ""},
		{"n = 2", cjTx(jm.Inputs[:2], []chains.TxOut{jm.Outputs[0], jm.Outputs[1], jm.Outputs[2], jm.Outputs[3]}), cjMainnet(600_000), ""},
		{"equal value 547 sat", joinMarketTx(547, 15_000, true), cjMainnet(600_000), CoinJoinJoinMarket},
		{"equal value 546 sat (dust)", joinMarketTx(546, 15_000, true), cjMainnet(600_000), ""},
		{"largest input = equal + largest other - 0.0001", joinMarketTx(50_000_000, 10_000, true), cjMainnet(600_000), CoinJoinJoinMarket},
		{"largest input 1 sat more", joinMarketTx(50_000_000, 9_999, true), cjMainnet(600_000), ""},
		{"2 distinct input scripts", cjEdit(jm, func(tx *chains.UTXOTx) { tx.Inputs[2].Address = tx.Inputs[1].Address }), cjMainnet(600_000), ""},
		{"2 distinct output scripts", cjEdit(jm, func(tx *chains.UTXOTx) {
			for i := range tx.Outputs {
				tx.Outputs[i].Address = tx.Outputs[i%2].Address
			}
		}), cjMainnet(600_000), ""},
		{"JoinMarket with an input unresolved", cjEdit(jm, unresolve(1)), cjMainnet(600_000), ""},

		// Precedence: each pair matches both rules.
		{"Wasabi 1 over JoinMarket", cjEdit(jm, func(tx *chains.UTXOTx) {
			tx.Outputs[0].Address = wasabiCoord1
		}), cjMainnet(550_000), CoinJoinWasabi1},
		{"the same before Wasabi", cjEdit(jm, func(tx *chains.UTXOTx) {
			tx.Outputs[0].Address = wasabiCoord1
		}), cjMainnet(530_499), CoinJoinJoinMarket},
		{"Wasabi 1 over Whirlpool", cjEdit(s4tx, func(tx *chains.UTXOTx) { tx.Outputs[0].Address = wasabiCoord2 }), s4ctx, CoinJoinWasabi1},
		{"the same after the coordinator era", cjEdit(s4tx, func(tx *chains.UTXOTx) { tx.Outputs[0].Address = wasabiCoord2 }),
			withOrigin(s4tx, 610_000, whirlpoolS4Origin(s4tx)), CoinJoinWhirlpool},

		// Ordinary transactions.
		{"payment", cjPayment(), cjMainnet(800_000), ""},
		{"S1 tx3: a co-spend", cjTx(
			[]chains.TxIn{cjIn(chains.ScriptP2WPKH, 910, 749_980_000), cjIn(chains.ScriptP2WPKH, 911, 100_010_000)},
			[]chains.TxOut{cjOut(chains.ScriptP2WPKH, 912, 200_000_000), cjOut(chains.ScriptP2WPKH, 913, 649_980_000)},
		), cjMainnet(800_000), ""},
		{"batch of equal payouts from one input", cjTx(
			[]chains.TxIn{cjIn(chains.ScriptP2WPKH, 920, 50_000_000)},
			[]chains.TxOut{
				cjOut(chains.ScriptP2WPKH, 921, 1_000_000), cjOut(chains.ScriptP2WPKH, 922, 1_000_000),
				cjOut(chains.ScriptP2WPKH, 923, 1_000_000), cjOut(chains.ScriptP2WPKH, 924, 1_000_000),
				cjOut(chains.ScriptP2WPKH, 925, 1_000_000), cjOut(chains.ScriptP2WPKH, 926, 44_990_000),
			},
		), cjMainnet(800_000), ""},
		{"batch of 3 equal payouts from one wallet's 3 inputs", cjEdit(jm, func(tx *chains.UTXOTx) {
			tx.Inputs[1].Address, tx.Inputs[2].Address = tx.Inputs[0].Address, tx.Inputs[0].Address
		}), cjMainnet(800_000), ""},
		{"coinbase", &chains.UTXOTx{
			Inputs:  []chains.TxIn{{Coinbase: true}},
			Outputs: s4tx.Outputs,
		}, cjRegtest, ""},
		{"no inputs", &chains.UTXOTx{Outputs: s4tx.Outputs}, cjRegtest, ""},
		{"nil", nil, cjRegtest, ""},
	}
	for _, tt := range tests {
		kind, ok := DetectCoinJoin(tt.tx, tt.ctx)
		if kind != tt.want || ok != (tt.want != "") {
			t.Errorf("%s: DetectCoinJoin = %q, %v; want %q", tt.name, kind, ok, tt.want)
		}
	}
}

// testnetCoordinator writes Wasabi's first coordinator script as a testnet
// address.
func testnetCoordinator(t *testing.T) chains.Address {
	a, err := address.DecodeAddress(wasabiCoord1, &chaincfg.MainNetParams)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := address.NewAddressWitnessPubKeyHash(a.ScriptAddress(), &chaincfg.TestNet3Params)
	if err != nil {
		t.Fatal(err)
	}
	return chains.Address(tb.EncodeAddress())
}

func TestLooksLikeCoinJoin(t *testing.T) {
	jm := joinMarketTx(50_000_000, 15_000, true)
	// blocksci builds a transaction with nIn inputs from distinct
	// addresses and the given output values.
	blocksci := func(nIn, distinct int, outs ...uint64) *chains.UTXOTx {
		var ins []chains.TxIn
		for i := range nIn {
			ins = append(ins, cjIn(chains.ScriptP2WPKH, 1500+i%distinct, 10_000_000))
		}
		var os []chains.TxOut
		for i, v := range outs {
			os = append(os, cjOut(chains.ScriptP2WPKH, 1600+i, v))
		}
		return cjTx(ins, os)
	}
	tests := []struct {
		name string
		tx   *chains.UTXOTx
		want bool
	}{
		{"JoinMarket 3 parties", jm, true},
		{"JoinMarket taker without change", joinMarketTx(50_000_000, 15_000, false), true},
		{"S4 (5 equal outputs, n = 3)", whirlpoolS4(), false},
		{"payment", cjPayment(), false},
		{"2 in, 3 out, 2 equal", blocksci(2, 2, 5_000, 5_000, 7_000), true},
		{"1 input", blocksci(1, 1, 5_000, 5_000, 7_000), false},
		{"2 outputs", blocksci(2, 2, 5_000, 5_000), false},
		{"n = 4 > 3 inputs", blocksci(3, 3, 5_000, 5_000, 5_000, 5_000, 1, 2, 3), false},
		{"n = 3 > 2 input addresses", blocksci(3, 2, 5_000, 5_000, 5_000, 1, 2, 3), false},
		{"most common value 4 times, n = 3", blocksci(3, 3, 5_000, 5_000, 5_000, 5_000, 1, 2), false},
		{"equal outputs of 546 sat", blocksci(2, 2, 546, 546, 7_000), false},
		{"equal outputs of 2,730 sat", blocksci(2, 2, 2_730, 2_730, 7_000), false},
		{"equal outputs of 547 sat", blocksci(2, 2, 547, 547, 7_000), true},
		{"ties: the first value counts (dust first)", blocksci(2, 2, 546, 7_000, 546, 7_000), false},
		{"ties: the first value counts", blocksci(2, 2, 7_000, 546, 546, 7_000), true},
		{"an input unresolved", cjEdit(jm, func(tx *chains.UTXOTx) { tx.Inputs[0].Resolved = false }), false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		if got := LooksLikeCoinJoin(tt.tx); got != tt.want {
			t.Errorf("%s: LooksLikeCoinJoin = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestWasabi2Denominations pins the standard denominations: 24 powers of
// 2, 16 of 3, 15 doubled powers of 3 and 8 + 7 + 8 of the 1-2-5 series
// lie in [5,000, 134,375,000,000], none twice.
func TestWasabi2Denominations(t *testing.T) {
	if n := len(wasabi2Denominations); n != 78 {
		t.Errorf("%d denominations, want 78", n)
	}
	tests := []struct {
		v    uint64
		want bool
	}{
		{5_000, true},  // 5·10^3, the smallest
		{4_374, false}, // 2·3^7: below the range
		{6_561, true},  // 3^8
		{8_192, true},  // 2^13
		{13_122, true}, // 2·3^8
		{20_000, true}, // 2·10^4
		{10_000_000, true},
		{68_719_476_736, true},   // 2^36
		{137_438_953_472, false}, // 2^37: above the range
		{94_143_178_827, true},   // 3^23
		{100_000_000_000, true},  // 10^11
		{134_375_000_000, false}, // the bound itself is no denomination
		{7_654_321, false},
		{0, false},
	}
	for _, tt := range tests {
		if got := isWasabi2Denomination(tt.v); got != tt.want {
			t.Errorf("isWasabi2Denomination(%d) = %v, want %v", tt.v, got, tt.want)
		}
	}
	if !slices.IsSorted(wasabi2Denominations) || wasabi2Denominations[0] != 5_000 || wasabi2Denominations[77] != 100_000_000_000 {
		t.Errorf("denominations %d..%d, want sorted 5,000..10^11", wasabi2Denominations[0], wasabi2Denominations[len(wasabi2Denominations)-1])
	}
}

func TestInputKind(t *testing.T) {
	tests := []struct {
		addr chains.Address
		want chains.ScriptKind
	}{
		{wasabiCoord1, chains.ScriptP2WPKH},
		{cjAddr(&chaincfg.TestNet3Params, chains.ScriptP2WPKH, 1), chains.ScriptP2WPKH},
		{cjAddr(&chaincfg.RegressionNetParams, chains.ScriptP2WPKH, 1), chains.ScriptP2WPKH},
		{cjAddr(&chaincfg.MainNetParams, chains.ScriptP2TR, 1), chains.ScriptP2TR},
		{cjAddr(&chaincfg.SimNetParams, chains.ScriptP2TR, 1), chains.ScriptP2TR},
		{cjAddr(&chaincfg.MainNetParams, chains.ScriptP2WSH, 1), chains.ScriptP2WSH},
		{cjAddr(&chaincfg.MainNetParams, chains.ScriptP2PKH, 1), chains.ScriptNonStandard},
		{cjAddr(&chaincfg.MainNetParams, chains.ScriptP2SH, 1), chains.ScriptNonStandard},
		{chains.ScriptAddress([]byte{0x51}), chains.ScriptNonStandard},
		{"bc1qthief", chains.ScriptNonStandard},
		{"", chains.ScriptNonStandard},
	}
	for _, tt := range tests {
		if got := inputKind(tt.addr); got != tt.want {
			t.Errorf("inputKind(%q) = %s, want %s", tt.addr, got, tt.want)
		}
	}
}

func TestHasOpReturn(t *testing.T) {
	tx0 := cjEdit(cjPayment(), func(tx *chains.UTXOTx) {
		tx.Outputs = append(tx.Outputs, chains.TxOut{Kind: chains.ScriptNullData, Data: []byte{1, 2, 3}})
	})
	if !HasOpReturn(tx0) || HasOpReturn(cjPayment()) {
		t.Errorf("HasOpReturn: %v with an OP_RETURN, %v without", HasOpReturn(tx0), HasOpReturn(cjPayment()))
	}
}

// FuzzDetectCoinJoin builds transactions from fuzz bytes and runs every
// detector on them: none may panic, and DetectCoinJoin must be
// deterministic and name only the four kinds. Values come from a table of
// the thresholds' edges or from 8 raw bytes, so the rules' branches are
// reached.
func FuzzDetectCoinJoin(f *testing.F) {
	f.Add([]byte{5, 5, 0, 1, 3, 3, 4, 4, 4, 3, 3, 3, 3, 3})
	f.Add([]byte{3, 6, 2, 0, 1, 2, 3, 5, 5, 5, 6, 7, 8})
	f.Add([]byte{0x37, 0x40, 0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		tx, cc := cjFuzzTx(data)
		k1, ok1 := DetectCoinJoin(tx, cc)
		k2, ok2 := DetectCoinJoin(tx, cc)
		if k1 != k2 || ok1 != ok2 || ok1 != (k1 != "") {
			t.Fatalf("DetectCoinJoin: %q %v, then %q %v", k1, ok1, k2, ok2)
		}
		switch k1 {
		case "", CoinJoinWasabi2, CoinJoinWasabi1, CoinJoinWhirlpool, CoinJoinJoinMarket:
		default:
			t.Fatalf("DetectCoinJoin: kind %q", k1)
		}
		LooksLikeCoinJoin(tx)
		LooksLikePeel(tx)
		PeelChains([]*chains.UTXOTx{tx, tx}, func(chains.Outpoint) (*chains.UTXOTx, bool) { return tx, true })
	})
}

// cjFuzzTx reads a transaction and a context from data: a header byte each
// for the input count, output count and context, then per input a kind
// byte and a value, per output a kind byte and a value.
func cjFuzzTx(data []byte) (*chains.UTXOTx, CoinJoinContext) {
	next := func() byte {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return b
	}
	edges := []uint64{0, 546, 547, 2730, 5_000, 100_000, 1_000_000, 5_000_000, 5_004_000, 5_110_000, 5_110_001,
		8_000_000, 9_950_000, 10_000_000, 12_000_000, 50_000_000, 134_375_000_000, 1<<64 - 1}
	value := func() uint64 {
		b := next()
		if int(b) < len(edges) {
			return edges[b]
		}
		if b == 0xff {
			var v uint64
			for range 8 {
				v = v<<8 | uint64(next())
			}
			return v
		}
		return uint64(b) * 1_000
	}
	kinds := []chains.ScriptKind{chains.ScriptP2WPKH, chains.ScriptP2TR, chains.ScriptP2PKH, chains.ScriptP2WSH}
	nIn, nOut, flags := int(next()%64), int(next()%64), next()
	cc := CoinJoinContext{Mainnet: flags&1 != 0, Height: []uint64{0, 530_500, 570_000, 609_999, 741_213}[int(flags>>1)%5]}
	if flags&0x10 != 0 {
		cc.Origin = func(p chains.Outpoint) InputOrigin { return InputOrigin(p.Tx[0] % 4) }
	}
	tx := &chains.UTXOTx{}
	for i := range nIn {
		b := next()
		in := chains.TxIn{
			Prev:     chains.Outpoint{Tx: chains.Hash{b, byte(i)}, Index: uint32(b)},
			Coinbase: b == 0xfe,
			Resolved: b&0x80 == 0,
			Value:    value(),
			Address:  cjAddr(&chaincfg.MainNetParams, kinds[int(b)%len(kinds)], int(b%8)),
		}
		tx.Inputs = append(tx.Inputs, in)
	}
	for range nOut {
		b := next()
		o := chains.TxOut{Value: value(), Kind: kinds[int(b)%len(kinds)]}
		switch {
		case b&0x40 != 0:
			o.Kind, o.Data = chains.ScriptNullData, []byte{b}
		case b&0x20 != 0:
			o.Address = wasabiCoord1
			o.Kind = chains.ScriptP2WPKH
		default:
			o.Address = cjAddr(&chaincfg.MainNetParams, o.Kind, int(b%8))
		}
		tx.Outputs = append(tx.Outputs, o)
	}
	return tx, cc
}

// BenchmarkDetectCoinJoin times the detector on what a trace meets most
// (ordinary payments) and on the largest rounds.
func BenchmarkDetectCoinJoin(b *testing.B) {
	s4tx := whirlpoolS4()
	cases := []struct {
		name string
		tx   *chains.UTXOTx
		ctx  CoinJoinContext
	}{
		{"payment", cjPayment(), cjMainnet(800_000)},
		{"whirlpool", s4tx, CoinJoinContext{Height: 600_000, Mainnet: true, Origin: whirlpoolS4Origin(s4tx)}},
		{"joinmarket", joinMarketTx(50_000_000, 15_000, true), cjMainnet(800_000)},
		{"wasabi2", wasabi2Round(300, 300, 40), cjMainnet(800_000)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				DetectCoinJoin(c.tx, c.ctx)
			}
		})
	}
}
