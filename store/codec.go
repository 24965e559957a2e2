package store

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"

	"github.com/houndtrace/hound/chains"
)

// errCorrupt reports a stored value that does not decode.
var errCorrupt = errors.New("corrupt record")

// appendAddr appends an address as keys.go describes: EVM addresses as 20
// raw bytes, anything else as its string, both length-prefixed.
func appendAddr(b []byte, c chains.Chain, a chains.Address) []byte {
	s := string(a)
	if c.IsEVM() && len(s) == 42 && s[:2] == "0x" {
		var raw [20]byte
		if _, err := hex.Decode(raw[:], []byte(s[2:])); err == nil {
			b = append(b, 20)
			return append(b, raw[:]...)
		}
	}
	b = append(b, byte(len(s)))
	return append(b, s...)
}

// appendAsset appends an asset: the native asset as an empty string, a
// token as its contract address.
func appendAsset(b []byte, c chains.Chain, a chains.Asset) []byte {
	if a == chains.Native {
		return append(b, 0)
	}
	return appendAddr(b, c, chains.Address(a))
}

func appendPos(b []byte, p chains.Pos) []byte {
	b = binary.BigEndian.AppendUint64(b, p.Block)
	b = binary.BigEndian.AppendUint32(b, p.TxIndex)
	return binary.BigEndian.AppendUint32(b, p.Index)
}

func appendAmount(b []byte, v *big.Int) []byte {
	mag := v.Bytes()
	b = append(b, byte(len(mag)))
	return append(b, mag...)
}

// reader decodes the fields appended above, remembering the first error.
type reader struct {
	c   chains.Chain
	b   []byte
	err error
}

