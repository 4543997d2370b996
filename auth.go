package mangopay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Token is an OAuth2 access token issued by POST /v2.01/oauth/token. No
// way of printing it shows the secret: fmt (every verb, also inside slices,
// maps and structs), slog (text and JSON handlers) and encoding/json all
// write the AccessToken as [redacted]. A TokenStore that persists tokens
// writes them with MarshalToken and reads them with UnmarshalToken.
type Token struct {
	// AccessToken is the bearer secret. It is never printed by String,
	// GoString, Format, LogValue or MarshalJSON; only MarshalToken writes it.
	AccessToken string
	// ExpiresAt is when Mangopay stops accepting it.
	ExpiresAt time.Time
}

// String describes the token without its secret.
func (t Token) String() string {
	return fmt.Sprintf("mangopay.Token{AccessToken: [redacted], ExpiresAt: %s}", t.ExpiresAt.UTC().Format(time.RFC3339))
}

// GoString is String: %#v never shows the secret.
func (t Token) GoString() string { return t.String() }

// LogValue keeps the secret out of slog records.
func (t Token) LogValue() slog.Value {
	return slog.GroupValue(slog.String("access_token", "[redacted]"), slog.Time("expires_at", t.ExpiresAt))
}

// Format prints String under every fmt verb (%v, %+v, %#v, %s, %d, %q,
// %x...), so a Token, a *Token, and slices, maps and structs holding them
// (as exported fields) never print the secret.
func (t Token) Format(f fmt.State, verb rune) { formatRedacted(f, verb, t.String()) }

// redactedSecret is what every printed form of a Token shows for its
// AccessToken. A Token read back with it was persisted with encoding/json
// (MarshalJSON): it is not a token, and the SDK fetches a new one.
const redactedSecret = "[redacted]"

// MarshalJSON writes the token with its AccessToken redacted,
// {"AccessToken":"[redacted]","ExpiresAt":"2026-01-02T03:04:05Z"}, so that
// json.Marshal, and slog's JSON handler, of anything holding a Token (a
// slice, a map, a struct, an []any) shows no secret. To persist a token, use
// MarshalToken: a token written by json.Marshal and read back is redacted,
// and the SDK ignores it (it fetches a new one) rather than send it.
func (t Token) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		AccessToken string
		ExpiresAt   time.Time
	}{redactedSecret, t.ExpiresAt})
}

// persistedToken is the format of MarshalToken.
type persistedToken struct {
	AccessToken string    `json:"access_token"`
	ExpiresAt   time.Time `json:"expires_at"`
}

// MarshalToken encodes t WITH its secret, for a TokenStore that persists
// tokens (a database, Redis, a file shared by processes), as
// {"access_token":"...","expires_at":"2026-01-02T03:04:05Z"}; UnmarshalToken
// reads it back. Keep the result as secret as the API key: never log it.
// It refuses a token without an AccessToken or ExpiresAt, or with a
// redacted AccessToken.
func MarshalToken(t Token) ([]byte, error) {
	switch t.AccessToken {
	case "":
		return nil, errors.New("mangopay: MarshalToken: AccessToken is empty")
	case redactedSecret:
		return nil, errors.New("mangopay: MarshalToken: AccessToken is [redacted]: this Token was read back from json.Marshal's output, which never holds the secret")
	}
	if t.ExpiresAt.IsZero() {
		return nil, errors.New("mangopay: MarshalToken: ExpiresAt is zero")
	}
	return json.Marshal(persistedToken{AccessToken: t.AccessToken, ExpiresAt: t.ExpiresAt.UTC()})
}

// UnmarshalToken decodes what MarshalToken wrote. It fails, naming the
// cause, when b is not that JSON, has no access_token or expires_at, or holds
// a redacted token (what json.Marshal of a Token writes, which cannot be
// used: persist tokens with MarshalToken). A TokenStore's Get can return
// (nil, nil) on such an error: the SDK then fetches a new token and Sets it.
func UnmarshalToken(b []byte) (Token, error) {
	var p struct {
		persistedToken
		Redacted string `json:"AccessToken"` // json.Marshal's spelling, always redacted
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return Token{}, fmt.Errorf("mangopay: UnmarshalToken: not a token written by MarshalToken: %w", err)
	}
	switch {
	case p.AccessToken == redactedSecret || (p.AccessToken == "" && p.Redacted != ""):
		return Token{}, errors.New("mangopay: UnmarshalToken: the token is [redacted]: it was written with json.Marshal, which never writes the secret; persist tokens with MarshalToken")
	case p.AccessToken == "":
		return Token{}, errors.New("mangopay: UnmarshalToken: access_token is missing")
	case p.ExpiresAt.IsZero():
		return Token{}, errors.New("mangopay: UnmarshalToken: expires_at is missing")
	}
	return Token{AccessToken: p.AccessToken, ExpiresAt: p.ExpiresAt}, nil
}

