package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/houndtrace/hound/labels"
	"github.com/houndtrace/hound/store"
	"github.com/houndtrace/hound/trace"
	"github.com/houndtrace/hound/trace/report"
)

type batchOptions struct {
	Screen        screenOptions // Input, Format and the screening flags
	Output        string
	Job           string
	Sync          []string
	Confirmations int64
	Restart       bool
	Summary       string
}

func newBatchCommand(g *globalOptions) *cobra.Command {
	var opts batchOptions
	cmd := &cobra.Command{
		Use:   "batch --input FILE --output FILE [--sync CHAIN=URL ...]",
		Short: "Screen a file of addresses and deposits, unattended: resumable, with what is new since the last run",
		Long: `Screen every row of --input (a CSV file or JSON lines, as hound screen --input reads them)
and write one result per row to --output, in input order: JSON lines (the hound.screen/v1
results hound screen --format jsonl writes) or CSV (hound screen --format csv), by --format
or the output's extension (.jsonl, .csv). A row that cannot be read is a result with its error.

First, each --sync CHAIN=URL syncs that chain from its node, as hound sync CHAIN --rpc URL
does (up to the head minus --confirmations; a Bitcoin node's user and password go in the
URL: http://user:pass@127.0.0.1:8332). Then, unless --method walk, the precomputed exposure
is rebuilt if it is not current for the store's heights, the labels, --model and --hops (as
hound exposure rebuild does), so each row is a lookup. Rows are screened by --workers
goroutines at once and written in input order.

Resume: the output is the checkpoint. Beside it, OUTPUT.hound-batch.json records the job,
the input's SHA-256, the format, the screening flags, the heights and labels screened
against, and how far the run got (updated every 1,000 rows). When a run is killed (even by
SIGKILL) or interrupted, the next run with the same --output reads the output's complete
results, checks that they answer the input's first rows, cuts off a result written only in
part, and goes on after them, without syncing again: each row's result is in the output
exactly once, and the output is the one an uninterrupted run writes. A resume is refused
(exit 2) when the input, the flags, the store's heights or the labels changed since the
run began; --restart starts over instead. Once a run has finished, the next run with that
--output starts over: it is a new run (the nightly one), and rewrites the output.

Job history: --job NAME (default: the output file's name) names the job. The store keeps,
per job, the risk of every row of its last finished run (rows are told apart by id and
subject); a run reports the new hits (rows at or above --fail-on now that were below it or
absent in the previous run) and the changed rows (whose risk level differs from the
previous run's, e.g. after a label import or a sync), then becomes the job's previous run.

At the end a summary goes to stderr: rows, errors, rows per risk level, the method that
answered (precomputed, walked), hits, new hits and changed rows (the first ten named),
elapsed time and rows per second; --summary FILE writes it as JSON (schema hound.batch/v1)
with every new hit and changed row.

Exit code: 4 when a row is at or above --fail-on (default high), else 0; 2 for bad usage
or input, or a refused resume; 1 for a failure; 130 when interrupted (Ctrl-C, SIGTERM), and
the output stays resumable.`,
		Example: `  hound batch --input customers.csv --output exposures.jsonl --sync ethereum=http://127.0.0.1:8545
  hound batch --input deposits.jsonl --output deposits.csv --job deposits --fail-on severe --summary summary.json
  hound batch --input customers.csv --output exposures.jsonl --restart     # start over, not resume`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBatch(cmd.Context(), cmd.ErrOrStderr(), g, opts)
		},
	}
	f := cmd.Flags()
	o := &opts.Screen
	f.StringVar(&o.Input, "input", "", "the rows to screen: a CSV file (id,subject or id,chain,address,tx) or JSON lines")
	f.StringVarP(&opts.Output, "output", "o", "", "write the results to FILE (and keep FILE"+batchStateSuffix+" beside it)")
	f.StringVar(&o.Format, "format", "", "output format: jsonl or csv (default: by the output's extension)")
	f.StringVar(&opts.Job, "job", "", "the job's name, for what is new since its previous run (default: the output's file name)")
	f.StringArrayVar(&opts.Sync, "sync", nil, "sync CHAIN from the node at URL before screening (CHAIN=URL; repeat for more chains)")
	f.Int64Var(&opts.Confirmations, "confirmations", -1, "blocks each --sync stays behind the head (default per chain: ethereum 12, bitcoin 6)")
	f.BoolVar(&opts.Restart, "restart", false, "start over even when the output holds an unfinished run")
	f.StringVar(&opts.Summary, "summary", "", "also write the summary as JSON to FILE")
	f.StringVar(&o.Model, "model", trace.DefaultModel.String(), "taint model: haircut, poison, fifo, lifo or tiho")
	f.IntVar(&o.Hops, "hops", trace.DefaultScreenHops, "how many steps back from the subject the exposure reaches")
	f.IntVar(&o.Cone, "cone", trace.DefaultScreenCone, "the most nodes a walked subject's cone holds")
	f.StringVar(&o.Actor, "actor", labels.DPRK, "sanctioned labels of this actor count as sources (theft labels always do)")
	f.StringVar(&o.FailOn, "fail-on", report.RiskHigh, "exit with code 4 when a row is at or above this risk: low, medium, high or severe")
	f.StringVar(&o.High, "high", "0.1", "the tainted share of an asset's inflow that makes a subject high risk")
	f.StringVar(&o.Medium, "medium", "0.01", "the tainted share that makes a subject medium risk")
	f.StringVar(&o.Method, "method", "auto", "auto (the precomputed exposure, rebuilt first if stale), walk (with evidence paths) or precomputed")
	return cmd
}

