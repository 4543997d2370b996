package mangopaytest_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scaforge/mangopay/mangopaytest"
)

// receiver is a platform's webhook endpoint that records what it gets.
type receiver struct {
	*httptest.Server
	mu    sync.Mutex
	got   []*http.Request
	fails atomic.Int32 // answer 500 while positive
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.mu.Lock()
		rc.got = append(rc.got, r)
		rc.mu.Unlock()
		if rc.fails.Add(-1) >= 0 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) requests() []*http.Request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]*http.Request(nil), rc.got...)
}

func flush(t *testing.T, srv *mangopaytest.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, srv.FlushWebhooks(ctx))
}

// TestHookEmail checks the per-hook alert Email (API release note
// 2026-05-11, "Email property per Hook"): set on POST /hooks and PUT
// /hooks/{id}, returned on GET and list, null when not set.
func TestHookEmail(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	h := a.ok(a.call(http.MethodPost, "/hooks", map[string]any{"EventType": "TRANSFER_NORMAL_FAILED", "Url": "https://hooks.example/a", "Email": "alerts@example.com"}))
	assert.Equal(t, "alerts@example.com", h["Email"])
	id := h["Id"].(string)
	assert.Equal(t, "alerts@example.com", a.ok(a.get("/hooks/" + id))["Email"])
	assert.Equal(t, "alerts@example.com", a.get("/hooks").list(t)[0]["Email"])

	up := a.ok(a.call(http.MethodPut, "/hooks/"+id, map[string]any{"Email": "ops@example.com"}))
	assert.Equal(t, "ops@example.com", up["Email"])
	assert.Equal(t, "https://hooks.example/a", up["Url"], "other fields left alone")
	assert.Equal(t, "ops@example.com", a.ok(a.get("/hooks/" + id))["Email"])
	assert.Equal(t, "ops@example.com", a.ok(a.call(http.MethodPut, "/hooks/"+id, map[string]any{"Tag": "t"}))["Email"], "absent leaves it")
	assert.Nil(t, a.ok(a.call(http.MethodPut, "/hooks/"+id, map[string]any{"Email": ""}))["Email"], "empty clears it")

	other := a.ok(a.call(http.MethodPost, "/hooks", map[string]any{"EventType": "TRANSFER_NORMAL_SUCCEEDED", "Url": "https://hooks.example/b"}))
	assert.Contains(t, other, "Email")
	assert.Nil(t, other["Email"], "null when not set")
	errs := assertError(t, a.call(http.MethodPost, "/hooks", map[string]any{"EventType": "USER_ACCOUNT_ACTIVATED", "Url": "https://hooks.example/c", "Email": "not-an-email"}), http.StatusBadRequest, "param_error")
	assert.Contains(t, errs, "Email")
	errs = assertError(t, a.call(http.MethodPut, "/hooks/"+id, map[string]any{"Email": "nope"}), http.StatusBadRequest, "param_error")
	assert.Contains(t, errs, "Email")
}

