package mangopay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// getError runs one GET (no retries) answered with status and body, and
// returns its *APIError.
func getError(t *testing.T, status int, body string) *APIError {
	t.Helper()
	env := newTestClient(t, WithMaxRetries(0))
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/things/x", jsonResponder(status, body))
	_, err := getThing(context.Background(), env.c, "x")
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, status, apiErr.StatusCode, "the HTTP status is always kept")
	assert.Equal(t, http.MethodGet, apiErr.Method)
	assert.Equal(t, testAPI+"/things/x", apiErr.URL)
	assert.NotNil(t, apiErr.Header)
	assertOneLine(t, apiErr.Error())
	return apiErr
}

func assertOneLine(t *testing.T, s string) {
	t.Helper()
	assert.NotContains(t, s, "\n")
	assert.NotContains(t, s, "\r")
	assert.NotContains(t, s, "\u2028")
	assert.True(t, utf8.ValidString(s))
}

func TestErrorBodyShapes(t *testing.T) {
	t.Parallel()
	date := time.Unix(1740581497, 0).UTC()
	cases := []struct {
		name   string
		status int
		body   string
		want   APIError // StatusCode/Method/URL/Header not compared here
	}{
		{"lower-case errors, integer Date", 400,
			`{"Message":"One or several required parameters are missing or incorrect.","Type":"param_error","Id":"5e83fbe8-1","Date":1740581497,"errors":{"CreditedWalletId":"The CreditedWalletId field is required."}}`,
			APIError{Type: "param_error", Message: "One or several required parameters are missing or incorrect.", ID: "5e83fbe8-1", Date: date,
				Errors: map[string]string{"CreditedWalletId": "The CreditedWalletId field is required."}}},
		{"upper-case Errors, float Date", 400,
			`{"Id":"51876239-2#1750420019","Message":"One or several required parameters are missing or incorrect.","Type":"param_error","Date":1740581497.0,"Errors":{"SCA":"KAR_0042"}}`,
			APIError{Type: "param_error", Message: "One or several required parameters are missing or incorrect.", ID: "51876239-2#1750420019", Date: date,
				Errors: map[string]string{"SCA": "KAR_0042"}}},
		{"fractional Date", 400, `{"Type":"param_error","Date":1740581497.5}`,
			APIError{Type: "param_error", Date: date.Add(500 * time.Millisecond)}},
		{"string Date", 400, `{"Type":"param_error","Date":"1740581497"}`, APIError{Type: "param_error", Date: date}},
		{"nonsense Date", 400, `{"Type":"param_error","Date":"yesterday"}`, APIError{Type: "param_error"}},
		{"errors null next to Errors", 400, `{"Type":"param_error","errors":null,"Errors":{"A":"b"}}`,
			APIError{Type: "param_error", Errors: map[string]string{"A": "b"}}},
		{"OAuth shape", 400, `{"error":"unauthorized_client","error_description":"This account has been temporarily locked for security reasons. Please try again later."}`,
			APIError{Type: "unauthorized_client", Message: "This account has been temporarily locked for security reasons. Please try again later."}},
		{"rate limit", 429, `{"Message":"Rate limit exceeded. Please contact support for more assistance","Type":"rate_limit","Id":"r-1","Date":1740581497,"errors":null}`,
			APIError{Type: "rate_limit", Message: "Rate limit exceeded. Please contact support for more assistance", ID: "r-1", Date: date}},
		{"empty body", 500, ``, APIError{}},
		{"whitespace body", 503, " \n ", APIError{}},
		{"HTML 502 from a proxy", 502, "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
			APIError{Message: "502 Bad Gateway 502 Bad Gateway nginx"}},
		{"plain text", 500, "upstream connect error\nor disconnect", APIError{Message: "upstream connect error or disconnect"}},
		{"truncated JSON", 400, `{"Message":"One or several required param`, APIError{Message: `{"Message":"One or several required param`}},
		{"JSON array", 400, `["a","b"]`, APIError{Message: `["a","b"]`}},
		{"fields of the wrong type", 400, `{"Message":123,"Type":"param_error","Id":42,"errors":{"A":1,"B":["x","y"],"C":{"d":true},"D":"ok"}}`,
			APIError{Type: "param_error", Message: "123", ID: "42", Errors: map[string]string{"A": "1", "B": `["x","y"]`, "C": `{"d":true}`, "D": "ok"}}},
		{"errors of the wrong type", 400, `{"Type":"param_error","errors":"oops"}`, APIError{Type: "param_error"}},
		{"multi-line message", 400, "{\"Type\":\"param_error\",\"Message\":\"line one\\nline two\\r\\n\\u2028three\\u0000\"}",
			APIError{Type: "param_error", Message: "line one line two three"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := getError(t, tc.status, tc.body)
			assert.Equal(t, tc.want.Type, got.Type)
			assert.Equal(t, tc.want.Message, got.Message)
			assert.Equal(t, tc.want.ID, got.ID)
			assert.True(t, tc.want.Date.Equal(got.Date), "Date: want %v, got %v", tc.want.Date, got.Date)
			assert.Equal(t, tc.want.Errors, got.Errors)
		})
	}
}

