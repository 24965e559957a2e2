package store

import (
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"math/big"

	"github.com/dgraph-io/badger/v4"

	"github.com/houndtrace/hound/chains"
)

// Protocol events ('E', 'Q') and the bridge-outbound index ('W'); keys.go
// describes the layout.

// Flags of an event record: which optional fields it holds. A field the
// event's kind leaves unset (nil amount, empty asset) stays unset when read
// back.
const (
	eventAmount = 1 << iota
	eventFee
	eventAsset
)

func eventKey(c chains.Chain, p chains.Pos) []byte {
	return appendPos(chainKey(prefixEvent, c), p)
}

// contractEventsKey is the prefix of the 'Q' keys of one contract's events
// of one kind.
func contractEventsKey(c chains.Chain, contract chains.Address, kind chains.EventKind) []byte {
	return append(appendAddr(chainKey(prefixEventIndex, c), c, contract), byte(kind))
}

func outboundKey(inbound chains.Hash, c chains.Chain, p chains.Pos) []byte {
	k := append([]byte{prefixOutbound}, inbound[:]...)
	return appendPos(append(k, c.Code()), p)
}

// encodeEvent is the value of an 'E' key.
func encodeEvent(c chains.Chain, e *chains.Event) []byte {
	var flags byte
	if e.Amount != nil {
		flags |= eventAmount
	}
	if e.Fee != nil {
		flags |= eventFee
	}
	if e.Asset != "" {
		flags |= eventAsset
	}
	b := make([]byte, 0, 160+len(e.Memo))
	b = append(b, byte(e.Kind), flags)
	b = append(b, e.Tx[:]...)
	b = binary.BigEndian.AppendUint64(b, e.Time)
	b = appendAddr(b, c, e.Contract)
	b = appendAddr(b, c, e.From)
	b = appendAddr(b, c, e.To)
	b = appendAddr(b, c, e.Relayer)
	if flags&eventAsset != 0 {
		b = appendAsset(b, c, e.Asset)
	}
	if flags&eventAmount != 0 {
		b = appendAmount(b, e.Amount)
	}
	if flags&eventFee != 0 {
		b = appendAmount(b, e.Fee)
	}
	b = binary.AppendUvarint(b, uint64(len(e.Amounts)))
	for _, v := range e.Amounts {
		if v == nil {
			v = new(big.Int)
		}
		b = appendAmount(b, v)
	}
	b = binary.AppendUvarint(b, uint64(len(e.Memo)))
	return append(b, e.Memo...)
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	n, w := binary.Uvarint(r.b)
	if w <= 0 {
		r.err = errCorrupt
		return 0
	}
	r.b = r.b[w:]
	return n
}

// decodeEvent rebuilds the event behind an 'E' key.
func decodeEvent(c chains.Chain, key, val []byte) (chains.Event, error) {
	kr := reader{c: c, b: key[2:]}
	e := chains.Event{Chain: c, Pos: kr.pos()}
	r := reader{c: c, b: val}
	e.Kind = chains.EventKind(r.u8())
	flags := r.u8()
	e.Tx = r.hash()
	e.Time = r.u64()
	e.Contract, e.From, e.To, e.Relayer = r.addr(), r.addr(), r.addr(), r.addr()
	if flags&eventAsset != 0 {
		e.Asset = r.asset()
	}
	if flags&eventAmount != 0 {
		e.Amount = r.amount()
	}
	if flags&eventFee != 0 {
		e.Fee = r.amount()
	}
	n := r.uvarint()
	if n > uint64(len(r.b)) { // every amount takes at least its length byte
		r.err = errCorrupt
		n = 0
	}
	for i := uint64(0); i < n && r.err == nil; i++ {
		e.Amounts = append(e.Amounts, r.amount())
	}
	if m := r.uvarint(); m > uint64(len(r.b)) {
		r.err = errCorrupt
	} else {
		e.Memo = string(r.take(int(m)))
	}
	if err := kr.done("event key"); err != nil {
		return e, err
	}
	return e, r.done("event")
}

