package ethereum

import (
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/params"

	"github.com/houndtrace/hound/chains"
)

// Event signatures (topic0) the adapter reads.
var (
	// topicTransfer is Transfer(address,address,uint256): ERC-20 with 3
	// topics, ERC-721 with 4.
	topicTransfer = common.HexToHash("0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef")
	// topicDeposit is WETH9's Deposit(address indexed dst, uint256 wad).
	topicDeposit = common.HexToHash("0xe1fffcc4923d04b559f4d29a8bfc6cda04eb5b0d3c460751c2402c5c5cc9109c")
	// topicWithdrawal is WETH9's Withdrawal(address indexed src, uint256 wad).
	topicWithdrawal = common.HexToHash("0x7fcf532c15f0a6db0bd6d0e038bea71d30d808c7d98cb3bf7268a95bf5081b65")
)

// move is a value movement before it gets its place in chain order.
type move struct {
	kind   chains.Kind
	from   chains.Address
	to     chains.Address
	asset  chains.Asset
	amount *big.Int
}

// logOutcome says what a log means for the transfers.
type logOutcome uint8

const (
	logIgnored   logOutcome = iota // not a value movement
	logMove                        // a token, wrap or unwrap movement
	logMalformed                   // shaped like a movement or an event but invalid
	logEvent                       // a protocol event (see decodeEvent)
)

// decodeLog reads an ERC-20 Transfer or a WETH-style Deposit or Withdrawal
// from a log. ERC-721 transfers (4 topics), other events and the EIP-7708
// ether transfer logs of the system address are ignored.
func decodeLog(addr common.Address, topics []common.Hash, data []byte) (move, logOutcome) {
	if len(topics) == 0 || addr == params.SystemAddress {
		return move{}, logIgnored
	}
	contract := chains.EVMAddress(addr)
	switch {
	case topics[0] == topicTransfer && len(topics) == 3:
		from, okFrom := topicAddress(topics[1])
		to, okTo := topicAddress(topics[2])
		if !okFrom || !okTo || len(data) != 32 {
			return move{}, logMalformed
		}
		return move{kind: chains.KindToken, from: from, to: to, asset: chains.Asset(contract), amount: new(big.Int).SetBytes(data)}, logMove
	case topics[0] == topicDeposit && len(topics) == 2:
		dst, ok := topicAddress(topics[1])
		if !ok || len(data) != 32 {
			return move{}, logMalformed
		}
		return move{kind: chains.KindWrap, from: contract, to: dst, asset: chains.Asset(contract), amount: new(big.Int).SetBytes(data)}, logMove
	case topics[0] == topicWithdrawal && len(topics) == 2:
		src, ok := topicAddress(topics[1])
		if !ok || len(data) != 32 {
			return move{}, logMalformed
		}
		return move{kind: chains.KindUnwrap, from: src, to: contract, asset: chains.Asset(contract), amount: new(big.Int).SetBytes(data)}, logMove
	}
	return move{}, logIgnored
}

// topicAddress reads an address from an indexed topic; its 12 high bytes
// must be zero.
func topicAddress(t common.Hash) (chains.Address, bool) {
	if !zero(t[:12]) {
		return "", false
	}
	return chains.EVMAddress(common.BytesToAddress(t[12:])), true
}
