package mangopaytest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scaforge/mangopay"
	"github.com/scaforge/mangopay/mangopaytest"
)

// This file drives the SDK (package mangopay) against the emulator, end to
// end, for every SCA scenario.

type sdkEnv struct {
	t   *testing.T
	srv *mangopaytest.Server
	c   *mangopay.Client
	ctx context.Context
}

func newSDK(t *testing.T, opts ...mangopaytest.Option) *sdkEnv {
	t.Helper()
	srv := mangopaytest.NewServer(opts...)
	t.Cleanup(srv.Close)
	return &sdkEnv{t: t, srv: srv, c: srv.Client(), ctx: context.Background()}
}

// requireSca asserts err is an SCA demand with a link to the emulator's page.
func (e *sdkEnv) requireSca(err error, src mangopay.ScaSource) *mangopay.ScaRequiredError {
	e.t.Helper()
	sca, ok := mangopay.AsScaRequired(err)
	require.True(e.t, ok, "want a *ScaRequiredError, got %v", err)
	assert.ErrorIs(e.t, err, mangopay.ErrScaRequired)
	assert.Equal(e.t, src, sca.Source)
	assert.True(e.t, strings.HasPrefix(sca.RedirectURL, e.srv.URL+"/sca/?token=sca_"), sca.RedirectURL)
	return sca
}

func ownerRequest(first string) *mangopay.CreateNaturalUserRequest {
	return &mangopay.CreateNaturalUserRequest{
		UserCategory: mangopay.UserCategoryOwner, TermsAndConditionsAccepted: mangopay.Ptr(true),
		FirstName: first, LastName: "Smith", Email: strings.ToLower(first) + "@example.com",
		Birthday: mangopay.NewDate(1990, time.May, 4), Nationality: "FR", CountryOfResidence: "FR",
		PhoneNumber: "+33611111111",
	}
}

// owner creates a natural OWNER and returns it with its enrollment demand.
func (e *sdkEnv) owner(first string) (*mangopay.NaturalUser, *mangopay.ScaRequiredError) {
	e.t.Helper()
	u, err := e.c.Users.CreateNatural(e.ctx, ownerRequest(first))
	sca := e.requireSca(err, mangopay.ScaSourceBody)
	require.NotNil(e.t, u, "the created user comes with the SCA demand")
	return u, sca
}

// activeOwner creates an OWNER and completes its enrollment.
func (e *sdkEnv) activeOwner(first string) string {
	e.t.Helper()
	u, sca := e.owner(first)
	require.NoError(e.t, e.srv.CompleteSca(sca.RedirectURL, mangopaytest.Validated))
	return u.ID
}

func (e *sdkEnv) payer(first string) string {
	e.t.Helper()
	u, err := e.c.Users.CreateNatural(e.ctx, &mangopay.CreateNaturalUserRequest{
		UserCategory: mangopay.UserCategoryPayer, TermsAndConditionsAccepted: mangopay.Ptr(false),
		FirstName: first, LastName: "Payer", Email: strings.ToLower(first) + "@example.com",
	})
	require.NoError(e.t, err)
	return u.ID
}

// acceptOwner creates a natural OWNER whose email carries the sandbox's
// "accept" bypass (API release note 2026-02-16): enrolled at once, and no
// SCA on its transfers or wallet reads.
func (e *sdkEnv) acceptOwner(first string) string {
	e.t.Helper()
	req := ownerRequest(first)
	req.Email = strings.ToLower(first) + "+accept@example.com"
	u, err := e.c.Users.CreateNatural(e.ctx, req)
	require.NoError(e.t, err)
	return u.ID
}

func (e *sdkEnv) wallet(owner string, credit int64) string {
	e.t.Helper()
	w, err := e.c.Wallets.Create(e.ctx, &mangopay.CreateWalletRequest{Owners: []string{owner}, Description: "main", Currency: "EUR"})
	require.NoError(e.t, err)
	if credit > 0 {
		require.NoError(e.t, e.srv.Credit(w.ID, credit))
	}
	return w.ID
}

func (e *sdkEnv) transfer(author, from, to string, amount int64, sc mangopay.ScaContext, opts ...mangopay.RequestOption) (*mangopay.Transfer, error) {
	return e.c.Transfers.Create(e.ctx, &mangopay.CreateTransferRequest{
		AuthorID: author, DebitedWalletID: from, CreditedWalletID: to, ScaContext: sc,
		DebitedFunds: mangopay.Money{Currency: "EUR", Amount: amount}, Fees: mangopay.Money{Currency: "EUR", Amount: 0},
	}, opts...)
}

func (e *sdkEnv) balance(wallet string) int64 {
	e.t.Helper()
	b, _, err := e.srv.Balance(wallet)
	require.NoError(e.t, err)
	return b
}

