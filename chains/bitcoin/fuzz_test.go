package bitcoin

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/houndtrace/hound/chains"
)

// FuzzReadBlockFile feeds arbitrary file content to the block file
// reader (bzip2 detection, framing, single blocks, ordering into
// segments) and reads back every block it indexes. Nothing may panic, and
// no claimed length may make it allocate beyond the block size limit.
// The content stays in memory, as a compressed file's would, so that
// each run is fast; decompression is capped at 16 MB.
func FuzzReadBlockFile(f *testing.F) {
	fs := frames(f, readData(f, blocks1to255))
	f.Add(bytes.Join(fs[:3], nil))
	f.Add(append(bytes.Join(fs[5:7], nil), fs[4]...))
	f.Add(append(bytes.Clone(fs[0]), make([]byte, 16)...))
	f.Add(readData(f, file540107)[:2000])
	f.Add(mustRead(f, dataPath(f, forkFile)))
	f.Add([]byte{0xf9, 0xbe, 0xb4, 0xd9, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte("BZh91AY&SY"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file := &blockFile{path: "fuzz", held: data, size: int64(len(data)), maxHeld: 16 << 20}
		refs, err := file.open(context.Background(), bytes.NewReader(data), Mainnet)
		if err != nil || len(refs) == 0 {
			return
		}
		set, err := order(refs, Mainnet)
		if err != nil {
			return
		}
		for _, seg := range set.Segments {
			for i := range seg.Blocks {
				if b, err := seg.Block(context.Background(), seg.First+uint64(i)); err == nil {
					checkBlock(t, b)
				}
			}
		}
	})
}

// FuzzParseBlock feeds arbitrary bytes to ParseBlock and ParseTx.
func FuzzParseBlock(f *testing.F) {
	raw := readData(f, file540107)
	f.Add(raw[:4000])
	f.Add(frames(f, readData(f, blocks1to255))[169][frameHeaderSize:])
	ref, err := genesisRef(Mainnet)
	if err != nil {
		f.Fatal(err)
	}
	genesis, _ := ref.raw()
	f.Add(genesis)
	f.Add(genesis[headerSize+1:])
	f.Fuzz(func(t *testing.T, data []byte) {
		if b, err := ParseBlock(data, 1, Mainnet); err == nil {
			checkBlock(t, b)
		}
		if tx, err := ParseTx(data, Regtest); err == nil && (len(tx.Inputs) == 0 || tx.VSize == 0) {
			t.Fatalf("transaction %+v", tx)
		}
	})
}

// checkBlock checks what every parsed block satisfies.
func checkBlock(t *testing.T, b *chains.Block) {
	t.Helper()
	if len(b.UTXOTxs) == 0 || !b.UTXOTxs[0].Coinbase() {
		t.Fatalf("block %s without a coinbase first", b.Hash.Format(chains.Bitcoin))
	}
	for i, tx := range b.UTXOTxs {
		if tx.Index != uint32(i) || (i > 0 && tx.Coinbase()) || tx.VSize == 0 {
			t.Fatalf("tx %d: %+v", i, tx)
		}
		for _, o := range tx.Outputs {
			if o.Value > maxSatoshi || (o.Address == "") != (o.Kind == chains.ScriptNullData) {
				t.Fatalf("tx %d: output %+v", i, o)
			}
		}
	}
}

func mustRead(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
