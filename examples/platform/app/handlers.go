package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/scaforge/mangopay"
)

// scaThreshold is the amount (euro cents) from which Mangopay's sandbox
// asks for SCA on a transfer between two OWNERs; shown on the form.
const scaThreshold = 50001

// home shows the sign-up form, or sends a signed-in member to the dashboard.
func (a *App) home(w http.ResponseWriter, r *http.Request) {
	if a.currentMember(r) != nil {
		http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
		return
	}
	tok, err := a.signedOutToken(w, r)
	if err != nil {
		a.fail(w, r, http.StatusInternalServerError, "Could not prepare the form", err)
		return
	}
	a.render(w, http.StatusOK, "signup", pageData{Title: "Join the marketplace", CSRF: tok})
}

// signup registers a natural OWNER with Mangopay (POST /sca/users/natural)
// and a EUR wallet, then sends the browser to the hosted SCA page to enroll.
func (a *App) signup(w http.ResponseWriter, r *http.Request) {
	form := map[string]string{
		"first_name": strings.TrimSpace(r.PostFormValue("first_name")),
		"last_name":  strings.TrimSpace(r.PostFormValue("last_name")),
		"email":      strings.TrimSpace(r.PostFormValue("email")),
	}
	// guard checked the form's token: the page shown again keeps it.
	tok := r.PostFormValue(csrfField)
	if form["first_name"] == "" || form["last_name"] == "" || !strings.Contains(form["email"], "@") {
		a.render(w, http.StatusBadRequest, "signup", pageData{Title: "Join the marketplace", Form: form, CSRF: tok,
			Error: "Please give your first name, last name and email address."})
		return
	}
	ctx := r.Context()
	u, err := a.api.Users.CreateNatural(ctx, &mangopay.CreateNaturalUserRequest{
		UserCategory:               mangopay.UserCategoryOwner,
		TermsAndConditionsAccepted: mangopay.Ptr(true),
		FirstName:                  form["first_name"],
		LastName:                   form["last_name"],
		Email:                      form["email"],
		// A real platform asks for these; the demo fills them in.
		Birthday:           mangopay.NewDate(1990, time.August, 31),
		Nationality:        "FR",
		CountryOfResidence: "FR",
		PhoneNumber:        "+33611111111", // Mangopay's sandbox test number (code 702100)
		ScaContext:         mangopay.ScaUserPresent,
	})
	if u == nil { // no user at all: a refusal (nothing to redirect to)
		a.log.Error("creating a user", "error", err)
		a.render(w, http.StatusBadGateway, "signup", pageData{Title: "Join the marketplace", Form: form, CSRF: tok,
			Error: "Mangopay refused the registration: " + describe(err)})
		return
	}
	// The user exists (with or without an SCA demand): keep it before
	// anything else, then give it a wallet (not SCA-gated).
	m := &member{ID: u.ID, Name: u.FirstName + " " + u.LastName, Email: u.Email, Status: u.UserStatus}
	wallet, werr := a.api.Wallets.Create(ctx, &mangopay.CreateWalletRequest{
		Owners: []string{u.ID}, Description: "Marketplace wallet of " + m.Name, Currency: "EUR",
	})
	if werr != nil {
		a.fail(w, r, http.StatusBadGateway, "Could not create your wallet", werr)
		return
	}
	m.WalletID = wallet.ID
	a.mu.Lock()
	a.members[m.ID] = m
	a.order = append(a.order, m.ID)
	a.mu.Unlock()
	if serr := a.startSession(w, m.ID); serr != nil {
		a.fail(w, r, http.StatusInternalServerError, "Could not start your session", serr)
		return
	}
	if a.redirectForSca(w, r, err, "user", u.ID) {
		return
	}
	if err != nil { // e.g. ErrUntrustedRedirect: never follow that link
		a.fail(w, r, http.StatusBadGateway, "Mangopay's answer could not be used", err)
		return
	}
	a.setFlash(m, "ok", "Welcome %s: your account is %s.", u.FirstName, u.UserStatus)
	http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
}

