package jsonschema

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidate checks the validator on a small schema set that uses refs
// across files, a JSON pointer, patterns, oneOf and additionalProperties.
func TestValidate(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("common/id.json", `{"type": "string", "pattern": "^[a-z]+--[0-9]+$"}`)
	write("obj.json", `{
		"type": "object",
		"properties": {"id": {"$ref": "common/id.json"}, "n": {"$ref": "#/definitions/small"}},
		"required": ["id"],
		"additionalProperties": false,
		"definitions": {"small": {"type": "integer", "minimum": 0, "maximum": 9}},
		"oneOf": [{"required": ["n"]}, {"properties": {"id": {"pattern": "^x"}}}]
	}`)
	v, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		doc  string // the instance
		want string // "" for valid, else a substring of the error
	}{
		{`{"id": "a--1", "n": 3}`, ""},
		{`{"id": "x--1"}`, ""},
		{`{"id": "a--1"}`, "oneOf"},
		{`{"id": "A--1", "n": 3}`, "does not match"},
		{`{"n": 3}`, "missing required"},
		{`{"id": "a--1", "n": 30}`, "maximum"},
		{`{"id": "a--1", "n": 1.5}`, "type"},
		{`{"id": "a--1", "n": 3, "extra": 1}`, "additional property"},
	}
	for _, tt := range tests {
		var doc any
		if err := json.Unmarshal([]byte(tt.doc), &doc); err != nil {
			t.Fatal(err)
		}
		err := v.Validate("obj.json", doc)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.doc, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: got %v, want an error with %q", tt.doc, err, tt.want)
		}
	}
}
