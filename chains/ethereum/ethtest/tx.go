package ethtest

import (
	"context"
	"errors"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/params"
)

// tip is the priority fee per gas of every transaction the harness sends,
// unless Options.ZeroGasPrice.
var tip = big.NewInt(params.GWei)

// SendETH sends amount wei from key from to the address to, with estimated
// gas, and returns the transaction hash. The transaction is mined by the
// next Commit.
func (c *Chain) SendETH(from int, to common.Address, amount *big.Int) (common.Hash, error) {
	c.mu.Lock()
	defer c.mu.Unlock()

	hash, err := c.send(from, &to, amount, nil, 0)
	if err != nil {
		return common.Hash{}, fmt.Errorf("ethtest: send ETH to %s: %w", to, err)
	}
	return hash, nil
}

// Deploy sends a transaction from key from that creates the named fixture
// contract ("Token", "WETH", "Mixer", "Router", "Splitter" or
// "Destructible") with constructor arguments args and value wei (nil for
// none), with estimated gas. It returns the address the contract will have
// and the transaction hash; the contract exists after the next Commit.
func (c *Chain) Deploy(from int, name string, value *big.Int, args ...any) (common.Address, common.Hash, error) {
	c.mu.Lock()
	defer c.mu.Unlock()

	fail := func(err error) (common.Address, common.Hash, error) {
		return common.Address{}, common.Hash{}, fmt.Errorf("ethtest: deploy %s: %w", name, err)
	}
	ct, err := lookup(name)
	if err != nil {
		return fail(err)
	}
	packed, err := ct.abi.Pack("", args...)
	if err != nil {
		return fail(fmt.Errorf("pack constructor arguments: %w", err))
	}
	if err := c.checkKey(from); err != nil {
		return fail(err)
	}
	addr := crypto.CreateAddress(c.addrs[from], c.nonces[from])
	data := append(append([]byte{}, ct.bin...), packed...)
	hash, err := c.send(from, nil, value, data, 0)
	if err != nil {
		return fail(err)
	}
	return addr, hash, nil
}

// Transact sends a transaction from key from that calls method of the named
// fixture contract at address contract with arguments args and value wei
// (nil for none), with estimated gas, and returns its hash. Because gas is
// estimated, a call that would revert is refused with an error and nothing
// is sent; see TransactGas.
//
// Estimation finds the least gas with which the transaction succeeds. For a
// method that catches the failure of an inner call, such as
// Splitter.tryForward, that is a limit at which the inner call runs out of
// gas instead of doing its work, even with the 20% added: send such calls
// with TransactGas and a generous limit.
func (c *Chain) Transact(from int, contract common.Address, name, method string, value *big.Int, args ...any) (common.Hash, error) {
	return c.TransactGas(from, contract, name, method, value, 0, args...)
}

// TransactGas is Transact with a fixed gas limit, or with estimated gas if
// gas is 0. With a fixed limit nothing is checked before sending, so the
// transaction may fail on-chain: it is mined with status 0 and still pays
// for its gas.
func (c *Chain) TransactGas(from int, contract common.Address, name, method string, value *big.Int, gas uint64, args ...any) (common.Hash, error) {
	c.mu.Lock()
	defer c.mu.Unlock()

	ct, err := lookup(name)
	if err != nil {
		return common.Hash{}, fmt.Errorf("ethtest: transact: %w", err)
	}
	data, err := ct.abi.Pack(method, args...)
	if err != nil {
		return common.Hash{}, fmt.Errorf("ethtest: transact %s.%s: pack arguments: %w", name, method, err)
	}
	hash, err := c.send(from, &contract, value, data, gas)
	if err != nil {
		return common.Hash{}, fmt.Errorf("ethtest: transact %s.%s: %w", name, method, err)
	}
	return hash, nil
}

// CallView runs method of the named fixture contract at address contract
// with arguments args as an eth_call at block (nil for the latest block) and
// returns the decoded results, such as the one *big.Int of Token.balanceOf.
func (c *Chain) CallView(contract common.Address, name, method string, block *big.Int, args ...any) ([]any, error) {
	ct, err := lookup(name)
	if err != nil {
		return nil, fmt.Errorf("ethtest: call: %w", err)
	}
	data, err := ct.abi.Pack(method, args...)
	if err != nil {
		return nil, fmt.Errorf("ethtest: call %s.%s: pack arguments: %w", name, method, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), rpcTimeout)
	defer cancel()
	out, err := c.client.CallContract(ctx, ethereum.CallMsg{To: &contract, Data: data}, block)
	if err != nil {
		return nil, fmt.Errorf("ethtest: call %s.%s: %w", name, method, err)
	}
	results, err := ct.abi.Unpack(method, out)
	if err != nil {
		return nil, fmt.Errorf("ethtest: call %s.%s: unpack results: %w", name, method, err)
	}
	return results, nil
}

// checkKey reports whether from indexes a funded key.
func (c *Chain) checkKey(from int) error {
	if from < 0 || from >= len(c.keys) {
		return fmt.Errorf("no funded key %d (have %d)", from, len(c.keys))
	}
	return nil
}

// send signs a dynamic-fee transaction from key from with the harness's
// nonce for that key, submits it over HTTP and tracks it for the next
// Commit. A gas of 0 means estimated gas plus 20%. c.mu must be held.
func (c *Chain) send(from int, to *common.Address, value *big.Int, data []byte, gas uint64) (common.Hash, error) {
	if c.closed {
		return common.Hash{}, errors.New("chain is closed")
	}
	if err := c.checkKey(from); err != nil {
		return common.Hash{}, err
	}
	if value == nil {
		value = new(big.Int)
	}
	ctx, cancel := context.WithTimeout(context.Background(), rpcTimeout)
	defer cancel()
	if gas == 0 {
		estimate, err := c.client.EstimateGas(ctx, ethereum.CallMsg{
			From:  c.addrs[from],
			To:    to,
			Value: value,
			Data:  data,
		})
		if err != nil {
			return common.Hash{}, fmt.Errorf("estimate gas: %w", err)
		}
		gas = estimate + estimate/5
	}
	tipCap, feeCap := new(big.Int), new(big.Int)
	if !c.zeroGasPrice {
		// Twice the current base fee covers the base fee of the next
		// several blocks, which rises at most 12.5% per block.
		baseFee := c.backend.BlockChain().CurrentHeader().BaseFee
		tipCap.Set(tip)
		feeCap.Add(feeCap.Mul(baseFee, big.NewInt(2)), tip)
	}
	tx, err := types.SignNewTx(c.keys[from], c.signer, &types.DynamicFeeTx{
		ChainID:   c.chainID,
		Nonce:     c.nonces[from],
		GasTipCap: tipCap,
		GasFeeCap: feeCap,
		Gas:       gas,
		To:        to,
		Value:     value,
		Data:      data,
	})
	if err != nil {
		return common.Hash{}, fmt.Errorf("sign: %w", err)
	}
	if err := c.client.SendTransaction(ctx, tx); err != nil {
		return common.Hash{}, fmt.Errorf("submit: %w", err)
	}
	c.nonces[from]++
	c.unsealed = append(c.unsealed, tx.Hash())
	return tx.Hash(), nil
}
