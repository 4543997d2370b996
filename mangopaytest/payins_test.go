package mangopaytest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
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
	"github.com/scaforge/mangopay/mangopaytest"
)

var browser = &mangopay.BrowserInfo{AcceptHeader: "text/html", Language: "en-US", ColorDepth: 24, ScreenHeight: 1080,
	ScreenWidth: 1920, TimeZoneOffset: -60, UserAgent: "Mozilla/5.0", JavascriptEnabled: true}

// registerCard registers a card for user through the three documented steps.
func (e *sdkEnv) registerCard(user string, cd mangopaytest.Card) *mangopay.CardRegistration {
	e.t.Helper()
	reg, err := e.c.CardRegistrations.Create(e.ctx, &mangopay.CreateCardRegistrationRequest{UserID: user, Currency: "EUR"})
	require.NoError(e.t, err)
	require.Equal(e.t, mangopay.CardRegistrationCreated, reg.Status)
	require.True(e.t, strings.HasPrefix(reg.CardRegistrationURL, e.srv.URL+"/payment/tokenize/"), reg.CardRegistrationURL)
	data, err := mangopaytest.Tokenize(e.ctx, e.srv.HTTPClient(), reg, cd)
	require.NoError(e.t, err)
	reg, err = e.c.CardRegistrations.Update(e.ctx, reg.ID, &mangopay.CompleteCardRegistrationRequest{RegistrationData: data, CardHolderName: "Alex Smith"})
	require.NoError(e.t, err)
	return reg
}

func (e *sdkEnv) direct(user, wallet, cardID string, amount, fees int64, sm mangopay.SecureMode, opts ...mangopay.RequestOption) (*mangopay.PayIn, error) {
	return e.c.PayIns.CreateCardDirect(e.ctx, &mangopay.CreateCardDirectPayInRequest{
		AuthorID: user, CreditedWalletID: wallet, CardID: cardID, SecureMode: sm,
		DebitedFunds: mangopay.Money{Currency: "EUR", Amount: amount}, Fees: mangopay.Money{Currency: "EUR", Amount: fees},
		SecureModeReturnURL: "https://platform.example/back", BrowserInfo: browser, IPAddress: "203.0.113.7",
	}, opts...)
}

func (e *sdkEnv) web(user, wallet string, amount, fees int64) (*mangopay.PayIn, *mangopay.PaymentRedirectError) {
	e.t.Helper()
	p, err := e.c.PayIns.CreateCardWeb(e.ctx, &mangopay.CreateCardWebPayInRequest{
		AuthorID: user, CreditedWalletID: wallet, Culture: "EN", CardType: mangopay.CardTypeCBVisaMastercard,
		DebitedFunds: mangopay.Money{Currency: "EUR", Amount: amount}, Fees: mangopay.Money{Currency: "EUR", Amount: fees},
		ReturnURL: "https://platform.example/back?order=1",
	})
	var pr *mangopay.PaymentRedirectError
	require.ErrorAs(e.t, err, &pr)
	require.NotNil(e.t, p)
	return p, pr
}

var frictionless = mangopaytest.Card{Number: mangopaytest.TestCardFrictionless, Expiry: "1230", CVC: "123"}

