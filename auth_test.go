package mangopay

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tokenBody is a token endpoint answer.
func tokenBody(tok string, expiresIn int64) string {
	return fmt.Sprintf(`{"access_token":%q,"token_type":"bearer","expires_in":%d}`, tok, expiresIn)
}

// countingToken answers the token endpoint with tokens[i] on call i (the
// last one repeated) and counts the calls.
func countingToken(env *testEnv, cp *capture, tokens ...string) *atomic.Int64 {
	var n atomic.Int64
	env.mt.RegisterResponder(http.MethodPost, testBase+"/v2.01/oauth/token", cp.wrap(func(*http.Request) (*http.Response, error) {
		i := int(n.Add(1)) - 1
		return httpmock.NewStringResponse(200, tokenBody(tokens[min(i, len(tokens)-1)], 1200)), nil
	}))
	return &n
}

func TestTokenRequest(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var tokCP, apiCP capture
	countingToken(env, &tokCP, testToken)
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/things/x", apiCP.wrap(jsonResponder(200, `{"Id":"x"}`)))
	_, err := getThing(context.Background(), env.c, "x")
	require.NoError(t, err)

	r, body := tokCP.last(t)
	assert.Equal(t, http.MethodPost, r.Method)
	assert.Equal(t, "/prefix/v2.01/oauth/token", r.URL.Path, "no ClientId in the token path, base prefix kept")
	assert.Equal(t, "Basic "+base64.StdEncoding.EncodeToString([]byte(testClientID+":"+testAPIKey)), r.Header.Get("Authorization"))
	assert.Equal(t, "application/x-www-form-urlencoded", r.Header.Get("Content-Type"))
	form, err := url.ParseQuery(string(body))
	require.NoError(t, err)
	assert.Equal(t, url.Values{"grant_type": {"client_credentials"}}, form)
	assert.Empty(t, r.Header.Get("Idempotency-Key"))

	ar, _ := apiCP.last(t)
	assert.Equal(t, "Bearer "+testToken, ar.Header.Get("Authorization"))
}

func TestTokenIsCached(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/things/x", jsonResponder(200, `{"Id":"x"}`))
	for range 5 {
		_, err := getThing(context.Background(), env.c, "x")
		require.NoError(t, err)
	}
	assert.EqualValues(t, 1, env.tokenCalls.Load())
	assert.Equal(t, 5, env.mt.GetCallCountInfo()["GET "+testAPI+"/things/x"])
}

func TestTokenIsRenewedBeforeExpiry(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	clock := newFakeClock()
	env.c.now = clock.Now
	var tokCP, apiCP capture
	calls := countingToken(env, &tokCP, "tok-SECRET-first", "tok-SECRET-second")
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/things/x", apiCP.wrap(jsonResponder(200, `{"Id":"x"}`)))
	get := func() string {
		_, err := getThing(context.Background(), env.c, "x")
		require.NoError(t, err)
		r, _ := apiCP.last(t)
		return r.Header.Get("Authorization")
	}
	assert.Equal(t, "Bearer tok-SECRET-first", get())
	clock.Advance(1200*time.Second - tokenMargin - time.Second) // 31s before expiry
	assert.Equal(t, "Bearer tok-SECRET-first", get())
	assert.EqualValues(t, 1, calls.Load())
	clock.Advance(2 * time.Second) // 29s before expiry: inside the margin
	assert.Equal(t, "Bearer tok-SECRET-second", get())
	assert.EqualValues(t, 2, calls.Load())
	assert.Equal(t, "Bearer tok-SECRET-second", get())
	assert.EqualValues(t, 2, calls.Load())
}

