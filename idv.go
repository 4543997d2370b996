package mangopay

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Identity verification (hosted KYC): docs/wire.md, "KYC / identity
// verification".
//
// An OWNER starts KYCLevel LIGHT and, on most platforms, cannot pay out until
// Mangopay has verified them (KYCLevel REGULAR). The platform creates an IDV
// session for the user and sends their browser to its HostedUrl, a page
// hosted by Mangopay where they take photos of their ID and a selfie; the
// browser then comes back to the ReturnUrl, before the outcome is known.
// Mangopay checks the documents and the session becomes VALIDATED (the user
// is now REGULAR) or REFUSED; the platform learns it from the
// IDENTITY_VERIFICATION_* webhooks or by polling Get.

// IdentityVerificationsService wraps Mangopay's hosted identity verification
// (IDV sessions): /users/{UserId}/identity-verifications and
// /identity-verifications/{IdvSessionId}.
type IdentityVerificationsService service

// IdentityVerificationStatus is the status of an IDV session. Unknown values
// still decode.
type IdentityVerificationStatus string

// IdentityVerificationStatus values (api-reference/idv-sessions/idv-session-object).
const (
	// IdentityVerificationPending: the HostedUrl has not been submitted yet
	// (whether the user opened it or not).
	IdentityVerificationPending IdentityVerificationStatus = "PENDING"
	// IdentityVerificationReview: a check needs Mangopay's manual review
	// (Legal users only).
	IdentityVerificationReview IdentityVerificationStatus = "REVIEW"
	// IdentityVerificationValidated: the user is verified, KYCLevel REGULAR;
	// the verified data (Checks.Data) replaced the user's.
	IdentityVerificationValidated IdentityVerificationStatus = "VALIDATED"
	// IdentityVerificationRefused: a check failed (see Checks.Reasons); create
	// a new session to retry.
	IdentityVerificationRefused IdentityVerificationStatus = "REFUSED"
	// IdentityVerificationOutdated: Mangopay downgraded the user's
	// verification (e.g. an expired document).
	IdentityVerificationOutdated IdentityVerificationStatus = "OUTDATED"
	// IdentityVerificationExpired: the HostedUrl was not submitted within
	// IdentityVerificationLifetime.
	IdentityVerificationExpired IdentityVerificationStatus = "EXPIRED"
	// IdentityVerificationTimeout and IdentityVerificationError are listed
	// by the official Node SDK (a session abandoned, or ended by an error).
	IdentityVerificationTimeout IdentityVerificationStatus = "TIMEOUT"
	// IdentityVerificationError: see IdentityVerificationTimeout.
	IdentityVerificationError IdentityVerificationStatus = "ERROR"
)

// Final reports whether s is an outcome that will not change by itself
// (everything but PENDING and REVIEW).
func (s IdentityVerificationStatus) Final() bool {
	return s != IdentityVerificationPending && s != IdentityVerificationReview && s != ""
}

// IdentityVerificationLifetimeDays is how long a session's HostedUrl can be
// submitted: 7 days after creation (create-idv-session), then EXPIRED.
const IdentityVerificationLifetimeDays = 7

// maxIDVReturnURL is Mangopay's limit on an IDV session's ReturnUrl.
const maxIDVReturnURL = 500

// CreateIdentityVerificationRequest is the body of
// IdentityVerificationsService.Create.
type CreateIdentityVerificationRequest struct {
	// ReturnURL is where Mangopay sends the user's browser after the hosted
	// session, whatever its outcome (required: an absolute https URL, plain
	// http only on a loopback host, at most 500 characters).
	ReturnURL string `json:"ReturnUrl"`
	// Tag is custom data (optional, at most 255 characters).
	Tag string `json:"Tag,omitempty"`
}

func (r *CreateIdentityVerificationRequest) validate() error {
	const op = "IdentityVerifications.Create"
	if r == nil {
		return nilRequest(op, "CreateIdentityVerificationRequest")
	}
	p := newProblems(op)
	if p.required("ReturnUrl", r.ReturnURL) {
		if u, err := parseAbsoluteHTTP(r.ReturnURL); err != nil {
			p.add("ReturnUrl", "%v", err)
		} else if !strings.EqualFold(u.Scheme, "https") && !isLoopback(strings.ToLower(u.Hostname())) {
			p.add("ReturnUrl", "%q must be https (plain http only on a loopback host)", truncate(r.ReturnURL, 60))
		}
		if n := utf8.RuneCountInString(r.ReturnURL); n > maxIDVReturnURL {
			p.add("ReturnUrl", "is %d characters long, at most %d", n, maxIDVReturnURL)
		}
	}
	p.text("Tag", r.Tag)
	return p.err()
}

