package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/houndtrace/hound/store"
	"github.com/houndtrace/hound/trace/report"
)

// batchSummarySchema names the --summary document.
const batchSummarySchema = "hound.batch/v1"

// batchSummary is what a finished batch run reports: on stderr, and as
// JSON with --summary.
type batchSummary struct {
	Schema       string            `json:"schema"`
	Job          string            `json:"job"`
	Run          string            `json:"run"`
	Input        string            `json:"input"`
	Output       string            `json:"output"`
	Format       string            `json:"format"`
	Model        string            `json:"model"`
	Hops         int               `json:"hops"`
	Heights      map[string]uint64 `json:"heights"`
	LabelsDigest string            `json:"labels_digest"`
	Started      time.Time         `json:"started"` // when the run began (a resumed run: its first start)
	Finished     time.Time         `json:"finished"`

	Rows     int `json:"rows"`
	Resumed  int `json:"resumed"`  // rows this process found done in the output
	Screened int `json:"screened"` // rows this process screened
	Errors   int `json:"errors"`   // rows that could not be read or screened (risk unknown, with an error)
	// Risk counts the rows at each level: none, low, medium, high,
	// severe, unknown.
	Risk    map[string]int `json:"risk"`
	FailOn  string         `json:"fail_on"`
	Hits    int            `json:"hits"`    // rows at or above fail_on
	Methods map[string]int `json:"methods"` // rows answered by precomputed, walked, or none (errors)

	// The job's previous finished run, nil on a job's first run (then
	// every hit is new and no row changed).
	Previous    *batchPrevious `json:"previous"`
	NewHits     int            `json:"new_hits"` // rows at or above fail_on now, below it or absent in the previous run
	Changed     int            `json:"changed"`  // rows of the previous run whose risk differs now
	NewHitRows  []batchChange  `json:"new_hit_rows"`
	ChangedRows []batchChange  `json:"changed_rows"`

	ElapsedSeconds float64 `json:"elapsed_seconds"` // this process, from start to end (syncs and a rebuild included)
	ScreenSeconds  float64 `json:"screen_seconds"`  // this process, screening and writing rows
	RowsPerSecond  float64 `json:"rows_per_second"` // screened / screen_seconds
}

// batchPrevious names the run a batch compares with.
type batchPrevious struct {
	Run      string    `json:"run"`
	Finished time.Time `json:"finished"`
	Rows     int       `json:"rows"`
}

// batchChange is a row whose risk is news: its input row number (from 1),
// id, subject, risk now and in the previous run ("" when it was not in it).
type batchChange struct {
	Row      int    `json:"row"`
	ID       string `json:"id"`
	Subject  string `json:"subject"`
	Risk     string `json:"risk"`
	Previous string `json:"previous,omitempty"`
}

// batchRowKey identifies a row across runs: its id and subject.
func batchRowKey(id, subject string) string { return id + "\x00" + subject }

// count fills the per-row counts from the outcomes.
func (s *batchSummary) count(out []batchOutcome) {
	s.Rows = len(out)
	s.Risk = map[string]int{report.RiskUnknown: 0}
	for _, l := range report.RiskLevels {
		s.Risk[l] = 0
	}
	s.Methods = map[string]int{}
	for i := range out {
		o := &out[i]
		s.Risk[o.risk]++
		s.Methods[o.method]++
		if o.failed {
			s.Errors++
		}
		if report.RiskRank(o.risk) >= report.RiskRank(s.FailOn) {
			s.Hits++
		}
	}
}

// compare finds the new hits and the changed rows against the previous
// run's rows (nil on a first run).
func (s *batchSummary) compare(out []batchOutcome, previous map[string]string) {
	s.NewHitRows, s.ChangedRows = []batchChange{}, []batchChange{}
	failOn := report.RiskRank(s.FailOn)
	for i := range out {
		o := &out[i]
		was, seen := previous[batchRowKey(o.id, o.subject)]
		c := batchChange{Row: i + 1, ID: o.id, Subject: o.subject, Risk: o.risk, Previous: was}
		if report.RiskRank(o.risk) >= failOn && (!seen || report.RiskRank(was) < failOn) {
			s.NewHitRows = append(s.NewHitRows, c)
		}
		if seen && was != o.risk {
			s.ChangedRows = append(s.ChangedRows, c)
		}
	}
	s.NewHits, s.Changed = len(s.NewHitRows), len(s.ChangedRows)
}

