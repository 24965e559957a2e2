package labels

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/btcsuite/btcd/address/v2/base58"
	"github.com/btcsuite/btcd/address/v2/bech32"
	"github.com/btcsuite/btcd/chaincfg/v2"

	"github.com/houndtrace/hound/chains"
)

// ParseAddress checks s as an address on the traced chain c and returns its
// canonical form. EVM addresses are checked by chains.ParseAddress (EIP-55 for
// mixed case) and lowercased; Bitcoin addresses are checked by
// ParseBitcoinAddress.
func ParseAddress(c chains.Chain, s string) (chains.Address, error) {
	switch {
	case c.IsEVM():
		return chains.ParseAddress(c, s)
	case c == chains.Bitcoin:
		a, err := ParseBitcoinAddress(s)
		return a.Address, err
	}
	return "", fmt.Errorf("address %q: unknown chain %q", s, c)
}

// BitcoinAddress is a validated Bitcoin address.
type BitcoinAddress struct {
	Address chains.Address // canonical: base58 as given, bech32 lowercased
	Network string         // mainnet, testnet (also signet and regtest base58), regtest (bcrt), simnet
	Type    string         // p2pkh, p2sh, p2wpkh, p2wsh, p2tr, p2a, or witness_vN for future versions
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
			return BitcoinAddress{Address: chains.Address(s), Network: netName(p), Type: "p2pkh"}, nil
		case p.ScriptHashAddrID:
			return BitcoinAddress{Address: chains.Address(s), Network: netName(p), Type: "p2sh"}, nil
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
	a := BitcoinAddress{Address: chains.Address(strings.ToLower(s))}
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

// parseOpaqueAddress gives an address on a network Hound does not trace a
// light sanity check: 1 to 128 characters from letters, digits and ":._-".
// A 0x-prefixed 40-digit hex address is lowercased (its case carries at most
// a checksum, and not always EIP-55's: Zilliqa has its own).
func parseOpaqueAddress(s string) (chains.Address, error) {
	s = strings.TrimSpace(s)
	if evmForm(s) {
		return chains.Address("0x" + strings.ToLower(s[2:])), nil
	}
	if s == "" || len(s) > 128 {
		return "", fmt.Errorf("address %q: want 1 to 128 characters", s)
	}
	for _, r := range s {
		if !isAlnum(r) && !strings.ContainsRune(":._-", r) {
			return "", fmt.Errorf("address %q: unexpected character %q", s, r)
		}
	}
	return chains.Address(s), nil
}

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

// nativeCodes are the asset codes of each traced chain's own coin. A label
// whose network is one of these lives on the chain itself, so its Network is
// left empty.
var nativeCodes = map[chains.Chain][]string{
	chains.Ethereum: {"ETH"},
	chains.Bitcoin:  {"BTC", "XBT"},
}

// nativeCode returns the asset code written for the chain's own coin.
func nativeCode(c chains.Chain) string {
	if codes := nativeCodes[c]; len(codes) > 0 {
		return codes[0]
	}
	return strings.ToUpper(string(c))
}

// tokenCodes are assets issued on several chains whose address format alone
// tells which: USDT on Ethereum (0x…), on Bitcoin as Omni (1…, 3…), on Tron
// (T…); USDC on Ethereum or elsewhere.
var tokenCodes = map[string][]chains.Chain{
	"USDT": {chains.Ethereum, chains.Bitcoin},
	"USDC": {chains.Ethereum},
}

// resolve works out where an address lives from a chain name or an asset or
// network code (where: "ethereum", "ETH", "XBT", "USDT", "LTC", ...) and
// returns the chain (empty when untraced), the network code to record, and
// the canonical address. It is the one place the mapping of codes to chains
// is decided.
func resolve(where, address string) (chains.Chain, string, chains.Address, error) {
	where = strings.TrimSpace(where)
	if where == "" {
		return "", "", "", fmt.Errorf("address %q: no chain or network", address)
	}
	if c, err := chains.ParseChain(where); err == nil {
		a, err := ParseAddress(c, address)
		return c, "", a, err
	}
	code := strings.ToUpper(where)
	if !validCode(code) {
		return "", "", "", fmt.Errorf("network %q: want a chain name or an asset code", where)
	}
	for c, codes := range nativeCodes {
		for _, n := range codes {
			if n == code {
				a, err := ParseAddress(c, address)
				return c, "", a, err
			}
		}
	}
	for _, c := range tokenCodes[code] {
		if c.IsEVM() && evmForm(address) {
			// An EVM-form address of a token on an EVM chain must be valid
			// there: a bad checksum is a typo, not another network.
			a, err := ParseAddress(c, address)
			return c, code, a, err
		}
		if a, err := ParseAddress(c, address); err == nil {
			return c, code, a, nil
		}
	}
	a, err := parseOpaqueAddress(address)
	return "", code, a, err
}

// evmForm reports whether s is written like an EVM address: 0x and 40 hex
// digits.
func evmForm(s string) bool {
	s = strings.TrimSpace(s)
	if len(s) != 42 || !strings.HasPrefix(s, "0x") && !strings.HasPrefix(s, "0X") {
		return false
	}
	_, err := hex.DecodeString(s[2:])
	return err == nil
}

// validCode reports whether s can be a network or asset code: 2 to 20
// uppercase letters, digits, '.', '_' or '-', starting with a letter.
func validCode(s string) bool {
	if len(s) < 2 || len(s) > 20 || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}
