package mangopay

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Fixtures: testdata/payins/create-*-response-*.json and
// view-direct-failed-*.json are the documented 200 examples of
// docs.mangopay.com/api-reference/{web-card-payins,direct-card-payins,
// bank-wire-payins} and errors/codes/101101, 101105. The request fixtures
// are the documented request bodies, restricted to the fields the tests set.

func documentedWebPayIn() *CreateCardWebPayInRequest {
	return &CreateCardWebPayInRequest{
		Tag:                 "Created using the Mangopay API Postman collection",
		AuthorID:            "user_m_01JHQRCND66XP99SVBXQRP54MF",
		DebitedFunds:        Money{Currency: "EUR", Amount: 2000},
		Fees:                Money{Currency: "EUR", Amount: 100},
		CreditedWalletID:    "wlt_m_01JHQRD0WZ1QWKNAMQF93E5M15",
		ReturnURL:           "https://www.example.com",
		Culture:             "EN",
		CardType:            CardTypeCBVisaMastercard,
		SecureMode:          SecureModeDefault,
		StatementDescriptor: "Example123",
	}
}

func documentedBrowserInfo() *BrowserInfo {
	return &BrowserInfo{
		AcceptHeader: "text/html, application/xhtml+xml, application/xml;q=0.9, /;q=0.8",
		JavaEnabled:  true, Language: "en", ColorDepth: 4, ScreenHeight: 1800, ScreenWidth: 400, TimeZoneOffset: 60,
		UserAgent:         "Mozilla/5.0 (iPhone; CPU iPhone OS 13_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
		JavascriptEnabled: true,
	}
}

func documentedDirectPayIn() *CreateCardDirectPayInRequest {
	return &CreateCardDirectPayInRequest{
		Tag:                 "Created using Mangopay API Postman Collection",
		AuthorID:            "user_m_01JHQRCND66XP99SVBXQRP54MF",
		DebitedFunds:        Money{Currency: "EUR", Amount: 57842},
		Fees:                Money{Currency: "EUR", Amount: 8877},
		CreditedWalletID:    "wlt_m_01JHQRD0WZ1QWKNAMQF93E5M15",
		SecureMode:          SecureModeDefault,
		CardID:              "card_m_iWdaSvYItChPyoia",
		SecureModeReturnURL: "https://docs.mangopay.com/please-ignore",
		StatementDescriptor: "Mangopay",
		BrowserInfo:         documentedBrowserInfo(),
		IPAddress:           "658e:1b88:7f7a:a60b:32af:0b7f:56e1:2e9a",
		PaymentCategory:     PaymentCategoryECommerce,
	}
}

func TestPayInsCreateCardWebReturnsPayInAndRedirect(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	fc := newFakeClock()
	env.c.now = fc.Now
	var cp capture
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/payins/card/web",
		cp.wrap(wlRespond(200, string(fixture(t, "payins/create-web-response-created.json")))))

	p, err := env.c.PayIns.CreateCardWeb(context.Background(), documentedWebPayIn())

	r, body := cp.last(t)
	assert.Equal(t, http.MethodPost, r.Method)
	assert.Equal(t, "/prefix/v2.01/"+testClientID+"/payins/card/web", r.URL.Path)
	assertStdHeaders(t, r)
	assertJSONEq(t, fixture(t, "payins/create-web-request.json"), body)

	require.NotNil(t, p, "the CREATED pay-in comes with the redirect")
	assert.Equal(t, "wt_f0f67b58-2856-469c-952c-b06e556a70e6", p.ID)
	assert.Equal(t, PayInStatusCreated, p.Status)
	assert.Equal(t, ExecutionTypeWeb, p.ExecutionType)
	assert.Equal(t, PaymentTypeCard, p.PaymentType)
	assert.Equal(t, Money{Currency: "EUR", Amount: 1900}, p.CreditedFunds)
	assert.Equal(t, int64(1746006308), p.CreationDate.Unix())
	assert.Nil(t, p.ExecutionDate)
	assert.Equal(t, CardTypeCBVisaMastercard, p.CardType)
	require.NotNil(t, p.Billing)
	assert.Equal(t, "Paris", p.Billing.Address.City)

	var pr *PaymentRedirectError
	require.ErrorAs(t, err, &pr)
	assert.ErrorIs(t, err, ErrPaymentRedirect)
	assert.NotErrorIs(t, err, ErrScaRequired)
	assert.Equal(t, PaymentRedirectHostedPage, pr.Kind)
	assert.Equal(t, p.RedirectURL, pr.RedirectURL)
	assert.Equal(t, p.ID, pr.PayInID)
	assert.Equal(t, fc.Now().Add(15*time.Minute), pr.ExpiresAt)
	assert.False(t, pr.Expired(fc.Now()))
	assert.True(t, pr.Expired(fc.Now().Add(WebPayInLifetime)))
	assert.Equal(t, 200, pr.StatusCode)
	assert.NotContains(t, pr.Error(), "client-token", "the link's token stays out of the message")

	rd, ok := AsRedirect(err)
	require.True(t, ok)
	to, err := rd.RedirectURLWithReturn("https://platform.example/back")
	require.NoError(t, err)
	assert.Equal(t, "https://pay.mangopay.com?id=wt_f0f67b58-2856-469c-952c-b06e556a70e6&client-token=hpp_f5d3a2c1b8e045f7a9d6c3b2a1e9d8c7", to)
	_, err = rd.RedirectURLWithReturn("/relative")
	assert.Error(t, err)
}

