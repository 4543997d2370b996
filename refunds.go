package mangopay

import (
	"context"
	"net/http"
)

// RefundsService wraps the refund endpoints: POST /transfers/{id}/refunds,
// POST /payins/{id}/refunds and GET /refunds/{id}.
type RefundsService service

// RefundStatus is the status of a refund.
type RefundStatus string

// RefundStatus values (docs.mangopay.com/api-reference/refunds/refund-object).
const (
	// RefundStatusCreated: the refund is under way.
	RefundStatusCreated RefundStatus = "CREATED"
	// RefundStatusSucceeded: the money moved back.
	RefundStatusSucceeded RefundStatus = "SUCCEEDED"
	// RefundStatusFailed: the refund was refused; see ResultCode.
	RefundStatusFailed RefundStatus = "FAILED"
)

// Refund ResultCode values (docs.mangopay.com/errors/codes/<code>).
const (
	// ResultCodeRefundAlreadyRefunded (001401): the transaction has already
	// been refunded in full.
	ResultCodeRefundAlreadyRefunded = "001401"
	// ResultCodeRefundNoMore (001404): no more refunds can be created
	// against this transaction.
	ResultCodeRefundNoMore = "001404"
	// ResultCodeRefundExceedsAmount (005403): the refund (with those made
	// before it) exceeds the initial transaction's amount.
	ResultCodeRefundExceedsAmount = "005403"
	// ResultCodeRefundExceedsFees (005404): the refunded fees exceed the
	// initial transaction's fees.
	ResultCodeRefundExceedsFees = "005404"
	// ResultCodeRefundPending (005406): another refund of this transaction
	// is still pending.
	ResultCodeRefundPending = "005406"
	// ResultCodeRefundDuplicate (005407): the same amount was already
	// refunded for this transaction in the last 24 hours.
	ResultCodeRefundDuplicate = "005407"
)

// RefundReason says why a refund happened.
type RefundReason struct {
	// RefundReasonType is e.g. "INITIALIZED_BY_CLIENT", "OTHER", or for a
	// payout returned by the bank "BANKACCOUNT_HAS_BEEN_CLOSED".
	RefundReasonType string `json:"RefundReasonType"`
	// RefundReasonMessage is an optional explanation.
	RefundReasonMessage string `json:"RefundReasonMessage"`
}

// Refund is the reimbursement of a pay-in, a transfer or (created by
// Mangopay) a payout returned by the bank, as returned by the refund
// endpoints and GET /refunds/{RefundId}.
type Refund struct {
	// ID is the refund id.
	ID string `json:"Id"`
	// Tag is custom data of the platform.
	Tag string `json:"Tag"`
	// CreationDate is when the refund was created.
	CreationDate Time `json:"CreationDate"`
	// AuthorID is the author of the initial transaction.
	AuthorID string `json:"AuthorId"`
	// CreditedUserID is the user credited (empty for a pay-in refund, whose
	// money goes back to the payment method).
	CreditedUserID string `json:"CreditedUserId"`
	// DebitedFunds is what leaves the wallet that was credited by the
	// initial transaction.
	DebitedFunds Money `json:"DebitedFunds"`
	// CreditedFunds is DebitedFunds minus Fees: what is given back.
	CreditedFunds Money `json:"CreditedFunds"`
	// Fees is negative when the platform gives its fees back (they leave
	// its fees wallet).
	Fees Money `json:"Fees"`
	// Status is CREATED, SUCCEEDED or FAILED.
	Status RefundStatus `json:"Status"`
	// ResultCode is "000000" on success, else e.g. ResultCodeRefundExceedsAmount.
	ResultCode string `json:"ResultCode"`
	// ResultMessage explains ResultCode.
	ResultMessage string `json:"ResultMessage"`
	// ExecutionDate is when the refund succeeded; nil otherwise.
	ExecutionDate *Time `json:"ExecutionDate"`
	// Type is the type of the refund transaction (PAYIN, TRANSFER, PAYOUT).
	Type TransactionType `json:"Type"`
	// Nature is REFUND.
	Nature TransactionNature `json:"Nature"`
	// InitialTransactionID is the transaction refunded.
	InitialTransactionID string `json:"InitialTransactionId"`
	// InitialTransactionType is PAYIN, TRANSFER or PAYOUT.
	InitialTransactionType TransactionType `json:"InitialTransactionType"`
	// InitialTransactionNature is the nature of the transaction refunded.
	InitialTransactionNature TransactionNature `json:"InitialTransactionNature"`
	// DebitedWalletID is the wallet the refund takes money from.
	DebitedWalletID string `json:"DebitedWalletId"`
	// CreditedWalletID is the wallet credited back (transfer and payout
	// refunds); empty for a pay-in refund.
	CreditedWalletID string `json:"CreditedWalletId"`
	// RefundReason says why.
	RefundReason *RefundReason `json:"RefundReason"`
}

