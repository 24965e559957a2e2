package chains

import (
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"
)

// Hash is a block or transaction hash in the byte order it is displayed in
// (for Bitcoin that is the reverse of the order inside the protocol).
type Hash [32]byte

// IsZero reports whether h is all zero bytes.
func (h Hash) IsZero() bool { return h == Hash{} }

// MarshalBinary writes the hash's 32 bytes as they are (encoding/gob
// otherwise writes an array byte by byte). The zero hash is written empty.
func (h Hash) MarshalBinary() ([]byte, error) {
	if h.IsZero() {
		return nil, nil
	}
	return h[:], nil
}

// UnmarshalBinary reads what MarshalBinary wrote.
func (h *Hash) UnmarshalBinary(b []byte) error {
	switch len(b) {
	case 0:
		*h = Hash{}
	case len(h):
		copy(h[:], b)
	default:
		return fmt.Errorf("hash of %d bytes, want 32", len(b))
	}
	return nil
}

// Format writes h the way chain c displays hashes: 0x-prefixed on EVM chains,
// bare hex on Bitcoin.
func (h Hash) Format(c Chain) string {
	if c.IsEVM() {
		return "0x" + hex.EncodeToString(h[:])
	}
	return hex.EncodeToString(h[:])
}

// ParseHash reads a transaction or block hash of chain c: 64 hex digits, with
// a 0x prefix allowed.
func ParseHash(c Chain, s string) (Hash, error) {
	var h Hash
	body := strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "0x"), "0X")
	if len(body) != 64 {
		return h, fmt.Errorf("hash %q: want 64 hex digits", s)
	}
	if _, err := hex.Decode(h[:], []byte(body)); err != nil {
		return h, fmt.Errorf("hash %q: not hex", s)
	}
	return h, nil
}

// Asset names what a transfer moves: Native for the chain's own coin, else
// the canonical address of a token contract.
type Asset string

// Native is the chain's own coin (ETH, BTC).
const Native Asset = "native"

// Kind says how a transfer moved value.
type Kind uint8

// The kinds of transfer. Their numbers are stored: append, never reorder.
const (
	// KindNative is a transaction's top-level value.
	KindNative Kind = iota + 1
	// KindInternal is value moved by a contract inside a transaction
	// (a call frame with value, a CREATE with value, a SELFDESTRUCT).
	KindInternal
	// KindToken is an ERC-20 Transfer log.
	KindToken
	// KindFee is gas paid to the FeeSink, or the FeeSink paying the block's
	// fee recipient its priority fee.
	KindFee
	// KindWithdrawal is a beacon-chain withdrawal credited to an address.
	KindWithdrawal
	// KindWrap is wrapped tokens credited by a WETH-style Deposit event
	// (the wrapper contract pays the depositor); a conversion.
	KindWrap
	// KindUnwrap is wrapped tokens returned to the wrapper by a
	// WETH-style Withdrawal event; a conversion.
	KindUnwrap
	// KindOutput is a UTXO transaction's output paying an address (To; From
	// is empty: the payer is the transaction node).
	KindOutput
	// KindInput is a UTXO transaction's input spending an address's output
	// (From; To is empty).
	KindInput
)

// Kinds lists every kind in numeric order.
var Kinds = []Kind{KindNative, KindInternal, KindToken, KindFee, KindWithdrawal, KindWrap, KindUnwrap, KindOutput, KindInput}

var kindNames = map[Kind]string{
	KindNative:     "native",
	KindInternal:   "internal",
	KindToken:      "token",
	KindFee:        "fee",
	KindWithdrawal: "withdrawal",
	KindWrap:       "wrap",
	KindUnwrap:     "unwrap",
	KindOutput:     "output",
	KindInput:      "input",
}

// String returns the kind's name as written in JSON.
func (k Kind) String() string {
	if n, ok := kindNames[k]; ok {
		return n
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// BlockLevel is the TxIndex of value movements that belong to a block rather
// than to one of its transactions (withdrawals). It sorts after every
// transaction.
const BlockLevel uint32 = 1<<32 - 1

// Pos is a transfer's place in chain order: block, transaction index, and the
// transfer's ordinal inside the transaction (0 is the fee, which is paid
// before execution).
type Pos struct {
	Block   uint64
	TxIndex uint32
	Index   uint32
}

// Less reports whether p comes before q in chain order.
func (p Pos) Less(q Pos) bool {
	if p.Block != q.Block {
		return p.Block < q.Block
	}
	if p.TxIndex != q.TxIndex {
		return p.TxIndex < q.TxIndex
	}
	return p.Index < q.Index
}

// Transfer moves Amount of Asset from one address to another at a point in
// chain order. It is one flow of the flow graph on account chains.
type Transfer struct {
	Chain  Chain
	Tx     Hash // zero for block-level transfers
	Pos    Pos
	Time   uint64 // block time, Unix seconds
	From   Address
	To     Address
	Asset  Asset
	Amount *big.Int
	Kind   Kind
}

// TxStatus is the outcome of a transaction.
type TxStatus uint8

// Transaction outcomes. Their numbers are stored.
const (
	// TxSucceeded: the transaction's value movements happened.
	TxSucceeded TxStatus = iota + 1
	// TxFailed: the transaction reverted; it moved no value but paid gas.
	TxFailed
)

// Tx is what the store keeps of a transaction besides its transfers.
type Tx struct {
	Hash   Hash
	Index  uint32
	From   Address
	To     Address // the created contract for a contract creation
	Status TxStatus
}

// Block is one block as an adapter delivers it: its identity, and either
// (account chains) its transactions and every transfer they made, or (UTXO
// chains) its transactions with their inputs and outputs, in chain order.
type Block struct {
	Chain     Chain
	Number    uint64
	Hash      Hash
	Parent    Hash
	Time      uint64
	Txs       []Tx
	Transfers []Transfer
	UTXOTxs   []UTXOTx
	// Events are the block's decoded protocol events (mixer pools,
	// bridge routers, DEX pairs), in chain order.
	Events []Event
	// Skipped counts logs that looked like transfers but were malformed
	// (wrong data length, an address topic with high bytes set) and were
	// left out.
	Skipped int
	// Untraced is true when internal transfers could not be read for this
	// block (the node has no debug API).
	Untraced bool
}

// Token is what Hound keeps of a token contract, for display.
type Token struct {
	Asset    Asset
	Symbol   string
	Decimals uint8
	// Known is false when the contract did not answer decimals().
	Known bool
}
