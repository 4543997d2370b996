package mangopaytest

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// User categories, statuses and person types (Mangopay's values).
const (
	categoryPayer = "PAYER"
	categoryOwner = "OWNER"

	statusPending = "PENDING_USER_ACTION"
	statusActive  = "ACTIVE"

	personNatural = "NATURAL"
	personLegal   = "LEGAL"

	ctxPresent    = "USER_PRESENT"
	ctxNotPresent = "USER_NOT_PRESENT"
)

// Consent scopes of a proxy-consent session, as in sca-status ConsentScope.
const (
	scopeContact   = "ContactInformationUpdate"
	scopeRecipient = "RecipientRegistration"
	scopeTransfer  = "Transfer"
	scopeView      = "ViewAccountInformation"
)

var consentScopes = []string{scopeContact, scopeRecipient, scopeTransfer, scopeView}

// consentEvents maps a scope to its GIVEN and REVOKED event types.
var consentEvents = map[string][2]string{
	scopeContact:   {"SCA_CONTACT_INFORMATION_UPDATE_CONSENT_GIVEN", "SCA_CONTACT_INFORMATION_UPDATE_CONSENT_REVOKED"},
	scopeRecipient: {"SCA_RECIPIENT_REGISTRATION_CONSENT_GIVEN", "SCA_RECIPIENT_REGISTRATION_CONSENT_REVOKED"},
	scopeTransfer:  {"SCA_TRANSFER_CONSENT_GIVEN", "SCA_TRANSFER_CONSENT_REVOKED"},
	scopeView:      {"SCA_VIEW_ACCOUNT_INFORMATION_CONSENT_GIVEN", "SCA_VIEW_ACCOUNT_INFORMATION_CONSENT_REVOKED"},
}

// address is a postal address as stored.
type address struct {
	AddressLine1, AddressLine2, City, Region, PostalCode, Country string
}

// addressJSON is an Address on the wire: in a request body a nil field was
// absent; in a response every field may be null.
type addressJSON struct {
	AddressLine1 *string `json:"AddressLine1"`
	AddressLine2 *string `json:"AddressLine2"`
	City         *string `json:"City"`
	Region       *string `json:"Region"`
	PostalCode   *string `json:"PostalCode"`
	Country      *string `json:"Country"`
}

func (a address) out() addressJSON {
	return addressJSON{nz(a.AddressLine1), nz(a.AddressLine2), nz(a.City), nz(a.Region), nz(a.PostalCode), nz(a.Country)}
}

func (a *addressJSON) value() address {
	return address{str(a.AddressLine1), str(a.AddressLine2), str(a.City), str(a.Region), str(a.PostalCode), str(a.Country)}
}

// legalRep is a legal user's representative as stored.
type legalRep struct {
	FirstName, LastName, Email, PhoneNumber, PhoneNumberCountry string
	Birthday                                                    *int64
	Nationality, CountryOfResidence                             string
}

// user is an SCA user, natural or legal.
type user struct {
	seq        int64
	id         string
	personType string
	category   string
	status     string
	created    time.Time
	tag        string
	email      string
	tc         bool
	tcDate     time.Time

	// natural
	firstName, lastName             string
	birthday                        *int64
	nationality, countryOfResidence string
	occupation                      string
	incomeRange                     *int64
	phone, phoneCountry             string
	address                         address

	// legal
	name, legalPersonType, companyNumber string
	lr                                   legalRep
	hq, lrAddress                        address

	// SCA
	enrollmentTriggered bool
	enrolled            bool
	lastEnrollment      time.Time
	walletAccessAt      time.Time
	lowValueCount       int
	lowValueSum         int64
	consent             map[string]bool
	lastConsent         time.Time

	// kycRegular is set by SetKYCLevel (payouts.go).
	kycRegular bool
}

// displayName is the name the hosted page shows.
func (u *user) displayName() string {
	if u.personType == personLegal {
		return u.name
	}
	return strings.TrimSpace(u.firstName + " " + u.lastName)
}

// scaPhone is the phone number SCA codes go to.
func (u *user) scaPhone() string {
	if u.personType == personLegal {
		return u.lr.PhoneNumber
	}
	return u.phone
}

// strongAuthSubject reports whether the sandbox applies SCA to this user's
// wallet reads, transfers and PAYOUT recipients: any OWNER, natural or legal
// of every type. Mangopay first applied SCA to natural users and
// SOLETRADERs, then (November 2025) to every legal type; the emulator
// enrolls every legal OWNER, so it authenticates their actions too.
func (u *user) strongAuthSubject() bool {
	return u.category == categoryOwner
}

