package mangopay_test

// TestBadInput feeds bad input to every part of the public API: ids,
// ScaContext values, Idempotency-Keys, return URLs, WWW-Authenticate headers,
// redirect links, webhook and return-callback queries, and error bodies. Each
// row checks that nothing panics, that an error names what was wrong, and
// exactly which HTTP requests reached the transport: none for input refused
// client-side, the expected ones for bad server answers.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scaforge/mangopay"
)

const (
	biClientID = "acme"
	biAPIKey   = "sk-bad-input-SECRET-KEY"
	biBase     = "https://api.test"
	biAPI      = biBase + "/v2.01/" + biClientID
)

// Requests as the wire recorder names them.
const (
	sentToken  = "POST /v2.01/oauth/token"
	sentWallet = "GET /v2.01/acme/wallets/w1"
)

// wire is a RoundTripper that records every request reaching the network
// before handing it to an httpmock transport.
type wire struct {
	mt   *httpmock.MockTransport
	mu   sync.Mutex
	sent []string
}

func (w *wire) RoundTrip(r *http.Request) (*http.Response, error) {
	w.mu.Lock()
	w.sent = append(w.sent, r.Method+" "+r.URL.EscapedPath())
	w.mu.Unlock()
	return w.mt.RoundTrip(r)
}

func (w *wire) requests() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.sent...)
}

// countingBody is a response body of size bytes (prefix, then 'x') that
// counts what was read from it.
type countingBody struct {
	prefix string
	size   int64
	read   atomic.Int64
	closed atomic.Bool
}

func (b *countingBody) Read(p []byte) (int, error) {
	off := b.read.Load()
	if off >= b.size {
		return 0, io.EOF
	}
	n := int64(len(p))
	n = min(n, b.size-off)
	for i := int64(0); i < n; i++ {
		if pos := off + i; pos < int64(len(b.prefix)) {
			p[i] = b.prefix[pos]
		} else {
			p[i] = 'x'
		}
	}
	b.read.Add(n)
	return int(n), nil
}

func (b *countingBody) Close() error { b.closed.Store(true); return nil }

// respond answers status with body and optional header pairs.
func respond(status int, body string, kv ...string) httpmock.Responder {
	return func(*http.Request) (*http.Response, error) {
		r := httpmock.NewStringResponse(status, body)
		for i := 0; i+1 < len(kv); i += 2 {
			r.Header.Add(kv[i], kv[i+1])
		}
		return r, nil
	}
}

// challenge answers a wallet read with 401 and the given WWW-Authenticate.
func challenge(header string) httpmock.Responder {
	return respond(http.StatusUnauthorized, "", "WWW-Authenticate", header)
}

// pendingUser is a created OWNER whose SCA link is link.
func pendingUser(link string) string {
	return `{"Id":"user_m_1","UserCategory":"OWNER","UserStatus":"PENDING_USER_ACTION","PendingUserAction":{"RedirectUrl":"` + link + `"}}`
}

var (
	biOwner = &mangopay.CreateNaturalUserRequest{
		UserCategory: mangopay.UserCategoryOwner, TermsAndConditionsAccepted: mangopay.Ptr(true),
		FirstName: "Alex", LastName: "Martin", Email: "alex@example.com",
	}
	biTransfer = mangopay.CreateTransferRequest{
		AuthorID: "u1", DebitedWalletID: "w1", CreditedWalletID: "w2",
		DebitedFunds: mangopay.Money{Currency: "EUR", Amount: 100}, Fees: mangopay.Money{Currency: "EUR"},
	}
	biRecipient = mangopay.CreateRecipientRequest{
		DisplayName: "Alex GBP", PayoutMethodType: mangopay.PayoutMethodLocalBankTransfer,
		RecipientType: mangopay.RecipientTypeIndividual, Currency: "GBP", Country: "GB",
		IndividualRecipient: &mangopay.IndividualRecipient{FirstName: "Alex", LastName: "Martin"},
		LocalBankTransfer:   &mangopay.LocalBankTransfer{GBP: &mangopay.GBPAccount{SortCode: "200000", AccountNumber: "55779911"}},
	}
	biLink = "https://sca.mangopay.com/?token=0193d02f30df7a188c51cf890a191d21"
	biNow  = time.Now().Unix()
)

