package chains

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// UTXO chains (Bitcoin) carry value in transaction outputs. In the flow
// graph a node is a transaction: its inflows are the outputs it spends, in
// input order, and its outflows are its outputs, in output order. Amounts are
// satoshi counts (a uint64 holds all 21M BTC exactly).

// Outpoint names one transaction output.
type Outpoint struct {
	Tx    Hash
	Index uint32
}

// String writes the outpoint as "<txid>:<index>".
func (o Outpoint) String() string { return fmt.Sprintf("%s:%d", o.Tx.Format(Bitcoin), o.Index) }

// ScriptKind classifies an output script.
type ScriptKind uint8

// Output script kinds. Their numbers are stored: append, never reorder.
const (
	ScriptNonStandard ScriptKind = iota + 1
	ScriptP2PK                   // pay to a bare public key: shown as the key's P2PKH address, the key kept
	ScriptP2PKH
	ScriptP2SH
	ScriptP2WPKH
	ScriptP2WSH
	ScriptP2TR
	ScriptMultisig       // bare multisig: keyed by script hash
	ScriptNullData       // OP_RETURN: unspendable, carries Data
	ScriptWitnessUnknown // a future witness version: keyed by its address
)

var scriptNames = map[ScriptKind]string{
	ScriptNonStandard: "nonstandard", ScriptP2PK: "p2pk", ScriptP2PKH: "p2pkh", ScriptP2SH: "p2sh",
	ScriptP2WPKH: "p2wpkh", ScriptP2WSH: "p2wsh", ScriptP2TR: "p2tr", ScriptMultisig: "multisig",
	ScriptNullData: "nulldata", ScriptWitnessUnknown: "witness_unknown",
}

// String returns the kind's name as written in JSON.
func (k ScriptKind) String() string {
	if n, ok := scriptNames[k]; ok {
		return n
	}
	return fmt.Sprintf("script(%d)", uint8(k))
}

// ScriptAddress is the address Hound keys a script without a standard
// address by: "script:" and the hex SHA-256 of the script, so no output is
// ever dropped from the address index.
func ScriptAddress(script []byte) Address {
	sum := sha256.Sum256(script)
	return Address("script:" + hex.EncodeToString(sum[:]))
}

// TxOut is one output of a UTXO transaction.
type TxOut struct {
	Value   uint64 // satoshi
	Kind    ScriptKind
	Address Address // canonical address, a ScriptAddress, or "" for OP_RETURN
	PubKey  []byte  // the bare key of a P2PK output
	Data    []byte  // the payload of an OP_RETURN output (THORChain memos live here)
}

// TxIn is one input of a UTXO transaction: the output it spends. The
// adapter fills Prev (or Coinbase); the store resolves Value and Address
// from the output it holds, and leaves Resolved false where it does not
// hold it (a block synced without its ancestors).
type TxIn struct {
	Prev     Outpoint
	Coinbase bool
	Resolved bool
	Value    uint64
	Address  Address
}

// UTXOTx is a transaction of a UTXO chain, its inputs and outputs in order.
type UTXOTx struct {
	Hash     Hash // the txid, displayed byte order
	Index    uint32
	Inputs   []TxIn
	Outputs  []TxOut
	LockTime uint32
	Version  int32
	VSize    uint32 // virtual size, for fee rates
}

// Coinbase reports whether the transaction creates new coins.
func (t *UTXOTx) Coinbase() bool { return len(t.Inputs) == 1 && t.Inputs[0].Coinbase }

// Fee returns the fee: inputs minus outputs; ok is false for a coinbase or
// while some input is unresolved.
func (t *UTXOTx) Fee() (fee uint64, ok bool) {
	var in, out uint64
	for _, i := range t.Inputs {
		if i.Coinbase || !i.Resolved {
			return 0, false
		}
		in += i.Value
	}
	for _, o := range t.Outputs {
		out += o.Value
	}
	if out > in {
		return 0, false
	}
	return in - out, true
}
