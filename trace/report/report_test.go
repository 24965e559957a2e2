package report

import (
	"bytes"
	"math/big"
	"strings"
	"testing"

	"github.com/houndtrace/hound/chains"
)

func TestUnits(t *testing.T) {
	tests := []struct {
		v        string // base units
		decimals uint8
		want     string
	}{
		{"1500000000000000000", 18, "1.5"},
		{"1", 18, "0.000000000000000001"},
		{"0", 18, "0"},
		{"-25000000", 6, "-25"},
		{"2550000000000", 6, "2550000"},
		{"123", 0, "123"},
		{"100000000", 8, "1"},
	}
	for _, tt := range tests {
		v, _ := new(big.Int).SetString(tt.v, 10)
		if got := Units(v, tt.decimals); got != tt.want {
			t.Errorf("Units(%s, %d) = %q, want %q", tt.v, tt.decimals, got, tt.want)
		}
	}
}

// ether names the native asset only.
type ether struct{}

func (ether) Token(_ chains.Chain, a chains.Asset) chains.Token {
	if a == chains.Native {
		return chains.Token{Asset: a, Symbol: "ETH", Decimals: 18, Known: true}
	}
	return chains.Token{Asset: a}
}

func TestCSVAndDOT(t *testing.T) {
	d := &Document{Model: "haircut", Seeds: []string{"ethereum:0xa"},
		Nodes: []Node{{ID: "ethereum:0xa", Address: "0xa"}, {ID: "ethereum:0xb", Address: "0xb",
			Labels: []NodeLabel{{Category: "exchange", Entity: `Ex "One"`, Source: "s"}}}},
		Edges: []Edge{{ID: 0, Chain: "ethereum", Tx: "0x01", Block: 7, From: "ethereum:0xa", To: "ethereum:0xb",
			Asset: "native", Amount: "2000000000000000000", Tainted: "1500000000000000000", Hop: 1}},
		Findings: []Finding{{Kind: "exchange", EdgeID: 0}}}
	var csv, dot bytes.Buffer
	if err := WriteCSV(&csv, d, ether{}); err != nil {
		t.Fatal(err)
	}
	want := "ethereum,7,0x01,,ethereum:0xa,ethereum:0xb,native,2000000000000000000,1500000000000000000,1.5 ETH,1,exchange"
	if lines := strings.Split(strings.TrimSpace(csv.String()), "\n"); len(lines) != 2 || lines[1] != want {
		t.Fatalf("csv:\n%s", csv.String())
	}
	if err := WriteDOT(&dot, d, ether{}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`"ethereum:0xb" [label="Ex \"One\"\n0xb", fillcolor="#1565c0"`, `"ethereum:0xa" [label="0xa", fillcolor="#eeeeee", fontcolor="black", penwidth=3]`,
		`"ethereum:0xa" -> "ethereum:0xb" [label="1.5 ETH"]`} {
		if !strings.Contains(dot.String(), s) {
			t.Errorf("dot lacks %s:\n%s", s, dot.String())
		}
	}
}
