package mangopay

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Fixtures (testdata/refunds): transfer-refund-response.json is the 200
// example of POST Create a Refund for a Transfer
// (docs.mangopay.com/api-reference/refunds/create-refund-transfer);
// payin-refund-failed-005403.json the example of
// docs.mangopay.com/errors/codes/005403.

func TestRefundsCreateForTransfer(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/transfers/155585643/refunds",
		cp.wrap(wlRespond(200, string(fixture(t, "refunds/transfer-refund-response.json")))))

	rf, err := env.c.Refunds.CreateForTransfer(context.Background(), "155585643",
		&CreateRefundRequest{AuthorID: "146476890", Tag: "custom meta"})
	require.NoError(t, err)

	r, body := cp.last(t)
	assert.Equal(t, http.MethodPost, r.Method)
	assertStdHeaders(t, r)
	assertJSONEq(t, []byte(`{"Tag":"custom meta","AuthorId":"146476890"}`), body) // a full refund sends no amounts
	assert.Equal(t, "155586343", rf.ID)
	assert.Equal(t, RefundStatusSucceeded, rf.Status)
	assert.Equal(t, Money{"EUR", 1100}, rf.DebitedFunds)
	assert.Equal(t, Money{"EUR", 1120}, rf.CreditedFunds)
	assert.Equal(t, Money{"EUR", -20}, rf.Fees)
	assert.Equal(t, TransactionNature("REFUND"), rf.Nature)
	assert.Equal(t, "155585643", rf.InitialTransactionID)
	assert.Equal(t, TransactionType("TRANSFER"), rf.InitialTransactionType)
	assert.Equal(t, "152161320", rf.DebitedWalletID)
	assert.Equal(t, "148968396", rf.CreditedWalletID)
	require.NotNil(t, rf.RefundReason)
	assert.Equal(t, "OTHER", rf.RefundReason.RefundReasonType)
	require.NotNil(t, rf.ExecutionDate)
}

// TestRefundsCreateForPayInPartialFailed: a partial refund sends both
// amounts; Mangopay's FAILED refund comes back with a nil error.
func TestRefundsCreateForPayInPartialFailed(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/payins/324444089/refunds",
		cp.wrap(wlRespond(200, string(fixture(t, "refunds/payin-refund-failed-005403.json")))))

	rf, err := env.c.Refunds.CreateForPayIn(context.Background(), "324444089", &CreateRefundRequest{
		AuthorID: "2286244407", DebitedFunds: &Money{"EUR", 71500}, Fees: &Money{"EUR", 0},
	}, WithIdempotencyKey("refund-order-000042-1"))
	require.NoError(t, err)

	r, body := cp.last(t)
	assert.Equal(t, "refund-order-000042-1", r.Header.Get("Idempotency-Key"))
	assertJSONEq(t, []byte(`{"AuthorId":"2286244407","DebitedFunds":{"Currency":"EUR","Amount":71500},"Fees":{"Currency":"EUR","Amount":0}}`), body)
	assert.Equal(t, RefundStatusFailed, rf.Status)
	assert.Equal(t, ResultCodeRefundExceedsAmount, rf.ResultCode)
	assert.Equal(t, TransactionType("PAYIN"), rf.InitialTransactionType)
	assert.Nil(t, rf.ExecutionDate)
}

