package btcdtest

import (
	"context"
	"fmt"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// Transactions of a set shape. Build and Spend pay the fixed Fee and add
// a change output at the end; a CoinJoin is not built that way: its fee
// is what its inputs leave over its outputs, and the order of both is part
// of its fingerprint (Wasabi 2 sorts by value). BuildExact, SpendExact and
// Mine build, send and mine such transactions.

// BuildExact returns a signed transaction spending exactly ins (outputs
// the wallet holds) to exactly outs, both in the order given: no change
// output, and a fee of whatever the inputs leave over the outputs, which
// may be anything down to zero (the node's relay policy may ask for
// more). Every input is checked with btcd's script engine under the
// standard verification flags, as Build does.
func (w *Wallet) BuildExact(ins []wire.OutPoint, outs ...*wire.TxOut) (*wire.MsgTx, error) {
	tx := wire.NewMsgTx(2)
	prevs := make([]UTXO, len(ins))
	var in, out int64
	for i, op := range ins {
		u, ok := w.UTXO(op)
		if !ok {
			return nil, fmt.Errorf("the wallet holds no output %s", op)
		}
		prevs[i] = u
		in += u.Value
		tx.AddTxIn(wire.NewTxIn(&ins[i], nil, nil))
	}
	for _, o := range outs {
		out += o.Value
		tx.AddTxOut(o)
	}
	if out > in {
		return nil, fmt.Errorf("inputs of %d sat cannot pay outputs of %d sat", in, out)
	}
	if err := w.sign(tx, prevs); err != nil {
		return nil, err
	}
	return tx, nil
}

// SpendExact is Spend with BuildExact: it signs a transaction spending
// exactly ins to exactly outs, sends it with sendrawtransaction, and
// updates the wallet. The transaction is in the node's mempool when
// SpendExact returns.
func (n *Node) SpendExact(ctx context.Context, ins []wire.OutPoint, outs ...*wire.TxOut) (*wire.MsgTx, error) {
	tx, err := n.Wallet.BuildExact(ins, outs...)
	if err != nil {
		return nil, err
	}
	if err := n.send(ctx, tx, ins); err != nil {
		return nil, err
	}
	return tx, nil
}

// Mine mines one block, as Generate does, and checks that it holds every
// one of txs: btcd's block template leaves out what its policy does not
// like, and a test had better hear of it here than find a transaction
// missing later. It returns the block's hash.
func (n *Node) Mine(ctx context.Context, txs ...*wire.MsgTx) (*chainhash.Hash, error) {
	hashes, err := n.Generate(ctx, 1)
	if err != nil {
		return nil, err
	}
	b, err := do(ctx, func() (*wire.MsgBlock, error) { return n.client.GetBlock(hashes[0]) })
	if err != nil {
		return nil, fmt.Errorf("fetch mined block %s: %w", hashes[0], err)
	}
	mined := make(map[chainhash.Hash]bool, len(b.Transactions))
	for _, tx := range b.Transactions {
		mined[tx.TxHash()] = true
	}
	for _, tx := range txs {
		if !mined[tx.TxHash()] {
			return hashes[0], fmt.Errorf("block %s does not hold transaction %s", hashes[0], tx.TxHash())
		}
	}
	return hashes[0], nil
}

// OutPoints returns the outpoints of the outputs of tx at the given
// indexes, in that order; with no index, of every output.
func OutPoints(tx *wire.MsgTx, indexes ...int) []wire.OutPoint {
	id := tx.TxHash()
	if len(indexes) == 0 {
		for i := range tx.TxOut {
			indexes = append(indexes, i)
		}
	}
	ops := make([]wire.OutPoint, len(indexes))
	for i, k := range indexes {
		ops[i] = wire.OutPoint{Hash: id, Index: uint32(k)}
	}
	return ops
}
