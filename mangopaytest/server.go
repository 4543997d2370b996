package mangopaytest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
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
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scaforge/mangopay"
)

// Defaults of the emulator.
const (
	// DefaultClientID is the ClientId of a server built without WithClientID.
	DefaultClientID = "mangopaytest"
	// DefaultAPIKey is the API key of a server built without WithAPIKey.
	DefaultAPIKey = "mangopaytest-api-key"
	// DefaultTokenLifetime is the expires_in of OAuth tokens (Mangopay's sandbox value).
	DefaultTokenLifetime = 1200 * time.Second
	// OTP is the one-time code the hosted SCA page accepts (Mangopay's
	// documented sandbox code).
	OTP = "702100"
	// SessionLifetime is how long an SCA session (a RedirectUrl) stays usable,
	// on the emulator's clock.
	SessionLifetime = 10 * time.Minute
	// WalletAccessValidity is how long a successful wallet-access SCA exempts
	// a user's wallet reads, on the emulator's clock.
	WalletAccessValidity = 180 * 24 * time.Hour
	// IdempotencyRetention is how long a used Idempotency-Key stays blocked
	// and its response retrievable from /responses/{key}.
	IdempotencyRetention = 24 * time.Hour
	// MaxPerPage is the largest per_page a list accepts.
	MaxPerPage = 100

	maxBody = 1 << 20
)

// Server is an in-memory Mangopay API (REST v2.01, the SCA endpoints) served
// over HTTP on a loopback port, in the manner of net/http/httptest. Build one
// per test with NewServer and Close it when done. It is safe for concurrent
// use.
type Server struct {
	// URL is the base URL of the API, such as "http://127.0.0.1:53012" (no
	// trailing slash): resources live under URL + "/v2.01/" + ClientID, the
	// hosted SCA page under URL + "/sca/" and the test controls under
	// URL + "/_sandbox/".
	URL string
	// ClientID is the only ClientId the server accepts.
	ClientID string
	// APIKey is the API key that goes with ClientID.
	APIKey string

	cfg       config
	clock     clock
	hs        *http.Server
	ln        net.Listener
	served    chan struct{}
	closing   chan struct{}
	closeOnce sync.Once
	transport *http.Transport
	conns     connTracker

	mu sync.Mutex // guards st
	st *state

	faults  faultState
	reqLog  requestLog
	webhook *dispatcher
}

// Option configures a Server built by NewServer or Listen.
type Option func(*config) error

type config struct {
	clientID        string
	apiKey          string
	tokenLifetime   time.Duration
	start           time.Time
	proxy           bool
	lowValue        bool
	rateLimits      [4]int
	publicURL       string
	webhookAttempts int
	webhookWait     time.Duration
	webhookTimeout  time.Duration
	logger          *slog.Logger
}

// WithClientID sets the ClientId the server accepts (default DefaultClientID).
func WithClientID(id string) Option {
	return func(c *config) error {
		if id == "" || strings.ContainsAny(id, "/?#% \t\r\n") {
			return fmt.Errorf("mangopaytest: WithClientID: %q is not a usable ClientId", id)
		}
		c.clientID = id
		return nil
	}
}

// WithAPIKey sets the API key checked on POST /v2.01/oauth/token (default DefaultAPIKey).
func WithAPIKey(key string) Option {
	return func(c *config) error {
		if key == "" {
			return errors.New("mangopaytest: WithAPIKey: empty key")
		}
		c.apiKey = key
		return nil
	}
}

// WithTokenLifetime sets the expires_in of OAuth tokens (default 1200 s, as
// in Mangopay's sandbox). Tokens expire on the emulator's clock, so Advance
// past it makes the next call answer 401 invalid_credentials.
func WithTokenLifetime(d time.Duration) Option {
	return func(c *config) error {
		if d < time.Second {
			return fmt.Errorf("mangopaytest: WithTokenLifetime: %v is shorter than a second", d)
		}
		c.tokenLifetime = d
		return nil
	}
}

// WithStartTime sets the emulator clock's current time. The clock then runs
// with real time, plus whatever Advance adds.
func WithStartTime(t time.Time) Option {
	return func(c *config) error {
		if t.IsZero() {
			return errors.New("mangopaytest: WithStartTime: zero time")
		}
		c.start = t
		return nil
	}
}

// WithProxyManagement enables SCA proxy management for the platform, which
// Mangopay activates on request. Without it, ScaContext USER_NOT_PRESENT on an
// OWNER's transfer, wallet read, recipient or contact update is refused with
// 403 sca_proxy_missing, and POST /sca/users/{id}/consent answers 400. With
// it, those calls are accepted once the user gave the matching consent in a
// consent session, and OWNERs may be created or categorized with
// USER_NOT_PRESENT (asynchronous enrollment: no link, enroll later).
func WithProxyManagement() Option {
	return func(c *config) error {
		c.proxy = true
		return nil
	}
}

// WithLowValueExemption makes transfers below LowValueLimit follow a
// production-like low-value exemption (five in a row, EUR 100 in total, then
// SCA; see ScaThreshold) instead of Mangopay's documented sandbox, which never
// asks SCA below ScaThreshold (docs.mangopay.com/guides/sca/transfers, "SCA
// triggers in Sandbox"). Use it to test how a platform copes with SCA on
// small transfers; without it the emulator behaves as the sandbox does.
func WithLowValueExemption() Option {
	return func(c *config) error {
		c.lowValue = true
		return nil
	}
}

