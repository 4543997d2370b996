package mangopay

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Webhooks
//
// Mangopay notifies a platform of an event with an unsigned
//
//	GET <hook url>?EventType=USER_ACCOUNT_ACTIVATED&RessourceId=user_m_01J...&Date=1743627006
//
// ("RessourceId" is Mangopay's spelling), expects HTTP 200 within 2 seconds,
// and retries for 3 days (every 10 minutes for an hour, then every 8 hours)
// when it does not get one. Anyone who knows the URL can send such a request:
// the only authenticity check Mangopay allows is to GET the named resource
// (WithConfirmation does it).

// EventType is the kind of a Mangopay webhook notification (the EventType
// query parameter, and the EventType of a Hook). It is a string: types this
// package does not list still parse and decode.
type EventType string

// SCA-related event types (https://docs.mangopay.com/webhooks/event-types).
// The comment of each says which resource its RessourceId names.
const (
	// EventUserAccountValidationAsked (user): UserStatus became
	// PENDING_USER_ACTION after an SCA create, a categorize or a
	// re-enrollment. Not sent by POST Enroll.
	EventUserAccountValidationAsked EventType = "USER_ACCOUNT_VALIDATION_ASKED"
	// EventUserAccountActivated (user): PENDING_USER_ACTION became ACTIVE.
	EventUserAccountActivated EventType = "USER_ACCOUNT_ACTIVATED"
	// EventUserAccountClosed (user): UserStatus became CLOSED.
	EventUserAccountClosed EventType = "USER_ACCOUNT_CLOSED"

	// EventScaEnrollmentSucceeded (user): an SCA (re-)enrollment session,
	// prompted by any endpoint, succeeded.
	EventScaEnrollmentSucceeded EventType = "SCA_ENROLLMENT_SUCCEEDED"
	// EventScaEnrollmentFailed (user): an SCA (re-)enrollment session failed.
	EventScaEnrollmentFailed EventType = "SCA_ENROLLMENT_FAILED"
	// EventScaEnrollmentExpired (user): an SCA (re-)enrollment session expired.
	EventScaEnrollmentExpired EventType = "SCA_ENROLLMENT_EXPIRED"

	// EventUserCategoryUpdatedToOwner (user): the category changed to OWNER
	// (not sent at creation).
	EventUserCategoryUpdatedToOwner EventType = "USER_CATEGORY_UPDATED_TO_OWNER"
	// EventUserCategoryUpdatedToPayer (user): the category changed to PAYER
	// (set by Mangopay only).
	EventUserCategoryUpdatedToPayer EventType = "USER_CATEGORY_UPDATED_TO_PAYER"
	// EventUserCategoryUpdatedToPlatform (user): the category changed to
	// PLATFORM (set by Mangopay only).
	EventUserCategoryUpdatedToPlatform EventType = "USER_CATEGORY_UPDATED_TO_PLATFORM"

	// EventRecipientActive (recipient): the recipient became ACTIVE.
	EventRecipientActive EventType = "RECIPIENT_ACTIVE"
	// EventRecipientCanceled (recipient): the recipient became CANCELED.
	EventRecipientCanceled EventType = "RECIPIENT_CANCELED"
	// EventRecipientDeactivated (recipient): the recipient became DEACTIVATED.
	EventRecipientDeactivated EventType = "RECIPIENT_DEACTIVATED"

	// EventTransferNormalCreated (transfer): a transfer was created.
	EventTransferNormalCreated EventType = "TRANSFER_NORMAL_CREATED"
	// EventTransferNormalSucceeded (transfer): a transfer succeeded.
	EventTransferNormalSucceeded EventType = "TRANSFER_NORMAL_SUCCEEDED"
	// EventTransferNormalFailed (transfer): a transfer failed (for example
	// ResultCode 007101 or 007102 after a failed or expired SCA session).
	EventTransferNormalFailed EventType = "TRANSFER_NORMAL_FAILED"

	// EventScaContactInformationUpdateConsentGiven (user): the user consented,
	// with SCA, to the platform updating their contact information as proxy.
	EventScaContactInformationUpdateConsentGiven EventType = "SCA_CONTACT_INFORMATION_UPDATE_CONSENT_GIVEN"
	// EventScaContactInformationUpdateConsentRevoked (user): that consent was revoked.
	EventScaContactInformationUpdateConsentRevoked EventType = "SCA_CONTACT_INFORMATION_UPDATE_CONSENT_REVOKED"
	// EventScaTransferConsentGiven (user): the user consented to proxy transfers.
	EventScaTransferConsentGiven EventType = "SCA_TRANSFER_CONSENT_GIVEN"
	// EventScaTransferConsentRevoked (user): that consent was revoked.
	EventScaTransferConsentRevoked EventType = "SCA_TRANSFER_CONSENT_REVOKED"
	// EventScaRecipientRegistrationConsentGiven (user): the user consented to
	// proxy recipient registration.
	EventScaRecipientRegistrationConsentGiven EventType = "SCA_RECIPIENT_REGISTRATION_CONSENT_GIVEN"
	// EventScaRecipientRegistrationConsentRevoked (user): that consent was revoked.
	EventScaRecipientRegistrationConsentRevoked EventType = "SCA_RECIPIENT_REGISTRATION_CONSENT_REVOKED"
	// EventScaViewAccountInformationConsentGiven (user): the user consented to
	// proxy reads of wallets and transactions.
	EventScaViewAccountInformationConsentGiven EventType = "SCA_VIEW_ACCOUNT_INFORMATION_CONSENT_GIVEN"
	// EventScaViewAccountInformationConsentRevoked (user): that consent was revoked.
	EventScaViewAccountInformationConsentRevoked EventType = "SCA_VIEW_ACCOUNT_INFORMATION_CONSENT_REVOKED"

	// EventScaEmailVerified (user): the user's email SCA factor was enrolled
	// or changed.
	EventScaEmailVerified EventType = "SCA_EMAIL_VERIFIED"
	// EventScaPhoneNumberVerified (user): the user's phone SCA factor was
	// enrolled or changed.
	EventScaPhoneNumberVerified EventType = "SCA_PHONE_NUMBER_VERIFIED"
)

