package report

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strconv"
	"strings"
)

// FreezeRow is one deposit transaction of a freeze request: tainted money
// that reached an exchange at a deposit address, which the exchange's
// compliance team can find in its books by the address and the transaction.
type FreezeRow struct {
	// Exchange is the exchange's entity name, from its wallet's label.
	Exchange string `json:"exchange"`
	// DepositAddress received the deposit. For a Finding of kind exchange
	// (the exchange's own labelled wallet received the money directly) it
	// is that wallet.
	DepositAddress string `json:"deposit_address"`
	Chain          string `json:"chain"`
	// Tx, Block and Time are the deposit transaction's: the transaction
	// that paid the deposit address.
	Tx    string `json:"tx"`
	Block uint64 `json:"block"`
	Time  string `json:"time"`
	// Amount and Tainted are what the deposit transaction paid the address,
	// in base units.
	Amount  string `json:"amount"`
	Tainted string `json:"tainted"`
	Asset   string `json:"asset"`
	Symbol  string `json:"symbol,omitempty"`
	// AmountDisplay and TaintedDisplay are the amounts in whole units with
	// the asset's symbol.
	AmountDisplay  string `json:"amount_display"`
	TaintedDisplay string `json:"tainted_display"`
	// Wallet is the exchange wallet the deposit was swept to or spent
	// with; SweepTx the transaction that moved the deposit on to it
	// (empty while the deposit has not been swept).
	Wallet  string `json:"wallet"`
	SweepTx string `json:"sweep_tx"`
	// Finding is the kind of finding the row comes from (exchange_deposit
	// or exchange); Confidence and Heuristic are its.
	Finding    string `json:"finding"`
	Confidence string `json:"confidence"`
	Heuristic  string `json:"heuristic"`
	Hop        int    `json:"hop"`
}

// FreezeColumns are the header of the freeze-request CSV.
var FreezeColumns = []string{"exchange", "deposit_address", "chain", "tx", "block", "time", "amount", "tainted", "asset", "symbol",
	"amount_display", "tainted_display", "wallet", "sweep_tx", "finding", "confidence", "heuristic", "hop"}

// Freeze lists the deposit transactions that brought tainted money to an
// exchange, one row per deposit transaction (and asset), sorted by exchange,
// then time. It reads the document alone:
//
//   - exchange_deposit on an account chain (Victor's heuristic): the finding
//     is the sweep to the exchange; the rows are the tainted flows into the
//     deposit address (any asset), each with the first sweep at or after
//     its block (a flow after the last sweep is listed unswept: the money
//     may still be there to freeze). A sweep that carried taint the address
//     had received before an earlier sweep adds no row: its deposit is
//     already listed.
//   - exchange_deposit on Bitcoin: the finding is the deposit itself (the
//     output paying the deposit address); the sweep is the transaction
//     that spent it, when one did.
//   - exchange: tainted money paid straight to a labelled exchange wallet.
//     No customer deposit address is known; the row names the wallet as
//     the deposit address, so that the exchange can find the credited
//     account by the transaction.
//
// Rows with no taint are left out.
func Freeze(d *Document, assets Assets) []FreezeRow {
	nodeAddr := map[string]string{}
	for _, n := range d.Nodes {
		nodeAddr[n.ID] = n.Address
	}
	edgeByID := map[int]*Edge{}
	for i := range d.Edges {
		edgeByID[d.Edges[i].ID] = &d.Edges[i]
	}
	type place struct{ chain, address string }
	sweeps := map[place][]*Finding{} // account-chain deposit addresses' sweeps, in block order
	var order []place
	var rows []FreezeRow
	for i := range d.Findings {
		f := &d.Findings[i]
		switch {
		case f.Kind == "exchange_deposit" && chainOf(f.Chain).IsEVM():
			p := place{f.Chain, f.Address}
			if sweeps[p] == nil {
				order = append(order, p)
			}
			sweeps[p] = append(sweeps[p], f)
		case f.Kind == "exchange_deposit", f.Kind == "exchange":
			r := freezeRow(f, f.Address, f.Tx, f.Block, f.Time, f.Amount, f.Tainted, f.Asset, assets)
			if f.Kind == "exchange" {
				r.Wallet = f.Address
			} else if e := edgeByID[f.EdgeID]; e != nil && e.Tx == f.Tx {
				r.SweepTx = nodeTx(e.To, nodeAddr)
			}
			rows = append(rows, r)
		}
	}
	for _, p := range order {
		fs := sweeps[p]
		slices.SortStableFunc(fs, func(a, b *Finding) int { return cmp.Compare(a.Block, b.Block) })
		listed := map[*Finding]bool{}
		for _, e := range d.Edges {
			if e.Chain != p.chain || nodeAddr[e.To] != p.address || nodeAddr[e.From] == p.address {
				continue
			}
			f, swept := fs[len(fs)-1], false
			for _, s := range fs {
				if s.Block >= e.Block {
					f, swept = s, true
					break
				}
			}
			r := freezeRow(f, p.address, e.Tx, e.Block, e.Time, e.Amount, e.Tainted, e.Asset, assets)
			r.Hop = e.Hop
			if !swept {
				r.SweepTx = ""
			}
			rows = append(rows, r)
			listed[f] = true
		}
		// A sweep whose deposits are not among the document's flows (none
		// should be): its own numbers, without a deposit transaction.
		for _, f := range fs {
			if !listed[f] {
				r := freezeRow(f, p.address, "", f.Block, f.Time, f.Amount, f.Tainted, f.Asset, assets)
				rows = append(rows, r)
			}
		}
	}
	rows = slices.DeleteFunc(rows, func(r FreezeRow) bool { return isZero(r.Tainted) })
	slices.SortStableFunc(rows, func(a, b FreezeRow) int {
		return cmp.Or(cmp.Compare(a.Exchange, b.Exchange), cmp.Compare(a.Time, b.Time), cmp.Compare(a.Chain, b.Chain),
			cmp.Compare(a.Block, b.Block), cmp.Compare(a.Tx, b.Tx), cmp.Compare(a.DepositAddress, b.DepositAddress), cmp.Compare(a.Asset, b.Asset))
	})
	return mergeFreezeRows(rows, assets)
}

