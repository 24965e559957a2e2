package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"math/big"
	"strings"
	"text/tabwriter"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/trace"
)

// ScreenSchema names the screening document.
const ScreenSchema = "hound.screen/v1"

// Risk levels, from none to severe; unknown when the store holds nothing
// of the subject.
const (
	RiskUnknown = "unknown"
	RiskNone    = "none"
	RiskLow     = "low"
	RiskMedium  = "medium"
	RiskHigh    = "high"
	RiskSevere  = "severe"
)

// RiskLevels lists the levels a result can have, lowest first (unknown
// apart: it is no level of exposure).
var RiskLevels = []string{RiskNone, RiskLow, RiskMedium, RiskHigh, RiskSevere}

// RiskRank orders risk levels; unknown ranks below none.
func RiskRank(level string) int {
	for i, l := range RiskLevels {
		if l == level {
			return i + 1
		}
	}
	return 0
}

// Thresholds turn an exposure into a risk level. A result is severe when
// any asset's direct share reaches Severe, high when its tainted share
// (direct and indirect) reaches High, medium from Medium, low for any
// taint at all, and none without taint. Shares are fractions in [0,1].
type Thresholds struct {
	Severe, High, Medium *big.Rat
}

// DefaultThresholds: any direct exposure is severe; 10% tainted is high,
// 1% medium.
func DefaultThresholds() Thresholds {
	return Thresholds{Severe: big.NewRat(0, 1), High: big.NewRat(1, 10), Medium: big.NewRat(1, 100)}
}

// Risk rates an exposure.
func (t Thresholds) Risk(x *trace.Exposure) string {
	if !x.Seen {
		return RiskUnknown
	}
	level := RiskNone
	raise := func(l string) {
		if RiskRank(l) > RiskRank(level) {
			level = l
		}
	}
	for i := range x.Assets {
		a := &x.Assets[i]
		if a.Inflow.Sign() == 0 {
			continue
		}
		tainted := a.Tainted()
		if tainted.Sign() == 0 {
			continue
		}
		raise(RiskLow)
		share := new(big.Rat).SetFrac(tainted, a.Inflow)
		direct := new(big.Rat).SetFrac(a.Direct, a.Inflow)
		switch {
		case a.Direct.Sign() > 0 && direct.Cmp(t.Severe) >= 0:
			raise(RiskSevere)
		case share.Cmp(t.High) >= 0:
			raise(RiskHigh)
		case share.Cmp(t.Medium) >= 0:
			raise(RiskMedium)
		}
	}
	return level
}

// ScreenDocument is hound.screen/v1.
type ScreenDocument struct {
	Schema       string            `json:"schema"`
	Version      string            `json:"version"`
	Heights      map[string]uint64 `json:"heights"`
	LabelsDigest string            `json:"labels_digest"`
	Model        string            `json:"model"`
	Hops         int               `json:"hops"`
	Results      []ScreenResult    `json:"results"`
}

// ScreenResult is the answer for one subject.
type ScreenResult struct {
	ID       string           `json:"id"`
	Chain    string           `json:"chain"`
	Subject  string           `json:"subject"`
	Model    string           `json:"model"`
	Coverage Coverage         `json:"coverage"`
	Exposure []AssetExposure  `json:"exposure"`
	Risk     string           `json:"risk"`
	Paths    [][]PathStep     `json:"paths"`
	Sources  []ScreenSource   `json:"sources"`
	Method   string           `json:"method"`
	Cone     int              `json:"cone"`
	Complete bool             `json:"complete"`
	Error    string           `json:"error,omitempty"`
	assets   map[string]Asset // display names, for the table
}

// Coverage says what the store holds of the subject's chain: seen is false
// when it holds nothing of the subject (its risk is unknown, never none);
// from and to are the chain's stored block range.
type Coverage struct {
	Seen bool   `json:"seen"`
	From uint64 `json:"from"`
	To   uint64 `json:"to"`
}

// AssetExposure is the exposure in one asset: amounts in base units,
// shares of the inflow as decimal fractions.
type AssetExposure struct {
	Asset    string `json:"asset"`
	Symbol   string `json:"symbol,omitempty"`
	Inflow   string `json:"inflow"`
	Direct   Share  `json:"direct"`
	Indirect Share  `json:"indirect"`
}

// Share is an amount and its share of the inflow.
type Share struct {
	Amount string `json:"amount"`
	Share  string `json:"share"`
}

// ScreenSource is an attributed source a path starts at.
type ScreenSource struct {
	Chain    string `json:"chain"`
	Address  string `json:"address"`
	Category string `json:"category"`
	Entity   string `json:"entity"`
	Actor    string `json:"actor,omitempty"`
	Source   string `json:"source"`
}

// Asset is an asset's display name and decimals.
type Asset struct {
	Symbol   string
	Decimals uint8
}