func (r *reader) take(n int) []byte {
	if r.err != nil || len(r.b) < n {
		r.err = errCorrupt
		return make([]byte, n)
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) u8() byte    { return r.take(1)[0] }
func (r *reader) u32() uint32 { return binary.BigEndian.Uint32(r.take(4)) }
func (r *reader) u64() uint64 { return binary.BigEndian.Uint64(r.take(8)) }
func (r *reader) hash() (h chains.Hash) {
	copy(h[:], r.take(32))
	return h
}

func (r *reader) addr() chains.Address {
	raw := r.take(int(r.u8()))
	if r.c.IsEVM() && len(raw) == 20 {
		var b [42]byte // one allocation: the string
		b[0], b[1] = '0', 'x'
		hex.Encode(b[2:], raw)
		return chains.Address(b[:])
	}
	return chains.Address(raw)
}

func (r *reader) asset() chains.Asset {
	a := r.addr()
	if a == "" {
		return chains.Native
	}
	return chains.Asset(a)
}

func (r *reader) pos() chains.Pos {
	return chains.Pos{Block: r.u64(), TxIndex: r.u32(), Index: r.u32()}
}

func (r *reader) amount() *big.Int {
	return new(big.Int).SetBytes(r.take(int(r.u8())))
}

// done returns the first decoding error, or errCorrupt when bytes are left.
func (r *reader) done(what string) error {
	if r.err == nil && len(r.b) != 0 {
		r.err = errCorrupt
	}
	if r.err != nil {
		return fmt.Errorf("%s: %w", what, r.err)
	}
	return nil
}

func chainKey(prefix byte, c chains.Chain) []byte {
	return []byte{prefix, c.Code()}
}

func blockKey(prefix byte, c chains.Chain, n uint64) []byte {
	return binary.BigEndian.AppendUint64(chainKey(prefix, c), n)
}

func txKey(c chains.Chain, n uint64, index uint32) []byte {
	return binary.BigEndian.AppendUint32(blockKey(prefixTx, c, n), index)
}

func txByHashKey(c chains.Chain, h chains.Hash) []byte {
	return append(chainKey(prefixTxByHash, c), h[:]...)
}

func transferKey(c chains.Chain, p chains.Pos) []byte {
	return appendPos(chainKey(prefixTransfer, c), p)
}

// nodeKey is the prefix of every flow of the node (address, asset); with an
// empty asset ("") it is the prefix of every flow of the address.
func nodeKey(c chains.Chain, a chains.Address) []byte {
	return appendAddr(chainKey(prefixFlow, c), c, a)
}

func flowKey(c chains.Chain, a chains.Address, asset chains.Asset, p chains.Pos, dir byte) []byte {
	k := appendAsset(nodeKey(c, a), c, asset)
	return append(appendPos(k, p), dir)
}

func tokenKey(c chains.Chain, token chains.Asset) []byte {
	return appendAddr(chainKey(prefixToken, c), c, chains.Address(token))
}

// encodeTransfer is the value of a 'T' key.
func encodeTransfer(t *chains.Transfer) []byte {
	b := make([]byte, 0, 128)
	b = append(b, t.Tx[:]...)
	b = binary.BigEndian.AppendUint64(b, t.Time)
	b = append(b, byte(t.Kind))
	b = appendAddr(b, t.Chain, t.From)
	b = appendAddr(b, t.Chain, t.To)
	b = appendAsset(b, t.Chain, t.Asset)
	return appendAmount(b, t.Amount)
}

func decodeTransfer(c chains.Chain, key, val []byte) (chains.Transfer, error) {
	kr := reader{c: c, b: key[2:]}
	t := chains.Transfer{Chain: c, Pos: kr.pos()}
	r := reader{c: c, b: val}
	t.Tx = r.hash()
	t.Time = r.u64()
	t.Kind = chains.Kind(r.u8())
	t.From = r.addr()
	t.To = r.addr()
	t.Asset = r.asset()
	t.Amount = r.amount()
	if err := kr.done("transfer key"); err != nil {
		return t, err
	}
	return t, r.done("transfer")
}

// encodeFlow is the value of an 'F' key: the transfer seen from one side.
func encodeFlow(t *chains.Transfer, counterparty chains.Address, flags byte) []byte {
	b := make([]byte, 0, 96)
	b = appendAddr(b, t.Chain, counterparty)
	b = append(b, byte(t.Kind)|flags)
	b = append(b, t.Tx[:]...)
	b = binary.BigEndian.AppendUint64(b, t.Time)
	return appendAmount(b, t.Amount)
}

// decodeFlow rebuilds the transfer behind an 'F' key of address a, and
// the flow's flags (flowConverts, flowEvented).
func decodeFlow(c chains.Chain, a chains.Address, key, val []byte) (chains.Transfer, byte, error) {
	kr := reader{c: c, b: key[2:]}
	kr.addr()
	asset := kr.asset()
	if kr.err != nil {
		return chains.Transfer{}, 0, fmt.Errorf("flow key: %w", kr.err)
	}
	return decodeFlowAfter(c, a, asset, kr.b, val)
}

// decodeFlowAfter is decodeFlow given the flow's asset and the rest of its
// key after it (position and direction): what a scan of one node's flows
// already knows is not decoded again.
func decodeFlowAfter(c chains.Chain, a chains.Address, asset chains.Asset, rest, val []byte) (chains.Transfer, byte, error) {
	kr := reader{c: c, b: rest}
	t := chains.Transfer{Chain: c, Asset: asset, Pos: kr.pos()}
	dir := kr.u8()
	r := reader{c: c, b: val}
	other := r.addr()
	kind := r.u8()
	t.Kind = chains.Kind(kind &^ flowFlags)
	t.Tx = r.hash()
	t.Time = r.u64()
	t.Amount = r.amount()
	if dir == dirIn {
		t.From, t.To = other, a
	} else {
		t.From, t.To = a, other
	}
	if err := kr.done("flow key"); err != nil {
		return t, 0, err
	}
	return t, kind & flowFlags, r.done("flow")
}

func encodeTx(c chains.Chain, tx *chains.Tx) []byte {
	b := make([]byte, 0, 80)
	b = append(b, tx.Hash[:]...)
	b = append(b, byte(tx.Status))
	b = appendAddr(b, c, tx.From)
	return appendAddr(b, c, tx.To)
}

func decodeTx(c chains.Chain, index uint32, val []byte) (chains.Tx, error) {
	r := reader{c: c, b: val}
	tx := chains.Tx{Index: index, Hash: r.hash(), Status: chains.TxStatus(r.u8()), From: r.addr(), To: r.addr()}
	return tx, r.done("transaction")
}

// blockRecord is what the store keeps of a block besides its transactions.
type blockRecord struct {
	Hash, Parent chains.Hash
	Time         uint64
	Untraced     bool
	Skipped      uint32
}

func encodeBlock(b *blockRecord) []byte {
	out := make([]byte, 0, 77)
	out = append(out, b.Hash[:]...)
	out = append(out, b.Parent[:]...)
	out = binary.BigEndian.AppendUint64(out, b.Time)
	var flags byte
	if b.Untraced {
		flags |= 1
	}
	out = append(out, flags)
	return binary.BigEndian.AppendUint32(out, b.Skipped)
}

func decodeBlock(val []byte) (blockRecord, error) {
	r := reader{b: val}
	b := blockRecord{Hash: r.hash(), Parent: r.hash(), Time: r.u64()}
	b.Untraced = r.u8()&1 != 0
	b.Skipped = r.u32()
	return b, r.done("block")
}

// Checkpoint says how far a chain's data in the store reaches: every block
// from First to Height is fully written, and Height's hash is Hash.
type Checkpoint struct {
	First  uint64
	Height uint64
	Hash   chains.Hash
}

func encodeCheckpoint(cp Checkpoint) []byte {
	b := binary.BigEndian.AppendUint64(nil, cp.First)
	b = binary.BigEndian.AppendUint64(b, cp.Height)
	return append(b, cp.Hash[:]...)
}

func decodeCheckpoint(val []byte) (Checkpoint, error) {
	r := reader{b: val}
	cp := Checkpoint{First: r.u64(), Height: r.u64(), Hash: r.hash()}
	return cp, r.done("checkpoint")
}

func encodeToken(t chains.Token) []byte {
	var known byte
	if t.Known {
		known = 1
	}
	return append([]byte{known, t.Decimals}, t.Symbol...)
}

func decodeToken(asset chains.Asset, val []byte) (chains.Token, error) {
	if len(val) < 2 {
		return chains.Token{}, fmt.Errorf("token %s: %w", asset, errCorrupt)
	}
	return chains.Token{Asset: asset, Known: val[0] == 1, Decimals: val[1], Symbol: string(val[2:])}, nil
}
