package store

import (
	"encoding/binary"
	"fmt"
	"testing"
	"time"
)

func testJobRows(n int, risk string) []JobRow {
	var out []JobRow
	for i := range n {
		out = append(out, JobRow{ID: fmt.Sprintf("row%d", i), Subject: fmt.Sprintf("ethereum:0x%040x", i), Risk: risk})
	}
	return out
}

func jobRowsOf(t *testing.T, s *Store, name string, run *JobRun) []JobRow {
	t.Helper()
	var out []JobRow
	if err := s.JobRows(name, run, func(r JobRow) error {
		out = append(out, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// jobGenerations lists the generations whose rows the store holds for a
// job.
func jobGenerations(t *testing.T, s *Store, name string) map[uint64]int {
	t.Helper()
	prefix := jobKey(name, 'g')
	gens := map[uint64]int{}
	s.Each(func(k, _ []byte) error {
		if len(k) > len(prefix) && string(k[:len(prefix)]) == string(prefix) {
			gens[binary.BigEndian.Uint64(k[len(prefix):])]++
		}
		return nil
	})
	return gens
}

// TestJobRuns stores three runs of a job: the store keeps the last two,
// whole; storing the last one again does nothing; a leftover of a crashed
// store is replaced, not mixed in.
func TestJobRuns(t *testing.T) {
	dir := t.TempDir()
	s := openTemp(t, dir)
	if _, ok, err := s.Job("nightly"); ok || err != nil {
		t.Fatalf("a job never run: ok %v, %v", ok, err)
	}
	started := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	run := func(id string) JobRun { return JobRun{ID: id, Started: started, Finished: started.Add(time.Minute)} }
	if err := s.PutJobRun("nightly", run("a"), testJobRows(2500, "none")); err != nil {
		t.Fatal(err)
	}
	if err := s.PutJobRun("other", run("x"), testJobRows(3, "high")); err != nil {
		t.Fatal(err)
	}
	if err := s.PutJobRun("nightly", run("b"), testJobRows(1200, "low")); err != nil {
		t.Fatal(err)
	}
	// Again after a crash that stored it but did not say so.
	if err := s.PutJobRun("nightly", run("b"), testJobRows(7, "severe")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openTemp(t, dir)
	job, ok, err := s.Job("nightly")
	if err != nil || !ok || job.Last.ID != "b" || job.Last.Rows != 1200 || job.Before.ID != "a" || job.Before.Rows != 2500 ||
		!job.Last.Started.Equal(started) || job.Last.Generation != 2 || job.Before.Generation != 1 {
		t.Fatalf("job %+v %+v, ok %v, %v", job.Last, job.Before, ok, err)
	}
	last, before := jobRowsOf(t, s, "nightly", job.Last), jobRowsOf(t, s, "nightly", job.Before)
	if len(last) != 1200 || last[1199] != (JobRow{"row1199", "ethereum:0x00000000000000000000000000000000000004af", "low"}) || len(before) != 2500 || before[0].Risk != "none" {
		t.Fatalf("last %d rows, before %d rows", len(last), len(before))
	}
	// A crash left rows of generation 3 behind, more than the next run has.
	wb := s.db.NewWriteBatch()
	for i := range 5 {
		wb.Set(binary.BigEndian.AppendUint32(jobRowsPrefix("nightly", 3), uint32(i)), []byte{1, 'x', 1, 'y', 1, 'z'})
	}
	if err := wb.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := s.PutJobRun("nightly", run("c"), testJobRows(10, "medium")); err != nil {
		t.Fatal(err)
	}
	job, _, _ = s.Job("nightly")
	if job.Last.ID != "c" || job.Before.ID != "b" || len(jobRowsOf(t, s, "nightly", job.Last)) != 10 {
		t.Fatalf("job %+v %+v", job.Last, job.Before)
	}
	// Only the last two runs' rows are kept: 1 chunk of c, 2 of b.
	if gens := jobGenerations(t, s, "nightly"); len(gens) != 2 || gens[3] != 1 || gens[2] != 2 {
		t.Fatalf("generations %v", gens)
	}
	if other, _, _ := s.Job("other"); other.Last.ID != "x" || other.Before != nil || len(jobRowsOf(t, s, "other", other.Last)) != 3 {
		t.Fatalf("other job %+v", other)
	}
	if _, _, err := s.Job(""); err == nil {
		t.Error("an empty job name was taken")
	}
}