func TestPayInsCreateCardDirect3DSChallenge(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/payins/card/direct",
		cp.wrap(wlRespond(200, string(fixture(t, "payins/create-direct-response-3ds.json")))))

	p, err := env.c.PayIns.CreateCardDirect(context.Background(), documentedDirectPayIn())

	r, body := cp.last(t)
	assert.Equal(t, "/prefix/v2.01/"+testClientID+"/payins/card/direct", r.URL.Path)
	assertStdHeaders(t, r)
	assertJSONEq(t, fixture(t, "payins/create-direct-request.json"), body)

	require.NotNil(t, p)
	assert.True(t, p.SecureModeNeeded)
	assert.Equal(t, ExecutionTypeDirect, p.ExecutionType)
	assert.Equal(t, "card_m_iWdaSvYItChPyoia", p.CardID)
	assert.Equal(t, "V2_1", p.Applied3DSVersion)
	require.NotNil(t, p.BrowserInfo)
	assert.Equal(t, *documentedBrowserInfo(), *p.BrowserInfo)
	require.NotNil(t, p.CardInfo)
	assert.Equal(t, "497010", p.CardInfo.BIN)
	assert.Equal(t, PaymentCategoryECommerce, p.PaymentCategory)

	rd, ok := AsRedirect(err)
	require.True(t, ok, "%v", err)
	pr := rd.(*PaymentRedirectError)
	assert.Equal(t, PaymentRedirect3DS, pr.Kind)
	assert.True(t, pr.ExpiresAt.IsZero())
	assert.False(t, pr.Expired(time.Now().Add(time.Hour)))
	assert.Equal(t, p.SecureModeReturnURL, pr.ReturnURL)
	to, err := rd.RedirectURLWithReturn("")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(to, "https://api.sandbox.whenthen.co/payment-gateway/"), to)
}

func TestPayInsCreateCardDirectFailedIsNotAnError(t *testing.T) {
	t.Parallel()
	for _, code := range []string{ResultCodeDoNotHonor, ResultCodeCardExpired} {
		t.Run(code, func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t)
			env.mt.RegisterResponder(http.MethodPost, testAPI+"/payins/card/direct",
				wlRespond(200, string(fixture(t, "payins/view-direct-failed-"+code+".json"))))
			p, err := env.c.PayIns.CreateCardDirect(context.Background(), documentedDirectPayIn())
			require.NoError(t, err, "the call worked; the money did not move")
			assert.Equal(t, PayInStatusFailed, p.Status)
			assert.Equal(t, code, p.ResultCode)
			assert.NotEmpty(t, p.ResultMessage)
		})
	}
}

func TestPayInsCreateCardDirectSucceededFrictionless(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(fixture(t, "payins/create-direct-response-3ds.json"), &doc))
	doc["Status"], doc["ResultCode"], doc["SecureModeNeeded"], doc["SecureModeRedirectURL"], doc["ExecutionDate"] = "SUCCEEDED", "000000", false, nil, 1700210890
	b, _ := json.Marshal(doc)
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/payins/card/direct", wlRespond(200, string(b)))
	p, err := env.c.PayIns.CreateCardDirect(context.Background(), documentedDirectPayIn())
	require.NoError(t, err)
	assert.Equal(t, PayInStatusSucceeded, p.Status)
	assert.Equal(t, ResultCodeSuccess, p.ResultCode)
	require.NotNil(t, p.ExecutionDate)
	assert.Equal(t, int64(1700210890), p.ExecutionDate.Unix())
}

func TestPayInsCreateBankWire(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/payins/bankwire/direct",
		cp.wrap(wlRespond(200, string(fixture(t, "payins/create-bankwire-response-created.json")))))
	p, err := env.c.PayIns.CreateBankWire(context.Background(), &CreateBankWirePayInRequest{
		Tag:                  "Created using Mangopay API Postman Collection",
		AuthorID:             "user_m_01JCQYJNHFPENP1SKTCBYER0F8",
		CreditedWalletID:     "wlt_m_01JFAJS7838A32W7KPJ7NNGJ1D",
		DeclaredDebitedFunds: Money{Currency: "EUR", Amount: 62789},
		DeclaredFees:         Money{Currency: "EUR", Amount: 7826},
	})
	require.NoError(t, err, "a bank wire needs no browser")
	r, body := cp.last(t)
	assert.Equal(t, "/prefix/v2.01/"+testClientID+"/payins/bankwire/direct", r.URL.Path)
	assertStdHeaders(t, r)
	assertJSONEq(t, fixture(t, "payins/create-bankwire-request.json"), body)
	assert.Equal(t, PaymentTypeBankWire, p.PaymentType)
	assert.Equal(t, PayInStatusCreated, p.Status)
	assert.Equal(t, "MGgq1y8jjb", p.WireReference)
	require.NotNil(t, p.BankAccount)
	assert.Equal(t, "FR7630056009271234567890182", p.BankAccount.IBAN)
	assert.Equal(t, "CCFRFRPPXXX", p.BankAccount.BIC)
	assert.Equal(t, "LU", p.BankAccount.OwnerAddress.Country)
	require.NotNil(t, p.DeclaredDebitedFunds)
	assert.Equal(t, Money{Currency: "EUR", Amount: 62789}, *p.DeclaredDebitedFunds)
	assert.Equal(t, Money{Currency: "XXX", Amount: 0}, p.DebitedFunds)
}

