package mangopay_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/scaforge/mangopay"
	"github.com/scaforge/mangopay/mangopaytest"
)

// payoutSetup starts an emulator with an OWNER (KYC verified), a funded
// wallet and an ACTIVE recipient, as a platform has them before paying out.
func payoutSetup() (srv *mangopaytest.Server, c *mangopay.Client, userID, walletID, recipientID string) {
	srv = mangopaytest.NewServer()
	c = srv.Client()
	ctx := context.Background()
	u, err := c.Users.CreateNatural(ctx, &mangopay.CreateNaturalUserRequest{
		UserCategory: mangopay.UserCategoryOwner, TermsAndConditionsAccepted: mangopay.Ptr(true),
		FirstName: "Olga", LastName: "Smith", Email: "olga+accept@example.com",
		Birthday: mangopay.NewDate(1990, time.May, 4), Nationality: "FR", CountryOfResidence: "FR",
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := srv.SetKYCLevel(u.ID, "REGULAR"); err != nil {
		log.Fatal(err)
	}
	w, err := c.Wallets.Create(ctx, &mangopay.CreateWalletRequest{Owners: []string{u.ID}, Description: "main", Currency: "EUR"})
	if err != nil {
		log.Fatal(err)
	}
	if err := srv.Credit(w.ID, 10000); err != nil {
		log.Fatal(err)
	}
	rec, err := c.Recipients.Create(ctx, u.ID, &mangopay.CreateRecipientRequest{
		DisplayName: "Olga Smith EUR account", PayoutMethodType: mangopay.PayoutMethodLocalBankTransfer,
		RecipientType: mangopay.RecipientTypeIndividual, Currency: "EUR", Country: "FR",
		IndividualRecipient: &mangopay.IndividualRecipient{FirstName: "Olga", LastName: "Smith",
			Address: &mangopay.Address{AddressLine1: "1 rue de la Paix", City: "Paris", PostalCode: "75002", Country: "FR"}},
		LocalBankTransfer: &mangopay.LocalBankTransfer{EUR: &mangopay.IBANAccount{IBAN: "FR7630004000031234567890143", BIC: "BNPAFRPP"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	return srv, c, u.ID, w.ID, rec.ID
}

// ExamplePayoutsService_Create pays out to an ACTIVE recipient and follows
// the payout to SUCCEEDED. The README's Payouts section shows this code.
func ExamplePayoutsService_Create() {
	srv, c, userID, walletID, recipientID := payoutSetup()
	defer srv.Close()
	ctx := context.Background()
	withdrawalKey := "withdrawal-2026-000042"

	reach, err := c.Payouts.CheckReachability(ctx, &mangopay.ReachabilityRequest{
		AuthorID: userID, DebitedWalletID: walletID, RecipientID: recipientID,
		DebitedFunds: mangopay.Money{Currency: "EUR", Amount: 5000}, Fees: mangopay.Money{Currency: "EUR", Amount: 50},
	})
	if err != nil {
		log.Fatal(err)
	}
	mode := mangopay.PayoutModeStandard
	if reach.Reachable() {
		mode = mangopay.PayoutModeInstant // falls back to STANDARD if the bank cannot take it
	}
	po, err := c.Payouts.Create(ctx, &mangopay.CreatePayoutRequest{
		AuthorID: userID, DebitedWalletID: walletID, RecipientID: recipientID,
		DebitedFunds: mangopay.Money{Currency: "EUR", Amount: 5000}, Fees: mangopay.Money{Currency: "EUR", Amount: 50},
		BankWireRef: "Acme payout", PayoutModeRequested: mode,
	}, mangopay.WithIdempotencyKey(withdrawalKey)) // your withdrawal's own key: a retry never pays twice
	switch {
	case err != nil:
		log.Fatal(err)
	case po.Status == mangopay.PayoutStatusFailed && po.ResultCode == mangopay.ResultCodeKYCLimitDebitedUser:
		fmt.Println("ask the user to verify their identity")
	case po.Status == mangopay.PayoutStatusFailed:
		fmt.Println("refused:", po.ResultCode, po.ResultMessage)
	default:
		fmt.Println(po.Status, po.ModeApplied, po.CreditedFunds)
	}

	srv.Advance(mangopaytest.InstantPayoutDelay) // the emulator's clock: the bank answers
	po, err = c.Payouts.Get(ctx, po.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(po.Status, po.ResultCode)
	// Output:
	// CREATED INSTANT_PAYMENT EUR 49.50
	// SUCCEEDED 000000
}

// ExampleRefundsService_CreateForTransfer refunds part of a transfer, then
// the rest. The README's Refunds section shows this code.
func ExampleRefundsService_CreateForTransfer() {
	srv, c, userID, walletID, _ := payoutSetup()
	defer srv.Close()
	ctx := context.Background()
	other, err := c.Wallets.Create(ctx, &mangopay.CreateWalletRequest{Owners: []string{userID}, Description: "savings", Currency: "EUR"})
	if err != nil {
		log.Fatal(err)
	}
	tr, err := c.Transfers.Create(ctx, &mangopay.CreateTransferRequest{AuthorID: userID, DebitedWalletID: walletID, CreditedWalletID: other.ID,
		DebitedFunds: mangopay.Money{Currency: "EUR", Amount: 1120}, Fees: mangopay.Money{Currency: "EUR", Amount: 20}})
	if err != nil {
		log.Fatal(err)
	}

	rf, err := c.Refunds.CreateForTransfer(ctx, tr.ID, &mangopay.CreateRefundRequest{
		AuthorID:     tr.AuthorID,
		DebitedFunds: &mangopay.Money{Currency: "EUR", Amount: 600}, // partial: both amounts
		Fees:         &mangopay.Money{Currency: "EUR", Amount: 10},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rf.Status, rf.CreditedFunds, rf.Fees)

	rf, err = c.Refunds.CreateForTransfer(ctx, tr.ID, &mangopay.CreateRefundRequest{AuthorID: tr.AuthorID}) // the rest
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rf.Status, rf.CreditedFunds)
	rf, err = c.Refunds.CreateForTransfer(ctx, tr.ID, &mangopay.CreateRefundRequest{AuthorID: tr.AuthorID})
	if err != nil {
		log.Fatal(err)
	}
	if rf.Status == mangopay.RefundStatusFailed {
		fmt.Println("refused:", rf.ResultCode) // ResultCodeRefundAlreadyRefunded
	}
	// Output:
	// SUCCEEDED EUR 6.10 EUR -0.10
	// SUCCEEDED EUR 5.10
	// refused: 001401
}

// ExampleEventsService_Replay catches up on the payout and refund events a
// platform missed, through the same handler function its webhooks use. The
// README's "Events and catching up" section shows this code.
func ExampleEventsService_Replay() {
	srv, c, userID, walletID, recipientID := payoutSetup()
	defer srv.Close()
	ctx := context.Background()
	checkpoint := srv.Now() // stored when the platform last caught up
	if _, err := c.Payouts.Create(ctx, &mangopay.CreatePayoutRequest{AuthorID: userID, DebitedWalletID: walletID, RecipientID: recipientID,
		DebitedFunds: mangopay.Money{Currency: "EUR", Amount: 1000}, Fees: mangopay.Money{Currency: "EUR"}}); err != nil {
		log.Fatal(err)
	}
	srv.Advance(mangopaytest.StandardPayoutDelay)

	handler := eventPrinter{} // in production: the *WebhookHandler serving your hooks
	next, err := c.Events.Replay(ctx, handler, checkpoint, mangopay.PayoutRefundEventTypes())
	if err != nil {
		log.Printf("replay stopped: %v", err) // next is where to resume
	}
	checkpoint = next // store it for the next call
	fmt.Println(!checkpoint.IsZero())
	// Output:
	// PAYOUT_NORMAL_CREATED payout
	// PAYOUT_NORMAL_SUCCEEDED payout
	// true
}

// eventPrinter stands for a *WebhookHandler: its Process runs what a
// delivery runs.
type eventPrinter struct{}

func (eventPrinter) Process(_ context.Context, ev mangopay.Event) error {
	fmt.Println(ev.Type, ev.Type.ResourceKind())
	return nil
}
