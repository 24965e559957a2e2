package btcdtest

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/btcsuite/btcd/address/v2"
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// Kind is a kind of output script the wallet pays to and can spend.
type Kind int

// The kinds of script the wallet knows. Multisig kinds use keys i and i+1.
const (
	P2PKH        Kind = iota // pay to the hash of key i (compressed)
	P2WPKH                   // segwit v0 key hash
	P2TR                     // taproot, spent by key path (no script tree)
	P2SHP2WPKH               // P2WPKH wrapped in P2SH
	P2SHMultisig             // P2SH of a 2-of-2 multisig redeem script
	P2WSH                    // segwit v0 script hash of <key> OP_CHECKSIG
	P2PK                     // bare uncompressed public key, as in 2009
	Multisig                 // bare 1-of-2 multisig
	NonStandard              // OP_SHA256 <hash> OP_EQUAL: whoever knows the preimage
)

// Kinds lists every kind.
var Kinds = []Kind{P2PKH, P2WPKH, P2TR, P2SHP2WPKH, P2SHMultisig, P2WSH, P2PK, Multisig, NonStandard}

var kindNames = [...]string{"p2pkh", "p2wpkh", "p2tr", "p2sh-p2wpkh", "p2sh-multisig", "p2wsh", "p2pk", "multisig", "nonstandard"}

// String names the kind.
func (k Kind) String() string { return kindNames[k] }

// Fee is what every transaction the wallet builds pays: enough for 10,000
// virtual bytes at btcd's minimum relay fee.
const Fee = 10_000

// UTXO is an output the wallet can spend.
type UTXO struct {
	OutPoint wire.OutPoint
	Value    int64
	PkScript []byte
}

// spender says how to spend an output script.
type spender struct {
	kind Kind
	keys []*btcec.PrivateKey
	// script is the redeem script (P2SH), the witness script (P2WSH) or
	// the preimage (NonStandard).
	script []byte
}

// Wallet holds deterministic keys, the scripts built from them, and the
// outputs paying to those scripts that it has seen. It signs
// transactions without a node's wallet. Its methods are safe for
// concurrent use.
type Wallet struct {
	net  *chaincfg.Params
	seed string

	mu       sync.Mutex
	keys     []*btcec.PrivateKey
	spenders map[string]*spender // by output script
	utxos    map[wire.OutPoint]UTXO
	order    []wire.OutPoint // utxos in the order they were seen
}

// NewWallet returns a wallet whose keys derive from seed, for network net.
func NewWallet(seed string, net *chaincfg.Params) *Wallet {
	return &Wallet{net: net, seed: seed, spenders: make(map[string]*spender), utxos: make(map[wire.OutPoint]UTXO)}
}

// Key returns the wallet's private key number i: the same in every run.
func (w *Wallet) Key(i int) *btcec.PrivateKey {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.key(i)
}

func (w *Wallet) key(i int) *btcec.PrivateKey {
	for len(w.keys) <= i {
		sum := sha256.Sum256(fmt.Appendf(nil, "hound btcdtest %s %d", w.seed, len(w.keys)))
		k, _ := btcec.PrivKeyFromBytes(sum[:])
		w.keys = append(w.keys, k)
	}
	return w.keys[i]
}

// Script returns the output script of kind paying to key i (and i+1 for
// the multisig kinds), and remembers how to spend it.
func (w *Wallet) Script(kind Kind, i int) []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	pk, sp := w.build(kind, i)
	w.spenders[string(pk)] = sp
	return pk
}

// build makes the output script of kind for key i and its spender.
func (w *Wallet) build(kind Kind, i int) ([]byte, *spender) {
	k := w.key(i)
	sp := &spender{kind: kind, keys: []*btcec.PrivateKey{k}}
	pub := k.PubKey().SerializeCompressed()
	var b *txscript.ScriptBuilder
	switch kind {
	case P2PKH:
		b = txscript.NewScriptBuilder().AddOp(txscript.OP_DUP).AddOp(txscript.OP_HASH160).
			AddData(address.Hash160(pub)).AddOp(txscript.OP_EQUALVERIFY).AddOp(txscript.OP_CHECKSIG)
	case P2WPKH:
		b = txscript.NewScriptBuilder().AddOp(txscript.OP_0).AddData(address.Hash160(pub))
	case P2TR:
		key := txscript.ComputeTaprootKeyNoScript(k.PubKey())
		b = txscript.NewScriptBuilder().AddOp(txscript.OP_1).AddData(schnorr.SerializePubKey(key))
	case P2SHP2WPKH:
		sp.script, _ = w.build(P2WPKH, i)
		b = p2sh(sp.script)
	case P2SHMultisig:
		sp.keys = append(sp.keys, w.key(i+1))
		sp.script = multisig(2, sp.keys)
		b = p2sh(sp.script)
	case P2WSH:
		sp.script = mustScript(txscript.NewScriptBuilder().AddData(pub).AddOp(txscript.OP_CHECKSIG))
		h := sha256.Sum256(sp.script)
		b = txscript.NewScriptBuilder().AddOp(txscript.OP_0).AddData(h[:])
	case P2PK:
		b = txscript.NewScriptBuilder().AddData(k.PubKey().SerializeUncompressed()).AddOp(txscript.OP_CHECKSIG)
	case Multisig:
		// One signature, by key i, spends it.
		return multisig(1, []*btcec.PrivateKey{k, w.key(i + 1)}), sp
	case NonStandard:
		sp.keys, sp.script = nil, fmt.Appendf(nil, "preimage %s %d", w.seed, i)
		h := sha256.Sum256(sp.script)
		b = txscript.NewScriptBuilder().AddOp(txscript.OP_SHA256).AddData(h[:]).AddOp(txscript.OP_EQUAL)
	default:
		panic(fmt.Sprintf("btcdtest: unknown script kind %d", kind))
	}
	return mustScript(b), sp
}