func TestPayInsCardRegistrationAndTokenization(t *testing.T) {
	t.Parallel()
	e := newSDK(t)
	user := e.payer("Alex")
	reg := e.registerCard(user, frictionless)
	assert.Equal(t, mangopay.CardRegistrationValidated, reg.Status)
	assert.Equal(t, mangopay.ResultCodeSuccess, reg.ResultCode)
	require.NotEmpty(t, reg.CardID)
	got, err := e.c.CardRegistrations.Get(e.ctx, reg.ID)
	require.NoError(t, err)
	assert.Equal(t, reg.CardID, got.CardID)
	// A retried PUT with the same data registers no second card.
	again, err := e.c.CardRegistrations.Update(e.ctx, reg.ID, &mangopay.CompleteCardRegistrationRequest{RegistrationData: reg.RegistrationData})
	require.NoError(t, err)
	assert.Equal(t, reg.CardID, again.CardID)

	card, err := e.c.Cards.Get(e.ctx, reg.CardID)
	require.NoError(t, err)
	assert.Equal(t, "497010XXXXXX1119", card.Alias, "the number is never returned")
	assert.Equal(t, "1230", card.ExpirationDate)
	assert.Equal(t, "ALEX SMITH", card.CardHolderName)
	assert.True(t, card.Active)
	assert.Equal(t, mangopay.CardValidityUnknown, card.Validity)

	card, err = e.c.Cards.Deactivate(e.ctx, reg.CardID)
	require.NoError(t, err)
	assert.False(t, card.Active)
	_, err = e.c.Cards.Deactivate(e.ctx, reg.CardID)
	var apiErr *mangopay.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "card_already_not_active", apiErr.Type)

	// Tokenization errors become an ERROR registration.
	for _, tc := range []struct {
		cd   mangopaytest.Card
		code string
	}{
		{mangopaytest.Card{Number: "4970107111111118", Expiry: "1230", CVC: "123"}, "105202"},
		{mangopaytest.Card{Number: mangopaytest.TestCardFrictionless, Expiry: "1330", CVC: "123"}, mangopay.ResultCodeInvalidExpiryDate},
		{mangopaytest.Card{Number: mangopaytest.TestCardFrictionless, Expiry: "1230", CVC: "12"}, mangopay.ResultCodeInvalidCVV},
	} {
		r := e.registerCard(user, tc.cd)
		assert.Equal(t, mangopay.CardRegistrationError, r.Status, tc.cd)
		assert.Equal(t, tc.code, r.ResultCode, tc.cd)
		assert.Empty(t, r.CardID)
	}
	// Data from another registration (or made up) is refused.
	r, err := e.c.CardRegistrations.Create(e.ctx, &mangopay.CreateCardRegistrationRequest{UserID: user, Currency: "EUR"})
	require.NoError(t, err)
	r, err = e.c.CardRegistrations.Update(e.ctx, r.ID, &mangopay.CompleteCardRegistrationRequest{RegistrationData: reg.RegistrationData})
	require.NoError(t, err)
	assert.Equal(t, mangopay.ResultCodeInvalidRegistrationData, r.ResultCode)
	// A wrong access key gets an error code from the tokenizer.
	r2, err := e.c.CardRegistrations.Create(e.ctx, &mangopay.CreateCardRegistrationRequest{UserID: user, Currency: "EUR"})
	require.NoError(t, err)
	r2.AccessKey = "forged"
	data, err := mangopaytest.Tokenize(e.ctx, e.srv.HTTPClient(), r2, frictionless)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(data, "errorCode="), data)
	_, err = e.c.CardRegistrations.Create(e.ctx, &mangopay.CreateCardRegistrationRequest{UserID: "user_m_nobody", Currency: "EUR"})
	assert.ErrorIs(t, err, mangopay.ErrNotFound)
}

func TestPayInsDirectCardOutcomes(t *testing.T) {
	t.Parallel()
	e := newSDK(t)
	user := e.payer("Dana")
	wallet := e.wallet(user, 0)
	fr := e.registerCard(user, frictionless).CardID

	// Frictionless: SUCCEEDED at once; DebitedFunds - Fees to the wallet, Fees to the fees wallet.
	p, err := e.direct(user, wallet, fr, 2000, 150, mangopay.SecureModeDefault)
	require.NoError(t, err)
	assert.Equal(t, mangopay.PayInStatusSucceeded, p.Status)
	assert.Equal(t, mangopay.ResultCodeSuccess, p.ResultCode)
	assert.Equal(t, mangopay.Money{Currency: "EUR", Amount: 1850}, p.CreditedFunds)
	assert.False(t, p.SecureModeNeeded)
	assert.Equal(t, "https://platform.example/back?transactionId="+p.ID, p.SecureModeReturnURL)
	assert.Equal(t, int64(1850), e.balance(wallet))
	assert.Equal(t, int64(150), e.srv.FeesBalance("EUR"))
	got, err := e.c.PayIns.Get(e.ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, p.Status, got.Status)
	card, _ := e.c.Cards.Get(e.ctx, fr)
	assert.Equal(t, mangopay.CardValidityValid, card.Validity)

	// Refused by the bank (documented amount): FAILED, nothing moves.
	p, err = e.direct(user, wallet, fr, mangopaytest.AmountDoNotHonor, 0, mangopay.SecureModeDefault)
	require.NoError(t, err)
	assert.Equal(t, mangopay.PayInStatusFailed, p.Status)
	assert.Equal(t, mangopay.ResultCodeDoNotHonor, p.ResultCode)
	assert.Equal(t, int64(1850), e.balance(wallet))

	// Expired card.
	exp := e.registerCard(user, mangopaytest.Card{Number: mangopaytest.TestCardFrictionless, Expiry: "0120", CVC: "123"}).CardID
	p, err = e.direct(user, wallet, exp, 1000, 0, mangopay.SecureModeDefault)
	require.NoError(t, err)
	assert.Equal(t, mangopay.ResultCodeCardExpired, p.ResultCode)

	// Someone else's card.
	other := e.payer("Eve")
	p, err = e.direct(other, e.wallet(other, 0), fr, 1000, 0, mangopay.SecureModeDefault)
	require.NoError(t, err)
	assert.Equal(t, mangopay.ResultCodeAuthorNotCardOwner, p.ResultCode)

	// Deactivated card.
	_, err = e.c.Cards.Deactivate(e.ctx, exp)
	require.NoError(t, err)
	p, err = e.direct(user, wallet, exp, 1000, 0, mangopay.SecureModeDefault)
	require.NoError(t, err)
	assert.Equal(t, mangopay.ResultCodeCardInactive, p.ResultCode)
	assert.Equal(t, int64(1850), e.balance(wallet), "no failed pay-in moved money")
}

