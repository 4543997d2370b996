package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scaforge/mangopay"
	"github.com/scaforge/mangopay/examples/platform/app"
	"github.com/scaforge/mangopay/mangopaytest"
)

var (
	payinRE  = regexp.MustCompile(`(?s)<tr class="payin" data-id="(payin_[^"]+)">.*?class="badge status [a-z]+">([A-Z]+)<.*?<td class="muted">([^<]*)</td>`)
	payoutRE = regexp.MustCompile(`(?s)<tr class="payout" data-id="(po_[^"]+)"><td>([^<]*)</td><td class="money">([^<]+)</td>.*?class="badge status [a-z]+">([A-Z]+)<.*?<td>([A-Z_]*)</td><td class="muted">([^<]*)</td>`)
	refundRE = regexp.MustCompile(`(?s)<tr class="refund" data-id="(refund_[^"]+)"><td><code>(xfer_[^<]+)</code></td><td class="money">([^<]+)</td>.*?class="badge status [a-z]+">([A-Z]+)<`)
	keyRE    = regexp.MustCompile(`<form method="post" action="([^"]+)" id="[a-z-]+"><input type="hidden" name="csrf" value="[0-9a-f]{32}"><input type="hidden" name="request" value="([0-9a-f]{32})">`)
)

// posts counts the POSTs Mangopay received on a path ending with suffix.
func posts(p *platform, suffix string) int {
	n := 0
	for _, r := range p.srv.Requests() {
		if r.Method == http.MethodPost && strings.HasSuffix(r.Path, suffix) {
			n++
		}
	}
	return n
}

// lastPost returns the body of the last POST on a path ending with suffix.
func lastPost(t *testing.T, p *platform, suffix string) (map[string]any, mangopaytest.Request) {
	t.Helper()
	var last *mangopaytest.Request
	for _, r := range p.srv.Requests() {
		if r.Method == http.MethodPost && strings.HasSuffix(r.Path, suffix) {
			last = &r
		}
	}
	require.NotNil(t, last, "no POST %s", suffix)
	var body map[string]any
	require.NoError(t, json.Unmarshal(last.Body, &body))
	return body, *last
}

// formKey is the Idempotency-Key the dashboard's form posting to action carries.
func formKey(t *testing.T, body, action string) string {
	t.Helper()
	for _, m := range keyRE.FindAllStringSubmatch(body, -1) {
		if m[1] == action {
			return m[2]
		}
	}
	t.Fatalf("no form to %s with a request key in:\n%s", action, body)
	return ""
}

// openWallets opens the member's wallets (SCA) and returns the wallet id.
func (p *platform) openWallets() string {
	p.t.Helper()
	p.answer(p.scaLink(p.do(http.MethodPost, "/wallets/open", url.Values{})), mangopaytest.Validated)
	return match(p.t, balanceRE, p.dashboard())[1]
}

// startPayIn posts the card form and returns the hosted payment page link.
func (p *platform) startPayIn(amount string) string {
	p.t.Helper()
	status, loc, _ := p.do(http.MethodPost, "/payins", url.Values{"amount": {amount}})
	require.Equal(p.t, http.StatusSeeOther, status)
	require.True(p.t, strings.HasPrefix(loc, p.srv.URL+"/payment/pay?token="), "to the hosted payment page: %s", loc)
	return loc
}

// back follows Mangopay's redirect to the platform and returns where the
// platform sends the browser next.
func (p *platform) back(returnURL string) string {
	p.t.Helper()
	require.True(p.t, strings.HasPrefix(returnURL, p.web.URL+"/payin/return?transactionId=payin_"), returnURL)
	status, loc, _ := p.do(http.MethodGet, returnURL, nil)
	require.Equal(p.t, http.StatusSeeOther, status)
	return loc
}

// hostedPage answers a Mangopay page as the browser does (a form POST
// there) and returns where it redirects.
func (p *platform) hostedPage(action string, form url.Values) string {
	p.t.Helper()
	status, loc, _ := p.send(http.MethodPost, action, form, nil)
	require.Equal(p.t, http.StatusSeeOther, status)
	return loc
}

