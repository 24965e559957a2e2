package bitcoin

import (
	"bytes"
	"errors"
	"fmt"
	"math"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/houndtrace/hound/chains"
)

// maxSatoshi is the most any output can carry: 21 million BTC.
const maxSatoshi = 21_000_000 * 100_000_000

// ParseBlock decodes a serialized block (as block files hold it and
// getblock with verbosity 0 serves it, witnesses included) found at height
// on network net. It checks the block's shape before decoding, so no
// count or length read from raw makes it allocate more than a small
// multiple of len(raw); checks the merkle root against the transactions;
// and classifies every output script (see ClassifyScript). Inputs carry
// only the outpoint they spend, or Coinbase. Errors name the block by its
// hash.
func ParseBlock(raw []byte, height uint64, net *Network) (*chains.Block, error) {
	if len(raw) < headerSize {
		return nil, fmt.Errorf("block at height %d: %d bytes, shorter than a block header", height, len(raw))
	}
	b, err := parseBlock(raw, height, net)
	if err != nil {
		return nil, fmt.Errorf("block %s at height %d: %w", headerHash(raw).Format(chains.Bitcoin), height, err)
	}
	return b, nil
}

// parseBlock does the work of ParseBlock.
func parseBlock(raw []byte, height uint64, net *Network) (*chains.Block, error) {
	mb, spans, err := decodeBlock(raw)
	if err != nil {
		return nil, err
	}
	ids := make([]chainhash.Hash, len(spans))
	for i, sp := range spans {
		ids[i] = sp.txid(raw)
	}
	if err := checkMerkleRoot(&mb.Header, ids); err != nil {
		return nil, err
	}
	if len(mb.Transactions) == 0 || !isCoinbase(mb.Transactions[0]) {
		return nil, errors.New("the first transaction is not a coinbase")
	}
	b := &chains.Block{
		Chain:   chains.Bitcoin,
		Number:  height,
		Hash:    headerHash(raw),
		Parent:  displayHash(&mb.Header.PrevBlock),
		Time:    uint64(mb.Header.Timestamp.Unix()),
		UTXOTxs: make([]chains.UTXOTx, len(mb.Transactions)),
	}
	for i, tx := range mb.Transactions {
		if err := convertTx(&b.UTXOTxs[i], tx, uint32(i), &ids[i], spans[i].vsize(), net); err != nil {
			return nil, fmt.Errorf("transaction %d (%s): %w", i, ids[i], err)
		}
	}
	return b, nil
}

// decodeBlock checks the shape of raw and then decodes it with btcd's
// wire package, which trusts counts up to the protocol's limits.
func decodeBlock(raw []byte) (*wire.MsgBlock, []txSpan, error) {
	spans, err := scanBlock(raw)
	if err != nil {
		return nil, nil, err
	}
	var mb wire.MsgBlock
	if err := mb.Deserialize(bytes.NewReader(raw)); err != nil {
		return nil, nil, fmt.Errorf("decode: %w", err)
	}
	return &mb, spans, nil
}

// ParseTx decodes one serialized transaction, as getrawtransaction serves
// it, and classifies its output scripts like ParseBlock. Its Index is 0.
func ParseTx(raw []byte, net *Network) (*chains.UTXOTx, error) {
	s := &scanner{b: raw}
	span, err := s.tx()
	if err == nil && s.left() != 0 {
		err = fmt.Errorf("%d bytes after the transaction", s.left())
	}
	if err != nil {
		return nil, err
	}
	var tx wire.MsgTx
	if err := tx.Deserialize(bytes.NewReader(raw)); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	id := span.txid(raw)
	var t chains.UTXOTx
	if err := convertTx(&t, &tx, 0, &id, span.vsize(), net); err != nil {
		return nil, err
	}
	return &t, nil
}

// convertTx fills t from tx, the transaction at index in its block, whose
// txid and virtual size the caller has computed.
func convertTx(t *chains.UTXOTx, tx *wire.MsgTx, index uint32, id *chainhash.Hash, vsize uint32, net *Network) error {
	*t = chains.UTXOTx{
		Hash:     displayHash(id),
		Index:    index,
		Inputs:   make([]chains.TxIn, len(tx.TxIn)),
		Outputs:  make([]chains.TxOut, len(tx.TxOut)),
		LockTime: tx.LockTime,
		Version:  tx.Version,
		VSize:    vsize,
	}
	coinbase := isCoinbase(tx)
	if coinbase && index > 0 {
		return errors.New("a coinbase after the first transaction")
	}
	for i, in := range tx.TxIn {
		if coinbase {
			t.Inputs[i].Coinbase = true
			continue
		}
		if isNullOutpoint(&in.PreviousOutPoint) {
			return fmt.Errorf("input %d spends the null outpoint", i)
		}
		t.Inputs[i].Prev = chains.Outpoint{Tx: displayHash(&in.PreviousOutPoint.Hash), Index: in.PreviousOutPoint.Index}
	}
	for i, out := range tx.TxOut {
		if out.Value < 0 || out.Value > maxSatoshi {
			return fmt.Errorf("output %d: value %d satoshi out of range", i, out.Value)
		}
		t.Outputs[i] = ClassifyScript(out.PkScript, net)
		t.Outputs[i].Value = uint64(out.Value)
	}
	return nil
}

