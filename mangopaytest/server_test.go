package mangopaytest_test

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/scaforge/mangopay/mangopaytest"
)

// tokenRequest posts to the OAuth endpoint with the given Basic credentials
// (none when id is empty) and form body.
func tokenRequest(t *testing.T, a *api, id, key, form string) resp {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, a.srv.URL+"/v2.01/oauth/token", strings.NewReader(form))
	require.NoError(t, err)
	if id != "" {
		req.SetBasicAuth(id, key)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return a.send(req)
}

func TestOAuthToken(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	r := tokenRequest(t, a, a.srv.ClientID, a.srv.APIKey, "grant_type=client_credentials")
	require.Equal(t, http.StatusOK, r.status)
	got := decodeAny(t, r.body)
	assertShape(t, fixtureJSON(t, "oauth/token.response.json"), got, "token")
	m := got.(map[string]any)
	assert.Equal(t, "bearer", m["token_type"])
	assert.EqualValues(t, 1200, m["expires_in"])
	assert.Regexp(t, `^[0-9a-f]{32}$`, m["access_token"])
	assert.Len(t, strings.Split(r.header.Get("X-RateLimit"), ","), 4, "rate-limit headers on the token call too")

	r = tokenRequest(t, a, "", "", "grant_type=client_credentials")
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.Equal(t, "invalid_client", r.json(t)["error"])
	assert.NotEmpty(t, r.json(t)["error_description"])
	assert.Equal(t, `Basic realm="mangopay"`, r.header.Get("WWW-Authenticate"))

	r = tokenRequest(t, a, a.srv.ClientID, "wrong-key", "grant_type=client_credentials")
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.Equal(t, "invalid_client", r.json(t)["error"])

	r = tokenRequest(t, a, a.srv.ClientID, a.srv.APIKey, "grant_type=password")
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "unsupported_grant_type", r.json(t)["error"])
	r = tokenRequest(t, a, a.srv.ClientID, a.srv.APIKey, "")
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "invalid_request", r.json(t)["error"])

	// The SDKs' path variants are tolerated: PHP appends a slash, Java a
	// space.
	for _, p := range []string{"/v2.01/oauth/token/", "/v2.01/oauth/token%20"} {
		req, _ := http.NewRequest(http.MethodPost, a.srv.URL+p, strings.NewReader("grant_type=client_credentials"))
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(a.srv.ClientID+":"+a.srv.APIKey)))
		assert.Equal(t, http.StatusOK, a.send(req).status, p)
	}
}

func TestOAuthLockoutAfterRepeatedBadCredentials(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	for i := 0; i < 10; i++ {
		require.Equal(t, http.StatusUnauthorized, tokenRequest(t, a, a.srv.ClientID, "bad", "grant_type=client_credentials").status)
	}
	r := tokenRequest(t, a, a.srv.ClientID, a.srv.APIKey, "grant_type=client_credentials")
	assert.Equal(t, http.StatusBadRequest, r.status, "locked, even with the right key")
	assert.Equal(t, map[string]any{"error": "unauthorized_client",
		"error_description": "This account has been temporarily locked for security reasons. Please try again later."}, r.json(t))
	a.srv.Advance(time.Minute)
	assert.Equal(t, http.StatusOK, tokenRequest(t, a, a.srv.ClientID, a.srv.APIKey, "grant_type=client_credentials").status)
}

