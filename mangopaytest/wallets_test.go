package mangopaytest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scaforge/mangopay/mangopaytest"
)

func TestWalletCreateAndUpdate(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	payer := a.createPayer("Paula")
	w := a.ok(a.call(http.MethodPost, "/wallets", map[string]any{"Owners": []string{payer}, "Description": "Description of the user's wallet", "Currency": "EUR", "Tag": "t1"}))
	assertShape(t, fixtureJSON(t, "wallets/view.response.json"), w, "wallet")
	assert.Regexp(t, `^wlt_m_`, w["Id"])
	assert.Equal(t, map[string]any{"Currency": "EUR", "Amount": float64(0)}, w["Balance"])
	assert.Equal(t, []any{payer}, w["Owners"])
	assert.Equal(t, "DEFAULT", w["FundsType"])

	u := a.ok(a.call(http.MethodPut, "/wallets/"+w["Id"].(string), map[string]any{"Description": "Savings", "Tag": "t2"}))
	assert.Equal(t, "Savings", u["Description"])
	assert.Equal(t, "t2", u["Tag"])

	errs := assertError(t, a.call(http.MethodPost, "/wallets", map[string]any{}), http.StatusBadRequest, "param_error")
	assert.Contains(t, errs, "Owners")
	assert.Contains(t, errs, "Description")
	assert.Contains(t, errs, "Currency")
	errs = assertError(t, a.call(http.MethodPost, "/wallets", map[string]any{"Owners": []string{"user_m_x"}, "Description": "d", "Currency": "XYZ"}), http.StatusBadRequest, "param_error")
	assert.Contains(t, errs["Owners"], "user_m_x")
	assert.Contains(t, errs["Currency"], "XYZ")
	errs = assertError(t, a.call(http.MethodPut, "/wallets/"+w["Id"].(string), map[string]any{"Currency": "GBP"}), http.StatusBadRequest, "param_error")
	assert.Contains(t, errs, "Currency")
	assertError(t, a.call(http.MethodPut, "/wallets/wlt_m_missing", map[string]any{}), http.StatusNotFound, "ressource_not_found")
}

func TestWalletAccessSca(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	owner := a.activeOwner("Olga")
	wid := a.wallet(owner, "EUR", 1500)
	reads := []string{"/wallets/" + wid, "/users/" + owner + "/wallets", "/users/" + owner + "/transactions", "/wallets/" + wid + "/transactions"}

	for _, p := range reads {
		for _, q := range []string{"", "?ScaContext=USER_PRESENT"} {
			r := a.get(p + q)
			require.Equal(t, http.StatusUnauthorized, r.status, p+q)
			assert.Empty(t, r.body, "the 401 has no body")
			h := r.header.Get("WWW-Authenticate")
			require.True(t, strings.HasPrefix(h, "PendingUserAction RedirectUrl="), h)
			assert.Regexp(t, linkRE, strings.TrimPrefix(h, "PendingUserAction RedirectUrl="))
		}
	}
	assertError(t, a.get("/wallets/"+wid+"?ScaContext=USER_NOT_PRESENT"), http.StatusForbidden, "sca_proxy_missing")
	errs := assertError(t, a.get("/wallets/"+wid+"?ScaContext=MAYBE"), http.StatusBadRequest, "param_error")
	assert.Contains(t, errs, "ScaContext")
	assertError(t, a.get("/wallets/wlt_m_missing"), http.StatusNotFound, "ressource_not_found")

	// A declined session changes nothing.
	h := a.get(reads[0]).header.Get("WWW-Authenticate")
	require.NoError(t, a.srv.CompleteSca(strings.TrimPrefix(h, "PendingUserAction RedirectUrl="), mangopaytest.Failed))
	assert.Equal(t, http.StatusUnauthorized, a.get(reads[0]).status)

	h = a.get(reads[1]).header.Get("WWW-Authenticate")
	require.NoError(t, a.srv.CompleteSca(strings.TrimPrefix(h, "PendingUserAction RedirectUrl="), mangopaytest.Validated))
	for _, p := range reads {
		assert.Equal(t, http.StatusOK, a.get(p+"?ScaContext=USER_PRESENT").status, p)
	}
	w := a.ok(a.get(reads[0]))
	assert.EqualValues(t, 1500, w["Balance"].(map[string]any)["Amount"])
	list := a.get(reads[1])
	assertShape(t, fixtureJSON(t, "wallets/list-by-user.response.json"), decodeAny(t, list.body), "wallets")

	a.srv.Advance(179 * 24 * time.Hour)
	a.token = a.fetchToken()
	assert.Equal(t, http.StatusOK, a.get(reads[2]).status, "still inside 180 days")
	a.srv.Advance(24 * time.Hour)
	a.token = a.fetchToken()
	assert.Equal(t, http.StatusUnauthorized, a.get(reads[2]).status, "180 days passed")

	// No wallet SCA for PAYERs; legal OWNERs of every type get it.
	payer := a.createPayer("Paula")
	assert.Equal(t, http.StatusOK, a.get("/wallets/"+a.wallet(payer, "EUR", 0)).status)
	biz := a.businessOwner()
	assert.Equal(t, http.StatusUnauthorized, a.get("/users/"+biz+"/wallets").status)
}

