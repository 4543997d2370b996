package mangopay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"
)

// RecipientStatus is the lifecycle state of a recipient. Unknown values
// decode as they are.
type RecipientStatus string

// RecipientStatus values.
const (
	// RecipientStatusPending: just created. A PAYOUT recipient stays PENDING
	// until the user completes SCA on the hosted page.
	RecipientStatusPending RecipientStatus = "PENDING"
	// RecipientStatusCanceled: SCA failed or expired. Create a new recipient to retry.
	RecipientStatusCanceled RecipientStatus = "CANCELED"
	// RecipientStatusActive: usable for payouts (PAYOUT scope) or pay-ins (PAYIN scope).
	RecipientStatusActive RecipientStatus = "ACTIVE"
	// RecipientStatusDeactivated: deactivated with Deactivate; permanent.
	RecipientStatusDeactivated RecipientStatus = "DEACTIVATED"
)

// PayoutMethodType is the payout rail of a recipient (PascalCase on the
// wire). Unknown values decode as they are.
type PayoutMethodType string

// PayoutMethodType values.
const (
	// PayoutMethodLocalBankTransfer: domestic rails; the account goes in
	// LocalBankTransfer under its currency.
	PayoutMethodLocalBankTransfer PayoutMethodType = "LocalBankTransfer"
	// PayoutMethodInternationalBankTransfer: SWIFT (and domestic rails for
	// the local currency); the account goes in InternationalBankTransfer.
	PayoutMethodInternationalBankTransfer PayoutMethodType = "InternationalBankTransfer"
)

// RecipientType says who holds the account. Unknown values decode as they are.
type RecipientType string

// RecipientType values.
const (
	// RecipientTypeIndividual: a natural person; set IndividualRecipient.
	RecipientTypeIndividual RecipientType = "Individual"
	// RecipientTypeBusiness: a legal entity; set BusinessRecipient.
	RecipientTypeBusiness RecipientType = "Business"
)

// RecipientScope says what a recipient may be used for. Unknown values
// decode as they are.
type RecipientScope string

// RecipientScope values.
const (
	// RecipientScopePayout (Mangopay's default): payouts and pay-in use
	// cases. Only an OWNER user can create one, and creation always
	// requires SCA.
	RecipientScopePayout RecipientScope = "PAYOUT"
	// RecipientScopePayin: direct-debit pay-ins and refunds through payouts
	// only. PAYER or OWNER users; no SCA.
	RecipientScopePayin RecipientScope = "PAYIN"
	// RecipientScopeAll is a filter of ListByUser only (API release note
	// 2026-05-11): it lists PAYOUT and PAYIN recipients together. A
	// recipient's own scope is never ALL, and Create does not take it.
	RecipientScopeAll RecipientScope = "ALL"
)

// RecipientErrorCode is the value of a field-level recipient error: what
// Mangopay puts in APIError.Errors["<json.path>"] on the Recipients
// endpoints, and what RecipientSchema.Check and the SDK's own input checks
// report. Get them for either kind of error with RecipientErrors.
type RecipientErrorCode string

// Field-level error codes documented for Create and Validate a Recipient.
const (
	// RecipientErrorRequired: the value is required but absent.
	RecipientErrorRequired RecipientErrorCode = "REQUIRED"
	// RecipientErrorLengthMoreThanMax: the value is longer than MaxLength.
	RecipientErrorLengthMoreThanMax RecipientErrorCode = "LENGTH_MORE_THAN_MAX"
	// RecipientErrorLengthLessThanMin: the value is shorter than MinLength.
	RecipientErrorLengthLessThanMin RecipientErrorCode = "LENGTH_LESS_THAN_MIN"
	// RecipientErrorInvalidFormat: the value does not match the field's Pattern.
	RecipientErrorInvalidFormat RecipientErrorCode = "INVALID_FORMAT"
	// RecipientErrorNotInAllowedValues: the value is not one of AllowedValues.
	RecipientErrorNotInAllowedValues RecipientErrorCode = "NOT_IN_ALLOWED_VALUES"
	// RecipientErrorUnsupportedCountry: the country is not supported for recipients.
	RecipientErrorUnsupportedCountry RecipientErrorCode = "UNSUPPORTED_COUNTRY"
	// RecipientErrorUnsupportedCurrency: a valid ISO 4217 code not (yet)
	// supported for recipients.
	RecipientErrorUnsupportedCurrency RecipientErrorCode = "UNSUPPORTED_CURRENCY"
	// RecipientErrorUnsupportedPayoutMethodForCurrency: the payout method is
	// not available for this Currency and Country.
	RecipientErrorUnsupportedPayoutMethodForCurrency RecipientErrorCode = "UNSUPPORTED_PAYOUT_METHOD_FOR_CURRENCY"
	// RecipientErrorClientNotFound: the ClientId does not exist.
	RecipientErrorClientNotFound RecipientErrorCode = "CLIENT_NOT_FOUND"
	// RecipientErrorUserNotFound: the UserId does not exist.
	RecipientErrorUserNotFound RecipientErrorCode = "USER_NOT_FOUND"
	// RecipientErrorInvalidSortCode: the (GBP) sort code is not valid.
	RecipientErrorInvalidSortCode RecipientErrorCode = "INVALID_SORT_CODE"
	// RecipientErrorInvalidAccountNumber: the account number is not valid.
	RecipientErrorInvalidAccountNumber RecipientErrorCode = "INVALID_ACCOUNT_NUMBER"
	// RecipientErrorInvalidIBAN: the IBAN is not valid.
	RecipientErrorInvalidIBAN RecipientErrorCode = "INVALID_IBAN"
	// RecipientErrorInvalidBIC: the BIC is not valid.
	RecipientErrorInvalidBIC RecipientErrorCode = "INVALID_BIC"
	// RecipientErrorBICDoesNotCorrespondToAccountCountry: the BIC's country
	// differs from the account's.
	RecipientErrorBICDoesNotCorrespondToAccountCountry RecipientErrorCode = "BIC_DOES_NOT_CORRESPOND_TO_ACCOUNT_COUNTRY"
	// RecipientErrorUnsupportedIBAN: a valid IBAN whose country the payout
	// method does not serve.
	RecipientErrorUnsupportedIBAN RecipientErrorCode = "UNSUPPORTED_IBAN"
	// RecipientErrorInvalidAccountNumberAndSortCodeCombination: the GB sort
	// code and account number do not belong together.
	RecipientErrorInvalidAccountNumberAndSortCodeCombination RecipientErrorCode = "INVALID_ACCOUNT_NUMBER_AND_SORT_CODE_COMBINATION"

	// RecipientErrorLegalRepresentativeEmailMissing is the documented value
	// of the "SCA" entry when a legal user has no LegalRepresentative.Email
	// (matched by ErrRecipientScaNotAllowed too).
	RecipientErrorLegalRepresentativeEmailMissing RecipientErrorCode = "KAR_0042"
)