// isCoinbase reports whether tx creates coins: one input, spending the
// null outpoint.
func isCoinbase(tx *wire.MsgTx) bool {
	return len(tx.TxIn) == 1 && isNullOutpoint(&tx.TxIn[0].PreviousOutPoint)
}

// isNullOutpoint reports whether o is the outpoint a coinbase input names.
func isNullOutpoint(o *wire.OutPoint) bool {
	return o.Index == math.MaxUint32 && o.Hash == chainhash.Hash{}
}

// checkMerkleRoot checks that the txids hash to the header's merkle root
// in a tree without repeated pairs.
func checkMerkleRoot(h *wire.BlockHeader, ids []chainhash.Hash) error {
	if len(ids) == 0 {
		return errors.New("no transactions")
	}
	root, mutated := merkleRoot(ids)
	switch {
	case mutated:
		return fmt.Errorf("%w: a transaction is repeated (CVE-2012-2459)", ErrMerkleRoot)
	case root != h.MerkleRoot:
		return fmt.Errorf("%w: the header says %s, the transactions hash to %s", ErrMerkleRoot, h.MerkleRoot, root)
	}
	return nil
}

// merkleRoot computes the root of the merkle tree over ids, and reports
// whether some level held two equal hashes side by side, which a second
// block with the same root but repeated transactions would share
// (Bitcoin Core calls such a tree mutated).
func merkleRoot(ids []chainhash.Hash) (root chainhash.Hash, mutated bool) {
	level := append([]chainhash.Hash(nil), ids...)
	var pair [2 * chainhash.HashSize]byte
	for len(level) > 1 {
		for i := 0; i+1 < len(level); i += 2 {
			mutated = mutated || level[i] == level[i+1]
		}
		if len(level)%2 == 1 {
			level = append(level, level[len(level)-1])
		}
		for i := 0; i < len(level); i += 2 {
			copy(pair[:], level[i][:])
			copy(pair[chainhash.HashSize:], level[i+1][:])
			level[i/2] = chainhash.DoubleHashH(pair[:])
		}
		level = level[:len(level)/2]
	}
	return level[0], mutated
}

// BIP34Height returns the height that a block of version 2 or later
// states at the start of its coinbase script (BIP 34). ok is false for
// older blocks and for coinbase scripts that do not start with a
// non-negative number of at most five bytes. Before BIP 34 activated on
// a network (mainnet: height 227,931) a version 2 block's number is not
// enforced by consensus and may be wrong.
func BIP34Height(b *wire.MsgBlock) (height uint64, ok bool) {
	if b.Header.Version < 2 || len(b.Transactions) == 0 || !isCoinbase(b.Transactions[0]) {
		return 0, false
	}
	t := txscript.MakeScriptTokenizer(0, b.Transactions[0].TxIn[0].SignatureScript)
	if !t.Next() {
		return 0, false
	}
	op, data := t.Opcode(), t.Data()
	switch {
	case op == txscript.OP_0:
		return 0, true
	case op >= txscript.OP_1 && op <= txscript.OP_16:
		return uint64(op - txscript.OP_1 + 1), true
	case op > txscript.OP_0 && op <= 5 && data[len(data)-1]&0x80 == 0:
		for i := len(data) - 1; i >= 0; i-- {
			height = height<<8 | uint64(data[i])
		}
		return height, true
	}
	return 0, false
}

// headerHash returns the hash of the header at the start of raw, in
// display order.
func headerHash(raw []byte) chains.Hash {
	h := chainhash.DoubleHashH(raw[:headerSize])
	return displayHash(&h)
}

// displayHash turns a hash from the order Bitcoin computes and serializes
// it in into the order it is displayed in, which chains.Hash holds.
func displayHash(h *chainhash.Hash) chains.Hash {
	var d chains.Hash
	for i, b := range h {
		d[len(d)-1-i] = b
	}
	return d
}
