package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/store"
	"github.com/houndtrace/hound/trace"
	"github.com/houndtrace/hound/trace/report"
)

// caseParams are the parameters of a trace, saved with a case so that it
// can be run again.
type caseParams struct {
	Seeds  []string `json:"seeds"`
	Actor  string   `json:"actor"`
	Model  string   `json:"model"`
	Hops   int      `json:"hops"`
	Min    string   `json:"min,omitempty"`
	Since  string   `json:"since,omitempty"`
	Until  string   `json:"until,omitempty"`
	FanOut int      `json:"fanout"`
	// FollowMixers continues from linked mixer withdrawals.
	FollowMixers bool `json:"follow_mixers,omitempty"`
}

// caseRecord is hound.case/v1, the record the store keeps of a case.
type caseRecord struct {
	Schema  string           `json:"schema"`
	Name    string           `json:"name"`
	Created string           `json:"created"`
	Updated string           `json:"updated"`
	Params  caseParams       `json:"params"`
	Result  *report.Document `json:"result"`
	// Walk says what the walk saved beside the record saw, which a rerun
	// checks before it continues from it.
	Walk *caseWalk `json:"walk,omitempty"`
}

// caseWalk is what a saved walk depends on beyond its parameters: the
// labels (their digest) and, per chain, the blocks up to the height it saw
// (coverage).
type caseWalk struct {
	LabelsDigest string            `json:"labels_digest"`
	Coverage     map[string]string `json:"coverage"`
}

// caseRun is one run of a case: its result, the walk a rerun continues
// from, and how a rerun got the result.
type caseRun struct {
	doc   *report.Document
	walk  *caseWalk
	state []byte
	how   string
}

// runCase traces a case's parameters p. Given the case's record and saved
// walk (a rerun), it continues that walk over the blocks synced since
// when nothing it depends on changed, and traces afresh otherwise; run.how
// says which, and why. Both give the result a fresh trace gives.
func runCase(ctx context.Context, g *globalOptions, st *store.Store, p caseParams, old *caseRecord, state []byte) (*caseRun, error) {
	s, err := prepareTrace(ctx, g, st, p)
	if err != nil {
		return nil, err
	}
	s.opts.Resumable = true
	digest, err := labelsDigest(s.idx)
	if err != nil {
		return nil, err
	}
	run := &caseRun{walk: &caseWalk{LabelsDigest: digest, Coverage: map[string]string{}}}
	var res *trace.Result
	if old != nil {
		reason, err := continuable(st, old, state, digest)
		if err != nil {
			return nil, err
		}
		if reason == "" {
			res, err = trace.Resume(ctx, st, s.idx, s.seeds, s.opts, state)
			switch {
			case err == nil:
				run.how = "continued from the saved walk"
			case errors.Is(err, trace.ErrStale):
				reason = strings.TrimPrefix(err.Error(), trace.ErrStale.Error()+": ")
			default:
				return nil, err
			}
		}
		if res == nil {
			run.how = "traced afresh: " + reason
		}
	}
	if res == nil {
		if res, err = trace.Trace(ctx, st, s.idx, s.seeds, s.opts); err != nil {
			return nil, err
		}
	}
	if run.doc, err = traceDocument(st, s.idx, s.namer, res); err != nil {
		return nil, err
	}
	for c, h := range run.doc.Heights {
		if run.walk.Coverage[c], err = coverage(st, chains.Chain(c), h); err != nil {
			return nil, err
		}
	}
	run.state = res.State()
	return run, nil
}

// continuable says why a case's saved walk cannot be continued, or "" if
// it can (as far as the command line can tell: trace.Resume checks the
// rest).
func continuable(st *store.Store, old *caseRecord, state []byte, digest string) (string, error) {
	switch {
	case old.Walk == nil || state == nil:
		return "the case has no saved walk", nil
	case old.Walk.LabelsDigest != digest:
		return "the labels changed", nil
	}
	for c, was := range old.Walk.Coverage {
		h := old.Result.Heights[c]
		now, err := coverage(st, chains.Chain(c), h)
		if err != nil {
			return "", err
		}
		if was != "" && now != was {
			return fmt.Sprintf("the blocks of %s up to %d changed (a reorg, or a resync)", c, h), nil
		}
	}
	return "", nil
}

