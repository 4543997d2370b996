package mangopay

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Fixtures: testdata/transfers/create-request.json and
// create-response-sca-required.json are the documented examples 20 and 21.
// create-response-succeeded.json (the exempted outcome) and
// view-transfer-failed-expired.json (SCA expired, 007102) are example 21 with
// the documented Status, ResultCode, ExecutionDate and PendingUserAction
// values of those outcomes. create-response-failed-002704.json is the
// documented example of a transfer refused at creation
// (docs.mangopay.com/errors/codes/002704).

const fixtureTransferID = "xfer_c_01JRSHQFG2337DBQ4NS8XPYCK7"

// documentedTransfer is the request of example 20.
func documentedTransfer() *CreateTransferRequest {
	return &CreateTransferRequest{
		ScaContext:       ScaUserPresent,
		AuthorID:         "user_m_01JRJM5RR5NYQDN0S6QWJJDRMR",
		DebitedFunds:     Money{Currency: "EUR", Amount: 3001},
		Fees:             Money{Currency: "EUR", Amount: 0},
		DebitedWalletID:  "wlt_m_01JRJM7ASZN7YP4MBDVBT0HZF1",
		CreditedWalletID: "wlt_m_01JRHSTW2NP4MDB45WQMDNS23C",
		Tag:              "Created using Mangopay API Postman Collection",
	}
}

func TestTransfersCreateScaRequired(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/transfers",
		cp.wrap(wlRespond(200, string(fixture(t, "transfers/create-response-sca-required.json")))))

	tr, err := env.c.Transfers.Create(context.Background(), documentedTransfer())

	r, body := cp.last(t)
	assert.Equal(t, http.MethodPost, r.Method)
	assert.Equal(t, "/prefix/v2.01/"+testClientID+"/transfers", r.URL.Path)
	assert.Empty(t, r.URL.RawQuery, "ScaContext goes in the body of a POST")
	assertStdHeaders(t, r)
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	assertJSONEq(t, fixture(t, "transfers/create-request.json"), body)

	// The CREATED transfer AND the SCA demand.
	sca, ok := AsScaRequired(err)
	require.True(t, ok, "want *ScaRequiredError, got %v", err)
	assert.ErrorIs(t, err, ErrScaRequired)
	assert.Equal(t, "https://sca.sandbox.mangopay.com/?token=sca_0196331bc1247e3fa33be6f9c797abd7", sca.RedirectURL)
	assert.Equal(t, ScaSourceBody, sca.Source)
	assert.Equal(t, http.StatusOK, sca.StatusCode)
	assert.Equal(t, http.MethodPost, sca.Method)
	assert.Equal(t, testAPI+"/transfers", sca.URL)
	assert.False(t, sca.Expired(time.Now()))

	require.NotNil(t, tr, "the transfer comes with the error so its id can be stored")
	assert.Equal(t, &Transfer{
		ID:                fixtureTransferID,
		Tag:               "Created using Mangopay API Postman Collection",
		CreationDate:      TimeOf(time.Unix(1744614179, 0).UTC()),
		AuthorID:          "user_m_01JRJM5RR5NYQDN0S6QWJJDRMR",
		CreditedUserID:    "user_m_01JRHSS3B18H86QA0C467RVK07",
		DebitedFunds:      Money{Currency: "EUR", Amount: 3001},
		CreditedFunds:     Money{Currency: "EUR", Amount: 3001},
		Fees:              Money{Currency: "EUR", Amount: 0},
		Status:            TransferStatusCreated,
		ResultCode:        "",
		ResultMessage:     "",
		ExecutionDate:     nil,
		Type:              TransactionTypeTransfer,
		Nature:            TransactionNatureRegular,
		DebitedWalletID:   "wlt_m_01JRJM7ASZN7YP4MBDVBT0HZF1",
		CreditedWalletID:  "wlt_m_01JRHSTW2NP4MDB45WQMDNS23C",
		ScaContext:        ScaUserPresent,
		PendingUserAction: &PendingUserAction{RedirectURL: sca.RedirectURL},
	}, tr)

	to, err := sca.RedirectURLWithReturn("https://platform.example/sca/done?transfer=" + tr.ID)
	require.NoError(t, err)
	assert.Equal(t, sca.RedirectURL+"&returnUrl=https%3A%2F%2Fplatform.example%2Fsca%2Fdone%3Ftransfer%3D"+tr.ID, to)
}

