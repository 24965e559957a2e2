package bitcoin

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/houndtrace/hound/chains"
)

// BlockSet is the blocks of one or more block files, ordered by their
// parent links into segments.
type BlockSet struct {
	Network *Network
	// Segments holds the chains of linked blocks: first the one that
	// starts at the genesis block, if any, then detached segments by
	// height, those of unknown height last.
	Segments []*Segment
	// Orphans are blocks of side branches: where two blocks share a
	// parent, the branch with the most blocks is kept (on a tie, the one
	// whose first block comes first in the files) and the other
	// branches' blocks are listed here, in the order of the files.
	Orphans []BlockRef
	// Duplicates counts blocks found more than once, which are kept once.
	Duplicates int
}

// Segment is a chain of blocks, each the parent of the next. It is a
// chains.BlockSource serving its blocks by height, so a sync can ingest
// it like a node.
type Segment struct {
	Blocks []BlockRef
	// First is the height of Blocks[0], when HeightKnown. A segment
	// linked to the genesis block starts at height 0 and always holds
	// the genesis block, taken from the network's parameters when the
	// files lack it.
	First       uint64
	HeightKnown bool
	// Detached is true when the parent of Blocks[0] is not in the files:
	// the segment's heights then come from BIP34Height of its first
	// block, checked against its last, and HeightKnown is false when
	// they do not agree or a block predates BIP 34. The inputs of a
	// detached segment's blocks spend outputs the files do not hold.
	Detached bool
	net      *Network
}

var _ chains.BlockSource = (*Segment)(nil)

// ReadBlockFiles indexes the blocks of the files at paths for network net
// and orders them by their parent links, not by their place in the files
// (Bitcoin Core writes blocks in the order they arrive). Each file holds
// blocks framed as in Bitcoin Core's blk*.dat files (net's magic, a
// little-endian length, the block; zero padding may follow the last
// frame; files of Bitcoin Core 28 and later are deobfuscated with the
// xor.dat beside them), or exactly one unframed block; either may be
// bzip2-compressed, in which case the file is decompressed into memory.
//
// Only block headers are read here; blocks are read and checked when a
// Segment serves them. A frame with another magic, a bad length or a
// truncated end fails the whole read with an error naming the file and
// the byte offset.
func ReadBlockFiles(ctx context.Context, paths []string, net *Network) (*BlockSet, error) {
	var refs []BlockRef
	for _, p := range paths {
		r, err := indexFile(ctx, p, net)
		if err != nil {
			return nil, fmt.Errorf("read block file %s: %w", p, err)
		}
		refs = append(refs, r...)
	}
	switch {
	case len(refs) > 0:
	case len(paths) == 1:
		return nil, fmt.Errorf("read block file %s: no %s blocks in it", paths[0], net.Name)
	default:
		return nil, fmt.Errorf("read block files: no %s blocks in %d files", net.Name, len(paths))
	}
	return order(refs, net)
}

// blockTree links blocks to their children.
type blockTree struct {
	refs     []BlockRef
	byHash   map[chains.Hash]int
	children map[chains.Hash][]int
}

// order builds the segments of refs.
func order(refs []BlockRef, net *Network) (*BlockSet, error) {
	set := &BlockSet{Network: net}
	t := &blockTree{byHash: make(map[chains.Hash]int, len(refs)), children: make(map[chains.Hash][]int)}
	var anchors []chains.Hash
	for _, ref := range refs {
		if _, dup := t.byHash[ref.Hash]; dup {
			set.Duplicates++
			continue
		}
		t.byHash[ref.Hash] = len(t.refs)
		t.children[ref.Parent] = append(t.children[ref.Parent], len(t.refs))
		t.refs = append(t.refs, ref)
	}
	seen := make(map[chains.Hash]bool)
	for _, ref := range t.refs {
		if _, linked := t.byHash[ref.Parent]; !linked && !seen[ref.Parent] {
			seen[ref.Parent] = true
			anchors = append(anchors, ref.Parent)
		}
	}
	var orphans []int
	for _, a := range anchors {
		chain, side := t.longest(a)
		orphans = append(orphans, side...)
		seg, err := newSegment(t.pick(chain), a, net)
		if err != nil {
			return nil, err
		}
		set.Segments = append(set.Segments, seg)
	}
	slices.Sort(orphans)
	set.Orphans = t.pick(orphans)
	slices.SortStableFunc(set.Segments, compareSegments)
	return set, nil
}

// pick returns the blocks at the given indexes.
func (t *blockTree) pick(idx []int) []BlockRef {
	out := make([]BlockRef, len(idx))
	for i, j := range idx {
		out[i] = t.refs[j]
	}
	return out
}

