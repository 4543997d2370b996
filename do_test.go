package mangopay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("POST through the pipeline", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		var cp capture
		env.mt.RegisterResponder(http.MethodPost, testAPI+"/users/u%C3%A91/kyc/documents", cp.wrap(sequence(
			jsonResponder(503, ``),
			jsonResponder(200, `{"Id":"kyc_1","Status":"CREATED"}`))))
		p, err := Path("/users/%s/kyc/documents", "u\u00e91")
		require.NoError(t, err)
		var out struct{ ID, Status string }
		var meta Response
		require.NoError(t, env.c.Do(ctx, http.MethodPost, p, map[string]string{"Type": "IDENTITY_PROOF"}, &out, CaptureResponse(&meta)))
		assert.Equal(t, "kyc_1", out.ID)
		require.Equal(t, 2, cp.n(), "retried")
		r, body := cp.last(t)
		assert.Equal(t, "/prefix/v2.01/"+testClientID+"/users/u%C3%A91/kyc/documents", r.URL.EscapedPath())
		assertStdHeaders(t, r)
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
		assert.JSONEq(t, `{"Type":"IDENTITY_PROOF"}`, string(body))
		assert.Equal(t, cp.reqs[0].Header.Get("Idempotency-Key"), r.Header.Get("Idempotency-Key"), "one key across retries")
		assert.Equal(t, 2, meta.Attempts)
	})
	t.Run("GET with a query", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		var cp capture
		env.mt.RegisterResponderWithQuery(http.MethodGet, testAPI+"/users/u1/kyc/documents", "Page=2&Per_Page=10", cp.wrap(jsonResponder(200, `[{"Id":"k"}]`)))
		var out []struct{ ID string }
		require.NoError(t, env.c.Do(ctx, http.MethodGet, "/users/u1/kyc/documents?Page=2&Per_Page=10", nil, &out))
		require.Len(t, out, 1)
		r, _ := cp.last(t)
		assertStdHeaders(t, r)
	})
	t.Run("errors decode", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		env.mt.RegisterResponder(http.MethodGet, testAPI+"/kyc/documents/nope", jsonResponder(404, apiErrorBody(ErrorTypeNotFound, "The ressource does not exist")))
		err := env.c.Do(ctx, http.MethodGet, "/kyc/documents/nope", nil, nil)
		assert.ErrorIs(t, err, ErrNotFound)
	})
	t.Run("a lost POST is an unknown outcome, recovered under its key with the caller's check", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t, WithMaxRetries(0))
		env.mt.RegisterResponder(http.MethodPost, testAPI+"/users/u1/kyc/documents", sequence(
			httpmock.NewErrorResponder(errors.New("read: connection reset by peer")),
			jsonResponder(409, apiErrorBody(ErrorTypeIdempotencyConflict, "already"))))
		env.mt.RegisterRegexpResponder(http.MethodGet, regexpResponses, jsonResponder(200, recorded("200", "/users/u1/kyc/documents", `{"Id":"kyc_9","UserId":"u1"}`)))
		var out struct {
			ID     string `json:"Id"`
			UserID string `json:"UserId"`
		}
		err := env.c.Do(ctx, http.MethodPost, "/users/u1/kyc/documents", map[string]string{"Type": "IDENTITY_PROOF"}, &out)
		ou := requireOutcomeUnknown(t, err, http.MethodPost, "/users/u1/kyc/documents")
		var checked int
		check := WithRecoveryCheck(func(v any) error { checked++; return nil })
		require.NoError(t, env.c.Do(ctx, http.MethodPost, "/users/u1/kyc/documents", map[string]string{"Type": "IDENTITY_PROOF"}, &out,
			WithIdempotencyKey(ou.IdempotencyKey), check))
		assert.Equal(t, "kyc_9", out.ID)
		assert.Equal(t, 1, checked)
	})
	t.Run("bad input refused before the network", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		for _, tc := range []struct{ method, path string }{
			{"GET", "users/u1"}, {"GET", ""}, {"GET", "/users//kyc"}, {"GET", "/users/../hooks"}, {"GET", "/users/%2e%2e/x"},
			{"GET", "/users/a b"}, {"GET", "/users/u1#frag"}, {"GET", "/users/%zz"}, {"GET", "/v2.01/acme-test/users"},
			{"GET", "/x?%zz"}, {"TRACE", "/users"}, {"", "/users"}, {"GET", "/users/\x00"},
		} {
			err := env.c.Do(ctx, tc.method, tc.path, nil, nil)
			var ve *ValidationError
			require.ErrorAs(t, err, &ve, "%s %q", tc.method, tc.path)
			assert.ErrorIs(t, err, ErrInvalidRequest)
		}
		_, err := Path("/users/%s", "a/b")
		assert.ErrorIs(t, err, ErrInvalidID)
		assert.Zero(t, env.mt.GetTotalCallCount())
	})
}