func TestTransferBetweenOwnersNeedsScaAboveThreshold(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	alice, bob := a.activeOwner("Alice"), a.activeOwner("Bob")
	from, to := a.wallet(alice, "EUR", 100000), a.wallet(bob, "EUR", 0)
	require.NoError(t, a.srv.Credit(from, 900000))

	body := decodeAny(t, fixture(t, "transfers/create.request.json")).(map[string]any)
	body["AuthorId"], body["DebitedWalletId"], body["CreditedWalletId"] = alice, from, to
	body["DebitedFunds"].(map[string]any)["Amount"] = mangopaytest.ScaThreshold
	tr := a.ok(a.call(http.MethodPost, "/transfers", body))
	assertShape(t, fixtureJSON(t, "transfers/create-sca-required.response.json"), tr, "transfer")
	assert.Equal(t, "USER_PRESENT", tr["ScaContext"])
	assert.Equal(t, "CREATED", tr["Status"])
	assert.Nil(t, tr["ResultCode"])
	assert.Nil(t, tr["ExecutionDate"])
	assert.Equal(t, bob, tr["CreditedUserId"])
	assert.Regexp(t, `^xfer_m_`, tr["Id"])
	link := linkOf(tr)
	require.Regexp(t, linkRE, link)
	assert.EqualValues(t, 1000000, a.balance(from), "nothing moves before SCA")
	id := tr["Id"].(string)
	assert.Equal(t, link, linkOf(a.ok(a.get("/transfers/"+id))), "the GET still shows the link")

	require.NoError(t, a.srv.CompleteSca(link, mangopaytest.Validated))
	got := a.ok(a.get("/transfers/" + id))
	assert.Equal(t, "SUCCEEDED", got["Status"])
	assert.Equal(t, "000000", got["ResultCode"])
	assert.Nil(t, got["PendingUserAction"])
	assert.NotNil(t, got["ExecutionDate"])
	assert.EqualValues(t, 1000000-mangopaytest.ScaThreshold, a.balance(from))
	assert.EqualValues(t, mangopaytest.ScaThreshold, a.balance(to))
	assert.Equal(t, []string{"TRANSFER_NORMAL_CREATED", "TRANSFER_NORMAL_SUCCEEDED"}, eventTypes(a.srv, id))

	// Declined: 007101. Expired: 007102.
	declined := a.transfer(alice, from, to, 60000, "USER_PRESENT")
	require.NoError(t, a.srv.CompleteSca(linkOf(declined), mangopaytest.Failed))
	got = a.ok(a.get("/transfers/" + declined["Id"].(string)))
	assert.Equal(t, "FAILED", got["Status"])
	assert.Equal(t, "007101", got["ResultCode"])
	assert.Equal(t, "Transfer authentication failed. Please retry with a new request.", got["ResultMessage"])
	assert.Equal(t, []string{"TRANSFER_NORMAL_CREATED", "TRANSFER_NORMAL_FAILED"}, eventTypes(a.srv, declined["Id"].(string)))

	expired := a.transfer(alice, from, to, 60000, "")
	require.NotEmpty(t, linkOf(expired), "no ScaContext means USER_PRESENT")
	a.srv.Advance(mangopaytest.SessionLifetime)
	a.token = a.fetchToken()
	got = a.ok(a.get("/transfers/" + expired["Id"].(string)))
	assert.Equal(t, "FAILED", got["Status"])
	assert.Equal(t, "007102", got["ResultCode"])
	assert.Equal(t, "Transfer authentication expired. Please initiate a new request.", got["ResultMessage"])
	assert.Nil(t, got["PendingUserAction"])
	assert.EqualValues(t, mangopaytest.ScaThreshold, a.balance(to), "failed transfers move nothing")
}

