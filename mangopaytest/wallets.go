package mangopaytest

import (
	"fmt"
	"net/http"
	"regexp"
	"time"
)

// Sandbox SCA thresholds for transfers between wallets of different OWNERs
// with ScaContext USER_PRESENT (or absent), in minor units of
// DebitedFunds.Amount.
//
// By default the emulator follows Mangopay's documented sandbox
// (docs.mangopay.com/guides/sca/transfers, "SCA triggers in Sandbox", as of
// its 2025-11-03 revision): the sandbox applies the transaction risk analysis
// (TRA) exemption systematically to 500 EUR or less, so a transfer needs SCA
// from ScaThreshold (50001) and never below it. No low-value counting.
//
// WithLowValueExemption opts into a production-like model instead, which
// Mangopay's sandbox does not apply: amounts below LowValueLimit (3000) use
// the low-value exemption (PSD2 RTS art. 16), counted per paying user since
// their last successful SCA (of any kind). Such a transfer is exempt when
// fewer than LowValueMaxCount (5) transfers were exempted this way before it
// AND the amounts exempted before it plus its own stay within
// LowValueMaxTotal (10000); so the sixth low-value transfer in a row needs
// SCA, as does one that would take the running total past EUR 100. A
// successful SCA resets both counters; a failed or expired one does not.
// Amounts from LowValueLimit up to ScaThreshold stay exempt (TRA) and leave
// the counters alone.
//
// The threshold is compared with the amount in the transfer's own currency:
// the emulator does not convert to a EUR equivalent.
const (
	ScaThreshold     = 50001
	LowValueLimit    = 3000
	LowValueMaxCount = 5
	LowValueMaxTotal = 10000
)

// Transfer result codes the emulator produces.
const (
	ResultSuccess           = "000000"
	ResultInsufficientFunds = "001001"
	ResultScaFailed         = "007101"
	ResultScaExpired        = "007102"
	// ResultPayerToPayer and ResultOwnerToPayer refuse a transfer into the
	// wallet of another user whose UserCategory is PAYER: Mangopay's error
	// pages errors/codes/002701 and errors/codes/002702 (and
	// guides/users/categories/restrictions: a Payer cannot receive funds from
	// other users).
	ResultPayerToPayer       = "002701"
	ResultOwnerToPayer       = "002702"
	resultPayerToPayerMsg    = "Users with category PAYER cannot make transfers to other users with category PAYER."
	resultOwnerToPayerMsg    = "Users with category PAYER cannot receive transfers from users with category OWNER."
	resultSuccessMessage     = "Success"
	resultInsufficientMsg    = "Unsufficient wallet balance"
	resultScaFailedMessage   = "Transfer authentication failed. Please retry with a new request."
	resultScaExpiredMessage  = "Transfer authentication expired. Please initiate a new request."
	transactionStatusCreated = "CREATED"
	transactionSucceeded     = "SUCCEEDED"
	transactionFailed        = "FAILED"
)

// supportedCurrencies are the currencies wallets may hold.
var supportedCurrencies = map[string]bool{
	"AED": true, "AUD": true, "CAD": true, "CHF": true, "CNH": true, "CZK": true, "DKK": true, "EUR": true,
	"GBP": true, "HKD": true, "HUF": true, "ILS": true, "JPY": true, "MXN": true, "NOK": true, "NZD": true,
	"PLN": true, "RON": true, "SAR": true, "SEK": true, "SGD": true, "TRY": true, "USD": true, "ZAR": true,
}

var currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)

// wallet is a Mangopay wallet.
type wallet struct {
	seq         int64
	id          string
	owner       string
	description string
	currency    string
	tag         string
	balance     int64
	created     time.Time
}

type walletOut struct {
	Description  string   `json:"Description"`
	Owners       []string `json:"Owners"`
	ID           string   `json:"Id"`
	Balance      money    `json:"Balance"`
	Currency     string   `json:"Currency"`
	FundsType    string   `json:"FundsType"`
	Tag          *string  `json:"Tag"`
	CreationDate int64    `json:"CreationDate"`
}

