// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Destructible is Hound's SELFDESTRUCT test fixture.
/// @notice destroy sends the whole balance to the beneficiary by
/// SELFDESTRUCT, a value transfer that is neither a call nor a log. Since
/// Cancun (EIP-6780) the code stays unless it was created in the same
/// transaction. Anyone may call destroy.
contract Destructible {
    constructor() payable {}

    function destroy(address payable beneficiary) external {
        selfdestruct(beneficiary);
    }

    receive() external payable {}
}
