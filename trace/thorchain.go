package trace

import (
	"encoding/hex"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"unicode"

	"github.com/houndtrace/hound/chains"
)

// MemoFunc says what a THORChain memo asks THORChain to do.
type MemoFunc uint8

// The memo functions Hound tells apart. Function names are matched without
// regard to case.
const (
	// MemoOther is any other function (DONATE, BOND, NOOP, LOAN+, limit
	// orders, THORName registration, ...), kept as written in Name and Args.
	MemoOther MemoFunc = iota
	// MemoSwap is SWAP, s or =: swap the deposit into Asset and pay Dest.
	MemoSwap
	// MemoAdd is ADD, a or +: add liquidity to (or deposit into the savers
	// vault of) the pool Asset.
	MemoAdd
	// MemoWithdraw is WITHDRAW, wd or -: withdraw from the pool Asset.
	MemoWithdraw
	// MemoOut is OUT:<INHASH>, written by THORChain on the outbound that
	// completes the inbound InHash.
	MemoOut
	// MemoRefund is REFUND:<INHASH>, written by THORChain on the outbound
	// that returns the inbound InHash to its sender.
	MemoRefund
)

var memoFuncNames = [...]string{"other", "swap", "add", "withdraw", "out", "refund"}

// String returns the function's name in lowercase.
func (f MemoFunc) String() string {
	if int(f) < len(memoFuncNames) {
		return memoFuncNames[f]
	}
	return fmt.Sprintf("MemoFunc(%d)", uint8(f))
}

// memoFuncs maps each function name, lowercased, to its function.
var memoFuncs = map[string]MemoFunc{
	"swap": MemoSwap, "s": MemoSwap, "=": MemoSwap,
	"add": MemoAdd, "a": MemoAdd, "+": MemoAdd,
	"withdraw": MemoWithdraw, "wd": MemoWithdraw, "-": MemoWithdraw,
	"out":    MemoOut,
	"refund": MemoRefund,
}

// ThorAssetKind says in which form THORChain holds an asset.
type ThorAssetKind uint8

// The forms of a THORChain asset, told apart by the separator between chain
// and symbol.
const (
	// ThorL1 (CHAIN.SYMBOL) is the coin or token on its own chain.
	ThorL1 ThorAssetKind = iota
	// ThorSynth (CHAIN/SYMBOL) is a synthetic asset held on THORChain.
	ThorSynth
	// ThorTrade (CHAIN~SYMBOL) is a trade-account asset held on THORChain.
	ThorTrade
	// ThorSecured (CHAIN-SYMBOL) is a secured asset held on THORChain.
	ThorSecured
)

var thorAssetSeparators = [...]byte{ThorL1: '.', ThorSynth: '/', ThorTrade: '~', ThorSecured: '-'}

// thorShortAssets are the one- and two-letter asset codes THORChain expands
// (dev.thorchain.org, memo length reduction). They match in lowercase only,
// as in THORNode: "B" is not BTC.BTC but the THORChain asset THOR.B. BNB.BNB
// (n) is gone from current THORNode but stands in older memos; f, tr and x are
// newer.
var thorShortAssets = map[string]string{
	"r": "THOR.RUNE", "a": "AVAX.AVAX", "b": "BTC.BTC", "c": "BCH.BCH",
	"e": "ETH.ETH", "g": "GAIA.ATOM", "n": "BNB.BNB", "s": "BSC.BNB",
	"d": "DOGE.DOGE", "l": "LTC.LTC", "f": "BASE.ETH", "tr": "TRON.TRX",
	"x": "XRP.XRP",
}

// ThorAsset is a THORChain asset such as BTC.BTC or
// ETH.USDT-0XDAC17F958D2EE523A2206206994597C13D831EC7, in uppercase as
// THORChain writes it.
type ThorAsset struct {
	Chain    string        // THORChain's code for the chain: BTC, ETH, THOR, GAIA, ...
	Symbol   string        // the ticker: BTC, ETH, USDT
	Contract string        // what follows the ticker's dash: a token contract, a fuzzy suffix of one (EC7), or ""
	Kind     ThorAssetKind // on its own chain, or synth, trade or secured on THORChain
}

