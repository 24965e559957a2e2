package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/houndtrace/hound/labels"
)

// labelChunk is how many labels one 'L' value holds.
const labelChunk = 1000

// LabelSet describes a label set the store holds: one imported source,
// replaced whole when the source is imported again.
type LabelSet struct {
	Name     string    // the set's name, by default the imported file's
	Format   string    // the format it was read from
	Files    string    // the files it was read from
	Imported time.Time // when it was imported
	Count    int       // labels in the set
	gen      uint64
}

func labelSetKey(name string) []byte {
	return append([]byte{prefixLabelSet, byte(len(name))}, name...)
}

// labelChunkPrefix is the prefix of a set's chunks of one generation (gen
// ok) or of every generation.
func labelChunkPrefix(name string, gen uint64, withGen bool) []byte {
	k := append([]byte{prefixLabels, byte(len(name))}, name...)
	if withGen {
		k = binary.BigEndian.AppendUint64(k, gen)
	}
	return k
}

func encodeLabelSet(s *LabelSet) []byte {
	b := binary.BigEndian.AppendUint64(nil, s.gen)
	b = binary.BigEndian.AppendUint32(b, uint32(s.Count))
	b = binary.BigEndian.AppendUint64(b, uint64(s.Imported.Unix()))
	for _, f := range []string{s.Format, s.Files} {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	return b
}

func decodeLabelSet(name string, val []byte) (LabelSet, error) {
	r := reader{b: val}
	s := LabelSet{Name: name, gen: r.u64(), Count: int(r.u32()), Imported: time.Unix(int64(r.u64()), 0).UTC()}
	for _, f := range []*string{&s.Format, &s.Files} {
		n, w := binary.Uvarint(r.b)
		if w <= 0 || n > uint64(len(r.b)-w) {
			return s, fmt.Errorf("label set %s: %w", name, errCorrupt)
		}
		*f = string(r.b[w : w+int(n)])
		r.b = r.b[w+int(n):]
	}
	return s, r.done("label set " + name)
}

// checkSetName refuses names that do not fit the key layout.
func checkSetName(name string) error {
	if name == "" || len(name) > 200 {
		return fmt.Errorf("label set name %q: want 1 to 200 bytes", name)
	}
	return nil
}

// PutLabels stores ls as the label set set.Name, replacing any set of that
// name atomically: the new labels are written under a new generation, then
// one transaction switches the set's record to it, then the old generation
// is deleted. A crash leaves the old set or the new one, never a mix.
func (s *Store) PutLabels(set LabelSet, ls []labels.Label) error {
	if err := checkSetName(set.Name); err != nil {
		return err
	}
	old, exists, err := s.LabelSet(set.Name)
	if err != nil {
		return err
	}
	set.gen, set.Count = old.gen+1, len(ls)
	if set.Imported.IsZero() {
		set.Imported = time.Now().UTC()
	}
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	for i := 0; i < len(ls); i += labelChunk {
		var buf bytes.Buffer
		if err := labels.WriteJSON(&buf, ls[i:min(i+labelChunk, len(ls))]); err != nil {
			return err
		}
		key := binary.BigEndian.AppendUint32(labelChunkPrefix(set.Name, set.gen, true), uint32(i/labelChunk))
		if err := wb.Set(key, buf.Bytes()); err != nil {
			return err
		}
	}
	if err := wb.Flush(); err != nil {
		return fmt.Errorf("store label set %s: %w", set.Name, err)
	}
	err = s.db.Update(func(txn *badger.Txn) error { return txn.Set(labelSetKey(set.Name), encodeLabelSet(&set)) })
	if err != nil {
		return fmt.Errorf("store label set %s: %w", set.Name, err)
	}
	if exists {
		return s.dropLabelChunks(set.Name, set.gen)
	}
	return nil
}

// dropLabelChunks deletes every chunk of set name that is not of generation
// keep (the leftovers of a replaced set, or of an import that crashed).
func (s *Store) dropLabelChunks(name string, keep uint64) error {
	var dead [][]byte
	prefix := labelChunkPrefix(name, 0, false)
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().KeyCopy(nil)
			if binary.BigEndian.Uint64(k[len(prefix):]) != keep {
				dead = append(dead, k)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	for _, k := range dead {
		if err := wb.Delete(k); err != nil {
			return err
		}
	}
	return wb.Flush()
}

// LabelSet returns the record of set name; ok is false when there is none.
func (s *Store) LabelSet(name string) (set LabelSet, ok bool, err error) {
	err = s.db.View(func(txn *badger.Txn) error {
		v, found, err := get(txn, labelSetKey(name))
		if err != nil || !found {
			return err
		}
		ok = true
		set, err = decodeLabelSet(name, v)
		return err
	})
	return set, ok, err
}

// LabelSets lists the stored label sets by name.
func (s *Store) LabelSets() ([]LabelSet, error) {
	var out []LabelSet
	prefix := []byte{prefixLabelSet}
	err := s.db.View(func(txn *badger.Txn) error {
		return scan(txn, prefix, prefix, func(k, v []byte) error {
			set, err := decodeLabelSet(string(k[2:]), v)
			out = append(out, set)
			return err
		})
	})
	return out, err
}

// ErrNoLabelSet is returned for a label set the store does not hold.
var ErrNoLabelSet = errors.New("no such label set")

// Labels returns the labels of set name.
func (s *Store) Labels(name string) ([]labels.Label, error) {
	set, ok, err := s.LabelSet(name)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("label set %q: %w", name, ErrNoLabelSet)
	}
	out := make([]labels.Label, 0, set.Count)
	prefix := labelChunkPrefix(name, set.gen, true)
	err = s.db.View(func(txn *badger.Txn) error {
		return scan(txn, prefix, prefix, func(_, v []byte) error {
			imp, err := labels.ReadJSON(bytes.NewReader(v), labels.Options{Strict: true, Name: "label set " + name})
			if err != nil {
				return fmt.Errorf("label set %s: %w", name, err)
			}
			out = append(out, imp.Labels...)
			return nil
		})
	})
	return out, err
}

// DeleteLabels removes set name.
func (s *Store) DeleteLabels(name string) error {
	if _, ok, err := s.LabelSet(name); err != nil || !ok {
		if err == nil {
			err = fmt.Errorf("label set %q: %w", name, ErrNoLabelSet)
		}
		return err
	}
	if err := s.db.Update(func(txn *badger.Txn) error { return txn.Delete(labelSetKey(name)) }); err != nil {
		return err
	}
	return s.dropLabelChunks(name, 1<<64-1)
}
