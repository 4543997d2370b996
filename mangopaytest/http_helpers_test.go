package mangopaytest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/scaforge/mangopay/mangopaytest"
)

// TestMain fails the package if any test leaves a goroutine behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// api drives a fresh emulator over raw HTTP, as a client in another
// language would.
type api struct {
	t     *testing.T
	srv   *mangopaytest.Server
	hc    *http.Client
	token string
}

// newAPI starts a server (closed at the end of the test) and fetches a token.
func newAPI(t *testing.T, opts ...mangopaytest.Option) *api {
	t.Helper()
	srv := mangopaytest.NewServer(opts...)
	t.Cleanup(srv.Close)
	a := &api{t: t, srv: srv, hc: noRedirects(srv.HTTPClient())}
	a.token = a.fetchToken()
	return a
}

func noRedirects(hc *http.Client) *http.Client {
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return hc
}

func (a *api) fetchToken() string {
	a.t.Helper()
	req, err := http.NewRequest(http.MethodPost, a.srv.URL+"/v2.01/oauth/token", strings.NewReader("grant_type=client_credentials"))
	require.NoError(a.t, err)
	req.SetBasicAuth(a.srv.ClientID, a.srv.APIKey)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r := a.send(req)
	require.Equal(a.t, http.StatusOK, r.status, string(r.body))
	return r.json(a.t)["access_token"].(string)
}

// resp is a buffered response, with the path it answered.
type resp struct {
	status int
	header http.Header
	body   []byte
	path   string
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), "body: %s", r.body)
	return m
}

func (r resp) list(t *testing.T) []map[string]any {
	t.Helper()
	var l []map[string]any
	require.NoError(t, json.Unmarshal(r.body, &l), "body: %s", r.body)
	return l
}

func (a *api) send(req *http.Request) resp {
	a.t.Helper()
	res, err := a.hc.Do(req)
	require.NoError(a.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(a.t, err)
	if strings.HasPrefix(req.URL.Path, "/v2.01/") {
		// Every API response, whatever its status, carries Mangopay's three
		// rate-limit headers, each with the four windows.
		for _, h := range []string{"X-RateLimit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
			assert.Len(a.t, strings.Split(res.Header.Get(h), ", "), 4, "%s on %s %s (%d)", h, req.Method, req.URL.Path, res.StatusCode)
		}
		assert.Empty(a.t, res.Header.Get("X-RateLimit-Limit"), "Mangopay sends no X-RateLimit-Limit")
	}
	return resp{status: res.StatusCode, header: res.Header, body: b, path: req.URL.Path}
}

// call sends an authenticated request to path (relative to
// /v2.01/{ClientId}); body is JSON-encoded unless it is a string or nil.
// hdr are extra header name/value pairs.
func (a *api) call(method, path string, body any, hdr ...string) resp {
	a.t.Helper()
	var rdr io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rdr = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		require.NoError(a.t, err)
		rdr = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, a.srv.URL+"/v2.01/"+a.srv.ClientID+path, rdr)
	require.NoError(a.t, err)
	req.Header.Set("Authorization", "Bearer "+a.token)
	if rdr != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return a.send(req)
}

func (a *api) get(path string) resp { return a.call(http.MethodGet, path, nil) }

// ok asserts a 2xx answer and returns its JSON object.
func (a *api) ok(r resp) map[string]any {
	a.t.Helper()
	require.True(a.t, r.status >= 200 && r.status < 300, "status %d: %s", r.status, r.body)
	return r.json(a.t)
}

// ownerBody is a valid natural OWNER creation body (the documented example).
func ownerBody(first string) map[string]any {
	return map[string]any{
		"UserCategory": "OWNER", "TermsAndConditionsAccepted": true,
		"FirstName": first, "LastName": "Smith", "Email": strings.ToLower(first) + "@example.com",
		"Birthday": 652117514, "Nationality": "FR", "CountryOfResidence": "FR",
		"PhoneNumber": "0611111111", "PhoneNumberCountry": "FR",
		"Address": map[string]any{"AddressLine1": "3 rue de la Cité", "City": "Paris", "PostalCode": "75004", "Country": "FR"},
	}
}

