package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSetupEmulatorMode checks what `go run ./examples/platform` wires up
// without credentials: the emulator, the demo seller, a sign-up that lands
// on the emulator's hosted page.
func TestSetupEmulatorMode(t *testing.T) {
	t.Parallel()
	web := httptest.NewUnstartedServer(nil)
	a, closeBackend, err := setup(context.Background(), options{emulatorAddr: "127.0.0.1:0"},
		"http://"+web.Listener.Addr().String(), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(closeBackend)
	web.Config.Handler = a
	web.Start()
	t.Cleanup(web.Close)

	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.PostForm(web.URL+"/signup", url.Values{"first_name": {"Alex"}, "last_name": {"Martin"}, "email": {"a@example.com"}})
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	link, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1", link.Hostname(), "the hosted page is the local emulator's")
	assert.Equal(t, "/sca/", link.Path)

	// The hosted page itself answers (what a browser would show).
	page, err := http.Get(link.String())
	require.NoError(t, err)
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	assert.Equal(t, http.StatusOK, page.StatusCode)
	assert.Contains(t, string(body), "Enrol Alex Martin")

	// A member's dashboard offers to pay the demo seller.
	req, err := http.NewRequest(http.MethodGet, web.URL+"/dashboard", nil)
	require.NoError(t, err)
	for _, c := range resp.Cookies() {
		req.AddCookie(c)
	}
	dash, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ = io.ReadAll(dash.Body)
	dash.Body.Close()
	assert.Contains(t, string(body), ">Sam Lee (demo seller)</option>")
	assert.Contains(t, string(body), `id="fund"`)
	assert.Contains(t, string(body), "in-process emulator (mangopaytest)")
}

func TestSetupSandboxModeNeedsNoNetworkToStart(t *testing.T) {
	t.Parallel()
	a, closeBackend, err := setup(context.Background(), options{clientID: "id", apiKey: "key"}, "http://127.0.0.1:8080", slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	closeBackend()
	assert.Equal(t, "http://127.0.0.1:8080/webhooks/mangopay", a.WebhookURL())
}
