package labels

import (
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/houndtrace/hound/chains"
)

// sampleSet is the built-in set plus labels of the kinds it lacks: every
// category, bare scores, last-seen dates, tokens and untraced networks.
func sampleSet(t testing.TB) *Set {
	t.Helper()
	extra := []Label{
		{Chain: chains.Ethereum, Address: "0x0000000000000000000000000000000000000001", Category: Ransomware, Entity: "a \"quoted\", name", Confidence: mustScore(t, 75), FirstSeen: mustDate(t, "2021-01-02"), LastSeen: mustDate(t, "2021-03-04")},
		{Chain: chains.Ethereum, Address: "0x0000000000000000000000000000000000000002", Category: Scam, Entity: "Fake_Phishing1", Campaign: "c, with comma"},
		{Chain: chains.Ethereum, Address: "0x0000000000000000000000000000000000000003", Category: OTC, Entity: "Genesis Trading: OTC Desk", Confidence: mustScore(t, 0)},
		{Chain: chains.Ethereum, Address: "0x0000000000000000000000000000000000000004", Category: DEX, Entity: "Uniswap V2: Router 2", Source: "line one\nline two"},
		{Network: "USDT", Address: "0x983a81ca6FB1e441266D2FbcB7D8E530AC2E05A2", Category: Service, Actor: "Someone", Confidence: mustLevel("unknown")},
		{Network: "XMR", Address: "5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320", Category: Sanctioned, Entity: "KARASAVIDI, Dmitrii", Source: "OFAC SDN list, ent_num 29585 (CYBER2)", Confidence: AuthorityData},
	}
	s, err := NewSet(append(append([]Label(nil), Builtin().Labels()...), extra...))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustScore(t testing.TB, n int) Confidence {
	t.Helper()
	c, err := ConfidenceScore(n)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// assertSameSet checks that two lists of labels make the same set.
func assertSameSet(t *testing.T, got, want []Label) {
	t.Helper()
	g, err := NewSet(got)
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewSet(want)
	if err != nil {
		t.Fatal(err)
	}
	gl, wl := g.Labels(), w.Labels()
	if len(gl) != len(wl) {
		t.Fatalf("%d labels, want %d", len(gl), len(wl))
	}
	for i := range gl {
		if gl[i] != wl[i] {
			t.Fatalf("label %d\n got %+v\nwant %+v", i, gl[i], wl[i])
		}
	}
}

func TestSetLookup(t *testing.T) {
	const addr = "0x098b716b8aaf21512996dc57eb0615e2383e2f96"
	src := []Label{
		{Chain: chains.Ethereum, Address: addr, Category: Exchange, Entity: "e", Confidence: AuthorityData},
		{Chain: chains.Ethereum, Address: "0x098B716B8Aaf21512996dC57EB0615e2383E2f96", Category: Theft, Entity: "t", Confidence: AuthorityData, Source: "b"},
		{Chain: chains.Ethereum, Address: addr, Category: Theft, Entity: "t", Confidence: AuthorityData, Source: "a"},
		{Chain: chains.Ethereum, Address: addr, Category: Mixer, Entity: "m", Confidence: WebCrawl},
		{Chain: chains.Ethereum, Address: addr, Category: Service, Entity: "s", Confidence: mustScore(t, 90)},
		{Chain: chains.Ethereum, Address: addr, Category: Theft, Entity: "t", Confidence: AuthorityData, Source: "a"}, // duplicate
		{Network: "ETC", Address: addr, Category: Sanctioned},                                                         // untraced: not looked up
		{Chain: chains.Bitcoin, Address: "3F2sZ4jbhvDKQdGbHYPC6ZxFXEau2m5Lqj", Category: Sanctioned},
	}
	s, err := NewSet(src)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range s.Lookup(chains.Ethereum, addr) {
		got = append(got, fmt.Sprintf("%s/%s/%s", l.Confidence, l.Category, l.Source))
	}
	// Best first: confidence, then category severity, then source.
	want := "[90/service/ authority_data/theft/a authority_data/theft/b authority_data/exchange/ web_crawl/mixer/]"
	if fmt.Sprint(got) != want {
		t.Errorf("Lookup\n got %v\nwant %s", got, want)
	}
	if n := len(s.Lookup(chains.Bitcoin, "3F2sZ4jbhvDKQdGbHYPC6ZxFXEau2m5Lqj")); n != 1 {
		t.Errorf("bitcoin lookup: %d labels", n)
	}
	if s.Lookup(chains.Bitcoin, addr) != nil || s.Lookup("solana", addr) != nil || s.Lookup(chains.Ethereum, "0x00") != nil {
		t.Error("lookups of absent addresses found labels")
	}
	if s.Len() != 7 {
		t.Errorf("Len %d, want 7 (one duplicate dropped)", s.Len())
	}
	st := s.Stats()
	if st.Labels != 7 || st.Addresses != 3 || st.Traced != 6 || st.Untraced != 1 || st.ByNetwork["ETC"] != 1 ||
		st.ByChain[chains.Ethereum] != 5 || st.ByCategory[Theft] != 2 || st.BySource["a"] != 1 || st.BySource[""] != 5 {
		t.Errorf("stats %+v", st)
	}
	if _, err := NewSet([]Label{{Chain: chains.Ethereum, Address: "0x1", Category: Theft}}); err == nil {
		t.Error("NewSet took a bad address")
	}
}

// TestSetConcurrentReaders looks up from many goroutines at once; run with
// -race.
func TestSetConcurrentReaders(t *testing.T) {
	s := Builtin()
	ls := s.Labels()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < len(ls); i += 8 {
				if ls[i].Traced() && len(s.Lookup(ls[i].Chain, ls[i].Address)) == 0 {
					t.Errorf("label %d not found", i)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestSourceOrigin(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://home.treasury.gov/policy-issues/financial-sanctions/recent-actions/20220414", "home.treasury.gov"},
		{"https://www.fbi.gov/news/press-releases/x", "fbi.gov"},
		{"OFAC SDN list, ent_num 28263 (DPRK3, CYBER2)", "OFAC SDN list"},
		{"FBI PSA I-022625-PSA 2025-02-26: North Korea; address list: x", "FBI PSA I-022625-PSA 2025-02-26"},
		{"Etherscan labels (etherscan_combinedAllLabels.json)", "Etherscan labels"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := sourceOrigin(tt.in); got != tt.want {
			t.Errorf("sourceOrigin(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// lookupBench is the million-label set of BenchmarkLookup, built once.
var lookupBench = sync.OnceValues(func() (*benchSet, error) {
	const n = 1 << 20
	queries := make([]chains.Address, 1<<16)
	sources := []string{"OFAC SDN list", "Etherscan labels", "FBI"}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	// The address strings are counted: the set keeps them.
	addrs := make([]chains.Address, n/2+n/4)
	for i := range addrs {
		addrs[i] = chains.Address(fmt.Sprintf("0x%040x", uint64(i)*0x9e3779b97f4a7c15))
	}
	ls := make([]Label, 0, n)
	for i := 0; len(ls) < n; i++ {
		ls = append(ls, Label{Chain: chains.Ethereum, Address: addrs[i%len(addrs)], Category: Categories()[i%10],
			Entity: fmt.Sprintf("entity %d", i%5000), Source: sources[i%3], Confidence: AuthorityData})
	}
	s, err := NewSet(ls)
	if err != nil {
		return nil, err
	}
	for i := range queries {
		if i%4 == 3 {
			queries[i] = chains.Address(fmt.Sprintf("0x%040x", i)) // absent
		} else {
			queries[i] = addrs[(i*7919)%len(addrs)]
		}
	}
	runtime.GC() // ls and addrs are dead: only the set and the queries remain
	runtime.ReadMemStats(&after)
	return &benchSet{set: s, queries: queries, perLabel: float64(after.HeapAlloc-before.HeapAlloc) / n}, nil
})

type benchSet struct {
	set      *Set
	queries  []chains.Address
	perLabel float64 // heap bytes the set holds per label, addresses included
}

// BenchmarkLookup looks up addresses in a set of a million Ethereum labels
// (786,432 addresses; a quarter of the lookups miss) and reports lookups per
// second and the heap the set takes per label.
func BenchmarkLookup(b *testing.B) {
	bs, err := lookupBench()
	if err != nil {
		b.Fatal(err)
	}
	found := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		found += len(bs.set.Lookup(chains.Ethereum, bs.queries[i&(len(bs.queries)-1)]))
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
	b.ReportMetric(bs.perLabel, "bytes/label")
	if found == 0 {
		b.Fatal("nothing found")
	}
}
