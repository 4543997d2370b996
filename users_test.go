package mangopay

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	docUserID = "user_m_01JF7AP1M46TR0JH7WBGPWK7D7"
	// docBirthday is the birthday of the documented examples; the SDK sends
	// birthdays as UTC midnight of the date (data-formats.mdx), docMidnight.
	docBirthday = 652117514 // 1990-08-31T15:45:14Z
	docMidnight = 652060800 // 1990-08-31T00:00:00Z
	docUserLink = "https://sca.sandbox.mangopay.com/?token=0193ceab0948799a9af9726fb852fb98"
	docEnroll   = "https://sca.sandbox.mangopay.com/?token=0193cf51ed367151a0cb1c59def21e13"
)

var docAddress = &Address{
	AddressLine1: "3 rue de la Cité", AddressLine2: "Appartement 7", City: "Paris",
	Region: "Île-de-France", PostalCode: "75004", Country: "FR",
}

func userFixture(t *testing.T, name string) []byte {
	t.Helper()
	return fixture(t, "users/"+name)
}

// editJSON decodes b, applies edit and re-encodes it.
func editJSON(t *testing.T, b []byte, edit func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	edit(m)
	out, err := json.Marshal(m)
	require.NoError(t, err)
	return out
}

// atMidnight replaces the documented Birthday (at path, e.g.
// "LegalRepresentative", "Birthday") by its UTC midnight, checking it first.
func atMidnight(t *testing.T, b []byte, path ...string) []byte {
	t.Helper()
	return editJSON(t, b, func(m map[string]any) {
		for _, k := range path[:len(path)-1] {
			m = m[k].(map[string]any)
		}
		last := path[len(path)-1]
		require.EqualValues(t, docBirthday, m[last], "fixture birthday")
		m[last] = docMidnight
	})
}

// legalOwnerPending builds a legal OWNER pending SCA from the documented PAYER
// response (the docs give no legal OWNER response example).
func legalOwnerPending(t *testing.T) []byte {
	return editJSON(t, userFixture(t, "create-legal-payer.response.json"), func(m map[string]any) {
		m["UserCategory"] = "OWNER"
		m["UserStatus"] = "PENDING_USER_ACTION"
		m["TermsAndConditionsAccepted"] = true
		m["TermsAndConditionsAcceptedDate"] = 1734344306
		m["PendingUserAction"] = map[string]any{"RedirectUrl": docUserLink}
	})
}

// userCall registers one JSON responder and returns its capture. Unlike
// jsonResponder, the response carries its Request, as net/http's transports
// set it (APIError.Method and URL come from it).
func userCall(env *testEnv, method, path string, status int, body []byte) *capture {
	cp := &capture{}
	env.mt.RegisterResponder(method, testAPI+path, cp.wrap(func(req *http.Request) (*http.Response, error) {
		r := httpmock.NewBytesResponse(status, body)
		r.Header.Set("Content-Type", "application/json; charset=utf-8")
		r.Request = req
		return r, nil
	}))
	return cp
}

// assertRequest checks method, path (escaped, under the prefixed base URL),
// the absence of a query, the standard headers and the JSON body.
func assertRequest(t *testing.T, cp *capture, method, path string, wantBody []byte) {
	t.Helper()
	require.Len(t, cp.reqs, 1, "exactly one request")
	r, body := cp.last(t)
	assert.Equal(t, method, r.Method)
	assert.Equal(t, testAPI+path, r.URL.Scheme+"://"+r.URL.Host+r.URL.EscapedPath())
	assert.Empty(t, r.URL.RawQuery, "no query")
	assertStdHeaders(t, r)
	if wantBody == nil {
		assert.Empty(t, body, "no request body")
		assert.Empty(t, r.Header.Get("Content-Type"))
		return
	}
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	assertJSONEq(t, wantBody, body)
}

// assertScaFromBody checks the *ScaRequiredError of a body PendingUserAction.
func assertScaFromBody(t *testing.T, err error, method, path, link string) {
	t.Helper()
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrScaRequired)
	sca, ok := AsScaRequired(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, link, sca.RedirectURL)
	assert.Equal(t, ScaSourceBody, sca.Source)
	assert.Equal(t, http.StatusOK, sca.StatusCode)
	assert.Equal(t, method, sca.Method)
	assert.Equal(t, testAPI+path, sca.URL)
	assert.WithinDuration(t, time.Now().Add(ScaSessionLifetime), sca.ExpiresAt, time.Minute)
}

func docNaturalOwnerRequest() *CreateNaturalUserRequest {
	return &CreateNaturalUserRequest{
		UserCategory:               UserCategoryOwner,
		TermsAndConditionsAccepted: Ptr(true),
		FirstName:                  "Alex",
		LastName:                   "Smith",
		Email:                      "alex.smith@example.com",
		Address:                    docAddress,
		Birthday:                   NewDate(1990, time.August, 31),
		CountryOfResidence:         "FR",
		Nationality:                "FR",
		Tag:                        "Created using the Mangopay API Postman collection",
		PhoneNumber:                "0611111111",
		PhoneNumberCountry:         "FR",
	}
}

func TestUsersCreateNaturalOwner(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	cp := userCall(env, http.MethodPost, "/sca/users/natural", 200, userFixture(t, "create-natural-owner.response.json"))

	u, err := env.c.Users.CreateNatural(context.Background(), docNaturalOwnerRequest(), WithIdempotencyKey("owner-signup-000042"))

	assertRequest(t, cp, http.MethodPost, "/sca/users/natural",
		atMidnight(t, userFixture(t, "create-natural-owner.request.json"), "Birthday"))
	r, _ := cp.last(t)
	assert.Equal(t, "owner-signup-000042", r.Header.Get("Idempotency-Key"))

	assertScaFromBody(t, err, http.MethodPost, "/sca/users/natural", docUserLink)
	require.NotNil(t, u, "the created user comes with the SCA error")
	assert.Equal(t, docUserID, u.ID)
	assert.Equal(t, UserCategoryOwner, u.UserCategory)
	assert.Equal(t, UserStatusPendingUserAction, u.UserStatus)
	assert.Equal(t, PersonTypeNatural, u.PersonType)
	assert.Equal(t, KYCLevelLight, u.KYCLevel)
	assert.Equal(t, "Alex", u.FirstName)
	assert.Equal(t, "Smith", u.LastName)
	assert.Equal(t, "alex.smith@example.com", u.Email)
	assert.Equal(t, time.Unix(docBirthday, 0).UTC(), u.Birthday.Time)
	assert.Equal(t, time.Unix(1734339135, 0).UTC(), u.CreationDate.Time)
	assert.True(t, u.TermsAndConditionsAccepted)
	assert.True(t, u.TermsAndConditionsAcceptedDate.IsZero(), "null in the documented example")
	assert.Equal(t, "FR", u.Nationality)
	assert.Equal(t, "FR", u.CountryOfResidence)
	assert.Empty(t, u.Occupation)
	assert.Nil(t, u.IncomeRange)
	assert.Equal(t, "NORMAL", u.Capacity)
	assert.Equal(t, "0611111111", u.PhoneNumber)
	assert.Equal(t, docAddress, u.Address)
	require.NotNil(t, u.PendingUserAction)
	assert.Equal(t, docUserLink, u.PendingUserAction.RedirectURL)
}

