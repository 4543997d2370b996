package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/scaforge/mangopay"
	"github.com/scaforge/mangopay/examples/internal/sandbox"
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
	assert.Contains(t, text, "Talking to the in-process emulator (mangopaytest)")
	assertStory(t, text, "srv.CompleteSca", "srv.Advance")
	assertWidth(t, text)
	assert.NotContains(t, text, "┆ http", "no request logs without -v")
}

// assertStory checks what every emulator run tells: the concepts, each step
// and its outcome, then the summary. completeVia and advanceVia name the
// emulator's controls.
func assertStory(t *testing.T, text, completeVia, advanceVia string) {
	t.Helper()
	for _, want := range []string{
		// the concepts, before the first call
		"Strong Customer Authentication (SCA) is the EU rule (PSD2)",
		"an OWNER can also receive money", "a PAYER only pays",
		"A natural user is a person; a legal user is a", "SOLETRADER",
		"USER_PRESENT: SCA may be", "USER_NOT_PRESENT: only with their prior consent",
		"PENDING_USER_ACTION", "007101 SCA declined, 007102 SCA link expired",
		"Hooks registered (c.Hooks.Create)",
		// the owner: created PENDING_USER_ACTION with a link in the body, ACTIVE after SCA
		"1. Register Alex Martin as a natural OWNER\n   Shows: SCA enrollment.",
		"UserStatus PENDING_USER_ACTION",
		"the link came in the body (PendingUserAction.RedirectUrl)",
		"↪ redirect the user's browser to Mangopay's hosted SCA page:",
		"returnUrl (percent-encoded in the link):\n         https://platform.example/sca/return?user=user_m_",
		"approved (emulator: " + completeVia + ")",
		"UserStatus ACTIVE",
		"webhook USER_ACCOUNT_ACTIVATED for user_m_",
		"2. Register Sam Lee as a natural OWNER",
		// wallets: a 401 with WWW-Authenticate, then the read, then exempt
		"Shows: wallet-access SCA.",
		"the link came in the WWW-Authenticate header of a 401",
		"← balance EUR 1000.00",
		"no SCA: a wallet-access SCA succeeded less than 180 days ago",
		// the large transfer: CREATED + SCA, SUCCEEDED with its webhook
		"Transfer EUR 600.00 from Alex to Sam",
		"Status CREATED",
		"Status SUCCEEDED, ResultCode 000000 (success)",
		"webhook TRANSFER_NORMAL_SUCCEEDED for xfer_",
		// the small one: exempt
		"Transfer EUR 25.00 from Alex to Sam",
		"no SCA: under EUR 30.00 the low-value exemption applies (at most 5 in a row, or EUR 100.00 in\n     total, since the user's last SCA)",
		// the payout recipient: PENDING + SCA, then ACTIVE
		"Status PENDING",
		"webhook RECIPIENT_ACTIVE for rec_",
		// the other outcomes
		"Other outcomes",
		"Sam declines a transfer of EUR 600.00 to Alex",
		"✗ the user pressed Decline on the hosted page (emulator: " + completeVia + ")",
		"Status FAILED, ResultCode 007101 (SCA declined or failed): no money moved",
		"webhook TRANSFER_NORMAL_FAILED for xfer_",
		"✗ nobody opened the link; 10m0s later it has expired (emulator: " + advanceVia + ")",
		"Status FAILED, ResultCode 007102 (SCA link expired): no money moved",
		"· retry: a new transfer (a new Idempotency-Key), so a new SCA session and link",
		"(ScaContext USER_NOT_PRESENT)",
		"✗ 403 sca_proxy_missing (errors.Is(err, mangopay.ErrScaProxyMissing)): Alex has not consented",
		"→ c.Users.ManageConsent      POST /sca/users/{UserId}/consent",
		"returnUrl (percent-encoded in the link):\n         https://platform.example/sca/return?consent=user_m_",
		"← ConsentScope.Transfer ACTIVE: the platform may now transfer for Alex",
		"✓ no SCA and no redirect: the consent stands in for Alex",
		"Summary",
	} {
		assert.Contains(t, text, want)
	}
	// Tokens are elided when nobody needs to open the link.
	assert.Regexp(t, `(?m)^       http://127\.0\.0\.1:\d+/sca/\?token=sca_[0-9a-f]{4}…&returnUrl=…$`, text)
	assert.NotRegexp(t, `token=sca_[0-9a-f]{32}`, text)

	// Each step says what it shows.
	steps := regexp.MustCompile(`(?m)^\d+\. .*\n   Shows: `).FindAllString(text, -1)
	assert.Len(t, steps, 13)

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
		regexp.MustCompile(`Transfer declined +declined +FAILED 007101, webhook received`),
		regexp.MustCompile(`Transfer left to expire +expired +FAILED 007102, webhook received`),
		regexp.MustCompile(`Retry with a fresh link +required: approved +SUCCEEDED, webhook received`),
		regexp.MustCompile(`USER_NOT_PRESENT, no consent +proxy: no consent +403 sca_proxy_missing`),
		regexp.MustCompile(`USER_NOT_PRESENT, consented +proxy: consent approved +SUCCEEDED, webhook received`),
	} {
		assert.Regexp(t, want, summary)
	}
	assert.NotContains(t, text, "within 5s", "every webhook arrived")
}

