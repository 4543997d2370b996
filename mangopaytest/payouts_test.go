package mangopaytest_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/scaforge/mangopay"
	"github.com/scaforge/mangopay/mangopaytest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// activeRecipient registers the documented EUR recipient for owner and
// completes its SCA.
func (a *api) activeRecipient(owner string) string {
	a.t.Helper()
	rec := a.ok(a.call(http.MethodPost, "/users/"+owner+"/recipients", recipientBody(a.t)))
	if link := linkOf(rec); link != "" { // an "+accept" owner registers without SCA
		require.NoError(a.t, a.srv.CompleteSca(link, mangopaytest.Validated))
	}
	return rec["Id"].(string)
}

func (a *api) payout(author, wallet, recipient string, amount, fees int64, extra map[string]any) map[string]any {
	a.t.Helper()
	body := map[string]any{"AuthorId": author, "DebitedWalletId": wallet, "RecipientId": recipient,
		"DebitedFunds": map[string]any{"Currency": "EUR", "Amount": amount}, "Fees": map[string]any{"Currency": "EUR", "Amount": fees}}
	for k, v := range extra {
		body[k] = v
	}
	return a.ok(a.call(http.MethodPost, "/payouts/bankwire", body))
}

func eventTypesOf(srv *mangopaytest.Server, id string) []string {
	var out []string
	for _, ev := range srv.Events() {
		if ev.ResourceID == id {
			out = append(out, string(ev.EventType))
		}
	}
	return out
}

// TestPayoutLifecycle: CREATED with the wallet debited once, SUCCEEDED on
// the emulator's clock with the fees in the fees wallet, the webhooks sent;
// a failing bank wire gives the money back.
func TestPayoutLifecycle(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	owner := a.activeOwner("Olga")
	w := a.wallet(owner, "EUR", 10000)
	rec := a.activeRecipient(owner)

	po := a.payout(owner, w, rec, 5000, 100, map[string]any{"BankWireRef": "withdrawal 1"})
	assert.Equal(t, "CREATED", po["Status"])
	assert.Equal(t, "STANDARD", po["ModeApplied"])
	assert.Equal(t, rec, po["RecipientId"])
	assert.Equal(t, map[string]any{"Currency": "EUR", "Amount": float64(4900)}, po["CreditedFunds"])
	assert.Equal(t, int64(5000), a.balance(w), "debited at creation")
	id := po["Id"].(string)
	assert.Equal(t, "CREATED", a.ok(a.get("/payouts/bankwire/" + id))["Status"])

	a.srv.Advance(mangopaytest.StandardPayoutDelay)
	a.token = a.fetchToken() // the hour outlived the token
	got := a.ok(a.get("/payouts/bankwire/" + id))
	assert.Equal(t, "SUCCEEDED", got["Status"])
	assert.Equal(t, "000000", got["ResultCode"])
	assert.NotNil(t, got["ExecutionDate"])
	assert.Equal(t, "SUCCEEDED", a.ok(a.get("/payouts/" + id))["Status"], "the legacy view too")
	assert.Equal(t, int64(5000), a.balance(w), "debited once")
	assert.Equal(t, int64(100), a.srv.FeesBalance("EUR"))
	paid, _ := a.srv.Outflows("EUR")
	assert.Equal(t, int64(4900), paid)
	assert.Equal(t, []string{"PAYOUT_NORMAL_CREATED", "PAYOUT_NORMAL_SUCCEEDED"}, eventTypesOf(a.srv, id))

	// The bank refuses the wire: FAILED 121001, the money comes back.
	po = a.payout(owner, w, rec, 3000, 0, map[string]any{"BankWireRef": mangopaytest.PayoutFailRef})
	assert.Equal(t, int64(2000), a.balance(w))
	a.srv.Advance(mangopaytest.StandardPayoutDelay)
	a.token = a.fetchToken()
	got = a.ok(a.get("/payouts/bankwire/" + po["Id"].(string)))
	assert.Equal(t, "FAILED", got["Status"])
	assert.Equal(t, "121001", got["ResultCode"])
	assert.Equal(t, int64(5000), a.balance(w))
	assert.Equal(t, []string{"PAYOUT_NORMAL_CREATED", "PAYOUT_NORMAL_FAILED"}, eventTypesOf(a.srv, po["Id"].(string)))
}

