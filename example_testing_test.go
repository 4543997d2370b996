package mangopay_test

// The README's "Testing your handlers" shows three ways to test a platform's
// HTTP handler that calls the SDK; all three are the Examples here.

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scaforge/mangopay"
	"github.com/scaforge/mangopay/mangopaytest"
)

// TransferCreator is the one SDK method sendMoney needs. *mangopay.TransfersService
// has it, and so does a test's fake.
type TransferCreator interface {
	Create(ctx context.Context, in *mangopay.CreateTransferRequest, opts ...mangopay.RequestOption) (*mangopay.Transfer, error)
}

var _ TransferCreator = (*mangopay.TransfersService)(nil) // in production: sendMoney(c.Transfers)

// sendMoney is the platform's "send money" handler: POST user, from, to and
// amount (in cents); it makes the transfer and, when Mangopay asks for SCA,
// redirects the browser to the hosted page, which sends the user back to
// /sca/done.
func sendMoney(transfers TransferCreator) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		amount, err := strconv.ParseInt(r.FormValue("amount"), 10, 64)
		if err != nil {
			http.Error(w, "amount must be a number of cents", http.StatusBadRequest)
			return
		}
		tr, err := transfers.Create(r.Context(), &mangopay.CreateTransferRequest{
			AuthorID: r.FormValue("user"), DebitedWalletID: r.FormValue("from"), CreditedWalletID: r.FormValue("to"),
			DebitedFunds: mangopay.Money{Currency: "EUR", Amount: amount}, Fees: mangopay.Money{Currency: "EUR"},
			ScaContext: mangopay.ScaUserPresent,
		})
		if rd, ok := mangopay.AsRedirect(err); ok { // SCA: the user must authenticate
			to, err := rd.RedirectURLWithReturn("https://platform.example/sca/done?transfer=" + tr.ID)
			if err != nil {
				http.Error(w, "cannot redirect", http.StatusInternalServerError)
				return
			}
			http.Redirect(w, r, to, http.StatusSeeOther)
			return
		}
		if errors.Is(err, mangopay.ErrInvalidRequest) {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err != nil {
			http.Error(w, "transfer failed", http.StatusBadGateway)
			return
		}
		fmt.Fprintf(w, "sent: %s %s\n", tr.ID, tr.Status)
	}
}