// scaBypass reports whether the sandbox's test email bypass covers u: its
// Email (a natural user) or LegalRepresentative.Email (a legal user)
// contains the word "accept", such as accept@example.com or
// john.doe+accept@example.com. Mangopay's sandbox then applies no SCA on
// enrollment, recipient creation, transfers or wallet access and returns no
// PendingUserAction.RedirectUrl (API release note 2026-02-16, "Test email
// value to bypass SCA in Sandbox"). The match ignores case.
func (u *user) scaBypass() bool {
	email := u.email
	if u.personType == personLegal {
		email = u.lr.Email
	}
	return strings.Contains(strings.ToLower(email), "accept")
}

// ---- wire shapes ----

type naturalUserOut struct {
	FirstName                      *string        `json:"FirstName"`
	LastName                       *string        `json:"LastName"`
	Birthday                       *int64         `json:"Birthday"`
	Nationality                    *string        `json:"Nationality"`
	CountryOfResidence             *string        `json:"CountryOfResidence"`
	Occupation                     *string        `json:"Occupation"`
	IncomeRange                    *int64         `json:"IncomeRange"`
	ProofOfIdentity                *string        `json:"ProofOfIdentity"`
	ProofOfAddress                 *string        `json:"ProofOfAddress"`
	Capacity                       string         `json:"Capacity"`
	PhoneNumber                    *string        `json:"PhoneNumber"`
	PhoneNumberCountry             *string        `json:"PhoneNumberCountry"`
	Address                        addressJSON    `json:"Address"`
	PendingUserAction              *pendingAction `json:"PendingUserAction"`
	ID                             string         `json:"Id"`
	Tag                            *string        `json:"Tag"`
	CreationDate                   int64          `json:"CreationDate"`
	PersonType                     string         `json:"PersonType"`
	Email                          *string        `json:"Email"`
	KYCLevel                       string         `json:"KYCLevel"`
	TermsAndConditionsAccepted     bool           `json:"TermsAndConditionsAccepted"`
	TermsAndConditionsAcceptedDate *int64         `json:"TermsAndConditionsAcceptedDate"`
	UserCategory                   string         `json:"UserCategory"`
	UserStatus                     string         `json:"UserStatus"`
}

type legalRepOut struct {
	FirstName          *string `json:"FirstName"`
	LastName           *string `json:"LastName"`
	ProofOfIdentity    *string `json:"ProofOfIdentity"`
	Birthday           *int64  `json:"Birthday"`
	Nationality        *string `json:"Nationality"`
	CountryOfResidence *string `json:"CountryOfResidence"`
	Email              *string `json:"Email"`
	PhoneNumber        *string `json:"PhoneNumber"`
	PhoneNumberCountry *string `json:"PhoneNumberCountry"`
}

type legalUserOut struct {
	Name                           *string        `json:"Name"`
	LegalPersonType                string         `json:"LegalPersonType"`
	LegalRepresentative            legalRepOut    `json:"LegalRepresentative"`
	ProofOfRegistration            *string        `json:"ProofOfRegistration"`
	ShareholderDeclaration         *string        `json:"ShareholderDeclaration"`
	Statute                        *string        `json:"Statute"`
	CompanyNumber                  *string        `json:"CompanyNumber"`
	PendingUserAction              *pendingAction `json:"PendingUserAction"`
	HeadquartersAddress            addressJSON    `json:"HeadquartersAddress"`
	LegalRepresentativeAddress     addressJSON    `json:"LegalRepresentativeAddress"`
	ID                             string         `json:"Id"`
	Tag                            *string        `json:"Tag"`
	CreationDate                   int64          `json:"CreationDate"`
	PersonType                     string         `json:"PersonType"`
	Email                          *string        `json:"Email"`
	KYCLevel                       string         `json:"KYCLevel"`
	TermsAndConditionsAccepted     bool           `json:"TermsAndConditionsAccepted"`
	TermsAndConditionsAcceptedDate *int64         `json:"TermsAndConditionsAcceptedDate"`
	UserCategory                   string         `json:"UserCategory"`
	UserStatus                     string         `json:"UserStatus"`
}

