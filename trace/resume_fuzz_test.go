package trace

import (
	"context"
	"errors"
	"math/big"
	"testing"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/store"
)

// FuzzResume feeds Resume saved walks mutated from real ones: a damaged
// store gives an error, never a panic or a hang. The graph is the store
// the walks were saved over, grown by two blocks.
func FuzzResume(f *testing.F) {
	s, err := store.Open(f.TempDir(), store.Options{})
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	a := func(i int) chains.Address {
		return chains.Address("0x" + string(rune('a'+i)) + "000000000000000000000000000000000000000")
	}
	seed := chains.AccountOf(chains.Ethereum, a(0), chains.Native)
	var parent chains.Hash
	block := func(n uint64, from, to int, amount int64) *chains.Block {
		b := &chains.Block{Chain: chains.Ethereum, Number: n, Parent: parent, Time: 1000 + 12*n}
		b.Hash[0], b.Hash[31] = byte(n), 0xf0
		parent = b.Hash
		tx := chains.Hash{0: byte(n), 31: 0x0f}
		b.Txs = []chains.Tx{{Hash: tx, From: a(from), To: a(to), Status: chains.TxSucceeded}}
		b.Transfers = []chains.Transfer{{Chain: chains.Ethereum, Tx: tx, Pos: chains.Pos{Block: n, Index: 1}, Time: b.Time,
			From: a(from), To: a(to), Asset: chains.Native, Amount: big.NewInt(amount), Kind: chains.KindNative}}
		return b
	}
	if err := s.Commit(chains.Ethereum, []*chains.Block{block(1, 9, 0, 1000), block(2, 0, 1, 600), block(3, 8, 1, 100), block(4, 1, 2, 300)}, nil); err != nil {
		f.Fatal(err)
	}
	ctx := context.Background()
	for _, m := range Models {
		res, err := Trace(ctx, s, nil, []chains.Node{seed}, Options{Model: m, Resumable: true})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(m), res.State())
	}
	if err := s.Commit(chains.Ethereum, []*chains.Block{block(5, 1, 3, 200), block(6, 2, 4, 100)}, nil); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, m uint8, state []byte) {
		opts := Options{Model: Model(m % uint8(len(Models)))}
		res, err := Resume(ctx, s, nil, []chains.Node{seed}, opts, state)
		if err == nil && res == nil {
			t.Fatal("no result and no error")
		}
		if err != nil && errors.Is(err, context.Canceled) {
			t.Fatal(err)
		}
	})
}
