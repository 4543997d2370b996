package mangopay_test

// Examples of the service calls that the per-file examples do not show. They
// run against the in-process emulator (mangopaytest), which answers with
// Mangopay's wire format, so their output is checked by go test. The
// emulator's srv.CompleteSca stands in for the user on the hosted SCA page.

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/scaforge/mangopay"
	"github.com/scaforge/mangopay/mangopaytest"
)

// exampleOwner registers an enrolled natural OWNER with a EUR wallet on srv.
func exampleOwner(ctx context.Context, srv *mangopaytest.Server, c *mangopay.Client, first string) (userID, walletID string) {
	u, err := c.Users.CreateNatural(ctx, &mangopay.CreateNaturalUserRequest{
		UserCategory:               mangopay.UserCategoryOwner,
		TermsAndConditionsAccepted: mangopay.Ptr(true),
		FirstName:                  first,
		LastName:                   "Example",
		Email:                      first + "@example.com",
		Birthday:                   mangopay.NewDate(1990, time.August, 31),
		Nationality:                "FR",
		CountryOfResidence:         "FR",
		PhoneNumber:                "+33611111111",
	})
	if sca, ok := mangopay.AsScaRequired(err); ok {
		err = srv.CompleteSca(sca.RedirectURL, mangopaytest.Validated)
	}
	if err != nil {
		log.Fatal(err)
	}
	w, err := c.Wallets.Create(ctx, &mangopay.CreateWalletRequest{Owners: []string{u.ID}, Description: first + "'s wallet", Currency: "EUR"})
	if err != nil {
		log.Fatal(err)
	}
	return u.ID, w.ID
}

