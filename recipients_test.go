package mangopay

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// eurPayoutRequest is example 23 (testdata/recipients/create-request.eur-local-individual-payout.json) in Go.
func eurPayoutRequest() *CreateRecipientRequest {
	return &CreateRecipientRequest{
		DisplayName:      "John Doe EUR DE account",
		PayoutMethodType: PayoutMethodLocalBankTransfer,
		RecipientType:    RecipientTypeIndividual,
		Currency:         "EUR",
		Country:          "DE",
		Tag:              "Created using the Mangopay API Postman collection",
		RecipientScope:   RecipientScopePayout,
		IndividualRecipient: &IndividualRecipient{
			FirstName: "John",
			LastName:  "Doe",
			Address: &Address{
				AddressLine1: "Oranienburger Str. 87",
				City:         "Berlin",
				PostalCode:   "10178",
				Country:      "DE",
			},
		},
		LocalBankTransfer: &LocalBankTransfer{EUR: &IBANAccount{IBAN: "DE75512108001245126199"}},
	}
}

// gbpDraft is a draft that satisfies schema-gbp-local-individual.json.
func gbpDraft() *CreateRecipientRequest {
	return &CreateRecipientRequest{
		DisplayName:      "Alex Smith GBP account",
		PayoutMethodType: PayoutMethodLocalBankTransfer,
		RecipientType:    RecipientTypeIndividual,
		Currency:         "GBP",
		Country:          "GB",
		IndividualRecipient: &IndividualRecipient{
			FirstName: "Alex",
			LastName:  "Smith",
			Address:   &Address{AddressLine1: "10 Kingsway", City: "London", PostalCode: "WC2B 6LH", Country: "GB"},
		},
		LocalBankTransfer: &LocalBankTransfer{GBP: &GBPAccount{SortCode: "200000", AccountNumber: "55779911"}},
	}
}

// loadSchema decodes the GBP schema fixture.
func loadSchema(t *testing.T) *RecipientSchema {
	t.Helper()
	var s RecipientSchema
	require.NoError(t, json.Unmarshal(fixture(t, "recipients/schema-gbp-local-individual.json"), &s))
	return &s
}

// assertNoCalls checks that nothing at all was sent (not even the token call).
func assertNoCalls(t *testing.T, env *testEnv) {
	t.Helper()
	assert.Zero(t, env.mt.GetTotalCallCount(), "a request was sent")
}

// problems returns the path/code pairs of a *RecipientCheckError.
func problems(t *testing.T, err error) []string {
	t.Helper()
	var ce *RecipientCheckError
	require.ErrorAs(t, err, &ce)
	out := make([]string, len(ce.Problems))
	for i, p := range ce.Problems {
		out[i] = p.Path + "=" + string(p.Code)
	}
	return out
}

func TestRecipientsPayoutMethods(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponderWithQuery(http.MethodGet, testAPI+"/recipients/payout-methods", "Country=GB&Currency=GBP",
		cp.wrap(jsonResponder(200, string(fixture(t, "recipients/payout-methods.gb-gbp.json")))))

	pm, err := env.c.Recipients.PayoutMethods(context.Background(), "GB", "GBP")
	require.NoError(t, err)
	assert.Equal(t, []PayoutMethodType{PayoutMethodLocalBankTransfer, PayoutMethodInternationalBankTransfer}, pm.AvailablePayoutMethods)
	assert.True(t, pm.Has(PayoutMethodInternationalBankTransfer))
	assert.False(t, pm.Has("Cheque"))
	assert.False(t, (*PayoutMethods)(nil).Has(PayoutMethodLocalBankTransfer))

	r, body := cp.last(t)
	assert.Equal(t, http.MethodGet, r.Method)
	assert.Equal(t, "/prefix/v2.01/"+testClientID+"/recipients/payout-methods", r.URL.Path)
	assert.Equal(t, url.Values{"Country": {"GB"}, "Currency": {"GBP"}}, r.URL.Query())
	assert.Empty(t, body)
	assertStdHeaders(t, r)
}

func TestRecipientsPayoutMethodsRejectsBadInput(t *testing.T) {
	t.Parallel()
	cases := []struct {
		country, currency string
		want              []string
	}{
		{"", "GBP", []string{"Country=REQUIRED"}},
		{"GB", "", []string{"Currency=REQUIRED"}},
		{"GBR", "GBP", []string{"Country=INVALID_FORMAT"}},
		{"G1", "GB", []string{"Country=INVALID_FORMAT", "Currency=INVALID_FORMAT"}},
		{"  ", "€UR", []string{"Country=REQUIRED", "Currency=INVALID_FORMAT"}},
	}
	for _, tc := range cases {
		env := newTestClient(t)
		pm, err := env.c.Recipients.PayoutMethods(context.Background(), tc.country, tc.currency)
		assert.Nil(t, pm)
		assert.Equal(t, tc.want, problems(t, err), "%q %q", tc.country, tc.currency)
		assert.Contains(t, err.Error(), "PayoutMethods")
		assertNoCalls(t, env)
	}
}

func TestRecipientsPayoutMethodsUnsupportedCurrency(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	env.mt.RegisterResponderWithQuery(http.MethodGet, testAPI+"/recipients/payout-methods", "Country=GB&Currency=XAU",
		jsonResponder(400, string(fixture(t, "recipients/error.payout-methods.400.unsupported-currency.json"))))

	pm, err := env.c.Recipients.PayoutMethods(context.Background(), "GB", "XAU")
	assert.Nil(t, pm)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 400, apiErr.StatusCode)
	assert.Equal(t, map[string]string{"Currency": "UNSUPPORTED_CURRENCY"}, apiErr.Errors, "the capital Errors key decodes")
	assert.Equal(t, map[string]RecipientErrorCode{"Currency": RecipientErrorUnsupportedCurrency}, RecipientErrors(err))
}

func TestRecipientsSchema(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponderWithQuery(http.MethodGet, testAPI+"/recipients/schema",
		"PayoutMethodType=LocalBankTransfer&RecipientType=Individual&Currency=GBP&Country=GB",
		cp.wrap(jsonResponder(200, string(fixture(t, "recipients/schema-gbp-local-individual.json")))))

	s, err := env.c.Recipients.Schema(context.Background(), &RecipientSchemaQuery{
		PayoutMethodType: PayoutMethodLocalBankTransfer, RecipientType: RecipientTypeIndividual, Currency: "GBP", Country: "GB",
	})
	require.NoError(t, err)
	r, _ := cp.last(t)
	assert.Equal(t, http.MethodGet, r.Method)
	assert.Equal(t, "/prefix/v2.01/"+testClientID+"/recipients/schema", r.URL.Path)
	assert.Equal(t, url.Values{"PayoutMethodType": {"LocalBankTransfer"}, "RecipientType": {"Individual"}, "Currency": {"GBP"}, "Country": {"GB"}}, r.URL.Query())
	assertStdHeaders(t, r)

	// Leaves in document order (SortCode before AccountNumber, as sent).
	var paths []string
	for _, f := range s.Fields() {
		paths = append(paths, f.Path)
	}
	assert.Equal(t, []string{
		"DisplayName", "Currency", "Country", "RecipientType", "PayoutMethodType", "Tag", "RecipientScope",
		"IndividualRecipient.FirstName", "IndividualRecipient.LastName",
		"IndividualRecipient.Address.AddressLine1", "IndividualRecipient.Address.AddressLine2",
		"IndividualRecipient.Address.City", "IndividualRecipient.Address.Region",
		"IndividualRecipient.Address.PostalCode", "IndividualRecipient.Address.Country",
		"LocalBankTransfer.GBP.SortCode", "LocalBankTransfer.GBP.AccountNumber",
	}, paths)

	// Every leaf attribute decodes.
	sc := s.Lookup("LocalBankTransfer.GBP.SortCode")
	require.NotNil(t, sc)
	assert.True(t, sc.IsLeaf())
	assert.Equal(t, "SortCode", sc.Name)
	assert.Equal(t, &SchemaField{Required: true, MaxLength: 6, MinLength: 6, Pattern: "^[0-9]{6}$", Label: "Sort Code", EndUserDisplay: EndUserDisplayShow}, sc.Field)
	assert.False(t, sc.Field.Hidden())
	cur := s.Lookup("Currency").Field
	assert.Equal(t, []string{"GBP"}, cur.AllowedValues)
	assert.True(t, cur.Hidden())
	assert.False(t, s.Lookup("Tag").Field.Required)
	assert.Nil(t, s.Lookup("DisplayName").Field.AllowedValues, "null AllowedValues")

	// Groups.
	addr := s.Lookup("IndividualRecipient.Address")
	require.NotNil(t, addr)
	assert.False(t, addr.IsLeaf())
	assert.Nil(t, addr.Field)
	assert.Len(t, addr.Children, 6)
	assert.Equal(t, "IndividualRecipient.Address.City", addr.Child("City").Path)
	assert.Nil(t, addr.Child("Nope"))
	assert.Nil(t, s.Lookup("LocalBankTransfer.EUR"))
	assert.Nil(t, s.Lookup(""))

	// Walk gives depths and can skip a group.
	var walked []string
	s.Walk(func(n *SchemaNode, depth int) bool {
		walked = append(walked, strings.Repeat(">", depth)+n.Name)
		return n.Name != "Address"
	})
	assert.Contains(t, walked, ">GBP")
	assert.Contains(t, walked, ">>SortCode")
	assert.Contains(t, walked, ">Address")
	assert.NotContains(t, walked, ">>City", "children of a group for which fn returned false are skipped")

	// The schema re-encodes to the same document.
	b, err := json.Marshal(s)
	require.NoError(t, err)
	assertJSONEq(t, withoutNulls(t, fixture(t, "recipients/schema-gbp-local-individual.json")), b)
	assert.Less(t, strings.Index(string(b), `"SortCode"`), strings.Index(string(b), `"AccountNumber"`), "document order is kept")
}

