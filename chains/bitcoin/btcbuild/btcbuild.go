// Package btcbuild builds signed Bitcoin blocks in process, without a node:
// deterministic P2WPKH keys, transactions that spend their coins, and blocks
// mined on a network's genesis block under its proof-of-work limit (a few
// tries a block on regtest and simnet), written framed as Bitcoin Core's
// blk*.dat files. It is for demos and tests that need a Bitcoin chain that is
// the same, byte for byte, on every machine.
//
// Blocks are valid as btcd checks them, but for coinbase maturity, which
// Mine does not enforce: each coinbase takes the block's subsidy and fees
// and states the block's height (BIP 34); a block with a segwit transaction
// carries the witness commitment (BIP 141); the merkle root is the
// transactions'; every input is signed (BIP 143) and checked with btcd's
// script engine; no output is spent twice. Signatures are deterministic
// (RFC 6979), so the same calls give the same bytes.
package btcbuild

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"
	"time"

	"github.com/btcsuite/btcd/address/v2"
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// Key is a private key and its P2WPKH output script.
type Key struct {
	priv     *btcec.PrivateKey
	pkScript []byte
}

// NewKey derives a key from seed: the same seed gives the same key.
func NewKey(seed string) *Key {
	sum := sha256.Sum256([]byte("hound btcbuild " + seed))
	priv, _ := btcec.PrivKeyFromBytes(sum[:])
	hash := address.Hash160(priv.PubKey().SerializeCompressed())
	pk, err := txscript.NewScriptBuilder().AddOp(txscript.OP_0).AddData(hash).Script()
	if err != nil {
		panic(fmt.Sprintf("btcbuild: P2WPKH script: %v", err)) // 22 bytes cannot fail
	}
	return &Key{priv: priv, pkScript: pk}
}

// PkScript returns the key's P2WPKH output script.
func (k *Key) PkScript() []byte { return bytes.Clone(k.pkScript) }

// Address returns the key's P2WPKH address on net (bc1q... on mainnet,
// bcrt1q... on regtest).
func (k *Key) Address(net *chaincfg.Params) string {
	a, err := address.NewAddressWitnessPubKeyHash(k.pkScript[2:], net)
	if err != nil {
		panic(fmt.Sprintf("btcbuild: P2WPKH address: %v", err)) // a 20-byte program cannot fail
	}
	return a.EncodeAddress()
}

// Pay returns an output paying sats to k.
func Pay(k *Key, sats int64) *wire.TxOut { return wire.NewTxOut(sats, k.PkScript()) }

// OpReturn returns an unspendable output of no value carrying data in one
// push (a THORChain memo, a Whirlpool TX0's payload).
func OpReturn(data []byte) *wire.TxOut {
	s, err := txscript.NewScriptBuilder().AddOp(txscript.OP_RETURN).AddFullData(data).Script()
	if err != nil {
		panic(fmt.Sprintf("btcbuild: OP_RETURN script: %v", err))
	}
	return wire.NewTxOut(0, s)
}

// Coin is an output a Key can spend.
type Coin struct {
	OutPoint wire.OutPoint
	Value    int64
	Key      *Key
}

// CoinOf returns output i of tx, which pays k, as a coin.
func CoinOf(tx *wire.MsgTx, i int, k *Key) Coin {
	return Coin{OutPoint: wire.OutPoint{Hash: tx.TxHash(), Index: uint32(i)}, Value: tx.TxOut[i].Value, Key: k}
}

// Spend returns a signed version 2 transaction spending exactly coins to
// exactly outs, both in the order given; the fee is what the coins leave
// over the outputs. Every coin must pay its Key's P2WPKH script, and every
// signature is checked with btcd's script engine under the standard
// verification flags.
func Spend(coins []Coin, outs ...*wire.TxOut) (*wire.MsgTx, error) {
	tx := wire.NewMsgTx(2)
	fetcher := txscript.NewMultiPrevOutFetcher(nil)
	var in, out int64
	for i, c := range coins {
		if c.Key == nil {
			return nil, fmt.Errorf("btcbuild: spend: coin %d has no key", i)
		}
		in += c.Value
		tx.AddTxIn(wire.NewTxIn(&coins[i].OutPoint, nil, nil))
		fetcher.AddPrevOut(c.OutPoint, wire.NewTxOut(c.Value, c.Key.pkScript))
	}
	for _, o := range outs {
		out += o.Value
		tx.AddTxOut(o)
	}
	if len(coins) == 0 || len(outs) == 0 {
		return nil, errors.New("btcbuild: spend: a transaction needs inputs and outputs")
	}
	if out > in {
		return nil, fmt.Errorf("btcbuild: spend: coins of %d sat cannot pay outputs of %d sat", in, out)
	}
	hashes := txscript.NewTxSigHashes(tx, fetcher)
	for i, c := range coins {
		w, err := txscript.WitnessSignature(tx, hashes, i, c.Value, c.Key.pkScript, txscript.SigHashAll, c.Key.priv, true)
		if err != nil {
			return nil, fmt.Errorf("btcbuild: sign input %d: %w", i, err)
		}
		tx.TxIn[i].Witness = w
	}
	for i, c := range coins {
		vm, err := txscript.NewEngine(c.Key.pkScript, tx, i, txscript.StandardVerifyFlags, nil, hashes, c.Value, fetcher)
		if err == nil {
			err = vm.Execute()
		}
		if err != nil {
			return nil, fmt.Errorf("btcbuild: verify input %d: %w", i, err)
		}
	}
	return tx, nil
}

