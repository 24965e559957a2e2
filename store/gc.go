package store

import (
	"errors"

	"github.com/dgraph-io/badger/v4"
)

// RunGC reclaims space in Badger's value log: it rewrites value log files
// of which at least discardRatio (between 0 and 1, exclusive; 0.5 is
// Badger's advice) is garbage, one file per round, until a round finds
// none, and returns how many files it rewrote. A GC already running (or a
// closed store) makes it return what it did so far without an error; an
// in-memory store has no value log to collect. It is safe to call while
// the store is read and written.
func (s *Store) RunGC(discardRatio float64) (int, error) {
	rewrites := 0
	for {
		err := s.db.RunValueLogGC(discardRatio)
		switch {
		case err == nil:
			rewrites++
			continue
		case errors.Is(err, badger.ErrNoRewrite), errors.Is(err, badger.ErrRejected), errors.Is(err, badger.ErrGCInMemoryMode):
			return rewrites, nil
		}
		return rewrites, err
	}
}
