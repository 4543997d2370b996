package mangopay

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Pay-ins put money into a wallet: a card payment on Mangopay's hosted page
// (CreateCardWeb), a payment with a card registered beforehand
// (CreateCardDirect, with 3DS2), or a bank wire the user sends to the bank
// account Mangopay returns (CreateBankWire). The wire facts and their sources
// are in docs/wire.md, section "Pay-ins".

// PayInStatus is the status of a pay-in.
type PayInStatus string

// PayInStatus values (docs.mangopay.com/api-reference/direct-card-payins/direct-card-payin-object).
const (
	// PayInStatusCreated: the pay-in waits: for the user on the hosted
	// payment page or the 3DS2 challenge, or (bank wire) for the funds.
	PayInStatusCreated PayInStatus = "CREATED"
	// PayInStatusSucceeded: the credited wallet received CreditedFunds.
	PayInStatusSucceeded PayInStatus = "SUCCEEDED"
	// PayInStatusFailed: the pay-in was refused or expired; see ResultCode.
	PayInStatusFailed PayInStatus = "FAILED"
)

// PaymentType is the payment method of a pay-in.
type PaymentType string

// PaymentType values.
const (
	// PaymentTypeCard: a card pay-in (web or direct).
	PaymentTypeCard PaymentType = "CARD"
	// PaymentTypeDirectDebit: a direct-debit pay-in.
	PaymentTypeDirectDebit PaymentType = "DIRECT_DEBIT"
	// PaymentTypePreauthorized: a pay-in against a preauthorization.
	PaymentTypePreauthorized PaymentType = "PREAUTHORIZED"
	// PaymentTypeBankWire: a bank wire pay-in.
	PaymentTypeBankWire PaymentType = "BANK_WIRE"
)

// ExecutionType says how a pay-in is executed.
type ExecutionType string

// ExecutionType values.
const (
	// ExecutionTypeWeb: the user pays on a Mangopay-hosted page (RedirectURL).
	ExecutionTypeWeb ExecutionType = "WEB"
	// ExecutionTypeDirect: the platform pays with a registered card, or
	// declares a bank wire.
	ExecutionTypeDirect ExecutionType = "DIRECT"
	// ExecutionTypeExternalInstruction: funds arrived without a declaration
	// (for example on a virtual IBAN).
	ExecutionTypeExternalInstruction ExecutionType = "EXTERNAL_INSTRUCTION"
)

// SecureMode is the 3DS2 mode requested for a card pay-in.
type SecureMode string

// SecureMode values. Empty is not sent: Mangopay applies DEFAULT.
const (
	// SecureModeDefault asks for an SCA exemption (frictionless) when the
	// contract allows it and the issuer accepts.
	SecureModeDefault SecureMode = "DEFAULT"
	// SecureModeForce asks for SCA (a 3DS2 challenge).
	SecureModeForce SecureMode = "FORCE"
	// SecureModeNoChoice leaves the choice to the issuer.
	SecureModeNoChoice SecureMode = "NO_CHOICE"
)

// CardType is the kind of card of a registration or a web pay-in.
type CardType string

// CardType values.
const (
	// CardTypeCBVisaMastercard: CB, Visa or Mastercard (the default of a
	// card registration).
	CardTypeCBVisaMastercard CardType = "CB_VISA_MASTERCARD"
	// CardTypeAmex: American Express.
	CardTypeAmex CardType = "AMEX"
	// CardTypeMaestro: Maestro.
	CardTypeMaestro CardType = "MAESTRO"
	// CardTypeBCMC: Bancontact.
	CardTypeBCMC CardType = "BCMC"
)

// PaymentCategory is the channel through which the user gave their card.
type PaymentCategory string

// PaymentCategory values. Empty is not sent: Mangopay applies ECommerce.
const (
	// PaymentCategoryECommerce: the card was given online.
	PaymentCategoryECommerce PaymentCategory = "ECommerce"
	// PaymentCategoryTelephoneOrder: mail or telephone order (MOTO).
	PaymentCategoryTelephoneOrder PaymentCategory = "TelephoneOrder"
)