// mismatch checks that a session recovered through /responses/{key} is this
// request's: same ReturnUrl and Tag (the path already names the user), and
// the same user when the answer names one.
func (r *CreateIdentityVerificationRequest) mismatch(out any) string {
	return recordedAs(out, func(v *IdentityVerification) string {
		return firstProblem(
			differ("ReturnUrl", r.ReturnURL, v.ReturnURL),
			differ("Tag", r.Tag, v.Tag),
		)
	})
}

// IdentityVerification is an IDV session (the IDV Session object).
type IdentityVerification struct {
	// ID is the session's id (IdvSessionId, e.g. "idnver_01JH…").
	ID string `json:"Id"`
	// Tag is the custom data given at creation.
	Tag string `json:"Tag"`
	// CreationDate is when the session was created.
	CreationDate Time `json:"CreationDate"`
	// LastUpdate is when its status last changed (nil when never).
	LastUpdate *Time `json:"LastUpdate"`
	// HostedURL is the hosted page to send the user to, with the ReturnUrl
	// appended. Create returns it, host-checked, in an
	// *IdentityVerificationRedirectError as well.
	HostedURL string `json:"HostedUrl"`
	// ReturnURL is where the user comes back, whatever the outcome.
	ReturnURL string `json:"ReturnUrl"`
	// Status is PENDING until the session has an outcome.
	Status IdentityVerificationStatus `json:"Status"`
	// UserID is the user being verified (View and List answers; not in
	// the Create answer).
	UserID string `json:"UserId"`
	// Checks are the checks performed, with their outcome, the verified
	// data and, when refused, the reasons.
	Checks []IdentityVerificationCheck `json:"Checks"`
}

func (v *IdentityVerification) hasID() bool { return v.ID != "" }

// IdentityVerificationCheck is one check of a session.
type IdentityVerificationCheck struct {
	// CheckID identifies the check.
	CheckID string `json:"CheckId"`
	// Type is IDENTITY_DOCUMENT_VERIFICATION, IDV_NAME_MATCH_CHECK,
	// IDV_AGE_CHECK, BUSINESS_VERIFICATION or PERSONS_SIGNIFICANT_CONTROL.
	Type string `json:"Type"`
	// CheckStatus is VALIDATED, REFUSED or REVIEW.
	CheckStatus string `json:"CheckStatus"`
	// CreationDate is when the check was created.
	CreationDate Time `json:"CreationDate"`
	// LastUpdate is when it was last updated.
	LastUpdate *Time `json:"LastUpdate"`
	// Data are the data points collected and verified (e.g. FIRST_NAME).
	Data []IdentityVerificationDatum `json:"Data"`
	// Reasons say why a REFUSED check was refused (Type), with a comment
	// (Value) for manual reviews (guides/users/verification/hosted/refusals).
	Reasons []IdentityVerificationDatum `json:"Reasons"`
}

// IdentityVerificationDatum is a {Type, Value} pair of a check's Data or
// Reasons.
type IdentityVerificationDatum struct {
	// Type names the data point or the refusal reason.
	Type string `json:"Type"`
	// Value is its value (or a reviewer's comment).
	Value string `json:"Value"`
}

// ErrIdentityVerificationRedirect is matched (errors.Is) by every
// *IdentityVerificationRedirectError.
var ErrIdentityVerificationRedirect = errors.New("mangopay: the identity verification needs the user's browser")

// IdentityVerificationRedirectError is returned, together with the PENDING
// session, by IdentityVerificationsService.Create: the user's browser must go
// to Mangopay's hosted verification page. It implements Redirect, so a
// handler serves it with the same branch as a *ScaRequiredError or a
// *PaymentRedirectError (AsRedirect), and it matches
// ErrIdentityVerificationRedirect.
type IdentityVerificationRedirectError struct {
	// HostedURL is the page to send the user to (the session's HostedUrl);
	// it has passed the client's redirect-host check.
	HostedURL string
	// SessionID is the session's id.
	SessionID string
	// UserID is the user being verified.
	UserID string
	// ReturnURL is where Mangopay sends the user back, as it echoed it.
	ReturnURL string
	// StatusCode is the HTTP status of the answer.
	StatusCode int
	// Method and URL identify the request.
	Method, URL string
}

