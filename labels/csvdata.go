package labels

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/houndtrace/hound/chains"
)

// dataLayouts are the CSV layouts of the public datasets in ../shared/data
// that ReadCSV recognizes besides Hound's own.
var dataLayouts = []csvLayout{
	// ultrasoundmoney/ofac-ethereum-addresses data.csv: OFAC-listed Ethereum
	// addresses with the SDN name.
	{header: []string{"address", "name"}, row: func(c *collector, line int, f []string) error {
		return sanctionedRow(c, line, f[0], f[1], "", "")
	}},
	// The same with the date OFAC listed the address.
	{header: []string{"date_added", "address", "name"}, row: func(c *collector, line int, f []string) error {
		return sanctionedRow(c, line, f[1], f[2], f[0], "")
	}},
	// ofac_sanction_list.csv: with the Treasury notice; one source holds an
	// unquoted comma ("... (also in 20220422, 20220506)").
	{header: []string{"address", "first_seen", "label", "source"}, joinRest: true, row: func(c *collector, line int, f []string) error {
		return sanctionedRow(c, line, f[0], f[2], f[1], f[3])
	}},
	// forta-network/labelled-datasets phishing_scams.csv: Etherscan's
	// phish-hack label.
	{header: []string{"address", "etherscan_tag", "etherscan_labels", "is_contract"}, row: func(c *collector, line int, f []string) error {
		return maliciousRow(c, line, f[0], f[1], f[2], "")
	}},
	// forta etherscan_malicious_labels.csv: data_source names the Etherscan
	// list (phish-hack, exploit, heist).
	{header: []string{"banned_address", "wallet_tag", "data_source"}, row: func(c *collector, line int, f []string) error {
		return maliciousRow(c, line, f[0], f[1], f[2], "")
	}},
	// forta malicious_smart_contracts.csv: a contract and, when tagged, the
	// account that created it.
	{header: []string{"contract_address", "contract_tag", "contract_creator", "contract_creation_tx",
		"contract_creator_tag", "source", "notes", "contract_creator_etherscan_label"}, row: contractRow},
	// curated/bridges_routers_curated.csv.
	{header: []string{"chain", "address", "service", "kind", "evidence"}, row: curatedRow},
	// dprk/dprk_labels_joined.csv.
	{header: []string{"chain", "address", "entity", "kind", "source_file", "source_detail"}, row: dprkRow},
}

// sanctionedRow reads an OFAC-listed Ethereum address.
func sanctionedRow(c *collector, line int, address, name, date, source string) error {
	first, err := ParseDate(date)
	if err != nil {
		return c.problem(line, err)
	}
	l := Label{Chain: chains.Ethereum, Address: chains.Address(address), Category: Sanctioned, Entity: name,
		Source: source, Confidence: AuthorityData, FirstSeen: first}
	l.Actor, l.Group = attribute(name)
	return c.add(line, l)
}

// maliciousCategory maps Etherscan's phish-hack, exploit and heist lists.
func maliciousCategory(list string) (Category, error) {
	switch l := strings.ToLower(list); {
	case strings.Contains(l, "exploit"), strings.Contains(l, "heist"):
		return Theft, nil
	case strings.Contains(l, "phish"):
		return Scam, nil
	}
	return 0, fmt.Errorf("unknown list %q (want phish-hack, exploit or heist)", list)
}

// maliciousRow reads an address from one of Etherscan's lists of malicious
// addresses.
func maliciousRow(c *collector, line int, address, tag, list, source string) error {
	cat, err := maliciousCategory(list)
	if err != nil {
		return c.problem(line, err)
	}
	return c.add(line, Label{Chain: chains.Ethereum, Address: chains.Address(address), Category: cat,
		Entity: tag, Source: source, Confidence: WebCrawl})
}