func TestTransfersCreateSucceededWithoutSca(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/transfers",
		cp.wrap(wlRespond(200, string(fixture(t, "transfers/create-response-succeeded.json")))))

	in := documentedTransfer()
	in.ScaContext = "" // not sent: Mangopay's default applies
	var meta Response
	tr, err := env.c.Transfers.Create(context.Background(), in,
		WithIdempotencyKey("order-2025-000042"), CaptureResponse(&meta))
	require.NoError(t, err)

	r, body := cp.last(t)
	assert.Equal(t, "order-2025-000042", r.Header.Get("Idempotency-Key"))
	assert.NotContains(t, string(body), "ScaContext")
	assert.Equal(t, "order-2025-000042", meta.IdempotencyKey)
	assert.Equal(t, 1, meta.Attempts)
	assert.False(t, meta.Recovered)

	assert.Equal(t, TransferStatusSucceeded, tr.Status)
	assert.Nil(t, tr.PendingUserAction, "exempted: PendingUserAction is null")
	assert.Equal(t, "000000", tr.ResultCode)
	require.NotNil(t, tr.ExecutionDate)
	assert.Equal(t, int64(1744614180), tr.ExecutionDate.Unix())
	assert.Equal(t, "", pendingRedirectOf(tr))
}

// TestTransfersCreateFailedAtCreation: Mangopay answers 200 with a FAILED
// transfer (here the documented 002704 example). The call worked, so there is
// no error; the caller reads Status and ResultCode.
func TestTransfersCreateFailedAtCreation(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/transfers",
		cp.wrap(wlRespond(200, string(fixture(t, "transfers/create-response-failed-002704.json")))))

	tr, err := env.c.Transfers.Create(context.Background(), documentedTransfer())
	require.NoError(t, err, "no SCA demand, no API error")
	require.Len(t, cp.reqs, 1, "a FAILED transfer is an answer, not a retryable failure")
	assert.Equal(t, "xfer_c_01K1TKMC8GTPZBH5XRR4AACGRX", tr.ID)
	assert.Equal(t, TransferStatusFailed, tr.Status)
	assert.Equal(t, ResultCodeTransferUserPendingAction, tr.ResultCode)
	assert.Equal(t, "Users in PENDING_USER_ACTION status cannot create transfers", tr.ResultMessage)
	assert.Nil(t, tr.ExecutionDate)
	assert.Nil(t, tr.PendingUserAction)
	assert.Equal(t, ScaUserPresent, tr.ScaContext)
	assert.Equal(t, Money{Currency: "EUR", Amount: 3001}, tr.CreditedFunds)
}

func TestTransferJSONRoundTrip(t *testing.T) {
	t.Parallel()
	for _, name := range []string{
		"transfers/create-response-sca-required.json",
		"transfers/create-response-succeeded.json",
		"transfers/create-response-failed-002704.json",
		"transfers/view-transfer-failed-expired.json",
	} {
		raw := fixture(t, name)
		var tr Transfer
		require.NoError(t, json.Unmarshal(raw, &tr), name)
		out, err := json.Marshal(tr)
		require.NoError(t, err)
		var want, got map[string]any
		require.NoError(t, json.Unmarshal(raw, &want))
		require.NoError(t, json.Unmarshal(out, &got))
		// Null strings decode to "": the only difference allowed.
		for k, v := range want {
			if v == nil && got[k] == "" {
				want[k] = ""
			}
		}
		assert.Equal(t, want, got, name)
	}

	var req CreateTransferRequest
	raw := fixture(t, "transfers/create-request.json")
	require.NoError(t, json.Unmarshal(raw, &req))
	assert.Equal(t, documentedTransfer(), &req)
	out, err := json.Marshal(req)
	require.NoError(t, err)
	assertJSONEq(t, raw, out)
}

