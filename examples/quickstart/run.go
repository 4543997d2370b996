package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/scaforge/mangopay"
	"github.com/scaforge/mangopay/mangopaytest"
)

// Amounts of the tour, in euro cents.
const (
	payInAmount  = 101000 // EUR 1,010.00 charged to the card...
	payInFees    = 1000   // ...of which EUR 10.00 is the platform's fee: EUR 1,000.00 reach the wallet
	largeAmount  = 60000  // EUR 600.00: at or above Mangopay's sandbox SCA threshold (50001)
	smallAmount  = 2500   // EUR 25.00: exempt from SCA, then refunded
	payoutAmount = 10000  // EUR 100.00 paid out to the recipient (within a LIGHT user's allowance)
	proxyAmount  = 30000  // EUR 300.00: transferred for an absent user, under proxy consent
)

// eur is amount (cents) in euros.
func eur(amount int64) mangopay.Money { return mangopay.Money{Currency: "EUR", Amount: amount} }

// run walks through the SCA story against the backend that cfg selects
// (see chooseBackend), writing it to out.
func run(ctx context.Context, out io.Writer, cfg config) error {
	kind, err := chooseBackend(cfg)
	if err != nil {
		return err
	}
	// The request logger also writes from the webhook receiver's goroutines.
	out = &syncWriter{w: out}
	var logger *slog.Logger
	if cfg.Verbose {
		logger = newLogger(out)
	}
	var b *backend
	switch kind {
	case kindMangopay:
		b, err = dialSandbox(cfg, logger)
	case kindStandalone:
		b, err = dialStandalone(cfg, logger)
	default:
		b, err = startEmulator(cfg, logger)
	}
	if err != nil {
		return err
	}
	defer b.close()

	// Links are printed whole only when a person has to open them.
	t := &tour{p: &printer{w: out, fullLinks: b.ctl == nil}, b: b, c: b.client, payoutAmount: cfg.payoutAmount}
	if err := t.walk(ctx); err != nil {
		return err
	}
	if t.p.err == nil && cfg.inspect != nil {
		cfg.inspect(b)
	}
	return t.p.err
}

// syncWriter serialises writes to w.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}

// tour is one walk through the story.
type tour struct {
	p       *printer
	b       *backend
	c       *mangopay.Client
	n       int
	rows    []row
	pending []mangopay.Event // webhooks received but not shown yet

	// alex and sam are the two OWNERs of the story, set by its first steps.
	alex, sam *owner
	// The money the story moves, set by the steps that move it: the card
	// pay-in, the exempt transfer (refunded later), the payout recipient
	// and the payout.
	payIn     *mangopay.PayIn
	small     *mangopay.Transfer
	recipient *mangopay.Recipient
	payout    *mangopay.Payout
	// payoutAmount overrides the constant (tests: beyond a LIGHT user's
	// allowance).
	payoutAmount int64
}

// owner is a user registered by the tour, with its wallet.
type owner struct {
	name, id, walletID string
}

// next starts the next numbered step: its title, then what it shows.
func (t *tour) next(title, shows string) {
	t.n++
	t.p.step(t.n, title, shows)
}

// step is one numbered step of the tour.
type step func(context.Context) error

// story is the main story, in order: one function per step, so that a step
// (a pay-in, a payout, a refund) slots in where it belongs.
func (t *tour) story() []step {
	return []step{
		func(ctx context.Context) (err error) {
			t.alex, err = t.registerOwner(ctx, "Alex", "Martin", "alex.martin@example.com")
			return err
		},
		func(ctx context.Context) (err error) {
			t.sam, err = t.registerOwner(ctx, "Sam", "Lee", "sam.lee@example.com")
			return err
		},
		func(ctx context.Context) error { return t.createWallets(ctx, t.alex, t.sam) },
		func(ctx context.Context) error { return t.cardPayIn(ctx, t.alex) },
		func(ctx context.Context) error { return t.readWallet(ctx, t.alex) },
		func(ctx context.Context) error { return t.readAgain(ctx, t.alex) },
		func(ctx context.Context) (err error) {
			_, err = t.transfer(ctx, t.alex, t.sam, largeAmount)
			return err
		},
		func(ctx context.Context) (err error) {
			t.small, err = t.transfer(ctx, t.alex, t.sam, smallAmount)
			return err
		},
		func(ctx context.Context) error { return t.payoutRecipient(ctx, t.alex) },
		func(ctx context.Context) error { return t.verifyIdentity(ctx, t.alex) },
		func(ctx context.Context) error { return t.payOut(ctx, t.alex) },
		func(ctx context.Context) error { return t.refundTransfer(ctx, t.small, t.alex, t.sam) },
		func(ctx context.Context) error { return t.readWallet(ctx, t.sam) },
		func(ctx context.Context) error { return t.history(ctx, t.alex) },
	}
}

