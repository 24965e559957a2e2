// Package ethereum turns the standard JSON-RPC of any Ethereum node into
// chains.Block values: every wei and every token unit a block moves, as
// chains.Transfer records in chain order, and the mixer, bridge and DEX
// events among its logs, as chains.Event records.
//
// # What a block yields
//
// For each transaction, in block order, the adapter emits:
//
//   - the fee, paid before execution: a KindFee transfer from the sender to
//     chains.FeeSink of gasUsed × effectiveGasPrice (plus the blob fee) at
//     Index 0, and the priority part passed on from chains.FeeSink to the
//     block's fee recipient at Index 1 (before London the whole fee);
//   - from Index 2 on, the value movements in execution order: the
//     top-level value (KindNative), value moved by contracts (KindInternal:
//     CALL, CREATE, CREATE2 and SELFDESTRUCT frames with value), ERC-20
//     Transfer logs (KindToken) and WETH-style Deposit and Withdrawal logs
//     (KindWrap, KindUnwrap), interleaved as they happened.
//
// Zero amounts of ether are left out (ether an address sends to itself is
// kept: it is a real transfer, and nets to zero), but the ordinals stay
// fixed: the fee is always Index 0 and the first
// movement always Index 2. Zero-amount token
// events are kept, since they are real events. After the transactions come
// the block's beacon-chain withdrawals (KindWithdrawal, from
// chains.BeaconSink, at TxIndex chains.BlockLevel).
//
// A failed transaction moves nothing but its fee. A call frame that reverted
// moves nothing, and neither does anything below it, even frames that
// succeeded before their parent reverted. Summing an address's transfers
// therefore gives its balance change, fee recipient included, for every
// block after the Merge; block and uncle rewards of proof-of-work blocks are
// not transfers and are not emitted.
//
// # Protocol events
//
// Logs of five signatures become chains.Event records in Block.Events:
// a Tornado-style pool's Deposit and Withdrawal (EventMixerDeposit,
// EventMixerWithdrawal), a THORChain-style router's Deposit and
// TransferOut (EventBridgeDeposit, EventBridgeOut), and a Uniswap-V2
// pair's Swap (EventSwap). They are read from the same logs as the token
// transfers, so the same rules hold: only successful transactions have
// events, and a log of a reverted frame is no event. Contract is the
// emitting contract, whoever it is: whether it is a real pool, router or
// pair is for the reader to decide. From is the transaction's sender for
// pool deposits and withdrawals and for router deposits; Asset is
// chains.Native for the zero address. A pool event's Amount is not in the
// log: it is the ether the transaction's native and internal transfers
// moved into the pool (deposit) or out of it (withdrawal), all of the
// transaction's such transfers counted: two deposits into one pool in one
// transaction each get the sum, and without traces a withdrawal's Amount
// is 0. A log with one of these signatures that cannot be decoded
// (another number of topics, data of the wrong length, an address with
// its high bytes set, a string offset or length out of bounds, a memo
// that is not UTF-8 or is longer than 250 bytes) is counted in Skipped.
//
// Events are numbered like the transfers of their transaction without
// taking ordinals from them, so the transfers are numbered the same with
// or without events. An event's Pos.Index is the Index of the first
// transfer its transaction makes after it, or, when none follows, the
// Index such a transfer would get (one more than the last movement's, 2
// after none): on equal Pos the event came first, and every transfer made
// before the event sorts before it.
// Two events of a transaction never share a Pos: when no transfer comes
// between two events, the second gets one more than the first, and may
// then sort after a transfer it preceded. Block.Events is in chain order,
// strictly increasing.
//
// # Internal transfers need the debug API
//
// Value moved by contracts appears in no receipt. The adapter reads it with
// one debug_traceBlockByNumber call per block using the callTracer with
// logs, which also gives each log its place among the calls. A node without
// the debug namespace is detected on the first block: from then on the
// adapter only asks for blocks and receipts, marks every block Untraced, and
// logs one warning; such blocks carry the top-level value and the logs, but
// no internal transfers.
//
// The receipts are authoritative for which logs exist: a log of the trace
// that the receipt does not hold (by index and content) is dropped, and a
// receipt log missing from the trace is appended after the traced
// movements.
//
// # Status before Byzantium
//
// Receipts from before Byzantium carry a state root instead of a status.
// The adapter then takes the status from the trace (an error on the top
// frame means failure). Without a trace it uses a heuristic: the
// transaction failed when it used all its gas, that gas exceeds the
// intrinsic cost of the transaction (so code ran and ran out), and it had
// value or input; otherwise it succeeded. A missing status alone never
// means failure.
//
// # Known limits
//
// Transfer logs emitted by the system address under EIP-7708 restate ether
// movements the adapter already reads from the trace and are skipped.
// Ether burnt by a SELFDESTRUCT to itself, or sent before Cancun to a
// contract that destroyed itself earlier in the transaction, is not
// emitted. Any contract that
// emits an event with WETH's Deposit or Withdrawal signature is read as a
// wrapper of its own token.
//
// # RPC
//
// Source implements chains.BlockSource and chains.TokenReader over
// go-ethereum's rpc client, batching calls where it saves round trips
// (block, receipts and trace of a block go in one batch; receipts one by
// one, on nodes without eth_getBlockReceipts, in batches of 100). Transient
// failures (refused or reset connections, timeouts, HTTP 5xx and 429,
// truncated responses, rate limits) are retried with exponential backoff;
// a call that failed inside a batch for such a reason, or because the
// batch's answer was too large, is repeated on its own. Permanent failures
// (unknown method, bad parameters) are returned at once. Source is safe
// for concurrent use.
package ethereum
