package mangopay_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/scaforge/mangopay"
	"github.com/scaforge/mangopay/mangopaytest"
)

// pendingTransfer is a row of the platform's outbox: the operation and its
// Idempotency-Key, stored before the call.
type pendingTransfer struct {
	Key     string
	Request mangopay.CreateTransferRequest
}

// demoWallets makes two OWNERs (the sandbox's "+accept" email: no SCA) with
// EUR wallets, the first credited with 100.00 EUR.
func demoWallets(srv *mangopaytest.Server, c *mangopay.Client) (author, from, to string) {
	ctx := context.Background()
	var ids [2]string
	var wallets [2]string
	for i, name := range []string{"Ana", "Ben"} {
		u, err := c.Users.CreateNatural(ctx, &mangopay.CreateNaturalUserRequest{UserCategory: mangopay.UserCategoryOwner,
			TermsAndConditionsAccepted: mangopay.Ptr(true), FirstName: name, LastName: "Demo", Email: name + "+accept@example.com",
			Birthday: mangopay.NewDate(1990, 5, 4), Nationality: "FR", CountryOfResidence: "FR", PhoneNumber: "+33611111111"})
		if err != nil {
			log.Fatal(err)
		}
		w, err := c.Wallets.Create(ctx, &mangopay.CreateWalletRequest{Owners: []string{u.ID}, Description: "demo", Currency: "EUR"})
		if err != nil {
			log.Fatal(err)
		}
		ids[i], wallets[i] = u.ID, w.ID
	}
	if err := srv.Credit(wallets[0], 10000); err != nil {
		log.Fatal(err)
	}
	return ids[0], wallets[0], wallets[1]
}

// README "Surviving a crash".
func ExampleNewIdempotencyKey() {
	srv := mangopaytest.NewServer()
	defer srv.Close()
	c := srv.Client()
	ctx := context.Background()
	authorID, fromWalletID, toWalletID := demoWallets(srv, c)
	outbox := map[string]pendingTransfer{} // stands for a table of your database

	// 1. Before the call: store the operation with a new key (and commit).
	outbox["order-42"] = pendingTransfer{Key: mangopay.NewIdempotencyKey(), Request: mangopay.CreateTransferRequest{
		AuthorID: authorID, DebitedWalletID: fromWalletID, CreditedWalletID: toWalletID,
		DebitedFunds: mangopay.Money{Currency: "EUR", Amount: 1234}, Fees: mangopay.Money{Currency: "EUR"}}}

	// 2. The call. Say the process dies before it stores the answer.
	op := outbox["order-42"]
	_, _ = c.Transfers.Create(ctx, &op.Request, mangopay.WithIdempotencyKey(op.Key))

	// 3. On restart, every pending operation goes again: same request, same key.
	for id, op := range outbox {
		var meta mangopay.Response
		t, err := c.Transfers.Create(ctx, &op.Request, mangopay.WithIdempotencyKey(op.Key), mangopay.CaptureResponse(&meta))
		switch {
		case errors.Is(err, mangopay.ErrOutcomeUnknown):
			continue // Mangopay still out of reach: keep the row, try later with the same key
		case err != nil:
			log.Printf("%s did not happen: %v", id, err) // no effect: mark it failed (or retry under a new key, stored first)
		default:
			fmt.Println(id, t.Status, "recovered:", meta.Recovered)
		}
		delete(outbox, id)
	}

	// Or read what Mangopay recorded under the key (kept 24 hours).
	rec, err := c.Idempotency.Get(ctx, op.Key)
	if err != nil {
		log.Fatal(err)
	}
	t, err := mangopay.DecodeRecorded[mangopay.Transfer](rec)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rec.StatusCode, rec.RequestPath(), t.DebitedFunds.Amount, t.Status)
	// Output:
	// order-42 SUCCEEDED recovered: true
	// 200 /transfers 1234 SUCCEEDED
}
