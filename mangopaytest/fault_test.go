package mangopaytest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scaforge/mangopay"
	"github.com/scaforge/mangopay/mangopaytest"
)

// The fault-injection suite (go test -run Fault ./...): the SDK against the
// emulator while it drops, fails, rate-limits and resets a large share of
// the requests and the OAuth token keeps expiring. Every creation must
// happen exactly once and come back to the call that made it. TestMain
// (goleak.VerifyTestMain) fails the package if a goroutine is left behind.

const (
	faultCalls   = 1000 // creations per test
	faultWorkers = 50   // goroutines making them
	// Tokens live faultToken (the client renews them at half-life, 2.5 s),
	// and every faultExpiry finished calls the emulator's clock jumps by
	// faultToken, so every token issued so far expires on the server while
	// the client still holds it: nine expiries per test, a few seconds or
	// less apart, each met with 401 invalid_credentials by the calls in flight.
	faultExpiry = 100
	faultToken  = 5 * time.Second
	// faultMaxRetries is generous: 40% of the requests fail, the recovery
	// lookups included, so a call may meet several faults in a row.
	faultMaxRetries = 12
	// faultSeed seeds the emulator's fault draws. With 50 goroutines the
	// order of the draws varies between runs, so it fixes the proportions,
	// not which call gets which fault.
	faultSeed = 20250609
)

// injectFaultMix makes the server fail a share of every API request, the
// recovery lookups (GET /responses/{key}) included: 20% take effect and lose
// their answer, 5% each get 500, 503 and 429 (Retry-After: 1), and 5% have
// their connection reset before anything happens. 40% in all.
func injectFaultMix(srv *mangopaytest.Server) {
	srv.SeedFaults(faultSeed)
	srv.InjectFault(mangopaytest.Fault{Ratio: 0.20, Drop: true})
	srv.InjectFault(mangopaytest.Fault{Ratio: 0.05, Status: http.StatusInternalServerError})
	srv.InjectFault(mangopaytest.Fault{Ratio: 0.05, Status: http.StatusServiceUnavailable})
	srv.InjectFault(mangopaytest.Fault{Ratio: 0.05, Status: http.StatusTooManyRequests, RetryAfter: time.Second})
	srv.InjectFault(mangopaytest.Fault{Ratio: 0.05, Reset: true})
}

// callID tags a request's context with the number of the call that sent it,
// so the recording transport can group a call's attempts.
type callID struct{}

// sent is one HTTP attempt as the client saw it.
type sent struct {
	call       int // -1: not made by a numbered call
	method     string
	path       string
	key        string // Idempotency-Key
	start, end time.Time
	status     int // 0: transport error
	retryAfter string
}

// recorder is an http.RoundTripper that logs every attempt the SDK sends.
type recorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	log  []sent
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	s := sent{call: -1, method: req.Method, path: req.URL.Path, key: req.Header.Get("Idempotency-Key"), start: time.Now()}
	if id, ok := req.Context().Value(callID{}).(int); ok {
		s.call = id
	}
	resp, err := r.next.RoundTrip(req)
	s.end = time.Now()
	if err == nil {
		s.status, s.retryAfter = resp.StatusCode, resp.Header.Get("Retry-After")
	}
	r.mu.Lock()
	r.log = append(r.log, s)
	r.mu.Unlock()
	return resp, err
}

func (r *recorder) attempts() []sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sent(nil), r.log...)
}

// faultEnv is one emulator with a recording SDK client.
type faultEnv struct {
	t   *testing.T
	srv *mangopaytest.Server
	rec *recorder
	c   *mangopay.Client
	ctx context.Context
	// calls is how many calls a storm makes (faultCalls when 0).
	calls int
}

func newFaultEnv(t *testing.T, opts ...mangopay.Option) *faultEnv {
	t.Helper()
	srv := mangopaytest.NewServer(mangopaytest.WithTokenLifetime(faultToken),
		mangopaytest.WithRateLimits(1<<30, 1<<30, 1<<30, 1<<30))
	t.Cleanup(srv.Close)
	// Enough idle connections for every worker (the default keeps 2 per
	// host): a connection is only opened again after a drop or a reset.
	tr := &http.Transport{MaxIdleConnsPerHost: faultWorkers + 10, IdleConnTimeout: time.Minute}
	t.Cleanup(tr.CloseIdleConnections)
	rec := &recorder{next: tr}
	base := []mangopay.Option{mangopay.WithHTTPClient(&http.Client{Transport: rec, Timeout: 30 * time.Second})}
	// A bound against a hang, far above the few seconds a test takes.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return &faultEnv{t: t, srv: srv, rec: rec, c: srv.Client(append(base, opts...)...), ctx: ctx}
}

