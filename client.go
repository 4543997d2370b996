package mangopay

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-querystring/query"
)

// Version is the SDK version, sent in the User-Agent header.
const Version = "0.1.0"

// Base URLs of Mangopay's API.
const (
	// SandboxURL is Mangopay's sandbox (the default).
	SandboxURL = "https://api.sandbox.mangopay.com"
	// ProductionURL is Mangopay's live API.
	ProductionURL = "https://api.mangopay.com"
	// SandboxMTLSURL is the sandbox host for mutual-TLS clients.
	SandboxMTLSURL = "https://api-mtls.sandbox.mangopay.com"
	// ProductionMTLSURL is the live host for mutual-TLS clients.
	ProductionMTLSURL = "https://api-mtls.mangopay.com"
)

// apiVersion is the path prefix of every call.
const apiVersion = "/v2.01"

// Defaults.
const (
	defaultTimeout    = 30 * time.Second
	defaultMaxRetries = 2
	defaultRetryBase  = 500 * time.Millisecond
	defaultRetryMax   = 10 * time.Second
	maxPerPage        = 100
)

// Client talks to Mangopay's API for one ClientId. It is safe for concurrent
// use; build one at start-up and share it. Many clients (many ClientIds) can
// live side by side: the package has no global state.
type Client struct {
	// Users manages SCA users: create, update, categorize, enroll, consent, view.
	Users *UsersService
	// Wallets creates wallets and reads them (SCA-gated).
	Wallets *WalletsService
	// Transactions lists a user's or a wallet's transactions (SCA-gated).
	Transactions *TransactionsService
	// Transfers moves money between wallets (SCA between different owners).
	Transfers *TransfersService
	// Recipients registers payout recipients (SCA for PAYOUT scope).
	Recipients *RecipientsService
	// Hooks manages webhook subscriptions.
	Hooks *HooksService
	// Payouts pays money out to Recipients (no SCA: trusted beneficiary).
	Payouts *PayoutsService
	// PayIns puts money into wallets: card web, card direct (3DS2), bank wire.
	PayIns *PayInsService
	// CardRegistrations registers cards (tokenized in the payer's browser).
	CardRegistrations *CardRegistrationsService
	// Cards reads and deactivates registered cards.
	Cards *CardsService
	// Refunds refunds transfers and pay-ins, and reads refunds.
	Refunds *RefundsService
	// Events lists past events (GET /events) and replays them into a
	// webhook handler to catch up.
	Events *EventsService
	// Idempotency reads the answers recorded under Idempotency-Keys
	// (GET /responses/{key}), to find out what became of a call after a
	// crash or an *OutcomeUnknownError.
	Idempotency *IdempotencyService
	// IdentityVerifications runs Mangopay's hosted identity verification
	// (IDV sessions), which makes an OWNER KYCLevel REGULAR (idv.go).
	IdentityVerifications *IdentityVerificationsService

	clientID string
	baseURL  *url.URL // without trailing slash
	// rawBase is the escaped absolute URL of <base>/v2.01/{ClientId},
	// computed once in New.
	rawBase    string
	httpClient *http.Client
	maxRetries int
	retryBase  time.Duration
	retryMax   time.Duration
	userAgent  string
	uaHeader   []string // {userAgent}, shared by every request (never modified)
	logger     *slog.Logger
	redirects  redirectPolicy // SCA links
	payments   redirectPolicy // payment links: paymentPolicy, built once
	auth       *authenticator

	// Test seams.
	sleep   func(ctx context.Context, d time.Duration) error
	now     func() time.Time
	maxBody int64 // cap on a 2xx body (maxSuccessBody)
}

// service is shared by every service type.
type service struct{ client *Client }

// UsersService wraps the SCA user endpoints under /sca/users.
type UsersService service

// WalletsService wraps /wallets and /users/{id}/wallets.
type WalletsService service

// TransactionsService wraps /users/{id}/transactions and /wallets/{id}/transactions.
type TransactionsService service

// TransfersService wraps /transfers.
type TransfersService service

// RecipientsService wraps /recipients and /users/{id}/recipients.
type RecipientsService service

// HooksService wraps /hooks.
type HooksService service

// Option configures a Client in New. Options validate their arguments; New
// returns the first error.
type Option func(*clientConfig) error

type clientConfig struct {
	baseURL       string
	httpClient    *http.Client
	timeout       time.Duration
	maxRetries    int
	retryBase     time.Duration
	retryMax      time.Duration
	logger        *slog.Logger
	uaSuffix      string
	store         TokenStore
	cert          *tls.Certificate
	redirectHosts []string
}

// WithBaseURL sets the API host: SandboxURL (the default), ProductionURL, or
// any absolute http(s) URL such as an emulator's (a path prefix is kept).
func WithBaseURL(u string) Option {
	return func(c *clientConfig) error {
		p, err := parseAbsoluteHTTP(u)
		if err != nil {
			return fmt.Errorf("mangopay: WithBaseURL: %w", err)
		}
		if p.RawQuery != "" || p.ForceQuery || p.Fragment != "" {
			return fmt.Errorf("mangopay: WithBaseURL: %q must not have a query or fragment", truncate(u, 60))
		}
		if p.User != nil {
			return errors.New("mangopay: WithBaseURL: the URL must not carry user info (credentials go in New)")
		}
		c.baseURL = u
		return nil
	}
}

// WithHTTPClient makes the client send requests through hc (for proxies,
// tracing, or httpmock in tests). hc is never modified; options that need a
// different transport or timeout work on a copy.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *clientConfig) error {
		if hc == nil {
			return errors.New("mangopay: WithHTTPClient: nil *http.Client")
		}
		c.httpClient = hc
		return nil
	}
}

// WithTimeout sets the timeout of each HTTP attempt (default 30s). With
// WithHTTPClient it applies to a copy of that client.
func WithTimeout(d time.Duration) Option {
	return func(c *clientConfig) error {
		if d <= 0 {
			return fmt.Errorf("mangopay: WithTimeout: %v is not positive", d)
		}
		c.timeout = d
		return nil
	}
}

// WithMaxRetries sets how many times a failed attempt is retried (default 2;
// 0 disables retries). See the package documentation for what is retried.
func WithMaxRetries(n int) Option {
	return func(c *clientConfig) error {
		if n < 0 {
			return fmt.Errorf("mangopay: WithMaxRetries: %d is negative", n)
		}
		c.maxRetries = n
		return nil
	}
}

// WithRetryWait sets the backoff between retries: the first wait is about
// base, doubling up to max, with jitter. A Retry-After or X-RateLimit-Reset
// longer than max is not waited for: the error is returned instead.
// Defaults: 500ms and 10s.
func WithRetryWait(base, max time.Duration) Option {
	return func(c *clientConfig) error {
		if base <= 0 || max < base {
			return fmt.Errorf("mangopay: WithRetryWait: need 0 < base <= max, got %v and %v", base, max)
		}
		c.retryBase, c.retryMax = base, max
		return nil
	}
}

