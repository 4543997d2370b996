package main

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/scaforge/mangopay"
	"github.com/scaforge/mangopay/mangopaytest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestRunEmulator runs the quickstart's default flow, as `go run
// ./examples/quickstart` does, and checks the story it tells.
func TestRunEmulator(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, run(ctx, &out, config{}))
	text := out.String()

	for _, want := range []string{
		"Talking to the in-process emulator (mangopaytest)",
		"Hooks registered (c.Hooks.Create)",
		// the owner: created PENDING_USER_ACTION with a link in the body, ACTIVE after SCA
		"1. Register Alex Martin as a natural OWNER",
		"UserStatus PENDING_USER_ACTION",
		"the link came in the body (PendingUserAction.RedirectUrl)",
		"↪ redirect the user's browser to:",
		"UserStatus ACTIVE",
		"webhook USER_ACCOUNT_ACTIVATED for user_m_",
		"2. Register Sam Lee as a natural OWNER",
		// wallets: a 401 with WWW-Authenticate, then the read, then exempt
		"the link came in the WWW-Authenticate header of a 401",
		"← balance EUR 1000.00",
		"no SCA: a wallet-access SCA succeeded less than 180 days ago",
		// the large transfer: CREATED + SCA, SUCCEEDED with its webhook
		"Transfer EUR 600.00 from Alex to Sam",
		"Status CREATED",
		"Status SUCCEEDED, ResultCode 000000",
		"webhook TRANSFER_NORMAL_SUCCEEDED for xfer_",
		// the small one: exempt
		"Transfer EUR 25.00 from Alex to Sam",
		"no SCA: under EUR 30.00 the low-value exemption applies (at most 5 in a row, or EUR 100.00 in total, since the user's last SCA)",
		// the payout recipient: PENDING + SCA, then ACTIVE
		"Status PENDING",
		"webhook RECIPIENT_ACTIVE for rec_",
		"Summary",
	} {
		assert.Contains(t, text, want)
	}

	// Every redirect carries the platform's return URL, percent-encoded.
	links := regexp.MustCompile(`(?m)^       (http://\S+)$`).FindAllStringSubmatch(text, -1)
	require.Len(t, links, 5, "enrollment ×2, wallet access, large transfer, recipient")
	for _, l := range links {
		u, err := url.Parse(l[1])
		require.NoError(t, err)
		assert.Equal(t, "/sca/", u.Path)
		assert.True(t, strings.HasPrefix(u.Query().Get("token"), "sca_"), l[1])
		assert.True(t, strings.HasPrefix(u.Query().Get("returnUrl"), "https://platform.example/sca/return?"), l[1])
		assert.Contains(t, u.RawQuery, "returnUrl=https%3A%2F%2Fplatform.example%2Fsca%2Freturn%3F")
	}

	// The summary table, one row per step.
	summary := text[strings.LastIndex(text, "Summary"):]
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`Register Alex \(OWNER\) +enrollment: approved +ACTIVE`),
		regexp.MustCompile(`Register Sam \(OWNER\) +enrollment: approved +ACTIVE`),
		regexp.MustCompile(`Read Alex's wallet +wallet access: approved +EUR 1000.00`),
		regexp.MustCompile(`Read Alex's wallets again +exempt \(180 days\) +1 wallet\(s\), 1 transaction\(s\)`),
		regexp.MustCompile(`Transfer EUR 600.00 +required: approved +SUCCEEDED, webhook received`),
		regexp.MustCompile(`Transfer EUR 25.00 +exempt +SUCCEEDED`),
		regexp.MustCompile(`Payout recipient \(DE IBAN\) +required: approved +ACTIVE, webhook received`),
		regexp.MustCompile(`List Alex's transactions +exempt \(180 days\) +3 transaction\(s\)`),
	} {
		assert.Regexp(t, want, summary)
	}
	assert.NotContains(t, text, "level=DEBUG", "no request logs without -v")
}

// TestRunVerbose checks -v: one log record per request, and no secret.
func TestRunVerbose(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, config{Verbose: true}))
	text := out.String()
	assert.Contains(t, text, `msg="mangopay token request" path=/v2.01/oauth/token status=200`)
	assert.Regexp(t, `msg="mangopay request" method=POST path=/v2.01/mangopaytest/transfers status=200 duration=\S+ idempotency_key=\S+`, text)
	assert.Regexp(t, `msg="mangopay request" method=GET path=/v2.01/mangopaytest/wallets/wlt_\S+ status=401`, text)
	assert.NotContains(t, text, mangopaytest.DefaultAPIKey)
	assert.NotContains(t, text, "Bearer")
	assert.NotContains(t, text, "Basic ")
	assert.NotContains(t, text, "access_token")
}

// person plays the human of sandbox mode: it reads what the quickstart
// prints, "opens" each link by completing its session on the emulator a
// little later, and makes the pay-in it is asked for.
type person struct {
	t   *testing.T
	srv *mangopaytest.Server

	mu  sync.Mutex
	buf bytes.Buffer
	wg  sync.WaitGroup
}

var (
	linkLine = regexp.MustCompile(`redirect the user's browser to:\n {7}(\S+)\n`)
	payLine  = regexp.MustCompile(`pay at least EUR \S+ into (wlt_\S+) `)
)

func (p *person) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf.Write(b)
	s := string(b)
	if m := linkLine.FindStringSubmatch(s); m != nil {
		p.later(func() error { return p.srv.CompleteSca(m[1], mangopaytest.Validated) })
	}
	if m := payLine.FindStringSubmatch(s); m != nil {
		p.later(func() error { return p.srv.Credit(m[1], creditAmount) })
	}
	return len(b), nil
}

