package mangopay

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The answers below are the documented examples of
// docs.mangopay.com/api-reference/idv-sessions/create-idv-session and
// view-idv-session (docs/wire.md, "KYC / identity verification"), with a
// check added to the view.
const (
	idvUser     = "user_m_01JTG7NDTE52MZCCF50QHJ870A"
	idvSession  = "idnver_01JH2ZK1MKAMG5H2Q20M5K6020"
	idvHosted   = "https://user-verification.sandbox.mangopay.com/66ebfacebd780d434e8e6a9d?sessionId=677e75212400002f00a6edd0&redirectURL=https%3A%2F%2Fexample.com"
	idvCreated  = `{"Id":"` + idvSession + `","Tag":"Created using the Mangopay API Postman collection","CreationDate":1736340768,"HostedUrl":"` + idvHosted + `","Status":"PENDING","ReturnUrl":"https://example.com"}`
	idvValidRes = `{"Id":"` + idvSession + `","Tag":"t","HostedUrl":"` + idvHosted + `","ReturnUrl":"https://example.com","Status":"VALIDATED","UserId":"` + idvUser + `","CreationDate":1746457608,"LastUpdate":1746457700,
		"Checks":[{"CheckId":"chk_1","Type":"IDENTITY_DOCUMENT_VERIFICATION","CheckStatus":"VALIDATED","CreationDate":1746457608,"LastUpdate":1746457700,
		"Data":[{"Type":"FIRST_NAME","Value":"Alex"}],"Reasons":[]}]}`
)

func idvRequest() *CreateIdentityVerificationRequest {
	return &CreateIdentityVerificationRequest{ReturnURL: "https://example.com", Tag: "Created using the Mangopay API Postman collection"}
}

func TestIdentityVerificationsCreate(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/users/"+idvUser+"/identity-verifications", cp.wrap(wlRespond(200, idvCreated)))

	v, err := env.c.IdentityVerifications.Create(context.Background(), idvUser, idvRequest())

	r, body := cp.last(t)
	assert.Equal(t, http.MethodPost, r.Method)
	assert.Equal(t, "/prefix/v2.01/"+testClientID+"/users/"+idvUser+"/identity-verifications", r.URL.Path)
	assert.Empty(t, r.URL.RawQuery)
	assertStdHeaders(t, r)
	assertJSONEq(t, []byte(`{"ReturnUrl":"https://example.com","Tag":"Created using the Mangopay API Postman collection"}`), body)

	require.NotNil(t, v)
	assert.Equal(t, idvSession, v.ID)
	assert.Equal(t, IdentityVerificationPending, v.Status)
	assert.Equal(t, idvHosted, v.HostedURL)
	assert.Equal(t, "https://example.com", v.ReturnURL)
	assert.Equal(t, idvUser, v.UserID, "filled from the path: the Create answer has no UserId")
	assert.Equal(t, int64(1736340768), v.CreationDate.Unix())
	assert.Nil(t, v.LastUpdate)

	// The link is a redirect, served by the same branch as SCA and 3DS2.
	require.ErrorIs(t, err, ErrIdentityVerificationRedirect)
	rd, ok := AsRedirect(err)
	require.True(t, ok, "%v", err)
	var iv *IdentityVerificationRedirectError
	require.ErrorAs(t, err, &iv)
	assert.Equal(t, idvSession, iv.SessionID)
	assert.Equal(t, idvUser, iv.UserID)
	assert.Equal(t, 200, iv.StatusCode)
	assert.Equal(t, http.MethodPost, iv.Method)
	to, err := rd.RedirectURLWithReturn("")
	require.NoError(t, err)
	assert.Equal(t, idvHosted, to, "the return URL was fixed at creation")
	to, err = rd.RedirectURLWithReturn("https://platform.example/ignored")
	require.NoError(t, err)
	assert.Equal(t, idvHosted, to)
	_, err = rd.RedirectURLWithReturn("not a url")
	assert.Error(t, err)
	assert.NotContains(t, iv.Error(), "sessionId=", "the message does not carry the link")
	assert.Contains(t, iv.Error(), idvSession)
}

// TestIdentityVerificationsCreateKey: the caller's Idempotency-Key is sent.
func TestIdentityVerificationsCreateKey(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/users/u1/identity-verifications", cp.wrap(wlRespond(200, idvCreated)))
	_, err := env.c.IdentityVerifications.Create(context.Background(), "u1", &CreateIdentityVerificationRequest{ReturnURL: "https://example.com", Tag: "Created using the Mangopay API Postman collection"},
		WithIdempotencyKey("kyc-u1-0000000001"))
	require.ErrorIs(t, err, ErrIdentityVerificationRedirect)
	r, body := cp.last(t)
	assert.Equal(t, "kyc-u1-0000000001", r.Header.Get("Idempotency-Key"))
	assertJSONEq(t, []byte(`{"ReturnUrl":"https://example.com","Tag":"Created using the Mangopay API Postman collection"}`), body)
}