// TestTransferSandboxThreshold checks the documented sandbox rule for
// transfers between different OWNERs with USER_PRESENT
// (docs.mangopay.com/guides/sca/transfers, "SCA triggers in Sandbox",
// revision of 2025-11-03): the TRA exemption covers 500 EUR or less, so SCA
// starts at 50001 and never happens below it, however many small transfers
// follow one another. Legal OWNERs of every type get SCA too (API release
// note 2025-11-17, "In Sandbox, SCA applied to all Legal User types").
func TestTransferSandboxThreshold(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	alice, bob := a.activeOwner("Alice"), a.activeOwner("Bob")
	from, to := a.wallet(alice, "EUR", 1000000), a.wallet(bob, "EUR", 0)

	for _, amt := range []int64{mangopaytest.ScaThreshold - 1, mangopaytest.LowValueLimit, 20000, 1} {
		tr := a.transfer(alice, from, to, amt, "USER_PRESENT")
		assert.Equal(t, "SUCCEEDED", tr["Status"], "amount %d", amt)
		assert.Nil(t, tr["PendingUserAction"])
	}
	// No low-value counting in the sandbox: the sixth, the twentieth EUR 10
	// transfer in a row, and one past EUR 100 in total, need no SCA.
	for i := 0; i < 20; i++ {
		tr := a.transfer(alice, from, to, 1000, "USER_PRESENT")
		assert.Equal(t, "SUCCEEDED", tr["Status"], "EUR 10 transfer %d", i+1)
		assert.Nil(t, tr["PendingUserAction"])
	}
	big := a.transfer(alice, from, to, mangopaytest.ScaThreshold, "USER_PRESENT")
	assert.Equal(t, "CREATED", big["Status"])
	assert.NotEmpty(t, linkOf(big))
	absent := a.transfer(alice, from, to, mangopaytest.ScaThreshold, "")
	assert.NotEmpty(t, linkOf(absent), "no ScaContext counts as USER_PRESENT")

	// Every legal type: a BUSINESS OWNER's large transfer needs SCA like a
	// natural user's (release note 2025-11-17, newer than the guide's list of
	// natural users and sole traders).
	biz := a.businessOwner()
	bw := a.wallet(biz, "EUR", 100000)
	assert.NotEmpty(t, linkOf(a.transfer(biz, bw, to, mangopaytest.ScaThreshold, "USER_PRESENT")))

	// No SCA: same owner, a PAYER author (towards an OWNER).
	own := a.wallet(alice, "EUR", 0)
	assert.Equal(t, "SUCCEEDED", a.transfer(alice, from, own, 90000, "USER_PRESENT")["Status"])
	payer := a.createPayer("Paula")
	pw := a.wallet(payer, "EUR", 100000)
	assert.Equal(t, "SUCCEEDED", a.transfer(payer, pw, to, 90000, "USER_PRESENT")["Status"])
	// Not yet enrolled owners still get SCA (their first session also enrolls them).
	carol, carolLink := a.createOwner("Carol")
	cw := a.wallet(carol, "EUR", 100000)
	tr := a.transfer(carol, cw, to, 60000, "USER_PRESENT")
	require.NotEmpty(t, linkOf(tr))
	require.NoError(t, a.srv.CompleteSca(linkOf(tr), mangopaytest.Validated))
	assert.Equal(t, "ACTIVE", a.ok(a.get("/sca/users/" + carol))["UserStatus"])
	assert.Contains(t, eventTypes(a.srv, carol), "SCA_ENROLLMENT_SUCCEEDED")
	require.NoError(t, a.srv.CompleteSca(carolLink, mangopaytest.Validated), "the older enrollment link is still valid")
}