func TestBearerTokens(t *testing.T) {
	t.Parallel()
	a := newAPI(t, mangopaytest.WithTokenLifetime(time.Minute), mangopaytest.WithClientID("acme"), mangopaytest.WithAPIKey("k-123"))
	assert.Equal(t, "acme", a.srv.ClientID)
	assert.Equal(t, "k-123", a.srv.APIKey)
	r := tokenRequest(t, a, "acme", "k-123", "grant_type=client_credentials")
	assert.EqualValues(t, 60, r.json(t)["expires_in"])

	assert.Equal(t, http.StatusOK, a.get("/hooks").status)
	a.srv.Advance(time.Minute)
	r = a.get("/hooks")
	require.Equal(t, http.StatusUnauthorized, r.status)
	m := r.json(t)
	assert.Equal(t, map[string]any{"Message": "The authorization credentials are not valid", "Type": "invalid_credentials", "Date": m["Date"]}, m)
	assertJustNow(t, a.srv, m["Date"])

	a.token = a.fetchToken()
	assert.Equal(t, http.StatusOK, a.get("/hooks").status)
	a.token = "0123456789abcdef0123456789abcdef"
	assert.Equal(t, http.StatusUnauthorized, a.get("/hooks").status)

	// A token is only good for its own ClientId.
	a.token = a.fetchToken()
	req, _ := http.NewRequest(http.MethodGet, a.srv.URL+"/v2.01/other-client/hooks", nil)
	req.Header.Set("Authorization", "Bearer "+a.token)
	assert.Equal(t, http.StatusUnauthorized, a.send(req).status)
}

func TestRateLimitHeaders(t *testing.T) {
	t.Parallel()
	a := newAPI(t, mangopaytest.WithRateLimits(3, 100, 200, 300))
	r := a.get("/hooks") // the token call was the first
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "2, 2, 2, 2", r.header.Get("X-RateLimit"))
	assert.Equal(t, "1, 98, 198, 298", r.header.Get("X-RateLimit-Remaining"))
	resets := strings.Split(r.header.Get("X-RateLimit-Reset"), ", ")
	require.Len(t, resets, 4)
	now := a.srv.Now().Unix()
	for i, win := range []int64{900, 1800, 3600, 86400} {
		n, err := strconv.ParseInt(resets[i], 10, 64)
		require.NoError(t, err)
		assert.True(t, n > now && n <= now+win, "reset %d of window %ds", n, win)
	}
	assert.Equal(t, http.StatusOK, a.get("/hooks").status)
	r = a.get("/hooks")
	assertError(t, r, http.StatusTooManyRequests, "rate_limit")
	assert.Equal(t, "Rate limit exceeded. Please contact support for more assistance", r.json(t)["Message"])
	assert.True(t, strings.HasPrefix(r.header.Get("X-RateLimit-Remaining"), "0, "))

	a.srv.Advance(15 * time.Minute)
	assert.Equal(t, http.StatusOK, a.get("/hooks").status, "the 15-minute window reset")
}

func TestRoutingErrors(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	assertError(t, a.get("/nothing/here"), http.StatusNotFound, "ressource_not_found")
	// A path too short to name a ClientId: 404, with the rate-limit headers
	// (which send checks on every /v2.01/ answer).
	req, err := http.NewRequest(http.MethodGet, a.srv.URL+"/v2.01/", nil)
	require.NoError(t, err)
	assertError(t, a.send(req), http.StatusNotFound, "ressource_not_found")
	r := a.call(http.MethodDelete, "/wallets/w1", nil)
	assert.Equal(t, http.StatusMethodNotAllowed, r.status)
	assert.Equal(t, "GET, PUT", r.header.Get("Allow"))
	r = a.call(http.MethodPost, "/hooks", strings.Repeat("x", 1<<20+1))
	assert.Equal(t, http.StatusRequestEntityTooLarge, r.status)
	// Ids are unescaped from the path.
	assertError(t, a.get("/wallets/a%20b"), http.StatusNotFound, "ressource_not_found")
	assert.Contains(t, a.get("/wallets/a%20b").json(t)["errors"].(map[string]any)["RessourceNotFound"], "id=a b")
	// An escaped slash stays inside its segment.
	assert.Contains(t, a.get("/wallets/a%2Fb").json(t)["errors"].(map[string]any)["RessourceNotFound"], "id=a/b")
	// One trailing slash is accepted; two are not.
	assert.Equal(t, http.StatusOK, a.get("/hooks/").status)
	assertError(t, a.get("/wallets/w1/"), http.StatusNotFound, "ressource_not_found")
	assertError(t, a.get("/hooks//"), http.StatusNotFound, "ressource_not_found")
	assertError(t, a.get("/wallets//x"), http.StatusNotFound, "ressource_not_found")
	// HEAD is no method of the API, even where GET is.
	r = a.call(http.MethodHead, "/hooks", nil)
	assert.Equal(t, http.StatusMethodNotAllowed, r.status)
	assert.Equal(t, "GET, POST", r.header.Get("Allow"))
	// The first registered route wins where patterns overlap:
	// /sca/users/natural/{id} before /sca/users/{id}/sca-status.
	errs := assertError(t, a.get("/sca/users/natural/sca-status"), http.StatusNotFound, "ressource_not_found")
	assert.Contains(t, errs["RessourceNotFound"], "id=sca-status")
	r = a.call(http.MethodPatch, "/sca/users/u1/sca-status", nil)
	assert.Equal(t, http.StatusMethodNotAllowed, r.status)
	assert.Equal(t, "GET", r.header.Get("Allow"))
}

