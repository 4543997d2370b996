package mangopay_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scaforge/mangopay"
	"github.com/scaforge/mangopay/mangopaytest"
)

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// wireSecrets records, server-side, every credential that crossed the wire:
// the Authorization headers clients sent and the tokens the emulator issued.
type wireSecrets struct {
	mu     sync.Mutex
	auth   map[string]bool // Authorization header values
	tokens map[string]bool // access_token values issued
}

func (ws *wireSecrets) all() []string {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	var out []string
	for a := range ws.auth {
		_, cred, _ := strings.Cut(a, " ")
		out = append(out, a, cred)
	}
	for tok := range ws.tokens {
		out = append(out, tok)
	}
	return out
}

// TestSecretsNeverLeak runs a full flow against the emulator — token, POSTs
// and GETs, body and header SCA demands, a retried 500, a 404, a token that
// expires and is replaced, a refused API key, webhooks confirmed through the
// client — with a debug logger on both the client and the emulator. Every
// request goes through an httptest front server that records, from an
// httptest.ResponseRecorder, the tokens the emulator issued and the
// Authorization headers it received. None of these, the API keys or their
// Basic encodings may appear in the logs, in any error (Error, %v, %+v,
// %#v), in the client, its options or the call metadata, or in what the
// webhook handler answers.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	const apiKey = "emu-SECRET-api-key-7f3a9c"
	const wrongKey = "wrong-SECRET-api-key-0b1d"
	logs := &syncBuffer{}
	debug := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug, AddSource: true}))
	text := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	srv := mangopaytest.NewServer(mangopaytest.WithAPIKey(apiKey), mangopaytest.WithLogger(debug))
	t.Cleanup(srv.Close)
	ws := &wireSecrets{auth: map[string]bool{}, tokens: map[string]bool{}}
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a := r.Header.Get("Authorization"); a != "" {
			ws.mu.Lock()
			ws.auth[a] = true
			ws.mu.Unlock()
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, r)
		if strings.HasSuffix(r.URL.Path, "/oauth/token") && rec.Code == http.StatusOK {
			var tok struct {
				AccessToken string `json:"access_token"`
			}
			if json.Unmarshal(rec.Body.Bytes(), &tok) == nil && tok.AccessToken != "" {
				ws.mu.Lock()
				ws.tokens[tok.AccessToken] = true
				ws.mu.Unlock()
			}
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(front.Close)

	opts := []mangopay.Option{
		mangopay.WithBaseURL(front.URL),
		mangopay.WithHTTPClient(front.Client()),
		mangopay.WithLogger(debug),
		mangopay.WithUserAgent("secrets-test/1"),
	}
	c := srv.Client(opts...)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	var errs []error
	var metas []*mangopay.Response
	keep := func(err error) error {
		if err != nil {
			errs = append(errs, err)
		}
		return err
	}
	meta := func() mangopay.RequestOption {
		m := new(mangopay.Response)
		metas = append(metas, m)
		return mangopay.CaptureResponse(m)
	}
	owner := func(first string) string {
		u, err := c.Users.CreateNatural(ctx, &mangopay.CreateNaturalUserRequest{
			UserCategory: mangopay.UserCategoryOwner, TermsAndConditionsAccepted: mangopay.Ptr(true),
			FirstName: first, LastName: "Leak", Email: strings.ToLower(first) + "@example.com",
			Birthday: mangopay.NewDate(1990, time.May, 4), Nationality: "FR", CountryOfResidence: "FR",
			PhoneNumber: "+33611111111",
		}, meta())
		sca, ok := mangopay.AsScaRequired(keep(err))
		require.True(t, ok, "an OWNER's creation demands SCA (body): %v", err)
		require.NoError(t, srv.CompleteSca(sca.RedirectURL, mangopaytest.Validated))
		return u.ID
	}
	wallet := func(userID string) string {
		w, err := c.Wallets.Create(ctx, &mangopay.CreateWalletRequest{Owners: []string{userID}, Description: "leak", Currency: "EUR"}, meta())
		require.NoError(t, err)
		return w.ID
	}

	// Token, POSTs with SCA in the body.
	alex, sam := owner("Alex"), owner("Sam")
	wa, wb := wallet(alex), wallet(sam)
	require.NoError(t, srv.Credit(wa, 100000))

	// A wallet read: SCA in WWW-Authenticate unless access is already open.
	_, err := c.Wallets.Get(ctx, wa, mangopay.ScaUserPresent, meta())
	if sca, ok := mangopay.AsScaRequired(keep(err)); ok {
		assert.Equal(t, mangopay.ScaSourceHeader, sca.Source)
		require.NoError(t, srv.CompleteSca(sca.RedirectURL, mangopaytest.Validated))
		_, err = c.Wallets.Get(ctx, wa, mangopay.ScaUserPresent, meta())
	}
	require.NoError(t, err)

	// A transfer between two OWNERs above the exemption: SCA in the body.
	tr, err := c.Transfers.Create(ctx, &mangopay.CreateTransferRequest{
		AuthorID: alex, DebitedWalletID: wa, CreditedWalletID: wb,
		DebitedFunds: mangopay.Money{Currency: "EUR", Amount: 60000}, Fees: mangopay.Money{Currency: "EUR"},
		ScaContext: mangopay.ScaUserPresent,
	}, meta())
	_, ok := mangopay.AsScaRequired(keep(err))
	require.True(t, ok, "%v", err)
	require.NotEmpty(t, tr.ID)

	// A retried 500, then a 404.
	srv.FailNext(1, http.StatusInternalServerError)
	var retried mangopay.Response
	metas = append(metas, &retried)
	_, err = c.Users.Get(ctx, alex, mangopay.CaptureResponse(&retried))
	require.NoError(t, err)
	assert.Equal(t, 2, retried.Attempts, "the 500 was retried")
	_, err = c.Transfers.Get(ctx, "xfer_m_doesnotexist", meta())
	require.ErrorIs(t, keep(err), mangopay.ErrNotFound)

	// The token expires on the server: 401, a new token, the call replayed.
	srv.Advance(mangopaytest.DefaultTokenLifetime + time.Minute)
	_, err = c.Users.Get(ctx, sam, meta())
	require.NoError(t, err)

	// A refused API key.
	bad, err := mangopay.New(srv.ClientID, wrongKey, opts...)
	require.NoError(t, err)
	_, err = bad.Users.Get(ctx, alex, meta())
	require.ErrorIs(t, keep(err), mangopay.ErrUnauthorized)

	// Webhooks confirmed through the client, one accepted, one refused.
	var hookErrs []error
	h, err := mangopay.NewWebhookHandler(func(context.Context, mangopay.Event) error { return nil },
		mangopay.WithConfirmation(c),
		mangopay.WithWebhookErrorHook(func(_ *http.Request, _ int, err error) { hookErrs = append(hookErrs, err) }))
	require.NoError(t, err)
	var answers []string
	for _, q := range []string{
		fmt.Sprintf("EventType=USER_ACCOUNT_ACTIVATED&RessourceId=%s&Date=%d", alex, time.Now().Unix()),
		fmt.Sprintf("EventType=TRANSFER_NORMAL_SUCCEEDED&RessourceId=xfer_m_doesnotexist&Date=%d", time.Now().Unix()),
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/hooks?"+q, nil))
		answers = append(answers, fmt.Sprintf("%d %v %s", rec.Code, rec.Header(), rec.Body.String()))
	}
	assert.True(t, strings.HasPrefix(answers[0], "200 "), answers[0])
	assert.True(t, strings.HasPrefix(answers[1], "400 "), answers[1])
	require.Len(t, hookErrs, 1)
	errs = append(errs, hookErrs...)

	// Everything is logged once more, through both slog formats.
	for _, l := range []*slog.Logger{debug, text} {
		l.Info("client", "client", c, "bad", bad)
		for _, err := range errs {
			l.Error("call failed", "err", err, "detail", fmt.Sprintf("%+v", err))
		}
	}

	// The secrets really were used: two tokens for the client (the first
	// expired), Basic for both keys, Bearer for each token.
	ws.mu.Lock()
	tokens, auths := len(ws.tokens), len(ws.auth)
	ws.mu.Unlock()
	require.GreaterOrEqual(t, tokens, 2, "a token was replaced after it expired")
	require.GreaterOrEqual(t, auths, tokens+2, "Bearer for each token, Basic for both keys")
	secrets := append(ws.all(), apiKey, wrongKey,
		base64.StdEncoding.EncodeToString([]byte(srv.ClientID+":"+apiKey)),
		base64.StdEncoding.EncodeToString([]byte(srv.ClientID+":"+wrongKey)))

	// Where a secret could leak.
	places := map[string]string{"logs": logs.String()}
	require.Contains(t, places["logs"], `"msg":"mangopay token request"`)
	require.Contains(t, places["logs"], `"msg":"mangopay retry"`)
	for _, v := range []any{c, bad, opts, metas} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			places[fmt.Sprintf("%s of %T", verb, v)] = fmt.Sprintf(verb, v)
		}
	}
	places["%+v of *Client's struct"] = fmt.Sprintf("%+v", *c)
	for i, err := range errs {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			places[fmt.Sprintf("%s of error %d (%T)", verb, i, err)] = fmt.Sprintf(verb, err)
		}
	}
	places["webhook answers"] = strings.Join(answers, "\n")
	places["emulator's request log"] = fmt.Sprintf("%+v", srv.Requests())
	require.GreaterOrEqual(t, len(errs), 6)
	for where, s := range places {
		for _, sec := range secrets {
			assert.NotContains(t, s, sec, "a secret in %s", where)
		}
	}
}
