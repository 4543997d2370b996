package mangopaytest_test

import (
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scaforge/mangopay/mangopaytest"
)

var linkRE = regexp.MustCompile(`^http://127\.0\.0\.1:\d+/sca/\?token=sca_[0-9a-f]{32}$`)

func TestCreateNaturalOwnerMatchesDocumentedExample(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	r := a.call(http.MethodPost, "/sca/users/natural", string(fixture(t, "users/create-natural-owner.request.json")))
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	assert.Equal(t, "application/json; charset=utf-8", r.header.Get("Content-Type"))
	got := decodeAny(t, r.body)
	assertShape(t, fixtureJSON(t, "users/create-natural-owner.response.json"), got, "user")

	u := got.(map[string]any)
	assert.Regexp(t, `^user_m_[0-9A-HJKMNP-TV-Z]{26}$`, u["Id"])
	assert.Equal(t, "PENDING_USER_ACTION", u["UserStatus"])
	assert.Equal(t, "OWNER", u["UserCategory"])
	assert.Equal(t, "NATURAL", u["PersonType"])
	assert.Equal(t, "Alex", u["FirstName"])
	assert.EqualValues(t, 652117514, u["Birthday"])
	assert.Equal(t, "3 rue de la Cité", u["Address"].(map[string]any)["AddressLine1"])
	assert.Equal(t, "Appartement 7", u["Address"].(map[string]any)["AddressLine2"])
	assert.Equal(t, "NORMAL", u["Capacity"])
	assert.Equal(t, "LIGHT", u["KYCLevel"])
	assertJustNow(t, a.srv, u["CreationDate"]) // CreationDate is on the emulator clock
	link := linkOf(u)
	assert.Regexp(t, linkRE, link)
	assert.Equal(t, a.srv.URL+"/sca/?token="+tokenOf(t, link), link)
	assert.Equal(t, []string{"USER_ACCOUNT_VALIDATION_ASKED"}, eventTypes(a.srv, u["Id"].(string)))
}

func TestCreateNaturalPayerMatchesDocumentedExample(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	body := ownerBody("Alex")
	body["UserCategory"] = "PAYER"
	body["TermsAndConditionsAccepted"] = false
	u := a.ok(a.call(http.MethodPost, "/sca/users/natural", body))
	assertShape(t, fixtureJSON(t, "users/create-natural-payer.response.json"), u, "user")
	assert.Equal(t, "ACTIVE", u["UserStatus"])
	assert.Nil(t, u["PendingUserAction"])
	assert.Nil(t, u["Birthday"], "null for PAYER")
	assert.Nil(t, u["Nationality"], "null for PAYER")
	assert.Empty(t, eventTypes(a.srv, u["Id"].(string)), "PAYERs never get user webhooks")
	r := a.get("/sca/users/" + u["Id"].(string) + "/sca-status")
	assertError(t, r, http.StatusNotFound, "ressource_not_found")
}

func TestCreateLegalUsers(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	owner := a.ok(a.call(http.MethodPost, "/sca/users/legal", string(fixture(t, "users/create-legal-owner.request.json"))))
	assert.Equal(t, "LEGAL", owner["PersonType"])
	assert.Equal(t, "PENDING_USER_ACTION", owner["UserStatus"])
	assert.Regexp(t, linkRE, linkOf(owner))
	assert.Equal(t, "alex.smith@example.com", owner["LegalRepresentative"].(map[string]any)["Email"])
	assert.NotNil(t, owner["TermsAndConditionsAcceptedDate"])

	payer := a.ok(a.call(http.MethodPost, "/sca/users/legal", map[string]any{
		"UserCategory": "PAYER", "TermsAndConditionsAccepted": false, "LegalPersonType": "SOLETRADER",
		"Name": "Alex Smith", "Email": "alex.smith.services@example.com",
		"LegalRepresentative": map[string]any{"FirstName": "Alex", "LastName": "Smith", "PhoneNumber": "0611111111", "PhoneNumberCountry": "FR"},
		"LegalRepresentativeAddress": map[string]any{"AddressLine1": "3 rue de la Cité", "AddressLine2": "Appartement 7",
			"City": "Paris", "Region": "Île-de-France", "PostalCode": "75004", "Country": "FR"},
	}))
	assertShape(t, fixtureJSON(t, "users/create-legal-payer.response.json"), payer, "user")
	hq := payer["HeadquartersAddress"].(map[string]any)
	assert.Len(t, hq, 6)
	for k, v := range hq {
		assert.Nil(t, v, "PAYER HeadquartersAddress.%s is null", k)
	}
	assert.Nil(t, payer["PendingUserAction"])

	// An OWNER without the representative's email is refused.
	body := decodeAny(t, fixture(t, "users/create-legal-owner.request.json")).(map[string]any)
	delete(body["LegalRepresentative"].(map[string]any), "Email")
	errs := assertError(t, a.call(http.MethodPost, "/sca/users/legal", body), http.StatusBadRequest, "param_error")
	assert.Equal(t, "'Email' must not be empty.", errs["LegalRepresentative.Email"])
}

