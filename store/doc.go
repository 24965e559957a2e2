// Package store keeps what Hound knows in one Badger directory: the blocks
// synced from each chain with their transactions, transfers (account
// chains) or inputs and outputs (UTXO chains), the protocol events of
// account chains, indexes by transaction, by (chain, address, asset) in
// chain order, by (contract, event kind) and by the inbound hash a bridge
// payout answers, the co-spends of UTXO transactions (common-input
// clustering, CoinJoins excluded), per-chain checkpoints and
// detached ranges, token metadata, imported label sets, and saved cases.
// store/keys.go documents every key byte by byte.
//
// Data enters from the chain adapters through Sync (or Commit and
// CommitDetached), which writes whole blocks together with the checkpoint
// that covers them, so a crash never leaves half a block; Rollback undoes
// blocks orphaned by a reorg. It leaves through the readers: AddressTransfers,
// Tx, Unspent, SpentBy, and Flows and Assets, which serve the flow graph
// the tracer walks (the store implements trace.Graph without importing it),
// TxTransfers, TxEvents, ContractEvents and Outbounds, which serve its
// protocol heuristics, and Cluster, an address's common-input cluster
// (trace.Clusters). Rollback removes what a block's co-spends added to the
// clusters with the block.
//
// One process owns a store at a time: Open takes a lock on the directory
// and a second process gets ErrInUse at once.
package store
