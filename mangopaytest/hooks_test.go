package mangopaytest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
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
