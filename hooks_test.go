package mangopay

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const docsHookID = "hook_m_01JQW43GW82MJ23HB8Y6B3JZ72"

// wantDocsHook is example 26 decoded.
func wantDocsHook() *Hook {
	return &Hook{
		ID:           docsHookID,
		URL:          "https://webhook.site/e1def644-2cee-4669-a4a6-b6ceeacc621b",
		Status:       HookStatusEnabled,
		Validity:     HookValidityValid,
		EventType:    EventUserAccountActivated,
		Tag:          "Created using the Mangopay Postman collection",
		CreationDate: TimeOf(time.Unix(1743626814, 0).UTC()),
	}
}

func TestHooksCreate(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/hooks",
		cp.wrap(jsonResponder(200, string(fixture(t, "hooks/create-user-account-activated.json")))))

	h, err := env.c.Hooks.Create(context.Background(), &CreateHookRequest{
		EventType: EventUserAccountActivated,
		URL:       "https://webhook.site/e1def644-2cee-4669-a4a6-b6ceeacc621b",
		Tag:       "Created using the Mangopay Postman collection",
	})
	require.NoError(t, err)
	assert.Equal(t, wantDocsHook(), h)

	r, body := cp.last(t)
	assert.Equal(t, http.MethodPost, r.Method)
	assert.Equal(t, "/prefix/v2.01/"+testClientID+"/hooks", r.URL.Path)
	assert.Empty(t, r.URL.RawQuery)
	assertStdHeaders(t, r)
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	assertJSONEq(t, fixture(t, "hooks/create-request-user-account-activated.json"), body)
}

func TestHooksCreateWithoutTagAndOwnKey(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/hooks",
		cp.wrap(jsonResponder(200, string(fixture(t, "hooks/create-user-account-activated.json")))))
	_, err := env.c.Hooks.Create(context.Background(), &CreateHookRequest{EventType: EventTransferNormalFailed, URL: "https://platform.example/hooks?k=1"},
		WithIdempotencyKey("hook-transfer-failed-0001"))
	require.NoError(t, err)
	r, body := cp.last(t)
	assert.Equal(t, "hook-transfer-failed-0001", r.Header.Get("Idempotency-Key"))
	assertJSONEq(t, []byte(`{"EventType":"TRANSFER_NORMAL_FAILED","Url":"https://platform.example/hooks?k=1"}`), body)
}

func TestHooksCreateAlreadyRegistered(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/hooks",
		jsonResponder(400, string(fixture(t, "hooks/error-already-registered.json"))))
	h, err := env.c.Hooks.Create(context.Background(), &CreateHookRequest{EventType: EventUserAccountActivated, URL: "https://platform.example/hooks"})
	require.Error(t, err)
	assert.Nil(t, h)
	assert.ErrorIs(t, err, ErrHookAlreadyRegistered)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr, "the API error is still reachable")
	assert.Equal(t, 400, apiErr.StatusCode)
	assert.Equal(t, ErrorTypeParam, apiErr.Type)
	assert.Equal(t, "A hook has already been registered for this EventType", apiErr.Errors["EventType"])
	assert.False(t, errors.Is(err, ErrNotFound))
	assert.True(t, strings.HasPrefix(err.Error(), "mangopay: a hook is already registered for this event type: mangopay: "), err.Error())
	assert.Contains(t, err.Error(), "400 Bad Request (param_error)")
	assert.EqualValues(t, 1, int64(env.mt.GetTotalCallCount())-env.tokenCalls.Load(), "a 400 is not retried")
}