// storm runs call(i) for i in [0, e.calls) from faultWorkers goroutines
// under injectFaultMix, expiring the server's tokens every faultExpiry
// finished calls, then clears the faults. It returns the number of expiries.
func (e *faultEnv) storm(call func(ctx context.Context, i int)) int {
	e.t.Helper()
	injectFaultMix(e.srv)
	defer e.srv.ClearFaults()
	start := time.Now()
	defer func() { e.t.Logf("storm took %v", time.Since(start)) }()
	calls := e.calls
	if calls == 0 {
		calls = faultCalls
	}
	var next, done, expiries atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < faultWorkers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= calls {
					return
				}
				call(context.WithValue(e.ctx, callID{}, i), i)
				if n := done.Add(1); n%faultExpiry == 0 && n < int64(calls) {
					// Every token issued so far is now expired on the server
					// while the client still holds it: the next calls get 401
					// invalid_credentials and must refresh and replay.
					e.srv.Advance(faultToken)
					expiries.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return int(expiries.Load())
}

// outcome is what one call of a storm returned.
type outcome struct {
	id   string
	err  error
	meta mangopay.Response
}

// faultCall makes call i of a storm with the extra request options opts and
// records its outcome (with mangopay.CaptureResponse into its meta).
type faultCall func(ctx context.Context, i int, opts ...mangopay.RequestOption)

// checkOutcomes asserts what the calls of a storm returned: only the
// *ScaRequiredError wanted by sca(i), or a call that gave up. It returns the
// calls that gave up.
//
// A call may give up legitimately: 40% of the requests fail, so a call meets
// its faultMaxRetries+1 faults in a row with a probability of about 1e-5 (a
// few calls in a thousand runs of the suite). Under the documented contract
// it then returns either *OutcomeUnknownError (an attempt may have taken
// effect: settle it by sending the same request under the same key) or the
// last transient error with nothing done under its key (a 429 or 5xx, a
// connection never made, or the 409 of a key whose recorded answer is a 5xx,
// "the retry budget is spent"). Any other error fails the test; settle
// checks the claims of both kinds against the server.
func (e *faultEnv) checkOutcomes(out []outcome, sca func(i int) bool) (gaveUp []int) {
	e.t.Helper()
	var failed, recovered, retried int
	for i, o := range out {
		if sca(i) {
			if _, ok := mangopay.AsScaRequired(o.err); ok {
				o.err = nil
			}
		}
		if o.err != nil {
			var ou *mangopay.OutcomeUnknownError
			var apiErr *mangopay.APIError
			var urlErr *url.Error
			switch {
			case errors.As(o.err, &ou):
				assert.Equal(e.t, o.meta.IdempotencyKey, ou.IdempotencyKey, "call %d: the key to send again", i)
			case errors.Is(o.err, mangopay.ErrIdempotencyConflict):
				if !assert.Contains(e.t, o.err.Error(), "retry budget is spent", "call %d: a 409 reached the caller", i) {
					failed++
				}
			case errors.As(o.err, &apiErr):
				if !assert.True(e.t, apiErr.StatusCode == http.StatusTooManyRequests || apiErr.StatusCode >= 500, "call %d: %v", i, o.err) {
					failed++
				}
			case errors.As(o.err, &urlErr):
			default:
				failed++
				e.t.Errorf("call %d: not a give-up after transient faults: %v", i, o.err)
			}
			gaveUp = append(gaveUp, i)
			e.t.Logf("call %d gave up after %d attempts: %v", i, o.meta.Attempts, o.err)
			continue
		}
		if o.id == "" {
			e.t.Errorf("call %d returned no resource", i)
		}
		if o.meta.Recovered {
			recovered++
		}
		if o.meta.Attempts > 1 {
			retried++
		}
	}
	assert.Zero(e.t, failed, "calls that failed other than by giving up after transient faults")
	assert.LessOrEqual(e.t, len(gaveUp), faultCalls/100, "calls that gave up (expected: about 1 in 100,000)")
	assert.Greater(e.t, recovered, faultCalls/20, "calls whose answer was recovered through /responses/{key}")
	assert.Greater(e.t, retried, faultCalls/10, "calls that needed more than one attempt")
	e.t.Logf("%d calls: %d needed retries, %d recovered through /responses, %d gave up", len(out), retried, recovered, len(gaveUp))
	return gaveUp
}

// settle finishes the calls that gave up, the documented way, once the
// faults are cleared: an *OutcomeUnknownError is sent again under its key,
// which returns the original result (or says it had none); a call whose
// error says nothing happened must have no effect on the server (no
// successful POST carries its tag) and is sent again under a new key. The
// exact counts the tests check on the server afterwards prove that no call
// took effect twice.
func (e *faultEnv) settle(out []outcome, gaveUp []int, sca func(i int) bool, tag func(i int) string, call faultCall) {
	e.t.Helper()
	done := func(i int) bool {
		if sca(i) {
			_, ok := mangopay.AsScaRequired(out[i].err)
			return ok
		}
		return out[i].err == nil
	}
	for _, i := range gaveUp {
		var ou *mangopay.OutcomeUnknownError
		if errors.As(out[i].err, &ou) {
			call(e.ctx, i, mangopay.WithIdempotencyKey(ou.IdempotencyKey))
			if done(i) {
				continue
			}
			require.NotErrorIs(e.t, out[i].err, mangopay.ErrOutcomeUnknown, "call %d sent again under its key, without faults", i)
		}
		assert.Zero(e.t, effects(e.srv, tag(i)), "call %d: %v, yet it took effect", i, out[i].err)
		call(e.ctx, i, mangopay.WithIdempotencyKey(mangopay.NewIdempotencyKey()))
		require.True(e.t, done(i), "call %d sent again under a new key: %v", i, out[i].err)
	}
	for i, o := range out {
		assert.NotEmpty(e.t, o.id, "call %d returned no resource", i)
	}
}

// effects counts the POSTs the server handled with effect (2xx, the dropped
// answers included) whose JSON body has the tag value tag.
func effects(srv *mangopaytest.Server, tag string) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPost && r.Status >= 200 && r.Status < 300 && strings.Contains(string(r.Body), `"`+tag+`"`) {
			n++
		}
	}
	return n
}

