package mangopaytest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scaforge/mangopay"
	"github.com/scaforge/mangopay/mangopaytest"
)

// startIDV creates a session for a new OWNER through the SDK and returns it
// with its (host-checked) link.
func startIDV(t *testing.T, srv *mangopaytest.Server, c *mangopay.Client) (user string, v *mangopay.IdentityVerification, link string) {
	t.Helper()
	user = newOwner(t, srv, c, "Vera")
	v, err := c.IdentityVerifications.Create(context.Background(), user, &mangopay.CreateIdentityVerificationRequest{
		ReturnURL: "https://platform.example/kyc/back?user=" + user, Tag: "kyc",
	})
	rd, ok := mangopay.AsRedirect(err)
	require.True(t, ok, "%v", err)
	link, err = rd.RedirectURLWithReturn("")
	require.NoError(t, err)
	return user, v, link
}

func TestIdentityVerificationValidated(t *testing.T) {
	t.Parallel()
	srv := mangopaytest.NewServer()
	t.Cleanup(srv.Close)
	c := srv.Client()
	ctx := context.Background()
	user, v, link := startIDV(t, srv, c)

	assert.Regexp(t, `^idnver_[0-9A-Z]{26}$`, v.ID)
	assert.Equal(t, mangopay.IdentityVerificationPending, v.Status)
	assert.Equal(t, "kyc", v.Tag)
	assert.Equal(t, "https://platform.example/kyc/back?user="+user, v.ReturnURL)
	u, err := url.Parse(link)
	require.NoError(t, err)
	assert.Equal(t, "/idv/session", u.Path)
	assert.Regexp(t, `^idvs_[0-9a-f]{32}$`, u.Query().Get("sessionId"))
	assert.Equal(t, v.ReturnURL, u.Query().Get("redirectURL"), "the ReturnUrl is appended, as Mangopay does")

	got, err := c.IdentityVerifications.Get(ctx, v.ID)
	require.NoError(t, err)
	assert.Equal(t, mangopay.IdentityVerificationPending, got.Status)
	assert.Equal(t, user, got.UserID)
	assert.Empty(t, got.Checks)
	assert.Nil(t, got.LastUpdate)
	assert.Equal(t, mangopay.KYCLevelLight, kycLevel(t, c, user))

	back, err := srv.CompleteIdentityVerification(link, mangopaytest.Validated)
	require.NoError(t, err)
	assert.Equal(t, v.ReturnURL, back)

	got, err = c.IdentityVerifications.Get(ctx, v.ID)
	require.NoError(t, err)
	assert.Equal(t, mangopay.IdentityVerificationValidated, got.Status)
	require.NotNil(t, got.LastUpdate)
	require.Len(t, got.Checks, 3)
	for i, typ := range []string{"IDENTITY_DOCUMENT_VERIFICATION", "IDV_NAME_MATCH_CHECK", "IDV_AGE_CHECK"} {
		assert.Equal(t, typ, got.Checks[i].Type)
		assert.Equal(t, "VALIDATED", got.Checks[i].CheckStatus)
	}
	assert.Contains(t, got.Checks[0].Data, mangopay.IdentityVerificationDatum{Type: "FIRST_NAME", Value: "Vera"})
	assert.Equal(t, mangopay.KYCLevelRegular, kycLevel(t, c, user))
	assert.Equal(t, []string{"IDENTITY_VERIFICATION_VALIDATED"}, eventTypesOf(srv, v.ID))
	assert.Contains(t, eventTypesOf(srv, user), "USER_KYC_REGULAR")

	list, err := c.IdentityVerifications.List(ctx, user)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, v.ID, list[0].ID)
	assert.Equal(t, mangopay.IdentityVerificationValidated, list[0].Status)
	assert.Empty(t, list[0].HostedURL, "the list carries Id, Status and dates only")

	// The link works once.
	_, err = srv.CompleteIdentityVerification(link, mangopaytest.Validated)
	assert.ErrorIs(t, err, mangopaytest.ErrIdentityVerificationDone)
	_, err = srv.CompleteIdentityVerification("http://127.0.0.1/idv/session?sessionId=idvs_nope", mangopaytest.Validated)
	assert.ErrorIs(t, err, mangopaytest.ErrUnknownIdentityVerification)
	_, err = srv.CompleteIdentityVerification(link, "MAYBE")
	assert.Error(t, err)
}