func TestErrorFixturesFromTheDocs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file     string
		status   int
		sentinel error
		typ      string
	}{
		{"errors/400-not-allowed-for-payer.json", 400, ErrNotAllowedForPayer, ErrorTypeNotAllowedForPayer},
		{"errors/403-sca-proxy-missing.json", 403, ErrScaProxyMissing, ErrorTypeScaProxyMissing},
	} {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			got := getError(t, tc.status, string(fixture(t, tc.file)))
			assert.Equal(t, tc.typ, got.Type)
			assert.NotEmpty(t, got.Message)
			assert.NotEmpty(t, got.ID)
			assert.False(t, got.Date.IsZero())
			assert.Nil(t, got.Errors, `"errors": null`)
			assert.ErrorIs(t, got, tc.sentinel)
		})
	}
}

// endlessReader yields n bytes of '<' (an HTML-ish flood) and counts what was read.
type endlessReader struct {
	left int64
	read atomic.Int64
}

func (r *endlessReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), r.left)
	for i := range p[:n] {
		p[i] = 'x'
	}
	r.left -= n
	r.read.Add(n)
	return int(n), nil
}

func (r *endlessReader) Close() error { return nil }

func TestHugeErrorBodyIsReadThroughACap(t *testing.T) {
	t.Parallel()
	const size = 50 << 20
	for _, prefix := range []string{"", `{"Message":"`} {
		t.Run(fmt.Sprintf("prefix %q", prefix), func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t, WithMaxRetries(0))
			body := &endlessReader{left: size}
			env.mt.RegisterResponder(http.MethodGet, testAPI+"/things/x", func(r *http.Request) (*http.Response, error) {
				return &http.Response{StatusCode: 500, Header: http.Header{}, Body: io.NopCloser(io.MultiReader(strings.NewReader(prefix), body)), Request: r}, nil
			})
			_, err := getThing(context.Background(), env.c, "x")
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, 500, apiErr.StatusCode)
			assert.Less(t, body.read.Load(), int64(1<<20), "read %d of %d bytes", body.read.Load(), size)
			assert.LessOrEqual(t, utf8.RuneCountInString(apiErr.Message), 201)
			assert.Less(t, len(apiErr.Error()), 1024)
		})
	}
}

// A 2xx body is decoded through a cap too (maxSuccessBody, lowered here to
// keep the test small): a body over it is an error naming the cap, read no
// further than the cap, and a POST answered so is not "recovered" through
// GET /responses/{key} (the answer was not lost, it was not Mangopay's).
func TestHugeSuccessBodyIsCapped(t *testing.T) {
	t.Parallel()
	const size = 50 << 20
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t, WithMaxRetries(0))
			env.c.maxBody = 1 << 20
			body := &endlessReader{left: size}
			var calls atomic.Int64
			env.mt.RegisterResponder(method, "=~^"+testAPI+"/", func(r *http.Request) (*http.Response, error) {
				calls.Add(1)
				return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
					Body: io.NopCloser(io.MultiReader(strings.NewReader(`{"Id":"`), body)), Request: r}, nil
			})
			var err error
			if method == http.MethodGet {
				_, err = getThing(context.Background(), env.c, "x")
			} else {
				var out thing
				err = env.c.post(context.Background(), "/things", nil, &out, nil)
			}
			require.ErrorIs(t, err, errBodyTooLarge)
			assert.Contains(t, err.Error(), "32 MiB cap")
			assert.Contains(t, err.Error(), "/things")
			assert.LessOrEqual(t, body.read.Load(), int64(1<<20+4096+1), "read %d of %d bytes", body.read.Load(), size)
			assert.Equal(t, int64(1), calls.Load(), "one request, no recovery lookup")
		})
	}
}

