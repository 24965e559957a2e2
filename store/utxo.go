package store

import (
	"encoding/binary"
	"math/big"

	"github.com/dgraph-io/badger/v4"

	"github.com/houndtrace/hound/chains"
)

// outputFlag marks the ordinal of an output in a UTXO flow position, so that
// a transaction's inputs (ordinal = input index) sort before its outputs.
const outputFlag uint32 = 1 << 31

// Input flags.
const (
	inputCoinbase = 1 << iota
	inputResolved
)

func outpointKey(prefix byte, c chains.Chain, o chains.Outpoint) []byte {
	k := append(chainKey(prefix, c), o.Tx[:]...)
	return binary.BigEndian.AppendUint32(k, o.Index)
}

func encodeUTXOTx(tx *chains.UTXOTx) []byte {
	b := append(make([]byte, 0, 44), tx.Hash[:]...)
	b = binary.BigEndian.AppendUint32(b, uint32(tx.Version))
	b = binary.BigEndian.AppendUint32(b, tx.LockTime)
	return binary.BigEndian.AppendUint32(b, tx.VSize)
}

func decodeUTXOTx(index uint32, val []byte) (chains.UTXOTx, error) {
	r := reader{b: val}
	tx := chains.UTXOTx{Index: index, Hash: r.hash(), Version: int32(r.u32()), LockTime: r.u32(), VSize: r.u32()}
	return tx, r.done("transaction")
}

func encodeOutput(c chains.Chain, o *chains.TxOut) []byte {
	b := binary.BigEndian.AppendUint64(make([]byte, 0, 48), o.Value)
	b = append(b, byte(o.Kind))
	b = appendAddr(b, c, o.Address)
	extra := o.PubKey
	if o.Kind == chains.ScriptNullData {
		extra = o.Data
	}
	b = binary.AppendUvarint(b, uint64(len(extra)))
	return append(b, extra...)
}

func decodeOutput(c chains.Chain, val []byte) (chains.TxOut, error) {
	r := reader{c: c, b: val}
	o := chains.TxOut{Value: r.u64(), Kind: chains.ScriptKind(r.u8()), Address: r.addr()}
	n, w := binary.Uvarint(r.b)
	if w <= 0 || n > uint64(len(r.b)-w) {
		return o, r.done("output")
	}
	r.b = r.b[w:]
	extra := r.take(int(n))
	if o.Kind == chains.ScriptNullData {
		o.Data = extra
	} else if len(extra) > 0 {
		o.PubKey = extra
	}
	return o, r.done("output")
}

func encodeInput(c chains.Chain, in *chains.TxIn) []byte {
	b := append(make([]byte, 0, 72), in.Prev.Tx[:]...)
	b = binary.BigEndian.AppendUint32(b, in.Prev.Index)
	var flags byte
	if in.Coinbase {
		flags |= inputCoinbase
	}
	if in.Resolved {
		flags |= inputResolved
	}
	b = append(b, flags)
	b = binary.BigEndian.AppendUint64(b, in.Value)
	return appendAddr(b, c, in.Address)
}

func decodeInput(c chains.Chain, val []byte) (chains.TxIn, error) {
	r := reader{c: c, b: val}
	in := chains.TxIn{Prev: chains.Outpoint{Tx: r.hash(), Index: r.u32()}}
	flags := r.u8()
	in.Coinbase, in.Resolved = flags&inputCoinbase != 0, flags&inputResolved != 0
	in.Value, in.Address = r.u64(), r.addr()
	return in, r.done("input")
}

// utxoFlow is the flow-index view of an output (into its address) or of a
// resolved input (out of the address it spends from).
func utxoFlow(c chains.Chain, b *chains.Block, tx *chains.UTXOTx, ordinal uint32, kind chains.Kind, a chains.Address, sats uint64) op {
	t := chains.Transfer{Chain: c, Tx: tx.Hash, Time: b.Time, Kind: kind, Asset: chains.Native,
		Pos: chains.Pos{Block: b.Number, TxIndex: tx.Index, Index: ordinal}, Amount: new(big.Int).SetUint64(sats)}
	if kind == chains.KindOutput {
		return op{flowKey(c, a, chains.Native, t.Pos, dirIn), encodeFlow(&t, "", 0)}
	}
	return op{flowKey(c, a, chains.Native, t.Pos, dirOut), encodeFlow(&t, "", 0)}
}