// TestTransferLowValueExemptionOption checks the opt-in production-like
// low-value model (WithLowValueExemption), which Mangopay's sandbox does not
// apply: below 3000, five exempt transfers in a row or EUR 100 in total, then
// SCA.
func TestTransferLowValueExemptionOption(t *testing.T) {
	t.Parallel()
	a := newAPI(t, mangopaytest.WithLowValueExemption())
	alice, bob := a.activeOwner("Alice"), a.activeOwner("Bob")
	from, to := a.wallet(alice, "EUR", 1000000), a.wallet(bob, "EUR", 0)

	// TRA: 3000 to 50000 are exempt, and never counted.
	for _, amt := range []int64{mangopaytest.ScaThreshold - 1, mangopaytest.LowValueLimit, 20000} {
		assert.Equal(t, "SUCCEEDED", a.transfer(alice, from, to, amt, "USER_PRESENT")["Status"], "amount %d", amt)
	}
	// Low value: five in a row are exempt, the sixth needs SCA.
	for i := 0; i < mangopaytest.LowValueMaxCount; i++ {
		assert.Equal(t, "SUCCEEDED", a.transfer(alice, from, to, 1000, "USER_PRESENT")["Status"], "low-value transfer %d", i+1)
	}
	sixth := a.transfer(alice, from, to, 1000, "USER_PRESENT")
	assert.Equal(t, "CREATED", sixth["Status"])
	require.NotEmpty(t, linkOf(sixth))
	require.NoError(t, a.srv.CompleteSca(linkOf(sixth), mangopaytest.Validated))
	assert.Equal(t, "SUCCEEDED", a.transfer(alice, from, to, 1000, "USER_PRESENT")["Status"], "a successful SCA resets the counters")

	// Low value: the running total may not pass 10000 (1000 already counted).
	for _, amt := range []int64{2999, 2999, 2999} {
		assert.Equal(t, "SUCCEEDED", a.transfer(alice, from, to, amt, "USER_PRESENT")["Status"])
	}
	over := a.transfer(alice, from, to, 1100, "USER_PRESENT") // 9997 + 1100 > 10000
	assert.Equal(t, "CREATED", over["Status"])
	require.NoError(t, a.srv.CompleteSca(linkOf(over), mangopaytest.Failed))
	assert.Equal(t, "CREATED", a.transfer(alice, from, to, 4, "USER_PRESENT")["Status"], "a failed SCA does not reset the counters")
	assert.Equal(t, "SUCCEEDED", a.transfer(alice, from, to, 3, "USER_PRESENT")["Status"], "9997 + 3 stays within 10000")
	assert.NotEmpty(t, linkOf(a.transfer(alice, from, to, mangopaytest.ScaThreshold, "USER_PRESENT")), "the threshold still applies")
}

// TestTransferIntoPayerWalletFails checks Mangopay's restrictions on PAYERs
// (guides/users/categories/restrictions): a PAYER's wallet cannot be
// credited by another user. The transfer is created FAILED with the
// documented ResultCode and ResultMessage (errors/codes/002702 from an
// OWNER, errors/codes/002701 from another PAYER), nothing moves, and the
// usual TRANSFER_NORMAL_CREATED and _FAILED are sent.
func TestTransferIntoPayerWalletFails(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	alice, paula, pete := a.activeOwner("Alice"), a.createPayer("Paula"), a.createPayer("Pete")
	aw, pw, qw := a.wallet(alice, "EUR", 100000), a.wallet(paula, "EUR", 100000), a.wallet(pete, "EUR", 0)

	for _, c := range []struct {
		name, author, from, to, code, msg string
	}{
		{"owner to payer", alice, aw, pw, "002702", "Users with category PAYER cannot receive transfers from users with category OWNER."},
		{"payer to payer", paula, pw, qw, "002701", "Users with category PAYER cannot make transfers to other users with category PAYER."},
	} {
		tr := a.transfer(c.author, c.from, c.to, 1000, "USER_PRESENT")
		assert.Equal(t, "FAILED", tr["Status"], c.name)
		assert.Equal(t, c.code, tr["ResultCode"], c.name)
		assert.Equal(t, c.msg, tr["ResultMessage"], c.name)
		assert.Nil(t, tr["PendingUserAction"], c.name)
		assert.Nil(t, tr["ExecutionDate"], c.name)
		assert.Equal(t, []string{"TRANSFER_NORMAL_CREATED", "TRANSFER_NORMAL_FAILED"}, eventTypes(a.srv, tr["Id"].(string)), c.name)
		got := a.ok(a.get("/transfers/" + tr["Id"].(string)))
		assert.Equal(t, c.code, got["ResultCode"], c.name)
	}
	assert.EqualValues(t, 100000, a.balance(aw))
	assert.EqualValues(t, 100000, a.balance(pw))
	assert.Zero(t, a.balance(qw))
	// A PAYER may move funds between its own wallets.
	own := a.wallet(paula, "EUR", 0)
	assert.Equal(t, "SUCCEEDED", a.transfer(paula, pw, own, 1000, "")["Status"])
}