// WithLogger sends a debug record per HTTP attempt (method, URL path, status,
// duration, idempotency key) to l. Credentials and tokens are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *clientConfig) error {
		if l == nil {
			return errors.New("mangopay: WithLogger: nil logger")
		}
		c.logger = l
		return nil
	}
}

// WithUserAgent appends suffix (e.g. "acme-marketplace/1.4") to the
// User-Agent "mangopay-go/<version> go<version>".
func WithUserAgent(suffix string) Option {
	return func(c *clientConfig) error {
		for _, r := range suffix {
			if r < 0x20 || r == 0x7f {
				return errors.New("mangopay: WithUserAgent: suffix contains a line break or control character")
			}
		}
		c.uaSuffix = strings.TrimSpace(suffix)
		return nil
	}
}

// WithTokenStore shares OAuth tokens through s (for example between processes
// through a cache). The default keeps them in memory.
func WithTokenStore(s TokenStore) Option {
	return func(c *clientConfig) error {
		if s == nil {
			return errors.New("mangopay: WithTokenStore: nil store")
		}
		c.store = s
		return nil
	}
}

// WithClientCertificate enables mutual TLS with the certificate Mangopay
// issued. It switches SandboxURL and ProductionURL to their api-mtls hosts
// (the OAuth token call included). With WithHTTPClient, that client's
// *http.Transport is cloned, never modified; other transports are refused.
func WithClientCertificate(cert tls.Certificate) Option {
	return func(c *clientConfig) error {
		if len(cert.Certificate) == 0 {
			return errors.New("mangopay: WithClientCertificate: certificate has no data")
		}
		c.cert = &cert
		return nil
	}
}

// WithRedirectHosts replaces the hosts that SCA redirect links may point to
// (default: mangopay.com and its subdomains), and adds to the hosts that
// payment links (a web pay-in's hosted page, a 3DS2 challenge) may point to:
// those are always accepted on Mangopay's payment hosts (mangopay.com,
// payline.com, whenthen.co) plus the hosts given here. Each entry matches
// that host and its subdomains; an entry with a port ("127.0.0.1:8089")
// matches exactly. Links must be https, except on loopback hosts. A link
// failing the check yields ErrUntrustedRedirect rather than a Redirect.
func WithRedirectHosts(hosts ...string) Option {
	return func(c *clientConfig) error {
		if len(hosts) == 0 {
			return errors.New("mangopay: WithRedirectHosts: no hosts")
		}
		out := make([]string, 0, len(hosts))
		for _, h := range hosts {
			h = strings.ToLower(strings.TrimSpace(h))
			if h == "" || strings.ContainsAny(h, "/?#@ ") {
				return fmt.Errorf("mangopay: WithRedirectHosts: %q is not a host name", h)
			}
			out = append(out, h)
		}
		c.redirectHosts = out
		return nil
	}
}