// eventOps lists the keys of an account-chain block's events: the record,
// the contract index, and for a bridge payout that answers an inbound
// transaction the outbound index.
func eventOps(c chains.Chain, events []chains.Event) []op {
	ops := make([]op, 0, 2*len(events))
	for i := range events {
		e := &events[i]
		ops = append(ops,
			op{eventKey(c, e.Pos), encodeEvent(c, e)},
			op{appendPos(contractEventsKey(c, e.Contract, e.Kind), e.Pos), []byte{}})
		if e.Kind == chains.EventBridgeOut {
			if in, ok := chains.OutboundOf(e.Memo); ok {
				ops = append(ops, op{outboundKey(in, c, e.Pos), []byte{}})
			}
		}
	}
	return ops
}

// checkEvents refuses events that would not be stored as part of block b:
// each must lie in the block, in chain order, at a position of its own
// (Rollback finds a block's events by the block's prefix).
func checkEvents(b *chains.Block) error {
	for i := range b.Events {
		p := b.Events[i].Pos
		if p.Block != b.Number {
			return fmt.Errorf("commit block %d: event %d is at block %d", b.Number, i, p.Block)
		}
		if i > 0 && !b.Events[i-1].Pos.Less(p) {
			return fmt.Errorf("commit block %d: event %d at %d/%d is not after the event before it", b.Number, i, p.TxIndex, p.Index)
		}
	}
	return nil
}

// loadEvents reads the stored events of chain c's block n.
func loadEvents(txn *badger.Txn, c chains.Chain, n uint64) ([]chains.Event, error) {
	var out []chains.Event
	prefix := blockKey(prefixEvent, c, n)
	err := scan(txn, prefix, prefix, func(k, v []byte) error {
		e, err := decodeEvent(c, k, v)
		out = append(out, e)
		return err
	})
	return out, err
}

// txPlace finds the block and index of transaction h of chain c.
func txPlace(txn *badger.Txn, c chains.Chain, h chains.Hash) (block uint64, index uint32, err error) {
	v, ok, err := get(txn, txByHashKey(c, h))
	if err != nil {
		return 0, 0, err
	}
	if !ok || len(v) != 12 {
		return 0, 0, fmt.Errorf("transaction %s: %w", h.Format(c), ErrNotFound)
	}
	return binary.BigEndian.Uint64(v), binary.BigEndian.Uint32(v[8:]), nil
}

