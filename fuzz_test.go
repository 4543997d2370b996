package mangopay

// Fuzz targets for the parsers that had none: ParseReturn, the decoding of
// error responses into *APIError, and the decoding of the models. Their seed
// corpora live in testdata/fuzz/<FuzzName>/ and run with plain go test.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParseReturn checks ParseReturn on any query string: it never panics;
// it succeeds only with VALIDATED or FAILED, which the query really holds
// (in any letter case, under any spelling of controlStatus); repeating the
// same outcome does not change the result and a contradicting one is an
// error; every error is one line naming controlStatus. Seeds:
// testdata/fuzz/FuzzParseReturn.
func FuzzParseReturn(f *testing.F) {
	f.Fuzz(func(t *testing.T, raw string) {
		r := &http.Request{URL: &url.URL{RawQuery: raw}}
		cs, err := ParseReturn(r)
		if err != nil {
			msg := err.Error()
			if !strings.Contains(msg, "controlStatus") || strings.ContainsAny(msg, "\r\n") {
				t.Fatalf("error %q does not name controlStatus on one line", msg)
			}
			if cs == ControlStatusValidated || cs == ControlStatusFailed {
				t.Fatalf("error %v with the valid status %q", err, cs)
			}
			if len(cs) > 40+len("…") {
				t.Fatalf("returned value of %d bytes is not shortened", len(cs))
			}
			return
		}
		if cs != ControlStatusValidated && cs != ControlStatusFailed {
			t.Fatalf("accepted status %q", cs)
		}
		q, _ := url.ParseQuery(raw)
		found := false
		for k, vs := range q {
			if !strings.EqualFold(k, "controlStatus") {
				continue
			}
			for _, v := range vs {
				found = true
				if ControlStatus(strings.ToUpper(strings.TrimSpace(v))) != cs {
					t.Fatalf("status %q from %q, which also holds %s=%q", cs, raw, k, v)
				}
			}
		}
		if !found {
			t.Fatalf("status %q from %q, which has no controlStatus", cs, raw)
		}
		// The same outcome once more changes nothing; the other one conflicts.
		other := ControlStatusFailed
		if cs == ControlStatusFailed {
			other = ControlStatusValidated
		}
		if got, err := ParseReturn(&http.Request{URL: &url.URL{RawQuery: raw + "&controlStatus=" + string(cs)}}); err != nil || got != cs {
			t.Fatalf("repeating %q after %q gave %q, %v", cs, raw, got, err)
		}
		if got, err := ParseReturn(&http.Request{URL: &url.URL{RawQuery: raw + "&controlStatus=" + string(other)}}); err == nil {
			t.Fatalf("%q then %q gave %q without error", raw, other, got)
		}
	})
}

// rtFunc is a RoundTripper made of a function.
type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// maxAPIErrorLine bounds APIError.Error() beyond the request's method and
// URL: status and text, Type and Message (500 bytes each), three field
// errors (key 100, value 500) and "and N more".
const maxAPIErrorLine = 3 << 10

