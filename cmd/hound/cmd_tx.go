package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/store"
	"github.com/houndtrace/hound/trace/report"
)

func newTxCommand(g *globalOptions) *cobra.Command {
	return newLookupCommand(g, runTx, chains.TxSubject, "one <chain>:<txid>", &cobra.Command{
		Use:   "tx <chain>:<txid>",
		Short: "Show one stored transaction's transfers",
		Long: `Show one transaction from the store: its status and every transfer it made, in execution
order: the fee first (gas is bought before execution), then top-level value, internal
transfers from call traces and token transfers from logs; then the protocol events Hound
decoded (mixer pool deposits and withdrawals, bridge router deposits and payouts with their
memos, DEX swaps). A Bitcoin transaction shows its inputs and outputs, OP_RETURN memos as text.`,
		Example: `  hound tx ethereum:0xc28fad5e8d5e0ce6a2eaf67b6687be5d58113e16be590824d6cfa1a94467d0b7`,
	})
}

// txJSON is hound.tx/v1.
type txJSON struct {
	Schema    string         `json:"schema"`
	Chain     string         `json:"chain"`
	Tx        string         `json:"tx"`
	Block     uint64         `json:"block"`
	Index     uint32         `json:"index"`
	Time      string         `json:"time"`
	From      string         `json:"from,omitempty"`
	To        string         `json:"to,omitempty"`
	Status    string         `json:"status"`
	Transfers []transferJSON `json:"transfers"`
	// Events are the protocol events Hound decoded (mixer pools, bridge
	// routers, DEX pairs).
	Events []eventJSON `json:"events,omitempty"`
	// UTXO chains: the transaction's inputs and outputs, in order.
	Fee     string       `json:"fee,omitempty"`
	Inputs  []inputJSON  `json:"inputs,omitempty"`
	Outputs []outputJSON `json:"outputs,omitempty"`
}

type inputJSON struct {
	Spends   string `json:"spends,omitempty"` // <txid>:<vout>
	Coinbase bool   `json:"coinbase,omitempty"`
	Resolved bool   `json:"resolved"`
	Address  string `json:"address,omitempty"`
	Amount   string `json:"amount,omitempty"`
}

type outputJSON struct {
	Index   uint32 `json:"index"`
	Address string `json:"address,omitempty"`
	Script  string `json:"script"`
	Amount  string `json:"amount"`
	Display string `json:"display"`
	PubKey  string `json:"pubkey,omitempty"`
	Data    string `json:"data,omitempty"`     // OP_RETURN payload, hex
	Memo    string `json:"memo,omitempty"`     // the payload as text, when it is printable
	SpentBy string `json:"spent_by,omitempty"` // <txid>:<vin>
}

func runTx(w io.Writer, g *globalOptions, st *store.Store, format string, sub chains.Subject) error {
	rec, err := st.Tx(sub.Chain, sub.Tx)
	if errors.Is(err, store.ErrNotFound) {
		return usagef("%s:%s: the store has no such transaction (is its block synced? see hound store info)", sub.Chain, sub.Tx.Format(sub.Chain))
	}
	if err != nil {
		return err
	}
	names := newAssetNamer(st, sub.Chain)
	out := txJSON{Schema: "hound.tx/v1", Chain: string(sub.Chain), Tx: sub.Tx.Format(sub.Chain), Block: rec.Block,
		Index: rec.Tx.Index, Time: unixTime(rec.Time), From: string(rec.Tx.From), To: string(rec.Tx.To),
		Status: statusName(rec.Tx.Status), Transfers: []transferJSON{}}
	for i := range rec.Transfers {
		out.Transfers = append(out.Transfers, names.transferJSON(&rec.Transfers[i]))
	}
	if rec.UTXO == nil {
		evs, err := st.TxEvents(context.Background(), sub.Chain, sub.Tx)
		if err != nil {
			return err
		}
		for i := range evs {
			out.Events = append(out.Events, names.eventJSON(&evs[i]))
		}
	}
	if rec.UTXO != nil {
		if err := fillUTXO(st, &out, rec); err != nil {
			return err
		}
		if format == "json" {
			return writeJSON(w, out)
		}
		return utxoTable(w, &out)
	}
	if format == "json" {
		return writeJSON(w, out)
	}
	fmt.Fprintf(w, "%s %s\nblock %d, index %d, %s, %s\nfrom %s to %s\n\n", out.Chain, out.Tx, out.Block, out.Index, out.Time, out.Status, out.From, out.To)
	tw := newTable(w)
	fmt.Fprintln(tw, "POSITION\tKIND\tFROM\tTO\tAMOUNT")
	for i := range rec.Transfers {
		t := &rec.Transfers[i]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", posString(t.Pos), t.Kind, t.From, t.To, names.display(t.Asset, t.Amount))
	}
	if err := tw.Flush(); err != nil || len(out.Events) == 0 {
		return err
	}
	fmt.Fprintln(w)
	tw = newTable(w)
	fmt.Fprintln(tw, "POSITION\tEVENT\tCONTRACT\tFROM\tTO\tAMOUNT\tMEMO")
	for _, e := range out.Events {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Position, e.Kind, e.Contract, e.From, e.To, e.Display, e.Memo)
	}
	return tw.Flush()
}

