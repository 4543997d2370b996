package mangopaytest_test

import (
	"net/http"
	"testing"

	"github.com/scaforge/mangopay/mangopaytest"
)

// BenchmarkNewServer measures starting and closing an emulator, which every
// test can afford to do on its own: a few hundred microseconds.
func BenchmarkNewServer(b *testing.B) {
	for b.Loop() {
		srv := mangopaytest.NewServer()
		srv.Close()
	}
}

// BenchmarkNewServerFirstRequest adds a first HTTP round trip (a new TCP
// connection to the fresh server).
func BenchmarkNewServerFirstRequest(b *testing.B) {
	for b.Loop() {
		srv := mangopaytest.NewServer()
		c := srv.HTTPClient()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v2.01/"+srv.ClientID+"/hooks", nil)
		res, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		res.Body.Close()
		srv.Close()
	}
}
