package ethereum

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"unicode"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/houndtrace/hound/chains"
)

// Function selectors of the ERC-20 metadata getters.
var (
	selectorDecimals = hexutil.Bytes{0x31, 0x3c, 0xe5, 0x67} // decimals()
	selectorSymbol   = hexutil.Bytes{0x95, 0xd8, 0x9b, 0x41} // symbol()
)

// maxSymbol caps the length of a symbol, in runes.
const maxSymbol = 32

// callArgs is the transaction object of eth_call.
type callArgs struct {
	To   common.Address `json:"to"`
	Data hexutil.Bytes  `json:"data"`
}

// Token reads a token contract's decimals() and symbol() at the latest
// block, in one batch. A contract that does not answer decimals() (it
// reverts, has no code or answers garbage) gives Known false, not an
// error; a symbol() that does not answer leaves Symbol empty. Symbols may be
// ABI strings or, as with old tokens like MKR, bytes32. The native asset is
// ETH with 18 decimals.
func (s *Source) Token(ctx context.Context, asset chains.Asset) (chains.Token, error) {
	if asset == chains.Native {
		return chains.Token{Asset: asset, Symbol: "ETH", Decimals: 18, Known: true}, nil
	}
	addr, err := chains.ParseAddress(chains.Ethereum, string(asset))
	if err != nil {
		return chains.Token{}, fmt.Errorf("read token %s: %w", asset, err)
	}
	to := common.HexToAddress(string(addr))
	var decimals, symbol hexutil.Bytes
	elems := []rpc.BatchElem{
		{Method: "eth_call", Args: []any{callArgs{To: to, Data: selectorDecimals}, "latest"}, Result: &decimals},
		{Method: "eth_call", Args: []any{callArgs{To: to, Data: selectorSymbol}, "latest"}, Result: &symbol},
	}
	if err := s.batch(ctx, elems); err != nil {
		return chains.Token{}, fmt.Errorf("read token %s: %w", asset, err)
	}
	// An error left in an element is the node's answer to that call (a
	// revert, say) or an undecodable result: the contract did not answer.
	// Transport failures never get here, batch returns them.
	tok := chains.Token{Asset: chains.Asset(addr)}
	if elems[0].Error == nil {
		tok.Decimals, tok.Known = decodeDecimals(decimals)
	}
	if elems[1].Error == nil {
		tok.Symbol = decodeSymbol(symbol)
	}
	return tok, nil
}

// decodeDecimals reads a uint8 from the answer to decimals(): a 32-byte
// word whose value fits in a byte.
func decodeDecimals(b []byte) (uint8, bool) {
	if len(b) < 32 || !zero(b[:31]) {
		return 0, false
	}
	return b[31], true
}

// decodeSymbol reads the answer to symbol(): an ABI-encoded string or a
// bytes32 padded with zeros. Anything else gives "".
func decodeSymbol(b []byte) string {
	if s, ok := abiString(b); ok {
		return clean(s)
	}
	if len(b) >= 32 {
		return clean(bytes.TrimRight(b[:32], "\x00"))
	}
	return ""
}

// abiString decodes a dynamic ABI string (offset word, length word, bytes)
// with every bound checked.
func abiString(b []byte) ([]byte, bool) {
	return abiStringAt(b, 0)
}

// abiStringAt decodes a dynamic ABI string whose offset is the word at
// head of b, with every bound checked.
func abiStringAt(b []byte, head uint64) ([]byte, bool) {
	off, ok := word(b, head)
	if !ok {
		return nil, false
	}
	n, ok := word(b, off)
	if !ok || n > uint64(len(b))-off-32 {
		return nil, false
	}
	start := off + 32
	return b[start : start+n], true
}

// word reads the 32-byte big-endian word at off of b as a uint64, if it is
// within b and small enough.
func word(b []byte, off uint64) (uint64, bool) {
	if off > uint64(len(b)) || uint64(len(b))-off < 32 {
		return 0, false
	}
	w := b[off : off+32]
	if !zero(w[:24]) {
		return 0, false
	}
	return binary.BigEndian.Uint64(w[24:]), true
}

// zero reports whether every byte of b is zero.
func zero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// clean makes a symbol safe to display: valid UTF-8, printable runes only,
// trimmed and at most maxSymbol runes.
func clean(b []byte) string {
	s := strings.ToValidUTF8(string(b), "")
	s = strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return -1
	}, s)
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > maxSymbol {
		s = string(r[:maxSymbol])
	}
	return s
}