func TestHooksCreateOtherErrors(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"param_error on Url":    `{"Message":"One or several required parameters are missing or incorrect.","Type":"param_error","Id":"x","Date":1743626900,"errors":{"Url":"The Url field is required."}}`,
		"EventType not allowed": `{"Message":"One or several required parameters are missing or incorrect.","Type":"param_error","Id":"x","Date":1743626900,"errors":{"EventType":"Error converting value \"FOO\""}}`,
		"no field errors":       `{"Message":"Invalid State","Type":"other","Id":"x","Date":1743626900,"errors":null}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t)
			env.mt.RegisterResponder(http.MethodPost, testAPI+"/hooks", jsonResponder(400, body))
			_, err := env.c.Hooks.Create(context.Background(), &CreateHookRequest{EventType: "FOO", URL: "https://platform.example/hooks"})
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.False(t, errors.Is(err, ErrHookAlreadyRegistered))
		})
	}
	// Same field text on a non-400 answer is not the documented refusal.
	env := newTestClient(t)
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/hooks", jsonResponder(409, string(fixture(t, "hooks/error-already-registered.json"))))
	_, err := env.c.Hooks.Create(context.Background(), &CreateHookRequest{EventType: "FOO", URL: "https://platform.example/hooks"})
	require.Error(t, err)
	assert.False(t, errors.Is(err, ErrHookAlreadyRegistered))
}

func TestHooksCreateValidation(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	tests := []struct {
		name string
		in   *CreateHookRequest
		want string
	}{
		{"nil", nil, "nil *CreateHookRequest"},
		{"no event type", &CreateHookRequest{URL: "https://p.example/h"}, "EventType is required"},
		{"bad event type", &CreateHookRequest{EventType: "user account", URL: "https://p.example/h"}, "A-Z, 0-9 and '_'"},
		{"long event type", &CreateHookRequest{EventType: EventType(strings.Repeat("A", 101)), URL: "https://p.example/h"}, "longer than 100"},
		{"no url", &CreateHookRequest{EventType: EventUserAccountActivated}, "Url is required"},
		{"relative url", &CreateHookRequest{EventType: EventUserAccountActivated, URL: "/hooks"}, "not absolute"},
		{"ftp url", &CreateHookRequest{EventType: EventUserAccountActivated, URL: "ftp://p.example/h"}, "only http and https"},
		{"fragment", &CreateHookRequest{EventType: EventUserAccountActivated, URL: "https://p.example/h#x"}, "fragment"},
	}
	for _, tc := range tests {
		h, err := env.c.Hooks.Create(context.Background(), tc.in)
		assert.Nil(t, h, tc.name)
		assert.ErrorContains(t, err, tc.want, tc.name)
		assert.ErrorContains(t, err, "mangopay: Hooks.Create: ", tc.name)
	}
	assert.Zero(t, env.mt.GetTotalCallCount(), "nothing was sent")
}

func TestHooksGet(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/hooks/"+docsHookID,
		cp.wrap(jsonResponder(200, string(fixture(t, "hooks/create-user-account-activated.json")))))
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/hooks/hook_missing",
		jsonResponder(404, `{"Message":"The ressource does not exist","Type":"ressource_not_found","Id":"x","Date":1743626900,"errors":{"RessourceNotFound":"Cannot found the ressource Hook with the id=hook_missing "}}`))

	h, err := env.c.Hooks.Get(context.Background(), docsHookID)
	require.NoError(t, err)
	assert.Equal(t, wantDocsHook(), h)
	r, body := cp.last(t)
	assert.Equal(t, http.MethodGet, r.Method)
	assertStdHeaders(t, r)
	assert.Empty(t, body)

	_, err = env.c.Hooks.Get(context.Background(), "hook_missing")
	assert.ErrorIs(t, err, ErrNotFound)

	for _, id := range []string{"", "..", "a/b", "a?b"} {
		_, err := env.c.Hooks.Get(context.Background(), id)
		assert.ErrorIs(t, err, ErrInvalidID, id)
	}
	assert.Len(t, cp.reqs, 1)
}

func TestHooksUpdate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   *UpdateHookRequest
		body string
	}{
		{"revive", &UpdateHookRequest{Validity: Ptr(HookValidityValid)}, `{"Validity":"VALID"}`},
		{"disable", &UpdateHookRequest{Status: Ptr(HookStatusDisabled)}, `{"Status":"DISABLED"}`},
		{"move and enable", &UpdateHookRequest{URL: Ptr("https://platform.example/v2/hooks"), Status: Ptr(HookStatusEnabled)}, `{"Url":"https://platform.example/v2/hooks","Status":"ENABLED"}`},
		{"clear tag", &UpdateHookRequest{Tag: Ptr("")}, `{"Tag":""}`},
		{"everything", &UpdateHookRequest{URL: Ptr("https://p.example/h"), Status: Ptr(HookStatusEnabled), Validity: Ptr(HookValidityValid), Tag: Ptr("v2")},
			`{"Url":"https://p.example/h","Status":"ENABLED","Validity":"VALID","Tag":"v2"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t)
			var cp capture
			env.mt.RegisterResponder(http.MethodPut, testAPI+"/hooks/"+docsHookID,
				cp.wrap(jsonResponder(200, string(fixture(t, "hooks/update-revived.json")))))
			h, err := env.c.Hooks.Update(context.Background(), docsHookID, tc.in)
			require.NoError(t, err)
			assert.Equal(t, wantDocsHook(), h)
			r, body := cp.last(t)
			assert.Equal(t, http.MethodPut, r.Method)
			assert.Equal(t, "/prefix/v2.01/"+testClientID+"/hooks/"+docsHookID, r.URL.Path)
			assertStdHeaders(t, r)
			assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
			assertJSONEq(t, []byte(tc.body), body)
		})
	}
}

