package mangopay_test

// Examples of the remaining service methods, against the in-process emulator
// (mangopaytest) so that go test checks their output. Together with the
// other example files, every method of every service has an Example.

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/scaforge/mangopay"
	"github.com/scaforge/mangopay/mangopaytest"
)

// A SOLETRADER OWNER: its legal representative enrolls in SCA, like a
// natural OWNER.
func ExampleUsersService_CreateLegal_soletrader() {
	srv := mangopaytest.NewServer()
	defer srv.Close()
	c := srv.Client()
	ctx := context.Background()

	u, err := c.Users.CreateLegal(ctx, &mangopay.CreateLegalUserRequest{
		UserCategory:               mangopay.UserCategoryOwner,
		TermsAndConditionsAccepted: mangopay.Ptr(true),
		LegalPersonType:            mangopay.LegalPersonTypeSoletrader,
		Name:                       "Alex Smith Services",
		Email:                      "contact@alexsmith.example",
		LegalRepresentative: &mangopay.LegalRepresentativeRequest{
			FirstName: "Alex", LastName: "Smith", Email: "alex.smith@example.com",
			Birthday: mangopay.NewDate(1990, time.August, 31), Nationality: "FR", CountryOfResidence: "FR",
			PhoneNumber: "+33611111111",
		},
		HeadquartersAddress: &mangopay.Address{AddressLine1: "3 rue de la Cité", City: "Paris", PostalCode: "75004", Country: "FR"},
	})
	sca, ok := mangopay.AsScaRequired(err)
	if !ok {
		log.Fatal(err)
	}
	fmt.Println(u.LegalPersonType, u.UserStatus)
	_ = srv.CompleteSca(sca.RedirectURL, mangopaytest.Validated) // the representative approves

	l, err := c.Users.GetLegal(ctx, u.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(l.Name, l.LegalRepresentative.FirstName, l.UserStatus)
	// Output:
	// SOLETRADER PENDING_USER_ACTION
	// Alex Smith Services Alex ACTIVE
}

// Changing an OWNER's email (or phone) re-enrolls them: the updated user
// comes back with a link to the hosted page.
func ExampleUsersService_UpdateNatural_reenrollment() {
	srv := mangopaytest.NewServer()
	defer srv.Close()
	c := srv.Client()
	ctx := context.Background()
	owner, _ := exampleOwner(ctx, srv, c, "Alex")

	u, err := c.Users.UpdateNatural(ctx, owner, &mangopay.UpdateNaturalUserRequest{
		TermsAndConditionsAccepted: mangopay.Ptr(true),
		Email:                      mangopay.Ptr("alex.new@example.com"),
		ScaContext:                 mangopay.ScaUserPresent,
	})
	if sca, ok := mangopay.AsScaRequired(err); ok {
		fmt.Println(u.Email, u.UserStatus, "→ redirect the user to re-enroll")
		_ = srv.CompleteSca(sca.RedirectURL, mangopaytest.Validated)
	} else if err != nil {
		log.Fatal(err)
	}

	// Other changes need no SCA.
	u, err = c.Users.UpdateNatural(ctx, owner, &mangopay.UpdateNaturalUserRequest{
		TermsAndConditionsAccepted: mangopay.Ptr(true),
		Occupation:                 mangopay.Ptr("Carpenter"),
	})
	if err != nil {
		log.Fatal(err)
	}
	n, err := c.Users.GetNatural(ctx, owner)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u.Occupation, n.UserStatus)
	// Output:
	// alex.new@example.com PENDING_USER_ACTION → redirect the user to re-enroll
	// Carpenter ACTIVE
}

// Wallet updates are not SCA-gated.
func ExampleWalletsService_Update_description() {
	srv := mangopaytest.NewServer()
	defer srv.Close()
	c := srv.Client()
	ctx := context.Background()
	_, walletID := exampleOwner(ctx, srv, c, "Alex")

	w, err := c.Wallets.Update(ctx, walletID, &mangopay.UpdateWalletRequest{Description: mangopay.Ptr("Holiday savings")})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(w.Description, w.Currency)
	// Output: Holiday savings EUR
}

// A user's whole history, page after page, read with USER_PRESENT: the first
// read asks for wallet-access SCA, later ones are exempt for 180 days.
func ExampleTransactionsService_AllByUser_history() {
	srv := mangopaytest.NewServer()
	defer srv.Close()
	c := srv.Client()
	ctx := context.Background()
	alex, walletID := exampleOwner(ctx, srv, c, "Alex")
	_ = srv.Credit(walletID, 1500)
	_ = srv.Credit(walletID, 2500)

	_, err := c.Transactions.ListByUser(ctx, alex, mangopay.ScaUserPresent, nil)
	if sca, ok := mangopay.AsScaRequired(err); ok {
		_ = srv.CompleteSca(sca.RedirectURL, mangopaytest.Validated) // the user approves once
	}
	for tx, err := range c.Transactions.AllByUser(ctx, alex, mangopay.ScaUserPresent, &mangopay.TransactionListOptions{
		ListOptions: mangopay.ListOptions{PerPage: 1},
	}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(tx.Type, tx.Status, tx.CreditedFunds)
	}
	// Output:
	// PAYIN SUCCEEDED EUR 15.00
	// PAYIN SUCCEEDED EUR 25.00
}