func (w *wallet) render() walletOut {
	return walletOut{
		Description: w.description, Owners: []string{w.owner}, ID: w.id,
		Balance: money{w.currency, w.balance}, Currency: w.currency, FundsType: "DEFAULT",
		Tag: nz(w.tag), CreationDate: w.created.Unix(),
	}
}

// transaction is a pay-in (from Credit) or a transfer.
type transaction struct {
	seq              int64
	id               string
	tag              string
	created          time.Time
	authorID         string
	creditedUserID   string
	debited          money
	fees             money
	status           string
	resultCode       string
	resultMessage    string
	executed         time.Time
	typ              string
	creditedWalletID string
	debitedWalletID  string

	// transfers only
	scaContext *string
	session    *session
}

func (t *transaction) credited() money {
	return money{t.debited.Currency, t.debited.Amount - t.fees.Amount}
}

type transactionOut struct {
	txHead
	CreditedWalletID *string `json:"CreditedWalletId"`
	DebitedWalletID  *string `json:"DebitedWalletId"`
	// DepositId names a deposit preauthorization; always null here.
	DepositID *string `json:"DepositId"`
}

func (t *transaction) render() transactionOut {
	return transactionOut{
		txHead:           t.head(),
		CreditedWalletID: nz(t.creditedWalletID), DebitedWalletID: nz(t.debitedWalletID),
	}
}

// txHead is what every transaction object starts with on the wire, in
// Mangopay's order: transfers in a wallet's list, payouts and refunds embed
// it (encoding/json promotes its fields).
type txHead struct {
	ID             string  `json:"Id"`
	Tag            *string `json:"Tag"`
	CreationDate   int64   `json:"CreationDate"`
	AuthorID       string  `json:"AuthorId"`
	CreditedUserID *string `json:"CreditedUserId"`
	DebitedFunds   money   `json:"DebitedFunds"`
	CreditedFunds  money   `json:"CreditedFunds"`
	Fees           money   `json:"Fees"`
	Status         string  `json:"Status"`
	ResultCode     *string `json:"ResultCode"`
	ResultMessage  *string `json:"ResultMessage"`
	ExecutionDate  *int64  `json:"ExecutionDate"`
	Type           string  `json:"Type"`
	Nature         string  `json:"Nature"`
}

// head is t's txHead; a regular (not refund) transaction.
func (t *transaction) head() txHead {
	return txHead{
		ID: t.id, Tag: nz(t.tag), CreationDate: t.created.Unix(), AuthorID: t.authorID,
		CreditedUserID: nz(t.creditedUserID), DebitedFunds: t.debited, CreditedFunds: t.credited(), Fees: t.fees,
		Status: t.status, ResultCode: nz(t.resultCode), ResultMessage: nz(t.resultMessage),
		ExecutionDate: unixOrNull(t.executed), Type: t.typ, Nature: "REGULAR",
	}
}

type transferOut struct {
	ScaContext        *string        `json:"ScaContext"`
	ID                string         `json:"Id"`
	CreationDate      int64          `json:"CreationDate"`
	DebitedWalletID   string         `json:"DebitedWalletId"`
	CreditedWalletID  string         `json:"CreditedWalletId"`
	AuthorID          string         `json:"AuthorId"`
	CreditedUserID    string         `json:"CreditedUserId"`
	DebitedFunds      money          `json:"DebitedFunds"`
	CreditedFunds     money          `json:"CreditedFunds"`
	Fees              money          `json:"Fees"`
	Type              string         `json:"Type"`
	Nature            string         `json:"Nature"`
	Status            string         `json:"Status"`
	Tag               *string        `json:"Tag"`
	ResultCode        *string        `json:"ResultCode"`
	ResultMessage     *string        `json:"ResultMessage"`
	ExecutionDate     *int64         `json:"ExecutionDate"`
	PendingUserAction *pendingAction `json:"PendingUserAction"`
}

