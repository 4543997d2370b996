package mangopay_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/scaforge/mangopay"
	"github.com/scaforge/mangopay/mangopaytest"
)

// Mount the webhook handler on a ServeMux. Here a test server stands in for
// the platform and mangopaytest.EventURL for Mangopay; the second delivery
// of the same notification is recognised as a duplicate. A mistake in the
// options is an error here, not a 500 when Mangopay calls.
func ExampleNewWebhookHandler() {
	handle := func(ctx context.Context, ev mangopay.Event) error {
		fmt.Println("received", ev.Type, ev.ResourceID, "about a", ev.Type.ResourceKind())
		return nil // 200: Mangopay stops retrying. An error answers 500 and Mangopay retries.
	}
	hooks, err := mangopay.NewWebhookHandler(handle,
		mangopay.WithDeduplication(mangopay.NewMemoryDeliveryStore(0)), // in memory, bounded
	)
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/mangopay/hooks", hooks)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	_, err = mangopay.NewWebhookHandler(nil, mangopay.WithDeduplication(nil))
	fmt.Println(err)

	u, err := mangopaytest.EventURL(srv.URL+"/mangopay/hooks", mangopay.Event{
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
	// mangopay: NewWebhookHandler: fn is nil: give the function that handles each event; WithDeduplication got a nil DeliveryStore (use NewMemoryDeliveryStore(0) for the in-memory one)
	// received USER_ACCOUNT_ACTIVATED user_m_01JQVHDG0S0TJP5KFX029211BF about a user
	// 200
	// 200
	// 400 for a malformed notification
}

// webhookTables stands in for the platform's tables in the webhook
// examples: it prints what it is asked to store.
type webhookTables struct{}

func (webhookTables) SetStatus(_ context.Context, userID string, s mangopay.UserStatus) error {
	fmt.Println("user", userID, "is", s)
	return nil
}

func (webhookTables) SetTransferStatus(_ context.Context, transferID string, s mangopay.TransferStatus) error {
	fmt.Println("transfer", transferID, "is", s)
	return nil
}

func (webhookTables) SetRecipientStatus(_ context.Context, recipientID string, s mangopay.RecipientStatus) error {
	fmt.Println("recipient", recipientID, "is", s)
	return nil
}

// README "Webhooks": confirm each notification by fetching its resource
// from Mangopay, the only authenticity check Mangopay allows, since webhooks
// are unsigned. A test server stands in for Mangopay here, knowing one user
// and two transfers; the third notification names a user that does not
// exist, and the fourth claims a transfer succeeded while it still waits for
// SCA, as forged ones would.
func ExampleWithConfirmation() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/v2.01/oauth/token":
			fmt.Fprint(w, `{"access_token":"example-token","token_type":"bearer","expires_in":3600}`)
		case "/v2.01/your-client-id/sca/users/user_m_01JQVHDG0S0TJP5KFX029211BF":
			fmt.Fprint(w, `{"Id":"user_m_01JQVHDG0S0TJP5KFX029211BF","PersonType":"NATURAL","UserCategory":"OWNER","UserStatus":"ACTIVE"}`)
		case "/v2.01/your-client-id/transfers/xfer_m_01JRSHQFG2337DBQ4NS8XPYCK7":
			fmt.Fprint(w, `{"Id":"xfer_m_01JRSHQFG2337DBQ4NS8XPYCK7","Type":"TRANSFER","Status":"SUCCEEDED","ResultCode":"000000","PendingUserAction":null}`)
		case "/v2.01/your-client-id/transfers/xfer_m_01JRSHQFG2337DBQ4NS8XPYCK8":
			fmt.Fprint(w, `{"Id":"xfer_m_01JRSHQFG2337DBQ4NS8XPYCK8","Type":"TRANSFER","Status":"CREATED","PendingUserAction":null}`)
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
	users, orders, payouts := webhookTables{}, webhookTables{}, webhookTables{}
	// A logger on stdout without the time and the error text (they vary from
	// run to run), so that the example's output can be checked.
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "err" {
				return slog.Attr{}
			}
			return a
		},
	}))

	handle := func(ctx context.Context, ev mangopay.Event) error {
		switch r := ev.Resource.(type) { // fetched by WithConfirmation
		case *mangopay.User:
			return users.SetStatus(ctx, r.ID, r.UserStatus)
		case *mangopay.Transfer:
			return orders.SetTransferStatus(ctx, r.ID, r.Status)
		case *mangopay.Recipient:
			return payouts.SetRecipientStatus(ctx, r.ID, r.Status)
		}
		return nil
	}
	hooks, err := mangopay.NewWebhookHandler(handle,
		mangopay.WithConfirmation(c),                                   // GET the resource: 400 if it does not exist, 409 if not in the state the event claims
		mangopay.WithDeduplication(mangopay.NewMemoryDeliveryStore(0)), // skip repeated deliveries (in memory, bounded)
		mangopay.WithWebhookErrorHook(func(r *http.Request, status int, err error) {
			logger.Warn("mangopay webhook", "path", r.URL.Path, "status", status, "err", err)
		}),
	)
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/mangopay/hooks", hooks)

	for _, ev := range []mangopay.Event{
		{Type: mangopay.EventUserAccountActivated, ResourceID: "user_m_01JQVHDG0S0TJP5KFX029211BF"},
		{Type: mangopay.EventTransferNormalSucceeded, ResourceID: "xfer_m_01JRSHQFG2337DBQ4NS8XPYCK7"},
		{Type: mangopay.EventUserAccountActivated, ResourceID: "user_m_01JQZZZZZZZZZZZZZZZZZZZZZZ"},
		{Type: mangopay.EventTransferNormalSucceeded, ResourceID: "xfer_m_01JRSHQFG2337DBQ4NS8XPYCK8"},
	} {
		ev.Date = time.Now()
		u, err := mangopaytest.EventURL("/mangopay/hooks", ev)
		if err != nil {
			log.Fatal(err)
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, u, nil))
		fmt.Println(rec.Code)
	}
	// Output:
	// user user_m_01JQVHDG0S0TJP5KFX029211BF is ACTIVE
	// 200
	// transfer xfer_m_01JRSHQFG2337DBQ4NS8XPYCK7 is SUCCEEDED
	// 200
	// level=WARN msg="mangopay webhook" path=/mangopay/hooks status=400
	// 400
	// level=WARN msg="mangopay webhook" path=/mangopay/hooks status=409
	// 409
}

