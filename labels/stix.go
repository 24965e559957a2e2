package labels

import (
	"cmp"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"
)

// STIXOptions control WriteSTIX.
type STIXOptions struct {
	// Clock gives the time every object is created and modified at; nil
	// means time.Now. A fixed clock makes the bundle reproducible.
	Clock func() time.Time
	// Producer names the identity that creates the objects; "Hound" when
	// empty.
	Producer string
}

// stixNamespace is the UUIDv5 namespace of Hound's STIX ids: the v5 UUID of
// the module path in the URL namespace (RFC 9562).
var stixNamespace = uuid5([16]byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8},
	"https://github.com/houndtrace/hound")

// uuid5 returns the name-based SHA-1 UUID of name in namespace ns.
func uuid5(ns [16]byte, name string) [16]byte {
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return u
}

// stixID returns the deterministic id of the object of type typ named by key.
func stixID(typ, key string) string {
	u := uuid5(stixNamespace, typ+"\x00"+key)
	h := hex.EncodeToString(u[:])
	return fmt.Sprintf("%s--%s-%s-%s-%s-%s", typ, h[:8], h[8:12], h[12:16], h[16:20], h[20:])
}

// stixTime writes a STIX timestamp with millisecond precision.
func stixTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// stixCommon are the properties every object of Hound's bundle has.
type stixCommon struct {
	Type         string `json:"type"`
	SpecVersion  string `json:"spec_version"`
	ID           string `json:"id"`
	CreatedByRef string `json:"created_by_ref,omitempty"`
	Created      string `json:"created"`
	Modified     string `json:"modified"`
}

type stixIdentity struct {
	stixCommon
	Name          string `json:"name"`
	IdentityClass string `json:"identity_class"`
}

type stixThreatActor struct {
	stixCommon
	Name             string   `json:"name"`
	Description      string   `json:"description,omitempty"`
	ThreatActorTypes []string `json:"threat_actor_types"`
}

type stixExternalRef struct {
	SourceName  string `json:"source_name"`
	Description string `json:"description,omitempty"`
	URL         string `json:"url,omitempty"`
}

type stixIndicator struct {
	stixCommon
	Name               string            `json:"name"`
	Description        string            `json:"description"`
	IndicatorTypes     []string          `json:"indicator_types"`
	Pattern            string            `json:"pattern"`
	PatternType        string            `json:"pattern_type"`
	PatternVersion     string            `json:"pattern_version"`
	ValidFrom          string            `json:"valid_from"`
	Confidence         *int              `json:"confidence,omitempty"`
	Labels             []string          `json:"labels"`
	ExternalReferences []stixExternalRef `json:"external_references,omitempty"`
	Chain              string            `json:"x_hound_chain,omitempty"`
	Network            string            `json:"x_hound_network,omitempty"`
}

type stixRelationship struct {
	stixCommon
	RelationshipType string `json:"relationship_type"`
	SourceRef        string `json:"source_ref"`
	TargetRef        string `json:"target_ref"`
}

type stixBundle struct {
	Type    string `json:"type"`
	ID      string `json:"id"`
	Objects []any  `json:"objects"`
}

