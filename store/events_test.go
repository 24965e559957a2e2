package store

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/houndtrace/hound/chains"
)

// inboundHash is a made-up inbound transaction hash, as a memo names it.
func inboundHash(b byte) chains.Hash {
	var h chains.Hash
	for i := range h {
		h[i] = b
	}
	return h
}

func evmHash(tag string) chains.Hash {
	var h chains.Hash
	copy(h[:], tag)
	return h
}

// eventBlocks builds Ethereum blocks 10 and 11 carrying an event of every
// kind (block 10, one transaction each; block 11 a second mixer deposit
// and a transaction with two events), with a few transfers.
func eventBlocks() (*chains.Block, *chains.Block) {
	eth := chains.Ethereum
	pool, router, pair := addr(0x100), addr(0x200), addr(0x300)
	user, vault, relayer, token := addr(1), addr(2), addr(3), chains.Asset(addr(0x400))
	b10 := &chains.Block{Chain: eth, Number: 10, Hash: evmHash("block-10"), Parent: evmHash("block-9"), Time: 1_700_000_000}
	b11 := &chains.Block{Chain: eth, Number: 11, Hash: evmHash("block-11"), Parent: b10.Hash, Time: 1_700_000_012}
	tx := func(b *chains.Block, i uint32, from, to chains.Address) chains.Hash {
		h := evmHash(fmt.Sprintf("tx-%d-%d", b.Number, i))
		b.Txs = append(b.Txs, chains.Tx{Hash: h, Index: i, From: from, To: to, Status: chains.TxSucceeded})
		b.Transfers = append(b.Transfers,
			chains.Transfer{Chain: eth, Tx: h, Pos: chains.Pos{Block: b.Number, TxIndex: i}, Time: b.Time,
				From: from, To: chains.FeeSink, Asset: chains.Native, Amount: big.NewInt(21000), Kind: chains.KindFee},
			chains.Transfer{Chain: eth, Tx: h, Pos: chains.Pos{Block: b.Number, TxIndex: i, Index: 1}, Time: b.Time,
				From: from, To: to, Asset: chains.Native, Amount: big.NewInt(int64(b.Number*100 + uint64(i))), Kind: chains.KindNative})
		return h
	}
	ev := func(b *chains.Block, h chains.Hash, i, ord uint32, e chains.Event) {
		e.Chain, e.Tx, e.Pos, e.Time = eth, h, chains.Pos{Block: b.Number, TxIndex: i, Index: ord}, b.Time
		b.Events = append(b.Events, e)
	}
	eth1 := new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil)

	h := tx(b10, 0, user, pool)
	ev(b10, h, 0, 2, chains.Event{Kind: chains.EventMixerDeposit, Contract: pool, From: user, Amount: eth1})
	h = tx(b10, 1, relayer, pool)
	ev(b10, h, 1, 2, chains.Event{Kind: chains.EventMixerWithdrawal, Contract: pool, From: relayer, To: addr(5), Relayer: relayer,
		Fee: big.NewInt(5_000_000_000_000_000)})
	h = tx(b10, 2, user, router)
	ev(b10, h, 2, 2, chains.Event{Kind: chains.EventBridgeDeposit, Contract: router, From: user, To: vault, Asset: chains.Native,
		Amount: eth1, Memo: "=:BTC.BTC:bc1qdest:0/1/0:t:0"})
	h = tx(b10, 3, vault, router)
	ev(b10, h, 3, 1, chains.Event{Kind: chains.EventBridgeOut, Contract: router, From: vault, To: addr(6), Asset: token,
		Amount: new(big.Int).Lsh(big.NewInt(1), 200), Memo: "OUT:" + inboundHash(0x11).Format(chains.Bitcoin)})
	h = tx(b10, 4, vault, router)
	ev(b10, h, 4, 1, chains.Event{Kind: chains.EventBridgeOut, Contract: router, From: vault, To: addr(7), Asset: chains.Native,
		Amount: big.NewInt(0), Memo: "REFUND:0X" + strings.ToUpper(inboundHash(0x33).Format(chains.Bitcoin))})
	h = tx(b10, 5, vault, router) // a payout whose memo names no inbound hash
	ev(b10, h, 5, 1, chains.Event{Kind: chains.EventBridgeOut, Contract: router, From: vault, To: addr(8), Asset: chains.Native,
		Amount: big.NewInt(7), Memo: "MIGRATE:1234"})

	h = tx(b11, 0, user, pair)
	ev(b11, h, 0, 1, chains.Event{Kind: chains.EventSwap, Contract: pair, From: user, To: user,
		Amounts: []*big.Int{big.NewInt(1000), big.NewInt(0), big.NewInt(0), big.NewInt(997)}})
	ev(b11, h, 0, 2, chains.Event{Kind: chains.EventBridgeDeposit, Contract: router, From: user, To: vault, Asset: token,
		Amount: big.NewInt(997), Memo: "OUT:" + inboundHash(0x44).Format(chains.Bitcoin)}) // a deposit's memo indexes nothing
	h = tx(b11, 1, user, pool)
	ev(b11, h, 1, 2, chains.Event{Kind: chains.EventMixerDeposit, Contract: pool, From: user, Amount: eth1})
	tx(b11, 2, user, addr(9)) // no events
	return b10, b11
}

