package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/houndtrace/hound/chains"
)

// memChain is a block source for tests of the store's logic: a chain of
// blocks made from a seed, each moving value between a few addresses. The
// adapter's own tests run against a real node; this only feeds the store.
type memChain struct {
	mu     sync.Mutex
	blocks []*chains.Block
	net    string
	// events gives each transaction a protocol event (a mixer deposit,
	// a bridge payout answering an inbound hash, a swap).
	events bool
}

func addr(i int) chains.Address { return chains.Address(fmt.Sprintf("0x%040x", i)) }

func newMemChain(n int, seed int) *memChain {
	m := &memChain{net: "chainid:1337"}
	m.extend(n, seed)
	return m
}

// extend appends n blocks whose content depends on seed.
func (m *memChain) extend(n, seed int) {
	for i := 0; i < n; i++ {
		num := uint64(len(m.blocks))
		b := &chains.Block{Chain: chains.Ethereum, Number: num, Time: 1000 + num}
		if num > 0 {
			b.Parent = m.blocks[num-1].Hash
		}
		b.Hash[0], b.Hash[1], b.Hash[2] = byte(num), byte(num>>8), byte(seed)
		for tx := 0; tx < 3; tx++ {
			var h chains.Hash
			copy(h[:], fmt.Sprintf("tx-%d-%d-%d", num, tx, seed))
			from, to := addr(int(num)%5+1), addr((int(num)+tx+seed)%7+1)
			b.Txs = append(b.Txs, chains.Tx{Hash: h, Index: uint32(tx), From: from, To: to, Status: chains.TxSucceeded})
			b.Transfers = append(b.Transfers,
				chains.Transfer{Chain: chains.Ethereum, Tx: h, Pos: chains.Pos{Block: num, TxIndex: uint32(tx)}, Time: b.Time,
					From: from, To: chains.FeeSink, Asset: chains.Native, Amount: big.NewInt(21000), Kind: chains.KindFee},
				chains.Transfer{Chain: chains.Ethereum, Tx: h, Pos: chains.Pos{Block: num, TxIndex: uint32(tx), Index: 1}, Time: b.Time,
					From: from, To: to, Asset: chains.Native, Amount: big.NewInt(int64(num*100 + uint64(tx) + 1)), Kind: chains.KindNative},
				chains.Transfer{Chain: chains.Ethereum, Tx: h, Pos: chains.Pos{Block: num, TxIndex: uint32(tx), Index: 2}, Time: b.Time,
					From: to, To: from, Asset: chains.Asset(addr(99)), Amount: new(big.Int).Lsh(big.NewInt(int64(seed+1)), 100), Kind: chains.KindToken})
			if m.events {
				e := chains.Event{Chain: chains.Ethereum, Tx: h, Pos: chains.Pos{Block: num, TxIndex: uint32(tx), Index: 3}, Time: b.Time,
					Kind: chains.EventKind(tx + 1), Contract: addr(50 + tx), From: from, To: to, Amount: big.NewInt(int64(seed + 1))}
				if tx == 1 {
					e.Kind, e.Asset, e.Memo = chains.EventBridgeOut, chains.Native, fmt.Sprintf("OUT:%064x", num*1000+uint64(seed))
				}
				b.Events = append(b.Events, e)
			}
		}
		m.blocks = append(m.blocks, b)
	}
}

// fork replaces every block from height n on with blocks made from seed.
func (m *memChain) fork(n, seed int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	count := len(m.blocks) - n
	m.blocks = m.blocks[:n]
	m.extend(count+1, seed)
}

func (m *memChain) Chain() chains.Chain                     { return chains.Ethereum }
func (m *memChain) Network(context.Context) (string, error) { return m.net, nil }
func (m *memChain) Head(context.Context) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return uint64(len(m.blocks) - 1), nil
}
func (m *memChain) BlockHash(_ context.Context, n uint64) (chains.Hash, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.blocks[n].Hash, nil
}
func (m *memChain) Block(_ context.Context, n uint64) (*chains.Block, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if n >= uint64(len(m.blocks)) {
		return nil, fmt.Errorf("no block %d", n)
	}
	return m.blocks[n], nil
}

