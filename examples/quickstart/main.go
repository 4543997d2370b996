// Command quickstart walks through Mangopay's Strong Customer Authentication
// (SCA) flow with the SDK, printing every call, what came back and where a
// real user's browser would be sent.
//
//	go run ./examples/quickstart        # against an in-process emulator (mangopaytest)
//	go run ./examples/quickstart -v     # the same, with one log line per HTTP request
//
// By default it needs nothing: it starts the emulator in the same process,
// completes each SCA session as if the user had approved it
// (mangopaytest.Server.CompleteSca) and receives the webhooks on a local
// endpoint. It exits 0 in a few seconds.
//
// With MANGOPAY_CLIENT_ID and MANGOPAY_API_KEY set, it talks to Mangopay's
// sandbox instead (MANGOPAY_BASE_URL overrides the address). Each SCA link
// is then printed for you to open in a browser (sandbox phone +33611111111,
// code 702100), and the program polls Mangopay until the action is
// confirmed or -deadline passes. The sandbox cannot reach a webhook
// endpoint on your machine, so that part is skipped, and wallets must be
// funded by a pay-in (which this SDK does not cover): the program says which
// wallet and waits for the money.
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
	flag.DurationVar(&cfg.Deadline, "deadline", 10*time.Minute, "sandbox only: how long to wait for each SCA session or pay-in")
	flag.DurationVar(&cfg.PollEvery, "poll", 3*time.Second, "sandbox only: how often to ask Mangopay whether an SCA session ended")
	flag.Parse()
	if (cfg.ClientID == "") != (cfg.APIKey == "") {
		fmt.Fprintln(os.Stderr, "quickstart: set both MANGOPAY_CLIENT_ID and MANGOPAY_API_KEY for the sandbox, or neither for the emulator")
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}