// ScreenResultOf builds one result. id is the caller's row id (the subject
// when it has none); method says how the exposure was found ("walked").
func ScreenResultOf(id string, sub chains.Subject, x *trace.Exposure, model trace.Model, method string, cov Coverage, th Thresholds, assets Assets) ScreenResult {
	r := ScreenResult{ID: id, Chain: string(sub.Chain), Subject: SubjectString(sub), Model: model.String(), Coverage: cov,
		Exposure: []AssetExposure{}, Risk: th.Risk(x), Paths: [][]PathStep{}, Sources: []ScreenSource{}, Method: method,
		Cone: x.Cone, Complete: x.Complete, assets: map[string]Asset{}}
	r.Coverage.Seen = x.Seen
	for i := range x.Assets {
		a := &x.Assets[i]
		e := AssetExposure{Asset: string(a.Asset), Inflow: a.Inflow.String(),
			Direct: Share{a.Direct.String(), share(a.Direct, a.Inflow)}, Indirect: Share{a.Indirect.String(), share(a.Indirect, a.Inflow)}}
		if tok := assets.Token(sub.Chain, a.Asset); tok.Known {
			e.Symbol = tok.Symbol
			r.assets[e.Asset] = Asset{tok.Symbol, tok.Decimals}
		}
		r.Exposure = append(r.Exposure, e)
	}
	for _, p := range x.Paths {
		var steps []PathStep
		for _, e := range p {
			steps = append(steps, pathStep(e))
		}
		r.Paths = append(r.Paths, steps)
	}
	for _, l := range x.Sources {
		r.Sources = append(r.Sources, ScreenSource{Chain: string(l.Chain), Address: string(l.Address), Category: l.Category.String(),
			Entity: l.Entity, Actor: l.Actor, Source: l.Source})
	}
	return r
}

// ErrorResult is the result of a row that could not be screened.
func ErrorResult(id, chain, subject string, err error) ScreenResult {
	return ScreenResult{ID: id, Chain: chain, Subject: subject, Exposure: []AssetExposure{}, Risk: RiskUnknown,
		Paths: [][]PathStep{}, Sources: []ScreenSource{}, Method: "none", Error: err.Error()}
}

// SubjectString writes a subject as the command line takes it.
func SubjectString(sub chains.Subject) string {
	switch {
	case !sub.IsTx:
		return fmt.Sprintf("%s:%s", sub.Chain, sub.Address)
	case sub.HasIndex:
		return fmt.Sprintf("%s:%s:%d", sub.Chain, sub.Tx.Format(sub.Chain), sub.Index)
	}
	return fmt.Sprintf("%s:%s", sub.Chain, sub.Tx.Format(sub.Chain))
}

// share writes part/whole as a decimal fraction with 18 digits at most,
// trailing zeros dropped ("0" for an empty whole).
func share(part, whole *big.Int) string {
	if whole.Sign() == 0 {
		return "0"
	}
	s := new(big.Rat).SetFrac(part, whole).FloatString(18)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "" {
		return "0"
	}
	return s
}

// WriteScreenTable writes one line per subject and asset: risk, inflow,
// direct and indirect taint, then each result's top path.
func WriteScreenTable(w io.Writer, d *ScreenDocument) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSUBJECT\tRISK\tASSET\tINFLOW\tDIRECT\tINDIRECT\tMETHOD")
	for _, r := range d.Results {
		if r.Error != "" || len(r.Exposure) == 0 {
			note := "no data: unknown, not clean"
			if r.Error != "" {
				note = "error: " + r.Error
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t\t\t\t\t%s\n", r.ID, r.Subject, r.Risk, note)
			continue
		}
		for i, e := range r.Exposure {
			id, subject, risk := r.ID, r.Subject, r.Risk
			if i > 0 {
				id, subject, risk = "", "", ""
			}
			a := r.assets[e.Asset]
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s (%s)\t%s (%s)\t%s\n", id, subject, risk, assetName(e.Asset, a), units(e.Inflow, a),
				units(e.Direct.Amount, a), percent(e.Direct.Share), units(e.Indirect.Amount, a), percent(e.Indirect.Share), r.Method)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range d.Results {
		if len(r.Paths) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s: most taint came by\n", r.ID)
		for _, s := range r.Paths[0] {
			fmt.Fprintf(w, "  %s -> %s  %s of %s tainted  (%s)\n", s.From, s.To, s.Tainted, s.Amount, short(s.Tx))
		}
		for _, src := range r.Sources {
			fmt.Fprintf(w, "  source: %s %s (%s), per %s\n", src.Category, src.Entity, src.Address, src.Source)
		}
	}
	return nil
}

func assetName(asset string, a Asset) string {
	if a.Symbol != "" {
		return a.Symbol
	}
	return asset
}

func units(v string, a Asset) string {
	n, ok := new(big.Int).SetString(v, 10)
	if !ok || a.Symbol == "" {
		return v
	}
	return Units(n, a.Decimals)
}

// percent writes a decimal fraction as a percentage, to two places.
func percent(share string) string {
	r, ok := new(big.Rat).SetString(share)
	if !ok {
		return share
	}
	return r.Mul(r, big.NewRat(100, 1)).FloatString(2) + "%"
}

// ScreenCSVHeader is the header of the screening CSV: one row per subject
// and asset.
var ScreenCSVHeader = []string{"id", "chain", "subject", "risk", "asset", "inflow", "direct", "direct_share", "indirect", "indirect_share", "method", "seen", "error"}

// ScreenCSVRows are a result's CSV rows.
func ScreenCSVRows(r *ScreenResult) [][]string {
	if len(r.Exposure) == 0 {
		return [][]string{{r.ID, r.Chain, r.Subject, r.Risk, "", "", "", "", "", "", r.Method, fmt.Sprint(r.Coverage.Seen), r.Error}}
	}
	var rows [][]string
	for _, e := range r.Exposure {
		rows = append(rows, []string{r.ID, r.Chain, r.Subject, r.Risk, e.Asset, e.Inflow, e.Direct.Amount, e.Direct.Share,
			e.Indirect.Amount, e.Indirect.Share, r.Method, fmt.Sprint(r.Coverage.Seen), r.Error})
	}
	return rows
}

// WriteScreenCSV writes the document's results as CSV.
func WriteScreenCSV(w io.Writer, d *ScreenDocument) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(ScreenCSVHeader); err != nil {
		return err
	}
	for i := range d.Results {
		if err := cw.WriteAll(ScreenCSVRows(&d.Results[i])); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
