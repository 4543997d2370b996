package mangopay

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sort"
	"time"
)

// EventsService wraps GET /events: the record of what happened (the same
// events webhooks deliver), for listing and for catching up with Replay.
type EventsService service

// EventRetention is how long Mangopay keeps events: GET /events answers 400
// for a date older than 45 days (docs.mangopay.com/api-reference/events/
// list-events). The SDK refuses such a request locally.
const EventRetention = 45 * 24 * time.Hour

// ReplayOverlap is how far before the start of a Replay the checkpoint it
// returns lies, so that an event Mangopay lists a little late is fetched
// again by the next Replay (and skipped by the handler's de-duplication if
// it was processed).
const ReplayOverlap = 5 * time.Minute

// EventListOptions filters and pages GET /events. Zero values are not sent.
type EventListOptions struct {
	ListOptions
	// EventType is the type of events to list (required by Mangopay).
	EventType EventType `url:"EventType,omitempty"`
	// BeforeDate keeps events before this time (sent as Unix seconds).
	BeforeDate time.Time `url:"BeforeDate,unix,omitempty"`
	// AfterDate keeps events after this time (sent as Unix seconds). It must
	// lie within the last EventRetention (45 days).
	AfterDate time.Time `url:"AfterDate,unix,omitempty"`
}

func (o *EventListOptions) validate(op string, now time.Time) error {
	if o == nil {
		return invalid(op, "EventType", "is required: Mangopay lists one event type at a time")
	}
	p := newProblems(op)
	if o.EventType == "" {
		p.add("EventType", "is required: Mangopay lists one event type at a time")
	} else if !validEventTypeName(string(o.EventType)) {
		p.add("EventType", "%q is not made of A-Z, 0-9 and '_'", truncate(string(o.EventType), 40))
	}
	oldest := now.Add(-EventRetention)
	for _, d := range []struct {
		field string
		t     time.Time
	}{{"AfterDate", o.AfterDate}, {"BeforeDate", o.BeforeDate}} {
		if !d.t.IsZero() && d.t.Before(oldest) {
			p.add(d.field, "%s is older than 45 days: Mangopay keeps events 45 days and answers 400 beyond",
				d.t.UTC().Format(time.RFC3339))
		}
	}
	if !o.AfterDate.IsZero() && !o.BeforeDate.IsZero() && !o.AfterDate.Before(o.BeforeDate) {
		p.add("AfterDate", "%s is not before BeforeDate %s", o.AfterDate.UTC().Format(time.RFC3339), o.BeforeDate.UTC().Format(time.RFC3339))
	}
	if o.Page < 0 {
		p.add("Page", "%d is negative", o.Page)
	}
	if o.PerPage < 0 || o.PerPage > maxPerPage {
		p.add("PerPage", "%d is outside 1..%d", o.PerPage, maxPerPage)
	}
	return p.err()
}

