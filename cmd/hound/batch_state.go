package main

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"time"
)

// batchStateSuffix names a batch output's state file: OUTPUT.hound-batch.json.
const batchStateSuffix = ".hound-batch.json"

// batchStateSchema names the state file's layout.
const batchStateSchema = "hound.batch-state/v1"

// batchState is what a batch run keeps beside its output so that a killed
// run can be resumed: which job and input it screens, how, at which heights
// and labels, and how far it got. The output itself is the checkpoint; Done
// is advisory (the output's complete rows are the truth).
type batchState struct {
	Schema      string `json:"schema"`
	Job         string `json:"job"`
	Run         string `json:"run"` // this run's id, unique: the job history stores the run under it
	Input       string `json:"input"`
	InputSHA256 string `json:"input_sha256"`
	Format      string `json:"format"`
	// The screening parameters: a resumed run must screen as the run did.
	Model  string `json:"model"`
	Hops   int    `json:"hops"`
	Cone   int    `json:"cone"`
	Actor  string `json:"actor"`
	High   string `json:"high"`
	Medium string `json:"medium"`
	Method string `json:"method"`
	// What the rows were screened against.
	Heights      map[string]uint64 `json:"heights"`
	LabelsDigest string            `json:"labels_digest"`

	Started  time.Time `json:"started"`
	Rows     int       `json:"rows"` // rows in the input
	RowsDone int       `json:"rows_done"`
	Done     bool      `json:"done"` // the run finished: a next run starts over
	Finished time.Time `json:"finished,omitzero"`
}

func batchStatePath(output string) string { return output + batchStateSuffix }

// readBatchState reads the state file beside output; ok is false when
// there is none.
func readBatchState(output string) (st batchState, ok bool, err error) {
	b, err := os.ReadFile(batchStatePath(output))
	if errors.Is(err, fs.ErrNotExist) {
		return st, false, nil
	}
	if err != nil {
		return st, false, err
	}
	if err := json.Unmarshal(b, &st); err != nil || st.Schema != batchStateSchema {
		return st, false, usagef("%s is not a hound batch state file (%v): remove it, or name another --output", batchStatePath(output), err)
	}
	return st, true, nil
}

// write replaces the state file in one step (a new file renamed over the
// old), so a kill leaves the old state or the new one.
func (st *batchState) write(output string) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	path := batchStatePath(output)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("batch state: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("batch state: %w", err)
	}
	return nil
}

// sameParameters says why a run with the parameters of want cannot resume
// the run of st, or "" when it can.
func (st *batchState) sameParameters(want *batchState) string {
	switch {
	case st.InputSHA256 != want.InputSHA256:
		return fmt.Sprintf("the input changed since the run began (%s then, %s now)", st.InputSHA256, want.InputSHA256)
	case st.Rows != want.Rows:
		return fmt.Sprintf("the input had %d rows, it has %d", st.Rows, want.Rows)
	case st.Job != want.Job:
		return fmt.Sprintf("the run is of job %q, not %q", st.Job, want.Job)
	case st.Format != want.Format:
		return fmt.Sprintf("the run writes %s, not %s", st.Format, want.Format)
	case st.Model != want.Model || st.Hops != want.Hops || st.Cone != want.Cone || st.Actor != want.Actor ||
		st.High != want.High || st.Medium != want.Medium || st.Method != want.Method:
		return fmt.Sprintf("the run screens with --model %s --hops %d --cone %d --actor %s --high %s --medium %s --method %s",
			st.Model, st.Hops, st.Cone, st.Actor, st.High, st.Medium, st.Method)
	}
	return ""
}

// sameStore says why the store as it is now (heights, labels digest) is
// not what the run of st screened against, or "".
func (st *batchState) sameStore(heights map[string]uint64, digest string) string {
	switch {
	case !maps.Equal(st.Heights, heights):
		return fmt.Sprintf("the run screened at heights %v, the store is at %v", st.Heights, heights)
	case st.LabelsDigest != digest:
		return "the labels changed since the run began"
	}
	return ""
}

// newBatchRunID names a run: its start and a random suffix.
func newBatchRunID(started time.Time) string {
	var b [4]byte
	rand.Read(b[:])
	return started.Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// fileSHA256 is the hex SHA-256 of a file's bytes.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", usageError{fmt.Errorf("--input: %w", err)}
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("--input %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
