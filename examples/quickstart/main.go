// Command quickstart walks through Mangopay's Strong Customer Authentication
// (SCA) flow with the SDK, printing every call, what came back and where a
// real user's browser would be sent.
//
//	go run ./examples/quickstart        # against an in-process emulator (mangopaytest)
//	go run ./examples/quickstart -v     # the same, with one log line per HTTP request
//
// It runs against three backends, chosen by the environment:
//
//   - nothing set: an emulator (mangopaytest) started in the same process.
//     Its test controls play the user: each SCA session is approved (or
//     declined, or left to expire) as the story needs, wallets are credited,
//     and webhooks reach a local endpoint. It exits 0; the first `go run`
//     compiles the module first (about 45 s on a fresh machine), later runs
//     take about a second.
//   - MANGOPAY_BASE_URL on this machine (a loopback address, such as
//     http://127.0.0.1:8089): a mangopay-sandbox started by hand
//     (go run ./cmd/mangopay-sandbox -proxy), driven the same way through its
//     /_sandbox/ controls. SCA links on exactly that address are trusted
//     (mangopay.WithRedirectHosts); the credentials default to the
//     emulator's (MANGOPAY_CLIENT_ID and MANGOPAY_API_KEY override them).
//   - MANGOPAY_CLIENT_ID and MANGOPAY_API_KEY: Mangopay's sandbox
//     (MANGOPAY_BASE_URL, when not on this machine, overrides the address).
//     SCA links must then be https on mangopay.com, the SDK's default. Each
//     link is printed for you to open in a browser (sandbox phone
//     +33611111111, code 702100), and the program polls Mangopay until the
//     action is confirmed or -deadline passes. The sandbox cannot reach a
//     webhook endpoint on your machine, so that part is skipped; wallets
//     must be funded by a pay-in (this program says which wallet and waits
//     for the money); declining and expiring need an emulator's controls
//     and are skipped.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"
)

func main() {
	cfg := config{
		ClientID: os.Getenv("MANGOPAY_CLIENT_ID"),
		APIKey:   os.Getenv("MANGOPAY_API_KEY"),
		BaseURL:  os.Getenv("MANGOPAY_BASE_URL"),
	}
	flag.BoolVar(&cfg.Verbose, "v", false, "log every HTTP request to Mangopay (credentials and tokens are never logged)")
	flag.DurationVar(&cfg.Deadline, "deadline", 10*time.Minute, "Mangopay only: how long to wait for each SCA session or pay-in")
	flag.DurationVar(&cfg.PollEvery, "poll", 3*time.Second, "Mangopay only: how often to ask Mangopay whether an SCA session ended")
	flag.Parse()
	if _, err := chooseBackend(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}