// ParseThorAsset reads an asset as a memo writes it: CHAIN.SYMBOL[-CONTRACT]
// (or / ~ - for synth, trade and secured assets), a short code (b for BTC.BTC,
// e for ETH.ETH, ...), or a bare symbol, which THORChain takes as a THORChain
// asset (RUNE is THOR.RUNE). A contract may be cut to a suffix (ETH.USDT-EC7):
// THORChain picks the deepest pool whose contract ends so, which Hound cannot
// know from the memo.
func ParseThorAsset(s string) (ThorAsset, error) {
	if long, ok := thorShortAssets[s]; ok {
		s = long
	}
	var a ThorAsset
	chain, sym := "THOR", s
	if i := strings.IndexAny(s, ".~/-"); i >= 0 {
		chain, sym = s[:i], s[i+1:]
		switch s[i] {
		case '/':
			a.Kind = ThorSynth
		case '~':
			a.Kind = ThorTrade
		case '-':
			a.Kind = ThorSecured
		}
	}
	a.Chain = strings.ToUpper(chain)
	if len(a.Chain) < 3 || len(a.Chain) > 10 || !memoAll(a.Chain, func(c byte) bool { return 'A' <= c && c <= 'Z' }) {
		return ThorAsset{}, fmt.Errorf("asset %s: chain %s is not 3 to 10 letters", memoQuote(s), memoQuote(chain))
	}
	if a.Kind != ThorL1 && a.Chain == "THOR" {
		return ThorAsset{}, fmt.Errorf("asset %s: a synth, trade or secured asset cannot be on THOR", memoQuote(s))
	}
	ticker, contract, _ := strings.Cut(strings.ToUpper(sym), "-")
	if ticker == "" || !memoAll(ticker, memoSymbolByte) {
		return ThorAsset{}, fmt.Errorf("asset %s: want a symbol of letters, digits, '.' or '_' after the chain", memoQuote(s))
	}
	if !memoAll(contract, func(c byte) bool { return c == '-' || memoSymbolByte(c) }) {
		return ThorAsset{}, fmt.Errorf("asset %s: contract %s is not letters and digits", memoQuote(s), memoQuote(contract))
	}
	a.Symbol, a.Contract = ticker, contract
	return a, nil
}

func memoSymbolByte(c byte) bool {
	return 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_'
}

// String writes the asset in THORChain's long form, e.g. ETH.USDT-EC7.
func (a ThorAsset) String() string {
	if a.Chain == "" && a.Symbol == "" {
		return ""
	}
	sep := byte('.')
	if int(a.Kind) < len(thorAssetSeparators) {
		sep = thorAssetSeparators[a.Kind]
	}
	s := a.Chain + string(sep) + a.Symbol
	if a.Contract != "" {
		s += "-" + a.Contract
	}
	return s
}

// houndChain returns the Hound chain an asset of this form is paid out on:
// only coins and tokens on their own chain (not synths, trade or secured
// assets, which stay on THORChain) of a chain Hound traces.
func (a ThorAsset) houndChain() (chains.Chain, bool) {
	if a.Kind != ThorL1 {
		return "", false
	}
	switch a.Chain {
	case "BTC":
		return chains.Bitcoin, true
	case "ETH":
		return chains.Ethereum, true
	}
	return "", false
}

// HoundAsset returns the Hound chain and asset THORChain pays out when it
// delivers a, so a trace can continue there. ok is false when a is not on a
// chain Hound traces; the chain is still returned, with an empty asset, when
// the asset there is not known exactly (a token named by a fuzzy contract
// suffix, or an unknown symbol).
func (a ThorAsset) HoundAsset() (c chains.Chain, asset chains.Asset, ok bool) {
	c, ok = a.houndChain()
	if !ok {
		return "", "", false
	}
	switch {
	case a.Contract == "" && (c == chains.Bitcoin && a.Symbol == "BTC" || c == chains.Ethereum && a.Symbol == "ETH"):
		return c, chains.Native, true
	case c == chains.Ethereum && a.Contract != "":
		if addr, err := chains.ParseAddress(c, strings.ToLower(a.Contract)); err == nil {
			return c, chains.Asset(addr), true
		}
	}
	return c, "", false
}

// MemoDest says what a swap memo's destination is.
type MemoDest uint8

