package mangopay

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
)

// Payouts
//
// A payout moves money from a wallet to a bank account outside Mangopay:
// POST /payouts/bankwire, to a Recipient registered with SCA (RecipientId,
// API release note of 2026-01-27). Payouts themselves never demand SCA: the
// Recipient's registration is authenticated, so the payout benefits from
// the trusted-beneficiary exemption (docs.mangopay.com/api-reference/
// recipients/recipient-object: "Recipient registration for payouts also
// systematically requires SCA, thereby enabling the payout request benefit
// from an SCA exemption as a trusted beneficiary"). Wire facts and their
// sources are listed in docs/wire.md, "Payouts".

// PayoutStatus is the status of a payout.
type PayoutStatus string

// PayoutStatus values (docs.mangopay.com/guides/payouts/rejects-returns).
const (
	// PayoutStatusCreated: the request was accepted and the wallet debited;
	// the bank wire is under way (or under manual review).
	PayoutStatusCreated PayoutStatus = "CREATED"
	// PayoutStatusSucceeded: the money left Mangopay. A bank may still
	// return it later: Mangopay then creates a payout refund
	// (PAYOUT_REFUND_* webhooks) that credits the wallet back.
	PayoutStatusSucceeded PayoutStatus = "SUCCEEDED"
	// PayoutStatusFailed: the payout was refused or failed; see ResultCode.
	// The wallet is not debited (or is credited back).
	PayoutStatusFailed PayoutStatus = "FAILED"
)

// PayoutMode is how a payout is routed: the PayoutModeRequested of a
// request, and the ModeRequested and ModeApplied of a Payout. Mangopay only
// uses it for EUR payouts (SEPA SCT, SCT Inst or T2); other currencies use
// the relevant local scheme.
type PayoutMode string

// PayoutMode values (docs.mangopay.com/api-reference/payouts/payout-object).
const (
	// PayoutModeStandard (the default): the usual route for the currency
	// and destination account, processed the next working day after the
	// cutoff.
	PayoutModeStandard PayoutMode = "STANDARD"
	// PayoutModeInstant: SEPA Instant Credit Transfer (within 10 seconds),
	// falling back to STANDARD when a prerequisite is not met (ModeApplied
	// then says STANDARD and FallbackReason why). Check
	// PayoutsService.CheckReachability first.
	PayoutModeInstant PayoutMode = "INSTANT_PAYMENT"
	// PayoutModeInstantOnly: SEPA Instant without fallback; if it cannot be
	// sent instantly the payout fails and the wallet is refunded.
	PayoutModeInstantOnly PayoutMode = "INSTANT_PAYMENT_ONLY"
	// PayoutModeRTGS: the Eurozone's real-time gross settlement scheme T2,
	// same working day, no fallback.
	PayoutModeRTGS PayoutMode = "RTGS_PAYMENT"
	// PayoutModePendingResponse is a ModeApplied value only: the mode is not
	// known yet (an instant payout waiting for the bank's answer).
	PayoutModePendingResponse PayoutMode = "PENDING_RESPONSE"
)

// requestable reports whether m may be sent as PayoutModeRequested.
func (m PayoutMode) requestable() bool {
	switch m {
	case "", PayoutModeStandard, PayoutModeInstant, PayoutModeInstantOnly, PayoutModeRTGS:
		return true
	}
	return false
}

