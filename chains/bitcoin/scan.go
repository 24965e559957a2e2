package bitcoin

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/chainhash/v2"
)

// Serialized size bounds used to reject counts that the remaining bytes
// cannot hold, before anything is allocated for them.
const (
	headerSize   = 80
	minTxSize    = 60 // version, one input, one output, lock time
	minInputSize = 41 // outpoint, empty script, sequence
	minOutSize   = 9  // value, empty script
)

// errShort says the bytes end before the structure they describe.
var errShort = errors.New("unexpected end of data")

// txSpan locates one transaction inside a serialized block.
type txSpan struct {
	start, end int // the whole transaction
	// body is the inputs and outputs, between the version (and the
	// segwit marker and flag) and the witnesses or the lock time.
	bodyStart, bodyEnd int
	witness            bool
}

// stripped returns the transaction's size without witness data.
func (s txSpan) stripped() int { return 4 + s.bodyEnd - s.bodyStart + 4 }

// vsize returns the transaction's virtual size: its weight (three times
// the stripped size plus the full size) divided by four, rounded up.
func (s txSpan) vsize() uint32 { return uint32((3*s.stripped() + s.end - s.start + 3) / 4) }

// txid hashes the transaction's serialization without witness data.
func (s txSpan) txid(raw []byte) chainhash.Hash {
	if !s.witness {
		first := sha256.Sum256(raw[s.start:s.end])
		return chainhash.Hash(sha256.Sum256(first[:]))
	}
	h := sha256.New()
	h.Write(raw[s.start : s.start+4])
	h.Write(raw[s.bodyStart:s.bodyEnd])
	h.Write(raw[s.end-4 : s.end])
	var first [32]byte
	return chainhash.Hash(sha256.Sum256(h.Sum(first[:0])))
}

// scanner walks serialized data, bounding every count and length by the
// bytes that remain.
type scanner struct {
	b   []byte
	off int
}

// left returns the number of unread bytes.
func (s *scanner) left() uint64 { return uint64(len(s.b) - s.off) }

// skip moves past n bytes.
func (s *scanner) skip(n uint64) error {
	if n > s.left() {
		return errShort
	}
	s.off += int(n)
	return nil
}

// varint reads a Bitcoin variable-length integer.
func (s *scanner) varint() (uint64, error) {
	if s.left() < 1 {
		return 0, errShort
	}
	var size uint64
	switch p := s.b[s.off]; p {
	case 0xfd:
		size = 2
	case 0xfe:
		size = 4
	case 0xff:
		size = 8
	default:
		s.off++
		return uint64(p), nil
	}
	if s.left() < 1+size {
		return 0, errShort
	}
	var v [8]byte
	copy(v[:], s.b[s.off+1:s.off+1+int(size)])
	s.off += 1 + int(size)
	return binary.LittleEndian.Uint64(v[:]), nil
}

// count reads a count of items that each take at least min bytes, and
// rejects one the remaining bytes cannot hold.
func (s *scanner) count(what string, min uint64) (uint64, error) {
	n, err := s.varint()
	if err != nil {
		return 0, err
	}
	if n > s.left()/min {
		return 0, fmt.Errorf("%d %s cannot fit in the %d bytes left", n, what, s.left())
	}
	return n, nil
}

// bytes skips a length-prefixed byte string.
func (s *scanner) bytes() error {
	n, err := s.varint()
	if err != nil {
		return err
	}
	return s.skip(n)
}

// scanBlock checks that raw has the shape of a serialized block, every
// count and length fitting in the bytes that follow it, and locates its
// transactions. It allocates in proportion to len(raw), never to a count
// read from it, so the decoder that follows never sees an absurd count.
func scanBlock(raw []byte) ([]txSpan, error) {
	s := &scanner{b: raw}
	if err := s.skip(headerSize); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	n, err := s.count("transactions", minTxSize)
	if err != nil {
		return nil, err
	}
	spans := make([]txSpan, n)
	for i := range spans {
		if spans[i], err = s.tx(); err != nil {
			return nil, fmt.Errorf("transaction %d at byte %d: %w", i, s.off, err)
		}
	}
	if s.left() != 0 {
		return nil, fmt.Errorf("%d bytes after the last transaction", s.left())
	}
	return spans, nil
}

// tx scans one transaction.
func (s *scanner) tx() (txSpan, error) {
	sp := txSpan{start: s.off}
	if err := s.skip(4); err != nil {
		return sp, err
	}
	if s.left() >= 2 && s.b[s.off] == 0 && s.b[s.off+1] != 0 {
		sp.witness = true // segwit marker and flag
		s.off += 2
	}
	sp.bodyStart = s.off
	ins, err := s.count("inputs", minInputSize)
	if err != nil {
		return sp, err
	}
	for range ins {
		if err := s.input(); err != nil {
			return sp, err
		}
	}
	outs, err := s.count("outputs", minOutSize)
	if err != nil {
		return sp, err
	}
	for range outs {
		if err := s.output(); err != nil {
			return sp, err
		}
	}
	sp.bodyEnd = s.off
	if sp.witness {
		for range ins {
			if err := s.witness(); err != nil {
				return sp, err
			}
		}
	}
	if err := s.skip(4); err != nil {
		return sp, err
	}
	sp.end = s.off
	return sp, nil
}

// input skips an outpoint, a signature script and a sequence number.
func (s *scanner) input() error {
	if err := s.skip(36); err != nil {
		return err
	}
	if err := s.bytes(); err != nil {
		return err
	}
	return s.skip(4)
}

// output skips a value and a public key script.
func (s *scanner) output() error {
	if err := s.skip(8); err != nil {
		return err
	}
	return s.bytes()
}

// witness skips one input's witness stack.
func (s *scanner) witness() error {
	n, err := s.count("witness items", 1)
	if err != nil {
		return err
	}
	for range n {
		if err := s.bytes(); err != nil {
			return err
		}
	}
	return nil
}
