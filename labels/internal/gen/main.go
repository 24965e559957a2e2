// Command gen writes Hound's built-in label set, labels/builtin/builtin.json,
// from the public data in ../shared/data (see its PROVENANCE.md). It is run
// by "go generate ./labels" and is re-runnable: the same data gives the same
// file, byte for byte.
//
// What goes in, each label citing its primary source (the government notice,
// the press release, or the dataset):
//
//   - DPRK: every row of dprk/dprk_labels_joined.csv (OFAC SDN entries of DPRK
//     units and people linked to them, the FBI's lists for Harmony, Stake.com
//     and Bybit, the Ronin exploiters, the addresses of the incident
//     write-ups; the FBI's Bybit list of dprk/fbi is joined into it), the DPRK-linked entries of
//     the official 2021 SDN files and the 2025 SDN_COMMENTS subsets, and the
//     DPRK and Tornado Cash entries of the 2023 OFAC Ethereum list.
//   - Mixers: the Tornado Cash pools, router and proxies (Etherscan),
//     Blender.io and Sinbad.io (OFAC, via TagPacks), ChipMixer (FC 2021
//     paper, via TagPack), the Wasabi coordinator (TagPack, curated table).
//   - Bridges: the Etherscan bridges (Ronin, Harmony Horizon, Avalanche,
//     Wormhole, Multichain, ...) and the curated THORChain and MAYAChain
//     routers.
//   - Exchanges: the Etherscan wallets of exchanges on Ethereum, the Bitcoin
//     exchange wallets of the GraphSense TagPacks, the Bybit cold wallet.
//
// Usage: go run ./internal/gen [-data DIR] [-out FILE]
package main

import (
	"bytes"
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/labels"
)

func main() {
	root, err := repoRoot()
	if err != nil {
		fail(err)
	}
	data := flag.String("data", filepath.Join(root, "..", "shared", "data"), "the shared data directory")
	out := flag.String("out", filepath.Join(root, "labels", "builtin", "builtin.json"), "the file to write")
	flag.Parse()
	if err := run(*data, *out, os.Stderr); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gen:", err)
	os.Exit(1)
}

// repoRoot finds the module root from the working directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// run builds the set from dataDir and writes it to out; it reports what it
// skipped and counted to logw.
func run(dataDir, out string, logw io.Writer) error {
	log := slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: slog.LevelInfo}))
	b := builder{data: dataDir, log: log}
	b.steps()
	if b.err != nil {
		return b.err
	}
	set, err := labels.NewSet(b.labels)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := labels.WriteJSON(&buf, set.Labels()); err != nil {
		return err
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	st := set.Stats()
	for _, c := range labels.Categories() {
		log.Info("built-in labels", "category", c, "labels", st.ByCategory[c])
	}
	log.Info("wrote", "file", out, "labels", st.Labels, "addresses", st.Addresses, "untraced", st.Untraced)
	return nil
}

// builder collects the labels of each source; the first error sticks.
type builder struct {
	data   string
	log    *slog.Logger
	labels []labels.Label
	err    error
}

// keep adds the labels of an import that pass filter (nil keeps all) and
// logs the import's problems, which the data is known to have (an OFAC
// address cut short, junk keys in dumps).
func (b *builder) keep(name string, imp *labels.Import, err error, filter func(labels.Label) bool) {
	if b.err != nil {
		return
	}
	if err != nil {
		b.err = fmt.Errorf("%s: %w", name, err)
		return
	}
	for _, p := range imp.Problems {
		b.log.Warn("skipped a bad row", "problem", p.Error())
	}
	n := 0
	for _, l := range imp.Labels {
		if filter == nil || filter(l) {
			b.labels = append(b.labels, l)
			n++
		}
	}
	b.log.Info("imported", "file", name, "kept", n, "read", len(imp.Labels), "skipped", imp.Skipped, "problems", len(imp.Problems))
}

// open opens a data file; the caller closes it.
func (b *builder) open(name string) (*os.File, labels.Options) {
	if b.err != nil {
		return nil, labels.Options{}
	}
	f, err := os.Open(filepath.Join(b.data, filepath.FromSlash(name)))
	if err != nil {
		b.err = err
	}
	return f, labels.Options{Name: name}
}

func (b *builder) csv(name string, filter func(labels.Label) bool) {
	f, opts := b.open(name)
	if f == nil {
		return
	}
	defer f.Close()
	imp, err := labels.ReadCSV(f, opts)
	b.keep(name, imp, err, filter)
}