// The kinds of swap destination.
const (
	// MemoDestNone: the memo names no destination; THORChain pays the sender.
	MemoDestNone MemoDest = iota
	// MemoDestAddress: a valid address of the destination asset's Hound
	// chain, canonical in Memo.DestAddress.
	MemoDestAddress
	// MemoDestTHORName: a THORName such as t, which THORChain resolves to the
	// address the name holds for the chain. Hound cannot resolve it offline.
	MemoDestTHORName
	// MemoDestUnchecked: an address on a chain Hound does not trace, kept as
	// written.
	MemoDestUnchecked
	// MemoDestInvalid: not an address of the destination asset's chain, nor a
	// THORName; Memo.DestError says why. THORChain refunds such a swap.
	MemoDestInvalid
)

var memoDestNames = [...]string{"none", "address", "thorname", "unchecked", "invalid"}

// String returns the kind's name in lowercase.
func (d MemoDest) String() string {
	if int(d) < len(memoDestNames) {
		return memoDestNames[d]
	}
	return fmt.Sprintf("MemoDest(%d)", uint8(d))
}

// MemoAffiliate is an affiliate of a swap and the fee it takes.
type MemoAffiliate struct {
	Name        string // a THORName (t, ti, tr, ...) or a THORChain address
	BasisPoints uint16 // the affiliate's fee, 0 to 10000
}

// Memo is a decoded THORChain memo. Which fields are set depends on Func.
type Memo struct {
	Raw  string   // the memo exactly as given
	Func MemoFunc // what the memo asks for

	Name string   // MemoOther: the function as written ("DONATE", "~")
	Args []string // MemoOther: the fields after the function; MemoAdd and MemoWithdraw: after the pool; as written

	Asset ThorAsset // MemoSwap: the asset bought; MemoAdd, MemoWithdraw: the pool

	Dest           string          // MemoSwap: the destination as written; "" means the sender
	DestKind       MemoDest        // MemoSwap: what Dest is
	DestAddress    chains.Address  // MemoSwap: Dest in canonical form, when DestKind is MemoDestAddress
	DestError      string          // MemoSwap: why Dest is not usable, when DestKind is MemoDestInvalid
	Refund         string          // MemoSwap: the refund address as written (on the inbound's chain), or ""
	Limit          *big.Int        // MemoSwap: the least output THORChain may pay, in 1e8 units; 0 for none
	StreamInterval uint64          // MemoSwap: blocks between streaming sub-swaps; 0 for no streaming
	StreamQuantity uint64          // MemoSwap: number of sub-swaps; 0 lets THORChain choose
	Affiliates     []MemoAffiliate // MemoSwap: affiliates and their fees, or nil

	Aggregator       string   // MemoSwap: DEX aggregator contract (or its short code) that finishes the swap, or ""
	AggregatorTarget string   // MemoSwap: the token the aggregator buys
	AggregatorLimit  *big.Int // MemoSwap: the least the aggregator may buy; nil when Aggregator is ""

	InHash chains.Hash // MemoOut, MemoRefund: the inbound transaction the outbound answers
}

// MemoError says why ParseMemo rejected a memo.
type MemoError struct {
	Memo   string // the memo, trimmed and shortened for display
	Reason string // what is wrong with it
}

// Error writes the memo and what is wrong with it on one line.
func (e *MemoError) Error() string {
	return "thorchain memo " + memoQuote(e.Memo) + ": " + e.Reason
}

// memoQuote quotes s for an error message, cut to a readable length since
// memos are untrusted input.
func memoQuote(s string) string {
	const keep = 100
	if len(s) > keep {
		return strconv.Quote(s[:keep]) + "..."
	}
	return strconv.Quote(s)
}

// memoMaxFields is the most fields a swap memo has:
// FUNC:ASSET:DEST:LIMIT:AFFILIATE:FEE:AGGREGATOR:TARGET:TARGETLIMIT.
const memoMaxFields = 9

// memoMaxBasisPoints is the most an affiliate fee, or all of them together,
// may be: 100%.
const memoMaxBasisPoints = 10_000

