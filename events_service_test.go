package mangopay

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// eventsNow is the test clock of the events tests.
var eventsNow = time.Date(2026, time.June, 10, 12, 0, 0, 0, time.UTC)

func newEventsClient(t *testing.T) *testEnv {
	env := newTestClient(t)
	env.c.now = func() time.Time { return eventsNow }
	return env
}

func TestEventsList(t *testing.T) {
	t.Parallel()
	env := newEventsClient(t)
	var cp capture
	after, before := eventsNow.Add(-48*time.Hour), eventsNow.Add(-time.Hour)
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/events", cp.wrap(wlRespond(200,
		`[{"ResourceId":"po_m_1","EventType":"PAYOUT_NORMAL_SUCCEEDED","Date":1781000000},
		  {"ResourceId":"po_m_2","EventType":"PAYOUT_NORMAL_SUCCEEDED","Date":1781000060.0}]`,
		"X-Number-Of-Pages", "3", "X-Number-Of-Items", "22")))

	page, err := env.c.Events.List(context.Background(), &EventListOptions{
		EventType: EventPayoutNormalSucceeded, AfterDate: after, BeforeDate: before,
		ListOptions: ListOptions{Page: 2, PerPage: 10, Sort: "Date:DESC"},
	})
	require.NoError(t, err)

	r, _ := cp.last(t)
	assertStdHeaders(t, r)
	assert.Equal(t, "Date%3ADESC", regexp.MustCompile(`(?:^|&)Sort=([^&]*)`).FindStringSubmatch(r.URL.RawQuery)[1], "Sort is sent, escaped: %s", r.URL.RawQuery)
	assert.Equal(t, url.Values{
		"Sort":       {"Date:DESC"},
		"EventType":  {"PAYOUT_NORMAL_SUCCEEDED"},
		"AfterDate":  {strconv.FormatInt(after.Unix(), 10)},
		"BeforeDate": {strconv.FormatInt(before.Unix(), 10)},
		"page":       {"2"},
		"per_page":   {"10"},
	}, r.URL.Query())
	require.Len(t, page.Items, 2)
	assert.Equal(t, Event{Type: EventPayoutNormalSucceeded, ResourceID: "po_m_1", Date: time.Unix(1781000000, 0).UTC()}, page.Items[0])
	assert.Equal(t, time.UTC, page.Items[1].Date.Location())
	assert.Equal(t, 2, page.Page)
	assert.Equal(t, 3, page.TotalPages)
	assert.Equal(t, 22, page.TotalItems)
	assert.True(t, page.HasNext())
}

func TestEventsListValidation(t *testing.T) {
	t.Parallel()
	env := newEventsClient(t)
	old := eventsNow.Add(-EventRetention - time.Minute)
	for _, tc := range []struct {
		name  string
		opts  *EventListOptions
		field string
	}{
		{"nil", nil, "EventType"},
		{"no type", &EventListOptions{}, "EventType"},
		{"lower-case type", &EventListOptions{EventType: "payout_normal_created"}, "EventType"},
		{"after older than 45 days", &EventListOptions{EventType: EventPayoutNormalCreated, AfterDate: old}, "AfterDate"},
		{"before older than 45 days", &EventListOptions{EventType: EventPayoutNormalCreated, BeforeDate: old}, "BeforeDate"},
		{"after not before before", &EventListOptions{EventType: EventPayoutNormalCreated, AfterDate: eventsNow, BeforeDate: eventsNow.Add(-time.Hour)}, "AfterDate"},
		{"per page", &EventListOptions{EventType: EventPayoutNormalCreated, ListOptions: ListOptions{PerPage: 101}}, "PerPage"},
		{"page", &EventListOptions{EventType: EventPayoutNormalCreated, ListOptions: ListOptions{Page: -1}}, "Page"},
	} {
		_, err := env.c.Events.List(context.Background(), tc.opts)
		var ve *ValidationError
		require.ErrorAs(t, err, &ve, tc.name)
		assert.True(t, ve.Has(tc.field), "%s: %v", tc.name, err)
		assert.Equal(t, "Events.List", ve.Op)
	}
	// 45 days minus a minute is still allowed.
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/events", wlRespond(200, `[]`))
	_, err := env.c.Events.List(context.Background(), &EventListOptions{EventType: EventPayoutNormalCreated, AfterDate: eventsNow.Add(-EventRetention + time.Minute)})
	require.NoError(t, err)
	assert.Equal(t, 1, env.mt.GetTotalCallCount()-int(env.tokenCalls.Load()))
}