// formatRedacted writes s, the redacted description of a value, for any
// verb: quoted for %q, as it is otherwise.
func formatRedacted(f fmt.State, verb rune, s string) {
	if verb == 'q' {
		s = strconv.Quote(s)
	}
	_, _ = io.WriteString(f, s)
}

// TokenStore keeps OAuth tokens, keyed by API base URL and ClientId, so that
// several clients or processes can share one token instead of each asking for
// its own (Mangopay may rate-limit or block heavy use of the token endpoint).
// Implementations must be safe for concurrent use.
//
// A store that keeps tokens in memory keeps the Token values. A store that
// persists them (a database, Redis, a file) writes them with MarshalToken
// and reads them with UnmarshalToken: json.Marshal writes a Token with its
// AccessToken redacted (see Token.MarshalJSON), and a token Get returns
// redacted is treated as absent: the SDK fetches a new one (and logs a
// warning) rather than send it.
type TokenStore interface {
	// Get returns the stored token, or nil when there is none.
	Get(ctx context.Context, baseURL, clientID string) (*Token, error)
	// Set stores tok.
	Set(ctx context.Context, baseURL, clientID string, tok *Token) error
}

// MemoryTokenStore is the default TokenStore: a map in memory. It keeps
// Token values (nothing is encoded, so MarshalToken is not needed) and prints
// (fmt, slog) the number of tokens it holds, never the tokens.
type MemoryTokenStore struct {
	mu sync.Mutex
	// Tokens are held through pointers (each Set stores a fresh copy):
	// printed by reflection, a pointer below the top level shows only an
	// address, so even a copy of the store printed without its methods
	// shows no secret.
	m map[[2]string]*Token
}

// NewMemoryTokenStore returns an empty in-memory TokenStore.
func NewMemoryTokenStore() *MemoryTokenStore {
	return &MemoryTokenStore{m: make(map[[2]string]*Token)}
}

// String describes the store without its tokens.
func (s *MemoryTokenStore) String() string {
	if s == nil {
		return "mangopay.MemoryTokenStore(nil)"
	}
	s.mu.Lock()
	n := len(s.m)
	s.mu.Unlock()
	return fmt.Sprintf("mangopay.MemoryTokenStore{tokens: %d}", n)
}

// GoString is String.
func (s *MemoryTokenStore) GoString() string { return s.String() }

// Format prints String under every fmt verb.
func (s *MemoryTokenStore) Format(f fmt.State, verb rune) { formatRedacted(f, verb, s.String()) }

// LogValue keeps the tokens out of slog records.
func (s *MemoryTokenStore) LogValue() slog.Value {
	if s == nil {
		return slog.StringValue("<nil>")
	}
	s.mu.Lock()
	n := len(s.m)
	s.mu.Unlock()
	return slog.GroupValue(slog.Int("tokens", n))
}

// Get implements TokenStore.
func (s *MemoryTokenStore) Get(_ context.Context, baseURL, clientID string) (*Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.m[[2]string{baseURL, clientID}]
	if !ok || t == nil {
		return nil, nil
	}
	cp := *t
	return &cp, nil
}

