package labels

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/houndtrace/hound/chains"
)

const tagpacks = "labels/graphsense-tagpacks-29ff93c/"

var (
	actorPackOnce sync.Once
	actorPack     *ActorPack
	actorPackErr  error
)

// graphsenseActors reads the GraphSense ActorPack once.
func graphsenseActors(t *testing.T) *ActorPack {
	t.Helper()
	data := readData(t, tagpacks+"actors/graphsense.actorpack.yaml")
	actorPackOnce.Do(func() { actorPack, actorPackErr = ReadActorPack(bytes.NewReader(data)) })
	if actorPackErr != nil {
		t.Fatal(actorPackErr)
	}
	return actorPack
}

func TestActorPack(t *testing.T) {
	p := graphsenseActors(t)
	for _, tt := range []struct {
		id, label string
		threat    bool
	}{
		{"lazarusgroup", "Lazarus Group", true},
		{"binance", "Binance", false},
		{"binanceus", "Binance", false}, // an alias
		{"tornado", "Tornado Cash", false},
	} {
		a, ok := p.Actor(tt.id)
		if !ok || a.Label != tt.label || a.threat() != tt.threat {
			t.Errorf("actor %q: %+v, %v", tt.id, a, ok)
		}
	}
	if _, ok := p.Actor("nobody"); ok {
		t.Error("found an actor that is not there")
	}
}

// TestTagPacks pins what each of the 26 real TagPacks gives. All import
// without error; the two problems are data errors: a Liquid address with
// its AMP id appended (bitfinexcom) and a Tron address filed under BTC
// (ofac.yaml).
func TestTagPacks(t *testing.T) {
	actors := graphsenseActors(t)
	tests := []struct {
		pack     string
		labels   int
		traced   int
		problems int
		byCat    string // fmt of the count by category
	}{
		{"binance_hack", 44, 44, 0, "map[theft:44]"},
		{"blender_io", 45, 45, 0, "map[mixer:45]"},
		{"etherscan-wordcloud-exchange", 646, 646, 0, "map[exchange:646]"},
		{"etherscan-wordcloud-mixing_service", 61, 61, 0, "map[mixer:61]"},
		{"exchange-wallets-binance", 86, 36, 0, "map[exchange:86]"},
		{"exchange-wallets-bitfinexcom", 134, 11, 1, "map[exchange:134]"},
		{"exchange-wallets-bybit", 8, 8, 0, "map[exchange:8]"},
		{"exchange-wallets-cryptocom", 10, 10, 0, "map[exchange:10]"},
		{"exchange-wallets-deribit", 18, 16, 0, "map[exchange:18]"},
		{"exchange-wallets-huobi", 58, 21, 0, "map[exchange:58]"},
		{"exchange-wallets-kucoin", 59, 35, 0, "map[exchange:59]"},
		{"exchange-wallets-okx", 36, 36, 0, "map[exchange:36]"},
		{"hacks", 608, 608, 0, "map[exchange:403 service:27 theft:178]"},
		{"interpol-real_services", 10, 10, 0, "map[exchange:1 mixer:9]"},
		{"lazarus", 21, 21, 0, "map[sanctioned:21]"},
		{"lazarus2", 6, 6, 0, "map[sanctioned:6]"},
		{"mixing_fc2021", 66, 66, 0, "map[mixer:66]"},
		{"ofac", 571, 537, 1, "map[sanctioned:571]"},
		{"ronin_bridge", 6, 6, 0, "map[theft:6]"},
		{"samourai", 36548, 36548, 0, "map[mixer:36548]"},
		{"service-wallets-checksig", 247, 247, 0, "map[service:247]"},
		{"sinbad_io", 2, 2, 0, "map[mixer:2]"},
		{"tornado_cash", 39, 39, 0, "map[mixer:39]"},
		{"usdt_blacklist", 774, 774, 0, "map[sanctioned:774]"},
		{"walletexplorer", 386, 386, 0, "map[exchange:120 mixer:37 service:229]"},
		{"wasabi_collector", 2, 2, 0, "map[mixer:2]"},
	}
	files, err := filepath.Glob(filepath.Join(dataDir(t), filepath.FromSlash(tagpacks), "packs", "*.yaml"))
	if err != nil || len(files) != len(tests) {
		t.Fatalf("%d packs (%v), want %d", len(files), err, len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.pack, func(t *testing.T) {
			name := tt.pack + ".yaml"
			imp, err := ReadTagPack(dataReader(t, tagpacks+"packs/"+name), Options{Name: name, Actors: actors})
			if err != nil {
				t.Fatal(err)
			}
			traced := countTraced(imp.Labels)
			byCat := count(imp.Labels, func(l Label) string { return l.Category.String() })
			if len(imp.Labels) != tt.labels || traced != tt.traced || len(imp.Problems) != tt.problems || fmt.Sprint(byCat) != tt.byCat {
				t.Errorf("%d labels, %d traced, problems %v, %v", len(imp.Labels), traced, imp.Problems, byCat)
			}
		})
	}
}

