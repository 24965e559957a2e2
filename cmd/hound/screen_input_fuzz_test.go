package main

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzScreenInput: any file handed to --input (CSV or JSON lines, from a
// customer's export) reads without a panic, and every row it yields either
// parses into a subject or carries its error.
func FuzzScreenInput(f *testing.F) {
	for _, s := range []string{
		"id,chain,address,tx\nr1,ethereum,0x098b716b8aaf21512996dc57eb0615e2383e2f96,\nr2,bitcoin,,4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b:0\n",
		"id,subject\na,ethereum:0xzz\nb,\"unterminated\n",
		`{"id":"x","chain":"ethereum","address":"0x098b716b8aaf21512996dc57eb0615e2383e2f96"}` + "\n{not json\n" + `{"subject":"bitcoin:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa","tx":"00"}`,
		"", "\n\n", "chain\n,\n",
	} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "rows")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		rows, err := readScreenInput(path)
		if err != nil {
			return
		}
		for i, r := range rows {
			if r.err == nil && r.sub.Chain == "" {
				t.Fatalf("row %d (%+v): neither a subject nor an error", i, r)
			}
		}
	})
}