// eventJSON is a decoded protocol event in hound.tx/v1.
type eventJSON struct {
	Position string   `json:"position"`
	Kind     string   `json:"kind"`
	Contract string   `json:"contract"`
	From     string   `json:"from,omitempty"`
	To       string   `json:"to,omitempty"`
	Relayer  string   `json:"relayer,omitempty"`
	Asset    string   `json:"asset,omitempty"`
	Amount   string   `json:"amount,omitempty"`
	Display  string   `json:"display,omitempty"`
	Fee      string   `json:"fee,omitempty"`
	Amounts  []string `json:"amounts,omitempty"`
	Memo     string   `json:"memo,omitempty"`
}

func (n *assetNamer) eventJSON(e *chains.Event) eventJSON {
	out := eventJSON{Position: posString(e.Pos), Kind: e.Kind.String(), Contract: string(e.Contract), From: string(e.From),
		To: string(e.To), Relayer: string(e.Relayer), Asset: string(e.Asset), Memo: e.Memo}
	asset := e.Asset
	if asset == "" {
		asset = chains.Native
	}
	if e.Amount != nil {
		out.Amount, out.Display = e.Amount.String(), n.display(asset, e.Amount)
	}
	if e.Fee != nil {
		out.Fee = e.Fee.String()
	}
	for _, a := range e.Amounts {
		out.Amounts = append(out.Amounts, a.String())
	}
	return out
}

func statusName(s chains.TxStatus) string {
	switch s {
	case chains.TxSucceeded:
		return "succeeded"
	case chains.TxFailed:
		return "failed"
	}
	return "unknown"
}

// fillUTXO adds a UTXO transaction's inputs and outputs, and where each
// output went.
func fillUTXO(st *store.Store, out *txJSON, rec *store.TxRecord) error {
	tx := rec.UTXO
	if fee, ok := tx.Fee(); ok {
		out.Fee = strconv.FormatUint(fee, 10)
	}
	for _, in := range tx.Inputs {
		ij := inputJSON{Coinbase: in.Coinbase, Resolved: in.Resolved || in.Coinbase}
		if !in.Coinbase {
			ij.Spends = in.Prev.String()
		}
		if in.Resolved {
			ij.Address, ij.Amount = string(in.Address), strconv.FormatUint(in.Value, 10)
		}
		out.Inputs = append(out.Inputs, ij)
	}
	for i, o := range tx.Outputs {
		oj := outputJSON{Index: uint32(i), Address: string(o.Address), Script: o.Kind.String(),
			Amount: strconv.FormatUint(o.Value, 10), Display: report.Units(new(big.Int).SetUint64(o.Value), 8),
			PubKey: hex.EncodeToString(o.PubKey), Data: hex.EncodeToString(o.Data), Memo: printable(o.Data)}
		by, spent, err := st.SpentBy(rec.Chain, chains.Outpoint{Tx: tx.Hash, Index: uint32(i)})
		if err != nil {
			return err
		}
		if spent {
			oj.SpentBy = by.String()
		}
		out.Outputs = append(out.Outputs, oj)
	}
	return nil
}

// printable returns b as text when every byte is printable ASCII (a
// THORChain memo), else "".
func printable(b []byte) string {
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return ""
		}
	}
	return string(b)
}

func utxoTable(w io.Writer, out *txJSON) error {
	fee := "unknown (inputs unresolved)"
	if out.Fee != "" {
		fee = out.Fee + " sat"
	}
	fmt.Fprintf(w, "%s %s\nblock %d, index %d, %s, fee %s\n\n", out.Chain, out.Tx, out.Block, out.Index, out.Time, fee)
	tw := newTable(w)
	fmt.Fprintln(tw, "INPUT\tSPENDS\tADDRESS\tAMOUNT")
	for i, in := range out.Inputs {
		switch {
		case in.Coinbase:
			fmt.Fprintf(tw, "%d\tcoinbase (new coins)\t\t\n", i)
		case !in.Resolved:
			fmt.Fprintf(tw, "%d\t%s\t(unresolved: the store lacks the spent output's block)\t\n", i, in.Spends)
		default:
			v, _ := new(big.Int).SetString(in.Amount, 10)
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s BTC\n", i, in.Spends, in.Address, report.Units(v, 8))
		}
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "OUTPUT\tADDRESS\tSCRIPT\tAMOUNT\tSPENT BY")
	for _, o := range out.Outputs {
		addr := o.Address
		if o.Memo != "" {
			addr = fmt.Sprintf("memo %q", o.Memo)
		} else if o.Data != "" {
			addr = "data " + o.Data
		}
		spent := o.SpentBy
		if spent == "" {
			spent = "unspent"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s BTC\t%s\n", o.Index, addr, o.Script, o.Display, spent)
	}
	return tw.Flush()
}
