package chains

import (
	"fmt"
	"strings"
)

// Chain names a blockchain as it is written on the command line and in JSON.
type Chain string

// The chains Hound knows.
const (
	Ethereum Chain = "ethereum"
	Bitcoin  Chain = "bitcoin"
)

// Known lists the chains Hound knows, in the order of their codes.
var Known = []Chain{Ethereum, Bitcoin}

// Code is the one-byte number that stands for the chain in store keys. It is
// fixed forever for a chain: changing it would orphan stored data.
func (c Chain) Code() byte {
	switch c {
	case Ethereum:
		return 1
	case Bitcoin:
		return 2
	}
	return 0
}

// ChainByCode returns the chain whose Code is b.
func ChainByCode(b byte) (Chain, bool) {
	for _, c := range Known {
		if c.Code() == b {
			return c, true
		}
	}
	return "", false
}

// IsEVM reports whether the chain uses Ethereum's account model and
// address format.
func (c Chain) IsEVM() bool { return c == Ethereum }

// ParseChain turns a chain name from user input into a Chain.
func ParseChain(s string) (Chain, error) {
	c := Chain(strings.ToLower(strings.TrimSpace(s)))
	for _, k := range Known {
		if c == k {
			return c, nil
		}
	}
	return "", fmt.Errorf("unknown chain %q (known: ethereum, bitcoin)", s)
}
