package labels

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/houndtrace/hound/chains"
)

// ActorPack is a GraphSense ActorPack: the actors TagPacks refer to by id.
type ActorPack struct {
	byID map[string]*Actor
}

// Actor is one entry of an ActorPack.
type Actor struct {
	ID         string
	Label      string   // "Lazarus Group", "Binance"
	URI        string   // a web site or the notice that describes the actor
	Categories []string // GraphSense categories: exchange, mixing_service, sanction, ...
	Aliases    []string // other ids that refer to the actor
}

// threat reports whether the actor is a threat actor rather than a service:
// every category it has is an abuse (sanction, service_hack, ransomware, ...).
func (a *Actor) threat() bool {
	for _, c := range a.Categories {
		if _, ok := abuseCategories[c]; !ok {
			return false
		}
	}
	return len(a.Categories) > 0
}

// ReadActorPack reads a GraphSense ActorPack (actors/*.actorpack.yaml).
func ReadActorPack(r io.Reader) (*ActorPack, error) {
	var doc struct {
		Actors []struct {
			ID         string   `yaml:"id"`
			Label      string   `yaml:"label"`
			URI        string   `yaml:"uri"`
			Categories []string `yaml:"categories"`
			Aliases    []string `yaml:"aliases"`
		} `yaml:"actors"`
	}
	if err := yaml.NewDecoder(r).Decode(&doc); err != nil {
		return nil, fmt.Errorf("read actor pack: %w", err)
	}
	p := &ActorPack{byID: make(map[string]*Actor, len(doc.Actors))}
	actors := make([]*Actor, len(doc.Actors))
	for i, d := range doc.Actors {
		a := &Actor{ID: d.ID, Label: d.Label, URI: d.URI, Categories: d.Categories, Aliases: d.Aliases}
		if a.ID == "" {
			return nil, fmt.Errorf("read actor pack: actor %q has no id", a.Label)
		}
		p.byID[a.ID] = a
		actors[i] = a
	}
	// An alias never hides an id; of two actors with one alias, the first
	// listed has it.
	for _, a := range actors {
		for _, alias := range a.Aliases {
			if _, taken := p.byID[alias]; !taken {
				p.byID[alias] = a
			}
		}
	}
	return p, nil
}

// Actor returns the actor with the given id or alias. A nil pack has none.
func (p *ActorPack) Actor(id string) (Actor, bool) {
	if p == nil {
		return Actor{}, false
	}
	a, ok := p.byID[id]
	if !ok {
		return Actor{}, false
	}
	return *a, true
}

// abuseCategories maps GraphSense abuse types (also used as actor
// categories) to Hound categories.
var abuseCategories = map[string]Category{
	"sanction":           Sanctioned,
	"service_hack":       Theft,
	"hacking":            Theft,
	"ransomware":         Ransomware,
	"scam":               Scam,
	"phishing":           Scam,
	"ponzi_scheme":       Scam,
	"pyramid_scheme":     Scam,
	"sextortion":         Scam,
	"investment_fraud":   Scam,
	"social_engineering": Scam,
}

// entityCategories maps GraphSense entity categories to Hound categories.
// user and organization say who, not what, and map to nothing.
var entityCategories = map[string]Category{
	"exchange":          Exchange,
	"mixing_service":    Mixer,
	"coinjoin":          Mixer,
	"defi_bridge":       Bridge,
	"bridge":            Bridge,
	"defi_dex":          DEX,
	"dex":               DEX,
	"otc":               OTC,
	"black_list":        Sanctioned,
	"wallet_service":    Service,
	"miner":             Service,
	"mining_service":    Service,
	"gambling":          Service,
	"market":            Service,
	"marketplace":       Service,
	"payment_processor": Service,
	"service":           Service,
	"defi":              Service,
	"defi_lending":      Service,
}

// tagCategory decides a tag's Hound category: the abuse when there is one,
// else the entity category. A tag with neither names a service of unknown
// kind (hacks.yaml names hacked services so). A tag about a user with no
// abuse whose source is the US Treasury (OFAC) is sanctioned: the INTERPOL
// scrape of the SDN list (ofac.yaml) says so only through its source.
func tagCategory(category, abuse, source string) (Category, error) {
	if c, ok := abuseCategories[abuse]; ok {
		return c, nil
	}
	if c, ok := entityCategories[category]; ok {
		return c, nil
	}
	switch {
	case category == "" && abuse == "":
		return Service, nil
	case category == "user" && abuse == "" && treasurySource(source):
		return Sanctioned, nil
	}
	return 0, fmt.Errorf("category %q, abuse %q: no Hound category", category, abuse)
}

func treasurySource(src string) bool {
	u, err := url.Parse(src)
	if err != nil {
		return false
	}
	h := u.Hostname()
	return h == "treasury.gov" || strings.HasSuffix(h, ".treasury.gov")
}

