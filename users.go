package mangopay

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
)

// UserCategory is a user's category: PAYER users can only pay in, OWNER users
// hold money and must enroll in SCA. Unknown values still decode.
type UserCategory string

// UserCategory values.
const (
	// UserCategoryPayer: the user only pays; no SCA enrollment.
	UserCategoryPayer UserCategory = "PAYER"
	// UserCategoryOwner: the user owns wallets; creating or categorizing one
	// starts an SCA enrollment.
	UserCategoryOwner UserCategory = "OWNER"
	// UserCategoryPlatform is response-only and set by Mangopay.
	UserCategoryPlatform UserCategory = "PLATFORM"
)

// UserStatus is a user's lifecycle status on the SCA endpoints. Unknown
// values still decode.
type UserStatus string

// UserStatus values.
const (
	// UserStatusPendingUserAction: the user must (re-)enroll in SCA.
	UserStatusPendingUserAction UserStatus = "PENDING_USER_ACTION"
	// UserStatusActive: the user is active. Pre-SCA users are ACTIVE too, so
	// this alone does not mean "enrolled": see UsersService.ScaStatus.
	UserStatusActive UserStatus = "ACTIVE"
	// UserStatusClosed: the user is permanently closed.
	UserStatusClosed UserStatus = "CLOSED"
)

// PersonType tells a natural person from a legal entity. It is response-only:
// the endpoint decides it.
type PersonType string

// PersonType values.
const (
	PersonTypeNatural PersonType = "NATURAL"
	PersonTypeLegal   PersonType = "LEGAL"
)

// LegalPersonType is the kind of a legal user. Unknown values still decode.
type LegalPersonType string

// LegalPersonType values.
const (
	LegalPersonTypeBusiness     LegalPersonType = "BUSINESS"
	LegalPersonTypePartnership  LegalPersonType = "PARTNERSHIP"
	LegalPersonTypeOrganization LegalPersonType = "ORGANIZATION"
	LegalPersonTypeSoletrader   LegalPersonType = "SOLETRADER"
)

// KYCLevel is a user's verification level. Unknown values still decode.
type KYCLevel string

// KYCLevel values.
const (
	KYCLevelLight   KYCLevel = "LIGHT"
	KYCLevelRegular KYCLevel = "REGULAR"
)

// ConsentStatus is the state of one proxy-consent scope (see ConsentScope).
// Unknown values still decode.
type ConsentStatus string

// ConsentStatus values.
const (
	ConsentStatusActive   ConsentStatus = "ACTIVE"
	ConsentStatusInactive ConsentStatus = "INACTIVE"
)

// ErrNotEnrolled is returned by UsersService.ScaStatus when Mangopay answers
// 404: the user never triggered an SCA enrollment. The error also matches
// ErrNotFound and unwraps to the *APIError.
var ErrNotEnrolled = errors.New("mangopay: user has never enrolled in SCA")

// NaturalUser is a natural person as returned by the SCA user endpoints
// (/sca/users/natural...). PendingUserAction is set when the user must
// complete an SCA session; the methods returning a NaturalUser then also
// return a *ScaRequiredError carrying the checked link.
type NaturalUser struct {
	// ID is the user's Mangopay id ("Id" on the wire); treat it as opaque.
	ID string `json:"Id"`
	// Tag is the platform's custom data, at most 255 characters.
	Tag string `json:"Tag"`
	// CreationDate is when the user was created (Unix seconds on the wire).
	CreationDate Time `json:"CreationDate"`
	// PersonType is NATURAL (response only: the endpoint decides it).
	PersonType PersonType `json:"PersonType"`
	// UserCategory is PAYER or OWNER, or PLATFORM (set only by Mangopay).
	UserCategory UserCategory `json:"UserCategory"`
	// UserStatus is PENDING_USER_ACTION while the user must (re-)enroll in SCA,
	// else ACTIVE or CLOSED. ACTIVE alone does not mean enrolled.
	UserStatus UserStatus `json:"UserStatus"`
	// Email is the user's email address; changing it on an OWNER triggers SCA
	// re-enrollment.
	Email string `json:"Email"`
	// KYCLevel is LIGHT (the default) or REGULAR once the user is verified.
	KYCLevel KYCLevel `json:"KYCLevel"`
	// TermsAndConditionsAccepted tells whether the user accepted Mangopay's
	// terms; an OWNER must have.
	TermsAndConditionsAccepted bool `json:"TermsAndConditionsAccepted"`
	// TermsAndConditionsAcceptedDate is when the terms were accepted (Unix
	// seconds); zero when null, as for PAYERs and some OWNERs.
	TermsAndConditionsAcceptedDate Time `json:"TermsAndConditionsAcceptedDate"`
	// PendingUserAction holds the link of the SCA session the user must complete
	// (valid 10 minutes); nil when no SCA is needed.
	PendingUserAction *PendingUserAction `json:"PendingUserAction"`

	// FirstName is 1 to 100 characters.
	FirstName string `json:"FirstName"`
	// LastName is 1 to 100 characters.
	LastName string `json:"LastName"`
	// Birthday is zero (null) for PAYER users.
	Birthday Date `json:"Birthday"`
	// Nationality is ISO 3166-1 alpha-2; empty (null) for PAYER users.
	Nationality string `json:"Nationality"`
	// CountryOfResidence is ISO 3166-1 alpha-2; empty (null) for PAYER users.
	CountryOfResidence string `json:"CountryOfResidence"`
	// Occupation is at most 255 characters; empty (null) for PAYER users.
	Occupation string `json:"Occupation"`
	// IncomeRange is 1 to 6, or nil when not set.
	IncomeRange *int `json:"IncomeRange"`
	// ProofOfIdentity is the id of the user's identity-proof KYC document, if
	// any (response only).
	ProofOfIdentity string `json:"ProofOfIdentity"`
	// ProofOfAddress is the id of the user's address-proof KYC document, if any
	// (response only).
	ProofOfAddress string `json:"ProofOfAddress"`
	// Capacity is deprecated; Mangopay returns "NORMAL".
	Capacity string `json:"Capacity"`
	// PhoneNumber is E.164, or local with PhoneNumberCountry; changing it on an
	// OWNER triggers SCA re-enrollment.
	PhoneNumber string `json:"PhoneNumber"`
	// PhoneNumberCountry is the ISO 3166-1 alpha-2 country of a local-format
	// PhoneNumber.
	PhoneNumberCountry string `json:"PhoneNumberCountry"`
	// Address is the user's postal address; nil when not set.
	Address *Address `json:"Address"`
}

