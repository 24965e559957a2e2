package store

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/houndtrace/hound/chains"
)

// Addresses of the clustering tests.
const (
	cF, cM, cA, cB, cC, cD, cE, cH, cK, cL, cP, cX, cY, cZ, cQ chains.Address = "bc1qfund", "bc1qminer", "bc1qa", "bc1qb",
		"bc1qc", "bc1qd", "bc1qe", "bc1qh", "bc1qk", "bc1ql", "bc1qp", "bc1qx", "bc1qy", "bc1qz", "bc1qq"
)

// coSpendBlocks builds blocks 0-4 of a chain whose co-spends are:
//
//	block 2: tx 4 spends A and B (a co-spend); tx 5 spends D alone, tx 6
//	         two coins of C (neither is one);
//	block 3: tx 7 spends B and E, tx 8 H and K, tx 9 L and P (the
//	         transaction the tests' Joined judges a CoinJoin);
//	block 4: tx 10 spends E and H, joining {A, B, E} and {H, K}.
func coSpendBlocks() []*chains.Block {
	op := func(tx byte, vout uint32) chains.Outpoint { return chains.Outpoint{Tx: txid(tx), Index: vout} }
	b0 := utxoBlock(0, chains.Hash{}, coinbase(1, cF, 50*btc))
	// tx 3's outputs: 0 A, 1 B, 2 C, 3 C, 4 D, 5 E, 6 H, 7 K, 8 L, 9 P, 10 B.
	var outs []chains.TxOut
	for _, a := range []chains.Address{cA, cB, cC, cC, cD, cE, cH, cK, cL, cP, cB} {
		outs = append(outs, pay(a, btc))
	}
	b1 := utxoBlock(1, b0.Hash, coinbase(2, cM, 50*btc), spend(3, []chains.Outpoint{op(1, 0)}, outs...))
	b2 := utxoBlock(2, b1.Hash, coinbase(20, cM, 50*btc),
		spend(4, []chains.Outpoint{op(3, 0), op(3, 1)}, pay(cX, 2*btc-1000)),
		spend(5, []chains.Outpoint{op(3, 4)}, pay(cY, btc-1000)),
		spend(6, []chains.Outpoint{op(3, 2), op(3, 3)}, pay(cZ, 2*btc-1000)))
	b3 := utxoBlock(3, b2.Hash, coinbase(21, cM, 50*btc),
		spend(7, []chains.Outpoint{op(3, 10), op(3, 5)}, pay(cE, 2*btc-1000)),
		spend(8, []chains.Outpoint{op(3, 6), op(3, 7)}, pay(cH, 2*btc-1000)),
		spend(9, []chains.Outpoint{op(3, 8), op(3, 9)}, pay(cX, btc-500), pay(cY, btc-500)))
	b4 := utxoBlock(4, b3.Hash, coinbase(22, cM, 50*btc),
		spend(10, []chains.Outpoint{op(7, 0), op(8, 0)}, pay(cQ, 4*btc-3000)))
	return []*chains.Block{b0, b1, b2, b3, b4}
}

// joinedTx9 is a Joined that takes tx 9 for a CoinJoin, and records that it
// was asked about tx 9 with its inputs resolved at block 3.
func joinedTx9(t *testing.T) func(*chains.UTXOTx, uint64) bool {
	return func(tx *chains.UTXOTx, height uint64) bool {
		if tx.Hash != txid(9) {
			return false
		}
		if height != 3 || len(tx.Inputs) != 2 || !tx.Inputs[0].Resolved || tx.Inputs[0].Address != cL || tx.Inputs[1].Address != cP {
			t.Errorf("Joined asked about tx 9 at height %d with inputs %+v", height, tx.Inputs)
		}
		return true
	}
}

// utxoChain is a Bitcoin block source of fixed blocks; Block hands out
// copies, as a node would, since committing resolves their inputs.
type utxoChain struct{ blocks []*chains.Block }

func (u *utxoChain) Chain() chains.Chain                     { return chains.Bitcoin }
func (u *utxoChain) Network(context.Context) (string, error) { return "bitcoin:regtest", nil }
func (u *utxoChain) Head(context.Context) (uint64, error)    { return uint64(len(u.blocks) - 1), nil }
func (u *utxoChain) BlockHash(_ context.Context, n uint64) (chains.Hash, error) {
	return u.blocks[n].Hash, nil
}
func (u *utxoChain) Block(_ context.Context, n uint64) (*chains.Block, error) {
	if n >= uint64(len(u.blocks)) {
		return nil, fmt.Errorf("no block %d", n)
	}
	b := *u.blocks[n]
	b.UTXOTxs = slices.Clone(b.UTXOTxs)
	for i := range b.UTXOTxs {
		b.UTXOTxs[i].Inputs = slices.Clone(b.UTXOTxs[i].Inputs)
		b.UTXOTxs[i].Outputs = slices.Clone(b.UTXOTxs[i].Outputs)
	}
	return &b, nil
}