// render returns the SCA view of u with link as PendingUserAction. Fields
// Mangopay returns null for PAYER users are null.
func (u *user) render(link string) any {
	owner := u.category != categoryPayer
	ownerOnly := func(s string) *string {
		if !owner {
			return nil
		}
		return nz(s)
	}
	ownerInt := func(p *int64) *int64 {
		if !owner {
			return nil
		}
		return p
	}
	var tcDate *int64
	if u.tc {
		tcDate = unixOrNull(u.tcDate)
	}
	if u.personType == personLegal {
		return legalUserOut{
			Name:            nz(u.name),
			LegalPersonType: u.legalPersonType,
			LegalRepresentative: legalRepOut{
				FirstName: nz(u.lr.FirstName), LastName: nz(u.lr.LastName),
				Birthday: ownerInt(u.lr.Birthday), Nationality: ownerOnly(u.lr.Nationality),
				CountryOfResidence: ownerOnly(u.lr.CountryOfResidence), Email: ownerOnly(u.lr.Email),
				PhoneNumber: nz(u.lr.PhoneNumber), PhoneNumberCountry: nz(u.lr.PhoneNumberCountry),
			},
			CompanyNumber:                  ownerOnly(u.companyNumber),
			PendingUserAction:              pending(link),
			HeadquartersAddress:            map[bool]address{true: u.hq}[owner].out(),
			LegalRepresentativeAddress:     u.lrAddress.out(),
			ID:                             u.id,
			Tag:                            nz(u.tag),
			CreationDate:                   u.created.Unix(),
			PersonType:                     personLegal,
			Email:                          nz(u.email),
			KYCLevel:                       u.kycLevel(),
			TermsAndConditionsAccepted:     u.tc,
			TermsAndConditionsAcceptedDate: tcDate,
			UserCategory:                   u.category,
			UserStatus:                     u.status,
		}
	}
	return naturalUserOut{
		FirstName: nz(u.firstName), LastName: nz(u.lastName),
		Birthday: ownerInt(u.birthday), Nationality: ownerOnly(u.nationality),
		CountryOfResidence: ownerOnly(u.countryOfResidence), Occupation: ownerOnly(u.occupation),
		IncomeRange:                    ownerInt(u.incomeRange),
		Capacity:                       "NORMAL",
		PhoneNumber:                    nz(u.phone),
		PhoneNumberCountry:             nz(u.phoneCountry),
		Address:                        u.address.out(),
		PendingUserAction:              pending(link),
		ID:                             u.id,
		Tag:                            nz(u.tag),
		CreationDate:                   u.created.Unix(),
		PersonType:                     personNatural,
		Email:                          nz(u.email),
		KYCLevel:                       u.kycLevel(),
		TermsAndConditionsAccepted:     u.tc,
		TermsAndConditionsAcceptedDate: tcDate,
		UserCategory:                   u.category,
		UserStatus:                     u.status,
	}
}

// naturalIn is the body of the natural-user create, update and categorize calls.
type naturalIn struct {
	FirstName                  *string      `json:"FirstName"`
	LastName                   *string      `json:"LastName"`
	Birthday                   *flexInt     `json:"Birthday"`
	Nationality                *string      `json:"Nationality"`
	CountryOfResidence         *string      `json:"CountryOfResidence"`
	Occupation                 *string      `json:"Occupation"`
	IncomeRange                *flexInt     `json:"IncomeRange"`
	Tag                        *string      `json:"Tag"`
	Email                      *string      `json:"Email"`
	PhoneNumber                *string      `json:"PhoneNumber"`
	PhoneNumberCountry         *string      `json:"PhoneNumberCountry"`
	Address                    *addressJSON `json:"Address"`
	TermsAndConditionsAccepted *bool        `json:"TermsAndConditionsAccepted"`
	UserCategory               *string      `json:"UserCategory"`
	ScaContext                 *string      `json:"ScaContext"`
}

type legalRepIn struct {
	FirstName          *string  `json:"FirstName"`
	LastName           *string  `json:"LastName"`
	Birthday           *flexInt `json:"Birthday"`
	Nationality        *string  `json:"Nationality"`
	CountryOfResidence *string  `json:"CountryOfResidence"`
	Email              *string  `json:"Email"`
	PhoneNumber        *string  `json:"PhoneNumber"`
	PhoneNumberCountry *string  `json:"PhoneNumberCountry"`
}

// legalIn is the body of the legal-user create, update and categorize calls.
type legalIn struct {
	Name                       *string      `json:"Name"`
	LegalPersonType            *string      `json:"LegalPersonType"`
	LegalRepresentative        *legalRepIn  `json:"LegalRepresentative"`
	CompanyNumber              *string      `json:"CompanyNumber"`
	HeadquartersAddress        *addressJSON `json:"HeadquartersAddress"`
	LegalRepresentativeAddress *addressJSON `json:"LegalRepresentativeAddress"`
	Tag                        *string      `json:"Tag"`
	Email                      *string      `json:"Email"`
	TermsAndConditionsAccepted *bool        `json:"TermsAndConditionsAccepted"`
	UserCategory               *string      `json:"UserCategory"`
	ScaContext                 *string      `json:"ScaContext"`
}

// ---- validation ----

type fieldErrors map[string]string

func (e fieldErrors) required(field string, v *string) {
	if v == nil || strings.TrimSpace(*v) == "" {
		e[field] = fmt.Sprintf("The %s field is required.", lastPart(field))
	}
}