// Codes that only the SDK's local checks produce; Mangopay never sends them.
const (
	// RecipientErrorPatternUnsupported: the schema's Pattern for the field is
	// a regular expression Go's regexp package cannot compile (for example
	// one with a lookahead other than the "no forbidden characters" form
	// Mangopay uses), so the value could not be checked locally.
	RecipientErrorPatternUnsupported RecipientErrorCode = "PATTERN_UNSUPPORTED"
	// RecipientErrorConflict: fields that exclude each other are both set,
	// or a field disagrees with another (IndividualRecipient with
	// RecipientType Business, LocalBankTransfer keyed by another currency
	// than Currency).
	RecipientErrorConflict RecipientErrorCode = "CONFLICT"
)

var (
	// ErrRecipientScaNotAllowed matches a Recipients error whose Errors map
	// has an "SCA" entry: Mangopay will not run SCA for this user and
	// recipient. Most often a PAYER user asked for a PAYOUT recipient (PAYOUT
	// needs an OWNER: send RecipientScope PAYIN, or categorize the user as
	// OWNER first). The entry's value is an opaque reference, except
	// RecipientErrorLegalRepresentativeEmailMissing ("KAR_0042"): a legal
	// user has no LegalRepresentative.Email.
	ErrRecipientScaNotAllowed = errors.New("mangopay: SCA cannot be performed for this recipient (a PAYOUT recipient needs an OWNER user)")
	// ErrRecipientInvalidState matches Mangopay's 400 {"Type":"other",
	// "Message":"Invalid State"}: Deactivate was called on a recipient that
	// is not ACTIVE (PENDING, CANCELED or already DEACTIVATED).
	ErrRecipientInvalidState = errors.New("mangopay: recipient is not in a state that allows this (only an ACTIVE recipient can be deactivated)")
)

// IndividualRecipient is the holder of a recipient account who is a natural
// person (RecipientType Individual). Names are 1 to 255 characters and must
// not contain ( ) & , . : _ /.
type IndividualRecipient struct {
	// FirstName is the holder's first name, 1 to 255 characters.
	FirstName string `json:"FirstName"`
	// LastName is the holder's last name, 1 to 255 characters.
	LastName string `json:"LastName"`
	// Address is the holder's postal address; the Schema says which lines are
	// required.
	Address *Address `json:"Address,omitempty"`
}

// BusinessRecipient is the holder of a recipient account that is a legal
// entity (RecipientType Business).
type BusinessRecipient struct {
	// BusinessName is the holding entity's name.
	BusinessName string `json:"BusinessName"`
	// Address is the entity's postal address; the Schema says which lines are
	// required.
	Address *Address `json:"Address,omitempty"`
}

// InternationalBankTransfer is the account of a PayoutMethodType
// InternationalBankTransfer recipient. For IBAN countries AccountNumber is
// the IBAN and Mangopay derives the BIC; elsewhere the format depends on the
// Country (see Schema) and BIC is required.
type InternationalBankTransfer struct {
	// AccountNumber is the account number, or the IBAN in IBAN countries; its
	// format depends on Country.
	AccountNumber string `json:"AccountNumber,omitempty"`
	// BIC is the bank's BIC; Mangopay derives it from an IBAN and fills it in
	// responses.
	BIC string `json:"BIC,omitempty"`
}

// GBPAccount is a UK account for LocalBankTransfer.GBP.
type GBPAccount struct {
	// AccountNumber is 8 digits.
	AccountNumber string `json:"AccountNumber"`
	// SortCode is 6 digits.
	SortCode string `json:"SortCode"`
}

// USDAccount is a US account for LocalBankTransfer.USD.
type USDAccount struct {
	// AccountNumber is the US bank account number.
	AccountNumber string `json:"AccountNumber"`
	// ABA is the routing number.
	ABA string `json:"ABA"`
	// FFC ("for further credit") is optional.
	FFC string `json:"FFC,omitempty"`
}

// CADAccount is a Canadian account for LocalBankTransfer.CAD.
type CADAccount struct {
	// AccountNumber is the Canadian bank account number.
	AccountNumber string `json:"AccountNumber"`
	// InstitutionNumber identifies the bank.
	InstitutionNumber string `json:"InstitutionNumber"`
	// BranchCode identifies the branch (transit number).
	BranchCode string `json:"BranchCode"`
	// BankName is the name of the bank.
	BankName string `json:"BankName"`
}

// IBANAccount is the local account of the IBAN currencies (CHF, CZK, DKK,
// EUR, HUF, NOK, PLN, RON, SEK).
type IBANAccount struct {
	// IBAN is the account's IBAN.
	IBAN string `json:"IBAN"`
	// BIC is filled by Mangopay in responses; leave it empty in requests.
	BIC string `json:"BIC,omitempty"`
}