func TestTransfersCreateRefusesBadInput(t *testing.T) {
	t.Parallel()
	mod := func(f func(*CreateTransferRequest)) *CreateTransferRequest {
		r := documentedTransfer()
		f(r)
		return r
	}
	cases := []struct {
		name string
		in   *CreateTransferRequest
		want []string
	}{
		{"nil", nil, []string{"nil *CreateTransferRequest"}},
		{"no author", mod(func(r *CreateTransferRequest) { r.AuthorID = "" }), []string{"AuthorId is required"}},
		{"no debited wallet", mod(func(r *CreateTransferRequest) { r.DebitedWalletID = " " }), []string{"DebitedWalletId is required"}},
		{"no credited wallet", mod(func(r *CreateTransferRequest) { r.CreditedWalletID = "" }), []string{"CreditedWalletId is required"}},
		{"negative amount", mod(func(r *CreateTransferRequest) { r.DebitedFunds.Amount = -1 }), []string{"DebitedFunds.Amount -1 is negative"}},
		{"negative fees", mod(func(r *CreateTransferRequest) { r.Fees.Amount = -5 }), []string{"Fees.Amount -5 is negative"}},
		{"fees currency", mod(func(r *CreateTransferRequest) { r.Fees.Currency = "GBP" }), []string{`Fees.Currency "GBP" differs from DebitedFunds.Currency "EUR"`}},
		{"fees left out", mod(func(r *CreateTransferRequest) { r.Fees = Money{} }), []string{`Fees.Currency "" differs`, `Money{Currency: "EUR"}`}},
		{"no currency", mod(func(r *CreateTransferRequest) { r.DebitedFunds.Currency = ""; r.Fees.Currency = "" }), []string{"DebitedFunds.Currency is required"}},
		{"bad currency", mod(func(r *CreateTransferRequest) { r.DebitedFunds.Currency = "eur"; r.Fees.Currency = "eur" }), []string{`DebitedFunds.Currency "eur" is not an ISO 4217 code`}},
		{"bad ScaContext", mod(func(r *CreateTransferRequest) { r.ScaContext = "PRESENT" }), []string{`ScaContext "PRESENT" is invalid`}},
		{"long tag", mod(func(r *CreateTransferRequest) { r.Tag = strings.Repeat("€", 256) }), []string{"Tag is 256 characters long, at most 255"}},
		{"several problems at once", &CreateTransferRequest{DebitedFunds: Money{Currency: "EUR", Amount: -3}, Fees: Money{Currency: "EUR"}},
			[]string{"AuthorId is required", "DebitedWalletId is required", "CreditedWalletId is required", "DebitedFunds.Amount -3"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t)
			tr, err := env.c.Transfers.Create(context.Background(), tc.in)
			assert.Nil(t, tr)
			require.Error(t, err)
			assert.True(t, strings.HasPrefix(err.Error(), "mangopay: Transfers.Create: "), err.Error())
			for _, s := range tc.want {
				assert.Contains(t, err.Error(), s)
			}
			assert.Zero(t, env.mt.GetTotalCallCount(), "nothing is sent, not even the token call")
		})
	}
	t.Run("a zero amount is allowed", func(t *testing.T) {
		t.Parallel()
		assert.NoError(t, mod(func(r *CreateTransferRequest) { r.DebitedFunds.Amount = 0 }).validate())
	})
}

