package mangopay

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
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
	sleeps     []time.Duration
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
		env.sleeps = append(env.sleeps, d)
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
	reqs   []*http.Request
	bodies [][]byte
}

// wrap returns a responder that records each request (and its body) before
// delegating to next.
func (cp *capture) wrap(next httpmock.Responder) httpmock.Responder {
	return func(r *http.Request) (*http.Response, error) {
		var b []byte
		if r.Body != nil {
			b, _ = io.ReadAll(r.Body)
		}
		cp.reqs = append(cp.reqs, r)
		cp.bodies = append(cp.bodies, b)
		return next(r)
	}
}

// last returns the last recorded request and its body.
func (cp *capture) last(t *testing.T) (*http.Request, []byte) {
	t.Helper()
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