func (s *Server) renderTransfer(t *transaction) transferOut {
	link := ""
	if t.status == transactionStatusCreated {
		link = s.linkIfPending(t.session)
	}
	return transferOut{
		ScaContext: t.scaContext, ID: t.id, CreationDate: t.created.Unix(),
		DebitedWalletID: t.debitedWalletID, CreditedWalletID: t.creditedWalletID,
		AuthorID: t.authorID, CreditedUserID: t.creditedUserID,
		DebitedFunds: t.debited, CreditedFunds: t.credited(), Fees: t.fees,
		Type: "TRANSFER", Nature: "REGULAR", Status: t.status, Tag: nz(t.tag),
		ResultCode: nz(t.resultCode), ResultMessage: nz(t.resultMessage),
		ExecutionDate: unixOrNull(t.executed), PendingUserAction: pending(link),
	}
}

// ---- wallets ----

type walletIn struct {
	Owners      []string `json:"Owners"`
	Description *string  `json:"Description"`
	Currency    *string  `json:"Currency"`
	Tag         *string  `json:"Tag"`
}

func (c *call) createWallet() {
	var in walletIn
	if !c.decode(&in) {
		return
	}
	e := fieldErrors{}
	switch {
	case len(in.Owners) == 0:
		e["Owners"] = "The Owners field is required."
	case len(in.Owners) > 1:
		e["Owners"] = "A wallet has exactly one owner."
	case c.s.st.users[in.Owners[0]] == nil:
		e["Owners"] = fmt.Sprintf("The value %s is not valid: no such user", in.Owners[0])
	}
	e.required("Description", in.Description)
	e.length("Description", in.Description, 1, 255)
	e.required("Currency", in.Currency)
	if cur := str(in.Currency); cur != "" && (!currencyRE.MatchString(cur) || !supportedCurrencies[cur]) {
		e["Currency"] = fmt.Sprintf("The currency %s is not supported", cur)
	}
	e.length("Tag", in.Tag, 0, 255)
	if len(e) > 0 {
		c.paramError(e)
		return
	}
	st := c.s.st
	w := &wallet{seq: st.nextSeq(), id: "wlt_m_" + ulid(c.now), owner: in.Owners[0], description: *in.Description,
		currency: *in.Currency, tag: str(in.Tag), created: c.now}
	st.wallets[w.id] = w
	c.json(http.StatusOK, w.render())
}

func (c *call) updateWallet() {
	w := c.lookupWallet()
	if w == nil {
		return
	}
	var in walletIn
	if !c.decode(&in) {
		return
	}
	e := fieldErrors{}
	e.length("Description", in.Description, 1, 255)
	e.length("Tag", in.Tag, 0, 255)
	if in.Currency != nil && *in.Currency != w.currency {
		e["Currency"] = "The Currency of a wallet cannot be changed."
	}
	if len(e) > 0 {
		c.paramError(e)
		return
	}
	if in.Description != nil {
		w.description = *in.Description
	}
	if in.Tag != nil {
		w.tag = *in.Tag
	}
	c.json(http.StatusOK, w.render())
}

func (c *call) lookupWallet() *wallet { return lookupByID(c, c.s.st.wallets, "Wallet", c.notFound) }