// ResourceKind is the kind of resource an event's RessourceId names.
type ResourceKind string

// ResourceKind values.
const (
	// ResourceKindUser: a user id (GET /sca/users/{UserId}).
	ResourceKindUser ResourceKind = "user"
	// ResourceKindTransfer: a transfer id (GET /transfers/{TransferId}).
	ResourceKindTransfer ResourceKind = "transfer"
	// ResourceKindRecipient: a recipient id (GET /recipients/{RecipientId}).
	ResourceKindRecipient ResourceKind = "recipient"
	// ResourceKindUnknown: an event type this package does not know.
	ResourceKindUnknown ResourceKind = "unknown"
)

// eventKinds maps every known event type to its resource kind. The consent
// and verification events (released 2026-01-08) are documented without the
// kind of their RessourceId; they concern a user, so they are taken to name
// the user.
var eventKinds = map[EventType]ResourceKind{
	EventUserAccountValidationAsked:                ResourceKindUser,
	EventUserAccountActivated:                      ResourceKindUser,
	EventUserAccountClosed:                         ResourceKindUser,
	EventScaEnrollmentSucceeded:                    ResourceKindUser,
	EventScaEnrollmentFailed:                       ResourceKindUser,
	EventScaEnrollmentExpired:                      ResourceKindUser,
	EventUserCategoryUpdatedToOwner:                ResourceKindUser,
	EventUserCategoryUpdatedToPayer:                ResourceKindUser,
	EventUserCategoryUpdatedToPlatform:             ResourceKindUser,
	EventRecipientActive:                           ResourceKindRecipient,
	EventRecipientCanceled:                         ResourceKindRecipient,
	EventRecipientDeactivated:                      ResourceKindRecipient,
	EventTransferNormalCreated:                     ResourceKindTransfer,
	EventTransferNormalSucceeded:                   ResourceKindTransfer,
	EventTransferNormalFailed:                      ResourceKindTransfer,
	EventScaContactInformationUpdateConsentGiven:   ResourceKindUser,
	EventScaContactInformationUpdateConsentRevoked: ResourceKindUser,
	EventScaTransferConsentGiven:                   ResourceKindUser,
	EventScaTransferConsentRevoked:                 ResourceKindUser,
	EventScaRecipientRegistrationConsentGiven:      ResourceKindUser,
	EventScaRecipientRegistrationConsentRevoked:    ResourceKindUser,
	EventScaViewAccountInformationConsentGiven:     ResourceKindUser,
	EventScaViewAccountInformationConsentRevoked:   ResourceKindUser,
	EventScaEmailVerified:                          ResourceKindUser,
	EventScaPhoneNumberVerified:                    ResourceKindUser,
}

