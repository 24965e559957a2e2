// Package chains is the chain-agnostic model every other package of Hound
// speaks: chain names, canonical addresses, assets, amounts, transfers and the
// blocks that carry them, and the small interfaces that chain adapters
// implement.
//
// Data enters the package from an adapter (chains/ethereum, chains/bitcoin),
// which turns a node's blocks into Block values made of Transfer records, and
// leaves it through the store, which indexes those records, and the tracer,
// which walks them as a flow graph. The package is a leaf: it imports nothing
// else of the module.
//
// Amounts are *big.Int counts of a chain's base unit (wei, satoshi, token
// units), never floats. Addresses have one canonical string form per chain:
// lowercase 0x-prefixed hex on EVM chains.
package chains