// otherOutcomes are the steps after the main story: what happens when the
// user does not simply approve.
func (t *tour) otherOutcomes() []step {
	return []step{
		func(ctx context.Context) error { return t.declined(ctx, t.sam, t.alex) },
		func(ctx context.Context) error { return t.expiredThenRetried(ctx, t.sam, t.alex) },
		func(ctx context.Context) error { return t.proxy(ctx, t.alex, t.sam) },
	}
}

func (t *tour) walk(ctx context.Context) error {
	t.intro()
	if err := t.registerHooks(ctx); err != nil {
		return err
	}
	for _, s := range t.story() {
		if err := s(ctx); err != nil {
			return err
		}
	}
	t.p.printf("\nOther outcomes\n")
	t.p.para("The same flows when the user declines, lets the link expire, or is not there at all.")
	for _, s := range t.otherOutcomes() {
		if err := s(ctx); err != nil {
			return err
		}
	}

	t.p.printf("\nSummary\n")
	t.p.table(t.rows)
	if err := t.reconcile(ctx); err != nil {
		return err
	}
	t.p.printf("\n")
	t.p.para("Every SCA demand above came back as one *mangopay.ScaRequiredError, whether Mangopay " +
		"sent the link in a WWW-Authenticate header (wallet reads) or in the body (users, transfers, " +
		"recipients, consent); the 3DS2 challenge came as a *mangopay.PaymentRedirectError and the " +
		"identity verification as a *mangopay.IdentityVerificationRedirectError, and " +
		"mangopay.AsRedirect serves all three with one branch. Next: go run ./examples/platform for the " +
		"same flows in a web backend.")
	return nil
}

// intro explains, before the first call, the words the tour uses.
func (t *tour) intro() {
	t.p.printf("Mangopay SCA quickstart\n")
	t.p.para("Talking to " + t.b.name + ".")
	t.p.printf("\n")
	t.p.para("Strong Customer Authentication (SCA) is the EU rule (PSD2) that a user proves who they " +
		"are with two factors, here their phone and a one-time code, before they open an account, " +
		"see their balance or move money. Mangopay runs it on its own hosted page: your platform " +
		"never sees the code.")
	t.p.printf("\n")
	t.p.para("In the API: the call succeeds but the resource waits (a user PENDING_USER_ACTION, a " +
		"transfer CREATED, a recipient PENDING; a wallet read answers 401) and carries a link, " +
		"PendingUserAction.RedirectUrl. You send the user's browser there with your returnUrl; " +
		"Mangopay sends them back with controlStatus, a hint you confirm with a GET or a webhook. " +
		"The SDK returns every such answer as one error, *mangopay.ScaRequiredError.")
	t.p.printf("\n")
	t.p.para("Who: a PAYER only pays; an OWNER can also receive money, hold it in wallets and cash " +
		"it out, so SCA applies to OWNERs. A natural user is a person; a legal user is a " +
		"BUSINESS, an ORGANIZATION, a PARTNERSHIP or a SOLETRADER (a person trading in their own " +
		"name). ScaContext says whether the user is at the keyboard (USER_PRESENT: SCA may be " +
		"asked) or the platform acts for them (USER_NOT_PRESENT: only with their prior consent).")
	t.p.printf("\n")
	t.p.para("Money: it enters Mangopay by a pay-in (here a card payment), moves between wallets by " +
		"transfers (and back by refunds) and leaves by a payout to a bank account. A card payment has " +
		"its own SCA, 3DS2, run by the card's issuer. Paying out needs a verified OWNER (KYC): " +
		"Mangopay verifies the user's ID on a hosted page of its own.")
	t.p.printf("\n")
	t.p.para("Outcomes: a transfer ends SUCCEEDED (ResultCode 000000) or FAILED with a ResultCode " +
		"saying why: 007101 SCA declined, 007102 SCA link expired, 001001 balance too low.")
	t.p.printf("\n")
}