// New returns a Client for the given Mangopay ClientId and API key.
func New(clientID, apiKey string, opts ...Option) (*Client, error) {
	if strings.TrimSpace(clientID) == "" {
		return nil, errors.New("mangopay: New: empty client id")
	}
	// The client id is a path segment of every call: refuse what could change
	// the path ("..", "/", "?", ...) or need escaping.
	if reason := idProblem(clientID); reason != "" || strings.Contains(clientID, "%") {
		if reason == "" {
			reason = "contains '%'"
		}
		return nil, fmt.Errorf("mangopay: New: client id %q cannot be a path segment: it %s", truncate(clientID, 40), reason)
	}
	if strings.TrimSpace(apiKey) == "" {
		return nil, errors.New("mangopay: New: empty API key")
	}
	// Never echo the key. A stray newline (a key read from a file) would
	// otherwise surface as an unexplained 401 from the token endpoint.
	for _, r := range apiKey {
		if r <= ' ' || r == 0x7f {
			return nil, errors.New("mangopay: New: API key contains whitespace or a control character (a trailing newline from a file?)")
		}
	}
	cfg := clientConfig{
		baseURL:       SandboxURL,
		maxRetries:    defaultMaxRetries,
		retryBase:     defaultRetryBase,
		retryMax:      defaultRetryMax,
		redirectHosts: []string{"mangopay.com"},
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.cert != nil {
		switch strings.TrimRight(cfg.baseURL, "/") {
		case SandboxURL:
			cfg.baseURL = SandboxMTLSURL
		case ProductionURL:
			cfg.baseURL = ProductionMTLSURL
		}
	}
	base, err := url.Parse(strings.TrimRight(cfg.baseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("mangopay: New: base URL: %w", err)
	}
	hc, err := buildHTTPClient(cfg, http.DefaultTransport)
	if err != nil {
		return nil, err
	}
	ua := "mangopay-go/" + Version + " " + runtime.Version()
	if cfg.uaSuffix != "" {
		ua += " " + cfg.uaSuffix
	}
	logger := cfg.logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	store := cfg.store
	if store == nil {
		store = NewMemoryTokenStore()
	}
	c := &Client{
		clientID:   clientID,
		baseURL:    base,
		rawBase:    base.Scheme + "://" + base.Host + base.EscapedPath() + apiVersion + "/" + url.PathEscape(clientID),
		httpClient: hc,
		maxRetries: cfg.maxRetries,
		retryBase:  cfg.retryBase,
		retryMax:   cfg.retryMax,
		userAgent:  ua,
		uaHeader:   []string{ua},
		logger:     logger,
		redirects:  redirectPolicy{hosts: cfg.redirectHosts},
		payments:   paymentPolicy(cfg.redirectHosts),
		sleep:      sleepCtx,
		maxBody:    maxSuccessBody,
		now:        time.Now,
	}
	c.auth = &authenticator{
		client:   c,
		clientID: clientID,
		apiKey:   apiKey,
		store:    store,
		storeKey: base.String(),
	}
	c.Users = &UsersService{client: c}
	c.Wallets = &WalletsService{client: c}
	c.Transactions = &TransactionsService{client: c}
	c.Transfers = &TransfersService{client: c}
	c.Recipients = &RecipientsService{client: c}
	c.Hooks = &HooksService{client: c}
	c.Payouts = &PayoutsService{client: c}
	c.PayIns, c.CardRegistrations, c.Cards = &PayInsService{client: c}, &CardRegistrationsService{client: c}, &CardsService{client: c}
	c.Refunds = &RefundsService{client: c}
	c.Events = &EventsService{client: c}
	c.Idempotency = &IdempotencyService{client: c}
	c.IdentityVerifications = &IdentityVerificationsService{client: c}
	return c, nil
}

// buildHTTPClient returns the *http.Client to use, never modifying the
// caller's. defaultRT is http.DefaultTransport (a parameter for tests): it may
// have been replaced by something other than an *http.Transport (httpmock's
// Activate does that), which is then used as it is. Whatever the client, the
// result never follows redirects (noRedirects).
func buildHTTPClient(cfg clientConfig, defaultRT http.RoundTripper) (*http.Client, error) {
	if cfg.httpClient == nil {
		timeout := cfg.timeout
		if timeout == 0 {
			timeout = defaultTimeout
		}
		dt, ok := defaultRT.(*http.Transport)
		if !ok {
			if cfg.cert != nil {
				return nil, fmt.Errorf("mangopay: WithClientCertificate needs an *http.Transport, but http.DefaultTransport is a %T: pass an HTTP client with WithHTTPClient", defaultRT)
			}
			return &http.Client{Transport: defaultRT, Timeout: timeout, CheckRedirect: noRedirects}, nil
		}
		t := dt.Clone()
		sizePool(t)
		if cfg.cert != nil {
			addCertificate(t, *cfg.cert)
		}
		return &http.Client{Transport: t, Timeout: timeout, CheckRedirect: noRedirects}, nil
	}
	cp := *cfg.httpClient // shallow copy: the caller's client is left alone
	cp.CheckRedirect = noRedirects
	if cfg.timeout != 0 {
		cp.Timeout = cfg.timeout
	}
	if cfg.cert != nil {
		rt := cp.Transport
		if rt == nil {
			rt = defaultRT
		}
		t, ok := rt.(*http.Transport)
		if !ok {
			return nil, fmt.Errorf("mangopay: WithClientCertificate needs an *http.Transport in the HTTP client, got %T", rt)
		}
		t = t.Clone()
		addCertificate(t, *cfg.cert)
		cp.Transport = t
	}
	return &cp, nil
}

// addCertificate adds the mTLS client certificate to t's TLS configuration.
func addCertificate(t *http.Transport, cert tls.Certificate) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if t.TLSClientConfig != nil {
		tc = t.TLSClientConfig.Clone()
	}
	tc.Certificates = append(tc.Certificates, cert)
	t.TLSClientConfig = tc
}

// sizePool sizes the default transport's connection pool for a backend
// serving concurrent requests (net/http keeps only 2 idle connections per
// host, so beyond two concurrent calls each one opens, and against Mangopay
// TLS-handshakes, a new connection). A client passed with WithHTTPClient
// keeps its own settings.
func sizePool(t *http.Transport) {
	t.MaxIdleConns = defaultMaxIdleConns
	t.MaxIdleConnsPerHost = defaultMaxIdleConnsPerHost
	t.IdleConnTimeout = 90 * time.Second
}

// Connection pool of the default HTTP client (see sizePool).
const (
	defaultMaxIdleConns        = 256
	defaultMaxIdleConnsPerHost = 64
)

// noRedirects is the CheckRedirect of every client the SDK sends through:
// Mangopay's API never redirects, and following a redirect would send the
// Authorization header (Basic credentials on the token call, the bearer
// token otherwise) and the body to wherever the Location points, and turn a
// POST into a GET whose foreign answer would decode as the created resource.
// The 3xx itself is returned and becomes an *APIError.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// ClientID returns the Mangopay ClientId the client was built with.
func (c *Client) ClientID() string { return c.clientID }

// BaseURL returns the API host the client talks to (after any mTLS switch).
func (c *Client) BaseURL() string { return c.baseURL.String() }

// String describes the client without its credentials.
func (c *Client) String() string {
	if c == nil || c.baseURL == nil {
		return "mangopay.Client(nil)"
	}
	return fmt.Sprintf("mangopay.Client{ClientID: %q, BaseURL: %q}", c.clientID, c.baseURL.String())
}

// GoString is String: %#v never shows the API key or a token.
func (c *Client) GoString() string { return c.String() }

// Format prints String under every fmt verb (%v, %+v, %#v, %s, %d, %q,
// %x...), for a *Client and a Client value alike.
func (c Client) Format(f fmt.State, verb rune) { formatRedacted(f, verb, c.String()) }

// LogValue keeps credentials out of slog records.
func (c *Client) LogValue() slog.Value {
	if c == nil || c.baseURL == nil {
		return slog.StringValue("<nil>")
	}
	return slog.GroupValue(slog.String("client_id", c.clientID), slog.String("base_url", c.baseURL.String()))
}

// Ptr returns a pointer to v: handy for optional request fields such as
// TermsAndConditionsAccepted: mangopay.Ptr(false).
func Ptr[T any](v T) *T { return &v }

// RequestOption adjusts one call: pass it last to any network method.
type RequestOption func(*requestConfig)

type requestConfig struct {
	idempotencyKey string
	captures       []*Response
	checks         []answerMatcher
}

// WithIdempotencyKey sets the Idempotency-Key of a POST (16 to 36 characters
// of A-Z, a-z, 0-9 and '-'). Persist a key (NewIdempotencyKey, or one derived
// from your own record) before the call so that a retry after a process
// restart or an *OutcomeUnknownError cannot create a second resource. Without
// it the SDK generates one per call. It is ignored on other methods.
//
// The SDK never replaces a key it was given: when Mangopay recorded a 429 or
// 5xx under it (the original request had no effect, but the key is spent for
// 24 hours), the call fails with that *APIError, not ErrOutcomeUnknown, and
// the request must go again under a new key. With a generated key the SDK
// does that itself, within WithMaxRetries.
func WithIdempotencyKey(key string) RequestOption {
	return func(rc *requestConfig) { rc.idempotencyKey = key }
}

// CaptureResponse stores the metadata of the call's final HTTP response in
// *meta (status, headers, rate limits, pagination totals, idempotency key,
// attempts). It is filled whether the call succeeds or fails; a nil meta is
// ignored.
func CaptureResponse(meta *Response) RequestOption {
	return func(rc *requestConfig) {
		if meta != nil {
			rc.captures = append(rc.captures, meta)
		}
	}
}

// Response is the metadata of one call's final HTTP response.
type Response struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Header holds the response headers.
	Header http.Header
	// RateLimits has one entry per Mangopay rate-limit window (15 min, 30 min,
	// 1 h, 24 h) when the X-RateLimit headers were present.
	RateLimits []RateLimit
	// TotalPages and TotalItems come from x-number-of-pages and
	// x-number-of-items on list calls (0 when absent).
	TotalPages, TotalItems int
	// IdempotencyKey is the key sent with a POST (the last one, if the SDK had
	// to start over with a fresh key after a server failure).
	IdempotencyKey string
	// Attempts counts the HTTP attempts the call took (1 when not retried).
	Attempts int
	// Recovered is true when the result came from GET /responses/{key} after
	// a retried POST found its key already used.
	Recovered bool
}

// RateLimit is one of Mangopay's rate-limit windows.
type RateLimit struct {
	// Window is 15m, 30m, 1h or 24h.
	Window time.Duration
	// Made is the number of calls made in the window (X-RateLimit).
	Made int
	// Remaining is X-RateLimit-Remaining.
	Remaining int
	// Reset is when the window resets (X-RateLimit-Reset).
	Reset time.Time
}