// tokenLifetimeEnv is a client on a fake clock whose token endpoint grants
// tokens of expires_in seconds. get makes one API call; calls counts the
// token requests.
func tokenLifetimeEnv(t *testing.T, expiresIn int64) (env *testEnv, clock *fakeClock, calls *atomic.Int64, get func()) {
	t.Helper()
	env = newTestClient(t)
	clock = newFakeClock()
	env.c.now = clock.Now
	calls = new(atomic.Int64)
	env.mt.RegisterResponder(http.MethodPost, testBase+"/v2.01/oauth/token", func(*http.Request) (*http.Response, error) {
		calls.Add(1)
		return httpmock.NewStringResponse(200, tokenBody(testToken, expiresIn)), nil
	})
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/things/x", jsonResponder(200, `{"Id":"x"}`))
	get = func() {
		t.Helper()
		_, err := getThing(context.Background(), env.c, "x")
		require.NoError(t, err)
	}
	return env, clock, calls, get
}

func TestShortLivedTokenRenewedAtHalfLife(t *testing.T) {
	t.Parallel()
	_, clock, calls, get := tokenLifetimeEnv(t, 20)
	for range 3 {
		get()
	}
	assert.EqualValues(t, 1, calls.Load(), "a 20s token is reused at first")
	clock.Advance(10 * time.Second)
	get()
	assert.EqualValues(t, 2, calls.Load(), "and renewed at half its life")
}

func TestTokenDefaultLifetime(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	clock := newFakeClock()
	env.c.now = clock.Now
	env.mt.RegisterResponder(http.MethodPost, testBase+"/v2.01/oauth/token", jsonResponder(200, `{"access_token":"`+testToken+`","token_type":"Bearer"}`))
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/things/x", jsonResponder(200, `{"Id":"x"}`))
	_, err := getThing(context.Background(), env.c, "x")
	require.NoError(t, err)
	assert.Equal(t, clock.Now().Add(20*time.Minute), env.c.auth.cached.ExpiresAt)
}

func TestAbsurdTokenLifetimeIsCapped(t *testing.T) {
	t.Parallel()
	// expires_in of 10^12 s overflows time.Duration into a garbage lifetime
	// (here a token kept until 2147; other values go negative, so that every
	// call would ask for a new token). It is capped at maxTokenLife.
	env, clock, calls, get := tokenLifetimeEnv(t, 1_000_000_000_000)
	for range 3 {
		get()
	}
	assert.EqualValues(t, 1, calls.Load())
	assert.Equal(t, clock.Now().Add(maxTokenLife), env.c.auth.cached.ExpiresAt)
	clock.Advance(maxTokenLife)
	get()
	assert.EqualValues(t, 2, calls.Load(), "renewed after the capped lifetime")
}

func TestThousandGoroutinesOneTokenRequest(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/things/x", jsonResponder(200, `{"Id":"x"}`))
	const n = 1000
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := getThing(context.Background(), env.c, "x")
			errs <- err
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.EqualValues(t, 1, env.tokenCalls.Load())
	assert.Equal(t, n, env.mt.GetCallCountInfo()["GET "+testAPI+"/things/x"])
}

func TestConcurrentTokenFailureIsShared(t *testing.T) {
	t.Parallel()
	// Bad credentials: goroutines waiting for the one refresh get its error
	// instead of each asking again (Mangopay locks accounts that do).
	env := newTestClient(t)
	const n = 200
	release := make(chan struct{})
	// The refresh is answered only once the n-1 other goroutines wait for
	// it: whatever the scheduling, they all share the one token request.
	var joined atomic.Int64
	env.c.auth.testHookJoined = func() {
		if joined.Add(1) == n-1 {
			close(release)
		}
	}
	var calls atomic.Int64
	env.mt.RegisterResponder(http.MethodPost, testBase+"/v2.01/oauth/token", func(*http.Request) (*http.Response, error) {
		calls.Add(1)
		<-release
		return httpmock.NewStringResponse(400, `{"error":"unauthorized_client","error_description":"This account has been temporarily locked for security reasons. Please try again later."}`), nil
	})
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := getThing(context.Background(), env.c, "x")
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		var apiErr *APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, "unauthorized_client", apiErr.Type)
	}
	assert.EqualValues(t, n-1, joined.Load(), "every other goroutine waited for the refresh in progress")
	assert.EqualValues(t, 1, calls.Load(), "one refresh shared by the waiting goroutines")
	assert.Zero(t, env.mt.GetCallCountInfo()["GET "+testAPI+"/things/x"])
}