func TestTransferErrors(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	alice, bob := a.activeOwner("Alice"), a.activeOwner("Bob")
	from, to := a.wallet(alice, "EUR", 1000), a.wallet(bob, "EUR", 0)
	gbp := a.wallet(bob, "GBP", 0)

	errs := assertError(t, a.call(http.MethodPost, "/transfers", map[string]any{}), http.StatusBadRequest, "param_error")
	for _, f := range []string{"AuthorId", "DebitedWalletId", "CreditedWalletId", "DebitedFunds", "Fees"} {
		assert.Contains(t, errs, f)
	}
	assert.Equal(t, "The CreditedWalletId field is required.", errs["CreditedWalletId"])

	body := func(author, dw, cw, cur string, amt int64) map[string]any {
		return map[string]any{"AuthorId": author, "DebitedWalletId": dw, "CreditedWalletId": cw,
			"DebitedFunds": map[string]any{"Currency": cur, "Amount": amt}, "Fees": map[string]any{"Currency": cur, "Amount": 0}}
	}
	errs = assertError(t, a.call(http.MethodPost, "/transfers", body(bob, from, to, "EUR", 100)), http.StatusBadRequest, "param_error")
	assert.Equal(t, "Author should be the Debited wallet owner", errs["AuthorId"])
	r := a.call(http.MethodPost, "/transfers", body(alice, from, gbp, "EUR", 100))
	assertError(t, r, http.StatusBadRequest, "currency_incompatibility")
	assert.Equal(t, "Error: multi-currency usage is not authorized", r.json(t)["Message"])
	assertError(t, a.call(http.MethodPost, "/transfers", body(alice, from, to, "GBP", 100)), http.StatusBadRequest, "currency_incompatibility")
	errs = assertError(t, a.call(http.MethodPost, "/transfers", body(alice, "wlt_m_x", to, "EUR", 100)), http.StatusBadRequest, "param_error")
	assert.Contains(t, errs, "DebitedWalletId")
	errs = assertError(t, a.call(http.MethodPost, "/transfers", body(alice, from, to, "EUR", -5)), http.StatusBadRequest, "param_error")
	assert.Contains(t, errs, "DebitedFunds.Amount")
	b := body(alice, from, to, "EUR", 100)
	b["Fees"] = map[string]any{"Currency": "EUR", "Amount": 101}
	errs = assertError(t, a.call(http.MethodPost, "/transfers", b), http.StatusBadRequest, "param_error")
	assert.Contains(t, errs, "Fees.Amount")
	b = body(alice, from, to, "EUR", 100)
	b["ScaContext"] = "SOMETIMES"
	errs = assertError(t, a.call(http.MethodPost, "/transfers", b), http.StatusBadRequest, "param_error")
	assert.Contains(t, errs, "ScaContext")

	// Insufficient funds: FAILED with its result code, both webhooks.
	tr := a.transfer(alice, from, to, 5000, "USER_PRESENT")
	assert.Equal(t, "FAILED", tr["Status"])
	assert.Equal(t, "001001", tr["ResultCode"])
	assert.Equal(t, "Unsufficient wallet balance", tr["ResultMessage"])
	assert.Nil(t, tr["PendingUserAction"])
	assert.Equal(t, []string{"TRANSFER_NORMAL_CREATED", "TRANSFER_NORMAL_FAILED"}, eventTypes(a.srv, tr["Id"].(string)))
	assert.EqualValues(t, 1000, a.balance(from))

	// Funds gone by the time SCA completes: FAILED too.
	require.NoError(t, a.srv.Credit(from, 99000))
	big := a.transfer(alice, from, to, 60000, "USER_PRESENT")
	a.transfer(alice, from, a.wallet(alice, "EUR", 0), 50000, "USER_PRESENT")
	require.NoError(t, a.srv.CompleteSca(linkOf(big), mangopaytest.Validated))
	assert.Equal(t, "001001", a.ok(a.get("/transfers/" + big["Id"].(string)))["ResultCode"])

	assertError(t, a.get("/transfers/xfer_m_missing"), http.StatusNotFound, "ressource_not_found")
}