// eventsFake answers GET /events from a list, with Mangopay's filters and
// paging, and counts the calls per type.
type eventsFake struct {
	mu     sync.Mutex
	events []eventRecord
	calls  map[string]int
}

func (f *eventsFake) respond(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := r.URL.Query()
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[q.Get("EventType")]++
	after, _ := strconv.ParseInt(q.Get("AfterDate"), 10, 64)
	page, _ := strconv.Atoi(q.Get("page"))
	per, _ := strconv.Atoi(q.Get("per_page"))
	var keep []string
	for _, e := range f.events {
		if string(e.EventType) == q.Get("EventType") && e.Date.Unix() > after {
			keep = append(keep, `{"ResourceId":"`+e.ResourceID+`","EventType":"`+string(e.EventType)+`","Date":`+strconv.FormatInt(e.Date.Unix(), 10)+`}`)
		}
	}
	from, to := min((page-1)*per, len(keep)), min(page*per, len(keep))
	body := "["
	for i, s := range keep[from:to] {
		if i > 0 {
			body += ","
		}
		body += s
	}
	pages := (len(keep) + per - 1) / per
	return wlRespond(200, body+"]", "X-Number-Of-Pages", strconv.Itoa(pages), "X-Number-Of-Items", strconv.Itoa(len(keep)))(r)
}

// recordingProcessor records what Replay feeds it and fails on demand.
type recordingProcessor struct {
	got     []Event
	failOn  string
	movedOn string // a resource whose confirmation shows another state
}

func (p *recordingProcessor) Process(_ context.Context, ev Event) error {
	if ev.ResourceID == p.failOn {
		return errors.New("database is down")
	}
	if ev.ResourceID == p.movedOn {
		return &ConfirmationError{Type: ev.Type, ResourceID: ev.ResourceID, Claimed: "SUCCEEDED", Observed: "FAILED"}
	}
	p.got = append(p.got, ev)
	return nil
}

func TestEventsReplay(t *testing.T) {
	t.Parallel()
	env := newEventsClient(t)
	since := eventsNow.Add(-3 * time.Hour)
	at := func(d time.Duration) Time { return TimeOf(since.Add(d)) }
	fake := &eventsFake{events: []eventRecord{
		{"po_old", EventPayoutNormalSucceeded, at(-time.Second)},   // before the checkpoint
		{"po_1", EventPayoutNormalSucceeded, at(0)},                // at the checkpoint: included
		{"rf_1", EventTransferRefundSucceeded, at(time.Minute)},    // interleaved with the payouts
		{"po_2", EventPayoutNormalSucceeded, at(2 * time.Minute)},  //
		{"po_3", EventPayoutNormalFailed, at(2 * time.Minute)},     // same second, other type
		{"kyc_1", EventType("KYC_SUCCEEDED"), at(3 * time.Minute)}, // a type not asked for
	}}
	for i := 0; i < 150; i++ { // a second page of payout events
		fake.events = append(fake.events, eventRecord{"po_bulk_" + strconv.Itoa(i), EventPayoutNormalCreated, at(time.Hour)})
	}
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/events", fake.respond)

	p := &recordingProcessor{}
	next, err := env.c.Events.Replay(context.Background(), p, since,
		[]EventType{EventPayoutNormalSucceeded, EventPayoutNormalFailed, EventPayoutNormalCreated, EventTransferRefundSucceeded})
	require.NoError(t, err)
	assert.Equal(t, eventsNow.Add(-ReplayOverlap), next)
	require.Len(t, p.got, 4+150)
	ids := []string{p.got[0].ResourceID, p.got[1].ResourceID, p.got[2].ResourceID, p.got[3].ResourceID}
	assert.Equal(t, []string{"po_1", "rf_1", "po_3", "po_2"}, ids, "oldest first, across types; same second: by type")
	assert.Equal(t, EventTransferRefundSucceeded, p.got[1].Type)
	assert.Equal(t, 2, fake.calls["PAYOUT_NORMAL_CREATED"], "150 events in pages of 100")
	assert.Zero(t, fake.calls["KYC_SUCCEEDED"])

	// The processor fails on po_2: Replay stops and returns where to resume.
	p = &recordingProcessor{failOn: "po_2"}
	next, err = env.c.Events.Replay(context.Background(), p, since, []EventType{EventPayoutNormalSucceeded, EventTransferRefundSucceeded})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "database is down")
	assert.Contains(t, err.Error(), "po_2")
	assert.Equal(t, since.Add(2*time.Minute), next)
	assert.Len(t, p.got, 2)

	// A listed event whose resource has moved on to another state is skipped,
	// not a wall the replay stops at on every run; a confirmation that could
	// not fetch the resource still stops it.
	p = &recordingProcessor{movedOn: "po_1"}
	next, err = env.c.Events.Replay(context.Background(), p, since, []EventType{EventPayoutNormalSucceeded, EventTransferRefundSucceeded})
	require.NoError(t, err)
	assert.Equal(t, eventsNow.Add(-ReplayOverlap), next)
	assert.Equal(t, []string{"rf_1", "po_2"}, []string{p.got[0].ResourceID, p.got[1].ResourceID})
	assert.Len(t, p.got, 2)
	notFound := &ConfirmationError{Type: EventPayoutNormalSucceeded, ResourceID: "po_1", Err: ErrNotFound}
	assert.False(t, movedOn(notFound))
	assert.False(t, movedOn(errors.New("database is down")))

	// A checkpoint newer than now minus the overlap is kept.
	recent := eventsNow.Add(-time.Minute)
	next, err = env.c.Events.Replay(context.Background(), &recordingProcessor{}, recent, []EventType{EventPayoutNormalSucceeded})
	require.NoError(t, err)
	assert.Equal(t, recent, next)
}