// registerHooks subscribes the local webhook receiver to the events the
// tour waits for, updating the hook of a type that already has one (a
// mangopay-sandbox keeps them between runs).
func (t *tour) registerHooks(ctx context.Context) error {
	if t.b.hookURL == "" {
		t.p.say("webhooks: skipped (Mangopay's sandbox cannot reach an endpoint on this machine)")
		return nil
	}
	t.p.para("Webhook receiver (mangopay.NewWebhookHandler) at " + t.b.hookURL)
	types := []mangopay.EventType{
		mangopay.EventUserAccountActivated,
		mangopay.EventPayInNormalSucceeded,
		mangopay.EventTransferNormalSucceeded,
		mangopay.EventTransferNormalFailed,
		mangopay.EventRecipientActive,
		mangopay.EventIdentityVerificationValidated,
		mangopay.EventPayoutNormalSucceeded,
		mangopay.EventTransferRefundSucceeded,
	}
	for _, typ := range types {
		_, err := t.c.Hooks.Create(ctx, &mangopay.CreateHookRequest{EventType: typ, URL: t.b.hookURL})
		if errors.Is(err, mangopay.ErrHookAlreadyRegistered) {
			err = t.moveHook(ctx, typ)
		}
		if err != nil {
			return fmt.Errorf("registering the %s hook: %w", typ, err)
		}
	}
	names := make([]string, len(types))
	for i, typ := range types {
		names[i] = string(typ)
	}
	t.p.para("Hooks registered (c.Hooks.Create): " + strings.Join(names, ", "))
	return nil
}

// moveHook points the existing hook of typ at the receiver.
func (t *tour) moveHook(ctx context.Context, typ mangopay.EventType) error {
	for h, err := range t.c.Hooks.All(ctx, nil) {
		if err != nil {
			return err
		}
		if h.EventType == typ {
			in := &mangopay.UpdateHookRequest{URL: mangopay.Ptr(t.b.hookURL), Status: mangopay.Ptr(mangopay.HookStatusEnabled)}
			if h.Validity == mangopay.HookValidityInvalid {
				in.Validity = mangopay.Ptr(mangopay.HookValidityValid)
			}
			_, err := t.c.Hooks.Update(ctx, h.ID, in)
			return err
		}
	}
	return errors.New("a hook exists, Mangopay says, but it is not listed")
}

// confirmation is the GET that tells whether an SCA session ended:
// sdk and endpoint describe it, check runs it.
type confirmation struct {
	sdk, endpoint string
	check         func(context.Context) (done bool, err error)
}

// stillWaiting reports whether err only says that the resource still waits
// for the user: while a session is open, a GET of the transfer (or
// recipient) repeats its PendingUserAction, which the SDK returns, with the
// resource, as a *ScaRequiredError.
func stillWaiting(err error) bool {
	_, ok := mangopay.AsScaRequired(err)
	return ok
}

// scaLink shows the ScaRequiredError and builds its link with the
// platform's return URL.
func (t *tour) scaLink(err error, returnQuery url.Values, what string) (string, error) {
	sca, ok := mangopay.AsScaRequired(err)
	if !ok {
		return "", fmt.Errorf("%s: expected an SCA demand, got: %w", what, err)
	}
	t.p.got("*mangopay.ScaRequiredError: the link came in the %s, valid until %s",
		map[mangopay.ScaSource]string{mangopay.ScaSourceHeader: "WWW-Authenticate header of a 401", mangopay.ScaSourceBody: "body (PendingUserAction.RedirectUrl)"}[sca.Source],
		sca.ExpiresAt.UTC().Format("15:04:05 MST"))
	link, err := sca.RedirectURLWithReturn(t.b.returnURL+"?"+returnQuery.Encode(), mangopay.WithLang("en"))
	if err != nil {
		return "", err
	}
	t.p.link("user's browser to Mangopay's hosted SCA page", link, "token", 8, "returnUrl")
	return link, nil
}

// handleSca shows the ScaRequiredError, builds the link with the platform's
// return URL, gets the user through it and waits until the confirmation
// reports the action done.
func (t *tour) handleSca(ctx context.Context, err error, returnQuery url.Values, what string, confirm confirmation) error {
	link, err := t.scaLink(err, returnQuery, what)
	if err != nil {
		return err
	}
	if err := t.b.approve(ctx, t.p, link); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	t.p.call(confirm.sdk, confirm.endpoint)
	return t.b.poll.wait(ctx, what, confirm.check)
}