// A body of exactly the cap decodes; one byte more does not.
func TestSuccessBodyCapBoundary(t *testing.T) {
	t.Parallel()
	const doc = `{"Id":"t-1","Status":"OK"}`
	for _, tc := range []struct {
		max int64
		ok  bool
	}{{int64(len(doc)), true}, {int64(len(doc)) + 100, true}, {int64(len(doc)) - 1, false}} {
		env := newTestClient(t, WithMaxRetries(0))
		env.c.maxBody = tc.max
		env.mt.RegisterResponder(http.MethodGet, testAPI+"/things/t-1", jsonResponder(200, doc))
		got, err := getThing(context.Background(), env.c, "t-1")
		if tc.ok {
			require.NoError(t, err, "cap %d", tc.max)
			assert.Equal(t, &thing{ID: "t-1", Status: "OK"}, got)
		} else {
			assert.ErrorIs(t, err, errBodyTooLarge, "cap %d", tc.max)
		}
	}
}

func TestSentinels(t *testing.T) {
	t.Parallel()
	all := []error{ErrNotFound, ErrUnauthorized, ErrForbidden, ErrRateLimited, ErrIdempotencyConflict, ErrScaProxyMissing,
		ErrNotAllowedForPayer, ErrNotAllowedForOwner, ErrTermsNotAccepted, ErrInvalidID, ErrScaRequired, ErrUntrustedRedirect}
	cases := []struct {
		err  *APIError
		want []error
	}{
		{&APIError{StatusCode: 404, Type: ErrorTypeNotFound}, []error{ErrNotFound}},
		{&APIError{StatusCode: 404}, []error{ErrNotFound}},
		{&APIError{StatusCode: 400, Type: ErrorTypeNotFound}, []error{ErrNotFound}},
		{&APIError{StatusCode: 401, Type: ErrorTypeInvalidCredentials}, []error{ErrUnauthorized}},
		{&APIError{StatusCode: 403, Type: ErrorTypeForbidden}, []error{ErrForbidden}},
		{&APIError{StatusCode: 403, Type: ErrorTypeScaProxyMissing}, []error{ErrForbidden, ErrScaProxyMissing}},
		{&APIError{StatusCode: 403, Type: ErrorTypeTermsNotAccepted}, []error{ErrForbidden, ErrTermsNotAccepted}},
		{&APIError{StatusCode: 429, Type: ErrorTypeRateLimit}, []error{ErrRateLimited}},
		{&APIError{StatusCode: 429}, []error{ErrRateLimited}},
		{&APIError{StatusCode: 409, Type: ErrorTypeIdempotencyConflict}, []error{ErrIdempotencyConflict}},
		{&APIError{StatusCode: 409}, []error{ErrIdempotencyConflict}},
		{&APIError{StatusCode: 409, Type: ErrorTypeOther}, nil},
		{&APIError{StatusCode: 400, Type: ErrorTypeNotAllowedForPayer}, []error{ErrNotAllowedForPayer}},
		{&APIError{StatusCode: 400, Type: ErrorTypeNotAllowedForOwner}, []error{ErrNotAllowedForOwner}},
		{&APIError{StatusCode: 400, Type: ErrorTypeParam}, nil},
		{&APIError{StatusCode: 500}, nil},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%d %s", tc.err.StatusCode, tc.err.Type), func(t *testing.T) {
			t.Parallel()
			wrapped := fmt.Errorf("creating transfer: %w", tc.err)
			for _, s := range all {
				want := false
				for _, w := range tc.want {
					want = want || w == s
				}
				assert.Equal(t, want, errors.Is(wrapped, s), "errors.Is(%v)", s)
			}
		})
	}
	_, err := pathf("/x/%s", "")
	assert.ErrorIs(t, err, ErrInvalidID)
	assert.ErrorIs(t, fmt.Errorf("wrapped: %w", &ScaRequiredError{}), ErrScaRequired)
	for _, s := range all {
		assert.True(t, strings.HasPrefix(s.Error(), "mangopay: "), s.Error())
	}
}