var rateWindows = []time.Duration{15 * time.Minute, 30 * time.Minute, time.Hour, 24 * time.Hour}

func splitInts(h string) []int64 {
	if h == "" {
		return nil
	}
	parts := strings.Split(h, ",")
	out := make([]int64, 0, len(parts))
	for _, p := range parts {
		n, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
		if err != nil {
			return nil
		}
		out = append(out, n)
	}
	return out
}

// parseRateLimits reads the three X-RateLimit headers into their windows.
func parseRateLimits(h http.Header) []RateLimit {
	made, rem, reset := splitInts(h.Get("X-RateLimit")), splitInts(h.Get("X-RateLimit-Remaining")), splitInts(h.Get("X-RateLimit-Reset"))
	n := max(len(made), len(rem), len(reset))
	if n == 0 {
		return nil
	}
	n = min(n, len(rateWindows))
	out := make([]RateLimit, n)
	for i := range out {
		out[i].Window = rateWindows[i]
		if i < len(made) {
			out[i].Made = int(made[i])
		}
		if i < len(rem) {
			out[i].Remaining = int(rem[i])
		}
		if i < len(reset) && reset[i] > 0 {
			out[i].Reset = time.Unix(reset[i], 0).UTC()
		}
	}
	return out
}

func (r *Response) fill(resp *http.Response) {
	r.StatusCode = resp.StatusCode
	r.Header = resp.Header
	r.RateLimits = parseRateLimits(resp.Header)
	r.TotalPages, _ = strconv.Atoi(resp.Header.Get("X-Number-Of-Pages"))
	r.TotalItems, _ = strconv.Atoi(resp.Header.Get("X-Number-Of-Items"))
}

// ---- path building ----

// validateID refuses ids that are empty or could change the request path.
func validateID(name, id string) error {
	if reason := idProblem(id); reason != "" {
		return fmt.Errorf("%w: %s %q %s", ErrInvalidID, name, truncate(id, 40), reason)
	}
	return nil
}

// idProblem says what makes id unusable as a path segment, or "" when it is
// fine: empty, too long, a dot segment, a path or query delimiter, whitespace
// or a control character.
func idProblem(id string) string {
	reason := ""
	switch {
	case id == "":
		reason = "is empty"
	case len(id) > 128:
		reason = "is longer than 128 characters"
	case id == "." || id == "..":
		reason = "is a dot segment"
	case strings.ContainsAny(id, "/\\?#"):
		reason = "contains '/', '\\', '?' or '#'"
	default:
		for _, r := range id {
			if r <= ' ' || r == 0x7f {
				reason = "contains whitespace or a control character"
				break
			}
		}
	}
	return reason
}

// pathf builds a path from a format whose %s verbs (its only verbs, one per
// id) are filled with validated, escaped ids. An invalid id yields, before
// any network call, a *ValidationError on Field "id", with the path as its
// Op ("/wallets/{id}"), that matches both ErrInvalidRequest and ErrInvalidID.
func pathf(format string, ids ...string) (string, error) {
	n := len(format)
	for _, id := range ids {
		if reason := idProblem(id); reason != "" {
			// The op is the path the id was for ("/wallets/{id}"): every
			// method builds its path here, before any network call.
			return "", &ValidationError{Op: strings.ReplaceAll(format, "%s", "{id}"), also: ErrInvalidID,
				Problems: []FieldProblem{{Field: "id", Problem: fmt.Sprintf("%q %s", truncate(id, 40), reason)}}}
		}
		n += 3 * len(id)
	}
	if strings.Count(format, "%") != len(ids) || strings.Count(format, "%s") != len(ids) {
		return "", fmt.Errorf("mangopay: pathf(%q): need one %%s per id, got %d ids", format, len(ids))
	}
	var b strings.Builder
	b.Grow(n)
	for _, id := range ids {
		i := strings.Index(format, "%s")
		b.WriteString(format[:i])
		b.WriteString(url.PathEscape(id))
		format = format[i+2:]
	}
	b.WriteString(format)
	return b.String(), nil
}

// ---- the request pipeline ----

// apiRequest describes one logical call.
type apiRequest struct {
	method string
	path   string // under /v2.01/{ClientId}, starting with '/'
	query  any    // a go-querystring struct, url.Values, or nil
	body   any    // JSON-encoded when non-nil
	out    any    // decoded from a 2xx body when non-nil
	opts   []RequestOption
}

// get, post and put are shorthands used by the services.
func (c *Client) get(ctx context.Context, path string, q, out any, opts []RequestOption) error {
	return c.do(ctx, apiRequest{method: http.MethodGet, path: path, query: q, out: out, opts: opts})
}

func (c *Client) post(ctx context.Context, path string, body, out any, opts []RequestOption) error {
	return c.do(ctx, apiRequest{method: http.MethodPost, path: path, body: body, out: out, opts: opts})
}

func (c *Client) put(ctx context.Context, path string, body, out any, opts []RequestOption) error {
	return c.do(ctx, apiRequest{method: http.MethodPut, path: path, body: body, out: out, opts: opts})
}

// encodeQuery turns q into a raw query string.
func encodeQuery(q any) (string, error) {
	switch v := q.(type) {
	case nil:
		return "", nil
	case url.Values:
		return v.Encode(), nil
	}
	if raw, ok := fastQuery(q); ok {
		return raw, nil // the common shapes, without reflection (query.go)
	}
	if rv := reflect.ValueOf(q); rv.Kind() == reflect.Pointer && rv.IsNil() {
		return "", nil
	}
	vals, err := query.Values(q)
	if err != nil {
		return "", fmt.Errorf("mangopay: encoding query: %w", err)
	}
	return vals.Encode(), nil
}

