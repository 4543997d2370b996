package mangopay

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Fixtures (testdata/payouts): create-request.json and
// create-response-created.json are the documented examples of POST Create a
// Payout (docs.mangopay.com/api-reference/payouts/create-payout);
// view-sct-inst.json is the "200 - SCT Inst" example of GET View a Payout
// and check mode applied; reachability-unreachable.json the "Bank is
// unreachable" example of POST /payouts/reachability;
// create-response-failed-121018.json is the shape of the documented 121018
// example (docs.mangopay.com/errors/codes/121018) with this test's ids.

const fixturePayoutID = "po_m_01HQMZSGSQPPXC51TZHDAYFAJF"

func documentedPayout() *CreatePayoutRequest {
	return &CreatePayoutRequest{
		Tag:             "Created using Mangopay API Postman Collection",
		AuthorID:        "user_m_01KF3087EDXEAK8VPD9DTMZW8N",
		DebitedFunds:    Money{Currency: "EUR", Amount: 5792},
		Fees:            Money{Currency: "EUR", Amount: 579},
		DebitedWalletID: "wlt_m_01KF30AN0HCMPPCGEEGY4DCBGZ",
		RecipientID:     "rec_01KF0MPAA8X9C80Q394TSF7MEY",
		BankWireRef:     "Example123",
	}
}

func TestPayoutsCreate(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/payouts/bankwire",
		cp.wrap(wlRespond(200, string(fixture(t, "payouts/create-response-created.json")))))

	po, err := env.c.Payouts.Create(context.Background(), documentedPayout())
	require.NoError(t, err, "a payout never demands SCA")

	r, body := cp.last(t)
	assert.Equal(t, http.MethodPost, r.Method)
	assert.Equal(t, "/prefix/v2.01/"+testClientID+"/payouts/bankwire", r.URL.Path)
	assert.Empty(t, r.URL.RawQuery)
	assertStdHeaders(t, r)
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	assertJSONEq(t, fixture(t, "payouts/create-request.json"), body)

	assert.Equal(t, fixturePayoutID, po.ID)
	assert.Equal(t, PayoutStatusCreated, po.Status)
	assert.Equal(t, Money{Currency: "EUR", Amount: 5213}, po.CreditedFunds)
	assert.Equal(t, Money{Currency: "EUR", Amount: 579}, po.Fees)
	assert.Equal(t, PayoutModePendingResponse, po.ModeApplied)
	assert.Empty(t, po.ModeRequested)
	assert.Nil(t, po.FallbackReason)
	assert.Nil(t, po.ExecutionDate)
	assert.Nil(t, po.PaymentRef)
	assert.Equal(t, "rec_01KF0MPAA8X9C80Q394TSF7MEY", po.RecipientID)
	assert.Equal(t, "2c2184396eef4e5da90ab48a2feeb51d", po.EndToEndID)
	assert.Equal(t, TransactionType("PAYOUT"), po.Type)
	assert.Equal(t, "BANK_WIRE", po.PaymentType)
	assert.Equal(t, int64(1709027672), po.CreationDate.Unix())
}

// TestPayoutsCreateSendsOptionalFields: mode, PaymentRef and the legacy
// BankAccountId go on the wire under their documented names.
func TestPayoutsCreateSendsOptionalFields(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/payouts/bankwire",
		cp.wrap(wlRespond(200, string(fixture(t, "payouts/create-response-created.json")))))

	in := documentedPayout()
	in.RecipientID = ""
	in.BankAccountID = "bankacc_m_01JMCS94W97ZM6XF5HR0KEVSGV"
	in.PayoutModeRequested = PayoutModeInstantOnly
	in.PaymentRef = &PaymentRef{ReasonType: PaymentReasonPayInRefund, ReferenceID: "payin_m_01J0000000000000000000000"}
	_, err := env.c.Payouts.Create(context.Background(), in, WithIdempotencyKey("withdrawal-2026-000042"))
	require.NoError(t, err)

	r, body := cp.last(t)
	assert.Equal(t, "withdrawal-2026-000042", r.Header.Get("Idempotency-Key"))
	assertJSONEq(t, []byte(`{
		"Tag": "Created using Mangopay API Postman Collection",
		"AuthorId": "user_m_01KF3087EDXEAK8VPD9DTMZW8N",
		"DebitedFunds": {"Currency": "EUR", "Amount": 5792},
		"Fees": {"Currency": "EUR", "Amount": 579},
		"DebitedWalletId": "wlt_m_01KF30AN0HCMPPCGEEGY4DCBGZ",
		"BankAccountId": "bankacc_m_01JMCS94W97ZM6XF5HR0KEVSGV",
		"BankWireRef": "Example123",
		"PayoutModeRequested": "INSTANT_PAYMENT_ONLY",
		"PaymentRef": {"ReasonType": "PAYIN_REFUND", "ReferenceId": "payin_m_01J0000000000000000000000"}
	}`), body)
}

