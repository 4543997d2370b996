package mangopaytest_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scaforge/mangopay"
	"github.com/scaforge/mangopay/mangopaytest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFaultPayouts: 20 goroutines each fund their wallet with direct card
// pay-ins (the frictionless test card, through CardRegistrations, Tokenize
// and PayIns.CreateCardDirect), then make 10 payouts, 5 transfers with their
// refunds, and a partial then a full refund of one pay-in, while the emulator
// drops answers after they took effect, answers 500 and 503, and resets
// connections before requests take effect. The SDK's retries under one
// Idempotency-Key and /responses recovery make every call that returns a
// result return the one the server created: no double charge, payout or
// refund, and money is conserved exactly (wallets + fees + paid out +
// refunded to cards = paid in, paid in being what the server's SUCCEEDED
// pay-ins debited).
func TestFaultPayouts(t *testing.T) {
	t.Parallel()
	srv := mangopaytest.NewServer(mangopaytest.WithTokenLifetime(24 * time.Hour))
	t.Cleanup(srv.Close)
	a := &api{t: t, srv: srv, hc: noRedirects(srv.HTTPClient())}
	a.token = a.fetchToken()
	const workers, payoutsEach, transfersEach = 20, 10, 5
	const fundAmount, fundFees, topUp, topUpFees = 20000, 200, 5000, 50
	c := srv.Client(mangopay.WithMaxRetries(6), mangopay.WithRetryWait(time.Millisecond, 5*time.Millisecond))
	ctx := context.Background()
	type user struct{ id, wallet, peerWallet, recipient, card string }
	users := make([]user, workers)
	for i := range users {
		u := a.acceptOwner("Fault" + string(rune('A'+i)))
		require.NoError(t, srv.SetKYCLevel(u, "REGULAR"))
		reg, err := c.CardRegistrations.Create(ctx, &mangopay.CreateCardRegistrationRequest{UserID: u, Currency: "EUR"})
		require.NoError(t, err)
		data, err := mangopaytest.Tokenize(ctx, srv.HTTPClient(), reg, frictionless)
		require.NoError(t, err)
		reg, err = c.CardRegistrations.Update(ctx, reg.ID, &mangopay.CompleteCardRegistrationRequest{RegistrationData: data})
		require.NoError(t, err)
		require.NotEmpty(t, reg.CardID)
		users[i] = user{id: u, wallet: a.wallet(u, "EUR", 0), peerWallet: a.wallet(u, "EUR", 0), recipient: a.activeRecipient(u), card: reg.CardID}
	}

	srv.SeedFaults(20260514)
	for _, p := range []string{"/payouts/bankwire", "/transfers", "/payins"} {
		srv.InjectFault(mangopaytest.Fault{Ratio: 0.15, Drop: true, Method: http.MethodPost, Path: p})
		srv.InjectFault(mangopaytest.Fault{Ratio: 0.05, Status: http.StatusInternalServerError, Method: http.MethodPost, Path: p})
		srv.InjectFault(mangopaytest.Fault{Ratio: 0.05, Status: http.StatusServiceUnavailable, Method: http.MethodPost, Path: p})
	}
	srv.ResetConnections(0.05)

	var mu sync.Mutex
	payIns, payouts, refunds := map[string]int{}, map[string]int{}, map[string]int{}
	var failedCalls, failedPayIns int
	record := func(m map[string]int, id string, err error) bool {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			failedCalls++
			return false
		}
		m[id]++
		return true
	}
	// payIn charges the card once per logical pay-in, following the
	// documented contract (as TestFaultPayIns): after ErrOutcomeUnknown it
	// asks again under the same key; after an *APIError recorded under the
	// key (the request had no effect) it goes again under a new key.
	payIn := func(u user, amount, fees int64) *mangopay.PayIn {
		var p *mangopay.PayIn
		var err error
		for attempt := 0; attempt < 8; attempt++ {
			key := mangopay.NewIdempotencyKey()
			for again := 0; again < 8; again++ {
				p, err = c.PayIns.CreateCardDirect(ctx, &mangopay.CreateCardDirectPayInRequest{
					AuthorID: u.id, CreditedWalletID: u.wallet, CardID: u.card, SecureMode: mangopay.SecureModeDefault,
					DebitedFunds: mangopay.Money{Currency: "EUR", Amount: amount}, Fees: mangopay.Money{Currency: "EUR", Amount: fees},
					SecureModeReturnURL: "https://platform.example/back", BrowserInfo: browser, IPAddress: "203.0.113.7",
				}, mangopay.WithIdempotencyKey(key))
				if !errors.Is(err, mangopay.ErrOutcomeUnknown) {
					break
				}
			}
			var apiErr *mangopay.APIError
			if err == nil || !errors.As(err, &apiErr) {
				break
			}
		}
		if err == nil {
			assert.Equal(t, mangopay.PayInStatusSucceeded, p.Status)
			record(payIns, p.ID, nil)
			return p
		}
		mu.Lock()
		failedPayIns++
		mu.Unlock()
		return nil
	}
	var wg sync.WaitGroup
	for _, u := range users {
		wg.Add(1)
		go func(u user) {
			defer wg.Done()
			payIn(u, fundAmount, fundFees)
			for i := 0; i < payoutsEach; i++ {
				po, err := c.Payouts.Create(ctx, &mangopay.CreatePayoutRequest{AuthorID: u.id, DebitedWalletID: u.wallet, RecipientID: u.recipient,
					DebitedFunds: mangopay.Money{Currency: "EUR", Amount: 1000}, Fees: mangopay.Money{Currency: "EUR", Amount: 10}})
				if err == nil {
					record(payouts, po.ID, nil)
				} else {
					record(nil, "", err)
				}
			}
			for i := 0; i < transfersEach; i++ {
				tr, err := c.Transfers.Create(ctx, &mangopay.CreateTransferRequest{AuthorID: u.id, DebitedWalletID: u.wallet, CreditedWalletID: u.peerWallet,
					DebitedFunds: mangopay.Money{Currency: "EUR", Amount: 500}, Fees: mangopay.Money{Currency: "EUR", Amount: 5}})
				if err != nil {
					record(nil, "", err)
					continue
				}
				rf, err := c.Refunds.CreateForTransfer(ctx, tr.ID, &mangopay.CreateRefundRequest{AuthorID: u.id})
				if err == nil {
					record(refunds, rf.ID, nil)
				} else {
					record(nil, "", err)
				}
			}
			// A top-up paid back to the card: in part, then the rest.
			p := payIn(u, topUp, topUpFees)
			if p == nil {
				return
			}
			rf, err := c.Refunds.CreateForPayIn(ctx, p.ID, &mangopay.CreateRefundRequest{AuthorID: u.id,
				DebitedFunds: &mangopay.Money{Currency: "EUR", Amount: 2000}, Fees: &mangopay.Money{Currency: "EUR", Amount: 20}})
			if err == nil {
				record(refunds, rf.ID, nil)
				assert.Equal(t, mangopay.RefundStatusSucceeded, rf.Status, rf.ResultCode)
			} else {
				record(nil, "", err)
			}
			rf, err = c.Refunds.CreateForPayIn(ctx, p.ID, &mangopay.CreateRefundRequest{AuthorID: u.id})
			if err == nil {
				record(refunds, rf.ID, nil)
				assert.Equal(t, mangopay.RefundStatusSucceeded, rf.Status, rf.ResultCode)
			} else {
				record(nil, "", err)
			}
		}(u)
	}
	wg.Wait()
	srv.ClearFaults()
	srv.ResetConnections(0)

	t.Logf("%d pay-ins, %d payouts and %d refunds returned, %d calls failed (%d logical pay-ins)", len(payIns), len(payouts), len(refunds), failedCalls, failedPayIns)
	for kind, m := range map[string]map[string]int{"pay-in": payIns, "payout": payouts, "refund": refunds} {
		for id, n := range m {
			assert.Equal(t, 1, n, "%s %s returned twice", kind, id)
		}
	}
	// Every payout (pay-in) the server created was returned to its caller
	// once, unless the call failed for good (then at most that many are
	// unaccounted).
	count := func(typ mangopay.EventType) int {
		n := 0
		for _, ev := range srv.Events() {
			if ev.EventType == typ {
				n++
			}
		}
		return n
	}
	created := count(mangopay.EventPayoutNormalCreated)
	assert.GreaterOrEqual(t, created, len(payouts))
	assert.LessOrEqual(t, created-len(payouts), failedCalls, "a payout created on the server but lost to its caller")
	assert.LessOrEqual(t, created, workers*payoutsEach, "never more payouts than requests")
	payInsCreated := count(mangopay.EventPayInNormalCreated)
	assert.GreaterOrEqual(t, payInsCreated, len(payIns))
	assert.LessOrEqual(t, payInsCreated-len(payIns), failedPayIns, "a card charged but lost to its caller")
	assert.LessOrEqual(t, count(mangopay.EventPayInNormalSucceeded), 2*workers, "never more card charges than logical pay-ins")
	assert.Zero(t, failedPayIns, "every logical pay-in got its answer")
	refundsCreated := count(mangopay.EventTransferRefundSucceeded) + count(mangopay.EventPayInRefundSucceeded)
	assert.LessOrEqual(t, refundsCreated, workers*(transfersEach+2))
	assert.GreaterOrEqual(t, refundsCreated, len(refunds))
	assert.Positive(t, count(mangopay.EventPayInRefundSucceeded), "pay-in refunds happened")

	// Paid in is what the server's SUCCEEDED pay-ins debited the cards.
	var paidIn int64
	for _, ev := range srv.Events() {
		if ev.EventType != mangopay.EventPayInNormalSucceeded {
			continue
		}
		p, err := c.PayIns.Get(ctx, ev.ResourceID)
		require.NoError(t, err)
		paidIn += p.DebitedFunds.Amount
	}
	require.Positive(t, paidIn)

	// Settle and reconcile, to the cent.
	srv.Advance(mangopaytest.StandardPayoutDelay)
	var inWallets int64
	for _, u := range users {
		for _, w := range []string{u.wallet, u.peerWallet} {
			b, _, err := srv.Balance(w)
			require.NoError(t, err)
			inWallets += b
		}
	}
	paidOut, toCards := srv.Outflows("EUR")
	assert.Equal(t, paidIn, inWallets+srv.FeesBalance("EUR")+paidOut+toCards, "money conserved")
	assert.Equal(t, int64(count(mangopay.EventPayoutNormalSucceeded))*990, paidOut, "each payout paid out once")
	// What went back to the cards is what the SUCCEEDED pay-in refunds
	// credited, never more than the top-ups.
	var refundedToCards int64
	for _, ev := range srv.Events() {
		if ev.EventType == mangopay.EventPayInRefundSucceeded {
			rf, err := c.Refunds.Get(ctx, ev.ResourceID)
			require.NoError(t, err)
			refundedToCards += rf.CreditedFunds.Amount
		}
	}
	assert.Equal(t, refundedToCards, toCards, "each pay-in refund paid back once")
	assert.LessOrEqual(t, toCards, int64(workers*topUp), "never more than the top-ups")
	// A dropped request either took effect before its answer was lost
	// (Status set) or was reset before it was handled (Status 0).
	droppedAfter, resetBefore, errors5xx := 0, 0, 0
	for _, r := range srv.Requests() {
		switch {
		case r.Dropped && r.Status == 0:
			resetBefore++
		case r.Dropped:
			droppedAfter++
		case r.Status >= 500:
			errors5xx++
		}
		if r.Method == http.MethodPost && (strings.Contains(r.Path, "/payouts/bankwire") || strings.Contains(r.Path, "/payins/")) {
			assert.NotEmpty(t, r.Header.Get("Idempotency-Key"), "every money POST carries a key: %s", r.Path)
		}
	}
	t.Logf("%d answers dropped after taking effect, %d connections reset before, %d 5xx", droppedAfter, resetBefore, errors5xx)
	assert.Positive(t, droppedAfter, "the faults happened")
	assert.Positive(t, resetBefore)
	assert.Positive(t, errors5xx)
}