// WithRateLimits sets the number of calls allowed in each of Mangopay's
// rate-limit windows: 15 minutes, 30 minutes, 1 hour and 24 hours (defaults
// 2300, 4500, 8800 and 105600). A call over a limit is answered 429
// rate_limit. Windows follow the emulator's clock.
func WithRateLimits(per15m, per30m, per1h, per24h int) Option {
	return func(c *config) error {
		for _, n := range []int{per15m, per30m, per1h, per24h} {
			if n <= 0 {
				return fmt.Errorf("mangopaytest: WithRateLimits: %d is not positive", n)
			}
		}
		c.rateLimits = [4]int{per15m, per30m, per1h, per24h}
		return nil
	}
}

// WithPublicURL sets the base URL written into SCA links, Link headers and
// /responses RequestURL, for a server reached through another address than
// the one it listens on (a container, a tunnel). Default: the listening URL.
func WithPublicURL(u string) Option {
	return func(c *config) error {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.RawQuery != "" || p.Fragment != "" {
			return fmt.Errorf("mangopaytest: WithPublicURL: %q is not an absolute http(s) URL without query", u)
		}
		c.publicURL = strings.TrimRight(u, "/")
		return nil
	}
}

// WithWebhookRetries sets how many attempts a webhook delivery gets (default
// 3) and the wait before the first retry (default 20ms, doubling). Mangopay
// itself retries every 10 minutes for an hour, then every 8 hours; the
// emulator retries quickly so tests do not wait.
func WithWebhookRetries(attempts int, wait time.Duration) Option {
	return func(c *config) error {
		if attempts < 1 || wait < 0 {
			return fmt.Errorf("mangopaytest: WithWebhookRetries: need attempts >= 1 and wait >= 0, got %d and %v", attempts, wait)
		}
		c.webhookAttempts, c.webhookWait = attempts, wait
		return nil
	}
}

// WithLogger makes the server log one debug record per request (method, path,
// status) and one per webhook delivery to l. Credentials are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("mangopaytest: WithLogger: nil logger")
		}
		c.logger = l
		return nil
	}
}

// NewServer starts an emulator on a free loopback port. It panics if the
// port cannot be opened or an option is invalid (use Listen to get an error
// instead). Close it when done, typically with t.Cleanup(srv.Close).
func NewServer(opts ...Option) *Server {
	s, err := Listen("127.0.0.1:0", opts...)
	if err != nil {
		panic(err)
	}
	return s
}

// Listen starts an emulator listening on addr (host:port; port 0 picks a free
// one). It is what cmd/mangopay-sandbox uses.
func Listen(addr string, opts ...Option) (*Server, error) {
	cfg := config{
		clientID:        DefaultClientID,
		apiKey:          DefaultAPIKey,
		tokenLifetime:   DefaultTokenLifetime,
		rateLimits:      [4]int{2300, 4500, 8800, 105600},
		webhookAttempts: 3,
		webhookWait:     20 * time.Millisecond,
		webhookTimeout:  2 * time.Second,
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.DiscardHandler)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("mangopaytest: listen on %s: %w", addr, err)
	}
	s := &Server{
		URL:      "http://" + ln.Addr().String(),
		ClientID: cfg.clientID,
		APIKey:   cfg.apiKey,
		cfg:      cfg,
		ln:       ln,
		served:   make(chan struct{}),
		closing:  make(chan struct{}),
		st:       newState(),
	}
	if cfg.publicURL == "" {
		s.cfg.publicURL = s.URL
	}
	if !cfg.start.IsZero() {
		s.clock.offset.Store(int64(time.Until(cfg.start)))
	}
	s.transport = http.DefaultTransport.(*http.Transport).Clone()
	s.webhook = newDispatcher(s)
	s.hs = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ErrorLog: nil, ConnState: s.conns.track}
	go func() {
		defer close(s.served)
		_ = s.hs.Serve(ln)
	}()
	return s, nil
}

// Close stops the server: pending webhook deliveries are abandoned, open
// connections are closed, and every goroutine the server started has
// returned when Close returns. It is safe to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closing)
		s.webhook.stop()
		s.transport.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		shut := make(chan struct{})
		go func() {
			defer close(shut)
			if err := s.hs.Shutdown(ctx); err != nil {
				_ = s.hs.Close()
			}
		}()
		// Shutdown waits for connections that were opened but never sent a
		// request (a client's spare dial) for up to 5 s, as if they were
		// busy: close those at once, as httptest.Server does, until it is done.
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for done := false; !done; {
			s.conns.closeUnused()
			select {
			case <-shut:
				done = true
			case <-tick.C:
			}
		}
		<-s.served
		s.transport.CloseIdleConnections()
	})
}

// connTracker follows the state of the server's connections (http.Server's
// ConnState hook) so that Close can close the unused ones.
type connTracker struct {
	mu    sync.Mutex
	conns map[net.Conn]http.ConnState
}

func (t *connTracker) track(c net.Conn, st http.ConnState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch st {
	case http.StateClosed, http.StateHijacked:
		delete(t.conns, c)
	default:
		if t.conns == nil {
			t.conns = make(map[net.Conn]http.ConnState)
		}
		t.conns[c] = st
	}
}

// closeUnused closes the connections that are not serving a request.
func (t *connTracker) closeUnused() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for c, st := range t.conns {
		if st == http.StateNew || st == http.StateIdle {
			_ = c.Close()
		}
	}
}

