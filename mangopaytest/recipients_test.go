package mangopaytest_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scaforge/mangopay/mangopaytest"
)

// recipientBody is the documented EUR local individual PAYOUT example.
func recipientBody(t *testing.T) map[string]any {
	t.Helper()
	return decodeAny(t, fixture(t, "recipients/create-eur-local-individual.request.json")).(map[string]any)
}

func TestCreatePayoutRecipientNeedsSca(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	owner := a.activeOwner("Olga")
	r := a.call(http.MethodPost, "/users/"+owner+"/recipients", recipientBody(t))
	require.Equal(t, http.StatusCreated, r.status, string(r.body))
	rec := r.json(t)
	assert.Regexp(t, `^rec_`, rec["Id"])
	assert.Equal(t, "PENDING", rec["Status"])
	assert.Equal(t, owner, rec["UserId"])
	assert.Equal(t, "PAYOUT", rec["RecipientScope"])
	assert.Equal(t, "John Doe EUR DE account", rec["DisplayName"])
	assert.Equal(t, "LocalBankTransfer", rec["PayoutMethodType"])
	eur := rec["LocalBankTransfer"].(map[string]any)["EUR"].(map[string]any)
	assert.Equal(t, "DE75512108001245126199", eur["IBAN"])
	assert.NotEmpty(t, eur["BIC"], "Mangopay fills the BIC")
	ind := rec["IndividualRecipient"].(map[string]any)
	assert.Equal(t, "John", ind["FirstName"])
	assert.Equal(t, "Berlin", ind["Address"].(map[string]any)["City"])
	assert.NotContains(t, rec, "BusinessRecipient")
	assert.Equal(t, "MATCH", rec["RecipientVerificationOfPayee"].(map[string]any)["RecipientVerificationCheck"])
	link := linkOf(rec)
	require.Regexp(t, linkRE, link)
	id := rec["Id"].(string)

	assert.Equal(t, link, linkOf(a.ok(a.get("/recipients/"+id))))
	require.NoError(t, a.srv.CompleteSca(link, mangopaytest.Validated))
	got := a.ok(a.get("/recipients/" + id))
	assert.Equal(t, "ACTIVE", got["Status"])
	assert.Nil(t, got["PendingUserAction"])
	assert.Equal(t, []string{"RECIPIENT_ACTIVE"}, eventTypes(a.srv, id))

	// Failure and expiry cancel.
	failed := a.ok(a.call(http.MethodPost, "/users/"+owner+"/recipients", recipientBody(t)))
	require.NoError(t, a.srv.CompleteSca(linkOf(failed), mangopaytest.Failed))
	assert.Equal(t, "CANCELED", a.ok(a.get("/recipients/" + failed["Id"].(string)))["Status"])
	assert.Equal(t, []string{"RECIPIENT_CANCELED"}, eventTypes(a.srv, failed["Id"].(string)))
	expired := a.ok(a.call(http.MethodPost, "/users/"+owner+"/recipients", recipientBody(t)))
	a.srv.Advance(mangopaytest.SessionLifetime)
	assert.Equal(t, []string{"RECIPIENT_CANCELED"}, eventTypes(a.srv, expired["Id"].(string)))
}