// validEventTypeName reports whether s could be an EventType: 1 to 100 of
// A-Z, 0-9 and '_'.
func validEventTypeName(s string) bool {
	if s == "" || len(s) > maxEventTypeLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// eventRecord is one element of GET /events.
type eventRecord struct {
	ResourceID string    `json:"ResourceId"`
	EventType  EventType `json:"EventType"`
	Date       Time      `json:"Date"`
}

// List reads one page of events of one type: GET
// /events?EventType=...&AfterDate=...&BeforeDate=...&page=...&per_page=...
// Each Event has Type, ResourceID and Date (UTC) as a webhook delivery of
// it would; Resource is nil. opts is required (EventType); dates older than
// EventRetention are refused locally with a *ValidationError, as Mangopay
// would answer 400.
func (s *EventsService) List(ctx context.Context, opts *EventListOptions, ropts ...RequestOption) (*Page[Event], error) {
	if err := opts.validate("Events.List", s.client.now()); err != nil {
		return nil, err
	}
	raw, err := listPage[eventRecord](ctx, s.client, "/events", opts, &opts.ListOptions, ropts)
	if err != nil {
		return nil, err
	}
	out := &Page[Event]{Items: make([]Event, len(raw.Items)), Page: raw.Page, PerPage: raw.PerPage,
		TotalPages: raw.TotalPages, TotalItems: raw.TotalItems}
	for i, r := range raw.Items {
		out.Items[i] = Event{Type: r.EventType, ResourceID: r.ResourceID, Date: r.Date.UTC()}
	}
	return out, nil
}

// All iterates over every event matching opts, fetching pages of 100 (or
// opts.PerPage) lazily. It stops when the loop breaks (no further request
// is made) and yields at most one error. ropts apply to every page request.
func (s *EventsService) All(ctx context.Context, opts *EventListOptions, ropts ...RequestOption) iter.Seq2[*Event, error] {
	var filters EventListOptions
	if opts != nil {
		filters = *opts
	}
	return iterate(ctx, &filters.ListOptions, func(ctx context.Context, page *ListOptions) (*Page[Event], error) {
		q := filters
		q.ListOptions = *page
		return s.List(ctx, &q, ropts...)
	})
}

// EventProcessor handles one event exactly as a webhook delivery of it
// would be handled. (*WebhookHandler).Process is the one to use: it applies
// the handler's de-duplication and confirmation before calling its function.
type EventProcessor interface {
	// Process handles ev; an error stops Replay at ev.
	Process(ctx context.Context, ev Event) error
}

// Replay catches up on the events of the given types that happened since
// the checkpoint since, feeding each, oldest first, to p (a
// *WebhookHandler: the same de-duplication and confirmation as live
// deliveries, so an event delivered and replayed is processed once). A
// platform that was down, or whose hook was disabled, replays what it missed
// with one call and stores the checkpoint returned for the next call:
//
//	next, err := c.Events.Replay(ctx, handler, checkpoint, mangopay.PayoutRefundEventTypes())
//	saveCheckpoint(next) // also on error: it is where to resume
//
// An event whose confirmation shows that its resource has since moved to
// another state (a *ConfirmationError with Observed set: a RECIPIENT_ACTIVE
// for a recipient deactivated since) is skipped rather than stopping the
// replay on it forever: Mangopay listed it, so it is genuine, and the event
// that moved the resource on is replayed too when its type is asked for.
//
// Events at since itself are included. On success the checkpoint is the
// start of the call minus ReplayOverlap (never before since), so events
// listed late are not missed. When p fails, Replay stops and returns the
// date of the event that failed (it will be fetched again) with the error;
// when listing fails it returns since. since must lie within the last
// EventRetention (45 days): older events are gone from Mangopay and Replay
// refuses with a *ValidationError rather than silently skip them. Each
// type is listed with GET /events (one type per call, as Mangopay requires);
// opts apply to every one of those page requests (p's own calls, such as a
// handler's confirmation, are p's).
func (s *EventsService) Replay(ctx context.Context, p EventProcessor, since time.Time, types []EventType, opts ...RequestOption) (time.Time, error) {
	const op = "Events.Replay"
	start := s.client.now()
	pr := newProblems(op)
	if p == nil {
		pr.add("processor", "is nil: pass the *WebhookHandler whose Process should handle the events")
	}
	if len(types) == 0 {
		pr.add("types", "is empty: name the event types to replay, e.g. PayoutRefundEventTypes()")
	}
	seen := map[EventType]bool{}
	for i, t := range types {
		switch {
		case !validEventTypeName(string(t)):
			pr.add(fmt.Sprintf("types[%d]", i), "%q is not an event type (A-Z, 0-9 and '_')", truncate(string(t), 40))
		case seen[t]:
			pr.add(fmt.Sprintf("types[%d]", i), "%s is given twice", t)
		}
		seen[t] = true
	}
	switch {
	case since.IsZero():
		pr.add("since", "is the zero time: give the checkpoint of the last replay (or when the platform started listening)")
	case since.Before(start.Add(-EventRetention).Add(time.Second)):
		pr.add("since", "%s is older than 45 days: Mangopay no longer lists those events; reconcile them from the resources themselves",
			since.UTC().Format(time.RFC3339))
	}
	if err := pr.err(); err != nil {
		return since, err
	}

	var events []Event
	for _, t := range types {
		// AfterDate is exclusive: start one second earlier to include since.
		filter := &EventListOptions{EventType: t, AfterDate: since.Add(-time.Second)}
		for ev, err := range s.All(ctx, filter, opts...) {
			if err != nil {
				return since, fmt.Errorf("mangopay: Events.Replay: listing %s: %w", t, err)
			}
			events = append(events, *ev)
		}
	}
	sort.SliceStable(events, func(i, j int) bool {
		if !events[i].Date.Equal(events[j].Date) {
			return events[i].Date.Before(events[j].Date)
		}
		if events[i].Type != events[j].Type {
			return events[i].Type < events[j].Type
		}
		return events[i].ResourceID < events[j].ResourceID
	})
	for _, ev := range events {
		if err := ctx.Err(); err != nil {
			return ev.Date, err
		}
		if err := p.Process(ctx, ev); err != nil {
			if movedOn(err) {
				continue
			}
			return ev.Date, fmt.Errorf("mangopay: Events.Replay: %s %s at %s: %w", ev.Type, truncate(ev.ResourceID, 40),
				ev.Date.UTC().Format(time.RFC3339), err)
		}
	}
	next := start.Add(-ReplayOverlap).UTC().Truncate(time.Second)
	if next.Before(since) {
		next = since
	}
	return next, nil
}

// movedOn reports whether err is a confirmation that found the event's
// resource in another state than the one the event claims.
func movedOn(err error) bool {
	var ce *ConfirmationError
	return errors.As(err, &ce) && ce.Observed != ""
}