// Client returns a *mangopay.Client wired to the server: its URL, its
// ClientId and API key, SCA links on the server's host (and WithPublicURL's)
// allowed (WithRedirectHosts), the server's own HTTP transport (closed by Close), and
// short retry waits (5ms doubling to 1.5s) so fault-injection tests run fast.
// opts are applied after those and may override them. It panics if an option
// is invalid: it is a test helper.
func (s *Server) Client(opts ...mangopay.Option) *mangopay.Client {
	hosts := []string{strings.TrimPrefix(s.URL, "http://")}
	if pub, _ := url.Parse(s.cfg.publicURL); pub.Host != hosts[0] {
		hosts = append(hosts, pub.Host)
	}
	base := []mangopay.Option{
		mangopay.WithBaseURL(s.URL),
		mangopay.WithRedirectHosts(hosts...),
		mangopay.WithHTTPClient(s.HTTPClient()),
		mangopay.WithRetryWait(5*time.Millisecond, 1500*time.Millisecond),
	}
	c, err := mangopay.New(s.ClientID, s.APIKey, append(base, opts...)...)
	if err != nil {
		panic(fmt.Sprintf("mangopaytest: Server.Client: %v", err))
	}
	return c
}

// HTTPClient returns an *http.Client using the server's transport, for raw
// HTTP tests. Its idle connections are closed by Close.
func (s *Server) HTTPClient() *http.Client {
	return &http.Client{Transport: s.transport, Timeout: 30 * time.Second}
}

// ---- clock ----

// clock is real time plus an offset that Advance grows.
type clock struct{ offset atomic.Int64 }

func (c *clock) now() time.Time {
	return time.Now().Add(time.Duration(c.offset.Load())).UTC().Round(0)
}

// ---- ids ----

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// ulid returns a ULID for t (48-bit millisecond time, 80 random bits).
func ulid(t time.Time) string {
	var b [26]byte
	ms := uint64(t.UnixMilli())
	for i := 9; i >= 0; i-- {
		b[i] = crockford[ms&31]
		ms >>= 5
	}
	hi, lo := uint64(mrand.Uint32()&0xffff), mrand.Uint64()
	for i := 25; i >= 10; i-- {
		b[i] = crockford[lo&31]
		lo = lo>>5 | (hi&31)<<59
		hi >>= 5
	}
	return string(b[:])
}

// randomHex returns n random bytes as hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// uuid returns a random UUIDv4 string.
func uuid() string {
	h := randomHex(16)
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}

// ---- request handling ----

// recorder buffers a response so it can be recorded, logged, or dropped.
type recorder struct {
	status int
	header http.Header
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: make(http.Header)} }

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

// call is one API request being handled.
type call struct {
	s      *Server
	r      *http.Request
	w      *recorder
	body   []byte
	params map[string]string
	now    time.Time
	query  url.Values
}

// ServeHTTP implements http.Handler: the API under /v2.01/, the hosted SCA
// page under /sca/ and the test controls under /_sandbox/, for clients in
// other languages (no credentials; errors in Mangopay's error shape):
//
//	POST /_sandbox/sca/complete          {"RedirectUrl":"...","Outcome":"VALIDATED"|"FAILED"} → {Token, Kind, Status, UserId, ResourceId}
//	POST /_sandbox/wallets/{id}/credit   {"Amount":10000} → the wallet
//	POST /_sandbox/clock/advance         {"Seconds":600} → {"Now": unix}
//	GET  /_sandbox/clock                 → {"Now": unix}
//	POST /_sandbox/faults                {"Count":1,"Ratio":0,"Status":500,"RetryAfterSeconds":0,"Drop":false,"Reset":false,"Method":"POST","Path":"/transfers"}
//	DELETE /_sandbox/faults              ClearFaults
//	POST /_sandbox/faults/seed           {"Seed":42}
//	POST /_sandbox/latency               {"Milliseconds":200}
//	POST /_sandbox/reset-connections     {"Ratio":0.1}
//	GET  /_sandbox/webhooks              the finished deliveries (waits for queued ones first)
//	GET  /_sandbox/events                every event
//	POST /_sandbox/identity-verifications/complete  {"HostedUrl":"...","Outcome":"VALIDATED"|"FAILED"} → {"ReturnURL": "..."}
//
// sca/complete answers 404 for an unknown session, 410 for an expired one
// and 409 for one already answered, like CompleteSca's errors.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := newRecorder()
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	now := s.clock.now()
	entry := Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: redactHeader(r.Header), Body: body, Time: now}
	drop := false
	// A body that cannot be read, or is too large, is refused.
	var bad *apiFailure
	switch {
	case err != nil:
		bad = &apiFailure{http.StatusBadRequest, "The request body could not be read"}
	case len(body) > maxBody:
		bad = &apiFailure{http.StatusRequestEntityTooLarge, "The request body is too large"}
	}
	switch path := r.URL.Path; {
	case strings.HasPrefix(path, "/v2.01/"):
		drop = s.serveAPI(rec, r, body, bad)
	case bad != nil:
		writeError(rec, now, bad.status, "param_error", bad.msg, nil)
	case path == "/sca" || path == "/sca/":
		s.serveHostedPage(rec, r, body)
	case strings.HasPrefix(path, "/payment/"): // payins.go: tokenization, payment and 3DS2 pages
		s.servePayment(rec, r, body)
	case strings.HasPrefix(path, "/idv/"): // idv.go: the hosted identity verification page
		s.serveIDVPage(rec, r, body)
	case strings.HasPrefix(path, "/_sandbox/"):
		s.serveSandbox(rec, r, body)
	default:
		writeError(rec, now, http.StatusNotFound, "ressource_not_found", "The ressource does not exist", nil)
	}
	if rec.status == 0 && !drop {
		rec.status = http.StatusOK
	}
	entry.Status = rec.status
	entry.Dropped = drop
	s.reqLog.add(entry)
	s.cfg.logger.LogAttrs(r.Context(), slog.LevelDebug, "mangopaytest request",
		slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", rec.status), slog.Bool("dropped", drop))
	if drop {
		resetConnection(w)
		return
	}
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	if rec.body.Len() > 0 || rec.status != http.StatusNoContent {
		w.Header().Set("Content-Length", strconv.Itoa(rec.body.Len()))
	}
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.body.Bytes())
}