// withoutNulls re-encodes a JSON document without its null members (which
// the schema encodes as absent).
func withoutNulls(t *testing.T, b []byte) []byte {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(b, &v))
	var strip func(v any) any
	strip = func(v any) any {
		if m, ok := v.(map[string]any); ok {
			for k, x := range m {
				if x == nil {
					delete(m, k)
					continue
				}
				m[k] = strip(x)
			}
		}
		return v
	}
	out, err := json.Marshal(strip(v))
	require.NoError(t, err)
	return out
}

func TestRecipientsSchemaRejectsBadQuery(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	_, err := env.c.Recipients.Schema(context.Background(), nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nil")

	s, err := env.c.Recipients.Schema(context.Background(), &RecipientSchemaQuery{Currency: "GBPX", Country: "G"})
	assert.Nil(t, s)
	assert.Equal(t, []string{"PayoutMethodType=REQUIRED", "RecipientType=REQUIRED", "Currency=INVALID_FORMAT", "Country=INVALID_FORMAT"}, problems(t, err))
	assertNoCalls(t, env)
}

func TestRecipientSchemaCheckGoodDraft(t *testing.T) {
	t.Parallel()
	s := loadSchema(t)
	assert.NoError(t, s.Check(gbpDraft()))

	d := gbpDraft()
	d.RecipientScope = RecipientScopePayin
	d.Tag = "order 42 / refund"      // Tag has no forbidden characters
	d.ScaContext = ScaUserNotPresent // not described by the schema: not checked
	d.IndividualRecipient.FirstName = "Zoë"
	assert.NoError(t, s.Check(d))
}

func TestRecipientSchemaCheckBadDraft(t *testing.T) {
	t.Parallel()
	s := loadSchema(t)
	d := gbpDraft()
	d.DisplayName = "Alex & Sons"                          // forbidden '&' (the lookahead pattern)
	d.Currency = "EUR"                                     // not in AllowedValues
	d.RecipientScope = "BOTH"                              // not in AllowedValues
	d.IndividualRecipient.FirstName = ""                   // required
	d.IndividualRecipient.LastName = "Smith (Jr.)"         // forbidden characters
	d.IndividualRecipient.Address.City = ""                // required
	d.IndividualRecipient.Address.PostalCode = "WC2B_6LH"  // pattern
	d.LocalBankTransfer.GBP.SortCode = "20-00"             // too short and not digits
	d.LocalBankTransfer.GBP.AccountNumber = "557799110000" // too long and 12 digits
	err := s.Check(d)
	assert.Equal(t, []string{
		"DisplayName=INVALID_FORMAT",
		"Currency=NOT_IN_ALLOWED_VALUES",
		"RecipientScope=NOT_IN_ALLOWED_VALUES",
		"IndividualRecipient.FirstName=REQUIRED",
		"IndividualRecipient.LastName=INVALID_FORMAT",
		"IndividualRecipient.Address.City=REQUIRED",
		"IndividualRecipient.Address.PostalCode=INVALID_FORMAT",
		"LocalBankTransfer.GBP.SortCode=LENGTH_LESS_THAN_MIN",
		"LocalBankTransfer.GBP.SortCode=INVALID_FORMAT",
		"LocalBankTransfer.GBP.AccountNumber=LENGTH_MORE_THAN_MAX",
		"LocalBankTransfer.GBP.AccountNumber=INVALID_FORMAT",
	}, problems(t, err))
	var ce *RecipientCheckError
	require.ErrorAs(t, err, &ce)
	assert.True(t, ce.Has("LocalBankTransfer.GBP.SortCode", RecipientErrorInvalidFormat))
	assert.False(t, ce.Has("LocalBankTransfer.GBP.SortCode", RecipientErrorRequired))
	assert.Contains(t, err.Error(), "11 problems")
	assert.Contains(t, err.Error(), "LocalBankTransfer.GBP.SortCode: LENGTH_LESS_THAN_MIN (5 characters, at least 6)")
	assert.NotContains(t, err.Error(), "\n")
	// RecipientErrors gives the first code per path, like Mangopay's map.
	codes := RecipientErrors(err)
	assert.Equal(t, RecipientErrorLengthLessThanMin, codes["LocalBankTransfer.GBP.SortCode"])
	assert.Equal(t, RecipientErrorRequired, codes["IndividualRecipient.FirstName"])
	assert.Len(t, codes, 9)

	// A draft for the wrong currency misses the GBP account entirely.
	eur := eurPayoutRequest()
	got := problems(t, s.Check(eur))
	assert.Contains(t, got, "LocalBankTransfer.GBP.SortCode=REQUIRED")
	assert.Contains(t, got, "LocalBankTransfer.GBP.AccountNumber=REQUIRED")
	assert.Contains(t, got, "Country=NOT_IN_ALLOWED_VALUES")
}

func TestRecipientSchemaCheckUncompilablePattern(t *testing.T) {
	t.Parallel()
	var s RecipientSchema
	require.NoError(t, json.Unmarshal([]byte(`{
		"Reference": {"Required": false, "Pattern": "^(?=.*[0-9])[A-Z0-9]{8}$", "Label": "Reference"},
		"Code": {"Required": true, "Pattern": "^(a)\\1$"},
		"Plain": {"Required": true, "Pattern": "^[0-9]+$"}
	}`), &s))

	// Absent optional value: nothing to check, no problem.
	err := s.CheckMap(map[string]any{"Code": "aa", "Plain": "1"})
	assert.Equal(t, []string{"Code=PATTERN_UNSUPPORTED"}, problems(t, err))
	assert.Contains(t, err.Error(), "cannot be compiled")

	// Present values with unsupported patterns are reported, the rest still checked.
	err = s.CheckMap(map[string]any{"Reference": "AB12CD34", "Code": "aa", "Plain": "x"})
	assert.Equal(t, []string{"Reference=PATTERN_UNSUPPORTED", "Code=PATTERN_UNSUPPORTED", "Plain=INVALID_FORMAT"}, problems(t, err))

	// Patterns are compiled once per schema (the failures included).
	require.Error(t, s.CheckMap(map[string]any{"Reference": "X", "Code": "aa", "Plain": "1"}))
	n := 0
	s.patterns.Range(func(_, _ any) bool { n++; return true })
	assert.Equal(t, 3, n)
	v, ok := s.patterns.Load("^(a)\\1$")
	require.True(t, ok)
	assert.Error(t, v.(*schemaPattern).err)
}

func TestRecipientSchemaCheckConcurrent(t *testing.T) {
	t.Parallel()
	s := loadSchema(t)
	bad := gbpDraft()
	bad.LocalBankTransfer.GBP.SortCode = "x"
	var wg sync.WaitGroup
	errs := make([]error, 16)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				errs[i] = s.Check(gbpDraft())
			} else {
				errs[i] = s.Check(bad)
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if i%2 == 0 {
			assert.NoError(t, err)
		} else {
			assert.Equal(t, []string{"LocalBankTransfer.GBP.SortCode=LENGTH_LESS_THAN_MIN", "LocalBankTransfer.GBP.SortCode=INVALID_FORMAT"}, problems(t, err))
		}
	}

	// A draft that cannot be encoded is an error, not a panic.
	d := gbpDraft()
	d.LocalBankTransfer.Other = map[string]any{"GBP": map[string]string{}}
	assert.ErrorContains(t, s.Check(d), "set both")
}

