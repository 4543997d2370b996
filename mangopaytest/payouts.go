package mangopaytest

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Payout rules of the emulator (see the package documentation, "Payouts"):
//
//   - A payout goes to an ACTIVE Recipient (RecipientId, or its id given as
//     the legacy BankAccountId) of the debited wallet's owner. A BankAccountId
//     that names no Recipient stands for a legacy Bank Account created after
//     30 April 2026: the payout FAILS with 121018.
//   - Refused at once (Status FAILED, nothing debited, PAYOUT_NORMAL_CREATED
//     then PAYOUT_NORMAL_FAILED): 121002 the author does not own the wallet,
//     002701 a PAYER author without a PAYIN_REFUND PaymentRef, 121007 the
//     Recipient belongs to someone else, 121006 the Recipient is not ACTIVE,
//     001001 the wallet cannot cover DebitedFunds, 002999 an author of
//     KYCLevel LIGHT whose payouts (this one included) would exceed
//     LightPayoutAllowance, 121008 an INSTANT_PAYMENT_ONLY payout to a
//     Recipient that is not instantly reachable.
//   - A PaymentRef (ReasonType PAYIN_REFUND) pays a pay-in back: its
//     ReferenceId must name a SUCCEEDED pay-in that credited the debited
//     wallet, and the payout's DebitedFunds must not exceed what that pay-in
//     credited minus what was already given back against it (its refunds
//     and earlier PaymentRef payouts that did not fail). Otherwise the
//     request is answered 400 param_error naming PaymentRef.ReferenceId and
//     no payout is created: Mangopay documents no result code for these
//     cases (release note 2025-02-03, guides/payouts/integration "Refunds
//     using payouts"). Such a payout counts against the pay-in's refundable
//     amount like a refund, and gives it back if it FAILS.
//   - Otherwise the payout is CREATED and its DebitedFunds leave the wallet
//     at once. It settles on the emulator's clock: InstantPayoutDelay after
//     creation for an instant one, StandardPayoutDelay otherwise (see
//     Advance). It then SUCCEEDS (Fees go to the fees wallet,
//     PAYOUT_NORMAL_SUCCEEDED, plus INSTANT_PAYOUT_SUCCEEDED for an instant
//     one) or, when its BankWireRef is PayoutFailRef, FAILS with 121001 and
//     the DebitedFunds go back to the wallet (PAYOUT_NORMAL_FAILED).
//   - Reachability (POST /payouts/reachability, and the instant modes): EUR
//     to an ACTIVE Recipient is reachable unless SetInstantReachable marked
//     it unreachable (then UnreachableReason 130010); any other currency
//     answers 130001. An INSTANT_PAYMENT payout to an unreachable Recipient
//     falls back to STANDARD (ModeApplied STANDARD, FallbackReason,
//     INSTANT_PAYOUT_FALLBACKED).
const (
	// StandardPayoutDelay is how long a STANDARD or RTGS payout stays CREATED.
	StandardPayoutDelay = time.Hour
	// InstantPayoutDelay is how long an instant payout stays CREATED
	// (Mangopay: "funds processed within 10 seconds").
	InstantPayoutDelay = 10 * time.Second
	// LightPayoutAllowance is the total (minor units, any currency) a user of
	// KYCLevel LIGHT may pay out; beyond it payouts fail with 002999 until
	// SetKYCLevel raises the user to REGULAR. An emulator rule: Mangopay's
	// limits depend on the platform's contract (guides/users/limits).
	LightPayoutAllowance = 15000
	// PayoutFailRef is the BankWireRef that makes a payout fail when it
	// settles (121001, the bank wire was refused).
	PayoutFailRef = "MANGOPAYTEST-FAIL"
	// EventRetention is how far back GET /events searches: older AfterDate
	// or BeforeDate values answer 400 param_error, as on Mangopay.
	EventRetention = 45 * 24 * time.Hour
)

