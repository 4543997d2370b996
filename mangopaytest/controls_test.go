package mangopaytest_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scaforge/mangopay/mangopaytest"
)

// control posts a JSON body (a string) to /_sandbox/<path>, without credentials.
func (a *api) control(method, path, body string) resp {
	a.t.Helper()
	req, err := http.NewRequest(method, a.srv.URL+"/_sandbox/"+path, strings.NewReader(body))
	require.NoError(a.t, err)
	req.Header.Set("Content-Type", "application/json")
	return a.send(req)
}

func TestSandboxCompleteSca(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	id, link := bigTransfer(a)
	r := a.control(http.MethodPost, "sca/complete", `{"RedirectUrl":"`+link+`&returnUrl=https%3A%2F%2Fexample.com","Outcome":"VALIDATED"}`)
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	m := r.json(t)
	assert.Equal(t, "TRANSFER", m["Kind"])
	assert.Equal(t, "VALIDATED", m["Status"])
	assert.Equal(t, id, m["ResourceId"])
	assert.Equal(t, tokenOf(t, link), m["Token"])
	assert.Equal(t, "SUCCEEDED", a.ok(a.get("/transfers/" + id))["Status"])

	assertError(t, a.control(http.MethodPost, "sca/complete", `{"RedirectUrl":"`+link+`","Outcome":"FAILED"}`), http.StatusConflict, "other")
	assertError(t, a.control(http.MethodPost, "sca/complete", `{"RedirectUrl":"`+a.srv.URL+`/sca/?token=sca_x","Outcome":"FAILED"}`), http.StatusNotFound, "ressource_not_found")
	assertError(t, a.control(http.MethodPost, "sca/complete", `{"RedirectUrl":"`+link+`","Outcome":"MAYBE"}`), http.StatusBadRequest, "param_error")
	assertError(t, a.control(http.MethodPost, "sca/complete", `{"Outcome":"FAILED"}`), http.StatusBadRequest, "param_error")
	assertError(t, a.control(http.MethodPost, "sca/complete", `{`), http.StatusBadRequest, "param_error")

	_, link = a.createOwner("Eve")
	r = a.control(http.MethodPost, "clock/advance", `{"Seconds":600}`)
	require.Equal(t, http.StatusOK, r.status)
	assertJustNow(t, a.srv, r.json(t)["Now"])
	assertError(t, a.control(http.MethodPost, "sca/complete", `{"RedirectUrl":"`+link+`","Outcome":"VALIDATED"}`), http.StatusGone, "other")
}

func TestSandboxCreditAndClock(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	w := a.wallet(a.createPayer("Paula"), "EUR", 0)
	r := a.control(http.MethodPost, "wallets/"+w+"/credit", `{"Amount":10000}`)
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	assert.Equal(t, map[string]any{"Currency": "EUR", "Amount": float64(10000)}, r.json(t)["Balance"])
	assert.EqualValues(t, 10000, a.balance(w))
	assertError(t, a.control(http.MethodPost, "wallets/wlt_m_missing/credit", `{"Amount":1}`), http.StatusNotFound, "ressource_not_found")
	assertError(t, a.control(http.MethodPost, "wallets/"+w+"/credit", `{"Amount":0}`), http.StatusBadRequest, "param_error")
	assertError(t, a.control(http.MethodPost, "wallets/"+w+"/credit", `{"Amount":"ten"}`), http.StatusBadRequest, "param_error")

	before := a.srv.Now()
	r = a.control(http.MethodGet, "clock", "")
	require.Equal(t, http.StatusOK, r.status)
	assert.InDelta(t, before.Unix(), r.json(t)["Now"], 2)
	require.Equal(t, http.StatusOK, a.control(http.MethodPost, "clock/advance", `{"Seconds":86400}`).status)
	assert.True(t, a.srv.Now().Sub(before) >= 24*time.Hour)
	assertError(t, a.control(http.MethodPost, "clock/advance", `{"Seconds":-5}`), http.StatusBadRequest, "param_error")

	// The Go controls report bad input as errors.
	assert.ErrorIs(t, a.srv.Credit("wlt_m_missing", 1), mangopaytest.ErrUnknownWallet)
	assert.Error(t, a.srv.Credit(w, -1))
	_, _, err := a.srv.Balance("wlt_m_missing")
	assert.ErrorIs(t, err, mangopaytest.ErrUnknownWallet)
	assertError(t, a.control(http.MethodPost, "nothing", `{}`), http.StatusNotFound, "ressource_not_found")
}

func TestSandboxFaultsAndLogs(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t)
	a := newAPI(t)
	require.Equal(t, http.StatusNoContent, a.control(http.MethodPost, "faults", `{"Count":1,"Status":503,"RetryAfterSeconds":2,"Method":"GET","Path":"/hooks"}`).status)
	r := a.get("/hooks")
	assert.Equal(t, http.StatusServiceUnavailable, r.status)
	assert.Equal(t, "2", r.header.Get("Retry-After"))
	assert.Equal(t, http.StatusOK, a.get("/hooks").status)
	assertError(t, a.control(http.MethodPost, "faults", `{"Count":1}`), http.StatusBadRequest, "param_error")
	assertError(t, a.control(http.MethodPost, "faults", `{"Count":1,"Status":302}`), http.StatusBadRequest, "param_error")
	assertError(t, a.control(http.MethodPost, "faults", `{"Count":1,"Status":500,"Drop":true}`), http.StatusBadRequest, "param_error")

	require.Equal(t, http.StatusNoContent, a.control(http.MethodPost, "faults", `{"Count":1,"Drop":true,"Path":"/hooks"}`).status)
	req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/v2.01/"+a.srv.ClientID+"/hooks", strings.NewReader(`{"EventType":"PAYIN_NORMAL_SUCCEEDED","Url":"`+rc.URL+`"}`))
	req.Header.Set("Authorization", "Bearer "+a.token)
	tr := &http.Transport{}
	_, err := (&http.Client{Transport: tr}).Do(req)
	tr.CloseIdleConnections()
	require.Error(t, err)
	assert.Len(t, a.get("/hooks").list(t), 1, "the dropped request took effect")

	require.Equal(t, http.StatusNoContent, a.control(http.MethodPost, "latency", `{"Milliseconds":1}`).status)
	require.Equal(t, http.StatusNoContent, a.control(http.MethodPost, "latency", `{"Milliseconds":0}`).status)
	require.Equal(t, http.StatusNoContent, a.control(http.MethodPost, "reset-connections", `{"Ratio":0}`).status)
	assertError(t, a.control(http.MethodPost, "reset-connections", `{"Ratio":2}`), http.StatusBadRequest, "param_error")

	a.wallet(a.createPayer("Paula"), "EUR", 100)
	r = a.control(http.MethodGet, "webhooks", "")
	require.Equal(t, http.StatusOK, r.status)
	l := r.list(t)
	require.Len(t, l, 1)
	assert.Equal(t, "PAYIN_NORMAL_SUCCEEDED", l[0]["EventType"])
	assert.Equal(t, true, l[0]["Delivered"])
	assert.EqualValues(t, 200, l[0]["StatusCode"])
	r = a.control(http.MethodGet, "events", "")
	assert.Equal(t, "PAYIN_NORMAL_SUCCEEDED", r.list(t)[0]["EventType"])
}
