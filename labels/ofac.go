package labels

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/houndtrace/hound/chains"
)

// OFACFiles is the official OFAC SDN list in CSV: SDN.CSV (one entry per
// row: ent_num, name, type, program, ..., remarks) and SDN_COMMENTS.CSV
// (ent_num, remarks), which continues remarks that SDN.CSV cuts off.
type OFACFiles struct {
	SDN          io.Reader // SDN.CSV; nil to read a comments file alone
	SDNName      string    // names SDN.CSV in problems
	Comments     io.Reader // SDN_COMMENTS.CSV; nil when there is none
	CommentsName string    // names SDN_COMMENTS.CSV in problems
}

// sdnFields is the number of fields of an SDN.CSV row.
const sdnFields = 12

// ReadOFAC reads the digital currency addresses of the SDN list: every
// "Digital Currency Address - XXX <address>" feature in an entry's remarks,
// joined with their continuation in the comments file. Each becomes a
// sanctioned label whose entity is the SDN name and whose source is "OFAC SDN
// list, ent_num N (programs)"; an entry that is a DPRK unit, or is linked to
// one ("Linked To: LAZARUS GROUP"), gets that group and the actor DPRK, and
// an entry under a DPRK program the actor DPRK. Asset codes map to chains as
// the package documentation says; addresses of untraced networks are kept.
//
// Read alone, a comments file yields the features wholly inside each
// continuation, with the entity "OFAC SDN ent_num N". The DOS end-of-file
// mark (0x1A) the official files end with is ignored, and text that is not
// UTF-8 is read as Latin-1. opts.Name and opts.Source are not used: the
// files carry their names and every label cites the SDN list.
func ReadOFAC(f OFACFiles, opts Options) (*Import, error) {
	c := newCollector(opts)
	c.name = nameOr(f.SDNName, "SDN.CSV")
	commentsName := nameOr(f.CommentsName, "SDN_COMMENTS.CSV")
	var comments []sdnComment
	if f.Comments != nil {
		var err error
		if comments, err = readSDNComments(c, f.Comments, commentsName); err != nil {
			if errors.Is(err, errStop) {
				return c.result(err)
			}
			return c.result(fmt.Errorf("%s: %w", commentsName, err))
		}
	}
	if f.SDN == nil {
		for _, cm := range comments {
			e := sdnEntry{num: cm.num, name: "OFAC SDN ent_num " + cm.num, remarks: cm.text}
			if err := e.labels(c, commentsName, cm.line); err != nil {
				return c.result(err)
			}
		}
		return c.result(nil)
	}
	more := map[string]string{}
	for _, cm := range comments {
		more[cm.num] += cm.text
	}
	return c.result(readSDN(c, f.SDN, more))
}

func nameOr(name, def string) string {
	if name == "" {
		return def
	}
	return name
}

// sdnComment is one row of SDN_COMMENTS.CSV.
type sdnComment struct {
	num, text string
	line      int
}

// newSDNReader returns a reader for the official CSV files.
func newSDNReader(r io.Reader) *csv.Reader {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	return cr
}

// endOfFile reports whether a record is the DOS end-of-file mark.
func endOfFile(f []string) bool {
	return len(f) == 1 && strings.Trim(f[0], "\x1a \r\n") == ""
}

func readSDNComments(c *collector, r io.Reader, name string) ([]sdnComment, error) {
	var out []sdnComment
	problem := func(line int, err error) error { return c.problemIn(name, line, err) }
	err := eachRecord(newSDNReader(r), problem, func(f []string, line int) error {
		switch {
		case endOfFile(f):
			return nil
		case len(f) < 2:
			return problem(line, fmt.Errorf("%d fields, want ent_num and remarks", len(f)))
		}
		out = append(out, sdnComment{num: strings.TrimSpace(f[0]), text: latin1(f[1]), line: line})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func readSDN(c *collector, r io.Reader, more map[string]string) error {
	return eachRecord(newSDNReader(r), c.problem, func(f []string, line int) error {
		switch {
		case endOfFile(f):
			return nil
		case len(f) != sdnFields:
			return c.problem(line, fmt.Errorf("%d fields, want %d", len(f), sdnFields))
		}
		e := sdnEntry{num: strings.TrimSpace(f[0]), name: latin1(sdnValue(f[1])), programs: sdnPrograms(f[3]),
			remarks: latin1(sdnValue(f[11])) + more[strings.TrimSpace(f[0])]}
		return e.labels(c, c.name, line)
	})
}

// sdnValue turns the SDN null "-0-" into "".
func sdnValue(s string) string {
	if s = strings.TrimSpace(s); s == "-0-" {
		return ""
	}
	return s
}

// sdnPrograms splits the program field ("DPRK3] [CYBER2").
func sdnPrograms(s string) []string {
	var out []string
	for _, p := range strings.Split(sdnValue(s), "] [") {
		if p = strings.Trim(p, "[] "); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// latin1 returns s as UTF-8, reading it as Latin-1 when it is not UTF-8.
func latin1(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	r := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		r[i] = rune(s[i])
	}
	return string(r)
}

// sdnEntry is an SDN entry with its remarks joined.
type sdnEntry struct {
	num, name string
	programs  []string
	remarks   string
}

// digitalCurrency is the remark feature that names an address.
const digitalCurrency = "Digital Currency Address - "

// labels adds a label for every distinct digital currency address of the
// entry, read at line of file.
func (e sdnEntry) labels(c *collector, file string, line int) error {
	actor, group := attribute(e.name)
	if group == "" {
		group = linkedGroup(e.remarks)
	}
	if group != "" {
		actor = DPRK
	}
	for _, p := range e.programs {
		if strings.HasPrefix(p, "DPRK") {
			actor = DPRK
		}
	}
	src := "OFAC SDN list, ent_num " + e.num
	if len(e.programs) > 0 {
		src += " (" + strings.Join(e.programs, ", ") + ")"
	}
	what := fmt.Sprintf("ent_num %s (%s)", e.num, e.name)
	seen := map[string]bool{}
	for rest := e.remarks; ; {
		i := strings.Index(rest, digitalCurrency)
		if i < 0 {
			return nil
		}
		rest = rest[i+len(digitalCurrency):]
		feature, _, _ := strings.Cut(rest, ";")
		parts := strings.Fields(feature)
		if len(parts) < 2 {
			if err := c.problemIn(file, line, fmt.Errorf("%s: digital currency feature %q without an address", what, feature)); err != nil {
				return err
			}
			continue
		}
		code, address := parts[0], strings.TrimRight(parts[1], ".,")
		if seen[code+" "+address] {
			continue
		}
		seen[code+" "+address] = true
		l := Label{Network: code, Address: chains.Address(address), Category: Sanctioned, Entity: e.name,
			Actor: actor, Group: group, Source: src, Confidence: AuthorityData}
		if err := c.addIn(file, line, what+": "+code, l); err != nil {
			return err
		}
	}
}
