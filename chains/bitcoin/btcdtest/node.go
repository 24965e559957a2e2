package btcdtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcjson"
	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/rpcclient"
	"github.com/btcsuite/btcd/wire/v2"
)

// The RPC credentials of every node.
const (
	User = "hound"
	Pass = "hound-test"
)

// CoinbaseMaturity is how many confirmations a regtest coinbase needs
// before the mempool takes a spend of it: one mined at height h may be
// spent in block h+100.
const CoinbaseMaturity = 100

// startTimeout bounds the wait for a new node's RPC server.
const startTimeout = 30 * time.Second

// Options configure a node. The zero value is a node whose wallet seed
// is "1".
type Options struct {
	// Seed derives the node's wallet keys; nodes of one test should have
	// different seeds so that each mines to its own address.
	Seed string
	// Args are extra btcd flags.
	Args []string
}

// Node is a btcd process on regtest, listening on loopback, with an
// address index, a transaction index and a wallet of the harness's own
// (btcd has none) that owns what the node mines.
type Node struct {
	// RPCAddr and P2PAddr are the host:port of the RPC server (HTTP, no
	// TLS) and of the peer-to-peer listener.
	RPCAddr, P2PAddr string
	Wallet           *Wallet
	// Dir holds the node's data, logs and output; Stop removes it.
	Dir string

	client   *rpcclient.Client
	cmd      *exec.Cmd
	exited   chan struct{}
	stopOnce sync.Once
	stopErr  error
}

// Start starts a btcd node in a temporary directory and waits until its
// RPC server answers. When tb is not nil, tb.Cleanup stops the node. The
// caller must call Stop otherwise. Free ports are picked by listening on
// port 0; should btcd lose a port to another process before it binds,
// Start tries again with new ports, three times at most.
func Start(ctx context.Context, tb testing.TB, opts Options) (*Node, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	if opts.Seed == "" {
		opts.Seed = "1"
	}
	for attempt := 1; ; attempt++ {
		n, err := start(ctx, bin, opts)
		if err == nil {
			if tb != nil {
				tb.Cleanup(func() { _ = n.Stop() })
			}
			return n, nil
		}
		if attempt == 3 || ctx.Err() != nil || !errors.Is(err, errExited) {
			return nil, err
		}
	}
}

// errExited says btcd exited before its RPC server answered.
var errExited = errors.New("btcd exited")

// start makes one attempt of Start.
func start(ctx context.Context, bin string, opts Options) (*Node, error) {
	dir, err := os.MkdirTemp("", "btcdtest-")
	if err != nil {
		return nil, err
	}
	n := &Node{Dir: dir, Wallet: NewWallet(opts.Seed, &chaincfg.RegressionNetParams), exited: make(chan struct{})}
	if n.RPCAddr, err = freeAddr(); err == nil {
		n.P2PAddr, err = freeAddr()
	}
	if err == nil {
		err = n.launch(bin, opts.Args)
	}
	if err == nil {
		err = n.waitReady(ctx)
	}
	if err != nil {
		_ = n.Stop()
		return nil, err
	}
	return n, nil
}

// freeAddr returns a loopback address with a port nothing listens on now.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// launch starts the btcd process, its output going to Dir/btcd.out.
func (n *Node) launch(bin string, extra []string) error {
	mining, err := n.Wallet.Address(P2WPKH, 0)
	if err != nil {
		return err
	}
	n.Wallet.Script(P2WPKH, 0) // so that the wallet knows the coinbases
	args := append([]string{
		"--regtest", "--datadir=" + filepath.Join(n.Dir, "data"), "--logdir=" + filepath.Join(n.Dir, "logs"),
		"--rpcuser=" + User, "--rpcpass=" + Pass, "--rpclisten=" + n.RPCAddr, "--notls",
		"--listen=" + n.P2PAddr, "--nodnsseed", "--txindex", "--addrindex",
		"--miningaddr=" + mining.EncodeAddress(), "--debuglevel=warn",
	}, extra...)
	out, err := os.Create(filepath.Join(n.Dir, "btcd.out"))
	if err != nil {
		return err
	}
	defer out.Close()
	n.cmd = exec.Command(bin, args...)
	n.cmd.Stdout, n.cmd.Stderr = out, out
	n.cmd.SysProcAttr = procAttr()
	if err := n.cmd.Start(); err != nil {
		close(n.exited)
		return fmt.Errorf("start btcd: %w", err)
	}
	go func() {
		_ = n.cmd.Wait()
		close(n.exited)
	}()
	n.client, err = rpcclient.New(&rpcclient.ConnConfig{
		Host: n.RPCAddr, User: User, Pass: Pass, HTTPPostMode: true, DisableTLS: true,
	}, nil)
	return err
}

