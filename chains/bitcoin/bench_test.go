package bitcoin

import (
	"bytes"
	"testing"

	"github.com/btcsuite/btcd/wire/v2"
)

// BenchmarkParseBlock parses block 574,200 (3,315 transactions, 1.2 MB).
// Compare with BenchmarkWireDeserialize, btcd's decoding alone.
func BenchmarkParseBlock(b *testing.B) {
	raw := readData(b, file574200)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	var txs int
	for b.Loop() {
		blk, err := ParseBlock(raw, 574200, Mainnet)
		if err != nil {
			b.Fatal(err)
		}
		txs += len(blk.UTXOTxs)
	}
	b.ReportMetric(float64(txs)/b.Elapsed().Seconds(), "txs/s")
}

// BenchmarkWireDeserialize decodes the same block with btcd's wire
// package alone: the floor under ParseBlock.
func BenchmarkWireDeserialize(b *testing.B) {
	raw := readData(b, file574200)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	var txs int
	for b.Loop() {
		var mb wire.MsgBlock
		if err := mb.Deserialize(bytes.NewReader(raw)); err != nil {
			b.Fatal(err)
		}
		txs += len(mb.Transactions)
	}
	b.ReportMetric(float64(txs)/b.Elapsed().Seconds(), "txs/s")
}