func TestTokenWaiterRetriesWhenTheFetcherGivesUp(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	arrived := make(chan struct{}, 1)
	var calls atomic.Int64
	env.mt.RegisterResponder(http.MethodPost, testBase+"/v2.01/oauth/token", func(r *http.Request) (*http.Response, error) {
		if calls.Add(1) == 1 {
			arrived <- struct{}{}
			<-r.Context().Done() // the first caller's context ends mid-request
			return nil, r.Context().Err()
		}
		return httpmock.NewStringResponse(200, tokenBody(testToken, 1200)), nil
	})
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/things/x", jsonResponder(200, `{"Id":"x"}`))

	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() {
		_, err := getThing(ctx, env.c, "x")
		first <- err
	}()
	<-arrived
	waiting := make(chan struct{})
	env.c.auth.testHookJoined = func() { close(waiting) } // set before the second caller starts: no race
	second := make(chan error, 1)
	go func() {
		_, err := getThing(context.Background(), env.c, "x")
		second <- err
	}()
	<-waiting // the second caller waits on the first one's refresh
	cancel()
	assert.Same(t, context.Canceled, <-first)
	assert.NoError(t, <-second, "the waiter fetched a token itself")
	assert.EqualValues(t, 2, calls.Load())
}

func TestTokenWaitHonoursContext(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	release := make(chan struct{})
	arrived := make(chan struct{}, 1)
	env.mt.RegisterResponder(http.MethodPost, testBase+"/v2.01/oauth/token", func(*http.Request) (*http.Response, error) {
		arrived <- struct{}{}
		<-release
		return httpmock.NewStringResponse(200, tokenBody(testToken, 1200)), nil
	})
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/things/x", jsonResponder(200, `{"Id":"x"}`))
	done := make(chan error, 1)
	go func() {
		_, err := getThing(context.Background(), env.c, "x")
		done <- err
	}()
	<-arrived
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := getThing(ctx, env.c, "x")
	assert.Same(t, context.Canceled, err, "a waiter leaves when its context ends")
	close(release)
	assert.NoError(t, <-done)
}

func TestUnauthorizedRefreshesOnceAndReplays(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var tokCP, apiCP capture
	calls := countingToken(env, &tokCP, "tok-SECRET-first", "tok-SECRET-second")
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/transfers", apiCP.wrap(func(r *http.Request) (*http.Response, error) {
		if r.Header.Get("Authorization") == "Bearer tok-SECRET-first" {
			return httpmock.NewStringResponse(401, `{"Message":"The authorization credentials are not valid","Type":"invalid_credentials","Date":1733404277}`), nil
		}
		return httpmock.NewStringResponse(200, `{"Id":"xfer_1"}`), nil
	}))
	var out thing
	var meta Response
	require.NoError(t, env.c.post(context.Background(), "/transfers", map[string]int{"Amount": 1}, &out, []RequestOption{CaptureResponse(&meta)}))
	assert.Equal(t, "xfer_1", out.ID)
	assert.EqualValues(t, 2, calls.Load())
	require.Equal(t, 2, apiCP.n())
	assert.Equal(t, "Bearer tok-SECRET-second", apiCP.reqs[1].Header.Get("Authorization"))
	assert.Equal(t, apiCP.reqs[0].Header.Get("Idempotency-Key"), apiCP.reqs[1].Header.Get("Idempotency-Key"), "the replay keeps the key")
	assert.Equal(t, `{"Amount":1}`, string(apiCP.bodies[1]))
	assert.Empty(t, env.waits(), "the replay is immediate")
	assert.Equal(t, 2, meta.Attempts)

	// The new token is cached.
	require.NoError(t, env.c.post(context.Background(), "/transfers", nil, &out, nil))
	assert.EqualValues(t, 2, calls.Load())
}

