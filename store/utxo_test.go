package store

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/houndtrace/hound/chains"
)

// utxoBlock builds a Bitcoin block for tests of the store's UTXO logic.
func utxoBlock(n uint64, parent chains.Hash, txs ...chains.UTXOTx) *chains.Block {
	b := &chains.Block{Chain: chains.Bitcoin, Number: n, Parent: parent, Time: 1231006505 + n*600}
	b.Hash[0], b.Hash[1], b.Hash[31] = byte(n), byte(n>>8), 0xbb
	for i := range txs {
		txs[i].Index = uint32(i)
	}
	b.UTXOTxs = txs
	return b
}

func txid(b byte) chains.Hash { return chains.Hash{0: b, 31: 0x77} }

func coinbase(id byte, to chains.Address, sats uint64) chains.UTXOTx {
	return chains.UTXOTx{Hash: txid(id), Inputs: []chains.TxIn{{Coinbase: true}},
		Outputs: []chains.TxOut{{Value: sats, Kind: chains.ScriptP2PKH, Address: to}}}
}

func spend(id byte, ins []chains.Outpoint, outs ...chains.TxOut) chains.UTXOTx {
	tx := chains.UTXOTx{Hash: txid(id), Outputs: outs}
	for _, o := range ins {
		tx.Inputs = append(tx.Inputs, chains.TxIn{Prev: o})
	}
	return tx
}

func pay(to chains.Address, sats uint64) chains.TxOut {
	return chains.TxOut{Value: sats, Kind: chains.ScriptP2WPKH, Address: to}
}

const btc = 100_000_000