func openTemp(t *testing.T, dir string) *Store {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// dump lists every key and value of a store.
func dump(t *testing.T, s *Store) []string {
	t.Helper()
	var out []string
	if err := s.Each(func(k, v []byte) error {
		out = append(out, fmt.Sprintf("%x=%x", k, v))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSyncBalancesAndTx(t *testing.T) {
	ctx := context.Background()
	src := newMemChain(20, 0)
	s := openTemp(t, "")
	res, err := s.Sync(ctx, src, SyncOptions{Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	if res.Blocks != 20 || res.Transfers != 180 || res.Height != 19 {
		t.Fatalf("result %+v", res)
	}
	counts, _ := s.Counts(chains.Ethereum)
	if counts.Blocks != 20 || counts.Txs != 60 || counts.Transfers[chains.KindFee] != 60 || counts.Transfers[chains.KindToken] != 60 {
		t.Fatalf("counts %+v", counts)
	}
	// Every address's stored balance equals the sum computed from the blocks.
	want := map[chains.Address]map[chains.Asset]*big.Int{}
	for _, b := range src.blocks {
		for _, tr := range b.Transfers {
			for _, side := range []struct {
				a    chains.Address
				sign int64
			}{{tr.From, -1}, {tr.To, 1}} {
				if want[side.a] == nil {
					want[side.a] = map[chains.Asset]*big.Int{}
				}
				if want[side.a][tr.Asset] == nil {
					want[side.a][tr.Asset] = new(big.Int)
				}
				want[side.a][tr.Asset].Add(want[side.a][tr.Asset], new(big.Int).Mul(tr.Amount, big.NewInt(side.sign)))
			}
		}
	}
	for a, assets := range want {
		ts, err := s.AddressTransfers(chains.Ethereum, a)
		if err != nil {
			t.Fatal(err)
		}
		for _, bal := range Balances(a, ts) {
			if bal.Amount.Cmp(assets[bal.Asset]) != 0 {
				t.Errorf("%s %s: stored %s, want %s", a, bal.Asset, bal.Amount, assets[bal.Asset])
			}
		}
	}
	tx := src.blocks[7].Txs[2]
	rec, err := s.Tx(chains.Ethereum, tx.Hash)
	if err != nil || rec.Block != 7 || len(rec.Transfers) != 3 || rec.Transfers[1].Amount.Int64() != 703 || rec.Tx.From != tx.From {
		t.Fatalf("tx record %+v, %v", rec, err)
	}
	if _, err := s.Tx(chains.Ethereum, chains.Hash{1}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown tx: %v", err)
	}
}

func TestSecondOpenIsRefused(t *testing.T) {
	dir := t.TempDir()
	openTemp(t, dir)
	_, err := Open(dir, Options{})
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("second open: %v, want ErrInUse", err)
	}
}

// TestCloseLeavesLevelZeroEmpty checks that what a sync wrote is compacted
// out of Badger's level 0 as the store closes: left there, the next command
// to open the store would compact it in the background, on the cores its
// own work needs.
func TestCloseLeavesLevelZeroEmpty(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	src := &memChain{net: "chainid:1337"}
	src.extend(64, 0)
	if _, err := s.Sync(context.Background(), src, SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil).WithReadOnly(true))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var tables int
	for _, l := range db.Levels() {
		tables += l.NumTables
		if l.Level == 0 && l.NumTables > 0 {
			t.Errorf("level 0 holds %d tables after the store closed", l.NumTables)
		}
	}
	if tables == 0 {
		t.Error("the store closed with no tables: the sync wrote nothing to compact")
	}
}

func TestReorgRollsBackToTheForkPoint(t *testing.T) {
	ctx := context.Background()
	src := &memChain{net: "chainid:1337", events: true}
	src.extend(30, 0)
	s := openTemp(t, "")
	if _, err := s.Sync(ctx, src, SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	src.fork(27, 9) // blocks 27-29 replaced, and one more block
	res, err := s.Sync(ctx, src, SyncOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Reorgs != 1 || res.RolledBack != 3 || res.Height != 30 {
		t.Fatalf("result %+v", res)
	}
	// The store now equals a fresh sync of the new chain.
	fresh := openTemp(t, "")
	if _, err := fresh.Sync(ctx, src, SyncOptions{Workers: 1}); err != nil {
		t.Fatal(err)
	}
	if got, want := dump(t, s), dump(t, fresh); !equal(got, want) {
		t.Fatalf("store after reorg differs from a fresh sync (%d vs %d keys)", len(got), len(want))
	}
	// The payout of the replaced block 28 is gone, the new one indexed.
	for memo, want := range map[uint64]int{28*1000 + 0: 0, 28*1000 + 9: 1} {
		in, _ := chains.OutboundOf(fmt.Sprintf("OUT:%064x", memo))
		if o, err := s.Outbounds(ctx, in); err != nil || len(o) != want {
			t.Errorf("outbounds of %x: %+v %v, want %d", in, o, err, want)
		}
	}
}

func TestSplitRangesEqualOneSync(t *testing.T) {
	ctx := context.Background()
	src := newMemChain(25, 3)
	a, b := openTemp(t, ""), openTemp(t, "")
	if _, err := a.Sync(ctx, src, SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Sync(ctx, src, SyncOptions{To: 11, ToSet: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Sync(ctx, src, SyncOptions{From: 5, FromSet: true}); err != nil {
		t.Fatal(err)
	}
	if !equal(dump(t, a), dump(t, b)) {
		t.Fatal("two ranges differ from one sync")
	}
	if _, err := b.Sync(ctx, src, SyncOptions{From: 40, FromSet: true}); !errors.Is(err, ErrRange) {
		t.Fatalf("gap: %v", err)
	}
	src.net = "chainid:1"
	if _, err := b.Sync(ctx, src, SyncOptions{}); !errors.Is(err, ErrNetworkMismatch) {
		t.Fatalf("other network: %v", err)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestAddressKeysOrderByPosition(t *testing.T) {
	a := flowKey(chains.Ethereum, addr(1), chains.Native, chains.Pos{Block: 1, TxIndex: 300}, dirIn)
	b := flowKey(chains.Ethereum, addr(1), chains.Native, chains.Pos{Block: 2}, dirIn)
	if bytes.Compare(a, b) >= 0 {
		t.Fatal("flow keys do not sort by block")
	}
}
