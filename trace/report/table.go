package report

import (
	"fmt"
	"io"
	"math/big"
	"strings"
	"text/tabwriter"
)

// WriteTable writes the findings first, one sentence each, then the tainted
// value per hop.
func WriteTable(w io.Writer, d *Document, assets Assets) error {
	fmt.Fprintf(w, "trace of %d seed(s) under the %s model: %d finding(s), %d tainted flow(s)\n\n", len(d.Seeds), d.Model, len(d.Findings), len(d.Edges))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if len(d.Findings) > 0 {
		fmt.Fprintln(tw, "HOP\tKIND\tENTITY\tADDRESS\tTAINTED\tOF\tTX\tBLOCK\tCONF\tDETAIL")
		for _, f := range d.Findings {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", f.Hop, f.Kind, f.Entity, f.Address,
				amount(f.Tainted, f.Asset, f.Chain, assets), amount(f.Amount, f.Asset, f.Chain, assets), short(f.Tx), f.Block,
				f.Confidence, detail(&f, assets))
		}
		fmt.Fprintln(tw)
	}
	fmt.Fprintln(tw, "HOP\tFLOWS\tTAINTED")
	for _, h := range hopTotals(d, assets) {
		fmt.Fprintf(tw, "%d\t%d\t%s\n", h.Hop, h.Flows, h.Tainted)
	}
	return tw.Flush()
}

// detail says what is particular to a finding's kind, in a few words.
func detail(f *Finding, assets Assets) string {
	switch f.Kind {
	case "exchange_deposit":
		if f.Forwarded == "" {
			return "co-spent with " + f.Wallet
		}
		return fmt.Sprintf("swept %s (%s tainted) to %s", amount(f.Forwarded, f.Asset, f.Chain, assets),
			amount(f.ForwardedTainted, f.Asset, f.Chain, assets), f.Wallet)
	case "mixer", "mixer_exit_candidate":
		s := f.Heuristic
		if f.Denomination != "" {
			s += ", pool of " + amount(f.Denomination, "native", f.Chain, assets)
		}
		return s
	case "bridge":
		s := "memo " + f.Decoded
		if f.Outbound != nil {
			s += fmt.Sprintf("; paid out %s (%s tainted) in %s:%s", amount(f.Outbound.Amount, f.Outbound.Asset, f.Outbound.Chain, assets),
				amount(f.Outbound.Tainted, f.Outbound.Asset, f.Outbound.Chain, assets), f.Outbound.Chain, short(f.Outbound.Tx))
		} else if f.Destination != nil {
			s += "; no payout synced on " + f.Destination.Chain
			if f.Destination.Address != "" {
				s += " to " + f.Destination.Address
			}
		}
		return s
	case "cluster":
		return strings.Join(f.Members, ", ")
	case "coinjoin":
		return f.CoinJoin
	case "peel_chain":
		return fmt.Sprintf("%d transactions peeled %s", f.Length, amount(f.Total, f.Asset, f.Chain, assets))
	}
	return f.Heuristic
}

// amount writes base units of an asset in whole units with its symbol.
func amount(v, asset, chain string, assets Assets) string {
	n, ok := new(big.Int).SetString(v, 10)
	if !ok {
		return v
	}
	tok := assets.Token(chainOf(chain), assetOf(asset))
	if !tok.Known {
		return v + " units of " + asset
	}
	return Units(n, tok.Decimals) + " " + tok.Symbol
}

func short(s string) string {
	if len(s) <= 20 {
		return s
	}
	return s[:10] + "…" + s[len(s)-8:]
}
