package mangopay

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Test constants shared by every test file.
const (
	testClientID = "acme-test"
	testAPIKey   = "sk-test-SECRET-0123456789"
	testToken    = "tok-SECRET-abcdef"
	// testBase has a path prefix to catch absolute-path bugs.
	testBase = "https://api.test/prefix"
	// testAPI is the prefix of every resource URL of the test client.
	testAPI = testBase + "/v2.01/" + testClientID
)

// testEnv is a client wired to its own httpmock transport.
type testEnv struct {
	c          *Client
	mt         *httpmock.MockTransport
	tokenCalls atomic.Int64

	mu     sync.Mutex
	sleeps []time.Duration // every wait the client asked for, in order
}

// waits returns a copy of the waits recorded so far (safe with concurrent calls).
func (env *testEnv) waits() []time.Duration {
	env.mu.Lock()
	defer env.mu.Unlock()
	return append([]time.Duration(nil), env.sleeps...)
}

// newTestClient returns a client on its own MockTransport with the OAuth
// token endpoint answered (expires_in 1200), no real sleeping between
// retries, and testBase as base URL. Extra options are applied after those.
func newTestClient(t *testing.T, opts ...Option) *testEnv {
	t.Helper()
	env := &testEnv{mt: httpmock.NewMockTransport()}
	env.mt.RegisterResponder(http.MethodPost, testBase+"/v2.01/oauth/token",
		func(r *http.Request) (*http.Response, error) {
			env.tokenCalls.Add(1)
			return httpmock.NewStringResponse(200, `{"access_token":"`+testToken+`","token_type":"bearer","expires_in":1200}`), nil
		})
	all := append([]Option{WithBaseURL(testBase), WithHTTPClient(&http.Client{Transport: env.mt})}, opts...)
	c, err := New(testClientID, testAPIKey, all...)
	require.NoError(t, err)
	c.sleep = func(ctx context.Context, d time.Duration) error {
		env.mu.Lock()
		env.sleeps = append(env.sleeps, d)
		env.mu.Unlock()
		return ctx.Err()
	}
	env.c = c
	return env
}

// fixture reads testdata/<path>.
func fixture(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", path))
	require.NoError(t, err)
	return b
}

// jsonResponder answers status with body and a JSON content type.
func jsonResponder(status int, body string) httpmock.Responder {
	return func(*http.Request) (*http.Response, error) {
		r := httpmock.NewStringResponse(status, body)
		r.Header.Set("Content-Type", "application/json; charset=utf-8")
		return r, nil
	}
}

// capture records requests to a responder and answers with next.
type capture struct {
	mu     sync.Mutex
	reqs   []*http.Request
	bodies [][]byte
}

// n returns how many requests were recorded.
func (cp *capture) n() int {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	return len(cp.reqs)
}

// wrap returns a responder that records each request (and its body) before
// delegating to next.
func (cp *capture) wrap(next httpmock.Responder) httpmock.Responder {
	return func(r *http.Request) (*http.Response, error) {
		var b []byte
		if r.Body != nil {
			b, _ = io.ReadAll(r.Body)
		}
		cp.mu.Lock()
		cp.reqs = append(cp.reqs, r)
		cp.bodies = append(cp.bodies, b)
		cp.mu.Unlock()
		return next(r)
	}
}

// last returns the last recorded request and its body.
func (cp *capture) last(t *testing.T) (*http.Request, []byte) {
	t.Helper()
	cp.mu.Lock()
	defer cp.mu.Unlock()
	require.NotEmpty(t, cp.reqs, "no request was recorded")
	return cp.reqs[len(cp.reqs)-1], cp.bodies[len(cp.bodies)-1]
}