func payerBody(first string) map[string]any {
	return map[string]any{
		"UserCategory": "PAYER", "TermsAndConditionsAccepted": false,
		"FirstName": first, "LastName": "Payer", "Email": strings.ToLower(first) + "@example.com",
	}
}

// createOwner creates a natural OWNER and returns its id and enrollment link.
func (a *api) createOwner(first string) (string, string) {
	a.t.Helper()
	u := a.ok(a.call(http.MethodPost, "/sca/users/natural", ownerBody(first)))
	pua, _ := u["PendingUserAction"].(map[string]any)
	require.NotNil(a.t, pua, "an OWNER gets a link")
	return u["Id"].(string), pua["RedirectUrl"].(string)
}

// activeOwner creates an OWNER and completes its enrollment.
func (a *api) activeOwner(first string) string {
	a.t.Helper()
	id, link := a.createOwner(first)
	require.NoError(a.t, a.srv.CompleteSca(link, mangopaytest.Validated))
	return id
}

// businessOwner creates a legal OWNER of type BUSINESS and completes its
// enrollment.
func (a *api) businessOwner() string {
	a.t.Helper()
	u := a.ok(a.call(http.MethodPost, "/sca/users/legal", map[string]any{
		"UserCategory": "OWNER", "TermsAndConditionsAccepted": true, "LegalPersonType": "BUSINESS", "Name": "Acme", "Email": "acme@example.com",
		"CompanyNumber": "123", "HeadquartersAddress": map[string]any{"AddressLine1": "1 rue", "City": "Paris", "PostalCode": "75001", "Country": "FR"},
		"LegalRepresentative": map[string]any{"FirstName": "A", "LastName": "B", "Email": "a@acme.example", "Birthday": 1, "Nationality": "FR", "CountryOfResidence": "FR"},
	}))
	require.NotEmpty(a.t, linkOf(u), "every legal OWNER enrolls")
	require.NoError(a.t, a.srv.CompleteSca(linkOf(u), mangopaytest.Validated))
	return u["Id"].(string)
}

// acceptOwner creates a natural OWNER whose Email has the sandbox's "accept"
// bypass (API release note 2026-02-16): enrolled and ACTIVE at once, with
// no SCA on its transfers, recipients or wallet reads.
func (a *api) acceptOwner(first string) string {
	a.t.Helper()
	body := ownerBody(first)
	body["Email"] = strings.ToLower(first) + "+accept@example.com"
	u := a.ok(a.call(http.MethodPost, "/sca/users/natural", body))
	require.Nil(a.t, u["PendingUserAction"], "the accept bypass gives no link")
	return u["Id"].(string)
}

func (a *api) createPayer(first string) string {
	a.t.Helper()
	return a.ok(a.call(http.MethodPost, "/sca/users/natural", payerBody(first)))["Id"].(string)
}

// wallet creates a wallet for owner in currency and credits it with amount (if > 0).
func (a *api) wallet(owner, currency string, amount int64) string {
	a.t.Helper()
	w := a.ok(a.call(http.MethodPost, "/wallets", map[string]any{"Owners": []string{owner}, "Description": "main", "Currency": currency}))
	id := w["Id"].(string)
	if amount > 0 {
		require.NoError(a.t, a.srv.Credit(id, amount))
	}
	return id
}

// transfer posts a transfer and returns the decoded answer.
func (a *api) transfer(author, from, to string, amount int64, scaContext string) map[string]any {
	a.t.Helper()
	body := map[string]any{
		"AuthorId": author, "DebitedWalletId": from, "CreditedWalletId": to,
		"DebitedFunds": map[string]any{"Currency": "EUR", "Amount": amount},
		"Fees":         map[string]any{"Currency": "EUR", "Amount": 0},
	}
	if scaContext != "" {
		body["ScaContext"] = scaContext
	}
	return a.ok(a.call(http.MethodPost, "/transfers", body))
}

// balance returns a wallet's balance through the Balance control.
func (a *api) balance(walletID string) int64 {
	a.t.Helper()
	b, _, err := a.srv.Balance(walletID)
	require.NoError(a.t, err)
	return b
}

// linkOf extracts the RedirectUrl of a body's PendingUserAction ("" if null).
func linkOf(m map[string]any) string {
	p, _ := m["PendingUserAction"].(map[string]any)
	if p == nil {
		return ""
	}
	return p["RedirectUrl"].(string)
}