// Payout ResultCode values a platform branches on. Mangopay documents each
// at docs.mangopay.com/errors/codes/<code>; the payout ones are listed in
// docs/wire.md with their sources.
const (
	// ResultCodePayoutLegacyBankAccount (121018): the BankAccountId names a
	// Bank Account created through the legacy endpoint after 30 April 2026.
	// Register the account as a Recipient (with SCA) and pay out with
	// RecipientId (API release note of 2026-04-22).
	ResultCodePayoutLegacyBankAccount = "121018"
	// ResultCodePayoutLegacyV2BankAccount (121019): from 15 October 2026, a
	// BankAccountId of an API v2 Bank Account (unstructured address) is
	// refused. Re-register it as a Recipient (release note of 2026-07-22).
	ResultCodePayoutLegacyV2BankAccount = "121019"
	// ResultCodeInsufficientBalance (001001): the debited wallet cannot
	// cover DebitedFunds (also used by transfers).
	ResultCodeInsufficientBalance = "001001"
	// ResultCodePayoutInsufficientBalance (121003): the payout form of the
	// insufficient-balance refusal.
	ResultCodePayoutInsufficientBalance = "121003"
	// ResultCodePayoutAuthorNotWalletOwner (121002): AuthorId does not own
	// the debited wallet.
	ResultCodePayoutAuthorNotWalletOwner = "121002"
	// ResultCodePayoutRecipientNotActive (121006): the bank account
	// (Recipient) is not active: a PENDING, CANCELED or DEACTIVATED
	// Recipient cannot receive payouts.
	ResultCodePayoutRecipientNotActive = "121006"
	// ResultCodePayoutAuthorNotAccountOwner (121007): the author does not
	// own the bank account (Recipient).
	ResultCodePayoutAuthorNotAccountOwner = "121007"
	// ResultCodePayoutInstantIneligible (121008): an instant payout cannot
	// succeed (an INSTANT_PAYMENT_ONLY payout to an unreachable bank).
	ResultCodePayoutInstantIneligible = "121008"
	// ResultCodePayoutExpired (121009): the payout stayed CREATED (manual
	// review) for more than 7 days.
	ResultCodePayoutExpired = "121009"
	// ResultCodePayoutBankWireRefused (121001): the bank wire was refused.
	ResultCodePayoutBankWireRefused = "121001"
	// ResultCodeKYCLimit (002997): blocked by KYC limits (maximum debited or
	// credited amount reached): the user must be KYC verified (KYCLevel
	// REGULAR) to pay out more.
	ResultCodeKYCLimit = "002997"
	// ResultCodeKYCLimitRecipientOwner (002998): blocked by the KYC limits
	// of the bank account's (Recipient's) owner.
	ResultCodeKYCLimitRecipientOwner = "002998"
	// ResultCodeKYCLimitDebitedUser (002999): blocked by the KYC limits of
	// the debited user (KYC level too low for the amount).
	ResultCodeKYCLimitDebitedUser = "002999"
	// ResultCodePayoutByPayer (002701): a PAYER user asked for a payout.
	// Only OWNERs pay out; the one payout a PAYER's wallet allows is a
	// refund made by payout (PaymentRef with ReasonType PAYIN_REFUND), per
	// docs.mangopay.com/guides/users/categories/restrictions.
	ResultCodePayoutByPayer = "002701"
	// ResultCodePayoutManualReviewInstantOnly (130011): the payout needs a
	// manual review, which INSTANT_PAYMENT_ONLY cannot wait for. Retry with
	// STANDARD or INSTANT_PAYMENT.
	ResultCodePayoutManualReviewInstantOnly = "130011"
)

// Reachability UnreachableReason codes.
const (
	// UnreachableCurrency (130001): instant payouts are EUR only; every
	// other currency answers this code.
	UnreachableCurrency = "130001"
)

// PaymentReasonType is the ReasonType of a payout's PaymentRef.
type PaymentReasonType string

// PaymentReasonPayInRefund marks a payout that refunds a pay-in which has
// no Refund object (bank wire pay-ins, pay-ins to virtual IBANs): API
// release note of 2025-02-03.
const PaymentReasonPayInRefund PaymentReasonType = "PAYIN_REFUND"

// PaymentRef links a payout to the pay-in it refunds.
type PaymentRef struct {
	// ReasonType is PaymentReasonPayInRefund.
	ReasonType PaymentReasonType `json:"ReasonType"`
	// ReferenceID is the Id of the pay-in being refunded.
	ReferenceID string `json:"ReferenceId"`
}

