package bitcoin

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/houndtrace/hound/chains"
)

// mainSegment reads blocks 1-255 and returns their segment.
func mainSegment(t *testing.T) *Segment {
	t.Helper()
	set, err := ReadBlockFiles(context.Background(), []string{dataPath(t, blocks1to255)}, Mainnet)
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Segments) != 1 || len(set.Orphans) != 0 || set.Duplicates != 0 {
		t.Fatalf("%d segments, %d orphans, %d duplicates; want one segment", len(set.Segments), len(set.Orphans), set.Duplicates)
	}
	return set.Segments[0]
}

func TestMainnetBlocks1To255(t *testing.T) {
	ctx := context.Background()
	seg := mainSegment(t)
	if head, err := seg.Head(ctx); err != nil || seg.First != 0 || seg.Detached || len(seg.Blocks) != 256 || head != 255 {
		t.Fatalf("segment from %d, detached %v, %d blocks, head %d (%v); want the genesis block and blocks 1-255",
			seg.First, seg.Detached, len(seg.Blocks), head, err)
	}
	if g := seg.Blocks[0]; g.File != "" || g.Hash != Mainnet.Genesis() {
		t.Errorf("block 0 is %s from %q, want the genesis block from the parameters", g.Hash.Format(chains.Bitcoin), g.File)
	}
	// The headers of blocks 1-11, as published.
	lines := strings.Fields(string(readData(t, "blockheaders-mainnet-1-11.txt")))
	for i, line := range lines {
		want := headerHash(mustHex(t, line))
		if got := seg.Blocks[i+1].Hash; got != want {
			t.Errorf("block %d: hash %s, the published header hashes to %s", i+1, got.Format(chains.Bitcoin), want.Format(chains.Bitcoin))
		}
	}
	var txs int
	for n := uint64(0); n <= 255; n++ {
		b, err := seg.Block(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		if b.Number != n || b.Hash != seg.Blocks[n].Hash || (n > 0 && b.Parent != seg.Blocks[n-1].Hash) || b.Chain != chains.Bitcoin {
			t.Fatalf("block %d: number %d, hash %s, parent %s", n, b.Number, b.Hash.Format(chains.Bitcoin), b.Parent.Format(chains.Bitcoin))
		}
		txs += len(b.UTXOTxs)
	}
	if txs != 263 {
		t.Errorf("%d transactions in blocks 0-255, want 263", txs)
	}
}

// TestBlock170 checks the first payment between people: 10 BTC from
// Satoshi Nakamoto to Hal Finney, spending the coinbase of block 9.
func TestBlock170(t *testing.T) {
	ctx := context.Background()
	seg := mainSegment(t)
	b9, err := seg.Block(ctx, 9)
	if err != nil {
		t.Fatal(err)
	}
	cb := b9.UTXOTxs[0]
	if !cb.Coinbase() || cb.Hash.Format(chains.Bitcoin) != "0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9" {
		t.Fatalf("block 9's coinbase: %s", cb.Hash.Format(chains.Bitcoin))
	}
	b, err := seg.Block(ctx, 170)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.UTXOTxs) != 2 {
		t.Fatalf("block 170 has %d transactions, want 2", len(b.UTXOTxs))
	}
	tx := b.UTXOTxs[1]
	if tx.Hash.Format(chains.Bitcoin) != "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16" || tx.Index != 1 || tx.Version != 1 || tx.LockTime != 0 {
		t.Fatalf("tx %s at %d, version %d, lock time %d", tx.Hash.Format(chains.Bitcoin), tx.Index, tx.Version, tx.LockTime)
	}
	wantIn := chains.Outpoint{Tx: cb.Hash, Index: 0}
	if len(tx.Inputs) != 1 || tx.Inputs[0].Prev != wantIn || tx.Inputs[0].Coinbase || tx.Inputs[0].Resolved {
		t.Errorf("inputs %+v, want one spending %s", tx.Inputs, wantIn)
	}
	hal := "04ae1a62fe09c5f51b13905f07f06b99a2f7159b2225f374cd378d71302fa28414e7aab37397f554a7df5f142c21c1b7303b8a0626f1baded5c72a704f7e6cd84c"
	want := []struct {
		value uint64
		kind  chains.ScriptKind
		addr  chains.Address
		key   string
	}{
		{1_000_000_000, chains.ScriptP2PK, "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3", hal},
		{4_000_000_000, chains.ScriptP2PK, "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S", ""},
	}
	if len(tx.Outputs) != len(want) {
		t.Fatalf("%d outputs, want %d", len(tx.Outputs), len(want))
	}
	for i, w := range want {
		o := tx.Outputs[i]
		if o.Value != w.value || o.Kind != w.kind || o.Address != w.addr || (w.key != "" && hexOf(o.PubKey) != w.key) || len(o.PubKey) != 65 {
			t.Errorf("output %d: %d sat %s %s key %x; want %d sat %s %s", i, o.Value, o.Kind, o.Address, o.PubKey, w.value, w.kind, w.addr)
		}
	}
	if tx.VSize != 275 {
		t.Errorf("vsize %d, want 275", tx.VSize)
	}
}