// Chain is a chain of blocks on a network's genesis block, built by Mine.
type Chain struct {
	net     *chaincfg.Params
	start   time.Time
	spacing time.Duration
	blocks  []*wire.MsgBlock
	tip     chainhash.Hash
	unspent map[wire.OutPoint]int64 // the values of the chain's unspent outputs
}

// maxTries bounds the nonces Mine tries: a network whose target needs more
// is not one to mine in process.
const maxTries = 1 << 24

// NewChain starts a chain on net's genesis block. Block n will have the
// timestamp start + (n-1)·spacing.
func NewChain(net *chaincfg.Params, start time.Time, spacing time.Duration) *Chain {
	return &Chain{net: net, start: start.Truncate(time.Second), spacing: spacing, tip: *net.GenesisHash,
		unspent: map[wire.OutPoint]int64{}}
}

// Height returns the height of the last block mined, 0 before the first.
func (c *Chain) Height() int32 { return int32(len(c.blocks)) }

// Blocks returns the blocks mined, from height 1 (the genesis block is not
// among them).
func (c *Chain) Blocks() []*wire.MsgBlock { return c.blocks }

// Mine adds a block holding txs, in order, after a coinbase that pays the
// block's subsidy and the fees of txs to reward, and returns it. Each
// transaction must spend outputs of earlier blocks or of transactions
// before it in this one, none spent before.
func (c *Chain) Mine(reward *Key, txs ...*wire.MsgTx) (*wire.MsgBlock, error) {
	height := c.Height() + 1
	unspent := make(map[wire.OutPoint]int64, len(c.unspent))
	for op, v := range c.unspent {
		unspent[op] = v
	}
	var fees int64
	witness := false
	for _, tx := range txs {
		id := tx.TxHash()
		var in, out int64
		for _, ti := range tx.TxIn {
			v, ok := unspent[ti.PreviousOutPoint]
			if !ok {
				return nil, fmt.Errorf("btcbuild: block %d: transaction %s spends %s, which is not an unspent output of the chain", height, id, ti.PreviousOutPoint)
			}
			delete(unspent, ti.PreviousOutPoint)
			in += v
		}
		for i, o := range tx.TxOut {
			out += o.Value
			if !txscript.IsUnspendable(o.PkScript) {
				unspent[wire.OutPoint{Hash: id, Index: uint32(i)}] = o.Value
			}
		}
		if out > in {
			return nil, fmt.Errorf("btcbuild: block %d: transaction %s pays out %d sat of %d", height, id, out, in)
		}
		fees += in - out
		witness = witness || tx.HasWitness()
	}
	cb, err := c.coinbase(height, reward, c.subsidy(height)+fees)
	if err != nil {
		return nil, err
	}
	all := append([]*wire.MsgTx{cb}, txs...)
	if witness {
		commit(all)
	}
	ids := make([]chainhash.Hash, len(all))
	for i, tx := range all {
		ids[i] = tx.TxHash()
	}
	b := &wire.MsgBlock{
		Header: wire.BlockHeader{
			Version:    0x20000000, // BIP 9, no deployment signalled
			PrevBlock:  c.tip,
			MerkleRoot: merkleRoot(ids),
			Timestamp:  c.start.Add(time.Duration(height-1) * c.spacing),
			Bits:       c.net.PowLimitBits,
		},
		Transactions: all,
	}
	if err := c.solve(&b.Header); err != nil {
		return nil, fmt.Errorf("btcbuild: block %d: %w", height, err)
	}
	unspent[wire.OutPoint{Hash: ids[0], Index: 0}] = cb.TxOut[0].Value
	c.blocks, c.tip, c.unspent = append(c.blocks, b), b.BlockHash(), unspent
	return b, nil
}

// subsidy is the new coin of a block at height: 50 BTC, halved every
// SubsidyReductionInterval blocks.
func (c *Chain) subsidy(height int32) int64 {
	halvings := height / c.net.SubsidyReductionInterval
	if halvings >= 64 {
		return 0
	}
	return 50 * 100_000_000 >> halvings
}

