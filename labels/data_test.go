package labels

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// dataDir returns the shared data directory (../shared/data from the
// repository root, or $HOUND_SHARED_DATA) and skips the test when it is
// absent: the pinned counts are about that data.
func dataDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("HOUND_SHARED_DATA")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "data")
	}
	if _, err := os.Stat(filepath.Join(dir, "PROVENANCE.md")); err != nil {
		t.Skipf("no shared data at %s (set HOUND_SHARED_DATA): %v", dir, err)
	}
	return dir
}

// readData returns the bytes of a file of the shared data.
func readData(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir(t), filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// dataReader returns a reader over a file of the shared data.
func dataReader(t testing.TB, rel string) *bytes.Reader {
	t.Helper()
	return bytes.NewReader(readData(t, rel))
}

// countTraced counts the labels on chains Hound traces.
func countTraced(ls []Label) int {
	n := 0
	for _, l := range ls {
		if l.Traced() {
			n++
		}
	}
	return n
}

// count counts labels by a key.
func count(ls []Label, key func(Label) string) map[string]int {
	m := map[string]int{}
	for _, l := range ls {
		m[key(l)]++
	}
	return m
}

// find returns the labels of an address.
func find(ls []Label, addr string) []Label {
	var out []Label
	for _, l := range ls {
		if string(l.Address) == addr {
			out = append(out, l)
		}
	}
	return out
}

// wantList writes one expected item as fmt writes a list of it, or an
// empty list.
func wantList(s string) string {
	if s == "" {
		return "[]"
	}
	return "[" + s + "]"
}
