package mangopay_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/scaforge/mangopay"
)

// Mount the webhook handler on a ServeMux. Here a test server stands in for
// the platform and WebhookTestURL for Mangopay; the second delivery of the
// same notification is recognised as a duplicate.
func ExampleNewWebhookHandler() {
	handle := func(ctx context.Context, ev mangopay.Event) error {
		fmt.Println("received", ev.Type, ev.ResourceID, "about a", ev.Type.ResourceKind())
		return nil // 200: Mangopay stops retrying. An error answers 500 and Mangopay retries.
	}
	mux := http.NewServeMux()
	mux.Handle("/mangopay/hooks", mangopay.NewWebhookHandler(handle,
		mangopay.WithDeduplication(nil), // in memory, bounded
	))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	u, err := mangopay.WebhookTestURL(srv.URL+"/mangopay/hooks", mangopay.Event{
		Type:       mangopay.EventUserAccountActivated,
		ResourceID: "user_m_01JQVHDG0S0TJP5KFX029211BF",
		Date:       time.Unix(1743627006, 0),
	})
	if err != nil {
		log.Fatal(err)
	}
	for range 2 {
		resp, err := http.Get(u)
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode)
	}
	resp, err := http.Get(srv.URL + "/mangopay/hooks?EventType=USER_ACCOUNT_ACTIVATED")
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, "for a malformed notification")
	// Output:
	// received USER_ACCOUNT_ACTIVATED user_m_01JQVHDG0S0TJP5KFX029211BF about a user
	// 200
	// 200
	// 400 for a malformed notification
}

// Confirm each notification by fetching its resource from Mangopay: the
// only authenticity check Mangopay allows, since webhooks are unsigned. A
// test server stands in for Mangopay here, knowing one user; the second
// notification names a user that does not exist, as a forged one would.
func ExampleWithConfirmation() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/v2.01/oauth/token":
			fmt.Fprint(w, `{"access_token":"example-token","token_type":"bearer","expires_in":3600}`)
		case "/v2.01/your-client-id/sca/users/user_m_01JQVHDG0S0TJP5KFX029211BF":
			fmt.Fprint(w, `{"Id":"user_m_01JQVHDG0S0TJP5KFX029211BF","PersonType":"NATURAL","UserCategory":"OWNER","UserStatus":"ACTIVE"}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"Message":"The ressource does not exist","Type":"ressource_not_found","errors":null}`)
		}
	}))
	defer api.Close()
	c, err := mangopay.New("your-client-id", "your-api-key", mangopay.WithBaseURL(api.URL))
	if err != nil {
		log.Fatal(err)
	}

	handle := func(ctx context.Context, ev mangopay.Event) error {
		switch r := ev.Resource.(type) { // fetched by WithConfirmation
		case *mangopay.User:
			fmt.Println("user", r.ID, "is", r.UserStatus)
		case *mangopay.Transfer:
			fmt.Println("transfer", r.ID, "is", r.Status)
		case *mangopay.Recipient:
			fmt.Println("recipient", r.ID, "is", r.Status)
		}
		return nil
	}
	mux := http.NewServeMux()
	mux.Handle("/mangopay/hooks", mangopay.NewWebhookHandler(handle,
		mangopay.WithConfirmation(c),    // GET the user, transfer or recipient; 400 if it does not exist
		mangopay.WithDeduplication(nil), // skip repeated deliveries (in memory, bounded)
		mangopay.WithWebhookErrorHook(func(r *http.Request, status int, err error) {
			fmt.Println("answered", status, "to a notification on", r.URL.Path)
		}),
	))

	for _, id := range []string{"user_m_01JQVHDG0S0TJP5KFX029211BF", "user_m_01JQZZZZZZZZZZZZZZZZZZZZZZ"} {
		r, err := mangopay.NewTestEventRequest("/mangopay/hooks", mangopay.Event{
			Type: mangopay.EventUserAccountActivated, ResourceID: id, Date: time.Now(),
		})
		if err != nil {
			log.Fatal(err)
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, r)
		fmt.Println(rec.Code)
	}
	// Output:
	// user user_m_01JQVHDG0S0TJP5KFX029211BF is ACTIVE
	// 200
	// answered 400 to a notification on /mangopay/hooks
	// 400
}

// Test your own webhook handling without a network: NewTestEventRequest
// builds the request Mangopay would send.
func ExampleNewTestEventRequest() {
	h := mangopay.NewWebhookHandler(func(ctx context.Context, ev mangopay.Event) error {
		if ev.Type == mangopay.EventTransferNormalFailed {
			return errors.New("could not mark the order unpaid")
		}
		return nil
	})
	for _, typ := range []mangopay.EventType{mangopay.EventTransferNormalSucceeded, mangopay.EventTransferNormalFailed} {
		r, err := mangopay.NewTestEventRequest("/mangopay/hooks", mangopay.Event{Type: typ, ResourceID: "xfer_m_01JQ", Date: time.Now()})
		if err != nil {
			log.Fatal(err)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		fmt.Println(typ, rec.Code)
	}
	// Output:
	// TRANSFER_NORMAL_SUCCEEDED 200
	// TRANSFER_NORMAL_FAILED 500
}

// Subscribe to every SCA event type, reusing the hooks that already exist
// (Mangopay allows one per event type) and reviving invalidated ones.
func ExampleHooksService_Create() {
	ctx := context.Background()
	c, err := mangopay.New("your-client-id", "your-api-key")
	if err != nil {
		log.Fatal(err)
	}
	const hookURL = "https://platform.example/mangopay/hooks"

	existing := map[mangopay.EventType]*mangopay.Hook{}
	for h, err := range c.Hooks.All(ctx, nil) {
		if err != nil {
			log.Fatal(err)
		}
		existing[h.EventType] = h
	}
	for _, typ := range mangopay.ScaEventTypes() {
		h, ok := existing[typ]
		if !ok {
			_, err := c.Hooks.Create(ctx, &mangopay.CreateHookRequest{EventType: typ, URL: hookURL, Tag: "sca"})
			if errors.Is(err, mangopay.ErrHookAlreadyRegistered) {
				continue // created meanwhile by another instance
			}
			if err != nil {
				log.Fatal(err)
			}
			continue
		}
		if h.URL != hookURL || h.Status != mangopay.HookStatusEnabled || h.Validity != mangopay.HookValidityValid {
			up := &mangopay.UpdateHookRequest{URL: hookURL, Status: mangopay.HookStatusEnabled}
			if h.Validity == mangopay.HookValidityInvalid {
				up.Validity = mangopay.HookValidityValid
			}
			if _, err := c.Hooks.Update(ctx, h.ID, up); err != nil {
				log.Fatal(err)
			}
		}
	}
}
