// Package bitcoin turns Bitcoin blocks into chains.Block values: every
// transaction with the outpoints its inputs spend and its outputs,
// classified by script kind and keyed by a canonical address. Blocks come
// from a node's JSON-RPC (Source) or from block files (ReadBlockFiles).
//
// # Blocks
//
// ParseBlock decodes a serialized block with btcd's wire package, after a
// shape check of its own that bounds every count and length by the bytes
// that follow it, so untrusted input never makes it allocate more than a
// small multiple of its size. It computes txids (not wtxids), checks the
// merkle root against them (a mismatch, or a tree with a repeated pair,
// wraps ErrMerkleRoot and names the block hash), and classifies every
// output script with txscript (see ClassifyScript): P2PK outputs take
// their key's P2PKH address and keep the key, OP_RETURN outputs keep
// their payload (THORChain memos such as "OUT:<hash>" live there), and
// scripts without an address are keyed by chains.ScriptAddress, never
// dropped. Witness data is not checked against the coinbase's commitment:
// it enters the model only through the virtual size. Inputs carry only
// the outpoint they spend (or Coinbase); the store resolves their values
// and addresses from the outputs it holds. Hashes are in display order.
//
// # Block files
//
// ReadBlockFiles reads files as Bitcoin Core writes them (blk*.dat:
// repeated network magic, little-endian length, block; zero padding at
// the end; obfuscated with the xor.dat key since Core 28), files holding
// one unframed block, and bzip2-compressed files of either kind (held in
// memory, decompressed). It reads only the block headers: a frame of
// another network, a length beyond MaxBlockSize or a truncated frame is
// an error naming the file and the byte offset. Blocks are then ordered
// by their parent links, not by file order, into segments:
//
//   - the segment linked to the genesis block starts at height 0, with
//     the genesis block taken from the network's parameters when the
//     files lack it, so that it serves the same blocks a node would;
//   - a segment whose first block's parent is not in the files is
//     detached: its heights come from BIP 34 (the coinbase of its first
//     block, checked against its last), and a segment whose blocks
//     predate BIP 34 has none (ErrHeightUnknown);
//   - where two blocks share a parent, the longest branch is kept (the
//     first in the files on a tie) and the others' blocks are listed as
//     orphans; blocks found twice are kept once.
//
// Each Segment is a chains.BlockSource, so a sync ingests it in order as
// it would a node. Blocks are read and fully checked when a Segment
// serves them: a corrupted block fails then, with the file, the offset
// and the block hash in the error.
//
// # RPC
//
// Source implements chains.BlockSource over btcd's rpcclient in HTTP POST
// mode (Bitcoin Core has no websocket RPC), with only the calls btcd and
// Bitcoin Core share: getblockcount, getblockhash, getblock with
// verbosity 0 (the raw block; verbosity 2 differs between the two) and
// getrawtransaction. rpcclient takes no context and sends the requests of
// one client one at a time, so Source gives each call a client of its own
// and shuts it down when the call returns, which also aborts the HTTP
// request of a call whose context ended (and lets calls run in parallel).
// Dial fails fast: one TCP connection (rpcclient would retry a refused
// one for about 22 seconds), then one getblockhash 0, whose answer must
// be the configured network's genesis block. Wrong credentials give an
// AuthError. Later calls retry transient failures (transport errors,
// timeouts, HTTP 5xx and 429, a node still warming up) with exponential
// backoff; rpcclient itself retries an HTTP request that got no answer up
// to 10 times, over about 22 seconds, before Source sees the failure.
package bitcoin