func TestCreateUserValidation(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	errs := assertError(t, a.call(http.MethodPost, "/sca/users/natural", map[string]any{}), http.StatusBadRequest, "param_error")
	for _, f := range []string{"FirstName", "LastName", "Email", "UserCategory", "TermsAndConditionsAccepted"} {
		assert.Contains(t, errs, f)
	}
	assert.Equal(t, "The Email field is required.", errs["Email"])

	body := ownerBody("Alex")
	delete(body, "Birthday")
	body["Email"] = "not-an-email"
	body["CountryOfResidence"] = "KP"
	errs = assertError(t, a.call(http.MethodPost, "/sca/users/natural", body), http.StatusBadRequest, "param_error")
	assert.Equal(t, "The Birthday field is required.", errs["Birthday"])
	assert.Contains(t, errs["Email"], "not a valid e-mail")
	assert.Equal(t, "The CountryOfResidence used is blocked", errs["CountryOfResidence"])

	body = ownerBody("Alex")
	body["UserCategory"] = "PLATFORM"
	errs = assertError(t, a.call(http.MethodPost, "/sca/users/natural", body), http.StatusBadRequest, "param_error")
	assert.Contains(t, errs, "UserCategory")

	body = ownerBody("Alex")
	body["Birthday"] = "yesterday"
	errs = assertError(t, a.call(http.MethodPost, "/sca/users/natural", body), http.StatusBadRequest, "param_error")
	assert.Contains(t, errs, "Birthday")

	r := a.call(http.MethodPost, "/sca/users/natural", `{"FirstName":`)
	assertError(t, r, http.StatusBadRequest, "param_error")

	body = ownerBody("Alex")
	body["TermsAndConditionsAccepted"] = false
	r = a.call(http.MethodPost, "/sca/users/natural", body)
	assertError(t, r, http.StatusForbidden, "user_hasnt_accepted_terms_and_conditions")
	assert.Equal(t, "User must accept the terms and conditions before account creation or modification.", r.json(t)["Message"])
}

func TestEnroll(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	payer := a.createPayer("Paula")
	r := a.call(http.MethodPost, "/sca/users/"+payer+"/enrollment", nil)
	assertError(t, r, http.StatusBadRequest, "not_allowed_for_user_category_payer")
	assertShape(t, fixtureJSON(t, "errors/enroll-payer.400.json"), decodeAny(t, r.body), "error")
	assert.Equal(t, "This endpoint is not allowed for User categorized as PAYER", r.json(t)["Message"])

	owner, first := a.createOwner("Olga")
	e1 := a.ok(a.call(http.MethodPost, "/sca/users/"+owner+"/enrollment", nil))
	assertShape(t, fixtureJSON(t, "users/enroll.response.json"), e1, "enrollment")
	e2 := a.ok(a.call(http.MethodPost, "/sca/users/"+owner+"/enrollment", nil))
	assert.NotEqual(t, linkOf(e1), linkOf(e2), "each call opens a fresh session")
	assert.NotEqual(t, first, linkOf(e1))
	assert.Equal(t, []string{"USER_ACCOUNT_VALIDATION_ASKED"}, eventTypes(a.srv, owner), "Enroll sends no USER_ACCOUNT_VALIDATION_ASKED")

	// Every session is valid: completing an older one works.
	require.NoError(t, a.srv.CompleteSca(linkOf(e1), mangopaytest.Validated))
	u := a.ok(a.get("/sca/users/" + owner))
	assert.Equal(t, "ACTIVE", u["UserStatus"])
	assert.Nil(t, u["PendingUserAction"], "always null on GET")
	assert.Equal(t, []string{"USER_ACCOUNT_VALIDATION_ASKED", "USER_ACCOUNT_ACTIVATED", "SCA_ENROLLMENT_SUCCEEDED"}, eventTypes(a.srv, owner))

	// Enroll on an ACTIVE owner does not change its status.
	a.ok(a.call(http.MethodPost, "/sca/users/"+owner+"/enrollment", nil))
	assert.Equal(t, "ACTIVE", a.ok(a.get("/sca/users/" + owner))["UserStatus"])

	assertError(t, a.call(http.MethodPost, "/sca/users/user_m_nope/enrollment", nil), http.StatusNotFound, "ressource_not_found")
}

