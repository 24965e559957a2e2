package bitcoin

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/houndtrace/hound/chains"
)

// frames splits framed block file content into its frames.
func frames(t testing.TB, data []byte) [][]byte {
	t.Helper()
	var out [][]byte
	for len(data) > 0 {
		n := frameHeaderSize + int(binary.LittleEndian.Uint32(data[4:8]))
		out = append(out, data[:n])
		data = data[n:]
	}
	return out
}

// hashes lists the hashes of blocks.
func hashes(refs []BlockRef) []chains.Hash {
	out := make([]chains.Hash, len(refs))
	for i, r := range refs {
		out[i] = r.Hash
	}
	return out
}

// read reads block files for mainnet.
func read(t *testing.T, paths ...string) (*BlockSet, error) {
	t.Helper()
	return ReadBlockFiles(context.Background(), paths, Mainnet)
}

// TestShuffledFrames writes blocks 1-255 in a seeded random order, as
// Bitcoin Core writes blocks that arrive out of order: they come back in
// chain order.
func TestShuffledFrames(t *testing.T) {
	want := hashes(mainSegment(t).Blocks)
	fs := frames(t, readData(t, blocks1to255))
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(fs), func(i, j int) { fs[i], fs[j] = fs[j], fs[i] })
	set, err := read(t, writeTemp(t, "blk00000.dat", append(bytes.Join(fs, nil), make([]byte, 4096)...)))
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Segments) != 1 || !slices.Equal(hashes(set.Segments[0].Blocks), want) {
		t.Fatalf("%d segments; the shuffled blocks do not come back in chain order", len(set.Segments))
	}
	b, err := set.Segments[0].Block(context.Background(), 170)
	if err != nil || b.UTXOTxs[1].Hash.Format(chains.Bitcoin) != "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16" {
		t.Fatalf("block 170 from the shuffled file: %v", err)
	}
}

func TestBadBlockFiles(t *testing.T) {
	data := readData(t, blocks1to255)
	fs := frames(t, data)
	at := func(i int) int { return len(bytes.Join(fs[:i], nil)) }
	with := func(off int, b ...byte) []byte {
		out := bytes.Clone(data)
		copy(out[off:], b)
		return out
	}
	tests := []struct {
		name string
		data []byte
		want string // in the error
	}{
		{"truncated", data[:len(data)-10], "byte " + strconv.Itoa(at(len(fs)-1)) + ": truncated frame: it says 216 bytes, 206 are left"},
		{"truncated frame header", data[:at(3)+5], "byte " + strconv.Itoa(at(3)) + ": truncated frame: 5 bytes left"},
		{"testnet magic", with(0, 0x0b, 0x11, 0x09, 0x07), "byte 0: magic 0b110907 frames testnet3 blocks, not mainnet ones: use --network testnet3"},
		{"garbage magic", with(at(100), 0xde, 0xad, 0xbe, 0xef), "byte " + strconv.Itoa(at(100)) + ": magic deadbeef is no network's, want f9beb4d9 (mainnet)"},
		{"garbage at the start", with(0, 0xde, 0xad, 0xbe, 0xef), "starts with no network's magic (deadbeef), and is no single block either"},
		{"length too big", with(at(5)+4, 0x01, 0x09, 0x3d, 0x00), "byte " + strconv.Itoa(at(5)) + ": frame length 4000001 is not a block's"},
		{"length too small", with(at(5)+4, 79, 0, 0, 0), "frame length 79 is not a block's"},
		{"data after padding", append(append(bytes.Clone(data), make([]byte, 100)...), 1), "byte " + strconv.Itoa(len(data)) + ": zero padding ends at byte " + strconv.Itoa(len(data)+100)},
		{"empty", nil, "no mainnet blocks in it"},
		{"only padding", make([]byte, 1000), "no mainnet blocks in it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, "blk00000.dat", tt.data)
			_, err := read(t, path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one with %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %v does not name the file", err)
			}
		})
	}
	if _, err := ReadBlockFiles(context.Background(), []string{dataPath(t, blocks1to255)}, Testnet3); err == nil || !strings.Contains(err.Error(), "frames mainnet blocks, not testnet3 ones") {
		t.Errorf("mainnet blocks read for testnet3: %v", err)
	}
	if _, err := read(t, filepath.Join(t.TempDir(), "missing.dat")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file: %v", err)
	}
}