// LegalUser is a legal entity as returned by the SCA user endpoints
// (/sca/users/legal...). PendingUserAction is set when the legal
// representative must complete an SCA session; the methods returning a
// LegalUser then also return a *ScaRequiredError carrying the checked link.
type LegalUser struct {
	// ID is the user's Mangopay id ("Id" on the wire); treat it as opaque.
	ID string `json:"Id"`
	// Tag is the platform's custom data, at most 255 characters.
	Tag string `json:"Tag"`
	// CreationDate is when the user was created (Unix seconds on the wire).
	CreationDate Time `json:"CreationDate"`
	// PersonType is LEGAL (response only: the endpoint decides it).
	PersonType PersonType `json:"PersonType"`
	// UserCategory is PAYER or OWNER, or PLATFORM (set only by Mangopay).
	UserCategory UserCategory `json:"UserCategory"`
	// UserStatus is PENDING_USER_ACTION while the user must (re-)enroll in SCA,
	// else ACTIVE or CLOSED. ACTIVE alone does not mean enrolled.
	UserStatus UserStatus `json:"UserStatus"`
	// Email is the entity's email address, not the representative's.
	Email string `json:"Email"`
	// KYCLevel is LIGHT (the default) or REGULAR once the user is verified.
	KYCLevel KYCLevel `json:"KYCLevel"`
	// TermsAndConditionsAccepted tells whether the user accepted Mangopay's
	// terms; an OWNER must have.
	TermsAndConditionsAccepted bool `json:"TermsAndConditionsAccepted"`
	// TermsAndConditionsAcceptedDate is when the terms were accepted (Unix
	// seconds); zero when null, as for PAYERs and some OWNERs.
	TermsAndConditionsAcceptedDate Time `json:"TermsAndConditionsAcceptedDate"`
	// PendingUserAction holds the link of the SCA session the legal
	// representative must complete (valid 10 minutes); nil when no SCA is
	// needed.
	PendingUserAction *PendingUserAction `json:"PendingUserAction"`

	// Name is the entity's name, at most 255 characters.
	Name string `json:"Name"`
	// LegalPersonType is BUSINESS, PARTNERSHIP, ORGANIZATION or SOLETRADER.
	LegalPersonType LegalPersonType `json:"LegalPersonType"`
	// LegalRepresentative is the person acting for the entity, who completes an
	// OWNER's SCA sessions.
	LegalRepresentative *LegalRepresentative `json:"LegalRepresentative"`
	// CompanyNumber is the entity's registration number; required for a BUSINESS
	// OWNER, empty (null) for PAYERs.
	CompanyNumber string `json:"CompanyNumber"`
	// ProofOfRegistration is the id of the registration-proof KYC document, if
	// any (response only).
	ProofOfRegistration string `json:"ProofOfRegistration"`
	// ShareholderDeclaration is the id of the shareholder-declaration KYC
	// document, if any (response only).
	ShareholderDeclaration string `json:"ShareholderDeclaration"`
	// Statute is the id of the articles-of-association KYC document, if any
	// (response only).
	Statute string `json:"Statute"`
	// HeadquartersAddress comes back with every field empty for PAYER users.
	HeadquartersAddress *Address `json:"HeadquartersAddress"`
	// LegalRepresentativeAddress is the legal representative's postal address;
	// nil when not set.
	LegalRepresentativeAddress *Address `json:"LegalRepresentativeAddress"`
}

// LegalRepresentative is the person acting for a LegalUser. For OWNER users
// Mangopay sends the SCA session to this person's email and phone.
type LegalRepresentative struct {
	// FirstName is 1 to 100 characters.
	FirstName string `json:"FirstName"`
	// LastName is 1 to 100 characters.
	LastName string `json:"LastName"`
	// Birthday is Unix seconds of UTC midnight on the wire; zero (null) for
	// PAYER users.
	Birthday Date `json:"Birthday"`
	// Nationality is ISO 3166-1 alpha-2; empty (null) for PAYER users.
	Nationality string `json:"Nationality"`
	// CountryOfResidence is ISO 3166-1 alpha-2; empty (null) for PAYER users.
	CountryOfResidence string `json:"CountryOfResidence"`
	// Email is required for an OWNER, whose SCA session it receives; changing it
	// triggers re-enrollment.
	Email string `json:"Email"`
	// PhoneNumber is E.164, or local with PhoneNumberCountry; changing it on an
	// OWNER triggers SCA re-enrollment.
	PhoneNumber string `json:"PhoneNumber"`
	// PhoneNumberCountry is the ISO 3166-1 alpha-2 country of a local-format
	// PhoneNumber.
	PhoneNumberCountry string `json:"PhoneNumberCountry"`
	// ProofOfIdentity is response-only.
	ProofOfIdentity string `json:"ProofOfIdentity"`
}