// TestLargeBlocks parses two real blocks of the segwit era and checks every
// txid and virtual size against what btcd's wire package computes.
func TestLargeBlocks(t *testing.T) {
	tests := []struct {
		file   string
		height uint64 // from BIP 34
		txs    int
	}{
		{file574200, 574200, 3315},
		{file540107, 540107, 230},
	}
	for _, tt := range tests {
		raw := readData(t, tt.file)
		var mb wire.MsgBlock
		if err := mb.Deserialize(bytes.NewReader(raw)); err != nil {
			t.Fatal(err)
		}
		if h, ok := BIP34Height(&mb); !ok || h != tt.height {
			t.Errorf("%s: BIP 34 height %d (%v), want %d", tt.file, h, ok, tt.height)
		}
		b, err := ParseBlock(raw, tt.height, Mainnet)
		if err != nil {
			t.Fatal(err)
		}
		if name := "block-" + b.Hash.Format(chains.Bitcoin) + ".blk"; name != tt.file || len(b.UTXOTxs) != tt.txs {
			t.Fatalf("%s: parsed as %s with %d transactions, want %d", tt.file, name, len(b.UTXOTxs), tt.txs)
		}
		var witness, nulldata int
		for i, tx := range b.UTXOTxs {
			m := mb.Transactions[i]
			id := m.TxHash()
			vsize := (m.SerializeSizeStripped()*3 + m.SerializeSize() + 3) / 4
			if tx.Hash != displayHash(&id) || tx.VSize != uint32(vsize) || tx.Index != uint32(i) || len(tx.Outputs) != len(m.TxOut) {
				t.Fatalf("%s tx %d: %s vsize %d, want %s vsize %d", tt.file, i, tx.Hash.Format(chains.Bitcoin), tx.VSize, id, vsize)
			}
			if m.HasWitness() {
				witness++
			}
			for _, o := range tx.Outputs {
				if o.Address == "" && o.Kind != chains.ScriptNullData {
					t.Errorf("%s tx %d: an output of kind %s without an address", tt.file, i, o.Kind)
				}
				if o.Kind == chains.ScriptNullData {
					nulldata++
				}
			}
		}
		if witness == 0 || nulldata == 0 {
			t.Errorf("%s: %d segwit transactions, %d OP_RETURN outputs; the fixture has both", tt.file, witness, nulldata)
		}
	}
}

func TestParseBlockErrors(t *testing.T) {
	raw := readData(t, file540107)
	hash := "00000000000000000021868c2cefc52a480d173c849412fe81c4e5ab806f94ab"
	spans, err := scanBlock(raw)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(off int) []byte {
		b := bytes.Clone(raw)
		b[off] ^= 0x01
		return b
	}
	tests := []struct {
		name string
		raw  []byte
		want string // in the error
		is   error
	}{
		{"short", raw[:79], "79 bytes, shorter than a block header", nil},
		{"header only", raw[:80], "block " + hash + " at height 7: unexpected end of data", nil},
		{"truncated", raw[:len(raw)-1], "block " + hash + " at height 7: transaction 229", nil},
		{"trailing byte", append(bytes.Clone(raw), 0), "1 bytes after the last transaction", nil},
		{"flipped byte in an outpoint", flip(spans[1].bodyStart + 5), "block " + hash + " at height 7: merkle root does not match", ErrMerkleRoot},
		{"absurd tx count", append(bytes.Clone(raw[:80]), 0xfe, 0xff, 0xff, 0xff, 0x7f), "transactions cannot fit", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseBlock(tt.raw, 7, Mainnet)
			if err == nil || !strings.Contains(err.Error(), tt.want) || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Errorf("error %v, want one with %q", err, tt.want)
			}
		})
	}
}

