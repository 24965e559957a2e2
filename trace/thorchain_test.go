package trace

import (
	"bufio"
	"errors"
	"math/big"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/houndtrace/hound/chains"
)

// memoSamplesPath holds real THORNode quote memos, one a line; lines starting
// with # are comments.
const memoSamplesPath = "../../shared/data/chain/thorchain_memo_samples.txt"

// memoSamples reads the memo lines of memoSamplesPath.
func memoSamples(tb testing.TB) []string {
	tb.Helper()
	f, err := os.Open(memoSamplesPath)
	if err != nil {
		tb.Fatalf("memo samples: %v", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, line)
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("memo samples: %v", err)
	}
	if len(out) == 0 {
		tb.Fatalf("memo samples: no memos in %s", memoSamplesPath)
	}
	return out
}

// memoInt returns a decimal integer, exactly.
func memoInt(s string) *big.Int {
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic("bad integer " + s)
	}
	return v
}

// memoHash returns the hash written as 64 hex digits.
func memoHash(s string) chains.Hash {
	h, err := chains.ParseHash(chains.Bitcoin, s)
	if err != nil {
		panic(err)
	}
	return h
}

// sameMemo reports whether a and b decode the same memo: every field but Raw
// equal, amounts compared by value (nil is zero).
func sameMemo(a, b Memo) bool {
	amount := func(x, y *big.Int) bool {
		if x == nil {
			x = new(big.Int)
		}
		if y == nil {
			y = new(big.Int)
		}
		return x.Cmp(y) == 0
	}
	if !amount(a.Limit, b.Limit) || !amount(a.AggregatorLimit, b.AggregatorLimit) ||
		(a.AggregatorLimit == nil) != (b.AggregatorLimit == nil) {
		return false
	}
	a.Raw, b.Raw = "", ""
	a.Limit, b.Limit = nil, nil
	a.AggregatorLimit, b.AggregatorLimit = nil, nil
	return reflect.DeepEqual(a, b)
}

// Addresses used below. The Bitcoin ones are from the samples file; the
// Ethereum ones are real-looking, given in EIP-55 form where marked.
const (
	memoBTC1     = "bc1qrdg6a8wkjhnwdd3s6v4f3spupxpnz30px9468w"
	memoBTC2     = "bc1qxhmdufsvnuaaaer4ynz88fspdsxq2h9e9cetdj"
	memoBTC5     = "bc1qyl7wjm2ldfezgnjk2c78adqlk7dvtm8sd7gn0q"
	memoETH      = "0xe6a30f4f3bad978910e2cbb4d97581f5b5a0ade0"
	memoETHMixed = "0xF4a2c7E1B9d03F5e6A8B7c9d0E1f2a3b4c5d6E7F" // EIP-55
	memoETHBadCS = "0xF4A2c7E1B9d03F5e6A8B7c9d0E1f2a3b4c5d6E7F" // one letter's case wrong
	memoThor     = "thor1el4ufmhll3yw7zxzszvfakrk66j7fx0tvcslym"
	memoInHash   = "9B1E4D0C3F2A58E7D6C5B4A39281706F5E4D3C2B1A09F8E7D6C5B4A392817060"
)

var (
	memoBTC   = ThorAsset{Chain: "BTC", Symbol: "BTC"}
	memoETHL1 = ThorAsset{Chain: "ETH", Symbol: "ETH"}
)

