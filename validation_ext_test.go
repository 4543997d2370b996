package mangopay_test

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scaforge/mangopay"
)

// firstErr runs an iterator until its first error (or its end).
func firstErr[T any](seq iter.Seq2[T, error]) error {
	for _, err := range seq {
		if err != nil {
			return err
		}
	}
	return nil
}

// validRecipient is a recipient draft every local check accepts.
func validRecipient() *mangopay.CreateRecipientRequest {
	return &mangopay.CreateRecipientRequest{
		DisplayName:         "Alex GBP",
		PayoutMethodType:    mangopay.PayoutMethodLocalBankTransfer,
		RecipientType:       mangopay.RecipientTypeIndividual,
		Currency:            "GBP",
		Country:             "GB",
		IndividualRecipient: &mangopay.IndividualRecipient{FirstName: "Alex", LastName: "Smith"},
		LocalBankTransfer:   &mangopay.LocalBankTransfer{GBP: &mangopay.GBPAccount{SortCode: "200000", AccountNumber: "55779911"}},
	}
}

func validTransfer() *mangopay.CreateTransferRequest {
	return &mangopay.CreateTransferRequest{
		AuthorID: "u1", DebitedWalletID: "w1", CreditedWalletID: "w2",
		DebitedFunds: mangopay.Money{Currency: "EUR", Amount: 100}, Fees: mangopay.Money{Currency: "EUR"},
	}
}

