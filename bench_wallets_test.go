package mangopay

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// benchSink keeps the compiler from optimising the loop body away without
// keeping a page alive after the loop.
var benchSink int64

// BenchmarkTransactionsAllByWallet iterates over every transaction of a wallet
// served by an httptest server (page after page of per_page items). ns/op,
// B/op and allocs/op are those of one full iteration (client and server
// side: both run in this process); allocs/item divides by the item count.
// After the timed loop, one more iteration is sampled (untimed):
//
//   - live-KiB: the heap still reachable (HeapAlloc after a forced GC) at
//     the last item, less the same after the loop has ended: what the
//     iterator holds, one page;
//   - growth-KiB: the heap reachable at the last item less the heap reachable
//     at the last item of the first page: what accumulated over the
//     iteration (about 0 when memory does not grow with the count);
//   - peak-heap-KiB: the highest HeapInuse seen (once per page) above the
//     level before the sampled iteration; it counts garbage not collected yet,
//     so it follows the GC pacer (and its 4 MiB minimum heap target), not the
//     total.
//
// live-KiB follows per_page and stays flat from items=1000 to items=10000;
// growth-KiB stays near 0.
//
//	go test -run '^$' -bench '^BenchmarkTransactionsAllByWallet$' -benchmem -benchtime 5x -count=10 .
func BenchmarkTransactionsAllByWallet(b *testing.B) {
	for _, bc := range []struct{ items, perPage int }{
		{1000, 100},
		{10000, 100},
		{1000, 20},
		{10000, 20},
		{10000, 50},
	} {
		b.Run(fmt.Sprintf("items=%d/per_page=%d", bc.items, bc.perPage), func(b *testing.B) {
			benchIterate(b, bc.items, bc.perPage)
		})
	}
}

func benchIterate(b *testing.B, items, perPage int) {
	pages := items / perPage
	body := []byte(benchTxPage(perPage))
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v2.01/oauth/token":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"access_token":"bench-token","token_type":"bearer","expires_in":3600}`))
		case "/v2.01/bench/wallets/w1/transactions":
			requests.Add(1)
			if got := r.URL.Query().Get("per_page"); got != strconv.Itoa(perPage) {
				http.Error(w, "per_page "+got, http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.Header().Set("X-Number-Of-Pages", strconv.Itoa(pages))
			w.Header().Set("X-Number-Of-Items", strconv.Itoa(items))
			_, _ = w.Write(body)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c, err := New("bench", "bench-key", WithBaseURL(srv.URL), WithHTTPClient(srv.Client()))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	lo := &TransactionListOptions{ListOptions: ListOptions{PerPage: perPage}}
	run := func(sample func(n int)) {
		n := 0
		for tx, err := range c.Transactions.AllByWallet(ctx, "w1", ScaUserPresent, lo) {
			if err != nil {
				b.Fatal(err)
			}
			benchSink += tx.CreditedFunds.Amount
			n++
			if sample != nil && n%perPage == 0 {
				sample(n)
			}
		}
		if n != items {
			b.Fatalf("iterated %d items, want %d", n, items)
		}
	}
	run(nil) // warm up: token, connection, pools

	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	mallocs := ms.Mallocs
	requests.Store(0)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		run(nil)
	}
	b.StopTimer()
	runtime.ReadMemStats(&ms)
	if got := requests.Load(); got != int64(b.N*pages) {
		b.Fatalf("%d page requests, want %d", got, b.N*pages)
	}
	b.ReportMetric(float64(ms.Mallocs-mallocs)/float64(b.N*items), "allocs/item")

	// The sampled iteration.
	liveHeap := func() int64 {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return int64(ms.HeapAlloc)
	}
	_ = liveHeap()
	runtime.ReadMemStats(&ms)
	baseInuse := int64(ms.HeapInuse)
	var peak, firstPage, lastItem int64
	run(func(n int) {
		runtime.ReadMemStats(&ms)
		peak = max(peak, int64(ms.HeapInuse)-baseInuse)
		if n == perPage {
			firstPage = liveHeap()
		}
		if n == items {
			lastItem = liveHeap()
		}
	})
	after := liveHeap()
	b.ReportMetric(float64(lastItem-after)/1024, "live-KiB")
	b.ReportMetric(float64(lastItem-firstPage)/1024, "growth-KiB")
	b.ReportMetric(float64(peak)/1024, "peak-heap-KiB")
}

// benchTxPage renders n transactions shaped like the documented ones.
func benchTxPage(n int) string {
	var sb strings.Builder
	sb.WriteByte('[')
	for i := range n {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"Id":"xfer_m_01JRSHQFG2337DBQ4NS8XP%06d","Tag":"order-%d","CreationDate":1744614179,`+
			`"AuthorId":"user_m_01JRJM5RR5NYQDN0S6QWJJDRMR","CreditedUserId":"user_m_01JRHSS3B18H86QA0C467RVK07",`+
			`"DebitedFunds":{"Currency":"EUR","Amount":%d},"CreditedFunds":{"Currency":"EUR","Amount":%d},"Fees":{"Currency":"EUR","Amount":0},`+
			`"Status":"SUCCEEDED","ResultCode":"000000","ResultMessage":"Success","ExecutionDate":1744614180,"Type":"TRANSFER","Nature":"REGULAR",`+
			`"CreditedWalletId":"wlt_m_01JRHSTW2NP4MDB45WQMDNS23C","DebitedWalletId":"wlt_m_01JRJM7ASZN7YP4MBDVBT0HZF1","DepositId":null}`,
			i, i, 1000+i, 1000+i)
	}
	sb.WriteByte(']')
	return sb.String()
}
