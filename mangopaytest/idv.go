package mangopaytest

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Identity verification: hosted KYC sessions (IDV sessions; docs/wire.md,
// "KYC / identity verification").
//
//	POST /users/{id}/identity-verifications   ReturnUrl (required, ≤ 500), Tag → PENDING session with its HostedUrl
//	GET  /identity-verifications/{id}         the session, with its Checks
//	GET  /users/{id}/identity-verifications   the user's sessions (Id, Status, CreationDate, LastUpdate)
//
// Only an OWNER can be verified (a PAYER is refused 400 param_error). The
// HostedUrl is the emulator's page /idv/session?sessionId=...&redirectURL=...
// (Mangopay: https://user-verification.sandbox.mangopay.com/...?sessionId=...
// &redirectURL=...), where the user approves or refuses, like Mangopay's
// sandbox simulator; the page then sends the browser to the ReturnUrl.
// Approving runs the three checks of a natural user (IDENTITY_DOCUMENT_
// VERIFICATION, IDV_NAME_MATCH_CHECK, IDV_AGE_CHECK) as VALIDATED: the session
// becomes VALIDATED and the user KYCLevel REGULAR (IDENTITY_VERIFICATION_
// VALIDATED, then USER_KYC_REGULAR); refusing makes the document check
// REFUSED and the session REFUSED (IDENTITY_VERIFICATION_FAILED). A session
// not submitted within IdentityVerificationLifetime becomes EXPIRED.
// CompleteIdentityVerification (over HTTP: POST
// /_sandbox/identity-verifications/complete) answers the page in tests.

// IdentityVerificationLifetime is how long a session's HostedUrl can be
// submitted, on the emulator's clock (Mangopay: 7 days).
const IdentityVerificationLifetime = 7 * 24 * time.Hour

// ErrUnknownIdentityVerification: a control was given a link or id the
// server does not know.
var ErrUnknownIdentityVerification = errors.New("mangopaytest: unknown identity verification session")

// ErrIdentityVerificationDone: the session is no longer PENDING (answered or
// expired).
var ErrIdentityVerificationDone = errors.New("mangopaytest: identity verification session is not pending")

const (
	idvPending   = "PENDING"
	idvValidated = "VALIDATED"
	idvRefused   = "REFUSED"
	idvExpired   = "EXPIRED"
)

type idvCheck struct {
	id, typ, status string
	data            [][2]string
}

type idvSession struct {
	seq               int64
	id, token, userID string
	tag, returnURL    string
	status            string
	created, updated  time.Time
	checks            []idvCheck
}

type idvState struct {
	sessions map[string]*idvSession // by id
	tokens   map[string]*idvSession // by page token (sessionId)
}

// idv returns the identity verification state, created on first use.
func (s *Server) idv() *idvState {
	if s.st.idv == nil {
		s.st.idv = &idvState{sessions: map[string]*idvSession{}, tokens: map[string]*idvSession{}}
	}
	return s.st.idv
}

func init() {
	addRoute("POST", "/users/{id}/identity-verifications", (*call).createIDV)
	addRoute("GET", "/users/{id}/identity-verifications", (*call).listIDV)
	addRoute("GET", "/identity-verifications/{id}", (*call).getIDV)
	addControl("POST", "/identity-verifications/complete", (*control).completeIDV)
	for _, t := range []string{"IDENTITY_VERIFICATION_VALIDATED", "IDENTITY_VERIFICATION_FAILED",
		"IDENTITY_VERIFICATION_INCONCLUSIVE", "IDENTITY_VERIFICATION_OUTDATED", "USER_KYC_REGULAR", "USER_KYC_LIGHT"} {
		eventTypes[t] = true
	}
}

func (s *Server) hostedIDVURL(v *idvSession) string {
	return s.cfg.publicURL + "/idv/session?sessionId=" + v.token + "&redirectURL=" + url.QueryEscape(v.returnURL)
}

func (s *Server) renderIDV(v *idvSession, full bool) map[string]any {
	var updated any
	if !v.updated.IsZero() {
		updated = v.updated.Unix()
	}
	out := map[string]any{"Id": v.id, "Status": v.status, "CreationDate": v.created.Unix(), "LastUpdate": updated}
	if !full {
		return out
	}
	checks := make([]map[string]any, 0, len(v.checks))
	for _, c := range v.checks {
		data := make([]map[string]string, 0, len(c.data))
		for _, d := range c.data {
			data = append(data, map[string]string{"Type": d[0], "Value": d[1]})
		}
		checks = append(checks, map[string]any{"CheckId": c.id, "Type": c.typ, "CheckStatus": c.status,
			"CreationDate": v.updated.Unix(), "LastUpdate": v.updated.Unix(), "Data": data, "Reasons": []any{}})
	}
	out["Tag"], out["HostedUrl"], out["ReturnUrl"], out["UserId"], out["Checks"] = v.tag, s.hostedIDVURL(v), v.returnURL, v.userID, checks
	return out
}

// createIDV answers POST /users/{id}/identity-verifications.
func (c *call) createIDV() {
	var in struct {
		ReturnURL *string `json:"ReturnUrl"`
		Tag       *string `json:"Tag"`
	}
	if !c.decode(&in) {
		return
	}
	u := c.lookupUser("")
	if u == nil {
		return
	}
	e := fieldErrors{}
	e.required("ReturnUrl", in.ReturnURL)
	e.length("ReturnUrl", in.ReturnURL, 1, 500)
	e.length("Tag", in.Tag, 0, 255)
	if e["ReturnUrl"] == "" {
		if p, err := url.Parse(*in.ReturnURL); err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			e["ReturnUrl"] = "The ReturnUrl field is not a valid URL."
		}
	}
	if len(e) > 0 {
		c.paramError(e)
		return
	}
	if u.category != categoryOwner {
		c.paramError(map[string]string{"UserId": "An IDV Session can only be created for a user whose UserCategory is OWNER."})
		return
	}
	st := c.s.st
	v := &idvSession{seq: st.nextSeq(), id: "idnver_" + ulid(c.now), token: "idvs_" + randomHex(16), userID: u.id,
		tag: str(in.Tag), returnURL: *in.ReturnURL, status: idvPending, created: c.now}
	c.s.idv().sessions[v.id] = v
	c.s.idv().tokens[v.token] = v
	out := c.s.renderIDV(v, true)
	// The Create answer of Mangopay's example has no UserId, LastUpdate or Checks.
	delete(out, "UserId")
	delete(out, "LastUpdate")
	delete(out, "Checks")
	c.json(http.StatusOK, out)
}

