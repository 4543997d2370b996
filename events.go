package mangopay

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
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
	// ResourceKindPayIn: a pay-in id (GET /payins/{PayInId}).
	ResourceKindPayIn ResourceKind = "payin"
	// ResourceKindPayout: a payout id (GET /payouts/bankwire/{PayoutId}).
	ResourceKindPayout ResourceKind = "payout"
	// ResourceKindRefund: a refund id (GET /refunds/{RefundId}).
	ResourceKindRefund ResourceKind = "refund"
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
// names a refund, not a transfer (ResourceKindRefund).
func (t EventType) ResourceKind() ResourceKind {
	if k, ok := eventKinds[t]; ok {
		return k
	}
	if k, ok := moneyOutEventKinds[t]; ok {
		return k
	}
	if k, ok := idvEventKinds[t]; ok { // idv.go
		return k
	}
	return ResourceKindUnknown
}

// Known reports whether t is one of the event types this package lists
// (the SCA-related ones, and the payout and refund ones).
func (t EventType) Known() bool {
	return t.ResourceKind() != ResourceKindUnknown
}

// ScaEventTypes returns every SCA-related event type this package knows, in
// alphabetical order: handy to register one hook per type with
// HooksService.Create.
func ScaEventTypes() []EventType {
	out := make([]EventType, 0, len(eventKinds))
	for t, k := range eventKinds {
		if k == ResourceKindPayIn {
			continue // money movements, not SCA (PayInEventTypes)
		}
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// stateClaim is the state an event type says its resource is in: Field of
// the fetched resource (see observedState) equals Value.
type stateClaim struct {
	Field string // "Status", "UserStatus" or "UserCategory"
	Value string
	// Initial, when set, is the InitialTransactionType the fetched refund
	// must have: a TRANSFER_REFUND_SUCCEEDED naming a pay-in's refund (both
	// are refunds, both SUCCEEDED) is not confirmed.
	Initial TransactionType
}

// eventClaims maps the event types that announce a transition to the state
// their resource must be in once the transition happened. The handler's
// confirmation checks it (a TRANSFER_NORMAL_SUCCEEDED whose transfer is not
// SUCCEEDED is not confirmed), and only a delivery whose claim was confirmed
// is recorded as processed (see WithDeduplication). Event types absent from
// the table claim no checkable state: USER_ACCOUNT_VALIDATION_ASKED,
// TRANSFER_NORMAL_CREATED, PAYIN_NORMAL_CREATED and
// PAYIN_NORMAL_PROCESSING_STATUS_PENDING_SUCCEEDED (their resource may have
// moved on by the time the notification arrives), the enrollment and
// consent events (the SCA user resource does not show them), and the
// *_CREATED events of payouts and refunds. A new resource kind needs its
// resource in observedState.
var eventClaims = map[EventType]stateClaim{
	EventUserAccountActivated:          {Field: "UserStatus", Value: string(UserStatusActive)},
	EventUserAccountClosed:             {Field: "UserStatus", Value: string(UserStatusClosed)},
	EventUserCategoryUpdatedToOwner:    {Field: "UserCategory", Value: string(UserCategoryOwner)},
	EventUserCategoryUpdatedToPayer:    {Field: "UserCategory", Value: string(UserCategoryPayer)},
	EventUserCategoryUpdatedToPlatform: {Field: "UserCategory", Value: string(UserCategoryPlatform)},
	EventRecipientActive:               {Field: "Status", Value: string(RecipientStatusActive)},
	EventRecipientCanceled:             {Field: "Status", Value: string(RecipientStatusCanceled)},
	EventRecipientDeactivated:          {Field: "Status", Value: string(RecipientStatusDeactivated)},
	EventTransferNormalSucceeded:       {Field: "Status", Value: string(TransferStatusSucceeded)},
	EventTransferNormalFailed:          {Field: "Status", Value: string(TransferStatusFailed)},
	EventPayInNormalSucceeded:          {Field: "Status", Value: string(PayInStatusSucceeded)},
	EventPayInNormalFailed:             {Field: "Status", Value: string(PayInStatusFailed)},
	EventPayoutNormalSucceeded:         {Field: "Status", Value: string(PayoutStatusSucceeded)},
	EventPayoutNormalFailed:            {Field: "Status", Value: string(PayoutStatusFailed)},
	EventInstantPayoutSucceeded:        {Field: "Status", Value: string(PayoutStatusSucceeded)},
	EventPayoutRefundSucceeded:         {Field: "Status", Value: string(RefundStatusSucceeded), Initial: TransactionTypePayout},
	EventPayoutRefundFailed:            {Field: "Status", Value: string(RefundStatusFailed), Initial: TransactionTypePayout},
	EventTransferRefundSucceeded:       {Field: "Status", Value: string(RefundStatusSucceeded), Initial: TransactionTypeTransfer},
	EventTransferRefundFailed:          {Field: "Status", Value: string(RefundStatusFailed), Initial: TransactionTypeTransfer},
	EventPayInRefundSucceeded:          {Field: "Status", Value: string(RefundStatusSucceeded), Initial: TransactionTypePayin},
	EventPayInRefundFailed:             {Field: "Status", Value: string(RefundStatusFailed), Initial: TransactionTypePayin},
	EventIdentityVerificationValidated: {Field: "Status", Value: string(IdentityVerificationValidated)},
	EventIdentityVerificationOutdated:  {Field: "Status", Value: string(IdentityVerificationOutdated)},
	EventUserKYCRegular:                {Field: "KYCLevel", Value: string(KYCLevelRegular)},
	EventUserKYCLight:                  {Field: "KYCLevel", Value: string(KYCLevelLight)},
}

// observedState reads field of a fetched resource; ok is false when the
// resource has no such field (or is of a type this package does not know).
func observedState(res any, field string) (state string, ok bool) {
	switch r := res.(type) {
	case *User:
		switch field {
		case "UserStatus":
			return string(r.UserStatus), true
		case "UserCategory":
			return string(r.UserCategory), true
		case "KYCLevel":
			return string(r.KYCLevel), true
		}
	case *Transfer:
		if field == "Status" {
			return string(r.Status), true
		}
	case *Recipient:
		if field == "Status" {
			return string(r.Status), true
		}
	case *PayIn:
		if field == "Status" {
			return string(r.Status), true
		}
	case *Payout:
		if field == "Status" {
			return string(r.Status), true
		}
	case *Refund:
		switch field {
		case "Status":
			return string(r.Status), true
		case "InitialTransactionType":
			return string(r.InitialTransactionType), true
		}
	case *IdentityVerification:
		if field == "Status" {
			return string(r.Status), true
		}
	}
	return "", false
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
	t, err := parseUnixSeconds(intPart) // the fraction is dropped: Mangopay sends whole seconds
	if err != nil {
		return time.Time{}, eventErr("Date", s, err.Error())
	}
	if t.Before(eventMinDate) {
		return time.Time{}, eventErr("Date", s, "is before 2000-01-01")
	}
	if t.After(now.Add(EventFutureTolerance)) {
		return time.Time{}, eventErr("Date", s, "is more than a day in the future")
	}
	return t, nil
}

// checkEvent applies the parser's checks to an Event built by the caller
// (Process): a well-formed type, a valid id and a Date in range.
func checkEvent(ev Event, now time.Time) error {
	if ev.Type == "" {
		return eventErr("EventType", "", "is missing")
	}
	if problem := eventTypeProblem(string(ev.Type)); problem != "" {
		return eventErr("EventType", string(ev.Type), problem)
	}
	if ev.ResourceID == "" {
		return eventErr("RessourceId", "", "is missing")
	}
	if err := validateID("RessourceId", ev.ResourceID); err != nil {
		e := eventErr("RessourceId", ev.ResourceID, "is not a valid Mangopay id")
		e.err = err
		return e
	}
	switch {
	case ev.Date.IsZero():
		return eventErr("Date", "", "is missing")
	case ev.Date.Before(eventMinDate):
		return eventErr("Date", "", "is before 2000-01-01")
	case ev.Date.After(now.Add(EventFutureTolerance)):
		return eventErr("Date", "", "is more than a day in the future")
	}
	return nil
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

// Pay-in event types (https://docs.mangopay.com/webhooks/event-types): their
// RessourceId is the pay-in's id (ResourceKindPayIn, PayInsService.Get).
// PAYIN_REFUND_* events name a refund, PAYIN_REPUDIATION_* a repudiation:
// they are not pay-in events.
const (
	// EventPayInNormalCreated (pay-in): a pay-in was created, not yet processed.
	EventPayInNormalCreated EventType = "PAYIN_NORMAL_CREATED"
	// EventPayInNormalSucceeded (pay-in): the pay-in succeeded: the credited
	// wallet received its CreditedFunds.
	EventPayInNormalSucceeded EventType = "PAYIN_NORMAL_SUCCEEDED"
	// EventPayInNormalFailed (pay-in): the pay-in failed (see its ResultCode,
	// e.g. 101301 after a failed 3DS2 challenge, 101109 after an expired
	// hosted payment page).
	EventPayInNormalFailed EventType = "PAYIN_NORMAL_FAILED"
	// EventPayInNormalProcessingStatusPendingSucceeded (pay-in): a pay by
	// bank pay-in was initiated by the user; the funds have not arrived and
	// the pay-in is still CREATED.
	EventPayInNormalProcessingStatusPendingSucceeded EventType = "PAYIN_NORMAL_PROCESSING_STATUS_PENDING_SUCCEEDED"
)

// PayInEventTypes returns the pay-in event types (ResourceKindPayIn), in
// alphabetical order.
func PayInEventTypes() []EventType {
	return []EventType{EventPayInNormalCreated, EventPayInNormalFailed, EventPayInNormalProcessingStatusPendingSucceeded, EventPayInNormalSucceeded}
}

func init() {
	for _, t := range []EventType{EventPayInNormalCreated, EventPayInNormalSucceeded, EventPayInNormalFailed,
		EventPayInNormalProcessingStatusPendingSucceeded} {
		eventKinds[t] = ResourceKindPayIn
	}
}

// Payout and refund event types (https://docs.mangopay.com/webhooks/event-types;
// the instant payout ones since the official SDKs of November 2021; the
// payout refund ones in guides/payouts/rejects-returns). Each names the
// resource its comment says; WithConfirmation fetches it with
// PayoutsService.Get or RefundsService.Get.
const (
	// EventPayoutNormalCreated (payout): a payout was created.
	EventPayoutNormalCreated EventType = "PAYOUT_NORMAL_CREATED"
	// EventPayoutNormalSucceeded (payout): a payout succeeded.
	EventPayoutNormalSucceeded EventType = "PAYOUT_NORMAL_SUCCEEDED"
	// EventPayoutNormalFailed (payout): a payout failed; see its ResultCode.
	EventPayoutNormalFailed EventType = "PAYOUT_NORMAL_FAILED"
	// EventInstantPayoutSucceeded (payout): an instant payout was sent as
	// SCT Inst.
	EventInstantPayoutSucceeded EventType = "INSTANT_PAYOUT_SUCCEEDED"
	// EventInstantPayoutFallbacked (payout): an INSTANT_PAYMENT payout fell
	// back to STANDARD (see Payout.FallbackReason).
	EventInstantPayoutFallbacked EventType = "INSTANT_PAYOUT_FALLBACKED"

	// EventPayoutRefundCreated (refund): Mangopay created a refund of a
	// payout the bank returned.
	EventPayoutRefundCreated EventType = "PAYOUT_REFUND_CREATED"
	// EventPayoutRefundSucceeded (refund): the returned payout's money is
	// back in the wallet.
	EventPayoutRefundSucceeded EventType = "PAYOUT_REFUND_SUCCEEDED"
	// EventPayoutRefundFailed (refund): the payout refund failed.
	EventPayoutRefundFailed EventType = "PAYOUT_REFUND_FAILED"

	// EventTransferRefundCreated (refund): a transfer refund was created.
	EventTransferRefundCreated EventType = "TRANSFER_REFUND_CREATED"
	// EventTransferRefundSucceeded (refund): a transfer refund succeeded.
	EventTransferRefundSucceeded EventType = "TRANSFER_REFUND_SUCCEEDED"
	// EventTransferRefundFailed (refund): a transfer refund failed.
	EventTransferRefundFailed EventType = "TRANSFER_REFUND_FAILED"

	// EventPayInRefundCreated (refund): a pay-in refund was created.
	EventPayInRefundCreated EventType = "PAYIN_REFUND_CREATED"
	// EventPayInRefundSucceeded (refund): a pay-in refund succeeded.
	EventPayInRefundSucceeded EventType = "PAYIN_REFUND_SUCCEEDED"
	// EventPayInRefundFailed (refund): a pay-in refund failed.
	EventPayInRefundFailed EventType = "PAYIN_REFUND_FAILED"
)

// moneyOutEventKinds maps the payout and refund event types to their
// resource kinds.
var moneyOutEventKinds = map[EventType]ResourceKind{
	EventPayoutNormalCreated:     ResourceKindPayout,
	EventPayoutNormalSucceeded:   ResourceKindPayout,
	EventPayoutNormalFailed:      ResourceKindPayout,
	EventInstantPayoutSucceeded:  ResourceKindPayout,
	EventInstantPayoutFallbacked: ResourceKindPayout,
	EventPayoutRefundCreated:     ResourceKindRefund,
	EventPayoutRefundSucceeded:   ResourceKindRefund,
	EventPayoutRefundFailed:      ResourceKindRefund,
	EventTransferRefundCreated:   ResourceKindRefund,
	EventTransferRefundSucceeded: ResourceKindRefund,
	EventTransferRefundFailed:    ResourceKindRefund,
	EventPayInRefundCreated:      ResourceKindRefund,
	EventPayInRefundSucceeded:    ResourceKindRefund,
	EventPayInRefundFailed:       ResourceKindRefund,
}

// PayoutRefundEventTypes returns the payout and refund event types this
// package knows, in alphabetical order: register a hook for each (with
// HooksService.Create) to follow payouts and refunds, and pass them to
// EventsService.Replay to catch up after downtime.
func PayoutRefundEventTypes() []EventType {
	out := make([]EventType, 0, len(moneyOutEventKinds))
	for t := range moneyOutEventKinds {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
