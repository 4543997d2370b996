package mangopay_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"sync"
	"time"

	"github.com/scaforge/mangopay"
)

// Build one client at start-up and share it between goroutines.
func ExampleNew() {
	c, err := mangopay.New("acme-marketplace", "my-api-key",
		mangopay.WithBaseURL(mangopay.ProductionURL), // default: SandboxURL
		mangopay.WithTimeout(20*time.Second),         // per HTTP attempt
		mangopay.WithMaxRetries(3),
		mangopay.WithUserAgent("acme-marketplace/1.4"),
		mangopay.WithLogger(slog.New(slog.DiscardHandler)), // e.g. slog.Default()
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c) // never shows the API key
	fmt.Println(c.BaseURL())

	// Options validate their arguments.
	_, err = mangopay.New("acme-marketplace", "my-api-key", mangopay.WithBaseURL("api.mangopay.com"))
	fmt.Println(err)
	// Output:
	// mangopay.Client{ClientID: "acme-marketplace", BaseURL: "https://api.mangopay.com"}
	// https://api.mangopay.com
	// mangopay: WithBaseURL: "api.mangopay.com" is not absolute: it needs an http or https scheme
}

// With the certificate Mangopay issued, every call, the OAuth token call
// included, goes to the matching api-mtls host. This is the README's
// "Authentication and mTLS" snippet; it compiles but is not run (it needs the
// certificate files).
func ExampleWithClientCertificate() {
	clientID, apiKey := "acme-marketplace", "my-api-key"
	cert, err := tls.LoadX509KeyPair("mangopay-client.crt", "mangopay-client.key")
	if err != nil {
		log.Fatal(err)
	}
	c, err := mangopay.New(clientID, apiKey,
		mangopay.WithBaseURL(mangopay.ProductionURL),
		mangopay.WithClientCertificate(cert),
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.BaseURL()) // https://api-mtls.mangopay.com
}

// describe is how a handler might react to the error of any SDK call; it
// mirrors the README's Errors section.
func describe(err error) string {
	var apiErr *mangopay.APIError
	if errors.As(err, &apiErr) {
		fmt.Printf("status=%d type=%s id=%s fields=%v\n", apiErr.StatusCode, apiErr.Type, apiErr.ID, apiErr.Errors)
	}
	switch {
	case errors.Is(err, mangopay.ErrScaRequired): // redirect the user (see SCA handling)
		sca, _ := mangopay.AsScaRequired(err)
		return "redirect the user to " + sca.RedirectURL
	case errors.Is(err, mangopay.ErrNotFound):
		return "not found"
	case errors.Is(err, mangopay.ErrScaProxyMissing): // USER_NOT_PRESENT without consent
		return "ask the user for proxy consent"
	}
	return "failed: " + err.Error()
}

// Every non-2xx answer is an *APIError; match it with errors.As, and the
// cases you handle with errors.Is. The errors below are what calls return.
func ExampleAPIError() {
	for _, err := range []error{
		fmt.Errorf("loading wallet: %w", &mangopay.APIError{StatusCode: 404, Type: mangopay.ErrorTypeNotFound,
			Message: "The ressource does not exist", ID: "d1e6a3ae-1"}),
		&mangopay.APIError{StatusCode: 403, Type: mangopay.ErrorTypeScaProxyMissing,
			Message: "You are not authorized to perform this action. The user has not provided consent to the requested proxy", ID: "bbf56cc0-2"},
		&mangopay.APIError{StatusCode: 400, Type: mangopay.ErrorTypeParam, Message: "One or several required parameters are missing or incorrect.",
			ID: "5e83fbe8-3", Errors: map[string]string{"CreditedWalletId": "The CreditedWalletId field is required."}},
		&mangopay.ScaRequiredError{RedirectURL: "https://sca.mangopay.com?token=0193d02f30df", Source: mangopay.ScaSourceHeader, StatusCode: 401},
	} {
		fmt.Println(describe(err))
	}
	// Output:
	// status=404 type=ressource_not_found id=d1e6a3ae-1 fields=map[]
	// not found
	// status=403 type=sca_proxy_missing id=bbf56cc0-2 fields=map[]
	// ask the user for proxy consent
	// status=400 type=param_error id=5e83fbe8-3 fields=map[CreditedWalletId:The CreditedWalletId field is required.]
	// failed: mangopay: 400 Bad Request (param_error): One or several required parameters are missing or incorrect. [CreditedWalletId: The CreditedWalletId field is required.]
	// redirect the user to https://sca.mangopay.com?token=0193d02f30df
}

// sharedStore is a TokenStore that several clients (or, backed by a cache
// such as Redis, several processes) share. Like such a cache it keeps bytes:
// MarshalToken writes the token with its secret (json.Marshal would write it
// redacted) and UnmarshalToken reads it back. It reports what it stores,
// never the secret itself.
type sharedStore struct {
	mu     sync.Mutex
	tokens map[string][]byte
}