// assertStdHeaders checks the headers every API call carries.
func assertStdHeaders(t *testing.T, r *http.Request) {
	t.Helper()
	assert.Equal(t, "Bearer "+testToken, r.Header.Get("Authorization"))
	assert.True(t, strings.HasPrefix(r.Header.Get("User-Agent"), "mangopay-go/"+Version+" go"), r.Header.Get("User-Agent"))
	if r.Method == http.MethodPost {
		assert.True(t, validKey(r.Header.Get("Idempotency-Key")), "Idempotency-Key %q", r.Header.Get("Idempotency-Key"))
	} else {
		assert.Empty(t, r.Header.Get("Idempotency-Key"))
	}
}

// assertJSONEq compares two JSON documents, ignoring formatting and key order.
func assertJSONEq(t *testing.T, want, got []byte) {
	t.Helper()
	var w, g any
	require.NoError(t, json.Unmarshal(want, &w), "want is not JSON")
	require.NoError(t, json.Unmarshal(got, &g), "got is not JSON: %s", got)
	assert.Equal(t, w, g)
}

// fakeClock is a settable clock for Client.now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, time.March, 1, 12, 0, 0, 0, time.UTC)}
}

func (fc *fakeClock) Now() time.Time {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	return fc.t
}

func (fc *fakeClock) Advance(d time.Duration) {
	fc.mu.Lock()
	fc.t = fc.t.Add(d)
	fc.mu.Unlock()
}

// sequence answers with each responder in turn, repeating the last one.
func sequence(rs ...httpmock.Responder) httpmock.Responder {
	var mu sync.Mutex
	i := 0
	return func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		n := min(i, len(rs)-1)
		i++
		mu.Unlock()
		return rs[n](r)
	}
}

// withHeader adds a response header to what next answers.
func withHeader(next httpmock.Responder, kv ...string) httpmock.Responder {
	return func(r *http.Request) (*http.Response, error) {
		resp, err := next(r)
		if resp != nil {
			for i := 0; i+1 < len(kv); i += 2 {
				resp.Header.Add(kv[i], kv[i+1])
			}
		}
		return resp, err
	}
}

// apiErrorBody is a Mangopay error body of the given type.
func apiErrorBody(typ, msg string) string {
	return `{"Message":"` + msg + `","Type":"` + typ + `","Id":"err-1","Date":1740581497,"errors":null}`
}

// secrets are the strings that must never appear in errors, logs or dumps.
var secrets = []string{
	testAPIKey,
	testToken,
	"tok-SECRET-second",
	base64.StdEncoding.EncodeToString([]byte(testClientID + ":" + testAPIKey)),
	"SECRET",
}

// assertNoSecret fails when s contains the API key, the Basic credentials or
// a bearer token.
func assertNoSecret(t *testing.T, s string) {
	t.Helper()
	for _, sec := range secrets {
		assert.NotContains(t, s, sec)
	}
}

func TestPendingRedirectOf(t *testing.T) {
	t.Parallel()
	link := "https://sca.mangopay.com/?token=t"
	pa := &PendingUserAction{RedirectURL: link}
	for _, out := range []any{
		&Transfer{PendingUserAction: pa}, &Recipient{PendingUserAction: pa}, &NaturalUser{PendingUserAction: pa},
		&LegalUser{PendingUserAction: pa}, &ScaEnrollment{PendingUserAction: pa},
	} {
		assert.Equal(t, link, pendingRedirectOf(out), "%T", out)
		assert.Equal(t, link, pendingRedirectOf(out), "%T, cached", out)
	}
	var u User
	require.NoError(t, json.Unmarshal([]byte(`{"Id":"u1","PersonType":"LEGAL","PendingUserAction":{"RedirectUrl":"`+link+`"}}`), &u))
	assert.Equal(t, link, pendingRedirectOf(&u), "User: through its decoded LegalUser")
	for _, out := range []any{nil, &Transfer{}, (*Transfer)(nil), &Wallet{}, &[]Wallet{}, Transfer{PendingUserAction: pa}, &User{}, (*User)(nil),
		&struct{ PendingUserAction string }{"x"}} {
		assert.Equal(t, "", pendingRedirectOf(out), "%T", out)
	}
}
