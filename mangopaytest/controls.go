package mangopaytest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Outcome is how a test completes an SCA session: what the user did on the
// hosted page.
type Outcome string

// Outcomes.
const (
	// Validated: the user entered the right code and approved.
	Validated Outcome = "VALIDATED"
	// Failed: the user declined (or ran out of code attempts).
	Failed Outcome = "FAILED"
)

// Errors returned by the controls.
var (
	// ErrUnknownSession: the link's token matches no SCA session of this server.
	ErrUnknownSession = errors.New("mangopaytest: unknown SCA session")
	// ErrSessionExpired: the session's 10 minutes passed (see Advance).
	ErrSessionExpired = errors.New("mangopaytest: SCA session expired")
	// ErrSessionCompleted: the session was already validated or failed.
	ErrSessionCompleted = errors.New("mangopaytest: SCA session already completed")
	// ErrUnknownWallet: Credit was given a wallet id the server does not know.
	ErrUnknownWallet = errors.New("mangopaytest: unknown wallet")
)

// CompleteSca ends the SCA session behind link (a RedirectUrl from a body or
// a WWW-Authenticate header, with or without returnUrl appended, or a bare
// sca_ token) as if the user had answered the hosted page: Validated makes
// the pending action happen (the user ACTIVE and enrolled, the transfer
// executed, the recipient ACTIVE, wallet access open for 180 days, the
// consent given for every scope) and Failed makes it fail (transfer FAILED
// with ResultCode 007101, recipient CANCELED), with the documented webhooks.
// It returns an error matching ErrUnknownSession, ErrSessionExpired or
// ErrSessionCompleted when the session cannot be completed.
func (s *Server) CompleteSca(link string, outcome Outcome) error {
	status := ""
	switch outcome {
	case Validated:
		status = sessionValidated
	case Failed:
		status = sessionFailed
	default:
		return fmt.Errorf("mangopaytest: CompleteSca: outcome %q is not Validated or Failed", string(outcome))
	}
	now := s.clock.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked(now)
	sess, err := s.sessionFromLink(link)
	if err != nil {
		return err
	}
	if err := sessionUsable(sess); err != nil {
		return err
	}
	s.finishSessionLocked(sess, status, nil, now)
	return nil
}

// Advance moves the emulator's clock forward by d (a negative d is ignored:
// the clock never goes back). Sessions whose 10 minutes pass expire at once,
// with their effects and webhooks (a transfer FAILED with ResultCode 007102,
// a recipient CANCELED, SCA_ENROLLMENT_EXPIRED); OAuth tokens, the 180-day
// wallet-access exemption and idempotency keys age accordingly.
func (s *Server) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	s.clock.offset.Add(int64(d))
	now := s.clock.now()
	s.mu.Lock()
	s.sweepLocked(now)
	s.mu.Unlock()
}

// Now returns the emulator's current time.
func (s *Server) Now() time.Time { return s.clock.now() }

// Credit adds amount (minor units, > 0) to a wallet, as a succeeded PAYIN
// transaction that appears in the wallet's and its owner's transactions. It
// fails with ErrUnknownWallet for an unknown id.
func (s *Server) Credit(walletID string, amount int64) error {
	if amount <= 0 {
		return fmt.Errorf("mangopaytest: Credit: amount %d is not positive", amount)
	}
	now := s.clock.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.st.wallets[walletID]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownWallet, walletID)
	}
	s.creditLocked(w, amount, now)
	return nil
}

// Balance returns a wallet's balance (minor units) and currency, without
// the wallet-access SCA a read through the API may need. It fails with
// ErrUnknownWallet for an unknown id.
func (s *Server) Balance(walletID string) (int64, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.st.wallets[walletID]
	if !ok {
		return 0, "", fmt.Errorf("%w: %q", ErrUnknownWallet, walletID)
	}
	return w.balance, w.currency, nil
}

// ---- fault injection ----

