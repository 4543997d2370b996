package mangopaytest

import (
	"regexp"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAppendCappedKeepsTheNewest(t *testing.T) {
	t.Parallel()
	var xs []int
	for i := 0; i < maxLogged+5; i++ {
		xs = appendCapped(xs, i)
	}
	require.Len(t, xs, maxLogged)
	assert.Equal(t, 5, xs[0])
	assert.Equal(t, maxLogged+4, xs[len(xs)-1])
}

// TestAppendCappedAmortized: a full log does not copy itself on every
// append (which made every request after the 10,000th copy the whole log).
func TestAppendCappedAmortized(t *testing.T) {
	t.Parallel()
	var xs []int
	for i := 0; i < 3*maxLogged; i++ {
		xs = appendCapped(xs, i)
	}
	// Count the moves to a new array over 3*maxLogged more appends.
	i, moves := 3*maxLogged, 0
	for range 3 * maxLogged {
		before := &xs[:cap(xs)][cap(xs)-1] // the array's last slot
		xs = appendCapped(xs, i)
		i++
		if &xs[:cap(xs)][cap(xs)-1] != before {
			moves++
		}
	}
	assert.LessOrEqual(t, moves, 3, "one move per maxLogged appends")
	require.Len(t, xs, maxLogged)
	assert.Equal(t, i-maxLogged, xs[0])
	assert.Equal(t, i-1, xs[len(xs)-1])
}

func TestPruneForgetsOldState(t *testing.T) {
	t.Parallel()
	s := &Server{st: newState()}
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	s.st.sessions["old"] = &session{token: "old", status: sessionValidated, expires: now.Add(-25 * time.Hour)}
	s.st.sessions["recent"] = &session{token: "recent", status: sessionFailed, expires: now.Add(-time.Hour)}
	s.st.sessions["pending"] = &session{token: "pending", status: sessionPending, expires: now.Add(-48 * time.Hour)}
	s.st.idem["old-key"] = &storedResponse{done: true, at: now.Add(-IdempotencyRetention)}
	s.st.idem["new-key"] = &storedResponse{done: true, at: now.Add(-time.Hour)}
	s.st.tokens["expired"] = now
	s.st.tokens["live"] = now.Add(time.Second)
	s.pruneLocked(now)
	assert.Equal(t, []string{"pending", "recent"}, sortedKeys(s.st.sessions))
	assert.Equal(t, []string{"new-key"}, sortedKeys(s.st.idem))
	assert.Equal(t, []string{"live"}, sortedKeys(s.st.tokens))
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestFormatMoney(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		m    money
		want string
	}{
		{money{"EUR", 60000}, "€600.00"},
		{money{"EUR", 125000050}, "€1,250,000.50"},
		{money{"GBP", 5}, "£0.05"},
		{money{"USD", -1999}, "-$19.99"},
		{money{"JPY", 1200}, "¥1,200"},
		{money{"PLN", 100}, "PLN 1.00"},
	} {
		assert.Equal(t, c.want, formatMoney(c.m))
	}
}

func TestWithControlStatus(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://p.example":                          "https://p.example?controlStatus=VALIDATED",
		"https://p.example/back?a=1&b=x%20y":         "https://p.example/back?a=1&b=x%20y&controlStatus=VALIDATED",
		"https://p.example/back?controlStatus=X&a=1": "https://p.example/back?a=1&controlStatus=VALIDATED",
		"https://p.example/back?#frag":               "https://p.example/back?controlStatus=VALIDATED#frag",
		"http://localhost:3000/cb?next=%2Fhome":      "http://localhost:3000/cb?next=%2Fhome&controlStatus=VALIDATED",
	} {
		assert.Equal(t, want, withControlStatus(in, sessionValidated), in)
	}
}

func TestIDsAndChecks(t *testing.T) {
	t.Parallel()
	id := ulid(time.Unix(1734339135, 0))
	assert.Regexp(t, regexp.MustCompile(`^01JF7AP`), id, "the time prefix matches Mangopay's ids of that date")
	assert.Len(t, id, 26)
	assert.NotEqual(t, id, ulid(time.Unix(1734339135, 0)))
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$`, uuid())
	assert.True(t, validIBAN("DE75512108001245126199"))
	assert.True(t, validIBAN("FR1420041010050500013M02606"))
	assert.False(t, validIBAN("DE75512108001245126198"))
	assert.False(t, validIBAN("not an iban"))
	assert.Equal(t, "•••• ••• •11", maskPhone("+33 6 11 11 11 11"))
	assert.Equal(t, "your phone", maskPhone(""))
	assert.True(t, validKey("0123456789abcdef"))
	assert.False(t, validKey("0123456789abcde"))
	assert.False(t, validKey("0123456789abcdef_"))
}