// ParseMemo decodes a THORChain memo from an inbound (an Ethereum router
// Deposit event, a Bitcoin OP_RETURN) or an outbound. It trims surrounding
// white space and, as THORNode does, ignores everything from the first '|'.
//
// Swaps follow FUNC:ASSET:DEST[/REFUND]:LIMIT[/INTERVAL/QUANTITY]:AFFILIATE:FEE
// (then optionally :AGGREGATOR:TARGET:TARGETLIMIT); trailing fields may be
// left out. The destination never makes a memo fail: when it is not an address
// of the asset's chain it is kept as written and DestKind says what it is, so a
// tracer still learns the chain (and, from the REFUND outbound, where the funds
// went back). Limits are decoded exactly, including scientific notation
// (161e6 is 161000000; a fraction is dropped, as THORNode does). Affiliates and
// fees are split on '/', one fee applying to every affiliate.
//
// OUT:<INHASH> and REFUND:<INHASH> carry a 64-digit hex hash, in either case
// and with or without 0x. Only an outbound from a THORChain vault means
// anything: anyone can send a transaction with such a memo.
//
// Other functions are kept as written. An empty or malformed memo is a
// *MemoError naming what is wrong. THORChain itself ignores inbound memos over
// 250 bytes, and a Bitcoin OP_RETURN holds at most 80; ParseMemo checks
// neither, since that depends on the carrier (see len(m.Raw)).
func ParseMemo(s string) (Memo, error) {
	m := Memo{Raw: s}
	body := strings.TrimSpace(s)
	if i := strings.IndexByte(body, '|'); i >= 0 {
		body = strings.TrimSpace(body[:i])
	}
	fail := func(format string, args ...any) (Memo, error) {
		return Memo{}, &MemoError{Memo: body, Reason: fmt.Sprintf(format, args...)}
	}
	if body == "" {
		if strings.TrimSpace(s) != "" {
			return fail("nothing before '|'")
		}
		return fail("empty memo")
	}
	parts := strings.Split(body, ":")
	if parts[0] == "" {
		return fail("no function before the first ':'")
	}
	fn, ok := memoFuncs[strings.ToLower(parts[0])]
	if !ok {
		m.Name, m.Args = parts[0], memoArgs(parts[1:])
		return m, nil
	}
	m.Func = fn
	var err error
	switch fn {
	case MemoSwap:
		err = m.parseSwap(parts)
	case MemoAdd, MemoWithdraw:
		if len(parts) < 2 || parts[1] == "" {
			return fail("%s without a pool asset", fn)
		}
		if m.Asset, err = ParseThorAsset(parts[1]); err == nil {
			m.Args = memoArgs(parts[2:])
		}
	case MemoOut, MemoRefund:
		err = m.parseOutbound(parts)
	}
	if err != nil {
		return fail("%v", err)
	}
	return m, nil
}

// memoArgs returns a copy of fields, nil if there are none.
func memoArgs(fields []string) []string {
	if len(fields) == 0 {
		return nil
	}
	return append([]string(nil), fields...)
}

func (m *Memo) parseOutbound(parts []string) error {
	name := strings.ToUpper(m.Func.String())
	if len(parts) < 2 || parts[1] == "" {
		return fmt.Errorf("%s without the inbound hash", name)
	}
	if len(parts) > 2 {
		return fmt.Errorf("%s: unexpected field %s after the inbound hash", name, memoQuote(parts[2]))
	}
	h := parts[1]
	if len(h) > 2 && (h[:2] == "0x" || h[:2] == "0X") {
		h = h[2:]
	}
	if len(h) != 64 {
		return fmt.Errorf("%s: inbound hash %s is not 64 hex digits", name, memoQuote(parts[1]))
	}
	if _, err := hex.Decode(m.InHash[:], []byte(h)); err != nil {
		return fmt.Errorf("%s: inbound hash %s is not hex", name, memoQuote(parts[1]))
	}
	return nil
}

func (m *Memo) parseSwap(parts []string) error {
	if len(parts) > memoMaxFields {
		return fmt.Errorf("swap of %d fields, want at most %d (FUNC:ASSET:DEST:LIMIT:AFFILIATE:FEE:AGGREGATOR:TARGET:TARGETLIMIT)", len(parts), memoMaxFields)
	}
	field := func(i int) string {
		if i < len(parts) {
			return parts[i]
		}
		return ""
	}
	if field(1) == "" {
		return fmt.Errorf("swap without an asset to buy")
	}
	var err error
	if m.Asset, err = ParseThorAsset(field(1)); err != nil {
		return err
	}

	dest, refund, _ := strings.Cut(field(2), "/")
	if strings.Contains(refund, "/") {
		return fmt.Errorf("refund address %s contains '/'", memoQuote(refund))
	}
	if dest == "" && refund != "" {
		return fmt.Errorf("refund address %s but no destination", memoQuote(refund))
	}
	if refund != "" && !memoAll(refund, memoTokenByte) {
		return fmt.Errorf("refund address %s has a character no address has", memoQuote(refund))
	}
	m.Dest, m.Refund = dest, refund
	m.DestKind, m.DestAddress, m.DestError = classifyMemoDest(m.Asset, dest)

	if err := m.parseLimit(field(3)); err != nil {
		return err
	}
	if m.Affiliates, err = parseMemoAffiliates(field(4), field(5)); err != nil {
		return err
	}

	m.Aggregator, m.AggregatorTarget = field(6), field(7)
	for _, f := range []string{m.Aggregator, m.AggregatorTarget} {
		if !memoAll(f, memoTokenByte) {
			return fmt.Errorf("aggregator field %s has a character no address has", memoQuote(f))
		}
	}
	if m.Aggregator == "" && (m.AggregatorTarget != "" || field(8) != "") {
		return fmt.Errorf("aggregator target or limit without an aggregator")
	}
	if m.Aggregator != "" {
		if m.AggregatorLimit, err = parseMemoAmount(field(8)); err != nil {
			return fmt.Errorf("aggregator limit %s: %v", memoQuote(field(8)), err)
		}
	}
	return nil
}

