package mangopay

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Confirmation through a real *Client on an httpmock transport.

// activeUser is the fixture user once ACTIVE, as USER_ACCOUNT_ACTIVATED claims.
func activeUser(t *testing.T) string {
	t.Helper()
	body := string(fixture(t, "webhooks/user-natural-owner.json"))
	require.Contains(t, body, `"UserStatus": "PENDING_USER_ACTION"`)
	return strings.Replace(body, `"UserStatus": "PENDING_USER_ACTION"`, `"UserStatus": "ACTIVE"`, 1)
}

func TestWebhookConfirmationFound(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		typ     EventType
		id      string
		path    string
		fixture string
		check   func(t *testing.T, res any)
	}{
		{"user", EventUserAccountValidationAsked, "user_m_01JF7AP1M46TR0JH7WBGPWK7D7", "/sca/users/user_m_01JF7AP1M46TR0JH7WBGPWK7D7", "webhooks/user-natural-owner.json",
			func(t *testing.T, res any) {
				u, ok := res.(*User)
				require.True(t, ok, "%T", res)
				assert.Equal(t, "user_m_01JF7AP1M46TR0JH7WBGPWK7D7", u.ID)
				assert.Equal(t, UserStatusPendingUserAction, u.UserStatus)
				assert.Equal(t, UserCategoryOwner, u.UserCategory)
				n, ok := u.Natural()
				require.True(t, ok)
				assert.Equal(t, "Reinger", n.LastName)
			}},
		{"consent event names the user", EventScaTransferConsentGiven, "user_m_01JF7AP1M46TR0JH7WBGPWK7D7", "/sca/users/user_m_01JF7AP1M46TR0JH7WBGPWK7D7", "webhooks/user-natural-owner.json",
			func(t *testing.T, res any) {
				u, ok := res.(*User)
				require.True(t, ok, "%T", res)
				assert.Equal(t, "user_m_01JF7AP1M46TR0JH7WBGPWK7D7", u.ID)
			}},
		{"transfer still awaiting SCA", EventTransferNormalCreated, "xfer_c_01JRSHQFG2337DBQ4NS8XPYCK7", "/transfers/xfer_c_01JRSHQFG2337DBQ4NS8XPYCK7", "webhooks/transfer-created-sca-pending.json",
			func(t *testing.T, res any) {
				tr, ok := res.(*Transfer)
				require.True(t, ok, "%T", res)
				assert.Equal(t, "xfer_c_01JRSHQFG2337DBQ4NS8XPYCK7", tr.ID)
				assert.Equal(t, TransferStatusCreated, tr.Status)
				assert.Equal(t, Money{Currency: "EUR", Amount: 3001}, tr.DebitedFunds)
				require.NotNil(t, tr.PendingUserAction, "the GET still carries the link: the SCA demand does not make it 'not found'")
			}},
		{"recipient", EventRecipientActive, "rec_01JRSJ0W0T4X9W2Y3Z4A5B6C7D", "/recipients/rec_01JRSJ0W0T4X9W2Y3Z4A5B6C7D", "webhooks/recipient-active.json",
			func(t *testing.T, res any) {
				r, ok := res.(*Recipient)
				require.True(t, ok, "%T", res)
				assert.Equal(t, "rec_01JRSJ0W0T4X9W2Y3Z4A5B6C7D", r.ID)
				assert.Equal(t, RecipientStatusActive, r.Status)
				assert.Equal(t, "user_m_01JRJM5RR5NYQDN0S6QWJJDRMR", r.UserID)
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t)
			var cp capture
			env.mt.RegisterResponder(http.MethodGet, testAPI+tc.path, cp.wrap(jsonResponder(200, string(fixture(t, tc.fixture)))))
			rc := &recorder{}
			h := mustHandler(t, rc.fn, WithConfirmation(env.c))
			ev := Event{Type: tc.typ, ResourceID: tc.id, Date: time.Unix(docsDate, 0).UTC()}
			rec := deliver(t, h, ev)
			require.Equal(t, 200, rec.Code, rec.Body.String())
			require.Equal(t, 1, rc.calls())
			got := rc.events[0]
			assert.Equal(t, ev.Type, got.Type)
			assert.Equal(t, ev.ResourceID, got.ResourceID)
			assert.True(t, ev.Date.Equal(got.Date))
			require.NotNil(t, got.Resource, "the fetched resource is attached")
			tc.check(t, got.Resource)

			r, body := cp.last(t)
			assert.Len(t, cp.reqs, 1)
			assert.Equal(t, http.MethodGet, r.Method)
			assert.Equal(t, "/prefix/v2.01/"+testClientID+tc.path, r.URL.Path)
			assert.Empty(t, r.URL.RawQuery)
			assert.Empty(t, body)
			assertStdHeaders(t, r)
		})
	}
}

