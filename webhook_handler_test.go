package mangopay

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withFetcher replaces the confirmation's fetcher (test only).
func withFetcher(f resourceFetcher) WebhookOption {
	return func(c *webhookConfig) { c.fetch = f }
}

// docsEvent is the documented notification as an Event.
func docsEvent() Event {
	return Event{Type: EventUserAccountActivated, ResourceID: docsUserID, Date: time.Unix(docsDate, 0).UTC()}
}

// serve sends one request for target with method to h.
func serve(t *testing.T, h http.Handler, method, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec
}

// deliver sends ev to h the way Mangopay does.
func deliver(t *testing.T, h http.Handler, ev Event) *httptest.ResponseRecorder {
	t.Helper()
	r, err := NewTestEventRequest("/hooks", ev)
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// recorder is a handler function that records the events it gets.
type recorder struct {
	mu     sync.Mutex
	events []Event
	err    error
}

func (rc *recorder) fn(_ context.Context, ev Event) error {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.events = append(rc.events, ev)
	return rc.err
}

func (rc *recorder) calls() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.events)
}

// hookLog records what the error hook is told.
type hookLog struct {
	mu      sync.Mutex
	entries []hookEntry
}

type hookEntry struct {
	status int
	err    error
}

func (l *hookLog) option() WebhookOption {
	return WithWebhookErrorHook(func(_ *http.Request, status int, err error) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.entries = append(l.entries, hookEntry{status, err})
	})
}

func (l *hookLog) last(t *testing.T) hookEntry {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	require.NotEmpty(t, l.entries, "the error hook was not called")
	return l.entries[len(l.entries)-1]
}

func assertPlainText(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	assert.Equal(t, "text/plain; charset=utf-8", rec.Header().Get("Content-Type"))
	assert.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
	assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
}

func TestWebhookHandlerStatusCodes(t *testing.T) {
	t.Parallel()
	okQuery := "/hooks?" + docsQuery
	tests := []struct {
		name     string
		method   string
		target   string
		fnErr    error
		status   int
		calls    int
		bodyHas  string
		hookedAs error
	}{
		{"GET ok", http.MethodGet, okQuery, nil, 200, 1, "ok", nil},
		{"GET with ResourceId", http.MethodGet, "/hooks?EventType=TRANSFER_NORMAL_CREATED&ResourceId=xfer_1&Date=1743627006", nil, 200, 1, "ok", nil},
		{"GET unknown type", http.MethodGet, "/hooks?EventType=MANDATE_CREATED&RessourceId=1&Date=1743627006", nil, 200, 1, "ok", nil},
		{"POST", http.MethodPost, okQuery, nil, 405, 0, "method not allowed", nil},
		{"HEAD", http.MethodHead, okQuery, nil, 405, 0, "", nil},
		{"PUT", http.MethodPut, okQuery, nil, 405, 0, "method not allowed", nil},
		{"DELETE", http.MethodDelete, okQuery, nil, 405, 0, "method not allowed", nil},
		{"OPTIONS", http.MethodOptions, okQuery, nil, 405, 0, "method not allowed", nil},
		{"no query", http.MethodGet, "/hooks", nil, 400, 0, "EventType is missing", ErrInvalidEvent},
		{"bad date", http.MethodGet, "/hooks?EventType=USER_ACCOUNT_ACTIVATED&RessourceId=u1&Date=soon", nil, 400, 0, "Date is not Unix seconds", ErrInvalidEvent},
		{"bad id", http.MethodGet, "/hooks?EventType=USER_ACCOUNT_ACTIVATED&RessourceId=..&Date=1743627006", nil, 400, 0, "RessourceId is not a valid Mangopay id", ErrInvalidID},
		{"duplicated parameter", http.MethodGet, okQuery + "&Date=1743627006", nil, 400, 0, "Date is given 2 times", ErrInvalidEvent},
		{"over-long query", http.MethodGet, okQuery + "&x=" + strings.Repeat("y", 3000), nil, 400, 0, "query is longer than 2048 bytes", ErrInvalidEvent},
		{"fn fails", http.MethodGet, okQuery, errors.New("db down: password=hunter2"), 500, 1, "notification not processed", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rc := &recorder{err: tc.fnErr}
			var log hookLog
			h := NewWebhookHandler(rc.fn, log.option())
			rec := serve(t, h, tc.method, tc.target)
			assert.Equal(t, tc.status, rec.Code)
			assert.Equal(t, tc.calls, rc.calls(), "fn calls")
			assertPlainText(t, rec)
			assert.Contains(t, rec.Body.String(), tc.bodyHas)
			if tc.status == 405 {
				assert.Equal(t, "GET", rec.Header().Get("Allow"))
			}
			if tc.status == 200 {
				assert.Empty(t, log.entries, "the hook is only told about failures")
				return
			}
			entry := log.last(t)
			assert.Equal(t, tc.status, entry.status)
			if tc.hookedAs != nil {
				assert.ErrorIs(t, entry.err, tc.hookedAs)
			}
			if tc.fnErr != nil {
				assert.ErrorIs(t, entry.err, tc.fnErr, "the hook gets fn's error")
				assert.NotContains(t, rec.Body.String(), "hunter2", "fn's error is not sent back")
			}
		})
	}
}