// validKey reports whether k is an acceptable Idempotency-Key.
func validKey(k string) bool {
	if len(k) < 16 || len(k) > 36 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// do runs one logical call: it encodes the request, authenticates, retries
// what may be retried, recovers a retried POST through /responses/{key},
// decodes the answer and turns SCA demands into *ScaRequiredError. A POST
// or PUT whose effect it cannot establish fails with *OutcomeUnknownError.
func (c *Client) do(ctx context.Context, r apiRequest) error {
	if ctx == nil {
		return invalid(r.method+" "+r.path, "ctx", "is a nil context: pass context.Background() or the request's context")
	}
	var rc requestConfig
	if len(r.opts) > 0 {
		rc = applyOptions(r.opts) // out of line: a call without options allocates no config
	}
	callerKey := false
	if r.method == http.MethodPost {
		if rc.idempotencyKey != "" && !validKey(rc.idempotencyKey) {
			return invalid(r.method+" "+r.path, "Idempotency-Key", "%q is invalid: need 16 to 36 characters of A-Z, a-z, 0-9 and '-'", truncate(rc.idempotencyKey, 40))
		}
		if rc.idempotencyKey == "" {
			rc.idempotencyKey = NewIdempotencyKey()
		} else {
			callerKey = true
		}
	} else {
		rc.idempotencyKey = ""
	}
	rawQuery, err := encodeQuery(r.query)
	if err != nil {
		return err
	}
	var body []byte
	if r.body != nil {
		if body, err = json.Marshal(r.body); err != nil {
			return fmt.Errorf("mangopay: encoding %s %s body: %w", r.method, r.path, err)
		}
	}
	urlStr := c.rawBase + r.path
	if rawQuery != "" {
		urlStr += "?" + rawQuery
	}
	st := callState{req: r, urlStr: urlStr, body: body, key: rc.idempotencyKey, callerKey: callerKey, checks: rc.checks}
	err = c.run(ctx, &st)
	for _, meta := range rc.captures {
		*meta = Response{}
		if st.resp != nil {
			meta.fill(st.resp)
		}
		meta.IdempotencyKey = st.key
		meta.Attempts = st.attempts
		meta.Recovered = st.recovered
	}
	return err
}

// applyOptions collects the RequestOptions of a call.
func applyOptions(opts []RequestOption) requestConfig {
	var rc requestConfig
	for _, o := range opts {
		if o != nil {
			o(&rc)
		}
	}
	return rc
}

// callState is what one logical call carries across attempts.
type callState struct {
	req       apiRequest
	urlStr    string // the absolute URL with its query, escaped
	body      []byte
	key       string
	callerKey bool            // key came from WithIdempotencyKey: never replaced
	checks    []answerMatcher // WithRecoveryCheck
	attempts  int
	retries   int // retries spent (WithMaxRetries)
	// A 401 invalid_credentials drops the refused token and replays the
	// attempt (not counted as a retry). The call gives up when a token
	// fetched after one of its 401s is refused too (refreshed), or after
	// maxReplays 401s in a row. Any other answer shows the token was
	// accepted and resets both, so a long call (retries, Retry-After waits)
	// survives each later expiry of its token as well.
	refreshed bool
	replays   int
	// inDoubt is set while an attempt of a POST or PUT (under the current
	// key) may have taken effect without the SDK seeing its answer; an
	// answer that settles the outcome clears it. A call that ends in doubt
	// returns *OutcomeUnknownError.
	inDoubt   bool
	resp      *http.Response // the last response (body already consumed)
	recovered bool
	drain     io.LimitedReader // reused to drain bodies without allocating
	capped    cappedBody       // reused to cap 2xx bodies without allocating
}

const maxReplays = 3

// where names the call's URL (without query) for errors.
func (st *callState) where() string {
	s, _, _ := strings.Cut(st.urlStr, "?")
	return s
}

// path returns the call's decoded URL path, for logs.
func (st *callState) path() string {
	u, err := url.Parse(st.urlStr)
	if err != nil {
		return ""
	}
	return u.Path
}

// mutating reports whether the call may change something on Mangopay.
func (st *callState) mutating() bool {
	return st.req.method != http.MethodGet && st.req.method != http.MethodHead
}

// doubt records that the last attempt of a mutating call may have taken
// effect unseen.
func (st *callState) doubt() {
	if st.mutating() {
		st.inDoubt = true
	}
}

// settled records an answer that fixes the outcome under the current key.
func (st *callState) settled() { st.inDoubt = false }

// result is the call's final error: err itself, or err wrapped in an
// *OutcomeUnknownError while the outcome is in doubt.
func (st *callState) result(err error) error {
	if err == nil || !st.inDoubt {
		return err
	}
	var ou *OutcomeUnknownError
	if errors.As(err, &ou) {
		return err
	}
	return &OutcomeUnknownError{IdempotencyKey: st.key, Method: st.req.method, Path: st.req.path, Cause: err}
}

// mismatch says why the decoded result of a recovered answer is not this
// request's ("" when it is): the request body's own check (answerMatcher)
// and those of WithRecoveryCheck.
func (st *callState) mismatch() string {
	if m, ok := st.req.body.(answerMatcher); ok {
		if why := m.mismatch(st.req.out); why != "" {
			return why
		}
	}
	for _, m := range st.checks {
		if why := m.mismatch(st.req.out); why != "" {
			return why
		}
	}
	return ""
}

// next is what the pipeline does after an attempt.
type next int

const (
	stepDone    next = iota // return err
	stepRetry               // wait and send again, counting a retry
	stepReplay              // send again at once with a fresh token
	stepRecover             // find the answer in GET /responses/{key}
)

// step is the verdict on an attempt.
type step struct {
	next next
	// err is the call's error for stepDone; for stepRetry, the error returned
	// if the retry policy refuses; for stepRecover, the cause.
	err      error
	status   int         // the answer's status (0: none), for logs
	header   http.Header // the answer's headers (Retry-After)
	freshKey bool        // stepRetry: under a new Idempotency-Key
}

// run is the retry loop: it sends attempts and carries out the verdicts of
// judge and recoverAnswer under the client's retry policy (nextWait).
func (c *Client) run(ctx context.Context, st *callState) error {
	for {
		if err := ctx.Err(); err != nil {
			return st.result(err)
		}
		auth, err := c.auth.header(ctx)
		if err != nil {
			// the token call has already been retried under the same policy
			return st.result(ctxErrOr(ctx, err))
		}
		st.attempts++
		resp, err := c.attempt(ctx, st, auth)
		s := c.judge(ctx, st, resp, err, auth)
		if s.next == stepRecover {
			s = c.recoverAnswer(ctx, st, s.err)
		}
		switch s.next {
		case stepReplay:
			continue
		case stepRetry:
			wait, ok := c.nextWait(st.retries, s.header)
			if !ok {
				return st.result(s.err)
			}
			st.retries++
			if s.freshKey {
				st.key = NewIdempotencyKey()
			}
			c.logRetry(ctx, st, s.status, wait)
			if err := c.sleep(ctx, wait); err != nil {
				return st.result(err)
			}
		default:
			return st.result(s.err)
		}
	}
}

// ctxErrOr returns the context's error once it is done, else err.
func ctxErrOr(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	return err
}

// judge decides what to do with one attempt's outcome (resp, or the
// transport error err). It reads and closes the body.
func (c *Client) judge(ctx context.Context, st *callState, resp *http.Response, err error, auth []string) step {
	if err != nil {
		if !neverSent(err) {
			st.doubt()
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return step{err: ctxErr}
		}
		if isRetryableNetErr(err) {
			return step{next: stepRetry, err: err}
		}
		return step{err: err}
	}
	st.resp = resp
	code := resp.StatusCode
	if code != http.StatusUnauthorized {
		st.refreshed, st.replays = false, 0
	}
	switch {
	case code >= 200 && code < 300:
		return c.judgeSuccess(ctx, st, resp)
	case code >= 300 && code < 400:
		// Something between the SDK and Mangopay answered: whether the
		// request went further is unknown, so a POST or PUT is in doubt
		// (sending it again under the same key is always safe).
		st.doubt()
		return step{err: redirectError(ctx, st, resp)}
	case code == http.StatusUnauthorized:
		return c.judgeUnauthorized(ctx, st, resp, auth)
	}
	b, err := readErrorBody(ctx, resp)
	if err != nil {
		return step{err: err}
	}
	apiErr := newAPIError(resp, b)
	switch {
	case code == http.StatusConflict && st.req.method == http.MethodPost && apiErr.Type == ErrorTypeIdempotencyConflict:
		// The key was used before: by an earlier attempt of this call whose
		// answer was lost, or before a restart, or by another request.
		st.doubt()
		return step{next: stepRecover, err: apiErr}
	case code >= 500:
		st.doubt() // a 5xx may come from a proxy after Mangopay acted
	case code != http.StatusTooManyRequests && code != http.StatusRequestTimeout && st.req.method == http.MethodPost:
		// Mangopay refused the request itself, which it would not have done
		// (it would have answered 409) had the key been used: no attempt
		// under it took effect. A PUT has no key, so a 4xx after a lost
		// answer may be the consequence of that answer's effect: the doubt
		// stays.
		st.settled()
	}
	if retryableStatus(code) {
		return step{next: stepRetry, err: apiErr, status: code, header: resp.Header}
	}
	return step{err: apiErr}
}

// judgeSuccess decodes a 2xx answer.
func (c *Client) judgeSuccess(ctx context.Context, st *callState, resp *http.Response) step {
	err := c.decodeBody(st, resp)
	if err == nil {
		st.settled()
		return step{err: c.checkSca(st, resp)}
	}
	st.doubt() // it succeeded, but what did it do?
	if ctxErr := ctx.Err(); ctxErr != nil {
		return step{err: ctxErr} // the body read was cut by the context
	}
	if st.req.method == http.MethodPost && lostBody(err) {
		// The POST succeeded but its answer was cut off or is missing: the
		// resource exists. Fetch the recorded answer rather than fail.
		return step{next: stepRecover, err: fmt.Errorf("mangopay: POST %s succeeded (status %d) but its answer was cut off or holds no resource: %w", st.where(), resp.StatusCode, err)}
	}
	return step{err: err}
}

// judgeUnauthorized handles a 401: an SCA demand, or a refused token to
// replace and replay.
func (c *Client) judgeUnauthorized(ctx context.Context, st *callState, resp *http.Response, auth []string) step {
	b, err := readErrorBody(ctx, resp)
	if err != nil {
		return step{err: err}
	}
	challenges := strings.Join(resp.Header.Values("WWW-Authenticate"), ", ")
	if link, ok := ParseWWWAuthenticate(challenges); ok {
		return step{err: c.scaError(st, resp, link, ScaSourceHeader)}
	}
	apiErr := newAPIError(resp, b)
	if hasScaChallenge(challenges) {
		// An SCA demand whose link is unusable: the token is fine, so
		// fetching a new one and replaying would only repeat the read.
		return step{err: fmt.Errorf("%w: WWW-Authenticate has a PendingUserAction challenge but no usable RedirectUrl", apiErr)}
	}
	if st.refreshed || st.replays >= maxReplays {
		return step{err: apiErr}
	}
	st.replays++
	// invalidate reports whether the replay will carry a token fetched from
	// now on; otherwise it carries the one another goroutine cached
	// meanwhile, which may have expired as well.
	st.refreshed = c.auth.invalidate(strings.TrimPrefix(auth[0], "Bearer "))
	return step{next: stepReplay}
}

// neverSent reports whether a transport error happened before any byte of
// the request could reach the server (the connection was never made).
func neverSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// logRetry records a retry at debug level.
func (c *Client) logRetry(ctx context.Context, st *callState, status int, wait time.Duration) {
	if !c.logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	c.logger.LogAttrs(ctx, slog.LevelDebug, "mangopay retry", slog.String("method", st.req.method),
		slog.String("path", st.path()), slog.Int("status", status), slog.Duration("wait", wait))
}

// lostBody reports whether a decoding error means the body was cut off,
// could not be read or held no resource (rather than being well-formed JSON
// of the wrong shape, or too large to be Mangopay's).
func lostBody(err error) bool {
	if errors.Is(err, errBodyTooLarge) {
		return false // the answer is there, it is just not a Mangopay answer
	}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	var ie *json.InvalidUnmarshalError
	return !errors.As(err, &se) && !errors.As(err, &te) && !errors.As(err, &ie)
}

// recoverAnswer finds out what became of a POST whose key Mangopay has
// already seen (a 409 idempotent_creation_conflict) or whose answer was lost,
// through GET /responses/{key}, and returns the verdict:
//
//   - a record of another request (its RequestURL names another path, or its
//     resource lacks the identifying fields of this request): stepDone with
//     ErrIdempotencyKeyReused, nothing decoded;
//   - a recorded 2xx: stepDone with the resource decoded into the result;
//   - a recorded 4xx: stepDone with that *APIError;
//   - a recorded 429 or 5xx: the original attempt had no effect. With a
//     generated key, stepRetry under a fresh key; with the caller's key
//     (which the caller may have persisted and will send again), that error:
//     the SDK never replaces a key it did not choose;
//   - no readable record: stepDone, the outcome unknown.
//
// cause is wrapped in the error returned when the outcome cannot be
// established.
func (c *Client) recoverAnswer(ctx context.Context, st *callState, cause error) step {
	rec, err := c.lookup(ctx, st.key)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return step{err: ctxErr}
		}
		return step{err: fmt.Errorf("%w; the original result could not be fetched from /responses: %v", cause, err)}
	}
	if rec.StatusCode == 0 {
		// Never guess: starting again could duplicate the operation.
		return step{err: fmt.Errorf("%w; /responses recorded an unexpected status", cause)}
	}
	if strings.TrimSpace(rec.RequestURL) == "" {
		return step{err: fmt.Errorf("%w; /responses recorded no RequestURL, so the answer cannot be matched to this request", cause)}
	}
	if why := c.recordMismatch(st, rec); why != "" {
		st.settled() // this request was not carried out: its key was taken
		return step{err: keyReused(st, why)}
	}
	st.recovered = true
	status := rec.StatusCode
	switch {
	case rec.Succeeded():
		synthetic := &http.Response{StatusCode: status, Header: st.resp.Header, Request: st.resp.Request,
			Body: io.NopCloser(bytes.NewReader(rec.Resource))}
		st.resp = synthetic
		if err := c.decodeBody(st, synthetic); err != nil {
			return step{err: fmt.Errorf("%w; the answer recorded under the key: %w", cause, err)}
		}
		if why := st.mismatch(); why != "" {
			if rv := reflect.ValueOf(st.req.out); rv.Kind() == reflect.Pointer && !rv.IsNil() {
				rv.Elem().SetZero() // nothing of another request's answer is handed out
			}
			st.settled()
			st.recovered = false
			return step{err: keyReused(st, why)}
		}
		st.settled()
		return step{err: c.checkSca(st, synthetic)}
	case status == http.StatusTooManyRequests || status >= 500 && status < 600:
		st.settled()
		st.recovered = false
		if st.callerKey {
			apiErr := &APIError{StatusCode: status, Method: st.req.method, URL: st.where(), Header: st.resp.Header}
			decodeErrorBody(apiErr, rec.Resource)
			return step{err: fmt.Errorf("%w (recorded under Idempotency-Key %s: the original request had no effect; send it again under a new key)", apiErr, st.key)}
		}
		return step{next: stepRetry, freshKey: true,
			err: fmt.Errorf("%w; the original attempt failed with status %d and the retry budget is spent", cause, status)}
	case status >= 400 && status < 500:
		st.settled()
		apiErr := &APIError{StatusCode: status, Method: st.req.method, URL: st.where(), Header: st.resp.Header}
		decodeErrorBody(apiErr, rec.Resource)
		return step{err: apiErr}
	default:
		return step{err: fmt.Errorf("%w; /responses recorded an unexpected status %d", cause, status)}
	}
}

