package mangopaytest

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// sessionKind is what an SCA session authorises.
type sessionKind string

// Session kinds.
const (
	kindEnrollment   sessionKind = "ENROLLMENT"
	kindTransfer     sessionKind = "TRANSFER"
	kindWalletAccess sessionKind = "WALLET_ACCESS"
	kindRecipient    sessionKind = "RECIPIENT"
	kindConsent      sessionKind = "CONSENT"
)

// Session statuses.
const (
	sessionPending   = "PENDING"
	sessionValidated = "VALIDATED"
	sessionFailed    = "FAILED"
	sessionExpired   = "EXPIRED"
)

// maxWrongCodes is how many wrong one-time codes end a session as FAILED
// (for a transfer: ResultCode 007101, "the user hit the maximum retries").
const maxWrongCodes = 3

// session is one hosted SCA session, reached through its RedirectUrl.
type session struct {
	token      string
	kind       sessionKind
	userID     string
	resourceID string
	created    time.Time
	expires    time.Time
	status     string
	wrongCodes int
}

// newSessionLocked opens a session of kind for u about resourceID.
func (s *Server) newSessionLocked(kind sessionKind, u *user, resourceID string, now time.Time) *session {
	sess := &session{
		token: "sca_" + randomHex(16), kind: kind, userID: u.id, resourceID: resourceID,
		created: now, expires: now.Add(SessionLifetime), status: sessionPending,
	}
	s.st.sessions[sess.token] = sess
	s.st.pending[sess.token] = sess
	return sess
}

// demandScaLocked opens the session an SCA-triggering action of u needs. For
// a user covered by the sandbox's accept bypass (see user.scaBypass) the
// session is validated at once, with its effects (enrollment, the transfer
// executed, the recipient activated, wallet access granted), so the action
// answers without a RedirectUrl.
func (s *Server) demandScaLocked(kind sessionKind, u *user, resourceID string, now time.Time) *session {
	sess := s.newSessionLocked(kind, u, resourceID, now)
	if u.scaBypass() {
		s.finishSessionLocked(sess, sessionValidated, nil, now)
	}
	return sess
}

// linkIfPending is the RedirectUrl of sess while it waits for the user, else "".
func (s *Server) linkIfPending(sess *session) string {
	if sess == nil || sess.status != sessionPending {
		return ""
	}
	return s.link(sess)
}

// link is the session's RedirectUrl: <server URL>/sca/?token=sca_...
func (s *Server) link(sess *session) string {
	return s.cfg.publicURL + "/sca/?token=" + sess.token
}

// sweepLocked expires the sessions whose 10 minutes have passed.
func (s *Server) sweepLocked(now time.Time) {
	s.sweepPayInsLocked(now)   // payins.go
	s.settlePayoutsLocked(now) // payouts.go
	s.sweepIDVLocked(now)      // idv.go
	for _, sess := range s.st.pending {
		if !now.Before(sess.expires) {
			s.finishSessionLocked(sess, sessionExpired, nil, now)
		}
	}
}

// pruneLocked forgets what can no longer matter, so that a long-running
// sandbox does not grow without bound: sessions ended more than a day ago
// (their page then answers 404), idempotency keys past their 24 hours, and
// expired tokens.
func (s *Server) pruneLocked(now time.Time) {
	for tok, sess := range s.st.sessions {
		if sess.status != sessionPending && now.Sub(sess.expires) > 24*time.Hour {
			delete(s.st.sessions, tok)
		}
	}
	for k, e := range s.st.idem {
		if e.done && now.Sub(e.at) >= IdempotencyRetention {
			delete(s.st.idem, k)
		}
	}
	for t, exp := range s.st.tokens {
		if !now.Before(exp) {
			delete(s.st.tokens, t)
		}
	}
}

