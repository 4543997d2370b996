package mangopay_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/scaforge/mangopay"
)

// recipientsDemoServer stands in for Mangopay so the examples run offline:
// it answers the OAuth token call and each "METHOD /path" of routes with a
// status and a JSON body.
func recipientsDemoServer(routes map[string]struct {
	status int
	body   string
}) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost && r.URL.Path == "/v2.01/oauth/token" {
			_, _ = io.WriteString(w, `{"access_token":"demo-token","token_type":"bearer","expires_in":1200}`)
			return
		}
		route, ok := routes[r.Method+" "+r.URL.Path]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"Message":"The ressource does not exist","Type":"ressource_not_found"}`)
			return
		}
		w.WriteHeader(route.status)
		_, _ = io.WriteString(w, route.body)
	}))
}

// Register a payout recipient for an OWNER user, keep its id, and send the
// user to Mangopay's hosted SCA page.
func ExampleRecipientsService_Create() {
	srv := recipientsDemoServer(map[string]struct {
		status int
		body   string
	}{
		"POST /v2.01/demo-client/users/user_m_01JRADX7YD0060N5VAA0XPMM54/recipients": {http.StatusCreated, `{
			"Id": "rec_01JRADYFJYPFM10XPQ8VFWW947", "Status": "PENDING", "CreationDate": 1744106896,
			"DisplayName": "John Doe EUR DE account", "PayoutMethodType": "LocalBankTransfer",
			"RecipientType": "Individual", "Currency": "EUR", "Country": "DE",
			"UserId": "user_m_01JRADX7YD0060N5VAA0XPMM54", "RecipientScope": "PAYOUT",
			"IndividualRecipient": {"FirstName": "John", "LastName": "Doe"},
			"LocalBankTransfer": {"EUR": {"IBAN": "DE75512108001245126199", "BIC": "SOLADEST600"}},
			"PendingUserAction": {"RedirectUrl": "https://sca.sandbox.mangopay.com/?token=sca_019614df3f3b7b08847111a76d9f9924"}}`},
	})
	defer srv.Close()

	c, err := mangopay.New("demo-client", "demo-api-key", mangopay.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	userID := "user_m_01JRADX7YD0060N5VAA0XPMM54" // an OWNER

	rec, err := c.Recipients.Create(ctx, userID, &mangopay.CreateRecipientRequest{
		DisplayName:      "John Doe EUR DE account",
		PayoutMethodType: mangopay.PayoutMethodLocalBankTransfer,
		RecipientType:    mangopay.RecipientTypeIndividual,
		Currency:         "EUR",
		Country:          "DE",
		RecipientScope:   mangopay.RecipientScopePayout,
		IndividualRecipient: &mangopay.IndividualRecipient{
			FirstName: "John",
			LastName:  "Doe",
			Address:   &mangopay.Address{AddressLine1: "Oranienburger Str. 87", City: "Berlin", PostalCode: "10178", Country: "DE"},
		},
		LocalBankTransfer: &mangopay.LocalBankTransfer{EUR: &mangopay.IBANAccount{IBAN: "DE75512108001245126199"}},
	})
	if sca, ok := mangopay.AsScaRequired(err); ok {
		// PAYOUT recipients always need SCA: store the PENDING recipient,
		// then redirect the user's browser (http.Redirect with 303).
		fmt.Println("stored", rec.ID, rec.Status)
		to, err := sca.RedirectURLWithReturn("https://platform.example/recipients/done?id=" + rec.ID)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("redirect to", to)
		// Back on /recipients/done, mangopay.ParseReturn reads controlStatus;
		// confirm with c.Recipients.Get (ACTIVE) or the RECIPIENT_ACTIVE webhook.
		return
	}
	switch {
	case errors.Is(err, mangopay.ErrRecipientScaNotAllowed):
		fmt.Println("a PAYER cannot have PAYOUT recipients: use RecipientScopePayin")
	case err != nil:
		log.Fatal(err)
	default:
		fmt.Println("registered without SCA:", rec.ID)
	}
	// Output:
	// stored rec_01JRADYFJYPFM10XPQ8VFWW947 PENDING
	// redirect to https://sca.sandbox.mangopay.com/?token=sca_019614df3f3b7b08847111a76d9f9924&returnUrl=https%3A%2F%2Fplatform.example%2Frecipients%2Fdone%3Fid%3Drec_01JRADYFJYPFM10XPQ8VFWW947
}

// Fetch the schema of a GBP local account, render its visible fields, and
// check the user's draft locally before asking Mangopay to validate it.
func ExampleRecipientSchema_Check() {
	srv := recipientsDemoServer(map[string]struct {
		status int
		body   string
	}{
		"GET /v2.01/demo-client/recipients/schema": {http.StatusOK, `{
			"DisplayName": {"Required": true, "MaxLength": 50, "Pattern": "^(?!.*[&,'/]).{1,50}$", "Label": "Display Name", "EndUserDisplay": "Show"},
			"Currency": {"AllowedValues": ["GBP"], "Required": true, "Label": "Currency", "EndUserDisplay": "Hide"},
			"IndividualRecipient": {
				"FirstName": {"Required": true, "MaxLength": 255, "Pattern": "^(?!.*[()&,.:_/]).{1,255}$", "Label": "First Name", "EndUserDisplay": "Show"},
				"LastName": {"Required": true, "MaxLength": 255, "Pattern": "^(?!.*[()&,.:_/]).{1,255}$", "Label": "Last Name", "EndUserDisplay": "Show"}
			},
			"LocalBankTransfer": {"GBP": {
				"SortCode": {"Required": true, "MinLength": 6, "MaxLength": 6, "Pattern": "^[0-9]{6}$", "Label": "Sort Code", "EndUserDisplay": "Show"},
				"AccountNumber": {"Required": true, "MinLength": 8, "MaxLength": 8, "Pattern": "^[0-9]{8}$", "Label": "Account Number", "EndUserDisplay": "Show"}
			}}}`},
		"POST /v2.01/demo-client/users/user_m_01JRADQMWEKV9X7C683MYQMQCN/recipients/validate": {http.StatusOK, ``},
	})
	defer srv.Close()

	c, err := mangopay.New("demo-client", "demo-api-key", mangopay.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	schema, err := c.Recipients.Schema(ctx, &mangopay.RecipientSchemaQuery{
		PayoutMethodType: mangopay.PayoutMethodLocalBankTransfer,
		RecipientType:    mangopay.RecipientTypeIndividual,
		Currency:         "GBP",
		Country:          "GB",
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range schema.Fields() {
		if !f.Field.Hidden() {
			fmt.Printf("input %-36s %q required=%v\n", f.Path, f.Field.Label, f.Field.Required)
		}
	}

	draft := &mangopay.CreateRecipientRequest{
		DisplayName:         "Alex Smith GBP account",
		PayoutMethodType:    mangopay.PayoutMethodLocalBankTransfer,
		RecipientType:       mangopay.RecipientTypeIndividual,
		Currency:            "GBP",
		Country:             "GB",
		IndividualRecipient: &mangopay.IndividualRecipient{FirstName: "Alex", LastName: "Smith"},
		LocalBankTransfer:   &mangopay.LocalBankTransfer{GBP: &mangopay.GBPAccount{SortCode: "20-00-00", AccountNumber: "55779911"}},
	}
	err = schema.Check(draft)
	for path, code := range mangopay.RecipientErrors(err) { // one entry here
		fmt.Println("fix", path, code)
	}

	draft.LocalBankTransfer.GBP.SortCode = "200000"
	if err := schema.Check(draft); err != nil {
		log.Fatal(err)
	}
	userID := "user_m_01JRADQMWEKV9X7C683MYQMQCN"
	if err := c.Recipients.Validate(ctx, userID, draft); err != nil {
		log.Fatal(err) // an *APIError: mangopay.RecipientErrors(err) maps each path to its code
	}
	fmt.Println("valid: ready for Create")
	// Output:
	// input DisplayName                          "Display Name" required=true
	// input IndividualRecipient.FirstName        "First Name" required=true
	// input IndividualRecipient.LastName         "Last Name" required=true
	// input LocalBankTransfer.GBP.SortCode       "Sort Code" required=true
	// input LocalBankTransfer.GBP.AccountNumber  "Account Number" required=true
	// fix LocalBankTransfer.GBP.SortCode LENGTH_MORE_THAN_MAX
	// valid: ready for Create
}
