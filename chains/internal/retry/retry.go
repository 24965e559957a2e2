// Package retry repeats calls to a node that fail transiently, with a
// doubling backoff, each attempt under its own timeout, until the call
// succeeds, fails for good, the retries run out or the context ends. The
// chain adapters share it.
package retry

import (
	"context"
	"log/slog"
	"time"
)

// Policy says how patiently calls are repeated.
type Policy struct {
	Retries   int           // repeats after the first attempt
	Backoff   time.Duration // the wait before the first repeat; it doubles up to Max
	Max       time.Duration
	Timeout   time.Duration // bound of each attempt
	Transient func(error) bool
	// Wrap, if set, rewrites each attempt's error (to strip credentials
	// from URLs, say) before it is judged or returned.
	Wrap   func(error) error
	Logger *slog.Logger // repeats are logged at debug level; nil is silent
	What   string       // names the calls in the log ("bitcoin rpc call")
}

// Do calls fn until it succeeds, fails with an error that is not
// Transient, the retries are used up or ctx ends.
func (p Policy) Do(ctx context.Context, fn func(context.Context) error) error {
	backoff := p.Backoff
	for attempt := 0; ; attempt++ {
		err := p.Once(ctx, fn)
		if err == nil || attempt >= p.Retries || !p.Transient(err) || ctx.Err() != nil {
			return err
		}
		if p.Logger != nil {
			p.Logger.Debug("retrying "+p.What, "err", err, "retry", attempt+1, "backoff", backoff)
		}
		if err := Sleep(ctx, backoff); err != nil {
			return err
		}
		backoff = min(2*backoff, p.Max)
	}
}

// Once calls fn one time under the per-attempt timeout.
func (p Policy) Once(ctx context.Context, fn func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, p.Timeout)
	defer cancel()
	err := fn(ctx)
	if p.Wrap != nil {
		err = p.Wrap(err)
	}
	return err
}

// Sleep waits for d, or returns ctx's error if it ends first.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