// Pay-in and card ResultCode values a platform branches on
// (docs.mangopay.com/errors/codes/<code>). ResultCodeSuccess is "000000".
const (
	// ResultCodeSuccess (000000): the operation succeeded.
	ResultCodeSuccess = "000000"
	// ResultCodeUserNotRedirected (001030): the user was never redirected to
	// the hosted payment page.
	ResultCodeUserNotRedirected = "001030"
	// ResultCodeUserCanceledPayment (001031): the user canceled on the
	// hosted payment page.
	ResultCodeUserCanceledPayment = "001031"
	// ResultCodePaymentSessionExpired (001034): the user let the payment
	// session expire without paying.
	ResultCodePaymentSessionExpired = "001034"
	// ResultCodeAuthorNotCardOwner (001023): the pay-in's AuthorId is not
	// the card's owner.
	ResultCodeAuthorNotCardOwner = "001023"
	// ResultCodeDoNotHonor (101101): the bank refused the card ("Do not
	// honor"), for example for insufficient funds or a monthly limit.
	ResultCodeDoNotHonor = "101101"
	// ResultCodeAmountLimit (101102): the card's amount limit was reached.
	ResultCodeAmountLimit = "101102"
	// ResultCodeCardLimitReached (101104): the card's limit was reached.
	ResultCodeCardLimitReached = "101104"
	// ResultCodeCardExpired (101105): the card has expired.
	ResultCodeCardExpired = "101105"
	// ResultCodeCardInactive (101106): the card is inactive (deactivated).
	ResultCodeCardInactive = "101106"
	// ResultCodePaymentPeriodExpired (101109): the user did not complete the
	// payment in time: 15 minutes on a web card pay-in's hosted page, one
	// month for a bank wire's funds to arrive.
	ResultCodePaymentPeriodExpired = "101109"
	// ResultCodeBankWireRefused (101110): the bank wire was declined or canceled.
	ResultCodeBankWireRefused = "101110"
	// ResultCodeMaxAttempts (101111): the maximum number of attempts was reached.
	ResultCodeMaxAttempts = "101111"
	// ResultCodeTransactionRefused (101199): the transaction was refused.
	ResultCodeTransactionRefused = "101199"
	// ResultCode3DSFailed (101301): 3DS2 authentication failed (declined,
	// rejected or unavailable challenge, user blocked by the bank).
	ResultCode3DSFailed = "101301"
	// ResultCode3DSExpired (101304): the 3DS2 authentication session expired.
	ResultCode3DSExpired = "101304"
	// ResultCode3DSUnavailable (101399): 3DS2 authentication is not available.
	ResultCode3DSUnavailable = "101399"
	// ResultCodeCardRegistrationError (101699): the card registration failed.
	ResultCodeCardRegistrationError = "101699"
	// ResultCodeInvalidCardNumber (105101): invalid card number.
	ResultCodeInvalidCardNumber = "105101"
	// ResultCodeInvalidExpiryDate (105203): expiry date missing or malformed.
	ResultCodeInvalidExpiryDate = "105203"
	// ResultCodeInvalidCVV (105204): CVV missing or malformed.
	ResultCodeInvalidCVV = "105204"
	// ResultCodeInvalidRegistrationData (105206): RegistrationData malformed.
	ResultCodeInvalidRegistrationData = "105206"
	// ResultCodeTokenInputError (105299): the tokenization server refused the input.
	ResultCodeTokenInputError = "105299"
)

// WebPayInLifetime is how long a web card pay-in's RedirectURL stays usable:
// after 15 minutes the pay-in fails with ResultCodePaymentPeriodExpired.
const WebPayInLifetime = 15 * time.Minute

// Billing is the billing name and address of a card pay-in.
type Billing struct {
	// FirstName of the cardholder.
	FirstName string `json:"FirstName,omitempty"`
	// LastName of the cardholder.
	LastName string `json:"LastName,omitempty"`
	// Address is the billing address.
	Address Address `json:"Address"`
}

// Shipping is the shipping name and address of a card pay-in.
type Shipping struct {
	// FirstName of the recipient.
	FirstName string `json:"FirstName,omitempty"`
	// LastName of the recipient.
	LastName string `json:"LastName,omitempty"`
	// Address is the shipping address.
	Address Address `json:"Address"`
}

// BrowserInfo describes the payer's browser for 3DS2. Mangopay requires
// every field on a direct card pay-in; collect them in the payer's browser
// (navigator.language, screen.colorDepth, screen.height, screen.width,
// new Date().getTimezoneOffset(), navigator.javaEnabled()) and from the
// request's Accept and User-Agent headers.
type BrowserInfo struct {
	// AcceptHeader is the exact Accept header the browser sent.
	AcceptHeader string `json:"AcceptHeader"`
	// JavaEnabled is whether the browser can run Java.
	JavaEnabled bool `json:"JavaEnabled"`
	// Language is the browser's language, "en" or "en-US" (ISO 639-1, then
	// optionally a hyphen and ISO 3166-1 alpha-2).
	Language string `json:"Language"`
	// ColorDepth is the screen's color depth in bits per pixel.
	ColorDepth int `json:"ColorDepth"`
	// ScreenHeight is the screen height in pixels.
	ScreenHeight int `json:"ScreenHeight"`
	// ScreenWidth is the screen width in pixels.
	ScreenWidth int `json:"ScreenWidth"`
	// TimeZoneOffset is the difference in minutes between the browser's
	// time zone and UTC (may be negative or zero).
	TimeZoneOffset int `json:"TimeZoneOffset"`
	// UserAgent is the exact User-Agent header the browser sent.
	UserAgent string `json:"UserAgent"`
	// JavascriptEnabled is whether the browser runs JavaScript.
	JavascriptEnabled bool `json:"JavascriptEnabled"`
}

