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
	// Via is the contract a conversion went through (a DEX pair or router,
	// a wrapper): the asset changed there, at the sender's own address.
	Via chains.Address
	// link is where the edge enters its node, for an edge the walk made
	// rather than read (a bridge payout).
	link chains.Link
	// left is where the edge left its From node when that differs from
	// Pos (a conversion leaves with the asset sent, enters with the asset
	// received).
	left chains.Pos
	// cause is the edge whose taint this one carries on where From is a
	// node the walk did not follow (a bridge payout, a mixer exit).
	cause *Edge
	// received says the edge's taint was counted at To; held that it
	// rests there, an output no transaction had spent yet.
	received, held bool
}

// Chain is the chain the edge's transaction is on: the chain it enters
// (a bridge payout leaves a node of the inbound's chain for one of the
// payout's).
func (e *Edge) Chain() chains.Chain {
	if e.To.Chain != "" {
		return e.To.Chain
	}
	return e.From.Chain
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
	// FindingExchangeDeposit is an unlabelled address that forwards what
	// it receives to an exchange (Victor's deposit-address heuristic on EVM
	// chains) or whose coins an exchange spends with its own (Bitcoin): the
	// address a freeze request names.
	FindingExchangeDeposit FindingKind = "exchange_deposit"
	FindingDEXSwap         FindingKind = "dex_swap"             // tainted value swapped for another asset (a conversion; the trace goes on)
	FindingFanOut          FindingKind = "fan_out"              // tainted value split over many fresh addresses (the trace goes on)
	FindingCluster         FindingKind = "cluster"              // addresses found to share an owner
	FindingMixerExit       FindingKind = "mixer_exit_candidate" // a withdrawal linked to a tainted mixer deposit by a heuristic
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
	// Confidence is the heuristic's, in [0,1]; 1 for a label hit.
	Confidence float64
	// Amount and Tainted, when set, say what the finding's address
	// received from the traced funds, where that is not Edge's amount: an
	// exchange deposit address's deposits. Forwarded and ForwardedTainted
	// are what it swept on to the exchange's Wallet.
	Amount, Tainted             *big.Int
	Forwarded, ForwardedTainted *big.Int
	Wallet                      chains.Address
	// Members are a cluster's addresses, sorted.
	Members []chains.Address
	// Denomination is a mixer pool's deposit amount, read from its events.
	Denomination *big.Int
	// Decoded is a bridge deposit's memo in canonical form; DestChain and
	// DestAddress the destination it names; Outbound the payout matched to
	// it on the destination chain (nil when none is synced).
	Decoded     string
	DestChain   chains.Chain
	DestAddress chains.Address
	// DestName is the THORName a memo pays to, which THORChain resolves
	// to an address itself (the payout's OUT memo then finds it).
	DestName string
	Outbound *Edge
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
	// ReadAhead counts the nodes whose flows the walk found read ahead
	// (on a Concurrent graph).
	ReadAhead int
	// Late counts taint that reached a node after the walk was done with
	// the flow it enters by, and could not be added there: a UTXO
	// transaction already passed (a cross-chain payout ordered before its
	// inbound by block times), or, in a walk that is not Resumable, an
	// account node with no flows left (a resumable one keeps its account
	// and adds it). It is reported, not followed.
	Late int

	pathTo func(*Edge) []*Edge
	state  []byte
}

// PathTo returns the path that carried the most taint to edge e, from a
// seed, as findings' paths are chosen; the walk must have run with
// Options.KeepPaths (else it returns the edge alone).
func (r *Result) PathTo(e *Edge) []*Edge {
	if r.pathTo == nil {
		return []*Edge{e}
	}
	return r.pathTo(e)
}
