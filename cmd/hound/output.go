package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/store"
	"github.com/houndtrace/hound/trace/report"
)

// formatOptions is the --format flag of commands that print a table or
// JSON.
type formatOptions struct {
	Format string
}

// lookupFunc prints what the store holds of one subject.
type lookupFunc func(w io.Writer, g *globalOptions, st *store.Store, format string, sub chains.Subject) error

// lookup checks the format (table or json), parses arg with parse, opens
// the store and runs run.
func lookup(w io.Writer, g *globalOptions, format string, parse func(string) (chains.Subject, error), run lookupFunc, arg string) error {
	if err := checkFormat(format, "table", "json"); err != nil {
		return err
	}
	sub, err := parse(arg)
	if err != nil {
		return usageError{err}
	}
	st, err := g.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	return run(w, g, st, format, sub)
}

// newLookupCommand completes cmd as a command that takes one subject,
// parsed by parse (want describes it), and a --format flag, and runs run.
func newLookupCommand(g *globalOptions, run lookupFunc, parse func(string) (chains.Subject, error), want string, cmd *cobra.Command) *cobra.Command {
	var opts formatOptions
	cmd.Args = exactArgs(1, want)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		return lookup(cmd.OutOrStdout(), g, opts.Format, parse, run, args[0])
	}
	cmd.Flags().StringVar(&opts.Format, "format", "table", "output format: table or json")
	return cmd
}

// viewFunc prints something of the whole store.
type viewFunc func(w io.Writer, g *globalOptions, st *store.Store, format string) error

// view checks the format (table or json), opens the store and runs run.
func view(w io.Writer, g *globalOptions, format string, run viewFunc) error {
	if err := checkFormat(format, "table", "json"); err != nil {
		return err
	}
	st, err := g.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	return run(w, g, st, format)
}

// newViewCommand completes cmd as a command without arguments, with a
// --format flag, that runs run.
func newViewCommand(g *globalOptions, run viewFunc, cmd *cobra.Command) *cobra.Command {
	var opts formatOptions
	cmd.Args = noArgs
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		return view(cmd.OutOrStdout(), g, opts.Format, run)
	}
	cmd.Flags().StringVar(&opts.Format, "format", "table", "output format: table or json")
	return cmd
}

// checkFormat accepts the output formats a command offers.
func checkFormat(format string, allowed ...string) error {
	for _, a := range allowed {
		if format == a {
			return nil
		}
	}
	return usagef("--format %q: want one of %s", format, strings.Join(allowed, ", "))
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
}

// assetNamer gives display names and decimals of assets, from the store's
// token records.
type assetNamer struct {
	st    *store.Store
	chain chains.Chain
	cache map[chains.Asset]chains.Token
}

func newAssetNamer(st *store.Store, c chains.Chain) *assetNamer {
	return &assetNamer{st: st, chain: c, cache: map[chains.Asset]chains.Token{}}
}

func (n *assetNamer) token(a chains.Asset) chains.Token {
	if a == chains.Native {
		sym := map[chains.Chain]string{chains.Ethereum: "ETH", chains.Bitcoin: "BTC"}[n.chain]
		dec := map[chains.Chain]uint8{chains.Ethereum: 18, chains.Bitcoin: 8}[n.chain]
		return chains.Token{Asset: a, Symbol: sym, Decimals: dec, Known: true}
	}
	if t, ok := n.cache[a]; ok {
		return t
	}
	t, ok, err := n.st.Token(n.chain, a)
	if err != nil || !ok {
		t = chains.Token{Asset: a}
	}
	n.cache[a] = t
	return t
}

// display writes an amount of asset a in whole units with its symbol, or
// in base units with the contract address when the token is unknown.
func (n *assetNamer) display(a chains.Asset, v *big.Int) string {
	t := n.token(a)
	if !t.Known {
		return v.String() + " units of " + string(a)
	}
	sym := t.Symbol
	if sym == "" {
		sym = string(a)
	}
	return report.Units(v, t.Decimals) + " " + sym
}

// transferJSON is a transfer in the JSON contract (DESIGN.md): amounts are
// decimal strings in base units.
type transferJSON struct {
	Tx      string `json:"tx"`
	Block   uint64 `json:"block"`
	Index   string `json:"position"`
	Time    string `json:"time"`
	From    string `json:"from"`
	To      string `json:"to"`
	Asset   string `json:"asset"`
	Symbol  string `json:"symbol,omitempty"`
	Amount  string `json:"amount"`
	Display string `json:"display,omitempty"`
	Kind    string `json:"kind"`
}

func (n *assetNamer) transferJSON(t *chains.Transfer) transferJSON {
	out := transferJSON{
		Block: t.Pos.Block, Index: posString(t.Pos), Time: unixTime(t.Time),
		From: string(t.From), To: string(t.To), Asset: string(t.Asset), Amount: t.Amount.String(), Kind: t.Kind.String(),
	}
	if !t.Tx.IsZero() {
		out.Tx = t.Tx.Format(t.Chain)
	}
	if tok := n.token(t.Asset); tok.Known {
		out.Symbol, out.Display = tok.Symbol, report.Units(t.Amount, tok.Decimals)
	}
	return out
}

// posString writes a position as block:tx:ordinal, "w" for block-level
// movements.
func posString(p chains.Pos) string {
	if p.TxIndex == chains.BlockLevel {
		return fmt.Sprintf("%d:w:%d", p.Block, p.Index)
	}
	return fmt.Sprintf("%d:%d:%d", p.Block, p.TxIndex, p.Index)
}

func unixTime(s uint64) string {
	return time.Unix(int64(s), 0).UTC().Format(time.RFC3339)
}

// short abbreviates a long hash or address for tables.
func short(s string) string {
	if len(s) <= 20 {
		return s
	}
	return s[:10] + "…" + s[len(s)-8:]
}

// txCell is a transfer's transaction for tables: "-" for block-level
// movements such as withdrawals.
func txCell(t *chains.Transfer) string {
	if t.Tx.IsZero() {
		return "-"
	}
	return short(t.Tx.Format(t.Chain))
}