func TestParseMemo(t *testing.T) {
	tests := []struct {
		name  string         // what the case shows
		in    string         // the memo
		want  Memo           // the decoded memo, Raw aside (it is always in)
		canon string         // String(); "" means in itself
		chain chains.Chain   // Destination(): the chain
		addr  chains.Address // Destination(): the address
		ok    bool           // Destination(): whether addr is usable
	}{
		{
			name: "sample: streaming, no affiliate",
			in:   "=:BTC.BTC:" + memoBTC1 + ":0/1/0",
			want: Memo{Func: MemoSwap, Asset: memoBTC, Dest: memoBTC1, DestKind: MemoDestAddress, DestAddress: memoBTC1,
				Limit: memoInt("0"), StreamInterval: 1},
			chain: chains.Bitcoin, addr: memoBTC1, ok: true,
		},
		{
			name: "sample: streaming with quantity, affiliate t",
			in:   "=:BTC.BTC:" + memoBTC2 + ":0/1/1:t:30",
			want: Memo{Func: MemoSwap, Asset: memoBTC, Dest: memoBTC2, DestKind: MemoDestAddress, DestAddress: memoBTC2,
				Limit: memoInt("0"), StreamInterval: 1, StreamQuantity: 1, Affiliates: []MemoAffiliate{{"t", 30}}},
			chain: chains.Bitcoin, addr: memoBTC2, ok: true,
		},
		{
			name: "sample: Ethereum refund address after the destination, no limit",
			in:   "=:BTC.BTC:" + memoBTC5 + "/0x3021c479f7f8c9f1d5c7d8523ba5e22c0bcb5430",
			want: Memo{Func: MemoSwap, Asset: memoBTC, Dest: memoBTC5, DestKind: MemoDestAddress, DestAddress: memoBTC5,
				Refund: "0x3021c479f7f8c9f1d5c7d8523ba5e22c0bcb5430", Limit: memoInt("0")},
			chain: chains.Bitcoin, addr: memoBTC5, ok: true,
		},
		{
			// bc1qdest is no bech32 address (its data part is shorter than a
			// checksum). Hound keeps it as written, marks it invalid and still
			// reports the chain: the recipient comes from the outbound, linked
			// by OUT:<INHASH> (THORChain would in fact refund such a swap).
			name: "S3: short code b, placeholder destination",
			in:   "=:b:bc1qdest:0/1/0:t:0",
			want: Memo{Func: MemoSwap, Asset: memoBTC, Dest: "bc1qdest", DestKind: MemoDestInvalid,
				DestError: `address "bc1qdest": bad bech32: invalid separator index 2`,
				Limit:     memoInt("0"), StreamInterval: 1, Affiliates: []MemoAffiliate{{"t", 0}}},
			canon: "=:BTC.BTC:bc1qdest:0/1/0:t:0",
			chain: chains.Bitcoin,
		},
		{
			name: "METHODS example with a real address: plain limit, fee 10",
			in:   "=:BTC.BTC:" + memoBTC1 + ":5855757:t:10",
			want: Memo{Func: MemoSwap, Asset: memoBTC, Dest: memoBTC1, DestKind: MemoDestAddress, DestAddress: memoBTC1,
				Limit: memoInt("5855757"), Affiliates: []MemoAffiliate{{"t", 10}}},
			chain: chains.Bitcoin, addr: memoBTC1, ok: true,
		},
		{
			name: "METHODS example as printed: the ellipsis makes the address invalid",
			in:   "=:BTC.BTC:bc1q…:5855757:t:10",
			want: Memo{Func: MemoSwap, Asset: memoBTC, Dest: "bc1q…", DestKind: MemoDestInvalid,
				DestError: "has a character no address has", Limit: memoInt("5855757"), Affiliates: []MemoAffiliate{{"t", 10}}},
			chain: chains.Bitcoin,
		},
		{
			name: "METHODS example with a real address: fuzzy USDT, affiliate tr",
			in:   "=:ETH.USDT-EC7:" + memoETHMixed + ":0/1/0:tr:0",
			want: Memo{Func: MemoSwap, Asset: ThorAsset{Chain: "ETH", Symbol: "USDT", Contract: "EC7"},
				Dest: memoETHMixed, DestKind: MemoDestAddress, DestAddress: chains.Address(strings.ToLower(memoETHMixed)),
				Limit: memoInt("0"), StreamInterval: 1, Affiliates: []MemoAffiliate{{"tr", 0}}},
			chain: chains.Ethereum, addr: chains.Address(strings.ToLower(memoETHMixed)), ok: true,
		},
		{
			name: "METHODS example as printed: 0xF4… is invalid but the chain is known",
			in:   "=:ETH.USDT-ec7:0xF4…:0/1/0:tr:0",
			want: Memo{Func: MemoSwap, Asset: ThorAsset{Chain: "ETH", Symbol: "USDT", Contract: "EC7"},
				Dest: "0xF4…", DestKind: MemoDestInvalid, DestError: "has a character no address has",
				Limit: memoInt("0"), StreamInterval: 1, Affiliates: []MemoAffiliate{{"tr", 0}}},
			canon: "=:ETH.USDT-EC7:0xF4…:0/1/0:tr:0",
			chain: chains.Ethereum,
		},
		{
			// THORChain does not check EIP-55, so neither does the decoder.
			name: "wrong EIP-55 checksum is still the address THORChain pays",
			in:   "SWAP:e:" + memoETHBadCS + ":161e6",
			want: Memo{Func: MemoSwap, Asset: memoETHL1, Dest: memoETHBadCS, DestKind: MemoDestAddress,
				DestAddress: chains.Address(strings.ToLower(memoETHBadCS)), Limit: memoInt("161000000")},
			canon: "=:ETH.ETH:" + memoETHBadCS + ":161000000",
			chain: chains.Ethereum, addr: chains.Address(strings.ToLower(memoETHBadCS)), ok: true,
		},
		{
			name: "THORChain docs: s, scientific limit, streaming every 3 blocks",
			in:   "s:ETH.ETH:" + memoETH + ":1e6/3/0:t:10",
			want: Memo{Func: MemoSwap, Asset: memoETHL1, Dest: memoETH, DestKind: MemoDestAddress, DestAddress: memoETH,
				Limit: memoInt("1000000"), StreamInterval: 3, Affiliates: []MemoAffiliate{{"t", 10}}},
			canon: "=:ETH.ETH:" + memoETH + ":1000000/3/0:t:10",
			chain: chains.Ethereum, addr: memoETH, ok: true,
		},
		{
			name:  "THORName destination on Bitcoin",
			in:    "=:b:t",
			want:  Memo{Func: MemoSwap, Asset: memoBTC, Dest: "t", DestKind: MemoDestTHORName, Limit: memoInt("0")},
			canon: "=:BTC.BTC:t",
			chain: chains.Bitcoin,
		},
		{
			name:  "no destination: THORChain pays the sender",
			in:    "=:e::0/1/0",
			want:  Memo{Func: MemoSwap, Asset: memoETHL1, Limit: memoInt("0"), StreamInterval: 1},
			canon: "=:ETH.ETH::0/1/0",
			chain: chains.Ethereum,
		},
		{
			name: "uppercase bech32 is canonical in lowercase; white space and |tail dropped",
			in:   "  swap:BTC.BTC:" + strings.ToUpper(memoBTC1) + ":1.5e8|ref:123 \n",
			want: Memo{Func: MemoSwap, Asset: memoBTC, Dest: strings.ToUpper(memoBTC1), DestKind: MemoDestAddress,
				DestAddress: memoBTC1, Limit: memoInt("150000000")},
			canon: "=:BTC.BTC:" + strings.ToUpper(memoBTC1) + ":150000000",
			chain: chains.Bitcoin, addr: memoBTC1, ok: true,
		},
		{
			name: "two affiliates share one fee",
			in:   "=:b:" + memoBTC1 + ":0/1/0:t/ti:10",
			want: Memo{Func: MemoSwap, Asset: memoBTC, Dest: memoBTC1, DestKind: MemoDestAddress, DestAddress: memoBTC1,
				Limit: memoInt("0"), StreamInterval: 1, Affiliates: []MemoAffiliate{{"t", 10}, {"ti", 10}}},
			canon: "=:BTC.BTC:" + memoBTC1 + ":0/1/0:t/ti:10",
			chain: chains.Bitcoin, addr: memoBTC1, ok: true,
		},
		{
			name: "aggregator fields after the fee",
			in:   "=:ETH.ETH:" + memoETH + ":0:t:15:1:0xdac17f958d2ee523a2206206994597c13d831ec7:5e5",
			want: Memo{Func: MemoSwap, Asset: memoETHL1, Dest: memoETH, DestKind: MemoDestAddress, DestAddress: memoETH,
				Limit: memoInt("0"), Affiliates: []MemoAffiliate{{"t", 15}}, Aggregator: "1",
				AggregatorTarget: "0xdac17f958d2ee523a2206206994597c13d831ec7", AggregatorLimit: memoInt("500000")},
			canon: "=:ETH.ETH:" + memoETH + "::t:15:1:0xdac17f958d2ee523a2206206994597c13d831ec7:500000",
			chain: chains.Ethereum, addr: memoETH, ok: true,
		},
		{
			name: "RUNE short code: THORChain, not a Hound chain",
			in:   "=:r:" + memoThor + ":19779138111",
			want: Memo{Func: MemoSwap, Asset: ThorAsset{Chain: "THOR", Symbol: "RUNE"}, Dest: memoThor,
				DestKind: MemoDestUnchecked, Limit: memoInt("19779138111")},
			canon: "=:THOR.RUNE:" + memoThor + ":19779138111",
		},
		{
			name: "synthetic BTC stays on THORChain",
			in:   "=:BTC/BTC:" + memoThor,
			want: Memo{Func: MemoSwap, Asset: ThorAsset{Chain: "BTC", Symbol: "BTC", Kind: ThorSynth}, Dest: memoThor,
				DestKind: MemoDestUnchecked, Limit: memoInt("0")},
		},
		{
			name: "trade asset, affiliate dx",
			in:   "=:BTC~BTC:" + memoThor + ":1e6/1/0:dx:10",
			want: Memo{Func: MemoSwap, Asset: ThorAsset{Chain: "BTC", Symbol: "BTC", Kind: ThorTrade}, Dest: memoThor,
				DestKind: MemoDestUnchecked, Limit: memoInt("1000000"), StreamInterval: 1, Affiliates: []MemoAffiliate{{"dx", 10}}},
			canon: "=:BTC~BTC:" + memoThor + ":1000000/1/0:dx:10",
		},
		{
			name:  "OUT: uppercase hash, as THORChain writes it",
			in:    "OUT:" + memoInHash,
			want:  Memo{Func: MemoOut, InHash: memoHash(memoInHash)},
			canon: "OUT:" + memoInHash,
		},
		{
			name:  "refund: lowercase with 0x is the same hash",
			in:    "refund:0x" + strings.ToLower(memoInHash),
			want:  Memo{Func: MemoRefund, InHash: memoHash(memoInHash)},
			canon: "REFUND:" + memoInHash,
		},
		{
			name:  "add liquidity, short a, savers vault",
			in:    "a:DOGE/DOGE",
			want:  Memo{Func: MemoAdd, Asset: ThorAsset{Chain: "DOGE", Symbol: "DOGE", Kind: ThorSynth}},
			canon: "+:DOGE/DOGE",
		},
		{
			name:  "add liquidity with paired address",
			in:    "ADD:BTC.BTC:" + memoThor,
			want:  Memo{Func: MemoAdd, Asset: memoBTC, Args: []string{memoThor}},
			canon: "+:BTC.BTC:" + memoThor,
		},
		{
			name:  "withdraw wd, basis points kept as written",
			in:    "wd:BTC/BTC:1000",
			want:  Memo{Func: MemoWithdraw, Asset: ThorAsset{Chain: "BTC", Symbol: "BTC", Kind: ThorSynth}, Args: []string{"1000"}},
			canon: "-:BTC/BTC:1000",
		},
		{
			name: "other: donate, kept as written",
			in:   "DONATE:BTC.BTC",
			want: Memo{Func: MemoOther, Name: "DONATE", Args: []string{"BTC.BTC"}},
		},
		{
			name: "other: noop without arguments",
			in:   "noop",
			want: Memo{Func: MemoOther, Name: "noop"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMemo(tt.in)
			if err != nil {
				t.Fatalf("ParseMemo(%q): %v", tt.in, err)
			}
			if got.Raw != tt.in {
				t.Errorf("Raw = %q, want %q", got.Raw, tt.in)
			}
			if !sameMemo(got, tt.want) {
				t.Errorf("ParseMemo(%q) =\n %+v\nwant\n %+v", tt.in, got, tt.want)
			}
			canon := tt.canon
			if canon == "" {
				canon = tt.in
			}
			if s := got.String(); s != canon {
				t.Errorf("String() = %q, want %q", s, canon)
			}
			c, a, ok := got.Destination()
			if c != tt.chain || a != tt.addr || ok != tt.ok {
				t.Errorf("Destination() = %q, %q, %v; want %q, %q, %v", c, a, ok, tt.chain, tt.addr, tt.ok)
			}
			again, err := ParseMemo(got.String())
			if err != nil || !sameMemo(again, got) {
				t.Errorf("re-parse of %q = %+v, %v; want %+v", got.String(), again, err, got)
			}
		})
	}
}

