package app_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scaforge/mangopay"
	"github.com/scaforge/mangopay/examples/platform/app"
	"github.com/scaforge/mangopay/mangopaytest"
)

// Lost answers: the emulator carries out a money POST, then drops the
// connection instead of answering. The SDK is built WithMaxRetries(0), so
// it cannot recover the answer itself: the call fails with
// *mangopay.OutcomeUnknownError and the platform must keep the form's key.

// newLossyPlatform is a platform whose SDK never retries.
func newLossyPlatform(t *testing.T) *platform {
	t.Helper()
	return newPlatformWith(t, []mangopay.Option{mangopay.WithMaxRetries(0)})
}

// dropNext makes the emulator carry out the next POST on path (relative to
// /v2.01/{ClientId}) and lose its answer.
func dropNext(p *platform, path string) {
	p.srv.InjectFault(mangopaytest.Fault{Count: 1, Drop: true, Method: http.MethodPost, Path: path})
}

// keysOf returns the Idempotency-Keys of the POSTs on paths ending with
// suffix, in order, and whether each was dropped.
func keysOf(p *platform, suffix string) (keys []string, dropped []bool) {
	for _, r := range p.srv.Requests() {
		if r.Method == http.MethodPost && strings.HasSuffix(r.Path, suffix) {
			keys = append(keys, r.Header.Get("Idempotency-Key"))
			dropped = append(dropped, r.Dropped)
		}
	}
	return keys, dropped
}

// recovered reports whether the SDK read GET /responses/{key}.
func recovered(p *platform, key string) bool {
	for _, r := range p.srv.Requests() {
		if r.Method == http.MethodGet && strings.HasSuffix(r.Path, "/responses/"+key) {
			return true
		}
	}
	return false
}

// lostFlash is what the member is told when the answer was lost.
func lostFlash(what string) string {
	return "Mangopay&#39;s answer was lost: the " + what + " may have been made. Send the form again to find out — the same request is recovered, never repeated."
}

// txRows counts the rows of type typ in the dashboard's transactions.
func txRows(body, typ string) int { return strings.Count(body, "<tr><td>"+typ+"</td>") }

// rateLimitedPayouts answers the next Create, once armed, with the 429 that
// Mangopay's rate limiter sends before looking at the request (nothing is
// recorded under its key). The emulator's injected 429s come after the key
// is claimed, so they cannot stand in for it.
type rateLimitedPayouts struct {
	app.Payouts
	armed *atomic.Bool
}

func (f *rateLimitedPayouts) Create(ctx context.Context, in *mangopay.CreatePayoutRequest, opts ...mangopay.RequestOption) (*mangopay.Payout, error) {
	if f.armed.CompareAndSwap(true, false) {
		return nil, &mangopay.APIError{StatusCode: http.StatusTooManyRequests, Type: "rate_limit", Message: "Rate limit exceeded"}
	}
	return f.Payouts.Create(ctx, in, opts...)
}