// LocalBankTransfer is the account of a PayoutMethodType LocalBankTransfer
// recipient, keyed on the wire by its currency: {"GBP": {...}}. Set exactly
// one entry, the one matching the request's Currency. The documented shapes
// are typed; any other currency goes in Other, which is encoded alongside:
//
//	&mangopay.LocalBankTransfer{Other: map[string]any{"AUD": map[string]string{"AccountNumber": "...", "BSBCode": "..."}}}
//
// When decoding, currencies without a typed field land in Other.
type LocalBankTransfer struct {
	// GBP is a UK account (AccountNumber and SortCode).
	GBP *GBPAccount
	// USD is a US account (AccountNumber, ABA and an optional FFC).
	USD *USDAccount
	// CAD is a Canadian account.
	CAD *CADAccount
	// CHF is a Swiss franc account, identified by its IBAN.
	CHF *IBANAccount
	// CZK is a Czech koruna account, identified by its IBAN.
	CZK *IBANAccount
	// DKK is a Danish krone account, identified by its IBAN.
	DKK *IBANAccount
	// EUR is a euro account, identified by its IBAN.
	EUR *IBANAccount
	// HUF is a Hungarian forint account, identified by its IBAN.
	HUF *IBANAccount
	// NOK is a Norwegian krone account, identified by its IBAN.
	NOK *IBANAccount
	// PLN is a Polish zloty account, identified by its IBAN.
	PLN *IBANAccount
	// RON is a Romanian leu account, identified by its IBAN.
	RON *IBANAccount
	// SEK is a Swedish krona account, identified by its IBAN.
	SEK *IBANAccount
	// Other holds accounts in currencies without a typed field, keyed by
	// ISO 4217 code; each value must encode to a JSON object.
	Other map[string]any
}

// localAccount is one typed entry of a LocalBankTransfer.
type localAccount struct {
	currency string
	ptr      any // **GBPAccount, **IBANAccount ...
}

// typed lists the typed entries, in a fixed order.
func (l *LocalBankTransfer) typed() []localAccount {
	return []localAccount{
		{"GBP", &l.GBP}, {"USD", &l.USD}, {"CAD", &l.CAD},
		{"CHF", &l.CHF}, {"CZK", &l.CZK}, {"DKK", &l.DKK}, {"EUR", &l.EUR}, {"HUF", &l.HUF},
		{"NOK", &l.NOK}, {"PLN", &l.PLN}, {"RON", &l.RON}, {"SEK", &l.SEK},
	}
}

// value returns the account the entry points to, and whether it is set.
func (a localAccount) value() (any, bool) {
	switch p := a.ptr.(type) {
	case **GBPAccount:
		return *p, *p != nil
	case **USDAccount:
		return *p, *p != nil
	case **CADAccount:
		return *p, *p != nil
	case **IBANAccount:
		return *p, *p != nil
	}
	return nil, false
}

// Currencies returns the currency keys that are set, typed ones first, then
// Other's in sorted order.
func (l *LocalBankTransfer) Currencies() []string {
	if l == nil {
		return nil
	}
	var out []string
	for _, a := range l.typed() {
		if _, ok := a.value(); ok {
			out = append(out, a.currency)
		}
	}
	var other []string
	for k, v := range l.Other {
		if v != nil {
			other = append(other, k)
		}
	}
	slices.Sort(other)
	return append(out, other...)
}

// MarshalJSON encodes the accounts keyed by currency. A currency set both in
// a typed field and in Other is an error.
func (l LocalBankTransfer) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, 1)
	for _, a := range l.typed() {
		if v, ok := a.value(); ok {
			m[a.currency] = v
		}
	}
	for k, v := range l.Other {
		if v == nil {
			continue
		}
		if _, dup := m[k]; dup {
			return nil, fmt.Errorf("mangopay: LocalBankTransfer: currency %s is set both in its field and in Other", truncate(k, 10))
		}
		m[k] = v
	}
	return json.Marshal(m)
}

// UnmarshalJSON decodes the typed currencies into their fields and every
// other currency into Other.
func (l *LocalBankTransfer) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("mangopay: LocalBankTransfer: %w", err)
	}
	*l = LocalBankTransfer{}
	typed := make(map[string]any)
	for _, a := range l.typed() {
		typed[a.currency] = a.ptr
	}
	for k, v := range raw {
		if p, ok := typed[k]; ok {
			if string(v) == "null" {
				continue
			}
			if err := json.Unmarshal(v, p); err != nil {
				return fmt.Errorf("mangopay: LocalBankTransfer.%s: %w", k, err)
			}
			continue
		}
		var x any
		if err := json.Unmarshal(v, &x); err != nil {
			return fmt.Errorf("mangopay: LocalBankTransfer.%s: %w", truncate(k, 10), err)
		}
		if l.Other == nil {
			l.Other = make(map[string]any)
		}
		l.Other[k] = x
	}
	return nil
}