// sendForm is the form a browser posts to sendMoney.
func sendForm(user, from, to, amount string) *http.Request {
	form := url.Values{"user": {user}, "from": {from}, "to": {to}, "amount": {amount}}
	req := httptest.NewRequest(http.MethodPost, "/send", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

// README "Testing your handlers", with httpmock: a token responder, the API's
// /v2.01/{ClientId} prefix, and WithMaxRetries(0) so that a request with no
// responder fails at once rather than after about a second of retries.
func Example_testingWithHTTPMock() {
	mt := httpmock.NewMockTransport()                    // one per test: httpmock.Activate is global and breaks t.Parallel
	const api = "https://api.sandbox.mangopay.com/v2.01" // SandboxURL + /v2.01
	mt.RegisterResponder(http.MethodPost, api+"/oauth/token",
		httpmock.NewStringResponder(200, `{"access_token":"t0k","token_type":"Bearer","expires_in":3600}`))
	mt.RegisterResponder(http.MethodPost, api+"/acme/transfers", // every other path is under /v2.01/{ClientId}
		httpmock.NewStringResponder(200, `{"Id":"xfer_1","Status":"CREATED","PendingUserAction":{"RedirectUrl":"https://sca.mangopay.com/?token=abc"}}`))

	c, err := mangopay.New("acme", "test-api-key",
		mangopay.WithHTTPClient(&http.Client{Transport: mt}),
		mangopay.WithMaxRetries(0), // else a request httpmock cannot answer is retried for ~1 s
	)
	if err != nil {
		log.Fatal(err)
	}
	rec := httptest.NewRecorder()
	sendMoney(c.Transfers).ServeHTTP(rec, sendForm("u1", "w1", "w2", "60000"))
	fmt.Println(rec.Code, rec.Header().Get("Location"))
	fmt.Println(mt.GetCallCountInfo()["POST "+api+"/acme/transfers"])

	rec = httptest.NewRecorder()
	sendMoney(c.Transfers).ServeHTTP(rec, sendForm("", "w1", "w2", "60000")) // refused before any request
	fmt.Println(rec.Code, strings.TrimSpace(rec.Body.String()))
	// Output:
	// 303 https://sca.mangopay.com/?token=abc&returnUrl=https%3A%2F%2Fplatform.example%2Fsca%2Fdone%3Ftransfer%3Dxfer_1
	// 1
	// 400 mangopay: Transfers.Create: AuthorId is required
}

// fakeTransfers answers as Mangopay does above the SCA threshold, with
// values built by mangopaytest's constructors.
type fakeTransfers struct{}

func (fakeTransfers) Create(context.Context, *mangopay.CreateTransferRequest, ...mangopay.RequestOption) (*mangopay.Transfer, error) {
	return &mangopay.Transfer{ID: "xfer_1", Status: mangopay.TransferStatusCreated},
		mangopaytest.NewScaRequired("https://sca.mangopay.com/?token=abc", time.Now().Add(mangopay.ScaSessionLifetime))
}

// README "Testing your handlers", with a small interface of your own.
func Example_testingWithAnInterface() {
	rec := httptest.NewRecorder()
	sendMoney(fakeTransfers{}).ServeHTTP(rec, sendForm("u1", "w1", "w2", "60000"))
	fmt.Println(rec.Code, rec.Header().Get("Location"))
	// Output:
	// 303 https://sca.mangopay.com/?token=abc&returnUrl=https%3A%2F%2Fplatform.example%2Fsca%2Fdone%3Ftransfer%3Dxfer_1
}

// README "Testing your handlers", with the emulator: the whole flow, the
// SCA approval included, against an in-memory Mangopay.
func Example_testingWithTheEmulator() {
	srv := mangopaytest.NewServer() // in memory, starts in well under a millisecond
	defer srv.Close()
	c := srv.Client() // a *mangopay.Client pointed at it
	ctx := context.Background()

	alice, bob := emulatorOwner(srv, c, "Alice"), emulatorOwner(srv, c, "Bob")
	from, _ := c.Wallets.Create(ctx, &mangopay.CreateWalletRequest{Owners: []string{alice}, Description: "main", Currency: "EUR"})
	to, _ := c.Wallets.Create(ctx, &mangopay.CreateWalletRequest{Owners: []string{bob}, Description: "main", Currency: "EUR"})
	if err := srv.Credit(from.ID, 100000); err != nil { // €1,000.00
		log.Fatal(err)
	}

	rec := httptest.NewRecorder()
	sendMoney(c.Transfers).ServeHTTP(rec, sendForm(alice, from.ID, to.ID, "60000")) // over €500: SCA
	link := rec.Header().Get("Location")
	fmt.Println(rec.Code, strings.HasPrefix(link, srv.URL+"/sca/"), strings.Contains(link, "&returnUrl=https%3A%2F%2Fplatform.example"))

	if err := srv.CompleteSca(link, mangopaytest.Validated); err != nil { // as if they typed 702100 and approved
		log.Fatal(err)
	}
	balance, _, _ := srv.Balance(to.ID)
	fmt.Println(balance)

	rec = httptest.NewRecorder()
	sendMoney(c.Transfers).ServeHTTP(rec, sendForm(alice, from.ID, to.ID, "1000")) // €10 between the same owners
	fmt.Println(rec.Code, strings.HasPrefix(rec.Body.String(), "sent: "))
	// Output:
	// 303 true true
	// 60000
	// 200 true
}

// emulatorOwner creates an OWNER and approves their SCA enrollment.
func emulatorOwner(srv *mangopaytest.Server, c *mangopay.Client, name string) string {
	u, err := c.Users.CreateNatural(context.Background(), &mangopay.CreateNaturalUserRequest{
		UserCategory: mangopay.UserCategoryOwner, TermsAndConditionsAccepted: mangopay.Ptr(true),
		FirstName: name, LastName: "Smith", Email: name + "@example.com",
		Birthday: mangopay.NewDate(1990, time.May, 4), Nationality: "FR", CountryOfResidence: "FR",
	})
	sca, _ := mangopay.AsScaRequired(err) // an OWNER enrolls in SCA at creation
	if err := srv.CompleteSca(sca.RedirectURL, mangopaytest.Validated); err != nil {
		log.Fatal(err)
	}
	return u.ID
}

// TestReadmeTestingSnippetsAreExamples keeps the README's "Testing your
// handlers" snippets in step with the Examples above: every line of each
// snippet is a line of this file (white space folded), and each style's
// snippet drives the handler through httptest.NewRecorder.
func TestReadmeTestingSnippetsAreExamples(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	self, err := os.ReadFile("example_testing_test.go")
	require.NoError(t, err)
	lines := map[string]bool{}
	for _, l := range strings.Split(string(self), "\n") {
		lines[strings.Join(strings.Fields(l), " ")] = true // gofmt aligns comments
	}
	for _, heading := range []string{"## Testing your handlers", "### With httpmock", "### With a small interface of your own", "### With the emulator"} {
		m := regexp.MustCompile("(?s)\n" + regexp.QuoteMeta(heading) + "\n.*?```go\n(.*?)```").FindSubmatch(readme)
		require.NotNil(t, m, "README has a Go snippet under %q", heading)
		n := 0
		for _, l := range strings.Split(string(m[1]), "\n") {
			if l = strings.Join(strings.Fields(l), " "); l != "" {
				n++
				assert.True(t, lines[l], "README line under %q is not in example_testing_test.go: %s", heading, l)
			}
		}
		assert.Greater(t, n, 3, "README snippet under %q compared", heading)
		if strings.HasPrefix(heading, "### ") {
			assert.Contains(t, string(m[1]), "rec := httptest.NewRecorder()", "%q tests the handler with a recorder", heading)
			assert.Contains(t, string(m[1]), ".ServeHTTP(rec, sendForm(", "%q tests the handler with a recorder", heading)
		}
	}
	assert.NotContains(t, string(readme), "## Testing your code", "the section is \"Testing your handlers\"")
}
