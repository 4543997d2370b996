package mangopay

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
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

// DeliveryKey identifies a notification for de-duplication.
type DeliveryKey struct {
	// Type is the notification's EventType.
	Type EventType
	// ResourceID is its RessourceId. Keys of one resource share it: a store
	// bounds how many it keeps per resource with it.
	ResourceID string
	// State is the state of the resource the confirmation saw, as the event
	// claims it ("SUCCEEDED" for TRANSFER_NORMAL_SUCCEEDED); empty when the
	// handler has no confirmation.
	State string
	// Date is the notification's Date, in whole seconds.
	Date time.Time
}

// String returns "EVENT_TYPE|State|unix-seconds|ResourceId": the event type
// and state cannot contain '|' and the id is last, so the text is
// unambiguous whatever the id holds. Use it as the key of a shared cache.
func (k DeliveryKey) String() string {
	return string(k.Type) + "|" + k.State + "|" + strconv.FormatInt(k.Date.Unix(), 10) + "|" + k.ResourceID
}

// DeliveryStore remembers which notifications were processed, so that a
// repeated delivery does not run the handler's function twice. Implement it
// over a shared cache or database to de-duplicate across several processes
// (key it with DeliveryKey.String); MemoryDeliveryStore is the in-process
// default.
//
// Begin must be atomic: of several concurrent Begin calls for one key, at
// most one may return DeliveryNew (with Redis, SET key NX with an expiry).
// A claim should expire on its own after a while (a minute, well over the
// handler's deadline) in case the process holding it dies before Finish.
// Keep a bounded number of processed keys per DeliveryKey.ResourceID (as
// MemoryDeliveryStore does), so that no resource can crowd out the others.
type DeliveryStore interface {
	// Begin reports the status of key and, when it is DeliveryNew, claims it.
	Begin(ctx context.Context, key DeliveryKey) (DeliveryStatus, error)
	// Finish ends a claim taken by Begin. processed=true records key as
	// processed; processed=false drops the claim so that the next delivery of
	// the notification is processed again.
	Finish(ctx context.Context, key DeliveryKey, processed bool) error
}

// DefaultDeliveryCapacity is the number of processed notifications a
// MemoryDeliveryStore remembers when no capacity is given.
const DefaultDeliveryCapacity = 10000

// DeliveriesPerResource is the number of processed notifications a
// MemoryDeliveryStore remembers for one resource (one RessourceId); recording
// one more forgets that resource's least recently seen. A transfer gets one
// recorded notification in its life (SUCCEEDED or FAILED), a user a few per
// re-enrollment or category change.
const DeliveriesPerResource = 16

// deliveryRecordSkew is how far after the local clock a notification's Date
// may be for its delivery to be recorded: Mangopay dates an event when it
// happens, before it sends it, so a later Date is a forger pre-marking a
// notification (or a clock far off). Such a delivery is processed, not
// recorded.
const deliveryRecordSkew = time.Minute

// MemoryDeliveryStore is an in-memory DeliveryStore that remembers the most
// recently processed notifications, up to a capacity overall and
// DeliveriesPerResource per resource (least recently seen first out), so its
// memory stays bounded. It is safe for concurrent use. The zero value is
// ready to use with DefaultDeliveryCapacity.
type MemoryDeliveryStore struct {
	mu       sync.Mutex
	capacity int
	order    *list.List               // processed keys (memEntry), most recently seen first
	done     map[string]*list.Element // key text -> element of order
	perRes   map[string]*list.List    // resource id -> its elements of order, most recent first
	inflight map[string]struct{}
}

type memEntry struct {
	key, resource string
	inRes         *list.Element // element of perRes[resource] holding this entry's order element
}

// NewMemoryDeliveryStore returns a store remembering up to capacity processed
// notifications (DefaultDeliveryCapacity when capacity <= 0). Each costs
// roughly 300 bytes.
func NewMemoryDeliveryStore(capacity int) *MemoryDeliveryStore {
	return &MemoryDeliveryStore{capacity: capacity}
}

