//go:build !unix

package store

import "os"

// lockDir relies on Badger's own directory lock where flock is not
// available; its error is less specific than ErrInUse.
func lockDir(string) (*os.File, error) { return nil, nil }

// allocated returns a file's length where the allocated size is unknown.
func allocated(info os.FileInfo) int64 { return info.Size() }
