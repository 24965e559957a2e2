package bitcoin

import (
	"bytes"
	"testing"

	"github.com/houndtrace/hound/chains"
)

func TestClassifyScript(t *testing.T) {
	const satoshiKey = "04678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5f"
	tests := []struct {
		name   string
		net    *Network
		script string            // the output script, hex
		kind   chains.ScriptKind // what it is
		addr   string            // its canonical address; "hash" for chains.ScriptAddress of the script
		key    string            // PubKey, hex
		data   string            // Data, as text
	}{
		{"p2pk uncompressed (genesis)", Mainnet, "41" + satoshiKey + "ac", chains.ScriptP2PK, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", satoshiKey, ""},
		{"p2pkh", Mainnet, "76a91462e907b15cbf27d5425399ebf6f0fb50ebb88f1888ac", chains.ScriptP2PKH, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "", ""},
		{"p2pkh regtest", Regtest, "76a91462e907b15cbf27d5425399ebf6f0fb50ebb88f1888ac", chains.ScriptP2PKH, "mpXwg4jMtRhuSpVq4xS3HFHmCmWp9NyGKt", "", ""},
		{"p2sh", Mainnet, "a914e9c3dd0c07aac76179ebc76a6c78d4d67c6c160a87", chains.ScriptP2SH, "3P14159f73E4gFr7JterCCQh9QjiTjiZrG", "", ""},
		{"p2wpkh (BIP 173)", Mainnet, "0014751e76e8199196d454941c45d1b3a323f1433bd6", chains.ScriptP2WPKH, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "", ""},
		{"p2wsh (BIP 173)", Testnet3, "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262", chains.ScriptP2WSH, "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7", "", ""},
		{"p2tr (BIP 350)", Mainnet, "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798", chains.ScriptP2TR, "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", "", ""},
		{"witness v16 (BIP 350)", Mainnet, "6002751e", chains.ScriptWitnessUnknown, "bc1sw50qgdz25j", "", ""},
		{"witness v2 (BIP 350)", Mainnet, "5210751e76e8199196d454941c45d1b3a323", chains.ScriptWitnessUnknown, "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "", ""},
		{"pay to anchor", Mainnet, "51024e73", chains.ScriptWitnessUnknown, "bc1pfeessrawgf", "", ""},
		{"witness v0 of 16 bytes", Mainnet, "0010751e76e8199196d454941c45d1b3a323", chains.ScriptNonStandard, "hash", "", ""},
		{"bare multisig 1-of-2", Mainnet, "5121" + "02" + zeros(32, "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798") + "21" + "03" + zeros(32, "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798") + "52ae", chains.ScriptMultisig, "hash", "", ""},
		{"op_true", Mainnet, "51", chains.ScriptNonStandard, "hash", "", ""},
		{"empty", Mainnet, "", chains.ScriptNonStandard, "hash", "", ""},
		{"thorchain memo", Mainnet, "6a" + "1a" + hexOf([]byte("OUT:9F2A81C3E1D2B4A5C6D7E8")), chains.ScriptNullData, "", "", "OUT:9F2A81C3E1D2B4A5C6D7E8"},
		{"op_return pushdata1", Mainnet, "6a4c05" + hexOf([]byte("=:b:x")), chains.ScriptNullData, "", "", "=:b:x"},
		{"op_return, two pushes and a small int", Mainnet, "6a03616263" + "51" + "026465", chains.ScriptNullData, "", "", "abcde"},
		{"bare op_return", Mainnet, "6a", chains.ScriptNullData, "", "", ""},
		{"op_return, truncated push", Mainnet, "6a05616263", chains.ScriptNullData, "", "", ""},
		{"op_return, good push then a truncated one", Mainnet, "6a026162" + "05ff", chains.ScriptNullData, "", "", "ab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			script := mustHex(t, tt.script)
			out := ClassifyScript(script, tt.net)
			want := chains.Address(tt.addr)
			if tt.addr == "hash" {
				want = chains.ScriptAddress(script)
			}
			if out.Kind != tt.kind || out.Address != want || hexOf(out.PubKey) != tt.key || string(out.Data) != tt.data {
				t.Errorf("got %s %q key %x data %q; want %s %q key %s data %q",
					out.Kind, out.Address, out.PubKey, out.Data, tt.kind, want, tt.key, tt.data)
			}
			if len(out.PubKey) > 0 && &out.PubKey[0] == &script[1] {
				t.Error("PubKey shares the script's memory")
			}
		})
	}
}

// zeros pads a hex string to n bytes: a helper for readable fixtures.
func zeros(n int, h string) string {
	for len(h) < 2*n {
		h += "0"
	}
	return h[:2*n]
}

func TestNullDataIsCopied(t *testing.T) {
	script := mustHex(t, "6a03616263")
	out := ClassifyScript(script, Mainnet)
	script[2] = 'X'
	if !bytes.Equal(out.Data, []byte("abc")) {
		t.Errorf("Data %q changed with the script", out.Data)
	}
}
