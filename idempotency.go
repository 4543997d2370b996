package mangopay

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Money safety: what the SDK does when it cannot see the answer to a call
// that changes something, and how a platform finds out afterwards.
//
// Mangopay accepts an Idempotency-Key on every POST (16 to 36 characters of
// A-Z, a-z, 0-9 and '-'), blocks any later request carrying the same key for
// 24 hours with 409 idempotent_creation_conflict, and keeps the first
// request's answer readable at GET /responses/{key} for those 24 hours
// (docs.mangopay.com/guide/idempotency-support and
// api-reference/api-responses/view-api-response: StatusCode, ContentLength,
// ContentType, Date, RequestURL and Resource; no method is recorded, only
// POSTs carry keys).

// ErrOutcomeUnknown matches every *OutcomeUnknownError with errors.Is.
var ErrOutcomeUnknown = errors.New("mangopay: outcome unknown")

// ErrIdempotencyKeyReused is returned when the answer recorded under a call's
// Idempotency-Key belongs to another request: another path, another type of
// resource, or a resource whose identifying fields (for a transfer: author,
// wallets, amounts and currency) differ from the call's. Nothing is returned
// as if the call had succeeded, and nothing was created by this call: the key
// was already used, within the last 24 hours, by that other request. It
// usually means two logical operations were given the same key; give each
// its own (NewIdempotencyKey).
var ErrIdempotencyKeyReused = errors.New("mangopay: Idempotency-Key already used by another request")

// OutcomeUnknownError is returned by a POST or PUT whose effect the SDK could
// not establish: the answer was lost (a dropped connection, a timeout, a
// 5xx) and the retries ran out, the context ended while the request was in
// flight, Mangopay answered 2xx without the resource (an empty body, null,
// {}, a resource without its Id) or with a body that does not decode, or
// GET /responses/{key} could not be read to recover the answer. The money
// may have moved, or not.
//
// What to do: send the SAME request again with the SAME key,
// WithIdempotencyKey(e.IdempotencyKey) (or read c.Idempotency.Get(ctx,
// e.IdempotencyKey)). If the first request took effect, Mangopay answers 409
// and the SDK returns its recorded result (Response.Recovered is true); if it
// did not, the request is carried out once. NEVER retry with a new key: that
// can move the money twice. Keys are honoured for 24 hours.
//
// A PUT carries no key (Mangopay takes keys on POSTs only); IdempotencyKey
// is then empty and sending the same PUT again is safe, since it sets the
// same values.
//
// It matches ErrOutcomeUnknown; errors.Is and errors.As also see Cause (an
// *APIError, a *url.Error, context.Canceled...).
type OutcomeUnknownError struct {
	// IdempotencyKey is the key of the request whose outcome is unknown: the
	// one to send again ("" for a PUT).
	IdempotencyKey string
	// Method is POST or PUT.
	Method string
	// Path is the request path under /v2.01/{ClientId}, e.g. "/transfers".
	Path string
	// Cause is what happened to the answer.
	Cause error
}

// Error returns one line naming the call, the key and the cause.
func (e *OutcomeUnknownError) Error() string {
	var b strings.Builder
	b.WriteString("mangopay: ")
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(e.Path)
	b.WriteString(": outcome unknown")
	if e.IdempotencyKey != "" {
		b.WriteString(" (retry with the same Idempotency-Key ")
		b.WriteString(e.IdempotencyKey)
		b.WriteString(", never a new one)")
	}
	if e.Cause != nil {
		b.WriteString(": ")
		b.WriteString(strings.TrimPrefix(e.Cause.Error(), "mangopay: "))
	}
	return oneLine(b.String())
}

// Unwrap returns Cause.
func (e *OutcomeUnknownError) Unwrap() error { return e.Cause }

// Is makes errors.Is(err, ErrOutcomeUnknown) true.
func (e *OutcomeUnknownError) Is(target error) bool { return target == ErrOutcomeUnknown }

// NewIdempotencyKey returns a new random Idempotency-Key (26 characters of
// A-Z and 2-7, from crypto/rand). Persist it with the operation it belongs
// to BEFORE the call (the outbox pattern), pass it with WithIdempotencyKey,
// and after a crash or an *OutcomeUnknownError send the same request with
// the same key again: the operation then happens at most once.
func NewIdempotencyKey() string { return rand.Text() }

// IdempotencyService reads the answers Mangopay recorded under
// Idempotency-Keys: GET /responses/{IdempotencyKey}.
type IdempotencyService service

