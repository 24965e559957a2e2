package chains

import (
	"errors"
	"fmt"
	"strings"

	"github.com/btcsuite/btcd/address/v2/base58"
	"github.com/btcsuite/btcd/address/v2/bech32"
	"github.com/btcsuite/btcd/chaincfg/v2"
)

// BitcoinAddress is a validated Bitcoin address.
type BitcoinAddress struct {
	Address Address // canonical: base58 as given, bech32 lowercased
	Network string  // mainnet, testnet (also signet and regtest base58), regtest (bcrt), simnet
	Type    string  // p2pkh, p2sh, p2wpkh, p2wsh, p2tr, p2a, or witness_vN for future versions
}

// bitcoinNets are the networks whose address prefixes Hound tells apart.
// Testnet4 and signet share testnet3's prefixes; regtest shares its base58
// version bytes but has its own bech32 prefix.
var bitcoinNets = []*chaincfg.Params{&chaincfg.MainNetParams, &chaincfg.TestNet3Params, &chaincfg.RegressionNetParams, &chaincfg.SimNetParams}

func netName(p *chaincfg.Params) string {
	if p == &chaincfg.TestNet3Params {
		return "testnet"
	}
	return p.Name
}

// ParseBitcoinAddress checks s as a Bitcoin address: base58check P2PKH or
// P2SH with a known network's version byte, or a bech32 (witness version 0)
// or bech32m (version 1 and up) segwit address with a known network's
// human-readable prefix (bc, tb, bcrt, sb) and a valid witness program.
func ParseBitcoinAddress(s string) (BitcoinAddress, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 90 {
		return BitcoinAddress{}, fmt.Errorf("address %q: not a bitcoin address (length %d)", s, len(s))
	}
	if sep := strings.LastIndexByte(s, '1'); sep > 0 {
		hrp := strings.ToLower(s[:sep])
		for _, p := range bitcoinNets {
			if hrp == p.Bech32HRPSegwit {
				a, err := parseSegwit(s)
				if err != nil {
					return BitcoinAddress{}, fmt.Errorf("address %q: %w", s, err)
				}
				a.Network = netName(p)
				return a, nil
			}
		}
	}
	payload, version, err := base58.CheckDecode(s)
	if err != nil {
		if errors.Is(err, base58.ErrChecksum) {
			return BitcoinAddress{}, fmt.Errorf("address %q: wrong base58check checksum", s)
		}
		return BitcoinAddress{}, fmt.Errorf("address %q: not a bitcoin address", s)
	}
	if len(payload) != 20 {
		return BitcoinAddress{}, fmt.Errorf("address %q: base58 payload of %d bytes, want 20", s, len(payload))
	}
	for _, p := range bitcoinNets {
		switch version {
		case p.PubKeyHashAddrID:
			return BitcoinAddress{Address: Address(s), Network: netName(p), Type: "p2pkh"}, nil
		case p.ScriptHashAddrID:
			return BitcoinAddress{Address: Address(s), Network: netName(p), Type: "p2sh"}, nil
		}
	}
	return BitcoinAddress{}, fmt.Errorf("address %q: version byte 0x%02x is no bitcoin network's (another coin?)", s, version)
}

// parseSegwit checks a bech32/bech32m segwit address (BIP 173, BIP 350).
func parseSegwit(s string) (BitcoinAddress, error) {
	_, data, enc, err := bech32.DecodeGeneric(s)
	if err != nil {
		return BitcoinAddress{}, fmt.Errorf("bad bech32: %v", err)
	}
	if len(data) < 1 || data[0] > 16 {
		return BitcoinAddress{}, errors.New("bad witness version")
	}
	ver := data[0]
	prog, err := bech32.ConvertBits(data[1:], 5, 8, false)
	if err != nil {
		return BitcoinAddress{}, fmt.Errorf("bad witness program: %v", err)
	}
	if len(prog) < 2 || len(prog) > 40 {
		return BitcoinAddress{}, fmt.Errorf("witness program of %d bytes, want 2-40", len(prog))
	}
	if ver == 0 && enc != bech32.Version0 {
		return BitcoinAddress{}, errors.New("witness version 0 needs a bech32 checksum, not bech32m")
	}
	if ver > 0 && enc != bech32.VersionM {
		return BitcoinAddress{}, fmt.Errorf("witness version %d needs a bech32m checksum", ver)
	}
	a := BitcoinAddress{Address: Address(strings.ToLower(s))}
	switch {
	case ver == 0 && len(prog) == 20:
		a.Type = "p2wpkh"
	case ver == 0 && len(prog) == 32:
		a.Type = "p2wsh"
	case ver == 0:
		return BitcoinAddress{}, fmt.Errorf("witness version 0 program of %d bytes, want 20 or 32", len(prog))
	case ver == 1 && len(prog) == 32:
		a.Type = "p2tr"
	case ver == 1 && len(prog) == 2 && prog[0] == 0x4e && prog[1] == 0x73:
		a.Type = "p2a"
	default:
		a.Type = fmt.Sprintf("witness_v%d", ver)
	}
	return a, nil
}
