package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/scaforge/mangopay"
	"github.com/scaforge/mangopay/examples/internal/sandbox"
	"github.com/scaforge/mangopay/mangopaytest"
)

// config is what run needs; main fills it from flags and the environment.
type config struct {
	// ClientID and APIKey are the platform's credentials: required for
	// Mangopay, optional for a mangopay-sandbox (default: its own defaults).
	ClientID, APIKey string
	// BaseURL is where Mangopay is: empty for the in-process emulator, a
	// loopback address for a mangopay-sandbox started by hand, anything else
	// (or empty with credentials: mangopay.SandboxURL) for Mangopay.
	BaseURL string
	// Verbose logs one line per HTTP request (secrets are never logged).
	Verbose bool
	// Deadline bounds each wait for a person (an SCA session, a pay-in)
	// against Mangopay; PollEvery is how often Mangopay is asked meanwhile.
	Deadline, PollEvery time.Duration

	// kind, when set, overrides the choice of chooseBackend (tests play
	// Mangopay's sandbox with an emulator).
	kind backendKind
	// clientOpts are added to the client's options (tests point a
	// kindMangopay client at an emulator).
	clientOpts []mangopay.Option
	// inspect, when set, is called with the backend after the tour ended
	// well, before it is closed (tests recompute the summary's figures).
	inspect func(*backend)
	// payoutAmount, when set, replaces the story's payout amount (tests).
	payoutAmount int64
}

// backendKind is what the quickstart talks to.
type backendKind int

const (
	// kindEmulator: an in-process mangopaytest server (no settings).
	kindEmulator backendKind = iota + 1
	// kindStandalone: a mangopay-sandbox on this machine (MANGOPAY_BASE_URL
	// on a loopback address), driven through its /_sandbox/ controls.
	kindStandalone
	// kindMangopay: Mangopay's sandbox (MANGOPAY_CLIENT_ID and
	// MANGOPAY_API_KEY), where a person opens every SCA link.
	kindMangopay
)

// chooseBackend decides from the settings what the quickstart talks to.
func chooseBackend(cfg config) (backendKind, error) {
	if cfg.kind != 0 {
		return cfg.kind, nil
	}
	if (cfg.ClientID == "") != (cfg.APIKey == "") {
		return 0, errors.New("set both MANGOPAY_CLIENT_ID and MANGOPAY_API_KEY, or neither")
	}
	switch {
	case cfg.BaseURL != "" && sandbox.LoopbackHosts(cfg.BaseURL) != nil:
		return kindStandalone, nil
	case cfg.ClientID != "":
		return kindMangopay, nil
	case cfg.BaseURL != "":
		return 0, fmt.Errorf("MANGOPAY_BASE_URL %q is not on this machine: talking to Mangopay needs MANGOPAY_CLIENT_ID and MANGOPAY_API_KEY", cfg.BaseURL)
	}
	return kindEmulator, nil
}

// backend is what the tour runs against: an emulator or Mangopay's sandbox.
type backend struct {
	// name says where requests go, for the banner.
	name string
	// client talks to the backend.
	client *mangopay.Client
	// returnURL is the platform page the SCA links send the user back to.
	returnURL string
	// ctl drives an emulator's test controls; nil against Mangopay, where
	// a person answers each SCA session and the pay-in's 3DS2 challenge.
	ctl *controls
	// srv is the in-process emulator (nil for the other backends), for the
	// tests' config.inspect.
	srv *mangopaytest.Server
	// poll is how long and how often to wait for an outcome.
	poll poller
	// hookURL is where Mangopay can deliver webhooks ("" when it cannot),
	// and events what arrives there, confirmed by a GET.
	hookURL string
	events  <-chan mangopay.Event
	close   func()
}

// controls are an emulator's test controls, in-process (mangopaytest.Server)
// or over HTTP (mangopay-sandbox's /_sandbox/), with what to call them in
// the story. They play the user's browser (on the SCA page, on a 3DS2
// challenge) and the passing of time; none of them moves money.
type controls struct {
	complete func(ctx context.Context, link string, o mangopaytest.Outcome) error
	payIn    func(ctx context.Context, link string, o mangopaytest.Outcome) error
	verify   func(ctx context.Context, link string, o mangopaytest.Outcome) error
	advance  func(ctx context.Context, d time.Duration) error
	// completeVia, payInVia, verifyVia and advanceVia name the control for
	// the reader.
	completeVia, payInVia, verifyVia, advanceVia string
}