// waitReady polls the RPC server until it answers, btcd exits, or
// startTimeout passes.
func (n *Node) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	for {
		if _, err := do(ctx, func() (int64, error) { return n.rawCount() }); err == nil {
			return nil
		}
		select {
		case <-n.exited:
			return fmt.Errorf("%w before its RPC server answered: %s", errExited, n.output())
		case <-ctx.Done():
			return fmt.Errorf("btcd's RPC server at %s did not answer: %w: %s", n.RPCAddr, ctx.Err(), n.output())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// rawCount asks for the block count with a short-lived request: the
// node's client retries refused connections for many seconds, too long
// to poll with.
func (n *Node) rawCount() (int64, error) {
	c, err := net.DialTimeout("tcp", n.RPCAddr, time.Second)
	if err != nil {
		return 0, err
	}
	c.Close()
	return n.client.GetBlockCount()
}

// output returns the end of btcd's output, for error messages.
func (n *Node) output() string {
	b, _ := os.ReadFile(filepath.Join(n.Dir, "btcd.out"))
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(bytes.TrimSpace(b))
}

// Stop kills btcd, waits for it to exit, and removes its directory. It is
// safe to call more than once, and on a node that failed to start.
func (n *Node) Stop() error {
	n.stopOnce.Do(func() {
		if n.client != nil {
			n.client.Shutdown()
		}
		if n.cmd != nil && n.cmd.Process != nil {
			_ = n.cmd.Process.Kill()
			<-n.exited
		}
		n.stopErr = os.RemoveAll(n.Dir)
	})
	return n.stopErr
}

// URL returns the RPC server's URL.
func (n *Node) URL() string { return "http://" + n.RPCAddr }

// Client returns an RPC client of the node (HTTP POST mode). Its calls
// take no context; the Node's methods wrap those they make.
func (n *Node) Client() *rpcclient.Client { return n.client }

// do runs a blocking RPC call, returning early when ctx ends (the call
// itself goes on in the background).
func do[T any](ctx context.Context, call func() (T, error)) (T, error) {
	type answer struct {
		v   T
		err error
	}
	done := make(chan answer, 1)
	go func() {
		v, err := call()
		done <- answer{v, err}
	}()
	select {
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	case a := <-done:
		return a.v, a.err
	}
}

// Height returns the height of the node's best block.
func (n *Node) Height(ctx context.Context) (int64, error) {
	return do(ctx, n.client.GetBlockCount)
}

// Tip returns the hash of the node's best block.
func (n *Node) Tip(ctx context.Context) (*chainhash.Hash, error) {
	return do(ctx, n.client.GetBestBlockHash)
}

// Generate mines count blocks paying to the wallet's P2WPKH script of key
// 0, and gives the wallet their coinbases. It returns the blocks' hashes.
func (n *Node) Generate(ctx context.Context, count uint32) ([]*chainhash.Hash, error) {
	hashes, err := do(ctx, func() ([]*chainhash.Hash, error) { return n.client.Generate(count) })
	if err != nil {
		return nil, fmt.Errorf("generate %d blocks: %w", count, err)
	}
	for _, h := range hashes {
		b, err := do(ctx, func() (*wire.MsgBlock, error) { return n.client.GetBlock(h) })
		if err != nil {
			return nil, fmt.Errorf("fetch mined block %s: %w", h, err)
		}
		n.Wallet.Add(b.Transactions[0])
	}
	return hashes, nil
}

// Send pays outs from the wallet's outputs, picked in the order the
// wallet saw them (see Spend).
func (n *Node) Send(ctx context.Context, outs ...*wire.TxOut) (*wire.MsgTx, error) {
	need := int64(Fee)
	for _, o := range outs {
		need += o.Value
	}
	ins, err := n.pick(ctx, need)
	if err != nil {
		return nil, err
	}
	return n.Spend(ctx, ins, outs...)
}

// pick chooses spendable wallet outputs worth at least need: unspent
// according to the node (mempool included) and, for coinbases, mature.
// Outputs the node does not know (spent, or orphaned by a reorg) are
// dropped from the wallet.
func (n *Node) pick(ctx context.Context, need int64) ([]wire.OutPoint, error) {
	var ins []wire.OutPoint
	var sum int64
	for _, u := range n.Wallet.UTXOs() {
		res, err := do(ctx, func() (*btcjson.GetTxOutResult, error) {
			return n.client.GetTxOut(&u.OutPoint.Hash, u.OutPoint.Index, true)
		})
		switch {
		case err != nil:
			return nil, fmt.Errorf("gettxout %s: %w", u.OutPoint, err)
		case res == nil:
			n.Wallet.Forget(u.OutPoint)
			continue
		case res.Coinbase && res.Confirmations < CoinbaseMaturity:
			continue
		}
		ins, sum = append(ins, u.OutPoint), sum+u.Value
		if sum >= need {
			return ins, nil
		}
	}
	return nil, fmt.Errorf("the wallet has %d sat spendable, %d needed: mine more (coinbases mature after %d blocks)", sum, need, CoinbaseMaturity)
}

// Spend signs a transaction spending exactly ins (wallet outputs) to
// outs, with change and fee as Wallet.Build makes them, sends it with
// sendrawtransaction, and updates the wallet. The transaction is in the
// node's mempool when Spend returns; Generate mines it.
func (n *Node) Spend(ctx context.Context, ins []wire.OutPoint, outs ...*wire.TxOut) (*wire.MsgTx, error) {
	tx, err := n.Wallet.Build(ins, outs...)
	if err != nil {
		return nil, err
	}
	if err := n.send(ctx, tx, ins); err != nil {
		return nil, err
	}
	return tx, nil
}

// send sends a signed transaction spending ins with sendrawtransaction and
// updates the wallet.
func (n *Node) send(ctx context.Context, tx *wire.MsgTx, ins []wire.OutPoint) error {
	if _, err := do(ctx, func() (*chainhash.Hash, error) { return n.client.SendRawTransaction(tx, false) }); err != nil {
		return fmt.Errorf("sendrawtransaction %s: %w", tx.TxHash(), err)
	}
	n.Wallet.Forget(ins...)
	n.Wallet.Add(tx)
	return nil
}

// Connect has the node open a peer connection to other.
func (n *Node) Connect(ctx context.Context, other *Node) error {
	temp := "temp"
	_, err := do(ctx, func() (struct{}, error) {
		return struct{}{}, n.client.Node(btcjson.NConnect, other.P2PAddr, &temp)
	})
	if err != nil {
		return fmt.Errorf("connect %s to %s: %w", n.P2PAddr, other.P2PAddr, err)
	}
	return n.waitPeers(ctx, func(k int) bool { return k > 0 })
}

// Disconnect drops every peer connection of the node, and waits until it
// has none.
func (n *Node) Disconnect(ctx context.Context) error {
	peers, err := do(ctx, n.client.GetPeerInfo)
	if err != nil {
		return err
	}
	for _, p := range peers {
		id := strconv.Itoa(int(p.ID))
		if _, err := do(ctx, func() (struct{}, error) {
			return struct{}{}, n.client.Node(btcjson.NDisconnect, id, nil)
		}); err != nil {
			return fmt.Errorf("disconnect peer %s: %w", p.Addr, err)
		}
	}
	return n.waitPeers(ctx, func(k int) bool { return k == 0 })
}

// waitPeers polls the node's peer count until ok accepts it.
func (n *Node) waitPeers(ctx context.Context, ok func(int) bool) error {
	return poll(ctx, func() (bool, error) {
		peers, err := do(ctx, n.client.GetPeerInfo)
		return err == nil && ok(len(peers)), err
	})
}

// WaitSynced waits until all nodes have the same best block.
func WaitSynced(ctx context.Context, nodes ...*Node) error {
	return poll(ctx, func() (bool, error) {
		var first *chainhash.Hash
		for _, n := range nodes {
			tip, err := n.Tip(ctx)
			if err != nil {
				return false, err
			}
			if first != nil && *tip != *first {
				return false, nil
			}
			first = tip
		}
		return true, nil
	})
}

// poll calls cond every 20ms until it is true, fails, or ctx ends.
func poll(ctx context.Context, cond func() (bool, error)) error {
	for {
		ok, err := cond()
		if ok || err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
