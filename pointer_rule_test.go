package mangopay_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scaforge/mangopay"
)

// TestRequestStructsFollowThePointerRule checks rule 4 of docs/DESIGN.md
// ("Request structs: the pointer rule"): every field of an update request is
// a pointer, except ScaContext (rule 5), so each can be left alone or cleared.
func TestRequestStructsFollowThePointerRule(t *testing.T) {
	t.Parallel()
	for _, v := range []any{
		mangopay.UpdateWalletRequest{},
		mangopay.UpdateNaturalUserRequest{},
		mangopay.UpdateLegalUserRequest{},
		mangopay.UpdateLegalRepresentativeRequest{},
		mangopay.UpdateHookRequest{},
	} {
		typ := reflect.TypeOf(v)
		for i := range typ.NumField() {
			f := typ.Field(i)
			if f.Type == reflect.TypeOf(mangopay.ScaContext("")) {
				continue
			}
			assert.Equal(t, reflect.Pointer, f.Type.Kind(), "%s.%s is %s: an update field must be a pointer", typ.Name(), f.Name, f.Type)
		}
	}
}

func marshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// TestPointerRuleOnTheWire: nil is not sent, a pointer to zero is sent, so a
// zero that means something reaches Mangopay and an update can clear a field.
func TestPointerRuleOnTheWire(t *testing.T) {
	t.Parallel()
	assert.NotContains(t, marshal(t, mangopay.CreateNaturalUserRequest{}), "IncomeRange")
	assert.Contains(t, marshal(t, mangopay.CreateNaturalUserRequest{IncomeRange: mangopay.Ptr(0)}), `"IncomeRange":0`)

	assert.JSONEq(t, `{}`, marshal(t, mangopay.UpdateNaturalUserRequest{}))
	assert.JSONEq(t, `{"Tag":"","Birthday":null,"IncomeRange":2,"Occupation":"baker"}`, marshal(t, mangopay.UpdateNaturalUserRequest{
		Tag: mangopay.Ptr(""), Birthday: mangopay.Ptr(mangopay.Date{}), IncomeRange: mangopay.Ptr(2), Occupation: mangopay.Ptr("baker"),
	}))
	assert.JSONEq(t, `{"CompanyNumber":"","LegalRepresentative":{"PhoneNumber":""},"ScaContext":"USER_NOT_PRESENT"}`, marshal(t, mangopay.UpdateLegalUserRequest{
		CompanyNumber:       mangopay.Ptr(""),
		LegalRepresentative: &mangopay.UpdateLegalRepresentativeRequest{PhoneNumber: mangopay.Ptr("")},
		ScaContext:          mangopay.ScaUserNotPresent,
	}))
	assert.JSONEq(t, `{"Status":"DISABLED","Tag":""}`, marshal(t, mangopay.UpdateHookRequest{
		Status: mangopay.Ptr(mangopay.HookStatusDisabled), Tag: mangopay.Ptr(""),
	}))
}
