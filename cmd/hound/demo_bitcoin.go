package main

import (
	"crypto/sha256"
	"fmt"
	"math/big"
	"os"
	"strings"
	"time"

	"github.com/btcsuite/btcd/wire/v2"

	"github.com/houndtrace/hound/chains/bitcoin"
	"github.com/houndtrace/hound/chains/bitcoin/btcbuild"
)

// The Bitcoin side of the demo: a regtest chain built and signed in
// process from fixed keys at fixed times, so that its blocks are the same
// bytes on every machine, and fed to the store through the block-file path
// (hound sync bitcoin --blocks FILE --network regtest).
//
// It starts at demoBitcoinStart, after the times of the Ethereum blocks
// (the in-process Ethereum chain stamps its blocks with the clock): bridged
// money cannot arrive before it left. Should the clock pass that time, the
// chain starts ten minutes after the last Ethereum block instead.
var demoBitcoinStart = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// demoBitcoinSpacing is the time between two Bitcoin blocks.
const demoBitcoinSpacing = 10 * time.Minute

// Amounts of the Bitcoin side, in satoshi.
const (
	demoPayout     = 320_000_000 // the vault pays 3.2 BTC for H5's 100 ETH
	demoOwnCoin    = 80_000_000  // dest2's coin, withdrawn from the exchange earlier
	demoPool       = 5_000_000   // the Whirlpool pool: 0.05 BTC
	demoPremix     = 5_004_000   // a premix: the pool plus the mix's miner fee share
	demoPoolFee    = 175_000     // the coordinator's fee of the 0.05 BTC pool, paid in the TX0
	demoCoMixCoin  = 10_000_000  // each co-mixer's coin before its TX0
	demoPeelFee    = 5_000       // each peel step's miner fee
	demoTX0Fee     = 5_000       // the launderer's TX0's miner fee
	demoFee        = 10_000      // the miner fee of the other transactions
	demoWithdrawal = 250_000_000 // what the exchange pays a customer when it co-spends
)

// demoPeels are the payments of the peel chain, in order: the last one pays
// the exchange deposit address.
var demoPeels = []int64{1_000_000, 800_000, 1_500_000}

// demoKey is the Bitcoin key of a role in the demo.
func demoKey(role string) *btcbuild.Key { return btcbuild.NewKey("hound demo " + role) }

// demoBTCAddress is the regtest address of a role's key.
func demoBTCAddress(role string) string { return demoKey(role).Address(bitcoin.Regtest.Params()) }

// demoBitcoin is what the Bitcoin side leaves to show.
type demoBitcoin struct {
	chain  *btcbuild.Chain
	blocks map[string]int32 // the height of each step
	// addresses of the roles the story names
	vault, dest, dest2, deposit, hot string
}

