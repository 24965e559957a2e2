package labels

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/houndtrace/hound/chains"
	"github.com/houndtrace/hound/labels/jsonschema"
)

var fixedClock = func() time.Time { return time.Date(2025, 3, 1, 12, 30, 45, 123456789, time.UTC) }

func writeSTIX(t *testing.T, ls []Label, clock func() time.Time) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteSTIX(&buf, ls, STIXOptions{Clock: clock}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestSTIXSchemas validates the STIX export of the sample set against the
// OASIS STIX 2.1 JSON schemas in ../shared/data: the bundle schema, which
// holds every object to the schema of its type (identity, threat-actor,
// indicator, relationship) and to the common ones (core, identifier,
// timestamp, properties). It then checks what the schemas cannot: ids are
// UUIDv5 and unique, references resolve, modified is not before created, and
// every pattern is a well-formed STIX comparison on one wallet address.
func TestSTIXSchemas(t *testing.T) {
	v, err := jsonschema.Load(filepath.Join(dataDir(t), "stix2.1-schemas", "schemas"))
	if err != nil {
		t.Fatal(err)
	}
	set := sampleSet(t)
	out := writeSTIX(t, set.Labels(), fixedClock)
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	var bundle map[string]any
	if err := dec.Decode(&bundle); err != nil {
		t.Fatal(err)
	}
	if err := v.Validate("common/bundle.json", bundle); err != nil {
		t.Fatalf("bundle: %v", err)
	}
	objects := bundle["objects"].([]any)
	schemaOf := map[string]string{"identity": "sdos/identity.json", "threat-actor": "sdos/threat-actor.json",
		"indicator": "sdos/indicator.json", "relationship": "sros/relationship.json"}
	ids := map[string]string{}
	byType := map[string]int{}
	uuid5 := regexp.MustCompile(`^[a-z-]+--[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	pattern := regexp.MustCompile(`^\[cryptocurrency-wallet:address = '((?:[^'\\]|\\.)+)'\]$`)
	for _, o := range objects {
		obj := o.(map[string]any)
		typ, id := obj["type"].(string), obj["id"].(string)
		byType[typ]++
		if err := v.Validate(schemaOf[typ], obj); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if !uuid5.MatchString(id) || !strings.HasPrefix(id, typ+"--") {
			t.Fatalf("id %s of a %s", id, typ)
		}
		if _, dup := ids[id]; dup {
			t.Fatalf("id %s twice", id)
		}
		ids[id] = typ
		if obj["created"] != "2025-03-01T12:30:45.123Z" || obj["modified"] != obj["created"] {
			t.Fatalf("%s: created %v modified %v", id, obj["created"], obj["modified"])
		}
		if typ == "indicator" {
			m := pattern.FindStringSubmatch(obj["pattern"].(string))
			if m == nil || obj["pattern_type"] != "stix" {
				t.Fatalf("%s: pattern %v", id, obj["pattern"])
			}
		}
	}
	for _, o := range objects {
		obj := o.(map[string]any)
		for _, ref := range []string{"created_by_ref", "source_ref", "target_ref"} {
			if r, ok := obj[ref].(string); ok && ids[r] == "" {
				t.Fatalf("%s: %s %s is not in the bundle", obj["id"], ref, r)
			}
		}
		if obj["type"] == "relationship" && obj["relationship_type"] == "indicates" &&
			(ids[obj["source_ref"].(string)] != "indicator" || ids[obj["target_ref"].(string)] != "threat-actor") {
			t.Fatalf("relationship %v", obj)
		}
	}
	// The schemas do catch what Hound must get right: break a copy.
	for _, breakIt := range []func(m map[string]any){
		func(m map[string]any) { delete(m, "pattern_type") },
		func(m map[string]any) { m["created"] = "2025-03-01T12:30:45Z" }, // no milliseconds
		func(m map[string]any) { m["id"] = "indicator--not-a-uuid" },
		func(m map[string]any) { m["labels"] = []any{} },
		func(m map[string]any) { m["x_hound_chain"] = nil },
		func(m map[string]any) { m["spec_version"] = "2.2" },
	} {
		var broken map[string]any
		if err := json.Unmarshal(out, &broken); err != nil {
			t.Fatal(err)
		}
		objs := broken["objects"].([]any)
		for _, o := range objs {
			if m := o.(map[string]any); m["type"] == "indicator" {
				breakIt(m)
				break
			}
		}
		if err := v.Validate("common/bundle.json", broken); err == nil {
			t.Errorf("a broken indicator passes the schemas")
		}
	}

	st := set.Stats()
	if byType["identity"] != 1 || byType["indicator"] != st.Addresses || byType["threat-actor"] < 3 || byType["relationship"] == 0 {
		t.Errorf("objects by type %v, %d addresses", byType, st.Addresses)
	}
}

// TestSTIXContent checks the objects made for the Ronin exploiter.
func TestSTIXContent(t *testing.T) {
	ls := Builtin().Lookup(chains.Ethereum, roninExploiter)
	out := writeSTIX(t, ls, fixedClock)
	var bundle struct {
		Objects []map[string]any `json:"objects"`
	}
	if err := json.Unmarshal(out, &bundle); err != nil {
		t.Fatal(err)
	}
	var ind map[string]any
	actors := map[string]map[string]any{}
	rels := map[string]int{}
	for _, o := range bundle.Objects {
		switch o["type"] {
		case "indicator":
			ind = o
		case "threat-actor":
			actors[o["name"].(string)] = o
		case "relationship":
			rels[o["relationship_type"].(string)]++
		}
	}
	if ind["pattern"] != "[cryptocurrency-wallet:address = '"+roninExploiter+"']" || ind["valid_from"] != "2022-04-14T00:00:00.000Z" {
		t.Errorf("indicator %v", ind)
	}
	if ind["x_hound_chain"] != "ethereum" || !strings.Contains(ind["description"].(string), "sanctioned: LAZARUS GROUP (DPRK, Lazarus Group)") {
		t.Errorf("indicator %v", ind)
	}
	if a := actors["Lazarus Group"]; a == nil || a["threat_actor_types"].([]any)[0] != "nation-state" || actors[DPRK] == nil {
		t.Errorf("threat actors %v", actors)
	}
	if rels["indicates"] != 1 || rels["attributed-to"] != 1 {
		t.Errorf("relationships %v", rels)
	}
}

// TestSTIXDeterministic writes the same labels twice: the same clock gives
// the same bytes; another clock changes the times and the bundle id only.
func TestSTIXDeterministic(t *testing.T) {
	ls := Builtin().Labels()[:200]
	a, b := writeSTIX(t, ls, fixedClock), writeSTIX(t, ls, fixedClock)
	if !bytes.Equal(a, b) {
		t.Fatal("two exports differ")
	}
	later := writeSTIX(t, ls, func() time.Time { return fixedClock().Add(time.Hour) })
	ids := regexp.MustCompile(`"id": "([a-z-]+--[0-9a-f-]+)"`)
	ia, il := ids.FindAllStringSubmatch(string(a), -1), ids.FindAllStringSubmatch(string(later), -1)
	if len(ia) != len(il) || ia[0][1] == il[0][1] {
		t.Fatalf("bundle ids %v %v", ia[0], il[0])
	}
	for i := 1; i < len(ia); i++ {
		if ia[i][1] != il[i][1] {
			t.Fatalf("object %d: id %s then %s", i, ia[i][1], il[i][1])
		}
	}
}

func TestSTIXEscape(t *testing.T) {
	if got := stixEscape(`a'b\c`); got != `a\'b\\c` {
		t.Errorf("stixEscape = %s", got)
	}
}
