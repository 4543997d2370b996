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