func TestAPIErrorString(t *testing.T) {
	t.Parallel()
	e := &APIError{StatusCode: 400, Type: "param_error", Message: "One or several required parameters are missing or incorrect.",
		Method: "POST", URL: "https://api.sandbox.mangopay.com/v2.01/acme/users/u1/recipients",
		Errors: map[string]string{"LocalBankTransfer.GBP.AccountNumber": "INVALID_ACCOUNT_NUMBER", "Currency": "REQUIRED\nreally", "A": "1", "B": "2"}}
	s := e.Error()
	assert.Equal(t, "mangopay: POST https://api.sandbox.mangopay.com/v2.01/acme/users/u1/recipients: 400 Bad Request (param_error): "+
		"One or several required parameters are missing or incorrect. [A: 1; B: 2; Currency: REQUIRED really; and 1 more]", s)
	assertOneLine(t, s)

	assert.Equal(t, "mangopay: 599", (&APIError{StatusCode: 599}).Error())
	assert.Equal(t, "mangopay: 404 Not Found (ressource_not_found): The ressource does not exist",
		(&APIError{StatusCode: 404, Type: "ressource_not_found", Message: "The ressource does not exist"}).Error())
	evil := &APIError{StatusCode: 400, Message: "a\nb", Type: "x\r\ny", Errors: map[string]string{"k\n": "v\n"}}
	assertOneLine(t, evil.Error())
}

func TestFieldError(t *testing.T) {
	t.Parallel()
	e := &APIError{Errors: map[string]string{"LocalBankTransfer.GBP.AccountNumber": "INVALID_ACCOUNT_NUMBER"}}
	v, ok := e.FieldError("LocalBankTransfer.GBP.AccountNumber")
	assert.True(t, ok)
	assert.Equal(t, "INVALID_ACCOUNT_NUMBER", v)
	v, ok = e.FieldError("localbanktransfer.gbp.accountnumber")
	assert.True(t, ok)
	assert.Equal(t, "INVALID_ACCOUNT_NUMBER", v)
	_, ok = e.FieldError("Email")
	assert.False(t, ok)
	_, ok = (&APIError{}).FieldError("Email")
	assert.False(t, ok)
}

func TestErrorStringsHoldNoSecrets(t *testing.T) {
	t.Parallel()
	// Errors raised along every path of a client with credentials.
	env := newTestClient(t, WithMaxRetries(1))
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/a", jsonResponder(400, apiErrorBody("param_error", "bad")))
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/b", jsonResponder(500, `<html>down</html>`))
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/c", httpmock.NewErrorResponder(errors.New("dial tcp 10.0.0.1:443: i/o timeout")))
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/d", jsonResponder(401, `{"Type":"invalid_credentials"}`))
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/e", withHeader(jsonResponder(401, ``), "WWW-Authenticate", "PendingUserAction RedirectUrl=https://sca.mangopay.com?token=t"))
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/f", jsonResponder(200, `{"Id":`))
	ctx := context.Background()
	var errs []error
	for _, p := range []string{"/a", "/b", "/c", "/d", "/e", "/f"} {
		errs = append(errs, env.c.get(ctx, p, nil, &thing{}, nil))
	}
	errs = append(errs, env.c.post(ctx, "/a", nil, nil, []RequestOption{WithIdempotencyKey("bad key")}))
	_, err := New(testClientID, testAPIKey, WithBaseURL("ftp://x"))
	errs = append(errs, err)

	bad := newTestClient(t)
	bad.mt.RegisterResponder(http.MethodPost, testBase+"/v2.01/oauth/token", jsonResponder(400, `{"error":"invalid_client"}`))
	errs = append(errs, bad.c.get(ctx, "/a", nil, nil, nil))

	for i, err := range errs {
		require.Error(t, err, i)
		for _, s := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
			assertNoSecret(t, s)
		}
		assertOneLine(t, err.Error())
	}
}

func TestTruncateAndOneLine(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "abc", truncate("abc", 5))
	assert.Equal(t, "ab…", truncate("abcdef", 2))
	assert.Equal(t, "é…", truncate("éé", 3), "cut at a rune boundary")
	assert.Equal(t, "a b c", oneLine("  a\t\nb \u2029 c\x00 "))
	assert.Equal(t, "ab", oneLine("a\xffb"))
}

// fixtureFromDocs guards that the error fixtures are the documented payloads.
func TestErrorFixturesExist(t *testing.T) {
	t.Parallel()
	for _, f := range []string{"errors/400-not-allowed-for-payer.json", "errors/403-sca-proxy-missing.json"} {
		_, err := os.Stat(filepath.Join("testdata", f))
		assert.NoError(t, err)
	}
}
