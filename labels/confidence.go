package labels

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Confidence is how far a label can be trusted, on the scale of GraphSense
// TagPacks: a named level (authority_data, service_data, ...) with its score
// from 0 to 100, or a bare score. The zero Confidence means unknown and ranks
// below every other.
type Confidence struct {
	score uint8
	level uint8 // 0: unset; 1..len(levels): levels[level-1]; numeric: a bare score
}

const numeric = 255

// levels is the GraphSense confidence scale (graphsense-tagpack-tool,
// src/tagpack/db/confidence.csv, with ledger_immanent added in its 23.03
// release). The TagPacks in ../shared/data use authority_data, service_data,
// forensic, web_crawl and ledger_immanent. Among levels of equal score the
// first listed is the one a bare score maps to.
var levels = [...]struct {
	name  string
	score uint8
}{
	{"ownership", 100},
	{"ledger_immanent", 100},
	{"override", 100},
	{"manual_transaction", 90},
	{"service_api", 70},
	{"authority_data", 60},
	{"service_data", 50},
	{"forensic", 50},
	{"trusted_provider", 50},
	{"untrusted_transaction", 40},
	{"web_crawl", 20},
	{"heuristic", 10},
	{"unknown", 5},
}

// The levels the importers assign when a source names none.
var (
	AuthorityData = mustLevel("authority_data")
	ServiceData   = mustLevel("service_data")
	Forensic      = mustLevel("forensic")
	WebCrawl      = mustLevel("web_crawl")
	Heuristic     = mustLevel("heuristic")
)

func mustLevel(name string) Confidence {
	for i, l := range levels {
		if l.name == name {
			return Confidence{score: l.score, level: uint8(i + 1)}
		}
	}
	panic("labels: no confidence level " + name)
}

// ConfidenceLevels lists the GraphSense level names, highest score first.
func ConfidenceLevels() []string {
	out := make([]string, len(levels))
	for i, l := range levels {
		out[i] = l.name
	}
	return out
}

// ParseConfidence reads a GraphSense level name (any case) or a whole number
// from 0 to 100. The empty string is the zero (unknown) Confidence.
func ParseConfidence(s string) (Confidence, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Confidence{}, nil
	}
	name := strings.ToLower(s)
	for i, l := range levels {
		if l.name == name {
			return Confidence{score: l.score, level: uint8(i + 1)}, nil
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return Confidence{}, fmt.Errorf("confidence %q: want a GraphSense level (%s) or a number 0-100", s, strings.Join(ConfidenceLevels(), ", "))
	}
	return ConfidenceScore(n)
}

// ConfidenceScore returns a bare score from 0 to 100.
func ConfidenceScore(n int) (Confidence, error) {
	if n < 0 || n > 100 {
		return Confidence{}, fmt.Errorf("confidence %d: want 0-100", n)
	}
	return Confidence{score: uint8(n), level: numeric}, nil
}

// IsZero reports whether the confidence is unknown.
func (c Confidence) IsZero() bool { return c.level == 0 }

// Score returns the confidence from 0 to 100.
func (c Confidence) Score() int { return int(c.score) }

// Level returns the GraphSense level name: the named level, or for a bare
// score the first level whose score does not exceed it ("unknown" below 5),
// or "" when the confidence is unknown.
func (c Confidence) Level() string {
	switch {
	case c.level == 0:
		return ""
	case c.level != numeric:
		return levels[c.level-1].name
	}
	for _, l := range levels {
		if l.score <= c.score {
			return l.name
		}
	}
	return levels[len(levels)-1].name
}

// String returns the level name, or the bare score in decimal, or "".
func (c Confidence) String() string {
	if c.level == numeric {
		return strconv.Itoa(int(c.score))
	}
	return c.Level()
}

// MarshalJSON writes a level name as a string and a bare score as a number.
func (c Confidence) MarshalJSON() ([]byte, error) {
	if c.level == numeric {
		return strconv.AppendInt(nil, int64(c.score), 10), nil
	}
	return json.Marshal(c.Level())
}

// UnmarshalJSON reads a level name, a number, or a number in a string.
func (c *Confidence) UnmarshalJSON(b []byte) error {
	var s string
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	} else if string(b) != "null" {
		s = string(b)
	}
	v, err := ParseConfidence(s)
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// MarshalBinary writes the confidence as its score and level, two bytes
// (a saved trace keeps the labels it used).
func (c Confidence) MarshalBinary() ([]byte, error) { return []byte{c.score, c.level}, nil }

// UnmarshalBinary reads what MarshalBinary wrote.
func (c *Confidence) UnmarshalBinary(b []byte) error {
	if len(b) != 2 || (b[1] != numeric && int(b[1]) > len(levels)) {
		return fmt.Errorf("confidence %x: not one MarshalBinary wrote", b)
	}
	c.score, c.level = b[0], b[1]
	return nil
}