// assertWidth checks that no line is over width characters, except a link
// printed whole for a person to open.
func assertWidth(t *testing.T, text string) {
	t.Helper()
	for i, l := range strings.Split(text, "\n") {
		if utf8.RuneCountInString(l) <= width {
			continue
		}
		f := strings.Fields(l)
		if len(f) == 1 && strings.HasPrefix(f[0], "http") {
			continue
		}
		t.Errorf("line %d has %d characters: %s", i+1, utf8.RuneCountInString(l), l)
	}
}

func TestWrap(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("word ", 30)
	got := wrap("   · ", "     ", long)
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	require.Len(t, lines, 2)
	assert.Equal(t, "   · "+strings.TrimSpace(strings.Repeat("word ", 19)), lines[0])
	assert.Equal(t, "     "+strings.TrimSpace(strings.Repeat("word ", 11)), lines[1])
	link := "https://sca.mangopay.com/?token=" + strings.Repeat("x", 120)
	assert.Equal(t, "   ↪ see\n     "+link+"\n", wrap("   ↪ ", "     ", "see "+link), "a link is never broken")
	assert.Equal(t, "   ← PAYIN    SUCCEEDED\n", wrap("   ← ", "     ", "PAYIN    SUCCEEDED"), "short lines keep their spacing")
}

// TestRunVerbose checks -v: one log record per request, indented and marked
// apart from the story, and no secret.
func TestRunVerbose(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, config{Verbose: true}))
	assertWidth(t, out.String())
	text := strings.ReplaceAll(out.String(), "\n"+logCont, " ") // one record a line
	assert.Contains(t, text, "\n        ┆ http msg=\"mangopay token request\" path=/v2.01/oauth/token status=200")
	assert.Regexp(t, `(?m)^        ┆ http msg="mangopay request" method=POST path=/v2.01/mangopaytest/transfers status=200 duration=\S+ idempotency_key=\S+`, text)
	assert.Regexp(t, `(?m)^        ┆ http msg="mangopay request" method=GET path=/v2.01/mangopaytest/wallets/wlt_\S+ status=401`, text)
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, "msg=") {
			assert.True(t, strings.HasPrefix(l, "        ┆ http "), "a log line outside the margin: %q", l)
		}
	}
	assert.NotContains(t, text, "level=")
	assert.NotContains(t, text, mangopaytest.DefaultAPIKey)
	assert.NotContains(t, text, "Bearer")
	assert.NotContains(t, text, "Basic ")
	assert.NotContains(t, text, "access_token")
}

// TestRunStandalone runs the quickstart against cmd/mangopay-sandbox started
// as a subprocess, as `MANGOPAY_BASE_URL=http://127.0.0.1:PORT go run
// ./examples/quickstart` does against one started by hand: twice, since a
// long-running emulator keeps the first run's hooks.
func TestRunStandalone(t *testing.T) {
	t.Parallel()
	base := sandbox.Start(t, "-proxy")
	for i := range 2 {
		var out bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		err := run(ctx, &out, config{BaseURL: base})
		cancel()
		require.NoError(t, err, "run %d:\n%s", i+1, out.String())
		text := out.String()
		assert.Contains(t, text, fmt.Sprintf("Talking to mangopay-sandbox at %s, ClientId \"mangopaytest\"", base))
		assertStory(t, text, "POST /_sandbox/sca/complete", "POST /_sandbox/clock/advance")
		assert.Contains(t, text, "credited by the emulator (POST /_sandbox/wallets/{id}/credit: a succeeded PAYIN)")
		assertWidth(t, text)
	}
}