func (b *builder) tagpack(name string, actors *labels.ActorPack, filter func(labels.Label) bool) {
	f, opts := b.open(name)
	if f == nil {
		return
	}
	defer f.Close()
	opts.Actors = actors
	imp, err := labels.ReadTagPack(f, opts)
	b.keep(name, imp, err, filter)
}

func (b *builder) actors(name string) *labels.ActorPack {
	f, _ := b.open(name)
	if f == nil {
		return nil
	}
	defer f.Close()
	p, err := labels.ReadActorPack(f)
	if err != nil {
		b.err = fmt.Errorf("%s: %w", name, err)
	}
	return p
}

func (b *builder) ofac(sdn, comments string, filter func(labels.Label) bool) {
	var files labels.OFACFiles
	if sdn != "" {
		f, _ := b.open(sdn)
		if f == nil {
			return
		}
		defer f.Close()
		files.SDN, files.SDNName = f, sdn
	}
	f, _ := b.open(comments)
	if f == nil {
		return
	}
	defer f.Close()
	files.Comments, files.CommentsName = f, comments
	imp, err := labels.ReadOFAC(files, labels.Options{})
	b.keep(cmp.Or(sdn, comments), imp, err, filter)
}

func (b *builder) etherscan(name string, filter func(labels.Label) bool) {
	f, opts := b.open(name)
	if f == nil {
		return
	}
	defer f.Close()
	opts.Source = "Etherscan label, via brianleect/etherscan-labels@923aba7"
	imp, err := labels.ReadEtherscan(f, "ethereum", opts)
	b.keep(name, imp, err, filter)
}

// Filters.
func dprk(l labels.Label) bool { return l.Actor == labels.DPRK }

func category(cs ...labels.Category) func(labels.Label) bool {
	return func(l labels.Label) bool {
		for _, c := range cs {
			if l.Category == c {
				return true
			}
		}
		return false
	}
}

func bitcoinExchange(l labels.Label) bool {
	return l.Chain == chains.Bitcoin && l.Category == labels.Exchange
}

func (b *builder) steps() {
	// DPRK.
	b.csv("dprk/dprk_labels_joined.csv", nil)
	b.ofac("ofac/moov-watchman-sdn-csv-2021/sdn.csv", "ofac/moov-watchman-sdn-csv-2021/sdn_comments.csv", dprk)
	b.ofac("", "ofac/moov-watchman-sdn-comments-2025/sdn_comments_pkg-sources-ofac.csv", dprk)
	b.ofac("", "ofac/moov-watchman-sdn-comments-2025/sdn_comments_internal-tfidf.csv", dprk)
	b.csv("ofac/ultrasoundmoney-eth/ofac_sanction_list-0ecd634.csv", func(l labels.Label) bool {
		return dprk(l) || strings.HasPrefix(l.Entity, "Tornado Cash")
	})

	// Mixers, bridges and exchanges on Ethereum.
	b.etherscan("labels/brianleect-etherscan-labels-923aba7/etherscan_combinedAllLabels.json",
		category(labels.Mixer, labels.Bridge, labels.Exchange))
	b.csv("labels/curated/bridges_routers_curated.csv", nil)

	// Mixers and exchanges on Bitcoin from the TagPacks.
	const packs = "labels/graphsense-tagpacks-29ff93c/packs/"
	b.tagpack(packs+"blender_io.yaml", nil, nil)
	b.tagpack(packs+"sinbad_io.yaml", nil, nil)
	b.tagpack(packs+"wasabi_collector.yaml", nil, nil)
	b.tagpack(packs+"mixing_fc2021.yaml", nil, func(l labels.Label) bool { return l.Entity == "ChipMixer" })
	actors := b.actors("labels/graphsense-tagpacks-29ff93c/actors/graphsense.actorpack.yaml")
	for _, p := range []string{"exchange-wallets-binance", "exchange-wallets-bitfinexcom", "exchange-wallets-bybit",
		"exchange-wallets-cryptocom", "exchange-wallets-deribit", "exchange-wallets-huobi", "exchange-wallets-kucoin",
		"exchange-wallets-okx", "walletexplorer", "hacks", "interpol-real_services"} {
		b.tagpack(packs+p+".yaml", actors, bitcoinExchange)
	}
}