func TestTransferUserNotPresent(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	alice, bob := a.activeOwner("Alice"), a.activeOwner("Bob")
	from, to := a.wallet(alice, "EUR", 100000), a.wallet(bob, "EUR", 0)
	b := map[string]any{"AuthorId": alice, "DebitedWalletId": from, "CreditedWalletId": to, "ScaContext": "USER_NOT_PRESENT",
		"DebitedFunds": map[string]any{"Currency": "EUR", "Amount": 60000}, "Fees": map[string]any{"Currency": "EUR", "Amount": 0}}
	assertError(t, a.call(http.MethodPost, "/transfers", b), http.StatusForbidden, "sca_proxy_missing")

	p := newAPI(t, mangopaytest.WithProxyManagement())
	alice, bob = p.activeOwner("Alice"), p.activeOwner("Bob")
	from, to = p.wallet(alice, "EUR", 100000), p.wallet(bob, "EUR", 0)
	b["AuthorId"], b["DebitedWalletId"], b["CreditedWalletId"] = alice, from, to
	assertError(t, p.call(http.MethodPost, "/transfers", b), http.StatusForbidden, "sca_proxy_missing")
	c := p.ok(p.call(http.MethodPost, "/sca/users/"+alice+"/consent", nil))
	require.NoError(t, p.srv.CompleteSca(linkOf(c), mangopaytest.Validated))
	tr := p.ok(p.call(http.MethodPost, "/transfers", b))
	assert.Equal(t, "SUCCEEDED", tr["Status"])
	assert.Equal(t, "USER_NOT_PRESENT", tr["ScaContext"])
	assert.Nil(t, tr["PendingUserAction"])
	assert.Equal(t, http.StatusOK, p.get("/wallets/"+from+"?ScaContext=USER_NOT_PRESENT").status, "consent covers account information too")
}

func TestTransactionsLists(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	alice, bob := a.createPayer("Alice"), a.acceptOwner("Bob")
	from, to := a.wallet(alice, "EUR", 10000), a.wallet(bob, "EUR", 0)
	ok := a.transfer(alice, from, to, 4000, "")
	failed := a.transfer(alice, from, to, 999999, "")

	ids := func(r resp) []string {
		var out []string
		for _, tx := range r.list(t) {
			out = append(out, tx["Id"].(string))
		}
		return out
	}
	aliceTx := a.get("/users/" + alice + "/transactions")
	require.Equal(t, http.StatusOK, aliceTx.status)
	l := aliceTx.list(t)
	require.Len(t, l, 3, "the pay-in and both transfers")
	assert.Equal(t, "PAYIN", l[0]["Type"])
	assert.Nil(t, l[0]["DebitedWalletId"])
	assert.Equal(t, []string{ok["Id"].(string), failed["Id"].(string)}, ids(a.get("/users/"+bob+"/transactions")), "the credited user sees both transfers")
	assert.Equal(t, []string{ok["Id"].(string), failed["Id"].(string)}, ids(a.get("/wallets/"+to+"/transactions")))
	assert.Len(t, a.get("/wallets/"+from+"/transactions").list(t), 3)
	assertShape(t, fixtureJSON(t, "transactions/list-by-wallet.response.json"), decodeAny(t, a.get("/wallets/"+from+"/transactions").body), "transactions")

	tx := a.get("/wallets/" + to + "/transactions?Status=SUCCEEDED").list(t)
	require.Len(t, tx, 1)
	assert.Equal(t, map[string]any{"Currency": "EUR", "Amount": float64(4000)}, tx[0]["CreditedFunds"])
	assert.Equal(t, "TRANSFER", tx[0]["Type"])
	assert.Equal(t, "REGULAR", tx[0]["Nature"])
	assert.Len(t, a.get("/users/"+alice+"/transactions?Status=SUCCEEDED,FAILED&Type=TRANSFER").list(t), 2)
	assert.Len(t, a.get("/users/"+alice+"/transactions?Status=SUCCEEDED&Status=FAILED&Type=TRANSFER").list(t), 2)
	assert.Equal(t, []string{failed["Id"].(string)}, ids(a.get("/users/"+alice+"/transactions?ResultCode=001001")))
	assert.Len(t, a.get("/users/"+alice+"/transactions?Type=PAYOUT").list(t), 0)
	now := a.srv.Now().Unix()
	assert.Len(t, a.get(fmt.Sprintf("/users/%s/transactions?AfterDate=%d", alice, now)).list(t), 0)
	assert.Len(t, a.get(fmt.Sprintf("/users/%s/transactions?BeforeDate=%d", alice, now+1)).list(t), 3)
	assertError(t, a.get("/users/"+alice+"/transactions?BeforeDate=yesterday"), http.StatusBadRequest, "param_error")
	assertError(t, a.get("/users/user_m_missing/transactions"), http.StatusNotFound, "ressource_not_found")
}

