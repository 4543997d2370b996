package mangopay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Fixtures: testdata/wallets/view-wallet.json, list-wallets-user.json,
// sca-required-401.http.json and error-403-sca-proxy-missing.json are the
// documented examples 16, 17, 19 and 29 (docs/examples). create-request.json
// and create-response.json are the examples of the Create a Wallet page
// (docs.mangopay.com/api-reference/wallets/create-wallet; the request's
// trailing comma removed). list-transactions.json
// is constructed from the documented Transaction field list (the docs'
// example 18 is not in the shared set): a pay-in, an SCA-failed transfer, a
// refund with negative fees and a CREATED payout with null fields.

const (
	fixtureWalletID = "wlt_m_01J18J1SQGG6KXNM3F8GD674TP"
	fixtureUserID   = "user_m_01J18HZSACR1EMYNY1TBS8KTJD"
)

// wlRespond answers status with body and the given header pairs. Like a real
// transport (and unlike httpmock's helpers) it sets Response.Request.
func wlRespond(status int, body string, headerPairs ...string) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		r := httpmock.NewStringResponse(status, body)
		r.Request = req
		if body != "" {
			r.Header.Set("Content-Type", "application/json; charset=utf-8")
		}
		for i := 0; i+1 < len(headerPairs); i += 2 {
			r.Header.Add(headerPairs[i], headerPairs[i+1])
		}
		return r, nil
	}
}

// wlPages answers the page named by the "page" query parameter from pages
// (1-based), with x-number-of-pages/x-number-of-items headers.
func wlPages(t *testing.T, pages []string, totalItems int) httpmock.Responder {
	return func(r *http.Request) (*http.Response, error) {
		n, err := strconv.Atoi(r.URL.Query().Get("page"))
		if err != nil || n < 1 || n > len(pages) {
			t.Errorf("unexpected page %q", r.URL.Query().Get("page"))
			return httpmock.NewStringResponse(404, `{"Type":"ressource_not_found"}`), nil
		}
		return wlRespond(200, pages[n-1],
			"X-Number-Of-Pages", strconv.Itoa(len(pages)),
			"X-Number-Of-Items", strconv.Itoa(totalItems))(r)
	}
}

// wl401 is the documented 401 SCA answer of the wallet-access reads.
type wl401 struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Alt     map[string]string `json:"headers_alternative_spelling_seen_in_docs_and_asserted_by_SDK_tests"`
}

func load401(t *testing.T) wl401 {
	t.Helper()
	var f wl401
	require.NoError(t, json.Unmarshal(fixture(t, "wallets/sca-required-401.http.json"), &f))
	require.Equal(t, 401, f.Status)
	require.Contains(t, f.Headers["WWW-Authenticate"], "redirectUrl=")
	require.Contains(t, f.Alt["WWW-Authenticate"], "RedirectUrl=")
	return f
}

// linkOf returns the URL after "=" in a documented WWW-Authenticate value.
func linkOf(header string) string {
	_, after, _ := strings.Cut(header, "=")
	return after
}

// walletRead is one of the four SCA-gated wallet-access reads.
type walletRead struct {
	name string
	path string // under testAPI
	ok   string // a 200 body
	call func(ctx context.Context, c *Client, sca ScaContext) (gotResource bool, err error)
}

func walletReads(t *testing.T) []walletRead {
	wallet := string(fixture(t, "wallets/view-wallet.json"))
	wallets := string(fixture(t, "wallets/list-wallets-user.json"))
	txs := string(fixture(t, "wallets/list-transactions.json"))
	return []walletRead{
		{"Wallets.Get", "/wallets/" + fixtureWalletID, wallet,
			func(ctx context.Context, c *Client, sca ScaContext) (bool, error) {
				w, err := c.Wallets.Get(ctx, fixtureWalletID, sca)
				return w != nil, err
			}},
		{"Wallets.ListByUser", "/users/" + fixtureUserID + "/wallets", wallets,
			func(ctx context.Context, c *Client, sca ScaContext) (bool, error) {
				p, err := c.Wallets.ListByUser(ctx, fixtureUserID, sca, nil)
				return p != nil, err
			}},
		{"Transactions.ListByUser", "/users/" + fixtureUserID + "/transactions", txs,
			func(ctx context.Context, c *Client, sca ScaContext) (bool, error) {
				p, err := c.Transactions.ListByUser(ctx, fixtureUserID, sca, nil)
				return p != nil, err
			}},
		{"Transactions.ListByWallet", "/wallets/" + fixtureWalletID + "/transactions", txs,
			func(ctx context.Context, c *Client, sca ScaContext) (bool, error) {
				p, err := c.Transactions.ListByWallet(ctx, fixtureWalletID, sca, nil)
				return p != nil, err
			}},
	}
}