func TestPayInsGetNeverRedirects(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/payins/wt_f0f67b58-2856-469c-952c-b06e556a70e6",
		cp.wrap(wlRespond(200, string(fixture(t, "payins/create-web-response-created.json")))))
	p, err := env.c.PayIns.Get(context.Background(), "wt_f0f67b58-2856-469c-952c-b06e556a70e6")
	require.NoError(t, err)
	assert.Equal(t, PayInStatusCreated, p.Status)
	r, body := cp.last(t)
	assert.Equal(t, http.MethodGet, r.Method)
	assertStdHeaders(t, r)
	assert.Empty(t, body)

	_, err = env.c.PayIns.Get(context.Background(), "../wallets")
	assert.ErrorIs(t, err, ErrInvalidID)
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/payins/missing", wlRespond(404, apiErrorBody("ressource_not_found", "The ressource does not exist")))
	_, err = env.c.PayIns.Get(context.Background(), "missing")
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestPayInsUntrustedLinks(t *testing.T) {
	t.Parallel()
	doc := func(t *testing.T, field, link string) string {
		var m map[string]any
		name := "payins/create-web-response-created.json"
		if field == "SecureModeRedirectURL" {
			name = "payins/create-direct-response-3ds.json"
		}
		require.NoError(t, json.Unmarshal(fixture(t, name), &m))
		m[field] = link
		b, _ := json.Marshal(m)
		return string(b)
	}
	for _, tc := range []struct{ name, field, link string }{
		{"web evil host", "RedirectURL", "https://pay.mangopay.com.evil.example/?id=1"},
		{"web http", "RedirectURL", "http://pay.mangopay.com/?id=1"},
		{"web missing", "RedirectURL", ""},
		{"3ds evil host", "SecureModeRedirectURL", "https://whenthen.co.evil.example/challenge"},
		{"3ds missing", "SecureModeRedirectURL", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t)
			env.mt.RegisterResponder(http.MethodPost, testAPI+"/payins/card/web", wlRespond(200, doc(t, tc.field, tc.link)))
			env.mt.RegisterResponder(http.MethodPost, testAPI+"/payins/card/direct", wlRespond(200, doc(t, tc.field, tc.link)))
			var p *PayIn
			var err error
			if tc.field == "RedirectURL" {
				p, err = env.c.PayIns.CreateCardWeb(context.Background(), documentedWebPayIn())
			} else {
				p, err = env.c.PayIns.CreateCardDirect(context.Background(), documentedDirectPayIn())
			}
			require.NotNil(t, p, "the pay-in exists: keep it")
			assert.ErrorIs(t, err, ErrUntrustedRedirect)
			_, ok := AsRedirect(err)
			assert.False(t, ok, "never a redirect to an unchecked link")
		})
	}
}

func TestPayInsRedirectHostsOption(t *testing.T) {
	t.Parallel()
	env := newTestClient(t, WithRedirectHosts("127.0.0.1:8089"))
	var m map[string]any
	require.NoError(t, json.Unmarshal(fixture(t, "payins/create-web-response-created.json"), &m))
	m["RedirectURL"] = "http://127.0.0.1:8089/payment?token=abc"
	b, _ := json.Marshal(m)
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/payins/card/web", wlRespond(200, string(b)))
	_, err := env.c.PayIns.CreateCardWeb(context.Background(), documentedWebPayIn())
	rd, ok := AsRedirect(err)
	require.True(t, ok, "%v", err)
	to, _ := rd.RedirectURLWithReturn("")
	assert.Equal(t, "http://127.0.0.1:8089/payment?token=abc", to)

	// WithRedirectHosts adds to the payment hosts (issue 13: "Mangopay's
	// payment and 3DS hosts, plus WithRedirectHosts"): Mangopay's own hosted
	// page and a whenthen.co 3DS2 challenge still pass, another host does not.
	for _, link := range []string{
		"https://pay.mangopay.com?id=wt_1&client-token=hpp_1",
		"https://homologation-secure-p.payline.com/v2/?token=1",
		"https://api.sandbox.whenthen.co/payment-gateway/whenthen/threeDS/x/challenge?token=1",
		"https://evil.example/pay",
		"https://paymangopay.com/pay",
		"http://127.0.0.1:8090/payment",
	} {
		env2 := newTestClient(t, WithRedirectHosts("127.0.0.1:8089"))
		m["RedirectURL"] = link
		b, _ := json.Marshal(m)
		env2.mt.RegisterResponder(http.MethodPost, testAPI+"/payins/card/web", wlRespond(200, string(b)))
		p, err := env2.c.PayIns.CreateCardWeb(context.Background(), documentedWebPayIn())
		require.NotNil(t, p, link)
		if strings.Contains(link, "example") || strings.Contains(link, "paymangopay") || strings.Contains(link, "8090") {
			assert.ErrorIs(t, err, ErrUntrustedRedirect, link)
			_, ok := AsRedirect(err)
			assert.False(t, ok, link)
			continue
		}
		rd, ok := AsRedirect(err)
		require.True(t, ok, "%s: %v", link, err)
		to, _ := rd.RedirectURLWithReturn("")
		assert.Equal(t, link, to)
	}

	// SCA links keep their rule: WithRedirectHosts replaces mangopay.com.
	env3 := newTestClient(t, WithRedirectHosts("127.0.0.1:8089"))
	assert.ErrorIs(t, env3.c.redirects.check("https://sca.mangopay.com/?token=abc"), ErrUntrustedRedirect)
	assert.NoError(t, env3.c.redirects.check("http://127.0.0.1:8089/sca?token=abc"))
	assert.ErrorIs(t, env3.c.redirects.check("https://pay.payline.com/x"), ErrUntrustedRedirect)
}