func (t *tour) registerOwner(ctx context.Context, first, last, email string) (*owner, error) {
	t.next(fmt.Sprintf("Register %s %s as a natural OWNER", first, last),
		"SCA enrollment. An OWNER is created PENDING_USER_ACTION and becomes ACTIVE once they "+
			"registered their phone on the hosted page.")
	t.p.call("c.Users.CreateNatural", "POST /sca/users/natural")
	t.p.say("UserCategory OWNER, ScaContext USER_PRESENT (the user is here to be redirected)")
	u, err := t.c.Users.CreateNatural(ctx, &mangopay.CreateNaturalUserRequest{
		UserCategory:               mangopay.UserCategoryOwner,
		TermsAndConditionsAccepted: mangopay.Ptr(true),
		FirstName:                  first,
		LastName:                   last,
		Email:                      email,
		Birthday:                   mangopay.NewDate(1990, time.August, 31),
		Nationality:                "FR",
		CountryOfResidence:         "FR",
		PhoneNumber:                "+33611111111",
		ScaContext:                 mangopay.ScaUserPresent,
	})
	if u == nil {
		return nil, fmt.Errorf("creating %s: %w", first, err)
	}
	o := &owner{name: first, id: u.ID}
	t.p.got("user %s, UserStatus %s", u.ID, u.UserStatus)
	if err == nil {
		t.rows = append(t.rows, row{fmt.Sprintf("Register %s (OWNER)", first), "none", string(u.UserStatus)})
		return o, nil
	}
	var status mangopay.UserStatus
	err = t.handleSca(ctx, err, url.Values{"user": {u.ID}}, first+"'s enrollment", confirmation{"c.Users.Get", "GET /sca/users/{UserId}", func(ctx context.Context) (bool, error) {
		got, err := t.c.Users.Get(ctx, u.ID)
		if stillWaiting(err) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		status = got.UserStatus
		return status != mangopay.UserStatusPendingUserAction, nil
	}})
	if err != nil {
		return nil, err
	}
	t.p.got("UserStatus %s", status)
	if status != mangopay.UserStatusActive {
		return nil, fmt.Errorf("%s is %s after the SCA session, not ACTIVE", first, status)
	}
	t.awaitWebhook(ctx, mangopay.EventUserAccountActivated, u.ID)
	t.rows = append(t.rows, row{fmt.Sprintf("Register %s (OWNER)", first), "enrollment: approved", string(status)})
	return o, nil
}

func (t *tour) createWallets(ctx context.Context, owners ...*owner) error {
	t.next("Create a EUR wallet for each owner",
		"that not every call needs SCA (creating a wallet does not).")
	for _, o := range owners {
		t.p.call("c.Wallets.Create", "POST /wallets")
		w, err := t.c.Wallets.Create(ctx, &mangopay.CreateWalletRequest{
			Owners: []string{o.id}, Description: o.name + "'s wallet", Currency: "EUR",
		})
		if err != nil {
			return fmt.Errorf("creating %s's wallet: %w", o.name, err)
		}
		o.walletID = w.ID
		t.p.got("wallet %s for %s, balance %s", w.ID, o.name, w.Balance)
	}
	t.rows = append(t.rows, row{"Create two EUR wallets", "none", "2 wallets"})
	return nil
}

func (t *tour) readWallet(ctx context.Context, o *owner) error {
	shows := "wallet-access SCA. Reading a balance asks for SCA (a 401 with the link in a header) " +
		"unless the user passed it in the last 180 days."
	if !t.p.first("wallet access") {
		shows = "that wallet-access SCA is per user: the other owner's session does not open " +
			o.name + "'s wallet, so " + o.name + " passes their own."
	}
	t.next(fmt.Sprintf("Read %s's wallet with ScaContext USER_PRESENT", o.name), shows)
	t.p.call("c.Wallets.Get", "GET /wallets/{WalletId}?ScaContext=USER_PRESENT")
	_, err := t.c.Wallets.Get(ctx, o.walletID, mangopay.ScaUserPresent)
	if err == nil {
		t.p.got("read without SCA: %s accessed their wallets in the last 180 days", o.name)
		t.rows = append(t.rows, row{"Read " + o.name + "'s wallet", "exempt (180 days)", "read"})
		return nil
	}
	var w *mangopay.Wallet
	err = t.handleSca(ctx, err, url.Values{"wallets": {o.id}}, "wallet access", confirmation{"c.Wallets.Get", "GET /wallets/{WalletId}?ScaContext=USER_PRESENT  (again)", func(ctx context.Context) (bool, error) {
		got, err := t.c.Wallets.Get(ctx, o.walletID, mangopay.ScaUserPresent)
		if errors.Is(err, mangopay.ErrScaRequired) {
			return false, nil // not approved yet: Mangopay asks again
		}
		w = got
		return err == nil, err
	}})
	if err != nil {
		return err
	}
	t.p.got("balance %s", w.Balance)
	t.rows = append(t.rows, row{"Read " + o.name + "'s wallet", "wallet access: approved", w.Balance.String()})
	return nil
}