func ExampleWalletsService_Create() {
	srv := mangopaytest.NewServer()
	defer srv.Close()
	c := srv.Client()
	ctx := context.Background()
	owner, _ := exampleOwner(ctx, srv, c, "Alex")

	// Creating a wallet is not SCA-gated; reading it is.
	w, err := c.Wallets.Create(ctx, &mangopay.CreateWalletRequest{
		Owners:      []string{owner},
		Description: "Savings",
		Currency:    "EUR",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(w.Description, w.Currency, w.Balance, w.FundsType)
	// Output: Savings EUR EUR 0.00 DEFAULT
}

func ExampleWalletsService_ListByUser() {
	srv := mangopaytest.NewServer()
	defer srv.Close()
	c := srv.Client()
	ctx := context.Background()
	owner, wallet := exampleOwner(ctx, srv, c, "Alex")
	if err := srv.Credit(wallet, 2500); err != nil {
		log.Fatal(err)
	}

	// The user is at the screen: USER_PRESENT. The first read asks for SCA
	// (a 401 with WWW-Authenticate), which the platform redirects to.
	_, err := c.Wallets.ListByUser(ctx, owner, mangopay.ScaUserPresent, nil)
	sca, ok := mangopay.AsScaRequired(err)
	fmt.Println("SCA required:", ok, "link from the", sca.Source)
	_ = srv.CompleteSca(sca.RedirectURL, mangopaytest.Validated) // the user approves

	// Then, for 180 days, reads need no SCA.
	page, err := c.Wallets.ListByUser(ctx, owner, mangopay.ScaUserPresent, &mangopay.ListOptions{PerPage: 20})
	if err != nil {
		log.Fatal(err)
	}
	for _, w := range page.Items {
		fmt.Println(w.Description, w.Balance)
	}
	// Output:
	// SCA required: true link from the header
	// Alex's wallet EUR 25.00
}

func ExampleWalletsService_AllByUser() {
	srv := mangopaytest.NewServer()
	defer srv.Close()
	c := srv.Client()
	ctx := context.Background()
	owner, _ := exampleOwner(ctx, srv, c, "Alex")
	for _, cur := range []string{"GBP", "USD"} {
		if _, err := c.Wallets.Create(ctx, &mangopay.CreateWalletRequest{Owners: []string{owner}, Description: cur + " wallet", Currency: cur}); err != nil {
			log.Fatal(err)
		}
	}
	// USER_NOT_PRESENT would need proxy consent: open access with SCA first.
	_, err := c.Wallets.ListByUser(ctx, owner, mangopay.ScaUserPresent, nil)
	if sca, ok := mangopay.AsScaRequired(err); ok {
		_ = srv.CompleteSca(sca.RedirectURL, mangopaytest.Validated)
	}

	// Pages of 2 are fetched lazily as the loop goes on.
	for w, err := range c.Wallets.AllByUser(ctx, owner, mangopay.ScaUserPresent, &mangopay.ListOptions{PerPage: 2, Sort: mangopay.SortCreationDateAsc}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(w.Currency, w.Description)
	}
	// Output:
	// EUR Alex's wallet
	// GBP GBP wallet
	// USD USD wallet
}

func ExampleTransactionsService_ListByUser() {
	srv := mangopaytest.NewServer()
	defer srv.Close()
	c := srv.Client()
	ctx := context.Background()
	alex, alexWallet := exampleOwner(ctx, srv, c, "Alex")
	_, samWallet := exampleOwner(ctx, srv, c, "Sam")
	_ = srv.Credit(alexWallet, 10000)
	_, _ = c.Transfers.Create(ctx, &mangopay.CreateTransferRequest{
		AuthorID: alex, DebitedFunds: mangopay.Money{Currency: "EUR", Amount: 1500}, Fees: mangopay.Money{Currency: "EUR"},
		DebitedWalletID: alexWallet, CreditedWalletID: samWallet, ScaContext: mangopay.ScaUserPresent,
	}) // EUR 15.00: exempt from SCA
	_, err := c.Transactions.ListByUser(ctx, alex, mangopay.ScaUserPresent, nil)
	if sca, ok := mangopay.AsScaRequired(err); ok {
		_ = srv.CompleteSca(sca.RedirectURL, mangopaytest.Validated)
	}

	// Only the succeeded transfers, oldest first.
	page, err := c.Transactions.ListByUser(ctx, alex, mangopay.ScaUserPresent, &mangopay.TransactionListOptions{
		ListOptions: mangopay.ListOptions{Sort: mangopay.SortCreationDateAsc},
		Type:        []mangopay.TransactionType{mangopay.TransactionTypeTransfer},
		Status:      []mangopay.TransactionStatus{mangopay.TransactionStatusSucceeded},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, tx := range page.Items {
		fmt.Println(tx.Type, tx.Status, tx.DebitedFunds)
	}
	// Output: TRANSFER SUCCEEDED EUR 15.00
}

func ExampleTransfersService_Get() {
	srv := mangopaytest.NewServer()
	defer srv.Close()
	c := srv.Client()
	ctx := context.Background()
	alex, alexWallet := exampleOwner(ctx, srv, c, "Alex")
	_, samWallet := exampleOwner(ctx, srv, c, "Sam")
	_ = srv.Credit(alexWallet, 100000)

	t, err := c.Transfers.Create(ctx, &mangopay.CreateTransferRequest{
		AuthorID: alex, DebitedFunds: mangopay.Money{Currency: "EUR", Amount: 60000}, Fees: mangopay.Money{Currency: "EUR"},
		DebitedWalletID: alexWallet, CreditedWalletID: samWallet, ScaContext: mangopay.ScaUserPresent,
	})
	sca, ok := mangopay.AsScaRequired(err)
	if !ok {
		log.Fatal(err)
	}
	_ = srv.CompleteSca(sca.RedirectURL, mangopaytest.Failed) // the user declines

	// Back on the return URL, controlStatus is only a hint: GET the transfer.
	t, err = c.Transfers.Get(ctx, t.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(t.Status, t.ResultCode == mangopay.ResultCodeTransferAuthFailed)
	// Output: FAILED true
}

// While the user has not finished the SCA session, a confirming GET returns
// the CREATED transfer together with a *ScaRequiredError: "still pending".
func ExampleTransfersService_Get_pending() {
	srv := mangopaytest.NewServer()
	defer srv.Close()
	c := srv.Client()
	ctx := context.Background()
	alex, alexWallet := exampleOwner(ctx, srv, c, "Alex")
	_, samWallet := exampleOwner(ctx, srv, c, "Sam")
	_ = srv.Credit(alexWallet, 100000)
	created, _ := c.Transfers.Create(ctx, &mangopay.CreateTransferRequest{
		AuthorID: alex, DebitedFunds: mangopay.Money{Currency: "EUR", Amount: 60000}, Fees: mangopay.Money{Currency: "EUR"},
		DebitedWalletID: alexWallet, CreditedWalletID: samWallet, ScaContext: mangopay.ScaUserPresent,
	})
	transferID := created.ID

	t, err := c.Transfers.Get(ctx, transferID)
	if _, pending := mangopay.AsScaRequired(err); pending {
		// t.Status is CREATED: the user has not finished (or the return was forged); wait for the webhook
		fmt.Println("pending:", t.Status)
	} else if err != nil {
		log.Fatal(err)
	}
	// Output: pending: CREATED
}

func ExampleUsersService_Enroll() {
	srv := mangopaytest.NewServer()
	defer srv.Close()
	c := srv.Client()
	ctx := context.Background()
	owner, _ := exampleOwner(ctx, srv, c, "Alex")

	// A new enrollment session, e.g. after the first one expired: Mangopay
	// always answers with a link.
	_, err := c.Users.Enroll(ctx, owner)
	sca, ok := mangopay.AsScaRequired(err)
	fmt.Println("redirect the user:", ok)
	if ok {
		_, err = sca.RedirectURLWithReturn("https://platform.example/sca/done?user=" + owner)
	}
	fmt.Println("link built:", err == nil)
	// Output:
	// redirect the user: true
	// link built: true
}

func ExampleUsersService_CategorizeNatural() {
	srv := mangopaytest.NewServer()
	defer srv.Close()
	c := srv.Client()
	ctx := context.Background()
	// A PAYER (no SCA) who now wants to receive money.
	payer, err := c.Users.CreateNatural(ctx, &mangopay.CreateNaturalUserRequest{
		UserCategory: mangopay.UserCategoryPayer, TermsAndConditionsAccepted: mangopay.Ptr(true),
		FirstName: "Alex", LastName: "Example", Email: "alex@example.com",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(payer.UserCategory, payer.UserStatus)

	u, err := c.Users.CategorizeNatural(ctx, payer.ID, &mangopay.CategorizeNaturalUserRequest{
		UserCategory:               mangopay.UserCategoryOwner,
		TermsAndConditionsAccepted: mangopay.Ptr(true),
		Birthday:                   mangopay.NewDate(1990, time.August, 31),
		Nationality:                "FR",
		CountryOfResidence:         "FR",
		PhoneNumber:                "+33611111111",
	})
	_, scaNeeded := mangopay.AsScaRequired(err)
	fmt.Println(u.UserCategory, u.UserStatus, "SCA:", scaNeeded)
	// Output:
	// PAYER ACTIVE
	// OWNER PENDING_USER_ACTION SCA: true
}

func ExampleUsersService_ManageConsent() {
	// Proxy management must be activated by Mangopay for the platform.
	srv := mangopaytest.NewServer(mangopaytest.WithProxyManagement())
	defer srv.Close()
	c := srv.Client()
	ctx := context.Background()
	owner, _ := exampleOwner(ctx, srv, c, "Alex")

	// The user gives consent in an SCA session...
	_, err := c.Users.ManageConsent(ctx, owner)
	if sca, ok := mangopay.AsScaRequired(err); ok {
		_ = srv.CompleteSca(sca.RedirectURL, mangopaytest.Validated)
	}
	// ...after which the platform may act with USER_NOT_PRESENT.
	st, err := c.Users.ScaStatus(ctx, owner)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("transfers:", st.ConsentScope.Transfer, "wallet reads:", st.ConsentScope.ViewAccountInformation)
	_, err = c.Wallets.ListByUser(ctx, owner, mangopay.ScaUserNotPresent, nil)
	fmt.Println("background read:", err)
	// Output:
	// transfers: ACTIVE wallet reads: ACTIVE
	// background read: <nil>
}

func ExampleRecipientsService_PayoutMethods() {
	srv := mangopaytest.NewServer()
	defer srv.Close()
	c := srv.Client()

	m, err := c.Recipients.PayoutMethods(context.Background(), "GB", "GBP")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.Has(mangopay.PayoutMethodLocalBankTransfer))
	// Output: true
}

// exampleRecipient is a payout recipient draft (Mangopay's documented example).
func exampleRecipient() *mangopay.CreateRecipientRequest {
	return &mangopay.CreateRecipientRequest{
		DisplayName:      "Alex EUR DE account",
		PayoutMethodType: mangopay.PayoutMethodLocalBankTransfer,
		RecipientType:    mangopay.RecipientTypeIndividual,
		Currency:         "EUR",
		Country:          "DE",
		RecipientScope:   mangopay.RecipientScopePayout,
		IndividualRecipient: &mangopay.IndividualRecipient{
			FirstName: "Alex", LastName: "Example",
			Address: &mangopay.Address{AddressLine1: "Oranienburger Str. 87", City: "Berlin", PostalCode: "10178", Country: "DE"},
		},
		LocalBankTransfer: &mangopay.LocalBankTransfer{EUR: &mangopay.IBANAccount{IBAN: "DE75512108001245126199"}},
	}
}

func ExampleRecipientsService_Validate() {
	srv := mangopaytest.NewServer()
	defer srv.Close()
	c := srv.Client()
	ctx := context.Background()
	owner, _ := exampleOwner(ctx, srv, c, "Alex")

	fmt.Println("valid:", c.Recipients.Validate(ctx, owner, exampleRecipient()))

	bad := exampleRecipient()
	bad.LocalBankTransfer.EUR.IBAN = "DE00000000000000000000"
	err := c.Recipients.Validate(ctx, owner, bad)
	fmt.Println("invalid:", mangopay.RecipientErrors(err))
	// Output:
	// valid: <nil>
	// invalid: map[LocalBankTransfer.EUR.IBAN:INVALID_IBAN]
}

func ExampleRecipientsService_Get() {
	srv := mangopaytest.NewServer()
	defer srv.Close()
	c := srv.Client()
	ctx := context.Background()
	owner, _ := exampleOwner(ctx, srv, c, "Alex")
	rec, err := c.Recipients.Create(ctx, owner, exampleRecipient())
	if sca, ok := mangopay.AsScaRequired(err); ok {
		_ = srv.CompleteSca(sca.RedirectURL, mangopaytest.Validated)
	}

	// Confirm the outcome of the SCA session with a GET.
	rec, err = c.Recipients.Get(ctx, rec.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rec.DisplayName, rec.Status)
	// Output: Alex EUR DE account ACTIVE
}

func ExampleRecipientsService_ListByUser() {
	srv := mangopaytest.NewServer()
	defer srv.Close()
	c := srv.Client()
	ctx := context.Background()
	owner, _ := exampleOwner(ctx, srv, c, "Alex")
	_, _ = c.Recipients.Create(ctx, owner, exampleRecipient()) // PENDING until SCA

	page, err := c.Recipients.ListByUser(ctx, owner, &mangopay.RecipientListOptions{RecipientScope: mangopay.RecipientScopePayout})
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range page.Items {
		fmt.Println(r.DisplayName, r.Currency, r.Status)
	}
	// Output: Alex EUR DE account EUR PENDING
}

func ExampleRecipientsService_Deactivate() {
	srv := mangopaytest.NewServer()
	defer srv.Close()
	c := srv.Client()
	ctx := context.Background()
	owner, _ := exampleOwner(ctx, srv, c, "Alex")
	rec, err := c.Recipients.Create(ctx, owner, exampleRecipient())
	sca, _ := mangopay.AsScaRequired(err)

	// Only an ACTIVE recipient can be deactivated.
	_, err = c.Recipients.Deactivate(ctx, rec.ID)
	fmt.Println("while PENDING:", errors.Is(err, mangopay.ErrRecipientInvalidState))

	_ = srv.CompleteSca(sca.RedirectURL, mangopaytest.Validated)
	rec, err = c.Recipients.Deactivate(ctx, rec.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rec.Status)
	// Output:
	// while PENDING: true
	// DEACTIVATED
}

func ExampleHooksService_All() {
	srv := mangopaytest.NewServer()
	defer srv.Close()
	c := srv.Client()
	ctx := context.Background()
	for _, t := range []mangopay.EventType{mangopay.EventTransferNormalSucceeded, mangopay.EventTransferNormalFailed} {
		if _, err := c.Hooks.Create(ctx, &mangopay.CreateHookRequest{EventType: t, URL: "https://platform.example/mangopay/webhooks"}); err != nil {
			log.Fatal(err)
		}
	}

	for h, err := range c.Hooks.All(ctx, nil) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(h.EventType, h.Status, h.Validity)
	}
	// Output:
	// TRANSFER_NORMAL_SUCCEEDED ENABLED VALID
	// TRANSFER_NORMAL_FAILED ENABLED VALID
}

func ExampleHooksService_Update() {
	srv := mangopaytest.NewServer()
	defer srv.Close()
	c := srv.Client()
	ctx := context.Background()
	h, err := c.Hooks.Create(ctx, &mangopay.CreateHookRequest{EventType: mangopay.EventRecipientActive, URL: "https://old.example/hooks"})
	if err != nil {
		log.Fatal(err)
	}

	// One hook per event type: move it rather than create another.
	h, err = c.Hooks.Update(ctx, h.ID, &mangopay.UpdateHookRequest{URL: mangopay.Ptr("https://platform.example/mangopay/webhooks")})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(h.EventType, h.URL)
	// Output: RECIPIENT_ACTIVE https://platform.example/mangopay/webhooks
}

// transferCreator is the one method a payment handler needs: declare it
// instead of depending on *mangopay.Client, and the handler can be tested
// against the emulator or a fake of your own.
type transferCreator interface {
	Create(ctx context.Context, in *mangopay.CreateTransferRequest, opts ...mangopay.RequestOption) (*mangopay.Transfer, error)
}

// payHandler sends EUR 600.00 and redirects the browser when Mangopay asks
// for SCA.
func payHandler(transfers transferCreator, author, from, to string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t, err := transfers.Create(r.Context(), &mangopay.CreateTransferRequest{
			AuthorID: author, DebitedFunds: mangopay.Money{Currency: "EUR", Amount: 60000}, Fees: mangopay.Money{Currency: "EUR"},
			DebitedWalletID: from, CreditedWalletID: to, ScaContext: mangopay.ScaUserPresent,
		})
		if sca, ok := mangopay.AsScaRequired(err); ok {
			link, err := sca.RedirectURLWithReturn("https://platform.example/sca/return?transfer=" + t.ID)
			if err != nil {
				http.Error(w, "cannot redirect", http.StatusInternalServerError)
				return
			}
			http.Redirect(w, r, link, http.StatusSeeOther)
			return
		}
		if err != nil {
			http.Error(w, "transfer refused", http.StatusBadGateway)
			return
		}
		fmt.Fprintln(w, t.Status)
	}
}

// Handlers take the small interface they need (here c.Transfers); a test
// serves them against the emulator.
func Example_smallInterface() {
	srv := mangopaytest.NewServer()
	defer srv.Close()
	c := srv.Client()
	ctx := context.Background()
	alex, alexWallet := exampleOwner(ctx, srv, c, "Alex")
	_, samWallet := exampleOwner(ctx, srv, c, "Sam")
	_ = srv.Credit(alexWallet, 100000)

	rec := httptest.NewRecorder()
	payHandler(c.Transfers, alex, alexWallet, samWallet).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/pay", nil))
	fmt.Println(rec.Code, "to the hosted SCA page:", srv.CompleteSca(rec.Header().Get("Location"), mangopaytest.Validated) == nil)
	// Output: 303 to the hosted SCA page: true
}
