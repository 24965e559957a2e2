package trace_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/metrics"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/store"
	"github.com/houndtrace/hound/trace"
)

// BenchmarkTrace measures the forward walk on a synthetic Ethereum-like
// graph of 500,000 transfers (1,000,000 flow keys) in a real on-disk
// store, built once per test process in a temp dir that TestMain removes:
//
//	go test -run '^$' -bench Trace -benchtime 3x ./trace
//
// (building the store takes some seconds and is not timed).
//
// The graph is shaped like laundering. A theft pays the seed 100,000 ETH;
// the seed fans out over six layers of addresses (4, 32, 256, 2,048, 8,192
// and 20,000 of them), each address paid by two addresses of the layer
// before it (paths merge) and by one clean funder (clean money mixes in),
// some before the stolen money arrives and some after; the last layer cashes
// out to deposit addresses, one hop past the bound. Around it runs a long
// tail of unrelated traffic among 150,000 addresses and a few busy hot
// wallets, which never receives stolen money within six hops. A 6-hop
// trace from the seed reads about a fifth of the flows.
//
// Sub-benchmarks:
//   - haircut, fifo: trace.Trace from the seed with Hops 6; flows/s is
//     Result.Visited over the time of the trace, peak-MB the largest heap
//     growth sampled during it (every millisecond, runtime/metrics),
//     result-MB what the Result keeps after a GC, and ahead/op how many of
//     the nodes it followed a second goroutine had read ahead (the store
//     is a trace.Concurrent graph).
//   - haircut-walk, fifo-walk: the same traces over the same flows served
//     from memory (each node's read from the store once, before the
//     timing, and served on the walk's goroutine): what the walk costs
//     beside the reading.
//   - read: the nodes the haircut trace follows read in its order through
//     store.FlowReader, as the trace's reader reads them, without a walk:
//     what reading and decoding the flows costs.
//   - raw-scan: the store closed, the same directory opened with bare
//     Badger and the 'F' prefix of every node the haircut trace visited
//     scanned in the order the trace reached them, reading every value: the
//     floor the walk is compared with (x-haircut, x-fifo: how many times
//     faster the raw scan is than the trace measured before it; x-...-walk
//     than the walk alone, x-read than the reading alone). The raw scan
//     runs on one goroutine; a trace on the store uses two (the walk, and
//     the reader ahead of it).
func BenchmarkTrace(b *testing.B) {
	env := benchSetup(b)
	b.Logf("store: %d transfers, %d flow keys, %.0f MB on disk, built in %.1fs; haircut visits %d nodes, %d flows (%.1f%%)",
		env.transfers, env.flowKeys, float64(env.size)/1e6, env.build.Seconds(), len(env.nodes), env.visited,
		100*float64(env.visited)/float64(env.flowKeys))
	s, err := store.Open(env.dir, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	rates := map[string]float64{}
	mem := &memoryGraph{Graph: s, flows: map[chains.Node][]chains.Flow{}}
	for _, run := range []struct {
		name string
		m    trace.Model
		g    trace.Graph
	}{{"haircut", trace.Haircut, s}, {"fifo", trace.FIFO, s}, {"haircut-walk", trace.Haircut, mem}, {"fifo-walk", trace.FIFO, mem}} {
		m, g := run.m, run.g
		if g == mem { // read the flows into memory
			if _, err := trace.Trace(context.Background(), g, nil, []chains.Node{env.seed}, trace.Options{Model: m, Hops: 6}); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(run.name, func(b *testing.B) {
			var flows, ahead int
			var took time.Duration
			var peak, kept uint64
			for range b.N {
				var res *trace.Result
				p, d := heapPeak(b, func() {
					var err error
					res, err = trace.Trace(context.Background(), g, nil, []chains.Node{env.seed}, trace.Options{Model: m, Hops: 6})
					if err != nil {
						b.Fatal(err)
					}
				})
				b.StopTimer()
				flows += res.Visited
				ahead += res.ReadAhead
				took += d
				peak = max(peak, p)
				kept = max(kept, retained(func() any { return res }))
				b.StartTimer()
			}
			rates[run.name] = float64(flows) / took.Seconds()
			b.ReportMetric(rates[run.name], "flows/s")
			b.ReportMetric(float64(peak)/1e6, "peak-MB")
			b.ReportMetric(float64(kept)/1e6, "result-MB")
			b.ReportMetric(float64(env.size)/1e6, "store-MB")
			b.ReportMetric(float64(flows/b.N), "flows/op")
			b.ReportMetric(float64(ahead/b.N), "ahead/op")
		})
	}
	b.Run("read", func(b *testing.B) {
		var flows int
		for range b.N {
			read, end := s.FlowReader()
			for _, n := range env.nodes {
				var fs []chains.Flow
				if err := read(context.Background(), n, func(f chains.Flow) error {
					fs = append(fs, f)
					return nil
				}); err != nil {
					b.Fatal(err)
				}
				flows += len(fs)
			}
			end()
		}
		rates["read"] = float64(flows) / b.Elapsed().Seconds()
		b.ReportMetric(rates["read"], "flows/s")
	})
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	b.Run("raw-scan", func(b *testing.B) {
		db, err := badger.Open(badger.DefaultOptions(env.dir).WithLogger(nil))
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		prefixes := make([][]byte, len(env.nodes))
		for i, n := range env.nodes {
			prefixes[i] = flowPrefix(n)
		}
		var flows int
		var took time.Duration
		for range b.N {
			b.StopTimer()
			runtime.GC()
			b.StartTimer()
			start := time.Now()
			var n, bytes int
			err := db.View(func(txn *badger.Txn) error {
				for _, p := range prefixes {
					it := txn.NewIterator(badger.IteratorOptions{Prefix: p})
					for it.Seek(p); it.ValidForPrefix(p); it.Next() {
						if err := it.Item().Value(func(v []byte) error {
							bytes += len(v)
							return nil
						}); err != nil {
							it.Close()
							return err
						}
						n++
					}
					it.Close()
				}
				return nil
			})
			took += time.Since(start)
			if err != nil {
				b.Fatal(err)
			}
			if n != env.visited || bytes == 0 {
				b.Fatalf("raw scan read %d flows (%d value bytes), the trace visited %d", n, bytes, env.visited)
			}
			flows += n
		}
		raw := float64(flows) / took.Seconds()
		b.ReportMetric(raw, "flows/s")
		for _, m := range []string{"haircut", "fifo", "haircut-walk", "fifo-walk", "read"} {
			if r := rates[m]; r > 0 {
				b.ReportMetric(raw/r, "x-"+m)
			}
		}
	})
}

// BenchmarkResume measures a case's rerun on BenchmarkTrace's store: the
// 6-hop haircut walk saved when the store held 1,600 (or 1,900) of its
// 2,000 blocks, continued over the 400 (100) blocks synced since, against
// a fresh resumable trace of all of them (what a rerun did before it could
// continue):
//
//	go test -run '^$' -bench Resume -benchtime 3x ./trace
//
// The blocks after 1,600 hold the last layer's cash-out, which the 6-hop
// bound leaves out: the frontier's nodes step their new flows and pass
// nothing on. Those after 1,750 are unrelated traffic. x-fresh is how many
// times faster the continued walk is; each sub-benchmark first checks that
// its result equals the fresh trace's.
func BenchmarkResume(b *testing.B) {
	env := benchSetup(b)
	s, err := store.Open(env.dir, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	opts := benchOptions
	opts.Resumable = true
	seeds := []chains.Node{env.seed}
	var fresh float64 // seconds a fresh trace takes
	var want string
	b.Run("fresh", func(b *testing.B) {
		var took time.Duration
		for range b.N {
			start := time.Now()
			res, err := trace.Trace(ctx, s, nil, seeds, opts)
			if err != nil {
				b.Fatal(err)
			}
			took += time.Since(start)
			b.StopTimer()
			want = digest(res)
			b.StartTimer()
		}
		fresh = took.Seconds() / float64(b.N)
	})
	for _, at := range benchWalksAt {
		b.Run(fmt.Sprintf("from-%d", at), func(b *testing.B) {
			walk := env.walks[at]
			b.ReportMetric(float64(len(walk))/1e6, "walk-MB")
			var took time.Duration
			for range b.N {
				start := time.Now()
				res, err := trace.Resume(ctx, s, nil, seeds, opts, walk)
				if err != nil {
					b.Fatal(err)
				}
				took += time.Since(start)
				b.StopTimer()
				if want != "" && digest(res) != want {
					b.Fatal("the continued walk differs from a fresh trace")
				}
				b.StartTimer()
			}
			if fresh > 0 {
				b.ReportMetric(fresh/(took.Seconds()/float64(b.N)), "x-fresh")
			}
		})
	}
}

// flowPrefix is the prefix of every 'F' key of an Ethereum account node
// with the native asset, per store/keys.go: 'F', the chain code (1), the
// address as a length byte and its 20 raw bytes, the asset as a length
// byte (0: native).
func flowPrefix(n chains.Node) []byte {
	raw, err := hex.DecodeString(string(n.Address[2:]))
	if err != nil || len(raw) != 20 || n.Asset != chains.Native || n.Chain != chains.Ethereum {
		panic(fmt.Sprintf("flowPrefix %v", n))
	}
	p := []byte{'F', chains.Ethereum.Code(), 20}
	return append(append(p, raw...), 0)
}

// heapPeak runs f and returns the largest growth of the heap's objects
// (live and not yet swept) seen while it ran, sampled every millisecond,
// and f's duration. Only f runs with b's timer on.
func heapPeak(b *testing.B, f func()) (uint64, time.Duration) {
	b.StopTimer()
	runtime.GC()
	base := heapObjects()
	stop, done := make(chan struct{}), make(chan uint64)
	go func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		peak := base
		for {
			select {
			case <-stop:
				done <- max(peak, heapObjects())
				return
			case <-t.C:
				peak = max(peak, heapObjects())
			}
		}
	}()
	b.StartTimer()
	start := time.Now()
	f()
	d := time.Since(start)
	b.StopTimer()
	close(stop)
	peak := <-done
	b.StartTimer()
	return peak - base, d
}

// retained is the heap that what keep returns holds after a GC.
func retained(keep func() any) uint64 {
	v := keep()
	runtime.GC()
	with := heapObjects()
	runtime.KeepAlive(v)
	v = nil
	runtime.GC()
	without := heapObjects()
	if with < without {
		return 0
	}
	return with - without
}

func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// benchEnv is the benchmark's store, built once per process.
type benchEnv struct {
	dir       string
	seed      chains.Node
	transfers int
	flowKeys  int
	size      int64
	build     time.Duration
	nodes     []chains.Node // the nodes the haircut trace visited, in the order it reached them
	visited   int
	// walks are resumable 6-hop haircut walks saved as the store was built,
	// by the block they saw last (BenchmarkResume).
	walks map[uint64][]byte
}

// benchWalksAt are the blocks after which the build saves a walk.
var benchWalksAt = []uint64{1600, 1900}

// benchOptions are the options of the benchmark's haircut trace.
var benchOptions = trace.Options{Model: trace.Haircut, Hops: 6}

var (
	benchOnce sync.Once
	bench     *benchEnv
	benchErr  error
)

// TestMain removes the benchmark's store when the process ends.
func TestMain(m *testing.M) {
	code := m.Run()
	if bench != nil {
		os.RemoveAll(bench.dir)
	}
	os.Exit(code)
}

func benchSetup(b *testing.B) *benchEnv {
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hound-bench-trace-")
		if err != nil {
			benchErr = err
			return
		}
		bench = &benchEnv{dir: dir}
		benchErr = buildBenchStore(bench)
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return bench
}

// Shape of the benchmark graph.
const (
	benchBlocks    = 2000
	benchPerBlock  = 250 // transfers a block
	benchPhase     = 250 // blocks a laundering layer takes
	benchUnrelated = 150_000
	benchHotWallet = 20
	benchBatch     = 20 // blocks a Commit
)

var benchLayers = []int{4, 32, 256, 2048, 8192, 20_000}

// benchAddr derives an address from a name, spread over the key space as
// real addresses are.
func benchAddr(kind string, i int) chains.Address {
	h := sha256.Sum256(fmt.Appendf(nil, "%s/%d", kind, i))
	return chains.Address("0x" + hex.EncodeToString(h[:20]))
}

// benchEvent is one laundering transfer, scheduled at a block; its amount
// is set when the block is built, from the sender's balance then.
type benchEvent struct {
	block    uint64
	from, to chains.Address
	amount   *big.Int // set for clean inflows from funders
}

func buildBenchStore(env *benchEnv) error {
	start := time.Now()
	r := rand.New(rand.NewPCG(2022, 3))
	gwei := big.NewInt(1e9)
	ethAmount := func(lo, hi uint64) *big.Int { // whole gwei in [lo, hi) ETH
		g := lo*1e9 + r.Uint64N((hi-lo)*1e9)
		return new(big.Int).Mul(new(big.Int).SetUint64(g), gwei)
	}
	seed := benchAddr("seed", 0)
	env.seed = chains.AccountOf(chains.Ethereum, seed, chains.Native)
	unrelated := func() chains.Address { return benchAddr("u", r.IntN(benchUnrelated)) }

	// The laundering schedule: layer p is paid in phase p by layer p-1.
	var events []benchEvent
	events = append(events, benchEvent{block: 1, from: benchAddr("bridge", 0), to: seed, amount: ethAmount(100_000, 100_001)})
	prev := []chains.Address{seed}
	phaseStart := func(p int) uint64 { return 2 + uint64(p-1)*benchPhase }
	outs := map[chains.Address]int{} // outflows scheduled per sender
	for p, size := range benchLayers {
		phase := p + 1
		layer := make([]chains.Address, size)
		for i := range layer {
			layer[i] = benchAddr(fmt.Sprintf("L%d", phase), i)
			for _, j := range r.Perm(len(prev))[:min(2, len(prev))] {
				events = append(events, benchEvent{block: phaseStart(phase) + r.Uint64N(benchPhase), from: prev[j], to: layer[i]})
				outs[prev[j]]++
			}
			if len(prev) == 1 { // the first layer: two payments from the seed
				events = append(events, benchEvent{block: phaseStart(phase) + r.Uint64N(benchPhase), from: prev[0], to: layer[i]})
				outs[prev[0]]++
			}
			// One clean funder, from a phase before to a phase after.
			lo := phaseStart(max(phase-1, 1))
			events = append(events, benchEvent{block: lo + r.Uint64N(phaseStart(phase+2)-lo), from: unrelated(), to: layer[i], amount: ethAmount(1, 100)})
		}
		prev = layer
	}
	for _, a := range prev { // cash-out to deposit addresses: hop 7
		for range 2 {
			events = append(events, benchEvent{block: phaseStart(len(benchLayers)+1) + r.Uint64N(benchPhase), from: a, to: benchAddr("deposit", r.IntN(benchUnrelated))})
			outs[a]++
		}
	}
	slices.SortStableFunc(events, func(a, b benchEvent) int { return int(a.block) - int(b.block) })

	s, err := store.Open(env.dir, store.Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	balance := map[chains.Address]*big.Int{}
	var blocks []*chains.Block
	var parent chains.Hash
	next := 0
	for n := uint64(1); n <= benchBlocks; n++ {
		b := &chains.Block{Chain: chains.Ethereum, Number: n, Parent: parent, Time: 1_650_000_000 + 12*n}
		b.Hash = sha256.Sum256(fmt.Appendf(nil, "block/%d", n))
		parent = b.Hash
		var planned []benchEvent
		for next < len(events) && events[next].block == n {
			planned = append(planned, events[next])
			next++
		}
		// Unrelated traffic fills the block around the laundering, mixed
		// in at random places.
		fill := max(benchPerBlock-len(planned), 0)
		order := r.Perm(len(planned) + fill)
		for i, slot := range order {
			var from, to chains.Address
			var amount *big.Int
			if slot < len(planned) {
				e := planned[slot]
				from, to, amount = e.from, e.to, e.amount
				if amount == nil { // a layer address passes on its share of what it holds
					bal := balance[from]
					if bal == nil {
						bal = new(big.Int)
					}
					amount = new(big.Int).Quo(bal, big.NewInt(int64(outs[from])))
					outs[from]--
				}
			} else {
				from, to, amount = unrelated(), unrelated(), ethAmount(0, 20)
				for to == from {
					to = unrelated()
				}
				switch r.IntN(10) {
				case 0: // a deposit swept to a hot wallet
					to = benchAddr("hot", r.IntN(benchHotWallet))
				case 1: // a hot wallet paying a customer
					from = benchAddr("hot", r.IntN(benchHotWallet))
				}
			}
			for _, a := range []chains.Address{from, to} {
				if balance[a] == nil {
					balance[a] = new(big.Int)
				}
			}
			balance[from].Sub(balance[from], amount)
			balance[to].Add(balance[to], amount)
			tx := chains.Hash(sha256.Sum256(fmt.Appendf(nil, "tx/%d/%d", n, i)))
			p := chains.Pos{Block: n, TxIndex: uint32(i), Index: 1}
			b.Txs = append(b.Txs, chains.Tx{Hash: tx, Index: uint32(i), From: from, To: to, Status: chains.TxSucceeded})
			b.Transfers = append(b.Transfers, chains.Transfer{Chain: chains.Ethereum, Tx: tx, Pos: p, Time: b.Time,
				From: from, To: to, Asset: chains.Native, Amount: amount, Kind: chains.KindNative})
		}
		env.transfers += len(b.Transfers)
		blocks = append(blocks, b)
		if len(blocks) == benchBatch || n == benchBlocks {
			if err := s.Commit(chains.Ethereum, blocks, nil); err != nil {
				return err
			}
			blocks = blocks[:0]
		}
		if slices.Contains(benchWalksAt, n) {
			walk := time.Now()
			opts := benchOptions
			opts.Resumable = true
			res, err := trace.Trace(context.Background(), s, nil, []chains.Node{env.seed}, opts)
			if err != nil {
				return err
			}
			if env.walks == nil {
				env.walks = map[uint64][]byte{}
			}
			env.walks[n] = res.State()
			start = start.Add(time.Since(walk)) // not part of the build
		}
	}
	env.flowKeys = 2 * env.transfers
	env.build = time.Since(start)

	// The nodes a 6-hop haircut trace visits, for the raw scan: the seed,
	// then each node an edge delivered taint to, in the order reached.
	res, err := trace.Trace(context.Background(), s, nil, []chains.Node{env.seed}, benchOptions)
	if err != nil {
		return err
	}
	seen := map[chains.Node]bool{env.seed: true}
	env.nodes = []chains.Node{env.seed}
	for _, e := range res.Edges {
		if !seen[e.To] {
			seen[e.To] = true
			env.nodes = append(env.nodes, e.To)
		}
	}
	env.visited = res.Visited
	env.size = s.Size()
	return s.Close()
}

// memoryGraph serves each node's flows from memory once it has read them
// from the graph it wraps.
type memoryGraph struct {
	trace.Graph
	flows map[chains.Node][]chains.Flow
}

func (m *memoryGraph) Flows(ctx context.Context, n chains.Node, fn func(chains.Flow) error) error {
	fs, ok := m.flows[n]
	if !ok {
		err := m.Graph.Flows(ctx, n, func(f chains.Flow) error {
			fs = append(fs, f)
			return nil
		})
		if err != nil {
			return err
		}
		m.flows[n] = fs
	}
	for _, f := range fs {
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

// countingGraph counts the reads of each node's flows.
type countingGraph struct {
	trace.Graph
	reads map[chains.Node]int
}

func (c *countingGraph) Flows(ctx context.Context, n chains.Node, fn func(chains.Flow) error) error {
	c.reads[n]++
	return c.Graph.Flows(ctx, n, fn)
}

// TestHubReadOnce: twenty tainted addresses each pay one hub (a node with
// more flows than the fan-out bound, here 25, such as an unlabelled
// exchange hot wallet). The walk must read the hub once, not its first
// FanOut+1 flows again for every tainted flow into it, and count what it
// read in Result.Visited.
func TestHubReadOnce(t *testing.T) {
	const g, spreaders, hub = 211, 20, 21
	pg := &propAccountGraph{g: g, n: hub + 1}
	block := uint64(0)
	add := func(from, to int, amount int64) {
		block++
		var h chains.Hash
		h[0], h[1], h[2] = byte(block), byte(block>>8), 0x42
		pg.transfers = append(pg.transfers, propTransfer{from: from, to: to, amount: big.NewInt(amount),
			pos: chains.Pos{Block: block, Index: 1}, tx: h})
	}
	for range 30 {
		add(-1, hub, 1) // the hub's own traffic
	}
	add(-1, 0, 1000)
	for i := 1; i <= spreaders; i++ {
		add(0, i, 10)
	}
	for i := 1; i <= spreaders; i++ {
		add(i, hub, 10)
	}
	s := pg.commit(t)
	cg := &countingGraph{Graph: s, reads: map[chains.Node]int{}}
	res, err := trace.Trace(context.Background(), cg, nil, []chains.Node{pg.node(0)}, trace.Options{FanOut: 25})
	if err != nil {
		t.Fatal(err)
	}
	hubs := 0
	for _, f := range res.Findings {
		if f.Kind == trace.FindingHub {
			hubs++
		}
	}
	if hubs != spreaders {
		t.Errorf("%d hub findings, want %d", hubs, spreaders)
	}
	if n := cg.reads[pg.node(hub)]; n != 1 {
		t.Errorf("the hub's flows were read %d times, want 1", n)
	}
}

// TestSeedHub: a seed with more flows than the fan-out bound (a big
// exploiter address or a drained hot wallet easily has more than 10,000)
// must still be traced (a seed is never a hub): an empty result with no
// finding and no error would be a silent end.
func TestSeedHub(t *testing.T) {
	const g = 212
	pg := &propAccountGraph{g: g, n: 2}
	for i := range 12 {
		var h chains.Hash
		h[0], h[1] = byte(i+1), 0x42
		from, to := -1, 0
		if i == 11 {
			from, to = 0, 1
		}
		pg.transfers = append(pg.transfers, propTransfer{from: from, to: to, amount: big.NewInt(10),
			pos: chains.Pos{Block: uint64(i + 1), Index: 1}, tx: h})
	}
	s := pg.commit(t)
	res, err := trace.Trace(context.Background(), s, nil, []chains.Node{pg.node(0)}, trace.Options{FanOut: 10})
	if err == nil && len(res.Edges) == 0 && len(res.Findings) == 0 {
		t.Errorf("a seed with 12 flows under a fan-out bound of 10: no edge, no finding, no error")
	}
}