// contractRow reads a malicious contract and its tagged creator.
func contractRow(c *collector, line int, f []string) error {
	contract, tag, creator, creatorTag, source, notes, list := f[0], f[1], f[2], f[4], f[5], f[6], f[7]
	if list == "" {
		list = "exploit" // the rows without an Etherscan label come from hack write-ups
	}
	if tag == "" {
		tag = notes
	}
	if tag == "" {
		tag = "malicious contract"
	}
	if err := maliciousRow(c, line, contract, tag, list, source); err != nil || creatorTag == "" {
		return err
	}
	return maliciousRow(c, line, creator, creatorTag, list, source)
}

// curatedKinds maps the kinds of the curated table; a kind mapped to 0 is
// skipped (token contracts are not services).
var curatedKinds = map[string]Category{
	"bridge_router":        Bridge,
	"coinjoin_coordinator": Mixer,
	"exchange_victim":      Exchange,
	"token":                0,
}

// curatedRow reads a row of the curated service table; the source is the
// table (opts.Source or Name) and the row's evidence. Rows whose evidence
// admits a single source get the heuristic confidence.
func curatedRow(c *collector, line int, f []string) error {
	cat, ok := curatedKinds[f[3]]
	switch {
	case !ok:
		return c.problem(line, fmt.Errorf("unknown kind %q", f[3]))
	case cat == 0:
		c.skip()
		return nil
	}
	conf := Forensic
	if ev := strings.ToLower(f[4]); strings.Contains(ev, "single source") || strings.Contains(ev, "single repo") {
		conf = Heuristic
	}
	src := f[4]
	if table := c.opts.source(); table != "" {
		src = table + ": " + src
	}
	return c.add(line, Label{Network: f[0], Address: chains.Address(f[1]), Category: cat, Entity: f[2],
		Source: src, Confidence: conf})
}

// incident is a DPRK theft the DPRK table's rows belong to, with the
// government notice that attributes it.
type incident struct {
	prefix   string // how the table's entity column starts
	campaign string
	group    string
	notice   string
}

var incidents = []incident{
	{"Ronin", "Ronin Bridge 2022-03", "Lazarus Group",
		"OFAC SDN update 2022-04-14 (LAZARUS GROUP, https://home.treasury.gov/policy-issues/financial-sanctions/recent-actions/20220414) and FBI statement 2022-04-14 attributing the Ronin bridge theft to Lazarus Group and APT38"},
	{"Harmony", "Harmony Horizon Bridge 2022-06", "Lazarus Group",
		"FBI press release 2023-01-23: Lazarus Group and APT38 responsible for the theft from Harmony's Horizon bridge"},
	{"Stake.com", "Stake.com 2023-09", "Lazarus Group",
		"FBI press release 2023-09-06: Lazarus Group (APT38) responsible for the theft of about $41 million from Stake.com"},
	{"Bybit", "Bybit 2025-02", "TraderTraitor", bybitNotice},
	{"TraderTraitor (DPRK) - Bybit", "Bybit 2025-02", "TraderTraitor", bybitNotice},
}

// bybitNotice is the FBI's attribution of the Bybit theft.
const bybitNotice = "FBI PSA I-022625-PSA 2025-02-26: North Korea responsible for $1.5 billion Bybit hack (TraderTraitor), https://www.ic3.gov/PSA/2025/PSA250226"

func findIncident(entity string) (incident, bool) {
	for _, in := range incidents {
		if strings.HasPrefix(entity, in.prefix) {
			return in, true
		}
	}
	return incident{}, false
}

var (
	urlRe       = regexp.MustCompile(`https?://\S+`)
	listedRe    = regexp.MustCompile(`(?:date_added|first_seen) (\d{4}-\d{2}-\d{2})`)
	depositRe   = regexp.MustCompile(`^(?:research_Harmony Laundry 2 )?(\S+) Deposit`)
	exchangeAbb = map[string]string{"Polo": "Poloniex", "Cryptocom": "Crypto.com"}
)

