package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptrace"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scaforge/mangopay"
	"github.com/scaforge/mangopay/mangopaytest"
)

// BenchmarkPoolReuse32 reads one wallet from 32 goroutines against the
// standalone sandbox (this command's run, serving on a free loopback port,
// with -rate-limits raised so that no call is answered 429), counting through httptrace (GotConn.Reused) the connections each
// client opens:
//
//   - sdk-default: mangopay.New's own HTTP client (its pool is sized for
//     concurrent calls);
//   - sdk-2-idle: the SDK through a clone of http.DefaultTransport, which
//     keeps 2 idle connections per host (the SDK's default before);
//   - net-http: a hand-written net/http client with a sized pool, sending the
//     same GET with the same bearer token.
//
// Reported: new-conns/10k (connections opened per 10,000 calls) and calls/s.
//
//	go test -run '^$' -bench '^BenchmarkPoolReuse32$' -benchtime 10000x -count 5 ./cmd/mangopay-sandbox
func BenchmarkPoolReuse32(b *testing.B) {
	ctx, stop := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-rate-limits", "1000000000,1000000000,1000000000,1000000000"}, pw, io.Discard)
		pw.Close()
	}()
	defer func() {
		stop()
		if err := <-done; err != nil {
			b.Error(err)
		}
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		b.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	base := strings.TrimSpace(line)
	clientID, apiKey := mangopaytest.DefaultClientID, mangopaytest.DefaultAPIKey
	host := strings.TrimPrefix(base, "http://")
	setup, err := mangopay.New(clientID, apiKey, mangopay.WithBaseURL(base), mangopay.WithRedirectHosts(host))
	if err != nil {
		b.Fatal(err)
	}
	u, err := setup.Users.CreateNatural(ctx, &mangopay.CreateNaturalUserRequest{UserCategory: mangopay.UserCategoryPayer,
		TermsAndConditionsAccepted: mangopay.Ptr(false), FirstName: "Bench", LastName: "Payer", Email: "bench@example.com"})
	if err != nil {
		b.Fatal(err)
	}
	w, err := setup.Wallets.Create(ctx, &mangopay.CreateWalletRequest{Owners: []string{u.ID}, Description: "bench", Currency: "EUR"})
	if err != nil {
		b.Fatal(err)
	}
	sdk := func(opts ...mangopay.Option) func() func(context.Context) error {
		return func() func(context.Context) error {
			c, err := mangopay.New(clientID, apiKey, append([]mangopay.Option{mangopay.WithBaseURL(base), mangopay.WithRedirectHosts(host)}, opts...)...)
			if err != nil {
				b.Fatal(err)
			}
			return func(ctx context.Context) error {
				_, err := c.Wallets.Get(ctx, w.ID, mangopay.ScaUserPresent)
				return err
			}
		}
	}
	plain := func() func(context.Context) error {
		// The bearer token, fetched once as any client would.
		tokReq, _ := http.NewRequest(http.MethodPost, base+"/v2.01/oauth/token", strings.NewReader("grant_type=client_credentials"))
		tokReq.SetBasicAuth(clientID, apiKey)
		tokReq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second}}
		resp, err := hc.Do(tokReq)
		if err != nil {
			b.Fatal(err)
		}
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if err := decodeJSON(resp, &tok); err != nil {
			b.Fatal(err)
		}
		url := base + "/v2.01/" + clientID + "/wallets/" + w.ID + "?ScaContext=USER_PRESENT"
		return func(ctx context.Context) error {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
			req.Header.Set("Accept", "application/json")
			resp, err := hc.Do(req)
			if err != nil {
				return err
			}
			var out mangopay.Wallet
			return decodeJSON(resp, &out)
		}
	}
	dt := http.DefaultTransport.(*http.Transport).Clone()
	for _, bc := range []struct {
		name string
		mk   func() func(context.Context) error
	}{
		{"sdk-default", sdk()},
		{"sdk-2-idle", sdk(mangopay.WithHTTPClient(&http.Client{Transport: dt, Timeout: 30 * time.Second}))},
		{"net-http", plain},
	} {
		b.Run(bc.name, func(b *testing.B) {
			call := bc.mk()
			var fresh atomic.Int64
			tctx := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
				if !info.Reused {
					fresh.Add(1)
				}
			}})
			if err := call(tctx); err != nil { // warm up: token, first connection
				b.Fatal(err)
			}
			fresh.Store(0)
			b.SetParallelism(max(1, 32/runtime.GOMAXPROCS(0))) // 32 goroutines in all
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := call(tctx); err != nil {
						b.Error(err)
						return
					}
				}
			})
			elapsed := time.Since(start)
			b.ReportMetric(float64(fresh.Load())*10000/float64(b.N), "new-conns/10k")
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "calls/s")
		})
	}
}

// decodeJSON decodes and closes a 200 response's body.
func decodeJSON(resp *http.Response, out any) error {
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return &mangopay.APIError{StatusCode: resp.StatusCode}
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
