package sandbox

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scaforge/mangopay"
	"github.com/scaforge/mangopay/mangopaytest"
)

func TestLoopbackHosts(t *testing.T) {
	t.Parallel()
	for base, want := range map[string][]string{
		"http://127.0.0.1:8089":              {"127.0.0.1:8089", "localhost:8089", "[::1]:8089"},
		"http://localhost:9000/":             {"127.0.0.1:9000", "localhost:9000", "[::1]:9000"},
		"http://[::1]:8089":                  {"127.0.0.1:8089", "localhost:8089", "[::1]:8089"},
		"http://127.0.0.2":                   {"127.0.0.1:80", "localhost:80", "[::1]:80"},
		"https://localhost":                  {"127.0.0.1:443", "localhost:443", "[::1]:443"},
		"https://api.mangopay.com":           nil, // Mangopay: the SDK's default policy stays
		"https://api.sandbox.mangopay.com":   nil,
		"http://10.0.0.5:8089":               nil, // another machine: not trusted
		"http://127.0.0.1.evil.example:8089": nil,
		"http://user@127.0.0.1:8089":         nil,
		"ftp://127.0.0.1:8089":               nil,
		"127.0.0.1:8089":                     nil,
		"":                                   nil,
	} {
		assert.Equal(t, want, LoopbackHosts(base), base)
	}
}

// TestLoopbackHostsTrustOnlyThatPort checks the hosts against the SDK's
// redirect check: a link on the emulator's port passes, another port or host
// does not.
func TestLoopbackHostsTrustOnlyThatPort(t *testing.T) {
	t.Parallel()
	for link, ok := range map[string]bool{
		"http://127.0.0.1:8089/sca/?token=sca_x": true,
		"http://localhost:8089/sca/?token=sca_x": true,
		"http://127.0.0.1:8090/sca/?token=sca_x": false,
		"https://evil.example/sca/?token=sca_x":  false,
		"https://sca.mangopay.com/?token=sca_x":  false, // replaced, not added to
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v2.01/oauth/token" {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"access_token":"t","token_type":"bearer","expires_in":1200}`))
				return
			}
			w.Header().Set("WWW-Authenticate", "PendingUserAction RedirectUrl="+link)
			w.WriteHeader(http.StatusUnauthorized)
		}))
		c, err := mangopay.New("id", "key", mangopay.WithBaseURL(srv.URL), mangopay.WithRedirectHosts(LoopbackHosts("http://127.0.0.1:8089")...))
		require.NoError(t, err)
		_, err = c.Wallets.Get(context.Background(), "wlt_1", mangopay.ScaUserPresent)
		srv.Close()
		if ok {
			assert.ErrorIs(t, err, mangopay.ErrScaRequired, link)
		} else {
			assert.ErrorIs(t, err, mangopay.ErrUntrustedRedirect, link)
		}
	}
}