// FallbackReason says why an INSTANT_PAYMENT payout was sent as STANDARD.
type FallbackReason struct {
	// Code is Mangopay's code for the reason, e.g. "130010".
	Code string `json:"Code"`
	// Message describes it.
	Message string `json:"Message"`
}

// UnmarshalJSON accepts the documented {Code, Message} object, null, and a
// bare string (kept as Message), so that an unexpected shape of this
// informative field never makes a payout undecodable.
func (f *FallbackReason) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = FallbackReason{Message: s}
		return nil
	}
	type plain FallbackReason
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*f = FallbackReason(p)
	return nil
}

// Payout is a bank wire out of a wallet, as returned by POST
// /payouts/bankwire, GET /payouts/bankwire/{PayoutId} and GET
// /payouts/{PayoutId}.
type Payout struct {
	// ID is the payout id, e.g. "po_m_01HQMZSGSQPPXC51TZHDAYFAJF".
	ID string `json:"Id"`
	// Tag is custom data of the platform.
	Tag string `json:"Tag"`
	// CreationDate is when the payout was created.
	CreationDate Time `json:"CreationDate"`
	// AuthorID is the owner of the debited wallet.
	AuthorID string `json:"AuthorId"`
	// DebitedFunds is the amount taken from the wallet.
	DebitedFunds Money `json:"DebitedFunds"`
	// CreditedFunds is DebitedFunds minus Fees: what the bank account gets.
	CreditedFunds Money `json:"CreditedFunds"`
	// Fees is the platform's fee, credited to its fees wallet.
	Fees Money `json:"Fees"`
	// Status is CREATED, SUCCEEDED or FAILED.
	Status PayoutStatus `json:"Status"`
	// ResultCode is empty while CREATED, "000000" on success, else one of
	// the ResultCodePayout* / ResultCodeKYC* codes (or another documented one).
	ResultCode string `json:"ResultCode"`
	// ResultMessage explains ResultCode.
	ResultMessage string `json:"ResultMessage"`
	// ExecutionDate is when the payout succeeded; nil otherwise.
	ExecutionDate *Time `json:"ExecutionDate"`
	// Type is PAYOUT.
	Type TransactionType `json:"Type"`
	// Nature is REGULAR.
	Nature TransactionNature `json:"Nature"`
	// DebitedWalletID is the wallet the money left.
	DebitedWalletID string `json:"DebitedWalletId"`
	// PaymentType is BANK_WIRE.
	PaymentType string `json:"PaymentType"`
	// RecipientID is the Recipient paid (payouts created with RecipientId).
	RecipientID string `json:"RecipientId"`
	// BankAccountID is the legacy bank account paid (or, for payouts made
	// with RecipientId, what Mangopay echoes there).
	BankAccountID string `json:"BankAccountId"`
	// BankWireRef is the reference shown on the bank statement.
	BankWireRef string `json:"BankWireRef"`
	// ModeRequested is the PayoutModeRequested of the request (may be empty
	// when the default STANDARD was used).
	ModeRequested PayoutMode `json:"ModeRequested"`
	// ModeApplied is how the payout is actually sent: STANDARD,
	// INSTANT_PAYMENT, RTGS_PAYMENT or PENDING_RESPONSE.
	ModeApplied PayoutMode `json:"ModeApplied"`
	// FallbackReason says why an INSTANT_PAYMENT payout fell back to
	// STANDARD; nil otherwise.
	FallbackReason *FallbackReason `json:"FallbackReason"`
	// EndToEndID is the identifier of the bank wire across banks.
	EndToEndID string `json:"EndToEndId"`
	// PaymentRef is set on a payout refunding a pay-in.
	PaymentRef *PaymentRef `json:"PaymentRef"`
}