// ResourceKind returns the kind of resource that events of type t name, or
// ResourceKindUnknown for a type this package does not list. Unknown types
// are not guessed from their prefix: TRANSFER_REFUND_SUCCEEDED, for one,
// names a refund, not a transfer.
func (t EventType) ResourceKind() ResourceKind {
	if k, ok := eventKinds[t]; ok {
		return k
	}
	return ResourceKindUnknown
}

// Known reports whether t is one of the SCA-related event types this
// package lists.
func (t EventType) Known() bool {
	_, ok := eventKinds[t]
	return ok
}

// ScaEventTypes returns every SCA-related event type this package knows, in
// alphabetical order: handy to register one hook per type with
// HooksService.Create.
func ScaEventTypes() []EventType {
	out := make([]EventType, 0, len(eventKinds))
	for t := range eventKinds {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Event is one Mangopay webhook notification.
type Event struct {
	// Type is the EventType parameter.
	Type EventType
	// ResourceID is the RessourceId parameter: the id of the user, transfer
	// or recipient the event is about (see EventType.ResourceKind).
	ResourceID string
	// Date is when the event happened (the Date parameter, Unix seconds), in UTC.
	Date time.Time
	// Resource is set by the handler's confirmation (WithConfirmation) to the
	// resource fetched from Mangopay: a *User, *Transfer or *Recipient. It is
	// nil when the event was not confirmed.
	Resource any
}

// DeliveryKey identifies a notification for de-duplication:
// "EVENT_TYPE|ResourceId|unix-seconds". The event type cannot contain '|' and
// the date is last, so the key is unambiguous whatever the id holds.
func (e Event) DeliveryKey() string {
	return string(e.Type) + "|" + e.ResourceID + "|" + strconv.FormatInt(e.Date.Unix(), 10)
}

// Limits applied to notifications.
const (
	// MaxEventQueryLength caps the raw query string of a notification (and the
	// encoded size of the values given to ParseEventQuery). A genuine
	// notification is about 120 bytes.
	MaxEventQueryLength = 2 << 10
	// maxEventTypeLength caps an EventType value (the longest known is 46).
	maxEventTypeLength = 100
	// EventFutureTolerance is how far in the future a notification's Date may
	// be (clock skew between Mangopay and the platform).
	EventFutureTolerance = 24 * time.Hour
)

// eventMinDate is the earliest Date accepted: 2000-01-01T00:00:00Z.
var eventMinDate = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// ErrInvalidEvent matches every error of ParseEvent and ParseEventQuery (with
// errors.Is); errors.As with *EventError tells which parameter was wrong.
var ErrInvalidEvent = errors.New("mangopay: invalid webhook notification")

// EventError describes a malformed notification.
type EventError struct {
	// Param is the query parameter at fault ("EventType", "RessourceId",
	// "ResourceId" or "Date"), or "query" for the query string as a whole.
	Param string
	// Problem says what is wrong, without repeating the offending value.
	Problem string
	// Value is the offending value, shortened to 40 bytes (empty when the
	// parameter is missing). Treat it as untrusted input.
	Value string
	err   error
}

// Error returns one line; the offending value is quoted and shortened.
func (e *EventError) Error() string {
	var b strings.Builder
	b.WriteString("mangopay: invalid webhook notification: ")
	b.WriteString(e.Param)
	if e.Value != "" {
		fmt.Fprintf(&b, " %q", e.Value)
	}
	b.WriteByte(' ')
	b.WriteString(e.Problem)
	if e.err != nil {
		b.WriteString(": ")
		b.WriteString(e.err.Error())
	}
	return oneLine(b.String())
}

// Unwrap lets errors.Is match ErrInvalidEvent, and ErrInvalidID for a bad id.
func (e *EventError) Unwrap() []error {
	if e.err != nil {
		return []error{ErrInvalidEvent, e.err}
	}
	return []error{ErrInvalidEvent}
}

func eventErr(param, value, problem string) *EventError {
	return &EventError{Param: param, Problem: problem, Value: truncate(value, 40)}
}

// ParseEvent reads a Mangopay webhook notification from r's query string:
// EventType, RessourceId (Mangopay's spelling; ResourceId is accepted too)
// and Date. It does not look at the method (NewWebhookHandler does) and it
// does not prove the notification came from Mangopay: nothing can, except
// fetching the resource (see WithConfirmation).
//
// It returns an error matching ErrInvalidEvent (and an *EventError) when:
//   - the raw query is longer than MaxEventQueryLength or does not parse;
//   - a parameter is missing, empty, or given more than once (also when
//     RessourceId and ResourceId are both present with different values);
//   - EventType is not made of A-Z, 0-9 and '_' (at most 100 characters);
//     an unknown but well-formed type is accepted;
//   - the id fails the SDK's id check (also matches ErrInvalidID): empty,
//     over 128 bytes, a dot segment, or holding '/', '\', '?', '#',
//     whitespace or control characters;
//   - Date is not Unix seconds (decimal digits, optionally followed by a
//     fraction), is before 2000-01-01 UTC, or is more than
//     EventFutureTolerance (one day) after the local clock. Old dates are
//     accepted: Mangopay retries a notification for 3 days.
//
// Parameter names are matched case-insensitively; other parameters (a token
// the platform put in its hook URL, say) are ignored.
func ParseEvent(r *http.Request) (Event, error) {
	if r == nil || r.URL == nil {
		return Event{}, eventErr("query", "", "is missing: nil request")
	}
	return parseRawEventQuery(r.URL.RawQuery, time.Now())
}

// ParseEventQuery is ParseEvent for query values already parsed, for
// example by a web framework. The size cap applies to the encoded size of q.
func ParseEventQuery(q url.Values) (Event, error) {
	return parseEventValues(q, time.Now())
}

func parseRawEventQuery(raw string, now time.Time) (Event, error) {
	if len(raw) > MaxEventQueryLength {
		return Event{}, eventErr("query", "", fmt.Sprintf("is longer than %d bytes", MaxEventQueryLength))
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return Event{}, eventErr("query", "", "does not parse (bad percent-encoding or a ';')")
	}
	return parseEventValues(q, now)
}

func parseEventValues(q url.Values, now time.Time) (Event, error) {
	size := 0
	var typ, ress, res, date []string
	for k, vs := range q {
		for _, v := range vs {
			size += len(k) + len(v) + 2
		}
		switch strings.ToLower(k) {
		case "eventtype":
			typ = append(typ, vs...)
		case "ressourceid":
			ress = append(ress, vs...)
		case "resourceid":
			res = append(res, vs...)
		case "date":
			date = append(date, vs...)
		}
	}
	if size-1 > MaxEventQueryLength { // pairs cost len(k)+len(v)+2, minus one '&'
		return Event{}, eventErr("query", "", fmt.Sprintf("is longer than %d bytes", MaxEventQueryLength))
	}

	var ev Event
	t, err := single("EventType", typ)
	if err != nil {
		return Event{}, err
	}
	if problem := eventTypeProblem(t); problem != "" {
		return Event{}, eventErr("EventType", t, problem)
	}
	ev.Type = EventType(t)

	switch {
	case ress != nil && res != nil:
		a, err := single("RessourceId", ress)
		if err != nil {
			return Event{}, err
		}
		b, err := single("ResourceId", res)
		if err != nil {
			return Event{}, err
		}
		if a != b {
			return Event{}, eventErr("RessourceId", a, "disagrees with ResourceId")
		}
		ev.ResourceID = a
	case res != nil:
		if ev.ResourceID, err = single("ResourceId", res); err != nil {
			return Event{}, err
		}
	default:
		if ev.ResourceID, err = single("RessourceId", ress); err != nil {
			return Event{}, err
		}
	}
	if err := validateID("RessourceId", ev.ResourceID); err != nil {
		e := eventErr("RessourceId", ev.ResourceID, "is not a valid Mangopay id")
		e.err = err
		return Event{}, e
	}

	d, err := single("Date", date)
	if err != nil {
		return Event{}, err
	}
	if ev.Date, err = parseEventDate(d, now); err != nil {
		return Event{}, err
	}
	return ev, nil
}

// eventTypeProblem says what is wrong with a non-empty event type, or "".
func eventTypeProblem(t string) string {
	if len(t) > maxEventTypeLength {
		return fmt.Sprintf("is longer than %d characters", maxEventTypeLength)
	}
	for i := 0; i < len(t); i++ {
		if c := t[i]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return "holds characters other than A-Z, 0-9 and '_'"
		}
	}
	return ""
}

// single returns the one non-empty value of a parameter.
func single(name string, vals []string) (string, error) {
	switch {
	case len(vals) == 0:
		return "", eventErr(name, "", "is missing")
	case len(vals) > 1:
		return "", eventErr(name, "", fmt.Sprintf("is given %d times", len(vals)))
	case vals[0] == "":
		return "", eventErr(name, "", "is empty")
	}
	return vals[0], nil
}

// parseEventDate reads Unix seconds ("1743627006", or "1743627006.0").
func parseEventDate(s string, now time.Time) (time.Time, error) {
	intPart, frac, hasFrac := strings.Cut(s, ".")
	if !allDigits(intPart) || hasFrac && !allDigits(frac) {
		return time.Time{}, eventErr("Date", s, "is not Unix seconds")
	}
	if len(intPart) > 12 {
		return time.Time{}, eventErr("Date", s, "is out of range")
	}
	sec, err := strconv.ParseInt(intPart, 10, 64)
	if err != nil {
		return time.Time{}, eventErr("Date", s, "is not Unix seconds")
	}
	t := time.Unix(sec, 0).UTC()
	if t.Before(eventMinDate) {
		return time.Time{}, eventErr("Date", s, "is before 2000-01-01")
	}
	if t.After(now.Add(EventFutureTolerance)) {
		return time.Time{}, eventErr("Date", s, "is more than a day in the future")
	}
	return t, nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// eventValues encodes ev the way Mangopay does (RessourceId spelling). A
// zero Date is sent as the current time.
func eventValues(ev Event) url.Values {
	d := ev.Date
	if d.IsZero() {
		d = time.Now()
	}
	return url.Values{
		"EventType":   {string(ev.Type)},
		"RessourceId": {ev.ResourceID},
		"Date":        {strconv.FormatInt(d.Unix(), 10)},
	}
}

// WebhookTestURL returns target with ev's notification parameters added the
// way Mangopay sends them (EventType, RessourceId — Mangopay's spelling —
// and Date in Unix seconds; a zero Date becomes the current time). Use it in
// your own tests, for example with an httptest.Server:
//
//	u, err := mangopay.WebhookTestURL(srv.URL+"/mangopay/hooks", mangopay.Event{
//		Type: mangopay.EventUserAccountActivated, ResourceID: "user_m_01J...",
//	})
//	resp, err := http.Get(u)
//
// The values are sent as given, so an empty or odd value can be used to test
// rejections. Parameters already in target are kept.
func WebhookTestURL(target string, ev Event) (string, error) {
	u, err := url.Parse(target)
	if err != nil {
		return "", fmt.Errorf("mangopay: WebhookTestURL: target: %w", err)
	}
	q := u.Query()
	for k, v := range eventValues(ev) {
		q[k] = v
	}
	// Mangopay's parameter order, then whatever target already held.
	var b strings.Builder
	b.WriteString("EventType=" + url.QueryEscape(q.Get("EventType")))
	b.WriteString("&RessourceId=" + url.QueryEscape(q.Get("RessourceId")))
	b.WriteString("&Date=" + url.QueryEscape(q.Get("Date")))
	delete(q, "EventType")
	delete(q, "RessourceId")
	delete(q, "Date")
	if rest := q.Encode(); rest != "" {
		b.WriteString("&" + rest)
	}
	u.RawQuery = b.String()
	return u.String(), nil
}

// NewTestEventRequest returns an incoming GET request for target (a path
// such as "/mangopay/hooks" or an absolute URL) carrying ev as Mangopay would
// send it (see WebhookTestURL), ready for handler.ServeHTTP with an
// httptest.ResponseRecorder in your own tests.
func NewTestEventRequest(target string, ev Event) (*http.Request, error) {
	s, err := WebhookTestURL(target, ev)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("mangopay: NewTestEventRequest: %w", err)
	}
	host := u.Host
	if host == "" {
		host = "example.com"
	}
	r := &http.Request{
		Method:     http.MethodGet,
		URL:        u,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     http.Header{"User-Agent": {"mangopay-go-test"}},
		Body:       http.NoBody,
		Host:       host,
		RemoteAddr: "192.0.2.1:1234",
		RequestURI: u.RequestURI(),
	}
	return r, nil
}

// ---- de-duplication ----

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

// ---- hooks ----

// HookStatus says whether a hook is delivering notifications.
type HookStatus string

// HookStatus values.
const (
	HookStatusEnabled  HookStatus = "ENABLED"
	HookStatusDisabled HookStatus = "DISABLED"
)

// HookValidity says whether Mangopay still considers a hook's URL working.
// After 100 consecutive failed deliveries a hook becomes INVALID and stops;
// revive it with HooksService.Update and UpdateHookRequest.Validity VALID.
type HookValidity string

// HookValidity values.
const (
	HookValidityValid   HookValidity = "VALID"
	HookValidityInvalid HookValidity = "INVALID"
)

// Hook is a webhook subscription: Mangopay notifies URL of every event of
// EventType. There is at most one hook per EventType.
type Hook struct {
	// ID is the hook's id, e.g. "hook_m_..." ("Id" on the wire).
	ID string `json:"Id"`
	// URL receives the notifications (GET with EventType, RessourceId, Date).
	URL string `json:"Url"`
	// Status is ENABLED or DISABLED.
	Status HookStatus `json:"Status"`
	// Validity is VALID, or INVALID after 100 consecutive failed deliveries.
	Validity HookValidity `json:"Validity"`
	// EventType is the one event type this hook is for.
	EventType EventType `json:"EventType"`
	// Tag is free text of the platform's.
	Tag string `json:"Tag,omitempty"`
	// CreationDate is when the hook was created.
	CreationDate Time `json:"CreationDate"`
	// Email receives Mangopay's alerts about failed deliveries of this hook
	// (added in 2026; empty when not set).
	Email string `json:"Email,omitempty"`
}

// CreateHookRequest is the body of POST /hooks.
type CreateHookRequest struct {
	// EventType is required; Mangopay allows one hook per event type.
	EventType EventType `json:"EventType"`
	// URL is required: an absolute URL (Mangopay delivers to HTTPS endpoints
	// with a TLS 1.2 certificate; self-signed ones may be rejected).
	URL string `json:"Url"`
	// Tag is optional free text.
	Tag string `json:"Tag,omitempty"`
}

// UpdateHookRequest is the body of PUT /hooks/{HookId}. Only the fields set
// are sent.
type UpdateHookRequest struct {
	// URL, when not empty, replaces the hook's URL.
	URL string `json:"Url,omitempty"`
	// Status, when not empty, enables or disables the hook.
	Status HookStatus `json:"Status,omitempty"`
	// Validity, when not empty, must be HookValidityValid: it revives a hook
	// Mangopay invalidated after 100 failed deliveries.
	Validity HookValidity `json:"Validity,omitempty"`
	// Tag, when not nil, replaces the tag (Ptr("") sends an empty one).
	Tag *string `json:"Tag,omitempty"`
}

// ErrHookAlreadyRegistered is returned (wrapping the *APIError, so
// errors.As still works) by HooksService.Create when Mangopay refuses a
// second hook for the same EventType (400 param_error, errors.EventType "A
// hook has already been registered for this EventType"). Update the existing
// hook instead (find it with List or All).
var ErrHookAlreadyRegistered = errors.New("mangopay: a hook is already registered for this event type")

// Create registers a hook: POST /hooks. Mangopay allows one hook per
// EventType; a second one fails with an error matching
// ErrHookAlreadyRegistered. No SCA is involved.
func (s *HooksService) Create(ctx context.Context, in *CreateHookRequest, opts ...RequestOption) (*Hook, error) {
	if in == nil {
		return nil, errors.New("mangopay: Hooks.Create: nil request")
	}
	if err := validateHookEventType(in.EventType); err != nil {
		return nil, fmt.Errorf("mangopay: Hooks.Create: %w", err)
	}
	if err := validateHookURL(in.URL); err != nil {
		return nil, fmt.Errorf("mangopay: Hooks.Create: %w", err)
	}
	var out Hook
	if err := s.client.post(ctx, "/hooks", in, &out, opts); err != nil {
		if hookAlreadyRegistered(err) {
			return nil, fmt.Errorf("%w: %w", ErrHookAlreadyRegistered, err)
		}
		return nil, err
	}
	return &out, nil
}

// Get returns a hook: GET /hooks/{HookId}. No SCA is involved.
func (s *HooksService) Get(ctx context.Context, id string, opts ...RequestOption) (*Hook, error) {
	path, err := pathf("/hooks/%s", id)
	if err != nil {
		return nil, err
	}
	var out Hook
	if err := s.client.get(ctx, path, nil, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// Update changes a hook's URL, status, validity or tag: PUT /hooks/{HookId}.
// Only the fields set in in are sent; at least one must be. To revive a hook
// Mangopay invalidated, send Validity: HookValidityValid. No SCA is involved.
func (s *HooksService) Update(ctx context.Context, id string, in *UpdateHookRequest, opts ...RequestOption) (*Hook, error) {
	path, err := pathf("/hooks/%s", id)
	if err != nil {
		return nil, err
	}
	if in == nil {
		return nil, errors.New("mangopay: Hooks.Update: nil request")
	}
	if in.URL == "" && in.Status == "" && in.Validity == "" && in.Tag == nil {
		return nil, errors.New("mangopay: Hooks.Update: nothing to update: set URL, Status, Validity or Tag")
	}
	if in.URL != "" {
		if err := validateHookURL(in.URL); err != nil {
			return nil, fmt.Errorf("mangopay: Hooks.Update: %w", err)
		}
	}
	switch in.Status {
	case "", HookStatusEnabled, HookStatusDisabled:
	default:
		return nil, fmt.Errorf("mangopay: Hooks.Update: Status %q: want %q or %q", truncate(string(in.Status), 40), HookStatusEnabled, HookStatusDisabled)
	}
	if in.Validity != "" && in.Validity != HookValidityValid {
		return nil, fmt.Errorf("mangopay: Hooks.Update: Validity %q: only %q can be set", truncate(string(in.Validity), 40), HookValidityValid)
	}
	var out Hook
	if err := s.client.put(ctx, path, in, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// List returns one page of the platform's hooks: GET /hooks. No SCA is
// involved.
func (s *HooksService) List(ctx context.Context, lo *ListOptions, opts ...RequestOption) (*Page[Hook], error) {
	return listPage[Hook](ctx, s.client, "/hooks", lo, lo, opts)
}

// All iterates over every hook (GET /hooks, page after page), fetching pages
// lazily; see List.
func (s *HooksService) All(ctx context.Context, lo *ListOptions) iter.Seq2[*Hook, error] {
	return iterate(ctx, lo, func(ctx context.Context, lo *ListOptions) (*Page[Hook], error) {
		return s.List(ctx, lo)
	})
}

func validateHookEventType(t EventType) error {
	if t == "" {
		return errors.New("EventType is required")
	}
	if problem := eventTypeProblem(string(t)); problem != "" {
		return fmt.Errorf("EventType %q %s", truncate(string(t), 40), problem)
	}
	return nil
}

func validateHookURL(u string) error {
	if u == "" {
		return errors.New("URL is required")
	}
	p, err := parseAbsoluteHTTP(u)
	if err != nil {
		return fmt.Errorf("URL: %w", err)
	}
	if p.Fragment != "" {
		return fmt.Errorf("URL %q must not have a fragment", truncate(u, 60))
	}
	return nil
}

// hookAlreadyRegistered recognises Mangopay's "one hook per EventType" refusal.
func hookAlreadyRegistered(err error) bool {
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest {
		return false
	}
	msg, ok := apiErr.FieldError("EventType")
	if !ok {
		return false
	}
	msg = strings.ToLower(msg)
	return strings.Contains(msg, "already") && strings.Contains(msg, "registered")
}