func (a *App) signout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionName); err == nil {
		a.mu.Lock()
		delete(a.sessions, c.Value)
		a.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: sessionName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// memberView is a consistent copy of a member for a template.
type memberView struct {
	ID, Name, Email string
	Status          mangopay.UserStatus
	WalletID        string
	WalletsOpen     bool
	Transfers       []transferRecord
	Recipients      []recipientRecord
	PayIns          []payInRecord
	Payouts         []payoutRecord
	Refunds         []refundRecord
	Events          []eventRecord
	// Lost are the money requests whose answer was lost, by form ("payin",
	// "payout", "transfer", "refund:<transfer id>"): the dashboard shows
	// their form with the same key and the same amount and recipient,
	// locked, until the answer is known.
	Lost map[string]*pendingRequest
}

// dashboardData is the dashboard's own data.
type dashboardData struct {
	Wallets      []mangopay.Wallet
	Transactions []mangopay.Transaction
	WalletError  string
	Payees       []payee
	Threshold    mangopay.Money
	// Active are the member's ACTIVE recipients, those a withdrawal can pay.
	Active []recipientRecord
	// TestCards are the emulator's cards for the hosted payment page.
	TestCards []TestCard
}

type payee struct{ ID, Name string }

// view copies m under the lock, newest records first; it also takes the
// flash message, which is shown once.
func (a *App) view(m *member) (*memberView, *flash) {
	a.mu.Lock()
	defer a.mu.Unlock()
	v := &memberView{ID: m.ID, Name: m.Name, Email: m.Email, Status: m.Status, WalletID: m.WalletID, WalletsOpen: m.WalletsOpen}
	for form, p := range m.Pending {
		if p.Lost {
			if v.Lost == nil {
				v.Lost = map[string]*pendingRequest{}
			}
			c := *p
			v.Lost[form] = &c
		}
	}
	for i := len(m.Transfers) - 1; i >= 0; i-- {
		t := *m.Transfers[i]
		// A refund whose answer was lost keeps its form, to be sent again.
		t.Refundable = t.Status == mangopay.TransferStatusSucceeded && !refundedLocked(m, t.ID) || v.Lost["refund:"+t.ID] != nil
		v.Transfers = append(v.Transfers, t)
	}
	for i := len(m.Recipients) - 1; i >= 0; i-- {
		v.Recipients = append(v.Recipients, *m.Recipients[i])
	}
	for i := len(m.PayIns) - 1; i >= 0; i-- {
		v.PayIns = append(v.PayIns, *m.PayIns[i])
	}
	for i := len(m.Payouts) - 1; i >= 0; i-- {
		v.Payouts = append(v.Payouts, *m.Payouts[i])
	}
	for i := len(m.Refunds) - 1; i >= 0; i-- {
		v.Refunds = append(v.Refunds, *m.Refunds[i])
	}
	for i := len(m.Events) - 1; i >= 0; i-- {
		v.Events = append(v.Events, m.Events[i])
	}
	f := m.Flash
	m.Flash = nil
	return v, f
}

// dashboard shows the account (refreshed with GET /sca/users/{id}), the
// wallets and transactions once opened (read with USER_PRESENT), the
// transfer and recipient forms and what the webhooks said.
func (a *App) dashboard(w http.ResponseWriter, r *http.Request) {
	m := a.signedIn(w, r)
	if m == nil {
		return
	}
	ctx := r.Context()
	if u, err := a.api.Users.Get(ctx, m.ID); err == nil {
		a.mu.Lock()
		m.Status = u.UserStatus
		a.mu.Unlock()
	} else {
		a.log.Warn("refreshing the user", "user", m.ID, "error", err)
	}

	d := dashboardData{Threshold: mangopay.Money{Currency: "EUR", Amount: scaThreshold}, TestCards: a.cards}
	a.mu.Lock()
	open := m.WalletsOpen
	for _, id := range a.order {
		if o := a.members[id]; id != m.ID && o.WalletID != "" && o.Status == mangopay.UserStatusActive {
			d.Payees = append(d.Payees, payee{ID: o.ID, Name: o.Name})
		}
	}
	a.mu.Unlock()
	if open {
		ws, txs, err := a.readWallets(ctx, m.ID)
		switch {
		case errors.Is(err, mangopay.ErrScaRequired):
			// The 180 days are over (or access was revoked): ask again.
			a.mu.Lock()
			m.WalletsOpen = false
			a.mu.Unlock()
		case err != nil:
			a.log.Error("reading wallets", "user", m.ID, "error", err)
			d.WalletError = describe(err)
		default:
			d.Wallets, d.Transactions = ws, txs
		}
	}
	v, f := a.view(m)
	for _, rec := range v.Recipients {
		if rec.Status == mangopay.RecipientStatusActive {
			d.Active = append(d.Active, rec)
		}
	}
	a.render(w, http.StatusOK, "dashboard", pageData{Title: "Dashboard", Member: v, Flash: f, Data: d, CSRF: a.sessionToken(r)})
}

// readWallets reads a member's wallets and latest transactions with
// ScaContext USER_PRESENT: the member is at the screen and can be
// redirected. Either read may answer with a *ScaRequiredError.
func (a *App) readWallets(ctx context.Context, userID string) ([]mangopay.Wallet, []mangopay.Transaction, error) {
	ws, err := a.api.Wallets.ListByUser(ctx, userID, mangopay.ScaUserPresent, nil)
	if err != nil {
		return nil, nil, err
	}
	txs, err := a.api.Transactions.ListByUser(ctx, userID, mangopay.ScaUserPresent, &mangopay.TransactionListOptions{
		ListOptions: mangopay.ListOptions{PerPage: 20, Sort: mangopay.SortCreationDateDesc},
	})
	if err != nil {
		return nil, nil, err
	}
	return ws.Items, txs.Items, nil
}

// openWallets reads the wallets with USER_PRESENT: when Mangopay asks for
// SCA (a 401 with WWW-Authenticate), the browser goes to the hosted page.
func (a *App) openWallets(w http.ResponseWriter, r *http.Request) {
	m := a.signedIn(w, r)
	if m == nil {
		return
	}
	_, _, err := a.readWallets(r.Context(), m.ID)
	if a.redirectForSca(w, r, err, "wallets", "") {
		return
	}
	if err != nil {
		a.setFlash(m, "error", "Could not read your wallets: %s", describe(err))
	} else {
		a.mu.Lock()
		m.WalletsOpen = true
		a.mu.Unlock()
	}
	http.Redirect(w, r, "/dashboard#wallets", http.StatusSeeOther)
}

var amountRE = regexp.MustCompile(`^([0-9]{1,9})(?:[.,]([0-9]{1,2}))?$`)

// parseEuros reads "600", "600.5" or "600,50" as euro cents.
func parseEuros(s string) (int64, error) {
	m := amountRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, fmt.Errorf("%q is not an amount in euros, such as 600.00", s)
	}
	whole, _ := strconv.ParseInt(m[1], 10, 64)
	cents := int64(0)
	if m[2] != "" {
		frac := m[2]
		if len(frac) == 1 {
			frac += "0"
		}
		cents, _ = strconv.ParseInt(frac, 10, 64)
	}
	total := whole*100 + cents
	if total <= 0 {
		return 0, errors.New("the amount must be more than zero")
	}
	return total, nil
}