// TestPayoutRefusals: the documented result codes, nothing debited.
func TestPayoutRefusals(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	owner := a.activeOwner("Olga")
	other := a.activeOwner("Igor")
	w := a.wallet(owner, "EUR", 100000)
	rec := a.activeRecipient(owner)
	othersRec := a.activeRecipient(other)
	pending := a.ok(a.call(http.MethodPost, "/users/"+owner+"/recipients", recipientBody(t)))["Id"].(string)
	payer := a.createPayer("Paul")
	payerWallet := a.wallet(payer, "EUR", 1000)

	for _, tc := range []struct {
		name, author, wallet, recipient string
		amount                          int64
		code                            string
	}{
		{"author does not own the wallet", other, w, othersRec, 100, "121002"},
		{"recipient of someone else", owner, w, othersRec, 100, "121007"},
		{"recipient not ACTIVE", owner, w, pending, 100, "121006"},
		{"insufficient balance", owner, w, rec, 200000, "001001"},
		{"above the LIGHT allowance", owner, w, rec, mangopaytest.LightPayoutAllowance + 1, "002999"},
	} {
		po := a.payout(tc.author, tc.wallet, tc.recipient, tc.amount, 0, nil)
		assert.Equal(t, "FAILED", po["Status"], tc.name)
		assert.Equal(t, tc.code, po["ResultCode"], tc.name)
	}
	// A PAYER: 002701 (the recipient check would come later).
	po := a.payout(payer, payerWallet, rec, 100, 0, nil)
	assert.Equal(t, "002701", po["ResultCode"])
	// A legacy bank account (not a recipient): 121018.
	legacy := a.ok(a.call(http.MethodPost, "/payouts/bankwire", map[string]any{"AuthorId": owner, "DebitedWalletId": w, "BankAccountId": "bankacc_m_01LEGACY",
		"DebitedFunds": map[string]any{"Currency": "EUR", "Amount": 100}, "Fees": map[string]any{"Currency": "EUR", "Amount": 0}}))
	assert.Equal(t, "121018", legacy["ResultCode"])
	assert.Equal(t, int64(100000), a.balance(w), "nothing debited")

	// Raising the KYC level lifts the allowance.
	require.NoError(t, a.srv.SetKYCLevel(owner, "REGULAR"))
	po = a.payout(owner, w, rec, mangopaytest.LightPayoutAllowance+1, 0, nil)
	assert.Equal(t, "CREATED", po["Status"])
	assert.Equal(t, "REGULAR", a.ok(a.get("/sca/users/" + owner))["KYCLevel"])
	assert.ErrorIs(t, a.srv.SetKYCLevel("user_nope", "REGULAR"), mangopaytest.ErrUnknownUser)
	assert.Error(t, a.srv.SetKYCLevel(owner, "HIGH"))

	// Bad requests: 400 param_error, 404 for an unknown recipient.
	assertError(t, a.call(http.MethodPost, "/payouts/bankwire", map[string]any{"AuthorId": owner}), http.StatusBadRequest, "param_error")
	r := a.call(http.MethodPost, "/payouts/bankwire", map[string]any{"AuthorId": owner, "DebitedWalletId": w, "RecipientId": "rec_nope",
		"DebitedFunds": map[string]any{"Currency": "EUR", "Amount": 100}, "Fees": map[string]any{"Currency": "EUR", "Amount": 0}})
	assertError(t, r, http.StatusNotFound, "ressource_not_found")
	assertError(t, a.get("/payouts/bankwire/po_nope"), http.StatusNotFound, "ressource_not_found")
}