func TestRecipientScopesAndUsers(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	payer := a.createPayer("Paula")
	errs := assertError(t, a.call(http.MethodPost, "/users/"+payer+"/recipients", recipientBody(t)), http.StatusBadRequest, "param_error")
	assert.Contains(t, errs, "SCA")
	assert.NotContains(t, a.call(http.MethodPost, "/users/"+payer+"/recipients", recipientBody(t)).json(t), "errors", "the recipients' key is Errors")

	payin := recipientBody(t)
	payin["RecipientScope"] = "PAYIN"
	rec := a.ok(a.call(http.MethodPost, "/users/"+payer+"/recipients", payin))
	assert.Equal(t, "PENDING", rec["Status"], "creation is asynchronous")
	assert.Nil(t, rec["PendingUserAction"], "PAYIN needs no SCA")
	assert.Equal(t, "ACTIVE", a.ok(a.get("/recipients/" + rec["Id"].(string)))["Status"])

	// A legal OWNER of any type (here BUSINESS) needs SCA too.
	biz := a.businessOwner()
	rec = a.ok(a.call(http.MethodPost, "/users/"+biz+"/recipients", recipientBody(t)))
	require.NotEmpty(t, linkOf(rec), "PAYOUT recipients always need SCA")
	require.NoError(t, a.srv.CompleteSca(linkOf(rec), mangopaytest.Validated))
	assert.Equal(t, "ACTIVE", a.ok(a.get("/recipients/" + rec["Id"].(string)))["Status"])

	errs = assertError(t, a.call(http.MethodPost, "/users/user_m_missing/recipients", recipientBody(t)), http.StatusBadRequest, "param_error")
	assert.Equal(t, "USER_NOT_FOUND", errs["UserId"])
}

func TestRecipientUserNotPresent(t *testing.T) {
	t.Parallel()
	a := newAPI(t, mangopaytest.WithProxyManagement())
	owner := a.activeOwner("Olga")
	body := recipientBody(t)
	body["ScaContext"] = "USER_NOT_PRESENT"
	assertError(t, a.call(http.MethodPost, "/users/"+owner+"/recipients", body), http.StatusForbidden, "sca_proxy_missing")
	require.NoError(t, a.srv.CompleteSca(linkOf(a.ok(a.call(http.MethodPost, "/sca/users/"+owner+"/consent", nil))), mangopaytest.Validated))
	rec := a.ok(a.call(http.MethodPost, "/users/"+owner+"/recipients", body))
	assert.Nil(t, rec["PendingUserAction"])
	assert.Equal(t, "ACTIVE", a.ok(a.get("/recipients/" + rec["Id"].(string)))["Status"])
}