func TestPayInsDirect3DSChallenge(t *testing.T) {
	t.Parallel()
	e := newSDK(t)
	user := e.payer("Chloe")
	wallet := e.wallet(user, 0)
	for _, tc := range []struct {
		card mangopaytest.Card
		sm   mangopay.SecureMode
	}{
		{mangopaytest.Card{Number: mangopaytest.TestCardChallenge, Expiry: "1230", CVC: "123"}, mangopay.SecureModeForce},
		{mangopaytest.Card{Number: mangopaytest.TestCardChallenge, Expiry: "1230", CVC: "123"}, mangopay.SecureModeNoChoice},
		{mangopaytest.Card{Number: mangopaytest.TestCardMaestroChallenge, Expiry: "1230", CVC: "123"}, mangopay.SecureModeForce},
		{frictionless, mangopay.SecureModeForce},
	} {
		cardID := e.registerCard(user, tc.card).CardID
		p, err := e.direct(user, wallet, cardID, 1000, 0, tc.sm)
		rd, ok := mangopay.AsRedirect(err)
		require.True(t, ok, "%s %s: %v", tc.card.Number, tc.sm, err)
		require.NotNil(t, p)
		assert.Equal(t, mangopay.PayInStatusCreated, p.Status)
		assert.True(t, p.SecureModeNeeded)
		to, err := rd.RedirectURLWithReturn("")
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(to, e.srv.URL+"/payment/3ds?token="), to)
		back, err := e.srv.CompletePayIn(to, mangopaytest.Validated)
		require.NoError(t, err)
		assert.Equal(t, "https://platform.example/back?transactionId="+p.ID, back)
		p, err = e.c.PayIns.Get(e.ctx, p.ID)
		require.NoError(t, err)
		assert.Equal(t, mangopay.PayInStatusSucceeded, p.Status)
		_, err = e.srv.CompletePayIn(to, mangopaytest.Validated)
		assert.ErrorIs(t, err, mangopaytest.ErrPayInNotWaiting, "a link answers once")
	}
	assert.Equal(t, int64(4000), e.balance(wallet))

	// Declined challenge: 101301.
	ch := e.registerCard(user, mangopaytest.Card{Number: mangopaytest.TestCardChallenge, Expiry: "1230", CVC: "123"}).CardID
	p, err := e.direct(user, wallet, ch, 1000, 0, mangopay.SecureModeForce)
	rd, _ := mangopay.AsRedirect(err)
	to, _ := rd.RedirectURLWithReturn("")
	_, err = e.srv.CompletePayIn(to, mangopaytest.Failed)
	require.NoError(t, err)
	p, _ = e.c.PayIns.Get(e.ctx, p.ID)
	assert.Equal(t, mangopay.ResultCode3DSFailed, p.ResultCode)

	// Approved challenge, refused by the bank afterwards.
	p, err = e.direct(user, wallet, ch, mangopaytest.AmountDoNotHonor, 0, mangopay.SecureModeForce)
	rd, _ = mangopay.AsRedirect(err)
	to, _ = rd.RedirectURLWithReturn("")
	_, err = e.srv.CompletePayIn(to, mangopaytest.Validated)
	require.NoError(t, err)
	p, _ = e.c.PayIns.Get(e.ctx, p.ID)
	assert.Equal(t, mangopay.ResultCodeDoNotHonor, p.ResultCode)

	// Abandoned challenge: 101304 after ChallengeLifetime.
	p, err = e.direct(user, wallet, ch, 1000, 0, mangopay.SecureModeForce)
	rd, _ = mangopay.AsRedirect(err)
	to, _ = rd.RedirectURLWithReturn("")
	e.srv.Advance(mangopaytest.ChallengeLifetime)
	p, _ = e.c.PayIns.Get(e.ctx, p.ID)
	assert.Equal(t, mangopay.ResultCode3DSExpired, p.ResultCode)
	_, err = e.srv.CompletePayIn(to, mangopaytest.Validated)
	assert.ErrorIs(t, err, mangopaytest.ErrPayInNotWaiting)
	_, err = e.srv.CompletePayIn("https://elsewhere.example/?token=nope", mangopaytest.Validated)
	assert.ErrorIs(t, err, mangopaytest.ErrUnknownPayIn)
	assert.Equal(t, int64(4000), e.balance(wallet))
}