// webhookQuery runs a notification through ParseEvent.
func webhookQuery(raw string) func(context.Context, *mangopay.Client) error {
	return func(context.Context, *mangopay.Client) error {
		_, err := mangopay.ParseEvent(httptest.NewRequest(http.MethodGet, "https://platform.example/hooks?"+raw, nil))
		return err
	}
}

// returnQuery runs the user's return through ParseReturn.
func returnQuery(raw string) func(context.Context, *mangopay.Client) error {
	return func(context.Context, *mangopay.Client) error {
		_, err := mangopay.ParseReturn(httptest.NewRequest(http.MethodGet, "https://platform.example/sca/done?"+raw, nil))
		return err
	}
}

// appendReturn builds a redirect with AppendReturnURL.
func appendReturn(link, ret string, opts ...mangopay.ReturnOption) func(context.Context, *mangopay.Client) error {
	return func(context.Context, *mangopay.Client) error {
		out, err := mangopay.AppendReturnURL(link, ret, opts...)
		if err != nil && out != "" {
			return fmt.Errorf("output %q returned with error %w", out, err)
		}
		return err
	}
}

// newClient builds a client on a fresh recorded transport, or returns the
// error of New (rows that test New itself).
func newClient(w *wire, opts ...mangopay.Option) (*mangopay.Client, error) {
	base := []mangopay.Option{
		mangopay.WithBaseURL(biBase),
		mangopay.WithHTTPClient(&http.Client{Transport: w}),
		mangopay.WithRetryWait(time.Millisecond, 2*time.Millisecond),
	}
	return mangopay.New(biClientID, biAPIKey, append(base, opts...)...)
}

type badInput struct {
	name string
	// serve registers the server's answers (nil: none, every request fails).
	serve func(mt *httpmock.MockTransport)
	opts  []mangopay.Option
	call  func(ctx context.Context, c *mangopay.Client) error
	// want are substrings of the error message naming what was wrong.
	want []string
	// is and isNot are sentinels the error must and must not match.
	is, isNot []error
	// sent are the requests that must reach the transport, in order.
	sent []string
	// check makes extra assertions on the error.
	check func(t *testing.T, err error)
}

// apiStatus checks the error is an *APIError with the status kept.
func apiStatus(status int) func(t *testing.T, err error) {
	return func(t *testing.T, err error) {
		var apiErr *mangopay.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, status, apiErr.StatusCode)
	}
}

// notSca checks the error is not an SCA demand (no link to hand out).
func notSca(t *testing.T, err error) {
	_, ok := mangopay.AsScaRequired(err)
	assert.False(t, ok, "no *ScaRequiredError for a refused link")
}

