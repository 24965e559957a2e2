package labels

import (
	"strings"
	"testing"

	"github.com/btcsuite/btcd/address/v2/base58"
	"github.com/btcsuite/btcd/address/v2/bech32"
	"github.com/btcsuite/btcd/chaincfg/v2"

	"github.com/houndtrace/hound/chains"
)

// segwit encodes a witness program for a human-readable prefix.
func segwit(t *testing.T, hrp string, version byte, program []byte) string {
	t.Helper()
	data, err := bech32.ConvertBits(program, 8, 5, true)
	if err != nil {
		t.Fatal(err)
	}
	data = append([]byte{version}, data...)
	encode := bech32.Encode
	if version > 0 {
		encode = bech32.EncodeM
	}
	s, err := encode(hrp, data)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestParseBitcoinAddress(t *testing.T) {
	zeros20, zeros32 := make([]byte, 20), make([]byte, 32)
	tests := []struct {
		in      string
		network string // "" when the address is invalid
		typ     string
		bad     string // substring of the error
	}{
		// Mainnet base58 from the OFAC list (TIAN, Yinyin).
		{in: "134r8iHv69xdT6p5qVKTsHrcUEuBVZAYak", network: "mainnet", typ: "p2pkh"},
		{in: "3F2sZ4jbhvDKQdGbHYPC6ZxFXEau2m5Lqj", network: "mainnet", typ: "p2sh"},
		// The same with a changed last character.
		{in: "134r8iHv69xdT6p5qVKTsHrcUEuBVZAYam", bad: "checksum"},
		// Testnet, regtest and simnet version bytes and prefixes.
		{in: base58.CheckEncode(zeros20, chaincfg.TestNet3Params.PubKeyHashAddrID), network: "testnet", typ: "p2pkh"},
		{in: base58.CheckEncode(zeros20, chaincfg.TestNet3Params.ScriptHashAddrID), network: "testnet", typ: "p2sh"},
		{in: base58.CheckEncode(zeros20, chaincfg.SimNetParams.PubKeyHashAddrID), network: "simnet", typ: "p2pkh"},
		{in: segwit(t, "bcrt", 0, zeros20), network: "regtest", typ: "p2wpkh"},
		{in: segwit(t, "tb", 0, zeros32), network: "testnet", typ: "p2wsh"},
		{in: segwit(t, "sb", 1, zeros32), network: "simnet", typ: "p2tr"},
		// Other coins' version bytes: Litecoin (0x30), Tron (0x41).
		{in: "LWnbjLYUfqeokfbWM4FcU7uk2FP2DSxuWS", bad: "version byte 0x30"},
		{in: "TEAqwfMhXLaomXhZ8KeMhx3njGmQEDnsUR", bad: "version byte 0x41"},
		{in: base58.CheckEncode(make([]byte, 21), 0), bad: "payload of 21 bytes"},
		// BIP 173 and BIP 350 test vectors.
		{in: "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", network: "mainnet", typ: "p2wpkh"},
		{in: "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7", network: "testnet", typ: "p2wsh"},
		{in: "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y", network: "mainnet", typ: "witness_v1"},
		{in: "BC1SW50QGDZ25J", network: "mainnet", typ: "witness_v16"},
		{in: "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", network: "mainnet", typ: "p2tr"},
		{in: "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd", bad: "needs a bech32m checksum"},
		{in: "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh", bad: "needs a bech32 checksum, not bech32m"},
		{in: "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P", bad: "want 20 or 32"},
		{in: "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sL5k7", bad: "bad bech32"},
		{in: "tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut", bad: "not a bitcoin address"},
		// Real addresses from the data: the Sinbad.io and Wasabi ones.
		{in: "bc1qq7p0es3dv5hcynjjf40f2xjjr6qp5py47d2f6n847vduuq9gvnyq7y9ecd", network: "mainnet", typ: "p2wsh"},
		{in: "bc1qs604c7jv6amk4cxqlnvuxv26hv3e48cds4m0ew", network: "mainnet", typ: "p2wpkh"},
		{in: "", bad: "not a bitcoin address"},
		{in: strings.Repeat("1", 91), bad: "length 91"},
	}
	for _, tt := range tests {
		a, err := chains.ParseBitcoinAddress(tt.in)
		if tt.bad != "" {
			if err == nil || !strings.Contains(err.Error(), tt.bad) {
				t.Errorf("%q: got %+v, %v; want an error with %q", tt.in, a, err, tt.bad)
			}
			continue
		}
		if err != nil || a.Network != tt.network || a.Type != tt.typ {
			t.Errorf("%q: got %+v, %v; want %s %s", tt.in, a, err, tt.network, tt.typ)
			continue
		}
		if strings.ToLower(tt.in) != string(a.Address) && tt.in != string(a.Address) {
			t.Errorf("%q: canonical %q", tt.in, a.Address)
		}
	}
}

func TestParseAddress(t *testing.T) {
	tests := []struct {
		chain chains.Chain
		in    string
		want  string
		bad   bool
	}{
		{chains.Ethereum, "0xA160cdAB225685dA1d56aa342Ad8841c3b53f291", "0xa160cdab225685da1d56aa342ad8841c3b53f291", false},
		{chains.Ethereum, "0xA160cdAB225685dA1d56aa342Ad8841c3b53f292", "", true},
		{chains.Bitcoin, "3F2sZ4jbhvDKQdGbHYPC6ZxFXEau2m5Lqj", "3F2sZ4jbhvDKQdGbHYPC6ZxFXEau2m5Lqj", false},
		{chains.Bitcoin, "0xA160cdAB225685dA1d56aa342Ad8841c3b53f291", "", true},
		{"tron", "TEAqwfMhXLaomXhZ8KeMhx3njGmQEDnsUR", "", true},
	}
	for _, tt := range tests {
		got, err := ParseAddress(tt.chain, tt.in)
		if (err != nil) != tt.bad || string(got) != tt.want {
			t.Errorf("ParseAddress(%s, %q) = %q, %v", tt.chain, tt.in, got, err)
		}
	}
}