// CreateRecipientRequest is the body of Create and Validate
// (POST /users/{UserId}/recipients[/validate]). Fetch the Schema for the
// PayoutMethodType, RecipientType, Currency and Country first, and check a
// draft with RecipientSchema.Check before sending it.
type CreateRecipientRequest struct {
	// DisplayName is 1 to 50 characters without & , ' or /. Immutable.
	DisplayName string `json:"DisplayName"`
	// PayoutMethodType selects LocalBankTransfer or InternationalBankTransfer.
	PayoutMethodType PayoutMethodType `json:"PayoutMethodType"`
	// RecipientType selects IndividualRecipient or BusinessRecipient.
	RecipientType RecipientType `json:"RecipientType"`
	// Currency is the ISO 4217 code of the account.
	Currency string `json:"Currency"`
	// Country is the ISO 3166-1 alpha-2 destination country.
	Country string `json:"Country"`
	// RecipientScope is PAYOUT when empty (Mangopay's default) or PAYIN
	// (RecipientScopeAll is only a ListByUser filter and is refused here).
	RecipientScope RecipientScope `json:"RecipientScope,omitempty"`
	// Tag is custom data, at most 255 characters. Immutable.
	Tag string `json:"Tag,omitempty"`
	// IndividualRecipient is the holder when RecipientType is Individual; set it
	// or BusinessRecipient, not both.
	IndividualRecipient *IndividualRecipient `json:"IndividualRecipient,omitempty"`
	// BusinessRecipient is the holder when RecipientType is Business.
	BusinessRecipient *BusinessRecipient `json:"BusinessRecipient,omitempty"`
	// InternationalBankTransfer is the account when PayoutMethodType is
	// InternationalBankTransfer; set it or LocalBankTransfer, not both.
	InternationalBankTransfer *InternationalBankTransfer `json:"InternationalBankTransfer,omitempty"`
	// LocalBankTransfer is the account when PayoutMethodType is
	// LocalBankTransfer, keyed by Currency.
	LocalBankTransfer *LocalBankTransfer `json:"LocalBankTransfer,omitempty"`
	// ScaContext defaults to USER_PRESENT for PAYOUT recipients.
	// USER_NOT_PRESENT needs proxy management and the user's consent, else
	// Mangopay answers 403 (ErrScaProxyMissing).
	ScaContext ScaContext `json:"ScaContext,omitempty"`
}

// VOPCheck is the outcome of a Verification of Payee check
// (guides/vop/recipients-payouts; release note 2025-11-10). Unknown values
// decode as they are.
type VOPCheck string

// VOPCheck values.
const (
	// VOPMatch: the account name fully matches the IBAN.
	VOPMatch VOPCheck = "MATCH"
	// VOPCloseMatch: the name partially matches; RecipientVerificationMessage
	// gives the name the bank returned. Confirm with the user.
	VOPCloseMatch VOPCheck = "CLOSE_MATCH"
	// VOPNoMatch: the name does not match. Unless the platform took on the
	// liability, payouts to this recipient fail with 121030.
	VOPNoMatch VOPCheck = "NO_MATCH"
	// VOPMatchNotPossible: the check could not be carried out; payouts are
	// treated as for VOPNoMatch.
	VOPMatchNotPossible VOPCheck = "MATCH_NOT_POSSIBLE"
)

// RecipientVerificationOfPayee is the outcome of Mangopay's Verification of
// Payee check of the account holder's name, on EUR LocalBankTransfer
// recipients of a SEPA country (guides/vop/recipients-payouts).
type RecipientVerificationOfPayee struct {
	// RecipientVerificationID is the id of the check ("RecipientVerificationId"
	// on the wire).
	RecipientVerificationID string `json:"RecipientVerificationId"`
	// RecipientVerificationCheck is VOPMatch, VOPCloseMatch, VOPNoMatch or
	// VOPMatchNotPossible.
	RecipientVerificationCheck VOPCheck `json:"RecipientVerificationCheck"`
	// RecipientVerificationMessage explains the outcome of the check.
	RecipientVerificationMessage string `json:"RecipientVerificationMessage"`
}

// Recipient is a registered payout or pay-in account (returned by Create,
// Get and Deactivate). Its ID is the BankAccountId of payouts.
type Recipient struct {
	// ID is the recipient's id ("Id" on the wire), "rec_..." or a migrated bank
	// account's id; payouts take it as BankAccountId.
	ID string `json:"Id"`
	// Status is PENDING on creation, then ACTIVE once SCA succeeds, CANCELED if
	// it fails or expires, or DEACTIVATED.
	Status RecipientStatus `json:"Status"`
	// CreationDate is when the recipient was created (Unix seconds on the wire).
	CreationDate Time `json:"CreationDate"`
	// DisplayName is the platform's label, 1 to 50 characters; immutable.
	DisplayName string `json:"DisplayName"`
	// PayoutMethodType is LocalBankTransfer or InternationalBankTransfer.
	PayoutMethodType PayoutMethodType `json:"PayoutMethodType"`
	// RecipientType is Individual or Business.
	RecipientType RecipientType `json:"RecipientType"`
	// Currency is the ISO 4217 code of the account.
	Currency string `json:"Currency"`
	// Country is the ISO 3166-1 alpha-2 destination country.
	Country string `json:"Country"`
	// UserID is the id of the recipient's user ("UserId" on the wire).
	UserID string `json:"UserId"`
	// RecipientScope is PAYOUT (OWNERs only, always SCA) or PAYIN (no SCA).
	RecipientScope RecipientScope `json:"RecipientScope"`
	// Tag is the platform's custom data, at most 255 characters; immutable.
	Tag string `json:"Tag,omitempty"`

	// IndividualRecipient is the holder when RecipientType is Individual.
	IndividualRecipient *IndividualRecipient `json:"IndividualRecipient,omitempty"`
	// BusinessRecipient is the holder when RecipientType is Business.
	BusinessRecipient *BusinessRecipient `json:"BusinessRecipient,omitempty"`
	// InternationalBankTransfer is the account when PayoutMethodType is
	// InternationalBankTransfer; Mangopay fills its BIC.
	InternationalBankTransfer *InternationalBankTransfer `json:"InternationalBankTransfer,omitempty"`
	// LocalBankTransfer is the account when PayoutMethodType is
	// LocalBankTransfer.
	LocalBankTransfer *LocalBankTransfer `json:"LocalBankTransfer,omitempty"`

	// PendingUserAction carries the SCA link of a PENDING PAYOUT recipient
	// (the method also returns a *ScaRequiredError for it); nil otherwise.
	PendingUserAction *PendingUserAction `json:"PendingUserAction,omitempty"`
	// RecipientVerificationOfPayee is the Verification of Payee result, when available.
	RecipientVerificationOfPayee *RecipientVerificationOfPayee `json:"RecipientVerificationOfPayee,omitempty"`
}

