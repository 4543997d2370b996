package mangopay

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fetcherFunc is a ResourceFetcher made of a function: a fake of *Client.
type fetcherFunc func(ctx context.Context, kind ResourceKind, id string) (any, error)

func (f fetcherFunc) FetchResource(ctx context.Context, kind ResourceKind, id string) (any, error) {
	return f(ctx, kind, id)
}

// withFetcher confirms through f.
func withFetcher(f fetcherFunc) WebhookOption { return WithConfirmation(f) }

// mustHandler is NewWebhookHandler for options that are right.
func mustHandler(t testing.TB, fn func(context.Context, Event) error, opts ...WebhookOption) *WebhookHandler {
	t.Helper()
	h, err := NewWebhookHandler(fn, opts...)
	require.NoError(t, err)
	return h
}

// keyOf is the DeliveryKey of ev without confirmation.
func keyOf(ev Event) DeliveryKey {
	return DeliveryKey{Type: ev.Type, ResourceID: ev.ResourceID, Date: time.Unix(ev.Date.Unix(), 0).UTC()}
}

// eventTarget is target with ev's notification parameters, as Mangopay
// sends them (mangopaytest.EventURL, which this package cannot import).
func eventTarget(target string, ev Event) string {
	return target + "?EventType=" + url.QueryEscape(string(ev.Type)) + "&RessourceId=" + url.QueryEscape(ev.ResourceID) +
		"&Date=" + strconv.FormatInt(ev.Date.Unix(), 10)
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
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, eventTarget("/hooks", ev), nil))
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
			h := mustHandler(t, rc.fn, log.option())
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
	h := mustHandler(t, func(ctx context.Context, ev Event) error {
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

	h = mustHandler(t, func(ctx context.Context, ev Event) error {
		deadline, hasDeadline = ctx.Deadline()
		return nil
	}, WithWebhookTimeout(300*time.Millisecond))
	start = time.Now()
	require.Equal(t, 200, deliver(t, h, docsEvent()).Code)
	require.True(t, hasDeadline)
	assert.True(t, deadline.Before(start.Add(DefaultWebhookTimeout)), "WithWebhookTimeout shortens it")
}

func TestWebhookHandlerNeverEchoesInput(t *testing.T) {
	t.Parallel()
	rc := &recorder{}
	h := mustHandler(t, rc.fn)
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
	mustHandler(t, rc.fn).ServeHTTP(rec, &http.Request{Method: http.MethodGet})
	assert.Equal(t, 400, rec.Code)
	assert.Zero(t, rc.calls())
}

func TestWebhookHandlerPanic(t *testing.T) {
	t.Parallel()
	var log hookLog
	store := NewMemoryDeliveryStore(10)
	panics := true
	h := mustHandler(t, func(context.Context, Event) error {
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

	abort := mustHandler(t, func(context.Context, Event) error { panic(http.ErrAbortHandler) }, WithDeduplication(store))
	assert.PanicsWithValue(t, http.ErrAbortHandler, func() {
		deliver(t, abort, Event{Type: EventUserAccountClosed, ResourceID: "u9", Date: time.Unix(docsDate, 0)})
	}, "http.ErrAbortHandler still aborts")
	st, err := store.Begin(context.Background(), keyOf(Event{Type: EventUserAccountClosed, ResourceID: "u9", Date: time.Unix(docsDate, 0)}))
	require.NoError(t, err)
	assert.Equal(t, DeliveryNew, st, "the aborted delivery's claim was dropped")
}

func TestNewWebhookHandlerRefusesMistakes(t *testing.T) {
	t.Parallel()
	fn := func(context.Context, Event) error { return nil }
	var nilClient *Client
	var nilStore *MemoryDeliveryStore
	for _, tc := range []struct {
		name string
		fn   func(context.Context, Event) error
		opts []WebhookOption
		want []FieldProblem
	}{
		{"nil fn", nil, nil, []FieldProblem{{"fn", "is nil: give the function that handles each event"}}},
		{"nil option", fn, []WebhookOption{nil}, []FieldProblem{{"opts[0]", "is a nil WebhookOption"}}},
		{"nil confirmation", fn, []WebhookOption{WithConfirmation(nil)}, []FieldProblem{{"WithConfirmation", "got a nil ResourceFetcher (give the *Client)"}}},
		{"nil *Client", fn, []WebhookOption{WithConfirmation(nilClient)}, []FieldProblem{{"WithConfirmation", "got a nil ResourceFetcher (give the *Client)"}}},
		{"nil store", fn, []WebhookOption{WithDeduplication(nil)}, []FieldProblem{{"WithDeduplication", "got a nil DeliveryStore (use NewMemoryDeliveryStore(0) for the in-memory one)"}}},
		{"nil *MemoryDeliveryStore", fn, []WebhookOption{WithDeduplication(nilStore)}, []FieldProblem{{"WithDeduplication", "got a nil DeliveryStore (use NewMemoryDeliveryStore(0) for the in-memory one)"}}},
		{"zero timeout", fn, []WebhookOption{WithWebhookTimeout(0)}, []FieldProblem{{"WithWebhookTimeout", "must be positive, got 0s"}}},
		{"negative timeout", fn, []WebhookOption{WithWebhookTimeout(-time.Second)}, []FieldProblem{{"WithWebhookTimeout", "must be positive, got -1s"}}},
		{"all at once", nil, []WebhookOption{WithConfirmation(nil), nil, WithWebhookTimeout(-1)}, []FieldProblem{
			{"fn", "is nil: give the function that handles each event"},
			{"WithConfirmation", "got a nil ResourceFetcher (give the *Client)"},
			{"opts[1]", "is a nil WebhookOption"},
			{"WithWebhookTimeout", "must be positive, got -1ns"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, err := NewWebhookHandler(tc.fn, tc.opts...)
			assert.Nil(t, h, "no handler to serve with")
			require.ErrorIs(t, err, ErrInvalidRequest)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, "NewWebhookHandler", ve.Op)
			assert.Equal(t, tc.want, ve.Problems)
			assert.NotContains(t, err.Error(), "\n")
		})
	}
	h, err := NewWebhookHandler(fn, WithWebhookErrorHook(nil))
	require.NoError(t, err, "a nil error hook means none")
	assert.Equal(t, 200, deliver(t, h, docsEvent()).Code)
}

// ---- de-duplication ----

func TestWebhookDedupSequential(t *testing.T) {
	t.Parallel()
	rc := &recorder{}
	h := mustHandler(t, rc.fn, WithDeduplication(NewMemoryDeliveryStore(0)))
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
	h := mustHandler(t, rc.fn, WithDeduplication(store))
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
	h := mustHandler(t, func(context.Context, Event) error {
		if calls.Add(1) == 1 {
			close(started)
		}
		<-release
		return nil
	}, WithDeduplication(NewMemoryDeliveryStore(0)), WithWebhookTimeout(time.Minute))

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
	h := mustHandler(t, func(context.Context, Event) error {
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
	h := mustHandler(t, rc.fn, WithDeduplication(store))
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
	k := DeliveryKey{Type: EventUserAccountActivated, ResourceID: "u1", Date: time.Unix(docsDate, 0)}
	assert.Zero(t, s.Len())
	st, err := s.Begin(ctx, k)
	require.NoError(t, err)
	assert.Equal(t, DeliveryNew, st)
	st, _ = s.Begin(ctx, k)
	assert.Equal(t, DeliveryInProgress, st)
	require.NoError(t, s.Finish(ctx, k, false))
	st, _ = s.Begin(ctx, k)
	assert.Equal(t, DeliveryNew, st, "a dropped claim can be taken again")
	require.NoError(t, s.Finish(ctx, k, true))
	st, _ = s.Begin(ctx, k)
	assert.Equal(t, DeliveryProcessed, st)
	require.NoError(t, s.Finish(ctx, k, true), "finishing twice is harmless")
	assert.Equal(t, 1, s.Len())
	assert.Equal(t, DefaultDeliveryCapacity, s.capacity)
	for i := range DefaultDeliveryCapacity + 5 {
		require.NoError(t, s.Finish(ctx, DeliveryKey{Type: EventUserAccountActivated, ResourceID: fmt.Sprint(i), Date: k.Date}, true))
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

func (s *fakeStore) Begin(_ context.Context, key DeliveryKey) (DeliveryStatus, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.begun = append(s.begun, key.String())
	return s.status, s.beginErr
}

func (s *fakeStore) Finish(ctx context.Context, key DeliveryKey, processed bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	s.finished = append(s.finished, fmt.Sprintf("%s=%t", key.String(), processed))
	return s.finishErr
}

func TestWebhookCustomStore(t *testing.T) {
	t.Parallel()
	key := keyOf(docsEvent()).String()

	t.Run("success recorded", func(t *testing.T) {
		t.Parallel()
		s := &fakeStore{}
		h := mustHandler(t, (&recorder{}).fn, WithDeduplication(s))
		assert.Equal(t, 200, deliver(t, h, docsEvent()).Code)
		assert.Equal(t, []string{key}, s.begun)
		assert.Equal(t, []string{key + "=true"}, s.finished)
	})
	t.Run("failure released", func(t *testing.T) {
		t.Parallel()
		s := &fakeStore{}
		h := mustHandler(t, (&recorder{err: errors.New("no")}).fn, WithDeduplication(s))
		assert.Equal(t, 500, deliver(t, h, docsEvent()).Code)
		assert.Equal(t, []string{key + "=false"}, s.finished)
	})
	t.Run("released even when the request is cancelled", func(t *testing.T) {
		t.Parallel()
		s := &fakeStore{}
		h := mustHandler(t, func(ctx context.Context, _ Event) error { return ctx.Err() }, WithDeduplication(s))
		r := httptest.NewRequest(http.MethodGet, eventTarget("/hooks", docsEvent()), nil)
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
		h := mustHandler(t, rc.fn, WithDeduplication(s))
		assert.Equal(t, 200, deliver(t, h, docsEvent()).Code)
		assert.Zero(t, rc.calls())
		assert.Empty(t, s.finished, "nothing was claimed, nothing to finish")
	})
	t.Run("in progress elsewhere", func(t *testing.T) {
		t.Parallel()
		s := &fakeStore{status: DeliveryInProgress}
		rc := &recorder{}
		h := mustHandler(t, rc.fn, WithDeduplication(s))
		assert.Equal(t, 409, deliver(t, h, docsEvent()).Code)
		assert.Zero(t, rc.calls())
		assert.Empty(t, s.finished)
	})
	t.Run("store down", func(t *testing.T) {
		t.Parallel()
		s := &fakeStore{beginErr: errors.New("redis: connection refused")}
		rc := &recorder{}
		var log hookLog
		h := mustHandler(t, rc.fn, WithDeduplication(s), log.option())
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
		assert.Equal(t, 500, deliver(t, mustHandler(t, rc.fn, WithDeduplication(s)), docsEvent()).Code)
		assert.Zero(t, rc.calls())
	})
	t.Run("recording fails after success", func(t *testing.T) {
		t.Parallel()
		s := &fakeStore{finishErr: errors.New("write failed")}
		var log hookLog
		h := mustHandler(t, (&recorder{}).fn, WithDeduplication(s), log.option())
		assert.Equal(t, 200, deliver(t, h, docsEvent()).Code, "fn succeeded: Mangopay gets its 200")
		entry := log.last(t)
		assert.Equal(t, 200, entry.status)
		assert.ErrorContains(t, entry.err, "recording delivery: write failed")
	})
	t.Run("releasing fails", func(t *testing.T) {
		t.Parallel()
		s := &fakeStore{finishErr: errors.New("write failed")}
		var log hookLog
		h := mustHandler(t, (&recorder{err: errors.New("no")}).fn, WithDeduplication(s), log.option())
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
	activeUser := &User{ID: docsUserID, UserStatus: UserStatusActive}
	tests := []struct {
		name      string
		target    string
		res       any
		err       error
		status    int
		fnCalled  bool
		wantFetch *fetchCall
	}{
		{"user found", "/hooks?" + docsQuery, activeUser, nil, 200, true, &fetchCall{ResourceKindUser, docsUserID}},
		{"transfer found", "/hooks?EventType=TRANSFER_NORMAL_SUCCEEDED&RessourceId=xfer_m_1&Date=1743627006", &Transfer{ID: "xfer_m_1", Status: TransferStatusSucceeded}, nil, 200, true, &fetchCall{ResourceKindTransfer, "xfer_m_1"}},
		{"recipient found", "/hooks?EventType=RECIPIENT_CANCELED&RessourceId=rec_1&Date=1743627006", &Recipient{ID: "rec_1", Status: RecipientStatusCanceled}, nil, 200, true, &fetchCall{ResourceKindRecipient, "rec_1"}},
		{"category claimed", "/hooks?EventType=USER_CATEGORY_UPDATED_TO_OWNER&RessourceId=u1&Date=1743627006", &User{ID: "u1", UserCategory: UserCategoryOwner, UserStatus: UserStatusPendingUserAction}, nil, 200, true, &fetchCall{ResourceKindUser, "u1"}},
		{"no claim: any state", "/hooks?EventType=TRANSFER_NORMAL_CREATED&RessourceId=xfer_m_1&Date=1743627006", &Transfer{ID: "xfer_m_1", Status: TransferStatusSucceeded}, nil, 200, true, &fetchCall{ResourceKindTransfer, "xfer_m_1"}},
		{"transfer not in the claimed state", "/hooks?EventType=TRANSFER_NORMAL_SUCCEEDED&RessourceId=xfer_m_1&Date=1743627006", &Transfer{ID: "xfer_m_1", Status: TransferStatusCreated}, nil, 409, false, &fetchCall{ResourceKindTransfer, "xfer_m_1"}},
		{"failed claimed, succeeded seen", "/hooks?EventType=TRANSFER_NORMAL_FAILED&RessourceId=xfer_m_1&Date=1743627006", &Transfer{ID: "xfer_m_1", Status: TransferStatusSucceeded}, nil, 409, false, &fetchCall{ResourceKindTransfer, "xfer_m_1"}},
		{"user not active", "/hooks?" + docsQuery, &User{ID: docsUserID, UserStatus: UserStatusPendingUserAction}, nil, 409, false, &fetchCall{ResourceKindUser, docsUserID}},
		{"category not claimed one", "/hooks?EventType=USER_CATEGORY_UPDATED_TO_OWNER&RessourceId=u1&Date=1743627006", &User{ID: "u1", UserCategory: UserCategoryPayer}, nil, 409, false, &fetchCall{ResourceKindUser, "u1"}},
		{"pay-in claimed", "/hooks?EventType=PAYIN_NORMAL_SUCCEEDED&RessourceId=wt_1&Date=1743627006", &PayIn{ID: "wt_1", Status: PayInStatusSucceeded}, nil, 200, true, &fetchCall{ResourceKindPayIn, "wt_1"}},
		{"pay-in not in the claimed state", "/hooks?EventType=PAYIN_NORMAL_SUCCEEDED&RessourceId=wt_1&Date=1743627006", &PayIn{ID: "wt_1", Status: PayInStatusCreated}, nil, 409, false, &fetchCall{ResourceKindPayIn, "wt_1"}},
		{"payout not in the claimed state", "/hooks?EventType=PAYOUT_NORMAL_FAILED&RessourceId=po_1&Date=1743627006", &Payout{ID: "po_1", Status: PayoutStatusSucceeded}, nil, 409, false, &fetchCall{ResourceKindPayout, "po_1"}},
		{"refund claimed", "/hooks?EventType=TRANSFER_REFUND_SUCCEEDED&RessourceId=rf_1&Date=1743627006", &Refund{ID: "rf_1", Status: RefundStatusSucceeded, InitialTransactionType: TransactionTypeTransfer}, nil, 200, true, &fetchCall{ResourceKindRefund, "rf_1"}},
		// A refund's Status does not say what it refunds: a TRANSFER_REFUND_*
		// naming a pay-in's refund (or the reverse) is not confirmed.
		{"transfer refund event, pay-in refund", "/hooks?EventType=TRANSFER_REFUND_SUCCEEDED&RessourceId=rf_1&Date=1743627006", &Refund{ID: "rf_1", Status: RefundStatusSucceeded, InitialTransactionType: TransactionTypePayin}, nil, 409, false, &fetchCall{ResourceKindRefund, "rf_1"}},
		{"transfer refund event, no initial type", "/hooks?EventType=TRANSFER_REFUND_FAILED&RessourceId=rf_1&Date=1743627006", &Refund{ID: "rf_1", Status: RefundStatusFailed}, nil, 409, false, &fetchCall{ResourceKindRefund, "rf_1"}},
		{"pay-in refund claimed", "/hooks?EventType=PAYIN_REFUND_SUCCEEDED&RessourceId=rf_2&Date=1743627006", &Refund{ID: "rf_2", Status: RefundStatusSucceeded, InitialTransactionType: TransactionTypePayin}, nil, 200, true, &fetchCall{ResourceKindRefund, "rf_2"}},
		{"pay-in refund event, transfer refund", "/hooks?EventType=PAYIN_REFUND_FAILED&RessourceId=rf_2&Date=1743627006", &Refund{ID: "rf_2", Status: RefundStatusFailed, InitialTransactionType: TransactionTypeTransfer}, nil, 409, false, &fetchCall{ResourceKindRefund, "rf_2"}},
		{"payout refund claimed", "/hooks?EventType=PAYOUT_REFUND_SUCCEEDED&RessourceId=rf_3&Date=1743627006", &Refund{ID: "rf_3", Status: RefundStatusSucceeded, InitialTransactionType: TransactionTypePayout}, nil, 200, true, &fetchCall{ResourceKindRefund, "rf_3"}},
		{"payout refund event, pay-in refund", "/hooks?EventType=PAYOUT_REFUND_SUCCEEDED&RessourceId=rf_3&Date=1743627006", &Refund{ID: "rf_3", Status: RefundStatusSucceeded, InitialTransactionType: TransactionTypePayin}, nil, 409, false, &fetchCall{ResourceKindRefund, "rf_3"}},
		{"fetcher returns a resource of another type", "/hooks?" + docsQuery, &Transfer{Status: "ACTIVE"}, nil, 500, false, &fetchCall{ResourceKindUser, docsUserID}},
		{"fetcher returns nothing", "/hooks?" + docsQuery, nil, nil, 500, false, &fetchCall{ResourceKindUser, docsUserID}},
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
			h := mustHandler(t, rc.fn, log.option(), withFetcher(func(_ context.Context, kind ResourceKind, id string) (any, error) {
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
	var mu sync.Mutex
	var res any = nil
	var fetches int
	set := func(v any) { mu.Lock(); res = v; mu.Unlock() }
	rc := &recorder{}
	store := NewMemoryDeliveryStore(10)
	h := mustHandler(t, rc.fn, WithDeduplication(store), withFetcher(func(context.Context, ResourceKind, string) (any, error) {
		mu.Lock()
		defer mu.Unlock()
		fetches++
		if res == nil {
			return nil, ErrNotFound
		}
		return res, nil
	}))
	assert.Equal(t, 400, deliver(t, h, docsEvent()).Code)
	assert.Zero(t, store.Len(), "a refused notification is not recorded")
	set(&User{ID: docsUserID, UserStatus: UserStatusPendingUserAction})
	assert.Equal(t, 409, deliver(t, h, docsEvent()).Code)
	assert.Zero(t, store.Len(), "a notification whose claim is not confirmed is not recorded")
	set(&User{ID: docsUserID, UserStatus: UserStatusActive})
	assert.Equal(t, "ok\n", deliver(t, h, docsEvent()).Body.String())
	assert.Equal(t, "ok (already processed)\n", deliver(t, h, docsEvent()).Body.String())
	assert.Equal(t, 4, fetches, "every delivery is confirmed before the store is asked")
	assert.Equal(t, 1, rc.calls())
	assert.Equal(t, 1, store.Len())

	// An event type that claims no state is confirmed (the resource exists)
	// and processed, but never recorded: each delivery runs fn.
	asked := docsEvent()
	asked.Type = EventUserAccountValidationAsked
	for range 2 {
		assert.Equal(t, "ok\n", deliver(t, h, asked).Body.String())
	}
	assert.Equal(t, 3, rc.calls())
	assert.Equal(t, 1, store.Len())

	// A delivery dated after the local clock is processed, not recorded.
	future := docsEvent()
	future.Date = time.Now().Add(2 * time.Minute).Truncate(time.Second)
	for range 2 {
		assert.Equal(t, "ok\n", deliver(t, h, future).Body.String())
	}
	assert.Equal(t, 5, rc.calls())
	assert.Equal(t, 1, store.Len())
}

// Issue 15, probe 4: with WithDeduplication and WithConfirmation, forged
// TRANSFER_NORMAL_SUCCEEDED notifications for a transfer still CREATED
// (waiting for SCA), with Dates the attacker picks, were each "confirmed"
// (the transfer exists) and stored; the genuine notification after SCA was
// then answered "already processed" and never reached fn.
func TestWebhookForgedDeliveriesCannotPoisonDedup(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	const id = "xfer_m_01JRSHQFG2337DBQ4NS8XPYCK7"
	created := string(fixture(t, "webhooks/transfer-created-sca-pending.json"))
	require.Contains(t, created, `"Status": "CREATED"`)
	var mu sync.Mutex
	body := created
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/transfers/"+id, func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		defer mu.Unlock()
		return jsonResponder(200, body)(r)
	})
	var succeeded atomic.Int32
	store := NewMemoryDeliveryStore(100)
	var log hookLog
	h := mustHandler(t, func(_ context.Context, ev Event) error {
		if tr, ok := ev.Resource.(*Transfer); ok && tr.Status == TransferStatusSucceeded {
			succeeded.Add(1)
		}
		return nil
	}, WithConfirmation(env.c), WithDeduplication(store), log.option())

	// The attacker expects the SCA to complete within two minutes from now.
	base := time.Now().Add(-time.Minute).Truncate(time.Second)
	for i := range 120 {
		rec := deliver(t, h, Event{Type: EventTransferNormalSucceeded, ResourceID: id, Date: base.Add(time.Duration(i) * time.Second)})
		require.Equal(t, http.StatusConflict, rec.Code, "forged delivery %d: %s", i, rec.Body.String())
		assert.Equal(t, "notification not confirmed: the resource is not in the state the event claims\n", rec.Body.String())
	}
	assert.Zero(t, store.Len(), "nothing forged was recorded")
	entry := log.last(t)
	assert.Equal(t, http.StatusConflict, entry.status)
	var ce *ConfirmationError
	require.ErrorAs(t, entry.err, &ce)
	assert.Equal(t, "SUCCEEDED", ce.Claimed)
	assert.Equal(t, "CREATED", ce.Observed)
	assert.ErrorIs(t, entry.err, ErrEventNotConfirmed)

	// The user completes SCA; Mangopay notifies with a Date the attacker used.
	mu.Lock()
	body = strings.Replace(created, `"Status": "CREATED"`, `"Status": "SUCCEEDED"`, 1)
	mu.Unlock()
	genuine := Event{Type: EventTransferNormalSucceeded, ResourceID: id, Date: base.Add(60 * time.Second)}
	rec := deliver(t, h, genuine)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Equal(t, "ok\n", rec.Body.String(), "the genuine notification reaches fn")
	assert.EqualValues(t, 1, succeeded.Load())
	assert.Equal(t, "ok (already processed)\n", deliver(t, h, genuine).Body.String(), "Mangopay's repeat is skipped")
	assert.EqualValues(t, 1, succeeded.Load())
	assert.Equal(t, 1, store.Len())
}

// Forged deliveries that do confirm (a user already ACTIVE) cannot fill the
// store: a resource keeps at most DeliveriesPerResource keys, so the other
// resources' records stay.
func TestMemoryDeliveryStoreBoundsEachResource(t *testing.T) {
	t.Parallel()
	store := NewMemoryDeliveryStore(100)
	ctx := context.Background()
	date := time.Unix(docsDate, 0).UTC()
	victim := DeliveryKey{Type: EventTransferNormalSucceeded, ResourceID: "xfer_victim", State: "SUCCEEDED", Date: date}
	require.NoError(t, store.Finish(ctx, victim, true))
	for i := range 500 {
		k := DeliveryKey{Type: EventUserAccountActivated, ResourceID: "user_attacker", State: "ACTIVE", Date: date.Add(time.Duration(i) * time.Second)}
		st, err := store.Begin(ctx, k)
		require.NoError(t, err)
		require.Equal(t, DeliveryNew, st)
		require.NoError(t, store.Finish(ctx, k, true))
	}
	assert.Equal(t, 1+DeliveriesPerResource, store.Len())
	st, err := store.Begin(ctx, victim)
	require.NoError(t, err)
	assert.Equal(t, DeliveryProcessed, st, "the other resource's record survived")
	for i := 500 - DeliveriesPerResource; i < 500; i++ {
		st, err := store.Begin(ctx, DeliveryKey{Type: EventUserAccountActivated, ResourceID: "user_attacker", State: "ACTIVE", Date: date.Add(time.Duration(i) * time.Second)})
		require.NoError(t, err)
		assert.Equal(t, DeliveryProcessed, st, "the resource's most recent keys are kept")
	}
	st, err = store.Begin(ctx, DeliveryKey{Type: EventUserAccountActivated, ResourceID: "user_attacker", State: "ACTIVE", Date: date})
	require.NoError(t, err)
	assert.Equal(t, DeliveryNew, st, "its oldest were forgotten")
}

func TestWebhookHandlerProcess(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var state atomic.Value
	state.Store(TransferStatusCreated)
	fetch := withFetcher(func(_ context.Context, kind ResourceKind, id string) (any, error) {
		if kind != ResourceKindTransfer || id != "xfer_1" {
			return nil, ErrNotFound
		}
		return &Transfer{ID: id, Status: state.Load().(TransferStatus)}, nil
	})
	var calls atomic.Int32
	fnErr := atomic.Value{}
	fnErr.Store(errNone)
	store := NewMemoryDeliveryStore(0)
	var deadline time.Time
	h := mustHandler(t, func(ctx context.Context, ev Event) error {
		calls.Add(1)
		deadline, _ = ctx.Deadline()
		if e := fnErr.Load().(error); e != errNone {
			return e
		}
		return nil
	}, fetch, WithDeduplication(store), WithWebhookTimeout(time.Minute))
	ev := Event{Type: EventTransferNormalSucceeded, ResourceID: "xfer_1", Date: time.Unix(docsDate, 0)}

	err := h.Process(ctx, ev)
	var ce *ConfirmationError
	require.ErrorAs(t, err, &ce)
	assert.ErrorIs(t, err, ErrEventNotConfirmed)
	assert.Equal(t, "CREATED", ce.Observed)
	assert.EqualError(t, err, "mangopay: webhook notification not confirmed: TRANSFER_NORMAL_SUCCEEDED xfer_1: the resource is CREATED, not SUCCEEDED")
	assert.Zero(t, calls.Load())

	state.Store(TransferStatusSucceeded)
	boom := errors.New("db down")
	fnErr.Store(boom)
	start := time.Now()
	err = h.Process(ctx, ev)
	assert.ErrorIs(t, err, boom, "fn's error is returned")
	assert.WithinDuration(t, start.Add(time.Minute), deadline, 10*time.Second, "fn runs under the handler's deadline")
	assert.Zero(t, store.Len())

	fnErr.Store(errNone)
	require.NoError(t, h.Process(ctx, ev))
	require.NoError(t, h.Process(ctx, ev), "already processed is nil too")
	assert.EqualValues(t, 2, calls.Load(), "the repeat did not run fn")

	other := ev
	other.ResourceID = "xfer_gone"
	err = h.Process(ctx, other)
	require.ErrorAs(t, err, &ce)
	assert.ErrorIs(t, err, ErrNotFound)
	assert.Empty(t, ce.Observed)

	err = h.Process(ctx, Event{Type: EventTransferNormalSucceeded, ResourceID: "../x", Date: ev.Date})
	assert.ErrorIs(t, err, ErrInvalidEvent)
	assert.ErrorIs(t, err, ErrInvalidID)
	err = h.Process(ctx, Event{Type: "MANDATE_CREATED", ResourceID: "p1", Date: ev.Date})
	require.ErrorAs(t, err, &ce)
	assert.EqualError(t, err, "mangopay: webhook notification not confirmed: MANDATE_CREATED p1: this event type names no resource kind this package can fetch")

	// A delivery in progress elsewhere.
	busy := mustHandler(t, func(context.Context, Event) error { return nil }, WithDeduplication(&fakeStore{status: DeliveryInProgress}))
	assert.ErrorIs(t, busy.Process(ctx, ev), ErrEventInProgress)
	// A panic is an error.
	panicky := mustHandler(t, func(context.Context, Event) error { panic("boom") })
	assert.ErrorContains(t, panicky.Process(ctx, ev), "handler panicked: boom")
	// Recording failing after fn succeeded: the event was handled.
	flaky := mustHandler(t, func(context.Context, Event) error { return nil }, WithDeduplication(&fakeStore{finishErr: errors.New("write failed")}))
	assert.NoError(t, flaky.Process(ctx, ev))
}

// errNone stands for "no error" in an atomic.Value (which cannot hold nil).
var errNone = errors.New("none")

// *WebhookHandler is what Events.Replay feeds: a replayed event goes through
// the same confirmation and de-duplication as a delivery, so an event both
// delivered and listed runs fn once.
var _ EventProcessor = (*WebhookHandler)(nil)

func TestWebhookHandlerUnderEventsReplay(t *testing.T) {
	t.Parallel()
	env := newEventsClient(t)
	since := eventsNow.Add(-time.Hour)
	fake := &eventsFake{events: []eventRecord{
		{"po_1", EventPayoutNormalSucceeded, TimeOf(since.Add(time.Minute))},
		{"po_2", EventPayoutNormalSucceeded, TimeOf(since.Add(2 * time.Minute))},
	}}
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/events", fake.respond)
	var ran []string
	h := mustHandler(t, func(_ context.Context, ev Event) error {
		ran = append(ran, ev.ResourceID+" "+string(ev.Resource.(*Payout).Status))
		return nil
	}, WithDeduplication(NewMemoryDeliveryStore(0)), withFetcher(func(_ context.Context, kind ResourceKind, id string) (any, error) {
		require.Equal(t, ResourceKindPayout, kind)
		return &Payout{ID: id, Status: PayoutStatusSucceeded}, nil
	}))
	// po_1's webhook was delivered before the replay.
	delivered := Event{Type: EventPayoutNormalSucceeded, ResourceID: "po_1", Date: since.Add(time.Minute)}
	require.Equal(t, "ok\n", deliver(t, h, delivered).Body.String())

	_, err := env.c.Events.Replay(context.Background(), h, since, []EventType{EventPayoutNormalSucceeded})
	require.NoError(t, err, "already processed is not an error")
	assert.Equal(t, []string{"po_1 SUCCEEDED", "po_2 SUCCEEDED"}, ran, "po_1 ran once, po_2 caught up")
	_, err = env.c.Events.Replay(context.Background(), h, since, []EventType{EventPayoutNormalSucceeded})
	require.NoError(t, err)
	assert.Len(t, ran, 2, "a second replay runs nothing again")
}

// An identity verification or KYC event is confirmed only when the fetched
// session (or user) is in the state the event claims: a forged
// IDENTITY_VERIFICATION_VALIDATED for a PENDING session, or USER_KYC_REGULAR
// for a LIGHT user, never reaches the function.
func TestWebhookConfirmsIdentityVerificationClaims(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var session atomic.Value
	session.Store(IdentityVerificationPending)
	var level atomic.Value
	level.Store(KYCLevelLight)
	fetch := withFetcher(func(_ context.Context, kind ResourceKind, id string) (any, error) {
		switch {
		case kind == ResourceKindIdentityVerification && id == "idnver_1":
			return &IdentityVerification{ID: id, Status: session.Load().(IdentityVerificationStatus)}, nil
		case kind == ResourceKindUser && id == "user_1":
			return &User{ID: id, PersonType: PersonTypeNatural, KYCLevel: level.Load().(KYCLevel)}, nil
		}
		return nil, ErrNotFound
	})
	var got []EventType
	h := mustHandler(t, func(_ context.Context, ev Event) error {
		got = append(got, ev.Type)
		return nil
	}, fetch)
	validated := Event{Type: EventIdentityVerificationValidated, ResourceID: "idnver_1", Date: time.Unix(docsDate, 0)}
	regular := Event{Type: EventUserKYCRegular, ResourceID: "user_1", Date: time.Unix(docsDate, 0)}

	var ce *ConfirmationError
	require.ErrorAs(t, h.Process(ctx, validated), &ce)
	assert.Equal(t, "PENDING", ce.Observed)
	require.ErrorAs(t, h.Process(ctx, regular), &ce)
	assert.Equal(t, "LIGHT", ce.Observed)
	assert.Empty(t, got)

	session.Store(IdentityVerificationValidated)
	level.Store(KYCLevelRegular)
	require.NoError(t, h.Process(ctx, validated))
	require.NoError(t, h.Process(ctx, regular))
	assert.Equal(t, []EventType{EventIdentityVerificationValidated, EventUserKYCRegular}, got)
}