func TestUTXOCommitResolvesInputs(t *testing.T) {
	A, B, C, D, E := chains.Address("1A"), chains.Address("bc1qb"), chains.Address("bc1qc"), chains.Address("bc1qd"), chains.Address("bc1qe")
	memo := chains.TxOut{Kind: chains.ScriptNullData, Data: []byte("=:b:bc1qdest:0/1/0:t:0")}
	b0 := utxoBlock(0, chains.Hash{}, coinbase(1, A, 50*btc))
	b1 := utxoBlock(1, b0.Hash, coinbase(2, A, 50*btc),
		spend(3, []chains.Outpoint{{Tx: txid(1)}}, pay(B, 30*btc), pay(C, 19*btc+90_000_000), memo),
		spend(4, []chains.Outpoint{{Tx: txid(3), Index: 1}}, pay(D, 19*btc+80_000_000))) // spends an output of the same block
	out := chains.TxOut{Kind: chains.ScriptNullData, Data: []byte("OUT:" + strings.Repeat("ab", 32))} // a THORChain payout
	b2 := utxoBlock(2, b1.Hash, coinbase(5, E, 50*btc),
		spend(6, []chains.Outpoint{{Tx: txid(4)}, {Tx: txid(2)}}, pay(E, 69*btc+70_000_000), out)) // two inputs
	s := openTemp(t, "")
	if err := s.Commit(chains.Bitcoin, []*chains.Block{b0}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(chains.Bitcoin, []*chains.Block{b1, b2}, nil); err != nil {
		t.Fatal(err)
	}

	rec, err := s.Tx(chains.Bitcoin, txid(6))
	if err != nil {
		t.Fatal(err)
	}
	in := rec.UTXO.Inputs
	if rec.Block != 2 || len(in) != 2 || !in[0].Resolved || in[0].Address != D || in[0].Value != 19*btc+80_000_000 || in[1].Address != A || in[1].Value != 50*btc {
		t.Fatalf("inputs %+v", in)
	}
	if fee, ok := rec.UTXO.Fee(); !ok || fee != 10_000_000 {
		t.Fatalf("fee %d %v, want 0.1 BTC", fee, ok)
	}
	rec, _ = s.Tx(chains.Bitcoin, txid(3))
	if got := rec.UTXO.Outputs[2]; got.Kind != chains.ScriptNullData || string(got.Data) != "=:b:bc1qdest:0/1/0:t:0" {
		t.Fatalf("OP_RETURN output %+v", got)
	}
	by, ok, err := s.SpentBy(chains.Bitcoin, chains.Outpoint{Tx: txid(1)})
	if err != nil || !ok || by != (chains.Outpoint{Tx: txid(3)}) {
		t.Fatalf("spent by %v %v %v", by, ok, err)
	}
	for a, want := range map[chains.Address][]uint64{A: nil, B: {30 * btc}, C: nil, D: nil, E: {50 * btc, 69*btc + 70_000_000}} {
		u, err := s.Unspent(chains.Bitcoin, a)
		if err != nil || len(u) != len(want) {
			t.Fatalf("unspent of %s: %+v %v, want %v", a, u, err, want)
		}
		for i := range u {
			if u[i].Value != want[i] {
				t.Errorf("unspent of %s: %+v, want %v", a, u, want)
			}
		}
	}
	ts, _ := s.AddressTransfers(chains.Bitcoin, A)
	if bal := Balances(A, ts); len(ts) != 4 || bal[0].Amount.Sign() != 0 {
		t.Fatalf("A: %d flows, balance %v", len(ts), bal)
	}
	counts, _ := s.Counts(chains.Bitcoin)
	if counts.Txs != 6 || counts.Transfers[chains.KindOutput] != 9 || counts.Transfers[chains.KindInput] != 4 || counts.Unresolved != 0 {
		t.Fatalf("counts %+v", counts)
	}

	// A block whose ancestors the store lacks: a detached segment with an
	// unresolved input, apart from the main range.
	far := utxoBlock(100, chains.Hash{9}, spend(7, []chains.Outpoint{{Tx: txid(99)}}, pay(B, btc)))
	if err := s.CommitDetached(chains.Bitcoin, []*chains.Block{far}); err != nil {
		t.Fatal(err)
	}
	rec, _ = s.Tx(chains.Bitcoin, txid(7))
	if rec.UTXO.Inputs[0].Resolved {
		t.Fatal("an input of a detached block resolved from nowhere")
	}
	if segs, _ := s.Segments(chains.Bitcoin); len(segs) != 1 || segs[0].First != 100 || segs[0].Height != 100 {
		t.Fatalf("segments %+v", segs)
	}
	if c, _ := s.Counts(chains.Bitcoin); c.Unresolved != 1 {
		t.Fatalf("unresolved %d", c.Unresolved)
	}
	if err := s.CommitDetached(chains.Bitcoin, []*chains.Block{utxoBlock(2, chains.Hash{}, coinbase(8, A, 1))}); !errors.Is(err, ErrRange) {
		t.Fatalf("overlapping detached block: %v", err)
	}

	// Rolling back block 2 and committing it again restores the store, key
	// by key.
	inbound := chains.Hash([]byte(strings.Repeat("\xab", 32)))
	if o, err := s.Outbounds(context.Background(), inbound); err != nil || len(o) != 1 || o[0].Tx != txid(6) {
		t.Fatalf("outbounds of the payout's inbound hash: %+v %v", o, err)
	}
	before := dump(t, s)
	if err := s.Rollback(chains.Bitcoin, 1); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.Unspent(chains.Bitcoin, D); len(u) != 1 {
		t.Fatalf("after rollback D's output is unspent again, got %+v", u)
	}
	if o, err := s.Outbounds(context.Background(), inbound); err != nil || len(o) != 0 {
		t.Fatalf("after rollback the payout's outbound key is gone, got %+v %v", o, err)
	}
	if err := s.Commit(chains.Bitcoin, []*chains.Block{b2}, nil); err != nil {
		t.Fatal(err)
	}
	if !equal(dump(t, s), before) {
		t.Fatal("rollback and recommit changed the store")
	}
}