func (s *sharedStore) Get(_ context.Context, baseURL, clientID string) (*mangopay.Token, error) {
	s.mu.Lock()
	b, ok := s.tokens[baseURL+" "+clientID]
	s.mu.Unlock()
	if !ok {
		return nil, nil
	}
	t, err := mangopay.UnmarshalToken(b)
	if err != nil {
		return nil, nil // unreadable: the client fetches a new token and Sets it
	}
	return &t, nil
}

func (s *sharedStore) Set(_ context.Context, baseURL, clientID string, tok *mangopay.Token) error {
	b, err := mangopay.MarshalToken(*tok)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[baseURL+" "+clientID] = b
	fmt.Printf("stored %v for %s\n", *tok, clientID) // Token prints without its secret
	return nil
}

// A TokenStore that persists tokens (a database, Redis, a file) writes them
// with MarshalToken and reads them with UnmarshalToken. json.Marshal writes
// a Token redacted, and what it wrote is refused rather than used. This is
// the README's "Authentication and mTLS" snippet.
func ExampleMarshalToken() {
	tok := &mangopay.Token{AccessToken: "094696b3724d4aa5a182eac360dcd537", ExpiresAt: time.Date(2025, 3, 1, 12, 20, 0, 0, time.UTC)}

	// In TokenStore.Set: b holds the secret; keep it like the API key.
	b, err := mangopay.MarshalToken(*tok)
	if err != nil {
		log.Fatal(err)
	}
	// In TokenStore.Get: a token json.Marshal wrote is refused, never returned.
	back, err := mangopay.UnmarshalToken(b)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(back.ExpiresAt)

	logged, _ := json.Marshal(tok) // what slog's JSON handler writes too
	fmt.Println(string(logged))
	_, err = mangopay.UnmarshalToken(logged)
	fmt.Println(err)
	// Output:
	// 2025-03-01 12:20:00 +0000 UTC
	// {"AccessToken":"[redacted]","ExpiresAt":"2025-03-01T12:20:00Z"}
	// mangopay: UnmarshalToken: the token is [redacted]: it was written with json.Marshal, which never writes the secret; persist tokens with MarshalToken
}

// Clients built with the same TokenStore share one OAuth token per base URL
// and ClientId instead of each asking Mangopay for its own.
func ExampleWithTokenStore() {
	store := &sharedStore{tokens: map[string][]byte{}}
	api, err := mangopay.New("acme-marketplace", "my-api-key", mangopay.WithTokenStore(store))
	if err != nil {
		log.Fatal(err)
	}
	worker, err := mangopay.New("acme-marketplace", "my-api-key", mangopay.WithTokenStore(store))
	if err != nil {
		log.Fatal(err)
	}
	// The first client to need a token fetches it and stores it; the other
	// finds it in the store. Here a token is stored by hand to show the format.
	_ = store.Set(context.Background(), api.BaseURL(), api.ClientID(), &mangopay.Token{
		AccessToken: "094696b3724d4aa5a182eac360dcd537",
		ExpiresAt:   time.Date(2025, 3, 1, 12, 20, 0, 0, time.UTC),
	})
	tok, _ := store.Get(context.Background(), worker.BaseURL(), worker.ClientID())
	fmt.Println(tok.ExpiresAt.Format(time.Kitchen))
	// Output:
	// stored mangopay.Token{AccessToken: [redacted], ExpiresAt: 2025-03-01T12:20:00Z} for acme-marketplace
	// 12:20PM
}

// CaptureResponse fills a Response with the metadata of one call: pass it
// last to any network method, e.g.
//
//	t, err := c.Transfers.Create(ctx, in, mangopay.WithIdempotencyKey("order-2025-000042"), mangopay.CaptureResponse(&meta))
//
// The metadata is filled whether the call succeeds or fails.
func ExampleCaptureResponse() {
	var meta mangopay.Response
	opts := []mangopay.RequestOption{
		mangopay.WithIdempotencyKey("order-2025-000042"), // POST only; 16-36 of A-Z a-z 0-9 -
		mangopay.CaptureResponse(&meta),
	}
	_ = opts // pass opts... to the call

	fmt.Println("status:", meta.StatusCode, "attempts:", meta.Attempts)
	fmt.Println("idempotency key:", meta.IdempotencyKey, "recovered from /responses:", meta.Recovered)
	fmt.Println("pages:", meta.TotalPages, "items:", meta.TotalItems)
	for _, rl := range meta.RateLimits { // 15m, 30m, 1h and 24h windows
		fmt.Printf("%v window: %d calls made, %d left, resets at %s\n", rl.Window, rl.Made, rl.Remaining, rl.Reset.Format(time.RFC3339))
	}
}
