package chains

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/sha3"
)

// Address is an address in its chain's canonical form: on EVM chains
// lowercase hex with the 0x prefix. Pseudo-addresses that stand for no key
// (FeeSink, BeaconSink) are not valid chain addresses and never collide
// with one.
type Address string

// Pseudo-addresses: the other side of value that is created or destroyed by
// the protocol rather than sent by an address.
const (
	// FeeSink receives every transaction fee and pays the block's fee
	// recipient its part; what it keeps was burnt (EIP-1559 base fee, blob
	// fee).
	FeeSink Address = "fees"
	// BeaconSink is the source of beacon-chain withdrawals credited to
	// execution-layer addresses.
	BeaconSink Address = "beacon"
)

// ErrBadChecksum is returned for a mixed-case EVM address whose EIP-55
// checksum does not match.
var ErrBadChecksum = errors.New("wrong EIP-55 checksum")

// ParseAddress checks s as an address of chain c and returns its canonical
// form. EVM addresses are accepted in lowercase, uppercase or EIP-55 mixed
// case; a mixed-case address with a wrong checksum is rejected, since it is
// most likely mistyped.
func ParseAddress(c Chain, s string) (Address, error) {
	s = strings.TrimSpace(s)
	if c.IsEVM() {
		return parseEVMAddress(s)
	}
	if c == Bitcoin {
		return parseBitcoinAddress(s)
	}
	return "", fmt.Errorf("address %q: unknown chain %q", s, c)
}

func parseEVMAddress(s string) (Address, error) {
	if len(s) != 42 || (s[:2] != "0x" && s[:2] != "0X") {
		return "", fmt.Errorf("address %q: want 0x followed by 40 hex digits", s)
	}
	body := s[2:]
	if _, err := hex.DecodeString(body); err != nil {
		return "", fmt.Errorf("address %q: not hex", s)
	}
	lower := strings.ToLower(body)
	if body != lower && body != strings.ToUpper(body) {
		if want := eip55(lower); want != body {
			return "", fmt.Errorf("address %q: %w (did you mean 0x%s?)", s, ErrBadChecksum, want)
		}
	}
	return Address("0x" + lower), nil
}

// eip55 returns the EIP-55 mixed-case form of a lowercase hex address body.
func eip55(lower string) string {
	h := sha3.NewLegacyKeccak256()
	h.Write([]byte(lower))
	sum := h.Sum(nil)
	out := []byte(lower)
	for i, ch := range out {
		if ch < 'a' {
			continue
		}
		nibble := sum[i/2]
		if i%2 == 0 {
			nibble >>= 4
		}
		if nibble&0x0f >= 8 {
			out[i] = ch - 'a' + 'A'
		}
	}
	return string(out)
}

// Checksummed returns an EVM address in EIP-55 mixed case, for display. Other
// addresses are returned as they are.
func (a Address) Checksummed() string {
	s := string(a)
	if len(s) == 42 && s[:2] == "0x" {
		return "0x" + eip55(s[2:])
	}
	return s
}

// EVMAddress returns the canonical form of a 20-byte EVM address.
func EVMAddress(b [20]byte) Address {
	return Address("0x" + hex.EncodeToString(b[:]))
}

// parseBitcoinAddress accepts a valid Bitcoin address of any network (see
// ParseBitcoinAddress), or the "script:<sha256 hex>" key of a script
// without an address.
func parseBitcoinAddress(s string) (Address, error) {
	if body, ok := strings.CutPrefix(s, "script:"); ok {
		if _, err := hex.DecodeString(body); err != nil || len(body) != 64 {
			return "", fmt.Errorf("address %q: want script: followed by 64 hex digits", s)
		}
		return Address(strings.ToLower(s)), nil
	}
	a, err := ParseBitcoinAddress(s)
	return a.Address, err
}