// outboundBlocks builds Bitcoin blocks 5 and 6; block 6 pays with
// OP_RETURN memos answering inbound hashes 0x22 and 0x33.
func outboundBlocks() (*chains.Block, *chains.Block) {
	b5 := utxoBlock(5, chains.Hash{5}, coinbase(1, "1A", 50*btc))
	memo := func(s string) chains.TxOut { return chains.TxOut{Kind: chains.ScriptNullData, Data: []byte(s)} }
	b6 := utxoBlock(6, b5.Hash, coinbase(2, "1A", 50*btc),
		spend(3, []chains.Outpoint{{Tx: txid(1)}}, pay("bc1qb", 49*btc), memo("OUT:"+inboundHash(0x22).Format(chains.Bitcoin))),
		spend(4, []chains.Outpoint{{Tx: txid(2)}}, pay("bc1qc", 49*btc),
			// Data on an output that is not OP_RETURN is not kept, so it
			// indexes nothing.
			chains.TxOut{Value: 1, Kind: chains.ScriptP2WPKH, Address: "bc1qd", Data: []byte("OUT:" + inboundHash(0x55).Format(chains.Bitcoin))},
			memo("out:"+inboundHash(0x33).Format(chains.Bitcoin)+":extra")))
	return b5, b6
}

// eventString writes every field of an event, nil amounts apart from 0.
func eventString(e chains.Event) string {
	n := func(v *big.Int) string {
		if v == nil {
			return "nil"
		}
		return v.String()
	}
	var amounts []string
	for _, v := range e.Amounts {
		amounts = append(amounts, n(v))
	}
	return fmt.Sprintf("%s %x %v %d %s contract=%s from=%s to=%s relayer=%s asset=%q amount=%s fee=%s amounts=%v memo=%q",
		e.Chain, e.Tx, e.Pos, e.Time, e.Kind, e.Contract, e.From, e.To, e.Relayer, e.Asset, n(e.Amount), n(e.Fee), amounts, e.Memo)
}

func assertEvents(t *testing.T, what string, got, want []chains.Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d events, want %d", what, len(got), len(want))
	}
	for i := range got {
		if g, w := eventString(got[i]), eventString(want[i]); g != w {
			t.Errorf("%s: event %d\n got %s\nwant %s", what, i, g, w)
		}
	}
}

func transferString(t chains.Transfer) string {
	return fmt.Sprintf("%s %x %v %d %s %s>%s %s %s", t.Chain, t.Tx, t.Pos, t.Time, t.Kind, t.From, t.To, t.Asset, t.Amount)
}