func TestHooksCRUD(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	h := a.ok(a.call(http.MethodPost, "/hooks", map[string]any{"EventType": "USER_ACCOUNT_ACTIVATED", "Url": "https://webhook.site/e1def644", "Tag": "Created using the Mangopay Postman collection"}))
	assertShape(t, fixtureJSON(t, "hooks/create.response.json"), h, "hook")
	assert.Regexp(t, `^hook_m_`, h["Id"])
	assert.Equal(t, "ENABLED", h["Status"])
	assert.Equal(t, "VALID", h["Validity"])
	id := h["Id"].(string)

	errs := assertError(t, a.call(http.MethodPost, "/hooks", map[string]any{"EventType": "USER_ACCOUNT_ACTIVATED", "Url": "https://other.example/"}), http.StatusBadRequest, "param_error")
	assert.Equal(t, "A hook has already been registered for this EventType", errs["EventType"])
	errs = assertError(t, a.call(http.MethodPost, "/hooks", map[string]any{"EventType": "NOT_AN_EVENT", "Url": "ftp://x"}), http.StatusBadRequest, "param_error")
	assert.Contains(t, errs, "EventType")
	assert.Contains(t, errs, "Url")
	errs = assertError(t, a.call(http.MethodPost, "/hooks", map[string]any{}), http.StatusBadRequest, "param_error")
	assert.Equal(t, "The EventType field is required.", errs["EventType"])

	u := a.ok(a.call(http.MethodPut, "/hooks/"+id, map[string]any{"Status": "DISABLED", "Url": "https://platform.example/h", "Tag": "t"}))
	assert.Equal(t, "DISABLED", u["Status"])
	assert.Equal(t, "https://platform.example/h", u["Url"])
	assert.Equal(t, u, a.ok(a.get("/hooks/"+id)))
	errs = assertError(t, a.call(http.MethodPut, "/hooks/"+id, map[string]any{"Status": "PAUSED", "Validity": "INVALID"}), http.StatusBadRequest, "param_error")
	assert.Contains(t, errs, "Status")
	assert.Contains(t, errs, "Validity")
	assertError(t, a.get("/hooks/hook_m_missing"), http.StatusNotFound, "ressource_not_found")

	a.ok(a.call(http.MethodPost, "/hooks", map[string]any{"EventType": "TRANSFER_NORMAL_SUCCEEDED", "Url": "https://platform.example/h?x=1&y=2"}))
	r := a.get("/hooks")
	l := r.list(t)
	require.Len(t, l, 2)
	assert.Equal(t, id, l[0]["Id"])
	assert.Equal(t, "https://platform.example/h?x=1&y=2", l[1]["Url"], "& is not escaped as \\u0026 on the wire")
	assert.NotContains(t, string(r.body), `\u0026`)
	assert.Equal(t, "2", r.header.Get("X-Number-Of-Items"))
}

func TestWebhookDelivery(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t)
	a := newAPI(t)
	for _, ev := range []string{"USER_ACCOUNT_VALIDATION_ASKED", "USER_ACCOUNT_ACTIVATED", "SCA_ENROLLMENT_SUCCEEDED"} {
		a.ok(a.call(http.MethodPost, "/hooks", map[string]any{"EventType": ev, "Url": rc.URL + "/mangopay/hooks?secret=s3"}))
	}
	owner := a.activeOwner("Olga")
	flush(t, a.srv)

	reqs := rc.requests()
	require.Len(t, reqs, 3)
	for i, ev := range []string{"USER_ACCOUNT_VALIDATION_ASKED", "USER_ACCOUNT_ACTIVATED", "SCA_ENROLLMENT_SUCCEEDED"} {
		r := reqs[i]
		assert.Equal(t, http.MethodGet, r.Method)
		assert.Equal(t, "/mangopay/hooks", r.URL.Path)
		q := r.URL.Query()
		assert.Equal(t, url.Values{"secret": {"s3"}, "EventType": {ev}, "RessourceId": {owner}, "Date": {q.Get("Date")}}, q, "Mangopay's exact parameters")
		assert.Regexp(t, `^\d{10}$`, q.Get("Date"))
	}
	d := a.srv.Webhooks()
	require.Len(t, d, 3)
	assert.True(t, d[0].Delivered)
	assert.Equal(t, 1, d[0].Attempts)
	assert.Equal(t, http.StatusOK, d[0].StatusCode)
	assert.Equal(t, owner, d[0].ResourceID)
	assert.Equal(t, rc.URL+"/mangopay/hooks?secret=s3&EventType=USER_ACCOUNT_VALIDATION_ASKED&RessourceId="+owner+"&Date="+reqs[0].URL.Query().Get("Date"), d[0].URL)
}