func TestSDKOwnerEnrollment(t *testing.T) {
	t.Parallel()
	e := newSDK(t)
	u, sca := e.owner("Olga")
	assert.Equal(t, mangopay.UserStatusPendingUserAction, u.UserStatus)
	assert.Equal(t, mangopay.UserCategoryOwner, u.UserCategory)
	assert.Equal(t, "Olga", u.FirstName)
	assert.Equal(t, mangopay.NewDate(1990, time.May, 4).Unix(), u.Birthday.Unix())
	assert.Equal(t, sca.RedirectURL, u.PendingUserAction.RedirectURL)
	_, err := e.c.Users.ScaStatus(e.ctx, u.ID)
	require.NoError(t, err, "an OWNER has an SCA status from creation")

	require.NoError(t, e.srv.CompleteSca(sca.RedirectURL, mangopaytest.Validated))
	got, err := e.c.Users.Get(e.ctx, u.ID)
	require.NoError(t, err)
	assert.Equal(t, mangopay.UserStatusActive, got.UserStatus)
	n, ok := got.Natural()
	require.True(t, ok)
	assert.Equal(t, "Olga", n.FirstName)
	st, err := e.c.Users.ScaStatus(e.ctx, u.ID)
	require.NoError(t, err)
	assert.True(t, st.IsEnrolled)
	assert.WithinDuration(t, e.srv.Now(), st.LastEnrollmentDate.Time, 2*time.Second)
	assert.Equal(t, mangopay.ConsentStatusInactive, st.ConsentScope.Transfer)
}

func TestSDKEnrollmentFailureAndRetry(t *testing.T) {
	t.Parallel()
	e := newSDK(t)
	u, sca := e.owner("Fay")
	require.NoError(t, e.srv.CompleteSca(sca.RedirectURL, mangopaytest.Failed))
	got, err := e.c.Users.GetNatural(e.ctx, u.ID)
	require.NoError(t, err)
	assert.Equal(t, mangopay.UserStatusPendingUserAction, got.UserStatus)

	enr, err := e.c.Users.Enroll(e.ctx, u.ID)
	again := e.requireSca(err, mangopay.ScaSourceBody)
	require.NotNil(t, enr)
	assert.NotEqual(t, sca.RedirectURL, again.RedirectURL, "a fresh session")
	require.NoError(t, e.srv.CompleteSca(again.RedirectURL, mangopaytest.Validated))
	got, err = e.c.Users.GetNatural(e.ctx, u.ID)
	require.NoError(t, err)
	assert.Equal(t, mangopay.UserStatusActive, got.UserStatus)
	assert.Equal(t, []string{"USER_ACCOUNT_VALIDATION_ASKED", "SCA_ENROLLMENT_FAILED", "USER_ACCOUNT_ACTIVATED", "SCA_ENROLLMENT_SUCCEEDED"}, eventTypes(e.srv, u.ID))
}

func TestSDKEnrollmentExpiry(t *testing.T) {
	t.Parallel()
	e := newSDK(t)
	u, sca := e.owner("Eve")
	e.srv.Advance(mangopay.ScaSessionLifetime)
	assert.ErrorIs(t, e.srv.CompleteSca(sca.RedirectURL, mangopaytest.Validated), mangopaytest.ErrSessionExpired)
	assert.Contains(t, eventTypes(e.srv, u.ID), "SCA_ENROLLMENT_EXPIRED")
	st, err := e.c.Users.ScaStatus(e.ctx, u.ID)
	require.NoError(t, err)
	assert.False(t, st.IsEnrolled)
	assert.Equal(t, mangopay.UserStatusPendingUserAction, st.UserStatus)
}

// TestSDKHostedPageRoundTrip walks the browser's path: the SDK appends the
// platform's return URL, the user approves on the page, and the platform
// reads controlStatus with ParseReturn.
func TestSDKHostedPageRoundTrip(t *testing.T) {
	t.Parallel()
	e := newSDK(t)
	returned := make(chan mangopay.ControlStatus, 2)
	platform := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cs, err := mangopay.ParseReturn(r)
		assert.NoError(t, err)
		assert.Equal(t, "42", r.URL.Query().Get("order"), "the platform's own parameter survives")
		returned <- cs
	}))
	defer platform.Close()

	for _, approve := range []bool{true, false} {
		u, sca := e.owner("Rita")
		to, err := sca.RedirectURLWithReturn(platform.URL+"/sca/done?order=42", mangopay.WithLang("en"))
		require.NoError(t, err)
		hc := e.srv.HTTPClient()
		page, err := hc.Get(to)
		require.NoError(t, err)
		page.Body.Close()
		require.Equal(t, http.StatusOK, page.StatusCode)

		link, _ := url.Parse(to)
		form := url.Values{"token": {link.Query().Get("token")}, "returnUrl": {link.Query().Get("returnUrl")}, "code": {mangopaytest.OTP}, "action": {"approve"}}
		want := mangopay.ControlStatusValidated
		if !approve {
			form.Set("action", "decline")
			want = mangopay.ControlStatusFailed
		}
		res, err := hc.PostForm(e.srv.URL+"/sca/", form) // follows the 303 to the platform
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, want, <-returned)
		got, err := e.c.Users.Get(e.ctx, u.ID)
		require.NoError(t, err)
		if approve {
			assert.Equal(t, mangopay.UserStatusActive, got.UserStatus)
		} else {
			assert.Equal(t, mangopay.UserStatusPendingUserAction, got.UserStatus)
		}
	}
}