// UnmarshalJSON accepts the integer fields as JSON numbers or numeric
// strings ("+60"), as older API versions and other SDKs send them.
func (b *BrowserInfo) UnmarshalJSON(data []byte) error {
	var aux struct {
		AcceptHeader      string     `json:"AcceptHeader"`
		JavaEnabled       flexBool   `json:"JavaEnabled"`
		Language          string     `json:"Language"`
		ColorDepth        flexNumber `json:"ColorDepth"`
		ScreenHeight      flexNumber `json:"ScreenHeight"`
		ScreenWidth       flexNumber `json:"ScreenWidth"`
		TimeZoneOffset    flexNumber `json:"TimeZoneOffset"`
		UserAgent         string     `json:"UserAgent"`
		JavascriptEnabled flexBool   `json:"JavascriptEnabled"`
	}
	if err := json.Unmarshal(data, &aux); err != nil {
		return err
	}
	*b = BrowserInfo{
		AcceptHeader: aux.AcceptHeader, JavaEnabled: bool(aux.JavaEnabled), Language: aux.Language,
		ColorDepth: int(aux.ColorDepth), ScreenHeight: int(aux.ScreenHeight), ScreenWidth: int(aux.ScreenWidth),
		TimeZoneOffset: int(aux.TimeZoneOffset), UserAgent: aux.UserAgent, JavascriptEnabled: bool(aux.JavascriptEnabled),
	}
	return nil
}

// flexNumber decodes an integer from a JSON number, a numeric string or null.
type flexNumber int64

func (f *flexNumber) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		return nil
	}
	s = strings.TrimPrefix(strings.Trim(s, `"`), "+")
	if s == "" {
		return nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		*f = flexNumber(n)
		return nil
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || x != x || x > 1<<53 || x < -(1<<53) {
		return &json.UnmarshalTypeError{Value: "string " + truncate(s, 20), Type: reflectTypeInt}
	}
	*f = flexNumber(int64(x))
	return nil
}

var (
	reflectTypeInt  = reflect.TypeOf(int64(0))
	reflectTypeBool = reflect.TypeOf(false)
)

// flexBool decodes a bool from true/false, "true"/"false" or null.
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	switch strings.ToLower(strings.Trim(strings.TrimSpace(string(b)), `"`)) {
	case "true":
		*f = true
	case "false", "null", "":
		*f = false
	default:
		return &json.UnmarshalTypeError{Value: truncate(string(b), 20), Type: reflectTypeBool}
	}
	return nil
}

// CardInfo describes the card of a direct card pay-in, as Mangopay returns it.
type CardInfo struct {
	// BIN is the card's first six digits.
	BIN string `json:"BIN"`
	// IssuingBank is the name of the issuer.
	IssuingBank string `json:"IssuingBank"`
	// IssuerCountryCode is the issuer's country (ISO 3166-1 alpha-2).
	IssuerCountryCode string `json:"IssuerCountryCode"`
	// Type is DEBIT, CREDIT, CHARGE CARD...
	Type string `json:"Type"`
	// Brand is VISA, MASTERCARD...
	Brand string `json:"Brand"`
	// SubType is the card's sub-type, when known.
	SubType string `json:"SubType"`
}

// PayInBankAccount is the bank account a bank wire pay-in must be sent to.
type PayInBankAccount struct {
	// Type is IBAN (or GB, US...).
	Type string `json:"Type"`
	// OwnerName is the account holder ("MANGOPAY SA").
	OwnerName string `json:"OwnerName"`
	// OwnerAddress is the account holder's address.
	OwnerAddress Address `json:"OwnerAddress"`
	// IBAN of the account.
	IBAN string `json:"IBAN"`
	// BIC of the account.
	BIC string `json:"BIC"`
}