func TestEventsReplayRefusals(t *testing.T) {
	t.Parallel()
	env := newEventsClient(t)
	ctx := context.Background()
	p := &recordingProcessor{}
	for _, tc := range []struct {
		name  string
		p     EventProcessor
		since time.Time
		types []EventType
		field string
	}{
		{"nil processor", nil, eventsNow.Add(-time.Hour), []EventType{EventPayoutNormalCreated}, "processor"},
		{"no types", p, eventsNow.Add(-time.Hour), nil, "types"},
		{"bad type", p, eventsNow.Add(-time.Hour), []EventType{"payout created"}, "types[0]"},
		{"twice", p, eventsNow.Add(-time.Hour), []EventType{EventPayoutNormalCreated, EventPayoutNormalCreated}, "types[1]"},
		{"zero since", p, time.Time{}, []EventType{EventPayoutNormalCreated}, "since"},
		{"older than 45 days", p, eventsNow.Add(-46 * 24 * time.Hour), []EventType{EventPayoutNormalCreated}, "since"},
	} {
		next, err := env.c.Events.Replay(ctx, tc.p, tc.since, tc.types)
		var ve *ValidationError
		require.ErrorAs(t, err, &ve, tc.name)
		assert.True(t, ve.Has(tc.field), "%s: %v", tc.name, err)
		assert.Equal(t, tc.since, next)
	}
	assert.Empty(t, p.got)

	// A listing failure returns since and the API error.
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/events",
		wlRespond(400, `{"Message":"One or several required parameters are missing or incorrect.","Type":"param_error","errors":{"AfterDate":"Events older than 45 days can not be searched"}}`))
	since := eventsNow.Add(-time.Hour)
	next, err := env.c.Events.Replay(ctx, p, since, []EventType{EventPayoutNormalCreated})
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusBadRequest, apiErr.StatusCode)
	assert.Equal(t, since, next)
}

func TestEventsAllStopsOnBreak(t *testing.T) {
	t.Parallel()
	env := newEventsClient(t)
	fake := &eventsFake{}
	for i := 0; i < 250; i++ {
		fake.events = append(fake.events, eventRecord{"rf_" + strconv.Itoa(i), EventPayInRefundSucceeded, TimeOf(eventsNow.Add(-time.Hour))})
	}
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/events", fake.respond)
	n := 0
	for ev, err := range env.c.Events.All(context.Background(), &EventListOptions{EventType: EventPayInRefundSucceeded}) {
		require.NoError(t, err)
		require.Equal(t, EventPayInRefundSucceeded, ev.Type)
		if n++; n == 150 {
			break
		}
	}
	assert.Equal(t, 2, fake.calls["PAYIN_REFUND_SUCCEEDED"], "no third page after the break")
	for _, err := range env.c.Events.All(context.Background(), nil) {
		assert.ErrorIs(t, err, ErrInvalidRequest)
	}
}

