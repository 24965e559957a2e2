package labels

import (
	"bytes"
	"cmp"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/houndtrace/hound/chains"
)

// testdata returns a file of labels/testdata (excerpts of the real data).
func testdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkImport checks what every import must satisfy, whatever the input:
// the labels are normalized (normalizing again changes nothing), every
// problem names its input, and a strict import stops at its first problem.
func checkImport(t *testing.T, imp *Import, err error, strict bool) {
	t.Helper()
	if imp == nil {
		if err == nil {
			t.Fatal("no import and no error")
		}
		return
	}
	for _, l := range imp.Labels {
		again := l
		if e := again.Normalize(); e != nil || again != l {
			t.Fatalf("label %+v does not normalize to itself: %v", l, e)
		}
	}
	for _, p := range imp.Problems {
		if p.File == "" || p.Err == nil || !strings.HasPrefix(p.Error(), p.File) {
			t.Fatalf("problem %#v", p)
		}
	}
	if strict && len(imp.Problems) > 1 {
		t.Fatalf("strict import with %d problems", len(imp.Problems))
	}
	if strict && len(imp.Problems) == 1 && err == nil {
		t.Fatal("strict import with a problem and no error")
	}
}

func FuzzImportOFAC(f *testing.F) {
	f.Add(testdata(f, "sdn_excerpt.csv"), testdata(f, "sdn_comments_excerpt.csv"), false)
	f.Add(testdata(f, "sdn_excerpt.csv"), []byte{}, true)
	f.Add([]byte(`1,"X",-0- ,"DPRK",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"Digital Currency Address - XBT"`+"\r\n"), []byte(`1,"; Digital Currency Address - ETH 0x0"`), false)
	f.Fuzz(func(t *testing.T, sdn, comments []byte, strict bool) {
		files := OFACFiles{SDN: bytes.NewReader(sdn), SDNName: "sdn", Comments: bytes.NewReader(comments), CommentsName: "comments"}
		imp, err := ReadOFAC(files, Options{Strict: strict})
		checkImport(t, imp, err, strict)
		imp, err = ReadOFAC(OFACFiles{Comments: bytes.NewReader(comments)}, Options{Strict: strict})
		checkImport(t, imp, err, strict)
	})
}

func FuzzImportTagPack(f *testing.F) {
	f.Add(testdata(f, "lazarus_excerpt.yaml"), false)
	f.Add(testdata(f, "ronin_bridge.yaml"), true)
	f.Add([]byte("tags:\n- address: x\n  currency: LTC\n  context: '{\"hound\":{\"category\":\"theft\",\"first_seen\":\"2020-01-02\"}}'\n"), false)
	f.Add([]byte("tags: &a [*a]\n"), false)
	f.Fuzz(func(t *testing.T, pack []byte, strict bool) {
		imp, err := ReadTagPack(bytes.NewReader(pack), Options{Strict: strict, Name: "pack"})
		checkImport(t, imp, err, strict)
	})
}

func FuzzImportCSV(f *testing.F) {
	f.Add(testdata(f, "dprk_excerpt.csv"), false)
	f.Add(testdata(f, "ofac_sanction_list_excerpt.csv"), true)
	f.Add([]byte("chain,address,category,entity,actor,group,campaign,source,confidence\nXBT,3F2sZ4jbhvDKQdGbHYPC6ZxFXEau2m5Lqj,theft,,,,,,85\n"), false)
	f.Add([]byte("\ufeffchain,address,service,kind,evidence\nETH,0xD37BbE5744D730a1d98d8DC97c42F0Ca46aD7146,r,bridge_router,\"single source\"\n"), false)
	f.Fuzz(func(t *testing.T, in []byte, strict bool) {
		imp, err := ReadCSV(bytes.NewReader(in), Options{Strict: strict})
		checkImport(t, imp, err, strict)
	})
}

// FuzzImportJSON also checks that whatever ReadJSON accepts, WriteJSON
// writes back so that ReadJSON gives the same labels.
func FuzzImportJSON(f *testing.F) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, Builtin().Labels()[:20]); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes(), false)
	f.Add([]byte(`[{"network":"LTC","address":"LWnbjLYUfqeokfbWM4FcU7uk2FP2DSxuWS","category":"sanctioned","confidence":60,"first_seen":"2020-09-10"}]`), true)
	f.Add([]byte(`{"labels":[{"chain":"bitcoin","address":"BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4","category":"mixer","last_seen":"2021-01-01"}],"schema":"hound.labels/v1"}`), false)
	f.Fuzz(func(t *testing.T, in []byte, strict bool) {
		imp, err := ReadJSON(bytes.NewReader(in), Options{Strict: strict})
		checkImport(t, imp, err, strict)
		if imp == nil || len(imp.Labels) == 0 {
			return
		}
		var out bytes.Buffer
		if err := WriteJSON(&out, imp.Labels); err != nil {
			t.Fatal(err)
		}
		back, err := ReadJSON(&out, Options{Strict: true})
		if err != nil {
			t.Fatalf("written labels do not read back: %v\n%s", err, out.Bytes())
		}
		if len(back.Labels) != len(imp.Labels) {
			t.Fatalf("%d labels read back, want %d", len(back.Labels), len(imp.Labels))
		}
		for i := range back.Labels {
			if back.Labels[i] != imp.Labels[i] {
				t.Fatalf("label %d\n got %+v\nwant %+v", i, back.Labels[i], imp.Labels[i])
			}
		}
	})
}