func TestRecipientValidation(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	owner := a.activeOwner("Olga")
	r := a.call(http.MethodPost, "/users/"+owner+"/recipients/validate", recipientBody(t))
	assert.Equal(t, http.StatusOK, r.status)
	assert.Empty(t, r.body, "200 with no body when valid")
	assert.Empty(t, a.get("/users/"+owner+"/recipients").list(t), "Validate creates nothing")

	cases := map[string]struct {
		edit  func(map[string]any)
		field string
		code  string
	}{
		"display name":   {func(b map[string]any) { delete(b, "DisplayName") }, "DisplayName", "REQUIRED"},
		"display chars":  {func(b map[string]any) { b["DisplayName"] = "John & Jane" }, "DisplayName", "INVALID_FORMAT. Regex validation: ^[^&,'/]+$"},
		"display length": {func(b map[string]any) { b["DisplayName"] = string(make([]byte, 51)) }, "DisplayName", "LENGTH_MORE_THAN_MAX"},
		"currency":       {func(b map[string]any) { b["Currency"] = "XXX" }, "Currency", "UNSUPPORTED_CURRENCY"},
		"type":           {func(b map[string]any) { b["RecipientType"] = "Robot" }, "RecipientType", "NOT_IN_ALLOWED_VALUES"},
		"method case":    {func(b map[string]any) { b["PayoutMethodType"] = "LOCAL_BANK_TRANSFER" }, "PayoutMethodType", "NOT_IN_ALLOWED_VALUES"},
		"iban checksum": {func(b map[string]any) {
			b["LocalBankTransfer"].(map[string]any)["EUR"].(map[string]any)["IBAN"] = "DE75512108001245126198"
		}, "LocalBankTransfer.EUR.IBAN", "INVALID_IBAN"},
		"iban missing":  {func(b map[string]any) { b["LocalBankTransfer"] = map[string]any{"EUR": map[string]any{}} }, "LocalBankTransfer.EUR.IBAN", "REQUIRED"},
		"name chars":    {func(b map[string]any) { b["IndividualRecipient"].(map[string]any)["FirstName"] = "J.R." }, "IndividualRecipient.FirstName", "INVALID_FORMAT. Regex validation: ^[^()&,.:_/]+$"},
		"party missing": {func(b map[string]any) { delete(b, "IndividualRecipient") }, "IndividualRecipient", "REQUIRED"},
		"address city": {func(b map[string]any) {
			delete(b["IndividualRecipient"].(map[string]any)["Address"].(map[string]any), "City")
		}, "IndividualRecipient.Address.City", "REQUIRED"},
		"no local JPY": {func(b map[string]any) {
			b["Currency"] = "JPY"
			b["Country"] = "JP"
		}, "PayoutMethodType", "UNSUPPORTED_PAYOUT_METHOD_FOR_CURRENCY"},
		"gbp sort code": {func(b map[string]any) {
			b["Currency"], b["Country"] = "GBP", "GB"
			b["LocalBankTransfer"] = map[string]any{"GBP": map[string]any{"AccountNumber": "11696419", "SortCode": "01020X"}}
		}, "LocalBankTransfer.GBP.SortCode", `INVALID_FORMAT. Regex validation: ^\d{6}$`}, // API release note 2026-05-19
		"gbp account number": {func(b map[string]any) {
			b["Currency"], b["Country"] = "GBP", "GB"
			b["LocalBankTransfer"] = map[string]any{"GBP": map[string]any{"AccountNumber": "1169641X", "SortCode": "010203"}}
		}, "LocalBankTransfer.GBP.AccountNumber", `INVALID_FORMAT. Regex validation: ^\d{8}$`}, // API release note 2026-05-19
		"international bic": {func(b map[string]any) {
			b["PayoutMethodType"] = "InternationalBankTransfer"
			delete(b, "LocalBankTransfer")
			b["InternationalBankTransfer"] = map[string]any{"AccountNumber": "123456789", "BIC": "nope1234"}
		}, "InternationalBankTransfer.BIC", "INVALID_BIC"},
		"scope": {func(b map[string]any) { b["RecipientScope"] = "BOTH" }, "RecipientScope", "NOT_IN_ALLOWED_VALUES"},
	}
	for name, c := range cases {
		b := recipientBody(t)
		c.edit(b)
		for _, path := range []string{"/recipients/validate", "/recipients"} {
			r := a.call(http.MethodPost, "/users/"+owner+path, b)
			require.Equal(t, http.StatusBadRequest, r.status, "%s %s: %s", name, path, r.body)
			m := r.json(t)
			assert.Equal(t, "param_error", m["Type"], name)
			assert.Equal(t, c.code, m["Errors"].(map[string]any)[c.field], "%s: %s", name, r.body)
		}
	}

	// Other valid shapes.
	gbp := recipientBody(t)
	gbp["Currency"], gbp["Country"], gbp["RecipientType"] = "GBP", "GB", "Business"
	delete(gbp, "IndividualRecipient")
	gbp["BusinessRecipient"] = map[string]any{"BusinessName": "Acme Ltd", "Address": map[string]any{"AddressLine1": "1 High St", "City": "London", "PostalCode": "EC1A 1BB", "Country": "GB"}}
	gbp["LocalBankTransfer"] = map[string]any{"GBP": map[string]any{"AccountNumber": "11696419", "SortCode": "010203"}}
	rec := a.ok(a.call(http.MethodPost, "/users/"+owner+"/recipients", gbp))
	assert.Equal(t, "Acme Ltd", rec["BusinessRecipient"].(map[string]any)["BusinessName"])
	assert.NotContains(t, rec, "IndividualRecipient")
	assert.Equal(t, map[string]any{"AccountNumber": "11696419", "SortCode": "010203"}, rec["LocalBankTransfer"].(map[string]any)["GBP"])

	intl := recipientBody(t)
	intl["PayoutMethodType"] = "InternationalBankTransfer"
	delete(intl, "LocalBankTransfer")
	intl["InternationalBankTransfer"] = map[string]any{"AccountNumber": "DE75512108001245126199"}
	rec = a.ok(a.call(http.MethodPost, "/users/"+owner+"/recipients", intl))
	assert.NotEmpty(t, rec["InternationalBankTransfer"].(map[string]any)["BIC"], "derived from the IBAN")
}