func TestWebhookHandlerPassesEvent(t *testing.T) {
	t.Parallel()
	var got Event
	var deadline time.Time
	var hasDeadline bool
	h := NewWebhookHandler(func(ctx context.Context, ev Event) error {
		got = ev
		deadline, hasDeadline = ctx.Deadline()
		return nil
	})
	start := time.Now()
	rec := deliver(t, h, docsEvent())
	require.Equal(t, 200, rec.Code)
	assert.Equal(t, "ok\n", rec.Body.String())
	assert.Equal(t, docsEvent(), got)
	assert.Nil(t, got.Resource, "no confirmation, no resource")
	require.True(t, hasDeadline, "fn gets a deadline")
	assert.False(t, deadline.After(start.Add(DefaultWebhookTimeout).Add(time.Second)), "deadline %v", deadline)

	h = NewWebhookHandler(func(ctx context.Context, ev Event) error {
		deadline, hasDeadline = ctx.Deadline()
		return nil
	}, WithWebhookTimeout(300*time.Millisecond), WithWebhookTimeout(-1))
	start = time.Now()
	require.Equal(t, 200, deliver(t, h, docsEvent()).Code)
	require.True(t, hasDeadline)
	assert.True(t, deadline.Before(start.Add(DefaultWebhookTimeout)), "WithWebhookTimeout shortens it; a negative value is ignored")
}

func TestWebhookHandlerNeverEchoesInput(t *testing.T) {
	t.Parallel()
	rc := &recorder{}
	h := NewWebhookHandler(rc.fn)
	payload := "%3Cscript%3Ealert(1)%3C%2Fscript%3E"
	for _, target := range []string{
		"/hooks?EventType=" + payload + "&RessourceId=u1&Date=1743627006",
		"/hooks?EventType=USER_ACCOUNT_ACTIVATED&RessourceId=" + payload + "%2F&Date=1743627006",
		"/hooks?EventType=USER_ACCOUNT_ACTIVATED&RessourceId=u1&Date=" + payload,
		"/hooks?EventType=USER_ACCOUNT_ACTIVATED&RessourceId=u1&ResourceId=" + payload + "&Date=1743627006",
	} {
		rec := serve(t, h, http.MethodGet, target)
		assert.Equal(t, 400, rec.Code, target)
		assert.NotContains(t, rec.Body.String(), "script", target)
		assert.NotContains(t, rec.Body.String(), "<", target)
		assertPlainText(t, rec)
	}
	assert.Zero(t, rc.calls())
}

