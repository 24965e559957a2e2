package store

import (
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// A case is a saved trace: its parameters, the chain heights it saw and its
// result, kept as the encoded bytes the command line writes (the store does
// not interpret them).

func caseKey(name string) []byte { return append([]byte{prefixCase, byte(len(name))}, name...) }

// PutCase stores case name, replacing one of that name, with walk (what a
// rerun continues from; nil for none) in the same transaction, so a
// record is never paired with another run's walk.
func (s *Store) PutCase(name string, record, walk []byte) error {
	if name == "" || len(name) > 200 {
		return fmt.Errorf("case name %q: want 1 to 200 bytes", name)
	}
	return s.db.Update(func(txn *badger.Txn) error {
		if err := txn.Set(caseKey(name), record); err != nil {
			return err
		}
		if walk == nil {
			return txn.Delete(caseWalkKey(name))
		}
		return txn.Set(caseWalkKey(name), walk)
	})
}

func caseWalkKey(name string) []byte { return append([]byte{prefixCaseWalk, byte(len(name))}, name...) }

// CaseWalk returns the walk saved with case name; ok is false when there is
// none.
func (s *Store) CaseWalk(name string) (walk []byte, ok bool, err error) {
	err = s.db.View(func(txn *badger.Txn) error {
		walk, ok, err = get(txn, caseWalkKey(name))
		return err
	})
	return walk, ok, err
}

// Case returns the record of case name; ok is false when there is none.
func (s *Store) Case(name string) (record []byte, ok bool, err error) {
	err = s.db.View(func(txn *badger.Txn) error {
		record, ok, err = get(txn, caseKey(name))
		return err
	})
	return record, ok, err
}

// Cases lists the saved cases' names and records, by name.
func (s *Store) Cases(fn func(name string, record []byte) error) error {
	prefix := []byte{prefixCase}
	return s.db.View(func(txn *badger.Txn) error {
		return scan(txn, prefix, prefix, func(k, v []byte) error { return fn(string(k[2:]), v) })
	})
}
