package bitcoin

import (
	"bytes"
	"compress/bzip2"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"

	"github.com/btcsuite/btcd/wire/v2"

	"github.com/houndtrace/hound/chains"
)

// MaxBlockSize is the largest serialized block a block file may hold: a
// block's weight is at most 4,000,000 and no byte weighs less than one.
const MaxBlockSize = wire.MaxBlockPayload

// maxDecompressed bounds what one compressed block file may expand to;
// compressed files are held in memory.
const maxDecompressed = 1 << 30

// frameHeaderSize is the magic and the length that precede each block in
// a framed file.
const frameHeaderSize = 8

// BlockRef locates one block of a block file.
type BlockRef struct {
	Hash   chains.Hash
	Parent chains.Hash
	// File is the path of the file holding the block, and Offset where
	// the block starts in it (after decompression, for compressed files).
	// File is empty for a genesis block taken from the network's
	// parameters.
	File   string
	Offset int64
	Size   int
	src    *blockFile
}

// blockFile is one input file, readable at any offset.
type blockFile struct {
	path string
	// held is the file's content when it is kept in memory (compressed
	// files, the genesis block); nil means read the file from disk.
	held []byte
	size int64
	// xor is Bitcoin Core's obfuscation key (blocks/xor.dat), nil when
	// the file is stored in the clear.
	xor []byte
	// maxHeld bounds what a compressed file may expand to.
	maxHeld int64
}

// raw reads the bytes of block ref.
func (ref *BlockRef) raw() ([]byte, error) {
	f := ref.src
	if f.held != nil {
		return f.held[ref.Offset : ref.Offset+int64(ref.Size)], nil
	}
	buf := make([]byte, ref.Size)
	fh, err := os.Open(f.path)
	if err == nil {
		err = f.readAt(fh, buf, ref.Offset)
		fh.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("read block file %s: byte %d: %w", f.path, ref.Offset, err)
	}
	return buf, nil
}

// readAt reads len(buf) bytes at off, deobfuscated.
func (f *blockFile) readAt(r io.ReaderAt, buf []byte, off int64) error {
	if _, err := r.ReadAt(buf, off); err != nil {
		return err
	}
	applyXOR(buf, f.xor, off)
	return nil
}

// applyXOR undoes Bitcoin Core's obfuscation of buf, read at file offset
// off: each byte is XORed with the key byte at its offset modulo the key
// length.
func applyXOR(buf, key []byte, off int64) {
	if len(key) == 0 {
		return
	}
	k := int(off % int64(len(key)))
	for i := range buf {
		buf[i] ^= key[k]
		k = (k + 1) % len(key)
	}
}

// blkName matches the names Bitcoin Core gives its block files.
var blkName = regexp.MustCompile(`^blk\d+\.dat$`)

// xorKey reads the obfuscation key Bitcoin Core (28 and later) keeps in
// xor.dat beside its block files; it returns nil for files not named like
// Core's, for a missing xor.dat, and for an all-zero key.
func xorKey(path string) ([]byte, error) {
	if !blkName.MatchString(filepath.Base(path)) {
		return nil, nil
	}
	keyPath := filepath.Join(filepath.Dir(path), "xor.dat")
	key, err := os.ReadFile(keyPath)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, nil
	case err != nil:
		return nil, err
	case len(key) != 8:
		return nil, fmt.Errorf("%s: %d bytes, want an 8-byte key", keyPath, len(key))
	case bytes.Equal(key, make([]byte, 8)):
		return nil, nil
	}
	return key, nil
}

// indexFile reads the block headers of one file and locates its blocks.
// A file starting with "BZh" is bzip2-compressed and is decompressed into
// memory. A file starting with net's magic holds framed blocks; one
// starting otherwise must hold a single block.
func indexFile(ctx context.Context, path string, net *Network) ([]BlockRef, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, err
	}
	f := &blockFile{path: path, size: st.Size(), maxHeld: maxDecompressed}
	if f.xor, err = xorKey(path); err != nil {
		return nil, err
	}
	return f.open(ctx, fh, net)
}

// open decompresses f into memory if it is bzip2 data, then indexes it.
func (f *blockFile) open(ctx context.Context, r io.ReaderAt, net *Network) ([]BlockRef, error) {
	var start [3]byte
	if f.xor == nil && f.size >= 3 {
		if err := f.readAt(r, start[:], 0); err != nil {
			return nil, err
		}
	}
	if string(start[:]) == "BZh" {
		held, err := decompress(io.NewSectionReader(r, 0, f.size), f.maxHeld)
		if err != nil {
			return nil, err
		}
		f.held, f.size, r = held, int64(len(held)), bytes.NewReader(held)
	}
	return f.index(ctx, r, net)
}

// decompress reads a whole bzip2 stream, at most limit bytes of it.
func decompress(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(bzip2.NewReader(r), limit+1))
	if err != nil {
		return nil, fmt.Errorf("bzip2: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("decompresses to more than %d bytes: decompress it first", limit)
	}
	return data, nil
}

