package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Job history: what the finished runs of a named batch job (hound batch
// --job NAME) found, row by row, so that the next run can say what is new.
// The store keeps a job's last finished run and the one before it, each
// under its own generation: a run's rows are written first, then one
// transaction points the job's record at them, then older generations are
// deleted, so a reader sees whole runs only.
//
// Key layout (one prefix, 'H'; "name" is a length byte, then the name):
//
//	'H' name 'r'                  job record (JSON): {"last": run, "before": run}, each run
//	                              {"id", "generation", "started", "finished", "rows"}
//	'H' name 'g' gen(8) chunk(4)  up to 1000 rows of the run of generation gen, in input
//	                              order; each row: uvarint length + id, uvarint length +
//	                              subject, uvarint length + risk level

// jobChunk is how many rows one 'H' ... 'g' value holds.
const jobChunk = 1000

// JobRun is one finished run of a batch job.
type JobRun struct {
	ID         string    `json:"id"` // the caller's name for the run; storing a run of the same ID again does nothing
	Generation uint64    `json:"generation"`
	Started    time.Time `json:"started"`
	Finished   time.Time `json:"finished"`
	Rows       int       `json:"rows"`
}

// Job is a batch job's record: its last finished run and the one before
// it (nil when there is none).
type Job struct {
	Name   string  `json:"-"`
	Last   *JobRun `json:"last,omitempty"`
	Before *JobRun `json:"before,omitempty"`
}

// JobRow is one row's outcome in a run: the row's id and subject as the
// output gave them, and its risk level.
type JobRow struct {
	ID, Subject, Risk string
}

func jobKey(name string, kind byte) []byte {
	return append(append([]byte{prefixJob, byte(len(name))}, name...), kind)
}

// jobRowsPrefix is the prefix of the row chunks of one generation.
func jobRowsPrefix(name string, gen uint64) []byte {
	return binary.BigEndian.AppendUint64(jobKey(name, 'g'), gen)
}

func checkJobName(name string) error {
	if name == "" || len(name) > 200 {
		return fmt.Errorf("job name %q: want 1 to 200 bytes", name)
	}
	return nil
}

// Job returns the record of job name; ok is false when the job never
// finished a run.
func (s *Store) Job(name string) (job Job, ok bool, err error) {
	if err := checkJobName(name); err != nil {
		return job, false, err
	}
	job.Name = name
	err = s.db.View(func(txn *badger.Txn) error {
		v, found, err := get(txn, jobKey(name, 'r'))
		if err != nil || !found {
			return err
		}
		ok = true
		if err := json.Unmarshal(v, &job); err != nil {
			return fmt.Errorf("job %s: %w", name, errCorrupt)
		}
		return nil
	})
	return job, ok, err
}

// JobRows calls fn for each row of run, a run of job name, in input order.
func (s *Store) JobRows(name string, run *JobRun, fn func(JobRow) error) error {
	prefix := jobRowsPrefix(name, run.Generation)
	return s.db.View(func(txn *badger.Txn) error {
		return scan(txn, prefix, prefix, func(_, v []byte) error {
			for len(v) > 0 {
				var row JobRow
				for _, f := range []*string{&row.ID, &row.Subject, &row.Risk} {
					n, w := binary.Uvarint(v)
					if w <= 0 || n > uint64(len(v)-w) {
						return fmt.Errorf("job %s: rows of generation %d: %w", name, run.Generation, errCorrupt)
					}
					*f = string(v[w : w+int(n)])
					v = v[w+int(n):]
				}
				if err := fn(row); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

// PutJobRun stores run, with its rows, as job name's last finished run; the
// last one before it becomes the run before, and older runs are deleted.
// Storing a run whose ID is the job's last run's again does nothing, so a
// caller that crashed after storing can store it again.
func (s *Store) PutJobRun(name string, run JobRun, rows []JobRow) error {
	job, _, err := s.Job(name)
	if err != nil {
		return err
	}
	if job.Last != nil && job.Last.ID == run.ID {
		return nil
	}
	run.Generation, run.Rows = 1, len(rows)
	for _, r := range []*JobRun{job.Last, job.Before} {
		if r != nil {
			run.Generation = max(run.Generation, r.Generation+1)
		}
	}
	// Leftovers of a crashed store of this generation go first.
	if err := s.dropJobRows(name, func(gen uint64) bool { return gen == run.Generation }); err != nil {
		return err
	}
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	var buf []byte
	for i := 0; i < len(rows); i += jobChunk {
		buf = buf[:0]
		for _, r := range rows[i:min(i+jobChunk, len(rows))] {
			for _, f := range []string{r.ID, r.Subject, r.Risk} {
				buf = binary.AppendUvarint(buf, uint64(len(f)))
				buf = append(buf, f...)
			}
		}
		key := binary.BigEndian.AppendUint32(jobRowsPrefix(name, run.Generation), uint32(i/jobChunk))
		if err := wb.Set(key, append([]byte(nil), buf...)); err != nil {
			return err
		}
	}
	if err := wb.Flush(); err != nil {
		return fmt.Errorf("store job %s: %w", name, err)
	}
	job.Before, job.Last = job.Last, &run
	rec, err := json.Marshal(job)
	if err != nil {
		return err
	}
	if err := s.db.Update(func(txn *badger.Txn) error { return txn.Set(jobKey(name, 'r'), rec) }); err != nil {
		return fmt.Errorf("store job %s: %w", name, err)
	}
	return s.dropJobRows(name, func(gen uint64) bool {
		return gen != job.Last.Generation && (job.Before == nil || gen != job.Before.Generation)
	})
}

// dropJobRows deletes the row chunks of job name whose generation dead
// says.
func (s *Store) dropJobRows(name string, dead func(gen uint64) bool) error {
	prefix := jobKey(name, 'g')
	var keys [][]byte
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().KeyCopy(nil)
			if len(k) >= len(prefix)+8 && dead(binary.BigEndian.Uint64(k[len(prefix):])) {
				keys = append(keys, k)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	for _, k := range keys {
		if err := wb.Delete(k); err != nil {
			return err
		}
	}
	return wb.Flush()
}