func TestWebhookHandlerNilURL(t *testing.T) {
	t.Parallel()
	rc := &recorder{}
	rec := httptest.NewRecorder()
	NewWebhookHandler(rc.fn).ServeHTTP(rec, &http.Request{Method: http.MethodGet})
	assert.Equal(t, 400, rec.Code)
	assert.Zero(t, rc.calls())
}

func TestWebhookHandlerPanic(t *testing.T) {
	t.Parallel()
	var log hookLog
	store := NewMemoryDeliveryStore(10)
	panics := true
	h := NewWebhookHandler(func(context.Context, Event) error {
		if panics {
			panic("boom")
		}
		return nil
	}, WithDeduplication(store), log.option())
	rec := deliver(t, h, docsEvent())
	assert.Equal(t, 500, rec.Code)
	assert.ErrorContains(t, log.last(t).err, "panicked: boom")
	assert.Zero(t, store.Len(), "a panicked delivery is not recorded")

	panics = false
	assert.Equal(t, 200, deliver(t, h, docsEvent()).Code, "the claim was dropped: the retry runs")
	assert.Equal(t, 1, store.Len())

	abort := NewWebhookHandler(func(context.Context, Event) error { panic(http.ErrAbortHandler) }, WithDeduplication(store))
	assert.PanicsWithValue(t, http.ErrAbortHandler, func() {
		deliver(t, abort, Event{Type: EventUserAccountClosed, ResourceID: "u9", Date: time.Unix(docsDate, 0)})
	}, "http.ErrAbortHandler still aborts")
	st, err := store.Begin(context.Background(), Event{Type: EventUserAccountClosed, ResourceID: "u9", Date: time.Unix(docsDate, 0)}.DeliveryKey())
	require.NoError(t, err)
	assert.Equal(t, DeliveryNew, st, "the aborted delivery's claim was dropped")
}

func TestWebhookHandlerMisconfigured(t *testing.T) {
	t.Parallel()
	for name, h := range map[string]http.Handler{
		"nil fn":               NewWebhookHandler(nil),
		"nil confirmation":     NewWebhookHandler(func(context.Context, Event) error { return nil }, WithConfirmation(nil)),
		"nil option tolerated": NewWebhookHandler(nil, nil),
		"both":                 NewWebhookHandler(nil, WithConfirmation(nil)),
	} {
		var log hookLog
		hh := h.(*webhookHandler)
		hh.cfg.onError = func(_ *http.Request, status int, err error) {
			log.entries = append(log.entries, hookEntry{status, err})
		}
		rec := deliver(t, h, docsEvent())
		assert.Equal(t, 500, rec.Code, name)
		assert.Equal(t, "webhook handler misconfigured\n", rec.Body.String(), name)
		assert.ErrorContains(t, log.last(t).err, "mangopay: NewWebhookHandler: ", name)
		assert.NotContains(t, log.last(t).err.Error(), "\n", name)
		assert.Equal(t, 405, serve(t, h, http.MethodPost, "/hooks").Code, "the method is still checked first")
	}
}

// ---- de-duplication ----

func TestWebhookDedupSequential(t *testing.T) {
	t.Parallel()
	rc := &recorder{}
	h := NewWebhookHandler(rc.fn, WithDeduplication(nil))
	ev := docsEvent()
	first := deliver(t, h, ev)
	assert.Equal(t, 200, first.Code)
	assert.Equal(t, "ok\n", first.Body.String())
	second := deliver(t, h, ev)
	assert.Equal(t, 200, second.Code)
	assert.Equal(t, "ok (already processed)\n", second.Body.String())
	assert.Equal(t, 1, rc.calls(), "a repeated delivery does not run fn")

	// The key is EventType + RessourceId + Date: change any and it is new.
	later := ev
	later.Date = ev.Date.Add(time.Second)
	other := ev
	other.Type = EventUserAccountClosed
	otherID := ev
	otherID.ResourceID = "user_m_other"
	for _, e := range []Event{later, other, otherID} {
		assert.Equal(t, 200, deliver(t, h, e).Code)
	}
	assert.Equal(t, 4, rc.calls())

	// ResourceId and RessourceId name the same notification.
	rec := serve(t, h, http.MethodGet, "/hooks?EventType=USER_ACCOUNT_ACTIVATED&ResourceId="+docsUserID+"&Date=1743627006")
	assert.Equal(t, "ok (already processed)\n", rec.Body.String())
	assert.Equal(t, 4, rc.calls())
}