func TestTransfersCreateErrors(t *testing.T) {
	t.Parallel()
	t.Run("currency_incompatibility", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		var cp capture
		env.mt.RegisterResponder(http.MethodPost, testAPI+"/transfers", cp.wrap(wlRespond(400,
			`{"Message":"Error: multi-currency usage is not authorized","Type":"currency_incompatibility","Id":"a1#1744614179","Date":1744614179.0,"errors":null}`)))
		tr, err := env.c.Transfers.Create(context.Background(), documentedTransfer())
		assert.Nil(t, tr)
		var apiErr *APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, ErrorTypeCurrencyIncompatibility, apiErr.Type)
		assert.Equal(t, 400, apiErr.StatusCode)
		assert.Len(t, cp.reqs, 1, "a 400 is not retried")
	})
	t.Run("sca_proxy_missing", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		env.mt.RegisterResponder(http.MethodPost, testAPI+"/transfers",
			wlRespond(403, string(fixture(t, "wallets/error-403-sca-proxy-missing.json"))))
		in := documentedTransfer()
		in.ScaContext = ScaUserNotPresent
		tr, err := env.c.Transfers.Create(context.Background(), in)
		assert.Nil(t, tr)
		assert.ErrorIs(t, err, ErrScaProxyMissing)
		assert.ErrorIs(t, err, ErrForbidden)
		assert.NotErrorIs(t, err, ErrScaRequired)
	})
	t.Run("untrusted link: the transfer is still returned", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		body := strings.Replace(string(fixture(t, "transfers/create-response-sca-required.json")),
			"https://sca.sandbox.mangopay.com/", "https://sca.mangopay.com.evil.example/", 1)
		env.mt.RegisterResponder(http.MethodPost, testAPI+"/transfers", wlRespond(200, body))
		tr, err := env.c.Transfers.Create(context.Background(), documentedTransfer())
		assert.ErrorIs(t, err, ErrUntrustedRedirect)
		_, isSca := AsScaRequired(err)
		assert.False(t, isSca)
		require.NotNil(t, tr, "the transfer exists: the platform must be able to record it")
		assert.Equal(t, fixtureTransferID, tr.ID)
		assert.Equal(t, TransferStatusCreated, tr.Status)
	})
}

// TestTransfersCreateLostResponseRecovered: the first POST reaches Mangopay,
// which records the transfer, but the answer is lost. The retry carries the
// SAME Idempotency-Key, is refused with 409 idempotent_creation_conflict, and
// the client fetches GET /responses/{key}: Create returns the original
// transfer and no second transfer exists.
func TestTransfersCreateLostResponseRecovered(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		key     string // "" lets the SDK generate one
		stored  string
		wantSca bool
	}{
		{"own key, exempted transfer", "order-2025-000042", "transfers/create-response-succeeded.json", false},
		{"generated key, transfer awaiting SCA", "", "transfers/create-response-sca-required.json", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t)
			resource := string(fixture(t, tc.stored))

			// A tiny Mangopay: it records transfers by Idempotency-Key.
			var mu sync.Mutex
			created := map[string]string{} // key -> resource
			dropNext := true
			var posts, lookups capture
			env.mt.RegisterResponder(http.MethodPost, testAPI+"/transfers", posts.wrap(func(r *http.Request) (*http.Response, error) {
				mu.Lock()
				defer mu.Unlock()
				key := r.Header.Get("Idempotency-Key")
				if _, used := created[key]; used {
					return wlRespond(409, `{"Message":"A resource has already been created with this Idempotency Key","Type":"idempotent_creation_conflict","Id":"c0ffee#1744614181","Date":1744614181,"errors":null}`)(r)
				}
				created[key] = resource
				if dropNext {
					dropNext = false
					return nil, errors.New("read tcp 10.0.0.1:443: connection reset by peer")
				}
				return wlRespond(200, resource)(r)
			}))
			env.mt.RegisterRegexpResponder(http.MethodGet, regexp.MustCompile(`^`+regexp.QuoteMeta(testAPI+"/responses/")+`(.+)$`),
				lookups.wrap(func(r *http.Request) (*http.Response, error) {
					mu.Lock()
					defer mu.Unlock()
					key := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
					res, ok := created[key]
					if !ok {
						return wlRespond(404, `{"Message":"The ressource does not exist","Type":"ressource_not_found"}`)(r)
					}
					return wlRespond(200, `{"StatusCode":"200","ContentLength":"1012","ContentType":"application/json; charset=utf-8",
						"Date":"Mon, 14 Apr 2025 07:02:59 GMT","RequestURL":"https://api.sandbox.mangopay.com/v2.01/`+testClientID+`/transfers",
						"Resource":`+res+`}`)(r)
				}))

			var opts []RequestOption
			if tc.key != "" {
				opts = append(opts, WithIdempotencyKey(tc.key))
			}
			var meta Response
			opts = append(opts, CaptureResponse(&meta))
			tr, err := env.c.Transfers.Create(context.Background(), documentedTransfer(), opts...)

			if tc.wantSca {
				sca, ok := AsScaRequired(err)
				require.True(t, ok, "got %v", err)
				assert.Equal(t, ScaSourceBody, sca.Source)
				require.NotNil(t, tr)
				assert.Equal(t, TransferStatusCreated, tr.Status)
			} else {
				require.NoError(t, err)
				assert.Equal(t, TransferStatusSucceeded, tr.Status)
			}
			var original struct {
				ID string `json:"Id"`
			}
			require.NoError(t, json.Unmarshal([]byte(resource), &original))
			require.NotNil(t, tr)
			assert.Equal(t, original.ID, tr.ID, "the original transfer is returned")

			assert.Len(t, created, 1, "exactly one transfer was created")
			require.Len(t, posts.reqs, 2, "the POST was retried once")
			key := posts.reqs[0].Header.Get("Idempotency-Key")
			assert.True(t, validKey(key))
			if tc.key != "" {
				assert.Equal(t, tc.key, key)
			}
			assert.Equal(t, key, posts.reqs[1].Header.Get("Idempotency-Key"), "both POSTs carry the same key")
			assertJSONEq(t, posts.bodies[0], posts.bodies[1])

			require.Len(t, lookups.reqs, 1)
			assert.Equal(t, "/prefix/v2.01/"+testClientID+"/responses/"+key, lookups.reqs[0].URL.Path)
			assertStdHeaders(t, lookups.reqs[0]) // a GET: no Idempotency-Key

			assert.True(t, meta.Recovered)
			assert.Equal(t, 2, meta.Attempts)
			assert.Equal(t, key, meta.IdempotencyKey)
			assert.Len(t, env.sleeps, 1, "one backoff before the retry")
		})
	}
}