// checkFaultsHappened asserts, from the server's request log, that every
// kind of fault was injected and the token expired, and that the log holds
// every request of the test (it keeps the last 10,000).
func (e *faultEnv) checkFaultsHappened(expiries int) {
	e.t.Helper()
	reqs := e.srv.Requests()
	require.Less(e.t, len(reqs), 10000, "the request log was not truncated")
	var dropped, reset, s500, s503, s429, s401, s409, tokens int
	for _, r := range reqs {
		switch {
		case r.Path == "/v2.01/oauth/token":
			tokens++
		case r.Dropped && r.Status == 0:
			reset++
		case r.Dropped:
			dropped++
		case r.Status == http.StatusInternalServerError:
			s500++
		case r.Status == http.StatusServiceUnavailable:
			s503++
		case r.Status == http.StatusTooManyRequests:
			s429++
		case r.Status == http.StatusUnauthorized:
			s401++
		case r.Status == http.StatusConflict:
			s409++
		}
	}
	e.t.Logf("%d requests: %d answers dropped after taking effect, %d connections reset before, %d×500, %d×503, %d×429, %d×401, %d×409, %d token requests, %d expiries",
		len(reqs), dropped, reset, s500, s503, s429, s401, s409, tokens, expiries)
	assert.Greater(e.t, dropped, faultCalls/10)
	for name, n := range map[string]int{"resets": reset, "500s": s500, "503s": s503, "429s": s429} {
		assert.Greater(e.t, n, faultCalls/50, name)
	}
	assert.Positive(e.t, s409, "retried POSTs found their key used")
	assert.Equal(e.t, faultCalls/faultExpiry-1, expiries)
	assert.GreaterOrEqual(e.t, s401, expiries, "each expiry made in-flight calls meet 401 invalid_credentials")
	assert.Greater(e.t, tokens, expiries, "and fetch a new token")
}

// checkRetryAfter asserts that after every 429 answer the call waited at
// least the Retry-After it carried before its next request. Only a call
// that gave up (gaveUp) may end on a 429: its budget was spent.
func (e *faultEnv) checkRetryAfter(gaveUp []int) {
	e.t.Helper()
	byCall := map[int][]sent{}
	for _, s := range e.rec.attempts() {
		if s.call >= 0 {
			byCall[s.call] = append(byCall[s.call], s)
		}
	}
	checked := 0
	for id, list := range byCall {
		sort.Slice(list, func(a, b int) bool { return list[a].start.Before(list[b].start) })
		for k, s := range list {
			if s.status != http.StatusTooManyRequests {
				continue
			}
			require.Equal(e.t, "1", s.retryAfter, "call %d: the emulator's 429 carries Retry-After", id)
			if k+1 == len(list) && slices.Contains(gaveUp, id) {
				continue
			}
			if !assert.Less(e.t, k+1, len(list), "call %d: a 429 was its last attempt", id) {
				continue
			}
			assert.GreaterOrEqual(e.t, list[k+1].start.Sub(s.end), time.Second,
				"call %d: %s %s answered 429 Retry-After: 1, next attempt too soon", id, s.method, s.path)
			checked++
		}
	}
	assert.Greater(e.t, checked, faultCalls/50, "429 answers checked")
}

// createdOnServer counts the requests the server handled with effect
// (status 2xx, the dropped answers included) for method and a path matched
// by match.
func createdOnServer(srv *mangopaytest.Server, match func(path string) bool) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPost && match(r.Path) && r.Status >= 200 && r.Status < 300 {
			n++
		}
	}
	return n
}

// eventIDs returns the resource ids of the server's events of type typ.
func eventIDs(srv *mangopaytest.Server, typ string) []string {
	var ids []string
	for _, ev := range srv.Events() {
		if string(ev.EventType) == typ {
			ids = append(ids, ev.ResourceID)
		}
	}
	return ids
}

// inParallel runs f(i) for i in [0, n) from 8 goroutines.
func inParallel(n int, f func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				f(i)
			}
		}()
	}
	wg.Wait()
}

// transferWallets makes n wallets of OWNERs credited with credit each: half
// whose email has the sandbox's "accept" bypass (no SCA at all; API release
// note 2026-02-16) and half enrolled ones, with wallet access open. No
// PAYER: a PAYER's wallet cannot be credited by another user
// (errors/codes/002701, 002702). Transfers of 30.00 to 39.99 EUR are below
// the sandbox's SCA threshold, so every such transfer executes. It returns
// the wallet ids, each wallet's owner, and the sum of the balances.
func (e *faultEnv) transferWallets(wallets int, credit int64) ([]string, map[string]string, func() int64) {
	t := e.t
	var ids []string
	owner := map[string]string{}
	for i := 0; i < wallets; i++ {
		var uid string
		if i%2 == 0 {
			req := ownerRequest(fmt.Sprintf("Owner%d", i))
			req.Email = fmt.Sprintf("owner%d+accept@example.com", i)
			u, err := e.c.Users.CreateNatural(e.ctx, req)
			require.NoError(t, err, "the accept bypass enrolls without a link")
			uid = u.ID
		} else {
			u, err := e.c.Users.CreateNatural(e.ctx, ownerRequest(fmt.Sprintf("Owner%d", i)))
			sca, ok := mangopay.AsScaRequired(err)
			require.True(t, ok, "an OWNER enrolls: %v", err)
			require.NoError(t, e.srv.CompleteSca(sca.RedirectURL, mangopaytest.Validated))
			uid = u.ID
		}
		w, err := e.c.Wallets.Create(e.ctx, &mangopay.CreateWalletRequest{Owners: []string{uid}, Description: "fault suite", Currency: "EUR"})
		require.NoError(t, err)
		if i%2 == 1 {
			// Open the OWNER's wallet access (180 days) for the checks below.
			_, err := e.c.Wallets.Get(e.ctx, w.ID, mangopay.ScaUserPresent)
			sca, ok := mangopay.AsScaRequired(err)
			require.True(t, ok, "an OWNER's wallet read needs SCA: %v", err)
			require.NoError(t, e.srv.CompleteSca(sca.RedirectURL, mangopaytest.Validated))
		}
		require.NoError(t, e.srv.Credit(w.ID, credit))
		ids = append(ids, w.ID)
		owner[w.ID] = uid
	}
	total := func() (sum int64) {
		for _, w := range ids {
			b, _, err := e.srv.Balance(w)
			require.NoError(t, err)
			sum += b
		}
		return sum
	}
	return ids, owner, total
}