func TestWebhookDedupFailedDeliveryIsRetried(t *testing.T) {
	t.Parallel()
	rc := &recorder{err: errors.New("temporary")}
	store := NewMemoryDeliveryStore(0)
	h := NewWebhookHandler(rc.fn, WithDeduplication(store))
	assert.Equal(t, 500, deliver(t, h, docsEvent()).Code)
	assert.Zero(t, store.Len(), "a failed delivery is not recorded")

	rc.mu.Lock()
	rc.err = nil
	rc.mu.Unlock()
	assert.Equal(t, 200, deliver(t, h, docsEvent()).Code)
	assert.Equal(t, 2, rc.calls(), "Mangopay's retry runs fn again")
	assert.Equal(t, 200, deliver(t, h, docsEvent()).Code)
	assert.Equal(t, 2, rc.calls(), "once it succeeded, it is not run again")
	assert.Equal(t, 1, store.Len())
}

func TestWebhookDedupConcurrentDuplicates(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	release := make(chan struct{})
	var calls atomic.Int32
	h := NewWebhookHandler(func(context.Context, Event) error {
		if calls.Add(1) == 1 {
			close(started)
		}
		<-release
		return nil
	}, WithDeduplication(nil), WithWebhookTimeout(time.Minute))

	first := make(chan *httptest.ResponseRecorder)
	go func() { first <- deliver(t, h, docsEvent()) }()
	<-started
	// While the first delivery is in fn, duplicates are refused with 409 so
	// that Mangopay retries them later; fn does not run again.
	for range 5 {
		rec := deliver(t, h, docsEvent())
		assert.Equal(t, http.StatusConflict, rec.Code)
		assert.Equal(t, "this notification is being processed\n", rec.Body.String())
	}
	close(release)
	assert.Equal(t, 200, (<-first).Code)
	assert.Equal(t, "ok (already processed)\n", deliver(t, h, docsEvent()).Body.String())
	assert.EqualValues(t, 1, calls.Load())
}

func TestWebhookDedupConcurrentStorm(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	h := NewWebhookHandler(func(context.Context, Event) error {
		calls.Add(1)
		return nil
	}, WithDeduplication(NewMemoryDeliveryStore(100)))

	const n = 32
	var wg sync.WaitGroup
	codes := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev := docsEvent()
			if i%2 == 1 {
				ev.ResourceID = "user_m_second"
			}
			codes[i] = deliver(t, h, ev).Code
		}()
	}
	wg.Wait()
	assert.EqualValues(t, 2, calls.Load(), "each notification ran fn exactly once")
	for _, c := range codes {
		assert.Contains(t, []int{200, 409}, c)
	}
}

