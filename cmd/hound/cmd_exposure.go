package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/labels"
	"github.com/houndtrace/hound/store"
	"github.com/houndtrace/hound/trace"
)

func newExposureCommand(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "exposure",
		Short: "Precompute every address's exposure, so screening is a lookup",
	}
	var opts screenOptions
	rebuild := &cobra.Command{
		Use:   "rebuild",
		Short: "Propagate taint forward from every attributed source over the synced data and store it",
		Long: `Walk the taint of every attributed source (every theft label, and the sanctioned labels of
--actor) forward over everything synced, once, under --model and up to --hops hops, and store
each address's inflow with its direct and indirect tainted parts, and each tainted deposit.
hound screen and hound batch then answer from these records (method "precomputed") while they
match the store's heights, the labels and the model and hops asked for; otherwise they walk.

Run it again after a sync or a label import: a result built for other heights or other labels
is never used (hound exposure info says whether the records are current). It updates
incrementally: the inflow totals it keeps are brought forward by the blocks synced since the
last rebuild (and recomputed from the whole flow index only the first time, after a reorg below
them, or after an update that was cut short); the taint is walked again over the tainted
region, which the hop bound keeps small. The taint records are written as a new generation
beside the old one and switched to in one step; while the totals change, screens walk.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runExposureRebuild(cmd.Context(), cmd.OutOrStdout(), g, opts)
		},
	}
	f := rebuild.Flags()
	f.StringVar(&opts.Model, "model", trace.DefaultModel.String(), "taint model: haircut, poison, fifo, lifo or tiho")
	f.IntVar(&opts.Hops, "hops", trace.DefaultScreenHops, "how many hops from a source taint is followed")
	f.StringVar(&opts.Actor, "actor", "DPRK", "sanctioned labels of this actor count as sources (theft labels always do)")
	info := newViewCommand(g, runExposureInfo, &cobra.Command{
		Use:   "info",
		Short: "Show what the precomputed exposure covers and whether it is current",
	})
	cmd.AddCommand(rebuild, info)
	return cmd
}

// exposureState is the store's precomputed exposure and whether it answers
// for the store's heights and labels as they are now.
type exposureState struct {
	Meta    store.ExposureMeta `json:"meta"`
	Built   bool               `json:"built"`
	Current bool               `json:"current"`
	Why     string             `json:"why,omitempty"`
}

// currentExposure reads the precomputed exposure and checks it against
// heights, the labels digest, the model and the hops.
func currentExposure(st *store.Store, heights map[chains.Chain]store.Checkpoint, digest string, model trace.Model, hops int, actor string) (exposureState, error) {
	meta, ok, err := st.Exposure()
	s := exposureState{Meta: meta, Built: ok}
	switch {
	case err != nil:
		return s, err
	case !ok:
		s.Why = "never built: run hound exposure rebuild"
	case meta.Updating:
		s.Why = "an update is running, or was cut short: run hound exposure rebuild"
	case meta.LabelsDigest != digest:
		s.Why = "the labels changed since it was built"
	case meta.Model != model.String() || meta.Hops != hops || meta.Actor != actor:
		s.Why = fmt.Sprintf("built for %s over %d hops with %s's sanctioned labels as sources", meta.Model, meta.Hops, meta.Actor)
	default:
		now := map[string]uint64{}
		for c, cp := range heights {
			now[string(c)] = cp.Height
		}
		if !maps.Equal(now, meta.Heights) {
			s.Why = fmt.Sprintf("built at heights %v, the store is at %v", meta.Heights, now)
		}
	}
	s.Current = s.Why == ""
	return s, nil
}

func runExposureInfo(w io.Writer, g *globalOptions, st *store.Store, format string) error {
	s, err := newScreener(g, st, screenOptions{Model: trace.DefaultModel.String(), Hops: trace.DefaultScreenHops, Actor: labels.DPRK, FailOn: "high", High: "0.1", Medium: "0.01"})
	if err != nil {
		return err
	}
	if format == "json" {
		return writeJSON(w, s.exposure)
	}
	if !s.exposure.Built {
		_, err := fmt.Fprintln(w, "no precomputed exposure: run hound exposure rebuild")
		return err
	}
	m := s.exposure.Meta
	fmt.Fprintf(w, "generation %d, built %s under %s over %d hops, at heights %v\n%d nodes, %d tainted deposits\n",
		m.Generation, m.Built, m.Model, m.Hops, m.Heights, m.Nodes, m.Deposits)
	if s.exposure.Current {
		_, err = fmt.Fprintln(w, "current: screens answer from it")
	} else {
		_, err = fmt.Fprintf(w, "stale (%s): screens walk instead\n", s.exposure.Why)
	}
	return err
}

func runExposureRebuild(ctx context.Context, w io.Writer, g *globalOptions, o screenOptions) error {
	o.FailOn, o.High, o.Medium = "high", "0.1", "0.01"
	st, err := g.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	s, err := newScreener(g, st, o)
	if err != nil {
		return err
	}
	start := time.Now()
	marks, how, err := updateInflows(ctx, st, s.heights)
	if err != nil {
		return err
	}
	var seeds []chains.Node
	seen := map[chains.Node]bool{}
	for _, l := range s.idx.Labels() {
		if _, synced := s.heights[l.Chain]; !synced || !trace.IsSource(&l, s.opts.Actor) {
			continue
		}
		nodes := []chains.Node{chains.HoldingOf(l.Chain, l.Address)}
		if l.Chain.IsEVM() {
			assets, err := st.Assets(ctx, l.Chain, l.Address)
			if err != nil {
				return err
			}
			nodes = nodes[:0]
			for _, a := range assets {
				nodes = append(nodes, chains.AccountOf(l.Chain, l.Address, a))
			}
		}
		for _, n := range nodes {
			if !seen[n] {
				seen[n] = true
				seeds = append(seeds, n)
			}
		}
	}
	res, err := trace.Trace(ctx, st, s.idx, seeds, trace.Options{Model: s.opts.Model, Hops: s.opts.Hops, Mainnet: s.opts.Mainnet})
	if err != nil {
		return err
	}
	type node struct {
		c     chains.Chain
		a     chains.Address
		asset chains.Asset
	}
	tainted := map[node]*store.NodeExposure{}
	type deposit struct {
		c     chains.Chain
		tx    chains.Hash
		index uint32
	}
	deposits := map[deposit]*store.DepositExposure{}
	for _, e := range res.Edges {
		if e.Tainted.Sign() == 0 {
			continue
		}
		a, asset, tx, index := trace.Exposed(e)
		k := node{e.Chain(), a, asset}
		x := tainted[k]
		if x == nil {
			x = &store.NodeExposure{Direct: new(big.Int), Indirect: new(big.Int)}
			tainted[k] = x
		}
		if e.Hop <= 1 {
			x.Direct.Add(x.Direct, e.Tainted)
		} else {
			x.Indirect.Add(x.Indirect, e.Tainted)
		}
		dk := deposit{e.Chain(), tx, index}
		if d := deposits[dk]; d != nil {
			d.Tainted.Add(d.Tainted, e.Tainted)
			d.Hop = min(d.Hop, e.Hop)
		} else {
			deposits[dk] = &store.DepositExposure{Amount: e.Amount, Tainted: new(big.Int).Set(e.Tainted), Hop: e.Hop}
		}
	}
	doc, err := s.document()
	if err != nil {
		return err
	}
	xw, err := st.NewExposure(store.ExposureMeta{Heights: doc.Heights, LabelsDigest: doc.LabelsDigest, Model: doc.Model, Hops: doc.Hops, Actor: s.opts.Actor, Inflows: marks,
		Built: time.Now().UTC().Format(time.RFC3339)})
	if err != nil {
		return err
	}
	write := func() error {
		for k, x := range tainted {
			if err := xw.Node(k.c, k.a, k.asset, *x); err != nil {
				return err
			}
		}
		for k, d := range deposits {
			if err := xw.Deposit(k.c, k.tx, k.index, *d); err != nil {
				return err
			}
		}
		return xw.Commit()
	}
	if err := write(); err != nil {
		if cerr := xw.Cancel(); cerr != nil {
			return fmt.Errorf("%w (and dropping the unfinished records: %v)", err, cerr)
		}
		return err
	}
	m, _, err := st.Exposure()
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "exposure generation %d: %d seeds, %d tainted flows, %d tainted nodes, %d tainted deposits, at heights %v (inflows %s) in %.1fs\n",
		m.Generation, len(seeds), len(res.Edges), m.Nodes, m.Deposits, m.Heights, how, time.Since(start).Seconds())
	return err
}

// updateInflows brings the store's live inflow totals to heights: by adding
// the blocks synced since the last rebuild when the chain below them is
// unchanged (the incremental update after a sync), else by recomputing
// them from the flow index (the first rebuild, after a reorg, or after an
// update that was cut short). It says which it did.
func updateInflows(ctx context.Context, st *store.Store, heights map[chains.Chain]store.Checkpoint) (map[string]store.InflowMark, string, error) {
	meta, built, err := st.Exposure()
	if err != nil {
		return nil, "", err
	}
	if built {
		if err := st.MarkExposureUpdating(); err != nil {
			return nil, "", err
		}
	}
	marks := map[string]store.InflowMark{}
	var how []string
	for _, c := range slices.Sorted(maps.Keys(heights)) {
		cp := heights[c]
		m, have := meta.Inflows[string(c)]
		same := built && !meta.Updating && have && m.Height <= cp.Height
		if same {
			h, err := st.BlockHash(c, m.Height)
			same = err == nil && h.Format(c) == m.Hash
		}
		switch {
		case same && m.Height == cp.Height:
			how = append(how, fmt.Sprintf("%s current", c))
		case same:
			if err := st.AddInflows(ctx, c, m.Height+1, cp.Height); err != nil {
				return nil, "", err
			}
			how = append(how, fmt.Sprintf("%s added blocks %d-%d", c, m.Height+1, cp.Height))
		default:
			if err := st.ResetInflows(ctx, c); err != nil {
				return nil, "", err
			}
			how = append(how, fmt.Sprintf("%s recomputed", c))
		}
		marks[string(c)] = store.InflowMark{Height: cp.Height, Hash: cp.Hash.Format(c)}
	}
	return marks, strings.Join(how, ", "), nil
}

// precomputed answers a screen from the precomputed exposure: lookups of
// the subject's records, no walk and no flow read. It keeps no paths: the
// walk (--method walk) gives them.
func (s *screener) precomputed(ctx context.Context, sub chains.Subject) (*trace.Exposure, error) {
	gen := s.exposure.Meta.Generation
	x := &trace.Exposure{Complete: true}
	add := func(asset chains.Asset, inflow, direct, indirect *big.Int) {
		for i := range x.Assets {
			if a := &x.Assets[i]; a.Asset == asset {
				a.Inflow.Add(a.Inflow, inflow)
				a.Direct.Add(a.Direct, direct)
				a.Indirect.Add(a.Indirect, indirect)
				return
			}
		}
		x.Assets = append(x.Assets, trace.AssetExposure{Asset: asset, Inflow: new(big.Int).Set(inflow),
			Direct: new(big.Int).Set(direct), Indirect: new(big.Int).Set(indirect)})
	}
	// deposit adds one transfer or output, tainted as the records say.
	deposit := func(tx chains.Hash, index uint32, asset chains.Asset, amount *big.Int) error {
		d, ok, err := s.st.DepositExposureOf(gen, sub.Chain, tx, index)
		switch {
		case err != nil:
			return err
		case !ok:
			add(asset, amount, new(big.Int), new(big.Int))
		case d.Hop <= 1:
			add(asset, amount, d.Tainted, new(big.Int))
		default:
			add(asset, amount, new(big.Int), d.Tainted)
		}
		return nil
	}
	switch {
	case !sub.IsTx:
		byAsset, err := s.st.AddressExposure(ctx, gen, sub.Chain, sub.Address)
		if err != nil {
			return nil, err
		}
		assets := slices.Sorted(maps.Keys(byAsset))
		if i := slices.Index(assets, chains.Native); i > 0 {
			assets = append(append([]chains.Asset{chains.Native}, assets[:i]...), assets[i+1:]...)
		}
		for _, asset := range assets {
			n := byAsset[asset]
			add(asset, n.Inflow, n.Direct, n.Indirect)
		}
		if l := s.sourceLabel(sub); l != nil {
			for i := range x.Assets {
				x.Assets[i].Direct.Set(x.Assets[i].Inflow)
				x.Assets[i].Indirect.SetInt64(0)
			}
			x.Sources = append(x.Sources, *l)
		}
	case sub.Chain.IsEVM():
		ts, err := s.st.TxTransfers(ctx, sub.Chain, sub.Tx)
		if errors.Is(err, store.ErrNotFound) {
			return x, nil
		}
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			if t.Kind == chains.KindFee || (sub.HasIndex && t.Pos.Index != sub.Index) {
				continue
			}
			if err := deposit(sub.Tx, t.Pos.Index, t.Asset, t.Amount); err != nil {
				return nil, err
			}
		}
	default:
		rec, err := s.st.Tx(sub.Chain, sub.Tx)
		if errors.Is(err, store.ErrNotFound) {
			return x, nil
		}
		if err != nil {
			return nil, err
		}
		for vout, out := range rec.UTXO.Outputs {
			if out.Kind == chains.ScriptNullData || (sub.HasIndex && uint32(vout) != sub.Index) {
				continue
			}
			if err := deposit(sub.Tx, uint32(vout), chains.Native, new(big.Int).SetUint64(out.Value)); err != nil {
				return nil, err
			}
		}
	}
	x.Seen = len(x.Assets) > 0
	return x, nil
}

// sourceLabel returns the label that makes an address subject an
// attributed source itself.
func (s *screener) sourceLabel(sub chains.Subject) *labels.Label {
	for _, l := range s.idx.Lookup(sub.Chain, sub.Address) {
		if trace.IsSource(&l, s.opts.Actor) {
			return &l
		}
	}
	return nil
}
