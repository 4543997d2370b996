package mangopay

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Focused tests for what the fault-injection suite (mangopaytest's
// TestFault*) found in the retry loop.

const invalidCredentials = `{"Message":"The authorization credentials are not valid","Type":"invalid_credentials","Date":1733404277}`

// A call that outlives its token twice (a retry, a Retry-After wait) gets a
// fresh token each time: the refresh budget is per refused token, restored
// by every answer that shows the token was accepted.
func TestFaultUnauthorizedAgainAfterAnAcceptedAnswerRefreshesAgain(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var tokCP, apiCP capture
	calls := countingToken(env, &tokCP, "tok-SECRET-1", "tok-SECRET-2", "tok-SECRET-3")
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/things/x", apiCP.wrap(sequence(
		jsonResponder(401, invalidCredentials), // tok-1 expired
		jsonResponder(503, apiErrorBody("other", "down")),
		jsonResponder(401, invalidCredentials), // tok-2 expired during the backoff
		jsonResponder(200, `{"Id":"x"}`),
	)))
	var meta Response
	got, err := getThing(context.Background(), env.c, "x", CaptureResponse(&meta))
	require.NoError(t, err, "the second expiry is met with a second refresh")
	assert.Equal(t, "x", got.ID)
	assert.EqualValues(t, 3, calls.Load())
	require.Equal(t, 4, apiCP.n())
	for i, want := range []string{"tok-SECRET-1", "tok-SECRET-2", "tok-SECRET-2", "tok-SECRET-3"} {
		assert.Equal(t, "Bearer "+want, apiCP.reqs[i].Header.Get("Authorization"), "attempt %d", i)
	}
	assert.Len(t, env.waits(), 1, "only the 503 waited: a replay is immediate")
	assert.Equal(t, 4, meta.Attempts)
}

// A 401 answered while another goroutine had already cached a newer token:
// the replay uses that token, and when it turns out to be expired as well,
// the call fetches its own instead of giving up. A token fetched after the
// call's 401 and refused too still ends the call (TestUnauthorizedTwiceStops).
func TestFaultUnauthorizedWithAnotherStaleCachedTokenFetchesAFreshOne(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var tokCP, apiCP capture
	calls := countingToken(env, &tokCP, "tok-SECRET-1", "tok-SECRET-3")
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/things/x", apiCP.wrap(func(r *http.Request) (*http.Response, error) {
		switch r.Header.Get("Authorization") {
		case "Bearer tok-SECRET-1":
			// Meanwhile another goroutine renewed the token (before it
			// expired on the server as well): in the store and the cache.
			a := env.c.auth
			tok := Token{AccessToken: "tok-SECRET-2", ExpiresAt: env.c.now().Add(time.Hour)}
			require.NoError(t, a.store.Set(r.Context(), a.storeKey, a.clientID, &tok))
			a.mu.Lock()
			a.cached, a.bearer = tok, []string{"Bearer tok-SECRET-2"}
			a.mu.Unlock()
			return jsonResponder(401, invalidCredentials)(r)
		case "Bearer tok-SECRET-2":
			return jsonResponder(401, invalidCredentials)(r)
		}
		return jsonResponder(200, `{"Id":"x"}`)(r)
	}))
	got, err := getThing(context.Background(), env.c, "x")
	require.NoError(t, err)
	assert.Equal(t, "x", got.ID)
	require.Equal(t, 3, apiCP.n())
	assert.Equal(t, "Bearer tok-SECRET-3", apiCP.reqs[2].Header.Get("Authorization"))
	assert.EqualValues(t, 2, calls.Load(), "tok-2 was not fetched by this call: one fetch for tok-3")
}

// A server that refuses every token does not make the call loop: at most
// one fetch follows each refused token the cache had, and a fresh one
// refused ends it.
func TestFaultUnauthorizedForeverIsBounded(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var tokCP, apiCP capture
	calls := countingToken(env, &tokCP, "tok-SECRET-1", "tok-SECRET-2", "tok-SECRET-3", "tok-SECRET-4")
	var others atomic.Int64
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/things/x", apiCP.wrap(func(r *http.Request) (*http.Response, error) {
		// Someone else keeps caching another token between our send and our 401.
		tok := fmt.Sprintf("tok-SECRET-other-%d", others.Add(1))
		a := env.c.auth
		a.mu.Lock()
		a.cached = Token{AccessToken: tok, ExpiresAt: env.c.now().Add(time.Hour)}
		a.bearer = []string{"Bearer " + tok}
		a.mu.Unlock()
		return jsonResponder(401, invalidCredentials)(r)
	}))
	_, err := getThing(context.Background(), env.c, "x")
	assert.ErrorIs(t, err, ErrUnauthorized)
	assert.Equal(t, 4, apiCP.n(), "the first attempt and 3 replays, then the 401 is returned")
	assert.EqualValues(t, 1, calls.Load(), "every replay used the token someone else cached")
}

// hangUpAfterFirst is a raw HTTP/1.1 server: it answers the first request
// of each connection, then reads the next one in full and closes the
// connection without answering (a response lost after the request arrived).
type hangUpAfterFirst struct {
	ln       net.Listener
	mu       sync.Mutex
	requests []string // "METHOD path" of every request read, in order
	wg       sync.WaitGroup
}

func newHangUpAfterFirst(t *testing.T) *hangUpAfterFirst {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &hangUpAfterFirst{ln: ln}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.serve(conn)
			}()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		s.wg.Wait()
	})
	return s
}

func (s *hangUpAfterFirst) serve(conn net.Conn) {
	defer conn.Close()
	br := bufio.NewReader(conn)
	for i := 0; ; i++ {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, req.Body)
		s.mu.Lock()
		s.requests = append(s.requests, req.Method+" "+req.URL.Path)
		s.mu.Unlock()
		if i > 0 {
			return // hang up without answering
		}
		body := `{"access_token":"tok-SECRET-raw","token_type":"bearer","expires_in":1200}`
		if req.URL.Path != "/v2.01/oauth/token" {
			body = `{"Id":"x"}`
		}
		_, _ = io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "+
			strconv.Itoa(len(body))+"\r\n\r\n"+body)
	}
}

func (s *hangUpAfterFirst) seen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// With retries disabled, a POST whose answer is lost on a reused keep-alive
// connection fails with the network error after one request: net/http does
// not send it again by itself (it would for a request carrying an
// Idempotency-Key whose body it can rewind).
func TestFaultLostAnswerOfAPostIsNotResentByTheTransport(t *testing.T) {
	t.Parallel()
	srv := newHangUpAfterFirst(t)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	c, err := New(testClientID, testAPIKey, WithBaseURL("http://"+srv.ln.Addr().String()),
		WithHTTPClient(&http.Client{Transport: tr}), WithMaxRetries(0))
	require.NoError(t, err)
	// The token request is the first of its connection; the POST reuses it.
	var meta Response
	err = c.post(context.Background(), "/things", map[string]int{"Amount": 1}, &thing{}, []RequestOption{CaptureResponse(&meta)})
	var urlErr *url.Error
	require.ErrorAs(t, err, &urlErr, "the lost answer surfaces as a network error: %v", err)
	assert.Equal(t, []string{"POST /v2.01/oauth/token", "POST /v2.01/" + testClientID + "/things"}, srv.seen(),
		"the POST was sent once")
	assert.Equal(t, 1, meta.Attempts)
	assertNoSecret(t, err.Error())
}