func (s *MemoryDeliveryStore) init() {
	if s.order == nil {
		s.order = list.New()
		s.done = make(map[string]*list.Element)
		s.perRes = make(map[string]*list.List)
		s.inflight = make(map[string]struct{})
	}
	if s.capacity <= 0 {
		s.capacity = DefaultDeliveryCapacity
	}
}

// touch makes e the most recently seen, overall and for its resource.
func (s *MemoryDeliveryStore) touch(e *list.Element) {
	s.order.MoveToFront(e)
	me := e.Value.(*memEntry)
	s.perRes[me.resource].MoveToFront(me.inRes)
}

// remove forgets e.
func (s *MemoryDeliveryStore) remove(e *list.Element) {
	me := e.Value.(*memEntry)
	s.order.Remove(e)
	delete(s.done, me.key)
	rl := s.perRes[me.resource]
	rl.Remove(me.inRes)
	if rl.Len() == 0 {
		delete(s.perRes, me.resource)
	}
}

// Begin implements DeliveryStore.
func (s *MemoryDeliveryStore) Begin(_ context.Context, key DeliveryKey) (DeliveryStatus, error) {
	k := key.String()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	if e, ok := s.done[k]; ok {
		s.touch(e)
		return DeliveryProcessed, nil
	}
	if _, ok := s.inflight[k]; ok {
		return DeliveryInProgress, nil
	}
	s.inflight[k] = struct{}{}
	return DeliveryNew, nil
}