// tableKeys counts the keys of the event and outbound tables.
func tableKeys(t *testing.T, s *Store) map[byte]int {
	t.Helper()
	n := map[byte]int{}
	if err := s.Each(func(k, _ []byte) error {
		switch k[0] {
		case prefixEvent, prefixEventIndex, prefixOutbound:
			n[k[0]]++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestEventsAndOutbounds(t *testing.T) {
	ctx := context.Background()
	eth, bit := chains.Ethereum, chains.Bitcoin
	s := openTemp(t, "")
	b10, b11 := eventBlocks()
	b5, b6 := outboundBlocks()

	// Each block's keys, events included, go with it: committing block 11
	// (or 6) and rolling it back leaves exactly the keys before.
	if err := s.Commit(eth, []*chains.Block{b10}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(bit, []*chains.Block{b5}, nil); err != nil {
		t.Fatal(err)
	}
	before := dump(t, s)
	if err := s.Commit(eth, []*chains.Block{b11}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(bit, []*chains.Block{b6}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Rollback(eth, 10); err != nil {
		t.Fatal(err)
	}
	if err := s.Rollback(bit, 5); err != nil {
		t.Fatal(err)
	}
	if got := dump(t, s); !equal(got, before) {
		t.Fatalf("rollback of blocks 11 and 6 left %d keys, want the %d before", len(got), len(before))
	}
	if err := s.Commit(eth, []*chains.Block{b11}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(bit, []*chains.Block{b6}, nil); err != nil {
		t.Fatal(err)
	}
	// 9 events, each with its 'Q' key; 'W' for two EVM payouts and two
	// OP_RETURN memos.
	if n := tableKeys(t, s); n[prefixEvent] != 9 || n[prefixEventIndex] != 9 || n[prefixOutbound] != 4 {
		t.Fatalf("keys per table %v", n)
	}

	// The block reloads with its events.
	var loaded *chains.Block
	if err := s.db.View(func(txn *badger.Txn) (err error) {
		loaded, err = loadBlock(txn, eth, 11)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	assertEvents(t, "block 11 reloaded", loaded.Events, b11.Events)

	// TxEvents: a transaction's events in order, none for a transaction
	// without any or a UTXO transaction, ErrNotFound for an unknown one.
	for _, b := range []*chains.Block{b10, b11} {
		for _, tx := range b.Txs {
			var want []chains.Event
			for _, e := range b.Events {
				if e.Tx == tx.Hash {
					want = append(want, e)
				}
			}
			got, err := s.TxEvents(ctx, eth, tx.Hash)
			if err != nil {
				t.Fatal(err)
			}
			assertEvents(t, fmt.Sprintf("events of tx %d/%d", b.Number, tx.Index), got, want)
		}
	}
	if got, err := s.TxEvents(ctx, eth, b11.Txs[0].Hash); err != nil || len(got) != 2 || got[0].Kind != chains.EventSwap {
		t.Fatalf("two events of one tx: %v %v", got, err)
	}
	if got, err := s.TxEvents(ctx, bit, txid(3)); err != nil || len(got) != 0 {
		t.Fatalf("events of a bitcoin tx: %v %v", got, err)
	}
	if _, err := s.TxEvents(ctx, eth, evmHash("unknown")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("events of an unknown tx: %v", err)
	}

	// TxTransfers: every transfer of the transaction, in order.
	for _, b := range []*chains.Block{b10, b11} {
		for _, tx := range b.Txs {
			var want []string
			for _, tr := range b.Transfers {
				if tr.Tx == tx.Hash {
					want = append(want, transferString(tr))
				}
			}
			ts, err := s.TxTransfers(ctx, eth, tx.Hash)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, tr := range ts {
				got = append(got, transferString(tr))
			}
			if !equal(got, want) || len(got) != 2 {
				t.Errorf("transfers of tx %d/%d:\n got %q\nwant %q", b.Number, tx.Index, got, want)
			}
		}
	}
	if _, err := s.TxTransfers(ctx, eth, evmHash("unknown")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("transfers of an unknown tx: %v", err)
	}

	// ContractEvents: one contract's events of one kind, in chain order.
	all := append(append([]chains.Event(nil), b10.Events...), b11.Events...)
	for _, c := range []chains.Address{addr(0x100), addr(0x200), addr(0x300), addr(0x999)} {
		for kind := chains.EventMixerDeposit; kind <= chains.EventSwap; kind++ {
			var want, got []chains.Event
			for _, e := range all {
				if e.Contract == c && e.Kind == kind {
					want = append(want, e)
				}
			}
			if err := s.ContractEvents(ctx, eth, c, kind, func(e chains.Event) error {
				got = append(got, e)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			assertEvents(t, fmt.Sprintf("%s events of %s", kind, c), got, want)
		}
	}
	var deposits []chains.Event
	_ = s.ContractEvents(ctx, eth, addr(0x100), chains.EventMixerDeposit, func(e chains.Event) error {
		deposits = append(deposits, e)
		return nil
	})
	if len(deposits) != 2 || deposits[0].Pos.Block != 10 || deposits[1].Pos.Block != 11 {
		t.Fatalf("pool deposits %v", deposits)
	}
	calls := 0
	if err := s.ContractEvents(ctx, eth, addr(0x100), chains.EventMixerDeposit, func(chains.Event) error {
		calls++
		return errStop
	}); !errors.Is(err, errStop) || calls != 1 {
		t.Fatalf("fn's error: %v after %d calls", err, calls)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.ContractEvents(cancelled, eth, addr(0x100), chains.EventMixerDeposit, func(chains.Event) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled scan: %v", err)
	}

	// Outbounds: the payouts on any chain that name an inbound hash.
	outPos := func(b uint64, tx, vout uint32) chains.Pos {
		return chains.Pos{Block: b, TxIndex: tx, Index: outputFlag | vout}
	}
	for in, want := range map[byte][]Outbound{
		0x11: {{Chain: eth, Tx: b10.Txs[3].Hash, Pos: chains.Pos{Block: 10, TxIndex: 3, Index: 1}}},
		0x22: {{Chain: bit, Tx: txid(3), Pos: outPos(6, 1, 1)}},
		0x33: {{Chain: eth, Tx: b10.Txs[4].Hash, Pos: chains.Pos{Block: 10, TxIndex: 4, Index: 1}}, {Chain: bit, Tx: txid(4), Pos: outPos(6, 2, 2)}},
		0x44: nil, // named by a deposit, not a payout
		0x55: nil, // Data on a P2WPKH output
		0x99: nil, // unknown
	} {
		got, err := s.Outbounds(ctx, inboundHash(in))
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("outbounds of %x…:\n got %+v\nwant %+v", in, got, want)
		}
	}

	// The flow of an OP_RETURN output carries its payload.
	var data []string
	if err := s.Flows(ctx, chains.TxOf(bit, txid(4)), func(f chains.Flow) error {
		if !f.In {
			data = append(data, string(f.Data))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"", "", "out:" + inboundHash(0x33).Format(chains.Bitcoin) + ":extra"}; !equal(data, want) {
		t.Fatalf("output data %q, want %q", data, want)
	}

	// Rolling every block back removes every event and outbound key, and
	// the readers find nothing.
	if err := s.Rollback(eth, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.Rollback(bit, 0); err != nil {
		t.Fatal(err)
	}
	if n := tableKeys(t, s); len(n) != 0 {
		t.Fatalf("keys left after rollback: %v", n)
	}
	for _, k := range dump(t, s) {
		if k[:2] != "53" && k[:2] != "56" { // only the (zeroed) counters and the version
			t.Errorf("key left after rollback: %s", k)
		}
	}
	for _, in := range []byte{0x11, 0x22, 0x33} {
		if got, err := s.Outbounds(ctx, inboundHash(in)); err != nil || len(got) != 0 {
			t.Errorf("outbounds of %x… after rollback: %v %v", in, got, err)
		}
	}
	if got, err := s.TxEvents(ctx, eth, b10.Txs[0].Hash); !errors.Is(err, ErrNotFound) || len(got) != 0 {
		t.Errorf("events after rollback: %v %v", got, err)
	}
	if got, err := s.TxTransfers(ctx, eth, b10.Txs[0].Hash); !errors.Is(err, ErrNotFound) || len(got) != 0 {
		t.Errorf("transfers after rollback: %v %v", got, err)
	}
	calls = 0
	for _, kind := range []chains.EventKind{chains.EventMixerDeposit, chains.EventBridgeOut, chains.EventSwap} {
		for _, c := range []chains.Address{addr(0x100), addr(0x200), addr(0x300)} {
			_ = s.ContractEvents(ctx, eth, c, kind, func(chains.Event) error { calls++; return nil })
		}
	}
	if calls != 0 {
		t.Errorf("%d contract events after rollback", calls)
	}
}

func TestEventsOutsideTheirBlockAreRefused(t *testing.T) {
	s := openTemp(t, "")
	b10, _ := eventBlocks()
	b10.Events[1].Pos.Block = 9
	if err := s.Commit(chains.Ethereum, []*chains.Block{b10}, nil); err == nil || !strings.Contains(err.Error(), "event 1 is at block 9") {
		t.Fatalf("event of another block: %v", err)
	}
	b10, _ = eventBlocks()
	b10.Events[2].Pos = b10.Events[1].Pos
	if err := s.Commit(chains.Ethereum, []*chains.Block{b10}, nil); err == nil || !strings.Contains(err.Error(), "not after") {
		t.Fatalf("two events at one place: %v", err)
	}
	if n := tableKeys(t, s); len(n) != 0 {
		t.Fatalf("a refused block wrote %v", n)
	}
}

func TestOtherSchemaVersionIsRefused(t *testing.T) {
	for _, v := range [][]byte{{0, 0, 0, 1}, {0, 0, 0, 3}, {1}} {
		dir := t.TempDir()
		s, err := Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.db.Update(func(txn *badger.Txn) error { return txn.Set([]byte{prefixVersion}, v) }); err != nil {
			t.Fatal(err)
		}
		s.Close()
		s, err = Open(dir, Options{})
		if err == nil {
			s.Close()
			t.Fatalf("version %x: opened", v)
		}
		if !errors.Is(err, ErrSchemaVersion) || !strings.Contains(err.Error(), "new store directory") || !strings.Contains(err.Error(), dir) {
			t.Fatalf("version %x: %v", v, err)
		}
		if len(v) == 4 && !strings.Contains(err.Error(), fmt.Sprintf("the store has version %d, this hound reads version %d", v[3], schemaVersion)) {
			t.Fatalf("version %x: %v", v, err)
		}
	}
	// A store of this version opens again.
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}

// TestFlowFlags checks the flags the tracer reads off a flow: a swap's
// sender (token out, ether in, in one transaction) and deposits into an
// address an event of their transaction names.
func TestFlowFlags(t *testing.T) {
	s := openTemp(t, "")
	eth := chains.Ethereum
	user, pair, router, pool, vault := addr(1), addr(0x300), addr(0x200), addr(0x100), addr(2)
	token := chains.Asset(addr(0x400))
	b := &chains.Block{Chain: eth, Number: 1, Hash: evmHash("block-1"), Time: 1_700_000_000}
	var ord uint32
	move := func(i uint32, kind chains.Kind, from, to chains.Address, asset chains.Asset) {
		h := evmHash(fmt.Sprintf("tx-%d", i))
		if len(b.Txs) == 0 || b.Txs[len(b.Txs)-1].Index != i {
			b.Txs = append(b.Txs, chains.Tx{Hash: h, Index: i, From: user, Status: chains.TxSucceeded})
			ord = 0
		}
		ord++
		b.Transfers = append(b.Transfers, chains.Transfer{Chain: eth, Tx: h, Pos: chains.Pos{Block: 1, TxIndex: i, Index: ord}, Time: b.Time,
			From: from, To: to, Asset: asset, Amount: big.NewInt(7), Kind: kind})
	}
	move(0, chains.KindFee, user, chains.FeeSink, chains.Native)
	move(0, chains.KindToken, user, pair, token)               // converts: user gets ether back below
	move(0, chains.KindInternal, router, user, chains.Native)  // does not: user sends no ether
	move(1, chains.KindNative, user, pool, chains.Native)      // evented: the pool's Deposit
	move(2, chains.KindNative, user, router, chains.Native)    // evented: the router's Deposit
	move(2, chains.KindInternal, router, vault, chains.Native) // evented: the deposit's vault
	b.Events = []chains.Event{
		{Chain: eth, Tx: b.Txs[1].Hash, Pos: chains.Pos{Block: 1, TxIndex: 1, Index: 2}, Kind: chains.EventMixerDeposit, Contract: pool},
		{Chain: eth, Tx: b.Txs[2].Hash, Pos: chains.Pos{Block: 1, TxIndex: 2, Index: 3}, Kind: chains.EventBridgeDeposit, Contract: router, To: vault},
	}
	if err := s.Commit(eth, []*chains.Block{b}, nil); err != nil {
		t.Fatal(err)
	}
	flags := func(n chains.Node) string {
		var out []string
		err := s.Flows(context.Background(), n, func(f chains.Flow) error {
			out = append(out, fmt.Sprintf("%d/%d in=%v c=%v e=%v", f.Pos.TxIndex, f.Pos.Index, f.In, f.Converts, f.Evented))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(out, "; ")
	}
	for _, tt := range []struct {
		node chains.Node
		want string
	}{
		{chains.AccountOf(eth, user, token), "0/2 in=false c=true e=false"},
		{chains.AccountOf(eth, user, chains.Native), "0/1 in=false c=false e=false; 0/3 in=true c=false e=false; 1/1 in=false c=false e=true; 2/1 in=false c=false e=true"},
		{chains.AccountOf(eth, vault, chains.Native), "2/2 in=true c=false e=true"},
	} {
		if got := flags(tt.node); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.node, got, tt.want)
		}
	}
}
