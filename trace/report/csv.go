package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
)

// WriteCSV writes one row per tainted flow, in chain order, with the kind of
// finding the flow ends in, if any.
func WriteCSV(w io.Writer, d *Document, assets Assets) error {
	found := map[int]string{}
	for _, f := range d.Findings {
		found[f.EdgeID] = f.Kind
	}
	cw := csv.NewWriter(w)
	cw.Write([]string{"chain", "block", "tx", "time", "from", "to", "asset", "amount", "tainted", "tainted_display", "hop", "finding"})
	for _, e := range d.Edges {
		cw.Write([]string{e.Chain, strconv.FormatUint(e.Block, 10), e.Tx, e.Time, e.From, e.To, e.Asset, e.Amount, e.Tainted,
			amount(e.Tainted, e.Asset, e.Chain, assets), strconv.Itoa(e.Hop), found[e.ID]})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}