// apiFailure is an error answer decided before a request is routed.
type apiFailure struct {
	status int
	msg    string
}

// resetConnection closes the client connection without a response (an RST
// where the platform allows it).
func resetConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// serveAPI handles /v2.01/...; it reports whether the response must be
// dropped (the connection closed without it). bad, when set, refuses a body
// that could not be read or is too large, after the rate limiter so that
// this answer too carries the X-RateLimit headers.
func (s *Server) serveAPI(w *recorder, r *http.Request, body []byte, bad *apiFailure) (drop bool) {
	segs, ok := splitPath(r.URL.EscapedPath())
	awake := s.sleepLatency(r.Context())
	now := s.clock.now()

	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked(now)
	// Every API response, errors included, carries the X-RateLimit headers.
	if !s.rateLimitLocked(w, now) {
		return false
	}
	if !awake {
		writeError(w, now, http.StatusServiceUnavailable, "other", "The server is shutting down", nil)
		return false
	}
	if bad != nil {
		writeError(w, now, bad.status, "param_error", bad.msg, nil)
		return false
	}
	if !ok || len(segs) < 2 {
		writeError(w, now, http.StatusNotFound, "ressource_not_found", "The ressource does not exist", nil)
		return false
	}
	if segs[1] == "oauth" && len(segs) == 3 && strings.TrimSpace(segs[2]) == "token" {
		s.oauthToken(w, r, body, now)
		return false
	}
	if !s.checkBearerLocked(w, r, segs[1], now) {
		return false
	}
	rest := "/" + strings.Join(segs[2:], "/")
	routed := relativeRequest(r, 2)
	mux, allowed := apiRoutes.lookup(routed)
	if mux == nil || len(segs[2:]) == 0 {
		if len(allowed) > 0 {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			writeError(w, now, http.StatusMethodNotAllowed, "other", "The requested resource does not support http method '"+r.Method+"'", nil)
			return false
		}
		writeError(w, now, http.StatusNotFound, "ressource_not_found", "The ressource does not exist", nil)
		return false
	}

	key := ""
	if r.Method == http.MethodPost {
		if key = r.Header.Get("Idempotency-Key"); key != "" {
			if !validKey(key) {
				writeError(w, now, http.StatusBadRequest, "param_error", paramErrorMessage,
					map[string]string{"Idempotency-Key": "The Idempotency-Key must be 16 to 36 characters of A-Z, a-z, 0-9 and '-'"})
				return false
			}
			if !s.claimKeyLocked(key, now) {
				writeError(w, now, http.StatusConflict, "idempotent_creation_conflict", "A resource has already been created with this Idempotency Key", nil)
				return false
			}
		}
	}

	f := s.faults.next(r.Method, rest)
	if f.DropBefore {
		if key != "" {
			delete(s.st.idem, key)
		}
		return true
	}
	if f.Status != 0 {
		if f.Status == http.StatusTooManyRequests || f.Status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", strconv.FormatInt(int64((f.RetryAfter+time.Second-1)/time.Second), 10))
		}
		typ, msg := "other", http.StatusText(f.Status)
		switch {
		case f.Status == http.StatusTooManyRequests:
			typ, msg = "rate_limit", "Rate limit exceeded. Please contact support for more assistance"
		case f.Status >= 500:
			typ, msg = "internal_server_error", "An internal error occurred (injected by mangopaytest)"
		}
		writeError(w, now, f.Status, typ, msg, nil)
	} else {
		c := &call{s: s, r: r, w: w, body: body, now: now, query: r.URL.Query()}
		c.serve(mux, routed)
	}
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if key != "" {
		s.recordKeyLocked(key, r, w, now)
	}
	return f.Drop
}

// sleepLatency waits for the configured latency; false when the server closes.
func (s *Server) sleepLatency(ctx context.Context) bool {
	d := s.faults.latency()
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.closing:
		return false
	}
}

