package mangopaytest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/scaforge/mangopay"
)

// Event is something that happened in the emulator, as listed by GET
// /events and delivered to the hook registered for its EventType.
type Event struct {
	// EventType is Mangopay's event type, such as
	// mangopay.EventTransferNormalSucceeded.
	EventType mangopay.EventType
	// ResourceID is the id of the user, transfer, recipient or pay-in concerned.
	ResourceID string
	// Date is when it happened, on the emulator's clock.
	Date time.Time
}

// WebhookDelivery is one event sent (or attempted) to a hook URL, as
// recorded in Webhooks.
type WebhookDelivery struct {
	// HookID is the hook the event was sent to.
	HookID string
	// URL is the full URL requested: the hook's Url with EventType,
	// RessourceId (Mangopay's spelling) and Date appended.
	URL string
	// EventType is the event's type, such as mangopay.EventUserAccountActivated.
	EventType mangopay.EventType
	// ResourceID is the id of the resource concerned, sent as RessourceId.
	ResourceID string
	// Date is when the event happened on the emulator's clock, sent as Unix
	// seconds.
	Date time.Time
	// Attempts is how many GETs were sent (retries included).
	Attempts int
	// StatusCode is the status of the last attempt (0 when it got no answer).
	StatusCode int
	// Err describes the last failure (empty when Delivered).
	Err string
	// Delivered is true when an attempt was answered 200.
	Delivered bool
}

// eventTypes are the event types a hook may subscribe to: the SCA-related
// ones and the usual pay-in, payout and transfer ones.
var eventTypes = map[string]bool{}

func init() {
	for _, t := range []string{
		"USER_ACCOUNT_VALIDATION_ASKED", "USER_ACCOUNT_ACTIVATED", "USER_ACCOUNT_CLOSED",
		"SCA_ENROLLMENT_SUCCEEDED", "SCA_ENROLLMENT_FAILED", "SCA_ENROLLMENT_EXPIRED",
		"USER_CATEGORY_UPDATED_TO_OWNER", "USER_CATEGORY_UPDATED_TO_PAYER", "USER_CATEGORY_UPDATED_TO_PLATFORM",
		"RECIPIENT_ACTIVE", "RECIPIENT_CANCELED", "RECIPIENT_DEACTIVATED",
		"TRANSFER_NORMAL_CREATED", "TRANSFER_NORMAL_SUCCEEDED", "TRANSFER_NORMAL_FAILED",
		"SCA_CONTACT_INFORMATION_UPDATE_CONSENT_GIVEN", "SCA_CONTACT_INFORMATION_UPDATE_CONSENT_REVOKED",
		"SCA_TRANSFER_CONSENT_GIVEN", "SCA_TRANSFER_CONSENT_REVOKED",
		"SCA_RECIPIENT_REGISTRATION_CONSENT_GIVEN", "SCA_RECIPIENT_REGISTRATION_CONSENT_REVOKED",
		"SCA_VIEW_ACCOUNT_INFORMATION_CONSENT_GIVEN", "SCA_VIEW_ACCOUNT_INFORMATION_CONSENT_REVOKED",
		"SCA_EMAIL_VERIFIED", "SCA_PHONE_NUMBER_VERIFIED",
		"PAYIN_NORMAL_CREATED", "PAYIN_NORMAL_SUCCEEDED", "PAYIN_NORMAL_FAILED",
		"PAYOUT_NORMAL_CREATED", "PAYOUT_NORMAL_SUCCEEDED", "PAYOUT_NORMAL_FAILED",
		"KYC_CREATED", "KYC_SUCCEEDED", "KYC_FAILED", "KYC_VALIDATION_ASKED",
	} {
		eventTypes[t] = true
	}
}

// hookInvalidAfter is how many consecutive failed deliveries make a hook
// INVALID (Mangopay: 100).
const hookInvalidAfter = 100

type hook struct {
	seq       int64
	id        string
	url       string
	status    string
	validity  string
	eventType string
	tag       string
	email     string
	created   time.Time
	failures  int
}

type hookOut struct {
	URL       string `json:"Url"`
	Status    string `json:"Status"`
	Validity  string `json:"Validity"`
	EventType string `json:"EventType"`
	ID        string `json:"Id"`
	// Email receives Mangopay's alerts after 25, 50 and 75 consecutive
	// failed notifications and when the hook becomes INVALID at 100; null
	// when not set (API release note 2026-05-11, "Email property per Hook").
	Email        *string `json:"Email"`
	Tag          *string `json:"Tag"`
	CreationDate int64   `json:"CreationDate"`
}

func (h *hook) render() hookOut {
	return hookOut{URL: h.url, Status: h.status, Validity: h.validity, EventType: h.eventType, ID: h.id,
		Email: nz(h.email), Tag: nz(h.tag), CreationDate: h.created.Unix()}
}

type hookIn struct {
	EventType *string `json:"EventType"`
	URL       *string `json:"Url"`
	Tag       *string `json:"Tag"`
	Status    *string `json:"Status"`
	Validity  *string `json:"Validity"`
	Email     *string `json:"Email"`
}

