package main

import (
	"bytes"
	"compress/bzip2"
	"encoding/binary"
	"encoding/json"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// chainData is the real Bitcoin data in ../shared/data (see its
// PROVENANCE.md).
const chainData = "../../../shared/data/chain/btcd-2c67bc2/"

const (
	block574200  = chainData + "block-0000000000000000001602407ac49862a7bca9d00f7f402db20b7be2f5de59d2.blk"
	block540107  = chainData + "block-00000000000000000021868c2cefc52a480d173c849412fe81c4e5ab806f94ab.blk"
	blocks1to255 = chainData + "blocks1-256.bz2"
)

// TestBlock170 syncs mainnet blocks 1-255 from the framed file and shows
// the first person-to-person payment: 10 BTC to Hal Finney, spending block
// 9's coinbase.
func TestBlock170(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	out := mustHound(t, "sync", "bitcoin", "--blocks", blocks1to255, "--store", dir, "--quiet")
	if !strings.Contains(out, "synced blocks 0-255: 256 blocks") {
		t.Fatalf("sync said: %s", out)
	}
	var tx txJSON
	raw := mustHound(t, "tx", "bitcoin:f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16", "--store", dir, "--format", "json")
	if err := json.Unmarshal([]byte(raw), &tx); err != nil {
		t.Fatal(err)
	}
	want := txJSON{Block: 170, Index: 1, Fee: "0",
		Inputs: []inputJSON{{Spends: "0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9:0", Resolved: true,
			Address: "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S", Amount: "5000000000"}},
		Outputs: []outputJSON{
			{Index: 0, Address: "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3", Script: "p2pk", Amount: "1000000000", Display: "10"},
			{Index: 1, Address: "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S", Script: "p2pk", Amount: "4000000000", Display: "40",
				SpentBy: "a16f3ce4dd5deb92d98ef5cf8afeaf0775ebca408f708b2146c4fb42b41e14be:0"}},
	}
	if tx.Block != want.Block || tx.Index != want.Index || tx.Fee != want.Fee || len(tx.Inputs) != 1 || tx.Inputs[0] != want.Inputs[0] || len(tx.Outputs) != 2 {
		t.Fatalf("hound tx:\n%s", raw)
	}
	for i, o := range want.Outputs {
		got := tx.Outputs[i]
		got.PubKey = "" // checked below
		if got != o {
			t.Errorf("output %d = %+v, want %+v", i, got, o)
		}
		if len(tx.Outputs[i].PubKey) != 130 {
			t.Errorf("output %d: the P2PK key is not kept: %q", i, tx.Outputs[i].PubKey)
		}
	}
}

// TestDetachedBlocks syncs the two large raw mainnet blocks: each is stored
// as a detached range with its transactions and its inputs unresolved.
func TestDetachedBlocks(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	out := mustHound(t, "sync", "bitcoin", "--blocks", block574200+","+block540107, "--store", dir, "--quiet")
	for _, want := range []string{"stored blocks 574200-574200 as a detached range", "3315 transactions", "230 transactions"} {
		if !strings.Contains(out, want) {
			t.Errorf("sync lacks %q:\n%s", want, out)
		}
	}
	var info storeJSON
	if err := json.Unmarshal([]byte(mustHound(t, "store", "info", "--store", dir, "--format", "json")), &info); err != nil {
		t.Fatal(err)
	}
	c := info.Chains[0]
	if c.Txs != 3315+230 || c.Blocks != 2 || len(c.Detached) != 2 || c.Unresolved == 0 {
		t.Fatalf("store info: %+v", c)
	}
}

// frames splits a bz2 file of blk*.dat frames into its frames.
func frames(t *testing.T, path string) [][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	raw, err := io.ReadAll(bzip2.NewReader(f))
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for len(raw) >= 8 {
		n := int(binary.LittleEndian.Uint32(raw[4:8]))
		out = append(out, raw[:8+n])
		raw = raw[8+n:]
	}
	return out
}

func writeFile(t *testing.T, name string, parts ...[]byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, bytes.Join(parts, nil), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestBlockFileOrder syncs the frames of blocks 1-255 shuffled: the store
// equals the one synced from the ordered file, key by key. A shorter fork
// stored first is rolled back by the longer branch.
func TestBlockFileOrder(t *testing.T) {
	fs := frames(t, blocks1to255)
	rng := rand.New(rand.NewPCG(42, 7))
	rng.Shuffle(len(fs), func(i, j int) { fs[i], fs[j] = fs[j], fs[i] })
	shuffled := writeFile(t, "shuffled.dat", fs...)
	ordered, mixed, forked := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b"), filepath.Join(t.TempDir(), "c")
	mustHound(t, "sync", "bitcoin", "--blocks", blocks1to255, "--store", ordered, "--quiet")
	mustHound(t, "sync", "bitcoin", "--blocks", shuffled, "--store", mixed, "--quiet")
	sameKeys(t, "shuffled frames", storeKeys(t, mixed), storeKeys(t, ordered))

	// blk_0_to_4 is a btcd test chain whose block 1 differs from mainnet's.
	mustHound(t, "sync", "bitcoin", "--blocks", chainData+"blk_0_to_4.dat.bz2", "--store", forked, "--quiet", "--log-level", "error")
	out := mustHound(t, "sync", "bitcoin", "--blocks", blocks1to255, "--store", forked, "--quiet", "--log-level", "error")
	if !strings.Contains(out, "rolled back 4 orphaned block(s)") {
		t.Fatalf("sync over the fork said: %s", out)
	}
	sameKeys(t, "fork rolled back", storeKeys(t, forked), storeKeys(t, ordered))
}

// TestBadBlockFiles: a truncated file, a corrupted block, another
// network's magic: one clear line each, exit 2, and the store keeps what
// it had.
func TestBadBlockFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	mustHound(t, "sync", "bitcoin", "--blocks", block540107, "--store", dir, "--quiet")
	before := storeKeys(t, dir)
	fs := frames(t, blocks1to255)
	good, err := os.ReadFile(block574200)
	if err != nil {
		t.Fatal(err)
	}
	corrupt := bytes.Clone(good)
	corrupt[len(corrupt)/2] ^= 0x40 // inside some transaction: the merkle root no longer matches
	cases := []struct {
		name, file, want string
		extra            []string
	}{
		{"truncated", writeFile(t, "truncated.dat", append(bytes.Join(fs[:3], nil), fs[3][:100]...)), "truncated.dat", nil},
		{"corrupted", writeFile(t, "corrupt.blk", corrupt), "corrupt.blk", nil},
		{"wrong magic", writeFile(t, "mainnet.dat", fs[:5]...), "mainnet.dat", []string{"--network", "testnet"}},
	}
	for _, tc := range cases {
		args := append([]string{"sync", "bitcoin", "--blocks", tc.file, "--store", dir, "--quiet"}, tc.extra...)
		r := hound(t, args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("%s: exit %d, stderr %q; want exit %d and one line naming %s", tc.name, r.code, r.stderr, exitUsage, tc.want)
		}
	}
	sameKeys(t, "after bad block files", storeKeys(t, dir), before)
}
