package app_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/scaforge/mangopay"
	"github.com/scaforge/mangopay/examples/platform/app"
	"github.com/scaforge/mangopay/mangopaytest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// platform is the app served over HTTP against an emulator, with a browser
// (a cookie jar that does not follow redirects, so each step is checked).
type platform struct {
	t       *testing.T
	srv     *mangopaytest.Server
	c       *mangopay.Client
	app     *app.App
	web     *httptest.Server
	browser *http.Client
}

func newPlatform(t *testing.T, mutate ...func(*app.Config)) *platform {
	t.Helper()
	return newPlatformWith(t, nil, mutate...)
}

// newPlatformWith is newPlatform with the SDK client built with opts.
func newPlatformWith(t *testing.T, opts []mangopay.Option, mutate ...func(*app.Config)) *platform {
	t.Helper()
	srv := mangopaytest.NewServer()
	t.Cleanup(srv.Close)
	c := srv.Client(opts...)
	web := httptest.NewUnstartedServer(nil)
	cfg := app.Config{API: app.FromClient(c), BaseURL: "http://" + web.Listener.Addr().String()}
	for _, f := range mutate {
		f(&cfg)
	}
	a, err := app.New(cfg)
	require.NoError(t, err)
	web.Config.Handler = a
	web.Start()
	t.Cleanup(web.Close)
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	// Its own transport: CloseIdleConnections on a client without one closes
	// http.DefaultTransport's connections, under the requests of the tests
	// running in parallel ("CloseIdleConnections called").
	browser := &http.Client{Jar: jar, Transport: http.DefaultTransport.(*http.Transport).Clone(),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	t.Cleanup(browser.CloseIdleConnections)
	return &platform{t: t, srv: srv, c: c, app: a, web: web, browser: browser}
}

// csrfRE finds the form token in a page.
var csrfRE = regexp.MustCompile(`<input type="hidden" name="csrf" value="([0-9a-f]{32})">`)

// token reads the form token from the page the browser would post from:
// the dashboard when signed in, the sign-up page otherwise.
func (p *platform) token() string {
	p.t.Helper()
	status, _, body := p.send(http.MethodGet, "/dashboard", nil, nil)
	if status != http.StatusOK {
		_, _, body = p.send(http.MethodGet, "/", nil, nil)
	}
	return match(p.t, csrfRE, body)[1]
}

// do sends a request as the browser would from the platform's own pages
// (a POST carries the page's form token and the site's Origin) and returns
// the status, the Location and the body.
func (p *platform) do(method, path string, form url.Values) (int, string, string) {
	p.t.Helper()
	var hdr http.Header
	if method == http.MethodPost && form != nil && !form.Has("csrf") {
		form.Set("csrf", p.token())
		hdr = http.Header{"Origin": {p.web.URL}, "Sec-Fetch-Site": {"same-origin"}}
	}
	return p.send(method, path, form, hdr)
}

// send sends a request with exactly form and the headers in hdr.
func (p *platform) send(method, path string, form url.Values, hdr http.Header) (int, string, string) {
	p.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	target := path
	if !strings.HasPrefix(path, "http") {
		target = p.web.URL + path
	}
	req, err := http.NewRequest(method, target, body)
	require.NoError(p.t, err)
	for k, v := range hdr {
		req.Header[k] = v
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := p.browser.Do(req)
	require.NoError(p.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(p.t, err)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// scaLink checks that a response sends the browser to the emulator's hosted
// page with a return URL on the platform, and returns the link.
func (p *platform) scaLink(status int, location, _ string) string {
	p.t.Helper()
	require.Equal(p.t, http.StatusSeeOther, status)
	u, err := url.Parse(location)
	require.NoError(p.t, err)
	require.Equal(p.t, p.srv.URL+"/sca/", u.Scheme+"://"+u.Host+u.Path, "redirected to the hosted SCA page")
	require.True(p.t, strings.HasPrefix(u.Query().Get("returnUrl"), p.web.URL+"/sca/return?"), location)
	assert.Equal(p.t, "en", u.Query().Get("lang"))
	return location
}

// answer completes the session of link as the user would on the hosted
// page, then follows Mangopay's redirect back to the platform's return URL
// and returns where the platform sends the browser next.
func (p *platform) answer(link string, outcome mangopaytest.Outcome) string {
	p.t.Helper()
	require.NoError(p.t, p.srv.CompleteSca(link, outcome))
	u, err := url.Parse(link)
	require.NoError(p.t, err)
	back := u.Query().Get("returnUrl") + "&controlStatus=" + string(outcome)
	status, loc, _ := p.do(http.MethodGet, back, nil)
	require.Equal(p.t, http.StatusSeeOther, status)
	return loc
}

func (p *platform) dashboard() string {
	p.t.Helper()
	status, _, body := p.do(http.MethodGet, "/dashboard", nil)
	require.Equal(p.t, http.StatusOK, status)
	return body
}

// signUp registers Alex and completes the enrollment.
func (p *platform) signUp() {
	p.t.Helper()
	link := p.scaLink(p.do(http.MethodPost, "/signup", url.Values{"first_name": {"Alex"}, "last_name": {"Martin"}, "email": {"alex@example.com"}}))
	require.Equal(p.t, "/dashboard", p.answer(link, mangopaytest.Validated))
}

// seller registers the demo payee and returns its member id.
func (p *platform) seller() {
	p.t.Helper()
	require.NoError(p.t, p.app.AddDemoPayee(context.Background(), func(link string) error {
		return p.srv.CompleteSca(link, mangopaytest.Validated)
	}))
}

var (
	userStatusRE = regexp.MustCompile(`id="user-status" class="badge [a-z_]+">([A-Z_]+)<`)
	balanceRE    = regexp.MustCompile(`class="money balance" data-wallet="(wlt_[^"]+)">([^<]+)<`)
	transferRE   = regexp.MustCompile(`(?s)<tr class="transfer" data-id="(xfer_[^"]+)">.*?class="badge status [a-z]+">([A-Z]+)<.*?<td class="muted">([^<]*)</td>`)
	recipientRE  = regexp.MustCompile(`(?s)<tr class="recipient" data-id="(rec_[^"]+)">.*?class="badge status [a-z]+">([A-Z]+)<`)
	flashRE      = regexp.MustCompile(`<p class="flash (ok|error)" id="flash" role="status">([^<]*)</p>`)
	sellerRE     = regexp.MustCompile(`<option value="(user_m_[^"]+)">Sam Lee \(demo seller\)</option>`)
)

func match(t *testing.T, re *regexp.Regexp, body string) []string {
	t.Helper()
	m := re.FindStringSubmatch(body)
	require.NotNil(t, m, "%s not found in:\n%s", re, body)
	return m
}

func TestSignUpEnrollsOnTheHostedPageAndConfirmsByGet(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	link := p.scaLink(p.do(http.MethodPost, "/signup", url.Values{"first_name": {"Alex"}, "last_name": {"Martin"}, "email": {"alex@example.com"}}))

	// Before the session ends the account is PENDING_USER_ACTION.
	assert.Equal(t, "PENDING_USER_ACTION", match(t, userStatusRE, p.dashboard())[1])

	assert.Equal(t, "/dashboard", p.answer(link, mangopaytest.Validated))
	body := p.dashboard()
	assert.Equal(t, "ACTIVE", match(t, userStatusRE, body)[1])
	f := match(t, flashRE, body)
	assert.Equal(t, "ok", f[1])
	assert.Equal(t, "Your account is ACTIVE (Mangopay&#39;s page said VALIDATED; confirmed with Mangopay).", f[2])
	assert.NotRegexp(t, flashRE, p.dashboard(), "a flash message is shown once")

	// The user and a EUR wallet exist at Mangopay.
	var users, wallets int
	for _, r := range p.srv.Requests() {
		switch {
		case r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/sca/users/natural"):
			users++
			assert.Contains(t, string(r.Body), `"UserCategory":"OWNER"`)
			assert.Contains(t, string(r.Body), `"ScaContext":"USER_PRESENT"`)
		case r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/wallets"):
			wallets++
			assert.Contains(t, string(r.Body), `"Currency":"EUR"`)
		}
	}
	assert.Equal(t, 1, users)
	assert.Equal(t, 1, wallets)
}

func TestControlStatusIsOnlyAHint(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	link := p.scaLink(p.do(http.MethodPost, "/signup", url.Values{"first_name": {"Alex"}, "last_name": {"Martin"}, "email": {"alex@example.com"}}))
	u, err := url.Parse(link)
	require.NoError(t, err)
	// A forged return: the session was never completed.
	status, loc, _ := p.do(http.MethodGet, u.Query().Get("returnUrl")+"&controlStatus=VALIDATED", nil)
	require.Equal(t, http.StatusSeeOther, status)
	require.Equal(t, "/dashboard", loc)
	body := p.dashboard()
	assert.Equal(t, "PENDING_USER_ACTION", match(t, userStatusRE, body)[1])
	f := match(t, flashRE, body)
	assert.Equal(t, "error", f[1])
	assert.Contains(t, f[2], "Your account is PENDING_USER_ACTION: authentication did not complete (Mangopay&#39;s page said VALIDATED)")
}

func TestDeclinedEnrollmentStaysPending(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	link := p.scaLink(p.do(http.MethodPost, "/signup", url.Values{"first_name": {"Alex"}, "last_name": {"Martin"}, "email": {"alex@example.com"}}))
	p.answer(link, mangopaytest.Failed)
	body := p.dashboard()
	assert.Equal(t, "PENDING_USER_ACTION", match(t, userStatusRE, body)[1])
	assert.Contains(t, match(t, flashRE, body)[2], "(Mangopay&#39;s page said FAILED)")
}

func TestOpeningWalletsAsksForScaOnceIn180Days(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	p.signUp()
	body := p.dashboard()
	assert.Contains(t, body, `id="open-wallets"`)
	assert.NotRegexp(t, balanceRE, body, "no read before the member asks")

	link := p.scaLink(p.do(http.MethodPost, "/wallets/open", url.Values{}))
	assert.Contains(t, link, "returnUrl="+url.QueryEscape(p.web.URL+"/sca/return?what=wallets"))
	assert.Equal(t, "/dashboard#wallets", p.answer(link, mangopaytest.Validated))

	body = p.dashboard()
	assert.Contains(t, match(t, flashRE, body)[2], "Wallet access confirmed for 180 days")
	walletID := match(t, balanceRE, body)[1]
	assert.Equal(t, "EUR 0.00", match(t, balanceRE, body)[2])

	// Money arrives; the next dashboard reads it without SCA.
	require.NoError(t, p.srv.Credit(walletID, 100000))
	body = p.dashboard()
	assert.Equal(t, "EUR 1000.00", match(t, balanceRE, body)[2])
	assert.Regexp(t, `<td>PAYIN</td><td class="money">EUR 1000.00</td><td><span class="badge succeeded">SUCCEEDED</span>`, body)

	// Opening again needs no SCA (exempt for 180 days)...
	status, loc, _ := p.do(http.MethodPost, "/wallets/open", url.Values{})
	assert.Equal(t, http.StatusSeeOther, status)
	assert.Equal(t, "/dashboard#wallets", loc)

	// ...until the 180 days are over: the dashboard then offers to open them again.
	p.srv.Advance(mangopaytest.WalletAccessValidity + time.Hour)
	body = p.dashboard()
	assert.NotRegexp(t, balanceRE, body)
	assert.Contains(t, body, `id="open-wallets"`)

	for _, r := range p.srv.Requests() {
		if strings.Contains(r.Path, "/wallets") && r.Method == http.MethodGet || strings.HasSuffix(r.Path, "/transactions") {
			assert.Equal(t, "USER_PRESENT", queryValue(t, r.RawQuery, "ScaContext"), r.Path)
		}
	}
}

func queryValue(t *testing.T, raw, key string) string {
	t.Helper()
	q, err := url.ParseQuery(raw)
	require.NoError(t, err)
	return q.Get(key)
}

// fundedMember signs Alex up, opens the wallets and credits them EUR 1000.
func fundedMember(t *testing.T, p *platform) (sellerID string) {
	t.Helper()
	p.seller()
	p.signUp()
	link := p.scaLink(p.do(http.MethodPost, "/wallets/open", url.Values{}))
	p.answer(link, mangopaytest.Validated)
	body := p.dashboard()
	require.NoError(t, p.srv.Credit(match(t, balanceRE, body)[1], 100000))
	return match(t, sellerRE, body)[1]
}

func TestLargeTransferDeclinedIsShownFailed(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	seller := fundedMember(t, p)

	link := p.scaLink(p.do(http.MethodPost, "/transfers", url.Values{"to": {seller}, "amount": {"600.00"}}))
	body := p.dashboard()
	tr := match(t, transferRE, body)
	assert.Equal(t, "CREATED", tr[2], "recorded before the redirect")
	assert.Contains(t, link, url.QueryEscape("what=transfer"))

	assert.Equal(t, "/dashboard#transfers", p.answer(link, mangopaytest.Failed))
	body = p.dashboard()
	got := match(t, transferRE, body)
	assert.Equal(t, tr[1], got[1])
	assert.Equal(t, "FAILED", got[2])
	assert.Contains(t, got[3], mangopaytest.ResultScaFailed)
	f := match(t, flashRE, body)
	assert.Equal(t, "error", f[1])
	assert.Contains(t, f[2], "Transfer of EUR 600.00 FAILED: 007101")
	assert.Equal(t, "EUR 1000.00", match(t, balanceRE, body)[2], "no money moved")
}

func TestLargeTransferApprovedWithWebhook(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	require.NoError(t, app.RegisterHooks(context.Background(), p.c.Hooks, p.app.WebhookURL()))
	seller := fundedMember(t, p)

	link := p.scaLink(p.do(http.MethodPost, "/transfers", url.Values{"to": {seller}, "amount": {"600"}}))
	assert.Equal(t, "/dashboard#transfers", p.answer(link, mangopaytest.Validated))
	require.NoError(t, p.srv.FlushWebhooks(context.Background()))

	body := p.dashboard()
	assert.Equal(t, "SUCCEEDED", match(t, transferRE, body)[2])
	assert.Contains(t, match(t, flashRE, body)[2], "Transfer of EUR 600.00 SUCCEEDED")
	assert.Equal(t, "EUR 400.00", match(t, balanceRE, body)[2])
	assert.Regexp(t, `<td>TRANSFER_NORMAL_SUCCEEDED</td><td><code>xfer_[^<]+</code></td><td>transfer SUCCEEDED</td>`, body)
}

// The user closes the tab on the hosted page after approving: the webhook
// alone brings the dashboard up to date.
func TestWebhookUpdatesATransferWhoseUserNeverCameBack(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	require.NoError(t, app.RegisterHooks(context.Background(), p.c.Hooks, p.app.WebhookURL()))
	seller := fundedMember(t, p)

	link := p.scaLink(p.do(http.MethodPost, "/transfers", url.Values{"to": {seller}, "amount": {"750.50"}}))
	require.NoError(t, p.srv.CompleteSca(link, mangopaytest.Validated))
	require.NoError(t, p.srv.FlushWebhooks(context.Background()))

	var delivered bool
	for _, d := range p.srv.Webhooks() {
		if d.EventType == "TRANSFER_NORMAL_SUCCEEDED" {
			delivered = d.Delivered
			assert.Equal(t, http.StatusOK, d.StatusCode)
		}
	}
	require.True(t, delivered)
	body := p.dashboard()
	assert.Equal(t, "SUCCEEDED", match(t, transferRE, body)[2])
	assert.Equal(t, "EUR 249.50", match(t, balanceRE, body)[2])
}

// Mangopay does not sign webhooks: the platform believes the GET, not the
// notification.
func TestForgedWebhookChangesNothing(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	seller := fundedMember(t, p)
	p.scaLink(p.do(http.MethodPost, "/transfers", url.Values{"to": {seller}, "amount": {"600.00"}}))
	id := match(t, transferRE, p.dashboard())[1]

	// The transfer exists but still waits for SCA: the GET says CREATED, so
	// a forged TRANSFER_NORMAL_SUCCEEDED is refused (409) and changes
	// nothing; one for a transfer that does not exist is refused with 400.
	for rid, want := range map[string]int{id: http.StatusConflict, "xfer_m_01HZZZZZZZZZZZZZZZZZZZZZZZ": http.StatusBadRequest} {
		forged := p.app.WebhookURL() + "?EventType=TRANSFER_NORMAL_SUCCEEDED&RessourceId=" + rid + "&Date=" + strconv.FormatInt(time.Now().Unix(), 10)
		status, _, _ := p.do(http.MethodGet, forged, nil)
		assert.Equal(t, want, status, rid)
	}
	body := p.dashboard()
	assert.Equal(t, "CREATED", match(t, transferRE, body)[2], "the GET says CREATED")
	assert.NotContains(t, body, "<td>TRANSFER_NORMAL_SUCCEEDED</td>", "nothing recorded")

	status, _, _ := p.do(http.MethodPost, p.app.WebhookURL(), url.Values{})
	assert.Equal(t, http.StatusMethodNotAllowed, status, "NewWebhookHandler answers only GET")
	status, _, _ = p.do(http.MethodGet, p.app.WebhookURL()+"?EventType=&RessourceId=x", nil)
	assert.Equal(t, http.StatusBadRequest, status)
}

func TestSmallTransferIsExempt(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	seller := fundedMember(t, p)
	status, loc, _ := p.do(http.MethodPost, "/transfers", url.Values{"to": {seller}, "amount": {"25,5"}})
	assert.Equal(t, http.StatusSeeOther, status)
	assert.Equal(t, "/dashboard#transfers", loc)
	body := p.dashboard()
	tr := match(t, transferRE, body)
	assert.Equal(t, "SUCCEEDED", tr[2])
	assert.Contains(t, tr[3], "(no SCA needed)")
	assert.Contains(t, match(t, flashRE, body)[2], "Transfer of EUR 25.50 to Sam Lee (demo seller): SUCCEEDED, without authentication (exempt).")
}

func TestTransferInputIsCheckedBeforeMangopay(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	seller := fundedMember(t, p)
	for _, tc := range []struct{ to, amount, flash string }{
		{seller, "six hundred", `Transfer not sent: &#34;six hundred&#34; is not an amount in euros, such as 600.00.`},
		{seller, "0", "Transfer not sent: the amount must be more than zero."},
		{seller, "1.234", "is not an amount in euros"},
		{"user_m_nobody", "10", "Transfer not sent: choose who to pay."},
		{"", "10", "Transfer not sent: choose who to pay."},
	} {
		status, _, _ := p.do(http.MethodPost, "/transfers", url.Values{"to": {tc.to}, "amount": {tc.amount}})
		assert.Equal(t, http.StatusSeeOther, status)
		assert.Contains(t, match(t, flashRE, p.dashboard())[2], tc.flash, tc.amount)
	}
	for _, r := range p.srv.Requests() {
		assert.False(t, r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/transfers"), "no transfer was sent")
	}
}

func TestPayoutRecipientNeedsSca(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	require.NoError(t, app.RegisterHooks(context.Background(), p.c.Hooks, p.app.WebhookURL()))
	p.signUp()
	link := p.scaLink(p.do(http.MethodPost, "/recipients", url.Values{"display_name": {"My EUR account"}, "iban": {"DE75 5121 0800 1245 1261 99"}}))
	assert.Equal(t, "PENDING", match(t, recipientRE, p.dashboard())[2])
	assert.Equal(t, "/dashboard#recipients", p.answer(link, mangopaytest.Validated))
	require.NoError(t, p.srv.FlushWebhooks(context.Background()))
	body := p.dashboard()
	assert.Equal(t, "ACTIVE", match(t, recipientRE, body)[2])
	assert.Contains(t, match(t, flashRE, body)[2], "Recipient My EUR account is ACTIVE")
	assert.Contains(t, body, "<td>RECIPIENT_ACTIVE</td>")
	assert.Contains(t, body, "<code>DE75512108001245126199</code>")

	// A declined one ends CANCELED.
	link = p.scaLink(p.do(http.MethodPost, "/recipients", url.Values{"display_name": {"Second"}, "iban": {"DE75512108001245126199"}}))
	p.answer(link, mangopaytest.Failed)
	assert.Equal(t, "CANCELED", match(t, recipientRE, p.dashboard())[2])

	status, _, _ := p.do(http.MethodPost, "/recipients", url.Values{"display_name": {"Bad"}, "iban": {"not an iban"}})
	assert.Equal(t, http.StatusSeeOther, status)
	assert.Contains(t, match(t, flashRE, p.dashboard())[2], "Recipient not registered: give a name and an IBAN")
}

func TestPagesNeedASession(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	for _, tc := range []struct{ method, path string }{
		{http.MethodGet, "/dashboard"},
		{http.MethodPost, "/wallets/open"},
		{http.MethodPost, "/transfers"},
		{http.MethodPost, "/recipients"},
		{http.MethodPost, "/payins"},
		{http.MethodPost, "/payouts"},
		{http.MethodPost, "/transfers/xfer_m_x/refund"},
		{http.MethodGet, "/payin/return?transactionId=payin_m_x"},
		{http.MethodGet, "/sca/return?what=user&id=user_m_x&controlStatus=VALIDATED"},
	} {
		status, loc, _ := p.do(tc.method, tc.path, url.Values{})
		assert.Equal(t, http.StatusSeeOther, status, tc.path)
		assert.Equal(t, "/", loc, tc.path)
	}
	status, _, body := p.do(http.MethodGet, "/", nil)
	assert.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, `<form method="post" action="/signup" id="signup-form">`)
	assert.Equal(t, http.StatusNotFound, func() int { s, _, _ := p.do(http.MethodGet, "/nope", nil); return s }())
}

// A member cannot confirm someone else's resources through the return URL.
func TestReturnOnlyConfirmsTheMembersOwnResources(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	p.signUp()
	for _, q := range []string{
		"what=user&id=user_m_someone_else",
		"what=transfer&id=xfer_m_someone_else",
		"what=recipient&id=rec_someone_else",
	} {
		status, _, _ := p.do(http.MethodGet, "/sca/return?"+q+"&controlStatus=VALIDATED", nil)
		assert.Equal(t, http.StatusNotFound, status, q)
	}
	status, _, _ := p.do(http.MethodGet, "/sca/return?what=anything&controlStatus=VALIDATED", nil)
	assert.Equal(t, http.StatusBadRequest, status)
}

func TestSignUpFormErrors(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	status, _, body := p.do(http.MethodPost, "/signup", url.Values{"first_name": {"Alex"}, "email": {"nope"}})
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, body, "Please give your first name, last name and email address.")
	assert.Contains(t, body, `value="Alex"`, "what was typed is kept")

	p.srv.InjectFault(mangopaytest.Fault{Count: 1, Status: http.StatusBadRequest, Method: http.MethodPost, Path: "/sca/users/natural"})
	status, _, body = p.do(http.MethodPost, "/signup", url.Values{"first_name": {"Alex"}, "last_name": {"M"}, "email": {"a@example.com"}})
	assert.Equal(t, http.StatusBadGateway, status)
	assert.Contains(t, body, "Mangopay refused the registration: Mangopay answered 400")
	for _, c := range p.browser.Jar.Cookies(mustURL(t, p.web.URL)) {
		assert.NotEqual(t, "platform_session", c.Name, "no session for a refused sign-up")
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	require.NoError(t, err)
	return u
}

func TestSignOut(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	p.signUp()
	status, loc, _ := p.do(http.MethodPost, "/signout", url.Values{})
	assert.Equal(t, http.StatusSeeOther, status)
	assert.Equal(t, "/", loc)
	status, loc, _ = p.do(http.MethodGet, "/dashboard", nil)
	assert.Equal(t, http.StatusSeeOther, status)
	assert.Equal(t, "/", loc)
}

// brokenWallets is a fake for one part of the API: the pattern of small
// interfaces lets a test swap just what it needs.
type brokenWallets struct{ app.Wallets }

func (brokenWallets) ListByUser(context.Context, string, mangopay.ScaContext, *mangopay.ListOptions, ...mangopay.RequestOption) (*mangopay.Page[mangopay.Wallet], error) {
	return nil, &mangopay.APIError{StatusCode: 500, Type: "internal", Message: "try later"}
}

func TestWalletErrorsAreShownNotHidden(t *testing.T) {
	t.Parallel()
	p := newPlatform(t, func(c *app.Config) { c.API.Wallets = brokenWallets{c.API.Wallets} })
	p.signUp()
	status, _, _ := p.do(http.MethodPost, "/wallets/open", url.Values{})
	assert.Equal(t, http.StatusSeeOther, status)
	assert.Equal(t, "Could not read your wallets: Mangopay answered 500 internal: try later", match(t, flashRE, p.dashboard())[2])
}

func TestRegisterHooksUpdatesExistingHooks(t *testing.T) {
	t.Parallel()
	srv := mangopaytest.NewServer()
	t.Cleanup(srv.Close)
	c := srv.Client()
	ctx := context.Background()
	require.NoError(t, app.RegisterHooks(ctx, c.Hooks, "https://old.example/hooks"))
	require.NoError(t, app.RegisterHooks(ctx, c.Hooks, "https://new.example/hooks"))
	n := 0
	for h, err := range c.Hooks.All(ctx, nil) {
		require.NoError(t, err)
		n++
		assert.Equal(t, "https://new.example/hooks", h.URL, h.EventType)
	}
	assert.Equal(t, len(app.EventTypes), n, "one hook per event type")
}

func TestNewChecksItsConfig(t *testing.T) {
	t.Parallel()
	_, err := app.New(app.Config{BaseURL: "http://x"})
	assert.ErrorContains(t, err, "Config.API needs")
	srv0 := mangopaytest.NewServer()
	t.Cleanup(srv0.Close)
	api := app.FromClient(srv0.Client())
	api.Resources = nil
	_, err = app.New(app.Config{API: api, BaseURL: "http://x"})
	assert.ErrorContains(t, err, "Resources (use FromClient)")
	srv := mangopaytest.NewServer()
	t.Cleanup(srv.Close)
	for _, base := range []string{"", "/relative", "ftp://x", "http://"} {
		_, err := app.New(app.Config{API: app.FromClient(srv.Client()), BaseURL: base})
		assert.ErrorContains(t, err, "must be an absolute http(s) URL", base)
	}
}

// ---- CSRF (issue 15) ----

// transfersSent counts the POST /transfers Mangopay received.
func transfersSent(p *platform) int {
	n := 0
	for _, r := range p.srv.Requests() {
		if r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/transfers") {
			n++
		}
	}
	return n
}

// A page on another site auto-submits a transfer form to the platform with
// the member's cookies: whatever it tries, no money moves.
func TestCrossOriginFormsMoveNoMoney(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	seller := fundedMember(t, p)
	tok := p.token()
	evil := http.Header{"Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"}, "Sec-Fetch-Mode": {"navigate"}}
	for _, tc := range []struct {
		name string
		form url.Values
		hdr  http.Header
	}{
		// What a browser sends for an auto-submitted form of another site.
		{"cross-site, no token", url.Values{"to": {seller}, "amount": {"12.34"}}, evil},
		// Even a token that leaked does not help another origin.
		{"cross-site with the right token", url.Values{"to": {seller}, "amount": {"12.34"}, "csrf": {tok}}, evil},
		{"sibling subdomain", url.Values{"to": {seller}, "amount": {"12.34"}, "csrf": {tok}}, http.Header{"Sec-Fetch-Site": {"same-site"}}},
		// A browser without Sec-Fetch-Site: the Origin decides.
		{"foreign Origin only", url.Values{"to": {seller}, "amount": {"12.34"}, "csrf": {tok}}, http.Header{"Origin": {"https://evil.example"}}},
		{"unparsable Origin", url.Values{"to": {seller}, "amount": {"12.34"}, "csrf": {tok}}, http.Header{"Origin": {"%zz"}}},
		// No origin information at all (an old browser, a script): the token decides.
		{"no token", url.Values{"to": {seller}, "amount": {"12.34"}}, nil},
		{"empty token", url.Values{"to": {seller}, "amount": {"12.34"}, "csrf": {""}}, nil},
		{"wrong token", url.Values{"to": {seller}, "amount": {"12.34"}, "csrf": {strings.Repeat("0", 32)}}, nil},
		{"same-origin, no token", url.Values{"to": {seller}, "amount": {"12.34"}}, http.Header{"Sec-Fetch-Site": {"same-origin"}}},
	} {
		status, _, body := p.send(http.MethodPost, "/transfers", tc.form, tc.hdr)
		assert.Equal(t, http.StatusForbidden, status, tc.name)
		assert.Contains(t, body, "Form refused", tc.name)
	}
	for _, path := range []string{"/wallets/open", "/recipients"} {
		status, _, _ := p.send(http.MethodPost, path, url.Values{"display_name": {"Evil"}, "iban": {"DE75512108001245126199"}}, evil)
		assert.Equal(t, http.StatusForbidden, status, path)
	}
	assert.Zero(t, transfersSent(p), "no transfer reached Mangopay")
	body := p.dashboard()
	assert.NotRegexp(t, transferRE, body, "no transfer recorded")
	assert.Equal(t, "EUR 1000.00", match(t, balanceRE, body)[2], "no money moved")
	for _, r := range p.srv.Requests() {
		assert.False(t, r.Method == http.MethodPost && strings.Contains(r.Path, "/recipients"), "no recipient created")
	}

	// The member's own form, from the platform's page, still works.
	status, loc, _ := p.send(http.MethodPost, "/transfers", url.Values{"to": {seller}, "amount": {"12.34"}, "csrf": {tok}},
		http.Header{"Origin": {p.web.URL}, "Sec-Fetch-Site": {"same-origin"}})
	assert.Equal(t, http.StatusSeeOther, status)
	assert.Equal(t, "/dashboard#transfers", loc)
	assert.Equal(t, 1, transfersSent(p))
	assert.Equal(t, "EUR 987.66", match(t, balanceRE, p.dashboard())[2])
	// So does a browser that sends no Sec-Fetch-Site but our Origin, and one
	// that sends neither (the token is enough).
	for _, hdr := range []http.Header{{"Origin": {p.web.URL}}, nil} {
		status, _, _ = p.send(http.MethodPost, "/transfers", url.Values{"to": {seller}, "amount": {"1"}, "csrf": {tok}}, hdr)
		assert.Equal(t, http.StatusSeeOther, status)
	}
	assert.Equal(t, 3, transfersSent(p))
}

func TestCrossOriginSignOutIsRefused(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	p.signUp()
	status, _, _ := p.send(http.MethodPost, "/signout", url.Values{}, http.Header{"Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"}})
	assert.Equal(t, http.StatusForbidden, status)
	status, _, _ = p.send(http.MethodPost, "/signout", url.Values{}, nil)
	assert.Equal(t, http.StatusForbidden, status, "no token")
	assert.Equal(t, "ACTIVE", match(t, userStatusRE, p.dashboard())[1], "still signed in")

	status, loc, _ := p.do(http.MethodPost, "/signout", url.Values{})
	assert.Equal(t, http.StatusSeeOther, status, "the page's own sign-out button works")
	assert.Equal(t, "/", loc)
}

// Each session has its own token; a new sign-in gets a new one, and the
// sign-up form (before any session) has a token of its own.
func TestFormTokensArePerSession(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	signedOut := p.token()
	assert.Equal(t, signedOut, p.token(), "stable while signed out")
	status, _, _ := p.send(http.MethodPost, "/signup", url.Values{"first_name": {"Alex"}, "last_name": {"Martin"}, "email": {"alex@example.com"}},
		http.Header{"Origin": {"https://evil.example"}})
	assert.Equal(t, http.StatusForbidden, status, "the sign-up form is protected too (login CSRF)")
	p.signUp()
	first := p.token()
	assert.NotEqual(t, signedOut, first, "signing in rotates the token")
	body := p.dashboard()
	forms := regexp.MustCompile(`<form [^>]*method="post"[^>]*>`).FindAllStringIndex(body, -1)
	assert.GreaterOrEqual(t, len(forms), 3, "open, recipient, sign out")
	for _, f := range forms {
		assert.Regexp(t, `^<form [^>]*>\s*`+csrfRE.String(), body[f[0]:], "every POST form carries the token first")
	}
	assert.Len(t, csrfRE.FindAllString(body, -1), len(forms))

	q := newPlatform(t)
	q.signUp()
	other := q.token()
	assert.NotEqual(t, first, other)
	// Alex's token is worth nothing in another member's session.
	status, _, _ = q.send(http.MethodPost, "/wallets/open", url.Values{"csrf": {first}}, nil)
	assert.Equal(t, http.StatusForbidden, status)
}

// ---- order of webhooks and answers (issue 18) ----

// flushingTransfers delivers Mangopay's pending webhooks before Create
// returns: the notification of an exempt transfer reaches the platform
// before the answer of the call that made it.
type flushingTransfers struct {
	app.Transfers
	srv     *mangopaytest.Server
	flushed int
}

func (f *flushingTransfers) Create(ctx context.Context, in *mangopay.CreateTransferRequest, opts ...mangopay.RequestOption) (*mangopay.Transfer, error) {
	t, err := f.Transfers.Create(ctx, in, opts...)
	if ferr := f.srv.FlushWebhooks(ctx); ferr != nil {
		return nil, ferr
	}
	for _, d := range f.srv.Webhooks() {
		if t != nil && d.ResourceID == t.ID && d.Delivered {
			f.flushed++
		}
	}
	return t, err
}

// Issue 18: the exempt EUR 25 transfer succeeds during Create, and its
// TRANSFER_NORMAL_SUCCEEDED arrived before the platform had recorded the
// transfer: it was answered 200 and ignored, so it never reached the
// dashboard. Now the webhook records the transfer from the confirmed GET and
// Create's answer completes that record.
func TestWebhookBeforeCreateAnswerIsNotLost(t *testing.T) {
	t.Parallel()
	fake := &flushingTransfers{}
	p := newPlatform(t, func(c *app.Config) {
		fake.Transfers = c.API.Transfers
		c.API.Transfers = fake
	})
	fake.srv = p.srv
	require.NoError(t, app.RegisterHooks(context.Background(), p.c.Hooks, p.app.WebhookURL()))
	seller := fundedMember(t, p)

	status, loc, _ := p.do(http.MethodPost, "/transfers", url.Values{"to": {seller}, "amount": {"25"}})
	require.Equal(t, http.StatusSeeOther, status)
	require.Equal(t, "/dashboard#transfers", loc)
	require.Equal(t, 1, fake.flushed, "the webhook was delivered while Create had not returned")

	var id string
	for _, d := range p.srv.Webhooks() {
		if string(d.EventType) == string(mangopay.EventTransferNormalSucceeded) {
			assert.Equal(t, http.StatusOK, d.StatusCode)
			id = d.ResourceID
		}
	}
	require.NotEmpty(t, id)
	body := p.dashboard()
	rows := transferRE.FindAllStringSubmatch(body, -1)
	require.Len(t, rows, 1, "one record, not one per answer")
	assert.Equal(t, id, rows[0][1])
	assert.Equal(t, "SUCCEEDED", rows[0][2])
	assert.Contains(t, rows[0][3], "(no SCA needed)", "Create's answer completed the webhook's record")
	assert.Regexp(t, `<td>TRANSFER_NORMAL_SUCCEEDED</td><td><code>`+id+`</code></td><td>transfer SUCCEEDED</td>`, body, "the notification reached the dashboard")
	assert.Contains(t, body, `<td>Sam Lee (demo seller)</td><td class="money">EUR 25.00</td>`)
	assert.Equal(t, "EUR 975.00", match(t, balanceRE, body)[2])
}