// activeRecipient registers a payout bank account and confirms it.
func (p *platform) activeRecipient(name string) string {
	p.t.Helper()
	link := p.scaLink(p.do(http.MethodPost, "/recipients", url.Values{"display_name": {name}, "iban": {"DE75512108001245126199"}}))
	p.answer(link, mangopaytest.Validated)
	id := match(p.t, recipientRE, p.dashboard())[1]
	return id
}

// otherBrowser is another person's browser on the same platform.
func (p *platform) otherBrowser() *platform {
	p.t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(p.t, err)
	q := *p
	q.browser = &http.Client{Jar: jar, Transport: http.DefaultTransport.(*http.Transport).Clone(), CheckRedirect: p.browser.CheckRedirect}
	p.t.Cleanup(q.browser.CloseIdleConnections)
	return &q
}

// The member adds money with a card on the hosted payment page; the card
// asks for 3-D Secure, approved: the return is confirmed by GET and the
// wallet credited; the webhook agrees.
func TestCardPayInThroughTheHostedPageCreditsTheWallet(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	require.NoError(t, app.RegisterHooks(context.Background(), p.c.Hooks, p.app.WebhookURL()))
	p.signUp()
	walletID := p.openWallets()

	body := p.dashboard()
	key := formKey(t, body, "/payins")
	status, link, _ := p.do(http.MethodPost, "/payins", url.Values{"amount": {"150,50"}, "request": {key}})
	require.Equal(t, http.StatusSeeOther, status)
	require.True(t, strings.HasPrefix(link, p.srv.URL+"/payment/pay?token="), link)
	sent, req := lastPost(t, p, "/payins/card/web")
	assert.Equal(t, key, req.Header.Get("Idempotency-Key"), "the form's key")
	assert.Equal(t, p.web.URL+"/payin/return", sent["ReturnURL"])
	assert.Equal(t, walletID, sent["CreditedWalletId"])
	assert.Equal(t, map[string]any{"Currency": "EUR", "Amount": float64(15050)}, sent["DebitedFunds"])
	assert.Equal(t, "CB_VISA_MASTERCARD", sent["CardType"])

	body = p.dashboard()
	row := match(t, payinRE, body)
	assert.Equal(t, "CREATED", row[2], "recorded before the redirect")
	assert.Equal(t, "EUR 0.00", match(t, balanceRE, body)[2])

	// On the hosted page: the challenge card → the 3DS2 page → Approve.
	tok := strings.TrimPrefix(link, p.srv.URL+"/payment/pay?token=")
	challenge := p.hostedPage(p.srv.URL+"/payment/pay", url.Values{"token": {tok}, "outcome": {"VALIDATED"},
		"cardNumber": {mangopaytest.TestCardChallenge}, "cardExpirationDate": {"1230"}, "cardCvx": {"123"}})
	require.True(t, strings.HasPrefix(challenge, p.srv.URL+"/payment/3ds?token="), challenge)
	ret := p.hostedPage(p.srv.URL+"/payment/3ds", url.Values{"token": {strings.TrimPrefix(challenge, p.srv.URL+"/payment/3ds?token=")}, "outcome": {"VALIDATED"}})
	assert.Equal(t, p.web.URL+"/payin/return?transactionId="+row[1], ret)
	assert.Equal(t, "/dashboard#payins", p.back(ret))

	body = p.dashboard()
	f := match(t, flashRE, body)
	assert.Equal(t, "ok", f[1])
	assert.Equal(t, "Card payment of EUR 150.50 SUCCEEDED: EUR 150.50 is on your wallet (confirmed with Mangopay).", f[2])
	assert.Equal(t, "SUCCEEDED", match(t, payinRE, body)[2])
	assert.Equal(t, "EUR 150.50", match(t, balanceRE, body)[2])

	require.NoError(t, p.srv.FlushWebhooks(context.Background()))
	body = p.dashboard()
	assert.Regexp(t, `<td>PAYIN_NORMAL_SUCCEEDED</td><td><code>`+row[1]+`</code></td><td>pay-in SUCCEEDED</td>`, body)
	assert.Len(t, payinRE.FindAllString(body, -1), 1, "one record for the answer, the return and the webhook")
}

