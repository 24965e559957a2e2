//go:build unix

package btcdtest

import (
	"bytes"
	"fmt"
	"os"
	"syscall"
	"time"
)

// Pause stops the btcd process (SIGSTOP): its sockets stay open, but
// nothing answers, as with a node stuck on disk or in a long call. Resume
// lets it go on. Where /proc shows process states (Linux), Pause returns
// once the process is stopped: the signal alone lands a moment later, and a
// request sent in between would still be answered.
func (n *Node) Pause() error {
	if err := n.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		return err
	}
	stat := fmt.Sprintf("/proc/%d/stat", n.cmd.Process.Pid)
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		b, err := os.ReadFile(stat)
		if err != nil {
			return nil // no /proc here: the signal is all we can do
		}
		// The state is the field after the parenthesised command name.
		if i := bytes.LastIndexByte(b, ')'); i >= 0 && i+2 < len(b) && (b[i+2] == 'T' || b[i+2] == 't') {
			return nil
		}
	}
	return fmt.Errorf("btcd (pid %d) did not stop within 2s of SIGSTOP", n.cmd.Process.Pid)
}

// Resume continues a paused node (SIGCONT).
func (n *Node) Resume() error { return n.cmd.Process.Signal(syscall.SIGCONT) }