func (t *tour) readAgain(ctx context.Context, o *owner) error {
	t.next(fmt.Sprintf("Read %s's wallets and transactions again", o.name),
		"one wallet-access SCA covers every read of the user's wallets for 180 days.")
	t.p.call("c.Wallets.ListByUser", "GET /users/{UserId}/wallets?ScaContext=USER_PRESENT")
	ws, err := t.c.Wallets.ListByUser(ctx, o.id, mangopay.ScaUserPresent, nil)
	if err != nil {
		return fmt.Errorf("listing %s's wallets: %w", o.name, err)
	}
	t.p.got("%d wallet(s), no SCA: a wallet-access SCA succeeded less than 180 days ago", len(ws.Items))
	t.p.call("c.Transactions.ListByUser", "GET /users/{UserId}/transactions?ScaContext=USER_PRESENT")
	txs, err := t.c.Transactions.ListByUser(ctx, o.id, mangopay.ScaUserPresent, nil)
	if err != nil {
		return fmt.Errorf("listing %s's transactions: %w", o.name, err)
	}
	for _, tx := range txs.Items {
		t.p.got("%s %s %s %s", tx.Type, tx.Status, tx.CreditedFunds, tx.ID)
	}
	t.rows = append(t.rows, row{"Read " + o.name + "'s wallets again", "exempt (180 days)",
		fmt.Sprintf("%d wallet(s), %d transaction(s)", len(ws.Items), len(txs.Items))})
	return nil
}

// createTransfer makes a transfer of amount from one owner's wallet to the
// other's and shows what came back: the transfer and, when SCA is needed,
// the *ScaRequiredError with it.
func (t *tour) createTransfer(ctx context.Context, from, to *owner, amount int64, sc mangopay.ScaContext) (*mangopay.Transfer, error) {
	funds := mangopay.Money{Currency: "EUR", Amount: amount}
	t.p.call("c.Transfers.Create", "POST /transfers  (ScaContext "+string(sc)+")")
	tr, err := t.c.Transfers.Create(ctx, &mangopay.CreateTransferRequest{
		AuthorID:         from.id,
		DebitedFunds:     funds,
		Fees:             mangopay.Money{Currency: "EUR"},
		DebitedWalletID:  from.walletID,
		CreditedWalletID: to.walletID,
		ScaContext:       sc,
	})
	if tr != nil {
		t.p.got("transfer %s, Status %s", tr.ID, tr.Status)
	}
	return tr, err
}

// transferDone is the confirmation of a transfer's SCA session: a GET until
// it is no longer CREATED.
func (t *tour) transferDone(tr **mangopay.Transfer) confirmation {
	id := (*tr).ID
	return confirmation{"c.Transfers.Get", "GET /transfers/{TransferId}", func(ctx context.Context) (bool, error) {
		got, err := t.c.Transfers.Get(ctx, id)
		if stillWaiting(err) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		*tr = got
		return got.Status != mangopay.TransferStatusCreated, nil
	}}
}

// transfer moves amount from one owner to the other with the user present,
// through SCA when Mangopay asks for it, and returns the SUCCEEDED transfer.
func (t *tour) transfer(ctx context.Context, from, to *owner, amount int64) (*mangopay.Transfer, error) {
	funds := eur(amount)
	shows := fmt.Sprintf("transfer SCA. From %s the sandbox asks for SCA: the transfer waits, "+
		"CREATED, until the user approves it.", eur(mangopaytest.ScaThreshold))
	if amount < mangopaytest.ScaThreshold {
		shows = "an exemption. Small transfers go through without SCA."
	}
	t.next(fmt.Sprintf("Transfer %s from %s to %s (ScaContext USER_PRESENT)", funds, from.name, to.name), shows)
	tr, err := t.createTransfer(ctx, from, to, amount, mangopay.ScaUserPresent)
	if tr == nil {
		return nil, fmt.Errorf("transferring %s: %w", funds, err)
	}
	label := fmt.Sprintf("Transfer %s", funds)
	if err == nil {
		t.p.say("no SCA: %s", exemption())
		t.rows = append(t.rows, row{label, "exempt", string(tr.Status)})
		if tr.Status != mangopay.TransferStatusSucceeded {
			return nil, fmt.Errorf("transfer %s is %s (%s)", tr.ID, tr.Status, tr.ResultMessage)
		}
		return tr, nil
	}
	if err := t.handleSca(ctx, err, url.Values{"transfer": {tr.ID}}, "transfer "+tr.ID, t.transferDone(&tr)); err != nil {
		return nil, err
	}
	t.p.got("Status %s, ResultCode %s (%s)", tr.Status, tr.ResultCode, resultMeaning(tr.ResultCode))
	result := string(tr.Status)
	if t.awaitWebhook(ctx, mangopay.EventTransferNormalSucceeded, tr.ID) {
		result += ", webhook received"
	}
	t.rows = append(t.rows, row{label, "required: approved", result})
	if tr.Status != mangopay.TransferStatusSucceeded {
		return nil, fmt.Errorf("transfer %s is %s (%s)", tr.ID, tr.Status, tr.ResultMessage)
	}
	return tr, nil
}