// Finish implements DeliveryStore.
func (s *MemoryDeliveryStore) Finish(_ context.Context, key DeliveryKey, processed bool) error {
	k := key.String()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	delete(s.inflight, k)
	if !processed {
		return nil
	}
	if e, ok := s.done[k]; ok {
		s.touch(e)
		return nil
	}
	me := &memEntry{key: k, resource: key.ResourceID}
	e := s.order.PushFront(me)
	s.done[k] = e
	rl := s.perRes[key.ResourceID]
	if rl == nil {
		rl = list.New()
		s.perRes[key.ResourceID] = rl
	}
	me.inRes = rl.PushFront(e)
	for rl.Len() > DeliveriesPerResource {
		s.remove(rl.Back().Value.(*list.Element))
	}
	for s.order.Len() > s.capacity {
		s.remove(s.order.Back())
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

// ---- confirmation ----

// ResourceFetcher gets the resource a notification names, for confirmation
// (WithConfirmation). FetchResource returns the SDK's model of the kind
// (*User, *Transfer, *Recipient, *PayIn, *Payout, *Refund: see
// Client.FetchResource), and an error matching ErrNotFound when the resource
// does not exist. *Client
// implements it; a test can give a fake.
type ResourceFetcher interface {
	// FetchResource returns the resource of kind named id (a pointer to
	// the SDK's model), or an error matching ErrNotFound when there is none.
	FetchResource(ctx context.Context, kind ResourceKind, id string) (any, error)
}

// FetchResource gets the resource of kind with id: GET /sca/users/{id}
// (Users.Get, a *User) for ResourceKindUser, GET /transfers/{id}
// (Transfers.Get, a *Transfer) for ResourceKindTransfer, GET
// /recipients/{id} (Recipients.Get, a *Recipient) for ResourceKindRecipient,
// GET /payins/{id} (PayIns.Get, a *PayIn) for ResourceKindPayIn, GET
// /payouts/bankwire/{id} (Payouts.Get, a *Payout) for ResourceKindPayout,
// GET /refunds/{id} (Refunds.Get, a *Refund) for ResourceKindRefund, GET
// /identity-verifications/{id} (IdentityVerifications.Get, an
// *IdentityVerification) for ResourceKindIdentityVerification. It
// makes *Client a ResourceFetcher for WithConfirmation.
//
// A resource returned together with an SCA demand (a CREATED transfer or a
// PENDING recipient repeats its PendingUserAction on GET) exists: it is
// returned with a nil error. A kind this package cannot fetch is refused
// before any network call with a *ValidationError (ErrInvalidRequest).
func (c *Client) FetchResource(ctx context.Context, kind ResourceKind, id string) (any, error) {
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
	case ResourceKindIdentityVerification:
		return found(c.IdentityVerifications.Get(ctx, id))
	}
	return nil, invalid("FetchResource", "kind", "%q is not a kind of resource this package can fetch", truncate(string(kind), 40))
}

// ErrEventNotConfirmed matches (with errors.Is) the *ConfirmationError of a
// notification that confirmation refused.
var ErrEventNotConfirmed = errors.New("mangopay: webhook notification not confirmed")

// ErrEventInProgress is returned by WebhookHandler.Process (and answered 409
// by ServeHTTP) when another delivery of the same notification is being
// processed right now (WithDeduplication). Try again later.
var ErrEventInProgress = errors.New("mangopay: this webhook notification is being processed")

// ConfirmationError says why confirmation refused a notification: its event
// type has no known resource kind, its resource does not exist, or the
// resource is not in the state the event claims. It matches
// ErrEventNotConfirmed, and the fetch error (ErrNotFound...) when there is one.
type ConfirmationError struct {
	// Type is the notification's EventType.
	Type EventType
	// ResourceID is the notification's RessourceId.
	ResourceID string
	// Claimed is the state the event claims ("SUCCEEDED"), empty when the
	// resource was not fetched.
	Claimed string
	// Observed is the state the fetched resource is in, empty when the
	// resource was not fetched: a non-empty Observed means the resource
	// exists but is not (or no longer, or not yet) in the Claimed state.
	Observed string
	// Err is why the resource was not fetched (nil for a state mismatch or an
	// unknown event type).
	Err error
}

// Error returns one line.
func (e *ConfirmationError) Error() string {
	t := truncate(string(e.Type), 60)
	var s string
	switch {
	case e.Observed != "":
		s = fmt.Sprintf("%s %s: the resource is %s, not %s", t, e.ResourceID, e.Observed, e.Claimed)
	case e.Err != nil:
		s = fmt.Sprintf("%s %s: the %s does not exist: %v", t, e.ResourceID, e.Type.ResourceKind(), e.Err)
	default:
		s = fmt.Sprintf("%s %s: this event type names no resource kind this package can fetch", t, e.ResourceID)
	}
	return oneLine("mangopay: webhook notification not confirmed: " + s)
}

// Unwrap lets errors.Is match ErrEventNotConfirmed and the fetch error.
func (e *ConfirmationError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrEventNotConfirmed, e.Err}
	}
	return []error{ErrEventNotConfirmed}
}

// ---- options ----

// DefaultWebhookTimeout is the deadline WebhookHandler gives to each
// notification (confirmation and your function together): well inside the 2
// seconds Mangopay waits for its 200.
const DefaultWebhookTimeout = 1500 * time.Millisecond

// WebhookOption configures NewWebhookHandler.
type WebhookOption func(*webhookConfig)

type webhookConfig struct {
	store    DeliveryStore
	fetch    ResourceFetcher
	timeout  time.Duration
	onError  func(r *http.Request, status int, err error)
	problems *problemList
	now      func() time.Time
}

