package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"github.com/scaforge/mangopay"
	"github.com/scaforge/mangopay/mangopaytest"
)

// Amounts of the tour, in euro cents.
const (
	creditAmount = 100000 // EUR 1,000.00 put in the first owner's wallet
	largeAmount  = 60000  // EUR 600.00: at or above Mangopay's sandbox SCA threshold (50001)
	smallAmount  = 2500   // EUR 25.00: exempt from SCA
)

// run walks through the SCA story against the emulator (cfg without
// credentials) or Mangopay's sandbox, writing it to out.
func run(ctx context.Context, out io.Writer, cfg config) error {
	// The request logger also writes from the webhook receiver's goroutines.
	out = &syncWriter{w: out}
	var logger *slog.Logger
	if cfg.Verbose {
		logger = newLogger(out)
	}
	var (
		b   *backend
		err error
	)
	if cfg.ClientID != "" && cfg.APIKey != "" {
		b, err = dialSandbox(cfg, logger)
	} else {
		b, err = startEmulator(logger)
	}
	if err != nil {
		return err
	}
	defer b.close()

	t := &tour{p: &printer{w: out}, b: b, c: b.client}
	if err := t.walk(ctx); err != nil {
		return err
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
}

// owner is a user registered by the tour, with its wallet.
type owner struct {
	name, id, walletID string
}

func (t *tour) next(format string, args ...any) {
	t.n++
	t.p.step(t.n, format, args...)
}

func (t *tour) walk(ctx context.Context) error {
	t.p.printf("Mangopay SCA quickstart\n")
	t.p.printf("   Talking to %s.\n", t.b.name)
	if err := t.registerHooks(ctx); err != nil {
		return err
	}

	alex, err := t.registerOwner(ctx, "Alex", "Martin", "alex.martin@example.com")
	if err != nil {
		return err
	}
	sam, err := t.registerOwner(ctx, "Sam", "Lee", "sam.lee@example.com")
	if err != nil {
		return err
	}
	if err := t.createWallets(ctx, alex, sam); err != nil {
		return err
	}
	if err := t.credit(ctx, alex); err != nil {
		return err
	}
	if err := t.readWallet(ctx, alex); err != nil {
		return err
	}
	if err := t.readAgain(ctx, alex); err != nil {
		return err
	}
	if err := t.transfer(ctx, alex, sam, largeAmount); err != nil {
		return err
	}
	if err := t.transfer(ctx, alex, sam, smallAmount); err != nil {
		return err
	}
	if err := t.payoutRecipient(ctx, alex); err != nil {
		return err
	}
	if err := t.history(ctx, alex); err != nil {
		return err
	}

	t.p.printf("\nSummary\n")
	t.p.table(t.rows)
	t.p.printf("\nEvery SCA demand above came back as one *mangopay.ScaRequiredError, whether Mangopay\n" +
		"sent the link in a WWW-Authenticate header (wallet reads) or in the body (users, transfers,\n" +
		"recipients). Next: go run ./examples/platform for the same flow in a web backend.\n")
	return nil
}

// registerHooks subscribes the local webhook receiver to the events the
// tour waits for.
func (t *tour) registerHooks(ctx context.Context) error {
	if t.b.hookURL == "" {
		t.p.say("webhooks: skipped (Mangopay's sandbox cannot reach an endpoint on this machine)")
		return nil
	}
	t.p.printf("   Webhook receiver (mangopay.NewWebhookHandler) at %s\n", t.b.hookURL)
	for _, typ := range []mangopay.EventType{
		mangopay.EventUserAccountActivated,
		mangopay.EventTransferNormalSucceeded,
		mangopay.EventTransferNormalFailed,
		mangopay.EventRecipientActive,
	} {
		if _, err := t.c.Hooks.Create(ctx, &mangopay.CreateHookRequest{EventType: typ, URL: t.b.hookURL}); err != nil {
			return fmt.Errorf("registering the %s hook: %w", typ, err)
		}
	}
	t.p.printf("   Hooks registered (c.Hooks.Create): USER_ACCOUNT_ACTIVATED, TRANSFER_NORMAL_SUCCEEDED, TRANSFER_NORMAL_FAILED, RECIPIENT_ACTIVE\n")
	return nil
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

// handleSca shows the ScaRequiredError, builds the link with the platform's
// return URL, gets the user through it and waits until the confirmation
// reports the action done.
func (t *tour) handleSca(ctx context.Context, err error, returnQuery url.Values, what string, confirm confirmation) error {
	sca, ok := mangopay.AsScaRequired(err)
	if !ok {
		return fmt.Errorf("%s: expected an SCA demand, got %v", what, err)
	}
	t.p.got("*mangopay.ScaRequiredError: the link came in the %s, valid until %s",
		map[mangopay.ScaSource]string{mangopay.ScaSourceHeader: "WWW-Authenticate header of a 401", mangopay.ScaSourceBody: "body (PendingUserAction.RedirectUrl)"}[sca.Source],
		sca.ExpiresAt.UTC().Format("15:04:05 MST"))
	link, err := sca.RedirectURLWithReturn(t.b.returnURL+"?"+returnQuery.Encode(), mangopay.WithLang("en"))
	if err != nil {
		return err
	}
	t.p.redirect(link)
	if err := t.b.approve(ctx, t.p, link); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	t.p.call(confirm.sdk, confirm.endpoint)
	return t.b.poll.wait(ctx, what, confirm.check)
}

func (t *tour) registerOwner(ctx context.Context, first, last, email string) (*owner, error) {
	t.next("Register %s %s as a natural OWNER", first, last)
	t.p.call("c.Users.CreateNatural", "POST /sca/users/natural  (UserCategory OWNER, ScaContext USER_PRESENT)")
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
	err = t.handleSca(ctx, err, url.Values{"user": {u.ID}}, first+"'s enrollment", confirmation{"c.Users.Get", "GET /sca/users/" + u.ID, func(ctx context.Context) (bool, error) {
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
	t.next("Create a EUR wallet for each owner (not SCA-gated)")
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

func (t *tour) credit(ctx context.Context, o *owner) error {
	amount := mangopay.Money{Currency: "EUR", Amount: creditAmount}
	t.next("Put %s in %s's wallet", amount, o.name)
	how, err := t.b.fund(ctx, o.walletID, creditAmount)
	if err != nil {
		return err
	}
	t.p.ok("%s", how)
	t.rows = append(t.rows, row{"Fund " + o.name + "'s wallet", "none", amount.String()})
	return nil
}

func (t *tour) readWallet(ctx context.Context, o *owner) error {
	t.next("Read %s's wallet with ScaContext USER_PRESENT", o.name)
	t.p.call("c.Wallets.Get", "GET /wallets/"+o.walletID+"?ScaContext=USER_PRESENT")
	_, err := t.c.Wallets.Get(ctx, o.walletID, mangopay.ScaUserPresent)
	if err == nil {
		t.p.got("read without SCA: %s accessed their wallets in the last 180 days", o.name)
		t.rows = append(t.rows, row{"Read " + o.name + "'s wallet", "exempt (180 days)", "read"})
		return nil
	}
	var w *mangopay.Wallet
	err = t.handleSca(ctx, err, url.Values{"wallets": {o.id}}, "wallet access", confirmation{"c.Wallets.Get", "GET /wallets/" + o.walletID + "?ScaContext=USER_PRESENT  (again)", func(ctx context.Context) (bool, error) {
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
	t.next("Read %s's wallets and transactions again", o.name)
	t.p.call("c.Wallets.ListByUser", "GET /users/"+o.id+"/wallets?ScaContext=USER_PRESENT")
	ws, err := t.c.Wallets.ListByUser(ctx, o.id, mangopay.ScaUserPresent, nil)
	if err != nil {
		return fmt.Errorf("listing %s's wallets: %w", o.name, err)
	}
	t.p.got("%d wallet(s), no SCA: a wallet-access SCA succeeded less than 180 days ago", len(ws.Items))
	t.p.call("c.Transactions.ListByUser", "GET /users/"+o.id+"/transactions?ScaContext=USER_PRESENT")
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

func (t *tour) transfer(ctx context.Context, from, to *owner, amount int64) error {
	funds := mangopay.Money{Currency: "EUR", Amount: amount}
	t.next("Transfer %s from %s to %s (ScaContext USER_PRESENT)", funds, from.name, to.name)
	if err := t.ensureFunds(ctx, from, amount); err != nil {
		return err
	}
	t.p.call("c.Transfers.Create", "POST /transfers")
	tr, err := t.c.Transfers.Create(ctx, &mangopay.CreateTransferRequest{
		AuthorID:         from.id,
		DebitedFunds:     funds,
		Fees:             mangopay.Money{Currency: "EUR"},
		DebitedWalletID:  from.walletID,
		CreditedWalletID: to.walletID,
		ScaContext:       mangopay.ScaUserPresent,
	})
	if tr == nil {
		return fmt.Errorf("transferring %s: %w", funds, err)
	}
	t.p.got("transfer %s, Status %s", tr.ID, tr.Status)
	label := fmt.Sprintf("Transfer %s", funds)
	if err == nil {
		t.p.say("no SCA: %s", exemption(amount))
		t.rows = append(t.rows, row{label, "exempt", string(tr.Status)})
		return nil
	}
	err = t.handleSca(ctx, err, url.Values{"transfer": {tr.ID}}, "transfer "+tr.ID, confirmation{"c.Transfers.Get", "GET /transfers/" + tr.ID, func(ctx context.Context) (bool, error) {
		got, err := t.c.Transfers.Get(ctx, tr.ID)
		if stillWaiting(err) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		tr = got
		return tr.Status != mangopay.TransferStatusCreated, nil
	}})
	if err != nil {
		return err
	}
	t.p.got("Status %s, ResultCode %s", tr.Status, tr.ResultCode)
	result := string(tr.Status)
	if t.awaitWebhook(ctx, mangopay.EventTransferNormalSucceeded, tr.ID) {
		result += ", webhook received"
	}
	t.rows = append(t.rows, row{label, "required: approved", result})
	if tr.Status != mangopay.TransferStatusSucceeded {
		return fmt.Errorf("transfer %s is %s (%s)", tr.ID, tr.Status, tr.ResultMessage)
	}
	return nil
}

// exemption says why Mangopay's sandbox let a transfer of amount (euro
// cents) between two OWNERs through without SCA.
func exemption(amount int64) string {
	eur := func(a int64) mangopay.Money { return mangopay.Money{Currency: "EUR", Amount: a} }
	if amount < mangopaytest.LowValueLimit {
		return fmt.Sprintf("under %s the low-value exemption applies (at most %d in a row, or %s in total, since the user's last SCA)",
			eur(mangopaytest.LowValueLimit), mangopaytest.LowValueMaxCount, eur(mangopaytest.LowValueMaxTotal))
	}
	return fmt.Sprintf("below %s the sandbox applies its risk-analysis exemption", eur(mangopaytest.ScaThreshold))
}

// ensureFunds waits until the wallet holds amount (in sandbox mode a person
// makes the pay-in; the emulator credited it already).
func (t *tour) ensureFunds(ctx context.Context, o *owner, amount int64) error {
	return t.b.poll.wait(ctx, "the funds in "+o.walletID, func(ctx context.Context) (bool, error) {
		w, err := t.c.Wallets.Get(ctx, o.walletID, mangopay.ScaUserPresent)
		if err != nil {
			return false, err
		}
		return w.Balance.Amount >= amount, nil
	})
}

func (t *tour) payoutRecipient(ctx context.Context, o *owner) error {
	t.next("Register a payout recipient (bank account) for %s", o.name)
	t.p.call("c.Recipients.Create", "POST /users/"+o.id+"/recipients  (RecipientScope PAYOUT)")
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
		return nil
	}
	err = t.handleSca(ctx, err, url.Values{"recipient": {rec.ID}}, "recipient "+rec.ID, confirmation{"c.Recipients.Get", "GET /recipients/" + rec.ID, func(ctx context.Context) (bool, error) {
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
	return nil
}

// history lists every transaction of o with the lazy iterator, still
// without SCA.
func (t *tour) history(ctx context.Context, o *owner) error {
	t.next("List %s's transactions (c.Transactions.AllByUser: pages fetched lazily)", o.name)
	t.p.call("c.Transactions.AllByUser", "GET /users/"+o.id+"/transactions?ScaContext=USER_PRESENT&page=1&per_page=100")
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
				t.p.ok("webhook %s for %s received (parsed and confirmed by GET in NewWebhookHandler)", ev.Type, ev.ResourceID)
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