func TestEnrollmentOutcomes(t *testing.T) {
	t.Parallel()
	a := newAPI(t)

	failed, link := a.createOwner("Fay")
	require.NoError(t, a.srv.CompleteSca(link, mangopaytest.Failed))
	assert.Equal(t, "PENDING_USER_ACTION", a.ok(a.get("/sca/users/" + failed))["UserStatus"])
	assert.Equal(t, []string{"USER_ACCOUNT_VALIDATION_ASKED", "SCA_ENROLLMENT_FAILED"}, eventTypes(a.srv, failed))
	assert.ErrorIs(t, a.srv.CompleteSca(link, mangopaytest.Validated), mangopaytest.ErrSessionCompleted)

	expired, link := a.createOwner("Eve")
	a.srv.Advance(mangopaytest.SessionLifetime - time.Second)
	assert.Equal(t, []string{"USER_ACCOUNT_VALIDATION_ASKED"}, eventTypes(a.srv, expired), "not expired yet")
	a.srv.Advance(time.Second)
	assert.Equal(t, []string{"USER_ACCOUNT_VALIDATION_ASKED", "SCA_ENROLLMENT_EXPIRED"}, eventTypes(a.srv, expired))
	assert.ErrorIs(t, a.srv.CompleteSca(link, mangopaytest.Validated), mangopaytest.ErrSessionExpired)

	assert.ErrorIs(t, a.srv.CompleteSca(a.srv.URL+"/sca/?token=sca_unknown", mangopaytest.Validated), mangopaytest.ErrUnknownSession)
	assert.ErrorIs(t, a.srv.CompleteSca("https://example.com/", mangopaytest.Validated), mangopaytest.ErrUnknownSession)
	assert.Error(t, a.srv.CompleteSca(link, "MAYBE"))

	// A retry through Enroll succeeds; the link works with returnUrl appended.
	e := a.ok(a.call(http.MethodPost, "/sca/users/"+expired+"/enrollment", nil))
	require.NoError(t, a.srv.CompleteSca(linkOf(e)+"&returnUrl=https%3A%2F%2Fexample.com", mangopaytest.Validated))
	st := a.ok(a.get("/sca/users/" + expired + "/sca-status"))
	assert.Equal(t, true, st["IsEnrolled"])
	assert.Equal(t, "ACTIVE", st["UserStatus"])
	assertJustNow(t, a.srv, st["LastEnrollmentDate"])
}

func TestCategorize(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	owner := a.activeOwner("Olga")
	r := a.call(http.MethodPut, "/sca/users/natural/"+owner+"/category", string(fixture(t, "users/categorize-natural.request.json")))
	assertError(t, r, http.StatusBadRequest, "not_allowed_for_user_category_owner")

	payer := a.createPayer("Paula")
	r = a.call(http.MethodPut, "/sca/users/natural/"+payer+"/category", map[string]any{"UserCategory": "OWNER", "TermsAndConditionsAccepted": true})
	errs := assertError(t, r, http.StatusBadRequest, "param_error")
	assert.Contains(t, errs, "Birthday")
	assert.Contains(t, errs, "Nationality")

	body := decodeAny(t, fixture(t, "users/categorize-natural.request.json")).(map[string]any)
	body["TermsAndConditionsAccepted"] = false
	assertError(t, a.call(http.MethodPut, "/sca/users/natural/"+payer+"/category", body), http.StatusForbidden, "user_hasnt_accepted_terms_and_conditions")

	u := a.ok(a.call(http.MethodPut, "/sca/users/natural/"+payer+"/category", string(fixture(t, "users/categorize-natural.request.json"))))
	assertShape(t, fixtureJSON(t, "users/categorize-natural.response.json"), u, "user")
	assert.Equal(t, "OWNER", u["UserCategory"])
	assert.Equal(t, "PENDING_USER_ACTION", u["UserStatus"])
	assert.EqualValues(t, 652117514, u["Birthday"])
	assert.Regexp(t, linkRE, linkOf(u))
	assert.Equal(t, []string{"USER_CATEGORY_UPDATED_TO_OWNER", "USER_ACCOUNT_VALIDATION_ASKED"}, eventTypes(a.srv, payer))

	// Legal: the documented body lacks the representative's email, which an OWNER needs.
	lp := a.ok(a.call(http.MethodPost, "/sca/users/legal", map[string]any{
		"UserCategory": "PAYER", "TermsAndConditionsAccepted": false, "LegalPersonType": "BUSINESS",
		"Name": "Acme", "Email": "acme@example.com", "LegalRepresentative": map[string]any{"FirstName": "Alex", "LastName": "Smith"},
	}))["Id"].(string)
	errs = assertError(t, a.call(http.MethodPut, "/sca/users/legal/"+lp+"/category", string(fixture(t, "users/categorize-legal.request.json"))),
		http.StatusBadRequest, "param_error")
	assert.Equal(t, "'Email' must not be empty.", errs["LegalRepresentative.Email"])
	body = decodeAny(t, fixture(t, "users/categorize-legal.request.json")).(map[string]any)
	body["LegalRepresentative"].(map[string]any)["Email"] = "alex@acme.example"
	lu := a.ok(a.call(http.MethodPut, "/sca/users/legal/"+lp+"/category", body))
	assert.Equal(t, "OWNER", lu["UserCategory"])
	assert.Equal(t, "123456789", lu["CompanyNumber"])
	assert.NotEmpty(t, linkOf(lu))

	// The typed routes refuse the other person type.
	assertError(t, a.call(http.MethodPut, "/sca/users/legal/"+payer+"/category", body), http.StatusNotFound, "ressource_not_found")
}

