package main

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/labels"
	"github.com/houndtrace/hound/store"
)

// builtinSet names the labels embedded in the binary in listings.
const builtinSet = "builtin"

// userSet is the set `hound labels add` writes to.
const userSet = "user"

func newLabelsCommand(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "labels",
		Short: "Who owns an address, who says so, and how sure they are",
		Long: `Labels attribute addresses: the seeds of a trace (theft addresses attributed to DPRK and
others) and the stops (exchanges, mixers, bridges). Every label names its source.

Hound looks labels up in three places: the built-in set embedded in the binary (OFAC,
FBI and other public attributions, mixers, bridges, major exchange wallets), the sets
imported into the store (one per source, replaced whole when imported again), and the
files given with --labels for one run.`,
	}
	cmd.AddCommand(newLabelsListCommand(g), newLabelsShowCommand(g), newLabelsAddCommand(g),
		newLabelsImportCommand(g), newLabelsExportCommand(g), newLabelsStatsCommand(g))
	return cmd
}

// labelIndex builds the index of every label in reach: built in, stored,
// and --labels files.
func (g *globalOptions) labelIndex(st *store.Store) (*labels.Set, error) {
	all := slices.Clone(labels.Builtin().Labels())
	sets, err := st.LabelSets()
	if err != nil {
		return nil, err
	}
	for _, set := range sets {
		ls, err := st.Labels(set.Name)
		if err != nil {
			return nil, err
		}
		all = append(all, ls...)
	}
	for _, path := range g.Labels {
		imp, err := labels.ReadFile(path, labels.FormatAuto, labels.Options{Strict: true})
		if err != nil {
			return nil, usageError{fmt.Errorf("--labels %s: %w", path, err)}
		}
		all = append(all, imp.Labels...)
	}
	return labels.NewSet(all)
}

func newLabelsListCommand(g *globalOptions) *cobra.Command {
	return newViewCommand(g, runLabelsList, &cobra.Command{
		Use:   "list",
		Short: "List the label sets: built in, and imported into the store",
	})
}

type labelSetJSON struct {
	Name     string `json:"name"`
	Format   string `json:"format"`
	Files    string `json:"files,omitempty"`
	Imported string `json:"imported,omitempty"`
	Labels   int    `json:"labels"`
}

func runLabelsList(w io.Writer, _ *globalOptions, st *store.Store, format string) error {
	sets, err := st.LabelSets()
	if err != nil {
		return err
	}
	out := []labelSetJSON{{Name: builtinSet, Format: "embedded", Labels: labels.Builtin().Len()}}
	for _, s := range sets {
		out = append(out, labelSetJSON{Name: s.Name, Format: s.Format, Files: s.Files, Imported: s.Imported.Format("2006-01-02T15:04:05Z"), Labels: s.Count})
	}
	if format == "json" {
		return writeJSON(w, map[string]any{"schema": "hound.labelsets/v1", "sets": out})
	}
	tw := newTable(w)
	fmt.Fprintln(tw, "SET\tLABELS\tFORMAT\tIMPORTED\tFILES")
	for _, s := range out {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", s.Name, s.Labels, s.Format, s.Imported, s.Files)
	}
	return tw.Flush()
}

// labelJSON is a label in command output.
type labelJSON struct {
	Category   string `json:"category"`
	Entity     string `json:"entity,omitempty"`
	Actor      string `json:"actor,omitempty"`
	Group      string `json:"group,omitempty"`
	Campaign   string `json:"campaign,omitempty"`
	Source     string `json:"source"`
	Confidence string `json:"confidence,omitempty"`
	FirstSeen  string `json:"first_seen,omitempty"`
}

func toLabelJSON(ls []labels.Label) []labelJSON {
	out := []labelJSON{}
	for _, l := range ls {
		j := labelJSON{Category: l.Category.String(), Entity: l.Entity, Actor: l.Actor, Group: l.Group, Campaign: l.Campaign,
			Source: l.Source, Confidence: l.Confidence.String()}
		if !l.FirstSeen.IsZero() {
			j.FirstSeen = l.FirstSeen.String()
		}
		out = append(out, j)
	}
	return out
}

