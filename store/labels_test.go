package store

import (
	"errors"
	"fmt"
	"testing"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/labels"
)

func testLabels(n int, entity string) []labels.Label {
	var out []labels.Label
	for i := 0; i < n; i++ {
		out = append(out, labels.Label{Chain: chains.Ethereum, Address: chains.Address(fmt.Sprintf("0x%040x", i+1)),
			Category: labels.Exchange, Entity: entity, Source: "test", Confidence: labels.ServiceData})
	}
	return out
}

func TestLabelSetsReplaceWhole(t *testing.T) {
	dir := t.TempDir()
	s := openTemp(t, dir)
	if err := s.PutLabels(LabelSet{Name: "exchanges", Format: "csv", Files: "x.csv"}, testLabels(2500, "Binance")); err != nil {
		t.Fatal(err)
	}
	if err := s.PutLabels(LabelSet{Name: "exchanges2"}, testLabels(3, "Kraken")); err != nil {
		t.Fatal(err)
	}
	// Re-importing a source replaces its set: fewer labels, other content.
	if err := s.PutLabels(LabelSet{Name: "exchanges", Format: "csv", Files: "y.csv"}, testLabels(1200, "OKX")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openTemp(t, dir)
	got, err := s.Labels("exchanges")
	if err != nil || len(got) != 1200 || got[0].Entity != "OKX" || got[1199].Address != "0x00000000000000000000000000000000000004b0" {
		t.Fatalf("replaced set: %d labels, %v", len(got), err)
	}
	sets, err := s.LabelSets()
	if err != nil || len(sets) != 2 || sets[0].Name != "exchanges" || sets[0].Count != 1200 || sets[0].Files != "y.csv" || sets[1].Count != 3 {
		t.Fatalf("sets %+v, %v", sets, err)
	}
	// No chunk of the old generation is left behind.
	n := 0
	s.Each(func(k, _ []byte) error {
		if k[0] == prefixLabels && k[1] == byte(len("exchanges")) && string(k[2:11]) == "exchanges" {
			n++
		}
		return nil
	})
	if n != 2 {
		t.Fatalf("%d chunks of exchanges, want 2", n)
	}
	if err := s.DeleteLabels("exchanges2"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Labels("exchanges2"); !errors.Is(err, ErrNoLabelSet) {
		t.Fatalf("deleted set: %v", err)
	}
}