func TestAsRedirectCoversSca(t *testing.T) {
	t.Parallel()
	sca := &ScaRequiredError{RedirectURL: "https://sca.mangopay.com/?token=abc", ExpiresAt: time.Now().Add(time.Minute)}
	rd, ok := AsRedirect(errors.Join(errors.New("x"), sca))
	require.True(t, ok)
	to, err := rd.RedirectURLWithReturn("https://platform.example/done")
	require.NoError(t, err)
	assert.Equal(t, "https://sca.mangopay.com/?token=abc&returnUrl=https%3A%2F%2Fplatform.example%2Fdone", to)
	_, ok = AsRedirect(errors.New("plain"))
	assert.False(t, ok)
	_, ok = AsRedirect(nil)
	assert.False(t, ok)
	_, err = (&PaymentRedirectError{}).RedirectURLWithReturn("")
	assert.Error(t, err)
}

// A POST whose answer is lost is retried under the same key; Mangopay's 409
// sends the SDK to /responses/{key}, whose recorded pay-in (with its redirect)
// is returned: one pay-in, one charge.
func TestPayInsIdempotentReplay(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var posts capture
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/payins/card/web", posts.wrap(sequence(
		httpmock.NewErrorResponder(errors.New("connection reset by peer")),
		wlRespond(409, apiErrorBody(ErrorTypeIdempotencyConflict, "A resource has already been created with this Idempotency Key")),
	)))
	recorded, _ := json.Marshal(map[string]any{"StatusCode": "200", "ContentType": "application/json",
		"RequestURL": "https://api.sandbox.mangopay.com/v2.01/" + testClientID + "/payins/card/web", // checked by the SDK
		"Resource":   json.RawMessage(fixture(t, "payins/create-web-response-created.json"))})
	var lookups capture
	env.mt.RegisterRegexpResponder(http.MethodGet, regexp.MustCompile(`^`+regexp.QuoteMeta(testAPI+"/responses/")+`.+$`),
		lookups.wrap(wlRespond(200, string(recorded))))

	// The recorded answer is the snapshot taken at creation: the SDK reads
	// the pay-in again before handing out its link (still CREATED here, a
	// minute after its CreationDate).
	env.c.now = func() time.Time { return time.Unix(1746006308+60, 0) }
	var gets capture
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/payins/wt_f0f67b58-2856-469c-952c-b06e556a70e6",
		gets.wrap(wlRespond(200, string(fixture(t, "payins/create-web-response-created.json")))))

	var meta Response
	p, err := env.c.PayIns.CreateCardWeb(context.Background(), documentedWebPayIn(), WithIdempotencyKey("order-1234-5678-abcd"), CaptureResponse(&meta))
	require.Equal(t, 1, gets.n(), "the recovered pay-in is read again")
	require.NotNil(t, p)
	assert.Equal(t, "wt_f0f67b58-2856-469c-952c-b06e556a70e6", p.ID)
	_, ok := AsRedirect(err)
	assert.True(t, ok, "the recovered pay-in still needs the hosted page: %v", err)
	require.Equal(t, 2, posts.n())
	for _, r := range posts.reqs {
		assert.Equal(t, "order-1234-5678-abcd", r.Header.Get("Idempotency-Key"))
	}
	require.Equal(t, 1, lookups.n())
	assert.Equal(t, "/prefix/v2.01/"+testClientID+"/responses/order-1234-5678-abcd", lookups.reqs[0].URL.Path)
	assert.True(t, meta.Recovered)
	assert.Equal(t, "order-1234-5678-abcd", meta.IdempotencyKey)
}

// recoveredPayInEnv answers a pay-in create at path with a lost answer, then
// 409, then the recorded answer created (under /responses/{key}); GET
// /payins/{id} answers current (nil: 500). The client's clock is now.
func recoveredPayInEnv(t *testing.T, path string, created []byte, current httpmock.Responder, now time.Time) (*testEnv, *capture) {
	t.Helper()
	env := newTestClient(t, WithMaxRetries(1))
	env.c.now = func() time.Time { return now }
	env.mt.RegisterResponder(http.MethodPost, testAPI+path, sequence(
		httpmock.NewErrorResponder(errors.New("connection reset by peer")),
		wlRespond(409, apiErrorBody(ErrorTypeIdempotencyConflict, "A resource has already been created with this Idempotency Key")),
	))
	recorded, _ := json.Marshal(map[string]any{"StatusCode": "200", "ContentType": "application/json",
		"RequestURL": "https://api.sandbox.mangopay.com/v2.01/" + testClientID + path, "Resource": json.RawMessage(created)})
	env.mt.RegisterRegexpResponder(http.MethodGet, regexp.MustCompile(`^`+regexp.QuoteMeta(testAPI+"/responses/")+`.+$`), wlRespond(200, string(recorded)))
	var p PayIn
	require.NoError(t, json.Unmarshal(created, &p))
	var gets capture
	if current == nil {
		current = wlRespond(500, apiErrorBody("internal_error", "down"))
	}
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/payins/"+p.ID, gets.wrap(current))
	return env, &gets
}