func TestUnauthorizedTwiceStops(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var tokCP capture
	calls := countingToken(env, &tokCP, "tok-SECRET-first", "tok-SECRET-second", "tok-SECRET-third")
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/things/x", jsonResponder(401, `{"Message":"The authorization credentials are not valid","Type":"invalid_credentials","Date":1733404277}`))
	_, err := getThing(context.Background(), env.c, "x")
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 401, apiErr.StatusCode)
	assert.Equal(t, ErrorTypeInvalidCredentials, apiErr.Type)
	assert.ErrorIs(t, err, ErrUnauthorized)
	assert.Equal(t, 2, env.mt.GetCallCountInfo()["GET "+testAPI+"/things/x"], "one replay, no loop")
	assert.EqualValues(t, 2, calls.Load())
	assertNoSecret(t, err.Error())
}

func TestUnauthorizedWithSCAChallenge(t *testing.T) {
	t.Parallel()
	for _, hdr := range []string{
		"PendingUserAction redirectUrl=https://sca.sandbox.mangopay.com/?token=0193cf51ed367151a0cb1c59def21e13",
		"PendingUserAction RedirectUrl=https://sca.mangopay.com?token=0193d02f30df7a188c51cf890a191d21",
	} {
		t.Run(hdr, func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t)
			clock := newFakeClock()
			env.c.now = clock.Now
			env.mt.RegisterResponder(http.MethodGet, testAPI+"/wallets/w1", withHeader(jsonResponder(401, ``), "WWW-Authenticate", hdr))
			p, err := pathf("/wallets/%s", "w1")
			require.NoError(t, err)
			err = env.c.get(context.Background(), p, url.Values{"ScaContext": {"USER_PRESENT"}}, &thing{}, nil)
			sca, ok := AsScaRequired(err)
			require.True(t, ok, "%v", err)
			assert.ErrorIs(t, err, ErrScaRequired)
			assert.NotErrorIs(t, err, ErrUnauthorized)
			_, link, _ := stringsCut(hdr, "=")
			assert.Equal(t, link, sca.RedirectURL)
			assert.Equal(t, ScaSourceHeader, sca.Source)
			assert.Equal(t, 401, sca.StatusCode)
			assert.Equal(t, http.MethodGet, sca.Method)
			assert.Equal(t, testAPI+"/wallets/w1", sca.URL, "no query string")
			assert.Equal(t, clock.Now().Add(ScaSessionLifetime), sca.ExpiresAt)
			assert.EqualValues(t, 1, env.tokenCalls.Load(), "no token refresh")
			assert.Equal(t, 1, env.mt.GetCallCountInfo()["GET "+testAPI+"/wallets/w1?ScaContext=USER_PRESENT"]+env.mt.GetCallCountInfo()["GET "+testAPI+"/wallets/w1"])
		})
	}
	t.Run("untrusted link", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		env.mt.RegisterResponder(http.MethodGet, testAPI+"/wallets/w1", withHeader(jsonResponder(401, ``), "WWW-Authenticate", "PendingUserAction RedirectUrl=https://evil.example/?token=x"))
		err := env.c.get(context.Background(), "/wallets/w1", nil, nil, nil)
		assert.ErrorIs(t, err, ErrUntrustedRedirect)
		assert.NotErrorIs(t, err, ErrScaRequired)
		assert.EqualValues(t, 1, env.tokenCalls.Load())
	})
}