// relativeRequest is r with its first n path segments removed ("/v2.01/
// {ClientId}" for the API, "/_sandbox" for the controls), for a router.
func relativeRequest(r *http.Request, n int) *http.Request {
	parts := strings.SplitN(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/", n+1)
	rest := "/"
	if len(parts) == n+1 {
		rest += parts[n]
	}
	out := r.Clone(r.Context())
	u := *r.URL
	u.RawPath = rest
	u.Path, _ = url.PathUnescape(rest) // splitPath already refused bad escapes
	out.URL = &u
	return out
}

// splitPath splits an escaped path into unescaped segments, dropping one
// trailing slash.
func splitPath(escaped string) ([]string, bool) {
	escaped = strings.TrimPrefix(escaped, "/")
	escaped = strings.TrimSuffix(escaped, "/")
	raw := strings.Split(escaped, "/")
	out := make([]string, len(raw))
	for i, p := range raw {
		u, err := url.PathUnescape(p)
		if err != nil {
			return nil, false
		}
		out[i] = u
	}
	return out, true
}

// ---- routing (see router.go) ----

func init() {
	add := addRoute
	// users (users.go)
	add("POST", "/sca/users/natural", (*call).createNatural)
	add("POST", "/sca/users/legal", (*call).createLegal)
	add("GET", "/sca/users/natural/{id}", (*call).getNatural)
	add("GET", "/sca/users/legal/{id}", (*call).getLegal)
	add("PUT", "/sca/users/natural/{id}", (*call).updateNatural)
	add("PUT", "/sca/users/legal/{id}", (*call).updateLegal)
	add("PUT", "/sca/users/natural/{id}/category", (*call).categorizeNatural)
	add("PUT", "/sca/users/legal/{id}/category", (*call).categorizeLegal)
	add("GET", "/sca/users/{id}", (*call).getUser)
	add("POST", "/sca/users/{id}/enrollment", (*call).enroll)
	add("POST", "/sca/users/{id}/consent", (*call).manageConsent)
	add("GET", "/sca/users/{id}/sca-status", (*call).scaStatus)
	// wallets, transactions, transfers (wallets.go)
	add("POST", "/wallets", (*call).createWallet)
	add("GET", "/wallets/{id}", (*call).getWallet)
	add("PUT", "/wallets/{id}", (*call).updateWallet)
	add("GET", "/users/{id}/wallets", (*call).listUserWallets)
	add("GET", "/users/{id}/transactions", (*call).listUserTransactions)
	add("GET", "/wallets/{id}/transactions", (*call).listWalletTransactions)
	add("POST", "/transfers", (*call).createTransfer)
	add("GET", "/transfers/{id}", (*call).getTransfer)
	// recipients (recipients.go)
	add("GET", "/recipients/payout-methods", (*call).payoutMethods)
	add("GET", "/recipients/schema", (*call).recipientSchema)
	add("POST", "/users/{id}/recipients/validate", (*call).validateRecipient)
	add("POST", "/users/{id}/recipients", (*call).createRecipient)
	add("GET", "/users/{id}/recipients", (*call).listRecipients)
	add("GET", "/recipients/{id}", (*call).getRecipient)
	add("PUT", "/recipients/{id}", (*call).deactivateRecipient)
	// hooks and events (hooks.go)
	add("POST", "/hooks", (*call).createHook)
	add("GET", "/hooks", (*call).listHooks)
	add("GET", "/hooks/{id}", (*call).getHook)
	add("PUT", "/hooks/{id}", (*call).updateHook)
	add("GET", "/events", (*call).listEvents)
	// idempotency
	add("GET", "/responses/{key}", (*call).getResponse)
}

// ---- responses and errors ----

const paramErrorMessage = "One or several required parameters are missing or incorrect. An incorrect resource ID also raises this kind of error."

// errorBody is Mangopay's usual error shape.
type errorBody struct {
	Message string            `json:"Message"`
	Type    string            `json:"Type"`
	ID      string            `json:"Id"`
	Date    int64             `json:"Date"`
	Errors  map[string]string `json:"errors"`
}

// recipientErrorBody is the Recipients endpoints' error shape: Id first and
// a capitalised Errors key.
type recipientErrorBody struct {
	ID      string            `json:"Id"`
	Message string            `json:"Message"`
	Type    string            `json:"Type"`
	Date    int64             `json:"Date"`
	Errors  map[string]string `json:"Errors"`
}

func errorID(now time.Time) string { return uuid() + "#" + strconv.FormatInt(now.Unix(), 10) }

// setExact sets header name to value, written on the wire with exactly
// Mangopay's spelling (X-RateLimit, WWW-Authenticate) rather than Go's
// canonical form (X-Ratelimit, Www-Authenticate): header names are
// case-insensitive, but some clients compare them as sent.
func setExact(h http.Header, name, value string) {
	h.Del(name)
	h[name] = []string{value}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("mangopaytest: encoding response: %v", err))
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(bytes.TrimRight(buf.Bytes(), "\n"))
}

func writeError(w http.ResponseWriter, now time.Time, status int, typ, msg string, errs map[string]string) {
	writeJSON(w, status, errorBody{Message: msg, Type: typ, ID: errorID(now), Date: now.Unix(), Errors: errs})
}

func (c *call) json(status int, v any) { writeJSON(c.w, status, v) }

func (c *call) fail(status int, typ, msg string, errs map[string]string) {
	writeError(c.w, c.now, status, typ, msg, errs)
}

func (c *call) paramError(errs map[string]string) {
	c.fail(http.StatusBadRequest, "param_error", paramErrorMessage, errs)
}

// notFound answers 404 ressource_not_found for a resource of kind (User,
// Wallet, ...) and id.
func (c *call) notFound(kind, id string) {
	c.fail(http.StatusNotFound, "ressource_not_found", "The ressource does not exist",
		map[string]string{"RessourceNotFound": fmt.Sprintf("Cannot found the ressource %s with the id=%s ", kind, id)})
}

func (c *call) recipientError(status int, typ, msg string, errs map[string]string) {
	writeJSON(c.w, status, recipientErrorBody{ID: errorID(c.now), Message: msg, Type: typ, Date: c.now.Unix(), Errors: errs})
}

// lookupByID returns the resource named by the route's {id} in m, or answers
// with notFound(kind, id) and returns nil.
func lookupByID[T any](c *call, m map[string]*T, kind string, notFound func(kind, id string)) *T {
	id := c.params["id"]
	v, ok := m[id]
	if !ok {
		notFound(kind, id)
		return nil
	}
	return v
}