// batchHistory compares a finished run with the job's previous finished
// run and stores it as the job's last run. A run stored already (the
// process was killed after storing it) compares with the run before it.
func batchHistory(st *store.Store, sum *batchSummary, state *batchState, out []batchOutcome) error {
	job, _, err := st.Job(state.Job)
	if err != nil {
		return err
	}
	prev := job.Last
	if prev != nil && prev.ID == state.Run {
		prev = job.Before
	}
	var previous map[string]string
	if prev != nil {
		sum.Previous = &batchPrevious{Run: prev.ID, Finished: prev.Finished, Rows: prev.Rows}
		previous = make(map[string]string, prev.Rows)
		err := st.JobRows(state.Job, prev, func(r store.JobRow) error {
			previous[batchRowKey(r.ID, r.Subject)] = r.Risk
			return nil
		})
		if err != nil {
			return fmt.Errorf("job %s: the previous run: %w", state.Job, err)
		}
	}
	sum.compare(out, previous)
	rows := make([]store.JobRow, len(out))
	for i := range out {
		rows[i] = store.JobRow{ID: out[i].id, Subject: out[i].subject, Risk: out[i].risk}
	}
	return st.PutJobRun(state.Job, store.JobRun{ID: state.Run, Started: state.Started, Finished: sum.Finished}, rows)
}

// batchListed is how many new hits and changed rows the stderr summary
// names; --summary lists all.
const batchListed = 10

// write prints the summary for a person.
func (s *batchSummary) write(w io.Writer) {
	fmt.Fprintf(w, "batch %s: %d rows", s.Job, s.Rows)
	if s.Resumed > 0 {
		fmt.Fprintf(w, " (%d resumed from the output, %d screened now)", s.Resumed, s.Screened)
	}
	fmt.Fprintf(w, ", %d errors, in %.1fs (%.0f rows/s screened)\n", s.Errors, s.ElapsedSeconds, s.RowsPerSecond)
	var levels []string
	for _, l := range append([]string{report.RiskSevere, report.RiskHigh, report.RiskMedium, report.RiskLow, report.RiskNone}, report.RiskUnknown) {
		levels = append(levels, fmt.Sprintf("%s %d", l, s.Risk[l]))
	}
	fmt.Fprintf(w, "risk: %s\n", strings.Join(levels, ", "))
	var methods []string
	for _, m := range []string{"precomputed", "walked", "none"} {
		if n := s.Methods[m]; n > 0 {
			methods = append(methods, fmt.Sprintf("%s %d", m, n))
		}
	}
	fmt.Fprintf(w, "method: %s\n", strings.Join(methods, ", "))
	if s.Previous == nil {
		fmt.Fprintf(w, "at or above %s: %d (the job's first run: all new)\n", s.FailOn, s.Hits)
	} else {
		fmt.Fprintf(w, "at or above %s: %d, %d new since run %s (%s); %d rows changed risk\n", s.FailOn, s.Hits, s.NewHits,
			s.Previous.Run, s.Previous.Finished.Format(time.RFC3339), s.Changed)
	}
	list := func(what string, cs []batchChange) {
		for _, c := range cs[:min(len(cs), batchListed)] {
			was := "new row"
			if c.Previous != "" {
				was = "was " + c.Previous
			}
			fmt.Fprintf(w, "  %s: row %d, %s %s: %s (%s)\n", what, c.Row, c.ID, c.Subject, c.Risk, was)
		}
		if len(cs) > batchListed {
			fmt.Fprintf(w, "  ... %d more (--summary FILE lists them all)\n", len(cs)-batchListed)
		}
	}
	if s.Previous != nil {
		list("new hit", s.NewHitRows)
		list("changed", s.ChangedRows)
	}
}

// writeFile writes the summary as JSON to path.
func (s *batchSummary) writeFile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--summary: %w", err)
	}
	if err := writeJSON(f, s); err != nil {
		f.Close()
		return fmt.Errorf("--summary: %w", err)
	}
	return f.Close()
}