func (c *call) getIDV() {
	v := c.s.idv().sessions[c.params["id"]]
	if v == nil {
		c.notFound("IdentityVerification", c.params["id"])
		return
	}
	c.json(http.StatusOK, c.s.renderIDV(v, true))
}

func (c *call) listIDV() {
	u := c.lookupUser("")
	if u == nil {
		return
	}
	var list []*idvSession
	for _, v := range c.s.idv().sessions {
		if v.userID == u.id {
			list = append(list, v)
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].seq < list[j].seq })
	out := make([]map[string]any, 0, len(list))
	for _, v := range list {
		out = append(out, c.s.renderIDV(v, false))
	}
	c.json(http.StatusOK, out)
}

// sweepIDVLocked expires the sessions not submitted in time.
func (s *Server) sweepIDVLocked(now time.Time) {
	if s.st.idv == nil {
		return
	}
	for _, v := range s.st.idv.sessions {
		if v.status == idvPending && !now.Before(v.created.Add(IdentityVerificationLifetime)) {
			v.status, v.updated = idvExpired, now
		}
	}
}

// idvFromLink finds the session behind a HostedUrl (or a bare sessionId).
func (s *Server) idvFromLink(link string) (*idvSession, error) {
	tok := link
	if u, err := url.Parse(link); err == nil && u.Query().Get("sessionId") != "" {
		tok = u.Query().Get("sessionId")
	}
	v := s.idv().tokens[tok]
	if v == nil {
		return nil, fmt.Errorf("%w: no session for this link", ErrUnknownIdentityVerification)
	}
	if v.status != idvPending {
		return v, fmt.Errorf("%w: %s is %s", ErrIdentityVerificationDone, v.id, v.status)
	}
	return v, nil
}

// answerIDVLocked applies what the user did on the hosted page.
func (s *Server) answerIDVLocked(v *idvSession, outcome Outcome, now time.Time) {
	v.updated = now
	u := s.st.users[v.userID]
	if outcome == Failed {
		v.status = idvRefused
		v.checks = []idvCheck{{id: "chk_" + ulid(now), typ: "IDENTITY_DOCUMENT_VERIFICATION", status: idvRefused}}
		s.emitLocked("IDENTITY_VERIFICATION_FAILED", v.id, now)
		return
	}
	var first, last string
	if u != nil {
		first, last = u.firstName, u.lastName
		if u.personType == "LEGAL" {
			first, last = u.lr.FirstName, u.lr.LastName
		}
	}
	v.status = idvValidated
	v.checks = []idvCheck{
		{id: "chk_" + ulid(now), typ: "IDENTITY_DOCUMENT_VERIFICATION", status: idvValidated,
			data: [][2]string{{"FIRST_NAME", first}, {"LAST_NAME", last}}},
		{id: "chk_" + ulid(now), typ: "IDV_NAME_MATCH_CHECK", status: idvValidated},
		{id: "chk_" + ulid(now), typ: "IDV_AGE_CHECK", status: idvValidated},
	}
	s.emitLocked("IDENTITY_VERIFICATION_VALIDATED", v.id, now)
	if u != nil && !u.kycRegular {
		u.kycRegular = true
		s.emitLocked("USER_KYC_REGULAR", u.id, now)
	}
}

