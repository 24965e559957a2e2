package labels

import (
	"fmt"
	"strings"
	"testing"

	"github.com/houndtrace/hound/chains"
)

// TestBuiltin pins the built-in set and checks that every label has its
// source and a confidence.
func TestBuiltin(t *testing.T) {
	s := Builtin()
	if s != Builtin() {
		t.Fatal("Builtin loads twice")
	}
	st := s.Stats()
	byCat := map[string]int{}
	for c, n := range st.ByCategory {
		byCat[c.String()] = n
	}
	if st.Labels != 2144 || st.Addresses != 1879 || st.Untraced != 56 ||
		fmt.Sprint(byCat) != "map[bridge:184 exchange:1001 mixer:186 sanctioned:241 theft:532]" {
		t.Errorf("built-in set: %d labels, %d addresses, %d untraced, %v", st.Labels, st.Addresses, st.Untraced, byCat)
	}
	for _, l := range s.Labels() {
		if l.Source == "" || l.Confidence.IsZero() {
			t.Fatalf("label without source or confidence: %+v", l)
		}
		if l.Category == Theft && (l.Actor != DPRK || l.Group == "") {
			t.Fatalf("theft label not attributed to a DPRK unit: %+v", l)
		}
	}
	campaigns := count(s.Labels(), func(l Label) string { return l.Campaign })
	for c, n := range map[string]int{"Ronin Bridge 2022-03": 47, "Harmony Horizon Bridge 2022-06": 362,
		"Stake.com 2023-09": 38, "Bybit 2025-02": 110} {
		if campaigns[c] != n {
			t.Errorf("campaign %s: %d labels, want %d", c, campaigns[c], n)
		}
	}
}

// TestBuiltinFacts holds the known facts of ../shared/data/PROVENANCE.md
// and the brief.
func TestBuiltinFacts(t *testing.T) {
	s := Builtin()
	has := func(c chains.Chain, addr string, match func(Label) bool) bool {
		for _, l := range s.Lookup(c, chains.Address(addr)) {
			if match(l) {
				return true
			}
		}
		return false
	}
	tests := []struct {
		name  string
		chain chains.Chain
		addr  string
		match func(Label) bool
	}{
		{"Ronin exploiter is LAZARUS GROUP, sanctioned 2022-04-14", chains.Ethereum, roninExploiter, func(l Label) bool {
			return l.Category == Sanctioned && l.Entity == "LAZARUS GROUP" && l.Actor == DPRK && l.Group == "Lazarus Group" &&
				l.FirstSeen.String() == "2022-04-14" && strings.Contains(l.Source, "treasury.gov")
		}},
		{"Ronin exploiter stole from the Ronin bridge", chains.Ethereum, roninExploiter, func(l Label) bool {
			return l.Category == Theft && l.Campaign == "Ronin Bridge 2022-03" && l.Group == "Lazarus Group"
		}},
		{"Tornado Cash 100 ETH is a mixer", chains.Ethereum, "0xa160cdab225685da1d56aa342ad8841c3b53f291", func(l Label) bool {
			return l.Category == Mixer && l.Entity == "Tornado Cash 100 ETH"
		}},
		{"Tornado Cash 100 ETH is sanctioned", chains.Ethereum, "0xa160cdab225685da1d56aa342ad8841c3b53f291", func(l Label) bool {
			return l.Category == Sanctioned && l.FirstSeen.String() == "2022-08-08"
		}},
		{"Tornado Cash router", chains.Ethereum, "0xd90e2f925da726b50c4ed8d0fb90ad053324f31b", func(l Label) bool { return l.Category == Mixer }},
		{"Bybit: TraderTraitor", chains.Ethereum, "0x51e9d833ecae4e8d9d8be17300aee6d3398c135d", func(l Label) bool {
			return l.Category == Theft && l.Group == "TraderTraitor" && strings.Contains(l.Source, "PSA250226")
		}},
		{"Bybit cold wallet", chains.Ethereum, "0x1db92e2eebc8e0c075a02bea49a2935bcd2dfcf4", func(l Label) bool { return l.Category == Exchange }},
		{"Harmony: FBI list", chains.Bitcoin, "", nil},
		{"Lazarus (TIAN Yinyin, OFAC 2020)", chains.Bitcoin, "134r8iHv69xdT6p5qVKTsHrcUEuBVZAYak", func(l Label) bool {
			return l.Category == Sanctioned && l.Group == "Lazarus Group" && strings.HasPrefix(l.Source, "OFAC SDN list, ent_num 28263")
		}},
		{"Blender.io", chains.Bitcoin, "3NDzzVxiLBUs1WPvVGRfCYDTAD2Ua2PvW4", func(l Label) bool { return l.Category == Mixer && l.Entity == "Blender.io" }},
		{"Sinbad.io", chains.Bitcoin, "bc1qq7p0es3dv5hcynjjf40f2xjjr6qp5py47d2f6n847vduuq9gvnyq7y9ecd", func(l Label) bool { return l.Category == Mixer }},
		{"Wasabi coordinator", chains.Bitcoin, "bc1qs604c7jv6amk4cxqlnvuxv26hv3e48cds4m0ew", func(l Label) bool { return l.Category == Mixer }},
		{"THORChain router", chains.Ethereum, "0xd37bbe5744d730a1d98d8dc97c42f0ca46ad7146", func(l Label) bool { return l.Category == Bridge }},
		{"Ronin bridge", chains.Ethereum, "0x1a2a1c938ce3ec39b6d47113c7955baa9dd454f2", func(l Label) bool { return l.Category == Bridge }},
		{"Binance 14", chains.Ethereum, "0x28c6c06298d514db089934071355e5743bf21d60", func(l Label) bool { return l.Category == Exchange && l.Entity == "Binance" }},
		{"Binance BTC reserve (TagPack)", chains.Bitcoin, "34xp4vRoCGJym3xR7yCVPFHoCNxv4Twseo", func(l Label) bool { return l.Category == Exchange && l.Entity == "Binance" }},
	}
	for _, tt := range tests {
		if tt.match == nil {
			continue
		}
		if !has(tt.chain, tt.addr, tt.match) {
			t.Errorf("%s: %s has %+v", tt.name, tt.addr, s.Lookup(tt.chain, chains.Address(tt.addr)))
		}
	}
	chip := 0
	for _, l := range s.Labels() {
		if l.Entity == "ChipMixer" {
			chip++
		}
	}
	if chip != 10 {
		t.Errorf("%d ChipMixer labels, want 10", chip)
	}
}