// RecipientSummary is one item of ListByUser: a recipient without its holder
// and account details.
type RecipientSummary struct {
	// ID is the recipient's id ("Id" on the wire), "rec_..." or a migrated bank
	// account's id; payouts take it as BankAccountId.
	ID string `json:"Id"`
	// CreationDate is when the recipient was created (Unix seconds on the wire).
	CreationDate Time `json:"CreationDate"`
	// DisplayName is the platform's label, 1 to 50 characters; immutable.
	DisplayName string `json:"DisplayName"`
	// PayoutMethodType is LocalBankTransfer or InternationalBankTransfer.
	PayoutMethodType PayoutMethodType `json:"PayoutMethodType"`
	// RecipientType is Individual or Business.
	RecipientType RecipientType `json:"RecipientType"`
	// Currency is the ISO 4217 code of the account.
	Currency string `json:"Currency"`
	// Country is the ISO 3166-1 alpha-2 destination country.
	Country string `json:"Country"`
	// UserID is the id of the recipient's user ("UserId" on the wire).
	UserID string `json:"UserId"`
	// Status is PENDING on creation, then ACTIVE once SCA succeeds, CANCELED if
	// it fails or expires, or DEACTIVATED.
	Status RecipientStatus `json:"Status"`
	// RecipientScope is PAYOUT (OWNERs only, always SCA) or PAYIN (no SCA).
	RecipientScope RecipientScope `json:"RecipientScope"`
}

// PayoutMethods is the answer of RecipientsService.PayoutMethods.
type PayoutMethods struct {
	// AvailablePayoutMethods lists the payout methods offered for the country
	// and currency asked.
	AvailablePayoutMethods []PayoutMethodType `json:"AvailablePayoutMethods"`
}

// Has reports whether m is available.
func (p *PayoutMethods) Has(m PayoutMethodType) bool {
	if p == nil {
		return false
	}
	for _, x := range p.AvailablePayoutMethods {
		if x == m {
			return true
		}
	}
	return false
}

// RecipientSchemaQuery selects the schema returned by RecipientsService.Schema.
// All four fields are required; they are sent as the PascalCase query
// parameters PayoutMethodType, RecipientType, Currency and Country.
type RecipientSchemaQuery struct {
	// PayoutMethodType is LocalBankTransfer or InternationalBankTransfer.
	PayoutMethodType PayoutMethodType `url:"PayoutMethodType"`
	// RecipientType is Individual or Business.
	RecipientType RecipientType `url:"RecipientType"`
	// Currency is an ISO 4217 code.
	Currency string `url:"Currency"`
	// Country is the ISO 3166-1 alpha-2 destination country.
	Country string `url:"Country"`
}

// RecipientListOptions filters and pages ListByUser and AllByUser. Mangopay
// sorts by CreationDate, newest first, unless ListOptions.Sort says
// otherwise (SortCreationDateAsc).
type RecipientListOptions struct {
	ListOptions
	// RecipientScope selects PAYOUT recipients (Mangopay's default when
	// empty), PAYIN ones, or both with RecipientScopeAll.
	RecipientScope RecipientScope `url:"RecipientScope,omitempty"`
}

// payoutMethodsQuery is the query of PayoutMethods.
type payoutMethodsQuery struct {
	Country  string `url:"Country"`
	Currency string `url:"Currency"`
}

// PayoutMethods lists the payout methods available for a destination country
// (ISO 3166-1 alpha-2) and currency (ISO 4217): GET
// /recipients/payout-methods?Country=..&Currency=... Both are required and
// checked before any network call. An unsupported value gives an *APIError
// whose Errors hold Currency UNSUPPORTED_CURRENCY or Country
// UNSUPPORTED_COUNTRY (see RecipientErrors). No SCA is involved.
func (s *RecipientsService) PayoutMethods(ctx context.Context, country, currency string, opts ...RequestOption) (*PayoutMethods, error) {
	var p recipientProblems
	p.code("Country", country, 2)
	p.code("Currency", currency, 3)
	if err := p.err("PayoutMethods"); err != nil {
		return nil, err
	}
	var out PayoutMethods
	if err := s.client.get(ctx, "/recipients/payout-methods", &payoutMethodsQuery{Country: country, Currency: currency}, &out, opts); err != nil {
		return nil, recipientError(err)
	}
	return &out, nil
}

// Schema fetches the data requirements of a recipient for a payout method,
// recipient type, currency and country: GET
// /recipients/schema?PayoutMethodType=..&RecipientType=..&Currency=..&Country=...
// All four query fields are required and checked before any network call.
// Walk the result to render a form and Check a draft against it before
// Validate or Create. No SCA is involved.
func (s *RecipientsService) Schema(ctx context.Context, q *RecipientSchemaQuery, opts ...RequestOption) (*RecipientSchema, error) {
	if q == nil {
		return nil, nilRequest("Recipients.Schema", "RecipientSchemaQuery")
	}
	var p recipientProblems
	p.required("PayoutMethodType", string(q.PayoutMethodType))
	p.required("RecipientType", string(q.RecipientType))
	p.code("Currency", q.Currency, 3)
	p.code("Country", q.Country, 2)
	if err := p.err("Schema"); err != nil {
		return nil, err
	}
	var out RecipientSchema
	if err := s.client.get(ctx, "/recipients/schema", q, &out, opts); err != nil {
		return nil, recipientError(err)
	}
	return &out, nil
}

// Validate asks Mangopay to check a recipient without creating it: POST
// /users/{UserId}/recipients/validate with the body of Create. It returns
// nil when Mangopay answers 200 (with no body). Otherwise the *APIError's
// Errors map holds one code per field path, e.g.
// "LocalBankTransfer.GBP.AccountNumber": "INVALID_ACCOUNT_NUMBER"; read them
// with RecipientErrors. Obvious input problems are reported before any
// network call as a *RecipientCheckError. No SCA is involved.
func (s *RecipientsService) Validate(ctx context.Context, userID string, in *CreateRecipientRequest, opts ...RequestOption) error {
	if err := in.validate("Validate"); err != nil {
		return err
	}
	path, err := pathf("/users/%s/recipients/validate", userID)
	if err != nil {
		return err
	}
	return recipientError(s.client.post(ctx, path, in, nil, opts))
}