func TestWalletsCreate(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/wallets",
		cp.wrap(jsonResponder(200, string(fixture(t, "wallets/create-response.json")))))

	w, err := env.c.Wallets.Create(context.Background(), &CreateWalletRequest{
		Owners:      []string{fixtureUserID},
		Description: "Description of the user's wallet",
		Currency:    "EUR",
		Tag:         "Created using Mangopay API Postman Collection",
	}, WithIdempotencyKey("wallet-for-user-000001"))
	require.NoError(t, err)

	r, body := cp.last(t)
	assert.Equal(t, http.MethodPost, r.Method)
	assert.Equal(t, "/prefix/v2.01/"+testClientID+"/wallets", r.URL.Path)
	assert.Empty(t, r.URL.RawQuery)
	assertStdHeaders(t, r)
	assert.Equal(t, "wallet-for-user-000001", r.Header.Get("Idempotency-Key"))
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	assertJSONEq(t, fixture(t, "wallets/create-request.json"), body)

	assert.Equal(t, &Wallet{
		ID:           "wlt_m_01J6EN9X1Q0PGM0CJ9QD197CRG",
		Owners:       []string{fixtureUserID},
		Description:  "Description of the user's wallet",
		Balance:      Money{Currency: "EUR", Amount: 0},
		Currency:     "EUR",
		FundsType:    FundsTypeDefault,
		Tag:          "Created using Mangopay API Postman Collection",
		CreationDate: TimeOf(time.Unix(1724921476, 0).UTC()),
	}, w)

	t.Run("no Tag: not sent", func(t *testing.T) {
		_, err := env.c.Wallets.Create(context.Background(), &CreateWalletRequest{Owners: []string{fixtureUserID}, Description: "d", Currency: "GBP"})
		require.NoError(t, err)
		r, body := cp.last(t)
		assertJSONEq(t, []byte(`{"Owners":["`+fixtureUserID+`"],"Description":"d","Currency":"GBP"}`), body)
		assert.True(t, validKey(r.Header.Get("Idempotency-Key")), "a generated key")
	})
}

func TestWalletJSONRoundTrip(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"wallets/view-wallet.json", "wallets/create-response.json"} {
		raw := fixture(t, name)
		var w Wallet
		require.NoError(t, json.Unmarshal(raw, &w), name)
		out, err := json.Marshal(w)
		require.NoError(t, err)
		assertJSONEq(t, raw, out)
	}
	raw := fixture(t, "wallets/list-wallets-user.json")
	var ws []Wallet
	require.NoError(t, json.Unmarshal(raw, &ws))
	out, err := json.Marshal(ws)
	require.NoError(t, err)
	assertJSONEq(t, raw, out)
}

