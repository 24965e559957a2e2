package ethereum

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"math/big"
	"slices"

	"github.com/ethereum/go-ethereum/common"

	"github.com/houndtrace/hound/chains"
)

// blockData is everything the node said about one block.
type blockData struct {
	block    *rpcBlock
	receipts []rpcReceipt
	// traces holds one callTracer result per transaction when traced.
	traces []rpcTrace
	// traced is false when the node has no debug API.
	traced bool
}

// gwei is the withdrawal amount unit, in wei.
var gwei = big.NewInt(1_000_000_000)

// assemble turns what the node said about a block into a chains.Block. It
// checks that the parts belong together and fails rather than guess when
// they do not.
func assemble(d blockData) (*chains.Block, error) {
	if err := check(d); err != nil {
		return nil, err
	}
	blk := d.block
	out := &chains.Block{
		Chain:    chains.Ethereum,
		Number:   uint64(blk.Number),
		Hash:     chains.Hash(blk.Hash),
		Parent:   chains.Hash(blk.ParentHash),
		Time:     uint64(blk.Timestamp),
		Untraced: !d.traced,
	}
	for i := range blk.Transactions {
		var top *callFrame
		if d.traced {
			top = d.traces[i].Result
		}
		addTx(out, blk, uint32(i), &d.receipts[i], top)
	}
	addWithdrawals(out, blk.Withdrawals)
	return out, nil
}

// check verifies that receipts and traces match the block's transactions
// one to one and carry the fields assemble needs.
func check(d blockData) error {
	txs := d.block.Transactions
	if len(d.receipts) != len(txs) {
		return fmt.Errorf("%d receipts for %d transactions", len(d.receipts), len(txs))
	}
	if d.traced && len(d.traces) != len(txs) {
		return fmt.Errorf("%d traces for %d transactions", len(d.traces), len(txs))
	}
	for i := range txs {
		if err := checkTx(d, i); err != nil {
			return fmt.Errorf("tx %d (%s): %w", i, txs[i].Hash.Hex(), err)
		}
	}
	return nil
}

// checkTx checks the i-th transaction, its receipt and its trace.
func checkTx(d blockData, i int) error {
	tx, r := &d.block.Transactions[i], &d.receipts[i]
	switch {
	case tx.From == nil:
		return errors.New("no from field")
	case r.TxHash != tx.Hash:
		return fmt.Errorf("receipt is for tx %s", r.TxHash.Hex())
	case r.BlockHash != nil && *r.BlockHash != d.block.Hash:
		return fmt.Errorf("receipt is from block %s", r.BlockHash.Hex())
	case r.GasUsed == nil:
		return errors.New("receipt has no gasUsed")
	case r.EffectiveGasPrice == nil && tx.GasPrice == nil:
		return errors.New("neither effectiveGasPrice nor gasPrice is given")
	}
	if !d.traced {
		return nil
	}
	t := &d.traces[i]
	switch {
	case t.Error != "":
		return fmt.Errorf("trace failed: %s", t.Error)
	case t.Result == nil:
		return errors.New("trace has no result")
	case t.TxHash != tx.Hash && t.TxHash != (common.Hash{}):
		return fmt.Errorf("trace is for tx %s", t.TxHash.Hex())
	}
	return nil
}

// emitter appends one transaction's transfers and events to a block,
// numbering them.
type emitter struct {
	block *chains.Block
	base  chains.Transfer
	next  uint32
	// sender is the transaction's sender.
	sender chains.Address
	// transfers and events are where the transaction's transfers and
	// events start in block.
	transfers, events int
}

// firstMove is the Index of a transaction's first value movement: 0 is the
// fee and 1 the fee recipient's share.
const firstMove = 2

// put appends m at ordinal index.
func (e *emitter) put(index uint32, m move) {
	t := e.base
	t.Pos.Index = index
	t.From, t.To, t.Asset, t.Amount, t.Kind = m.from, m.to, m.asset, m.amount, m.kind
	e.block.Transfers = append(e.block.Transfers, t)
}