// resultMeaning says in a few words what a transfer's ResultCode means.
func resultMeaning(code string) string {
	switch code {
	case "000000":
		return "success"
	case mangopay.ResultCodeTransferAuthFailed:
		return "SCA declined or failed"
	case mangopay.ResultCodeTransferAuthExpired:
		return "SCA link expired"
	case "001001":
		return "balance too low"
	}
	return "see Mangopay's list of result codes"
}

// exemption says why Mangopay's sandbox lets a transfer below its threshold
// between two OWNERs through without SCA: it applies the transaction risk
// analysis (TRA) exemption to every one of them (guides/sca/transfers, "SCA
// triggers in Sandbox"); production decides case by case, and also counts
// low-value transfers (mangopaytest.WithLowValueExemption plays that).
func exemption() string {
	return fmt.Sprintf("up to %s between two OWNERs the sandbox always applies its risk-analysis "+
		"(TRA) exemption; it asks for SCA from %s", eur(mangopaytest.ScaThreshold-1), eur(mangopaytest.ScaThreshold))
}

func (t *tour) payoutRecipient(ctx context.Context, o *owner) error {
	t.next(fmt.Sprintf("Register a payout recipient (bank account) for %s", o.name),
		"recipient SCA. A bank account to cash out to is PENDING until the user approves it.")
	t.p.call("c.Recipients.Create", "POST /users/{UserId}/recipients  (RecipientScope PAYOUT)")
	rec, err := t.c.Recipients.Create(ctx, o.id, &mangopay.CreateRecipientRequest{
		DisplayName:      o.name + " EUR DE account",
		PayoutMethodType: mangopay.PayoutMethodLocalBankTransfer,
		RecipientType:    mangopay.RecipientTypeIndividual,
		Currency:         "EUR",
		Country:          "DE",
		RecipientScope:   mangopay.RecipientScopePayout,
		IndividualRecipient: &mangopay.IndividualRecipient{
			FirstName: o.name,
			LastName:  "Martin",
			Address:   &mangopay.Address{AddressLine1: "Oranienburger Str. 87", City: "Berlin", PostalCode: "10178", Country: "DE"},
		},
		LocalBankTransfer: &mangopay.LocalBankTransfer{EUR: &mangopay.IBANAccount{IBAN: "DE75512108001245126199"}},
	})
	if rec == nil {
		return fmt.Errorf("creating the recipient: %w", err)
	}
	t.p.got("recipient %s, Status %s", rec.ID, rec.Status)
	if err == nil {
		t.rows = append(t.rows, row{"Payout recipient", "none", string(rec.Status)})
		t.recipient = rec
		return nil
	}
	err = t.handleSca(ctx, err, url.Values{"recipient": {rec.ID}}, "recipient "+rec.ID, confirmation{"c.Recipients.Get", "GET /recipients/{RecipientId}", func(ctx context.Context) (bool, error) {
		got, err := t.c.Recipients.Get(ctx, rec.ID)
		if stillWaiting(err) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		rec = got
		return rec.Status != mangopay.RecipientStatusPending, nil
	}})
	if err != nil {
		return err
	}
	t.p.got("Status %s", rec.Status)
	result := string(rec.Status)
	if t.awaitWebhook(ctx, mangopay.EventRecipientActive, rec.ID) {
		result += ", webhook received"
	}
	t.rows = append(t.rows, row{"Payout recipient (DE IBAN)", "required: approved", result})
	if rec.Status != mangopay.RecipientStatusActive {
		return fmt.Errorf("recipient %s is %s, not ACTIVE", rec.ID, rec.Status)
	}
	t.recipient = rec
	return nil
}

// history lists every transaction of o with the lazy iterator, still
// without SCA.
func (t *tour) history(ctx context.Context, o *owner) error {
	t.next(fmt.Sprintf("List %s's transactions", o.name),
		"c.Transactions.AllByUser, an iterator fetching pages (of 100) lazily, still without SCA.")
	t.p.call("c.Transactions.AllByUser", "GET /users/{UserId}/transactions?ScaContext=USER_PRESENT&page=1&per_page=100")
	n := 0
	for tx, err := range t.c.Transactions.AllByUser(ctx, o.id, mangopay.ScaUserPresent, nil) {
		if err != nil {
			return fmt.Errorf("listing %s's transactions: %w", o.name, err)
		}
		n++
		t.p.got("%-8s %-9s %12s  %s", tx.Type, tx.Status, tx.DebitedFunds, tx.ID)
	}
	t.rows = append(t.rows, row{"List " + o.name + "'s transactions", "exempt (180 days)", fmt.Sprintf("%d transaction(s)", n)})
	return nil
}

// needsControls reports whether an emulator's controls can play the user;
// against Mangopay it prints that the step is skipped.
func (t *tour) needsControls(what string) bool {
	if t.b.ctl != nil {
		return true
	}
	t.p.say("skipped against Mangopay: %s needs an emulator's controls (run without credentials)", what)
	return false
}