// A replayed create (same Idempotency-Key, answer recovered through 409 and
// /responses/{key}) returns the pay-in's current state, not the snapshot
// recorded at creation: the redirect only while it is CREATED and its link
// is valid, with ExpiresAt from its CreationDate rather than the local
// clock at recovery.
func TestPayInsRecoveredCreateReadsCurrentState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	web := fixture(t, "payins/create-web-response-created.json")
	var webPayIn PayIn
	require.NoError(t, json.Unmarshal(web, &webPayIn))
	created := webPayIn.CreationDate.Time // 2025-04-30T09:45:08Z
	key := WithIdempotencyKey("order-1234-5678-abcd")

	t.Run("still CREATED: the redirect, valid until CreationDate + 15 min", func(t *testing.T) {
		t.Parallel()
		env, gets := recoveredPayInEnv(t, "/payins/card/web", web, wlRespond(200, string(web)), created.Add(5*time.Minute))
		p, err := env.c.PayIns.CreateCardWeb(ctx, documentedWebPayIn(), key)
		require.Equal(t, 1, gets.n())
		r, _ := gets.last(t)
		assert.Equal(t, http.MethodGet, r.Method)
		assertStdHeaders(t, r)
		var pr *PaymentRedirectError
		require.ErrorAs(t, err, &pr)
		require.NotNil(t, p)
		assert.Equal(t, webPayIn.RedirectURL, pr.RedirectURL)
		assert.Equal(t, created.Add(WebPayInLifetime), pr.ExpiresAt, "from CreationDate, not from the recovery's clock")
		assert.Equal(t, http.MethodPost, pr.Method)
	})
	t.Run("SUCCEEDED since: the current pay-in, no redirect", func(t *testing.T) {
		t.Parallel()
		var m map[string]any
		require.NoError(t, json.Unmarshal(web, &m))
		m["Status"], m["ResultCode"], m["ExecutionDate"] = "SUCCEEDED", "000000", created.Add(2*time.Minute).Unix()
		b, _ := json.Marshal(m)
		env, gets := recoveredPayInEnv(t, "/payins/card/web", web, wlRespond(200, string(b)), created.Add(5*time.Minute))
		p, err := env.c.PayIns.CreateCardWeb(ctx, documentedWebPayIn(), key)
		require.NoError(t, err)
		require.Equal(t, 1, gets.n())
		require.NotNil(t, p)
		assert.Equal(t, PayInStatusSucceeded, p.Status)
		assert.Equal(t, "000000", p.ResultCode)
		require.NotNil(t, p.ExecutionDate)
	})
	t.Run("still CREATED but the page expired: an error, no redirect", func(t *testing.T) {
		t.Parallel()
		env, _ := recoveredPayInEnv(t, "/payins/card/web", web, wlRespond(200, string(web)), created.Add(20*time.Minute))
		p, err := env.c.PayIns.CreateCardWeb(ctx, documentedWebPayIn(), key)
		require.Error(t, err)
		_, ok := AsRedirect(err)
		assert.False(t, ok, "%v", err)
		assert.Contains(t, err.Error(), "expired at 2025-04-30T10:00:08Z")
		require.NotNil(t, p)
		assert.Equal(t, PayInStatusCreated, p.Status)
	})
	t.Run("current state unreadable: the pay-in, an error, no redirect", func(t *testing.T) {
		t.Parallel()
		env, gets := recoveredPayInEnv(t, "/payins/card/web", web, nil, created.Add(5*time.Minute))
		p, err := env.c.PayIns.CreateCardWeb(ctx, documentedWebPayIn(), key)
		require.Error(t, err)
		_, ok := AsRedirect(err)
		assert.False(t, ok, "%v", err)
		var ae *APIError
		assert.ErrorAs(t, err, &ae)
		assert.GreaterOrEqual(t, gets.n(), 1)
		require.NotNil(t, p)
		assert.Equal(t, webPayIn.ID, p.ID)
	})
	t.Run("GET answers another pay-in: an error, no redirect", func(t *testing.T) {
		t.Parallel()
		other := strings.Replace(string(web), webPayIn.ID, "wt_other", -1)
		env, _ := recoveredPayInEnv(t, "/payins/card/web", web, wlRespond(200, other), created.Add(5*time.Minute))
		_, err := env.c.PayIns.CreateCardWeb(ctx, documentedWebPayIn(), key)
		require.Error(t, err)
		_, ok := AsRedirect(err)
		assert.False(t, ok)
	})
	t.Run("3DS: still waiting for the challenge, then SUCCEEDED", func(t *testing.T) {
		t.Parallel()
		direct := fixture(t, "payins/create-direct-response-3ds.json")
		env, gets := recoveredPayInEnv(t, "/payins/card/direct", direct, wlRespond(200, string(direct)), created)
		_, err := env.c.PayIns.CreateCardDirect(ctx, documentedDirectPayIn(), key)
		var pr *PaymentRedirectError
		require.ErrorAs(t, err, &pr)
		assert.Equal(t, PaymentRedirect3DS, pr.Kind)
		assert.True(t, pr.ExpiresAt.IsZero())
		assert.Equal(t, 1, gets.n())

		var m map[string]any
		require.NoError(t, json.Unmarshal(direct, &m))
		m["Status"] = "SUCCEEDED"
		b, _ := json.Marshal(m)
		env2, _ := recoveredPayInEnv(t, "/payins/card/direct", direct, wlRespond(200, string(b)), created)
		p, err := env2.c.PayIns.CreateCardDirect(ctx, documentedDirectPayIn(), key)
		require.NoError(t, err)
		assert.Equal(t, PayInStatusSucceeded, p.Status)
	})
}