func TestPayInsWebHostedPage(t *testing.T) {
	t.Parallel()
	e := newSDK(t)
	user := e.payer("Wes")
	wallet := e.wallet(user, 0)

	p, pr := e.web(user, wallet, 3000, 300)
	assert.Equal(t, mangopay.PaymentRedirectHostedPage, pr.Kind)
	assert.Equal(t, "https://platform.example/back?order=1&transactionId="+p.ID, p.ReturnURL)
	assert.True(t, strings.HasPrefix(pr.RedirectURL, e.srv.URL+"/payment/pay?token="), pr.RedirectURL)
	back, err := e.srv.CompletePayIn(pr.RedirectURL, mangopaytest.Validated)
	require.NoError(t, err)
	assert.Equal(t, p.ReturnURL, back)
	p, _ = e.c.PayIns.Get(e.ctx, p.ID)
	assert.Equal(t, mangopay.PayInStatusSucceeded, p.Status)
	assert.Equal(t, int64(2700), e.balance(wallet))
	assert.Equal(t, int64(300), e.srv.FeesBalance("EUR"))

	// Canceled on the page: 001031.
	p, pr = e.web(user, wallet, 3000, 0)
	_, err = e.srv.CompletePayIn(pr.RedirectURL, mangopaytest.Failed)
	require.NoError(t, err)
	p, _ = e.c.PayIns.Get(e.ctx, p.ID)
	assert.Equal(t, mangopay.ResultCodeUserCanceledPayment, p.ResultCode)

	// Unused for 15 minutes on the emulator's clock: 101109.
	p, pr = e.web(user, wallet, 3000, 0)
	e.srv.Advance(mangopaytest.WebPayInLifetime - time.Second)
	got, _ := e.c.PayIns.Get(e.ctx, p.ID)
	assert.Equal(t, mangopay.PayInStatusCreated, got.Status)
	e.srv.Advance(time.Second)
	got, _ = e.c.PayIns.Get(e.ctx, p.ID)
	assert.Equal(t, mangopay.PayInStatusFailed, got.Status)
	assert.Equal(t, mangopay.ResultCodePaymentPeriodExpired, got.ResultCode)
	assert.Empty(t, got.RedirectURL)
	_, err = e.srv.CompletePayIn(pr.RedirectURL, mangopaytest.Validated)
	assert.Error(t, err)
	assert.Equal(t, int64(2700), e.balance(wallet))

	// 99 of 100 in fees is allowed (the SDK refuses 100 of 100 locally, 001014).
	p, err = e.c.PayIns.CreateCardWeb(e.ctx, &mangopay.CreateCardWebPayInRequest{AuthorID: user, CreditedWalletID: wallet, Culture: "EN",
		CardType: mangopay.CardTypeCBVisaMastercard, DebitedFunds: mangopay.Money{Currency: "EUR", Amount: 100}, Fees: mangopay.Money{Currency: "EUR", Amount: 99},
		ReturnURL: "https://platform.example/back"})
	_, isRedirect := mangopay.AsRedirect(err)
	assert.True(t, isRedirect, "%v", err)
	assert.Equal(t, mangopay.Money{Currency: "EUR", Amount: 1}, p.CreditedFunds)
}