// Errors of the payout controls.
var (
	// ErrUnknownUser: SetKYCLevel was given a user id the server does not know.
	ErrUnknownUser = errors.New("mangopaytest: unknown user")
	// ErrUnknownRecipient: SetInstantReachable was given an unknown recipient id.
	ErrUnknownRecipient = errors.New("mangopaytest: unknown recipient")
)

// moneyOut is the payout and refund state; guarded by Server.mu.
type moneyOut struct {
	payouts     map[string]*payout
	refunds     map[string]*refund
	refunded    map[string]*refundTotals // initial transaction id -> totals refunded
	paidOutBy   map[string]int64         // user id -> total paid out (LIGHT allowance)
	unreachable map[string]bool          // recipient id -> not instantly reachable
	paidOut     map[string]int64         // currency -> money that left through payouts
	toPayers    map[string]int64         // currency -> money refunded to payment methods
}

// out returns the payout and refund state, creating it on first use.
func (s *Server) out() *moneyOut {
	if s.st.money == nil {
		s.st.money = &moneyOut{
			payouts: map[string]*payout{}, refunds: map[string]*refund{}, refunded: map[string]*refundTotals{},
			paidOutBy: map[string]int64{}, unreachable: map[string]bool{},
			paidOut: map[string]int64{}, toPayers: map[string]int64{},
		}
	}
	return s.st.money
}

// kycLevel is the KYCLevel a user's views show (see SetKYCLevel).
func (u *user) kycLevel() string {
	if u.kycRegular {
		return "REGULAR"
	}
	return "LIGHT"
}

type payout struct {
	tx             *transaction
	recipientID    string
	bankAccountID  string
	bankWireRef    string
	modeRequested  string
	modeApplied    string
	fallback       *codeMessage
	paymentRef     *paymentRefIO
	refundOf       string // the pay-in a PaymentRef payout pays back
	endToEnd       string
	settleAt       time.Time
	instant        bool
	debitedAtStart bool
}

type codeMessage struct {
	Code    string `json:"Code"`
	Message string `json:"Message"`
}

type paymentRefIO struct {
	ReasonType  *string `json:"ReasonType"`
	ReferenceID *string `json:"ReferenceId"`
}

type payoutOut struct {
	txHead
	CreditedWalletID *string       `json:"CreditedWalletId"`
	DebitedWalletID  string        `json:"DebitedWalletId"`
	PaymentType      string        `json:"PaymentType"`
	BankAccountID    *string       `json:"BankAccountId"`
	BankWireRef      *string       `json:"BankWireRef"`
	ModeRequested    *string       `json:"ModeRequested"`
	ModeApplied      string        `json:"ModeApplied"`
	FallbackReason   *codeMessage  `json:"FallbackReason"`
	EndToEndID       string        `json:"EndToEndId"`
	PaymentRef       *paymentRefIO `json:"PaymentRef"`
	RecipientID      *string       `json:"RecipientId"`
}

func (p *payout) render() payoutOut {
	t := p.tx
	return payoutOut{
		txHead: t.head(), DebitedWalletID: t.debitedWalletID, PaymentType: "BANK_WIRE",
		BankAccountID: nz(p.bankAccountID), BankWireRef: nz(p.bankWireRef), ModeRequested: nz(p.modeRequested),
		ModeApplied: p.modeApplied, FallbackReason: p.fallback, EndToEndID: p.endToEnd, PaymentRef: p.paymentRef,
		RecipientID: nz(p.recipientID),
	}
}

type payoutIn struct {
	AuthorID            *string       `json:"AuthorId"`
	DebitedWalletID     *string       `json:"DebitedWalletId"`
	DebitedFunds        *moneyIn      `json:"DebitedFunds"`
	Fees                *moneyIn      `json:"Fees"`
	RecipientID         *string       `json:"RecipientId"`
	BankAccountID       *string       `json:"BankAccountId"`
	BankWireRef         *string       `json:"BankWireRef"`
	PayoutModeRequested *string       `json:"PayoutModeRequested"`
	PaymentRef          *paymentRefIO `json:"PaymentRef"`
	Tag                 *string       `json:"Tag"`
}