// decode unmarshals the JSON body into v; on failure it answers 400
// param_error naming the field and returns false.
func (c *call) decode(v any) bool {
	b := bytes.TrimSpace(c.body)
	if len(b) == 0 {
		b = []byte("{}")
	}
	if err := json.Unmarshal(b, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			c.paramError(map[string]string{te.Field: fmt.Sprintf("The value of %s is not valid: expected a %s", te.Field, te.Type.Kind())})
			return false
		}
		c.paramError(map[string]string{"Body": "The request body is not valid JSON: " + err.Error()})
		return false
	}
	return true
}

// q returns a query parameter, matching its name case-insensitively (as
// Mangopay does: the SDKs send camelCase where the docs write PascalCase).
func (c *call) q(name string) string {
	if v, ok := c.query[name]; ok && len(v) > 0 {
		return v[0]
	}
	for k, v := range c.query {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// qList returns every value of a filter, repeated (Status=A&Status=B) or
// comma-separated (Status=A,B), upper-cased.
func (c *call) qList(name string) []string {
	var out []string
	for k, vs := range c.query {
		if !strings.EqualFold(k, name) {
			continue
		}
		for _, v := range vs {
			for _, p := range strings.Split(v, ",") {
				if p = strings.TrimSpace(p); p != "" {
					out = append(out, strings.ToUpper(p))
				}
			}
		}
	}
	return out
}

// dates reads the BeforeDate and AfterDate filters as Unix seconds (0 when
// absent), recording in e each one that is not a number.
func (c *call) dates(e fieldErrors) (before, after int64) {
	for name, dst := range map[string]*int64{"BeforeDate": &before, "AfterDate": &after} {
		if v := c.q(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				e[name] = fmt.Sprintf("The %s parameter must be a Unix timestamp", name)
			}
			*dst = n
		}
	}
	return before, after
}

// ---- pagination ----

// paginate answers a list: it validates page, per_page and Sort, writes
// x-number-of-pages, x-number-of-items and Link, and the page's items as a
// JSON array. items are in creation order, listed oldest first unless Sort
// says CreationDate:DESC.
func paginate[T any](c *call, items []T) { paginateSorted(c, items, false) }

// paginateSorted is paginate for a list whose default order is newest first
// when newestFirst is set (List Recipients: default Sort CreationDate:DESC).
func paginateSorted[T any](c *call, items []T, newestFirst bool) {
	page, perPage := 1, 10
	errs := map[string]string{}
	if v := c.q("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			errs["page"] = "The page parameter must be a positive integer"
		}
		page = n
	}
	if v := c.q("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxPerPage {
			errs["per_page"] = fmt.Sprintf("The per_page parameter must be an integer between 1 and %d", MaxPerPage)
		}
		perPage = n
	}
	desc := newestFirst
	if v := c.q("Sort"); v != "" {
		desc = false
		field, dir, _ := strings.Cut(v, ":")
		switch {
		case !strings.EqualFold(field, "CreationDate"):
			errs["Sort"] = "Sorting is only supported on CreationDate"
		case strings.EqualFold(dir, "DESC"):
			desc = true
		case dir == "" || strings.EqualFold(dir, "ASC"):
		default:
			errs["Sort"] = "The sort direction must be ASC or DESC"
		}
	}
	if len(errs) > 0 {
		c.paramError(errs)
		return
	}
	if desc {
		rev := make([]T, len(items))
		for i, it := range items {
			rev[len(items)-1-i] = it
		}
		items = rev
	}
	total := len(items)
	pages := (total + perPage - 1) / perPage
	from := min((page-1)*perPage, total)
	to := min(from+perPage, total)
	h := c.w.Header()
	h.Set("X-Number-Of-Pages", strconv.Itoa(pages))
	h.Set("X-Number-Of-Items", strconv.Itoa(total))
	h.Set("Link", c.linkHeader(page, perPage, max(pages, 1)))
	out := items[from:to]
	if out == nil {
		out = []T{}
	}
	c.json(http.StatusOK, out)
}

// linkHeader builds the RFC 8288 Link header with first, prev, next and last.
func (c *call) linkHeader(page, perPage, last int) string {
	mk := func(p int, rel string) string {
		q := url.Values{}
		for k, v := range c.query {
			if !strings.EqualFold(k, "page") && !strings.EqualFold(k, "per_page") {
				q[k] = v
			}
		}
		q.Set("page", strconv.Itoa(p))
		q.Set("per_page", strconv.Itoa(perPage))
		return fmt.Sprintf(`<%s%s?%s>; rel="%s"`, c.s.cfg.publicURL, c.r.URL.EscapedPath(), q.Encode(), rel)
	}
	links := []string{mk(1, "first")}
	if page > 1 {
		links = append(links, mk(min(page-1, last), "prev"))
	}
	if page < last {
		links = append(links, mk(page+1, "next"))
	}
	links = append(links, mk(last, "last"))
	return strings.Join(links, ", ")
}

// ---- authentication ----