// declined shows a transfer whose SCA session the user declines: FAILED
// with ResultCode 007101, and no money moves.
func (t *tour) declined(ctx context.Context, from, to *owner) error {
	funds := mangopay.Money{Currency: "EUR", Amount: largeAmount}
	t.next(fmt.Sprintf("%s declines a transfer of %s to %s", from.name, funds, to.name),
		"a declined SCA session. The transfer ends FAILED with ResultCode 007101.")
	if !t.needsControls("declining") {
		return nil
	}
	tr, err := t.createTransfer(ctx, from, to, largeAmount, mangopay.ScaUserPresent)
	if tr == nil {
		return fmt.Errorf("transferring %s: %w", funds, err)
	}
	link, err := t.scaLink(err, url.Values{"transfer": {tr.ID}}, "transfer "+tr.ID)
	if err != nil {
		return err
	}
	if err := t.b.ctl.complete(ctx, link, mangopaytest.Failed); err != nil {
		return err
	}
	t.p.refused("the user pressed Decline on the hosted page (emulator: %s)", t.b.ctl.completeVia)
	return t.failedTransfer(ctx, tr, "Transfer declined", "declined", mangopay.ResultCodeTransferAuthFailed)
}

// failedTransfer confirms that tr ended FAILED with code, prints it and its
// webhook, and adds the summary row.
func (t *tour) failedTransfer(ctx context.Context, tr *mangopay.Transfer, label, sca, code string) error {
	c := t.transferDone(&tr)
	t.p.call(c.sdk, c.endpoint)
	if err := t.b.poll.wait(ctx, "transfer "+tr.ID, c.check); err != nil {
		return err
	}
	t.p.got("Status %s, ResultCode %s (%s): no money moved", tr.Status, tr.ResultCode, resultMeaning(tr.ResultCode))
	if tr.Status != mangopay.TransferStatusFailed || tr.ResultCode != code {
		return fmt.Errorf("transfer %s is %s with ResultCode %s, want FAILED with %s", tr.ID, tr.Status, tr.ResultCode, code)
	}
	result := "FAILED " + tr.ResultCode
	if t.awaitWebhook(ctx, mangopay.EventTransferNormalFailed, tr.ID) {
		result += ", webhook received"
	}
	t.rows = append(t.rows, row{label, sca, result})
	return nil
}

// expiredThenRetried leaves a transfer's SCA link unused until it expires
// (10 minutes: the emulator's clock is moved forward), then retries with a
// new transfer, which comes with a fresh link.
func (t *tour) expiredThenRetried(ctx context.Context, from, to *owner) error {
	funds := mangopay.Money{Currency: "EUR", Amount: largeAmount}
	t.next(fmt.Sprintf("%s leaves a transfer of %s unapproved, then retries", from.name, funds),
		"an expired SCA link. After 10 minutes the transfer is FAILED with ResultCode 007102; "+
			"a FAILED transfer is final, so the retry is a new transfer with a fresh link.")
	if !t.needsControls("waiting out a link") {
		return nil
	}
	tr, err := t.createTransfer(ctx, from, to, largeAmount, mangopay.ScaUserPresent)
	if tr == nil {
		return fmt.Errorf("transferring %s: %w", funds, err)
	}
	if _, err := t.scaLink(err, url.Values{"transfer": {tr.ID}}, "transfer "+tr.ID); err != nil {
		return err
	}
	if err := t.b.ctl.advance(ctx, mangopaytest.SessionLifetime+time.Second); err != nil {
		return err
	}
	t.p.refused("nobody opened the link; %s later it has expired (emulator: %s)", mangopaytest.SessionLifetime, t.b.ctl.advanceVia)
	if err := t.failedTransfer(ctx, tr, "Transfer left to expire", "expired", mangopay.ResultCodeTransferAuthExpired); err != nil {
		return err
	}

	t.p.say("retry: a new transfer (a new Idempotency-Key), so a new SCA session and link")
	tr, err = t.createTransfer(ctx, from, to, largeAmount, mangopay.ScaUserPresent)
	if tr == nil {
		return fmt.Errorf("retrying the transfer of %s: %w", funds, err)
	}
	if err := t.handleSca(ctx, err, url.Values{"transfer": {tr.ID}}, "transfer "+tr.ID, t.transferDone(&tr)); err != nil {
		return err
	}
	t.p.got("Status %s, ResultCode %s (%s)", tr.Status, tr.ResultCode, resultMeaning(tr.ResultCode))
	if tr.Status != mangopay.TransferStatusSucceeded {
		return fmt.Errorf("transfer %s is %s (%s)", tr.ID, tr.Status, tr.ResultMessage)
	}
	result := string(tr.Status)
	if t.awaitWebhook(ctx, mangopay.EventTransferNormalSucceeded, tr.ID) {
		result += ", webhook received"
	}
	t.rows = append(t.rows, row{"Retry with a fresh link", "required: approved", result})
	return nil
}