func badInputCases() []badInput {
	long := strings.Repeat("w", 129)
	bigBody := &countingBody{prefix: `{"Message":"`, size: 50 << 20}
	webhookCalls := atomic.Int64{}

	rows := []badInput{
		// ---- ids ----
		{name: "id/empty wallet id", call: func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Wallets.Get(ctx, "", mangopay.ScaUserPresent)
			return err
		}, want: []string{`id ""`, "is empty"}, is: []error{mangopay.ErrInvalidID}},
		{name: "id/parent path in user id", call: func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Users.Get(ctx, "../hooks")
			return err
		}, want: []string{`"../hooks"`, "contains '/'"}, is: []error{mangopay.ErrInvalidID}},
		{name: "id/dot-dot segment", call: func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Users.Enroll(ctx, "..")
			return err
		}, want: []string{`".."`, "dot segment"}, is: []error{mangopay.ErrInvalidID}},
		{name: "id/dot segment on a PUT", call: func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Users.UpdateNatural(ctx, ".", &mangopay.UpdateNaturalUserRequest{TermsAndConditionsAccepted: mangopay.Ptr(true)})
			return err
		}, want: []string{`"."`, "dot segment"}, is: []error{mangopay.ErrInvalidID}},
		{name: "id/query in transfer id", call: func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Transfers.Get(ctx, "t1?ScaContext=USER_NOT_PRESENT")
			return err
		}, want: []string{`"t1?ScaContext=USER_NOT_PRESENT"`, "'?'"}, is: []error{mangopay.ErrInvalidID}},
		{name: "id/fragment in recipient id", call: func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Recipients.Get(ctx, "rec_1#x")
			return err
		}, want: []string{`"rec_1#x"`, "'#'"}, is: []error{mangopay.ErrInvalidID}},
		{name: "id/backslash in hook id", call: func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Hooks.Get(ctx, `a\..\b`)
			return err
		}, want: []string{`a\\..\\b`, "'\\'"}, is: []error{mangopay.ErrInvalidID}},
		{name: "id/traversal on a deactivation", call: func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Recipients.Deactivate(ctx, "rec_1/../../hooks/h1")
			return err
		}, want: []string{"rec_1/../../hooks/h1", "contains '/'"}, is: []error{mangopay.ErrInvalidID}},
		{name: "id/space in user id of a list", call: func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Wallets.ListByUser(ctx, "u 1", mangopay.ScaUserPresent, nil)
			return err
		}, want: []string{`"u 1"`, "whitespace"}, is: []error{mangopay.ErrInvalidID}},
		{name: "id/control character", call: func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Users.ScaStatus(ctx, "u1\x00")
			return err
		}, want: []string{`"u1\x00"`, "control character"}, is: []error{mangopay.ErrInvalidID}},
		{name: "id/longer than 128", call: func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Transactions.ListByWallet(ctx, long, mangopay.ScaUserPresent, nil)
			return err
		}, want: []string{"longer than 128"}, is: []error{mangopay.ErrInvalidID}},
		{name: "id/path-like id in an iterator", call: func(ctx context.Context, c *mangopay.Client) error {
			for _, err := range c.Wallets.AllByUser(ctx, "u1/../u2", mangopay.ScaUserPresent, nil) {
				return err
			}
			return nil
		}, want: []string{`"u1/../u2"`}, is: []error{mangopay.ErrInvalidID}},

		// ---- ScaContext ----
		{name: "sca/unknown value on a wallet read", call: func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Wallets.Get(ctx, "w1", "BOGUS")
			return err
		}, want: []string{`ScaContext "BOGUS"`, "USER_PRESENT", "USER_NOT_PRESENT"}},
		{name: "sca/lower case on a transaction list", call: func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Transactions.ListByUser(ctx, "u1", "user_present", nil)
			return err
		}, want: []string{`ScaContext "user_present"`}},
		{name: "sca/unknown value in a transfer", call: func(ctx context.Context, c *mangopay.Client) error {
			in := biTransfer
			in.ScaContext = "PRESENT"
			_, err := c.Transfers.Create(ctx, &in)
			return err
		}, want: []string{"Transfers.Create", `ScaContext "PRESENT"`}},
		{name: "sca/unknown value in a user creation", call: func(ctx context.Context, c *mangopay.Client) error {
			in := *biOwner
			in.ScaContext = "NOT_PRESENT"
			_, err := c.Users.CreateNatural(ctx, &in)
			return err
		}, want: []string{"Users.CreateNatural", `ScaContext "NOT_PRESENT"`}},
		{name: "sca/unknown value in a recipient", call: func(ctx context.Context, c *mangopay.Client) error {
			in := biRecipient
			in.ScaContext = "USER_ABSENT"
			_, err := c.Recipients.Create(ctx, "u1", &in)
			return err
		}, want: []string{"ScaContext", `"USER_ABSENT"`}},

		// ---- Idempotency-Key ----
		{name: "key/15 characters", call: func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Transfers.Create(ctx, &biTransfer, mangopay.WithIdempotencyKey("order-123456789"))
			return err
		}, want: []string{`Idempotency-Key "order-123456789"`, "16 to 36"}},
		{name: "key/37 characters", call: func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Users.CreateNatural(ctx, biOwner, mangopay.WithIdempotencyKey(strings.Repeat("k", 37)))
			return err
		}, want: []string{"Idempotency-Key", "16 to 36"}},
		{name: "key/underscore", call: func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Transfers.Create(ctx, &biTransfer, mangopay.WithIdempotencyKey("order_2025_0001_a"))
			return err
		}, want: []string{`"order_2025_0001_a"`, "A-Z, a-z, 0-9 and '-'"}},
		{name: "key/non-ASCII", call: func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Wallets.Create(ctx, &mangopay.CreateWalletRequest{Owners: []string{"u1"}, Description: "d", Currency: "EUR"},
				mangopay.WithIdempotencyKey("commande-été-000001"))
			return err
		}, want: []string{`"commande-été-000001"`}},
		{name: "key/header injection", call: func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Transfers.Create(ctx, &biTransfer, mangopay.WithIdempotencyKey("abcdefghijklmnop\r\nX-Evil: 1"))
			return err
		}, want: []string{"Idempotency-Key", `\r\n`}},

		// ---- return URLs ----
		{name: "return/relative", call: appendReturn(biLink, "/sca/done"),
			want: []string{"returnURL ", `"/sca/done"`, "not absolute"}},
		{name: "return/scheme-relative", call: appendReturn(biLink, "//evil.example/done"),
			want: []string{"returnURL ", `"//evil.example/done"`, "not absolute"}},
		{name: "return/javascript", call: appendReturn(biLink, "javascript:alert(document.cookie)"),
			want: []string{"returnURL ", `scheme "javascript"`}},
		{name: "return/data URL", call: appendReturn(biLink, "data:text/html,<script>alert(1)</script>"),
			want: []string{"returnURL ", `scheme "data"`}},
		{name: "return/over 2,000 characters", call: appendReturn(biLink, "https://platform.example/sca/done?state="+strings.Repeat("a", 2000)),
			want: []string{"characters", "fewer than 2000"}},
		{name: "return/fragment", call: appendReturn(biLink, "https://platform.example/sca/done#step2"),
			want: []string{"returnURL ", "#fragment"}},
		{name: "return/empty", call: appendReturn(biLink, ""), want: []string{"returnURL is empty"}},
		{name: "return/unsupported lang", call: appendReturn(biLink, "https://platform.example/done", mangopay.WithLang("sv")),
			want: []string{`lang "sv"`}},
		{name: "return/through ScaRequiredError", call: func(context.Context, *mangopay.Client) error {
			e := &mangopay.ScaRequiredError{RedirectURL: biLink}
			_, err := e.RedirectURLWithReturn("platform.example/done")
			return err
		}, want: []string{"ScaRequiredError.RedirectURLWithReturn: returnURL ", `"platform.example/done"`, "not absolute"}},

		// ---- malformed WWW-Authenticate on a wallet read ----
		{name: "www-auth/scheme without parameters", serve: func(mt *httpmock.MockTransport) {
			mt.RegisterResponder(http.MethodGet, biAPI+"/wallets/w1", challenge("PendingUserAction"))
		}, call: getWallet, want: []string{"WWW-Authenticate", "PendingUserAction", "no usable RedirectUrl"},
			is: []error{mangopay.ErrUnauthorized}, isNot: []error{mangopay.ErrScaRequired}, sent: []string{sentToken, sentWallet},
			check: apiStatus(401)},
		{name: "www-auth/unterminated quoted link", serve: func(mt *httpmock.MockTransport) {
			mt.RegisterResponder(http.MethodGet, biAPI+"/wallets/w1", challenge(`PendingUserAction RedirectUrl="`+biLink))
		}, call: getWallet, want: []string{"WWW-Authenticate", "no usable RedirectUrl"},
			is: []error{mangopay.ErrUnauthorized}, isNot: []error{mangopay.ErrScaRequired}, sent: []string{sentToken, sentWallet},
			check: apiStatus(401)},
		{name: "www-auth/empty link", serve: func(mt *httpmock.MockTransport) {
			mt.RegisterResponder(http.MethodGet, biAPI+"/wallets/w1", challenge(`Bearer realm="api", PendingUserAction RedirectUrl=""`))
		}, call: getWallet, want: []string{"WWW-Authenticate", "no usable RedirectUrl"},
			is: []error{mangopay.ErrUnauthorized}, isNot: []error{mangopay.ErrScaRequired}, sent: []string{sentToken, sentWallet}},
		{name: "www-auth/garbage is an expired token", serve: func(mt *httpmock.MockTransport) {
			// Not an SCA challenge at all: the token is refreshed once and the
			// read replayed, then the 401 is returned.
			mt.RegisterResponder(http.MethodGet, biAPI+"/wallets/w1", challenge(`@@@ "=,=`))
		}, call: getWallet, want: []string{"GET " + biAPI + "/wallets/w1", "401 Unauthorized"},
			is: []error{mangopay.ErrUnauthorized}, isNot: []error{mangopay.ErrScaRequired},
			sent: []string{sentToken, sentWallet, sentToken, sentWallet}, check: apiStatus(401)},

		// ---- redirect links to foreign hosts ----
		{name: "link/foreign host in WWW-Authenticate", serve: func(mt *httpmock.MockTransport) {
			mt.RegisterResponder(http.MethodGet, biAPI+"/wallets/w1", challenge("PendingUserAction RedirectUrl=https://evil.example/sca?token=t"))
		}, call: getWallet, want: []string{`host "evil.example"`, "WithRedirectHosts"},
			is: []error{mangopay.ErrUntrustedRedirect}, sent: []string{sentToken, sentWallet}, check: notSca},
		{name: "link/look-alike host", serve: func(mt *httpmock.MockTransport) {
			mt.RegisterResponder(http.MethodGet, biAPI+"/wallets/w1", challenge("PendingUserAction RedirectUrl=https://sca.mangopay.com.evil.example/?token=t"))
		}, call: getWallet, want: []string{`host "sca.mangopay.com.evil.example"`},
			is: []error{mangopay.ErrUntrustedRedirect}, sent: []string{sentToken, sentWallet}, check: notSca},
		{name: "link/plain http", serve: func(mt *httpmock.MockTransport) {
			mt.RegisterResponder(http.MethodGet, biAPI+"/wallets/w1", challenge("PendingUserAction RedirectUrl=http://sca.mangopay.com/?token=t"))
		}, call: getWallet, want: []string{"http://sca.mangopay.com", "not https"},
			is: []error{mangopay.ErrUntrustedRedirect}, sent: []string{sentToken, sentWallet}, check: notSca},
		{name: "link/user info", serve: func(mt *httpmock.MockTransport) {
			mt.RegisterResponder(http.MethodGet, biAPI+"/wallets/w1", challenge("PendingUserAction RedirectUrl=https://sca.mangopay.com@evil.example/?token=t"))
		}, call: getWallet, want: []string{`"evil.example"`, "user info"},
			is: []error{mangopay.ErrUntrustedRedirect}, sent: []string{sentToken, sentWallet}, check: notSca},
		{name: "link/javascript", serve: func(mt *httpmock.MockTransport) {
			mt.RegisterResponder(http.MethodGet, biAPI+"/wallets/w1", challenge(`PendingUserAction RedirectUrl="javascript:alert(1)"`))
		}, call: getWallet, want: []string{`scheme "javascript"`},
			is: []error{mangopay.ErrUntrustedRedirect}, sent: []string{sentToken, sentWallet}, check: notSca},
		{name: "link/foreign host in a created user's body", serve: func(mt *httpmock.MockTransport) {
			mt.RegisterResponder(http.MethodPost, biAPI+"/sca/users/natural", respond(200, pendingUser("https://phish.example/sca?token=t")))
		}, call: func(ctx context.Context, c *mangopay.Client) error {
			u, err := c.Users.CreateNatural(ctx, biOwner)
			if u == nil || u.ID != "user_m_1" {
				return fmt.Errorf("created user not returned with the error: %v", err)
			}
			return err
		}, want: []string{"POST " + biAPI + "/sca/users/natural", `host "phish.example"`},
			is: []error{mangopay.ErrUntrustedRedirect}, sent: []string{sentToken, "POST /v2.01/acme/sca/users/natural"}, check: notSca},
		{name: "link/relative link in a transfer's body", serve: func(mt *httpmock.MockTransport) {
			mt.RegisterResponder(http.MethodPost, biAPI+"/transfers", respond(200, `{"Id":"xfer_1","Status":"CREATED","PendingUserAction":{"RedirectUrl":"/sca?token=t"}}`))
		}, call: func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Transfers.Create(ctx, &biTransfer)
			return err
		}, want: []string{`"/sca?…"`, "not absolute"},
			is: []error{mangopay.ErrUntrustedRedirect}, sent: []string{sentToken, "POST /v2.01/acme/transfers"}, check: notSca},

		// ---- webhook notifications ----
		{name: "webhook/missing EventType", call: webhookQuery(fmt.Sprintf("RessourceId=u1&Date=%d", biNow)),
			want: []string{"EventType is missing"}, is: []error{mangopay.ErrInvalidEvent}},
		{name: "webhook/duplicated RessourceId", call: webhookQuery(fmt.Sprintf("EventType=TRANSFER_NORMAL_SUCCEEDED&RessourceId=t1&RessourceId=t2&Date=%d", biNow)),
			want: []string{"RessourceId is given 2 times"}, is: []error{mangopay.ErrInvalidEvent}},
		{name: "webhook/disagreeing ResourceId", call: webhookQuery(fmt.Sprintf("EventType=TRANSFER_NORMAL_SUCCEEDED&RessourceId=t1&ResourceId=t2&Date=%d", biNow)),
			want: []string{`RessourceId "t1" disagrees with ResourceId`}, is: []error{mangopay.ErrInvalidEvent}},
		{name: "webhook/garbage Date", call: webhookQuery("EventType=TRANSFER_NORMAL_SUCCEEDED&RessourceId=t1&Date=yesterday"),
			want: []string{`Date "yesterday" is not Unix seconds`}, is: []error{mangopay.ErrInvalidEvent}},
		{name: "webhook/Date far in the future", call: webhookQuery("EventType=TRANSFER_NORMAL_SUCCEEDED&RessourceId=t1&Date=99999999999"),
			want: []string{`Date "99999999999"`, "future"}, is: []error{mangopay.ErrInvalidEvent}},
		{name: "webhook/bad percent-encoding", call: webhookQuery("EventType=TRANSFER%zz&RessourceId=t1&Date=1"),
			want: []string{"query does not parse"}, is: []error{mangopay.ErrInvalidEvent}},
		{name: "webhook/path-like RessourceId", call: webhookQuery(fmt.Sprintf("EventType=USER_ACCOUNT_ACTIVATED&RessourceId=..%%2Fhooks&Date=%d", biNow)),
			want: []string{`RessourceId "../hooks"`}, is: []error{mangopay.ErrInvalidEvent, mangopay.ErrInvalidID}},
		{name: "webhook/markup in EventType", call: webhookQuery(fmt.Sprintf("EventType=%%3Cscript%%3E&RessourceId=t1&Date=%d", biNow)),
			want: []string{`EventType "<script>"`, "A-Z, 0-9 and '_'"}, is: []error{mangopay.ErrInvalidEvent}},
		{name: "webhook/query over 2 KiB", call: webhookQuery("EventType=A&RessourceId=t1&Date=1&pad=" + strings.Repeat("p", 2100)),
			want: []string{"query is longer than 2048 bytes"}, is: []error{mangopay.ErrInvalidEvent}},
		{name: "webhook/handler answers 400 and does not call fn", call: func(context.Context, *mangopay.Client) error {
			h, err := mangopay.NewWebhookHandler(func(context.Context, mangopay.Event) error { webhookCalls.Add(1); return nil })
			if err != nil {
				return err
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/hooks?EventType=TRANSFER_NORMAL_SUCCEEDED&RessourceId=t1", nil))
			if rec.Code == http.StatusOK || webhookCalls.Load() != 0 {
				return nil
			}
			return fmt.Errorf("status %d: %s", rec.Code, strings.TrimSpace(rec.Body.String()))
		}, want: []string{"status 400", "Date is missing"}},

		// ---- return callbacks ----
		{name: "callback/missing controlStatus", call: returnQuery("transfer=xfer_1"),
			want: []string{"no controlStatus parameter"}},
		{name: "callback/conflicting controlStatus", call: returnQuery("controlStatus=VALIDATED&controlstatus=FAILED"),
			want: []string{"conflicting controlStatus", `"VALIDATED"`, `"FAILED"`}},
		{name: "callback/unknown controlStatus", call: returnQuery("controlStatus=MAYBE"),
			want: []string{`unknown controlStatus "MAYBE"`}},

		// ---- error bodies ----
		{name: "body/HTML page from a proxy", opts: []mangopay.Option{mangopay.WithMaxRetries(0)}, serve: func(mt *httpmock.MockTransport) {
			mt.RegisterResponder(http.MethodGet, biAPI+"/wallets/w1", respond(502,
				"<html>\n<head><title>502 Bad Gateway</title></head>\n<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body>\n</html>\n",
				"Content-Type", "text/html"))
		}, call: getWallet, want: []string{"502 Bad Gateway: 502 Bad Gateway 502 Bad Gateway nginx"}, sent: []string{sentToken, sentWallet}, check: apiStatus(502)},
		{name: "body/HTML 503 is retried", serve: func(mt *httpmock.MockTransport) {
			mt.RegisterResponder(http.MethodGet, biAPI+"/wallets/w1", respond(503, "<html><body>Service Unavailable</body></html>", "Content-Type", "text/html"))
		}, call: getWallet, want: []string{"503 Service Unavailable: Service Unavailable"},
			sent: []string{sentToken, sentWallet, sentWallet, sentWallet}, check: apiStatus(503)},
		{name: "body/truncated JSON", serve: func(mt *httpmock.MockTransport) {
			mt.RegisterResponder(http.MethodGet, biAPI+"/wallets/w1", respond(400, `{"Message":"One or several required parameters are missing or incorrect","Type":"param_er`))
		}, call: getWallet, want: []string{"400 Bad Request", `{"Message":"One or several required parameters`}, sent: []string{sentToken, sentWallet}, check: apiStatus(400)},
		{name: "body/50 MB", serve: func(mt *httpmock.MockTransport) {
			mt.RegisterResponder(http.MethodGet, biAPI+"/wallets/w1", func(*http.Request) (*http.Response, error) {
				return &http.Response{StatusCode: 400, Header: http.Header{"Content-Type": {"application/json"}}, Body: bigBody}, nil
			})
		}, call: getWallet, want: []string{"400 Bad Request", `{"Message":"xxx`}, sent: []string{sentToken, sentWallet},
			check: func(t *testing.T, err error) {
				var apiErr *mangopay.APIError
				require.ErrorAs(t, err, &apiErr)
				assert.LessOrEqual(t, len(err.Error()), 400, "the message is an excerpt")
				// The SDK reads at most its 64 KiB cap (plus one byte to
				// detect more) and drains at most 4 KiB before closing.
				assert.LessOrEqual(t, bigBody.read.Load(), int64(64<<10+1+4096), "bytes read of a 50 MB body")
				assert.True(t, bigBody.closed.Load(), "body closed")
			}},
		{name: "body/JSON array", serve: func(mt *httpmock.MockTransport) {
			mt.RegisterResponder(http.MethodGet, biAPI+"/wallets/w1", respond(404, `["ressource_not_found"]`))
		}, call: getWallet, want: []string{"404 Not Found", `["ressource_not_found"]`}, is: []error{mangopay.ErrNotFound},
			sent: []string{sentToken, sentWallet}, check: apiStatus(404)},
		{name: "body/fields of the wrong JSON type", serve: func(mt *httpmock.MockTransport) {
			mt.RegisterResponder(http.MethodGet, biAPI+"/wallets/w1", respond(400, `{"Message":42,"Type":["param_error"],"Id":{},"Date":"soon","errors":"Balance"}`))
		}, call: getWallet, want: []string{"400 Bad Request", `(["param_error"]): 42`}, sent: []string{sentToken, sentWallet},
			check: func(t *testing.T, err error) {
				var apiErr *mangopay.APIError
				require.ErrorAs(t, err, &apiErr)
				assert.Equal(t, "42", apiErr.Message)
				assert.True(t, apiErr.Date.IsZero())
				assert.Nil(t, apiErr.Errors)
			}},
		{name: "body/empty 404", serve: func(mt *httpmock.MockTransport) {
			mt.RegisterResponder(http.MethodGet, biAPI+"/wallets/w1", respond(404, ""))
		}, call: getWallet, want: []string{"GET " + biAPI + "/wallets/w1: 404 Not Found"}, is: []error{mangopay.ErrNotFound},
			sent: []string{sentToken, sentWallet}, check: apiStatus(404)},
		{name: "body/2xx field of the wrong type", serve: func(mt *httpmock.MockTransport) {
			mt.RegisterResponder(http.MethodGet, biAPI+"/wallets/w1", respond(200, `{"Id":"w1","Balance":"lots"}`))
		}, call: getWallet, want: []string{"decoding 200 response", "Wallet.Balance"}, sent: []string{sentToken, sentWallet}},
		{name: "body/2xx truncated", serve: func(mt *httpmock.MockTransport) {
			mt.RegisterResponder(http.MethodGet, biAPI+"/wallets/w1", respond(200, `{"Id":"w1","Balance":{"Currency":"EUR","Amount":`))
		}, call: getWallet, want: []string{"decoding 200 response", "unexpected EOF"}, sent: []string{sentToken, sentWallet}},
		{name: "body/2xx object where a list is due", serve: func(mt *httpmock.MockTransport) {
			mt.RegisterResponder(http.MethodGet, biAPI+"/users/u1/wallets", respond(200, `{"Id":"w1"}`))
		}, call: func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Wallets.ListByUser(ctx, "u1", mangopay.ScaUserPresent, nil)
			return err
		}, want: []string{"decoding 200 response", "cannot unmarshal object", "[]mangopay.Wallet"},
			sent: []string{sentToken, "GET /v2.01/acme/users/u1/wallets"}},
		{name: "body/OAuth refusal of the API key", serve: func(mt *httpmock.MockTransport) {
			mt.RegisterResponder(http.MethodPost, biBase+"/v2.01/oauth/token", respond(401, `{"error":"invalid_client","error_description":"Client authentication failed"}`))
		}, call: getWallet, want: []string{"401 Unauthorized (invalid_client): Client authentication failed"},
			is: []error{mangopay.ErrUnauthorized}, sent: []string{sentToken}, check: apiStatus(401)},

		// ---- client construction and request checks ----
		{name: "new/empty API key", call: func(context.Context, *mangopay.Client) error {
			_, err := mangopay.New(biClientID, "")
			return err
		}, want: []string{"empty API key"}},
		{name: "new/path-like client id", call: func(context.Context, *mangopay.Client) error {
			_, err := mangopay.New("acme/../other", biAPIKey)
			return err
		}, want: []string{`client id "acme/../other"`, "path"}},
		{name: "new/javascript base URL", call: func(context.Context, *mangopay.Client) error {
			_, err := mangopay.New(biClientID, biAPIKey, mangopay.WithBaseURL("javascript:alert(1)"))
			return err
		}, want: []string{"WithBaseURL", `scheme "javascript"`}},
		{name: "new/redirect host with a path", call: func(context.Context, *mangopay.Client) error {
			_, err := mangopay.New(biClientID, biAPIKey, mangopay.WithRedirectHosts("evil.example/mangopay.com"))
			return err
		}, want: []string{"WithRedirectHosts", `"evil.example/mangopay.com"`}},
		{name: "request/page size over 100", call: func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Hooks.List(ctx, &mangopay.ListOptions{PerPage: 1000})
			return err
		}, want: []string{"PerPage 1000"}},
		{name: "request/relative hook URL", call: func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Hooks.Create(ctx, &mangopay.CreateHookRequest{EventType: mangopay.EventType("TRANSFER_NORMAL_SUCCEEDED"), URL: "/hooks"})
			return err
		}, want: []string{"Hooks.Create", `"/hooks"`, "not absolute"}},
		{name: "request/negative transfer amount", call: func(ctx context.Context, c *mangopay.Client) error {
			in := biTransfer
			in.DebitedFunds.Amount = -100
			_, err := c.Transfers.Create(ctx, &in)
			return err
		}, want: []string{"DebitedFunds.Amount -100 is negative"}},
		{name: "request/nil transfer", call: func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Transfers.Create(ctx, nil)
			return err
		}, want: []string{"Transfers.Create", "nil"}},
	}
	return rows
}