// createTransfer sends money to another member: POST /transfers with
// USER_PRESENT. Above the threshold Mangopay answers with a CREATED
// transfer and an SCA link: the transfer is recorded, then the browser goes
// to the hosted page.
func (a *App) createTransfer(w http.ResponseWriter, r *http.Request) {
	m := a.signedIn(w, r)
	if m == nil {
		return
	}
	const refused = "Transfer not sent"
	req := a.claim(w, r, m, "transfer", "transfers", refused, r.PostFormValue("amount"), r.PostFormValue("to"), func() *pendingRequest {
		funds, key, ok := a.moneyForm(w, r, m, "transfers", refused)
		if !ok {
			return nil
		}
		a.mu.Lock()
		to := a.members[r.PostFormValue("to")]
		var toName, toWallet string
		if to != nil && to != m {
			toName, toWallet = to.Name, to.WalletID
		}
		a.mu.Unlock()
		if toWallet == "" {
			a.back(w, r, m, "transfers", "error", "%s: choose who to pay.", refused)
			return nil
		}
		return &pendingRequest{Key: key, Amount: funds, To: to.ID, ToName: toName, What: "transfer of " + funds.String() + " to " + toName,
			req: &mangopay.CreateTransferRequest{
				AuthorID:         m.ID,
				DebitedFunds:     funds,
				Fees:             mangopay.Money{Currency: "EUR"},
				DebitedWalletID:  m.WalletID,
				CreditedWalletID: toWallet,
				Tag:              "marketplace payment",
				ScaContext:       mangopay.ScaUserPresent,
			}}
	})
	if req == nil {
		return
	}
	funds, toName := req.Amount, req.ToName
	// The form's key makes a double click (or the form sent again after a
	// lost answer) one transfer: Mangopay answers the second POST 409 and
	// the SDK recovers the first.
	t, err := a.api.Transfers.Create(r.Context(), req.req.(*mangopay.CreateTransferRequest), mangopay.WithIdempotencyKey(req.Key))
	if a.settle(m, "transfer", req, t != nil, err) {
		http.Redirect(w, r, "/dashboard#transfers", http.StatusSeeOther)
		return
	}
	if t == nil {
		a.log.Error("creating a transfer", "user", m.ID, "error", err)
		a.back(w, r, m, "transfers", "error", "%s: %s.", refused, describe(err))
		return
	}
	// Record it, or complete the record its webhook made: an exempt transfer
	// succeeds during the call, and its TRANSFER_NORMAL_SUCCEEDED may reach
	// onEvent before this answer reaches us.
	_, sca := mangopay.AsScaRequired(err)
	a.recordTransfer(t, &sca)
	if a.redirectForSca(w, r, err, "transfer", t.ID) {
		return
	}
	if err != nil {
		a.fail(w, r, http.StatusBadGateway, "Mangopay's answer could not be used", err)
		return
	}
	a.back(w, r, m, "transfers", "ok", "Transfer of %s to %s: %s, without authentication (exempt).", funds, toName, t.Status)
}