// TestCorruptedBlock flips a byte inside a transaction: the headers still
// index, and the block fails when it is read, naming the file, the
// offset and the block.
func TestCorruptedBlock(t *testing.T) {
	data := readData(t, blocks1to255)
	fs := frames(t, data)
	off := len(bytes.Join(fs[:169], nil)) // block 170's frame
	corrupt := bytes.Clone(data)
	corrupt[off+frameHeaderSize+headerSize+60] ^= 0x40 // in its coinbase
	path := writeTemp(t, "blk00000.dat", corrupt)
	set, err := read(t, path)
	if err != nil {
		t.Fatal(err)
	}
	seg := set.Segments[0]
	if _, err := seg.Block(context.Background(), 169); err != nil {
		t.Fatal(err)
	}
	_, err = seg.Block(context.Background(), 170)
	want := "read block file " + path + ": byte " + strconv.Itoa(off+frameHeaderSize) + ": block 00000000d1145790a8694403d4063f323d499e655c83426834d4ce2f8dd4a2ee at height 170: merkle root does not match"
	if !errors.Is(err, ErrMerkleRoot) || err.Error()[:len(want)] != want {
		t.Fatalf("error %v, want %q...", err, want)
	}
}

// TestFork reads blocks 1-255 with btcd's test chain, whose block 1
// differs from mainnet's: the longer branch is kept, the other's blocks
// are orphans. On a tie the branch found first in the files wins.
func TestFork(t *testing.T) {
	fork := hashes(frameRefs(t, readData(t, forkFile)))
	set, err := read(t, dataPath(t, blocks1to255), dataPath(t, forkFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Segments) != 1 || len(set.Segments[0].Blocks) != 256 || set.Segments[0].Blocks[0].File == "" {
		t.Fatalf("%d segments, want one of 256 blocks starting at the genesis block in the files", len(set.Segments))
	}
	if !slices.Equal(hashes(set.Orphans), fork[1:]) || set.Duplicates != 0 {
		t.Errorf("orphans %v, %d duplicates; want blocks 1-4 of the test chain", hashes(set.Orphans), set.Duplicates)
	}
	// Blocks 1-4 of mainnet against blocks 1-4 of the test chain.
	first4 := writeTemp(t, "first4.dat", bytes.Join(frames(t, readData(t, blocks1to255))[:4], nil))
	for _, order := range [][]string{{first4, dataPath(t, forkFile)}, {dataPath(t, forkFile), first4}} {
		set, err := read(t, order...)
		if err != nil {
			t.Fatal(err)
		}
		kept := set.Segments[0].Blocks[1].File
		if len(set.Segments) != 1 || len(set.Segments[0].Blocks) != 5 || kept != order[0] || len(set.Orphans) != 4 {
			t.Errorf("files %v: kept block 1 of %s, want the first file's", order, kept)
		}
	}
	set, err = read(t, dataPath(t, blocks1to255), dataPath(t, blocks1to255))
	if err != nil || set.Duplicates != 255 || len(set.Segments[0].Blocks) != 256 {
		t.Errorf("the same file twice: %v, %d duplicates", err, set.Duplicates)
	}
}

// frameRefs indexes framed content in memory.
func frameRefs(t *testing.T, data []byte) []BlockRef {
	t.Helper()
	f := &blockFile{path: "mem", held: data, size: int64(len(data))}
	refs, err := f.index(context.Background(), bytes.NewReader(data), Mainnet)
	if err != nil {
		t.Fatal(err)
	}
	return refs
}

// TestDetachedSegments reads blocks whose parents the files lack: their
// heights come from BIP 34, and blocks from before BIP 34 have none.
func TestDetachedSegments(t *testing.T) {
	ctx := context.Background()
	fs := frames(t, readData(t, blocks1to255))
	middle := writeTemp(t, "middle.dat", bytes.Join(fs[99:110], nil)) // blocks 100-110, version 1
	set, err := read(t, dataPath(t, file574200), middle, dataPath(t, file277647), dataPath(t, file540107), dataPath(t, blocks1to255))
	if err != nil {
		t.Fatal(err)
	}
	if set.Duplicates != 11 || len(set.Segments) != 4 {
		t.Fatalf("%d segments, %d duplicates; want 4 segments, 11 duplicates", len(set.Segments), set.Duplicates)
	}
	// Blocks 100-110 are also in blocks1-256, after their parent: the
	// middle file's copies come first and are the ones kept.
	wantFirst := []uint64{0, 277647, 540107, 574200}
	for i, seg := range set.Segments {
		if seg.First != wantFirst[i] || !seg.HeightKnown || seg.Detached != (i > 0) {
			t.Errorf("segment %d: first %d, known %v, detached %v; want first %d", i, seg.First, seg.HeightKnown, seg.Detached, wantFirst[i])
		}
	}
	seg := set.Segments[1]
	b, err := seg.Block(ctx, 277647)
	if err != nil || len(b.UTXOTxs) != 213 || b.Parent != seg.Parent() {
		t.Fatalf("block 277647: %v", err)
	}
	if _, err := seg.Block(ctx, 277648); !errors.Is(err, ErrNotFound) {
		t.Errorf("block 277648 of a one-block segment: %v", err)
	}

	set, err = read(t, middle)
	if err != nil {
		t.Fatal(err)
	}
	seg = set.Segments[0]
	if !seg.Detached || seg.HeightKnown || len(seg.Blocks) != 11 {
		t.Fatalf("blocks 100-110 alone: detached %v, height known %v", seg.Detached, seg.HeightKnown)
	}
	if _, err := seg.Head(ctx); !errors.Is(err, ErrHeightUnknown) || !strings.Contains(err.Error(), "segment of 11 blocks after ") {
		t.Errorf("Head: %v", err)
	}
	if _, err := seg.Block(ctx, 100); !errors.Is(err, ErrHeightUnknown) {
		t.Errorf("Block: %v", err)
	}
}

// TestObfuscatedFiles reads a block file obfuscated as Bitcoin Core 28
// and later write them, with the key in xor.dat beside it.
func TestObfuscatedFiles(t *testing.T) {
	data := readData(t, blocks1to255)
	key := []byte{0x13, 0x57, 0x9b, 0xdf, 0x02, 0x46, 0x8a, 0xce}
	hidden := bytes.Clone(data)
	applyXOR(hidden, key, 0)
	dir := t.TempDir()
	path := filepath.Join(dir, "blk00003.dat")
	if err := os.WriteFile(path, hidden, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := read(t, path); err == nil {
		t.Fatal("an obfuscated file read without its key")
	}
	if err := os.WriteFile(filepath.Join(dir, "xor.dat"), key, 0o644); err != nil {
		t.Fatal(err)
	}
	set, err := read(t, path)
	if err != nil {
		t.Fatal(err)
	}
	want := hashes(mainSegment(t).Blocks)
	if !slices.Equal(hashes(set.Segments[0].Blocks), want) {
		t.Fatal("the obfuscated file's blocks differ")
	}
	if _, err := set.Segments[0].Block(context.Background(), 255); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "xor.dat"), key[:7], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := read(t, path); err == nil || !strings.Contains(err.Error(), "want an 8-byte key") {
		t.Errorf("a 7-byte key: %v", err)
	}
}

func TestSegmentSource(t *testing.T) {
	ctx := context.Background()
	seg := mainSegment(t)
	if id, err := seg.Network(ctx); err != nil || id != "bitcoin:mainnet" || seg.Chain() != chains.Bitcoin {
		t.Errorf("network %q (%v), chain %s", id, err, seg.Chain())
	}
	if h, err := seg.BlockHash(ctx, 0); err != nil || h != Mainnet.Genesis() {
		t.Errorf("block 0: %s (%v)", h.Format(chains.Bitcoin), err)
	}
	if _, err := seg.BlockHash(ctx, 256); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "the files hold blocks 0 to 255") {
		t.Errorf("block 256: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := seg.Block(cancelled, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled Block: %v", err)
	}
}
