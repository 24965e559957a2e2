package bitcoin

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/wire/v2"

	"github.com/houndtrace/hound/chains"
)

// Network is one Bitcoin network: its name, the magic that frames its
// blocks in block files, its genesis block and how its addresses are
// written.
type Network struct {
	// Name is the network's canonical name: mainnet, testnet3, testnet4,
	// signet, regtest or simnet.
	Name   string
	params *chaincfg.Params
}

// The networks Hound knows, wrapping btcd's chain parameters.
var (
	Mainnet  = &Network{Name: "mainnet", params: &chaincfg.MainNetParams}
	Testnet3 = &Network{Name: "testnet3", params: &chaincfg.TestNet3Params}
	Testnet4 = &Network{Name: "testnet4", params: &chaincfg.TestNet4Params}
	Signet   = &Network{Name: "signet", params: &chaincfg.SigNetParams}
	Regtest  = &Network{Name: "regtest", params: &chaincfg.RegressionNetParams}
	Simnet   = &Network{Name: "simnet", params: &chaincfg.SimNetParams}
)

// Networks lists every known network.
func Networks() []*Network {
	return []*Network{Mainnet, Testnet3, Testnet4, Signet, Regtest, Simnet}
}

// ParseNetwork returns the network called name. It takes the canonical
// names, "testnet" for testnet3 (the testnet Bitcoin Core means by
// -testnet) and "main" for mainnet, in any case.
func ParseNetwork(name string) (*Network, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	switch n {
	case "main", "":
		n = Mainnet.Name
	case "testnet":
		n = Testnet3.Name
	}
	for _, net := range Networks() {
		if net.Name == n {
			return net, nil
		}
	}
	return nil, fmt.Errorf("unknown bitcoin network %q (known: mainnet, testnet, testnet4, signet, regtest, simnet)", name)
}

// ID is how the network is recorded in the store: "bitcoin:<name>".
func (n *Network) ID() string { return string(chains.Bitcoin) + ":" + n.Name }

// String returns the network's name.
func (n *Network) String() string { return n.Name }

// Magic is the network's message start, which also frames each block in
// Bitcoin Core's block files.
func (n *Network) Magic() wire.BitcoinNet { return n.params.Net }

// magicBytes is Magic as it appears in a file.
func (n *Network) magicBytes() [4]byte {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], uint32(n.params.Net))
	return b
}

// Genesis returns the hash of the network's genesis block, in display
// order.
func (n *Network) Genesis() chains.Hash { return displayHash(n.params.GenesisHash) }

// Params returns btcd's parameters of the network. The caller must not
// change them.
func (n *Network) Params() *chaincfg.Params { return n.params }

// networkByMagic returns the known network whose blocks are framed with
// magic m.
func networkByMagic(m [4]byte) (*Network, bool) {
	for _, net := range Networks() {
		if net.magicBytes() == m {
			return net, true
		}
	}
	return nil, false
}

// networkByGenesis returns the known network whose genesis block is h.
// Testnet3 and Testnet4 differ; no two known networks share a genesis.
func networkByGenesis(h chains.Hash) (*Network, bool) {
	for _, net := range Networks() {
		if net.Genesis() == h {
			return net, true
		}
	}
	return nil, false
}