// FuzzAPIError sends any error status, Content-Type and body through the
// client's pipeline (a GET without retries) and checks what comes back: an
// *APIError with the status, method and URL kept, matching the sentinel of
// its status, whose Error() is one line of valid UTF-8 and bounded length.
// A Mangopay-shaped body built from typ and msg decodes to those values.
// Seeds: the error fixtures and testdata/fuzz/FuzzAPIError.
func FuzzAPIError(f *testing.F) {
	f.Add(400, "application/json", []byte(apiErrorBody("param_error", "One or several required parameters are missing or incorrect")), "param_error", "bad")
	for _, b := range fixtureSeeds(f, "errors") {
		f.Add(400, "application/json; charset=utf-8", b, "", "")
	}
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte, typ, msg string) {
		status = 400 + int(uint(status)%200)
		var resp struct {
			body []byte
		}
		rt := rtFunc(func(r *http.Request) (*http.Response, error) {
			if strings.HasSuffix(r.URL.Path, "/oauth/token") {
				return &http.Response{StatusCode: 200, Header: http.Header{}, Request: r,
					Body: io.NopCloser(strings.NewReader(`{"access_token":"tok","token_type":"bearer","expires_in":1200}`))}, nil
			}
			return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {contentType}}, Request: r,
				Body: io.NopCloser(bytes.NewReader(resp.body))}, nil
		})
		c, err := New(testClientID, testAPIKey, WithBaseURL(testBase), WithHTTPClient(&http.Client{Transport: rt}), WithMaxRetries(0))
		if err != nil {
			t.Fatal(err)
		}
		call := func(b []byte) *APIError {
			resp.body = b
			err := c.get(context.Background(), "/things/x", nil, &thing{}, nil)
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("status %d body %q: %T %v is not an *APIError", status, b, err, err)
			}
			if apiErr.StatusCode != status || apiErr.Method != http.MethodGet || apiErr.URL != testAPI+"/things/x" {
				t.Fatalf("status, method or URL lost: %d %s %s", apiErr.StatusCode, apiErr.Method, apiErr.URL)
			}
			if apiErr.Header.Get("Content-Type") != contentType {
				t.Fatalf("Content-Type %q not kept: %q", contentType, apiErr.Header.Get("Content-Type"))
			}
			line := err.Error()
			if !utf8.ValidString(line) || strings.ContainsFunc(line, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' }) {
				t.Fatalf("Error() is not one line of valid UTF-8: %q", line)
			}
			if n := len(line) - len(apiErr.URL); n > maxAPIErrorLine {
				t.Fatalf("Error() is %d bytes beyond the URL", n)
			}
			if !strings.Contains(line, " "+strconv.Itoa(status)) {
				t.Fatalf("Error() %q does not give the status", line)
			}
			if len(apiErr.Type) > 500+len("…") || len(apiErr.Message) > 500+len("…") {
				t.Fatalf("Type or Message not shortened: %d, %d bytes", len(apiErr.Type), len(apiErr.Message))
			}
			for sentinel, code := range map[error]int{ErrNotFound: 404, ErrForbidden: 403, ErrRateLimited: 429, ErrUnauthorized: 401} {
				if status == code && !errors.Is(err, sentinel) {
					t.Fatalf("status %d does not match %v", status, sentinel)
				}
			}
			if errors.Is(err, ErrScaRequired) || errors.Is(err, ErrInvalidID) {
				t.Fatalf("%v matches a client-side sentinel", err)
			}
			return apiErr
		}

		call(body)

		// A body of Mangopay's shape decodes to its values.
		shaped, err := json.Marshal(map[string]any{"Message": msg, "Type": typ, "Id": "err-1", "Date": 1740581497, "errors": map[string]string{typ: msg}})
		if err != nil {
			t.Fatal(err)
		}
		var back struct{ Message, Type string }
		if err := json.Unmarshal(shaped, &back); err != nil {
			t.Fatal(err)
		}
		apiErr := call(shaped)
		if want := truncate(oneLine(back.Type), 500); apiErr.Type != want {
			t.Fatalf("Type %q decoded as %q, want %q", typ, apiErr.Type, want)
		}
		if want := truncate(oneLine(back.Message), 500); apiErr.Message != want {
			t.Fatalf("Message %q decoded as %q, want %q", msg, apiErr.Message, want)
		}
		if v, ok := apiErr.Errors[back.Type]; !ok || v != truncate(oneLine(back.Message), 500) {
			t.Fatalf("field error %q: %q not decoded: %v", back.Type, back.Message, apiErr.Errors)
		}
		if apiErr.ID != "err-1" || !apiErr.Date.Equal(time.Unix(1740581497, 0)) {
			t.Fatalf("Id or Date not decoded: %q %v", apiErr.ID, apiErr.Date)
		}
	})
}

