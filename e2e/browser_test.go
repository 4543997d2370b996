// Package e2e drives examples/platform and the emulator's hosted pages (SCA,
// card payment, 3-D Secure) with a real headless Chromium: the whole money
// cycle of sign-up, card pay-in, transfer, recipient and payout. It is its own module so that the SDK's
// go.mod does not depend on chromedp.
//
//	cd e2e && go test -count=1 ./...
//
// Without a Chromium the test is skipped, unless MANGOPAY_E2E_REQUIRE_BROWSER=1
// (as in CI), which makes that a failure. MANGOPAY_E2E_CHROMIUM names the
// browser binary (default: chromium, chromium-browser or google-chrome on
// PATH). Screenshots go to e2e/artifacts/ (MANGOPAY_E2E_ARTIFACTS overrides).
package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scaforge/mangopay"
	"github.com/scaforge/mangopay/examples/platform/app"
	"github.com/scaforge/mangopay/mangopaytest"
)

// chromium finds the browser, or skips (fails when it is required).
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("MANGOPAY_E2E_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("MANGOPAY_E2E_REQUIRE_BROWSER") == "1" {
		t.Fatal("no Chromium found (chromium, chromium-browser, google-chrome; or set MANGOPAY_E2E_CHROMIUM) and MANGOPAY_E2E_REQUIRE_BROWSER=1")
	}
	t.Skip("no Chromium found: install it (apt-get install chromium) or set MANGOPAY_E2E_CHROMIUM")
	return ""
}

// artifacts returns the screenshot directory, created.
func artifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("MANGOPAY_E2E_ARTIFACTS")
	if dir == "" {
		dir = "artifacts"
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	return dir
}

// site is the platform served against an emulator, as `go run
// ./examples/platform` does.
type site struct {
	srv *mangopaytest.Server
	c   *mangopay.Client
	web *httptest.Server
}

func startSite(t *testing.T) *site {
	t.Helper()
	srv, err := mangopaytest.Listen("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	c := srv.Client()
	web := httptest.NewUnstartedServer(nil)
	a, err := app.New(app.Config{API: app.FromClient(c), BaseURL: "http://" + web.Listener.Addr().String(), Backend: "emulator at " + srv.URL,
		TestCards: []app.TestCard{{Number: mangopaytest.TestCardFrictionless, What: "pays at once"}, {Number: mangopaytest.TestCardChallenge, What: "asks for 3-D Secure"}}})
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, a.AddDemoPayee(ctx, func(link string) error { return srv.CompleteSca(link, mangopaytest.Validated) }))
	require.NoError(t, app.RegisterHooks(ctx, c.Hooks, a.WebhookURL()))
	web.Config.Handler = a
	web.Start()
	t.Cleanup(web.Close)
	return &site{srv: srv, c: c, web: web}
}

// newBrowser starts a headless Chromium with a fresh profile.
func newBrowser(t *testing.T, path string) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(profile(t)),
		chromedp.WindowSize(1200, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(cancelBrowser)
	// The first action starts the browser, which lives as long as bctx: the
	// overall deadline goes on a derived context.
	require.NoError(t, chromedp.Do(bctx), "starting %s", path)
	ctx, cancelTimeout := context.WithTimeout(bctx, 90*time.Second)
	t.Cleanup(cancelTimeout)
	return ctx
}

// profile is a fresh --user-data-dir, removed at the end (Chromium's child
// processes may still write there for a moment after it stops).
func profile(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "mangopay-e2e-chromium-")
	require.NoError(t, err)
	t.Cleanup(func() {
		for range 50 {
			if os.RemoveAll(dir) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	return dir
}

// shot saves a full-page PNG screenshot as dir/name.
func shot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), png, 0o644))
	t.Logf("screenshot %s (%d bytes)", filepath.Join(dir, name), len(png))
}

// visible waits (at most 15 s) for an element; on failure it says where
// the browser is and what the page shows.
func visible(t *testing.T, ctx context.Context, css string) {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(wctx, chromedp.WaitVisible(chromedp.CSS(css))); err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
		t.Fatalf("waiting for %s: %v\nat %s, the page says:\n%s", css, err, loc, body)
	}
}

// text returns the text of the first element matching the CSS selector.
func text(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	require.NoError(t, err, "text of %s", css)
	return v
}

// location returns the address of the page.
func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Location())
	require.NoError(t, err)
	return v
}

