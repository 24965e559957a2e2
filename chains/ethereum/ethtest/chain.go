package ethtest

import (
	"cmp"
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/rawdb"
	"github.com/ethereum/go-ethereum/core/txpool"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth"
	"github.com/ethereum/go-ethereum/eth/catalyst"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/eth/filters"
	"github.com/ethereum/go-ethereum/eth/tracers"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/p2p"
	"github.com/ethereum/go-ethereum/params"
	"github.com/ethereum/go-ethereum/rpc"

	// The native tracers (callTracer, prestateTracer, ...) register
	// themselves on import; the debug API looks them up by name.
	_ "github.com/ethereum/go-ethereum/eth/tracers/native"
)

// DefaultFeeRecipient is the coinbase of every block unless
// Options.FeeRecipient names another. No funded key controls it, so its
// balance is exactly the tips paid to it.
var DefaultFeeRecipient = common.HexToAddress("0xC0FFEE000000000000000000000000000000FEE5")

const (
	// defaultAccounts is the number of funded keys when Options.Accounts is 0.
	defaultAccounts = 10
	// beaconPeriod is handed to the simulated beacon only so that
	// registering its dev API does not start the API's mine-on-every-
	// transaction loop, which a zero period starts. The beacon's own
	// periodic loop runs only after SimulatedBeacon.Start, which the
	// harness never calls: blocks are sealed by Commit alone.
	beaconPeriod = 1
	// rpcTimeout bounds each RPC call the harness makes.
	rpcTimeout = 30 * time.Second
	// poolTimeout bounds how long Commit waits for sent transactions to
	// become executable in the pool.
	poolTimeout = 10 * time.Second
)

// Options configures Start. The zero value gives 10 keys with 1,000,000
// ether each, real fees, and DefaultFeeRecipient as coinbase.
type Options struct {
	// Accounts is the number of funded keys; 0 means 10.
	Accounts int
	// Unfunded adds keys the genesis gives nothing, numbered after the
	// funded ones: addresses whose every wei the chain's transfers show
	// (with ZeroGasPrice they can send what they receive).
	Unfunded int
	// Balance is each funded key's genesis balance in wei; nil means
	// 1,000,000 ether.
	Balance *big.Int
	// ZeroGasPrice gives the chain a zero base fee and has the harness send
	// transactions with a zero tip and fee cap, so gas costs nothing. The
	// pool's and the miner's minimum tips are lowered to zero to match.
	ZeroGasPrice bool
	// FeeRecipient is the coinbase of every block; the zero address means
	// DefaultFeeRecipient.
	FeeRecipient common.Address
}

// Chain is a running in-process Ethereum node with funded keys. Start
// creates it and Close stops it.
type Chain struct {
	mu sync.Mutex // guards everything below, and serialises the methods

	stack   *node.Node
	backend *eth.Ethereum
	beacon  *catalyst.SimulatedBeacon
	inproc  *rpc.Client // in-process RPC, for the simulated beacon's dev API
	client  *ethclient.Client
	url     string

	signer       types.Signer
	chainID      *big.Int
	zeroGasPrice bool

	keys   []*ecdsa.PrivateKey
	addrs  []common.Address
	nonces []uint64

	unsealed        []common.Hash // sent by the harness since the last Commit
	withdrawalIndex uint64
	closed          bool
	closeErr        error
}

