package main

import (
	"bytes"
	"os"
	"testing"

	"github.com/btcsuite/btcd/wire/v2"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/chains/bitcoin"
	"github.com/houndtrace/hound/chains/ethereum"
	"github.com/houndtrace/hound/chains/ethereum/ethtest"
	"github.com/houndtrace/hound/store"
)

// BenchmarkSync measures the whole Ethereum sync path on this machine: a
// real node's JSON-RPC over HTTP on 127.0.0.1 (blocks, receipts, call
// traces), the adapter, and ordered batched commits into a store on disk.
// The chain holds the end-to-end test's workload (about 1,100
// transactions, 3,700 transfers, in 48 blocks).
//
//	go test -run '^$' -bench 'Sync|Commit|RawBadger' ./store ./cmd/hound
func BenchmarkSync(b *testing.B) {
	c, err := ethtest.Start(ethtest.Options{Accounts: scenarioKeys})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	playScenario(b, c)
	var blocks, transfers uint64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st, err := store.Open(b.TempDir(), store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		src, err := ethereum.Dial(b.Context(), c.URL(), ethereum.DefaultOptions())
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := st.Sync(b.Context(), src, store.SyncOptions{Workers: 4})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		blocks += res.Blocks
		transfers += res.Transfers
		src.Close()
		st.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(blocks)/b.Elapsed().Seconds(), "blocks/s")
	b.ReportMetric(float64(transfers)/b.Elapsed().Seconds(), "transfers/s")
}

// BenchmarkSyncBitcoin measures the Bitcoin ingest path on mainnet block
// 574200 (3,315 transactions): parsing with the merkle root checked,
// classifying every script, resolving inputs and writing every key, against
// btcd's wire deserialization of the same bytes alone (the parsing floor).
//
//	go test -run '^$' -bench SyncBitcoin ./cmd/hound
func BenchmarkSyncBitcoin(b *testing.B) {
	raw, err := os.ReadFile(block574200)
	if err != nil {
		b.Fatal(err)
	}
	net, err := bitcoin.ParseNetwork("mainnet")
	if err != nil {
		b.Fatal(err)
	}
	var txs int
	b.Run("ingest", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			st, err := store.Open(b.TempDir(), store.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			blk, err := bitcoin.ParseBlock(raw, 574200, net)
			if err != nil {
				b.Fatal(err)
			}
			if err := st.CommitDetached(chains.Bitcoin, []*chains.Block{blk}); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			txs = len(blk.UTXOTxs)
			st.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(txs*b.N)/b.Elapsed().Seconds(), "txs/s")
	})
	b.Run("wire", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			var m wire.MsgBlock
			if err := m.Deserialize(bytes.NewReader(raw)); err != nil {
				b.Fatal(err)
			}
			txs = len(m.Transactions)
		}
		b.ReportMetric(float64(txs*b.N)/b.Elapsed().Seconds(), "txs/s")
	})
}