// PayIn is a pay-in as Mangopay returns it from POST /payins/card/web,
// POST /payins/card/direct, POST /payins/bankwire/direct and
// GET /payins/{PayInId}. The fields of the other kinds are empty.
type PayIn struct {
	// ID is the pay-in id.
	ID string `json:"Id"`
	// Tag is custom data of the platform.
	Tag string `json:"Tag"`
	// CreationDate is when the pay-in was created.
	CreationDate Time `json:"CreationDate"`
	// AuthorID is the user who pays.
	AuthorID string `json:"AuthorId"`
	// CreditedUserID is the owner of the credited wallet.
	CreditedUserID string `json:"CreditedUserId"`
	// DebitedFunds is the amount charged (for a bank wire: what arrived,
	// XXX 0 until then).
	DebitedFunds Money `json:"DebitedFunds"`
	// CreditedFunds is DebitedFunds minus Fees: what the wallet receives.
	CreditedFunds Money `json:"CreditedFunds"`
	// Fees is the platform's fee, credited to its fees wallet.
	Fees Money `json:"Fees"`
	// Status is CREATED, SUCCEEDED or FAILED.
	Status PayInStatus `json:"Status"`
	// ResultCode is empty while CREATED, ResultCodeSuccess on success, and
	// for example ResultCode3DSFailed or ResultCodePaymentPeriodExpired.
	ResultCode string `json:"ResultCode"`
	// ResultMessage explains ResultCode.
	ResultMessage string `json:"ResultMessage"`
	// ExecutionDate is when the money moved; nil unless SUCCEEDED.
	ExecutionDate *Time `json:"ExecutionDate"`
	// Type is PAYIN.
	Type TransactionType `json:"Type"`
	// Nature is REGULAR.
	Nature TransactionNature `json:"Nature"`
	// CreditedWalletID is the wallet the money goes to.
	CreditedWalletID string `json:"CreditedWalletId"`
	// DebitedWalletID is empty for pay-ins.
	DebitedWalletID string `json:"DebitedWalletId"`
	// PaymentType is CARD or BANK_WIRE (or another method).
	PaymentType PaymentType `json:"PaymentType"`
	// ExecutionType is WEB or DIRECT.
	ExecutionType ExecutionType `json:"ExecutionType"`

	// RedirectURL (web) is the hosted payment page, valid WebPayInLifetime.
	RedirectURL string `json:"RedirectURL"`
	// ReturnURL (web) is where the user comes back, with transactionId
	// appended by Mangopay.
	ReturnURL string `json:"ReturnURL"`
	// CardType (web) is the kind of card accepted on the page.
	CardType CardType `json:"CardType"`
	// Culture is the language of the payment page.
	Culture string `json:"Culture"`
	// SecureMode is the 3DS2 mode that was requested.
	SecureMode SecureMode `json:"SecureMode"`
	// StatementDescriptor appears on the user's bank statement.
	StatementDescriptor string `json:"StatementDescriptor"`
	// Billing is the billing name and address, when given.
	Billing *Billing `json:"Billing"`
	// Shipping is the shipping name and address, when given.
	Shipping *Shipping `json:"Shipping"`

	// CardID (direct) is the registered card that was charged.
	CardID string `json:"CardId"`
	// SecureModeReturnURL (direct) is where the user comes back after the
	// 3DS2 challenge, with transactionId appended by Mangopay.
	SecureModeReturnURL string `json:"SecureModeReturnURL"`
	// SecureModeRedirectURL (direct) is the 3DS2 challenge page, when
	// SecureModeNeeded.
	SecureModeRedirectURL string `json:"SecureModeRedirectURL"`
	// SecureModeNeeded (direct) is true when the user must pass a 3DS2
	// challenge at SecureModeRedirectURL.
	SecureModeNeeded bool `json:"SecureModeNeeded"`
	// BrowserInfo (direct) is the browser data that was sent.
	BrowserInfo *BrowserInfo `json:"BrowserInfo"`
	// IPAddress (direct) is the payer's IP address that was sent.
	IPAddress string `json:"IpAddress"`
	// Requested3DSVersion (direct) is the 3DS version asked for, if any.
	Requested3DSVersion string `json:"Requested3DSVersion"`
	// Applied3DSVersion (direct) is the 3DS version applied, e.g. "V2_1".
	Applied3DSVersion string `json:"Applied3DSVersion"`
	// PaymentCategory (direct) is ECommerce or TelephoneOrder.
	PaymentCategory PaymentCategory `json:"PaymentCategory"`
	// CardInfo (direct) describes the card.
	CardInfo *CardInfo `json:"CardInfo"`

	// DeclaredDebitedFunds (bank wire) is the amount the user declared.
	DeclaredDebitedFunds *Money `json:"DeclaredDebitedFunds"`
	// DeclaredFees (bank wire) is the fee declared with it.
	DeclaredFees *Money `json:"DeclaredFees"`
	// WireReference (bank wire) must be given by the user as the wire's
	// reference so that Mangopay can match the funds.
	WireReference string `json:"WireReference"`
	// BankAccount (bank wire) is where the user sends the wire.
	BankAccount *PayInBankAccount `json:"BankAccount"`
}

