package main

import (
	"context"
	"fmt"
	"io"
	"math/big"
	"os"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/spf13/cobra"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/chains/ethereum/ethtest"
	"github.com/houndtrace/hound/labels"
	"github.com/houndtrace/hound/store"
	"github.com/houndtrace/hound/trace"
)

func newDemoCommand(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Play a small theft-and-laundering scenario on an in-process chain and show what hound stores",
		Long: `Start a real Ethereum chain inside this process (go-ethereum's EVM and JSON-RPC, served on
127.0.0.1 only: nothing leaves the machine), play a small DPRK-style theft on it, sync it
into a store over JSON-RPC and show what the store holds.

The scenario: a bridge's hot wallet is drained of 1,000 ETH and 2,550,000 USDC; the
exploiter wraps and unwraps ETH, fans 500 ETH out to five hop addresses through a
splitter contract, each hop deposits 100 ETH into a Tornado-style 100 ETH pool, and the
exploiter sends 40 ETH to a THORChain-style router with a memo that asks for Bitcoin.

Then hound traces the stolen money from the exploiter's address and reports where it met
the mixer pool and the bridge.

The store is a temporary directory, removed at the end, unless --store is given.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd.Context(), cmd.OutOrStdout(), g, cmd.Flags().Changed("store"))
		},
	}
}

// demoCast names the demo's accounts (funded keys of the in-process chain).
const (
	demoBridge    = 0 // the victim: a bridge's hot wallet
	demoExploiter = 1 // the thief
	demoHops      = 2 // keys 2..6: fan-out hop addresses
)

// demoPlay is what the scenario leaves to show.
type demoPlay struct {
	exploiter, mixer, router common.Address
	routerTx                 common.Hash
}

func runDemo(ctx context.Context, w io.Writer, g *globalOptions, keepStore bool) error {
	if !keepStore {
		dir, err := os.MkdirTemp("", "hound-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		g.Store = dir
	}
	fmt.Fprintln(w, "starting an in-process Ethereum chain (JSON-RPC on 127.0.0.1)...")
	chain, err := ethtest.Start(ethtest.Options{})
	if err != nil {
		return fmt.Errorf("demo: start the chain: %w", err)
	}
	defer chain.Close()
	play, err := playDemo(chain)
	if err != nil {
		return fmt.Errorf("demo: play the scenario: %w", err)
	}
	if err := runSync(ctx, w, os.Stderr, g, syncOptions{RPC: chain.URL(), To: "latest"}, "ethereum"); err != nil {
		return err
	}
	if err := labelDemo(g, play); err != nil {
		return err
	}
	fmt.Fprintln(w)
	if err := view(w, g, "table", runStoreInfo); err != nil {
		return err
	}
	steps := []struct {
		title string
		run   func() error
	}{
		{"The exploiter's address: the theft comes in, the laundering goes out", func() error {
			return lookup(w, g, "table", chains.AddressSubject, runAddress, "ethereum:"+play.exploiter.Hex())
		}},
		{"The 100 ETH mixer pool: five deposits of 100 ETH from the hop addresses", func() error {
			return lookup(w, g, "table", chains.AddressSubject, runAddress, "ethereum:"+play.mixer.Hex())
		}},
		{"The bridge deposit: 40 ETH through the router to the vault, memo asking for BTC", func() error {
			return lookup(w, g, "table", chains.TxSubject, runTx, "ethereum:"+play.routerTx.Hex())
		}},
		{"The trace: from the exploiter, where did the stolen money go? (hound trace, haircut model)", func() error {
			return runTrace(ctx, w, g, traceOptions{Model: "haircut", Hops: trace.DefaultHops, FanOut: trace.DefaultFanOut, Format: "table"},
				[]string{"ethereum:" + play.exploiter.Hex()})
		}},
	}
	for _, s := range steps {
		fmt.Fprintf(w, "\n== %s\n\n", s.title)
		if err := s.run(); err != nil {
			return err
		}
	}
	return nil
}

func ether(n int64) *big.Int { return new(big.Int).Mul(big.NewInt(n), big.NewInt(1e18)) }

// playDemo sends the scenario's transactions, one block per step.
func playDemo(c *ethtest.Chain) (*demoPlay, error) {
	p := &demoPlay{exploiter: c.Addr(demoExploiter)}
	var (
		usdc, weth, splitter common.Address
		hops                 []common.Address
		amounts              []*big.Int
		err                  error
	)
	for i := 0; i < 5; i++ {
		hops = append(hops, c.Addr(demoHops+i))
		amounts = append(amounts, ether(100))
	}
	vault := common.HexToAddress("0x00000000000000000000000000000000000face5")
	steps := []func() error{
		func() (err error) { // the bridge's contracts
			if usdc, _, err = c.Deploy(demoBridge, "Token", nil, "USD Coin", "USDC", uint8(6)); err != nil {
				return err
			}
			if weth, _, err = c.Deploy(demoBridge, "WETH", nil); err != nil {
				return err
			}
			if splitter, _, err = c.Deploy(demoExploiter, "Splitter", nil); err != nil {
				return err
			}
			if p.mixer, _, err = c.Deploy(demoBridge, "Mixer", nil, ether(100)); err != nil {
				return err
			}
			p.router, _, err = c.Deploy(demoBridge, "Router", nil)
			return err
		},
		func() error {
			_, err := c.Transact(demoBridge, usdc, "Token", "mint", nil, c.Addr(demoBridge), big.NewInt(25_500_000_000_000))
			return err
		},
		func() error { // the theft
			if _, err := c.SendETH(demoBridge, p.exploiter, ether(1000)); err != nil {
				return err
			}
			_, err := c.Transact(demoBridge, usdc, "Token", "transfer", nil, p.exploiter, big.NewInt(2_550_000_000_000))
			return err
		},
		func() error {
			_, err := c.Transact(demoExploiter, weth, "WETH", "deposit", ether(100))
			return err
		},
		func() error {
			_, err := c.Transact(demoExploiter, weth, "WETH", "withdraw", nil, ether(50))
			return err
		},
		func() error { // fan-out
			_, err := c.Transact(demoExploiter, splitter, "Splitter", "split", ether(500), hops, amounts)
			return err
		},
		func() error { // into the mixer
			for i := range hops {
				var commitment [32]byte
				commitment[0] = byte(i + 1)
				if _, err := c.Transact(demoHops+i, p.mixer, "Mixer", "deposit", ether(100), commitment); err != nil {
					return err
				}
			}
			return nil
		},
		func() (err error) { // the bridge to Bitcoin
			p.routerTx, err = c.Transact(demoExploiter, p.router, "Router", "deposit", ether(40), vault, common.Address{}, ether(40), "=:b:bc1qdemodestination:0/1/0:t:0")
			return err
		},
	}
	for _, step := range steps {
		if err = step(); err != nil {
			return nil, err
		}
		if _, err = c.Commit(); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// labelDemo stores the labels an investigator would have for the demo's
// addresses: the thief (attributed), the mixer pool and the bridge router.
func labelDemo(g *globalOptions, p *demoPlay) error {
	st, err := g.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	const source = "hound demo (a simulated scenario, not a real attribution)"
	addr := func(a common.Address) chains.Address { return chains.Address(strings.ToLower(a.Hex())) }
	ls := []labels.Label{
		{Chain: chains.Ethereum, Address: addr(p.exploiter), Category: labels.Theft, Entity: "Demo Bridge Exploiter",
			Actor: labels.DPRK, Group: "Lazarus Group", Campaign: "Demo Bridge 2026-11", Source: source, Confidence: labels.Forensic},
		{Chain: chains.Ethereum, Address: addr(p.mixer), Category: labels.Mixer, Entity: "Tornado-style pool 100 ETH",
			Source: source, Confidence: labels.Forensic},
		{Chain: chains.Ethereum, Address: addr(p.router), Category: labels.Bridge, Entity: "THORChain-style router",
			Source: source, Confidence: labels.Forensic},
	}
	return st.PutLabels(store.LabelSet{Name: "demo", Format: "hound demo"}, ls)
}