func TestUpdateReenrollsOnContactChange(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	owner := a.activeOwner("Olga")

	u := a.ok(a.call(http.MethodPut, "/sca/users/natural/"+owner, string(fixture(t, "users/update-natural-owner.request.json"))))
	assert.Equal(t, "New tag", u["Tag"])
	assert.Equal(t, "ACTIVE", u["UserStatus"], "a tag change does not re-enroll")
	assert.Nil(t, u["PendingUserAction"])

	u = a.ok(a.call(http.MethodPut, "/sca/users/natural/"+owner, map[string]any{"TermsAndConditionsAccepted": true, "Email": "new@example.com"}))
	assert.Equal(t, "new@example.com", u["Email"])
	assert.Equal(t, "PENDING_USER_ACTION", u["UserStatus"])
	link := linkOf(u)
	require.Regexp(t, linkRE, link)
	require.NoError(t, a.srv.CompleteSca(link, mangopaytest.Validated))
	assert.Equal(t, []string{
		"USER_ACCOUNT_VALIDATION_ASKED", "USER_ACCOUNT_ACTIVATED", "SCA_ENROLLMENT_SUCCEEDED",
		"USER_ACCOUNT_VALIDATION_ASKED", "USER_ACCOUNT_ACTIVATED", "SCA_ENROLLMENT_SUCCEEDED",
	}, eventTypes(a.srv, owner))

	u = a.ok(a.call(http.MethodPut, "/sca/users/natural/"+owner, map[string]any{"TermsAndConditionsAccepted": true, "PhoneNumber": "+33611111112"}))
	assert.NotEmpty(t, linkOf(u), "a phone change re-enrolls too")

	errs := assertError(t, a.call(http.MethodPut, "/sca/users/natural/"+owner, map[string]any{"Tag": "x"}), http.StatusBadRequest, "param_error")
	assert.Contains(t, errs, "TermsAndConditionsAccepted")
	errs = assertError(t, a.call(http.MethodPut, "/sca/users/natural/"+owner, map[string]any{"TermsAndConditionsAccepted": true, "UserCategory": "PAYER"}), http.StatusBadRequest, "param_error")
	assert.Contains(t, errs, "UserCategory")
	assertError(t, a.call(http.MethodPut, "/sca/users/natural/"+owner, map[string]any{"TermsAndConditionsAccepted": false}), http.StatusForbidden, "user_hasnt_accepted_terms_and_conditions")

	r := a.call(http.MethodPut, "/sca/users/natural/"+owner, map[string]any{"TermsAndConditionsAccepted": true, "Email": "x@example.com", "ScaContext": "USER_NOT_PRESENT"})
	assertError(t, r, http.StatusForbidden, "sca_proxy_missing")
	assertShape(t, fixtureJSON(t, "errors/update-proxy-missing.403.json"), decodeAny(t, r.body), "error")
	assert.Equal(t, "new@example.com", a.ok(a.get("/sca/users/" + owner))["Email"], "a refused update changes nothing")

	// A PAYER's contact change never triggers SCA.
	payer := a.createPayer("Paula")
	p := a.ok(a.call(http.MethodPut, "/sca/users/natural/"+payer, map[string]any{"TermsAndConditionsAccepted": false, "Email": "p2@example.com", "ScaContext": "USER_NOT_PRESENT"}))
	assert.Nil(t, p["PendingUserAction"])
	assert.Equal(t, "ACTIVE", p["UserStatus"])

	// Legal: a representative's email change re-enrolls.
	lo := a.ok(a.call(http.MethodPost, "/sca/users/legal", string(fixture(t, "users/create-legal-owner.request.json"))))
	lu := a.ok(a.call(http.MethodPut, "/sca/users/legal/"+lo["Id"].(string), map[string]any{
		"TermsAndConditionsAccepted": true, "LegalRepresentative": map[string]any{"Email": "rep2@example.com"},
	}))
	assert.NotEmpty(t, linkOf(lu))
	assert.Equal(t, "rep2@example.com", lu["LegalRepresentative"].(map[string]any)["Email"])
	assert.Equal(t, "Alex", lu["LegalRepresentative"].(map[string]any)["FirstName"], "unsent fields are kept")
}