func TestMemoryDeliveryStoreEvicts(t *testing.T) {
	t.Parallel()
	rc := &recorder{}
	store := NewMemoryDeliveryStore(2)
	h := NewWebhookHandler(rc.fn, WithDeduplication(store))
	ev := func(id string) Event { e := docsEvent(); e.ResourceID = id; return e }

	for _, id := range []string{"a", "b"} {
		require.Equal(t, 200, deliver(t, h, ev(id)).Code)
	}
	require.Equal(t, "ok (already processed)\n", deliver(t, h, ev("a")).Body.String(), "a is touched: b is now the oldest")
	require.Equal(t, 200, deliver(t, h, ev("c")).Code)
	assert.Equal(t, 2, store.Len(), "memory stays bounded")
	assert.Equal(t, 3, rc.calls())

	assert.Equal(t, "ok (already processed)\n", deliver(t, h, ev("a")).Body.String(), "a was kept")
	assert.Equal(t, "ok (already processed)\n", deliver(t, h, ev("c")).Body.String(), "c was kept")
	assert.Equal(t, "ok\n", deliver(t, h, ev("b")).Body.String(), "b was evicted and runs again")
	assert.Equal(t, 4, rc.calls())
	assert.Equal(t, 2, store.Len())
}

func TestMemoryDeliveryStoreZeroValue(t *testing.T) {
	t.Parallel()
	var s MemoryDeliveryStore
	ctx := context.Background()
	assert.Zero(t, s.Len())
	st, err := s.Begin(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, DeliveryNew, st)
	st, _ = s.Begin(ctx, "k")
	assert.Equal(t, DeliveryInProgress, st)
	require.NoError(t, s.Finish(ctx, "k", false))
	st, _ = s.Begin(ctx, "k")
	assert.Equal(t, DeliveryNew, st, "a dropped claim can be taken again")
	require.NoError(t, s.Finish(ctx, "k", true))
	st, _ = s.Begin(ctx, "k")
	assert.Equal(t, DeliveryProcessed, st)
	require.NoError(t, s.Finish(ctx, "k", true), "finishing twice is harmless")
	assert.Equal(t, 1, s.Len())
	assert.Equal(t, DefaultDeliveryCapacity, s.capacity)
	for i := range DefaultDeliveryCapacity + 5 {
		require.NoError(t, s.Finish(ctx, fmt.Sprint(i), true))
	}
	assert.Equal(t, DefaultDeliveryCapacity, s.Len())
	assert.Equal(t, "new", DeliveryNew.String())
	assert.Equal(t, "in progress", DeliveryInProgress.String())
	assert.Equal(t, "processed", DeliveryProcessed.String())
	assert.Equal(t, "DeliveryStatus(7)", DeliveryStatus(7).String())
}

// fakeStore is a DeliveryStore that records calls and can fail.
type fakeStore struct {
	mu        sync.Mutex
	status    DeliveryStatus
	beginErr  error
	finishErr error
	begun     []string
	finished  []string // "key=true|false"
}

func (s *fakeStore) Begin(_ context.Context, key string) (DeliveryStatus, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.begun = append(s.begun, key)
	return s.status, s.beginErr
}

func (s *fakeStore) Finish(ctx context.Context, key string, processed bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	s.finished = append(s.finished, fmt.Sprintf("%s=%t", key, processed))
	return s.finishErr
}

