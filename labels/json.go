package labels

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/houndtrace/hound/chains"
)

// JSONSchema names Hound's JSON label documents.
const JSONSchema = "hound.labels/v1"

// jsonLabel is a label as Hound's JSON writes it.
type jsonLabel struct {
	Chain      chains.Chain `json:"chain,omitempty"`
	Network    string       `json:"network,omitempty"`
	Address    string       `json:"address"`
	Category   string       `json:"category"`
	Entity     string       `json:"entity,omitempty"`
	Actor      string       `json:"actor,omitempty"`
	Group      string       `json:"group,omitempty"`
	Campaign   string       `json:"campaign,omitempty"`
	Source     string       `json:"source,omitempty"`
	Confidence *Confidence  `json:"confidence,omitempty"`
	FirstSeen  Date         `json:"first_seen,omitzero"`
	LastSeen   Date         `json:"last_seen,omitzero"`
}

// ReadJSON reads Hound's JSON: an array of label objects, or an object
// {"schema": "hound.labels/v1", "labels": [...]}. A label object has chain
// (a chain name) or network (an asset or network code) or both, address,
// category, and optionally entity, actor, group, campaign, source,
// confidence (a level name or a number 0-100), first_seen and last_seen
// (YYYY-MM-DD). Unknown fields are ignored. Problems cite the line a label
// starts on.
func ReadJSON(r io.Reader, opts Options) (*Import, error) {
	c := newCollector(opts)
	data, err := io.ReadAll(r)
	if err != nil {
		return c.result(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if errors.Is(err, io.EOF) {
		return c.result(nil)
	}
	if err != nil {
		return c.result(fmt.Errorf("not JSON: %w", err))
	}
	read := func(line int, raw json.RawMessage) error {
		l, err := decodeLabel(raw)
		if err != nil {
			return c.problem(line, err)
		}
		return c.add(line, l)
	}
	switch tok {
	case json.Delim('['):
		return c.result(eachElement(dec, data, read))
	case json.Delim('{'):
		return c.result(readDocument(dec, data, read))
	}
	return c.result(errors.New("want an array of labels or an object with schema and labels"))
}

// readDocument reads the members of a {"schema", "labels"} object, in any
// order, passing each label to read.
func readDocument(dec *json.Decoder, data []byte, read func(int, json.RawMessage) error) error {
	sawLabels := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("not JSON: %w", err)
		}
		switch key, _ := tok.(string); key {
		case "labels":
			if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
				return errors.New(`"labels" is not an array`)
			}
			if err := eachElement(dec, data, read); err != nil {
				return err
			}
			sawLabels = true
		case "schema":
			var s string
			if err := dec.Decode(&s); err != nil || s != JSONSchema {
				return fmt.Errorf("schema %q: want %q", s, JSONSchema)
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return fmt.Errorf("not JSON: %w", err)
			}
		}
	}
	if !sawLabels {
		return errors.New(`no "labels" array`)
	}
	return closing(dec)
}

// eachElement calls fn with each element of the array dec has just opened
// and the line of data it starts on, and reads the array's end; it stops at
// the first error fn returns.
func eachElement(dec *json.Decoder, data []byte, fn func(line int, raw json.RawMessage) error) error {
	lines := lineCounter{data: data}
	for dec.More() {
		line := lines.at(dec.InputOffset())
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("not JSON at line %d: %w", line, err)
		}
		if err := fn(line, raw); err != nil {
			return err
		}
	}
	return closing(dec)
}

// closing reads the end of the array or object dec is in: a truncated or
// malformed input fails here rather than ending the import early.
func closing(dec *json.Decoder) error {
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return nil
}

// decodeLabel reads one label object.
func decodeLabel(raw json.RawMessage) (Label, error) {
	var j jsonLabel
	if err := json.Unmarshal(raw, &j); err != nil {
		return Label{}, err
	}
	cat, err := ParseCategory(j.Category)
	if err != nil {
		return Label{}, err
	}
	l := Label{Chain: j.Chain, Network: j.Network, Address: chains.Address(j.Address), Category: cat,
		Entity: j.Entity, Actor: j.Actor, Group: j.Group, Campaign: j.Campaign, Source: j.Source,
		FirstSeen: j.FirstSeen, LastSeen: j.LastSeen}
	if j.Confidence != nil {
		l.Confidence = *j.Confidence
	}
	return l, nil
}

// lineCounter turns byte offsets into line numbers, for offsets that only
// grow.
type lineCounter struct {
	data []byte
	off  int64
	line int
}

func (lc *lineCounter) at(off int64) int {
	// The decoder's offset is just past the previous value; the next value
	// starts after the separating comma and white space.
	for off < int64(len(lc.data)) && bytes.IndexByte([]byte(", \t\r\n"), lc.data[off]) >= 0 {
		off++
	}
	lc.line += bytes.Count(lc.data[lc.off:off], []byte("\n"))
	lc.off = off
	return lc.line + 1
}

// WriteJSON writes labels as {"schema": "hound.labels/v1", "labels": [...]},
// one label per line.
func WriteJSON(w io.Writer, labels []Label) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "{\"schema\":%q,\"labels\":[", JSONSchema)
	for i, l := range labels {
		j := jsonLabel{Chain: l.Chain, Network: l.Network, Address: string(l.Address), Category: l.Category.String(),
			Entity: l.Entity, Actor: l.Actor, Group: l.Group, Campaign: l.Campaign, Source: l.Source,
			FirstSeen: l.FirstSeen, LastSeen: l.LastSeen}
		if !l.Confidence.IsZero() {
			j.Confidence = &l.Confidence
		}
		b, err := json.Marshal(j)
		if err != nil {
			return fmt.Errorf("write json: %s: %w", l.Address, err)
		}
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n")
		bw.Write(b)
	}
	bw.WriteString("\n]}\n")
	return bw.Flush()
}