func TestCompileSchemaPattern(t *testing.T) {
	t.Parallel()
	cases := []struct {
		pattern string
		match   []string
		noMatch []string
	}{
		{`^(?!.*[&,'/]).{1,50}$`, []string{"John Doe EUR DE account", "Zoë", strings.Repeat("a", 50)},
			[]string{"", "A&B", "a,b", "it's", "a/b", "a\nb", strings.Repeat("a", 51)}},
		{`^(?!.*[()&,.:_/]).{1,255}$`, []string{"Alex", "Mary-Jane O Neil"}, []string{"J. Smith", "a_b", "(x)", "a:b"}},
		{`^(?!.*[0-9]).*$`, []string{"", "abc"}, []string{"a1"}},
		{`^(?!.*[0-9]).+$`, []string{"abc"}, []string{"", "a1"}},
		{`^[0-9]{6}$`, []string{"200000"}, []string{"20000", "2000000", "abcdef"}},
	}
	for _, tc := range cases {
		re, err := compileSchemaPattern(tc.pattern)
		require.NoError(t, err, tc.pattern)
		for _, s := range tc.match {
			assert.True(t, re.MatchString(s), "%s should match %q", tc.pattern, s)
		}
		for _, s := range tc.noMatch {
			assert.False(t, re.MatchString(s), "%s should not match %q", tc.pattern, s)
		}
	}
	for _, p := range []string{`^(?!abc).*$`, `^(?!.*[^a-z]).*$`, `^(?=.*[0-9]).{8}$`, `(a)\1`, `^(?!.*[a]).{1,2000}$`, `^(?<!x)y$`} {
		_, err := compileSchemaPattern(p)
		assert.Error(t, err, p)
	}
}

func TestRecipientSchemaCheckMap(t *testing.T) {
	t.Parallel()
	var s RecipientSchema
	require.NoError(t, json.Unmarshal([]byte(`{
		"Amount": {"Required": true, "Pattern": "^[0-9]+$", "MaxLength": 4},
		"Flag": {"Required": true, "AllowedValues": ["true"]},
		"Holder": {
			"Name": {"Required": true, "MinLength": 2},
			"Address": {"Required": false, "Line": {"Required": true}}
		}
	}`), &s))

	// Numbers and booleans are checked in their text form; keys match case-insensitively.
	assert.NoError(t, s.CheckMap(map[string]any{"amount": json.Number("42"), "Flag": true, "holder": map[string]any{"name": "Al"}}))
	assert.NoError(t, s.CheckMap(map[string]any{"Amount": 42.0, "Flag": true, "Holder": map[string]any{"Name": "Al"}}))
	assert.NoError(t, s.CheckMap(map[string]any{"Amount": 7, "Flag": "true", "Holder": map[string]any{"Name": "Al", "Address": map[string]any{"Line": "x"}}}))

	err := s.CheckMap(map[string]any{
		"Amount": 12345.5, "Flag": false,
		"Holder": map[string]any{"Name": []any{"A"}, "Address": map[string]any{"Line": ""}},
	})
	assert.Equal(t, []string{
		"Amount=LENGTH_MORE_THAN_MAX", "Amount=INVALID_FORMAT", "Flag=NOT_IN_ALLOWED_VALUES",
		"Holder.Name=INVALID_FORMAT", "Holder.Address.Line=REQUIRED",
	}, problems(t, err))

	// A group given as a scalar, and a nil draft.
	assert.Equal(t, []string{"Holder=INVALID_FORMAT"}, problems(t, s.CheckMap(map[string]any{"Amount": "1", "Flag": "true", "Holder": "Al"})))
	assert.Equal(t, []string{"Amount=REQUIRED", "Flag=REQUIRED", "Holder.Name=REQUIRED"}, problems(t, s.CheckMap(nil)))

	var nilSchema *RecipientSchema
	assert.Error(t, nilSchema.CheckMap(nil))
	assert.Error(t, s.Check(nil))
	nilSchema.Walk(func(*SchemaNode, int) bool { t.Fatal("walked a nil schema"); return true })
}

func TestRecipientSchemaGroupWithOwnConstraints(t *testing.T) {
	t.Parallel()
	var s RecipientSchema
	require.NoError(t, json.Unmarshal([]byte(`{
		"Address": {"Required": true, "Label": "Address", "City": {"Required": true}},
		"Bank": {"Required": false, "Name": {"Required": true}}
	}`), &s))
	addr := s.Lookup("Address")
	require.NotNil(t, addr)
	assert.False(t, addr.IsLeaf())
	assert.Equal(t, &SchemaField{Required: true, Label: "Address"}, addr.Field)
	assert.Equal(t, []string{"Address.City", "Bank.Name"}, paths(s.Fields()))

	assert.Equal(t, []string{"Address=REQUIRED"}, problems(t, s.CheckMap(map[string]any{})), "absent optional group is fine, absent required group is one problem")
	assert.Equal(t, []string{"Address.City=REQUIRED", "Bank.Name=REQUIRED"}, problems(t, s.CheckMap(map[string]any{"Address": map[string]any{"Zip": "1"}, "Bank": map[string]any{"Name": ""}})))

	b, err := json.Marshal(&s)
	require.NoError(t, err)
	assert.JSONEq(t, `{"Address":{"Required":true,"Label":"Address","City":{"Required":true}},"Bank":{"Required":false,"Name":{"Required":true}}}`, string(b))
}

func paths(nodes []*SchemaNode) []string {
	out := make([]string, len(nodes))
	for i, n := range nodes {
		out[i] = n.Path
	}
	return out
}

func TestRecipientSchemaDecodeEdgeCases(t *testing.T) {
	t.Parallel()
	var s RecipientSchema
	require.NoError(t, json.Unmarshal([]byte(`{
		"A": {"Required": true},
		"Gone": null,
		"G": {"X": {"Label": "first"}, "Y": {"Label": "y"}, "X": {"Label": "second"}, "Z": null},
		"Empty": {},
		"Nulls": {"Pattern": null, "Required": null},
		"Extra": {"Required": true, "Description": "not a documented attribute"}
	}`), &s))
	assert.Equal(t, []string{"A", "G.X", "G.Y", "Nulls", "Extra"}, paths(s.Fields()))
	assert.Equal(t, "second", s.Lookup("G.X").Field.Label, "a repeated key replaces the earlier one in place")
	assert.Nil(t, s.Lookup("Gone"))
	empty := s.Lookup("Empty")
	require.NotNil(t, empty)
	assert.False(t, empty.IsLeaf())
	assert.Equal(t, &SchemaField{}, s.Lookup("Nulls").Field)

	var n RecipientSchema
	require.NoError(t, json.Unmarshal([]byte(`null`), &n))
	assert.Empty(t, n.Nodes)

	for name, in := range map[string]string{
		"array":        `[]`,
		"single field": `{"Required": true, "Pattern": "x"}`,
		"bad type":     `{"LocalBankTransfer": {"GBP": {"SortCode": {"Required": "yes"}}}}`,
		"bad values":   `{"A": {"AllowedValues": [1, 2]}}`,
		"too deep":     strings.Repeat(`{"a":`, 40) + `{"Required":true}` + strings.Repeat(`}`, 40),
		"not JSON":     `{"A": {"Required": tru}}`,
	} {
		var bad RecipientSchema
		err := json.Unmarshal([]byte(in), &bad)
		assert.Error(t, err, name)
	}
	var bad RecipientSchema
	err := json.Unmarshal([]byte(`{"LocalBankTransfer": {"GBP": {"SortCode": {"Required": "yes"}}}}`), &bad)
	assert.ErrorContains(t, err, "LocalBankTransfer.GBP.SortCode", "the error names the field")
}

