package mangopaytest_test

import (
	"bufio"
	"net"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawHeaderNames sends a GET over a bare TCP connection and returns the
// status line and the header names exactly as written on the wire (Go's
// client would canonicalise them).
func rawHeaderNames(t *testing.T, a *api, path string) (string, []string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(a.srv.URL, "http://"), 5*time.Second)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
	_, err = conn.Write([]byte("GET " + path + " HTTP/1.1\r\nHost: mangopaytest\r\nAuthorization: Bearer " + a.token + "\r\nConnection: close\r\n\r\n"))
	require.NoError(t, err)
	tp := textproto.NewReader(bufio.NewReader(conn))
	status, err := tp.ReadLine()
	require.NoError(t, err)
	var names []string
	for {
		line, err := tp.ReadLine()
		require.NoError(t, err)
		if line == "" {
			return status, names
		}
		name, _, ok := strings.Cut(line, ":")
		require.True(t, ok, line)
		names = append(names, name)
	}
}

// TestHeaderNamesAreSpelledAsMangopays: clients in other languages may
// compare header names as sent, so the emulator writes Mangopay's spelling,
// not Go's canonical one (X-Ratelimit, Www-Authenticate).
func TestHeaderNamesAreSpelledAsMangopays(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	owner := a.activeOwner("Olga")
	wid := a.wallet(owner, "EUR", 0)

	status, names := rawHeaderNames(t, a, "/v2.01/"+a.srv.ClientID+"/wallets/"+wid+"?ScaContext=USER_PRESENT")
	assert.Equal(t, "HTTP/1.1 401 Unauthorized", status)
	for _, want := range []string{"WWW-Authenticate", "X-RateLimit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
		assert.Contains(t, names, want)
	}
	assert.NotContains(t, names, "Www-Authenticate")
	assert.NotContains(t, names, "X-Ratelimit")

	status, names = rawHeaderNames(t, a, "/v2.01/"+a.srv.ClientID+"/hooks")
	assert.Equal(t, "HTTP/1.1 200 OK", status)
	for _, want := range []string{"X-Number-Of-Pages", "X-Number-Of-Items", "Link", "X-RateLimit", "Content-Type"} {
		assert.Contains(t, names, want)
	}

}