// TestInstantPayouts: reachability per the documented test rule, the
// fallback and the no-fallback modes.
func TestInstantPayouts(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	owner := a.activeOwner("Olga")
	require.NoError(t, a.srv.SetKYCLevel(owner, "REGULAR"))
	w := a.wallet(owner, "EUR", 100000)
	rec := a.activeRecipient(owner)
	reach := func(currency string) map[string]any {
		return a.ok(a.call(http.MethodPost, "/payouts/reachability", map[string]any{"PayoutModeRequested": "INSTANT_PAYMENT", "AuthorId": owner,
			"DebitedWalletId": w, "RecipientId": rec, "DebitedFunds": map[string]any{"Currency": currency, "Amount": 100},
			"Fees": map[string]any{"Currency": currency, "Amount": 0}}))["InstantPayout"].(map[string]any)
	}
	assert.Equal(t, map[string]any{"IsReachable": true, "UnreachableReason": nil}, reach("EUR"))
	assert.Equal(t, "130001", reach("GBP")["UnreachableReason"].(map[string]any)["Code"])

	po := a.payout(owner, w, rec, 1000, 0, map[string]any{"PayoutModeRequested": "INSTANT_PAYMENT"})
	assert.Equal(t, "INSTANT_PAYMENT", po["ModeApplied"])
	a.srv.Advance(mangopaytest.InstantPayoutDelay)
	assert.Equal(t, "SUCCEEDED", a.ok(a.get("/payouts/bankwire/" + po["Id"].(string)))["Status"])
	assert.Contains(t, eventTypesOf(a.srv, po["Id"].(string)), "INSTANT_PAYOUT_SUCCEEDED")

	require.NoError(t, a.srv.SetInstantReachable(rec, false))
	assert.Equal(t, false, reach("EUR")["IsReachable"])
	po = a.payout(owner, w, rec, 1000, 0, map[string]any{"PayoutModeRequested": "INSTANT_PAYMENT"})
	assert.Equal(t, "STANDARD", po["ModeApplied"])
	assert.Equal(t, "INSTANT_PAYMENT", po["ModeRequested"])
	assert.Equal(t, "130010", po["FallbackReason"].(map[string]any)["Code"])
	assert.Contains(t, eventTypesOf(a.srv, po["Id"].(string)), "INSTANT_PAYOUT_FALLBACKED")
	po = a.payout(owner, w, rec, 1000, 0, map[string]any{"PayoutModeRequested": "INSTANT_PAYMENT_ONLY"})
	assert.Equal(t, "FAILED", po["Status"])
	assert.Equal(t, "121008", po["ResultCode"])
	assert.ErrorIs(t, a.srv.SetInstantReachable("rec_nope", true), mangopaytest.ErrUnknownRecipient)

	// Over HTTP.
	assert.Equal(t, http.StatusOK, a.control(http.MethodPost, "recipients/"+rec+"/instant-reachable", `{"Reachable":true}`).status)
	assert.Equal(t, true, reach("EUR")["IsReachable"])
	assert.Equal(t, http.StatusBadRequest, a.control(http.MethodPost, "recipients/"+rec+"/instant-reachable", `{}`).status)
	other := a.activeOwner("Igor")
	assert.Equal(t, http.StatusOK, a.control(http.MethodPost, "users/"+other+"/kyc", `{"KYCLevel":"REGULAR"}`).status)
	assert.Equal(t, "REGULAR", a.ok(a.get("/sca/users/" + other))["KYCLevel"])
	assert.Equal(t, http.StatusNotFound, a.control(http.MethodPost, "users/user_nope/kyc", `{"KYCLevel":"REGULAR"}`).status)
}