// oauthToken answers POST /v2.01/oauth/token (client credentials).
func (s *Server) oauthToken(w *recorder, r *http.Request, body []byte, now time.Time) {
	oauthErr := func(status int, code, desc string) {
		if status == http.StatusUnauthorized {
			setExact(w.Header(), "WWW-Authenticate", `Basic realm="mangopay"`)
		}
		writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		oauthErr(http.StatusMethodNotAllowed, "invalid_request", "The token endpoint only accepts POST")
		return
	}
	st := s.st
	if now.Before(st.lockedUntil) {
		oauthErr(http.StatusBadRequest, "unauthorized_client", "This account has been temporarily locked for security reasons. Please try again later.")
		return
	}
	id, key, ok := r.BasicAuth()
	if !ok || id != s.ClientID || key != s.APIKey {
		st.badAuth++
		if st.badAuth >= lockAfterFailures {
			st.badAuth = 0
			st.lockedUntil = now.Add(lockDuration)
		}
		if !ok {
			oauthErr(http.StatusUnauthorized, "invalid_client", "Client authentication failed: send Authorization: Basic base64(ClientId:ApiKey)")
			return
		}
		oauthErr(http.StatusUnauthorized, "invalid_client", "Client authentication failed: unknown ClientId or wrong API key")
		return
	}
	st.badAuth = 0
	ct := r.Header.Get("Content-Type")
	if ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/x-www-form-urlencoded") {
		oauthErr(http.StatusBadRequest, "invalid_request", "The body must be application/x-www-form-urlencoded")
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		oauthErr(http.StatusBadRequest, "invalid_request", "The body is not a valid form")
		return
	}
	switch gt := form.Get("grant_type"); gt {
	case "client_credentials":
	case "":
		oauthErr(http.StatusBadRequest, "invalid_request", "grant_type is missing")
		return
	default:
		oauthErr(http.StatusBadRequest, "unsupported_grant_type", "Only grant_type=client_credentials is supported")
		return
	}
	for t, exp := range st.tokens {
		if !now.Before(exp) {
			delete(st.tokens, t)
		}
	}
	tok := randomHex(16)
	st.tokens[tok] = now.Add(s.cfg.tokenLifetime)
	writeJSON(w, http.StatusOK, struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int64  `json:"expires_in"`
	}{tok, "bearer", int64(s.cfg.tokenLifetime / time.Second)})
}

// After this many consecutive bad credentials the token endpoint locks for
// lockDuration (400 unauthorized_client), as Mangopay does.
const (
	lockAfterFailures = 10
	lockDuration      = time.Minute
)

// checkBearerLocked answers 401 invalid_credentials unless the request has
// a live bearer token and targets the server's ClientId.
func (s *Server) checkBearerLocked(w *recorder, r *http.Request, clientID string, now time.Time) bool {
	h := r.Header.Get("Authorization")
	scheme, tok, _ := strings.Cut(h, " ")
	exp, ok := s.st.tokens[strings.TrimSpace(tok)]
	if !strings.EqualFold(scheme, "Bearer") || !ok || !now.Before(exp) || clientID != s.ClientID {
		writeJSON(w, http.StatusUnauthorized, struct {
			Message string `json:"Message"`
			Type    string `json:"Type"`
			Date    int64  `json:"Date"`
		}{"The authorization credentials are not valid", "invalid_credentials", now.Unix()})
		return false
	}
	return true
}

// ---- rate limits ----

var rateWindows = [4]time.Duration{15 * time.Minute, 30 * time.Minute, time.Hour, 24 * time.Hour}

// rateLimitLocked counts the call in Mangopay's four windows, sets the
// X-RateLimit headers, and answers 429 when a window is exhausted.
func (s *Server) rateLimitLocked(w *recorder, now time.Time) bool {
	st := s.st
	var made, remaining, reset [4]string
	over := false
	for i, d := range rateWindows {
		start := now.Truncate(d)
		if !st.rateStart[i].Equal(start) {
			st.rateStart[i], st.rateMade[i] = start, 0
		}
		st.rateMade[i]++
		limit := s.cfg.rateLimits[i]
		if st.rateMade[i] > limit {
			over = true
		}
		made[i] = strconv.Itoa(st.rateMade[i])
		remaining[i] = strconv.Itoa(max(limit-st.rateMade[i], 0))
		reset[i] = strconv.FormatInt(start.Add(d).Unix(), 10)
	}
	h := w.Header()
	setExact(h, "X-RateLimit", strings.Join(made[:], ", "))
	setExact(h, "X-RateLimit-Remaining", strings.Join(remaining[:], ", "))
	setExact(h, "X-RateLimit-Reset", strings.Join(reset[:], ", "))
	if over {
		writeError(w, now, http.StatusTooManyRequests, "rate_limit", "Rate limit exceeded. Please contact support for more assistance", nil)
		return false
	}
	return true
}

// ---- idempotency ----

// storedResponse is a response recorded under an Idempotency-Key.
type storedResponse struct {
	done        bool
	at          time.Time
	status      int
	contentType string
	body        []byte
	requestURL  string
}

// validKey reports whether k is an acceptable Idempotency-Key (16 to 36
// characters of A-Z, a-z, 0-9 and '-').
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

// claimKeyLocked reserves key; false when it was used in the last 24 hours.
func (s *Server) claimKeyLocked(key string, now time.Time) bool {
	if e, ok := s.st.idem[key]; ok && now.Sub(e.at) < IdempotencyRetention {
		return false
	}
	s.st.idem[key] = &storedResponse{at: now}
	return true
}

func (s *Server) recordKeyLocked(key string, r *http.Request, w *recorder, now time.Time) {
	s.st.idem[key] = &storedResponse{
		done:        true,
		at:          now,
		status:      w.status,
		contentType: w.header.Get("Content-Type"),
		body:        bytes.Clone(w.body.Bytes()),
		requestURL:  s.cfg.publicURL + r.URL.RequestURI(),
	}
}

