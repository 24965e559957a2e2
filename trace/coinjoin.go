package trace

import (
	"bytes"
	"math/bits"
	"slices"

	"github.com/btcsuite/btcd/address/v2"
	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/txscript/v2"

	"github.com/houndtrace/hound/chains"
)

// CoinJoin detection (METHODS.md section 2). DetectCoinJoin names the
// implementation a Bitcoin transaction came from by the rules of Dumplings
// (nopara73/Dumplings, Dumplings/Scanning/Scanner.cs and Constants.cs);
// LooksLikeCoinJoin is BlockSci's generic isCoinjoin (citp/BlockSci,
// src/heuristics/tx_identification.cpp). Both are pure functions of the
// transaction with its inputs resolved; the store, the walk and the
// findings call them, they call nothing.
//
// Script kinds of inputs. A chains.TxIn carries the address of the output it
// spends but not that output's script kind. The address is the canonical one
// the Bitcoin adapter derived from the script, so its form tells the kind:
// chains.ParseBitcoinAddress reads it (a bech32 witness-v0 20-byte program
// is P2WPKH, a bech32m witness-v1 32-byte program is P2TR, on every
// network's prefix). A bare P2PK output is keyed by its key's P2PKH address
// and so reads as P2PKH; neither counts as native SegWit, which is all the
// rules ask.

// CoinJoinKind names a CoinJoin implementation as the coinjoin finding's
// coinjoin field writes it (DESIGN.md).
type CoinJoinKind string

// The CoinJoin implementations DetectCoinJoin tells apart, in Dumplings'
// order of precedence: when a transaction matches the rules of several, the
// first one wins.
const (
	CoinJoinWasabi2    CoinJoinKind = "wasabi2"    // WabiSabi rounds (Wasabi Wallet 2.x)
	CoinJoinWasabi1    CoinJoinKind = "wasabi1"    // ZeroLink rounds (Wasabi Wallet 1.x)
	CoinJoinWhirlpool  CoinJoinKind = "whirlpool"  // Samourai Whirlpool mixes
	CoinJoinJoinMarket CoinJoinKind = "joinmarket" // JoinMarket and other equal-output joins
)

// Mainnet heights from which Dumplings looks for each implementation
// (Constants.cs). CoinJoinContext applies them on mainnet only.
const (
	firstWasabi1Height   = 530_500 // Wasabi 1 released; coordinator-address era
	wasabi1NoCoordHeight = 610_000 // Wasabi 1 rounds no longer pay a fixed coordinator address
	firstWhirlpoolHeight = 570_000
	firstWasabi2Height   = 741_213
)

// Thresholds of the rules, in satoshi unless said otherwise.
const (
	wasabi2MinInputs   = 50
	wasabi2MinDenom    = 5_000
	wasabi2MaxDenom    = 134_375_000_000
	wasabi1MinEqual    = 10
	wasabi1Base        = 10_000_000 // 0.1 BTC
	wasabi1Precision   = 2_000_000  // 0.02 BTC, either side, inclusive
	wasabi1MinUnique   = 2
	whirlpoolMinSize   = 5
	whirlpoolMaxSize   = 10
	whirlpoolMaxPremix = 110_000 // 0.0011 BTC above the pool value
	joinMarketMinEqual = 3
	joinMarketMargin   = 10_000 // 0.0001 BTC
	// dustLimit is the largest value counted as dust by the JoinMarket-like
	// rule: Bitcoin Core's dust threshold for a P2PKH output at the default
	// dust relay fee of 3 sat/vB.
	dustLimit = 546
)

// whirlpoolPools are the Whirlpool pool denominations: 0.001, 0.01, 0.05
// and 0.5 BTC.
var whirlpoolPools = [...]uint64{100_000, 1_000_000, 5_000_000, 50_000_000}

// wasabiCoordinatorScripts are the output scripts of the two addresses
// Wasabi 1's coordinator was paid at before height 610,000. Outputs are
// matched by script, so the rule holds on every network: an output of
// another network with the same witness program matches too.
var wasabiCoordinatorScripts = [...][]byte{
	mainnetScript("bc1qs604c7jv6amk4cxqlnvuxv26hv3e48cds4m0ew"),
	mainnetScript("bc1qa24tsgchvuxsaccp8vrnkfd85hrcpafg20kmjw"),
}