func TestWalletsCreateRefusesBadInput(t *testing.T) {
	t.Parallel()
	good := func() *CreateWalletRequest {
		return &CreateWalletRequest{Owners: []string{"u1"}, Description: "d", Currency: "EUR"}
	}
	cases := []struct {
		name string
		in   *CreateWalletRequest
		want []string
	}{
		{"nil", nil, []string{"nil *CreateWalletRequest"}},
		{"no owner", func() *CreateWalletRequest { r := good(); r.Owners = nil; return r }(), []string{"Owners is required"}},
		{"empty owner", func() *CreateWalletRequest { r := good(); r.Owners = []string{" "}; return r }(), []string{"Owners[0] is empty"}},
		{"no description", func() *CreateWalletRequest { r := good(); r.Description = ""; return r }(), []string{"Description is required"}},
		{"no currency", func() *CreateWalletRequest { r := good(); r.Currency = ""; return r }(), []string{"Currency is required"}},
		{"lower-case currency", func() *CreateWalletRequest { r := good(); r.Currency = "eur"; return r }(), []string{`Currency "eur" is not an ISO 4217 code`}},
		{"two owners", func() *CreateWalletRequest { r := good(); r.Owners = []string{"u1", "u2"}; return r }(), []string{"Owners holds 2 ids: Mangopay accepts exactly one"}},
		{"long description", func() *CreateWalletRequest { r := good(); r.Description = strings.Repeat("é", 256); return r }(), []string{"Description is 256 characters long, at most 255"}},
		{"long tag", func() *CreateWalletRequest { r := good(); r.Tag = strings.Repeat("t", 256); return r }(), []string{"Tag is 256 characters long, at most 255"}},
		{"everything", &CreateWalletRequest{Currency: "EURO"}, []string{"Owners is required", "Description is required", `Currency "EURO"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t)
			w, err := env.c.Wallets.Create(context.Background(), tc.in)
			require.Error(t, err)
			assert.Nil(t, w)
			for _, s := range tc.want {
				assert.Contains(t, err.Error(), s)
			}
			assert.Zero(t, env.mt.GetTotalCallCount(), "no request may be sent")
		})
	}
}

func TestWalletsUpdate(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodPut, testAPI+"/wallets/"+fixtureWalletID,
		cp.wrap(jsonResponder(200, string(fixture(t, "wallets/view-wallet.json")))))

	w, err := env.c.Wallets.Update(context.Background(), fixtureWalletID, &UpdateWalletRequest{Tag: Ptr("")})
	require.NoError(t, err)
	r, body := cp.last(t)
	assert.Equal(t, http.MethodPut, r.Method)
	assertStdHeaders(t, r)
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	assertJSONEq(t, []byte(`{"Tag":""}`), body) // Ptr("") clears; nil Description is not sent
	assert.Equal(t, fixtureWalletID, w.ID)

	_, err = env.c.Wallets.Update(context.Background(), fixtureWalletID, &UpdateWalletRequest{Description: Ptr("Savings"), Tag: Ptr("t")})
	require.NoError(t, err)
	_, body = cp.last(t)
	assertJSONEq(t, []byte(`{"Description":"Savings","Tag":"t"}`), body)

	t.Run("255 characters are fine", func(t *testing.T) {
		_, err := env.c.Wallets.Update(context.Background(), fixtureWalletID, &UpdateWalletRequest{Description: Ptr(strings.Repeat("é", 255))})
		require.NoError(t, err)
	})

	t.Run("refused before the network", func(t *testing.T) {
		calls := env.mt.GetTotalCallCount()
		_, err := env.c.Wallets.Update(context.Background(), fixtureWalletID, &UpdateWalletRequest{})
		assert.ErrorContains(t, err, "nothing to update")
		_, err = env.c.Wallets.Update(context.Background(), fixtureWalletID, nil)
		assert.ErrorContains(t, err, "nil *UpdateWalletRequest")
		_, err = env.c.Wallets.Update(context.Background(), fixtureWalletID, &UpdateWalletRequest{Description: Ptr(" ")})
		assert.ErrorContains(t, err, "mangopay: Wallets.Update: Description is empty")
		_, err = env.c.Wallets.Update(context.Background(), fixtureWalletID, &UpdateWalletRequest{Description: Ptr(strings.Repeat("d", 256)), Tag: Ptr(strings.Repeat("t", 300))})
		assert.ErrorContains(t, err, "Description is 256 characters long, at most 255; Tag is 300 characters long")
		_, err = env.c.Wallets.Update(context.Background(), "../users", &UpdateWalletRequest{Tag: Ptr("x")})
		assert.ErrorIs(t, err, ErrInvalidID)
		assert.Equal(t, calls, env.mt.GetTotalCallCount())
	})
}

func TestWalletsGet(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		sca   ScaContext
		query string
	}{
		{"", ""},
		{ScaUserPresent, "ScaContext=USER_PRESENT"},
		{ScaUserNotPresent, "ScaContext=USER_NOT_PRESENT"},
	} {
		t.Run(string(tc.sca), func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t)
			var cp capture
			env.mt.RegisterResponder(http.MethodGet, testAPI+"/wallets/"+fixtureWalletID,
				cp.wrap(jsonResponder(200, string(fixture(t, "wallets/view-wallet.json")))))
			w, err := env.c.Wallets.Get(context.Background(), fixtureWalletID, tc.sca)
			require.NoError(t, err)

			r, body := cp.last(t)
			assert.Equal(t, http.MethodGet, r.Method)
			assert.Equal(t, "/prefix/v2.01/"+testClientID+"/wallets/"+fixtureWalletID, r.URL.Path)
			assert.Equal(t, tc.query, r.URL.RawQuery)
			assertStdHeaders(t, r)
			assert.Empty(t, body)
			assert.Empty(t, r.Header.Get("Content-Type"))

			assert.Equal(t, &Wallet{
				ID:           fixtureWalletID,
				Owners:       []string{fixtureUserID},
				Description:  "Description of the user's wallet",
				Balance:      Money{Currency: "EUR", Amount: 99800},
				Currency:     "EUR",
				FundsType:    FundsTypeDefault,
				Tag:          "Created using Mangopay API Postman collection",
				CreationDate: TimeOf(time.Unix(1719348029, 0).UTC()),
			}, w)
		})
	}
}

func TestWalletReadsRefuseBadInputBeforeTheNetwork(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	ctx := context.Background()
	for _, rd := range walletReads(t) {
		got, err := rd.call(ctx, env.c, ScaContext("user_present"))
		assert.False(t, got, rd.name)
		assert.ErrorContains(t, err, `ScaContext "user_present" is invalid`, rd.name)
	}
	_, err := env.c.Wallets.Get(ctx, "", ScaUserPresent)
	assert.ErrorIs(t, err, ErrInvalidID)
	_, err = env.c.Wallets.ListByUser(ctx, "a/b", ScaUserPresent, nil)
	assert.ErrorIs(t, err, ErrInvalidID)
	_, err = env.c.Transactions.ListByUser(ctx, "..", ScaUserPresent, nil)
	assert.ErrorIs(t, err, ErrInvalidID)
	_, err = env.c.Transactions.ListByWallet(ctx, "w?x=1", ScaUserPresent, nil)
	assert.ErrorIs(t, err, ErrInvalidID)
	_, err = env.c.Wallets.ListByUser(ctx, "u1", ScaUserPresent, &ListOptions{PerPage: 101})
	assert.ErrorContains(t, err, "PerPage 101")
	for _, err := range env.c.Wallets.AllByUser(ctx, "u1", "bogus", nil) {
		assert.ErrorContains(t, err, "is invalid: want")
	}
	for _, err := range env.c.Transactions.AllByWallet(ctx, "w1", "bogus", nil) {
		assert.ErrorContains(t, err, "is invalid: want")
	}
	assert.Zero(t, env.mt.GetTotalCallCount(), "no request, not even the token call")
}

func TestWalletsListByUser(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/users/"+fixtureUserID+"/wallets",
		cp.wrap(wlRespond(200, string(fixture(t, "wallets/list-wallets-user.json")),
			"X-Number-Of-Pages", "3", "X-Number-Of-Items", "6")))

	p, err := env.c.Wallets.ListByUser(context.Background(), fixtureUserID, ScaUserPresent,
		&ListOptions{Page: 2, PerPage: 2, Sort: SortCreationDateDesc})
	require.NoError(t, err)

	r, _ := cp.last(t)
	assert.Equal(t, "/prefix/v2.01/"+testClientID+"/users/"+fixtureUserID+"/wallets", r.URL.Path)
	assert.Equal(t, url.Values{"page": {"2"}, "per_page": {"2"}, "Sort": {"CreationDate:DESC"}, "ScaContext": {"USER_PRESENT"}}, r.URL.Query())
	assertStdHeaders(t, r)

	assert.Equal(t, 2, p.Page)
	assert.Equal(t, 2, p.PerPage)
	assert.Equal(t, 3, p.TotalPages)
	assert.Equal(t, 6, p.TotalItems)
	assert.True(t, p.HasNext())
	require.Len(t, p.Items, 2)
	assert.Equal(t, "wlt_m_01J6EN9X1Q0PGM0CJ9QD197CRG", p.Items[1].ID)
	assert.Equal(t, Money{Currency: "GBP", Amount: 0}, p.Items[1].Balance)
	assert.Equal(t, "GBP", p.Items[1].Currency)
	assert.Equal(t, int64(1724921476), p.Items[1].CreationDate.Unix())
	assert.Equal(t, []string{fixtureUserID}, p.Items[0].Owners)
}

// walletsPage renders n wallets with ids w<first>..w<first+n-1>.
func walletsPage(first, n int) string {
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf(`{"Id":"w%d","Owners":["u1"],"Balance":{"Currency":"EUR","Amount":%d},"Currency":"EUR","FundsType":"DEFAULT","CreationDate":1719348029}`, first+i, 100*(first+i))
	}
	return "[" + strings.Join(items, ",") + "]"
}

// txPage renders n transactions with ids t<first>..t<first+n-1>.
func txPage(first, n int) string {
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf(`{"Id":"t%d","CreationDate":1744600000,"DebitedFunds":{"Currency":"EUR","Amount":%d},"Status":"SUCCEEDED","Type":"TRANSFER","Nature":"REGULAR","ExecutionDate":null}`, first+i, first+i)
	}
	return "[" + strings.Join(items, ",") + "]"
}

func TestWalletsAllByUserIteratesThreePages(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/users/u1/wallets",
		cp.wrap(wlPages(t, []string{walletsPage(1, 2), walletsPage(3, 2), walletsPage(5, 1)}, 5)))

	var ids []string
	for w, err := range env.c.Wallets.AllByUser(context.Background(), "u1", ScaUserPresent, &ListOptions{PerPage: 2, Sort: SortCreationDateAsc}) {
		require.NoError(t, err)
		ids = append(ids, w.ID)
	}
	assert.Equal(t, []string{"w1", "w2", "w3", "w4", "w5"}, ids)
	require.Len(t, cp.reqs, 3)
	for i, r := range cp.reqs {
		assert.Equal(t, url.Values{"page": {strconv.Itoa(i + 1)}, "per_page": {"2"}, "Sort": {"CreationDate:ASC"}, "ScaContext": {"USER_PRESENT"}}, r.URL.Query(), "request %d", i)
		assertStdHeaders(t, r)
	}
}

func TestWalletsAllByUserStopsEarly(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/users/u1/wallets",
		cp.wrap(wlPages(t, []string{walletsPage(1, 100), walletsPage(101, 100), walletsPage(201, 100)}, 300)))

	n := 0
	for w, err := range env.c.Wallets.AllByUser(context.Background(), "u1", "", nil) {
		require.NoError(t, err)
		n++
		if w.ID == "w101" { // the first item of page 2
			break
		}
	}
	assert.Equal(t, 101, n)
	require.Len(t, cp.reqs, 2, "page 3 must not be fetched")
	assert.Equal(t, "page=1&per_page=100", cp.reqs[0].URL.RawQuery, "defaults: pages of 100, no ScaContext")
	assert.Equal(t, "page=2&per_page=100", cp.reqs[1].URL.RawQuery)
}

func TestTransactionsDecodeEveryField(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/wallets/"+fixtureWalletID+"/transactions",
		jsonResponder(200, string(fixture(t, "wallets/list-transactions.json"))))
	p, err := env.c.Transactions.ListByWallet(context.Background(), fixtureWalletID, ScaUserPresent, nil)
	require.NoError(t, err)
	require.Len(t, p.Items, 4)
	assert.Equal(t, 1, p.Page)
	assert.Equal(t, 10, p.PerPage)

	payin, failed, refund, payout := p.Items[0], p.Items[1], p.Items[2], p.Items[3]
	exec := TimeOf(time.Unix(1744600002, 0).UTC())
	assert.Equal(t, Transaction{
		ID:               "payin_m_01JRJM9E7Q6K4YB2C3D4E5F6G7",
		Tag:              "order-1001",
		CreationDate:     TimeOf(time.Unix(1744600000, 0).UTC()),
		AuthorID:         "user_m_01JRJM5RR5NYQDN0S6QWJJDRMR",
		CreditedUserID:   "user_m_01JRJM5RR5NYQDN0S6QWJJDRMR",
		DebitedFunds:     Money{Currency: "EUR", Amount: 10000},
		CreditedFunds:    Money{Currency: "EUR", Amount: 9800},
		Fees:             Money{Currency: "EUR", Amount: 200},
		Status:           TransactionStatusSucceeded,
		ResultCode:       "000000",
		ResultMessage:    "Success",
		ExecutionDate:    &exec,
		Type:             TransactionTypePayin,
		Nature:           TransactionNatureRegular,
		CreditedWalletID: "wlt_m_01JRJM7ASZN7YP4MBDVBT0HZF1",
		DebitedWalletID:  "",
		DepositID:        "deposit_m_01JRJM8X2B3C4D5E6F7G8H9J0K",
	}, payin)

	assert.Equal(t, TransactionStatusFailed, failed.Status)
	assert.Equal(t, ResultCodeTransferAuthFailed, failed.ResultCode)
	assert.Nil(t, failed.ExecutionDate, "null ExecutionDate")

	assert.Equal(t, TransactionNatureRefund, refund.Nature)
	assert.Equal(t, Money{Currency: "EUR", Amount: -50}, refund.Fees, "refunds carry negative fees")
	assert.Equal(t, "EUR -0.50", refund.Fees.String())
	assert.Empty(t, refund.Tag)

	assert.Equal(t, TransactionStatusCreated, payout.Status)
	assert.Equal(t, TransactionTypePayout, payout.Type)
	assert.Empty(t, payout.ResultCode)
	assert.Empty(t, payout.CreditedWalletID)
	assert.Nil(t, payout.ExecutionDate)

	t.Run("unknown enum values still decode", func(t *testing.T) {
		var tx Transaction
		require.NoError(t, json.Unmarshal([]byte(`{"Status":"PENDING","Type":"CARD_VALIDATION","Nature":"CHARGEBACK","FundsType":"X"}`), &tx))
		assert.Equal(t, TransactionStatus("PENDING"), tx.Status)
		assert.Equal(t, TransactionType("CARD_VALIDATION"), tx.Type)
		assert.Equal(t, TransactionNature("CHARGEBACK"), tx.Nature)
		var w Wallet
		require.NoError(t, json.Unmarshal([]byte(`{"FundsType":"SOMETHING_NEW"}`), &w))
		assert.Equal(t, FundsType("SOMETHING_NEW"), w.FundsType)
	})
}

func TestTransactionsFiltersEncoding(t *testing.T) {
	t.Parallel()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		paris = time.FixedZone("CEST", 2*3600)
	}
	lo := &TransactionListOptions{
		ListOptions: ListOptions{Page: 3, PerPage: 50, Sort: SortCreationDateDesc},
		Status:      []TransactionStatus{TransactionStatusSucceeded, TransactionStatusFailed},
		Type:        []TransactionType{TransactionTypeTransfer, TransactionTypePayout},
		Nature:      []TransactionNature{TransactionNatureRefund},
		ResultCode:  []string{ResultCodeTransferAuthFailed, ResultCodeTransferAuthExpired},
		AfterDate:   time.Date(2025, 4, 14, 5, 6, 40, 0, time.UTC), // 1744607200
		BeforeDate:  time.Date(2025, 4, 15, 12, 0, 0, 0, paris),    // 1744711200
	}
	want := url.Values{
		"page": {"3"}, "per_page": {"50"}, "Sort": {"CreationDate:DESC"},
		"Status":     {"SUCCEEDED,FAILED"}, // one parameter, comma-separated
		"Type":       {"TRANSFER,PAYOUT"},
		"Nature":     {"REFUND"},
		"ResultCode": {"007101,007102"},
		"AfterDate":  {"1744607200"},
		"BeforeDate": {"1744711200"},
		"ScaContext": {"USER_NOT_PRESENT"},
	}

	for _, byWallet := range []bool{false, true} {
		env := newTestClient(t)
		var cp capture
		env.mt.RegisterResponder(http.MethodGet, `=~^`+testAPI+`/(users|wallets)/x1/transactions\z`,
			cp.wrap(jsonResponder(200, `[]`)))
		var err error
		if byWallet {
			_, err = env.c.Transactions.ListByWallet(context.Background(), "x1", ScaUserNotPresent, lo)
		} else {
			_, err = env.c.Transactions.ListByUser(context.Background(), "x1", ScaUserNotPresent, lo)
		}
		require.NoError(t, err)
		r, _ := cp.last(t)
		if byWallet {
			assert.Equal(t, "/prefix/v2.01/"+testClientID+"/wallets/x1/transactions", r.URL.Path)
		} else {
			assert.Equal(t, "/prefix/v2.01/"+testClientID+"/users/x1/transactions", r.URL.Path)
		}
		assert.Equal(t, want, r.URL.Query())
		assert.Contains(t, r.URL.RawQuery, "Status=SUCCEEDED%2CFAILED")
		assert.Equal(t, 1, strings.Count(r.URL.RawQuery, "Status="), "not repeated")
	}

	t.Run("empty options send nothing", func(t *testing.T) {
		env := newTestClient(t)
		var cp capture
		env.mt.RegisterResponder(http.MethodGet, testAPI+"/users/x1/transactions", cp.wrap(jsonResponder(200, `[]`)))
		_, err := env.c.Transactions.ListByUser(context.Background(), "x1", "", &TransactionListOptions{})
		require.NoError(t, err)
		r, _ := cp.last(t)
		assert.Empty(t, r.URL.RawQuery)
	})
}

func TestTransactionsFiltersRefusedBeforeTheNetwork(t *testing.T) {
	t.Parallel()
	now := time.Now()
	cases := []struct {
		name string
		lo   TransactionListOptions
		want string
	}{
		{"dates inverted", TransactionListOptions{AfterDate: now, BeforeDate: now.Add(-time.Hour)}, "AfterDate"},
		{"equal dates", TransactionListOptions{AfterDate: now, BeforeDate: now}, "is not before BeforeDate"},
		{"empty status", TransactionListOptions{Status: []TransactionStatus{""}}, "Status[0]"},
		{"comma in type", TransactionListOptions{Type: []TransactionType{"PAYIN,PAYOUT"}}, `Type[0] "PAYIN,PAYOUT"`},
		{"empty result code", TransactionListOptions{ResultCode: []string{"000000", " "}}, "ResultCode[1]"},
		{"per page", TransactionListOptions{ListOptions: ListOptions{PerPage: 500}}, "PerPage 500"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t)
			p, err := env.c.Transactions.ListByUser(context.Background(), "u1", ScaUserPresent, &tc.lo)
			assert.Nil(t, p)
			assert.ErrorContains(t, err, tc.want)
			for _, err := range env.c.Transactions.AllByWallet(context.Background(), "w1", ScaUserPresent, &tc.lo) {
				assert.ErrorContains(t, err, tc.want)
			}
			assert.Zero(t, env.mt.GetTotalCallCount())
		})
	}
}

func TestTransactionsAllByWalletKeepsFiltersOnEveryPage(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/wallets/w1/transactions",
		cp.wrap(wlPages(t, []string{txPage(1, 3), txPage(4, 3), txPage(7, 2)}, 8)))

	lo := &TransactionListOptions{
		ListOptions: ListOptions{PerPage: 3, Sort: SortCreationDateDesc},
		Status:      []TransactionStatus{TransactionStatusSucceeded},
		AfterDate:   time.Unix(1744600000, 0),
	}
	var ids []string
	for tx, err := range env.c.Transactions.AllByWallet(context.Background(), "w1", ScaUserPresent, lo) {
		require.NoError(t, err)
		ids = append(ids, tx.ID)
	}
	assert.Equal(t, []string{"t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8"}, ids)
	require.Len(t, cp.reqs, 3)
	for i, r := range cp.reqs {
		assert.Equal(t, url.Values{
			"page": {strconv.Itoa(i + 1)}, "per_page": {"3"}, "Sort": {"CreationDate:DESC"},
			"Status": {"SUCCEEDED"}, "AfterDate": {"1744600000"}, "ScaContext": {"USER_PRESENT"},
		}, r.URL.Query(), "request %d", i)
		assertStdHeaders(t, r)
	}
	assert.Equal(t, 0, lo.Page, "the caller's options are not modified")
}

func TestTransactionsAllByUserStopsEarly(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/users/u1/transactions",
		cp.wrap(wlPages(t, []string{txPage(1, 100), txPage(101, 100), txPage(201, 100)}, 300)))
	n := 0
	for range env.c.Transactions.AllByUser(context.Background(), "u1", ScaUserPresent, nil) {
		n++
		if n == 50 {
			break
		}
	}
	assert.Equal(t, 50, n)
	assert.Len(t, cp.reqs, 1, "breaking inside page 1 makes no further request")
	assert.Equal(t, 1, env.mt.GetCallCountInfo()["GET "+testAPI+"/users/u1/transactions"])
}

func TestWalletReadsScaRequired401(t *testing.T) {
	t.Parallel()
	f := load401(t)
	spellings := map[string]string{
		"redirectUrl (view-wallet page)": f.Headers["WWW-Authenticate"],
		"RedirectUrl (wallets guide)":    f.Alt["WWW-Authenticate"],
	}
	for _, rd := range walletReads(t) {
		for spelling, header := range spellings {
			t.Run(rd.name+"/"+spelling, func(t *testing.T) {
				t.Parallel()
				env := newTestClient(t)
				var cp capture
				env.mt.RegisterResponder(http.MethodGet, testAPI+rd.path, cp.wrap(wlRespond(401, "", "WWW-Authenticate", header)))

				got, err := rd.call(context.Background(), env.c, ScaUserPresent)
				assert.False(t, got, "no resource with a 401")
				sca, ok := AsScaRequired(err)
				require.True(t, ok, "want *ScaRequiredError, got %v", err)
				assert.Equal(t, linkOf(header), sca.RedirectURL)
				assert.Equal(t, ScaSourceHeader, sca.Source)
				assert.Equal(t, http.StatusUnauthorized, sca.StatusCode)
				assert.Equal(t, http.MethodGet, sca.Method)
				assert.Equal(t, testAPI+rd.path, sca.URL)
				assert.ErrorIs(t, err, ErrScaRequired)
				assert.NotErrorIs(t, err, ErrUnauthorized)

				require.Len(t, cp.reqs, 1, "an SCA demand is neither retried nor replayed")
				assert.Equal(t, "ScaContext=USER_PRESENT", cp.reqs[0].URL.RawQuery)
				assert.EqualValues(t, 1, env.tokenCalls.Load(), "the token is not refreshed")

				to, err := sca.RedirectURLWithReturn("https://platform.example/sca/done")
				require.NoError(t, err)
				assert.Equal(t, linkOf(header)+"&returnUrl=https%3A%2F%2Fplatform.example%2Fsca%2Fdone", to)
			})
		}
	}
}

func TestWalletReads401WithoutChallengeRefreshesTheToken(t *testing.T) {
	t.Parallel()
	for _, rd := range walletReads(t) {
		t.Run(rd.name, func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t)
			tokens := 0
			env.mt.RegisterResponder(http.MethodPost, testBase+"/v2.01/oauth/token", func(*http.Request) (*http.Response, error) {
				tokens++
				return httpmock.NewStringResponse(200, fmt.Sprintf(`{"access_token":"tok-%d","token_type":"bearer","expires_in":1200}`, tokens)), nil
			})
			var cp capture
			expired := wlRespond(401, `{"Message":"The authorization credentials are not valid","Type":"invalid_credentials","Date":1733404277}`,
				"WWW-Authenticate", `Bearer realm="mangopay"`)
			env.mt.RegisterResponder(http.MethodGet, testAPI+rd.path, cp.wrap(expired.Then(wlRespond(200, rd.ok))))

			got, err := rd.call(context.Background(), env.c, ScaUserPresent)
			require.NoError(t, err)
			assert.True(t, got)
			assert.Equal(t, 2, tokens, "one refresh")
			require.Len(t, cp.reqs, 2)
			assert.Equal(t, "Bearer tok-1", cp.reqs[0].Header.Get("Authorization"))
			assert.Equal(t, "Bearer tok-2", cp.reqs[1].Header.Get("Authorization"), "replayed with the new token")
			assert.Equal(t, cp.reqs[0].URL.String(), cp.reqs[1].URL.String())
		})
		t.Run(rd.name+"/still refused", func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t)
			var cp capture
			env.mt.RegisterResponder(http.MethodGet, testAPI+rd.path,
				cp.wrap(wlRespond(401, `{"Message":"The authorization credentials are not valid","Type":"invalid_credentials"}`)))
			got, err := rd.call(context.Background(), env.c, ScaUserPresent)
			assert.False(t, got)
			assert.ErrorIs(t, err, ErrUnauthorized)
			assert.NotErrorIs(t, err, ErrScaRequired)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, ErrorTypeInvalidCredentials, apiErr.Type)
			assert.Len(t, cp.reqs, 2, "one replay, then the error")
			assert.EqualValues(t, 2, env.tokenCalls.Load())
		})
	}
}

func TestWalletReads403ScaProxyMissing(t *testing.T) {
	t.Parallel()
	body := string(fixture(t, "wallets/error-403-sca-proxy-missing.json"))
	for _, rd := range walletReads(t) {
		t.Run(rd.name, func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t)
			var cp capture
			env.mt.RegisterResponder(http.MethodGet, testAPI+rd.path, cp.wrap(wlRespond(403, body)))
			got, err := rd.call(context.Background(), env.c, ScaUserNotPresent)
			assert.False(t, got)
			assert.ErrorIs(t, err, ErrScaProxyMissing)
			assert.ErrorIs(t, err, ErrForbidden)
			assert.NotErrorIs(t, err, ErrScaRequired)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, ErrorTypeScaProxyMissing, apiErr.Type)
			assert.Equal(t, "bbf56cc0-079d-44fd-9e23-53bdb3e283e5#1762177336", apiErr.ID)
			require.Len(t, cp.reqs, 1, "a 403 is not retried")
			assert.Equal(t, "ScaContext=USER_NOT_PRESENT", cp.reqs[0].URL.RawQuery)
		})
	}
}

// idsOf turns an iterator of resources into one of their ids ("" beside an
// error).
func idsOf[T any](seq iter.Seq2[*T, error], id func(*T) string) func(yield func(string, error) bool) {
	return func(yield func(string, error) bool) {
		for v, err := range seq {
			s := ""
			if v != nil {
				s = id(v)
			}
			if !yield(s, err) {
				return
			}
		}
	}
}

func TestIteratorsYieldScaDemandMidIteration(t *testing.T) {
	t.Parallel()
	header := load401(t).Alt["WWW-Authenticate"]
	cases := []struct {
		name  string
		path  string
		page  func(first, n int) string
		iter  func(c *Client) func(yield func(string, error) bool)
		first string
	}{
		{"Wallets.AllByUser", "/users/u1/wallets", walletsPage,
			func(c *Client) func(yield func(string, error) bool) {
				return idsOf(c.Wallets.AllByUser(context.Background(), "u1", ScaUserPresent, &ListOptions{PerPage: 2}), func(w *Wallet) string { return w.ID })
			}, "w"},
		{"Transactions.AllByUser", "/users/u1/transactions", txPage,
			func(c *Client) func(yield func(string, error) bool) {
				return idsOf(c.Transactions.AllByUser(context.Background(), "u1", ScaUserPresent, &TransactionListOptions{ListOptions: ListOptions{PerPage: 2}}), func(tx *Transaction) string { return tx.ID })
			}, "t"},
		{"Transactions.AllByWallet", "/wallets/w1/transactions", txPage,
			func(c *Client) func(yield func(string, error) bool) {
				return idsOf(c.Transactions.AllByWallet(context.Background(), "w1", ScaUserPresent, &TransactionListOptions{ListOptions: ListOptions{PerPage: 2}}), func(tx *Transaction) string { return tx.ID })
			}, "t"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t)
			var cp capture
			env.mt.RegisterResponder(http.MethodGet, testAPI+tc.path, cp.wrap(func(r *http.Request) (*http.Response, error) {
				if r.URL.Query().Get("page") == "2" { // Mangopay demands SCA on page 2
					return wlRespond(401, "", "WWW-Authenticate", header)(r)
				}
				return wlRespond(200, tc.page(1, 2), "X-Number-Of-Pages", "3", "X-Number-Of-Items", "6")(r)
			}))

			var ids []string
			var errs []error
			for id, err := range tc.iter(env.c) {
				if err != nil {
					errs = append(errs, err)
					continue // the iterator must end by itself
				}
				ids = append(ids, id)
			}
			assert.Equal(t, []string{tc.first + "1", tc.first + "2"}, ids)
			require.Len(t, errs, 1, "exactly one error")
			sca, ok := AsScaRequired(errs[0])
			require.True(t, ok, "got %v", errs[0])
			assert.Equal(t, linkOf(header), sca.RedirectURL)
			assert.Equal(t, ScaSourceHeader, sca.Source)
			require.Len(t, cp.reqs, 2, "page 3 is never requested")
			assert.Equal(t, "2", cp.reqs[1].URL.Query().Get("page"))
			assert.Equal(t, "USER_PRESENT", cp.reqs[1].URL.Query().Get("ScaContext"))
		})
	}
}

func TestWalletReadsUntrustedRedirectLink(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/wallets/w1",
		wlRespond(401, "", "WWW-Authenticate", "PendingUserAction RedirectUrl=https://sca.evil.example/?token=x"))
	w, err := env.c.Wallets.Get(context.Background(), "w1", ScaUserPresent)
	assert.Nil(t, w)
	assert.ErrorIs(t, err, ErrUntrustedRedirect)
	_, isSca := AsScaRequired(err)
	assert.False(t, isSca, "a spoofed link is never handed out as an SCA redirect")
}

func TestWalletReadsContextCancelled(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := env.c.Wallets.Get(ctx, "w1", ScaUserPresent)
	assert.True(t, errors.Is(err, context.Canceled), "got %v", err)
	for _, err := range env.c.Transactions.AllByWallet(ctx, "w1", ScaUserPresent, nil) {
		assert.ErrorIs(t, err, context.Canceled)
	}
}

func TestWalletsCreateAndUpdateErrors(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/wallets", wlRespond(400,
		`{"Message":"One or several required parameters are missing or incorrect.","Type":"param_error","Id":"e1","Date":1740581497.0,"errors":{"Currency":"The Currency field is not supported."}}`))
	env.mt.RegisterResponder(http.MethodPut, testAPI+"/wallets/missing", wlRespond(404,
		`{"Message":"The ressource does not exist","Type":"ressource_not_found","Id":"e2","Date":1740581497,"errors":null}`))

	w, err := env.c.Wallets.Create(context.Background(), &CreateWalletRequest{Owners: []string{"u1"}, Description: "d", Currency: "XAU"})
	assert.Nil(t, w)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, ErrorTypeParam, apiErr.Type)
	msg, ok := apiErr.FieldError("Currency")
	assert.True(t, ok)
	assert.Equal(t, "The Currency field is not supported.", msg)

	w, err = env.c.Wallets.Update(context.Background(), "missing", &UpdateWalletRequest{Description: Ptr("x")})
	assert.Nil(t, w)
	assert.ErrorIs(t, err, ErrNotFound)
}