// walletAccess applies the wallet-access SCA rule to a read of u's wallets or
// transactions. It answers (and returns false) when the read is refused:
//
//   - ScaContext absent or USER_PRESENT (absent means USER_PRESENT, the
//     default since December 2025) by an OWNER (see strongAuthSubject):
//     401 with WWW-Authenticate: PendingUserAction
//     RedirectUrl=<link> and an empty body, unless a wallet-access SCA of
//     that user succeeded in the last 180 days (emulator clock);
//   - USER_NOT_PRESENT by such an OWNER: 403 sca_proxy_missing unless proxy
//     management is on and the user consented to ViewAccountInformation.
func (c *call) walletAccess(u *user) bool {
	sc := c.q("ScaContext")
	switch sc {
	case "", ctxPresent, ctxNotPresent:
	default:
		c.paramError(map[string]string{"ScaContext": "The ScaContext parameter must be USER_PRESENT or USER_NOT_PRESENT."})
		return false
	}
	if u == nil || !u.strongAuthSubject() {
		return true
	}
	if sc == ctxNotPresent {
		if !c.s.proxyAllowed(u, scopeView) {
			c.proxyMissing()
			return false
		}
		return true
	}
	if !u.walletAccessAt.IsZero() && c.now.Sub(u.walletAccessAt) < WalletAccessValidity {
		return true
	}
	sess := c.s.demandScaLocked(kindWalletAccess, u, "", c.now)
	if sess.status == sessionValidated {
		return true
	}
	setExact(c.w.Header(), "WWW-Authenticate", "PendingUserAction RedirectUrl="+c.s.link(sess))
	c.w.WriteHeader(http.StatusUnauthorized)
	return false
}

func (c *call) getWallet() {
	w := c.lookupWallet()
	if w == nil || !c.walletAccess(c.s.st.users[w.owner]) {
		return
	}
	c.json(http.StatusOK, w.render())
}

func (c *call) listUserWallets() {
	u := c.lookupUser("")
	if u == nil || !c.walletAccess(u) {
		return
	}
	var out []walletOut
	for _, w := range c.s.sortedWallets() {
		if w.owner == u.id {
			out = append(out, w.render())
		}
	}
	paginate(c, out)
}

func (s *Server) sortedWallets() []*wallet {
	ws := make([]*wallet, 0, len(s.st.wallets))
	for _, w := range s.st.wallets {
		ws = append(ws, w)
	}
	sortBySeq(ws, func(w *wallet) int64 { return w.seq })
	return ws
}

// ---- transactions ----

func (c *call) listUserTransactions() {
	u := c.lookupUser("")
	if u == nil || !c.walletAccess(u) {
		return
	}
	c.listTransactions(func(t *transaction) bool { return t.authorID == u.id || t.creditedUserID == u.id })
}

func (c *call) listWalletTransactions() {
	w := c.lookupWallet()
	if w == nil || !c.walletAccess(c.s.st.users[w.owner]) {
		return
	}
	c.listTransactions(func(t *transaction) bool { return t.debitedWalletID == w.id || t.creditedWalletID == w.id })
}

// listTransactions filters with Status, Type, Nature, ResultCode, BeforeDate
// and AfterDate (repeated or comma-separated values) and paginates.
func (c *call) listTransactions(keep func(*transaction) bool) {
	in := func(list []string, v string) bool {
		if len(list) == 0 {
			return true
		}
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	}
	statuses, types, natures, codes := c.qList("Status"), c.qList("Type"), c.qList("Nature"), c.qList("ResultCode")
	e := fieldErrors{}
	before, after := c.dates(e)
	if len(e) > 0 {
		c.paramError(e)
		return
	}
	var out []transactionOut
	for _, t := range c.s.st.txs {
		if !keep(t) || !in(statuses, t.status) || !in(types, t.typ) || !in(natures, "REGULAR") || !in(codes, t.resultCode) {
			continue
		}
		if before != 0 && t.created.Unix() >= before || after != 0 && t.created.Unix() <= after {
			continue
		}
		out = append(out, t.render())
	}
	paginate(c, out)
}

// creditLocked adds a succeeded pay-in of amount to w.
func (s *Server) creditLocked(w *wallet, amount int64, now time.Time) *transaction {
	st := s.st
	t := &transaction{
		seq: st.nextSeq(), id: "payin_m_" + ulid(now), created: now, authorID: w.owner, creditedUserID: w.owner,
		debited: money{w.currency, amount}, fees: money{w.currency, 0}, status: transactionSucceeded,
		resultCode: ResultSuccess, resultMessage: resultSuccessMessage, executed: now, typ: "PAYIN",
		creditedWalletID: w.id, tag: "mangopaytest credit",
	}
	w.balance += amount
	st.txs = append(st.txs, t)
	s.emitLocked("PAYIN_NORMAL_SUCCEEDED", t.id, now)
	return t
}