// CreateCardWebPayInRequest is the body of PayInsService.CreateCardWeb.
type CreateCardWebPayInRequest struct {
	// AuthorID is the paying user (required).
	AuthorID string `json:"AuthorId"`
	// CreditedUserID is the owner of the credited wallet (optional: the
	// default is that owner).
	CreditedUserID string `json:"CreditedUserId,omitempty"`
	// CreditedWalletID is the wallet to credit (required).
	CreditedWalletID string `json:"CreditedWalletId"`
	// DebitedFunds is the amount to charge (required, positive).
	DebitedFunds Money `json:"DebitedFunds"`
	// Fees is the platform's fee (required, in DebitedFunds' currency, not
	// negative and less than DebitedFunds): Money{Currency: "EUR"} for none.
	Fees Money `json:"Fees"`
	// ReturnURL is where the user comes back after the hosted page
	// (required, absolute https, at most 255 characters; plain http only on
	// a loopback host for tests). Mangopay appends transactionId.
	ReturnURL string `json:"ReturnURL"`
	// Culture is the language of the payment page (required): one of CS DA
	// DE EL EN ES FI FR HU IT NL NO PL PT SK SV.
	Culture string `json:"Culture"`
	// CardType is the kind of card the page accepts (required).
	CardType CardType `json:"CardType"`
	// SecureMode is the 3DS2 mode (optional: DEFAULT).
	SecureMode SecureMode `json:"SecureMode,omitempty"`
	// Tag is custom data (optional, at most 255 characters).
	Tag string `json:"Tag,omitempty"`
	// StatementDescriptor appears on the bank statement (optional, at most
	// 10 letters, digits and spaces).
	StatementDescriptor string `json:"StatementDescriptor,omitempty"`
	// ProfilingAttemptReference links the pay-in to a fraud-prevention
	// profiling session (optional): the attempt reference Mangopay's profiler
	// (or the Checkout SDK) returned in the browser (docs.mangopay.com/sdks/profiler).
	ProfilingAttemptReference string `json:"ProfilingAttemptReference,omitempty"`
	// Billing is the billing name and address (optional).
	Billing *Billing `json:"Billing,omitempty"`
	// Shipping is the shipping name and address (optional).
	Shipping *Shipping `json:"Shipping,omitempty"`
}

// CreateCardDirectPayInRequest is the body of PayInsService.CreateCardDirect.
type CreateCardDirectPayInRequest struct {
	// AuthorID is the paying user, the card's owner (required).
	AuthorID string `json:"AuthorId"`
	// CreditedUserID is the owner of the credited wallet (optional).
	CreditedUserID string `json:"CreditedUserId,omitempty"`
	// CreditedWalletID is the wallet to credit (required).
	CreditedWalletID string `json:"CreditedWalletId"`
	// DebitedFunds is the amount to charge (required, positive).
	DebitedFunds Money `json:"DebitedFunds"`
	// Fees is the platform's fee (required, in DebitedFunds' currency, not
	// negative and less than DebitedFunds).
	Fees Money `json:"Fees"`
	// CardID is the registered card (required; CardRegistrationsService.Update
	// returns it).
	CardID string `json:"CardId"`
	// SecureModeReturnURL is where the user comes back after a 3DS2
	// challenge (required, absolute https, at most 255 characters; plain
	// http only on a loopback host). Mangopay appends transactionId.
	SecureModeReturnURL string `json:"SecureModeReturnURL"`
	// BrowserInfo describes the payer's browser (required, every field).
	BrowserInfo *BrowserInfo `json:"BrowserInfo"`
	// IPAddress is the payer's IPv4 or IPv6 address (required).
	IPAddress string `json:"IpAddress"`
	// SecureMode is the 3DS2 mode (optional: DEFAULT).
	SecureMode SecureMode `json:"SecureMode,omitempty"`
	// PaymentCategory is ECommerce (default) or TelephoneOrder (optional).
	PaymentCategory PaymentCategory `json:"PaymentCategory,omitempty"`
	// Culture is the language of the 3DS2 page (optional, deprecated: EN).
	Culture string `json:"Culture,omitempty"`
	// Tag is custom data (optional, at most 255 characters).
	Tag string `json:"Tag,omitempty"`
	// StatementDescriptor appears on the bank statement (optional, at most
	// 10 letters, digits and spaces).
	StatementDescriptor string `json:"StatementDescriptor,omitempty"`
	// ProfilingAttemptReference links the pay-in to a fraud-prevention
	// profiling session (optional): the attempt reference Mangopay's profiler
	// (or the Checkout SDK) returned in the browser (docs.mangopay.com/sdks/profiler).
	ProfilingAttemptReference string `json:"ProfilingAttemptReference,omitempty"`
	// Billing is the billing name and address (optional).
	Billing *Billing `json:"Billing,omitempty"`
	// Shipping is the shipping name and address (optional).
	Shipping *Shipping `json:"Shipping,omitempty"`
}

// CreateBankWirePayInRequest is the body of PayInsService.CreateBankWire.
type CreateBankWirePayInRequest struct {
	// AuthorID is the user who will send the wire (required).
	AuthorID string `json:"AuthorId"`
	// CreditedUserID is the owner of the credited wallet (optional).
	CreditedUserID string `json:"CreditedUserId,omitempty"`
	// CreditedWalletID is the wallet to credit (required).
	CreditedWalletID string `json:"CreditedWalletId"`
	// DeclaredDebitedFunds is the amount the user will wire (required, positive).
	DeclaredDebitedFunds Money `json:"DeclaredDebitedFunds"`
	// DeclaredFees is the platform's fee on it (required, same currency,
	// not negative and less than DeclaredDebitedFunds).
	DeclaredFees Money `json:"DeclaredFees"`
	// Tag is custom data (optional, at most 255 characters).
	Tag string `json:"Tag,omitempty"`
}

