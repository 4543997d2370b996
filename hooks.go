package mangopay

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/mail"
	"strings"
)

// HookStatus says whether a hook is delivering notifications.
type HookStatus string

// HookStatus values.
const (
	HookStatusEnabled  HookStatus = "ENABLED"
	HookStatusDisabled HookStatus = "DISABLED"
)

// HookValidity says whether Mangopay still considers a hook's URL working.
// After 100 consecutive failed deliveries a hook becomes INVALID and stops;
// revive it with HooksService.Update and UpdateHookRequest.Validity VALID.
type HookValidity string

// HookValidity values.
const (
	HookValidityValid   HookValidity = "VALID"
	HookValidityInvalid HookValidity = "INVALID"
)

// Hook is a webhook subscription: Mangopay notifies URL of every event of
// EventType. There is at most one hook per EventType.
type Hook struct {
	// ID is the hook's id, e.g. "hook_m_..." ("Id" on the wire).
	ID string `json:"Id"`
	// URL receives the notifications (GET with EventType, RessourceId, Date).
	URL string `json:"Url"`
	// Status is ENABLED or DISABLED.
	Status HookStatus `json:"Status"`
	// Validity is VALID, or INVALID after 100 consecutive failed deliveries.
	Validity HookValidity `json:"Validity"`
	// EventType is the one event type this hook is for.
	EventType EventType `json:"EventType"`
	// Tag is free text of the platform's.
	Tag string `json:"Tag,omitempty"`
	// CreationDate is when the hook was created.
	CreationDate Time `json:"CreationDate"`
	// Email receives Mangopay's alerts about this hook: after 25, 50 and 75
	// consecutive failed deliveries, and when it becomes INVALID at 100
	// (API release note 2026-05-11). Empty (null on the wire) means no
	// alerts; for platforms with VALID hooks before 2026-04-02 Mangopay
	// fills it with the former global address until one is set.
	Email string `json:"Email,omitempty"`
}

// CreateHookRequest is the body of POST /hooks.
type CreateHookRequest struct {
	// EventType is required; Mangopay allows one hook per event type.
	EventType EventType `json:"EventType"`
	// URL is required: an absolute URL (Mangopay delivers to HTTPS endpoints
	// with a TLS 1.2 certificate; self-signed ones may be rejected).
	URL string `json:"Url"`
	// Tag is optional free text.
	Tag string `json:"Tag,omitempty"`
	// Email, when not empty, receives this hook's failure alerts (see
	// Hook.Email); a platform integrating after 2026-04-02 gets no alerts
	// without it. A plain address, e.g. "alerts@platform.example".
	Email string `json:"Email,omitempty"`
}

// UpdateHookRequest is the body of PUT /hooks/{HookId}. Like every update
// request it follows the pointer rule (docs/DESIGN.md): a nil field is not
// sent and keeps its value; a non-nil one is sent, so Ptr("") clears the Tag.
type UpdateHookRequest struct {
	// URL, when not nil, replaces the hook's URL (an absolute http or https
	// URL without a fragment).
	URL *string `json:"Url,omitempty"`
	// Status, when not nil, enables or disables the hook.
	Status *HookStatus `json:"Status,omitempty"`
	// Validity, when not nil, must be HookValidityValid: it revives a hook
	// Mangopay invalidated after 100 failed deliveries.
	Validity *HookValidity `json:"Validity,omitempty"`
	// Tag, when not nil, replaces the tag (Ptr("") sends an empty one).
	Tag *string `json:"Tag,omitempty"`
	// Email, when not nil, sets the address of the hook's failure alerts
	// (see Hook.Email).
	Email *string `json:"Email,omitempty"`
}

// ErrHookAlreadyRegistered is returned (wrapping the *APIError, so
// errors.As still works) by HooksService.Create when Mangopay refuses a
// second hook for the same EventType (400 param_error, errors.EventType "A
// hook has already been registered for this EventType"). Update the existing
// hook instead (find it with List or All).
var ErrHookAlreadyRegistered = errors.New("mangopay: a hook is already registered for this event type")

