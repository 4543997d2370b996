package mangopay

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DeliveryStatus is what a DeliveryStore knows about a notification.
type DeliveryStatus int

// DeliveryStatus values returned by DeliveryStore.Begin.
const (
	// DeliveryNew: never processed and not in progress. Begin has claimed it:
	// the caller processes it, then calls Finish.
	DeliveryNew DeliveryStatus = iota
	// DeliveryInProgress: another delivery of the same notification holds the
	// claim right now.
	DeliveryInProgress
	// DeliveryProcessed: already processed successfully.
	DeliveryProcessed
)

// String returns "new", "in progress" or "processed".
func (s DeliveryStatus) String() string {
	switch s {
	case DeliveryNew:
		return "new"
	case DeliveryInProgress:
		return "in progress"
	case DeliveryProcessed:
		return "processed"
	}
	return "DeliveryStatus(" + strconv.Itoa(int(s)) + ")"
}

// DeliveryStore remembers which notifications were processed, so that a
// repeated delivery does not run the handler's function twice. Keys are
// Event.DeliveryKey values. Implement it over a shared cache or database to
// de-duplicate across several processes; MemoryDeliveryStore is the
// in-process default.
//
// Begin must be atomic: of several concurrent Begin calls for one key, at
// most one may return DeliveryNew (with Redis, SET key NX with an expiry).
// A claim should expire on its own after a while (a minute, well over the
// handler's deadline) in case the process holding it dies before Finish.
type DeliveryStore interface {
	// Begin reports the status of key and, when it is DeliveryNew, claims it.
	Begin(ctx context.Context, key string) (DeliveryStatus, error)
	// Finish ends a claim taken by Begin. processed=true records key as
	// processed; processed=false drops the claim so that the next delivery of
	// the notification is processed again.
	Finish(ctx context.Context, key string, processed bool) error
}

// DefaultDeliveryCapacity is the number of processed notifications a
// MemoryDeliveryStore remembers when no capacity is given.
const DefaultDeliveryCapacity = 10000

// MemoryDeliveryStore is an in-memory DeliveryStore that remembers the most
// recently processed notifications, up to a capacity (least recently seen
// first out), so its memory stays bounded. It is safe for concurrent use.
// The zero value is ready to use with DefaultDeliveryCapacity.
type MemoryDeliveryStore struct {
	mu       sync.Mutex
	capacity int
	order    *list.List               // processed keys, most recently seen first
	done     map[string]*list.Element // key -> element of order
	inflight map[string]struct{}
}

// NewMemoryDeliveryStore returns a store remembering up to capacity processed
// notifications (DefaultDeliveryCapacity when capacity <= 0). Each costs
// roughly 200 bytes.
func NewMemoryDeliveryStore(capacity int) *MemoryDeliveryStore {
	return &MemoryDeliveryStore{capacity: capacity}
}

func (s *MemoryDeliveryStore) init() {
	if s.order == nil {
		s.order = list.New()
		s.done = make(map[string]*list.Element)
		s.inflight = make(map[string]struct{})
	}
	if s.capacity <= 0 {
		s.capacity = DefaultDeliveryCapacity
	}
}

// Begin implements DeliveryStore.
func (s *MemoryDeliveryStore) Begin(_ context.Context, key string) (DeliveryStatus, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	if e, ok := s.done[key]; ok {
		s.order.MoveToFront(e)
		return DeliveryProcessed, nil
	}
	if _, ok := s.inflight[key]; ok {
		return DeliveryInProgress, nil
	}
	s.inflight[key] = struct{}{}
	return DeliveryNew, nil
}

// Finish implements DeliveryStore.
func (s *MemoryDeliveryStore) Finish(_ context.Context, key string, processed bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	delete(s.inflight, key)
	if !processed {
		return nil
	}
	if e, ok := s.done[key]; ok {
		s.order.MoveToFront(e)
		return nil
	}
	s.done[key] = s.order.PushFront(key)
	for s.order.Len() > s.capacity {
		oldest := s.order.Back()
		s.order.Remove(oldest)
		delete(s.done, oldest.Value.(string))
	}
	return nil
}

// Len returns the number of processed notifications remembered.
func (s *MemoryDeliveryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.order == nil {
		return 0
	}
	return s.order.Len()
}

// ---- the handler ----