func TestWebhookConfirmationEscapesID(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterNoResponder(cp.wrap(jsonResponder(200, `{"Id":"user%41é","PersonType":"NATURAL","UserStatus":"CLOSED"}`)))
	rc := &recorder{}
	h := mustHandler(t, rc.fn, WithConfirmation(env.c))
	rec := serve(t, h, http.MethodGet, "/hooks?EventType=USER_ACCOUNT_CLOSED&RessourceId=user%2541%C3%A9&Date=1743627006")
	require.Equal(t, 200, rec.Code, rec.Body.String())
	r, _ := cp.last(t)
	assert.Equal(t, "/prefix/v2.01/"+testClientID+"/sca/users/user%2541%C3%A9", r.URL.EscapedPath(), "the id stays one escaped segment")
}

func TestWebhookConfirmationNotFound(t *testing.T) {
	t.Parallel()
	for name, resp := range map[string]httpmock.Responder{
		"404":             jsonResponder(404, `{"Message":"The ressource does not exist","Type":"ressource_not_found","Id":"x","Date":1743627010.0,"errors":{"RessourceNotFound":"Cannot found the ressource User with the id=user_m_01JQVHDG0S0TJP5KFX029211BF "}}`),
		"404 fixture":     nil, // filled below from testdata
		"400 param_error": jsonResponder(400, `{"Message":"One or several required parameters are missing or incorrect. An incorrect resource ID also raises this kind of error.","Type":"param_error","Id":"x","Date":1743627010,"errors":{"UserId":"The value user_m_x is not valid"}}`),
		"404 empty body":  httpmock.NewStringResponder(404, ""),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t)
			if resp == nil {
				resp = jsonResponder(404, string(fixture(t, "webhooks/error-not-found.json")))
			}
			var cp capture
			env.mt.RegisterResponder(http.MethodGet, testAPI+"/sca/users/"+docsUserID, cp.wrap(resp))
			rc := &recorder{}
			var log hookLog
			h := mustHandler(t, rc.fn, WithConfirmation(env.c), log.option())
			rec := deliver(t, h, docsEvent())
			assert.Equal(t, 400, rec.Code)
			assert.Equal(t, "unknown resource: notification not confirmed\n", rec.Body.String())
			assert.Zero(t, rc.calls(), "a forged notification never reaches fn")
			assert.Len(t, cp.reqs, 1, "a 4xx is not retried")
			entry := log.last(t)
			assert.Equal(t, 400, entry.status)
			var apiErr *APIError
			assert.ErrorAs(t, entry.err, &apiErr)
		})
	}
}

func TestWebhookConfirmationUnknownType(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	rc := &recorder{}
	h := mustHandler(t, rc.fn, WithConfirmation(env.c))
	rec := serve(t, h, http.MethodGet, "/hooks?EventType=MANDATE_CREATED&RessourceId=4659626451&Date=1743627006")
	assert.Equal(t, 400, rec.Code)
	assert.Equal(t, "event type cannot be confirmed\n", rec.Body.String())
	assert.Zero(t, rc.calls())
	assert.Zero(t, env.mt.GetTotalCallCount(), "nothing to fetch")
}

func TestWebhookConfirmationDeadline(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/sca/users/"+docsUserID, func(r *http.Request) (*http.Response, error) {
		<-r.Context().Done() // Mangopay is too slow
		return nil, r.Context().Err()
	})
	rc := &recorder{}
	var log hookLog
	store := NewMemoryDeliveryStore(10)
	h := mustHandler(t, rc.fn, WithConfirmation(env.c), WithWebhookTimeout(30*time.Millisecond), WithDeduplication(store), log.option())
	rec := deliver(t, h, docsEvent())
	assert.Equal(t, 500, rec.Code, "Mangopay will retry")
	assert.Equal(t, "could not confirm the notification\n", rec.Body.String())
	assert.Zero(t, rc.calls())
	entry := log.last(t)
	assert.Equal(t, 500, entry.status)
	assert.ErrorIs(t, entry.err, context.DeadlineExceeded)
	assert.Zero(t, store.Len(), "the timed-out delivery is not recorded")
}

func TestWebhookConfirmationServerErrors(t *testing.T) {
	t.Parallel()
	t.Run("5xx without retries", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t, WithMaxRetries(0))
		env.mt.RegisterResponder(http.MethodGet, testAPI+"/sca/users/"+docsUserID, jsonResponder(503, `<html>down</html>`))
		rc := &recorder{}
		rec := deliver(t, mustHandler(t, rc.fn, WithConfirmation(env.c)), docsEvent())
		assert.Equal(t, 500, rec.Code)
		assert.Zero(t, rc.calls())
	})
	t.Run("403", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		env.mt.RegisterResponder(http.MethodGet, testAPI+"/sca/users/"+docsUserID, jsonResponder(403, `{"Message":"This endpoint is not available for your account","Type":"forbidden_ressource","Id":"x","Date":1743627010,"errors":null}`))
		rc := &recorder{}
		rec := deliver(t, mustHandler(t, rc.fn, WithConfirmation(env.c)), docsEvent())
		assert.Equal(t, 500, rec.Code, "a platform-side problem is not the sender's fault: retry later")
		assert.Zero(t, rc.calls())
	})
	t.Run("retried within the deadline", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		var n int
		env.mt.RegisterResponder(http.MethodGet, testAPI+"/sca/users/"+docsUserID, func(r *http.Request) (*http.Response, error) {
			n++
			if n == 1 {
				return httpmock.NewStringResponse(502, "bad gateway"), nil
			}
			return jsonResponder(200, activeUser(t))(r)
		})
		rc := &recorder{}
		rec := deliver(t, mustHandler(t, rc.fn, WithConfirmation(env.c)), docsEvent())
		assert.Equal(t, 200, rec.Code)
		assert.Equal(t, 2, n)
		assert.Equal(t, 1, rc.calls())
	})
}

