// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Splitter is Hound's internal-transfer test fixture.
/// @notice It moves ether only through internal calls, so the movements show
/// up in call traces and nowhere in the logs. tryForward makes a value
/// transfer inside a call frame that reverts while the transaction succeeds.
contract Splitter {
    /// @notice Sends amounts[i] to to[i] and refunds the rest of msg.value to the caller.
    function split(address payable[] calldata to, uint256[] calldata amounts) external payable {
        require(to.length == amounts.length, "Splitter: length mismatch");
        uint256 total;
        for (uint256 i = 0; i < amounts.length; i++) {
            total += amounts[i];
        }
        require(total <= msg.value, "Splitter: amounts exceed value");
        for (uint256 i = 0; i < to.length; i++) {
            _send(to[i], amounts[i]);
        }
        if (msg.value > total) {
            _send(payable(msg.sender), msg.value - total);
        }
    }

    /// @notice Calls forwardThenRevert on itself and swallows the revert: the
    /// transaction succeeds, the ether stays here, and the trace holds a
    /// reverted frame with a value transfer to `to` inside it.
    function tryForward(address payable to) external payable returns (bool forwarded) {
        try this.forwardThenRevert{value: msg.value}(to) {
            return true;
        } catch {
            return false;
        }
    }

    /// @notice Sends msg.value to `to` and then always reverts.
    function forwardThenRevert(address payable to) external payable {
        _send(to, msg.value);
        revert("Splitter: forwarded then reverted");
    }

    /// @notice Sends msg.value on to `to`.
    function forwardTo(address payable to) external payable {
        _send(to, msg.value);
    }

    receive() external payable {}

    function _send(address payable to, uint256 value) private {
        (bool ok, ) = to.call{value: value}("");
        require(ok, "Splitter: ether transfer failed");
    }
}
