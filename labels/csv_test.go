package labels

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/houndtrace/hound/chains"
)

// TestReadCSV reads Hound's CSV row by row: what each row gives, or the
// problem it is reported as.
func TestReadCSV(t *testing.T) {
	const head = "chain,address,category,entity,actor,group,campaign,source,confidence\n"
	tests := []struct {
		name    string
		row     string // one row after the header (line 2)
		want    string // the label as chain/network/address/category/entity/actor/group/campaign/source/confidence, or ""
		problem string // the problem, or ""
	}{
		{name: "full row",
			row:  "ethereum,0x098B716B8Aaf21512996dC57EB0615e2383E2f96,theft,Ronin Bridge Exploiter,DPRK,Lazarus Group,Ronin Bridge 2022-03,https://home.treasury.gov/policy-issues/financial-sanctions/recent-actions/20220414,authority_data",
			want: "ethereum//0x098b716b8aaf21512996dc57eb0615e2383e2f96/theft/Ronin Bridge Exploiter/DPRK/Lazarus Group/Ronin Bridge 2022-03/https://home.treasury.gov/policy-issues/financial-sanctions/recent-actions/20220414/authority_data"},
		{name: "empty cells after category", row: "bitcoin,3F2sZ4jbhvDKQdGbHYPC6ZxFXEau2m5Lqj,sanctioned,,,,,,",
			want: "bitcoin//3F2sZ4jbhvDKQdGbHYPC6ZxFXEau2m5Lqj/sanctioned/////t.csv/"},
		{name: "missing cells after category", row: "XBT,3F2sZ4jbhvDKQdGbHYPC6ZxFXEau2m5Lqj,Sanctioned",
			want: "bitcoin//3F2sZ4jbhvDKQdGbHYPC6ZxFXEau2m5Lqj/sanctioned/////t.csv/"},
		{name: "numeric confidence", row: "ethereum,0xa160cdab225685da1d56aa342ad8841c3b53f291,mixer,Tornado Cash 100 ETH,,,,,85",
			want: "ethereum//0xa160cdab225685da1d56aa342ad8841c3b53f291/mixer/Tornado Cash 100 ETH////t.csv/85"},
		{name: "untraced network", row: "LTC,LWnbjLYUfqeokfbWM4FcU7uk2FP2DSxuWS,sanctioned,\"ANDREYEV, Anton\",,,,,",
			want: "/LTC/LWnbjLYUfqeokfbWM4FcU7uk2FP2DSxuWS/sanctioned/ANDREYEV, Anton////t.csv/"},
		{name: "token on ethereum", row: "USDT,0x983a81ca6FB1e441266D2FbcB7D8E530AC2E05A2,sanctioned",
			want: "ethereum/USDT/0x983a81ca6fb1e441266d2fbcb7d8e530ac2e05a2/sanctioned/////t.csv/"},
		{name: "bad category", row: "ethereum,0xa160cdab225685da1d56aa342ad8841c3b53f291,tumbler",
			problem: `t.csv:2: unknown category "tumbler" (known: theft, sanctioned, ransomware, scam, mixer, bridge, exchange, otc, dex, service)`},
		{name: "bad confidence", row: "ethereum,0xa160cdab225685da1d56aa342ad8841c3b53f291,mixer,,,,,,101",
			problem: "t.csv:2: confidence 101: want 0-100"},
		{name: "bad checksum", row: "ethereum,0xA160cdAB225685dA1d56aa342Ad8841c3b53f292,mixer",
			problem: `t.csv:2: address "0xA160cdAB225685dA1d56aa342Ad8841c3b53f292": wrong EIP-55 checksum (did you mean 0xa160Cdab225685dA1D56aA342ad8841C3B53F292?)`},
		{name: "bad bitcoin", row: "bitcoin,1AjZPMsnmpdK2Rv9KQNfMurTXinscVro9W,theft",
			problem: `t.csv:2: address "1AjZPMsnmpdK2Rv9KQNfMurTXinscVro9W": wrong base58check checksum`},
		{name: "too many cells", row: "ethereum,0xa160cdab225685da1d56aa342ad8841c3b53f291,mixer,,,,,,,extra",
			problem: "t.csv:2: 10 fields, want 9 (chain,address,category,entity,actor,group,campaign,source,confidence)"},
		{name: "bad quote", row: "ethereum,0xa160cdab225685da1d56aa342ad8841c3b53f291,mixer,Tornado \"Cash\",,,,,",
			problem: `t.csv:2: bare " in non-quoted-field`},
		{name: "blank cells", row: ",,,,,,,,"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			imp, err := ReadCSV(strings.NewReader(head+tt.row+"\n"), Options{Name: "t.csv"})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, l := range imp.Labels {
				got = append(got, strings.Join([]string{string(l.Chain), l.Network, string(l.Address), l.Category.String(),
					l.Entity, l.Actor, l.Group, l.Campaign, l.Source, l.Confidence.String()}, "/"))
			}
			if fmt.Sprint(got) != wantList(tt.want) {
				t.Errorf("labels\n got %q\nwant %q", got, tt.want)
			}
			if fmt.Sprint(imp.Problems) != wantList(tt.problem) {
				t.Errorf("problems\n got %v\nwant %s", imp.Problems, tt.problem)
			}
		})
	}
}