func TestPayoutAnswerLostIsRecoveredNotRepeated(t *testing.T) {
	t.Parallel()
	var limited atomic.Bool
	p := newPlatformWith(t, []mangopay.Option{mangopay.WithMaxRetries(0)}, func(c *app.Config) {
		c.API.Payouts = &rateLimitedPayouts{Payouts: c.API.Payouts, armed: &limited}
	})
	fundedMember(t, p)
	rec := p.activeRecipient("My EUR account")
	key := formKey(t, p.dashboard(), "/payouts")

	dropNext(p, "/payouts")
	status, loc, _ := p.do(http.MethodPost, "/payouts", url.Values{"amount": {"100"}, "recipient": {rec}, "request": {key}})
	assert.Equal(t, http.StatusSeeOther, status)
	assert.Equal(t, "/dashboard#payouts", loc)
	body := p.dashboard()
	f := match(t, flashRE, body)
	assert.Equal(t, "error", f[1])
	assert.Equal(t, lostFlash("withdrawal of EUR 100.00 to My EUR account"), f[2])
	assert.NotContains(t, f[2], "not sent")
	assert.Equal(t, "EUR 900.00", match(t, balanceRE, body)[2], "Mangopay made the payout: the wallet is debited")
	assert.NotRegexp(t, payoutRE, body, "nothing recorded: the answer was lost")
	// The form is the same request, locked: same key, amount, recipient.
	assert.Equal(t, key, formKey(t, body, "/payouts"), "the same key, not a new one")
	assert.Contains(t, body, `<select id="recipient" name="recipient"><option value="`+rec+`">My EUR account</option></select>`)
	assert.Contains(t, body, `<input id="payout-amount" name="amount" value="100.00" readonly>`)
	assert.Contains(t, body, `id="payout-lost"`)
	assert.Equal(t, key, formKey(t, p.dashboard(), "/payouts"), "still the same key on every load")

	// Any other submission is refused before Mangopay is asked.
	other := strings.Repeat("a", 32)
	for _, bad := range []url.Values{
		{"amount": {"100"}, "recipient": {rec}, "request": {other}},
		{"amount": {"100"}, "recipient": {rec}},
		{"amount": {"100"}, "recipient": {rec}, "request": {"x"}},
		{"amount": {"150"}, "recipient": {rec}, "request": {key}},
		{"amount": {"100"}, "recipient": {"rec_other"}, "request": {key}},
	} {
		p.do(http.MethodPost, "/payouts", bad)
		body := p.dashboard()
		assert.Equal(t, "Withdrawal not sent: the withdrawal of EUR 100.00 to My EUR account may already have been made (Mangopay&#39;s answer was lost). Send that form again, as the page shows it, to find out; another can be sent once its answer is known.",
			match(t, flashRE, body)[2], bad)
		assert.Equal(t, key, formKey(t, body, "/payouts"), bad)
	}
	keys, _ := keysOf(p, "/payouts/bankwire")
	require.Equal(t, []string{key}, keys, "only the first POST reached Mangopay")

	// The resend itself gets no answer for its key (a 429, which Mangopay
	// does not record): still unknown, still the same key.
	limited.Store(true)
	p.do(http.MethodPost, "/payouts", url.Values{"amount": {"100"}, "recipient": {rec}, "request": {key}})
	body = p.dashboard()
	assert.Equal(t, lostFlash("withdrawal of EUR 100.00 to My EUR account"), match(t, flashRE, body)[2])
	assert.Equal(t, key, formKey(t, body, "/payouts"))

	// Sent again as shown: Mangopay answers 409 and the SDK recovers the
	// first payout. One payout, debited once.
	status, loc, _ = p.do(http.MethodPost, "/payouts", url.Values{"amount": {"100.00"}, "recipient": {rec}, "request": {key}})
	assert.Equal(t, http.StatusSeeOther, status)
	assert.Equal(t, "/dashboard#payouts", loc)
	assert.True(t, recovered(p, key), "GET /responses/{key}")
	body = p.dashboard()
	f = match(t, flashRE, body)
	assert.Equal(t, "ok", f[1])
	assert.Contains(t, f[2], "Withdrawal of EUR 100.00 to My EUR account is CREATED")
	rows := payoutRE.FindAllStringSubmatch(body, -1)
	require.Len(t, rows, 1, "one payout")
	assert.Equal(t, []string{"My EUR account", "EUR 100.00"}, rows[0][2:4])
	assert.Equal(t, "EUR 900.00", match(t, balanceRE, body)[2], "debited once")
	assert.Equal(t, 1, txRows(body, "PAYOUT"), "one payout on Mangopay")
	keys, dropped := keysOf(p, "/payouts/bankwire")
	assert.Equal(t, []string{key, key}, keys, "every POST under the first key (the 429 reached no one)")
	assert.Equal(t, []bool{true, false}, dropped)
	assert.NotContains(t, body, `id="payout-lost"`)
	assert.NotEqual(t, key, formKey(t, body, "/payouts"), "answer known: a new form, a new key")

	// The next withdrawal goes through normally.
	p.do(http.MethodPost, "/payouts", url.Values{"amount": {"50"}, "recipient": {rec}, "request": {formKey(t, body, "/payouts")}})
	body = p.dashboard()
	assert.Len(t, payoutRE.FindAllString(body, -1), 2)
	assert.Equal(t, "EUR 850.00", match(t, balanceRE, body)[2])
}

