package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	sharedData = "../../../shared/data/"
	ofacSDN    = sharedData + "ofac/moov-watchman-sdn-csv-2021/sdn.csv"
	ofacNotes  = sharedData + "ofac/moov-watchman-sdn-csv-2021/sdn_comments.csv"
	ronin      = "ethereum:0x098B716B8Aaf21512996dC57EB0615e2383E2f96"
)

func TestLabelsImportShowExport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	tmp := t.TempDir()

	// The official OFAC pair, imported together: its one malformed address is
	// reported as file:line, the rest stored.
	r := hound(t, "labels", "import", ofacSDN, ofacNotes, "--format", "ofac-csv", "--name", "ofac", "--store", dir)
	if r.code != 0 || !strings.Contains(r.stdout, `imported 96 labels into the set "ofac"`) || !strings.Contains(r.stderr, "sdn.csv:8308:") {
		t.Fatalf("import: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// Importing the source again replaces its set: still 96 labels.
	mustHound(t, "labels", "import", ofacSDN, ofacNotes, "--format", "ofac", "--name", "ofac", "--store", dir)
	var sets struct {
		Sets []labelSetJSON `json:"sets"`
	}
	if err := json.Unmarshal([]byte(mustHound(t, "labels", "list", "--store", dir, "--format", "json")), &sets); err != nil {
		t.Fatal(err)
	}
	if len(sets.Sets) != 2 || sets.Sets[1].Name != "ofac" || sets.Sets[1].Labels != 96 || sets.Sets[0].Name != "builtin" {
		t.Fatalf("labels list: %+v", sets.Sets)
	}

	// The Ronin exploiter: LAZARUS GROUP, sanctioned, with its sources.
	var show struct {
		Labels []labelJSON `json:"labels"`
	}
	if err := json.Unmarshal([]byte(mustHound(t, "labels", "show", ronin, "--store", dir, "--format", "json")), &show); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, l := range show.Labels {
		if l.Category == "sanctioned" && l.Entity == "LAZARUS GROUP" && l.Actor == "DPRK" && l.Source != "" {
			found = true
		}
	}
	if !found {
		t.Fatalf("the Ronin exploiter's labels: %+v", show.Labels)
	}

	// Export the stored set as CSV and import it back: the same labels.
	exported := filepath.Join(tmp, "ofac.csv")
	mustHound(t, "labels", "export", "--set", "ofac", "--format", "csv", "-o", exported, "--store", dir)
	out := mustHound(t, "labels", "import", exported, "--name", "again", "--strict", "--store", dir)
	if !strings.Contains(out, `imported 96 labels into the set "again"`) {
		t.Fatalf("re-import: %s", out)
	}
	a := mustHound(t, "labels", "export", "--set", "ofac", "--format", "json", "--store", dir)
	b := mustHound(t, "labels", "export", "--set", "again", "--format", "json", "--store", dir)
	if a != b {
		t.Fatal("CSV export and re-import changed the labels")
	}
	stix := mustHound(t, "labels", "export", "--set", "ofac", "--format", "stix", "--store", dir)
	if !strings.Contains(stix, `"type": "bundle"`) && !strings.Contains(stix, `"type":"bundle"`) {
		t.Fatalf("stix export: %.300s", stix)
	}

	// A label of one's own, and a file used for one run only.
	mustHound(t, "labels", "add", "bitcoin:1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3", "--category", "service", "--entity", "Hal Finney",
		"--source", "block 170", "--store", dir)
	extra := filepath.Join(tmp, "extra.csv")
	os.WriteFile(extra, []byte("chain,address,category,entity,actor,group,campaign,source,confidence\n"+
		"bitcoin,1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3,exchange,Test Exchange,,,,my notes,heuristic\n"), 0o644)
	out = mustHound(t, "labels", "show", "bitcoin:1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3", "--labels", extra, "--store", dir)
	if !strings.Contains(out, "Hal Finney") || !strings.Contains(out, "Test Exchange") {
		t.Fatalf("labels show: %s", out)
	}

	// Bad input: one clear line, exit 2.
	bad := filepath.Join(tmp, "bad.csv")
	os.WriteFile(bad, []byte("chain,address,category,entity,actor,group,campaign,source,confidence\n"+
		"ethereum,0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD,exchange,X,,,,s,\n"), 0o644)
	for _, args := range [][]string{
		{"labels", "import", bad, "--strict"},
		{"labels", "add", ronin, "--category", "theft"},
		{"labels", "add", ronin, "--category", "robbery", "--source", "x"},
		{"labels", "export", "--set", "nope"},
	} {
		r := hound(t, append(args, "--store", dir)...)
		if r.code != exitUsage || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("hound %s: exit %d, stderr %q", strings.Join(args, " "), r.code, r.stderr)
		}
	}
	if r := hound(t, "labels", "import", bad, "--strict", "--store", dir); !strings.Contains(r.stderr, "bad.csv:2:") {
		t.Errorf("strict import names no file:line: %q", r.stderr)
	}
}