// WithDeduplication makes the handler skip notifications it has already
// processed: a repeated delivery is answered 200 without calling your
// function, and a delivery arriving while the same notification is being
// processed is answered 409 (Mangopay retries it later). store is where
// processed notifications are remembered: NewMemoryDeliveryStore(0) in one
// process, your own DeliveryStore to share it between instances. A nil store
// is refused by NewWebhookHandler.
//
// What it promises depends on confirmation (see the threat model of
// WebhookHandler, and WithConfirmation):
//
//   - With WithConfirmation, a delivery is recorded only after the fetched
//     resource showed the state the event claims (the table of event types
//     and states: USER_ACCOUNT_ACTIVATED ⇒ UserStatus ACTIVE,
//     TRANSFER_NORMAL_SUCCEEDED ⇒ Status SUCCEEDED, RECIPIENT_ACTIVE ⇒
//     Status ACTIVE, ...) and your function returned nil; the key is
//     EventType, the confirmed state, Date and RessourceId. A forged
//     notification can therefore never mark the genuine one processed before
//     it happened. Event types that claim no checkable state
//     (USER_ACCOUNT_VALIDATION_ASKED, TRANSFER_NORMAL_CREATED, the
//     enrollment and consent events) are never recorded: concurrent
//     duplicates are still refused with 409, but a later repeat runs your
//     function again.
//   - Without confirmation the key is EventType, Date and RessourceId, all
//     chosen by whoever sends the request: the store only skips Mangopay's
//     own repeats. A forger who sends a notification before Mangopay does,
//     with the Date the genuine one will carry, makes the genuine one look
//     processed. Do not rely on it for anything that matters.
//
// Either way a delivery dated more than a minute after the local clock is
// not recorded, each resource keeps at most DeliveriesPerResource keys in a
// MemoryDeliveryStore, and de-duplication is best effort (a restart or an
// eviction forgets): keep your function idempotent.
func WithDeduplication(store DeliveryStore) WebhookOption {
	return func(c *webhookConfig) {
		if store == nil || isNilPointer(store) {
			c.problems.add("WithDeduplication", "got a nil DeliveryStore (use NewMemoryDeliveryStore(0) for the in-memory one)")
			return
		}
		c.store = store
	}
}

// WithConfirmation makes the handler confirm each notification by fetching
// the resource it names through f (a *Client, or a fake in tests) before
// calling your function: GET /sca/users/{id} for user events, GET
// /transfers/{id} for transfer events, GET /recipients/{id} for recipient
// events, and so on for pay-ins, payouts and refunds (see
// Client.FetchResource). The fetched resource (*User, *Transfer, ...) is put
// in Event.Resource.
//
// Mangopay does not sign its notifications: this check is the only way to
// tell a genuine one from a forged request, and what your function should
// act on is the fetched resource (its current state), not the event type.
//
//   - A notification whose resource does not exist (Mangopay answers 404,
//     or 400 param_error for an id it cannot read) is refused with 400.
//   - A notification whose event type claims a state (TRANSFER_NORMAL_FAILED
//     ⇒ the transfer is FAILED, USER_ACCOUNT_ACTIVATED ⇒ the user is
//     ACTIVE, ...) while the resource is in another is refused with 409: a
//     forgery, or a notification that is stale or early; Mangopay retries it.
//   - An event type this package does not know cannot be confirmed and is
//     refused with 400 too: Mangopay then retries it for 3 days and finally
//     invalidates the hook, so serve hooks of other event types
//     (MANDATE_CREATED, say) with a handler of their own.
//   - Any other failure to fetch (network, 5xx, deadline) is answered 500,
//     so Mangopay retries later.
//
// Your function is not called for a refused notification. A nil f (or a nil
// *Client) is refused by NewWebhookHandler.
func WithConfirmation(f ResourceFetcher) WebhookOption {
	return func(cfg *webhookConfig) {
		if f == nil || isNilPointer(f) {
			cfg.problems.add("WithConfirmation", "got a nil ResourceFetcher (give the *Client)")
			return
		}
		cfg.fetch = f
	}
}

// isNilPointer reports whether v holds a nil *Client or *MemoryDeliveryStore
// (the typed nils a caller may pass by mistake).
func isNilPointer(v any) bool {
	switch p := v.(type) {
	case *Client:
		return p == nil
	case *MemoryDeliveryStore:
		return p == nil
	}
	return false
}

// WithWebhookTimeout sets the deadline of each notification: the context
// given to the confirmation and to your function expires after d (default
// DefaultWebhookTimeout, 1.5 s). Keep it under the 2 seconds Mangopay waits.
// NewWebhookHandler refuses d <= 0.
func WithWebhookTimeout(d time.Duration) WebhookOption {
	return func(c *webhookConfig) {
		if d <= 0 {
			c.problems.add("WithWebhookTimeout", "must be positive, got %v", d)
			return
		}
		c.timeout = d
	}
}