// TestPayoutsCreateFailedAtOnce: Mangopay refuses a payout to a legacy bank
// account with a FAILED payout (200): the call worked, the money did not
// move, and the platform branches on the named result code.
func TestPayoutsCreateFailedAtOnce(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/payouts/bankwire",
		wlRespond(200, string(fixture(t, "payouts/create-response-failed-121018.json"))))
	in := documentedPayout()
	in.RecipientID, in.BankAccountID = "", "bankacc_m_01JT000000000000000000000"

	po, err := env.c.Payouts.Create(context.Background(), in)

	require.NoError(t, err)
	assert.Equal(t, PayoutStatusFailed, po.Status)
	assert.Equal(t, ResultCodePayoutLegacyBankAccount, po.ResultCode)
	assert.Contains(t, po.ResultMessage, "recipient endpoint")
}

func TestPayoutsCreateValidation(t *testing.T) {
	t.Parallel()
	env := newTestClient(t) // no responder: any request fails the test through an error
	for _, tc := range []struct {
		name  string
		edit  func(*CreatePayoutRequest)
		field string
	}{
		{"no author", func(r *CreatePayoutRequest) { r.AuthorID = "" }, "AuthorId"},
		{"author with a slash", func(r *CreatePayoutRequest) { r.AuthorID = "a/b" }, "AuthorId"},
		{"no wallet", func(r *CreatePayoutRequest) { r.DebitedWalletID = "" }, "DebitedWalletId"},
		{"zero amount", func(r *CreatePayoutRequest) { r.DebitedFunds.Amount = 0 }, "DebitedFunds.Amount"},
		{"negative amount", func(r *CreatePayoutRequest) { r.DebitedFunds.Amount = -5 }, "DebitedFunds.Amount"},
		{"bad currency", func(r *CreatePayoutRequest) { r.DebitedFunds.Currency, r.Fees.Currency = "eur", "eur" }, "DebitedFunds.Currency"},
		{"negative fees", func(r *CreatePayoutRequest) { r.Fees.Amount = -1 }, "Fees.Amount"},
		{"fees above amount", func(r *CreatePayoutRequest) { r.Fees.Amount = 6000 }, "Fees.Amount"},
		{"fees in another currency", func(r *CreatePayoutRequest) { r.Fees.Currency = "GBP" }, "Fees.Currency"},
		{"fees left zero", func(r *CreatePayoutRequest) { r.Fees = Money{} }, "Fees.Currency"},
		{"no destination", func(r *CreatePayoutRequest) { r.RecipientID = "" }, "RecipientId"},
		{"two destinations", func(r *CreatePayoutRequest) { r.BankAccountID = "bankacc_1" }, "BankAccountId"},
		{"recipient id with ..", func(r *CreatePayoutRequest) { r.RecipientID = ".." }, "RecipientId"},
		{"unknown mode", func(r *CreatePayoutRequest) { r.PayoutModeRequested = "FAST" }, "PayoutModeRequested"},
		{"applied-only mode", func(r *CreatePayoutRequest) { r.PayoutModeRequested = PayoutModePendingResponse }, "PayoutModeRequested"},
		{"payment ref reason", func(r *CreatePayoutRequest) {
			r.PaymentRef = &PaymentRef{ReasonType: "GIFT", ReferenceID: "payin_1"}
		}, "PaymentRef.ReasonType"},
		{"payment ref without pay-in", func(r *CreatePayoutRequest) {
			r.PaymentRef = &PaymentRef{ReasonType: PaymentReasonPayInRefund}
		}, "PaymentRef.ReferenceId"},
		{"long bank wire ref", func(r *CreatePayoutRequest) { r.BankWireRef = strings.Repeat("x", 256) }, "BankWireRef"},
		{"long tag", func(r *CreatePayoutRequest) { r.Tag = strings.Repeat("é", 256) }, "Tag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := documentedPayout()
			tc.edit(in)
			po, err := env.c.Payouts.Create(context.Background(), in)
			assert.Nil(t, po)
			require.ErrorIs(t, err, ErrInvalidRequest)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, "Payouts.Create", ve.Op)
			assert.True(t, ve.Has(tc.field), "want a problem with %s, got %v", tc.field, err)
		})
	}
	_, err := env.c.Payouts.Create(context.Background(), nil)
	assert.ErrorIs(t, err, ErrInvalidRequest)
	assert.Equal(t, 0, env.mt.GetTotalCallCount(), "nothing was sent")
}