// approve gets the user through the SCA session behind link (returnUrl
// already appended): an emulator's control completes it, against Mangopay a
// person does.
func (b *backend) approve(ctx context.Context, p *printer, link string) error {
	if b.ctl == nil {
		p.say("open the link above in a browser: phone +33611111111 (FR), one-time code 702100, then approve")
		p.say("controlStatus on the return URL is only a hint: the quickstart asks Mangopay instead, "+
			"every %s for up to %s (Ctrl-C to stop)", b.poll.every, b.poll.deadline)
		return nil
	}
	if err := b.ctl.complete(ctx, link, mangopaytest.Validated); err != nil {
		return err
	}
	p.ok("the user entered the one-time code %s and approved (emulator: %s)", mangopaytest.OTP, b.ctl.completeVia)
	if p.first("controlStatus") {
		p.say("the browser comes back to the returnUrl with controlStatus=VALIDATED (mangopay.ParseReturn): " +
			"only a hint anyone can forge, so the platform confirms with a GET")
	}
	return nil
}

// passChallenge gets the payer through the 3DS2 challenge behind link: an
// emulator's control answers it, against Mangopay a person does.
func (b *backend) passChallenge(ctx context.Context, p *printer, link string) error {
	if b.ctl == nil {
		p.say("open the link above in a browser and pass the sandbox's test challenge (a success " +
			"answer: \"No\", \"Rejected\" or \"Unavailable\" fail the pay-in with 101301)")
		p.say("the quickstart asks Mangopay for the pay-in every %s for up to %s (Ctrl-C to stop)", b.poll.every, b.poll.deadline)
		return nil
	}
	if err := b.ctl.payIn(ctx, link, mangopaytest.Validated); err != nil {
		return err
	}
	p.ok("the payer passed the card issuer's challenge (emulator: %s)", b.ctl.payInVia)
	return nil
}

// passVerification gets the user through the hosted identity verification
// behind link: an emulator's control approves it, against Mangopay a person
// does, on the sandbox's simulator.
func (b *backend) passVerification(ctx context.Context, p *printer, link string) error {
	if b.ctl == nil {
		p.say("open the link above in a browser: Mangopay's sandbox simulates the ID photos and the " +
			"checks; choose the outcome where every check passes")
		p.say("the quickstart asks Mangopay for the session every %s for up to %s (Ctrl-C to stop)", b.poll.every, b.poll.deadline)
		return nil
	}
	if err := b.ctl.verify(ctx, link, mangopaytest.Validated); err != nil {
		return err
	}
	p.ok("the user passed the ID checks (emulator: %s)", b.ctl.verifyVia)
	return nil
}

// logPrefix starts each -v log record, logCont its continuation lines.
const (
	logPrefix = "        ┆ http "
	logCont   = "        ┆      "
)

// newLogger returns the request logger of -v: slog text records without
// timestamps, each on its own line indented under the story and marked
// "┆ http" so that it does not read as part of it.
func newLogger(out io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(&prefixWriter{w: out, prefix: logPrefix, cont: logCont}, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey) {
				return slog.Attr{}
			}
			return a
		},
	}))
}

// prefixWriter writes each record (slog writes one per call) after prefix,
// wrapped at width with continuation lines under cont.
type prefixWriter struct {
	w            io.Writer
	prefix, cont string
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	if _, err := io.WriteString(p.w, wrap(p.prefix, p.cont, strings.TrimSuffix(string(b), "\n"))); err != nil {
		return 0, err
	}
	return len(b), nil
}

// clientOptions are the options every backend's client gets.
func clientOptions(cfg config, logger *slog.Logger) []mangopay.Option {
	var opts []mangopay.Option
	if logger != nil {
		opts = append(opts, mangopay.WithLogger(logger))
	}
	return append(opts, cfg.clientOpts...)
}