func TestUsersCreateNaturalPayer(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	cp := userCall(env, http.MethodPost, "/sca/users/natural", 200, userFixture(t, "create-natural-payer.response.json"))

	in := &CreateNaturalUserRequest{
		UserCategory:               UserCategoryPayer,
		TermsAndConditionsAccepted: Ptr(false),
		FirstName:                  "Alex",
		LastName:                   "Smith",
		Email:                      "alex.smith@example.com",
		IncomeRange:                Ptr(3),
		ScaContext:                 ScaUserPresent,
	}
	u, err := env.c.Users.CreateNatural(context.Background(), in)
	require.NoError(t, err, "a PAYER needs no SCA")
	assertRequest(t, cp, http.MethodPost, "/sca/users/natural", []byte(`{
		"UserCategory": "PAYER", "TermsAndConditionsAccepted": false,
		"FirstName": "Alex", "LastName": "Smith", "Email": "alex.smith@example.com",
		"IncomeRange": 3, "ScaContext": "USER_PRESENT"}`))

	require.NotNil(t, u)
	assert.Equal(t, UserCategoryPayer, u.UserCategory)
	assert.Equal(t, UserStatusActive, u.UserStatus)
	assert.Nil(t, u.PendingUserAction)
	assert.True(t, u.Birthday.IsZero(), "null for a PAYER")
	assert.Empty(t, u.Nationality)
	assert.False(t, u.TermsAndConditionsAccepted)
}

func docLegalOwnerRequest() *CreateLegalUserRequest {
	return &CreateLegalUserRequest{
		UserCategory:               UserCategoryOwner,
		TermsAndConditionsAccepted: Ptr(true),
		LegalPersonType:            LegalPersonTypeSoletrader,
		Name:                       "Alex Smith",
		Email:                      "alex.smith.services@example.com",
		LegalRepresentative: &LegalRepresentativeRequest{
			FirstName:          "Alex",
			LastName:           "Smith",
			Birthday:           NewDate(1990, time.August, 31),
			Nationality:        "FR",
			CountryOfResidence: "FR",
			Email:              "alex.smith@example.com",
			PhoneNumber:        "0611111111",
			PhoneNumberCountry: "FR",
		},
		CompanyNumber:              "123456789",
		HeadquartersAddress:        docAddress,
		LegalRepresentativeAddress: docAddress,
		Tag:                        "Created using the Mangopay API Postman collection",
	}
}

func TestUsersCreateLegalOwner(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	cp := userCall(env, http.MethodPost, "/sca/users/legal", 200, legalOwnerPending(t))

	u, err := env.c.Users.CreateLegal(context.Background(), docLegalOwnerRequest())

	assertRequest(t, cp, http.MethodPost, "/sca/users/legal",
		atMidnight(t, userFixture(t, "create-legal-owner.request.json"), "LegalRepresentative", "Birthday"))
	assertScaFromBody(t, err, http.MethodPost, "/sca/users/legal", docUserLink)
	require.NotNil(t, u)
	assert.Equal(t, "user_m_01JF7FKVP51PS3TYKCN79VZZ8M", u.ID)
	assert.Equal(t, UserStatusPendingUserAction, u.UserStatus)
	assert.Equal(t, time.Unix(1734344306, 0).UTC(), u.TermsAndConditionsAcceptedDate.Time)
}

func TestUsersCreateLegalPayer(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	cp := userCall(env, http.MethodPost, "/sca/users/legal", 200, userFixture(t, "create-legal-payer.response.json"))

	in := &CreateLegalUserRequest{
		UserCategory:               UserCategoryPayer,
		TermsAndConditionsAccepted: Ptr(false),
		LegalPersonType:            LegalPersonTypeSoletrader,
		Name:                       "Alex Smith",
		Email:                      "alex.smith.services@example.com",
		LegalRepresentative:        &LegalRepresentativeRequest{FirstName: "Alex", LastName: "Smith", PhoneNumber: "0611111111", PhoneNumberCountry: "FR"},
		LegalRepresentativeAddress: docAddress,
	}
	u, err := env.c.Users.CreateLegal(context.Background(), in)
	require.NoError(t, err)
	assertRequest(t, cp, http.MethodPost, "/sca/users/legal", []byte(`{
		"UserCategory": "PAYER", "TermsAndConditionsAccepted": false, "LegalPersonType": "SOLETRADER",
		"Name": "Alex Smith", "Email": "alex.smith.services@example.com",
		"LegalRepresentative": {"FirstName": "Alex", "LastName": "Smith", "PhoneNumber": "0611111111", "PhoneNumberCountry": "FR"},
		"LegalRepresentativeAddress": {"AddressLine1": "3 rue de la Cité", "AddressLine2": "Appartement 7", "City": "Paris",
			"Region": "Île-de-France", "PostalCode": "75004", "Country": "FR"}}`))

	require.NotNil(t, u)
	assert.Equal(t, PersonTypeLegal, u.PersonType)
	assert.Equal(t, LegalPersonTypeSoletrader, u.LegalPersonType)
	assert.Equal(t, "Alex Smith", u.Name)
	assert.Equal(t, UserCategoryPayer, u.UserCategory)
	assert.Equal(t, UserStatusActive, u.UserStatus)
	assert.Nil(t, u.PendingUserAction)
	assert.Empty(t, u.CompanyNumber)
	require.NotNil(t, u.HeadquartersAddress, "an object with null fields, not null")
	assert.True(t, u.HeadquartersAddress.IsZero())
	assert.Equal(t, docAddress, u.LegalRepresentativeAddress)
	require.NotNil(t, u.LegalRepresentative)
	assert.Equal(t, LegalRepresentative{FirstName: "Alex", LastName: "Smith", PhoneNumber: "0611111111", PhoneNumberCountry: "FR"}, *u.LegalRepresentative)
}

func TestUsersUpdateNatural(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	cp := userCall(env, http.MethodPut, "/sca/users/natural/"+docUserID, 200, userFixture(t, "get-natural-owner-pending.response.json"))

	u, err := env.c.Users.UpdateNatural(context.Background(), docUserID, &UpdateNaturalUserRequest{
		UserCategory:               Ptr(UserCategoryOwner),
		TermsAndConditionsAccepted: Ptr(true),
		Tag:                        Ptr("New tag"),
	})
	require.NoError(t, err, "no PendingUserAction: no SCA")
	assertRequest(t, cp, http.MethodPut, "/sca/users/natural/"+docUserID, userFixture(t, "update-natural-owner.request.json"))
	require.NotNil(t, u)
	assert.Equal(t, "Ruby", u.FirstName)
}