// TestEveryLocalCheckIsAValidationError calls each method with one bad
// input and checks the one contract of local checks: the error matches
// ErrInvalidRequest, errors.As finds a *ValidationError naming the method and
// the field, and nothing reached the network (not even the token call).
func TestEveryLocalCheckIsAValidationError(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 256)
	yes := mangopay.Ptr(true)
	var nilCtx context.Context // a caller's forgotten context
	link := "https://sca.sandbox.mangopay.com/?token=sca_tok_1"
	cases := []struct {
		op, field string
		call      func(ctx context.Context, c *mangopay.Client) error
	}{
		// The checks every method shares name the endpoint: the path an
		// invalid id was for, the method and path of a call given a nil
		// context or a malformed Idempotency-Key.
		{"/wallets/{id}", "id", func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Wallets.Get(ctx, "w1/../../hooks", "")
			return err
		}},
		{"/sca/users/{id}", "id", func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Users.Get(ctx, "")
			return err
		}},
		{"/users/{id}/recipients", "id", func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Recipients.Create(ctx, "..", validRecipient())
			return err
		}},
		{"/users/{id}/wallets", "id", func(ctx context.Context, c *mangopay.Client) error {
			return firstErr(c.Wallets.AllByUser(ctx, "u 1", "", nil))
		}},
		{"/users/{id}/kyc/documents", "id", func(context.Context, *mangopay.Client) error {
			_, err := mangopay.Path("/users/%s/kyc/documents", "u1?x=1")
			return err
		}},
		{"GET /wallets/w1", "ctx", func(_ context.Context, c *mangopay.Client) error {
			_, err := c.Wallets.Get(nilCtx, "w1", "")
			return err
		}},
		{"GET /users/u1", "ctx", func(_ context.Context, c *mangopay.Client) error {
			return c.Do(nilCtx, http.MethodGet, "/users/u1", nil, nil)
		}},
		{"POST /transfers", "Idempotency-Key", func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Transfers.Create(ctx, validTransfer(), mangopay.WithIdempotencyKey("order-1"))
			return err
		}},
		{"AppendReturnURL", "returnURL", func(context.Context, *mangopay.Client) error {
			_, err := mangopay.AppendReturnURL(link, "/sca/done")
			return err
		}},
		{"AppendReturnURL", "returnURL", func(context.Context, *mangopay.Client) error {
			_, err := mangopay.AppendReturnURL(link, "https://platform.example/done#top")
			return err
		}},
		{"AppendReturnURL", "redirectURL", func(context.Context, *mangopay.Client) error {
			_, err := mangopay.AppendReturnURL("", "https://platform.example/done")
			return err
		}},
		{"AppendReturnURL", "lang", func(context.Context, *mangopay.Client) error {
			_, err := mangopay.AppendReturnURL(link, "https://platform.example/done", mangopay.WithLang("sv"))
			return err
		}},
		{"ScaRequiredError.RedirectURLWithReturn", "returnURL", func(context.Context, *mangopay.Client) error {
			_, err := (&mangopay.ScaRequiredError{RedirectURL: link}).RedirectURLWithReturn("javascript:alert(1)")
			return err
		}},
		{"ScaRequiredError.RedirectURLWithReturn", "RedirectURL", func(context.Context, *mangopay.Client) error {
			_, err := (&mangopay.ScaRequiredError{}).RedirectURLWithReturn("https://platform.example/done")
			return err
		}},
		{"PaymentRedirectError.RedirectURLWithReturn", "returnURL", func(context.Context, *mangopay.Client) error {
			_, err := (&mangopay.PaymentRedirectError{RedirectURL: link}).RedirectURLWithReturn("/relative")
			return err
		}},
		{"PaymentRedirectError.RedirectURLWithReturn", "RedirectURL", func(context.Context, *mangopay.Client) error {
			_, err := (&mangopay.PaymentRedirectError{}).RedirectURLWithReturn("")
			return err
		}},
		{"IdentityVerificationRedirectError.RedirectURLWithReturn", "returnURL", func(context.Context, *mangopay.Client) error {
			_, err := (&mangopay.IdentityVerificationRedirectError{HostedURL: link}).RedirectURLWithReturn("https://platform.example/a b")
			return err
		}},
		{"IdentityVerificationRedirectError.RedirectURLWithReturn", "HostedURL", func(context.Context, *mangopay.Client) error {
			_, err := (&mangopay.IdentityVerificationRedirectError{}).RedirectURLWithReturn("")
			return err
		}},

		{"Users.CreateNatural", "", func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Users.CreateNatural(ctx, nil)
			return err
		}},
		{"Users.CreateNatural", "FirstName", func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Users.CreateNatural(ctx, &mangopay.CreateNaturalUserRequest{UserCategory: mangopay.UserCategoryPayer,
				TermsAndConditionsAccepted: yes, LastName: "S", Email: "a@example.com"})
			return err
		}},
		{"Users.CreateNatural", "TermsAndConditionsAccepted", func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Users.CreateNatural(ctx, &mangopay.CreateNaturalUserRequest{UserCategory: mangopay.UserCategoryPayer,
				FirstName: "A", LastName: "S", Email: "a@example.com"})
			return err
		}},
		{"Users.CreateNatural", "ScaContext", func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Users.CreateNatural(ctx, &mangopay.CreateNaturalUserRequest{UserCategory: mangopay.UserCategoryPayer,
				TermsAndConditionsAccepted: yes, FirstName: "A", LastName: "S", Email: "a@example.com", ScaContext: "present"})
			return err
		}},
		{"Users.CreateLegal", "LegalRepresentative", func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Users.CreateLegal(ctx, &mangopay.CreateLegalUserRequest{UserCategory: mangopay.UserCategoryPayer,
				TermsAndConditionsAccepted: yes, LegalPersonType: mangopay.LegalPersonTypeBusiness, Name: "Acme", Email: "a@example.com"})
			return err
		}},
		{"Users.CreateLegal", "LegalRepresentative.LastName", func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Users.CreateLegal(ctx, &mangopay.CreateLegalUserRequest{UserCategory: mangopay.UserCategoryPayer,
				TermsAndConditionsAccepted: yes, LegalPersonType: mangopay.LegalPersonTypeBusiness, Name: "Acme", Email: "a@example.com",
				LegalRepresentative: &mangopay.LegalRepresentativeRequest{FirstName: "A"}})
			return err
		}},
		{"Users.UpdateNatural", "TermsAndConditionsAccepted", func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Users.UpdateNatural(ctx, "u1", &mangopay.UpdateNaturalUserRequest{Tag: mangopay.Ptr("x")})
			return err
		}},
		{"Users.UpdateLegal", "ScaContext", func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Users.UpdateLegal(ctx, "u1", &mangopay.UpdateLegalUserRequest{TermsAndConditionsAccepted: yes, ScaContext: "x"})
			return err
		}},
		{"Users.CategorizeNatural", "TermsAndConditionsAccepted", func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Users.CategorizeNatural(ctx, "u1", &mangopay.CategorizeNaturalUserRequest{})
			return err
		}},
		{"Users.CategorizeLegal", "", func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Users.CategorizeLegal(ctx, "u1", nil)
			return err
		}},
		{"Wallets.Create", "Owners", func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Wallets.Create(ctx, &mangopay.CreateWalletRequest{Description: "d", Currency: "EUR"})
			return err
		}},
		{"Wallets.Create", "Currency", func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Wallets.Create(ctx, &mangopay.CreateWalletRequest{Owners: []string{"u1"}, Description: "d", Currency: "eur"})
			return err
		}},
		{"Wallets.Create", "Tag", func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Wallets.Create(ctx, &mangopay.CreateWalletRequest{Owners: []string{"u1"}, Description: "d", Currency: "EUR", Tag: long})
			return err
		}},
		{"Wallets.Update", "Description", func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Wallets.Update(ctx, "w1", &mangopay.UpdateWalletRequest{Description: mangopay.Ptr("")})
			return err
		}},
		{"Wallets.Update", "", func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Wallets.Update(ctx, "w1", &mangopay.UpdateWalletRequest{})
			return err
		}},
		{"Wallets.Get", "ScaContext", func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Wallets.Get(ctx, "w1", "present")
			return err
		}},
		{"Wallets.ListByUser", "ScaContext", func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Wallets.ListByUser(ctx, "u1", "present", nil)
			return err
		}},
		{"ListOptions", "PerPage", func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Wallets.ListByUser(ctx, "u1", "", &mangopay.ListOptions{PerPage: 101})
			return err
		}},
		{"ListOptions", "Page", func(ctx context.Context, c *mangopay.Client) error {
			return firstErr(c.Wallets.AllByUser(ctx, "u1", "", &mangopay.ListOptions{Page: -1}))
		}},
		{"Transactions.ListByUser", "Status[0]", func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Transactions.ListByUser(ctx, "u1", "", &mangopay.TransactionListOptions{Status: []mangopay.TransactionStatus{"A,B"}})
			return err
		}},
		{"Transactions.ListByWallet", "AfterDate", func(ctx context.Context, c *mangopay.Client) error {
			now := time.Now()
			_, err := c.Transactions.ListByWallet(ctx, "w1", "", &mangopay.TransactionListOptions{AfterDate: now, BeforeDate: now.Add(-time.Hour)})
			return err
		}},
		{"Transactions.AllByUser", "ResultCode[0]", func(ctx context.Context, c *mangopay.Client) error {
			return firstErr(c.Transactions.AllByUser(ctx, "u1", "", &mangopay.TransactionListOptions{ResultCode: []string{""}}))
		}},
		{"Transactions.AllByWallet", "ScaContext", func(ctx context.Context, c *mangopay.Client) error {
			return firstErr(c.Transactions.AllByWallet(ctx, "w1", "bogus", nil))
		}},
		{"Transfers.Create", "", func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Transfers.Create(ctx, nil)
			return err
		}},
		{"Transfers.Create", "AuthorId", func(ctx context.Context, c *mangopay.Client) error {
			in := validTransfer()
			in.AuthorID = ""
			_, err := c.Transfers.Create(ctx, in)
			return err
		}},
		{"Transfers.Create", "DebitedFunds.Amount", func(ctx context.Context, c *mangopay.Client) error {
			in := validTransfer()
			in.DebitedFunds.Amount = -1
			_, err := c.Transfers.Create(ctx, in)
			return err
		}},
		{"Transfers.Create", "Fees.Currency", func(ctx context.Context, c *mangopay.Client) error {
			in := validTransfer()
			in.Fees = mangopay.Money{}
			_, err := c.Transfers.Create(ctx, in)
			return err
		}},
		{"Transfers.Create", "ScaContext", func(ctx context.Context, c *mangopay.Client) error {
			in := validTransfer()
			in.ScaContext = "PRESENT"
			_, err := c.Transfers.Create(ctx, in)
			return err
		}},
		{"Recipients.PayoutMethods", "Country", func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Recipients.PayoutMethods(ctx, "GBR", "GBP")
			return err
		}},
		{"Recipients.Schema", "", func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Recipients.Schema(ctx, nil)
			return err
		}},
		{"Recipients.Schema", "Currency", func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Recipients.Schema(ctx, &mangopay.RecipientSchemaQuery{PayoutMethodType: mangopay.PayoutMethodLocalBankTransfer,
				RecipientType: mangopay.RecipientTypeIndividual, Country: "GB"})
			return err
		}},
		{"Recipients.Validate", "DisplayName", func(ctx context.Context, c *mangopay.Client) error {
			in := validRecipient()
			in.DisplayName = ""
			return c.Recipients.Validate(ctx, "u1", in)
		}},
		{"Recipients.Create", "", func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Recipients.Create(ctx, "u1", nil)
			return err
		}},
		{"Recipients.Create", "ScaContext", func(ctx context.Context, c *mangopay.Client) error {
			in := validRecipient()
			in.ScaContext = "NOBODY"
			_, err := c.Recipients.Create(ctx, "u1", in)
			return err
		}},
		{"ListOptions", "PerPage", func(ctx context.Context, c *mangopay.Client) error {
			return firstErr(c.Recipients.AllByUser(ctx, "u1", &mangopay.RecipientListOptions{ListOptions: mangopay.ListOptions{PerPage: -1}}))
		}},
		{"RecipientSchema.Check", "", func(ctx context.Context, c *mangopay.Client) error {
			return (&mangopay.RecipientSchema{}).Check(nil)
		}},
		{"Hooks.Create", "EventType", func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Hooks.Create(ctx, &mangopay.CreateHookRequest{URL: "https://p.example/h"})
			return err
		}},
		{"Hooks.Create", "Url", func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Hooks.Create(ctx, &mangopay.CreateHookRequest{EventType: mangopay.EventUserAccountActivated, URL: "/h"})
			return err
		}},
		{"Hooks.Update", "Status", func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Hooks.Update(ctx, "h1", &mangopay.UpdateHookRequest{Status: mangopay.Ptr(mangopay.HookStatus("PAUSED"))})
			return err
		}},
		{"Hooks.Update", "Validity", func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Hooks.Update(ctx, "h1", &mangopay.UpdateHookRequest{Validity: mangopay.Ptr(mangopay.HookValidityInvalid)})
			return err
		}},
		{"Hooks.Update", "Url", func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Hooks.Update(ctx, "h1", &mangopay.UpdateHookRequest{URL: mangopay.Ptr("")})
			return err
		}},
		{"Hooks.Update", "", func(ctx context.Context, c *mangopay.Client) error {
			_, err := c.Hooks.Update(ctx, "h1", &mangopay.UpdateHookRequest{})
			return err
		}},
		{"ListOptions", "Page", func(ctx context.Context, c *mangopay.Client) error {
			return firstErr(c.Hooks.All(ctx, &mangopay.ListOptions{Page: -2}))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.op+"/"+tc.field, func(t *testing.T) {
			t.Parallel()
			mt := httpmock.NewMockTransport() // no responder: any request fails the test below
			c, err := mangopay.New("acme", "key", mangopay.WithHTTPClient(&http.Client{Transport: mt}), mangopay.WithMaxRetries(0))
			require.NoError(t, err)

			err = tc.call(context.Background(), c)
			require.Error(t, err)
			assert.ErrorIs(t, err, mangopay.ErrInvalidRequest)
			var ve *mangopay.ValidationError
			require.True(t, errors.As(err, &ve), "errors.As finds a *ValidationError in %T", err)
			assert.Equal(t, tc.op, ve.Op)
			assert.True(t, ve.Has(tc.field), "problems %+v name %q", ve.Problems, tc.field)
			assert.True(t, strings.HasPrefix(err.Error(), "mangopay: "+tc.op+": "), err.Error())
			assert.NotContains(t, err.Error(), "\n")
			assert.Zero(t, mt.GetTotalCallCount(), "nothing is sent")
			if tc.field == "id" {
				assert.ErrorIs(t, err, mangopay.ErrInvalidID, "the id check keeps its public sentinel")
			} else {
				assert.NotErrorIs(t, err, mangopay.ErrInvalidID)
			}
			assert.NotContains(t, err.Error(), "sca_tok_1", "the SCA link's token is not shown")
		})
	}
}