func TestWebhookCustomStore(t *testing.T) {
	t.Parallel()
	key := docsEvent().DeliveryKey()

	t.Run("success recorded", func(t *testing.T) {
		t.Parallel()
		s := &fakeStore{}
		h := NewWebhookHandler((&recorder{}).fn, WithDeduplication(s))
		assert.Equal(t, 200, deliver(t, h, docsEvent()).Code)
		assert.Equal(t, []string{key}, s.begun)
		assert.Equal(t, []string{key + "=true"}, s.finished)
	})
	t.Run("failure released", func(t *testing.T) {
		t.Parallel()
		s := &fakeStore{}
		h := NewWebhookHandler((&recorder{err: errors.New("no")}).fn, WithDeduplication(s))
		assert.Equal(t, 500, deliver(t, h, docsEvent()).Code)
		assert.Equal(t, []string{key + "=false"}, s.finished)
	})
	t.Run("released even when the request is cancelled", func(t *testing.T) {
		t.Parallel()
		s := &fakeStore{}
		h := NewWebhookHandler(func(ctx context.Context, _ Event) error { return ctx.Err() }, WithDeduplication(s))
		r, err := NewTestEventRequest("/hooks", docsEvent())
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r.WithContext(ctx))
		assert.Equal(t, 500, rec.Code)
		assert.Equal(t, []string{key + "=false"}, s.finished)
	})
	t.Run("already processed elsewhere", func(t *testing.T) {
		t.Parallel()
		s := &fakeStore{status: DeliveryProcessed}
		rc := &recorder{}
		h := NewWebhookHandler(rc.fn, WithDeduplication(s))
		assert.Equal(t, 200, deliver(t, h, docsEvent()).Code)
		assert.Zero(t, rc.calls())
		assert.Empty(t, s.finished, "nothing was claimed, nothing to finish")
	})
	t.Run("in progress elsewhere", func(t *testing.T) {
		t.Parallel()
		s := &fakeStore{status: DeliveryInProgress}
		rc := &recorder{}
		h := NewWebhookHandler(rc.fn, WithDeduplication(s))
		assert.Equal(t, 409, deliver(t, h, docsEvent()).Code)
		assert.Zero(t, rc.calls())
		assert.Empty(t, s.finished)
	})
	t.Run("store down", func(t *testing.T) {
		t.Parallel()
		s := &fakeStore{beginErr: errors.New("redis: connection refused")}
		rc := &recorder{}
		var log hookLog
		h := NewWebhookHandler(rc.fn, WithDeduplication(s), log.option())
		rec := deliver(t, h, docsEvent())
		assert.Equal(t, 500, rec.Code)
		assert.Equal(t, "delivery store failed\n", rec.Body.String())
		assert.Zero(t, rc.calls())
		assert.ErrorContains(t, log.last(t).err, "redis: connection refused")
	})
	t.Run("unknown status", func(t *testing.T) {
		t.Parallel()
		s := &fakeStore{status: DeliveryStatus(42)}
		rc := &recorder{}
		assert.Equal(t, 500, deliver(t, NewWebhookHandler(rc.fn, WithDeduplication(s)), docsEvent()).Code)
		assert.Zero(t, rc.calls())
	})
	t.Run("recording fails after success", func(t *testing.T) {
		t.Parallel()
		s := &fakeStore{finishErr: errors.New("write failed")}
		var log hookLog
		h := NewWebhookHandler((&recorder{}).fn, WithDeduplication(s), log.option())
		assert.Equal(t, 200, deliver(t, h, docsEvent()).Code, "fn succeeded: Mangopay gets its 200")
		entry := log.last(t)
		assert.Equal(t, 200, entry.status)
		assert.ErrorContains(t, entry.err, "recording delivery: write failed")
	})
	t.Run("releasing fails", func(t *testing.T) {
		t.Parallel()
		s := &fakeStore{finishErr: errors.New("write failed")}
		var log hookLog
		h := NewWebhookHandler((&recorder{err: errors.New("no")}).fn, WithDeduplication(s), log.option())
		assert.Equal(t, 500, deliver(t, h, docsEvent()).Code)
		entry := log.last(t)
		assert.Equal(t, 0, entry.status)
		assert.ErrorContains(t, entry.err, "releasing delivery claim: write failed")
	})
}

// ---- confirmation (fetcher-level; see webhook_confirm_test.go for HTTP) ----

