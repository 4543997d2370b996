package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scaforge/mangopay/examples/internal/sandbox"
	"github.com/scaforge/mangopay/mangopaytest"
)

// TestSetupEmulatorMode checks what `go run ./examples/platform` wires up
// without credentials: the emulator, the demo seller, a sign-up that lands
// on the emulator's hosted page.
func TestSetupEmulatorMode(t *testing.T) {
	t.Parallel()
	checkEmulatorSetup(t, options{emulatorAddr: "127.0.0.1:0"}, "", "in-process emulator (mangopaytest)")
}

// TestSetupStandaloneMode does the same against cmd/mangopay-sandbox started
// as a subprocess, as `MANGOPAY_BASE_URL=http://127.0.0.1:PORT go run
// ./examples/platform` does against one started by hand.
func TestSetupStandaloneMode(t *testing.T) {
	t.Parallel()
	base := sandbox.Start(t)
	checkEmulatorSetup(t, options{baseURL: base}, base, "mangopay-sandbox at "+base+", hosted SCA page at "+base+"/sca/")
}

func TestBackendChoice(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		o         options
		want, err string
	}{
		{o: options{}, want: inProcess},
		{o: options{baseURL: "http://127.0.0.1:8089"}, want: standalone},
		{o: options{baseURL: "http://localhost:8089", clientID: "demo", apiKey: "k"}, want: standalone},
		{o: options{clientID: "id", apiKey: "k"}, want: live},
		{o: options{clientID: "id", apiKey: "k", baseURL: "https://api.sandbox.mangopay.com"}, want: live},
		{o: options{clientID: "id"}, err: "set both MANGOPAY_CLIENT_ID and MANGOPAY_API_KEY, or neither"},
		{o: options{baseURL: "http://10.0.0.5:8089"}, err: "is not on this machine: talking to Mangopay needs MANGOPAY_CLIENT_ID"},
	} {
		got, err := tc.o.backend()
		if tc.err != "" {
			assert.ErrorContains(t, err, tc.err, "%+v", tc.o)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tc.want, got, "%+v", tc.o)
	}
}

// checkEmulatorSetup starts the platform with o and checks the sign-up
// lands on the emulator's hosted page (at sandboxBase when not empty), the
// demo seller, the card form with its test cards, and the footer naming backend.
func checkEmulatorSetup(t *testing.T, o options, sandboxBase, backend string) {
	t.Helper()
	web := httptest.NewUnstartedServer(nil)
	a, closeBackend, err := setup(context.Background(), o,
		"http://"+web.Listener.Addr().String(), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(closeBackend)
	web.Config.Handler = a
	web.Start()
	t.Cleanup(web.Close)

	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	noFollow := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	// The sign-up page carries the form token (CSRF) the form must send back.
	home, err := noFollow.Get(web.URL + "/")
	require.NoError(t, err)
	homeBody, _ := io.ReadAll(home.Body)
	home.Body.Close()
	tok := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindStringSubmatch(string(homeBody))
	require.NotNil(t, tok, "the sign-up form carries a token")
	resp, err := noFollow.PostForm(web.URL+"/signup", url.Values{"first_name": {"Alex"}, "last_name": {"Martin"}, "email": {"a@example.com"}, "csrf": {tok[1]}})
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	link, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1", link.Hostname(), "the hosted page is the local emulator's")
	if sandboxBase != "" {
		assert.Equal(t, sandboxBase, "http://"+link.Host, "the hosted page is the mangopay-sandbox's")
	}
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
	assert.Contains(t, string(body), `id="payin-form"`)
	assert.Contains(t, string(body), "<code>"+mangopaytest.TestCardChallenge+"</code> asks for 3-D Secure")
	assert.Contains(t, string(body), backend)

	// The card form leads to the emulator's hosted payment page, a link the
	// client trusts in this mode.
	csrf := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindStringSubmatch(string(body))
	require.NotNil(t, csrf)
	pay, err := noFollow.PostForm(web.URL+"/payins", url.Values{"amount": {"10"}, "csrf": {csrf[1]}})
	require.NoError(t, err)
	pay.Body.Close()
	require.Equal(t, http.StatusSeeOther, pay.StatusCode)
	to, err := url.Parse(pay.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, link.Host, to.Host, "the payment page is the same emulator's")
	assert.Equal(t, "/payment/pay", to.Path)
}

func TestSetupSandboxModeNeedsNoNetworkToStart(t *testing.T) {
	t.Parallel()
	a, closeBackend, err := setup(context.Background(), options{clientID: "id", apiKey: "key"}, "http://127.0.0.1:8080", slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	closeBackend()
	assert.Equal(t, "http://127.0.0.1:8080/webhooks/mangopay", a.WebhookURL())
}
