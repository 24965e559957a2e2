package bitcoin

import (
	"bytes"

	"github.com/btcsuite/btcd/address/v2"
	"github.com/btcsuite/btcd/address/v2/base58"
	"github.com/btcsuite/btcd/address/v2/bech32"
	"github.com/btcsuite/btcd/txscript/v2"

	"github.com/houndtrace/hound/chains"
)

// ClassifyScript reads an output script: its kind, the canonical address
// Hound keys it by on network net, and for P2PK outputs the key, for
// OP_RETURN outputs the payload. The returned TxOut has no Value.
//
//   - P2PKH, P2SH: the base58 address; P2WPKH, P2WSH: the bech32 address;
//     P2TR: the bech32m address.
//   - P2PK: the P2PKH address of the key (as block explorers show it), the
//     key kept in PubKey.
//   - A witness program of a version or length not defined yet (including
//     pay-to-anchor, OP_1 <4e73>): ScriptWitnessUnknown, keyed by its
//     bech32m address.
//   - OP_RETURN: ScriptNullData, no address, and Data the concatenated
//     data pushes that follow the OP_RETURN, up to the first malformed one.
//   - Bare multisig and every other script: keyed by chains.ScriptAddress.
func ClassifyScript(script []byte, net *Network) chains.TxOut {
	if len(script) > 0 && script[0] == txscript.OP_RETURN {
		return chains.TxOut{Kind: chains.ScriptNullData, Data: nullData(script[1:])}
	}
	p := net.params
	switch txscript.GetScriptClass(script) {
	case txscript.PubKeyTy:
		key := bytes.Clone(script[1 : len(script)-1])
		return chains.TxOut{Kind: chains.ScriptP2PK, Address: base58Address(address.Hash160(key), p.PubKeyHashAddrID), PubKey: key}
	case txscript.PubKeyHashTy:
		return chains.TxOut{Kind: chains.ScriptP2PKH, Address: base58Address(script[3:23], p.PubKeyHashAddrID)}
	case txscript.ScriptHashTy:
		return chains.TxOut{Kind: chains.ScriptP2SH, Address: base58Address(script[2:22], p.ScriptHashAddrID)}
	case txscript.WitnessV0PubKeyHashTy:
		return segwitOutput(chains.ScriptP2WPKH, p.Bech32HRPSegwit, script)
	case txscript.WitnessV0ScriptHashTy:
		return segwitOutput(chains.ScriptP2WSH, p.Bech32HRPSegwit, script)
	case txscript.WitnessV1TaprootTy:
		return segwitOutput(chains.ScriptP2TR, p.Bech32HRPSegwit, script)
	case txscript.MultiSigTy:
		return chains.TxOut{Kind: chains.ScriptMultisig, Address: chains.ScriptAddress(script)}
	}
	// Witness version 0 defines only 20- and 32-byte programs; others are
	// unspendable and have no address.
	if version, _, err := txscript.ExtractWitnessProgramInfo(script); err == nil && version > 0 {
		return segwitOutput(chains.ScriptWitnessUnknown, p.Bech32HRPSegwit, script)
	}
	return nonStandard(script)
}

// nonStandard keys a script without an address by its hash.
func nonStandard(script []byte) chains.TxOut {
	return chains.TxOut{Kind: chains.ScriptNonStandard, Address: chains.ScriptAddress(script)}
}

// nullData concatenates the data pushed by the script that follows an
// OP_RETURN, stopping at the first malformed push. Opcodes that push no
// data are skipped.
func nullData(script []byte) []byte {
	var data []byte
	t := txscript.MakeScriptTokenizer(0, script)
	for t.Next() {
		data = append(data, t.Data()...)
	}
	return data
}

// base58Address writes a P2PKH or P2SH address.
func base58Address(hash []byte, netID byte) chains.Address {
	return chains.Address(base58.CheckEncode(hash, netID))
}

// segwitOutput keys a witness program script by its address: bech32 for
// version 0, bech32m from version 1 on (BIP 350). The script is one that
// GetScriptClass or ExtractWitnessProgramInfo accepted: a small-integer
// version and one push of 2 to 40 bytes, which always encodes; should
// encoding fail all the same, the script is keyed as non-standard.
func segwitOutput(kind chains.ScriptKind, hrp string, script []byte) chains.TxOut {
	version, program, err := txscript.ExtractWitnessProgramInfo(script)
	if err != nil {
		return nonStandard(script)
	}
	five, err := bech32.ConvertBits(program, 8, 5, true)
	if err != nil {
		return nonStandard(script)
	}
	encode := bech32.EncodeM
	if version == 0 {
		encode = bech32.Encode
	}
	addr, err := encode(hrp, append([]byte{byte(version)}, five...))
	if err != nil {
		return nonStandard(script)
	}
	return chains.TxOut{Kind: kind, Address: chains.Address(addr)}
}
