package mangopay

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// One redirect rule
//
// Every call whose answer needs the end user's browser returns the resource
// it created together with an error implementing Redirect: a
// *ScaRequiredError (hosted SCA page: users, transfers, recipients, wallet
// access) or a *PaymentRedirectError (a web card pay-in's hosted payment
// page, a direct card pay-in's 3DS2 challenge). A handler serves all of them
// with one branch:
//
//	p, err := c.PayIns.CreateCardDirect(ctx, in)
//	if rd, ok := mangopay.AsRedirect(err); ok {
//		savePayIn(p.ID)
//		to, err := rd.RedirectURLWithReturn("https://platform.example/back?payin=" + p.ID)
//		if err != nil { ... }
//		http.Redirect(w, r, to, http.StatusSeeOther)
//		return
//	}

// Redirect is implemented by the errors that ask the platform to send its
// user's browser to a Mangopay-hosted page: *ScaRequiredError,
// *PaymentRedirectError and *IdentityVerificationRedirectError. Use
// AsRedirect to get one from an error.
type Redirect interface {
	error
	// RedirectURLWithReturn returns the link to send the browser to, with
	// http.Redirect. For an SCA session it appends returnURL (Mangopay sends
	// the user back there with controlStatus); a pay-in's return URL was
	// fixed when it was created (ReturnURL, SecureModeReturnURL), so its
	// link is returned as it is and returnURL is only checked to be an
	// absolute http(s) URL or empty.
	RedirectURLWithReturn(returnURL string, opts ...ReturnOption) (string, error)
}

// AsRedirect reports whether err is (or wraps) a *ScaRequiredError, a
// *PaymentRedirectError or an *IdentityVerificationRedirectError, and
// returns it as a Redirect. The link it holds has
// passed the client's redirect-host check.
func AsRedirect(err error) (Redirect, bool) {
	if sca, ok := AsScaRequired(err); ok {
		return sca, true
	}
	var pr *PaymentRedirectError
	if errors.As(err, &pr) {
		return pr, true
	}
	var iv *IdentityVerificationRedirectError // idv.go
	if errors.As(err, &iv) {
		return iv, true
	}
	return nil, false
}

// ErrPaymentRedirect is matched (errors.Is) by every *PaymentRedirectError.
var ErrPaymentRedirect = errors.New("mangopay: the payment needs the user's browser")

// PaymentRedirectKind says which page a *PaymentRedirectError leads to.
type PaymentRedirectKind string

// PaymentRedirectKind values.
const (
	// PaymentRedirectHostedPage: a web card pay-in's hosted payment page
	// (PayIn.RedirectURL), valid WebPayInLifetime.
	PaymentRedirectHostedPage PaymentRedirectKind = "hosted_payment_page"
	// PaymentRedirect3DS: a direct card pay-in's 3DS2 challenge
	// (PayIn.SecureModeRedirectURL).
	PaymentRedirect3DS PaymentRedirectKind = "3ds_challenge"
)

// PaymentRedirectError is returned, together with the CREATED pay-in, by a
// pay-in that waits for its user's browser: the hosted payment page of a web
// card pay-in, or the 3DS2 challenge of a direct card pay-in. It implements
// Redirect, so a handler treats it exactly like a *ScaRequiredError, and it
// matches ErrPaymentRedirect with errors.Is.
type PaymentRedirectError struct {
	// RedirectURL is the page to send the user to; it has passed the
	// client's redirect-host check.
	RedirectURL string
	// Kind says whether it is the hosted payment page or a 3DS2 challenge.
	Kind PaymentRedirectKind
	// PayInID is the id of the CREATED pay-in.
	PayInID string
	// ReturnURL is where Mangopay sends the user back (the request's
	// ReturnURL or SecureModeReturnURL, as Mangopay echoed it).
	ReturnURL string
	// ExpiresAt is WebPayInLifetime after the pay-in's CreationDate for the
	// hosted page (never later than WebPayInLifetime after the answer, by
	// the local clock); zero for a 3DS2 challenge, whose lifetime Mangopay
	// does not document.
	ExpiresAt time.Time
	// StatusCode is the HTTP status of the answer.
	StatusCode int
	// Method and URL identify the request.
	Method, URL string
}

