package trace_test

import (
	"context"
	"math/big"
	"testing"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/labels"
	"github.com/houndtrace/hound/store"
	"github.com/houndtrace/hound/trace"
)

// These tests walk the laundering playbook's steps (METHODS.md section 5)
// over hand-made blocks committed to a real store, events included: the
// store's flags and indexes and the walk's heuristics together.

// ethBlocks builds an account chain one transaction a block.
type ethBlocks struct {
	blocks []*chains.Block
	time   uint64
}

// tx adds a block holding one transaction with these transfers, numbered 1,
// 2, ... in order, and events at the ordinals they give (Pos.Index). It
// returns the transaction's hash.
func (b *ethBlocks) tx(moves []chains.Transfer, events ...chains.Event) chains.Hash {
	n := uint64(len(b.blocks) + 1)
	blk := &chains.Block{Chain: chains.Ethereum, Number: n, Time: b.time + 12*n}
	blk.Hash[0], blk.Hash[1], blk.Hash[2] = byte(n), byte(n>>8), 0xee
	if len(b.blocks) > 0 {
		blk.Parent = b.blocks[len(b.blocks)-1].Hash
	}
	var h chains.Hash
	h[0], h[1], h[2] = byte(n), byte(n>>8), 0x77
	blk.Txs = []chains.Tx{{Hash: h, From: moves[0].From, Status: chains.TxSucceeded}}
	for i, m := range moves {
		m.Chain, m.Tx, m.Pos, m.Time = chains.Ethereum, h, chains.Pos{Block: n, Index: uint32(i + 1)}, blk.Time
		if m.Asset == "" {
			m.Asset = chains.Native
		}
		if m.Kind == 0 {
			m.Kind = chains.KindNative
		}
		blk.Transfers = append(blk.Transfers, m)
	}
	for _, ev := range events {
		ev.Chain, ev.Tx, ev.Pos, ev.Time = chains.Ethereum, h, chains.Pos{Block: n, Index: ev.Pos.Index}, blk.Time
		blk.Events = append(blk.Events, ev)
	}
	b.blocks = append(b.blocks, blk)
	return h
}

func (b *ethBlocks) commit(t *testing.T, s *store.Store) {
	t.Helper()
	if err := s.Commit(chains.Ethereum, b.blocks, nil); err != nil {
		t.Fatal(err)
	}
}

func move(kind chains.Kind, from, to chains.Address, asset chains.Asset, amount *big.Int) chains.Transfer {
	return chains.Transfer{Kind: kind, From: from, To: to, Asset: asset, Amount: amount}
}