func TestFaultTransfers(t *testing.T) {
	t.Parallel()
	e := newFaultEnv(t, mangopay.WithMaxRetries(faultMaxRetries))

	const wallets = 10
	const credit = 10_000_000
	ids, owner, total := e.transferWallets(wallets, credit)
	require.EqualValues(t, wallets*credit, total())

	type plan struct {
		from, to, tag string
		amount        int64
	}
	plans := make([]plan, faultCalls)
	for i := range plans {
		from := i % wallets
		to := (from + 1 + (i/wallets)%(wallets-1)) % wallets
		plans[i] = plan{from: ids[from], to: ids[to], tag: fmt.Sprintf("fault-transfer-%04d", i), amount: 3000 + int64(i)}
	}
	out := make([]outcome, faultCalls)
	transfers := make([]*mangopay.Transfer, faultCalls)
	call := func(ctx context.Context, i int, opts ...mangopay.RequestOption) {
		p := plans[i]
		tr, err := e.c.Transfers.Create(ctx, &mangopay.CreateTransferRequest{
			AuthorID: owner[p.from], DebitedWalletID: p.from, CreditedWalletID: p.to, Tag: p.tag,
			DebitedFunds: mangopay.Money{Currency: "EUR", Amount: p.amount}, Fees: mangopay.Money{Currency: "EUR"},
		}, append(opts, mangopay.CaptureResponse(&out[i].meta))...)
		out[i].err, transfers[i] = err, tr
		if tr != nil {
			out[i].id = tr.ID
		}
	}
	expiries := e.storm(func(ctx context.Context, i int) { call(ctx, i) })
	noSca := func(int) bool { return false }
	gaveUp := e.checkOutcomes(out, noSca)
	e.settle(out, gaveUp, noSca, func(i int) string { return plans[i].tag }, call)
	e.checkFaultsHappened(expiries)
	e.checkRetryAfter(gaveUp)

	// Exactly faultCalls transfers exist: the server handled that many
	// creations with effect and sent that many TRANSFER_NORMAL_CREATED, for
	// exactly the ids the calls returned.
	assert.Equal(t, faultCalls, createdOnServer(e.srv, func(p string) bool { return strings.HasSuffix(p, "/transfers") }))
	var returned []string
	for _, o := range out {
		returned = append(returned, o.id)
	}
	created := eventIDs(e.srv, "TRANSFER_NORMAL_CREATED")
	assert.Len(t, created, faultCalls)
	assert.ElementsMatch(t, created, returned, "the server's transfers are the ones the calls returned, each once")
	assert.Len(t, eventIDs(e.srv, "TRANSFER_NORMAL_SUCCEEDED"), faultCalls)

	// Each call got its own transfer: the server's record under the id it
	// returned (listed in both wallets' transactions) has its tag, wallets
	// and amount.
	server := map[string]*mangopay.Transaction{}
	seenIn := map[string]int{}
	for _, w := range ids {
		for tx, err := range e.c.Transactions.AllByWallet(e.ctx, w, mangopay.ScaUserPresent,
			&mangopay.TransactionListOptions{Type: []mangopay.TransactionType{mangopay.TransactionTypeTransfer}}) {
			require.NoError(t, err)
			server[tx.ID] = tx
			seenIn[tx.ID]++
		}
	}
	assert.Len(t, server, faultCalls, "transfers listed in the wallets' transactions")
	for i, got := range transfers {
		if !assert.NotNil(t, got, "call %d", i) {
			continue
		}
		p := plans[i]
		assert.Equal(t, p.tag, got.Tag, "call %d returned another call's transfer", i)
		assert.Equal(t, mangopay.TransferStatusSucceeded, got.Status, "call %d", i)
		tx := server[got.ID]
		if !assert.NotNil(t, tx, "call %d: %s is not on the server", i, got.ID) {
			continue
		}
		assert.Equal(t, 2, seenIn[got.ID], "in the debited and the credited wallet")
		assert.Equal(t, p.tag, tx.Tag)
		assert.Equal(t, p.from, tx.DebitedWalletID)
		assert.Equal(t, p.to, tx.CreditedWalletID)
		assert.Equal(t, p.amount, tx.DebitedFunds.Amount)
		assert.Equal(t, mangopay.TransactionStatusSucceeded, tx.Status)
	}

	// Balances: conserved in total, and each wallet moved by exactly its
	// transfers, to the cent.
	want := map[string]int64{}
	for _, w := range ids {
		want[w] = credit
	}
	for _, p := range plans {
		want[p.from] -= p.amount
		want[p.to] += p.amount
	}
	for _, w := range ids {
		b, _, err := e.srv.Balance(w)
		require.NoError(t, err)
		assert.Equal(t, want[w], b, "wallet %s", w)
	}
	assert.EqualValues(t, wallets*credit, total(), "money is conserved to the cent")
}

