package labels

import (
	"cmp"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/houndtrace/hound/chains"
)

const (
	sdn2021      = "ofac/moov-watchman-sdn-csv-2021/sdn.csv"
	comments2021 = "ofac/moov-watchman-sdn-csv-2021/sdn_comments.csv"
)

// ofacCode returns the asset code OFAC writes for a label: XBT for Bitcoin.
func ofacCode(l Label) string {
	if l.Network == "" && l.Chain == chains.Bitcoin {
		return "XBT"
	}
	return l.AssetCode()
}

func readSDN2021(t *testing.T, withComments bool, opts Options) (*Import, error) {
	t.Helper()
	f := OFACFiles{SDN: dataReader(t, sdn2021), SDNName: "sdn.csv"}
	if withComments {
		f.Comments, f.CommentsName = dataReader(t, comments2021), "sdn_comments.csv"
	}
	return ReadOFAC(f, opts)
}

// TestOFAC2021 pins the digital currency addresses of the real 2021 SDN.CSV
// with its SDN_COMMENTS.CSV: 96 distinct (XBT 65, ETH 10, LTC 8, DASH 3,
// ZEC 3, BCH 2, ETC 1, XMR 1, BSV 1, BTG 1, XVG 1). One of the ten ETH
// addresses, LIFSHITS's 0xa7e5…b00, has 39 hex digits in the list (the
// ultrasoundmoney and Etherscan data have it with a final 8): it is reported
// as a problem at its entry's line, not imported.
func TestOFAC2021(t *testing.T) {
	imp, err := readSDN2021(t, true, Options{})
	if err != nil {
		t.Fatal(err)
	}
	distinct := map[string]bool{}
	byCode := map[string]int{}
	for _, l := range imp.Labels {
		k := ofacCode(l) + " " + string(l.Address)
		if !distinct[k] {
			distinct[k] = true
			byCode[ofacCode(l)]++
		}
		if l.Category != Sanctioned || l.Confidence != AuthorityData || !strings.HasPrefix(l.Source, "OFAC SDN list, ent_num ") {
			t.Errorf("label %+v", l)
		}
	}
	if len(imp.Problems) != 1 {
		t.Fatalf("problems %v, want the one 39-digit ETH address", imp.Problems)
	}
	p := imp.Problems[0]
	const want = `sdn.csv:8308: ent_num 29702 (LIFSHITS, Artem Mikhaylovich): ETH: address "0xa7e5d5a720f06526557c513402f2e6b5fa20b00": want 0x followed by 40 hex digits`
	if p.Error() != want {
		t.Errorf("problem\n got %s\nwant %s", p, want)
	}
	byCode["ETH"]++ // the address of the problem
	wantCodes := map[string]int{"XBT": 65, "ETH": 10, "LTC": 8, "DASH": 3, "ZEC": 3, "BCH": 2, "ETC": 1, "XMR": 1, "BSV": 1, "BTG": 1, "XVG": 1}
	if fmt.Sprint(byCode) != fmt.Sprint(wantCodes) || len(distinct)+1 != 96 {
		t.Errorf("distinct addresses %d+1 by code %v, want 96 %v", len(distinct), byCode, wantCodes)
	}
	traced := countTraced(imp.Labels)
	if traced != 74 { // XBT 65 + ETH 9
		t.Errorf("%d traced labels, want 74", traced)
	}

	// The DPRK entries: TIAN Yinyin (8 XBT) and LI Jiadong (12 XBT), linked
	// to LAZARUS GROUP in the part of their remarks that SDN_COMMENTS.CSV holds.
	var dprk []Label
	for _, l := range imp.Labels {
		if l.Actor == DPRK {
			dprk = append(dprk, l)
		}
	}
	if len(dprk) != 20 {
		t.Fatalf("%d DPRK labels, want 20", len(dprk))
	}
	for _, l := range dprk {
		if l.Group != "Lazarus Group" || l.Chain != chains.Bitcoin || !strings.HasSuffix(l.Source, "(DPRK3, CYBER2)") {
			t.Errorf("DPRK label %+v", l)
		}
	}
	tian := find(imp.Labels, "134r8iHv69xdT6p5qVKTsHrcUEuBVZAYak")
	if len(tian) != 1 || tian[0].Entity != "TIAN, Yinyin" || tian[0].Source != "OFAC SDN list, ent_num 28263 (DPRK3, CYBER2)" {
		t.Errorf("TIAN Yinyin: %+v", tian)
	}
}