// LegalRepresentativeRequest is the LegalRepresentative object of the legal
// user request bodies. Empty fields are not sent. FirstName and LastName are
// required on creation; Birthday, Nationality, CountryOfResidence and Email
// are required for OWNER users.
type LegalRepresentativeRequest struct {
	// FirstName (required on creation) is 1 to 100 characters.
	FirstName string `json:"FirstName,omitempty"`
	// LastName (required on creation) is 1 to 100 characters.
	LastName string `json:"LastName,omitempty"`
	// Birthday is required for an OWNER; sent as Unix seconds of UTC midnight.
	Birthday Date `json:"Birthday,omitzero"`
	// Nationality (ISO 3166-1 alpha-2) is required for an OWNER.
	Nationality string `json:"Nationality,omitempty"`
	// CountryOfResidence (ISO 3166-1 alpha-2) is required for an OWNER.
	CountryOfResidence string `json:"CountryOfResidence,omitempty"`
	// Email receives the SCA enrollment; changing it on an OWNER triggers
	// re-enrollment.
	Email string `json:"Email,omitempty"`
	// PhoneNumber is E.164, or local with PhoneNumberCountry. It pre-fills
	// the SMS step of the SCA session.
	PhoneNumber string `json:"PhoneNumber,omitempty"`
	// PhoneNumberCountry (ISO 3166-1 alpha-2) is required with a local-format
	// PhoneNumber; changing it on an OWNER triggers re-enrollment.
	PhoneNumberCountry string `json:"PhoneNumberCountry,omitempty"`
}

// User is the answer of UsersService.Get (GET /sca/users/{id}), which may be
// a natural or a legal user. It carries the fields both share; Natural and
// Legal give the full typed value according to PersonType.
type User struct {
	// ID is the user's Mangopay id ("Id" on the wire); treat it as opaque.
	ID string `json:"Id"`
	// PersonType is NATURAL or LEGAL and decides whether Natural or Legal
	// succeeds.
	PersonType PersonType `json:"PersonType"`
	// UserCategory is PAYER or OWNER, or PLATFORM (set only by Mangopay).
	UserCategory UserCategory `json:"UserCategory"`
	// UserStatus may be PENDING_USER_ACTION (the user must re-enroll), ACTIVE or
	// CLOSED.
	UserStatus UserStatus `json:"UserStatus"`
	// Email is the user's (or, for a legal user, the entity's) email address.
	Email string `json:"Email"`
	// KYCLevel is LIGHT (the default) or REGULAR once the user is verified
	// (see IdentityVerificationsService).
	KYCLevel KYCLevel `json:"KYCLevel"`
	// Tag is the platform's custom data, at most 255 characters.
	Tag string `json:"Tag"`
	// CreationDate is when the user was created (Unix seconds on the wire).
	CreationDate Time `json:"CreationDate"`

	raw     json.RawMessage
	natural *NaturalUser
	legal   *LegalUser
}

// Natural returns the user as a *NaturalUser when PersonType is NATURAL.
// For a User decoded from Mangopay's answer that is the full decoded user;
// for a User built in Go (a test double: User{ID: "u1", PersonType:
// PersonTypeNatural}) it is a new *NaturalUser holding the shared fields.
func (u *User) Natural() (*NaturalUser, bool) {
	switch {
	case u == nil:
		return nil, false
	case u.natural != nil:
		return u.natural, true
	case u.built() && u.PersonType == PersonTypeNatural:
		return &NaturalUser{ID: u.ID, Tag: u.Tag, CreationDate: u.CreationDate, PersonType: u.PersonType,
			UserCategory: u.UserCategory, UserStatus: u.UserStatus, Email: u.Email, KYCLevel: u.KYCLevel}, true
	}
	return nil, false
}

// Legal returns the user as a *LegalUser when PersonType is LEGAL: the full
// decoded user, or for a User built in Go a new *LegalUser holding the
// shared fields (see Natural).
func (u *User) Legal() (*LegalUser, bool) {
	switch {
	case u == nil:
		return nil, false
	case u.legal != nil:
		return u.legal, true
	case u.built() && u.PersonType == PersonTypeLegal:
		return &LegalUser{ID: u.ID, Tag: u.Tag, CreationDate: u.CreationDate, PersonType: u.PersonType,
			UserCategory: u.UserCategory, UserStatus: u.UserStatus, Email: u.Email, KYCLevel: u.KYCLevel}, true
	}
	return nil, false
}

// built reports whether u was built in Go rather than decoded.
func (u *User) built() bool { return u.raw == nil && u.natural == nil && u.legal == nil }

// Raw returns the JSON the user was decoded from, for a PersonType this
// package does not know.
func (u *User) Raw() json.RawMessage {
	if u == nil {
		return nil
	}
	return u.raw
}

// UnmarshalJSON keeps the raw JSON, reads the shared fields, and decodes the
// whole object once more into a NaturalUser or LegalUser per PersonType.
func (u *User) UnmarshalJSON(b []byte) error {
	type common User // no methods: plain decoding of the shared fields
	var c common
	if err := json.Unmarshal(b, &c); err != nil {
		return err
	}
	*u = User(c)
	u.raw = append(json.RawMessage(nil), b...)
	switch u.PersonType {
	case PersonTypeNatural:
		u.natural = new(NaturalUser)
		return json.Unmarshal(b, u.natural)
	case PersonTypeLegal:
		u.legal = new(LegalUser)
		return json.Unmarshal(b, u.legal)
	}
	return nil
}