// webCultures are the Culture values of the hosted payment page.
var webCultures = map[string]bool{"CS": true, "DA": true, "DE": true, "EL": true, "EN": true, "ES": true, "FI": true,
	"FR": true, "HU": true, "IT": true, "NL": true, "NO": true, "PL": true, "PT": true, "SK": true, "SV": true}

var (
	statementDescriptorRe = regexp.MustCompile(`^[A-Za-z0-9 ]{1,10}$`)
	browserLanguageRe     = regexp.MustCompile(`^[a-zA-Z]{2}(-[a-zA-Z]{2})?$`)
)

// maxURLField is Mangopay's limit on ReturnURL and SecureModeReturnURL.
const maxURLField = 255

// checkFunds records the problems of a debited amount and its fee.
func checkFunds(p *problemList, debitedName, feesName string, debited, fees Money) {
	p.currency(debitedName+".Currency", debited.Currency)
	if debited.Amount <= 0 {
		p.add(debitedName+".Amount", "%d must be positive", debited.Amount)
	}
	if fees.Currency != debited.Currency {
		p.add(feesName+".Currency", "%q differs from %s.Currency %q (use Money{Currency: %q} for no fee)",
			truncate(fees.Currency, 20), debitedName, truncate(debited.Currency, 20), truncate(debited.Currency, 20))
	}
	if fees.Amount < 0 {
		p.add(feesName+".Amount", "%d is negative", fees.Amount)
	} else if debited.Amount > 0 && fees.Amount >= debited.Amount {
		// 001014: "CreditedFunds must be more than 0 (DebitedFunds can not equal Fees)".
		p.add(feesName+".Amount", "%d is not less than %s.Amount %d: the credited wallet would receive nothing", fees.Amount, debitedName, debited.Amount)
	}
}

// checkReturnURL records a problem when u is not an absolute https URL of
// at most 255 characters (http is accepted on loopback hosts, for tests).
func checkReturnURL(p *problemList, field, u string) {
	if u == "" {
		p.add(field, "is required")
		return
	}
	parsed, err := parseAbsoluteHTTP(u)
	if err != nil {
		p.add(field, "%v", err)
		return
	}
	if !strings.EqualFold(parsed.Scheme, "https") && !isLoopback(strings.ToLower(parsed.Hostname())) {
		p.add(field, "%q must be https (plain http only on a loopback host)", truncate(u, 60))
	}
	if parsed.Fragment != "" || strings.Contains(u, "#") {
		p.add(field, "must not have a #fragment: Mangopay appends transactionId to it")
	}
	if len(u) > maxURLField {
		p.add(field, "is %d characters long, at most %d", len(u), maxURLField)
	}
}

// checkCommon records the problems shared by card pay-ins.
func checkCommon(p *problemList, author, wallet, tag, descriptor string, sm SecureMode) {
	if strings.TrimSpace(author) == "" {
		p.add("AuthorId", "is required")
	}
	if strings.TrimSpace(wallet) == "" {
		p.add("CreditedWalletId", "is required")
	}
	p.text("Tag", tag)
	if descriptor != "" && !statementDescriptorRe.MatchString(descriptor) {
		p.add("StatementDescriptor", "%q must be 1 to 10 letters, digits and spaces", truncate(descriptor, 20))
	}
	switch sm {
	case "", SecureModeDefault, SecureModeForce, SecureModeNoChoice:
	default:
		p.add("SecureMode", "%q is not DEFAULT, FORCE or NO_CHOICE", truncate(string(sm), 20))
	}
}

func (r *CreateCardWebPayInRequest) validate() error {
	const op = "PayIns.CreateCardWeb"
	if r == nil {
		return invalid(op, "", "nil *CreateCardWebPayInRequest")
	}
	p := newProblems(op)
	checkCommon(p, r.AuthorID, r.CreditedWalletID, r.Tag, r.StatementDescriptor, r.SecureMode)
	checkFunds(p, "DebitedFunds", "Fees", r.DebitedFunds, r.Fees)
	checkReturnURL(p, "ReturnURL", r.ReturnURL)
	if !webCultures[r.Culture] {
		p.add("Culture", "%q is not one of CS DA DE EL EN ES FI FR HU IT NL NO PL PT SK SV", truncate(r.Culture, 10))
	}
	if !validCardType(r.CardType, false) {
		p.add("CardType", "%q is not CB_VISA_MASTERCARD, AMEX, MAESTRO or BCMC", truncate(string(r.CardType), 30))
	}
	return p.err()
}

