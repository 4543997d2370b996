package mangopaytest_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scaforge/mangopay"
	"github.com/scaforge/mangopay/mangopaytest"
)

// TestFaultPayIns: 60 direct card pay-ins from 6 goroutines under dropped
// answers, 5xx and connection resets. Each logical pay-in keeps its own
// Idempotency-Key and follows the documented contract: after
// ErrOutcomeUnknown it retries with the same key; after an *APIError recorded
// under the key (the request had no effect) it goes again under a new key.
// No card is charged twice: the wallet ends with exactly one credit per
// logical pay-in.
func TestFaultPayIns(t *testing.T) {
	t.Parallel()
	e := newSDK(t)
	user := e.payer("Fay")
	wallet := e.wallet(user, 0)
	cardID := e.registerCard(user, frictionless).CardID
	e.srv.SeedFaults(7)
	e.srv.InjectFault(mangopaytest.Fault{Ratio: 0.15, Drop: true, Method: "POST", Path: "/payins"})
	e.srv.InjectFault(mangopaytest.Fault{Ratio: 0.1, Status: 503, Method: "POST", Path: "/payins"})
	e.srv.InjectFault(mangopaytest.Fault{Ratio: 0.1, Reset: true, Method: "POST", Path: "/payins"})
	e.srv.InjectFault(mangopaytest.Fault{Ratio: 0.1, Status: 500, Method: "GET", Path: "/responses"})

	const workers, each, amount = 6, 10, 100
	var mu sync.Mutex
	ids := map[string]bool{}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				var p *mangopay.PayIn
				var err error
				for attempt := 0; attempt < 8; attempt++ {
					key := fmt.Sprintf("fault-payin-%02d-%03d-%d", w, i, attempt)
					for again := 0; again < 8; again++ {
						p, err = e.direct(user, wallet, cardID, amount, 0, mangopay.SecureModeDefault, mangopay.WithIdempotencyKey(key))
						if !errors.Is(err, mangopay.ErrOutcomeUnknown) {
							break // done, or no effect: a new key
						}
					}
					if err == nil {
						break
					}
					var apiErr *mangopay.APIError
					assert.ErrorAs(t, err, &apiErr, "only a request with no effect gets a new key")
				}
				if !assert.NoError(t, err) {
					continue
				}
				assert.Equal(t, mangopay.PayInStatusSucceeded, p.Status)
				mu.Lock()
				ids[p.ID] = true
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	e.srv.ClearFaults()
	require.Len(t, ids, workers*each, "one pay-in per logical call")
	assert.Equal(t, int64(workers*each*amount), e.balance(wallet), "no double charge")
}
