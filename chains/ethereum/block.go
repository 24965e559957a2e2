package ethereum

import (
	"context"
	"fmt"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/houndtrace/hound/chains"
)

// receiptBatch is how many eth_getTransactionReceipt calls go in one batch
// on nodes without eth_getBlockReceipts.
const receiptBatch = 100

// untracedWarning is logged once when the node turns out to lack the
// debug API.
const untracedWarning = "node has no debug_traceBlockByNumber: internal transfers (contract ETH payouts) are missing"

// Block fetches block n with its receipts and, where the node can, its call
// traces, and returns its transactions and transfers in chain order. It
// wraps ErrNotFound when the node has no block n.
func (s *Source) Block(ctx context.Context, n uint64) (*chains.Block, error) {
	d, err := s.fetch(ctx, n)
	if err != nil {
		return nil, fmt.Errorf("fetch block %d: %w", n, err)
	}
	b, err := assemble(d)
	if err != nil {
		return nil, fmt.Errorf("read block %d: %w", n, err)
	}
	return b, nil
}

// fetch asks for the block, its receipts and its traces in one batch, and
// falls back to receipts by transaction when the node lacks
// eth_getBlockReceipts.
func (s *Source) fetch(ctx context.Context, n uint64) (blockData, error) {
	var d blockData
	num := hexutil.EncodeUint64(n)
	elems := []rpc.BatchElem{{Method: "eth_getBlockByNumber", Args: []any{num, true}, Result: &d.block}}
	askReceipts, askTrace := !s.noBlockReceipts.Load(), !s.untraced.Load()
	if askReceipts {
		elems = append(elems, rpc.BatchElem{Method: "eth_getBlockReceipts", Args: []any{num}, Result: &d.receipts})
	}
	if askTrace {
		elems = append(elems, rpc.BatchElem{Method: "debug_traceBlockByNumber", Args: []any{num, traceConfig}, Result: &d.traces})
	}
	if err := s.batch(ctx, elems); err != nil {
		return d, err
	}
	if err := elems[0].Error; err != nil {
		return d, fmt.Errorf("eth_getBlockByNumber: %w", err)
	}
	if d.block == nil {
		return d, ErrNotFound
	}
	if uint64(d.block.Number) != n {
		return d, fmt.Errorf("node sent block %d", uint64(d.block.Number))
	}
	if askTrace {
		if err := s.traceOutcome(&d, elems[len(elems)-1].Error); err != nil {
			return d, err
		}
	}
	if askReceipts {
		err := elems[1].Error
		if err == nil {
			return d, nil
		}
		if !methodMissing(err) {
			return d, fmt.Errorf("eth_getBlockReceipts: %w", err)
		}
		if s.noBlockReceipts.CompareAndSwap(false, true) {
			s.opts.Logger.Info("node has no eth_getBlockReceipts: fetching receipts one by one", "err", err)
		}
	}
	receipts, err := s.txReceipts(ctx, d.block.Transactions)
	d.receipts = receipts
	return d, err
}

// traceOutcome judges the answer to debug_traceBlockByNumber. A node
// lacking the method is remembered and warned about once; a block without
// transactions needs no trace (the genesis block cannot be traced).
func (s *Source) traceOutcome(d *blockData, err error) error {
	switch {
	case err == nil:
		d.traced = true
	case methodMissing(err):
		if s.untraced.CompareAndSwap(false, true) {
			s.opts.Logger.Warn(untracedWarning, "err", err)
		}
	case len(d.block.Transactions) == 0:
		d.traced, d.traces = true, nil
	default:
		return fmt.Errorf("debug_traceBlockByNumber: %w", err)
	}
	return nil
}

// txReceipts fetches the receipts of txs one call each, in batches.
func (s *Source) txReceipts(ctx context.Context, txs []rpcTx) ([]rpcReceipt, error) {
	out := make([]rpcReceipt, len(txs))
	for start := 0; start < len(txs); start += receiptBatch {
		end := min(start+receiptBatch, len(txs))
		got := make([]*rpcReceipt, end-start)
		elems := make([]rpc.BatchElem, len(got))
		for i := range elems {
			elems[i] = rpc.BatchElem{Method: "eth_getTransactionReceipt", Args: []any{txs[start+i].Hash}, Result: &got[i]}
		}
		if err := s.batch(ctx, elems); err != nil {
			return nil, err
		}
		for i, e := range elems {
			hash := txs[start+i].Hash.Hex()
			if e.Error != nil {
				return nil, fmt.Errorf("eth_getTransactionReceipt %s: %w", hash, e.Error)
			}
			if got[i] == nil {
				return nil, fmt.Errorf("receipt of tx %s not found", hash)
			}
			out[start+i] = *got[i]
		}
	}
	return out, nil
}