// TestParseMemoSamples parses every memo of the samples file: each is a swap
// to a valid Bitcoin address and survives a round trip through String.
func TestParseMemoSamples(t *testing.T) {
	for _, s := range memoSamples(t) {
		m, err := ParseMemo(s)
		if err != nil {
			t.Errorf("ParseMemo(%q): %v", s, err)
			continue
		}
		c, a, ok := m.Destination()
		if m.Func != MemoSwap || c != chains.Bitcoin || !ok || string(a) != m.Dest {
			t.Errorf("ParseMemo(%q): func %v, destination %q %q %v; want a swap to a bitcoin address", s, m.Func, c, a, ok)
		}
		if m.String() != s {
			t.Errorf("String() = %q, want the sample %q", m.String(), s)
		}
		if again, err := ParseMemo(m.String()); err != nil || !sameMemo(again, m) {
			t.Errorf("re-parse of %q = %+v, %v", m.String(), again, err)
		}
	}
}

func TestMemoRefundAddress(t *testing.T) {
	m, err := ParseMemo("=:BTC.BTC:" + memoBTC5 + "/0x3021C479f7F8C9f1D5c7d8523BA5e22C0Bcb5430")
	if err != nil {
		t.Fatal(err)
	}
	if a, ok := m.RefundAddress(chains.Ethereum); !ok || a != "0x3021c479f7f8c9f1d5c7d8523ba5e22c0bcb5430" {
		t.Errorf("RefundAddress(ethereum) = %q, %v", a, ok)
	}
	if a, ok := m.RefundAddress(chains.Bitcoin); ok {
		t.Errorf("RefundAddress(bitcoin) = %q, true; want false", a)
	}
	m, _ = ParseMemo("=:e:" + memoETH + "/" + memoBTC1)
	if a, ok := m.RefundAddress(chains.Bitcoin); !ok || a != memoBTC1 {
		t.Errorf("RefundAddress(bitcoin) = %q, %v", a, ok)
	}
	m, _ = ParseMemo("=:e:" + memoETH)
	if a, ok := m.RefundAddress(chains.Ethereum); ok {
		t.Errorf("RefundAddress without refund = %q, true", a)
	}
}

