package main

import (
	"strings"
	"testing"
)

// TestDemo runs the README's first command: the scenario plays on an
// in-process chain, syncs over JSON-RPC, and the store shows the theft, the
// mixer deposits and the bridge deposit.
func TestDemo(t *testing.T) {
	out := mustHound(t, "demo")
	for _, want := range []string{
		"synced blocks 0-8: 9 blocks, 17 transactions, 54 transfers",
		"native 9  internal 7  token 2  fee 34  wrap 1  unwrap 1",
		"theft     Demo Bridge Exploiter  DPRK   Lazarus Group",
		"1000 ETH", "2550000 USDC", // the theft
		"500 ETH                              native",                                                              // five 100 ETH deposits in the pool
		"internal  0x8e21e4d238c405adc555a9c7be586290c5a042db  0x00000000000000000000000000000000000face5  40 ETH", // router to vault
		"1    bridge   THORChain-style router",                                                                     // the trace's findings: the bridge deposit, hop 1,
		"2    mixer    Tornado-style pool 100 ETH",                                                                 // and the pool deposits, hop 2
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(out)
	}
}