// Start boots a new chain whose genesis funds opts.Accounts keys, and
// returns once its HTTP JSON-RPC server on 127.0.0.1 answers. The caller
// must Close it.
func Start(opts Options) (*Chain, error) {
	accounts := opts.Accounts
	if accounts == 0 {
		accounts = defaultAccounts
	}
	if accounts < 0 || opts.Unfunded < 0 {
		return nil, fmt.Errorf("ethtest: start: negative number of accounts %d+%d", accounts, opts.Unfunded)
	}
	funded := accounts
	accounts += opts.Unfunded
	balance := opts.Balance
	if balance == nil {
		balance = new(big.Int).Mul(big.NewInt(1_000_000), big.NewInt(params.Ether))
	}
	feeRecipient := opts.FeeRecipient
	if feeRecipient == (common.Address{}) {
		feeRecipient = DefaultFeeRecipient
	}
	config := params.AllDevChainProtocolChanges
	c := &Chain{
		signer:       types.LatestSigner(config),
		chainID:      new(big.Int).Set(config.ChainID),
		zeroGasPrice: opts.ZeroGasPrice,
		keys:         make([]*ecdsa.PrivateKey, accounts),
		addrs:        make([]common.Address, accounts),
		nonces:       make([]uint64, accounts),
	}

	// The dev config enables every fork from genesis, so the system
	// contracts those forks call into must be in the genesis state.
	alloc := core.SystemContractAllocs()
	for i := range accounts {
		key, err := deriveKey(i)
		if err != nil {
			return nil, fmt.Errorf("ethtest: start: %w", err)
		}
		c.keys[i] = key
		c.addrs[i] = crypto.PubkeyToAddress(key.PublicKey)
		if i < funded {
			alloc[c.addrs[i]] = types.Account{Balance: new(big.Int).Set(balance)}
		}
	}
	genesis := &core.Genesis{
		Config:   config,
		GasLimit: ethconfig.Defaults.Miner.GasCeil,
		Alloc:    alloc,
	}
	if opts.ZeroGasPrice {
		genesis.BaseFee = new(big.Int) // nil would mean the initial 1 gwei
	}

	nodeConf := node.DefaultConfig
	nodeConf.DataDir = "" // in memory
	nodeConf.HTTPHost = "127.0.0.1"
	nodeConf.HTTPPort = 0 // any free port; the bound one is read after start
	nodeConf.HTTPModules = []string{"eth", "net", "web3", "debug"}
	nodeConf.P2P = p2p.Config{NoDiscovery: true, MaxPeers: 0, ListenAddr: ""}

	ethConf := ethconfig.Defaults
	ethConf.Genesis = genesis
	ethConf.SyncMode = ethconfig.FullSync
	ethConf.NoPruning = true // archive: keep the state of every block
	ethConf.StateScheme = rawdb.HashScheme
	ethConf.TxPool.NoLocals = true
	// Logs are searched block by block instead of through the background
	// log index, so a query never depends on how far the indexer got.
	ethConf.LogNoHistory = true
	// The defaults are sized for mainnet; a test chain needs little.
	ethConf.DatabaseCache = 16
	ethConf.TrieCleanCache = 16
	ethConf.TrieDirtyCache = 16
	ethConf.SnapshotCache = 16
	if opts.ZeroGasPrice {
		ethConf.TxPool.PriceLimit = 0
	}

	stack, err := node.New(&nodeConf)
	if err != nil {
		return nil, fmt.Errorf("ethtest: start: new node: %w", err)
	}
	c.stack = stack
	fail := func(step string, err error) (*Chain, error) {
		if c.beacon != nil {
			err = errors.Join(err, c.beacon.Stop())
		}
		if c.inproc != nil {
			c.inproc.Close()
		}
		if c.client != nil {
			c.client.Close()
		}
		return nil, fmt.Errorf("ethtest: start: %s: %w", step, errors.Join(err, stack.Close()))
	}

	backend, err := eth.New(stack, &ethConf)
	if err != nil {
		return fail("new eth service", err)
	}
	c.backend = backend
	if opts.ZeroGasPrice {
		// eth.New raises a zero miner tip to its default of 1 mwei, which
		// would leave zero-tip transactions in the pool forever.
		if err := backend.Miner().SetGasTip(new(big.Int)); err != nil {
			return fail("set miner tip", err)
		}
	}
	filterSystem := filters.NewFilterSystem(backend.APIBackend, filters.Config{})
	stack.RegisterAPIs(append([]rpc.API{{
		Namespace: "eth",
		Service:   filters.NewFilterAPI(filterSystem),
	}}, tracers.APIs(backend.APIBackend)...))

	beacon, err := catalyst.NewSimulatedBeacon(beaconPeriod, feeRecipient, backend)
	if err != nil {
		return fail("new simulated beacon", err)
	}
	c.beacon = beacon
	// The dev namespace (served in process only) is the one way to queue
	// withdrawals with the simulated beacon.
	catalyst.RegisterSimulatedBeaconAPIs(stack, beacon)

	if err := stack.Start(); err != nil {
		return fail("start node", err)
	}
	// As the stock simulated backend does: reorg back to genesis, so the
	// beacon's fork choice and the chain head agree.
	if err := beacon.Fork(backend.BlockChain().GetCanonicalHash(0)); err != nil {
		return fail("fork to genesis", err)
	}
	c.inproc = stack.Attach()
	c.url = stack.HTTPEndpoint()

	ctx, cancel := context.WithTimeout(context.Background(), rpcTimeout)
	defer cancel()
	rpcClient, err := rpc.DialContext(ctx, c.url)
	if err != nil {
		return fail("dial "+c.url, err)
	}
	c.client = ethclient.NewClient(rpcClient)
	id, err := c.client.ChainID(ctx)
	if err != nil {
		return fail("query chain ID over HTTP", err)
	}
	if id.Cmp(c.chainID) != 0 {
		return fail("query chain ID over HTTP", fmt.Errorf("got chain ID %v, want %v", id, c.chainID))
	}
	return c, nil
}