// The hosted pages, driven as a browser: GET shows the form, POST answers it
// and redirects to the return URL with transactionId.
func TestPayInsPagesInABrowser(t *testing.T) {
	t.Parallel()
	e := newSDK(t)
	user := e.payer("Bea")
	wallet := e.wallet(user, 0)
	hc := e.srv.HTTPClient()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	p, pr := e.web(user, wallet, 1000, 0)
	resp, err := hc.Get(pr.RedirectURL)
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Contains(t, string(page), `name="cardNumber"`)
	tok := strings.TrimPrefix(pr.RedirectURL, e.srv.URL+"/payment/pay?token=")
	resp, err = hc.PostForm(e.srv.URL+"/payment/pay", url.Values{"token": {tok}, "outcome": {"VALIDATED"},
		"cardNumber": {mangopaytest.TestCardFrictionless}, "cardExpirationDate": {"1230"}, "cardCvx": {"123"}})
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, p.ReturnURL, resp.Header.Get("Location"))
	got, _ := e.c.PayIns.Get(e.ctx, p.ID)
	assert.Equal(t, mangopay.PayInStatusSucceeded, got.Status)
	resp, err = hc.Get(pr.RedirectURL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusGone, resp.StatusCode, "an answered page is gone")

	// Expired card entered on the page: 101105.
	p, pr = e.web(user, wallet, 1000, 0)
	tok = strings.TrimPrefix(pr.RedirectURL, e.srv.URL+"/payment/pay?token=")
	resp, err = hc.PostForm(e.srv.URL+"/payment/pay", url.Values{"token": {tok}, "outcome": {"VALIDATED"},
		"cardNumber": {mangopaytest.TestCardFrictionless}, "cardExpirationDate": {"0120"}, "cardCvx": {"123"}})
	require.NoError(t, err)
	resp.Body.Close()
	got, _ = e.c.PayIns.Get(e.ctx, p.ID)
	assert.Equal(t, mangopay.ResultCodeCardExpired, got.ResultCode)

	// 3DS page: Decline.
	ch := e.registerCard(user, mangopaytest.Card{Number: mangopaytest.TestCardChallenge, Expiry: "1230", CVC: "123"}).CardID
	dp, err := e.direct(user, wallet, ch, 1000, 0, mangopay.SecureModeForce)
	rd, ok := mangopay.AsRedirect(err)
	require.True(t, ok)
	link, _ := rd.RedirectURLWithReturn("")
	resp, err = hc.Get(link)
	require.NoError(t, err)
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Contains(t, string(page), "Decline")
	resp, err = hc.PostForm(e.srv.URL+"/payment/3ds", url.Values{"token": {strings.TrimPrefix(link, e.srv.URL+"/payment/3ds?token=")}, "outcome": {"FAILED"}})
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, dp.SecureModeReturnURL, resp.Header.Get("Location"))
	got, _ = e.c.PayIns.Get(e.ctx, dp.ID)
	assert.Equal(t, mangopay.ResultCode3DSFailed, got.ResultCode)
	resp, err = hc.Get(e.srv.URL + "/payment/pay?token=nope")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestPayInsBankWire(t *testing.T) {
	t.Parallel()
	e := newSDK(t)
	user := e.payer("Bob")
	wallet := e.wallet(user, 0)
	p, err := e.c.PayIns.CreateBankWire(e.ctx, &mangopay.CreateBankWirePayInRequest{AuthorID: user, CreditedWalletID: wallet,
		DeclaredDebitedFunds: mangopay.Money{Currency: "EUR", Amount: 10000}, DeclaredFees: mangopay.Money{Currency: "EUR", Amount: 500}})
	require.NoError(t, err)
	assert.Equal(t, mangopay.PayInStatusCreated, p.Status)
	assert.Equal(t, mangopay.Money{Currency: "XXX"}, p.DebitedFunds)
	assert.NotEmpty(t, p.WireReference)
	require.NotNil(t, p.BankAccount)
	assert.Equal(t, "MANGOPAY SA", p.BankAccount.OwnerName)
	e.srv.Advance(24 * time.Hour)
	got, _ := e.c.PayIns.Get(e.ctx, p.ID)
	assert.Equal(t, mangopay.PayInStatusCreated, got.Status, "stays CREATED until the wire arrives")
	assert.Equal(t, int64(0), e.balance(wallet))

	require.NoError(t, e.srv.ReceiveBankWire(p.ID))
	got, _ = e.c.PayIns.Get(e.ctx, p.ID)
	assert.Equal(t, mangopay.PayInStatusSucceeded, got.Status)
	assert.Equal(t, mangopay.Money{Currency: "EUR", Amount: 10000}, got.DebitedFunds)
	assert.Equal(t, int64(9500), e.balance(wallet))
	assert.Equal(t, int64(500), e.srv.FeesBalance("EUR"))
	assert.ErrorIs(t, e.srv.ReceiveBankWire(p.ID), mangopaytest.ErrPayInNotWaiting, "a wire is received once")
	assert.ErrorIs(t, e.srv.ReceiveBankWire("payin_m_nope"), mangopaytest.ErrUnknownPayIn)

	// The /_sandbox/ route, and a month without funds.
	p2, err := e.c.PayIns.CreateBankWire(e.ctx, &mangopay.CreateBankWirePayInRequest{AuthorID: user, CreditedWalletID: wallet,
		DeclaredDebitedFunds: mangopay.Money{Currency: "EUR", Amount: 2000}, DeclaredFees: mangopay.Money{Currency: "EUR"}})
	require.NoError(t, err)
	resp, err := e.srv.HTTPClient().Post(e.srv.URL+"/_sandbox/payins/"+p2.ID+"/bankwire", "application/json", nil)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	resp.Body.Close()
	assert.Equal(t, "SUCCEEDED", out["Status"])
	assert.Equal(t, int64(11500), e.balance(wallet))
	resp, err = e.srv.HTTPClient().Post(e.srv.URL+"/_sandbox/payins/"+p2.ID+"/bankwire", "application/json", nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusConflict, resp.StatusCode)

	p3, err := e.c.PayIns.CreateBankWire(e.ctx, &mangopay.CreateBankWirePayInRequest{AuthorID: user, CreditedWalletID: wallet,
		DeclaredDebitedFunds: mangopay.Money{Currency: "EUR", Amount: 2000}, DeclaredFees: mangopay.Money{Currency: "EUR"}})
	require.NoError(t, err)
	e.srv.Advance(mangopaytest.BankWireLifetime)
	got, _ = e.c.PayIns.Get(e.ctx, p3.ID)
	assert.Equal(t, mangopay.ResultCodePaymentPeriodExpired, got.ResultCode)
}

