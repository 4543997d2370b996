package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// BenchmarkQuickstart runs the whole SCA quickstart in-process, as
// `go run ./examples/quickstart` does without credentials: a fresh emulator
// and webhook receiver, two owners enrolled through SCA, two wallets, a card
// pay-in through a 3DS2 challenge, wallet reads through wallet-access SCA, a
// transfer through SCA and an exempt one, a payout recipient through SCA, a
// payout, a refund, the transaction history, the other outcomes, the
// reconciliation, and the webhooks of each step. The story goes to a buffer that is only
// checked, never printed. It fails if a step fails or a webhook did not
// arrive (the tour would then have waited 5 s for it).
//
//	go test -run '^$' -bench . -benchmem -count=10 ./examples/quickstart
func BenchmarkQuickstart(b *testing.B) {
	var out bytes.Buffer
	for b.Loop() {
		out.Reset()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := run(ctx, &out, config{})
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		text := out.String()
		if !strings.Contains(text, "Summary") || strings.Contains(text, "within 5s") {
			b.Fatalf("unexpected story:\n%s", text)
		}
	}
}
