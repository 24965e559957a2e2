package bitcoin

import (
	"errors"
	"fmt"
)

// ErrNotFound is wrapped by the errors of BlockHash and Block when there
// is no block at the requested height, and by Source.Tx for a transaction
// the node does not know.
var ErrNotFound = errors.New("not found")

// ErrHeightUnknown is wrapped by the errors of a detached Segment whose
// heights could not be read from its blocks.
var ErrHeightUnknown = errors.New("height unknown")

// ErrMerkleRoot is wrapped by the error of ParseBlock when a block's
// transactions do not hash to the merkle root in its header, or the tree
// was mutated by repeating transactions (CVE-2012-2459).
var ErrMerkleRoot = errors.New("merkle root does not match the transactions")

// AuthError is the error of a call the node refused for its credentials
// (HTTP 401 or 403).
type AuthError struct {
	Host   string
	Status int
}

// Error says which node refused the credentials, and what to check.
func (e *AuthError) Error() string {
	return fmt.Sprintf("bitcoin RPC at %s refused the credentials (%d): check --rpcuser/--rpcpass (or the cookie file)", e.Host, e.Status)
}