// RecordedResponse is the answer Mangopay recorded for the POST that first
// carried an Idempotency-Key, as returned by GET /responses/{key} (kept 24
// hours).
type RecordedResponse struct {
	// IdempotencyKey is the key it was read under.
	IdempotencyKey string
	// StatusCode is the HTTP status of the original answer (0 if Mangopay
	// recorded something that is not a number).
	StatusCode int
	// ContentLength is the size of the original body in bytes (-1 when
	// absent or not a number).
	ContentLength int64
	// ContentType is the original answer's media type.
	ContentType string
	// Date is when the original answer was sent (zero when absent or not an
	// HTTP date).
	Date time.Time
	// RequestURL is the URL the original request was sent to.
	RequestURL string
	// Resource is the original body: the resource (2xx) or the error (4xx,
	// 5xx). A body recorded as a JSON string holding JSON text is unwrapped.
	Resource json.RawMessage
}

// Succeeded reports whether the original request succeeded (a 2xx status):
// its effect happened and Resource is the resource.
func (r *RecordedResponse) Succeeded() bool { return r.StatusCode >= 200 && r.StatusCode < 300 }

// Err returns the original answer as an *APIError when it was not a 2xx
// (nil when it was). A 429 or 5xx means the original request had no effect.
func (r *RecordedResponse) Err() error {
	if r.Succeeded() {
		return nil
	}
	e := &APIError{StatusCode: r.StatusCode, Method: http.MethodPost, URL: redactURL(stripQuery(r.RequestURL))}
	decodeErrorBody(e, r.Resource)
	return e
}

// Decode decodes Resource into out (a pointer, such as *Transfer). It fails
// when the original request did not succeed (the error is Err's) or when
// Resource is empty or does not decode.
func (r *RecordedResponse) Decode(out any) error {
	if err := r.Err(); err != nil {
		return err
	}
	if noResource(r.Resource) {
		return fmt.Errorf("mangopay: the response recorded under %s has no resource", r.IdempotencyKey)
	}
	if err := json.Unmarshal(r.Resource, out); err != nil {
		return fmt.Errorf("mangopay: decoding the response recorded under %s: %w", r.IdempotencyKey, err)
	}
	return nil
}

// DecodeRecorded decodes a recorded answer's resource into a new T:
//
//	t, err := mangopay.DecodeRecorded[mangopay.Transfer](rec)
func DecodeRecorded[T any](r *RecordedResponse) (*T, error) {
	var out T
	if err := r.Decode(&out); err != nil {
		return nil, err
	}
	return &out, nil
}

// RequestPath returns the original request's path under /v2.01/{ClientId}
// (e.g. "/transfers"), or "" when RequestURL does not name one. Compare it
// with the call a key was persisted for before trusting the record.
func (r *RecordedResponse) RequestPath() string {
	u, err := url.Parse(strings.TrimSpace(r.RequestURL))
	if err != nil {
		return ""
	}
	p := u.Path
	i := strings.Index(strings.ToLower(p), apiVersion+"/")
	if i < 0 {
		return ""
	}
	rest := p[i+len(apiVersion)+1:] // "{ClientId}/transfers"
	j := strings.IndexByte(rest, '/')
	if j < 0 {
		return ""
	}
	return strings.TrimRight(rest[j:], "/")
}

// requestClientID returns the ClientId segment of RequestURL.
func (r *RecordedResponse) requestClientID() string {
	u, err := url.Parse(strings.TrimSpace(r.RequestURL))
	if err != nil {
		return ""
	}
	p := u.Path
	i := strings.Index(strings.ToLower(p), apiVersion+"/")
	if i < 0 {
		return ""
	}
	id, _, _ := strings.Cut(p[i+len(apiVersion)+1:], "/")
	return id
}

// UnmarshalJSON accepts StatusCode and ContentLength as strings (as
// documented) or numbers.
func (r *RecordedResponse) UnmarshalJSON(b []byte) error {
	var aux struct {
		StatusCode    json.RawMessage `json:"StatusCode"`
		ContentLength json.RawMessage `json:"ContentLength"`
		ContentType   string          `json:"ContentType"`
		Date          string          `json:"Date"`
		RequestURL    string          `json:"RequestURL"`
		Resource      json.RawMessage `json:"Resource"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	num := func(raw json.RawMessage) (int64, bool) {
		n, err := strconv.ParseInt(strings.TrimSpace(strings.Trim(string(raw), `"`)), 10, 64)
		return n, err == nil
	}
	*r = RecordedResponse{ContentType: aux.ContentType, RequestURL: aux.RequestURL, ContentLength: -1}
	if n, ok := num(aux.StatusCode); ok && n >= 100 && n <= 999 {
		r.StatusCode = int(n)
	}
	if n, ok := num(aux.ContentLength); ok && n >= 0 {
		r.ContentLength = n
	}
	if t, err := http.ParseTime(strings.TrimSpace(aux.Date)); err == nil {
		r.Date = t.UTC()
	}
	res := bytes.TrimSpace(aux.Resource)
	if len(res) > 0 && res[0] == '"' {
		var txt string
		if json.Unmarshal(res, &txt) == nil {
			res = []byte(txt)
		}
	}
	r.Resource = res
	return nil
}