func TestPayInsSandboxCompleteRoute(t *testing.T) {
	t.Parallel()
	e := newSDK(t)
	user := e.payer("Sam")
	wallet := e.wallet(user, 0)
	p, pr := e.web(user, wallet, 1000, 0)
	body, _ := json.Marshal(map[string]string{"RedirectUrl": pr.RedirectURL, "Outcome": "VALIDATED"})
	resp, err := e.srv.HTTPClient().Post(e.srv.URL+"/_sandbox/payins/complete", "application/json", strings.NewReader(string(body)))
	require.NoError(t, err)
	var out map[string]string
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	resp.Body.Close()
	assert.Equal(t, p.ReturnURL, out["ReturnURL"])
	resp, err = e.srv.HTTPClient().Post(e.srv.URL+"/_sandbox/payins/complete", "application/json", strings.NewReader(`{"RedirectUrl":"x","Outcome":"VALIDATED"}`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	_, err = e.srv.CompletePayIn(pr.RedirectURL, "MAYBE")
	assert.Error(t, err)
}

func TestPayInsWebhooksConfirmed(t *testing.T) {
	t.Parallel()
	e := newSDK(t)
	var mu sync.Mutex
	var got []mangopay.Event
	h, err := mangopay.NewWebhookHandler(func(_ context.Context, ev mangopay.Event) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, ev)
		return nil
	}, mangopay.WithConfirmation(e.c))
	require.NoError(t, err)
	hookSrv := newHookServer(t, h)
	for _, et := range []mangopay.EventType{mangopay.EventPayInNormalCreated, mangopay.EventPayInNormalSucceeded, mangopay.EventPayInNormalFailed} {
		_, err := e.c.Hooks.Create(e.ctx, &mangopay.CreateHookRequest{EventType: et, URL: hookSrv})
		require.NoError(t, err)
	}
	user := e.payer("Hank")
	wallet := e.wallet(user, 0)
	cardID := e.registerCard(user, frictionless).CardID
	ok, err := e.direct(user, wallet, cardID, 1000, 0, mangopay.SecureModeDefault)
	require.NoError(t, err)
	bad, err := e.direct(user, wallet, cardID, mangopaytest.AmountDoNotHonor, 0, mangopay.SecureModeDefault)
	require.NoError(t, err)
	require.NoError(t, e.srv.FlushWebhooks(e.ctx))
	mu.Lock()
	defer mu.Unlock()
	seen := map[string]mangopay.PayInStatus{}
	for _, ev := range got {
		p, isPayIn := ev.Resource.(*mangopay.PayIn)
		require.True(t, isPayIn, "%T", ev.Resource)
		seen[string(ev.Type)+" "+ev.ResourceID] = p.Status
	}
	assert.Contains(t, seen, "PAYIN_NORMAL_CREATED "+ok.ID)
	assert.Equal(t, mangopay.PayInStatusSucceeded, seen["PAYIN_NORMAL_SUCCEEDED "+ok.ID])
	assert.Equal(t, mangopay.PayInStatusFailed, seen["PAYIN_NORMAL_FAILED "+bad.ID])
}

// A dropped answer to a pay-in POST is recovered: one pay-in, one charge.
func TestPayInsIdempotentReplayOnEmulator(t *testing.T) {
	t.Parallel()
	e := newSDK(t)
	user := e.payer("Ida")
	wallet := e.wallet(user, 0)
	cardID := e.registerCard(user, frictionless).CardID
	e.srv.InjectFault(mangopaytest.Fault{Count: 1, Drop: true, Method: "POST", Path: "/payins/card/direct"})
	var meta mangopay.Response
	p, err := e.direct(user, wallet, cardID, 1000, 0, mangopay.SecureModeDefault, mangopay.WithIdempotencyKey("order-77-direct-card"), mangopay.CaptureResponse(&meta))
	require.NoError(t, err)
	assert.True(t, meta.Recovered)
	assert.Equal(t, mangopay.PayInStatusSucceeded, p.Status)
	assert.Equal(t, int64(1000), e.balance(wallet), "charged once")
	// The same key again: the recorded pay-in, not a second one.
	p2, err := e.direct(user, wallet, cardID, 1000, 0, mangopay.SecureModeDefault, mangopay.WithIdempotencyKey("order-77-direct-card"))
	require.NoError(t, err)
	assert.Equal(t, p.ID, p2.ID)
	assert.Equal(t, int64(1000), e.balance(wallet))

	// A web pay-in whose answer is dropped still comes back with its redirect.
	e.srv.InjectFault(mangopaytest.Fault{Count: 1, Drop: true, Method: "POST", Path: "/payins/card/web"})
	wp, err := e.c.PayIns.CreateCardWeb(e.ctx, &mangopay.CreateCardWebPayInRequest{AuthorID: user, CreditedWalletID: wallet, Culture: "EN",
		CardType: mangopay.CardTypeCBVisaMastercard, DebitedFunds: mangopay.Money{Currency: "EUR", Amount: 500}, Fees: mangopay.Money{Currency: "EUR"},
		ReturnURL: "https://platform.example/back"})
	_, isRedirect := mangopay.AsRedirect(err)
	assert.True(t, isRedirect, "%v", err)
	require.NotNil(t, wp)
	assert.False(t, errors.Is(err, mangopay.ErrUntrustedRedirect))
}

// newHookServer serves h on a loopback port for webhook deliveries and
// returns its URL.
func newHookServer(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL + "/hooks"
}