func TestWebhookConfirmationConcurrent(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	env.mt.RegisterResponder(http.MethodGet, `=~^`+testAPI+`/sca/users/`, jsonResponder(200, activeUser(t)))
	rc := &recorder{}
	h := mustHandler(t, rc.fn, WithConfirmation(env.c), WithDeduplication(NewMemoryDeliveryStore(0)))
	done := make(chan int)
	for i := range 20 {
		go func() {
			ev := docsEvent()
			ev.Date = ev.Date.Add(time.Duration(i%10) * time.Second) // 10 distinct notifications, each twice
			r := httptest.NewRequest(http.MethodGet, eventTarget("/hooks", ev), nil)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			done <- rec.Code
		}()
	}
	for range 20 {
		assert.Contains(t, []int{200, 409}, <-done)
	}
	assert.Equal(t, 10, rc.calls(), "each distinct notification ran fn once")
}

func TestWebhookConfirmationNotFoundPerKind(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		typ  EventType
		id   string
		path string
	}{
		{EventTransferNormalSucceeded, "xfer_m_gone", "/transfers/xfer_m_gone"},
		{EventRecipientDeactivated, "rec_gone", "/recipients/rec_gone"},
		{EventScaEnrollmentFailed, "user_m_gone", "/sca/users/user_m_gone"},
	} {
		t.Run(string(tc.typ), func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t)
			var cp capture
			env.mt.RegisterResponder(http.MethodGet, testAPI+tc.path, cp.wrap(jsonResponder(404, string(fixture(t, "webhooks/error-not-found.json")))))
			rc := &recorder{}
			rec := deliver(t, mustHandler(t, rc.fn, WithConfirmation(env.c)), Event{Type: tc.typ, ResourceID: tc.id, Date: time.Unix(docsDate, 0)})
			assert.Equal(t, 400, rec.Code)
			assert.Zero(t, rc.calls())
			assert.Len(t, cp.reqs, 1)
		})
	}
}

func TestWebhookConfirmationUntrustedLinkStillConfirms(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	body := strings.Replace(string(fixture(t, "webhooks/transfer-created-sca-pending.json")),
		"https://sca.sandbox.mangopay.com/", "https://sca.evil.example/", 1)
	require.Contains(t, body, "evil.example")
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/transfers/xfer_c_01JRSHQFG2337DBQ4NS8XPYCK7", jsonResponder(200, body))
	rc := &recorder{}
	rec := deliver(t, mustHandler(t, rc.fn, WithConfirmation(env.c)),
		Event{Type: EventTransferNormalCreated, ResourceID: "xfer_c_01JRSHQFG2337DBQ4NS8XPYCK7", Date: time.Unix(docsDate, 0)})
	assert.Equal(t, 200, rec.Code, "the transfer exists; the link is only refused for redirection")
	require.Equal(t, 1, rc.calls())
	tr, ok := rc.events[0].Resource.(*Transfer)
	require.True(t, ok)
	assert.Equal(t, "xfer_c_01JRSHQFG2337DBQ4NS8XPYCK7", tr.ID)
}

func TestFound(t *testing.T) {
	t.Parallel()
	u := &User{ID: "u1"}
	res, err := found(u, nil)
	require.NoError(t, err)
	assert.Same(t, u, res)

	res, err = found(u, &ScaRequiredError{RedirectURL: "https://sca.mangopay.com/?token=x"})
	require.NoError(t, err, "an SCA demand comes with an existing resource")
	assert.Same(t, u, res)

	res, err = found(u, fmt.Errorf("wrapped: %w", ErrUntrustedRedirect))
	require.NoError(t, err)
	assert.Same(t, u, res)

	boom := errors.New("boom")
	res, err = found(u, boom)
	assert.Nil(t, res, "a resource with another error is not trusted")
	assert.Same(t, boom, err)

	res, err = found[User](nil, nil)
	assert.Nil(t, res)
	assert.Error(t, err)

	res, err = found[User](nil, ErrNotFound)
	assert.Nil(t, res, "no typed nil inside the interface")
	assert.ErrorIs(t, err, ErrNotFound)

	env := newTestClient(t)
	res, err = env.c.FetchResource(context.Background(), ResourceKind("mandate"), "x")
	assert.Nil(t, res)
	assert.ErrorIs(t, err, ErrInvalidRequest, "refused before any network call")
	assert.EqualError(t, err, `mangopay: FetchResource: kind "mandate" is not a kind of resource this package can fetch`)
	assert.Zero(t, env.mt.GetTotalCallCount())
}
