package mangopay_test

import (
	"context"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/scaforge/mangopay"
	"github.com/scaforge/mangopay/mangopaytest"
)

// ExampleIdentityVerificationsService_Create verifies an OWNER through
// Mangopay's hosted identity verification, the emulator playing the user on
// the hosted page. The README's "Verifying the owner (KYC)" section shows
// this code.
func ExampleIdentityVerificationsService_Create() {
	srv := mangopaytest.NewServer()
	defer srv.Close()
	c := srv.Client()
	ctx := context.Background()
	u, err := c.Users.CreateNatural(ctx, &mangopay.CreateNaturalUserRequest{
		UserCategory: mangopay.UserCategoryOwner, TermsAndConditionsAccepted: mangopay.Ptr(true),
		FirstName: "Olga", LastName: "Smith", Email: "olga+accept@example.com",
		Birthday: mangopay.NewDate(1990, time.May, 4), Nationality: "FR", CountryOfResidence: "FR",
	})
	if err != nil {
		log.Fatal(err)
	}
	userID := u.ID

	v, err := c.IdentityVerifications.Create(ctx, userID, &mangopay.CreateIdentityVerificationRequest{
		ReturnURL: "https://platform.example/kyc/back",
	})
	rd, ok := mangopay.AsRedirect(err) // the same branch as SCA demands and 3DS2 challenges
	if !ok {
		log.Fatal(err) // a *ValidationError, an API error (a PAYER), ErrUntrustedRedirect
	}
	to, err := rd.RedirectURLWithReturn("") // the ReturnURL is already in the link
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("session", v.Status)
	fmt.Println("send the browser to", strings.SplitN(to, "?", 2)[0][len(srv.URL):]) // http.Redirect in a handler

	if _, err := srv.CompleteIdentityVerification(to, mangopaytest.Validated); err != nil { // the user passes
		log.Fatal(err)
	}

	// Later, on the ReturnURL (or when IDENTITY_VERIFICATION_VALIDATED arrives): ask Mangopay.
	v, err = c.IdentityVerifications.Get(ctx, v.ID)
	if err != nil {
		log.Fatal(err)
	}
	switch {
	case v.Status == mangopay.IdentityVerificationValidated:
		fmt.Println("verified: KYCLevel REGULAR, payouts allowed")
	case !v.Status.Final():
		fmt.Println("not decided yet: ask again later")
	default:
		fmt.Println("not verified:", v.Status) // REFUSED: Checks[].Reasons say why; start a new session
	}
	// Output:
	// session PENDING
	// send the browser to /idv/session
	// verified: KYCLevel REGULAR, payouts allowed
}