// TestTagPackFields checks inheritance, overrides and the mappings on the
// real packs.
func TestTagPackFields(t *testing.T) {
	actors := graphsenseActors(t)
	read := func(pack string, actors *ActorPack) []Label {
		imp, err := ReadTagPack(dataReader(t, tagpacks+"packs/"+pack), Options{Name: pack, Actors: actors})
		if err != nil {
			t.Fatal(err)
		}
		return imp.Labels
	}
	// lazarus.yaml: header fields inherited; abuse sanction; actor
	// lazarusgroup is Lazarus Group, a DPRK unit; the ETH address of the
	// Ronin exploiter is filed here too.
	laz := find(read("lazarus.yaml", actors), roninExploiter)
	want := Label{Chain: chains.Ethereum, Address: roninExploiter, Category: Sanctioned, Entity: "Lazarus group",
		Actor: DPRK, Group: "Lazarus Group", Source: "https://www.treasury.gov/resource-center/sanctions/OFAC-Enforcement/Pages/20200302.aspx",
		Confidence: AuthorityData}
	if len(laz) != 1 || laz[0] != want {
		t.Errorf("lazarus.yaml\n got %+v\nwant %+v", laz, want)
	}
	// Without the ActorPack the DPRK unit is still known by its id.
	if laz := find(read("lazarus.yaml", nil), roninExploiter); len(laz) != 1 || laz[0].Group != "Lazarus Group" {
		t.Errorf("lazarus.yaml without actors: %+v", laz)
	}
	// ronin_bridge.yaml: per-tag labels, abuse service_hack.
	if r := find(read("ronin_bridge.yaml", actors), roninExploiter); len(r) != 1 || r[0].Category != Theft || r[0].Entity != "Ronin bridge exploiter" || r[0].Confidence != ServiceData {
		t.Errorf("ronin_bridge.yaml: %+v", r)
	}
	// exchange-wallets-binance.yaml: a service actor names the entity; the
	// BEP2 and BEP20 addresses are kept on untraced networks. The pack lists
	// one address four times, for ETH, BUSD, and BNB on Ethereum and on BSC.
	bin := read("exchange-wallets-binance.yaml", actors)
	const binance7 = "0xbe0eb53f46cd790cd13851d5eff43d12404d33e8"
	if l := find(bin, binance7); len(l) != 4 || l[0].Entity != "Binance" || l[0].Category != Exchange || l[2].Network != "BEP20" {
		t.Errorf("binance ETH wallet: %+v", l)
	}
	if l := find(read("exchange-wallets-binance.yaml", nil), binance7); len(l) != 4 || l[0].Entity != "binance reserve wallets ETH" {
		t.Errorf("binance ETH wallet without actors: %+v", l)
	}
	untraced := count(bin, func(l Label) string { return l.Network })
	if untraced["BEP2"] != 25 || untraced["BEP20"] != 16 || untraced["TRX"] != 9 {
		t.Errorf("binance networks %v", untraced)
	}
	// tornado_cash.yaml lists 0x4736… twice, once with a trailing space.
	tc := read("tornado_cash.yaml", actors)
	if n := len(find(tc, "0x4736dcf1b7a3d580672cce6e7c65cd5cc9cfba9d")); n != 2 {
		t.Errorf("tornado_cash.yaml: 0x4736… %d times, want 2", n)
	}
	if tc[0].Entity != "Tornado Cash" || tc[0].Category != Mixer {
		t.Errorf("tornado_cash.yaml: %+v", tc[0])
	}
	// ofac.yaml has no confidence and no abuse: unknown, and sanctioned by
	// its treasury.gov source.
	of := read("ofac.yaml", actors)
	if of[0].Category != Sanctioned || !of[0].Confidence.IsZero() {
		t.Errorf("ofac.yaml: %+v", of[0])
	}
}