// A verified user pays out beyond the LIGHT allowance.
func TestIdentityVerificationLiftsThePayoutLimit(t *testing.T) {
	t.Parallel()
	srv := mangopaytest.NewServer()
	t.Cleanup(srv.Close)
	c := srv.Client()
	ctx := context.Background()
	user, _, link := startIDV(t, srv, c)
	w, err := c.Wallets.Create(ctx, &mangopay.CreateWalletRequest{Owners: []string{user}, Description: "main", Currency: "EUR"})
	require.NoError(t, err)
	require.NoError(t, srv.Credit(w.ID, 100000))
	rec, err := c.Recipients.Create(ctx, user, &mangopay.CreateRecipientRequest{
		DisplayName: "Vera EUR", PayoutMethodType: mangopay.PayoutMethodLocalBankTransfer, RecipientType: mangopay.RecipientTypeIndividual,
		Currency: "EUR", Country: "DE", RecipientScope: mangopay.RecipientScopePayout,
		IndividualRecipient: &mangopay.IndividualRecipient{FirstName: "Vera", LastName: "Smith",
			Address: &mangopay.Address{AddressLine1: "Oranienburger Str. 87", City: "Berlin", PostalCode: "10178", Country: "DE"}},
		LocalBankTransfer: &mangopay.LocalBankTransfer{EUR: &mangopay.IBANAccount{IBAN: "DE75512108001245126199"}},
	})
	if sca, ok := mangopay.AsScaRequired(err); ok {
		require.NoError(t, srv.CompleteSca(sca.RedirectURL, mangopaytest.Validated))
	} else {
		require.NoError(t, err)
	}
	pay := func() *mangopay.Payout {
		po, err := c.Payouts.Create(ctx, &mangopay.CreatePayoutRequest{AuthorID: user, DebitedWalletID: w.ID,
			DebitedFunds: mangopay.Money{Currency: "EUR", Amount: mangopaytest.LightPayoutAllowance + 100},
			Fees:         mangopay.Money{Currency: "EUR"}, RecipientID: rec.ID})
		require.NoError(t, err)
		return po
	}
	po := pay()
	assert.Equal(t, mangopay.PayoutStatusFailed, po.Status)
	assert.Equal(t, "002999", po.ResultCode, "LIGHT: beyond the allowance")
	_, err = srv.CompleteIdentityVerification(link, mangopaytest.Validated)
	require.NoError(t, err)
	po = pay()
	assert.Equal(t, mangopay.PayoutStatusCreated, po.Status, "%s %s", po.ResultCode, po.ResultMessage)
}

func TestIdentityVerificationRefused(t *testing.T) {
	t.Parallel()
	srv := mangopaytest.NewServer()
	t.Cleanup(srv.Close)
	c := srv.Client()
	ctx := context.Background()
	user, v, link := startIDV(t, srv, c)
	_, err := srv.CompleteIdentityVerification(link, mangopaytest.Failed)
	require.NoError(t, err)
	got, err := c.IdentityVerifications.Get(ctx, v.ID)
	require.NoError(t, err)
	assert.Equal(t, mangopay.IdentityVerificationRefused, got.Status)
	require.Len(t, got.Checks, 1)
	assert.Equal(t, "REFUSED", got.Checks[0].CheckStatus)
	assert.Equal(t, mangopay.KYCLevelLight, kycLevel(t, c, user))
	assert.Equal(t, []string{"IDENTITY_VERIFICATION_FAILED"}, eventTypesOf(srv, v.ID))
	assert.NotContains(t, eventTypesOf(srv, user), "USER_KYC_REGULAR")
}

func TestIdentityVerificationExpires(t *testing.T) {
	t.Parallel()
	srv := mangopaytest.NewServer()
	t.Cleanup(srv.Close)
	c := srv.Client()
	_, v, link := startIDV(t, srv, c)
	srv.Advance(mangopaytest.IdentityVerificationLifetime)
	got, err := c.IdentityVerifications.Get(context.Background(), v.ID)
	require.NoError(t, err)
	assert.Equal(t, mangopay.IdentityVerificationExpired, got.Status)
	assert.True(t, got.Status.Final())
	_, err = srv.CompleteIdentityVerification(link, mangopaytest.Validated)
	assert.ErrorIs(t, err, mangopaytest.ErrIdentityVerificationDone)
}