func (e fieldErrors) hookURL(v *string) {
	if v == nil {
		return
	}
	u, err := url.Parse(*v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Fragment != "" {
		e["Url"] = "The Url field is not a valid absolute http(s) URL."
	}
}

func (c *call) createHook() {
	var in hookIn
	if !c.decode(&in) {
		return
	}
	e := fieldErrors{}
	e.required("EventType", in.EventType)
	e.required("Url", in.URL)
	e.hookURL(in.URL)
	e.length("Tag", in.Tag, 0, 255)
	e.email("Email", in.Email)
	if t := str(in.EventType); t != "" && !eventTypes[t] {
		e["EventType"] = fmt.Sprintf("The EventType %s is not valid.", t)
	}
	st := c.s.st
	if t := str(in.EventType); e["EventType"] == "" {
		for _, h := range st.hookOrder {
			if h.eventType == t {
				e["EventType"] = "A hook has already been registered for this EventType"
			}
		}
	}
	if len(e) > 0 {
		c.paramError(e)
		return
	}
	h := &hook{seq: st.nextSeq(), id: "hook_m_" + ulid(c.now), url: *in.URL, status: "ENABLED", validity: "VALID",
		eventType: *in.EventType, tag: str(in.Tag), email: str(in.Email), created: c.now}
	st.hooks[h.id] = h
	st.hookOrder = append(st.hookOrder, h)
	c.json(http.StatusOK, h.render())
}

func (c *call) lookupHook() *hook { return lookupByID(c, c.s.st.hooks, "Hook", c.notFound) }

func (c *call) getHook() {
	if h := c.lookupHook(); h != nil {
		c.json(http.StatusOK, h.render())
	}
}

// updateHook answers PUT /hooks/{id}: Url, Status (ENABLED or DISABLED),
// Tag, Email ("" clears it) and Validity VALID to revive a hook made INVALID
// by failures.
func (c *call) updateHook() {
	h := c.lookupHook()
	if h == nil {
		return
	}
	var in hookIn
	if !c.decode(&in) {
		return
	}
	e := fieldErrors{}
	e.hookURL(in.URL)
	e.length("Tag", in.Tag, 0, 255)
	e.email("Email", in.Email)
	if v := str(in.Status); in.Status != nil && v != "ENABLED" && v != "DISABLED" {
		e["Status"] = "The Status field must be ENABLED or DISABLED."
	}
	if in.Validity != nil && *in.Validity != "VALID" {
		e["Validity"] = "The Validity field can only be set to VALID."
	}
	if in.EventType != nil && *in.EventType != h.eventType {
		e["EventType"] = "The EventType of a hook cannot be changed."
	}
	if len(e) > 0 {
		c.paramError(e)
		return
	}
	if in.URL != nil {
		h.url = *in.URL
	}
	if in.Status != nil {
		h.status = *in.Status
	}
	if in.Tag != nil {
		h.tag = *in.Tag
	}
	if in.Email != nil {
		h.email = *in.Email
	}
	if in.Validity != nil {
		h.validity, h.failures = "VALID", 0
	}
	c.json(http.StatusOK, h.render())
}

func (c *call) listHooks() {
	out := make([]hookOut, 0, len(c.s.st.hookOrder))
	for _, h := range c.s.st.hookOrder {
		out = append(out, h.render())
	}
	paginate(c, out)
}

type eventOut struct {
	ResourceID string `json:"ResourceId"`
	EventType  string `json:"EventType"`
	Date       int64  `json:"Date"`
}

// listEvents answers GET /events with the EventType, BeforeDate and
// AfterDate filters.
func (c *call) listEvents() {
	types := c.qList("EventType")
	e := fieldErrors{}
	before, after := c.dates(e)
	// Mangopay keeps events 45 days and refuses to search further back
	// (api-reference/events/list-events).
	oldest := c.now.Add(-EventRetention).Unix()
	if after != 0 && after < oldest || before != 0 && before < oldest {
		e["AfterDate"] = "Events older than 45 days can not be searched"
		e["BeforeDate"] = "Events older than 45 days can not be searched"
	}
	if len(e) > 0 {
		c.paramError(e)
		return
	}
	out := []eventOut{}
	for _, ev := range c.s.st.events {
		if len(types) > 0 && !contains(types, string(ev.EventType)) {
			continue
		}
		d := ev.Date.Unix()
		if before != 0 && d >= before || after != 0 && d <= after {
			continue
		}
		out = append(out, eventOut{ResourceID: ev.ResourceID, EventType: string(ev.EventType), Date: d})
	}
	paginate(c, out)
}

// emitLocked records an event and queues its delivery to the hook of its
// type, if one is ENABLED and VALID.
func (s *Server) emitLocked(eventType, resourceID string, now time.Time) {
	ev := Event{EventType: mangopay.EventType(eventType), ResourceID: resourceID, Date: now}
	s.st.events = append(s.st.events, ev)
	for _, h := range s.st.hookOrder {
		if h.eventType == eventType && h.status == "ENABLED" && h.validity == "VALID" {
			s.webhook.enqueue(delivery{hookID: h.id, hookURL: h.url, ev: ev})
		}
	}
}

// ---- delivery ----

type delivery struct {
	hookID  string
	hookURL string
	ev      Event
}

// dispatcher delivers webhooks from one background goroutine, which also
// expires SCA sessions as real time passes.
type dispatcher struct {
	s         *Server
	transport *http.Transport
	client    *http.Client
	ctx       context.Context
	cancel    context.CancelFunc
	wake      chan struct{}
	done      chan struct{}

	mu        sync.Mutex
	queue     []delivery
	inflight  bool
	delivered []WebhookDelivery
}

func newDispatcher(s *Server) *dispatcher {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	ctx, cancel := context.WithCancel(context.Background())
	d := &dispatcher{
		s: s, transport: tr, client: &http.Client{Transport: tr, Timeout: s.cfg.webhookTimeout},
		ctx: ctx, cancel: cancel, wake: make(chan struct{}, 1), done: make(chan struct{}),
	}
	go d.run()
	return d
}

func (d *dispatcher) enqueue(x delivery) {
	d.mu.Lock()
	d.queue = append(d.queue, x)
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *dispatcher) stop() {
	d.cancel()
	<-d.done
	d.transport.CloseIdleConnections()
}

func (d *dispatcher) run() {
	defer close(d.done)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-d.ctx.Done():
			return
		case <-tick.C:
			d.s.mu.Lock()
			now := d.s.clock.now()
			d.s.sweepLocked(now)
			d.s.pruneLocked(now)
			d.s.mu.Unlock()
		case <-d.wake:
		}
		for {
			d.mu.Lock()
			if len(d.queue) == 0 || d.ctx.Err() != nil {
				d.mu.Unlock()
				break
			}
			x := d.queue[0]
			d.queue = d.queue[1:]
			d.inflight = true
			d.mu.Unlock()

			rec := d.deliver(x)

			d.mu.Lock()
			d.delivered = appendCapped(d.delivered, rec)
			d.inflight = false
			d.mu.Unlock()
		}
	}
}