// TestFaultDefaultRetries runs the fault mix with the default configuration
// (2 retries), where some calls run out of retries. Every call whose
// transfer happened on the server must either return it or fail with
// ErrOutcomeUnknown, never a plain error (issue 15); every other error means
// nothing happened. Each ErrOutcomeUnknown is then settled the documented
// way, the same request under the same key, and in the end each call has
// exactly one transfer and the money is conserved.
func TestFaultDefaultRetries(t *testing.T) {
	t.Parallel()
	e := newFaultEnv(t) // mangopay.WithMaxRetries not given: the default
	e.calls = 500
	const wallets = 10
	const credit = 10_000_000
	ids, owner, total := e.transferWallets(wallets, credit)
	request := func(i int) *mangopay.CreateTransferRequest {
		from := ids[i%wallets]
		to := ids[(i%wallets+1+(i/wallets)%(wallets-1))%wallets]
		return &mangopay.CreateTransferRequest{AuthorID: owner[from], DebitedWalletID: from, CreditedWalletID: to,
			Tag: fmt.Sprintf("default-retries-%04d", i), DebitedFunds: mangopay.Money{Currency: "EUR", Amount: 3000 + int64(i)},
			Fees: mangopay.Money{Currency: "EUR"}}
	}
	out := make([]outcome, e.calls)
	e.storm(func(ctx context.Context, i int) {
		tr, err := e.c.Transfers.Create(ctx, request(i), mangopay.CaptureResponse(&out[i].meta))
		out[i].err = err
		if tr != nil {
			out[i].id = tr.ID
		}
	})

	// What happened on the server, by tag.
	onServer := func() map[string][]*mangopay.Transaction {
		byTag := map[string][]*mangopay.Transaction{}
		for _, w := range ids {
			for tx, err := range e.c.Transactions.AllByWallet(e.ctx, w, mangopay.ScaUserPresent,
				&mangopay.TransactionListOptions{Type: []mangopay.TransactionType{mangopay.TransactionTypeTransfer}}) {
				require.NoError(t, err)
				if tx.DebitedWalletID == w { // each transfer once, from its debited wallet
					byTag[tx.Tag] = append(byTag[tx.Tag], tx)
				}
			}
		}
		return byTag
	}
	byTag := onServer()
	var ok, unknown, plain int
	var settle []int
	for i, o := range out {
		tag := request(i).Tag
		happened := len(byTag[tag])
		assert.LessOrEqual(t, happened, 1, "call %d: transfers on the server", i)
		switch {
		case o.err == nil:
			ok++
			if assert.Equal(t, 1, happened, "call %d returned %s", i, o.id) {
				assert.Equal(t, byTag[tag][0].ID, o.id, "call %d", i)
			}
		case errors.Is(o.err, mangopay.ErrOutcomeUnknown):
			unknown++
			settle = append(settle, i)
			var ou *mangopay.OutcomeUnknownError
			require.ErrorAs(t, o.err, &ou)
			assert.Equal(t, o.meta.IdempotencyKey, ou.IdempotencyKey, "call %d", i)
			assert.Equal(t, "/transfers", ou.Path)
		default:
			plain++
			assert.Zero(t, happened, "call %d: its transfer happened but the call returned a plain error: %v", i, o.err)
		}
	}
	t.Logf("%d calls: %d succeeded, %d outcome unknown, %d failed with no effect", e.calls, ok, unknown, plain)
	assert.Positive(t, unknown, "some calls ran out of retries with their outcome unknown")

	// Settle each unknown outcome the documented way: the same request under
	// the same key. It returns the transfer (recovered, or made now), or an
	// error that is not ErrOutcomeUnknown: then nothing happened (a 5xx
	// recorded under the key) and the request goes again under a new key,
	// like the calls that failed with no effect.
	recovered, again := 0, []int{}
	for _, i := range settle {
		var ou *mangopay.OutcomeUnknownError
		require.ErrorAs(t, out[i].err, &ou)
		var meta mangopay.Response
		tr, err := e.c.Transfers.Create(e.ctx, request(i), mangopay.WithIdempotencyKey(ou.IdempotencyKey), mangopay.CaptureResponse(&meta))
		if err != nil {
			require.NotErrorIs(t, err, mangopay.ErrOutcomeUnknown, "call %d: no faults now", i)
			assert.Empty(t, onServer()[request(i).Tag], "call %d: %v", i, err)
			again = append(again, i)
			continue
		}
		out[i].id, out[i].err = tr.ID, nil
		if meta.Recovered {
			recovered++
		}
	}
	t.Logf("%d unknown outcomes settled: %d through the recorded answer, %d had had no effect", len(settle), recovered, len(again))
	for i, o := range out {
		if o.err != nil && !slices.Contains(again, i) && !errors.Is(o.err, mangopay.ErrOutcomeUnknown) {
			again = append(again, i)
		}
	}
	for _, i := range again {
		tr, err := e.c.Transfers.Create(e.ctx, request(i), mangopay.WithIdempotencyKey(mangopay.NewIdempotencyKey()))
		require.NoError(t, err, "call %d sent again", i)
		out[i].id, out[i].err = tr.ID, nil
	}

	// Every call has exactly one transfer, and the balances moved by exactly
	// those transfers.
	byTag = onServer()
	want := map[string]int64{}
	for _, w := range ids {
		want[w] = credit
	}
	for i, o := range out {
		in := request(i)
		require.NoError(t, o.err, "call %d", i)
		if assert.Len(t, byTag[in.Tag], 1, "call %d", i) {
			assert.Equal(t, o.id, byTag[in.Tag][0].ID, "call %d", i)
		}
		want[in.DebitedWalletID] -= in.DebitedFunds.Amount
		want[in.CreditedWalletID] += in.DebitedFunds.Amount
	}
	for _, w := range ids {
		b, _, err := e.srv.Balance(w)
		require.NoError(t, err)
		assert.Equal(t, want[w], b, "wallet %s", w)
	}
	assert.EqualValues(t, wallets*credit, total(), "money is conserved to the cent")
}

