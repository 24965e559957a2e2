package ethtest

import (
	"bytes"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/ethereum/go-ethereum/accounts/abi"
)

// combinedJSON is the compiler output written by contracts/build.sh.
//
//go:embed contracts/build/combined.json
var combinedJSON []byte

// contract is one compiled fixture contract.
type contract struct {
	abi abi.ABI
	bin []byte
}

// contracts holds the fixture contracts by name. The JSON is generated and
// committed, and the tests parse it, so a failure here is an impossible state.
var contracts = mustParseContracts(combinedJSON)

func mustParseContracts(data []byte) map[string]contract {
	parsed, err := parseContracts(data)
	if err != nil {
		panic(fmt.Sprintf("ethtest: embedded contracts/build/combined.json: %v", err))
	}
	return parsed
}

func parseContracts(data []byte) (map[string]contract, error) {
	var file struct {
		Contracts map[string]struct {
			ABI json.RawMessage `json:"abi"`
			Bin string          `json:"bin"`
		} `json:"contracts"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	out := make(map[string]contract, len(file.Contracts))
	for name, c := range file.Contracts {
		parsed, err := abi.JSON(bytes.NewReader(c.ABI))
		if err != nil {
			return nil, fmt.Errorf("contract %s: abi: %w", name, err)
		}
		bin, err := hex.DecodeString(c.Bin)
		if err != nil {
			return nil, fmt.Errorf("contract %s: bin: %w", name, err)
		}
		out[name] = contract{abi: parsed, bin: bin}
	}
	return out, nil
}

// lookup returns the named fixture contract or an error naming it.
func lookup(name string) (contract, error) {
	c, ok := contracts[name]
	if !ok {
		return contract{}, fmt.Errorf("unknown contract %q", name)
	}
	return c, nil
}

// ABI returns the parsed ABI of the named fixture contract ("Token", "WETH",
// "Mixer", "Router", "Splitter" or "Destructible"), or an empty ABI for any
// other name.
func ABI(name string) abi.ABI {
	return contracts[name].abi
}

// Bytecode returns a copy of the creation bytecode of the named fixture
// contract, without constructor arguments, or nil for an unknown name.
func Bytecode(name string) []byte {
	c, ok := contracts[name]
	if !ok {
		return nil
	}
	return bytes.Clone(c.bin)
}
