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

	"github.com/houndtrace/hound/store"
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
}

func saveCase(st *store.Store, name string, p caseParams, doc *report.Document) error {
	now := time.Now().UTC().Format(time.RFC3339)
	rec := caseRecord{Schema: "hound.case/v1", Name: name, Created: now, Updated: now, Params: p, Result: doc}
	if old, ok, err := loadCase(st, name); err != nil {
		return err
	} else if ok {
		rec.Created = old.Created
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return st.PutCase(name, b)
}

func loadCase(st *store.Store, name string) (*caseRecord, bool, error) {
	b, ok, err := st.Case(name)
	if err != nil || !ok {
		return nil, ok, err
	}
	var rec caseRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, false, fmt.Errorf("case %s: %w", name, err)
	}
	return &rec, true, nil
}

func newCaseCommand(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "case",
		Short: "Saved traces: list, show and run them again after a sync",
		Long: `A case is a trace saved with hound trace --case NAME: its parameters, the chain heights it
saw and its result. hound case rerun NAME traces again with the same parameters over what
the store holds now (after a sync of new blocks, say) and says what changed. hound case
report NAME -o FILE writes its report: one HTML page with the graph and the freeze-request
packet.`,
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
	rerun := &cobra.Command{
		Use:   "rerun NAME",
		Short: "Run a saved case again over the store as it is now, and save the new result",
		Args:  exactArgs(1, "a case name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCaseRerun(cmd.Context(), cmd.OutOrStdout(), g, args[0], rerunOpts.Format, rerunOpts.Out)
		},
	}
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
	var recs []caseRecord
	err := st.Cases(func(name string, b []byte) error {
		var rec caseRecord
		if err := json.Unmarshal(b, &rec); err != nil {
			return fmt.Errorf("case %s: %w", name, err)
		}
		rec.Result.Edges, rec.Result.Nodes = nil, nil // a listing needs the summary only
		recs = append(recs, rec)
		return nil
	})
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

func runCaseRerun(ctx context.Context, w io.Writer, g *globalOptions, name, format, out string) error {
	st, rec, err := openCase(g, name, format)
	if err != nil {
		return err
	}
	defer st.Close()
	doc, err := computeTrace(ctx, g, st, rec.Params)
	if err != nil {
		return err
	}
	if err := saveCase(st, name, rec.Params, doc); err != nil {
		return err
	}
	old := map[string]bool{}
	for _, f := range rec.Result.Findings {
		old[f.Kind+" "+f.Address+" "+f.Tx+" "+f.Asset] = true
	}
	added := 0
	for _, f := range doc.Findings {
		if !old[f.Kind+" "+f.Address+" "+f.Tx+" "+f.Asset] {
			added++
		}
	}
	if format == "table" && out == "" {
		fmt.Fprintf(w, "case %s: %d finding(s) before, %d now, %d new\n", name, len(rec.Result.Findings), len(doc.Findings), added)
	}
	return writeTrace(w, out, format, doc, storeAssets{namerOf(st)}, caseHTMLOptions(rec))
}
