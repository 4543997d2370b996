package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/scaforge/mangopay"
	"github.com/scaforge/mangopay/mangopaytest"
)

// config is what run needs; main fills it from flags and the environment.
type config struct {
	// ClientID and APIKey select Mangopay's sandbox when both are set; when
	// both are empty the quickstart runs against an in-process emulator.
	ClientID, APIKey string
	// BaseURL overrides the sandbox address (default mangopay.SandboxURL).
	BaseURL string
	// Verbose logs one line per HTTP request (secrets are never logged).
	Verbose bool
	// Deadline bounds each wait for a person (an SCA session, a pay-in) in
	// sandbox mode; PollEvery is how often Mangopay is asked meanwhile.
	Deadline, PollEvery time.Duration

	// clientOpts are added to the sandbox client's options (tests point it
	// at an emulator).
	clientOpts []mangopay.Option
}

// backend is what the tour runs against: the emulator or Mangopay's sandbox.
type backend struct {
	// name says where requests go, for the banner.
	name string
	// client talks to the backend.
	client *mangopay.Client
	// returnURL is the platform page the SCA links send the user back to.
	returnURL string
	// approve gets the user through the SCA session behind link (returnUrl
	// already appended): the emulator completes it, the sandbox asks a person.
	approve func(ctx context.Context, p *printer, link string) error
	// fund puts amount (minor units) in a wallet, or says how to; it returns
	// a description of what it did.
	fund func(ctx context.Context, walletID string, amount int64) (string, error)
	// poll is how long and how often to wait for an outcome.
	poll poller
	// hookURL is where Mangopay can deliver webhooks ("" when it cannot),
	// and events what arrives there, confirmed by a GET.
	hookURL string
	events  <-chan mangopay.Event
	close   func()
}

// newLogger returns the request logger of -v: slog text records without
// timestamps, written to out.
func newLogger(out io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
}

// startEmulator starts a mangopaytest server and a local webhook receiver.
func startEmulator(logger *slog.Logger) (*backend, error) {
	srv, err := mangopaytest.Listen("127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	var opts []mangopay.Option
	if logger != nil {
		opts = append(opts, mangopay.WithLogger(logger))
	}
	c := srv.Client(opts...)

	// The webhook receiver a platform would expose: NewWebhookHandler parses
	// the notification, confirms it by fetching the resource (Mangopay does
	// not sign webhooks) and ignores repeated deliveries.
	events := make(chan mangopay.Event, 64)
	mux := http.NewServeMux()
	mux.Handle("/mangopay/webhooks", mangopay.NewWebhookHandler(func(_ context.Context, ev mangopay.Event) error {
		select {
		case events <- ev:
		default: // nobody is listening any more: drop it
		}
		return nil
	}, mangopay.WithConfirmation(c), mangopay.WithDeduplication(nil)))
	wh := httptest.NewServer(mux)

	return &backend{
		name:      fmt.Sprintf("the in-process emulator (mangopaytest) at %s, ClientId %q", srv.URL, srv.ClientID),
		client:    c,
		returnURL: "https://platform.example/sca/return",
		approve: func(_ context.Context, p *printer, link string) error {
			if err := srv.CompleteSca(link, mangopaytest.Validated); err != nil {
				return err
			}
			p.ok("the user entered the code %s and approved (emulator: srv.CompleteSca(link, mangopaytest.Validated))", mangopaytest.OTP)
			p.say("the browser comes back with controlStatus=VALIDATED (mangopay.ParseReturn): only a hint, so confirm with a GET")
			return nil
		},
		fund: func(_ context.Context, walletID string, amount int64) (string, error) {
			if err := srv.Credit(walletID, amount); err != nil {
				return "", err
			}
			return "credited by the emulator (srv.Credit: a succeeded PAYIN)", nil
		},
		poll:    poller{every: 10 * time.Millisecond, deadline: 5 * time.Second},
		hookURL: wh.URL + "/mangopay/webhooks",
		events:  events,
		close: func() {
			srv.Close() // stops webhook deliveries first
			wh.Close()
		},
	}, nil
}

// dialSandbox builds a client for Mangopay's sandbox, where a person
// completes every SCA session in a browser.
func dialSandbox(cfg config, logger *slog.Logger) (*backend, error) {
	var opts []mangopay.Option
	if cfg.BaseURL != "" {
		opts = append(opts, mangopay.WithBaseURL(cfg.BaseURL))
	}
	if logger != nil {
		opts = append(opts, mangopay.WithLogger(logger))
	}
	c, err := mangopay.New(cfg.ClientID, cfg.APIKey, append(opts, cfg.clientOpts...)...)
	if err != nil {
		return nil, err
	}
	base := cfg.BaseURL
	if base == "" {
		base = mangopay.SandboxURL
	}
	return &backend{
		name:      fmt.Sprintf("Mangopay at %s, ClientId %q", base, cfg.ClientID),
		client:    c,
		returnURL: "https://example.com/",
		approve: func(_ context.Context, p *printer, link string) error {
			p.say("open the link above in a browser: phone +33611111111 (FR), one-time code 702100, then approve")
			p.say("controlStatus on the return URL is only a hint: the quickstart asks Mangopay instead, every %s for up to %s (Ctrl-C to stop)", cfg.PollEvery, cfg.Deadline)
			return nil
		},
		fund: func(_ context.Context, walletID string, amount int64) (string, error) {
			return fmt.Sprintf("this SDK does not make pay-ins: pay at least %s into %s (e.g. a sandbox test card pay-in); the transfers wait for it",
				mangopay.Money{Currency: "EUR", Amount: amount}, walletID), nil
		},
		poll:  poller{every: cfg.PollEvery, deadline: cfg.Deadline},
		close: func() {},
	}, nil
}

// poller waits for an outcome that another party (a person on the hosted
// page, Mangopay's processing) decides.
type poller struct {
	every, deadline time.Duration
}

// errGaveUp is returned by wait when its deadline passed.
var errGaveUp = errors.New("gave up waiting")

// wait calls check until it reports done, returns an error, or the deadline
// passes (an error matching errGaveUp that says what was awaited). check gets
// a context that ends at the deadline. A cancelled ctx ends the wait with
// ctx's error.
func (p poller) wait(ctx context.Context, what string, check func(context.Context) (bool, error)) error {
	if p.every <= 0 || p.deadline <= 0 {
		return fmt.Errorf("poller: every (%s) and deadline (%s) must be positive", p.every, p.deadline)
	}
	wctx, cancel := context.WithTimeout(ctx, p.deadline)
	defer cancel()
	tick := time.NewTicker(p.every)
	defer tick.Stop()
	gaveUp := func() error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return fmt.Errorf("%w for %s after %s", errGaveUp, what, p.deadline)
	}
	for {
		done, err := check(wctx)
		switch {
		case err != nil && wctx.Err() != nil:
			return gaveUp()
		case err != nil:
			return fmt.Errorf("waiting for %s: %w", what, err)
		case done:
			return nil
		}
		select {
		case <-wctx.Done():
			return gaveUp()
		case <-tick.C:
		}
	}
}