// TestRunStandaloneWithoutProxy: a mangopay-sandbox started without -proxy
// refuses the consent (400 param_error); the quickstart says so and ends well.
func TestRunStandaloneWithoutProxy(t *testing.T) {
	t.Parallel()
	srv, err := mangopaytest.Listen("127.0.0.1:0", mangopaytest.WithClientID("demo"), mangopaytest.WithAPIKey("demo-key"))
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, config{BaseURL: srv.URL, ClientID: "demo", APIKey: "demo-key"}))
	text := out.String()
	assert.Contains(t, text, "✗ 403 sca_proxy_missing")
	assert.Contains(t, text, "✗ 400 param_error: proxy management is not activated for this platform")
	assert.Contains(t, text, "mangopay-sandbox with -proxy")
	assert.Regexp(t, `Transfer left to expire +expired +FAILED 007102`, text)
	assert.NotContains(t, text, "USER_NOT_PRESENT, consented")
}

func TestChooseBackend(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cfg  config
		want backendKind
		err  string
	}{
		{cfg: config{}, want: kindEmulator},
		{cfg: config{BaseURL: "http://127.0.0.1:8089"}, want: kindStandalone},
		{cfg: config{BaseURL: "http://localhost:8089", ClientID: "demo", APIKey: "k"}, want: kindStandalone},
		{cfg: config{ClientID: "id", APIKey: "k"}, want: kindMangopay},
		{cfg: config{ClientID: "id", APIKey: "k", BaseURL: "https://api.sandbox.mangopay.com"}, want: kindMangopay},
		{cfg: config{ClientID: "id"}, err: "set both MANGOPAY_CLIENT_ID and MANGOPAY_API_KEY, or neither"},
		{cfg: config{APIKey: "k", BaseURL: "http://127.0.0.1:8089"}, err: "set both"},
		{cfg: config{BaseURL: "https://api.sandbox.mangopay.com"}, err: `MANGOPAY_BASE_URL "https://api.sandbox.mangopay.com" is not on this machine`},
		{cfg: config{BaseURL: "http://10.0.0.5:8089"}, err: "needs MANGOPAY_CLIENT_ID and MANGOPAY_API_KEY"},
	} {
		got, err := chooseBackend(tc.cfg)
		if tc.err != "" {
			assert.ErrorContains(t, err, tc.err, "%+v", tc.cfg)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tc.want, got, "%+v", tc.cfg)
	}
}

// TestMangopayKeepsTheDefaultRedirectPolicy: against Mangopay the quickstart
// trusts no other host, so a link on the emulator's address is refused.
func TestMangopayKeepsTheDefaultRedirectPolicy(t *testing.T) {
	t.Parallel()
	srv := mangopaytest.NewServer()
	t.Cleanup(srv.Close)
	var out bytes.Buffer
	err := run(context.Background(), &out, config{ClientID: srv.ClientID, APIKey: srv.APIKey, BaseURL: srv.URL,
		kind: kindMangopay, Deadline: time.Second, PollEvery: time.Millisecond})
	require.ErrorIs(t, err, mangopay.ErrUntrustedRedirect)
	assert.ErrorContains(t, err, `host "127.0.0.1" is not mangopay.com or an allowed host`)
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
	linkLine = regexp.MustCompile(`^ {7}(http\S+)\n$`)
	payLine  = regexp.MustCompile(`pay at least EUR \S+ into (wlt_\S+)\s`)
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
		ClientID: srv.ClientID, APIKey: srv.APIKey, BaseURL: srv.URL, kind: kindMangopay,
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
	assert.Contains(t, text, "skipped against Mangopay: declining needs an emulator's controls")
	assert.Contains(t, text, "skipped against Mangopay: waiting out a link needs an emulator's controls")
	assert.Contains(t, text, "✗ 403 sca_proxy_missing")
	assert.Contains(t, text, "✗ 400 param_error: proxy management is not activated for this platform")
	assertWidth(t, text)

	// Every link is printed whole, for the person to open, and carries the
	// platform's return URL, percent-encoded.
	links := regexp.MustCompile(`(?m)^       (http://\S+)$`).FindAllStringSubmatch(text, -1)
	require.Len(t, links, 5, "enrollment ×2, wallet access, large transfer, recipient")
	for _, l := range links {
		u, err := url.Parse(l[1])
		require.NoError(t, err)
		assert.Equal(t, "/sca/", u.Path)
		assert.Regexp(t, `^sca_[0-9a-f]{32}$`, u.Query().Get("token"), l[1])
		assert.True(t, strings.HasPrefix(u.Query().Get("returnUrl"), "https://example.com/?"), l[1])
		assert.Contains(t, u.RawQuery, "returnUrl=https%3A%2F%2Fexample.com%2F%3F")
	}
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
