package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/labels"
	"github.com/houndtrace/hound/store"
	"github.com/houndtrace/hound/trace"
	"github.com/houndtrace/hound/trace/report"
)

type screenOptions struct {
	Input  string
	Format string
	Out    string
	Model  string
	Hops   int
	Cone   int
	Actor  string
	FailOn string
	High   string
	Medium string
	Method string
}

func newScreenCommand(g *globalOptions) *cobra.Command {
	var opts screenOptions
	cmd := &cobra.Command{
		Use:   "screen [<chain>:<address|txid|txid:n> ...]",
		Short: "How exposed is an address or a deposit to DPRK-stolen funds?",
		Long: `Screen subjects for exposure to attributed sources (every theft label, and the sanctioned
labels of --actor): for each asset a subject received, the amount and share of that inflow that
derives from them, directly (a source paid the subject) or indirectly (through up to --hops
steps). Hound collects the subject's backward cone from the synced flow graph (following swaps
and THORChain payouts across chains), then walks the sources' taint forward over that cone
under --model.

A subject is an address, a transaction (its transfers or outputs), or one deposit:
bitcoin:<txid>:<vout>, or ethereum:<txhash>:<n> for the transfer at ordinal n as hound tx lists
it. A subject the store holds nothing of is "unknown", never clean.

Risk levels: severe (any direct exposure), high (tainted share >= --high, default 0.1), medium
(>= --medium, default 0.01), low (any taint), none, unknown. The exit code is 4 when a result
is at or above --fail-on (default high).

--input reads many subjects from a CSV file (a header naming id and subject, or id, chain and
address or tx) or JSON lines ({"id":..., "chain":..., "address":...} or "tx" or "subject").
Results keep the input order; a row that cannot be read is a result with an error.`,
		Example: `  hound screen ethereum:0x098b716b8aaf21512996dc57eb0615e2383e2f96
  hound screen bitcoin:4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b:0 --format json
  hound screen --input deposits.csv --format jsonl -o exposures.jsonl`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScreen(cmd.Context(), cmd.OutOrStdout(), g, opts, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Input, "input", "", "read subjects from this CSV or JSON-lines file")
	f.StringVar(&opts.Format, "format", "table", "output format: table, json, csv or jsonl")
	f.StringVarP(&opts.Out, "output", "o", "", "write to FILE instead of standard output")
	f.StringVar(&opts.Model, "model", trace.DefaultModel.String(), "taint model: haircut, poison, fifo, lifo or tiho")
	f.IntVar(&opts.Hops, "hops", trace.DefaultScreenHops, "how many steps back from the subject the cone reaches")
	f.IntVar(&opts.Cone, "cone", trace.DefaultScreenCone, "the most nodes a subject's cone holds (a larger one is cut and marked incomplete)")
	f.StringVar(&opts.Actor, "actor", labels.DPRK, "sanctioned labels of this actor count as sources (theft labels always do)")
	f.StringVar(&opts.FailOn, "fail-on", report.RiskHigh, "exit with code 4 when a result is at or above this risk: low, medium, high or severe")
	f.StringVar(&opts.High, "high", "0.1", "the tainted share of an asset's inflow that makes a subject high risk")
	f.StringVar(&opts.Medium, "medium", "0.01", "the tainted share that makes a subject medium risk")
	f.StringVar(&opts.Method, "method", "auto", "auto (the precomputed exposure when current, else walk), walk (with evidence paths) or precomputed")
	return cmd
}

// screenRow is one subject to screen: as given, and parsed.
type screenRow struct {
	ID      string
	Chain   string
	Subject string
	sub     chains.Subject
	err     error
}

// screener screens subjects against one store and label set.
type screener struct {
	st      *store.Store
	idx     *labels.Set
	opts    trace.ScreenOptions
	th      report.Thresholds
	assets  storeAssets
	heights map[chains.Chain]store.Checkpoint
	digest  string
	// exposure is the precomputed exposure; walk forces the walk.
	exposure exposureState
	walk     bool
}

func newScreener(g *globalOptions, st *store.Store, o screenOptions) (*screener, error) {
	model, err := trace.ParseModel(o.Model)
	if err != nil {
		return nil, usageError{fmt.Errorf("--model: %w", err)}
	}
	th := report.DefaultThresholds()
	for _, t := range []struct {
		flag, v string
		into    **big.Rat
	}{{"--high", o.High, &th.High}, {"--medium", o.Medium, &th.Medium}} {
		r, ok := new(big.Rat).SetString(t.v)
		if !ok || r.Sign() < 0 || r.Cmp(big.NewRat(1, 1)) > 0 {
			return nil, usagef("%s %q: want a share between 0 and 1, e.g. 0.1", t.flag, t.v)
		}
		*t.into = r
	}
	if report.RiskRank(o.FailOn) == 0 {
		return nil, usagef("--fail-on %q: want one of %s", o.FailOn, strings.Join(report.RiskLevels, ", "))
	}
	idx, err := g.labelIndex(st)
	if err != nil {
		return nil, err
	}
	btcNet, err := st.Network(chains.Bitcoin)
	if err != nil {
		return nil, err
	}
	s := &screener{st: st, idx: idx, th: th, assets: storeAssets{namerOf(st)}, heights: map[chains.Chain]store.Checkpoint{},
		opts: trace.ScreenOptions{Model: model, Hops: o.Hops, Cone: o.Cone, Actor: o.Actor, Mainnet: btcNet == "bitcoin:mainnet"}}
	cs, err := st.Chains()
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		cp, _, err := st.Checkpoint(c)
		if err != nil {
			return nil, err
		}
		s.heights[c] = cp
	}
	if s.digest, err = labelsDigest(idx); err != nil {
		return nil, err
	}
	hops := s.opts.Hops
	if hops <= 0 {
		hops = trace.DefaultScreenHops
	}
	actor := o.Actor
	if actor == "" {
		actor = labels.DPRK
	}
	s.opts.Actor = actor
	if s.exposure, err = currentExposure(st, s.heights, s.digest, model, hops, actor); err != nil {
		return nil, err
	}
	switch o.Method {
	case "", "auto":
	case "walk":
		s.walk = true
	case "precomputed":
		if !s.exposure.Current {
			return nil, usagef("--method precomputed: the precomputed exposure is not current (%s)", s.exposure.Why)
		}
	default:
		return nil, usagef("--method %q: want auto, walk or precomputed", o.Method)
	}
	return s, nil
}