func TestListAndDeactivateRecipients(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	owner := a.activeOwner("Olga")
	pending := a.ok(a.call(http.MethodPost, "/users/"+owner+"/recipients", recipientBody(t)))
	active := a.ok(a.call(http.MethodPost, "/users/"+owner+"/recipients", recipientBody(t)))
	require.NoError(t, a.srv.CompleteSca(linkOf(active), mangopaytest.Validated))
	payin := recipientBody(t)
	payin["RecipientScope"] = "PAYIN"
	pin := a.ok(a.call(http.MethodPost, "/users/"+owner+"/recipients", payin))

	// api-reference/recipients/list-recipients-user (API release note
	// 2026-05-11): PAYOUT only by default, ALL for both scopes, newest first
	// by default.
	l := a.get("/users/" + owner + "/recipients").list(t)
	require.Len(t, l, 2, "PAYOUT only by default")
	assert.ElementsMatch(t, []string{"Id", "CreationDate", "DisplayName", "PayoutMethodType", "RecipientType", "Currency", "Country", "UserId", "Status", "RecipientScope"}, keys(l[0]))
	assert.Equal(t, active["Id"], l[0]["Id"], "default sort CreationDate:DESC")
	assert.Equal(t, "ACTIVE", l[0]["Status"])
	assert.Equal(t, pending["Id"], l[1]["Id"])
	l = a.get("/users/" + owner + "/recipients?Sort=CreationDate:ASC").list(t)
	assert.Equal(t, pending["Id"], l[0]["Id"], "Sort=CreationDate:ASC is oldest first")
	var all []any
	for _, r := range a.get("/users/" + owner + "/recipients?RecipientScope=ALL").list(t) {
		all = append(all, r["Id"])
	}
	assert.Equal(t, []any{pin["Id"], active["Id"], pending["Id"]}, all, "ALL lists both scopes, newest first")
	l = a.get("/users/" + owner + "/recipients?RecipientScope=PAYIN").list(t)
	require.Len(t, l, 1)
	assert.Equal(t, pin["Id"], l[0]["Id"])
	assert.Len(t, a.get("/users/"+owner+"/recipients?recipientScope=PAYIN").list(t), 1, "query names are case-insensitive")
	assert.Len(t, a.get("/users/"+owner+"/recipients?per_page=1").list(t), 1)
	assertError(t, a.get("/users/"+owner+"/recipients?RecipientScope=BOTH"), http.StatusBadRequest, "param_error")

	r := a.call(http.MethodPut, "/recipients/"+pending["Id"].(string), map[string]any{"Status": "DEACTIVATED"})
	assertError(t, r, http.StatusBadRequest, "other")
	assert.Equal(t, "Invalid State", r.json(t)["Message"])
	errs := assertError(t, a.call(http.MethodPut, "/recipients/"+active["Id"].(string), map[string]any{"Status": "ACTIVE"}), http.StatusBadRequest, "param_error")
	assert.Equal(t, "NOT_IN_ALLOWED_VALUES", errs["Status"])

	d := a.ok(a.call(http.MethodPut, "/recipients/"+active["Id"].(string), map[string]any{"Status": "DEACTIVATED"}))
	assert.Equal(t, "DEACTIVATED", d["Status"])
	assert.Equal(t, []string{"RECIPIENT_ACTIVE", "RECIPIENT_DEACTIVATED"}, eventTypes(a.srv, active["Id"].(string)))
	assertError(t, a.call(http.MethodPut, "/recipients/"+active["Id"].(string), map[string]any{"Status": "DEACTIVATED"}), http.StatusBadRequest, "other")
	r = a.get("/recipients/rec_missing")
	assertError(t, r, http.StatusNotFound, "ressource_not_found")
	assert.Contains(t, r.json(t)["Errors"], "RessourceNotFound")
	// Listing an unknown user's recipients: a 404 in the recipients' shape too.
	r = a.get("/users/user_m_missing/recipients")
	assert.Contains(t, assertError(t, r, http.StatusNotFound, "ressource_not_found")["RessourceNotFound"], "id=user_m_missing")
}