func TestSDKPayerAndCategorize(t *testing.T) {
	t.Parallel()
	e := newSDK(t)
	payer := e.payer("Paula")
	_, err := e.c.Users.Enroll(e.ctx, payer)
	assert.ErrorIs(t, err, mangopay.ErrNotAllowedForPayer)
	_, err = e.c.Users.ScaStatus(e.ctx, payer)
	assert.ErrorIs(t, err, mangopay.ErrNotFound, "a PAYER never enrolled")
	_, err = e.c.Users.ManageConsent(e.ctx, payer)
	assert.ErrorIs(t, err, mangopay.ErrNotAllowedForPayer)

	u, err := e.c.Users.CategorizeNatural(e.ctx, payer, &mangopay.CategorizeNaturalUserRequest{
		UserCategory: mangopay.UserCategoryOwner, TermsAndConditionsAccepted: mangopay.Ptr(true),
		Birthday: mangopay.NewDate(1990, time.May, 4), Nationality: "FR", CountryOfResidence: "FR",
	})
	sca := e.requireSca(err, mangopay.ScaSourceBody)
	require.NotNil(t, u)
	assert.Equal(t, mangopay.UserCategoryOwner, u.UserCategory)
	require.NoError(t, e.srv.CompleteSca(sca.RedirectURL, mangopaytest.Validated))

	_, err = e.c.Users.CategorizeNatural(e.ctx, payer, &mangopay.CategorizeNaturalUserRequest{
		UserCategory: mangopay.UserCategoryOwner, TermsAndConditionsAccepted: mangopay.Ptr(true),
		Birthday: mangopay.NewDate(1990, time.May, 4), Nationality: "FR", CountryOfResidence: "FR",
	})
	assert.ErrorIs(t, err, mangopay.ErrNotAllowedForOwner)

	req := ownerRequest("Tom")
	req.TermsAndConditionsAccepted = mangopay.Ptr(false)
	_, err = e.c.Users.CreateNatural(e.ctx, req)
	assert.ErrorIs(t, err, mangopay.ErrTermsNotAccepted)
	var apiErr *mangopay.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusForbidden, apiErr.StatusCode)
}

func TestSDKLegalOwner(t *testing.T) {
	t.Parallel()
	e := newSDK(t)
	addr := &mangopay.Address{AddressLine1: "3 rue de la Cité", City: "Paris", PostalCode: "75004", Country: "FR"}
	u, err := e.c.Users.CreateLegal(e.ctx, &mangopay.CreateLegalUserRequest{
		UserCategory: mangopay.UserCategoryOwner, TermsAndConditionsAccepted: mangopay.Ptr(true),
		LegalPersonType: mangopay.LegalPersonType("SOLETRADER"), Name: "Alex Smith Services", Email: "services@example.com",
		LegalRepresentative: &mangopay.LegalRepresentativeRequest{FirstName: "Alex", LastName: "Smith", Birthday: mangopay.NewDate(1990, 5, 4),
			Nationality: "FR", CountryOfResidence: "FR", Email: "alex@example.com", PhoneNumber: "+33611111111"},
		HeadquartersAddress: addr,
	})
	sca := e.requireSca(err, mangopay.ScaSourceBody)
	require.NotNil(t, u)
	assert.Equal(t, "alex@example.com", u.LegalRepresentative.Email)
	require.NoError(t, e.srv.CompleteSca(sca.RedirectURL, mangopaytest.Validated))
	got, err := e.c.Users.GetLegal(e.ctx, u.ID)
	require.NoError(t, err)
	assert.Equal(t, mangopay.UserStatusActive, got.UserStatus)
	assert.Equal(t, "Paris", got.HeadquartersAddress.City)

	// The representative's email change re-enrolls.
	upd, err := e.c.Users.UpdateLegal(e.ctx, u.ID, &mangopay.UpdateLegalUserRequest{TermsAndConditionsAccepted: mangopay.Ptr(true),
		LegalRepresentative: &mangopay.UpdateLegalRepresentativeRequest{Email: mangopay.Ptr("alex2@example.com")}})
	e.requireSca(err, mangopay.ScaSourceBody)
	require.NotNil(t, upd)
	assert.Equal(t, mangopay.UserStatusPendingUserAction, upd.UserStatus)
}

