package mangopay

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"strings"
	"time"
)

// FundsType says what a wallet holds.
type FundsType string

// FundsType values.
const (
	// FundsTypeDefault is a user's ordinary wallet.
	FundsTypeDefault FundsType = "DEFAULT"
	// FundsTypeFees is the platform's fees wallet.
	FundsTypeFees FundsType = "FEES"
	// FundsTypeCredit is the platform's repudiation (credit) wallet.
	FundsTypeCredit FundsType = "CREDIT"
)

// Wallet is a Mangopay e-money wallet, as returned by GET /wallets/{WalletId}
// and GET /users/{UserId}/wallets.
type Wallet struct {
	// ID is the wallet id, e.g. "wlt_m_01J18J1SQGG6KXNM3F8GD674TP".
	ID string `json:"Id"`
	// Owners holds the id of the user owning the wallet (Mangopay allows one).
	Owners []string `json:"Owners"`
	// Description is the platform's label for the wallet.
	Description string `json:"Description"`
	// Balance is the current balance, in minor units of Currency.
	Balance Money `json:"Balance"`
	// Currency is the ISO 4217 code of the wallet, fixed at creation.
	Currency string `json:"Currency"`
	// FundsType is DEFAULT for users' wallets, FEES or CREDIT for the
	// platform's own.
	FundsType FundsType `json:"FundsType"`
	// Tag is custom data of the platform.
	Tag string `json:"Tag"`
	// CreationDate is when the wallet was created.
	CreationDate Time `json:"CreationDate"`
}

// CreateWalletRequest is the body of WalletsService.Create.
type CreateWalletRequest struct {
	// Owners holds the id of the user who will own the wallet (required;
	// Mangopay accepts exactly one).
	Owners []string `json:"Owners"`
	// Description is a label for the wallet (required, at most 255 characters).
	Description string `json:"Description"`
	// Currency is the ISO 4217 code of the wallet (required), e.g. "EUR".
	// It cannot be changed later.
	Currency string `json:"Currency"`
	// Tag is custom data of the platform (optional, at most 255 characters).
	Tag string `json:"Tag,omitempty"`
}

// maxTextLength is Mangopay's limit on Description and Tag fields, in
// characters.
const maxTextLength = 255

func (r *CreateWalletRequest) validate() error {
	const op = "Wallets.Create"
	if r == nil {
		return nilRequest(op, "CreateWalletRequest")
	}
	p := newProblems(op)
	switch len(r.Owners) {
	case 0:
		p.add("Owners", "is required (the id of the owning user)")
	case 1:
		if strings.TrimSpace(r.Owners[0]) == "" {
			p.add("Owners[0]", "is empty")
		}
	default:
		p.add("Owners", "holds %d ids: Mangopay accepts exactly one", len(r.Owners))
	}
	p.required("Description", r.Description)
	p.currency("Currency", r.Currency)
	p.text("Description", r.Description)
	p.text("Tag", r.Tag)
	return p.err()
}

// UpdateWalletRequest is the body of WalletsService.Update. Nil fields are
// not sent and keep their value; Ptr("") clears the Tag.
type UpdateWalletRequest struct {
	// Description is the new label of the wallet (not empty, at most 255
	// characters).
	Description *string `json:"Description,omitempty"`
	// Tag is the new custom data of the platform (at most 255 characters).
	Tag *string `json:"Tag,omitempty"`
}

func (r *UpdateWalletRequest) validate() error {
	const op = "Wallets.Update"
	if r == nil {
		return nilRequest(op, "UpdateWalletRequest")
	}
	if r.Description == nil && r.Tag == nil {
		return invalid(op, "", "nothing to update: set Description or Tag")
	}
	p := newProblems(op)
	if r.Description != nil {
		if strings.TrimSpace(*r.Description) == "" {
			p.add("Description", "is empty (it is required; leave it nil to keep it)")
		} else {
			p.text("Description", *r.Description)
		}
	}
	if r.Tag != nil {
		p.text("Tag", *r.Tag)
	}
	return p.err()
}

// walletQuery is the query of the SCA-gated wallet reads.
type walletQuery struct {
	ListOptions
	ScaContext ScaContext `url:"ScaContext,omitempty"`
}