// validCardType reports whether t is a documented card type (or empty when
// optional).
func validCardType(t CardType, optional bool) bool {
	switch t {
	case CardTypeCBVisaMastercard, CardTypeAmex, CardTypeMaestro, CardTypeBCMC:
		return true
	case "":
		return optional
	}
	return false
}

func (r *CreateCardDirectPayInRequest) validate() error {
	const op = "PayIns.CreateCardDirect"
	if r == nil {
		return invalid(op, "", "nil *CreateCardDirectPayInRequest")
	}
	p := newProblems(op)
	checkCommon(p, r.AuthorID, r.CreditedWalletID, r.Tag, r.StatementDescriptor, r.SecureMode)
	checkFunds(p, "DebitedFunds", "Fees", r.DebitedFunds, r.Fees)
	if strings.TrimSpace(r.CardID) == "" {
		p.add("CardId", "is required (CardRegistrations.Update returns it)")
	}
	checkReturnURL(p, "SecureModeReturnURL", r.SecureModeReturnURL)
	if r.IPAddress == "" {
		p.add("IpAddress", "is required (the payer's IPv4 or IPv6 address)")
	} else if net.ParseIP(r.IPAddress) == nil {
		p.add("IpAddress", "%q is not an IPv4 or IPv6 address", truncate(r.IPAddress, 45))
	}
	switch r.PaymentCategory {
	case "", PaymentCategoryECommerce, PaymentCategoryTelephoneOrder:
	default:
		p.add("PaymentCategory", "%q is not ECommerce or TelephoneOrder", truncate(string(r.PaymentCategory), 20))
	}
	if b := r.BrowserInfo; b == nil {
		p.add("BrowserInfo", "is required for 3DS2 (every field)")
	} else {
		if strings.TrimSpace(b.AcceptHeader) == "" {
			p.add("BrowserInfo.AcceptHeader", "is required (the browser's Accept header)")
		}
		if !browserLanguageRe.MatchString(b.Language) {
			p.add("BrowserInfo.Language", "%q is not a language such as \"en\" or \"en-US\"", truncate(b.Language, 20))
		}
		if b.ColorDepth <= 0 {
			p.add("BrowserInfo.ColorDepth", "%d must be positive (bits per pixel)", b.ColorDepth)
		}
		if b.ScreenHeight <= 0 {
			p.add("BrowserInfo.ScreenHeight", "%d must be positive (pixels)", b.ScreenHeight)
		}
		if b.ScreenWidth <= 0 {
			p.add("BrowserInfo.ScreenWidth", "%d must be positive (pixels)", b.ScreenWidth)
		}
		if b.TimeZoneOffset < -14*60 || b.TimeZoneOffset > 14*60 {
			p.add("BrowserInfo.TimeZoneOffset", "%d minutes is not a time zone offset", b.TimeZoneOffset)
		}
		if strings.TrimSpace(b.UserAgent) == "" {
			p.add("BrowserInfo.UserAgent", "is required (the browser's User-Agent header)")
		}
	}
	return p.err()
}

func (r *CreateBankWirePayInRequest) validate() error {
	const op = "PayIns.CreateBankWire"
	if r == nil {
		return invalid(op, "", "nil *CreateBankWirePayInRequest")
	}
	p := newProblems(op)
	checkCommon(p, r.AuthorID, r.CreditedWalletID, r.Tag, "", "")
	checkFunds(p, "DeclaredDebitedFunds", "DeclaredFees", r.DeclaredDebitedFunds, r.DeclaredFees)
	return p.err()
}

// CreateCardWeb starts a card payment on Mangopay's hosted payment page:
// POST /payins/card/web.
//
// Mangopay answers with a CREATED pay-in whose RedirectURL is the hosted
// page. CreateCardWeb returns that pay-in AND a *PaymentRedirectError (the
// one redirect rule, see AsRedirect): store p.ID, then redirect the user to
// the link. The page lives WebPayInLifetime (15 minutes); the user comes back
// to ReturnURL with transactionId appended, whatever the outcome. Confirm with
// Get or the PAYIN_NORMAL_SUCCEEDED / PAYIN_NORMAL_FAILED webhooks, never from
// the return alone. If the link fails the client's redirect check, the pay-in
// is returned with an error matching ErrUntrustedRedirect.
//
// The request is checked before any network call (*ValidationError). The
// POST carries an Idempotency-Key reused on every retry and a lost answer is
// recovered through GET /responses/{key}, so a retry never starts a second
// payment.
func (s *PayInsService) CreateCardWeb(ctx context.Context, in *CreateCardWebPayInRequest, opts ...RequestOption) (*PayIn, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	return s.create(ctx, "/payins/card/web", in, opts)
}