// WithWebhookErrorHook calls hook for every answer other than 200 that
// ServeHTTP sends, with the request, the status sent and why (an *EventError
// for a malformed notification, a *ConfirmationError, your function's
// error...). It is also called when the DeliveryStore fails after the answer
// was decided: with status 200 when a processed notification could not be
// recorded, 0 when a claim could not be dropped. Use it to log; it must not
// write to the response. r's query may hold whatever the sender put there:
// log r.URL.Path and the error, not the raw query. Process does not call it
// (it returns its errors). A nil hook means none.
func WithWebhookErrorHook(hook func(r *http.Request, status int, err error)) WebhookOption {
	return func(c *webhookConfig) { c.onError = hook }
}

// ---- the handler ----

// WebhookHandler receives Mangopay's webhook notifications (ServeHTTP) and
// runs the platform's function for each, after confirmation and
// de-duplication when configured. Build it with NewWebhookHandler; it is
// safe for concurrent use.
//
// # Threat model
//
// Mangopay's notifications are unsigned GETs: anyone who learns the hook URL
// can send any EventType, RessourceId and Date, as often as they like.
// Without confirmation the handler cannot tell a forged notification from a
// genuine one: it only protects against Mangopay's own repeated deliveries,
// and a forger can run your function with any event and mark any (EventType,
// RessourceId, Date) processed, including that of a genuine notification to
// come. With WithConfirmation it fetches the resource from Mangopay and
//   - refuses a notification whose resource does not exist (400);
//   - refuses a notification claiming a state its resource is not in (409),
//     such as TRANSFER_NORMAL_SUCCEEDED for a transfer still CREATED,
//     without calling your function or recording anything;
//   - records a delivery as processed only when the resource was in the
//     state the event claims and your function returned nil, so a recorded
//     key always means "your function ran with the resource in that state".
//
// A forger can therefore not make the genuine notification look processed
// before it happened: forged TRANSFER_NORMAL_SUCCEEDED notifications of any
// Date sent while the transfer waits for SCA are all refused and leave no
// trace, and the genuine one is processed when it comes. Forged Dates cannot
// fill the store either: only confirmed deliveries are kept, at most
// DeliveriesPerResource per resource in a MemoryDeliveryStore, and one dated
// more than a minute after the local clock is processed but not recorded.
// What a forger can still do: make your function run with the real, fetched
// resource (act on ev.Resource, not on ev.Type), and cost one GET to
// Mangopay per request (rate-limit the hook URL if that matters).
type WebhookHandler struct {
	fn  func(context.Context, Event) error
	cfg webhookConfig
}