// add appends m at the next ordinal.
func (e *emitter) add(m move) {
	e.put(e.next, m)
	e.next++
}

// addLog appends the movement or the event a receipt log stands for, if
// any, and counts malformed ones.
func (e *emitter) addLog(l *rpcLog) {
	m, outcome := decodeLog(l.Address, l.Topics, l.Data)
	switch outcome {
	case logMove:
		e.add(m)
		return
	case logMalformed:
		e.block.Skipped++
		return
	}
	ev, outcome := decodeEvent(l.Address, l.Topics, l.Data)
	switch outcome {
	case logEvent:
		e.addEvent(ev)
	case logMalformed:
		e.block.Skipped++
	}
}

// addEvent appends a decoded event at the Index of the transaction's next
// transfer, or one more than the transaction's previous event when that
// is larger (see the package documentation).
func (e *emitter) addEvent(ev chains.Event) {
	ev.Chain, ev.Tx, ev.Time, ev.Pos = e.base.Chain, e.base.Tx, e.base.Time, e.base.Pos
	ev.Pos.Index = e.next
	if n := len(e.block.Events); n > e.events && e.block.Events[n-1].Pos.Index >= ev.Pos.Index {
		ev.Pos.Index = e.block.Events[n-1].Pos.Index + 1
	}
	switch ev.Kind {
	case chains.EventMixerDeposit, chains.EventMixerWithdrawal, chains.EventBridgeDeposit:
		ev.From = e.sender
	}
	e.block.Events = append(e.block.Events, ev)
}

// settleMixers sets the Amount of the transaction's mixer events once all
// its transfers are known: the ether the pool received in the
// transaction for a deposit, the ether it sent out for a withdrawal.
func (e *emitter) settleMixers() {
	transfers := e.block.Transfers[e.transfers:]
	for i := range e.block.Events[e.events:] {
		ev := &e.block.Events[e.events+i]
		if ev.Kind != chains.EventMixerDeposit && ev.Kind != chains.EventMixerWithdrawal {
			continue
		}
		ev.Amount = new(big.Int)
		for _, t := range transfers {
			if t.Kind != chains.KindNative && t.Kind != chains.KindInternal {
				continue
			}
			if (ev.Kind == chains.EventMixerDeposit && t.To == ev.Contract) ||
				(ev.Kind == chains.EventMixerWithdrawal && t.From == ev.Contract) {
				ev.Amount.Add(ev.Amount, t.Amount)
			}
		}
	}
}

// addTx appends transaction i with its fee and, when it succeeded, its
// value movements and its events.
func addTx(b *chains.Block, blk *rpcBlock, i uint32, r *rpcReceipt, top *callFrame) {
	tx := &blk.Transactions[i]
	from, to := chains.EVMAddress(*tx.From), txTo(tx, r, top)
	status := txStatus(tx, r, top)
	b.Txs = append(b.Txs, chains.Tx{Hash: chains.Hash(tx.Hash), Index: i, From: from, To: to, Status: status})

	e := &emitter{block: b, next: firstMove, sender: from, transfers: len(b.Transfers), events: len(b.Events),
		base: chains.Transfer{
			Chain: chains.Ethereum, Tx: chains.Hash(tx.Hash), Time: b.Time,
			Pos: chains.Pos{Block: b.Number, TxIndex: i},
		}}
	paid, tip := fees(blk, tx, r)
	if paid.Sign() > 0 {
		e.put(0, move{kind: chains.KindFee, from: from, to: chains.FeeSink, asset: chains.Native, amount: paid})
	}
	if tip.Sign() > 0 {
		e.put(1, move{kind: chains.KindFee, from: chains.FeeSink, to: chains.EVMAddress(blk.Miner), asset: chains.Native, amount: tip})
	}
	if status != chains.TxSucceeded {
		return
	}
	if v := tx.Value; v != nil && v.ToInt().Sign() > 0 && to != "" {
		e.add(move{kind: chains.KindNative, from: from, to: to, asset: chains.Native, amount: v.ToInt()})
	}
	if top == nil {
		for _, l := range sortedLogs(r.Logs) {
			e.addLog(&l)
		}
	} else {
		e.addTraced(frameSteps(top), r.Logs)
	}
	e.settleMixers()
}