// TestIdentityVerificationsCreateUntrustedLink: a HostedUrl off mangopay.com
// (or not https) is never handed out as a redirect.
func TestIdentityVerificationsCreateUntrustedLink(t *testing.T) {
	t.Parallel()
	for name, link := range map[string]string{
		"other host": "https://user-verification.evil.example/x?sessionId=1",
		"plain http": "http://user-verification.sandbox.mangopay.com/x",
		"none":       "",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t)
			body := strings.Replace(idvCreated, idvHosted, link, 1)
			env.mt.RegisterResponder(http.MethodPost, testAPI+"/users/u1/identity-verifications", wlRespond(200, body))
			v, err := env.c.IdentityVerifications.Create(context.Background(), "u1", idvRequest())
			require.NotNil(t, v, "the session exists: it is returned")
			assert.Equal(t, idvSession, v.ID)
			require.ErrorIs(t, err, ErrUntrustedRedirect)
			_, ok := AsRedirect(err)
			assert.False(t, ok)
		})
	}
}

// TestIdentityVerificationsCreateAllowedHost: WithRedirectHosts extends the
// check, as for SCA links (an emulator's address).
func TestIdentityVerificationsCreateAllowedHost(t *testing.T) {
	t.Parallel()
	env := newTestClient(t, WithRedirectHosts("127.0.0.1:8089"))
	link := "http://127.0.0.1:8089/idv/session?token=idv_1"
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/users/u1/identity-verifications",
		wlRespond(200, strings.Replace(idvCreated, idvHosted, link, 1)))
	_, err := env.c.IdentityVerifications.Create(context.Background(), "u1", idvRequest())
	rd, ok := AsRedirect(err)
	require.True(t, ok, "%v", err)
	to, err := rd.RedirectURLWithReturn("")
	require.NoError(t, err)
	assert.Equal(t, link, to)
}

func TestIdentityVerificationsCreateErrors(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/users/payer1/identity-verifications",
		wlRespond(400, apiErrorBody("param_error", "The user must be an OWNER")))
	v, err := env.c.IdentityVerifications.Create(context.Background(), "payer1", idvRequest())
	assert.Nil(t, v)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 400, apiErr.StatusCode)
	_, ok := AsRedirect(err)
	assert.False(t, ok)

	// An answer that already has an outcome carries no redirect.
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/users/u2/identity-verifications",
		wlRespond(200, strings.Replace(idvCreated, `"PENDING"`, `"REFUSED"`, 1)))
	v, err = env.c.IdentityVerifications.Create(context.Background(), "u2", idvRequest())
	require.NoError(t, err)
	assert.Equal(t, IdentityVerificationRefused, v.Status)

	// An empty or undecodable 2xx leaves the outcome unknown.
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/users/u3/identity-verifications", wlRespond(200, `{}`))
	_, err = env.c.IdentityVerifications.Create(context.Background(), "u3", idvRequest())
	assert.ErrorIs(t, err, ErrOutcomeUnknown)
}

func TestIdentityVerificationsCreateValidation(t *testing.T) {
	t.Parallel()
	env := newTestClient(t) // no responder: a request would fail with a transport error
	for _, tc := range []struct {
		name  string
		in    *CreateIdentityVerificationRequest
		field string
	}{
		{"no return URL", &CreateIdentityVerificationRequest{}, "ReturnUrl"},
		{"blank return URL", &CreateIdentityVerificationRequest{ReturnURL: "  "}, "ReturnUrl"},
		{"relative", &CreateIdentityVerificationRequest{ReturnURL: "/kyc/back"}, "ReturnUrl"},
		{"plain http", &CreateIdentityVerificationRequest{ReturnURL: "http://platform.example/back"}, "ReturnUrl"},
		{"javascript", &CreateIdentityVerificationRequest{ReturnURL: "javascript:alert(1)"}, "ReturnUrl"},
		{"too long", &CreateIdentityVerificationRequest{ReturnURL: "https://platform.example/" + strings.Repeat("a", 480)}, "ReturnUrl"},
		{"long tag", &CreateIdentityVerificationRequest{ReturnURL: "https://platform.example/", Tag: strings.Repeat("é", 256)}, "Tag"},
	} {
		v, err := env.c.IdentityVerifications.Create(context.Background(), "u1", tc.in)
		assert.Nil(t, v, tc.name)
		require.ErrorIs(t, err, ErrInvalidRequest, tc.name)
		var ve *ValidationError
		require.ErrorAs(t, err, &ve, tc.name)
		assert.Equal(t, "IdentityVerifications.Create", ve.Op)
		assert.True(t, ve.Has(tc.field), "%s: %v", tc.name, err)
	}
	_, err := env.c.IdentityVerifications.Create(context.Background(), "u1", nil)
	assert.ErrorIs(t, err, ErrInvalidRequest)
	_, err = env.c.IdentityVerifications.Create(context.Background(), "../users", idvRequest())
	assert.ErrorIs(t, err, ErrInvalidID)
	_, err = env.c.IdentityVerifications.Create(context.Background(), "", idvRequest())
	assert.ErrorIs(t, err, ErrInvalidID)
	// http on a loopback host is accepted (tests, a local emulator)
	assert.NoError(t, (&CreateIdentityVerificationRequest{ReturnURL: "http://127.0.0.1:9/back"}).validate())
	assert.Equal(t, 0, env.mt.GetTotalCallCount(), "nothing was sent")
}