// NewWebhookHandler returns a handler receiving Mangopay's webhook
// notifications and calling fn with each parsed Event.
//
// Mistakes are reported here, not when Mangopay calls: a nil fn, a nil
// option, WithConfirmation(nil), WithDeduplication(nil) or a timeout <= 0
// return a *ValidationError (matching ErrInvalidRequest) naming each one.
//
// Mangopay does not sign notifications: anyone who knows the URL can call
// it. Use WithConfirmation so that only events whose resource exists at
// Mangopay, in the state the event claims, reach fn, and act on the fetched
// resource.
//
// ServeHTTP answers:
//   - 405 (with Allow: GET) for any method but GET. HEAD is refused too:
//     Mangopay only sends GET, and a HEAD must not have side effects;
//   - 400 for a malformed notification (see ParseEvent), or one whose
//     resource does not exist or whose type cannot be confirmed
//     (WithConfirmation); fn is not called;
//   - 409 for a notification whose resource is not in the state the event
//     claims (WithConfirmation), or a delivery of a notification that is
//     being processed right now (WithDeduplication); fn is not called and
//     Mangopay retries later;
//   - 200 when fn returned nil, or for a repeated delivery already processed
//     (WithDeduplication);
//   - 500 when fn returned an error or panicked, or the confirmation or the
//     store failed, so that Mangopay retries (every 10 minutes for an hour,
//     then every 8 hours for 3 days).
//
// fn runs with a context that expires after DefaultWebhookTimeout (see
// WithWebhookTimeout): Mangopay wants its answer within 2 seconds, so queue
// long work and return. Response bodies are short fixed texts that never
// repeat the request.
func NewWebhookHandler(fn func(context.Context, Event) error, opts ...WebhookOption) (*WebhookHandler, error) {
	cfg := webhookConfig{timeout: DefaultWebhookTimeout, now: time.Now, problems: newProblems("NewWebhookHandler")}
	if fn == nil {
		cfg.problems.add("fn", "is nil: give the function that handles each event")
	}
	for i, o := range opts {
		if o == nil {
			cfg.problems.add(fmt.Sprintf("opts[%d]", i), "is a nil WebhookOption")
			continue
		}
		o(&cfg)
	}
	if err := cfg.problems.err(); err != nil {
		return nil, err
	}
	cfg.problems = nil
	return &WebhookHandler{fn: fn, cfg: cfg}, nil
}

// outcome of processing a notification.
type outcome int

const (
	processedNow outcome = iota
	alreadyProcessed
)

// Process runs for ev exactly what ServeHTTP runs for a delivery, without
// HTTP: the checks of ParseEvent on ev's fields, then confirmation
// (WithConfirmation, which sets ev.Resource), de-duplication
// (WithDeduplication) and fn, under the handler's deadline
// (WithWebhookTimeout) on top of ctx. Use it to replay events listed from
// Mangopay's API into the same code path as the webhooks.
//
// It returns nil when fn ran and returned nil, and also when the
// notification had already been processed (de-duplication): either way the
// event has been handled and a replay moves on. A failure to record the
// delivery after fn succeeded is not an error either (the event was
// handled; a later repeat may run fn again). Otherwise the error matches:
//   - ErrInvalidEvent (an *EventError): ev is malformed; fn was not called;
//   - ErrEventNotConfirmed (a *ConfirmationError): the resource does not
//     exist (also ErrNotFound), is not in the state the event claims
//     (Observed is set), or the event type cannot be confirmed; fn was not
//     called;
//   - ErrEventInProgress: another delivery of it is being processed;
//   - anything else: the confirmation's fetch, the store, or fn failed (a
//     panic in fn is returned as an error); try again later.
func (h *WebhookHandler) Process(ctx context.Context, ev Event) error {
	_, _, err := h.process(ctx, ev)
	return err
}

