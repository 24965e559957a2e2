// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

interface IPairToken {
    function balanceOf(address owner) external view returns (uint256);
    function transfer(address to, uint256 value) external returns (bool);
}

/// @title Pair is Hound's constant-product DEX test fixture, shaped like a
/// Uniswap V2 pair.
/// @notice It holds two ERC-20 tokens, token0 < token1 by address, and logs
/// Sync and Swap with Uniswap V2's exact signatures, so the tracing tests see
/// the topics a real pair logs. Liquidity has no shares: send tokens to the
/// pair and call sync. A swap pays out first and then checks the constant
/// product with the 0.3% fee on the balances, as Uniswap V2 does; the caller
/// (a router, say) must have sent the input tokens to the pair beforehand.
/// Unlike Uniswap V2's, swap takes no callback data, so no flash swaps.
contract Pair {
    address public immutable token0;
    address public immutable token1;

    uint112 private reserve0;
    uint112 private reserve1;
    uint32 private blockTimestampLast;
    bool private locked;

    event Sync(uint112 reserve0, uint112 reserve1);
    event Swap(
        address indexed sender,
        uint256 amount0In,
        uint256 amount1In,
        uint256 amount0Out,
        uint256 amount1Out,
        address indexed to
    );

    modifier nonReentrant() {
        require(!locked, "Pair: locked");
        locked = true;
        _;
        locked = false;
    }

    /// @notice Creates the pair of tokenA and tokenB, in either order.
    constructor(address tokenA, address tokenB) {
        require(tokenA != tokenB, "Pair: identical tokens");
        (address first, address second) = tokenA < tokenB ? (tokenA, tokenB) : (tokenB, tokenA);
        require(first != address(0), "Pair: zero address");
        token0 = first;
        token1 = second;
    }

    /// @notice Returns the reserves as of the last sync or swap, and the
    /// block timestamp (mod 2**32) at which they were set.
    function getReserves() external view returns (uint112, uint112, uint32) {
        return (reserve0, reserve1, blockTimestampLast);
    }

    /// @notice Sets the reserves to the pair's token balances, which adds
    /// whatever was sent to the pair since as liquidity.
    function sync() external nonReentrant {
        _update(IPairToken(token0).balanceOf(address(this)), IPairToken(token1).balanceOf(address(this)));
    }

    /// @notice Sends amount0Out of token0 and amount1Out of token1 to `to`,
    /// then requires that the input already sent to the pair keeps the
    /// product of the fee-adjusted balances at or above the product of the
    /// reserves: (1000 * balance0 - 3 * amount0In) * (1000 * balance1 - 3 *
    /// amount1In) >= reserve0 * reserve1 * 1000**2.
    function swap(uint256 amount0Out, uint256 amount1Out, address to) external nonReentrant {
        require(amount0Out > 0 || amount1Out > 0, "Pair: insufficient output amount");
        (uint112 r0, uint112 r1) = (reserve0, reserve1);
        require(amount0Out < r0 && amount1Out < r1, "Pair: insufficient liquidity");
        require(to != token0 && to != token1, "Pair: invalid to");

        if (amount0Out > 0) {
            _send(token0, to, amount0Out);
        }
        if (amount1Out > 0) {
            _send(token1, to, amount1Out);
        }
        uint256 balance0 = IPairToken(token0).balanceOf(address(this));
        uint256 balance1 = IPairToken(token1).balanceOf(address(this));
        uint256 amount0In = balance0 > r0 - amount0Out ? balance0 - (r0 - amount0Out) : 0;
        uint256 amount1In = balance1 > r1 - amount1Out ? balance1 - (r1 - amount1Out) : 0;
        require(amount0In > 0 || amount1In > 0, "Pair: insufficient input amount");

        uint256 adjusted0 = balance0 * 1000 - amount0In * 3;
        uint256 adjusted1 = balance1 * 1000 - amount1In * 3;
        require(adjusted0 * adjusted1 >= uint256(r0) * r1 * 1000 ** 2, "Pair: K");

        _update(balance0, balance1);
        emit Swap(msg.sender, amount0In, amount1In, amount0Out, amount1Out, to);
    }

    function _update(uint256 balance0, uint256 balance1) private {
        require(balance0 <= type(uint112).max && balance1 <= type(uint112).max, "Pair: overflow");
        reserve0 = uint112(balance0);
        reserve1 = uint112(balance1);
        blockTimestampLast = uint32(block.timestamp);
        emit Sync(reserve0, reserve1);
    }

    function _send(address token, address to, uint256 value) private {
        require(IPairToken(token).transfer(to, value), "Pair: transfer failed");
    }
}