// finishSessionLocked ends a pending session with status (VALIDATED, FAILED
// or EXPIRED) and applies its effects. scopes is the consent a consent
// session grants (nil: every scope).
//
// A session doubles as an enrollment when it is an enrollment session or its
// user is not enrolled yet or is waiting to re-enroll (PENDING_USER_ACTION):
// then it ends with SCA_ENROLLMENT_SUCCEEDED (plus USER_ACCOUNT_ACTIVATED for
// a PENDING_USER_ACTION user, who becomes ACTIVE), SCA_ENROLLMENT_FAILED or
// SCA_ENROLLMENT_EXPIRED. Any successful session resets the user's
// low-value transfer counters.
func (s *Server) finishSessionLocked(sess *session, status string, scopes map[string]bool, now time.Time) {
	st := s.st
	sess.status = status
	delete(st.pending, sess.token)
	u := st.users[sess.userID]
	enrolls := sess.kind == kindEnrollment || !u.enrolled || u.status == statusPending
	if status == sessionValidated {
		if enrolls {
			u.enrolled = true
			u.enrollmentTriggered = true
			u.lastEnrollment = now
			if u.status == statusPending {
				u.status = statusActive
				s.emitLocked("USER_ACCOUNT_ACTIVATED", u.id, now)
			}
			s.emitLocked("SCA_ENROLLMENT_SUCCEEDED", u.id, now)
		}
		u.lowValueCount, u.lowValueSum = 0, 0
		switch sess.kind {
		case kindTransfer:
			if t := st.transfers[sess.resourceID]; t != nil && t.status == transactionStatusCreated {
				s.executeTransferLocked(t, now)
			}
		case kindWalletAccess:
			u.walletAccessAt = now
		case kindRecipient:
			if r := st.recipients[sess.resourceID]; r != nil && r.status == recipientPending {
				r.status = recipientActive
				s.emitLocked("RECIPIENT_ACTIVE", r.id, now)
			}
		case kindConsent:
			u.lastConsent = now
			for _, scope := range consentScopes {
				give := scopes == nil || scopes[scope]
				switch {
				case give && !u.consent[scope]:
					s.emitLocked(consentEvents[scope][0], u.id, now)
				case !give && u.consent[scope]:
					s.emitLocked(consentEvents[scope][1], u.id, now)
				}
				u.consent[scope] = give
			}
		}
		return
	}
	if enrolls {
		ev := "SCA_ENROLLMENT_FAILED"
		if status == sessionExpired {
			ev = "SCA_ENROLLMENT_EXPIRED"
		}
		s.emitLocked(ev, u.id, now)
	}
	switch sess.kind {
	case kindTransfer:
		if t := st.transfers[sess.resourceID]; t != nil && t.status == transactionStatusCreated {
			if status == sessionExpired {
				s.finishTransferLocked(t, transactionFailed, ResultScaExpired, resultScaExpiredMessage, now)
			} else {
				s.finishTransferLocked(t, transactionFailed, ResultScaFailed, resultScaFailedMessage, now)
			}
		}
	case kindRecipient:
		if r := st.recipients[sess.resourceID]; r != nil && r.status == recipientPending {
			r.status = recipientCanceled
			s.emitLocked("RECIPIENT_CANCELED", r.id, now)
		}
	}
}

// sessionFromLink finds the session of an SCA link (or bare token).
func (s *Server) sessionFromLink(link string) (*session, error) {
	tok := link
	if u, err := url.Parse(link); err == nil && u.RawQuery != "" {
		tok = u.Query().Get("token")
	}
	if tok == "" {
		return nil, fmt.Errorf("%w: %q has no token", ErrUnknownSession, link)
	}
	sess, ok := s.st.sessions[tok]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownSession, tok)
	}
	return sess, nil
}

// sessionUsable reports why sess cannot be completed, as an error matching
// ErrSessionExpired or ErrSessionCompleted, or nil.
func sessionUsable(sess *session) error {
	switch sess.status {
	case sessionPending:
		return nil
	case sessionExpired:
		return fmt.Errorf("%w: session %s expired at %s", ErrSessionExpired, sess.token, sess.expires.Format(time.RFC3339))
	}
	return fmt.Errorf("%w: session %s already ended %s", ErrSessionCompleted, sess.token, sess.status)
}

// ---- the hosted page ----

// pageData feeds pageTemplate.
type pageData struct {
	Lang      string
	Title     string
	Error     string
	What      string
	Details   []string
	Token     string
	ReturnURL string
	Scopes    []scopeBox
	Phone     string
	CodeError string
	Expires   string
}