// MarshalJSON writes the JSON the user was decoded from (or, for a User built
// in Go, its shared fields).
func (u User) MarshalJSON() ([]byte, error) {
	switch {
	case u.natural != nil:
		return json.Marshal(u.natural)
	case u.legal != nil:
		return json.Marshal(u.legal)
	case len(u.raw) > 0:
		return u.raw, nil
	}
	type common User
	return json.Marshal(common(u))
}

// pendingRedirect makes User an scaCarrier: its link is in the decoded
// NaturalUser or LegalUser.
func (u *User) pendingRedirect() string {
	switch {
	case u == nil:
		return ""
	case u.natural != nil:
		return pendingRedirectOf(u.natural)
	}
	return pendingRedirectOf(u.legal)
}

// ScaEnrollment is the answer of UsersService.Enroll and
// UsersService.ManageConsent: only the link of the new SCA session.
type ScaEnrollment struct {
	// PendingUserAction holds the link of the new SCA session (valid 10
	// minutes); Mangopay always sends one.
	PendingUserAction *PendingUserAction `json:"PendingUserAction"`
}

// ScaStatus is a user's SCA enrollment and proxy-consent state
// (GET /sca/users/{id}/sca-status).
type ScaStatus struct {
	// UserStatus is PENDING_USER_ACTION, ACTIVE or CLOSED.
	UserStatus UserStatus `json:"UserStatus"`
	// IsEnrolled tells whether the user completed an SCA enrollment.
	IsEnrolled bool `json:"IsEnrolled"`
	// LastEnrollmentDate is when the user last enrolled (Unix seconds on the
	// wire); zero when null.
	LastEnrollmentDate Time `json:"LastEnrollmentDate"`
	// LastConsentCollectionDate is when proxy consent was last collected (Unix
	// seconds on the wire); zero when null.
	LastConsentCollectionDate Time `json:"LastConsentCollectionDate"`
	// ConsentScope is zero when Mangopay sent null.
	ConsentScope ConsentScope `json:"ConsentScope"`
}

// ConsentScope is the user's proxy consent per scope: what the platform may do
// with ScaContext USER_NOT_PRESENT. An empty value means null.
type ConsentScope struct {
	// ContactInformationUpdate is consent to update the user's details
	// (UsersService.UpdateNatural, UpdateLegal) with USER_NOT_PRESENT.
	ContactInformationUpdate ConsentStatus `json:"ContactInformationUpdate"`
	// RecipientRegistration is consent to create the user's PAYOUT recipients
	// with USER_NOT_PRESENT.
	RecipientRegistration ConsentStatus `json:"RecipientRegistration"`
	// Transfer is consent to create transfers from the user's wallets with
	// USER_NOT_PRESENT.
	Transfer ConsentStatus `json:"Transfer"`
	// ViewAccountInformation is consent to read the user's wallets and
	// transactions with USER_NOT_PRESENT.
	ViewAccountInformation ConsentStatus `json:"ViewAccountInformation"`
}

// CreateNaturalUserRequest is the body of POST /sca/users/natural. Empty
// optional fields are not sent.
type CreateNaturalUserRequest struct {
	// UserCategory (required) is UserCategoryPayer or UserCategoryOwner.
	UserCategory UserCategory `json:"UserCategory"`
	// TermsAndConditionsAccepted (required) must be true for OWNER users.
	// Use Ptr(true) or Ptr(false): nil is refused before the call.
	TermsAndConditionsAccepted *bool `json:"TermsAndConditionsAccepted,omitempty"`
	// FirstName (required) is 1 to 100 characters.
	FirstName string `json:"FirstName"`
	// LastName (required) is 1 to 100 characters.
	LastName string `json:"LastName"`
	// Email (required).
	Email string `json:"Email"`
	// Birthday is required for an OWNER; sent as Unix seconds of UTC midnight.
	Birthday Date `json:"Birthday,omitzero"`
	// Nationality (ISO 3166-1 alpha-2) is required for an OWNER.
	Nationality string `json:"Nationality,omitempty"`
	// CountryOfResidence (ISO 3166-1 alpha-2) is required for an OWNER.
	CountryOfResidence string `json:"CountryOfResidence,omitempty"`
	// Occupation is at most 255 characters.
	Occupation string `json:"Occupation,omitempty"`
	// IncomeRange is 1 to 6; nil is not sent.
	IncomeRange *int `json:"IncomeRange,omitempty"`
	// Tag is the platform's custom data, at most 255 characters.
	Tag string `json:"Tag,omitempty"`
	// Address is the user's postal address; nil is not sent.
	Address *Address `json:"Address,omitempty"`
	// PhoneNumber is E.164, or local with PhoneNumberCountry. It pre-fills
	// the SMS step of the SCA session.
	PhoneNumber string `json:"PhoneNumber,omitempty"`
	// PhoneNumberCountry (ISO 3166-1 alpha-2) is required with a local-format
	// PhoneNumber.
	PhoneNumberCountry string `json:"PhoneNumberCountry,omitempty"`
	// ScaContext defaults to USER_PRESENT on Mangopay's side; USER_NOT_PRESENT
	// needs Mangopay's explicit permission (asynchronous enrollment).
	ScaContext ScaContext `json:"ScaContext,omitempty"`
}