// Fault describes failures to inject into matching API requests (under
// /v2.01/{ClientId}/: never the OAuth token endpoint, the hosted page or
// /_sandbox/). A fault is counted (the next Count matching requests get it)
// or random (each matching request gets it with probability Ratio). Status,
// Drop or Reset says what happens; with none of them the request is handled
// normally (a counted Fault{Count: n} lets the next n requests through
// before the faults queued after it).
//
// A request gets at most one fault. Counted faults come first, in the order
// they were injected. Otherwise one random number is drawn per request and
// the random faults that match it share the interval [0, 1) in injection
// order, so their ratios add up: Ratio 0.2 with Drop and Ratio 0.1 with
// Status 500 fault 30% of the requests, never one request twice.
// ResetConnections applies to the requests left untouched.
type Fault struct {
	// Count is how many matching requests the fault applies to. For a random
	// fault (Ratio > 0) it caps how many requests get it; 0 means no cap, until
	// ClearFaults.
	Count int
	// Ratio, between 0 and 1, makes the fault random: each matching request
	// gets it with this probability (see SeedFaults for reproducible runs).
	Ratio float64
	// Status, when non-zero, answers the request with this HTTP status
	// (4xx or 5xx) and a Mangopay error body, without any effect. A POST with
	// an Idempotency-Key has this failure recorded under its key, as Mangopay
	// records every response.
	Status int
	// RetryAfter is sent (in whole seconds, rounded up) as Retry-After with a
	// 429 or 503 Status.
	RetryAfter time.Duration
	// Drop, with Status zero, lets the request take effect (and be recorded
	// under its Idempotency-Key), then closes the connection without a
	// response, as when a response is lost on the network.
	Drop bool
	// Reset, with Status zero and Drop false, resets the connection before
	// the request takes effect: nothing happens and nothing is recorded under
	// its Idempotency-Key (the request log shows Status 0).
	Reset bool
	// Method and Path restrict the fault to requests with this method and a
	// path (relative to /v2.01/{ClientId}, e.g. "/transfers") starting with
	// Path. Empty matches any.
	Method, Path string
}

// applied is what the fault state decided for one request.
type applied struct {
	Status     int
	RetryAfter time.Duration
	Drop       bool
	DropBefore bool
}

// queuedFault is an injected Fault and how many requests it may still hit
// (left < 0: no limit).
type queuedFault struct {
	Fault
	left int
}

func (q *queuedFault) matches(method, path string) bool {
	return (q.Method == "" || strings.EqualFold(q.Method, method)) && (q.Path == "" || strings.HasPrefix(path, q.Path))
}

func (q *queuedFault) effect() applied {
	return applied{Status: q.Status, RetryAfter: q.RetryAfter, Drop: q.Status == 0 && q.Drop,
		DropBefore: q.Status == 0 && !q.Drop && q.Reset}
}

type faultState struct {
	mu         sync.Mutex
	queue      []queuedFault
	lat        time.Duration
	resetRatio float64
	rng        *rand.Rand // nil: the global source
}

// float draws a number in [0, 1); f.mu must be held.
func (f *faultState) float() float64 {
	if f.rng != nil {
		return f.rng.Float64()
	}
	return rand.Float64()
}

func (f *faultState) next(method, path string) applied {
	f.mu.Lock()
	defer f.mu.Unlock()
	hit := -1
	for i := range f.queue {
		if q := &f.queue[i]; q.Ratio == 0 && q.matches(method, path) {
			hit = i
			break
		}
	}
	if hit < 0 {
		u, edge, drawn := 0.0, 0.0, false
		for i := range f.queue {
			q := &f.queue[i]
			if q.Ratio == 0 || !q.matches(method, path) {
				continue
			}
			if !drawn {
				u, drawn = f.float(), true
			}
			if edge += q.Ratio; u < edge {
				hit = i
				break
			}
		}
	}
	var a applied
	if hit >= 0 {
		q := &f.queue[hit]
		a = q.effect()
		if q.left > 0 {
			q.left--
			if q.left == 0 {
				f.queue = append(f.queue[:hit], f.queue[hit+1:]...)
			}
		}
		return a
	}
	if f.resetRatio > 0 && f.float() < f.resetRatio {
		if f.float() < 0.5 {
			a.DropBefore = true
		} else {
			a.Drop = true
		}
	}
	return a
}

func (f *faultState) latency() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lat
}

// InjectFault queues f (see Fault for the order in which faults apply). A
// fault with neither a positive Count nor a positive Ratio is ignored; a
// Ratio above 1 means 1 and a Status outside 400-599 means 500.
func (s *Server) InjectFault(f Fault) {
	f.Ratio = min(max(f.Ratio, 0), 1)
	if f.Ratio != f.Ratio { // NaN
		f.Ratio = 0
	}
	if f.Count <= 0 && f.Ratio == 0 {
		return
	}
	if f.Status != 0 && (f.Status < 400 || f.Status > 599) {
		f.Status = http.StatusInternalServerError
	}
	left := f.Count
	if left <= 0 {
		left = -1
	}
	s.faults.mu.Lock()
	s.faults.queue = append(s.faults.queue, queuedFault{Fault: f, left: left})
	s.faults.mu.Unlock()
}