// addTraced appends the steps of a trace. A traced log counts only if the
// receipt holds a log with its index and content; receipt logs the trace
// lacks are appended at the end, in index order.
func (e *emitter) addTraced(steps []step, logs []rpcLog) {
	logs = sortedLogs(logs)
	byIndex := make(map[uint64]int, len(logs))
	for i, l := range logs {
		byIndex[uint64(l.Index)] = i
	}
	used := make([]bool, len(logs))
	for _, s := range steps {
		if s.move != nil {
			e.add(*s.move)
			continue
		}
		i, ok := byIndex[uint64(s.log.Index)]
		if !ok || used[i] || !sameLog(&logs[i], s.log) {
			continue
		}
		used[i] = true
		e.addLog(&logs[i])
	}
	for i := range logs {
		if !used[i] {
			e.addLog(&logs[i])
		}
	}
}

// sortedLogs returns a copy of logs in index order.
func sortedLogs(logs []rpcLog) []rpcLog {
	logs = slices.Clone(logs)
	slices.SortStableFunc(logs, func(a, b rpcLog) int { return cmp.Compare(a.Index, b.Index) })
	return logs
}

// sameLog reports whether a traced log is the receipt log r.
func sameLog(r *rpcLog, t *traceLog) bool {
	return r.Address == t.Address && slices.Equal(r.Topics, t.Topics) && bytes.Equal(r.Data, t.Data)
}

// txTo is where a transaction went: its recipient, or the contract it
// created.
func txTo(tx *rpcTx, r *rpcReceipt, top *callFrame) chains.Address {
	switch {
	case tx.To != nil:
		return chains.EVMAddress(*tx.To)
	case r.ContractAddress != nil:
		return chains.EVMAddress(*r.ContractAddress)
	case top != nil && top.To != nil:
		return chains.EVMAddress(*top.To)
	}
	return ""
}

// fees returns what the sender paid for gas (blob gas included) and the
// part of it the fee recipient got: all of it before London, the amount
// above the base fee after. Valid only for a transaction check accepted.
func fees(blk *rpcBlock, tx *rpcTx, r *rpcReceipt) (paid, tip *big.Int) {
	price := tx.GasPrice.ToInt()
	if r.EffectiveGasPrice != nil {
		price = r.EffectiveGasPrice.ToInt()
	}
	gas := new(big.Int).SetUint64(uint64(*r.GasUsed))
	paid = new(big.Int).Mul(gas, price)
	if r.BlobGasUsed != nil && r.BlobGasPrice != nil {
		blob := new(big.Int).SetUint64(uint64(*r.BlobGasUsed))
		paid.Add(paid, blob.Mul(blob, r.BlobGasPrice.ToInt()))
	}
	tipPrice := price
	if blk.BaseFee != nil {
		tipPrice = new(big.Int).Sub(price, blk.BaseFee.ToInt())
	}
	if tipPrice.Sign() < 0 {
		return paid, new(big.Int)
	}
	return paid, new(big.Int).Mul(gas, tipPrice)
}

// addWithdrawals appends the block's beacon-chain withdrawals.
func addWithdrawals(b *chains.Block, ws []rpcWithdrawal) {
	for i, w := range ws {
		if w.Amount == 0 {
			continue
		}
		b.Transfers = append(b.Transfers, chains.Transfer{
			Chain:  chains.Ethereum,
			Pos:    chains.Pos{Block: b.Number, TxIndex: chains.BlockLevel, Index: uint32(i)},
			Time:   b.Time,
			From:   chains.BeaconSink,
			To:     chains.EVMAddress(w.Address),
			Asset:  chains.Native,
			Amount: new(big.Int).Mul(new(big.Int).SetUint64(uint64(w.Amount)), gwei),
			Kind:   chains.KindWithdrawal,
		})
	}
}
