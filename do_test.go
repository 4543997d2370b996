package mangopay

import (
	"context"
	"errors"
	"net/http"
	"testing"

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
