package mangopay_test

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scaforge/mangopay"
)

// ids drains an iterator, noting for each item the X-Page header that meta
// holds when the item is yielded, i.e. of the page request it came from.
func ids[T any](t *testing.T, seq iter.Seq2[*T, error], id func(*T) string, meta *mangopay.Response) []string {
	t.Helper()
	var out []string
	for v, err := range seq {
		require.NoError(t, err)
		out = append(out, id(v)+"@"+meta.Header.Get("X-Page"))
	}
	return out
}

// TestIteratorsPassRequestOptionsToEveryPage: every All* iterator takes
// ...RequestOption last and hands it to each page request, here
// CaptureResponse, which must see page 1's headers while page 1's items are
// yielded and page 2's afterwards.
func TestIteratorsPassRequestOptionsToEveryPage(t *testing.T) {
	t.Parallel()
	lo := &mangopay.ListOptions{PerPage: 1}
	cases := []struct {
		name, path, query string
		run               func(t *testing.T, c *mangopay.Client, meta *mangopay.Response) []string
	}{
		{"Wallets.AllByUser", "/users/u1/wallets", "ScaContext=USER_PRESENT&", func(t *testing.T, c *mangopay.Client, meta *mangopay.Response) []string {
			return ids(t, c.Wallets.AllByUser(context.Background(), "u1", mangopay.ScaUserPresent, lo, mangopay.CaptureResponse(meta)),
				func(w *mangopay.Wallet) string { return w.ID }, meta)
		}},
		{"Transactions.AllByUser", "/users/u1/transactions", "", func(t *testing.T, c *mangopay.Client, meta *mangopay.Response) []string {
			return ids(t, c.Transactions.AllByUser(context.Background(), "u1", "", &mangopay.TransactionListOptions{ListOptions: *lo}, mangopay.CaptureResponse(meta)),
				func(x *mangopay.Transaction) string { return x.ID }, meta)
		}},
		{"Transactions.AllByWallet", "/wallets/w1/transactions", "", func(t *testing.T, c *mangopay.Client, meta *mangopay.Response) []string {
			return ids(t, c.Transactions.AllByWallet(context.Background(), "w1", "", &mangopay.TransactionListOptions{ListOptions: *lo}, mangopay.CaptureResponse(meta)),
				func(x *mangopay.Transaction) string { return x.ID }, meta)
		}},
		{"Recipients.AllByUser", "/users/u1/recipients", "", func(t *testing.T, c *mangopay.Client, meta *mangopay.Response) []string {
			return ids(t, c.Recipients.AllByUser(context.Background(), "u1", &mangopay.RecipientListOptions{ListOptions: *lo}, mangopay.CaptureResponse(meta)),
				func(r *mangopay.RecipientSummary) string { return r.ID }, meta)
		}},
		{"Hooks.All", "/hooks", "", func(t *testing.T, c *mangopay.Client, meta *mangopay.Response) []string {
			return ids(t, c.Hooks.All(context.Background(), lo, mangopay.CaptureResponse(meta)),
				func(h *mangopay.Hook) string { return h.ID }, meta)
		}},
		{"Events.All", "/events", "EventType=PAYOUT_NORMAL_CREATED&", func(t *testing.T, c *mangopay.Client, meta *mangopay.Response) []string {
			return ids(t, c.Events.All(context.Background(), &mangopay.EventListOptions{EventType: mangopay.EventPayoutNormalCreated, ListOptions: *lo},
				mangopay.CaptureResponse(meta)), func(e *mangopay.Event) string { return e.ResourceID }, meta)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mt := httpmock.NewMockTransport()
			mt.RegisterResponder(http.MethodPost, "https://api.sandbox.mangopay.com/v2.01/oauth/token",
				httpmock.NewStringResponder(200, `{"access_token":"t","token_type":"Bearer","expires_in":3600}`))
			for page := 1; page <= 2; page++ {
				body := fmt.Sprintf(`[{"Id":"item%[1]d","ResourceId":"item%[1]d"}]`, page) // ResourceId: an event's id
				resp := httpmock.NewStringResponse(200, body)
				resp.Header.Set("Content-Type", "application/json")
				resp.Header.Set("X-Number-Of-Pages", "2")
				resp.Header.Set("X-Page", fmt.Sprint(page))
				mt.RegisterResponderWithQuery(http.MethodGet, "https://api.sandbox.mangopay.com/v2.01/acme"+tc.path,
					fmt.Sprintf("%spage=%d&per_page=1", tc.query, page), httpmock.ResponderFromResponse(resp))
			}
			c, err := mangopay.New("acme", "key", mangopay.WithHTTPClient(&http.Client{Transport: mt}), mangopay.WithMaxRetries(0))
			require.NoError(t, err)

			var meta mangopay.Response
			assert.Equal(t, []string{"item1@1", "item2@2"}, tc.run(t, c, &meta))
			assert.Equal(t, 2, meta.TotalPages)
			assert.Equal(t, 3, mt.GetTotalCallCount(), "token and two pages")
		})
	}
}
