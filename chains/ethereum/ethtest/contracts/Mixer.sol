// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Mixer is Hound's fixed-denomination mixing pool test fixture.
/// @notice It has the event shapes and value flows of a Tornado Cash pool
/// but checks no zero-knowledge proof: a withdrawal only needs an unused
/// nullifier hash. Never hold real value in it.
contract Mixer {
    uint256 public immutable denomination;
    uint32 public nextIndex;

    mapping(bytes32 => bool) public commitments;
    mapping(bytes32 => bool) public nullifierHashes;

    event Deposit(bytes32 indexed commitment, uint32 leafIndex, uint256 timestamp);
    event Withdrawal(address to, bytes32 nullifierHash, address indexed relayer, uint256 fee);

    constructor(uint256 poolDenomination) {
        require(poolDenomination > 0, "Mixer: zero denomination");
        denomination = poolDenomination;
    }

    /// @notice Deposits exactly one denomination under a fresh commitment.
    function deposit(bytes32 commitment) external payable {
        require(msg.value == denomination, "Mixer: wrong deposit amount");
        require(!commitments[commitment], "Mixer: commitment already used");
        commitments[commitment] = true;
        uint32 leafIndex = nextIndex;
        nextIndex = leafIndex + 1;
        emit Deposit(commitment, leafIndex, block.timestamp);
    }

    /// @notice Pays one denomination out: denomination - fee to `to` and fee to
    /// `relayer`, each through an internal call. A nullifier hash works once.
    function withdraw(address payable to, bytes32 nullifierHash, address payable relayer, uint256 fee) external {
        require(fee <= denomination, "Mixer: fee exceeds denomination");
        require(!nullifierHashes[nullifierHash], "Mixer: note already spent");
        nullifierHashes[nullifierHash] = true;
        _pay(to, denomination - fee);
        if (fee > 0) {
            _pay(relayer, fee);
        }
        emit Withdrawal(to, nullifierHash, relayer, fee);
    }

    function _pay(address payable to, uint256 value) private {
        (bool ok, ) = to.call{value: value}("");
        require(ok, "Mixer: payment failed");
    }
}
