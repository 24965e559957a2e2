package chains

import (
	"fmt"
	"strconv"
	"strings"
)

// Subject is what a user names on the command line: an address or a
// transaction on a chain, written "<chain>:<address|txid>".
type Subject struct {
	Chain   Chain
	Address Address // set when the subject is an address
	Tx      Hash    // set when the subject is a transaction
	IsTx    bool
	// Index, with HasIndex, names one deposit of the transaction: a
	// Bitcoin output (vout), or an EVM transfer at that ordinal of the
	// transaction (as hound tx lists it).
	Index    uint32
	HasIndex bool
}

// ParseSubject reads "<chain>:<address|txid>" or one deposit,
// "<chain>:<txid>:<n>". A 64-hex-digit value (with 0x on EVM chains: 66
// characters) is a transaction; anything else must be a valid address of
// the chain.
func ParseSubject(s string) (Subject, error) {
	name, rest, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || rest == "" {
		return Subject{}, fmt.Errorf("subject %q: want <chain>:<address|txid>, e.g. ethereum:0x098b716b8aaf21512996dc57eb0615e2383e2f96", s)
	}
	c, err := ParseChain(name)
	if err != nil {
		return Subject{}, fmt.Errorf("subject %q: %w", s, err)
	}
	rest, index, hasIndex := strings.Cut(rest, ":")
	body := strings.TrimPrefix(strings.TrimPrefix(rest, "0x"), "0X")
	if len(body) == 64 {
		h, err := ParseHash(c, rest)
		if err != nil {
			return Subject{}, fmt.Errorf("subject %q: %w", s, err)
		}
		sub := Subject{Chain: c, Tx: h, IsTx: true, HasIndex: hasIndex}
		if hasIndex {
			n, err := strconv.ParseUint(index, 10, 32)
			if err != nil {
				return Subject{}, fmt.Errorf("subject %q: deposit index %q: want a number (a Bitcoin vout, an EVM transfer's ordinal)", s, index)
			}
			sub.Index = uint32(n)
		}
		return sub, nil
	}
	if hasIndex {
		return Subject{}, fmt.Errorf("subject %q: only a transaction takes :<n>", s)
	}
	a, err := ParseAddress(c, rest)
	if err != nil {
		return Subject{}, fmt.Errorf("subject %q: %w", s, err)
	}
	return Subject{Chain: c, Address: a}, nil
}

// TxSubject parses a subject that must name a transaction.
func TxSubject(s string) (Subject, error) {
	sub, err := ParseSubject(s)
	if err == nil && !sub.IsTx {
		err = fmt.Errorf("subject %q: want <chain>:<txid>, got an address", s)
	}
	return sub, err
}

// AddressSubject parses a subject that must name an address.
func AddressSubject(s string) (Subject, error) {
	sub, err := ParseSubject(s)
	if err == nil && sub.IsTx {
		err = fmt.Errorf("subject %q: want <chain>:<address>, got a transaction hash", s)
	}
	return sub, err
}
