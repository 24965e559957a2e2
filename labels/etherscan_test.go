package labels

import (
	"fmt"
	"path/filepath"
	"testing"
)

const etherscanDir = "labels/brianleect-etherscan-labels-923aba7/"

// TestEtherscan pins what each explorer's dump gives. Only Ethereum is a
// traced chain; the other six are kept as untraced networks. The problems
// are the dumps' summary rows, keyed "" ("Sum of 4 Accounts"), "genesis",
// and BscScan's "No matching records found".
func TestEtherscan(t *testing.T) {
	tests := []struct {
		explorer string
		labels   int
		traced   int
		skipped  int
		problems int
		byCat    string
	}{
		{"arbiscan", 132, 0, 704, 1, "map[bridge:16 dex:8 exchange:4 mixer:3 scam:94 theft:7]"},
		{"avalanche", 75, 0, 986, 1, "map[bridge:22 dex:26 exchange:4 mixer:3 scam:8 theft:12]"},
		{"bscscan", 1665, 0, 5058, 3, "map[bridge:25 dex:1534 exchange:46 service:3 theft:57]"},
		{"etherscan", 8774, 8774, 21171, 0, "map[bridge:175 dex:8018 exchange:393 mixer:33 otc:10 sanctioned:38 service:94 theft:13]"},
		{"ftmscan", 59, 0, 1025, 1, "map[bridge:13 dex:28 exchange:1 scam:2 theft:15]"},
		{"optimism", 22, 0, 522, 2, "map[bridge:3 dex:9 exchange:4 scam:3 theft:3]"},
		{"polygonscan", 164, 0, 4831, 2, "map[bridge:39 dex:62 exchange:6 mixer:4 service:1 theft:52]"},
	}
	for _, tt := range tests {
		t.Run(tt.explorer, func(t *testing.T) {
			name := tt.explorer + "_combinedAllLabels.json"
			network, ok := explorerNetwork(name)
			if !ok {
				t.Fatal("no network")
			}
			imp, err := ReadEtherscan(dataReader(t, etherscanDir+name), network, Options{Name: name})
			if err != nil {
				t.Fatal(err)
			}
			traced := countTraced(imp.Labels)
			byCat := count(imp.Labels, func(l Label) string { return l.Category.String() })
			if len(imp.Labels) != tt.labels || traced != tt.traced || imp.Skipped != tt.skipped || len(imp.Problems) != tt.problems || fmt.Sprint(byCat) != tt.byCat {
				t.Errorf("%d labels, %d traced, %d skipped, problems %v, %v", len(imp.Labels), traced, imp.Skipped, imp.Problems, byCat)
			}
		})
	}
}