// coinbase is the coinbase of the block at height: its script states the
// height (BIP 34) and a tag, its one spendable output pays reward.
func (c *Chain) coinbase(height int32, reward *Key, value int64) (*wire.MsgTx, error) {
	script, err := txscript.NewScriptBuilder().AddInt64(int64(height)).AddData([]byte("hound btcbuild")).Script()
	if err != nil {
		return nil, fmt.Errorf("btcbuild: coinbase script: %w", err)
	}
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&chainhash.Hash{}, wire.MaxPrevOutIndex), script, nil))
	tx.AddTxOut(Pay(reward, value))
	return tx, nil
}

// witnessMagic starts the output script of a witness commitment (BIP 141):
// OP_RETURN, a push of 36 bytes, 0xaa21a9ed.
var witnessMagic = []byte{txscript.OP_RETURN, txscript.OP_DATA_36, 0xaa, 0x21, 0xa9, 0xed}

// commit adds the witness commitment to the coinbase txs[0]: an output
// committing to the merkle root of the wtxids (the coinbase's counted as
// zero) and a reserved value of zeros, which the coinbase's witness holds.
func commit(txs []*wire.MsgTx) {
	ids := make([]chainhash.Hash, len(txs))
	for i, tx := range txs[1:] {
		ids[i+1] = tx.WitnessHash()
	}
	var reserved [chainhash.HashSize]byte
	root := merkleRoot(ids)
	sum := chainhash.DoubleHashB(append(root[:], reserved[:]...))
	cb := txs[0]
	cb.TxIn[0].Witness = wire.TxWitness{reserved[:]}
	cb.AddTxOut(wire.NewTxOut(0, append(bytes.Clone(witnessMagic), sum...)))
}

// merkleRoot is Bitcoin's merkle root of ids: pairs hashed level by level,
// a level of odd length pairing its last hash with itself.
func merkleRoot(ids []chainhash.Hash) chainhash.Hash {
	level := append([]chainhash.Hash(nil), ids...)
	for len(level) > 1 {
		if len(level)%2 == 1 {
			level = append(level, level[len(level)-1])
		}
		next := make([]chainhash.Hash, len(level)/2)
		for i := range next {
			var pair [2 * chainhash.HashSize]byte
			copy(pair[:], level[2*i][:])
			copy(pair[chainhash.HashSize:], level[2*i+1][:])
			next[i] = chainhash.DoubleHashH(pair[:])
		}
		level = next
	}
	return level[0]
}

// solve finds a nonce that puts the header's hash at or below the target
// its bits state.
func (c *Chain) solve(h *wire.BlockHeader) error {
	target := compactToBig(h.Bits)
	for nonce := uint32(0); nonce < maxTries; nonce++ {
		h.Nonce = nonce
		hash := h.BlockHash()
		if hashToBig(&hash).Cmp(target) <= 0 {
			return nil
		}
	}
	return fmt.Errorf("no nonce below %d meets the %s target %08x: mine on regtest or simnet", maxTries, c.net.Name, h.Bits)
}

// compactToBig reads a target in the compact form of a header's bits: a
// 23-bit mantissa, a sign bit and a base-256 exponent.
func compactToBig(bits uint32) *big.Int {
	mantissa, exp := int64(bits&0x007fffff), uint(bits>>24)
	var n *big.Int
	if exp <= 3 {
		n = big.NewInt(mantissa >> (8 * (3 - exp)))
	} else {
		n = new(big.Int).Lsh(big.NewInt(mantissa), 8*(exp-3))
	}
	if bits&0x00800000 != 0 {
		n.Neg(n)
	}
	return n
}

// hashToBig reads a block hash as the number proof of work compares: the
// hash's bytes are little-endian.
func hashToBig(h *chainhash.Hash) *big.Int {
	var be [chainhash.HashSize]byte
	for i, b := range h {
		be[len(be)-1-i] = b
	}
	return new(big.Int).SetBytes(be[:])
}

// WriteBlockFile writes blocks as Bitcoin Core frames them in its blk*.dat
// files: for each block net's magic and the block's length, both
// little-endian 32-bit, then the block with its witnesses.
func WriteBlockFile(w io.Writer, net *chaincfg.Params, blocks []*wire.MsgBlock) error {
	for _, b := range blocks {
		var buf bytes.Buffer
		if err := b.Serialize(&buf); err != nil {
			return fmt.Errorf("btcbuild: serialize block %s: %w", b.BlockHash(), err)
		}
		var frame [8]byte
		binary.LittleEndian.PutUint32(frame[:4], uint32(net.Net))
		binary.LittleEndian.PutUint32(frame[4:], uint32(buf.Len()))
		if _, err := w.Write(append(frame[:], buf.Bytes()...)); err != nil {
			return err
		}
	}
	return nil
}