func TestSDKUpdateReenrollsAndProxy(t *testing.T) {
	t.Parallel()
	e := newSDK(t)
	id := e.activeOwner("Olga")
	u, err := e.c.Users.UpdateNatural(e.ctx, id, &mangopay.UpdateNaturalUserRequest{TermsAndConditionsAccepted: mangopay.Ptr(true), Tag: mangopay.Ptr("vip")})
	require.NoError(t, err)
	assert.Equal(t, "vip", u.Tag)
	u, err = e.c.Users.UpdateNatural(e.ctx, id, &mangopay.UpdateNaturalUserRequest{TermsAndConditionsAccepted: mangopay.Ptr(true), Email: mangopay.Ptr("new@example.com")})
	sca := e.requireSca(err, mangopay.ScaSourceBody)
	assert.Equal(t, mangopay.UserStatusPendingUserAction, u.UserStatus)
	require.NoError(t, e.srv.CompleteSca(sca.RedirectURL, mangopaytest.Validated))

	_, err = e.c.Users.UpdateNatural(e.ctx, id, &mangopay.UpdateNaturalUserRequest{TermsAndConditionsAccepted: mangopay.Ptr(true),
		Email: mangopay.Ptr("other@example.com"), ScaContext: mangopay.ScaUserNotPresent})
	assert.ErrorIs(t, err, mangopay.ErrScaProxyMissing)
	assert.ErrorIs(t, err, mangopay.ErrForbidden)
}

func TestSDKWalletAccess(t *testing.T) {
	t.Parallel()
	e := newSDK(t)
	owner := e.activeOwner("Olga")
	wid := e.wallet(owner, 4200)

	w, err := e.c.Wallets.Get(e.ctx, wid, mangopay.ScaUserPresent)
	sca := e.requireSca(err, mangopay.ScaSourceHeader)
	assert.Nil(t, w)
	assert.Equal(t, http.StatusUnauthorized, sca.StatusCode)
	_, err = e.c.Wallets.Get(e.ctx, wid, "")
	e.requireSca(err, mangopay.ScaSourceHeader) // no ScaContext means USER_PRESENT
	_, err = e.c.Wallets.Get(e.ctx, wid, mangopay.ScaUserNotPresent)
	assert.ErrorIs(t, err, mangopay.ErrScaProxyMissing)

	// Declined: still locked. Approved: all four reads answer.
	require.NoError(t, e.srv.CompleteSca(sca.RedirectURL, mangopaytest.Failed))
	_, err = e.c.Transactions.ListByWallet(e.ctx, wid, mangopay.ScaUserPresent, nil)
	sca = e.requireSca(err, mangopay.ScaSourceHeader)
	require.NoError(t, e.srv.CompleteSca(sca.RedirectURL, mangopaytest.Validated))

	w, err = e.c.Wallets.Get(e.ctx, wid, mangopay.ScaUserPresent)
	require.NoError(t, err)
	assert.Equal(t, mangopay.Money{Currency: "EUR", Amount: 4200}, w.Balance)
	ws, err := e.c.Wallets.ListByUser(e.ctx, owner, mangopay.ScaUserPresent, nil)
	require.NoError(t, err)
	require.Len(t, ws.Items, 1)
	assert.Equal(t, 1, ws.TotalItems)
	txs, err := e.c.Transactions.ListByUser(e.ctx, owner, mangopay.ScaUserPresent, &mangopay.TransactionListOptions{Type: []mangopay.TransactionType{mangopay.TransactionTypePayin}})
	require.NoError(t, err)
	require.Len(t, txs.Items, 1)
	assert.Equal(t, int64(4200), txs.Items[0].CreditedFunds.Amount)
	_, err = e.c.Transactions.ListByWallet(e.ctx, wid, mangopay.ScaUserPresent, nil)
	require.NoError(t, err)

	// The 180-day rule on the emulator's clock. The SDK's token expires
	// meanwhile: the client renews it on the 401 invalid_credentials.
	e.srv.Advance(179 * 24 * time.Hour)
	_, err = e.c.Wallets.Get(e.ctx, wid, mangopay.ScaUserPresent)
	require.NoError(t, err, "inside 180 days")
	e.srv.Advance(2 * 24 * time.Hour)
	_, err = e.c.Wallets.Get(e.ctx, wid, mangopay.ScaUserPresent)
	e.requireSca(err, mangopay.ScaSourceHeader)
}