func FuzzImportEtherscan(f *testing.F) {
	f.Add(testdata(f, "etherscan_excerpt.json"), "ethereum", false)
	f.Add([]byte(`{"0x3ee18b2214aff97000d974cf647e7c347e8fa585": {"name": "Wormhole: Portal Token Bridge", "labels": ["bridge"]}}`), "BSC", true)
	f.Add([]byte(`{"genesis": {"name": "Polygon: Deployer", "labels": ["contract-deployer"]}, "": 3}`), "MATIC", false)
	f.Fuzz(func(t *testing.T, in []byte, network string, strict bool) {
		imp, err := ReadEtherscan(bytes.NewReader(in), network, Options{Strict: strict})
		checkImport(t, imp, err, strict)
	})
}

func FuzzImportList(f *testing.F) {
	f.Add(testdata(f, "usdt_excerpt.json"), "USDT")
	f.Add(testdata(f, "bybit_excerpt.txt"), "ethereum")
	f.Add([]byte("# c\n\n134r8iHv69xdT6p5qVKTsHrcUEuBVZAYak\n 0xzz \n"), "XBT")
	f.Fuzz(func(t *testing.T, in []byte, network string) {
		imp, err := ReadList(bytes.NewReader(in), Label{Network: network, Category: Sanctioned}, Options{})
		checkImport(t, imp, err, false)
	})
}

// FuzzValidateAddress checks the address rules on any input: a canonical
// address parses to itself, and placing an address never panics.
func FuzzValidateAddress(f *testing.F) {
	for _, s := range []string{
		"0x098B716B8Aaf21512996dC57EB0615e2383E2f96", "0xa7e5d5a720f06526557c513402f2e6b5fa20b00",
		"134r8iHv69xdT6p5qVKTsHrcUEuBVZAYak", "3F2sZ4jbhvDKQdGbHYPC6ZxFXEau2m5Lqj",
		"bc1qq7p0es3dv5hcynjjf40f2xjjr6qp5py47d2f6n847vduuq9gvnyq7y9ecd", "BC1SW50QGDZ25J",
		"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd", "bcrt1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq",
		"LWnbjLYUfqeokfbWM4FcU7uk2FP2DSxuWS", "TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq", "qpf2cphc5dkuclkqur7lhj2yuqq9pk3hmukle77vhq",
	} {
		f.Add(s, "USDT")
	}
	f.Add("5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320", "XMR")
	f.Fuzz(func(t *testing.T, s, network string) {
		for _, c := range chains.Known {
			a, err := ParseAddress(c, s)
			if err != nil {
				continue
			}
			if again, err := ParseAddress(c, string(a)); err != nil || again != a {
				t.Fatalf("%s %q: canonical %q parses to %q, %v", c, s, a, again, err)
			}
		}
		if b, err := chains.ParseBitcoinAddress(s); err == nil && (b.Type == "" || b.Network == "") {
			t.Fatalf("%q: %+v", s, b)
		}
		if c, n, a, err := resolve(network, s); err == nil {
			if c2, n2, a2, err := resolve(cmp.Or(n, string(c)), string(a)); err != nil || c2 != c || n2 != n || a2 != a {
				t.Fatalf("%s %q: placed at %s/%s/%s, then %s/%s/%s, %v", network, s, c, n, a, c2, n2, a2, err)
			}
		}
	})
}

// TestExcerpts reads the testdata excerpts, so that the importers are
// checked on real rows even without ../shared/data.
func TestExcerpts(t *testing.T) {
	imp, err := ReadOFAC(OFACFiles{SDN: bytes.NewReader(testdata(t, "sdn_excerpt.csv")), SDNName: "sdn_excerpt.csv",
		Comments: bytes.NewReader(testdata(t, "sdn_comments_excerpt.csv"))}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	lazarus := count(imp.Labels, func(l Label) string { return l.Group })
	if lazarus["Lazarus Group"] != 20 || len(imp.Problems) != 1 {
		t.Errorf("OFAC excerpt: groups %v, problems %v", lazarus, imp.Problems)
	}
	tp, err := ReadTagPack(bytes.NewReader(testdata(t, "lazarus_excerpt.yaml")), Options{Strict: true})
	if err != nil || len(tp.Labels) != 5 || tp.Labels[4].Chain != chains.Ethereum || tp.Labels[4].Group != "Lazarus Group" {
		t.Errorf("TagPack excerpt: %v, %+v", err, tp)
	}
	es, err := ReadEtherscan(bytes.NewReader(testdata(t, "etherscan_excerpt.json")), "ethereum", Options{})
	if err != nil || len(es.Labels) != 6 || es.Skipped != 2 || len(es.Problems) != 1 {
		t.Errorf("Etherscan excerpt: %v, %d labels, %d skipped, problems %v", err, len(es.Labels), es.Skipped, es.Problems)
	}
	dp, err := ReadCSV(bytes.NewReader(testdata(t, "dprk_excerpt.csv")), Options{Strict: true})
	if err != nil || len(dp.Labels) != 7 || dp.Skipped != 1 {
		t.Errorf("DPRK excerpt: %v, %d labels, %d skipped", err, len(dp.Labels), dp.Skipped)
	}
	ls, err := ReadList(bytes.NewReader(testdata(t, "usdt_excerpt.json")), Label{Network: "USDT", Category: Sanctioned}, Options{Strict: true})
	if err != nil || len(ls.Labels) != 6 || ls.Labels[5].Traced() || !ls.Labels[0].Traced() {
		t.Errorf("USDT excerpt: %v, %+v", err, ls)
	}
}
