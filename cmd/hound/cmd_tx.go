package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/store"
)

func newTxCommand(g *globalOptions) *cobra.Command {
	return newLookupCommand(g, runTx, "one <chain>:<txid>", &cobra.Command{
		Use:   "tx <chain>:<txid>",
		Short: "Show one stored transaction's transfers",
		Long: `Show one transaction from the store: its status and every transfer it made, in execution
order: the fee first (gas is bought before execution), then top-level value, internal
transfers from call traces and token transfers from logs.`,
		Example: `  hound tx ethereum:0xc28fad5e8d5e0ce6a2eaf67b6687be5d58113e16be590824d6cfa1a94467d0b7`,
	})
}

// txJSON is hound.tx/v1.
type txJSON struct {
	Schema    string         `json:"schema"`
	Chain     string         `json:"chain"`
	Tx        string         `json:"tx"`
	Block     uint64         `json:"block"`
	Index     uint32         `json:"index"`
	Time      string         `json:"time"`
	From      string         `json:"from"`
	To        string         `json:"to"`
	Status    string         `json:"status"`
	Transfers []transferJSON `json:"transfers"`
}

func runTx(_ context.Context, w io.Writer, g *globalOptions, opts formatOptions, arg string) error {
	if err := checkFormat(opts.Format, "table", "json"); err != nil {
		return err
	}
	sub, err := chains.TxSubject(arg)
	if err != nil {
		return usageError{err}
	}
	st, err := g.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	rec, err := st.Tx(sub.Chain, sub.Tx)
	if errors.Is(err, store.ErrNotFound) {
		return usagef("%s: the store has no such transaction (is its block synced? see hound store info)", arg)
	}
	if err != nil {
		return err
	}
	names := newAssetNamer(st, sub.Chain)
	out := txJSON{Schema: "hound.tx/v1", Chain: string(sub.Chain), Tx: sub.Tx.Format(sub.Chain), Block: rec.Block,
		Index: rec.Tx.Index, Time: unixTime(rec.Time), From: string(rec.Tx.From), To: string(rec.Tx.To),
		Status: statusName(rec.Tx.Status), Transfers: []transferJSON{}}
	for i := range rec.Transfers {
		out.Transfers = append(out.Transfers, names.transferJSON(&rec.Transfers[i]))
	}
	if opts.Format == "json" {
		return writeJSON(w, out)
	}
	fmt.Fprintf(w, "%s %s\nblock %d, index %d, %s, %s\nfrom %s to %s\n\n", out.Chain, out.Tx, out.Block, out.Index, out.Time, out.Status, out.From, out.To)
	tw := newTable(w)
	fmt.Fprintln(tw, "POSITION\tKIND\tFROM\tTO\tAMOUNT")
	for i := range rec.Transfers {
		t := &rec.Transfers[i]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", posString(t.Pos), t.Kind, t.From, t.To, names.display(t.Asset, t.Amount))
	}
	return tw.Flush()
}

func statusName(s chains.TxStatus) string {
	switch s {
	case chains.TxSucceeded:
		return "succeeded"
	case chains.TxFailed:
		return "failed"
	}
	return "unknown"
}
