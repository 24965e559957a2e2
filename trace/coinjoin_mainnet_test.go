package trace_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/chains/bitcoin"
	"github.com/houndtrace/hound/trace"
)

// mainnetDataDir holds real mainnet blocks copied from btcd's test data;
// see ../shared/data/PROVENANCE.md beside the repository.
const mainnetDataDir = "../../shared/data/chain/btcd-2c67bc2"

// mainnetBlock reads and parses a real mainnet block. Its inputs are
// unresolved: the blocks they spend from are not in the data.
func mainnetBlock(t *testing.T, hash string, height uint64) *chains.Block {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(mainnetDataDir, "block-"+hash+".blk"))
	if err != nil {
		t.Fatalf("real block data missing (see ../shared/data/PROVENANCE.md): %v", err)
	}
	b, err := bitcoin.ParseBlock(raw, height, bitcoin.Mainnet)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMainnetCoinJoins runs the detectors over two real blocks of the
// Wasabi 1 coordinator-address era (530,500 to 609,999; 574,200 also lies
// after Whirlpool's first height). Their inputs are unresolved, so of
// DetectCoinJoin's rules only Wasabi 1's coordinator rule can fire; the
// test screens the rest by their output-side conditions alone. Neither
// block holds a CoinJoin by any of them: no output pays a Wasabi
// coordinator, none has a Whirlpool mix's shape or a JoinMarket join's.
// What has three or more equal outputs (26 transactions in block 574,200,
// none in 540,107) is batch payouts from one or two inputs, which every
// rule rejects.
func TestMainnetCoinJoins(t *testing.T) {
	tests := []struct {
		hash   string
		height uint64
		equal3 int // transactions with three or more outputs of one value
	}{
		{"00000000000000000021868c2cefc52a480d173c849412fe81c4e5ab806f94ab", 540_107, 0},
		{"0000000000000000001602407ac49862a7bca9d00f7f402db20b7be2f5de59d2", 574_200, 26},
	}
	for _, tt := range tests {
		b := mainnetBlock(t, tt.hash, tt.height)
		cc := trace.CoinJoinContext{Height: tt.height, Mainnet: true}
		equal3 := 0
		for i := range b.UTXOTxs {
			tx := &b.UTXOTxs[i]
			if kind, ok := trace.DetectCoinJoin(tx, cc); ok {
				t.Errorf("block %d tx %s: detected %s", tt.height, tx.Hash.Format(chains.Bitcoin), kind)
			}
			if trace.LooksLikeCoinJoin(tx) {
				t.Errorf("block %d tx %s: looks like a CoinJoin with unresolved inputs", tt.height, tx.Hash.Format(chains.Bitcoin))
			}
			if whirlpoolShape(tx) || joinMarketShape(tx) {
				t.Errorf("block %d tx %s: has a CoinJoin's outputs", tt.height, tx.Hash.Format(chains.Bitcoin))
			}
			if _, n := equalOutputs(tx); n >= 3 {
				equal3++
			}
		}
		if equal3 != tt.equal3 {
			t.Errorf("block %d: %d transactions with 3 or more equal outputs, want %d", tt.height, equal3, tt.equal3)
		}
	}
}

// equalOutputs returns the most common output value and its count.
func equalOutputs(tx *chains.UTXOTx) (uint64, int) {
	count := make(map[uint64]int)
	var v uint64
	n := 0
	for _, o := range tx.Outputs {
		if count[o.Value]++; count[o.Value] > n {
			v, n = o.Value, count[o.Value]
		}
	}
	return v, n
}

// whirlpoolShape is the output side of the Whirlpool rule: as many inputs
// as outputs, 5 to 10, every output P2WPKH and of one pool value.
func whirlpoolShape(tx *chains.UTXOTx) bool {
	v, n := equalOutputs(tx)
	if n != len(tx.Outputs) || n < 5 || n > 10 || len(tx.Inputs) != n || !slices.Contains([]uint64{100_000, 1_000_000, 5_000_000, 50_000_000}, v) {
		return false
	}
	for _, o := range tx.Outputs {
		if o.Kind != chains.ScriptP2WPKH {
			return false
		}
	}
	return true
}

