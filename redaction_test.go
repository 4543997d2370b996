package mangopay_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scaforge/mangopay"
)

// TestRedactionByType walks every fmt verb over every exported type that can
// hold a secret — Token, *Token, []Token, a map and a struct holding one, a
// populated *MemoryTokenStore, a *Client holding a fetched token and the
// Client value, the options that carry the store — and logs each through
// slog's text and JSON handlers and through json.Marshal: the API key and
// the bearer token never appear, in clear, hex or base64.
func TestRedactionByType(t *testing.T) {
	t.Parallel()
	const apiKey = "SECRET-api-key-redact-1234"
	const token = "tok-SECRET-redact-5678"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/v2.01/oauth/token" {
			_, _ = w.Write([]byte(`{"access_token":"` + token + `","token_type":"bearer","expires_in":1200}`))
			return
		}
		_, _ = w.Write([]byte(`{"Id":"w1","Owners":["u1"],"Currency":"EUR"}`))
	}))
	defer srv.Close()

	store := mangopay.NewMemoryTokenStore()
	c, err := mangopay.New("redact-client", apiKey, mangopay.WithBaseURL(srv.URL), mangopay.WithTokenStore(store))
	require.NoError(t, err)
	_, err = c.Wallets.Get(context.Background(), "w1", mangopay.ScaUserPresent)
	require.NoError(t, err)
	got, err := store.Get(context.Background(), srv.URL, "redact-client")
	require.NoError(t, err)
	require.NotNil(t, got, "the store holds the fetched token")
	require.Equal(t, token, got.AccessToken)

	tok := mangopay.Token{AccessToken: token, ExpiresAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	values := map[string]any{
		"Token":                tok,
		"*Token":               &tok,
		"[]Token":              []mangopay.Token{tok, tok},
		"[]*Token":             []*mangopay.Token{&tok},
		"map[string]Token":     map[string]mangopay.Token{"k": tok},
		"map[Token]bool":       map[mangopay.Token]bool{tok: true},
		"struct{Token}":        struct{ T mangopay.Token }{tok},
		"*MemoryTokenStore":    store,
		"*Client":              c,
		"Client":               *c,
		"[]*Client":            []*mangopay.Client{c},
		"WithTokenStore":       mangopay.WithTokenStore(store),
		"struct{Store}":        struct{ S mangopay.TokenStore }{store},
		"[]any{token, client}": []any{tok, c, store},
	}
	secrets := []string{apiKey, token,
		hex.EncodeToString([]byte(apiKey)), hex.EncodeToString([]byte(token)),
		strings.ToUpper(hex.EncodeToString([]byte(token))),
		base64.StdEncoding.EncodeToString([]byte("redact-client:" + apiKey))}
	check := func(t *testing.T, what, s string) {
		t.Helper()
		for _, sec := range secrets {
			if strings.Contains(s, sec) {
				t.Errorf("%s shows a secret: %s", what, s)
			}
		}
	}
	verbs := []string{"%v", "%+v", "%#v", "%s", "%d", "%q", "%x", "%X", "%o", "%b", "%t", "%e", "%f", "%g", "%c", "%U", "%10.3s", "%-8v", "%T"}
	for name, v := range values {
		for _, verb := range verbs {
			check(t, name+" "+verb, fmt.Sprintf(verb, v))
		}
		check(t, name+" Sprint", fmt.Sprint(v))
		check(t, name+" Sprintln", fmt.Sprintln(v))
		var text, js bytes.Buffer
		slog.New(slog.NewTextHandler(&text, nil)).Info("x", "v", v, slog.Any("any", v), slog.Group("g", "v", v))
		slog.New(slog.NewJSONHandler(&js, nil)).Info("x", "v", v, slog.Any("any", v), slog.Group("g", "v", v))
		check(t, name+" slog text", text.String())
		check(t, name+" slog JSON", js.String()) // a Token held in a container too: Token.MarshalJSON
		if b, err := json.Marshal(v); err == nil {
			check(t, name+" json.Marshal", string(b))
		}
	}
	// json.Marshal writes the token redacted, readably.
	b, err := json.Marshal(struct{ Tokens []mangopay.Token }{[]mangopay.Token{tok}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"Tokens":[{"AccessToken":"[redacted]","ExpiresAt":"2026-01-02T03:04:05Z"}]}`, string(b))
	// Readable all the same.
	assert.Equal(t, "mangopay.Token{AccessToken: [redacted], ExpiresAt: 2026-01-02T03:04:05Z}", fmt.Sprintf("%d", tok))
	assert.Equal(t, `"mangopay.Token{AccessToken: [redacted], ExpiresAt: 2026-01-02T03:04:05Z}"`, fmt.Sprintf("%q", &tok))
	assert.Equal(t, "mangopay.MemoryTokenStore{tokens: 1}", fmt.Sprintf("%+v", store))
	assert.Contains(t, fmt.Sprintf("%x", *c), `ClientID: "redact-client"`)
	assert.Equal(t, "mangopay.MemoryTokenStore(nil)", fmt.Sprint((*mangopay.MemoryTokenStore)(nil)))
}
