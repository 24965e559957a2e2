//go:build !unix

package btcdtest

import "errors"

// Pause is not supported on this system.
func (n *Node) Pause() error { return errors.ErrUnsupported }

// Resume is not supported on this system.
func (n *Node) Resume() error { return errors.ErrUnsupported }