// getResponse answers GET /responses/{key} with the response recorded under
// an Idempotency-Key.
func (c *call) getResponse() {
	key := c.params["key"]
	e, ok := c.s.st.idem[key]
	if !ok || !e.done || c.now.Sub(e.at) >= IdempotencyRetention {
		c.notFound("Response", key)
		return
	}
	var resource json.RawMessage
	if b := bytes.TrimSpace(e.body); len(b) > 0 && json.Valid(b) {
		resource = b
	} else if len(b) > 0 {
		resource, _ = json.Marshal(string(b))
	}
	c.json(http.StatusOK, struct {
		StatusCode    string          `json:"StatusCode"`
		ContentLength string          `json:"ContentLength"`
		ContentType   string          `json:"ContentType"`
		Date          string          `json:"Date"`
		RequestURL    string          `json:"RequestURL"`
		Resource      json.RawMessage `json:"Resource"`
	}{
		StatusCode:    strconv.Itoa(e.status),
		ContentLength: strconv.Itoa(len(e.body)),
		ContentType:   e.contentType,
		Date:          e.at.UTC().Format(time.RFC1123),
		RequestURL:    e.requestURL,
		Resource:      resource,
	})
}

// ---- request log ----

// Request is one request the server received, as recorded in Requests.
type Request struct {
	// Method, Path (unescaped) and RawQuery of the request.
	Method, Path, RawQuery string
	// Header holds the request headers; the credentials in Authorization are
	// replaced by "[redacted]" (the scheme is kept).
	Header http.Header
	// Body is the request body.
	Body []byte
	// Status is the HTTP status of the response, also when the response was
	// dropped after the request took effect; 0 when the connection was reset
	// before the request was handled (ResetConnections).
	Status int
	// Dropped is true when the connection was closed instead of answering.
	Dropped bool
	// Time is when it arrived, on the emulator's clock.
	Time time.Time
}

// maxLogged is how many requests (and webhook deliveries) the logs keep:
// the most recent ones.
const maxLogged = 10000

type requestLog struct {
	mu   sync.Mutex
	reqs []Request
}

func (l *requestLog) add(r Request) {
	l.mu.Lock()
	l.reqs = appendCapped(l.reqs, r)
	l.mu.Unlock()
}

// appendCapped appends x, dropping the oldest entries beyond maxLogged. A
// full log slides forward in its array and moves to a new one (room for
// maxLogged more) only when the array is used up: one copy per maxLogged
// appends, not one per append.
func appendCapped[T any](xs []T, x T) []T {
	if len(xs) >= maxLogged {
		drop := len(xs) - maxLogged + 1
		clear(xs[:drop]) // let the dropped entries be collected
		xs = xs[drop:]
		if len(xs) == cap(xs) {
			xs = append(make([]T, 0, 2*maxLogged), xs...)
		}
	}
	return append(xs, x)
}

func (l *requestLog) all() []Request {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Request(nil), l.reqs...)
}

func redactHeader(h http.Header) http.Header {
	out := h.Clone()
	if a := out.Get("Authorization"); a != "" {
		scheme, _, _ := strings.Cut(a, " ")
		out.Set("Authorization", scheme+" [redacted]")
	}
	return out
}

// ---- state ----

// state is everything the emulator knows; guarded by Server.mu.
type state struct {
	seq int64

	tokens      map[string]time.Time
	badAuth     int
	lockedUntil time.Time
	rateStart   [4]time.Time
	rateMade    [4]int
	idem        map[string]*storedResponse

	users          map[string]*user
	wallets        map[string]*wallet
	transfers      map[string]*transaction
	txs            []*transaction
	recipients     map[string]*recipient
	recipientOrder []*recipient
	hooks          map[string]*hook
	hookOrder      []*hook
	events         []Event
	sessions       map[string]*session
	pending        map[string]*session
	fees           map[string]int64
	payins         *payinState // payins.go, created on first use
	money          *moneyOut   // payouts and refunds (payouts.go), created on first use
	idv            *idvState   // identity verification sessions (idv.go), created on first use
}

func newState() *state {
	return &state{
		tokens:     make(map[string]time.Time),
		idem:       make(map[string]*storedResponse),
		users:      make(map[string]*user),
		wallets:    make(map[string]*wallet),
		transfers:  make(map[string]*transaction),
		recipients: make(map[string]*recipient),
		hooks:      make(map[string]*hook),
		sessions:   make(map[string]*session),
		pending:    make(map[string]*session),
		fees:       make(map[string]int64),
	}
}

func (st *state) nextSeq() int64 {
	st.seq++
	return st.seq
}

// ---- small JSON helpers shared by the resource files ----

var reflectInt64 = reflect.TypeOf(int64(0))

// flexInt is an integer that also decodes from a float (1690291065.0) or a
// numeric string.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		*f = flexInt(n)
		return nil
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return &json.UnmarshalTypeError{Value: "string", Type: reflectInt64}
	}
	*f = flexInt(int64(x))
	return nil
}

// nz returns nil for an empty string, else a pointer to it (null on the wire).
func nz(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// unixOrNull returns t as Unix seconds, or nil for the zero time.
func unixOrNull(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	u := t.Unix()
	return &u
}

// str dereferences an optional string.
func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// pendingAction is the PendingUserAction object.
type pendingAction struct {
	RedirectURL string `json:"RedirectUrl"`
}

func pending(link string) *pendingAction {
	if link == "" {
		return nil
	}
	return &pendingAction{RedirectURL: link}
}

// money is Mangopay's Money object.
type money struct {
	Currency string `json:"Currency"`
	Amount   int64  `json:"Amount"`
}

// moneyIn is a Money object in a request body, with absent fields detectable.
type moneyIn struct {
	Currency *string `json:"Currency"`
	Amount   *int64  `json:"Amount"`
}
