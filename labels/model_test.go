package labels

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/houndtrace/hound/chains"
)

func TestCategory(t *testing.T) {
	for _, c := range Categories() {
		got, err := ParseCategory(strings.ToUpper(c.String()))
		if err != nil || got != c {
			t.Errorf("ParseCategory(%q) = %v, %v", c, got, err)
		}
	}
	if len(Categories()) != 10 {
		t.Errorf("%d categories, want the 10 of DESIGN.md", len(Categories()))
	}
	if _, err := ParseCategory("coinjoin"); err == nil || !strings.Contains(err.Error(), "theft, sanctioned") {
		t.Errorf("ParseCategory(coinjoin) = %v, want an error listing the categories", err)
	}
	if Category(0).Valid() || Category(11).Valid() {
		t.Error("out-of-range categories are valid")
	}
}

func TestConfidence(t *testing.T) {
	tests := []struct {
		in     string // what a source writes
		score  int    // its score
		level  string // Level()
		str    string // String()
		bad    bool   // ParseConfidence fails
		isZero bool
	}{
		{in: "authority_data", score: 60, level: "authority_data", str: "authority_data"},
		{in: "Service_Data", score: 50, level: "service_data", str: "service_data"},
		{in: "ledger_immanent", score: 100, level: "ledger_immanent", str: "ledger_immanent"},
		{in: "web_crawl", score: 20, level: "web_crawl", str: "web_crawl"},
		{in: "forensic", score: 50, level: "forensic", str: "forensic"},
		{in: "75", score: 75, level: "service_api", str: "75"},
		{in: "100", score: 100, level: "ownership", str: "100"},
		{in: "0", score: 0, level: "unknown", str: "0"},
		{in: "", isZero: true},
		{in: "101", bad: true},
		{in: "-1", bad: true},
		{in: "very_sure", bad: true},
	}
	for _, tt := range tests {
		c, err := ParseConfidence(tt.in)
		if (err != nil) != tt.bad {
			t.Errorf("ParseConfidence(%q): %v", tt.in, err)
			continue
		}
		if tt.bad {
			continue
		}
		if c.Score() != tt.score || c.Level() != tt.level || c.String() != tt.str || c.IsZero() != tt.isZero {
			t.Errorf("ParseConfidence(%q) = score %d level %q string %q zero %v", tt.in, c.Score(), c.Level(), c.String(), c.IsZero())
		}
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		var back Confidence
		if err := json.Unmarshal(b, &back); err != nil || back != c {
			t.Errorf("%q: JSON %s reads back as %v, %v", tt.in, b, back, err)
		}
	}
}

func TestDate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2022-04-14", "2022-04-14"},
		{"2023-08-16 12:18:52.619444", "2023-08-16"}, // a TagPack lastmod
		{"2025-02-21T14:13:35Z", "2025-02-21"},
		{"2025-02-21T23:13:35-05:00", "2025-02-22"}, // the UTC day
		{"", ""},
	}
	for _, tt := range tests {
		d, err := ParseDate(tt.in)
		if err != nil || d.String() != tt.want {
			t.Errorf("ParseDate(%q) = %q, %v; want %q", tt.in, d, err, tt.want)
		}
	}
	for _, bad := range []string{"2022-13-01", "14/04/2022", "yesterday"} {
		if _, err := ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) succeeded", bad)
		}
	}
}

