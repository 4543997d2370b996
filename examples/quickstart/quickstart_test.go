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
	inspected := false
	require.NoError(t, run(ctx, &out, config{inspect: func(b *backend) {
		inspected = true
		text := out.String()
		paidIn, wallets, fees, paidOut := assertReconciled(t, text, b.client, mangopay.PayoutStatusSucceeded)
		// The emulator's own ledger agrees with what the SDK read.
		var inWallets int64
		for _, id := range walletIDs(t, text) {
			bal, _, err := b.srv.Balance(id)
			require.NoError(t, err)
			inWallets += bal
		}
		assert.Equal(t, wallets, inWallets, "wallets")
		assert.Equal(t, fees, b.srv.FeesBalance("EUR"), "fees wallet")
		paid, toPayers := b.srv.Outflows("EUR")
		assert.Equal(t, paidOut, paid, "paid out")
		assert.Zero(t, toPayers)
		assert.Equal(t, paidIn, inWallets+b.srv.FeesBalance("EUR")+paid)
	}}))
	require.True(t, inspected)
	text := out.String()
	assert.Contains(t, text, "Talking to the in-process emulator (mangopaytest)")
	assertStory(t, text, "srv.CompleteSca", "srv.CompletePayIn", "srv.CompleteIdentityVerification", "srv.Advance")
	assertWidth(t, text)
	assert.NotContains(t, text, "┆ http", "no request logs without -v")
}

