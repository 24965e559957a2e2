package labels

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/houndtrace/hound/chains"
)

func TestReadJSON(t *testing.T) {
	const two = `{"chain":"ethereum","address":"0xA160cdAB225685dA1d56aa342Ad8841c3b53f291","category":"mixer","entity":"Tornado Cash 100 ETH","confidence":"web_crawl"},
 {"network":"LTC","address":"LWnbjLYUfqeokfbWM4FcU7uk2FP2DSxuWS","category":"sanctioned","confidence":60,"first_seen":"2020-09-10","extra":true}`
	tests := []struct {
		name     string
		in       string
		labels   int
		problems string // fmt of the problems
		err      string // substring of the error
	}{
		{name: "array", in: "[\n" + two + "\n]", labels: 2},
		{name: "document", in: `{"schema":"hound.labels/v1","labels":[` + "\n" + two + "\n]}", labels: 2},
		{name: "labels before schema", in: `{"labels":[` + two + `],"schema":"hound.labels/v1"}`, labels: 2},
		{name: "empty", in: "", labels: 0},
		{name: "bad rows",
			in: "[\n" + two + `,
 {"chain":"ethereum","address":"0x1","category":"theft"},
 {"chain":"bitcoin","address":"3F2sZ4jbhvDKQdGbHYPC6ZxFXEau2m5Lqj","category":"loot"},
 {"chain":"bitcoin","address":"3F2sZ4jbhvDKQdGbHYPC6ZxFXEau2m5Lqj","category":"theft","confidence":"sure"},
 "not a label"
]`,
			labels: 2,
			problems: `t.json:4: address "0x1": want 0x followed by 40 hex digits` +
				` t.json:5: unknown category "loot" (known: theft, sanctioned, ransomware, scam, mixer, bridge, exchange, otc, dex, service)` +
				` t.json:6: confidence "sure": want a GraphSense level (ownership, ledger_immanent, override, manual_transaction, service_api, authority_data, service_data, forensic, trusted_provider, untrusted_transaction, web_crawl, heuristic, unknown) or a number 0-100` +
				` t.json:7: json: cannot unmarshal string into Go value of type labels.jsonLabel`},
		{name: "other schema", in: `{"schema":"hound.trace/v1","labels":[]}`, err: `t.json: schema "hound.trace/v1": want "hound.labels/v1"`},
		{name: "schema after labels", in: `{"labels":[],"schema":"x"}`, err: `schema "x"`},
		{name: "truncated", in: "[\n" + two + ",", err: "not JSON"},
		{name: "no labels", in: `{"schema":"hound.labels/v1"}`, err: `no "labels" array`},
		{name: "not json", in: `chain,address`, err: "not JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			imp, err := ReadJSON(strings.NewReader(tt.in), Options{Name: "t.json"})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(imp.Labels) != tt.labels || fmt.Sprint(imp.Problems) != wantList(tt.problems) {
				t.Errorf("%d labels, problems\n%v\nwant\n%s", len(imp.Labels), imp.Problems, tt.problems)
			}
			if tt.labels == 2 {
				ltc := imp.Labels[1]
				if ltc.Traced() || ltc.Network != "LTC" || ltc.Confidence.String() != "60" || ltc.FirstSeen.String() != "2020-09-10" {
					t.Errorf("LTC label %+v", ltc)
				}
				if imp.Labels[0].Address != "0xa160cdab225685da1d56aa342ad8841c3b53f291" || imp.Labels[0].Chain != chains.Ethereum {
					t.Errorf("ETH label %+v", imp.Labels[0])
				}
			}
		})
	}
}

func TestWriteJSONRoundTrip(t *testing.T) {
	set := sampleSet(t)
	var buf bytes.Buffer
	if err := WriteJSON(&buf, set.Labels()); err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(buf.Bytes(), []byte("\n")); n != set.Len()+2 {
		t.Errorf("%d lines for %d labels, want one label per line", n, set.Len())
	}
	imp, err := ReadJSON(&buf, Options{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	assertSameSet(t, imp.Labels, set.Labels())
}
