// Package ethtest runs a real, in-process Ethereum chain for tests, and
// carries Hound's own Solidity fixture contracts to deploy on it.
//
// # The chain
//
// Start boots a go-ethereum node (the same eth.Ethereum service geth runs)
// driven by go-ethereum's simulated beacon, with its JSON-RPC served over
// HTTP on 127.0.0.1 (see Chain.URL). The HTTP server offers the eth, net,
// web3 and debug namespaces; debug includes the tracers, so
// debug_traceBlockByNumber and debug_traceTransaction work with the native
// tracers such as callTracer. The node keeps every state (an archive node on
// the hash state scheme), so historical balance and call queries and the
// tracing of old blocks work at any height.
//
// The chain uses go-ethereum's developer configuration
// (params.AllDevChainProtocolChanges, chain ID 1337), which enables every
// fork from genesis, including ones not yet on mainnet whose gas costs are
// several times mainnet's. So the harness never hard-codes gas: Deploy,
// Transact and SendETH estimate it and add 20%. TransactGas takes a fixed gas
// limit instead, because estimation refuses a transaction that would fail,
// and a failing transaction is sometimes what a test needs.
//
// Options.Accounts funded keys are derived deterministically, so their
// addresses are the same in every run (see Chain.Key and Chain.Addr). Fees are
// real by default: blocks have a non-zero base fee, transactions pay a tip
// of 1 gwei, and the tips go to the fee recipient (Options.FeeRecipient,
// which by default is DefaultFeeRecipient, not a funded key). With
// Options.ZeroGasPrice the base fee is zero and transactions pay nothing.
//
// # Blocks
//
// Nothing is mined until Chain.Commit, which seals exactly one block. Commit
// first waits until every transaction the harness sent since the previous
// Commit is executable in the pool, and afterwards checks that each of them
// is in the sealed block, so a test never races the pool. Transactions sent
// to the node by other means (through Chain.URL, say) are mined when they
// are executable by then, but Commit does not wait for them.
//
// Gas estimation runs against the latest sealed block: a transaction that
// depends on another one not yet committed (a call into a contract deployed
// since the last Commit, say) needs a Commit in between, or TransactGas.
//
// Chain.AddWithdrawal queues a beacon-chain withdrawal; Commit includes at
// most 10 queued withdrawals per block, in the order they were added.
// Chain.Fork rewinds the chain to an earlier block so that the next commits
// build a side chain that replaces the old blocks, as in a reorg.
//
// # Contracts
//
// The contracts directory holds the Solidity sources of the fixtures Token,
// WETH, Mixer, Router, Splitter and Destructible; contracts/build/combined.json
// is their compiled form, embedded in this package (see ABI and Bytecode).
// After changing a source, regenerate it with
//
//	go generate ./chains/ethereum/ethtest
//
// which needs node and npm: contracts/build.sh installs the pinned solc-js
// into ${TMPDIR:-/tmp}/hound-solc and compiles with the optimizer on for the
// Cancun EVM.
//
// # Concurrency
//
// A Chain's methods are safe to call from several goroutines, but they are
// serialised: each transaction is signed, sent and tracked under one lock,
// with nonces kept by the harness. Many tests may use one Chain in sequence.
package ethtest

//go:generate bash contracts/build.sh