// TestOFACWithoutComments shows what the comments file adds: the remarks of
// SECONDEYE SOLUTION stop in the middle of an address, and the link of TIAN
// Yinyin and LI Jiadong to LAZARUS GROUP is only in the continuation.
func TestOFACWithoutComments(t *testing.T) {
	imp, err := readSDN2021(t, false, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var cut bool
	for _, p := range imp.Problems {
		if strings.Contains(p.Error(), `ent_num 30518 (SECONDEYE SOLUTION): XBT: address "1Gq"`) {
			cut = true
		}
	}
	if !cut {
		t.Errorf("no problem for the address cut at the end of the remarks: %v", imp.Problems)
	}
	for _, l := range find(imp.Labels, "134r8iHv69xdT6p5qVKTsHrcUEuBVZAYak") {
		if l.Actor != DPRK || l.Group != "" {
			t.Errorf("without comments TIAN Yinyin is %q/%q, want DPRK (program DPRK3) with no group", l.Actor, l.Group)
		}
	}
}

func TestOFACStrict(t *testing.T) {
	imp, err := readSDN2021(t, true, Options{Strict: true})
	var p *Problem
	if !errors.As(err, &p) || p.Line != 8308 || len(imp.Problems) != 1 {
		t.Fatalf("strict: %v, %d problems", err, len(imp.Problems))
	}
}

// TestOFACComments2025 reads the 2025 SDN_COMMENTS.CSV subsets alone: only
// the features wholly inside each continuation. Entity 42496, a launderer
// linked to LAZARUS GROUP, has four XBT addresses there; CHEIL CREDIT BANK
// (ent 22985) has USDT on Tron, kept as untraced.
func TestOFACComments2025(t *testing.T) {
	tests := []struct {
		file     string
		labels   int
		untraced int
	}{
		{"sdn_comments_pkg-sources-ofac.csv", 341, 14},
		{"sdn_comments_internal-tfidf.csv", 366, 64},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			name := "ofac/moov-watchman-sdn-comments-2025/" + tt.file
			imp, err := ReadOFAC(OFACFiles{Comments: dataReader(t, name), CommentsName: tt.file}, Options{Strict: true})
			if err != nil {
				t.Fatal(err)
			}
			untraced := 0
			for _, l := range imp.Labels {
				if !l.Traced() {
					untraced++
				}
			}
			if len(imp.Labels) != tt.labels || untraced != tt.untraced {
				t.Errorf("%d labels, %d untraced; want %d, %d", len(imp.Labels), untraced, tt.labels, tt.untraced)
			}
			var lazarus []Label
			for _, l := range imp.Labels {
				if l.Group == "Lazarus Group" {
					lazarus = append(lazarus, l)
				}
			}
			if len(lazarus) != 4 || lazarus[0].Entity != "OFAC SDN ent_num 42496" || lazarus[0].Actor != DPRK {
				t.Errorf("Lazarus-linked labels: %+v", lazarus)
			}
		})
	}
}

// TestOFACLists pins the 0xB10C per-asset lists (XBT 435, ETH 152, USDT 26,
// ...): the .txt and .json forms give the same labels, and USDT splits by
// address format into Ethereum, Omni on Bitcoin, and Tron (untraced). One of
// the 435 "XBT" addresses is a Tron address (TUCsTq7…, also filed under BTC
// in GraphSense's ofac.yaml): it is reported, not imported.
func TestOFACLists(t *testing.T) {
	tests := []struct {
		asset    string
		lines    int    // addresses in the file
		n        int    // labels
		traced   int    // labels on traced chains
		networks string // fmt of the count by chain and network
		problem  string // the one problem, if any
	}{
		{"XBT", 435, 434, 434, "map[bitcoin:434]", `sanctioned_addresses_XBT.txt:355: address "TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq": version byte 0x41 is no bitcoin network's (another coin?)`},
		{"ETH", 152, 152, 152, "map[ethereum:152]", ""},
		{"USDT", 26, 26, 15, "map[TRX:0 USDT:11 bitcoin:7 ethereum:8]", ""},
		{"LTC", 10, 10, 0, "map[LTC:10]", ""},
		{"TRX", 6, 6, 0, "map[TRX:6]", ""},
		{"XMR", 3, 3, 0, "map[XMR:3]", ""},
		{"USDC", 2, 2, 2, "map[ethereumUSDC:2]", ""},
	}
	for _, tt := range tests {
		t.Run(tt.asset, func(t *testing.T) {
			var got [2][]Label
			for i, ext := range []string{".txt", ".json"} {
				name := "ofac/0xB10C-lists-f2aee22/sanctioned_addresses_" + tt.asset + ext
				tmpl := Label{Network: tt.asset, Category: Sanctioned, Source: "OFAC SDN list", Confidence: AuthorityData}
				imp, err := ReadList(dataReader(t, name), tmpl, Options{Name: filepath.Base(name)})
				if err != nil {
					t.Fatal(err)
				}
				got[i] = imp.Labels
				if n := len(imp.Labels) + len(imp.Problems); n != tt.lines {
					t.Errorf("%s: %d labels and problems, want %d", name, n, tt.lines)
				}
				if i == 0 && fmt.Sprint(imp.Problems) != wantList(tt.problem) {
					t.Errorf("problems %v, want %q", imp.Problems, tt.problem)
				}
			}
			if fmt.Sprint(got[0]) != fmt.Sprint(got[1]) {
				t.Errorf(".txt and .json differ")
			}
			byPlace := count(got[0], func(l Label) string { return string(l.Chain) + l.Network })
			if tt.asset == "USDT" {
				byPlace = map[string]int{"ethereum": 0, "bitcoin": 0, "USDT": 0, "TRX": 0}
				for _, l := range got[0] {
					byPlace[cmp.Or(string(l.Chain), l.Network)]++
				}
			}
			traced := countTraced(got[0])
			if len(got[0]) != tt.n || traced != tt.traced || fmt.Sprint(byPlace) != tt.networks {
				t.Errorf("%d labels, %d traced, %v; want %d, %d, %s", len(got[0]), traced, byPlace, tt.n, tt.traced, tt.networks)
			}
		})
	}
}

// TestBybitList reads the FBI's 51 Bybit addresses (a list with comment
// lines) as TraderTraitor thefts.
func TestBybitList(t *testing.T) {
	tmpl := Label{Chain: chains.Ethereum, Category: Theft, Actor: DPRK, Group: "TraderTraitor", Campaign: "Bybit 2025-02",
		Source: bybitNotice, Confidence: AuthorityData}
	imp, err := ReadList(dataReader(t, "dprk/fbi/bybit_fbi_psa250226_eth.txt"), tmpl, Options{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(imp.Labels) != 51 {
		t.Fatalf("%d labels, want 51", len(imp.Labels))
	}
	if l := imp.Labels[0]; l.Address != "0x51e9d833ecae4e8d9d8be17300aee6d3398c135d" || l.Group != "TraderTraitor" {
		t.Errorf("first label %+v", l)
	}
}