// CreateLegalUserRequest is the body of POST /sca/users/legal. Empty optional
// fields are not sent.
type CreateLegalUserRequest struct {
	// UserCategory (required) is UserCategoryPayer or UserCategoryOwner.
	UserCategory UserCategory `json:"UserCategory"`
	// TermsAndConditionsAccepted (required) must be true for OWNER users.
	// Use Ptr(true) or Ptr(false): nil is refused before the call.
	TermsAndConditionsAccepted *bool `json:"TermsAndConditionsAccepted,omitempty"`
	// LegalPersonType (required).
	LegalPersonType LegalPersonType `json:"LegalPersonType"`
	// Name (required) is the entity's name.
	Name string `json:"Name"`
	// Email (required) is the entity's email.
	Email string `json:"Email"`
	// LegalRepresentative (required) needs FirstName and LastName; Birthday,
	// Nationality, CountryOfResidence and Email too for OWNER users.
	LegalRepresentative *LegalRepresentativeRequest `json:"LegalRepresentative"`
	// CompanyNumber is required for OWNER users of type BUSINESS.
	CompanyNumber string `json:"CompanyNumber,omitempty"`
	// HeadquartersAddress is required for OWNER users.
	HeadquartersAddress *Address `json:"HeadquartersAddress,omitempty"`
	// LegalRepresentativeAddress is the legal representative's postal address;
	// nil is not sent.
	LegalRepresentativeAddress *Address `json:"LegalRepresentativeAddress,omitempty"`
	// Tag is the platform's custom data, at most 255 characters.
	Tag string `json:"Tag,omitempty"`
	// ScaContext defaults to USER_PRESENT on Mangopay's side; USER_NOT_PRESENT
	// needs Mangopay's explicit permission (asynchronous enrollment).
	ScaContext ScaContext `json:"ScaContext,omitempty"`
}

// UpdateNaturalUserRequest is the body of PUT /sca/users/natural/{id}. Like
// every update request it follows the pointer rule (docs/DESIGN.md): a nil
// field is not sent and keeps its value; a non-nil one is sent as it is, so
// Ptr("") clears a text field and Ptr(Date{}) sends a null Birthday.
type UpdateNaturalUserRequest struct {
	// TermsAndConditionsAccepted (required): use Ptr(true) or Ptr(false).
	TermsAndConditionsAccepted *bool `json:"TermsAndConditionsAccepted,omitempty"`
	// UserCategory is not in Mangopay's parameter table but is in its
	// examples; when set it must be the user's current category.
	UserCategory *UserCategory `json:"UserCategory,omitempty"`
	// FirstName is 1 to 100 characters; changing it on a REGULAR user downgrades
	// KYCLevel to LIGHT.
	FirstName *string `json:"FirstName,omitempty"`
	// LastName is 1 to 100 characters; changing it on a REGULAR user downgrades
	// KYCLevel to LIGHT.
	LastName *string `json:"LastName,omitempty"`
	// Birthday is sent as Unix seconds of UTC midnight; changing it on a REGULAR
	// user downgrades KYCLevel to LIGHT.
	Birthday *Date `json:"Birthday,omitempty"`
	// Nationality is ISO 3166-1 alpha-2; changing it on a REGULAR user
	// downgrades KYCLevel to LIGHT.
	Nationality *string `json:"Nationality,omitempty"`
	// CountryOfResidence is ISO 3166-1 alpha-2.
	CountryOfResidence *string `json:"CountryOfResidence,omitempty"`
	// Occupation is at most 255 characters.
	Occupation *string `json:"Occupation,omitempty"`
	// IncomeRange is 1 to 6.
	IncomeRange *int `json:"IncomeRange,omitempty"`
	// Tag is the platform's custom data, at most 255 characters.
	Tag *string `json:"Tag,omitempty"`
	// Email is the user's email address; changing it on an OWNER triggers SCA
	// re-enrollment.
	Email *string `json:"Email,omitempty"`
	// PhoneNumber is E.164, or local with PhoneNumberCountry; changing it on an
	// OWNER triggers SCA re-enrollment.
	PhoneNumber *string `json:"PhoneNumber,omitempty"`
	// PhoneNumberCountry (ISO 3166-1 alpha-2) goes with a local-format
	// PhoneNumber; changing it on an OWNER triggers SCA re-enrollment.
	PhoneNumberCountry *string `json:"PhoneNumberCountry,omitempty"`
	// Address replaces the user's postal address; nil is not sent.
	Address *Address `json:"Address,omitempty"`
	// ScaContext is how the call is made, not a field of the user: USER_PRESENT
	// (Mangopay's default, sent when empty) redirects the user for
	// re-enrollment; USER_NOT_PRESENT acts as the user's proxy and fails with
	// ErrScaProxyMissing without their consent.
	ScaContext ScaContext `json:"ScaContext,omitempty"`
}

