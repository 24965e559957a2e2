package trace

import (
	"math/big"
	"strings"
)

// eth returns a decimal amount of whole coins with 18 decimals ("9.999") in
// base units (wei), exactly.
func eth(s string) *big.Int {
	whole, frac, _ := strings.Cut(s, ".")
	v, ok := new(big.Int).SetString(whole+frac+strings.Repeat("0", 18-len(frac)), 10)
	if !ok || len(frac) > 18 {
		panic("bad amount " + s)
	}
	return v
}

// wei returns a decimal count of base units.
func wei(s string) *big.Int {
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic("bad amount " + s)
	}
	return v
}