func TestRecipientsValidateOK(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/users/user_m_01JRADX7YD0060N5VAA0XPMM54/recipients/validate",
		cp.wrap(httpmock.NewStringResponder(200, "")))

	err := env.c.Recipients.Validate(context.Background(), "user_m_01JRADX7YD0060N5VAA0XPMM54", eurPayoutRequest(), WithIdempotencyKey("validate-0000000001"))
	require.NoError(t, err)
	r, body := cp.last(t)
	assert.Equal(t, http.MethodPost, r.Method)
	assert.Equal(t, "/prefix/v2.01/"+testClientID+"/users/user_m_01JRADX7YD0060N5VAA0XPMM54/recipients/validate", r.URL.Path)
	assert.Empty(t, r.URL.RawQuery)
	assertStdHeaders(t, r)
	assert.Equal(t, "validate-0000000001", r.Header.Get("Idempotency-Key"))
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	assertJSONEq(t, fixture(t, "recipients/create-request.eur-local-individual-payout.json"), body)
}

func TestRecipientsValidate400(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/users/u1/recipients/validate",
		jsonResponder(400, string(fixture(t, "recipients/error.validate.400.param-error.json"))))

	d := gbpDraft()
	err := env.c.Recipients.Validate(context.Background(), "u1", d)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusBadRequest, apiErr.StatusCode)
	assert.Equal(t, ErrorTypeParam, apiErr.Type)
	assert.Equal(t, "a1f3db88-9df5-49a8-b73c-d578ffff6e89", apiErr.ID)
	assert.Equal(t, time.Unix(1739182373, 0).UTC(), apiErr.Date)
	// As the raw map (the capital Errors key) ...
	assert.Equal(t, map[string]string{
		"IndividualRecipient.Address.Region":  "INVALID_FORMAT",
		"LocalBankTransfer.GBP.AccountNumber": "LENGTH_LESS_THAN_MIN",
		"LocalBankTransfer.GBP.SortCode":      "INVALID_SORT_CODE",
	}, apiErr.Errors)
	// ... and as typed codes.
	codes := RecipientErrors(err)
	assert.Equal(t, RecipientErrorInvalidFormat, codes["IndividualRecipient.Address.Region"])
	assert.Equal(t, RecipientErrorLengthLessThanMin, codes["LocalBankTransfer.GBP.AccountNumber"])
	assert.Equal(t, RecipientErrorInvalidSortCode, codes["LocalBankTransfer.GBP.SortCode"])
	assert.False(t, errors.Is(err, ErrRecipientScaNotAllowed))
	assert.False(t, errors.Is(err, ErrRecipientInvalidState))
}

func TestRecipientsValidateRejectsBadInput(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	d := gbpDraft()
	d.DisplayName = ""
	assert.Equal(t, []string{"DisplayName=REQUIRED"}, problems(t, env.c.Recipients.Validate(context.Background(), "u1", d)))
	assert.ErrorIs(t, env.c.Recipients.Validate(context.Background(), "../u1", gbpDraft()), ErrInvalidID)
	assert.ErrorContains(t, env.c.Recipients.Validate(context.Background(), "u1", nil), "nil *CreateRecipientRequest")
	assertNoCalls(t, env)
}

func TestRecipientsCreatePendingSca(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/users/user_m_01JRADX7YD0060N5VAA0XPMM54/recipients",
		cp.wrap(jsonResponder(201, string(fixture(t, "recipients/create-response.eur-local-individual-payout.pending.json")))))

	rec, err := env.c.Recipients.Create(context.Background(), "user_m_01JRADX7YD0060N5VAA0XPMM54", eurPayoutRequest())

	// The recipient AND the SCA demand.
	require.NotNil(t, rec)
	sca, ok := AsScaRequired(err)
	require.True(t, ok, "want *ScaRequiredError, got %v", err)
	assert.ErrorIs(t, err, ErrScaRequired)
	assert.Equal(t, "https://sca.sandbox.mangopay.com/?token=sca_019614df3f3b7b08847111a76d9f9924", sca.RedirectURL)
	assert.Equal(t, ScaSourceBody, sca.Source)
	assert.Equal(t, http.StatusCreated, sca.StatusCode)
	to, err := sca.RedirectURLWithReturn("https://platform.example/recipients/done?id=" + rec.ID)
	require.NoError(t, err)
	assert.Equal(t, "https://sca.sandbox.mangopay.com/?token=sca_019614df3f3b7b08847111a76d9f9924&returnUrl=https%3A%2F%2Fplatform.example%2Frecipients%2Fdone%3Fid%3Drec_01JRADYFJYPFM10XPQ8VFWW947", to)

	assert.Equal(t, "rec_01JRADYFJYPFM10XPQ8VFWW947", rec.ID)
	assert.Equal(t, RecipientStatusPending, rec.Status)
	assert.Equal(t, time.Unix(1744106896, 0).UTC(), rec.CreationDate.Time)
	assert.Equal(t, "user_m_01JRADX7YD0060N5VAA0XPMM54", rec.UserID)
	assert.Equal(t, RecipientScopePayout, rec.RecipientScope)
	assert.Equal(t, PayoutMethodLocalBankTransfer, rec.PayoutMethodType)
	assert.Equal(t, RecipientTypeIndividual, rec.RecipientType)
	assert.Equal(t, &IBANAccount{IBAN: "DE75512108001245126199", BIC: "SOLADEST600"}, rec.LocalBankTransfer.EUR)
	assert.Equal(t, "Berlin", rec.IndividualRecipient.Address.City)
	assert.Nil(t, rec.RecipientVerificationOfPayee)

	// The request: method, path, headers, and the body of example 23.
	r, body := cp.last(t)
	assert.Equal(t, http.MethodPost, r.Method)
	assert.Equal(t, "/prefix/v2.01/"+testClientID+"/users/user_m_01JRADX7YD0060N5VAA0XPMM54/recipients", r.URL.Path)
	assertStdHeaders(t, r)
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	assertJSONEq(t, fixture(t, "recipients/create-request.eur-local-individual-payout.json"), body)
}

func TestRecipientsCreatePayinNoSca(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/users/user_m_01JRADQMWEKV9X7C683MYQMQCN/recipients",
		cp.wrap(jsonResponder(201, string(fixture(t, "recipients/create-response.gbp-local-individual-payin.json")))))

	in := gbpDraft()
	in.DisplayName = "Alex Smith GBP local pay-in account"
	in.RecipientScope = RecipientScopePayin
	in.ScaContext = ScaUserPresent
	rec, err := env.c.Recipients.Create(context.Background(), "user_m_01JRADQMWEKV9X7C683MYQMQCN", in)
	require.NoError(t, err)
	assert.Equal(t, "rec_01JRADRZMVZ12VXYV1A3DDX6JM", rec.ID)
	assert.Equal(t, RecipientScopePayin, rec.RecipientScope)
	assert.Equal(t, &GBPAccount{SortCode: "200000", AccountNumber: "55779911"}, rec.LocalBankTransfer.GBP)
	assert.Nil(t, rec.PendingUserAction)

	_, body := cp.last(t)
	assertJSONEq(t, []byte(`{
		"DisplayName": "Alex Smith GBP local pay-in account",
		"PayoutMethodType": "LocalBankTransfer", "RecipientType": "Individual",
		"Currency": "GBP", "Country": "GB", "RecipientScope": "PAYIN", "ScaContext": "USER_PRESENT",
		"IndividualRecipient": {"FirstName": "Alex", "LastName": "Smith",
			"Address": {"AddressLine1": "10 Kingsway", "City": "London", "PostalCode": "WC2B 6LH", "Country": "GB"}},
		"LocalBankTransfer": {"GBP": {"SortCode": "200000", "AccountNumber": "55779911"}}
	}`), body)
}