// CreatePayoutRequest is the body of PayoutsService.Create.
type CreatePayoutRequest struct {
	// AuthorID is the owner of the debited wallet (required).
	AuthorID string `json:"AuthorId"`
	// DebitedWalletID is the wallet to debit (required).
	DebitedWalletID string `json:"DebitedWalletId"`
	// DebitedFunds is the amount to pay out (required, positive), in the
	// wallet's currency.
	DebitedFunds Money `json:"DebitedFunds"`
	// Fees is the platform's fee (required, not negative, not more than
	// DebitedFunds, same currency): Money{Currency: "EUR"} for no fee.
	Fees Money `json:"Fees"`
	// RecipientID is the ACTIVE Recipient to pay, registered by the author
	// with SCA (RecipientsService.Create). Set exactly one of RecipientID and
	// BankAccountID.
	RecipientID string `json:"RecipientId,omitempty"`
	// BankAccountID is legacy: the id of a Bank Account created through the
	// old bank-account endpoints. Accounts created that way after 30 April
	// 2026 make the payout fail with ResultCodePayoutLegacyBankAccount
	// (121018); new integrations send RecipientID (release notes of
	// 2026-01-27 and 2026-04-22).
	BankAccountID string `json:"BankAccountId,omitempty"`
	// BankWireRef is shown on the bank statement with the platform's name
	// (optional, at most 255 characters, 12 or fewer recommended).
	BankWireRef string `json:"BankWireRef,omitempty"`
	// PayoutModeRequested is STANDARD (the default when empty),
	// INSTANT_PAYMENT, INSTANT_PAYMENT_ONLY or RTGS_PAYMENT.
	PayoutModeRequested PayoutMode `json:"PayoutModeRequested,omitempty"`
	// PaymentRef makes the payout a refund of a pay-in that has no Refund
	// object (a bank wire pay-in): ReasonType PAYIN_REFUND and the pay-in's
	// id. It is the only payout a PAYER user's wallet allows (otherwise
	// ResultCodePayoutByPayer, 002701).
	PaymentRef *PaymentRef `json:"PaymentRef,omitempty"`
	// Tag is custom data of the platform (optional, at most 255 characters).
	Tag string `json:"Tag,omitempty"`
}

// payoutFunds checks the shared money fields of a payout-shaped request.
func payoutFunds(p *problemList, debited, fees Money) {
	p.currency("DebitedFunds.Currency", debited.Currency)
	if debited.Amount <= 0 {
		p.add("DebitedFunds.Amount", "must be positive, got %d", debited.Amount)
	}
	if fees.Amount < 0 {
		p.add("Fees.Amount", "must not be negative, got %d", fees.Amount)
	} else if debited.Amount > 0 && fees.Amount > debited.Amount {
		p.add("Fees.Amount", "%d exceeds DebitedFunds.Amount %d", fees.Amount, debited.Amount)
	}
	p.feesCurrency(debited, fees)
}

// requiredID records a problem when id is empty or cannot be an id.
func requiredID(p *problemList, field, id string) {
	if id == "" {
		p.add(field, "is required")
		return
	}
	if reason := idProblem(id); reason != "" {
		p.add(field, "%q %s", truncate(id, 40), reason)
	}
}

// optionalID records a problem when a non-empty id cannot be an id.
func optionalID(p *problemList, field, id string) {
	if id != "" {
		requiredID(p, field, id)
	}
}

// destination checks RecipientId / BankAccountId: exactly one.
func destination(p *problemList, recipientID, bankAccountID string) {
	switch {
	case recipientID == "" && bankAccountID == "":
		p.add("RecipientId", "is required (or the legacy BankAccountId)")
	case recipientID != "" && bankAccountID != "":
		p.add("BankAccountId", "must be empty when RecipientId is set: give one destination")
	}
	optionalID(p, "RecipientId", recipientID)
	optionalID(p, "BankAccountId", bankAccountID)
}

