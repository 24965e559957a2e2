package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/labels"
	"github.com/houndtrace/hound/store"
	"github.com/houndtrace/hound/trace/report"
)

func newAddressCommand(g *globalOptions) *cobra.Command {
	return newLookupCommand(g, runAddress, chains.AddressSubject, "one <chain>:<address>", &cobra.Command{
		Use:   "address <chain>:<address>",
		Short: "Show an address's stored transfers and balances",
		Long: `Show every transfer into or out of an address that the store holds, in chain order,
and the address's balance per asset derived from them: inflows minus outflows over the
stored block range, which is the change of its on-chain balance over that range.

A Bitcoin address is shown with its common-input cluster: the addresses spent from
together with it in one transaction, transitively, CoinJoins excluded (counted up to
10,000), and the labels of its members ("in the cluster of Binance: co-spent with ...").

Fees are transfers too (to the pseudo-address "fees"), so the derived ETH balance change
matches the node's eth_getBalance to the wei. Genesis allocations are not transfers.`,
		Example: `  hound address ethereum:0x098B716B8Aaf21512996dC57EB0615e2383E2f96
  hound address ethereum:0x098b716b8aaf21512996dc57eb0615e2383e2f96 --format json`,
	})
}

// addressJSON is hound.address/v1.
type addressJSON struct {
	Schema    string         `json:"schema"`
	Chain     string         `json:"chain"`
	Address   string         `json:"address"`
	Range     *rangeJSON     `json:"range"`
	Balances  []balanceJSON  `json:"balances"`
	Transfers []transferJSON `json:"transfers"`
	Labels    []labelJSON    `json:"labels"`
	// Unspent lists a UTXO address's unspent outputs.
	Unspent []unspentJSON `json:"unspent,omitempty"`
	// Cluster is a UTXO address's common-input cluster in the stored
	// blocks (absent on account chains and before the first sync).
	Cluster *clusterJSON `json:"cluster,omitempty"`
}

// clusterJSON is an address's common-input cluster: its size (the address
// included), whether that is all of it or addressClusterLimit cut it short,
// and its members other than the address that carry a label, each with
// its best label.
type clusterJSON struct {
	Size     int                 `json:"size"`
	Complete bool                `json:"complete"`
	Labelled []clusterMemberJSON `json:"labelled"`
}

type clusterMemberJSON struct {
	Address  string `json:"address"`
	Category string `json:"category"`
	Entity   string `json:"entity,omitempty"`
	Source   string `json:"source"`
}

// addressClusterLimit bounds the cluster hound address reads.
const addressClusterLimit = 10_000

// addressTableMembers bounds the labelled members the table lists.
const addressTableMembers = 20

type unspentJSON struct {
	Outpoint string `json:"outpoint"`
	Block    uint64 `json:"block"`
	Amount   string `json:"amount"`
}

type rangeJSON struct {
	From uint64 `json:"from"`
	To   uint64 `json:"to"`
}

type balanceJSON struct {
	Asset   string `json:"asset"`
	Symbol  string `json:"symbol,omitempty"`
	Amount  string `json:"amount"`
	Display string `json:"display,omitempty"`
}

func runAddress(w io.Writer, g *globalOptions, st *store.Store, format string, sub chains.Subject) error {
	cp, synced, err := st.Checkpoint(sub.Chain)
	if err != nil {
		return err
	}
	ts, err := st.AddressTransfers(sub.Chain, sub.Address)
	if err != nil {
		return err
	}
	sort.SliceStable(ts, func(i, j int) bool { return ts[i].Pos.Less(ts[j].Pos) })
	names := newAssetNamer(st, sub.Chain)
	out := addressJSON{Schema: "hound.address/v1", Chain: string(sub.Chain), Address: string(sub.Address),
		Balances: []balanceJSON{}, Transfers: []transferJSON{}}
	idx, err := g.labelIndex(st)
	if err != nil {
		return err
	}
	out.Labels = toLabelJSON(idx.Lookup(sub.Chain, sub.Address))
	if synced {
		out.Range = &rangeJSON{From: cp.First, To: cp.Height}
	}
	for _, b := range store.Balances(sub.Address, ts) {
		bj := balanceJSON{Asset: string(b.Asset), Amount: b.Amount.String()}
		if tok := names.token(b.Asset); tok.Known {
			bj.Symbol, bj.Display = tok.Symbol, report.Units(b.Amount, tok.Decimals)
		}
		out.Balances = append(out.Balances, bj)
	}
	for i := range ts {
		out.Transfers = append(out.Transfers, names.transferJSON(&ts[i]))
	}
	if !sub.Chain.IsEVM() {
		unspent, err := st.Unspent(sub.Chain, sub.Address)
		if err != nil {
			return err
		}
		for _, u := range unspent {
			out.Unspent = append(out.Unspent, unspentJSON{Outpoint: u.Outpoint.String(), Block: u.Block, Amount: strconv.FormatUint(u.Value, 10)})
		}
		if synced {
			if out.Cluster, err = addressCluster(st, idx, sub); err != nil {
				return err
			}
		}
	}
	if format == "json" {
		return writeJSON(w, out)
	}
	return addressTable(w, &out, names, ts, sub.Address)
}