// lookup reads GET /responses/{key}. It has its own budget for "not
// recorded yet" (404): Mangopay may still be processing the original
// request. Transient failures are retried inside the GET itself.
func (c *Client) lookup(ctx context.Context, key string) (*RecordedResponse, error) {
	for lookups := 0; ; lookups++ {
		var rec RecordedResponse
		err := c.get(ctx, "/responses/"+key, nil, &rec, nil) // key passed validKey: nothing to escape
		if err == nil {
			rec.IdempotencyKey = key
			return &rec, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if lookups >= c.maxRetries || !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		if err := c.sleep(ctx, c.backoff(lookups)); err != nil {
			return nil, err
		}
	}
}

// errNoResource is the decoding error of a POST or PUT answered 2xx without
// the resource.
var errNoResource = errors.New("the body holds no resource (empty, null, {} or without its Id)")

// decodeBody decodes a 2xx body into st.req.out. For a GET an empty body
// decodes to nothing; a POST or PUT must return the resource.
func (c *Client) decodeBody(st *callState, resp *http.Response) error {
	defer st.closeBody(resp)
	out := st.req.out
	if out == nil {
		return nil
	}
	st.capped = cappedBody{r: resp.Body, left: c.maxBody}
	var err error
	if st.mutating() {
		err = decodeResource(&st.capped, out)
	} else if err = json.NewDecoder(&st.capped).Decode(out); errors.Is(err, io.EOF) {
		err = nil // an empty 200/204 body
	}
	st.capped.r = nil
	if err != nil {
		return fmt.Errorf("mangopay: %s %s: decoding %d response: %w", st.req.method, st.where(), resp.StatusCode, err)
	}
	return nil
}

// decodeResource decodes the answer of a POST or PUT into out, failing with
// errNoResource when it holds none. A resource that carries its Id
// (identified) is decoded in one pass and then asked for it: an empty body,
// null and {} all leave it without one. Any other out (ScaEnrollment,
// Reachability, what Do is given) is read whole first, to tell null or {}
// from an answer.
func decodeResource(r io.Reader, out any) error {
	id, ok := out.(identified)
	if !ok {
		var raw json.RawMessage
		if err := json.NewDecoder(r).Decode(&raw); err != nil {
			if errors.Is(err, io.EOF) {
				return errNoResource
			}
			return err
		}
		if noResource(raw) {
			return errNoResource
		}
		return json.Unmarshal(raw, out)
	}
	if err := json.NewDecoder(r).Decode(out); err != nil {
		if errors.Is(err, io.EOF) {
			return errNoResource
		}
		return err
	}
	if !id.hasID() {
		return errNoResource
	}
	return nil
}

// checkSca turns a PendingUserAction link in the decoded result into a
// *ScaRequiredError.
func (c *Client) checkSca(st *callState, resp *http.Response) error {
	if link := pendingRedirectOf(st.req.out); link != "" {
		return c.scaError(st, resp, link, ScaSourceBody)
	}
	return nil
}

// scaError validates link and wraps it in a *ScaRequiredError.
func (c *Client) scaError(st *callState, resp *http.Response, link string, src ScaSource) error {
	where := st.where()
	if err := c.redirects.check(link); err != nil {
		return fmt.Errorf("mangopay: %s %s demanded SCA: %w", st.req.method, where, err)
	}
	return &ScaRequiredError{
		RedirectURL: link,
		Source:      src,
		ExpiresAt:   c.now().Add(ScaSessionLifetime),
		StatusCode:  resp.StatusCode,
		Method:      st.req.method,
		URL:         where,
	}
}

// attempt sends one HTTP request of the call with the Authorization header
// value auth.
func (c *Client) attempt(ctx context.Context, st *callState, auth []string) (*http.Response, error) {
	var rdr io.Reader
	if st.body != nil {
		rdr = bytes.NewReader(st.body)
	}
	req, err := http.NewRequestWithContext(ctx, st.req.method, st.urlStr, rdr)
	if err != nil {
		return nil, fmt.Errorf("mangopay: building request: %w", err)
	}
	// Without GetBody, net/http cannot send the body a second time by itself
	// (it would, on a reused connection that broke after the request was
	// written, for a POST carrying an Idempotency-Key): every re-send of a
	// POST or PUT is one of the SDK's own retries, within WithMaxRetries and
	// counted in Response.Attempts.
	req.GetBody = nil
	h := req.Header
	h["User-Agent"] = c.uaHeader
	h["Accept"] = acceptJSON
	if st.body != nil {
		h["Content-Type"] = contentJSON
	}
	if st.key != "" {
		h["Idempotency-Key"] = []string{st.key}
	}
	h["Authorization"] = auth
	debug := c.logger.Enabled(ctx, slog.LevelDebug)
	var start time.Time
	if debug {
		start = time.Now()
	}
	resp, err := c.httpClient.Do(req)
	if err != nil {
		if debug {
			c.logger.LogAttrs(ctx, slog.LevelDebug, "mangopay request failed", slog.String("method", st.req.method),
				slog.String("path", st.path()), slog.String("error", redactErr(err)))
		}
		return nil, fmt.Errorf("mangopay: %s %s: %w", st.req.method, st.where(), err)
	}
	if resp.Request == nil {
		resp.Request = req // some RoundTrippers (test doubles) leave it unset
	}
	if debug {
		attrs := []slog.Attr{slog.String("method", st.req.method), slog.String("path", st.path()),
			slog.Int("status", resp.StatusCode), slog.Duration("duration", time.Since(start))}
		if st.key != "" {
			attrs = append(attrs, slog.String("idempotency_key", st.key))
		}
		c.logger.LogAttrs(ctx, slog.LevelDebug, "mangopay request", attrs...)
	}
	return resp, nil
}

// Shared header values. Requests share these slices: RoundTrippers must not
// modify a request, and net/http does not.
var (
	acceptJSON  = []string{"application/json"}
	contentJSON = []string{"application/json"}
)

// closeBody drains (up to 4 KiB, so the connection can be reused) and closes
// the body, with the call's reusable reader.
func (st *callState) closeBody(resp *http.Response) {
	if resp != nil && resp.Body != nil {
		st.drain = io.LimitedReader{R: resp.Body, N: 4096}
		_, _ = io.Copy(io.Discard, &st.drain)
		st.drain.R = nil
		_ = resp.Body.Close()
	}
}

// readErrorBody reads an error response's body through the cap and closes
// it. When the read was cut short because ctx ended, it returns the
// context's error rather than an *APIError built from half a body.
func readErrorBody(ctx context.Context, resp *http.Response) ([]byte, error) {
	b, _, err := readCapped(resp.Body, maxErrorBody)
	closeBody(resp)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
	}
	return b, nil
}

