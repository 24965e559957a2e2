package labels

import (
	"encoding/binary"
	"fmt"
	"strings"
	"time"
)

// Date is a calendar day (UTC), as sources give first- and last-seen
// dates. The zero Date means not known.
type Date struct{ ymd int32 } // year*10000 + month*100 + day

// DateOf returns the UTC calendar day of t.
func DateOf(t time.Time) Date {
	y, m, d := t.UTC().Date()
	return Date{int32(y*10000 + int(m)*100 + d)}
}

// dateLayouts are the forms dates take in the sources: plain days, RFC 3339
// timestamps, and the Python datetime a TagPack's lastmod can hold.
var dateLayouts = []string{"2006-01-02", time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05"}

// ParseDate reads a date written 2006-01-02, or a timestamp whose UTC day it
// keeps. The empty string is the zero Date.
func ParseDate(s string) (Date, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Date{}, nil
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			if y := t.UTC().Year(); y < 1 || y > 9999 {
				break
			}
			return DateOf(t), nil
		}
	}
	return Date{}, fmt.Errorf("date %q: want YYYY-MM-DD", s)
}

// IsZero reports whether the date is unknown.
func (d Date) IsZero() bool { return d.ymd == 0 }

// Time returns midnight UTC of the day, or the zero time.
func (d Date) Time() time.Time {
	if d.IsZero() {
		return time.Time{}
	}
	return time.Date(int(d.ymd/10000), time.Month(d.ymd/100%100), int(d.ymd%100), 0, 0, 0, 0, time.UTC)
}

// Before reports whether d is an earlier day than e.
func (d Date) Before(e Date) bool { return d.ymd < e.ymd }

// String writes the day as 2006-01-02, or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.ymd/10000, d.ymd/100%100, d.ymd%100)
}

// MarshalText writes the day as 2006-01-02.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads a day as ParseDate does.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalBinary writes the day as four bytes, year*10000+month*100+day
// big-endian (a saved trace keeps the labels it used).
func (d Date) MarshalBinary() ([]byte, error) {
	return binary.BigEndian.AppendUint32(nil, uint32(d.ymd)), nil
}

// UnmarshalBinary reads what MarshalBinary wrote.
func (d *Date) UnmarshalBinary(b []byte) error {
	if len(b) != 4 {
		return fmt.Errorf("date %x: not one MarshalBinary wrote", b)
	}
	v := Date{int32(binary.BigEndian.Uint32(b))}
	if !v.IsZero() {
		if _, err := ParseDate(v.String()); err != nil {
			return err
		}
	}
	*d = v
	return nil
}
