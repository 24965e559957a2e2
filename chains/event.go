package chains

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// EventKind says what a protocol event means for the money: a deposit into
// or a withdrawal out of a mixing pool, a deposit into or a payout from a
// cross-chain bridge, a swap in a DEX pool.
type EventKind uint8

// The kinds of event. Their numbers are stored: append, never reorder.
const (
	// EventMixerDeposit is a Tornado-style pool's
	// Deposit(bytes32 indexed commitment, uint32 leafIndex, uint256 timestamp).
	// Contract is the pool, From the transaction's sender, Amount the
	// native value the pool received in the transaction (its denomination).
	EventMixerDeposit EventKind = iota + 1
	// EventMixerWithdrawal is a pool's
	// Withdrawal(address to, bytes32 nullifierHash, address indexed relayer, uint256 fee).
	// Contract is the pool, To the recipient, Relayer the relayer, Fee the
	// relayer's fee, From the transaction's sender.
	EventMixerWithdrawal
	// EventBridgeDeposit is a THORChain-style router's
	// Deposit(address indexed to, address indexed asset, uint256 amount, string memo).
	// Contract is the router, To the vault, Asset the asset (Native for
	// the zero address), From the transaction's sender.
	EventBridgeDeposit
	// EventBridgeOut is a router's
	// TransferOut(address indexed vault, address indexed to, address asset, uint256 amount, string memo).
	// Contract is the router, From the vault, To the recipient.
	EventBridgeOut
	// EventSwap is a Uniswap-V2-style pair's
	// Swap(address indexed sender, uint amount0In, uint amount1In, uint amount0Out, uint amount1Out, address indexed to).
	// Contract is the pair, From the sender, To the recipient; Amounts holds
	// amount0In, amount1In, amount0Out, amount1Out.
	EventSwap
)

var eventKindNames = map[EventKind]string{
	EventMixerDeposit:    "mixer_deposit",
	EventMixerWithdrawal: "mixer_withdrawal",
	EventBridgeDeposit:   "bridge_deposit",
	EventBridgeOut:       "bridge_out",
	EventSwap:            "swap",
}

// String returns the kind's name as written in JSON.
func (k EventKind) String() string {
	if n, ok := eventKindNames[k]; ok {
		return n
	}
	return fmt.Sprintf("event(%d)", uint8(k))
}

// Event is a decoded protocol event: where it happened, what it says. Only
// the fields its kind documents are set.
type Event struct {
	Chain Chain
	Tx    Hash
	// Pos is the event's place in chain order, numbered like the
	// transaction's transfers (the log's place among them).
	Pos      Pos
	Time     uint64
	Kind     EventKind
	Contract Address
	From     Address
	To       Address
	Relayer  Address
	Asset    Asset
	Amount   *big.Int
	Fee      *big.Int
	Amounts  []*big.Int
	Memo     string
}

// OutboundOf reads the inbound transaction a THORChain outbound memo
// answers: "OUT:<hash>" or "REFUND:<hash>", the hash as 64 hex digits
// (any case, an optional 0x). ok is false for any other memo.
func OutboundOf(memo string) (in Hash, ok bool) {
	fn, rest, found := strings.Cut(strings.TrimSpace(memo), ":")
	if !found || (!strings.EqualFold(fn, "OUT") && !strings.EqualFold(fn, "REFUND")) {
		return in, false
	}
	rest, _, _ = strings.Cut(rest, ":")
	rest = strings.TrimPrefix(strings.TrimPrefix(rest, "0x"), "0X")
	if len(rest) != 2*len(in) {
		return in, false
	}
	if _, err := hex.Decode(in[:], []byte(rest)); err != nil {
		return in, false
	}
	return in, true
}

// ErrNotFound says the data asked for is not there (a store has no such
// transaction): an answer, not a failure.
var ErrNotFound = errors.New("not found in the store")

// Ref points at one place in one chain's order: a transfer, an output, an
// event of transaction Tx.
type Ref struct {
	Chain Chain
	Tx    Hash
	Pos   Pos
}