func getWallet(ctx context.Context, c *mangopay.Client) error {
	_, err := c.Wallets.Get(ctx, "w1", mangopay.ScaUserPresent)
	return err
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	rows := badInputCases()
	require.GreaterOrEqual(t, len(rows), 40)
	names := map[string]bool{}
	for _, tc := range rows {
		require.False(t, names[tc.name], "duplicate row %q", tc.name)
		names[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := &wire{mt: httpmock.NewMockTransport()}
			w.mt.RegisterResponder(http.MethodPost, biBase+"/v2.01/oauth/token",
				respond(200, `{"access_token":"tok-bad-input-SECRET","token_type":"bearer","expires_in":1200}`))
			if tc.serve != nil {
				tc.serve(w.mt)
			}
			c, err := newClient(w, tc.opts...)
			require.NoError(t, err)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()

			var callErr error
			require.NotPanics(t, func() { callErr = tc.call(ctx, c) })
			require.Error(t, callErr)
			msg := callErr.Error()
			for _, want := range tc.want {
				assert.Contains(t, msg, want)
			}
			assert.NotContains(t, msg, "\n", "one line")
			assert.NotContains(t, msg, biAPIKey)
			assert.NotContains(t, msg, "tok-bad-input-SECRET")
			for _, target := range tc.is {
				assert.ErrorIs(t, callErr, target)
			}
			for _, target := range tc.isNot {
				assert.NotErrorIs(t, callErr, target)
			}
			if tc.check != nil {
				tc.check(t, callErr)
			}
			assert.Equal(t, tc.sent, w.requests(), "requests that reached the transport")
		})
	}
}
