// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

interface IERC20Like {
    function transferFrom(address from, address to, uint256 value) external returns (bool);
}

/// @title Router is Hound's cross-chain router test fixture, shaped like the
/// THORChain router.
/// @notice Ether deposits are forwarded to the vault through an internal call
/// and logged as Deposit(vault, address(0), msg.value, memo); token deposits
/// move the tokens from the sender straight to the vault with transferFrom.
contract Router {
    event Deposit(address indexed to, address indexed asset, uint256 amount, string memo);
    event TransferOut(address indexed vault, address indexed to, address asset, uint256 amount, string memo);

    /// @notice Deposits into `vault`; the memo tells the vault what to do with it.
    function deposit(address payable vault, address asset, uint256 amount, string memory memo) public payable {
        uint256 moved;
        if (asset == address(0)) {
            moved = msg.value;
            _sendEther(vault, moved);
        } else {
            require(msg.value == 0, "Router: unexpected ether");
            _pullToken(asset, msg.sender, vault, amount);
            moved = amount;
        }
        emit Deposit(vault, asset, moved, memo);
    }

    /// @notice Deposits like deposit, but only while block.timestamp < expiry.
    function depositWithExpiry(
        address payable vault,
        address asset,
        uint256 amount,
        string memory memo,
        uint256 expiry
    ) external payable {
        require(block.timestamp < expiry, "Router: expired");
        deposit(vault, asset, amount, memo);
    }

    /// @notice Pays out from the calling vault to `to`: ether is forwarded from
    /// msg.value, tokens are pulled from the vault with transferFrom.
    function transferOut(address payable to, address asset, uint256 amount, string memory memo) external payable {
        uint256 moved;
        if (asset == address(0)) {
            moved = msg.value;
            _sendEther(to, moved);
        } else {
            require(msg.value == 0, "Router: unexpected ether");
            _pullToken(asset, msg.sender, to, amount);
            moved = amount;
        }
        emit TransferOut(msg.sender, to, asset, moved, memo);
    }

    function _sendEther(address payable to, uint256 value) private {
        (bool ok, ) = to.call{value: value}("");
        require(ok, "Router: ether transfer failed");
    }

    function _pullToken(address asset, address from, address to, uint256 amount) private {
        require(IERC20Like(asset).transferFrom(from, to, amount), "Router: token transfer failed");
    }
}