// Set implements TokenStore.
func (s *MemoryTokenStore) Set(_ context.Context, baseURL, clientID string, tok *Token) error {
	if tok == nil {
		return errors.New("mangopay: MemoryTokenStore.Set: nil token")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cp := *tok
	if s.m == nil {
		s.m = make(map[[2]string]*Token)
	}
	s.m[[2]string{baseURL, clientID}] = &cp
	return nil
}

// tokenMargin is how long before expiry a token is renewed.
const tokenMargin = 30 * time.Second

// maxTokenLife caps the lifetime taken from expires_in (Mangopay issues
// tokens for 20 minutes in the sandbox and an hour in production): an absurd
// value renews the token daily instead of overflowing.
const maxTokenLife = 24 * time.Hour

// authenticator fetches and caches the client's bearer token. One refresh
// runs at a time: goroutines that need a token while it runs wait for it and
// share its outcome, a failure included, so a refused API key is not
// hammered by every waiting goroutine in turn.
type authenticator struct {
	client   *Client
	clientID string
	apiKey   string
	store    TokenStore
	storeKey string

	mu       sync.RWMutex
	cached   Token
	bearer   []string   // {"Bearer " + cached.AccessToken}, shared by requests
	refused  string     // the last token Mangopay refused with a 401
	inflight *tokenCall // the refresh in progress, if any

	// testHookJoined, when set (by tests only), is called each time a
	// goroutine joins a refresh already in progress, before it waits for it:
	// a test can then release the refresh once every goroutine waits on it.
	testHookJoined func()
}

// tokenCall is one refresh that several goroutines may wait for.
type tokenCall struct {
	done   chan struct{}
	tok    Token
	bearer []string
	err    error
	// gaveUp is set when the refresh failed because the context of the
	// goroutine running it ended: the others then try again themselves.
	gaveUp bool
}

// usable reports whether t can still be sent at now; a redacted token never
// can.
func usable(t Token, now time.Time) bool {
	if t.AccessToken == "" || t.AccessToken == redactedSecret {
		return false
	}
	return now.Add(tokenMargin).Before(t.ExpiresAt)
}

// header returns the Authorization header value of a valid access token,
// fetching one when needed. The slice is shared: never modify it.
func (a *authenticator) header(ctx context.Context) ([]string, error) {
	for {
		a.mu.RLock()
		t, h := a.cached, a.bearer
		a.mu.RUnlock()
		if usable(t, a.client.now()) {
			return h, nil
		}
		a.mu.Lock()
		if usable(a.cached, a.client.now()) { // refreshed meanwhile
			h := a.bearer
			a.mu.Unlock()
			return h, nil
		}
		call := a.inflight
		if call == nil {
			call = &tokenCall{done: make(chan struct{})}
			a.inflight = call
			a.mu.Unlock()
			a.refresh(ctx, call)
		} else {
			hook := a.testHookJoined
			a.mu.Unlock()
			if hook != nil {
				hook()
			}
		}
		select {
		case <-call.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if call.err == nil {
			return call.bearer, nil
		}
		if call.gaveUp && ctx.Err() == nil {
			continue // the goroutine that fetched gave up with its context: fetch again
		}
		return nil, call.err
	}
}

// refresh runs call: a usable token from the store, else a new one from
// Mangopay. It always completes call.
func (a *authenticator) refresh(ctx context.Context, call *tokenCall) {
	call.err = errors.New("mangopay: token refresh did not complete")
	defer func() {
		a.mu.Lock()
		if call.err == nil {
			call.bearer = []string{"Bearer " + call.tok.AccessToken}
			a.cached, a.bearer = call.tok, call.bearer
		}
		a.inflight = nil
		a.mu.Unlock()
		close(call.done)
	}()
	a.mu.RLock()
	refused := a.refused
	a.mu.RUnlock()
	st, err := a.store.Get(ctx, a.storeKey, a.clientID)
	if err == nil && st != nil && usable(*st, a.client.now()) && st.AccessToken != refused {
		call.tok, call.err = *st, nil
		return
	}
	if err == nil && st != nil && st.AccessToken == redactedSecret && a.client.logger.Enabled(ctx, slog.LevelWarn) {
		a.client.logger.LogAttrs(ctx, slog.LevelWarn, "mangopay token store returned a redacted token: it was persisted with encoding/json, "+
			"which never writes the secret; persist tokens with MarshalToken and UnmarshalToken. Fetching a new token.")
	}
	nt, err := a.fetch(ctx)
	if err != nil {
		call.err, call.gaveUp = err, ctx.Err() != nil
		return
	}
	call.tok, call.err = nt, nil
	if err := a.store.Set(ctx, a.storeKey, a.clientID, &nt); err != nil && a.client.logger.Enabled(ctx, slog.LevelWarn) {
		a.client.logger.LogAttrs(ctx, slog.LevelWarn, "mangopay token store Set failed", slog.String("error", oneLine(err.Error())))
	}
}

// invalidate drops the cached token if it is tok, the one Mangopay just
// refused, so that the next call fetches a new one; a token already replaced
// is left alone. The store is not written: the refused token is remembered
// and ignored there until a new one replaces it. It reports whether the next
// token handed out will come from a fetch that starts from now on (false:
// another token cached before, or a refresh already under way, may have been
// issued before whatever made Mangopay refuse tok).
func (a *authenticator) invalidate(tok string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.refused = tok
	if a.cached.AccessToken == tok {
		a.cached, a.bearer = Token{}, nil
	}
	return a.cached.AccessToken == "" && a.inflight == nil
}

// tokenResponse is the OAuth token endpoint's answer.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
}

// fetch asks Mangopay for a new token: POST /v2.01/oauth/token with Basic
// authentication and grant_type=client_credentials. Transient failures are
// retried under the client's retry policy.
func (a *authenticator) fetch(ctx context.Context) (Token, error) {
	c := a.client
	u := *c.baseURL
	u.RawPath = ""
	u.Path = c.baseURL.Path + apiVersion + "/oauth/token"
	retries := 0
	for {
		t, header, err := a.fetchOnce(ctx, &u)
		if err == nil {
			return t, nil
		}
		if ctx.Err() != nil {
			return Token{}, ctx.Err()
		}
		if !isTransient(err) {
			return Token{}, err
		}
		wait, ok := c.nextWait(retries, header) // the API calls' policy
		if !ok {
			return Token{}, err
		}
		retries++
		if err := c.sleep(ctx, wait); err != nil {
			return Token{}, err
		}
	}
}

func (a *authenticator) fetchOnce(ctx context.Context, u *url.URL) (Token, http.Header, error) {
	c := a.client
	form := strings.NewReader("grant_type=client_credentials")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), form)
	if err != nil {
		return Token{}, nil, fmt.Errorf("mangopay: building token request: %w", err)
	}
	req.SetBasicAuth(a.clientID, a.apiKey)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	sent := c.now()
	start := time.Now()
	resp, err := c.httpClient.Do(req)
	if err != nil {
		if c.logger.Enabled(ctx, slog.LevelDebug) {
			c.logger.LogAttrs(ctx, slog.LevelDebug, "mangopay token request failed", slog.String("path", u.Path), slog.String("error", redactErr(err)))
		}
		return Token{}, nil, fmt.Errorf("mangopay: POST %s: %w", redactURL(u.String()), err)
	}
	defer closeBody(resp)
	if resp.Request == nil {
		resp.Request = req // some RoundTrippers (test doubles) leave it unset
	}
	c.logger.LogAttrs(ctx, slog.LevelDebug, "mangopay token request", slog.String("path", u.Path), slog.Int("status", resp.StatusCode), slog.Duration("duration", time.Since(start)))
	body, _, rerr := readCapped(resp.Body, maxErrorBody)
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return Token{}, resp.Header, redirectAPIError(resp) // never followed: see noRedirects
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return Token{}, resp.Header, newAPIError(resp, body)
	}
	if rerr != nil {
		return Token{}, resp.Header, fmt.Errorf("mangopay: reading token response: %w", rerr)
	}
	var tr tokenResponse
	if err := json.Unmarshal(body, &tr); err != nil {
		return Token{}, resp.Header, fmt.Errorf("mangopay: decoding token response: %w", err)
	}
	if tr.AccessToken == "" {
		return Token{}, resp.Header, errors.New("mangopay: token response has no access_token")
	}
	if tr.TokenType != "" && !strings.EqualFold(tr.TokenType, "bearer") {
		return Token{}, resp.Header, fmt.Errorf("mangopay: unexpected token_type %q", truncate(tr.TokenType, 20))
	}
	var life time.Duration
	switch {
	case tr.ExpiresIn <= 0:
		life = 20 * time.Minute // the sandbox default
	case tr.ExpiresIn > int64(maxTokenLife/time.Second):
		life = maxTokenLife // also keeps the multiplication below from overflowing
	default:
		life = time.Duration(tr.ExpiresIn) * time.Second
	}
	// Renew early on short lifetimes too: never keep a token past half its life
	// when that is shorter than the usual margin.
	// The lifetime runs from when the request was sent.
	exp := sent.Add(life)
	if life <= 2*tokenMargin {
		exp = sent.Add(tokenMargin + life/2)
	}
	return Token{AccessToken: tr.AccessToken, ExpiresAt: exp}, resp.Header, nil
}
