package bitcoin

import (
	"bytes"
	"compress/bzip2"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// dataDir holds real blocks copied from btcd's test data; see
// ../shared/data/PROVENANCE.md beside the repository.
const dataDir = "../../../shared/data/chain/btcd-2c67bc2"

// Real mainnet block files.
const (
	blocks1to255 = "blocks1-256.bz2"    // blocks 1-255, framed as in blk*.dat
	forkFile     = "blk_0_to_4.dat.bz2" // genesis and 4 blocks of a btcd test chain, framed
	file277647   = "277647.dat.bz2"     // block 277,647, framed
	file574200   = "block-0000000000000000001602407ac49862a7bca9d00f7f402db20b7be2f5de59d2.blk"
	file540107   = "block-00000000000000000021868c2cefc52a480d173c849412fe81c4e5ab806f94ab.blk"
)

// dataPath returns the path of a real data file, failing the test when
// the data is missing.
func dataPath(tb testing.TB, name string) string {
	tb.Helper()
	p := filepath.Join(dataDir, name)
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("real block data missing (see ../shared/data/PROVENANCE.md): %v", err)
	}
	return p
}

// readData returns the content of a real data file, decompressed.
func readData(tb testing.TB, name string) []byte {
	tb.Helper()
	raw, err := os.ReadFile(dataPath(tb, name))
	if err != nil {
		tb.Fatal(err)
	}
	if !bytes.HasPrefix(raw, []byte("BZh")) {
		return raw
	}
	out, err := io.ReadAll(bzip2.NewReader(bytes.NewReader(raw)))
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// writeTemp writes data to a new file in a test's temporary directory.
func writeTemp(tb testing.TB, name string, data []byte) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

// mustHex decodes hex written in a test.
func mustHex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func hexOf(b []byte) string { return hex.EncodeToString(b) }
