package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/spf13/cobra"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/chains/ethereum/ethtest"
	"github.com/houndtrace/hound/labels"
	"github.com/houndtrace/hound/store"
	"github.com/houndtrace/hound/trace"
	"github.com/houndtrace/hound/trace/report"
)

type demoOptions struct {
	// Dir is where the demo writes its Bitcoin block file and the trace's
	// JSON and DOT; empty means a new temporary directory.
	Dir string
	// Report is where to write the trace's HTML report; empty writes none.
	Report string
}

func newDemoCommand(g *globalOptions) *cobra.Command {
	var opts demoOptions
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Play a DPRK-style laundering of stolen money on in-process chains and trace it",
		Long: `Play METHODS.md's laundering playbook on two chains inside this process, sync both into a
store, trace the money from the thief and write the results. Nothing leaves the machine:
go-ethereum's EVM serves JSON-RPC on 127.0.0.1 only, and the Bitcoin blocks are built and
signed in process and read back as a block file.

The scenario, on Ethereum (a simulated chain with a gas price of zero):
  theft     a bridge's hot wallet loses 25,500,000 USDC to the exploiter (labelled DPRK)
  swap      the exploiter swaps the USDC for ether on a Uniswap-V2-style pair
  fan-out   5 x 100 ETH to hop addresses H1-H5
  mix       H1-H4 deposit into a Tornado-style 100 ETH pool; H2 later withdraws to itself
            and sends the 100 ETH through a deposit address to an exchange
  bridge    H5 sends 100 ETH to a THORChain-style router, memo =:b:<bitcoin address>:...
and on Bitcoin (regtest, the same blocks on every machine):
  payout    THORChain's vault pays 3.2 BTC with OP_RETURN OUT:<the router deposit's hash>
  CoinJoin  a Whirlpool TX0, then a 5x5 mix of 0.05 BTC
  peel      three payments peeled off the mixed coin, the last to a deposit address
  cash out  the exchange spends that deposit together with its hot wallet's coin

Then hound syncs Ethereum over JSON-RPC and Bitcoin with sync bitcoin --blocks, labels the
exploiter and the exchange (the pool and the router are known by their events), traces from
the DPRK-labelled exploiter with --follow-mixers under the haircut model, prints the
findings and writes trace.json and trace.dot; --report FILE also writes the investigator's
report, one HTML page to open in a browser (the flow graph, the findings, the freeze-request
packet for the exchange, a timeline): hound demo --report demo.html.

The store is a temporary directory, removed at the end, unless --store is given. The block
file and the trace's files go to --dir (default: a new temporary directory, kept).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd.Context(), cmd.OutOrStdout(), g, opts, cmd.Flags().Changed("store"))
		},
	}
	cmd.Flags().StringVar(&opts.Dir, "dir", "", "write the Bitcoin block file, trace.json and trace.dot here (default: a new temporary directory)")
	cmd.Flags().StringVar(&opts.Report, "report", "", "also write the trace's HTML report to FILE (one self-contained page: open it in a browser)")
	return cmd
}

// demoTraceHops is how far the demo's trace goes: the exchange deposit on
// Bitcoin is 8 hops from the thief (router, payout, TX0, mix, three peel
// steps, the exchange's co-spend).
const demoTraceHops = 10

func runDemo(ctx context.Context, w io.Writer, g *globalOptions, opts demoOptions, keepStore bool) error {
	dir := opts.Dir
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "hound-demo-"); err != nil {
			return err
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if !keepStore {
		st, err := os.MkdirTemp("", "hound-demo-store-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(st)
		g.Store = st
	}
	fmt.Fprintln(w, "hound demo: METHODS.md's laundering playbook, played on two chains inside this process")

	chain, err := ethtest.Start(ethtest.Options{ZeroGasPrice: true, Accounts: demoFunded, Unfunded: demoUnfunded})
	if err != nil {
		return fmt.Errorf("demo: start the Ethereum chain: %w", err)
	}
	defer chain.Close()
	dest := demoBTCAddress("dest")
	eth, err := playEthereum(ctx, chain, dest)
	if err != nil {
		return fmt.Errorf("demo: play the Ethereum side: %w", err)
	}
	btc, err := buildBitcoin(eth.bridgeTx, eth.lastTime)
	if err != nil {
		return fmt.Errorf("demo: build the Bitcoin side: %w", err)
	}
	blockFile := filepath.Join(dir, "blk00000.dat")
	if err := btc.writeBlockFile(blockFile); err != nil {
		return fmt.Errorf("demo: write the Bitcoin blocks: %w", err)
	}
	tellStory(w, eth, btc, blockFile)

	fmt.Fprintf(w, "\n== Sync: hound sync ethereum --rpc %s; hound sync bitcoin --blocks %s --network regtest\n\n", chain.URL(), blockFile)
	if err := runSync(ctx, w, os.Stderr, g, syncOptions{RPC: chain.URL(), To: "latest"}, "ethereum"); err != nil {
		return err
	}
	if err := runSync(ctx, w, os.Stderr, g, syncOptions{Blocks: []string{blockFile}, Network: "regtest"}, "bitcoin"); err != nil {
		return err
	}
	if err := labelDemo(g, eth, btc); err != nil {
		return err
	}
	fmt.Fprintln(w)
	if err := view(w, g, "table", runStoreInfo); err != nil {
		return err
	}

	seeds := []string{"ethereum:" + eth.exploiter.Hex()}
	topts := traceOptions{Model: "haircut", Hops: demoTraceHops, FanOut: trace.DefaultFanOut, FollowMixers: true}
	fmt.Fprintf(w, "\n== Trace from the DPRK-labelled exploiter: hound trace %s --follow-mixers --hops %d\n\n", seeds[0], demoTraceHops)
	outs := []struct{ format, path string }{{"table", ""}, {"json", filepath.Join(dir, "trace.json")}, {"dot", filepath.Join(dir, "trace.dot")}}
	if opts.Report != "" {
		outs = append(outs, struct{ format, path string }{"html", opts.Report})
	}
	for _, out := range outs {
		o := topts
		o.Format, o.Out = out.format, out.path
		if err := runTrace(ctx, w, g, o, seeds); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "\nwrote %s (hound.trace/v1)\nwrote %s (Graphviz: dot -Tsvg %[2]s -o trace.svg)\n",
		filepath.Join(dir, "trace.json"), filepath.Join(dir, "trace.dot"))
	if opts.Report != "" {
		fmt.Fprintf(w, "wrote %s (the report: open it in a browser; it works offline)\n", opts.Report)
	}
	if !keepStore {
		fmt.Fprintln(w, "\nThe store was temporary; run hound demo --store DIR to keep it and look around with\nhound address, hound tx and hound trace --store DIR.")
	}
	return nil
}

// tellStory prints what the demo played, block by block.
func tellStory(w io.Writer, eth *demoEthereum, btc *demoBitcoin, blockFile string) {
	hex := func(a common.Address) string { return strings.ToLower(a.Hex()) }
	e := eth.blocks
	fmt.Fprintf(w, "\nEthereum (go-ethereum's EVM in process, JSON-RPC on 127.0.0.1, gas price 0):\n")
	rows := [][2]string{
		{fmt.Sprint(e["theft"]), fmt.Sprintf("theft: the bridge's hot wallet %s loses %s USDC to the exploiter %s",
			hex(eth.victim), report.Units(demoStolen, 6), hex(eth.exploiter))},
		{fmt.Sprint(e["swap"]), fmt.Sprintf("swap: the exploiter sells them for %s ETH on the pair %s", report.Units(eth.swapped, 18), hex(eth.pair))},
		{fmt.Sprint(e["fan-out"]), fmt.Sprintf("fan-out: 5 x %s ETH to H1-H5 (%s ... %s)", report.Units(demoHopAmount, 18), hex(eth.hops[0]), hex(eth.hops[4]))},
		{fmt.Sprint(e["mix"]), fmt.Sprintf("mix: H1-H4 deposit %s ETH each into the pool %s", report.Units(demoHopAmount, 18), hex(eth.mixer))},
		{fmt.Sprint(e["bridge"]), fmt.Sprintf("bridge: H5 (with %s ETH of its own) sends %s ETH to the router %s, memo =:b:%s:0/1/0:t:0",
			report.Units(demoOTCAmount, 18), report.Units(demoBridgeValue, 18), hex(eth.router), btc.dest)},
		{fmt.Sprint(e["withdraw"]), fmt.Sprintf("exit: H2 %s withdraws %s ETH from the pool to itself", hex(eth.hops[1]), report.Units(demoHopAmount, 18))},
		{fmt.Sprintf("%d-%d", e["to deposit address"], e["sweep"]), fmt.Sprintf("cash out: H2 pays %s, which sweeps it to the exchange's hot wallet %s",
			hex(eth.deposit), hex(eth.exchange))},
	}
	printRows(w, rows)
	b := btc.blocks
	fmt.Fprintf(w, "\nBitcoin (regtest, built and signed in process, written to %s):\n", blockFile)
	rows = [][2]string{
		{fmt.Sprintf("1-%d", b["exchange withdrawals"]), fmt.Sprintf("funding: THORChain's vault %s, the exchange's hot wallet %s; the exchange pays dest2 %s and four co-mixers",
			btc.vault, btc.hot, btc.dest2)},
		{fmt.Sprint(b["co-mixer TX0s"]), "the co-mixers' Whirlpool TX0s"},
		{fmt.Sprint(b["bridge payout"]), fmt.Sprintf("payout: the vault pays %s BTC to %s, OP_RETURN OUT:%s",
			report.Units(bigInt(demoPayout), 8), btc.dest, strings.ToUpper(strings.TrimPrefix(eth.bridgeTx.Hex(), "0x")))},
		{fmt.Sprint(b["TX0"]), fmt.Sprintf("TX0: dest and dest2 together into five premixes of %s BTC", report.Units(bigInt(demoPremix), 8))},
		{fmt.Sprint(b["whirlpool mix"]), fmt.Sprintf("CoinJoin: a Whirlpool 5x5 mix of %s BTC with the four co-mixers", report.Units(bigInt(demoPool), 8))},
		{fmt.Sprintf("%d-%d", b["peel 1"], b["peel 3"]), fmt.Sprintf("peel chain: %s, %s and %s BTC peeled off the mixed coin, the last to %s",
			report.Units(bigInt(demoPeels[0]), 8), report.Units(bigInt(demoPeels[1]), 8), report.Units(bigInt(demoPeels[2]), 8), btc.deposit)},
		{fmt.Sprint(b["exchange co-spend"]), "cash out: the exchange spends that coin together with its hot wallet's"},
	}
	printRows(w, rows)
}

// printRows prints block numbers and what happened in them.
func printRows(w io.Writer, rows [][2]string) {
	for _, r := range rows {
		fmt.Fprintf(w, "  block %-6s %s\n", r[0], r[1])
	}
}

// labelDemo stores the labels an investigator would have for the demo's
// addresses: the thief (attributed), the DEX pair and the exchange's hot
// wallets. The mixer pool and the bridge router go unlabelled: the trace
// knows them by their events.
func labelDemo(g *globalOptions, eth *demoEthereum, btc *demoBitcoin) error {
	st, err := g.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	const source = "hound demo (a simulated scenario, not a real attribution)"
	addr := func(a common.Address) chains.Address { return chains.Address(strings.ToLower(a.Hex())) }
	ls := []labels.Label{
		{Chain: chains.Ethereum, Address: addr(eth.exploiter), Category: labels.Theft, Entity: "Demo Bridge Exploiter",
			Actor: labels.DPRK, Group: "Lazarus Group", Campaign: "Demo Bridge 2026-11", Source: source, Confidence: labels.Forensic},
		{Chain: chains.Ethereum, Address: addr(eth.pair), Category: labels.DEX, Entity: "Uniswap-V2-style pair USDC/WETH",
			Source: source, Confidence: labels.Forensic},
		{Chain: chains.Ethereum, Address: addr(eth.exchange), Category: labels.Exchange, Entity: "Demo Exchange",
			Source: source, Confidence: labels.Forensic},
		{Chain: chains.Bitcoin, Address: chains.Address(btc.hot), Category: labels.Exchange, Entity: "Demo Exchange",
			Source: source, Confidence: labels.Forensic},
	}
	return st.PutLabels(store.LabelSet{Name: "demo", Format: "hound demo"}, ls)
}