func lastPart(field string) string {
	if i := strings.LastIndexByte(field, '.'); i >= 0 {
		return field[i+1:]
	}
	return field
}

func (e fieldErrors) length(field string, v *string, lo, hi int) {
	if v == nil || e[field] != "" {
		return
	}
	if n := len([]rune(*v)); n < lo || n > hi {
		e[field] = fmt.Sprintf("The field %s must be a string with a minimum length of %d and a maximum length of %d.", lastPart(field), lo, hi)
	}
}

var emailRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

func (e fieldErrors) email(field string, v *string) {
	if v != nil && *v != "" && !emailRE.MatchString(*v) {
		e[field] = "The Email field is not a valid e-mail address."
	}
}

// blockedCountries are refused as restricted countries, like Mangopay does
// for sanctioned ones.
var blockedCountries = map[string]bool{"KP": true, "IR": true, "SY": true, "CU": true}

var countryRE = regexp.MustCompile(`^[A-Z]{2}$`)

func (e fieldErrors) country(field string, v *string) {
	if v == nil || *v == "" {
		return
	}
	switch {
	case !countryRE.MatchString(*v):
		e[field] = fmt.Sprintf("The %s field must be an ISO 3166-1 alpha-2 country code.", lastPart(field))
	case blockedCountries[*v]:
		e[field] = fmt.Sprintf("The %s used is blocked", lastPart(field))
	}
}

var phoneRE = regexp.MustCompile(`^\+?[0-9 ().-]{4,20}$`)

func (e fieldErrors) phone(prefix string, number, country *string) {
	if number == nil || *number == "" {
		return
	}
	if !phoneRE.MatchString(*number) {
		e[prefix+"PhoneNumber"] = "The PhoneNumber field must be in E.164 or local format."
		return
	}
	if !strings.HasPrefix(*number, "+") && (country == nil || *country == "") {
		e[prefix+"PhoneNumberCountry"] = "The PhoneNumberCountry field is required when PhoneNumber is in local format."
	}
	e.country(prefix+"PhoneNumberCountry", country)
}

func (e fieldErrors) addr(field string, a *addressJSON) {
	if a == nil {
		return
	}
	e.required(field+".AddressLine1", a.AddressLine1)
	e.required(field+".City", a.City)
	e.required(field+".PostalCode", a.PostalCode)
	e.required(field+".Country", a.Country)
	e.country(field+".Country", a.Country)
	if c := str(a.Country); (c == "US" || c == "CA" || c == "MX") && str(a.Region) == "" {
		e[field+".Region"] = "The Region field is required when Country is US, CA or MX."
	}
	for name, v := range map[string]*string{"AddressLine1": a.AddressLine1, "AddressLine2": a.AddressLine2, "City": a.City, "Region": a.Region, "PostalCode": a.PostalCode} {
		e.length(field+"."+name, v, 0, 255)
	}
}

func (e fieldErrors) scaContext(v *string) {
	if v != nil && *v != "" && *v != ctxPresent && *v != ctxNotPresent {
		e["ScaContext"] = "The ScaContext field must be USER_PRESENT or USER_NOT_PRESENT."
	}
}

func (e fieldErrors) terms(v *bool) {
	if v == nil {
		e["TermsAndConditionsAccepted"] = "The TermsAndConditionsAccepted field is required."
	}
}

func (in *naturalIn) validate(e fieldErrors) {
	e.length("FirstName", in.FirstName, 1, 100)
	e.length("LastName", in.LastName, 1, 100)
	e.email("Email", in.Email)
	e.country("Nationality", in.Nationality)
	e.country("CountryOfResidence", in.CountryOfResidence)
	e.length("Occupation", in.Occupation, 0, 255)
	e.length("Tag", in.Tag, 0, 255)
	if in.IncomeRange != nil && (*in.IncomeRange < 1 || *in.IncomeRange > 6) {
		e["IncomeRange"] = "The IncomeRange field must be between 1 and 6."
	}
	e.phone("", in.PhoneNumber, in.PhoneNumberCountry)
	e.addr("Address", in.Address)
	e.scaContext(in.ScaContext)
}