func TestParseMemoErrors(t *testing.T) {
	long := strings.Repeat("9", 79)
	tests := []struct {
		in   string // the memo
		want string // a part of the error message
	}{
		{"", "empty memo"},
		{" \t\n", "empty memo"},
		{"|=:b:t", "nothing before '|'"},
		{":b:t", "no function"},
		{"=", "swap without an asset"},
		{"SWAP:", "swap without an asset"},
		{"=::" + memoBTC1, "swap without an asset"},
		{"=:BT.BTC:" + memoBTC1, `chain "BT" is not 3 to 10 letters`},
		{"=:B1C.BTC:" + memoBTC1, "not 3 to 10 letters"},
		{"=:BTC.:" + memoBTC1, "want a symbol"},
		{"=:BTC.B$C:" + memoBTC1, "want a symbol"},
		{"=:ETH.USDT-0x$:" + memoETH, "contract"},
		{"=:THOR/RUNE:" + memoThor, "cannot be on THOR"},
		{"=:b:" + memoBTC1 + ":abc", `limit "abc"`},
		{"=:b:" + memoBTC1 + ":-5", `limit "-5"`},
		{"=:b:" + memoBTC1 + ":1p3", `limit "1p3"`},
		{"=:b:" + memoBTC1 + ":Inf", `limit "Inf"`},
		{"=:b:" + memoBTC1 + ":1e", "exponent"},
		{"=:b:" + memoBTC1 + ":1e9999999999", "exponent"},
		{"=:b:" + memoBTC1 + ":1e78", "more than 256 bits"},
		{"=:b:" + memoBTC1 + ":" + long, "more than 256 bits"},
		{"=:b:" + memoBTC1 + ":0/x/0", "streaming interval"},
		{"=:b:" + memoBTC1 + ":0/1/0/5", "streaming quantity"},
		{"=:b:" + memoBTC1 + ":0/1/99999999999999999999", "streaming quantity"},
		{"=:b:" + memoBTC1 + ":0/1/0:t:10001", "not 0 to 10000 basis points"},
		{"=:b:" + memoBTC1 + ":0/1/0:t:1x", "not 0 to 10000 basis points"},
		{"=:b:" + memoBTC1 + ":0/1/0:t:10/", "empty part"},
		{"=:b:" + memoBTC1 + ":0/1/0:t/ti:10/20/30", "2 affiliates but 3 fees"},
		{"=:b:" + memoBTC1 + ":0/1/0:t/ti:6000/5000", "total 11000"},
		{"=:b:" + memoBTC1 + ":0/1/0::30", "no affiliate"},
		{"=:b:" + memoBTC1 + ":0/1/0:t//ti:10", `affiliate ""`},
		{"=:b:" + memoBTC1 + ":0/1/0:t i:10", `affiliate "t i"`},
		{"=:b:/" + memoETH, "no destination"},
		{"=:b:" + memoBTC1 + "/a/b", "contains '/'"},
		{"=:b:" + memoBTC1 + "/0x 1", "refund address"},
		{"=:b:" + memoBTC1 + ":0:t:10::tok", "without an aggregator"},
		{"=:b:" + memoBTC1 + ":0:t:10:agg:tok:1q", "aggregator limit"},
		{"=:b:" + memoBTC1 + ":0:t:10:agg:tok:0:extra", "swap of 10 fields"},
		{"OUT", "OUT without the inbound hash"},
		{"out:", "OUT without the inbound hash"},
		{"OUT:1234", "not 64 hex digits"},
		{"OUT:" + strings.Repeat("Z", 64), "not hex"},
		{"REFUND:" + memoInHash + ":x", "unexpected field"},
		{"REFUND:0x" + memoInHash[2:], "not 64 hex digits"},
		{"+", "add without a pool asset"},
		{"WITHDRAW:", "withdraw without a pool asset"},
		{"-:X.BTC", "not 3 to 10 letters"},
	}
	for _, tt := range tests {
		m, err := ParseMemo(tt.in)
		if err == nil {
			t.Errorf("ParseMemo(%q) = %+v, want an error", tt.in, m)
			continue
		}
		var me *MemoError
		if !errors.As(err, &me) {
			t.Errorf("ParseMemo(%q): error %T, want *MemoError", tt.in, err)
		}
		if !strings.HasPrefix(err.Error(), "thorchain memo ") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseMemo(%q) error %q, want it to contain %q", tt.in, err, tt.want)
		}
	}
}

