package app

import (
	"errors"
	"fmt"
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
// (formKey). On a problem it sends the member back to anchor with
// "<refused>: <why>." and reports false.
func (a *App) moneyForm(w http.ResponseWriter, r *http.Request, m *member, anchor, refused string) (mangopay.Money, string, bool) {
	amount, err := parseEuros(r.PostFormValue("amount"))
	if err != nil {
		a.back(w, r, m, anchor, "error", "%s: %s.", refused, err)
		return mangopay.Money{}, "", false
	}
	key, ok := formKey(r)
	if !ok {
		a.back(w, r, m, anchor, "error", "%s: the form is out of date, try again.", refused)
		return mangopay.Money{}, "", false
	}
	return mangopay.Money{Currency: "EUR", Amount: amount}, key, true
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
	const refused = "Card payment not started"
	req := a.claim(w, r, m, "payin", "payins", refused, r.PostFormValue("amount"), "", func() *pendingRequest {
		funds, key, ok := a.moneyForm(w, r, m, "payins", refused)
		if !ok {
			return nil
		}
		return &pendingRequest{Key: key, Amount: funds, What: "card payment of " + funds.String(), req: &mangopay.CreateCardWebPayInRequest{
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
		}}
	})
	if req == nil {
		return
	}
	// The form's key makes a double click (or the form sent again after a
	// lost answer) one pay-in: Mangopay answers 409 and the SDK recovers the
	// first answer, with the same payment page.
	p, err := a.api.PayIns.CreateCardWeb(r.Context(), req.req.(*mangopay.CreateCardWebPayInRequest), mangopay.WithIdempotencyKey(req.Key))
	if a.settle(m, "payin", req, p != nil, err) {
		http.Redirect(w, r, "/dashboard#payins", http.StatusSeeOther)
		return
	}
	if p == nil {
		a.log.Error("creating a pay-in", "user", m.ID, "error", err)
		a.back(w, r, m, "payins", "error", "%s: %s.", refused, describe(err))
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
	const refused = "Withdrawal not sent"
	req := a.claim(w, r, m, "payout", "payouts", refused, r.PostFormValue("amount"), r.PostFormValue("recipient"), func() *pendingRequest {
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
			a.back(w, r, m, "payouts", "error", "%s: you have no ACTIVE payout bank account. Add one and confirm it on Mangopay's page first.", refused)
			return nil
		}
		if to == nil {
			a.back(w, r, m, "payouts", "error", "%s: choose one of your ACTIVE payout bank accounts.", refused)
			return nil
		}
		funds, key, ok := a.moneyForm(w, r, m, "payouts", refused)
		if !ok {
			return nil
		}
		return &pendingRequest{Key: key, Amount: funds, To: to.ID, ToName: toName, What: "withdrawal of " + funds.String() + " to " + toName,
			req: &mangopay.CreatePayoutRequest{
				AuthorID:            m.ID,
				DebitedWalletID:     m.WalletID,
				DebitedFunds:        funds,
				Fees:                mangopay.Money{Currency: "EUR"},
				RecipientID:         to.ID,
				BankWireRef:         "ACME PAYOUT",
				PayoutModeRequested: mangopay.PayoutModeInstant,
				Tag:                 "marketplace withdrawal",
			}}
	})
	if req == nil {
		return
	}
	funds, toName := req.Amount, req.ToName
	po, err := a.api.Payouts.Create(r.Context(), req.req.(*mangopay.CreatePayoutRequest), mangopay.WithIdempotencyKey(req.Key))
	if a.settle(m, "payout", req, po != nil, err) {
		http.Redirect(w, r, "/dashboard#payouts", http.StatusSeeOther)
		return
	}
	if po == nil {
		a.log.Error("creating a payout", "user", m.ID, "error", err)
		a.back(w, r, m, "payouts", "error", "%s: %s.", refused, describe(err))
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
	// The slot of this transfer's refund form: a refund sent again after a
	// lost answer skips the checks below (its webhook may have recorded it
	// meanwhile), since sending it again only recovers it.
	const refused = "Not refunded"
	req := a.claim(w, r, m, "refund:"+id, "transfers", refused, "", "", func() *pendingRequest {
		a.mu.Lock()
		status, done, amount := t.Status, refundedLocked(m, id), t.Amount
		a.mu.Unlock()
		if status != mangopay.TransferStatusSucceeded || done {
			a.back(w, r, m, "transfers", "error", "%s: only a SUCCEEDED transfer that was not refunded yet can be (this one is %s%s).", refused, status, map[bool]string{true: ", refunded"}[done])
			return nil
		}
		key, ok := formKey(r)
		if !ok {
			a.back(w, r, m, "transfers", "error", "%s: the form is out of date, try again.", refused)
			return nil
		}
		return &pendingRequest{Key: key, What: "refund of the transfer " + id + " (" + amount.String() + ")",
			req: &mangopay.CreateRefundRequest{AuthorID: m.ID, Tag: "order cancelled"}}
	})
	if req == nil {
		return
	}
	rf, err := a.api.Refunds.CreateForTransfer(r.Context(), id, req.req.(*mangopay.CreateRefundRequest), mangopay.WithIdempotencyKey(req.Key))
	if a.settle(m, "refund:"+id, req, rf != nil, err) {
		http.Redirect(w, r, "/dashboard#transfers", http.StatusSeeOther)
		return
	}
	if rf == nil {
		a.log.Error("refunding a transfer", "user", m.ID, "transfer", id, "error", err)
		a.back(w, r, m, "transfers", "error", "%s: %s.", refused, describe(err))
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

// ---- lost answers ----
//
// A money POST whose answer is lost (a dropped connection, a timeout, the
// SDK's retries spent) fails with *mangopay.OutcomeUnknownError: Mangopay
// may have made the movement (a payout has then debited the wallet), or
// not. Sending it again under a NEW key could make it twice; sending it
// again under the SAME key is always safe: if the first took effect,
// Mangopay answers 409 and the SDK recovers that first answer (GET
// /responses/{key}); if it did not, it is carried out once.
//
// So every money form is a slot of its member ("payin", "payout",
// "transfer", "refund:<transfer id>") which holds at most one request at a
// time: reserved (with its key and exactly what is sent) before the call,
// released when the answer is known, and kept, marked Lost, when it is not.
// The dashboard then renders that form with the SAME key and the same
// amount and recipient, locked, and says the movement may have been made.
//
// While a slot is taken, the only submission sent is the one carrying its
// key and its parameters, and what is sent is the stored request, not the
// form (a payout is sent again even if the recipient was deactivated
// meanwhile, a refund even if its webhook arrived: the resend only
// recovers). Any other submission (another key, no key, another amount or
// recipient: an old tab, a script, a changed form) is refused before
// Mangopay is asked. Reusing the pending key for a submission whose
// parameters happen to match was the alternative; refusing is simpler to
// reason about and never turns a deliberate second payment into a
// recovery or a changed one into a silent first one.

// pendingRequest is a money request of a member's form slot whose answer
// is awaited or was lost. Fields are guarded by App.mu.
type pendingRequest struct {
	// Key is the Idempotency-Key the request is sent (and sent again) with.
	Key string
	// Amount is the amount asked (zero for a refund, which is in full).
	Amount mangopay.Money
	// To is the recipient (payout) or payee member (transfer); ToName is
	// how the form shows them.
	To, ToName string
	// What names the movement for the member: "withdrawal of EUR 100.00 to
	// My EUR account".
	What string
	// Lost is set when the answer was lost: the dashboard shows the form
	// locked to this request.
	Lost bool
	// req is what was sent, sent again as it was.
	req any
}

// AmountInput is Amount as the form's amount field takes it ("100.00").
func (p *pendingRequest) AmountInput() string {
	return fmt.Sprintf("%d.%02d", p.Amount.Amount/100, p.Amount.Amount%100)
}

// lostPrefix starts every message about a lost answer.
const lostPrefix = "Mangopay's answer was lost: the "

// pendingOf returns a copy of the request in m's slot form, or nil.
func (a *App) pendingOf(m *member, form string) *pendingRequest {
	a.mu.Lock()
	defer a.mu.Unlock()
	if p := m.Pending[form]; p != nil {
		c := *p
		return &c
	}
	return nil
}

// resend checks a submission of slot form against its pending request cur
// (from pendingOf): it reports true when the submission is cur sent again
// (same key, same amount and recipient), and otherwise refuses it, sending
// the member back to anchor with "<refused>: ..." and reporting false.
// amount and to are the form's fields ("" when the form has none).
func (a *App) resend(w http.ResponseWriter, r *http.Request, m *member, cur *pendingRequest, anchor, refused, key, amount, to string) bool {
	same := key == cur.Key && to == cur.To
	if cur.Amount.Amount != 0 {
		cents, err := parseEuros(amount)
		same = same && err == nil && cents == cur.Amount.Amount
	}
	if same {
		return true
	}
	if cur.Lost {
		a.back(w, r, m, anchor, "error", "%s: the %s may already have been made (Mangopay's answer was lost). Send that form again, as the page shows it, to find out; another can be sent once its answer is known.", refused, cur.What)
	} else {
		a.back(w, r, m, anchor, "error", "%s: the %s is under way; wait for its answer, then reload the page.", refused, cur.What)
	}
	return false
}

// claim returns the request to send for m's slot form (see "lost
// answers"): the pending one when the submission is it sent again, or else
// the one build makes from the form, reserved. It returns nil when the
// submission is refused (build refuses by answering and returning nil).
// amount and to are the form's amount and recipient fields ("" for none).
func (a *App) claim(w http.ResponseWriter, r *http.Request, m *member, form, anchor, refused, amount, to string, build func() *pendingRequest) *pendingRequest {
	for range 3 {
		if cur := a.pendingOf(m, form); cur != nil {
			if !a.resend(w, r, m, cur, anchor, refused, r.PostFormValue("request"), amount, to) {
				return nil
			}
			return cur
		}
		p := build()
		if p == nil {
			return nil
		}
		if a.reserve(m, form, p) {
			return p
		}
		// Another submission took the slot meanwhile: judged against it.
	}
	a.back(w, r, m, anchor, "error", "%s: another one is under way; reload the page.", refused)
	return nil
}

// reserve takes m's slot form for p before its call. It fails when another
// request took the slot meanwhile (two forms sent at once); the caller then
// refuses the submission.
func (a *App) reserve(m *member, form string, p *pendingRequest) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if cur := m.Pending[form]; cur != nil {
		return cur.Key == p.Key && !cur.Lost
	}
	if m.Pending == nil {
		m.Pending = map[string]*pendingRequest{}
	}
	m.Pending[form] = p
	return true
}

// settle records what the call of p (m's slot form) told: it reports true
// when the outcome is still unknown, after telling the member the truth and
// keeping p, Lost, so that the form is shown again with its key; otherwise
// it frees the slot. got says whether the call returned the resource (the
// answer, fresh or recovered, is then known, whatever err adds: an SCA
// demand, a redirect).
func (a *App) settle(m *member, form string, p *pendingRequest, got bool, err error) (lost bool) {
	a.mu.Lock()
	cur := m.Pending[form]
	wasLost := cur != nil && cur.Key == p.Key && cur.Lost
	switch {
	case errors.Is(err, mangopay.ErrOutcomeUnknown):
		lost = true
	case wasLost && !got && !answers(err):
		// The resend itself was not answered for its key (rate limited, not
		// sent): the first request is as unknown as before.
		lost = true
	}
	switch {
	case lost && (cur == nil || cur.Key == p.Key):
		p.Lost = true
		if m.Pending == nil {
			m.Pending = map[string]*pendingRequest{}
		}
		m.Pending[form] = p
	case !lost && cur != nil && cur.Key == p.Key:
		delete(m.Pending, form)
	}
	if lost {
		m.Flash = &flash{Kind: "error", Text: lostPrefix + p.What + " may have been made. Send the form again to find out — the same request is recovered, never repeated."}
	}
	a.mu.Unlock()
	if lost {
		a.log.Error("money request outcome unknown", "user", m.ID, "form", form, "error", err)
	}
	return lost
}

// answers reports whether err, returned without a resource by a request
// sent again under its key, is Mangopay's answer for that key: a refusal
// it recorded (a 4xx, or the first attempt's recorded 5xx, which the SDK
// reports as having had no effect), or the key found taken by another
// request. A 401, 408 or 429 is not recorded under the key and says nothing
// of the first request, nor does an error from before anything was sent.
func answers(err error) bool {
	if errors.Is(err, mangopay.ErrOutcomeUnknown) {
		return false
	}
	if errors.Is(err, mangopay.ErrIdempotencyKeyReused) {
		return true
	}
	var apiErr *mangopay.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	switch apiErr.StatusCode {
	case http.StatusUnauthorized, http.StatusRequestTimeout, http.StatusTooManyRequests:
		return false
	}
	return true
}

// formKey returns the Idempotency-Key of a money form (requestKey), or a
// new one for a form without any (a script), so that a lost answer can
// always be recovered under a key the platform knows. ok is false for a
// malformed key.
func formKey(r *http.Request) (key string, ok bool) {
	k := r.PostFormValue("request")
	switch {
	case k == "":
		k, err := randomToken()
		return k, err == nil
	case !keyRE.MatchString(k):
		return "", false
	}
	return k, true
}
