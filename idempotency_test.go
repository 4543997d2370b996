package mangopay

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The money-safety probes of issue 15 (items 1-3), each of which passed
// silently before: a POST whose effect the SDK cannot know now fails with
// *OutcomeUnknownError, and an answer recorded under a key is handed out only
// to the request it belongs to.

// recorded is a GET /responses/{key} body for a request to path.
func recorded(status, path, resource string) string {
	return `{"StatusCode":"` + status + `","ContentLength":"42","ContentType":"application/json; charset=utf-8",` +
		`"Date":"Mon, 14 Apr 2025 07:02:59 GMT","RequestURL":"https://api.sandbox.mangopay.com/v2.01/` + testClientID + path + `",` +
		`"Resource":` + resource + `}`
}

// transferJSON is the answer Mangopay records for documentedTransfer.
const transferJSON = `{"Id":"xfer_m_1500","Status":"SUCCEEDED","AuthorId":"user_m_01JRJM5RR5NYQDN0S6QWJJDRMR",` +
	`"DebitedWalletId":"wlt_m_01JRJM7ASZN7YP4MBDVBT0HZF1","CreditedWalletId":"wlt_m_01JRHSTW2NP4MDB45WQMDNS23C",` +
	`"DebitedFunds":{"Currency":"EUR","Amount":3001},"Fees":{"Currency":"EUR","Amount":0},"CreditedFunds":{"Currency":"EUR","Amount":3001}}`

// requireOutcomeUnknown asserts err is an *OutcomeUnknownError for method
// path and returns it.
func requireOutcomeUnknown(t *testing.T, err error, method, path string) *OutcomeUnknownError {
	t.Helper()
	require.ErrorIs(t, err, ErrOutcomeUnknown)
	var ou *OutcomeUnknownError
	require.ErrorAs(t, err, &ou)
	assert.Equal(t, method, ou.Method)
	assert.Equal(t, path, ou.Path)
	if method == http.MethodPost {
		assert.True(t, validKey(ou.IdempotencyKey), "key %q", ou.IdempotencyKey)
		assert.Contains(t, err.Error(), ou.IdempotencyKey)
	}
	assert.NotContains(t, err.Error(), "\n")
	assertNoSecret(t, err.Error())
	return ou
}

func TestOutcomeUnknownOnEmptySuccess(t *testing.T) {
	t.Parallel()
	for _, body := range []string{``, `null`, `{}`, ` { } `, `{"Status":"SUCCEEDED"}`} {
		t.Run("body "+body, func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t)
			var post, get capture
			env.mt.RegisterResponder(http.MethodPost, testAPI+"/transfers", post.wrap(jsonResponder(200, body)))
			// Mangopay has not recorded it (yet): nothing can be recovered.
			env.mt.RegisterRegexpResponder(http.MethodGet, regexpResponses, get.wrap(jsonResponder(404, apiErrorBody(ErrorTypeNotFound, "The ressource does not exist"))))
			tr, err := env.c.Transfers.Create(context.Background(), documentedTransfer())
			assert.Nil(t, tr, "no blank transfer handed out")
			ou := requireOutcomeUnknown(t, err, http.MethodPost, "/transfers")
			assert.Equal(t, post.reqs[0].Header.Get("Idempotency-Key"), ou.IdempotencyKey, "the key that was sent")
			assert.Equal(t, 1, post.n(), "the POST is not sent again")
			assert.Equal(t, 1+defaultMaxRetries, get.n(), "the answer was looked up in /responses")
		})
	}
	t.Run("the recorded answer recovers it", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		env.mt.RegisterResponder(http.MethodPost, testAPI+"/transfers", jsonResponder(201, `{}`))
		env.mt.RegisterRegexpResponder(http.MethodGet, regexpResponses, jsonResponder(200, recorded("200", "/transfers", transferJSON)))
		var meta Response
		tr, err := env.c.Transfers.Create(context.Background(), documentedTransfer(), CaptureResponse(&meta))
		require.NoError(t, err)
		assert.Equal(t, "xfer_m_1500", tr.ID)
		assert.True(t, meta.Recovered)
	})
	t.Run("PUT", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		env.mt.RegisterResponder(http.MethodPut, testAPI+"/wallets/w1", jsonResponder(200, `null`))
		w, err := env.c.Wallets.Update(context.Background(), "w1", &UpdateWalletRequest{Tag: Ptr("t")})
		assert.Nil(t, w)
		ou := requireOutcomeUnknown(t, err, http.MethodPut, "/wallets/w1")
		assert.Empty(t, ou.IdempotencyKey, "a PUT carries no key")
		assert.Zero(t, env.mt.GetCallCountInfo()["GET =~"+regexpResponses.String()], "no lookup without a key")
	})
	t.Run("a GET may answer an empty body", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		env.mt.RegisterResponder(http.MethodGet, testAPI+"/things/x", jsonResponder(200, ``))
		_, err := getThing(context.Background(), env.c, "x")
		assert.NoError(t, err)
	})
}