func TestReadCSVStrictAndHeader(t *testing.T) {
	in := "\ufeff# a comment\nchain,address,category,entity,actor,group,campaign,source,confidence\n" +
		"ethereum,0xa160cdab225685da1d56aa342ad8841c3b53f291,mixer\n" +
		"ethereum,0xnothex,mixer\n" +
		"ethereum,0x12d66f87a04a9e220743712ce6d9bb1b5616b8fc,mixer\n"
	imp, err := ReadCSV(strings.NewReader(in), Options{Name: "t.csv"})
	if err != nil || len(imp.Labels) != 2 || len(imp.Problems) != 1 || imp.Problems[0].Line != 4 {
		t.Fatalf("lenient: %v, %d labels, problems %v", err, len(imp.Labels), imp.Problems)
	}
	imp, err = ReadCSV(strings.NewReader(in), Options{Name: "t.csv", Strict: true})
	var p *Problem
	if !errors.As(err, &p) || p.Line != 4 || len(imp.Labels) != 1 {
		t.Fatalf("strict: %v, %d labels", err, len(imp.Labels))
	}
	_, err = ReadCSV(strings.NewReader("addr,kind\n"), Options{Name: "t.csv"})
	if err == nil || !strings.HasPrefix(err.Error(), `t.csv: unknown CSV header "addr,kind"`) {
		t.Fatalf("unknown header: %v", err)
	}
}

// TestDatasetCSV pins what the CSV layouts of the public datasets give.
func TestDatasetCSV(t *testing.T) {
	tests := []struct {
		file     string
		labels   int
		skipped  int
		problems int
		byCat    string // fmt of the count by category
	}{
		{"ofac/ultrasoundmoney-eth/data_HEAD-ac23451.csv", 97, 0, 0, "map[sanctioned:97]"},
		{"ofac/ultrasoundmoney-eth/data_with_dates-019e358.csv", 67, 0, 0, "map[sanctioned:67]"},
		{"ofac/ultrasoundmoney-eth/ofac_sanction_list-0ecd634.csv", 110, 0, 0, "map[sanctioned:110]"},
		// Two addresses in the forta lists carry a wrong EIP-55 checksum.
		{"labels/forta-labelled-datasets-40a9c2f/phishing_scams.csv", 6724, 0, 2, "map[scam:6724]"},
		{"labels/forta-labelled-datasets-40a9c2f/etherscan_malicious_labels.csv", 7778, 0, 2, "map[scam:7568 theft:210]"},
		{"labels/forta-labelled-datasets-40a9c2f/malicious_smart_contracts.csv", 851, 0, 0, "map[scam:593 theft:258]"},
		{"labels/curated/bridges_routers_curated.csv", 9, 1, 0, "map[bridge:6 exchange:1 mixer:2]"},
		{"dprk/dprk_labels_joined.csv", 819, 7, 0, "map[bridge:3 exchange:28 mixer:139 sanctioned:117 theft:532]"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			imp, err := ReadCSV(dataReader(t, tt.file), Options{Name: tt.file})
			if err != nil {
				t.Fatal(err)
			}
			byCat := count(imp.Labels, func(l Label) string { return l.Category.String() })
			if len(imp.Labels) != tt.labels || imp.Skipped != tt.skipped || len(imp.Problems) != tt.problems || fmt.Sprint(byCat) != tt.byCat {
				t.Errorf("%d labels, %d skipped, problems %v, %v", len(imp.Labels), imp.Skipped, imp.Problems, byCat)
			}
		})
	}
}

