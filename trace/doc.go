// Package trace walks Hound's flow graph: the taint models (the exact rules
// by which the tainted part of a node's inflows is shared among its
// outflows), the forward walk from seeds (Trace), its findings, and the
// detectors the walk consults (CoinJoins, peel chains, THORChain memos).
//
// Data enters through the small Graph interface, which the store
// implements (trace never imports the store): a node's flows in chain
// order, as chains.Node and chains.Flow. Labels enter through
// labels.Lookuper. A Result leaves: the tainted edges, the taint each node
// received, and the findings with their paths; trace/report renders it.
//
// # Models
//
// A Model is picked per run (ParseModel reads --model; Haircut is the
// default and the zero value):
//
//   - Haircut: every outflow carries the node's tainted fraction of its
//     amount, o·T/V.
//   - Poison: once a node holds any taint, every outflow is tainted in full.
//     Taint grows: Poison is the one model that does not conserve it.
//   - FIFO (Clayton's case): the oldest value leaves first.
//   - LIFO: the newest value leaves first.
//   - TIHO (taint in, highest out): the tainted value leaves first.
//
// Within one input or inflow, its tainted part comes before its clean part
// under FIFO, LIFO and TIHO; so with one input, FIFO and LIFO agree.
//
// # Rounding
//
// Amounts are integer base units (satoshi, wei, token units) and the
// arithmetic is exact: 128-bit products for satoshi, math/big for account
// amounts, never floats. Each flow's taint is floored to the base unit, and
// what the floors drop is not lost: at an account node it stays with the node
// (the next outflow sees it in T), in a UTXO transaction it goes to the fee.
// So the taint of a node's outflows plus what it keeps (or the fee's taint)
// equals the taint that came in, exactly, under every model but Poison.
//
// One case needs more than the fee: a transaction whose fee is zero or a few
// satoshi beside many haircut outputs can drop more in floors than the fee
// holds. The fee is then tainted in full, and each unit still left goes to
// one output, those whose floor dropped the largest fraction first (ties by
// index). No flow ever carries more taint than its amount.
//
// # UTXO transactions
//
// On Bitcoin a node is a transaction: SplitUTXO takes its inputs (value and
// taint of each spent output, in input order) and its outputs (in output
// order) and returns each output's taint and the fee's. The fee is served
// last: FIFO and LIFO stream the inputs (LIFO in reverse order) into the
// outputs in index order and then the fee; TIHO pours all the taint into the
// largest outputs first (ties by index), and the fee after them. With inputs
// [3 T, 7 C] and outputs [2, 7.9] (fee 0.1), FIFO gives [2, 1] and the fee 0.
// TaintedTX (tintiron/taintedtx) cuts the fee from each input pro rata
// instead and gives [2, 0.97] there; Hound does not.
//
// # Account nodes
//
// On EVM chains a node is an (address, asset) pair. An Account holds one
// node's taint while its flows are replayed in chain order (DESIGN.md says
// how a transaction's flows are ordered; the gas fee is an outflow like any
// other): In for each inflow with the taint it brings, Out for each outflow,
// which returns the taint it carries. An outflow carries only taint that
// arrived before it. Haircut takes T and B, the node's taint and balance,
// just before each outflow, and floors amount·T/B; FIFO and LIFO keep the
// inflows as ordered lots and take from the oldest or the newest; TIHO's
// account form is tainted-first, min(amount, T); under Poison the whole
// balance is tainted once any taint arrives, until the node is emptied.
//
// The replay may not see all of a node's history: an address can hold value
// received before the synced range (or at genesis). An outflow larger than
// the balance therefore does not fail: the unseen value counts as clean, the
// outflow carries all the node's taint and empties it, and Account.Unknown
// says how much was unseen, so a report can say its coverage is partial.
//
// # Conversions
//
// A DEX swap, a WETH wrap or unwrap and a bridge leg join two assets (or two
// chains). Convert carries taint across one as the input's tainted fraction
// of the output, floored in the output's base units.
//
// # The walk
//
// Trace keeps one queue of the nodes it has reached, ordered by the
// position of each one's next flow, so that flows are applied in global
// chain order (at one position an outflow leaves before the inflow it
// becomes arrives). A node is read when taint first reaches it; its earlier
// flows are replayed as clean, which sets the balance taint mixes with.
// Seeds are fully tainted. A labelled exchange, mixer, bridge or other
// service ends a branch with a finding; so does a hub (more flows than the
// fan-out bound, read once). The hop bound, the minimum amount and the time
// window prune the rest. An account whose taint is all at the hop bound, and
// to which none is on its way, leaves the queue until taint next reaches
// it: its flows until then can pass nothing on, and it steps them when it
// wakes. A finding's path follows, from node to node, the
// tainted inflow before the edge out that carried the most taint.
//
// On a Concurrent graph (the store) the walk reads ahead on a second
// goroutine: when it starts following a node it asks for the nodes that
// node pays afterwards (not past the hop bound, not labelled services),
// and for those the reader has read, the nodes they pay after the payment
// that reaches them; the reader takes the soonest needed first, through a
// FlowReader of its own, and holds at most aheadBudget flows unused. A
// node the walk needs before the reader began it, the walk reads itself.
// What is read is the same either way, so the result is too; only
// Result.ReadAhead says how many nodes came from the reader.
//
// # The laundering playbook
//
// Where the Graph also implements Protocol (the store does), the walk
// follows what labels alone would miss, from the protocol events decoded at
// sync and two flags the store sets on each flow (Converts: the sender
// receives another asset in the same transaction; Evented: an event of the
// transaction names the recipient), so spotting them costs no extra reads:
//
//   - Conversions (dex_swap): an address that sends asset X and receives Y
//     in one transaction swapped them (through a pair, a router, a
//     wrapper): each inflow of Y carries the tainted fraction of all the X
//     it sent, by Convert; the pair receives no taint. A wrap or unwrap
//     converts the same way without a finding. A Y the address passed on
//     earlier in the transaction does not count: a router that unwraps
//     WETH and pays out the ether is paying, not buying WETH back.
//   - Fan-out: FanOutMin (5) addresses receiving tainted value from one
//     node.
//   - Mixers: a tainted deposit into a pool that logs Tornado's
//     Deposit(bytes32,uint32,uint256) stops the branch (mixer, with the
//     pool's denomination). Its later withdrawals are linked to the
//     deposit by two of Tutela's heuristics: the depositor withdraws to
//     itself (address match, ConfidenceAddressMatch) or to an address it
//     shares LinkedTxs transactions with outside the pool
//     (ConfidenceLinkedAddresses). Each is a mixer_exit_candidate carrying
//     the deposit's tainted fraction; Options.FollowMixers goes on from it.
//   - Bridges: a THORChain router's Deposit event, or a Bitcoin
//     transaction whose OP_RETURN holds a swap memo (the output before it
//     pays the vault), is decoded (ParseMemo). The payout on the
//     destination chain whose memo answers the inbound (OUT:<hash>, found
//     through Protocol.Outbounds) carries the inbound's tainted fraction of
//     its own amount, one hop on; without it, the first payment to the
//     memo's address within MatchWindow (24 h) does, with
//     ConfidenceDestination. Flows of two chains are ordered by block time.
//   - Exchange deposit addresses: on EVM chains Victor's heuristic (FC
//     2020): an unlabelled address that forwards what it received to a
//     labelled exchange wallet, keeping at most DepositSlack (0.01 ETH),
//     within DepositBlocks (3200) blocks, with Tutela's confidence
//     κ = mean(1 - slack/0.01 ETH, 1 - blocks/3200); once known, its later
//     sweeps are reported even when clean, and its depositors form a
//     cluster. On Bitcoin, an unlabelled address whose coin a labelled
//     exchange spends together with its own (ConfidenceCoSpend).
//   - Common-input clusters: a tainted Bitcoin transaction that is no
//     CoinJoin and spends coins of two or more addresses.
//
// # Continuing a walk
//
// With Options.Resumable a trace keeps its state at the end (Result.State:
// the balances and lots of the nodes it followed, its edges and findings,
// and what the heuristics read of data that grows), and Resume continues
// it once the graph has grown: each node it followed steps what it gained
// since (one seek per node where the Graph implements FlowsAfter), each
// tainted output it left unspent and a new block spends goes on into the
// spending transaction, and the walk carries on. The walk is ordered in
// time, so the flows of new blocks come after every flow it stepped, and
// the result equals a fresh trace as long as no earlier decision looked at
// data that has changed since. Resume checks those first and returns
// ErrStale otherwise: a node now past the fan-out bound, new pool
// withdrawals linked to a tainted deposit, a bridge inbound's payout, an
// exchange in a cluster the walk already followed on from (one where the
// output still rests is reported now, as a fresh trace would), new blocks
// of one chain older than the last flow stepped on another. The caller
// checks the rest: the same labels, and the blocks up to the heights the
// walk saw still in place.
//
// # How a walk uses the models
//
// A forward walk visits nodes in chain order. At a Bitcoin transaction it
// reads the taint already assigned to the outputs its inputs spend, calls
// SplitUTXO, and assigns the result to the transaction's outputs, which
// become inputs of the transactions that spend them. At an account node it
// keeps one Account per (chain, address, asset), feeds it every flow of the
// node in chain order (inflows from untainted sources with taint zero), and
// sends each outflow's taint on to the receiving node. At a conversion it
// calls Convert and continues in the other asset. Every flow's taint it
// reports is one of these results, so a trace's totals add up to the seeds'
// taint to the base unit.
package trace