// TestRecipientCheckErrorIsAValidationError: the recipients' typed check
// error keeps its own shape and also answers as the one validation error.
func TestRecipientCheckErrorIsAValidationError(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	c, err := mangopay.New("acme", "key", mangopay.WithHTTPClient(&http.Client{Transport: mt}))
	require.NoError(t, err)
	in := validRecipient()
	in.DisplayName = strings.Repeat("d", 51)
	in.Country = "gb"
	_, err = c.Recipients.Create(context.Background(), "u1", in)

	var rce *mangopay.RecipientCheckError
	require.ErrorAs(t, err, &rce)
	assert.True(t, rce.Has("DisplayName", mangopay.RecipientErrorLengthMoreThanMax))
	assert.True(t, rce.Has("Country", mangopay.RecipientErrorInvalidFormat), "one code rule: upper-case letters")
	assert.ErrorIs(t, err, mangopay.ErrInvalidRequest)

	var ve *mangopay.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "Recipients.Create", ve.Op)
	assert.Equal(t, []mangopay.FieldProblem{
		{Field: "DisplayName", Problem: "LENGTH_MORE_THAN_MAX: 51 characters, at most 50"},
		{Field: "Country", Problem: `INVALID_FORMAT: "gb" is not 2 upper-case letters`},
	}, ve.Problems)
	assert.Equal(t, map[string]mangopay.RecipientErrorCode{
		"DisplayName": mangopay.RecipientErrorLengthMoreThanMax, "Country": mangopay.RecipientErrorInvalidFormat,
	}, mangopay.RecipientErrors(err))
	assert.Zero(t, mt.GetTotalCallCount())

	// Wrapped by the caller, it still matches both ways.
	wrapped := errors.Join(errors.New("saving payout account"), err)
	assert.ErrorIs(t, wrapped, mangopay.ErrInvalidRequest)
	assert.ErrorAs(t, wrapped, &ve)
}