// DefaultWebhookTimeout is the deadline NewWebhookHandler gives to each
// notification (confirmation and your function together): well inside the 2
// seconds Mangopay waits for its 200.
const DefaultWebhookTimeout = 1500 * time.Millisecond

// WebhookOption configures NewWebhookHandler.
type WebhookOption func(*webhookConfig)

type webhookConfig struct {
	store   DeliveryStore
	fetch   resourceFetcher
	timeout time.Duration
	onError func(r *http.Request, status int, err error)
	errs    []error
	now     func() time.Time
}

// resourceFetcher gets the resource an event names, for confirmation. It
// returns an error matching ErrNotFound when the resource does not exist.
type resourceFetcher func(ctx context.Context, kind ResourceKind, id string) (any, error)

// WithDeduplication makes the handler skip notifications it has already
// processed successfully: a repeated delivery (same EventType, RessourceId
// and Date) is answered 200 without calling your function, and a delivery
// arriving while the same notification is being processed is answered 409
// (Mangopay retries it later). A notification is recorded only after your
// function succeeded, so a failed one runs again on Mangopay's retry.
//
// store is where processed notifications are remembered; nil means a new
// NewMemoryDeliveryStore(DefaultDeliveryCapacity), which only covers this
// process. De-duplication is best effort (a restart or an eviction forgets):
// keep your function idempotent.
func WithDeduplication(store DeliveryStore) WebhookOption {
	return func(c *webhookConfig) {
		if store == nil {
			store = NewMemoryDeliveryStore(DefaultDeliveryCapacity)
		}
		c.store = store
	}
}

// WithConfirmation makes the handler confirm each notification by fetching
// the resource it names through c before calling your function:
// GET /sca/users/{id} (c.Users.Get) for user events, GET /transfers/{id}
// (c.Transfers.Get) for transfer events, GET /recipients/{id}
// (c.Recipients.Get) for recipient events. The fetched *User, *Transfer or
// *Recipient is put in Event.Resource.
//
// Mangopay does not sign its notifications: this check is the only way to
// tell a genuine one from a forged request, and what your function should
// act on is the fetched resource (its current state), not the event type.
//
// A notification whose resource does not exist (Mangopay answers 404, or
// 400 param_error for an id it cannot read) is refused with 400 and your
// function is not called. An event type this package does not know cannot
// be confirmed and is refused with 400 too: Mangopay then retries it for 3
// days and finally invalidates the hook, so serve hooks of other event types
// (PAYIN_NORMAL_SUCCEEDED, say) with a handler of their own that fetches the
// right resource itself. Any other failure to fetch
// (network, 5xx, deadline) is answered 500, so Mangopay retries later. A nil
// c makes the handler answer 500 to every notification.
func WithConfirmation(c *Client) WebhookOption {
	return func(cfg *webhookConfig) {
		if c == nil {
			cfg.errs = append(cfg.errs, errors.New("WithConfirmation: nil *Client"))
			return
		}
		cfg.fetch = clientFetcher(c)
	}
}