type scopeBox struct {
	Name, Label string
	Checked     bool
}

var scopeLabels = map[string]string{
	scopeContact:   "Update my contact information (email, phone)",
	scopeRecipient: "Register payout recipients",
	scopeTransfer:  "Make transfers from my wallets",
	scopeView:      "View my wallets and transactions",
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · Mangopay SCA (mangopaytest)</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#1d1d1f;margin:0}
main{max-width:28rem;margin:3rem auto;background:#fff;border-radius:12px;padding:2rem;box-shadow:0 2px 12px rgba(0,0,0,.08)}
.brand{font-weight:700;color:#ff5f3c;margin:0 0 1.5rem}.brand span{font-weight:400;color:#6e6e73;font-size:.85em}
h1{font-size:1.3rem;margin:0 0 1rem}.what{font-size:1.1rem;font-weight:600}.detail,.expiry,.hint{color:#6e6e73;font-size:.9rem}
label{display:block;margin:1rem 0 .3rem}fieldset{border:1px solid #d2d2d7;border-radius:8px;margin:1rem 0}
fieldset label{margin:.4rem 0}input[name=code]{font-size:1.4rem;letter-spacing:.3em;padding:.4rem;width:9rem}
.error{color:#c62828;font-weight:600}.actions{display:flex;gap:.75rem;margin-top:1.25rem}
button{font-size:1rem;padding:.6rem 1.2rem;border-radius:8px;border:1px solid #d2d2d7;background:#fff;cursor:pointer}
button[value=approve]{background:#ff5f3c;border-color:#ff5f3c;color:#fff}
</style>
</head>
<body>
<main>
<p class="brand">mangopay <span>SCA · test emulator</span></p>
<h1>{{.Title}}</h1>
{{- if .Error}}
<p class="error" role="alert">{{.Error}}</p>
{{- else}}
<p class="what">{{.What}}</p>
{{- range .Details}}
<p class="detail">{{.}}</p>
{{- end}}
<form method="post" action="/sca/">
<input type="hidden" name="token" value="{{.Token}}">
<input type="hidden" name="returnUrl" value="{{.ReturnURL}}">
{{- if .Lang}}
<input type="hidden" name="lang" value="{{.Lang}}">
{{- end}}
{{- if .Scopes}}
<fieldset>
<legend>Allow the platform to do this for me when I am not present:</legend>
{{- range .Scopes}}
<label><input type="checkbox" name="scope" value="{{.Name}}"{{if .Checked}} checked{{end}}> {{.Label}}</label>
{{- end}}
</fieldset>
{{- end}}
<label for="code">One-time code sent by SMS to {{.Phone}}</label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required>
{{- if .CodeError}}
<p class="error" role="alert">{{.CodeError}}</p>
{{- end}}
<p class="hint">Test emulator: the code is {{"702100"}}.</p>
<div class="actions">
<button type="submit" name="action" value="approve">Approve</button>
<button type="submit" name="action" value="decline" formnovalidate>Decline</button>
</div>
</form>
<p class="expiry">This request expires at {{.Expires}}.</p>
{{- end}}
</main>
</body>
</html>
`))

var pageLanguages = map[string]bool{"bg": true, "nl": true, "en": true, "fr": true, "de": true, "el": true, "it": true, "pl": true, "pt": true, "es": true, "se": true}

// serveHostedPage answers GET and POST /sca/: the page where the user
// authorises an action.
func (s *Server) serveHostedPage(w *recorder, r *http.Request, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")

	var form url.Values
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		form = r.URL.Query()
	case http.MethodPost:
		var err error
		if form, err = url.ParseQuery(string(body)); err != nil {
			s.errorPage(w, "", http.StatusBadRequest, "This form could not be read", "The submitted form is not valid URL-encoded data.")
			return
		}
	default:
		h.Set("Allow", "GET, POST")
		s.errorPage(w, "", http.StatusMethodNotAllowed, "Method not allowed", "This page only answers GET and POST.")
		return
	}
	lang := form.Get("lang")
	if !pageLanguages[lang] {
		lang = "en"
	}
	now := s.clock.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked(now)

	tok := form.Get("token")
	if tok == "" {
		s.errorPage(w, lang, http.StatusBadRequest, "This link is incomplete", "The link has no token parameter: use the RedirectUrl exactly as Mangopay returned it.")
		return
	}
	sess, ok := s.st.sessions[tok]
	if !ok {
		s.errorPage(w, lang, http.StatusNotFound, "This link is not valid", "No SCA session has this token. Ask the platform to start again.")
		return
	}
	switch sess.status {
	case sessionPending:
	case sessionExpired:
		s.errorPage(w, lang, http.StatusGone, "This link has expired", "SCA links are valid for 10 minutes. Ask the platform to start again.")
		return
	default:
		s.errorPage(w, lang, http.StatusConflict, "This request was already answered", "It ended "+sess.status+". Ask the platform to start again if needed.")
		return
	}
	ret, ok := form["returnUrl"]
	if !ok || ret[0] == "" {
		hint := "The platform must append its returnUrl (percent-encoded) to the RedirectUrl before redirecting."
		for k := range form {
			if strings.EqualFold(k, "returnUrl") && k != "returnUrl" {
				hint = fmt.Sprintf("The link has %q, but the parameter name is case-sensitive: it must be returnUrl.", k)
			}
		}
		s.errorPage(w, lang, http.StatusBadRequest, "The return address is missing", hint)
		return
	}
	returnURL := ret[0]
	if ru, err := url.Parse(returnURL); err != nil || (ru.Scheme != "http" && ru.Scheme != "https") || ru.Host == "" {
		s.errorPage(w, lang, http.StatusBadRequest, "The return address is not valid", "returnUrl must be an absolute http or https URL.")
		return
	}

	data := s.describeSessionLocked(sess)
	data.Lang, data.Token, data.ReturnURL = lang, tok, returnURL
	if r.Method != http.MethodPost {
		s.render(w, http.StatusOK, data)
		return
	}
	switch form.Get("action") {
	case "decline":
		s.finishSessionLocked(sess, sessionFailed, nil, now)
		http.Redirect(w, r, withControlStatus(returnURL, sessionFailed), http.StatusSeeOther)
	case "approve":
		if strings.TrimSpace(form.Get("code")) != OTP {
			sess.wrongCodes++
			if sess.wrongCodes >= maxWrongCodes {
				s.finishSessionLocked(sess, sessionFailed, nil, now)
				http.Redirect(w, r, withControlStatus(returnURL, sessionFailed), http.StatusSeeOther)
				return
			}
			left := maxWrongCodes - sess.wrongCodes
			data.CodeError = fmt.Sprintf("The code is incorrect. %d attempt%s left.", left, map[bool]string{true: "s"}[left > 1])
			if data.Scopes != nil {
				chosen := map[string]bool{}
				for _, v := range form["scope"] {
					chosen[v] = true
				}
				for i := range data.Scopes {
					data.Scopes[i].Checked = chosen[data.Scopes[i].Name]
				}
			}
			s.render(w, http.StatusUnprocessableEntity, data)
			return
		}
		var scopes map[string]bool
		if sess.kind == kindConsent {
			scopes = map[string]bool{}
			for _, v := range form["scope"] {
				scopes[v] = true
			}
		}
		s.finishSessionLocked(sess, sessionValidated, scopes, now)
		http.Redirect(w, r, withControlStatus(returnURL, sessionValidated), http.StatusSeeOther)
	default:
		s.errorPage(w, lang, http.StatusBadRequest, "This form could not be read", "The form must be sent with action=approve or action=decline.")
	}
}

// withControlStatus appends controlStatus=status to returnURL's query,
// keeping its other parameters exactly as they were (a controlStatus
// already there is replaced) and its fragment.
func withControlStatus(returnURL, status string) string {
	u, err := url.Parse(returnURL)
	if err != nil {
		return returnURL
	}
	var parts []string
	if u.RawQuery != "" {
		for _, p := range strings.Split(u.RawQuery, "&") {
			name, _, _ := strings.Cut(p, "=")
			if p == "" || name == "controlStatus" {
				continue
			}
			parts = append(parts, p)
		}
	}
	parts = append(parts, "controlStatus="+status)
	u.RawQuery = strings.Join(parts, "&")
	u.ForceQuery = false
	return u.String()
}

// describeSessionLocked says what a session authorises, for the page.
func (s *Server) describeSessionLocked(sess *session) pageData {
	st := s.st
	u := st.users[sess.userID]
	d := pageData{Phone: maskPhone(u.scaPhone()), Expires: sess.expires.UTC().Format("15:04:05 MST, 2 Jan 2006")}
	switch sess.kind {
	case kindEnrollment:
		d.Title = "Secure your account"
		d.What = "Enrol " + u.displayName() + " in strong customer authentication"
		d.Details = []string{"You will confirm future sensitive actions with a one-time code."}
	case kindTransfer:
		t := st.transfers[sess.resourceID]
		to := "wallet " + t.creditedWalletID
		if cu := st.users[t.creditedUserID]; cu != nil && cu.displayName() != "" {
			to = cu.displayName()
		}
		d.Title = "Confirm this transfer"
		d.What = "Transfer of " + formatMoney(t.debited) + " to " + to
		d.Details = []string{"From wallet " + t.debitedWalletID + " to wallet " + t.creditedWalletID + "."}
		if t.fees.Amount > 0 {
			d.Details = append(d.Details, "Including fees of "+formatMoney(t.fees)+".")
		}
	case kindWalletAccess:
		d.Title = "Confirm access to your account"
		d.What = "Access to the wallets and transactions of " + u.displayName()
		d.Details = []string{"Once confirmed, access stays open for 180 days."}
	case kindRecipient:
		r := st.recipients[sess.resourceID]
		d.Title = "Confirm this new recipient"
		d.What = "Add the payout recipient " + r.displayName
		d.Details = []string{r.describeAccount()}
	case kindConsent:
		d.Title = "Allow actions on your behalf"
		d.What = "Let the platform act for " + u.displayName() + " when you are not present"
		for _, sc := range consentScopes {
			d.Scopes = append(d.Scopes, scopeBox{Name: sc, Label: scopeLabels[sc], Checked: true})
		}
	}
	return d
}

func (s *Server) render(w http.ResponseWriter, status int, d pageData) {
	w.WriteHeader(status)
	if err := pageTemplate.Execute(w, d); err != nil {
		panic(fmt.Sprintf("mangopaytest: rendering the SCA page: %v", err))
	}
}

func (s *Server) errorPage(w http.ResponseWriter, lang string, status int, title, hint string) {
	if lang == "" {
		lang = "en"
	}
	s.render(w, status, pageData{Lang: lang, Title: title, Error: hint})
}

// maskPhone shows the last two digits of a phone number.
func maskPhone(p string) string {
	digits := make([]byte, 0, len(p))
	for i := 0; i < len(p); i++ {
		if p[i] >= '0' && p[i] <= '9' {
			digits = append(digits, p[i])
		}
	}
	if len(digits) < 2 {
		return "your phone"
	}
	return "•••• ••• •" + string(digits[len(digits)-2:])
}

var currencySymbols = map[string]string{"EUR": "€", "GBP": "£", "USD": "$", "JPY": "¥", "CHF": "CHF ", "CAD": "CA$", "AUD": "A$"}

var zeroDecimal = map[string]bool{"JPY": true}

// formatMoney renders an amount for people: €1,250.00, £3.50, JPY 1,200.
func formatMoney(m money) string {
	sym, ok := currencySymbols[m.Currency]
	if !ok {
		sym = m.Currency + " "
	}
	a := m.Amount
	neg := a < 0
	if neg {
		a = -a
	}
	var whole, frac int64 = a / 100, a % 100
	if zeroDecimal[m.Currency] {
		whole, frac = a, -1
	}
	digits := strconv.FormatInt(whole, 10)
	var b strings.Builder
	for i, ch := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	out := sym + b.String()
	if frac >= 0 {
		out += fmt.Sprintf(".%02d", frac)
	}
	if neg {
		out = "-" + out
	}
	return out
}
