package labels

import "strings"

// DPRK is the actor Hound records for North Korean state units.
const DPRK = "DPRK"

// dprkGroups are the DPRK units sources name, keyed by their squashed name
// (lowercase letters and digits only), with the name Hound records. Aliases
// map to the unit they are documented as: APT38 and BlueNoroff are the
// financially motivated part of Lazarus Group, Jade Sleet and UNC4899 are
// TraderTraitor, APT43 is Kimsuky.
var dprkGroups = []struct{ key, name string }{
	{"lazarusgroup", "Lazarus Group"},
	{"lazarus", "Lazarus Group"},
	{"hiddencobra", "Lazarus Group"},
	{"tradertraitor", "TraderTraitor"},
	{"jadesleet", "TraderTraitor"},
	{"unc4899", "TraderTraitor"},
	{"apt38", "APT38"},
	{"bluenoroff", "BlueNoroff"},
	{"andariel", "Andariel"},
	{"kimsuky", "Kimsuky"},
	{"apt43", "Kimsuky"},
}

// squash keeps the lowercase letters and digits of s.
func squash(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// dprkGroup returns the DPRK unit a name starts with ("LAZARUS GROUP",
// "lazarusgroup", "TraderTraitor (DPRK) - Bybit"), or "".
func dprkGroup(name string) string {
	sq := squash(name)
	for _, g := range dprkGroups {
		if strings.HasPrefix(sq, g.key) {
			return g.name
		}
	}
	return ""
}

// linkedGroup returns the DPRK unit an OFAC remark links an entry to
// ("Linked To: LAZARUS GROUP"), or "".
func linkedGroup(text string) string {
	const marker = "linked to"
	lower := strings.ToLower(text)
	for i := strings.Index(lower, marker); i >= 0; {
		rest := strings.TrimLeft(text[i+len(marker):], ": ")
		if g := dprkGroup(rest); g != "" {
			return g
		}
		j := strings.Index(lower[i+len(marker):], marker)
		if j < 0 {
			break
		}
		i += len(marker) + j
	}
	return ""
}

// attribute returns the actor and group a name stands for when it names a
// DPRK unit, or empty strings.
func attribute(name string) (actor, group string) {
	if g := dprkGroup(name); g != "" {
		return DPRK, g
	}
	return "", ""
}