func TestSDKTransferOutcomes(t *testing.T) {
	t.Parallel()
	e := newSDK(t)
	alice, bob := e.activeOwner("Alice"), e.activeOwner("Bob")
	from, to := e.wallet(alice, 500000), e.wallet(bob, 0)

	tr, err := e.transfer(alice, from, to, 60000, mangopay.ScaUserPresent)
	sca := e.requireSca(err, mangopay.ScaSourceBody)
	require.NotNil(t, tr)
	assert.Equal(t, mangopay.TransferStatusCreated, tr.Status)
	assert.Equal(t, mangopay.ScaUserPresent, tr.ScaContext)
	_, err = e.c.Transfers.Get(e.ctx, tr.ID)
	e.requireSca(err, mangopay.ScaSourceBody) // still pending: the GET repeats the link
	require.NoError(t, e.srv.CompleteSca(sca.RedirectURL, mangopaytest.Validated))
	got, err := e.c.Transfers.Get(e.ctx, tr.ID)
	require.NoError(t, err)
	assert.Equal(t, mangopay.TransferStatusSucceeded, got.Status)
	require.NotNil(t, got.ExecutionDate)
	assert.EqualValues(t, 60000, e.balance(to))

	tr, err = e.transfer(alice, from, to, 60000, mangopay.ScaUserPresent)
	sca = e.requireSca(err, mangopay.ScaSourceBody)
	require.NoError(t, e.srv.CompleteSca(sca.RedirectURL, mangopaytest.Failed))
	got, err = e.c.Transfers.Get(e.ctx, tr.ID)
	require.NoError(t, err)
	assert.Equal(t, mangopay.TransferStatusFailed, got.Status)
	assert.Equal(t, mangopay.ResultCodeTransferAuthFailed, got.ResultCode)

	tr, err = e.transfer(alice, from, to, 60000, mangopay.ScaUserPresent)
	e.requireSca(err, mangopay.ScaSourceBody)
	e.srv.Advance(mangopay.ScaSessionLifetime)
	got, err = e.c.Transfers.Get(e.ctx, tr.ID)
	require.NoError(t, err)
	assert.Equal(t, mangopay.TransferStatusFailed, got.Status)
	assert.Equal(t, mangopay.ResultCodeTransferAuthExpired, got.ResultCode)
	assert.EqualValues(t, 60000, e.balance(to), "failed transfers move nothing")

	tr, err = e.transfer(alice, from, to, 10_000_000, mangopay.ScaUserPresent)
	require.NoError(t, err)
	assert.Equal(t, mangopay.TransferStatusFailed, tr.Status)
	assert.Equal(t, "001001", tr.ResultCode)

	_, err = e.transfer(bob, from, to, 100, "")
	var apiErr *mangopay.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "Author should be the Debited wallet owner", apiErr.Errors["AuthorId"])
}

// TestSDKTransferExemptions checks the documented sandbox rule
// (docs.mangopay.com/guides/sca/transfers, "SCA triggers in Sandbox"): no SCA
// below ScaThreshold, however many small transfers, and SCA from it.
func TestSDKTransferExemptions(t *testing.T) {
	t.Parallel()
	e := newSDK(t)
	alice, bob := e.activeOwner("Alice"), e.activeOwner("Bob")
	from, to := e.wallet(alice, 1000000), e.wallet(bob, 0)
	tr, err := e.transfer(alice, from, to, mangopaytest.ScaThreshold-1, mangopay.ScaUserPresent)
	require.NoError(t, err, "TRA exemption up to 50000")
	assert.Equal(t, mangopay.TransferStatusSucceeded, tr.Status)
	for i := 0; i < 2*mangopaytest.LowValueMaxCount; i++ {
		tr, err = e.transfer(alice, from, to, 500, mangopay.ScaUserPresent)
		require.NoError(t, err, "small transfer %d: the sandbox counts nothing", i+1)
		assert.Equal(t, mangopay.TransferStatusSucceeded, tr.Status)
	}
	_, err = e.transfer(alice, from, to, mangopaytest.ScaThreshold, mangopay.ScaUserPresent)
	e.requireSca(err, mangopay.ScaSourceBody)

	own := e.wallet(alice, 0)
	tr, err = e.transfer(alice, from, own, 200000, mangopay.ScaUserPresent)
	require.NoError(t, err, "same owner: no SCA")
	assert.Equal(t, mangopay.TransferStatusSucceeded, tr.Status)
}

// TestSDKLowValueExemptionOption checks the opt-in production-like model:
// the sixth low-value transfer in a row needs SCA.
func TestSDKLowValueExemptionOption(t *testing.T) {
	t.Parallel()
	e := newSDK(t, mangopaytest.WithLowValueExemption())
	alice, bob := e.activeOwner("Alice"), e.activeOwner("Bob")
	from, to := e.wallet(alice, 1000000), e.wallet(bob, 0)
	for i := 0; i < mangopaytest.LowValueMaxCount; i++ {
		tr, err := e.transfer(alice, from, to, 500, mangopay.ScaUserPresent)
		require.NoError(t, err, "low-value transfer %d", i+1)
		assert.Equal(t, mangopay.TransferStatusSucceeded, tr.Status)
	}
	_, err := e.transfer(alice, from, to, 500, mangopay.ScaUserPresent)
	e.requireSca(err, mangopay.ScaSourceBody)
}