// Get reads the answer Mangopay recorded for the POST that first carried key:
// GET /responses/{key}. A platform that persisted a key before a call
// (NewIdempotencyKey) uses it after a crash to learn what became of the
// call. It fails with an error matching ErrNotFound when no answer is
// recorded under key: the request never reached Mangopay, is still being
// processed, or is more than 24 hours old. Sending the same request again
// with the same key settles all three cases and is usually simpler.
func (s *IdempotencyService) Get(ctx context.Context, key string, opts ...RequestOption) (*RecordedResponse, error) {
	if !validKey(key) {
		return nil, invalid("Idempotency.Get", "key", "%q is not an Idempotency-Key: need 16 to 36 characters of A-Z, a-z, 0-9 and '-'", truncate(key, 40))
	}
	var out RecordedResponse
	if err := s.client.get(ctx, "/responses/"+key, nil, &out, opts); err != nil {
		return nil, err
	}
	out.IdempotencyKey = key
	return &out, nil
}

// noResource reports whether a 2xx body holds no resource: empty, null or
// {} (an object with no members: '{', white space, '}').
func noResource(b []byte) bool {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0, string(b) == "null":
		return true
	case b[0] == '{':
		return string(bytes.TrimSpace(b[1:])) == "}"
	}
	return false
}

// stripQuery drops the query and fragment of a URL string.
func stripQuery(s string) string {
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		return s[:i]
	}
	return s
}

// ---- checking that a recorded answer is the call's own ----

// identified is implemented by the resources POST and PUT calls return: it
// reports whether a decoded 2xx body is the resource (it carries its Id). A
// 2xx without it leaves the call's outcome unknown.
type identified interface {
	hasID() bool
}

func (t *Transfer) hasID() bool    { return t.ID != "" }
func (w *Wallet) hasID() bool      { return w.ID != "" }
func (u *NaturalUser) hasID() bool { return u.ID != "" }
func (u *LegalUser) hasID() bool   { return u.ID != "" }
func (r *Recipient) hasID() bool   { return r.ID != "" }
func (h *Hook) hasID() bool        { return h.ID != "" }
func (p *Payout) hasID() bool      { return p.ID != "" }

// answerMatcher is implemented by request bodies (and by WithRecoveryCheck)
// to tell the pipeline whether an answer recovered through /responses/{key},
// decoded into the call's result out, is the answer to this request.
// mismatch names the first identifying field that differs, "" when the
// answer is this request's. A request type with no implementation is checked
// on its path only.
type answerMatcher interface {
	mismatch(out any) string
}

// differ describes field when got != want, "" when they are equal.
func differ[T comparable](field string, want, got T) string {
	if want == got {
		return ""
	}
	return fmt.Sprintf("%s is %v, the request has %v", field, got, want)
}

// firstProblem returns the first non-empty string.
func firstProblem(ps ...string) string {
	for _, p := range ps {
		if p != "" {
			return p
		}
	}
	return ""
}

// recordedAs runs check on out when it is the *T a recovery check expects
// (the type the call decodes into), and reports the type otherwise.
func recordedAs[T any](out any, check func(*T) string) string {
	v, ok := out.(*T)
	if !ok {
		return fmt.Sprintf("the call decodes a %T, not a %T", v, out)
	}
	return check(v)
}

func (r *CreateTransferRequest) mismatch(out any) string {
	return recordedAs(out, func(t *Transfer) string {
		return firstProblem(
			differ("AuthorId", r.AuthorID, t.AuthorID),
			differ("DebitedWalletId", r.DebitedWalletID, t.DebitedWalletID),
			differ("CreditedWalletId", r.CreditedWalletID, t.CreditedWalletID),
			differ("DebitedFunds", r.DebitedFunds, t.DebitedFunds),
			differ("Fees", r.Fees, t.Fees),
		)
	})
}

func (r *CreatePayoutRequest) mismatch(out any) string {
	return recordedAs(out, func(p *Payout) string {
		return firstProblem(
			differ("AuthorId", r.AuthorID, p.AuthorID),
			differ("DebitedWalletId", r.DebitedWalletID, p.DebitedWalletID),
			differ("DebitedFunds", r.DebitedFunds, p.DebitedFunds),
			differ("Fees", r.Fees, p.Fees),
			differ("RecipientId", r.RecipientID, p.RecipientID),
			differ("BankAccountId", r.BankAccountID, p.BankAccountID),
		)
	})
}