// startReceiver starts the webhook receiver a platform would expose, on a
// local address the emulator can reach. NewWebhookHandler parses each
// notification, confirms it by fetching the resource with c (Mangopay does
// not sign webhooks) and ignores repeated deliveries.
func startReceiver(c *mangopay.Client) (hookURL string, events <-chan mangopay.Event, stop func(), err error) {
	ch := make(chan mangopay.Event, 64)
	hooks, err := mangopay.NewWebhookHandler(func(_ context.Context, ev mangopay.Event) error {
		select {
		case ch <- ev:
		default: // nobody is listening any more: drop it
		}
		return nil
	}, mangopay.WithConfirmation(c), mangopay.WithDeduplication(mangopay.NewMemoryDeliveryStore(0)))
	if err != nil {
		return "", nil, nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/mangopay/webhooks", hooks)
	wh := httptest.NewServer(mux)
	return wh.URL + "/mangopay/webhooks", ch, wh.Close, nil
}

// startEmulator starts a mangopaytest server, with proxy management on (for
// the ScaContext USER_NOT_PRESENT part), and a local webhook receiver.
func startEmulator(cfg config, logger *slog.Logger) (*backend, error) {
	srv, err := mangopaytest.Listen("127.0.0.1:0", mangopaytest.WithProxyManagement())
	if err != nil {
		return nil, err
	}
	c := srv.Client(clientOptions(cfg, logger)...)
	hookURL, events, stopReceiver, err := startReceiver(c)
	if err != nil {
		srv.Close()
		return nil, err
	}
	return &backend{
		name:      fmt.Sprintf("the in-process emulator (mangopaytest) at %s, ClientId %q", srv.URL, srv.ClientID),
		client:    c,
		returnURL: "https://platform.example/sca/return",
		ctl: &controls{
			complete: func(_ context.Context, link string, o mangopaytest.Outcome) error { return srv.CompleteSca(link, o) },
			payIn: func(_ context.Context, link string, o mangopaytest.Outcome) error {
				_, err := srv.CompletePayIn(link, o)
				return err
			},
			verify: func(_ context.Context, link string, o mangopaytest.Outcome) error {
				_, err := srv.CompleteIdentityVerification(link, o)
				return err
			},
			advance: func(_ context.Context, d time.Duration) error {
				srv.Advance(d)
				return nil
			},
			completeVia: "srv.CompleteSca",
			payInVia:    "srv.CompletePayIn",
			verifyVia:   "srv.CompleteIdentityVerification",
			advanceVia:  "srv.Advance",
		},
		srv:     srv,
		poll:    poller{every: 10 * time.Millisecond, deadline: 5 * time.Second},
		hookURL: hookURL,
		events:  events,
		close: func() {
			srv.Close() // stops webhook deliveries first
			stopReceiver()
		},
	}, nil
}

// dialStandalone connects to a mangopay-sandbox started by hand on this
// machine (cfg.BaseURL on a loopback address). Its SCA links point at that
// address, so exactly its loopback host:port pairs are allowed as redirect
// hosts; its /_sandbox/ controls play the user, and it can reach a local
// webhook receiver.
func dialStandalone(cfg config, logger *slog.Logger) (*backend, error) {
	id, key := cfg.ClientID, cfg.APIKey
	if id == "" {
		id, key = mangopaytest.DefaultClientID, mangopaytest.DefaultAPIKey
	}
	opts := append([]mangopay.Option{
		mangopay.WithBaseURL(cfg.BaseURL),
		mangopay.WithRedirectHosts(sandbox.LoopbackHosts(cfg.BaseURL)...),
	}, clientOptions(cfg, logger)...)
	c, err := mangopay.New(id, key, opts...)
	if err != nil {
		return nil, err
	}
	ctl := sandbox.Controls{Base: cfg.BaseURL}
	hookURL, events, stopReceiver, err := startReceiver(c)
	if err != nil {
		return nil, err
	}
	return &backend{
		name:      fmt.Sprintf("mangopay-sandbox at %s, ClientId %q", cfg.BaseURL, id),
		client:    c,
		returnURL: "https://platform.example/sca/return",
		ctl: &controls{
			complete:    ctl.Complete,
			payIn:       ctl.CompletePayIn,
			verify:      ctl.CompleteIdentityVerification,
			advance:     ctl.Advance,
			completeVia: "POST /_sandbox/sca/complete",
			payInVia:    "POST /_sandbox/payins/complete",
			verifyVia:   "POST /_sandbox/identity-verifications/complete",
			advanceVia:  "POST /_sandbox/clock/advance",
		},
		poll:    poller{every: 10 * time.Millisecond, deadline: 10 * time.Second},
		hookURL: hookURL,
		events:  events,
		close:   stopReceiver,
	}, nil
}

// dialSandbox builds a client for Mangopay's sandbox, where a person
// completes every SCA session in a browser. SCA links keep the SDK's
// default policy: https on mangopay.com only.
func dialSandbox(cfg config, logger *slog.Logger) (*backend, error) {
	var opts []mangopay.Option
	if cfg.BaseURL != "" {
		opts = append(opts, mangopay.WithBaseURL(cfg.BaseURL))
	}
	c, err := mangopay.New(cfg.ClientID, cfg.APIKey, append(opts, clientOptions(cfg, logger)...)...)
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
		poll:      poller{every: cfg.PollEvery, deadline: cfg.Deadline},
		close:     func() {},
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
