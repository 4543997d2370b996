package mangopay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Sentinel errors. Match them with errors.Is; an *APIError matches the sentinel
// that corresponds to its HTTP status or Mangopay error Type.
var (
	// ErrNotFound matches a 404 response (Mangopay Type "ressource_not_found").
	ErrNotFound = errors.New("mangopay: resource not found")
	// ErrUnauthorized matches a 401 response that is not an SCA demand
	// (invalid or expired credentials).
	ErrUnauthorized = errors.New("mangopay: unauthorized")
	// ErrForbidden matches any 403 response.
	ErrForbidden = errors.New("mangopay: forbidden")
	// ErrRateLimited matches a 429 response (Mangopay Type "rate_limit").
	ErrRateLimited = errors.New("mangopay: rate limited")
	// ErrIdempotencyConflict matches a 409 "idempotent_creation_conflict": the
	// Idempotency-Key was already used in the last 24 hours.
	ErrIdempotencyConflict = errors.New("mangopay: idempotency key already used")
	// ErrScaProxyMissing matches a 403 "sca_proxy_missing": the call used
	// ScaContext USER_NOT_PRESENT but the user has not consented to the proxy.
	ErrScaProxyMissing = errors.New("mangopay: user has not consented to the SCA proxy")
	// ErrNotAllowedForPayer matches "not_allowed_for_user_category_payer"
	// (for example Enroll on a PAYER: use Categorize instead).
	ErrNotAllowedForPayer = errors.New("mangopay: not allowed for a user categorized PAYER")
	// ErrNotAllowedForOwner matches "not_allowed_for_user_category_owner"
	// (for example Categorize on an OWNER: use Enroll instead).
	ErrNotAllowedForOwner = errors.New("mangopay: not allowed for a user categorized OWNER")
	// ErrTermsNotAccepted matches "user_hasnt_accepted_terms_and_conditions".
	ErrTermsNotAccepted = errors.New("mangopay: user has not accepted the terms and conditions")
	// ErrInvalidID is matched, before any network call, for an empty resource
	// id or one that could change the request path. The error is a
	// *ValidationError on Field "id", so it matches ErrInvalidRequest too.
	ErrInvalidID = errors.New("mangopay: invalid id")
	// ErrScaRequired matches every *ScaRequiredError: Mangopay demands that the
	// user authenticate on a hosted page before the action can complete.
	ErrScaRequired = errors.New("mangopay: strong customer authentication required")
)

// Mangopay error Type values that the SDK recognises.
const (
	ErrorTypeParam                    = "param_error"
	ErrorTypeInvalidCredentials       = "invalid_credentials"
	ErrorTypeIdempotencyConflict      = "idempotent_creation_conflict"
	ErrorTypeRateLimit                = "rate_limit"
	ErrorTypeNotFound                 = "ressource_not_found"
	ErrorTypeForbidden                = "forbidden_ressource"
	ErrorTypeScaProxyMissing          = "sca_proxy_missing"
	ErrorTypeNotAllowedForPayer       = "not_allowed_for_user_category_payer"
	ErrorTypeNotAllowedForOwner       = "not_allowed_for_user_category_owner"
	ErrorTypeTermsNotAccepted         = "user_hasnt_accepted_terms_and_conditions"
	ErrorTypeNotAllowedForPendingUser = "not_allowed_for_pending_user_action_status"
	ErrorTypeFraudPolicy              = "fraud_policy"
	ErrorTypeCurrencyIncompatibility  = "currency_incompatibility"
	ErrorTypeUserClosed               = "user_closed"
	ErrorTypeOther                    = "other"
)

// maxErrorBody caps how much of an error body is read. Mangopay's error bodies
// are a few hundred bytes; anything beyond this is a proxy page or garbage.
const maxErrorBody = 64 << 10