func TestRefundsGet(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/refunds/155586343",
		cp.wrap(wlRespond(200, string(fixture(t, "refunds/transfer-refund-response.json")))))
	rf, err := env.c.Refunds.Get(context.Background(), "155586343")
	require.NoError(t, err)
	r, _ := cp.last(t)
	assertStdHeaders(t, r)
	assert.Equal(t, "155586343", rf.ID)

	env.mt.RegisterResponder(http.MethodGet, testAPI+"/refunds/nope",
		wlRespond(404, `{"Message":"The ressource does not exist","Type":"ressource_not_found"}`))
	_, err = env.c.Refunds.Get(context.Background(), "nope")
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestRefundsValidation(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		in    *CreateRefundRequest
		field string
	}{
		{"nil", nil, ""},
		{"no author", &CreateRefundRequest{}, "AuthorId"},
		{"fees without amount", &CreateRefundRequest{AuthorID: "u", Fees: &Money{"EUR", 0}}, "DebitedFunds"},
		{"amount without fees", &CreateRefundRequest{AuthorID: "u", DebitedFunds: &Money{"EUR", 10}}, "Fees"},
		{"zero amount", &CreateRefundRequest{AuthorID: "u", DebitedFunds: &Money{"EUR", 0}, Fees: &Money{"EUR", 0}}, "DebitedFunds.Amount"},
		{"negative fees", &CreateRefundRequest{AuthorID: "u", DebitedFunds: &Money{"EUR", 10}, Fees: &Money{"EUR", -1}}, "Fees.Amount"},
		{"currency mismatch", &CreateRefundRequest{AuthorID: "u", DebitedFunds: &Money{"EUR", 10}, Fees: &Money{"GBP", 0}}, "Fees.Currency"},
		{"bad currency", &CreateRefundRequest{AuthorID: "u", DebitedFunds: &Money{"E", 10}, Fees: &Money{"E", 0}}, "DebitedFunds.Currency"},
		{"long tag", &CreateRefundRequest{AuthorID: "u", Tag: strings.Repeat("t", 256)}, "Tag"},
	} {
		for _, call := range []func() (*Refund, error){
			func() (*Refund, error) { return env.c.Refunds.CreateForTransfer(ctx, "xfer_1", tc.in) },
			func() (*Refund, error) { return env.c.Refunds.CreateForPayIn(ctx, "payin_1", tc.in) },
		} {
			rf, err := call()
			assert.Nil(t, rf)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve, tc.name)
			assert.True(t, ve.Has(tc.field), "%s: %v", tc.name, err)
			assert.True(t, strings.HasPrefix(ve.Op, "Refunds.CreateFor"), ve.Op)
		}
	}
	for _, id := range []string{"", "..", "a/b", "a?b"} {
		_, err := env.c.Refunds.CreateForTransfer(ctx, id, &CreateRefundRequest{AuthorID: "u"})
		assert.ErrorIs(t, err, ErrInvalidID, "%q", id)
		_, err = env.c.Refunds.CreateForPayIn(ctx, id, &CreateRefundRequest{AuthorID: "u"})
		assert.ErrorIs(t, err, ErrInvalidID, "%q", id)
		_, err = env.c.Refunds.Get(ctx, id)
		assert.ErrorIs(t, err, ErrInvalidID, "%q", id)
	}
	assert.Equal(t, 0, env.mt.GetTotalCallCount())
}

// TestRefundsRecoveredAnswerMustMatch: a refund's answer lost, then the
// recorded answer under the same key names another author: the SDK does not
// take it for this refund's result (ErrIdempotencyKeyReused, naming the
// field), and the matching one is returned.
func TestRefundsRecoveredAnswerMustMatch(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, author string
		wantErr      bool
	}{{"same author", "146476890", false}, {"another author", "999", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t)
			first := true
			env.mt.RegisterResponder(http.MethodPost, testAPI+"/transfers/155585643/refunds", func(r *http.Request) (*http.Response, error) {
				if first {
					first = false
					return nil, errors.New("read tcp 10.0.0.1:443: connection reset by peer")
				}
				return wlRespond(409, `{"Message":"A resource has already been created with this Idempotency Key","Type":"idempotent_creation_conflict","Id":"c#1","Date":1,"errors":null}`)(r)
			})
			stored := strings.Replace(string(fixture(t, "refunds/transfer-refund-response.json")), `"AuthorId":"146476890"`, `"AuthorId":"`+tc.author+`"`, 1)
			env.mt.RegisterResponder(http.MethodGet, `=~^`+strings.ReplaceAll(testAPI, ".", `\.`)+`/responses/`,
				wlRespond(200, strings.Replace(storedResponseBody(`"200"`, stored), "/transfers", "/transfers/155585643/refunds", 1)))
			rf, err := env.c.Refunds.CreateForTransfer(context.Background(), "155585643", &CreateRefundRequest{AuthorID: "146476890"})
			if tc.wantErr {
				assert.ErrorIs(t, err, ErrIdempotencyKeyReused)
				assert.Contains(t, err.Error(), "AuthorId")
				assert.Nil(t, rf)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "155586343", rf.ID)
		})
	}
}