// Error returns a one-line description (without the link, which names the
// session).
func (e *IdentityVerificationRedirectError) Error() string {
	return fmt.Sprintf("mangopay: %s %s: identity verification %s of user %s needs the user's browser on Mangopay's hosted page (redirect the user; the link must be used within %d days)",
		e.Method, e.URL, truncate(e.SessionID, 64), truncate(e.UserID, 64), IdentityVerificationLifetimeDays)
}

// Is makes errors.Is(err, ErrIdentityVerificationRedirect) true.
func (e *IdentityVerificationRedirectError) Is(target error) bool {
	return target == ErrIdentityVerificationRedirect
}

// RedirectURLWithReturn returns HostedURL unchanged: the session's return
// URL is the one given at creation (Mangopay appended it to the link).
// returnURL may be empty; otherwise it must be an absolute http(s) URL, as
// for the other redirects. Options are ignored.
func (e *IdentityVerificationRedirectError) RedirectURLWithReturn(returnURL string, _ ...ReturnOption) (string, error) {
	if err := checkIgnoredReturnURL("IdentityVerificationRedirectError.RedirectURLWithReturn", returnURL); err != nil {
		return "", err
	}
	if e.HostedURL == "" {
		return "", invalid("IdentityVerificationRedirectError.RedirectURLWithReturn", "HostedURL", "is empty: this IdentityVerificationRedirectError holds no link")
	}
	return e.HostedURL, nil
}

// Create starts an identity verification session for an OWNER user: POST
// /users/{UserId}/identity-verifications. The answer is a PENDING session
// with its HostedURL: Create returns it AND an
// *IdentityVerificationRedirectError carrying the host-checked link, to
// handle like an SCA demand:
//
//	v, err := c.IdentityVerifications.Create(ctx, userID, &mangopay.CreateIdentityVerificationRequest{
//		ReturnURL: "https://platform.example/kyc/back",
//	})
//	if rd, ok := mangopay.AsRedirect(err); ok {
//		saveSession(v.ID)
//		to, _ := rd.RedirectURLWithReturn("")
//		http.Redirect(w, r, to, http.StatusSeeOther)
//		return
//	}
//
// The user returns to ReturnURL before the outcome is known: confirm with Get
// (until Status is Final) or the IDENTITY_VERIFICATION_* webhooks; on
// VALIDATED the user's KYCLevel is REGULAR. A link on a host the client does
// not trust fails with ErrUntrustedRedirect (with the session). Bad input is
// refused locally with a *ValidationError (or ErrInvalidID for userID); like
// every POST the call carries an Idempotency-Key and a lost answer is
// recovered through /responses/{key}, checked against ReturnUrl and Tag.
func (s *IdentityVerificationsService) Create(ctx context.Context, userID string, in *CreateIdentityVerificationRequest, opts ...RequestOption) (*IdentityVerification, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	path, err := pathf("/users/%s/identity-verifications", userID)
	if err != nil {
		return nil, err
	}
	var out IdentityVerification
	var meta Response
	opts = append(opts[:len(opts):len(opts)], CaptureResponse(&meta))
	if err := s.client.post(ctx, path, in, &out, opts); err != nil {
		return nil, err
	}
	if out.UserID == "" {
		out.UserID = userID
	}
	if err := s.client.redirectRule(ctx, &out, &meta, http.MethodPost, s.client.rawBase+path); err != nil {
		return &out, err
	}
	return &out, nil
}

// redirectErr applies the redirect rule to a session: a PENDING one yields
// an *IdentityVerificationRedirectError with its host-checked HostedURL (or
// ErrUntrustedRedirect); one with an outcome already opens nothing.
func (v *IdentityVerification) redirectErr(c *Client, status int, method, where string) error {
	if v.Status != IdentityVerificationPending && v.Status != "" {
		return nil // an answer with an outcome already: nothing to open
	}
	if v.HostedURL == "" {
		return fmt.Errorf("mangopay: %s %s: %w: the session has no HostedUrl", method, where, ErrUntrustedRedirect)
	}
	if err := c.redirects.check(v.HostedURL); err != nil {
		return fmt.Errorf("mangopay: %s %s returned a verification link: %w", method, where, err)
	}
	return &IdentityVerificationRedirectError{HostedURL: v.HostedURL, SessionID: v.ID, UserID: v.UserID,
		ReturnURL: v.ReturnURL, StatusCode: status, Method: method, URL: where}
}

