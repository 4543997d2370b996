package mangopay

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// ScaContext tells Mangopay whether the end user is present for an action
// that may need Strong Customer Authentication. Wallet-access reads take it as
// an explicit argument (sent as the ScaContext query parameter); request
// bodies carry it as a field. The empty value means "not sent", which lets
// Mangopay apply its default for the endpoint.
type ScaContext string

// ScaContext values.
const (
	// ScaUserPresent: the user is in front of the platform and can be
	// redirected to Mangopay's hosted SCA page.
	ScaUserPresent ScaContext = "USER_PRESENT"
	// ScaUserNotPresent: the platform acts as the user's proxy. Needs proxy
	// management activated by Mangopay and the user's consent (ManageConsent),
	// else the call fails with ErrScaProxyMissing.
	ScaUserNotPresent ScaContext = "USER_NOT_PRESENT"
)

// Valid reports whether s is empty (not sent) or one of the documented values.
func (s ScaContext) Valid() bool {
	return s == "" || s == ScaUserPresent || s == ScaUserNotPresent
}

// checkScaContext is the *ValidationError of method op given an unknown
// ScaContext, or nil.
func checkScaContext(op string, s ScaContext) error {
	p := newProblems(op)
	p.scaContext("ScaContext", s)
	return p.err()
}

// PendingUserAction is the SCA redirect Mangopay returns in a response body
// when the user must authenticate. It is null in the JSON when no SCA is
// needed.
type PendingUserAction struct {
	// RedirectURL is the hosted SCA page. It is valid for 10 minutes; append
	// the platform's return URL with AppendReturnURL before redirecting.
	RedirectURL string `json:"RedirectUrl"`
}

// ControlStatus is the outcome Mangopay appends to the return URL
// (controlStatus=...) when the user leaves the hosted SCA page. It is
// indicative only: confirm with a GET or a webhook before acting on it.
type ControlStatus string

// ControlStatus values.
const (
	ControlStatusValidated ControlStatus = "VALIDATED"
	ControlStatusFailed    ControlStatus = "FAILED"
)

// ScaSource says where an SCA redirect link came from.
type ScaSource string

// ScaSource values.
const (
	// ScaSourceHeader: a 401 with a WWW-Authenticate: PendingUserAction
	// challenge (the four wallet-access reads).
	ScaSourceHeader ScaSource = "header"
	// ScaSourceBody: PendingUserAction.RedirectUrl in a 200/201 body (users,
	// enroll, consent, transfers, recipients).
	ScaSourceBody ScaSource = "body"
)

// ScaSessionLifetime is how long a Mangopay SCA link stays valid.
const ScaSessionLifetime = 10 * time.Minute

// ScaRequiredError is returned by every call whose response demands Strong
// Customer Authentication. RedirectURL has been checked against the client's
// allowed redirect hosts. When the API also returned a resource (a created
// user, a CREATED transfer, a PENDING recipient), the method returns that
// resource together with this error.
//
// It matches ErrScaRequired with errors.Is.
type ScaRequiredError struct {
	// RedirectURL is the Mangopay-hosted SCA page for this action.
	RedirectURL string
	// Source tells whether the link came from a WWW-Authenticate header or a body.
	Source ScaSource
	// ExpiresAt is ScaSessionLifetime after the response was received.
	ExpiresAt time.Time
	// StatusCode is the HTTP status of the response (401, 200 or 201).
	StatusCode int
	// Method and URL identify the request that demanded SCA.
	Method, URL string
}

// Error returns a one-line description. Fields left zero (in an error built
// by a test, say) are left out rather than printed empty.
func (e *ScaRequiredError) Error() string {
	var where []string
	if e != nil && e.Method != "" {
		where = append(where, e.Method)
	}
	if e != nil && e.URL != "" {
		where = append(where, e.URL)
	}
	var b strings.Builder
	b.WriteString("mangopay: ")
	if len(where) > 0 {
		b.WriteString(strings.Join(where, " "))
		b.WriteString(": ")
	}
	b.WriteString("strong customer authentication required (redirect the user")
	if e != nil && !e.ExpiresAt.IsZero() {
		b.WriteString(", link valid until ")
		b.WriteString(e.ExpiresAt.UTC().Format(time.RFC3339))
	}
	b.WriteByte(')')
	return b.String()
}

// Is makes errors.Is(err, ErrScaRequired) true.
func (e *ScaRequiredError) Is(target error) bool { return target == ErrScaRequired }

