package main

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/store"
	"github.com/houndtrace/hound/trace"
)

// BenchmarkScreen screens addresses of TestBatchResumeAtScale's store
// (1,000,000 flows, 25 DPRK thieves) three ways: from the precomputed
// exposure (lookups of the live inflow totals and the taint records),
// with bare Badger reading the same keys (the floor a lookup can reach),
// and by the bounded walk. It reports screens/s each
// and the precomputed/raw ratio.
//
//	go test -run '^$' -bench Screen ./cmd/hound
func BenchmarkScreen(b *testing.B) {
	tmp := b.TempDir()
	dir := filepath.Join(tmp, "store")
	began := time.Now()
	buildBatchScaleStore(b, dir)
	var labels strings.Builder
	labels.WriteString(batchLabelsHeader)
	for s := range batchScaleSources {
		fmt.Fprintf(&labels, "ethereum,%s,theft,Scale Exploiter %d,DPRK,Lazarus Group,Scale 2026,test case,authority_data\n", batchScaleAddr("dprk", s), s)
	}
	labelFile := filepath.Join(tmp, "labels.csv")
	if err := os.WriteFile(labelFile, []byte(labels.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	g := &globalOptions{Store: dir, Labels: []string{labelFile}, LogLevel: "error", Quiet: true}
	if err := runExposureRebuild(context.Background(), io.Discard, g, screenOptions{Model: "haircut", Hops: trace.DefaultScreenHops, Actor: "DPRK"}); err != nil {
		b.Fatal(err)
	}
	b.Logf("store of %d transfers built and its exposure precomputed in %.1fs", batchScaleBlocks*batchScalePerBlock, time.Since(began).Seconds())
	subjects := make([]chains.Subject, 10_000)
	for i := range subjects {
		subjects[i] = chains.Subject{Chain: chains.Ethereum, Address: chains.Address(batchScaleAddr("customer", i*7))}
	}
	ctx := context.Background()
	rates := map[string]float64{}
	run := func(name string, screen func(chains.Subject) error) {
		b.Run(name, func(b *testing.B) {
			start := time.Now()
			for i := range b.N {
				if err := screen(subjects[i%len(subjects)]); err != nil {
					b.Fatal(err)
				}
			}
			rates[name] = float64(b.N) / time.Since(start).Seconds()
			b.ReportMetric(rates[name], "screens/s")
		})
	}

	// The generation the rebuild wrote, for the raw reads' keys.
	meta, err := func() (store.ExposureMeta, error) {
		st, err := store.Open(dir, store.Options{})
		if err != nil {
			return store.ExposureMeta{}, err
		}
		defer st.Close()
		m, _, err := st.Exposure()
		return m, err
	}()
	if err != nil {
		b.Fatal(err)
	}
	gen := meta.Generation
	// Bare Badger: the same two prefix scans a precomputed address screen
	// does, keyed per store/keys.go: the live inflow totals ('y', the chain
	// code, the address: length byte and 20 bytes) and the taint of the
	// generation ('Y', the generation (8), the chain code, the address).
	db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil))
	if err != nil {
		b.Fatal(err)
	}
	run("raw", func(sub chains.Subject) error {
		raw, err := hex.DecodeString(strings.TrimPrefix(string(sub.Address), "0x"))
		if err != nil {
			return err
		}
		addr := append([]byte{chains.Ethereum.Code(), byte(len(raw))}, raw...)
		inflows := append([]byte{'y'}, addr...)
		taint := append(binary.BigEndian.AppendUint64([]byte{'Y'}, gen), addr...)
		return db.View(func(txn *badger.Txn) error {
			for _, p := range [][]byte{inflows, taint} {
				it := txn.NewIterator(badger.IteratorOptions{Prefix: p})
				for it.Seek(p); it.ValidForPrefix(p); it.Next() {
					if _, err := it.Item().ValueCopy(nil); err != nil {
						it.Close()
						return err
					}
				}
				it.Close()
			}
			return nil
		})
	})
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}

	st, err := store.Open(dir, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	s, err := newScreener(g, st, screenOptions{Model: "haircut", FailOn: "high", High: "0.1", Medium: "0.01"})
	if err != nil {
		b.Fatal(err)
	}
	if !s.exposure.Current {
		b.Fatalf("the precomputed exposure is not current: %s", s.exposure.Why)
	}
	run("precomputed", func(sub chains.Subject) error {
		_, err := s.precomputed(ctx, sub)
		return err
	})
	run("walked", func(sub chains.Subject) error {
		_, err := trace.Screen(ctx, st, s.idx, sub, s.opts)
		return err
	})
	if err := st.Close(); err != nil {
		b.Fatal(err)
	}

	if rates["raw"] > 0 && rates["precomputed"] > 0 {
		b.Logf("precomputed %.0f screens/s, raw Badger %.0f reads/s: raw/precomputed %.2f; walked %.0f screens/s",
			rates["precomputed"], rates["raw"], rates["raw"]/rates["precomputed"], rates["walked"])
	}
}