func newLabelsShowCommand(g *globalOptions) *cobra.Command {
	return newLookupCommand(g, runLabelsShow, chains.AddressSubject, "one <chain>:<address>", &cobra.Command{
		Use:     "show <chain>:<address>",
		Short:   "Show every label of an address, best first, with its source",
		Example: `  hound labels show ethereum:0x098B716B8Aaf21512996dC57EB0615e2383E2f96`,
	})
}

func runLabelsShow(w io.Writer, g *globalOptions, st *store.Store, format string, sub chains.Subject) error {
	idx, err := g.labelIndex(st)
	if err != nil {
		return err
	}
	ls := toLabelJSON(idx.Lookup(sub.Chain, sub.Address))
	if format == "json" {
		return writeJSON(w, map[string]any{"schema": "hound.labels.show/v1", "chain": sub.Chain, "address": sub.Address, "labels": ls})
	}
	fmt.Fprintf(w, "%s %s: %d label(s)\n", sub.Chain, sub.Address.Checksummed(), len(ls))
	return labelsTable(w, ls)
}

func labelsTable(w io.Writer, ls []labelJSON) error {
	if len(ls) == 0 {
		return nil
	}
	tw := newTable(w)
	fmt.Fprintln(tw, "CATEGORY\tENTITY\tACTOR\tGROUP\tCAMPAIGN\tCONFIDENCE\tSOURCE")
	for _, l := range ls {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", l.Category, l.Entity, l.Actor, l.Group, l.Campaign, l.Confidence, l.Source)
	}
	return tw.Flush()
}

type labelsAddOptions struct {
	label      labels.Label
	category   string
	confidence string
}