func TestOutcomeUnknownOnUndecodableSuccess(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`<html>proxy</html>`, `{"Id":42}`, `[1,2]`} {
		t.Run(body, func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t)
			env.mt.RegisterResponder(http.MethodPost, testAPI+"/transfers", jsonResponder(200, body))
			tr, err := env.c.Transfers.Create(context.Background(), documentedTransfer())
			assert.Nil(t, tr)
			requireOutcomeUnknown(t, err, http.MethodPost, "/transfers")
			assert.Contains(t, err.Error(), "decoding 200 response")
			assert.Equal(t, 2, env.mt.GetTotalCallCount(), "token and POST: the answer was not Mangopay's, nothing to look up")
		})
	}
}

func TestOutcomeUnknownWhenRetriesRunOut(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("answer lost on every attempt", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t) // the default: 2 retries
		var post capture
		env.mt.RegisterResponder(http.MethodPost, testAPI+"/transfers", post.wrap(httpmock.NewErrorResponder(errors.New("read: connection reset by peer"))))
		tr, err := env.c.Transfers.Create(ctx, documentedTransfer())
		assert.Nil(t, tr)
		ou := requireOutcomeUnknown(t, err, http.MethodPost, "/transfers")
		require.Equal(t, 1+defaultMaxRetries, post.n())
		for i := range post.reqs {
			assert.Equal(t, ou.IdempotencyKey, post.reqs[i].Header.Get("Idempotency-Key"), "attempt %d", i)
		}
		var ue *url.Error
		assert.ErrorAs(t, err, &ue, "the cause is still visible")
		assert.Contains(t, err.Error(), "connection reset by peer")
		assert.Contains(t, err.Error(), "never a new one")
	})
	t.Run("then the same key recovers it", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t, WithMaxRetries(0))
		var post capture
		env.mt.RegisterResponder(http.MethodPost, testAPI+"/transfers", post.wrap(sequence(
			httpmock.NewErrorResponder(errors.New("read: connection reset by peer")),
			jsonResponder(409, apiErrorBody(ErrorTypeIdempotencyConflict, "A resource has already been created with this Idempotency Key")))))
		env.mt.RegisterRegexpResponder(http.MethodGet, regexpResponses, jsonResponder(200, recorded("200", "/transfers", transferJSON)))
		_, err := env.c.Transfers.Create(ctx, documentedTransfer())
		ou := requireOutcomeUnknown(t, err, http.MethodPost, "/transfers")
		var meta Response
		tr, err := env.c.Transfers.Create(ctx, documentedTransfer(), WithIdempotencyKey(ou.IdempotencyKey), CaptureResponse(&meta))
		require.NoError(t, err)
		assert.Equal(t, "xfer_m_1500", tr.ID)
		assert.True(t, meta.Recovered)
		assert.Equal(t, ou.IdempotencyKey, post.reqs[1].Header.Get("Idempotency-Key"))
	})
	for _, status := range []int{500, 502, 503, 504} {
		t.Run("last answer "+http.StatusText(status), func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t)
			env.mt.RegisterResponder(http.MethodPost, testAPI+"/transfers", jsonResponder(status, ``))
			_, err := env.c.Transfers.Create(ctx, documentedTransfer())
			requireOutcomeUnknown(t, err, http.MethodPost, "/transfers")
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, status, apiErr.StatusCode)
		})
	}
	t.Run("a refusal is no unknown outcome", func(t *testing.T) {
		t.Parallel()
		for _, status := range []int{400, 403, 404, 429} {
			env := newTestClient(t)
			env.mt.RegisterResponder(http.MethodPost, testAPI+"/transfers", jsonResponder(status, apiErrorBody(ErrorTypeParam, "no")))
			_, err := env.c.Transfers.Create(ctx, documentedTransfer())
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr, "status %d", status)
			assert.NotErrorIs(t, err, ErrOutcomeUnknown, "status %d", status)
		}
	})
	t.Run("a lost answer stays in doubt through a later 429", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t, WithMaxRetries(1))
		env.mt.RegisterResponder(http.MethodPost, testAPI+"/transfers", sequence(
			httpmock.NewErrorResponder(errors.New("read: connection reset by peer")),
			jsonResponder(429, apiErrorBody(ErrorTypeRateLimit, "slow down"))))
		_, err := env.c.Transfers.Create(ctx, documentedTransfer())
		requireOutcomeUnknown(t, err, http.MethodPost, "/transfers")
		assert.ErrorIs(t, err, ErrRateLimited)
	})
	t.Run("a later 400 under the same key settles it", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t, WithMaxRetries(1))
		env.mt.RegisterResponder(http.MethodPost, testAPI+"/transfers", sequence(
			httpmock.NewErrorResponder(errors.New("read: connection reset by peer")),
			jsonResponder(400, apiErrorBody(ErrorTypeParam, "bad"))))
		_, err := env.c.Transfers.Create(ctx, documentedTransfer())
		assert.NotErrorIs(t, err, ErrOutcomeUnknown, "Mangopay would have answered 409 had the key been used")
	})
	t.Run("a PUT whose answer was lost stays in doubt through a later 400", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t, WithMaxRetries(1))
		env.mt.RegisterResponder(http.MethodPut, testAPI+"/recipients/r1", sequence(
			httpmock.NewErrorResponder(errors.New("read: connection reset by peer")),
			jsonResponder(400, apiErrorBody(ErrorTypeOther, "Invalid State"))))
		_, err := env.c.Recipients.Deactivate(ctx, "r1")
		requireOutcomeUnknown(t, err, http.MethodPut, "/recipients/r1")
	})
	t.Run("a GET never is", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		env.mt.RegisterResponder(http.MethodGet, testAPI+"/things/x", httpmock.NewErrorResponder(errors.New("read: connection reset by peer")))
		_, err := getThing(ctx, env.c, "x")
		require.Error(t, err)
		assert.NotErrorIs(t, err, ErrOutcomeUnknown)
	})
	t.Run("a connection never made is no doubt", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t, WithMaxRetries(0))
		env.mt.RegisterResponder(http.MethodPost, testAPI+"/transfers",
			httpmock.NewErrorResponder(&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}))
		_, err := env.c.Transfers.Create(ctx, documentedTransfer())
		require.Error(t, err)
		assert.NotErrorIs(t, err, ErrOutcomeUnknown)
	})
	t.Run("context cancelled in flight", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		cctx, cancel := context.WithCancel(ctx)
		env.mt.RegisterResponder(http.MethodPost, testAPI+"/transfers", func(r *http.Request) (*http.Response, error) {
			cancel()
			return nil, context.Canceled
		})
		_, err := env.c.Transfers.Create(cctx, documentedTransfer())
		requireOutcomeUnknown(t, err, http.MethodPost, "/transfers")
		assert.ErrorIs(t, err, context.Canceled)
	})
	t.Run("context cancelled before sending is no doubt", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := env.c.Transfers.Create(cctx, documentedTransfer())
		assert.ErrorIs(t, err, context.Canceled)
		assert.NotErrorIs(t, err, ErrOutcomeUnknown)
	})
	t.Run("/responses unreachable", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		env.mt.RegisterResponder(http.MethodPost, testAPI+"/transfers", sequence(
			httpmock.NewErrorResponder(errors.New("read: connection reset by peer")),
			jsonResponder(409, apiErrorBody(ErrorTypeIdempotencyConflict, "already"))))
		env.mt.RegisterRegexpResponder(http.MethodGet, regexpResponses, httpmock.NewErrorResponder(errors.New("dial tcp: i/o timeout")))
		_, err := env.c.Transfers.Create(ctx, documentedTransfer())
		requireOutcomeUnknown(t, err, http.MethodPost, "/transfers")
		assert.ErrorIs(t, err, ErrIdempotencyConflict)
		assert.Contains(t, err.Error(), "could not be fetched from /responses")
	})
	t.Run("a record without RequestURL cannot be trusted", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		env.mt.RegisterResponder(http.MethodPost, testAPI+"/transfers", jsonResponder(409, apiErrorBody(ErrorTypeIdempotencyConflict, "already")))
		env.mt.RegisterRegexpResponder(http.MethodGet, regexpResponses, jsonResponder(200, `{"StatusCode":"200","Resource":`+transferJSON+`}`))
		tr, err := env.c.Transfers.Create(ctx, documentedTransfer(), WithIdempotencyKey("order-2025-000042"))
		assert.Nil(t, tr)
		ou := requireOutcomeUnknown(t, err, http.MethodPost, "/transfers")
		assert.Equal(t, "order-2025-000042", ou.IdempotencyKey)
	})
}