// Error returns a one-line description (without the link, which holds a
// session token).
func (e *PaymentRedirectError) Error() string {
	what := "a 3DS2 challenge"
	if e.Kind == PaymentRedirectHostedPage {
		what = "the hosted payment page"
	}
	msg := fmt.Sprintf("mangopay: %s %s: pay-in %s needs the user's browser on %s (redirect the user)", e.Method, e.URL, truncate(e.PayInID, 64), what)
	if !e.ExpiresAt.IsZero() {
		msg += ", link valid until " + e.ExpiresAt.UTC().Format(time.RFC3339)
	}
	return msg
}

// Is makes errors.Is(err, ErrPaymentRedirect) true.
func (e *PaymentRedirectError) Is(target error) bool { return target == ErrPaymentRedirect }

// RedirectURLWithReturn returns RedirectURL unchanged: the return URL of a
// pay-in is the one given at creation. returnURL may be empty; otherwise it
// must be an absolute http(s) URL, so that a handler shared with SCA flows
// catches the same mistakes. Options are ignored.
func (e *PaymentRedirectError) RedirectURLWithReturn(returnURL string, _ ...ReturnOption) (string, error) {
	if err := checkIgnoredReturnURL("PaymentRedirectError.RedirectURLWithReturn", returnURL); err != nil {
		return "", err
	}
	if e.RedirectURL == "" {
		return "", invalid("PaymentRedirectError.RedirectURLWithReturn", "RedirectURL", "is empty: this PaymentRedirectError holds no link")
	}
	return e.RedirectURL, nil
}

// Expired reports whether the hosted page's lifetime has passed at now
// (always false for a 3DS2 challenge, whose lifetime is unknown).
func (e *PaymentRedirectError) Expired(now time.Time) bool {
	return !e.ExpiresAt.IsZero() && !now.Before(e.ExpiresAt)
}

// defaultPaymentHosts are the hosts Mangopay's payment links are documented
// on (docs/wire.md, "Pay-ins"): mangopay.com (pay.mangopay.com,
// api.sandbox.mangopay.com/Content/PaylineTemplateWidget,
// api.mangopay.com/Redirect/ACSWithValidation), payline.com
// (homologation-secure-p.payline.com, the hosted payment page's provider) and
// whenthen.co (api.sandbox.whenthen.co, 3DS2 challenge pages).
var defaultPaymentHosts = []string{"mangopay.com", "payline.com", "whenthen.co"}

// paymentPolicy builds, once in New, the redirect check for payment links
// (hosted payment pages, 3DS2 challenges): defaultPaymentHosts plus the
// client's WithRedirectHosts, so an emulator's or proxy's host can be added without
// losing Mangopay's own payment hosts. (SCA links are checked against
// WithRedirectHosts alone, which replaces mangopay.com.)
func paymentPolicy(redirectHosts []string) redirectPolicy {
	hosts := make([]string, 0, len(defaultPaymentHosts)+len(redirectHosts))
	hosts = append(hosts, defaultPaymentHosts...)
	for _, h := range redirectHosts {
		if !slices.Contains(hosts, h) {
			hosts = append(hosts, h)
		}
	}
	return redirectPolicy{hosts: hosts}
}

// browserPage is implemented by the models a create (POST) may answer with
// a page for the user's browser: *PayIn (hosted payment page, 3DS2
// challenge) and *IdentityVerification (hosted verification page). The typed
// creates and Do apply the one redirect rule through it (redirectRule), so
// both behave alike whatever path was called.
type browserPage interface {
	// redirectErr returns the Redirect the resource calls for, an error
	// matching ErrUntrustedRedirect for a link that fails the host check, or
	// nil when the resource waits for no browser.
	redirectErr(c *Client, status int, method, where string) error
	// reload replaces the resource with its current state, read by its id.
	reload(ctx context.Context, c *Client) error
}

