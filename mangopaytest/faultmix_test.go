package mangopaytest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scaforge/mangopay/mangopaytest"
)

// This file tests the random side of fault injection (Fault.Ratio,
// Fault.Reset, SeedFaults, ClearFaults) at the HTTP level.

// freshConns opens a connection per request: on a reused one net/http would
// replay an idempotent request by itself after a reset.
var freshConns = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

// try sends an authenticated request like api.call but reports a transport
// error instead of failing: 0 and the error when the connection was reset.
func (a *api) try(method, path string, body any, hdr ...string) (int, error) {
	a.t.Helper()
	var rdr io.Reader
	if body != nil {
		j, err := json.Marshal(body)
		require.NoError(a.t, err)
		rdr = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, a.srv.URL+"/v2.01/"+a.srv.ClientID+path, rdr)
	require.NoError(a.t, err)
	req.Header.Set("Authorization", "Bearer "+a.token)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := freshConns.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode, nil
}

// statuses sends n GET /hooks one after the other (over kept-alive
// connections) and returns each status.
func statuses(a *api, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = a.get("/hooks").status
	}
	return out
}

func countOf(xs []int, v int) int {
	n := 0
	for _, x := range xs {
		if x == v {
			n++
		}
	}
	return n
}

func TestRandomFaultsAreReproducibleWithASeed(t *testing.T) {
	t.Parallel()
	mix := func(a *api, seed uint64) {
		a.srv.SeedFaults(seed)
		a.srv.InjectFault(mangopaytest.Fault{Ratio: 0.3, Status: http.StatusInternalServerError})
		a.srv.InjectFault(mangopaytest.Fault{Ratio: 0.2, Status: http.StatusServiceUnavailable, RetryAfter: time.Second})
		a.srv.InjectFault(mangopaytest.Fault{Ratio: 0.1, Status: http.StatusTooManyRequests, RetryAfter: time.Second})
	}
	a, b, c := newAPI(t), newAPI(t), newAPI(t)
	mix(a, 7)
	mix(b, 7)
	mix(c, 8)
	const n = 200
	got := statuses(a, n)
	assert.Equal(t, got, statuses(b, n), "the same seed gives the same faults in the same order")
	assert.NotEqual(t, got, statuses(c, n), "another seed gives other faults")

	// The ratios add up (60% faulted) and each fault gets its share. With 200
	// draws the standard deviation of a 30% share is about 6.5 requests: the
	// bounds below are 4 of them away (and the seed makes the draw fixed).
	assert.InDelta(t, 0.3*n, countOf(got, 500), 26, "500s: %d", countOf(got, 500))
	assert.InDelta(t, 0.2*n, countOf(got, 503), 23, "503s: %d", countOf(got, 503))
	assert.InDelta(t, 0.1*n, countOf(got, 429), 17, "429s: %d", countOf(got, 429))
	assert.Equal(t, n, countOf(got, 500)+countOf(got, 503)+countOf(got, 429)+countOf(got, 200), "no other status")

	// Random resets, on fresh connections.
	a.srv.ClearFaults()
	a.srv.InjectFault(mangopaytest.Fault{Ratio: 0.5, Reset: true})
	var resets int
	for i := 0; i < 40; i++ {
		if _, err := a.try(http.MethodGet, "/hooks", nil); err != nil {
			resets++
		}
	}
	assert.Positive(t, resets)
	assert.Less(t, resets, 40)
}

func TestRandomFaultsShareTheIntervalWithoutOverlap(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	a.srv.InjectFault(mangopaytest.Fault{Ratio: 0.5, Status: http.StatusBadGateway})
	a.srv.InjectFault(mangopaytest.Fault{Ratio: 0.5, Status: http.StatusServiceUnavailable})
	a.srv.InjectFault(mangopaytest.Fault{Ratio: 1, Status: http.StatusTeapot}) // beyond 1: never reached
	got := statuses(a, 100)
	assert.Equal(t, 100, countOf(got, 502)+countOf(got, 503), "every request gets exactly one of the two: %v", got)
	assert.Positive(t, countOf(got, 502))
	assert.Positive(t, countOf(got, 503))
}