// modelTargets are the response models decoded from Mangopay's JSON.
var modelTargets = []func() any{
	func() any { return new(NaturalUser) },
	func() any { return new(LegalUser) },
	func() any { return new(User) },
	func() any { return new(ScaStatus) },
	func() any { return new(Wallet) },
	func() any { return new(Transaction) },
	func() any { return new(Transfer) },
	func() any { return new(Recipient) },
	func() any { return new(RecipientSummary) },
	func() any { return new(PayoutMethods) },
	func() any { return new(Hook) },
	func() any { return new(Event) },
	func() any { return new([]Wallet) },
	func() any { return new(RecordedResponse) },
	func() any { return new(PayIn) },
	func() any { return new(CardRegistration) },
	func() any { return new(Card) },
	func() any { return new(Payout) }, // its FallbackReason has a custom decoder
	func() any { return new(Refund) },
	func() any { return new(IdentityVerification) },
}

// FuzzModelJSON decodes any JSON into every response model. Decoding never
// panics; what decodes re-encodes, and decoding that encoding gives the same
// encoding again (the first round trip normalises, the second changes
// nothing). A User decoded with a known PersonType gives its typed value.
// Seeds: every JSON fixture and testdata/fuzz/FuzzModelJSON.
func FuzzModelJSON(f *testing.F) {
	for _, dir := range []string{"users", "wallets", "transfers", "recipients", "hooks", "webhooks", "payins", "cards", "payouts", "refunds"} {
		for _, b := range fixtureSeeds(f, dir) {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, mk := range modelTargets {
			v := mk()
			if json.Unmarshal(data, v) != nil {
				continue
			}
			if u, ok := v.(*User); ok {
				_, nat := u.Natural()
				_, leg := u.Legal()
				if nat != (u.PersonType == PersonTypeNatural) || leg != (u.PersonType == PersonTypeLegal) {
					t.Fatalf("User with PersonType %q: Natural %v, Legal %v", u.PersonType, nat, leg)
				}
				_ = u.pendingRedirect()
			}
			if s, ok := v.(*RecordedResponse); ok {
				_, _ = s.RequestPath(), s.Err()
				continue // decoded only, never encoded
			}
			b1, err := json.Marshal(v)
			if err != nil {
				t.Fatalf("%T decoded from %q does not encode: %v", v, data, err)
			}
			v2 := mk()
			if err := json.Unmarshal(b1, v2); err != nil {
				t.Fatalf("%T: its encoding %s does not decode: %v", v, b1, err)
			}
			b2, err := json.Marshal(v2)
			if err != nil {
				t.Fatalf("%T: second encoding fails: %v", v, err)
			}
			if !bytes.Equal(b1, b2) {
				t.Fatalf("%T is not stable:\n%s\n%s", v, b1, b2)
			}
			if typ := reflect.TypeOf(v).Elem(); typ.Kind() == reflect.Struct && typ.Name() != "User" && typ.Name() != "Event" {
				if !reflect.DeepEqual(v2, reDecode(t, mk, b2)) {
					t.Fatalf("%T decodes differently from the same bytes", v)
				}
			}
		}
	})
}

// reDecode decodes b into a fresh model.
func reDecode(t *testing.T, mk func() any, b []byte) any {
	v := mk()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
	return v
}

// fixtureSeeds returns the JSON fixtures of testdata/<dir>, and the items of
// any array fixture (lists), one object each.
func fixtureSeeds(f *testing.F, dir string) [][]byte {
	names, err := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
	if err != nil || len(names) == 0 {
		f.Fatalf("no fixtures in testdata/%s: %v", dir, err)
	}
	var out [][]byte
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
		var items []json.RawMessage
		if json.Unmarshal(b, &items) == nil {
			for _, it := range items {
				out = append(out, it)
			}
		}
	}
	return out
}
