package labels

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"strings"

	"github.com/houndtrace/hound/chains"
)

// ReadList reads a plain list of addresses and gives each the fields of
// template, whose Chain or Network says where the addresses live (the asset
// code of a per-asset OFAC list, "XBT"; the chain of an FBI notice's list).
// The input is one address per line, blank lines and lines starting with '#'
// ignored, or a JSON array of address strings.
func ReadList(r io.Reader, template Label, opts Options) (*Import, error) {
	c := newCollector(opts)
	data, err := io.ReadAll(r)
	if err != nil {
		return c.result(err)
	}
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] == '[' {
		dec := json.NewDecoder(bytes.NewReader(data))
		if _, err := dec.Token(); err != nil {
			return c.result(err)
		}
		return c.result(eachElement(dec, data, func(line int, raw json.RawMessage) error {
			var a string
			if err := json.Unmarshal(raw, &a); err != nil {
				return c.problem(line, err)
			}
			return c.add(line, withAddress(template, a))
		}))
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, len(data)+1)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		if err := c.add(line, withAddress(template, s)); err != nil {
			return c.result(err)
		}
	}
	return c.result(sc.Err())
}

func withAddress(l Label, a string) Label {
	l.Address = chains.Address(a)
	return l
}
