//go:build unix

package btcdtest

import "syscall"

// Pause stops the btcd process (SIGSTOP): its sockets stay open, but
// nothing answers, as with a node stuck on disk or in a long call. Resume
// lets it go on.
func (n *Node) Pause() error { return n.cmd.Process.Signal(syscall.SIGSTOP) }

// Resume continues a paused node (SIGCONT).
func (n *Node) Resume() error { return n.cmd.Process.Signal(syscall.SIGCONT) }