// process is Process, also saying whether the delivery was a repeat and
// what went wrong after the outcome was decided (warn, with the status the
// hook is told).
func (h *WebhookHandler) process(ctx context.Context, ev Event) (out outcome, warn *hookReport, err error) {
	if err := checkEvent(ev, h.cfg.now()); err != nil {
		return 0, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, h.cfg.timeout)
	defer cancel()

	key := DeliveryKey{Type: ev.Type, ResourceID: ev.ResourceID, Date: time.Unix(ev.Date.Unix(), 0).UTC()}
	record := true
	if h.cfg.fetch != nil {
		res, state, err := h.confirm(ctx, ev)
		if err != nil {
			return 0, nil, err
		}
		ev.Resource = res
		key.State = state
		record = state != "" // only a confirmed claim is recorded
	}
	if ev.Date.After(h.cfg.now().Add(deliveryRecordSkew)) {
		record = false
	}

	st := h.cfg.store
	if st == nil {
		return processedNow, nil, h.call(ctx, ev)
	}
	status, err := st.Begin(ctx, key)
	if err != nil {
		return 0, nil, &storeError{fmt.Errorf("mangopay webhook: %s %s: delivery store: %w", ev.Type, ev.ResourceID, err)}
	}
	switch status {
	case DeliveryProcessed:
		return alreadyProcessed, nil, nil
	case DeliveryInProgress:
		return 0, nil, fmt.Errorf("mangopay webhook: %s %s: %w", ev.Type, ev.ResourceID, ErrEventInProgress)
	case DeliveryNew:
	default:
		return 0, nil, &storeError{fmt.Errorf("mangopay webhook: delivery store returned %v", status)}
	}
	// Finish even when ctx is over (and when fn panics with
	// http.ErrAbortHandler), with a deadline of its own.
	finish := func(processed bool) error {
		fctx, fcancel := context.WithTimeout(context.WithoutCancel(ctx), h.cfg.timeout)
		defer fcancel()
		return st.Finish(fctx, key, processed)
	}
	done := false
	defer func() {
		if !done {
			if ferr := finish(false); ferr != nil {
				warn = &hookReport{0, fmt.Errorf("mangopay webhook: %s %s: releasing delivery claim: %w", ev.Type, ev.ResourceID, ferr)}
			}
		}
	}()
	if err := h.call(ctx, ev); err != nil {
		return 0, nil, err
	}
	done = true
	if ferr := finish(record); ferr != nil {
		verb := "releasing delivery claim"
		if record {
			verb = "recording delivery"
		}
		warn = &hookReport{http.StatusOK, fmt.Errorf("mangopay webhook: %s %s: %s: %w", ev.Type, ev.ResourceID, verb, ferr)}
	}
	return processedNow, warn, nil
}

// hookReport is something to tell the error hook after the answer was decided.
type hookReport struct {
	status int
	err    error
}

// storeError marks a DeliveryStore failure (answered 500 "delivery store failed").
type storeError struct{ err error }

func (e *storeError) Error() string { return e.err.Error() }
func (e *storeError) Unwrap() error { return e.err }

// fnError marks an error of the handler's function.
type fnError struct{ err error }

func (e *fnError) Error() string { return e.err.Error() }
func (e *fnError) Unwrap() error { return e.err }

// fetchError marks a confirmation that could not reach a verdict.
type fetchError struct{ err error }

func (e *fetchError) Error() string { return e.err.Error() }
func (e *fetchError) Unwrap() error { return e.err }

// confirm fetches ev's resource and checks the state ev claims. It returns
// the resource and the claimed state when the resource is in it, "" when ev
// claims no checkable state.
func (h *WebhookHandler) confirm(ctx context.Context, ev Event) (any, string, error) {
	kind := ev.Type.ResourceKind()
	if kind == ResourceKindUnknown {
		return nil, "", &ConfirmationError{Type: ev.Type, ResourceID: ev.ResourceID}
	}
	res, err := h.cfg.fetch.FetchResource(ctx, kind, ev.ResourceID)
	switch {
	case err == nil && res == nil:
		return nil, "", &fetchError{fmt.Errorf("mangopay webhook: %s %s: confirming: the fetcher returned no resource", ev.Type, ev.ResourceID)}
	case err == nil:
	case notExists(err):
		return nil, "", &ConfirmationError{Type: ev.Type, ResourceID: ev.ResourceID, Err: err}
	default:
		return nil, "", &fetchError{fmt.Errorf("mangopay webhook: %s %s: confirming: %w", ev.Type, ev.ResourceID, err)}
	}
	claim, ok := eventClaims[ev.Type]
	if !ok {
		return res, "", nil
	}
	got, ok := observedState(res, claim.Field)
	if !ok {
		return nil, "", &fetchError{fmt.Errorf("mangopay webhook: %s %s: confirming: a %T has no %s to check", ev.Type, ev.ResourceID, res, claim.Field)}
	}
	if got != claim.Value {
		if got == "" {
			got = "(empty)"
		}
		return nil, "", &ConfirmationError{Type: ev.Type, ResourceID: ev.ResourceID, Claimed: claim.Value, Observed: truncate(got, 40)}
	}
	if claim.Initial != "" {
		// Status alone does not tell a transfer's refund from a pay-in's.
		kind, ok := observedState(res, "InitialTransactionType")
		if !ok {
			return nil, "", &fetchError{fmt.Errorf("mangopay webhook: %s %s: confirming: a %T has no InitialTransactionType to check", ev.Type, ev.ResourceID, res)}
		}
		if kind != string(claim.Initial) {
			if kind == "" {
				kind = "(empty)"
			}
			return nil, "", &ConfirmationError{Type: ev.Type, ResourceID: ev.ResourceID,
				Claimed: claim.Value + " refund of a " + string(claim.Initial), Observed: claim.Value + " refund of a " + truncate(kind, 40)}
		}
	}
	return res, claim.Value, nil
}