func (in *legalIn) validate(e fieldErrors) {
	e.length("Name", in.Name, 1, 255)
	e.email("Email", in.Email)
	if in.LegalPersonType != nil && !validLegalTypes[*in.LegalPersonType] {
		e["LegalPersonType"] = "The LegalPersonType field must be BUSINESS, PARTNERSHIP, ORGANIZATION or SOLETRADER."
	}
	if lr := in.LegalRepresentative; lr != nil {
		e.length("LegalRepresentative.FirstName", lr.FirstName, 1, 100)
		e.length("LegalRepresentative.LastName", lr.LastName, 1, 100)
		e.country("LegalRepresentative.Nationality", lr.Nationality)
		e.country("LegalRepresentative.CountryOfResidence", lr.CountryOfResidence)
		if lr.Email != nil && *lr.Email != "" && !emailRE.MatchString(*lr.Email) {
			e["LegalRepresentative.Email"] = "The Email field is not a valid e-mail address."
		}
		e.phone("LegalRepresentative.", lr.PhoneNumber, lr.PhoneNumberCountry)
	}
	e.addr("HeadquartersAddress", in.HeadquartersAddress)
	e.addr("LegalRepresentativeAddress", in.LegalRepresentativeAddress)
	e.length("Tag", in.Tag, 0, 255)
	e.scaContext(in.ScaContext)
}

var validLegalTypes = map[string]bool{"BUSINESS": true, "PARTNERSHIP": true, "ORGANIZATION": true, "SOLETRADER": true}

// ---- handlers ----

func (c *call) termsRefused() {
	c.fail(http.StatusForbidden, "user_hasnt_accepted_terms_and_conditions",
		"User must accept the terms and conditions before account creation or modification.", nil)
}

func (c *call) proxyMissing() {
	c.fail(http.StatusForbidden, "sca_proxy_missing",
		"You are not authorized to perform this action. The user has not provided consent to the requested proxy", nil)
}

// asyncEnrollmentRefused answers an OWNER create or categorize sent with
// USER_NOT_PRESENT when the platform has no proxy permission.
func (c *call) asyncEnrollmentRefused() {
	c.fail(http.StatusForbidden, "forbidden_ressource",
		"This endpoint is not available for your account: enrolling an OWNER with ScaContext USER_NOT_PRESENT needs Mangopay's permission", nil)
}

// lookupUser finds the user of the {id} path parameter, answering 404 when
// it does not exist or is not of personType (when given).
func (c *call) lookupUser(personType string) *user {
	id := c.params["id"]
	u, ok := c.s.st.users[id]
	if !ok || (personType != "" && u.personType != personType) {
		c.notFound("User", id)
		return nil
	}
	return u
}

// newUser registers a user and, for an OWNER, starts its enrollment.
func (c *call) newUser(u *user, category string, sc *string) string {
	st := c.s.st
	u.seq = st.nextSeq()
	u.created = c.now
	u.category = category
	u.status = statusActive
	u.consent = map[string]bool{}
	prefix := "user_m_"
	u.id = prefix + ulid(c.now)
	st.users[u.id] = u
	if u.tc {
		u.tcDate = c.now
	}
	if category != categoryOwner {
		return ""
	}
	return c.s.askValidationLocked(u, str(sc), c.now)
}

// askValidationLocked puts an OWNER in PENDING_USER_ACTION, sends
// USER_ACCOUNT_VALIDATION_ASKED and, unless sc is USER_NOT_PRESENT, opens an
// enrollment session whose link it returns.
func (s *Server) askValidationLocked(u *user, sc string, now time.Time) string {
	u.status = statusPending
	u.enrollmentTriggered = true
	s.emitLocked("USER_ACCOUNT_VALIDATION_ASKED", u.id, now)
	if sc == ctxNotPresent {
		return ""
	}
	return s.linkIfPending(s.demandScaLocked(kindEnrollment, u, "", now))
}

// admitNewUser finishes the checks shared by both create handlers: the
// category, the collected field errors (400 param_error), the terms for an
// OWNER (403) and asynchronous enrollment without permission (403). It
// answers the request and returns false when the user must not be created.
// e must already hold e.terms' verdict on tc, so tc is non-nil when e is empty.
func (c *call) admitNewUser(e fieldErrors, cat string, tc *bool, sc *string) bool {
	switch cat {
	case categoryOwner, categoryPayer:
	case "":
		e["UserCategory"] = "The UserCategory field is required."
	default:
		e["UserCategory"] = "The UserCategory field must be PAYER or OWNER."
	}
	if len(e) > 0 {
		c.paramError(e)
		return false
	}
	if cat == categoryOwner && (tc == nil || !*tc) {
		c.termsRefused()
		return false
	}
	if cat == categoryOwner && str(sc) == ctxNotPresent && !c.s.cfg.proxy {
		c.asyncEnrollmentRefused()
		return false
	}
	return true
}