func newLabelsAddCommand(g *globalOptions) *cobra.Command {
	var opts labelsAddOptions
	cmd := &cobra.Command{
		Use:   "add <chain>:<address> --category C --source S",
		Short: "Add a label of your own (kept in the store's \"user\" set)",
		Example: `  hound labels add ethereum:0x098b716b8aaf21512996dc57eb0615e2383e2f96 --category theft \
    --entity "Ronin Bridge Exploiter" --actor DPRK --group "Lazarus Group" \
    --campaign "Ronin Bridge 2022-03" --source "case file 2024-117" --confidence forensic`,
		Args: exactArgs(1, "one <chain>:<address>"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLabelsAdd(cmd.OutOrStdout(), g, opts, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.category, "category", "", "theft, exchange, mixer, bridge, dex, otc, ransomware, sanctioned, scam or service")
	f.StringVar(&opts.label.Entity, "entity", "", `who the address belongs to ("Binance", "Tornado Cash 100 ETH")`)
	f.StringVar(&opts.label.Actor, "actor", "", `the state or organization behind it ("DPRK")`)
	f.StringVar(&opts.label.Group, "group", "", `the unit ("Lazarus Group", "TraderTraitor")`)
	f.StringVar(&opts.label.Campaign, "campaign", "", `the operation ("Ronin Bridge 2022-03")`)
	f.StringVar(&opts.label.Source, "source", "", "who says so: a URL or a document reference (required)")
	f.StringVar(&opts.confidence, "confidence", "forensic", "a GraphSense confidence level or a number 0-100")
	return cmd
}

func runLabelsAdd(w io.Writer, g *globalOptions, opts labelsAddOptions, arg string) error {
	sub, err := chains.AddressSubject(arg)
	if err != nil {
		return usageError{err}
	}
	l := opts.label
	l.Chain, l.Address = sub.Chain, sub.Address
	if l.Category, err = labels.ParseCategory(opts.category); err != nil {
		return usageError{fmt.Errorf("--category: %w", err)}
	}
	if l.Confidence, err = labels.ParseConfidence(opts.confidence); err != nil {
		return usageError{fmt.Errorf("--confidence: %w", err)}
	}
	if strings.TrimSpace(l.Source) == "" {
		return usagef("--source is required: say who attributes the address (a URL or a document reference)")
	}
	if err := l.Normalize(); err != nil {
		return usageError{err}
	}
	st, err := g.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	ls, err := st.Labels(userSet)
	if err != nil && !errors.Is(err, store.ErrNoLabelSet) {
		return err
	}
	if err := st.PutLabels(store.LabelSet{Name: userSet, Format: "hound labels add"}, append(ls, l)); err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "added %s label for %s:%s to the %q set (%d labels)\n", l.Category, l.Chain, l.Address, userSet, len(ls)+1)
	return err
}

type labelsImportOptions struct {
	Format string
	Name   string
	Source string
	Strict bool
}

func newLabelsImportCommand(g *globalOptions) *cobra.Command {
	var opts labelsImportOptions
	cmd := &cobra.Command{
		Use:   "import FILE... [--format F] [--name SET]",
		Short: "Import a label file into the store, replacing the set of the same name",
		Long: `Import labels into the store as one set, named by --name or after the file. Importing a
source again replaces its set whole, atomically.

Formats: csv (Hound's CSV: chain,address,category,entity,actor,group,campaign,source,
confidence; and the public dataset layouts Hound knows), json (hound.labels/v1), tagpack
(GraphSense TagPack YAML), etherscan (the Etherscan-family label dumps), ofac (the
official SDN.CSV with its SDN_COMMENTS.CSV, imported together). Without --format the
file's name and content decide.

A bad row is reported as file:line: why; the import goes on past it, or stops at the
first one with --strict. Addresses on networks Hound does not trace yet (LTC, TRX, ...)
are kept and counted.`,
		Example: `  hound labels import sdn.csv sdn_comments.csv --format ofac
  hound labels import lazarus.yaml
  hound labels import my-cases.csv --name cases --strict`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("labels import: name the file(s) to import")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLabelsImport(cmd.OutOrStdout(), os.Stderr, g, opts, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Format, "format", "auto", "csv, json, tagpack, etherscan, ofac (or ofac-csv), or auto")
	f.StringVar(&opts.Name, "name", "", "the set's name (default: the first file's name)")
	f.StringVar(&opts.Source, "source", "", "the source recorded on labels whose rows name none (default: the file)")
	f.BoolVar(&opts.Strict, "strict", false, "stop at the first bad row")
	return cmd
}

// readLabelFiles imports the files as one set. Two files with --format ofac
// are the SDN list and its comments.
func readLabelFiles(opts labelsImportOptions, paths []string) (*labels.Import, error) {
	format, err := labels.ParseFormat(strings.TrimSuffix(opts.Format, "-csv"))
	if err != nil {
		return nil, usageError{err}
	}
	lopts := labels.Options{Strict: opts.Strict, Source: opts.Source}
	if format == labels.FormatOFAC && len(paths) == 2 {
		return readOFACPair(paths, lopts)
	}
	all := &labels.Import{}
	for _, p := range paths {
		lopts.Name = p
		imp, err := labels.ReadFile(p, format, lopts)
		if err != nil {
			return nil, usageError{err}
		}
		all.Labels = append(all.Labels, imp.Labels...)
		all.Problems = append(all.Problems, imp.Problems...)
		all.Skipped += imp.Skipped
	}
	return all, nil
}

func readOFACPair(paths []string, opts labels.Options) (*labels.Import, error) {
	sdn, err := os.Open(paths[0])
	if err != nil {
		return nil, usageError{err}
	}
	defer sdn.Close()
	comments, err := os.Open(paths[1])
	if err != nil {
		return nil, usageError{err}
	}
	defer comments.Close()
	imp, err := labels.ReadOFAC(labels.OFACFiles{SDN: sdn, Comments: comments, SDNName: paths[0], CommentsName: paths[1]}, opts)
	if err != nil {
		return nil, usageError{err}
	}
	return imp, nil
}

// maxProblemsShown bounds the bad rows an import lists on stderr.
const maxProblemsShown = 20

func runLabelsImport(stdout, stderr io.Writer, g *globalOptions, opts labelsImportOptions, paths []string) error {
	imp, err := readLabelFiles(opts, paths)
	if err != nil {
		return err
	}
	for i, p := range imp.Problems {
		if i == maxProblemsShown {
			fmt.Fprintf(stderr, "hound: ... and %d more bad rows\n", len(imp.Problems)-maxProblemsShown)
			break
		}
		fmt.Fprintf(stderr, "hound: %s\n", p)
	}
	name := opts.Name
	if name == "" {
		name = filepath.Base(paths[0])
	}
	st, err := g.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	set := store.LabelSet{Name: name, Format: opts.Format, Files: strings.Join(paths, " ")}
	if err := st.PutLabels(set, imp.Labels); err != nil {
		return err
	}
	untraced := 0
	for _, l := range imp.Labels {
		if !l.Traced() {
			untraced++
		}
	}
	_, err = fmt.Fprintf(stdout, "imported %d labels into the set %q (%d on networks Hound does not trace yet); bad rows: %d, rows skipped: %d\n",
		len(imp.Labels), name, untraced, len(imp.Problems), imp.Skipped)
	return err
}

type labelsExportOptions struct {
	Format string
	Set    string
	Out    string
}

func newLabelsExportCommand(g *globalOptions) *cobra.Command {
	var opts labelsExportOptions
	cmd := &cobra.Command{
		Use:   "export [--format csv|json|tagpack|stix] [--set NAME] [-o FILE]",
		Short: "Export labels: Hound's CSV or JSON, a GraphSense TagPack, or a STIX 2.1 bundle",
		Long: `Export every label in reach (built in, stored, --labels files), or one set with --set.
STIX 2.1 gives threat-intel teams a bundle of threat actors, an indicator per address and
the relationships between them.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runLabelsExport(cmd.OutOrStdout(), g, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Format, "format", "csv", "csv, json, tagpack or stix")
	f.StringVar(&opts.Set, "set", "", `export one set ("builtin" or a stored set's name)`)
	f.StringVarP(&opts.Out, "output", "o", "", "write to FILE instead of standard output")
	return cmd
}

func runLabelsExport(stdout io.Writer, g *globalOptions, opts labelsExportOptions) error {
	if err := checkFormat(opts.Format, "csv", "json", "tagpack", "stix"); err != nil {
		return err
	}
	st, err := g.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	var ls []labels.Label
	switch opts.Set {
	case "":
		idx, err := g.labelIndex(st)
		if err != nil {
			return err
		}
		ls = idx.Labels()
	case builtinSet:
		ls = labels.Builtin().Labels()
	default:
		if ls, err = st.Labels(opts.Set); errors.Is(err, store.ErrNoLabelSet) {
			return usageError{err}
		} else if err != nil {
			return err
		}
	}
	w := stdout
	if opts.Out != "" {
		f, err := os.Create(opts.Out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	switch opts.Format {
	case "json":
		return labels.WriteJSON(w, ls)
	case "tagpack":
		return labels.WriteTagPack(w, ls, labels.TagPackHeader{})
	case "stix":
		return labels.WriteSTIX(w, ls, labels.STIXOptions{})
	}
	return labels.WriteCSV(w, ls)
}

func newLabelsStatsCommand(g *globalOptions) *cobra.Command {
	return newViewCommand(g, runLabelsStats, &cobra.Command{
		Use:   "stats",
		Short: "Count the labels in reach by category, chain and source",
	})
}

func runLabelsStats(w io.Writer, g *globalOptions, st *store.Store, format string) error {
	idx, err := g.labelIndex(st)
	if err != nil {
		return err
	}
	s := idx.Stats()
	byCategory := map[string]int{}
	for c, n := range s.ByCategory {
		byCategory[c.String()] = n
	}
	if format == "json" {
		return writeJSON(w, map[string]any{"schema": "hound.labels.stats/v1", "labels": s.Labels, "addresses": s.Addresses,
			"traced": s.Traced, "untraced": s.Untraced, "by_category": byCategory, "by_chain": s.ByChain,
			"by_network": s.ByNetwork, "by_source": s.BySource})
	}
	fmt.Fprintf(w, "%d labels on %d addresses: %d on chains Hound traces, %d on others\n\n", s.Labels, s.Addresses, s.Traced, s.Untraced)
	tw := newTable(w)
	fmt.Fprintln(tw, "CATEGORY\tLABELS")
	for _, c := range labels.Categories() {
		if n := s.ByCategory[c]; n > 0 {
			fmt.Fprintf(tw, "%s\t%d\n", c, n)
		}
	}
	fmt.Fprintln(tw, "\nCHAIN OR NETWORK\tLABELS")
	for _, c := range chains.Known {
		if n := s.ByChain[c]; n > 0 {
			fmt.Fprintf(tw, "%s\t%d\n", c, n)
		}
	}
	for _, net := range slices.Sorted(maps.Keys(s.ByNetwork)) {
		fmt.Fprintf(tw, "%s (untraced)\t%d\n", net, s.ByNetwork[net])
	}
	return tw.Flush()
}
