package store

import (
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// A case is a saved trace: its parameters, the chain heights it saw and its
// result, kept as the encoded bytes the command line writes (the store does
// not interpret them).

func caseKey(name string) []byte { return append([]byte{prefixCase, byte(len(name))}, name...) }

// PutCase stores case name, replacing one of that name.
func (s *Store) PutCase(name string, record []byte) error {
	if name == "" || len(name) > 200 {
		return fmt.Errorf("case name %q: want 1 to 200 bytes", name)
	}
	return s.db.Update(func(txn *badger.Txn) error { return txn.Set(caseKey(name), record) })
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