func runBatch(ctx context.Context, stderr io.Writer, g *globalOptions, o batchOptions) error {
	began := time.Now()
	if o.Screen.Input == "" || o.Output == "" {
		return usagef("batch: --input FILE and --output FILE are required")
	}
	format, err := batchFormat(o.Screen.Format, o.Output)
	if err != nil {
		return err
	}
	syncs, err := parseServeSyncs(o.Sync) // the same flag as hound serve --sync
	if err != nil {
		return err
	}
	if report.RiskRank(o.Screen.FailOn) == 0 {
		return usagef("--fail-on %q: want one of %s", o.Screen.FailOn, strings.Join(report.RiskLevels, ", "))
	}
	if in, err := os.Stat(o.Screen.Input); err == nil {
		if out, err := os.Stat(o.Output); err == nil && os.SameFile(in, out) {
			return usagef("--output %s is the input", o.Output)
		}
	}
	job := o.Job
	if job == "" {
		job = filepath.Base(o.Output)
	}
	if len(job) > 200 {
		return usagef("--job %q: want at most 200 bytes", job)
	}
	method := o.Screen.Method
	if method == "" {
		method = "auto"
	}
	rows, err := readScreenInput(o.Screen.Input)
	if err != nil {
		return err
	}
	digest, err := fileSHA256(o.Screen.Input)
	if err != nil {
		return err
	}
	input, _ := filepath.Abs(o.Screen.Input)
	want := batchState{Schema: batchStateSchema, Job: job, Input: input, InputSHA256: digest, Format: format,
		Model: o.Screen.Model, Hops: o.Screen.Hops, Cone: o.Screen.Cone, Actor: o.Screen.Actor, High: o.Screen.High,
		Medium: o.Screen.Medium, Method: method, Rows: len(rows)}
	prev, hasState, err := readBatchState(o.Output)
	if err != nil {
		return err
	}
	resume := hasState && !prev.Done && !o.Restart
	if resume {
		if why := prev.sameParameters(&want); why != "" {
			return usagef("cannot resume the unfinished run in %s: %s; --restart to start over", o.Output, why)
		}
		if len(syncs) > 0 {
			fmt.Fprintf(stderr, "hound batch: resuming run %s: no --sync, so its rows are all screened at the same heights\n", prev.Run)
		}
	} else {
		for _, s := range syncs {
			so := syncOptions{RPC: s.url, To: "latest", Confirmations: o.Confirmations}
			if err := runSync(ctx, stderr, stderr, g, so, string(s.chain)); err != nil {
				return fmt.Errorf("--sync %s: %w", s.chain, err)
			}
		}
	}

	st, s, err := openBatchScreener(ctx, stderr, g, o.Screen, func(heights map[string]uint64, digest string) error {
		if !resume {
			return nil
		}
		if why := prev.sameStore(heights, digest); why != "" {
			return usagef("cannot resume the unfinished run in %s: %s; --restart to start over", o.Output, why)
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer st.Close()
	doc, err := s.document()
	if err != nil {
		return err
	}

	state := want
	state.Heights, state.LabelsDigest = doc.Heights, doc.LabelsDigest
	if resume {
		state.Run, state.Started = prev.Run, prev.Started
	} else {
		state.Started = time.Now().UTC().Truncate(time.Second)
		state.Run = newBatchRunID(state.Started)
	}
	out := make([]batchOutcome, len(rows))
	file, w, err := openBatchOutput(o.Output, format, resume, rows, out, &state)
	if err != nil {
		return err
	}
	defer file.Close()
	if resume {
		fmt.Fprintf(stderr, "hound batch: resuming run %s of job %s after row %d of %d\n", state.Run, job, state.RowsDone, len(rows))
	}

	sum := batchSummary{Schema: batchSummarySchema, Job: job, Run: state.Run, Input: o.Screen.Input, Output: o.Output, Format: format,
		Model: doc.Model, Hops: doc.Hops, Heights: doc.Heights, LabelsDigest: doc.LabelsDigest, Started: state.Started,
		FailOn: o.Screen.FailOn, Resumed: state.RowsDone}
	bar := newBatchBar(stderr, g.Quiet, out, state.RowsDone, o.Screen.FailOn)
	screenStart := time.Now()
	done, err := batchScreen(ctx, s, st, rows, state.RowsDone, g.Workers, format, w, out,
		func(done int) error {
			state.RowsDone = done
			return state.write(o.Output)
		}, bar.update)
	bar.finish()
	screenTime := time.Since(screenStart)
	sum.Screened = done - sum.Resumed
	state.RowsDone = done
	if err != nil {
		if serr := state.write(o.Output); serr != nil {
			return fmt.Errorf("%w (and the batch state: %v)", err, serr)
		}
		return err
	}
	if err := file.Sync(); err != nil {
		return err
	}
	if err := file.Close(); err != nil {
		return err
	}

	sum.Finished = time.Now().UTC().Truncate(time.Second)
	sum.count(out)
	if err := batchHistory(st, &sum, &state, out); err != nil {
		return err
	}
	state.Done, state.Finished = true, sum.Finished
	if err := state.write(o.Output); err != nil {
		return err
	}
	sum.ElapsedSeconds = time.Since(began).Seconds()
	sum.ScreenSeconds = screenTime.Seconds()
	if sum.ScreenSeconds > 0 {
		sum.RowsPerSecond = float64(sum.Screened) / sum.ScreenSeconds
	}
	sum.write(stderr)
	if o.Summary != "" {
		if err := sum.writeFile(o.Summary); err != nil {
			return err
		}
	}
	if sum.Hits > 0 {
		return hitsError{sum.Hits, o.Screen.FailOn}
	}
	return nil
}

// openBatchOutput opens the output for a run whose state is st: a new run
// empties it; a resumed one keeps the complete results answering the
// input's first rows (their outcomes go into out, their count into
// st.RowsDone) and cuts off the rest. It writes the CSV header where the
// output starts, then st, and returns the output and a writer on it.
func openBatchOutput(path, format string, resume bool, rows []screenRow, out []batchOutcome, st *batchState) (*os.File, *bufio.Writer, error) {
	var file *os.File
	var end int64 // where the run writes on
	var err error
	if resume {
		if st.RowsDone, end, err = scanBatchOutput(path, format, rows, out); err != nil {
			return nil, nil, err
		}
		if format == "csv" && st.RowsDone == 0 {
			end = 0 // the header is written again
		}
		if file, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644); err != nil {
			return nil, nil, err
		}
		if err = file.Truncate(end); err == nil {
			_, err = file.Seek(end, io.SeekStart)
		}
	} else {
		// The output is emptied before the new state is written: a kill
		// in between leaves the old state (finished), and the next run
		// starts over too.
		file, err = os.Create(path)
		if err != nil {
			return nil, nil, err
		}
	}
	w := bufio.NewWriterSize(file, 256<<10)
	if err == nil && format == "csv" && end == 0 {
		w.Write(batchCSVHeader())
	}
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = st.write(path)
	}
	if err != nil {
		file.Close()
		return nil, nil, err
	}
	return file, w, nil
}

// openBatchScreener opens the store and a screener for so. check sees the
// store's heights and labels digest first (a resume refuses other ones).
// Unless the screener walks, a precomputed exposure that is not current is
// rebuilt first, as hound exposure rebuild does (it opens the store
// itself).
func openBatchScreener(ctx context.Context, stderr io.Writer, g *globalOptions, so screenOptions,
	check func(heights map[string]uint64, digest string) error) (*store.Store, *screener, error) {
	probe := so
	if probe.Method == "precomputed" {
		probe.Method = "auto" // checked below, after a rebuild
	}
	for rebuilt := false; ; rebuilt = true {
		st, err := g.openStore()
		if err != nil {
			return nil, nil, err
		}
		s, err := newScreener(g, st, probe)
		if err == nil {
			var doc *report.ScreenDocument
			if doc, err = s.document(); err == nil {
				err = check(doc.Heights, doc.LabelsDigest)
			}
		}
		if err != nil {
			st.Close()
			return nil, nil, err
		}
		if s.walk || s.exposure.Current {
			return st, s, nil
		}
		if rebuilt {
			if so.Method == "precomputed" {
				st.Close()
				return nil, nil, fmt.Errorf("--method precomputed: the precomputed exposure is not current after a rebuild (%s)", s.exposure.Why)
			}
			return st, s, nil // it walks
		}
		st.Close()
		fmt.Fprintf(stderr, "hound batch: the precomputed exposure is not current (%s): rebuilding it\n", s.exposure.Why)
		if err := runExposureRebuild(ctx, stderr, g, screenOptions{Model: so.Model, Hops: so.Hops, Actor: so.Actor}); err != nil {
			return nil, nil, fmt.Errorf("exposure rebuild: %w", err)
		}
	}
}
