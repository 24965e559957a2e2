package store

// Key layout of a Hound store.
//
// Every key starts with a one-byte prefix naming its table. Integers are
// big-endian so that a prefix scan returns keys in numeric (chain) order.
// "chain" is the chain's one-byte code (chains.Chain.Code: 1 ethereum,
// 2 bitcoin). "pos" is a transfer's position in chain order, 16 bytes:
// block (8) | tx index (4) | ordinal inside the transaction (4); block-level
// transfers (withdrawals) use tx index 0xffffffff. "addr" and "asset" are
// length-prefixed: one length byte, then the bytes. An EVM address is its 20
// raw bytes; a pseudo-address (fees, beacon) or a non-EVM address is its
// ASCII string (never 20 bytes long for EVM chains, so the two never
// collide); the native asset is the empty string (length 0), a token its
// contract address like any address.
//
//	'V'                                  schema version: uint32
//	'N' chain                            network the chain's data came from, e.g. "chainid:1" (set at the first sync)
//	'C' chain                            checkpoint: first block (8) | last fully written block (8) | its hash (32)
//	'G' chain first(8)                   detached segment (blocks stored without their ancestors):
//	                                     first block (8) | last block (8) | its hash (32)
//	'B' chain block(8)                   block: hash (32) | parent hash (32) | time (8) | flags (1: bit0 untraced) | skipped logs (4)
//	'R' chain block(8) txindex(4)        account chains: transaction: hash (32) | status (1) | from (addr) | to (addr)
//	                                     UTXO chains: transaction: txid (32) | version (4) | lock time (4) | vsize (4)
//	'X' chain txhash(32)                 transaction by hash: block (8) | tx index (4)
//	'O' chain txid(32) vout(4)           UTXO output: value in satoshi (8) | script kind (1) | address (addr) |
//	                                     extra: uvarint length, then the P2PK key or the OP_RETURN payload
//	'I' chain txid(32) vin(4)            UTXO input: spent txid (32) | spent vout (4) | flags (1: bit0 coinbase,
//	                                     bit1 resolved) | value spent (8) | address spent from (addr)
//	'P' chain txid(32) vout(4)           spent index: spending txid (32) | input index (4)
//	'T' chain pos(16)                    account chains: transfer: tx hash (32) | time (8) | kind (1) | from (addr) | to (addr) | asset (asset) | amount
//	'F' chain addr asset pos(16) dir(1)  flow of one node (address, asset); dir 'i' inflow, 'o' outflow:
//	                                     counterparty (addr) | kind (1) | tx hash (32) | time (8) | amount
//	                                     On UTXO chains an output is an inflow at ordinal 0x80000000|vout,
//	                                     a resolved input an outflow at ordinal vin; the counterparty is
//	                                     empty (the other side is the transaction node). The kind byte's
//	                                     bit 6 marks a sender that receives another asset in the same
//	                                     transaction (a conversion), bit 7 a recipient an event of the
//	                                     transaction names (a pool, a router, a vault).
//	'E' chain pos(16)                    account chains: protocol event at the log's place among the transaction's
//	                                     transfers: kind (1) | flags (1: bit0 amount, bit1 fee, bit2 asset set) |
//	                                     tx hash (32) | time (8) | contract (addr) | from (addr) | to (addr) |
//	                                     relayer (addr) | asset (asset, if bit2) | amount (if bit0) | fee (if bit1) |
//	                                     amounts: uvarint count, then each amount (nil as 0) | memo: uvarint
//	                                     length, then the bytes
//	'Q' chain contract(addr) kind(1) pos(16)
//	                                     event index: empty (one contract's events of one kind, in chain order)
//	'W' inbound(32) chain(1) pos(16)     bridge outbound answering inbound transaction hash: empty. Written for an
//	                                     account chain's bridge_out event (pos: the event's) and for a UTXO
//	                                     chain's OP_RETURN output (pos: its flow position, ordinal
//	                                     0x80000000|vout) whose memo is "OUT:<hash>" or "REFUND:<hash>"
//	                                     (chains.OutboundOf)
//	'U' chain block(8) txindex(4)        UTXO chains: co-spend (common-input clustering, store/cluster.go): the
//	                                     distinct addresses the transaction spends from, in input order: uvarint
//	                                     count, then each (addr). Written for a transaction of the main range
//	                                     that is not a coinbase, has every input resolved, spends from two or
//	                                     more addresses and is not a CoinJoin by SyncOptions.Joined
//	'J' chain addr block(8) txindex(4)   co-spender index: empty (the 'U' records naming addr, in chain order)
//	'K' chain token(addr)                token: known (1) | decimals (1) | symbol (rest)
//	'M' name                             label set (name: length byte, then the name): generation (8) | labels (4) |
//	                                     imported at, Unix seconds (8) | format, files (uvarint length, bytes)
//	'L' name generation(8) chunk(4)      up to 1000 labels of the set's generation, as a hound.labels/v1 JSON document
//	'Z' name                             saved case (name: length byte, then the name): the record the command
//	                                     line wrote (JSON: parameters, heights, result)
//	'z' name                             the case's walk at its end, what a rerun continues from (the trace
//	                                     package's encoding, opaque here)
//	'H' name 'r'                         batch job (name: length byte, then the name): its last finished run and the
//	                                     one before (JSON: {"last": run, "before": run}; run: id, generation, started,
//	                                     finished, rows)
//	'H' name 'g' gen(8) chunk(4)         up to 1000 rows of the job's run of generation gen, in input order; per row:
//	                                     uvarint length + id, uvarint length + subject, uvarint length + risk level
//	'A'                                  precomputed exposure: the current generation's record (JSON: generation,
//	                                     heights, labels digest, model, hops, counts)
//	'Y' gen(8) chain addr asset          precomputed exposure of a tainted node: direct | indirect (amounts)
//	'y' chain addr asset                 a node's inflow total, kept for the precomputed exposure: amount; brought up
//	                                     to date block by block after a sync (the 'A' record says how far)
//	'D' gen(8) chain txhash(32) index(4) precomputed exposure of a tainted deposit (a transfer's ordinal, a UTXO
//	                                     output's vout): amount | tainted (amounts) | hop (4)
//	'S' chain                            counters: blocks, txs, skipped logs, unresolved inputs, then one per
//	                                     transfer kind 1..n (8 each)
//
// "amount" is the unsigned big-endian magnitude of a non-negative integer,
// prefixed by its length in one byte (amounts up to 2^2040).
//
// A block's keys ('B', 'R', 'X', and 'T', 'E', 'Q' or 'O', 'I', 'P', with
// 'F', 'W', 'U' and 'J'), the counters and the checkpoint that covers the
// block are written in one Badger transaction, so a crash leaves either the
// whole block or none of it. Rolling back a block reloads it from these
// keys and deletes exactly the keys committing it wrote; its co-spend keys
// are the 'U' records stored under its height and the 'J' keys they name.
const (
	prefixVersion    = 'V'
	prefixNetwork    = 'N'
	prefixCheckpoint = 'C'
	prefixSegment    = 'G'
	prefixBlock      = 'B'
	prefixTx         = 'R'
	prefixTxByHash   = 'X'
	prefixTransfer   = 'T'
	prefixOutput     = 'O'
	prefixInput      = 'I'
	prefixSpent      = 'P'
	prefixFlow       = 'F'
	prefixEvent      = 'E'
	prefixEventIndex = 'Q'
	prefixOutbound   = 'W'
	prefixCoSpend    = 'U'
	prefixCoSpender  = 'J'
	prefixToken      = 'K'
	prefixStats      = 'S'
	prefixLabelSet   = 'M'
	prefixLabels     = 'L'
	prefixCase       = 'Z'
	prefixCaseWalk   = 'z'

	prefixJob             = 'H'
	prefixExposureMeta    = 'A'
	prefixExposure        = 'Y'
	prefixInflow          = 'y'
	prefixDepositExposure = 'D'

	dirIn  = 'i'
	dirOut = 'o'
)

// schemaVersion is the layout above. Bump it, with a migration, whenever a
// key or value changes shape. Version 2 added the events ('E', 'Q'), the
// outbound index ('W') and the co-spends ('U', 'J'); a version 1 store must
// be synced again into a new store directory.
const schemaVersion uint32 = 2