func TestPagination(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	payer := a.createPayer("Paula")
	var ids []string
	for i := 0; i < 25; i++ {
		ids = append(ids, a.wallet(payer, "EUR", 0))
	}
	r := a.get("/users/" + payer + "/wallets")
	require.Equal(t, http.StatusOK, r.status)
	assert.Len(t, r.list(t), 10, "10 per page by default")
	assert.Equal(t, "3", r.header.Get("X-Number-Of-Pages"))
	assert.Equal(t, "25", r.header.Get("X-Number-Of-Items"))

	r = a.get("/users/" + payer + "/wallets?page=3&per_page=10")
	l := r.list(t)
	require.Len(t, l, 5)
	assert.Equal(t, ids[20], l[0]["Id"])
	link := r.header.Get("Link")
	assert.Contains(t, link, `rel="first"`)
	assert.Contains(t, link, `rel="prev"`)
	assert.NotContains(t, link, `rel="next"`)
	assert.Contains(t, link, a.srv.URL+"/v2.01/"+a.srv.ClientID+"/users/"+payer+"/wallets?page=3&per_page=10>; rel=\"last\"")

	r = a.get("/users/" + payer + "/wallets?per_page=100&Sort=CreationDate:DESC")
	l = r.list(t)
	require.Len(t, l, 25)
	assert.Equal(t, ids[24], l[0]["Id"])
	assert.Equal(t, "1", r.header.Get("X-Number-Of-Pages"))

	assert.Empty(t, a.get("/users/"+payer+"/wallets?page=9").list(t), "past the end: empty")
	errs := assertError(t, a.get("/users/"+payer+"/wallets?per_page=101"), http.StatusBadRequest, "param_error")
	assert.Contains(t, errs, "per_page")
	assertError(t, a.get("/users/"+payer+"/wallets?page=0"), http.StatusBadRequest, "param_error")
	assertError(t, a.get("/users/"+payer+"/wallets?Sort=Amount:ASC"), http.StatusBadRequest, "param_error")
}