func TestUsersUpdateNaturalReenrollment(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	path := "/sca/users/natural/" + docUserID
	cp := userCall(env, http.MethodPut, path, 200, userFixture(t, "create-natural-owner.response.json"))

	u, err := env.c.Users.UpdateNatural(context.Background(), docUserID, &UpdateNaturalUserRequest{
		TermsAndConditionsAccepted: Ptr(true),
		Email:                      Ptr("alex.new@example.com"),
		PhoneNumber:                Ptr("+33611111111"),
		ScaContext:                 ScaUserPresent,
	})
	assertRequest(t, cp, http.MethodPut, path, []byte(`{"TermsAndConditionsAccepted": true,
		"Email": "alex.new@example.com", "PhoneNumber": "+33611111111", "ScaContext": "USER_PRESENT"}`))
	assertScaFromBody(t, err, http.MethodPut, path, docUserLink)
	require.NotNil(t, u)
	assert.Equal(t, docUserID, u.ID)
}

func TestUsersUpdateLegal(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	id := "user_m_01JF7FKVP51PS3TYKCN79VZZ8M"
	path := "/sca/users/legal/" + id
	cp := userCall(env, http.MethodPut, path, 200, legalOwnerPending(t))

	u, err := env.c.Users.UpdateLegal(context.Background(), id, &UpdateLegalUserRequest{
		TermsAndConditionsAccepted: Ptr(true),
		LegalRepresentative:        &UpdateLegalRepresentativeRequest{Email: Ptr("rep.new@example.com")},
		ScaContext:                 ScaUserPresent,
	})
	assertRequest(t, cp, http.MethodPut, path, []byte(`{"TermsAndConditionsAccepted": true,
		"LegalRepresentative": {"Email": "rep.new@example.com"}, "ScaContext": "USER_PRESENT"}`))
	assertScaFromBody(t, err, http.MethodPut, path, docUserLink)
	require.NotNil(t, u)
	assert.Equal(t, id, u.ID)
}

func TestUsersUpdateLegalPayerNoSca(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	id := "user_m_01JF7FKVP51PS3TYKCN79VZZ8M"
	userCall(env, http.MethodPut, "/sca/users/legal/"+id, 200, userFixture(t, "create-legal-payer.response.json"))
	u, err := env.c.Users.UpdateLegal(context.Background(), id, &UpdateLegalUserRequest{TermsAndConditionsAccepted: Ptr(false), Tag: Ptr("t")})
	require.NoError(t, err)
	assert.Equal(t, UserCategoryPayer, u.UserCategory)
}

func TestUsersCategorizeNatural(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	path := "/sca/users/natural/" + docUserID + "/category"
	cp := userCall(env, http.MethodPut, path, 200, userFixture(t, "categorize-natural.response.json"))

	in := &CategorizeNaturalUserRequest{
		TermsAndConditionsAccepted: Ptr(true),
		Birthday:                   NewDate(1990, time.August, 31),
		Nationality:                "FR",
		CountryOfResidence:         "FR",
	}
	u, err := env.c.Users.CategorizeNatural(context.Background(), docUserID, in)

	assertRequest(t, cp, http.MethodPut, path, atMidnight(t, userFixture(t, "categorize-natural.request.json"), "Birthday"))
	assert.Empty(t, in.UserCategory, "the caller's request is not modified")
	assertScaFromBody(t, err, http.MethodPut, path, docUserLink)
	require.NotNil(t, u)
	assert.Equal(t, UserCategoryOwner, u.UserCategory)
	assert.Equal(t, UserStatusPendingUserAction, u.UserStatus)
	assert.Equal(t, "Created using Mangopay API Postman Collection", u.Tag)
}

func TestUsersCategorizeLegal(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	id := "user_m_01JF7FKVP51PS3TYKCN79VZZ8M"
	path := "/sca/users/legal/" + id + "/category"
	cp := userCall(env, http.MethodPut, path, 200, legalOwnerPending(t))

	u, err := env.c.Users.CategorizeLegal(context.Background(), id, &CategorizeLegalUserRequest{
		UserCategory:               UserCategoryOwner,
		TermsAndConditionsAccepted: Ptr(true),
		LegalRepresentative: &LegalRepresentativeRequest{
			Birthday: NewDate(1990, time.August, 31), Nationality: "FR", CountryOfResidence: "FR",
		},
		HeadquartersAddress: docAddress,
		CompanyNumber:       "123456789",
	})
	assertRequest(t, cp, http.MethodPut, path,
		atMidnight(t, userFixture(t, "categorize-legal.request.json"), "LegalRepresentative", "Birthday"))
	assertScaFromBody(t, err, http.MethodPut, path, docUserLink)
	require.NotNil(t, u)
	assert.Equal(t, UserCategoryOwner, u.UserCategory)
}

func TestUsersEnroll(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	path := "/sca/users/" + docUserID + "/enrollment"
	cp := userCall(env, http.MethodPost, path, 200, userFixture(t, "enroll.response.json"))

	e, err := env.c.Users.Enroll(context.Background(), docUserID)
	assertRequest(t, cp, http.MethodPost, path, nil) // no body, but an Idempotency-Key
	assertScaFromBody(t, err, http.MethodPost, path, docEnroll)
	require.NotNil(t, e)
	require.NotNil(t, e.PendingUserAction)
	assert.Equal(t, docEnroll, e.PendingUserAction.RedirectURL)
}

func TestUsersManageConsent(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	path := "/sca/users/" + docUserID + "/consent"
	cp := userCall(env, http.MethodPost, path, 200, userFixture(t, "consent.response.json"))

	e, err := env.c.Users.ManageConsent(context.Background(), docUserID, WithIdempotencyKey("consent-key-0000001"))
	assertRequest(t, cp, http.MethodPost, path, nil)
	r, _ := cp.last(t)
	assert.Equal(t, "consent-key-0000001", r.Header.Get("Idempotency-Key"))
	assertScaFromBody(t, err, http.MethodPost, path, docEnroll)
	require.NotNil(t, e)
	assert.Equal(t, docEnroll, e.PendingUserAction.RedirectURL)
}

func TestUsersEnrollWithoutLink(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	userCall(env, http.MethodPost, "/sca/users/u1/enrollment", 200, []byte(`{"PendingUserAction":null}`))
	e, err := env.c.Users.Enroll(context.Background(), "u1")
	require.NoError(t, err)
	assert.Nil(t, e.PendingUserAction)
}

