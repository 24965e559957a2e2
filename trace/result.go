package trace

import (
	"math/big"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/labels"
)

// Edge is one tainted flow of a trace: an amount of an asset moving from one
// node to the next, with the part of it that is stolen money under the
// trace's model.
type Edge struct {
	ID      int
	From    chains.Node
	To      chains.Node
	Tx      chains.Hash
	Pos     chains.Pos
	Time    uint64
	Asset   chains.Asset
	Amount  *big.Int
	Tainted *big.Int
	Kind    chains.Kind
	// Address is where the value went: the recipient on account chains, the
	// output's address on UTXO chains.
	Address chains.Address
	Hop     int
}

// FindingKind names what a trace found (DESIGN.md's kinds).
type FindingKind string

// The kinds of finding the walk makes.
const (
	FindingExchange   FindingKind = "exchange"   // a labelled exchange wallet reached directly
	FindingService    FindingKind = "service"    // another labelled service (OTC desk, gambling, ...)
	FindingMixer      FindingKind = "mixer"      // a labelled mixer
	FindingBridge     FindingKind = "bridge"     // a labelled bridge
	FindingHub        FindingKind = "hub"        // an unlabelled node with more flows than the fan-out bound
	FindingSanctioned FindingKind = "sanctioned" // a sanctioned address on the way (the trace goes on)
	FindingAttributed FindingKind = "attributed" // an address attributed to a theft on the way (the trace goes on)
	FindingCoinJoin   FindingKind = "coinjoin"   // a tainted CoinJoin transaction (the trace goes on through it)
	FindingPeelChain  FindingKind = "peel_chain" // tainted coins peeled off step by step from a large change output
)

// Finding is what the trace exists to say: tainted money reached a service,
// a hub or another attributed address, by which path, how much of it.
type Finding struct {
	Kind    FindingKind
	Chain   chains.Chain
	Address chains.Address
	Entity  string
	Edge    *Edge // the tainted flow that reached it
	// Hop counts the hops from the seed along Path.
	Hop int
	// Path is the path that carried the most taint to the finding, from a
	// seed, ties broken by chain order; Paths counts the tainted flows that
	// entered the node the finding is at.
	Path      []*Edge
	Paths     int
	Heuristic string // "label" for a label hit, "fan-out" for a hub, "coinjoin:<kind>"
	Label     *labels.Label
	// CoinJoin names the kind of a coinjoin finding.
	CoinJoin CoinJoinKind
	// Length (transactions) and Total (the amount peeled off) describe a
	// peel_chain finding.
	Length int
	Total  *big.Int
}

// Result is a finished trace.
type Result struct {
	Model    Model
	Seeds    []chains.Node
	Findings []Finding
	Edges    []*Edge
	// Tainted is the taint each node received, by node.
	Tainted map[chains.Node]*big.Int
	// Visited counts the flows the walk read.
	Visited int
}