func TestWebhookRetriesAndInvalidation(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t)
	a := newAPI(t, mangopaytest.WithWebhookRetries(3, time.Millisecond))
	hook := a.ok(a.call(http.MethodPost, "/hooks", map[string]any{"EventType": "PAYIN_NORMAL_SUCCEEDED", "Url": rc.URL}))
	w := a.wallet(a.createPayer("Paula"), "EUR", 0)

	rc.fails.Store(2)
	require.NoError(t, a.srv.Credit(w, 100))
	flush(t, a.srv)
	d := a.srv.Webhooks()
	require.Len(t, d, 1)
	assert.True(t, d[0].Delivered)
	assert.Equal(t, 3, d[0].Attempts, "two failures, then delivered")
	assert.Len(t, rc.requests(), 3)

	rc.fails.Store(3)
	require.NoError(t, a.srv.Credit(w, 100))
	flush(t, a.srv)
	d = a.srv.Webhooks()
	require.Len(t, d, 2)
	assert.False(t, d[1].Delivered)
	assert.Equal(t, http.StatusInternalServerError, d[1].StatusCode)
	assert.Contains(t, d[1].Err, "500")

	// 100 failed deliveries in a row make the hook INVALID; PUT Validity VALID revives it.
	rc.fails.Store(1 << 30)
	for i := 0; i < 99; i++ {
		require.NoError(t, a.srv.Credit(w, 1))
	}
	flush(t, a.srv)
	h := a.ok(a.get("/hooks/" + hook["Id"].(string)))
	assert.Equal(t, "INVALID", h["Validity"])
	n := len(a.srv.Webhooks())
	require.NoError(t, a.srv.Credit(w, 1))
	flush(t, a.srv)
	assert.Len(t, a.srv.Webhooks(), n, "an INVALID hook gets nothing")
	rc.fails.Store(0)
	assert.Equal(t, "VALID", a.ok(a.call(http.MethodPut, "/hooks/"+hook["Id"].(string), map[string]any{"Validity": "VALID"}))["Validity"])
	require.NoError(t, a.srv.Credit(w, 1))
	flush(t, a.srv)
	assert.True(t, a.srv.Webhooks()[n].Delivered)
}

func TestDisabledHookAndUnreachableURL(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t)
	a := newAPI(t, mangopaytest.WithWebhookRetries(2, time.Millisecond))
	h := a.ok(a.call(http.MethodPost, "/hooks", map[string]any{"EventType": "PAYIN_NORMAL_SUCCEEDED", "Url": rc.URL}))
	a.ok(a.call(http.MethodPut, "/hooks/"+h["Id"].(string), map[string]any{"Status": "DISABLED"}))
	w := a.wallet(a.createPayer("Paula"), "EUR", 100)
	flush(t, a.srv)
	assert.Empty(t, rc.requests())
	assert.Empty(t, a.srv.Webhooks())

	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	a.ok(a.call(http.MethodPut, "/hooks/"+h["Id"].(string), map[string]any{"Status": "ENABLED", "Url": deadURL}))
	require.NoError(t, a.srv.Credit(w, 1))
	flush(t, a.srv)
	d := a.srv.Webhooks()
	require.Len(t, d, 1)
	assert.False(t, d[0].Delivered)
	assert.Equal(t, 2, d[0].Attempts)
	assert.Zero(t, d[0].StatusCode)
	assert.NotEmpty(t, d[0].Err)
}

func TestListEvents(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	owner := a.activeOwner("Olga")
	a.srv.Advance(time.Hour)
	a.token = a.fetchToken()
	later := a.srv.Now().Unix()
	from, to := a.wallet(owner, "EUR", 5000), a.wallet(a.activeOwner("Bob"), "EUR", 0)
	tr := a.transfer(owner, from, to, 4000, "")

	r := a.get("/events?per_page=100")
	all := r.list(t)
	require.Len(t, all, 9)
	assert.ElementsMatch(t, []string{"ResourceId", "EventType", "Date"}, keys(all[0]), "ResourceId spelled correctly here")
	assert.Equal(t, map[string]any{"ResourceId": owner, "EventType": "USER_ACCOUNT_VALIDATION_ASKED", "Date": all[0]["Date"]}, all[0])
	assert.Equal(t, "9", r.header.Get("X-Number-Of-Items"))

	l := a.get("/events?EventType=TRANSFER_NORMAL_SUCCEEDED").list(t)
	require.Len(t, l, 1)
	assert.Equal(t, tr["Id"], l[0]["ResourceId"])
	assert.Len(t, a.get("/events?EventType=TRANSFER_NORMAL_CREATED,TRANSFER_NORMAL_SUCCEEDED").list(t), 2)
	assert.Len(t, a.get(fmt.Sprintf("/events?BeforeDate=%d&per_page=100", later)).list(t), 3, "Olga's enrollment, an hour earlier")
	assert.Len(t, a.get(fmt.Sprintf("/events?AfterDate=%d&per_page=100", later-1)).list(t), 6)
	assertError(t, a.get("/events?AfterDate=soon"), http.StatusBadRequest, "param_error")
	assert.Len(t, a.srv.Events(), 9)
}