func TestFaultScaUsers(t *testing.T) {
	t.Parallel()
	e := newFaultEnv(t, mangopay.WithMaxRetries(faultMaxRetries))
	addr := &mangopay.Address{AddressLine1: "3 rue de la Cité", City: "Paris", PostalCode: "75004", Country: "FR"}
	tag := func(i int) string { return fmt.Sprintf("fault-user-%04d", i) }
	// Four kinds in turn: natural OWNER, natural PAYER, legal OWNER
	// (SOLETRADER), legal PAYER. OWNERs come back with their enrollment link.
	isOwner := func(i int) bool { return i%2 == 0 }
	isLegal := func(i int) bool { return i%4 >= 2 }
	out := make([]outcome, faultCalls)
	call := func(ctx context.Context, i int, opts ...mangopay.RequestOption) {
		opt := append(opts, mangopay.CaptureResponse(&out[i].meta))
		var id string
		var err error
		switch {
		case !isLegal(i) && isOwner(i):
			in := ownerRequest(fmt.Sprintf("Nat%04d", i))
			in.Tag = tag(i)
			var u *mangopay.NaturalUser
			if u, err = e.c.Users.CreateNatural(ctx, in, opt...); u != nil {
				id = u.ID
				assert.Equal(t, tag(i), u.Tag, "call %d", i)
			}
		case !isLegal(i):
			var u *mangopay.NaturalUser
			if u, err = e.c.Users.CreateNatural(ctx, &mangopay.CreateNaturalUserRequest{
				UserCategory: mangopay.UserCategoryPayer, TermsAndConditionsAccepted: mangopay.Ptr(false),
				FirstName: "Pat", LastName: fmt.Sprint(i), Email: fmt.Sprintf("payer%04d@example.com", i), Tag: tag(i),
			}, opt...); u != nil {
				id = u.ID
				assert.Equal(t, tag(i), u.Tag, "call %d", i)
			}
		default:
			in := &mangopay.CreateLegalUserRequest{
				UserCategory: mangopay.UserCategoryPayer, TermsAndConditionsAccepted: mangopay.Ptr(true),
				LegalPersonType: mangopay.LegalPersonTypeBusiness, Name: fmt.Sprintf("Company %04d", i),
				Email: fmt.Sprintf("company%04d@example.com", i), Tag: tag(i),
				LegalRepresentative: &mangopay.LegalRepresentativeRequest{FirstName: "Alex", LastName: fmt.Sprint(i)},
			}
			if isOwner(i) {
				in.UserCategory, in.LegalPersonType, in.HeadquartersAddress = mangopay.UserCategoryOwner, mangopay.LegalPersonType("SOLETRADER"), addr
				in.LegalRepresentative = &mangopay.LegalRepresentativeRequest{FirstName: "Alex", LastName: fmt.Sprint(i),
					Birthday: mangopay.NewDate(1990, 5, 4), Nationality: "FR", CountryOfResidence: "FR",
					Email: fmt.Sprintf("alex%04d@example.com", i), PhoneNumber: "+33611111111"}
			}
			var u *mangopay.LegalUser
			if u, err = e.c.Users.CreateLegal(ctx, in, opt...); u != nil {
				id = u.ID
				assert.Equal(t, tag(i), u.Tag, "call %d", i)
			}
		}
		out[i].id, out[i].err = id, err
		if sca, ok := mangopay.AsScaRequired(err); ok {
			assert.True(t, strings.HasPrefix(sca.RedirectURL, e.srv.URL+"/sca/?token=sca_"), "call %d: %s", i, sca.RedirectURL)
		}
	}
	expiries := e.storm(func(ctx context.Context, i int) { call(ctx, i) })
	gaveUp := e.checkOutcomes(out, isOwner)
	e.settle(out, gaveUp, isOwner, tag, call)
	e.checkFaultsHappened(expiries)
	e.checkRetryAfter(gaveUp)

	// No duplicate users: the server created exactly faultCalls, and asked
	// each OWNER, once, to validate its account.
	assert.Equal(t, faultCalls, createdOnServer(e.srv, func(p string) bool {
		return strings.HasSuffix(p, "/sca/users/natural") || strings.HasSuffix(p, "/sca/users/legal")
	}))
	var owners []string
	seen := map[string]bool{}
	for i, o := range out {
		assert.False(t, seen[o.id], "call %d returned a user another call returned", i)
		seen[o.id] = true
		if isOwner(i) {
			owners = append(owners, o.id)
		}
	}
	asked := eventIDs(e.srv, "USER_ACCOUNT_VALIDATION_ASKED")
	assert.Len(t, asked, faultCalls/2)
	assert.ElementsMatch(t, owners, asked)

	// Each call got its own user.
	inParallel(faultCalls, func(i int) {
		u, err := e.c.Users.Get(e.ctx, out[i].id)
		if !assert.NoError(t, err, "call %d", i) {
			return
		}
		assert.Equal(t, out[i].id, u.ID)
		assert.Equal(t, tag(i), u.Tag, "call %d returned another call's user", i)
		wantCat := mangopay.UserCategoryPayer
		if isOwner(i) {
			wantCat = mangopay.UserCategoryOwner
		}
		assert.Equal(t, wantCat, u.UserCategory)
	})
}