func TestWebhookConfirmationLogic(t *testing.T) {
	t.Parallel()
	type fetchCall struct {
		kind ResourceKind
		id   string
	}
	notFound := &APIError{StatusCode: 404, Type: ErrorTypeNotFound, Message: "The ressource does not exist"}
	tests := []struct {
		name      string
		target    string
		res       any
		err       error
		status    int
		fnCalled  bool
		wantFetch *fetchCall
	}{
		{"user found", "/hooks?" + docsQuery, "the user", nil, 200, true, &fetchCall{ResourceKindUser, docsUserID}},
		{"transfer found", "/hooks?EventType=TRANSFER_NORMAL_SUCCEEDED&RessourceId=xfer_m_1&Date=1743627006", "the transfer", nil, 200, true, &fetchCall{ResourceKindTransfer, "xfer_m_1"}},
		{"recipient found", "/hooks?EventType=RECIPIENT_CANCELED&RessourceId=rec_1&Date=1743627006", "the recipient", nil, 200, true, &fetchCall{ResourceKindRecipient, "rec_1"}},
		{"404", "/hooks?" + docsQuery, nil, notFound, 400, false, &fetchCall{ResourceKindUser, docsUserID}},
		{"404 wrapped", "/hooks?" + docsQuery, nil, fmt.Errorf("fetch: %w", ErrNotFound), 400, false, &fetchCall{ResourceKindUser, docsUserID}},
		{"400 param_error", "/hooks?" + docsQuery, nil, &APIError{StatusCode: 400, Type: ErrorTypeParam}, 400, false, &fetchCall{ResourceKindUser, docsUserID}},
		{"400 of another type", "/hooks?" + docsQuery, nil, &APIError{StatusCode: 400, Type: ErrorTypeUserClosed}, 500, false, &fetchCall{ResourceKindUser, docsUserID}},
		{"403", "/hooks?" + docsQuery, nil, &APIError{StatusCode: 403, Type: ErrorTypeForbidden}, 500, false, &fetchCall{ResourceKindUser, docsUserID}},
		{"5xx", "/hooks?" + docsQuery, nil, &APIError{StatusCode: 503}, 500, false, &fetchCall{ResourceKindUser, docsUserID}},
		{"deadline", "/hooks?" + docsQuery, nil, context.DeadlineExceeded, 500, false, &fetchCall{ResourceKindUser, docsUserID}},
		{"unknown type", "/hooks?EventType=MANDATE_CREATED&RessourceId=1&Date=1743627006", "x", nil, 400, false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var calls []fetchCall
			rc := &recorder{}
			var log hookLog
			h := NewWebhookHandler(rc.fn, log.option(), withFetcher(func(_ context.Context, kind ResourceKind, id string) (any, error) {
				calls = append(calls, fetchCall{kind, id})
				return tc.res, tc.err
			}))
			rec := serve(t, h, http.MethodGet, tc.target)
			assert.Equal(t, tc.status, rec.Code, rec.Body.String())
			if tc.wantFetch != nil {
				assert.Equal(t, []fetchCall{*tc.wantFetch}, calls)
			} else {
				assert.Empty(t, calls)
			}
			if !tc.fnCalled {
				assert.Zero(t, rc.calls(), "fn must not run")
				entry := log.last(t)
				assert.Equal(t, tc.status, entry.status)
				if tc.err != nil {
					assert.ErrorIs(t, entry.err, tc.err)
				}
				return
			}
			require.Equal(t, 1, rc.calls())
			assert.Equal(t, tc.res, rc.events[0].Resource, "the fetched resource is attached")
		})
	}
}

func TestWebhookConfirmationWithDedup(t *testing.T) {
	t.Parallel()
	exists := false
	var fetches int
	rc := &recorder{}
	store := NewMemoryDeliveryStore(10)
	h := NewWebhookHandler(rc.fn, WithDeduplication(store), withFetcher(func(context.Context, ResourceKind, string) (any, error) {
		fetches++
		if !exists {
			return nil, ErrNotFound
		}
		return "user", nil
	}))
	assert.Equal(t, 400, deliver(t, h, docsEvent()).Code)
	assert.Zero(t, store.Len(), "a refused notification is not recorded")
	exists = true
	assert.Equal(t, 200, deliver(t, h, docsEvent()).Code)
	assert.Equal(t, 200, deliver(t, h, docsEvent()).Code)
	assert.Equal(t, 2, fetches, "a duplicate is answered before any fetch")
	assert.Equal(t, 1, rc.calls())
}