// wasabi2Denominations are Wasabi 2's standard denominations, ascending:
// 2^i, 3^i, 2·3^i, 10^i, 2·10^i and 5·10^i within [5,000, 134,375,000,000].
var wasabi2Denominations = makeWasabi2Denominations()

// InputOrigin says what the transaction that created an input's coin was,
// as far as Whirlpool's TX0 rule needs to know.
type InputOrigin uint8

// The origins of an input.
const (
	// InputFromUnknown: the parent transaction is not at hand.
	InputFromUnknown InputOrigin = iota
	// InputFromOpReturn: the parent carries an OP_RETURN output, as every
	// Whirlpool TX0 (premix) transaction does.
	InputFromOpReturn
	// InputFromWhirlpool: the parent is a Whirlpool mix, so the input
	// remixes one of its outputs.
	InputFromWhirlpool
	// InputFromOther: the parent is known and is neither.
	InputFromOther
)

// CoinJoinContext is what DetectCoinJoin needs to know beyond the
// transaction. The zero value applies no height gate (not mainnet) and no
// TX0 rule: every rule is judged on the transaction alone.
type CoinJoinContext struct {
	// Height is the height of the block holding the transaction.
	Height uint64
	// Mainnet gates each implementation on its mainnet activation height
	// (Wasabi 2 741,213; Wasabi 1 530,500; Whirlpool 570,000) and picks the
	// Wasabi 1 rule of the era (with a coordinator address below 610,000,
	// without from there). Other networks have no such history: every rule
	// applies at every height, and Wasabi 1 matches by either era's rule.
	Mainnet bool
	// Origin, if set, tells where the coin an input spends came from, for
	// Whirlpool's TX0 rule: every premix input (one whose parent is not a
	// Whirlpool mix) spends an output of a transaction carrying an
	// OP_RETURN. An input whose origin is InputFromOther breaks the rule;
	// InputFromUnknown does not, so a caller without some parents at hand
	// gets the rule where it can be checked (Dumplings itself detects
	// Whirlpool mixes without it). It is called only for a transaction
	// that passes every other Whirlpool rule, once per input.
	Origin func(prev chains.Outpoint) InputOrigin
}

// origin reads the transaction an input spends from the graph, for
// Whirlpool's TX0 rule: a parent with an OP_RETURN output is a TX0, one
// that is itself a Whirlpool mix (by structure) a remix.
func (w *walker) origin(c chains.Chain, prev chains.Outpoint) InputOrigin {
	parent := &chains.UTXOTx{Hash: prev.Tx}
	var height uint64
	opReturn := false
	err := w.g.Flows(w.ctx, chains.TxOf(c, prev.Tx), func(f chains.Flow) error {
		height = f.Pos.Block
		if f.In {
			parent.Inputs = append(parent.Inputs, chains.TxIn{Prev: f.Link.Outpoint, Resolved: f.Other.Kind != 0, Value: f.Amount.Uint64(), Address: f.Address})
			return nil
		}
		opReturn = opReturn || f.Script == chains.ScriptNullData
		parent.Outputs = append(parent.Outputs, chains.TxOut{Value: f.Amount.Uint64(), Kind: f.Script, Address: f.Address})
		return nil
	})
	switch {
	case err != nil || len(parent.Outputs) == 0:
		return InputFromUnknown
	case opReturn:
		return InputFromOpReturn
	}
	if kind, ok := DetectCoinJoin(parent, CoinJoinContext{Height: height, Mainnet: w.opts.Mainnet}); ok && kind == CoinJoinWhirlpool {
		return InputFromWhirlpool
	}
	return InputFromOther
}

// gate reports whether an implementation first seen at mainnet height h may
// have made the transaction.
func (c CoinJoinContext) gate(h uint64) bool { return !c.Mainnet || c.Height >= h }

