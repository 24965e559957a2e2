package chains

import "context"

// HeadReader reports the height of a node's best chain.
type HeadReader interface {
	Head(ctx context.Context) (uint64, error)
}

// BlockSource is what a chain adapter offers the sync: the chain's identity,
// its head, block hashes (to check parent links after a reorg) and whole
// blocks.
type BlockSource interface {
	HeadReader
	// Chain names the chain the source serves.
	Chain() Chain
	// Network identifies the network (for example "chainid:1"), recorded at
	// the first sync so a later sync against another network is refused.
	Network(ctx context.Context) (string, error)
	// BlockHash returns the hash of the node's block at height n.
	BlockHash(ctx context.Context, n uint64) (Hash, error)
	// Block fetches the block at height n with all its transfers.
	Block(ctx context.Context, n uint64) (*Block, error)
}

// TokenReader reads a token contract's symbol and decimals.
type TokenReader interface {
	Token(ctx context.Context, asset Asset) (Token, error)
}