func TestTransfersGet(t *testing.T) {
	t.Parallel()
	t.Run("failed: SCA expired", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		var cp capture
		env.mt.RegisterResponder(http.MethodGet, testAPI+"/transfers/"+fixtureTransferID,
			cp.wrap(wlRespond(200, string(fixture(t, "transfers/view-transfer-failed-expired.json")))))
		tr, err := env.c.Transfers.Get(context.Background(), fixtureTransferID)
		require.NoError(t, err)
		r, body := cp.last(t)
		assert.Equal(t, http.MethodGet, r.Method)
		assert.Equal(t, "/prefix/v2.01/"+testClientID+"/transfers/"+fixtureTransferID, r.URL.Path)
		assert.Empty(t, r.URL.RawQuery)
		assert.Empty(t, body)
		assertStdHeaders(t, r)

		assert.Equal(t, TransferStatusFailed, tr.Status)
		assert.Equal(t, ResultCodeTransferAuthExpired, tr.ResultCode)
		assert.Equal(t, "Transfer authentication expired. Please initiate a new request.", tr.ResultMessage)
		assert.Nil(t, tr.PendingUserAction)
		assert.Nil(t, tr.ExecutionDate)
	})
	t.Run("still CREATED with its link", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		env.mt.RegisterResponder(http.MethodGet, testAPI+"/transfers/"+fixtureTransferID,
			wlRespond(200, string(fixture(t, "transfers/create-response-sca-required.json"))))
		tr, err := env.c.Transfers.Get(context.Background(), fixtureTransferID)
		sca, ok := AsScaRequired(err)
		require.True(t, ok, "got %v", err)
		assert.Equal(t, http.MethodGet, sca.Method)
		require.NotNil(t, tr)
		assert.Equal(t, TransferStatusCreated, tr.Status)
	})
	t.Run("not found", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		env.mt.RegisterResponder(http.MethodGet, testAPI+"/transfers/nope",
			wlRespond(404, `{"Message":"The ressource does not exist","Type":"ressource_not_found","Id":"x","Date":1744614179,"errors":{"RessourceNotFound":"Cannot found the ressource Transfer with the id=nope "}}`))
		tr, err := env.c.Transfers.Get(context.Background(), "nope")
		assert.Nil(t, tr)
		assert.ErrorIs(t, err, ErrNotFound)
	})
	t.Run("bad id", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		for _, id := range []string{"", "..", "a/b", "x?y"} {
			tr, err := env.c.Transfers.Get(context.Background(), id)
			assert.Nil(t, tr)
			assert.ErrorIs(t, err, ErrInvalidID, id)
		}
		assert.Zero(t, env.mt.GetTotalCallCount())
	})
}