// buildBitcoin builds the Bitcoin half of the playbook, after a THORChain
// inbound on Ethereum (H5's router deposit, inbound) whose last block has
// time ethTime:
//
//   - blocks 1-3: coinbases fund the THORChain vault and the exchange's hot
//     wallet; the hot wallet pays withdrawals to dest2 (the launderer's) and
//     to four co-mixers;
//   - block 4: each co-mixer's Whirlpool TX0 (an OP_RETURN, the
//     coordinator's fee, a premix, change); one premix is exactly the pool
//     value, as a remixer's coin is;
//   - block 5: the vault pays the swap out to dest with OP_RETURN
//     OUT:<inbound hash>;
//   - block 6: the launderer's TX0 spends dest's coin with dest2's (common
//     ownership: a cluster) into five premixes, the fee and change;
//   - block 7: a Whirlpool 5x5 mix of 0.05 BTC: one of the launderer's
//     premixes and the four co-mixers';
//   - blocks 8-10: the launderer's mix output peels three payments off,
//     each step spending the previous one's change; the last pays an
//     exchange deposit address;
//   - block 11: the exchange spends that deposit with its hot wallet's coin
//     to pay a customer.
func buildBitcoin(inbound [32]byte, ethTime uint64) (*demoBitcoin, error) {
	net := bitcoin.Regtest.Params()
	start := demoBitcoinStart
	if after := time.Unix(int64(ethTime), 0).Add(demoBitcoinSpacing); !start.After(after) {
		start = after.Truncate(time.Minute)
	}
	d := &demoBitcoin{chain: btcbuild.NewChain(net, start, demoBitcoinSpacing), blocks: map[string]int32{},
		vault: demoBTCAddress("vault"), dest: demoBTCAddress("dest"), dest2: demoBTCAddress("dest2"),
		deposit: demoBTCAddress("deposit"), hot: demoBTCAddress("exchange hot wallet")}
	k := demoKey
	miner, vault, hot, dest, dest2 := k("miner"), k("vault"), k("exchange hot wallet"), k("dest"), k("dest2")
	coord := k("whirlpool coordinator fee")
	coMixers := []string{"A", "B", "C", "D"}

	var err error
	mine := func(step string, reward *btcbuild.Key, txs ...*wire.MsgTx) {
		if err != nil {
			return
		}
		if _, err = d.chain.Mine(reward, txs...); err != nil {
			err = fmt.Errorf("%s: %w", step, err)
			return
		}
		d.blocks[step] = d.chain.Height()
	}
	spend := func(coins []btcbuild.Coin, outs ...*wire.TxOut) *wire.MsgTx {
		if err != nil {
			return nil
		}
		var tx *wire.MsgTx
		tx, err = btcbuild.Spend(coins, outs...)
		return tx
	}
	coinbase := func(k *btcbuild.Key) btcbuild.Coin { // the last block's coinbase output, which pays k
		bs := d.chain.Blocks()
		return btcbuild.CoinOf(bs[len(bs)-1].Transactions[0], 0, k)
	}

	// Blocks 1-3: funding.
	mine("vault funded", vault)
	vaultCoin := coinbase(vault)
	mine("exchange funded", hot)
	hotCoin := coinbase(hot)
	outs := []*wire.TxOut{btcbuild.Pay(dest2, demoOwnCoin)}
	for _, m := range coMixers {
		outs = append(outs, btcbuild.Pay(k("co-mixer "+m), demoCoMixCoin))
	}
	change := hotCoin.Value - demoOwnCoin - int64(len(coMixers))*demoCoMixCoin - demoFee
	withdrawals := spend([]btcbuild.Coin{hotCoin}, append(outs, btcbuild.Pay(hot, change))...)
	mine("exchange withdrawals", miner, withdrawals)
	if err != nil {
		return nil, err
	}

	// Block 4: the co-mixers' TX0s. Each has an OP_RETURN (a real TX0's
	// holds an encrypted 46-byte payload), the coordinator's fee, one
	// premix and change.
	var tx0s []*wire.MsgTx
	for i, m := range coMixers {
		premix := int64(demoPremix)
		if i == 0 {
			premix = demoPool // A remixes: its coin is exactly the pool value
		}
		own := btcbuild.CoinOf(withdrawals, i+1, k("co-mixer "+m))
		tx0s = append(tx0s, spend([]btcbuild.Coin{own}, btcbuild.OpReturn(demoTX0Payload(m)), btcbuild.Pay(coord, demoPoolFee),
			btcbuild.Pay(k("co-mixer premix "+m), premix), btcbuild.Pay(k("co-mixer change "+m), own.Value-demoPoolFee-premix-demoFee)))
	}
	mine("co-mixer TX0s", miner, tx0s...)

	// Block 5: THORChain's outbound: the payout to dest, the vault's change
	// and the memo naming the inbound, uppercase hex without 0x.
	memo := "OUT:" + strings.ToUpper(fmt.Sprintf("%x", inbound))
	payout := spend([]btcbuild.Coin{vaultCoin}, btcbuild.Pay(dest, demoPayout),
		btcbuild.Pay(vault, vaultCoin.Value-demoPayout-demoFee), btcbuild.OpReturn([]byte(memo)))
	mine("bridge payout", miner, payout)

	// Block 6: the launderer's TX0.
	if err != nil {
		return nil, err
	}
	in := []btcbuild.Coin{btcbuild.CoinOf(payout, 0, dest), btcbuild.CoinOf(withdrawals, 0, dest2)}
	tx0Outs := []*wire.TxOut{btcbuild.OpReturn(demoTX0Payload("launderer")), btcbuild.Pay(coord, demoPoolFee)}
	for i := range 5 {
		tx0Outs = append(tx0Outs, btcbuild.Pay(k(fmt.Sprintf("premix %d", i)), demoPremix))
	}
	tx0Change := int64(demoPayout + demoOwnCoin - demoPoolFee - 5*demoPremix - demoTX0Fee)
	tx0 := spend(in, append(tx0Outs, btcbuild.Pay(k("tx0 change"), tx0Change))...)
	mine("TX0", miner, tx0)

	// Block 7: the mix. Inputs: A's remix coin, B's premix, the
	// launderer's first premix, C's and D's; five outputs of the pool
	// value, the launderer's third.
	if err != nil {
		return nil, err
	}
	mixIn := []btcbuild.Coin{btcbuild.CoinOf(tx0s[0], 2, k("co-mixer premix A")), btcbuild.CoinOf(tx0s[1], 2, k("co-mixer premix B")),
		btcbuild.CoinOf(tx0, 2, k("premix 0")), btcbuild.CoinOf(tx0s[2], 2, k("co-mixer premix C")), btcbuild.CoinOf(tx0s[3], 2, k("co-mixer premix D"))}
	postmix := []*btcbuild.Key{k("postmix A"), k("postmix B"), k("postmix"), k("postmix C"), k("postmix D")}
	var mixOut []*wire.TxOut
	for _, p := range postmix {
		mixOut = append(mixOut, btcbuild.Pay(p, demoPool))
	}
	mix := spend(mixIn, mixOut...)
	mine("whirlpool mix", miner, mix)

	// Blocks 8-10: the peel chain. Each step pays one amount and keeps the
	// (larger) rest; the second step lists its change first.
	if err != nil {
		return nil, err
	}
	coin := btcbuild.CoinOf(mix, 2, postmix[2])
	for i, amount := range demoPeels {
		payee := k(fmt.Sprintf("payee %d", i+1))
		if i == len(demoPeels)-1 {
			payee = k("deposit")
		}
		ch := k(fmt.Sprintf("peel change %d", i+1))
		pay, keep := btcbuild.Pay(payee, amount), btcbuild.Pay(ch, coin.Value-amount-demoPeelFee)
		outs, changeAt := []*wire.TxOut{pay, keep}, 1
		if i == 1 {
			outs, changeAt = []*wire.TxOut{keep, pay}, 0
		}
		step := spend([]btcbuild.Coin{coin}, outs...)
		mine(fmt.Sprintf("peel %d", i+1), miner, step)
		if err != nil {
			return nil, err
		}
		coin = btcbuild.CoinOf(step, changeAt, ch)
		if i == len(demoPeels)-1 {
			coin = btcbuild.CoinOf(step, 1-changeAt, payee)
		}
	}

	// Block 11: the exchange co-spends the deposit with its own coin.
	hotChange := btcbuild.CoinOf(withdrawals, len(coMixers)+1, hot)
	cospend := spend([]btcbuild.Coin{hotChange, coin}, btcbuild.Pay(k("exchange customer"), demoWithdrawal),
		btcbuild.Pay(hot, hotChange.Value+coin.Value-demoWithdrawal-demoFee))
	mine("exchange co-spend", miner, cospend)
	if err != nil {
		return nil, err
	}
	return d, nil
}

// demoTX0Payload stands in for a TX0's encrypted OP_RETURN payload: 46
// bytes that read as no memo.
func demoTX0Payload(who string) []byte {
	a, b := sha256.Sum256([]byte("tx0 "+who)), sha256.Sum256([]byte("tx0 more "+who))
	return append(a[:], b[:14]...)
}

// writeBlockFile writes the chain's blocks to path, framed as blk*.dat.
func (d *demoBitcoin) writeBlockFile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := btcbuild.WriteBlockFile(f, bitcoin.Regtest.Params(), d.chain.Blocks()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func bigInt(sats int64) *big.Int { return big.NewInt(sats) }
