package main

import (
	"context"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"

	"github.com/houndtrace/hound/chains/ethereum/ethtest"
)

// The Ethereum side of the demo: keys of the in-process chain. The first
// four are funded by the genesis block (1,000,000 ETH each); the others
// start empty, so the chain's transfers show every wei they hold, and with
// a gas price of zero they can send what they receive.
const (
	demoVictim   = 0 // the bridge that is robbed: its hot wallet holds the USDC
	demoDeployer = 1 // deploys the contracts and gives the DEX pair its liquidity
	demoOTC      = 2 // a clean source of ether: pays one hop address before the theft
	demoExchange = 3 // the exchange's Ethereum hot wallet
	demoFunded   = 4 // keys 0-3 are funded

	demoExploiter = 4                            // the thief
	demoHops      = 5                            // keys 5-9: the fan-out's hop addresses H1-H5
	demoHopCount  = 5                            // how many hop addresses
	demoDeposit   = demoHops + demoHopCount      // key 10: H2's deposit address at the exchange
	demoUnfunded  = demoDeposit + 1 - demoFunded // keys 4-10 start empty
)

// Amounts of the Ethereum side, in base units.
var (
	demoStolen      = usdc(25_500_000)  // the USDC drained from the bridge (Ronin's 25.5M)
	demoPairUSDC    = usdc(255_000_000) // the pair's liquidity: 255M USDC ...
	demoPairETH     = ether(100_000)    // ... against 100,000 WETH
	demoHopAmount   = ether(100)        // each hop's share of the fan-out, and the pool's denomination
	demoOTCAmount   = ether(25)         // clean ether H5 holds before the theft
	demoBridgeValue = ether(100)        // what H5 sends through the THORChain-style router
)

// demoVault is the THORChain-style vault on Ethereum that the router pays.
var demoVault = common.HexToAddress("0x00000000000000000000000000000000000face5")

func ether(n int64) *big.Int { return new(big.Int).Mul(big.NewInt(n), big.NewInt(1e18)) }

func usdc(n int64) *big.Int { return new(big.Int).Mul(big.NewInt(n), big.NewInt(1e6)) }

// demoEthereum is what the Ethereum side leaves to show: its addresses, the
// hashes of its key transactions and the blocks that hold them.
type demoEthereum struct {
	victim, exploiter, exchange, deposit common.Address
	hops                                 []common.Address
	usdc, weth, pair, swapRouter         common.Address
	mixer, router                        common.Address
	bridgeTx                             common.Hash // H5's deposit into the router: THORChain's inbound
	swapped                              *big.Int    // the ether the swap paid the exploiter
	blocks                               map[string]uint64
	lastTime                             uint64 // the last block's timestamp
}