// p2sh pays to the hash of redeem.
func p2sh(redeem []byte) *txscript.ScriptBuilder {
	return txscript.NewScriptBuilder().AddOp(txscript.OP_HASH160).AddData(address.Hash160(redeem)).AddOp(txscript.OP_EQUAL)
}

// multisig is an m-of-len(keys) multisig script.
func multisig(m int, keys []*btcec.PrivateKey) []byte {
	b := txscript.NewScriptBuilder().AddInt64(int64(m))
	for _, k := range keys {
		b.AddData(k.PubKey().SerializeCompressed())
	}
	return mustScript(b.AddInt64(int64(len(keys))).AddOp(txscript.OP_CHECKMULTISIG))
}

// mustScript finishes a script built from valid parts.
func mustScript(b *txscript.ScriptBuilder) []byte {
	s, err := b.Script()
	if err != nil {
		panic(fmt.Sprintf("btcdtest: build script: %v", err))
	}
	return s
}

// Address returns the address of the script of kind for key i, as btcd's
// address package writes it; a P2PK script's is its key's P2PKH address.
// Bare multisig and non-standard scripts have none.
func (w *Wallet) Address(kind Kind, i int) (address.Address, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	k := w.key(i)
	pub := k.PubKey().SerializeCompressed()
	_, sp := w.build(kind, i)
	switch kind {
	case P2PKH:
		return address.NewAddressPubKeyHash(address.Hash160(pub), w.net)
	case P2WPKH:
		return address.NewAddressWitnessPubKeyHash(address.Hash160(pub), w.net)
	case P2TR:
		return address.NewAddressTaproot(schnorr.SerializePubKey(txscript.ComputeTaprootKeyNoScript(k.PubKey())), w.net)
	case P2SHP2WPKH, P2SHMultisig:
		return address.NewAddressScriptHash(sp.script, w.net)
	case P2WSH:
		h := sha256.Sum256(sp.script)
		return address.NewAddressWitnessScriptHash(h[:], w.net)
	case P2PK:
		a, err := address.NewAddressPubKey(k.PubKey().SerializeUncompressed(), w.net)
		if err != nil {
			return nil, err
		}
		return a.AddressPubKeyHash(), nil
	}
	return nil, fmt.Errorf("a %s script has no address", kind)
}

// NullData returns an OP_RETURN script pushing each of pushes in turn.
func NullData(pushes ...[]byte) []byte {
	b := txscript.NewScriptBuilder().AddOp(txscript.OP_RETURN)
	for _, p := range pushes {
		b.AddFullData(p)
	}
	return mustScript(b)
}

// WitnessProgram returns the output script of a witness program of the
// given version (0 to 16).
func WitnessProgram(version byte, program []byte) []byte {
	return mustScript(txscript.NewScriptBuilder().AddInt64(int64(version)).AddData(program))
}

// Add records the outputs of tx that pay to the wallet's scripts.
func (w *Wallet) Add(tx *wire.MsgTx) {
	w.mu.Lock()
	defer w.mu.Unlock()
	id := tx.TxHash()
	for i, out := range tx.TxOut {
		if _, ok := w.spenders[string(out.PkScript)]; !ok {
			continue
		}
		op := wire.OutPoint{Hash: id, Index: uint32(i)}
		if _, seen := w.utxos[op]; !seen {
			w.order = append(w.order, op)
		}
		w.utxos[op] = UTXO{OutPoint: op, Value: out.Value, PkScript: out.PkScript}
	}
}

// UTXOs returns the outputs the wallet holds, in the order it saw them.
// Some may have been spent or orphaned since: Node.Send checks each
// with the node before it spends it.
func (w *Wallet) UTXOs() []UTXO {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]UTXO, 0, len(w.order))
	for _, op := range w.order {
		out = append(out, w.utxos[op])
	}
	return out
}

// UTXO returns the output at op, if the wallet holds it.
func (w *Wallet) UTXO(op wire.OutPoint) (UTXO, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	u, ok := w.utxos[op]
	return u, ok
}

// Forget drops outputs from the wallet (spent, or gone in a reorg).
func (w *Wallet) Forget(ops ...wire.OutPoint) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, op := range ops {
		delete(w.utxos, op)
	}
	w.order = slices.DeleteFunc(w.order, func(op wire.OutPoint) bool {
		_, held := w.utxos[op]
		return !held
	})
}