func (c *call) createNatural() {
	var in naturalIn
	if !c.decode(&in) {
		return
	}
	e := fieldErrors{}
	e.required("FirstName", in.FirstName)
	e.required("LastName", in.LastName)
	e.required("Email", in.Email)
	e.terms(in.TermsAndConditionsAccepted)
	cat := str(in.UserCategory)
	switch cat {
	case categoryOwner:
		if in.Birthday == nil {
			e["Birthday"] = "The Birthday field is required."
		}
		e.required("Nationality", in.Nationality)
		e.required("CountryOfResidence", in.CountryOfResidence)
	case categoryPayer:
	}
	in.validate(e)
	if !c.admitNewUser(e, cat, in.TermsAndConditionsAccepted, in.ScaContext) {
		return
	}
	u := &user{personType: personNatural, tc: *in.TermsAndConditionsAccepted}
	u.applyNatural(&in)
	link := c.newUser(u, cat, in.ScaContext)
	c.json(http.StatusOK, u.render(link))
}

// applyNatural copies the fields present in in onto u.
func (u *user) applyNatural(in *naturalIn) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&u.firstName, in.FirstName)
	set(&u.lastName, in.LastName)
	set(&u.nationality, in.Nationality)
	set(&u.countryOfResidence, in.CountryOfResidence)
	set(&u.occupation, in.Occupation)
	set(&u.tag, in.Tag)
	set(&u.email, in.Email)
	set(&u.phone, in.PhoneNumber)
	set(&u.phoneCountry, in.PhoneNumberCountry)
	if in.Birthday != nil {
		b := int64(*in.Birthday)
		u.birthday = &b
	}
	if in.IncomeRange != nil {
		r := int64(*in.IncomeRange)
		u.incomeRange = &r
	}
	if in.Address != nil {
		u.address = in.Address.value()
	}
}

func (c *call) createLegal() {
	var in legalIn
	if !c.decode(&in) {
		return
	}
	e := fieldErrors{}
	e.required("Name", in.Name)
	e.required("LegalPersonType", in.LegalPersonType)
	e.required("Email", in.Email)
	e.terms(in.TermsAndConditionsAccepted)
	if in.LegalRepresentative == nil {
		e["LegalRepresentative"] = "The LegalRepresentative field is required."
	} else {
		e.required("LegalRepresentative.FirstName", in.LegalRepresentative.FirstName)
		e.required("LegalRepresentative.LastName", in.LegalRepresentative.LastName)
	}
	cat := str(in.UserCategory)
	switch cat {
	case categoryOwner:
		in.requireOwnerFields(e)
	case categoryPayer:
	}
	in.validate(e)
	if !c.admitNewUser(e, cat, in.TermsAndConditionsAccepted, in.ScaContext) {
		return
	}
	u := &user{personType: personLegal, tc: *in.TermsAndConditionsAccepted}
	u.applyLegal(&in)
	link := c.newUser(u, cat, in.ScaContext)
	c.json(http.StatusOK, u.render(link))
}

// requireOwnerFields adds the errors for fields an OWNER legal user needs
// (on create and categorize).
func (in *legalIn) requireOwnerFields(e fieldErrors) {
	if lr := in.LegalRepresentative; lr != nil {
		if lr.Birthday == nil {
			e["LegalRepresentative.Birthday"] = "The Birthday field is required."
		}
		e.required("LegalRepresentative.Nationality", lr.Nationality)
		e.required("LegalRepresentative.CountryOfResidence", lr.CountryOfResidence)
		if str(lr.Email) == "" {
			e["LegalRepresentative.Email"] = "'Email' must not be empty."
		}
	} else {
		e["LegalRepresentative"] = "The LegalRepresentative field is required."
	}
	if in.HeadquartersAddress == nil {
		e["HeadquartersAddress"] = "The HeadquartersAddress field is required."
	}
	if str(in.LegalPersonType) == "BUSINESS" {
		e.required("CompanyNumber", in.CompanyNumber)
	}
}

// applyLegal copies the fields present in in onto u.
func (u *user) applyLegal(in *legalIn) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&u.name, in.Name)
	set(&u.legalPersonType, in.LegalPersonType)
	set(&u.companyNumber, in.CompanyNumber)
	set(&u.tag, in.Tag)
	set(&u.email, in.Email)
	if lr := in.LegalRepresentative; lr != nil {
		set(&u.lr.FirstName, lr.FirstName)
		set(&u.lr.LastName, lr.LastName)
		set(&u.lr.Nationality, lr.Nationality)
		set(&u.lr.CountryOfResidence, lr.CountryOfResidence)
		set(&u.lr.Email, lr.Email)
		set(&u.lr.PhoneNumber, lr.PhoneNumber)
		set(&u.lr.PhoneNumberCountry, lr.PhoneNumberCountry)
		if lr.Birthday != nil {
			b := int64(*lr.Birthday)
			u.lr.Birthday = &b
		}
	}
	if in.HeadquartersAddress != nil {
		u.hq = in.HeadquartersAddress.value()
	}
	if in.LegalRepresentativeAddress != nil {
		u.lrAddress = in.LegalRepresentativeAddress.value()
	}
}