func TestFaultRecipients(t *testing.T) {
	t.Parallel()
	e := newFaultEnv(t, mangopay.WithMaxRetries(faultMaxRetries))
	const users = 10
	var owners []string
	for i := 0; i < users; i++ {
		u, err := e.c.Users.CreateNatural(e.ctx, ownerRequest(fmt.Sprintf("Rowan%d", i)))
		sca, ok := mangopay.AsScaRequired(err)
		require.True(t, ok, "an OWNER enrolls: %v", err)
		require.NoError(t, e.srv.CompleteSca(sca.RedirectURL, mangopaytest.Validated))
		owners = append(owners, u.ID)
	}
	// Odd calls register PAYIN recipients (no SCA), even ones PAYOUT
	// recipients, which always need SCA: they come back PENDING with a link.
	payout := func(i int) bool { return i%2 == 0 }
	name := func(i int) string { return fmt.Sprintf("Fault recipient %04d", i) }
	out := make([]outcome, faultCalls)
	tag := func(i int) string { return fmt.Sprintf("fault-recipient-%04d", i) }
	call := func(ctx context.Context, i int, opts ...mangopay.RequestOption) {
		in := recipientRequest()
		in.DisplayName, in.Tag = name(i), tag(i)
		if !payout(i) {
			in.RecipientScope = mangopay.RecipientScopePayin
		}
		r, err := e.c.Recipients.Create(ctx, owners[i%users], in, append(opts, mangopay.CaptureResponse(&out[i].meta))...)
		out[i].err = err
		if r != nil {
			out[i].id = r.ID
			assert.Equal(t, name(i), r.DisplayName, "call %d", i)
			assert.Equal(t, owners[i%users], r.UserID, "call %d", i)
			assert.Equal(t, mangopay.RecipientStatusPending, r.Status, "call %d: as created", i)
		}
	}
	expiries := e.storm(func(ctx context.Context, i int) { call(ctx, i) })
	gaveUp := e.checkOutcomes(out, payout)
	e.settle(out, gaveUp, payout, tag, call)
	e.checkFaultsHappened(expiries)
	e.checkRetryAfter(gaveUp)

	// No duplicate recipients: exactly faultCalls created, and each user's
	// lists hold exactly the recipients its calls returned, each once.
	assert.Equal(t, faultCalls, createdOnServer(e.srv, func(p string) bool { return strings.HasSuffix(p, "/recipients") }))
	want := map[string]map[string]string{} // user -> recipient id -> display name
	for i, o := range out {
		u := owners[i%users]
		if want[u] == nil {
			want[u] = map[string]string{}
		}
		want[u][o.id] = name(i)
	}
	listed := 0
	for _, u := range owners {
		got := map[string]string{}
		for _, scope := range []mangopay.RecipientScope{mangopay.RecipientScopePayout, mangopay.RecipientScopePayin} {
			for r, err := range e.c.Recipients.AllByUser(e.ctx, u, &mangopay.RecipientListOptions{RecipientScope: scope}) {
				require.NoError(t, err)
				_, dup := got[r.ID]
				assert.False(t, dup, "recipient %s listed twice", r.ID)
				got[r.ID] = r.DisplayName
				listed++
			}
		}
		assert.Equal(t, want[u], got, "user %s: the recipients on the server are the ones its calls returned", u)
	}
	assert.Equal(t, faultCalls, listed)
	assert.Len(t, eventIDs(e.srv, "RECIPIENT_ACTIVE"), faultCalls/2, "each PAYIN recipient activated once")
}