// TestNormalize checks where labels are placed: chains, asset codes,
// tokens by address format, and untraced networks kept.
func TestNormalize(t *testing.T) {
	const ronin = "0x098b716b8aaf21512996dc57eb0615e2383e2f96"
	tests := []struct {
		name    string
		in      Label
		chain   chains.Chain
		network string
		addr    string
		bad     string // substring of the error
	}{
		{name: "chain name", in: Label{Network: "Ethereum", Address: "0x098B716B8Aaf21512996dC57EB0615e2383E2f96"}, chain: chains.Ethereum, addr: ronin},
		{name: "ETH is ethereum", in: Label{Network: "eth", Address: ronin}, chain: chains.Ethereum, addr: ronin},
		{name: "XBT is bitcoin", in: Label{Network: "XBT", Address: "1AjZPMsnmpdK2Rv9KQNfMurTXinscVro9V"}, chain: chains.Bitcoin, addr: "1AjZPMsnmpdK2Rv9KQNfMurTXinscVro9V"},
		{name: "chain and its own code", in: Label{Chain: chains.Bitcoin, Network: "BTC", Address: "1AjZPMsnmpdK2Rv9KQNfMurTXinscVro9V"}, chain: chains.Bitcoin, addr: "1AjZPMsnmpdK2Rv9KQNfMurTXinscVro9V"},
		{name: "USDT on ethereum", in: Label{Network: "USDT", Address: "0x983a81ca6FB1e441266D2FbcB7D8E530AC2E05A2"}, chain: chains.Ethereum, network: "USDT", addr: "0x983a81ca6fb1e441266d2fbcb7d8e530ac2e05a2"},
		{name: "USDT on omni", in: Label{Network: "USDT", Address: "3E6ZCKRrsdPc35chA9Eftp1h3DLW18NFNV"}, chain: chains.Bitcoin, network: "USDT", addr: "3E6ZCKRrsdPc35chA9Eftp1h3DLW18NFNV"},
		{name: "USDT on tron is kept untraced", in: Label{Network: "USDT", Address: "TEAqwfMhXLaomXhZ8KeMhx3njGmQEDnsUR"}, network: "USDT", addr: "TEAqwfMhXLaomXhZ8KeMhx3njGmQEDnsUR"},
		{name: "LTC untraced", in: Label{Network: "LTC", Address: "LWnbjLYUfqeokfbWM4FcU7uk2FP2DSxuWS"}, network: "LTC", addr: "LWnbjLYUfqeokfbWM4FcU7uk2FP2DSxuWS"},
		{name: "XMR untraced", in: Label{Network: "XMR", Address: "5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320"}, network: "XMR", addr: "5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320"},
		{name: "EVM-form untraced lowercased", in: Label{Network: "ETC", Address: "0xD882cfc20f52f2599d84b8e8d58c7fb62cfe344b"}, network: "ETC", addr: "0xd882cfc20f52f2599d84b8e8d58c7fb62cfe344b"},
		{name: "bech32 uppercase lowercased", in: Label{Chain: chains.Bitcoin, Address: "BC1QS604C7JV6AMK4CXQLNVUXV26HV3E48CDS4M0EW"}, chain: chains.Bitcoin, addr: "bc1qs604c7jv6amk4cxqlnvuxv26hv3e48cds4m0ew"},
		{name: "bad EIP-55", in: Label{Network: "ETH", Address: "0x098B716B8Aaf21512996dC57EB0615e2383E2F96"}, bad: "EIP-55"},
		{name: "OFAC's 39-digit address", in: Label{Network: "ETH", Address: "0xa7e5d5a720f06526557c513402f2e6b5fa20b00"}, bad: "40 hex digits"},
		{name: "LTC is no bitcoin", in: Label{Chain: chains.Bitcoin, Address: "LWnbjLYUfqeokfbWM4FcU7uk2FP2DSxuWS"}, bad: "version byte 0x30"},
		{name: "token of another chain", in: Label{Chain: chains.Bitcoin, Network: "LTC", Address: "LWnbjLYUfqeokfbWM4FcU7uk2FP2DSxuWS"}, bad: "not on chain bitcoin"},
		{name: "unknown chain", in: Label{Chain: "solana", Address: "x"}, bad: "unknown chain"},
		{name: "no place", in: Label{Address: ronin}, bad: "no chain or network"},
		{name: "junk network", in: Label{Network: "e t h", Address: ronin}, bad: "want a chain name or an asset code"},
		{name: "junk untraced address", in: Label{Network: "LTC", Address: "L1 (note)"}, bad: "unexpected character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := tt.in
			l.Category = Sanctioned
			err := l.Normalize()
			if tt.bad != "" {
				if err == nil || !strings.Contains(err.Error(), tt.bad) {
					t.Fatalf("Normalize = %v, want an error with %q", err, tt.bad)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if l.Chain != tt.chain || l.Network != tt.network || string(l.Address) != tt.addr || l.Traced() != (tt.chain != "") {
				t.Fatalf("got %s/%s/%s, want %s/%s/%s", l.Chain, l.Network, l.Address, tt.chain, tt.network, tt.addr)
			}
			again := l
			if err := again.Normalize(); err != nil || again != l {
				t.Fatalf("Normalize is not idempotent: %v, %+v", err, again)
			}
		})
	}
	l := Label{Chain: chains.Ethereum, Address: ronin}
	if err := l.Normalize(); err == nil || !strings.Contains(err.Error(), "no category") {
		t.Errorf("a label without category normalizes: %v", err)
	}
	l = Label{Chain: chains.Ethereum, Address: ronin, Category: Theft, FirstSeen: mustDate(t, "2022-04-14"), LastSeen: mustDate(t, "2022-03-23")}
	if err := l.Normalize(); err == nil || !strings.Contains(err.Error(), "before first seen") {
		t.Errorf("last seen before first seen normalizes: %v", err)
	}
}

func mustDate(t testing.TB, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