// The hosted payment page runs 3D Secure: a challenge card entered there
// leads to the 3DS2 challenge page; Approve pays, Decline fails with 101301.
func TestPayInsWebHostedPageChallenge(t *testing.T) {
	t.Parallel()
	e := newSDK(t)
	user := e.payer("Cleo")
	wallet := e.wallet(user, 0)
	hc := e.srv.HTTPClient()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	pay := func(pr *mangopay.PaymentRedirectError, number string) string {
		t.Helper()
		resp, err := hc.PostForm(e.srv.URL+"/payment/pay", url.Values{"token": {strings.TrimPrefix(pr.RedirectURL, e.srv.URL+"/payment/pay?token=")},
			"outcome": {"VALIDATED"}, "cardNumber": {number}, "cardExpirationDate": {"1230"}, "cardCvx": {"123"}})
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		return resp.Header.Get("Location")
	}

	for _, tc := range []struct {
		outcome string
		status  mangopay.PayInStatus
		code    string
		balance int64
	}{
		{"VALIDATED", mangopay.PayInStatusSucceeded, mangopay.ResultCodeSuccess, 2500},
		{"FAILED", mangopay.PayInStatusFailed, mangopay.ResultCode3DSFailed, 2500},
	} {
		p, pr := e.web(user, wallet, 2500, 0)
		challenge := pay(pr, mangopaytest.TestCardChallenge)
		require.True(t, strings.HasPrefix(challenge, e.srv.URL+"/payment/3ds?token="), challenge)
		got, err := e.c.PayIns.Get(e.ctx, p.ID)
		require.NoError(t, err)
		assert.Equal(t, mangopay.PayInStatusCreated, got.Status, "waiting for the challenge")
		assert.Equal(t, challenge, got.RedirectURL)
		resp, err := hc.Get(pr.RedirectURL)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, "the card form is used up")

		resp, err = hc.Get(challenge)
		require.NoError(t, err)
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Contains(t, string(page), "3-D Secure: approve this payment?")
		resp, err = hc.PostForm(e.srv.URL+"/payment/3ds", url.Values{"token": {strings.TrimPrefix(challenge, e.srv.URL+"/payment/3ds?token=")}, "outcome": {tc.outcome}})
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, p.ReturnURL, resp.Header.Get("Location"))
		got, err = e.c.PayIns.Get(e.ctx, p.ID)
		require.NoError(t, err)
		assert.Equal(t, tc.status, got.Status, tc.outcome)
		assert.Equal(t, tc.code, got.ResultCode, tc.outcome)
		assert.Equal(t, tc.balance, e.balance(wallet), tc.outcome)
	}

	// The frictionless card pays without a challenge; an unanswered
	// challenge expires with 101304.
	p, pr := e.web(user, wallet, 1000, 0)
	assert.Equal(t, p.ReturnURL, pay(pr, mangopaytest.TestCardFrictionless))
	p, pr = e.web(user, wallet, 1000, 0)
	pay(pr, mangopaytest.TestCardChallenge)
	e.srv.Advance(mangopaytest.ChallengeLifetime)
	got, err := e.c.PayIns.Get(e.ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, mangopay.ResultCode3DSExpired, got.ResultCode)
	assert.Equal(t, int64(3500), e.balance(wallet))
}

// TestPayInsBankWireDeclaredFees: a bank wire declaration whose fees leave
// nothing to credit fails at creation with 001014, like a card pay-in, and
// can never be received; negative amounts and mismatched currencies are
// answered 400. No wallet goes negative.
func TestPayInsBankWireDeclaredFees(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	payer := a.createPayer("Wanda")
	w := a.wallet(payer, "EUR", 0)
	for _, tc := range []struct {
		name         string
		amount, fees int64
	}{{"fees above the funds", 1000, 1500}, {"fees equal to the funds", 1000, 1000}, {"nothing declared", 0, 0}} {
		p := a.bankWire(payer, w, tc.amount, tc.fees)
		assert.Equal(t, "FAILED", p["Status"], tc.name)
		assert.Equal(t, "001014", p["ResultCode"], tc.name)
		id := p["Id"].(string)
		assert.Equal(t, "FAILED", a.ok(a.get("/payins/" + id))["Status"], tc.name)
		assert.Equal(t, []string{"PAYIN_NORMAL_CREATED", "PAYIN_NORMAL_FAILED"}, eventTypesOf(a.srv, id), tc.name)
		assert.ErrorIs(t, a.srv.ReceiveBankWire(id), mangopaytest.ErrPayInNotWaiting, tc.name)
	}
	assert.Equal(t, int64(0), a.balance(w), "no wallet goes negative")
	assert.Equal(t, int64(0), a.srv.FeesBalance("EUR"))

	bad := func(dd, df map[string]any) map[string]any {
		t.Helper()
		return assertError(t, a.call(http.MethodPost, "/payins/bankwire/direct", map[string]any{"AuthorId": payer, "CreditedWalletId": w,
			"DeclaredDebitedFunds": dd, "DeclaredFees": df}), http.StatusBadRequest, "param_error")
	}
	eur := func(n int64) map[string]any { return map[string]any{"Currency": "EUR", "Amount": n} }
	assert.Contains(t, bad(eur(-1000), eur(0)), "DeclaredDebitedFunds.Amount")
	assert.Contains(t, bad(eur(1000), eur(-10)), "DeclaredFees.Amount")
	assert.Contains(t, bad(eur(1000), map[string]any{"Currency": "GBP", "Amount": 10}), "DeclaredFees.Currency")
	r := a.call(http.MethodPost, "/payins/bankwire/direct", map[string]any{"AuthorId": payer, "CreditedWalletId": w,
		"DeclaredDebitedFunds": map[string]any{"Currency": "GBP", "Amount": 1000}, "DeclaredFees": map[string]any{"Currency": "GBP", "Amount": 0}})
	assertError(t, r, http.StatusBadRequest, "currency_incompatibility")

	// Fees below the funds: the declaration waits for the wire.
	ok := a.bankWire(payer, w, 1000, 999)
	assert.Equal(t, "CREATED", ok["Status"])
	require.NoError(t, a.srv.ReceiveBankWire(ok["Id"].(string)))
	assert.Equal(t, int64(1), a.balance(w))
}

