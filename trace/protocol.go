package trace

import (
	"context"

	"github.com/houndtrace/hound/chains"
)

// Protocol is what the walk reads beyond the flow graph to follow money
// through swaps, mixers and bridges: all the transfers of one transaction,
// and the protocol events decoded at sync (pool deposits and withdrawals,
// router deposits and payouts, DEX swaps). A Graph that also implements
// Protocol (the store does) gets these heuristics; one that does not is
// walked by labels alone.
type Protocol interface {
	// TxTransfers lists every transfer of an account-chain transaction, in
	// chain order.
	TxTransfers(ctx context.Context, c chains.Chain, tx chains.Hash) ([]chains.Transfer, error)
	// TxEvents lists a transaction's events, in chain order.
	TxEvents(ctx context.Context, c chains.Chain, tx chains.Hash) ([]chains.Event, error)
	// ContractEvents calls fn with one contract's events of one kind, in
	// chain order.
	ContractEvents(ctx context.Context, c chains.Chain, contract chains.Address, kind chains.EventKind, fn func(chains.Event) error) error
	// Outbounds lists the payouts, on any chain, whose memo names inbound
	// transaction h (THORChain's OUT:<hash> and REFUND:<hash>).
	Outbounds(ctx context.Context, h chains.Hash) ([]chains.Ref, error)
}

// Clusters gives a UTXO address's common-input cluster as the store keeps
// it (CoinJoins excluded): the addresses co-spent with it, transitively,
// up to limit of them (complete false when the limit cut it short). A
// Graph that implements it lets the walk find an exchange deposit address
// by its cluster.
type Clusters interface {
	Cluster(ctx context.Context, c chains.Chain, a chains.Address, limit int) (members []chains.Address, complete bool, err error)
}

// ClusterLimit bounds the cluster the walk reads for one address.
const ClusterLimit = 1000

// txKey names a transaction of one chain.
type txKey struct {
	chain chains.Chain
	tx    chains.Hash
}

// transfers returns a transaction's transfers, read once per walk.
func (w *walker) transfers(c chains.Chain, tx chains.Hash) ([]chains.Transfer, error) {
	k := txKey{c, tx}
	if ts, ok := w.txTransfers[k]; ok {
		return ts, nil
	}
	ts, err := w.proto.TxTransfers(w.ctx, c, tx)
	if err != nil {
		return nil, err
	}
	w.txTransfers[k] = ts
	return ts, nil
}

// events returns a transaction's events, read once per walk.
func (w *walker) events(c chains.Chain, tx chains.Hash) ([]chains.Event, error) {
	k := txKey{c, tx}
	if evs, ok := w.txEvents[k]; ok {
		return evs, nil
	}
	evs, err := w.proto.TxEvents(w.ctx, c, tx)
	if err != nil {
		return nil, err
	}
	w.txEvents[k] = evs
	return evs, nil
}
