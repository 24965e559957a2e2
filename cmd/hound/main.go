// Command hound traces stolen cryptocurrency: it syncs Bitcoin and
// Ethereum/EVM blocks into an embedded store and follows the money from
// addresses attributed to thefts.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/houndtrace/hound/chains/bitcoin"
	"github.com/houndtrace/hound/store"
)

// Exit codes, the same for every command (see `hound --help`).
const (
	exitOK          = 0
	exitFailure     = 1   // runtime failure: node unreachable, bad data
	exitUsage       = 2   // usage error or bad input
	exitStoreInUse  = 3   // another hound process holds the store
	exitHits        = 4   // hits at or above the threshold (screen, batch), new findings (case rerun --fail-on-new)
	exitInterrupted = 130 // interrupted by Ctrl-C or SIGTERM
)

const exitCodesHelp = `Exit codes:
  0    done
  1    runtime failure (node unreachable, bad data)
  2    usage error or bad input
  3    the store is in use by another hound process
  4    hits at or above the threshold (screen, batch), new findings (case rerun --fail-on-new)
  130  interrupted (Ctrl-C, SIGTERM); the store is left consistent`

// usageError marks an error as the user's input being wrong (exit code 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// exitCode maps an error to the documented exit codes.
func exitCode(err error) int {
	var u usageError
	var auth *bitcoin.AuthError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, new(hitsError)), errors.As(err, new(newFindingsError)):
		return exitHits
	case errors.Is(err, store.ErrInUse):
		return exitStoreInUse
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.As(err, &u), errors.As(err, &auth), errors.Is(err, store.ErrRange), errors.Is(err, store.ErrNetworkMismatch),
		strings.HasPrefix(err.Error(), "unknown command"), strings.HasPrefix(err.Error(), "unknown flag"):
		return exitUsage
	}
	return exitFailure
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCommand().ExecuteContext(ctx)
	stop()
	if err != nil {
		msg := err.Error()
		if errors.Is(err, context.Canceled) {
			msg = "interrupted; the store is consistent and the next run resumes where this one stopped"
		}
		fmt.Fprintln(os.Stderr, "hound: "+msg)
	}
	os.Exit(exitCode(err))
}

// globalOptions are the flags every command takes.
type globalOptions struct {
	Store    string
	LogLevel string
	Quiet    bool
	Workers  int
	Labels   []string
}

func newRootCommand() *cobra.Command {
	var g globalOptions
	root := &cobra.Command{
		Use:   "hound",
		Short: "Trace stolen cryptocurrency across Bitcoin and Ethereum",
		Long: `Hound follows stolen cryptocurrency. It syncs Bitcoin and Ethereum/EVM blocks from your own
node into an embedded store (one directory), then walks the flow of value from addresses
attributed to thefts (DPRK's Lazarus Group, TraderTraitor, ...) to the mixers, bridges
and exchange deposit addresses it reaches.

Start with "hound demo", which plays a small scenario on an in-process chain. Then:
hound sync (index your node's blocks), hound labels (who owns an address, per whom),
hound trace (follow stolen money to the services it reaches), hound case (saved traces).

The store is --store, else $HOUND_STORE, else the user's data directory
(~/.local/share/hound on Linux). One hound process owns a store at a time.

` + exitCodesHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	f := root.PersistentFlags()
	f.StringVar(&g.Store, "store", "", "store directory (default $HOUND_STORE or the user's data dir)")
	f.StringVar(&g.LogLevel, "log-level", "info", "log level on stderr: debug, info, warn, error")
	f.BoolVar(&g.Quiet, "quiet", false, "no progress bars")
	f.IntVar(&g.Workers, "workers", 4, "blocks fetched at once during a sync; rows screened at once by batch")
	f.StringSliceVar(&g.Labels, "labels", nil, "label files to use for this run, besides the built-in and stored ones")
	root.AddCommand(
		newSyncCommand(&g),
		newAddressCommand(&g),
		newTxCommand(&g),
		newStoreCommand(&g),
		newLabelsCommand(&g),
		newTraceCommand(&g),
		newScreenCommand(&g),
		newServeCommand(&g),
		newExposureCommand(&g),
		newBatchCommand(&g),
		newCaseCommand(&g),
		newDemoCommand(&g),
		newVersionCommand(),
	)
	return root
}

// logger builds the stderr logger the flags ask for.
func (g *globalOptions) logger() (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(g.LogLevel)); err != nil {
		return nil, usagef("--log-level %q: want debug, info, warn or error", g.LogLevel)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})), nil
}

// storeDir resolves --store, HOUND_STORE and the default.
func (g *globalOptions) storeDir() (string, error) {
	if g.Store != "" {
		return g.Store, nil
	}
	if d := os.Getenv("HOUND_STORE"); d != "" {
		return d, nil
	}
	return store.DefaultDir()
}

// openStore opens the store the flags name.
func (g *globalOptions) openStore() (*store.Store, error) {
	dir, err := g.storeDir()
	if err != nil {
		return nil, err
	}
	log, err := g.logger()
	if err != nil {
		return nil, err
	}
	return store.Open(dir, store.Options{Logger: log})
}