// index locates the blocks of f, read through r.
func (f *blockFile) index(ctx context.Context, r io.ReaderAt, net *Network) ([]BlockRef, error) {
	var magic [4]byte
	if f.size >= 4 {
		if err := f.readAt(r, magic[:], 0); err != nil {
			return nil, err
		}
	}
	if _, known := networkByMagic(magic); !known && magic != [4]byte{} {
		return f.single(r)
	}
	var refs []BlockRef
	for off := int64(0); off < f.size; {
		if len(refs)%1024 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		ref, next, err := f.frame(r, off, net)
		if err != nil {
			return nil, fmt.Errorf("byte %d: %w", off, err)
		}
		if ref == nil {
			break // zero padding up to the end
		}
		refs = append(refs, *ref)
		off = next
	}
	return refs, nil
}

// frame reads the frame at off: the block it holds and the offset of the
// next frame, or a nil block when zero padding runs from off to the end.
func (f *blockFile) frame(r io.ReaderAt, off int64, net *Network) (*BlockRef, int64, error) {
	left := f.size - off
	var hdr [frameHeaderSize + headerSize]byte
	if err := f.readAt(r, hdr[:min(left, frameHeaderSize)], off); err != nil {
		return nil, 0, err
	}
	if bytes.Equal(hdr[:min(left, 4)], make([]byte, min(left, 4))) {
		return nil, 0, f.checkPadding(r, off)
	}
	if left < frameHeaderSize {
		return nil, 0, fmt.Errorf("truncated frame: %d bytes left, a frame header takes %d", left, frameHeaderSize)
	}
	if err := checkMagic([4]byte(hdr[:4]), net); err != nil {
		return nil, 0, err
	}
	size := int64(binary.LittleEndian.Uint32(hdr[4:8]))
	switch {
	case size < headerSize || size > MaxBlockSize:
		return nil, 0, fmt.Errorf("frame length %d is not a block's (%d to %d bytes)", size, headerSize, MaxBlockSize)
	case size > left-frameHeaderSize:
		return nil, 0, fmt.Errorf("truncated frame: it says %d bytes, %d are left", size, left-frameHeaderSize)
	}
	if err := f.readAt(r, hdr[frameHeaderSize:], off+frameHeaderSize); err != nil {
		return nil, 0, err
	}
	ref := f.ref(hdr[frameHeaderSize:], off+frameHeaderSize, int(size))
	return &ref, off + frameHeaderSize + size, nil
}

// ref describes the block of size bytes at off whose header is hdr.
func (f *blockFile) ref(hdr []byte, off int64, size int) BlockRef {
	return BlockRef{Hash: headerHash(hdr), Parent: parentHash(hdr), File: f.path, Offset: off, Size: size, src: f}
}

// parentHash reads the previous block's hash from a block header.
func parentHash(hdr []byte) chains.Hash {
	var h chains.Hash
	for i := range h {
		h[i] = hdr[4+31-i]
	}
	return h
}

// checkMagic checks that a frame's magic is net's.
func checkMagic(m [4]byte, net *Network) error {
	if m == net.magicBytes() {
		return nil
	}
	if other, ok := networkByMagic(m); ok {
		return fmt.Errorf("magic %x frames %s blocks, not %s ones: use --network %s", m[:], other.Name, net.Name, other.Name)
	}
	want := net.magicBytes()
	return fmt.Errorf("magic %x is no network's, want %x (%s)", m[:], want[:], net.Name)
}

// checkPadding checks that only zero bytes follow off.
func (f *blockFile) checkPadding(r io.ReaderAt, off int64) error {
	buf := make([]byte, 64<<10)
	for pos := off; pos < f.size; pos += int64(len(buf)) {
		chunk := buf[:min(int64(len(buf)), f.size-pos)]
		if err := f.readAt(r, chunk, pos); err != nil {
			return err
		}
		for i, b := range chunk {
			if b != 0 {
				return fmt.Errorf("zero padding ends at byte %d, but a frame must start with a magic", pos+int64(i))
			}
		}
	}
	return nil
}

// single locates the one block of an unframed file, after checking that
// the whole file has a block's shape.
func (f *blockFile) single(r io.ReaderAt) ([]BlockRef, error) {
	if f.size < headerSize || f.size > MaxBlockSize {
		return nil, fmt.Errorf("starts with no network's magic, and at %d bytes is no single block either", f.size)
	}
	raw := make([]byte, f.size)
	if err := f.readAt(r, raw, 0); err != nil {
		return nil, err
	}
	if _, err := scanBlock(raw); err != nil {
		return nil, fmt.Errorf("starts with no network's magic (%s), and is no single block either: %w", hex.EncodeToString(raw[:4]), err)
	}
	return []BlockRef{f.ref(raw[:headerSize], 0, len(raw))}, nil
}
