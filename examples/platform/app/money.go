package app

import (
	"net/http"
	"regexp"

	"github.com/scaforge/mangopay"
)

// The money cycle: a card pay-in on Mangopay's hosted payment page fills
// the wallet, transfers pay other members (and can be refunded), and a
// payout withdraws to the member's ACTIVE recipient. Each answer is recorded
// at once and completed by the webhooks (confirmed by GET, see onEvent), in
// whatever order they come.

// keyRE is the shape of the requestKey every money form carries.
var keyRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// requestKey returns the options that make the form's POST to Mangopay
// idempotent: the form's request field is the Idempotency-Key, so the same
// form sent twice (a double click, the back button) gives Mangopay's first
// answer again (the SDK recovers it through GET /responses/{key}) instead of
// paying twice. ok is false for a malformed key; a form without one (a
// script) gets the SDK's own key, still reused on every retry.
func requestKey(r *http.Request) (opts []mangopay.RequestOption, ok bool) {
	k := r.PostFormValue("request")
	switch {
	case k == "":
		return nil, true
	case !keyRE.MatchString(k):
		return nil, false
	}
	return []mangopay.RequestOption{mangopay.WithIdempotencyKey(k)}, true
}

// signedIn returns the signed-in member, or sends the browser to the home
// page and returns nil.
func (a *App) signedIn(w http.ResponseWriter, r *http.Request) *member {
	m := a.currentMember(r)
	if m == nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
	}
	return m
}

// moneyForm reads a money form: its amount in euros and its Idempotency-Key
// (requestKey). On a problem it sends the member back to anchor with
// "<refused>: <why>." and reports false.
func (a *App) moneyForm(w http.ResponseWriter, r *http.Request, m *member, anchor, refused string) (mangopay.Money, []mangopay.RequestOption, bool) {
	amount, err := parseEuros(r.PostFormValue("amount"))
	if err != nil {
		a.back(w, r, m, anchor, "error", "%s: %s.", refused, err)
		return mangopay.Money{}, nil, false
	}
	opts, ok := requestKey(r)
	if !ok {
		a.back(w, r, m, anchor, "error", "%s: the form is out of date, try again.", refused)
		return mangopay.Money{}, nil, false
	}
	return mangopay.Money{Currency: "EUR", Amount: amount}, opts, true
}

// byID returns the record of list with the Mangopay id id, or nil. The
// caller holds a.mu.
func byID[R interface{ recordID() string }](list []R, id string) R {
	for _, x := range list {
		if x.recordID() == id {
			return x
		}
	}
	var none R
	return none
}

func (p *payInRecord) recordID() string     { return p.ID }
func (t *transferRecord) recordID() string  { return t.ID }
func (r *recipientRecord) recordID() string { return r.ID }
func (p *payoutRecord) recordID() string    { return p.ID }
func (r *refundRecord) recordID() string    { return r.ID }

// back sends the browser to a part of the dashboard with a flash message.
func (a *App) back(w http.ResponseWriter, r *http.Request, m *member, anchor, kind, format string, args ...any) {
	a.setFlash(m, kind, format, args...)
	http.Redirect(w, r, "/dashboard#"+anchor, http.StatusSeeOther)
}

// ---- pay-ins ----

type payInRecord struct {
	ID            string
	Amount        mangopay.Money
	Status        mangopay.PayInStatus
	ResultCode    string
	ResultMessage string
}