// assertStory checks what every emulator run tells: the concepts, each step
// and its outcome, then the summary. completeVia, payInVia and advanceVia
// name the emulator's controls.
func assertStory(t *testing.T, text, completeVia, payInVia, verifyVia, advanceVia string) {
	t.Helper()
	for _, want := range []string{
		// the concepts, before the first call
		"Strong Customer Authentication (SCA) is the EU rule (PSD2)",
		"an OWNER can also receive money", "a PAYER only pays",
		"A natural user is a person; a legal user is a", "SOLETRADER",
		"USER_PRESENT: SCA may be", "USER_NOT_PRESENT: only with their prior consent",
		"PENDING_USER_ACTION", "007101 SCA declined, 007102 SCA link expired",
		"Money: it enters Mangopay by a pay-in", "leaves by a payout to a bank account",
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
		// the card pay-in: registered, tokenized, CREATED with a 3DS2 challenge, SUCCEEDED
		"4. Fund Alex's wallet: a card pay-in of EUR 1010.00 with a 3DS2 challenge\n   Shows: money entering Mangopay.",
		"→ c.CardRegistrations.Create POST /cardregistrations",
		"· sandbox test card 4970105181818183 (always challenged)",
		"→ c.CardRegistrations.Update PUT /cardregistrations/{Id}  (RegistrationData)",
		"← Status VALIDATED, card card_m_",
		"· DebitedFunds EUR 1010.00 charged to the card, Fees EUR 10.00 kept by the platform",
		"Status CREATED, SecureModeNeeded true",
		"← *mangopay.PaymentRedirectError, caught by mangopay.AsRedirect as SCA demands are",
		"↪ redirect the payer's browser to the card issuer's 3DS2 challenge page:",
		"✓ the payer passed the card issuer's challenge (emulator: " + payInVia + ")",
		"← Status SUCCEEDED, ResultCode 000000: EUR 1000.00 to Alex's wallet (DebitedFunds - Fees)",
		"webhook PAYIN_NORMAL_SUCCEEDED for payin_m_",
		"no SCA: a wallet-access SCA succeeded less than 180 days ago",
		// the large transfer: CREATED + SCA, SUCCEEDED with its webhook
		"Transfer EUR 600.00 from Alex to Sam",
		"Status CREATED",
		"Status SUCCEEDED, ResultCode 000000 (success)",
		"webhook TRANSFER_NORMAL_SUCCEEDED for xfer_",
		// the small one: exempt
		"Transfer EUR 25.00 from Alex to Sam",
		"· no SCA: up to EUR 500.00 between two OWNERs the sandbox always applies its risk-analysis (TRA)\n" +
			"     exemption; it asks for SCA from EUR 500.01",
		// the payout recipient: PENDING + SCA, then ACTIVE
		"Status PENDING",
		"webhook RECIPIENT_ACTIVE for rec_",
		// the identity verification: LIGHT, a hosted session, VALIDATED and REGULAR
		"10. Verify Alex's identity (KYC) before the payout\n   Shows: identity verification.",
		"→ c.Users.Get                GET /sca/users/{UserId}\n   ← KYCLevel LIGHT",
		"→ c.IdentityVerifications.Create POST /users/{UserId}/identity-verifications  (ReturnUrl)",
		"← *mangopay.IdentityVerificationRedirectError, caught by mangopay.AsRedirect as SCA demands are",
		"↪ redirect the user's browser to Mangopay's hosted identity verification page:",
		"redirectURL (percent-encoded in the link):\n         https://platform.example/sca/return?kyc=user_m_",
		"✓ the user passed the ID checks (emulator: " + verifyVia + ")",
		"→ c.IdentityVerifications.Get GET /identity-verifications/{IdvSessionId}, then c.Users.Get",
		"← Status VALIDATED, 3 check(s) passed; Alex is now KYCLevel REGULAR",
		"webhook IDENTITY_VERIFICATION_VALIDATED for idnver_",
		// the payout: CREATED, then SUCCEEDED on the emulator's clock
		"11. Pay EUR 100.00 out of Alex's wallet to the recipient\n   Shows: money leaving Mangopay, with no SCA",
		"→ c.Payouts.Create           POST /payouts/bankwire  (RecipientId, mode STANDARD)",
		"✓ 1h0m0s later the bank wire has left (emulator: " + advanceVia + ")",
		"← Status SUCCEEDED, ResultCode 000000, ModeApplied STANDARD",
		"webhook PAYOUT_NORMAL_SUCCEEDED for po_m_",
		// the refund of the exempt transfer
		"12. Refund the EUR 25.00 transfer from Alex to Sam\n   Shows: a refund:",
		"→ c.Refunds.CreateForTransfer POST /transfers/{TransferId}/refunds  (in full)",
		"← Status SUCCEEDED, ResultCode 000000: EUR 25.00 back from Sam's wallet to Alex's",
		"webhook TRANSFER_REFUND_SUCCEEDED for refund_m_",
		// Sam's own wallet access
		"13. Read Sam's wallet with ScaContext USER_PRESENT\n   Shows: that wallet-access SCA is per user",
		"← balance EUR 600.00",
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
	assert.Regexp(t, `(?m)^       http://127\.0\.0\.1:\d+/sca/\?token=sca_[0-9a-f]{4}…(&lang=[a-z]{2})?&returnUrl=…$`, text)
	assert.NotRegexp(t, `token=sca_[0-9a-f]{32}`, text)

	// Each step says what it shows.
	steps := regexp.MustCompile(`(?m)^\d+\. .*\n   Shows: `).FindAllString(text, -1)
	assert.Len(t, steps, 17)

	// The summary table, one row per step.
	summary := text[strings.LastIndex(text, "Summary"):]
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`Register Alex \(OWNER\) +enrollment: approved +ACTIVE`),
		regexp.MustCompile(`Register Sam \(OWNER\) +enrollment: approved +ACTIVE`),
		regexp.MustCompile(`Card pay-in EUR 1010.00 +3DS2 challenge: passed +SUCCEEDED, webhook received`),
		regexp.MustCompile(`Read Alex's wallet +wallet access: approved +EUR 1000.00`),
		regexp.MustCompile(`Read Alex's wallets again +exempt \(180 days\) +1 wallet\(s\), 1 transaction\(s\)`),
		regexp.MustCompile(`Transfer EUR 600.00 +required: approved +SUCCEEDED, webhook received`),
		regexp.MustCompile(`Transfer EUR 25.00 +exempt +SUCCEEDED`),
		regexp.MustCompile(`Payout recipient \(DE IBAN\) +required: approved +ACTIVE, webhook received`),
		regexp.MustCompile(`Verify Alex's identity \(KYC\) +hosted IDV: approved +REGULAR, webhook received`),
		regexp.MustCompile(`Payout EUR 100.00 +none \(trusted beneficiary\) +SUCCEEDED, webhook received`),
		regexp.MustCompile(`Refund the EUR 25.00 transfer +none +SUCCEEDED, webhook received`),
		regexp.MustCompile(`Read Sam's wallet +wallet access: approved +EUR 600.00`),
		regexp.MustCompile(`List Alex's transactions +exempt \(180 days\) +4 transaction\(s\)`),
		regexp.MustCompile(`Transfer declined +declined +FAILED 007101, webhook received`),
		regexp.MustCompile(`Transfer left to expire +expired +FAILED 007102, webhook received`),
		regexp.MustCompile(`Retry with a fresh link +required: approved +SUCCEEDED, webhook received`),
		regexp.MustCompile(`USER_NOT_PRESENT, no consent +proxy: no consent +403 sca_proxy_missing`),
		regexp.MustCompile(`USER_NOT_PRESENT, consented +proxy: consent approved +SUCCEEDED, webhook received`),
	} {
		assert.Regexp(t, want, summary)
	}
	assert.NotContains(t, text, "within 5s", "every webhook arrived")
	assert.Contains(t, text, "\nMoney, reconciled\n")
}