// TestRefunds: transfer and pay-in refunds move money back and fail as
// documented.
func TestRefunds(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	alice := a.acceptOwner("Alice")
	bob := a.acceptOwner("Bob")
	wa, wb := a.wallet(alice, "EUR", 10000), a.wallet(bob, "EUR", 0)
	tr := a.ok(a.call(http.MethodPost, "/transfers", map[string]any{"AuthorId": alice, "DebitedWalletId": wa, "CreditedWalletId": wb,
		"DebitedFunds": map[string]any{"Currency": "EUR", "Amount": 1120}, "Fees": map[string]any{"Currency": "EUR", "Amount": 20}}))
	require.Equal(t, "SUCCEEDED", tr["Status"])
	tid := tr["Id"].(string)
	refund := func(path string, body map[string]any) map[string]any {
		return a.ok(a.call(http.MethodPost, path, body))
	}

	// Partial, then too much, then the rest.
	rf := refund("/transfers/"+tid+"/refunds", map[string]any{"AuthorId": alice,
		"DebitedFunds": map[string]any{"Currency": "EUR", "Amount": 600}, "Fees": map[string]any{"Currency": "EUR", "Amount": 10}})
	assert.Equal(t, "SUCCEEDED", rf["Status"])
	assert.Equal(t, map[string]any{"Currency": "EUR", "Amount": float64(-10)}, rf["Fees"])
	assert.Equal(t, map[string]any{"Currency": "EUR", "Amount": float64(610)}, rf["CreditedFunds"])
	assert.Equal(t, "REFUND", rf["Nature"])
	assert.Equal(t, tid, rf["InitialTransactionId"])
	assert.Equal(t, int64(8880+610), a.balance(wa))
	assert.Equal(t, int64(1100-600), a.balance(wb))
	rfID := rf["Id"].(string)
	assert.Equal(t, rfID, a.ok(a.get("/refunds/" + rfID))["Id"])
	assert.Equal(t, []string{"TRANSFER_REFUND_CREATED", "TRANSFER_REFUND_SUCCEEDED"}, eventTypesOf(a.srv, rfID))

	tooMuch := refund("/transfers/"+tid+"/refunds", map[string]any{"AuthorId": alice,
		"DebitedFunds": map[string]any{"Currency": "EUR", "Amount": 501}, "Fees": map[string]any{"Currency": "EUR", "Amount": 0}})
	assert.Equal(t, "005403", tooMuch["ResultCode"])
	tooMuchFees := refund("/transfers/"+tid+"/refunds", map[string]any{"AuthorId": alice,
		"DebitedFunds": map[string]any{"Currency": "EUR", "Amount": 1}, "Fees": map[string]any{"Currency": "EUR", "Amount": 11}})
	assert.Equal(t, "005404", tooMuchFees["ResultCode"])
	assert.Equal(t, []string{"TRANSFER_REFUND_CREATED", "TRANSFER_REFUND_FAILED"}, eventTypesOf(a.srv, tooMuch["Id"].(string)))
	rest := refund("/transfers/"+tid+"/refunds", map[string]any{"AuthorId": alice})
	assert.Equal(t, "SUCCEEDED", rest["Status"])
	assert.Equal(t, int64(10000), a.balance(wa), "all back")
	assert.Equal(t, int64(0), a.balance(wb))
	assert.Equal(t, int64(0), a.srv.FeesBalance("EUR"))
	again := refund("/transfers/"+tid+"/refunds", map[string]any{"AuthorId": alice})
	assert.Equal(t, "001401", again["ResultCode"])

	// A FAILED transfer cannot be refunded; bad requests.
	failed := a.transfer(alice, wa, wb, 1000000, "")
	require.Equal(t, "FAILED", failed["Status"])
	assertError(t, a.call(http.MethodPost, "/transfers/"+failed["Id"].(string)+"/refunds", map[string]any{"AuthorId": alice}), http.StatusBadRequest, "param_error")
	assertError(t, a.call(http.MethodPost, "/transfers/"+tid+"/refunds", map[string]any{"AuthorId": bob}), http.StatusBadRequest, "param_error")
	assertError(t, a.call(http.MethodPost, "/transfers/"+tid+"/refunds", map[string]any{"AuthorId": alice,
		"Fees": map[string]any{"Currency": "EUR", "Amount": 1}}), http.StatusBadRequest, "param_error")
	assertError(t, a.call(http.MethodPost, "/transfers/xfer_nope/refunds", map[string]any{"AuthorId": alice}), http.StatusNotFound, "ressource_not_found")
	assertError(t, a.get("/refunds/refund_nope"), http.StatusNotFound, "ressource_not_found")

	// A pay-in refund: the money leaves the emulator back to the payer.
	var payinID string
	for _, ev := range a.srv.Events() {
		if ev.EventType == "PAYIN_NORMAL_SUCCEEDED" {
			payinID = ev.ResourceID
		}
	}
	require.NotEmpty(t, payinID)
	pr := refund("/payins/"+payinID+"/refunds", map[string]any{"AuthorId": alice,
		"DebitedFunds": map[string]any{"Currency": "EUR", "Amount": 2500}, "Fees": map[string]any{"Currency": "EUR", "Amount": 0}})
	assert.Equal(t, "SUCCEEDED", pr["Status"])
	assert.Equal(t, "PAYIN", pr["InitialTransactionType"])
	assert.Nil(t, pr["CreditedWalletId"])
	_, back := a.srv.Outflows("EUR")
	assert.Equal(t, int64(2500), back)
	assert.Equal(t, int64(7500), a.balance(wa))
	assertError(t, a.call(http.MethodPost, "/payins/payin_nope/refunds", map[string]any{"AuthorId": alice}), http.StatusNotFound, "ressource_not_found")
}