// ClearFaults removes every injected Fault (counted and random, used up or
// not) and turns ResetConnections and Latency off: the server answers
// normally again.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	s.faults.queue, s.faults.resetRatio, s.faults.lat = nil, 0, 0
	s.faults.mu.Unlock()
}

// SeedFaults makes the random choices of random faults (Fault.Ratio) and
// ResetConnections come from a generator seeded with seed, so that a test
// sending its requests one after the other sees the same faults on every
// run. Concurrent requests draw in arrival order, so with many goroutines
// only the proportions are reproducible. By default the choices are random.
func (s *Server) SeedFaults(seed uint64) {
	s.faults.mu.Lock()
	s.faults.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	s.faults.mu.Unlock()
}

// FailNext answers the next n API requests with status (4xx or 5xx; other
// values mean 500) and a Mangopay error body, without effect. A 429 carries
// Retry-After: 1 and the rate_limit error type.
func (s *Server) FailNext(n int, status int) {
	f := Fault{Count: n, Status: status}
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		f.RetryAfter = time.Second
	}
	s.InjectFault(f)
}

// DropNextResponses lets the next n API requests take effect, then closes
// their connections without answering: the client sees a reset connection
// and, for a POST, must recover the result through its Idempotency-Key.
func (s *Server) DropNextResponses(n int) {
	s.InjectFault(Fault{Count: n, Drop: true})
}

// Latency delays every API request by d before it is handled (0 turns it off).
func (s *Server) Latency(d time.Duration) {
	s.faults.mu.Lock()
	s.faults.lat = max(d, 0)
	s.faults.mu.Unlock()
}

// ResetConnections resets the connection of a random share ratio (0 to 1)
// of API requests: half of those before the request takes effect, half
// after (like DropNextResponses). 0 turns it off. Injected Faults take
// precedence: it applies to the requests they left untouched.
func (s *Server) ResetConnections(ratio float64) {
	s.faults.mu.Lock()
	s.faults.resetRatio = min(max(ratio, 0), 1)
	s.faults.mu.Unlock()
}

// ---- logs ----

// Requests returns the requests the server received so far (the last
// 10,000), in arrival order, the hosted page and /_sandbox/ included.
func (s *Server) Requests() []Request { return s.reqLog.all() }

// Webhooks returns the webhook deliveries finished so far (delivered or
// given up after the retries; the last 10,000), in order. Deliveries are asynchronous: call
// FlushWebhooks first to wait for the queued ones.
func (s *Server) Webhooks() []WebhookDelivery { return s.webhook.deliveries() }

// Events returns every event so far, in order, whether or not a hook was
// registered for it (GET /events lists the same).
func (s *Server) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Event(nil), s.st.events...)
}

// FlushWebhooks waits until every queued webhook delivery has finished
// (retries included), or ctx ends.
func (s *Server) FlushWebhooks(ctx context.Context) error {
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	for !s.webhook.idle() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.closing:
			return errors.New("mangopaytest: server closed")
		case <-t.C:
		}
	}
	return nil
}

// ---- the same controls over HTTP ----

// serveSandbox answers the test controls under /_sandbox/ (listed on
// ServeHTTP), each registered with addControl.
func (s *Server) serveSandbox(w *recorder, r *http.Request, body []byte) {
	c := &control{s: s, w: w, body: body, now: s.clock.now()}
	routed := relativeRequest(r, 1)
	mux, _ := controlRoutes.lookup(routed)
	if mux == nil {
		segs, _ := splitPath(r.URL.EscapedPath())
		writeError(w, c.now, http.StatusNotFound, "ressource_not_found", "No such sandbox control: "+r.Method+" /_sandbox/"+strings.Join(segs[1:], "/"), nil)
		return
	}
	mux.ServeHTTP(w, routed.WithContext(context.WithValue(routed.Context(), controlKey{}, c)))
}

// control is one request to a test control under /_sandbox/.
type control struct {
	s    *Server
	w    *recorder
	r    *http.Request // path relative to /_sandbox, with its {name} values
	body []byte
	now  time.Time
}

type controlKey struct{}

// controlRoutes are the test controls, relative to /_sandbox.
var controlRoutes router

// addControl registers a test control: method and pattern relative to
// /_sandbox (with {name} wildcards read by c.r.PathValue). A resource file
// registers the controls of its resource from its own init function, as
// with addRoute for the API: the pay-in and payout files add theirs this
// way. An unknown control (or method) is answered 404, in Mangopay's error
// shape; controls need no credentials.
func addControl(method, pattern string, fn func(*control)) {
	controlRoutes.handle(method, pattern, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		c := r.Context().Value(controlKey{}).(*control)
		c.r = r
		fn(c)
	}))
}

