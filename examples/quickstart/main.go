// Command quickstart walks through Mangopay's Strong Customer Authentication
// (SCA) flow and the whole money cycle with the SDK, printing every call,
// what came back and where a real user's browser would be sent: two OWNERs
// enroll, one funds their wallet with a card pay-in (3DS2 challenge), reads
// it, transfers to the other, registers a payout recipient, pays out to it
// and refunds a transfer; a summary reconciles every balance (the wallets,
// the fees and what was paid out add up to what was paid in).
//
//	go run ./examples/quickstart        # against an in-process emulator (mangopaytest)
//	go run ./examples/quickstart -v     # the same, with one log line per HTTP request
//
// It runs against three backends, chosen by the environment:
//
//   - nothing set: an emulator (mangopaytest) started in the same process.
//     Its test controls play the user's browser and the passing of time:
//     each SCA session is approved (or declined, or left to expire) as the
//     story needs, the pay-in's 3DS2 challenge is passed, the clock moves
//     for the payout, and webhooks reach a local endpoint. No control moves
//     money: the card pay-in does. It exits 0; the first `go run` compiles
//     the module first (about 45 s on a fresh machine), later runs take
//     about a second.
//   - MANGOPAY_BASE_URL on this machine (a loopback address, such as
//     http://127.0.0.1:8089): a mangopay-sandbox started by hand
//     (go run ./cmd/mangopay-sandbox -proxy), driven the same way through its
//     /_sandbox/ controls. SCA and payment links on exactly that address are
//     trusted (mangopay.WithRedirectHosts); the credentials default to the
//     emulator's (MANGOPAY_CLIENT_ID and MANGOPAY_API_KEY override them).
//   - MANGOPAY_CLIENT_ID and MANGOPAY_API_KEY: Mangopay's sandbox
//     (MANGOPAY_BASE_URL, when not on this machine, overrides the address),
//     with its public API and documented test data only. Links must then be
//     https on Mangopay's hosts, the SDK's default. Each link is printed for
//     you to open in a browser (SCA: sandbox phone +33611111111, code
//     702100; the 3DS2 challenge of the test card 4970105181818183: answer
//     with success), and the program polls Mangopay until the action is
//     confirmed or -deadline passes. The sandbox cannot reach a webhook
//     endpoint on your machine, so that part is skipped; declining and
//     expiring need an emulator's controls and are skipped. Mangopay's
//     sandbox pays out only for a KYC-verified owner
//     (docs.mangopay.com/testing/payouts), so before the payout the program
//     starts Mangopay's hosted identity verification and prints its link:
//     on the sandbox's simulator choose the outcome where every check
//     passes, and the owner becomes KYCLevel REGULAR. If the session is
//     refused, or undecided at -deadline, the payout is refused with
//     002999, which the program reports, and the balances still reconcile.
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
	flag.DurationVar(&cfg.Deadline, "deadline", 10*time.Minute, "Mangopay only: how long to wait for each SCA session, pay-in or payout")
	flag.DurationVar(&cfg.PollEvery, "poll", 3*time.Second, "Mangopay only: how often to ask Mangopay whether an SCA session, pay-in or payout ended")
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