// WriteSTIX writes labels as a STIX 2.1 bundle: an identity for the
// producer; a threat-actor for every group and every actor the labels name
// (a DPRK unit or DPRK itself is a nation-state actor), with an
// "attributed-to" relationship from a group to its actor; an indicator per
// address with the pattern [cryptocurrency-wallet:address = '...'], whose
// labels are the address's categories, whose valid_from is the earliest first
// seen date (else the clock's time) and whose confidence is the best label's
// score; and an "indicates" relationship from the indicator to each threat
// actor of its labels. Ids are UUIDv5 of the objects' content, so the same
// labels in the same order and the same clock give the same bundle.
func WriteSTIX(w io.Writer, labels []Label, opts STIXOptions) error {
	now := time.Now
	if opts.Clock != nil {
		now = opts.Clock
	}
	ts := stixTime(now())
	producer := opts.Producer
	if producer == "" {
		producer = "Hound"
	}
	common := func(typ, key string) stixCommon {
		return stixCommon{Type: typ, SpecVersion: "2.1", ID: stixID(typ, key), Created: ts, Modified: ts}
	}
	ident := stixIdentity{stixCommon: common("identity", producer), Name: producer, IdentityClass: "system"}
	owned := func(typ, key string) stixCommon {
		c := common(typ, key)
		c.CreatedByRef = ident.ID
		return c
	}
	relate := func(src, kind, dst string) stixRelationship {
		return stixRelationship{stixCommon: owned("relationship", src+" "+kind+" "+dst), RelationshipType: kind, SourceRef: src, TargetRef: dst}
	}

	// Threat actors, by name: every group and every actor.
	actorOf := map[string]string{} // group -> actor
	var names []string
	for _, l := range labels {
		for _, n := range []string{l.Group, l.Actor} {
			if n != "" && !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
		if l.Group != "" && l.Actor != "" {
			actorOf[l.Group] = l.Actor
		}
	}
	slices.Sort(names)
	actorID := map[string]string{}
	objects := []any{ident}
	var attributions []any
	for _, n := range names {
		ta := stixThreatActor{stixCommon: owned("threat-actor", n), Name: n, ThreatActorTypes: []string{"unknown"}}
		if n == DPRK || dprkGroup(n) != "" || actorOf[n] == DPRK {
			ta.ThreatActorTypes = []string{"nation-state"}
		}
		if a := actorOf[n]; a != "" {
			ta.Description = fmt.Sprintf("%s, attributed to %s.", n, a)
		}
		actorID[n] = ta.ID
		objects = append(objects, ta)
	}
	for _, n := range names {
		if a := actorOf[n]; a != "" {
			attributions = append(attributions, relate(actorID[n], "attributed-to", actorID[a]))
		}
	}
	objects = append(objects, attributions...)

	// One indicator per address, in the order addresses first appear.
	var places []string
	byPlace := map[string][]Label{}
	for _, l := range labels {
		key := l.where() + ":" + string(l.Address)
		if l.Traced() {
			key = string(l.Chain) + ":" + string(l.Address)
		}
		if _, seen := byPlace[key]; !seen {
			places = append(places, key)
		}
		byPlace[key] = append(byPlace[key], l)
	}
	for _, key := range places {
		ind, targets := stixIndicatorOf(key, byPlace[key], owned, ts)
		objects = append(objects, ind)
		for _, t := range targets {
			objects = append(objects, relate(ind.ID, "indicates", actorID[t]))
		}
	}

	ids := make([]string, 0, len(objects))
	for _, o := range objects {
		b, err := json.Marshal(o)
		if err != nil {
			return fmt.Errorf("write stix: %w", err)
		}
		ids = append(ids, string(b))
	}
	bundle := stixBundle{Type: "bundle", ID: stixID("bundle", strings.Join(ids, "\n")), Objects: objects}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	if err := enc.Encode(bundle); err != nil {
		return fmt.Errorf("write stix: %w", err)
	}
	return nil
}

// stixIndicatorOf makes the indicator of one address (key: where it lives
// and the address) from its labels and returns the threat actors it
// indicates.
func stixIndicatorOf(key string, ls []Label, owned func(typ, key string) stixCommon, ts string) (stixIndicator, []string) {
	first := ls[0]
	ind := stixIndicator{
		stixCommon:     owned("indicator", key),
		Pattern:        fmt.Sprintf("[cryptocurrency-wallet:address = '%s']", stixEscape(string(first.Address))),
		PatternType:    "stix",
		PatternVersion: "2.1",
		ValidFrom:      ts,
		Chain:          string(first.Chain),
		Network:        first.Network,
	}
	var types, cats, targets, lines []string
	var validFrom Date
	best := -1
	for _, l := range ls {
		if !slices.Contains(cats, l.Category.String()) {
			cats = append(cats, l.Category.String())
		}
		for _, t := range indicatorTypes(l) {
			if !slices.Contains(types, t) {
				types = append(types, t)
			}
		}
		if t := cmp.Or(l.Group, l.Actor); t != "" && !slices.Contains(targets, t) {
			targets = append(targets, t)
		}
		if !l.FirstSeen.IsZero() && (validFrom.IsZero() || l.FirstSeen.Before(validFrom)) {
			validFrom = l.FirstSeen
		}
		if !l.Confidence.IsZero() && l.Confidence.Score() > best {
			best = l.Confidence.Score()
		}
		lines = append(lines, describe(l))
		if ref, ok := externalRef(l.Source); ok && !slices.Contains(ind.ExternalReferences, ref) {
			ind.ExternalReferences = append(ind.ExternalReferences, ref)
		}
	}
	slices.Sort(types)
	ind.IndicatorTypes, ind.Labels = types, cats
	ind.Name = fmt.Sprintf("%s %s %s", cmp.Or(first.Entity, first.Category.String()), first.AssetCode(), first.Address)
	ind.Description = strings.Join(lines, "\n")
	if !validFrom.IsZero() {
		ind.ValidFrom = stixTime(validFrom.Time())
	}
	if best >= 0 {
		ind.Confidence = &best
	}
	return ind, targets
}

// indicatorTypes maps a label to STIX indicator types.
func indicatorTypes(l Label) []string {
	var out []string
	switch l.Category {
	case Theft, Sanctioned, Ransomware, Scam:
		out = append(out, "malicious-activity")
	case Mixer:
		out = append(out, "anonymization")
	default:
		out = append(out, "benign")
	}
	if l.Group != "" || l.Actor != "" {
		out = append(out, "attribution")
	}
	return out
}

// describe writes a label as one line of an indicator's description.
func describe(l Label) string {
	var b strings.Builder
	b.WriteString(l.Category.String())
	if l.Entity != "" {
		b.WriteString(": " + l.Entity)
	}
	var who []string
	for _, s := range []string{l.Actor, l.Group, l.Campaign} {
		if s != "" {
			who = append(who, s)
		}
	}
	if len(who) > 0 {
		b.WriteString(" (" + strings.Join(who, ", ") + ")")
	}
	if l.Source != "" {
		b.WriteString("; source: " + l.Source)
	}
	if !l.Confidence.IsZero() {
		b.WriteString("; confidence: " + l.Confidence.String())
	}
	return b.String()
}

// externalRef cites a label's source: a URL as a url, anything else as a
// description.
func externalRef(src string) (stixExternalRef, bool) {
	if src == "" {
		return stixExternalRef{}, false
	}
	name := sourceOrigin(src)
	if name == "" || strings.EqualFold(name, "cve") || strings.EqualFold(name, "capec") {
		name = "source"
	}
	if u, err := url.Parse(src); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && !strings.ContainsAny(src, " \t") {
		return stixExternalRef{SourceName: name, URL: src}, true
	}
	return stixExternalRef{SourceName: name, Description: src}, true
}

// stixEscape escapes a string for a single-quoted STIX pattern literal.
func stixEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s)
}