func (c *control) bad(msg string) {
	writeError(c.w, c.now, http.StatusBadRequest, "param_error", msg, nil)
}

// decode unmarshals the body into v; on failure it answers 400 and returns false.
func (c *control) decode(v any) bool {
	if err := json.Unmarshal([]byte(orEmptyObject(c.body)), v); err != nil {
		c.bad("The body is not valid JSON for this control: " + err.Error())
		return false
	}
	return true
}

func init() {
	addControl("POST", "/sca/complete", (*control).completeSca)
	addControl("POST", "/wallets/{id}/credit", (*control).credit)
	addControl("POST", "/clock/advance", (*control).advance)
	addControl("GET", "/clock", (*control).clock)
	addControl("POST", "/faults", (*control).injectFault)
	addControl("DELETE", "/faults", (*control).clearFaults)
	addControl("POST", "/faults/seed", (*control).seedFaults)
	addControl("POST", "/latency", (*control).latency)
	addControl("POST", "/reset-connections", (*control).resetConnections)
	addControl("GET", "/webhooks", (*control).webhooks)
	addControl("GET", "/events", (*control).events)
}

// completeSca: POST /_sandbox/sca/complete {"RedirectUrl","Outcome"}.
func (c *control) completeSca() {
	var in struct {
		RedirectURL string `json:"RedirectUrl"`
		Outcome     string `json:"Outcome"`
	}
	if !c.decode(&in) {
		return
	}
	if in.RedirectURL == "" {
		c.bad("RedirectUrl is required")
		return
	}
	if in.Outcome != string(Validated) && in.Outcome != string(Failed) {
		c.bad(`Outcome must be "VALIDATED" or "FAILED"`)
		return
	}
	s := c.s
	s.mu.Lock()
	s.sweepLocked(c.now)
	sess, err := s.sessionFromLink(in.RedirectURL)
	if err == nil {
		err = sessionUsable(sess)
	}
	if err == nil {
		status := sessionValidated
		if in.Outcome == string(Failed) {
			status = sessionFailed
		}
		s.finishSessionLocked(sess, status, nil, c.now)
	}
	var out any
	if sess != nil {
		out = struct {
			Token      string `json:"Token"`
			Kind       string `json:"Kind"`
			Status     string `json:"Status"`
			UserID     string `json:"UserId"`
			ResourceID string `json:"ResourceId"`
		}{sess.token, string(sess.kind), sess.status, sess.userID, sess.resourceID}
	}
	s.mu.Unlock()
	switch {
	case errors.Is(err, ErrUnknownSession):
		writeError(c.w, c.now, http.StatusNotFound, "ressource_not_found", err.Error(), nil)
	case errors.Is(err, ErrSessionExpired):
		writeError(c.w, c.now, http.StatusGone, "other", err.Error(), nil)
	case errors.Is(err, ErrSessionCompleted):
		writeError(c.w, c.now, http.StatusConflict, "other", err.Error(), nil)
	default:
		writeJSON(c.w, http.StatusOK, out)
	}
}

// credit: POST /_sandbox/wallets/{id}/credit {"Amount"}.
func (c *control) credit() {
	var in struct {
		Amount int64 `json:"Amount"`
	}
	if !c.decode(&in) {
		return
	}
	if in.Amount <= 0 {
		c.bad("Amount must be a positive integer (minor units)")
		return
	}
	id := c.r.PathValue("id")
	s := c.s
	s.mu.Lock()
	wal, ok := s.st.wallets[id]
	var out walletOut
	if ok {
		s.creditLocked(wal, in.Amount, c.now)
		out = wal.render()
	}
	s.mu.Unlock()
	if !ok {
		writeError(c.w, c.now, http.StatusNotFound, "ressource_not_found", "The ressource does not exist",
			map[string]string{"RessourceNotFound": "Cannot found the ressource Wallet with the id=" + id + " "})
		return
	}
	writeJSON(c.w, http.StatusOK, out)
}

// advance: POST /_sandbox/clock/advance {"Seconds"}.
func (c *control) advance() {
	var in struct {
		Seconds int64 `json:"Seconds"`
	}
	if !c.decode(&in) {
		return
	}
	if in.Seconds <= 0 {
		c.bad("Seconds must be a positive integer")
		return
	}
	c.s.Advance(time.Duration(in.Seconds) * time.Second)
	writeJSON(c.w, http.StatusOK, map[string]int64{"Now": c.s.clock.now().Unix()})
}