// UpdateLegalUserRequest is the body of PUT /sca/users/legal/{id}. It follows
// the pointer rule of UpdateNaturalUserRequest: nil is not sent, Ptr("")
// clears.
type UpdateLegalUserRequest struct {
	// TermsAndConditionsAccepted (required): use Ptr(true) or Ptr(false).
	TermsAndConditionsAccepted *bool `json:"TermsAndConditionsAccepted,omitempty"`
	// UserCategory is not in Mangopay's parameter table but is in its
	// examples; when set it must be the user's current category.
	UserCategory *UserCategory `json:"UserCategory,omitempty"`
	// Name is the entity's name, at most 255 characters.
	Name *string `json:"Name,omitempty"`
	// LegalPersonType is BUSINESS, PARTNERSHIP, ORGANIZATION or SOLETRADER.
	LegalPersonType *LegalPersonType `json:"LegalPersonType,omitempty"`
	// LegalRepresentative: changing its Email, PhoneNumber or
	// PhoneNumberCountry on an OWNER triggers SCA re-enrollment. Send only
	// what changes: other fields may downgrade the user's KYC level.
	LegalRepresentative *UpdateLegalRepresentativeRequest `json:"LegalRepresentative,omitempty"`
	// CompanyNumber is the entity's registration number.
	CompanyNumber *string `json:"CompanyNumber,omitempty"`
	// HeadquartersAddress is the entity's registered address; nil is not sent.
	HeadquartersAddress *Address `json:"HeadquartersAddress,omitempty"`
	// LegalRepresentativeAddress is the legal representative's postal address;
	// nil is not sent.
	LegalRepresentativeAddress *Address `json:"LegalRepresentativeAddress,omitempty"`
	// Tag is the platform's custom data, at most 255 characters.
	Tag *string `json:"Tag,omitempty"`
	// Email is the entity's email address, not the representative's.
	Email *string `json:"Email,omitempty"`
	// ScaContext: as in UpdateNaturalUserRequest.
	ScaContext ScaContext `json:"ScaContext,omitempty"`
}

// UpdateLegalRepresentativeRequest is the LegalRepresentative object of
// UpdateLegalUserRequest: nil fields are not sent and keep their value.
type UpdateLegalRepresentativeRequest struct {
	// FirstName is 1 to 100 characters.
	FirstName *string `json:"FirstName,omitempty"`
	// LastName is 1 to 100 characters.
	LastName *string `json:"LastName,omitempty"`
	// Birthday is sent as Unix seconds of UTC midnight.
	Birthday *Date `json:"Birthday,omitempty"`
	// Nationality is ISO 3166-1 alpha-2.
	Nationality *string `json:"Nationality,omitempty"`
	// CountryOfResidence is ISO 3166-1 alpha-2.
	CountryOfResidence *string `json:"CountryOfResidence,omitempty"`
	// Email receives the SCA sessions; changing it on an OWNER triggers
	// re-enrollment.
	Email *string `json:"Email,omitempty"`
	// PhoneNumber is E.164, or local with PhoneNumberCountry; changing it on
	// an OWNER triggers re-enrollment.
	PhoneNumber *string `json:"PhoneNumber,omitempty"`
	// PhoneNumberCountry (ISO 3166-1 alpha-2) goes with a local-format
	// PhoneNumber; changing it on an OWNER triggers re-enrollment.
	PhoneNumberCountry *string `json:"PhoneNumberCountry,omitempty"`
}

// CategorizeNaturalUserRequest is the body of
// PUT /sca/users/natural/{id}/category, which turns a PAYER into an OWNER.
type CategorizeNaturalUserRequest struct {
	// UserCategory is sent as OWNER (the only accepted value) when empty.
	UserCategory UserCategory `json:"UserCategory"`
	// TermsAndConditionsAccepted (required) must be true: use Ptr(true).
	TermsAndConditionsAccepted *bool `json:"TermsAndConditionsAccepted,omitempty"`
	// Birthday (required by Mangopay) is sent as Unix seconds of UTC midnight.
	Birthday Date `json:"Birthday,omitzero"`
	// Nationality (required by Mangopay) is ISO 3166-1 alpha-2.
	Nationality string `json:"Nationality,omitempty"`
	// CountryOfResidence (required by Mangopay) is ISO 3166-1 alpha-2.
	CountryOfResidence string `json:"CountryOfResidence,omitempty"`
	// Email, when set, updates the user's email address.
	Email string `json:"Email,omitempty"`
	// PhoneNumber is E.164, or local with PhoneNumberCountry; it pre-fills the
	// SMS step of the SCA session.
	PhoneNumber string `json:"PhoneNumber,omitempty"`
	// PhoneNumberCountry (ISO 3166-1 alpha-2) is required with a local-format
	// PhoneNumber.
	PhoneNumberCountry string `json:"PhoneNumberCountry,omitempty"`
	// ScaContext defaults to USER_PRESENT on Mangopay's side.
	ScaContext ScaContext `json:"ScaContext,omitempty"`
}

// CategorizeLegalUserRequest is the body of
// PUT /sca/users/legal/{id}/category, which turns a PAYER into an OWNER.
type CategorizeLegalUserRequest struct {
	// UserCategory is sent as OWNER (the only accepted value) when empty.
	UserCategory UserCategory `json:"UserCategory"`
	// TermsAndConditionsAccepted (required) must be true: use Ptr(true).
	TermsAndConditionsAccepted *bool `json:"TermsAndConditionsAccepted,omitempty"`
	// LegalRepresentative is required by Mangopay with Birthday, Nationality,
	// CountryOfResidence and Email.
	LegalRepresentative *LegalRepresentativeRequest `json:"LegalRepresentative,omitempty"`
	// HeadquartersAddress is required by Mangopay.
	HeadquartersAddress *Address `json:"HeadquartersAddress,omitempty"`
	// CompanyNumber is required for type BUSINESS.
	CompanyNumber string `json:"CompanyNumber,omitempty"`
	// ScaContext defaults to USER_PRESENT on Mangopay's side.
	ScaContext ScaContext `json:"ScaContext,omitempty"`
}

