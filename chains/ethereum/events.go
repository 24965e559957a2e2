package ethereum

import (
	"math/big"
	"unicode/utf8"

	"github.com/ethereum/go-ethereum/common"

	"github.com/houndtrace/hound/chains"
)

// Protocol event signatures (topic0) the adapter decodes into chains.Event.
var (
	// topicMixerDeposit is a Tornado pool's
	// Deposit(bytes32 indexed commitment, uint32 leafIndex, uint256 timestamp).
	topicMixerDeposit = common.HexToHash("0xa945e51eec50ab98c161376f0db4cf2aeba3ec92755fe2fcd388bdbbb80ff196")
	// topicMixerWithdrawal is a Tornado pool's
	// Withdrawal(address to, bytes32 nullifierHash, address indexed relayer, uint256 fee).
	topicMixerWithdrawal = common.HexToHash("0xe9e508bad6d4c3227e881ca19068f099da81b5164dd6d62b2eaf1e8bc6c34931")
	// topicBridgeDeposit is the THORChain router's
	// Deposit(address indexed to, address indexed asset, uint256 amount, string memo).
	topicBridgeDeposit = common.HexToHash("0xef519b7eb82aaf6ac376a6df2d793843ebfd593de5f1a0601d3cc6ab49ebb395")
	// topicBridgeOut is the THORChain router's
	// TransferOut(address indexed vault, address indexed to, address asset, uint256 amount, string memo).
	topicBridgeOut = common.HexToHash("0xa9cd03aa3c1b4515114539cd53d22085129d495cb9e9f9af77864526240f1bf7")
	// topicSwap is a Uniswap V2 pair's
	// Swap(address indexed sender, uint amount0In, uint amount1In, uint amount0Out, uint amount1Out, address indexed to).
	topicSwap = common.HexToHash("0xd78ad95fa46c994b6551d0da85fc275fe613ce37657fb8d5e3d130840159d822")
)

// maxMemo is the longest memo accepted, in bytes: THORChain's own limit
// (longer memos are refused by its nodes).
const maxMemo = 250

// eventDecoders decode the data and topics of a log, by topic0, into the
// fields of an event the log itself carries. Each reports false when the
// log is malformed.
var eventDecoders = map[common.Hash]func(ev *chains.Event, topics []common.Hash, data []byte) bool{
	topicMixerDeposit:    decodeMixerDeposit,
	topicMixerWithdrawal: decodeMixerWithdrawal,
	topicBridgeDeposit:   decodeBridgeDeposit,
	topicBridgeOut:       decodeBridgeOut,
	topicSwap:            decodeSwap,
}

// decodeEvent reads a protocol event from a log emitted by addr. It sets
// Kind, Contract and the fields the log carries; the event's place and
// time, the transaction's sender and the mixer amounts are for the caller
// to fill in. A log with a known signature but the wrong number of topics,
// data too short or too long for the event, an address with high bytes
// set, a bad string offset or length, or a memo that is not UTF-8 or is
// longer than maxMemo bytes is logMalformed. Other logs are logIgnored.
func decodeEvent(addr common.Address, topics []common.Hash, data []byte) (chains.Event, logOutcome) {
	if len(topics) == 0 {
		return chains.Event{}, logIgnored
	}
	decode, ok := eventDecoders[topics[0]]
	if !ok {
		return chains.Event{}, logIgnored
	}
	ev := chains.Event{Contract: chains.EVMAddress(addr)}
	if !decode(&ev, topics, data) {
		return chains.Event{}, logMalformed
	}
	return ev, logEvent
}

// decodeMixerDeposit checks a Deposit(bytes32 indexed commitment, uint32
// leafIndex, uint256 timestamp). The amount comes from the transfers.
func decodeMixerDeposit(ev *chains.Event, topics []common.Hash, data []byte) bool {
	ev.Kind = chains.EventMixerDeposit
	return len(topics) == 2 && len(data) == 64 && zero(data[:28]) // leafIndex is a uint32
}