// Create registers a recipient for a user: POST /users/{UserId}/recipients
// (201). The recipient starts PENDING. A PAYOUT recipient (the default scope)
// needs an OWNER user and always requires SCA: Create then returns the
// PENDING recipient together with a *ScaRequiredError whose link the user
// must follow (store r.ID first); the recipient becomes ACTIVE (webhook
// RECIPIENT_ACTIVE) or CANCELED (RECIPIENT_CANCELED: create a new one). A
// PAYIN recipient needs no SCA. A PAYER asking for a PAYOUT recipient gets
// an error matching ErrRecipientScaNotAllowed. Obvious input problems are
// reported before any network call as a *RecipientCheckError.
func (s *RecipientsService) Create(ctx context.Context, userID string, in *CreateRecipientRequest, opts ...RequestOption) (*Recipient, error) {
	if err := in.validate("Create"); err != nil {
		return nil, err
	}
	return recipientResult(callPath[Recipient](ctx, s.client, http.MethodPost, "/users/%s/recipients", userID, in, opts))
}

// Get fetches a recipient, including its Verification of Payee result: GET
// /recipients/{RecipientId}. Should the answer carry a PendingUserAction
// link, the recipient comes back with a *ScaRequiredError.
func (s *RecipientsService) Get(ctx context.Context, id string, opts ...RequestOption) (*Recipient, error) {
	return recipientResult(callPath[Recipient](ctx, s.client, http.MethodGet, "/recipients/%s", id, nil, opts))
}

// ListByUser returns one page of a user's recipients as summaries: GET
// /users/{UserId}/recipients. Mangopay lists only PAYOUT recipients unless
// opts.RecipientScope is PAYIN or ALL (both), newest first unless
// opts.Sort is SortCreationDateAsc. No SCA is involved.
func (s *RecipientsService) ListByUser(ctx context.Context, userID string, opts *RecipientListOptions, ropts ...RequestOption) (*Page[RecipientSummary], error) {
	path, err := pathf("/users/%s/recipients", userID)
	if err != nil {
		return nil, err
	}
	var lo *ListOptions
	if opts != nil {
		lo = &opts.ListOptions
	}
	p, err := listPage[RecipientSummary](ctx, s.client, path, opts, lo, ropts)
	if err != nil {
		return nil, recipientError(err)
	}
	return p, nil
}

// AllByUser iterates over all of a user's recipients (GET
// /users/{UserId}/recipients), fetching pages of 100 (or opts.PerPage)
// lazily from opts.Page; opts.RecipientScope and ropts apply to every page.
// It yields at most one error, then stops.
func (s *RecipientsService) AllByUser(ctx context.Context, userID string, opts *RecipientListOptions, ropts ...RequestOption) iter.Seq2[*RecipientSummary, error] {
	var scope RecipientScope
	var lo *ListOptions
	if opts != nil {
		scope, lo = opts.RecipientScope, &opts.ListOptions
	}
	return iterate(ctx, lo, func(ctx context.Context, page *ListOptions) (*Page[RecipientSummary], error) {
		return s.ListByUser(ctx, userID, &RecipientListOptions{ListOptions: *page, RecipientScope: scope}, ropts...)
	})
}

// deactivateRecipientRequest is the exact body of Deactivate.
type deactivateRecipientRequest struct {
	Status RecipientStatus `json:"Status"`
}

// Deactivate permanently deactivates an ACTIVE recipient: PUT
// /recipients/{RecipientId} with {"Status":"DEACTIVATED"}. Payouts to it then
// fail. On a recipient that is not ACTIVE Mangopay answers 400 "Invalid
// State", returned as an error matching ErrRecipientInvalidState (and
// *APIError). No SCA is involved.
func (s *RecipientsService) Deactivate(ctx context.Context, id string, opts ...RequestOption) (*Recipient, error) {
	return recipientResult(callPath[Recipient](ctx, s.client, http.MethodPut, "/recipients/%s", id, &deactivateRecipientRequest{Status: RecipientStatusDeactivated}, opts))
}

// recipientResult returns the decoded recipient together with err when err
// is about its SCA link (Mangopay created or returned the recipient, so the
// caller must see its id), and nil with err otherwise.
func recipientResult(r *Recipient, err error) (*Recipient, error) {
	out, err := keepOnSca(r, err)
	if out == nil && err != nil {
		return nil, recipientError(err)
	}
	return out, err
}

// recipientError recognises the Recipients-specific error answers.
func recipientError(err error) error {
	var api *APIError
	if err == nil || !errors.As(err, &api) {
		return err
	}
	if _, ok := api.FieldError("SCA"); ok {
		return withSentinel(ErrRecipientScaNotAllowed, err)
	}
	if api.StatusCode == http.StatusBadRequest && api.Type == ErrorTypeOther && strings.EqualFold(strings.TrimSpace(api.Message), "Invalid State") {
		return withSentinel(ErrRecipientInvalidState, err)
	}
	return err
}

// RecipientErrors returns the field-level recipient errors carried by err,
// keyed by JSON path ("LocalBankTransfer.GBP.AccountNumber",
// "IndividualRecipient.Address.City", "SCA"): the codes of Mangopay's Errors
// map from an *APIError, or the first problem of each path of a
// *RecipientCheckError (a local check). Since 2026-05-19 Mangopay may follow
// a code with the pattern it checked ("INVALID_FORMAT. Regex validation:
// ^\d{8}$"); the code alone is returned here, so comparing it with
// RecipientErrorInvalidFormat works. Use RecipientFieldErrors for the
// pattern and the raw text. It returns nil when err carries none.
func RecipientErrors(err error) map[string]RecipientErrorCode {
	fields := RecipientFieldErrors(err)
	if fields == nil {
		return nil
	}
	out := make(map[string]RecipientErrorCode, len(fields))
	for path, f := range fields {
		out[path] = f.Code
	}
	return out
}

