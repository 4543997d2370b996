// Command platform is a small marketplace backend built on the SDK:
// html/template pages, net/http handlers and the whole money cycle with
// Mangopay's SCA flows: sign-up, wallet access, a card pay-in on the hosted
// payment page (with 3-D Secure), transfers and their refunds, payout
// recipients, withdrawals (payouts), and webhooks confirmed by GET. The application
// itself is the importable package examples/platform/app; this command
// wires it to a Mangopay and serves it.
//
//	go run ./examples/platform                 # http://127.0.0.1:8080, with an in-process emulator
//	go run ./examples/platform -addr :9000 -v  # another address, request logs on stderr
//
// By default Mangopay is the in-process emulator (mangopaytest): its hosted
// SCA page and payment page run on this machine too (the one-time code is
// 702100; card 4970107111111119 pays at once, 4970105181818183 asks for
// 3-D Secure), a demo seller is registered for you to pay, withdrawals are
// instant payouts that settle about 10 seconds later, and the emulator's
// webhooks reach the platform directly.
//
// With MANGOPAY_BASE_URL on this machine (a loopback address such as
// http://127.0.0.1:8089) it uses a mangopay-sandbox started by hand
// (go run ./cmd/mangopay-sandbox): the same as the in-process emulator, its
// test controls (used only to enroll the demo seller) reached over HTTP. SCA links on exactly that address are
// trusted (mangopay.WithRedirectHosts); the credentials default to the
// emulator's (MANGOPAY_CLIENT_ID and MANGOPAY_API_KEY override them).
//
// With MANGOPAY_CLIENT_ID and MANGOPAY_API_KEY set it uses Mangopay's
// sandbox (MANGOPAY_BASE_URL, when not on this machine, overrides the
// address) and its hosted pages; SCA and payment links must be on
// Mangopay's hosts, the SDK's default. There is no demo seller there. Webhooks are registered only with -public-url, an https
// address at which Mangopay can reach this server.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/scaforge/mangopay"
	"github.com/scaforge/mangopay/examples/internal/sandbox"
	"github.com/scaforge/mangopay/examples/platform/app"
	"github.com/scaforge/mangopay/mangopaytest"
)

// testCards are Mangopay's documented sandbox cards (testing/payment-methods),
// which the emulator knows too, shown next to the card form.
var testCards = []app.TestCard{
	{Number: mangopaytest.TestCardFrictionless, What: "pays at once"},
	{Number: mangopaytest.TestCardChallenge, What: "asks for 3-D Secure"},
}

type options struct {
	addr, emulatorAddr, publicURL string
	clientID, apiKey, baseURL     string
	verbose                       bool
}