// WithWebhookTimeout sets the deadline of each notification: the context
// given to the confirmation and to your function expires after d (default
// DefaultWebhookTimeout, 1.5 s; d <= 0 keeps the default). Keep it under the
// 2 seconds Mangopay waits.
func WithWebhookTimeout(d time.Duration) WebhookOption {
	return func(c *webhookConfig) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// WithWebhookErrorHook calls hook for every answer other than 200, with the
// request, the status sent and why (an *EventError for a malformed
// notification, your function's error, a confirmation failure...). It is
// also called when the DeliveryStore fails after the answer was decided:
// with status 200 when a processed notification could not be recorded, 0
// when a claim could not be dropped. Use it to log; it must not write to the
// response. r's query may hold whatever the
// sender put there: log r.URL.Path and the error, not the raw query.
func WithWebhookErrorHook(hook func(r *http.Request, status int, err error)) WebhookOption {
	return func(c *webhookConfig) { c.onError = hook }
}

// NewWebhookHandler returns an http.Handler receiving Mangopay's webhook
// notifications and calling fn with each parsed Event.
//
// Mangopay does not sign notifications: anyone who knows the URL can call
// it. Use WithConfirmation so that only events whose resource exists at
// Mangopay reach fn, and act on the fetched resource.
//
// Answers:
//   - 405 (with Allow: GET) for any method but GET. HEAD is refused too:
//     Mangopay only sends GET, and a HEAD must not have side effects;
//   - 400 for a malformed notification (see ParseEvent) or one that failed
//     confirmation; fn is not called;
//   - 200 when fn returned nil, or for a repeated delivery already processed
//     (WithDeduplication);
//   - 409 for a delivery of a notification that is being processed right now
//     (WithDeduplication); Mangopay retries it later;
//   - 500 when fn returned an error or panicked, or the confirmation or the
//     store failed, so that Mangopay retries (every 10 minutes for an hour,
//     then every 8 hours for 3 days). Also for every request when fn is nil
//     or an option was given an unusable value.
//
// fn runs with a context that expires after DefaultWebhookTimeout (see
// WithWebhookTimeout): Mangopay wants its answer within 2 seconds, so queue
// long work and return. Response bodies are short fixed texts that never
// repeat the request. The handler is safe for concurrent use.
func NewWebhookHandler(fn func(context.Context, Event) error, opts ...WebhookOption) http.Handler {
	cfg := webhookConfig{timeout: DefaultWebhookTimeout, now: time.Now}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if fn == nil {
		cfg.errs = append(cfg.errs, errors.New("nil handler function"))
	}
	h := &webhookHandler{fn: fn, cfg: cfg}
	if len(cfg.errs) > 0 {
		msgs := make([]string, len(cfg.errs))
		for i, e := range cfg.errs {
			msgs[i] = e.Error()
		}
		h.cfgErr = errors.New("mangopay: NewWebhookHandler: " + strings.Join(msgs, "; "))
	}
	return h
}

type webhookHandler struct {
	fn     func(context.Context, Event) error
	cfg    webhookConfig
	cfgErr error
}

// ServeHTTP implements http.Handler.
func (h *webhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		h.fail(w, r, http.StatusMethodNotAllowed, "method not allowed: Mangopay notifications are GET requests",
			fmt.Errorf("mangopay webhook: method %q not allowed", truncate(r.Method, 20)))
		return
	}
	if h.cfgErr != nil {
		h.fail(w, r, http.StatusInternalServerError, "webhook handler misconfigured", h.cfgErr)
		return
	}
	raw := ""
	if r.URL != nil {
		raw = r.URL.RawQuery
	}
	ev, err := parseRawEventQuery(raw, h.cfg.now())
	if err != nil {
		var ee *EventError
		msg := "malformed Mangopay notification"
		if errors.As(err, &ee) {
			msg += ": " + ee.Param + " " + ee.Problem
		}
		h.fail(w, r, http.StatusBadRequest, msg, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.cfg.timeout)
	defer cancel()

	var key string
	processed := false
	if st := h.cfg.store; st != nil {
		key = ev.DeliveryKey()
		status, err := st.Begin(ctx, key)
		if err != nil {
			h.fail(w, r, http.StatusInternalServerError, "delivery store failed", fmt.Errorf("mangopay webhook: %s %s: delivery store: %w", ev.Type, ev.ResourceID, err))
			return
		}
		switch status {
		case DeliveryProcessed:
			writeText(w, http.StatusOK, "ok (already processed)")
			return
		case DeliveryInProgress:
			h.fail(w, r, http.StatusConflict, "this notification is being processed",
				fmt.Errorf("mangopay webhook: %s %s: a delivery of the same notification is in progress", ev.Type, ev.ResourceID))
			return
		case DeliveryNew:
		default:
			h.fail(w, r, http.StatusInternalServerError, "delivery store failed", fmt.Errorf("mangopay webhook: delivery store returned %v", status))
			return
		}
		defer func() {
			if processed {
				return
			}
			// Drop the claim even when the request's context is over.
			fctx, fcancel := context.WithTimeout(context.WithoutCancel(r.Context()), h.cfg.timeout)
			defer fcancel()
			if err := st.Finish(fctx, key, false); err != nil && h.cfg.onError != nil {
				h.cfg.onError(r, 0, fmt.Errorf("mangopay webhook: %s %s: releasing delivery claim: %w", ev.Type, ev.ResourceID, err))
			}
		}()
	}

	if h.cfg.fetch != nil {
		kind := ev.Type.ResourceKind()
		if kind == ResourceKindUnknown {
			h.fail(w, r, http.StatusBadRequest, "event type cannot be confirmed",
				fmt.Errorf("mangopay webhook: cannot confirm event type %q: its resource kind is unknown", truncate(string(ev.Type), 60)))
			return
		}
		res, err := h.cfg.fetch(ctx, kind, ev.ResourceID)
		switch {
		case err == nil:
			ev.Resource = res
		case notExists(err):
			h.fail(w, r, http.StatusBadRequest, "unknown resource: notification not confirmed",
				fmt.Errorf("mangopay webhook: %s %s: not confirmed, the %s does not exist: %w", ev.Type, ev.ResourceID, kind, err))
			return
		default:
			h.fail(w, r, http.StatusInternalServerError, "could not confirm the notification",
				fmt.Errorf("mangopay webhook: %s %s: confirming: %w", ev.Type, ev.ResourceID, err))
			return
		}
	}

	if err := h.call(ctx, ev); err != nil {
		h.fail(w, r, http.StatusInternalServerError, "notification not processed",
			fmt.Errorf("mangopay webhook: %s %s: %w", ev.Type, ev.ResourceID, err))
		return
	}
	if st := h.cfg.store; st != nil {
		processed = true
		fctx, fcancel := context.WithTimeout(context.WithoutCancel(r.Context()), h.cfg.timeout)
		err := st.Finish(fctx, key, true)
		fcancel()
		if err != nil && h.cfg.onError != nil {
			// fn succeeded: answer 200 anyway; a later duplicate may run fn again.
			h.cfg.onError(r, http.StatusOK, fmt.Errorf("mangopay webhook: %s %s: recording delivery: %w", ev.Type, ev.ResourceID, err))
		}
	}
	writeText(w, http.StatusOK, "ok")
}

// call runs fn, turning a panic into an error (http.ErrAbortHandler is
// re-raised, as net/http expects).
func (h *webhookHandler) call(ctx context.Context, ev Event) (err error) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			err = fmt.Errorf("handler panicked: %v", p)
		}
	}()
	return h.fn(ctx, ev)
}

