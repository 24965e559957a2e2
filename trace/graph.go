package trace

import (
	"context"

	"github.com/houndtrace/hound/chains"
)

// Graph is the flow graph the tracer walks. The store implements it; tests
// of pure logic can describe a graph as a literal.
type Graph interface {
	// Flows calls fn with every flow of node n, in chain order.
	Flows(ctx context.Context, n chains.Node, fn func(chains.Flow) error) error
	// Assets lists the assets an account-chain address has flows of.
	Assets(ctx context.Context, c chains.Chain, a chains.Address) ([]chains.Asset, error)
}
