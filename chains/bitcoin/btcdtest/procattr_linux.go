package btcdtest

import "syscall"

// procAttr has the kernel kill btcd when the test process dies without
// stopping it (a test binary killed on timeout runs no cleanup).
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