// proxy shows ScaContext USER_NOT_PRESENT: refused (403 sca_proxy_missing)
// until the user consents, in an SCA session of its own, to the platform
// acting for them; then the transfer goes through without the user.
func (t *tour) proxy(ctx context.Context, from, to *owner) error {
	funds := mangopay.Money{Currency: "EUR", Amount: proxyAmount}
	t.next(fmt.Sprintf("Transfer %s for %s while they are away (ScaContext USER_NOT_PRESENT)", funds, from.name),
		"proxy management. The platform acts for an absent user only with their consent, "+
			"itself given through SCA; without it Mangopay answers 403 sca_proxy_missing.")
	_, err := t.createTransfer(ctx, from, to, proxyAmount, mangopay.ScaUserNotPresent)
	if !errors.Is(err, mangopay.ErrScaProxyMissing) {
		return fmt.Errorf("a USER_NOT_PRESENT transfer without consent: want 403 sca_proxy_missing, got %v", err)
	}
	var apiErr *mangopay.APIError
	if errors.As(err, &apiErr) {
		t.p.refused("%d %s (errors.Is(err, mangopay.ErrScaProxyMissing)): %s has not consented",
			apiErr.StatusCode, apiErr.Type, from.name)
	}
	t.rows = append(t.rows, row{"USER_NOT_PRESENT, no consent", "proxy: no consent", "403 sca_proxy_missing"})

	t.p.call("c.Users.ManageConsent", "POST /sca/users/{UserId}/consent")
	_, err = t.c.Users.ManageConsent(ctx, from.id)
	if errors.As(err, &apiErr) && apiErr.Type == "param_error" {
		t.p.refused("%d %s: proxy management is not activated for this platform", apiErr.StatusCode, apiErr.Type)
		t.p.say("Mangopay activates it on request; mangopay-sandbox with -proxy (the in-process emulator has it on)")
		return nil
	}
	if err := t.handleSca(ctx, err, url.Values{"consent": {from.id}}, from.name+"'s consent", confirmation{"c.Users.ScaStatus", "GET /sca/users/{UserId}/sca-status", func(ctx context.Context) (bool, error) {
		st, err := t.c.Users.ScaStatus(ctx, from.id)
		if err != nil {
			return false, err
		}
		return st.ConsentScope.Transfer == mangopay.ConsentStatusActive, nil
	}}); err != nil {
		return err
	}
	t.p.got("ConsentScope.Transfer %s: the platform may now transfer for %s", mangopay.ConsentStatusActive, from.name)
	tr, err := t.createTransfer(ctx, from, to, proxyAmount, mangopay.ScaUserNotPresent)
	if err != nil {
		return fmt.Errorf("a USER_NOT_PRESENT transfer after consent: %w", err)
	}
	if tr.Status != mangopay.TransferStatusSucceeded {
		return fmt.Errorf("transfer %s is %s (%s) after consent", tr.ID, tr.Status, tr.ResultMessage)
	}
	t.p.ok("no SCA and no redirect: the consent stands in for %s", from.name)
	result := string(tr.Status)
	if t.awaitWebhook(ctx, mangopay.EventTransferNormalSucceeded, tr.ID) {
		result += ", webhook received"
	}
	t.rows = append(t.rows, row{"USER_NOT_PRESENT, consented", "proxy: consent approved", result})
	return nil
}

// awaitWebhook waits briefly for the notification of typ about id, prints
// it and reports whether it came. Other notifications arriving meanwhile are
// kept for later.
func (t *tour) awaitWebhook(ctx context.Context, typ mangopay.EventType, id string) bool {
	if t.b.events == nil {
		return false
	}
	found := func() bool {
		for i, ev := range t.pending {
			if ev.Type == typ && ev.ResourceID == id {
				t.pending = append(t.pending[:i], t.pending[i+1:]...)
				how := ""
				if t.p.first("webhook") {
					how = " (parsed, then confirmed by a GET, in NewWebhookHandler)"
				}
				t.p.ok("webhook %s for %s received%s", ev.Type, ev.ResourceID, how)
				return true
			}
		}
		return false
	}
	timer := time.NewTimer(5 * time.Second)
	defer timer.Stop()
	for !found() {
		select {
		case ev := <-t.b.events:
			t.pending = append(t.pending, ev)
		case <-timer.C:
			t.p.say("no %s webhook for %s within 5s", typ, id)
			return false
		case <-ctx.Done():
			return false
		}
	}
	return true
}