// checkTermsAndSca records the checks every user write shares: the terms
// answer is required (nil is refused, false is sent) and ScaContext must be
// a documented value.
func checkTermsAndSca(p *problemList, terms *bool, sc ScaContext) {
	if terms == nil {
		p.add("TermsAndConditionsAccepted", "is required: set it with mangopay.Ptr(true) or mangopay.Ptr(false)")
	}
	p.scaContext("ScaContext", sc)
}

// keepOnSca applies the one rule for SCA: when err is a *ScaRequiredError, or
// an ErrUntrustedRedirect for a resource that was nevertheless created or
// changed, the decoded resource is returned with it; other errors return nil.
func keepOnSca[T any](out *T, err error) (*T, error) {
	if err == nil {
		return out, nil
	}
	if _, ok := AsScaRequired(err); ok || errors.Is(err, ErrUntrustedRedirect) {
		return out, err
	}
	return nil, err
}

// CreateNatural creates a natural user: POST /sca/users/natural.
//
// For an OWNER, Mangopay starts the SCA enrollment: the user comes back with
// UserStatus PENDING_USER_ACTION and the call returns it together with a
// *ScaRequiredError whose link the user must visit (append a return URL with
// RedirectURLWithReturn). Store the user's ID before redirecting. A PAYER is
// ACTIVE at once and no error is returned.
func (s *UsersService) CreateNatural(ctx context.Context, in *CreateNaturalUserRequest, opts ...RequestOption) (*NaturalUser, error) {
	const op = "Users.CreateNatural"
	if in == nil {
		return nil, nilRequest(op, "CreateNaturalUserRequest")
	}
	p := newProblems(op)
	p.required("UserCategory", string(in.UserCategory))
	checkTermsAndSca(p, in.TermsAndConditionsAccepted, in.ScaContext)
	p.required("FirstName", in.FirstName)
	p.required("LastName", in.LastName)
	p.required("Email", in.Email)
	if err := p.err(); err != nil {
		return nil, err
	}
	return keepOnSca(send[NaturalUser](ctx, s.client, http.MethodPost, "/sca/users/natural", in, opts))
}