// TestEventsListing45Days: GET /events keeps the documented filters and
// refuses dates older than 45 days like Mangopay.
func TestEventsListing45Days(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	owner := a.acceptOwner("Olga")
	a.wallet(owner, "EUR", 100)
	now := a.srv.Now()
	old := now.Add(-mangopaytest.EventRetention - time.Hour).Unix()
	r := a.get(fmt.Sprintf("/events?AfterDate=%d", old))
	assertError(t, r, http.StatusBadRequest, "param_error")
	assert.Contains(t, string(r.body), "Events older than 45 days can not be searched")
	assert.Len(t, a.get(fmt.Sprintf("/events?EventType=PAYIN_NORMAL_SUCCEEDED&AfterDate=%d", now.Add(-44*24*time.Hour).Unix())).list(t), 1)
}

// TestSDKPayoutsRefundsEvents drives the emulator through the SDK: a payout
// to an ACTIVE recipient, a transfer refund, and a Replay of the events into
// a processor, oldest first.
func TestSDKPayoutsRefundsEvents(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	srv, c, ctx := a.srv, a.srv.Client(), context.Background()
	owner := a.acceptOwner("Olga")
	require.NoError(t, srv.SetKYCLevel(owner, "REGULAR"))
	w := a.wallet(owner, "EUR", 20000)
	rec := a.activeRecipient(owner)
	start := srv.Now()

	po, err := c.Payouts.Create(ctx, &mangopay.CreatePayoutRequest{AuthorID: owner, DebitedWalletID: w, RecipientID: rec,
		DebitedFunds: mangopay.Money{Currency: "EUR", Amount: 5000}, Fees: mangopay.Money{Currency: "EUR", Amount: 50},
		PayoutModeRequested: mangopay.PayoutModeInstant})
	require.NoError(t, err)
	assert.Equal(t, mangopay.PayoutStatusCreated, po.Status)
	reach, err := c.Payouts.CheckReachability(ctx, &mangopay.ReachabilityRequest{AuthorID: owner, DebitedWalletID: w, RecipientID: rec,
		DebitedFunds: mangopay.Money{Currency: "EUR", Amount: 5000}, Fees: mangopay.Money{Currency: "EUR", Amount: 50}})
	require.NoError(t, err)
	assert.True(t, reach.Reachable())
	srv.Advance(mangopaytest.InstantPayoutDelay)
	po, err = c.Payouts.Get(ctx, po.ID)
	require.NoError(t, err)
	assert.Equal(t, mangopay.PayoutStatusSucceeded, po.Status)
	assert.Equal(t, mangopay.PayoutModeInstant, po.ModeApplied)

	bob := a.acceptOwner("Bob")
	wb := a.wallet(bob, "EUR", 0)
	tr, err := c.Transfers.Create(ctx, &mangopay.CreateTransferRequest{AuthorID: owner, DebitedWalletID: w, CreditedWalletID: wb,
		DebitedFunds: mangopay.Money{Currency: "EUR", Amount: 1000}, Fees: mangopay.Money{Currency: "EUR", Amount: 0}})
	require.NoError(t, err)
	rf, err := c.Refunds.CreateForTransfer(ctx, tr.ID, &mangopay.CreateRefundRequest{AuthorID: owner})
	require.NoError(t, err)
	assert.Equal(t, mangopay.RefundStatusSucceeded, rf.Status)
	got, err := c.Refunds.Get(ctx, rf.ID)
	require.NoError(t, err)
	assert.Equal(t, tr.ID, got.InitialTransactionID)

	p := &sdkRecorder{}
	next, err := c.Events.Replay(ctx, p, start, mangopay.PayoutRefundEventTypes())
	require.NoError(t, err)
	assert.False(t, next.Before(start))
	var types []mangopay.EventType
	for _, ev := range p.events {
		types = append(types, ev.Type)
	}
	assert.Equal(t, []mangopay.EventType{mangopay.EventPayoutNormalCreated, mangopay.EventInstantPayoutSucceeded,
		mangopay.EventPayoutNormalSucceeded, mangopay.EventTransferRefundCreated, mangopay.EventTransferRefundSucceeded}, types)

	// Money conserved: wallets + fees + paid out = paid in.
	bw, _, _ := srv.Balance(w)
	bb, _, _ := srv.Balance(wb)
	paid, _ := srv.Outflows("EUR")
	assert.Equal(t, int64(20000), bw+bb+srv.FeesBalance("EUR")+paid)
}

