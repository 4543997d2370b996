package mangopaytest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/scaforge/mangopay"
	"github.com/scaforge/mangopay/mangopaytest"
)

// A platform test: a transfer over €500 between two OWNERs needs SCA; the
// test approves it as the user would, then checks the outcome. The
// README's "Testing your handlers" runs the same flow through a handler.
func Example() {
	srv := mangopaytest.NewServer() // in memory, starts in well under a millisecond
	defer srv.Close()
	c := srv.Client() // a *mangopay.Client pointed at it
	ctx := context.Background()

	newOwner := func(name string) string {
		u, err := c.Users.CreateNatural(ctx, &mangopay.CreateNaturalUserRequest{
			UserCategory: mangopay.UserCategoryOwner, TermsAndConditionsAccepted: mangopay.Ptr(true),
			FirstName: name, LastName: "Smith", Email: name + "@example.com",
			Birthday: mangopay.NewDate(1990, time.May, 4), Nationality: "FR", CountryOfResidence: "FR",
		})
		sca, _ := mangopay.AsScaRequired(err) // an OWNER enrolls in SCA at creation
		if err := srv.CompleteSca(sca.RedirectURL, mangopaytest.Validated); err != nil {
			panic(err)
		}
		return u.ID
	}
	alice, bob := newOwner("Alice"), newOwner("Bob")
	from, _ := c.Wallets.Create(ctx, &mangopay.CreateWalletRequest{Owners: []string{alice}, Description: "main", Currency: "EUR"})
	to, _ := c.Wallets.Create(ctx, &mangopay.CreateWalletRequest{Owners: []string{bob}, Description: "main", Currency: "EUR"})
	_ = srv.Credit(from.ID, 100000) // €1,000.00

	tr, err := c.Transfers.Create(ctx, &mangopay.CreateTransferRequest{
		AuthorID: alice, DebitedWalletID: from.ID, CreditedWalletID: to.ID, ScaContext: mangopay.ScaUserPresent,
		DebitedFunds: mangopay.Money{Currency: "EUR", Amount: 60000}, Fees: mangopay.Money{Currency: "EUR"},
	})
	sca, ok := mangopay.AsScaRequired(err) // over €500: the user must authenticate
	fmt.Println(ok, tr.Status)

	_ = srv.CompleteSca(sca.RedirectURL, mangopaytest.Validated) // as if they typed 702100 and approved
	tr, _ = c.Transfers.Get(ctx, tr.ID)
	fmt.Println(tr.Status)
	// Output:
	// true CREATED
	// SUCCEEDED
}

// Declined and expired sessions fail the transfer with Mangopay's result codes.
func ExampleServer_CompleteSca() {
	srv := mangopaytest.NewServer()
	defer srv.Close()
	c := srv.Client()
	ctx := context.Background()

	u, err := c.Users.CreateNatural(ctx, &mangopay.CreateNaturalUserRequest{
		UserCategory: mangopay.UserCategoryOwner, TermsAndConditionsAccepted: mangopay.Ptr(true),
		FirstName: "Alex", LastName: "Smith", Email: "alex@example.com",
		Birthday: mangopay.NewDate(1990, time.May, 4), Nationality: "FR", CountryOfResidence: "FR",
	})
	sca, _ := mangopay.AsScaRequired(err)
	_ = srv.CompleteSca(sca.RedirectURL, mangopaytest.Failed) // the user declined
	st, _ := c.Users.ScaStatus(ctx, u.ID)
	fmt.Println(st.UserStatus, st.IsEnrolled)

	_, err = c.Users.Enroll(ctx, u.ID) // a fresh link
	sca, _ = mangopay.AsScaRequired(err)
	srv.Advance(10 * time.Minute) // the link expires unused
	err = srv.CompleteSca(sca.RedirectURL, mangopaytest.Validated)
	fmt.Println(errors.Is(err, mangopaytest.ErrSessionExpired))
	for _, ev := range srv.Events() {
		fmt.Println(ev.EventType)
	}
	// Output:
	// PENDING_USER_ACTION false
	// true
	// USER_ACCOUNT_VALIDATION_ASKED
	// SCA_ENROLLMENT_FAILED
	// SCA_ENROLLMENT_EXPIRED
}