func TestCardPayInRefusedOrCanceled(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	p.signUp()
	p.openWallets()

	for _, amount := range []string{"", "abc", "0", "-5", "1.234"} {
		status, loc, _ := p.do(http.MethodPost, "/payins", url.Values{"amount": {amount}})
		assert.Equal(t, http.StatusSeeOther, status, amount)
		assert.Equal(t, "/dashboard#payins", loc, amount)
		assert.Contains(t, match(t, flashRE, p.dashboard())[2], "Card payment not started: ", amount)
	}
	status, _, _ := p.do(http.MethodPost, "/payins", url.Values{"amount": {"10"}, "request": {"not-a-key"}})
	assert.Equal(t, http.StatusSeeOther, status)
	assert.Contains(t, match(t, flashRE, p.dashboard())[2], "the form is out of date")
	assert.Zero(t, posts(p, "/payins/card/web"), "nothing reached Mangopay")

	// Canceled on the hosted page: FAILED 001031, nothing credited.
	link := p.startPayIn("20")
	ret, err := p.srv.CompletePayIn(link, mangopaytest.Failed)
	require.NoError(t, err)
	assert.Equal(t, "/dashboard#payins", p.back(ret))
	body := p.dashboard()
	f := match(t, flashRE, body)
	assert.Equal(t, "error", f[1])
	assert.Contains(t, f[2], "Card payment of EUR 20.00 FAILED: 001031")
	assert.Equal(t, "FAILED", match(t, payinRE, body)[2])
	assert.Equal(t, "EUR 0.00", match(t, balanceRE, body)[2])

	// The documented "Do not honor" amount fails after the page.
	link = p.startPayIn("333.05")
	ret, err = p.srv.CompletePayIn(link, mangopaytest.Validated)
	require.NoError(t, err)
	p.back(ret)
	assert.Contains(t, match(t, flashRE, p.dashboard())[2], "FAILED: 101101")
}

// Anyone can type /payin/return?transactionId=...: a forged return
// confirms nothing, credits nothing and reveals nothing of another member.
func TestForgedPayInReturnChangesNothing(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	bob := p.otherBrowser()
	bob.signUp()
	bob.openWallets()
	bobLink := bob.startPayIn("40")
	bobRet, err := p.srv.CompletePayIn(bobLink, mangopaytest.Validated)
	require.NoError(t, err)
	bobPayIn := strings.TrimPrefix(bobRet, p.web.URL+"/payin/return?transactionId=")

	p.signUp()
	p.openWallets()
	p.startPayIn("500")
	own := match(t, payinRE, p.dashboard())[1]

	// Alex's own pay-in, never paid: the GET says CREATED.
	assert.Equal(t, "/dashboard#payins", p.back(p.web.URL+"/payin/return?transactionId="+own))
	body := p.dashboard()
	f := match(t, flashRE, body)
	assert.Equal(t, "error", f[1])
	assert.Equal(t, "Card payment of EUR 500.00 is still CREATED: nothing is credited until Mangopay confirms it.", f[2])
	assert.Equal(t, "CREATED", match(t, payinRE, body)[2])
	assert.Equal(t, "EUR 0.00", match(t, balanceRE, body)[2])

	// Bob's pay-in, an unknown one, none: refused before Mangopay is asked.
	gets := func() int {
		n := 0
		for _, r := range p.srv.Requests() {
			if r.Method == http.MethodGet && strings.Contains(r.Path, "/payins/") {
				n++
			}
		}
		return n
	}
	before := gets()
	for q, want := range map[string]int{
		"transactionId=" + bobPayIn:                        http.StatusNotFound,
		"transactionId=payin_m_01HZZZZZZZZZZZZZZZZZZZZZZZ": http.StatusNotFound,
		"transactionId=../users/x":                         http.StatusNotFound,
		"":                                                 http.StatusBadRequest,
	} {
		status, _, _ := p.do(http.MethodGet, "/payin/return?"+q, nil)
		assert.Equal(t, want, status, q)
	}
	assert.Equal(t, before, gets(), "no GET for a pay-in that is not Alex's")
	body = p.dashboard()
	assert.Len(t, payinRE.FindAllString(body, -1), 1, "Bob's pay-in is not recorded for Alex")
	assert.NotContains(t, body, bobPayIn)
	assert.Equal(t, "EUR 0.00", match(t, balanceRE, body)[2])

	// Bob's own return still works, and his record is his.
	assert.Equal(t, "/dashboard#payins", bob.back(bobRet))
	assert.Equal(t, "SUCCEEDED", match(t, payinRE, bob.dashboard())[2])
}