func TestIdempotencyStore(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	const key = "order-2025-000042"
	body := map[string]any{"EventType": "TRANSFER_NORMAL_SUCCEEDED", "Url": "https://platform.example/hooks"}
	first := a.call(http.MethodPost, "/hooks", body, "Idempotency-Key", key)
	require.Equal(t, http.StatusOK, first.status)

	again := a.call(http.MethodPost, "/hooks", body, "Idempotency-Key", key)
	assertError(t, again, http.StatusConflict, "idempotent_creation_conflict")
	assert.Equal(t, "A resource has already been created with this Idempotency Key", again.json(t)["Message"])
	assert.Contains(t, again.json(t), "errors")
	assert.Len(t, a.get("/hooks").list(t), 1, "the conflicting call created nothing")

	stored := a.ok(a.get("/responses/" + key))
	assert.Equal(t, "200", stored["StatusCode"])
	assert.Equal(t, strconv.Itoa(len(first.body)), stored["ContentLength"])
	assert.Equal(t, "application/json; charset=utf-8", stored["ContentType"])
	assert.Equal(t, a.srv.URL+"/v2.01/"+a.srv.ClientID+"/hooks", stored["RequestURL"])
	d, err := time.Parse(time.RFC1123, stored["Date"].(string))
	require.NoError(t, err, "Date is RFC 1123")
	assert.WithinDuration(t, a.srv.Now(), d, 2*time.Second)
	assert.Equal(t, decodeAny(t, first.body), stored["Resource"], "Resource is the original body")

	// Failures are recorded too, and block the key.
	const badKey = "failed-call-0000001"
	bad := a.call(http.MethodPost, "/hooks", map[string]any{"EventType": "NOPE"}, "Idempotency-Key", badKey)
	require.Equal(t, http.StatusBadRequest, bad.status)
	stored = a.ok(a.get("/responses/" + badKey))
	assert.Equal(t, "400", stored["StatusCode"])
	assert.Equal(t, "param_error", stored["Resource"].(map[string]any)["Type"])
	assertError(t, a.call(http.MethodPost, "/hooks", body, "Idempotency-Key", badKey), http.StatusConflict, "idempotent_creation_conflict")

	// A 200 without a body (Validate) stores a null Resource.
	owner := a.activeOwner("Olga")
	const vKey = "validate-call-00001"
	require.Equal(t, http.StatusOK, a.call(http.MethodPost, "/users/"+owner+"/recipients/validate",
		string(fixture(t, "recipients/create-eur-local-individual.request.json")), "Idempotency-Key", vKey).status)
	stored = a.ok(a.get("/responses/" + vKey))
	assert.Equal(t, "0", stored["ContentLength"])
	assert.Nil(t, stored["Resource"])

	assertError(t, a.get("/responses/never-used-key-0001"), http.StatusNotFound, "ressource_not_found")
	errs := assertError(t, a.call(http.MethodPost, "/hooks", body, "Idempotency-Key", "short"), http.StatusBadRequest, "param_error")
	assert.Contains(t, errs, "Idempotency-Key")

	// After 24 hours the key is free again and its response forgotten.
	a.srv.Advance(24 * time.Hour)
	a.token = a.fetchToken()
	assertError(t, a.get("/responses/"+key), http.StatusNotFound, "ressource_not_found")
	r := a.call(http.MethodPost, "/hooks", map[string]any{"EventType": "TRANSFER_NORMAL_FAILED", "Url": "https://platform.example/hooks"}, "Idempotency-Key", key)
	assert.Equal(t, http.StatusOK, r.status)
	// GETs ignore the header.
	assert.Equal(t, http.StatusOK, a.call(http.MethodGet, "/hooks", nil, "Idempotency-Key", key).status)
}

func TestFailNext(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	a.srv.FailNext(2, http.StatusInternalServerError)
	assertError(t, a.get("/hooks"), http.StatusInternalServerError, "internal_server_error")
	const key = "fault-key-00000001"
	body := map[string]any{"EventType": "TRANSFER_NORMAL_SUCCEEDED", "Url": "https://platform.example/hooks"}
	assertError(t, a.call(http.MethodPost, "/hooks", body, "Idempotency-Key", key), http.StatusInternalServerError, "internal_server_error")
	assert.Empty(t, a.get("/hooks").list(t), "an injected failure has no effect")
	assert.Equal(t, "500", a.ok(a.get("/responses/" + key))["StatusCode"], "and is recorded under its key")

	a.srv.FailNext(1, http.StatusTooManyRequests)
	r := a.get("/hooks")
	assertError(t, r, http.StatusTooManyRequests, "rate_limit")
	assert.Equal(t, "1", r.header.Get("Retry-After"))

	a.srv.InjectFault(mangopaytest.Fault{Count: 1, Status: http.StatusServiceUnavailable, RetryAfter: 2500 * time.Millisecond, Method: "POST", Path: "/hooks"})
	assert.Equal(t, http.StatusOK, a.get("/hooks").status, "a GET does not match")
	r = a.call(http.MethodPost, "/hooks", body)
	assert.Equal(t, http.StatusServiceUnavailable, r.status)
	assert.Equal(t, "3", r.header.Get("Retry-After"), "rounded up to whole seconds")
	assert.Equal(t, http.StatusOK, a.call(http.MethodPost, "/hooks", body).status, "the fault was used up")

	a.srv.FailNext(1, 200) // not an error status: treated as 500
	assert.Equal(t, http.StatusInternalServerError, a.get("/hooks").status)
	a.srv.FailNext(0, 500) // nothing
	assert.Equal(t, http.StatusOK, a.get("/hooks").status)
}