func TestPayInsValidation(t *testing.T) {
	t.Parallel()
	env := newTestClient(t) // no responder: any request would fail the test with a transport error
	ctx := context.Background()
	web := func(f func(*CreateCardWebPayInRequest)) *CreateCardWebPayInRequest {
		r := documentedWebPayIn()
		f(r)
		return r
	}
	direct := func(f func(*CreateCardDirectPayInRequest)) *CreateCardDirectPayInRequest {
		r := documentedDirectPayIn()
		f(r)
		return r
	}
	cases := []struct {
		name  string
		call  func() error
		field string
	}{
		{"web nil", func() error { _, err := env.c.PayIns.CreateCardWeb(ctx, nil); return err }, ""},
		{"web AuthorId", func() error {
			_, err := env.c.PayIns.CreateCardWeb(ctx, web(func(r *CreateCardWebPayInRequest) { r.AuthorID = " " }))
			return err
		}, "AuthorId"},
		{"web wallet", func() error {
			_, err := env.c.PayIns.CreateCardWeb(ctx, web(func(r *CreateCardWebPayInRequest) { r.CreditedWalletID = "" }))
			return err
		}, "CreditedWalletId"},
		{"web zero amount", func() error {
			_, err := env.c.PayIns.CreateCardWeb(ctx, web(func(r *CreateCardWebPayInRequest) { r.DebitedFunds.Amount, r.Fees.Amount = 0, 0 }))
			return err
		}, "DebitedFunds.Amount"},
		{"web negative amount", func() error {
			_, err := env.c.PayIns.CreateCardWeb(ctx, web(func(r *CreateCardWebPayInRequest) { r.DebitedFunds.Amount = -5 }))
			return err
		}, "DebitedFunds.Amount"},
		{"web fees over debited", func() error {
			_, err := env.c.PayIns.CreateCardWeb(ctx, web(func(r *CreateCardWebPayInRequest) { r.Fees.Amount = 2001 }))
			return err
		}, "Fees.Amount"},
		{"web fees equal debited", func() error {
			_, err := env.c.PayIns.CreateCardWeb(ctx, web(func(r *CreateCardWebPayInRequest) { r.Fees.Amount = 2000 }))
			return err
		}, "Fees.Amount"},
		{"web negative fees", func() error {
			_, err := env.c.PayIns.CreateCardWeb(ctx, web(func(r *CreateCardWebPayInRequest) { r.Fees.Amount = -1 }))
			return err
		}, "Fees.Amount"},
		{"web currency mismatch", func() error {
			_, err := env.c.PayIns.CreateCardWeb(ctx, web(func(r *CreateCardWebPayInRequest) { r.Fees.Currency = "GBP" }))
			return err
		}, "Fees.Currency"},
		{"web bad currency", func() error {
			_, err := env.c.PayIns.CreateCardWeb(ctx, web(func(r *CreateCardWebPayInRequest) { r.DebitedFunds.Currency, r.Fees.Currency = "eur", "eur" }))
			return err
		}, "DebitedFunds.Currency"},
		{"web ReturnURL relative", func() error {
			_, err := env.c.PayIns.CreateCardWeb(ctx, web(func(r *CreateCardWebPayInRequest) { r.ReturnURL = "/back" }))
			return err
		}, "ReturnURL"},
		{"web ReturnURL http", func() error {
			_, err := env.c.PayIns.CreateCardWeb(ctx, web(func(r *CreateCardWebPayInRequest) { r.ReturnURL = "http://platform.example/back" }))
			return err
		}, "ReturnURL"},
		{"web ReturnURL missing", func() error {
			_, err := env.c.PayIns.CreateCardWeb(ctx, web(func(r *CreateCardWebPayInRequest) { r.ReturnURL = "" }))
			return err
		}, "ReturnURL"},
		{"web ReturnURL fragment", func() error {
			_, err := env.c.PayIns.CreateCardWeb(ctx, web(func(r *CreateCardWebPayInRequest) { r.ReturnURL = "https://p.example/#x" }))
			return err
		}, "ReturnURL"},
		{"web ReturnURL too long", func() error {
			_, err := env.c.PayIns.CreateCardWeb(ctx, web(func(r *CreateCardWebPayInRequest) { r.ReturnURL = "https://p.example/" + strings.Repeat("a", 250) }))
			return err
		}, "ReturnURL"},
		{"web Culture", func() error {
			_, err := env.c.PayIns.CreateCardWeb(ctx, web(func(r *CreateCardWebPayInRequest) { r.Culture = "en" }))
			return err
		}, "Culture"},
		{"web CardType", func() error {
			_, err := env.c.PayIns.CreateCardWeb(ctx, web(func(r *CreateCardWebPayInRequest) { r.CardType = "" }))
			return err
		}, "CardType"},
		{"web SecureMode", func() error {
			_, err := env.c.PayIns.CreateCardWeb(ctx, web(func(r *CreateCardWebPayInRequest) { r.SecureMode = "ALWAYS" }))
			return err
		}, "SecureMode"},
		{"web StatementDescriptor", func() error {
			_, err := env.c.PayIns.CreateCardWeb(ctx, web(func(r *CreateCardWebPayInRequest) { r.StatementDescriptor = "Too-long descriptor" }))
			return err
		}, "StatementDescriptor"},
		{"web Tag", func() error {
			_, err := env.c.PayIns.CreateCardWeb(ctx, web(func(r *CreateCardWebPayInRequest) { r.Tag = strings.Repeat("t", 256) }))
			return err
		}, "Tag"},
		{"direct nil", func() error { _, err := env.c.PayIns.CreateCardDirect(ctx, nil); return err }, ""},
		{"direct CardId", func() error {
			_, err := env.c.PayIns.CreateCardDirect(ctx, direct(func(r *CreateCardDirectPayInRequest) { r.CardID = "" }))
			return err
		}, "CardId"},
		{"direct SecureModeReturnURL", func() error {
			_, err := env.c.PayIns.CreateCardDirect(ctx, direct(func(r *CreateCardDirectPayInRequest) { r.SecureModeReturnURL = "ftp://x.example" }))
			return err
		}, "SecureModeReturnURL"},
		{"direct IpAddress missing", func() error {
			_, err := env.c.PayIns.CreateCardDirect(ctx, direct(func(r *CreateCardDirectPayInRequest) { r.IPAddress = "" }))
			return err
		}, "IpAddress"},
		{"direct IpAddress bad", func() error {
			_, err := env.c.PayIns.CreateCardDirect(ctx, direct(func(r *CreateCardDirectPayInRequest) { r.IPAddress = "999.1.1.1" }))
			return err
		}, "IpAddress"},
		{"direct BrowserInfo missing", func() error {
			_, err := env.c.PayIns.CreateCardDirect(ctx, direct(func(r *CreateCardDirectPayInRequest) { r.BrowserInfo = nil }))
			return err
		}, "BrowserInfo"},
		{"direct BrowserInfo.AcceptHeader", func() error {
			_, err := env.c.PayIns.CreateCardDirect(ctx, direct(func(r *CreateCardDirectPayInRequest) { r.BrowserInfo.AcceptHeader = "" }))
			return err
		}, "BrowserInfo.AcceptHeader"},
		{"direct BrowserInfo.Language", func() error {
			_, err := env.c.PayIns.CreateCardDirect(ctx, direct(func(r *CreateCardDirectPayInRequest) { r.BrowserInfo.Language = "english" }))
			return err
		}, "BrowserInfo.Language"},
		{"direct BrowserInfo.ColorDepth", func() error {
			_, err := env.c.PayIns.CreateCardDirect(ctx, direct(func(r *CreateCardDirectPayInRequest) { r.BrowserInfo.ColorDepth = 0 }))
			return err
		}, "BrowserInfo.ColorDepth"},
		{"direct BrowserInfo.ScreenHeight", func() error {
			_, err := env.c.PayIns.CreateCardDirect(ctx, direct(func(r *CreateCardDirectPayInRequest) { r.BrowserInfo.ScreenHeight = -1 }))
			return err
		}, "BrowserInfo.ScreenHeight"},
		{"direct BrowserInfo.ScreenWidth", func() error {
			_, err := env.c.PayIns.CreateCardDirect(ctx, direct(func(r *CreateCardDirectPayInRequest) { r.BrowserInfo.ScreenWidth = 0 }))
			return err
		}, "BrowserInfo.ScreenWidth"},
		{"direct BrowserInfo.TimeZoneOffset", func() error {
			_, err := env.c.PayIns.CreateCardDirect(ctx, direct(func(r *CreateCardDirectPayInRequest) { r.BrowserInfo.TimeZoneOffset = 5000 }))
			return err
		}, "BrowserInfo.TimeZoneOffset"},
		{"direct BrowserInfo.UserAgent", func() error {
			_, err := env.c.PayIns.CreateCardDirect(ctx, direct(func(r *CreateCardDirectPayInRequest) { r.BrowserInfo.UserAgent = " " }))
			return err
		}, "BrowserInfo.UserAgent"},
		{"direct PaymentCategory", func() error {
			_, err := env.c.PayIns.CreateCardDirect(ctx, direct(func(r *CreateCardDirectPayInRequest) { r.PaymentCategory = "Mail" }))
			return err
		}, "PaymentCategory"},
		{"direct fees over", func() error {
			_, err := env.c.PayIns.CreateCardDirect(ctx, direct(func(r *CreateCardDirectPayInRequest) { r.Fees.Amount = 60000 }))
			return err
		}, "Fees.Amount"},
		{"bankwire nil", func() error { _, err := env.c.PayIns.CreateBankWire(ctx, nil); return err }, ""},
		{"bankwire author", func() error {
			_, err := env.c.PayIns.CreateBankWire(ctx, &CreateBankWirePayInRequest{CreditedWalletID: "w", DeclaredDebitedFunds: Money{"EUR", 100}, DeclaredFees: Money{"EUR", 0}})
			return err
		}, "AuthorId"},
		{"bankwire amount", func() error {
			_, err := env.c.PayIns.CreateBankWire(ctx, &CreateBankWirePayInRequest{AuthorID: "u", CreditedWalletID: "w", DeclaredDebitedFunds: Money{"EUR", 0}, DeclaredFees: Money{"EUR", 0}})
			return err
		}, "DeclaredDebitedFunds.Amount"},
		{"bankwire currency", func() error {
			_, err := env.c.PayIns.CreateBankWire(ctx, &CreateBankWirePayInRequest{AuthorID: "u", CreditedWalletID: "w", DeclaredDebitedFunds: Money{"EUR", 10}, DeclaredFees: Money{"USD", 0}})
			return err
		}, "DeclaredFees.Currency"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidRequest)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.True(t, strings.HasPrefix(ve.Op, "PayIns."), ve.Op)
			if tc.field != "" {
				assert.True(t, ve.Has(tc.field), "want a problem with %s, got %v", tc.field, err)
			}
		})
	}
	// Loopback http return URLs are allowed, for tests against an emulator.
	ok := documentedWebPayIn()
	ok.ReturnURL = "http://127.0.0.1:9000/back"
	assert.NoError(t, ok.validate())
	assert.Equal(t, 0, env.mt.GetTotalCallCount(), "nothing was sent")
}

