package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/houndtrace/hound/trace/report"
)

// batchFormat is --format, else the output file's extension.
func batchFormat(format, output string) (string, error) {
	if format != "" {
		if err := checkFormat(format, "jsonl", "csv"); err != nil {
			return "", err
		}
		return format, nil
	}
	switch strings.ToLower(filepath.Ext(output)) {
	case ".jsonl", ".ndjson":
		return "jsonl", nil
	case ".csv":
		return "csv", nil
	}
	return "", usagef("--output %s: name the format with --format jsonl or csv (or end the file name in .jsonl or .csv)", output)
}

// batchOutcome is what the summary and the job history need of one row's
// result.
type batchOutcome struct {
	id, subject, risk, method string
	failed                    bool // an error result
}

func outcomeOf(r *report.ScreenResult) batchOutcome {
	return batchOutcome{id: r.ID, subject: r.Subject, risk: r.Risk, method: r.Method, failed: r.Error != ""}
}

// batchEncoder writes one result as the output format's bytes: a JSON line
// as hound screen --format jsonl writes it, or the result's CSV records as
// hound screen --format csv writes them.
type batchEncoder struct {
	format string
	buf    bytes.Buffer
}

func (e *batchEncoder) encode(r *report.ScreenResult) ([]byte, error) {
	e.buf.Reset()
	if e.format == "csv" {
		cw := csv.NewWriter(&e.buf)
		if err := cw.WriteAll(report.ScreenCSVRows(r)); err != nil {
			return nil, err
		}
	} else if err := json.NewEncoder(&e.buf).Encode(r); err != nil {
		return nil, err
	}
	return bytes.Clone(e.buf.Bytes()), nil
}

// batchCSVHeader is the first line of a CSV output.
func batchCSVHeader() []byte {
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	cw.Write(report.ScreenCSVHeader)
	cw.Flush()
	return b.Bytes()
}

// acceptsResult says whether a result with id and subject is row's: the
// subject is the canonical one, or the row's own text when it could not be
// read or screened.
func acceptsResult(row *screenRow, id, subject string) bool {
	if id != row.ID {
		return false
	}
	if row.err != nil {
		return subject == row.Subject
	}
	return subject == report.SubjectString(row.sub) || subject == row.Subject
}

// errNotContinued says that an output does not hold the results of the
// input's first rows: it is another run's, or another file.
type errNotContinued struct {
	path string
	row  int
	why  string
}

func (e errNotContinued) Error() string {
	return fmt.Sprintf("%s does not continue this input at row %d (%s): --restart to start over", e.path, e.row, e.why)
}

// scanBatchOutput reads the complete results at the head of an output and
// checks them against the input's first rows: it returns how many rows
// they answer, their outcomes (into out), and the length of the file they
// take, after which a resumed run writes. A result cut short by a kill (a
// partial line or CSV record, or the CSV records of a row's last result,
// whose completeness the records cannot show) is not counted and is
// overwritten. A missing file holds no rows.
func scanBatchOutput(path, format string, rows []screenRow, out []batchOutcome) (done int, end int64, err error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	if format == "csv" {
		return scanBatchCSV(f, path, rows, out)
	}
	br := bufio.NewReaderSize(f, 64<<10)
	for done < len(rows) {
		line, err := br.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			break // nothing, or a partial line
		}
		if err != nil {
			return 0, 0, err
		}
		var r report.ScreenResult
		if err := json.Unmarshal(line, &r); err != nil {
			return 0, 0, errNotContinued{path, done + 1, fmt.Sprintf("line %d is not a result: %v", done+1, err)}
		}
		if !acceptsResult(&rows[done], r.ID, r.Subject) {
			return 0, 0, errNotContinued{path, done + 1, fmt.Sprintf("the output has id %q subject %q", r.ID, r.Subject)}
		}
		out[done] = outcomeOf(&r)
		done++
		end += int64(len(line))
	}
	return done, end, nil
}

// csvRecord is one record of a CSV output and where it ends in the file.
type csvRecord struct {
	fields []string
	end    int64
}

// The columns of report.ScreenCSVHeader the scan reads.
const (
	csvColID      = 0
	csvColSubject = 2
	csvColRisk    = 3
	csvColAsset   = 4
	csvColMethod  = 10
	csvColError   = 12
)

func scanBatchCSV(f *os.File, path string, rows []screenRow, out []batchOutcome) (int, int64, error) {
	info, err := f.Stat()
	if err != nil {
		return 0, 0, err
	}
	header := batchCSVHeader()
	got := make([]byte, len(header))
	if n, _ := io.ReadFull(f, got); n < len(header) {
		if !bytes.HasPrefix(header, got[:n]) {
			return 0, 0, errNotContinued{path, 1, "it has no hound screen CSV header"}
		}
		return 0, 0, nil // cut within the header: the run writes it again
	}
	if !bytes.Equal(got, header) {
		return 0, 0, errNotContinued{path, 1, "it has no hound screen CSV header"}
	}
	size := info.Size()
	last := make([]byte, 1)
	if _, err := f.ReadAt(last, size-1); err != nil {
		return 0, 0, err
	}
	cr := csv.NewReader(bufio.NewReaderSize(f, 64<<10))
	cr.FieldsPerRecord = len(report.ScreenCSVHeader)
	var recs []csvRecord
	for {
		fields, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		end := int64(len(header)) + cr.InputOffset()
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			// A record cut short is the last one; anything after it is
			// not this program's output.
			if _, err := cr.Read(); errors.Is(err, io.EOF) {
				break
			}
			return 0, 0, errNotContinued{path, len(recs) + 1, err.Error()}
		}
		if err != nil {
			return 0, 0, err
		}
		if end == size && last[0] != '\n' {
			break // the last record, cut before its line's end
		}
		recs = append(recs, csvRecord{fields, end})
	}
	// Group the records by result: a result's records are consecutive,
	// share its id and subject, and name each asset once (a result without
	// exposure has one record, with no asset).
	var groups [][]csvRecord
	for i, r := range recs {
		if i > 0 {
			g := groups[len(groups)-1]
			p := g[0].fields
			if p[csvColID] == r.fields[csvColID] && p[csvColSubject] == r.fields[csvColSubject] &&
				!slices.ContainsFunc(g, func(q csvRecord) bool { return q.fields[csvColAsset] == r.fields[csvColAsset] }) {
				groups[len(groups)-1] = append(g, r)
				continue
			}
		}
		groups = append(groups, []csvRecord{r})
	}
	// The last result may miss records of further assets: it is written
	// again.
	if len(groups) > 0 {
		groups = groups[:len(groups)-1]
	}
	done, end := 0, int64(len(header))
	for _, g := range groups {
		if done == len(rows) {
			break
		}
		r := g[0].fields
		if !acceptsResult(&rows[done], r[csvColID], r[csvColSubject]) {
			return 0, 0, errNotContinued{path, done + 1, fmt.Sprintf("the output has id %q subject %q", r[csvColID], r[csvColSubject])}
		}
		out[done] = batchOutcome{id: r[csvColID], subject: r[csvColSubject], risk: r[csvColRisk], method: r[csvColMethod], failed: r[csvColError] != ""}
		done++
		end = g[len(g)-1].end
	}
	return done, end, nil
}