// A lost answer is recovered through /responses/{key} only when the
// recorded session is this request's.
func TestIdentityVerificationsCreateRecovery(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		resource string
		current  string // GET /identity-verifications/{id} after the recovery ("" = not called)
		wantErr  error
	}{
		"this request's, still pending": {idvCreated, idvCreated, ErrIdentityVerificationRedirect},
		// The recorded answer is the PENDING snapshot; the session has an
		// outcome since: no link to a used page, the current session.
		"this request's, validated since": {idvCreated, idvValidRes, nil},
		"another tag":                     {strings.Replace(idvCreated, `"Tag":"Created`, `"Tag":"Other`, 1), "", ErrIdempotencyKeyReused},
		"another return":                  {strings.Replace(idvCreated, `"ReturnUrl":"https://example.com"`, `"ReturnUrl":"https://evil.example"`, 1), "", ErrIdempotencyKeyReused},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t)
			var posts capture
			env.mt.RegisterResponder(http.MethodPost, testAPI+"/users/u1/identity-verifications", posts.wrap(sequence(
				httpmock.NewErrorResponder(errors.New("connection reset by peer")),
				wlRespond(409, apiErrorBody(ErrorTypeIdempotencyConflict, "A resource has already been created with this Idempotency Key")),
			)))
			recorded, _ := json.Marshal(map[string]any{"StatusCode": "200", "ContentType": "application/json",
				"RequestURL": testAPI + "/users/u1/identity-verifications", "Resource": json.RawMessage(tc.resource)})
			env.mt.RegisterRegexpResponder(http.MethodGet, regexp.MustCompile(`^`+regexp.QuoteMeta(testAPI+"/responses/")+`.+$`),
				wlRespond(200, string(recorded)))
			var gets capture
			if tc.current != "" {
				env.mt.RegisterResponder(http.MethodGet, testAPI+"/identity-verifications/"+idvSession, gets.wrap(wlRespond(200, tc.current)))
			}
			v, err := env.c.IdentityVerifications.Create(context.Background(), "u1", idvRequest(), WithIdempotencyKey("kyc-u1-0000000002"))
			if tc.wantErr == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, tc.wantErr)
			}
			if tc.current != "" {
				require.Equal(t, 1, gets.n(), "the recovered session is read again")
			}
			require.Equal(t, 2, posts.n())
			for _, r := range posts.reqs {
				assert.Equal(t, "kyc-u1-0000000002", r.Header.Get("Idempotency-Key"))
			}
			if tc.wantErr == ErrIdempotencyKeyReused {
				assert.Nil(t, v)
				return
			}
			require.NotNil(t, v)
			assert.Equal(t, idvSession, v.ID)
			if tc.wantErr == nil {
				assert.Equal(t, IdentityVerificationValidated, v.Status, "the current session, not the snapshot")
				assert.Equal(t, idvUser, v.UserID)
			}
		})
	}
}