func TestRecipientsCreateScaNotAllowed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		fixture string
		value   RecipientErrorCode
	}{
		{"recipients/error.create.400.sca-payer-payout.json", "2815488948686553431"},
		{"recipients/error.create.400.sca-legal-representative-email.json", RecipientErrorLegalRepresentativeEmailMissing},
	} {
		env := newTestClient(t)
		env.mt.RegisterResponder(http.MethodPost, testAPI+"/users/payer_1/recipients", jsonResponder(400, string(fixture(t, tc.fixture))))

		rec, err := env.c.Recipients.Create(context.Background(), "payer_1", eurPayoutRequest())
		assert.Nil(t, rec)
		assert.ErrorIs(t, err, ErrRecipientScaNotAllowed)
		assert.NotErrorIs(t, err, ErrScaRequired)
		assert.NotErrorIs(t, err, ErrRecipientInvalidState)
		var apiErr *APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, ErrorTypeParam, apiErr.Type)
		assert.Equal(t, map[string]string{"SCA": string(tc.value)}, apiErr.Errors)
		assert.Equal(t, tc.value, RecipientErrors(err)["SCA"])
		assert.Contains(t, err.Error(), "400")
		assert.Contains(t, err.Error(), "PAYOUT recipient needs an OWNER")
	}
}

func TestRecipientsCreateUntrustedRedirect(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	body := strings.Replace(string(fixture(t, "recipients/create-response.eur-local-individual-payout.pending.json")),
		"https://sca.sandbox.mangopay.com/", "https://sca.mangopay.com.evil.example/", 1)
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/users/u1/recipients", jsonResponder(201, body))

	rec, err := env.c.Recipients.Create(context.Background(), "u1", eurPayoutRequest())
	assert.ErrorIs(t, err, ErrUntrustedRedirect)
	_, isSca := AsScaRequired(err)
	assert.False(t, isSca)
	require.NotNil(t, rec, "the created recipient is still returned so its id can be stored")
	assert.Equal(t, "rec_01JRADYFJYPFM10XPQ8VFWW947", rec.ID)
}

func TestRecipientsCreateRejectsBadInput(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		modify func(r *CreateRecipientRequest)
		want   []string
	}{
		{"display name too long", func(r *CreateRecipientRequest) { r.DisplayName = strings.Repeat("é", 51) }, []string{"DisplayName=LENGTH_MORE_THAN_MAX"}},
		{"display name 50 runes ok", func(r *CreateRecipientRequest) { r.DisplayName = strings.Repeat("é", 50) }, nil},
		{"display name chars", func(r *CreateRecipientRequest) { r.DisplayName = "A/B" }, []string{"DisplayName=INVALID_FORMAT"}},
		{"display name comma", func(r *CreateRecipientRequest) { r.DisplayName = "Doe, John" }, []string{"DisplayName=INVALID_FORMAT"}},
		{"display name quote", func(r *CreateRecipientRequest) { r.DisplayName = "John's" }, []string{"DisplayName=INVALID_FORMAT"}},
		{"missing basics", func(r *CreateRecipientRequest) {
			r.PayoutMethodType, r.RecipientType, r.Currency, r.Country = "", "", "", ""
		}, []string{"PayoutMethodType=REQUIRED", "RecipientType=REQUIRED", "Currency=REQUIRED", "Country=REQUIRED"}},
		{"tag too long", func(r *CreateRecipientRequest) { r.Tag = strings.Repeat("t", 256) }, []string{"Tag=LENGTH_MORE_THAN_MAX"}},
		{"bad sca context", func(r *CreateRecipientRequest) { r.ScaContext = "MAYBE" }, []string{"ScaContext=NOT_IN_ALLOWED_VALUES"}},
		{"both holders", func(r *CreateRecipientRequest) { r.BusinessRecipient = &BusinessRecipient{BusinessName: "X"} }, []string{"BusinessRecipient=CONFLICT"}},
		{"no holder", func(r *CreateRecipientRequest) { r.IndividualRecipient = nil }, []string{"IndividualRecipient=REQUIRED"}},
		{"no business holder", func(r *CreateRecipientRequest) { r.IndividualRecipient, r.RecipientType = nil, RecipientTypeBusiness }, []string{"BusinessRecipient=REQUIRED"}},
		{"holder mismatch", func(r *CreateRecipientRequest) { r.RecipientType = RecipientTypeBusiness }, []string{"IndividualRecipient=CONFLICT"}},
		{"business holder mismatch", func(r *CreateRecipientRequest) {
			r.IndividualRecipient, r.BusinessRecipient = nil, &BusinessRecipient{BusinessName: "X"}
		}, []string{"BusinessRecipient=CONFLICT"}},
		{"both transfers", func(r *CreateRecipientRequest) {
			r.InternationalBankTransfer = &InternationalBankTransfer{AccountNumber: "DE75512108001245126199"}
		}, []string{"LocalBankTransfer=CONFLICT"}},
		{"no transfer", func(r *CreateRecipientRequest) { r.LocalBankTransfer = nil }, []string{"LocalBankTransfer=REQUIRED"}},
		{"no international transfer", func(r *CreateRecipientRequest) {
			r.LocalBankTransfer, r.PayoutMethodType = nil, PayoutMethodInternationalBankTransfer
		}, []string{"InternationalBankTransfer=REQUIRED"}},
		{"transfer mismatch", func(r *CreateRecipientRequest) { r.PayoutMethodType = PayoutMethodInternationalBankTransfer }, []string{"LocalBankTransfer=CONFLICT"}},
		{"international transfer mismatch", func(r *CreateRecipientRequest) {
			r.LocalBankTransfer, r.InternationalBankTransfer = nil, &InternationalBankTransfer{AccountNumber: "x"}
		}, []string{"InternationalBankTransfer=CONFLICT"}},
		{"empty local transfer", func(r *CreateRecipientRequest) { r.LocalBankTransfer = &LocalBankTransfer{} }, []string{"LocalBankTransfer.EUR=REQUIRED"}},
		{"local transfer wrong currency", func(r *CreateRecipientRequest) {
			r.LocalBankTransfer = &LocalBankTransfer{GBP: &GBPAccount{AccountNumber: "55779911", SortCode: "200000"}}
		}, []string{"LocalBankTransfer.GBP=CONFLICT"}},
		{"local transfer two currencies", func(r *CreateRecipientRequest) {
			r.LocalBankTransfer.Other = map[string]any{"AUD": map[string]string{"AccountNumber": "1"}}
		}, []string{"LocalBankTransfer=CONFLICT"}},
		{"local transfer set twice", func(r *CreateRecipientRequest) {
			r.LocalBankTransfer.Other = map[string]any{"EUR": map[string]string{"IBAN": "x"}}
		}, []string{"LocalBankTransfer.EUR=CONFLICT"}},
		{"other currency ok", func(r *CreateRecipientRequest) {
			r.Currency = "AUD"
			r.LocalBankTransfer = &LocalBankTransfer{Other: map[string]any{"AUD": map[string]string{"AccountNumber": "1", "BSBCode": "2"}}}
		}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := eurPayoutRequest()
			tc.modify(in)
			err := in.validate("Create")
			if tc.want == nil {
				assert.NoError(t, err)
				return
			}
			assert.Equal(t, tc.want, problems(t, err))
			// Create sends nothing.
			env := newTestClient(t)
			rec, err := env.c.Recipients.Create(context.Background(), "u1", in)
			assert.Nil(t, rec)
			assert.Equal(t, tc.want, problems(t, err))
			assert.Contains(t, err.Error(), "mangopay: Recipients.Create: ")
			assertNoCalls(t, env)
		})
	}

	env := newTestClient(t)
	_, err := env.c.Recipients.Create(context.Background(), "u1", nil)
	assert.ErrorContains(t, err, "nil *CreateRecipientRequest")
	_, err = env.c.Recipients.Create(context.Background(), "", eurPayoutRequest())
	assert.ErrorIs(t, err, ErrInvalidID)
	assertNoCalls(t, env)
}