// Build returns a signed transaction spending ins (outputs the wallet
// holds) to outs, paying Fee and sending the rest, if any, back to the
// wallet's P2WPKH script of key 0. Every input is checked with btcd's
// script engine under the standard verification flags.
func (w *Wallet) Build(ins []wire.OutPoint, outs ...*wire.TxOut) (*wire.MsgTx, error) {
	var in, out int64
	for _, op := range ins {
		u, ok := w.UTXO(op)
		if !ok {
			return nil, fmt.Errorf("the wallet holds no output %s", op)
		}
		in += u.Value
	}
	for _, o := range outs {
		out += o.Value
	}
	switch change := in - out - Fee; {
	case change < 0:
		return nil, fmt.Errorf("inputs of %d sat cannot pay %d sat and the fee", in, out)
	case change > 0:
		outs = append(outs[:len(outs):len(outs)], wire.NewTxOut(change, w.Script(P2WPKH, 0)))
	}
	return w.BuildExact(ins, outs...)
}

// sign fills the signature scripts and witnesses of tx, whose inputs
// spend prevs, and verifies them.
func (w *Wallet) sign(tx *wire.MsgTx, prevs []UTXO) error {
	fetcher := txscript.NewMultiPrevOutFetcher(nil)
	for i, p := range prevs {
		fetcher.AddPrevOut(tx.TxIn[i].PreviousOutPoint, wire.NewTxOut(p.Value, p.PkScript))
	}
	hashes := txscript.NewTxSigHashes(tx, fetcher)
	for i, p := range prevs {
		w.mu.Lock()
		sp := w.spenders[string(p.PkScript)]
		w.mu.Unlock()
		if sp == nil {
			return fmt.Errorf("input %d: the wallet cannot spend script %x", i, p.PkScript)
		}
		if err := sp.sign(tx, i, p, hashes); err != nil {
			return fmt.Errorf("sign input %d (%s): %w", i, sp.kind, err)
		}
	}
	for i, p := range prevs {
		vm, err := txscript.NewEngine(p.PkScript, tx, i, txscript.StandardVerifyFlags, nil, hashes, p.Value, fetcher)
		if err == nil {
			err = vm.Execute()
		}
		if err != nil {
			return fmt.Errorf("verify input %d: %w", i, err)
		}
	}
	return nil
}

// sign fills input i of tx, which spends p.
func (sp *spender) sign(tx *wire.MsgTx, i int, p UTXO, hashes *txscript.TxSigHashes) error {
	in := tx.TxIn[i]
	var err error
	switch sp.kind {
	case P2PKH:
		in.SignatureScript, err = txscript.SignatureScript(tx, i, p.PkScript, txscript.SigHashAll, sp.keys[0], true)
	case P2WPKH:
		in.Witness, err = txscript.WitnessSignature(tx, hashes, i, p.Value, p.PkScript, txscript.SigHashAll, sp.keys[0], true)
	case P2SHP2WPKH:
		in.Witness, err = txscript.WitnessSignature(tx, hashes, i, p.Value, sp.script, txscript.SigHashAll, sp.keys[0], true)
		in.SignatureScript = pushes(sp.script)
	case P2TR:
		in.Witness, err = txscript.TaprootWitnessSignature(tx, hashes, i, p.Value, p.PkScript, txscript.SigHashDefault, sp.keys[0])
	case P2WSH:
		var sig []byte
		sig, err = txscript.RawTxInWitnessSignature(tx, hashes, i, p.Value, sp.script, txscript.SigHashAll, sp.keys[0])
		in.Witness = wire.TxWitness{sig, sp.script}
	case P2SHMultisig, P2PK, Multisig:
		in.SignatureScript, err = legacySigs(tx, i, p.PkScript, sp)
	case NonStandard:
		in.SignatureScript = pushes(sp.script)
	default:
		err = errors.New("unknown script kind")
	}
	return err
}

// legacySigs builds the signature script of a bare or P2SH key script:
// the signatures (after the dummy OP_0 CHECKMULTISIG pops), then the
// redeem script for P2SH.
func legacySigs(tx *wire.MsgTx, i int, pkScript []byte, sp *spender) ([]byte, error) {
	sub := pkScript
	if sp.kind == P2SHMultisig {
		sub = sp.script
	}
	var items [][]byte
	if sp.kind != P2PK {
		items = append(items, nil)
	}
	for _, k := range sp.keys {
		sig, err := txscript.RawTxInSignature(tx, i, sub, txscript.SigHashAll, k)
		if err != nil {
			return nil, err
		}
		items = append(items, sig)
	}
	if sp.kind == P2SHMultisig {
		items = append(items, sp.script)
	}
	return pushes(items...), nil
}

// pushes is a script pushing each item (an empty item pushes OP_0).
func pushes(items ...[]byte) []byte {
	b := txscript.NewScriptBuilder()
	for _, it := range items {
		b.AddData(it)
	}
	return mustScript(b)
}