// onHostedPage waits for the emulator's SCA page and checks its address.
func onHostedPage(t *testing.T, ctx context.Context, s *site, title string) {
	t.Helper()
	visible(t, ctx, `input[name=code]`)
	assert.Equal(t, title, text(t, ctx, "h1"))
	loc := location(t, ctx)
	u, err := url.Parse(loc)
	require.NoError(t, err)
	assert.Equal(t, s.srv.URL+"/sca/", u.Scheme+"://"+u.Host+u.Path, "the browser is on the hosted page")
	assert.True(t, strings.HasPrefix(u.Query().Get("returnUrl"), s.web.URL+"/sca/return?"), loc)
}

// enterCode types the sandbox one-time code into the hosted page.
func enterCode(t *testing.T, ctx context.Context) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`input[name=code]`), mangopaytest.OTP)))
	v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`input[name=code]`)))
	require.NoError(t, err)
	require.Equal(t, mangopaytest.OTP, v)
}

// approve enters the sandbox code and approves.
func approve(t *testing.T, ctx context.Context) {
	t.Helper()
	enterCode(t, ctx)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[value=approve]`))))
}

// TestBrowserSignUpWalletsAndDeclinedTransfer: sign up → hosted page → code
// → approve → dashboard ACTIVE → open the wallet → SCA → approve → balance →
// transfer above the threshold → SCA → decline → transfer FAILED.
func TestBrowserSignUpWalletsAndDeclinedTransfer(t *testing.T) {
	path := chromium(t)
	dir := artifacts(t)
	s := startSite(t)
	ctx := newBrowser(t, path)

	// Sign up as an OWNER: the platform sends the browser to the hosted page.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(s.web.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("signup-form")),
		chromedp.SendKeys(chromedp.ID("first_name"), "Alex"),
		chromedp.SendKeys(chromedp.ID("last_name"), "Martin"),
		chromedp.SendKeys(chromedp.ID("email"), "alex.martin@example.com"),
		chromedp.Click(chromedp.ID("signup")),
	))
	onHostedPage(t, ctx, s, "Secure your account")
	assert.Equal(t, "Enrol Alex Martin in strong customer authentication", text(t, ctx, ".what"))
	enterCode(t, ctx)
	shot(t, ctx, dir, "declined-1-hosted-page-enrollment.png")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[value=approve]`))))

	// Back on the dashboard, ACTIVE (confirmed by the platform's GET).
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("user-status"))))
	assert.Equal(t, "ACTIVE", text(t, ctx, "#user-status"))
	assert.Equal(t, "Alex Martin", text(t, ctx, "#member-name"))
	assert.Equal(t, s.web.URL+"/dashboard", location(t, ctx))
	assert.Equal(t, "Your account is ACTIVE (Mangopay's page said VALIDATED; confirmed with Mangopay).", text(t, ctx, "#flash"))

	// Money arrives on the wallet (the emulator's control; the card pay-in
	// is TestBrowserMoneyCycle's).
	walletID := text(t, ctx, "#wallet-id")
	require.True(t, strings.HasPrefix(walletID, "wlt_"), walletID)
	require.NoError(t, s.srv.Credit(walletID, 100000))

	// Open the wallet: USER_PRESENT read → 401 → hosted page → approve.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.ID("open-wallets"))))
	onHostedPage(t, ctx, s, "Confirm access to your account")
	approve(t, ctx)
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("td.balance"))))
	assert.Equal(t, "EUR 1000.00", text(t, ctx, "td.balance"))
	assert.Contains(t, text(t, ctx, "#flash"), "Wallet access confirmed for 180 days")

	// A transfer above the threshold: hosted page → decline.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("amount"), "600.00"),
		chromedp.Click(chromedp.ID("send")),
	))
	onHostedPage(t, ctx, s, "Confirm this transfer")
	assert.Equal(t, "Transfer of €600.00 to Sam Lee", text(t, ctx, ".what"))
	shot(t, ctx, dir, "declined-2-hosted-page-transfer.png")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[value=decline]`))))

	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("tr.transfer .badge.failed"))))
	assert.Equal(t, "FAILED", text(t, ctx, "tr.transfer .status"))
	flash := text(t, ctx, "#flash")
	assert.Contains(t, flash, "Transfer of EUR 600.00 FAILED: 007101")
	assert.Contains(t, flash, "Mangopay's page said FAILED")
	assert.Equal(t, "EUR 1000.00", text(t, ctx, "td.balance"), "no money moved")
	assert.Equal(t, s.web.URL+"/dashboard#transfers", location(t, ctx))
	id, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("tr.transfer"), "data-id"))
	require.NoError(t, err)

	// Mangopay's side agrees, and its webhook reached the platform.
	tr, err := s.c.Transfers.Get(context.Background(), id.Value)
	require.NoError(t, err)
	assert.Equal(t, mangopay.TransferStatusFailed, tr.Status)
	assert.Equal(t, mangopay.ResultCodeTransferAuthFailed, tr.ResultCode)
	require.NoError(t, s.srv.FlushWebhooks(context.Background()))
	require.NoError(t, chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("event-table"))))
	events := text(t, ctx, "#event-table")
	assert.Contains(t, events, "TRANSFER_NORMAL_FAILED")
	assert.Contains(t, events, "transfer FAILED")
	assert.Contains(t, events, "USER_ACCOUNT_ACTIVATED")
	assert.Equal(t, "FAILED", text(t, ctx, "tr.transfer .status"))
	shot(t, ctx, dir, "declined-3-dashboard-final.png")

	var hosted int
	for _, r := range s.srv.Requests() {
		if r.Method == http.MethodPost && r.Path == "/sca/" {
			hosted++
		}
	}
	assert.Equal(t, 3, hosted, "three answers on the hosted page: enrollment, wallet access, transfer")
}

// onPaymentPage waits for one of the emulator's payment pages (path
// /payment/pay or /payment/3ds) and checks its address and title.
func onPaymentPage(t *testing.T, ctx context.Context, s *site, path, title string) {
	t.Helper()
	// The form's action tells the two pages apart: waiting for the button
	// alone could match the page being left.
	visible(t, ctx, `form[action="`+path+`"] button[value=VALIDATED]`)
	assert.Equal(t, title, text(t, ctx, "h1"))
	u, err := url.Parse(location(t, ctx))
	require.NoError(t, err)
	assert.Equal(t, s.srv.URL+path, u.Scheme+"://"+u.Host+u.Path, "the browser is on the emulator's page")
	assert.NotEmpty(t, u.Query().Get("token"))
}

// waitText waits until the element's text contains want (a webhook that
// is still on its way).
func waitText(t *testing.T, ctx context.Context, css, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		require.NoError(t, chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(css))))
		got := text(t, ctx, css)
		if strings.Contains(got, want) {
			return
		}
		require.True(t, time.Now().Before(deadline), "%s still says %q, want %q", css, got, want)
		time.Sleep(100 * time.Millisecond)
	}
}

// TestBrowserMoneyCycle: sign up (SCA) → open the wallet (SCA) → pay EUR
// 700 by card on the hosted payment page with the 3-D Secure challenge card
// → approve the challenge → transfer EUR 600 (SCA) → register a recipient
// (SCA) → withdraw EUR 100 to it → the payout SUCCEEDS; every balance and
// webhook checked, a screenshot of each hosted page.
func TestBrowserMoneyCycle(t *testing.T) {
	path := chromium(t)
	dir := artifacts(t)
	s := startSite(t)
	ctx := newBrowser(t, path)
	bg := context.Background()

	// Sign up and enroll.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(s.web.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("signup-form")),
		chromedp.SendKeys(chromedp.ID("first_name"), "Chloe"),
		chromedp.SendKeys(chromedp.ID("last_name"), "Durand"),
		chromedp.SendKeys(chromedp.ID("email"), "chloe.durand@example.com"),
		chromedp.Click(chromedp.ID("signup")),
	))
	onHostedPage(t, ctx, s, "Secure your account")
	enterCode(t, ctx)
	shot(t, ctx, dir, "cycle-1-sca-enrollment.png")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[value=approve]`))))
	visible(t, ctx, "#user-status")
	assert.Equal(t, "ACTIVE", text(t, ctx, "#user-status"))

	// Open the wallet (SCA): empty.
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.ID("open-wallets"))))
	onHostedPage(t, ctx, s, "Confirm access to your account")
	approve(t, ctx)
	visible(t, ctx, "td.balance")
	assert.Equal(t, "EUR 0.00", text(t, ctx, "td.balance"))

	// Add EUR 700 by card: the hosted payment page, the challenge card,
	// then the 3-D Secure page.
	assert.Contains(t, text(t, ctx, "#payins"), mangopaytest.TestCardChallenge+" asks for 3-D Secure")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("payin-amount"), "700.00"),
		chromedp.Click(chromedp.ID("pay")),
	))
	onPaymentPage(t, ctx, s, "/payment/pay", "Payment")
	assert.Equal(t, "€700.00", text(t, ctx, "p"))
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Clear(chromedp.CSS(`input[name=cardNumber]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=cardNumber]`), mangopaytest.TestCardChallenge),
	))
	shot(t, ctx, dir, "cycle-2-payment-page.png")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[value=VALIDATED]`))))
	onPaymentPage(t, ctx, s, "/payment/3ds", "3-D Secure")
	assert.Contains(t, text(t, ctx, "body"), "3-D Secure: approve this payment?")
	shot(t, ctx, dir, "cycle-3-3ds-challenge.png")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[value=VALIDATED]`))))

	visible(t, ctx, "tr.payin .badge.succeeded")
	assert.Equal(t, s.web.URL+"/dashboard#payins", location(t, ctx))
	assert.Equal(t, "Card payment of EUR 700.00 SUCCEEDED: EUR 700.00 is on your wallet (confirmed with Mangopay).", text(t, ctx, "#flash"))
	assert.Equal(t, "EUR 700.00", text(t, ctx, "td.balance"))
	payIn, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("tr.payin"), "data-id"))
	require.NoError(t, err)
	pi, err := s.c.PayIns.Get(bg, payIn.Value)
	require.NoError(t, err)
	assert.Equal(t, mangopay.PayInStatusSucceeded, pi.Status, "Mangopay agrees")

	// Pay the seller EUR 600: above the threshold, SCA.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("amount"), "600.00"),
		chromedp.Click(chromedp.ID("send")),
	))
	onHostedPage(t, ctx, s, "Confirm this transfer")
	assert.Equal(t, "Transfer of €600.00 to Sam Lee", text(t, ctx, ".what"))
	enterCode(t, ctx)
	shot(t, ctx, dir, "cycle-4-sca-transfer.png")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[value=approve]`))))
	visible(t, ctx, "tr.transfer .badge.succeeded")
	assert.Contains(t, text(t, ctx, "#flash"), "Transfer of EUR 600.00 SUCCEEDED")
	assert.Equal(t, "EUR 100.00", text(t, ctx, "td.balance"))

	// No ACTIVE payout account yet: nothing to withdraw to.
	assert.Contains(t, text(t, ctx, "#no-active-recipient"), "only an ACTIVE account can receive money")

	// Register a payout account: always SCA.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("display_name"), "Chloe EUR account"),
		chromedp.SendKeys(chromedp.ID("iban"), "DE75512108001245126199"),
		chromedp.Click(chromedp.ID("add-recipient")),
	))
	onHostedPage(t, ctx, s, "Confirm this new recipient")
	enterCode(t, ctx)
	shot(t, ctx, dir, "cycle-5-sca-recipient.png")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[value=approve]`))))
	visible(t, ctx, "tr.recipient .badge.active")

	// Withdraw EUR 100: no SCA, the wallet is debited at once, the payout
	// settles (InstantPayoutDelay on the emulator's clock) and its webhook
	// brings SUCCEEDED.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("payout-amount"), "100.00"),
		chromedp.Click(chromedp.ID("withdraw")),
	))
	visible(t, ctx, "tr.payout")
	assert.Contains(t, text(t, ctx, "#flash"), "Withdrawal of EUR 100.00 to Chloe EUR account is CREATED")
	assert.Equal(t, "CREATED", text(t, ctx, "tr.payout .status"))
	assert.Equal(t, "EUR 0.00", text(t, ctx, "td.balance"))
	s.srv.Advance(mangopaytest.InstantPayoutDelay)
	require.NoError(t, s.srv.FlushWebhooks(bg))
	waitText(t, ctx, "tr.payout .status", "SUCCEEDED")
	events := text(t, ctx, "#event-table")
	for _, want := range []string{"PAYIN_NORMAL_SUCCEEDED", "pay-in SUCCEEDED", "TRANSFER_NORMAL_SUCCEEDED", "RECIPIENT_ACTIVE",
		"PAYOUT_NORMAL_SUCCEEDED", "payout SUCCEEDED"} {
		assert.Contains(t, events, want)
	}
	payout, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("tr.payout"), "data-id"))
	require.NoError(t, err)
	po, err := s.c.Payouts.Get(bg, payout.Value)
	require.NoError(t, err)
	assert.Equal(t, mangopay.PayoutStatusSucceeded, po.Status)
	assert.Equal(t, mangopay.Money{Currency: "EUR", Amount: 10000}, po.CreditedFunds)
	assert.Equal(t, "EUR 0.00", text(t, ctx, "td.balance"), "700 paid in = 600 transferred + 100 paid out")
	shot(t, ctx, dir, "cycle-6-dashboard.png")
}