// DetectCoinJoin reports which CoinJoin implementation made tx, by
// Dumplings' rules as METHODS.md states them, or false if none did. When
// several rules match, Wasabi 2 wins over Wasabi 1, Wasabi 1 over
// Whirlpool, and Whirlpool over JoinMarket-like.
//
// Like Dumplings, it looks only at transactions that spend no coinbase and
// have at least two outputs of equal value. The rules:
//
//   - Wasabi 2: every input P2WPKH or P2TR; at least 50 inputs; inputs and
//     outputs in order of value, largest first (ties allowed); more than
//     80% of the outputs of a standard denomination.
//   - Wasabi 1 before height 610,000: an output pays a coordinator script,
//     and more than two outputs share a value. From 610,000: every input
//     and output P2WPKH; the most frequent value among the equal outputs
//     (ties: the value that comes first) occurs at least 10 times and lies
//     within 0.1 ± 0.02 BTC; at least as many inputs as those outputs; at
//     least two outputs whose value no other output has.
//   - Whirlpool: every input and output P2WPKH; as many inputs as outputs,
//     5 to 10; every output of one pool value; at least one input of the
//     pool value and the others above it by at most 0.0011 BTC; the TX0
//     rule (see CoinJoinContext.Origin).
//   - JoinMarket-like: exactly one value shared by several outputs, by
//     n ≥ 3 of them, and above dust (546 sat); n or n−1 other outputs;
//     at least n distinct input scripts and n distinct output scripts;
//     the largest input at most the equal value plus the largest other
//     output minus 0.0001 BTC.
//
// Every rule but Wasabi 1's coordinator rule reads input values or
// scripts: while some input is unresolved, only that rule can match.
func DetectCoinJoin(tx *chains.UTXOTx, cc CoinJoinContext) (CoinJoinKind, bool) {
	if tx == nil || len(tx.Inputs) == 0 {
		return "", false
	}
	for _, in := range tx.Inputs {
		if in.Coinbase {
			return "", false
		}
	}
	s := newOutputStats(tx.Outputs)
	if s.maxCount < 2 {
		return "", false
	}
	switch {
	case cc.gate(firstWasabi2Height) && isWasabi2(tx):
		return CoinJoinWasabi2, true
	case cc.gate(firstWasabi1Height) && isWasabi1(tx, s, cc):
		return CoinJoinWasabi1, true
	case cc.gate(firstWhirlpoolHeight) && isWhirlpool(tx, s, cc):
		return CoinJoinWhirlpool, true
	case isJoinMarket(tx, s):
		return CoinJoinJoinMarket, true
	}
	return "", false
}

// LooksLikeCoinJoin is BlockSci's generic isCoinjoin: at least 2 inputs
// and 3 outputs; n = ⌈outputs/2⌉ participants, each with a payment and a
// change output, at most the number of inputs and of distinct input
// addresses; the most common output value occurs exactly n times and is
// not 546 or 2,730 sat (dust). Among values equally common, the one that
// comes first in output order is taken (BlockSci takes whichever its hash
// map yields first). It reports false while an input is unresolved, since
// it counts input addresses. It knows no implementation: a Whirlpool mix
// (5 equal outputs, n = 3) does not look like a CoinJoin to it.
func LooksLikeCoinJoin(tx *chains.UTXOTx) bool {
	if tx == nil || len(tx.Inputs) < 2 || len(tx.Outputs) < 3 {
		return false
	}
	n := (len(tx.Outputs) + 1) / 2
	if n > len(tx.Inputs) || !allResolved(tx.Inputs) || distinctInputAddresses(tx.Inputs) < n {
		return false
	}
	s := newOutputStats(tx.Outputs)
	v, count := s.mostFrequent(tx.Outputs)
	return count == n && v != 546 && v != 2730
}

// HasOpReturn reports whether tx has an OP_RETURN output: what a Whirlpool
// TX0 has, and what CoinJoinContext.Origin asks of an input's parent.
func HasOpReturn(tx *chains.UTXOTx) bool {
	for _, o := range tx.Outputs {
		if o.Kind == chains.ScriptNullData {
			return true
		}
	}
	return false
}

// isWasabi2 applies Dumplings' Wasabi 2 rule.
func isWasabi2(tx *chains.UTXOTx) bool {
	if len(tx.Inputs) < wasabi2MinInputs || !allResolved(tx.Inputs) {
		return false
	}
	for i := 1; i < len(tx.Inputs); i++ {
		if tx.Inputs[i].Value > tx.Inputs[i-1].Value {
			return false
		}
	}
	for i := 1; i < len(tx.Outputs); i++ {
		if tx.Outputs[i].Value > tx.Outputs[i-1].Value {
			return false
		}
	}
	standard := 0
	for _, o := range tx.Outputs {
		if isWasabi2Denomination(o.Value) {
			standard++
		}
	}
	// More than 80%, in integers: standard/outputs > 4/5.
	if standard*5 <= len(tx.Outputs)*4 {
		return false
	}
	for _, in := range tx.Inputs {
		if k := inputKind(in.Address); k != chains.ScriptP2WPKH && k != chains.ScriptP2TR {
			return false
		}
	}
	return true
}