// startEmulator serves an emulator on a loopback port, with the controls
// and an SDK client for it.
func startEmulator(t *testing.T) (*mangopaytest.Server, Controls, *mangopay.Client) {
	t.Helper()
	srv, err := mangopaytest.Listen("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	return srv, Controls{Base: srv.URL}, srv.Client()
}

// enrolledOwner creates a natural OWNER and completes its enrollment session
// over HTTP; it returns the user and that session's SCA demand.
func enrolledOwner(t *testing.T, ctx context.Context, c *mangopay.Client, ctl Controls) (*mangopay.NaturalUser, *mangopay.ScaRequiredError) {
	t.Helper()
	u, err := c.Users.CreateNatural(ctx, &mangopay.CreateNaturalUserRequest{
		UserCategory: mangopay.UserCategoryOwner, TermsAndConditionsAccepted: mangopay.Ptr(true),
		FirstName: "Pat", LastName: "Doe", Email: "pat@example.com", Birthday: mangopay.NewDate(1990, 1, 2),
		Nationality: "FR", CountryOfResidence: "FR", PhoneNumber: "+33611111111",
	})
	sca, ok := mangopay.AsScaRequired(err)
	require.True(t, ok, "%v", err)
	require.NoError(t, ctl.Complete(ctx, sca.RedirectURL, mangopaytest.Validated))
	return u, sca
}

// TestControls drives an emulator over HTTP: credit, a declined session,
// and a session left to expire.
func TestControls(t *testing.T) {
	t.Parallel()
	srv, ctl, c := startEmulator(t)
	ctx := context.Background()

	u, sca := enrolledOwner(t, ctx, c, ctl)
	got, err := c.Users.Get(ctx, u.ID)
	require.NoError(t, err)
	assert.Equal(t, mangopay.UserStatusActive, got.UserStatus)
	err = ctl.Complete(ctx, sca.RedirectURL, mangopaytest.Validated)
	assert.ErrorContains(t, err, "409 Conflict", "an answered session cannot be answered again")

	w, err := c.Wallets.Create(ctx, &mangopay.CreateWalletRequest{Owners: []string{u.ID}, Description: "w", Currency: "EUR"})
	require.NoError(t, err)
	require.NoError(t, ctl.Credit(ctx, w.ID, 1234))
	bal, cur, err := srv.Balance(w.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(1234), bal)
	assert.Equal(t, "EUR", cur)
	assert.ErrorContains(t, ctl.Credit(ctx, "wlt_nope", 1), "404")

	before := srv.Now()
	require.NoError(t, ctl.Advance(ctx, 90*time.Second))
	assert.Equal(t, 90*time.Second, srv.Now().Sub(before).Round(time.Second))
}

// TestControlsCompletePayIn answers a direct card pay-in's 3DS2 challenge
// over HTTP, as the user's browser would: the pay-in SUCCEEDS and credits the
// wallet; a second answer is refused (409), an unknown link is 404.
func TestControlsCompletePayIn(t *testing.T) {
	t.Parallel()
	srv, ctl, c := startEmulator(t)
	ctx := context.Background()

	u, err := c.Users.CreateNatural(ctx, &mangopay.CreateNaturalUserRequest{
		UserCategory: mangopay.UserCategoryPayer, TermsAndConditionsAccepted: mangopay.Ptr(true),
		FirstName: "Pat", LastName: "Doe", Email: "pat@example.com",
	})
	require.NoError(t, err)
	w, err := c.Wallets.Create(ctx, &mangopay.CreateWalletRequest{Owners: []string{u.ID}, Description: "w", Currency: "EUR"})
	require.NoError(t, err)
	reg, err := c.CardRegistrations.Create(ctx, &mangopay.CreateCardRegistrationRequest{UserID: u.ID, Currency: "EUR"})
	require.NoError(t, err)
	data, err := mangopaytest.Tokenize(ctx, nil, reg, mangopaytest.Card{Number: mangopaytest.TestCardChallenge, Expiry: "1299", CVC: "123"})
	require.NoError(t, err)
	reg, err = c.CardRegistrations.Update(ctx, reg.ID, &mangopay.CompleteCardRegistrationRequest{RegistrationData: data})
	require.NoError(t, err)
	p, err := c.PayIns.CreateCardDirect(ctx, &mangopay.CreateCardDirectPayInRequest{
		AuthorID: u.ID, CreditedWalletID: w.ID, CardID: reg.CardID,
		DebitedFunds: mangopay.Money{Currency: "EUR", Amount: 5000}, Fees: mangopay.Money{Currency: "EUR", Amount: 100},
		SecureModeReturnURL: "https://platform.example/back", IPAddress: "192.0.2.1", SecureMode: mangopay.SecureModeForce,
		BrowserInfo: &mangopay.BrowserInfo{AcceptHeader: "text/html", Language: "en", ColorDepth: 24, ScreenHeight: 800,
			ScreenWidth: 1280, UserAgent: "Mozilla/5.0", JavascriptEnabled: true},
	})
	rd, ok := mangopay.AsRedirect(err)
	require.True(t, ok, "a challenge card needs the browser: %v", err)
	link, err := rd.RedirectURLWithReturn("")
	require.NoError(t, err)
	require.Equal(t, mangopay.PayInStatusCreated, p.Status)

	require.NoError(t, ctl.CompletePayIn(ctx, link, mangopaytest.Validated))
	got, err := c.PayIns.Get(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, mangopay.PayInStatusSucceeded, got.Status)
	bal, _, err := srv.Balance(w.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(4900), bal, "DebitedFunds - Fees")
	assert.ErrorContains(t, ctl.CompletePayIn(ctx, link, mangopaytest.Validated), "409")
	assert.ErrorContains(t, ctl.CompletePayIn(ctx, srv.URL+"/payment/3ds?token=nope", mangopaytest.Validated), "404")
}

// TestControlsCompleteIdentityVerification approves a hosted identity
// verification over HTTP: the user becomes KYCLevel REGULAR; a second answer
// is refused (409), an unknown link is 404.
func TestControlsCompleteIdentityVerification(t *testing.T) {
	t.Parallel()
	srv, ctl, c := startEmulator(t)
	ctx := context.Background()

	u, _ := enrolledOwner(t, ctx, c, ctl)
	v, err := c.IdentityVerifications.Create(ctx, u.ID, &mangopay.CreateIdentityVerificationRequest{ReturnURL: "https://platform.example/kyc"})
	rd, ok := mangopay.AsRedirect(err)
	require.True(t, ok, "%v", err)
	link, err := rd.RedirectURLWithReturn("")
	require.NoError(t, err)

	require.NoError(t, ctl.CompleteIdentityVerification(ctx, link, mangopaytest.Validated))
	got, err := c.IdentityVerifications.Get(ctx, v.ID)
	require.NoError(t, err)
	assert.Equal(t, mangopay.IdentityVerificationValidated, got.Status)
	user, err := c.Users.Get(ctx, u.ID)
	require.NoError(t, err)
	n, ok := user.Natural()
	require.True(t, ok)
	assert.Equal(t, mangopay.KYCLevelRegular, n.KYCLevel)
	assert.ErrorContains(t, ctl.CompleteIdentityVerification(ctx, link, mangopaytest.Validated), "409")
	assert.ErrorContains(t, ctl.CompleteIdentityVerification(ctx, srv.URL+"/idv/session?sessionId=nope", mangopaytest.Validated), "404")
}