func stringsCut(s, sep string) (string, string, bool) {
	i := bytes.Index([]byte(s), []byte(sep))
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

func TestTokenEndpointErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		status     int
		body       string
		wantType   string
		wantMsg    string
		wantCalls  int64
		sentinel   error
		notAPIErr  bool
		errContain string
	}{
		{name: "OAuth error shape", status: 400, body: `{"error":"unauthorized_client","error_description":"This account has been temporarily locked for security reasons. Please try again later."}`,
			wantType: "unauthorized_client", wantMsg: "This account has been temporarily locked for security reasons. Please try again later.", wantCalls: 1},
		{name: "invalid credentials", status: 401, body: `{"Message":"The authorization credentials are not valid","Type":"invalid_credentials","Date":1733404277}`,
			wantType: ErrorTypeInvalidCredentials, wantMsg: "The authorization credentials are not valid", wantCalls: 1, sentinel: ErrUnauthorized},
		{name: "server error retried", status: 500, body: ``, wantCalls: 1 + defaultMaxRetries},
		{name: "rate limited", status: 429, body: apiErrorBody(ErrorTypeRateLimit, "Rate limit exceeded"), wantType: ErrorTypeRateLimit, wantMsg: "Rate limit exceeded", wantCalls: 1 + defaultMaxRetries, sentinel: ErrRateLimited},
		{name: "no access_token", status: 200, body: `{"token_type":"bearer","expires_in":1200}`, wantCalls: 1, notAPIErr: true, errContain: "no access_token"},
		{name: "wrong token type", status: 200, body: `{"access_token":"x","token_type":"mac","expires_in":1200}`, wantCalls: 1, notAPIErr: true, errContain: "token_type"},
		{name: "not JSON", status: 200, body: `<html>`, wantCalls: 1, notAPIErr: true, errContain: "decoding token response"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t)
			var calls atomic.Int64
			env.mt.RegisterResponder(http.MethodPost, testBase+"/v2.01/oauth/token", func(*http.Request) (*http.Response, error) {
				calls.Add(1)
				return httpmock.NewStringResponse(tc.status, tc.body), nil
			})
			_, err := getThing(context.Background(), env.c, "x")
			require.Error(t, err)
			assert.Equal(t, tc.wantCalls, calls.Load(), "token calls: the token call's own retries only, never retried again by the API call")
			assert.Zero(t, env.mt.GetCallCountInfo()["GET "+testAPI+"/things/x"], "no API call without a token")
			assertNoSecret(t, err.Error())
			if tc.notAPIErr {
				assert.Contains(t, err.Error(), tc.errContain)
				return
			}
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.Equal(t, tc.wantType, apiErr.Type)
			assert.Equal(t, tc.wantMsg, apiErr.Message)
			assert.Equal(t, http.MethodPost, apiErr.Method)
			assert.Equal(t, testBase+"/v2.01/oauth/token", apiErr.URL)
			if tc.sentinel != nil {
				assert.ErrorIs(t, err, tc.sentinel)
			}
		})
	}
	t.Run("network error retried", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		var tokCP capture
		env.mt.RegisterResponder(http.MethodPost, testBase+"/v2.01/oauth/token", tokCP.wrap(sequence(
			httpmock.NewErrorResponder(errors.New("connection refused")),
			jsonResponder(200, tokenBody(testToken, 1200)))))
		env.mt.RegisterResponder(http.MethodGet, testAPI+"/things/x", jsonResponder(200, `{"Id":"x"}`))
		_, err := getThing(context.Background(), env.c, "x")
		require.NoError(t, err)
		assert.Equal(t, 2, tokCP.n())
		assert.Len(t, env.waits(), 1)
	})
}

// recordingStore wraps a MemoryTokenStore and counts calls.
type recordingStore struct {
	*MemoryTokenStore
	gets, sets atomic.Int64
	failSet    bool
}

func (s *recordingStore) Get(ctx context.Context, baseURL, clientID string) (*Token, error) {
	s.gets.Add(1)
	return s.MemoryTokenStore.Get(ctx, baseURL, clientID)
}

func (s *recordingStore) Set(ctx context.Context, baseURL, clientID string, tok *Token) error {
	s.sets.Add(1)
	if s.failSet {
		return errors.New("store is read-only")
	}
	return s.MemoryTokenStore.Set(ctx, baseURL, clientID, tok)
}

