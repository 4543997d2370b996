package mangopaytest

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"time"
)

// Refund rules of the emulator (see the package documentation, "Refunds"):
// POST /transfers/{id}/refunds and POST /payins/{id}/refunds take AuthorId
// (the initial transaction's author) and, for a partial refund, both
// DebitedFunds and Fees (the fees given back, as a positive or negative
// amount). A full refund gives back everything not refunded yet. The
// refund's DebitedFunds leave the wallet the initial transaction credited,
// its fees leave the fees wallet (Fees is shown negative), and the sum
// (CreditedFunds) goes to the initially debited wallet (a transfer refund)
// or back to the payer's payment method (a pay-in refund; see Outflows).
// Refunds succeed at once, with TRANSFER_REFUND_CREATED / _SUCCEEDED (or
// PAYIN_REFUND_*), or fail (…_FAILED) with: 001401 nothing left to refund,
// 005403 the refunds would exceed the initial credited amount, 005404 the
// refunded fees would exceed the initial fees, 001001 the credited wallet
// cannot cover the refund. A refund of a transaction that is not SUCCEEDED
// is refused with 400 param_error (Mangopay's prerequisite: the initial
// transaction must be SUCCEEDED; no result code is documented for it).

type refund struct {
	seq             int64 // creation order, for the lists
	id              string
	tag             string
	created         time.Time
	authorID        string
	creditedUserID  string
	debited         money // from the initially credited wallet
	feesBack        int64 // from the fees wallet (shown negative)
	status          string
	resultCode      string
	resultMessage   string
	executed        time.Time
	initial         *transaction
	debitedWalletID string
	creditedWallet  string
}

// refundTotals is what was refunded of one transaction so far.
type refundTotals struct{ amount, fees int64 }

type refundOut struct {
	txHead
	InitialTransactionID     string  `json:"InitialTransactionId"`
	InitialTransactionType   string  `json:"InitialTransactionType"`
	InitialTransactionNature string  `json:"InitialTransactionNature"`
	DebitedWalletID          *string `json:"DebitedWalletId"`
	CreditedWalletID         *string `json:"CreditedWalletId"`
	RefundReason             struct {
		RefundReasonMessage *string `json:"RefundReasonMessage"`
		RefundReasonType    string  `json:"RefundReasonType"`
	} `json:"RefundReason"`
}

func (r *refund) render() refundOut {
	cur := r.debited.Currency
	o := refundOut{
		txHead: txHead{
			ID: r.id, Tag: nz(r.tag), CreationDate: r.created.Unix(), AuthorID: r.authorID, CreditedUserID: nz(r.creditedUserID),
			DebitedFunds: r.debited, CreditedFunds: money{cur, r.debited.Amount + r.feesBack}, Fees: money{cur, -r.feesBack},
			Status: r.status, ResultCode: nz(r.resultCode), ResultMessage: nz(r.resultMessage), ExecutionDate: unixOrNull(r.executed),
			Type: r.initial.typ, Nature: "REFUND",
		},
		InitialTransactionID: r.initial.id, InitialTransactionType: r.initial.typ,
		InitialTransactionNature: "REGULAR", DebitedWalletID: nz(r.debitedWalletID), CreditedWalletID: nz(r.creditedWallet),
	}
	o.RefundReason.RefundReasonType = "INITIALIZED_BY_CLIENT"
	if r.initial.typ == "TRANSFER" {
		o.RefundReason.RefundReasonType = "OTHER"
	}
	return o
}

func init() {
	addRoute("POST", "/transfers/{id}/refunds", (*call).refundTransfer)
	addRoute("POST", "/payins/{id}/refunds", (*call).refundPayIn)
	addRoute("GET", "/refunds/{id}", (*call).getRefund)
	addRoute("GET", "/transfers/{id}/refunds", (*call).listTransferRefunds)
	addRoute("GET", "/payins/{id}/refunds", (*call).listPayInRefunds)
}

func (c *call) refundTransfer() {
	id := c.params["id"]
	t := c.s.st.transfers[id]
	if t == nil {
		c.notFound("Transfer", id)
		return
	}
	c.createRefund(t, "TRANSFER_REFUND_")
}

func (c *call) refundPayIn() {
	id := c.params["id"]
	var t *transaction
	for _, x := range c.s.st.txs {
		if x.id == id && x.typ == "PAYIN" {
			t = x
		}
	}
	if t == nil {
		c.notFound("PayIn", id)
		return
	}
	c.createRefund(t, "PAYIN_REFUND_")
}