func (c *call) getUser() {
	if u := c.lookupUser(""); u != nil {
		c.json(http.StatusOK, u.render(""))
	}
}

func (c *call) getNatural() {
	if u := c.lookupUser(personNatural); u != nil {
		c.json(http.StatusOK, u.render(""))
	}
}

func (c *call) getLegal() {
	if u := c.lookupUser(personLegal); u != nil {
		c.json(http.StatusOK, u.render(""))
	}
}

// checkUpdateCommon validates what the natural and legal updates share and
// answers the documented errors. It returns false when it answered.
func (c *call) checkUpdateCommon(u *user, e fieldErrors, category, sc *string, tc *bool) bool {
	e.terms(tc)
	if category != nil && *category != u.category {
		e["UserCategory"] = "The UserCategory cannot be changed with this endpoint: use Categorize (PAYER to OWNER)."
	}
	if len(e) > 0 {
		c.paramError(e)
		return false
	}
	if u.category == categoryOwner && !*tc {
		c.termsRefused()
		return false
	}
	if u.category == categoryOwner && str(sc) == ctxNotPresent && !c.s.proxyAllowed(u, scopeContact) {
		c.proxyMissing()
		return false
	}
	return true
}

// afterUpdate re-enrolls an OWNER whose SCA contact details changed (unless
// the platform acted as a consented proxy) and answers the user.
func (c *call) afterUpdate(u *user, contactChanged bool, sc *string, tc bool) {
	if tc && !u.tc {
		u.tcDate = c.now
	}
	u.tc = tc
	link := ""
	if contactChanged && u.category == categoryOwner && str(sc) != ctxNotPresent {
		link = c.s.askValidationLocked(u, "", c.now)
	}
	c.json(http.StatusOK, u.render(link))
}

func changed(old string, v *string) bool { return v != nil && *v != old }

func (c *call) updateNatural() {
	var in naturalIn
	u := c.lookupUser(personNatural)
	if u == nil || !c.decode(&in) {
		return
	}
	e := fieldErrors{}
	in.validate(e)
	if !c.checkUpdateCommon(u, e, in.UserCategory, in.ScaContext, in.TermsAndConditionsAccepted) {
		return
	}
	contact := changed(u.email, in.Email) || changed(u.phone, in.PhoneNumber) || changed(u.phoneCountry, in.PhoneNumberCountry)
	u.applyNatural(&in)
	c.afterUpdate(u, contact, in.ScaContext, *in.TermsAndConditionsAccepted)
}

func (c *call) updateLegal() {
	var in legalIn
	u := c.lookupUser(personLegal)
	if u == nil || !c.decode(&in) {
		return
	}
	e := fieldErrors{}
	in.validate(e)
	if !c.checkUpdateCommon(u, e, in.UserCategory, in.ScaContext, in.TermsAndConditionsAccepted) {
		return
	}
	contact := false
	if lr := in.LegalRepresentative; lr != nil {
		contact = changed(u.lr.Email, lr.Email) || changed(u.lr.PhoneNumber, lr.PhoneNumber) || changed(u.lr.PhoneNumberCountry, lr.PhoneNumberCountry)
	}
	u.applyLegal(&in)
	c.afterUpdate(u, contact, in.ScaContext, *in.TermsAndConditionsAccepted)
}

// categorizeCommon checks what both Categorize calls share; false when it answered.
func (c *call) categorizeCommon(u *user, e fieldErrors, category, sc *string, tc *bool) bool {
	e.terms(tc)
	switch str(category) {
	case categoryOwner:
	case "":
		e["UserCategory"] = "The UserCategory field is required."
	default:
		e["UserCategory"] = "The UserCategory field must be OWNER."
	}
	if len(e) > 0 {
		c.paramError(e)
		return false
	}
	if !*tc {
		c.termsRefused()
		return false
	}
	if str(sc) == ctxNotPresent && !c.s.cfg.proxy {
		c.asyncEnrollmentRefused()
		return false
	}
	return true
}

func (c *call) notAllowedForOwner() {
	c.fail(http.StatusBadRequest, "not_allowed_for_user_category_owner", "This endpoint is not allowed for User categorized as OWNER", nil)
}

func (c *call) notAllowedForPayer() {
	c.fail(http.StatusBadRequest, "not_allowed_for_user_category_payer", "This endpoint is not allowed for User categorized as PAYER", nil)
}

// promote makes u an OWNER and starts its enrollment.
func (c *call) promote(u *user, sc *string) {
	u.category = categoryOwner
	if !u.tc {
		u.tcDate = c.now
	}
	u.tc = true
	c.s.emitLocked("USER_CATEGORY_UPDATED_TO_OWNER", u.id, c.now)
	link := c.s.askValidationLocked(u, str(sc), c.now)
	c.json(http.StatusOK, u.render(link))
}