func (r *CreatePayoutRequest) validate() error {
	const op = "Payouts.Create"
	if r == nil {
		return invalid(op, "", "nil *CreatePayoutRequest")
	}
	p := newProblems(op)
	// The fields a reachability check takes are checked as it checks them.
	base := ReachabilityRequest{AuthorID: r.AuthorID, DebitedWalletID: r.DebitedWalletID, DebitedFunds: r.DebitedFunds,
		Fees: r.Fees, RecipientID: r.RecipientID, BankAccountID: r.BankAccountID, BankWireRef: r.BankWireRef}
	base.check(p)
	if !r.PayoutModeRequested.requestable() {
		p.add("PayoutModeRequested", "%q is not STANDARD, INSTANT_PAYMENT, INSTANT_PAYMENT_ONLY or RTGS_PAYMENT",
			truncate(string(r.PayoutModeRequested), 30))
	}
	if r.PaymentRef != nil {
		if r.PaymentRef.ReasonType != PaymentReasonPayInRefund {
			p.add("PaymentRef.ReasonType", "%q is not PAYIN_REFUND", truncate(string(r.PaymentRef.ReasonType), 30))
		}
		requiredID(p, "PaymentRef.ReferenceId", r.PaymentRef.ReferenceID)
	}
	p.text("Tag", r.Tag)
	return p.err()
}

// Create pays money out of a wallet: POST /payouts/bankwire.
//
// Mangopay answers with the payout CREATED (the wallet is debited) or, when
// it refuses it at once, FAILED with a ResultCode such as
// ResultCodePayoutLegacyBankAccount (121018), ResultCodeInsufficientBalance,
// ResultCodeKYCLimitDebitedUser, ResultCodePayoutRecipientNotActive or
// ResultCodePayoutByPayer; Create then returns that payout with a nil error
// (the call worked, the money did not move), so always check Status. The
// outcome of a CREATED payout arrives later: confirm it with Get or the
// PAYOUT_NORMAL_SUCCEEDED / PAYOUT_NORMAL_FAILED webhooks (and
// INSTANT_PAYOUT_SUCCEEDED / INSTANT_PAYOUT_FALLBACKED for instant ones).
//
// A payout never demands SCA: the Recipient was authenticated when it was
// registered, which makes it a trusted beneficiary (SCA exemption; see the
// Recipient object's documentation). Register the Recipient first with
// RecipientsService.Create and wait for it to be ACTIVE.
//
// The request is checked before any network call (required ids, a positive
// amount, Fees in the same currency and not above DebitedFunds, exactly one
// of RecipientID and BankAccountID, a known PayoutModeRequested, a
// PAYIN_REFUND PaymentRef, texts of at most 255 characters): a bad request
// gets a *ValidationError. The call carries an Idempotency-Key
// (WithIdempotencyKey, or a generated one) reused on every retry, and a lost
// answer is recovered through GET /responses/{key}, so a retry never pays
// out twice; use your own key (derived from your withdrawal record) to be
// safe across process restarts too.
func (s *PayoutsService) Create(ctx context.Context, in *CreatePayoutRequest, opts ...RequestOption) (*Payout, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	return orNil(send[Payout](ctx, s.client, http.MethodPost, "/payouts/bankwire", in, opts))
}

// Get reads a payout with its mode: GET /payouts/bankwire/{PayoutId}
// ("View a Payout and check mode applied", the endpoint Mangopay tells new
// integrations to use: it adds ModeRequested, ModeApplied and
// FallbackReason to what GET /payouts/{PayoutId} returns). Mangopay keeps
// payouts for 13 months; an older one may answer 404 (ErrNotFound).
func (s *PayoutsService) Get(ctx context.Context, payoutID string, opts ...RequestOption) (*Payout, error) {
	return orNil(callPath[Payout](ctx, s.client, http.MethodGet, "/payouts/bankwire/%s", payoutID, nil, opts))
}