func init() {
	addRoute("POST", "/payouts/bankwire", (*call).createPayout)
	addRoute("GET", "/payouts/bankwire/{id}", (*call).getPayout)
	addRoute("GET", "/payouts/{id}", (*call).getPayout)
	addRoute("POST", "/payouts/reachability", (*call).payoutReachability)
	addControl("POST", "/users/{id}/kyc", (*control).setKYC)
	addControl("POST", "/recipients/{id}/instant-reachable", (*control).setReachable)
	for _, t := range []string{"INSTANT_PAYOUT_SUCCEEDED", "INSTANT_PAYOUT_FALLBACKED",
		"PAYOUT_REFUND_CREATED", "PAYOUT_REFUND_SUCCEEDED", "PAYOUT_REFUND_FAILED",
		"TRANSFER_REFUND_CREATED", "TRANSFER_REFUND_SUCCEEDED", "TRANSFER_REFUND_FAILED",
		"PAYIN_REFUND_CREATED", "PAYIN_REFUND_SUCCEEDED", "PAYIN_REFUND_FAILED"} {
		eventTypes[t] = true
	}
}

// payoutRequestErrors checks the fields shared by payouts and reachability.
func payoutRequestErrors(in *payoutIn) fieldErrors {
	e := fieldErrors{}
	e.required("AuthorId", in.AuthorID)
	e.required("DebitedWalletId", in.DebitedWalletID)
	e.money("DebitedFunds", in.DebitedFunds)
	e.money("Fees", in.Fees)
	e.length("BankWireRef", in.BankWireRef, 0, 255)
	e.length("Tag", in.Tag, 0, 255)
	if str(in.RecipientID) == "" && str(in.BankAccountID) == "" {
		e["RecipientId"] = "The RecipientId field is required (or the BankAccountId)."
	}
	if len(e) == 0 {
		if *in.DebitedFunds.Amount <= 0 {
			e["DebitedFunds.Amount"] = "The Amount field must be positive."
		}
		if *in.Fees.Amount > *in.DebitedFunds.Amount {
			e["Fees.Amount"] = "The Fees must not exceed the DebitedFunds"
		}
	}
	return e
}

// reachableLocked applies the instant reachability rule; it returns the
// unreachable reason, or nil.
func (s *Server) reachableLocked(currency string, r *recipient) *codeMessage {
	if currency != "EUR" {
		return &codeMessage{"130001", "Instant payment is only available for EUR payouts"}
	}
	if r == nil || r.status != recipientActive || s.out().unreachable[r.id] {
		return &codeMessage{"130010", "Generic operation error"}
	}
	return nil
}