func main() {
	o := options{clientID: os.Getenv("MANGOPAY_CLIENT_ID"), apiKey: os.Getenv("MANGOPAY_API_KEY"), baseURL: os.Getenv("MANGOPAY_BASE_URL")}
	flag.StringVar(&o.addr, "addr", "127.0.0.1:8080", "address to serve the platform on")
	flag.StringVar(&o.emulatorAddr, "emulator-addr", "127.0.0.1:0", "emulator mode: address of the emulator's API and hosted SCA page (port 0: any free port)")
	flag.StringVar(&o.publicURL, "public-url", "", "the platform's address as browsers reach it (default http://<addr>); in sandbox mode, an https URL Mangopay can reach enables webhooks")
	flag.BoolVar(&o.verbose, "v", false, "log every request to Mangopay on stderr (credentials and tokens are never logged)")
	flag.Parse()
	if _, err := o.backend(); err != nil {
		fmt.Fprintln(os.Stderr, "platform:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := serve(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "platform:", err)
		os.Exit(1)
	}
}

// Backends of the platform.
const (
	inProcess  = "emulator"   // an in-process mangopaytest server
	standalone = "standalone" // a mangopay-sandbox on this machine
	live       = "mangopay"   // Mangopay's sandbox (or production)
)

// backend decides from the settings what Mangopay the platform talks to.
func (o options) backend() (string, error) {
	if (o.clientID == "") != (o.apiKey == "") {
		return "", errors.New("set both MANGOPAY_CLIENT_ID and MANGOPAY_API_KEY, or neither")
	}
	switch {
	case o.baseURL != "" && sandbox.LoopbackHosts(o.baseURL) != nil:
		return standalone, nil
	case o.clientID != "":
		return live, nil
	case o.baseURL != "":
		return "", fmt.Errorf("MANGOPAY_BASE_URL %q is not on this machine: talking to Mangopay needs MANGOPAY_CLIENT_ID and MANGOPAY_API_KEY", o.baseURL)
	}
	return inProcess, nil
}

// serve runs the platform until ctx ends.
func serve(ctx context.Context, o options) error {
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	public := o.publicURL
	if public == "" {
		public = "http://" + ln.Addr().String()
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if o.verbose {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	a, closeBackend, err := setup(ctx, o, public, logger)
	if err != nil {
		ln.Close()
		return err
	}
	defer closeBackend()

	hs := &http.Server{Handler: a, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	fmt.Printf("Acme Marketplace: open %s/ in a browser (Ctrl-C to stop)\n", public)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// setup connects the platform to the emulator (no credentials) or to
// Mangopay's sandbox, and returns it with a function releasing the backend.
func setup(ctx context.Context, o options, public string, logger *slog.Logger) (*app.App, func(), error) {
	var clientOpts []mangopay.Option
	if o.verbose {
		clientOpts = append(clientOpts, mangopay.WithLogger(logger))
	}
	kind, err := o.backend()
	if err != nil {
		return nil, nil, err
	}
	if kind == standalone {
		return setupStandalone(ctx, o, public, logger, clientOpts)
	}
	if kind == live {
		if o.baseURL != "" {
			clientOpts = append(clientOpts, mangopay.WithBaseURL(o.baseURL))
		}
		c, err := mangopay.New(o.clientID, o.apiKey, clientOpts...)
		if err != nil {
			return nil, nil, err
		}
		base := o.baseURL
		if base == "" {
			base = mangopay.SandboxURL
		}
		cfg := app.Config{API: app.FromClient(c), BaseURL: public, Logger: logger, Backend: "Mangopay at " + base}
		if base == mangopay.SandboxURL {
			cfg.TestCards = testCards
		}
		a, err := app.New(cfg)
		if err != nil {
			return nil, nil, err
		}
		if strings.HasPrefix(o.publicURL, "https://") {
			if err := app.RegisterHooks(ctx, c.Hooks, a.WebhookURL()); err != nil {
				return nil, nil, err
			}
			logger.Info("webhooks registered", "url", a.WebhookURL())
		} else {
			logger.Info("webhooks not registered: Mangopay needs an https -public-url that reaches this server")
		}
		return a, func() {}, nil
	}

	srv, err := mangopaytest.Listen(o.emulatorAddr)
	if err != nil {
		return nil, nil, err
	}
	c := srv.Client(clientOpts...)
	a, err := app.New(app.Config{
		API: app.FromClient(c), BaseURL: public, Logger: logger,
		Backend:   "in-process emulator (mangopaytest) at " + srv.URL + ", hosted SCA page at " + srv.URL + "/sca/, code " + mangopaytest.OTP,
		TestCards: testCards,
	})
	if err == nil {
		err = a.AddDemoPayee(ctx, func(link string) error { return srv.CompleteSca(link, mangopaytest.Validated) })
	}
	if err == nil {
		err = app.RegisterHooks(ctx, c.Hooks, a.WebhookURL())
	}
	if err != nil {
		srv.Close()
		return nil, nil, err
	}
	logger.Info("Mangopay is the in-process emulator", "api", srv.URL, "hosted_sca_page", srv.URL+"/sca/", "code", mangopaytest.OTP)
	return a, srv.Close, nil
}

// setupStandalone connects the platform to a mangopay-sandbox on this
// machine: its SCA and payment links (on the address of o.baseURL) are
// trusted, its /_sandbox/ controls enroll the demo seller, and its webhooks
// reach the platform directly.
func setupStandalone(ctx context.Context, o options, public string, logger *slog.Logger, clientOpts []mangopay.Option) (*app.App, func(), error) {
	id, key := o.clientID, o.apiKey
	if id == "" {
		id, key = mangopaytest.DefaultClientID, mangopaytest.DefaultAPIKey
	}
	c, err := mangopay.New(id, key, append([]mangopay.Option{
		mangopay.WithBaseURL(o.baseURL),
		mangopay.WithRedirectHosts(sandbox.LoopbackHosts(o.baseURL)...),
	}, clientOpts...)...)
	if err != nil {
		return nil, nil, err
	}
	ctl := sandbox.Controls{Base: o.baseURL}
	base := strings.TrimRight(o.baseURL, "/")
	a, err := app.New(app.Config{
		API: app.FromClient(c), BaseURL: public, Logger: logger,
		Backend:   "mangopay-sandbox at " + base + ", hosted SCA page at " + base + "/sca/, code " + mangopaytest.OTP,
		TestCards: testCards,
	})
	if err == nil {
		err = a.AddDemoPayee(ctx, func(link string) error { return ctl.Complete(ctx, link, mangopaytest.Validated) })
	}
	if err == nil {
		err = app.RegisterHooks(ctx, c.Hooks, a.WebhookURL())
	}
	if err != nil {
		return nil, nil, err
	}
	logger.Info("Mangopay is a mangopay-sandbox", "api", base, "hosted_sca_page", base+"/sca/", "code", mangopaytest.OTP)
	return a, func() {}, nil
}
