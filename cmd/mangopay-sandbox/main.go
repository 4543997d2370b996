// Command mangopay-sandbox serves the mangopaytest emulator of Mangopay's
// SCA API on a network address, for clients in any language (Mangopay's
// official SDKs included: point their base URL at it).
//
//	go run ./cmd/mangopay-sandbox -addr 127.0.0.1:8089 -client-id demo -api-key demo-key
//
// The first line of standard output is the base URL (e.g.
// http://127.0.0.1:8089). The API is under <base>/v2.01/<client-id>/, the
// OAuth token endpoint at <base>/v2.01/oauth/token, the hosted SCA page
// under <base>/sca/ (the one-time code is 702100) and the test controls
// under <base>/_sandbox/ (see the mangopaytest package documentation):
//
//	POST /_sandbox/sca/complete         {"RedirectUrl":"...","Outcome":"VALIDATED"|"FAILED"}
//	POST /_sandbox/wallets/{id}/credit  {"Amount":10000}
//	POST /_sandbox/clock/advance        {"Seconds":600}
//
// It follows Mangopay's documented sandbox rules (see the mangopaytest
// package documentation, "Sandbox rules"): a transfer between two different
// OWNERs with USER_PRESENT needs SCA from DebitedFunds.Amount 50001 (more than
// EUR 500, docs.mangopay.com/guides/sca/transfers, "SCA triggers in
// Sandbox") and never below it; an Email (or LegalRepresentative.Email)
// containing "accept" skips SCA altogether (API release note 2026-02-16).
// -low-value-exemption opts into a production-like low-value exemption
// instead, which the sandbox does not apply: below EUR 30, the sixth
// transfer in a row or one taking the total past EUR 100 since the user's
// last SCA needs SCA.
//
// -rate-limits n15m,n30m,n1h,n24h sets the calls allowed in each of
// Mangopay's rate-limit windows (default 2300,4500,8800,105600, answered 429
// beyond): raise them to load-test a client against it.
//
// SIGINT or SIGTERM stops it cleanly (exit status 0). Everything lives in
// memory and is lost when it stops. Do not expose it beyond the machines
// that test against it: the controls under /_sandbox/ need no credentials.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/scaforge/mangopay/mangopaytest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "mangopay-sandbox:", err)
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

// run serves the emulator until ctx ends. The base URL is the first line
// written to stdout; diagnostics go to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("mangopay-sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8089", "`host:port` to listen on (port 0 picks a free one)")
	clientID := fs.String("client-id", mangopaytest.DefaultClientID, "the ClientId clients must use")
	apiKey := fs.String("api-key", mangopaytest.DefaultAPIKey, "the API key clients must use")
	publicURL := fs.String("public-url", "", "base `URL` written into SCA links when clients reach the server through another address")
	proxy := fs.Bool("proxy", false, "enable SCA proxy management (ScaContext USER_NOT_PRESENT with consent)")
	lowValue := fs.Bool("low-value-exemption", false, "count low-value transfers (below EUR 30: SCA on the sixth in a row or past EUR 100 in total) like production, instead of the documented sandbox (SCA only from EUR 500.01)")
	rateLimits := fs.String("rate-limits", "", "`n15m,n30m,n1h,n24h`: calls allowed in each of Mangopay's rate-limit windows (default 2300,4500,8800,105600); raise them for load tests")
	tokenLifetime := fs.Duration("token-lifetime", mangopaytest.DefaultTokenLifetime, "lifetime (expires_in) of OAuth tokens")
	verbose := fs.Bool("v", false, "log every request and webhook delivery to stderr")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: mangopay-sandbox [flags]\n\nServes an in-memory emulator of Mangopay's SCA API. Flags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "mangopay-sandbox: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	opts := []mangopaytest.Option{
		mangopaytest.WithClientID(*clientID),
		mangopaytest.WithAPIKey(*apiKey),
		mangopaytest.WithTokenLifetime(*tokenLifetime),
	}
	if *publicURL != "" {
		opts = append(opts, mangopaytest.WithPublicURL(*publicURL))
	}
	if *rateLimits != "" {
		l, err := parseRateLimits(*rateLimits)
		if err != nil {
			fmt.Fprintf(stderr, "mangopay-sandbox: -rate-limits: %v\n", err)
			fs.Usage()
			return errUsage
		}
		opts = append(opts, mangopaytest.WithRateLimits(l[0], l[1], l[2], l[3]))
	}
	if *proxy {
		opts = append(opts, mangopaytest.WithProxyManagement())
	}
	transfers := "transfers need SCA from EUR 500.01 (documented sandbox)"
	if *lowValue {
		opts = append(opts, mangopaytest.WithLowValueExemption())
		transfers = "transfers need SCA from EUR 500.01 and under the low-value exemption's counters (below EUR 30: the sixth in a row, or past EUR 100 in total)"
	}
	if *verbose {
		opts = append(opts, mangopaytest.WithLogger(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	}
	srv, err := mangopaytest.Listen(*addr, opts...)
	if err != nil {
		return err
	}
	base := srv.URL
	if *publicURL != "" {
		base = strings.TrimRight(*publicURL, "/")
	}
	fmt.Fprintln(stdout, base)
	fmt.Fprintf(stderr, "mangopay-sandbox: ClientId %q; API %s/v2.01/%s/; SCA page %s/sca/ (code %s); controls %s/_sandbox/\n",
		srv.ClientID, base, srv.ClientID, base, mangopaytest.OTP, base)
	fmt.Fprintf(stderr, "mangopay-sandbox: %s; an Email containing \"accept\" skips SCA\n", transfers)
	<-ctx.Done()
	start := time.Now()
	srv.Close()
	fmt.Fprintf(stderr, "mangopay-sandbox: stopped in %v\n", time.Since(start).Round(time.Millisecond))
	return nil
}

// parseRateLimits reads -rate-limits: four positive counts, comma-separated.
func parseRateLimits(s string) ([4]int, error) {
	var l [4]int
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return l, fmt.Errorf("want 4 comma-separated counts (15 min, 30 min, 1 h, 24 h), got %d", len(parts))
	}
	for i, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n <= 0 {
			return l, fmt.Errorf("%q is not a positive count", p)
		}
		l[i] = n
	}
	return l, nil
}
