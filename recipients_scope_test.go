package mangopay

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// RecipientScope=ALL lists PAYIN and PAYOUT recipients together (API
// release note 2026-05-11, api-reference/recipients/list-recipients-user).
func TestRecipientsListByUserAllScopes(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponderWithQuery(http.MethodGet, testAPI+"/users/user_m_01JV6ZGXBE0VZSF4TEN9JK343Z/recipients",
		"RecipientScope=ALL", cp.wrap(jsonResponder(200, string(fixture(t, "recipients/list-response.all-scopes.json")))))

	page, err := env.c.Recipients.ListByUser(context.Background(), "user_m_01JV6ZGXBE0VZSF4TEN9JK343Z", &RecipientListOptions{RecipientScope: RecipientScopeAll})
	require.NoError(t, err)
	r, _ := cp.last(t)
	assert.Equal(t, http.MethodGet, r.Method)
	assert.Equal(t, "/prefix/v2.01/"+testClientID+"/users/user_m_01JV6ZGXBE0VZSF4TEN9JK343Z/recipients", r.URL.Path)
	assert.Equal(t, url.Values{"RecipientScope": {"ALL"}}, r.URL.Query(), "no Sort sent: Mangopay's default is CreationDate:DESC")
	require.Len(t, page.Items, 2)
	assert.Equal(t, RecipientScopePayout, page.Items[0].RecipientScope)
	assert.Equal(t, RecipientScopePayin, page.Items[1].RecipientScope)
	assert.True(t, page.Items[0].CreationDate.After(page.Items[1].CreationDate.Time), "newest first")
}

// The oldest-first order is asked for with Sort; ALL stays on every page of
// AllByUser.
func TestRecipientsAllByUserAllScopesAscending(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var seen []url.Values
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/users/u1/recipients", func(r *http.Request) (*http.Response, error) {
		seen = append(seen, r.URL.Query())
		body := "[]"
		if r.URL.Query().Get("page") == "1" {
			body = string(fixture(t, "recipients/list-response.all-scopes.json"))
		}
		resp := httpmock.NewStringResponse(200, body)
		resp.Header.Set("X-Number-Of-Pages", "2")
		return resp, nil
	})
	n := 0
	for rec, err := range env.c.Recipients.AllByUser(context.Background(), "u1", &RecipientListOptions{
		ListOptions: ListOptions{PerPage: 2, Sort: SortCreationDateAsc}, RecipientScope: RecipientScopeAll}) {
		require.NoError(t, err)
		require.NotNil(t, rec)
		n++
	}
	assert.Equal(t, 2, n)
	require.Len(t, seen, 2)
	for i, q := range seen {
		assert.Equal(t, url.Values{"page": {[]string{"1", "2"}[i]}, "per_page": {"2"}, "RecipientScope": {"ALL"}, "Sort": {"CreationDate:ASC"}}, q)
	}
}

// ALL is a list filter: a recipient is created PAYOUT or PAYIN, so Create
// and Validate refuse it before any network call.
func TestRecipientsCreateRefusesScopeAll(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	d := gbpDraft()
	d.RecipientScope = RecipientScopeAll
	_, err := env.c.Recipients.Create(context.Background(), "u1", d)
	var ce *RecipientCheckError
	require.ErrorAs(t, err, &ce)
	assert.True(t, ce.Has("RecipientScope", RecipientErrorNotInAllowedValues), "%v", err)
	assert.ErrorContains(t, env.c.Recipients.Validate(context.Background(), "u1", d), "RecipientScope")
	assert.Empty(t, env.mt.GetCallCountInfo()["POST "+testAPI+"/users/u1/recipients"])
}
