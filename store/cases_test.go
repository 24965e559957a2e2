package store

import (
	"bytes"
	"testing"
)

// TestCaseWalk: a case's walk is stored with its record in one
// transaction, replaced with it, and gone when a record is stored without
// one, so a record is never paired with another run's walk. Both survive
// reopening the store.
func TestCaseWalk(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutCase("c", []byte(`{"run":1}`), []byte("walk 1")); err != nil {
		t.Fatal(err)
	}
	if err := s.PutCase("c", []byte(`{"run":2}`), []byte("walk 2")); err != nil {
		t.Fatal(err)
	}
	if err := s.PutCase("d", []byte(`{"run":1}`), []byte("walk d")); err != nil {
		t.Fatal(err)
	}
	if err := s.PutCase("d", []byte(`{"run":2}`), nil); err != nil {
		t.Fatal(err)
	}
	if err := s.PutCase("", []byte(`{}`), nil); err == nil {
		t.Error("a case without a name was stored")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = Open(dir, Options{}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, c := range []struct {
		name, record, walk string
		hasWalk            bool
	}{{"c", `{"run":2}`, "walk 2", true}, {"d", `{"run":2}`, "", false}} {
		rec, ok, err := s.Case(c.name)
		if err != nil || !ok || string(rec) != c.record {
			t.Errorf("case %s: %q %v %v", c.name, rec, ok, err)
		}
		walk, ok, err := s.CaseWalk(c.name)
		if err != nil || ok != c.hasWalk || !bytes.Equal(walk, []byte(c.walk)) && c.hasWalk {
			t.Errorf("case %s: walk %q %v %v, want %q", c.name, walk, ok, err, c.walk)
		}
	}
	n := 0
	if err := s.Cases(func(string, []byte) error { n++; return nil }); err != nil || n != 2 {
		t.Errorf("Cases lists %d records (%v), want 2: the walks are not cases", n, err)
	}
}