type sdkRecorder struct{ events []mangopay.Event }

func (r *sdkRecorder) Process(_ context.Context, ev mangopay.Event) error {
	r.events = append(r.events, ev)
	return nil
}

// TestReplayThroughWebhookHandler: an event delivered live and then replayed
// runs the platform's function once (same de-duplication), and the replayed
// events are confirmed by GET like deliveries (Event.Resource is the payout).
func TestReplayThroughWebhookHandler(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	srv, c, ctx := a.srv, a.srv.Client(), context.Background()
	owner := a.acceptOwner("Olga")
	w := a.wallet(owner, "EUR", 5000)
	rec := a.activeRecipient(owner)
	start := srv.Now()
	// Instant: it settles 10 s later on the emulator's clock, which stays
	// within the minute the handler allows ahead of the local clock.
	po := a.payout(owner, w, rec, 1000, 0, map[string]any{"PayoutModeRequested": "INSTANT_PAYMENT"})
	srv.Advance(mangopaytest.InstantPayoutDelay)

	calls := map[mangopay.EventType]int{}
	var resources []any
	h, err := mangopay.NewWebhookHandler(func(_ context.Context, ev mangopay.Event) error {
		calls[ev.Type]++
		resources = append(resources, ev.Resource)
		return nil
	}, mangopay.WithConfirmation(c), mangopay.WithDeduplication(mangopay.NewMemoryDeliveryStore(0)))
	require.NoError(t, err)
	// The live delivery of PAYOUT_NORMAL_SUCCEEDED, as the hook would send it.
	var live mangopay.Event
	for _, ev := range srv.Events() {
		if ev.EventType == mangopay.EventPayoutNormalSucceeded {
			live = mangopay.Event{Type: ev.EventType, ResourceID: ev.ResourceID, Date: ev.Date.UTC().Truncate(time.Second)}
		}
	}
	require.Equal(t, po["Id"], live.ResourceID)
	require.NoError(t, h.Process(ctx, live))

	_, err = c.Events.Replay(ctx, h, start, []mangopay.EventType{mangopay.EventPayoutNormalCreated, mangopay.EventPayoutNormalSucceeded, mangopay.EventInstantPayoutSucceeded})
	require.NoError(t, err)
	assert.Equal(t, 1, calls[mangopay.EventPayoutNormalSucceeded], "delivered and replayed: processed once")
	assert.Equal(t, 1, calls[mangopay.EventPayoutNormalCreated])
	assert.Equal(t, 1, calls[mangopay.EventInstantPayoutSucceeded])
	require.NotEmpty(t, resources)
	p, ok := resources[0].(*mangopay.Payout)
	require.True(t, ok, "%T", resources[0])
	assert.Equal(t, mangopay.PayoutStatusSucceeded, p.Status)
}

