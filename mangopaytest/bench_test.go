package mangopaytest_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scaforge/mangopay"
	"github.com/scaforge/mangopay/mangopaytest"
)

// The emulator's figures (issue 9); see BENCHMARKS.md and scripts/bench.sh:
//
//	go test -run '^$' -bench . -benchmem -count=10 ./mangopaytest

// BenchmarkNewServer measures starting and closing an emulator, which every
// test can afford to do on its own: a few hundred microseconds.
func BenchmarkNewServer(b *testing.B) {
	for b.Loop() {
		srv := mangopaytest.NewServer()
		srv.Close()
	}
}

// BenchmarkNewServerFirstRequest adds the first request a client makes,
// the OAuth token call, over a new TCP connection to the fresh server.
func BenchmarkNewServerFirstRequest(b *testing.B) {
	for b.Loop() {
		srv := mangopaytest.NewServer()
		c := srv.HTTPClient()
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v2.01/oauth/token", strings.NewReader("grant_type=client_credentials"))
		req.SetBasicAuth(srv.ClientID, srv.APIKey)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_ = res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatalf("POST /oauth/token: status %d", res.StatusCode)
		}
		srv.Close()
	}
}

// BenchmarkWalletGetParallel measures the emulator's throughput: 8
// goroutines share one SDK client and read the same wallet (the owner has
// passed wallet-access SCA, so every read is answered 200) until b.N reads
// are done. req/s is b.N over the elapsed time; ns/op is its inverse. The
// SDK client's work is included: both run in this process, on the same
// 2 cores.
func BenchmarkWalletGetParallel(b *testing.B) {
	const goroutines = 8
	srv := mangopaytest.NewServer(mangopaytest.WithRateLimits(1<<30, 1<<30, 1<<30, 1<<30))
	defer srv.Close()
	// One idle connection per goroutine (the default keeps 2): no new TCP
	// connection, and no TIME_WAIT pile-up, per read.
	tr := &http.Transport{MaxIdleConnsPerHost: goroutines}
	defer tr.CloseIdleConnections()
	c := srv.Client(mangopay.WithHTTPClient(&http.Client{Transport: tr, Timeout: 30 * time.Second}))
	ctx := context.Background()
	walletID := benchReadableWallet(b, srv, c)

	var next, failed atomic.Int64
	var firstErr atomic.Value
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				w, err := c.Wallets.Get(ctx, walletID, mangopay.ScaUserPresent)
				if err != nil || w.Balance.Amount != 4200 {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d reads failed, e.g. %v", n, b.N, firstErr.Load())
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// benchReadableWallet creates an enrolled OWNER with a wallet of EUR 42.00
// and completes its wallet-access SCA, so that reads need no more SCA.
func benchReadableWallet(b *testing.B, srv *mangopaytest.Server, c *mangopay.Client) string {
	b.Helper()
	ctx := context.Background()
	u, err := c.Users.CreateNatural(ctx, &mangopay.CreateNaturalUserRequest{
		UserCategory: mangopay.UserCategoryOwner, TermsAndConditionsAccepted: mangopay.Ptr(true),
		FirstName: "Bench", LastName: "Owner", Email: "bench@example.com",
		Birthday: mangopay.NewDate(1990, time.May, 4), Nationality: "FR", CountryOfResidence: "FR",
		PhoneNumber: "+33611111111",
	})
	complete := func(err error) {
		b.Helper()
		sca, ok := mangopay.AsScaRequired(err)
		if !ok {
			b.Fatalf("want an SCA demand, got %v", err)
		}
		if err := srv.CompleteSca(sca.RedirectURL, mangopaytest.Validated); err != nil {
			b.Fatal(err)
		}
	}
	if u == nil {
		b.Fatal(err)
	}
	complete(err)
	w, err := c.Wallets.Create(ctx, &mangopay.CreateWalletRequest{Owners: []string{u.ID}, Description: "bench", Currency: "EUR"})
	if err != nil {
		b.Fatal(err)
	}
	if err := srv.Credit(w.ID, 4200); err != nil {
		b.Fatal(err)
	}
	_, err = c.Wallets.Get(ctx, w.ID, mangopay.ScaUserPresent)
	complete(err)
	if _, err := c.Wallets.Get(ctx, w.ID, mangopay.ScaUserPresent); err != nil {
		b.Fatal(err)
	}
	return w.ID
}