func TestUsersGetNatural(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	cp := userCall(env, http.MethodGet, "/sca/users/"+docUserID, 200, userFixture(t, "get-natural-owner-pending.response.json"))

	u, err := env.c.Users.Get(context.Background(), docUserID)
	require.NoError(t, err, "PendingUserAction is null on GET")
	assertRequest(t, cp, http.MethodGet, "/sca/users/"+docUserID, nil)

	assert.Equal(t, docUserID, u.ID)
	assert.Equal(t, PersonTypeNatural, u.PersonType)
	assert.Equal(t, UserCategoryOwner, u.UserCategory)
	assert.Equal(t, UserStatusPendingUserAction, u.UserStatus)
	assert.Equal(t, "alex.smith@example.com", u.Email)
	assert.Equal(t, time.Unix(1734339135, 0).UTC(), u.CreationDate.Time)
	n, ok := u.Natural()
	require.True(t, ok)
	assert.Equal(t, "Ruby", n.FirstName)
	assert.Equal(t, "Reinger", n.LastName)
	assert.Equal(t, "Ile-de-France", n.Address.Region)
	assert.Nil(t, n.PendingUserAction)
	l, ok := u.Legal()
	assert.False(t, ok)
	assert.Nil(t, l)
	assertJSONEq(t, userFixture(t, "get-natural-owner-pending.response.json"), u.Raw())
}

func TestUsersGetLegal(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	id := "user_m_01JF7FKVP51PS3TYKCN79VZZ8M"
	userCall(env, http.MethodGet, "/sca/users/"+id, 200, userFixture(t, "create-legal-payer.response.json"))

	u, err := env.c.Users.Get(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, PersonTypeLegal, u.PersonType)
	assert.Equal(t, "alex.smith.services@example.com", u.Email)
	_, ok := u.Natural()
	assert.False(t, ok)
	l, ok := u.Legal()
	require.True(t, ok)
	assert.Equal(t, "Alex Smith", l.Name)
	assert.Equal(t, LegalPersonTypeSoletrader, l.LegalPersonType)
}

func TestUsersGetUnknownPersonType(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	body := []byte(`{"Id":"u9","PersonType":"ROBOT","UserCategory":"OWNER","UserStatus":"ACTIVE","Email":"r@example.com","Serial":42}`)
	userCall(env, http.MethodGet, "/sca/users/u9", 200, body)

	u, err := env.c.Users.Get(context.Background(), "u9")
	require.NoError(t, err)
	assert.Equal(t, PersonType("ROBOT"), u.PersonType)
	assert.Equal(t, "u9", u.ID)
	_, okN := u.Natural()
	_, okL := u.Legal()
	assert.False(t, okN)
	assert.False(t, okL)
	out, err := json.Marshal(u)
	require.NoError(t, err)
	assertJSONEq(t, body, out)
}

func TestUsersGetWithPendingUserAction(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	userCall(env, http.MethodGet, "/sca/users/"+docUserID, 200, userFixture(t, "create-natural-owner.response.json"))
	u, err := env.c.Users.Get(context.Background(), docUserID)
	assertScaFromBody(t, err, http.MethodGet, "/sca/users/"+docUserID, docUserLink)
	require.NotNil(t, u)
	n, ok := u.Natural()
	require.True(t, ok)
	assert.Equal(t, "Alex", n.FirstName)
}

func TestUsersGetTyped(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	cpN := userCall(env, http.MethodGet, "/sca/users/natural/"+docUserID, 200, userFixture(t, "get-natural-owner-pending.response.json"))
	cpL := userCall(env, http.MethodGet, "/sca/users/legal/u%20l", 200, userFixture(t, "create-legal-payer.response.json"))

	n, err := env.c.Users.GetNatural(context.Background(), docUserID)
	require.NoError(t, err)
	assertRequest(t, cpN, http.MethodGet, "/sca/users/natural/"+docUserID, nil)
	assert.Equal(t, "Ruby", n.FirstName)

	_, err = env.c.Users.GetLegal(context.Background(), "u l")
	require.ErrorIs(t, err, ErrInvalidID, "ids with spaces are refused before the network")
	assert.Empty(t, cpL.reqs)

	userCall(env, http.MethodGet, "/sca/users/legal/L1", 200, userFixture(t, "create-legal-payer.response.json"))
	l, err := env.c.Users.GetLegal(context.Background(), "L1")
	require.NoError(t, err)
	assert.Equal(t, "Alex Smith", l.Name)
}

func TestUsersScaStatus(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	path := "/sca/users/" + docUserID + "/sca-status"
	cp := userCall(env, http.MethodGet, path, 200, userFixture(t, "sca-status.response.json"))

	st, err := env.c.Users.ScaStatus(context.Background(), docUserID)
	require.NoError(t, err)
	assertRequest(t, cp, http.MethodGet, path, nil)
	assert.Equal(t, &ScaStatus{
		UserStatus:         UserStatusActive,
		IsEnrolled:         true,
		LastEnrollmentDate: TimeOf(time.Unix(1753385619, 0).UTC()),
		ConsentScope: ConsentScope{
			ContactInformationUpdate: ConsentStatusInactive,
			RecipientRegistration:    ConsentStatusInactive,
			Transfer:                 ConsentStatusInactive,
			ViewAccountInformation:   ConsentStatusInactive,
		},
	}, st)
}

func TestUsersScaStatusNotEnrolled(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	userCall(env, http.MethodGet, "/sca/users/u1/sca-status", 404,
		[]byte(`{"Message":"The ressource does not exist","Type":"ressource_not_found","Id":"e-1","Date":1768000000,"errors":null}`))

	st, err := env.c.Users.ScaStatus(context.Background(), "u1")
	assert.Nil(t, st)
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrNotEnrolled)
	assert.ErrorIs(t, err, ErrNotFound)
	assert.NotErrorIs(t, err, ErrScaRequired)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 404, apiErr.StatusCode)
	assert.Equal(t, "e-1", apiErr.ID)
	assert.NotContains(t, err.Error(), "\n")
	assert.Contains(t, err.Error(), "never enrolled")
	assert.Contains(t, err.Error(), "ressource_not_found")
	assert.False(t, errors.Is(ErrNotEnrolled, ErrNotFound), "distinct sentinels")
}

func TestUsersScaStatusOtherErrorIsNotNotEnrolled(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	userCall(env, http.MethodGet, "/sca/users/u1/sca-status", 403,
		[]byte(`{"Message":"This endpoint is not available for your account","Type":"forbidden_ressource","Id":"e-2","Date":1768000000}`))
	_, err := env.c.Users.ScaStatus(context.Background(), "u1")
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrForbidden)
	assert.NotErrorIs(t, err, ErrNotEnrolled)
	assert.NotErrorIs(t, err, ErrNotFound)
}

// errorBody builds a documented-shape error body.
func errorBody(typ, msg, errs string) []byte {
	if errs == "" {
		errs = "null"
	}
	return []byte(`{"Message":"` + msg + `","Type":"` + typ + `","Id":"err-1","Date":1740581497.0,"errors":` + errs + `}`)
}

func TestUsersErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tru := Ptr(true)
	type call func(c *Client) (any, error)
	cases := []struct {
		name     string
		method   string
		path     string
		status   int
		body     []byte
		call     call
		sentinel []error // all must match
		typ      string
		field    [2]string // optional field error key/value
	}{
		{"Enroll PAYER (documented)", http.MethodPost, "/sca/users/u1/enrollment", 400, nil,
			func(c *Client) (any, error) { return c.Users.Enroll(ctx, "u1") },
			[]error{ErrNotAllowedForPayer}, ErrorTypeNotAllowedForPayer, [2]string{}},
		{"UpdateNatural without proxy consent (documented)", http.MethodPut, "/sca/users/natural/u1", 403, nil,
			func(c *Client) (any, error) {
				return c.Users.UpdateNatural(ctx, "u1", &UpdateNaturalUserRequest{TermsAndConditionsAccepted: tru, ScaContext: ScaUserNotPresent})
			},
			[]error{ErrScaProxyMissing, ErrForbidden}, ErrorTypeScaProxyMissing, [2]string{}},
		{"UpdateLegal without proxy consent", http.MethodPut, "/sca/users/legal/u1", 403, nil,
			func(c *Client) (any, error) {
				return c.Users.UpdateLegal(ctx, "u1", &UpdateLegalUserRequest{TermsAndConditionsAccepted: tru, ScaContext: ScaUserNotPresent})
			},
			[]error{ErrScaProxyMissing, ErrForbidden}, ErrorTypeScaProxyMissing, [2]string{}},
		{"CategorizeNatural on an OWNER", http.MethodPut, "/sca/users/natural/u1/category", 400,
			errorBody("not_allowed_for_user_category_owner", "This endpoint is not allowed for User categorized as OWNER", ""),
			func(c *Client) (any, error) {
				return c.Users.CategorizeNatural(ctx, "u1", &CategorizeNaturalUserRequest{TermsAndConditionsAccepted: tru})
			},
			[]error{ErrNotAllowedForOwner}, ErrorTypeNotAllowedForOwner, [2]string{}},
		{"CategorizeLegal on an OWNER", http.MethodPut, "/sca/users/legal/u1/category", 400,
			errorBody("not_allowed_for_user_category_owner", "This endpoint is not allowed for User categorized as OWNER", ""),
			func(c *Client) (any, error) {
				return c.Users.CategorizeLegal(ctx, "u1", &CategorizeLegalUserRequest{TermsAndConditionsAccepted: tru})
			},
			[]error{ErrNotAllowedForOwner}, ErrorTypeNotAllowedForOwner, [2]string{}},
		{"CreateNatural OWNER without T&C", http.MethodPost, "/sca/users/natural", 403,
			errorBody("user_hasnt_accepted_terms_and_conditions", "User must accept the terms and conditions before account creation or modification.", ""),
			func(c *Client) (any, error) {
				in := docNaturalOwnerRequest()
				in.TermsAndConditionsAccepted = Ptr(false)
				return c.Users.CreateNatural(ctx, in)
			},
			[]error{ErrTermsNotAccepted, ErrForbidden}, ErrorTypeTermsNotAccepted, [2]string{}},
		{"CreateLegal OWNER without T&C", http.MethodPost, "/sca/users/legal", 403,
			errorBody("user_hasnt_accepted_terms_and_conditions", "User must accept the terms and conditions before account creation or modification.", ""),
			func(c *Client) (any, error) {
				in := docLegalOwnerRequest()
				in.TermsAndConditionsAccepted = Ptr(false)
				return c.Users.CreateLegal(ctx, in)
			},
			[]error{ErrTermsNotAccepted, ErrForbidden}, ErrorTypeTermsNotAccepted, [2]string{}},
		{"CreateNatural fraud policy", http.MethodPost, "/sca/users/natural", 400,
			errorBody("fraud_policy", "The data you provided does not comply with our anti-fraud policy", ""),
			func(c *Client) (any, error) { return c.Users.CreateNatural(ctx, docNaturalOwnerRequest()) },
			nil, ErrorTypeFraudPolicy, [2]string{}},
		{"CreateNatural restricted country", http.MethodPost, "/sca/users/natural", 400,
			errorBody("param_error", "One or several required parameters are missing or incorrect. An incorrect resource ID also raises this kind of error.", `{"CountryOfResidence":"The CountryOfResidence used is blocked"}`),
			func(c *Client) (any, error) { return c.Users.CreateNatural(ctx, docNaturalOwnerRequest()) },
			nil, ErrorTypeParam, [2]string{"CountryOfResidence", "The CountryOfResidence used is blocked"}},
		{"CreateLegal OWNER without representative email", http.MethodPost, "/sca/users/legal", 400,
			errorBody("param_error", "One or several required parameters are missing or incorrect. An incorrect resource ID also raises this kind of error.", `{"LegalRepresentative.Email":"'Email' must not be empty."}`),
			func(c *Client) (any, error) { return c.Users.CreateLegal(ctx, docLegalOwnerRequest()) },
			nil, ErrorTypeParam, [2]string{"LegalRepresentative.Email", "'Email' must not be empty."}},
		{"ManageConsent without proxy management", http.MethodPost, "/sca/users/u1/consent", 400,
			errorBody("param_error", "One or several required parameters are missing or incorrect. An incorrect resource ID also raises this kind of error.", `{"Invalid SCA request":"Consent cannot be given when no proxy is required by the client."}`),
			func(c *Client) (any, error) { return c.Users.ManageConsent(ctx, "u1") },
			nil, ErrorTypeParam, [2]string{"Invalid SCA request", "Consent cannot be given when no proxy is required by the client."}},
		{"UpdateNatural on a closed user", http.MethodPut, "/sca/users/natural/u1", 400,
			errorBody("user_closed", "User closed: No action can be performed", ""),
			func(c *Client) (any, error) {
				return c.Users.UpdateNatural(ctx, "u1", &UpdateNaturalUserRequest{TermsAndConditionsAccepted: tru})
			},
			nil, ErrorTypeUserClosed, [2]string{}},
		{"Get unknown user", http.MethodGet, "/sca/users/u1", 404,
			errorBody("ressource_not_found", "The ressource does not exist", `{"RessourceNotFound":"Cannot found the ressource User with the id=u1 "}`),
			func(c *Client) (any, error) { return c.Users.Get(ctx, "u1") },
			[]error{ErrNotFound}, ErrorTypeNotFound, [2]string{}},
		{"GetNatural unknown user", http.MethodGet, "/sca/users/natural/u1", 404,
			errorBody("ressource_not_found", "The ressource does not exist", ""),
			func(c *Client) (any, error) { return c.Users.GetNatural(ctx, "u1") },
			[]error{ErrNotFound}, ErrorTypeNotFound, [2]string{}},
		{"GetLegal unknown user", http.MethodGet, "/sca/users/legal/u1", 404,
			errorBody("ressource_not_found", "The ressource does not exist", ""),
			func(c *Client) (any, error) { return c.Users.GetLegal(ctx, "u1") },
			[]error{ErrNotFound}, ErrorTypeNotFound, [2]string{}},
	}
	documented := map[string][]byte{
		"Enroll PAYER (documented)":                        userFixture(t, "error-enroll-payer.400.json"),
		"UpdateNatural without proxy consent (documented)": userFixture(t, "error-update-proxy-missing.403.json"),
		"UpdateLegal without proxy consent":                userFixture(t, "error-update-proxy-missing.403.json"),
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body := tc.body
			if body == nil {
				body = documented[tc.name]
			}
			require.NotNil(t, body)
			var want struct{ Message, Type, Id string }
			require.NoError(t, json.Unmarshal(body, &want))

			env := newTestClient(t)
			userCall(env, tc.method, tc.path, tc.status, body)
			got, err := tc.call(env.c)
			require.Error(t, err)
			assert.Nil(t, got, "no resource with an API error")
			for _, s := range tc.sentinel {
				assert.ErrorIs(t, err, s)
			}
			assert.NotErrorIs(t, err, ErrScaRequired)
			assert.NotErrorIs(t, err, ErrNotEnrolled)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.Equal(t, tc.typ, apiErr.Type)
			assert.Equal(t, want.Type, apiErr.Type)
			assert.Equal(t, want.Message, apiErr.Message)
			assert.Equal(t, want.Id, apiErr.ID)
			assert.Equal(t, tc.method, apiErr.Method)
			if tc.field[0] != "" {
				v, ok := apiErr.FieldError(tc.field[0])
				assert.True(t, ok)
				assert.Equal(t, tc.field[1], v)
			}
			assert.NotContains(t, err.Error(), "\n")
			assert.NotContains(t, err.Error(), testToken)
			assert.Equal(t, 1, env.mt.GetCallCountInfo()[tc.method+" "+testAPI+tc.path], "4xx answers are not retried")
		})
	}
}

