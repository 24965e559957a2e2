package ethereum

import (
	"encoding/hex"
	"strings"
	"testing"
)

// abiEncoded returns s as the ABI encoding of a string return value.
func abiEncoded(s string) []byte {
	out := make([]byte, 64, 64+32)
	out[31] = 32
	out[63] = byte(len(s))
	padded := make([]byte, (len(s)+31)/32*32)
	copy(padded, s)
	return append(out, padded...)
}

func TestDecodeSymbol(t *testing.T) {
	mkr, _ := hex.DecodeString("4d4b520000000000000000000000000000000000000000000000000000000000")
	lying := abiEncoded("USDC")
	lying[63] = 200 // length past the end
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"abi string", abiEncoded("USDC"), "USDC"},
		{"empty abi string", abiEncoded(""), ""},
		{"bytes32 (MKR)", mkr, "MKR"},
		{"length past the end", lying, ""},
		{"nothing", nil, ""},
		{"short", []byte{1, 2, 3}, ""},
		{"control characters", abiEncoded("A\x00B\nC\u202e"), "ABC"},
		{"invalid utf-8", abiEncoded("X\xffY"), "XY"},
		{"too long", abiEncoded(strings.Repeat("Z", 40)), strings.Repeat("Z", maxSymbol)},
	}
	for _, tt := range tests {
		if got := decodeSymbol(tt.in); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestDecodeDecimals(t *testing.T) {
	word := func(last byte) []byte { w := make([]byte, 32); w[31] = last; return w }
	big := word(1)
	big[30] = 1 // 257
	tests := []struct {
		name  string
		in    []byte
		want  uint8
		known bool
	}{
		{"18", word(18), 18, true},
		{"0", word(0), 0, true},
		{"255", word(255), 255, true},
		{"257", big, 0, false},
		{"empty", nil, 0, false},
		{"short", []byte{18}, 0, false},
	}
	for _, tt := range tests {
		got, known := decodeDecimals(tt.in)
		if got != tt.want || known != tt.known {
			t.Errorf("%s: got %d %v, want %d %v", tt.name, got, known, tt.want, tt.known)
		}
	}
}
