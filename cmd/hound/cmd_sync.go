package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/chains/bitcoin"
	"github.com/houndtrace/hound/chains/ethereum"
	"github.com/houndtrace/hound/store"
	"github.com/houndtrace/hound/trace"
)

// defaultConfirmations is how far behind the node's head a sync stops by
// default, per chain, so that shallow reorgs rarely reach the store (deeper
// ones are detected and rolled back anyway).
var defaultConfirmations = map[chains.Chain]uint64{
	chains.Ethereum: 12,
	chains.Bitcoin:  6,
}

type syncOptions struct {
	RPC           string
	From          string
	To            string
	Confirmations int64
	// Bitcoin only.
	Blocks    []string
	Network   string
	RPCUser   string
	RPCPass   string
	RPCCookie string
}

func newSyncCommand(g *globalOptions) *cobra.Command {
	var opts syncOptions
	cmd := &cobra.Command{
		Use:   "sync <chain> --rpc URL | sync bitcoin --blocks FILE...",
		Short: "Index a chain's blocks from your node into the store",
		Long: `Fetch blocks from a node's JSON-RPC and store every transfer they hold.

Ethereum: top-level ETH value, gas fees (to the pseudo-address "fees", which pays the
block's fee recipient its priority fee), internal ETH transfers from
debug_traceBlockByNumber's callTracer (an archive node with the debug API is needed for
them; without it the sync goes on and says once that internal transfers are missing),
ERC-20 Transfer logs, WETH deposits and withdrawals, and beacon-chain withdrawals.

Blocks are fetched --workers at a time and written in order; every batch of blocks is
committed together with the checkpoint that covers it, so a crash or Ctrl-C loses
nothing: the next sync resumes after the checkpoint. A reorg (a block whose parent hash
does not match the stored chain) rolls the orphaned blocks back and goes on from the
fork point.

Bitcoin: every transaction with its inputs, each resolved to the value and address of the
output it spends, and its outputs with their addresses (P2PK shown as its P2PKH address,
scripts without an address keyed as script:<sha256>, OP_RETURN payloads kept), over the
RPC calls btcd and Bitcoin Core share. The addresses a transaction spends from together
join one common-input cluster (hound address shows it), unless the transaction is a
CoinJoin (Wasabi, Whirlpool, JoinMarket-like). --blocks reads block files instead of a node:
Bitcoin Core's blk*.dat framing or raw single blocks, bzip2-compressed or not, ordered by
their parent links; blocks whose ancestors are missing are stored as a detached range
whose inputs stay unresolved.

By default the sync stops --confirmations blocks behind the node's head (Ethereum: 12,
Bitcoin: 6); --confirmations 0 syncs to the tip.`,
		Example: `  hound sync ethereum --rpc http://127.0.0.1:8545 --from 14442800 --to 14442900
  hound sync ethereum --rpc 127.0.0.1:8545            # resume after the checkpoint, up to head-12
  hound sync bitcoin --rpc 127.0.0.1:8332 --rpccookie ~/.bitcoin/.cookie
  hound sync bitcoin --blocks blk00000.dat blk00001.dat`,
		Args: exactArgs(1, "one chain name (ethereum or bitcoin)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSync(cmd.Context(), cmd.OutOrStdout(), os.Stderr, g, opts, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.RPC, "rpc", "", "the node's JSON-RPC URL (http://host:port; a bare host:port means http)")
	f.StringVar(&opts.From, "from", "", "first block to index (default: after the checkpoint, or 0 on a first sync)")
	f.StringVar(&opts.To, "to", "latest", "last block to index, or latest (the head minus --confirmations)")
	f.Int64Var(&opts.Confirmations, "confirmations", -1, "blocks to stay behind the head (default per chain: ethereum 12, bitcoin 6)")
	f.StringSliceVar(&opts.Blocks, "blocks", nil, "bitcoin: read blocks from files (blk*.dat framing or raw blocks, bz2 accepted) instead of a node")
	f.StringVar(&opts.Network, "network", "", "bitcoin: mainnet, testnet, testnet4, signet, regtest or simnet (default: the store's, else mainnet)")
	f.StringVar(&opts.RPCUser, "rpcuser", "", "bitcoin: RPC user name")
	f.StringVar(&opts.RPCPass, "rpcpass", "", "bitcoin: RPC password (or use --rpccookie)")
	f.StringVar(&opts.RPCCookie, "rpccookie", "", "bitcoin: Bitcoin Core's .cookie file, read when --rpcpass is empty")
	return cmd
}

// parseRange turns --from/--to/--confirmations into store options.
func (o syncOptions) parseRange(c chains.Chain) (store.SyncOptions, error) {
	var so store.SyncOptions
	if o.From != "" {
		n, err := strconv.ParseUint(o.From, 10, 64)
		if err != nil {
			return so, usagef("--from %q: want a block number", o.From)
		}
		so.From, so.FromSet = n, true
	}
	if o.To != "latest" && o.To != "" {
		n, err := strconv.ParseUint(o.To, 10, 64)
		if err != nil {
			return so, usagef("--to %q: want a block number or latest", o.To)
		}
		so.To, so.ToSet = n, true
	}
	if so.FromSet && so.ToSet && so.From > so.To {
		return so, usagef("--from %d is after --to %d", so.From, so.To)
	}
	so.Confirmations = defaultConfirmations[c]
	if o.Confirmations >= 0 {
		so.Confirmations = uint64(o.Confirmations)
	}
	return so, nil
}

func runSync(ctx context.Context, stdout, stderr io.Writer, g *globalOptions, opts syncOptions, chainName string) error {
	c, err := chains.ParseChain(chainName)
	if err != nil {
		return usageError{err}
	}
	if err := opts.check(c); err != nil {
		return err
	}
	so, err := opts.parseRange(c)
	if err != nil {
		return err
	}
	log, err := g.logger()
	if err != nil {
		return err
	}
	st, err := g.openStore()
	if err != nil {
		return err
	}
	defer st.Close()
	so.Workers, so.Logger = g.Workers, log
	if c == chains.Bitcoin {
		// The network both --blocks and --rpc sync (Dial checks the node's
		// genesis block against it).
		net, err := opts.bitcoinNetwork(st)
		if err != nil {
			return err
		}
		so.Joined = coinJoins(net)
		if len(opts.Blocks) > 0 {
			return syncBlockFiles(ctx, stdout, stderr, g, st, net, opts.Blocks, so)
		}
	}
	src, err := opts.dial(ctx, c, st, log)
	if err != nil {
		return err
	}
	defer src.Close()
	return syncSource(ctx, stdout, stderr, g, st, src, so)
}

// coinJoins is the CoinJoin judgement a Bitcoin sync of network net gives
// the store (store.SyncOptions.Joined): a transaction trace.DetectCoinJoin
// takes for a CoinJoin puts its inputs in no common-input cluster
// (METHODS.md section 2). It judges as the trace walk does (trace/walk.go):
// mainnet's activation heights on mainnet only, and no Origin for the TX0
// rule, so no transaction a trace reports as a CoinJoin ever joins a
// cluster. Without Origin a Whirlpool-shaped transaction counts as a mix
// even when its premixes did not come from a TX0: for clustering that is
// the safe side (a merge missed, never a false one), and it keeps the
// judgement a function of the transaction and its height alone, so the
// store's clusters do not depend on how a sync batched its blocks.
func coinJoins(net *bitcoin.Network) func(tx *chains.UTXOTx, height uint64) bool {
	mainnet := net.Name == bitcoin.Mainnet.Name
	return func(tx *chains.UTXOTx, height uint64) bool {
		_, ok := trace.DetectCoinJoin(tx, trace.CoinJoinContext{Height: height, Mainnet: mainnet})
		return ok
	}
}

// check refuses flag combinations that cannot work, before anything runs.
func (o syncOptions) check(c chains.Chain) error {
	switch {
	case len(o.Blocks) > 0 && c != chains.Bitcoin:
		return usagef("sync %s: --blocks reads Bitcoin block files only", c)
	case len(o.Blocks) > 0 && o.RPC != "":
		return usagef("sync %s: give --rpc or --blocks, not both", c)
	case len(o.Blocks) == 0 && o.RPC == "":
		return usagef("sync %s: --rpc URL is required (e.g. --rpc http://127.0.0.1:%d)", c, map[chains.Chain]int{chains.Ethereum: 8545, chains.Bitcoin: 8332}[c])
	case c != chains.Bitcoin && (o.Network != "" || o.RPCUser != "" || o.RPCPass != "" || o.RPCCookie != ""):
		return usagef("sync %s: --network, --rpcuser, --rpcpass and --rpccookie are for bitcoin; an EVM node's chain id names its network", c)
	}
	return nil
}

// closingSource is a block source with a connection to close.
type closingSource interface {
	chains.BlockSource
	Close()
}

// dial connects to the node --rpc names.
func (o syncOptions) dial(ctx context.Context, c chains.Chain, st *store.Store, log *slog.Logger) (closingSource, error) {
	if c == chains.Ethereum {
		eopts := ethereum.DefaultOptions()
		eopts.Logger = log
		return ethereum.Dial(ctx, o.RPC, eopts)
	}
	net, err := o.bitcoinNetwork(st)
	if err != nil {
		return nil, err
	}
	src, err := bitcoin.Dial(ctx, bitcoin.Config{URL: o.RPC, User: o.RPCUser, Pass: o.RPCPass, CookieFile: o.RPCCookie, Network: net, Logger: log})
	if err != nil {
		return nil, err
	}
	return nopCloser{src}, nil
}

// nopCloser gives a source without a connection to close a Close method.
type nopCloser struct{ chains.BlockSource }

func (nopCloser) Close() {}

// bitcoinNetwork is --network, else the network the store's Bitcoin data is
// from, else mainnet.
func (o syncOptions) bitcoinNetwork(st *store.Store) (*bitcoin.Network, error) {
	name := o.Network
	if name == "" {
		stored, err := st.Network(chains.Bitcoin)
		if err != nil {
			return nil, err
		}
		name = strings.TrimPrefix(stored, string(chains.Bitcoin)+":")
	}
	if name == "" {
		name = "mainnet"
	}
	net, err := bitcoin.ParseNetwork(name)
	if err != nil {
		return nil, usageError{fmt.Errorf("--network: %w", err)}
	}
	return net, nil
}

// syncSource runs a sync from src with a progress bar and a summary.
func syncSource(ctx context.Context, stdout, stderr io.Writer, g *globalOptions, st *store.Store, src chains.BlockSource, so store.SyncOptions) error {
	bar := newSyncBar(stderr, g.Quiet)
	so.Progress = bar.update
	began := time.Now()
	res, err := st.Sync(ctx, src, so)
	bar.finish()
	if err != nil {
		return err
	}
	return writeSyncSummary(stdout, src.Chain(), res, time.Since(began))
}

func writeSyncSummary(w io.Writer, c chains.Chain, res store.SyncResult, took time.Duration) error {
	if res.Blocks == 0 && res.Reorgs == 0 {
		_, err := fmt.Fprintf(w, "%s: nothing to sync, the store is at block %d (target %d)\n", c, res.Height, res.Target)
		return err
	}
	secs := took.Seconds()
	fmt.Fprintf(w, "%s: synced blocks %d-%d: %d blocks, %d transactions, %d transfers in %.1fs (%.0f blocks/s, %.0f transactions/s)\n",
		c, res.Start, res.Height, res.Blocks, res.Txs, res.Transfers, secs, float64(res.Blocks)/secs, float64(res.Txs)/secs)
	if res.Reorgs > 0 {
		fmt.Fprintf(w, "%s: %d reorg(s): rolled back %d orphaned block(s)\n", c, res.Reorgs, res.RolledBack)
	}
	if res.Skipped > 0 {
		fmt.Fprintf(w, "%s: %d malformed transfer log(s) skipped\n", c, res.Skipped)
	}
	if res.Untraced {
		fmt.Fprintf(w, "%s: WARNING: the node has no debug API: internal transfers are missing\n", c)
	}
	return nil
}

// syncBar draws the progress bar on a terminal; elsewhere it stays silent.
type syncBar struct {
	bar   *progressbar.ProgressBar
	w     io.Writer
	quiet bool
	began time.Time
}

func newSyncBar(w io.Writer, quiet bool) *syncBar {
	f, ok := w.(*os.File)
	return &syncBar{w: w, quiet: quiet || !ok || !term.IsTerminal(int(f.Fd())), began: time.Now()}
}

func (b *syncBar) update(p store.SyncProgress) {
	if b.quiet {
		return
	}
	if b.bar == nil {
		b.bar = progressbar.NewOptions64(int64(p.Target-p.Start+1),
			progressbar.OptionSetWriter(b.w),
			progressbar.OptionSetItsString("blocks"),
			progressbar.OptionShowIts(),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish())
	}
	rate := float64(p.Transfers) / time.Since(b.began).Seconds()
	b.bar.Describe(fmt.Sprintf("block %d, %d transfers (%.0f/s)", p.Height, p.Transfers, rate))
	b.bar.Set64(int64(p.Blocks))
}

func (b *syncBar) finish() {
	if b.bar != nil {
		b.bar.Finish()
	}
}
