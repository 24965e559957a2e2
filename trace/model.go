package trace

import (
	"errors"
	"fmt"
	"strings"
)

// Model is a taint model: the rule that shares the tainted part of a node's
// inflows among its outflows. The zero value is Haircut, the default.
type Model uint8

// The taint models. Their numbers may be stored with a saved case: append,
// never reorder.
const (
	// Haircut shares taint pro rata: every outflow carries the node's
	// tainted fraction of its amount.
	Haircut Model = iota
	// Poison taints every outflow in full once any taint has arrived.
	Poison
	// FIFO (first in, first out; Clayton's case) sends the oldest value
	// first.
	FIFO
	// LIFO (last in, first out) sends the newest value first.
	LIFO
	// TIHO (taint in, highest out) sends the tainted value first: on a UTXO
	// transaction into the largest outputs, at an account into whatever
	// leaves next.
	TIHO
)

// DefaultModel is the model a run uses unless the user picks another.
const DefaultModel = Haircut

// Models lists every model in numeric order.
var Models = []Model{Haircut, Poison, FIFO, LIFO, TIHO}

var modelNames = [...]string{
	Haircut: "haircut",
	Poison:  "poison",
	FIFO:    "fifo",
	LIFO:    "lifo",
	TIHO:    "tiho",
}

// ErrUnknownModel is returned for a Model value or name that is not one of
// Models.
var ErrUnknownModel = errors.New("unknown taint model")

// ErrInvalidAmount is returned for an amount or a taint that cannot be: a
// negative or missing amount, a taint above its amount, outputs that spend
// more than their inputs, a sum that overflows.
var ErrInvalidAmount = errors.New("invalid amount")

// String returns the model's name as written on the command line and in
// JSON: haircut, poison, fifo, lifo or tiho.
func (m Model) String() string {
	if m.known() {
		return modelNames[m]
	}
	return fmt.Sprintf("model(%d)", uint8(m))
}

// ParseModel reads a model name from user input, ignoring case and
// surrounding space.
func ParseModel(s string) (Model, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	for _, m := range Models {
		if modelNames[m] == name {
			return m, nil
		}
	}
	return 0, fmt.Errorf("%w %q (known: %s)", ErrUnknownModel, s, strings.Join(modelNames[:], ", "))
}

// MarshalText writes the model's name, so a Model field reads as a name in
// JSON.
func (m Model) MarshalText() ([]byte, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	return []byte(m.String()), nil
}

// UnmarshalText reads a model name as ParseModel does.
func (m *Model) UnmarshalText(b []byte) error {
	p, err := ParseModel(string(b))
	if err != nil {
		return err
	}
	*m = p
	return nil
}

func (m Model) known() bool { return int(m) < len(modelNames) }

func (m Model) check() error {
	if !m.known() {
		return fmt.Errorf("%w %v", ErrUnknownModel, m)
	}
	return nil
}
