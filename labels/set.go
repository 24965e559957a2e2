package labels

import (
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/houndtrace/hound/chains"
)

// Lookuper finds the labels of an address. The tracer and the screener
// consume it; *Set implements it.
type Lookuper interface {
	Lookup(c chains.Chain, a chains.Address) []Label
}

var _ Lookuper = (*Set)(nil)

// Set is an immutable index of labels from any number of sources, built once
// by NewSet. It is safe for concurrent readers.
type Set struct {
	labels []Label           // traced labels by (chain, address), then untraced by (network, address); best first within an address
	index  []map[string]span // by chain code: canonical address -> its labels
}

// span is the half-open range of an address's labels in Set.labels.
type span struct{ start, end uint32 }

// NewSet normalizes the labels (see Label.Normalize), drops exact duplicates
// and indexes them. The first label that fails to normalize is the error; the
// input slice is not modified.
func NewSet(labels []Label) (*Set, error) {
	if uint64(len(labels)) > 1<<32-1 {
		return nil, fmt.Errorf("%d labels: too many for one set", len(labels))
	}
	ls := make([]Label, len(labels))
	copy(ls, labels)
	in := interner{}
	for i := range ls {
		l := &ls[i]
		if err := l.Normalize(); err != nil {
			return nil, fmt.Errorf("label %d: %w", i+1, err)
		}
		l.Address = chains.Address(in.get(string(l.Address)))
		l.Network, l.Entity, l.Actor = in.get(l.Network), in.get(l.Entity), in.get(l.Actor)
		l.Group, l.Campaign, l.Source = in.get(l.Group), in.get(l.Campaign), in.get(l.Source)
	}
	slices.SortFunc(ls, func(a, b Label) int {
		if c := comparePlace(&a, &b); c != 0 {
			return c
		}
		if better(&a, &b) {
			return -1
		}
		if better(&b, &a) {
			return 1
		}
		return 0
	})
	ls = slices.CompactFunc(ls, func(a, b Label) bool { return a == b })
	s := &Set{labels: slices.Clip(ls)}
	for i := 0; i < len(ls); {
		j := i + 1
		for j < len(ls) && comparePlace(&ls[i], &ls[j]) == 0 {
			j++
		}
		if c := ls[i].Chain; c != "" {
			code := int(c.Code())
			for len(s.index) <= code {
				s.index = append(s.index, nil)
			}
			if s.index[code] == nil {
				s.index[code] = make(map[string]span)
			}
			s.index[code][string(ls[i].Address)] = span{uint32(i), uint32(j)}
		}
		i = j
	}
	return s, nil
}

// comparePlace orders labels by where their address lives: traced chains
// first, by chain code, then untraced networks by code; then by address.
func comparePlace(a, b *Label) int {
	if a.Traced() != b.Traced() {
		if a.Traced() {
			return -1
		}
		return 1
	}
	if c := cmp.Compare(a.Chain.Code(), b.Chain.Code()); c != 0 {
		return c
	}
	if c := strings.Compare(a.Network, b.Network); c != 0 && !a.Traced() {
		return c
	}
	return strings.Compare(string(a.Address), string(b.Address))
}

// interner shares one copy of each repeated string among the labels.
type interner map[string]string

func (in interner) get(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := in[s]; ok {
		return v
	}
	in[s] = s
	return s
}

// Lookup returns the labels of an address on a traced chain, best first:
// highest confidence, then most severe category, then by source. The address
// must be in canonical form (see ParseAddress). The returned slice is shared
// with the set and must not be modified.
func (s *Set) Lookup(c chains.Chain, a chains.Address) []Label {
	code := int(c.Code())
	if code >= len(s.index) || s.index[code] == nil {
		return nil
	}
	sp, ok := s.index[code][string(a)]
	if !ok {
		return nil
	}
	return s.labels[sp.start:sp.end:sp.end]
}

// Len returns the number of labels in the set.
func (s *Set) Len() int { return len(s.labels) }

// Labels returns every label: traced chains first, by chain and address,
// then untraced networks by code and address; best first within an address.
// The slice is shared with the set and must not be modified.
func (s *Set) Labels() []Label { return s.labels[:len(s.labels):len(s.labels)] }

// Stats counts a set's labels.
type Stats struct {
	Labels    int
	Addresses int // distinct (chain or network, address) pairs
	Traced    int // labels on chains Hound traces
	Untraced  int // labels kept for networks Hound does not trace yet

	ByCategory map[Category]int
	ByChain    map[chains.Chain]int // traced labels per chain
	ByNetwork  map[string]int       // untraced labels per network code ("LTC", "TRX", ...)
	BySource   map[string]int       // per origin: a URL's host, or a reference's text up to its first comma or colon
}

// Stats returns the set's counts.
func (s *Set) Stats() Stats {
	st := Stats{
		Labels:     len(s.labels),
		ByCategory: map[Category]int{},
		ByChain:    map[chains.Chain]int{},
		ByNetwork:  map[string]int{},
		BySource:   map[string]int{},
	}
	for i := range s.labels {
		l := &s.labels[i]
		if i == 0 || comparePlace(&s.labels[i-1], l) != 0 {
			st.Addresses++
		}
		if l.Traced() {
			st.Traced++
			st.ByChain[l.Chain]++
		} else {
			st.Untraced++
			st.ByNetwork[l.Network]++
		}
		st.ByCategory[l.Category]++
		st.BySource[sourceOrigin(l.Source)]++
	}
	return st
}

// sourceOrigin groups sources for counting: the host of a URL (without
// "www."), or the text before the first comma, colon, semicolon or
// parenthesis ("OFAC SDN list, ent_num 28263" counts as "OFAC SDN list").
func sourceOrigin(src string) string {
	if u, err := url.Parse(src); err == nil && u.Host != "" && strings.HasPrefix(u.Scheme, "http") {
		return strings.TrimPrefix(u.Hostname(), "www.")
	}
	if i := strings.IndexAny(src, ",:;("); i >= 0 {
		src = src[:i]
	}
	return strings.TrimSpace(src)
}