func TestDropNextResponses(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	payer, other := a.createPayer("Paula"), a.acceptOwner("Pete")
	from, to := a.wallet(payer, "EUR", 10000), a.wallet(other, "EUR", 0)
	a.srv.DropNextResponses(1)
	const key = "dropped-transfer-01"
	body := map[string]any{"AuthorId": payer, "DebitedWalletId": from, "CreditedWalletId": to,
		"DebitedFunds": map[string]any{"Currency": "EUR", "Amount": 2500}, "Fees": map[string]any{"Currency": "EUR", "Amount": 0}}
	j, _ := jsonBody(body)
	req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/v2.01/"+a.srv.ClientID+"/transfers", j)
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Idempotency-Key", key)
	// A fresh connection: on a reused one net/http would replay the POST
	// itself (it carries an Idempotency-Key) and get the 409 below.
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	_, err := (&http.Client{Transport: tr}).Do(req)
	require.Error(t, err, "the connection is closed without a response")

	assert.EqualValues(t, 7500, a.balance(from), "the transfer happened")
	assert.EqualValues(t, 2500, a.balance(to))
	stored := a.ok(a.get("/responses/" + key))
	assert.Equal(t, "200", stored["StatusCode"])
	assert.Equal(t, "SUCCEEDED", stored["Resource"].(map[string]any)["Status"])
	assertError(t, a.call(http.MethodPost, "/transfers", body, "Idempotency-Key", key), http.StatusConflict, "idempotent_creation_conflict")

	reqs := a.srv.Requests()
	var dropped []mangopaytest.Request
	for _, r := range reqs {
		if r.Dropped {
			dropped = append(dropped, r)
		}
	}
	require.Len(t, dropped, 1)
	assert.Equal(t, "/v2.01/"+a.srv.ClientID+"/transfers", dropped[0].Path)
	assert.Equal(t, http.StatusOK, dropped[0].Status)
}

func TestResetConnectionsAndLatency(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	a.srv.ResetConnections(1)
	for i := 0; i < 4; i++ {
		req, _ := http.NewRequest(http.MethodGet, a.srv.URL+"/v2.01/"+a.srv.ClientID+"/hooks", nil)
		req.Header.Set("Authorization", "Bearer "+a.token)
		_, err := a.hc.Do(req)
		assert.Error(t, err)
	}
	a.srv.ResetConnections(0)
	assert.Equal(t, http.StatusOK, a.get("/hooks").status)

	a.srv.Latency(30 * time.Millisecond)
	start := time.Now()
	assert.Equal(t, http.StatusOK, a.get("/hooks").status)
	assert.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond, "the answer waited for the latency")
	a.srv.Latency(0)
}

func TestRequestLog(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	a.call(http.MethodPost, "/hooks", map[string]any{"EventType": "TRANSFER_NORMAL_SUCCEEDED", "Url": "https://platform.example/hooks"}, "Idempotency-Key", "logged-request-0001")
	reqs := a.srv.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "/v2.01/oauth/token", reqs[0].Path)
	assert.Equal(t, "Basic [redacted]", reqs[0].Header.Get("Authorization"))
	r := reqs[1]
	assert.Equal(t, http.MethodPost, r.Method)
	assert.Equal(t, "/v2.01/"+a.srv.ClientID+"/hooks", r.Path)
	assert.Equal(t, "Bearer [redacted]", r.Header.Get("Authorization"))
	assert.NotContains(t, r.Header.Get("Authorization"), a.token)
	assert.Equal(t, "logged-request-0001", r.Header.Get("Idempotency-Key"))
	assert.JSONEq(t, `{"EventType":"TRANSFER_NORMAL_SUCCEEDED","Url":"https://platform.example/hooks"}`, string(r.Body))
	assert.Equal(t, http.StatusOK, r.Status)
	assert.False(t, r.Dropped)
	assert.WithinDuration(t, a.srv.Now(), r.Time, time.Minute)
}