func TestUsersValidationBeforeNetwork(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tru := Ptr(true)
	withNatural := func(edit func(*CreateNaturalUserRequest)) *CreateNaturalUserRequest {
		in := docNaturalOwnerRequest()
		edit(in)
		return in
	}
	withLegal := func(edit func(*CreateLegalUserRequest)) *CreateLegalUserRequest {
		in := docLegalOwnerRequest()
		edit(in)
		return in
	}
	cases := []struct {
		name string
		call func(c *Client) (any, error)
		want string // substring
		is   error  // optional sentinel
	}{
		{"CreateNatural nil", func(c *Client) (any, error) { return c.Users.CreateNatural(ctx, nil) }, "Users.CreateNatural: nil *CreateNaturalUserRequest", nil},
		{"CreateNatural no FirstName", func(c *Client) (any, error) {
			return c.Users.CreateNatural(ctx, withNatural(func(r *CreateNaturalUserRequest) { r.FirstName = " " }))
		}, "FirstName is required", nil},
		{"CreateNatural no LastName", func(c *Client) (any, error) {
			return c.Users.CreateNatural(ctx, withNatural(func(r *CreateNaturalUserRequest) { r.LastName = "" }))
		}, "LastName is required", nil},
		{"CreateNatural no Email", func(c *Client) (any, error) {
			return c.Users.CreateNatural(ctx, withNatural(func(r *CreateNaturalUserRequest) { r.Email = "" }))
		}, "Email is required", nil},
		{"CreateNatural no UserCategory", func(c *Client) (any, error) {
			return c.Users.CreateNatural(ctx, withNatural(func(r *CreateNaturalUserRequest) { r.UserCategory = "" }))
		}, "UserCategory is required", nil},
		{"CreateNatural no T&C", func(c *Client) (any, error) {
			return c.Users.CreateNatural(ctx, withNatural(func(r *CreateNaturalUserRequest) { r.TermsAndConditionsAccepted = nil }))
		}, "TermsAndConditionsAccepted is required", nil},
		{"CreateNatural bad ScaContext", func(c *Client) (any, error) {
			return c.Users.CreateNatural(ctx, withNatural(func(r *CreateNaturalUserRequest) { r.ScaContext = "present" }))
		}, `ScaContext "present" is invalid`, nil},
		{"CreateLegal nil", func(c *Client) (any, error) { return c.Users.CreateLegal(ctx, nil) }, "Users.CreateLegal: nil *CreateLegalUserRequest", nil},
		{"CreateLegal no Name", func(c *Client) (any, error) {
			return c.Users.CreateLegal(ctx, withLegal(func(r *CreateLegalUserRequest) { r.Name = "" }))
		}, "Name is required", nil},
		{"CreateLegal no LegalPersonType", func(c *Client) (any, error) {
			return c.Users.CreateLegal(ctx, withLegal(func(r *CreateLegalUserRequest) { r.LegalPersonType = "" }))
		}, "LegalPersonType is required", nil},
		{"CreateLegal no representative", func(c *Client) (any, error) {
			return c.Users.CreateLegal(ctx, withLegal(func(r *CreateLegalUserRequest) { r.LegalRepresentative = nil }))
		}, "LegalRepresentative is required", nil},
		{"CreateLegal no representative LastName", func(c *Client) (any, error) {
			return c.Users.CreateLegal(ctx, withLegal(func(r *CreateLegalUserRequest) { r.LegalRepresentative.LastName = "" }))
		}, "LegalRepresentative.LastName is required", nil},
		{"CreateLegal no T&C", func(c *Client) (any, error) {
			return c.Users.CreateLegal(ctx, withLegal(func(r *CreateLegalUserRequest) { r.TermsAndConditionsAccepted = nil }))
		}, "TermsAndConditionsAccepted is required", nil},
		{"UpdateNatural nil", func(c *Client) (any, error) { return c.Users.UpdateNatural(ctx, "u1", nil) }, "nil *", nil},
		{"UpdateNatural no T&C", func(c *Client) (any, error) {
			return c.Users.UpdateNatural(ctx, "u1", &UpdateNaturalUserRequest{Tag: Ptr("x")})
		}, "TermsAndConditionsAccepted is required", nil},
		{"UpdateNatural bad ScaContext", func(c *Client) (any, error) {
			return c.Users.UpdateNatural(ctx, "u1", &UpdateNaturalUserRequest{TermsAndConditionsAccepted: tru, ScaContext: "NOBODY"})
		}, "is invalid: want", nil},
		{"UpdateNatural empty id", func(c *Client) (any, error) {
			return c.Users.UpdateNatural(ctx, "", &UpdateNaturalUserRequest{TermsAndConditionsAccepted: tru})
		}, "is empty", ErrInvalidID},
		{"UpdateLegal nil", func(c *Client) (any, error) { return c.Users.UpdateLegal(ctx, "u1", nil) }, "Users.UpdateLegal: nil *UpdateLegalUserRequest", nil},
		{"UpdateLegal id with slash", func(c *Client) (any, error) {
			return c.Users.UpdateLegal(ctx, "u1/../x", &UpdateLegalUserRequest{TermsAndConditionsAccepted: tru})
		}, "contains '/'", ErrInvalidID},
		{"CategorizeNatural nil", func(c *Client) (any, error) { return c.Users.CategorizeNatural(ctx, "u1", nil) }, "nil *", nil},
		{"CategorizeNatural no T&C", func(c *Client) (any, error) {
			return c.Users.CategorizeNatural(ctx, "u1", &CategorizeNaturalUserRequest{})
		}, "TermsAndConditionsAccepted is required", nil},
		{"CategorizeLegal bad ScaContext", func(c *Client) (any, error) {
			return c.Users.CategorizeLegal(ctx, "u1", &CategorizeLegalUserRequest{TermsAndConditionsAccepted: tru, ScaContext: "x"})
		}, "is invalid: want", nil},
		{"CategorizeLegal dot-dot id", func(c *Client) (any, error) {
			return c.Users.CategorizeLegal(ctx, "..", &CategorizeLegalUserRequest{TermsAndConditionsAccepted: tru})
		}, "dot segment", ErrInvalidID},
		{"Enroll empty id", func(c *Client) (any, error) { return c.Users.Enroll(ctx, "") }, "is empty", ErrInvalidID},
		{"ManageConsent id with query", func(c *Client) (any, error) { return c.Users.ManageConsent(ctx, "u1?x=1") }, "'?'", ErrInvalidID},
		{"Get empty id", func(c *Client) (any, error) { return c.Users.Get(ctx, "") }, "is empty", ErrInvalidID},
		{"GetNatural id with hash", func(c *Client) (any, error) { return c.Users.GetNatural(ctx, "u#1") }, "'#'", ErrInvalidID},
		{"ScaStatus empty id", func(c *Client) (any, error) { return c.Users.ScaStatus(ctx, "") }, "is empty", ErrInvalidID},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t)
			got, err := tc.call(env.c)
			require.Error(t, err)
			assert.Nil(t, got)
			assert.Contains(t, err.Error(), tc.want)
			if tc.is != nil {
				assert.ErrorIs(t, err, tc.is)
			}
			assert.Zero(t, env.mt.GetTotalCallCount(), "no network call, not even for a token")
		})
	}
}