// createPayout answers POST /payouts/bankwire (rules above StandardPayoutDelay).
func (c *call) createPayout() {
	var in payoutIn
	if !c.decode(&in) {
		return
	}
	e := payoutRequestErrors(&in)
	mode := str(in.PayoutModeRequested)
	switch mode {
	case "", "STANDARD", "INSTANT_PAYMENT", "INSTANT_PAYMENT_ONLY", "RTGS_PAYMENT":
	default:
		e["PayoutModeRequested"] = "The PayoutModeRequested must be STANDARD, INSTANT_PAYMENT, INSTANT_PAYMENT_ONLY or RTGS_PAYMENT."
	}
	if ref := in.PaymentRef; ref != nil && (str(ref.ReasonType) != "PAYIN_REFUND" || str(ref.ReferenceID) == "") {
		e["PaymentRef"] = "The PaymentRef must have ReasonType PAYIN_REFUND and the ReferenceId of the pay-in."
	}
	st := c.s.st
	var w *wallet
	var author *user
	if len(e) == 0 {
		if w = st.wallets[*in.DebitedWalletID]; w == nil {
			e["DebitedWalletId"] = fmt.Sprintf("The value %s is not valid", *in.DebitedWalletID)
		}
		if author = st.users[*in.AuthorID]; author == nil {
			e["AuthorId"] = fmt.Sprintf("The value %s is not valid", *in.AuthorID)
		}
	}
	if len(e) > 0 {
		c.paramError(e)
		return
	}
	cur := *in.DebitedFunds.Currency
	if cur != w.currency || *in.Fees.Currency != cur {
		c.fail(http.StatusBadRequest, "currency_incompatibility", "Error: multi-currency usage is not authorized", nil)
		return
	}
	var refTotals *refundTotals
	if in.PaymentRef != nil {
		var msg string
		if refTotals, msg = c.s.paymentRefLocked(*in.PaymentRef.ReferenceID, w.id, *in.DebitedFunds.Amount); msg != "" {
			// No result code is documented for a PaymentRef that names no
			// refundable pay-in: a param_error naming the field.
			c.paramError(map[string]string{"PaymentRef.ReferenceId": msg})
			return
		}
	}
	recID := str(in.RecipientID)
	if recID == "" {
		recID = str(in.BankAccountID)
	}
	rec := st.recipients[recID]
	if rec == nil && str(in.RecipientID) != "" {
		c.notFound("Recipient", recID)
		return
	}
	if rec != nil && rec.currency != "" && rec.currency != cur {
		c.paramError(map[string]string{"RecipientId": fmt.Sprintf("The Recipient receives %s, not %s: register a Recipient for this currency", rec.currency, cur)})
		return
	}
	out := c.s.out()
	t := &transaction{
		seq: st.nextSeq(), id: "po_m_" + ulid(c.now), tag: str(in.Tag), created: c.now, authorID: author.id,
		debited: money{cur, *in.DebitedFunds.Amount}, fees: money{cur, *in.Fees.Amount},
		status: transactionStatusCreated, typ: "PAYOUT", debitedWalletID: w.id,
	}
	p := &payout{tx: t, recipientID: str(in.RecipientID), bankAccountID: str(in.BankAccountID), bankWireRef: str(in.BankWireRef),
		modeRequested: mode, modeApplied: "STANDARD", paymentRef: in.PaymentRef, endToEnd: randomHex(16)}
	st.txs = append(st.txs, t)
	out.payouts[t.id] = p
	c.s.emitLocked("PAYOUT_NORMAL_CREATED", t.id, c.now)

	fail := func(code, msg string) {
		t.status, t.resultCode, t.resultMessage = transactionFailed, code, msg
		c.s.emitLocked("PAYOUT_NORMAL_FAILED", t.id, c.now)
	}
	amount := t.debited.Amount
	unreachable := c.s.reachableLocked(cur, rec)
	switch {
	case author.id != w.owner:
		fail("121002", "The author is not the wallet owner")
	case rec == nil:
		fail("121018", "This payout uses a non-SCA compliant bank account. Please create via the recipient endpoint and try again.")
	case author.category == categoryPayer && in.PaymentRef == nil:
		fail("002701", "Refused due to author's UserCategory: PAYER")
	case rec.userID != author.id:
		fail("121007", "The author is not the bank account owner")
	case rec.status != recipientActive:
		fail("121006", "The associated bank account is not active")
	case w.balance < amount:
		fail(ResultInsufficientFunds, resultInsufficientMsg)
	case !author.kycRegular && out.paidOutBy[author.id]+amount > LightPayoutAllowance:
		fail("002999", "Blocked due to a Debited User's KYC limitations (maximum debited or credited amount reached)")
	case mode == "INSTANT_PAYMENT_ONLY" && unreachable != nil:
		fail("121008", "The request for instant payment cannot be successful due to ineligibility")
	default:
		w.balance -= amount
		out.paidOutBy[author.id] += amount
		p.debitedAtStart = true
		if refTotals != nil {
			refTotals.amount += amount
			p.refundOf = *in.PaymentRef.ReferenceID
		}
		switch {
		case (mode == "INSTANT_PAYMENT" || mode == "INSTANT_PAYMENT_ONLY") && unreachable == nil:
			p.instant, p.modeApplied = true, "INSTANT_PAYMENT"
			p.settleAt = c.now.Add(InstantPayoutDelay)
		case mode == "INSTANT_PAYMENT":
			p.fallback = unreachable
			p.settleAt = c.now.Add(StandardPayoutDelay)
			c.s.emitLocked("INSTANT_PAYOUT_FALLBACKED", t.id, c.now)
		case mode == "RTGS_PAYMENT":
			p.modeApplied = "RTGS_PAYMENT"
			p.settleAt = c.now.Add(StandardPayoutDelay)
		default:
			p.settleAt = c.now.Add(StandardPayoutDelay)
		}
	}
	c.json(http.StatusOK, p.render())
}