// RedirectURLWithReturn returns RedirectURL with the platform's returnURL (and
// options such as WithLang) appended, ready for http.Redirect. See AppendReturnURL.
func (e *ScaRequiredError) RedirectURLWithReturn(returnURL string, opts ...ReturnOption) (string, error) {
	return appendReturnURL("ScaRequiredError.RedirectURLWithReturn", "RedirectURL", e.RedirectURL, returnURL, opts)
}

// Expired reports whether the link's 10-minute lifetime has passed at now.
// A zero ExpiresAt means the lifetime is unknown (a value built in Go, not
// by the SDK): Expired then reports false and leaves the verdict to
// Mangopay's hosted page, which refuses an expired link. A nil error is not
// expired either.
func (e *ScaRequiredError) Expired(now time.Time) bool {
	if e == nil || e.ExpiresAt.IsZero() {
		return false
	}
	return !now.Before(e.ExpiresAt)
}

// AsScaRequired reports whether err is (or wraps) a *ScaRequiredError and returns it.
func AsScaRequired(err error) (*ScaRequiredError, bool) {
	var sca *ScaRequiredError
	if errors.As(err, &sca) {
		return sca, true
	}
	return nil, false
}

// ErrUntrustedRedirect is returned instead of a *ScaRequiredError when
// Mangopay's answer carried a redirect link that fails the client's check
// (not https, or a host outside mangopay.com and WithRedirectHosts). The
// platform must not redirect its user there.
var ErrUntrustedRedirect = errors.New("mangopay: untrusted SCA redirect link")

// ParseWWWAuthenticate extracts the SCA redirect link from a WWW-Authenticate
// header value such as
//
//	PendingUserAction RedirectUrl=https://sca.mangopay.com?token=0193d0...
//
// It follows RFC 9110's challenge grammar: several comma-separated challenges
// may share one header; the scheme and the parameter name are matched
// case-insensitively (Mangopay writes both RedirectUrl and redirectUrl); the
// value is a quoted-string or an unquoted run that ends at whitespace or a
// comma (Mangopay's unquoted URLs contain '=', ':' and '/', which RFC 9110
// tokens do not allow). It reports false when no PendingUserAction challenge
// with a non-empty RedirectUrl is present. The link is not validated here.
func ParseWWWAuthenticate(header string) (redirectURL string, ok bool) {
	p := authParser{s: header}
	for {
		scheme, params, more := p.nextChallenge()
		if strings.EqualFold(scheme, "PendingUserAction") {
			for _, kv := range params {
				if strings.EqualFold(kv[0], "RedirectUrl") && kv[1] != "" {
					return kv[1], true
				}
			}
		}
		if !more {
			return "", false
		}
	}
}

// hasScaChallenge reports whether header holds a PendingUserAction
// challenge, with a usable RedirectUrl or not.
func hasScaChallenge(header string) bool {
	p := authParser{s: header}
	for {
		scheme, _, more := p.nextChallenge()
		if strings.EqualFold(scheme, "PendingUserAction") {
			return true
		}
		if !more {
			return false
		}
	}
}

// authParser walks a WWW-Authenticate value challenge by challenge.
type authParser struct {
	s string
	i int
}

