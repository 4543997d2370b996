package mangopay

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Fixtures: testdata/cards/*.json are the documented 200 examples of
// docs.mangopay.com/api-reference/card-registrations/{create,update}-card-registration
// and cards/{view-card,deactivate-edit-card} (the latter with Active false).

const fixtureRegistrationID = "cardreg_wt_11ed4694-d244-4bd1-92fb-dc473c99a9d4"

func TestCardRegistrationsCreate(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/cardregistrations",
		cp.wrap(wlRespond(200, string(fixture(t, "cards/create-registration-response.json")))))
	reg, err := env.c.CardRegistrations.Create(context.Background(), &CreateCardRegistrationRequest{
		UserID: "user_m_01J7KACBPAV7XAF8AH9BDCJPRS", Currency: "EUR", CardType: CardTypeCBVisaMastercard,
	})
	require.NoError(t, err)
	r, body := cp.last(t)
	assert.Equal(t, http.MethodPost, r.Method)
	assert.Equal(t, "/prefix/v2.01/"+testClientID+"/cardregistrations", r.URL.Path)
	assertStdHeaders(t, r)
	assertJSONEq(t, []byte(`{"UserId":"user_m_01J7KACBPAV7XAF8AH9BDCJPRS","Currency":"EUR","CardType":"CB_VISA_MASTERCARD"}`), body)
	assert.Equal(t, fixtureRegistrationID, reg.ID)
	assert.Equal(t, CardRegistrationCreated, reg.Status)
	assert.Equal(t, "ehvrHoPE6FpjCCAgmNvg", reg.AccessKey)
	assert.True(t, strings.HasPrefix(reg.PreregistrationData, "lhOJ6CFiDJPC"))
	assert.True(t, strings.HasPrefix(reg.CardRegistrationURL, "https://pci.sandbox.mangopay.com/api/mangopay/vault/tokenize/"))
	assert.Empty(t, reg.CardID)
	assert.Empty(t, reg.RegistrationData)
	assert.Equal(t, "EUR", reg.Currency)
}

func TestCardRegistrationsUpdateAndGet(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var put, get capture
	env.mt.RegisterResponder(http.MethodPut, testAPI+"/cardregistrations/"+fixtureRegistrationID,
		put.wrap(wlRespond(200, string(fixture(t, "cards/update-registration-response-validated.json")))))
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/cardregistrations/"+fixtureRegistrationID,
		get.wrap(wlRespond(200, string(fixture(t, "cards/update-registration-response-validated.json")))))
	data := "data=acIcnwwLleiAvlZUea5VxZlDBkf07H6B9-N7SrRv5Vv7oSLc1hhCdoFX4JxfZL2iUkLIQL3o9ehAOeaXCbc1KFWnr4ySDvkZ--mJxxdF-vw-gzLNe3lvG2loJvmwrDyRNx0xgKTVnyDj15oG8jR88g"
	reg, err := env.c.CardRegistrations.Update(context.Background(), fixtureRegistrationID,
		&CompleteCardRegistrationRequest{RegistrationData: data, CardHolderName: "Alex Smith"})
	require.NoError(t, err)
	r, body := put.last(t)
	assert.Equal(t, http.MethodPut, r.Method)
	assertStdHeaders(t, r)
	assertJSONEq(t, []byte(`{"RegistrationData":"`+data+`","CardHolderName":"Alex Smith"}`), body)
	assert.Equal(t, CardRegistrationValidated, reg.Status)
	assert.Equal(t, "card_m_NioQspdYckEoRlzd", reg.CardID)
	assert.Equal(t, ResultCodeSuccess, reg.ResultCode)

	got, err := env.c.CardRegistrations.Get(context.Background(), fixtureRegistrationID)
	require.NoError(t, err)
	assert.Equal(t, reg, got)
	r, _ = get.last(t)
	assertStdHeaders(t, r)
}

func TestCardRegistrationsUpdateError(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	body := strings.NewReplacer(`"VALIDATED"`, `"ERROR"`, `"000000"`, `"105204"`, `"Success"`, `"CVV: missing or invalid format"`,
		`"card_m_NioQspdYckEoRlzd"`, `null`).Replace(string(fixture(t, "cards/update-registration-response-validated.json")))
	env.mt.RegisterResponder(http.MethodPut, testAPI+"/cardregistrations/"+fixtureRegistrationID, wlRespond(200, body))
	reg, err := env.c.CardRegistrations.Update(context.Background(), fixtureRegistrationID, &CompleteCardRegistrationRequest{RegistrationData: "errorCode=02627"})
	require.NoError(t, err, "the call worked; the card was refused")
	assert.Equal(t, CardRegistrationError, reg.Status)
	assert.Equal(t, ResultCodeInvalidCVV, reg.ResultCode)
	assert.Empty(t, reg.CardID)
}

func TestCardsGetAndDeactivate(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	const id = "card_m_01J0KPBMM32MMSET50CZZ3RMVJ"
	var get, put capture
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/cards/"+id, get.wrap(wlRespond(200, string(fixture(t, "cards/view-card-response.json")))))
	env.mt.RegisterResponder(http.MethodPut, testAPI+"/cards/"+id, put.wrap(wlRespond(200, string(fixture(t, "cards/deactivate-response.json")))))
	card, err := env.c.Cards.Get(context.Background(), id)
	require.NoError(t, err)
	assert.Equal(t, "card_m_01HXVD91R8QEDY7MYC8TX9R9M8", card.ID)
	assert.Equal(t, "497010XXXXXX8183", card.Alias)
	assert.Equal(t, "1229", card.ExpirationDate)
	assert.True(t, card.Active)
	assert.Equal(t, CardValidityUnknown, card.Validity)
	assert.Equal(t, CardTypeCBVisaMastercard, card.CardType)

	card, err = env.c.Cards.Deactivate(context.Background(), id)
	require.NoError(t, err)
	assert.False(t, card.Active)
	r, body := put.last(t)
	assert.Equal(t, http.MethodPut, r.Method)
	assertStdHeaders(t, r)
	assertJSONEq(t, []byte(`{"Active":false}`), body)

	env.mt.RegisterResponder(http.MethodPut, testAPI+"/cards/gone", wlRespond(400, apiErrorBody("card_already_not_active", "The card has already been deactivated")))
	_, err = env.c.Cards.Deactivate(context.Background(), "gone")
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "card_already_not_active", apiErr.Type)
	_, err = env.c.Cards.Get(context.Background(), "a/b")
	assert.ErrorIs(t, err, ErrInvalidID)
	_, err = env.c.Cards.Deactivate(context.Background(), "")
	assert.ErrorIs(t, err, ErrInvalidID)
}

func TestCardRegistrationsValidation(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		call  func() error
		field string
	}{
		{"create nil", func() error { _, err := env.c.CardRegistrations.Create(ctx, nil); return err }, ""},
		{"create user", func() error {
			_, err := env.c.CardRegistrations.Create(ctx, &CreateCardRegistrationRequest{Currency: "EUR"})
			return err
		}, "UserId"},
		{"create currency", func() error {
			_, err := env.c.CardRegistrations.Create(ctx, &CreateCardRegistrationRequest{UserID: "u", Currency: "euro"})
			return err
		}, "Currency"},
		{"create card type", func() error {
			_, err := env.c.CardRegistrations.Create(ctx, &CreateCardRegistrationRequest{UserID: "u", Currency: "EUR", CardType: "VISA"})
			return err
		}, "CardType"},
		{"create tag", func() error {
			_, err := env.c.CardRegistrations.Create(ctx, &CreateCardRegistrationRequest{UserID: "u", Currency: "EUR", Tag: strings.Repeat("x", 300)})
			return err
		}, "Tag"},
		{"update nil", func() error { _, err := env.c.CardRegistrations.Update(ctx, "r", nil); return err }, ""},
		{"update data", func() error {
			_, err := env.c.CardRegistrations.Update(ctx, "r", &CompleteCardRegistrationRequest{})
			return err
		}, "RegistrationData"},
		{"update holder", func() error {
			_, err := env.c.CardRegistrations.Update(ctx, "r", &CompleteCardRegistrationRequest{RegistrationData: "data=x", CardHolderName: "A"})
			return err
		}, "CardHolderName"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			assert.ErrorIs(t, err, ErrInvalidRequest)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			if tc.field != "" {
				assert.True(t, ve.Has(tc.field), "%v", err)
			}
		})
	}
	_, err := env.c.CardRegistrations.Update(ctx, "..", &CompleteCardRegistrationRequest{RegistrationData: "data=x"})
	assert.ErrorIs(t, err, ErrInvalidID)
	_, err = env.c.CardRegistrations.Get(ctx, "")
	assert.ErrorIs(t, err, ErrInvalidID)
	assert.Equal(t, 0, env.mt.GetTotalCallCount())
}
