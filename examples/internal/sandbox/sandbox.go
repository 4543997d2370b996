// Package sandbox is what the examples share to run against
// cmd/mangopay-sandbox, the standalone emulator, started by hand:
// recognising its address and driving its test controls over HTTP.
//
// An example learns the emulator's hosts from MANGOPAY_BASE_URL, and only
// when that address is a loopback one (127.0.0.0/8, ::1, localhost): the SCA
// links the emulator hands out then point at the same machine, and the
// examples allow exactly those host:port pairs with mangopay.WithRedirectHosts.
// Against any other address the SDK's default stays: links must be https on
// mangopay.com, so an example never trusts arbitrary hosts against Mangopay.
package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/scaforge/mangopay/mangopaytest"
)

// LoopbackHosts returns the redirect hosts to allow for base, the address
// of a mangopay-sandbox on this machine: base's port on each loopback name
// (the emulator writes links on the address it listens on, which may be
// spelled differently from the one the user typed). It returns nil when base
// is not an http(s) URL on a loopback host, that is for Mangopay itself.
func LoopbackHosts(base string) []string {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil {
		return nil
	}
	if !isLoopback(u.Hostname()) {
		return nil
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return []string{
		net.JoinHostPort("127.0.0.1", port),
		net.JoinHostPort("localhost", port),
		net.JoinHostPort("::1", port),
	}
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Controls drives a mangopay-sandbox's test controls under <base>/_sandbox/
// (see cmd/mangopay-sandbox): what mangopaytest.Server's CompleteSca,
// CompletePayIn, CompleteIdentityVerification, Credit and Advance do
// in-process. They need no credentials, which is why the
// emulator must never be exposed beyond the machines testing against it.
type Controls struct {
	// Base is the emulator's base URL, e.g. http://127.0.0.1:8089.
	Base string
	// HTTP is the client used (default: one with a 10 s timeout).
	HTTP *http.Client
}

// Complete ends the SCA session behind link as if the user had approved
// (mangopaytest.Validated) or declined (mangopaytest.Failed) on the hosted
// page: POST /_sandbox/sca/complete.
func (c Controls) Complete(ctx context.Context, link string, outcome mangopaytest.Outcome) error {
	return c.post(ctx, "/_sandbox/sca/complete", map[string]string{"RedirectUrl": link, "Outcome": string(outcome)})
}

// CompletePayIn answers the payment page behind link (a direct card pay-in's
// 3DS2 challenge, SecureModeRedirectURL, or a web pay-in's hosted page,
// RedirectURL) as the user's browser would: mangopaytest.Validated approves
// the challenge (or pays), mangopaytest.Failed declines it (101301) or
// cancels the page (001031): POST /_sandbox/payins/complete.
func (c Controls) CompletePayIn(ctx context.Context, link string, outcome mangopaytest.Outcome) error {
	return c.post(ctx, "/_sandbox/payins/complete", map[string]string{"RedirectUrl": link, "Outcome": string(outcome)})
}

// CompleteIdentityVerification answers the hosted identity verification page
// behind link (an IDV session's HostedUrl) as the user would:
// mangopaytest.Validated passes the checks (the user becomes KYCLevel
// REGULAR), mangopaytest.Failed refuses them: POST
// /_sandbox/identity-verifications/complete.
func (c Controls) CompleteIdentityVerification(ctx context.Context, link string, outcome mangopaytest.Outcome) error {
	return c.post(ctx, "/_sandbox/identity-verifications/complete", map[string]string{"HostedUrl": link, "Outcome": string(outcome)})
}

// Credit adds amount (minor units) to a wallet, as a succeeded pay-in:
// POST /_sandbox/wallets/{id}/credit.
func (c Controls) Credit(ctx context.Context, walletID string, amount int64) error {
	return c.post(ctx, "/_sandbox/wallets/"+url.PathEscape(walletID)+"/credit", map[string]int64{"Amount": amount})
}

// Advance moves the emulator's clock forward by d (whole seconds, at least
// one): POST /_sandbox/clock/advance. Sessions, tokens and the 180-day
// wallet-access window follow that clock.
func (c Controls) Advance(ctx context.Context, d time.Duration) error {
	secs := int64(d / time.Second)
	if secs < 1 {
		secs = 1
	}
	return c.post(ctx, "/_sandbox/clock/advance", map[string]int64{"Seconds": secs})
}

func (c Controls) post(ctx context.Context, path string, body any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.Base, "/")+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		// The error names the URL, whose query (for Complete) is in the
		// body, not the URL: no session token leaks into it.
		return fmt.Errorf("mangopay-sandbox control %s: %w", path, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("mangopay-sandbox control %s: %s: %s", path, resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}
