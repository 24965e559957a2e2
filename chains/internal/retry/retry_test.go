package retry

import (
	"context"
	"errors"
	"testing"
	"time"
)

var (
	errFlaky = errors.New("connection reset")
	errFinal = errors.New("method not found")
)

func policy() Policy {
	return Policy{Retries: 3, Backoff: time.Millisecond, Max: 2 * time.Millisecond, Timeout: time.Second,
		Transient: func(err error) bool { return errors.Is(err, errFlaky) }}
}

func TestDo(t *testing.T) {
	tests := []struct {
		name  string
		fails []error // what the attempts return, in order; then nil
		want  error
		calls int
	}{
		{"succeeds after transient failures", []error{errFlaky, errFlaky}, nil, 3},
		{"a permanent failure is not repeated", []error{errFinal}, errFinal, 1},
		{"the retries run out", []error{errFlaky, errFlaky, errFlaky, errFlaky, errFlaky}, errFlaky, 4},
	}
	for _, tt := range tests {
		calls := 0
		err := policy().Do(context.Background(), func(context.Context) error {
			calls++
			if calls <= len(tt.fails) {
				return tt.fails[calls-1]
			}
			return nil
		})
		if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) || calls != tt.calls {
			t.Errorf("%s: %v after %d calls, want %v after %d", tt.name, err, calls, tt.want, tt.calls)
		}
	}
}

func TestDoStopsWithTheContext(t *testing.T) {
	p := policy()
	p.Backoff, p.Max, p.Retries = time.Hour, time.Hour, 5
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(10*time.Millisecond, cancel)
	start := time.Now()
	err := p.Do(ctx, func(context.Context) error { return errFlaky })
	if !errors.Is(err, context.Canceled) || time.Since(start) > time.Second {
		t.Fatalf("%v after %v", err, time.Since(start))
	}
}

func TestWrapAndTimeout(t *testing.T) {
	p := policy()
	p.Timeout = 5 * time.Millisecond
	p.Wrap = func(err error) error { return errors.Join(errFinal, err) }
	err := p.Once(context.Background(), func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	})
	if !errors.Is(err, errFinal) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Once: %v", err)
	}
}