func TestCloseLeavesNoGoroutine(t *testing.T) {
	// Not parallel: goleak compares against the goroutines running now.
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv := mangopaytest.NewServer()
	a := &api{t: t, srv: srv, hc: noRedirects(srv.HTTPClient())}
	a.token = a.fetchToken()
	owner := a.activeOwner("Olga")
	a.wallet(owner, "EUR", 100)
	a.srv.Latency(time.Hour) // a request stuck in latency is released by Close
	done := make(chan struct{})
	go func() {
		defer close(done)
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v2.01/"+srv.ClientID+"/hooks", nil)
		req.Header.Set("Authorization", "Bearer "+a.token)
		if res, err := srv.HTTPClient().Do(req); err == nil {
			res.Body.Close()
		}
	}()
	time.Sleep(20 * time.Millisecond) // let the request reach the server (Close works either way)
	srv.Close()
	<-done
	srv.Close() // twice is fine
}

// A connection opened but never used (an HTTP client's spare dial) does not
// hold Close up: net/http's Shutdown would wait 5 s for it, as if it were
// busy. The bound below is half that grace, far above what Close takes.
func TestCloseDoesNotWaitForUnusedConnections(t *testing.T) {
	t.Parallel()
	srv := mangopaytest.NewServer()
	var idle []net.Conn
	for range 3 {
		conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
		require.NoError(t, err)
		idle = append(idle, conn)
	}
	// One more that has sent a request and is idle between requests.
	busy, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	require.NoError(t, err)
	_, err = busy.Write([]byte("GET /v2.01/" + srv.ClientID + "/hooks HTTP/1.1\r\nHost: x\r\n\r\n"))
	require.NoError(t, err)
	res, err := http.ReadResponse(bufio.NewReader(busy), nil)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)

	closed := make(chan struct{})
	go func() { srv.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(2500 * time.Millisecond):
		t.Fatal("Close waited for connections that never sent a request")
	}
	for _, c := range append(idle, busy) {
		_ = c.SetReadDeadline(time.Now().Add(time.Second))
		_, err := c.Read(make([]byte, 1))
		assert.Error(t, err, "the server closed the connection")
		c.Close()
	}
}

func TestNewServerOptionErrors(t *testing.T) {
	t.Parallel()
	for name, opt := range map[string]mangopaytest.Option{
		"client id":  mangopaytest.WithClientID("a/b"),
		"api key":    mangopaytest.WithAPIKey(""),
		"lifetime":   mangopaytest.WithTokenLifetime(0),
		"start":      mangopaytest.WithStartTime(time.Time{}),
		"limits":     mangopaytest.WithRateLimits(1, 0, 1, 1),
		"public url": mangopaytest.WithPublicURL("ftp://x"),
		"retries":    mangopaytest.WithWebhookRetries(0, 0),
		"logger":     mangopaytest.WithLogger(nil),
	} {
		_, err := mangopaytest.Listen("127.0.0.1:0", opt)
		assert.Error(t, err, name)
	}
	assert.Panics(t, func() { mangopaytest.NewServer(mangopaytest.WithAPIKey("")) })
	_, err := mangopaytest.Listen("256.0.0.1:0")
	assert.Error(t, err)
}

func TestStartTimeAndPublicURL(t *testing.T) {
	t.Parallel()
	start := time.Date(2030, time.January, 2, 3, 4, 5, 0, time.UTC)
	a := newAPI(t, mangopaytest.WithStartTime(start), mangopaytest.WithPublicURL("https://sandbox.example:8443/"))
	assert.WithinDuration(t, start, a.srv.Now(), time.Minute)
	a.srv.Advance(-time.Hour)
	assert.False(t, a.srv.Now().Before(start), "the clock never goes back")
	u := a.ok(a.call(http.MethodPost, "/sca/users/natural", ownerBody("Olga")))
	assert.True(t, strings.HasPrefix(linkOf(u), "https://sandbox.example:8443/sca/?token=sca_"), linkOf(u))
	assert.InDelta(t, start.Unix(), u["CreationDate"], 60)
}

func jsonBody(v any) (io.Reader, error) {
	b, err := json.Marshal(v)
	return bytes.NewReader(b), err
}
