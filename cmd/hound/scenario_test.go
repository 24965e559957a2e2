package main

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/chains/ethereum/ethtest"
)

// scenario plays a mixed workload on a real in-process chain and counts,
// as it sends each transaction, the transfers of each kind the store must
// end up holding for it.
type scenario struct {
	t      testing.TB
	c      *ethtest.Chain
	rng    *rand.Rand
	want   map[chains.Kind]int
	txs    int
	token  common.Address // an ERC-20 with mints, transfers and burns
	weth   common.Address
	split  common.Address
	mixer  common.Address
	router common.Address
	// held tracks each key's token balance so transfers never fail by
	// accident (the failures are sent on purpose).
	held   map[int]*big.Int
	wethOf map[int]*big.Int
	// Credits of this block, usable from the next.
	pending, pendingWETH []credit
	notes                int // mixer commitments and nullifiers used
	mixed, mixedNext     int // notes in the pool, and added in this block
	// lastSplit is the last Splitter.split sent, for `hound tx`.
	lastSplit splitTx
}

type credit struct {
	key int
	amt *big.Int
}

const scenarioKeys = 60

func newScenario(t testing.TB, c *ethtest.Chain, seed uint64) *scenario {
	return &scenario{t: t, c: c, rng: rand.New(rand.NewPCG(seed, seed+1)), want: map[chains.Kind]int{},
		held: map[int]*big.Int{}, wethOf: map[int]*big.Int{}}
}

func (s *scenario) check(h common.Hash, err error) common.Hash {
	s.t.Helper()
	if err != nil {
		s.t.Fatal(err)
	}
	s.txs++
	s.want[chains.KindFee] += 2 // the fee, and the priority fee paid to the coinbase
	return h
}

func (s *scenario) commit() {
	s.t.Helper()
	if _, err := s.c.Commit(); err != nil {
		s.t.Fatal(err)
	}
	for _, cr := range s.pending {
		s.balance(cr.key).Add(s.balance(cr.key), cr.amt)
	}
	for _, cr := range s.pendingWETH {
		if s.wethOf[cr.key] == nil {
			s.wethOf[cr.key] = new(big.Int)
		}
		s.wethOf[cr.key].Add(s.wethOf[cr.key], cr.amt)
	}
	s.pending, s.pendingWETH = nil, nil
	s.mixed += s.mixedNext
	s.mixedNext = 0
}

func (s *scenario) key() int { return s.rng.IntN(scenarioKeys) }

// sender picks the key that sends a transaction; a key may send several in
// one block.
func (s *scenario) sender() int { return s.key() }

// senderWith picks a key that holds some of the balances in held, or
// returns false.
func (s *scenario) senderWith(held map[int]*big.Int) (int, bool) {
	start := s.key()
	for i := 0; i < scenarioKeys; i++ {
		if k := (start + i) % scenarioKeys; held[k] != nil && held[k].Sign() > 0 {
			return k, true
		}
	}
	return 0, false
}

func (s *scenario) fresh() common.Address {
	return common.BigToAddress(new(big.Int).SetUint64(0xabc00000 + s.rng.Uint64N(40)))
}

func wei(n int64) *big.Int { return new(big.Int).Mul(big.NewInt(n), big.NewInt(1e15)) } // n milliether

// deploy sets up the contracts, one block each.
func (s *scenario) deploy() {
	deploy := func(name string, args ...any) common.Address {
		a, h, err := s.c.Deploy(0, name, nil, args...)
		s.check(h, err)
		s.commit()
		return a
	}
	s.token = deploy("Token", "Test Dollar", "TUSD", uint8(6))
	s.weth = deploy("WETH")
	s.split = deploy("Splitter")
	s.mixer = deploy("Mixer", wei(1000))
	s.router = deploy("Router")
}

// block sends n random transactions and commits them as one block.
func (s *scenario) block(n int) {
	for i := 0; i < n; i++ {
		switch r := s.rng.IntN(100); {
		case r < 40:
			s.sendETH()
		case r < 48:
			s.mint()
		case r < 56:
			s.transferToken()
		case r < 60:
			s.burn()
		case r < 64:
			s.failed()
		case r < 70:
			s.splitETH()
		case r < 74:
			s.tryForward()
		case r < 80:
			s.wrap()
		case r < 84:
			s.unwrap()
		case r < 90:
			s.mix()
		default:
			s.bridge()
		}
	}
	if s.rng.IntN(3) == 0 {
		if err := s.c.AddWithdrawal(s.c.Addr(s.key()), 1+s.rng.Uint64N(1e9)); err != nil {
			s.t.Fatal(err)
		}
		s.want[chains.KindWithdrawal]++
	}
	s.commit()
}

func (s *scenario) sendETH() {
	to := s.c.Addr(s.key())
	if s.rng.IntN(2) == 0 {
		to = s.fresh()
	}
	s.check(s.c.SendETH(s.sender(), to, wei(1+s.rng.Int64N(5000))))
	s.want[chains.KindNative]++
}

func (s *scenario) balance(k int) *big.Int {
	if s.held[k] == nil {
		s.held[k] = new(big.Int)
	}
	return s.held[k]
}

// mint creates tokens for a key. Token balances change only in later blocks
// (gas is estimated against the last block), so a credit becomes spendable
// after the next commit.
func (s *scenario) mint() {
	k, amt := s.key(), big.NewInt(1+s.rng.Int64N(1e9))
	s.check(s.c.Transact(s.sender(), s.token, "Token", "mint", nil, s.c.Addr(k), amt))
	s.want[chains.KindToken]++
	s.pending = append(s.pending, credit{k, amt})
}