// TxEvents returns the events of transaction tx of chain c, in order; none
// for a UTXO chain's transaction. An unknown transaction is an error
// wrapping ErrNotFound.
func (s *Store) TxEvents(ctx context.Context, c chains.Chain, tx chains.Hash) ([]chains.Event, error) {
	var out []chains.Event
	err := s.db.View(func(txn *badger.Txn) error {
		block, index, err := txPlace(txn, c, tx)
		if err != nil {
			return err
		}
		prefix := binary.BigEndian.AppendUint32(blockKey(prefixEvent, c, block), index)
		return scan(txn, prefix, prefix, func(k, v []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			e, err := decodeEvent(c, k, v)
			out = append(out, e)
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// TxTransfers returns every transfer of account-chain transaction tx, in
// order; none for a UTXO chain's transaction. An unknown transaction is an
// error wrapping ErrNotFound.
func (s *Store) TxTransfers(ctx context.Context, c chains.Chain, tx chains.Hash) ([]chains.Transfer, error) {
	var out []chains.Transfer
	err := s.db.View(func(txn *badger.Txn) error {
		block, index, err := txPlace(txn, c, tx)
		if err != nil {
			return err
		}
		prefix := binary.BigEndian.AppendUint32(blockKey(prefixTransfer, c, block), index)
		return scan(txn, prefix, prefix, func(k, v []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			t, err := decodeTransfer(c, k, v)
			out = append(out, t)
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ContractEvents calls fn with every event of the given kind that contract
// emitted on chain c, in chain order. It stops at fn's first error.
func (s *Store) ContractEvents(ctx context.Context, c chains.Chain, contract chains.Address, kind chains.EventKind, fn func(chains.Event) error) error {
	prefix := contractEventsKey(c, contract, kind)
	return s.db.View(func(txn *badger.Txn) error {
		return scan(txn, prefix, prefix, func(k, _ []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			r := reader{b: k[len(prefix):]}
			p := r.pos()
			if err := r.done("contract event key"); err != nil {
				return err
			}
			key := eventKey(c, p)
			v, ok, err := get(txn, key)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("event %x of contract %s: %w", key, contract, errCorrupt)
			}
			e, err := decodeEvent(c, key, v)
			if err != nil {
				return err
			}
			return fn(e)
		})
	})
}

// Outbound is a payout that answers an inbound transaction: a bridge
// router's TransferOut on an account chain, or on a UTXO chain a
// transaction output whose OP_RETURN memo names the inbound hash. It has
// the fields Chain, Tx (the payout's transaction) and Pos (the event's
// position, or the output's flow position, ordinal 0x80000000|vout). It is
// chains.Ref, so that the store serves the tracer's Protocol interface.
type Outbound = chains.Ref

// Outbounds returns every stored outbound, on any chain, whose memo
// ("OUT:<hash>", "REFUND:<hash>") names transaction inbound, by chain then
// in chain order.
func (s *Store) Outbounds(ctx context.Context, inbound chains.Hash) ([]Outbound, error) {
	var out []Outbound
	prefix := append([]byte{prefixOutbound}, inbound[:]...)
	err := s.db.View(func(txn *badger.Txn) error {
		return scan(txn, prefix, prefix, func(k, _ []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			r := reader{b: k[len(prefix):]}
			code, p := r.u8(), r.pos()
			c, known := chains.ChainByCode(code)
			if err := r.done("outbound key"); err != nil || !known {
				return fmt.Errorf("outbound key %x: %w", k, errCorrupt)
			}
			o := Outbound{Chain: c, Pos: p}
			// The transaction hash: the event's on account chains, the
			// transaction record's on UTXO chains.
			if c.IsEVM() {
				key := eventKey(c, p)
				v, ok, err := get(txn, key)
				if err != nil || !ok {
					return fmt.Errorf("outbound key %x: event: %w", k, cmp.Or(err, errCorrupt))
				}
				e, err := decodeEvent(c, key, v)
				if err != nil {
					return err
				}
				o.Tx = e.Tx
			} else {
				v, ok, err := get(txn, txKey(c, p.Block, p.TxIndex))
				if err != nil || !ok {
					return fmt.Errorf("outbound key %x: transaction: %w", k, cmp.Or(err, errCorrupt))
				}
				tx, err := decodeUTXOTx(p.TxIndex, v)
				if err != nil {
					return err
				}
				o.Tx = tx.Hash
			}
			out = append(out, o)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Flags of a flow, in the high bits of its kind byte in 'F' values.
const (
	// flowConverts: the sender also receives another asset in the same
	// transaction (a swap, a wrap, an unwrap).
	flowConverts byte = 0x40
	// flowEvented: an event of the same transaction names the recipient
	// (a mixer pool's or a router's Deposit, a router deposit's vault).
	flowEvented byte = 0x80
	flowFlags        = flowConverts | flowEvented
)

// transferFlags works out the flags of each of an account block's
// transfers, so the tracer learns from the flow it reads whether the
// transaction holds a conversion or a protocol event for it, without
// reading the transaction.
func transferFlags(b *chains.Block) []byte {
	type party struct {
		tx uint32
		a  chains.Address
	}
	got := map[party][]chains.Asset{}
	named := map[party]bool{}
	moves := func(t *chains.Transfer) bool { return t.Kind != chains.KindFee && t.From != t.To }
	for i := range b.Transfers {
		if t := &b.Transfers[i]; moves(t) {
			k := party{t.Pos.TxIndex, t.To}
			got[k] = append(got[k], t.Asset)
		}
	}
	for i := range b.Events {
		ev := &b.Events[i]
		named[party{ev.Pos.TxIndex, ev.Contract}] = true
		if ev.Kind == chains.EventBridgeDeposit {
			named[party{ev.Pos.TxIndex, ev.To}] = true
		}
	}
	flags := make([]byte, len(b.Transfers))
	for i := range b.Transfers {
		t := &b.Transfers[i]
		if !moves(t) {
			continue
		}
		for _, a := range got[party{t.Pos.TxIndex, t.From}] {
			if a != t.Asset {
				flags[i] |= flowConverts
				break
			}
		}
		if named[party{t.Pos.TxIndex, t.To}] {
			flags[i] |= flowEvented
		}
	}
	return flags
}
