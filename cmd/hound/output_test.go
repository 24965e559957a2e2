package main

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/store"
)

func TestByteSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 999: "999 B", 32768: "32.8 kB", 1_500_000_000: "1.5 GB"} {
		if got := byteSize(n); got != want {
			t.Errorf("byteSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{nil, exitOK},
		{errors.New("fetch block 5: connection refused"), exitFailure},
		{usagef("--from %q: want a block number", "x"), exitUsage},
		{fmt.Errorf("store /x %w", store.ErrInUse), exitStoreInUse},
		{fmt.Errorf("sync: %w", context.Canceled), exitInterrupted},
		{fmt.Errorf("%w: gap", store.ErrRange), exitUsage},
		{errors.New(`unknown command "foo" for "hound"`), exitUsage},
	}
	for _, tt := range tests {
		if got := exitCode(tt.err); got != tt.want {
			t.Errorf("exitCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

func TestSyncRangeFlags(t *testing.T) {
	so, err := syncOptions{From: "10", To: "latest", Confirmations: -1}.parseRange(chains.Ethereum)
	if err != nil || !so.FromSet || so.From != 10 || so.ToSet || so.Confirmations != 12 {
		t.Fatalf("parseRange = %+v, %v", so, err)
	}
	so, err = syncOptions{To: "20", Confirmations: 0}.parseRange(chains.Ethereum)
	if err != nil || so.FromSet || !so.ToSet || so.To != 20 || so.Confirmations != 0 {
		t.Fatalf("parseRange = %+v, %v", so, err)
	}
	for _, bad := range []syncOptions{{From: "x"}, {To: "-1"}, {From: "9", To: "8"}} {
		if _, err := bad.parseRange(chains.Ethereum); exitCode(err) != exitUsage {
			t.Errorf("parseRange(%+v) = %v, want a usage error", bad, err)
		}
	}
}
