package report

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/houndtrace/hound/chains"
)

// coins names ether and bitcoin.
type coins struct{}

func (coins) Token(c chains.Chain, a chains.Asset) chains.Token {
	switch {
	case a == chains.Native && c == chains.Bitcoin:
		return chains.Token{Asset: a, Symbol: "BTC", Decimals: 8, Known: true}
	case a == chains.Native:
		return chains.Token{Asset: a, Symbol: "ETH", Decimals: 18, Known: true}
	}
	return chains.Token{Asset: a}
}

func at(block int) string {
	return time.Unix(int64(1_800_000_000+block*12), 0).UTC().Format(time.RFC3339)
}

func eth(n int) string { return fmt.Sprintf("%d000000000000000000", n) }

// freezeDoc is a trace that reaches two exchanges every way the freeze
// packet knows: an Ethereum deposit address (Victor's heuristic) that
// sweeps two deposits at once, then one, then a clean one, and receives a
// fourth it has not swept; a Bitcoin deposit address the exchange spends
// with its own coin, paid twice by one transaction; and a labelled exchange
// wallet paid directly. A swap and a bridge leg lie on the way.
func freezeDoc() *Document {
	e := func(id int, chain, tx string, block int, from, to, amount, tainted string, hop int) Edge {
		return Edge{ID: id, Chain: chain, Tx: tx, Block: uint64(block), Time: at(block), From: from, To: to, Asset: "native",
			Amount: amount, Tainted: tainted, Hop: hop}
	}
	seed, d, x, hot2, router := "ethereum:0xseed", "ethereum:0xd", "ethereum:0xx", "ethereum:0xhot2", "ethereum:0xrouter"
	edges := []Edge{
		{ID: 0, Chain: "ethereum", Tx: "0x00", Block: 5, Time: at(5), From: seed + "/0xusdt", To: seed, Asset: "native", Amount: eth(20), Tainted: eth(20), Hop: 1},
		e(1, "ethereum", "0x01", 10, seed, d, eth(5), eth(5), 1),
		e(2, "ethereum", "0x02", 11, seed, d, eth(3), eth(3), 1),
		e(3, "ethereum", "0x03", 12, d, x, eth(8), eth(8), 2),
		e(4, "ethereum", "0x04", 20, seed, d, eth(1), eth(1), 1),
		e(5, "ethereum", "0x05", 21, d, x, eth(1), eth(1), 2),
		e(6, "ethereum", "0x06", 30, seed, d, eth(2), eth(2), 1),
		e(7, "ethereum", "0x07", 13, seed, router, eth(10), eth(10), 1),
		e(8, "bitcoin", "aa", 100, router, "bitcoin:tx:aa", "100000000", "50000000", 2),
		e(9, "bitcoin", "aa", 101, "bitcoin:tx:aa", "bitcoin:tx:bb", "100000000", "50000000", 3),
		e(10, "bitcoin", "bb", 102, "bitcoin:tx:bb", "bitcoin:tx:cc", "1000", "600", 4),
		e(11, "bitcoin", "bb", 102, "bitcoin:tx:bb", "bitcoin:tx:cc", "500", "300", 4),
		e(12, "ethereum", "0x0c", 25, d, x, eth(1), "0", 2),
		e(13, "ethereum", "0x0d", 6, seed, hot2, eth(2), eth(2), 1),
	}
	node := func(id, chain, addr string, labels ...NodeLabel) Node {
		if labels == nil {
			labels = []NodeLabel{}
		}
		return Node{ID: id, Chain: chain, Address: addr, Labels: labels, Tainted: []AssetAmount{}}
	}
	nodes := []Node{
		node(seed, "ethereum", "0xseed", NodeLabel{Category: "theft", Entity: "Test Thief </script><script>alert(1)</script>", Source: "FBI PSA"}),
		node(seed+"/0xusdt", "ethereum", "0xseed"),
		node(d, "ethereum", "0xd"),
		node(x, "ethereum", "0xx", NodeLabel{Category: "exchange", Entity: "Ex A", Source: "labels A"}),
		node(router, "ethereum", "0xrouter"),
		node("bitcoin:tx:aa", "bitcoin", "aa"),
		node("bitcoin:tx:bb", "bitcoin", "bb"),
		node("bitcoin:tx:cc", "bitcoin", "cc"),
		node(hot2, "ethereum", "0xhot2", NodeLabel{Category: "exchange", Entity: "Ex B", Source: "labels B"}),
	}
	dep := func(edge int, block int, amount, tainted string) Finding {
		return Finding{Kind: "exchange_deposit", Chain: "ethereum", Address: "0xd", Entity: "Ex A", Tx: edges[edge].Tx, Block: uint64(block),
			Time: at(block), Amount: amount, Tainted: tainted, Asset: "native", Hop: 2, Heuristic: "deposit-address", Confidence: "0.95",
			EdgeID: edge, Wallet: "0xx", Forwarded: edges[edge].Amount, ForwardedTainted: edges[edge].Tainted}
	}
	btc := func(edge int, amount, tainted string) Finding {
		return Finding{Kind: "exchange_deposit", Chain: "bitcoin", Address: "bc1qdep", Entity: "Ex A", Tx: "bb", Block: 102, Time: at(102),
			Amount: amount, Tainted: tainted, Asset: "native", Hop: 4, Heuristic: "co-spend", Confidence: "0.9", EdgeID: edge, Wallet: "bc1qhot"}
	}
	findings := []Finding{
		{Kind: "dex_swap", Chain: "ethereum", Address: "0xpair", Entity: "Pair", Tx: "0x00", Block: 5, Time: at(5), Amount: eth(20), Tainted: eth(20),
			Asset: "native", Hop: 1, Heuristic: "swap", Confidence: "1", EdgeID: 0},
		{Kind: "exchange", Chain: "ethereum", Address: "0xhot2", Entity: "Ex B", Tx: "0x0d", Block: 6, Time: at(6), Amount: eth(2), Tainted: eth(2),
			Asset: "native", Hop: 1, Heuristic: "label", Confidence: "1", EdgeID: 13, Source: "labels B", Category: "exchange"},
		dep(3, 12, eth(8), eth(8)),
		{Kind: "bridge", Chain: "ethereum", Address: "0xrouter", Entity: "THORChain-style router", Tx: "0x07", Block: 13, Time: at(13),
			Amount: eth(10), Tainted: eth(10), Asset: "native", Hop: 1, Heuristic: "memo", Confidence: "1", EdgeID: 7},
		dep(5, 21, eth(1), eth(1)),
		dep(12, 25, eth(1), "0"),
		btc(10, "1000", "600"),
		btc(11, "500", "300"),
		{Kind: "service", Chain: "ethereum", Address: "0xotc", Entity: "OTC", Tx: "0x0e", Block: 7, Time: at(7), Amount: "1", Tainted: "1",
			Asset: "native", Hop: 1, Heuristic: "label", Confidence: "1"},
	}
	return &Document{Schema: Schema, Version: "test", Model: "haircut", Seeds: []string{seed, seed + "/0xusdt"},
		Heights: map[string]uint64{"ethereum": 40, "bitcoin": 103}, Findings: findings, Nodes: nodes, Edges: edges}
}

