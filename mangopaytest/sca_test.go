package mangopaytest_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scaforge/mangopay"
	"github.com/scaforge/mangopay/mangopaytest"
)

// page GETs an absolute URL (a link with returnUrl appended).
func (a *api) page(link string) resp {
	a.t.Helper()
	req, err := http.NewRequest(http.MethodGet, link, nil)
	require.NoError(a.t, err)
	return a.send(req)
}

// submit posts the hosted page's form.
func (a *api) submit(form url.Values) resp {
	a.t.Helper()
	req, err := http.NewRequest(http.MethodPost, a.srv.URL+"/sca/", strings.NewReader(form.Encode()))
	require.NoError(a.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return a.send(req)
}

// hidden returns the value of the hidden input name in an HTML page.
func hidden(t *testing.T, body []byte, name string) string {
	t.Helper()
	m := regexp.MustCompile(`<input type="hidden" name="` + name + `" value="([^"]*)">`).FindSubmatch(body)
	require.NotNil(t, m, "no hidden %s input in %s", name, body)
	return html.UnescapeString(string(m[1]))
}

// bigTransfer sets up Alice and Bob Smith and a transfer of €600.00 that needs SCA.
func bigTransfer(a *api) (id, link string) {
	a.t.Helper()
	alice, bob := a.activeOwner("Alice"), a.activeOwner("Bob")
	tr := a.transfer(alice, a.wallet(alice, "EUR", 100000), a.wallet(bob, "EUR", 0), 60000, "USER_PRESENT")
	require.NotEmpty(a.t, linkOf(tr))
	return tr["Id"].(string), linkOf(tr)
}

const returnURL = "https://platform.example/sca/done?order=42&note=a%20b"

func TestHostedPageShowsWhatIsAuthorized(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	_, link := bigTransfer(a)
	to, err := mangopay.AppendReturnURL(link, returnURL, mangopay.WithLang("fr"))
	require.NoError(t, err)
	r := a.page(to)
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	assert.Equal(t, "text/html; charset=utf-8", r.header.Get("Content-Type"))
	csp := r.header.Get("Content-Security-Policy")
	assert.Contains(t, csp, "default-src 'none'", "no script may run")
	assert.NotContains(t, csp, "script-src")
	assert.Equal(t, "no-store", r.header.Get("Cache-Control"))
	body := string(r.body)
	assert.NotContains(t, strings.ToLower(body), "<script")
	assert.NotRegexp(t, `(?i)\son[a-z]+=`, body, "no inline event handlers")
	assert.Contains(t, body, `<html lang="fr">`)
	assert.Contains(t, body, "Transfer of €600.00 to Bob Smith")
	assert.Contains(t, body, `<form method="post" action="/sca/">`)
	assert.Contains(t, body, `name="code"`)
	assert.Contains(t, body, `<button type="submit" name="action" value="approve">Approve</button>`)
	assert.Contains(t, body, `value="decline" formnovalidate>Decline</button>`)
	assert.Contains(t, body, "•••• ••• •11", "the masked phone")
	assert.Equal(t, tokenOf(t, link), hidden(t, r.body, "token"))
	assert.Equal(t, returnURL, hidden(t, r.body, "returnUrl"), "the return URL round-trips exactly")
}

func TestHostedPageApprove(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	id, link := bigTransfer(a)
	r := a.submit(url.Values{"token": {tokenOf(t, link)}, "returnUrl": {returnURL + "#top"}, "code": {mangopaytest.OTP}, "action": {"approve"}})
	require.Equal(t, http.StatusSeeOther, r.status, string(r.body))
	assert.Equal(t, "https://platform.example/sca/done?order=42&note=a%20b&controlStatus=VALIDATED#top", r.header.Get("Location"))
	assert.Equal(t, "SUCCEEDED", a.ok(a.get("/transfers/" + id))["Status"])

	// The session is used up.
	r = a.page(link + "&returnUrl=" + url.QueryEscape(returnURL))
	assert.Equal(t, http.StatusConflict, r.status)
	assert.Contains(t, string(r.body), "already answered")
}

func TestHostedPageWrongCodeThenRetry(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	id, link := bigTransfer(a)
	form := url.Values{"token": {tokenOf(t, link)}, "returnUrl": {"https://platform.example/back"}, "code": {"123456"}, "action": {"approve"}}
	r := a.submit(form)
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	assert.Contains(t, string(r.body), "The code is incorrect. 2 attempts left.")
	assert.Contains(t, string(r.body), "Transfer of €600.00 to Bob Smith", "the form is shown again")
	assert.Equal(t, "CREATED", a.ok(a.get("/transfers/" + id))["Status"])

	form.Set("code", mangopaytest.OTP)
	r = a.submit(form)
	require.Equal(t, http.StatusSeeOther, r.status)
	assert.Equal(t, "https://platform.example/back?controlStatus=VALIDATED", r.header.Get("Location"))
	assert.Equal(t, "SUCCEEDED", a.ok(a.get("/transfers/" + id))["Status"])
}

func TestHostedPageTooManyWrongCodes(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	id, link := bigTransfer(a)
	form := url.Values{"token": {tokenOf(t, link)}, "returnUrl": {"https://platform.example/back?controlStatus=STALE"}, "code": {"000000"}, "action": {"approve"}}
	assert.Equal(t, http.StatusUnprocessableEntity, a.submit(form).status)
	r := a.submit(form)
	assert.Equal(t, http.StatusUnprocessableEntity, r.status)
	assert.Contains(t, string(r.body), "1 attempt left.")
	r = a.submit(form)
	require.Equal(t, http.StatusSeeOther, r.status)
	assert.Equal(t, "https://platform.example/back?controlStatus=FAILED", r.header.Get("Location"), "an existing controlStatus is replaced")
	got := a.ok(a.get("/transfers/" + id))
	assert.Equal(t, "FAILED", got["Status"])
	assert.Equal(t, "007101", got["ResultCode"])
}

func TestHostedPageDecline(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	owner, link := a.createOwner("Dora")
	r := a.submit(url.Values{"token": {tokenOf(t, link)}, "returnUrl": {"http://localhost:3000/"}, "action": {"decline"}})
	require.Equal(t, http.StatusSeeOther, r.status)
	assert.Equal(t, "http://localhost:3000/?controlStatus=FAILED", r.header.Get("Location"))
	assert.Equal(t, []string{"USER_ACCOUNT_VALIDATION_ASKED", "SCA_ENROLLMENT_FAILED"}, eventTypes(a.srv, owner))
}

func TestHostedPageErrors(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	_, link := a.createOwner("Olga")
	ret := "&returnUrl=" + url.QueryEscape("https://platform.example/back")
	cases := []struct {
		name, url string
		status    int
		text      string
	}{
		{"no returnUrl", link, http.StatusBadRequest, "The return address is missing"},
		{"wrong case", link + "&ReturnUrl=" + url.QueryEscape("https://platform.example/back"), http.StatusBadRequest, "it must be returnUrl"},
		{"relative returnUrl", link + "&returnUrl=%2Fback", http.StatusBadRequest, "The return address is not valid"},
		{"script returnUrl", link + "&returnUrl=javascript%3Aalert(1)", http.StatusBadRequest, "The return address is not valid"},
		{"unknown token", a.srv.URL + "/sca/?token=sca_00000000000000000000000000000000" + ret, http.StatusNotFound, "This link is not valid"},
		{"no token", a.srv.URL + "/sca/?" + ret[1:], http.StatusBadRequest, "This link is incomplete"},
	}
	for _, c := range cases {
		r := a.page(c.url)
		assert.Equal(t, c.status, r.status, c.name)
		assert.Equal(t, "text/html; charset=utf-8", r.header.Get("Content-Type"), c.name)
		assert.Contains(t, html.UnescapeString(string(r.body)), c.text, c.name)
		assert.NotContains(t, string(r.body), "<form", c.name)
	}
	r := a.submit(url.Values{"token": {tokenOf(t, link)}, "returnUrl": {"https://platform.example/back"}, "action": {"dance"}})
	assert.Equal(t, http.StatusBadRequest, r.status)

	req, _ := http.NewRequest(http.MethodPut, link+ret, nil)
	r = a.send(req)
	assert.Equal(t, http.StatusMethodNotAllowed, r.status)
	assert.Equal(t, "GET, POST", r.header.Get("Allow"))

	a.srv.Advance(mangopaytest.SessionLifetime)
	r = a.page(link + ret)
	assert.Equal(t, http.StatusGone, r.status)
	assert.Contains(t, string(r.body), "This link has expired")
	r = a.submit(url.Values{"token": {tokenOf(t, link)}, "returnUrl": {"https://platform.example/back"}, "code": {mangopaytest.OTP}, "action": {"approve"}})
	assert.Equal(t, http.StatusGone, r.status, "an expired session cannot be approved")
}

func TestHostedPageEscapesUserData(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	body := ownerBody("Eve")
	body["FirstName"] = `<b onmouseover="x">Eve</b>`
	u := a.ok(a.call(http.MethodPost, "/sca/users/natural", body))
	r := a.page(linkOf(u) + "&returnUrl=" + url.QueryEscape(`https://platform.example/"><script>x</script>`))
	require.Equal(t, http.StatusOK, r.status)
	assert.NotContains(t, string(r.body), "<b onmouseover")
	assert.NotContains(t, string(r.body), "<script>")
	assert.Contains(t, string(r.body), "&lt;b onmouseover=&#34;x&#34;&gt;Eve&lt;/b&gt; Smith")
	assert.Equal(t, `https://platform.example/"><script>x</script>`, hidden(t, r.body, "returnUrl"))
}

func TestHostedPageDescribesEveryKind(t *testing.T) {
	t.Parallel()
	a := newAPI(t, mangopaytest.WithProxyManagement())
	_, enroll := a.createOwner("Olga")
	owner := a.activeOwner("Walt")
	wallet := a.get("/users/" + owner + "/wallets").header.Get("WWW-Authenticate")
	rec := a.ok(a.call(http.MethodPost, "/users/"+owner+"/recipients", string(fixture(t, "recipients/create-eur-local-individual.request.json"))))
	consent := a.ok(a.call(http.MethodPost, "/sca/users/"+owner+"/consent", nil))
	ret := "&returnUrl=" + url.QueryEscape("https://platform.example/back")
	for link, want := range map[string]string{
		enroll: "Enrol Olga Smith in strong customer authentication",
		strings.TrimPrefix(wallet, "PendingUserAction RedirectUrl="): "Access to the wallets and transactions of Walt Smith",
		linkOf(rec):     "Add the payout recipient John Doe EUR DE account",
		linkOf(consent): "Let the platform act for Walt Smith when you are not present",
	} {
		r := a.page(link + ret)
		require.Equal(t, http.StatusOK, r.status)
		assert.Contains(t, html.UnescapeString(string(r.body)), want)
	}
	r := a.page(linkOf(rec) + ret)
	assert.Contains(t, string(r.body), "EUR account DE75 •••• 6199 (DE)")
	r = a.page(linkOf(consent) + ret)
	for _, scope := range []string{"ContactInformationUpdate", "RecipientRegistration", "Transfer", "ViewAccountInformation"} {
		assert.Contains(t, string(r.body), `<input type="checkbox" name="scope" value="`+scope+`" checked>`)
	}
}

func TestHostedPageConsentScopes(t *testing.T) {
	t.Parallel()
	a := newAPI(t, mangopaytest.WithProxyManagement())
	owner := a.activeOwner("Olga")
	consent := linkOf(a.ok(a.call(http.MethodPost, "/sca/users/"+owner+"/consent", nil)))
	r := a.submit(url.Values{"token": {tokenOf(t, consent)}, "returnUrl": {"https://platform.example/back"}, "code": {mangopaytest.OTP},
		"action": {"approve"}, "scope": {"Transfer", "ViewAccountInformation"}})
	require.Equal(t, http.StatusSeeOther, r.status)
	st := a.ok(a.get("/sca/users/" + owner + "/sca-status"))
	assert.Equal(t, map[string]any{"ContactInformationUpdate": "INACTIVE", "RecipientRegistration": "INACTIVE", "Transfer": "ACTIVE", "ViewAccountInformation": "ACTIVE"}, st["ConsentScope"])

	// A second consent session can withdraw a scope.
	consent = linkOf(a.ok(a.call(http.MethodPost, "/sca/users/"+owner+"/consent", nil)))
	r = a.submit(url.Values{"token": {tokenOf(t, consent)}, "returnUrl": {"https://platform.example/back"}, "code": {"999999"},
		"action": {"approve"}, "scope": {"Transfer"}})
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	assert.Contains(t, string(r.body), `value="Transfer" checked>`, "the choice survives a wrong code")
	assert.Contains(t, string(r.body), `value="ViewAccountInformation">`)
	r = a.submit(url.Values{"token": {tokenOf(t, consent)}, "returnUrl": {"https://platform.example/back"}, "code": {mangopaytest.OTP},
		"action": {"approve"}, "scope": {"Transfer"}})
	require.Equal(t, http.StatusSeeOther, r.status)
	st = a.ok(a.get("/sca/users/" + owner + "/sca-status"))
	assert.Equal(t, "INACTIVE", st["ConsentScope"].(map[string]any)["ViewAccountInformation"])
	assert.Equal(t, []string{"SCA_TRANSFER_CONSENT_GIVEN", "SCA_VIEW_ACCOUNT_INFORMATION_CONSENT_GIVEN", "SCA_VIEW_ACCOUNT_INFORMATION_CONSENT_REVOKED"},
		eventTypes(a.srv, owner)[3:])
}

// TestAcceptEmailBypassesSca checks the sandbox's test email bypass (API
// release note 2026-02-16, "Test email value to bypass SCA in Sandbox"): a
// natural user's Email or a legal user's LegalRepresentative.Email containing
// "accept" (john.doe+accept@example.com, accept@example.com) gets no SCA on
// enrollment, recipient creation, transfers or wallet access, and no
// PendingUserAction.RedirectUrl: the action proceeds at once.
func TestAcceptEmailBypassesSca(t *testing.T) {
	t.Parallel()
	a := newAPI(t)

	// Enrollment: a natural OWNER is enrolled and ACTIVE without a link.
	body := ownerBody("John")
	body["Email"] = "john.doe+accept@example.com"
	u := a.ok(a.call(http.MethodPost, "/sca/users/natural", body))
	assert.Nil(t, u["PendingUserAction"])
	john := u["Id"].(string)
	st := a.ok(a.get("/sca/users/" + john + "/sca-status"))
	assert.Equal(t, "ACTIVE", st["UserStatus"])
	assert.Equal(t, true, st["IsEnrolled"])
	assert.Equal(t, []string{"USER_ACCOUNT_VALIDATION_ASKED", "USER_ACCOUNT_ACTIVATED", "SCA_ENROLLMENT_SUCCEEDED"}, eventTypes(a.srv, john))
	enr := a.ok(a.call(http.MethodPost, "/sca/users/"+john+"/enrollment", nil))
	assert.Nil(t, enr["PendingUserAction"], "Enroll gives no link either")

	// A legal OWNER through its representative's email (bare "accept" too).
	legal := a.ok(a.call(http.MethodPost, "/sca/users/legal", map[string]any{
		"UserCategory": "OWNER", "TermsAndConditionsAccepted": true, "LegalPersonType": "BUSINESS", "Name": "Acme", "Email": "acme@example.com",
		"CompanyNumber": "123", "HeadquartersAddress": map[string]any{"AddressLine1": "1 rue", "City": "Paris", "PostalCode": "75001", "Country": "FR"},
		"LegalRepresentative": map[string]any{"FirstName": "A", "LastName": "B", "Email": "accept@example.com", "Birthday": 1, "Nationality": "FR", "CountryOfResidence": "FR"},
	}))
	assert.Nil(t, legal["PendingUserAction"])
	assert.Equal(t, "ACTIVE", legal["UserStatus"])

	// Wallet access: no 401.
	w := a.wallet(john, "EUR", 200000)
	assert.Equal(t, http.StatusOK, a.get("/wallets/"+w).status)
	assert.Equal(t, http.StatusOK, a.get("/users/"+john+"/transactions").status)

	// Transfers above the threshold to another OWNER: executed at once.
	bob := a.activeOwner("Bob")
	to := a.wallet(bob, "EUR", 0)
	tr := a.transfer(john, w, to, mangopaytest.ScaThreshold+1000, "USER_PRESENT")
	assert.Equal(t, "SUCCEEDED", tr["Status"])
	assert.Nil(t, tr["PendingUserAction"])
	assert.EqualValues(t, mangopaytest.ScaThreshold+1000, a.balance(to))

	// Recipients: PAYOUT scope, answered without a link, ACTIVE at once.
	r := a.call(http.MethodPost, "/users/"+john+"/recipients", recipientBody(t))
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	rec := r.json(t)
	assert.Nil(t, rec["PendingUserAction"])
	assert.Equal(t, "ACTIVE", a.ok(a.get("/recipients/" + rec["Id"].(string)))["Status"])
	assert.Contains(t, eventTypes(a.srv, rec["Id"].(string)), "RECIPIENT_ACTIVE")

	// Without "accept", the same OWNER flow asks SCA; changing the email to
	// one with "accept" re-enrolls without a link.
	olga, link := a.createOwner("Olga")
	require.NotEmpty(t, link)
	require.NoError(t, a.srv.CompleteSca(link, mangopaytest.Validated))
	upd := a.ok(a.call(http.MethodPut, "/sca/users/natural/"+olga, map[string]any{"Email": "Olga+Accept@example.com", "TermsAndConditionsAccepted": true, "UserCategory": "OWNER"}))
	assert.Nil(t, upd["PendingUserAction"], "the match ignores case")
	assert.Equal(t, "ACTIVE", upd["UserStatus"])
}
