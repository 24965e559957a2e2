package ethtest

import (
	"bytes"
	"context"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/params"
	"github.com/ethereum/go-ethereum/rpc"
)

var contractNames = []string{"Token", "WETH", "Mixer", "Router", "Splitter", "Destructible"}

func startChain(t *testing.T, opts Options) *Chain {
	t.Helper()
	c, err := Start(opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return c
}

func ctx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func ether(n int64) *big.Int {
	return new(big.Int).Mul(big.NewInt(n), big.NewInt(params.Ether))
}

// newAddr returns a fresh address that no key of the chain controls.
func newAddr(label string) common.Address {
	return common.BytesToAddress(crypto.Keccak256([]byte("ethtest/test/" + label)))
}

func commit(t *testing.T, c *Chain) *types.Block {
	t.Helper()
	block, err := c.Commit()
	if err != nil {
		t.Fatalf("Commit: %v", err)
	}
	return block
}

func receipt(t *testing.T, c *Chain, hash common.Hash) *types.Receipt {
	t.Helper()
	r, err := c.Client().TransactionReceipt(ctx(t), hash)
	if err != nil {
		t.Fatalf("TransactionReceipt(%s): %v", hash, err)
	}
	return r
}

// succeeded returns the receipt of hash and fails the test unless its status is 1.
func succeeded(t *testing.T, c *Chain, hash common.Hash) *types.Receipt {
	t.Helper()
	r := receipt(t, c, hash)
	if r.Status != types.ReceiptStatusSuccessful {
		t.Fatalf("transaction %s failed on-chain", hash)
	}
	return r
}

func balanceAt(t *testing.T, c *Chain, addr common.Address, block *big.Int) *big.Int {
	t.Helper()
	b, err := c.Client().BalanceAt(ctx(t), addr, block)
	if err != nil {
		t.Fatalf("BalanceAt(%s, %v): %v", addr, block, err)
	}
	return b
}

func fee(r *types.Receipt) *big.Int {
	return new(big.Int).Mul(new(big.Int).SetUint64(r.GasUsed), r.EffectiveGasPrice)
}

func deploy(t *testing.T, c *Chain, from int, name string, value *big.Int, args ...any) common.Address {
	t.Helper()
	addr, _, err := c.Deploy(from, name, value, args...)
	if err != nil {
		t.Fatalf("Deploy %s: %v", name, err)
	}
	return addr
}

func transact(t *testing.T, c *Chain, from int, contract common.Address, name, method string, value *big.Int, args ...any) common.Hash {
	t.Helper()
	hash, err := c.Transact(from, contract, name, method, value, args...)
	if err != nil {
		t.Fatalf("Transact %s.%s: %v", name, method, err)
	}
	return hash
}

func sendETH(t *testing.T, c *Chain, from int, to common.Address, amount *big.Int) common.Hash {
	t.Helper()
	hash, err := c.SendETH(from, to, amount)
	if err != nil {
		t.Fatalf("SendETH: %v", err)
	}
	return hash
}

func view(t *testing.T, c *Chain, contract common.Address, name, method string, args ...any) any {
	t.Helper()
	out, err := c.CallView(contract, name, method, nil, args...)
	if err != nil {
		t.Fatalf("CallView %s.%s: %v", name, method, err)
	}
	if len(out) != 1 {
		t.Fatalf("CallView %s.%s: %d results, want 1", name, method, len(out))
	}
	return out[0]
}

func wantBig(t *testing.T, what string, got, want *big.Int) {
	t.Helper()
	if got.Cmp(want) != 0 {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// events returns the logs of r that are the named event of the named contract.
func events(r *types.Receipt, contract, event string) []*types.Log {
	id := ABI(contract).Events[event].ID
	var out []*types.Log
	for _, l := range r.Logs {
		if len(l.Topics) > 0 && l.Topics[0] == id {
			out = append(out, l)
		}
	}
	return out
}

func TestEmbeddedContracts(t *testing.T) {
	// Pair and SwapRouter take constructor arguments that TestContracts does
	// not have; dex_test.go deploys them.
	for _, name := range append(slices.Clone(contractNames), "Pair", "SwapRouter") {
		if len(ABI(name).Methods) == 0 {
			t.Errorf("ABI(%q) has no methods", name)
		}
		code := Bytecode(name)
		if len(code) == 0 {
			t.Fatalf("Bytecode(%q) is empty", name)
		}
		code[0] ^= 0xff
		if bytes.Equal(code, Bytecode(name)) {
			t.Errorf("Bytecode(%q) returned shared memory", name)
		}
	}
	if _, ok := ABI("Mixer").Events["Withdrawal"]; !ok {
		t.Error("Mixer ABI lacks the Withdrawal event")
	}
	if got := ABI("Mixer").Events["Withdrawal"].Sig; got != "Withdrawal(address,bytes32,address,uint256)" {
		t.Errorf("Mixer Withdrawal signature = %s", got)
	}
	if got := ABI("Router").Events["Deposit"].Sig; got != "Deposit(address,address,uint256,string)" {
		t.Errorf("Router Deposit signature = %s", got)
	}
	if len(ABI("Nope").Methods) != 0 || Bytecode("Nope") != nil {
		t.Error("unknown contract name returned an ABI or bytecode")
	}
}

func TestStart(t *testing.T) {
	c := startChain(t, Options{Accounts: 3, Balance: ether(7)})
	if !strings.HasPrefix(c.URL(), "http://127.0.0.1:") || strings.HasSuffix(c.URL(), ":0") {
		t.Errorf("URL() = %q, want http://127.0.0.1:PORT", c.URL())
	}
	id, err := c.Client().ChainID(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	wantBig(t, "chain ID", id, big.NewInt(1337))
	wantBig(t, "ChainID()", c.ChainID(), big.NewInt(1337))
	if c.Accounts() != 3 {
		t.Errorf("Accounts() = %d, want 3", c.Accounts())
	}
	for i := range c.Accounts() {
		if crypto.PubkeyToAddress(c.Key(i).PublicKey) != c.Addr(i) {
			t.Errorf("Addr(%d) does not belong to Key(%d)", i, i)
		}
		wantBig(t, "genesis balance", balanceAt(t, c, c.Addr(i), nil), ether(7))
	}
	if c.Addr(0) == c.Addr(1) {
		t.Error("keys 0 and 1 share an address")
	}
	if _, err := c.SendETH(3, c.Addr(0), big.NewInt(1)); err == nil {
		t.Error("SendETH from a key that does not exist succeeded")
	}
	block := commit(t, c)
	if block.NumberU64() != 1 || block.Coinbase() != DefaultFeeRecipient || len(block.Transactions()) != 0 {
		t.Errorf("first block: number %d, coinbase %s, %d txs", block.NumberU64(), block.Coinbase(), len(block.Transactions()))
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := c.Commit(); err == nil {
		t.Error("Commit after Close succeeded")
	}
}

func TestSendETHPaysRealFees(t *testing.T) {
	c := startChain(t, Options{})
	to := newAddr("recipient")
	before := balanceAt(t, c, c.Addr(0), nil)
	hash := sendETH(t, c, 0, to, big.NewInt(1_500_000_000_000_000_000))
	block := commit(t, c)

	r := succeeded(t, c, hash)
	if r.BlockHash != block.Hash() {
		t.Fatalf("receipt in block %s, Commit returned %s", r.BlockHash, block.Hash())
	}
	wantBig(t, "recipient balance", balanceAt(t, c, to, nil), big.NewInt(1_500_000_000_000_000_000))
	if block.BaseFee().Sign() <= 0 || r.EffectiveGasPrice.Cmp(block.BaseFee()) <= 0 {
		t.Fatalf("base fee %v, effective gas price %v: want real fees with a tip", block.BaseFee(), r.EffectiveGasPrice)
	}
	spent := new(big.Int).Add(big.NewInt(1_500_000_000_000_000_000), fee(r))
	wantBig(t, "sender spent", new(big.Int).Sub(before, balanceAt(t, c, c.Addr(0), nil)), spent)
	tips := new(big.Int).Mul(new(big.Int).SetUint64(r.GasUsed), new(big.Int).Sub(r.EffectiveGasPrice, block.BaseFee()))
	wantBig(t, "fee recipient balance", balanceAt(t, c, DefaultFeeRecipient, nil), tips)
}

func TestCommitIncludesEveryTransaction(t *testing.T) {
	c := startChain(t, Options{})
	var hashes []common.Hash
	for round := range 8 {
		for from := range c.Accounts() {
			hashes = append(hashes, sendETH(t, c, from, newAddr("many"), big.NewInt(int64(round+1))))
		}
	}
	block := commit(t, c)
	if len(block.Transactions()) != len(hashes) {
		t.Fatalf("block has %d transactions, want %d", len(block.Transactions()), len(hashes))
	}
	for _, h := range hashes {
		if succeeded(t, c, h).BlockNumber.Uint64() != block.NumberU64() {
			t.Fatalf("transaction %s not in block %d", h, block.NumberU64())
		}
	}
	if next := commit(t, c); len(next.Transactions()) != 0 {
		t.Errorf("next block has %d transactions, want 0", len(next.Transactions()))
	}
}

func TestFailedTransactionPaysGas(t *testing.T) {
	c := startChain(t, Options{})
	token := deploy(t, c, 0, "Token", nil, "Hound USD", "HUSD", uint8(6))
	commit(t, c)

	if _, err := c.Transact(2, token, "Token", "transfer", nil, c.Addr(3), big.NewInt(1)); err == nil {
		t.Fatal("Transact of a reverting transfer was sent; estimation should refuse it")
	}
	before := balanceAt(t, c, c.Addr(2), nil)
	hash, err := c.TransactGas(2, token, "Token", "transfer", nil, 300_000, c.Addr(3), big.NewInt(1))
	if err != nil {
		t.Fatalf("TransactGas: %v", err)
	}
	// The failed transaction used a nonce: a later one from the same key works.
	next := sendETH(t, c, 2, c.Addr(3), big.NewInt(1))
	commit(t, c)

	r := receipt(t, c, hash)
	if r.Status != types.ReceiptStatusFailed {
		t.Fatalf("receipt status = %d, want 0", r.Status)
	}
	if r.GasUsed == 0 || r.GasUsed > 300_000 || len(r.Logs) != 0 {
		t.Errorf("failed transfer: gas used %d, %d logs", r.GasUsed, len(r.Logs))
	}
	r2 := succeeded(t, c, next)
	spent := new(big.Int).Add(fee(r), fee(r2))
	spent.Add(spent, big.NewInt(1))
	wantBig(t, "spent by key 2", new(big.Int).Sub(before, balanceAt(t, c, c.Addr(2), nil)), spent)
	wantBig(t, "recipient tokens", view(t, c, token, "Token", "balanceOf", c.Addr(3)).(*big.Int), new(big.Int))
}

func TestContracts(t *testing.T) {
	c := startChain(t, Options{})
	addrs := map[string]common.Address{}
	hashes := map[string]common.Hash{}
	args := map[string][]any{
		"Token": {"Hound USD", "HUSD", uint8(6)},
		"Mixer": {ether(1)},
	}
	for _, name := range contractNames {
		var value *big.Int
		if name == "Destructible" {
			value = ether(5)
		}
		addr, hash, err := c.Deploy(0, name, value, args[name]...)
		if err != nil {
			t.Fatalf("Deploy %s: %v", name, err)
		}
		addrs[name], hashes[name] = addr, hash
	}
	commit(t, c)
	for _, name := range contractNames {
		r := succeeded(t, c, hashes[name])
		if r.ContractAddress != addrs[name] {
			t.Errorf("%s deployed at %s, Deploy said %s", name, r.ContractAddress, addrs[name])
		}
		code, err := c.Client().CodeAt(ctx(t), addrs[name], nil)
		if err != nil || len(code) == 0 {
			t.Errorf("%s has no code: %v", name, err)
		}
	}
	token, weth, mixer, router, destructible := addrs["Token"], addrs["WETH"], addrs["Mixer"], addrs["Router"], addrs["Destructible"]

	t.Run("Token", func(t *testing.T) {
		if got := view(t, c, token, "Token", "decimals"); got != uint8(6) {
			t.Errorf("decimals = %v", got)
		}
		if got := view(t, c, token, "Token", "symbol"); got != "HUSD" {
			t.Errorf("symbol = %v", got)
		}
		mint := transact(t, c, 0, token, "Token", "mint", nil, c.Addr(1), big.NewInt(1_000_000))
		minted := commit(t, c)
		before, err := c.CallView(token, "Token", "balanceOf", new(big.Int).Sub(minted.Number(), big.NewInt(1)), c.Addr(1))
		if err != nil || len(before) != 1 || before[0].(*big.Int).Sign() != 0 {
			t.Errorf("balanceOf before the mint = %v, %v; want 0", before, err)
		}
		transfer := transact(t, c, 1, token, "Token", "transfer", nil, c.Addr(2), big.NewInt(250_000))
		burn := transact(t, c, 1, token, "Token", "burn", nil, big.NewInt(50_000))
		approve := transact(t, c, 1, token, "Token", "approve", nil, c.Addr(3), big.NewInt(100_000))
		commit(t, c)
		pull := transact(t, c, 3, token, "Token", "transferFrom", nil, c.Addr(1), c.Addr(4), big.NewInt(60_000))
		commit(t, c)

		for _, tc := range []struct {
			hash     common.Hash
			event    string
			from, to common.Address
			amount   int64
		}{
			{mint, "Transfer", common.Address{}, c.Addr(1), 1_000_000},
			{transfer, "Transfer", c.Addr(1), c.Addr(2), 250_000},
			{burn, "Transfer", c.Addr(1), common.Address{}, 50_000},
			{approve, "Approval", c.Addr(1), c.Addr(3), 100_000},
			{pull, "Transfer", c.Addr(1), c.Addr(4), 60_000},
		} {
			logs := events(succeeded(t, c, tc.hash), "Token", tc.event)
			if len(logs) != 1 || len(logs[0].Topics) != 3 {
				t.Fatalf("%s: %d %s logs", tc.hash, len(logs), tc.event)
			}
			l := logs[0]
			if common.BytesToAddress(l.Topics[1][:]) != tc.from || common.BytesToAddress(l.Topics[2][:]) != tc.to ||
				new(big.Int).SetBytes(l.Data).Cmp(big.NewInt(tc.amount)) != 0 {
				t.Errorf("%s log = %v %x, want %s -> %s %d", tc.event, l.Topics, l.Data, tc.from, tc.to, tc.amount)
			}
		}
		wantBig(t, "balance 1", view(t, c, token, "Token", "balanceOf", c.Addr(1)).(*big.Int), big.NewInt(640_000))
		wantBig(t, "allowance", view(t, c, token, "Token", "allowance", c.Addr(1), c.Addr(3)).(*big.Int), big.NewInt(40_000))
		wantBig(t, "total supply", view(t, c, token, "Token", "totalSupply").(*big.Int), big.NewInt(950_000))
	})

	t.Run("WETH", func(t *testing.T) {
		if got := view(t, c, weth, "WETH", "symbol"); got != "WETH" {
			t.Errorf("symbol = %v", got)
		}
		if got := view(t, c, weth, "WETH", "decimals"); got != uint8(18) {
			t.Errorf("decimals = %v", got)
		}
		deposit := transact(t, c, 5, weth, "WETH", "deposit", ether(3))
		plain := sendETH(t, c, 5, weth, ether(1)) // receive() deposits too
		commit(t, c)
		for _, h := range []common.Hash{deposit, plain} {
			r := succeeded(t, c, h)
			if len(r.Logs) != 1 || len(events(r, "WETH", "Deposit")) != 1 {
				t.Errorf("deposit %s: %d logs, want only Deposit", h, len(r.Logs))
			}
		}
		before := balanceAt(t, c, c.Addr(5), nil)
		withdraw := transact(t, c, 5, weth, "WETH", "withdraw", nil, ether(2))
		commit(t, c)
		r := succeeded(t, c, withdraw)
		if len(r.Logs) != 1 || len(events(r, "WETH", "Withdrawal")) != 1 {
			t.Errorf("withdraw: %d logs, want only Withdrawal", len(r.Logs))
		}
		gained := new(big.Int).Sub(balanceAt(t, c, c.Addr(5), nil), before)
		wantBig(t, "ETH back from withdraw", gained, new(big.Int).Sub(ether(2), fee(r)))
		wantBig(t, "WETH balance", view(t, c, weth, "WETH", "balanceOf", c.Addr(5)).(*big.Int), ether(2))
	})

	t.Run("Mixer", func(t *testing.T) {
		commitment := crypto.Keccak256Hash([]byte("note"))
		if _, err := c.Transact(6, mixer, "Mixer", "deposit", ether(2), commitment); err == nil {
			t.Error("deposit of the wrong amount was sent")
		}
		deposit := transact(t, c, 6, mixer, "Mixer", "deposit", ether(1), commitment)
		commit(t, c)
		logs := events(succeeded(t, c, deposit), "Mixer", "Deposit")
		if len(logs) != 1 || logs[0].Topics[1] != commitment {
			t.Fatalf("deposit logs = %v", logs)
		}

		to, relayer, nullifier := newAddr("mixer-out"), newAddr("relayer"), crypto.Keccak256Hash([]byte("nullifier"))
		fee := big.NewInt(1_000_000_000_000_000)
		withdraw := transact(t, c, 7, mixer, "Mixer", "withdraw", nil, to, nullifier, relayer, fee)
		commit(t, c)
		logs = events(succeeded(t, c, withdraw), "Mixer", "Withdrawal")
		if len(logs) != 1 || common.BytesToAddress(logs[0].Topics[1][:]) != relayer {
			t.Fatalf("withdrawal logs = %v", logs)
		}
		wantBig(t, "recipient", balanceAt(t, c, to, nil), new(big.Int).Sub(ether(1), fee))
		wantBig(t, "relayer", balanceAt(t, c, relayer, nil), fee)
		if _, err := c.Transact(7, mixer, "Mixer", "withdraw", nil, to, nullifier, relayer, fee); err == nil {
			t.Error("second withdrawal with the same nullifier was sent")
		}
	})

	t.Run("Router", func(t *testing.T) {
		vault, user := newAddr("vault"), newAddr("user")
		memo := "SWAP:BTC.BTC:bc1qexample"
		deposit := transact(t, c, 8, router, "Router", "deposit", ether(2), vault, common.Address{}, big.NewInt(0), memo)
		expiry := big.NewInt(time.Now().Add(time.Hour).Unix())
		withExpiry := transact(t, c, 8, router, "Router", "depositWithExpiry", ether(1), vault, common.Address{}, big.NewInt(0), memo, expiry)
		mint := transact(t, c, 8, token, "Token", "mint", nil, c.Addr(8), big.NewInt(500))
		approve := transact(t, c, 8, token, "Token", "approve", nil, router, big.NewInt(500))
		out := transact(t, c, 9, router, "Router", "transferOut", ether(1), user, common.Address{}, big.NewInt(0), "OUT:1")
		commit(t, c)
		for _, h := range []common.Hash{mint, approve} {
			succeeded(t, c, h)
		}
		tokenDeposit := transact(t, c, 8, router, "Router", "deposit", nil, vault, token, big.NewInt(500), memo)
		if _, err := c.Transact(8, router, "Router", "depositWithExpiry", ether(1), vault, common.Address{}, big.NewInt(0), memo, big.NewInt(1)); err == nil {
			t.Error("expired deposit was sent")
		}
		commit(t, c)

		wantBig(t, "vault ETH", balanceAt(t, c, vault, nil), ether(3))
		wantBig(t, "vault tokens", view(t, c, token, "Token", "balanceOf", vault).(*big.Int), big.NewInt(500))
		wantBig(t, "user ETH", balanceAt(t, c, user, nil), ether(1))
		routerABI := ABI("Router")
		for _, tc := range []struct {
			hash   common.Hash
			asset  common.Address
			amount *big.Int
		}{{deposit, common.Address{}, ether(2)}, {withExpiry, common.Address{}, ether(1)}, {tokenDeposit, token, big.NewInt(500)}} {
			logs := events(succeeded(t, c, tc.hash), "Router", "Deposit")
			if len(logs) != 1 {
				t.Fatalf("%d Deposit logs", len(logs))
			}
			fields, err := routerABI.Unpack("Deposit", logs[0].Data)
			if err != nil {
				t.Fatal(err)
			}
			if common.BytesToAddress(logs[0].Topics[1][:]) != vault || common.BytesToAddress(logs[0].Topics[2][:]) != tc.asset ||
				fields[0].(*big.Int).Cmp(tc.amount) != 0 || fields[1] != memo {
				t.Errorf("Deposit log = %v %v", logs[0].Topics, fields)
			}
		}
		logs := events(succeeded(t, c, out), "Router", "TransferOut")
		if len(logs) != 1 || common.BytesToAddress(logs[0].Topics[1][:]) != c.Addr(9) || common.BytesToAddress(logs[0].Topics[2][:]) != user {
			t.Errorf("TransferOut logs = %v", logs)
		}
	})

	t.Run("Destructible", func(t *testing.T) {
		wantBig(t, "balance", balanceAt(t, c, destructible, nil), ether(5))
		beneficiary := newAddr("beneficiary")
		transact(t, c, 0, destructible, "Destructible", "destroy", nil, beneficiary)
		commit(t, c)
		wantBig(t, "beneficiary", balanceAt(t, c, beneficiary, nil), ether(5))
		wantBig(t, "destroyed contract", balanceAt(t, c, destructible, nil), new(big.Int))
	})
}

// callFrame is the part of a callTracer frame the tests look at.
type callFrame struct {
	Type         string         `json:"type"`
	From         common.Address `json:"from"`
	To           common.Address `json:"to"`
	Value        *hexutil.Big   `json:"value"`
	Error        string         `json:"error"`
	RevertReason string         `json:"revertReason"`
	Calls        []callFrame    `json:"calls"`
	Logs         []struct {
		Address common.Address `json:"address"`
		Topics  []common.Hash  `json:"topics"`
	} `json:"logs"`
}

func (f callFrame) value() *big.Int {
	if f.Value == nil {
		return new(big.Int)
	}
	return f.Value.ToInt()
}

func TestCallTracerOverHTTP(t *testing.T) {
	c := startChain(t, Options{})
	splitter := deploy(t, c, 0, "Splitter", nil)
	weth := deploy(t, c, 0, "WETH", nil)
	commit(t, c)

	a, b, lost := newAddr("split-a"), newAddr("split-b"), newAddr("lost")
	recipients := []common.Address{a, b}
	split := transact(t, c, 1, splitter, "Splitter", "split", ether(4), recipients, []*big.Int{ether(1), ether(2)})
	// Estimated gas would starve the inner call (see Transact).
	try, err := c.TransactGas(2, splitter, "Splitter", "tryForward", ether(1), 300_000, lost)
	if err != nil {
		t.Fatalf("TransactGas tryForward: %v", err)
	}
	wrap := transact(t, c, 3, weth, "WETH", "deposit", ether(1))
	block := commit(t, c)
	for _, h := range []common.Hash{split, try, wrap} {
		succeeded(t, c, h)
	}
	wantBig(t, "lost", balanceAt(t, c, lost, nil), new(big.Int))
	wantBig(t, "splitter keeps the reverted value", balanceAt(t, c, splitter, nil), ether(1))

	client, err := rpc.DialContext(ctx(t), c.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	var traces []struct {
		TxHash common.Hash `json:"txHash"`
		Result callFrame   `json:"result"`
		Error  string      `json:"error"`
	}
	config := map[string]any{"tracer": "callTracer", "tracerConfig": map[string]any{"withLog": true}}
	if err := client.CallContext(ctx(t), &traces, "debug_traceBlockByNumber", hexutil.EncodeBig(block.Number()), config); err != nil {
		t.Fatalf("debug_traceBlockByNumber: %v", err)
	}
	byTx := map[common.Hash]callFrame{}
	for _, tr := range traces {
		if tr.Error != "" {
			t.Fatalf("trace of %s: %s", tr.TxHash, tr.Error)
		}
		byTx[tr.TxHash] = tr.Result
	}
	if len(byTx) != 3 {
		t.Fatalf("%d traces, want 3", len(byTx))
	}

	top := byTx[split]
	if top.Type != "CALL" || top.To != splitter || top.value().Cmp(ether(4)) != 0 || len(top.Calls) != 3 {
		t.Fatalf("split frame = %+v", top)
	}
	for i, want := range []struct {
		to    common.Address
		value *big.Int
	}{{a, ether(1)}, {b, ether(2)}, {c.Addr(1), ether(1)}} {
		f := top.Calls[i]
		if f.Type != "CALL" || f.From != splitter || f.To != want.to || f.value().Cmp(want.value) != 0 || f.Error != "" {
			t.Errorf("split inner frame %d = %+v, want CALL to %s of %v", i, f, want.to, want.value)
		}
	}

	top = byTx[try]
	if top.Error != "" || len(top.Calls) != 1 {
		t.Fatalf("tryForward frame = %+v", top)
	}
	reverted := top.Calls[0]
	if reverted.To != splitter || reverted.value().Cmp(ether(1)) != 0 || reverted.Error == "" ||
		reverted.RevertReason != "Splitter: forwarded then reverted" || len(reverted.Calls) != 1 {
		t.Fatalf("reverted frame = %+v", reverted)
	}
	if inner := reverted.Calls[0]; inner.To != lost || inner.value().Cmp(ether(1)) != 0 {
		t.Errorf("value transfer inside the reverted frame = %+v", inner)
	}

	top = byTx[wrap]
	if len(top.Logs) != 1 || top.Logs[0].Address != weth || top.Logs[0].Topics[0] != ABI("WETH").Events["Deposit"].ID {
		t.Errorf("WETH deposit frame logs = %+v", top.Logs)
	}
}

func TestArchiveState(t *testing.T) {
	c := startChain(t, Options{})
	to := newAddr("archive")
	sendETH(t, c, 0, to, ether(1))
	first := commit(t, c)
	// Go well past the 128 recent states a pruning node keeps.
	for range 140 {
		commit(t, c)
	}
	sendETH(t, c, 0, to, ether(2))
	commit(t, c)

	wantBig(t, "balance at genesis", balanceAt(t, c, to, big.NewInt(0)), new(big.Int))
	wantBig(t, "balance at first block", balanceAt(t, c, to, first.Number()), ether(1))
	wantBig(t, "balance now", balanceAt(t, c, to, nil), ether(3))
	client, err := rpc.DialContext(ctx(t), c.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	var traces []map[string]any
	config := map[string]any{"tracer": "callTracer"}
	if err := client.CallContext(ctx(t), &traces, "debug_traceBlockByNumber", hexutil.EncodeBig(first.Number()), config); err != nil {
		t.Fatalf("trace of an old block: %v", err)
	}
	if len(traces) != 1 {
		t.Errorf("%d traces of the first block, want 1", len(traces))
	}
}

func TestWithdrawals(t *testing.T) {
	c := startChain(t, Options{})
	to := newAddr("validator")
	if err := c.AddWithdrawal(to, 1_500_000_000); err != nil {
		t.Fatal(err)
	}
	block := commit(t, c)
	ws := block.Withdrawals()
	if len(ws) != 1 || ws[0].Address != to || ws[0].Amount != 1_500_000_000 {
		t.Fatalf("withdrawals = %+v", ws)
	}
	wantBig(t, "balance", balanceAt(t, c, to, nil), new(big.Int).Mul(big.NewInt(1_500_000_000), big.NewInt(params.GWei)))
	wantBig(t, "balance before", balanceAt(t, c, to, new(big.Int).Sub(block.Number(), big.NewInt(1))), new(big.Int))

	for range 12 {
		if err := c.AddWithdrawal(c.Addr(0), 1); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(commit(t, c).Withdrawals()); n != 10 {
		t.Errorf("first block after 12 withdrawals holds %d, want 10", n)
	}
	if n := len(commit(t, c).Withdrawals()); n != 2 {
		t.Errorf("second block holds %d withdrawals, want 2", n)
	}
	if n := len(commit(t, c).Withdrawals()); n != 0 {
		t.Errorf("third block holds %d withdrawals, want 0", n)
	}
}

func TestZeroGasPrice(t *testing.T) {
	coinbase := newAddr("coinbase")
	c := startChain(t, Options{ZeroGasPrice: true, FeeRecipient: coinbase, Accounts: 2})
	to := newAddr("free")
	before := balanceAt(t, c, c.Addr(0), nil)
	hash := sendETH(t, c, 0, to, ether(1))
	token := deploy(t, c, 1, "Token", nil, "Free", "FREE", uint8(6))
	block := commit(t, c)
	mint := transact(t, c, 1, token, "Token", "mint", nil, to, big.NewInt(5))
	commit(t, c)

	if block.Coinbase() != coinbase || block.BaseFee().Sign() != 0 {
		t.Errorf("block coinbase %s, base fee %v", block.Coinbase(), block.BaseFee())
	}
	for _, h := range []common.Hash{hash, mint} {
		r := succeeded(t, c, h)
		tx, _, err := c.Client().TransactionByHash(ctx(t), h)
		if err != nil {
			t.Fatal(err)
		}
		if r.EffectiveGasPrice.Sign() != 0 || tx.GasPrice().Sign() != 0 || tx.GasTipCap().Sign() != 0 {
			t.Errorf("%s: effective gas price %v, fee cap %v, tip %v", h, r.EffectiveGasPrice, tx.GasPrice(), tx.GasTipCap())
		}
	}
	wantBig(t, "sender spent", new(big.Int).Sub(before, balanceAt(t, c, c.Addr(0), nil)), ether(1))
	wantBig(t, "fee recipient", balanceAt(t, c, coinbase, nil), new(big.Int))
}

func TestFork(t *testing.T) {
	c := startChain(t, Options{})
	genesis, err := c.Client().HeaderByNumber(ctx(t), big.NewInt(0))
	if err != nil {
		t.Fatal(err)
	}
	pending := sendETH(t, c, 1, newAddr("early"), big.NewInt(1))
	if err := c.Fork(genesis.Hash()); err == nil {
		t.Fatal("Fork with an uncommitted transaction succeeded")
	}
	commit(t, c) // block 1 takes the pending transfer
	succeeded(t, c, pending)

	var parent *types.Block
	for range 3 {
		parent = commit(t, c) // blocks 2..4
	}
	to := newAddr("reorged")
	hash := sendETH(t, c, 0, to, ether(1))
	commit(t, c) // block 5 holds the transfer
	commit(t, c)
	old := commit(t, c) // block 7, the head
	oldReceipt := succeeded(t, c, hash)

	if err := c.Fork(parent.Hash()); err != nil {
		t.Fatalf("Fork: %v", err)
	}
	head, err := c.Client().HeaderByNumber(ctx(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if head.Hash() != parent.Hash() {
		t.Fatalf("head after Fork is block %v, want the fork parent %v", head.Number, parent.Number())
	}
	var last *types.Block
	for range 4 {
		last = commit(t, c)
	}
	if last.NumberU64() != old.NumberU64()+1 {
		t.Fatalf("head after 4 commits is block %d, want %d", last.NumberU64(), old.NumberU64()+1)
	}
	replaced, err := c.Client().HeaderByNumber(ctx(t), old.Number())
	if err != nil {
		t.Fatal(err)
	}
	if replaced.Hash() == old.Hash() {
		t.Fatalf("block %d was not replaced", old.NumberU64())
	}
	if _, err := c.Client().BlockByHash(ctx(t), old.Hash()); err != nil {
		t.Errorf("the replaced block is gone: %v", err)
	}

	// The dropped blocks' transfer went back to the pool and was mined again.
	newReceipt := succeeded(t, c, hash)
	if newReceipt.BlockHash == oldReceipt.BlockHash {
		t.Errorf("the transfer is still in the replaced block %s", oldReceipt.BlockHash)
	}
	canonical, err := c.Client().HeaderByNumber(ctx(t), newReceipt.BlockNumber)
	if err != nil || canonical.Hash() != newReceipt.BlockHash {
		t.Errorf("the transfer's new block %s is not canonical: %v", newReceipt.BlockHash, err)
	}
	wantBig(t, "balance after reorg", balanceAt(t, c, to, nil), ether(1))

	// The harness's nonces still fit the chain.
	again := sendETH(t, c, 0, to, ether(1))
	commit(t, c)
	succeeded(t, c, again)
	wantBig(t, "balance after another transfer", balanceAt(t, c, to, nil), ether(2))
}