func TestPayoutRefundEventTypes(t *testing.T) {
	t.Parallel()
	want := map[EventType]ResourceKind{
		"PAYOUT_NORMAL_CREATED": ResourceKindPayout, "PAYOUT_NORMAL_SUCCEEDED": ResourceKindPayout,
		"PAYOUT_NORMAL_FAILED": ResourceKindPayout, "INSTANT_PAYOUT_SUCCEEDED": ResourceKindPayout,
		"INSTANT_PAYOUT_FALLBACKED": ResourceKindPayout,
		"PAYOUT_REFUND_CREATED":     ResourceKindRefund, "PAYOUT_REFUND_SUCCEEDED": ResourceKindRefund, "PAYOUT_REFUND_FAILED": ResourceKindRefund,
		"TRANSFER_REFUND_CREATED": ResourceKindRefund, "TRANSFER_REFUND_SUCCEEDED": ResourceKindRefund, "TRANSFER_REFUND_FAILED": ResourceKindRefund,
		"PAYIN_REFUND_CREATED": ResourceKindRefund, "PAYIN_REFUND_SUCCEEDED": ResourceKindRefund, "PAYIN_REFUND_FAILED": ResourceKindRefund,
	}
	all := PayoutRefundEventTypes()
	require.Len(t, all, len(want))
	for i, typ := range all {
		assert.Equal(t, want[typ], typ.ResourceKind(), typ)
		assert.True(t, typ.Known(), typ)
		if i > 0 {
			assert.Less(t, all[i-1], typ)
		}
	}
	for _, typ := range ScaEventTypes() {
		assert.NotContains(t, want, typ, "the SCA list stays SCA-only")
	}
}

// TestWebhookConfirmsPayoutAndRefund: WithConfirmation fetches a payout event
// with GET /payouts/bankwire/{id} and a refund event with GET /refunds/{id}.
func TestWebhookConfirmsPayoutAndRefund(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/payouts/bankwire/po_m_1",
		wlRespond(200, `{"Id":"po_m_1","Status":"SUCCEEDED","ModeApplied":"STANDARD"}`))
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/refunds/rf_1",
		wlRespond(200, `{"Id":"rf_1","Status":"SUCCEEDED","Nature":"REFUND","InitialTransactionType":"TRANSFER"}`))
	var got []any
	h := mustHandler(t, func(_ context.Context, ev Event) error {
		got = append(got, ev.Resource)
		return nil
	}, WithConfirmation(env.c))
	date := strconv.FormatInt(time.Now().Add(-time.Minute).Unix(), 10)
	for _, q := range []string{
		"EventType=PAYOUT_NORMAL_SUCCEEDED&RessourceId=po_m_1&Date=" + date,
		"EventType=TRANSFER_REFUND_SUCCEEDED&RessourceId=rf_1&Date=" + date,
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/hooks/mangopay?"+q, nil))
		assert.Equal(t, http.StatusOK, rec.Code, q)
	}
	require.Len(t, got, 2)
	po, ok := got[0].(*Payout)
	require.True(t, ok, "%T", got[0])
	assert.Equal(t, PayoutStatusSucceeded, po.Status)
	rf, ok := got[1].(*Refund)
	require.True(t, ok, "%T", got[1])
	assert.Equal(t, "rf_1", rf.ID)
}

// TestEventsReplayPassesRequestOptions: Replay's options reach every page
// request of every type it lists, and nothing else.
func TestEventsReplayPassesRequestOptions(t *testing.T) {
	t.Parallel()
	env := newEventsClient(t)
	since := eventsNow.Add(-time.Hour)
	fake := &eventsFake{}
	for i := 0; i < 101; i++ { // two pages of 100
		fake.events = append(fake.events, eventRecord{"po_" + strconv.Itoa(i), EventPayoutNormalCreated, TimeOf(since.Add(time.Minute))})
	}
	fake.events = append(fake.events, eventRecord{"rf_1", EventTransferRefundSucceeded, TimeOf(since.Add(time.Minute))})
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/events", fake.respond)

	applied := 0
	var meta Response
	count := RequestOption(func(*requestConfig) { applied++ })
	_, err := env.c.Events.Replay(context.Background(), &recordingProcessor{}, since,
		[]EventType{EventPayoutNormalCreated, EventTransferRefundSucceeded}, count, CaptureResponse(&meta))
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"PAYOUT_NORMAL_CREATED": 2, "TRANSFER_REFUND_SUCCEEDED": 1}, fake.calls)
	assert.Equal(t, 3, applied, "once per page request")
	assert.Equal(t, http.StatusOK, meta.StatusCode, "CaptureResponse saw the listing")
	assert.Equal(t, 1, meta.TotalPages, "the last request: the one page of refunds")
}
