package mangopay

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A hook's Email (API release note 2026-05-11) is sent on POST /hooks and
// decoded from the answer.
func TestHooksCreateWithEmail(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/hooks",
		cp.wrap(jsonResponder(200, string(fixture(t, "hooks/create-response-with-email.json")))))

	h, err := env.c.Hooks.Create(context.Background(), &CreateHookRequest{
		EventType: EventTransferNormalSucceeded,
		URL:       "https://platform.example/mangopay/hooks",
		Email:     "alerts@platform.example",
	})
	require.NoError(t, err)
	assert.Equal(t, &Hook{
		ID: "hook_m_01JZ3M2W8D5Q3XKQ0J6Y9C4V7B", URL: "https://platform.example/mangopay/hooks",
		Status: HookStatusEnabled, Validity: HookValidityValid, EventType: EventTransferNormalSucceeded,
		CreationDate: TimeOf(time.Unix(1778500000, 0).UTC()), Email: "alerts@platform.example",
	}, h)
	r, body := cp.last(t)
	assert.Equal(t, http.MethodPost, r.Method)
	assert.Equal(t, "/prefix/v2.01/"+testClientID+"/hooks", r.URL.Path)
	assertStdHeaders(t, r)
	assertJSONEq(t, fixture(t, "hooks/create-request-with-email.json"), body)
}

// Email on PUT /hooks/{id}: sent alone when it is the only change.
func TestHooksUpdateEmail(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodPut, testAPI+"/hooks/hook_m_01JZ3M2W8D5Q3XKQ0J6Y9C4V7B",
		cp.wrap(jsonResponder(200, string(fixture(t, "hooks/create-response-with-email.json")))))

	h, err := env.c.Hooks.Update(context.Background(), "hook_m_01JZ3M2W8D5Q3XKQ0J6Y9C4V7B", &UpdateHookRequest{Email: Ptr("alerts@platform.example")})
	require.NoError(t, err)
	assert.Equal(t, "alerts@platform.example", h.Email)
	r, body := cp.last(t)
	assert.Equal(t, http.MethodPut, r.Method)
	assert.Equal(t, "/prefix/v2.01/"+testClientID+"/hooks/hook_m_01JZ3M2W8D5Q3XKQ0J6Y9C4V7B", r.URL.Path)
	assertJSONEq(t, []byte(`{"Email":"alerts@platform.example"}`), body)
}

// A hook without an address comes back with "Email": null: no alerts.
func TestHookEmailNull(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/hooks/hook_1",
		jsonResponder(200, `{"Id":"hook_1","Url":"https://p.example/h","Status":"ENABLED","Validity":"INVALID","EventType":"TRANSFER_NORMAL_FAILED","CreationDate":1778500000,"Email":null}`))
	h, err := env.c.Hooks.Get(context.Background(), "hook_1")
	require.NoError(t, err)
	assert.Empty(t, h.Email)
	assert.Equal(t, HookValidityInvalid, h.Validity)
}

// A malformed address is refused before any call, on create and update.
func TestHooksEmailRefused(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	for _, bad := range []string{"alerts", "Alerts <alerts@platform.example>", "a@b.example, c@d.example", " alerts@platform.example", ""} {
		_, err := env.c.Hooks.Update(context.Background(), "hook_1", &UpdateHookRequest{Email: Ptr(bad)})
		var ve *ValidationError
		require.ErrorAs(t, err, &ve, "%q", bad)
		assert.ErrorIs(t, err, ErrInvalidRequest)
		assert.True(t, ve.Has("Email"), "%q: %v", bad, err)
		if bad == "" {
			continue // an empty Email on create means "not sent"
		}
		_, err = env.c.Hooks.Create(context.Background(), &CreateHookRequest{EventType: EventTransferNormalFailed, URL: "https://p.example/h", Email: bad})
		require.ErrorAs(t, err, &ve, "%q", bad)
		assert.Equal(t, "Hooks.Create", ve.Op)
	}
	assert.Zero(t, env.mt.GetTotalCallCount(), "nothing was sent")
}