// ReachabilityRequest is the body of PayoutsService.CheckReachability: the
// payout you intend to make. PayoutModeRequested is always sent as
// INSTANT_PAYMENT (the only value the endpoint accepts, even before an
// INSTANT_PAYMENT_ONLY payout).
type ReachabilityRequest struct {
	// AuthorID is the owner of the debited wallet (required).
	AuthorID string `json:"AuthorId"`
	// DebitedWalletID is the wallet to debit (required).
	DebitedWalletID string `json:"DebitedWalletId"`
	// DebitedFunds is the amount (required, positive).
	DebitedFunds Money `json:"DebitedFunds"`
	// Fees is the platform's fee (required, same currency, not above
	// DebitedFunds).
	Fees Money `json:"Fees"`
	// RecipientID is the Recipient to check; or the legacy BankAccountID.
	RecipientID string `json:"RecipientId,omitempty"`
	// BankAccountID is legacy (see CreatePayoutRequest.BankAccountID).
	BankAccountID string `json:"BankAccountId,omitempty"`
	// BankWireRef is the bank statement reference (optional).
	BankWireRef string `json:"BankWireRef,omitempty"`
}

// reachabilityBody is what is sent: the request plus the fixed mode.
type reachabilityBody struct {
	PayoutModeRequested PayoutMode `json:"PayoutModeRequested"`
	*ReachabilityRequest
}

// UnreachableReason says why a bank cannot receive an instant payout.
type UnreachableReason struct {
	// Code is e.g. UnreachableCurrency ("130001") for a non-EUR payout.
	Code string `json:"Code"`
	// Message describes it.
	Message string `json:"Message"`
}

// Reachability is the answer of PayoutsService.CheckReachability.
type Reachability struct {
	// InstantPayout holds the verdict.
	InstantPayout struct {
		// IsReachable is true when the bank accepts SCT Inst payouts.
		IsReachable bool `json:"IsReachable"`
		// UnreachableReason is set when IsReachable is false.
		UnreachableReason *UnreachableReason `json:"UnreachableReason"`
	} `json:"InstantPayout"`
}

// Reachable reports InstantPayout.IsReachable.
func (r *Reachability) Reachable() bool { return r != nil && r.InstantPayout.IsReachable }

func (r *ReachabilityRequest) validate() error {
	const op = "Payouts.CheckReachability"
	if r == nil {
		return invalid(op, "", "nil *ReachabilityRequest")
	}
	p := newProblems(op)
	r.check(p)
	return p.err()
}

// check records the checks of the fields a reachability check shares with
// a payout: the ids, the amounts, exactly one destination and BankWireRef.
func (r *ReachabilityRequest) check(p *problemList) {
	requiredID(p, "AuthorId", r.AuthorID)
	requiredID(p, "DebitedWalletId", r.DebitedWalletID)
	payoutFunds(p, r.DebitedFunds, r.Fees)
	destination(p, r.RecipientID, r.BankAccountID)
	p.text("BankWireRef", r.BankWireRef)
}

// CheckReachability asks whether the destination bank can receive an
// instant (SCT Inst) payout: POST /payouts/reachability (API release note
// of 2022-03-10). Only EUR payouts can be instant: other currencies come
// back unreachable with UnreachableCurrency (130001). Offer the instant
// option only when Reachable() is true. Nothing is debited. The request is
// validated like CreatePayoutRequest; the call is a POST and carries an
// Idempotency-Key like every POST.
func (s *PayoutsService) CheckReachability(ctx context.Context, in *ReachabilityRequest, opts ...RequestOption) (*Reachability, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	return orNil(send[Reachability](ctx, s.client, http.MethodPost, "/payouts/reachability", reachabilityBody{PayoutModeInstant, in}, opts))
}

// PayoutsService wraps /payouts.
type PayoutsService service
