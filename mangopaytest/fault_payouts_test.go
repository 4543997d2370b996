package mangopaytest_test

import (
	"context"
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

// TestFaultPayouts: 200 payouts, 100 transfers and 100 transfer refunds from
// 20 goroutines while the emulator drops answers after they took effect,
// answers 500 and 503, and resets connections before requests take effect.
// The SDK's retries under one Idempotency-Key and /responses recovery make
// every call that returns a result return the one the server created: no
// double payout or refund, and money is conserved (wallets + fees + paid out
// = paid in).
func TestFaultPayouts(t *testing.T) {
	t.Parallel()
	srv := mangopaytest.NewServer(mangopaytest.WithTokenLifetime(24 * time.Hour))
	t.Cleanup(srv.Close)
	a := &api{t: t, srv: srv, hc: noRedirects(srv.HTTPClient())}
	a.token = a.fetchToken()
	const workers, payoutsEach, transfersEach = 20, 10, 5
	type user struct{ id, wallet, peerWallet, recipient string }
	users := make([]user, workers)
	var paidIn int64
	for i := range users {
		u := a.acceptOwner("Fault" + string(rune('A'+i)))
		require.NoError(t, srv.SetKYCLevel(u, "REGULAR"))
		users[i] = user{id: u, wallet: a.wallet(u, "EUR", 100000), peerWallet: a.wallet(u, "EUR", 0), recipient: a.activeRecipient(u)}
		paidIn += 100000
	}

	srv.SeedFaults(20260514)
	for _, p := range []string{"/payouts/bankwire", "/transfers"} {
		srv.InjectFault(mangopaytest.Fault{Ratio: 0.15, Drop: true, Method: http.MethodPost, Path: p})
		srv.InjectFault(mangopaytest.Fault{Ratio: 0.05, Status: http.StatusInternalServerError, Method: http.MethodPost, Path: p})
		srv.InjectFault(mangopaytest.Fault{Ratio: 0.05, Status: http.StatusServiceUnavailable, Method: http.MethodPost, Path: p})
	}
	srv.ResetConnections(0.05)
	c := srv.Client(mangopay.WithMaxRetries(6), mangopay.WithRetryWait(time.Millisecond, 5*time.Millisecond))
	ctx := context.Background()

	var mu sync.Mutex
	payouts, refunds := map[string]int{}, map[string]int{}
	var failedCalls int
	var wg sync.WaitGroup
	for _, u := range users {
		wg.Add(1)
		go func(u user) {
			defer wg.Done()
			for i := 0; i < payoutsEach; i++ {
				po, err := c.Payouts.Create(ctx, &mangopay.CreatePayoutRequest{AuthorID: u.id, DebitedWalletID: u.wallet, RecipientID: u.recipient,
					DebitedFunds: mangopay.Money{Currency: "EUR", Amount: 1000}, Fees: mangopay.Money{Currency: "EUR", Amount: 10}})
				mu.Lock()
				if err != nil {
					failedCalls++
				} else {
					payouts[po.ID]++
				}
				mu.Unlock()
			}
			for i := 0; i < transfersEach; i++ {
				tr, err := c.Transfers.Create(ctx, &mangopay.CreateTransferRequest{AuthorID: u.id, DebitedWalletID: u.wallet, CreditedWalletID: u.peerWallet,
					DebitedFunds: mangopay.Money{Currency: "EUR", Amount: 500}, Fees: mangopay.Money{Currency: "EUR", Amount: 5}})
				if err != nil {
					mu.Lock()
					failedCalls++
					mu.Unlock()
					continue
				}
				rf, err := c.Refunds.CreateForTransfer(ctx, tr.ID, &mangopay.CreateRefundRequest{AuthorID: u.id})
				mu.Lock()
				if err != nil {
					failedCalls++
				} else {
					refunds[rf.ID]++
				}
				mu.Unlock()
			}
		}(u)
	}
	wg.Wait()
	srv.ClearFaults()
	srv.ResetConnections(0)

	t.Logf("%d payouts and %d refunds returned, %d calls failed", len(payouts), len(refunds), failedCalls)
	for id, n := range payouts {
		assert.Equal(t, 1, n, "payout %s returned twice", id)
	}
	for id, n := range refunds {
		assert.Equal(t, 1, n, "refund %s returned twice", id)
	}
	// Every payout the server created was returned to its caller once, unless
	// the call failed for good (then at most that many are unaccounted).
	created := 0
	for _, ev := range srv.Events() {
		if ev.EventType == mangopay.EventPayoutNormalCreated {
			created++
		}
	}
	assert.GreaterOrEqual(t, created, len(payouts))
	assert.LessOrEqual(t, created-len(payouts), failedCalls, "a payout created on the server but lost to its caller")
	assert.LessOrEqual(t, created, workers*payoutsEach, "never more payouts than requests")
	refundsCreated := 0
	for _, ev := range srv.Events() {
		if ev.EventType == mangopay.EventTransferRefundSucceeded {
			refundsCreated++
		}
	}
	assert.LessOrEqual(t, refundsCreated, workers*transfersEach)
	assert.GreaterOrEqual(t, refundsCreated, len(refunds))

	// Settle and reconcile.
	srv.Advance(mangopaytest.StandardPayoutDelay)
	var inWallets int64
	for _, u := range users {
		for _, w := range []string{u.wallet, u.peerWallet} {
			b, _, err := srv.Balance(w)
			require.NoError(t, err)
			inWallets += b
		}
	}
	paidOut, _ := srv.Outflows("EUR")
	assert.Equal(t, paidIn, inWallets+srv.FeesBalance("EUR")+paidOut, "money conserved")
	assert.Equal(t, int64(created)*990, paidOut, "each created payout paid out once")
	dropped, errors5xx, resets := 0, 0, 0
	for _, r := range srv.Requests() {
		switch {
		case r.Dropped:
			dropped++
		case r.Status >= 500:
			errors5xx++
		case r.Status == 0:
			resets++
		}
		assert.False(t, strings.Contains(r.Path, "/payouts/bankwire") && r.Method == http.MethodPost && r.Header.Get("Idempotency-Key") == "", "every payout POST carries a key")
	}
	t.Logf("%d answers dropped after taking effect, %d 5xx, %d connections reset", dropped, errors5xx, resets)
	assert.Positive(t, dropped, "the faults happened")
	assert.Positive(t, errors5xx)
}