// isWasabi1 applies Dumplings' Wasabi 1 rules: the coordinator-address rule
// below height 610,000 on mainnet, the later rule from there, either
// elsewhere.
func isWasabi1(tx *chains.UTXOTx, s outputStats, cc CoinJoinContext) bool {
	early := !cc.Mainnet || cc.Height < wasabi1NoCoordHeight
	late := !cc.Mainnet || cc.Height >= wasabi1NoCoordHeight
	if early && s.maxCount > 2 && paysWasabiCoordinator(tx.Outputs) {
		return true
	}
	if !late {
		return false
	}
	v, count := s.mostFrequent(tx.Outputs)
	return count >= wasabi1MinEqual &&
		len(tx.Inputs) >= count &&
		v >= wasabi1Base-wasabi1Precision && v <= wasabi1Base+wasabi1Precision &&
		s.unique >= wasabi1MinUnique &&
		nativeSegwitOnly(tx)
}

// isWhirlpool applies Dumplings' Whirlpool rule and METHODS.md's TX0 rule.
func isWhirlpool(tx *chains.UTXOTx, s outputStats, cc CoinJoinContext) bool {
	n := len(tx.Outputs)
	if n < whirlpoolMinSize || n > whirlpoolMaxSize || len(tx.Inputs) != n || s.maxCount != n {
		return false
	}
	pool := tx.Outputs[0].Value
	if !slices.Contains(whirlpoolPools[:], pool) || !allResolved(tx.Inputs) {
		return false
	}
	atPool := 0
	for _, in := range tx.Inputs {
		switch {
		case in.Value == pool:
			atPool++
		case in.Value < pool || in.Value-pool > whirlpoolMaxPremix:
			return false
		}
	}
	if atPool == 0 || !nativeSegwitOnly(tx) {
		return false
	}
	if cc.Origin != nil {
		for _, in := range tx.Inputs {
			if cc.Origin(in.Prev) == InputFromOther {
				return false
			}
		}
	}
	return true
}

// isJoinMarket applies Dumplings' rule for other equal-output CoinJoins,
// with METHODS.md's bounds (n ≥ 3, above dust, n or n−1 other outputs).
func isJoinMarket(tx *chains.UTXOTx, s outputStats) bool {
	if s.groups != 1 || s.maxCount < joinMarketMinEqual || !allResolved(tx.Inputs) {
		return false
	}
	n := s.maxCount
	eq, _ := s.mostFrequent(tx.Outputs)
	others := len(tx.Outputs) - n
	if eq <= dustLimit || (others != n && others != n-1) {
		return false
	}
	var maxIn, maxOther uint64
	for _, in := range tx.Inputs {
		maxIn = max(maxIn, in.Value)
	}
	for _, o := range tx.Outputs {
		if o.Value != eq {
			maxOther = max(maxOther, o.Value)
		}
	}
	// maxIn ≤ eq + maxOther − margin, as maxIn + margin ≤ eq + maxOther in
	// 65 bits, so neither side wraps.
	lo, lc := bits.Add64(maxIn, joinMarketMargin, 0)
	hi, hc := bits.Add64(eq, maxOther, 0)
	if lc > hc || (lc == hc && lo > hi) {
		return false
	}
	return distinctInputAddresses(tx.Inputs) >= n && distinctOutputScripts(tx.Outputs) >= n
}

// outputStats counts the values of a transaction's outputs.
type outputStats struct {
	sorted   []uint64 // the output values, ascending
	maxCount int      // how many outputs the most common value has
	groups   int      // how many values two or more outputs share
	unique   int      // how many values exactly one output has
}

func newOutputStats(outs []chains.TxOut) outputStats {
	s := outputStats{sorted: make([]uint64, len(outs))}
	for i, o := range outs {
		s.sorted[i] = o.Value
	}
	slices.Sort(s.sorted)
	for i := 0; i < len(s.sorted); {
		j := i + 1
		for j < len(s.sorted) && s.sorted[j] == s.sorted[i] {
			j++
		}
		if j-i == 1 {
			s.unique++
		} else {
			s.groups++
		}
		s.maxCount = max(s.maxCount, j-i)
		i = j
	}
	return s
}

// count returns how many outputs have value v.
func (s outputStats) count(v uint64) int {
	lo, _ := slices.BinarySearch(s.sorted, v)
	hi, _ := slices.BinarySearch(s.sorted, v+1)
	if v == ^uint64(0) {
		hi = len(s.sorted)
	}
	return hi - lo
}