// clock: GET /_sandbox/clock.
func (c *control) clock() {
	writeJSON(c.w, http.StatusOK, map[string]int64{"Now": c.now.Unix()})
}

// injectFault: POST /_sandbox/faults (see ServeHTTP for the body).
func (c *control) injectFault() {
	var in struct {
		Count             int     `json:"Count"`
		Ratio             float64 `json:"Ratio"`
		Status            int     `json:"Status"`
		RetryAfterSeconds int64   `json:"RetryAfterSeconds"`
		Drop              bool    `json:"Drop"`
		Reset             bool    `json:"Reset"`
		Method            string  `json:"Method"`
		Path              string  `json:"Path"`
	}
	if !c.decode(&in) {
		return
	}
	kinds := 0
	for _, set := range []bool{in.Status != 0, in.Drop, in.Reset} {
		if set {
			kinds++
		}
	}
	switch {
	case in.Ratio < 0 || in.Ratio > 1:
		c.bad("Ratio must be between 0 and 1")
		return
	case in.Count < 0 || in.Count == 0 && in.Ratio == 0 || kinds != 1:
		c.bad("Count must be positive (or Ratio given), and exactly one of Status (400-599), Drop or Reset given")
		return
	case in.Status != 0 && (in.Status < 400 || in.Status > 599):
		c.bad("Status must be between 400 and 599")
		return
	}
	c.s.InjectFault(Fault{Count: in.Count, Ratio: in.Ratio, Status: in.Status, RetryAfter: time.Duration(in.RetryAfterSeconds) * time.Second,
		Drop: in.Drop, Reset: in.Reset, Method: in.Method, Path: in.Path})
	c.w.WriteHeader(http.StatusNoContent)
}

// clearFaults: DELETE /_sandbox/faults.
func (c *control) clearFaults() {
	c.s.ClearFaults()
	c.w.WriteHeader(http.StatusNoContent)
}

// seedFaults: POST /_sandbox/faults/seed {"Seed"}.
func (c *control) seedFaults() {
	var in struct {
		Seed *uint64 `json:"Seed"`
	}
	if !c.decode(&in) {
		return
	}
	if in.Seed == nil {
		c.bad("Seed (a non-negative integer) is required")
		return
	}
	c.s.SeedFaults(*in.Seed)
	c.w.WriteHeader(http.StatusNoContent)
}

// latency: POST /_sandbox/latency {"Milliseconds"}.
func (c *control) latency() {
	var in struct {
		Milliseconds int64 `json:"Milliseconds"`
	}
	if !c.decode(&in) {
		return
	}
	c.s.Latency(time.Duration(in.Milliseconds) * time.Millisecond)
	c.w.WriteHeader(http.StatusNoContent)
}

// resetConnections: POST /_sandbox/reset-connections {"Ratio"}.
func (c *control) resetConnections() {
	var in struct {
		Ratio float64 `json:"Ratio"`
	}
	if !c.decode(&in) {
		return
	}
	if in.Ratio < 0 || in.Ratio > 1 {
		c.bad("Ratio must be between 0 and 1")
		return
	}
	c.s.ResetConnections(in.Ratio)
	c.w.WriteHeader(http.StatusNoContent)
}

// webhooks: GET /_sandbox/webhooks, once queued deliveries are done.
func (c *control) webhooks() {
	ctx, cancel := context.WithTimeout(c.r.Context(), 10*time.Second)
	_ = c.s.FlushWebhooks(ctx)
	cancel()
	type out struct {
		HookID     string `json:"HookId"`
		URL        string `json:"Url"`
		EventType  string `json:"EventType"`
		ResourceID string `json:"ResourceId"`
		Date       int64  `json:"Date"`
		Attempts   int    `json:"Attempts"`
		StatusCode int    `json:"StatusCode"`
		Delivered  bool   `json:"Delivered"`
		Error      string `json:"Error,omitempty"`
	}
	list := []out{}
	for _, d := range c.s.Webhooks() {
		list = append(list, out{d.HookID, d.URL, string(d.EventType), d.ResourceID, d.Date.Unix(), d.Attempts, d.StatusCode, d.Delivered, d.Err})
	}
	writeJSON(c.w, http.StatusOK, list)
}

// events: GET /_sandbox/events.
func (c *control) events() {
	list := []eventOut{}
	for _, ev := range c.s.Events() {
		list = append(list, eventOut{ResourceID: ev.ResourceID, EventType: string(ev.EventType), Date: ev.Date.Unix()})
	}
	writeJSON(c.w, http.StatusOK, list)
}