func TestRecipientsGet(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/recipients/rec_01JRAE4ZB8QW3Z0ZK7ZPW3A1TC",
		cp.wrap(jsonResponder(200, string(fixture(t, "recipients/view-response.business-international-active.json")))))

	rec, err := env.c.Recipients.Get(context.Background(), "rec_01JRAE4ZB8QW3Z0ZK7ZPW3A1TC")
	require.NoError(t, err)
	assert.Equal(t, RecipientStatusActive, rec.Status)
	assert.Equal(t, RecipientTypeBusiness, rec.RecipientType)
	assert.Equal(t, PayoutMethodInternationalBankTransfer, rec.PayoutMethodType)
	assert.Equal(t, "USD", rec.Currency)
	assert.Equal(t, "FR", rec.Country)
	assert.Equal(t, &InternationalBankTransfer{AccountNumber: "FR7630004000031234567890143", BIC: "BNPAFRPPXXX"}, rec.InternationalBankTransfer)
	assert.Nil(t, rec.LocalBankTransfer)
	assert.Nil(t, rec.IndividualRecipient)
	require.NotNil(t, rec.BusinessRecipient)
	assert.Equal(t, "Alex Smith Consulting", rec.BusinessRecipient.BusinessName)
	assert.Equal(t, "3 rue de la Cité", rec.BusinessRecipient.Address.AddressLine1)
	assert.Equal(t, &RecipientVerificationOfPayee{
		RecipientVerificationID:      "vop_01JRAE50A6F0D2K1N8XH3M5R7Q",
		RecipientVerificationCheck:   "MATCH",
		RecipientVerificationMessage: "The account name matches the details provided",
	}, rec.RecipientVerificationOfPayee)

	r, body := cp.last(t)
	assert.Equal(t, http.MethodGet, r.Method)
	assert.Equal(t, "/prefix/v2.01/"+testClientID+"/recipients/rec_01JRAE4ZB8QW3Z0ZK7ZPW3A1TC", r.URL.Path)
	assert.Empty(t, body)
	assertStdHeaders(t, r)

	_, err = env.c.Recipients.Get(context.Background(), "rec/1")
	assert.ErrorIs(t, err, ErrInvalidID)
}

func TestRecipientsGetNotFound(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/recipients/rec_x",
		jsonResponder(404, `{"Message":"The ressource does not exist","Type":"ressource_not_found","Id":"x","Date":1744106000,"errors":null}`))
	rec, err := env.c.Recipients.Get(context.Background(), "rec_x")
	assert.Nil(t, rec)
	assert.ErrorIs(t, err, ErrNotFound)
	assert.NotErrorIs(t, err, ErrRecipientInvalidState)
}

func TestRecipientsListByUser(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponderWithQuery(http.MethodGet, testAPI+"/users/user_m_01JRADX7YD0060N5VAA0XPMM54/recipients",
		"page=1&per_page=2&RecipientScope=PAYIN&Sort=CreationDate:DESC",
		cp.wrap(func(r *http.Request) (*http.Response, error) {
			resp := httpmock.NewStringResponse(200, string(fixture(t, "recipients/list-response.page1.json")))
			resp.Header.Set("X-Number-Of-Pages", "2")
			resp.Header.Set("X-Number-Of-Items", "3")
			return resp, nil
		}))

	page, err := env.c.Recipients.ListByUser(context.Background(), "user_m_01JRADX7YD0060N5VAA0XPMM54", &RecipientListOptions{
		ListOptions:    ListOptions{Page: 1, PerPage: 2, Sort: SortCreationDateDesc},
		RecipientScope: RecipientScopePayin,
	})
	require.NoError(t, err)
	r, _ := cp.last(t)
	assert.Equal(t, url.Values{"page": {"1"}, "per_page": {"2"}, "RecipientScope": {"PAYIN"}, "Sort": {"CreationDate:DESC"}}, r.URL.Query())
	assertStdHeaders(t, r)
	assert.Equal(t, 2, page.TotalPages)
	assert.Equal(t, 3, page.TotalItems)
	assert.True(t, page.HasNext())
	require.Len(t, page.Items, 2)
	assert.Equal(t, RecipientSummary{
		ID:               "rec_01JRADYFJYPFM10XPQ8VFWW947",
		CreationDate:     TimeOf(time.Unix(1744106896, 0).UTC()),
		DisplayName:      "John Doe EUR DE account",
		PayoutMethodType: PayoutMethodLocalBankTransfer,
		RecipientType:    RecipientTypeIndividual,
		Currency:         "EUR",
		Country:          "DE",
		UserID:           "user_m_01JRADX7YD0060N5VAA0XPMM54",
		Status:           RecipientStatusActive,
		RecipientScope:   RecipientScopePayin,
	}, page.Items[0])
	assert.Equal(t, RecipientStatusCanceled, page.Items[1].Status)
}

func TestRecipientsListByUserDefaults(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/users/u1/recipients", cp.wrap(jsonResponder(200, `[]`)))
	page, err := env.c.Recipients.ListByUser(context.Background(), "u1", nil)
	require.NoError(t, err)
	assert.Empty(t, page.Items)
	r, _ := cp.last(t)
	assert.Empty(t, r.URL.RawQuery, "no options: nothing sent, Mangopay's defaults (PAYOUT scope) apply")

	_, err = env.c.Recipients.ListByUser(context.Background(), "u1", &RecipientListOptions{ListOptions: ListOptions{PerPage: 101}})
	assert.ErrorContains(t, err, "PerPage")
	_, err = env.c.Recipients.ListByUser(context.Background(), "..", nil)
	assert.ErrorIs(t, err, ErrInvalidID)
	assert.Equal(t, 1, env.mt.GetCallCountInfo()["GET "+testAPI+"/users/u1/recipients"])
}

func TestRecipientsAllByUser(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	pages := map[string]string{"1": "recipients/list-response.page1.json", "2": "recipients/list-response.page2.json"}
	var seen []url.Values
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/users/u1/recipients", func(r *http.Request) (*http.Response, error) {
		seen = append(seen, r.URL.Query())
		resp := httpmock.NewStringResponse(200, string(fixture(t, pages[r.URL.Query().Get("page")])))
		resp.Header.Set("X-Number-Of-Pages", "2")
		return resp, nil
	})

	var ids []string
	for rec, err := range env.c.Recipients.AllByUser(context.Background(), "u1", &RecipientListOptions{ListOptions: ListOptions{PerPage: 2}, RecipientScope: RecipientScopePayin}) {
		require.NoError(t, err)
		ids = append(ids, rec.ID)
	}
	assert.Equal(t, []string{"rec_01JRADYFJYPFM10XPQ8VFWW947", "rec_01JRAE4ZB8QW3Z0ZK7ZPW3A1TC", "rec_01JRAF0S3X6A9KQ5E2V7T1M8DN"}, ids)
	require.Len(t, seen, 2)
	assert.Equal(t, url.Values{"page": {"1"}, "per_page": {"2"}, "RecipientScope": {"PAYIN"}}, seen[0])
	assert.Equal(t, url.Values{"page": {"2"}, "per_page": {"2"}, "RecipientScope": {"PAYIN"}}, seen[1])

	// Breaking early fetches nothing more.
	seen = nil
	for range env.c.Recipients.AllByUser(context.Background(), "u1", &RecipientListOptions{ListOptions: ListOptions{PerPage: 2}}) {
		break
	}
	assert.Len(t, seen, 1)
	assert.Equal(t, url.Values{"page": {"1"}, "per_page": {"2"}}, seen[0])
}

func TestRecipientsAllByUserDefaultsAndError(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var seen []url.Values
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/users/u1/recipients", func(r *http.Request) (*http.Response, error) {
		seen = append(seen, r.URL.Query())
		return httpmock.NewStringResponse(200, string(fixture(t, "recipients/list-response.page2.json"))), nil
	})
	n := 0
	for rec, err := range env.c.Recipients.AllByUser(context.Background(), "u1", nil) {
		require.NoError(t, err)
		assert.Equal(t, RecipientStatus("SUSPENDED_FOR_REVIEW"), rec.Status, "unknown statuses decode")
		n++
	}
	assert.Equal(t, 1, n)
	assert.Equal(t, []url.Values{{"page": {"1"}, "per_page": {"100"}}}, seen)

	env.mt.RegisterResponder(http.MethodGet, testAPI+"/users/u2/recipients",
		jsonResponder(404, `{"Message":"The ressource does not exist","Type":"ressource_not_found","errors":null}`))
	var errs []error
	for rec, err := range env.c.Recipients.AllByUser(context.Background(), "u2", nil) {
		assert.Nil(t, rec)
		errs = append(errs, err)
	}
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], ErrNotFound)

	errs = nil
	for _, err := range env.c.Recipients.AllByUser(context.Background(), "a/b", nil) {
		errs = append(errs, err)
	}
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], ErrInvalidID)
}

