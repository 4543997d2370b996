package mangopay

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The 400 of API release note 2026-05-19: INVALID_FORMAT values carry the
// regex Mangopay checked. RecipientErrors still gives the bare code, and
// RecipientFieldErrors gives the code, the pattern and the raw text.
func TestRecipientsErrorsWithRegexPattern(t *testing.T) {
	t.Parallel()
	for _, op := range []string{"validate", "create"} {
		t.Run(op, func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t)
			path := testAPI + "/users/u1/recipients"
			if op == "validate" {
				path += "/validate"
			}
			env.mt.RegisterResponder(http.MethodPost, path,
				jsonResponder(400, string(fixture(t, "errors/400-recipient-invalid-format-regex.json"))))
			var err error
			if op == "validate" {
				err = env.c.Recipients.Validate(context.Background(), "u1", gbpDraft())
			} else {
				var r *Recipient
				r, err = env.c.Recipients.Create(context.Background(), "u1", gbpDraft())
				assert.Nil(t, r)
			}
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, http.StatusBadRequest, apiErr.StatusCode)
			assert.Equal(t, ErrorTypeParam, apiErr.Type)
			assert.Equal(t, `INVALID_FORMAT. Regex validation: ^\d{8}$`, apiErr.Errors["LocalBankTransfer.GBP.AccountNumber"])

			assert.Equal(t, map[string]RecipientErrorCode{
				"IndividualRecipient.Address.PostalCode": RecipientErrorLengthMoreThanMax,
				"LocalBankTransfer.GBP.AccountNumber":    RecipientErrorInvalidFormat,
				"LocalBankTransfer.GBP.SortCode":         RecipientErrorInvalidFormat,
			}, RecipientErrors(err))
			assert.Equal(t, map[string]RecipientFieldError{
				"IndividualRecipient.Address.PostalCode": {Code: RecipientErrorLengthMoreThanMax, Raw: "LENGTH_MORE_THAN_MAX"},
				"LocalBankTransfer.GBP.AccountNumber":    {Code: RecipientErrorInvalidFormat, Pattern: `^\d{8}$`, Raw: `INVALID_FORMAT. Regex validation: ^\d{8}$`},
				"LocalBankTransfer.GBP.SortCode":         {Code: RecipientErrorInvalidFormat, Pattern: `^\d{6}$`, Raw: `INVALID_FORMAT. Regex validation: ^\d{6}$`},
			}, RecipientFieldErrors(err))
			// The pattern is usable as it comes.
			re := regexp.MustCompile(RecipientFieldErrors(err)["LocalBankTransfer.GBP.SortCode"].Pattern)
			assert.True(t, re.MatchString("200000"))
			assert.False(t, re.MatchString("20-00-00"))
			assert.False(t, errors.Is(err, ErrRecipientScaNotAllowed))
		})
	}
}

func TestParseRecipientFieldError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want RecipientFieldError
	}{
		{"INVALID_FORMAT", RecipientFieldError{Code: RecipientErrorInvalidFormat}},
		{`INVALID_FORMAT. Regex validation: ^\d{8}$`, RecipientFieldError{Code: RecipientErrorInvalidFormat, Pattern: `^\d{8}$`}},
		// Spacing and case of the label are tolerated; a pattern holding
		// ". " is kept whole.
		{`INVALID_FORMAT.regex validation:  ^[A-Z]{2}\. [0-9]+$ `, RecipientFieldError{Code: RecipientErrorInvalidFormat, Pattern: `^[A-Z]{2}\. [0-9]+$`}},
		{"INVALID_FORMAT.", RecipientFieldError{Code: RecipientErrorInvalidFormat}},
		// Other text after a code: the code, no pattern.
		{"INVALID_IBAN. Checksum mismatch", RecipientFieldError{Code: RecipientErrorInvalidIBAN}},
		{"KAR_0042", RecipientFieldError{Code: RecipientErrorLegalRepresentativeEmailMissing}},
		{"2815488948686553431", RecipientFieldError{Code: "2815488948686553431"}},
		// Not a code: kept whole.
		{"The CountryOfResidence used is blocked", RecipientFieldError{Code: "The CountryOfResidence used is blocked"}},
		{"invalid_format. Regex validation: x", RecipientFieldError{Code: "invalid_format. Regex validation: x"}},
		{"", RecipientFieldError{}},
	} {
		tc.want.Raw = tc.in
		assert.Equal(t, tc.want, ParseRecipientFieldError(tc.in), "%q", tc.in)
	}
}

func TestRecipientFieldErrorsOfLocalCheck(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	d := gbpDraft()
	d.DisplayName = ""
	err := env.c.Recipients.Validate(context.Background(), "u1", d)
	assert.Equal(t, map[string]RecipientFieldError{"DisplayName": {Code: RecipientErrorRequired, Raw: "REQUIRED"}}, RecipientFieldErrors(err))
	assert.Nil(t, RecipientFieldErrors(errors.New("plain")))
	assert.Nil(t, RecipientFieldErrors(nil))
}

// FuzzParseRecipientFieldError: any value decodes without panicking, Raw is
// the input, and the code is a prefix of it.
func FuzzParseRecipientFieldError(f *testing.F) {
	f.Add(`INVALID_FORMAT. Regex validation: ^\d{8}$`)
	f.Add("LENGTH_MORE_THAN_MAX")
	f.Add("The value is not valid")
	f.Fuzz(func(t *testing.T, v string) {
		got := ParseRecipientFieldError(v)
		if got.Raw != v {
			t.Fatalf("Raw %q, want %q", got.Raw, v)
		}
		if len(got.Code) > len(v) || v[:len(got.Code)] != string(got.Code) {
			t.Fatalf("Code %q is not a prefix of %q", got.Code, v)
		}
		if got.Pattern != "" && got.Code == RecipientErrorCode(v) {
			t.Fatalf("a pattern %q without a code split from %q", got.Pattern, v)
		}
	})
}
