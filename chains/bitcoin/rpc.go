package bitcoin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"slices"
	"strconv"
	"syscall"

	"github.com/btcsuite/btcd/btcjson"
	"github.com/btcsuite/btcd/rpcclient"

	"github.com/houndtrace/hound/chains/internal/retry"
)

// refused is the error for a host where nothing accepts connections.
func refused(host string) error {
	return fmt.Errorf("bitcoin RPC at %s: %w: is the node running, with its RPC server on that address?", host, syscall.ECONNREFUSED)
}

// httpStatusError is an HTTP answer without a JSON-RPC body.
type httpStatusError struct {
	Code int
	Body string
}

// Error writes the status and the body.
func (e *httpStatusError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.Code, e.Body) }

// rpcclient reports an HTTP answer that is not JSON-RPC only as text.
var statusText = regexp.MustCompile(`^status code: (\d+), response: (.*)$`)

// call sends one JSON-RPC request and waits for its answer or the end of
// ctx. rpcclient takes no context and, in HTTP POST mode, sends the
// requests of one client one at a time, so each call gets a client of its
// own, shut down when the call returns: that also aborts the HTTP request
// of a call whose ctx ended.
func (s *Source) call(ctx context.Context, method string, params ...any) (json.RawMessage, error) {
	raw := make([]json.RawMessage, len(params))
	for i, p := range params {
		b, err := json.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", method, err)
		}
		raw[i] = b
	}
	conn := s.conn // rpcclient keeps cookie state in its config
	c, err := rpcclient.New(&conn, nil)
	if err != nil {
		return nil, fmt.Errorf("bitcoin RPC at %s: %w", s.host, err)
	}
	defer c.Shutdown()
	type answer struct {
		res json.RawMessage
		err error
	}
	done := make(chan answer, 1)
	future := c.RawRequestAsync(method, raw)
	go func() {
		res, err := future.Receive()
		done <- answer{res, err}
	}()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case a := <-done:
		return a.res, s.explain(method, a.err)
	}
}

// explain turns rpcclient's errors into ones that say what to do.
func (s *Source) explain(method string, err error) error {
	if err == nil {
		return nil
	}
	if m := statusText.FindStringSubmatch(err.Error()); m != nil {
		code, _ := strconv.Atoi(m[1])
		err = &httpStatusError{Code: code, Body: m[2]}
	}
	var st *httpStatusError
	switch {
	case errors.As(err, &st) && (st.Code == 401 || st.Code == 403):
		return &AuthError{Host: s.host, Status: st.Code}
	case errors.Is(err, syscall.ECONNREFUSED):
		return refused(s.host)
	}
	return fmt.Errorf("%s: %w", method, err)
}

// notFound wraps ErrNotFound into err when it is an RPC error with one of
// the codes nodes use for a missing block or transaction.
func notFound(err error, codes ...btcjson.RPCErrorCode) error {
	var rpcErr *btcjson.RPCError
	if errors.As(err, &rpcErr) && slices.Contains(codes, rpcErr.Code) {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return err
}

// transient reports whether err may go away when the call is repeated:
// transport failures, timeouts, HTTP 5xx and 429 (Bitcoin Core answers
// 503 when its work queue is full), and a node still loading (-28).
func transient(err error) bool {
	var (
		st     *httpStatusError
		rpcErr *btcjson.RPCError
		netErr net.Error
	)
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return true
	case errors.As(err, &st):
		return st.Code >= 500 || st.Code == 429
	case errors.As(err, &rpcErr):
		return rpcErr.Code == btcjson.ErrRPCInWarmup
	case errors.As(err, &netErr):
		return netErr.Timeout()
	}
	return false
}

// policy is how patiently the source repeats its calls.
func (s *Source) policy() retry.Policy {
	return retry.Policy{Retries: s.cfg.Retries, Backoff: s.cfg.Backoff, Max: MaxBackoff, Timeout: s.cfg.Timeout,
		Transient: transient, Logger: s.cfg.Logger, What: "bitcoin rpc call"}
}

// retry calls fn until it succeeds, fails permanently, the retries are used
// up or ctx ends; attempt calls it once. Each attempt runs under the
// per-call timeout.
func (s *Source) retry(ctx context.Context, fn func(context.Context) error) error {
	return s.policy().Do(ctx, fn)
}

func (s *Source) attempt(ctx context.Context, fn func(context.Context) error) error {
	return s.policy().Once(ctx, fn)
}
