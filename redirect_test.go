package mangopay_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scaforge/mangopay"
)

// redirectRig is a fake Mangopay (api) that redirects some calls to
// another server on another port of the same host (elsewhere), which
// records whatever reaches it.
type redirectRig struct {
	api, elsewhere *httptest.Server
	mu             sync.Mutex
	stolen         []*http.Request // requests that reached elsewhere
}

func newRedirectRig(t *testing.T, api http.HandlerFunc) *redirectRig {
	rig := &redirectRig{}
	rig.elsewhere = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rig.mu.Lock()
		rig.stolen = append(rig.stolen, r)
		rig.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"Id":"foreign","Status":"SUCCEEDED","access_token":"foreign","expires_in":1200}`))
	}))
	t.Cleanup(rig.elsewhere.Close)
	rig.api = httptest.NewServer(api)
	t.Cleanup(rig.api.Close)
	return rig
}

func (rig *redirectRig) nothingStolen(t *testing.T) {
	t.Helper()
	rig.mu.Lock()
	defer rig.mu.Unlock()
	for _, r := range rig.stolen {
		t.Errorf("%s %s reached the other server, Authorization %q", r.Method, r.URL, r.Header.Get("Authorization"))
	}
}

// requireRedirectError asserts err is the *APIError of a refused redirect.
func (rig *redirectRig) requireRedirectError(t *testing.T, err error, status int) *mangopay.APIError {
	t.Helper()
	var apiErr *mangopay.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, status, apiErr.StatusCode)
	host := strings.TrimPrefix(rig.elsewhere.URL, "http://")
	assert.Contains(t, err.Error(), http.StatusText(status))
	assert.Contains(t, err.Error(), "redirect to "+host+" not followed")
	assert.NotContains(t, err.Error(), "/steal", "the Location's path is not echoed")
	return apiErr
}

func tokenOK(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"access_token":"tok-SECRET-redirect","token_type":"bearer","expires_in":1200}`))
}

func TestRedirectsNeverFollowed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clients := map[string]func(rig *redirectRig) []mangopay.Option{
		"default client": func(*redirectRig) []mangopay.Option { return nil },
		"caller's client": func(*redirectRig) []mangopay.Option {
			return []mangopay.Option{mangopay.WithHTTPClient(&http.Client{Timeout: 5 * time.Second})}
		},
	}
	for name, opts := range clients {
		t.Run(name+": 307 on the token endpoint", func(t *testing.T) {
			t.Parallel()
			var rig *redirectRig
			var tokenCalls int
			var mu sync.Mutex
			rig = newRedirectRig(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/v2.01/oauth/token" {
					mu.Lock()
					tokenCalls++
					mu.Unlock()
					http.Redirect(w, r, rig.elsewhere.URL+"/steal?x=1", http.StatusTemporaryRedirect)
					return
				}
				t.Errorf("unexpected %s %s", r.Method, r.URL)
			})
			c, err := mangopay.New("redirect-client", "SECRET-api-key", append([]mangopay.Option{mangopay.WithBaseURL(rig.api.URL)}, opts(rig)...)...)
			require.NoError(t, err)
			_, err = c.Wallets.Get(ctx, "w1", mangopay.ScaUserPresent)
			rig.requireRedirectError(t, err, http.StatusTemporaryRedirect)
			assert.NotErrorIs(t, err, mangopay.ErrOutcomeUnknown, "a GET")
			rig.nothingStolen(t)
			mu.Lock()
			assert.Equal(t, 1, tokenCalls, "a redirect is not retried")
			mu.Unlock()
		})
		t.Run(name+": 302 on a GET", func(t *testing.T) {
			t.Parallel()
			var rig *redirectRig
			rig = newRedirectRig(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/v2.01/oauth/token" {
					tokenOK(w)
					return
				}
				http.Redirect(w, r, rig.elsewhere.URL+"/steal", http.StatusFound)
			})
			c, err := mangopay.New("redirect-client", "SECRET-api-key", append([]mangopay.Option{mangopay.WithBaseURL(rig.api.URL)}, opts(rig)...)...)
			require.NoError(t, err)
			w, err := c.Wallets.Get(ctx, "w1", mangopay.ScaUserPresent)
			assert.Nil(t, w)
			apiErr := rig.requireRedirectError(t, err, http.StatusFound)
			assert.Equal(t, http.MethodGet, apiErr.Method)
			assert.True(t, strings.HasSuffix(apiErr.URL, "/v2.01/redirect-client/wallets/w1"), apiErr.URL)
			rig.nothingStolen(t)
		})
		t.Run(name+": 302 on POST /transfers", func(t *testing.T) {
			t.Parallel()
			var rig *redirectRig
			var posts int
			var mu sync.Mutex
			rig = newRedirectRig(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/v2.01/oauth/token" {
					tokenOK(w)
					return
				}
				mu.Lock()
				posts++
				mu.Unlock()
				http.Redirect(w, r, rig.elsewhere.URL+"/steal", http.StatusFound)
			})
			c, err := mangopay.New("redirect-client", "SECRET-api-key", append([]mangopay.Option{mangopay.WithBaseURL(rig.api.URL)}, opts(rig)...)...)
			require.NoError(t, err)
			tr, err := c.Transfers.Create(ctx, &mangopay.CreateTransferRequest{AuthorID: "u1", DebitedWalletID: "w1", CreditedWalletID: "w2",
				DebitedFunds: mangopay.Money{Currency: "EUR", Amount: 100}, Fees: mangopay.Money{Currency: "EUR"}})
			assert.Nil(t, tr, "the foreign body is not returned as the created transfer")
			rig.requireRedirectError(t, err, http.StatusFound)
			assert.ErrorIs(t, err, mangopay.ErrOutcomeUnknown, "whatever answered, the POST may have gone further: resend it under its key")
			rig.nothingStolen(t)
			mu.Lock()
			assert.Equal(t, 1, posts)
			mu.Unlock()
		})
	}
}

// The caller's http.Client keeps following redirects for its own use.
func TestRedirectPolicyLeavesCallersClientAlone(t *testing.T) {
	t.Parallel()
	hc := &http.Client{}
	_, err := mangopay.New("c", "k", mangopay.WithHTTPClient(hc))
	require.NoError(t, err)
	assert.Nil(t, hc.CheckRedirect)
	var followed bool
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { followed = true }))
	defer target.Close()
	src := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusFound))
	defer src.Close()
	resp, err := hc.Get(src.URL)
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.True(t, followed)
	var ue *url.Error
	assert.False(t, errors.As(err, &ue))
}
