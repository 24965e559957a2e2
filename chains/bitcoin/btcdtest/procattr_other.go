//go:build !linux

package btcdtest

import "syscall"

// procAttr returns nil: only Linux can tie btcd's life to the test
// process's.
func procAttr() *syscall.SysProcAttr { return nil }
