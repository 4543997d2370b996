package mangopay

import (
	"context"
	"net/http"
	"strings"
)

// Card registration and tokenization
//
// A card is registered in three steps, and its number, expiry date and CVC
// never pass through the platform's server (PCI-DSS forbids it):
//
//  1. The server calls CardRegistrations.Create: Mangopay returns a CREATED
//     CardRegistration with CardRegistrationURL, AccessKey and
//     PreregistrationData.
//  2. The payer's browser (or a test) POSTs the card to CardRegistrationURL
//     as application/x-www-form-urlencoded: accessKeyRef=AccessKey,
//     data=PreregistrationData, cardNumber, cardExpirationDate (MMYY) and
//     cardCvx. The tokenization server answers a string such as
//     "data=acIcnww..." (or "errorCode=02625").
//  3. The server calls CardRegistrations.Update with that string, whole, as
//     RegistrationData: the registration becomes VALIDATED with a CardId
//     (or ERROR with a ResultCode such as ResultCodeInvalidCVV).
//
// The CardId is then used by PayIns.CreateCardDirect. mangopaytest.Tokenize
// performs step 2 for tests, against the emulator or Mangopay's sandbox.

// CardRegistrationStatus is the status of a card registration.
type CardRegistrationStatus string

// CardRegistrationStatus values.
const (
	// CardRegistrationCreated: waiting for the RegistrationData; CardId is empty.
	CardRegistrationCreated CardRegistrationStatus = "CREATED"
	// CardRegistrationValidated: the card is registered; see CardId.
	CardRegistrationValidated CardRegistrationStatus = "VALIDATED"
	// CardRegistrationError: the RegistrationData was refused; see ResultCode.
	CardRegistrationError CardRegistrationStatus = "ERROR"
)

// CardValidity is Mangopay's verdict on a registered card.
type CardValidity string

// CardValidity values.
const (
	// CardValidityUnknown: not used in a successful pay-in yet.
	CardValidityUnknown CardValidity = "UNKNOWN"
	// CardValidityValid: a pay-in with the card succeeded.
	CardValidityValid CardValidity = "VALID"
	// CardValidityInvalid: the card was refused.
	CardValidityInvalid CardValidity = "INVALID"
)

// CardRegistration is the card registration object of
// POST/PUT/GET /cardregistrations.
type CardRegistration struct {
	// ID is the registration id.
	ID string `json:"Id"`
	// Tag is custom data of the platform.
	Tag string `json:"Tag"`
	// CreationDate is when the registration was created.
	CreationDate Time `json:"CreationDate"`
	// UserID is the card's owner.
	UserID string `json:"UserId"`
	// AccessKey goes to the tokenization server as accessKeyRef.
	AccessKey string `json:"AccessKey"`
	// PreregistrationData goes to the tokenization server as data.
	PreregistrationData string `json:"PreregistrationData"`
	// RegistrationData is the tokenization server's answer, once sent.
	RegistrationData string `json:"RegistrationData"`
	// CardID is the registered card, once VALIDATED.
	CardID string `json:"CardId"`
	// CardType is the kind of card.
	CardType CardType `json:"CardType"`
	// CardRegistrationURL is where the browser posts the card data. Use it
	// in full: it is specific to this registration.
	CardRegistrationURL string `json:"CardRegistrationURL"`
	// ResultCode is ResultCodeSuccess once VALIDATED, else the reason of an ERROR.
	ResultCode string `json:"ResultCode"`
	// ResultMessage explains ResultCode.
	ResultMessage string `json:"ResultMessage"`
	// Currency is the currency the card will be charged in.
	Currency string `json:"Currency"`
	// Status is CREATED, VALIDATED or ERROR.
	Status CardRegistrationStatus `json:"Status"`
}

// CreateCardRegistrationRequest is the body of CardRegistrationsService.Create.
type CreateCardRegistrationRequest struct {
	// UserID is the card's owner (required).
	UserID string `json:"UserId"`
	// Currency is the currency of the future pay-ins (required, ISO 4217).
	Currency string `json:"Currency"`
	// CardType is the kind of card (optional: CB_VISA_MASTERCARD).
	CardType CardType `json:"CardType,omitempty"`
	// Tag is custom data (optional, at most 255 characters).
	Tag string `json:"Tag,omitempty"`
}

// CompleteCardRegistrationRequest is the body of CardRegistrationsService.Update
// (an action completing the registration, not an update of its fields).
type CompleteCardRegistrationRequest struct {
	// RegistrationData is the tokenization server's answer, whole
	// ("data=..." or "errorCode=...") (required).
	RegistrationData string `json:"RegistrationData"`
	// CardHolderName is the name on the card (optional, 2 to 255 characters).
	CardHolderName string `json:"CardHolderName,omitempty"`
}