// createPayIn adds money to the member's wallet with a card: POST
// /payins/card/web. Mangopay answers a CREATED pay-in and the link of its
// hosted payment page (a *PaymentRedirectError): the pay-in is recorded,
// then the browser goes to the page, where the member types the card (never
// on this platform's pages: card data does not touch its server) and, when
// the issuer asks, passes 3-D Secure. The page returns to /payin/return.
func (a *App) createPayIn(w http.ResponseWriter, r *http.Request) {
	m := a.signedIn(w, r)
	if m == nil {
		return
	}
	funds, opts, ok := a.moneyForm(w, r, m, "payins", "Card payment not started")
	if !ok {
		return
	}
	p, err := a.api.PayIns.CreateCardWeb(r.Context(), &mangopay.CreateCardWebPayInRequest{
		AuthorID:         m.ID,
		CreditedWalletID: m.WalletID,
		DebitedFunds:     funds,
		Fees:             mangopay.Money{Currency: "EUR"},
		// Mangopay appends transactionId; the return handler checks it is
		// one of this member's pay-ins before anything else.
		ReturnURL: a.base.String() + pathPayInReturn,
		Culture:   "EN",
		CardType:  mangopay.CardTypeCBVisaMastercard,
		Tag:       "marketplace top-up",
	}, opts...)
	if p == nil {
		a.log.Error("creating a pay-in", "user", m.ID, "error", err)
		a.back(w, r, m, "payins", "error", "Card payment not started: %s.", describe(err))
		return
	}
	if a.recordPayIn(p) != m {
		// Not the pay-in asked for (another author or wallet): never follow its link.
		a.fail(w, r, http.StatusBadGateway, "Mangopay's answer could not be used", errForeign("pay-in", p.ID))
		return
	}
	if rd, ok := mangopay.AsRedirect(err); ok {
		to, lerr := rd.RedirectURLWithReturn("")
		if lerr != nil {
			a.fail(w, r, http.StatusBadGateway, "Could not use the payment page's link", lerr)
			return
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	if err != nil { // e.g. ErrUntrustedRedirect: never follow that link
		a.fail(w, r, http.StatusBadGateway, "Mangopay's answer could not be used", err)
		return
	}
	// No page to visit: Mangopay settled it at once (refused, most likely).
	a.payInFlash(m, p, "Mangopay answered at once")
	http.Redirect(w, r, "/dashboard#payins", http.StatusSeeOther)
}

// payInReturn is where the hosted payment page sends the member back, with
// transactionId appended, whatever happened there. The address is public
// and anyone can forge it: only a pay-in this member made is looked at, its
// outcome comes from GET /payins/{id}, and nothing else changes.
func (a *App) payInReturn(w http.ResponseWriter, r *http.Request) {
	m := a.signedIn(w, r)
	if m == nil {
		return
	}
	id := r.URL.Query().Get("transactionId")
	if id == "" {
		http.Error(w, "missing transactionId", http.StatusBadRequest)
		return
	}
	if a.findPayIn(m, id) == nil {
		http.NotFound(w, r)
		return
	}
	p, err := a.api.PayIns.Get(r.Context(), id)
	if err != nil {
		a.fail(w, r, http.StatusBadGateway, "Could not confirm the card payment", err)
		return
	}
	if a.recordPayIn(p) != m {
		a.fail(w, r, http.StatusBadGateway, "Could not confirm the card payment", errForeign("pay-in", id))
		return
	}
	a.payInFlash(m, p, "confirmed with Mangopay")
	http.Redirect(w, r, "/dashboard#payins", http.StatusSeeOther)
}

func (a *App) payInFlash(m *member, p *mangopay.PayIn, how string) {
	switch p.Status {
	case mangopay.PayInStatusSucceeded:
		a.setFlash(m, "ok", "Card payment of %s SUCCEEDED: %s is on your wallet (%s).", p.DebitedFunds, p.CreditedFunds, how)
	case mangopay.PayInStatusFailed:
		a.setFlash(m, "error", "Card payment of %s FAILED: %s %s (%s).", p.DebitedFunds, p.ResultCode, p.ResultMessage, how)
	default:
		a.setFlash(m, "error", "Card payment of %s is still %s: nothing is credited until Mangopay confirms it.", p.DebitedFunds, p.Status)
	}
}

func (a *App) findPayIn(m *member, id string) *payInRecord {
	a.mu.Lock()
	defer a.mu.Unlock()
	return byID(m.PayIns, id)
}

// recordPayIn records p for its author, or updates the record of the same
// id, and returns the member: nil when p is not a pay-in of a member into
// their own wallet.
func (a *App) recordPayIn(p *mangopay.PayIn) *member {
	a.mu.Lock()
	defer a.mu.Unlock()
	owner := a.members[p.AuthorID]
	if owner == nil || p.ID == "" || p.CreditedWalletID != owner.WalletID {
		return nil
	}
	rec := byID(owner.PayIns, p.ID)
	if rec == nil {
		rec = &payInRecord{ID: p.ID, Amount: p.DebitedFunds, Status: mangopay.PayInStatusCreated}
		owner.PayIns = append(owner.PayIns, rec)
	}
	if p.Status != mangopay.PayInStatusCreated || rec.Status == mangopay.PayInStatusCreated {
		rec.Status, rec.ResultCode, rec.ResultMessage = p.Status, p.ResultCode, p.ResultMessage
	}
	return owner
}

// ---- payouts ----

type payoutRecord struct {
	ID, RecipientID, To string
	Amount              mangopay.Money
	Status              mangopay.PayoutStatus
	Mode                mangopay.PayoutMode
	ResultCode          string
	ResultMessage       string
}

// createPayout withdraws money to one of the member's ACTIVE recipients:
// POST /payouts/bankwire with RecipientId. A payout needs no SCA (the
// recipient was authenticated when it was registered). It is asked as an
// instant payment, which Mangopay sends as a standard one when the bank
// cannot take it; the wallet is debited at once and the outcome comes with
// the PAYOUT_NORMAL_SUCCEEDED or _FAILED webhook.
func (a *App) createPayout(w http.ResponseWriter, r *http.Request) {
	m := a.signedIn(w, r)
	if m == nil {
		return
	}
	a.mu.Lock()
	var to *recipientRecord
	active := 0
	for _, x := range m.Recipients {
		if x.Status == mangopay.RecipientStatusActive {
			active++
			if x.ID == r.PostFormValue("recipient") {
				to = x
			}
		}
	}
	var toName string
	if to != nil {
		toName = to.DisplayName
	}
	a.mu.Unlock()
	if active == 0 {
		a.back(w, r, m, "payouts", "error", "Withdrawal not sent: you have no ACTIVE payout bank account. Add one and confirm it on Mangopay's page first.")
		return
	}
	if to == nil {
		a.back(w, r, m, "payouts", "error", "Withdrawal not sent: choose one of your ACTIVE payout bank accounts.")
		return
	}
	funds, opts, ok := a.moneyForm(w, r, m, "payouts", "Withdrawal not sent")
	if !ok {
		return
	}
	po, err := a.api.Payouts.Create(r.Context(), &mangopay.CreatePayoutRequest{
		AuthorID:            m.ID,
		DebitedWalletID:     m.WalletID,
		DebitedFunds:        funds,
		Fees:                mangopay.Money{Currency: "EUR"},
		RecipientID:         to.ID,
		BankWireRef:         "ACME PAYOUT",
		PayoutModeRequested: mangopay.PayoutModeInstant,
		Tag:                 "marketplace withdrawal",
	}, opts...)
	if po == nil {
		a.log.Error("creating a payout", "user", m.ID, "error", err)
		a.back(w, r, m, "payouts", "error", "Withdrawal not sent: %s.", describe(err))
		return
	}
	if a.recordPayout(po) != m {
		a.fail(w, r, http.StatusBadGateway, "Mangopay's answer could not be used", errForeign("payout", po.ID))
		return
	}
	switch po.Status {
	case mangopay.PayoutStatusFailed:
		a.back(w, r, m, "payouts", "error", "Withdrawal of %s FAILED: %s %s%s.", funds, po.ResultCode, po.ResultMessage, payoutHint(po.ResultCode))
	case mangopay.PayoutStatusSucceeded:
		a.back(w, r, m, "payouts", "ok", "Withdrawal of %s to %s SUCCEEDED.", funds, toName)
	default:
		a.back(w, r, m, "payouts", "ok", "Withdrawal of %s to %s is %s: the money has left your wallet and the bank wire is on its way; this page shows SUCCEEDED when Mangopay confirms it.", funds, toName, po.Status)
	}
}

// payoutHint says what a member can do about a payout refusal.
func payoutHint(code string) string {
	switch code {
	case mangopay.ResultCodeKYCLimit, mangopay.ResultCodeKYCLimitDebitedUser, mangopay.ResultCodeKYCLimitRecipientOwner:
		return " (verify your identity with Mangopay to withdraw more)"
	case mangopay.ResultCodeInsufficientBalance, mangopay.ResultCodePayoutInsufficientBalance:
		return " (your wallet holds less than that)"
	case mangopay.ResultCodePayoutRecipientNotActive:
		return " (the bank account is no longer ACTIVE)"
	}
	return ""
}

// recordPayout records po for its author, or updates the record of the same
// id, and returns the member: nil when po is not a payout of a member's own
// wallet.
func (a *App) recordPayout(po *mangopay.Payout) *member {
	a.mu.Lock()
	defer a.mu.Unlock()
	owner := a.members[po.AuthorID]
	if owner == nil || po.ID == "" || po.DebitedWalletID != owner.WalletID {
		return nil
	}
	rec := byID(owner.Payouts, po.ID)
	if rec == nil {
		rec = &payoutRecord{ID: po.ID, RecipientID: po.RecipientID, Amount: po.DebitedFunds, Status: mangopay.PayoutStatusCreated}
		for _, x := range owner.Recipients {
			if x.ID == po.RecipientID {
				rec.To = x.DisplayName
			}
		}
		owner.Payouts = append(owner.Payouts, rec)
	}
	if po.ModeApplied != "" {
		rec.Mode = po.ModeApplied
	}
	if po.Status != mangopay.PayoutStatusCreated || rec.Status == mangopay.PayoutStatusCreated {
		rec.Status, rec.ResultCode, rec.ResultMessage = po.Status, po.ResultCode, po.ResultMessage
	}
	return owner
}

// ---- refunds ----

type refundRecord struct {
	ID, TransferID string
	Amount         mangopay.Money
	Status         mangopay.RefundStatus
	ResultCode     string
	ResultMessage  string
}

// refundTransfer gives a SUCCEEDED transfer back in full (an order
// cancelled): POST /transfers/{id}/refunds. The money goes from the payee's
// wallet back to the member's; only the transfer's author can refund it
// here, and only a transfer this platform recorded for them.
func (a *App) refundTransfer(w http.ResponseWriter, r *http.Request) {
	m := a.signedIn(w, r)
	if m == nil {
		return
	}
	id := r.PathValue("id")
	t := a.findTransfer(m, id)
	if t == nil {
		http.NotFound(w, r)
		return
	}
	a.mu.Lock()
	status, done := t.Status, refundedLocked(m, id)
	a.mu.Unlock()
	if status != mangopay.TransferStatusSucceeded || done {
		a.back(w, r, m, "transfers", "error", "Not refunded: only a SUCCEEDED transfer that was not refunded yet can be (this one is %s%s).", status, map[bool]string{true: ", refunded"}[done])
		return
	}
	opts, ok := requestKey(r)
	if !ok {
		a.back(w, r, m, "transfers", "error", "Not refunded: the form is out of date, try again.")
		return
	}
	rf, err := a.api.Refunds.CreateForTransfer(r.Context(), id, &mangopay.CreateRefundRequest{AuthorID: m.ID, Tag: "order cancelled"}, opts...)
	if rf == nil {
		a.log.Error("refunding a transfer", "user", m.ID, "transfer", id, "error", err)
		a.back(w, r, m, "transfers", "error", "Not refunded: %s.", describe(err))
		return
	}
	if a.recordRefund(rf) != m {
		a.fail(w, r, http.StatusBadGateway, "Mangopay's answer could not be used", errForeign("refund", rf.ID))
		return
	}
	if rf.Status == mangopay.RefundStatusFailed {
		a.back(w, r, m, "transfers", "error", "Refund of the transfer FAILED: %s %s.", rf.ResultCode, rf.ResultMessage)
		return
	}
	a.back(w, r, m, "transfers", "ok", "Refund of %s: %s.", rf.DebitedFunds, rf.Status)
}

// refundedLocked reports whether a refund of transfer id succeeded or is
// under way. a.mu is held.
func refundedLocked(m *member, id string) bool {
	for _, x := range m.Refunds {
		if x.TransferID == id && x.Status != mangopay.RefundStatusFailed {
			return true
		}
	}
	return false
}

// recordRefund records a transfer refund for the author of the transfer,
// or updates the record of the same id, and returns the member: nil when rf
// is not the refund of a member's transfer back to their own wallet.
func (a *App) recordRefund(rf *mangopay.Refund) *member {
	a.mu.Lock()
	defer a.mu.Unlock()
	owner := a.members[rf.AuthorID]
	if owner == nil || rf.ID == "" || rf.InitialTransactionType != mangopay.TransactionTypeTransfer || rf.CreditedWalletID != owner.WalletID {
		return nil
	}
	rec := byID(owner.Refunds, rf.ID)
	if rec == nil {
		rec = &refundRecord{ID: rf.ID, TransferID: rf.InitialTransactionID, Amount: rf.DebitedFunds, Status: mangopay.RefundStatusCreated}
		owner.Refunds = append(owner.Refunds, rec)
	}
	if rf.Status != mangopay.RefundStatusCreated || rec.Status == mangopay.RefundStatusCreated {
		rec.Status, rec.ResultCode, rec.ResultMessage = rf.Status, rf.ResultCode, rf.ResultMessage
	}
	return owner
}

// foreignError: Mangopay's answer names a resource that is not the one the
// member asked for (another author or wallet).
type foreignError struct{ kind, id string }

func (e foreignError) Error() string {
	return "the " + e.kind + " " + e.id + " in the answer is not the member's"
}

func errForeign(kind, id string) error { return foreignError{kind, id} }