// Do detects what the typed methods detect: SCA in a 2xx body (decoded into
// a model or a generic value) and in a 401 WWW-Authenticate header, each
// link host-checked.
func TestDoScaDetection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const link = "https://sca.sandbox.mangopay.com/?token=tok-sca"
	body := `{"Id":"tr_1","Status":"CREATED","PendingUserAction":{"RedirectUrl":"` + link + `"}}`
	for name, out := range map[string]any{
		"*Transfer":        &Transfer{},
		"*map[string]any":  &map[string]any{},
		"*any":             new(any),
		"*json.RawMessage": &json.RawMessage{},
	} {
		t.Run("2xx body into "+name, func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t)
			env.mt.RegisterResponder(http.MethodPost, testAPI+"/transfers", jsonResponder(200, body))
			err := env.c.Do(ctx, http.MethodPost, "/transfers", map[string]string{"Tag": "t"}, out)
			sca, ok := AsScaRequired(err)
			require.True(t, ok, "%v", err)
			assert.Equal(t, link, sca.RedirectURL)
			assert.Equal(t, ScaSourceBody, sca.Source)
			assert.Equal(t, http.MethodPost, sca.Method)
		})
	}
	t.Run("a lower-case key in a map is found too", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		env.mt.RegisterResponder(http.MethodGet, testAPI+"/things/1", jsonResponder(200, `{"pendingUserAction":{"redirectUrl":"`+link+`"}}`))
		var out map[string]any
		assert.ErrorIs(t, env.c.Do(ctx, http.MethodGet, "/things/1", nil, &out), ErrScaRequired)
	})
	t.Run("no PendingUserAction, or null: no SCA", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		env.mt.RegisterResponder(http.MethodGet, testAPI+"/things/1", jsonResponder(200, `{"Id":"1","PendingUserAction":null}`))
		var out map[string]any
		require.NoError(t, env.c.Do(ctx, http.MethodGet, "/things/1", nil, &out))
		var raw json.RawMessage
		require.NoError(t, env.c.Do(ctx, http.MethodGet, "/things/1", nil, &raw))
	})
	t.Run("401 WWW-Authenticate", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		env.mt.RegisterResponder(http.MethodGet, testAPI+"/wallets/w1", withHeader(jsonResponder(401, apiErrorBody("forbidden_ressource", "SCA")),
			"WWW-Authenticate", `PendingUserAction RedirectUrl="`+link+`"`))
		var out map[string]any
		err := env.c.Do(ctx, http.MethodGet, "/wallets/w1", nil, &out)
		sca, ok := AsScaRequired(err)
		require.True(t, ok, "%v", err)
		assert.Equal(t, ScaSourceHeader, sca.Source)
		assert.Equal(t, link, sca.RedirectURL)
		assert.Equal(t, 1, env.mt.GetCallCountInfo()["GET "+testAPI+"/wallets/w1"], "an SCA demand is not replayed")
	})
	t.Run("an untrusted SCA link is refused", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		env.mt.RegisterResponder(http.MethodPost, testAPI+"/transfers", jsonResponder(200, strings.Replace(body, "sca.sandbox.mangopay.com", "evil.example", 1)))
		var out map[string]any
		err := env.c.Do(ctx, http.MethodPost, "/transfers", map[string]string{"Tag": "t"}, &out)
		assert.ErrorIs(t, err, ErrUntrustedRedirect)
		_, ok := AsRedirect(err)
		assert.False(t, ok)
	})
}