func TestIdentityVerificationsGet(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/identity-verifications/"+idvSession, cp.wrap(wlRespond(200, idvValidRes)))
	v, err := env.c.IdentityVerifications.Get(context.Background(), idvSession)
	require.NoError(t, err)
	r, body := cp.last(t)
	assert.Equal(t, http.MethodGet, r.Method)
	assert.Equal(t, "/prefix/v2.01/"+testClientID+"/identity-verifications/"+idvSession, r.URL.Path)
	assertStdHeaders(t, r)
	assert.Empty(t, body)
	assert.Equal(t, IdentityVerificationValidated, v.Status)
	assert.True(t, v.Status.Final())
	assert.Equal(t, idvUser, v.UserID)
	require.NotNil(t, v.LastUpdate)
	assert.Equal(t, int64(1746457700), v.LastUpdate.Unix())
	require.Len(t, v.Checks, 1)
	c := v.Checks[0]
	assert.Equal(t, "chk_1", c.CheckID)
	assert.Equal(t, "IDENTITY_DOCUMENT_VERIFICATION", c.Type)
	assert.Equal(t, "VALIDATED", c.CheckStatus)
	assert.Equal(t, []IdentityVerificationDatum{{Type: "FIRST_NAME", Value: "Alex"}}, c.Data)
	assert.Empty(t, c.Reasons)

	// A PENDING session's link is checked like Create's.
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/identity-verifications/idnver_bad",
		wlRespond(200, `{"Id":"idnver_bad","Status":"PENDING","HostedUrl":"https://evil.example/x"}`))
	v, err = env.c.IdentityVerifications.Get(context.Background(), "idnver_bad")
	require.NotNil(t, v)
	assert.ErrorIs(t, err, ErrUntrustedRedirect)

	env.mt.RegisterResponder(http.MethodGet, testAPI+"/identity-verifications/idnver_gone",
		wlRespond(404, apiErrorBody("ressource_not_found", "Cannot found the ressource IdentityVerification with the id=idnver_gone")))
	_, err = env.c.IdentityVerifications.Get(context.Background(), "idnver_gone")
	assert.ErrorIs(t, err, ErrNotFound)
	_, err = env.c.IdentityVerifications.Get(context.Background(), "a/b")
	assert.ErrorIs(t, err, ErrInvalidID)
}

func TestIdentityVerificationsList(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/users/"+idvUser+"/identity-verifications", cp.wrap(wlRespond(200,
		`[{"Id":"idnver_01JTG8BTG92TTRP5VSNV35ZYGM","Status":"PENDING","CreationDate":1746449121,"LastUpdate":null},
		  {"Id":"idnver_01JTGAXGJRVNCD9K4CEM311M4Z","Status":"REFUSED","CreationDate":1746449852,"LastUpdate":1746449945}]`)))
	list, err := env.c.IdentityVerifications.List(context.Background(), idvUser)
	require.NoError(t, err)
	r, _ := cp.last(t)
	assert.Equal(t, http.MethodGet, r.Method)
	assert.Equal(t, "/prefix/v2.01/"+testClientID+"/users/"+idvUser+"/identity-verifications", r.URL.Path)
	require.Len(t, list, 2)
	assert.Equal(t, IdentityVerificationPending, list[0].Status)
	assert.Nil(t, list[0].LastUpdate)
	assert.Equal(t, IdentityVerificationRefused, list[1].Status)
	require.NotNil(t, list[1].LastUpdate)
	assert.Equal(t, int64(1746449945), list[1].LastUpdate.Unix())
	_, err = env.c.IdentityVerifications.List(context.Background(), "..")
	assert.ErrorIs(t, err, ErrInvalidID)
}

func TestIdentityVerificationStatusFinal(t *testing.T) {
	t.Parallel()
	for s, final := range map[IdentityVerificationStatus]bool{
		IdentityVerificationPending: false, IdentityVerificationReview: false, "": false,
		IdentityVerificationValidated: true, IdentityVerificationRefused: true, IdentityVerificationOutdated: true,
		IdentityVerificationExpired: true, IdentityVerificationTimeout: true, IdentityVerificationError: true,
	} {
		assert.Equal(t, final, s.Final(), s)
	}
}

// The IDENTITY_VERIFICATION_* events name the session, the USER_KYC_* ones
// the user; FetchResource reads a session.
func TestIdentityVerificationEvents(t *testing.T) {
	t.Parallel()
	for _, typ := range []EventType{EventIdentityVerificationValidated, EventIdentityVerificationFailed,
		EventIdentityVerificationInconclusive, EventIdentityVerificationOutdated} {
		assert.Equal(t, ResourceKindIdentityVerification, typ.ResourceKind(), typ)
		assert.True(t, typ.Known())
	}
	assert.Equal(t, ResourceKindUser, EventUserKYCRegular.ResourceKind())
	assert.Equal(t, ResourceKindUser, EventUserKYCLight.ResourceKind())

	env := newTestClient(t)
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/identity-verifications/"+idvSession, wlRespond(200, idvValidRes))
	res, err := env.c.FetchResource(context.Background(), ResourceKindIdentityVerification, idvSession)
	require.NoError(t, err)
	v, ok := res.(*IdentityVerification)
	require.True(t, ok, "%T", res)
	assert.Equal(t, IdentityVerificationValidated, v.Status)
}
