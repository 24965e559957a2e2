package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/store"
)

func newStoreCommand(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "store",
		Short: "Inspect the store",
	}
	cmd.AddCommand(newViewCommand(g, runStoreInfo, &cobra.Command{
		Use:   "info",
		Short: "Show the chains, heights, counts and size of the store",
	}))
	return cmd
}

// storeJSON is hound.store/v1.
type storeJSON struct {
	Schema string          `json:"schema"`
	Dir    string          `json:"dir"`
	Bytes  int64           `json:"bytes"`
	Chains []chainInfoJSON `json:"chains"`
}

type chainInfoJSON struct {
	Chain     string            `json:"chain"`
	Network   string            `json:"network"`
	First     uint64            `json:"first"`
	Height    uint64            `json:"height"`
	Hash      string            `json:"hash"`
	Blocks    uint64            `json:"blocks"`
	Txs       uint64            `json:"txs"`
	Transfers uint64            `json:"transfers"`
	ByKind    map[string]uint64 `json:"by_kind"`
	Skipped   uint64            `json:"skipped_logs"`
	// Unresolved counts UTXO inputs whose spent output the store lacks.
	Unresolved uint64 `json:"unresolved_inputs"`
	// Detached lists block ranges stored without their ancestors.
	Detached []rangeJSON `json:"detached,omitempty"`
}

func runStoreInfo(w io.Writer, _ *globalOptions, st *store.Store, format string) error {
	out := storeJSON{Schema: "hound.store/v1", Dir: st.Dir(), Bytes: st.Size(), Chains: []chainInfoJSON{}}
	cs, err := st.Chains()
	if err != nil {
		return err
	}
	for _, c := range cs {
		cp, _, err := st.Checkpoint(c)
		if err != nil {
			return err
		}
		net, err := st.Network(c)
		if err != nil {
			return err
		}
		counts, err := st.Counts(c)
		if err != nil {
			return err
		}
		ci := chainInfoJSON{Chain: string(c), Network: net, First: cp.First, Height: cp.Height, Hash: cp.Hash.Format(c),
			Blocks: counts.Blocks, Txs: counts.Txs, Transfers: counts.Total(), ByKind: map[string]uint64{}, Skipped: counts.Skipped,
			Unresolved: counts.Unresolved}
		segs, err := st.Segments(c)
		if err != nil {
			return err
		}
		for _, g := range segs {
			ci.Detached = append(ci.Detached, rangeJSON{From: g.First, To: g.Height})
		}
		for _, k := range chains.Kinds {
			ci.ByKind[k.String()] = counts.Transfers[k]
		}
		out.Chains = append(out.Chains, ci)
	}
	if format == "json" {
		return writeJSON(w, out)
	}
	fmt.Fprintf(w, "store %s, %s on disk\n", out.Dir, byteSize(out.Bytes))
	if len(out.Chains) == 0 {
		fmt.Fprintln(w, "no chains synced yet: run hound sync ethereum --rpc URL")
		return nil
	}
	tw := newTable(w)
	fmt.Fprintln(tw, "CHAIN\tNETWORK\tBLOCKS\tTXS\tTRANSFERS\tBY KIND")
	for _, c := range out.Chains {
		kinds := ""
		for _, k := range chains.Kinds {
			if n := c.ByKind[k.String()]; n > 0 {
				kinds += fmt.Sprintf("%s %d  ", k, n)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%d-%d\t%d\t%d\t%s\n", c.Chain, c.Network, c.First, c.Height, c.Txs, c.Transfers, kinds)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, c := range out.Chains {
		for _, d := range c.Detached {
			fmt.Fprintf(w, "%s: blocks %d-%d are stored without their ancestors (a detached range)\n", c.Chain, d.From, d.To)
		}
		if c.Unresolved > 0 {
			fmt.Fprintf(w, "%s: %d inputs spend outputs of blocks the store does not hold: their amounts and addresses are unknown\n", c.Chain, c.Unresolved)
		}
	}
	return nil
}

// byteSize writes a size in bytes for people: 32.0 kB, 1.5 GB.
func byteSize(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}