// TestMutatedMerkleTree repeats the last transaction of a block with an
// odd number of them: the merkle root stays the same, and ParseBlock
// refuses the block (CVE-2012-2459).
func TestMutatedMerkleTree(t *testing.T) {
	raw := readData(t, file540107)
	var mb wire.MsgBlock
	if err := mb.Deserialize(bytes.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
	mb.Transactions = append(mb.Transactions[:229], mb.Transactions[228]) // 229 transactions, the last one twice
	root, _ := merkleRoot(txids(&mb))
	mb.Header.MerkleRoot = root
	odd := mb.Transactions[:229]
	var buf bytes.Buffer
	if err := (&wire.MsgBlock{Header: mb.Header, Transactions: odd}).Serialize(&buf); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseBlock(buf.Bytes(), 1, Mainnet); err != nil {
		t.Fatalf("the honest block: %v", err)
	}
	buf.Reset()
	if err := mb.Serialize(&buf); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseBlock(buf.Bytes(), 1, Mainnet); !errors.Is(err, ErrMerkleRoot) || !strings.Contains(err.Error(), "repeated") {
		t.Errorf("the mutated block: %v", err)
	}
}

// txids lists the txids of a block's transactions.
func txids(mb *wire.MsgBlock) []chainhash.Hash {
	ids := make([]chainhash.Hash, len(mb.Transactions))
	for i, tx := range mb.Transactions {
		ids[i] = tx.TxHash()
	}
	return ids
}

func TestParseTx(t *testing.T) {
	raw := readData(t, file574200)
	var mb wire.MsgBlock
	if err := mb.Deserialize(bytes.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
	b, err := ParseBlock(raw, 574200, Mainnet)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 1, 2000, 3314} {
		var buf bytes.Buffer
		if err := mb.Transactions[i].Serialize(&buf); err != nil {
			t.Fatal(err)
		}
		tx, err := ParseTx(buf.Bytes(), Mainnet)
		if err != nil {
			t.Fatal(err)
		}
		want := b.UTXOTxs[i]
		want.Index = 0
		if !equalTx(tx, &want) {
			t.Errorf("tx %d: ParseTx gives %+v, ParseBlock %+v", i, tx, want)
		}
		if _, err := ParseTx(append(buf.Bytes(), 0), Mainnet); err == nil {
			t.Errorf("tx %d with a trailing byte parsed", i)
		}
	}
}

// equalTx compares two transactions field by field.
func equalTx(a, b *chains.UTXOTx) bool {
	if a.Hash != b.Hash || a.Index != b.Index || a.LockTime != b.LockTime || a.Version != b.Version || a.VSize != b.VSize ||
		len(a.Inputs) != len(b.Inputs) || len(a.Outputs) != len(b.Outputs) {
		return false
	}
	for i := range a.Inputs {
		if a.Inputs[i] != b.Inputs[i] {
			return false
		}
	}
	for i, o := range a.Outputs {
		p := b.Outputs[i]
		if o.Value != p.Value || o.Kind != p.Kind || o.Address != p.Address || !bytes.Equal(o.PubKey, p.PubKey) || !bytes.Equal(o.Data, p.Data) {
			return false
		}
	}
	return true
}

func TestBIP34Height(t *testing.T) {
	tests := []struct {
		version int32
		script  string // the coinbase's signature script, hex
		height  uint64
		ok      bool
	}{
		{2, "00", 0, true},
		{2, "51", 1, true},
		{2, "60", 16, true},
		{2, "0111", 17, true},
		{2, "03f8c208", 574200, true},
		{0x20000000, "03cb3d0806", 540107, true},
		{2, "0480000000", 0x80, true},
		{2, "0180", 0, false},            // negative
		{2, "06010203040506", 0, false},  // too long for a height
		{2, "", 0, false},                // no push
		{2, "4c", 0, false},              // malformed push
		{1, "03f8c208", 0, false},        // before BIP 34
		{-1, "03f8c208", 0, false},       // a negative version is not 2 or later
		{0x20000000, "6a", 0, false},     // an opcode, not a number
		{0x20000000, "03f8c2", 0, false}, // truncated
		{0x20000000, "03ffff00", 65535, true},
		{0x20000000, "02ffff", 0, false}, // negative
	}
	for _, tt := range tests {
		cb := wire.NewMsgTx(1)
		cb.AddTxIn(&wire.TxIn{PreviousOutPoint: wire.OutPoint{Index: ^uint32(0)}, SignatureScript: mustHex(t, tt.script)})
		mb := &wire.MsgBlock{Header: wire.BlockHeader{Version: tt.version}, Transactions: []*wire.MsgTx{cb}}
		if h, ok := BIP34Height(mb); h != tt.height || ok != tt.ok {
			t.Errorf("version %d, script %s: %d %v, want %d %v", tt.version, tt.script, h, ok, tt.height, tt.ok)
		}
	}
	if _, ok := BIP34Height(&wire.MsgBlock{Header: wire.BlockHeader{Version: 2}}); ok {
		t.Error("a block without transactions has a height")
	}
}

func TestGenesisBlocks(t *testing.T) {
	for _, net := range Networks() {
		ref, err := genesisRef(net)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := ref.raw()
		if err != nil {
			t.Fatal(err)
		}
		b, err := ParseBlock(raw, 0, net)
		if err != nil {
			t.Fatalf("%s: %v", net, err)
		}
		if b.Hash != net.Genesis() || len(b.UTXOTxs) != 1 || !b.UTXOTxs[0].Coinbase() {
			t.Errorf("%s genesis: %s", net, b.Hash.Format(chains.Bitcoin))
		}
	}
}