// tokenOf returns the token query parameter of an SCA link.
func tokenOf(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	require.NoError(t, err)
	return u.Query().Get("token")
}

// fixture reads testdata/<path>.
func fixture(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", path))
	require.NoError(t, err)
	return b
}

// fixtureJSON decodes testdata/<path>.
func fixtureJSON(t *testing.T, path string) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(fixture(t, path), &v))
	return v
}

// assertShape checks that got has exactly the keys of the documented
// example want, recursively, with the same JSON kind wherever both are
// non-null (values themselves may differ: ids, dates, tokens).
func assertShape(t *testing.T, want, got any, path string) {
	t.Helper()
	if want == nil || got == nil {
		return
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !assert.True(t, ok, "%s: want an object, got %T", path, got) {
			return
		}
		assert.ElementsMatch(t, keys(w), keys(g), "%s: keys", path)
		for k, wv := range w {
			assertShape(t, wv, g[k], path+"."+k)
		}
	case []any:
		g, ok := got.([]any)
		if !assert.True(t, ok, "%s: want an array, got %T", path, got) {
			return
		}
		if len(w) > 0 {
			for i := range g {
				assertShape(t, w[0], g[i], fmt.Sprintf("%s[%d]", path, i))
			}
		}
	default:
		assert.IsType(t, want, got, "%s: kind", path)
	}
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// decodeAny decodes a JSON body into an untyped value.
func decodeAny(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(b, &v), "body: %s", b)
	return v
}

// assertJustNow checks that got, a Unix time decoded from JSON, is the
// emulator's current time: at most two seconds ago (the emulator's clock
// runs with real time, so a second may tick between the call and the check).
func assertJustNow(t *testing.T, srv *mangopaytest.Server, got any) {
	t.Helper()
	f, ok := got.(float64)
	if !assert.True(t, ok, "want a Unix time, got %T %v", got, got) {
		return
	}
	now := float64(srv.Now().Unix())
	assert.True(t, f <= now && f >= now-2, "%v is not the emulator's current time %v", f, now)
}

// eventTypes lists the server's event types for a resource, in order.
func eventTypes(srv *mangopaytest.Server, resourceID string) []string {
	var out []string
	for _, e := range srv.Events() {
		if e.ResourceID == resourceID {
			out = append(out, string(e.EventType))
		}
	}
	return out
}

// assertError checks a Mangopay error body: status, Type, Message, an Id
// and an integer Date; it returns the field errors.
func assertError(t *testing.T, r resp, status int, typ string) map[string]any {
	t.Helper()
	require.Equal(t, status, r.status, "body: %s", r.body)
	m := r.json(t)
	assert.Equal(t, typ, m["Type"], "Type in %s", r.body)
	assert.NotEmpty(t, m["Message"])
	assert.NotEmpty(t, m["Id"])
	assert.IsType(t, float64(0), m["Date"])
	assert.Contains(t, r.header.Get("Content-Type"), "application/json")
	// The field errors are under "errors" (possibly null), except for what
	// the Recipients endpoints answer themselves: "Errors", with Id first.
	key, other := "errors", "Errors"
	if strings.Contains(r.path, "/recipients") && (status == http.StatusBadRequest || status == http.StatusForbidden || status == http.StatusNotFound) {
		key, other = "Errors", "errors"
		assert.True(t, bytes.HasPrefix(r.body, []byte(`{"Id":`)), "the recipients' errors list Id first: %s", r.body)
	}
	assert.Contains(t, m, key, "error body of %s: %s", r.path, r.body)
	assert.NotContains(t, m, other, "error body of %s: %s", r.path, r.body)
	errs, _ := m[key].(map[string]any)
	return errs
}

// openWalletAccess completes a wallet-access SCA for owner, so that its
// wallet reads answer for 180 days.
func (a *api) openWalletAccess(owner string) {
	a.t.Helper()
	r := a.get("/users/" + owner + "/wallets")
	require.Equal(a.t, http.StatusUnauthorized, r.status)
	link := strings.TrimPrefix(r.header.Get("WWW-Authenticate"), "PendingUserAction RedirectUrl=")
	require.NoError(a.t, a.srv.CompleteSca(link, mangopaytest.Validated))
}