// reload reads the session's current state
// (GET /identity-verifications/{IdvSessionId}).
func (v *IdentityVerification) reload(ctx context.Context, c *Client) error {
	path, err := pathf("/identity-verifications/%s", v.ID)
	if err != nil {
		return err
	}
	var cur IdentityVerification
	if err := c.get(ctx, path, nil, &cur, nil); err != nil {
		return err
	}
	if cur.ID != v.ID {
		return fmt.Errorf("GET %s answered session %q", path, truncate(cur.ID, 64))
	}
	if cur.UserID == "" {
		cur.UserID = v.UserID
	}
	*v = cur
	return nil
}

// Get reads a session with its checks: GET
// /identity-verifications/{IdvSessionId}. Poll it (or wait for the webhooks)
// until Status.Final(). A PENDING session's HostedURL is host-checked like
// Create's: one on a host the client does not trust is returned with an
// error matching ErrUntrustedRedirect.
func (s *IdentityVerificationsService) Get(ctx context.Context, sessionID string, opts ...RequestOption) (*IdentityVerification, error) {
	path, err := pathf("/identity-verifications/%s", sessionID)
	if err != nil {
		return nil, err
	}
	var out IdentityVerification
	if err := s.client.get(ctx, path, nil, &out, opts); err != nil {
		return nil, err
	}
	if out.HostedURL != "" && !out.Status.Final() {
		if err := s.client.redirects.check(out.HostedURL); err != nil {
			return &out, fmt.Errorf("mangopay: GET %s returned a verification link: %w", s.client.rawBase+path, err)
		}
	}
	return &out, nil
}

// List returns the sessions of a user (Id, Status, CreationDate,
// LastUpdate): GET /users/{UserId}/identity-verifications.
func (s *IdentityVerificationsService) List(ctx context.Context, userID string, opts ...RequestOption) ([]IdentityVerification, error) {
	path, err := pathf("/users/%s/identity-verifications", userID)
	if err != nil {
		return nil, err
	}
	var out []IdentityVerification
	if err := s.client.get(ctx, path, nil, &out, opts); err != nil {
		return nil, err
	}
	return out, nil
}

// Identity verification webhooks (release note 2025-05-13). The
// IDENTITY_VERIFICATION_* ones name the session (RessourceId = IdvSessionId),
// the USER_KYC_* ones the user.
const (
	// EventIdentityVerificationValidated (identity verification): the
	// session is VALIDATED and the user became KYCLevel REGULAR.
	EventIdentityVerificationValidated EventType = "IDENTITY_VERIFICATION_VALIDATED"
	// EventIdentityVerificationFailed (identity verification): the session
	// is REFUSED; the user was not verified.
	EventIdentityVerificationFailed EventType = "IDENTITY_VERIFICATION_FAILED"
	// EventIdentityVerificationInconclusive (identity verification): the
	// session is in REVIEW by Mangopay's teams.
	EventIdentityVerificationInconclusive EventType = "IDENTITY_VERIFICATION_INCONCLUSIVE"
	// EventIdentityVerificationOutdated (identity verification): the session
	// is no longer valid (OUTDATED).
	EventIdentityVerificationOutdated EventType = "IDENTITY_VERIFICATION_OUTDATED"
	// EventUserKYCRegular (user): the user was verified (KYCLevel REGULAR).
	EventUserKYCRegular EventType = "USER_KYC_REGULAR"
	// EventUserKYCLight (user): the user is not verified (KYCLevel LIGHT).
	EventUserKYCLight EventType = "USER_KYC_LIGHT"
)

// ResourceKindIdentityVerification: an IDV session id (GET
// /identity-verifications/{IdvSessionId}).
const ResourceKindIdentityVerification ResourceKind = "identity_verification"

// idvEventKinds maps the identity verification event types to their
// resource kinds.
var idvEventKinds = map[EventType]ResourceKind{
	EventIdentityVerificationValidated:    ResourceKindIdentityVerification,
	EventIdentityVerificationFailed:       ResourceKindIdentityVerification,
	EventIdentityVerificationInconclusive: ResourceKindIdentityVerification,
	EventIdentityVerificationOutdated:     ResourceKindIdentityVerification,
	EventUserKYCRegular:                   ResourceKindUser,
	EventUserKYCLight:                     ResourceKindUser,
}