// coverage sums up the blocks chain c holds up to height h: the main
// range's first block and the hash at h, and the detached segments below
// h. Two equal coverages hold the same blocks up to h; "" is an empty
// chain.
func coverage(st *store.Store, c chains.Chain, h uint64) (string, error) {
	cp, ok, err := st.Checkpoint(c)
	if err != nil || !ok {
		return "", err
	}
	var b strings.Builder
	if cp.Height >= h && h >= cp.First {
		hash, err := st.BlockHash(c, h)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "%d-%d %x", cp.First, h, hash[:])
	}
	segs, err := st.Segments(c)
	if err != nil {
		return "", err
	}
	for _, g := range segs {
		if g.First <= h {
			fmt.Fprintf(&b, " %d-%d", g.First, min(g.Height, h))
		}
	}
	return b.String(), nil
}

func saveCase(st *store.Store, name string, p caseParams, run *caseRun) error {
	now := time.Now().UTC().Format(time.RFC3339)
	rec := caseRecord{Schema: "hound.case/v1", Name: name, Created: now, Updated: now, Params: p, Result: run.doc, Walk: run.walk}
	if old, ok, err := loadCase(st, name); err != nil {
		return err
	} else if ok {
		rec.Created = old.Created
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return st.PutCase(name, b, run.state)
}

func loadCase(st *store.Store, name string) (*caseRecord, bool, error) {
	b, ok, err := st.Case(name)
	if err != nil || !ok {
		return nil, ok, err
	}
	rec, err := decodeCase(name, b)
	return rec, err == nil, err
}

// decodeCase reads the stored record of case name.
func decodeCase(name string, b []byte) (*caseRecord, error) {
	var rec caseRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("case %s: %w", name, err)
	}
	return &rec, nil
}

// everyCase reads the records of every saved case, by name; summary
// drops each result's nodes and edges as it is read.
func everyCase(st *store.Store, summary bool) ([]*caseRecord, error) {
	var recs []*caseRecord
	err := st.Cases(func(name string, b []byte) error {
		rec, err := decodeCase(name, b)
		if err != nil {
			return err
		}
		if summary {
			rec.Result.Edges, rec.Result.Nodes = nil, nil
		}
		recs = append(recs, rec)
		return nil
	})
	return recs, err
}

