package chains

import (
	"errors"
	"strings"
	"testing"
)

func TestParseEVMAddress(t *testing.T) {
	tests := []struct {
		in   string // user input
		want string // canonical form; empty when an error is expected
		bad  error  // a sentinel the error must wrap, if any
	}{
		// EIP-55's own test vectors, checksummed, all lowercase and all uppercase.
		{in: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", want: "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"},
		{in: "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", want: "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359"},
		{in: "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", want: "0xdbf03b407c01e7cd3cbea99509d93f8dddc8c6fb"},
		{in: "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb", want: "0xd1220a0cf47c7b9be7a2e6ba89f429762e7b9adb"},
		{in: "0x098b716b8aaf21512996dc57eb0615e2383e2f96", want: "0x098b716b8aaf21512996dc57eb0615e2383e2f96"},
		{in: "0X098B716B8AAF21512996DC57EB0615E2383E2F96", want: "0x098b716b8aaf21512996dc57eb0615e2383e2f96"},
		// One letter's case flipped: a wrong checksum.
		{in: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", bad: ErrBadChecksum},
		{in: "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae", bad: nil},  // 39 digits
		{in: "5aaeb6053f3e94c9b9a09f33669435e7ef1beaed00", bad: nil}, // no 0x
		{in: "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg", bad: nil}, // not hex
		{in: "", bad: nil},
	}
	for _, tt := range tests {
		got, err := ParseAddress(Ethereum, tt.in)
		if tt.want == "" {
			if err == nil {
				t.Errorf("ParseAddress(%q) = %q, want an error", tt.in, got)
			} else if tt.bad != nil && !errors.Is(err, tt.bad) {
				t.Errorf("ParseAddress(%q) error %v, want %v", tt.in, err, tt.bad)
			}
			continue
		}
		if err != nil || string(got) != tt.want {
			t.Errorf("ParseAddress(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		body := tt.in[2:]
		if mixed := body != strings.ToLower(body) && body != strings.ToUpper(body); mixed && got.Checksummed() != tt.in {
			t.Errorf("%q.Checksummed() = %q, want %q", got, got.Checksummed(), tt.in)
		}
	}
}

func TestParseSubject(t *testing.T) {
	s, err := ParseSubject("ethereum:0xc28fad5e8d5e0ce6a2eaf67b6687be5d58113e16be590824d6cfa1a94467d0b7")
	if err != nil || !s.IsTx || s.Tx.Format(Ethereum) != "0xc28fad5e8d5e0ce6a2eaf67b6687be5d58113e16be590824d6cfa1a94467d0b7" {
		t.Fatalf("tx subject = %+v, %v", s, err)
	}
	s, err = ParseSubject("Ethereum:0x098B716B8Aaf21512996dC57EB0615e2383E2f96")
	if err != nil || s.IsTx || s.Address != "0x098b716b8aaf21512996dc57eb0615e2383e2f96" {
		t.Fatalf("address subject = %+v, %v", s, err)
	}
	for _, bad := range []string{"", "ethereum", "ethereum:", "dogecoin:0x00", "0x098b716b8aaf21512996dc57eb0615e2383e2f96", "ethereum:0xzz"} {
		if _, err := ParseSubject(bad); err == nil {
			t.Errorf("ParseSubject(%q) accepted", bad)
		}
	}
	if _, err := TxSubject("ethereum:0x098b716b8aaf21512996dc57eb0615e2383e2f96"); err == nil {
		t.Error("TxSubject accepted an address")
	}
}

// FuzzParseSubject checks that no input makes the parser panic and that an
// accepted EVM address is canonical and parses to itself again.
func FuzzParseSubject(f *testing.F) {
	for _, s := range []string{
		"ethereum:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
		"ethereum:0xc28fad5e8d5e0ce6a2eaf67b6687be5d58113e16be590824d6cfa1a94467d0b7",
		"bitcoin:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
		"ethereum:0x", ":", "ethereum:0X5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sub, err := ParseSubject(s)
		if err != nil || sub.IsTx || !sub.Chain.IsEVM() {
			return
		}
		a := string(sub.Address)
		if a != strings.ToLower(a) || len(a) != 42 {
			t.Fatalf("accepted %q as non-canonical %q", s, a)
		}
		again, err := ParseAddress(sub.Chain, sub.Address.Checksummed())
		if err != nil || again != sub.Address {
			t.Fatalf("checksummed form of %q does not parse back: %v", a, err)
		}
	})
}

func TestParseBitcoinAddress(t *testing.T) {
	for in, want := range map[string]string{
		"1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3":         "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3",
		"BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4": "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
		"script:" + strings.Repeat("AB", 32):         "script:" + strings.Repeat("ab", 32),
	} {
		if got, err := ParseAddress(Bitcoin, in); err != nil || string(got) != want {
			t.Errorf("ParseAddress(bitcoin, %q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "1Q2T", "script:12", "bc1q w508", "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3/"} {
		if _, err := ParseAddress(Bitcoin, bad); err == nil {
			t.Errorf("ParseAddress(bitcoin, %q) accepted", bad)
		}
	}
}