// APIError is a non-2xx answer from Mangopay (or from a proxy in front of
// it). Every error body shape decodes to it: the usual
// {Message, Type, Id, Date, errors|Errors}, the OAuth {error,
// error_description} pair, an HTML page, or nothing at all. StatusCode is
// always the HTTP status.
type APIError struct {
	// StatusCode is the HTTP status of the response.
	StatusCode int
	// Type is Mangopay's error type, e.g. "param_error"; for OAuth errors, the
	// "error" field, e.g. "unauthorized_client". Empty when the body was not JSON.
	Type string
	// Message is the human-readable message from the body. For a body that is
	// not JSON it is a short, sanitised excerpt of it.
	Message string
	// ID is Mangopay's error id, useful when contacting support.
	ID string
	// Date is when Mangopay produced the error (zero when absent).
	Date time.Time
	// Errors holds field-level errors keyed by JSON path, e.g.
	// "LocalBankTransfer.GBP.AccountNumber" or "SCA". Nil when absent.
	Errors map[string]string
	// Method and URL identify the request (URL without query string).
	Method, URL string
	// Header holds the response headers.
	Header http.Header `json:"-"`
}

// Error returns a single line: status, type, message and the first field
// errors. It never contains credentials.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("mangopay: ")
	if e.Method != "" {
		b.WriteString(e.Method)
		b.WriteByte(' ')
		b.WriteString(e.URL)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "%d", e.StatusCode)
	if t := http.StatusText(e.StatusCode); t != "" {
		b.WriteByte(' ')
		b.WriteString(t)
	}
	if e.Type != "" {
		b.WriteString(" (")
		b.WriteString(e.Type)
		b.WriteByte(')')
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if len(e.Errors) > 0 {
		keys := make([]string, 0, len(e.Errors))
		for k := range e.Errors {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString(" [")
		for i, k := range keys {
			if i == 3 {
				fmt.Fprintf(&b, "; and %d more", len(keys)-3)
				break
			}
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(truncate(k, 100)) // a key is a JSON path: a long one is garbage
			b.WriteString(": ")
			b.WriteString(e.Errors[k])
		}
		b.WriteByte(']')
	}
	return oneLine(b.String())
}

// Is reports whether the error matches one of the package's sentinel errors.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound || e.Type == ErrorTypeNotFound
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests || e.Type == ErrorTypeRateLimit
	case ErrIdempotencyConflict:
		return e.Type == ErrorTypeIdempotencyConflict || (e.StatusCode == http.StatusConflict && e.Type == "")
	case ErrScaProxyMissing:
		return e.Type == ErrorTypeScaProxyMissing
	case ErrNotAllowedForPayer:
		return e.Type == ErrorTypeNotAllowedForPayer
	case ErrNotAllowedForOwner:
		return e.Type == ErrorTypeNotAllowedForOwner
	case ErrTermsNotAccepted:
		return e.Type == ErrorTypeTermsNotAccepted
	}
	return false
}

