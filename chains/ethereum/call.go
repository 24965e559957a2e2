package ethereum

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"

	"github.com/ethereum/go-ethereum/rpc"

	"github.com/houndtrace/hound/chains/internal/retry"
)

// JSON-RPC error codes the adapter tells apart.
const (
	codeMethodNotFound   = -32601
	codeRequestTimeout   = -32002 // geth: request (or batch) timed out
	codeResponseTooLarge = -32003 // geth: a batch's answer exceeds its limit
	codeLimitExceeded    = -32005 // EIP-1474: request rate or size limit
)

// scrub rewrites the endpoint named by an HTTP client error without its
// path and credentials, which often hold API keys.
func scrub(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	return fmt.Errorf("%s %s: %w", ue.Op, redact(ue.URL), ue.Err)
}

// batch sends elems as one JSON-RPC batch, retrying it while the transport
// fails transiently. Elements that failed transiently, or because the
// batch's answer grew too large for the node, are then repeated on their
// own. It returns an error for a transport failure or an element still
// failing transiently at the end; permanent errors of single elements are
// left in their Error fields for the caller to judge.
func (s *Source) batch(ctx context.Context, elems []rpc.BatchElem) error {
	err := s.retry(ctx, func(ctx context.Context) error {
		for i := range elems {
			elems[i].Error = nil
		}
		return s.rpc.BatchCallContext(ctx, elems)
	})
	if err != nil {
		return err
	}
	for i := range elems {
		e := &elems[i]
		if e.Error == nil || !(transient(e.Error) || errorCode(e.Error) == codeResponseTooLarge) {
			continue
		}
		e.Error = s.retry(ctx, func(ctx context.Context) error {
			return s.rpc.CallContext(ctx, e.Result, e.Method, e.Args...)
		})
		if e.Error != nil && transient(e.Error) {
			return fmt.Errorf("%s: %w", e.Method, e.Error)
		}
	}
	return nil
}

// errorCode returns the JSON-RPC error code of err, or 0.
func errorCode(err error) int {
	var rpcErr rpc.Error
	if errors.As(err, &rpcErr) {
		return rpcErr.ErrorCode()
	}
	return 0
}

// transient reports whether err may go away when the call is repeated.
func transient(err error) bool {
	var (
		httpErr rpc.HTTPError
		netErr  net.Error
	)
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, rpc.ErrMissingBatchResponse):
		return true
	case errors.As(err, &httpErr):
		return httpErr.StatusCode >= 500 || httpErr.StatusCode == 429
	case errors.As(err, &netErr):
		return netErr.Timeout()
	}
	code := errorCode(err)
	return code == codeRequestTimeout || code == codeLimitExceeded
}

// methodMissing reports whether err says the node does not offer the
// called method. Nodes word this differently ("the method x does not
// exist/is not available", "Method not found", "unsupported method").
func methodMissing(err error) bool {
	var rpcErr rpc.Error
	if !errors.As(err, &rpcErr) {
		return false
	}
	if rpcErr.ErrorCode() == codeMethodNotFound {
		return true
	}
	msg := strings.ToLower(rpcErr.Error())
	if !strings.Contains(msg, "method") {
		return false
	}
	for _, s := range []string{"not found", "does not exist", "not available", "not supported", "unsupported"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// policy is how patiently the source repeats its calls; errors lose any
// credentials their URL carries.
func (s *Source) policy() retry.Policy {
	return retry.Policy{Retries: s.opts.Retries, Backoff: s.opts.Backoff, Max: MaxBackoff, Timeout: s.opts.Timeout,
		Transient: transient, Wrap: scrub, Logger: s.opts.Logger, What: "rpc call"}
}

// retry calls fn until it succeeds, fails permanently, the retries are used
// up or ctx ends. Each attempt runs under the per-call timeout.
func (s *Source) retry(ctx context.Context, fn func(context.Context) error) error {
	return s.policy().Do(ctx, fn)
}