// houndContext is what WriteTagPack keeps in a tag's context that TagPack
// fields cannot say; ReadTagPack reads it back.
type houndContext struct {
	Category   Category    `json:"category,omitempty"`
	Actor      string      `json:"actor,omitempty"`
	Group      string      `json:"group,omitempty"`
	Campaign   string      `json:"campaign,omitempty"`
	Confidence *Confidence `json:"confidence,omitempty"`
	FirstSeen  Date        `json:"first_seen,omitzero"`
	LastSeen   Date        `json:"last_seen,omitzero"`
}

// ReadTagPack reads a GraphSense TagPack. Header fields are inherited by
// tags that do not set them. Per tag: address; network (or currency) gives
// the asset code; label the entity; source; confidence a level name (none:
// unknown); abuse, else category, the Hound category (see tagCategory); actor
// an ActorPack id: a threat actor becomes the group (a DPRK unit also the
// actor DPRK), a service actor's label becomes the entity; context, when it
// holds a "hound" object written by WriteTagPack, restores the fields
// TagPacks lack. Bad tags are reported at their line.
func ReadTagPack(r io.Reader, opts Options) (*Import, error) {
	c := newCollector(opts)
	var doc yaml.Node
	if err := yaml.NewDecoder(r).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return c.result(nil)
		}
		return c.result(fmt.Errorf("not YAML: %w", err))
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return c.result(errors.New("not a TagPack: want a mapping with tags"))
	}
	header := map[string]*yaml.Node{}
	var tags *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i].Value, root.Content[i+1]
		if k == "tags" {
			tags = v
			continue
		}
		header[k] = v
	}
	if tags == nil || tags.Kind != yaml.SequenceNode {
		return c.result(errors.New("not a TagPack: no tags list"))
	}
	for _, t := range tags.Content {
		if err := readTag(c, header, t); err != nil {
			return c.result(err)
		}
	}
	return c.result(nil)
}

// readTag reads one tag with the pack's header.
func readTag(c *collector, header map[string]*yaml.Node, t *yaml.Node) error {
	if t.Kind != yaml.MappingNode {
		return c.problem(t.Line, errors.New("tag is not a mapping"))
	}
	own := map[string]*yaml.Node{}
	for i := 0; i+1 < len(t.Content); i += 2 {
		own[t.Content[i].Value] = t.Content[i+1]
	}
	var bad error
	field := func(k string) string {
		n, ok := own[k]
		if !ok {
			n, ok = header[k]
		}
		if !ok || n.Tag == "!!null" {
			return ""
		}
		if n.Kind != yaml.ScalarNode {
			bad = fmt.Errorf("%s is not a single value", k)
			return ""
		}
		return strings.TrimSpace(n.Value)
	}
	address, network, entity := field("address"), field("network"), field("label")
	if network == "" {
		network = field("currency")
	}
	source, category, abuse := field("source"), field("category"), field("abuse")
	actorRef, conf, ctxText := field("actor"), field("confidence"), field("context")
	if bad != nil {
		return c.problem(t.Line, bad)
	}
	if address == "" {
		return c.problem(t.Line, errors.New("tag has no address"))
	}
	if network == "" {
		return c.problem(t.Line, fmt.Errorf("address %q: no network or currency", address))
	}
	l := Label{Network: network, Address: chains.Address(address), Entity: entity, Source: source}
	var err error
	if l.Confidence, err = ParseConfidence(conf); err != nil {
		return c.problem(t.Line, err)
	}
	ctx, err := readContext(ctxText)
	if err != nil {
		return c.problem(t.Line, err)
	}
	if ctx.Category.Valid() {
		l.Category = ctx.Category
	} else if l.Category, err = tagCategory(category, abuse, source); err != nil {
		return c.problem(t.Line, err)
	}
	if actorRef != "" {
		resolveActor(&l, actorRef, c.opts.Actors)
	}
	if ctx.Actor != "" || ctx.Group != "" {
		l.Actor, l.Group = ctx.Actor, ctx.Group
	}
	if ctx.Confidence != nil {
		l.Confidence = *ctx.Confidence
	}
	l.Campaign, l.FirstSeen, l.LastSeen = ctx.Campaign, ctx.FirstSeen, ctx.LastSeen
	return c.add(t.Line, l)
}

// resolveActor applies a tag's actor reference to the label.
func resolveActor(l *Label, ref string, actors *ActorPack) {
	a, ok := actors.Actor(ref)
	switch {
	case ok && a.threat():
		l.Actor, l.Group = attribute(a.Label)
		if l.Group == "" {
			l.Group = a.Label
		}
	case ok && a.Label != "":
		l.Entity = a.Label
	default:
		l.Actor, l.Group = attribute(ref)
	}
}