// TestEtherscanNames checks the classification of well-known Ethereum
// addresses.
func TestEtherscanNames(t *testing.T) {
	imp, err := ReadEtherscan(dataReader(t, etherscanDir+"etherscan_combinedAllLabels.json"), "ethereum", Options{Name: "etherscan"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		addr   string
		cat    Category // 0: no label
		entity string
	}{
		{"0xa160cdab225685da1d56aa342ad8841c3b53f291", Mixer, "Tornado Cash 100 ETH"},
		{"0x12d66f87a04a9e220743712ce6d9bb1b5616b8fc", Mixer, "Tornado Cash 0.1 ETH"},
		{"0xd90e2f925da726b50c4ed8d0fb90ad053324f31b", Mixer, "Tornado Cash Router"},
		{"0x4736dcf1b7a3d580672cce6e7c65cd5cc9cfba9d", Mixer, "Tornado Cash 1,00 USDC"}, // sic: the 100 USDC pool
		{"0x77777feddddffc19ff86db637967013e6c6a116c", Service, "Tornado Cash TORN Token"},
		{"0x8589427373d6d84e98730d7795d8f6f8731fda16", Sanctioned, "Tornado Cash Donate"},
		{roninExploiter, Theft, "Ronin Bridge Exploiter"},
		{"0x1a2a1c938ce3ec39b6d47113c7955baa9dd454f2", Bridge, "Axie Infinity: Ronin Bridge"},
		{"0x8eb8a3b98659cce290402893d0123abb75e3ab28", Bridge, "Avalanche: Bridge"},
		{"0xf9fb1c508ff49f78b60d3a96dea99fa5d7f3a8a6", Bridge, "Harmony: ETH Bridge"},
		{"0x3ee18b2214aff97000d974cf647e7c347e8fa585", Bridge, "Wormhole: Portal Token Bridge"},
		{"0xba8da9dcf11b50b03fd5284f164ef5cdef910705", Bridge, "Multichain: Router V6"},
		{"0x28c6c06298d514db089934071355e5743bf21d60", Exchange, "Binance"}, // "Binance 14"
		{"0x9eebb2815dba2166d8287afa9a2c89336ba9deaa", Exchange, "Huobi"},   // "Huobi: Old Address 27"
		{"0x59e0cda5922efba00a57794faf09bf6252d64126", Exchange, "Bitkub"},  // "Bitkub: Hot Wallet 3"
		{"0xdac17f958d2ee523a2206206994597c13d831ec7", 0, ""},               // Tether USD, labelled bitfinex
		{"0xb8c77482e45f1f44de1745f52c74426c631bdd52", 0, ""},               // the BNB token, labelled binance
		{"0x2f47a1c2db4a3b78cda44eade915c3b19107ddcc", 0, ""},               // Binance: Eth2 Depositor
		{"0x8eab84a7abae58bea081a84c740139dc81db7113", 0, ""},               // "Multichain Hack Alert": a victim to warn
		{"0x974caa59e49682cda0ad2bbe82983419a2ecc400", Service, "Stake.com"},
	}
	for _, tt := range tests {
		got := find(imp.Labels, tt.addr)
		switch {
		case tt.cat == 0 && len(got) != 0:
			t.Errorf("%s: %+v, want no label", tt.addr, got)
		case tt.cat != 0 && (len(got) != 1 || got[0].Category != tt.cat || got[0].Entity != tt.entity || got[0].Confidence != WebCrawl):
			t.Errorf("%s: %+v, want %s %q", tt.addr, got, tt.cat, tt.entity)
		}
	}
	// Etherscan lists 173 addresses twice, differing only in case.
	seen := map[string]int{}
	for _, l := range imp.Labels {
		seen[string(l.Address)]++
	}
	dup := 0
	for _, n := range seen {
		if n > 1 {
			dup++
		}
	}
	if dup == 0 {
		t.Error("no address labelled twice")
	}
	if imp.Labels[0].Source != "Etherscan labels (etherscan)" {
		t.Errorf("source %q", imp.Labels[0].Source)
	}
}

func TestReadFileDetects(t *testing.T) {
	dir := dataDir(t)
	tests := []struct {
		path   string
		labels int
	}{
		{etherscanDir + "optimism_combinedAllLabels.json", 22},
		{"ofac/moov-watchman-sdn-csv-2021/sdn.csv", 96}, // 95 addresses, one in two entries
		{"ofac/moov-watchman-sdn-comments-2025/sdn_comments_pkg-sources-ofac.csv", 341},
		{tagpacks + "packs/lazarus.yaml", 21},
		{"labels/curated/bridges_routers_curated.csv", 9},
	}
	for _, tt := range tests {
		imp, err := ReadFile(filepath.Join(dir, tt.path), FormatAuto, Options{})
		if err != nil || len(imp.Labels) != tt.labels {
			t.Errorf("%s: %v, want %d labels", tt.path, err, tt.labels)
		}
	}
	if _, err := ReadFile(filepath.Join(dir, "PROVENANCE.md"), FormatAuto, Options{}); err == nil {
		t.Error("read PROVENANCE.md as labels")
	}
	for _, s := range []string{"csv", "JSON", "tagpack", "ofac", "etherscan", "stix", "auto", ""} {
		if _, err := ParseFormat(s); err != nil {
			t.Errorf("ParseFormat(%q): %v", s, err)
		}
	}
	if _, err := ParseFormat("xml"); err == nil {
		t.Error("ParseFormat(xml) succeeded")
	}
}