func TestUsersUnknownEnumsRoundTrip(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	body := editJSON(t, userFixture(t, "create-legal-payer.response.json"), func(m map[string]any) {
		m["UserCategory"] = "SUPER_OWNER"
		m["UserStatus"] = "FROZEN"
		m["KYCLevel"] = "ULTRA"
		m["LegalPersonType"] = "COOPERATIVE"
	})
	userCall(env, http.MethodGet, "/sca/users/legal/L1", 200, body)
	userCall(env, http.MethodGet, "/sca/users/L1", 200, body)
	userCall(env, http.MethodGet, "/sca/users/L1/sca-status", 200,
		[]byte(`{"UserStatus":"DORMANT","IsEnrolled":false,"ConsentScope":{"Transfer":"REVOKED_BY_BANK","ViewAccountInformation":"ACTIVE"}}`))

	l, err := env.c.Users.GetLegal(context.Background(), "L1")
	require.NoError(t, err)
	assert.Equal(t, UserCategory("SUPER_OWNER"), l.UserCategory)
	assert.Equal(t, UserStatus("FROZEN"), l.UserStatus)
	assert.Equal(t, KYCLevel("ULTRA"), l.KYCLevel)
	assert.Equal(t, LegalPersonType("COOPERATIVE"), l.LegalPersonType)

	out, err := json.Marshal(l)
	require.NoError(t, err)
	var back LegalUser
	require.NoError(t, json.Unmarshal(out, &back))
	assert.Equal(t, *l, back)
	for _, v := range []string{`"SUPER_OWNER"`, `"FROZEN"`, `"ULTRA"`, `"COOPERATIVE"`} {
		assert.Contains(t, string(out), v)
	}

	u, err := env.c.Users.Get(context.Background(), "L1")
	require.NoError(t, err)
	assert.Equal(t, UserCategory("SUPER_OWNER"), u.UserCategory)
	lu, ok := u.Legal()
	require.True(t, ok)
	assert.Equal(t, l, lu)

	st, err := env.c.Users.ScaStatus(context.Background(), "L1")
	require.NoError(t, err)
	assert.Equal(t, UserStatus("DORMANT"), st.UserStatus)
	assert.Equal(t, ConsentStatus("REVOKED_BY_BANK"), st.ConsentScope.Transfer)
	assert.Equal(t, ConsentStatusActive, st.ConsentScope.ViewAccountInformation)
	assert.Empty(t, st.ConsentScope.RecipientRegistration, "absent scope")
	assert.True(t, st.LastEnrollmentDate.IsZero())
	out, err = json.Marshal(st)
	require.NoError(t, err)
	var stBack ScaStatus
	require.NoError(t, json.Unmarshal(out, &stBack))
	assert.Equal(t, *st, stBack)
}

func TestUsersDocumentedResponsesDecode(t *testing.T) {
	t.Parallel()
	// Every documented response decodes strictly into its model: no field of
	// the example is left without a Go field.
	cases := []struct {
		file string
		into any
	}{
		{"create-natural-owner.response.json", &NaturalUser{}},
		{"create-natural-payer.response.json", &NaturalUser{}},
		{"categorize-natural.response.json", &NaturalUser{}},
		{"get-natural-owner-pending.response.json", &NaturalUser{}},
		{"create-legal-payer.response.json", &LegalUser{}},
		{"enroll.response.json", &ScaEnrollment{}},
		{"consent.response.json", &ScaEnrollment{}},
		{"sca-status.response.json", &ScaStatus{}},
	}
	for _, tc := range cases {
		dec := json.NewDecoder(strings.NewReader(string(userFixture(t, tc.file))))
		dec.DisallowUnknownFields()
		assert.NoError(t, dec.Decode(tc.into), tc.file)
	}
}

func TestUsersRetryKeepsIdempotencyKeyWithoutBody(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var keys []string
	var bodies []int64
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/sca/users/u1/enrollment", func(r *http.Request) (*http.Response, error) {
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		bodies = append(bodies, r.ContentLength)
		if len(keys) == 1 {
			return httpmock.NewStringResponse(503, ""), nil
		}
		return httpmock.NewBytesResponse(200, userFixture(t, "enroll.response.json")), nil
	})
	_, err := env.c.Users.Enroll(context.Background(), "u1")
	assertScaFromBody(t, err, http.MethodPost, "/sca/users/u1/enrollment", docEnroll)
	require.Len(t, keys, 2)
	assert.Equal(t, keys[0], keys[1], "the same key on the retry")
	assert.True(t, validKey(keys[0]))
	assert.Equal(t, []int64{0, 0}, bodies)
}

