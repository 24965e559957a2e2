// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

interface ISwapPair {
    function token0() external view returns (address);
    function token1() external view returns (address);
    function getReserves() external view returns (uint112, uint112, uint32);
    function swap(uint256 amount0Out, uint256 amount1Out, address to) external;
}

interface ISwapToken {
    function transfer(address to, uint256 value) external returns (bool);
    function transferFrom(address from, address to, uint256 value) external returns (bool);
}

interface ISwapWETH {
    function deposit() external payable;
    function withdraw(uint256 wad) external;
    function transfer(address dst, uint256 wad) external returns (bool);
}

/// @title SwapRouter is Hound's DEX router test fixture, shaped like the
/// Uniswap V2 router but for one Pair per swap.
/// @notice Every swap sends its input straight into the pair (tokens with
/// transferFrom from the caller, ether wrapped into WETH first) and prices it
/// with the Uniswap V2 formula, 0.3% fee included. Ether out comes from
/// WETH.withdraw into the router and goes on to the recipient through an
/// internal call. The router logs nothing itself; the tokens, WETH and the
/// pair do.
contract SwapRouter {
    address public immutable weth;

    constructor(address wrappedEther) {
        require(wrappedEther != address(0), "SwapRouter: zero WETH");
        weth = wrappedEther;
    }

    /// @notice Accepts ether only from WETH, when unwrapping.
    receive() external payable {
        require(msg.sender == weth, "SwapRouter: ether only from WETH");
    }

    /// @notice Swaps amountIn of the caller's tokenIn for the pair's other
    /// token, paid to `to`; the caller must have approved the router.
    function swapExactTokensForTokens(
        uint256 amountIn,
        uint256 amountOutMin,
        address pair,
        address tokenIn,
        address to
    ) external returns (uint256 amountOut) {
        _pull(tokenIn, msg.sender, pair, amountIn);
        (amountOut, ) = _swap(pair, tokenIn, amountIn, amountOutMin, to);
    }

    /// @notice Swaps amountIn of the caller's tokenIn for the WETH of a
    /// token/WETH pair, unwraps it and sends the ether to `to`.
    function swapExactTokensForETH(
        uint256 amountIn,
        uint256 amountOutMin,
        address pair,
        address tokenIn,
        address payable to
    ) external returns (uint256 amountOut) {
        _pull(tokenIn, msg.sender, pair, amountIn);
        address tokenOut;
        (amountOut, tokenOut) = _swap(pair, tokenIn, amountIn, amountOutMin, address(this));
        require(tokenOut == weth, "SwapRouter: pair does not pay WETH");
        ISwapWETH(weth).withdraw(amountOut);
        (bool ok, ) = to.call{value: amountOut}("");
        require(ok, "SwapRouter: ether transfer failed");
    }

    /// @notice Wraps msg.value into WETH and swaps it in a token/WETH pair for
    /// the other token, paid to `to`.
    function swapExactETHForTokens(
        uint256 amountOutMin,
        address pair,
        address to
    ) external payable returns (uint256 amountOut) {
        ISwapWETH(weth).deposit{value: msg.value}();
        require(ISwapWETH(weth).transfer(pair, msg.value), "SwapRouter: WETH transfer failed");
        (amountOut, ) = _swap(pair, weth, msg.value, amountOutMin, to);
    }

    /// @notice Returns what a pair with these reserves pays for amountIn,
    /// after the 0.3% fee: amountIn * 997 * reserveOut / (reserveIn * 1000 +
    /// amountIn * 997), rounded down.
    function getAmountOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut) public pure returns (uint256) {
        require(amountIn > 0, "SwapRouter: insufficient input amount");
        require(reserveIn > 0 && reserveOut > 0, "SwapRouter: insufficient liquidity");
        uint256 amountInWithFee = amountIn * 997;
        return (amountInWithFee * reserveOut) / (reserveIn * 1000 + amountInWithFee);
    }

    /// @dev Prices amountIn of tokenIn, already in the pair, and has the pair
    /// pay the other token to `to`.
    function _swap(
        address pair,
        address tokenIn,
        uint256 amountIn,
        uint256 amountOutMin,
        address to
    ) private returns (uint256 amountOut, address tokenOut) {
        address token0 = ISwapPair(pair).token0();
        address token1 = ISwapPair(pair).token1();
        require(tokenIn == token0 || tokenIn == token1, "SwapRouter: token not in pair");
        (uint112 reserve0, uint112 reserve1, ) = ISwapPair(pair).getReserves();
        if (tokenIn == token0) {
            amountOut = getAmountOut(amountIn, reserve0, reserve1);
            tokenOut = token1;
        } else {
            amountOut = getAmountOut(amountIn, reserve1, reserve0);
            tokenOut = token0;
        }
        require(amountOut >= amountOutMin, "SwapRouter: insufficient output amount");
        (uint256 amount0Out, uint256 amount1Out) = tokenIn == token0 ? (uint256(0), amountOut) : (amountOut, uint256(0));
        ISwapPair(pair).swap(amount0Out, amount1Out, to);
    }

    function _pull(address token, address from, address to, uint256 value) private {
        require(ISwapToken(token).transferFrom(from, to, value), "SwapRouter: token transfer failed");
    }
}
