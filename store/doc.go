// Package store keeps what Hound knows in one Badger directory: the blocks
// synced from each chain with their transactions, transfers (account
// chains) or inputs and outputs (UTXO chains), the protocol events of
// account chains, indexes by transaction, by (chain, address, asset) in
// chain order, by (contract, event kind) and by the inbound hash a bridge
// payout answers, per-chain checkpoints and
// detached ranges, token metadata, imported label sets, and saved cases.
// store/keys.go documents every key byte by byte.
//
// Data enters from the chain adapters through Sync (or Commit and
// CommitDetached), which writes whole blocks together with the checkpoint
// that covers them, so a crash never leaves half a block; Rollback undoes
// blocks orphaned by a reorg. It leaves through the readers: AddressTransfers,
// Tx, Unspent, SpentBy, and Flows and Assets, which serve the flow graph
// the tracer walks (the store implements trace.Graph without importing it),
// and TxTransfers, TxEvents, ContractEvents and Outbounds, which serve its
// protocol heuristics.
//
// One process owns a store at a time: Open takes a lock on the directory
// and a second process gets ErrInUse at once.
package store