func TestBrowserInfoDecodesLoosely(t *testing.T) {
	t.Parallel()
	var b BrowserInfo
	require.NoError(t, json.Unmarshal([]byte(`{"AcceptHeader":"*/*","JavaEnabled":"false","Language":"fr-FR","ColorDepth":"24","ScreenHeight":1080.0,"ScreenWidth":"1920","TimeZoneOffset":"+60","UserAgent":"UA","JavascriptEnabled":true}`), &b))
	assert.Equal(t, BrowserInfo{AcceptHeader: "*/*", Language: "fr-FR", ColorDepth: 24, ScreenHeight: 1080, ScreenWidth: 1920, TimeZoneOffset: 60, UserAgent: "UA", JavascriptEnabled: true}, b)
	require.NoError(t, json.Unmarshal([]byte(`{"TimeZoneOffset":"-120","ColorDepth":null,"JavaEnabled":null}`), &b))
	assert.Equal(t, -120, b.TimeZoneOffset)
	for _, bad := range []string{`{"ColorDepth":"deep"}`, `{"JavaEnabled":"maybe"}`, `{"ScreenWidth":1e300}`, `[]`} {
		assert.Error(t, json.Unmarshal([]byte(bad), &b), bad)
	}
}

func TestPayInEventTypes(t *testing.T) {
	t.Parallel()
	assert.Len(t, PayInEventTypes(), 4)
	for i, et := range PayInEventTypes() {
		assert.True(t, et.Known(), et)
		assert.Equal(t, ResourceKindPayIn, et.ResourceKind(), et)
		assert.NotContains(t, ScaEventTypes(), et, "pay-ins are not SCA events")
		if i > 0 {
			assert.Less(t, PayInEventTypes()[i-1], et, "sorted")
		}
	}
	assert.Equal(t, ResourceKindRefund, EventType("PAYIN_REFUND_SUCCEEDED").ResourceKind(), "a refund is not a pay-in: it names the refund")
	r, err := http.NewRequest(http.MethodGet, "https://platform.example/hooks?EventType=PAYIN_NORMAL_SUCCEEDED&RessourceId=wt_1&Date=1746006308", nil)
	require.NoError(t, err)
	ev, err := ParseEvent(r)
	require.NoError(t, err)
	assert.Equal(t, EventPayInNormalSucceeded, ev.Type)
	assert.Equal(t, "wt_1", ev.ResourceID)
}

