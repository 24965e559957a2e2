package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/wire/v2"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/chains/bitcoin"
	"github.com/houndtrace/hound/chains/bitcoin/btcdtest"
	"github.com/houndtrace/hound/store"
)

// TestClusterBitcoinAddress builds, on a real btcd regtest node, a
// transaction that spends an unlabelled address's coin together with a
// labelled exchange's, and a Whirlpool-shaped 5x5 CoinJoin (five P2WPKH
// inputs of distinct keys, one of exactly the 0.05 BTC pool value and the
// others above it by at most 110,000 sat, five outputs of exactly
// 5,000,000 sat), syncs them with hound sync, and asks hound address for
// the clusters: the unlabelled address is in the exchange's cluster, and a
// CoinJoin participant is in nobody's, though another participant carries
// a label. A store synced without the CoinJoin judgement shows that the
// judgement, not the shape of the data, kept the participants apart.
func TestClusterBitcoinAddress(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	n, err := btcdtest.Start(ctx, t, btcdtest.Options{Seed: "hound-cluster"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Generate(ctx, btcdtest.CoinbaseMaturity+1); err != nil {
		t.Fatal(err)
	}
	w := n.Wallet
	addr := func(key int) string {
		a, err := w.Address(btcdtest.P2WPKH, key)
		if err != nil {
			t.Fatal(err)
		}
		return a.String()
	}
	out := func(v int64, key int) *wire.TxOut { return wire.NewTxOut(v, w.Script(btcdtest.P2WPKH, key)) }
	must := func(tx *wire.MsgTx, err error) *wire.MsgTx {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return tx
	}
	mine := func(txs ...*wire.MsgTx) {
		t.Helper()
		if _, err := n.Mine(ctx, txs...); err != nil {
			t.Fatal(err)
		}
	}

	// Block 102: fund the deposit address, the exchange and the five
	// participants, outputs 0-6 in that order.
	const deposit, exchange, hot = 2, 3, 4
	const pool = 5_000_000
	participants := []int{20, 21, 22, 23, 24}
	premixes := []int64{pool, pool + 4_000, pool + 10_000, pool + 50_000, pool + 110_000}
	fundOuts := []*wire.TxOut{out(100_000_000, deposit), out(200_000_000, exchange)}
	for i, k := range participants {
		fundOuts = append(fundOuts, out(premixes[i], k))
	}
	fund := must(n.Send(ctx, fundOuts...))
	mine(fund)
	coins := func(idx ...int) []wire.OutPoint { return btcdtest.OutPoints(fund, idx...) }

	// Block 103: the exchange sweeps the deposit address's coin with one
	// of its own; the mix.
	coSpend := must(n.SpendExact(ctx, coins(0, 1), out(299_990_000, hot)))
	var mixOuts []*wire.TxOut
	for i := range 5 {
		mixOuts = append(mixOuts, out(pool, 30+i))
	}
	mix := must(n.SpendExact(ctx, coins(2, 3, 4, 5, 6), mixOuts...))
	mine(coSpend, mix)

	tmp := t.TempDir()
	dir := filepath.Join(tmp, "store")
	labelFile := filepath.Join(tmp, "labels.csv")
	if err := os.WriteFile(labelFile, []byte("chain,address,category,entity,actor,group,campaign,source,confidence\n"+
		fmt.Sprintf("bitcoin,%s,exchange,Test Exchange,,,,test case,service_data\n", addr(exchange))+
		fmt.Sprintf("bitcoin,%s,exchange,Mix Exchange,,,,test case,service_data\n", addr(participants[1]))), 0o644); err != nil {
		t.Fatal(err)
	}
	mustHound(t, btcSyncArgs(n, n.URL(), dir)...)

	// address runs hound address bitcoin:<key's address> --format json,
	// and returns the document and its "cluster" as raw JSON fields.
	address := func(key int) (addressJSON, map[string]json.RawMessage) {
		t.Helper()
		raw := mustHound(t, "address", "bitcoin:"+addr(key), "--format", "json", "--store", dir, "--labels", labelFile)
		var doc addressJSON
		var fields struct {
			Cluster map[string]json.RawMessage `json:"cluster"`
		}
		if err := json.Unmarshal([]byte(raw), &doc); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(raw), &fields); err != nil {
			t.Fatal(err)
		}
		if doc.Schema != "hound.address/v1" || doc.Address != addr(key) || doc.Range == nil || doc.Range.To != 103 || doc.Cluster == nil {
			t.Fatalf("hound address %s:\n%s", addr(key), raw)
		}
		return doc, fields.Cluster
	}

	// The unlabelled deposit address is in the exchange's cluster.
	doc, raw := address(deposit)
	want := `[{"address":"` + addr(exchange) + `","category":"exchange","entity":"Test Exchange","source":"test case"}]`
	if len(doc.Labels) != 0 || string(raw["size"]) != "2" || string(raw["complete"]) != "true" || compactJSON(t, raw["labelled"]) != want {
		t.Errorf("the deposit address: labels %+v, cluster %s %s %s; want size 2, complete, labelled %s",
			doc.Labels, raw["size"], raw["complete"], raw["labelled"], want)
	}
	table := mustHound(t, "address", "bitcoin:"+addr(deposit), "--store", dir, "--labels", labelFile)
	for _, line := range []string{
		"cluster: 2 addresses (spent from together, CoinJoins excluded)",
		"in the cluster of Test Exchange: co-spent with " + addr(exchange) + " (exchange, Test Exchange)",
	} {
		if !strings.Contains(table, line) {
			t.Errorf("the deposit address's table lacks %q:\n%s", line, table)
		}
	}
	// The exchange's cluster holds the deposit address, which has no label.
	if doc, _ := address(exchange); doc.Cluster.Size != 2 || !doc.Cluster.Complete || len(doc.Cluster.Labelled) != 0 {
		t.Errorf("the exchange's cluster: %+v", doc.Cluster)
	}

	// No CoinJoin participant is clustered with another, labelled or not.
	for _, k := range participants {
		if doc, _ := address(k); doc.Cluster.Size != 1 || !doc.Cluster.Complete || len(doc.Cluster.Labelled) != 0 {
			t.Errorf("CoinJoin participant %s: cluster %+v, want the address alone", addr(k), doc.Cluster)
		}
	}
	if table := mustHound(t, "address", "bitcoin:"+addr(participants[0]), "--store", dir, "--labels", labelFile); !strings.Contains(table, "cluster: the address alone") ||
		strings.Contains(table, "Mix Exchange") {
		t.Errorf("a CoinJoin participant's table:\n%s", table)
	}

	// Synced with no CoinJoin judgement, the mix clusters its five inputs:
	// the participants were kept apart by the judgement alone.
	st, err := store.Open(filepath.Join(tmp, "unjudged"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	src, err := bitcoin.Dial(ctx, bitcoin.Config{URL: n.URL(), User: btcdtest.User, Pass: btcdtest.Pass, Network: bitcoin.Regtest})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Sync(ctx, src, store.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	members, complete, err := st.Cluster(ctx, chains.Bitcoin, chains.Address(addr(participants[0])), 100)
	if err != nil || !complete || len(members) != 5 {
		t.Errorf("without the judgement, participant %s's cluster: %v %v %v; want the five participants", addr(participants[0]), members, complete, err)
	}
}

// compactJSON returns raw without insignificant space.
func compactJSON(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
