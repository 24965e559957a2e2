package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/houndtrace/hound/chains"
)

// readScreenInput reads the subjects of a CSV or JSON-lines file. A file
// that cannot be read at all is an error; a row that cannot be parsed is a
// row with its error, so every row gets a result in order.
func readScreenInput(path string) ([]screenRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usageError{fmt.Errorf("--input: %w", err)}
	}
	defer f.Close()
	br := bufio.NewReader(f)
	first, err := br.Peek(1)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("--input %s: %w", path, err)
	}
	var rows []screenRow
	if len(first) > 0 && first[0] == '{' {
		rows, err = readJSONLines(br)
	} else {
		rows, err = readSubjectCSV(br)
	}
	if err != nil {
		return nil, usageError{fmt.Errorf("--input %s: %w", path, err)}
	}
	return rows, nil
}

// inputRow is one row as a file gives it.
type inputRow struct {
	ID      string `json:"id"`
	Chain   string `json:"chain"`
	Address string `json:"address"`
	Tx      string `json:"tx"`
	Subject string `json:"subject"`
}

// row parses an input row; line numbers the row in the file for errors.
func (in inputRow) row(line int) screenRow {
	s := in.Subject
	switch {
	case s == "" && in.Address != "" && in.Tx != "":
		return screenRow{ID: in.ID, Chain: in.Chain, err: fmt.Errorf("line %d: both an address and a tx", line)}
	case s == "" && in.Chain == "":
		return screenRow{ID: in.ID, err: fmt.Errorf("line %d: no chain", line)}
	case s == "":
		s = in.Chain + ":" + in.Address + in.Tx
	}
	r := screenRow{ID: in.ID, Chain: in.Chain, Subject: s}
	if r.ID == "" {
		r.ID = s
	}
	r.sub, r.err = chains.ParseSubject(s)
	if r.err != nil {
		r.err = fmt.Errorf("line %d: %w", line, r.err)
	} else {
		r.Chain = string(r.sub.Chain)
	}
	return r
}

func readJSONLines(r io.Reader) ([]screenRow, error) {
	var rows []screenRow
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		var in inputRow
		if err := json.Unmarshal([]byte(text), &in); err != nil {
			rows = append(rows, screenRow{ID: fmt.Sprintf("line %d", line), err: fmt.Errorf("line %d: %v", line, err)})
			continue
		}
		rows = append(rows, in.row(line))
	}
	return rows, sc.Err()
}

func readSubjectCSV(r io.Reader) ([]screenRow, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("no header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	_, hasSubject := col["subject"]
	_, hasChain := col["chain"]
	if !hasSubject && !hasChain {
		return nil, fmt.Errorf("header %q: want a subject column, or chain with address or tx", strings.Join(header, ","))
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var rows []screenRow
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			rows = append(rows, screenRow{ID: fmt.Sprintf("line %d", line), err: err})
			continue
		}
		rows = append(rows, inputRow{ID: get(rec, "id"), Chain: get(rec, "chain"), Address: get(rec, "address"),
			Tx: get(rec, "tx"), Subject: get(rec, "subject")}.row(line))
	}
}