func TestWithdrawPaysOutToAnActiveRecipient(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	require.NoError(t, app.RegisterHooks(context.Background(), p.c.Hooks, p.app.WebhookURL()))
	fundedMember(t, p)

	// No ACTIVE recipient: refused, clearly, without asking Mangopay.
	body := p.dashboard()
	assert.Contains(t, body, `id="no-active-recipient"`)
	assert.NotContains(t, body, `id="payout-form"`)
	status, loc, _ := p.do(http.MethodPost, "/payouts", url.Values{"amount": {"100"}, "recipient": {"rec_x"}})
	assert.Equal(t, http.StatusSeeOther, status)
	assert.Equal(t, "/dashboard#payouts", loc)
	assert.Equal(t, "Withdrawal not sent: you have no ACTIVE payout bank account. Add one and confirm it on Mangopay&#39;s page first.", match(t, flashRE, p.dashboard())[2])
	// A declined registration is CANCELED: still none.
	p.answer(p.scaLink(p.do(http.MethodPost, "/recipients", url.Values{"display_name": {"Declined"}, "iban": {"DE75512108001245126199"}})), mangopaytest.Failed)
	canceled := match(t, recipientRE, p.dashboard())[1]
	p.do(http.MethodPost, "/payouts", url.Values{"amount": {"100"}, "recipient": {canceled}})
	assert.Contains(t, match(t, flashRE, p.dashboard())[2], "you have no ACTIVE payout bank account")

	rec := p.activeRecipient("My EUR account")
	for _, bad := range []url.Values{
		{"amount": {"100"}, "recipient": {canceled}},
		{"amount": {"100"}, "recipient": {"rec_someone_else"}},
		{"amount": {"lots"}, "recipient": {rec}},
		{"amount": {"100"}, "recipient": {rec}, "request": {"x"}},
	} {
		p.do(http.MethodPost, "/payouts", bad)
		assert.Contains(t, match(t, flashRE, p.dashboard())[2], "Withdrawal not sent: ", bad)
	}
	require.Zero(t, posts(p, "/payouts/bankwire"), "nothing reached Mangopay")

	body = p.dashboard()
	assert.Contains(t, body, `<option value="`+rec+`">My EUR account (DE75512108001245126199)</option>`)
	key := formKey(t, body, "/payouts")
	status, loc, _ = p.do(http.MethodPost, "/payouts", url.Values{"amount": {"100"}, "recipient": {rec}, "request": {key}})
	assert.Equal(t, http.StatusSeeOther, status)
	assert.Equal(t, "/dashboard#payouts", loc)
	sent, req := lastPost(t, p, "/payouts/bankwire")
	assert.Equal(t, key, req.Header.Get("Idempotency-Key"))
	assert.Equal(t, rec, sent["RecipientId"])
	assert.Equal(t, "INSTANT_PAYMENT", sent["PayoutModeRequested"])
	assert.NotContains(t, sent, "BankAccountId")

	body = p.dashboard()
	f := match(t, flashRE, body)
	assert.Equal(t, "ok", f[1])
	assert.Contains(t, f[2], "Withdrawal of EUR 100.00 to My EUR account is CREATED")
	row := match(t, payoutRE, body)
	assert.Equal(t, []string{"My EUR account", "EUR 100.00", "CREATED"}, row[2:5])
	assert.Equal(t, "EUR 900.00", match(t, balanceRE, body)[2], "debited when the payout is created")

	// The same form sent again (a double click) is the same payout.
	p.do(http.MethodPost, "/payouts", url.Values{"amount": {"100"}, "recipient": {rec}, "request": {key}})
	body = p.dashboard()
	assert.Len(t, payoutRE.FindAllString(body, -1), 1, "one payout")
	assert.Equal(t, "EUR 900.00", match(t, balanceRE, body)[2], "debited once")

	// The instant payout settles on the emulator's clock; the webhook,
	// confirmed by GET, brings SUCCEEDED.
	p.srv.Advance(mangopaytest.InstantPayoutDelay)
	require.NoError(t, p.srv.FlushWebhooks(context.Background()))
	body = p.dashboard()
	row = match(t, payoutRE, body)
	assert.Equal(t, "SUCCEEDED", row[4])
	assert.Equal(t, "INSTANT_PAYMENT", row[5])
	assert.Regexp(t, `<td>PAYOUT_NORMAL_SUCCEEDED</td><td><code>`+row[1]+`</code></td><td>payout SUCCEEDED</td>`, body)
	assert.Equal(t, "EUR 900.00", match(t, balanceRE, body)[2])

	// Beyond the KYC allowance of an unverified (LIGHT) user: refused.
	p.do(http.MethodPost, "/payouts", url.Values{"amount": {"200"}, "recipient": {rec}})
	body = p.dashboard()
	f = match(t, flashRE, body)
	assert.Equal(t, "error", f[1])
	assert.Contains(t, f[2], "Withdrawal of EUR 200.00 FAILED: 002999")
	assert.Contains(t, f[2], "(verify your identity with Mangopay to withdraw more)")
	assert.Equal(t, "EUR 900.00", match(t, balanceRE, body)[2])
	// More than the wallet holds, once verified: refused too.
	require.NoError(t, p.srv.SetKYCLevel(match(t, userIDRE, body)[1], "REGULAR"))
	p.do(http.MethodPost, "/payouts", url.Values{"amount": {"5000"}, "recipient": {rec}})
	assert.Contains(t, match(t, flashRE, p.dashboard())[2], "(your wallet holds less than that)")
}

