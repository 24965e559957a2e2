package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestGenerateIsCommitted regenerates the built-in set from ../shared/data
// and compares it with the committed file, byte for byte: the generator is
// deterministic and the committed file is up to date.
func TestGenerateIsCommitted(t *testing.T) {
	data := filepath.Join("..", "..", "..", "..", "shared", "data")
	if _, err := os.Stat(filepath.Join(data, "PROVENANCE.md")); err != nil {
		t.Skipf("no shared data at %s: %v", data, err)
	}
	out := filepath.Join(t.TempDir(), "builtin.json")
	if err := run(data, out, io.Discard); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("..", "..", "builtin", "builtin.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("labels/builtin/builtin.json is not what the generator writes; run go generate ./labels")
	}
}