// Every PAYIN recipient of a user (PAYIN recipients need no SCA), fetched
// lazily.
func ExampleRecipientsService_AllByUser_payin() {
	srv := mangopaytest.NewServer()
	defer srv.Close()
	c := srv.Client()
	ctx := context.Background()
	owner, _ := exampleOwner(ctx, srv, c, "Alex")
	for _, name := range []string{"Alex EUR DE account", "Alex EUR FR account"} {
		_, err := c.Recipients.Create(ctx, owner, &mangopay.CreateRecipientRequest{
			DisplayName: name, PayoutMethodType: mangopay.PayoutMethodLocalBankTransfer,
			RecipientType: mangopay.RecipientTypeIndividual, Currency: "EUR", Country: "DE",
			RecipientScope:      mangopay.RecipientScopePayin,
			IndividualRecipient: &mangopay.IndividualRecipient{FirstName: "Alex", LastName: "Example"},
			LocalBankTransfer:   &mangopay.LocalBankTransfer{EUR: &mangopay.IBANAccount{IBAN: "DE75512108001245126199"}},
		})
		if err != nil {
			log.Fatal(err)
		}
	}

	// Newest first: the default sort is CreationDate:DESC.
	for r, err := range c.Recipients.AllByUser(ctx, owner, &mangopay.RecipientListOptions{RecipientScope: mangopay.RecipientScopePayin}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(r.DisplayName, r.RecipientScope, r.Status)
	}
	// Output:
	// Alex EUR FR account PAYIN ACTIVE
	// Alex EUR DE account PAYIN ACTIVE
}

// One page of hooks with its totals, then one hook by id.
func ExampleHooksService_List_page() {
	srv := mangopaytest.NewServer()
	defer srv.Close()
	c := srv.Client()
	ctx := context.Background()
	var first *mangopay.Hook
	for _, t := range []mangopay.EventType{mangopay.EventUserAccountActivated, mangopay.EventTransferNormalSucceeded, mangopay.EventRecipientActive} {
		h, err := c.Hooks.Create(ctx, &mangopay.CreateHookRequest{EventType: t, URL: "https://platform.example/mangopay/webhooks"})
		if err != nil {
			log.Fatal(err)
		}
		if first == nil {
			first = h
		}
	}

	page, err := c.Hooks.List(ctx, &mangopay.ListOptions{PerPage: 2})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(page.Items), "of", page.TotalItems, "hooks,", page.TotalPages, "pages, more:", page.HasNext())

	h, err := c.Hooks.Get(ctx, first.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(h.EventType, h.Status, h.Validity)
	// Output:
	// 2 of 3 hooks, 2 pages, more: true
	// USER_ACCOUNT_ACTIVATED ENABLED VALID
}

// A legal PAYER becomes an OWNER: Categorize starts the representative's
// enrollment; later, a new representative phone number re-enrolls them.
func ExampleUsersService_CategorizeLegal_owner() {
	srv := mangopaytest.NewServer()
	defer srv.Close()
	c := srv.Client()
	ctx := context.Background()
	payer, err := c.Users.CreateLegal(ctx, &mangopay.CreateLegalUserRequest{
		UserCategory: mangopay.UserCategoryPayer, TermsAndConditionsAccepted: mangopay.Ptr(true),
		LegalPersonType: mangopay.LegalPersonTypeBusiness, Name: "Acme Tools", Email: "billing@acme.example",
		LegalRepresentative: &mangopay.LegalRepresentativeRequest{FirstName: "Sam", LastName: "Lee"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(payer.UserCategory, payer.UserStatus)

	u, err := c.Users.CategorizeLegal(ctx, payer.ID, &mangopay.CategorizeLegalUserRequest{
		TermsAndConditionsAccepted: mangopay.Ptr(true),
		LegalRepresentative: &mangopay.LegalRepresentativeRequest{
			Birthday: mangopay.NewDate(1985, time.March, 3), Nationality: "FR", CountryOfResidence: "FR",
			Email: "sam.lee@acme.example", PhoneNumber: "+33611111111",
		},
		HeadquartersAddress: &mangopay.Address{AddressLine1: "1 rue de la Paix", City: "Paris", PostalCode: "75002", Country: "FR"},
		CompanyNumber:       "123456789",
	})
	sca, ok := mangopay.AsScaRequired(err)
	if !ok {
		log.Fatal(err)
	}
	fmt.Println(u.UserCategory, u.UserStatus)
	_ = srv.CompleteSca(sca.RedirectURL, mangopaytest.Validated)

	u, err = c.Users.UpdateLegal(ctx, payer.ID, &mangopay.UpdateLegalUserRequest{
		TermsAndConditionsAccepted: mangopay.Ptr(true),
		LegalRepresentative:        &mangopay.UpdateLegalRepresentativeRequest{PhoneNumber: mangopay.Ptr("+33622222222")},
	})
	_, reenroll := mangopay.AsScaRequired(err)
	fmt.Println(u.UserStatus, "re-enroll:", reenroll)
	// Output:
	// PAYER ACTIVE
	// OWNER PENDING_USER_ACTION
	// PENDING_USER_ACTION re-enroll: true
}