var userIDRE = regexp.MustCompile(`<code id="user-id">([^<]+)</code>`)

func TestRefundATransfer(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	require.NoError(t, app.RegisterHooks(context.Background(), p.c.Hooks, p.app.WebhookURL()))
	seller := fundedMember(t, p)

	// A transfer waiting for SCA cannot be refunded; an exempt one can.
	p.scaLink(p.do(http.MethodPost, "/transfers", url.Values{"to": {seller}, "amount": {"600"}}))
	pending := match(t, transferRE, p.dashboard())[1]
	p.do(http.MethodPost, "/transfers", url.Values{"to": {seller}, "amount": {"25"}})
	body := p.dashboard()
	done := match(t, transferRE, body)[1]
	require.NotEqual(t, pending, done)
	assert.Contains(t, body, `action="/transfers/`+done+`/refund"`)
	assert.NotContains(t, body, `action="/transfers/`+pending+`/refund"`)
	assert.Equal(t, "EUR 975.00", match(t, balanceRE, body)[2])

	status, loc, _ := p.do(http.MethodPost, "/transfers/"+pending+"/refund", url.Values{})
	assert.Equal(t, http.StatusSeeOther, status)
	assert.Equal(t, "/dashboard#transfers", loc)
	assert.Contains(t, match(t, flashRE, p.dashboard())[2], "Not refunded: only a SUCCEEDED transfer")
	for _, id := range []string{"xfer_m_01HZZZZZZZZZZZZZZZZZZZZZZZ", "nope"} {
		status, _, _ := p.do(http.MethodPost, "/transfers/"+id+"/refund", url.Values{})
		assert.Equal(t, http.StatusNotFound, status, id)
	}
	require.Zero(t, posts(p, "/refunds"))

	body = p.dashboard()
	status, _, _ = p.do(http.MethodPost, "/transfers/"+done+"/refund", url.Values{"request": {refundKey(t, body, done)}})
	assert.Equal(t, http.StatusSeeOther, status)
	body = p.dashboard()
	f := match(t, flashRE, body)
	assert.Equal(t, "ok", f[1])
	assert.Equal(t, "Refund of EUR 25.00: SUCCEEDED.", f[2])
	rf := match(t, refundRE, body)
	assert.Equal(t, []string{done, "EUR 25.00", "SUCCEEDED"}, rf[2:5])
	assert.Equal(t, "EUR 1000.00", match(t, balanceRE, body)[2], "the money came back")
	assert.NotContains(t, body, `action="/transfers/`+done+`/refund"`, "no second refund offered")
	sent, _ := lastPost(t, p, "/transfers/"+done+"/refunds")
	assert.Equal(t, match(t, userIDRE, body)[1], sent["AuthorId"])
	assert.NotContains(t, sent, "DebitedFunds", "a full refund")

	// Again: refused by the platform, Mangopay is not asked.
	p.do(http.MethodPost, "/transfers/"+done+"/refund", url.Values{})
	assert.Contains(t, match(t, flashRE, p.dashboard())[2], "Not refunded: ")
	assert.Equal(t, 1, posts(p, "/refunds"))

	require.NoError(t, p.srv.FlushWebhooks(context.Background()))
	assert.Regexp(t, `<td>TRANSFER_REFUND_SUCCEEDED</td><td><code>`+rf[1]+`</code></td><td>refund SUCCEEDED</td>`, p.dashboard())
}