// TestFaultNoRetries is the opposite: with retries disabled, every kind of
// injected fault reaches the caller as a typed error, after exactly one
// request.
func TestFaultNoRetries(t *testing.T) {
	t.Parallel()
	e := newFaultEnv(t, mangopay.WithMaxRetries(0))
	payer := func(name string) string {
		u, err := e.c.Users.CreateNatural(e.ctx, &mangopay.CreateNaturalUserRequest{
			UserCategory: mangopay.UserCategoryPayer, TermsAndConditionsAccepted: mangopay.Ptr(false),
			FirstName: name, LastName: "Payer", Email: strings.ToLower(name) + "@example.com"})
		require.NoError(t, err)
		return u.ID
	}
	alice := payer("Alice")
	from, err := e.c.Wallets.Create(e.ctx, &mangopay.CreateWalletRequest{Owners: []string{alice}, Description: "from", Currency: "EUR"})
	require.NoError(t, err)
	// The credited user is an OWNER whose email has the sandbox's "accept"
	// bypass: a PAYER's wallet cannot be credited by another user
	// (errors/codes/002701).
	bobReq := ownerRequest("Bob")
	bobReq.Email = "bob+accept@example.com"
	bob, err := e.c.Users.CreateNatural(e.ctx, bobReq)
	require.NoError(t, err)
	to, err := e.c.Wallets.Create(e.ctx, &mangopay.CreateWalletRequest{Owners: []string{bob.ID}, Description: "to", Currency: "EUR"})
	require.NoError(t, err)
	require.NoError(t, e.srv.Credit(from.ID, 1_000_000))
	u, err := e.c.Users.CreateNatural(e.ctx, ownerRequest("Olga"))
	sca, ok := mangopay.AsScaRequired(err)
	require.True(t, ok, "%v", err)
	require.NoError(t, e.srv.CompleteSca(sca.RedirectURL, mangopaytest.Validated))
	owner := u.ID
	probe, err := e.c.Transfers.Create(e.ctx, &mangopay.CreateTransferRequest{AuthorID: alice, DebitedWalletID: from.ID,
		CreditedWalletID: to.ID, DebitedFunds: mangopay.Money{Currency: "EUR", Amount: 1}, Fees: mangopay.Money{Currency: "EUR"}})
	require.NoError(t, err)

	// A GET has no body for the SDK to withhold: on a reused keep-alive
	// connection that breaks after the request was written, net/http itself
	// sends a GET once more (it does so for idempotent requests), which no
	// client setting turns off. The GETs go through fresh connections so that
	// what reaches the caller is the SDK's doing alone.
	freshRec := &recorder{next: &http.Transport{DisableKeepAlives: true}}
	fresh := e.srv.Client(mangopay.WithMaxRetries(0), mangopay.WithHTTPClient(&http.Client{Transport: freshRec, Timeout: 30 * time.Second}))

	type op struct {
		name, method, path string
		// do makes the call; it reports whether the call's effect is on the
		// server (found by its tag).
		do      func(ctx context.Context, tag string, opts ...mangopay.RequestOption) error
		present func(tag string) bool
	}
	var transfersMade []string
	ops := []op{
		{"create transfer", http.MethodPost, "/transfers",
			func(ctx context.Context, tag string, opts ...mangopay.RequestOption) error {
				_, err := e.c.Transfers.Create(ctx, &mangopay.CreateTransferRequest{AuthorID: alice, DebitedWalletID: from.ID,
					CreditedWalletID: to.ID, Tag: tag, DebitedFunds: mangopay.Money{Currency: "EUR", Amount: 100},
					Fees: mangopay.Money{Currency: "EUR"}}, opts...)
				return err
			},
			func(tag string) bool {
				for tx, err := range e.c.Transactions.AllByWallet(e.ctx, from.ID, mangopay.ScaUserPresent, nil) {
					require.NoError(t, err)
					if tx.Tag == tag {
						transfersMade = append(transfersMade, tx.ID)
						return true
					}
				}
				return false
			}},
		{"create user", http.MethodPost, "/sca/users/natural",
			func(ctx context.Context, tag string, opts ...mangopay.RequestOption) error {
				in := ownerRequest("Una")
				in.Tag = tag
				_, err := e.c.Users.CreateNatural(ctx, in, opts...)
				return err
			},
			func(tag string) bool {
				for _, r := range e.srv.Requests() {
					if r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/sca/users/natural") && r.Status == http.StatusOK &&
						strings.Contains(string(r.Body), `"`+tag+`"`) {
						return true
					}
				}
				return false
			}},
		{"create recipient", http.MethodPost, "/users/" + owner + "/recipients",
			func(ctx context.Context, tag string, opts ...mangopay.RequestOption) error {
				in := recipientRequest()
				in.DisplayName, in.RecipientScope = tag, mangopay.RecipientScopePayin
				_, err := e.c.Recipients.Create(ctx, owner, in, opts...)
				return err
			},
			func(tag string) bool {
				for r, err := range e.c.Recipients.AllByUser(e.ctx, owner, &mangopay.RecipientListOptions{RecipientScope: mangopay.RecipientScopePayin}) {
					require.NoError(t, err)
					if r.DisplayName == tag {
						return true
					}
				}
				return false
			}},
		{"get transfer", http.MethodGet, "/transfers/" + probe.ID,
			func(ctx context.Context, _ string, opts ...mangopay.RequestOption) error {
				_, err := fresh.Transfers.Get(ctx, probe.ID, opts...)
				return err
			}, nil},
	}
	type fault struct {
		name  string
		fault mangopaytest.Fault
		check func(t *testing.T, err error)
	}
	apiError := func(status int, typ string, retryAfter string, sentinel error) func(*testing.T, error) {
		return func(t *testing.T, err error) {
			var apiErr *mangopay.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, status, apiErr.StatusCode)
			assert.Equal(t, typ, apiErr.Type)
			assert.Equal(t, retryAfter, apiErr.Header.Get("Retry-After"))
			assert.Equal(t, sentinel != nil, errors.Is(err, mangopay.ErrRateLimited), "ErrRateLimited")
			assert.NotErrorIs(t, err, mangopay.ErrIdempotencyConflict)
		}
	}
	netError := func(t *testing.T, err error) {
		var urlErr *url.Error
		require.ErrorAs(t, err, &urlErr, "a lost connection is a *url.Error: %v", err)
		var apiErr *mangopay.APIError
		assert.False(t, errors.As(err, &apiErr), "not an *APIError")
		assert.NotErrorIs(t, err, mangopay.ErrScaRequired)
		assert.NotErrorIs(t, err, context.DeadlineExceeded)
	}
	faults := []fault{
		{"500", mangopaytest.Fault{Status: http.StatusInternalServerError}, apiError(500, "internal_server_error", "", nil)},
		{"503 with Retry-After", mangopaytest.Fault{Status: http.StatusServiceUnavailable, RetryAfter: time.Second}, apiError(503, "internal_server_error", "1", nil)},
		{"429 with Retry-After", mangopaytest.Fault{Status: http.StatusTooManyRequests, RetryAfter: time.Second}, apiError(429, "rate_limit", "1", mangopay.ErrRateLimited)},
		{"answer dropped after effect", mangopaytest.Fault{Drop: true}, netError},
		{"connection reset before effect", mangopaytest.Fault{Reset: true}, netError},
	}
	n := 0
	for _, o := range ops {
		for _, f := range faults {
			n++
			tag := fmt.Sprintf("no-retry-%02d", n)
			t.Run(o.name+"/"+f.name, func(t *testing.T) {
				ft := f.fault
				ft.Count, ft.Method, ft.Path = 1, o.method, o.path
				e.srv.InjectFault(ft)
				before := len(e.srv.Requests())
				var meta mangopay.Response
				ctx := context.WithValue(e.ctx, callID{}, 10000+n)
				err := o.do(ctx, tag, mangopay.CaptureResponse(&meta))
				require.Error(t, err)
				f.check(t, err)
				assert.Equal(t, 1, meta.Attempts, "one attempt")
				assert.False(t, meta.Recovered)

				// Exactly one request reached the server: no retry, no
				// lookup of /responses, no transparent replay by net/http.
				var reqs []mangopaytest.Request
				for _, r := range e.srv.Requests()[before:] {
					if r.Path != "/v2.01/oauth/token" { // a token renewal is not a retry
						reqs = append(reqs, r)
					}
				}
				if assert.Len(t, reqs, 1, "requests the server saw: %v", reqs) {
					assert.Equal(t, o.method, reqs[0].Method)
					assert.True(t, strings.HasSuffix(reqs[0].Path, o.path), reqs[0].Path)
					if o.method == http.MethodPost {
						assert.Equal(t, meta.IdempotencyKey, reqs[0].Header.Get("Idempotency-Key"))
					}
				}
				var mine int
				for _, s := range append(e.rec.attempts(), freshRec.attempts()...) {
					if s.call == 10000+n && s.path != "/v2.01/oauth/token" {
						mine++
					}
				}
				assert.Equal(t, 1, mine, "attempts the client sent")

				// Only a dropped answer leaves an effect behind.
				if o.present != nil {
					assert.Equal(t, f.fault.Drop, o.present(tag), "effect on the server")
				}
			})
		}
	}
	assert.Len(t, transfersMade, 1, "one transfer happened: the one whose answer was dropped")
	b, _, err := e.srv.Balance(to.ID)
	require.NoError(t, err)
	assert.EqualValues(t, 1+100, b, "and moved its money once")
}
