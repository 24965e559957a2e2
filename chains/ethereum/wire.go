package ethereum

import (
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
)

// The types below are the parts of the nodes' JSON answers the adapter
// reads. They are decoded here rather than with go-ethereum's core types so
// that transaction types go-ethereum does not know still decode, the
// sender comes from the node's "from" field, and a missing receipt status
// can be told from a zero one.

// rpcBlock is a block from eth_getBlockByNumber with full transactions.
type rpcBlock struct {
	Number       hexutil.Uint64  `json:"number"`
	Hash         common.Hash     `json:"hash"`
	ParentHash   common.Hash     `json:"parentHash"`
	Timestamp    hexutil.Uint64  `json:"timestamp"`
	Miner        common.Address  `json:"miner"`
	BaseFee      *hexutil.Big    `json:"baseFeePerGas"`
	Transactions []rpcTx         `json:"transactions"`
	Withdrawals  []rpcWithdrawal `json:"withdrawals"`
}

// rpcTx is a transaction inside an rpcBlock.
type rpcTx struct {
	Hash     common.Hash     `json:"hash"`
	From     *common.Address `json:"from"`
	To       *common.Address `json:"to"`
	Value    *hexutil.Big    `json:"value"`
	Gas      hexutil.Uint64  `json:"gas"`
	GasPrice *hexutil.Big    `json:"gasPrice"`
	Input    hexutil.Bytes   `json:"input"`
}

// rpcWithdrawal is a beacon-chain withdrawal (EIP-4895).
type rpcWithdrawal struct {
	Address common.Address `json:"address"`
	Amount  hexutil.Uint64 `json:"amount"` // in gwei
}

// rpcReceipt is a transaction receipt. Status is nil in receipts from
// before Byzantium, which carry a state root instead.
type rpcReceipt struct {
	TxHash            common.Hash     `json:"transactionHash"`
	BlockHash         *common.Hash    `json:"blockHash"`
	Status            *hexutil.Uint64 `json:"status"`
	GasUsed           *hexutil.Uint64 `json:"gasUsed"`
	EffectiveGasPrice *hexutil.Big    `json:"effectiveGasPrice"`
	BlobGasUsed       *hexutil.Uint64 `json:"blobGasUsed"`
	BlobGasPrice      *hexutil.Big    `json:"blobGasPrice"`
	ContractAddress   *common.Address `json:"contractAddress"`
	Logs              []rpcLog        `json:"logs"`
}

// rpcLog is a log of a receipt.
type rpcLog struct {
	Address common.Address `json:"address"`
	Topics  []common.Hash  `json:"topics"`
	Data    hexutil.Bytes  `json:"data"`
	Index   hexutil.Uint64 `json:"logIndex"`
}

// rpcTrace is one transaction's entry in the answer of
// debug_traceBlockByNumber.
type rpcTrace struct {
	TxHash common.Hash `json:"txHash"`
	Result *callFrame  `json:"result"`
	Error  string      `json:"error"`
}

// callFrame is a frame of go-ethereum's callTracer. Error is set when the
// frame reverted.
type callFrame struct {
	Type  string          `json:"type"`
	From  common.Address  `json:"from"`
	To    *common.Address `json:"to"`
	Value *hexutil.Big    `json:"value"`
	Error string          `json:"error"`
	Calls []callFrame     `json:"calls"`
	Logs  []traceLog      `json:"logs"`
}

// traceLog is a log as the callTracer reports it with withLog: Index is
// the log's index in the block and Position the number of the frame's
// subcalls made before the log was emitted.
type traceLog struct {
	Address  common.Address `json:"address"`
	Topics   []common.Hash  `json:"topics"`
	Data     hexutil.Bytes  `json:"data"`
	Index    hexutil.Uint64 `json:"index"`
	Position hexutil.Uint64 `json:"position"`
}

// traceConfig asks debug_traceBlockByNumber for call frames with logs.
var traceConfig = map[string]any{
	"tracer":       "callTracer",
	"tracerConfig": map[string]any{"withLog": true},
}
