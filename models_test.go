package mangopay

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMoneyString(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		m    Money
		want string
	}{
		{Money{"EUR", 1260}, "EUR 12.60"},
		{Money{"EUR", 5}, "EUR 0.05"},
		{Money{"EUR", 0}, "EUR 0.00"},
		{Money{"GBP", -1260}, "GBP -12.60"},
		{Money{"EUR", -5}, "EUR -0.05"},
		{Money{"JPY", 12}, "JPY 12"},
		{Money{"JPY", -12}, "JPY -12"},
		{Money{"EUR", math.MaxInt64}, "EUR 92233720368547758.07"},
		{Money{"EUR", math.MinInt64}, "EUR -92233720368547758.08"},
	} {
		assert.Equal(t, tc.want, tc.m.String())
	}
}

func TestMoneyJSON(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(Money{Currency: "EUR", Amount: 1260})
	require.NoError(t, err)
	assert.JSONEq(t, `{"Currency":"EUR","Amount":1260}`, string(b))
	var m Money
	require.NoError(t, json.Unmarshal([]byte(`{"Currency":"JPY","Amount":12}`), &m))
	assert.Equal(t, Money{Currency: "JPY", Amount: 12}, m)
	assert.Error(t, json.Unmarshal([]byte(`{"Currency":"EUR","Amount":"12.60"}`), &m), "amounts are integers")
}

func TestTimeJSON(t *testing.T) {
	t.Parallel()
	ts := time.Unix(1740581497, 0).UTC()
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{`1740581497`, ts},
		{`1740581497.0`, ts},
		{`1740581497.25`, ts.Add(250 * time.Millisecond)},
		{`"1740581497"`, ts},
		{`null`, time.Time{}},
		{`""`, time.Time{}},
		{`-86400`, time.Unix(-86400, 0).UTC()},
	} {
		var got Time
		require.NoError(t, json.Unmarshal([]byte(tc.in), &got), tc.in)
		assert.True(t, tc.want.Equal(got.Time), "%s: got %v", tc.in, got.Time)
		if !tc.want.IsZero() {
			assert.Equal(t, time.UTC, got.Location())
		}
	}
	for _, in := range []string{`"soon"`, `true`, `{}`, `1e300`, `"1e300"`, `100000000001`} {
		var got Time
		assert.Error(t, json.Unmarshal([]byte(in), &got), in)
	}

	b, err := json.Marshal(TimeOf(time.Date(2025, 2, 26, 15, 51, 37, 900, time.FixedZone("CET", 3600))))
	require.NoError(t, err)
	assert.Equal(t, `1740581497`, string(b))
	b, err = json.Marshal(Time{})
	require.NoError(t, err)
	assert.Equal(t, `null`, string(b))

	var s struct {
		CreationDate Time  `json:"CreationDate"`
		Missing      *Time `json:"Missing"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"CreationDate":1740581497,"Missing":null}`), &s))
	assert.True(t, ts.Equal(s.CreationDate.Time))
	assert.Nil(t, s.Missing)
	b, err = json.Marshal(s)
	require.NoError(t, err)
	assert.JSONEq(t, `{"CreationDate":1740581497,"Missing":null}`, string(b))
}

func TestDateJSON(t *testing.T) {
	t.Parallel()
	may4 := time.Date(1990, time.May, 4, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		d    Date
	}{
		{"NewDate", NewDate(1990, time.May, 4)},
		{"late evening west of UTC", Date{time.Date(1990, time.May, 4, 23, 30, 0, 0, time.FixedZone("UTC-5", -5*3600))}},
		{"early morning east of UTC", Date{time.Date(1990, time.May, 4, 0, 30, 0, 0, time.FixedZone("UTC+14", 14*3600))}},
		{"noon UTC", Date{time.Date(1990, time.May, 4, 12, 0, 0, 0, time.UTC)}},
	} {
		b, err := json.Marshal(tc.d)
		require.NoError(t, err, tc.name)
		assert.Equal(t, `641779200`, string(b), tc.name)
		assert.Equal(t, may4.Unix(), int64(641779200))
	}
	assert.Equal(t, may4, NewDate(1990, time.May, 4).Time)

	var d Date
	require.NoError(t, json.Unmarshal([]byte(`641779200`), &d))
	assert.True(t, may4.Equal(d.Time))
	y, m, dd := d.Date()
	assert.Equal(t, []int{1990, 5, 4}, []int{y, int(m), dd})
	require.NoError(t, json.Unmarshal([]byte(`641779200.0`), &d))
	assert.True(t, may4.Equal(d.Time))
	require.NoError(t, json.Unmarshal([]byte(`"641779200"`), &d))
	assert.True(t, may4.Equal(d.Time))
	require.NoError(t, json.Unmarshal([]byte(`-315619200`), &d), "before 1970")
	assert.Equal(t, time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC), d.Time)
	require.NoError(t, json.Unmarshal([]byte(`null`), &d))
	assert.True(t, d.IsZero())
	assert.Error(t, json.Unmarshal([]byte(`"4 May 1990"`), &d))

	b, err := json.Marshal(Date{})
	require.NoError(t, err)
	assert.Equal(t, `null`, string(b))
	var s struct {
		Birthday *Date `json:"Birthday,omitempty"`
	}
	s.Birthday = Ptr(NewDate(1990, time.May, 4))
	b, err = json.Marshal(s)
	require.NoError(t, err)
	assert.Equal(t, `{"Birthday":641779200}`, string(b))
}

func TestAddressAndPtr(t *testing.T) {
	t.Parallel()
	assert.True(t, Address{}.IsZero())
	assert.False(t, Address{City: "Paris"}.IsZero())
	var a Address
	require.NoError(t, json.Unmarshal([]byte(`{"AddressLine1":null,"AddressLine2":null,"City":null,"Region":null,"PostalCode":null,"Country":null}`), &a))
	assert.True(t, a.IsZero(), "a PAYER legal user's all-null address")
	b, err := json.Marshal(Address{AddressLine1: "1 rue X", City: "Paris", PostalCode: "75001", Country: "FR"})
	require.NoError(t, err)
	assert.JSONEq(t, `{"AddressLine1":"1 rue X","City":"Paris","PostalCode":"75001","Country":"FR"}`, string(b))

	p := Ptr(false)
	require.NotNil(t, p)
	assert.False(t, *p)
	assert.Equal(t, 3, *Ptr(3))
}