func TestMemoAsset(t *testing.T) {
	tests := []struct {
		in     string       // the asset as a memo writes it
		want   ThorAsset    // the asset
		str    string       // String()
		chain  chains.Chain // HoundAsset(): the chain
		asset  chains.Asset // HoundAsset(): the asset
		houndK bool         // HoundAsset(): ok
	}{
		{"b", memoBTC, "BTC.BTC", chains.Bitcoin, chains.Native, true},
		{"e", memoETHL1, "ETH.ETH", chains.Ethereum, chains.Native, true},
		{"r", ThorAsset{Chain: "THOR", Symbol: "RUNE"}, "THOR.RUNE", "", "", false},
		{"a", ThorAsset{Chain: "AVAX", Symbol: "AVAX"}, "AVAX.AVAX", "", "", false},
		{"c", ThorAsset{Chain: "BCH", Symbol: "BCH"}, "BCH.BCH", "", "", false},
		{"g", ThorAsset{Chain: "GAIA", Symbol: "ATOM"}, "GAIA.ATOM", "", "", false},
		{"n", ThorAsset{Chain: "BNB", Symbol: "BNB"}, "BNB.BNB", "", "", false},
		{"s", ThorAsset{Chain: "BSC", Symbol: "BNB"}, "BSC.BNB", "", "", false},
		{"d", ThorAsset{Chain: "DOGE", Symbol: "DOGE"}, "DOGE.DOGE", "", "", false},
		{"l", ThorAsset{Chain: "LTC", Symbol: "LTC"}, "LTC.LTC", "", "", false},
		// Short codes are lowercase only, as in THORNode: B is the THORChain asset B.
		{"B", ThorAsset{Chain: "THOR", Symbol: "B"}, "THOR.B", "", "", false},
		{"btc.btc", memoBTC, "BTC.BTC", chains.Bitcoin, chains.Native, true},
		{"RUNE", ThorAsset{Chain: "THOR", Symbol: "RUNE"}, "THOR.RUNE", "", "", false},
		// A fuzzy suffix names no contract Hound can know.
		{"ETH.USDT-ec7", ThorAsset{Chain: "ETH", Symbol: "USDT", Contract: "EC7"}, "ETH.USDT-EC7", chains.Ethereum, "", false},
		{"ETH.USDT-0xdac17f958d2ee523a2206206994597c13d831ec7",
			ThorAsset{Chain: "ETH", Symbol: "USDT", Contract: "0XDAC17F958D2EE523A2206206994597C13D831EC7"},
			"ETH.USDT-0XDAC17F958D2EE523A2206206994597C13D831EC7",
			chains.Ethereum, "0xdac17f958d2ee523a2206206994597c13d831ec7", true},
		{"BTC/BTC", ThorAsset{Chain: "BTC", Symbol: "BTC", Kind: ThorSynth}, "BTC/BTC", "", "", false},
		{"BTC~BTC", ThorAsset{Chain: "BTC", Symbol: "BTC", Kind: ThorTrade}, "BTC~BTC", "", "", false},
		{"BTC-BTC", ThorAsset{Chain: "BTC", Symbol: "BTC", Kind: ThorSecured}, "BTC-BTC", "", "", false},
		{"BTC.RUNE", ThorAsset{Chain: "BTC", Symbol: "RUNE"}, "BTC.RUNE", chains.Bitcoin, "", false},
	}
	for _, tt := range tests {
		got, err := ParseThorAsset(tt.in)
		if err != nil {
			t.Errorf("ParseThorAsset(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want || got.String() != tt.str {
			t.Errorf("ParseThorAsset(%q) = %+v (%s), want %+v (%s)", tt.in, got, got, tt.want, tt.str)
		}
		c, a, ok := got.HoundAsset()
		if c != tt.chain || a != tt.asset || ok != tt.houndK {
			t.Errorf("%s.HoundAsset() = %q, %q, %v; want %q, %q, %v", got, c, a, ok, tt.chain, tt.asset, tt.houndK)
		}
	}
}

func TestMemoAmount(t *testing.T) {
	tests := []struct {
		in   string // a limit as written
		want string // its exact value
	}{
		{"", "0"},
		{"0", "0"},
		{"5855757", "5855757"},
		{"161e6", "161000000"},
		{"161E6", "161000000"},
		{"1.5e8", "150000000"},
		{"0.00000001e8", "1"},
		{".5e1", "5"},
		{"5.", "5"},
		{"1.9", "1"}, // THORNode drops the fraction
		{"5e-1", "0"},
		{"12345e-2", "123"},
		{"1e-2147483648", "0"},
		{"0e2147483647", "0"},
		{"007", "7"},
		// THORNode reads this through a 64-bit mantissa and gets
		// 123456789012345678899921813504; Hound keeps every digit.
		{"123456789012345678901234567890", "123456789012345678901234567890"},
		{"1e77", "1" + strings.Repeat("0", 77)},
		{"115792089237316195423570985008687907853269984665640564039457584007913129639935",
			"115792089237316195423570985008687907853269984665640564039457584007913129639935"}, // 2^256-1
	}
	for _, tt := range tests {
		got, err := parseMemoAmount(tt.in)
		if err != nil || got.String() != tt.want {
			t.Errorf("parseMemoAmount(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"115792089237316195423570985008687907853269984665640564039457584007913129639936", "2e77", "+5", "1e+", ".", "e5", "1.2.3", "1_000", "0x10"} {
		if got, err := parseMemoAmount(in); err == nil {
			t.Errorf("parseMemoAmount(%q) = %v, want an error", in, got)
		}
	}
}

// FuzzParseMemo checks that ParseMemo never panics, rejects only with a
// *MemoError, and that anything it accepts is written by String in a form
// that parses back to the same Memo and writes the same again.
func FuzzParseMemo(f *testing.F) {
	for _, s := range memoSamples(f) {
		f.Add(s)
	}
	for _, s := range []string{
		"=:b:bc1qdest:0/1/0:t:0",
		"=:ETH.USDT-EC7:" + memoETHMixed + ":0/1/0:tr:0",
		"s:e:" + memoETH + ":1e6/3/0:t/ti:10:1:0xdac1:5e5",
		"OUT:" + memoInHash,
		"REFUND:0x" + strings.ToLower(memoInHash),
		"+:BTC/BTC::t:10", "-:ETH/ETH:5000", "DONATE:BTC.BTC", "~:name:BTC",
		"=:r:" + memoThor + ":1.5e8|x", "=:b::/1/", "=:b:t:0/0/0:::", "", ":", "|",
		"=:0: :0", // a destination ending in white space must not lose it in String
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMemo(s)
		if err != nil {
			var me *MemoError
			if !errors.As(err, &me) {
				t.Fatalf("ParseMemo(%q): error %T %v, want *MemoError", s, err, err)
			}
			return
		}
		if m.Raw != s {
			t.Fatalf("ParseMemo(%q).Raw = %q", s, m.Raw)
		}
		out := m.String()
		again, err := ParseMemo(out)
		if err != nil {
			t.Fatalf("ParseMemo(%q) accepted, but its String %q fails: %v", s, out, err)
		}
		if !sameMemo(m, again) {
			t.Fatalf("ParseMemo(%q) = %+v\nre-parsed from %q as %+v", s, m, out, again)
		}
		if out2 := again.String(); out2 != out {
			t.Fatalf("String not stable: %q then %q", out, out2)
		}
		m.Destination()
	})
}

func BenchmarkParseMemo(b *testing.B) {
	memos := []string{
		"=:BTC.BTC:" + memoBTC1 + ":0/1/0:t:30",
		"=:ETH.USDT-EC7:" + memoETHMixed + ":161e6/1/0:tr:0",
		"OUT:" + memoInHash,
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := ParseMemo(memos[i%len(memos)]); err != nil {
			b.Fatal(err)
		}
	}
}