func TestPayoutsGet(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/payouts/bankwire/po_m_01HQMZZV376RRXYQGQAHZ4TN9K",
		cp.wrap(wlRespond(200, string(fixture(t, "payouts/view-sct-inst.json")))))

	po, err := env.c.Payouts.Get(context.Background(), "po_m_01HQMZZV376RRXYQGQAHZ4TN9K")
	require.NoError(t, err)

	r, body := cp.last(t)
	assert.Equal(t, http.MethodGet, r.Method)
	assertStdHeaders(t, r)
	assert.Empty(t, body)
	assert.Equal(t, PayoutStatusSucceeded, po.Status)
	assert.Equal(t, PayoutModeInstantOnly, po.ModeRequested)
	assert.Equal(t, PayoutModeInstant, po.ModeApplied)
	assert.Nil(t, po.FallbackReason)
	require.NotNil(t, po.ExecutionDate)
	assert.Equal(t, int64(1709027880), po.ExecutionDate.Unix())
	assert.Equal(t, "204070675", po.BankAccountID)
}

// TestPayoutsGetFallbackReason: an INSTANT_PAYMENT payout sent as STANDARD
// carries why; an unexpected string shape still decodes.
func TestPayoutsGetFallbackReason(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/payouts/bankwire/po_1",
		wlRespond(200, `{"Id":"po_1","Status":"CREATED","ModeRequested":"INSTANT_PAYMENT","ModeApplied":"STANDARD",
			"FallbackReason":{"Code":"130010","Message":"Generic operation error"}}`))
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/payouts/bankwire/po_2",
		wlRespond(200, `{"Id":"po_2","ModeApplied":"STANDARD","FallbackReason":"Bank unreachable"}`))

	po, err := env.c.Payouts.Get(context.Background(), "po_1")
	require.NoError(t, err)
	assert.Equal(t, PayoutModeStandard, po.ModeApplied)
	assert.Equal(t, &FallbackReason{Code: "130010", Message: "Generic operation error"}, po.FallbackReason)

	po, err = env.c.Payouts.Get(context.Background(), "po_2")
	require.NoError(t, err)
	assert.Equal(t, &FallbackReason{Message: "Bank unreachable"}, po.FallbackReason)
}

func TestPayoutsGetRefusesBadIDs(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	for _, id := range []string{"", "..", "po/1", "po?x", "po#1", "po 1"} {
		po, err := env.c.Payouts.Get(context.Background(), id)
		assert.Nil(t, po)
		assert.ErrorIs(t, err, ErrInvalidID, "%q", id)
	}
	assert.Equal(t, 0, env.mt.GetTotalCallCount())
}

func TestPayoutsGetEscapesAndDecodesErrors(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/payouts/bankwire/po%25m",
		cp.wrap(wlRespond(404, `{"Message":"The ressource does not exist","Type":"ressource_not_found","Id":"x","Date":1,"errors":{"RessourceNotFound":"Cannot found the ressource PayOut with the id=po%m "}}`)))
	_, err := env.c.Payouts.Get(context.Background(), "po%m")
	assert.ErrorIs(t, err, ErrNotFound)
	r, _ := cp.last(t)
	assert.Equal(t, "/prefix/v2.01/"+testClientID+"/payouts/bankwire/po%25m", r.URL.EscapedPath())
}