// CompleteIdentityVerification answers the hosted verification page behind
// link (a session's HostedUrl) as the user would: Validated passes every
// check (the session VALIDATED, the user KYCLevel REGULAR), Failed fails the
// document check (REFUSED). It returns the URL the browser is sent back to
// (the session's ReturnUrl), or an error matching
// ErrUnknownIdentityVerification or ErrIdentityVerificationDone.
func (s *Server) CompleteIdentityVerification(link string, outcome Outcome) (string, error) {
	if outcome != Validated && outcome != Failed {
		return "", fmt.Errorf("mangopaytest: CompleteIdentityVerification: outcome %q is not Validated or Failed", string(outcome))
	}
	now := s.clock.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked(now)
	v, err := s.idvFromLink(link)
	if err != nil {
		return "", err
	}
	s.answerIDVLocked(v, outcome, now)
	return v.returnURL, nil
}

// completeIDV: POST /_sandbox/identity-verifications/complete
// {"HostedUrl":"...","Outcome":"VALIDATED"|"FAILED"} → {"ReturnURL":"..."};
// 404 for an unknown session, 409 for one no longer pending.
func (c *control) completeIDV() {
	var in struct {
		HostedURL string `json:"HostedUrl"`
		Outcome   string `json:"Outcome"`
	}
	if !c.decode(&in) {
		return
	}
	if in.HostedURL == "" {
		c.bad("HostedUrl is required")
		return
	}
	ret, err := c.s.CompleteIdentityVerification(in.HostedURL, Outcome(strings.ToUpper(in.Outcome)))
	switch {
	case errors.Is(err, ErrUnknownIdentityVerification):
		writeError(c.w, c.now, http.StatusNotFound, "ressource_not_found", err.Error(), nil)
	case errors.Is(err, ErrIdentityVerificationDone):
		writeError(c.w, c.now, http.StatusConflict, "param_error", err.Error(), nil)
	case err != nil:
		c.bad(err.Error())
	default:
		writeJSON(c.w, http.StatusOK, map[string]string{"ReturnURL": ret})
	}
}

var idvPage = template.Must(template.New("idv").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Identity verification – mangopaytest</title></head>
<body><h1>Identity verification</h1>
<p>Sandbox simulator: no photo is taken. Choose the outcome of the checks.</p>
<form method="post" action="/idv/session">
<input type="hidden" name="sessionId" value="{{.Token}}">
<button name="outcome" value="VALIDATED">Approve</button> <button name="outcome" value="FAILED">Refuse</button>
</form></body></html>`))

// serveIDVPage serves /idv/session: GET shows the page, POST answers it and
// redirects (303) to the session's ReturnUrl.
func (s *Server) serveIDVPage(w http.ResponseWriter, r *http.Request, body []byte) {
	if segs, _ := splitPath(r.URL.EscapedPath()); len(segs) != 2 || segs[1] != "session" {
		http.NotFound(w, r)
		return
	}
	form, _ := url.ParseQuery(string(body))
	tok := r.URL.Query().Get("sessionId")
	if tok == "" {
		tok = form.Get("sessionId")
	}
	now := s.clock.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked(now)
	v, err := s.idvFromLink(tok)
	if err != nil {
		status := http.StatusNotFound
		if errors.Is(err, ErrIdentityVerificationDone) {
			status = http.StatusGone
		}
		http.Error(w, "This verification link is unknown, expired or already used.", status)
		return
	}
	switch r.Method {
	case http.MethodGet:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_ = idvPage.Execute(w, map[string]any{"Token": tok})
	case http.MethodPost:
		outcome := Outcome(strings.ToUpper(form.Get("outcome")))
		if outcome != Validated && outcome != Failed {
			http.Error(w, "outcome must be VALIDATED or FAILED", http.StatusBadRequest)
			return
		}
		s.answerIDVLocked(v, outcome, now)
		http.Redirect(w, r, v.returnURL, http.StatusSeeOther)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}