func TestSDKConsentAndProxy(t *testing.T) {
	t.Parallel()
	e := newSDK(t, mangopaytest.WithProxyManagement())
	alice, bob := e.activeOwner("Alice"), e.activeOwner("Bob")
	from, to := e.wallet(alice, 100000), e.wallet(bob, 0)
	_, err := e.transfer(alice, from, to, 60000, mangopay.ScaUserNotPresent)
	assert.ErrorIs(t, err, mangopay.ErrScaProxyMissing)

	enr, err := e.c.Users.ManageConsent(e.ctx, alice)
	sca := e.requireSca(err, mangopay.ScaSourceBody)
	require.NotNil(t, enr)
	require.NoError(t, e.srv.CompleteSca(sca.RedirectURL, mangopaytest.Validated))
	st, err := e.c.Users.ScaStatus(e.ctx, alice)
	require.NoError(t, err)
	assert.Equal(t, mangopay.ConsentScope{ContactInformationUpdate: mangopay.ConsentStatusActive, RecipientRegistration: mangopay.ConsentStatusActive,
		Transfer: mangopay.ConsentStatusActive, ViewAccountInformation: mangopay.ConsentStatusActive}, st.ConsentScope)
	assert.False(t, st.LastConsentCollectionDate.IsZero())

	tr, err := e.transfer(alice, from, to, 60000, mangopay.ScaUserNotPresent)
	require.NoError(t, err)
	assert.Equal(t, mangopay.TransferStatusSucceeded, tr.Status)
	w, err := e.c.Wallets.Get(e.ctx, from, mangopay.ScaUserNotPresent)
	require.NoError(t, err)
	assert.EqualValues(t, 40000, w.Balance.Amount)
	_, err = e.c.Wallets.Get(e.ctx, to, mangopay.ScaUserNotPresent)
	assert.ErrorIs(t, err, mangopay.ErrScaProxyMissing, "Bob gave no consent")

	noProxy := newSDK(t)
	id := noProxy.activeOwner("Olga")
	_, err = noProxy.c.Users.ManageConsent(noProxy.ctx, id)
	var apiErr *mangopay.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "Consent cannot be given when no proxy is required by the client.", apiErr.Errors["Invalid SCA request"])
}

func recipientRequest() *mangopay.CreateRecipientRequest {
	return &mangopay.CreateRecipientRequest{
		DisplayName: "John Doe EUR DE account", PayoutMethodType: mangopay.PayoutMethodLocalBankTransfer,
		RecipientType: mangopay.RecipientTypeIndividual, Currency: "EUR", Country: "DE",
		IndividualRecipient: &mangopay.IndividualRecipient{FirstName: "John", LastName: "Doe",
			Address: &mangopay.Address{AddressLine1: "Oranienburger Str. 87", City: "Berlin", PostalCode: "10178", Country: "DE"}},
		LocalBankTransfer: &mangopay.LocalBankTransfer{EUR: &mangopay.IBANAccount{IBAN: "DE75512108001245126199"}},
	}
}

func TestSDKRecipients(t *testing.T) {
	t.Parallel()
	e := newSDK(t)
	owner := e.activeOwner("Olga")
	pm, err := e.c.Recipients.PayoutMethods(e.ctx, "DE", "EUR")
	require.NoError(t, err)
	assert.Equal(t, []mangopay.PayoutMethodType{mangopay.PayoutMethodLocalBankTransfer, mangopay.PayoutMethodInternationalBankTransfer}, pm.AvailablePayoutMethods)

	schema, err := e.c.Recipients.Schema(e.ctx, &mangopay.RecipientSchemaQuery{PayoutMethodType: mangopay.PayoutMethodLocalBankTransfer,
		RecipientType: mangopay.RecipientTypeIndividual, Currency: "EUR", Country: "DE"})
	require.NoError(t, err)
	require.NotNil(t, schema.Lookup("LocalBankTransfer.EUR.IBAN"))
	assert.NoError(t, schema.Check(recipientRequest()), "the emulator's schema accepts the documented example")
	bad := recipientRequest()
	bad.DisplayName = "John & Jane"
	assert.Error(t, schema.Check(bad))

	require.NoError(t, e.c.Recipients.Validate(e.ctx, owner, recipientRequest()))
	bad = recipientRequest()
	bad.LocalBankTransfer.EUR.IBAN = "DE75512108001245126198"
	err = e.c.Recipients.Validate(e.ctx, owner, bad)
	assert.Equal(t, mangopay.RecipientErrorInvalidIBAN, mangopay.RecipientErrors(err)["LocalBankTransfer.EUR.IBAN"])

	rec, err := e.c.Recipients.Create(e.ctx, owner, recipientRequest())
	sca := e.requireSca(err, mangopay.ScaSourceBody)
	require.NotNil(t, rec)
	assert.Equal(t, mangopay.RecipientStatusPending, rec.Status)
	assert.Equal(t, "DE75512108001245126199", rec.LocalBankTransfer.EUR.IBAN)
	require.NoError(t, e.srv.CompleteSca(sca.RedirectURL, mangopaytest.Validated))
	got, err := e.c.Recipients.Get(e.ctx, rec.ID)
	require.NoError(t, err)
	assert.Equal(t, mangopay.RecipientStatusActive, got.Status)

	canceled, err := e.c.Recipients.Create(e.ctx, owner, recipientRequest())
	sca = e.requireSca(err, mangopay.ScaSourceBody)
	require.NoError(t, e.srv.CompleteSca(sca.RedirectURL, mangopaytest.Failed))
	got, err = e.c.Recipients.Get(e.ctx, canceled.ID)
	require.NoError(t, err)
	assert.Equal(t, mangopay.RecipientStatusCanceled, got.Status)
	_, err = e.c.Recipients.Deactivate(e.ctx, canceled.ID)
	assert.ErrorIs(t, err, mangopay.ErrRecipientInvalidState)

	page, err := e.c.Recipients.ListByUser(e.ctx, owner, nil)
	require.NoError(t, err)
	assert.Len(t, page.Items, 2)
	d, err := e.c.Recipients.Deactivate(e.ctx, rec.ID)
	require.NoError(t, err)
	assert.Equal(t, mangopay.RecipientStatusDeactivated, d.Status)

	_, err = e.c.Recipients.Create(e.ctx, e.payer("Paula"), recipientRequest())
	assert.ErrorIs(t, err, mangopay.ErrRecipientScaNotAllowed)
}