// Create creates a wallet for a user: POST /wallets. It is not SCA-gated.
// Checked before any network call: exactly one owner id, a Description, a
// three-letter Currency, and Description and Tag of at most 255 characters.
func (s *WalletsService) Create(ctx context.Context, in *CreateWalletRequest, opts ...RequestOption) (*Wallet, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	return orNil(send[Wallet](ctx, s.client, http.MethodPost, "/wallets", in, opts))
}

// Update changes a wallet's Description or Tag: PUT /wallets/{WalletId}. It
// is not SCA-gated. A request with no field set, an empty Description or a
// field over 255 characters is refused before any network call.
func (s *WalletsService) Update(ctx context.Context, walletID string, in *UpdateWalletRequest, opts ...RequestOption) (*Wallet, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	return orNil(callPath[Wallet](ctx, s.client, http.MethodPut, "/wallets/%s", walletID, in, opts))
}

// Get reads one wallet and its balance: GET /wallets/{WalletId}?ScaContext=...
//
// This is one of the four SCA-gated wallet-access reads. sca is sent as the
// ScaContext query parameter unless it is empty (Mangopay then applies its
// default, USER_PRESENT since 15 December 2025). With ScaUserPresent, an
// OWNER who has not passed wallet-access SCA in the last 180 days gets a 401
// that this method returns as a *ScaRequiredError (Source ScaSourceHeader)
// and a nil wallet: redirect the user, then call Get again when they come
// back (there is no webhook for this). With ScaUserNotPresent and no proxy
// consent, the error matches ErrScaProxyMissing and ErrForbidden.
func (s *WalletsService) Get(ctx context.Context, walletID string, sca ScaContext, opts ...RequestOption) (*Wallet, error) {
	if err := checkScaContext("Wallets.Get", sca); err != nil {
		return nil, err
	}
	path, err := pathf("/wallets/%s", walletID)
	if err != nil {
		return nil, err
	}
	var out Wallet
	if err := s.client.get(ctx, path, &walletQuery{ScaContext: sca}, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListByUser reads one page of a user's wallets:
// GET /users/{UserId}/wallets?ScaContext=...&page=...&per_page=...
//
// It is SCA-gated like Get: sca is sent as the ScaContext query parameter
// unless empty, and an SCA demand is returned as a *ScaRequiredError with a
// nil page.
func (s *WalletsService) ListByUser(ctx context.Context, userID string, sca ScaContext, lo *ListOptions, opts ...RequestOption) (*Page[Wallet], error) {
	if err := checkScaContext("Wallets.ListByUser", sca); err != nil {
		return nil, err
	}
	path, err := pathf("/users/%s/wallets", userID)
	if err != nil {
		return nil, err
	}
	q := &walletQuery{ScaContext: sca}
	if lo != nil {
		q.ListOptions = *lo
	}
	return listPage[Wallet](ctx, s.client, path, q, lo, opts)
}

// AllByUser iterates over every wallet of a user, fetching pages of 100 (or
// lo.PerPage) lazily from GET /users/{UserId}/wallets; opts apply to every
// page request. It stops when the loop breaks (no further request is made)
// and yields at most one error, such as a *ScaRequiredError when Mangopay
// demands SCA on any page.
func (s *WalletsService) AllByUser(ctx context.Context, userID string, sca ScaContext, lo *ListOptions, opts ...RequestOption) iter.Seq2[*Wallet, error] {
	return iterate(ctx, lo, func(ctx context.Context, lo *ListOptions) (*Page[Wallet], error) {
		return s.ListByUser(ctx, userID, sca, lo, opts...)
	})
}

// TransactionStatus is the status of a transaction.
type TransactionStatus string

// TransactionStatus values.
const (
	TransactionStatusCreated   TransactionStatus = "CREATED"
	TransactionStatusSucceeded TransactionStatus = "SUCCEEDED"
	TransactionStatusFailed    TransactionStatus = "FAILED"
)

// TransactionType is the kind of money movement.
type TransactionType string

// TransactionType values.
const (
	TransactionTypePayin      TransactionType = "PAYIN"
	TransactionTypeTransfer   TransactionType = "TRANSFER"
	TransactionTypeConversion TransactionType = "CONVERSION"
	TransactionTypePayout     TransactionType = "PAYOUT"
)

// TransactionNature tells an ordinary transaction from a reversal.
type TransactionNature string

// TransactionNature values.
const (
	TransactionNatureRegular     TransactionNature = "REGULAR"
	TransactionNatureRepudiation TransactionNature = "REPUDIATION"
	TransactionNatureRefund      TransactionNature = "REFUND"
	TransactionNatureSettlement  TransactionNature = "SETTLEMENT"
)

// Transaction is one money movement (pay-in, transfer, conversion, payout)
// as listed by GET /users/{UserId}/transactions and
// GET /wallets/{WalletId}/transactions.
type Transaction struct {
	// ID is the id of the underlying pay-in, transfer, conversion or payout.
	ID string `json:"Id"`
	// Tag is custom data of the platform.
	Tag string `json:"Tag"`
	// CreationDate is when the transaction was created.
	CreationDate Time `json:"CreationDate"`
	// AuthorID is the user at the source of the transaction.
	AuthorID string `json:"AuthorId"`
	// CreditedUserID is the user whose wallet is credited (empty for a payout).
	CreditedUserID string `json:"CreditedUserId"`
	// DebitedFunds is the amount debited.
	DebitedFunds Money `json:"DebitedFunds"`
	// CreditedFunds is DebitedFunds minus Fees.
	CreditedFunds Money `json:"CreditedFunds"`
	// Fees is the platform's fee. It is negative on refunds (the fee is
	// given back).
	Fees Money `json:"Fees"`
	// Status is CREATED, SUCCEEDED or FAILED.
	Status TransactionStatus `json:"Status"`
	// ResultCode is Mangopay's result code ("000000" on success; empty while
	// CREATED). See ResultCodeTransferAuthFailed and friends.
	ResultCode string `json:"ResultCode"`
	// ResultMessage explains ResultCode.
	ResultMessage string `json:"ResultMessage"`
	// ExecutionDate is when the transaction was executed; nil until it is.
	ExecutionDate *Time `json:"ExecutionDate"`
	// Type is PAYIN, TRANSFER, CONVERSION or PAYOUT.
	Type TransactionType `json:"Type"`
	// Nature is REGULAR, REPUDIATION, REFUND or SETTLEMENT.
	Nature TransactionNature `json:"Nature"`
	// CreditedWalletID is the credited wallet (empty for a payout).
	CreditedWalletID string `json:"CreditedWalletId"`
	// DebitedWalletID is the debited wallet (empty for a pay-in).
	DebitedWalletID string `json:"DebitedWalletId"`
	// DepositID is the deposit preauthorization behind a pay-in, if any.
	DepositID string `json:"DepositId"`
}

// TransactionListOptions filters, sorts and pages the transaction lists.
//
// Several values in one filter are sent comma-separated in a single
// parameter (Status=SUCCEEDED,FAILED), as Mangopay's transaction pages
// document. The paging and Sort fields come from the embedded ListOptions
// (page, per_page, Sort=CreationDate:DESC). Zero values are not sent.
type TransactionListOptions struct {
	ListOptions
	// Status keeps transactions in any of these statuses.
	Status []TransactionStatus `url:"Status,comma,omitempty"`
	// Type keeps transactions of any of these types.
	Type []TransactionType `url:"Type,comma,omitempty"`
	// Nature keeps transactions of any of these natures.
	Nature []TransactionNature `url:"Nature,comma,omitempty"`
	// ResultCode keeps transactions with any of these result codes, e.g.
	// ResultCodeTransferAuthFailed.
	ResultCode []string `url:"ResultCode,comma,omitempty"`
	// BeforeDate keeps transactions created before this time. It is sent as
	// Unix seconds; the zero time.Time is not sent.
	BeforeDate time.Time `url:"BeforeDate,unix,omitempty"`
	// AfterDate keeps transactions created after this time. It is sent as
	// Unix seconds; the zero time.Time is not sent.
	AfterDate time.Time `url:"AfterDate,unix,omitempty"`
}

func (o *TransactionListOptions) validate(op string) error {
	if o == nil {
		return nil
	}
	p := newProblems(op)
	check := func(field string, vals []string) {
		for i, v := range vals {
			if strings.TrimSpace(v) == "" || strings.Contains(v, ",") {
				p.add(fmt.Sprintf("%s[%d]", field, i), "%q is empty or contains a comma", truncate(v, 40))
			}
		}
	}
	check("Status", enumStrings(o.Status))
	check("Type", enumStrings(o.Type))
	check("Nature", enumStrings(o.Nature))
	check("ResultCode", o.ResultCode)
	if !o.BeforeDate.IsZero() && !o.AfterDate.IsZero() && !o.AfterDate.Before(o.BeforeDate) {
		p.add("AfterDate", "%s is not before BeforeDate %s",
			o.AfterDate.UTC().Format(time.RFC3339), o.BeforeDate.UTC().Format(time.RFC3339))
	}
	return p.err()
}

func enumStrings[S ~string](in []S) []string {
	out := make([]string, len(in))
	for i, v := range in {
		out[i] = string(v)
	}
	return out
}

// transactionQuery is the query of the transaction lists.
type transactionQuery struct {
	TransactionListOptions
	ScaContext ScaContext `url:"ScaContext,omitempty"`
}

// ListByUser reads one page of all transactions of a user's wallets:
// GET /users/{UserId}/transactions?ScaContext=...&Status=...&page=...
//
// This is an SCA-gated wallet-access read: sca is sent as the ScaContext
// query parameter unless empty, and an SCA demand (401 with a
// WWW-Authenticate: PendingUserAction challenge) is returned as a
// *ScaRequiredError with a nil page; with ScaUserNotPresent and no proxy
// consent the error matches ErrScaProxyMissing. lo may be nil.
func (s *TransactionsService) ListByUser(ctx context.Context, userID string, sca ScaContext, lo *TransactionListOptions, opts ...RequestOption) (*Page[Transaction], error) {
	return s.list(ctx, "Transactions.ListByUser", "/users/%s/transactions", userID, sca, lo, opts)
}

// ListByWallet reads one page of a wallet's transactions:
// GET /wallets/{WalletId}/transactions?ScaContext=...&Status=...&page=...
//
// It is SCA-gated exactly like ListByUser.
func (s *TransactionsService) ListByWallet(ctx context.Context, walletID string, sca ScaContext, lo *TransactionListOptions, opts ...RequestOption) (*Page[Transaction], error) {
	return s.list(ctx, "Transactions.ListByWallet", "/wallets/%s/transactions", walletID, sca, lo, opts)
}

func (s *TransactionsService) list(ctx context.Context, op, format, id string, sca ScaContext, lo *TransactionListOptions, opts []RequestOption) (*Page[Transaction], error) {
	if err := checkScaContext(op, sca); err != nil {
		return nil, err
	}
	if err := lo.validate(op); err != nil {
		return nil, err
	}
	path, err := pathf(format, id)
	if err != nil {
		return nil, err
	}
	q := &transactionQuery{ScaContext: sca}
	var paging *ListOptions
	if lo != nil {
		q.TransactionListOptions = *lo
		paging = &lo.ListOptions
	}
	return listPage[Transaction](ctx, s.client, path, q, paging, opts)
}

// AllByUser iterates over every transaction of a user, fetching pages of 100
// (or lo.PerPage) lazily from GET /users/{UserId}/transactions with lo's
// filters; opts apply to every page request. It stops when the loop breaks
// (no further request is made) and yields at most one error, such as a
// *ScaRequiredError when Mangopay demands SCA on any page.
func (s *TransactionsService) AllByUser(ctx context.Context, userID string, sca ScaContext, lo *TransactionListOptions, opts ...RequestOption) iter.Seq2[*Transaction, error] {
	return s.all(ctx, "Transactions.AllByUser", "/users/%s/transactions", userID, sca, lo, opts)
}

// AllByWallet iterates over every transaction of a wallet, fetching pages of
// 100 (or lo.PerPage) lazily from GET /wallets/{WalletId}/transactions with
// lo's filters; opts apply to every page request. It stops like AllByUser.
func (s *TransactionsService) AllByWallet(ctx context.Context, walletID string, sca ScaContext, lo *TransactionListOptions, opts ...RequestOption) iter.Seq2[*Transaction, error] {
	return s.all(ctx, "Transactions.AllByWallet", "/wallets/%s/transactions", walletID, sca, lo, opts)
}

func (s *TransactionsService) all(ctx context.Context, op, format, id string, sca ScaContext, lo *TransactionListOptions, opts []RequestOption) iter.Seq2[*Transaction, error] {
	var filters TransactionListOptions
	var paging *ListOptions
	if lo != nil {
		filters = *lo
		paging = &filters.ListOptions
	}
	return iterate(ctx, paging, func(ctx context.Context, page *ListOptions) (*Page[Transaction], error) {
		q := filters
		q.ListOptions = *page
		return s.list(ctx, op, format, id, sca, &q, opts)
	})
}