// CreateCardDirect charges a registered card: POST /payins/card/direct.
//
// With a frictionless 3DS2 flow the pay-in usually comes back SUCCEEDED (or
// FAILED, with a ResultCode such as ResultCodeDoNotHonor or
// ResultCodeCardExpired) and a nil error: always check Status. When the
// issuer demands a challenge, Mangopay answers a CREATED pay-in with
// SecureModeNeeded and SecureModeRedirectURL: CreateCardDirect returns it AND
// a *PaymentRedirectError, handled like an SCA demand (AsRedirect). The user
// comes back to SecureModeReturnURL with transactionId appended; confirm with
// Get or the webhooks (a failed challenge is ResultCode3DSFailed, an
// abandoned one ResultCode3DSExpired).
//
// Same local checks, idempotency and recovery as CreateCardWeb.
func (s *PayInsService) CreateCardDirect(ctx context.Context, in *CreateCardDirectPayInRequest, opts ...RequestOption) (*PayIn, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	return s.create(ctx, "/payins/card/direct", in, opts)
}

// CreateBankWire declares a bank wire: POST /payins/bankwire/direct. The
// pay-in is CREATED with the BankAccount and the WireReference the user must
// quote; it becomes SUCCEEDED when Mangopay receives and matches the funds,
// or FAILED (ResultCodePaymentPeriodExpired) after a month without them. No
// redirect is involved.
func (s *PayInsService) CreateBankWire(ctx context.Context, in *CreateBankWirePayInRequest, opts ...RequestOption) (*PayIn, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	return orNil(send[PayIn](ctx, s.client, http.MethodPost, "/payins/bankwire/direct", in, opts))
}

// Get reads a pay-in of any kind: GET /payins/{PayInId}. Use it to confirm
// the outcome after the user returns (the return is only indicative) or when
// a PAYIN_NORMAL_* webhook arrives. A pay-in still waiting for the user is
// returned with a nil error: Get never turns its link into a redirect.
func (s *PayInsService) Get(ctx context.Context, payInID string, opts ...RequestOption) (*PayIn, error) {
	return orNil(callPath[PayIn](ctx, s.client, http.MethodGet, "/payins/%s", payInID, nil, opts))
}

// create posts a card pay-in and applies the redirect rule to the answer.
func (s *PayInsService) create(ctx context.Context, path string, in any, opts []RequestOption) (*PayIn, error) {
	var out PayIn
	var meta Response
	opts = append(opts[:len(opts):len(opts)], CaptureResponse(&meta))
	if err := s.client.post(ctx, path, in, &out, opts); err != nil {
		return nil, err
	}
	if err := s.client.redirectRule(ctx, &out, &meta, http.MethodPost, s.client.rawBase+path); err != nil {
		return &out, err
	}
	return &out, nil
}

// errMissingLink is the cause when a pay-in awaits the user but has no link.
var errMissingLink = errors.New("the pay-in waits for the user but carries no redirect link")

// hasID makes PayIn an identified resource: a 2xx pay-in answer without an
// Id leaves the call's outcome unknown.
func (p *PayIn) hasID() bool { return p.ID != "" }

// mismatch checks that a pay-in recovered through /responses/{key} is this
// request's: author, credited wallet, amount and fee (currency included) and card.
func (r *CreateCardWebPayInRequest) mismatch(out any) string {
	return recordedAs(out, func(p *PayIn) string {
		return firstProblem(
			differ("AuthorId", r.AuthorID, p.AuthorID),
			differ("CreditedWalletId", r.CreditedWalletID, p.CreditedWalletID),
			differ("DebitedFunds", r.DebitedFunds, p.DebitedFunds),
			differ("Fees", r.Fees, p.Fees),
			differ("ExecutionType", ExecutionTypeWeb, p.ExecutionType),
		)
	})
}

func (r *CreateCardDirectPayInRequest) mismatch(out any) string {
	return recordedAs(out, func(p *PayIn) string {
		return firstProblem(
			differ("AuthorId", r.AuthorID, p.AuthorID),
			differ("CreditedWalletId", r.CreditedWalletID, p.CreditedWalletID),
			differ("DebitedFunds", r.DebitedFunds, p.DebitedFunds),
			differ("Fees", r.Fees, p.Fees),
			differ("CardId", r.CardID, p.CardID),
		)
	})
}

func (r *CreateBankWirePayInRequest) mismatch(out any) string {
	return recordedAs(out, func(p *PayIn) string {
		var declared, fees Money
		if p.DeclaredDebitedFunds != nil {
			declared = *p.DeclaredDebitedFunds
		}
		if p.DeclaredFees != nil {
			fees = *p.DeclaredFees
		}
		return firstProblem(
			differ("AuthorId", r.AuthorID, p.AuthorID),
			differ("CreditedWalletId", r.CreditedWalletID, p.CreditedWalletID),
			differ("DeclaredDebitedFunds", r.DeclaredDebitedFunds, declared),
			differ("DeclaredFees", r.DeclaredFees, fees),
		)
	})
}