// TestWebhooksForEveryEventFamily walks through every SCA outcome with a
// hook registered for each event type the issue lists, and checks that each
// notification reaches the platform as Mangopay sends it (a GET with
// EventType, RessourceId and Date), the first one after a retry.
func TestWebhooksForEveryEventFamily(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t)
	rc.fails.Store(1) // the first attempt of the first delivery is answered 500
	a := newAPI(t, mangopaytest.WithProxyManagement())
	families := []string{
		"USER_ACCOUNT_VALIDATION_ASKED", "USER_ACCOUNT_ACTIVATED", "USER_CATEGORY_UPDATED_TO_OWNER",
		"SCA_ENROLLMENT_SUCCEEDED", "SCA_ENROLLMENT_FAILED", "SCA_ENROLLMENT_EXPIRED",
		"TRANSFER_NORMAL_CREATED", "TRANSFER_NORMAL_SUCCEEDED", "TRANSFER_NORMAL_FAILED",
		"RECIPIENT_ACTIVE", "RECIPIENT_CANCELED", "RECIPIENT_DEACTIVATED",
		"SCA_CONTACT_INFORMATION_UPDATE_CONSENT_GIVEN", "SCA_CONTACT_INFORMATION_UPDATE_CONSENT_REVOKED",
		"SCA_TRANSFER_CONSENT_GIVEN", "SCA_TRANSFER_CONSENT_REVOKED",
		"SCA_RECIPIENT_REGISTRATION_CONSENT_GIVEN", "SCA_RECIPIENT_REGISTRATION_CONSENT_REVOKED",
		"SCA_VIEW_ACCOUNT_INFORMATION_CONSENT_GIVEN", "SCA_VIEW_ACCOUNT_INFORMATION_CONSENT_REVOKED",
	}
	for _, ev := range families {
		a.ok(a.call(http.MethodPost, "/hooks", map[string]any{"EventType": ev, "Url": rc.URL + "/mangopay/hooks"}))
	}
	type note struct{ eventType, resourceID string }
	var want []note
	expect := func(id string, evs ...string) {
		for _, ev := range evs {
			want = append(want, note{ev, id})
		}
	}

	// Users: an OWNER enrolls; another declines, then lets a new session
	// expire; a PAYER is categorized.
	alice, link := a.createOwner("Alice")
	require.NoError(t, a.srv.CompleteSca(link, mangopaytest.Validated))
	expect(alice, "USER_ACCOUNT_VALIDATION_ASKED", "USER_ACCOUNT_ACTIVATED", "SCA_ENROLLMENT_SUCCEEDED")
	bob, link := a.createOwner("Bob")
	require.NoError(t, a.srv.CompleteSca(link, mangopaytest.Failed))
	enroll := a.ok(a.call(http.MethodPost, "/sca/users/"+bob+"/enrollment", nil))
	a.srv.Advance(mangopaytest.SessionLifetime)
	require.ErrorIs(t, a.srv.CompleteSca(linkOf(enroll), mangopaytest.Validated), mangopaytest.ErrSessionExpired)
	expect(bob, "USER_ACCOUNT_VALIDATION_ASKED", "SCA_ENROLLMENT_FAILED", "SCA_ENROLLMENT_EXPIRED")
	paula := a.createPayer("Paula")
	cat := a.ok(a.call(http.MethodPut, "/sca/users/natural/"+paula+"/category", map[string]any{
		"UserCategory": "OWNER", "TermsAndConditionsAccepted": true, "Birthday": 652117514, "Nationality": "FR", "CountryOfResidence": "FR"}))
	require.NoError(t, a.srv.CompleteSca(linkOf(cat), mangopaytest.Validated))
	expect(paula, "USER_CATEGORY_UPDATED_TO_OWNER", "USER_ACCOUNT_VALIDATION_ASKED", "USER_ACCOUNT_ACTIVATED", "SCA_ENROLLMENT_SUCCEEDED")

	// Transfers: one approved, one declined.
	from, to := a.wallet(alice, "EUR", 200000), a.wallet(paula, "EUR", 0)
	ok := a.transfer(alice, from, to, 60000, "USER_PRESENT")
	require.NoError(t, a.srv.CompleteSca(linkOf(ok), mangopaytest.Validated))
	expect(ok["Id"].(string), "TRANSFER_NORMAL_CREATED", "TRANSFER_NORMAL_SUCCEEDED")
	declined := a.transfer(alice, from, to, 60000, "USER_PRESENT")
	require.NoError(t, a.srv.CompleteSca(linkOf(declined), mangopaytest.Failed))
	expect(declined["Id"].(string), "TRANSFER_NORMAL_CREATED", "TRANSFER_NORMAL_FAILED")

	// Recipients: one approved then deactivated, one declined.
	rec := a.ok(a.call(http.MethodPost, "/users/"+alice+"/recipients", recipientBody(t)))
	require.NoError(t, a.srv.CompleteSca(linkOf(rec), mangopaytest.Validated))
	a.ok(a.call(http.MethodPut, "/recipients/"+rec["Id"].(string), map[string]any{"Status": "DEACTIVATED"}))
	expect(rec["Id"].(string), "RECIPIENT_ACTIVE", "RECIPIENT_DEACTIVATED")
	canceled := a.ok(a.call(http.MethodPost, "/users/"+alice+"/recipients", recipientBody(t)))
	require.NoError(t, a.srv.CompleteSca(linkOf(canceled), mangopaytest.Failed))
	expect(canceled["Id"].(string), "RECIPIENT_CANCELED")

	// Consent: every scope given, then on the hosted page all but Transfer
	// withdrawn (only its box ticked), then Transfer too (no box ticked).
	consent := func(scopes ...string) {
		c := a.ok(a.call(http.MethodPost, "/sca/users/"+alice+"/consent", nil))
		r := a.submit(url.Values{"token": {tokenOf(t, linkOf(c))}, "returnUrl": {"https://platform.example/back"},
			"code": {mangopaytest.OTP}, "action": {"approve"}, "scope": scopes})
		require.Equal(t, http.StatusSeeOther, r.status, string(r.body))
	}
	c := a.ok(a.call(http.MethodPost, "/sca/users/"+alice+"/consent", nil))
	require.NoError(t, a.srv.CompleteSca(linkOf(c), mangopaytest.Validated))
	expect(alice, "SCA_CONTACT_INFORMATION_UPDATE_CONSENT_GIVEN", "SCA_RECIPIENT_REGISTRATION_CONSENT_GIVEN",
		"SCA_TRANSFER_CONSENT_GIVEN", "SCA_VIEW_ACCOUNT_INFORMATION_CONSENT_GIVEN")
	consent("Transfer")
	expect(alice, "SCA_CONTACT_INFORMATION_UPDATE_CONSENT_REVOKED", "SCA_RECIPIENT_REGISTRATION_CONSENT_REVOKED",
		"SCA_VIEW_ACCOUNT_INFORMATION_CONSENT_REVOKED")
	st := a.ok(a.get("/sca/users/" + alice + "/sca-status"))
	assert.Equal(t, map[string]any{"ContactInformationUpdate": "INACTIVE", "RecipientRegistration": "INACTIVE",
		"Transfer": "ACTIVE", "ViewAccountInformation": "INACTIVE"}, st["ConsentScope"], "sca-status reflects the consent")
	consent()
	expect(alice, "SCA_TRANSFER_CONSENT_REVOKED")

	flush(t, a.srv)
	var got []note
	for _, req := range rc.requests() {
		require.Equal(t, http.MethodGet, req.Method)
		require.Equal(t, "/mangopay/hooks", req.URL.Path)
		q := req.URL.Query()
		require.ElementsMatch(t, []string{"EventType", "RessourceId", "Date"}, slices.Collect(maps.Keys(q)), req.URL.RawQuery)
		require.Regexp(t, `^\d{10}$`, q.Get("Date"))
		got = append(got, note{q.Get("EventType"), q.Get("RessourceId")})
	}
	// The first delivery came twice (500, then 200); each event once otherwise.
	require.NotEmpty(t, got)
	assert.Equal(t, got[0], got[1], "the failed first attempt was retried")
	assert.ElementsMatch(t, want, got[1:], "one notification per event, none missing")
	covered := map[string]bool{}
	for _, n := range want {
		covered[n.eventType] = true
	}
	assert.Len(t, covered, len(families), "every listed event type was produced")

	d := a.srv.Webhooks()
	require.Len(t, d, len(want))
	assert.Equal(t, 2, d[0].Attempts)
	for _, x := range d {
		assert.True(t, x.Delivered, "%s %s: %s", x.EventType, x.ResourceID, x.Err)
	}
}
