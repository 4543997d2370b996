package mangopay

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// Do sends a request to any Mangopay endpoint, including those the SDK does
// not wrap (KYC documents, UBO declarations, ...), through the same pipeline
// as the SDK's own methods: OAuth token, mTLS hosts, retries with backoff,
// an Idempotency-Key on every POST with recovery through
// GET /responses/{key}, SCA and redirect detection, error decoding into
// *APIError, body size caps and logging. in (nil for no body) is sent as
// JSON; a 2xx body is decoded into out (a pointer, or nil to ignore it).
//
// path is relative to /v2.01/{ClientId}: it starts with '/', e.g.
// "/users/user_m_123/kyc/documents", and may end with a query
// ("?Page=1&Per_Page=10"). Ids in it must be escaped by the caller: build it
// with Path("/users/%s/kyc/documents", userID), which also refuses ids that
// could change the path (ErrInvalidID). A path with an empty, "." or ".."
// segment, a fragment or a bad escape is refused before any network call.
//
// A POST or PUT whose effect cannot be established fails with
// *OutcomeUnknownError, as everywhere. Do cannot know the identifying fields
// of an answer recovered through /responses/{key}: it checks the recorded
// RequestURL's path only, unless WithRecoveryCheck adds a check.
//
// Redirects are detected as in the typed methods. SCA demands become
// *ScaRequiredError: a 401 WWW-Authenticate challenge always, a
// PendingUserAction.RedirectUrl in a 2xx body when out is one of the SDK's
// models (a *Transfer, a *Recipient...) or a generic *map[string]any, *any
// or *json.RawMessage. A POST decoded into a *PayIn or an
// *IdentityVerification follows the one redirect rule of CreateCardWeb,
// CreateCardDirect and IdentityVerifications.Create: a *PaymentRedirectError
// (or *IdentityVerificationRedirectError) for a resource waiting for the
// user's browser, ErrUntrustedRedirect for a link that fails the host check,
// and a recovered answer read again before its link is handed out. Every
// such error comes with out decoded.
func (c *Client) Do(ctx context.Context, method, path string, in, out any, opts ...RequestOption) error {
	switch method {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch:
	default:
		return invalid("Do", "method", "%q is not GET, POST, PUT, DELETE or PATCH", truncate(method, 20))
	}
	p, rawQuery, hasQuery := strings.Cut(path, "?")
	if why := doPathProblem(p); why != "" {
		return invalid("Do", "path", "%q %s (it is relative to /v2.01/{ClientId}, e.g. \"/users/123/kyc/documents\"; build it with Path)", truncate(path, 80), why)
	}
	var q any
	if hasQuery {
		vals, err := url.ParseQuery(rawQuery)
		if err != nil {
			return invalid("Do", "path", "query of %q: %v", truncate(path, 80), err)
		}
		q = vals
	}
	page, ok := out.(browserPage)
	if !ok || method != http.MethodPost {
		return c.do(ctx, apiRequest{method: method, path: p, query: q, body: in, out: out, opts: opts})
	}
	// A create answered with a page for the user's browser (a *PayIn, an
	// *IdentityVerification): the same redirect rule as the typed creates,
	// host check and re-read of a recovered answer included.
	var meta Response
	opts = append(opts[:len(opts):len(opts)], CaptureResponse(&meta))
	if err := c.do(ctx, apiRequest{method: method, path: p, query: q, body: in, out: out, opts: opts}); err != nil {
		return err
	}
	return c.redirectRule(ctx, page, &meta, method, c.rawBase+p)
}

// doPathProblem says what is wrong with a Do path (without its query).
func doPathProblem(p string) string {
	switch {
	case !strings.HasPrefix(p, "/"):
		return "does not start with '/'"
	case strings.ContainsAny(p, "#\\"):
		return "contains '#' or '\\'"
	case strings.HasPrefix(strings.ToLower(p), apiVersion+"/"):
		return "starts with /v2.01: leave out the prefix"
	}
	for _, seg := range strings.Split(p[1:], "/") {
		dec, err := url.PathUnescape(seg)
		switch {
		case err != nil:
			return "has a bad escape"
		case seg == "" || dec == "." || dec == "..":
			return "has an empty, '.' or '..' segment"
		case dec != seg && url.PathEscape(dec) != seg:
			return "has a segment escaped oddly"
		}
		for _, r := range seg {
			if r <= ' ' || r == 0x7f {
				return "contains whitespace or a control character (escape ids with Path or url.PathEscape)"
			}
		}
	}
	return ""
}

// Path builds a path for Do from a format whose only verbs are %s, one per
// id, each filled with the id escaped (url.PathEscape). An empty id, or one
// that could change the path ("/", "?", "#", "." or ".." as a segment),
// yields an error matching ErrInvalidID:
//
//	p, err := mangopay.Path("/users/%s/kyc/documents", userID)
func Path(format string, ids ...string) (string, error) { return pathf(format, ids...) }