// FieldError returns the field-level error recorded under key (for example
// "Email" or "LocalBankTransfer.GBP.AccountNumber"). Keys are matched exactly
// first, then case-insensitively.
func (e *APIError) FieldError(key string) (string, bool) {
	if v, ok := e.Errors[key]; ok {
		return v, true
	}
	for k, v := range e.Errors {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return "", false
}

// withSentinel is the one way to attach a package sentinel (ErrNotEnrolled,
// ErrHookAlreadyRegistered, ErrRecipientInvalidState...) to an error
// holding an *APIError: err's whole chain is kept, so errors.Is(result,
// sentinel), errors.As(result, &apiErr) and whatever err matched before (an
// *OutcomeUnknownError, say) all still hold.
func withSentinel(sentinel, err error) error { return fmt.Errorf("%w: %w", sentinel, err) }

// newAPIError builds an *APIError from a response whose body has been (at
// most maxErrorBody bytes of it) read into body.
func newAPIError(resp *http.Response, body []byte) *APIError {
	e := &APIError{StatusCode: resp.StatusCode, Header: resp.Header}
	if resp.Request != nil && resp.Request.URL != nil {
		e.Method = resp.Request.Method
		e.URL = redactURL(resp.Request.URL.Scheme + "://" + resp.Request.URL.Host + resp.Request.URL.Path)
	}
	decodeErrorBody(e, body)
	return e
}

// decodeErrorBody fills e from body, whatever its shape: Mangopay's
// {Message, Type, Id, Date, errors|Errors}, the OAuth {error,
// error_description} pair, fields of an unexpected JSON type (kept as their
// JSON text), or a body that is not a JSON object (a short excerpt becomes
// the Message).
func decodeErrorBody(e *APIError, body []byte) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return
	}
	var m map[string]json.RawMessage
	if trimmed[0] != '{' || json.Unmarshal(trimmed, &m) != nil {
		e.Message = excerpt(trimmed)
		return
	}
	field := func(names ...string) json.RawMessage {
		for _, n := range names { // exact spellings first, in order
			if v, ok := m[n]; ok && !isJSONNull(v) {
				return v
			}
		}
		for k, v := range m {
			for _, n := range names {
				if strings.EqualFold(k, n) && !isJSONNull(v) {
					return v
				}
			}
		}
		return nil
	}
	e.Type = jsonText(field("Type"))
	e.Message = jsonText(field("Message"))
	e.ID = jsonText(field("Id"))
	e.Date = parseWireDate(field("Date"))
	e.Errors = parseFieldErrors(field("errors", "Errors"))
	if e.Type == "" {
		e.Type = jsonText(field("error"))
	}
	if e.Message == "" {
		e.Message = jsonText(field("error_description"))
	}
}

func isJSONNull(v json.RawMessage) bool {
	return len(v) == 0 || string(bytes.TrimSpace(v)) == "null"
}

// jsonText returns a JSON string's value, or the compact JSON text of any
// other value, on one line and at most 500 bytes.
func jsonText(v json.RawMessage) string {
	if isJSONNull(v) {
		return ""
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		var buf bytes.Buffer
		if json.Compact(&buf, v) == nil {
			s = buf.String()
		} else {
			s = string(v)
		}
	}
	return truncate(oneLine(s), 500)
}

// parseWireDate accepts an integer or float Unix timestamp, or a numeric
// string (parseUnix); anything else is the zero time.
func parseWireDate(raw json.RawMessage) time.Time {
	t, _ := parseUnix(raw)
	return t
}

// parseFieldErrors decodes the errors map. Values that are not strings
// (numbers, arrays) are kept as their JSON text.
func parseFieldErrors(raw json.RawMessage) map[string]string {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil || len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = jsonText(v)
	}
	return out
}

// excerpt turns a non-JSON body (an HTML page from a proxy, plain text) into a
// short single-line message: tags removed, whitespace collapsed, at most 200
// characters.
func excerpt(body []byte) string {
	if len(body) > 4096 {
		body = body[:4096]
	}
	var b strings.Builder
	inTag := false
	for _, r := range string(body) {
		switch {
		case r == '<':
			inTag = true
			b.WriteByte(' ')
		case r == '>':
			inTag = false
		case !inTag:
			b.WriteRune(r)
		}
	}
	s := oneLine(b.String())
	if utf8.RuneCountInString(s) > 200 {
		s = string([]rune(s)[:200]) + "…"
	}
	return s
}

// oneLine collapses all whitespace runs (newlines included) to single spaces
// and drops control characters.
func oneLine(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if r == utf8.RuneError || r < 0x20 || r == 0x7f || r == ' ' || r == '\u2028' || r == '\u2029' {
			if r == utf8.RuneError {
				continue
			}
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// readCapped reads at most limit bytes from r and reports whether more remained.
func readCapped(r io.Reader, limit int64) ([]byte, bool, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if int64(len(b)) > limit {
		return b[:limit], true, err
	}
	return b, false, err
}
