package ethereum

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/chains/ethereum/ethtest"
)

// scenario is a chain on which the fixture contracts were deployed and
// used, with the hashes of the interesting transactions.
type scenario struct {
	c                                   *ethtest.Chain
	last                                uint64 // the last block of the scenario
	names                               map[chains.Address]string
	txs                                 map[string]common.Hash // by name
	token, weth, splitter, destructible common.Address
}

func ether(n int64) *big.Int { return new(big.Int).Mul(big.NewInt(n), big.NewInt(1e18)) }

// newScenario starts a chain and fills blocks 1 to 4:
//
//  1. deploys Token, WETH, Splitter and Destructible (with 3 ether);
//  2. an ether send, a failing token transfer, Splitter.split,
//     Splitter.tryForward (its inner payment reverts), a mint and two
//     withdrawals;
//  3. a token transfer and a burn, a WETH deposit, Destructible.destroy;
//  4. a WETH withdrawal and a WETH transfer.
func newScenario(t *testing.T) *scenario {
	t.Helper()
	c, err := ethtest.Start(ethtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	s := &scenario{c: c, txs: map[string]common.Hash{}, names: map[chains.Address]string{
		chains.EVMAddress(common.Address{}):            "0",
		chains.EVMAddress(ethtest.DefaultFeeRecipient): "coinbase",
	}}
	for i, name := range []string{"alice", "bob", "carol", "dave", "erin", "frank"} {
		s.names[chains.EVMAddress(c.Addr(i))] = name
	}
	alice, bob, carol, dave, erin, frank := c.Addr(0), c.Addr(1), c.Addr(2), c.Addr(3), c.Addr(4), c.Addr(5)

	s.token = s.deploy(t, "Token", nil, "Hound Token", "HND", uint8(6))
	s.weth = s.deploy(t, "WETH", nil)
	s.splitter = s.deploy(t, "Splitter", nil)
	s.destructible = s.deploy(t, "Destructible", ether(3))
	s.commit(t)

	s.record(t, "send")(c.SendETH(0, bob, ether(5)))
	s.record(t, "failed")(c.TransactGas(1, s.token, "Token", "transfer", nil, 300_000, carol, big.NewInt(1)))
	s.record(t, "split")(c.Transact(0, s.splitter, "Splitter", "split", ether(4), []common.Address{bob, carol}, []*big.Int{ether(1), ether(2)}))
	s.record(t, "try")(c.TransactGas(2, s.splitter, "Splitter", "tryForward", ether(1), 300_000, dave))
	s.record(t, "mint")(c.Transact(0, s.token, "Token", "mint", nil, alice, big.NewInt(1000)))
	for _, w := range []struct {
		to   common.Address
		gwei uint64
	}{{erin, 7}, {ethtest.DefaultFeeRecipient, 2}} {
		if err := c.AddWithdrawal(w.to, w.gwei); err != nil {
			t.Fatal(err)
		}
	}
	s.commit(t)

	s.record(t, "transfer")(c.Transact(0, s.token, "Token", "transfer", nil, bob, big.NewInt(300)))
	s.record(t, "burn")(c.Transact(0, s.token, "Token", "burn", nil, big.NewInt(100)))
	s.record(t, "wrap")(c.Transact(1, s.weth, "WETH", "deposit", ether(2)))
	s.record(t, "destroy")(c.Transact(2, s.destructible, "Destructible", "destroy", nil, frank))
	s.commit(t)

	s.record(t, "unwrap")(c.Transact(1, s.weth, "WETH", "withdraw", nil, ether(1)))
	s.record(t, "wethTransfer")(c.Transact(1, s.weth, "WETH", "transfer", nil, carol, big.NewInt(5e17)))
	s.last = s.commit(t)
	return s
}

func (s *scenario) deploy(t *testing.T, name string, value *big.Int, args ...any) common.Address {
	t.Helper()
	addr, hash, err := s.c.Deploy(0, name, value, args...)
	if err != nil {
		t.Fatal(err)
	}
	s.names[chains.EVMAddress(addr)] = name
	s.txs["deploy"+name] = hash
	return addr
}

// record returns a function that keeps a transaction's hash under name.
func (s *scenario) record(t *testing.T, name string) func(common.Hash, error) {
	return func(h common.Hash, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		s.txs[name] = h
	}
}

func (s *scenario) commit(t *testing.T) uint64 {
	t.Helper()
	b, err := s.c.Commit()
	if err != nil {
		t.Fatal(err)
	}
	return b.NumberU64()
}

// name names an address of the scenario in test output.
func (s *scenario) name(a chains.Address) string {
	if n, ok := s.names[a]; ok {
		return n
	}
	return string(a)
}

// render writes a transfer without its place: "kind from>to asset amount",
// with whole multiples of 1e18 written "Ne18".
func (s *scenario) render(t chains.Transfer) string {
	asset := string(t.Asset)
	if t.Asset != chains.Native {
		asset = s.name(chains.Address(t.Asset))
	}
	amount := t.Amount.String()
	if q, r := new(big.Int).QuoRem(t.Amount, big.NewInt(1e18), new(big.Int)); q.Sign() > 0 && r.Sign() == 0 {
		amount = q.String() + "e18"
	}
	return fmt.Sprintf("%s %s>%s %s %s", t.Kind, s.name(t.From), s.name(t.To), asset, amount)
}

// blocks reads blocks 1 to s.last from src.
func (s *scenario) blocks(t *testing.T, src *Source) []*chains.Block {
	t.Helper()
	var out []*chains.Block
	for n := uint64(1); n <= s.last; n++ {
		b, err := src.Block(context.Background(), n)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func TestChain(t *testing.T) {
	s := newScenario(t)
	logs, logger := newLogBuffer()
	src := dialTest(t, s.c.URL(), Options{Logger: logger})
	blocks := s.blocks(t, src)

	t.Run("movements", func(t *testing.T) { s.checkMovements(t, blocks) })
	t.Run("fees", func(t *testing.T) { s.checkFees(t, blocks) })
	t.Run("blocks", func(t *testing.T) { s.checkBlocks(t, src, blocks) })
	t.Run("ether balances", func(t *testing.T) {
		s.checkEther(t, blocks, 1, 9)
		s.checkEther(t, blocks, 3, 7)
	})
	t.Run("token balances", func(t *testing.T) { s.checkTokens(t, blocks) })
	t.Run("token metadata", func(t *testing.T) { s.checkTokenMetadata(t, src) })
	t.Run("no debug API", func(t *testing.T) { s.checkUntraced(t, blocks) })
	if logs.String() != "" {
		t.Errorf("a node with every method logged:\n%s", logs)
	}
}

// checkMovements compares every transaction's value movements (all but
// the fees) and every withdrawal with what the scenario did.
func (s *scenario) checkMovements(t *testing.T, blocks []*chains.Block) {
	want := map[string][]string{
		"deployToken":        nil,
		"deployWETH":         nil,
		"deploySplitter":     nil,
		"deployDestructible": {"native alice>Destructible native 3e18"},
		"send":               {"native alice>bob native 5e18"},
		"failed":             nil,
		"split": {
			"native alice>Splitter native 4e18",
			"internal Splitter>bob native 1e18",
			"internal Splitter>carol native 2e18",
			"internal Splitter>alice native 1e18", // the change
		},
		"try":          {"native carol>Splitter native 1e18"}, // the payment to dave reverted
		"mint":         {"token 0>alice Token 1000"},
		"transfer":     {"token alice>bob Token 300"},
		"burn":         {"token alice>0 Token 100"},
		"wrap":         {"native bob>WETH native 2e18", "wrap WETH>bob WETH 2e18"},
		"destroy":      {"internal Destructible>frank native 3e18"},
		"unwrap":       {"unwrap bob>WETH WETH 1e18", "internal WETH>bob native 1e18"},
		"wethTransfer": {"token bob>carol WETH 500000000000000000"},
	}
	got := map[string][]string{}
	var withdrawals []string
	for _, b := range blocks {
		for _, tr := range b.Transfers {
			switch {
			case tr.Kind == chains.KindWithdrawal:
				withdrawals = append(withdrawals, fmt.Sprintf("%d.%d %s", tr.Pos.Block, tr.Pos.Index, s.render(tr)))
			case tr.Kind != chains.KindFee:
				name := s.txName(tr.Tx)
				got[name] = append(got[name], s.render(tr))
			}
		}
	}
	for name, w := range want {
		if !slices.Equal(got[name], w) {
			t.Errorf("%s:\n got %q\nwant %q", name, got[name], w)
		}
	}
	if len(got) > len(want) {
		t.Errorf("unexpected transactions with movements: %q", got)
	}
	wantW := []string{"2.0 withdrawal beacon>erin native 7000000000", "2.1 withdrawal beacon>coinbase native 2000000000"}
	if !slices.Equal(withdrawals, wantW) {
		t.Errorf("withdrawals:\n got %q\nwant %q", withdrawals, wantW)
	}
}

func (s *scenario) txName(h chains.Hash) string {
	for name, hash := range s.txs {
		if chains.Hash(hash) == h {
			return name
		}
	}
	return fmt.Sprintf("%x", h)
}

// checkFees compares the fee transfers with geth's own decoding of the
// receipts and headers.
func (s *scenario) checkFees(t *testing.T, blocks []*chains.Block) {
	ctx := context.Background()
	client := s.c.Client()
	for _, b := range blocks {
		header, err := client.HeaderByNumber(ctx, new(big.Int).SetUint64(b.Number))
		if err != nil {
			t.Fatal(err)
		}
		fees := map[chains.Pos]chains.Transfer{}
		for _, tr := range b.Transfers {
			if tr.Kind == chains.KindFee {
				fees[tr.Pos] = tr
			}
		}
		for _, tx := range b.Txs {
			r, err := client.TransactionReceipt(ctx, common.Hash(tx.Hash))
			if err != nil {
				t.Fatal(err)
			}
			gas := new(big.Int).SetUint64(r.GasUsed)
			paid := new(big.Int).Mul(gas, r.EffectiveGasPrice)
			tip := new(big.Int).Mul(gas, new(big.Int).Sub(r.EffectiveGasPrice, header.BaseFee))
			pos := chains.Pos{Block: b.Number, TxIndex: tx.Index}
			fee, reward := fees[pos], fees[chains.Pos{Block: b.Number, TxIndex: tx.Index, Index: 1}]
			if fee.From != tx.From || fee.To != chains.FeeSink || fee.Amount.Cmp(paid) != 0 {
				t.Errorf("%s fee: %+v, want %v from %s", s.txName(tx.Hash), fee, paid, tx.From)
			}
			if reward.From != chains.FeeSink || reward.To != chains.EVMAddress(header.Coinbase) || reward.Amount.Cmp(tip) != 0 || tip.Sign() == 0 {
				t.Errorf("%s priority fee: %+v, want %v", s.txName(tx.Hash), reward, tip)
			}
		}
	}
}

// checkBlocks checks the blocks' identities, chaining and transactions.
func (s *scenario) checkBlocks(t *testing.T, src *Source, blocks []*chains.Block) {
	ctx := context.Background()
	parent, err := src.BlockHash(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range blocks {
		hash, err := src.BlockHash(ctx, b.Number)
		if err != nil || hash != b.Hash || b.Parent != parent || b.Untraced || b.Skipped != 0 {
			t.Errorf("block %d: hash %x (node %x, %v), parent %x (want %x), untraced %v, skipped %d",
				b.Number, b.Hash, hash, err, b.Parent, parent, b.Untraced, b.Skipped)
		}
		parent = b.Hash
		for _, tx := range b.Txs {
			name := s.txName(tx.Hash)
			wantStatus := chains.TxSucceeded
			if name == "failed" {
				wantStatus = chains.TxFailed
			}
			if tx.Status != wantStatus {
				t.Errorf("%s: status %d, want %d", name, tx.Status, wantStatus)
			}
			if name == "deployWETH" && tx.To != chains.EVMAddress(s.weth) {
				t.Errorf("deployWETH: to %s, want the contract", tx.To)
			}
		}
	}
	head, err := src.Head(ctx)
	if err != nil || head != s.last {
		t.Errorf("head %d, %v; want %d", head, err, s.last)
	}
	if network, err := src.Network(ctx); err != nil || network != "chainid:1337" {
		t.Errorf("network %q, %v", network, err)
	}
}

// checkEther checks that, for every address the blocks from first on
// touch, the ether transfers add up to its balance change, and that there
// are touched such addresses.
func (s *scenario) checkEther(t *testing.T, blocks []*chains.Block, first uint64, touched int) {
	sums := map[chains.Address]*big.Int{}
	for _, b := range blocks[first-1:] {
		for _, tr := range b.Transfers {
			if tr.Asset == chains.Native {
				add(sums, tr.From, new(big.Int).Neg(tr.Amount))
				add(sums, tr.To, tr.Amount)
			}
		}
	}
	ctx := context.Background()
	checked := 0
	for addr, sum := range sums {
		if addr == chains.FeeSink || addr == chains.BeaconSink {
			continue
		}
		checked++
		a := common.HexToAddress(string(addr))
		before, err1 := s.c.Client().BalanceAt(ctx, a, new(big.Int).SetUint64(first-1))
		after, err2 := s.c.Client().BalanceAt(ctx, a, new(big.Int).SetUint64(s.last))
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if change := new(big.Int).Sub(after, before); change.Cmp(sum) != 0 {
			t.Errorf("%s over blocks %d-%d: transfers sum to %v, balance changed by %v", s.name(addr), first, s.last, sum, change)
		}
	}
	if checked != touched {
		t.Errorf("blocks %d-%d: %d addresses touched, want %d", first, s.last, checked, touched)
	}
}

func add(sums map[chains.Address]*big.Int, a chains.Address, v *big.Int) {
	if sums[a] == nil {
		sums[a] = new(big.Int)
	}
	sums[a].Add(sums[a], v)
}

// checkTokens checks that the token transfers of blocks 2 on add up to the
// balanceOf changes, for Token and for WETH. The zero address (mints and
// burns) and WETH itself (wraps) are the tokens' sources and sinks.
func (s *scenario) checkTokens(t *testing.T, blocks []*chains.Block) {
	for _, token := range []struct {
		name string
		addr common.Address
	}{{"Token", s.token}, {"WETH", s.weth}} {
		sums := map[chains.Address]*big.Int{}
		for _, b := range blocks[1:] {
			for _, tr := range b.Transfers {
				if tr.Asset == chains.Asset(chains.EVMAddress(token.addr)) {
					add(sums, tr.From, new(big.Int).Neg(tr.Amount))
					add(sums, tr.To, tr.Amount)
				}
			}
		}
		for addr, sum := range sums {
			if addr == chains.EVMAddress(common.Address{}) || addr == chains.EVMAddress(token.addr) {
				continue
			}
			before := s.balanceOf(t, token.name, token.addr, addr, 1)
			after := s.balanceOf(t, token.name, token.addr, addr, s.last)
			if change := new(big.Int).Sub(after, before); change.Cmp(sum) != 0 {
				t.Errorf("%s of %s: transfers sum to %v, balanceOf changed by %v", token.name, s.name(addr), sum, change)
			}
		}
		if len(sums) < 3 {
			t.Errorf("%s: only %d addresses touched", token.name, len(sums))
		}
	}
}

func (s *scenario) balanceOf(t *testing.T, name string, token common.Address, a chains.Address, block uint64) *big.Int {
	t.Helper()
	out, err := s.c.CallView(token, name, "balanceOf", new(big.Int).SetUint64(block), common.HexToAddress(string(a)))
	if err != nil {
		t.Fatal(err)
	}
	return out[0].(*big.Int)
}

func (s *scenario) checkTokenMetadata(t *testing.T, src *Source) {
	tests := []struct {
		addr common.Address
		want chains.Token
	}{
		{s.token, chains.Token{Symbol: "HND", Decimals: 6, Known: true}},
		{s.weth, chains.Token{Symbol: "WETH", Decimals: 18, Known: true}},
		{s.splitter, chains.Token{}},
		{s.c.Addr(0), chains.Token{}},
	}
	for _, tt := range tests {
		asset := chains.Asset(chains.EVMAddress(tt.addr))
		tt.want.Asset = asset
		got, err := src.Token(context.Background(), asset)
		if err != nil || got != tt.want {
			t.Errorf("Token(%s) = %+v, %v; want %+v", s.name(chains.Address(asset)), got, err, tt.want)
		}
	}
}

// checkUntraced reads the blocks again through a proxy that hides the
// debug API and eth_getBlockReceipts: every block is untraced, one warning
// is logged, and the transfers are the traced ones less the internal ones.
func (s *scenario) checkUntraced(t *testing.T, traced []*chains.Block) {
	hidden := func(method string) bool {
		return strings.HasPrefix(method, "debug_") || method == "eth_getBlockReceipts"
	}
	logs, logger := newLogBuffer()
	src := dialTest(t, hidingProxy(t, s.c.URL(), hidden), Options{Logger: logger})
	untraced := s.blocks(t, src)
	for i, b := range untraced {
		if !b.Untraced {
			t.Errorf("block %d is not marked untraced", b.Number)
		}
		var want, got []string
		for _, tr := range traced[i].Transfers {
			if tr.Kind != chains.KindInternal {
				want = append(want, fmt.Sprintf("%d %s", tr.Pos.TxIndex, s.render(tr)))
			}
		}
		for _, tr := range b.Transfers {
			got = append(got, fmt.Sprintf("%d %s", tr.Pos.TxIndex, s.render(tr)))
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("block %d untraced:\n got %q\nwant %q", b.Number, got, want)
		}
	}
	if src.Traced() {
		t.Error("Traced() is still true")
	}
	if n := strings.Count(logs.String(), untracedWarning); n != 1 {
		t.Errorf("warning logged %d times:\n%s", n, logs)
	}
}

// hidingProxy serves JSON-RPC on 127.0.0.1, forwarding every call to
// upstream except those of hidden methods, which it answers with "method
// not found" as geth does.
func hidingProxy(t *testing.T, upstream string, hidden func(string) bool) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		batch := bytes.HasPrefix(bytes.TrimSpace(body), []byte("["))
		if !batch {
			body = append(append([]byte("["), body...), ']')
		}
		answers, err := proxyBatch(upstream, body, hidden)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if batch {
			_ = json.NewEncoder(w).Encode(answers)
		} else {
			_, _ = w.Write(answers[0])
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// proxyBatch answers a batch of JSON-RPC requests, hidden methods itself
// and the rest through upstream.
func proxyBatch(upstream string, body []byte, hidden func(string) bool) ([]json.RawMessage, error) {
	var reqs []json.RawMessage
	if err := json.Unmarshal(body, &reqs); err != nil {
		return nil, err
	}
	answers := make([]json.RawMessage, len(reqs))
	pending := map[string]int{} // request id to position
	var forward []json.RawMessage
	for i, raw := range reqs {
		var req struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		if err := json.Unmarshal(raw, &req); err != nil {
			return nil, err
		}
		if hidden(req.Method) {
			answers[i], _ = json.Marshal(map[string]any{"jsonrpc": "2.0", "id": req.ID, "error": map[string]any{
				"code": -32601, "message": fmt.Sprintf("the method %s does not exist/is not available", req.Method),
			}})
			continue
		}
		pending[string(req.ID)] = i
		forward = append(forward, raw)
	}
	if len(forward) == 0 {
		return answers, nil
	}
	payload, _ := json.Marshal(forward)
	resp, err := http.Post(upstream, "application/json", bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var replies []json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&replies); err != nil {
		return nil, err
	}
	for _, raw := range replies {
		var reply struct {
			ID json.RawMessage `json:"id"`
		}
		if err := json.Unmarshal(raw, &reply); err != nil {
			return nil, err
		}
		answers[pending[string(reply.ID)]] = raw
	}
	return answers, nil
}

// TestZeroGasPrice checks a chain where gas costs nothing: no fee
// transfers, and the value still at Index 2.
func TestZeroGasPrice(t *testing.T) {
	c, err := ethtest.Start(ethtest.Options{ZeroGasPrice: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	hash, err := c.SendETH(0, c.Addr(1), ether(1))
	if err != nil {
		t.Fatal(err)
	}
	block, err := c.Commit()
	if err != nil {
		t.Fatal(err)
	}
	src := dialTest(t, c.URL(), Options{})
	b, err := src.Block(context.Background(), block.NumberU64())
	if err != nil {
		t.Fatal(err)
	}
	want := chains.Transfer{
		Chain: chains.Ethereum, Tx: chains.Hash(hash), Time: block.Time(),
		Pos:  chains.Pos{Block: block.NumberU64(), Index: 2},
		From: chains.EVMAddress(c.Addr(0)), To: chains.EVMAddress(c.Addr(1)),
		Asset: chains.Native, Amount: ether(1), Kind: chains.KindNative,
	}
	if len(b.Transfers) != 1 || fmt.Sprint(b.Transfers[0]) != fmt.Sprint(want) {
		t.Errorf("transfers %+v, want only %+v", b.Transfers, want)
	}
}
