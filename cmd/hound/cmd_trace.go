package main

import (
	"context"
	"fmt"
	"io"
	"math/big"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/labels"
	"github.com/houndtrace/hound/store"
	"github.com/houndtrace/hound/trace"
	"github.com/houndtrace/hound/trace/report"
)

type traceOptions struct {
	Actor  string
	Model  string
	Hops   int
	Min    string
	Since  string
	Until  string
	FanOut int
	Format string
	Out    string
	Case   string
	// FollowMixers continues from linked mixer withdrawals.
	FollowMixers bool
}

func newTraceCommand(g *globalOptions) *cobra.Command {
	var opts traceOptions
	cmd := &cobra.Command{
		Use:   "trace [<chain>:<address|txid> ...]",
		Short: "Follow stolen money forward from its seeds to the services it reaches",
		Long: `Follow the taint of the seeds forward over the synced flow graph, hop by hop in chain
order, and report where it meets a labelled exchange, mixer, bridge or other service (which
ends that branch), a hub (an unlabelled address with more flows than --fanout), or another
attributed address.

Seeds are the addresses or transactions named, or, without any, every address labelled as a
theft of --actor (default DPRK). Seeds are fully tainted; each flow out of a tainted node
carries the part of it that the taint model says:

  haircut  (default) every outflow carries the node's tainted share of its balance
  poison   everything leaving a tainted node is tainted
  fifo     first in, first out (Clayton's rule): the oldest value leaves first
  lifo     last in, first out
  tiho     taint in, haircut out: tainted value leaves first

Beyond labels, the walk follows the laundering playbook:
  dex_swap              a swap or wrap in one transaction: the asset received carries the
                        tainted share of the asset sent (the pool's reserves are never tainted)
  fan_out               tainted value split over 5 or more addresses
  mixer                 a deposit into a Tornado-style pool, known by its Deposit event
  mixer_exit_candidate  a later withdrawal from that pool linked to the depositor (the same
                        address, or 3+ transactions between the two); --follow-mixers goes on
  bridge                a THORChain router deposit or a Bitcoin OP_RETURN memo: the memo is
                        decoded and the payout on the other chain (OUT:<hash>) carries the share
  exchange_deposit      an unlabelled address that sweeps what it gets to a labelled exchange
                        (within 0.01 ETH and 3200 blocks), or whose coins an exchange co-spends
  cluster, coinjoin, peel_chain   common owners, CoinJoins and peel chains on the way

Amounts are exact integers in base units (wei, satoshi); see METHODS.md for the models.`,
		Example: `  hound trace ethereum:0x098B716B8Aaf21512996dC57EB0615e2383E2f96 --hops 6 --model fifo --format json
  hound trace bitcoin:bc1q... --min 0.01
  hound trace --actor DPRK --since 2022-03-23T00:00:00Z
  hound trace --follow-mixers --model haircut --format json -o trace.json
  hound trace --actor DPRK --format html -o report.html      # open it in a browser, offline
  hound trace --actor DPRK --format freeze -o freeze.csv     # per exchange, the deposits to freeze`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTrace(cmd.Context(), cmd.OutOrStdout(), g, opts, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Actor, "actor", labels.DPRK, "without seeds on the command line: seed every theft address attributed to this actor")
	f.StringVar(&opts.Model, "model", trace.DefaultModel.String(), "taint model: haircut, poison, fifo, lifo or tiho")
	f.IntVar(&opts.Hops, "hops", trace.DefaultHops, "how many hops from a seed to follow")
	f.StringVar(&opts.Min, "min", "", "the smallest tainted amount followed, in whole units of each asset (e.g. 0.01)")
	f.StringVar(&opts.Since, "since", "", "follow flows from this time on: RFC 3339 or block:N")
	f.StringVar(&opts.Until, "until", "", "follow flows up to this time: RFC 3339 or block:N")
	f.IntVar(&opts.FanOut, "fanout", trace.DefaultFanOut, "a node with more flows than this is a hub, reported and not followed")
	f.StringVar(&opts.Format, "format", "table", "output format: table, json, csv (one row per tainted flow), dot (Graphviz), html (the investigator's report, one self-contained page) or freeze (the freeze-request CSV: one row per tainted exchange deposit)")
	f.StringVar(&opts.Case, "case", "", "save the trace as a case of this name (see hound case)")
	f.BoolVar(&opts.FollowMixers, "follow-mixers", false, "go on from mixer withdrawals linked to a tainted deposit (mixer_exit_candidate), with the deposit's tainted share")
	f.StringVarP(&opts.Out, "output", "o", "", "write to FILE instead of standard output")
	return cmd
}

func runTrace(ctx context.Context, stdout io.Writer, g *globalOptions, opts traceOptions, args []string) error {
	if err := checkFormat(opts.Format, traceFormats...); err != nil {
		return err
	}
	st, err := g.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	params := caseParams{Seeds: args, Actor: opts.Actor, Model: opts.Model, Hops: opts.Hops, Min: opts.Min,
		Since: opts.Since, Until: opts.Until, FanOut: opts.FanOut, FollowMixers: opts.FollowMixers}
	var doc *report.Document
	if opts.Case == "" {
		doc, err = computeTrace(ctx, g, st, params)
	} else {
		var run *caseRun
		if run, err = runCase(ctx, g, st, params, nil, nil); err == nil {
			doc, err = run.doc, saveCase(st, opts.Case, params, run)
		}
	}
	if err != nil {
		return err
	}
	return writeTrace(stdout, opts.Out, opts.Format, doc, storeAssets{namerOf(st)}, htmlOptions(traceTitle(params), params))
}

// traceFormats are the outputs of a trace.
var traceFormats = []string{"table", "json", "csv", "dot", "html", "freeze"}

// traceTitle names a trace by its seeds, for the report's title.
func traceTitle(p caseParams) string {
	switch n := len(p.Seeds); {
	case n == 0:
		return "Trace of every " + p.Actor + " theft label"
	case n <= 2:
		return "Trace of " + strings.Join(p.Seeds, " and ")
	default:
		return fmt.Sprintf("Trace of %s and %d more seeds", p.Seeds[0], n-1)
	}
}

// htmlOptions are what the HTML report says of a trace beside its
// document: a title and the parameters it was run with.
func htmlOptions(title string, p caseParams) report.HTMLOptions {
	params := []report.Param{{Name: "seeds", Value: strings.Join(p.Seeds, " ")}}
	if len(p.Seeds) == 0 {
		params = []report.Param{{Name: "actor", Value: p.Actor}}
	}
	params = append(params, report.Param{Name: "model", Value: p.Model}, report.Param{Name: "hops", Value: strconv.Itoa(p.Hops)},
		report.Param{Name: "fanout", Value: strconv.Itoa(p.FanOut)}, report.Param{Name: "follow-mixers", Value: strconv.FormatBool(p.FollowMixers)})
	for _, o := range []struct{ name, v string }{{"min", p.Min}, {"since", p.Since}, {"until", p.Until}} {
		if o.v != "" {
			params = append(params, report.Param{Name: o.name, Value: o.v})
		}
	}
	return report.HTMLOptions{Title: title, Parameters: params, Generated: time.Now()}
}

// computeTrace runs a trace with the given parameters over the store.
func computeTrace(ctx context.Context, g *globalOptions, st *store.Store, p caseParams) (*report.Document, error) {
	s, err := prepareTrace(ctx, g, st, p)
	if err != nil {
		return nil, err
	}
	res, err := trace.Trace(ctx, st, s.idx, s.seeds, s.opts)
	if err != nil {
		return nil, err
	}
	return traceDocument(st, s.idx, s.namer, res)
}

// traceSetup is a trace's parameters read against the store: the labels,
// the seeds and the walk's options.
type traceSetup struct {
	idx   *labels.Set
	seeds []chains.Node
	opts  trace.Options
	namer func(chains.Chain) *assetNamer
}

func prepareTrace(ctx context.Context, g *globalOptions, st *store.Store, p caseParams) (*traceSetup, error) {
	model, err := trace.ParseModel(p.Model)
	if err != nil {
		return nil, usageError{fmt.Errorf("--model: %w", err)}
	}
	idx, err := g.labelIndex(st)
	if err != nil {
		return nil, err
	}
	seeds, err := traceSeeds(ctx, st, idx, p.Actor, p.Seeds)
	if err != nil {
		return nil, err
	}
	topts := trace.Options{Model: model, Hops: p.Hops, FanOut: p.FanOut, FollowMixers: p.FollowMixers}
	btcNet, err := st.Network(chains.Bitcoin)
	if err != nil {
		return nil, err
	}
	topts.Mainnet = btcNet == "bitcoin:mainnet" // the CoinJoin detectors' activation heights apply
	if topts.Since, err = traceTime(st, seeds, "--since", p.Since); err != nil {
		return nil, err
	}
	if topts.Until, err = traceTime(st, seeds, "--until", p.Until); err != nil {
		return nil, err
	}
	namer := namerOf(st)
	if p.Min != "" {
		if _, err := parseUnits(p.Min, 18); err != nil {
			return nil, usageError{fmt.Errorf("--min %q: %w", p.Min, err)}
		}
		topts.Min = func(c chains.Chain, a chains.Asset) *big.Int {
			v, _ := parseUnits(p.Min, namer(c).token(a).Decimals)
			return v
		}
	}
	return &traceSetup{idx: idx, seeds: seeds, opts: topts, namer: namer}, nil
}

// namerOf names assets from the store, one namer per chain.
func namerOf(st *store.Store) func(chains.Chain) *assetNamer {
	names := map[chains.Chain]*assetNamer{}
	return func(c chains.Chain) *assetNamer {
		if names[c] == nil {
			names[c] = newAssetNamer(st, c)
		}
		return names[c]
	}
}

// writeTrace writes a trace document in format, to path or to stdout;
// html says what the HTML report adds to the document.
func writeTrace(stdout io.Writer, path, format string, doc *report.Document, assets report.Assets, html report.HTMLOptions) error {
	if path != "" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		if err := writeTrace(f, "", format, doc, assets, html); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	w := stdout
	switch format {
	case "json":
		return writeJSON(w, doc)
	case "csv":
		return report.WriteCSV(w, doc, assets)
	case "dot":
		return report.WriteDOT(w, doc, assets)
	case "html":
		return report.WriteHTML(w, doc, assets, html)
	case "freeze":
		return report.WriteFreezeCSV(w, doc, assets)
	}
	return report.WriteTable(w, doc, assets)
}

// traceSeeds turns the arguments, or the actor's theft labels, into seed
// nodes.
func traceSeeds(ctx context.Context, st *store.Store, idx *labels.Set, actor string, args []string) ([]chains.Node, error) {
	var subjects []chains.Subject
	for _, a := range args {
		sub, err := chains.ParseSubject(a)
		if err != nil {
			return nil, usageError{err}
		}
		subjects = append(subjects, sub)
	}
	if len(args) == 0 {
		for _, l := range idx.Labels() {
			if l.Traced() && l.Category == labels.Theft && strings.EqualFold(l.Actor, actor) {
				subjects = append(subjects, chains.Subject{Chain: l.Chain, Address: l.Address})
			}
		}
		if len(subjects) == 0 {
			return nil, usagef("no seeds: name addresses to trace, or import theft labels of actor %q", actor)
		}
	}
	var seeds []chains.Node
	seen := map[chains.Node]bool{}
	for _, sub := range subjects {
		var nodes []chains.Node
		switch {
		case sub.IsTx && sub.Chain.IsEVM():
			return nil, usagef("%s:%s: seed an Ethereum theft by its recipient's address", sub.Chain, sub.Tx.Format(sub.Chain))
		case sub.IsTx:
			nodes = []chains.Node{chains.TxOf(sub.Chain, sub.Tx)}
		case sub.Chain.IsEVM():
			assets, err := st.Assets(ctx, sub.Chain, sub.Address)
			if err != nil {
				return nil, err
			}
			for _, a := range assets {
				nodes = append(nodes, chains.AccountOf(sub.Chain, sub.Address, a))
			}
		default:
			nodes = []chains.Node{chains.HoldingOf(sub.Chain, sub.Address)}
		}
		for _, n := range nodes {
			if !seen[n] {
				seen[n] = true
				seeds = append(seeds, n)
			}
		}
	}
	return seeds, nil
}

// traceTime reads --since/--until: RFC 3339, or block:N of the first
// seed's chain.
func traceTime(st *store.Store, seeds []chains.Node, flag, v string) (uint64, error) {
	if v == "" {
		return 0, nil
	}
	if n, ok := strings.CutPrefix(v, "block:"); ok {
		h, err := strconv.ParseUint(n, 10, 64)
		if err != nil || len(seeds) == 0 {
			return 0, usagef("%s %q: want block:N with N a block number", flag, v)
		}
		t, err := st.BlockTime(seeds[0].Chain, h)
		if err != nil {
			return 0, usagef("%s %q: the store has no %s block %d", flag, v, seeds[0].Chain, h)
		}
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return 0, usagef("%s %q: want an RFC 3339 time (2022-03-23T00:00:00Z) or block:N", flag, v)
	}
	return uint64(t.Unix()), nil
}

// parseUnits reads a decimal amount of whole units into base units, exactly.
func parseUnits(s string, decimals uint8) (*big.Int, error) {
	whole, frac, _ := strings.Cut(strings.TrimSpace(s), ".")
	if len(frac) > int(decimals) {
		return nil, fmt.Errorf("more than %d decimals", decimals)
	}
	v, ok := new(big.Int).SetString(whole+frac+strings.Repeat("0", int(decimals)-len(frac)), 10)
	if !ok || v.Sign() < 0 {
		return nil, fmt.Errorf("not a non-negative decimal number")
	}
	return v, nil
}

// storeAssets names assets from the store's token records, for reports.
type storeAssets struct {
	namer func(chains.Chain) *assetNamer
}

func (a storeAssets) Token(c chains.Chain, asset chains.Asset) chains.Token {
	return a.namer(c).token(asset)
}

// traceDocument builds hound.trace/v1 with the store's heights.
func traceDocument(st *store.Store, idx labels.Lookuper, namer func(chains.Chain) *assetNamer, res *trace.Result) (*report.Document, error) {
	heights := map[chains.Chain]uint64{}
	cs, err := st.Chains()
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		cp, _, err := st.Checkpoint(c)
		if err != nil {
			return nil, err
		}
		heights[c] = cp.Height
	}
	return report.Build(res, versionString(), heights, idx, storeAssets{namer}), nil
}