// categorizable looks up the route's PAYER of personType for Categorize and
// decodes the body into in; nil when it answered (404, an OWNER already, or
// a bad body).
func (c *call) categorizable(personType string, in any) *user {
	u := c.lookupUser(personType)
	if u == nil {
		return nil
	}
	if u.category == categoryOwner {
		c.notAllowedForOwner()
		return nil
	}
	if !c.decode(in) {
		return nil
	}
	return u
}

func (c *call) categorizeNatural() {
	var in naturalIn
	u := c.categorizable(personNatural, &in)
	if u == nil {
		return
	}
	e := fieldErrors{}
	if in.Birthday == nil {
		e["Birthday"] = "The Birthday field is required."
	}
	e.required("Nationality", in.Nationality)
	e.required("CountryOfResidence", in.CountryOfResidence)
	in.validate(e)
	if !c.categorizeCommon(u, e, in.UserCategory, in.ScaContext, in.TermsAndConditionsAccepted) {
		return
	}
	u.applyNatural(&in)
	c.promote(u, in.ScaContext)
}

func (c *call) categorizeLegal() {
	var in legalIn
	u := c.categorizable(personLegal, &in)
	if u == nil {
		return
	}
	e := fieldErrors{}
	if in.LegalPersonType == nil {
		in.LegalPersonType = &u.legalPersonType
	}
	in.requireOwnerFields(e)
	in.validate(e)
	if !c.categorizeCommon(u, e, in.UserCategory, in.ScaContext, in.TermsAndConditionsAccepted) {
		return
	}
	u.applyLegal(&in)
	c.promote(u, in.ScaContext)
}

// enrollmentOut is the body of Enroll and Manage consent.
type enrollmentOut struct {
	PendingUserAction *pendingAction `json:"PendingUserAction"`
}

func (c *call) enroll() {
	u := c.lookupUser("")
	if u == nil {
		return
	}
	if u.category != categoryOwner {
		c.notAllowedForPayer()
		return
	}
	if u.personType == personLegal && u.lr.Email == "" {
		c.paramError(map[string]string{"LegalRepresentative.Email": "'Email' must not be empty."})
		return
	}
	u.enrollmentTriggered = true
	sess := c.s.demandScaLocked(kindEnrollment, u, "", c.now)
	c.json(http.StatusOK, enrollmentOut{pending(c.s.linkIfPending(sess))})
}

func (c *call) manageConsent() {
	u := c.lookupUser("")
	if u == nil {
		return
	}
	if u.category != categoryOwner {
		c.notAllowedForPayer()
		return
	}
	if !c.s.cfg.proxy {
		c.paramError(map[string]string{"Invalid SCA request": "Consent cannot be given when no proxy is required by the client."})
		return
	}
	if !u.enrolled || u.status != statusActive {
		c.paramError(map[string]string{"Invalid SCA request": "Consent can only be collected from a user enrolled in SCA (UserStatus ACTIVE)."})
		return
	}
	sess := c.s.newSessionLocked(kindConsent, u, "", c.now)
	c.json(http.StatusOK, enrollmentOut{pending(c.s.link(sess))})
}

func (c *call) scaStatus() {
	u := c.lookupUser("")
	if u == nil {
		return
	}
	if !u.enrollmentTriggered {
		c.notFound("ScaStatus", u.id)
		return
	}
	scope := func(name string) string {
		if u.consent[name] {
			return "ACTIVE"
		}
		return "INACTIVE"
	}
	c.json(http.StatusOK, struct {
		UserStatus                string            `json:"UserStatus"`
		IsEnrolled                bool              `json:"IsEnrolled"`
		LastEnrollmentDate        *int64            `json:"LastEnrollmentDate"`
		LastConsentCollectionDate *int64            `json:"LastConsentCollectionDate"`
		ConsentScope              map[string]string `json:"ConsentScope"`
	}{
		UserStatus:                u.status,
		IsEnrolled:                u.enrolled,
		LastEnrollmentDate:        unixOrNull(u.lastEnrollment),
		LastConsentCollectionDate: unixOrNull(u.lastConsent),
		ConsentScope: map[string]string{
			scopeContact: scope(scopeContact), scopeRecipient: scope(scopeRecipient),
			scopeTransfer: scope(scopeTransfer), scopeView: scope(scopeView),
		},
	})
}

// proxyAllowed reports whether the platform may act for u with
// USER_NOT_PRESENT in scope: proxy management enabled and consent given.
func (s *Server) proxyAllowed(u *user, scope string) bool {
	return s.cfg.proxy && u.consent[scope]
}