// RecipientFieldError is one decoded entry of a recipient error: the code,
// the pattern Mangopay names for an INVALID_FORMAT (from 2026-05-19), and the
// value as Mangopay sent it.
type RecipientFieldError struct {
	// Code is the error code, e.g. RecipientErrorInvalidFormat. A value
	// that does not start with a code (upper-case letters, digits and
	// underscores) is kept whole as its Code.
	Code RecipientErrorCode
	// Pattern is the regular expression the value failed, as Mangopay wrote
	// it after "Regex validation:" (e.g. `^\d{8}$`); empty when none was
	// given. It is the schema's Pattern for the field (RecipientsService.Schema).
	Pattern string
	// Raw is the value exactly as received, e.g.
	// "INVALID_FORMAT. Regex validation: ^\d{8}$" (for a local check, the code).
	Raw string
}

// regexValidationLabel introduces the pattern in a recipient error value
// (API release note 2026-05-19).
const regexValidationLabel = "Regex validation:"

// ParseRecipientFieldError decodes one value of a Recipients error's Errors
// map: "INVALID_FORMAT" gives Code INVALID_FORMAT; "INVALID_FORMAT. Regex
// validation: ^\d{8}$" gives Code INVALID_FORMAT and Pattern `^\d{8}$`. Any
// other text after the code is kept only in Raw.
func ParseRecipientFieldError(v string) RecipientFieldError {
	out := RecipientFieldError{Code: RecipientErrorCode(v), Raw: v}
	n := 0
	for n < len(v) && (v[n] >= 'A' && v[n] <= 'Z' || v[n] >= '0' && v[n] <= '9' || v[n] == '_') {
		n++
	}
	if n == 0 || n < len(v) && v[n] != '.' {
		return out // not "CODE" nor "CODE. ...": keep it whole
	}
	out.Code = RecipientErrorCode(v[:n])
	rest := strings.TrimSpace(strings.TrimPrefix(v[n:], "."))
	if len(rest) >= len(regexValidationLabel) && strings.EqualFold(rest[:len(regexValidationLabel)], regexValidationLabel) {
		out.Pattern = strings.TrimSpace(rest[len(regexValidationLabel):])
	}
	return out
}

// RecipientFieldErrors returns the decoded field-level recipient errors
// carried by err, keyed by JSON path: each value of an *APIError's Errors
// map through ParseRecipientFieldError, or the first problem of each path
// of a *RecipientCheckError. It returns nil when err carries none.
func RecipientFieldErrors(err error) map[string]RecipientFieldError {
	var ce *RecipientCheckError
	if errors.As(err, &ce) {
		out := make(map[string]RecipientFieldError, len(ce.Problems))
		for _, p := range ce.Problems {
			if _, seen := out[p.Path]; !seen {
				out[p.Path] = RecipientFieldError{Code: p.Code, Raw: string(p.Code)}
			}
		}
		return out
	}
	var api *APIError
	if errors.As(err, &api) && len(api.Errors) > 0 {
		out := make(map[string]RecipientFieldError, len(api.Errors))
		for k, v := range api.Errors {
			out[k] = ParseRecipientFieldError(v)
		}
		return out
	}
	return nil
}

// RecipientProblem is one problem found by a local check.
type RecipientProblem struct {
	// Path is the dotted JSON path of the field, e.g. "LocalBankTransfer.GBP.SortCode".
	Path string
	// Code is what is wrong, with Mangopay's codes where one applies.
	Code RecipientErrorCode
	// Detail explains the problem in words.
	Detail string
}

// RecipientCheckError lists every problem a local check found in a recipient
// draft: RecipientSchema.Check, and the input checks of Create, Validate,
// PayoutMethods and Schema (which then send nothing).
type RecipientCheckError struct {
	// Problems are in schema (or field) order; a path may appear more than once.
	Problems []RecipientProblem
	op       string
}

// Error lists the problems on one line.
func (e *RecipientCheckError) Error() string {
	var b strings.Builder
	b.WriteString("mangopay: ")
	if e.op != "" {
		b.WriteString(e.op)
		b.WriteString(": ")
	}
	switch n := len(e.Problems); n {
	case 1:
		b.WriteString("1 problem: ")
	default:
		fmt.Fprintf(&b, "%d problems: ", n)
	}
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.Path)
		b.WriteString(": ")
		b.WriteString(string(p.Code))
		if p.Detail != "" {
			b.WriteString(" (")
			b.WriteString(p.Detail)
			b.WriteByte(')')
		}
	}
	return oneLine(b.String())
}

// Is makes errors.Is(err, ErrInvalidRequest) true: like a *ValidationError,
// a *RecipientCheckError is a local refusal and nothing was sent.
func (e *RecipientCheckError) Is(target error) bool { return target == ErrInvalidRequest }

// As lets errors.As find a *ValidationError in a *RecipientCheckError, so a
// handler can treat every local refusal alike: each RecipientProblem becomes
// a FieldProblem whose Field is the Path and whose Problem holds the Code and
// the Detail.
func (e *RecipientCheckError) As(target any) bool {
	v, ok := target.(**ValidationError)
	if !ok {
		return false
	}
	out := &ValidationError{Op: e.op, Problems: make([]FieldProblem, len(e.Problems))}
	for i, p := range e.Problems {
		problem := string(p.Code)
		if p.Detail != "" {
			problem += ": " + p.Detail
		}
		out.Problems[i] = FieldProblem{Field: p.Path, Problem: problem}
	}
	*v = out
	return true
}

// Has reports whether a problem with code was found at path.
func (e *RecipientCheckError) Has(path string, code RecipientErrorCode) bool {
	for _, p := range e.Problems {
		if p.Path == path && p.Code == code {
			return true
		}
	}
	return false
}

// recipientProblems collects problems.
type recipientProblems []RecipientProblem