// refundKey is the request key of the refund form of transfer id.
func refundKey(t *testing.T, body, id string) string {
	t.Helper()
	re := regexp.MustCompile(`action="/transfers/` + regexp.QuoteMeta(id) + `/refund"><input type="hidden" name="csrf" value="[0-9a-f]{32}"><input type="hidden" name="request" value="([0-9a-f]{32})">`)
	return match(t, re, body)[1]
}

// A page of another site auto-submits the money forms with the member's
// cookies (and even a leaked token): nothing reaches Mangopay.
func TestCrossOriginMoneyFormsMoveNoMoney(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	seller := fundedMember(t, p)
	rec := p.activeRecipient("Mine")
	p.do(http.MethodPost, "/transfers", url.Values{"to": {seller}, "amount": {"25"}})
	body := p.dashboard()
	xfer := match(t, transferRE, body)[1]
	tok := p.token()
	refundsBefore, transfersBefore := posts(p, "/refunds"), transfersSent(p)

	evil := http.Header{"Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"}, "Sec-Fetch-Mode": {"navigate"}}
	for _, tc := range []struct {
		path string
		form url.Values
	}{
		{"/payins", url.Values{"amount": {"100"}}},
		{"/payouts", url.Values{"amount": {"100"}, "recipient": {rec}}},
		{"/transfers/" + xfer + "/refund", url.Values{}},
	} {
		for name, hdr := range map[string]http.Header{"cross-site": evil, "foreign Origin": {"Origin": {"https://evil.example"}}, "no token": nil} {
			form := url.Values{}
			for k, v := range tc.form {
				form[k] = v
			}
			if name != "no token" {
				form.Set("csrf", tok)
			}
			status, _, body := p.send(http.MethodPost, tc.path, form, hdr)
			assert.Equal(t, http.StatusForbidden, status, tc.path+" "+name)
			assert.Contains(t, body, "Form refused", tc.path+" "+name)
		}
	}
	assert.Zero(t, posts(p, "/payins/card/web"), "no pay-in")
	assert.Zero(t, posts(p, "/payouts/bankwire"), "no payout")
	assert.Equal(t, refundsBefore, posts(p, "/refunds"), "no refund")
	assert.Equal(t, transfersBefore, transfersSent(p))
	body = p.dashboard()
	assert.Equal(t, "EUR 975.00", match(t, balanceRE, body)[2], "no money moved")
	assert.NotRegexp(t, payoutRE, body)
	assert.NotRegexp(t, refundRE, body)
}

// flushingPayouts delivers the payout's webhooks (settled on the emulator's
// clock) before Create returns: the notification of SUCCEEDED reaches the
// platform before the CREATED answer of the call that made the payout.
type flushingPayouts struct {
	app.Payouts
	srv *mangopaytest.Server
}

func (f *flushingPayouts) Create(ctx context.Context, in *mangopay.CreatePayoutRequest, opts ...mangopay.RequestOption) (*mangopay.Payout, error) {
	po, err := f.Payouts.Create(ctx, in, opts...)
	f.srv.Advance(mangopaytest.InstantPayoutDelay)
	if ferr := f.srv.FlushWebhooks(ctx); ferr != nil {
		return nil, ferr
	}
	return po, err
}

