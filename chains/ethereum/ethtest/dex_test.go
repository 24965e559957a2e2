package ethtest

import (
	"bytes"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// The Uniswap V2 topics the Pair must log (METHODS.md section 6).
var (
	swapTopic = common.HexToHash("0xd78ad95fa46c994b6551d0da85fc275fe613ce37657fb8d5e3d130840159d822")
	syncTopic = common.HexToHash("0x1c411e9a96e071241c2f21f7726b17ae89e3cab4c78be50e062b03a9fffbbad1")
)

// wantAmountOut is the Uniswap V2 price of amountIn against a pair holding
// reserveIn and reserveOut, computed here rather than by the contract. The
// fee leaves in = amountIn * 997/1000 to trade, and the pair pays the out
// that keeps the product: (reserveIn + in) * (reserveOut - out) =
// reserveIn * reserveOut, so out = in * reserveOut / (reserveIn + in).
// Scaling by 1000 to stay in integers:
//
//	out = amountIn*997*reserveOut / (reserveIn*1000 + amountIn*997)
//
// rounded down, which is also the largest out the pair's fee-adjusted
// invariant check lets through.
func wantAmountOut(amountIn, reserveIn, reserveOut *big.Int) *big.Int {
	inWithFee := new(big.Int).Mul(amountIn, big.NewInt(997))
	num := new(big.Int).Mul(inWithFee, reserveOut)
	den := new(big.Int).Add(new(big.Int).Mul(reserveIn, big.NewInt(1000)), inWithFee)
	return num.Quo(num, den)
}

// reserves returns Pair.getReserves at the latest block.
func reserves(t *testing.T, c *Chain, pair common.Address) (reserve0, reserve1 *big.Int) {
	t.Helper()
	out, err := c.CallView(pair, "Pair", "getReserves", nil)
	if err != nil {
		t.Fatalf("getReserves: %v", err)
	}
	if len(out) != 3 {
		t.Fatalf("getReserves: %d results, want 3", len(out))
	}
	return out[0].(*big.Int), out[1].(*big.Int)
}

// oriented returns the pair's reserves as (of token, of the other token).
func oriented(t *testing.T, c *Chain, pair, token common.Address) (reserveToken, reserveOther *big.Int) {
	t.Helper()
	r0, r1 := reserves(t, c, pair)
	if isToken0(t, c, pair, token) {
		return r0, r1
	}
	return r1, r0
}

// isToken0 reports whether token is the pair's token0, checking the pair
// against the UniV2 rule that token0 is the lower address.
func isToken0(t *testing.T, c *Chain, pair, token common.Address) bool {
	t.Helper()
	token0 := view(t, c, pair, "Pair", "token0").(common.Address)
	token1 := view(t, c, pair, "Pair", "token1").(common.Address)
	if bytes.Compare(token0[:], token1[:]) >= 0 || (token != token0 && token != token1) {
		t.Fatalf("pair %s has token0 %s, token1 %s; asked about %s", pair, token0, token1, token)
	}
	return token == token0
}

// swapLog checks that r holds exactly one Swap log, from pair, with
// Uniswap V2's topic0, and returns its sender, recipient and amounts
// (amount0In, amount1In, amount0Out, amount1Out).
func swapLog(t *testing.T, r *types.Receipt, pair common.Address) (sender, to common.Address, amounts [4]*big.Int) {
	t.Helper()
	var swaps []*types.Log
	for _, l := range r.Logs {
		if len(l.Topics) > 0 && l.Topics[0] == swapTopic {
			swaps = append(swaps, l)
		}
	}
	if len(swaps) != 1 {
		t.Fatalf("%d Swap logs, want 1", len(swaps))
	}
	l := swaps[0]
	if l.Address != pair || len(l.Topics) != 3 || len(l.Data) != 4*32 {
		t.Fatalf("Swap log from %s with %d topics and %d data bytes", l.Address, len(l.Topics), len(l.Data))
	}
	for i := range amounts {
		amounts[i] = new(big.Int).SetBytes(l.Data[32*i : 32*(i+1)])
	}
	return common.BytesToAddress(l.Topics[1][:]), common.BytesToAddress(l.Topics[2][:]), amounts
}

// dex is a deployed Token/WETH pair, a Token/Token pair and a SwapRouter.
type dex struct {
	token, other, weth    common.Address
	ethPair, tokenPair    common.Address
	router                common.Address
	tokenSeed, wethSeed   *big.Int // the Token/WETH pair's liquidity
	tokenSeedA, otherSeed *big.Int // the Token/Token pair's liquidity: token, other
}

// deployDEX deploys and seeds the DEX from key 0, on a zero-gas-price chain.
func deployDEX(t *testing.T, c *Chain) dex {
	t.Helper()
	d := dex{
		tokenSeed:  ether(2_000_000),
		wethSeed:   ether(1_000),
		tokenSeedA: ether(1_000_000),
		otherSeed:  big.NewInt(3_000_000_000_000), // 3,000,000 of a 6-decimal token
	}
	d.token = deploy(t, c, 0, "Token", nil, "Hound Token", "HND", uint8(18))
	d.other = deploy(t, c, 0, "Token", nil, "Hound USD", "HUSD", uint8(6))
	d.weth = deploy(t, c, 0, "WETH", nil)
	// The constructors call nothing, so all of them fit in one block.
	d.ethPair = deploy(t, c, 0, "Pair", nil, d.token, d.weth)
	d.tokenPair = deploy(t, c, 0, "Pair", nil, d.other, d.token)
	d.router = deploy(t, c, 0, "SwapRouter", nil, d.weth)
	commit(t, c)

	// Liquidity is tokens sent to the pair, then sync.
	transact(t, c, 0, d.token, "Token", "mint", nil, d.ethPair, d.tokenSeed)
	transact(t, c, 0, d.token, "Token", "mint", nil, d.tokenPair, d.tokenSeedA)
	transact(t, c, 0, d.other, "Token", "mint", nil, d.tokenPair, d.otherSeed)
	transact(t, c, 0, d.weth, "WETH", "deposit", d.wethSeed)
	commit(t, c)
	transact(t, c, 0, d.weth, "WETH", "transfer", nil, d.ethPair, d.wethSeed)
	commit(t, c)
	syncs := []common.Hash{
		transact(t, c, 0, d.ethPair, "Pair", "sync", nil),
		transact(t, c, 0, d.tokenPair, "Pair", "sync", nil),
	}
	commit(t, c)
	for _, h := range syncs {
		r := succeeded(t, c, h)
		if len(r.Logs) != 1 || r.Logs[0].Topics[0] != syncTopic {
			t.Fatalf("sync logs = %v, want one Sync", r.Logs)
		}
	}
	tokenReserve, wethReserve := oriented(t, c, d.ethPair, d.token)
	wantBig(t, "seeded token reserve", tokenReserve, d.tokenSeed)
	wantBig(t, "seeded WETH reserve", wethReserve, d.wethSeed)
	tokenReserve, otherReserve := oriented(t, c, d.tokenPair, d.token)
	wantBig(t, "seeded token reserve of the token pair", tokenReserve, d.tokenSeedA)
	wantBig(t, "seeded other reserve of the token pair", otherReserve, d.otherSeed)
	return d
}

func TestPairEventTopics(t *testing.T) {
	pair := ABI("Pair")
	if got := pair.Events["Swap"]; got.ID != swapTopic || got.Sig != "Swap(address,uint256,uint256,uint256,uint256,address)" {
		t.Errorf("Swap event %s has topic %s, want %s", got.Sig, got.ID, swapTopic)
	}
	if got := pair.Events["Sync"]; got.ID != syncTopic || got.Sig != "Sync(uint112,uint112)" {
		t.Errorf("Sync event %s has topic %s, want %s", got.Sig, got.ID, syncTopic)
	}
	// getReserves keeps Uniswap V2's selector, so code that reads real pairs reads ours.
	if got := pair.Methods["getReserves"].ID; !bytes.Equal(got, common.FromHex("0x0902f1ac")) {
		t.Errorf("getReserves selector = %x, want 0902f1ac", got)
	}
}

func TestDEX(t *testing.T) {
	c := startChain(t, Options{ZeroGasPrice: true, Accounts: 4})
	d := deployDEX(t, c)

	t.Run("swapExactTokensForETH", func(t *testing.T) {
		amountIn := ether(10_000)
		to := newAddr("dex-eth-out")
		transact(t, c, 1, d.token, "Token", "mint", nil, c.Addr(1), amountIn)
		transact(t, c, 1, d.token, "Token", "approve", nil, d.router, amountIn)
		commit(t, c)
		reserveIn, reserveOut := oriented(t, c, d.ethPair, d.token)
		before := balanceAt(t, c, to, nil)

		hash := transact(t, c, 1, d.router, "SwapRouter", "swapExactTokensForETH", nil,
			amountIn, big.NewInt(1), d.ethPair, d.token, to)
		commit(t, c)
		r := succeeded(t, c, hash)

		// 10,000e18 * 997 * 1,000e18 / (2,000,000e18 * 1000 + 10,000e18 * 997)
		// = 9.97e45 / 2.00997e27 = 4,960,273,038,901,078,125 wei (about 4.96 ETH).
		want := wantAmountOut(amountIn, reserveIn, reserveOut)
		wantBig(t, "formula", want, big.NewInt(4_960_273_038_901_078_125))
		wantBig(t, "ether gained by the recipient", new(big.Int).Sub(balanceAt(t, c, to, nil), before), want)
		wantBig(t, "router ether", balanceAt(t, c, d.router, nil), new(big.Int))
		wantBig(t, "router WETH", view(t, c, d.weth, "WETH", "balanceOf", d.router).(*big.Int), new(big.Int))

		tokenReserve, wethReserve := oriented(t, c, d.ethPair, d.token)
		wantBig(t, "token reserve after", tokenReserve, new(big.Int).Add(reserveIn, amountIn))
		wantBig(t, "WETH reserve after", wethReserve, new(big.Int).Sub(reserveOut, want))

		// The pair pays the WETH to the router, which unwraps it.
		sender, recipient, amounts := swapLog(t, r, d.ethPair)
		wantIn0, wantIn1, wantOut0, wantOut1 := amountIn, new(big.Int), new(big.Int), want
		if !isToken0(t, c, d.ethPair, d.token) {
			wantIn0, wantIn1, wantOut0, wantOut1 = wantIn1, wantIn0, wantOut1, wantOut0
		}
		if sender != d.router || recipient != d.router {
			t.Errorf("Swap sender %s, to %s; want the router %s for both", sender, recipient, d.router)
		}
		for i, w := range []*big.Int{wantIn0, wantIn1, wantOut0, wantOut1} {
			wantBig(t, []string{"amount0In", "amount1In", "amount0Out", "amount1Out"}[i], amounts[i], w)
		}
		if n := len(events(r, "WETH", "Withdrawal")); n != 1 {
			t.Errorf("%d WETH Withdrawal logs, want 1", n)
		}
	})

	t.Run("swapExactETHForTokens", func(t *testing.T) {
		amountIn := ether(5)
		to := newAddr("dex-token-out")
		reserveIn, reserveOut := oriented(t, c, d.ethPair, d.weth)

		hash := transact(t, c, 2, d.router, "SwapRouter", "swapExactETHForTokens", amountIn,
			big.NewInt(1), d.ethPair, to)
		commit(t, c)
		r := succeeded(t, c, hash)

		// amountIn*997*reserveOut / (reserveIn*1000 + amountIn*997), with the
		// reserves left by the previous subtest.
		want := wantAmountOut(amountIn, reserveIn, reserveOut)
		wantBig(t, "tokens received", view(t, c, d.token, "Token", "balanceOf", to).(*big.Int), want)
		_, recipient, _ := swapLog(t, r, d.ethPair)
		if recipient != to {
			t.Errorf("Swap to = %s, want %s", recipient, to)
		}
	})

	t.Run("swapExactTokensForTokens", func(t *testing.T) {
		amountIn := ether(1_000)
		to := newAddr("dex-other-out")
		transact(t, c, 3, d.token, "Token", "mint", nil, c.Addr(3), amountIn)
		transact(t, c, 3, d.token, "Token", "approve", nil, d.router, amountIn)
		commit(t, c)
		reserveIn, reserveOut := oriented(t, c, d.tokenPair, d.token)

		hash := transact(t, c, 3, d.router, "SwapRouter", "swapExactTokensForTokens", nil,
			amountIn, big.NewInt(1), d.tokenPair, d.token, to)
		commit(t, c)
		succeeded(t, c, hash)

		// 1,000e18 * 997 * 3,000,000e6 / (1,000,000e18 * 1000 + 1,000e18 * 997)
		// = 2,988,020,943 units of the 6-decimal token (about 2,988.02).
		want := wantAmountOut(amountIn, reserveIn, reserveOut)
		wantBig(t, "formula", want, big.NewInt(2_988_020_943))
		wantBig(t, "tokens received", view(t, c, d.other, "Token", "balanceOf", to).(*big.Int), want)
	})

	t.Run("swap beyond the invariant reverts", func(t *testing.T) {
		amountIn := ether(100)
		to := newAddr("dex-greedy")
		transact(t, c, 1, d.token, "Token", "mint", nil, d.ethPair, amountIn) // input sent to the pair directly
		commit(t, c)
		reserveIn, reserveOut := oriented(t, c, d.ethPair, d.token)
		max := wantAmountOut(amountIn, reserveIn, reserveOut)
		outArgs := func(out *big.Int) (amount0Out, amount1Out *big.Int) {
			if isToken0(t, c, d.ethPair, d.token) {
				return new(big.Int), out // the pair pays token1, WETH
			}
			return out, new(big.Int)
		}

		greedy0, greedy1 := outArgs(new(big.Int).Add(max, big.NewInt(1)))
		_, err := c.Transact(1, d.ethPair, "Pair", "swap", nil, greedy0, greedy1, to)
		if err == nil || !strings.Contains(err.Error(), "Pair: K") {
			t.Fatalf("swap of 1 wei more than the invariant allows: err = %v, want a Pair: K revert", err)
		}
		hash, err := c.TransactGas(1, d.ethPair, "Pair", "swap", nil, 300_000, greedy0, greedy1, to)
		if err != nil {
			t.Fatalf("TransactGas: %v", err)
		}
		commit(t, c)
		if r := receipt(t, c, hash); r.Status != types.ReceiptStatusFailed || len(r.Logs) != 0 {
			t.Fatalf("greedy swap mined with status %d and %d logs, want a revert", r.Status, len(r.Logs))
		}
		wantBig(t, "WETH of the greedy recipient", view(t, c, d.weth, "WETH", "balanceOf", to).(*big.Int), new(big.Int))
		tokenReserve, wethReserve := oriented(t, c, d.ethPair, d.token)
		wantBig(t, "token reserve after the revert", tokenReserve, reserveIn)
		wantBig(t, "WETH reserve after the revert", wethReserve, reserveOut)

		// The formula's amount is exactly the limit: asking for it succeeds.
		exact0, exact1 := outArgs(max)
		hash = transact(t, c, 1, d.ethPair, "Pair", "swap", nil, exact0, exact1, to)
		commit(t, c)
		succeeded(t, c, hash)
		wantBig(t, "WETH of the recipient", view(t, c, d.weth, "WETH", "balanceOf", to).(*big.Int), max)

		// The router refuses a swap below the caller's minimum.
		transact(t, c, 1, d.token, "Token", "mint", nil, c.Addr(1), amountIn)
		transact(t, c, 1, d.token, "Token", "approve", nil, d.router, amountIn)
		commit(t, c)
		reserveIn, reserveOut = oriented(t, c, d.ethPair, d.token)
		tooMuch := new(big.Int).Add(wantAmountOut(amountIn, reserveIn, reserveOut), big.NewInt(1))
		_, err = c.Transact(1, d.router, "SwapRouter", "swapExactTokensForETH", nil, amountIn, tooMuch, d.ethPair, d.token, to)
		if err == nil || !strings.Contains(err.Error(), "SwapRouter: insufficient output amount") {
			t.Errorf("router swap with amountOutMin 1 wei too high: err = %v", err)
		}
	})
}