// maxSuccessBody caps how much of a 2xx body is decoded. Mangopay's largest
// answers (a page of 100 transactions, a recipient schema) are a few hundred
// KiB; a body beyond this comes from something that is not Mangopay, and
// decoding it would hold it all in memory.
const maxSuccessBody = 32 << 20

// errBodyTooLarge is the decoding error of a 2xx body over the cap.
var errBodyTooLarge = fmt.Errorf("body larger than the SDK's %d MiB cap", maxSuccessBody>>20)

// cappedBody reads at most left bytes of r and then fails with
// errBodyTooLarge if r has more.
type cappedBody struct {
	r    io.Reader
	left int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		var one [1]byte
		n, err := b.r.Read(one[:])
		if n > 0 {
			return 0, errBodyTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

// closeBody drains (up to 4 KiB) and closes the body.
func closeBody(resp *http.Response) {
	if resp != nil && resp.Body != nil {
		_, _ = io.CopyN(io.Discard, resp.Body, 4096)
		_ = resp.Body.Close()
	}
}

// retryableStatus reports whether an HTTP status may be retried.
func retryableStatus(code int) bool {
	return code == http.StatusTooManyRequests || code >= 500
}

// isRetryableNetErr reports whether a transport error may be retried: any
// error from sending the request. Callers check their context first, so an
// error that wraps context.DeadlineExceeded here is the per-attempt timeout
// (http.Client.Timeout, WithTimeout), which is retried like any network error.
func isRetryableNetErr(err error) bool {
	var ue *url.Error
	return errors.As(err, &ue)
}

// isTransient reports whether err is a network error or a retryable status.
func isTransient(err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return retryableStatus(apiErr.StatusCode)
	}
	return isRetryableNetErr(err)
}

// backoff returns the wait before retry number n (0-based): base·2ⁿ capped at
// max, with jitter in [d/2, d].
func (c *Client) backoff(n int) time.Duration {
	d := c.retryBase << min(n, 20)
	if d > c.retryMax || d <= 0 {
		d = c.retryMax
	}
	half := d / 2
	return half + time.Duration(mrand.Int64N(int64(half)+1))
}

// retryWait picks the wait before retry n after a response with header h:
// Retry-After (seconds or HTTP date), else X-RateLimit-Reset for an exhausted
// window, else backoff. ok is false when the server asks for longer than the
// retry cap.
func (c *Client) retryWait(n int, h http.Header) (time.Duration, bool) {
	now := c.now()
	var server time.Duration
	if ra := strings.TrimSpace(h.Get("Retry-After")); ra != "" {
		if secs, err := strconv.ParseInt(ra, 10, 64); err == nil && secs >= 0 {
			server = time.Duration(min(secs, 1<<30)) * time.Second
		} else if t, err := http.ParseTime(ra); err == nil {
			server = max(t.Sub(now), 0)
		}
	} else if limits := parseRateLimits(h); len(limits) > 0 {
		var soonest time.Time
		for _, l := range limits {
			if l.Remaining <= 0 && l.Reset.After(now) && (soonest.IsZero() || l.Reset.Before(soonest)) {
				soonest = l.Reset
			}
		}
		if !soonest.IsZero() {
			server = soonest.Sub(now)
		}
	}
	if server > c.retryMax {
		return 0, false
	}
	if server > 0 {
		return server, true
	}
	return c.backoff(n), true
}

// nextWait is the one retry policy, for API calls and token calls alike:
// the wait before retry number n+1 after an answer with header h (nil after
// a transport error). ok is false when the WithMaxRetries budget is spent,
// or when the server asks for a longer wait than the retry cap.
func (c *Client) nextWait(n int, h http.Header) (time.Duration, bool) {
	if n >= c.maxRetries {
		return 0, false
	}
	return c.retryWait(n, h)
}

// redirectError turns a 3xx answer into an *APIError naming the status and
// the Location host. Mangopay's API never redirects: following one would
// send the request, its credentials and its body elsewhere (and a POST
// re-sent as a GET would return a foreign body as the created resource).
func redirectError(ctx context.Context, st *callState, resp *http.Response) error {
	if _, err := readErrorBody(ctx, resp); err != nil {
		return err
	}
	apiErr := redirectAPIError(resp)
	apiErr.Method, apiErr.URL = st.req.method, st.where()
	return apiErr
}

// redirectAPIError is the *APIError of a 3xx answer whose body was read.
func redirectAPIError(resp *http.Response) *APIError {
	apiErr := newAPIError(resp, nil)
	apiErr.Message = "redirect to " + locationHost(resp) + " not followed: Mangopay's API does not redirect"
	return apiErr
}

// locationHost names the host a redirect points to, for error messages
// (never its path or query, which may carry tokens).
func locationHost(resp *http.Response) string {
	loc := strings.TrimSpace(resp.Header.Get("Location"))
	if loc == "" {
		return "(no Location)"
	}
	u, err := url.Parse(loc)
	if err != nil {
		return "(unparsable Location)"
	}
	if resp.Request != nil && resp.Request.URL != nil {
		u = resp.Request.URL.ResolveReference(u)
	}
	if u.Host == "" {
		return "(no host)"
	}
	return truncate(oneLine(u.Host), 100)
}

// sleepCtx waits for d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// redactURL is the one URL redactor, for error messages and logs: the query
// and fragment (which may hold an SCA session token) are replaced by "?…"
// and user info (which may hold a password) by "…@". It works on the text,
// so a URL that does not parse is redacted too.
func redactURL(s string) string {
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i] + "?…"
	}
	if i := strings.Index(s, "//"); i >= 0 {
		rest := s[i+2:]
		end := strings.IndexByte(rest, '/')
		if end < 0 {
			end = len(rest)
		}
		if at := strings.LastIndexByte(rest[:end], '@'); at >= 0 {
			s = s[:i+2] + "…@" + rest[at+1:]
		}
	}
	return s
}

// redactErr renders a transport error for logs.
func redactErr(err error) string {
	return oneLine(err.Error())
}