func (s *scenario) transferToken() { s.spendToken(3, true) }

func (s *scenario) burn() { s.spendToken(4, false) }

// spendToken has a key that holds tokens send a 1/div share of them to
// another key, or burn it; with no such key it mints instead.
func (s *scenario) spendToken(div int64, transfer bool) {
	from, ok := s.senderWith(s.held)
	if !ok {
		s.mint()
		return
	}
	bal := s.balance(from)
	amt := new(big.Int).Div(bal, big.NewInt(div))
	if transfer {
		to := s.key()
		s.check(s.c.Transact(from, s.token, "Token", "transfer", nil, s.c.Addr(to), amt))
		s.pending = append(s.pending, credit{to, amt})
	} else {
		s.check(s.c.Transact(from, s.token, "Token", "burn", nil, amt))
	}
	s.want[chains.KindToken]++
	bal.Sub(bal, amt)
}

// failed sends a transaction that reverts on chain: a token transfer beyond
// the balance, or ETH to a contract that takes none. It pays gas and moves
// nothing.
func (s *scenario) failed() {
	if s.rng.IntN(2) == 0 {
		s.check(s.c.TransactGas(s.sender(), s.token, "Token", "transfer", nil, 200_000, s.c.Addr(s.key()), big.NewInt(1e18)))
		return
	}
	s.check(s.c.TransactGas(s.sender(), s.token, "Token", "approve", wei(5), 200_000, s.c.Addr(1), big.NewInt(1)))
}

// splitETH pays 2-4 addresses through internal calls.
func (s *scenario) splitETH() {
	n := 2 + s.rng.IntN(3)
	var to []common.Address
	var amounts []*big.Int
	total := new(big.Int)
	for i := 0; i < n; i++ {
		to = append(to, s.fresh())
		a := wei(1 + s.rng.Int64N(300))
		amounts = append(amounts, a)
		total.Add(total, a)
	}
	s.lastSplit = splitTx{s.check(s.c.Transact(s.sender(), s.split, "Splitter", "split", total, to, amounts)), to, amounts}
	s.want[chains.KindNative]++
	s.want[chains.KindInternal] += n
}

// splitTx is a Splitter.split call: the tx and whom it paid how much.
type splitTx struct {
	hash    common.Hash
	to      []common.Address
	amounts []*big.Int
}

// tryForward sends value on inside a call that reverts while the
// transaction succeeds: the inner transfers must not be stored.
func (s *scenario) tryForward() {
	s.check(s.c.Transact(s.sender(), s.split, "Splitter", "tryForward", wei(7), s.fresh()))
	s.want[chains.KindNative]++
}

func (s *scenario) wrap() {
	k := s.sender()
	amt := wei(10 + s.rng.Int64N(1000))
	s.check(s.c.Transact(k, s.weth, "WETH", "deposit", amt))
	s.want[chains.KindNative]++
	s.want[chains.KindWrap]++
	s.pendingWETH = append(s.pendingWETH, credit{k, amt})
}

func (s *scenario) unwrap() {
	k, ok := s.senderWith(s.wethOf)
	if !ok {
		s.wrap()
		return
	}
	bal := s.wethOf[k]
	amt := new(big.Int).Div(bal, big.NewInt(2))
	s.check(s.c.Transact(k, s.weth, "WETH", "withdraw", nil, amt))
	s.want[chains.KindUnwrap]++
	s.want[chains.KindInternal]++
	bal.Sub(bal, amt)
}

// mix deposits into the 1 ETH pool, or withdraws an earlier note to a fresh
// address with a relayer fee.
func (s *scenario) mix() {
	s.notes++
	note := common.BigToHash(big.NewInt(int64(s.notes)))
	if s.notes%3 != 0 || s.mixed == 0 {
		s.check(s.c.Transact(s.sender(), s.mixer, "Mixer", "deposit", wei(1000), note))
		s.want[chains.KindNative]++
		s.mixedNext++
		return
	}
	s.mixed--
	s.check(s.c.Transact(s.sender(), s.mixer, "Mixer", "withdraw", nil, s.fresh(), note, s.c.Addr(2), wei(3)))
	s.want[chains.KindInternal] += 2
}

// bridge deposits ETH into the THORChain-style router with a memo; the
// router forwards it to the vault.
func (s *scenario) bridge() {
	amt := wei(1 + s.rng.Int64N(2000))
	memo := fmt.Sprintf("=:b:bc1qtest%d:0/1/0:t:0", s.rng.IntN(100))
	s.check(s.c.Transact(s.sender(), s.router, "Router", "deposit", amt, s.c.Addr(59), common.Address{}, amt, memo))
	s.want[chains.KindNative]++
	s.want[chains.KindInternal]++
}

// selfdestruct deploys a contract holding ETH, then destroys it in the
// next block, sending its balance on.
func (s *scenario) selfdestruct() {
	a, h, err := s.c.Deploy(3, "Destructible", wei(77))
	s.check(h, err)
	s.want[chains.KindNative]++
	s.commit()
	s.check(s.c.Transact(3, a, "Destructible", "destroy", nil, s.fresh()))
	s.want[chains.KindInternal]++
	s.commit()
}
