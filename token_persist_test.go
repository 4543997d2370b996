package mangopay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scaforge/mangopay"
)

// TestMarshalTokenRoundTrip: MarshalToken is the one way to write a token
// with its secret, and UnmarshalToken reads exactly that back.
func TestMarshalTokenRoundTrip(t *testing.T) {
	t.Parallel()
	tok := mangopay.Token{AccessToken: "tok-persist-1", ExpiresAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("CET", 3600))}
	b, err := mangopay.MarshalToken(tok)
	require.NoError(t, err)
	assert.JSONEq(t, `{"access_token":"tok-persist-1","expires_at":"2026-01-02T02:04:05Z"}`, string(b))
	back, err := mangopay.UnmarshalToken(b)
	require.NoError(t, err)
	assert.Equal(t, "tok-persist-1", back.AccessToken)
	assert.True(t, tok.ExpiresAt.Equal(back.ExpiresAt))

	for name, bad := range map[string]mangopay.Token{
		"AccessToken is empty":      {ExpiresAt: tok.ExpiresAt},
		"AccessToken is [redacted]": {AccessToken: "[redacted]", ExpiresAt: tok.ExpiresAt},
		"ExpiresAt is zero":         {AccessToken: "tok"},
	} {
		_, err := mangopay.MarshalToken(bad)
		assert.ErrorContains(t, err, "mangopay: MarshalToken: "+name)
	}
}

// TestUnmarshalTokenRefusesRedacted: what json.Marshal wrote (a redacted
// token) is refused with the cause and the fix, never returned as a token.
func TestUnmarshalTokenRefusesRedacted(t *testing.T) {
	t.Parallel()
	tok := mangopay.Token{AccessToken: "tok-SECRET-2", ExpiresAt: time.Now().Add(time.Hour)}
	js, err := json.Marshal(tok)
	require.NoError(t, err)
	assert.NotContains(t, string(js), "tok-SECRET-2")
	for name, tc := range map[string]struct{ in, want string }{
		"json.Marshal":     {string(js), "written with json.Marshal"},
		"redacted value":   {`{"access_token":"[redacted]","expires_at":"2026-01-02T03:04:05Z"}`, "persist tokens with MarshalToken"},
		"no access_token":  {`{"expires_at":"2026-01-02T03:04:05Z"}`, "access_token is missing"},
		"no expires_at":    {`{"access_token":"tok"}`, "expires_at is missing"},
		"not JSON":         {`tok-SECRET-2`, "not a token written by MarshalToken"},
		"wrong JSON shape": {`["tok"]`, "not a token written by MarshalToken"},
	} {
		got, err := mangopay.UnmarshalToken([]byte(tc.in))
		assert.ErrorContains(t, err, tc.want, name)
		assert.Zero(t, got, name)
		if err != nil {
			assert.NotContains(t, err.Error(), "tok-SECRET-2", name)
		}
	}
}

// jsonStore is the mistake a TokenStore can make: it persists tokens with
// json.Marshal, so what it reads back is redacted.
type jsonStore struct {
	mu   sync.Mutex
	data map[string][]byte
	sets int
}

func (s *jsonStore) Get(_ context.Context, baseURL, clientID string) (*mangopay.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.data[baseURL+" "+clientID]
	if !ok {
		return nil, nil
	}
	var t mangopay.Token
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

func (s *jsonStore) Set(_ context.Context, baseURL, clientID string, tok *mangopay.Token) error {
	b, err := json.Marshal(tok)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data[baseURL+" "+clientID] = b
	s.sets++
	return nil
}

// TestRedactedStoredTokenIsNotSent: a token a store read back redacted is
// treated as absent: the client fetches a real one, warns, and never sends
// "Bearer [redacted]".
func TestRedactedStoredTokenIsNotSent(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	tokens := 0
	mt.RegisterResponder(http.MethodPost, "https://api.sandbox.mangopay.com/v2.01/oauth/token", func(*http.Request) (*http.Response, error) {
		tokens++
		return httpmock.NewStringResponse(200, `{"access_token":"tok-fresh-3","token_type":"bearer","expires_in":1200}`), nil
	})
	var auths []string
	mt.RegisterResponder(http.MethodGet, "https://api.sandbox.mangopay.com/v2.01/acme/wallets/w1", func(r *http.Request) (*http.Response, error) {
		auths = append(auths, r.Header.Get("Authorization"))
		resp := httpmock.NewStringResponse(200, `{"Id":"w1"}`)
		resp.Header.Set("Content-Type", "application/json")
		return resp, nil
	})
	store := &jsonStore{data: map[string][]byte{}}
	// Another process stored a token the wrong way.
	require.NoError(t, store.Set(context.Background(), mangopay.SandboxURL, "acme",
		&mangopay.Token{AccessToken: "tok-other-process", ExpiresAt: time.Now().Add(time.Hour)}))
	var logs bytes.Buffer
	c, err := mangopay.New("acme", "key", mangopay.WithHTTPClient(&http.Client{Transport: mt}), mangopay.WithTokenStore(store),
		mangopay.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	require.NoError(t, err)

	_, err = c.Wallets.Get(context.Background(), "w1", "")
	require.NoError(t, err)
	assert.Equal(t, []string{"Bearer tok-fresh-3"}, auths, "a fresh token, not the redacted one")
	assert.Equal(t, 1, tokens)
	assert.Contains(t, logs.String(), "redacted token")
	assert.Contains(t, logs.String(), "MarshalToken")
	assert.NotContains(t, logs.String(), "tok-fresh-3")
	assert.Equal(t, 2, store.sets, "the fresh token was stored (redacted again, by this store's mistake)")
}