// TestRonin holds the known facts about the Ronin bridge exploiter in the
// OFAC Ethereum list: LAZARUS GROUP, DPRK, listed on 2022-04-14, with the
// Treasury notice as source (whose unquoted comma the layout absorbs).
func TestRonin(t *testing.T) {
	imp, err := ReadCSV(dataReader(t, "ofac/ultrasoundmoney-eth/ofac_sanction_list-0ecd634.csv"), Options{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	got := find(imp.Labels, roninExploiter)
	want := Label{Chain: chains.Ethereum, Address: roninExploiter, Category: Sanctioned, Entity: "LAZARUS GROUP",
		Actor: DPRK, Group: "Lazarus Group", Confidence: AuthorityData, FirstSeen: mustDate(t, "2022-04-14"),
		Source: "https://home.treasury.gov/policy-issues/financial-sanctions/recent-actions/20220414 (also in 20220422, 20220506)"}
	if len(got) != 1 || got[0] != want {
		t.Errorf("Ronin exploiter\n got %+v\nwant %+v", got, want)
	}
}

const roninExploiter = "0x098b716b8aaf21512996dc57eb0615e2383e2f96"

// TestDPRKTable checks the mapping of the DPRK table's kinds.
func TestDPRKTable(t *testing.T) {
	imp, err := ReadCSV(dataReader(t, "dprk/dprk_labels_joined.csv"), Options{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	ronin := find(imp.Labels, roninExploiter)
	var theft, sanctioned bool
	for _, l := range ronin {
		switch {
		case l.Category == Theft && l.Group == "Lazarus Group" && l.Actor == DPRK && l.Campaign == "Ronin Bridge 2022-03":
			theft = true
		case l.Category == Sanctioned && l.Entity == "LAZARUS GROUP" && l.FirstSeen.String() == "2022-04-14" && l.Actor == DPRK:
			sanctioned = true
		}
	}
	if !theft || !sanctioned {
		t.Errorf("Ronin exploiter: %+v", ronin)
	}
	byGroup := count(imp.Labels, func(l Label) string { return l.Actor + "/" + l.Group + "/" + l.Campaign })
	want := map[string]int{
		"DPRK/Lazarus Group/Harmony Horizon Bridge 2022-06": 339,
		"DPRK/Lazarus Group/Stake.com 2023-09":              38,
		"DPRK/TraderTraitor/Bybit 2025-02":                  110,
		"DPRK/Lazarus Group/Ronin Bridge 2022-03":           39,
		"//Harmony Horizon Bridge 2022-06":                  23, // exchange deposit addresses and the drained bridges
		"//Ronin Bridge 2022-03":                            8,
	}
	for k, n := range want {
		if byGroup[k] != n {
			t.Errorf("%s: %d labels, want %d (all: %v)", k, byGroup[k], n, byGroup)
		}
	}
	// Semenov, a Tornado Cash co-founder sanctioned under a DPRK-related
	// program, is sanctioned but not attributed to DPRK.
	for _, l := range imp.Labels {
		if l.Entity == "SEMENOV, Roman" && (l.Actor != "" || l.Category != Sanctioned) {
			t.Errorf("Semenov: %+v", l)
		}
	}
}

func TestWriteCSVRoundTrip(t *testing.T) {
	set := sampleSet(t)
	var buf bytes.Buffer
	if err := WriteCSV(&buf, set.Labels()); err != nil {
		t.Fatal(err)
	}
	imp, err := ReadCSV(&buf, Options{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	// CSV carries everything but the dates.
	want := make([]Label, len(set.Labels()))
	for i, l := range set.Labels() {
		l.FirstSeen, l.LastSeen = Date{}, Date{}
		want[i] = l
	}
	assertSameSet(t, imp.Labels, want)
}
