package labels

import (
	"fmt"
	"strings"

	"github.com/houndtrace/hound/chains"
)

// Label attributes one address. Chain, Network and Address say where the
// address lives (see the package documentation); Category and Entity say
// what it is; Actor, Group and Campaign say who controls it when it is
// attributed ("DPRK", "Lazarus Group", "Ronin Bridge 2022-03"); Source cites
// the notice, report or dataset that says so.
type Label struct {
	Chain      chains.Chain   // the traced chain, or "" when Hound does not trace the network
	Network    string         // asset or network code when it is not the chain's own coin ("USDT", "LTC"), else ""
	Address    chains.Address // canonical for the chain (see ParseAddress)
	Entity     string         // "Tornado Cash 100 ETH", "Binance", "LAZARUS GROUP"
	Actor      string         // state or organization behind it: "DPRK"
	Group      string         // the unit: "Lazarus Group", "TraderTraitor"
	Campaign   string         // "Ronin Bridge 2022-03"
	Source     string         // URL or document reference
	Category   Category
	Confidence Confidence
	FirstSeen  Date
	LastSeen   Date
}

// Traced reports whether the label is on a chain Hound traces.
func (l Label) Traced() bool { return l.Chain != "" }

// AssetCode returns the network code when there is one, else the code of the
// chain's own coin: "ETH", "BTC", "USDT", "LTC".
func (l Label) AssetCode() string {
	if l.Network != "" {
		return l.Network
	}
	return nativeCode(l.Chain)
}

// where returns what resolve needs to place the label again: the network
// code when there is one, else the chain.
func (l Label) where() string {
	if l.Network != "" {
		return l.Network
	}
	return string(l.Chain)
}

// Normalize checks the label and puts it in canonical form: it trims the text
// fields, places the address (a Network naming the chain's own coin is
// cleared, a Network that is a traced chain's token sets the Chain), checks
// and canonicalizes the address, and checks the category. A label that names
// a Chain keeps it: its Network must then be empty, the chain's own code, or
// a token of that chain.
func (l *Label) Normalize() error {
	for _, p := range []*string{&l.Network, &l.Entity, &l.Actor, &l.Group, &l.Campaign, &l.Source} {
		*p = strings.TrimSpace(*p)
	}
	if l.Chain != "" {
		c, err := chains.ParseChain(string(l.Chain))
		if err != nil {
			return fmt.Errorf("address %q: %w", l.Address, err)
		}
		l.Chain = c
	}
	where := l.where()
	if where == "" {
		return fmt.Errorf("address %q: no chain or network", l.Address)
	}
	c, network, a, err := resolve(where, string(l.Address))
	if err != nil {
		return err
	}
	if l.Chain != "" && c != l.Chain {
		return fmt.Errorf("address %q: network %s is not on chain %s", l.Address, l.Network, l.Chain)
	}
	if a == l.Address {
		a = l.Address // keep the caller's copy: labels of one address can share it
	}
	l.Chain, l.Network, l.Address = c, network, a
	if !l.Category.Valid() {
		return fmt.Errorf("address %q: no category", l.Address)
	}
	if !l.LastSeen.IsZero() && l.LastSeen.Before(l.FirstSeen) {
		return fmt.Errorf("address %q: last seen %s before first seen %s", l.Address, l.LastSeen, l.FirstSeen)
	}
	return nil
}

// better reports whether a ranks before b in a lookup: higher confidence
// first, then the more severe category, then by source, entity and the other
// fields so that the order is total.
func better(a, b *Label) bool {
	if a.Confidence.score != b.Confidence.score {
		return a.Confidence.score > b.Confidence.score
	}
	if a.Category != b.Category {
		return a.Category < b.Category
	}
	return compareFields(a, b) < 0
}

// compareFields orders labels of one address by their remaining fields.
func compareFields(a, b *Label) int {
	for _, p := range [...][2]string{
		{a.Source, b.Source}, {a.Entity, b.Entity}, {a.Network, b.Network}, {a.Group, b.Group}, {a.Actor, b.Actor},
		{a.Campaign, b.Campaign}, {a.Confidence.String(), b.Confidence.String()},
		{a.FirstSeen.String(), b.FirstSeen.String()}, {a.LastSeen.String(), b.LastSeen.String()},
	} {
		if c := strings.Compare(p[0], p[1]); c != 0 {
			return c
		}
	}
	return 0
}
