package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/houndtrace/hound/store"
	"github.com/houndtrace/hound/trace/report"
)

const (
	// batchWindow bounds how far screening runs ahead of the row the
	// writer waits for, so the reorder buffer holds at most this many
	// results.
	batchWindow = 4096
	// batchCheckpoint is how many rows are written between two updates of
	// the state file (the output is flushed first).
	batchCheckpoint = 1000
)

// batchScreen screens rows[from:] with workers goroutines and writes each
// result to w in input order, recording outcomes in out; every
// batchCheckpoint rows it flushes w and calls checkpoint with the rows
// done. It returns the rows done: all of them, or on an error or a
// cancelled ctx the rows written before it (flushed). A result cut short
// by the cancellation is never written.
func batchScreen(ctx context.Context, s *screener, st *store.Store, rows []screenRow, from, workers int, format string,
	w *bufio.Writer, out []batchOutcome, checkpoint func(done int) error, progress func(done int, o *batchOutcome)) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type encoded struct {
		i    int
		data []byte
		o    batchOutcome
	}
	window := make(chan struct{}, batchWindow)
	next := make(chan int)
	results := make(chan encoded, workers)
	go func() {
		defer close(next)
		for i := from; i < len(rows); i++ {
			select {
			case window <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	var encErr error
	var encOnce sync.Once
	for range max(workers, 1) {
		// Each worker has its own screener: the asset namer caches token
		// names in a map; the rest (store, labels, heights) is read-only.
		ws := *s
		ws.assets = storeAssets{namerOf(st)}
		wg.Go(func() {
			enc := batchEncoder{format: format}
			for i := range next {
				r := ws.screen(ctx, rows[i])
				if ctx.Err() != nil {
					return // the screen may have been cut short
				}
				data, err := enc.encode(&r)
				if err != nil {
					encOnce.Do(func() { encErr = fmt.Errorf("row %d: %w", i+1, err) })
					cancel()
					return
				}
				select {
				case results <- encoded{i, data, outcomeOf(&r)}:
				case <-ctx.Done():
					return
				}
			}
		})
	}
	go func() {
		wg.Wait()
		close(results)
	}()

	pending := make(map[int]encoded, batchWindow)
	done := from
	var werr error
	for r := range results {
		if werr != nil {
			continue // drain: the workers stop at the cancellation
		}
		pending[r.i] = r
		for {
			e, ok := pending[done]
			if !ok {
				break
			}
			delete(pending, done)
			if _, err := w.Write(e.data); err != nil {
				werr = err
				cancel()
				break
			}
			out[done] = e.o
			done++
			<-window
			if progress != nil {
				progress(done, &out[done-1])
			}
			if (done-from)%batchCheckpoint == 0 {
				if err := w.Flush(); err != nil {
					werr = err
					cancel()
					break
				}
				if err := checkpoint(done); err != nil {
					werr = err
					cancel()
					break
				}
			}
		}
	}
	if err := w.Flush(); err != nil && werr == nil {
		werr = err
	}
	switch {
	case werr != nil:
		return done, werr
	case encErr != nil:
		return done, encErr
	}
	return done, ctx.Err()
}

// batchBar draws a progress bar of rows on a terminal; elsewhere it stays
// silent.
type batchBar struct {
	bar    *progressbar.ProgressBar
	failOn string
	hits   int
}

func newBatchBar(w io.Writer, quiet bool, out []batchOutcome, done int, failOn string) *batchBar {
	b := &batchBar{failOn: failOn}
	if f, ok := w.(*os.File); quiet || !ok || !term.IsTerminal(int(f.Fd())) || done == len(out) {
		return b
	}
	for i := range done {
		b.count(&out[i])
	}
	b.bar = progressbar.NewOptions(len(out),
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetItsString("rows"),
		progressbar.OptionShowIts(),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish())
	b.bar.Set(done)
	return b
}

func (b *batchBar) count(o *batchOutcome) {
	if report.RiskRank(o.risk) >= report.RiskRank(b.failOn) {
		b.hits++
	}
}

// update counts a written row's hit and moves the bar to done rows.
func (b *batchBar) update(done int, o *batchOutcome) {
	if b.bar == nil {
		return
	}
	b.count(o)
	b.bar.Describe(fmt.Sprintf("%d at or above %s", b.hits, b.failOn))
	b.bar.Set(done)
}

func (b *batchBar) finish() {
	if b.bar != nil {
		b.bar.Finish()
	}
}
