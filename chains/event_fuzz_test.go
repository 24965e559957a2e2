package chains

import (
	"strings"
	"testing"
)

// FuzzOutboundOf: whatever a memo holds, OutboundOf never panics, and a
// hash it reads is the one the memo names: writing it back as OUT:<hex>
// reads the same hash.
func FuzzOutboundOf(f *testing.F) {
	for _, s := range []string{"OUT:" + strings.Repeat("AB", 32), "refund:0x" + strings.Repeat("0f", 32) + ":x", "OUT:", "=:b:bc1q:0", "OUT:zz", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, memo string) {
		h, ok := OutboundOf(memo)
		if !ok {
			return
		}
		if again, ok := OutboundOf("OUT:" + h.Format(Bitcoin)); !ok || again != h {
			t.Fatalf("%q gave %x, which does not read back (%x, %v)", memo, h, again, ok)
		}
	})
}