// deriveKey returns the i-th funded key. The keys are fixed so that test
// failures name the same addresses in every run.
func deriveKey(i int) (*ecdsa.PrivateKey, error) {
	seed := crypto.Keccak256([]byte("hound/ethtest/key/" + strconv.Itoa(i)))
	key, err := crypto.ToECDSA(seed)
	if err != nil {
		return nil, fmt.Errorf("derive key %d: %w", i, err)
	}
	return key, nil
}

// URL returns the node's HTTP JSON-RPC endpoint, "http://127.0.0.1:PORT".
func (c *Chain) URL() string {
	return c.url
}

// Client returns an ethclient connected to URL. Close closes it.
func (c *Chain) Client() *ethclient.Client {
	return c.client
}

// ChainID returns the chain ID, 1337.
func (c *Chain) ChainID() *big.Int {
	return new(big.Int).Set(c.chainID)
}

// Accounts returns the number of keys, funded and unfunded.
func (c *Chain) Accounts() int {
	return len(c.keys)
}

// Key returns the i-th key. It panics if i is not in [0, Accounts()).
func (c *Chain) Key(i int) *ecdsa.PrivateKey {
	return c.keys[i]
}

// Addr returns the address of the i-th key. It panics if i is not in
// [0, Accounts()).
func (c *Chain) Addr(i int) common.Address {
	return c.addrs[i]
}

// Close stops the node and closes the clients. Calling it again returns the
// first call's result.
func (c *Chain) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()

	if c.closed {
		return c.closeErr
	}
	c.closed = true
	c.client.Close()
	c.inproc.Close()
	c.closeErr = errors.Join(c.beacon.Stop(), c.stack.Close())
	if c.closeErr != nil {
		c.closeErr = fmt.Errorf("ethtest: close: %w", c.closeErr)
	}
	return c.closeErr
}

// Commit seals one block on top of the current head and returns it. The
// block holds every transaction the harness sent since the previous Commit
// (Commit waits until the pool has them all, and checks the sealed block),
// and up to 10 queued withdrawals. If a transaction is missing from the block
// anyway, Commit returns the block together with an error naming it; the
// next Commit retries it.
func (c *Chain) Commit() (*types.Block, error) {
	c.mu.Lock()
	defer c.mu.Unlock()

	if c.closed {
		return nil, errors.New("ethtest: commit: chain is closed")
	}
	if err := c.waitExecutable(); err != nil {
		return nil, fmt.Errorf("ethtest: commit: %w", err)
	}
	chain := c.backend.BlockChain()
	parent := chain.CurrentBlock()
	hash := c.beacon.Commit()
	block := chain.GetBlockByHash(hash)
	if block == nil || block.ParentHash() != parent.Hash() {
		// SimulatedBeacon.Commit only logs why sealing failed.
		return nil, fmt.Errorf("ethtest: commit: no block was sealed on top of block %d", parent.Number)
	}
	// Let the pool catch up with the new head before anything is sent on
	// top of it: until its reset runs, it checks senders against the old
	// state, and a sender it does not find there counts as a delegated
	// account, which may keep one transaction in flight ("in-flight
	// transaction limit reached for delegated accounts").
	if err := c.backend.TxPool().Sync(); err != nil {
		return block, fmt.Errorf("ethtest: commit: sync transaction pool: %w", err)
	}
	var missing []common.Hash
	for _, h := range c.unsealed {
		if block.Transaction(h) == nil {
			missing = append(missing, h)
		}
	}
	c.unsealed = missing
	if len(missing) > 0 {
		return block, fmt.Errorf("ethtest: commit: block %d lacks %d transaction(s) sent since the last commit: %v",
			block.NumberU64(), len(missing), missing)
	}
	return block, nil
}