func TestReadTagPackProblems(t *testing.T) {
	const pack = `title: t
creator: c
confidence: service_data
currency: ETH
category: exchange
tags:
- address: '0xbe0eb53f46cd790cd13851d5eff43d12404d33e8'
  label: ok
- address: '0xBE0EB53F46CD790CD13851D5EFF43D12404D33E8'
  label: uppercase is fine
  confidence: 70
- label: no address
- address: '0xbe0eb53f46cd790cd13851d5eff43d12404d33e8'
  category: casino
- address: '0xbe0eb53f46cd790cd13851d5eff43d12404d33e8'
  confidence: certain
- address: [1, 2]
- address: 'bc1qs604c7jv6amk4cxqlnvuxv26hv3e48cds4m0ew'
  currency: BTC
  abuse: ransomware
`
	imp, err := ReadTagPack(strings.NewReader(pack), Options{Name: "t.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	want := `[t.yaml:12: tag has no address` +
		` t.yaml:13: category "casino", abuse "": no Hound category` +
		` t.yaml:15: confidence "certain": want a GraphSense level (ownership, ledger_immanent, override, manual_transaction, service_api, authority_data, service_data, forensic, trusted_provider, untrusted_transaction, web_crawl, heuristic, unknown) or a number 0-100` +
		` t.yaml:17: address is not a single value]`
	if fmt.Sprint(imp.Problems) != want || len(imp.Labels) != 3 {
		t.Errorf("%d labels, problems\n%v\nwant\n%s", len(imp.Labels), imp.Problems, want)
	}
	if imp.Labels[1].Confidence.String() != "70" || imp.Labels[2].Category != Ransomware || imp.Labels[2].Chain != chains.Bitcoin {
		t.Errorf("labels %+v", imp.Labels)
	}
	for _, bad := range []string{"tags: 3", "- a\n- b", "title: x\n"} {
		if _, err := ReadTagPack(strings.NewReader(bad), Options{Name: "t.yaml"}); err == nil {
			t.Errorf("%q read as a TagPack", bad)
		}
	}
}

func TestWriteTagPackRoundTrip(t *testing.T) {
	set := sampleSet(t)
	var buf bytes.Buffer
	if err := WriteTagPack(&buf, set.Labels(), TagPackHeader{LastMod: mustDate(t, "2025-01-31")}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "title: Hound labels\ncreator: Hound\nlastmod: \"2025-01-31\"\ntags:\n  - address: '0x") {
		t.Errorf("pack starts\n%s", buf.String()[:200])
	}
	// With or without the ActorPack, the context restores every field.
	for _, actors := range []*ActorPack{nil, graphsenseActors(t)} {
		imp, err := ReadTagPack(bytes.NewReader(buf.Bytes()), Options{Strict: true, Actors: actors})
		if err != nil {
			t.Fatal(err)
		}
		assertSameSet(t, imp.Labels, set.Labels())
	}
}