func TestSDKHooksAndConfirmedWebhooks(t *testing.T) {
	t.Parallel()
	e := newSDK(t)
	events := make(chan mangopay.Event, 16)
	handler, err := mangopay.NewWebhookHandler(func(_ context.Context, ev mangopay.Event) error {
		events <- ev
		return nil
	}, mangopay.WithConfirmation(e.c))
	require.NoError(t, err)
	platform := httptest.NewServer(handler)
	defer platform.Close()

	for _, typ := range []mangopay.EventType{mangopay.EventUserAccountActivated, mangopay.EventTransferNormalSucceeded} {
		h, err := e.c.Hooks.Create(e.ctx, &mangopay.CreateHookRequest{EventType: typ, URL: platform.URL + "/mangopay"})
		require.NoError(t, err)
		assert.Equal(t, mangopay.HookStatusEnabled, h.Status)
	}
	hooks, err := e.c.Hooks.List(e.ctx, nil)
	require.NoError(t, err)
	assert.Len(t, hooks.Items, 2)

	alice, bob := e.activeOwner("Alice"), e.activeOwner("Bob")
	tr, err := e.transfer(alice, e.wallet(alice, 10000), e.wallet(bob, 0), 5000, mangopay.ScaUserPresent)
	require.NoError(t, err)
	flush(t, e.srv)

	got := map[mangopay.EventType][]mangopay.Event{}
	for len(events) > 0 {
		ev := <-events
		got[ev.Type] = append(got[ev.Type], ev)
	}
	require.Len(t, got[mangopay.EventUserAccountActivated], 2)
	assert.Equal(t, alice, got[mangopay.EventUserAccountActivated][0].ResourceID)
	require.Len(t, got[mangopay.EventTransferNormalSucceeded], 1)
	ev := got[mangopay.EventTransferNormalSucceeded][0]
	assert.Equal(t, tr.ID, ev.ResourceID)
	confirmed, ok := ev.Resource.(*mangopay.Transfer)
	require.True(t, ok, "the handler confirmed the event by fetching the transfer from the emulator: %T", ev.Resource)
	assert.Equal(t, mangopay.TransferStatusSucceeded, confirmed.Status)
	for _, d := range e.srv.Webhooks() {
		assert.True(t, d.Delivered, "%s answered %d", d.EventType, d.StatusCode)
	}
}

func TestSDKRecoversFromFaults(t *testing.T) {
	t.Parallel()
	e := newSDK(t)
	alice, bob := e.payer("Alice"), e.acceptOwner("Bob")
	from, to := e.wallet(alice, 100000), e.wallet(bob, 0)

	// A 500 recorded under the key: the SDK starts again under a fresh key.
	e.srv.InjectFault(mangopaytest.Fault{Count: 1, Status: http.StatusInternalServerError, Method: "POST", Path: "/transfers"})
	var meta mangopay.Response
	tr, err := e.transfer(alice, from, to, 1000, "", mangopay.CaptureResponse(&meta))
	require.NoError(t, err)
	assert.Equal(t, mangopay.TransferStatusSucceeded, tr.Status)
	assert.Greater(t, meta.Attempts, 1)

	// A lost response: the transfer happened once, and the SDK returns it.
	e.srv.DropNextResponses(1)
	tr, err = e.transfer(alice, from, to, 2000, "", mangopay.WithIdempotencyKey("order-0000-0000-0002"), mangopay.CaptureResponse(&meta))
	require.NoError(t, err)
	assert.Equal(t, mangopay.TransferStatusSucceeded, tr.Status)
	assert.True(t, meta.Recovered, "recovered through /responses/{key}")
	assert.EqualValues(t, 3000, e.balance(to), "each transfer happened exactly once")

	// A 429 with Retry-After, then the call goes through.
	e.srv.InjectFault(mangopaytest.Fault{Count: 1, Status: http.StatusTooManyRequests, Method: "GET"})
	_, err = e.c.Transfers.Get(e.ctx, tr.ID, mangopay.CaptureResponse(&meta))
	require.NoError(t, err)
	assert.Equal(t, 2, meta.Attempts)
	require.Len(t, meta.RateLimits, 4)
	assert.Equal(t, 15*time.Minute, meta.RateLimits[0].Window)

	// More failures than the retry budget: the error surfaces.
	e.srv.FailNext(3, http.StatusBadGateway)
	_, err = e.c.Transfers.Get(e.ctx, tr.ID)
	var apiErr *mangopay.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusBadGateway, apiErr.StatusCode)
}