// decodeMixerWithdrawal reads a Withdrawal(address to, bytes32
// nullifierHash, address indexed relayer, uint256 fee).
func decodeMixerWithdrawal(ev *chains.Event, topics []common.Hash, data []byte) bool {
	ev.Kind = chains.EventMixerWithdrawal
	if len(topics) != 2 || len(data) != 96 {
		return false
	}
	var okTo, okRelayer bool
	ev.To, okTo = wordAddress(data[0:32])
	ev.Relayer, okRelayer = topicAddress(topics[1])
	ev.Fee = new(big.Int).SetBytes(data[64:96])
	return okTo && okRelayer
}

// decodeBridgeDeposit reads a Deposit(address indexed to, address indexed
// asset, uint256 amount, string memo).
func decodeBridgeDeposit(ev *chains.Event, topics []common.Hash, data []byte) bool {
	ev.Kind = chains.EventBridgeDeposit
	if len(topics) != 3 || len(data) < 64 {
		return false
	}
	var okTo, okAsset, okMemo bool
	ev.To, okTo = topicAddress(topics[1])
	ev.Asset, okAsset = assetOf(topics[2][:])
	ev.Amount = new(big.Int).SetBytes(data[0:32])
	ev.Memo, okMemo = memoAt(data, 32)
	return okTo && okAsset && okMemo
}

// decodeBridgeOut reads a TransferOut(address indexed vault, address
// indexed to, address asset, uint256 amount, string memo).
func decodeBridgeOut(ev *chains.Event, topics []common.Hash, data []byte) bool {
	ev.Kind = chains.EventBridgeOut
	if len(topics) != 3 || len(data) < 96 {
		return false
	}
	var okFrom, okTo, okAsset, okMemo bool
	ev.From, okFrom = topicAddress(topics[1])
	ev.To, okTo = topicAddress(topics[2])
	ev.Asset, okAsset = assetOf(data[0:32])
	ev.Amount = new(big.Int).SetBytes(data[32:64])
	ev.Memo, okMemo = memoAt(data, 64)
	return okFrom && okTo && okAsset && okMemo
}

// decodeSwap reads a Swap(address indexed sender, uint amount0In, uint
// amount1In, uint amount0Out, uint amount1Out, address indexed to).
func decodeSwap(ev *chains.Event, topics []common.Hash, data []byte) bool {
	ev.Kind = chains.EventSwap
	if len(topics) != 3 || len(data) != 128 {
		return false
	}
	var okFrom, okTo bool
	ev.From, okFrom = topicAddress(topics[1])
	ev.To, okTo = topicAddress(topics[2])
	ev.Amounts = make([]*big.Int, 4)
	for i := range ev.Amounts {
		ev.Amounts[i] = new(big.Int).SetBytes(data[32*i : 32*i+32])
	}
	return okFrom && okTo
}

// wordAddress reads an address from a 32-byte ABI word; its 12 high bytes
// must be zero.
func wordAddress(w []byte) (chains.Address, bool) {
	return topicAddress(common.BytesToHash(w))
}

// assetOf reads the asset an address word names: Native for the zero
// address, else the token contract.
func assetOf(w []byte) (chains.Asset, bool) {
	a, ok := wordAddress(w)
	if !ok {
		return "", false
	}
	if zero(w) {
		return chains.Native, true
	}
	return chains.Asset(a), true
}

// memoAt reads the string whose offset is the word at head of data, the
// last word of the event's head: the string must lie after the head and
// be valid UTF-8 of at most maxMemo bytes.
func memoAt(data []byte, head uint64) (string, bool) {
	if off, ok := word(data, head); !ok || off < head+32 {
		return "", false
	}
	b, ok := abiStringAt(data, head)
	if !ok || len(b) > maxMemo || !utf8.Valid(b) {
		return "", false
	}
	return string(b), true
}