// fail writes a fixed message with status and reports err to the hook.
func (h *webhookHandler) fail(w http.ResponseWriter, r *http.Request, status int, msg string, err error) {
	if h.cfg.onError != nil {
		h.cfg.onError(r, status, err)
	}
	writeText(w, status, msg)
}

func writeText(w http.ResponseWriter, status int, msg string) {
	hd := w.Header()
	hd.Set("Content-Type", "text/plain; charset=utf-8")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg+"\n")
}

// notExists reports whether a confirmation error means the resource does not
// exist: a 404, or a 400 param_error (Mangopay's answer to an id it cannot
// read).
func notExists(err error) bool {
	if errors.Is(err, ErrNotFound) {
		return true
	}
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusBadRequest && apiErr.Type == ErrorTypeParam
}

// clientFetcher fetches the resource an event names through c: a *User
// (c.Users.Get), a *Transfer (c.Transfers.Get) or a *Recipient
// (c.Recipients.Get). A resource returned together with an SCA demand (a
// CREATED transfer still carries its PendingUserAction on GET) exists: it
// counts as found.
func clientFetcher(c *Client) resourceFetcher {
	return func(ctx context.Context, kind ResourceKind, id string) (any, error) {
		switch kind {
		case ResourceKindUser:
			return found(c.Users.Get(ctx, id))
		case ResourceKindTransfer:
			return found(c.Transfers.Get(ctx, id))
		case ResourceKindRecipient:
			return found(c.Recipients.Get(ctx, id))
		case ResourceKindPayIn:
			return found(c.PayIns.Get(ctx, id))
		case ResourceKindPayout:
			return found(c.Payouts.Get(ctx, id))
		case ResourceKindRefund:
			return found(c.Refunds.Get(ctx, id))
		}
		return nil, fmt.Errorf("mangopay: cannot fetch a resource of kind %q", kind)
	}
}

// found turns a service's (resource, error) into the fetcher's, never
// returning a typed nil inside the interface.
func found[T any](res *T, err error) (any, error) {
	if res != nil && (err == nil || isScaDemand(err)) {
		return res, nil
	}
	if err == nil {
		return nil, errors.New("mangopay: empty answer")
	}
	return nil, err
}

// isScaDemand reports whether err is the SCA demand (or the untrusted-link
// refusal) that the one SCA rule returns together with a resource.
func isScaDemand(err error) bool {
	_, ok := AsScaRequired(err)
	return ok || errors.Is(err, ErrUntrustedRedirect)
}