// The hosted page: GET shows Approve and Refuse, POST answers and sends the
// browser to the ReturnUrl.
func TestIdentityVerificationPage(t *testing.T) {
	t.Parallel()
	srv := mangopaytest.NewServer()
	t.Cleanup(srv.Close)
	c := srv.Client()
	user, v, link := startIDV(t, srv, c)
	hc := srv.HTTPClient()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	resp, err := hc.Get(link)
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(page), `value="VALIDATED">Approve`)
	assert.Contains(t, string(page), `value="FAILED">Refuse`)

	sid := mustQuery(t, link, "sessionId")
	resp, err = hc.PostForm(srv.URL+"/idv/session", url.Values{"sessionId": {sid}, "outcome": {"MAYBE"}})
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)

	resp, err = hc.PostForm(srv.URL+"/idv/session", url.Values{"sessionId": {sid}, "outcome": {"VALIDATED"}})
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, v.ReturnURL, resp.Header.Get("Location"))
	assert.Equal(t, mangopay.KYCLevelRegular, kycLevel(t, c, user))

	resp, err = hc.Get(link)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusGone, resp.StatusCode, "a used link")
	resp, err = hc.Get(srv.URL + "/idv/session?sessionId=idvs_unknown")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp, err = hc.Get(srv.URL + "/idv/other")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
}

// The /_sandbox/ control does what CompleteIdentityVerification does.
func TestIdentityVerificationControl(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	c := a.srv.Client()
	user, v, link := startIDV(t, a.srv, c)
	ctl := func(body map[string]string) resp {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		return a.control(http.MethodPost, "identity-verifications/complete", string(b))
	}
	r := ctl(map[string]string{"HostedUrl": link, "Outcome": "validated"})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	assert.Equal(t, v.ReturnURL, r.json(t)["ReturnURL"])
	assert.Equal(t, mangopay.KYCLevelRegular, kycLevel(t, c, user))
	r = ctl(map[string]string{"HostedUrl": link, "Outcome": "VALIDATED"})
	assert.Equal(t, http.StatusConflict, r.status)
	r = ctl(map[string]string{"HostedUrl": "idvs_nope", "Outcome": "VALIDATED"})
	assert.Equal(t, http.StatusNotFound, r.status)
	r = ctl(map[string]string{"Outcome": "VALIDATED"})
	assert.Equal(t, http.StatusBadRequest, r.status)
}

// Create refuses what Mangopay refuses: a missing or too long ReturnUrl, an
// unknown user, a PAYER.
func TestIdentityVerificationCreateErrors(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	owner := a.activeOwner("Olga")
	for _, tc := range []struct {
		body   map[string]any
		status int
		field  string
	}{
		{map[string]any{}, 400, "ReturnUrl"},
		{map[string]any{"ReturnUrl": "https://p.example/" + strings.Repeat("a", 500)}, 400, "ReturnUrl"},
		{map[string]any{"ReturnUrl": "not a url"}, 400, "ReturnUrl"},
		{map[string]any{"ReturnUrl": "https://p.example/", "Tag": strings.Repeat("t", 256)}, 400, "Tag"},
	} {
		r := a.call(http.MethodPost, "/users/"+owner+"/identity-verifications", tc.body)
		assert.Equal(t, tc.status, r.status, "%v: %s", tc.body, r.body)
		assert.Contains(t, string(r.body), `"`+tc.field+`"`)
	}
	r := a.call(http.MethodPost, "/users/user_m_nope/identity-verifications", map[string]any{"ReturnUrl": "https://p.example/"})
	assert.Equal(t, http.StatusNotFound, r.status)
	r = a.call(http.MethodGet, "/identity-verifications/idnver_nope", nil)
	assert.Equal(t, http.StatusNotFound, r.status)

	c := a.srv.Client()
	payer, err := c.Users.CreateNatural(context.Background(), &mangopay.CreateNaturalUserRequest{
		UserCategory: mangopay.UserCategoryPayer, TermsAndConditionsAccepted: mangopay.Ptr(true),
		FirstName: "Pat", LastName: "Payer", Email: "pat@example.com"})
	require.NoError(t, err)
	_, err = c.IdentityVerifications.Create(context.Background(), payer.ID, &mangopay.CreateIdentityVerificationRequest{ReturnURL: "https://p.example/"})
	var apiErr *mangopay.APIError
	require.True(t, errors.As(err, &apiErr), "%v", err)
	assert.Equal(t, http.StatusBadRequest, apiErr.StatusCode)
}

func mustQuery(t *testing.T, link, key string) string {
	t.Helper()
	u, err := url.Parse(link)
	require.NoError(t, err)
	return u.Query().Get(key)
}

// kycLevel reads a natural user's KYCLevel through the SDK.
func kycLevel(t *testing.T, c *mangopay.Client, user string) mangopay.KYCLevel {
	t.Helper()
	u, err := c.Users.Get(context.Background(), user)
	require.NoError(t, err)
	n, ok := u.Natural()
	require.True(t, ok)
	return n.KYCLevel
}