// TestTraceSwapFanOutMixer is METHODS.md's S2 with its swap and its mixer:
// the thief sends 1,000,000 stolen USDT to E0, which holds 10 ETH clean;
// E0 swaps them through a router and a pair for 500 ETH (the pair pays
// WETH to the router, which unwraps it and pays E0 the ether), sends 5 x
// 100 ETH to H1-H5, and each deposits into a 100 ETH pool; H2 later
// withdraws to itself and sends the 100 ETH to an exchange.
func TestTraceSwapFanOutMixer(t *testing.T) {
	thief, e0, funder, pair, router, weth, pool, ex := addr("thief"), addr("E0"), addr("funder"), addr("pair"), addr("router"), addr("weth"), addr("pool"), addr("exchange")
	usdt := chains.Asset(addr("usdt"))
	wethAsset := chains.Asset(weth)
	usd := new(big.Int).Mul(big.NewInt(1_000_000), big.NewInt(1e6))
	h := []chains.Address{addr("H1"), addr("H2"), addr("H3"), addr("H4"), addr("H5")}
	var b ethBlocks
	b.tx([]chains.Transfer{move(chains.KindToken, addr("victim"), thief, usdt, usd)})
	b.tx([]chains.Transfer{move(chains.KindToken, thief, e0, usdt, usd)})
	b.tx([]chains.Transfer{move(chains.KindNative, funder, e0, chains.Native, eth(10))})
	b.tx([]chains.Transfer{
		move(chains.KindToken, e0, pair, usdt, usd),
		move(chains.KindToken, pair, router, wethAsset, eth(500)),
		move(chains.KindInternal, weth, router, chains.Native, eth(500)),
		move(chains.KindUnwrap, router, weth, wethAsset, eth(500)),
		move(chains.KindInternal, router, e0, chains.Native, eth(500)),
	}, chains.Event{Kind: chains.EventSwap, Contract: pair, From: router, To: router, Pos: chains.Pos{Index: 3}})
	for _, hi := range h {
		b.tx([]chains.Transfer{move(chains.KindNative, e0, hi, chains.Native, eth(100))})
	}
	var deposits []chains.Hash
	for _, hi := range h {
		deposits = append(deposits, b.tx([]chains.Transfer{move(chains.KindNative, hi, pool, chains.Native, eth(100))},
			chains.Event{Kind: chains.EventMixerDeposit, Contract: pool, From: hi, Amount: eth(100), Pos: chains.Pos{Index: 2}}))
	}
	b.tx([]chains.Transfer{move(chains.KindInternal, pool, h[1], chains.Native, eth(100))},
		chains.Event{Kind: chains.EventMixerWithdrawal, Contract: pool, From: h[1], To: h[1], Relayer: h[1], Fee: new(big.Int), Amount: eth(100), Pos: chains.Pos{Index: 2}})
	b.tx([]chains.Transfer{move(chains.KindNative, h[1], ex, chains.Native, eth(99))})
	s := tempStore(t)
	b.commit(t, s)
	lk := lookup{ex: labels.Exchange}
	seed := []chains.Node{chains.AccountOf(chains.Ethereum, thief, usdt)}

	tests := []struct {
		model trace.Model
		h2    string // tainted wei H2 deposits (and, withdrawn to itself, re-seeds)
		dep   string // tainted wei in H2's 99 ETH to the exchange
	}{
		// The swap carries the USDT's tainted fraction, 1, to E0's 500 ETH.
		// Haircut: E0 holds 510 ETH, 500 tainted; H1 gets
		// floor(100e18*500/510) = 98039215686274509803, H2
		// floor(100e18*(500e18-98039215686274509803)/410e18) =
		// 98039215686274509804. H2 withdraws it back: 100 ETH of which
		// that much tainted; 99 of them carry floor(99/100 of it).
		{trace.Haircut, "98039215686274509804", "97058823529411764705"},
		// FIFO: E0's first 10 ETH are clean, so H1 gets 90 tainted, H2 100.
		{trace.FIFO, "100000000000000000000", "99000000000000000000"},
	}
	for _, tt := range tests {
		for _, follow := range []bool{false, true} {
			res, err := trace.Trace(context.Background(), s, lk, seed, trace.Options{Model: tt.model, FollowMixers: follow})
			if err != nil {
				t.Fatal(err)
			}
			kinds := map[trace.FindingKind][]trace.Finding{}
			for _, f := range res.Findings {
				kinds[f.Kind] = append(kinds[f.Kind], f)
			}
			swap := kinds[trace.FindingDEXSwap]
			if len(swap) != 1 || swap[0].Address != pair || swap[0].Edge.To != chains.AccountOf(chains.Ethereum, e0, chains.Native) ||
				swap[0].Edge.Tainted.Cmp(eth(500)) != 0 || swap[0].Hop != 2 {
				t.Fatalf("%s: swap findings %+v", tt.model, swap)
			}
			if fan := kinds[trace.FindingFanOut]; len(fan) != 1 || fan[0].Address != e0 {
				t.Errorf("%s: fan-out findings %+v", tt.model, fan)
			}
			mix := kinds[trace.FindingMixer]
			if len(mix) != 5 {
				t.Fatalf("%s: %d mixer findings", tt.model, len(mix))
			}
			for i, m := range mix {
				if m.Address != pool || m.Denomination.Cmp(eth(100)) != 0 || m.Edge.Tx != deposits[i] || m.Hop != 4 {
					t.Errorf("%s: mixer finding %d: %+v", tt.model, i, m)
				}
			}
			if got := mix[1].Edge.Tainted.String(); got != tt.h2 {
				t.Errorf("%s: H2 deposits %s tainted, want %s", tt.model, got, tt.h2)
			}
			exit := kinds[trace.FindingMixerExit]
			if len(exit) != 1 || exit[0].Address != h[1] || exit[0].Heuristic != "address-match" || exit[0].Confidence != trace.ConfidenceAddressMatch ||
				exit[0].Edge.Tainted.String() != tt.h2 || exit[0].Hop != 5 || len(exit[0].Path) != 5 {
				t.Fatalf("%s: exit findings %+v", tt.model, exit)
			}
			dep := kinds[trace.FindingExchangeDeposit]
			if !follow {
				if len(dep) != 0 {
					t.Errorf("%s: without --follow-mixers the trace reached %+v", tt.model, dep)
				}
				continue
			}
			// H2 got 100 ETH and swept 99 to the exchange: a slack of 1 ETH
			// is beyond Victor's 0.01, so H2 is no deposit address and the
			// exchange itself is the finding.
			if len(dep) != 0 {
				t.Errorf("%s: deposit findings %+v", tt.model, dep)
			}
			exc := kinds[trace.FindingExchange]
			if len(exc) != 1 || exc[0].Edge.Tainted.String() != tt.dep || exc[0].Hop != 6 {
				t.Errorf("%s: exchange findings %+v", tt.model, exc)
			}
		}
	}
}
