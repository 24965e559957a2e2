// Package btcdtest runs real btcd nodes on regtest for tests, and a small
// wallet of its own to fill their blocks with every kind of output
// script.
//
// # Nodes
//
// Start runs the btcd binary that Binary finds ($HOUND_BTCD, or the one
// `go tool -n btcd` builds from the module cache; go.mod pins btcd as a
// tool) in a temporary directory, with its RPC server (HTTP, no TLS) and
// its peer-to-peer listener on free loopback ports, a transaction index
// and an address index, and waits until the RPC server answers (about
// half a second). Stop kills the process, reaps it and removes the
// directory; Start registers Stop with tb.Cleanup when given a
// testing.TB. On Linux the kernel also kills btcd if the test process
// dies first.
//
// Regtest has segwit and taproot active from the first block, and its
// coinbases mature after 100 blocks: a coinbase mined at height h may be
// spent in block h+100, so after Generate(ctx, 100) the first coinbase (50
// BTC) can be sent to the mempool. btcd relays non-standard transactions on
// regtest (its RelayNonStdTxs parameter), so bare multisig outputs,
// non-standard scripts, OP_RETURN outputs with several pushes or more
// than 80 bytes, and outputs to future witness versions are all accepted.
// Spending an output of a future witness version is not: the standard
// script flags refuse it.
//
// Two nodes make reorgs: Connect one to the other, Generate on one,
// WaitSynced; Disconnect, mine competing branches on each; Connect again
// and WaitSynced, and the longer branch replaces the shorter one on both.
// btcd does not reconnect on its own: loopback addresses are never
// gossiped.
//
// # The wallet
//
// btcd has no wallet, so each Node carries a Wallet: keys derived from a
// seed (the same in every run), the output scripts of every Kind built
// from them (P2PKH, P2WPKH, P2TR, P2SH-P2WPKH, P2SH multisig, P2WSH, bare
// P2PK, bare multisig and a non-standard hash puzzle), and the outputs
// paying to those scripts that it has seen: the coinbases Generate mines
// (to the P2WPKH script of key 0) and the outputs of what Send and Spend
// sign. Build signs with btcd's txscript, checks every input with its
// script engine under the standard flags, and pays a fixed Fee; Send picks
// inputs after asking the node (gettxout) which are unspent and mature.
// NullData and WitnessProgram make output scripts the wallet cannot spend.
//
// Node methods take a context and return when it ends; btcd's rpcclient
// takes none, so the call itself finishes in the background.
package btcdtest