func TestPayoutsCheckReachability(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/payouts/reachability",
		cp.wrap(wlRespond(200, string(fixture(t, "payouts/reachability-unreachable.json")))))

	res, err := env.c.Payouts.CheckReachability(context.Background(), &ReachabilityRequest{
		AuthorID:        "142036728",
		DebitedFunds:    Money{Currency: "EUR", Amount: 1200},
		Fees:            Money{Currency: "EUR", Amount: 12},
		DebitedWalletID: "145389978",
		RecipientID:     "rec_01KF0MPAA8X9C80Q394TSF7MEY",
		BankWireRef:     "invoice 7282",
	})
	require.NoError(t, err)

	r, body := cp.last(t)
	assert.Equal(t, http.MethodPost, r.Method)
	assertStdHeaders(t, r)
	assertJSONEq(t, []byte(`{"PayoutModeRequested":"INSTANT_PAYMENT","AuthorId":"142036728",
		"DebitedFunds":{"Currency":"EUR","Amount":1200},"Fees":{"Currency":"EUR","Amount":12},
		"DebitedWalletId":"145389978","RecipientId":"rec_01KF0MPAA8X9C80Q394TSF7MEY","BankWireRef":"invoice 7282"}`), body)
	assert.False(t, res.Reachable())
	require.NotNil(t, res.InstantPayout.UnreachableReason)
	assert.Equal(t, "130010", res.InstantPayout.UnreachableReason.Code)

	env.mt.RegisterResponder(http.MethodPost, testAPI+"/payouts/reachability",
		wlRespond(200, `{"InstantPayout":{"IsReachable":true,"UnreachableReason":null}}`))
	res, err = env.c.Payouts.CheckReachability(context.Background(), &ReachabilityRequest{
		AuthorID: "a", DebitedWalletID: "w", DebitedFunds: Money{"EUR", 1}, Fees: Money{"EUR", 0}, BankAccountID: "b"})
	require.NoError(t, err)
	assert.True(t, res.Reachable())
	assert.Nil(t, res.InstantPayout.UnreachableReason)

	_, err = env.c.Payouts.CheckReachability(context.Background(), &ReachabilityRequest{AuthorID: "a"})
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.True(t, ve.Has("DebitedWalletId") && ve.Has("DebitedFunds.Amount") && ve.Has("RecipientId"), "%v", err)
	_, err = env.c.Payouts.CheckReachability(context.Background(), nil)
	assert.ErrorIs(t, err, ErrInvalidRequest)
	assert.False(t, (*Reachability)(nil).Reachable())
}

// TestPayoutsCreateLostAnswerNoDoublePayout: the first POST pays out but its
// answer is lost; the retry carries the same Idempotency-Key, Mangopay
// answers 409 idempotent_creation_conflict, and the client returns the
// recorded payout from GET /responses/{key}. One payout exists.
func TestPayoutsCreateLostAnswerNoDoublePayout(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	// The documented answer, made the answer to documentedPayout (the SDK
	// checks that a recovered payout has the request's identifying fields).
	var doc map[string]any
	require.NoError(t, json.Unmarshal(fixture(t, "payouts/create-response-created.json"), &doc))
	in := documentedPayout()
	doc["AuthorId"], doc["DebitedWalletId"], doc["RecipientId"], doc["BankAccountId"] = in.AuthorID, in.DebitedWalletID, in.RecipientID, in.BankAccountID
	doc["DebitedFunds"], doc["Fees"] = in.DebitedFunds, in.Fees
	b, err := json.Marshal(doc)
	require.NoError(t, err)
	resource := string(b)
	var mu sync.Mutex
	created := map[string]bool{}
	var keys []string
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/payouts/bankwire", func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		defer mu.Unlock()
		key := r.Header.Get("Idempotency-Key")
		keys = append(keys, key)
		if created[key] {
			return wlRespond(409, `{"Message":"A resource has already been created with this Idempotency Key","Type":"idempotent_creation_conflict","Id":"c#1","Date":1,"errors":null}`)(r)
		}
		created[key] = true
		return nil, errors.New("read tcp 10.0.0.1:443: connection reset by peer")
	})
	env.mt.RegisterResponder(http.MethodGet, `=~^`+strings.ReplaceAll(testAPI, ".", `\.`)+`/responses/`,
		wlRespond(200, recorded("200", "/payouts/bankwire", resource)))

	var meta Response
	po, err := env.c.Payouts.Create(context.Background(), documentedPayout(), CaptureResponse(&meta))
	require.NoError(t, err)
	assert.Equal(t, fixturePayoutID, po.ID)
	assert.True(t, meta.Recovered)
	require.Len(t, keys, 2)
	assert.Equal(t, keys[0], keys[1], "the retry reuses the key")
	assert.Len(t, created, 1, "one payout")
}