// joinMarketShape is the output side of the JoinMarket-like rule: one value
// shared by n ≥ 3 outputs above dust and by no other, n or n−1 other
// outputs, at least n inputs and n distinct output addresses.
func joinMarketShape(tx *chains.UTXOTx) bool {
	v, n := equalOutputs(tx)
	count := make(map[uint64]int)
	addrs := make(map[chains.Address]bool)
	for _, o := range tx.Outputs {
		count[o.Value]++
		addrs[o.Address] = true
	}
	for w, c := range count {
		if w != v && c > 1 {
			return false
		}
	}
	others := len(tx.Outputs) - n
	return n >= 3 && v > 546 && (others == n || others == n-1) && len(tx.Inputs) >= n && len(addrs) >= n
}

// TestMainnetPeelChains finds the peel chains each real block holds within
// itself (each step's change spent by the next step in the same block).
// Block 540,107 has six, three of them nine transactions long paying 5,704
// sat to a new address at each step; block 574,200 has 65, the longest of
// 25 steps.
func TestMainnetPeelChains(t *testing.T) {
	tests := []struct {
		hash    string
		height  uint64
		chains  int // peel chains found
		steps   int // transactions in them
		longest int
		ended   int // chains whose last change a non-peel spends in the block
	}{
		{"00000000000000000021868c2cefc52a480d173c849412fe81c4e5ab806f94ab", 540_107, 6, 37, 9, 0},
		{"0000000000000000001602407ac49862a7bca9d00f7f402db20b7be2f5de59d2", 574_200, 65, 412, 25, 6},
	}
	for _, tt := range tests {
		b := mainnetBlock(t, tt.hash, tt.height)
		txs := make([]*chains.UTXOTx, len(b.UTXOTxs))
		spender := make(map[chains.Outpoint]*chains.UTXOTx)
		for i := range b.UTXOTxs {
			txs[i] = &b.UTXOTxs[i]
			for _, in := range txs[i].Inputs {
				spender[in.Prev] = txs[i]
			}
		}
		pcs := trace.PeelChains(txs, func(p chains.Outpoint) (*chains.UTXOTx, bool) {
			tx, ok := spender[p]
			return tx, ok
		})
		steps, longest, ended := 0, 0, 0
		for _, c := range pcs {
			steps += c.Len()
			longest = max(longest, c.Len())
			if !c.End.IsZero() {
				ended++
			}
		}
		if len(pcs) != tt.chains || steps != tt.steps || longest != tt.longest || ended != tt.ended {
			t.Errorf("block %d: %d chains of %d steps, longest %d, %d ended; want %d, %d, %d, %d",
				tt.height, len(pcs), steps, longest, ended, tt.chains, tt.steps, tt.longest, tt.ended)
		}
		if tt.height != 540_107 {
			continue
		}
		// One chain in full: four steps of 30,000 sat from 0.174 BTC.
		want := []struct {
			tx     string
			to     chains.Address
			change uint64
		}{
			{"ba4927f02633be4a61a91f7a29a7ef705dff73daf0b0fcae3d7f926988c1b238", "1HkVRjm2tgv7PYHoLoir8KF2EgogBigB15", 17_373_446},
			{"11e2facce4f2e8e168445b225a9aff68e1611649cbc49e2bf616eb0100b55e74", "18YS39RejobV2ogSrM5BWz69RWxjR8Wspy", 17_338_406},
			{"c4363148a661251456837322f0043ecac0fe5f9f105aff45423301c97466304b", "16sq9X7XH9eHBD1FJyeJBdASehE4v926TN", 17_303_366},
			{"c31b5385abb1fbfcb34a37b41f7fdba6738b877b164d0e67fc2d9f5a1aae093a", "1bBX3TTvYQ7956TPnuTQtXhoSY34Sa6tB", 17_268_326},
		}
		i := slices.IndexFunc(pcs, func(c trace.PeelChain) bool { return c.Steps[0].Tx.Format(chains.Bitcoin) == want[0].tx })
		if i < 0 {
			t.Fatalf("block %d: no chain from %s", tt.height, want[0].tx)
		}
		c := pcs[i]
		if c.Len() != len(want) || c.Total != 120_000 || !c.End.IsZero() {
			t.Fatalf("block %d: chain from %s: %d steps, total %d; want 4 paying 120,000", tt.height, want[0].tx, c.Len(), c.Total)
		}
		for j, w := range want {
			s := c.Steps[j]
			if s.Tx.Format(chains.Bitcoin) != w.tx || s.Payment.Address != w.to || s.Payment.Amount != 30_000 || s.Change.Amount != w.change {
				t.Errorf("step %d: %s pays %d to %s, keeps %d; want %+v", j, s.Tx.Format(chains.Bitcoin), s.Payment.Amount, s.Payment.Address, s.Change.Amount, w)
			}
		}
	}
}