// Create registers a hook: POST /hooks. Mangopay allows one hook per
// EventType; a second one fails with an error matching
// ErrHookAlreadyRegistered. No SCA is involved.
func (s *HooksService) Create(ctx context.Context, in *CreateHookRequest, opts ...RequestOption) (*Hook, error) {
	const op = "Hooks.Create"
	if in == nil {
		return nil, nilRequest(op, "CreateHookRequest")
	}
	p := newProblems(op)
	checkHookEventType(p, in.EventType)
	if in.URL == "" {
		p.add("Url", "is required")
	} else {
		checkHookURL(p, in.URL)
	}
	if in.Email != "" {
		checkHookEmail(p, in.Email)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	var out Hook
	if err := s.client.post(ctx, "/hooks", in, &out, opts); err != nil {
		if hookAlreadyRegistered(err) {
			return nil, withSentinel(ErrHookAlreadyRegistered, err)
		}
		return nil, err
	}
	return &out, nil
}

// Get returns a hook: GET /hooks/{HookId}. No SCA is involved.
func (s *HooksService) Get(ctx context.Context, id string, opts ...RequestOption) (*Hook, error) {
	return orNil(callPath[Hook](ctx, s.client, http.MethodGet, "/hooks/%s", id, nil, opts))
}

// Update changes a hook's URL, status, validity or tag: PUT /hooks/{HookId}.
// Only the fields set in in are sent; at least one must be. To revive a hook
// Mangopay invalidated, send Validity: HookValidityValid. No SCA is involved.
func (s *HooksService) Update(ctx context.Context, id string, in *UpdateHookRequest, opts ...RequestOption) (*Hook, error) {
	path, err := pathf("/hooks/%s", id)
	if err != nil {
		return nil, err
	}
	const op = "Hooks.Update"
	if in == nil {
		return nil, nilRequest(op, "UpdateHookRequest")
	}
	if in.URL == nil && in.Status == nil && in.Validity == nil && in.Tag == nil && in.Email == nil {
		return nil, invalid(op, "", "nothing to update: set URL, Status, Validity, Tag or Email")
	}
	p := newProblems(op)
	if in.URL != nil {
		checkHookURL(p, *in.URL)
	}
	if in.Status != nil && *in.Status != HookStatusEnabled && *in.Status != HookStatusDisabled {
		p.add("Status", "%q: want %q or %q", truncate(string(*in.Status), 40), HookStatusEnabled, HookStatusDisabled)
	}
	if in.Validity != nil && *in.Validity != HookValidityValid {
		p.add("Validity", "%q: only %q can be set", truncate(string(*in.Validity), 40), HookValidityValid)
	}
	if in.Email != nil {
		checkHookEmail(p, *in.Email)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	var out Hook
	if err := s.client.put(ctx, path, in, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// List returns one page of the platform's hooks: GET /hooks. No SCA is
// involved.
func (s *HooksService) List(ctx context.Context, lo *ListOptions, opts ...RequestOption) (*Page[Hook], error) {
	return listPage[Hook](ctx, s.client, "/hooks", lo, lo, opts)
}

// All iterates over every hook (GET /hooks, page after page), fetching pages
// lazily; opts apply to every page request. See List.
func (s *HooksService) All(ctx context.Context, lo *ListOptions, opts ...RequestOption) iter.Seq2[*Hook, error] {
	return iterate(ctx, lo, func(ctx context.Context, lo *ListOptions) (*Page[Hook], error) {
		return s.List(ctx, lo, opts...)
	})
}

func checkHookEventType(p *problemList, t EventType) {
	if t == "" {
		p.add("EventType", "is required")
	} else if problem := eventTypeProblem(string(t)); problem != "" {
		p.add("EventType", "%q %s", truncate(string(t), 40), problem)
	}
}

func checkHookURL(p *problemList, u string) {
	if parsed, err := parseAbsoluteHTTP(u); err != nil {
		p.add("Url", "%v", err)
	} else if parsed.Fragment != "" {
		p.add("Url", "%q must not have a fragment", truncate(u, 60))
	}
}

// hookAlreadyRegistered recognises Mangopay's "one hook per EventType" refusal.
func hookAlreadyRegistered(err error) bool {
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest {
		return false
	}
	msg, ok := apiErr.FieldError("EventType")
	if !ok {
		return false
	}
	msg = strings.ToLower(msg)
	return strings.Contains(msg, "already") && strings.Contains(msg, "registered")
}

// checkHookEmail refuses what is not one plain e-mail address (no display
// name, no list) before it is sent as a hook's Email.
func checkHookEmail(p *problemList, v string) {
	a, err := mail.ParseAddress(v)
	if err != nil || a.Name != "" || a.Address != v {
		p.add("Email", "%q is not a plain e-mail address such as alerts@platform.example", truncate(v, 60))
	}
}