// ---- transfers ----

type transferIn struct {
	AuthorID         *string  `json:"AuthorId"`
	CreditedUserID   *string  `json:"CreditedUserId"`
	DebitedFunds     *moneyIn `json:"DebitedFunds"`
	Fees             *moneyIn `json:"Fees"`
	DebitedWalletID  *string  `json:"DebitedWalletId"`
	CreditedWalletID *string  `json:"CreditedWalletId"`
	Tag              *string  `json:"Tag"`
	ScaContext       *string  `json:"ScaContext"`
}

func (e fieldErrors) money(field string, m *moneyIn) {
	if m == nil {
		e[field] = fmt.Sprintf("The %s field is required.", field)
		return
	}
	if m.Currency == nil || *m.Currency == "" {
		e[field+".Currency"] = "The Currency field is required."
	} else if !currencyRE.MatchString(*m.Currency) {
		e[field+".Currency"] = "The Currency field must be an ISO 4217 code."
	}
	if m.Amount == nil {
		e[field+".Amount"] = "The Amount field is required."
	} else if *m.Amount < 0 {
		e[field+".Amount"] = "The Amount field must not be negative."
	}
}

// createTransfer answers POST /transfers. See ScaThreshold for the SCA rule
// between different OWNERs; the author must own the debited wallet, the
// currencies must agree, and a transfer the debited wallet cannot cover
// fails with ResultInsufficientFunds.
func (c *call) createTransfer() {
	var in transferIn
	if !c.decode(&in) {
		return
	}
	e := fieldErrors{}
	e.required("AuthorId", in.AuthorID)
	e.required("DebitedWalletId", in.DebitedWalletID)
	e.required("CreditedWalletId", in.CreditedWalletID)
	e.money("DebitedFunds", in.DebitedFunds)
	e.money("Fees", in.Fees)
	e.scaContext(in.ScaContext)
	e.length("Tag", in.Tag, 0, 255)
	if len(e) > 0 {
		c.paramError(e)
		return
	}
	st := c.s.st
	dw, cw, author := st.wallets[*in.DebitedWalletID], st.wallets[*in.CreditedWalletID], st.users[*in.AuthorID]
	if dw == nil {
		e["DebitedWalletId"] = fmt.Sprintf("The value %s is not valid", *in.DebitedWalletID)
	}
	if cw == nil {
		e["CreditedWalletId"] = fmt.Sprintf("The value %s is not valid", *in.CreditedWalletID)
	}
	if author == nil {
		e["AuthorId"] = fmt.Sprintf("The value %s is not valid", *in.AuthorID)
	}
	if dw != nil && cw != nil && dw == cw {
		e["CreditedWalletId"] = "The credited wallet must differ from the debited wallet"
	}
	if *in.Fees.Amount > *in.DebitedFunds.Amount {
		e["Fees.Amount"] = "The Fees must not exceed the DebitedFunds"
	}
	if in.CreditedUserID != nil && cw != nil && *in.CreditedUserID != cw.owner {
		e["CreditedUserId"] = "The CreditedUserId must be the owner of the credited wallet"
	}
	if len(e) > 0 {
		c.paramError(e)
		return
	}
	if author.id != dw.owner {
		c.paramError(map[string]string{"AuthorId": "Author should be the Debited wallet owner"})
		return
	}
	cur := *in.DebitedFunds.Currency
	if cur != dw.currency || cur != cw.currency || *in.Fees.Currency != cur {
		c.fail(http.StatusBadRequest, "currency_incompatibility", "Error: multi-currency usage is not authorized", nil)
		return
	}
	sc := str(in.ScaContext)
	if sc == ctxNotPresent && author.strongAuthSubject() && !c.s.proxyAllowed(author, scopeTransfer) {
		c.proxyMissing()
		return
	}
	t := &transaction{
		seq: st.nextSeq(), id: "xfer_m_" + ulid(c.now), tag: str(in.Tag), created: c.now,
		authorID: author.id, creditedUserID: cw.owner,
		debited: money{cur, *in.DebitedFunds.Amount}, fees: money{cur, *in.Fees.Amount},
		status: transactionStatusCreated, typ: "TRANSFER",
		creditedWalletID: cw.id, debitedWalletID: dw.id, scaContext: in.ScaContext,
	}
	st.transfers[t.id] = t
	st.txs = append(st.txs, t)
	c.s.emitLocked("TRANSFER_NORMAL_CREATED", t.id, c.now)
	credited := st.users[cw.owner]
	switch {
	case credited != nil && credited.id != author.id && credited.category == categoryPayer && author.category == categoryOwner:
		c.s.finishTransferLocked(t, transactionFailed, ResultOwnerToPayer, resultOwnerToPayerMsg, c.now)
	case credited != nil && credited.id != author.id && credited.category == categoryPayer:
		c.s.finishTransferLocked(t, transactionFailed, ResultPayerToPayer, resultPayerToPayerMsg, c.now)
	case dw.balance < t.debited.Amount:
		c.s.finishTransferLocked(t, transactionFailed, ResultInsufficientFunds, resultInsufficientMsg, c.now)
	case sc != ctxNotPresent && c.s.transferNeedsScaLocked(author, credited, t.debited.Amount):
		t.session = c.s.demandScaLocked(kindTransfer, author, t.id, c.now)
	default:
		c.s.executeTransferLocked(t, c.now)
	}
	c.json(http.StatusOK, c.s.renderTransfer(t))
}