func TestViewUser(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	owner, _ := a.createOwner("Ruby")
	for _, p := range []string{"/sca/users/", "/sca/users/natural/"} {
		u := a.ok(a.get(p + owner))
		assertShape(t, fixtureJSON(t, "users/view-natural-owner-pending.response.json"), u, "user")
		assert.Equal(t, "PENDING_USER_ACTION", u["UserStatus"])
		assert.Nil(t, u["PendingUserAction"])
	}
	r := a.get("/sca/users/legal/" + owner)
	errs := assertError(t, r, http.StatusNotFound, "ressource_not_found")
	assert.Equal(t, "The ressource does not exist", r.json(t)["Message"])
	assert.Contains(t, errs["RessourceNotFound"], owner)
	assertError(t, a.get("/sca/users/user_m_missing"), http.StatusNotFound, "ressource_not_found")
}

func TestConsent(t *testing.T) {
	t.Parallel()
	noProxy := newAPI(t)
	owner := noProxy.activeOwner("Olga")
	errs := assertError(t, noProxy.call(http.MethodPost, "/sca/users/"+owner+"/consent", nil), http.StatusBadRequest, "param_error")
	assert.Equal(t, "Consent cannot be given when no proxy is required by the client.", errs["Invalid SCA request"])

	a := newAPI(t, mangopaytest.WithProxyManagement())
	assertError(t, a.call(http.MethodPost, "/sca/users/"+a.createPayer("Paula")+"/consent", nil), http.StatusBadRequest, "not_allowed_for_user_category_payer")
	pending, _ := a.createOwner("Pat")
	errs = assertError(t, a.call(http.MethodPost, "/sca/users/"+pending+"/consent", nil), http.StatusBadRequest, "param_error")
	assert.Contains(t, errs["Invalid SCA request"], "enrolled")

	owner = a.activeOwner("Olga")
	st := a.ok(a.get("/sca/users/" + owner + "/sca-status"))
	assert.Nil(t, st["LastConsentCollectionDate"])
	assert.Equal(t, map[string]any{"ContactInformationUpdate": "INACTIVE", "RecipientRegistration": "INACTIVE", "Transfer": "INACTIVE", "ViewAccountInformation": "INACTIVE"}, st["ConsentScope"])
	assertError(t, a.call(http.MethodPut, "/sca/users/natural/"+owner, map[string]any{"TermsAndConditionsAccepted": true, "Email": "x@example.com", "ScaContext": "USER_NOT_PRESENT"}),
		http.StatusForbidden, "sca_proxy_missing")

	c := a.ok(a.call(http.MethodPost, "/sca/users/"+owner+"/consent", nil))
	assertShape(t, fixtureJSON(t, "users/consent.response.json"), c, "consent")
	require.NoError(t, a.srv.CompleteSca(linkOf(c), mangopaytest.Validated))
	st = a.ok(a.get("/sca/users/" + owner + "/sca-status"))
	assertJustNow(t, a.srv, st["LastConsentCollectionDate"])
	assert.Equal(t, map[string]any{"ContactInformationUpdate": "ACTIVE", "RecipientRegistration": "ACTIVE", "Transfer": "ACTIVE", "ViewAccountInformation": "ACTIVE"}, st["ConsentScope"])
	assert.Subset(t, eventTypes(a.srv, owner), []string{"SCA_CONTACT_INFORMATION_UPDATE_CONSENT_GIVEN", "SCA_TRANSFER_CONSENT_GIVEN",
		"SCA_RECIPIENT_REGISTRATION_CONSENT_GIVEN", "SCA_VIEW_ACCOUNT_INFORMATION_CONSENT_GIVEN"})

	// As a consented proxy the platform may change contact details without re-enrollment.
	u := a.ok(a.call(http.MethodPut, "/sca/users/natural/"+owner, map[string]any{"TermsAndConditionsAccepted": true, "Email": "x@example.com", "ScaContext": "USER_NOT_PRESENT"}))
	assert.Equal(t, "ACTIVE", u["UserStatus"])
	assert.Nil(t, u["PendingUserAction"])
	assert.Equal(t, "x@example.com", u["Email"])
}