var ibanRE = regexp.MustCompile(`^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$`)

// createRecipient registers a payout bank account (POST
// /users/{id}/recipients, scope PAYOUT): Mangopay answers PENDING with an
// SCA link, always.
func (a *App) createRecipient(w http.ResponseWriter, r *http.Request) {
	m := a.signedIn(w, r)
	if m == nil {
		return
	}
	a.mu.Lock()
	first, last, _ := strings.Cut(m.Name, " ")
	a.mu.Unlock()
	name := strings.TrimSpace(r.PostFormValue("display_name"))
	iban := strings.ToUpper(strings.ReplaceAll(r.PostFormValue("iban"), " ", ""))
	if name == "" || !ibanRE.MatchString(iban) {
		a.back(w, r, m, "recipients", "error", "Recipient not registered: give a name and an IBAN such as DE75512108001245126199.")
		return
	}
	rec, err := a.api.Recipients.Create(r.Context(), m.ID, &mangopay.CreateRecipientRequest{
		DisplayName:      name,
		PayoutMethodType: mangopay.PayoutMethodLocalBankTransfer,
		RecipientType:    mangopay.RecipientTypeIndividual,
		Currency:         "EUR",
		Country:          iban[:2],
		RecipientScope:   mangopay.RecipientScopePayout,
		IndividualRecipient: &mangopay.IndividualRecipient{
			FirstName: first, LastName: last,
			Address: &mangopay.Address{AddressLine1: "1 rue de la Paix", City: "Paris", PostalCode: "75002", Country: "FR"},
		},
		LocalBankTransfer: &mangopay.LocalBankTransfer{EUR: &mangopay.IBANAccount{IBAN: iban}},
		ScaContext:        mangopay.ScaUserPresent,
	})
	if rec == nil {
		a.log.Error("creating a recipient", "user", m.ID, "error", err)
		msg := describe(err)
		if fields := mangopay.RecipientErrors(err); len(fields) > 0 {
			msg = fmt.Sprint(fields)
		}
		a.back(w, r, m, "recipients", "error", "Recipient not registered: %s.", msg)
		return
	}
	// Record it (or complete the record its webhook made first).
	if rec.UserID == "" {
		rec.UserID = m.ID
	}
	a.recordRecipient(rec)
	a.mu.Lock()
	for _, x := range m.Recipients {
		if x.ID == rec.ID && x.IBAN == "" {
			x.IBAN = iban
		}
	}
	a.mu.Unlock()
	if a.redirectForSca(w, r, err, "recipient", rec.ID) {
		return
	}
	if err != nil {
		a.fail(w, r, http.StatusBadGateway, "Mangopay's answer could not be used", err)
		return
	}
	a.back(w, r, m, "recipients", "ok", "Recipient %s is %s.", rec.DisplayName, rec.Status)
}

// stillWaiting reports whether err only says that a resource still waits
// for its SCA session: a GET of a CREATED transfer or a PENDING recipient
// repeats the PendingUserAction, which the SDK returns (with the resource)
// as a *ScaRequiredError.
func stillWaiting(err error) bool {
	_, ok := mangopay.AsScaRequired(err)
	return ok
}