// Webhooks and answers in any order: a payout's SUCCEEDED webhook before
// its CREATED answer leaves one SUCCEEDED record; a pay-in made outside the
// platform's pages (its answer never seen) is recorded from its webhook.
func TestMoneyWebhooksInAnyOrder(t *testing.T) {
	t.Parallel()
	fake := &flushingPayouts{}
	p := newPlatform(t, func(c *app.Config) {
		fake.Payouts = c.API.Payouts
		c.API.Payouts = fake
	})
	fake.srv = p.srv
	require.NoError(t, app.RegisterHooks(context.Background(), p.c.Hooks, p.app.WebhookURL()))
	fundedMember(t, p)
	rec := p.activeRecipient("Mine")

	p.do(http.MethodPost, "/payouts", url.Values{"amount": {"50"}, "recipient": {rec}})
	body := p.dashboard()
	rows := payoutRE.FindAllStringSubmatch(body, -1)
	require.Len(t, rows, 1)
	assert.Equal(t, "SUCCEEDED", rows[0][4], "the later CREATED answer did not move it back")
	assert.Equal(t, "Mine", rows[0][2])
	assert.Regexp(t, `<td>PAYOUT_NORMAL_SUCCEEDED</td><td><code>`+rows[0][1]+`</code></td><td>payout SUCCEEDED</td>`, body)

	// A pay-in of the member whose answer the platform never saw.
	userID, walletID := match(t, userIDRE, body)[1], match(t, balanceRE, body)[1]
	pi, err := p.c.PayIns.CreateCardWeb(context.Background(), &mangopay.CreateCardWebPayInRequest{AuthorID: userID, CreditedWalletID: walletID,
		DebitedFunds: mangopay.Money{Currency: "EUR", Amount: 700}, Fees: mangopay.Money{Currency: "EUR"}, ReturnURL: p.web.URL + "/payin/return",
		Culture: "EN", CardType: mangopay.CardTypeCBVisaMastercard})
	rd, ok := mangopay.AsRedirect(err)
	require.True(t, ok, "%v", err)
	link, err := rd.RedirectURLWithReturn("")
	require.NoError(t, err)
	_, err = p.srv.CompletePayIn(link, mangopaytest.Validated)
	require.NoError(t, err)
	require.NoError(t, p.srv.FlushWebhooks(context.Background()))
	body = p.dashboard()
	row := match(t, payinRE, body)
	assert.Equal(t, pi.ID, row[1])
	assert.Equal(t, "SUCCEEDED", row[2])
	assert.Regexp(t, `<td>PAYIN_NORMAL_SUCCEEDED</td><td><code>`+pi.ID+`</code></td><td>pay-in SUCCEEDED</td>`, body)
}

// TestTransferFormSentTwiceIsOneTransfer: the transfer form carries an
// Idempotency-Key like the other money forms, so a double click (or a
// resent form) is one transfer, debited once; a malformed key is refused
// before anything reaches Mangopay.
func TestTransferFormSentTwiceIsOneTransfer(t *testing.T) {
	t.Parallel()
	p := newPlatform(t)
	seller := fundedMember(t, p)

	p.do(http.MethodPost, "/transfers", url.Values{"to": {seller}, "amount": {"25"}, "request": {"x"}})
	assert.Contains(t, match(t, flashRE, p.dashboard())[2], "Transfer not sent: the form is out of date")
	require.Zero(t, posts(p, "/transfers"), "nothing reached Mangopay")

	key := formKey(t, p.dashboard(), "/transfers")
	for range 2 {
		status, loc, _ := p.do(http.MethodPost, "/transfers", url.Values{"to": {seller}, "amount": {"25"}, "request": {key}})
		assert.Equal(t, http.StatusSeeOther, status)
		assert.Equal(t, "/dashboard#transfers", loc)
	}
	_, req := lastPost(t, p, "/transfers")
	assert.Equal(t, key, req.Header.Get("Idempotency-Key"))
	body := p.dashboard()
	assert.Len(t, transferRE.FindAllString(body, -1), 1, "one transfer")
	assert.Equal(t, "EUR 975.00", match(t, balanceRE, body)[2], "debited once")
}