// parseLimit reads LIMIT[/INTERVAL[/QUANTITY]]. As in THORNode, an empty part
// is zero.
func (m *Memo) parseLimit(s string) error {
	lim, stream, streaming := strings.Cut(s, "/")
	var err error
	if m.Limit, err = parseMemoAmount(lim); err != nil {
		return fmt.Errorf("limit %s: %v", memoQuote(lim), err)
	}
	if !streaming {
		return nil
	}
	interval, quantity, _ := strings.Cut(stream, "/")
	if m.StreamInterval, err = parseMemoUint(interval); err != nil {
		return fmt.Errorf("streaming interval %s: %v", memoQuote(interval), err)
	}
	if m.StreamQuantity, err = parseMemoUint(quantity); err != nil {
		return fmt.Errorf("streaming quantity %s: %v", memoQuote(quantity), err)
	}
	return nil
}

// parseMemoUint reads a decimal count; "" is 0.
func parseMemoUint(s string) (uint64, error) {
	if s == "" {
		return 0, nil
	}
	if !memoAll(s, memoDigit) {
		return 0, fmt.Errorf("want a whole number")
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("out of range")
	}
	return n, nil
}

// memoAmountDigits bounds an amount's decimal digits: THORChain amounts are
// 256-bit, and 2^256 has 78 digits.
const memoAmountDigits = 78

var memoMaxAmount = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))

// parseMemoAmount reads an amount as THORChain writes it: digits, with an
// optional fraction and decimal exponent (161e6, 1.5e8); "" is 0. The value
// is exact, and a fraction left after the exponent is dropped, as THORNode
// does. (THORNode rounds through a 64-bit float mantissa, so it differs from
// this only for amounts above 2^64.) Signs, binary exponents (1p3), Inf and
// values above 2^256-1 are rejected.
func parseMemoAmount(s string) (*big.Int, error) {
	if s == "" {
		return new(big.Int), nil
	}
	mant, exp, hasExp := strings.Cut(strings.ToLower(s), "e")
	whole, frac, _ := strings.Cut(mant, ".")
	if whole+frac == "" || !memoAll(whole, memoDigit) || !memoAll(frac, memoDigit) {
		return nil, fmt.Errorf("want digits with an optional fraction and exponent, like 161e6")
	}
	e := int64(0)
	if hasExp {
		var err error
		if e, err = strconv.ParseInt(exp, 10, 32); err != nil {
			return nil, fmt.Errorf("exponent %s is not a whole number of at most 9 digits", memoQuote(exp))
		}
	}
	digits := strings.TrimLeft(whole+frac, "0")
	e -= int64(len(frac))
	if digits == "" {
		return new(big.Int), nil
	}
	if e < 0 {
		if -e >= int64(len(digits)) {
			return new(big.Int), nil
		}
		digits, e = digits[:int64(len(digits))+e], 0
	}
	if int64(len(digits))+e > memoAmountDigits {
		return nil, fmt.Errorf("more than 256 bits")
	}
	v, _ := new(big.Int).SetString(digits, 10)
	if e > 0 {
		v.Mul(v, new(big.Int).Exp(big.NewInt(10), big.NewInt(e), nil))
	}
	if v.Cmp(memoMaxAmount) > 0 {
		return nil, fmt.Errorf("more than 256 bits")
	}
	return v, nil
}