func TestRandomFaultPrecedenceCapAndMatching(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	// A capped random fault of ratio 1 hits exactly Count requests.
	a.srv.InjectFault(mangopaytest.Fault{Ratio: 1, Count: 3, Status: http.StatusBadGateway})
	assert.Equal(t, []int{502, 502, 502, 200}, statuses(a, 4))

	// Counted faults come before random ones; a counted Fault without Status,
	// Drop or Reset lets requests through.
	a.srv.InjectFault(mangopaytest.Fault{Ratio: 1, Status: http.StatusServiceUnavailable, Method: http.MethodGet, Path: "/hooks"})
	a.srv.InjectFault(mangopaytest.Fault{Count: 1})
	a.srv.InjectFault(mangopaytest.Fault{Count: 2, Status: http.StatusTeapot})
	assert.Equal(t, []int{200, 418, 418, 503, 503}, statuses(a, 5))

	// Method and Path restrict random faults too.
	assert.Equal(t, http.StatusOK, a.get("/events").status, "another path")
	s, err := a.try(http.MethodPost, "/hooks", map[string]any{"EventType": "PAYIN_NORMAL_SUCCEEDED", "Url": "https://platform.example/h"})
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, s, "another method")

	// Ignored or normalised faults.
	a.srv.ClearFaults()
	a.srv.InjectFault(mangopaytest.Fault{})                               // neither Count nor Ratio
	a.srv.InjectFault(mangopaytest.Fault{Ratio: -1, Status: 500})         // negative: ignored
	a.srv.InjectFault(mangopaytest.Fault{Ratio: math.NaN(), Status: 500}) // NaN: ignored
	assert.Equal(t, []int{200, 200}, statuses(a, 2))
	a.srv.InjectFault(mangopaytest.Fault{Ratio: 7, Status: 302}) // ratio 1, status 500
	assert.Equal(t, []int{500, 500}, statuses(a, 2))
}

func TestResetFaultHasNoEffect(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	a.srv.InjectFault(mangopaytest.Fault{Count: 1, Reset: true, Method: http.MethodPost, Path: "/hooks"})
	const key = "reset-fault-key-0001"
	body := map[string]any{"EventType": "PAYIN_NORMAL_SUCCEEDED", "Url": "https://platform.example/h"}
	_, err := a.try(http.MethodPost, "/hooks", body, "Idempotency-Key", key)
	require.Error(t, err, "the connection is reset without an answer")
	assert.Empty(t, a.get("/hooks").list(t), "the request had no effect")
	assertError(t, a.get("/responses/"+key), http.StatusNotFound, "ressource_not_found")
	s, err := a.try(http.MethodPost, "/hooks", body, "Idempotency-Key", key)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, s, "the key was not used up")

	var reset []mangopaytest.Request
	for _, r := range a.srv.Requests() {
		if r.Dropped {
			reset = append(reset, r)
		}
	}
	require.Len(t, reset, 1)
	assert.Equal(t, 0, reset[0].Status, "reset before it was handled")
	assert.Equal(t, http.MethodPost, reset[0].Method)
}

func TestClearFaultsStopsEveryFault(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	a.srv.InjectFault(mangopaytest.Fault{Ratio: 1, Status: http.StatusInternalServerError})
	a.srv.InjectFault(mangopaytest.Fault{Count: 5, Status: http.StatusBadGateway})
	a.srv.ResetConnections(1)
	a.srv.Latency(time.Hour)
	a.srv.ClearFaults()
	assert.Equal(t, []int{200, 200, 200}, statuses(a, 3))
}

func TestSandboxRandomFaultControls(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	ctl := func(method, path, body string) resp { return a.control(method, path, body) }
	require.Equal(t, http.StatusNoContent, ctl(http.MethodPost, "faults/seed", `{"Seed":3}`).status)
	require.Equal(t, http.StatusNoContent, ctl(http.MethodPost, "faults", `{"Ratio":1,"Status":503,"RetryAfterSeconds":1,"Path":"/hooks"}`).status)
	r := a.get("/hooks")
	assert.Equal(t, http.StatusServiceUnavailable, r.status)
	assert.Equal(t, "1", r.header.Get("Retry-After"))
	assert.Equal(t, http.StatusServiceUnavailable, a.get("/hooks").status, "a random fault without Count stays")
	require.Equal(t, http.StatusNoContent, ctl(http.MethodDelete, "faults", "").status)
	assert.Equal(t, http.StatusOK, a.get("/hooks").status)

	require.Equal(t, http.StatusNoContent, ctl(http.MethodPost, "faults", `{"Count":1,"Reset":true,"Path":"/hooks"}`).status)
	_, err := a.try(http.MethodGet, "/hooks", nil)
	assert.Error(t, err)
	assert.Equal(t, http.StatusOK, a.get("/hooks").status)

	for _, bad := range []string{
		`{"Ratio":1.5,"Status":500}`,
		`{"Ratio":-0.1,"Status":500}`,
		`{"Ratio":0.5}`,
		`{"Ratio":0.5,"Drop":true,"Reset":true}`,
		`{"Count":-1,"Ratio":0.5,"Status":500}`,
		`{"Count":1,"Status":500,"Reset":true}`,
	} {
		assertError(t, ctl(http.MethodPost, "faults", bad), http.StatusBadRequest, "param_error")
	}
	assertError(t, ctl(http.MethodPost, "faults/seed", `{}`), http.StatusBadRequest, "param_error")
	assertError(t, ctl(http.MethodPost, "faults/seed", `{"Seed":-1}`), http.StatusBadRequest, "param_error")
}