// mostFrequent returns the most common output value and its count; among
// values equally common, the one that comes first in outs (Dumplings'
// GroupBy keeps first-seen order and its sort is stable).
func (s outputStats) mostFrequent(outs []chains.TxOut) (uint64, int) {
	for _, o := range outs {
		if s.count(o.Value) == s.maxCount {
			return o.Value, s.maxCount
		}
	}
	return 0, 0
}

func allResolved(ins []chains.TxIn) bool {
	for _, in := range ins {
		if !in.Resolved {
			return false
		}
	}
	return true
}

// nativeSegwitOnly is Dumplings' isNativeSegwitOnly: every input and every
// output P2WPKH.
func nativeSegwitOnly(tx *chains.UTXOTx) bool {
	for _, o := range tx.Outputs {
		if o.Kind != chains.ScriptP2WPKH {
			return false
		}
	}
	for _, in := range tx.Inputs {
		if !in.Resolved || inputKind(in.Address) != chains.ScriptP2WPKH {
			return false
		}
	}
	return true
}

// inputKind infers the script kind of the output an input spends from its
// canonical address: P2WPKH, P2WSH or P2TR for those segwit forms,
// ScriptNonStandard for anything else (base58 addresses, script hashes,
// other witness versions).
func inputKind(a chains.Address) chains.ScriptKind {
	ba, err := chains.ParseBitcoinAddress(string(a))
	if err != nil {
		return chains.ScriptNonStandard
	}
	switch ba.Type {
	case "p2wpkh":
		return chains.ScriptP2WPKH
	case "p2wsh":
		return chains.ScriptP2WSH
	case "p2tr":
		return chains.ScriptP2TR
	}
	return chains.ScriptNonStandard
}

func distinctInputAddresses(ins []chains.TxIn) int {
	seen := make(map[chains.Address]struct{}, len(ins))
	for _, in := range ins {
		seen[in.Address] = struct{}{}
	}
	return len(seen)
}

// distinctOutputScripts counts distinct output scripts by the address Hound
// keys each by (one per script); OP_RETURN outputs, which have none, by
// their payload.
func distinctOutputScripts(outs []chains.TxOut) int {
	seen := make(map[string]struct{}, len(outs))
	for _, o := range outs {
		key := string(o.Address)
		if o.Kind == chains.ScriptNullData {
			key = "\x00" + string(o.Data)
		}
		seen[key] = struct{}{}
	}
	return len(seen)
}

// paysWasabiCoordinator reports whether an output's script is one of the
// Wasabi 1 coordinator scripts, whatever network its address is written
// for.
func paysWasabiCoordinator(outs []chains.TxOut) bool {
	for _, o := range outs {
		if o.Kind != chains.ScriptP2WPKH {
			continue
		}
		a, err := address.DecodeAddress(string(o.Address), &chaincfg.MainNetParams)
		if err != nil {
			continue
		}
		script, err := txscript.PayToAddrScript(a)
		if err != nil {
			continue
		}
		for _, c := range wasabiCoordinatorScripts {
			if bytes.Equal(script, c) {
				return true
			}
		}
	}
	return false
}

// mainnetScript returns the output script of a mainnet address constant.
func mainnetScript(s string) []byte {
	a, err := address.DecodeAddress(s, &chaincfg.MainNetParams)
	if err != nil {
		panic("trace: bad coordinator address " + s + ": " + err.Error())
	}
	script, err := txscript.PayToAddrScript(a)
	if err != nil {
		panic("trace: bad coordinator address " + s + ": " + err.Error())
	}
	return script
}

func isWasabi2Denomination(v uint64) bool {
	_, ok := slices.BinarySearch(wasabi2Denominations, v)
	return ok
}

// makeWasabi2Denominations lists the standard denominations as Dumplings'
// CreateWasabi2Denominations does.
func makeWasabi2Denominations() []uint64 {
	var ds []uint64
	series := func(base, factor uint64) {
		for p := uint64(1); p*factor <= wasabi2MaxDenom; p *= base {
			if d := p * factor; d >= wasabi2MinDenom {
				ds = append(ds, d)
			}
		}
	}
	series(2, 1)
	series(3, 1)
	series(3, 2)
	series(10, 1)
	series(10, 2)
	series(10, 5)
	slices.Sort(ds)
	return slices.Compact(ds)
}
