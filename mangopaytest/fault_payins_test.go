package mangopaytest_test

import (
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
// Idempotency-Key, and a caller that gets an error retries with that same
// key (as documented for ErrOutcomeUnknown). No card is charged twice: the
// wallet ends with exactly one credit per logical pay-in.
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
				key := fmt.Sprintf("fault-payin-%02d-%03d-key", w, i)
				var p *mangopay.PayIn
				var err error
				for attempt := 0; attempt < 8; attempt++ {
					p, err = e.direct(user, wallet, cardID, amount, 0, mangopay.SecureModeDefault, mangopay.WithIdempotencyKey(key))
					if err == nil {
						break
					}
				}
				if !assert.NoError(t, err, key) {
					continue
				}
				assert.Equal(t, mangopay.PayInStatusSucceeded, p.Status, key)
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