func TestTokenStoreSharedBetweenClients(t *testing.T) {
	t.Parallel()
	store := &recordingStore{MemoryTokenStore: NewMemoryTokenStore()}
	a := newTestClient(t, WithTokenStore(store))
	b := newTestClient(t, WithTokenStore(store))
	for _, env := range []*testEnv{a, b} {
		env.mt.RegisterResponder(http.MethodGet, testAPI+"/things/x", jsonResponder(200, `{"Id":"x"}`))
		_, err := getThing(context.Background(), env.c, "x")
		require.NoError(t, err)
	}
	assert.EqualValues(t, 1, a.tokenCalls.Load())
	assert.EqualValues(t, 0, b.tokenCalls.Load(), "the second client took the stored token")
	assert.EqualValues(t, 1, store.sets.Load())
	tok, err := store.Get(context.Background(), testBase, testClientID)
	require.NoError(t, err)
	require.NotNil(t, tok)
	assert.Equal(t, testToken, tok.AccessToken)

	// Another ClientId on the same store does not get that token.
	other := httpmock.NewMockTransport()
	var otherCalls atomic.Int64
	other.RegisterResponder(http.MethodPost, testBase+"/v2.01/oauth/token", func(*http.Request) (*http.Response, error) {
		otherCalls.Add(1)
		return httpmock.NewStringResponse(200, tokenBody("tok-other", 1200)), nil
	})
	other.RegisterResponder(http.MethodGet, testBase+"/v2.01/other-client/things/x", jsonResponder(200, `{"Id":"x"}`))
	c, err := New("other-client", "other-key", WithBaseURL(testBase), WithHTTPClient(&http.Client{Transport: other}), WithTokenStore(store))
	require.NoError(t, err)
	_, err = getThing(context.Background(), c, "x")
	require.NoError(t, err)
	assert.EqualValues(t, 1, otherCalls.Load())
}

func TestRefusedTokenInStoreIsNotReused(t *testing.T) {
	t.Parallel()
	store := &recordingStore{MemoryTokenStore: NewMemoryTokenStore()}
	env := newTestClient(t, WithTokenStore(store))
	var tokCP, apiCP capture
	calls := countingToken(env, &tokCP, "tok-SECRET-first", "tok-SECRET-second")
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/things/x", apiCP.wrap(func(r *http.Request) (*http.Response, error) {
		if r.Header.Get("Authorization") == "Bearer tok-SECRET-first" {
			return httpmock.NewStringResponse(401, `{"Type":"invalid_credentials"}`), nil
		}
		return httpmock.NewStringResponse(200, `{"Id":"x"}`), nil
	}))
	_, err := getThing(context.Background(), env.c, "x")
	require.NoError(t, err)
	assert.EqualValues(t, 2, calls.Load(), "the store's copy of the refused token was ignored")
	tok, _ := store.Get(context.Background(), testBase, testClientID)
	assert.Equal(t, "tok-SECRET-second", tok.AccessToken)
}

