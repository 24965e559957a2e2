package report

import (
	"fmt"
	"io"
	"strings"
)

// categoryColours are the fill colours of labelled nodes in the graph.
var categoryColours = map[string]string{
	"theft":      "#b71c1c",
	"exchange":   "#1565c0",
	"mixer":      "#6a1b9a",
	"bridge":     "#ef6c00",
	"dex":        "#00838f",
	"otc":        "#2e7d32",
	"service":    "#2e7d32",
	"sanctioned": "#4e342e",
}

// WriteDOT writes the trace graph for Graphviz: labelled nodes filled by
// category, seeds outlined, edges labelled with their tainted amounts.
func WriteDOT(w io.Writer, d *Document, assets Assets) error {
	seeds := map[string]bool{}
	for _, s := range d.Seeds {
		seeds[s] = true
	}
	fmt.Fprintf(w, "digraph trace {\n  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", fillcolor=\"#eeeeee\", fontname=\"Helvetica\"];\n")
	fmt.Fprintf(w, "  label=%s;\n", dotQuote(fmt.Sprintf("hound trace, %s model", d.Model)))
	for _, n := range d.Nodes {
		label, colour, font := short(n.Address), "#eeeeee", "black"
		if len(n.Labels) > 0 {
			l := n.Labels[0]
			label = l.Entity + "\n" + short(n.Address)
			if c, ok := categoryColours[l.Category]; ok {
				colour, font = c, "white"
			}
		}
		attrs := fmt.Sprintf("label=%s, fillcolor=%s, fontcolor=%s", dotQuote(label), dotQuote(colour), dotQuote(font))
		if seeds[n.ID] {
			attrs += ", penwidth=3"
		}
		fmt.Fprintf(w, "  %s [%s];\n", dotQuote(n.ID), attrs)
	}
	for _, e := range d.Edges {
		fmt.Fprintf(w, "  %s -> %s [label=%s];\n", dotQuote(e.From), dotQuote(e.To),
			dotQuote(amount(e.Tainted, e.Asset, e.Chain, assets)))
	}
	_, err := fmt.Fprintln(w, "}")
	return err
}

// dotQuote writes s as a DOT string: quotes and backslashes escaped, line
// breaks as DOT's \n.
func dotQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}
