package labels

import (
	"bytes"
	_ "embed"
	"fmt"
	"sync"
)

//go:generate go run ./internal/gen

// builtinJSON is the built-in label set in Hound's JSON, written by
// internal/gen from ../shared/data.
//
//go:embed builtin/builtin.json
var builtinJSON []byte

// builtinName names the embedded file in errors.
const builtinName = "labels/builtin/builtin.json"

var builtin = sync.OnceValue(func() *Set {
	s, err := loadBuiltin()
	if err != nil {
		panic(fmt.Sprintf("labels: the built-in set does not load (regenerate it with go generate ./labels): %v", err))
	}
	return s
})

// Builtin returns the label set compiled into Hound: DPRK theft and
// laundering addresses (OFAC SDN entries linked to DPRK units, the FBI's
// lists for Harmony 2022, Stake.com 2023 and Bybit 2025, the Ronin
// exploiter), mixers (Tornado Cash pools and router, Blender.io, Sinbad.io,
// ChipMixer, the Wasabi coordinator), bridges (THORChain routers, the
// Avalanche, Ronin, Harmony Horizon, Wormhole and Multichain bridges, ...),
// and exchange wallets (Ethereum wallets of the major exchanges from
// Etherscan, Bitcoin wallets from the GraphSense TagPacks), each with its
// primary source. It is loaded on first use and shared.
func Builtin() *Set { return builtin() }

func loadBuiltin() (*Set, error) {
	imp, err := ReadJSON(bytes.NewReader(builtinJSON), Options{Strict: true, Name: builtinName})
	if err != nil {
		return nil, err
	}
	return NewSet(imp.Labels)
}