// paymentRefLocked checks the pay-in a PaymentRef payout of amount from
// walletID pays back (see the rules above StandardPayoutDelay): it returns
// that pay-in's refund totals, or why it cannot be paid back.
func (s *Server) paymentRefLocked(payInID, walletID string, amount int64) (*refundTotals, string) {
	var t *transaction
	for _, x := range s.st.txs {
		if x.id == payInID && x.typ == "PAYIN" {
			t = x
			break
		}
	}
	switch {
	case t == nil:
		return nil, fmt.Sprintf("The ReferenceId %s is not a pay-in", payInID)
	case t.status != transactionSucceeded:
		return nil, fmt.Sprintf("The pay-in %s is %s: only a SUCCEEDED pay-in can be paid back", payInID, t.status)
	case t.creditedWalletID != walletID:
		return nil, fmt.Sprintf("The pay-in %s did not credit the debited wallet %s", payInID, walletID)
	}
	out := s.out()
	tot := out.refunded[t.id]
	if tot == nil {
		tot = &refundTotals{}
		out.refunded[t.id] = tot
	}
	if left := t.credited().Amount - tot.amount; amount > left {
		return nil, fmt.Sprintf("The payout (%d) exceeds what is left to pay back of pay-in %s (%d)", amount, payInID, left)
	}
	return tot, ""
}

// settlePayoutsLocked ends the CREATED payouts whose time has come (called
// from every sweep of the emulator's clock).
func (s *Server) settlePayoutsLocked(now time.Time) {
	if s.st.money == nil {
		return
	}
	for _, p := range s.st.money.payouts {
		t := p.tx
		if t.status != transactionStatusCreated || !p.debitedAtStart || now.Before(p.settleAt) {
			continue
		}
		w := s.st.wallets[t.debitedWalletID]
		if p.bankWireRef == PayoutFailRef {
			t.status, t.resultCode, t.resultMessage = transactionFailed, "121001", "The bank wire has been refused"
			w.balance += t.debited.Amount
			s.st.money.paidOutBy[t.authorID] -= t.debited.Amount
			if p.refundOf != "" {
				s.st.money.refunded[p.refundOf].amount -= t.debited.Amount
			}
			s.emitLocked("PAYOUT_NORMAL_FAILED", t.id, p.settleAt)
			continue
		}
		t.status, t.resultCode, t.resultMessage, t.executed = transactionSucceeded, ResultSuccess, resultSuccessMessage, p.settleAt
		s.st.fees[t.fees.Currency] += t.fees.Amount
		s.st.money.paidOut[t.debited.Currency] += t.credited().Amount
		if p.instant {
			s.emitLocked("INSTANT_PAYOUT_SUCCEEDED", t.id, p.settleAt)
		}
		s.emitLocked("PAYOUT_NORMAL_SUCCEEDED", t.id, p.settleAt)
	}
}

func (c *call) getPayout() {
	var payouts map[string]*payout // nil (empty) before the first money movement
	if c.s.st.money != nil {
		payouts = c.s.st.money.payouts
	}
	if p := lookupByID(c, payouts, "PayOut", c.notFound); p != nil {
		c.json(http.StatusOK, p.render())
	}
}

