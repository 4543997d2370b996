package mangopaytest_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestListRefunds: GET /transfers/{id}/refunds and GET /payins/{id}/refunds
// (which Mangopay's official SDKs call, e.g. the Node SDK's
// Transfers.getRefunds and PayIns.getRefunds) list a transaction's refunds
// in creation order with the documented filters and paging.
func TestListRefunds(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	alice := a.acceptOwner("Alice")
	bob := a.acceptOwner("Bob")
	wa, wb := a.wallet(alice, "EUR", 10000), a.wallet(bob, "EUR", 0)
	eur := func(n int) map[string]any { return map[string]any{"Currency": "EUR", "Amount": n} }
	tr := a.ok(a.call(http.MethodPost, "/transfers", map[string]any{"AuthorId": alice, "DebitedWalletId": wa, "CreditedWalletId": wb,
		"DebitedFunds": eur(1000), "Fees": eur(0)}))
	require.Equal(t, "SUCCEEDED", tr["Status"])
	tid := tr["Id"].(string)
	other := a.ok(a.call(http.MethodPost, "/transfers", map[string]any{"AuthorId": alice, "DebitedWalletId": wa, "CreditedWalletId": wb,
		"DebitedFunds": eur(500), "Fees": eur(0)}))["Id"].(string)

	refund := func(body map[string]any) string {
		return a.ok(a.call(http.MethodPost, "/transfers/"+tid+"/refunds", body))["Id"].(string)
	}
	part := refund(map[string]any{"AuthorId": alice, "DebitedFunds": eur(300), "Fees": eur(0)})
	over := refund(map[string]any{"AuthorId": alice, "DebitedFunds": eur(5000), "Fees": eur(0)})
	rest := refund(map[string]any{"AuthorId": alice})

	ids := func(query string) []string {
		t.Helper()
		r := a.get("/transfers/" + tid + "/refunds" + query)
		require.Equal(t, http.StatusOK, r.status, "GET %s: %s", query, r.body)
		out := []string{}
		for _, m := range r.list(t) {
			assert.Equal(t, tid, m["InitialTransactionId"])
			out = append(out, m["Id"].(string))
		}
		return out
	}
	r := a.get("/transfers/" + tid + "/refunds/")
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	assert.Equal(t, "3", r.header.Get("X-Number-Of-Items"))
	l := r.list(t)
	require.Len(t, l, 3)
	assert.Equal(t, []any{part, over, rest}, []any{l[0]["Id"], l[1]["Id"], l[2]["Id"]})
	assert.Equal(t, "SUCCEEDED", l[0]["Status"])
	assert.Equal(t, "REFUND", l[0]["Nature"])
	assert.Equal(t, float64(300), l[0]["DebitedFunds"].(map[string]any)["Amount"])
	assert.Equal(t, "005403", l[1]["ResultCode"])

	assert.Equal(t, []string{over}, ids("?Status=FAILED"))
	assert.Equal(t, []string{part, rest}, ids("?ResultCode=000000"))
	assert.Equal(t, []string{rest, over, part}, ids("?Status=SUCCEEDED,FAILED&Sort=CreationDate:DESC"))
	assert.Equal(t, []string{over}, ids("?per_page=1&page=2"))
	now := a.srv.Now().Unix()
	assert.Equal(t, []string{}, ids(fmt.Sprintf("?AfterDate=%d", now)))
	assert.Equal(t, []string{part, over, rest}, ids(fmt.Sprintf("?BeforeDate=%d", now+1)))
	assertError(t, a.get("/transfers/"+tid+"/refunds?BeforeDate=yesterday"), http.StatusBadRequest, "param_error")
	assert.Equal(t, "[]", string(a.get("/transfers/"+other+"/refunds").body))
	assertError(t, a.get("/transfers/xfer_nope/refunds"), http.StatusNotFound, "ressource_not_found")

	// A pay-in's refunds (the wallet was funded by a pay-in).
	var payinID string
	for _, ev := range a.srv.Events() {
		if ev.EventType == "PAYIN_NORMAL_SUCCEEDED" {
			payinID = ev.ResourceID
			break
		}
	}
	require.NotEmpty(t, payinID)
	pr := a.ok(a.call(http.MethodPost, "/payins/"+payinID+"/refunds", map[string]any{"AuthorId": alice,
		"DebitedFunds": eur(100), "Fees": eur(0)}))
	pl := a.get("/payins/" + payinID + "/refunds").list(t)
	require.Len(t, pl, 1)
	assert.Equal(t, pr["Id"], pl[0]["Id"])
	assert.Equal(t, "PAYIN", pl[0]["InitialTransactionType"])
	assertError(t, a.get("/payins/payin_nope/refunds"), http.StatusNotFound, "ressource_not_found")
}