// createRefund applies the rules above to a refund of t.
func (c *call) createRefund(t *transaction, events string) {
	var in struct {
		AuthorID     *string  `json:"AuthorId"`
		DebitedFunds *moneyIn `json:"DebitedFunds"`
		Fees         *moneyIn `json:"Fees"`
		Tag          *string  `json:"Tag"`
	}
	if !c.decode(&in) {
		return
	}
	e := fieldErrors{}
	e.required("AuthorId", in.AuthorID)
	e.length("Tag", in.Tag, 0, 255)
	switch {
	case in.DebitedFunds == nil && in.Fees != nil:
		e["DebitedFunds"] = "The DebitedFunds field is required when Fees is given."
	case in.DebitedFunds != nil && in.Fees == nil:
		e["Fees"] = "The Fees field is required when DebitedFunds is given."
	case in.DebitedFunds != nil:
		e.money("DebitedFunds", in.DebitedFunds)
		if in.Fees.Currency == nil || in.Fees.Amount == nil {
			e["Fees"] = "The Fees field needs a Currency and an Amount."
		}
		if len(e) == 0 && *in.DebitedFunds.Amount < 1 {
			e["DebitedFunds.Amount"] = "The Amount must be 1 or more."
		}
		if len(e) == 0 && (*in.DebitedFunds.Currency != t.debited.Currency || *in.Fees.Currency != t.debited.Currency) {
			e["DebitedFunds.Currency"] = "The Currency must be the initial transaction's."
		}
	}
	if len(e) == 0 && *in.AuthorID != t.authorID {
		e["AuthorId"] = "The AuthorId must be the author of the initial transaction."
	}
	if len(e) == 0 && t.status != transactionSucceeded {
		e["TransactionId"] = fmt.Sprintf("The initial transaction is %s: only a SUCCEEDED transaction can be refunded.", t.status)
	}
	if len(e) > 0 {
		c.paramError(e)
		return
	}
	st, out := c.s.st, c.s.out()
	tot := out.refunded[t.id]
	if tot == nil {
		tot = &refundTotals{}
		out.refunded[t.id] = tot
	}
	leftAmount, leftFees := t.credited().Amount-tot.amount, t.fees.Amount-tot.fees
	amount, fees := leftAmount, leftFees
	if in.DebitedFunds != nil {
		amount, fees = *in.DebitedFunds.Amount, *in.Fees.Amount
		if fees < 0 {
			fees = -fees
		}
	}
	r := &refund{seq: st.nextSeq(), id: "refund_m_" + ulid(c.now), tag: str(in.Tag), created: c.now, authorID: t.authorID,
		debited: money{t.debited.Currency, amount}, feesBack: fees, status: transactionStatusCreated, initial: t,
		debitedWalletID: t.creditedWalletID}
	if t.typ == "TRANSFER" {
		r.creditedWallet, r.creditedUserID = t.debitedWalletID, t.authorID
	}
	out.refunds[r.id] = r
	c.s.emitLocked(events+"CREATED", r.id, c.now)
	cw := st.wallets[t.creditedWalletID]
	switch {
	case leftAmount <= 0 && leftFees <= 0:
		r.status, r.resultCode, r.resultMessage = transactionFailed, "001401", "Transaction has already been successfully refunded"
	case amount > leftAmount:
		r.status, r.resultCode, r.resultMessage = transactionFailed, "005403", "The refund cannot exceed initial transaction amount"
	case fees > leftFees:
		r.status, r.resultCode, r.resultMessage = transactionFailed, "005404", "The refunded fees cannot exceed initial fee amount"
	case cw == nil || cw.balance < amount:
		r.status, r.resultCode, r.resultMessage = transactionFailed, ResultInsufficientFunds, resultInsufficientMsg
	default:
		cw.balance -= amount
		st.fees[t.fees.Currency] -= fees
		tot.amount += amount
		tot.fees += fees
		if t.typ == "TRANSFER" {
			st.wallets[t.debitedWalletID].balance += amount + fees
		} else {
			out.toPayers[t.debited.Currency] += amount + fees
		}
		r.status, r.resultCode, r.resultMessage, r.executed = transactionSucceeded, ResultSuccess, resultSuccessMessage, c.now
		c.s.emitLocked(events+"SUCCEEDED", r.id, c.now)
		c.json(http.StatusOK, r.render())
		return
	}
	c.s.emitLocked(events+"FAILED", r.id, c.now)
	c.json(http.StatusOK, r.render())
}

func (c *call) getRefund() {
	var refunds map[string]*refund // nil (empty) before the first money movement
	if c.s.st.money != nil {
		refunds = c.s.st.money.refunds
	}
	if r := lookupByID(c, refunds, "Refund", c.notFound); r != nil {
		c.json(http.StatusOK, r.render())
	}
}

// listTransferRefunds answers GET /transfers/{id}/refunds and
// listPayInRefunds GET /payins/{id}/refunds (api-reference/refunds/
// list-refunds-transfer, list-refunds-payin): the refunds of that
// transaction, oldest first, filtered by Status, ResultCode (comma-separated
// values), BeforeDate and AfterDate, and paginated. An unknown transaction
// is 404.
func (c *call) listTransferRefunds() {
	if t := c.s.st.transfers[c.params["id"]]; t != nil {
		c.listRefunds(t)
		return
	}
	c.notFound("Transfer", c.params["id"])
}

func (c *call) listPayInRefunds() {
	for _, t := range c.s.st.txs {
		if t.id == c.params["id"] && t.typ == "PAYIN" {
			c.listRefunds(t)
			return
		}
	}
	c.notFound("PayIn", c.params["id"])
}

func (c *call) listRefunds(t *transaction) {
	statuses, codes := c.qList("Status"), c.qList("ResultCode")
	e := fieldErrors{}
	before, after := c.dates(e)
	if len(e) > 0 {
		c.paramError(e)
		return
	}
	var rs []*refund
	if c.s.st.money != nil {
		for _, r := range c.s.st.money.refunds {
			if r.initial == t && (len(statuses) == 0 || slices.Contains(statuses, r.status)) &&
				(len(codes) == 0 || slices.Contains(codes, r.resultCode)) &&
				(before == 0 || r.created.Unix() < before) && (after == 0 || r.created.Unix() > after) {
				rs = append(rs, r)
			}
		}
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].seq < rs[j].seq })
	out := make([]refundOut, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.render())
	}
	paginate(c, out)
}
