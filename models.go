package mangopay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Money is an amount in the currency's minor unit (EUR 12.60 is Amount 1260,
// JPY 12 is Amount 12) with its ISO 4217 currency code.
type Money struct {
	// Currency is the ISO 4217 code, e.g. "EUR".
	Currency string `json:"Currency"`
	// Amount is in the currency's minor unit (cents for EUR), a JSON integer.
	Amount int64 `json:"Amount"`
}

// String formats m as "EUR 12.60" for the common two-decimal currencies and
// "JPY 12" style otherwise. It is for display only.
func (m Money) String() string {
	switch m.Currency {
	case "JPY", "KRW", "HUF", "CLP", "ISK":
		return fmt.Sprintf("%s %d", m.Currency, m.Amount)
	}
	sign := ""
	a := uint64(m.Amount)
	if m.Amount < 0 {
		sign, a = "-", -a // two's complement: right for math.MinInt64 too
	}
	return fmt.Sprintf("%s %s%d.%02d", m.Currency, sign, a/100, a%100)
}

// Address is a postal address (natural users' Address, legal users'
// HeadquartersAddress and LegalRepresentativeAddress, recipients' Address).
// Mangopay may return an address whose fields are all empty.
type Address struct {
	// AddressLine1 is required whenever the address is sent.
	AddressLine1 string `json:"AddressLine1,omitempty"`
	// AddressLine2 is optional.
	AddressLine2 string `json:"AddressLine2,omitempty"`
	// City is required whenever the address is sent.
	City string `json:"City,omitempty"`
	// Region is required when Country is US, CA or MX.
	Region string `json:"Region,omitempty"`
	// PostalCode is required whenever the address is sent (letters, digits,
	// dashes and spaces).
	PostalCode string `json:"PostalCode,omitempty"`
	// Country is ISO 3166-1 alpha-2.
	Country string `json:"Country,omitempty"`
}

// IsZero reports whether every field is empty.
func (a Address) IsZero() bool { return a == Address{} }

// Time is a Mangopay timestamp: integer Unix seconds (UTC) on the wire, a
// time.Time in Go. It decodes integers, floats, numeric strings and null (the
// zero Time); the zero Time encodes as null. Use the embedded Time for
// everything else.
type Time struct{ time.Time }

// TimeOf wraps t.
func TimeOf(t time.Time) Time { return Time{t} }

// MarshalJSON encodes Unix seconds, or null for the zero Time.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return strconv.AppendInt(nil, t.Unix(), 10), nil
}

// UnmarshalJSON decodes Unix seconds given as a number, a float or a numeric string.
func (t *Time) UnmarshalJSON(b []byte) error {
	tt, err := parseUnix(b)
	if err != nil {
		return err
	}
	t.Time = tt
	return nil
}

// Date is a calendar date, such as a birthday: Unix seconds of UTC midnight
// on the wire. The year, month and day are taken in the time's own location,
// so Birthday: mangopay.NewDate(1990, time.May, 4) means 4 May 1990 wherever
// the server runs. The zero Date encodes as null.
type Date struct{ time.Time }

// NewDate returns the date y-m-d at UTC midnight.
func NewDate(y int, m time.Month, d int) Date {
	return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// MarshalJSON encodes Unix seconds of UTC midnight of the date, or null.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	y, m, dd := d.Date()
	return strconv.AppendInt(nil, time.Date(y, m, dd, 0, 0, 0, 0, time.UTC).Unix(), 10), nil
}

// UnmarshalJSON decodes Unix seconds given as a number, a float or a numeric string.
func (d *Date) UnmarshalJSON(b []byte) error {
	tt, err := parseUnix(b)
	if err != nil {
		return err
	}
	d.Time = tt
	return nil
}

// parseUnix decodes a JSON Unix timestamp: a number, a numeric string, or
// null / "" for the zero time.
func parseUnix(b []byte) (time.Time, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" || string(b) == `""` {
		return time.Time{}, nil
	}
	s := string(b)
	if b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return time.Time{}, fmt.Errorf("mangopay: timestamp %s: %w", truncate(string(b), 40), err)
		}
	}
	t, err := parseUnixSeconds(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("mangopay: timestamp %s %w", truncate(string(b), 40), err)
	}
	return t, nil
}

// maxUnixSeconds is the one bound of every Unix timestamp the SDK reads
// (model dates, APIError.Date, the webhook Date parameter): 1e11 seconds
// either side of 1970, about the year 5138. That is far beyond any Mangopay
// date and far inside time.Time's range, so a garbage number is an error
// rather than a date.
const maxUnixSeconds = 1e11

var (
	errNotUnixSeconds = errors.New("is not Unix seconds")
	errUnixOutOfRange = fmt.Errorf("is out of range (beyond %g seconds from 1970)", float64(maxUnixSeconds))
)

// parseUnixSeconds reads Unix seconds written as an integer or a decimal
// number ("1743627006", "1743627006.5", "-86400", "1.7e9"), within
// maxUnixSeconds: the one parser behind Time, Date, APIError.Date and the
// webhook Date (whose stricter syntax ParseEvent checks first).
func parseUnixSeconds(s string) (time.Time, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n < -maxUnixSeconds || n > maxUnixSeconds {
			return time.Time{}, errUnixOutOfRange
		}
		return time.Unix(n, 0).UTC(), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if errors.Is(err, strconv.ErrRange) || err == nil && (f < -maxUnixSeconds || f > maxUnixSeconds) {
		return time.Time{}, errUnixOutOfRange
	}
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return time.Time{}, errNotUnixSeconds
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}
