package mangopaytest

import (
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Recipient statuses.
const (
	recipientPending     = "PENDING"
	recipientActive      = "ACTIVE"
	recipientCanceled    = "CANCELED"
	recipientDeactivated = "DEACTIVATED"
)

// Recipient field error codes (values of the Errors map).
const (
	codeRequired          = "REQUIRED"
	codeTooLong           = "LENGTH_MORE_THAN_MAX"
	codeTooShort          = "LENGTH_LESS_THAN_MIN"
	codeInvalidFormat     = "INVALID_FORMAT"
	codeNotAllowed        = "NOT_IN_ALLOWED_VALUES"
	codeUnsupportedCurr   = "UNSUPPORTED_CURRENCY"
	codeUnsupportedCtry   = "UNSUPPORTED_COUNTRY"
	codeUnsupportedMethod = "UNSUPPORTED_PAYOUT_METHOD_FOR_CURRENCY"
	codeUserNotFound      = "USER_NOT_FOUND"
	codeInvalidIBAN       = "INVALID_IBAN"
	codeInvalidBIC        = "INVALID_BIC"
	codeInvalidAccount    = "INVALID_ACCOUNT_NUMBER"
)

// spec describes one field of a recipient, for validation and for the schema.
type spec struct {
	Required      bool
	MinLength     int
	MaxLength     int
	Pattern       string
	Label         string
	AllowedValues []string
	formatCode    string // code for a pattern mismatch (default INVALID_FORMAT)
}

type namedSpec struct {
	name string
	spec spec
}

const (
	ibanPattern = `^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$`
	bicPattern  = `^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$`
	namePattern = `^[^()&,.:_/]+$`
)

var ibanSpec = []namedSpec{{"IBAN", spec{Required: true, MinLength: 15, MaxLength: 34, Pattern: ibanPattern, Label: "IBAN", formatCode: codeInvalidIBAN}}}

// localFields are the documented LocalBankTransfer shapes, keyed by currency.
var localFields = map[string][]namedSpec{
	"EUR": ibanSpec, "CHF": ibanSpec, "CZK": ibanSpec, "DKK": ibanSpec, "HUF": ibanSpec,
	"NOK": ibanSpec, "PLN": ibanSpec, "RON": ibanSpec, "SEK": ibanSpec,
	"GBP": {
		// The GBP patterns and their INVALID_FORMAT errors are those of the
		// API release note of 2026-05-19.
		{"AccountNumber", spec{Required: true, MinLength: 8, MaxLength: 8, Pattern: `^\d{8}$`, Label: "Account number"}},
		{"SortCode", spec{Required: true, MinLength: 6, MaxLength: 6, Pattern: `^\d{6}$`, Label: "Sort code"}},
	},
	"USD": {
		{"AccountNumber", spec{Required: true, MinLength: 1, MaxLength: 17, Pattern: `^[0-9]{1,17}$`, Label: "Account number", formatCode: codeInvalidAccount}},
		{"ABA", spec{Required: true, MinLength: 9, MaxLength: 9, Pattern: `^[0-9]{9}$`, Label: "ABA routing number"}},
		{"FFC", spec{MaxLength: 35, Label: "For further credit"}},
	},
	"CAD": {
		{"AccountNumber", spec{Required: true, MinLength: 7, MaxLength: 12, Pattern: `^[0-9]{7,12}$`, Label: "Account number", formatCode: codeInvalidAccount}},
		{"InstitutionNumber", spec{Required: true, MinLength: 3, MaxLength: 3, Pattern: `^[0-9]{3}$`, Label: "Institution number"}},
		{"BranchCode", spec{Required: true, MinLength: 5, MaxLength: 5, Pattern: `^[0-9]{5}$`, Label: "Branch code"}},
		{"BankName", spec{Required: true, MinLength: 1, MaxLength: 50, Label: "Bank name"}},
	},
}

// localCountries lists, per currency with a local payout method, the
// destination countries where it is offered.
var localCountries = map[string][]string{
	"EUR": {"AT", "BE", "CY", "DE", "EE", "ES", "FI", "FR", "GR", "HR", "IE", "IT", "LT", "LU", "LV", "MC", "MT", "NL", "PT", "SI", "SK", "SM"},
	"GBP": {"GB"}, "USD": {"US"}, "CAD": {"CA"}, "CHF": {"CH", "LI"}, "CZK": {"CZ"}, "DKK": {"DK"},
	"HUF": {"HU"}, "NOK": {"NO"}, "PLN": {"PL"}, "RON": {"RO"}, "SEK": {"SE"},
}

var internationalFields = []namedSpec{
	{"AccountNumber", spec{Required: true, MinLength: 1, MaxLength: 34, Pattern: `^[A-Z0-9]{1,34}$`, Label: "Account number or IBAN", formatCode: codeInvalidAccount}},
	{"BIC", spec{MinLength: 8, MaxLength: 11, Pattern: bicPattern, Label: "BIC / SWIFT code", formatCode: codeInvalidBIC}},
}

var addressFields = []namedSpec{
	{"AddressLine1", spec{Required: true, MinLength: 1, MaxLength: 255, Label: "Address line 1"}},
	{"AddressLine2", spec{MaxLength: 255, Label: "Address line 2"}},
	{"City", spec{Required: true, MinLength: 1, MaxLength: 255, Label: "City"}},
	{"Region", spec{MaxLength: 255, Label: "Region"}},
	{"PostalCode", spec{Required: true, MinLength: 1, MaxLength: 255, Pattern: `^[A-Za-z0-9 -]+$`, Label: "Postal code"}},
	{"Country", spec{Required: true, MinLength: 2, MaxLength: 2, Pattern: `^[A-Z]{2}$`, Label: "Country"}},
}

var recipientCurrencies = []string{"AED", "AUD", "CAD", "CHF", "CNH", "CZK", "DKK", "EUR", "GBP", "HKD", "HUF", "ILS", "JPY", "MXN", "NOK", "NZD", "PLN", "RON", "SAR", "SEK", "SGD", "TRY", "USD", "ZAR"}

var topFields = []namedSpec{
	{"DisplayName", spec{Required: true, MinLength: 1, MaxLength: 50, Pattern: `^[^&,'/]+$`, Label: "Display name"}},
	{"Currency", spec{Required: true, MinLength: 3, MaxLength: 3, Label: "Currency", AllowedValues: recipientCurrencies}},
	{"Country", spec{Required: true, MinLength: 2, MaxLength: 2, Pattern: `^[A-Z]{2}$`, Label: "Country"}},
	{"RecipientType", spec{Required: true, Label: "Recipient type", AllowedValues: []string{"Individual", "Business"}}},
	{"PayoutMethodType", spec{Required: true, Label: "Payout method", AllowedValues: []string{"LocalBankTransfer", "InternationalBankTransfer"}}},
	{"RecipientScope", spec{Label: "Scope", AllowedValues: []string{"PAYOUT", "PAYIN"}}},
	{"Tag", spec{MaxLength: 255, Label: "Tag"}},
}

func partyFields(recipientType string) (string, []namedSpec) {
	if recipientType == "Business" {
		return "BusinessRecipient", []namedSpec{{"BusinessName", spec{Required: true, MinLength: 1, MaxLength: 255, Label: "Business name"}}}
	}
	return "IndividualRecipient", []namedSpec{
		{"FirstName", spec{Required: true, MinLength: 1, MaxLength: 255, Pattern: namePattern, Label: "First name"}},
		{"LastName", spec{Required: true, MinLength: 1, MaxLength: 255, Pattern: namePattern, Label: "Last name"}},
	}
}

var patternCache = map[string]*regexp.Regexp{}

func init() {
	all := [][]namedSpec{ibanSpec, internationalFields, addressFields, topFields}
	for _, f := range localFields {
		all = append(all, f)
	}
	_, ind := partyFields("Individual")
	_, bus := partyFields("Business")
	all = append(all, ind, bus)
	for _, list := range all {
		for _, f := range list {
			if p := f.spec.Pattern; p != "" {
				patternCache[p] = regexp.MustCompile(p)
			}
		}
	}
}

// check validates v (nil when absent) against sp, adding a code under path.
func (sp spec) check(errs map[string]string, path string, v *string) {
	if v == nil || *v == "" {
		if sp.Required {
			errs[path] = codeRequired
		}
		return
	}
	n := len([]rune(*v))
	switch {
	case sp.MaxLength > 0 && n > sp.MaxLength:
		errs[path] = codeTooLong
	case n < sp.MinLength:
		errs[path] = codeTooShort
	case len(sp.AllowedValues) > 0 && !contains(sp.AllowedValues, *v):
		errs[path] = codeNotAllowed
	case sp.Pattern != "" && !patternCache[sp.Pattern].MatchString(*v):
		// INVALID_FORMAT names the pattern it failed (API release note
		// 2026-05-19: "INVALID_FORMAT. Regex validation: ^\d{8}$").
		errs[path] = codeInvalidFormat + ". Regex validation: " + sp.Pattern
		if sp.formatCode != "" {
			errs[path] = sp.formatCode
		}
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// validIBAN checks an IBAN's mod-97 checksum.
func validIBAN(iban string) bool {
	if !patternCache[ibanPattern].MatchString(iban) {
		return false
	}
	r := iban[4:] + iban[:4]
	var digits strings.Builder
	for _, ch := range r {
		if ch >= 'A' && ch <= 'Z' {
			digits.WriteString(big.NewInt(int64(ch - 'A' + 10)).String())
		} else {
			digits.WriteRune(ch)
		}
	}
	n, ok := new(big.Int).SetString(digits.String(), 10)
	return ok && new(big.Int).Mod(n, big.NewInt(97)).Int64() == 1
}

// ---- recipients ----

type partyIn struct {
	FirstName    *string      `json:"FirstName,omitempty"`
	LastName     *string      `json:"LastName,omitempty"`
	BusinessName *string      `json:"BusinessName,omitempty"`
	Address      *addressJSON `json:"Address,omitempty"`
}

type recipientIn struct {
	DisplayName               *string                      `json:"DisplayName"`
	PayoutMethodType          *string                      `json:"PayoutMethodType"`
	RecipientType             *string                      `json:"RecipientType"`
	Currency                  *string                      `json:"Currency"`
	Country                   *string                      `json:"Country"`
	RecipientScope            *string                      `json:"RecipientScope"`
	Tag                       *string                      `json:"Tag"`
	IndividualRecipient       *partyIn                     `json:"IndividualRecipient"`
	BusinessRecipient         *partyIn                     `json:"BusinessRecipient"`
	InternationalBankTransfer map[string]*string           `json:"InternationalBankTransfer"`
	LocalBankTransfer         map[string]map[string]string `json:"LocalBankTransfer"`
	ScaContext                *string                      `json:"ScaContext"`
}

// recipient is a registered payout (or pay-in) recipient.
type recipient struct {
	seq              int64
	id               string
	userID           string
	status           string
	created          time.Time
	displayName      string
	payoutMethodType string
	recipientType    string
	currency         string
	country          string
	scope            string
	tag              string
	party            *partyIn
	local            map[string]map[string]string
	international    map[string]string
	session          *session
}

func (r *recipient) describeAccount() string {
	acct := ""
	for _, f := range r.local {
		acct = f["IBAN"]
		if acct == "" {
			acct = f["AccountNumber"]
		}
	}
	if acct == "" {
		acct = r.international["AccountNumber"]
	}
	if len(acct) > 8 {
		acct = acct[:4] + " •••• " + acct[len(acct)-4:]
	}
	return r.currency + " account " + acct + " (" + r.country + ")"
}

type recipientOut struct {
	ID                           string                       `json:"Id"`
	Status                       string                       `json:"Status"`
	CreationDate                 int64                        `json:"CreationDate"`
	DisplayName                  string                       `json:"DisplayName"`
	PayoutMethodType             string                       `json:"PayoutMethodType"`
	RecipientType                string                       `json:"RecipientType"`
	Currency                     string                       `json:"Currency"`
	Country                      string                       `json:"Country"`
	UserID                       string                       `json:"UserId"`
	RecipientScope               string                       `json:"RecipientScope"`
	Tag                          *string                      `json:"Tag"`
	IndividualRecipient          any                          `json:"IndividualRecipient,omitempty"`
	BusinessRecipient            any                          `json:"BusinessRecipient,omitempty"`
	LocalBankTransfer            map[string]map[string]string `json:"LocalBankTransfer,omitempty"`
	InternationalBankTransfer    map[string]string            `json:"InternationalBankTransfer,omitempty"`
	PendingUserAction            *pendingAction               `json:"PendingUserAction"`
	RecipientVerificationOfPayee *verificationOut             `json:"RecipientVerificationOfPayee"`
}

type verificationOut struct {
	RecipientVerificationID      string `json:"RecipientVerificationId"`
	RecipientVerificationCheck   string `json:"RecipientVerificationCheck"`
	RecipientVerificationMessage string `json:"RecipientVerificationMessage"`
}

type individualOut struct {
	FirstName string      `json:"FirstName"`
	LastName  string      `json:"LastName"`
	Address   addressJSON `json:"Address"`
}

type businessOut struct {
	BusinessName string      `json:"BusinessName"`
	Address      addressJSON `json:"Address"`
}

func (s *Server) renderRecipient(r *recipient, status string) recipientOut {
	out := recipientOut{
		ID: r.id, Status: status, CreationDate: r.created.Unix(), DisplayName: r.displayName,
		PayoutMethodType: r.payoutMethodType, RecipientType: r.recipientType, Currency: r.currency,
		Country: r.country, UserID: r.userID, RecipientScope: r.scope, Tag: nz(r.tag),
		LocalBankTransfer: r.local, InternationalBankTransfer: r.international,
	}
	var addr address
	if r.party.Address != nil {
		addr = r.party.Address.value()
	}
	if r.recipientType == "Business" {
		out.BusinessRecipient = businessOut{str(r.party.BusinessName), addr.out()}
	} else {
		out.IndividualRecipient = individualOut{str(r.party.FirstName), str(r.party.LastName), addr.out()}
	}
	if status == recipientPending {
		out.PendingUserAction = pending(s.linkIfPending(r.session))
	}
	if r.currency == "EUR" {
		out.RecipientVerificationOfPayee = &verificationOut{
			RecipientVerificationID:      "vop_" + strings.ToLower(r.id[len(r.id)-10:]),
			RecipientVerificationCheck:   "MATCH",
			RecipientVerificationMessage: "The name matches the account holder.",
		}
	}
	return out
}

type recipientSummaryOut struct {
	ID               string `json:"Id"`
	CreationDate     int64  `json:"CreationDate"`
	DisplayName      string `json:"DisplayName"`
	PayoutMethodType string `json:"PayoutMethodType"`
	RecipientType    string `json:"RecipientType"`
	Currency         string `json:"Currency"`
	Country          string `json:"Country"`
	UserID           string `json:"UserId"`
	Status           string `json:"Status"`
	RecipientScope   string `json:"RecipientScope"`
}

// recipientParamError answers 400 param_error in the recipients' shape.
func (c *call) recipientParamError(errs map[string]string) {
	c.recipientError(http.StatusBadRequest, "param_error", paramErrorMessage, errs)
}

// decodeRecipient reads and validates a Create/Validate body; on failure it
// answers and returns nil.
func (c *call) decodeRecipient() *recipientIn {
	var in recipientIn
	b := c.body
	if len(strings.TrimSpace(string(b))) == 0 {
		b = []byte("{}")
	}
	if err := json.Unmarshal(b, &in); err != nil {
		var te *json.UnmarshalTypeError
		field := "Body"
		if errors.As(err, &te) && te.Field != "" {
			field = te.Field
		}
		c.recipientParamError(map[string]string{field: codeInvalidFormat})
		return nil
	}
	errs := map[string]string{}
	vals := map[string]*string{"DisplayName": in.DisplayName, "Currency": in.Currency, "Country": in.Country,
		"RecipientType": in.RecipientType, "PayoutMethodType": in.PayoutMethodType, "RecipientScope": in.RecipientScope, "Tag": in.Tag}
	for _, f := range topFields {
		f.spec.check(errs, f.name, vals[f.name])
	}
	if in.Currency != nil && errs["Currency"] == codeNotAllowed {
		errs["Currency"] = codeUnsupportedCurr
	}
	if ctry := str(in.Country); errs["Country"] == "" && ctry != "" && blockedCountries[ctry] {
		errs["Country"] = codeUnsupportedCtry
	}
	if v := str(in.ScaContext); v != "" && v != ctxPresent && v != ctxNotPresent {
		errs["ScaContext"] = codeNotAllowed
	}
	// The party object must match RecipientType.
	if rt := str(in.RecipientType); errs["RecipientType"] == "" {
		key, fields := partyFields(rt)
		party, other := in.IndividualRecipient, in.BusinessRecipient
		if rt == "Business" {
			party, other = other, party
		}
		if party == nil {
			errs[key] = codeRequired
		} else {
			pv := map[string]*string{"FirstName": party.FirstName, "LastName": party.LastName, "BusinessName": party.BusinessName}
			for _, f := range fields {
				f.spec.check(errs, key+"."+f.name, pv[f.name])
			}
			if a := party.Address; a != nil {
				av := map[string]*string{"AddressLine1": a.AddressLine1, "AddressLine2": a.AddressLine2, "City": a.City, "Region": a.Region, "PostalCode": a.PostalCode, "Country": a.Country}
				for _, f := range addressFields {
					f.spec.check(errs, key+".Address."+f.name, av[f.name])
				}
			}
		}
		if other != nil {
			otherKey := "BusinessRecipient"
			if rt == "Business" {
				otherKey = "IndividualRecipient"
			}
			errs[otherKey] = codeNotAllowed
		}
	}
	cur := str(in.Currency)
	switch pm := str(in.PayoutMethodType); {
	case errs["PayoutMethodType"] != "" || errs["Currency"] != "":
	case pm == "LocalBankTransfer":
		fields, ok := localFields[cur]
		if !ok {
			errs["PayoutMethodType"] = codeUnsupportedMethod
			break
		}
		details := in.LocalBankTransfer[cur]
		if details == nil {
			errs["LocalBankTransfer."+cur] = codeRequired
			break
		}
		for _, f := range fields {
			var v *string
			if x, ok := details[f.name]; ok {
				v = &x
			}
			path := "LocalBankTransfer." + cur + "." + f.name
			f.spec.check(errs, path, v)
			if f.name == "IBAN" && errs[path] == "" && v != nil && !validIBAN(*v) {
				errs[path] = codeInvalidIBAN
			}
		}
	case pm == "InternationalBankTransfer":
		if in.InternationalBankTransfer == nil {
			errs["InternationalBankTransfer"] = codeRequired
			break
		}
		for _, f := range internationalFields {
			path := "InternationalBankTransfer." + f.name
			f.spec.check(errs, path, in.InternationalBankTransfer[f.name])
		}
		acct := str(in.InternationalBankTransfer["AccountNumber"])
		isIBAN := patternCache[ibanPattern].MatchString(acct)
		if errs["InternationalBankTransfer.AccountNumber"] == "" && isIBAN && !validIBAN(acct) {
			errs["InternationalBankTransfer.AccountNumber"] = codeInvalidIBAN
		}
		if !isIBAN && str(in.InternationalBankTransfer["BIC"]) == "" && errs["InternationalBankTransfer.BIC"] == "" {
			errs["InternationalBankTransfer.BIC"] = codeRequired
		}
	}
	if len(errs) > 0 {
		c.recipientParamError(errs)
		return nil
	}
	return &in
}

// recipientUser finds the {id} user of a recipients call, answering 400
// Errors.UserId USER_NOT_FOUND when there is none.
func (c *call) recipientUser() *user {
	u := c.s.st.users[c.params["id"]]
	if u == nil {
		c.recipientParamError(map[string]string{"UserId": codeUserNotFound})
	}
	return u
}

func (c *call) validateRecipient() {
	if c.recipientUser() == nil || c.decodeRecipient() == nil {
		return
	}
	c.w.WriteHeader(http.StatusOK)
}

// fakeBIC derives an emulator BIC for an IBAN (Mangopay fills BIC itself).
func fakeBIC(iban string) string { return "MPTS" + iban[:2] + "PP" }

// createRecipient answers POST /users/{id}/recipients. PAYOUT recipients
// (of an OWNER: a PAYER may not register them) always need SCA (201 PENDING
// with a link; the session makes them ACTIVE or CANCELED), unless a
// consented proxy sends USER_NOT_PRESENT. PAYIN recipients are answered
// PENDING and become ACTIVE at once (RECIPIENT_ACTIVE).
func (c *call) createRecipient() {
	u := c.recipientUser()
	if u == nil {
		return
	}
	in := c.decodeRecipient()
	if in == nil {
		return
	}
	scope := str(in.RecipientScope)
	if scope == "" {
		scope = "PAYOUT"
	}
	sc := str(in.ScaContext)
	if scope == "PAYOUT" {
		switch {
		case u.category != categoryOwner:
			c.recipientParamError(map[string]string{"SCA": "PAYOUT recipients can only be registered for users categorized as OWNER"})
			return
		case u.personType == personLegal && u.lr.Email == "":
			c.recipientParamError(map[string]string{"SCA": "KAR_0042"})
			return
		case sc == ctxNotPresent && u.strongAuthSubject() && !c.s.proxyAllowed(u, scopeRecipient):
			c.recipientError(http.StatusForbidden, "sca_proxy_missing",
				"You are not authorized to perform this action. The user has not provided consent to the requested proxy", nil)
			return
		}
	}
	st := c.s.st
	r := &recipient{
		seq: st.nextSeq(), id: "rec_" + ulid(c.now), userID: u.id, status: recipientPending, created: c.now,
		displayName: *in.DisplayName, payoutMethodType: *in.PayoutMethodType, recipientType: *in.RecipientType,
		currency: *in.Currency, country: *in.Country, scope: scope, tag: str(in.Tag),
	}
	if r.recipientType == "Business" {
		r.party = in.BusinessRecipient
	} else {
		r.party = in.IndividualRecipient
	}
	if r.payoutMethodType == "LocalBankTransfer" {
		details := map[string]string{}
		for _, f := range localFields[r.currency] {
			if v, ok := in.LocalBankTransfer[r.currency][f.name]; ok {
				details[f.name] = v
			}
		}
		if iban := details["IBAN"]; iban != "" {
			details["BIC"] = fakeBIC(iban)
		}
		r.local = map[string]map[string]string{r.currency: details}
	} else {
		r.international = map[string]string{}
		for _, f := range internationalFields {
			if v := str(in.InternationalBankTransfer[f.name]); v != "" {
				r.international[f.name] = v
			}
		}
		if acct := r.international["AccountNumber"]; r.international["BIC"] == "" && patternCache[ibanPattern].MatchString(acct) {
			r.international["BIC"] = fakeBIC(acct)
		}
	}
	st.recipients[r.id] = r
	st.recipientOrder = append(st.recipientOrder, r)
	if scope == "PAYOUT" && u.strongAuthSubject() && sc != ctxNotPresent {
		r.session = c.s.demandScaLocked(kindRecipient, u, r.id, c.now)
	} else {
		r.status = recipientActive
		c.s.emitLocked("RECIPIENT_ACTIVE", r.id, c.now)
	}
	c.json(http.StatusCreated, c.s.renderRecipient(r, recipientPending))
}

func (c *call) lookupRecipient() *recipient {
	return lookupByID(c, c.s.st.recipients, "Recipient", c.recipientNotFound)
}

// recipientNotFound answers 404 ressource_not_found in the recipients'
// error shape (Id first, Errors capitalised).
func (c *call) recipientNotFound(kind, id string) {
	c.recipientError(http.StatusNotFound, "ressource_not_found", "The ressource does not exist",
		map[string]string{"RessourceNotFound": "Cannot found the ressource " + kind + " with the id=" + id + " "})
}

func (c *call) getRecipient() {
	if r := c.lookupRecipient(); r != nil {
		c.json(http.StatusOK, c.s.renderRecipient(r, r.status))
	}
}

// listRecipients answers GET /users/{id}/recipients: PAYOUT recipients by
// default, PAYIN ones with RecipientScope=PAYIN and both with
// RecipientScope=ALL, newest first unless Sort says otherwise
// (api-reference/recipients/list-recipients-user; API release note
// 2026-05-11, "Ability to list all Recipients regardless of scope").
func (c *call) listRecipients() {
	id := c.params["id"]
	u := c.s.st.users[id]
	if u == nil {
		c.recipientNotFound("User", id)
		return
	}
	scope := strings.ToUpper(c.q("RecipientScope"))
	switch scope {
	case "":
		scope = "PAYOUT"
	case "PAYOUT", "PAYIN", "ALL":
	default:
		c.recipientParamError(map[string]string{"RecipientScope": codeNotAllowed})
		return
	}
	var out []recipientSummaryOut
	for _, r := range c.s.st.recipientOrder {
		if r.userID != u.id || (scope != "ALL" && r.scope != scope) {
			continue
		}
		out = append(out, recipientSummaryOut{ID: r.id, CreationDate: r.created.Unix(), DisplayName: r.displayName,
			PayoutMethodType: r.payoutMethodType, RecipientType: r.recipientType, Currency: r.currency,
			Country: r.country, UserID: r.userID, Status: r.status, RecipientScope: r.scope})
	}
	paginateSorted(c, out, true)
}

// deactivateRecipient answers PUT /recipients/{id} {"Status":"DEACTIVATED"}.
func (c *call) deactivateRecipient() {
	r := c.lookupRecipient()
	if r == nil {
		return
	}
	var in struct {
		Status *string `json:"Status"`
	}
	if err := json.Unmarshal([]byte(orEmptyObject(c.body)), &in); err != nil {
		c.recipientParamError(map[string]string{"Body": codeInvalidFormat})
		return
	}
	switch str(in.Status) {
	case recipientDeactivated:
	case "":
		c.recipientParamError(map[string]string{"Status": codeRequired})
		return
	default:
		c.recipientParamError(map[string]string{"Status": codeNotAllowed})
		return
	}
	if r.status != recipientActive {
		c.recipientError(http.StatusBadRequest, "other", "Invalid State", nil)
		return
	}
	r.status = recipientDeactivated
	c.s.emitLocked("RECIPIENT_DEACTIVATED", r.id, c.now)
	c.json(http.StatusOK, c.s.renderRecipient(r, r.status))
}

func orEmptyObject(b []byte) string {
	if strings.TrimSpace(string(b)) == "" {
		return "{}"
	}
	return string(b)
}

// payoutMethods answers GET /recipients/payout-methods?Country=..&Currency=..
func (c *call) payoutMethods() {
	country, cur := c.q("Country"), c.q("Currency")
	errs := map[string]string{}
	c.checkCountryCurrency(errs, country, cur)
	if len(errs) > 0 {
		c.recipientParamError(errs)
		return
	}
	methods := []string{}
	if _, ok := localFields[cur]; ok && contains(localCountries[cur], country) {
		methods = append(methods, "LocalBankTransfer")
	}
	methods = append(methods, "InternationalBankTransfer")
	c.json(http.StatusOK, struct {
		AvailablePayoutMethods []string `json:"AvailablePayoutMethods"`
	}{methods})
}

func (c *call) checkCountryCurrency(errs map[string]string, country, cur string) {
	switch {
	case country == "":
		errs["Country"] = codeRequired
	case !countryRE.MatchString(country) || blockedCountries[country]:
		errs["Country"] = codeUnsupportedCtry
	}
	switch {
	case cur == "":
		errs["Currency"] = codeRequired
	case !contains(recipientCurrencies, cur):
		errs["Currency"] = codeUnsupportedCurr
	}
}

// schemaLeaf is one field of a recipient schema.
type schemaLeaf struct {
	Required       bool     `json:"Required"`
	MaxLength      int      `json:"MaxLength"`
	MinLength      int      `json:"MinLength"`
	Pattern        string   `json:"Pattern"`
	Label          string   `json:"Label"`
	EndUserDisplay string   `json:"EndUserDisplay"`
	AllowedValues  []string `json:"AllowedValues"`
}

func leaves(fields []namedSpec) map[string]any {
	out := make(map[string]any, len(fields))
	for _, f := range fields {
		display := "Show"
		if f.name == "Tag" || f.name == "RecipientScope" {
			display = "Hide"
		}
		out[f.name] = schemaLeaf{Required: f.spec.Required, MaxLength: f.spec.MaxLength, MinLength: f.spec.MinLength,
			Pattern: f.spec.Pattern, Label: f.spec.Label, EndUserDisplay: display, AllowedValues: f.spec.AllowedValues}
	}
	return out
}

// recipientSchema answers GET /recipients/schema with the fields a
// recipient of that method, type, currency and country needs, in the shape
// of the Create body.
func (c *call) recipientSchema() {
	pm, rt, cur, country := c.q("PayoutMethodType"), c.q("RecipientType"), c.q("Currency"), c.q("Country")
	errs := map[string]string{}
	c.checkCountryCurrency(errs, country, cur)
	for name, v := range map[string]string{"PayoutMethodType": pm, "RecipientType": rt} {
		var allowed []string
		for _, f := range topFields {
			if f.name == name {
				allowed = f.spec.AllowedValues
			}
		}
		switch {
		case v == "":
			errs[name] = codeRequired
		case !contains(allowed, v):
			errs[name] = codeNotAllowed
		}
	}
	if len(errs) == 0 && pm == "LocalBankTransfer" && localFields[cur] == nil {
		errs["PayoutMethodType"] = codeUnsupportedMethod
	}
	if len(errs) > 0 {
		c.recipientParamError(errs)
		return
	}
	out := leaves(topFields)
	key, fields := partyFields(rt)
	party := leaves(fields)
	party["Address"] = leaves(addressFields)
	out[key] = party
	if pm == "LocalBankTransfer" {
		out["LocalBankTransfer"] = map[string]any{cur: leaves(localFields[cur])}
	} else {
		out["InternationalBankTransfer"] = leaves(internationalFields)
	}
	c.json(http.StatusOK, out)
}

// sortBySeq sorts xs by the sequence number key returns (creation order).
func sortBySeq[T any](xs []T, key func(T) int64) {
	sort.Slice(xs, func(i, j int) bool { return key(xs[i]) < key(xs[j]) })
}