// TestPayInsAmexChallenge: the documented AMEX card (testing/payment-methods:
// CVC 1234, SecureMode FORCE, EUR) tokenizes only with a 4-digit CVC on an
// AMEX registration, is challenged, and an approved challenge succeeds. The
// challenge cards are challenged under SecureMode DEFAULT too (the docs name
// no outcome for DEFAULT; see createDirectPayIn).
func TestPayInsAmexChallenge(t *testing.T) {
	t.Parallel()
	e := newSDK(t)
	user := e.payer("Amelia")
	wallet := e.wallet(user, 0)
	amex := mangopaytest.Card{Number: mangopaytest.TestCardAmexChallenge, Expiry: "1230", CVC: "1234"}
	register := func(cd mangopaytest.Card) *mangopay.CardRegistration {
		reg, err := e.c.CardRegistrations.Create(e.ctx, &mangopay.CreateCardRegistrationRequest{UserID: user, Currency: "EUR", CardType: mangopay.CardTypeAmex})
		require.NoError(t, err)
		data, err := mangopaytest.Tokenize(e.ctx, e.srv.HTTPClient(), reg, cd)
		require.NoError(t, err)
		reg, err = e.c.CardRegistrations.Update(e.ctx, reg.ID, &mangopay.CompleteCardRegistrationRequest{RegistrationData: data, CardHolderName: "Amelia Payer"})
		require.NoError(t, err)
		return reg
	}
	// A 3-digit CVC is refused for an AMEX card.
	short := register(mangopaytest.Card{Number: amex.Number, Expiry: amex.Expiry, CVC: "123"})
	assert.Equal(t, mangopay.CardRegistrationError, short.Status)
	assert.Equal(t, mangopay.ResultCodeInvalidCVV, short.ResultCode)

	reg := register(amex)
	require.Equal(t, mangopay.CardRegistrationValidated, reg.Status, reg.ResultCode)
	card, err := e.c.Cards.Get(e.ctx, reg.CardID)
	require.NoError(t, err)
	assert.Equal(t, mangopay.CardTypeAmex, card.CardType)

	for _, sm := range []mangopay.SecureMode{mangopay.SecureModeForce, mangopay.SecureModeDefault} {
		p, err := e.direct(user, wallet, reg.CardID, 2500, 100, sm)
		rd, ok := mangopay.AsRedirect(err)
		require.True(t, ok, "%s: %v", sm, err)
		require.NotNil(t, p)
		assert.Equal(t, mangopay.PayInStatusCreated, p.Status, sm)
		assert.True(t, p.SecureModeNeeded, sm)
		to, err := rd.RedirectURLWithReturn("")
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(to, e.srv.URL+"/payment/3ds?token="), to)
		back, err := e.srv.CompletePayIn(to, mangopaytest.Validated)
		require.NoError(t, err)
		assert.Equal(t, "https://platform.example/back?transactionId="+p.ID, back)
		p, err = e.c.PayIns.Get(e.ctx, p.ID)
		require.NoError(t, err)
		assert.Equal(t, mangopay.PayInStatusSucceeded, p.Status, sm)
		assert.Equal(t, mangopay.ResultCodeSuccess, p.ResultCode, sm)
	}
	assert.Equal(t, int64(2*2400), e.balance(wallet))
	assert.Equal(t, int64(2*100), e.srv.FeesBalance("EUR"))

	// The Visa/Mastercard challenge card under DEFAULT is challenged as well.
	ch := e.registerCard(user, mangopaytest.Card{Number: mangopaytest.TestCardChallenge, Expiry: "1230", CVC: "123"}).CardID
	p, err := e.direct(user, wallet, ch, 1000, 0, mangopay.SecureModeDefault)
	_, ok := mangopay.AsRedirect(err)
	assert.True(t, ok, "%v", err)
	assert.True(t, p.SecureModeNeeded)
}