// readContext reads a tag's context: JSON, of which only a "hound" object
// matters. Contexts that are not JSON objects are other tools' notes.
func readContext(text string) (houndContext, error) {
	var outer struct {
		Hound json.RawMessage `json:"hound"`
	}
	if !strings.HasPrefix(text, "{") || json.Unmarshal([]byte(text), &outer) != nil || outer.Hound == nil {
		return houndContext{}, nil
	}
	var h houndContext
	if err := json.Unmarshal(outer.Hound, &h); err != nil {
		return houndContext{}, fmt.Errorf("context: hound fields: %w", err)
	}
	return h, nil
}

// TagPackHeader is what WriteTagPack writes above the tags.
type TagPackHeader struct {
	Title       string // required by GraphSense; "Hound labels" when empty
	Creator     string // required by GraphSense; "Hound" when empty
	Description string
	LastMod     Date // the pack's modification day; omitted when zero
}

// tagpackTag is one tag as WriteTagPack writes it.
type tagpackTag struct {
	Address    quoted `yaml:"address"`
	Currency   string `yaml:"currency"`
	Label      string `yaml:"label"`
	Source     string `yaml:"source,omitempty"`
	Confidence string `yaml:"confidence,omitempty"`
	Category   string `yaml:"category,omitempty"`
	Abuse      string `yaml:"abuse,omitempty"`
	Actor      string `yaml:"actor,omitempty"`
	Context    string `yaml:"context,omitempty"`
}

// quoted is a string written in single quotes, as TagPacks write addresses:
// unquoted, YAML 1.1 and 1.2 readers take 0x… for a hexadecimal number.
type quoted string

// MarshalYAML writes the string single-quoted.
func (q quoted) MarshalYAML() (any, error) {
	return &yaml.Node{Kind: yaml.ScalarNode, Style: yaml.SingleQuotedStyle, Value: string(q)}, nil
}

// tagpackTerms maps Hound categories to GraphSense: an abuse for the
// categories that are abuses, else an entity category. OTC desks have no
// GraphSense category of their own and are written as exchanges.
var tagpackTerms = map[Category]struct{ category, abuse string }{
	Theft:      {abuse: "service_hack"},
	Sanctioned: {abuse: "sanction"},
	Ransomware: {abuse: "ransomware"},
	Scam:       {abuse: "scam"},
	Mixer:      {category: "mixing_service"},
	Bridge:     {category: "defi_bridge"},
	Exchange:   {category: "exchange"},
	OTC:        {category: "exchange"},
	DEX:        {category: "defi_dex"},
	Service:    {category: "service"},
}

// WriteTagPack writes labels as a GraphSense TagPack, every field on the tag
// itself. The confidence is written as its level (a bare score as the level
// at or below it; an unknown confidence is omitted); a group or actor as a
// GraphSense-style actor id ("lazarusgroup"). What TagPacks cannot say (the
// Hound category, actor, group, campaign, a bare score, first and last seen)
// goes into the tag's context as {"hound": {...}} so that ReadTagPack gives
// back the same labels.
func WriteTagPack(w io.Writer, labels []Label, h TagPackHeader) error {
	doc := struct {
		Title       string       `yaml:"title"`
		Creator     string       `yaml:"creator"`
		Description string       `yaml:"description,omitempty"`
		LastMod     string       `yaml:"lastmod,omitempty"`
		Tags        []tagpackTag `yaml:"tags"`
	}{Title: h.Title, Creator: h.Creator, Description: h.Description, LastMod: h.LastMod.String()}
	if doc.Title == "" {
		doc.Title = "Hound labels"
	}
	if doc.Creator == "" {
		doc.Creator = "Hound"
	}
	doc.Tags = make([]tagpackTag, 0, len(labels))
	for _, l := range labels {
		terms := tagpackTerms[l.Category]
		t := tagpackTag{Address: quoted(l.Address), Currency: l.AssetCode(), Label: l.Entity, Source: l.Source,
			Confidence: l.Confidence.Level(), Category: terms.category, Abuse: terms.abuse}
		if who := l.Group; who != "" || l.Actor != "" {
			if who == "" {
				who = l.Actor
			}
			t.Actor = squash(who)
		}
		ctx := houndContext{Category: l.Category, Actor: l.Actor, Group: l.Group, Campaign: l.Campaign,
			FirstSeen: l.FirstSeen, LastSeen: l.LastSeen}
		if l.Confidence.String() != l.Confidence.Level() {
			ctx.Confidence = &l.Confidence
		}
		b, err := json.Marshal(map[string]houndContext{"hound": ctx})
		if err != nil {
			return fmt.Errorf("write tagpack: %s: %w", l.Address, err)
		}
		t.Context = string(b)
		doc.Tags = append(doc.Tags, t)
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write tagpack: %w", err)
	}
	return enc.Close()
}