// A POST through Do decoded into a *PayIn (or *IdentityVerification)
// follows the one redirect rule of the typed creates.
func TestDoPaymentRedirect(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	web := fixture(t, "payins/create-web-response-created.json")
	t.Run("a CREATED web pay-in: *PaymentRedirectError, pay-in decoded", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		env.mt.RegisterResponder(http.MethodPost, testAPI+"/payins/card/web", jsonResponder(200, string(web)))
		var p PayIn
		err := env.c.Do(ctx, http.MethodPost, "/payins/card/web", documentedWebPayIn(), &p)
		var pr *PaymentRedirectError
		require.ErrorAs(t, err, &pr)
		assert.Equal(t, PaymentRedirectHostedPage, pr.Kind)
		assert.Equal(t, p.RedirectURL, pr.RedirectURL)
		assert.Equal(t, "wt_f0f67b58-2856-469c-952c-b06e556a70e6", pr.PayInID)
		assert.Equal(t, testAPI+"/payins/card/web", pr.URL)
		_, ok := AsRedirect(err)
		assert.True(t, ok)
	})
	t.Run("an untrusted payment link is refused", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		env.mt.RegisterResponder(http.MethodPost, testAPI+"/payins/card/web", jsonResponder(200, strings.Replace(string(web), "pay.mangopay.com", "pay.evil.example", 1)))
		var p PayIn
		err := env.c.Do(ctx, http.MethodPost, "/payins/card/web", documentedWebPayIn(), &p)
		assert.ErrorIs(t, err, ErrUntrustedRedirect)
		_, ok := AsRedirect(err)
		assert.False(t, ok)
		assert.Equal(t, PayInStatusCreated, p.Status, "the pay-in is decoded with the error")
	})
	t.Run("a SUCCEEDED pay-in or a GET: no redirect", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		env.mt.RegisterResponder(http.MethodPost, testAPI+"/payins/card/direct", jsonResponder(200, string(fixture(t, "payins/view-direct-failed-101101.json"))))
		env.mt.RegisterResponder(http.MethodGet, testAPI+"/payins/wt_1", jsonResponder(200, string(web)))
		var p PayIn
		require.NoError(t, env.c.Do(ctx, http.MethodPost, "/payins/card/direct", documentedDirectPayIn(), &p))
		require.NoError(t, env.c.Do(ctx, http.MethodGet, "/payins/wt_1", nil, &p), "a GET never turns a stored link into a redirect")
	})
	t.Run("a recovered pay-in is read again", func(t *testing.T) {
		t.Parallel()
		var m map[string]any
		require.NoError(t, json.Unmarshal(web, &m))
		m["Status"] = "SUCCEEDED"
		b, _ := json.Marshal(m)
		env, gets := recoveredPayInEnv(t, "/payins/card/web", web, jsonResponder(200, string(b)), time.Unix(1746006308+60, 0))
		var p PayIn
		require.NoError(t, env.c.Do(ctx, http.MethodPost, "/payins/card/web", documentedWebPayIn(), &p, WithIdempotencyKey("order-1234-5678-abcd")))
		assert.Equal(t, 1, gets.n())
		assert.Equal(t, PayInStatusSucceeded, p.Status)
	})
	t.Run("an identity verification session", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		env.mt.RegisterResponder(http.MethodPost, testAPI+"/users/u1/identity-verifications", jsonResponder(200, idvCreated))
		var v IdentityVerification
		err := env.c.Do(ctx, http.MethodPost, "/users/u1/identity-verifications", idvRequest(), &v)
		assert.ErrorIs(t, err, ErrIdentityVerificationRedirect)
		assert.Equal(t, idvSession, v.ID)
	})
}

// Do caps a 2xx body like every call, and logs through WithLogger without
// any secret.
func TestDoSizeCapAndLogging(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var buf bytes.Buffer // the calls are sequential
	env := newTestClient(t, WithMaxRetries(0), WithLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	env.c.maxBody = 1024
	big := `{"Id":"k1","Pad":"` + strings.Repeat("x", 4096) + `"}`
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/kyc/documents/k1", jsonResponder(200, big))
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/users/u1/kyc/documents", jsonResponder(200, big))
	var out map[string]any
	err := env.c.Do(ctx, http.MethodGet, "/kyc/documents/k1", nil, &out)
	assert.ErrorIs(t, err, errBodyTooLarge)
	err = env.c.Do(ctx, http.MethodPost, "/users/u1/kyc/documents", map[string]string{"Type": "IDENTITY_PROOF"}, &out)
	assert.ErrorIs(t, err, errBodyTooLarge)
	assert.Equal(t, 1, env.mt.GetCallCountInfo()["POST "+testAPI+"/users/u1/kyc/documents"], "an oversized answer is not recovered nor retried")
	assert.Equal(t, 3, env.mt.GetTotalCallCount(), "token, GET, POST: no /responses lookup")

	env.mt.RegisterResponder(http.MethodGet, testAPI+"/kyc/documents/k2", jsonResponder(200, `{"Id":"k2"}`))
	require.NoError(t, env.c.Do(ctx, http.MethodGet, "/kyc/documents/k2", nil, &out))
	logs := buf.String()
	assert.Contains(t, logs, "/kyc/documents/k2")
	assert.Contains(t, logs, "method=POST")
	assert.Contains(t, logs, "idempotency_key=")
	for _, s := range secrets {
		assert.NotContains(t, logs, s)
	}
	assert.NotContains(t, err.Error(), testAPIKey)
}