// CreateRefundRequest is the body of RefundsService.CreateForTransfer and
// CreateForPayIn. Leave DebitedFunds and Fees nil for a full refund; set
// both for a partial one.
type CreateRefundRequest struct {
	// AuthorID is the author of the initial transaction (required).
	AuthorID string `json:"AuthorId"`
	// DebitedFunds is the amount to refund (partial refund; at least 1, in
	// the initial transaction's currency). Nil refunds everything.
	DebitedFunds *Money `json:"DebitedFunds,omitempty"`
	// Fees is the part of the platform's fees given back (partial refund;
	// required together with DebitedFunds, same currency, not negative).
	Fees *Money `json:"Fees,omitempty"`
	// Tag is custom data of the platform (optional, at most 255 characters).
	Tag string `json:"Tag,omitempty"`
}

func (r *CreateRefundRequest) validate(op string) error {
	if r == nil {
		return invalid(op, "", "nil *CreateRefundRequest")
	}
	p := newProblems(op)
	requiredID(p, "AuthorId", r.AuthorID)
	switch {
	case r.DebitedFunds == nil && r.Fees != nil:
		p.add("DebitedFunds", "is required when Fees is given (a partial refund sets both)")
	case r.DebitedFunds != nil && r.Fees == nil:
		p.add("Fees", "is required when DebitedFunds is given (a partial refund sets both; Money{Currency: %q} for no fee)",
			truncate(r.DebitedFunds.Currency, 20))
	case r.DebitedFunds != nil:
		p.currency("DebitedFunds.Currency", r.DebitedFunds.Currency)
		if r.DebitedFunds.Amount < 1 {
			p.add("DebitedFunds.Amount", "must be at least 1, got %d", r.DebitedFunds.Amount)
		}
		if r.Fees.Amount < 0 {
			p.add("Fees.Amount", "must not be negative, got %d (give the amount of fees refunded)", r.Fees.Amount)
		}
		if r.Fees.Currency != r.DebitedFunds.Currency {
			p.add("Fees.Currency", "%q differs from DebitedFunds.Currency %q",
				truncate(r.Fees.Currency, 20), truncate(r.DebitedFunds.Currency, 20))
		}
	}
	p.text("Tag", r.Tag)
	return p.err()
}

// CreateForTransfer refunds a transfer, in full or in part: POST
// /transfers/{TransferId}/refunds. The money goes back from the credited
// wallet to the debited one (and the refunded fees from the platform's fees
// wallet).
//
// Mangopay may answer with a FAILED refund (for example
// ResultCodeRefundExceedsAmount, ResultCodeRefundAlreadyRefunded): the call
// worked and the refund is returned with a nil error, so check Status.
// Confirm a CREATED refund with Get or the TRANSFER_REFUND_* webhooks. The
// request is validated locally (*ValidationError), the id checked
// (ErrInvalidID), and the POST carries an Idempotency-Key reused on every
// retry with /responses recovery, so a retry never refunds twice.
func (s *RefundsService) CreateForTransfer(ctx context.Context, transferID string, in *CreateRefundRequest, opts ...RequestOption) (*Refund, error) {
	return s.create(ctx, "Refunds.CreateForTransfer", "/transfers/%s/refunds", transferID, in, opts)
}

// CreateForPayIn refunds a pay-in, in full or in part: POST
// /payins/{PayInId}/refunds. The money leaves the credited wallet (and the
// refunded fees the fees wallet) and goes back to the payment method.
// Mangopay refunds only a SUCCEEDED, undisputed pay-in within the payment
// method's window. Results, validation and idempotency as CreateForTransfer;
// the webhooks are PAYIN_REFUND_*. Bank wire pay-ins have no refund object:
// refund them with a payout carrying a PaymentRef (PayoutsService.Create).
func (s *RefundsService) CreateForPayIn(ctx context.Context, payInID string, in *CreateRefundRequest, opts ...RequestOption) (*Refund, error) {
	return s.create(ctx, "Refunds.CreateForPayIn", "/payins/%s/refunds", payInID, in, opts)
}

func (s *RefundsService) create(ctx context.Context, op, format, id string, in *CreateRefundRequest, opts []RequestOption) (*Refund, error) {
	if err := in.validate(op); err != nil {
		return nil, err
	}
	return orNil(callPath[Refund](ctx, s.client, http.MethodPost, format, id, in, opts))
}

// Get reads a refund (of a pay-in, a transfer, or a payout returned by the
// bank): GET /refunds/{RefundId}.
func (s *RefundsService) Get(ctx context.Context, refundID string, opts ...RequestOption) (*Refund, error) {
	return orNil(callPath[Refund](ctx, s.client, http.MethodGet, "/refunds/%s", refundID, nil, opts))
}

// hasID makes Refund an identified resource: a recovered 2xx without an Id
// leaves the call's outcome unknown.
func (r *Refund) hasID() bool { return r.ID != "" }

// mismatch tells the pipeline whether a refund recovered through
// /responses/{key} answers this request (the path, with the refunded
// transaction's id, is checked by the pipeline): the same author and, for a
// partial refund, the same DebitedFunds.
func (r *CreateRefundRequest) mismatch(out any) string {
	return recordedAs(out, func(got *Refund) string {
		p := differ("AuthorId", r.AuthorID, got.AuthorID)
		if p == "" && r.DebitedFunds != nil {
			p = differ("DebitedFunds", *r.DebitedFunds, got.DebitedFunds)
		}
		return p
	})
}
