package main

import (
	"testing"

	"github.com/btcsuite/btcd/wire/v2"

	"github.com/houndtrace/hound/chains/bitcoin/btcdtest"
)

// regtest is a btcd regtest node for one test, with block 1's coinbase
// mature, and the helpers the Bitcoin scenario tests share. Key 0 of its
// wallet is the miner's.
type regtest struct {
	t *testing.T
	*btcdtest.Node
}

// startRegtest starts a node whose wallet derives from seed.
func startRegtest(t *testing.T, seed string) regtest {
	t.Helper()
	n, err := btcdtest.Start(t.Context(), t, btcdtest.Options{Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Generate(t.Context(), btcdtest.CoinbaseMaturity+1); err != nil {
		t.Fatal(err)
	}
	return regtest{t, n}
}

// to pays sats to key's P2WPKH script.
func (r regtest) to(key int, sats int64) *wire.TxOut {
	return &wire.TxOut{Value: sats, PkScript: r.Wallet.Script(btcdtest.P2WPKH, key)}
}

// addr is key's P2WPKH address.
func (r regtest) addr(key int) string {
	r.t.Helper()
	a, err := r.Wallet.Address(btcdtest.P2WPKH, key)
	if err != nil {
		r.t.Fatal(err)
	}
	return a.String()
}

// exact sends a transaction of exactly these inputs and outputs (the fee
// is what they leave) and mines it in a block of its own.
func (r regtest) exact(ins []wire.OutPoint, outs ...*wire.TxOut) *wire.MsgTx {
	r.t.Helper()
	tx, err := r.SpendExact(r.t.Context(), ins, outs...)
	if err != nil {
		r.t.Fatal(err)
	}
	if _, err := r.Mine(r.t.Context(), tx); err != nil {
		r.t.Fatal(err)
	}
	return tx
}
