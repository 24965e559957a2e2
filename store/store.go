package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/dgraph-io/badger/v4"

	"github.com/houndtrace/hound/chains"
)

// ErrInUse is returned by Open when another process holds the store.
var ErrInUse = errors.New("is in use by another hound process")

// ErrSchemaVersion is returned by Open for a store written in another
// layout (keys.go): its data must be synced again into a new directory.
var ErrSchemaVersion = errors.New("schema version differs")

// ErrNotFound is returned for a transaction or record the store does not hold.
var ErrNotFound = chains.ErrNotFound

// Options configure a store. The zero value is safe: it opens the directory
// for reading and writing with Badger's defaults, silently.
type Options struct {
	// ReadOnly opens without writing anything (the lock is still taken).
	ReadOnly bool
	// Logger receives Badger's warnings and errors; nil is silent.
	Logger *slog.Logger
	// InMemory keeps everything in memory (for tests of pure logic); Dir is
	// then ignored.
	InMemory bool
}

// Store is a Hound store: one Badger directory that one process owns.
type Store struct {
	db   *badger.DB
	dir  string
	lock *os.File

	mu    sync.Mutex // guards stats
	stats map[chains.Chain]*Counts
}

// DefaultDir is where the store lives when neither --store nor HOUND_STORE
// says otherwise: the user's data directory ($XDG_DATA_HOME/hound or
// ~/.local/share/hound on Linux, ~/Library/Application Support/hound on
// macOS, %LocalAppData%\hound on Windows).
func DefaultDir() (string, error) {
	switch runtime.GOOS {
	case "windows":
		if d := os.Getenv("LocalAppData"); d != "" {
			return filepath.Join(d, "hound"), nil
		}
	case "darwin":
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(home, "Library", "Application Support", "hound"), nil
	default:
		if d := os.Getenv("XDG_DATA_HOME"); d != "" {
			return filepath.Join(d, "hound"), nil
		}
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the default store directory: %w (set --store or HOUND_STORE)", err)
	}
	return filepath.Join(home, ".local", "share", "hound"), nil
}

// Open opens (creating if needed) the store in dir. A second process opening
// the same directory gets an error wrapping ErrInUse at once.
func Open(dir string, opts Options) (*Store, error) {
	bopts := badger.DefaultOptions(dir).
		WithLogger(badgerLogger(opts.Logger)).
		WithDetectConflicts(false).
		WithNumVersionsToKeep(1).
		// What a sync wrote to level 0 is compacted as it closes, not in
		// the background of the next command, where it took both cores
		// and left the blocks it had read stale (a trace after a sync ran
		// two to three times slower for its first seconds).
		WithCompactL0OnClose(true)
	s := &Store{dir: dir, stats: map[chains.Chain]*Counts{}}
	if opts.InMemory {
		bopts = bopts.WithDir("").WithValueDir("").WithInMemory(true)
	} else {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("store %s: %w", dir, err)
		}
		lock, err := lockDir(dir)
		if err != nil {
			return nil, err
		}
		s.lock = lock
	}
	db, err := badger.Open(bopts)
	if err != nil {
		s.unlock()
		if errors.Is(err, fs.ErrPermission) {
			return nil, fmt.Errorf("store %s: %w", dir, err)
		}
		return nil, fmt.Errorf("store %s: open: %w", dir, err)
	}
	s.db = db
	if err := s.checkVersion(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Dir returns the store's directory.
func (s *Store) Dir() string { return s.dir }

// Close flushes and closes the store and releases its lock.
func (s *Store) Close() error {
	var err error
	if s.db != nil {
		err = s.db.Close()
		s.db = nil
	}
	s.unlock()
	return err
}

func (s *Store) unlock() {
	if s.lock != nil {
		s.lock.Close()
		s.lock = nil
	}
}

// checkVersion writes the schema version into a new store and refuses a
// store of another version, or a Badger directory that is not a Hound store.
func (s *Store) checkVersion() error {
	return s.db.Update(func(txn *badger.Txn) error {
		item, err := txn.Get([]byte{prefixVersion})
		if errors.Is(err, badger.ErrKeyNotFound) {
			if !s.empty(txn) {
				return fmt.Errorf("store %s: not a hound store (no schema version key)", s.dir)
			}
			return txn.Set([]byte{prefixVersion}, binary.BigEndian.AppendUint32(nil, schemaVersion))
		}
		if err != nil {
			return err
		}
		v, err := item.ValueCopy(nil)
		if err != nil {
			return err
		}
		if len(v) != 4 {
			return fmt.Errorf("store %s: %w: unreadable version %x, this hound reads version %d; sync again into a new store directory (--store or HOUND_STORE)",
				s.dir, ErrSchemaVersion, v, schemaVersion)
		}
		if got := binary.BigEndian.Uint32(v); got != schemaVersion {
			return fmt.Errorf("store %s: %w: the store has version %d, this hound reads version %d; sync again into a new store directory (--store or HOUND_STORE)",
				s.dir, ErrSchemaVersion, got, schemaVersion)
		}
		return nil
	})
}

func (s *Store) empty(txn *badger.Txn) bool {
	it := txn.NewIterator(badger.IteratorOptions{})
	defer it.Close()
	it.Rewind()
	return !it.Valid()
}

// Size returns the bytes the store's files take on disk. (Badger's own
// figure is refreshed only once a minute.)
func (s *Store) Size() int64 {
	var n int64
	filepath.WalkDir(s.dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += allocated(info)
			}
		}
		return nil
	})
	return n
}

// badgerLogger adapts slog to Badger's logger, keeping warnings and errors.
func badgerLogger(l *slog.Logger) badger.Logger {
	if l == nil {
		return nil
	}
	return slogBadger{l}
}

type slogBadger struct{ l *slog.Logger }

func (b slogBadger) Errorf(f string, a ...any)   { b.l.Error("badger: " + fmt.Sprintf(f, a...)) }
func (b slogBadger) Warningf(f string, a ...any) { b.l.Warn("badger: " + fmt.Sprintf(f, a...)) }
func (b slogBadger) Infof(string, ...any)        {}
func (b slogBadger) Debugf(string, ...any)       {}