func parseMemoAffiliates(names, fees string) ([]MemoAffiliate, error) {
	var bps []uint16
	if fees != "" {
		for _, f := range strings.Split(fees, "/") {
			if f == "" {
				return nil, fmt.Errorf("affiliate fee %s has an empty part", memoQuote(fees))
			}
			n, err := parseMemoUint(f)
			if err != nil || n > memoMaxBasisPoints {
				return nil, fmt.Errorf("affiliate fee %s is not 0 to %d basis points", memoQuote(f), memoMaxBasisPoints)
			}
			bps = append(bps, uint16(n))
		}
	}
	if names == "" {
		for _, b := range bps {
			if b != 0 {
				return nil, fmt.Errorf("affiliate fee of %d basis points but no affiliate", b)
			}
		}
		return nil, nil
	}
	list := strings.Split(names, "/")
	switch {
	case len(bps) == 0:
		bps = make([]uint16, len(list)) // no fee given: THORNode takes none
	case len(bps) == 1 && len(list) > 1:
		for len(bps) < len(list) {
			bps = append(bps, bps[0])
		}
	case len(bps) != len(list):
		return nil, fmt.Errorf("%d affiliates but %d fees", len(list), len(bps))
	}
	affs := make([]MemoAffiliate, len(list))
	total := 0
	for i, name := range list {
		if name == "" || len(name) > 90 || !memoAll(name, memoTokenByte) {
			return nil, fmt.Errorf("affiliate %s is not a THORName or address", memoQuote(name))
		}
		affs[i] = MemoAffiliate{Name: name, BasisPoints: bps[i]}
		total += int(bps[i])
	}
	if total > memoMaxBasisPoints {
		return nil, fmt.Errorf("affiliate fees total %d basis points, more than %d", total, memoMaxBasisPoints)
	}
	return affs, nil
}

// classifyMemoDest says what a swap destination is. On a chain Hound traces
// it must be a valid address or a THORName; an Ethereum address is accepted
// in any case, since THORChain does not check EIP-55 checksums. Elsewhere a
// short name is taken for a THORName (no address on a THORChain chain is
// under 25 characters) and anything longer is kept unchecked.
func classifyMemoDest(a ThorAsset, dest string) (MemoDest, chains.Address, string) {
	if dest == "" {
		return MemoDestNone, "", ""
	}
	if !memoAll(dest, memoTokenByte) {
		return MemoDestInvalid, "", "has a character no address has"
	}
	c, hound := a.houndChain()
	if !hound {
		if len(dest) < 25 && isTHORName(dest) {
			return MemoDestTHORName, "", ""
		}
		return MemoDestUnchecked, "", ""
	}
	switch c {
	case chains.Bitcoin:
		ba, err := chains.ParseBitcoinAddress(dest)
		if err == nil {
			return MemoDestAddress, ba.Address, ""
		}
		if looksBitcoin(dest) {
			return MemoDestInvalid, "", err.Error()
		}
	case chains.Ethereum:
		if len(dest) >= 2 && (dest[:2] == "0x" || dest[:2] == "0X") {
			addr, err := chains.ParseAddress(c, strings.ToLower(dest))
			if err != nil {
				return MemoDestInvalid, "", err.Error()
			}
			return MemoDestAddress, addr, ""
		}
	}
	if isTHORName(dest) {
		return MemoDestTHORName, "", ""
	}
	return MemoDestInvalid, "", fmt.Sprintf("neither a %s address nor a THORName", c)
}

// isTHORName reports whether s is a well-formed THORName: 1 to 30 letters,
// digits, '+', '_' or '-'.
func isTHORName(s string) bool {
	return len(s) >= 1 && len(s) <= 30 && memoAll(s, func(c byte) bool {
		return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '+' || c == '_' || c == '-'
	})
}

// looksBitcoin reports whether s was meant as a Bitcoin address: it has a
// segwit prefix, or has a base58 address's length, alphabet and first
// character.
func looksBitcoin(s string) bool {
	lower := strings.ToLower(s)
	for _, p := range []string{"bc1", "tb1", "bcrt1", "sb1"} {
		if strings.HasPrefix(lower, p) {
			return true
		}
	}
	const base58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	return len(s) >= 25 && len(s) <= 35 && strings.IndexByte("123mn", s[0]) >= 0 &&
		memoAll(s, func(c byte) bool { return strings.IndexByte(base58, c) >= 0 })
}