// screen answers one row; a row that cannot be read or screened is a
// result with its error.
func (s *screener) screen(ctx context.Context, r screenRow) report.ScreenResult {
	if r.err != nil {
		return report.ErrorResult(r.ID, r.Chain, r.Subject, r.err)
	}
	method := "walked"
	var x *trace.Exposure
	var err error
	if s.exposure.Current && !s.walk {
		method = "precomputed"
		x, err = s.precomputed(ctx, r.sub)
	} else {
		x, err = trace.Screen(ctx, s.st, s.idx, r.sub, s.opts)
	}
	if err != nil {
		return report.ErrorResult(r.ID, r.Chain, r.Subject, err)
	}
	cp := s.heights[r.sub.Chain]
	return report.ScreenResultOf(r.ID, r.sub, x, s.opts.Model, method, report.Coverage{From: cp.First, To: cp.Height}, s.th, s.assets)
}

// document is the empty hound.screen/v1 document of this screener.
func (s *screener) document() (*report.ScreenDocument, error) {
	d := &report.ScreenDocument{Schema: report.ScreenSchema, Version: versionString(), Heights: map[string]uint64{},
		LabelsDigest: s.digest, Model: s.opts.Model.String(), Hops: s.opts.Hops, Results: []report.ScreenResult{}}
	if d.Hops <= 0 {
		d.Hops = trace.DefaultScreenHops
	}
	for c, cp := range s.heights {
		d.Heights[string(c)] = cp.Height
	}
	return d, nil
}

// labelsDigest is the SHA-256 of the labels' canonical JSON: two screens
// with the same digest used the same labels.
func labelsDigest(idx *labels.Set) (string, error) {
	h := sha256.New()
	if err := labels.WriteJSON(h, idx.Labels()); err != nil {
		return "", err
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

func runScreen(ctx context.Context, stdout io.Writer, g *globalOptions, o screenOptions, args []string) error {
	if err := checkFormat(o.Format, "table", "json", "csv", "jsonl"); err != nil {
		return err
	}
	if (o.Input == "") == (len(args) == 0) {
		return usagef("name the subjects to screen, or --input FILE (not both)")
	}
	rows := subjectRows(args)
	if o.Input != "" {
		var err error
		if rows, err = readScreenInput(o.Input); err != nil {
			return err
		}
	}
	st, err := g.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	s, err := newScreener(g, st, o)
	if err != nil {
		return err
	}
	doc, err := s.document()
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := ctx.Err(); err != nil {
			return err
		}
		doc.Results = append(doc.Results, s.screen(ctx, r))
	}
	w := stdout
	if o.Out != "" {
		f, err := os.Create(o.Out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	if err := writeScreen(w, o.Format, doc); err != nil {
		return err
	}
	return hitsOf(doc.Results, o.FailOn)
}

// subjectRows makes rows of subjects named on the command line.
func subjectRows(args []string) []screenRow {
	var rows []screenRow
	for _, a := range args {
		sub, err := chains.ParseSubject(a)
		rows = append(rows, screenRow{ID: a, Chain: string(sub.Chain), Subject: a, sub: sub, err: err})
	}
	return rows
}

func writeScreen(w io.Writer, format string, doc *report.ScreenDocument) error {
	switch format {
	case "json":
		return writeJSON(w, doc)
	case "jsonl":
		enc := json.NewEncoder(w)
		for i := range doc.Results {
			if err := enc.Encode(&doc.Results[i]); err != nil {
				return err
			}
		}
		return nil
	case "csv":
		return report.WriteScreenCSV(w, doc)
	}
	return report.WriteScreenTable(w, doc)
}

// hitsError says how many results reached the --fail-on risk (exit code 4).
type hitsError struct {
	hits  int
	level string
}

func (e hitsError) Error() string {
	return fmt.Sprintf("%d subject(s) at or above risk %s", e.hits, e.level)
}

// hitsOf returns a hitsError when a result is at or above level.
func hitsOf(results []report.ScreenResult, level string) error {
	n := 0
	for _, r := range results {
		if report.RiskRank(r.Risk) >= report.RiskRank(level) {
			n++
		}
	}
	if n > 0 {
		return hitsError{n, level}
	}
	return nil
}