// later runs f after the quickstart has started polling.
func (p *person) later(f func() error) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		time.Sleep(30 * time.Millisecond)
		assert.NoError(p.t, f())
	}()
}

func (p *person) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.buf.String()
}

// TestRunSandboxMode runs the sandbox path (credentials set, a person opens
// the links) against an emulator standing in for Mangopay's sandbox.
func TestRunSandboxMode(t *testing.T) {
	t.Parallel()
	srv := mangopaytest.NewServer()
	t.Cleanup(srv.Close)
	who := &person{t: t, srv: srv}
	cfg := config{
		ClientID: srv.ClientID, APIKey: srv.APIKey, BaseURL: srv.URL,
		Deadline: 10 * time.Second, PollEvery: 5 * time.Millisecond,
		clientOpts: []mangopay.Option{mangopay.WithRedirectHosts(strings.TrimPrefix(srv.URL, "http://"))},
	}
	err := run(context.Background(), who, cfg)
	who.wg.Wait()
	require.NoError(t, err, who.String())
	text := who.String()
	assert.Contains(t, text, "Talking to Mangopay at "+srv.URL)
	assert.Contains(t, text, "webhooks: skipped")
	assert.Contains(t, text, "open the link above in a browser: phone +33611111111 (FR), one-time code 702100")
	assert.Contains(t, text, "pay at least EUR 1000.00 into wlt_")
	assert.Regexp(t, `Transfer EUR 600.00 +required: approved +SUCCEEDED\n`, text)
	assert.Regexp(t, `Payout recipient \(DE IBAN\) +required: approved +ACTIVE\n`, text)
	assert.Contains(t, text, "returnUrl=https%3A%2F%2Fexample.com%2F%3F")
}

// The poller is what sandbox mode relies on while a person is on the hosted
// page: these tests drive it against the emulator.

func newPendingOwner(t *testing.T) (*mangopaytest.Server, *mangopay.Client, *mangopay.NaturalUser, string) {
	t.Helper()
	srv := mangopaytest.NewServer()
	t.Cleanup(srv.Close)
	c := srv.Client()
	u, err := c.Users.CreateNatural(context.Background(), &mangopay.CreateNaturalUserRequest{
		UserCategory: mangopay.UserCategoryOwner, TermsAndConditionsAccepted: mangopay.Ptr(true),
		FirstName: "Pat", LastName: "Doe", Email: "pat@example.com", Birthday: mangopay.NewDate(1990, 1, 2),
		Nationality: "FR", CountryOfResidence: "FR", PhoneNumber: "+33611111111",
	})
	sca, ok := mangopay.AsScaRequired(err)
	require.True(t, ok, "an OWNER needs SCA: %v", err)
	return srv, c, u, sca.RedirectURL
}

func activeCheck(c *mangopay.Client, id string, calls *atomic.Int32) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		calls.Add(1)
		u, err := c.Users.Get(ctx, id)
		if err != nil {
			return false, err
		}
		return u.UserStatus == mangopay.UserStatusActive, nil
	}
}

func TestPollerWaitsUntilTheSessionEnds(t *testing.T) {
	t.Parallel()
	srv, c, u, link := newPendingOwner(t)
	var calls atomic.Int32
	check := activeCheck(c, u.ID, &calls)
	err := poller{every: time.Millisecond, deadline: 10 * time.Second}.wait(context.Background(), "the enrollment",
		func(ctx context.Context) (bool, error) {
			if calls.Load() == 3 { // the person approves while we poll
				require.NoError(t, srv.CompleteSca(link, mangopaytest.Validated))
			}
			return check(ctx)
		})
	require.NoError(t, err)
	assert.EqualValues(t, 4, calls.Load(), "three polls saw PENDING_USER_ACTION, the fourth ACTIVE")
}

func TestPollerGivesUpAtTheDeadline(t *testing.T) {
	t.Parallel()
	_, c, u, _ := newPendingOwner(t)
	var calls atomic.Int32
	err := poller{every: 5 * time.Millisecond, deadline: 60 * time.Millisecond}.wait(context.Background(), "the enrollment", activeCheck(c, u.ID, &calls))
	require.ErrorIs(t, err, errGaveUp)
	assert.EqualError(t, err, "gave up waiting for the enrollment after 60ms")
	assert.Greater(t, calls.Load(), int32(1), "it asked more than once")
}

func TestPollerStopsOnAnAPIError(t *testing.T) {
	t.Parallel()
	_, c, _, _ := newPendingOwner(t)
	var calls atomic.Int32
	err := poller{every: time.Millisecond, deadline: 10 * time.Second}.wait(context.Background(), "the enrollment",
		activeCheck(c, "user_m_01HZZZZZZZZZZZZZZZZZZZZZZZ", &calls))
	require.ErrorIs(t, err, mangopay.ErrNotFound)
	assert.Contains(t, err.Error(), "waiting for the enrollment: ")
	assert.EqualValues(t, 1, calls.Load(), "no retry after a definite answer")
}

func TestPollerStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	_, c, u, _ := newPendingOwner(t)
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int32
	check := activeCheck(c, u.ID, &calls)
	err := poller{every: time.Millisecond, deadline: 10 * time.Second}.wait(ctx, "the enrollment",
		func(ctx context.Context) (bool, error) {
			if calls.Load() == 2 {
				cancel() // Ctrl-C
			}
			return check(ctx)
		})
	require.ErrorIs(t, err, context.Canceled)
	assert.False(t, errors.Is(err, errGaveUp))
}

func TestPollerRefusesNonPositiveDurations(t *testing.T) {
	t.Parallel()
	err := poller{}.wait(context.Background(), "x", func(context.Context) (bool, error) {
		t.Fatal("check must not run")
		return false, nil
	})
	assert.EqualError(t, err, "poller: every (0s) and deadline (0s) must be positive")
}