func newCaseCommand(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "case",
		Short: "Saved traces: list, show and run them again after a sync",
		Long: `A case is a trace saved with hound trace --case NAME: its parameters, the chain heights it
saw and its result, and the walk at its end. hound case rerun NAME runs it again over what
the store holds now (after a sync of new blocks, say) and says what changed: it continues
the saved walk from its frontier (the nodes still holding taint, the outputs left unspent)
over the new blocks, or, where something the walk decided has changed since (new labels, a
reorg below the heights it saw, a node now past the fan-out bound, a new mixer withdrawal or
bridge payout linked to an old deposit, a later block of one chain older than the walk's last
flow on another), traces afresh. Either way the result equals a fresh trace; the first line
says which it did, and why (on standard error when the output is not the table).

hound case report NAME -o FILE writes its report: one HTML page with the graph and the
freeze-request packet.`,
	}
	var showOpts, rerunOpts struct{ Format, Out string }
	show := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a saved case's result",
		Args:  exactArgs(1, "a case name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCaseShow(cmd.OutOrStdout(), g, args[0], showOpts.Format, showOpts.Out)
		},
	}
	var rerunAll, failOnNew bool
	rerun := &cobra.Command{
		Use:   "rerun NAME | --all",
		Short: "Run a saved case again over the store as it is now, and save the new result",
		Long: `Run a saved case again over the store as it is now, and save the new result. It continues
the case's saved walk over the blocks synced since where that gives a fresh trace's result, and
traces afresh where it does not; a first line says which, and why, and counts the findings
before, now and new (on standard error when the output is not the table). --all reruns every
saved case with that line each; --fail-on-new exits with code 4 when any rerun finds what its
case had not, for a nightly job after the sync.`,
		Example: `  hound case rerun dprk --format json -o dprk.json
  hound sync ethereum --rpc URL && hound case rerun --all --fail-on-new   # nightly`,
		Args: func(cmd *cobra.Command, args []string) error {
			if rerunAll {
				if len(args) > 0 {
					return usagef("rerun: name a case or give --all, not both")
				}
				return nil
			}
			return exactArgs(1, "a case name (or --all)")(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if rerunAll {
				return runCaseRerunAll(cmd.Context(), cmd.OutOrStdout(), g, rerunOpts.Format, rerunOpts.Out, failOnNew)
			}
			return runCaseRerun(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), g, args[0], rerunOpts.Format, rerunOpts.Out, failOnNew)
		},
	}
	rerun.Flags().BoolVar(&rerunAll, "all", false, "rerun every saved case, one summary line each (the table format only)")
	rerun.Flags().BoolVar(&failOnNew, "fail-on-new", false, "exit with code 4 when a rerun finds what its case had not found")
	for _, c := range []*cobra.Command{show, rerun} {
		o := &showOpts
		if c == rerun {
			o = &rerunOpts
		}
		c.Flags().StringVar(&o.Format, "format", "table", "output format: table, json, csv, dot, html or freeze (as hound trace)")
		c.Flags().StringVarP(&o.Out, "output", "o", "", "write to FILE instead of standard output")
	}
	var reportOut string
	rep := &cobra.Command{
		Use:   "report NAME -o FILE",
		Short: "Write a saved case's report: one self-contained HTML page to open in a browser",
		Long: `Write the investigator's report of a saved case, from its stored result (no new trace):
one HTML file that works offline, opened from disk, and makes no network request. It has
the interactive flow graph (pan, zoom, click a node or a flow for its labels, flows and
transactions; search an address or a transaction), the findings (sortable), the freeze-request
packet (per exchange, every deposit address that received tainted funds, with the deposit
transactions, their times and amounts), a timeline of the tainted flows, the totals per hop,
and a footer to reproduce it: Hound's version, the model and parameters, the store's heights,
the seeds and their label sources, and hashes of the inputs and the result.

hound case show NAME --format freeze writes the freeze-request packet alone, as CSV.`,
		Example: `  hound trace --actor DPRK --case dprk
  hound case report dprk -o dprk.html`,
		Args: exactArgs(1, "a case name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCaseReport(cmd.OutOrStdout(), g, args[0], reportOut)
		},
	}
	rep.Flags().StringVarP(&reportOut, "output", "o", "", "write the page to FILE instead of standard output")
	cmd.AddCommand(newViewCommand(g, runCaseList, &cobra.Command{Use: "list", Short: "List the saved cases"}), show, rerun, rep)
	return cmd
}

// errNoCase says that the store has no case of the name asked for.
var errNoCase = errors.New("no case")

// caseHTMLOptions are what a case's report says beside its result.
func caseHTMLOptions(rec *caseRecord) report.HTMLOptions {
	return htmlOptions("Case "+rec.Name+": "+traceTitle(rec.Params), rec.Params)
}