// waitExecutable returns once every unsealed transaction is executable in
// the pool. c.mu must be held.
func (c *Chain) waitExecutable() error {
	pool := c.backend.TxPool()
	deadline := time.Now().Add(poolTimeout)
	requeued := false
	for {
		// Sync waits for the pool's background reset, which is also what
		// moves newly added transactions from queued to pending.
		if err := pool.Sync(); err != nil {
			return fmt.Errorf("sync transaction pool: %w", err)
		}
		var waiting []common.Hash
		for _, h := range c.unsealed {
			if pool.Status(h) != txpool.TxStatusPending {
				waiting = append(waiting, h)
			}
		}
		if len(waiting) == 0 {
			return nil
		}
		if !requeued {
			// A transaction sent while the pool was resetting to a new
			// head can stay queued behind its account's pending ones for
			// good: the reset promotes queued transactions against the
			// state nonce before it raises the pending nonces
			// (core/txpool/legacypool runReorg), and nothing promotes them
			// again until the account sends more. Adding everything anew,
			// in nonce order, with no reset running, promotes them.
			requeued = true
			if err := requeue(pool); err != nil {
				return err
			}
			continue
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("transaction(s) still not executable in the pool after %v: %v", poolTimeout, waiting)
		}
		time.Sleep(time.Millisecond)
	}
}

// Fork makes the block with hash parent the head of the chain, so that the
// next Commit builds on it: the blocks after parent leave the canonical chain
// at once, and the blocks committed next replace them, as in a reorg.
// Transactions of the dropped blocks return to the pool and are mined again
// by the next Commit. Fork fails if a transaction sent since the last Commit
// is still pending.
func (c *Chain) Fork(parent common.Hash) error {
	c.mu.Lock()
	defer c.mu.Unlock()

	if c.closed {
		return errors.New("ethtest: fork: chain is closed")
	}
	if len(c.unsealed) > 0 {
		return fmt.Errorf("ethtest: fork: %d transaction(s) sent since the last commit are pending", len(c.unsealed))
	}
	if err := c.beacon.Fork(parent); err != nil {
		return fmt.Errorf("ethtest: fork at %s: %w", parent, err)
	}
	// The dropped blocks' transactions are back in the pool once it has
	// reset to the new head; the next nonces count them.
	pool := c.backend.TxPool()
	if err := pool.Sync(); err != nil {
		return fmt.Errorf("ethtest: fork at %s: sync transaction pool: %w", parent, err)
	}
	for i, addr := range c.addrs {
		c.nonces[i] = pool.PoolNonce(addr)
	}
	return nil
}

// AddWithdrawal queues a beacon-chain withdrawal of gwei Gwei to addr. The
// next Commit includes it unless 10 or more withdrawals were queued before
// it; each Commit takes the oldest 10. A withdrawal raises addr's balance by
// gwei * 1e9 wei without any transaction.
func (c *Chain) AddWithdrawal(addr common.Address, gwei uint64) error {
	c.mu.Lock()
	defer c.mu.Unlock()

	if c.closed {
		return errors.New("ethtest: add withdrawal: chain is closed")
	}
	w := &types.Withdrawal{
		Index:     c.withdrawalIndex,
		Validator: c.withdrawalIndex,
		Address:   addr,
		Amount:    gwei,
	}
	ctx, cancel := context.WithTimeout(context.Background(), rpcTimeout)
	defer cancel()
	if err := c.inproc.CallContext(ctx, nil, "dev_addWithdrawal", w); err != nil {
		return fmt.Errorf("ethtest: add withdrawal: %w", err)
	}
	c.withdrawalIndex++
	return nil
}

// requeue empties the pool and adds its transactions back, each account's in
// nonce order, waiting until the pool has promoted them.
func requeue(pool *txpool.TxPool) error {
	pending, queued := pool.Content()
	var all []*types.Transaction
	for _, content := range []map[common.Address][]*types.Transaction{pending, queued} {
		for _, txs := range content {
			all = append(all, txs...)
		}
	}
	slices.SortFunc(all, func(a, b *types.Transaction) int { return cmp.Compare(a.Nonce(), b.Nonce()) })
	pool.Clear()
	for _, err := range pool.Add(all, true) {
		if err != nil {
			return fmt.Errorf("requeue transactions: %w", err)
		}
	}
	return nil
}