func TestFreeze(t *testing.T) {
	rows := Freeze(freezeDoc(), coins{})
	type row struct{ exchange, address, chain, tx, amount, tainted, display, wallet, sweep, finding string }
	want := []row{
		// Ex A, by time: the two deposits D swept at block 12, the one it
		// swept at block 21 (the clean sweep at block 25 adds no row), the
		// one it has not swept; then the Bitcoin deposit, one row for the
		// transaction's two outputs to the address.
		{"Ex A", "0xd", "ethereum", "0x01", eth(5), eth(5), "5 ETH", "0xx", "0x03", "exchange_deposit"},
		{"Ex A", "0xd", "ethereum", "0x02", eth(3), eth(3), "3 ETH", "0xx", "0x03", "exchange_deposit"},
		{"Ex A", "0xd", "ethereum", "0x04", eth(1), eth(1), "1 ETH", "0xx", "0x05", "exchange_deposit"},
		{"Ex A", "0xd", "ethereum", "0x06", eth(2), eth(2), "2 ETH", "0xx", "", "exchange_deposit"},
		{"Ex A", "bc1qdep", "bitcoin", "bb", "1500", "900", "0.000009 BTC", "bc1qhot", "cc", "exchange_deposit"},
		// Ex B's own wallet, paid directly: the wallet is the address.
		{"Ex B", "0xhot2", "ethereum", "0x0d", eth(2), eth(2), "2 ETH", "0xhot2", "", "exchange"},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d: %+v", len(rows), len(want), rows)
	}
	for i, w := range want {
		r := rows[i]
		got := row{r.Exchange, r.DepositAddress, r.Chain, r.Tx, r.Amount, r.Tainted, r.TaintedDisplay, r.Wallet, r.SweepTx, r.Finding}
		if got != w {
			t.Errorf("row %d: %+v\nwant    %+v", i, got, w)
		}
	}
	if r := rows[0]; r.Block != 10 || r.Time != at(10) || r.Hop != 1 || r.Confidence != "0.95" || r.Heuristic != "deposit-address" || r.Symbol != "ETH" {
		t.Errorf("row 0: %+v", r)
	}

	var b bytes.Buffer
	if err := WriteFreezeCSV(&b, freezeDoc(), coins{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if lines[0] != strings.Join(FreezeColumns, ",") || len(lines) != len(want)+1 {
		t.Fatalf("csv:\n%s", b.String())
	}
	if want := "Ex A,bc1qdep,bitcoin,bb,102," + at(102) + ",1500,900,native,BTC,0.000015 BTC,0.000009 BTC,bc1qhot,cc,exchange_deposit,0.9,co-spend,4"; lines[5] != want {
		t.Errorf("csv row 5:\n%s\nwant\n%s", lines[5], want)
	}
}

func TestFreezeNothing(t *testing.T) {
	d := freezeDoc()
	d.Findings = d.Findings[:1] // the swap alone
	if rows := Freeze(d, coins{}); len(rows) != 0 {
		t.Errorf("rows %+v", rows)
	}
	var b bytes.Buffer
	if err := WriteFreezeCSV(&b, d, coins{}); err != nil || strings.TrimSpace(b.String()) != strings.Join(FreezeColumns, ",") {
		t.Errorf("csv %q, %v", b.String(), err)
	}
}
