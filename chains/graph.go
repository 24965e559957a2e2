package chains

import (
	"fmt"
	"math/big"
)

// The flow graph. A node holds value for a while; a flow moves an amount of
// one asset from one node to the next at a point in chain order. On account
// chains a node is an (address, asset) pair and its flows are the address's
// transfers of that asset. On UTXO chains a node is a transaction: its
// inflows are the outputs it spends, in input order, and its outflows are
// its outputs, in output order; an output flows into the transaction that
// spends it, or stays with its address while unspent (a holding node). The
// store serves these shapes; the tracer walks them.

// NodeKind says what a node of the flow graph is.
type NodeKind uint8

// The kinds of node.
const (
	// AccountNode is an (address, asset) pair of an account chain.
	AccountNode NodeKind = iota + 1
	// TxNode is a transaction of a UTXO chain.
	TxNode
	// HoldingNode is a UTXO chain address, where outputs rest until spent.
	HoldingNode
)

// Node is one node of the flow graph. It is comparable, for use as a map
// key.
type Node struct {
	Chain   Chain
	Kind    NodeKind
	Address Address // AccountNode, HoldingNode
	Asset   Asset   // AccountNode (Native on UTXO chains)
	Tx      Hash    // TxNode
}

// AccountOf returns the account node of address a and asset on chain c.
func AccountOf(c Chain, a Address, asset Asset) Node {
	return Node{Chain: c, Kind: AccountNode, Address: a, Asset: asset}
}

// TxOf returns the node of UTXO transaction h.
func TxOf(c Chain, h Hash) Node { return Node{Chain: c, Kind: TxNode, Tx: h, Asset: Native} }

// HoldingOf returns the holding node of UTXO address a.
func HoldingOf(c Chain, a Address) Node {
	return Node{Chain: c, Kind: HoldingNode, Address: a, Asset: Native}
}

// String writes the node for people: "ethereum:0x…", "bitcoin:tx:<txid>".
func (n Node) String() string {
	switch n.Kind {
	case TxNode:
		return fmt.Sprintf("%s:tx:%s", n.Chain, n.Tx.Format(n.Chain))
	case AccountNode:
		if n.Asset != Native {
			return fmt.Sprintf("%s:%s/%s", n.Chain, n.Address, n.Asset)
		}
	}
	return fmt.Sprintf("%s:%s", n.Chain, n.Address)
}

// Link identifies a flow at both of its ends: an account-chain transfer by
// its position (the outflow of one node and the inflow of the next share
// it), a UTXO output by its outpoint (created by one transaction, spent by
// another).
type Link struct {
	Pos      Pos
	Outpoint Outpoint
}

// Flow is a flow seen from one of its nodes.
type Flow struct {
	Link   Link
	Pos    Pos  // where it happens for this node (a UTXO input: in the spending transaction)
	Tx     Hash // the transaction that moves it
	Time   uint64
	In     bool
	Amount *big.Int
	Kind   Kind
	// Other is the node at the flow's other end: where an outflow goes,
	// where an inflow comes from.
	Other Node
	// Address is the address the value is at on that side: the
	// counterparty on account chains, the output's address on UTXO
	// chains.
	Address Address
	// Script is a UTXO output's script kind (zero elsewhere).
	Script ScriptKind
	// Data is an OP_RETURN output's payload (a THORChain memo lives
	// there).
	Data []byte
	// Converts marks a transfer whose sender also receives another asset in
	// the same transaction: a swap, a wrap or an unwrap.
	Converts bool
	// Evented marks a transfer into an address that a protocol event of the
	// same transaction names: a mixer pool, a bridge router or its vault.
	Evented bool
}