// scaReturn is the return URL of every SCA session. Mangopay appends
// controlStatus (VALIDATED or FAILED), which the browser carries and anyone
// could forge: it is shown as a hint, and the outcome is confirmed with a
// GET of the resource before the page says anything.
func (a *App) scaReturn(w http.ResponseWriter, r *http.Request) {
	m := a.signedIn(w, r)
	if m == nil {
		return
	}
	hint, herr := mangopay.ParseReturn(r)
	said := "Mangopay's page said " + string(hint)
	if herr != nil {
		said = "the return carried no usable controlStatus"
	}
	ctx := r.Context()
	q := r.URL.Query()
	id := q.Get("id")
	anchor := ""
	switch q.Get("what") {
	case "user":
		if id != m.ID {
			http.NotFound(w, r)
			return
		}
		u, err := a.api.Users.Get(ctx, id)
		if err != nil && !stillWaiting(err) {
			a.fail(w, r, http.StatusBadGateway, "Could not confirm your account", err)
			return
		}
		a.mu.Lock()
		m.Status = u.UserStatus
		a.mu.Unlock()
		if u.UserStatus == mangopay.UserStatusActive {
			a.setFlash(m, "ok", "Your account is ACTIVE (%s; confirmed with Mangopay).", said)
		} else {
			a.setFlash(m, "error", "Your account is %s: authentication did not complete (%s).", u.UserStatus, said)
		}
	case "wallets":
		anchor = "#wallets"
		_, _, err := a.readWallets(ctx, m.ID)
		switch {
		case err == nil:
			a.mu.Lock()
			m.WalletsOpen = true
			a.mu.Unlock()
			a.setFlash(m, "ok", "Wallet access confirmed for 180 days (%s).", said)
		case errors.Is(err, mangopay.ErrScaRequired):
			a.setFlash(m, "error", "Wallet access was not confirmed: Mangopay still asks for authentication (%s).", said)
		default:
			a.fail(w, r, http.StatusBadGateway, "Could not read your wallets", err)
			return
		}
	case "transfer":
		anchor = "#transfers"
		rec := a.findTransfer(m, id)
		if rec == nil {
			http.NotFound(w, r)
			return
		}
		t, err := a.api.Transfers.Get(ctx, id)
		if err != nil && !stillWaiting(err) {
			a.fail(w, r, http.StatusBadGateway, "Could not confirm the transfer", err)
			return
		}
		a.updateTransfer(rec, t)
		switch t.Status {
		case mangopay.TransferStatusSucceeded:
			a.setFlash(m, "ok", "Transfer of %s SUCCEEDED (%s; confirmed with Mangopay).", t.DebitedFunds, said)
		case mangopay.TransferStatusFailed:
			a.setFlash(m, "error", "Transfer of %s FAILED: %s %s (%s).", t.DebitedFunds, t.ResultCode, t.ResultMessage, said)
		default:
			a.setFlash(m, "error", "Transfer of %s is still %s (%s).", t.DebitedFunds, t.Status, said)
		}
	case "recipient":
		anchor = "#recipients"
		rec := a.findRecipient(m, id)
		if rec == nil {
			http.NotFound(w, r)
			return
		}
		got, err := a.api.Recipients.Get(ctx, id)
		if err != nil && !stillWaiting(err) {
			a.fail(w, r, http.StatusBadGateway, "Could not confirm the recipient", err)
			return
		}
		a.mu.Lock()
		rec.Status = got.Status
		a.mu.Unlock()
		kind := "ok"
		if got.Status != mangopay.RecipientStatusActive {
			kind = "error"
		}
		a.setFlash(m, kind, "Recipient %s is %s (%s; confirmed with Mangopay).", got.DisplayName, got.Status, said)
	default:
		http.Error(w, "unknown return", http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, "/dashboard"+anchor, http.StatusSeeOther)
}

func (a *App) findTransfer(m *member, id string) *transferRecord {
	a.mu.Lock()
	defer a.mu.Unlock()
	return byID(m.Transfers, id)
}

func (a *App) findRecipient(m *member, id string) *recipientRecord {
	a.mu.Lock()
	defer a.mu.Unlock()
	return byID(m.Recipients, id)
}

func (a *App) updateTransfer(rec *transferRecord, t *mangopay.Transfer) {
	a.mu.Lock()
	defer a.mu.Unlock()
	rec.Status, rec.ResultCode, rec.ResultMessage = t.Status, t.ResultCode, t.ResultMessage
}

// onEvent handles a webhook notification. Mangopay does not sign them, so
// the handler confirmed each one by fetching its resource
// (mangopay.WithConfirmation): ev.Resource is Mangopay's current state, and
// it is what the dashboard shows.
//
// The order of arrival does not matter: a transfer, recipient, pay-in,
// payout or refund of a member
// that the platform has not recorded yet (its webhook beat the Create
// answer, as an exempt transfer's TRANSFER_NORMAL_SUCCEEDED does) is
// recorded from the fetched resource, and Create's answer then completes
// that record instead of adding a second. Resources of no member are
// ignored: they are not this platform's. Each record keeps a final status
// (SUCCEEDED, FAILED, ACTIVE...) over an older CREATED or PENDING, so a late
// answer or a replayed notification never moves it back.
func (a *App) onEvent(_ context.Context, ev mangopay.Event) error {
	var (
		owner     *member
		confirmed string
	)
	switch r := ev.Resource.(type) {
	case *mangopay.User:
		a.mu.Lock()
		owner = a.members[r.ID]
		if owner != nil {
			owner.Status = r.UserStatus
		}
		a.mu.Unlock()
		confirmed = "user " + string(r.UserStatus)
	case *mangopay.Transfer:
		owner, _ = a.recordTransfer(r, nil)
		confirmed = "transfer " + string(r.Status)
	case *mangopay.Recipient:
		owner = a.recordRecipient(r)
		confirmed = "recipient " + string(r.Status)
	case *mangopay.PayIn:
		owner = a.recordPayIn(r)
		confirmed = "pay-in " + string(r.Status)
	case *mangopay.Payout:
		owner = a.recordPayout(r)
		confirmed = "payout " + string(r.Status)
	case *mangopay.Refund:
		owner = a.recordRefund(r)
		confirmed = "refund " + string(r.Status)
	}
	if owner == nil {
		return nil
	}
	a.mu.Lock()
	owner.Events = append(owner.Events, eventRecord{At: ev.Date, Type: ev.Type, ResourceID: ev.ResourceID, Confirmed: confirmed})
	a.mu.Unlock()
	return nil
}

// recordTransfer records t for its author, or updates the record of the
// same id, and returns both (nil when t's author is not a member). sca, when
// known (from Create's answer), says whether the transfer needed SCA. A
// final status (SUCCEEDED, FAILED) is never replaced by an older CREATED,
// whichever answer comes last.
func (a *App) recordTransfer(t *mangopay.Transfer, sca *bool) (*member, *transferRecord) {
	a.mu.Lock()
	defer a.mu.Unlock()
	owner := a.members[t.AuthorID]
	if owner == nil || t.ID == "" {
		return nil, nil
	}
	rec := byID(owner.Transfers, t.ID)
	if rec == nil {
		rec = &transferRecord{ID: t.ID, Amount: t.DebitedFunds, Status: mangopay.TransferStatusCreated}
		for _, o := range a.members {
			if o.WalletID != "" && o.WalletID == t.CreditedWalletID {
				rec.To = o.Name
			}
		}
		owner.Transfers = append(owner.Transfers, rec)
	}
	if sca != nil {
		rec.SCA = *sca
	}
	if t.Status != mangopay.TransferStatusCreated || rec.Status == mangopay.TransferStatusCreated {
		rec.Status, rec.ResultCode, rec.ResultMessage = t.Status, t.ResultCode, t.ResultMessage
	}
	return owner, rec
}

// recordRecipient records r for its user, or updates the record of the
// same id, and returns the member (nil when r's user is not a member).
func (a *App) recordRecipient(r *mangopay.Recipient) *member {
	a.mu.Lock()
	defer a.mu.Unlock()
	owner := a.members[r.UserID]
	if owner == nil || r.ID == "" {
		return nil
	}
	for _, x := range owner.Recipients {
		if x.ID == r.ID {
			if r.Status != mangopay.RecipientStatusPending || x.Status == mangopay.RecipientStatusPending {
				x.Status = r.Status // a final status is never replaced by an older PENDING
			}
			return owner
		}
	}
	rec := &recipientRecord{ID: r.ID, DisplayName: r.DisplayName, Status: r.Status}
	if l := r.LocalBankTransfer; l != nil && l.EUR != nil {
		rec.IBAN = l.EUR.IBAN
	}
	owner.Recipients = append(owner.Recipients, rec)
	return owner
}