func TestTransferAnswerLostIsRecoveredNotRepeated(t *testing.T) {
	t.Parallel()
	p := newLossyPlatform(t)
	seller := fundedMember(t, p)
	key := formKey(t, p.dashboard(), "/transfers")

	dropNext(p, "/transfers")
	status, loc, _ := p.do(http.MethodPost, "/transfers", url.Values{"to": {seller}, "amount": {"25"}, "request": {key}})
	assert.Equal(t, http.StatusSeeOther, status)
	assert.Equal(t, "/dashboard#transfers", loc)
	body := p.dashboard()
	assert.Equal(t, lostFlash("transfer of EUR 25.00 to Sam Lee (demo seller)"), match(t, flashRE, body)[2])
	assert.Equal(t, "EUR 975.00", match(t, balanceRE, body)[2], "Mangopay made the transfer")
	assert.NotRegexp(t, transferRE, body)
	assert.Equal(t, key, formKey(t, body, "/transfers"))
	assert.Contains(t, body, `<select id="to" name="to"><option value="`+seller+`">Sam Lee (demo seller)</option></select>`)
	assert.Contains(t, body, `<input id="amount" name="amount" value="25.00" readonly>`)

	p.do(http.MethodPost, "/transfers", url.Values{"to": {seller}, "amount": {"25"}})
	assert.Contains(t, match(t, flashRE, p.dashboard())[2], "Transfer not sent: the transfer of EUR 25.00 to Sam Lee (demo seller) may already have been made")
	require.Equal(t, 1, transfersSent(p))

	p.do(http.MethodPost, "/transfers", url.Values{"to": {seller}, "amount": {"25.00"}, "request": {key}})
	assert.True(t, recovered(p, key))
	body = p.dashboard()
	f := match(t, flashRE, body)
	assert.Equal(t, "ok", f[1])
	assert.Equal(t, "Transfer of EUR 25.00 to Sam Lee (demo seller): SUCCEEDED, without authentication (exempt).", f[2])
	rows := transferRE.FindAllStringSubmatch(body, -1)
	require.Len(t, rows, 1, "one transfer")
	assert.Equal(t, "SUCCEEDED", rows[0][2])
	assert.Equal(t, "EUR 975.00", match(t, balanceRE, body)[2], "debited once")
	assert.Equal(t, 1, txRows(body, "TRANSFER"))
	keys, _ := keysOf(p, "/transfers")
	assert.Equal(t, []string{key, key}, keys)
	assert.NotEqual(t, key, formKey(t, body, "/transfers"))
	assert.NotContains(t, body, `id="transfer-lost"`)
}

func TestRefundAnswerLostIsRecoveredNotRepeated(t *testing.T) {
	t.Parallel()
	p := newLossyPlatform(t)
	seller := fundedMember(t, p)
	p.do(http.MethodPost, "/transfers", url.Values{"to": {seller}, "amount": {"25"}})
	body := p.dashboard()
	xfer := match(t, transferRE, body)[1]
	key := refundKey(t, body, xfer)
	require.Equal(t, "EUR 975.00", match(t, balanceRE, body)[2])

	dropNext(p, "/transfers/"+xfer+"/refunds")
	status, loc, _ := p.do(http.MethodPost, "/transfers/"+xfer+"/refund", url.Values{"request": {key}})
	assert.Equal(t, http.StatusSeeOther, status)
	assert.Equal(t, "/dashboard#transfers", loc)
	body = p.dashboard()
	what := "refund of the transfer " + xfer + " (EUR 25.00)"
	assert.Equal(t, lostFlash(what), match(t, flashRE, body)[2])
	assert.Equal(t, "EUR 1000.00", match(t, balanceRE, body)[2], "Mangopay made the refund")
	assert.NotRegexp(t, refundRE, body)
	assert.Equal(t, key, refundKey(t, body, xfer), "the refund form keeps its key")
	assert.Contains(t, body, `id="refund-lost"`)

	p.do(http.MethodPost, "/transfers/"+xfer+"/refund", url.Values{"request": {strings.Repeat("b", 32)}})
	assert.Contains(t, match(t, flashRE, p.dashboard())[2], "Not refunded: the "+what+" may already have been made")
	require.Equal(t, 1, posts(p, "/refunds"))

	p.do(http.MethodPost, "/transfers/"+xfer+"/refund", url.Values{"request": {key}})
	assert.True(t, recovered(p, key))
	body = p.dashboard()
	f := match(t, flashRE, body)
	assert.Equal(t, "ok", f[1])
	assert.Equal(t, "Refund of EUR 25.00: SUCCEEDED.", f[2])
	assert.Len(t, refundRE.FindAllString(body, -1), 1, "one refund")
	assert.Equal(t, "EUR 1000.00", match(t, balanceRE, body)[2], "credited back once")
	assert.NotContains(t, body, `action="/transfers/`+xfer+`/refund"`, "refunded: no form left")
	keys, _ := keysOf(p, "/refunds")
	assert.Equal(t, []string{key, key}, keys)
}