func TestUserJSON(t *testing.T) {
	t.Parallel()
	var u User
	require.NoError(t, json.Unmarshal(userFixture(t, "create-legal-payer.response.json"), &u))
	l, ok := u.Legal()
	require.True(t, ok)
	l.Tag = "changed through Legal()"
	out, err := json.Marshal(u)
	require.NoError(t, err)
	var back LegalUser
	require.NoError(t, json.Unmarshal(out, &back))
	assert.Equal(t, *l, back, "marshals the typed value, with its changes")

	var n User
	require.NoError(t, json.Unmarshal(userFixture(t, "get-natural-owner-pending.response.json"), &n))
	out, err = json.Marshal(&n)
	require.NoError(t, err)
	assert.Contains(t, string(out), `"FirstName":"Ruby"`)

	built := User{ID: "u1", PersonType: PersonTypeNatural, UserCategory: UserCategoryPayer}
	out, err = json.Marshal(built)
	require.NoError(t, err)
	assert.JSONEq(t, `{"Id":"u1","PersonType":"NATURAL","UserCategory":"PAYER","UserStatus":"","Email":"","KYCLevel":"","Tag":"","CreationDate":null}`, string(out))
	bn, ok := built.Natural()
	require.True(t, ok, "a User built in Go as a test double says Natural (issue 17)")
	assert.Equal(t, &NaturalUser{ID: "u1", PersonType: PersonTypeNatural, UserCategory: UserCategoryPayer}, bn)
	assert.Nil(t, built.Raw())

	var nilUser *User
	_, ok = nilUser.Natural()
	assert.False(t, ok)
	_, ok = nilUser.Legal()
	assert.False(t, ok)
	assert.Nil(t, nilUser.Raw())
	assert.Empty(t, nilUser.pendingRedirect())

	for _, bad := range []string{`[]`, `{"PersonType":"NATURAL","Birthday":"soon"}`, `{"PersonType":"LEGAL","LegalRepresentative":"x"}`} {
		var u User
		assert.Error(t, json.Unmarshal([]byte(bad), &u), bad)
	}
}

func TestUsersEnumValues(t *testing.T) {
	t.Parallel()
	// The typed constants carry exactly the documented wire values.
	for _, c := range [][2]string{
		{string(UserCategoryPayer), "PAYER"}, {string(UserCategoryOwner), "OWNER"}, {string(UserCategoryPlatform), "PLATFORM"},
		{string(UserStatusPendingUserAction), "PENDING_USER_ACTION"}, {string(UserStatusActive), "ACTIVE"}, {string(UserStatusClosed), "CLOSED"},
		{string(PersonTypeNatural), "NATURAL"}, {string(PersonTypeLegal), "LEGAL"},
		{string(LegalPersonTypeBusiness), "BUSINESS"}, {string(LegalPersonTypePartnership), "PARTNERSHIP"},
		{string(LegalPersonTypeOrganization), "ORGANIZATION"}, {string(LegalPersonTypeSoletrader), "SOLETRADER"},
		{string(KYCLevelLight), "LIGHT"}, {string(KYCLevelRegular), "REGULAR"},
		{string(ConsentStatusActive), "ACTIVE"}, {string(ConsentStatusInactive), "INACTIVE"},
		{string(ScaUserPresent), "USER_PRESENT"}, {string(ScaUserNotPresent), "USER_NOT_PRESENT"},
		{string(ControlStatusValidated), "VALIDATED"}, {string(ControlStatusFailed), "FAILED"},
	} {
		assert.Equal(t, c[1], c[0])
	}

	// PLATFORM is response-only: it decodes to its constant through Get.
	env := newTestClient(t)
	body := editJSON(t, userFixture(t, "get-natural-owner-pending.response.json"), func(m map[string]any) {
		m["UserCategory"] = "PLATFORM"
		m["UserStatus"] = "CLOSED"
		m["KYCLevel"] = "REGULAR"
	})
	userCall(env, http.MethodGet, "/sca/users/"+docUserID, 200, body)
	u, err := env.c.Users.Get(context.Background(), docUserID)
	require.NoError(t, err)
	assert.Equal(t, UserCategoryPlatform, u.UserCategory)
	assert.Equal(t, UserStatusClosed, u.UserStatus)
	n, ok := u.Natural()
	require.True(t, ok)
	assert.Equal(t, UserCategoryPlatform, n.UserCategory)
	assert.Equal(t, KYCLevelRegular, n.KYCLevel)
}

func TestUsersScaContextInEveryBody(t *testing.T) {
	t.Parallel()
	// ScaContext is a body field of create, update and categorize (never a
	// query parameter), sent exactly as given.
	ctx := context.Background()
	tru := Ptr(true)
	cases := []struct {
		name, method, path string
		call               func(c *Client) error
	}{
		{"CreateNatural", http.MethodPost, "/sca/users/natural", func(c *Client) error {
			in := docNaturalOwnerRequest()
			in.ScaContext = ScaUserNotPresent
			_, err := c.Users.CreateNatural(ctx, in)
			return err
		}},
		{"CreateLegal", http.MethodPost, "/sca/users/legal", func(c *Client) error {
			in := docLegalOwnerRequest()
			in.ScaContext = ScaUserNotPresent
			_, err := c.Users.CreateLegal(ctx, in)
			return err
		}},
		{"UpdateNatural", http.MethodPut, "/sca/users/natural/u1", func(c *Client) error {
			_, err := c.Users.UpdateNatural(ctx, "u1", &UpdateNaturalUserRequest{TermsAndConditionsAccepted: tru, ScaContext: ScaUserNotPresent})
			return err
		}},
		{"UpdateLegal", http.MethodPut, "/sca/users/legal/u1", func(c *Client) error {
			_, err := c.Users.UpdateLegal(ctx, "u1", &UpdateLegalUserRequest{TermsAndConditionsAccepted: tru, ScaContext: ScaUserNotPresent})
			return err
		}},
		{"CategorizeNatural", http.MethodPut, "/sca/users/natural/u1/category", func(c *Client) error {
			_, err := c.Users.CategorizeNatural(ctx, "u1", &CategorizeNaturalUserRequest{TermsAndConditionsAccepted: tru, ScaContext: ScaUserNotPresent})
			return err
		}},
		{"CategorizeLegal", http.MethodPut, "/sca/users/legal/u1/category", func(c *Client) error {
			_, err := c.Users.CategorizeLegal(ctx, "u1", &CategorizeLegalUserRequest{TermsAndConditionsAccepted: tru, ScaContext: ScaUserNotPresent})
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t)
			cp := userCall(env, tc.method, tc.path, 200, userFixture(t, "create-natural-payer.response.json"))
			require.NoError(t, tc.call(env.c))
			require.Len(t, cp.reqs, 1)
			r, body := cp.last(t)
			assert.Empty(t, r.URL.RawQuery)
			var sent map[string]any
			require.NoError(t, json.Unmarshal(body, &sent))
			assert.Equal(t, "USER_NOT_PRESENT", sent["ScaContext"])
			assert.Equal(t, true, sent["TermsAndConditionsAccepted"])
		})
	}
}