func TestPayInEventConfirmedByFetch(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/payins/wt_f0f67b58-2856-469c-952c-b06e556a70e6",
		cp.wrap(wlRespond(200, string(fixture(t, "payins/create-web-response-created.json")))))
	var got []Event
	h := mustHandler(t, func(_ context.Context, ev Event) error { got = append(got, ev); return nil }, WithConfirmation(env.c))
	rec := serve(t, h, http.MethodGet, "/hooks?EventType=PAYIN_NORMAL_CREATED&RessourceId=wt_f0f67b58-2856-469c-952c-b06e556a70e6&Date=1746006308")
	assert.Equal(t, 200, rec.Code)
	require.Len(t, got, 1)
	p, ok := got[0].Resource.(*PayIn)
	require.True(t, ok, "%T", got[0].Resource)
	assert.Equal(t, PayInStatusCreated, p.Status)
	assert.Equal(t, 1, cp.n())

	env.mt.RegisterResponder(http.MethodGet, testAPI+"/payins/forged", wlRespond(404, apiErrorBody("ressource_not_found", "The ressource does not exist")))
	rec = serve(t, h, http.MethodGet, "/hooks?EventType=PAYIN_NORMAL_SUCCEEDED&RessourceId=forged&Date=1746006308")
	assert.NotEqual(t, 200, rec.Code, "a forged event is not processed")
	assert.Len(t, got, 1)
}

// A recovered answer that is another request's pay-in is never returned as this one's.
func TestPayInsRecoveryCheck(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/payins/card/web", sequence(
		httpmock.NewErrorResponder(errors.New("connection reset by peer")),
		wlRespond(409, apiErrorBody(ErrorTypeIdempotencyConflict, "A resource has already been created with this Idempotency Key")),
	))
	other := strings.Replace(string(fixture(t, "payins/create-web-response-created.json")), `"Amount": 2000`, `"Amount": 9999`, 1)
	recorded, _ := json.Marshal(map[string]any{"StatusCode": "200", "ContentType": "application/json", "RequestURL": testAPI + "/payins/card/web", "Resource": json.RawMessage(other)})
	env.mt.RegisterRegexpResponder(http.MethodGet, regexp.MustCompile(`^`+regexp.QuoteMeta(testAPI+"/responses/")+`.+$`), wlRespond(200, string(recorded)))
	p, err := env.c.PayIns.CreateCardWeb(context.Background(), documentedWebPayIn(), WithIdempotencyKey("order-9999-5678-abcd"))
	assert.Nil(t, p)
	assert.ErrorIs(t, err, ErrIdempotencyKeyReused)
	_, ok := AsRedirect(err)
	assert.False(t, ok)
}

// TestPayInsSendProfilingAttemptReference: both card pay-ins carry the
// profiler's attempt reference when given (docs.mangopay.com/sdks/profiler),
// and leave it out otherwise.
func TestPayInsSendProfilingAttemptReference(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var web, direct capture
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/payins/card/web",
		web.wrap(jsonResponder(200, string(fixture(t, "payins/create-web-response-created.json")))))
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/payins/card/direct",
		direct.wrap(jsonResponder(200, string(fixture(t, "payins/create-direct-response-3ds.json")))))
	ctx := context.Background()
	sentRef := func(cp *capture) any {
		_, b := cp.last(t)
		var body map[string]any
		require.NoError(t, json.Unmarshal(b, &body))
		return body["ProfilingAttemptReference"]
	}

	in := documentedWebPayIn()
	in.ProfilingAttemptReference = "2a6f3c4e-attempt"
	_, err := env.c.PayIns.CreateCardWeb(ctx, in)
	require.ErrorIs(t, err, ErrPaymentRedirect)
	assert.Equal(t, "2a6f3c4e-attempt", sentRef(&web))

	d := documentedDirectPayIn()
	d.ProfilingAttemptReference = "7b1d-attempt"
	_, err = env.c.PayIns.CreateCardDirect(ctx, d)
	require.ErrorIs(t, err, ErrPaymentRedirect)
	assert.Equal(t, "7b1d-attempt", sentRef(&direct))

	_, err = env.c.PayIns.CreateCardDirect(ctx, documentedDirectPayIn())
	require.ErrorIs(t, err, ErrPaymentRedirect)
	assert.Nil(t, sentRef(&direct), "left out when not given")
}