func TestRecipientsDeactivate(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodPut, testAPI+"/recipients/rec_01JRAE4ZB8QW3Z0ZK7ZPW3A1TC",
		cp.wrap(jsonResponder(200, string(fixture(t, "recipients/deactivate-response.json")))))

	rec, err := env.c.Recipients.Deactivate(context.Background(), "rec_01JRAE4ZB8QW3Z0ZK7ZPW3A1TC")
	require.NoError(t, err)
	assert.Equal(t, RecipientStatusDeactivated, rec.Status)
	assert.Nil(t, rec.BusinessRecipient.Address)

	r, body := cp.last(t)
	assert.Equal(t, http.MethodPut, r.Method)
	assert.Equal(t, "/prefix/v2.01/"+testClientID+"/recipients/rec_01JRAE4ZB8QW3Z0ZK7ZPW3A1TC", r.URL.Path)
	assert.Equal(t, `{"Status":"DEACTIVATED"}`, string(body), "exactly this body")
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	assertStdHeaders(t, r)

	_, err = env.c.Recipients.Deactivate(context.Background(), "")
	assert.ErrorIs(t, err, ErrInvalidID)
}

func TestRecipientsDeactivateInvalidState(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	env.mt.RegisterResponder(http.MethodPut, testAPI+"/recipients/rec_pending",
		jsonResponder(400, string(fixture(t, "recipients/error.deactivate.400.invalid-state.json"))))

	rec, err := env.c.Recipients.Deactivate(context.Background(), "rec_pending")
	assert.Nil(t, rec)
	assert.ErrorIs(t, err, ErrRecipientInvalidState)
	assert.NotErrorIs(t, err, ErrRecipientScaNotAllowed)
	assert.NotErrorIs(t, err, ErrNotFound)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, ErrorTypeOther, apiErr.Type)
	assert.Equal(t, "Invalid State", apiErr.Message)
	assert.Nil(t, RecipientErrors(err))
	assert.Contains(t, err.Error(), "Invalid State")
	assert.Contains(t, err.Error(), "only an ACTIVE recipient can be deactivated")
	assert.Equal(t, 1, env.mt.GetCallCountInfo()["PUT "+testAPI+"/recipients/rec_pending"], "a 400 is not retried")
}

func TestRecipientErrorOtherTypeIsNotInvalidState(t *testing.T) {
	t.Parallel()
	api := &APIError{StatusCode: 400, Type: ErrorTypeOther, Message: "Something else"}
	assert.Same(t, api, recipientError(api))
	assert.Nil(t, recipientError(nil))
	plain := errors.New("boom")
	assert.Same(t, plain, recipientError(plain))
	assert.Nil(t, RecipientErrors(plain))
	assert.Nil(t, RecipientErrors(nil))
}

func TestLocalBankTransferJSON(t *testing.T) {
	t.Parallel()
	l := LocalBankTransfer{
		USD: &USDAccount{AccountNumber: "11696419", ABA: "071000288"},
		CAD: &CADAccount{AccountNumber: "1234567", InstitutionNumber: "003", BranchCode: "12345", BankName: "RBC"},
		Other: map[string]any{
			"AUD": map[string]string{"AccountNumber": "123456", "BSBCode": "062000"},
			"HKD": nil, // nil entries are skipped
		},
	}
	b, err := json.Marshal(l)
	require.NoError(t, err)
	assert.JSONEq(t, `{
		"USD": {"AccountNumber": "11696419", "ABA": "071000288"},
		"CAD": {"AccountNumber": "1234567", "InstitutionNumber": "003", "BranchCode": "12345", "BankName": "RBC"},
		"AUD": {"AccountNumber": "123456", "BSBCode": "062000"}
	}`, string(b))
	assert.Equal(t, []string{"USD", "CAD", "AUD"}, l.Currencies())
	assert.Nil(t, (*LocalBankTransfer)(nil).Currencies())

	var back LocalBankTransfer
	require.NoError(t, json.Unmarshal([]byte(`{"USD": {"AccountNumber": "1", "ABA": "2", "FFC": "3"}, "SEK": {"IBAN": "SE45"}, "MXN": {"CLABE": "0021"}, "GBP": null}`), &back))
	assert.Equal(t, &USDAccount{AccountNumber: "1", ABA: "2", FFC: "3"}, back.USD)
	assert.Equal(t, &IBANAccount{IBAN: "SE45"}, back.SEK)
	assert.Nil(t, back.GBP)
	assert.Equal(t, map[string]any{"MXN": map[string]any{"CLABE": "0021"}}, back.Other)

	for _, cur := range []string{"CHF", "CZK", "DKK", "EUR", "HUF", "NOK", "PLN", "RON", "SEK"} {
		var one LocalBankTransfer
		require.NoError(t, json.Unmarshal([]byte(`{"`+cur+`": {"IBAN": "X1"}}`), &one))
		assert.Equal(t, []string{cur}, one.Currencies(), cur)
		assert.Nil(t, one.Other, cur)
		out, err := json.Marshal(one)
		require.NoError(t, err)
		assert.JSONEq(t, `{"`+cur+`": {"IBAN": "X1"}}`, string(out))
	}

	_, err = json.Marshal(LocalBankTransfer{GBP: &GBPAccount{}, Other: map[string]any{"GBP": map[string]string{}}})
	assert.ErrorContains(t, err, "GBP is set both")
	assert.Error(t, json.Unmarshal([]byte(`[]`), &back))
	assert.ErrorContains(t, json.Unmarshal([]byte(`{"GBP": "55779911"}`), &back), "LocalBankTransfer.GBP")
	assert.Error(t, json.Unmarshal([]byte(`{"AUD": tru}`), &back))
}

func TestRecipientRequestRoundTrip(t *testing.T) {
	t.Parallel()
	raw := fixture(t, "recipients/create-request.eur-local-individual-payout.json")
	var in CreateRecipientRequest
	require.NoError(t, json.Unmarshal(raw, &in))
	assert.Equal(t, eurPayoutRequest(), &in)
	b, err := json.Marshal(&in)
	require.NoError(t, err)
	assertJSONEq(t, raw, b)
}

func TestRecipientEnumsKeepUnknownValues(t *testing.T) {
	t.Parallel()
	var r Recipient
	require.NoError(t, json.Unmarshal([]byte(`{"Id":"rec_1","Status":"FROZEN","PayoutMethodType":"Cheque","RecipientType":"Trust","RecipientScope":"ALL","CreationDate":1744106896.0}`), &r))
	assert.Equal(t, RecipientStatus("FROZEN"), r.Status)
	assert.Equal(t, PayoutMethodType("Cheque"), r.PayoutMethodType)
	assert.Equal(t, RecipientType("Trust"), r.RecipientType)
	assert.Equal(t, RecipientScope("ALL"), r.RecipientScope)
	assert.Equal(t, int64(1744106896), r.CreationDate.Unix())
	assert.Equal(t, "", pendingRedirectOf(&r))
	assert.Equal(t, "", pendingRedirectOf((*Recipient)(nil)))
}

// schemaSnapshot flattens a schema for comparison: one line per node.
func schemaSnapshot(s *RecipientSchema) []string {
	var out []string
	s.Walk(func(n *SchemaNode, depth int) bool {
		line := strings.Repeat(" ", depth) + n.Name + " @" + n.Path
		if n.Field != nil {
			f := *n.Field
			if len(f.AllowedValues) == 0 {
				f.AllowedValues = nil
			}
			b, _ := json.Marshal(f)
			line += " " + string(b)
		}
		if n.IsLeaf() {
			line += " leaf"
		}
		out = append(out, line)
		return true
	})
	return out
}