func (p *recipientProblems) add(path string, code RecipientErrorCode, format string, args ...any) {
	*p = append(*p, RecipientProblem{Path: path, Code: code, Detail: fmt.Sprintf(format, args...)})
}

func (p *recipientProblems) required(path, v string) bool {
	if strings.TrimSpace(v) == "" {
		p.add(path, RecipientErrorRequired, "must not be empty")
		return false
	}
	return true
}

// code checks a required ISO code of n upper-case ASCII letters.
func (p *recipientProblems) code(path, v string, n int) {
	if p.required(path, v) && !isLetterCode(v, n) {
		p.add(path, RecipientErrorInvalidFormat, "%q is not %d upper-case letters", truncate(v, 20), n)
	}
}

func (p recipientProblems) err(op string) error {
	if len(p) == 0 {
		return nil
	}
	return &RecipientCheckError{Problems: p, op: qualifiedOp(op)}
}

// qualifiedOp names a check the way *ValidationError.Op does
// ("Recipients.Create"); RecipientSchema's own checks keep their name.
func qualifiedOp(op string) string {
	if strings.Contains(op, ".") {
		return op
	}
	return "Recipients." + op
}

// validate reports obvious problems of a Create/Validate body.
func (in *CreateRecipientRequest) validate(op string) error {
	if in == nil {
		return nilRequest("Recipients."+op, "CreateRecipientRequest")
	}
	var p recipientProblems
	if p.required("DisplayName", in.DisplayName) {
		if n := utf8.RuneCountInString(in.DisplayName); n > 50 {
			p.add("DisplayName", RecipientErrorLengthMoreThanMax, "%d characters, at most 50", n)
		}
		if strings.ContainsAny(in.DisplayName, "&,'/") {
			p.add("DisplayName", RecipientErrorInvalidFormat, "must not contain & , ' or /")
		}
	}
	p.required("PayoutMethodType", string(in.PayoutMethodType))
	p.required("RecipientType", string(in.RecipientType))
	if in.RecipientScope == RecipientScopeAll {
		p.add("RecipientScope", RecipientErrorNotInAllowedValues, "ALL only filters ListByUser: a recipient is PAYOUT or PAYIN")
	}
	p.code("Currency", in.Currency, 3)
	p.code("Country", in.Country, 2)
	if n := utf8.RuneCountInString(in.Tag); n > 255 {
		p.add("Tag", RecipientErrorLengthMoreThanMax, "%d characters, at most 255", n)
	}
	if !in.ScaContext.Valid() {
		p.add("ScaContext", RecipientErrorNotInAllowedValues, "%q is invalid: want %q, %q or empty", truncate(string(in.ScaContext), 40), ScaUserPresent, ScaUserNotPresent)
	}

	// Holder: exactly one, matching RecipientType.
	ind, bus := in.IndividualRecipient != nil, in.BusinessRecipient != nil
	switch {
	case ind && bus:
		p.add("BusinessRecipient", RecipientErrorConflict, "set only one of IndividualRecipient and BusinessRecipient")
	case !ind && !bus:
		path := "IndividualRecipient"
		if in.RecipientType == RecipientTypeBusiness {
			path = "BusinessRecipient"
		}
		p.add(path, RecipientErrorRequired, "set one of IndividualRecipient and BusinessRecipient")
	case ind && in.RecipientType == RecipientTypeBusiness:
		p.add("IndividualRecipient", RecipientErrorConflict, "RecipientType is Business: set BusinessRecipient instead")
	case bus && in.RecipientType == RecipientTypeIndividual:
		p.add("BusinessRecipient", RecipientErrorConflict, "RecipientType is Individual: set IndividualRecipient instead")
	}

	// Account: exactly one kind, matching PayoutMethodType.
	intl, local := in.InternationalBankTransfer != nil, in.LocalBankTransfer != nil
	switch {
	case intl && local:
		p.add("LocalBankTransfer", RecipientErrorConflict, "set only one of InternationalBankTransfer and LocalBankTransfer")
	case !intl && !local:
		path := "LocalBankTransfer"
		if in.PayoutMethodType == PayoutMethodInternationalBankTransfer {
			path = "InternationalBankTransfer"
		}
		p.add(path, RecipientErrorRequired, "set one of InternationalBankTransfer and LocalBankTransfer")
	case intl && in.PayoutMethodType == PayoutMethodLocalBankTransfer:
		p.add("InternationalBankTransfer", RecipientErrorConflict, "PayoutMethodType is LocalBankTransfer: set LocalBankTransfer instead")
	case local && in.PayoutMethodType == PayoutMethodInternationalBankTransfer:
		p.add("LocalBankTransfer", RecipientErrorConflict, "PayoutMethodType is InternationalBankTransfer: set InternationalBankTransfer instead")
	}
	if local {
		in.LocalBankTransfer.validate(in.Currency, &p)
	}
	return p.err(op)
}

// validate checks that exactly one account is set, under the currency cur.
func (l *LocalBankTransfer) validate(cur string, p *recipientProblems) {
	var set []string
	for _, c := range l.Currencies() {
		if slices.Contains(set, c) {
			p.add("LocalBankTransfer."+c, RecipientErrorConflict, "set both in its field and in Other")
			continue
		}
		set = append(set, c)
	}
	switch {
	case len(set) == 0:
		path := "LocalBankTransfer"
		if cur != "" {
			path += "." + cur
		}
		p.add(path, RecipientErrorRequired, "LocalBankTransfer has no account: set the one of the request's Currency")
	case len(set) > 1:
		p.add("LocalBankTransfer", RecipientErrorConflict, "accounts in %d currencies (%s): set exactly one", len(set), strings.Join(set, ", "))
	case cur != "" && !strings.EqualFold(set[0], cur):
		p.add("LocalBankTransfer."+set[0], RecipientErrorConflict, "keyed by %s but Currency is %s", set[0], truncate(cur, 10))
	}
}