// README "Testing your webhook code": mangopaytest.EventURL builds the URL
// Mangopay would call, for a handler test without a network.
func ExampleWebhookHandler_ServeHTTP() {
	handler, err := mangopay.NewWebhookHandler(func(ctx context.Context, ev mangopay.Event) error {
		if ev.ResourceID == "xfer_m_unknown" {
			return errors.New("no order for this transfer")
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, id := range []string{"xfer_m_01JQ", "xfer_m_unknown"} {
		u, err := mangopaytest.EventURL("/mangopay/hooks", mangopay.Event{
			Type: mangopay.EventTransferNormalSucceeded, ResourceID: id, Date: time.Now(),
		})
		if err != nil {
			log.Fatal(err)
		}
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, u, nil))
		fmt.Println(rec.Code) // 200: your function returned nil; 500: it failed, Mangopay would retry
	}
	// Output:
	// 200
	// 500
}

// fakeMangopay is a ResourceFetcher standing in for *mangopay.Client in a
// test: it knows one transfer, still waiting for SCA.
type fakeMangopay struct{}

func (fakeMangopay) FetchResource(_ context.Context, kind mangopay.ResourceKind, id string) (any, error) {
	if kind == mangopay.ResourceKindTransfer && id == "xfer_m_01JQ" {
		return &mangopay.Transfer{ID: id, Status: mangopay.TransferStatusCreated}, nil
	}
	return nil, mangopay.ErrNotFound
}

// Process runs an event through the handler without HTTP (to replay events
// listed from the API, say): confirmation, de-duplication and your
// function, exactly as a delivery. Here a fake stands in for Mangopay.
func ExampleWebhookHandler_Process() {
	handler, err := mangopay.NewWebhookHandler(func(ctx context.Context, ev mangopay.Event) error {
		fmt.Println("handled", ev.Type, "for a transfer", ev.Resource.(*mangopay.Transfer).Status)
		return nil
	}, mangopay.WithConfirmation(fakeMangopay{}), mangopay.WithDeduplication(mangopay.NewMemoryDeliveryStore(0)))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	date := time.Now()
	for _, typ := range []mangopay.EventType{mangopay.EventTransferNormalCreated, mangopay.EventTransferNormalSucceeded} {
		err := handler.Process(ctx, mangopay.Event{Type: typ, ResourceID: "xfer_m_01JQ", Date: date})
		var ce *mangopay.ConfirmationError
		switch {
		case err == nil:
			fmt.Println(typ, "processed (or already processed)")
		case errors.As(err, &ce):
			fmt.Println(typ, "not confirmed: the transfer is", ce.Observed)
		default:
			fmt.Println(typ, "failed, try again later:", err)
		}
	}
	// Output:
	// handled TRANSFER_NORMAL_CREATED for a transfer CREATED
	// TRANSFER_NORMAL_CREATED processed (or already processed)
	// TRANSFER_NORMAL_SUCCEEDED not confirmed: the transfer is CREATED
}

// syncHooks makes sure one enabled, valid hook per SCA event type points at
// hookURL: it creates the missing ones (Mangopay allows one per event type),
// moves or re-enables the others and revives invalidated ones.
func syncHooks(ctx context.Context, c *mangopay.Client, hookURL string) error {
	existing := map[mangopay.EventType]*mangopay.Hook{}
	for h, err := range c.Hooks.All(ctx, nil) {
		if err != nil {
			return err
		}
		existing[h.EventType] = h
	}
	for _, typ := range mangopay.ScaEventTypes() {
		h, ok := existing[typ]
		if !ok {
			_, err := c.Hooks.Create(ctx, &mangopay.CreateHookRequest{EventType: typ, URL: hookURL, Tag: "sca"})
			if err != nil && !errors.Is(err, mangopay.ErrHookAlreadyRegistered) { // created meanwhile by another instance
				return err
			}
			continue
		}
		if h.URL != hookURL || h.Status != mangopay.HookStatusEnabled || h.Validity != mangopay.HookValidityValid {
			up := &mangopay.UpdateHookRequest{URL: mangopay.Ptr(hookURL), Status: mangopay.Ptr(mangopay.HookStatusEnabled)}
			if h.Validity == mangopay.HookValidityInvalid {
				up.Validity = mangopay.Ptr(mangopay.HookValidityValid) // revive it
			}
			if _, err := c.Hooks.Update(ctx, h.ID, up); err != nil {
				return err
			}
		}
	}
	return nil
}

// README "Managing hooks": subscribe to every SCA event type, reusing the
// hooks that exist. The emulator stands in for Mangopay; one hook already
// exists there, disabled and pointing elsewhere.
func ExampleHooksService_Create() {
	srv := mangopaytest.NewServer()
	defer srv.Close()
	c := srv.Client()
	ctx := context.Background()
	old, err := c.Hooks.Create(ctx, &mangopay.CreateHookRequest{EventType: mangopay.EventTransferNormalFailed, URL: "https://old.example/hooks"})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := c.Hooks.Update(ctx, old.ID, &mangopay.UpdateHookRequest{Status: mangopay.Ptr(mangopay.HookStatusDisabled)}); err != nil {
		log.Fatal(err)
	}

	const hookURL = "https://platform.example/mangopay/hooks"
	for run := 1; run <= 2; run++ {
		before := len(srv.Requests())
		if err := syncHooks(ctx, c, hookURL); err != nil {
			log.Fatal(err)
		}
		created, updated := 0, 0
		for _, r := range srv.Requests()[before:] {
			switch r.Method {
			case http.MethodPost:
				created++
			case http.MethodPut:
				updated++
			}
		}
		fmt.Printf("run %d: %d created, %d updated\n", run, created, updated)
	}

	n, fine := 0, 0
	for h, err := range c.Hooks.All(ctx, nil) {
		if err != nil {
			log.Fatal(err)
		}
		n++
		if h.URL == hookURL && h.Status == mangopay.HookStatusEnabled && h.Validity == mangopay.HookValidityValid {
			fine++
		}
	}
	h, err := c.Hooks.Get(ctx, old.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n, "hooks,", fine, "enabled on", hookURL)
	fmt.Println(h.EventType, h.Status, h.URL)
	// Output:
	// run 1: 24 created, 1 updated
	// run 2: 0 created, 0 updated
	// 25 hooks, 25 enabled on https://platform.example/mangopay/hooks
	// TRANSFER_NORMAL_FAILED ENABLED https://platform.example/mangopay/hooks
}