// TestValidationErrorIsNotAnAPIError: a local refusal is never mistaken for
// Mangopay's answer, and a Mangopay 400 never matches ErrInvalidRequest.
func TestValidationErrorIsNotAnAPIError(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodPost, "https://api.sandbox.mangopay.com/v2.01/oauth/token",
		httpmock.NewStringResponder(200, `{"access_token":"t","token_type":"Bearer","expires_in":3600}`))
	mt.RegisterResponder(http.MethodPost, "https://api.sandbox.mangopay.com/v2.01/acme/transfers",
		httpmock.NewStringResponder(400, `{"Message":"bad","Type":"param_error","Id":"x","Date":1,"errors":{"AuthorId":"The AuthorId field is required."}}`))
	c, err := mangopay.New("acme", "key", mangopay.WithHTTPClient(&http.Client{Transport: mt}), mangopay.WithMaxRetries(0))
	require.NoError(t, err)

	_, err = c.Transfers.Create(context.Background(), &mangopay.CreateTransferRequest{})
	var apiErr *mangopay.APIError
	assert.False(t, errors.As(err, &apiErr))

	_, err = c.Transfers.Create(context.Background(), validTransfer())
	require.ErrorAs(t, err, &apiErr)
	assert.NotErrorIs(t, err, mangopay.ErrInvalidRequest)
	var ve *mangopay.ValidationError
	assert.False(t, errors.As(err, &ve))
}
