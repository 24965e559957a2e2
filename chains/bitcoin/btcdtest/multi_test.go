package btcdtest

import (
	"bytes"
	"testing"

	"github.com/btcsuite/btcd/wire/v2"
)

// TestSpendExact funds three outputs of different kinds, then spends them
// in a chosen order to an OP_RETURN and two equal outputs with a fee of
// exactly 3,000 sat and no change, and reads it back from the node.
func TestSpendExact(t *testing.T) {
	ctx := testCtx(t)
	n := startFunded(t, ctx, Options{})
	fund, err := n.Send(ctx,
		wire.NewTxOut(400_000, n.Wallet.Script(P2WPKH, 1)),
		wire.NewTxOut(300_000, n.Wallet.Script(P2TR, 2)),
		wire.NewTxOut(200_000, n.Wallet.Script(P2PKH, 3)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Mine(ctx, fund); err != nil {
		t.Fatal(err)
	}
	ins := OutPoints(fund, 2, 0, 1)
	if got := OutPoints(fund); len(got) != 4 || got[3] != (wire.OutPoint{Hash: fund.TxHash(), Index: 3}) {
		t.Fatalf("OutPoints of every output: %v", got)
	}
	memo := bytes.Repeat([]byte{0xa5}, 46)
	outs := []*wire.TxOut{
		wire.NewTxOut(0, NullData(memo)),
		wire.NewTxOut(448_500, n.Wallet.Script(P2WPKH, 4)),
		wire.NewTxOut(448_500, n.Wallet.Script(P2WPKH, 5)),
	}
	if _, err := n.Wallet.BuildExact(ins, wire.NewTxOut(900_001, n.Wallet.Script(P2WPKH, 4))); err == nil {
		t.Error("BuildExact paid more than its inputs hold")
	}
	if _, err := n.Wallet.BuildExact([]wire.OutPoint{{Index: 7}}, outs...); err == nil {
		t.Error("BuildExact spent an output the wallet does not hold")
	}
	tx, err := n.SpendExact(ctx, ins, outs...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Mine(ctx, tx); err != nil {
		t.Fatal(err)
	}
	id := tx.TxHash()
	res, err := n.Client().GetRawTransactionVerbose(&id)
	if err != nil {
		t.Fatal(err)
	}
	// No change output: the fee is what the inputs leave, 900,000 - 897,000.
	if res.Confirmations != 1 || len(res.Vin) != 3 || len(res.Vout) != 3 {
		t.Fatalf("%d confirmations, %d inputs, %d outputs; want 1, 3, 3", res.Confirmations, len(res.Vin), len(res.Vout))
	}
	for i, op := range ins {
		if res.Vin[i].Txid != op.Hash.String() || res.Vin[i].Vout != op.Index {
			t.Errorf("input %d spends %s:%d, want %s", i, res.Vin[i].Txid, res.Vin[i].Vout, op)
		}
	}
	if res.Vout[0].ScriptPubKey.Type != "nulldata" || res.Vout[1].Value != 0.004485 || res.Vout[2].Value != 0.004485 {
		t.Errorf("outputs %+v", res.Vout)
	}
	for _, op := range ins {
		if _, ok := n.Wallet.UTXO(op); ok {
			t.Errorf("the wallet still holds %s, which the transaction spent", op)
		}
	}
	for _, op := range OutPoints(tx, 1, 2) {
		if _, ok := n.Wallet.UTXO(op); !ok {
			t.Errorf("the wallet does not hold %s, which pays to its script", op)
		}
	}
	// A transaction the node never saw is not in the next block.
	stray, err := n.Wallet.BuildExact(OutPoints(tx, 1), wire.NewTxOut(440_000, n.Wallet.Script(P2WPKH, 6)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Mine(ctx, stray); err == nil {
		t.Error("Mine found a transaction never sent in its block")
	}
}
