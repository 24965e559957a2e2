package labels

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/houndtrace/hound/chains"
)

// ParseAddress checks s as an address on the traced chain c and returns its
// canonical form. EVM addresses are checked by chains.ParseAddress (EIP-55 for
// mixed case) and lowercased; Bitcoin addresses are checked by
// chains.ParseBitcoinAddress (a script key "script:<hash>" is no label's
// address).
func ParseAddress(c chains.Chain, s string) (chains.Address, error) {
	switch {
	case c.IsEVM():
		return chains.ParseAddress(c, s)
	case c == chains.Bitcoin:
		a, err := chains.ParseBitcoinAddress(s)
		return a.Address, err
	}
	return "", fmt.Errorf("address %q: unknown chain %q", s, c)
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