// utxoOps lists every key a UTXO block with resolved inputs writes: the
// block, per transaction its record, hash index, inputs and outputs in
// order, the spent index of each outpoint it spends, the address flows, and
// the outbound index of each OP_RETURN memo that answers an inbound
// transaction.
func utxoOps(b *chains.Block) []op {
	c := b.Chain
	ops := []op{blockRecordOp(b)}
	for i := range b.UTXOTxs {
		tx := &b.UTXOTxs[i]
		ops = append(ops, op{txKey(c, b.Number, tx.Index), encodeUTXOTx(tx)}, txByHashOp(c, tx.Hash, b.Number, tx.Index))
		for vin := range tx.Inputs {
			in := &tx.Inputs[vin]
			self := chains.Outpoint{Tx: tx.Hash, Index: uint32(vin)}
			ops = append(ops, op{outpointKey(prefixInput, c, self), encodeInput(c, in)})
			if in.Coinbase {
				continue
			}
			ops = append(ops, op{outpointKey(prefixSpent, c, in.Prev), outpointKey(prefixSpent, c, self)[2:]})
			if in.Resolved && in.Address != "" {
				ops = append(ops, utxoFlow(c, b, tx, uint32(vin), chains.KindInput, in.Address, in.Value))
			}
		}
		for vout := range tx.Outputs {
			out := &tx.Outputs[vout]
			ops = append(ops, op{outpointKey(prefixOutput, c, chains.Outpoint{Tx: tx.Hash, Index: uint32(vout)}), encodeOutput(c, out)})
			if out.Address != "" {
				ops = append(ops, utxoFlow(c, b, tx, outputFlag|uint32(vout), chains.KindOutput, out.Address, out.Value))
			}
			// Only an OP_RETURN output keeps its Data: the key must come
			// back when Rollback reloads the block.
			if out.Kind == chains.ScriptNullData {
				if in, ok := chains.OutboundOf(string(out.Data)); ok {
					pos := chains.Pos{Block: b.Number, TxIndex: tx.Index, Index: outputFlag | uint32(vout)}
					ops = append(ops, op{outboundKey(in, c, pos), []byte{}})
				}
			}
		}
	}
	return ops
}

// resolveInputs fills each input's value and address from the output it
// spends: an earlier output of the same block, or one the store (or this
// transaction, for earlier blocks of the batch) holds. Inputs whose output
// is not held stay unresolved.
func resolveInputs(txn *badger.Txn, b *chains.Block) error {
	local := map[chains.Outpoint]*chains.TxOut{}
	for i := range b.UTXOTxs {
		tx := &b.UTXOTxs[i]
		for vin := range tx.Inputs {
			in := &tx.Inputs[vin]
			if in.Coinbase {
				continue
			}
			if o, ok := local[in.Prev]; ok {
				in.Resolved, in.Value, in.Address = true, o.Value, o.Address
				continue
			}
			v, ok, err := get(txn, outpointKey(prefixOutput, b.Chain, in.Prev))
			if err != nil {
				return err
			}
			if !ok {
				in.Resolved, in.Value, in.Address = false, 0, ""
				continue
			}
			o, err := decodeOutput(b.Chain, v)
			if err != nil {
				return err
			}
			in.Resolved, in.Value, in.Address = true, o.Value, o.Address
		}
		for vout := range tx.Outputs {
			local[chains.Outpoint{Tx: tx.Hash, Index: uint32(vout)}] = &tx.Outputs[vout]
		}
	}
	return nil
}

// loadUTXOTx reads a stored UTXO transaction's inputs and outputs.
func loadUTXOTx(txn *badger.Txn, c chains.Chain, index uint32, rec []byte) (chains.UTXOTx, error) {
	tx, err := decodeUTXOTx(index, rec)
	if err != nil {
		return tx, err
	}
	prefix := append(chainKey(prefixInput, c), tx.Hash[:]...)
	err = scan(txn, prefix, prefix, func(_, v []byte) error {
		in, err := decodeInput(c, v)
		tx.Inputs = append(tx.Inputs, in)
		return err
	})
	if err != nil {
		return tx, err
	}
	prefix = append(chainKey(prefixOutput, c), tx.Hash[:]...)
	err = scan(txn, prefix, prefix, func(_, v []byte) error {
		o, err := decodeOutput(c, v)
		tx.Outputs = append(tx.Outputs, o)
		return err
	})
	return tx, err
}

// SpentBy returns the input that spends outpoint o; ok is false while the
// output is unspent (as far as the stored blocks go).
func (s *Store) SpentBy(c chains.Chain, o chains.Outpoint) (in chains.Outpoint, ok bool, err error) {
	err = s.db.View(func(txn *badger.Txn) error {
		v, found, err := get(txn, outpointKey(prefixSpent, c, o))
		if err != nil || !found {
			return err
		}
		r := reader{b: v}
		in, ok = chains.Outpoint{Tx: r.hash(), Index: r.u32()}, true
		return r.done("spent index")
	})
	return in, ok, err
}

// Unspent is an unspent output of an address.
type Unspent struct {
	Outpoint chains.Outpoint
	Block    uint64
	Value    uint64
}

// Unspent lists the outputs paid to address a that no stored transaction
// spends, in chain order.
func (s *Store) Unspent(c chains.Chain, a chains.Address) ([]Unspent, error) {
	var out []Unspent
	prefix := appendAsset(nodeKey(c, a), c, chains.Native)
	err := s.db.View(func(txn *badger.Txn) error {
		var paid []Unspent
		err := scan(txn, prefix, prefix, func(k, v []byte) error {
			t, _, err := decodeFlow(c, a, k, v)
			if err != nil || t.Kind != chains.KindOutput {
				return err
			}
			paid = append(paid, Unspent{Outpoint: chains.Outpoint{Tx: t.Tx, Index: t.Pos.Index &^ outputFlag}, Block: t.Pos.Block, Value: t.Amount.Uint64()})
			return nil
		})
		if err != nil {
			return err
		}
		for _, u := range paid {
			_, spent, err := get(txn, outpointKey(prefixSpent, c, u.Outpoint))
			if err != nil {
				return err
			}
			if !spent {
				out = append(out, u)
			}
		}
		return nil
	})
	return out, err
}