// redirectRule applies the redirect rule to the answer of a create, whose
// metadata is meta. When that answer was recovered through
// GET /responses/{key} (a retry or replay under a used Idempotency-Key), it
// is the snapshot recorded at creation: the user may have used the page
// since, or it may have expired. The resource is then read again and the
// rule applied to its current state: a pay-in that has SUCCEEDED or FAILED
// meanwhile comes back with a nil error, never with a link to a used page.
func (c *Client) redirectRule(ctx context.Context, out browserPage, meta *Response, method, where string) error {
	err := out.redirectErr(c, meta.StatusCode, method, where)
	if err == nil || !meta.Recovered {
		return err
	}
	if rerr := out.reload(ctx, c); rerr != nil {
		return fmt.Errorf("mangopay: %s %s: the answer was recovered under its Idempotency-Key, but the resource's current state could not be read, so its recorded link is not handed out (read it with Get): %w", method, where, rerr)
	}
	err = out.redirectErr(c, meta.StatusCode, method, where)
	var pr *PaymentRedirectError
	if errors.As(err, &pr) && pr.Expired(c.now()) {
		return fmt.Errorf("mangopay: %s %s: pay-in %s was created earlier (answer recovered under its Idempotency-Key) and its hosted payment page expired at %s; it will fail with ResultCodePaymentPeriodExpired: start a new pay-in under a new key", method, where, truncate(pr.PayInID, 64), pr.ExpiresAt.UTC().Format(time.RFC3339))
	}
	return err
}

// redirectErr applies the redirect rule to a card pay-in: a CREATED web
// pay-in with a RedirectURL, or a CREATED direct pay-in with
// SecureModeNeeded, yields a *PaymentRedirectError (or ErrUntrustedRedirect
// for a link that fails the host check). A hosted page's ExpiresAt is
// WebPayInLifetime after the pay-in's CreationDate (Mangopay's clock), or
// after now when that is later than the local clock's now + lifetime or
// absent, so a skewed clock never lengthens it.
func (p *PayIn) redirectErr(c *Client, status int, method, where string) error {
	if p.Status != PayInStatusCreated {
		return nil
	}
	var link string
	var kind PaymentRedirectKind
	var ret string
	var expires time.Time
	switch {
	case p.ExecutionType == ExecutionTypeWeb || p.RedirectURL != "":
		link, kind, ret = p.RedirectURL, PaymentRedirectHostedPage, p.ReturnURL
		expires = c.now().Add(WebPayInLifetime)
		if created := p.CreationDate.Time; !created.IsZero() && created.Add(WebPayInLifetime).Before(expires) {
			expires = created.Add(WebPayInLifetime)
		}
	case p.SecureModeNeeded:
		link, kind, ret = p.SecureModeRedirectURL, PaymentRedirect3DS, p.SecureModeReturnURL
	default:
		return nil // a CREATED direct pay-in still being processed: confirm with Get
	}
	if link == "" {
		return fmt.Errorf("mangopay: %s %s: %w: %v", method, where, ErrUntrustedRedirect, errMissingLink)
	}
	if err := c.payments.check(link); err != nil {
		return fmt.Errorf("mangopay: %s %s returned a payment link: %w", method, where, err)
	}
	return &PaymentRedirectError{RedirectURL: link, Kind: kind, PayInID: p.ID, ReturnURL: ret,
		ExpiresAt: expires, StatusCode: status, Method: method, URL: where}
}

// reload reads the pay-in's current state (GET /payins/{PayInId}).
func (p *PayIn) reload(ctx context.Context, c *Client) error {
	path, err := pathf("/payins/%s", p.ID)
	if err != nil {
		return err
	}
	var cur PayIn
	if err := c.get(ctx, path, nil, &cur, nil); err != nil {
		return err
	}
	if cur.ID != p.ID {
		return fmt.Errorf("GET %s answered pay-in %q", path, truncate(cur.ID, 64))
	}
	*p = cur
	return nil
}
