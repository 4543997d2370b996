package mangopay

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// benchWallet is the struct both sides of BenchmarkGet decode into.
type benchWallet struct {
	Description  string   `json:"Description"`
	Owners       []string `json:"Owners"`
	Balance      Money    `json:"Balance"`
	Currency     string   `json:"Currency"`
	FundsType    string   `json:"FundsType"`
	ID           string   `json:"Id"`
	Tag          string   `json:"Tag"`
	CreationDate Time     `json:"CreationDate"`
}

const benchWalletJSON = `{
    "Description": "Main EUR wallet",
    "Owners": ["user_m_01J5AF2ZZ5K0AWNHYVSM4GWA1R"],
    "Balance": {"Currency": "EUR", "Amount": 10000},
    "Currency": "EUR",
    "FundsType": "DEFAULT",
    "Id": "wlt_m_01J5AF4B2BGJWD2R2BPW4DQXNX",
    "Tag": "Created using Mangopay API Postman Collection",
    "CreationDate": 1723807462
}`

// BenchmarkGet compares one authenticated GET decoded into benchWallet
// through the SDK's pipeline with a hand-written net/http + encoding/json
// call, against the same httptest server in the same run:
//
//	go test -run '^$' -bench BenchmarkGet -benchmem -count=10 . | tee bench.txt
//	go run golang.org/x/perf/cmd/benchstat@latest bench.txt
//
// Target: sdk within 1.15x of baseline in time, allocations within
// baseline + 15.
func BenchmarkGet(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		if strings.HasSuffix(r.URL.Path, "/oauth/token") {
			_, _ = io.WriteString(w, `{"access_token":"bench-token","token_type":"bearer","expires_in":3600}`)
			return
		}
		if r.Header.Get("Authorization") != "Bearer bench-token" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, benchWalletJSON)
	}))
	defer srv.Close()
	ctx := context.Background()

	b.Run("sdk", func(b *testing.B) {
		c, err := New("acme", "key", WithBaseURL(srv.URL))
		if err != nil {
			b.Fatal(err)
		}
		defer c.httpClient.CloseIdleConnections()
		get := func() {
			p, err := pathf("/wallets/%s", "wlt_m_01J5AF4B2BGJWD2R2BPW4DQXNX")
			if err != nil {
				b.Fatal(err)
			}
			var w benchWallet
			if err := c.get(ctx, p, nil, &w, nil); err != nil {
				b.Fatal(err)
			}
			if w.Balance.Amount != 10000 {
				b.Fatalf("decoded %+v", w)
			}
		}
		get() // token and connection outside the timing
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			get()
		}
	})

	b.Run("baseline", func(b *testing.B) {
		hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
		defer hc.CloseIdleConnections()
		get := func() {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/v2.01/acme/wallets/wlt_m_01J5AF4B2BGJWD2R2BPW4DQXNX", nil)
			if err != nil {
				b.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer bench-token")
			req.Header.Set("Accept", "application/json")
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var w benchWallet
			err = json.NewDecoder(resp.Body).Decode(&w)
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK || w.Balance.Amount != 10000 {
				b.Fatalf("status %d, err %v, decoded %+v", resp.StatusCode, err, w)
			}
		}
		get()
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			get()
		}
	})
}