func TestPayoutMethodsAndSchema(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	m := a.ok(a.get("/recipients/payout-methods?Country=DE&Currency=EUR"))
	assert.Equal(t, []any{"LocalBankTransfer", "InternationalBankTransfer"}, m["AvailablePayoutMethods"])
	m = a.ok(a.get("/recipients/payout-methods?country=JP&currency=JPY"))
	assert.Equal(t, []any{"InternationalBankTransfer"}, m["AvailablePayoutMethods"])
	errs := assertError(t, a.get("/recipients/payout-methods?Country=DE&Currency=XXX"), http.StatusBadRequest, "param_error")
	assert.Equal(t, "UNSUPPORTED_CURRENCY", errs["Currency"])
	errs = assertError(t, a.get("/recipients/payout-methods"), http.StatusBadRequest, "param_error")
	assert.Equal(t, map[string]any{"Country": "REQUIRED", "Currency": "REQUIRED"}, errs)
	errs = assertError(t, a.get("/recipients/payout-methods?Country=Germany&Currency=EUR"), http.StatusBadRequest, "param_error")
	assert.Equal(t, "UNSUPPORTED_COUNTRY", errs["Country"])

	s := a.ok(a.get("/recipients/schema?PayoutMethodType=LocalBankTransfer&RecipientType=Individual&Currency=GBP&Country=GB"))
	for _, k := range []string{"DisplayName", "Currency", "Country", "RecipientType", "PayoutMethodType", "RecipientScope", "Tag", "IndividualRecipient", "LocalBankTransfer"} {
		assert.Contains(t, s, k)
	}
	sort := s["LocalBankTransfer"].(map[string]any)["GBP"].(map[string]any)["SortCode"].(map[string]any)
	assert.Equal(t, true, sort["Required"])
	assert.EqualValues(t, 6, sort["MaxLength"])
	assert.Equal(t, `^\d{6}$`, sort["Pattern"], "the pattern the INVALID_FORMAT errors name (API release note 2026-05-19)")
	assert.Equal(t, "Show", sort["EndUserDisplay"])
	assert.ElementsMatch(t, []string{"Required", "MaxLength", "MinLength", "Pattern", "Label", "EndUserDisplay", "AllowedValues"}, keys(sort))
	addr := s["IndividualRecipient"].(map[string]any)["Address"].(map[string]any)
	assert.Equal(t, true, addr["City"].(map[string]any)["Required"])
	assert.Equal(t, []any{"Individual", "Business"}, s["RecipientType"].(map[string]any)["AllowedValues"])

	s = a.ok(a.get("/recipients/schema?payoutMethodType=InternationalBankTransfer&recipientType=Business&currency=JPY&country=JP"))
	assert.Contains(t, s, "BusinessRecipient")
	assert.Contains(t, s["InternationalBankTransfer"], "BIC")

	errs = assertError(t, a.get("/recipients/schema?PayoutMethodType=LocalBankTransfer&RecipientType=Individual&Currency=JPY&Country=JP"), http.StatusBadRequest, "param_error")
	assert.Equal(t, "UNSUPPORTED_PAYOUT_METHOD_FOR_CURRENCY", errs["PayoutMethodType"])
	errs = assertError(t, a.get("/recipients/schema"), http.StatusBadRequest, "param_error")
	assert.Len(t, errs, 4)
}