// A caller's key is never replaced: a recorded 5xx means the original had no
// effect, and the caller (who may have persisted the key) is told so.
func TestCallerKeyNeverReplaced(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var post capture
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/transfers", post.wrap(jsonResponder(409, apiErrorBody(ErrorTypeIdempotencyConflict, "already"))))
	env.mt.RegisterRegexpResponder(http.MethodGet, regexpResponses, jsonResponder(200, recorded("500", "/transfers", `{"Message":"boom","Type":"other"}`)))
	tr, err := env.c.Transfers.Create(context.Background(), documentedTransfer(), WithIdempotencyKey("order-2025-000042"))
	assert.Nil(t, tr)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 500, apiErr.StatusCode)
	assert.NotErrorIs(t, err, ErrOutcomeUnknown, "the outcome is known: nothing happened")
	assert.Contains(t, err.Error(), "had no effect")
	require.Equal(t, 1, post.n(), "no POST under another key")
}

func TestKeyReusedByAnotherRequest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// conflict makes every POST to path answer 409 and /responses answer rec.
	conflict := func(t *testing.T, path, rec string) *testEnv {
		env := newTestClient(t)
		env.mt.RegisterResponder(http.MethodPost, testAPI+path, jsonResponder(409, apiErrorBody(ErrorTypeIdempotencyConflict, "already")))
		env.mt.RegisterResponder(http.MethodGet, testAPI+"/responses/order-2025-000042", jsonResponder(200, rec))
		return env
	}
	key := WithIdempotencyKey("order-2025-000042")
	requireReused := func(t *testing.T, err error, field string) {
		t.Helper()
		require.ErrorIs(t, err, ErrIdempotencyKeyReused)
		assert.NotErrorIs(t, err, ErrOutcomeUnknown)
		assert.Contains(t, err.Error(), "order-2025-000042")
		assert.Contains(t, err.Error(), field)
	}

	t.Run("transfer of another amount", func(t *testing.T) {
		t.Parallel()
		env := conflict(t, "/transfers", recorded("200", "/transfers", transferJSON)) // 30.01 EUR
		in := documentedTransfer()
		in.DebitedFunds.Amount, in.CreditedWalletID = 999900, "wlt_other"
		var meta Response
		tr, err := env.c.Transfers.Create(ctx, in, key, CaptureResponse(&meta))
		assert.Nil(t, tr, "the 30.01 EUR transfer is not returned as this one")
		requireReused(t, err, "CreditedWalletId")
		assert.False(t, meta.Recovered)
	})
	t.Run("each identifying field of a transfer", func(t *testing.T) {
		t.Parallel()
		for name, change := range map[string]func(*CreateTransferRequest){
			"AuthorId":         func(r *CreateTransferRequest) { r.AuthorID = "someone" },
			"DebitedWalletId":  func(r *CreateTransferRequest) { r.DebitedWalletID = "w9" },
			"CreditedWalletId": func(r *CreateTransferRequest) { r.CreditedWalletID = "w9" },
			"DebitedFunds":     func(r *CreateTransferRequest) { r.DebitedFunds.Amount++ },
			"DebitedFunds ":    func(r *CreateTransferRequest) { r.DebitedFunds.Currency, r.Fees.Currency = "GBP", "GBP" },
			"Fees":             func(r *CreateTransferRequest) { r.Fees.Amount = 1 },
		} {
			env := conflict(t, "/transfers", recorded("200", "/transfers", transferJSON))
			in := documentedTransfer()
			change(in)
			tr, err := env.c.Transfers.Create(ctx, in, key)
			assert.Nil(t, tr, name)
			requireReused(t, err, strings.TrimSpace(name))
		}
		env := conflict(t, "/transfers", recorded("200", "/transfers", transferJSON))
		in := documentedTransfer()
		in.Tag = "another tag"
		tr, err := env.c.Transfers.Create(ctx, in, key)
		require.NoError(t, err, "the tag does not identify the movement")
		assert.Equal(t, "xfer_m_1500", tr.ID)
	})
	t.Run("wallet with a transfer's key", func(t *testing.T) {
		t.Parallel()
		env := conflict(t, "/wallets", recorded("200", "/transfers", transferJSON))
		w, err := env.c.Wallets.Create(ctx, &CreateWalletRequest{Owners: []string{"u1"}, Description: "d", Currency: "EUR"}, key)
		assert.Nil(t, w, "no *Wallet whose id is a transfer's")
		requireReused(t, err, "/transfers")
	})
	t.Run("wallet, path matches but not the resource", func(t *testing.T) {
		t.Parallel()
		env := conflict(t, "/wallets", recorded("200", "/wallets", transferJSON))
		w, err := env.c.Wallets.Create(ctx, &CreateWalletRequest{Owners: []string{"u1"}, Description: "d", Currency: "EUR"}, key)
		assert.Nil(t, w)
		requireReused(t, err, "Owners")
	})
	t.Run("wallet of another currency", func(t *testing.T) {
		t.Parallel()
		env := conflict(t, "/wallets", recorded("200", "/wallets", `{"Id":"w1","Owners":["u1"],"Currency":"GBP"}`))
		_, err := env.c.Wallets.Create(ctx, &CreateWalletRequest{Owners: []string{"u1"}, Description: "d", Currency: "EUR"}, key)
		requireReused(t, err, "Currency")
	})
	t.Run("wallet recovered", func(t *testing.T) {
		t.Parallel()
		env := conflict(t, "/wallets", recorded("200", "/wallets", `{"Id":"w1","Owners":["u1"],"Currency":"EUR"}`))
		w, err := env.c.Wallets.Create(ctx, &CreateWalletRequest{Owners: []string{"u1"}, Description: "d", Currency: "EUR"}, key)
		require.NoError(t, err)
		assert.Equal(t, "w1", w.ID)
	})
	t.Run("natural user of another email", func(t *testing.T) {
		t.Parallel()
		env := conflict(t, "/sca/users/natural", recorded("200", "/sca/users/natural",
			`{"Id":"u1","PersonType":"NATURAL","UserCategory":"PAYER","Email":"bob@example.com","FirstName":"Ann","LastName":"Lee"}`))
		u, err := env.c.Users.CreateNatural(ctx, &CreateNaturalUserRequest{UserCategory: UserCategoryPayer, TermsAndConditionsAccepted: Ptr(false),
			FirstName: "Ann", LastName: "Lee", Email: "ann@example.com"}, key)
		assert.Nil(t, u)
		requireReused(t, err, "Email")
	})
	t.Run("natural user recovered as a legal one", func(t *testing.T) {
		t.Parallel()
		env := conflict(t, "/sca/users/legal", recorded("200", "/sca/users/legal",
			`{"Id":"u1","PersonType":"NATURAL","UserCategory":"PAYER","Email":"ann@example.com","Name":"Acme"}`))
		u, err := env.c.Users.CreateLegal(ctx, &CreateLegalUserRequest{UserCategory: UserCategoryPayer, TermsAndConditionsAccepted: Ptr(true),
			LegalPersonType: LegalPersonTypeBusiness, Name: "Acme", Email: "ann@example.com",
			LegalRepresentative: &LegalRepresentativeRequest{FirstName: "A", LastName: "B"}}, key)
		assert.Nil(t, u)
		requireReused(t, err, "PersonType")
	})
	t.Run("recipient of another name", func(t *testing.T) {
		t.Parallel()
		env := conflict(t, "/users/u1/recipients", recorded("200", "/users/u1/recipients",
			`{"Id":"rec_1","DisplayName":"Someone else","PayoutMethodType":"LocalBankTransfer","RecipientType":"Individual","Currency":"GBP"}`))
		r, err := env.c.Recipients.Create(ctx, "u1", validGBPRecipient(), key)
		assert.Nil(t, r)
		requireReused(t, err, "DisplayName")
	})
	t.Run("recipient of another user", func(t *testing.T) {
		t.Parallel()
		env := conflict(t, "/users/u2/recipients", recorded("200", "/users/u1/recipients", `{"Id":"rec_1"}`))
		r, err := env.c.Recipients.Create(ctx, "u2", validGBPRecipient(), key)
		assert.Nil(t, r)
		requireReused(t, err, "/users/u1/recipients")
	})
	t.Run("hook of another event", func(t *testing.T) {
		t.Parallel()
		env := conflict(t, "/hooks", recorded("200", "/hooks", `{"Id":"h1","EventType":"PAYIN_NORMAL_FAILED","Url":"https://platform.example/hooks"}`))
		h, err := env.c.Hooks.Create(ctx, &CreateHookRequest{EventType: "TRANSFER_NORMAL_SUCCEEDED", URL: "https://platform.example/hooks"}, key)
		assert.Nil(t, h)
		requireReused(t, err, "EventType")
	})
	t.Run("a recorded error of another path", func(t *testing.T) {
		t.Parallel()
		env := conflict(t, "/transfers", recorded("400", "/wallets", apiErrorBody(ErrorTypeParam, "bad")))
		_, err := env.c.Transfers.Create(ctx, documentedTransfer(), key)
		requireReused(t, err, "/wallets")
		var apiErr *APIError
		assert.False(t, errors.As(err, &apiErr), "the other request's error is not reported as this one's")
	})
	t.Run("another ClientId", func(t *testing.T) {
		t.Parallel()
		env := conflict(t, "/transfers", `{"StatusCode":"200","RequestURL":"https://api.sandbox.mangopay.com/v2.01/other-client/transfers","Resource":`+transferJSON+`}`)
		_, err := env.c.Transfers.Create(ctx, documentedTransfer(), key)
		requireReused(t, err, "other-client")
	})
	t.Run("Do with a check", func(t *testing.T) {
		t.Parallel()
		env := conflict(t, "/things", recorded("200", "/things", `{"Id":"t9","Status":"B"}`))
		var out thing
		err := env.c.post(ctx, "/things", nil, &out, []RequestOption{key, WithRecoveryCheck(func(v any) error {
			if v.(*thing).Status != "A" {
				return errors.New("status is not A")
			}
			return nil
		})})
		requireReused(t, err, "status is not A")
		assert.Equal(t, thing{}, out, "nothing of the other answer is left in out")
	})
}