var payPageRE = regexp.MustCompile(`^(.*/payment/pay\?token=)`)

func TestPayInAnswerLostIsRecoveredNotRepeated(t *testing.T) {
	t.Parallel()
	p := newLossyPlatform(t)
	p.signUp()
	p.openWallets()
	key := formKey(t, p.dashboard(), "/payins")

	dropNext(p, "/payins/card/web")
	status, loc, _ := p.do(http.MethodPost, "/payins", url.Values{"amount": {"40"}, "request": {key}})
	assert.Equal(t, http.StatusSeeOther, status)
	assert.Equal(t, "/dashboard#payins", loc, "no payment page to follow")
	body := p.dashboard()
	assert.Equal(t, lostFlash("card payment of EUR 40.00"), match(t, flashRE, body)[2])
	assert.NotRegexp(t, payinRE, body)
	assert.Equal(t, key, formKey(t, body, "/payins"))
	assert.Contains(t, body, `<input id="payin-amount" name="amount" value="40.00" readonly>`)

	p.do(http.MethodPost, "/payins", url.Values{"amount": {"40"}})
	assert.Contains(t, match(t, flashRE, p.dashboard())[2], "Card payment not started: the card payment of EUR 40.00 may already have been made")
	require.Equal(t, 1, posts(p, "/payins/card/web"))

	// Sent again: the first pay-in's answer, with its payment page.
	status, link, _ := p.do(http.MethodPost, "/payins", url.Values{"amount": {"40.00"}, "request": {key}})
	require.Equal(t, http.StatusSeeOther, status)
	require.Regexp(t, payPageRE, link)
	assert.True(t, recovered(p, key))
	body = p.dashboard()
	rows := payinRE.FindAllStringSubmatch(body, -1)
	require.Len(t, rows, 1, "one pay-in")
	assert.NotContains(t, body, `id="payin-lost"`)
	assert.NotEqual(t, key, formKey(t, body, "/payins"))
	ret, err := p.srv.CompletePayIn(link, mangopaytest.Validated)
	require.NoError(t, err)
	assert.Equal(t, p.web.URL+"/payin/return?transactionId="+rows[0][1], ret, "the page is the first pay-in's")
	p.back(ret)
	body = p.dashboard()
	assert.Equal(t, "SUCCEEDED", match(t, payinRE, body)[2])
	assert.Equal(t, "EUR 40.00", match(t, balanceRE, body)[2], "credited once")
	assert.Equal(t, 1, txRows(body, "PAYIN"), "one pay-in on Mangopay")
	keys, _ := keysOf(p, "/payins/card/web")
	assert.Equal(t, []string{key, key}, keys)
}

// The connection is reset before Mangopay acts: the outcome is just as
// unknown to the platform, and the resend under the same key carries the
// payout out, once.
func TestPayoutNeverReceivedIsMadeOnceByTheResend(t *testing.T) {
	t.Parallel()
	p := newLossyPlatform(t)
	fundedMember(t, p)
	rec := p.activeRecipient("Mine")
	key := formKey(t, p.dashboard(), "/payouts")

	p.srv.InjectFault(mangopaytest.Fault{Count: 1, Reset: true, Method: http.MethodPost, Path: "/payouts"})
	p.do(http.MethodPost, "/payouts", url.Values{"amount": {"100"}, "recipient": {rec}, "request": {key}})
	body := p.dashboard()
	assert.Equal(t, lostFlash("withdrawal of EUR 100.00 to Mine"), match(t, flashRE, body)[2])
	assert.Equal(t, "EUR 1000.00", match(t, balanceRE, body)[2], "nothing happened on Mangopay")
	assert.Equal(t, key, formKey(t, body, "/payouts"))

	p.do(http.MethodPost, "/payouts", url.Values{"amount": {"100"}, "recipient": {rec}, "request": {key}})
	body = p.dashboard()
	assert.Contains(t, match(t, flashRE, body)[2], "Withdrawal of EUR 100.00 to Mine is CREATED")
	assert.Len(t, payoutRE.FindAllString(body, -1), 1)
	assert.Equal(t, "EUR 900.00", match(t, balanceRE, body)[2], "debited once")
	assert.False(t, recovered(p, key), "carried out, not recovered")
	assert.NotEqual(t, key, formKey(t, body, "/payouts"))
}