// coSpendKeys counts the store's 'U' and 'J' keys, and checks that the 'J'
// keys are exactly those the 'U' records name.
func coSpendKeys(t *testing.T, s *Store) (u, j int) {
	t.Helper()
	want := map[string]bool{}
	var got []string
	err := s.Each(func(k, v []byte) error {
		switch k[0] {
		case prefixCoSpend:
			u++
			r := reader{b: k[2:]}
			n, index := r.u64(), r.u32()
			addrs, err := decodeCoSpend(chains.Bitcoin, v)
			if err != nil {
				return err
			}
			for _, a := range addrs {
				want[string(coSpenderKey(chains.Bitcoin, a, n, index))] = true
			}
		case prefixCoSpender:
			j++
			got = append(got, string(k))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range got {
		if !want[k] {
			t.Errorf("co-spender key %x names no co-spend record", k)
		}
	}
	if len(want) != len(got) {
		t.Errorf("%d co-spender keys, the co-spend records name %d", len(got), len(want))
	}
	return u, j
}

// checkCluster checks a's cluster at limit.
func checkCluster(t *testing.T, s *Store, a chains.Address, limit int, complete bool, want ...chains.Address) {
	t.Helper()
	got, ok, err := s.Cluster(context.Background(), chains.Bitcoin, a, limit)
	want = slices.Sorted(slices.Values(want))
	if err != nil || ok != complete || !slices.Equal(got, want) {
		t.Errorf("cluster of %s (limit %d): %v complete %v (%v), want %v complete %v", a, limit, got, ok, err, want, complete)
	}
}

func TestClusterCoSpends(t *testing.T) {
	s := openTemp(t, "")
	src := &utxoChain{blocks: coSpendBlocks()}
	res, err := s.Sync(context.Background(), src, SyncOptions{Joined: joinedTx9(t)})
	if err != nil || res.Height != 4 {
		t.Fatalf("sync: %+v %v", res, err)
	}
	// Co-spends: tx 4 {A, B}, tx 7 {B, E}, tx 8 {H, K}, tx 10 {E, H}; not
	// tx 9 (a CoinJoin), the one-input tx 5, tx 6 of C's coins alone, or a
	// coinbase.
	if u, j := coSpendKeys(t, s); u != 4 || j != 8 {
		t.Fatalf("%d co-spend records, %d co-spender keys; want 4 and 8", u, j)
	}
	for _, a := range []chains.Address{cA, cB, cE, cH, cK} {
		checkCluster(t, s, a, 10_000, true, cA, cB, cE, cH, cK) // transitively, over three blocks
	}
	for _, a := range []chains.Address{cL, cP, cC, cD, cX, cQ, cM, "bc1qnever"} {
		checkCluster(t, s, a, 10_000, true, a)
	}
	// Every member but the address itself is cut off at a limit of 1.
	checkCluster(t, s, cA, 1, false, cA)
	checkCluster(t, s, cA, 5, true, cA, cB, cE, cH, cK)
	checkCluster(t, s, cA, 4, false, cA, cB, cE, cH) // breadth first: A; B; E; H, then K is one too many
	checkCluster(t, s, cA, 0, true, cA, cB, cE, cH, cK)
	// An account chain keeps no co-spends.
	if got, ok, err := s.Cluster(context.Background(), chains.Ethereum, addr(1), 10); err != nil || !ok || !slices.Equal(got, []chains.Address{addr(1)}) {
		t.Errorf("cluster of an Ethereum address: %v %v %v", got, ok, err)
	}

	// Without a CoinJoin judgement (Commit), tx 9 is a co-spend too.
	s2 := openTemp(t, "")
	if err := s2.Commit(chains.Bitcoin, coSpendBlocks(), nil); err != nil {
		t.Fatal(err)
	}
	if u, j := coSpendKeys(t, s2); u != 5 || j != 10 {
		t.Fatalf("Commit: %d co-spend records, %d co-spender keys; want 5 and 10", u, j)
	}
	checkCluster(t, s2, cL, 100, true, cL, cP)

	// A detached block, its inputs resolved within it, writes none.
	far := utxoBlock(100, chains.Hash{9},
		spend(70, []chains.Outpoint{{Tx: txid(99)}}, pay(cX, btc), pay(cY, btc)),
		spend(71, []chains.Outpoint{{Tx: txid(70)}, {Tx: txid(70), Index: 1}}, pay(cZ, 2*btc-1000)))
	if err := s.CommitDetached(chains.Bitcoin, []*chains.Block{far}); err != nil {
		t.Fatal(err)
	}
	if rec, err := s.Tx(chains.Bitcoin, txid(71)); err != nil || !rec.UTXO.Inputs[1].Resolved {
		t.Fatalf("the detached co-spend's inputs: %+v %v", rec, err)
	}
	if u, j := coSpendKeys(t, s); u != 4 || j != 8 {
		t.Errorf("after a detached block: %d co-spend records, %d co-spender keys; want 4 and 8", u, j)
	}
	checkCluster(t, s, cX, 100, true, cX)
}

// TestClusterUnresolvedInput checks that a transaction with an input whose
// spent output the store does not hold is not clustered: a CoinJoin
// detector cannot judge it.
func TestClusterUnresolvedInput(t *testing.T) {
	s := openTemp(t, "")
	b0 := utxoBlock(0, chains.Hash{}, coinbase(1, cF, 50*btc))
	b1 := utxoBlock(1, b0.Hash, spend(2, []chains.Outpoint{{Tx: txid(1)}}, pay(cA, btc), pay(cB, btc)),
		spend(3, []chains.Outpoint{{Tx: txid(2)}, {Tx: txid(2), Index: 1}, {Tx: txid(99)}}, pay(cX, 3*btc)))
	if err := s.Commit(chains.Bitcoin, []*chains.Block{b0, b1}, nil); err != nil {
		t.Fatal(err)
	}
	if u, j := coSpendKeys(t, s); u != 0 || j != 0 {
		t.Errorf("%d co-spend records, %d co-spender keys; want none", u, j)
	}
	checkCluster(t, s, cA, 100, true, cA)
}

func TestClusterRollback(t *testing.T) {
	s := openTemp(t, "")
	blocks := coSpendBlocks()
	if err := s.Commit(chains.Bitcoin, blocks, nil); err != nil {
		t.Fatal(err)
	}
	before := dump(t, s)
	checkCluster(t, s, cA, 100, true, cA, cB, cE, cH, cK)

	// Block 4's tx 10 joined {A, B, E} and {H, K}: rolled back, they part.
	if err := s.Rollback(chains.Bitcoin, 3); err != nil {
		t.Fatal(err)
	}
	if u, j := coSpendKeys(t, s); u != 4 || j != 8 {
		t.Errorf("rolled back to block 3: %d co-spend records, %d co-spender keys; want 4 and 8", u, j)
	}
	checkCluster(t, s, cA, 100, true, cA, cB, cE)
	checkCluster(t, s, cK, 100, true, cH, cK)
	checkCluster(t, s, cQ, 100, true, cQ)

	// Committed again, the store is as it was, key by key.
	if err := s.Commit(chains.Bitcoin, []*chains.Block{blocks[4]}, nil); err != nil {
		t.Fatal(err)
	}
	if !equal(dump(t, s), before) {
		t.Fatal("rollback and recommit changed the store")
	}

	// Down to block 1: no co-spends are left.
	if err := s.Rollback(chains.Bitcoin, 1); err != nil {
		t.Fatal(err)
	}
	if u, j := coSpendKeys(t, s); u != 0 || j != 0 {
		t.Errorf("rolled back to block 1: %d co-spend records, %d co-spender keys; want none", u, j)
	}
	checkCluster(t, s, cA, 100, true, cA)
	checkCluster(t, s, cL, 100, true, cL)
}

// TestClusterReorg syncs blocks 0-4 with no CoinJoin judgement, so that
// tx 9 is clustered, then a node whose chain forks at block 3 with a
// judgement that takes tx 9 for a CoinJoin. The rollback deletes the
// co-spends the orphaned blocks stored, whatever the judgement says now:
// none is left behind, and tx 9, mined again in the new block 3, is not
// clustered.
func TestClusterReorg(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, "")
	old := coSpendBlocks()
	if _, err := s.Sync(ctx, &utxoChain{blocks: old}, SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	checkCluster(t, s, cL, 100, true, cL, cP)
	checkCluster(t, s, cA, 100, true, cA, cB, cE, cH, cK)

	// The new branch: block 3 with the same transactions, block 4 where E
	// spends alone, and a block 5.
	b3 := *old[3]
	b3.Hash[2] = 1
	b3.UTXOTxs = slices.Clone(old[3].UTXOTxs)
	b4 := utxoBlock(4, b3.Hash, coinbase(22, cM, 50*btc), spend(10, []chains.Outpoint{{Tx: txid(7)}}, pay(cQ, 2*btc-2000)))
	b4.Hash[2] = 1
	b5 := utxoBlock(5, b4.Hash, coinbase(23, cM, 50*btc))
	src := &utxoChain{blocks: []*chains.Block{old[0], old[1], old[2], &b3, b4, b5}}
	res, err := s.Sync(ctx, src, SyncOptions{Joined: joinedTx9(t)})
	if err != nil || res.Reorgs != 1 || res.RolledBack != 2 || res.Height != 5 {
		t.Fatalf("sync over the reorg: %+v %v", res, err)
	}
	if u, j := coSpendKeys(t, s); u != 3 || j != 6 {
		t.Errorf("after the reorg: %d co-spend records, %d co-spender keys; want 3 and 6", u, j)
	}
	checkCluster(t, s, cL, 100, true, cL)
	checkCluster(t, s, cP, 100, true, cP)
	checkCluster(t, s, cA, 100, true, cA, cB, cE)
	checkCluster(t, s, cH, 100, true, cH, cK)
}

// TestClusterLimit walks a chain of co-spends a0-a1, a1-a2, ..., a4-a5.
func TestClusterLimit(t *testing.T) {
	s := openTemp(t, "")
	var as []chains.Address
	var outs []chains.TxOut
	for i := range 6 {
		as = append(as, chains.Address(fmt.Sprintf("bc1qchain%d", i)))
		outs = append(outs, pay(as[i], btc), pay(as[i], btc)) // outputs 2i and 2i+1
	}
	b0 := utxoBlock(0, chains.Hash{}, coinbase(1, cF, 50*btc))
	b1 := utxoBlock(1, b0.Hash, spend(2, []chains.Outpoint{{Tx: txid(1)}}, outs...))
	var txs []chains.UTXOTx
	for i := range 5 {
		txs = append(txs, spend(byte(10+i), []chains.Outpoint{{Tx: txid(2), Index: uint32(2*i + 1)}, {Tx: txid(2), Index: uint32(2*i + 2)}}, pay(cF, 2*btc-1000)))
	}
	b2 := utxoBlock(2, b1.Hash, txs...)
	if err := s.Commit(chains.Bitcoin, []*chains.Block{b0, b1, b2}, nil); err != nil {
		t.Fatal(err)
	}
	checkCluster(t, s, as[0], 6, true, as...)
	checkCluster(t, s, as[5], 10_000, true, as...)
	checkCluster(t, s, as[0], 3, false, as[0], as[1], as[2])
	checkCluster(t, s, as[3], 3, false, as[2], as[3], as[4])
	checkCluster(t, s, as[0], 5, false, as[:5]...)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := s.Cluster(ctx, chains.Bitcoin, as[0], 10); err == nil {
		t.Error("a cancelled context read a cluster")
	}
}

// TestClusterManyInputs checks a consolidation of 40 coins of three
// addresses: one record of the three, in input order.
func TestClusterManyInputs(t *testing.T) {
	s := openTemp(t, "")
	from := []chains.Address{cC, cA, cB}
	var outs []chains.TxOut
	var ins []chains.Outpoint
	for i := range 40 {
		outs = append(outs, pay(from[i%3], btc/10))
		ins = append(ins, chains.Outpoint{Tx: txid(2), Index: uint32(i)})
	}
	b0 := utxoBlock(0, chains.Hash{}, coinbase(1, cF, 50*btc))
	b1 := utxoBlock(1, b0.Hash, spend(2, []chains.Outpoint{{Tx: txid(1)}}, outs...), spend(3, ins, pay(cX, 4*btc-5000)))
	if err := s.Commit(chains.Bitcoin, []*chains.Block{b0, b1}, nil); err != nil {
		t.Fatal(err)
	}
	if u, j := coSpendKeys(t, s); u != 1 || j != 3 {
		t.Fatalf("%d co-spend records, %d co-spender keys; want 1 and 3", u, j)
	}
	var rec []chains.Address
	s.Each(func(k, v []byte) error {
		if k[0] == prefixCoSpend {
			var err error
			rec, err = decodeCoSpend(chains.Bitcoin, v)
			return err
		}
		return nil
	})
	if !slices.Equal(rec, from) {
		t.Errorf("co-spend record %v, want %v", rec, from)
	}
	checkCluster(t, s, cB, 0, true, cA, cB, cC)
}