// addressCluster reads sub's common-input cluster and labels its members.
func addressCluster(st *store.Store, idx *labels.Set, sub chains.Subject) (*clusterJSON, error) {
	members, complete, err := st.Cluster(context.Background(), sub.Chain, sub.Address, addressClusterLimit)
	if err != nil {
		return nil, err
	}
	cl := &clusterJSON{Size: len(members), Complete: complete, Labelled: []clusterMemberJSON{}}
	for _, m := range members {
		if m == sub.Address {
			continue
		}
		if ls := idx.Lookup(sub.Chain, m); len(ls) > 0 {
			cl.Labelled = append(cl.Labelled, clusterMemberJSON{Address: string(m), Category: ls[0].Category.String(), Entity: ls[0].Entity, Source: ls[0].Source})
		}
	}
	return cl, nil
}

// clusterTable prints an address's cluster: its size, and a line per
// labelled member.
func clusterTable(w io.Writer, cl *clusterJSON) {
	switch {
	case cl.Size <= 1:
		fmt.Fprintln(w, "cluster: the address alone (never spent from together with another address)")
		return
	case cl.Complete:
		fmt.Fprintf(w, "cluster: %d addresses (spent from together, CoinJoins excluded)\n", cl.Size)
	default:
		fmt.Fprintf(w, "cluster: more than %d addresses (spent from together, CoinJoins excluded; counting stopped there)\n", cl.Size)
	}
	for i, m := range cl.Labelled {
		if i == addressTableMembers {
			fmt.Fprintf(w, "  ... and %d more labelled members (--format json lists them)\n", len(cl.Labelled)-i)
			break
		}
		of, what := m.Entity, m.Category
		if of == "" {
			of = "an unnamed " + m.Category
		} else {
			what += ", " + m.Entity
		}
		fmt.Fprintf(w, "  in the cluster of %s: co-spent with %s (%s)\n", of, m.Address, what)
	}
}

func addressTable(w io.Writer, out *addressJSON, names *assetNamer, ts []chains.Transfer, a chains.Address) error {
	fmt.Fprintf(w, "%s %s\n", out.Chain, chains.Address(out.Address).Checksummed())
	if err := labelsTable(w, out.Labels); err != nil {
		return err
	}
	if len(out.Labels) > 0 {
		fmt.Fprintln(w)
	}
	if out.Range == nil {
		fmt.Fprintf(w, "the store holds no %s blocks yet: run hound sync %s first\n", out.Chain, out.Chain)
		return nil
	}
	fmt.Fprintf(w, "stored blocks %d-%d, %d transfers\n", out.Range.From, out.Range.To, len(ts))
	if out.Cluster != nil {
		clusterTable(w, out.Cluster)
	}
	fmt.Fprintln(w)
	tw := newTable(w)
	fmt.Fprintln(tw, "BALANCE (net over the stored range)\tASSET")
	for _, b := range store.Balances(a, ts) {
		fmt.Fprintf(tw, "%s\t%s\n", names.display(b.Asset, b.Amount), b.Asset)
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "POSITION\tTX\tKIND\tDIRECTION\tCOUNTERPARTY\tAMOUNT")
	for i := range ts {
		t := &ts[i]
		dir, other := "in", t.From
		if t.From == a {
			dir, other = "out", t.To
		}
		if t.From == t.To {
			dir = "self"
		}
		if other == "" {
			other = "-" // a UTXO flow: the other side is the transaction
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", posString(t.Pos), txCell(t), t.Kind, dir, other, names.display(t.Asset, t.Amount))
	}
	return tw.Flush()
}