// TestSDKConcurrentTransfersUnderConnectionResets runs many SDK transfers at
// once while a fifth of the connections are reset, before or after the
// request took effect. Every transfer the SDK reports happened exactly once.
func TestSDKConcurrentTransfersUnderConnectionResets(t *testing.T) {
	t.Parallel()
	e := newSDK(t)
	e.c = e.srv.Client(mangopay.WithMaxRetries(6))
	alice, bob := e.payer("Alice"), e.acceptOwner("Bob")
	from, to := e.wallet(alice, 1_000_000), e.wallet(bob, 0)
	e.srv.ResetConnections(0.2)
	const n = 120
	var ok, failed atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			tr, err := e.transfer(alice, from, to, 100, "", mangopay.WithIdempotencyKey(fmt.Sprintf("concurrent-order-%05d", i)))
			switch {
			case err != nil:
				failed.Add(1)
				errs <- err
			case tr.Status == mangopay.TransferStatusSucceeded:
				ok.Add(1)
			default:
				errs <- fmt.Errorf("transfer %d: status %s", i, tr.Status)
			}
		}(i)
	}
	wg.Wait()
	e.srv.ResetConnections(0)
	close(errs)
	for err := range errs {
		t.Log(err)
	}
	var before, after int
	for _, r := range e.srv.Requests() {
		switch {
		case r.Dropped && r.Status == 0:
			before++
		case r.Dropped:
			after++
		}
	}
	assert.Positive(t, before, "some connections were reset before the transfer happened")
	assert.Positive(t, after, "and some after")
	assert.Zero(t, failed.Load(), "the retries absorb every reset")
	assert.EqualValues(t, ok.Load()*100, e.balance(to), "no transfer was lost or duplicated")
	assert.EqualValues(t, 1_000_000, e.balance(from)+e.balance(to))

	var count int
	for tx, err := range e.c.Transactions.AllByWallet(e.ctx, to, mangopay.ScaUserPresent, nil) {
		require.NoError(t, err)
		if tx.Type == mangopay.TransactionTypeTransfer {
			count++
		}
	}
	assert.EqualValues(t, ok.Load(), count)
}

func TestSDKTokenRenewalOnEmulatorClock(t *testing.T) {
	t.Parallel()
	e := newSDK(t, mangopaytest.WithTokenLifetime(time.Minute))
	payer := e.payer("Paula")
	e.srv.Advance(2 * time.Minute) // the SDK's cached token is now expired on the server
	u, err := e.c.Users.Get(e.ctx, payer)
	require.NoError(t, err, "a 401 invalid_credentials makes the SDK fetch a new token and replay")
	assert.Equal(t, payer, u.ID)
	var tokenCalls int
	for _, r := range e.srv.Requests() {
		if r.Path == "/v2.01/oauth/token" {
			tokenCalls++
		}
	}
	assert.Equal(t, 2, tokenCalls)
}

func TestSDKPaginationIterators(t *testing.T) {
	t.Parallel()
	e := newSDK(t)
	payer := e.payer("Paula")
	var want []string
	for i := 0; i < 23; i++ {
		want = append(want, e.wallet(payer, 0))
	}
	var got []string
	for w, err := range e.c.Wallets.AllByUser(e.ctx, payer, mangopay.ScaUserPresent, &mangopay.ListOptions{PerPage: 10}) {
		require.NoError(t, err)
		got = append(got, w.ID)
	}
	assert.Equal(t, want, got)
	page, err := e.c.Wallets.ListByUser(e.ctx, payer, mangopay.ScaUserPresent, &mangopay.ListOptions{Page: 3, PerPage: 10, Sort: mangopay.SortCreationDateDesc})
	require.NoError(t, err)
	assert.Equal(t, 3, page.TotalPages)
	assert.Equal(t, 23, page.TotalItems)
	require.Len(t, page.Items, 3)
	assert.Equal(t, want[2], page.Items[0].ID)
	assert.False(t, page.HasNext())
	_, err = e.c.Hooks.Get(e.ctx, "hook_m_missing")
	assert.True(t, errors.Is(err, mangopay.ErrNotFound))
}

func TestSDKClientWithPublicURL(t *testing.T) {
	t.Parallel()
	srv := mangopaytest.NewServer(mangopaytest.WithPublicURL("https://sandbox.example:8443"))
	t.Cleanup(srv.Close)
	c := srv.Client()
	assert.Equal(t, srv.URL, c.BaseURL(), "the client talks to the listening address")
	_, err := c.Users.CreateNatural(context.Background(), ownerRequest("Olga"))
	sca, ok := mangopay.AsScaRequired(err)
	require.True(t, ok, "a link on the public host is allowed: %v", err)
	assert.True(t, strings.HasPrefix(sca.RedirectURL, "https://sandbox.example:8443/sca/?token=sca_"), sca.RedirectURL)
}