func TestTokenStoreSetFailureIsLoggedNotFatal(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	store := &recordingStore{MemoryTokenStore: NewMemoryTokenStore(), failSet: true}
	env := newTestClient(t, WithTokenStore(store), WithLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/things/x", jsonResponder(200, `{"Id":"x"}`))
	_, err := getThing(context.Background(), env.c, "x")
	require.NoError(t, err)
	assert.Contains(t, buf.String(), "token store Set failed")
	assert.Contains(t, buf.String(), "store is read-only")
	assertNoSecret(t, buf.String())
}

func TestMemoryTokenStore(t *testing.T) {
	t.Parallel()
	s := NewMemoryTokenStore()
	ctx := context.Background()
	got, err := s.Get(ctx, SandboxURL, "a")
	require.NoError(t, err)
	assert.Nil(t, got)
	require.Error(t, s.Set(ctx, SandboxURL, "a", nil))
	exp := time.Unix(1740581497, 0)
	require.NoError(t, s.Set(ctx, SandboxURL, "a", &Token{AccessToken: "t", ExpiresAt: exp}))
	got, err = s.Get(ctx, SandboxURL, "a")
	require.NoError(t, err)
	assert.Equal(t, &Token{AccessToken: "t", ExpiresAt: exp}, got)
	got.AccessToken = "changed"
	again, _ := s.Get(ctx, SandboxURL, "a")
	assert.Equal(t, "t", again.AccessToken, "Get returns a copy")
	other, _ := s.Get(ctx, ProductionURL, "a")
	assert.Nil(t, other, "keyed by base URL")
}

func TestTokenPrintingHidesSecret(t *testing.T) {
	t.Parallel()
	tok := Token{AccessToken: testToken, ExpiresAt: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	for _, s := range []string{tok.String(), tok.GoString(), fmt.Sprintf("%v", tok), fmt.Sprintf("%+v", tok), fmt.Sprintf("%#v", tok), fmt.Sprintf("%v", &tok), fmt.Sprint([]Token{tok})} {
		assertNoSecret(t, s)
		assert.Contains(t, s, "2025-03-01T12:00:00Z")
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("tok", "token", tok)
	assertNoSecret(t, buf.String())
	assert.Contains(t, buf.String(), "[redacted]")
}

// TestSecretsNeverLogged runs a flow with a token fetch, retries, a network
// error, a 401 refresh and failures through a debug logger, then checks
// neither the logs nor the errors hold a secret.
func TestSecretsNeverLogged(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	var mu sync.Mutex
	h := slog.NewJSONHandler(&lockedWriter{w: &buf, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug})
	env := newTestClient(t, WithLogger(slog.New(h)))
	var tokCP capture
	countingToken(env, &tokCP, testToken, "tok-SECRET-second")
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/transfers", sequence(
		httpmock.NewErrorResponder(errors.New("connection reset by peer")),
		jsonResponder(503, `<html>503</html>`),
		func(r *http.Request) (*http.Response, error) {
			return httpmock.NewStringResponse(401, `{"Message":"The authorization credentials are not valid","Type":"invalid_credentials"}`), nil
		},
		jsonResponder(200, `{"Id":"xfer_1"}`),
	))
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/fail", jsonResponder(400, apiErrorBody("param_error", "bad")))
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/down", httpmock.NewErrorResponder(errors.New("no route to host")))

	var out thing
	require.NoError(t, env.c.post(context.Background(), "/transfers", map[string]int{"Amount": 1}, &out, nil))
	var errs []error
	errs = append(errs, env.c.get(context.Background(), "/fail", nil, nil, nil))
	errs = append(errs, env.c.get(context.Background(), "/down", nil, nil, nil))
	env.c.logger.Info("client", "client", env.c)

	// A client whose token calls fail (network, then the OAuth error shape)
	// logs through the same handler.
	bad := newTestClient(t, WithLogger(slog.New(h)), WithMaxRetries(1))
	bad.mt.RegisterResponder(http.MethodPost, testBase+"/v2.01/oauth/token", sequence(
		httpmock.NewErrorResponder(errors.New("connection refused")),
		jsonResponder(400, `{"error":"unauthorized_client","error_description":"locked"}`)))
	errs = append(errs, bad.c.get(context.Background(), "/things", nil, nil, nil))

	mu.Lock()
	logs := buf.String()
	mu.Unlock()
	assert.Contains(t, logs, `"msg":"mangopay request"`)
	assert.Contains(t, logs, `"msg":"mangopay token request"`)
	assert.Contains(t, logs, `"msg":"mangopay retry"`)
	assert.Contains(t, logs, `"msg":"mangopay request failed"`)
	assert.Contains(t, logs, `"msg":"mangopay token request failed"`)
	assert.Contains(t, logs, `"client_id":"acme-test"`)
	assertNoSecret(t, logs)
	for _, err := range errs {
		require.Error(t, err)
		assertNoSecret(t, err.Error())
		assertNoSecret(t, fmt.Sprintf("%+v", err))
		assertNoSecret(t, fmt.Sprintf("%#v", err))
	}
	assert.EqualValues(t, 2, tokCP.n())
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