func runCaseReport(w io.Writer, g *globalOptions, name, out string) error {
	st, err := g.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	if out == "" {
		return writeCaseReport(w, st, name)
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := writeCaseReport(f, st, name); err != nil {
		f.Close()
		os.Remove(out)
		return err
	}
	return f.Close()
}

// writeCaseReport writes the report page of the saved case name (what hound
// case report writes): one self-contained HTML page, built from the case's
// stored result. It writes nothing unless it succeeds, so a server can still
// answer with an error status; a missing case is a usage error wrapping
// errNoCase. The page loads nothing (its Content-Security-Policy forbids
// every request): serve it as text/html; charset=utf-8.
func writeCaseReport(w io.Writer, st *store.Store, name string) error {
	rec, ok, err := loadCase(st, name)
	if err != nil {
		return err
	}
	if !ok {
		return usageError{fmt.Errorf("%w %q in the store (see hound case list)", errNoCase, name)}
	}
	return report.WriteHTML(w, rec.Result, storeAssets{namerOf(st)}, caseHTMLOptions(rec))
}

func runCaseList(w io.Writer, _ *globalOptions, st *store.Store, format string) error {
	recs, err := everyCase(st, true) // a listing needs the summary only
	if err != nil {
		return err
	}
	if format == "json" {
		return writeJSON(w, map[string]any{"schema": "hound.cases/v1", "cases": recs})
	}
	tw := newTable(w)
	fmt.Fprintln(tw, "CASE\tMODEL\tSEEDS\tFINDINGS\tHEIGHTS\tUPDATED")
	for _, r := range recs {
		var hs []string
		for c, h := range r.Result.Heights {
			hs = append(hs, fmt.Sprintf("%s %d", c, h))
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\n", r.Name, r.Params.Model, len(r.Result.Seeds), len(r.Result.Findings), strings.Join(hs, ", "), r.Updated)
	}
	return tw.Flush()
}

// openCase opens the store and loads case name, or says it does not exist.
func openCase(g *globalOptions, name, format string) (*store.Store, *caseRecord, error) {
	if err := checkFormat(format, traceFormats...); err != nil {
		return nil, nil, err
	}
	st, err := g.openStore()
	if err != nil {
		return nil, nil, err
	}
	rec, ok, err := loadCase(st, name)
	if err == nil && !ok {
		err = usagef("no case %q in the store (see hound case list)", name)
	}
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, rec, nil
}

func runCaseShow(w io.Writer, g *globalOptions, name, format, out string) error {
	st, rec, err := openCase(g, name, format)
	if err != nil {
		return err
	}
	defer st.Close()
	return writeTrace(w, out, format, rec.Result, storeAssets{namerOf(st)}, caseHTMLOptions(rec))
}

func runCaseRerun(ctx context.Context, w, errw io.Writer, g *globalOptions, name, format, out string, failOnNew bool) error {
	st, rec, err := openCase(g, name, format)
	if err != nil {
		return err
	}
	defer st.Close()
	run, added, err := rerunSaved(ctx, g, st, rec)
	if err != nil {
		return err
	}
	note := w
	if format != "table" || out != "" {
		note = errw // keep the output the document alone
	}
	fmt.Fprintln(note, rerunLine(rec, run, added))
	if err := writeTrace(w, out, format, run.doc, storeAssets{namerOf(st)}, caseHTMLOptions(rec)); err != nil {
		return err
	}
	return newFindings(failOnNew, added)
}

// runCaseRerunAll reruns every saved case, in name order, with a line
// each. A case that fails is said so and the others still run.
func runCaseRerunAll(ctx context.Context, w io.Writer, g *globalOptions, format, out string, failOnNew bool) error {
	if format != "table" || out != "" {
		return usagef("rerun --all writes a line per case: no --format or -o (rerun one case for its document)")
	}
	st, err := g.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	recs, err := everyCase(st, false)
	if err != nil {
		return err
	}
	total, failed := 0, 0
	for _, rec := range recs {
		run, added, err := rerunSaved(ctx, g, st, rec)
		if errors.Is(err, context.Canceled) {
			return err
		}
		if err != nil { // the other cases still run
			fmt.Fprintf(w, "case %s: failed: %v\n", rec.Name, err)
			failed++
			continue
		}
		fmt.Fprintln(w, rerunLine(rec, run, added))
		total += added
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d case(s) failed", failed, len(recs))
	}
	return newFindings(failOnNew, total)
}

// rerunSaved runs saved case rec again (continuing its walk where it can),
// saves the new run, and counts the findings the case did not have.
func rerunSaved(ctx context.Context, g *globalOptions, st *store.Store, rec *caseRecord) (*caseRun, int, error) {
	state, _, err := st.CaseWalk(rec.Name)
	if err != nil {
		return nil, 0, err
	}
	run, err := runCase(ctx, g, st, rec.Params, rec, state)
	if err != nil {
		return nil, 0, err
	}
	if err := saveCase(st, rec.Name, rec.Params, run); err != nil {
		return nil, 0, err
	}
	old := map[string]bool{}
	for _, f := range rec.Result.Findings {
		old[f.Kind+" "+f.Address+" "+f.Tx+" "+f.Asset] = true
	}
	added := 0
	for _, f := range run.doc.Findings {
		if !old[f.Kind+" "+f.Address+" "+f.Tx+" "+f.Asset] {
			added++
		}
	}
	return run, added, nil
}

// rerunLine says how a rerun went: continued or traced afresh (and why),
// and the findings before, now and new.
func rerunLine(rec *caseRecord, run *caseRun, added int) string {
	return fmt.Sprintf("case %s: %s; %d finding(s) before, %d now, %d new", rec.Name, run.how, len(rec.Result.Findings), len(run.doc.Findings), added)
}

// newFindingsError says reruns found what their cases had not (exit code
// 4 with --fail-on-new).
type newFindingsError struct{ findings int }

func (e newFindingsError) Error() string { return fmt.Sprintf("%d new finding(s)", e.findings) }

func newFindings(failOnNew bool, added int) error {
	if failOnNew && added > 0 {
		return newFindingsError{added}
	}
	return nil
}
