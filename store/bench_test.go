package store

import (
	"context"
	"testing"

	"github.com/dgraph-io/badger/v4"

	"github.com/houndtrace/hound/chains"
)

// benchBlocks makes a chain of blocks with 50 transactions and 150
// transfers each, about the shape of a busy Ethereum block.
func benchBlocks(n int) []*chains.Block {
	m := &memChain{net: "chainid:1337"}
	for i := 0; i < n; i++ {
		m.extend(1, 0)
		b := m.blocks[len(m.blocks)-1]
		for j := 0; j < 16; j++ { // 3 transactions a block in memChain: repeat them as 48+
			for _, tx := range b.Txs[:3] {
				tx.Index += uint32(3 * (j + 1))
				tx.Hash[31] = byte(j + 1)
				b.Txs = append(b.Txs, tx)
			}
			for _, t := range b.Transfers[:9] {
				t.Pos.TxIndex += uint32(3 * (j + 1))
				t.Tx[31] = byte(j + 1)
				b.Transfers = append(b.Transfers, t)
			}
		}
	}
	return m.blocks
}

// BenchmarkCommit measures the store's write path: encoding every key of a
// block and committing batches of 64 blocks with their checkpoint.
func BenchmarkCommit(b *testing.B) {
	blocks := benchBlocks(256)
	var transfers int
	for _, bl := range blocks {
		transfers += len(bl.Transfers)
	}
	eachRun(b, func(dir string) (func(), func()) {
		s, err := Open(dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		return func() {
			for j := 0; j < len(blocks); j += 64 {
				if err := s.Commit(chains.Ethereum, blocks[j:j+64], nil); err != nil {
					b.Fatal(err)
				}
			}
		}, func() { s.Close() }
	})
	b.ReportMetric(float64(transfers*b.N)/b.Elapsed().Seconds(), "transfers/s")
}

// BenchmarkRawBadger writes the same keys and values as BenchmarkCommit
// with Badger's WriteBatch and nothing else: the floor the store's write
// path is compared with.
func BenchmarkRawBadger(b *testing.B) {
	blocks := benchBlocks(256)
	var ops []op
	var transfers int
	for _, bl := range blocks {
		ops = append(ops, blockOps(bl)...)
		transfers += len(bl.Transfers)
	}
	eachRun(b, func(dir string) (func(), func()) {
		db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil))
		if err != nil {
			b.Fatal(err)
		}
		return func() {
			wb := db.NewWriteBatch()
			for _, o := range ops {
				if err := wb.Set(o.key, o.val); err != nil {
					b.Fatal(err)
				}
			}
			if err := wb.Flush(); err != nil {
				b.Fatal(err)
			}
		}, func() { db.Close() }
	})
	b.ReportMetric(float64(transfers*b.N)/b.Elapsed().Seconds(), "transfers/s")
}

// BenchmarkStoreSync runs the whole sync pipeline (concurrent fetch from an
// in-memory source, ordered batched commits) without a node.
func BenchmarkStoreSync(b *testing.B) {
	blocks := benchBlocks(256)
	src := &memChain{net: "chainid:1337", blocks: blocks}
	eachRun(b, func(dir string) (func(), func()) {
		s, err := Open(dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		return func() {
			res, err := s.Sync(context.Background(), src, SyncOptions{})
			if err != nil || res.Blocks != uint64(len(blocks)) {
				b.Fatal(res, err)
			}
		}, func() { s.Close() }
	})
	b.ReportMetric(float64(len(blocks)*b.N)/b.Elapsed().Seconds(), "blocks/s")
}

// eachRun runs a benchmark b.N times on a fresh directory each, timing only
// the run that setup returns, not setup or done.
func eachRun(b *testing.B, setup func(dir string) (run, done func())) {
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		run, done := setup(b.TempDir())
		b.StartTimer()
		run()
		b.StopTimer()
		done()
		b.StartTimer()
	}
}