// Card is a registered card: GET /cards/{CardId}. It holds no card number,
// only its masked Alias.
type Card struct {
	// ID is the card id.
	ID string `json:"Id"`
	// Tag is custom data of the platform.
	Tag string `json:"Tag"`
	// CreationDate is when the card was registered.
	CreationDate Time `json:"CreationDate"`
	// UserID is the card's owner.
	UserID string `json:"UserId"`
	// ExpirationDate is MMYY.
	ExpirationDate string `json:"ExpirationDate"`
	// Alias is the masked number, e.g. "497010XXXXXX8183".
	Alias string `json:"Alias"`
	// CardProvider is VISA, MASTERCARD, CB, AMEX, MAESTRO...
	CardProvider string `json:"CardProvider"`
	// CardType is the kind of card.
	CardType CardType `json:"CardType"`
	// Country is the issuer's country (ISO 3166-1 alpha-3).
	Country string `json:"Country"`
	// Product is the card product code.
	Product string `json:"Product"`
	// BankCode is the issuer's bank code.
	BankCode string `json:"BankCode"`
	// Active is false once the card is deactivated (irreversibly).
	Active bool `json:"Active"`
	// Currency is the currency of the card's pay-ins.
	Currency string `json:"Currency"`
	// Validity is UNKNOWN, VALID or INVALID.
	Validity CardValidity `json:"Validity"`
	// Fingerprint identifies the card number across registrations.
	Fingerprint string `json:"Fingerprint"`
	// CardHolderName is the name on the card, when given.
	CardHolderName string `json:"CardHolderName"`
}

func (r *CreateCardRegistrationRequest) validate() error {
	const op = "CardRegistrations.Create"
	if r == nil {
		return invalid(op, "", "nil *CreateCardRegistrationRequest")
	}
	p := newProblems(op)
	if strings.TrimSpace(r.UserID) == "" {
		p.add("UserId", "is required")
	}
	p.currency("Currency", r.Currency)
	if !validCardType(r.CardType, true) {
		p.add("CardType", "%q is not CB_VISA_MASTERCARD, AMEX, MAESTRO or BCMC", truncate(string(r.CardType), 30))
	}
	p.text("Tag", r.Tag)
	return p.err()
}

func (r *CompleteCardRegistrationRequest) validate() error {
	const op = "CardRegistrations.Update"
	if r == nil {
		return invalid(op, "", "nil *CompleteCardRegistrationRequest")
	}
	p := newProblems(op)
	if strings.TrimSpace(r.RegistrationData) == "" {
		p.add("RegistrationData", "is required (the tokenization server's answer, whole)")
	}
	if n := len([]rune(r.CardHolderName)); r.CardHolderName != "" && (n < 2 || n > 255) {
		p.add("CardHolderName", "is %d characters long, want 2 to 255", n)
	}
	return p.err()
}

// Create starts a card registration: POST /cardregistrations. The answer's
// CardRegistrationURL, AccessKey and PreregistrationData go to the payer's
// browser, which posts the card data to the tokenization server (see the
// package documentation of cards.go above: the card never reaches the
// platform's server). The POST carries an Idempotency-Key and is recovered
// like every POST.
func (s *CardRegistrationsService) Create(ctx context.Context, in *CreateCardRegistrationRequest, opts ...RequestOption) (*CardRegistration, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	return orNil(send[CardRegistration](ctx, s.client, http.MethodPost, "/cardregistrations", in, opts))
}

// Update completes a registration with the tokenization server's answer:
// PUT /cardregistrations/{CardRegistrationId}. A VALIDATED registration
// carries the CardId; an ERROR one (Status CardRegistrationError) comes back
// with a nil error and its ResultCode, since the call itself worked: check
// Status.
func (s *CardRegistrationsService) Update(ctx context.Context, registrationID string, in *CompleteCardRegistrationRequest, opts ...RequestOption) (*CardRegistration, error) {
	path, err := pathf("/cardregistrations/%s", registrationID)
	if err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	var out CardRegistration
	if err := s.client.put(ctx, path, in, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// Get reads a card registration: GET /cardregistrations/{CardRegistrationId}.
func (s *CardRegistrationsService) Get(ctx context.Context, registrationID string, opts ...RequestOption) (*CardRegistration, error) {
	return orNil(callPath[CardRegistration](ctx, s.client, http.MethodGet, "/cardregistrations/%s", registrationID, nil, opts))
}

// Get reads a registered card: GET /cards/{CardId}.
func (s *CardsService) Get(ctx context.Context, cardID string, opts ...RequestOption) (*Card, error) {
	return orNil(callPath[Card](ctx, s.client, http.MethodGet, "/cards/%s", cardID, nil, opts))
}

// Deactivate disables a card for good: PUT /cards/{CardId} with
// {"Active": false}. Mangopay answers 400 card_already_not_active for a card
// already deactivated. The same card can be registered again later.
func (s *CardsService) Deactivate(ctx context.Context, cardID string, opts ...RequestOption) (*Card, error) {
	body := struct {
		Active bool `json:"Active"`
	}{false}
	return orNil(callPath[Card](ctx, s.client, http.MethodPut, "/cards/%s", cardID, body, opts))
}

// PayInsService wraps /payins.
type PayInsService service

// CardRegistrationsService wraps /cardregistrations.
type CardRegistrationsService service

// CardsService wraps /cards.
type CardsService service

// hasID makes CardRegistration an identified resource.
func (r *CardRegistration) hasID() bool { return r.ID != "" }

// mismatch checks that a registration recovered through /responses/{key}
// is this request's (user and currency).
func (r *CreateCardRegistrationRequest) mismatch(out any) string {
	return recordedAs(out, func(reg *CardRegistration) string {
		return firstProblem(differ("UserId", r.UserID, reg.UserID), differ("Currency", r.Currency, reg.Currency))
	})
}