// bankWire declares a bank wire pay-in over HTTP and returns it.
func (a *api) bankWire(author, wallet string, amount, fees int64) map[string]any {
	a.t.Helper()
	return a.ok(a.call(http.MethodPost, "/payins/bankwire/direct", map[string]any{"AuthorId": author, "CreditedWalletId": wallet,
		"DeclaredDebitedFunds": map[string]any{"Currency": "EUR", "Amount": amount}, "DeclaredFees": map[string]any{"Currency": "EUR", "Amount": fees}}))
}

func paymentRef(payInID string) map[string]any {
	return map[string]any{"PaymentRef": map[string]any{"ReasonType": "PAYIN_REFUND", "ReferenceId": payInID}}
}

// TestPayoutPaymentRef: a PAYER's wallet may only pay a pay-in back (the
// PaymentRef payout, guides/users/categories/restrictions); the ReferenceId
// must name a SUCCEEDED pay-in that credited the debited wallet, and the
// payouts and refunds against it never exceed what it credited.
func TestPayoutPaymentRef(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	payer := a.createPayer("Pia")
	w := a.wallet(payer, "EUR", 0)
	// A PAYER registers its bank account as a PAYIN-scope Recipient (no SCA,
	// ACTIVE at once): the account a refund by payout goes to.
	body := recipientBody(t)
	body["RecipientScope"] = "PAYIN"
	rec := a.ok(a.call(http.MethodPost, "/users/"+payer+"/recipients", body))["Id"].(string)
	assert.Equal(t, "ACTIVE", a.ok(a.get("/recipients/" + rec))["Status"])

	wire := a.bankWire(payer, w, 10000, 500)
	wireID := wire["Id"].(string)
	refusal := func(name string, amount int64, ref, want string) {
		t.Helper()
		before := len(a.srv.Events())
		r := a.call(http.MethodPost, "/payouts/bankwire", map[string]any{"AuthorId": payer, "DebitedWalletId": w, "RecipientId": rec,
			"DebitedFunds": map[string]any{"Currency": "EUR", "Amount": amount}, "Fees": map[string]any{"Currency": "EUR", "Amount": 0},
			"PaymentRef": map[string]any{"ReasonType": "PAYIN_REFUND", "ReferenceId": ref}})
		errs := assertError(t, r, http.StatusBadRequest, "param_error")
		assert.Contains(t, errs["PaymentRef.ReferenceId"], want, name)
		assert.Len(t, a.srv.Events(), before, "%s: no payout created", name)
	}
	// The wire has not arrived: the pay-in is CREATED, nothing to pay back.
	refusal("pay-in not SUCCEEDED", 100, wireID, "only a SUCCEEDED pay-in")
	require.NoError(t, a.srv.ReceiveBankWire(wireID))
	require.Equal(t, int64(9500), a.balance(w))

	// A second wire: the wallet holds more than the first one credited.
	wire2 := a.bankWire(payer, w, 5000, 0)["Id"].(string)
	require.NoError(t, a.srv.ReceiveBankWire(wire2))
	require.Equal(t, int64(14500), a.balance(w))

	refusal("unknown pay-in", 100, "payin_m_nope", "is not a pay-in")
	// A transfer is no pay-in.
	other := a.acceptOwner("Otto")
	ow := a.wallet(other, "EUR", 5000)
	oow := a.wallet(other, "EUR", 0)
	tr := a.transfer(other, ow, oow, 1000, "")
	require.Equal(t, "SUCCEEDED", tr["Status"], "%v", tr)
	refusal("a transfer id", 100, tr["Id"].(string), "is not a pay-in")
	// A pay-in to another wallet (Otto's Credit is a SUCCEEDED pay-in).
	var othersPayIn string
	for _, ev := range a.srv.Events() {
		if ev.EventType == "PAYIN_NORMAL_SUCCEEDED" && ev.ResourceID != wireID && ev.ResourceID != wire2 {
			othersPayIn = ev.ResourceID
		}
	}
	require.NotEmpty(t, othersPayIn)
	refusal("pay-in to another wallet", 100, othersPayIn, "did not credit the debited wallet")
	refusal("more than the pay-in credited", 9501, wireID, "exceeds what is left")

	// The allowed PAYER path: paying the wire back in two parts.
	po := a.payout(payer, w, rec, 6000, 0, paymentRef(wireID))
	assert.Equal(t, "CREATED", po["Status"], po["ResultMessage"])
	assert.Equal(t, map[string]any{"ReasonType": "PAYIN_REFUND", "ReferenceId": wireID}, po["PaymentRef"])
	assert.Equal(t, int64(8500), a.balance(w))
	refusal("more than what is left", 3501, wireID, "exceeds what is left")
	// A bank wire that fails when it settles gives its share back.
	failing := paymentRef(wireID)
	failing["BankWireRef"] = mangopaytest.PayoutFailRef
	po2 := a.payout(payer, w, rec, 3500, 0, failing)
	require.Equal(t, "CREATED", po2["Status"])
	refusal("all paid back", 1, wireID, "exceeds what is left")
	a.srv.Advance(mangopaytest.StandardPayoutDelay)
	a.token = a.fetchToken()
	assert.Equal(t, "FAILED", a.ok(a.get("/payouts/bankwire/" + po2["Id"].(string)))["Status"])
	assert.Equal(t, "SUCCEEDED", a.ok(a.get("/payouts/bankwire/" + po["Id"].(string)))["Status"])
	po3 := a.payout(payer, w, rec, 3500, 0, paymentRef(wireID))
	assert.Equal(t, "CREATED", po3["Status"], "the failed payout's share is back")
	refusal("nothing left", 1, wireID, "exceeds what is left")
	assert.Equal(t, "CREATED", a.payout(payer, w, rec, 5000, 0, paymentRef(wire2))["Status"], "the second wire, in full")
	assert.Equal(t, int64(0), a.balance(w))
	assert.Equal(t, "002701", a.payout(payer, w, rec, 100, 0, nil)["ResultCode"], "without PaymentRef")

	// Refunds and PaymentRef payouts share one ledger per pay-in: an OWNER's
	// card-funded wallet, partly refunded to the card, pays back the rest.
	owner := a.activeOwner("Olga")
	require.NoError(t, a.srv.SetKYCLevel(owner, "REGULAR"))
	ownerW := a.wallet(owner, "EUR", 20000) // one SUCCEEDED pay-in of 20000
	ownerRec := a.activeRecipient(owner)
	var credit string
	for _, ev := range a.srv.Events() {
		if ev.EventType == "PAYIN_NORMAL_SUCCEEDED" {
			credit = ev.ResourceID // the latest: Olga's
		}
	}
	rf := a.ok(a.call(http.MethodPost, "/payins/"+credit+"/refunds", map[string]any{"AuthorId": owner,
		"DebitedFunds": map[string]any{"Currency": "EUR", "Amount": 12000}, "Fees": map[string]any{"Currency": "EUR", "Amount": 0}}))
	require.Equal(t, "SUCCEEDED", rf["Status"])
	r := a.call(http.MethodPost, "/payouts/bankwire", map[string]any{"AuthorId": owner, "DebitedWalletId": ownerW, "RecipientId": ownerRec,
		"DebitedFunds": map[string]any{"Currency": "EUR", "Amount": 8001}, "Fees": map[string]any{"Currency": "EUR", "Amount": 0},
		"PaymentRef": map[string]any{"ReasonType": "PAYIN_REFUND", "ReferenceId": credit}})
	assertError(t, r, http.StatusBadRequest, "param_error")
	assert.Equal(t, "CREATED", a.payout(owner, ownerW, ownerRec, 8000, 0, paymentRef(credit))["Status"])
	// ... and a refund after it finds nothing left.
	again := a.ok(a.call(http.MethodPost, "/payins/"+credit+"/refunds", map[string]any{"AuthorId": owner,
		"DebitedFunds": map[string]any{"Currency": "EUR", "Amount": 1}, "Fees": map[string]any{"Currency": "EUR", "Amount": 0}}))
	assert.Equal(t, "001401", again["ResultCode"], "all of it was given back")
	assert.Equal(t, int64(0), a.balance(ownerW))
}