// deliver sends one event with retries.
func (d *dispatcher) deliver(x delivery) WebhookDelivery {
	target := hookTarget(x.hookURL, x.ev)
	rec := WebhookDelivery{HookID: x.hookID, URL: target, EventType: x.ev.EventType, ResourceID: x.ev.ResourceID, Date: x.ev.Date}
	wait := d.s.cfg.webhookWait
	for attempt := 1; attempt <= d.s.cfg.webhookAttempts; attempt++ {
		if attempt > 1 {
			t := time.NewTimer(wait)
			select {
			case <-d.ctx.Done():
				t.Stop()
				rec.Err = "server closed before delivery"
				return rec
			case <-t.C:
			}
			wait *= 2
		}
		rec.Attempts = attempt
		rec.StatusCode, rec.Err = d.attempt(target)
		if rec.StatusCode == http.StatusOK {
			rec.Delivered, rec.Err = true, ""
			break
		}
	}
	d.s.cfg.logger.LogAttrs(d.ctx, slog.LevelDebug, "mangopaytest webhook",
		slog.String("event_type", string(rec.EventType)), slog.String("resource_id", rec.ResourceID),
		slog.Int("status", rec.StatusCode), slog.Int("attempts", rec.Attempts), slog.Bool("delivered", rec.Delivered))
	d.s.mu.Lock()
	if h := d.s.st.hooks[x.hookID]; h != nil {
		if rec.Delivered {
			h.failures = 0
		} else if h.failures++; h.failures >= hookInvalidAfter {
			h.validity = "INVALID"
		}
	}
	d.s.mu.Unlock()
	return rec
}

func (d *dispatcher) attempt(target string) (int, string) {
	req, err := http.NewRequestWithContext(d.ctx, http.MethodGet, target, nil)
	if err != nil {
		return 0, err.Error()
	}
	req.Header.Set("User-Agent", "mangopaytest-webhooks/1.0")
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, fmt.Sprintf("answered %d; Mangopay wants 200", resp.StatusCode)
	}
	return resp.StatusCode, ""
}

// hookTarget appends ?EventType=..&RessourceId=..&Date=.. (Mangopay's
// misspelling) to the hook URL, keeping its own query.
func hookTarget(hookURL string, ev Event) string {
	u, err := url.Parse(hookURL)
	if err != nil {
		return hookURL
	}
	q := "EventType=" + url.QueryEscape(string(ev.EventType)) + "&RessourceId=" + url.QueryEscape(ev.ResourceID) +
		"&Date=" + strconv.FormatInt(ev.Date.Unix(), 10)
	if u.RawQuery != "" {
		u.RawQuery += "&" + q
	} else {
		u.RawQuery = q
	}
	return u.String()
}

// idle reports whether nothing is queued or being delivered.
func (d *dispatcher) idle() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.queue) == 0 && !d.inflight
}

func (d *dispatcher) deliveries() []WebhookDelivery {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]WebhookDelivery(nil), d.delivered...)
}