// longest returns the longest chain of blocks descending from the block
// hash anchor (which is not among them), and the other descendants.
func (t *blockTree) longest(anchor chains.Hash) (chain, side []int) {
	// Breadth first, so that every block comes after its parent.
	var tree []int
	for next := t.children[anchor]; len(next) > 0; {
		tree = append(tree, next...)
		var below []int
		for _, i := range next {
			below = append(below, t.children[t.refs[i].Hash]...)
		}
		next = below
	}
	depth := make(map[int]int, len(tree))
	for _, i := range slices.Backward(tree) {
		depth[i] = 1
		for _, c := range t.children[t.refs[i].Hash] {
			depth[i] = max(depth[i], depth[c]+1)
		}
	}
	on := make(map[int]bool)
	for kids := t.children[anchor]; len(kids) > 0; {
		best := kids[0]
		for _, c := range kids[1:] {
			if depth[c] > depth[best] {
				best = c
			}
		}
		chain, on[best] = append(chain, best), true
		kids = t.children[t.refs[best].Hash]
	}
	for _, i := range tree {
		if !on[i] {
			side = append(side, i)
		}
	}
	return chain, side
}

// newSegment gives the chain of blocks that follows the block hash
// anchor its heights.
func newSegment(blocks []BlockRef, anchor chains.Hash, net *Network) (*Segment, error) {
	s := &Segment{Blocks: blocks, net: net, HeightKnown: true}
	switch {
	case anchor == net.Genesis():
		g, err := genesisRef(net)
		if err != nil {
			return nil, err
		}
		s.Blocks = append([]BlockRef{g}, blocks...)
	case anchor == chains.Hash{} && blocks[0].Hash == net.Genesis():
	default:
		s.Detached = true
		first, ok, err := refHeight(&blocks[0])
		if err != nil {
			return nil, err
		}
		last, lastOK, err := refHeight(&blocks[len(blocks)-1])
		if err != nil {
			return nil, err
		}
		s.First, s.HeightKnown = first, ok && lastOK && last == first+uint64(len(blocks)-1)
	}
	return s, nil
}

// genesisRef serves net's genesis block from its parameters.
func genesisRef(net *Network) (BlockRef, error) {
	var buf bytes.Buffer
	if err := net.params.GenesisBlock.Serialize(&buf); err != nil {
		return BlockRef{}, fmt.Errorf("serialize the %s genesis block: %w", net.Name, err)
	}
	f := &blockFile{held: buf.Bytes(), size: int64(buf.Len())}
	return f.ref(f.held[:headerSize], 0, buf.Len()), nil
}

// refHeight reads a block's BIP 34 height.
func refHeight(ref *BlockRef) (uint64, bool, error) {
	raw, err := ref.raw()
	if err != nil {
		return 0, false, err
	}
	mb, _, err := decodeBlock(raw)
	if err != nil {
		return 0, false, fmt.Errorf("read block file %s: byte %d: block %s: %w", ref.File, ref.Offset, ref.Hash.Format(chains.Bitcoin), err)
	}
	h, ok := BIP34Height(mb)
	return h, ok, nil
}

// compareSegments orders segments: from the genesis block first, then by
// height, those of unknown height last.
func compareSegments(a, b *Segment) int {
	key := func(s *Segment) int {
		switch {
		case !s.Detached:
			return 0
		case s.HeightKnown:
			return 1
		}
		return 2
	}
	if c := cmp.Compare(key(a), key(b)); c != 0 {
		return c
	}
	return cmp.Compare(a.First, b.First)
}

// Chain returns chains.Bitcoin.
func (s *Segment) Chain() chains.Chain { return chains.Bitcoin }

// Network returns the ID of the network the files were read for.
func (s *Segment) Network(context.Context) (string, error) { return s.net.ID(), nil }

// Parent returns the hash of the parent of the segment's first block.
func (s *Segment) Parent() chains.Hash { return s.Blocks[0].Parent }

// Head returns the height of the segment's last block.
func (s *Segment) Head(context.Context) (uint64, error) {
	if !s.HeightKnown {
		return 0, s.heightUnknown()
	}
	return s.First + uint64(len(s.Blocks)) - 1, nil
}

// heightUnknown explains ErrHeightUnknown.
func (s *Segment) heightUnknown() error {
	return fmt.Errorf("segment of %d blocks after %s: %w (no BIP 34 height in its blocks)",
		len(s.Blocks), s.Parent().Format(chains.Bitcoin), ErrHeightUnknown)
}

// ref returns the block at height n.
func (s *Segment) ref(n uint64) (*BlockRef, error) {
	if !s.HeightKnown {
		return nil, s.heightUnknown()
	}
	if n < s.First || n-s.First >= uint64(len(s.Blocks)) {
		return nil, fmt.Errorf("block %d: %w: the files hold blocks %d to %d", n, ErrNotFound, s.First, s.First+uint64(len(s.Blocks))-1)
	}
	return &s.Blocks[n-s.First], nil
}

// BlockHash returns the hash of the block at height n.
func (s *Segment) BlockHash(_ context.Context, n uint64) (chains.Hash, error) {
	ref, err := s.ref(n)
	if err != nil {
		return chains.Hash{}, err
	}
	return ref.Hash, nil
}

// Block reads and parses the block at height n. It is safe to call from
// several goroutines.
func (s *Segment) Block(ctx context.Context, n uint64) (*chains.Block, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ref, err := s.ref(n)
	if err != nil {
		return nil, err
	}
	raw, err := ref.raw()
	if err != nil {
		return nil, err
	}
	b, err := ParseBlock(raw, n, s.net)
	if err != nil && ref.File != "" {
		return nil, fmt.Errorf("read block file %s: byte %d: %w", ref.File, ref.Offset, err)
	}
	return b, err
}