// freezeRow fills a row from a finding and the deposit's numbers.
func freezeRow(f *Finding, address, tx string, block uint64, time, amt, tainted, asset string, assets Assets) FreezeRow {
	r := FreezeRow{Exchange: f.Entity, DepositAddress: address, Chain: f.Chain, Tx: tx, Block: block, Time: time,
		Amount: amt, Tainted: tainted, Asset: asset, AmountDisplay: amount(amt, asset, f.Chain, assets),
		TaintedDisplay: amount(tainted, asset, f.Chain, assets), Wallet: f.Wallet, Finding: f.Kind,
		Confidence: f.Confidence, Heuristic: f.Heuristic, Hop: f.Hop}
	if f.Kind == "exchange_deposit" && chainOf(f.Chain).IsEVM() {
		r.SweepTx = f.Tx
	}
	if tok := assets.Token(chainOf(f.Chain), assetOf(asset)); tok.Known {
		r.Symbol = tok.Symbol
	}
	return r
}

// mergeFreezeRows adds up adjacent rows of one deposit transaction (two
// outputs or transfers of one transaction to the same address and asset):
// one row per deposit transaction.
func mergeFreezeRows(rows []FreezeRow, assets Assets) []FreezeRow {
	var out []FreezeRow
	for _, r := range rows {
		if n := len(out); n > 0 && r.Tx != "" {
			last := &out[n-1]
			if last.Exchange == r.Exchange && last.Chain == r.Chain && last.Tx == r.Tx && last.DepositAddress == r.DepositAddress && last.Asset == r.Asset {
				last.Amount, last.Tainted = addDecimal(last.Amount, r.Amount), addDecimal(last.Tainted, r.Tainted)
				last.AmountDisplay = amount(last.Amount, r.Asset, r.Chain, assets)
				last.TaintedDisplay = amount(last.Tainted, r.Asset, r.Chain, assets)
				continue
			}
		}
		out = append(out, r)
	}
	return out
}

// WriteFreezeCSV writes the freeze-request packet as CSV: FreezeColumns,
// then one row per deposit transaction (see Freeze).
func WriteFreezeCSV(w io.Writer, d *Document, assets Assets) error {
	return writeFreezeRows(w, Freeze(d, assets))
}

func writeFreezeRows(w io.Writer, rows []FreezeRow) error {
	cw := csv.NewWriter(w)
	cw.Write(FreezeColumns)
	for _, r := range rows {
		cw.Write([]string{r.Exchange, r.DepositAddress, r.Chain, r.Tx, strconv.FormatUint(r.Block, 10), r.Time, r.Amount, r.Tainted,
			r.Asset, r.Symbol, r.AmountDisplay, r.TaintedDisplay, r.Wallet, r.SweepTx, r.Finding, r.Confidence, r.Heuristic, strconv.Itoa(r.Hop)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write freeze csv: %w", err)
	}
	return nil
}

// nodeTx is the transaction of a UTXO transaction node ("" for a holding).
func nodeTx(id string, nodeAddr map[string]string) string {
	if a := nodeAddr[id]; a != "" && strings.HasSuffix(id, ":tx:"+a) {
		return a
	}
	return ""
}

func isZero(v string) bool {
	n, ok := new(big.Int).SetString(v, 10)
	return !ok || n.Sign() == 0
}

func addDecimal(a, b string) string {
	x, _ := new(big.Int).SetString(a, 10)
	y, _ := new(big.Int).SetString(b, 10)
	if x == nil || y == nil {
		return a
	}
	return x.Add(x, y).String()
}