// validGBPRecipient is a recipient request that passes the local checks.
func validGBPRecipient() *CreateRecipientRequest {
	return &CreateRecipientRequest{
		DisplayName: "Alex Smith GBP account", PayoutMethodType: PayoutMethodLocalBankTransfer,
		RecipientType: RecipientTypeIndividual, Currency: "GBP", Country: "GB",
		IndividualRecipient: &IndividualRecipient{FirstName: "Alex", LastName: "Smith",
			Address: &Address{AddressLine1: "10 Kingsway", City: "London", PostalCode: "WC2B 6LH", Country: "GB"}},
		LocalBankTransfer: &LocalBankTransfer{GBP: &GBPAccount{SortCode: "200000", AccountNumber: "55779911"}},
	}
}

func TestNewIdempotencyKey(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 1000 {
		k := NewIdempotencyKey()
		require.True(t, validKey(k), k)
		require.False(t, seen[k], "duplicate key %s", k)
		seen[k] = true
	}
}

func TestIdempotencyGet(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("a recorded transfer", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		var get capture
		env.mt.RegisterResponder(http.MethodGet, testAPI+"/responses/order-2025-000042", get.wrap(jsonResponder(200, recorded("200", "/transfers", transferJSON))))
		rec, err := env.c.Idempotency.Get(ctx, "order-2025-000042")
		require.NoError(t, err)
		r, body := get.last(t)
		assert.Equal(t, "/prefix/v2.01/"+testClientID+"/responses/order-2025-000042", r.URL.Path)
		assert.Empty(t, body)
		assertStdHeaders(t, r)
		assert.Equal(t, "order-2025-000042", rec.IdempotencyKey)
		assert.Equal(t, 200, rec.StatusCode)
		assert.EqualValues(t, 42, rec.ContentLength)
		assert.Equal(t, "application/json; charset=utf-8", rec.ContentType)
		assert.Equal(t, time.Date(2025, 4, 14, 7, 2, 59, 0, time.UTC), rec.Date)
		assert.Equal(t, "https://api.sandbox.mangopay.com/v2.01/"+testClientID+"/transfers", rec.RequestURL)
		assert.Equal(t, "/transfers", rec.RequestPath())
		assert.True(t, rec.Succeeded())
		assert.NoError(t, rec.Err())
		assert.JSONEq(t, transferJSON, string(rec.Resource))
		tr, err := DecodeRecorded[Transfer](rec)
		require.NoError(t, err)
		assert.Equal(t, "xfer_m_1500", tr.ID)
		assert.Equal(t, Money{Currency: "EUR", Amount: 3001}, tr.DebitedFunds)
	})
	t.Run("numbers, a string resource", func(t *testing.T) {
		t.Parallel()
		var rec RecordedResponse
		require.NoError(t, json.Unmarshal([]byte(`{"StatusCode":201,"ContentLength":12,"Resource":"{\"Id\":\"w1\"}","RequestURL":"https://x/v2.01/c/wallets?x=1"}`), &rec))
		assert.Equal(t, 201, rec.StatusCode)
		assert.EqualValues(t, 12, rec.ContentLength)
		assert.Equal(t, "/wallets", rec.RequestPath())
		w, err := DecodeRecorded[Wallet](&rec)
		require.NoError(t, err)
		assert.Equal(t, "w1", w.ID)
	})
	t.Run("odd fields", func(t *testing.T) {
		t.Parallel()
		var rec RecordedResponse
		require.NoError(t, json.Unmarshal([]byte(`{"StatusCode":"two hundred","ContentLength":"?","Date":"yesterday","RequestURL":"nope"}`), &rec))
		assert.Zero(t, rec.StatusCode)
		assert.EqualValues(t, -1, rec.ContentLength)
		assert.True(t, rec.Date.IsZero())
		assert.Empty(t, rec.RequestPath())
		_, err := DecodeRecorded[Transfer](&rec)
		assert.Error(t, err)
	})
	t.Run("a recorded error", func(t *testing.T) {
		t.Parallel()
		var rec RecordedResponse
		require.NoError(t, json.Unmarshal([]byte(recorded("400", "/transfers", apiErrorBody(ErrorTypeParam, "bad"))), &rec))
		assert.False(t, rec.Succeeded())
		var apiErr *APIError
		require.ErrorAs(t, rec.Err(), &apiErr)
		assert.Equal(t, 400, apiErr.StatusCode)
		assert.Equal(t, ErrorTypeParam, apiErr.Type)
		_, err := DecodeRecorded[Transfer](&rec)
		assert.ErrorAs(t, err, &apiErr)
	})
	t.Run("a success without resource", func(t *testing.T) {
		t.Parallel()
		var rec RecordedResponse
		require.NoError(t, json.Unmarshal([]byte(recorded("200", "/transfers", `null`)), &rec))
		_, err := DecodeRecorded[Transfer](&rec)
		assert.ErrorContains(t, err, "no resource")
	})
	t.Run("nothing recorded", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		env.mt.RegisterResponder(http.MethodGet, testAPI+"/responses/order-2025-000042", jsonResponder(404, apiErrorBody(ErrorTypeNotFound, "The ressource does not exist")))
		rec, err := env.c.Idempotency.Get(ctx, "order-2025-000042")
		assert.Nil(t, rec)
		assert.ErrorIs(t, err, ErrNotFound)
	})
	t.Run("a bad key is refused before the network", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		for _, k := range []string{"", "short", "has/a/slash-000000", "x?y=zzzzzzzzzzzzzzzzz", "0123456789012345678901234567890123456"} {
			rec, err := env.c.Idempotency.Get(ctx, k)
			assert.Nil(t, rec)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve, k)
			assert.ErrorIs(t, err, ErrInvalidRequest)
		}
		assert.Zero(t, env.mt.GetTotalCallCount())
	})
}

// TestRecordedAs: a recovery check runs on the type the call decodes into,
// and names both types when a service hands it another one.
func TestRecordedAs(t *testing.T) {
	t.Parallel()
	in := &CreateTransferRequest{AuthorID: "u1"}
	assert.Equal(t, "the call decodes a *mangopay.Transfer, not a *mangopay.Wallet", in.mismatch(&Wallet{}))
	assert.Equal(t, "AuthorId is u2, the request has u1", in.mismatch(&Transfer{AuthorID: "u2"}))
	assert.Empty(t, in.mismatch(&Transfer{AuthorID: "u1"}))
}

// TestNoResource: the bodies a POST's 2xx may carry without a resource.
func TestNoResource(t *testing.T) {
	t.Parallel()
	for _, b := range []string{"", " \n", "null", " null ", "{}", "{ \n\t}"} {
		assert.True(t, noResource([]byte(b)), "%q", b)
	}
	for _, b := range []string{`{"Id":"x"}`, `{"a":1}`, "[]", `"x"`, "{", "{}}"} {
		assert.False(t, noResource([]byte(b)), "%q", b)
	}
}