// playEthereum plays the Ethereum half of METHODS.md's playbook on c: the
// theft of USDC, its swap to ether on a Uniswap-V2-style pair, the fan-out
// to five hop addresses, four deposits into a 100 ETH Tornado-style pool
// (H2 withdraws its deposit to itself later and sends it to an exchange
// through a deposit address), and H5's deposit into a THORChain-style
// router with a memo that asks for bitcoin at btcDest. Each step is one
// block.
func playEthereum(ctx context.Context, c *ethtest.Chain, btcDest string) (*demoEthereum, error) {
	p := &demoEthereum{victim: c.Addr(demoVictim), exploiter: c.Addr(demoExploiter), exchange: c.Addr(demoExchange),
		deposit: c.Addr(demoDeposit), blocks: map[string]uint64{}}
	for i := range demoHopCount {
		p.hops = append(p.hops, c.Addr(demoHops+i))
	}
	h2, h5 := demoHops+1, demoHops+4
	memo := "=:b:" + btcDest + ":0/1/0:t:0"
	steps := []struct {
		name string
		do   func() error
	}{
		{"deploy", func() (err error) {
			if p.usdc, _, err = c.Deploy(demoDeployer, "Token", nil, "USD Coin", "USDC", uint8(6)); err != nil {
				return err
			}
			if p.weth, _, err = c.Deploy(demoDeployer, "WETH", nil); err != nil {
				return err
			}
			if p.pair, _, err = c.Deploy(demoDeployer, "Pair", nil, p.usdc, p.weth); err != nil {
				return err
			}
			if p.swapRouter, _, err = c.Deploy(demoDeployer, "SwapRouter", nil, p.weth); err != nil {
				return err
			}
			if p.mixer, _, err = c.Deploy(demoDeployer, "Mixer", nil, demoHopAmount); err != nil {
				return err
			}
			p.router, _, err = c.Deploy(demoDeployer, "Router", nil)
			return err
		}},
		{"fund", func() error {
			return demoAll(
				func() error { return demoCall(c, demoDeployer, p.usdc, "Token", "mint", nil, p.pair, demoPairUSDC) },
				func() error { return demoCall(c, demoDeployer, p.weth, "WETH", "deposit", demoPairETH) },
				func() error { return demoCall(c, demoVictim, p.usdc, "Token", "mint", nil, p.victim, demoStolen) },
				func() error { return demoSend(c, demoOTC, p.hops[4], demoOTCAmount) },
			)
		}},
		{"liquidity", func() error { return demoCall(c, demoDeployer, p.weth, "WETH", "transfer", nil, p.pair, demoPairETH) }},
		{"sync", func() error { return demoCall(c, demoDeployer, p.pair, "Pair", "sync", nil) }},
		{"theft", func() error {
			return demoAll(
				func() error {
					return demoCall(c, demoVictim, p.usdc, "Token", "transfer", nil, p.exploiter, demoStolen)
				},
				func() error {
					return demoCall(c, demoExploiter, p.usdc, "Token", "approve", nil, p.swapRouter, demoStolen)
				},
			)
		}},
		{"swap", func() error {
			return demoCall(c, demoExploiter, p.swapRouter, "SwapRouter", "swapExactTokensForETH", nil, demoStolen, big.NewInt(1), p.pair, p.usdc, p.exploiter)
		}},
		{"fan-out", func() error {
			var fs []func() error
			for _, h := range p.hops {
				fs = append(fs, func() error { return demoSend(c, demoExploiter, h, demoHopAmount) })
			}
			return demoAll(fs...)
		}},
		{"mix", func() error {
			var fs []func() error
			for i := range 4 {
				commitment := common.BytesToHash([]byte(fmt.Sprintf("demo commitment %d", i+1)))
				fs = append(fs, func() error { return demoCall(c, demoHops+i, p.mixer, "Mixer", "deposit", demoHopAmount, commitment) })
			}
			return demoAll(fs...)
		}},
		{"bridge", func() (err error) {
			p.bridgeTx, err = c.Transact(h5, p.router, "Router", "deposit", demoBridgeValue, demoVault, common.Address{}, demoBridgeValue, memo)
			return err
		}},
		{"withdraw", func() error {
			nullifier := common.BytesToHash([]byte("demo nullifier 2"))
			return demoCall(c, h2, p.mixer, "Mixer", "withdraw", nil, p.hops[1], nullifier, p.hops[1], new(big.Int))
		}},
		{"to deposit address", func() error { return demoSend(c, h2, p.deposit, demoHopAmount) }},
		{"sweep", func() error { return demoSend(c, demoDeposit, p.exchange, demoHopAmount) }},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		b, err := c.Commit()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		p.blocks[s.name], p.lastTime = b.NumberU64(), b.Time()
	}
	bal, err := c.Client().BalanceAt(ctx, p.exploiter, nil)
	if err != nil {
		return nil, err
	}
	// The exploiter started empty and sent 5 x 100 ETH on: the rest is
	// what the swap paid.
	p.swapped = bal.Add(bal, new(big.Int).Mul(demoHopAmount, big.NewInt(demoHopCount)))
	return p, nil
}

// demoCall sends a call of a fixture contract's method, to be mined by the
// next Commit.
func demoCall(c *ethtest.Chain, from int, contract common.Address, name, method string, value *big.Int, args ...any) error {
	_, err := c.Transact(from, contract, name, method, value, args...)
	return err
}

// demoSend sends ether, to be mined by the next Commit.
func demoSend(c *ethtest.Chain, from int, to common.Address, amount *big.Int) error {
	_, err := c.SendETH(from, to, amount)
	return err
}

// demoAll runs fs in order up to the first error.
func demoAll(fs ...func() error) error {
	for _, f := range fs {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}