// memoTokenByte reports whether c may appear in an address, name or token
// field: printable ASCII other than space and the memo separators.
func memoTokenByte(c byte) bool {
	return c > ' ' && c < 0x7f && c != ':' && c != '/' && c != '|'
}

func memoDigit(c byte) bool { return '0' <= c && c <= '9' }

func memoAll(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

// Destination returns the Hound chain a swap pays out on and, when the memo
// names a valid address there, that address in canonical form (ok true), so
// a tracer can continue there. A swap to a chain Hound does not trace (or to
// a synth, trade or secured asset, which stay on THORChain), and any memo but
// a swap, returns ("", "", false). A swap to a Hound chain whose destination
// is a THORName, invalid or missing returns the chain with ok false: the
// recipient is then found on the outbound itself, linked by OUT:<INHASH> (or
// REFUND:<INHASH> when THORChain sent the funds back).
func (m Memo) Destination() (chains.Chain, chains.Address, bool) {
	if m.Func != MemoSwap {
		return "", "", false
	}
	c, ok := m.Asset.houndChain()
	if !ok {
		return "", "", false
	}
	if m.DestKind != MemoDestAddress {
		return c, "", false
	}
	return c, m.DestAddress, true
}

// RefundAddress returns a swap's refund address as an address of chain c,
// the chain of the inbound (THORChain refunds on the chain it was paid on).
// ok is false when the memo has no refund address or it is not one of c's.
func (m Memo) RefundAddress(c chains.Chain) (chains.Address, bool) {
	if m.Func != MemoSwap || m.Refund == "" {
		return "", false
	}
	s := m.Refund
	if c.IsEVM() {
		s = strings.ToLower(s)
	}
	a, err := chains.ParseAddress(c, s)
	if err != nil || strings.HasPrefix(string(a), "script:") {
		return "", false
	}
	return a, true
}

// String writes the memo in canonical form, which ParseMemo reads back to the
// same Memo: the function as =, +, -, OUT or REFUND (other functions as
// written), the asset in long form, addresses as written, the limit and fees
// in plain decimal, one fee per affiliate unless all are equal, the inbound
// hash in uppercase hex without 0x, and no empty trailing fields.
func (m Memo) String() string {
	var f []string
	switch m.Func {
	case MemoSwap:
		dest := m.Dest
		if m.Refund != "" {
			dest += "/" + m.Refund
		}
		limit := ""
		if m.StreamInterval != 0 || m.StreamQuantity != 0 {
			limit = fmt.Sprintf("%s/%d/%d", memoAmountString(m.Limit), m.StreamInterval, m.StreamQuantity)
		} else if m.Limit != nil && m.Limit.Sign() != 0 {
			limit = m.Limit.String()
		}
		names, fees := make([]string, len(m.Affiliates)), make([]string, len(m.Affiliates))
		same := true
		for i, a := range m.Affiliates {
			names[i], fees[i] = a.Name, strconv.Itoa(int(a.BasisPoints))
			same = same && a.BasisPoints == m.Affiliates[0].BasisPoints
		}
		if same && len(fees) > 1 {
			fees = fees[:1]
		}
		aggLimit := ""
		if m.AggregatorLimit != nil && m.AggregatorLimit.Sign() != 0 {
			aggLimit = m.AggregatorLimit.String()
		}
		f = []string{"=", m.Asset.String(), dest, limit, strings.Join(names, "/"), strings.Join(fees, "/"), m.Aggregator, m.AggregatorTarget, aggLimit}
		// Drop empty trailing fields, but keep one after a destination that
		// ends in white space, which ParseMemo would otherwise trim away.
		for len(f) > 2 && f[len(f)-1] == "" {
			if prev := f[len(f)-2]; prev != strings.TrimRightFunc(prev, unicode.IsSpace) {
				break
			}
			f = f[:len(f)-1]
		}
	case MemoAdd:
		f = append([]string{"+", m.Asset.String()}, m.Args...)
	case MemoWithdraw:
		f = append([]string{"-", m.Asset.String()}, m.Args...)
	case MemoOut, MemoRefund:
		f = []string{strings.ToUpper(m.Func.String()), strings.ToUpper(hex.EncodeToString(m.InHash[:]))}
	default:
		f = append([]string{m.Name}, m.Args...)
	}
	return strings.Join(f, ":")
}

func memoAmountString(v *big.Int) string {
	if v == nil {
		return "0"
	}
	return v.String()
}
