package trace_test

import (
	"context"
	"math/big"
	"strings"
	"testing"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/labels"
	"github.com/houndtrace/hound/trace"
)

// theftLabels labels each address a theft of DPRK's, and the others as
// given.
type theftLabels struct {
	thefts map[chains.Address]bool
	lookup
}

func (l theftLabels) Lookup(c chains.Chain, a chains.Address) []labels.Label {
	if l.thefts[a] {
		return []labels.Label{{Chain: c, Address: a, Category: labels.Theft, Entity: "Exploiter", Actor: labels.DPRK, Source: "test"}}
	}
	return l.lookup.Lookup(c, a)
}

func exposureOf(t *testing.T, x *trace.Exposure, asset chains.Asset) trace.AssetExposure {
	t.Helper()
	for _, a := range x.Assets {
		if a.Asset == asset {
			return a
		}
	}
	t.Fatalf("no exposure in %s: %+v", asset, x.Assets)
	return trace.AssetExposure{}
}

// TestScreenAccount screens D, which got 5 ETH straight from the thief S and
// 20 ETH from X, which held 10 ETH of S's and 30 clean; a clean address; and
// an address the store has never seen.
func TestScreenAccount(t *testing.T) {
	s0, k, mid, d, clean := addr("S"), addr("K"), addr("X"), addr("D"), addr("clean")
	var b ethBlocks
	b.tx([]chains.Transfer{move(chains.KindNative, addr("victim"), s0, chains.Native, eth(100))})
	b.tx([]chains.Transfer{move(chains.KindNative, s0, mid, chains.Native, eth(10))})
	b.tx([]chains.Transfer{move(chains.KindNative, k, mid, chains.Native, eth(30))})
	b.tx([]chains.Transfer{move(chains.KindNative, mid, d, chains.Native, eth(20))})
	b.tx([]chains.Transfer{move(chains.KindNative, s0, d, chains.Native, eth(5))})
	b.tx([]chains.Transfer{move(chains.KindNative, k, clean, chains.Native, eth(7))})
	st := tempStore(t)
	b.commit(t, st)
	lk := theftLabels{thefts: map[chains.Address]bool{s0: true}}
	tests := []struct {
		model            trace.Model
		direct, indirect string
	}{
		// Haircut: X holds 40 ETH, 10 tainted: its 20 to D carry 5.
		{trace.Haircut, "5000000000000000000", "5000000000000000000"},
		// FIFO: X's oldest 10 are S's: all of them go to D.
		{trace.FIFO, "5000000000000000000", "10000000000000000000"},
	}
	for _, tt := range tests {
		x, err := trace.Screen(context.Background(), st, lk, chains.Subject{Chain: chains.Ethereum, Address: d}, trace.ScreenOptions{Model: tt.model})
		if err != nil {
			t.Fatal(err)
		}
		a := exposureOf(t, x, chains.Native)
		if !x.Seen || !x.Complete || a.Inflow.Cmp(eth(25)) != 0 || a.Direct.String() != tt.direct || a.Indirect.String() != tt.indirect {
			t.Errorf("%s: seen %v complete %v: inflow %s direct %s indirect %s", tt.model, x.Seen, x.Complete, a.Inflow, a.Direct, a.Indirect)
		}
		if len(x.Paths) != 2 || len(x.Sources) != 1 || x.Sources[0].Address != s0 || x.Paths[0][0].From.Address != s0 {
			t.Errorf("%s: paths %d, sources %+v", tt.model, len(x.Paths), x.Sources)
		}
	}
	x, err := trace.Screen(context.Background(), st, lk, chains.Subject{Chain: chains.Ethereum, Address: clean}, trace.ScreenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a := exposureOf(t, x, chains.Native); !x.Seen || a.Inflow.Cmp(eth(7)) != 0 || a.Tainted().Sign() != 0 || len(x.Paths) != 0 {
		t.Errorf("clean: %+v", x)
	}
	x, err = trace.Screen(context.Background(), st, lk, chains.Subject{Chain: chains.Ethereum, Address: addr("never")}, trace.ScreenOptions{})
	if err != nil || x.Seen || len(x.Assets) != 0 {
		t.Errorf("unseen: %+v, %v", x, err)
	}
	// A deposit: the transaction that paid D from X, by its hash.
	x, err = trace.Screen(context.Background(), st, lk, chains.Subject{Chain: chains.Ethereum, Tx: b.blocks[3].Txs[0].Hash, IsTx: true}, trace.ScreenOptions{})
	if a := exposureOf(t, x, chains.Native); err != nil || a.Inflow.Cmp(eth(20)) != 0 || a.Direct.Sign() != 0 || a.Indirect.Cmp(eth(5)) != 0 {
		t.Errorf("deposit: %+v, %v", x.Assets, err)
	}
}

// TestScreenAcrossSwapAndBridge screens a Bitcoin output paid from a
// THORChain payout whose inbound, on Ethereum, was funded by swapping
// stolen tokens: the cone crosses the bridge (by the payout's OUT memo) and
// the swap (by the address's other asset).
func TestScreenAcrossSwapAndBridge(t *testing.T) {
	s0, h, pair, router, vault := addr("S"), addr("H"), addr("pair"), addr("router"), addr("vault")
	usdt := chains.Asset(addr("usdt"))
	dest, vaultBTC, deposit := p2wpkh(t, 0x81), p2wpkh(t, 0x82), p2wpkh(t, 0x83)
	var b ethBlocks
	b.time = 1_700_000_000
	b.tx([]chains.Transfer{move(chains.KindToken, addr("victim"), s0, usdt, big.NewInt(9_000_000))})
	b.tx([]chains.Transfer{move(chains.KindToken, s0, h, usdt, big.NewInt(9_000_000))})
	b.tx([]chains.Transfer{move(chains.KindNative, addr("funder"), h, chains.Native, eth(30))})
	b.tx([]chains.Transfer{move(chains.KindToken, h, pair, usdt, big.NewInt(9_000_000)), move(chains.KindInternal, pair, h, chains.Native, eth(10))})
	inbound := b.tx([]chains.Transfer{move(chains.KindNative, h, router, chains.Native, eth(40)), move(chains.KindInternal, router, vault, chains.Native, eth(40))},
		chains.Event{Kind: chains.EventBridgeDeposit, Contract: router, From: h, To: vault, Asset: chains.Native, Amount: eth(40), Memo: "=:b:" + string(dest), Pos: chains.Pos{Index: 3}})
	st := tempStore(t)
	b.commit(t, st)
	out := chains.TxOut{Kind: chains.ScriptNullData, Data: []byte("OUT:" + strings.ToUpper(inbound.Format(chains.Bitcoin)))}
	btc := []*chains.Block{
		{Number: 1, UTXOTxs: []chains.UTXOTx{utx(1, nil, pay(vaultBTC, 1_000_000_000))}},
		{Number: 2, UTXOTxs: []chains.UTXOTx{utx(2, []chains.Outpoint{{Tx: txid(1)}}, pay(dest, 200_000_000), pay(vaultBTC, 799_990_000), out)}},
		{Number: 3, UTXOTxs: []chains.UTXOTx{utx(3, []chains.Outpoint{{Tx: txid(2)}}, pay(deposit, 199_990_000))}},
	}
	commitBitcoin(t, st, b.time+3600, btc)
	lk := theftLabels{thefts: map[chains.Address]bool{s0: true}}
	// Haircut: the swap gives H 10 ETH all tainted beside 30 clean, so its
	// 40 ETH deposit carries 10 (1/4): the 2 BTC payout 50,000,000 sat, and
	// the deposit's 199,990,000 sat floor(199990000/4) = 49,997,500.
	sub := chains.Subject{Chain: chains.Bitcoin, Tx: txid(3), IsTx: true, Index: 0, HasIndex: true}
	x, err := trace.Screen(context.Background(), st, lk, sub, trace.ScreenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a := exposureOf(t, x, chains.Native)
	if a.Inflow.Int64() != 199_990_000 || a.Direct.Sign() != 0 || a.Indirect.Int64() != 49_997_500 || len(x.Sources) != 1 || x.Sources[0].Address != s0 {
		t.Errorf("inflow %s direct %s indirect %s, sources %+v, cone %d", a.Inflow, a.Direct, a.Indirect, x.Sources, x.Cone)
	}
	// The address itself, screened: the same coin.
	x, err = trace.Screen(context.Background(), st, lk, chains.Subject{Chain: chains.Bitcoin, Address: deposit}, trace.ScreenOptions{})
	if a := exposureOf(t, x, chains.Native); err != nil || a.Indirect.Int64() != 49_997_500 {
		t.Errorf("address: %+v, %v", x.Assets, err)
	}
}