// CreateLegal creates a legal user: POST /sca/users/legal.
//
// For an OWNER, Mangopay starts the legal representative's SCA enrollment:
// the user is returned together with a *ScaRequiredError (see CreateNatural).
// A PAYER is ACTIVE at once and no error is returned.
func (s *UsersService) CreateLegal(ctx context.Context, in *CreateLegalUserRequest, opts ...RequestOption) (*LegalUser, error) {
	const op = "Users.CreateLegal"
	if in == nil {
		return nil, nilRequest(op, "CreateLegalUserRequest")
	}
	p := newProblems(op)
	p.required("UserCategory", string(in.UserCategory))
	checkTermsAndSca(p, in.TermsAndConditionsAccepted, in.ScaContext)
	p.required("LegalPersonType", string(in.LegalPersonType))
	p.required("Name", in.Name)
	p.required("Email", in.Email)
	if in.LegalRepresentative == nil {
		p.add("LegalRepresentative", "is required")
	} else {
		p.required("LegalRepresentative.FirstName", in.LegalRepresentative.FirstName)
		p.required("LegalRepresentative.LastName", in.LegalRepresentative.LastName)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return keepOnSca(send[LegalUser](ctx, s.client, http.MethodPost, "/sca/users/legal", in, opts))
}

// UpdateNatural updates a natural user: PUT /sca/users/natural/{id}.
//
// For an OWNER, changing Email, PhoneNumber or PhoneNumberCountry with
// ScaContext USER_PRESENT triggers re-enrollment: the user is returned
// together with a *ScaRequiredError. With USER_NOT_PRESENT and no proxy
// consent the call fails with ErrScaProxyMissing.
func (s *UsersService) UpdateNatural(ctx context.Context, id string, in *UpdateNaturalUserRequest, opts ...RequestOption) (*NaturalUser, error) {
	const op = "Users.UpdateNatural"
	if in == nil {
		return nil, nilRequest(op, "UpdateNaturalUserRequest")
	}
	p := newProblems(op)
	checkTermsAndSca(p, in.TermsAndConditionsAccepted, in.ScaContext)
	if err := p.err(); err != nil {
		return nil, err
	}
	return keepOnSca(callPath[NaturalUser](ctx, s.client, http.MethodPut, "/sca/users/natural/%s", id, in, opts))
}

// UpdateLegal updates a legal user: PUT /sca/users/legal/{id}.
//
// For an OWNER, changing LegalRepresentative.Email, .PhoneNumber or
// .PhoneNumberCountry with ScaContext USER_PRESENT triggers re-enrollment:
// the user is returned together with a *ScaRequiredError. With
// USER_NOT_PRESENT and no proxy consent the call fails with ErrScaProxyMissing.
func (s *UsersService) UpdateLegal(ctx context.Context, id string, in *UpdateLegalUserRequest, opts ...RequestOption) (*LegalUser, error) {
	const op = "Users.UpdateLegal"
	if in == nil {
		return nil, nilRequest(op, "UpdateLegalUserRequest")
	}
	p := newProblems(op)
	checkTermsAndSca(p, in.TermsAndConditionsAccepted, in.ScaContext)
	if err := p.err(); err != nil {
		return nil, err
	}
	return keepOnSca(callPath[LegalUser](ctx, s.client, http.MethodPut, "/sca/users/legal/%s", id, in, opts))
}

// CategorizeNatural turns a PAYER natural user into an OWNER:
// PUT /sca/users/natural/{id}/category.
//
// This always starts an SCA enrollment: the user is returned with UserStatus
// PENDING_USER_ACTION together with a *ScaRequiredError. On a user who is
// already OWNER it fails with ErrNotAllowedForOwner (use Enroll instead).
func (s *UsersService) CategorizeNatural(ctx context.Context, id string, in *CategorizeNaturalUserRequest, opts ...RequestOption) (*NaturalUser, error) {
	const op = "Users.CategorizeNatural"
	if in == nil {
		return nil, nilRequest(op, "CategorizeNaturalUserRequest")
	}
	p := newProblems(op)
	checkTermsAndSca(p, in.TermsAndConditionsAccepted, in.ScaContext)
	if err := p.err(); err != nil {
		return nil, err
	}
	body := *in // never modify the caller's request
	if body.UserCategory == "" {
		body.UserCategory = UserCategoryOwner
	}
	return keepOnSca(callPath[NaturalUser](ctx, s.client, http.MethodPut, "/sca/users/natural/%s/category", id, &body, opts))
}

// CategorizeLegal turns a PAYER legal user into an OWNER:
// PUT /sca/users/legal/{id}/category.
//
// This starts the legal representative's SCA enrollment: the user is returned
// together with a *ScaRequiredError. On a user who is already OWNER it fails
// with ErrNotAllowedForOwner (use Enroll instead).
func (s *UsersService) CategorizeLegal(ctx context.Context, id string, in *CategorizeLegalUserRequest, opts ...RequestOption) (*LegalUser, error) {
	const op = "Users.CategorizeLegal"
	if in == nil {
		return nil, nilRequest(op, "CategorizeLegalUserRequest")
	}
	p := newProblems(op)
	checkTermsAndSca(p, in.TermsAndConditionsAccepted, in.ScaContext)
	if err := p.err(); err != nil {
		return nil, err
	}
	body := *in
	if body.UserCategory == "" {
		body.UserCategory = UserCategoryOwner
	}
	return keepOnSca(callPath[LegalUser](ctx, s.client, http.MethodPut, "/sca/users/legal/%s/category", id, &body, opts))
}

// Enroll starts a new SCA enrollment session for an OWNER:
// POST /sca/users/{id}/enrollment (no request body; an Idempotency-Key is
// still sent).
//
// Use it for OWNERs created before SCA and to retry after an expired or
// failed session; each call opens a new session. Mangopay always answers with
// a link, so the call returns the *ScaEnrollment together with a
// *ScaRequiredError. On a PAYER it fails with ErrNotAllowedForPayer (use
// CategorizeNatural or CategorizeLegal instead).
func (s *UsersService) Enroll(ctx context.Context, id string, opts ...RequestOption) (*ScaEnrollment, error) {
	return keepOnSca(callPath[ScaEnrollment](ctx, s.client, http.MethodPost, "/sca/users/%s/enrollment", id, nil, opts))
}

// ManageConsent opens an SCA session in which an enrolled (ACTIVE) user
// grants or revokes the platform's proxy consents:
// POST /sca/users/{id}/consent (no request body; an Idempotency-Key is still
// sent).
//
// The call returns the *ScaEnrollment together with a *ScaRequiredError
// carrying the session link. It fails with a param_error *APIError when proxy
// management is not activated for the platform.
func (s *UsersService) ManageConsent(ctx context.Context, id string, opts ...RequestOption) (*ScaEnrollment, error) {
	return keepOnSca(callPath[ScaEnrollment](ctx, s.client, http.MethodPost, "/sca/users/%s/consent", id, nil, opts))
}

// Get fetches a natural or legal user: GET /sca/users/{id}. Use
// User.Natural or User.Legal, chosen by PersonType, for the full value.
//
// Mangopay documents PendingUserAction as always null here (call Enroll for a
// new link); should one come back anyway, it is returned as a
// *ScaRequiredError together with the user.
func (s *UsersService) Get(ctx context.Context, id string, opts ...RequestOption) (*User, error) {
	return keepOnSca(callPath[User](ctx, s.client, http.MethodGet, "/sca/users/%s", id, nil, opts))
}

// GetNatural fetches a natural user: GET /sca/users/natural/{id}. SCA: as Get.
func (s *UsersService) GetNatural(ctx context.Context, id string, opts ...RequestOption) (*NaturalUser, error) {
	return keepOnSca(callPath[NaturalUser](ctx, s.client, http.MethodGet, "/sca/users/natural/%s", id, nil, opts))
}

// GetLegal fetches a legal user: GET /sca/users/legal/{id}. SCA: as Get.
func (s *UsersService) GetLegal(ctx context.Context, id string, opts ...RequestOption) (*LegalUser, error) {
	return keepOnSca(callPath[LegalUser](ctx, s.client, http.MethodGet, "/sca/users/legal/%s", id, nil, opts))
}

// ScaStatus fetches a user's SCA enrollment and proxy-consent state:
// GET /sca/users/{id}/sca-status. It never demands SCA.
//
// Mangopay answers 404 when the user never triggered an enrollment: the error
// then matches both ErrNotEnrolled and ErrNotFound (and unwraps to the
// *APIError). An unknown user id also gives 404.
func (s *UsersService) ScaStatus(ctx context.Context, id string, opts ...RequestOption) (*ScaStatus, error) {
	path, err := pathf("/sca/users/%s/sca-status", id)
	if err != nil {
		return nil, err
	}
	var out ScaStatus
	if err := s.client.get(ctx, path, nil, &out, opts); err != nil {
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound {
			return nil, withSentinel(ErrNotEnrolled, err)
		}
		return nil, err
	}
	return &out, nil
}
