package labels

import (
	"fmt"
	"strings"
)

// Category says what an address is or was used for. The constants are in
// order of severity, most severe first: a lookup lists a theft label before
// an exchange label of the same confidence. The zero Category is not valid.
type Category uint8

// The categories Hound knows.
const (
	Theft      Category = iota + 1 // holds or moved stolen funds
	Sanctioned                     // listed by a sanctions authority or frozen by an issuer
	Ransomware                     // receives ransom payments
	Scam                           // phishing, fraud, drainers
	Mixer                          // mixing service, coinjoin coordinator
	Bridge                         // cross-chain bridge or router
	Exchange                       // centralized exchange wallet
	OTC                            // over-the-counter desk
	DEX                            // decentralized exchange contract
	Service                        // any other labelled service
)

var categoryNames = [...]string{
	Theft:      "theft",
	Sanctioned: "sanctioned",
	Ransomware: "ransomware",
	Scam:       "scam",
	Mixer:      "mixer",
	Bridge:     "bridge",
	Exchange:   "exchange",
	OTC:        "otc",
	DEX:        "dex",
	Service:    "service",
}

// Categories lists every valid category in order of severity.
func Categories() []Category {
	out := make([]Category, 0, len(categoryNames)-1)
	for c := Theft; int(c) < len(categoryNames); c++ {
		out = append(out, c)
	}
	return out
}

// Valid reports whether c is one of the categories Hound knows.
func (c Category) Valid() bool { return c >= Theft && int(c) < len(categoryNames) }

// String returns the category's name as it is written in CSV and JSON.
func (c Category) String() string {
	if !c.Valid() {
		return fmt.Sprintf("category(%d)", uint8(c))
	}
	return categoryNames[c]
}

// ParseCategory turns a category name (any case) into a Category.
func ParseCategory(s string) (Category, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	for _, c := range Categories() {
		if categoryNames[c] == name {
			return c, nil
		}
	}
	return 0, fmt.Errorf("unknown category %q (known: %s)", s, strings.Join(categoryNames[Theft:], ", "))
}

// MarshalText writes the category's name.
func (c Category) MarshalText() ([]byte, error) {
	if !c.Valid() {
		return nil, fmt.Errorf("invalid category %d", uint8(c))
	}
	return []byte(categoryNames[c]), nil
}

// UnmarshalText reads a category name.
func (c *Category) UnmarshalText(b []byte) error {
	v, err := ParseCategory(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}