// ServeHTTP implements http.Handler (see NewWebhookHandler for the answers).
func (h *WebhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		h.fail(w, r, http.StatusMethodNotAllowed, "method not allowed: Mangopay notifications are GET requests",
			fmt.Errorf("mangopay webhook: method %q not allowed", truncate(r.Method, 20)))
		return
	}
	raw := ""
	if r.URL != nil {
		raw = r.URL.RawQuery
	}
	ev, err := parseRawEventQuery(raw, h.cfg.now())
	if err != nil {
		h.failEvent(w, r, err)
		return
	}
	out, warn, err := h.process(r.Context(), ev)
	if warn != nil && h.cfg.onError != nil {
		defer h.cfg.onError(r, warn.status, warn.err)
	}
	if err != nil {
		h.failEvent(w, r, err)
		return
	}
	if out == alreadyProcessed {
		writeText(w, http.StatusOK, "ok (already processed)")
		return
	}
	writeText(w, http.StatusOK, "ok")
}

// failEvent answers the error of parsing or processing a notification.
func (h *WebhookHandler) failEvent(w http.ResponseWriter, r *http.Request, err error) {
	var (
		ee *EventError
		ce *ConfirmationError
		se *storeError
		fe *fetchError
		fn *fnError
	)
	switch {
	case errors.As(err, &ee):
		h.fail(w, r, http.StatusBadRequest, "malformed Mangopay notification: "+ee.Param+" "+ee.Problem, err)
	case errors.As(err, &ce) && ce.Observed != "":
		h.fail(w, r, http.StatusConflict, "notification not confirmed: the resource is not in the state the event claims", err)
	case errors.As(err, &ce) && ce.Err != nil:
		h.fail(w, r, http.StatusBadRequest, "unknown resource: notification not confirmed", err)
	case errors.As(err, &ce):
		h.fail(w, r, http.StatusBadRequest, "event type cannot be confirmed", err)
	case errors.Is(err, ErrEventInProgress):
		h.fail(w, r, http.StatusConflict, "this notification is being processed", err)
	case errors.As(err, &se):
		h.fail(w, r, http.StatusInternalServerError, "delivery store failed", err)
	case errors.As(err, &fe):
		h.fail(w, r, http.StatusInternalServerError, "could not confirm the notification", err)
	case errors.As(err, &fn):
		h.fail(w, r, http.StatusInternalServerError, "notification not processed", err)
	default:
		h.fail(w, r, http.StatusInternalServerError, "notification not processed", err)
	}
}

// call runs fn, turning a panic into an error (http.ErrAbortHandler is
// re-raised, as net/http expects).
func (h *WebhookHandler) call(ctx context.Context, ev Event) (err error) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			err = &fnError{fmt.Errorf("mangopay webhook: %s %s: handler panicked: %v", ev.Type, ev.ResourceID, p)}
		}
	}()
	if err := h.fn(ctx, ev); err != nil {
		return &fnError{fmt.Errorf("mangopay webhook: %s %s: %w", ev.Type, ev.ResourceID, err)}
	}
	return nil
}

// fail writes a fixed message with status and reports err to the hook.
func (h *WebhookHandler) fail(w http.ResponseWriter, r *http.Request, status int, msg string, err error) {
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