// transferNeedsScaLocked applies the sandbox rule (see ScaThreshold) to a
// USER_PRESENT transfer of amount from author to credited, counting
// low-value exemptions only under WithLowValueExemption.
func (s *Server) transferNeedsScaLocked(author, credited *user, amount int64) bool {
	if !author.strongAuthSubject() || credited == nil || credited.category != categoryOwner || credited.id == author.id {
		return false
	}
	switch {
	case amount >= ScaThreshold:
		return true
	case !s.cfg.lowValue || amount >= LowValueLimit:
		return false
	case author.lowValueCount < LowValueMaxCount && author.lowValueSum+amount <= LowValueMaxTotal:
		author.lowValueCount++
		author.lowValueSum += amount
		return false
	}
	return true
}

// executeTransferLocked moves the funds of t, or fails it when the debited
// wallet cannot cover it.
func (s *Server) executeTransferLocked(t *transaction, now time.Time) {
	dw, cw := s.st.wallets[t.debitedWalletID], s.st.wallets[t.creditedWalletID]
	if dw.balance < t.debited.Amount {
		s.finishTransferLocked(t, transactionFailed, ResultInsufficientFunds, resultInsufficientMsg, now)
		return
	}
	dw.balance -= t.debited.Amount
	cw.balance += t.credited().Amount
	s.st.fees[t.fees.Currency] += t.fees.Amount
	s.finishTransferLocked(t, transactionSucceeded, ResultSuccess, resultSuccessMessage, now)
}

// finishTransferLocked sets a transfer's final status and sends its webhook.
func (s *Server) finishTransferLocked(t *transaction, status, code, msg string, now time.Time) {
	t.status, t.resultCode, t.resultMessage = status, code, msg
	if status == transactionSucceeded {
		t.executed = now
		s.emitLocked("TRANSFER_NORMAL_SUCCEEDED", t.id, now)
		return
	}
	s.emitLocked("TRANSFER_NORMAL_FAILED", t.id, now)
}

func (c *call) getTransfer() {
	if t := lookupByID(c, c.s.st.transfers, "Transfer", c.notFound); t != nil {
		c.json(http.StatusOK, c.s.renderTransfer(t))
	}
}