func TestAsyncEnrollmentNeedsPermission(t *testing.T) {
	t.Parallel()
	body := ownerBody("Nina")
	body["ScaContext"] = "USER_NOT_PRESENT"
	a := newAPI(t)
	assertError(t, a.call(http.MethodPost, "/sca/users/natural", body), http.StatusForbidden, "forbidden_ressource")

	p := newAPI(t, mangopaytest.WithProxyManagement())
	u := p.ok(p.call(http.MethodPost, "/sca/users/natural", body))
	assert.Equal(t, "PENDING_USER_ACTION", u["UserStatus"])
	assert.Nil(t, u["PendingUserAction"], "enrollment happens later, through Enroll")
	assert.Equal(t, []string{"USER_ACCOUNT_VALIDATION_ASKED"}, eventTypes(p.srv, u["Id"].(string)))
}

func TestUserFieldChecks(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	body := ownerBody("Alex")
	body["PhoneNumber"] = "0611111111"
	delete(body, "PhoneNumberCountry")
	body["Birthday"] = 652117514.0 // a float timestamp is accepted
	body["IncomeRange"] = 9
	body["Address"] = map[string]any{"AddressLine1": "1 Main St", "City": "Austin", "PostalCode": "78701", "Country": "US"}
	errs := assertError(t, a.call(http.MethodPost, "/sca/users/natural", body), http.StatusBadRequest, "param_error")
	assert.Contains(t, errs["PhoneNumberCountry"], "local format")
	assert.Contains(t, errs, "IncomeRange")
	assert.Contains(t, errs["Address.Region"], "Region")
	assert.NotContains(t, errs, "Birthday")

	body = ownerBody("Alex")
	body["PhoneNumber"] = "call me"
	body["FirstName"] = ""
	errs = assertError(t, a.call(http.MethodPost, "/sca/users/natural", body), http.StatusBadRequest, "param_error")
	assert.Contains(t, errs, "PhoneNumber")
	assert.Equal(t, "The FirstName field is required.", errs["FirstName"])

	legal := decodeAny(t, fixture(t, "users/create-legal-owner.request.json")).(map[string]any)
	legal["LegalPersonType"] = "TRUST"
	errs = assertError(t, a.call(http.MethodPost, "/sca/users/legal", legal), http.StatusBadRequest, "param_error")
	assert.Contains(t, errs, "LegalPersonType")
	errs = assertError(t, a.call(http.MethodPost, "/sca/users/legal", map[string]any{}), http.StatusBadRequest, "param_error")
	for _, f := range []string{"Name", "LegalPersonType", "Email", "LegalRepresentative", "UserCategory", "TermsAndConditionsAccepted"} {
		assert.Contains(t, errs, f)
	}
	legal = decodeAny(t, fixture(t, "users/create-legal-owner.request.json")).(map[string]any)
	legal["TermsAndConditionsAccepted"] = false
	assertError(t, a.call(http.MethodPost, "/sca/users/legal", legal), http.StatusForbidden, "user_hasnt_accepted_terms_and_conditions")

	// A legal OWNER whose representative lost their email cannot enroll.
	lo := a.ok(a.call(http.MethodPost, "/sca/users/legal", string(fixture(t, "users/create-legal-owner.request.json"))))["Id"].(string)
	a.ok(a.call(http.MethodPut, "/sca/users/legal/"+lo, map[string]any{"TermsAndConditionsAccepted": true, "LegalRepresentative": map[string]any{"Email": ""}}))
	errs = assertError(t, a.call(http.MethodPost, "/sca/users/"+lo+"/enrollment", nil), http.StatusBadRequest, "param_error")
	assert.Contains(t, errs, "LegalRepresentative.Email")
}