// walletIDs returns Alex's and Sam's wallet ids, as the story printed them.
func walletIDs(t *testing.T, text string) []string {
	t.Helper()
	var ids []string
	for _, who := range []string{"Alex", "Sam"} {
		m := regexp.MustCompile(`← wallet (wlt_\S+) for ` + who + `,`).FindStringSubmatch(text)
		require.NotNil(t, m, "no wallet for %s", who)
		ids = append(ids, m[1])
	}
	return ids
}

// assertReconciled recomputes the final reconciliation from what c reads
// (the wallets, the pay-in and the payout whose ids the story printed) and
// checks the figures the quickstart printed against it; the payout must have
// ended wantPayout. It returns the figures in cents.
func assertReconciled(t *testing.T, text string, c *mangopay.Client, wantPayout mangopay.PayoutStatus) (paidIn, wallets, fees, paidOut int64) {
	t.Helper()
	ctx := context.Background()
	money := text[strings.LastIndex(text, "Money, reconciled"):]
	for i, id := range walletIDs(t, text) {
		w, err := c.Wallets.Get(ctx, id, mangopay.ScaUserPresent)
		require.NoError(t, err, "the owners passed wallet access: no SCA now")
		wallets += w.Balance.Amount
		who := []string{"Alex", "Sam"}[i]
		assert.Regexp(t, `(?m)^   wallet    `+who+`'s, `+id+` +`+regexp.QuoteMeta(w.Balance.String())+`$`, money)
	}
	m := regexp.MustCompile(`← pay-in (\S+), Status CREATED`).FindStringSubmatch(text)
	require.NotNil(t, m, "no pay-in")
	p, err := c.PayIns.Get(ctx, m[1])
	require.NoError(t, err)
	require.Equal(t, mangopay.PayInStatusSucceeded, p.Status)
	paidIn, fees = p.DebitedFunds.Amount, p.Fees.Amount
	m = regexp.MustCompile(`← payout (\S+), Status [A-Z]+`).FindStringSubmatch(text)
	require.NotNil(t, m, "no payout")
	po, err := c.Payouts.Get(ctx, m[1])
	require.NoError(t, err)
	require.Equal(t, wantPayout, po.Status)
	if po.Status == mangopay.PayoutStatusSucceeded {
		paidOut = po.DebitedFunds.Amount
		assert.Positive(t, paidOut)
	}
	assert.Equal(t, eur(payInAmount), p.DebitedFunds)
	assert.Positive(t, fees)
	assert.Equal(t, paidIn, wallets+fees+paidOut, "no money appeared or vanished")
	assert.Contains(t, money, fmt.Sprintf("✓ wallets %s + fees %s + paid out %s = %s = paid in",
		eur(wallets), eur(fees), eur(paidOut), eur(paidIn)))
	assert.Regexp(t, `(?m)^   paid in   card pay-in `+p.ID+`, SUCCEEDED +`+regexp.QuoteMeta(eur(paidIn).String())+`$`, money)
	assert.Regexp(t, `(?m)^   paid out  payout `+po.ID+`, `+string(po.Status)+` +`+regexp.QuoteMeta(eur(paidOut).String())+`$`, money)
	return paidIn, wallets, fees, paidOut
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
	path := "path=/v2.01/" + strings.Repeat("p", 60) + "/users/" + strings.Repeat("u", 33) + "/identity-verifications"
	got = wrap(logPrefix, logCont, `msg="mangopay request" method=POST `+path)
	assert.Equal(t, logPrefix+`msg="mangopay request" method=POST`+"\n"+
		logCont+"path=/v2.01/"+strings.Repeat("p", 60)+"/users/\n"+
		logCont+strings.Repeat("u", 33)+"/identity-verifications\n", got, "a long path is cut after a '/'")
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
		assertStory(t, text, "POST /_sandbox/sca/complete", "POST /_sandbox/payins/complete",
			"POST /_sandbox/identity-verifications/complete", "POST /_sandbox/clock/advance")
		c, err := mangopay.New(mangopaytest.DefaultClientID, mangopaytest.DefaultAPIKey, mangopay.WithBaseURL(base))
		require.NoError(t, err)
		assertReconciled(t, text, c, mangopay.PayoutStatusSucceeded)
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

// person plays the human of sandbox mode, and the emulator plays Mangopay:
// it reads what the quickstart prints and "opens" each link a little later,
// completing the SCA session or the 3DS2 challenge on the emulator in-process
// (no /_sandbox/ call); when the quickstart waits for a payout it moves the
// emulator's clock, as Mangopay's processing would take its time.
type person struct {
	t   *testing.T
	srv *mangopaytest.Server
	// idv is what they do on the hosted identity verification page
	// (default mangopaytest.Validated: the checks pass).
	idv mangopaytest.Outcome

	mu  sync.Mutex
	buf bytes.Buffer
	wg  sync.WaitGroup
}

var (
	linkLine   = regexp.MustCompile(`^ {7}(http\S+)\n$`)
	payoutLine = regexp.MustCompile(`Mangopay sends the wire`)
)

func (p *person) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf.Write(b)
	s := string(b)
	if m := linkLine.FindStringSubmatch(s); m != nil {
		switch {
		case strings.Contains(m[1], "/payment/3ds?"):
			p.later(func() error {
				_, err := p.srv.CompletePayIn(m[1], mangopaytest.Validated)
				return err
			})
		case strings.Contains(m[1], "/idv/session?"):
			outcome := p.idv
			if outcome == "" {
				outcome = mangopaytest.Validated
			}
			p.later(func() error {
				_, err := p.srv.CompleteIdentityVerification(m[1], outcome)
				return err
			})
		default:
			p.later(func() error { return p.srv.CompleteSca(m[1], mangopaytest.Validated) })
		}
	}
	if payoutLine.MatchString(s) {
		p.later(func() error {
			p.srv.Advance(mangopaytest.StandardPayoutDelay)
			return nil
		})
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

// sandboxMode is the configuration of the sandbox path (credentials set, a
// person opens the links) against srv standing in for Mangopay's sandbox.
func sandboxMode(srv *mangopaytest.Server) config {
	return config{
		ClientID: srv.ClientID, APIKey: srv.APIKey, BaseURL: srv.URL, kind: kindMangopay,
		Deadline: 10 * time.Second, PollEvery: 5 * time.Millisecond,
		clientOpts: []mangopay.Option{mangopay.WithRedirectHosts(strings.TrimPrefix(srv.URL, "http://"))},
	}
}

// TestRunSandboxMode runs the sandbox path against an emulator standing in
// for Mangopay's sandbox.
func TestRunSandboxMode(t *testing.T) {
	t.Parallel()
	srv := mangopaytest.NewServer()
	t.Cleanup(srv.Close)
	who := &person{t: t, srv: srv}
	err := run(context.Background(), who, sandboxMode(srv))
	who.wg.Wait()
	require.NoError(t, err, who.String())
	text := who.String()
	assert.Contains(t, text, "Talking to Mangopay at "+srv.URL)
	assert.Contains(t, text, "webhooks: skipped")
	assert.Contains(t, text, "open the link above in a browser: phone +33611111111 (FR), one-time code 702100")
	assert.Contains(t, text, "open the link above in a browser and pass the sandbox's test challenge")
	assert.Contains(t, text, "open the link above in a browser: Mangopay's sandbox simulates the ID photos and the checks;\n"+
		"     choose the outcome where every check passes")
	assert.Contains(t, text, "← Status VALIDATED, 3 check(s) passed; Alex is now KYCLevel REGULAR")
	assert.Regexp(t, `Verify Alex's identity \(KYC\) +hosted IDV: approved +REGULAR\n`, text)
	assert.Regexp(t, `Card pay-in EUR 1010.00 +3DS2 challenge: passed +SUCCEEDED\n`, text)
	assert.Regexp(t, `Transfer EUR 600.00 +required: approved +SUCCEEDED\n`, text)
	assert.Regexp(t, `Payout recipient \(DE IBAN\) +required: approved +ACTIVE\n`, text)
	assert.Contains(t, text, "· Mangopay sends the wire; the quickstart asks every 5ms for up to 10s")
	assert.Regexp(t, `Payout EUR 100.00 +none \(trusted beneficiary\) +SUCCEEDED\n`, text)
	assert.Regexp(t, `Refund the EUR 25.00 transfer +none +SUCCEEDED\n`, text)
	assert.Regexp(t, `Read Sam's wallet +wallet access: approved +EUR 600.00\n`, text)
	assertReconciled(t, text, srv.Client(), mangopay.PayoutStatusSucceeded)
	assert.NotContains(t, text, "emulator:", "no emulator control against Mangopay")

	// Only public API: the quickstart never called a test control, and every
	// request went to the API, the tokenizer or the hosted pages.
	reqs := srv.Requests()
	require.NotEmpty(t, reqs)
	for _, r := range reqs {
		assert.False(t, strings.HasPrefix(r.Path, "/_sandbox"), "%s %s", r.Method, r.Path)
		assert.True(t, strings.HasPrefix(r.Path, "/v2.01/") || strings.HasPrefix(r.Path, "/payment/tokenize/"),
			"%s %s", r.Method, r.Path)
	}
	assert.Contains(t, text, "skipped against Mangopay: declining needs an emulator's controls")
	assert.Contains(t, text, "skipped against Mangopay: waiting out a link needs an emulator's controls")
	assert.Contains(t, text, "✗ 403 sca_proxy_missing")
	assert.Contains(t, text, "✗ 400 param_error: proxy management is not activated for this platform")
	assertWidth(t, text)

	// Every link is printed whole, for the person to open, and carries the
	// platform's return URL, percent-encoded.
	links := regexp.MustCompile(`(?m)^       (http://\S+)$`).FindAllStringSubmatch(text, -1)
	require.Len(t, links, 8, "enrollment ×2, 3DS2 challenge, wallet access ×2, large transfer, recipient, IDV")
	challenge := links[2][1]
	assert.Regexp(t, `^http://127\.0\.0\.1:\d+/payment/3ds\?token=3ds_[0-9a-f]{32}$`, challenge, "printed whole")
	idv := links[6][1] // after the recipient, before Sam's wallet access
	assert.Regexp(t, `^http://127\.0\.0\.1:\d+/idv/session\?sessionId=idvs_[0-9a-f]{32}&redirectURL=https%3A%2F%2Fexample\.com%2F%3Fkyc%3Duser_m_\w+$`,
		idv, "printed whole, with the ReturnUrl Mangopay appends")
	links = append(append(links[:2:2], links[3:6]...), links[7:]...)
	for _, l := range links {
		u, err := url.Parse(l[1])
		require.NoError(t, err)
		assert.Equal(t, "/sca/", u.Path)
		assert.Regexp(t, `^sca_[0-9a-f]{32}$`, u.Query().Get("token"), l[1])
		assert.True(t, strings.HasPrefix(u.Query().Get("returnUrl"), "https://example.com/?"), l[1])
		assert.Contains(t, u.RawQuery, "returnUrl=https%3A%2F%2Fexample.com%2F%3F")
	}
}

// TestRunSandboxModePayoutRefused: the person fails the identity
// verification, so Mangopay refuses the payout of an owner who is not
// KYC-verified (002999; here the emulator's LIGHT allowance is exceeded);
// the quickstart says why, goes on, and the balances reconcile with nothing
// paid out.
func TestRunSandboxModePayoutRefused(t *testing.T) {
	t.Parallel()
	srv := mangopaytest.NewServer()
	t.Cleanup(srv.Close)
	who := &person{t: t, srv: srv, idv: mangopaytest.Failed}
	cfg := sandboxMode(srv)
	cfg.payoutAmount = mangopaytest.LightPayoutAllowance + 100
	err := run(context.Background(), who, cfg)
	who.wg.Wait()
	require.NoError(t, err, who.String())
	text := who.String()
	assert.Contains(t, text, "✗ FAILED 002999 (Blocked due to a Debited User's KYC limitations")
	assert.Contains(t, text, "Alex is not KYC-verified (KYCLevel LIGHT)")
	assert.Contains(t, text, "✗ Status REFUSED: Alex stays KYCLevel LIGHT")
	assert.Regexp(t, `Verify Alex's identity \(KYC\) +hosted IDV: refused +LIGHT\n`, text)
	assert.Regexp(t, `Payout EUR 151.00 +none \(trusted beneficiary\) +FAILED 002999\n`, text)
	assert.NotContains(t, text, "Mangopay sends the wire", "a FAILED payout is not awaited")
	_, _, _, paidOut := assertReconciled(t, text, srv.Client(), mangopay.PayoutStatusFailed)
	assert.Zero(t, paidOut)
	assert.Contains(t, text, "+ paid out EUR 0.00 = EUR 1010.00 = paid in")
	assertWidth(t, text)
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
