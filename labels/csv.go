package labels

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/houndtrace/hound/chains"
)

// houndHeader is the header of Hound's own CSV (DESIGN.md, "Labels").
var houndHeader = []string{"chain", "address", "category", "entity", "actor", "group", "campaign", "source", "confidence"}

// csvLayout is one CSV layout ReadCSV recognizes by its header.
type csvLayout struct {
	header []string // lowercase column names, in order
	// joinRest folds surplus fields into the last column: a source URL with
	// an unquoted comma in it.
	joinRest bool
	// row turns one record (exactly len(header) fields) into labels, calling
	// c.add, c.skip or c.problem, and returns what c returns.
	row func(c *collector, line int, f []string) error
}

// csvLayouts are the layouts ReadCSV reads: Hound's own, then the public
// datasets in ../shared/data (see csvdata.go).
func csvLayouts() []csvLayout {
	return append([]csvLayout{{header: houndHeader, row: houndRow}}, dataLayouts...)
}

// ReadCSV reads labels from CSV. The header picks the layout:
//
//   - Hound's CSV: chain,address,category,entity,actor,group,campaign,source,confidence.
//     chain is a chain name (ethereum, bitcoin) or an asset or network code
//     (XBT, USDT, LTC, ...); cells after category may be empty (or missing);
//     confidence is a GraphSense level name or a number 0-100.
//   - The public datasets' layouts listed in csvdata.go (ultrasoundmoney OFAC
//     lists, forta labelled datasets, the curated bridge table, the DPRK
//     table).
//
// Lines starting with '#' are comments. A leading UTF-8 byte order mark is
// ignored.
func ReadCSV(r io.Reader, opts Options) (*Import, error) {
	c := newCollector(opts)
	cr := csv.NewReader(skipBOM(r))
	cr.FieldsPerRecord = -1
	cr.Comment = '#'
	cr.ReuseRecord = true
	head, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return c.result(nil)
	}
	if err != nil {
		return c.result(err)
	}
	layout, err := pickLayout(head)
	if err != nil {
		return c.result(err)
	}
	return c.result(readRecords(c, cr, layout))
}

// pickLayout finds the layout whose header is head.
func pickLayout(head []string) (csvLayout, error) {
	for _, l := range csvLayouts() {
		if len(l.header) != len(head) {
			continue
		}
		match := true
		for i, h := range l.header {
			if strings.ToLower(strings.TrimSpace(head[i])) != h {
				match = false
				break
			}
		}
		if match {
			return l, nil
		}
	}
	return csvLayout{}, fmt.Errorf("unknown CSV header %q (Hound's CSV starts %s)", strings.Join(head, ","), strings.Join(houndHeader, ","))
}

// readRecords feeds every record after the header to the layout.
func readRecords(c *collector, cr *csv.Reader, layout csvLayout) error {
	n := len(layout.header)
	return eachRecord(cr, c.problem, func(f []string, line int) error {
		switch {
		case len(f) > n && layout.joinRest:
			f = append(f[:n-1], strings.Join(f[n-1:], ","))
		case len(f) > n:
			return c.problem(line, fmt.Errorf("%d fields, want %d (%s)", len(f), n, strings.Join(layout.header, ",")))
		}
		for len(f) < n {
			f = append(f, "")
		}
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		return layout.row(c, line, f)
	})
}

// eachRecord reads cr to its end and calls fn with each record and the line
// it starts on; a record that does not parse goes to problem instead.
func eachRecord(cr *csv.Reader, problem func(line int, err error) error, fn func(f []string, line int) error) error {
	for {
		f, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			if err := problem(pe.Line, pe.Err); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		line, _ := cr.FieldPos(0)
		if err := fn(f, line); err != nil {
			return err
		}
	}
}

// houndRow reads a row of Hound's CSV.
func houndRow(c *collector, line int, f []string) error {
	if f[0] == "" && f[1] == "" {
		c.skip()
		return nil
	}
	cat, err := ParseCategory(f[2])
	if err != nil {
		return c.problem(line, err)
	}
	conf, err := ParseConfidence(f[8])
	if err != nil {
		return c.problem(line, err)
	}
	l := Label{Network: f[0], Address: chains.Address(f[1]), Category: cat, Entity: f[3], Actor: f[4], Group: f[5],
		Campaign: f[6], Source: f[7], Confidence: conf}
	return c.add(line, l)
}

// skipBOM drops a leading UTF-8 byte order mark.
func skipBOM(r io.Reader) io.Reader {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		br.Discard(3)
	}
	return br
}

// WriteCSV writes labels as Hound's CSV. The chain column holds the network
// code when the label has one (XBT, USDT, LTC), else the chain name; the
// first- and last-seen dates are not carried.
func WriteCSV(w io.Writer, labels []Label) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(houndHeader); err != nil {
		return err
	}
	for _, l := range labels {
		rec := []string{l.where(), string(l.Address), l.Category.String(), l.Entity, l.Actor, l.Group,
			l.Campaign, l.Source, l.Confidence.String()}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