func isTchar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func (p *authParser) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *authParser) token() string {
	start := p.i
	for p.i < len(p.s) && isTchar(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

// value reads a quoted-string or an unquoted value.
func (p *authParser) value() string {
	if p.i < len(p.s) && p.s[p.i] == '"' {
		p.i++
		var b strings.Builder
		for p.i < len(p.s) {
			c := p.s[p.i]
			p.i++
			switch c {
			case '\\':
				if p.i < len(p.s) {
					b.WriteByte(p.s[p.i])
					p.i++
				}
			case '"':
				return b.String()
			default:
				b.WriteByte(c)
			}
		}
		return "" // unterminated quoted-string: no usable value
	}
	start := p.i
	for p.i < len(p.s) && p.s[p.i] != ',' && p.s[p.i] != ' ' && p.s[p.i] != '\t' {
		p.i++
	}
	return p.s[start:p.i]
}

// skipElement moves past the current list element (to just after the next comma).
func (p *authParser) skipElement() {
	for p.i < len(p.s) && p.s[p.i] != ',' {
		p.i++
	}
}

// isParamAhead reports whether the input at p.i is "token BWS =" (an
// auth-param) rather than the start of a new challenge.
func (p *authParser) isParamAhead() bool {
	save := p.i
	defer func() { p.i = save }()
	if p.token() == "" {
		return false
	}
	p.skipSpace()
	if p.i >= len(p.s) || p.s[p.i] != '=' {
		return false
	}
	// "token==" is token68 padding (e.g. Basic credentials), not a param.
	return p.i+1 >= len(p.s) || p.s[p.i+1] != '='
}

// nextChallenge returns the next challenge's scheme and parameters, and
// whether anything follows it.
func (p *authParser) nextChallenge() (scheme string, params [][2]string, more bool) {
	for {
		for p.i < len(p.s) && (p.s[p.i] == ',' || p.s[p.i] == ' ' || p.s[p.i] == '\t') {
			p.i++
		}
		if p.i >= len(p.s) {
			return "", nil, false
		}
		scheme = p.token()
		if scheme != "" {
			break
		}
		p.skipElement() // garbage: skip to the next element
	}
	p.skipSpace()
	for p.i < len(p.s) {
		if p.s[p.i] == ',' {
			p.i++
			p.skipSpace()
			if !p.isParamAhead() {
				return scheme, params, p.i < len(p.s)
			}
			continue
		}
		if !p.isParamAhead() {
			// token68 or garbage inside this challenge.
			p.skipElement()
			continue
		}
		name := p.token()
		p.skipSpace()
		p.i++ // '='
		p.skipSpace()
		params = append(params, [2]string{name, p.value()})
		p.skipSpace()
		if p.i < len(p.s) && p.s[p.i] != ',' {
			p.skipElement()
		}
	}
	return scheme, params, false
}

// ReturnOption configures AppendReturnURL.
type ReturnOption func(*returnConfig)

type returnConfig struct {
	lang string
	// primary and cta ask the hosted page for the platform's colours.
	primary, cta bool
}

// scaLanguages are the lang values the hosted SCA page accepts (Swedish is
// "se", not "sv").
var scaLanguages = map[string]bool{"bg": true, "nl": true, "en": true, "fr": true, "de": true,
	"el": true, "it": true, "pl": true, "pt": true, "es": true, "se": true}

// WithLang sets the language of the hosted SCA page: one of bg nl en fr de el
// it pl pt es se. By default the page follows the browser, falling back to English.
func WithLang(lang string) ReturnOption {
	return func(c *returnConfig) { c.lang = lang }
}

// WithPrimaryThemeColour asks the hosted SCA page to use the platform's
// PrimaryThemeColour (set on the Client with PUT Update a Client) for its
// call-to-action button and icon accents: it appends primary=true (API
// release note 2026-03-09). The colour shows about an hour after it was set.
func WithPrimaryThemeColour() ReturnOption {
	return func(c *returnConfig) { c.primary = true }
}

// WithPrimaryButtonColour asks the hosted SCA page to use the platform's
// PrimaryButtonColour for its call-to-action button and the T&Cs checkbox
// (not the icon accents): it appends cta=true (API release note 2026-03-09).
// With WithPrimaryThemeColour as well, the button takes this colour.
func WithPrimaryButtonColour() ReturnOption {
	return func(c *returnConfig) { c.cta = true }
}

// MaxRedirectURLLength is Mangopay's limit: the redirect link with the encoded
// returnUrl must be shorter than this.
const MaxRedirectURLLength = 2000

// AppendReturnURL appends the platform's returnURL to a Mangopay SCA redirect
// link as the percent-encoded, case-sensitive query parameter returnUrl (and
// lang when WithLang is given, then primary=true and cta=true when
// WithPrimaryThemeColour and WithPrimaryButtonColour are), keeping the link's
// token and any other query parameter exactly as they are. A returnUrl (in
// any letter case) already on the link is replaced, and so is a lang,
// primary or cta whose option is given.
//
// returnURL must be an absolute http or https URL without a fragment (Mangopay
// appends controlStatus to it) or whitespace. The result must be shorter than
// MaxRedirectURLLength characters. Each failure is a *ValidationError
// (matching ErrInvalidRequest) naming what is wrong: "redirectURL",
// "returnURL" or "lang".
func AppendReturnURL(redirectURL, returnURL string, opts ...ReturnOption) (string, error) {
	return appendReturnURL("AppendReturnURL", "redirectURL", redirectURL, returnURL, opts)
}

// appendReturnURL is AppendReturnURL for op, naming the link linkField.
func appendReturnURL(op, linkField, redirectURL, returnURL string, opts []ReturnOption) (string, error) {
	var cfg returnConfig
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if cfg.lang != "" && !scaLanguages[cfg.lang] {
		return "", invalid(op, "lang", "%q is not a language of the hosted SCA page: want one of bg nl en fr de el it pl pt es se", truncate(cfg.lang, 20))
	}
	if redirectURL == "" {
		return "", invalid(op, linkField, "is empty: there is no SCA redirect link to add a return URL to")
	}
	// The link carries the SCA session's token: errors show it redacted.
	link, err := parseAbsoluteHTTPAs(redirectURL, redactURL(redirectURL))
	if err != nil {
		return "", invalid(op, linkField, "is not a valid SCA redirect link: %v", err)
	}
	if msg := returnURLProblem(returnURL); msg != "" {
		return "", invalid(op, "returnURL", "%s", msg)
	}
	ret, err := parseAbsoluteHTTP(returnURL)
	if err != nil {
		return "", invalid(op, "returnURL", "%v", err)
	}
	if ret.Fragment != "" || strings.Contains(returnURL, "#") {
		return "", invalid(op, "returnURL", "has a #fragment, and Mangopay appends controlStatus to it")
	}

	// Rebuild the raw query by hand so the existing parameters keep their
	// exact encoding (url.Values would reorder and re-encode them).
	var parts []string
	if link.RawQuery != "" {
		for _, part := range strings.Split(link.RawQuery, "&") {
			name, _, _ := strings.Cut(part, "=")
			if dec, err := url.QueryUnescape(name); err == nil {
				name = dec
			}
			if strings.EqualFold(name, "returnUrl") || (cfg.lang != "" && name == "lang") ||
				(cfg.primary && name == "primary") || (cfg.cta && name == "cta") || part == "" {
				continue
			}
			parts = append(parts, part)
		}
	}
	parts = append(parts, "returnUrl="+url.QueryEscape(returnURL))
	if cfg.lang != "" {
		parts = append(parts, "lang="+cfg.lang)
	}
	if cfg.primary {
		parts = append(parts, "primary=true")
	}
	if cfg.cta {
		parts = append(parts, "cta=true")
	}
	link.RawQuery = strings.Join(parts, "&")
	link.ForceQuery = false
	out := link.String()
	if len(out) >= MaxRedirectURLLength {
		return "", invalid(op, "returnURL", "makes the redirect link too long: it is %d characters long; Mangopay requires fewer than %d", len(out), MaxRedirectURLLength)
	}
	return out, nil
}

// checkIgnoredReturnURL is the check of a Redirect whose return URL was
// fixed at creation: returnURL may be empty, else it must be a return URL
// AppendReturnURL would accept (so a handler shared with SCA flows catches
// the same mistakes). It returns a *ValidationError for op, or nil.
func checkIgnoredReturnURL(op, returnURL string) error {
	if returnURL == "" {
		return nil
	}
	if msg := returnURLProblem(returnURL); msg != "" {
		return invalid(op, "returnURL", "%s", msg)
	}
	if _, err := parseAbsoluteHTTP(returnURL); err != nil {
		return invalid(op, "returnURL", "%v", err)
	}
	return nil
}

// returnURLProblem reports an empty return URL or one with whitespace inside,
// or "" (parseAbsoluteHTTP checks the rest).
func returnURLProblem(returnURL string) string {
	switch {
	case returnURL == "":
		return "is empty: pass the absolute http(s) URL of the platform's page the user comes back to"
	case strings.TrimSpace(returnURL) == returnURL && strings.ContainsAny(returnURL, " \t\r\n"):
		return fmt.Sprintf("%q contains whitespace (percent-encode it as %%20)", truncate(returnURL, 60))
	}
	return ""
}

// parseAbsoluteHTTP parses s and insists on an absolute http(s) URL with a host.
func parseAbsoluteHTTP(s string) (*url.URL, error) { return parseAbsoluteHTTPAs(s, s) }

// parseAbsoluteHTTPAs is parseAbsoluteHTTP naming the URL as shown in errors.
func parseAbsoluteHTTPAs(s, shown string) (*url.URL, error) {
	if s == "" {
		return nil, errors.New("empty URL")
	}
	if strings.TrimSpace(s) != s {
		return nil, fmt.Errorf("%q has leading or trailing whitespace", truncate(shown, 60))
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%q does not parse: %v", truncate(shown, 60), errors.Unwrap(err))
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	case "":
		return nil, fmt.Errorf("%q is not absolute: it needs an http or https scheme", truncate(shown, 60))
	default:
		return nil, fmt.Errorf("%q has scheme %q: only http and https are allowed", truncate(shown, 60), truncate(u.Scheme, 20))
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("%q has no host", truncate(shown, 60))
	}
	if u.Opaque != "" {
		return nil, fmt.Errorf("%q is not a hierarchical URL", truncate(shown, 60))
	}
	return u, nil
}

// ParseReturn reads the controlStatus Mangopay appends to the platform's
// return URL when the user leaves the hosted SCA page
// (https://platform.example/sca/done?controlStatus=VALIDATED). The parameter
// name and value are matched case-insensitively. The value is indicative only
// (the user's browser carries it, so anyone can forge it): confirm the outcome
// with a GET of the resource or a webhook before acting on it.
//
// It fails when the parameter is missing or empty, repeated with different
// values, or neither VALIDATED nor FAILED; for an unknown value the (truncated)
// value is returned with the error. Other, malformed query parameters of the
// platform's own URL are ignored.
func ParseReturn(r *http.Request) (ControlStatus, error) {
	if r == nil || r.URL == nil {
		return "", errors.New("mangopay: ParseReturn: nil request")
	}
	// url.ParseQuery keeps every well-formed pair even when it reports an
	// error for another one; only controlStatus matters here.
	q, _ := url.ParseQuery(r.URL.RawQuery)
	keys := make([]string, 0, 1)
	for k := range q {
		if strings.EqualFold(k, "controlStatus") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys) // deterministic order across spellings
	var vals []string
	for _, k := range keys {
		vals = append(vals, q[k]...)
	}
	if len(vals) == 0 {
		return "", errors.New("mangopay: return URL has no controlStatus parameter")
	}
	norm := func(v string) ControlStatus { return ControlStatus(strings.ToUpper(strings.TrimSpace(v))) }
	cs := norm(vals[0])
	for _, v := range vals[1:] {
		if norm(v) != cs {
			return "", fmt.Errorf("mangopay: return URL has conflicting controlStatus values %q and %q", truncate(vals[0], 40), truncate(v, 40))
		}
	}
	switch cs {
	case ControlStatusValidated, ControlStatusFailed:
		return cs, nil
	case "":
		return "", errors.New("mangopay: return URL has an empty controlStatus")
	}
	return ControlStatus(truncate(vals[0], 40)), fmt.Errorf("mangopay: unknown controlStatus %q: want VALIDATED or FAILED", truncate(vals[0], 40))
}

// redirectPolicy decides which SCA links may be handed to the platform.
type redirectPolicy struct {
	hosts []string // lower-case; "mangopay.com" by default
}

// check returns nil when link is an absolute URL on an allowed host, using
// https (plain http is accepted only for loopback hosts, such as the
// mangopaytest emulator).
func (p redirectPolicy) check(link string) error {
	u, err := parseAbsoluteHTTPAs(link, redactURL(link))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUntrustedRedirect, err)
	}
	host := strings.ToLower(u.Hostname())
	// Messages name the scheme and host only: the query holds the session
	// token and user info may hold a password.
	if u.User != nil {
		return fmt.Errorf("%w: link to host %q carries user info", ErrUntrustedRedirect, truncate(host, 80))
	}
	if !strings.EqualFold(u.Scheme, "https") && !isLoopback(host) {
		return fmt.Errorf("%w: link to %s://%s is not https", ErrUntrustedRedirect, u.Scheme, truncate(host, 80))
	}
	for _, h := range p.hosts {
		if hh, port, err := net.SplitHostPort(h); err == nil {
			// "host:port" or "[v6]:port" matches that host and port exactly.
			if host == strings.ToLower(hh) && u.Port() == port {
				return nil
			}
			continue
		}
		h = strings.ToLower(strings.Trim(h, "[]"))
		if host == h || strings.HasSuffix(host, "."+h) {
			return nil
		}
	}
	return fmt.Errorf("%w: host %q is not mangopay.com or an allowed host (see WithRedirectHosts)", ErrUntrustedRedirect, truncate(host, 80))
}