func TestHooksUpdateNotFound(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	env.mt.RegisterResponder(http.MethodPut, testAPI+"/hooks/hook_missing",
		jsonResponder(404, `{"Message":"The ressource does not exist","Type":"ressource_not_found","Id":"x","Date":1743626900,"errors":null}`))
	h, err := env.c.Hooks.Update(context.Background(), "hook_missing", &UpdateHookRequest{Validity: Ptr(HookValidityValid)})
	assert.Nil(t, h)
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestHooksUpdateValidation(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	tests := []struct {
		name string
		id   string
		in   *UpdateHookRequest
		want string
	}{
		{"nil", docsHookID, nil, "nil *UpdateHookRequest"},
		{"empty", docsHookID, &UpdateHookRequest{}, "nothing to update"},
		{"bad status", docsHookID, &UpdateHookRequest{Status: Ptr(HookStatus("PAUSED"))}, `Status "PAUSED"`},
		{"invalidate", docsHookID, &UpdateHookRequest{Validity: Ptr(HookValidityInvalid)}, `only "VALID" can be set`},
		{"relative url", docsHookID, &UpdateHookRequest{URL: Ptr("hooks")}, "not absolute"},
		{"bad id", "a/b", &UpdateHookRequest{Status: Ptr(HookStatusEnabled)}, `mangopay: /hooks/{id}: id "a/b" contains '/'`},
	}
	for _, tc := range tests {
		h, err := env.c.Hooks.Update(context.Background(), tc.id, tc.in)
		assert.Nil(t, h, tc.name)
		assert.ErrorContains(t, err, tc.want, tc.name)
	}
	_, err := env.c.Hooks.Update(context.Background(), "", &UpdateHookRequest{Status: Ptr(HookStatusEnabled)})
	assert.ErrorIs(t, err, ErrInvalidID)
	assert.Zero(t, env.mt.GetTotalCallCount(), "nothing was sent")
}

func TestHooksList(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponderWithQuery(http.MethodGet, testAPI+"/hooks", "page=2&per_page=2&Sort=CreationDate%3ADESC",
		cp.wrap(func(r *http.Request) (*http.Response, error) {
			resp := httpmock.NewBytesResponse(200, fixture(t, "hooks/list-page1.json"))
			resp.Header.Set("Content-Type", "application/json")
			resp.Header.Set("X-Number-Of-Pages", "3")
			resp.Header.Set("X-Number-Of-Items", "5")
			return resp, nil
		}))
	p, err := env.c.Hooks.List(context.Background(), &ListOptions{Page: 2, PerPage: 2, Sort: SortCreationDateDesc})
	require.NoError(t, err)
	assert.Equal(t, 2, p.Page)
	assert.Equal(t, 2, p.PerPage)
	assert.Equal(t, 3, p.TotalPages)
	assert.Equal(t, 5, p.TotalItems)
	require.Len(t, p.Items, 2)
	assert.Equal(t, *wantDocsHook(), p.Items[0])
	assert.Equal(t, Hook{
		ID: "hook_m_01JQW4B0TQ1V8Y2N3M4K5J6H7G", URL: "https://platform.example/mangopay/hooks",
		Status: HookStatusDisabled, Validity: HookValidityInvalid, EventType: EventTransferNormalFailed,
		CreationDate: TimeOf(time.Unix(1743627000, 0).UTC()), Email: "alerts@platform.example",
	}, p.Items[1])
	r, _ := cp.last(t)
	assertStdHeaders(t, r)

	_, err = env.c.Hooks.List(context.Background(), &ListOptions{PerPage: 101})
	assert.ErrorContains(t, err, "PerPage 101")
}

func TestHooksListNoOptions(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/hooks", cp.wrap(jsonResponder(200, `[]`)))
	p, err := env.c.Hooks.List(context.Background(), nil)
	require.NoError(t, err)
	assert.Empty(t, p.Items)
	assert.Equal(t, 1, p.Page)
	r, _ := cp.last(t)
	assert.Empty(t, r.URL.RawQuery, "Mangopay's defaults apply")
}

func TestHooksAll(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var pages []string
	page := func(name string, total string) httpmock.Responder {
		return func(r *http.Request) (*http.Response, error) {
			pages = append(pages, r.URL.RawQuery)
			resp := httpmock.NewBytesResponse(200, fixture(t, "hooks/"+name))
			resp.Header.Set("X-Number-Of-Pages", total)
			return resp, nil
		}
	}
	env.mt.RegisterResponderWithQuery(http.MethodGet, testAPI+"/hooks", "page=1&per_page=2", page("list-page1.json", "2"))
	env.mt.RegisterResponderWithQuery(http.MethodGet, testAPI+"/hooks", "page=2&per_page=2", page("list-page2.json", "2"))

	var ids []string
	var types []EventType
	for h, err := range env.c.Hooks.All(context.Background(), &ListOptions{PerPage: 2}) {
		require.NoError(t, err)
		ids = append(ids, h.ID)
		types = append(types, h.EventType)
	}
	assert.Equal(t, []string{docsHookID, "hook_m_01JQW4B0TQ1V8Y2N3M4K5J6H7G", "hook_m_01JQW4C8Z9X8W7V6U5T4S3R2Q1"}, ids)
	assert.Equal(t, EventType("SOME_FUTURE_EVENT"), types[2], "unknown event types decode")
	assert.Equal(t, ResourceKindUnknown, types[2].ResourceKind())
	assert.Equal(t, []string{"page=1&per_page=2", "page=2&per_page=2"}, pages)

	// Breaking out of the loop fetches no further page.
	pages = nil
	for range env.c.Hooks.All(context.Background(), &ListOptions{PerPage: 2}) {
		break
	}
	assert.Equal(t, []string{"page=1&per_page=2"}, pages)
}

func TestHooksAllError(t *testing.T) {
	t.Parallel()
	env := newTestClient(t, WithMaxRetries(0))
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/hooks", jsonResponder(403, `{"Message":"This endpoint is not available for your account","Type":"forbidden_ressource","Id":"x","Date":1743626900,"errors":null}`))
	n := 0
	for h, err := range env.c.Hooks.All(context.Background(), nil) {
		n++
		assert.Nil(t, h)
		assert.ErrorIs(t, err, ErrForbidden)
	}
	assert.Equal(t, 1, n, "one error, then the loop ends")
}

func TestHookJSONRoundTrip(t *testing.T) {
	t.Parallel()
	raw := fixture(t, "hooks/create-user-account-activated.json")
	var h Hook
	require.NoError(t, json.Unmarshal(raw, &h))
	out, err := json.Marshal(h)
	require.NoError(t, err)
	assertJSONEq(t, raw, out)

	var list []Hook
	require.NoError(t, json.Unmarshal(fixture(t, "hooks/list-page1.json"), &list))
	require.Len(t, list, 2)
	assert.Empty(t, list[1].Tag, "a null Tag decodes to empty")
}