// FuzzRecipientSchemaJSON checks, for any input that decodes: leaves are
// reachable by path, checking drafts never panics, and the schema survives
// an encode/decode round trip unchanged (order included).
func FuzzRecipientSchemaJSON(f *testing.F) {
	seed, err := os.ReadFile(filepath.Join("testdata", "recipients", "schema-gbp-local-individual.json"))
	require.NoError(f, err)
	f.Add(seed)
	f.Add([]byte(`{"A":{"Required":true,"Pattern":"^(?=x)$"},"B":{"C":null,"D":{"Label":"d"}},"B":{}}`))
	f.Add([]byte(`{"Address":{"Required":false,"City":{"Required":true,"MinLength":2}},"":{"Required":true}}`))
	f.Add([]byte(`{"X":{"AllowedValues":[],"MaxLength":-1},"Y":{"Required":{"Z":{"Label":"z"}}}}`))
	f.Add([]byte(`{"a.b":{"c":{"Required":true}},"a":{"b.c":{"Required":false}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s RecipientSchema
		if json.Unmarshal(data, &s) != nil {
			return
		}
		draft := map[string]any{}
		for _, n := range s.Fields() {
			require.True(t, n.IsLeaf())
			got := s.Lookup(n.Path)
			require.NotNil(t, got, n.Path)
			require.Equal(t, n.Path, got.Path)
			// Echo something into the draft at the leaf's place.
			m := draft
			parts := strings.Split(n.Path, ".")
			for _, p := range parts[:len(parts)-1] {
				next, ok := m[p].(map[string]any)
				if !ok {
					next = map[string]any{}
					m[p] = next
				}
				m = next
			}
			m[parts[len(parts)-1]] = n.Field.Label + n.Field.Pattern
		}
		_ = s.CheckMap(nil)
		_ = s.CheckMap(draft)

		b, err := json.Marshal(&s)
		require.NoError(t, err)
		var back RecipientSchema
		require.NoError(t, json.Unmarshal(b, &back), "%s", b)
		require.Equal(t, schemaSnapshot(&s), schemaSnapshot(&back))
	})
}

func TestRecipientErrorCodesDocumented(t *testing.T) {
	t.Parallel()
	// Every field-level code of create-recipient.mdx and
	// validate-recipient-data.mdx has a typed constant with the exact value.
	documented := []struct {
		code RecipientErrorCode
		wire string
	}{
		{RecipientErrorRequired, "REQUIRED"},
		{RecipientErrorLengthMoreThanMax, "LENGTH_MORE_THAN_MAX"},
		{RecipientErrorLengthLessThanMin, "LENGTH_LESS_THAN_MIN"},
		{RecipientErrorInvalidFormat, "INVALID_FORMAT"},
		{RecipientErrorNotInAllowedValues, "NOT_IN_ALLOWED_VALUES"},
		{RecipientErrorUnsupportedCountry, "UNSUPPORTED_COUNTRY"},
		{RecipientErrorUnsupportedCurrency, "UNSUPPORTED_CURRENCY"},
		{RecipientErrorUnsupportedPayoutMethodForCurrency, "UNSUPPORTED_PAYOUT_METHOD_FOR_CURRENCY"},
		{RecipientErrorClientNotFound, "CLIENT_NOT_FOUND"},
		{RecipientErrorUserNotFound, "USER_NOT_FOUND"},
		{RecipientErrorInvalidSortCode, "INVALID_SORT_CODE"},
		{RecipientErrorInvalidAccountNumber, "INVALID_ACCOUNT_NUMBER"},
		{RecipientErrorInvalidIBAN, "INVALID_IBAN"},
		{RecipientErrorInvalidBIC, "INVALID_BIC"},
		{RecipientErrorBICDoesNotCorrespondToAccountCountry, "BIC_DOES_NOT_CORRESPOND_TO_ACCOUNT_COUNTRY"},
		{RecipientErrorUnsupportedIBAN, "UNSUPPORTED_IBAN"},
		{RecipientErrorInvalidAccountNumberAndSortCodeCombination, "INVALID_ACCOUNT_NUMBER_AND_SORT_CODE_COMBINATION"},
	}
	require.Len(t, documented, 17, "the fact sheet lists 17 codes")

	// One 400 carrying every code under the capital Errors key decodes to
	// the typed constants, path by path.
	errs := map[string]string{}
	for i, d := range documented {
		assert.Equal(t, d.wire, string(d.code))
		errs["Field"+strconv.Itoa(i)] = d.wire
	}
	body, err := json.Marshal(map[string]any{"Id": "e-17", "Message": "One or several required parameters are missing or incorrect.", "Type": "param_error", "Date": 1744106000, "Errors": errs})
	require.NoError(t, err)
	env := newTestClient(t)
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/users/u1/recipients/validate", jsonResponder(400, string(body)))

	err = env.c.Recipients.Validate(context.Background(), "u1", eurPayoutRequest())
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, errs, apiErr.Errors)
	codes := RecipientErrors(err)
	require.Len(t, codes, len(documented))
	for i, d := range documented {
		assert.Equal(t, d.code, codes["Field"+strconv.Itoa(i)])
	}
}

func TestRecipientsCreateBusinessInternationalAllFields(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/users/user_m_01JRADX7YD0060N5VAA0XPMM54/recipients",
		cp.wrap(jsonResponder(403, `{"Message":"You are not authorized to perform this action. The user has not provided consent to the requested proxy","Type":"sca_proxy_missing","Id":"e-403","Date":1764000000,"Errors":null}`)))

	in := &CreateRecipientRequest{
		DisplayName:      "Alex Smith Consulting USD",
		PayoutMethodType: PayoutMethodInternationalBankTransfer,
		RecipientType:    RecipientTypeBusiness,
		Currency:         "USD",
		Country:          "FR",
		RecipientScope:   RecipientScopePayout,
		Tag:              "consulting payouts",
		BusinessRecipient: &BusinessRecipient{
			BusinessName: "Alex Smith Consulting",
			Address:      &Address{AddressLine1: "3 rue de la Cité", City: "Paris", PostalCode: "75001", Country: "FR"},
		},
		InternationalBankTransfer: &InternationalBankTransfer{AccountNumber: "FR7630004000031234567890143", BIC: "BNPAFRPPXXX"},
		ScaContext:                ScaUserNotPresent,
	}
	rec, err := env.c.Recipients.Create(context.Background(), "user_m_01JRADX7YD0060N5VAA0XPMM54", in)

	// USER_NOT_PRESENT without the user's consent: 403, no recipient, no SCA link.
	assert.Nil(t, rec)
	assert.ErrorIs(t, err, ErrScaProxyMissing)
	assert.ErrorIs(t, err, ErrForbidden)
	assert.NotErrorIs(t, err, ErrScaRequired)
	assert.NotErrorIs(t, err, ErrRecipientScaNotAllowed)

	_, body := cp.last(t)
	assertJSONEq(t, []byte(`{
		"DisplayName": "Alex Smith Consulting USD",
		"PayoutMethodType": "InternationalBankTransfer", "RecipientType": "Business",
		"Currency": "USD", "Country": "FR", "RecipientScope": "PAYOUT", "Tag": "consulting payouts",
		"BusinessRecipient": {"BusinessName": "Alex Smith Consulting",
			"Address": {"AddressLine1": "3 rue de la Cité", "City": "Paris", "PostalCode": "75001", "Country": "FR"}},
		"InternationalBankTransfer": {"AccountNumber": "FR7630004000031234567890143", "BIC": "BNPAFRPPXXX"},
		"ScaContext": "USER_NOT_PRESENT"
	}`), body)
}

func TestRecipientsPayoutMethodsUnsupportedCountry(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	env.mt.RegisterResponderWithQuery(http.MethodGet, testAPI+"/recipients/payout-methods", "Country=KP&Currency=EUR",
		jsonResponder(400, `{"Id":"e-c","Message":"One or several required parameters are missing or incorrect. An incorrect resource ID also raises this kind of error.","Type":"param_error","Date":1744106000,"Errors":{"Country":"UNSUPPORTED_COUNTRY"}}`))
	pm, err := env.c.Recipients.PayoutMethods(context.Background(), "KP", "EUR")
	assert.Nil(t, pm)
	assert.Equal(t, map[string]RecipientErrorCode{"Country": RecipientErrorUnsupportedCountry}, RecipientErrors(err))
}