// payoutReachability answers POST /payouts/reachability.
func (c *call) payoutReachability() {
	var in payoutIn
	if !c.decode(&in) {
		return
	}
	e := payoutRequestErrors(&in)
	if str(in.PayoutModeRequested) != "INSTANT_PAYMENT" {
		e["PayoutModeRequested"] = "PayoutModeRequested must be INSTANT_PAYMENT"
	}
	if len(e) > 0 {
		c.paramError(e)
		return
	}
	recID := str(in.RecipientID)
	if recID == "" {
		recID = str(in.BankAccountID)
	}
	rec := c.s.st.recipients[recID]
	if rec == nil {
		c.notFound("Recipient", recID)
		return
	}
	reason := c.s.reachableLocked(*in.DebitedFunds.Currency, rec)
	c.json(http.StatusOK, map[string]any{"InstantPayout": map[string]any{"IsReachable": reason == nil, "UnreachableReason": reason}})
}

// SetKYCLevel sets a user's KYCLevel ("REGULAR" or "LIGHT"), as Mangopay's
// compliance team does once the user's documents are validated: a REGULAR
// user has no payout allowance limit. It sends USER_KYC_REGULAR or
// USER_KYC_LIGHT and fails with ErrUnknownUser for an unknown id.
// Over HTTP: POST /_sandbox/users/{id}/kyc {"KYCLevel":"REGULAR"}.
func (s *Server) SetKYCLevel(userID, level string) error {
	if level != "REGULAR" && level != "LIGHT" {
		return fmt.Errorf("mangopaytest: SetKYCLevel: level %q is not REGULAR or LIGHT", level)
	}
	now := s.clock.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.st.users[userID]
	if u == nil {
		return fmt.Errorf("%w: %q", ErrUnknownUser, userID)
	}
	u.kycRegular = level == "REGULAR"
	s.emitLocked("USER_KYC_"+level, userID, now)
	return nil
}

// SetInstantReachable marks a recipient's bank as reachable (the default)
// or not for instant payouts. It fails with ErrUnknownRecipient for an
// unknown id. Over HTTP: POST /_sandbox/recipients/{id}/instant-reachable
// {"Reachable":false}.
func (s *Server) SetInstantReachable(recipientID string, reachable bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.recipients[recipientID] == nil {
		return fmt.Errorf("%w: %q", ErrUnknownRecipient, recipientID)
	}
	s.out().unreachable[recipientID] = !reachable
	return nil
}

// Outflows returns, for currency, the money that left the emulator: paid
// out by SUCCEEDED payouts (their CreditedFunds; the fees stay in the fees
// wallet) and refunded to payers' payment methods by pay-in refunds. With
// the wallets' balances and the fees wallet it reconciles every pay-in.
func (s *Server) Outflows(currency string) (paidOut, refundedToPayers int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.money == nil {
		return 0, 0
	}
	return s.st.money.paidOut[currency], s.st.money.toPayers[currency]
}

func (c *control) setKYC() {
	var in struct {
		KYCLevel string `json:"KYCLevel"`
	}
	if !c.decode(&in) {
		return
	}
	switch err := c.s.SetKYCLevel(c.r.PathValue("id"), in.KYCLevel); {
	case errors.Is(err, ErrUnknownUser):
		writeError(c.w, c.now, http.StatusNotFound, "ressource_not_found", err.Error(), nil)
	case err != nil:
		c.bad(err.Error())
	default:
		writeJSON(c.w, http.StatusOK, map[string]string{"UserId": c.r.PathValue("id"), "KYCLevel": in.KYCLevel})
	}
}

func (c *control) setReachable() {
	var in struct {
		Reachable *bool `json:"Reachable"`
	}
	if !c.decode(&in) {
		return
	}
	if in.Reachable == nil {
		c.bad("Reachable (true or false) is required")
		return
	}
	if err := c.s.SetInstantReachable(c.r.PathValue("id"), *in.Reachable); err != nil {
		writeError(c.w, c.now, http.StatusNotFound, "ressource_not_found", err.Error(), nil)
		return
	}
	writeJSON(c.w, http.StatusOK, map[string]any{"RecipientId": c.r.PathValue("id"), "Reachable": *in.Reachable})
}