func (r *CreateWalletRequest) mismatch(out any) string {
	return recordedAs(out, func(w *Wallet) string {
		want, got := slices.Clone(r.Owners), slices.Clone(w.Owners)
		slices.Sort(want)
		slices.Sort(got)
		owners := ""
		if !slices.Equal(want, got) {
			owners = fmt.Sprintf("Owners are %v, the request has %v", w.Owners, r.Owners)
		}
		return firstProblem(owners, differ("Currency", strings.ToUpper(r.Currency), strings.ToUpper(w.Currency)))
	})
}

// userMismatch compares what every user creation fixes.
func userMismatch(person PersonType, category UserCategory, email string, gotPerson PersonType, gotCategory UserCategory, gotEmail string) string {
	p := differ("PersonType", person, gotPerson)
	if category != "" && p == "" {
		p = differ("UserCategory", category, gotCategory)
	}
	if p == "" && !strings.EqualFold(strings.TrimSpace(email), strings.TrimSpace(gotEmail)) {
		p = fmt.Sprintf("Email is %q, the request has %q", truncate(gotEmail, 80), truncate(email, 80))
	}
	return p
}

func (r *CreateNaturalUserRequest) mismatch(out any) string {
	return recordedAs(out, func(u *NaturalUser) string {
		return firstProblem(userMismatch(PersonTypeNatural, r.UserCategory, r.Email, u.PersonType, u.UserCategory, u.Email),
			differ("FirstName", r.FirstName, u.FirstName), differ("LastName", r.LastName, u.LastName))
	})
}

func (r *CreateLegalUserRequest) mismatch(out any) string {
	return recordedAs(out, func(u *LegalUser) string {
		return firstProblem(userMismatch(PersonTypeLegal, r.UserCategory, r.Email, u.PersonType, u.UserCategory, u.Email),
			differ("Name", r.Name, u.Name), differ("LegalPersonType", r.LegalPersonType, u.LegalPersonType))
	})
}

func (r *CreateRecipientRequest) mismatch(out any) string {
	if out == nil {
		return "" // Validate: nothing is decoded, the path says it all
	}
	return recordedAs(out, func(got *Recipient) string {
		scope := ""
		if r.RecipientScope != "" {
			scope = differ("RecipientScope", r.RecipientScope, got.RecipientScope)
		}
		return firstProblem(
			differ("DisplayName", r.DisplayName, got.DisplayName),
			differ("PayoutMethodType", r.PayoutMethodType, got.PayoutMethodType),
			differ("RecipientType", r.RecipientType, got.RecipientType),
			differ("Currency", strings.ToUpper(r.Currency), strings.ToUpper(got.Currency)),
			scope,
		)
	})
}

func (r *CreateHookRequest) mismatch(out any) string {
	return recordedAs(out, func(h *Hook) string {
		return firstProblem(differ("EventType", r.EventType, h.EventType), differ("Url", r.URL, h.URL))
	})
}

// checkFunc adapts a caller's check (WithRecoveryCheck) to answerMatcher.
type checkFunc func(out any) error

func (f checkFunc) mismatch(out any) string {
	if err := f(out); err != nil {
		return oneLine(err.Error())
	}
	return ""
}

// WithRecoveryCheck adds a check that an answer recovered through
// GET /responses/{key} (after a retried POST met 409
// idempotent_creation_conflict, or its answer was cut off) is the answer to
// this call: check receives the call's result, decoded from the recorded
// resource, and returns an error naming what differs. A failed check makes
// the call fail with ErrIdempotencyKeyReused. The SDK's own methods already
// check their identifying fields; use it with Client.Do.
func WithRecoveryCheck(check func(out any) error) RequestOption {
	return func(rc *requestConfig) {
		if check != nil {
			rc.checks = append(rc.checks, checkFunc(check))
		}
	}
}

// keyReused builds the ErrIdempotencyKeyReused error of a call.
func keyReused(st *callState, why string) error {
	return fmt.Errorf("%w: %s %s under Idempotency-Key %s: %s", ErrIdempotencyKeyReused, st.req.method, st.req.path, st.key, why)
}

// recordMismatch says why rec is not the answer to the call, "" when its
// request URL names the call's ClientId and path.
func (c *Client) recordMismatch(st *callState, rec *RecordedResponse) string {
	if strings.TrimSpace(rec.RequestURL) == "" {
		return "" // reported by the caller as an unknown outcome
	}
	want, err := url.PathUnescape(st.req.path)
	if err != nil {
		want = st.req.path
	}
	gotPath := rec.RequestPath()
	if gotPath == "" || rec.requestClientID() != c.clientID || gotPath != strings.TrimRight(want, "/") {
		return fmt.Sprintf("the recorded answer is for %s", truncate(redactURL(stripQuery(rec.RequestURL)), 200))
	}
	return ""
}