// dprkRow reads a row of the DPRK table (dprk_labels_joined.csv): entity,
// kind, the file the row was joined from and a detail that cites a notice, a
// listing date or the address's role. Kinds: ofac_sdn (sanctioned),
// fbi_attribution and theft (theft), mixer_ofac* (mixer), research_* from
// incident write-ups (theft; exchange for deposit addresses, bridge for the
// victim bridge contracts); victims are skipped.
func dprkRow(c *collector, line int, f []string) error {
	network, address, entity, kind, file, detail := f[0], f[1], f[2], f[3], f[4], f[5]
	l := Label{Network: network, Address: chains.Address(address), Entity: entity}
	if m := listedRe.FindStringSubmatch(detail); m != nil {
		d, err := ParseDate(m[1])
		if err != nil {
			return c.problem(line, err)
		}
		l.FirstSeen = d
	}
	in, isIncident := findIncident(entity)
	switch {
	case strings.Contains(strings.ToLower(kind), "victim"):
		c.skip()
		return nil
	case kind == "ofac_sdn":
		l.Category, l.Confidence = Sanctioned, AuthorityData
		l.Actor, l.Group = dprkSubject(entity, detail)
		l.Source = strings.TrimSuffix("OFAC SDN list: "+detail, ": ")
	case strings.HasPrefix(kind, "mixer_ofac"):
		l.Category, l.Confidence = Mixer, AuthorityData
	case kind == "fbi_attribution", kind == "theft":
		l.Category, l.Confidence = Theft, AuthorityData
		if kind == "theft" {
			l.Confidence = ServiceData // the victim's own statement
		}
		l.Actor, l.Group = dprkSubject(entity, detail)
	case kind == "research_exchange_deposit", depositRe.MatchString(kind):
		l.Category, l.Confidence = Exchange, Forensic
		l.Entity = depositExchange(kind, detail)
	case strings.HasPrefix(kind, "research_Bridge "):
		l.Category, l.Confidence = Bridge, Forensic
		l.Entity = strings.TrimPrefix(kind, "research_Bridge ")
	case strings.HasPrefix(kind, "research_"):
		l.Category, l.Confidence = Theft, Forensic
		if kind == "research_FBI List" {
			l.Confidence = AuthorityData
		}
	default:
		return c.problem(line, fmt.Errorf("unknown kind %q", kind))
	}
	if isIncident {
		l.Campaign = in.campaign
		if l.Category == Theft {
			l.Actor, l.Group = DPRK, in.group
		}
	}
	switch u := urlRe.FindString(detail); {
	case l.Source != "":
	case u != "":
		l.Source = u
	case isIncident:
		l.Source = in.notice + "; address list: " + file
	case detail != "":
		l.Source = detail
	default:
		l.Source = file
	}
	return c.add(line, l)
}

// dprkSubject returns the actor and group of a DPRK table row from its
// entity and detail: a DPRK unit the entity names, Lazarus Group when either
// mentions it ("linked to LAZARUS GROUP"), else DPRK when the entity names it
// or the detail starts with it ("DPRK IT-worker front"). A detail that merely
// mentions a DPRK-related program (a foreign national sanctioned for helping)
// attributes nothing.
func dprkSubject(entity, detail string) (actor, group string) {
	if a, g := attribute(entity); g != "" {
		return a, g
	}
	if strings.Contains(strings.ToLower(entity+" "+detail), "lazarus") {
		return DPRK, "Lazarus Group"
	}
	if strings.Contains(entity, DPRK) || strings.HasPrefix(detail, DPRK) {
		return DPRK, ""
	}
	return "", ""
}

// depositExchange names the exchange of a deposit address row from its kind
// ("research_Harmony Laundry 2 Huobi Deposit") or detail ("FTX Deposit
// Address").
func depositExchange(kind, detail string) string {
	m := depositRe.FindStringSubmatch(kind)
	if m == nil {
		m = depositRe.FindStringSubmatch(detail)
	}
	if m == nil {
		return "exchange deposit"
	}
	if full, ok := exchangeAbb[m[1]]; ok {
		return full
	}
	return m[1]
}