// TestConcurrentTransfersConserveBalances has hundreds of goroutines move
// money between four OWNERs' wallets at once: exempt transfers, transfers
// needing SCA completed (either way) by other goroutines, and overdrafts.
// No money is created or lost and no balance goes negative.
func TestConcurrentTransfersConserveBalances(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	const wallets, workers, perWorker, initial = 4, 200, 3, 100000
	type acct struct{ owner, wallet string }
	var accts []acct
	for i := 0; i < wallets; i++ {
		o := a.activeOwner(fmt.Sprintf("User%d", i))
		accts = append(accts, acct{o, a.wallet(o, "EUR", initial)})
	}
	post := func(from, to acct, amount int64) (map[string]any, error) {
		j, _ := jsonBody(map[string]any{"AuthorId": from.owner, "DebitedWalletId": from.wallet, "CreditedWalletId": to.wallet,
			"DebitedFunds": map[string]any{"Currency": "EUR", "Amount": amount}, "Fees": map[string]any{"Currency": "EUR", "Amount": 0}})
		req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/v2.01/"+a.srv.ClientID+"/transfers", j)
		req.Header.Set("Authorization", "Bearer "+a.token)
		res, err := a.hc.Do(req)
		if err != nil {
			return nil, err
		}
		defer res.Body.Close()
		var m map[string]any
		if err := json.NewDecoder(res.Body).Decode(&m); err != nil {
			return nil, err
		}
		if res.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("status %d: %v", res.StatusCode, m)
		}
		return m, nil
	}
	errs := make(chan error, workers*perWorker)
	var mu sync.Mutex
	statuses := map[string]int{}
	var wg sync.WaitGroup
	for g := 0; g < workers; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				from, to := accts[(g+i)%wallets], accts[(g+i+1+g%2)%wallets]
				amount := int64(3000 + (g*7919+i*104729)%40000) // TRA-exempt
				if g%5 == 0 {
					amount = mangopaytest.ScaThreshold + int64(g) // needs SCA
				}
				tr, err := post(from, to, amount)
				if err != nil {
					errs <- err
					continue
				}
				if link := linkOf(tr); link != "" {
					outcome := mangopaytest.Validated
					if g%10 == 0 {
						outcome = mangopaytest.Failed
					}
					if err := a.srv.CompleteSca(link, outcome); err != nil {
						errs <- err
					}
				}
				mu.Lock()
				statuses[tr["Status"].(string)]++
				mu.Unlock()
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var total int64
	for _, ac := range accts {
		b := a.balance(ac.wallet)
		assert.GreaterOrEqual(t, b, int64(0))
		total += b
	}
	assert.EqualValues(t, wallets*initial, total, "money is conserved")
	assert.Positive(t, statuses["SUCCEEDED"])
	assert.Equal(t, workers*perWorker, statuses["SUCCEEDED"]+statuses["FAILED"]+statuses["CREATED"])

	// Every succeeded transfer shows up once in the debited and once in the credited wallet.
	var sum int64
	for _, ac := range accts {
		a.openWalletAccess(ac.owner)
		var net int64
		for page, pages := 1, 1; page <= pages; page++ {
			r := a.get(fmt.Sprintf("/wallets/%s/transactions?per_page=100&page=%d&Status=SUCCEEDED&Type=TRANSFER", ac.wallet, page))
			pages, _ = strconv.Atoi(r.header.Get("X-Number-Of-Pages"))
			for _, tx := range r.list(t) {
				if tx["CreditedWalletId"] == ac.wallet {
					net += int64(tx["CreditedFunds"].(map[string]any)["Amount"].(float64))
				} else {
					net -= int64(tx["DebitedFunds"].(map[string]any)["Amount"].(float64))
				}
			}
		}
		assert.Equal(t, a.balance(ac.wallet)-initial, net, "the transactions of %s explain its balance", ac.wallet)
		sum += net
	}
	assert.Zero(t, sum, "credits and debits cancel out")
}
