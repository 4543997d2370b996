// Package mangopay is a Go client for Mangopay's REST API v2.01 built around
// Strong Customer Authentication (SCA, PSD2): SCA users, wallet access,
// transfers, recipients and webhooks.
//
// New to Mangopay or SCA? The README opens with "Mangopay and SCA in two
// minutes" (OWNER and PAYER, natural and legal users, ScaContext, what SCA
// is, PENDING_USER_ACTION, result codes, the redirect round trip), and
// `go run ./examples/quickstart` walks through every flow offline.
//
// # Client
//
// Build one *Client at start-up with New and share it between goroutines:
//
//	c, err := mangopay.New(clientID, apiKey, mangopay.WithBaseURL(mangopay.ProductionURL))
//
// The client authenticates with OAuth2 client credentials (POST
// /v2.01/oauth/token), caches the token, renews it 30 seconds before it
// expires, makes one token request however many goroutines need a token, and
// refreshes and replays once when a call is refused with 401
// invalid_credentials.
//
// # SCA
//
// Every call whose answer demands SCA returns a *ScaRequiredError (matched by
// errors.Is(err, ErrScaRequired)), whether the link came in a 401
// WWW-Authenticate header (the wallet-access reads) or in
// PendingUserAction.RedirectUrl of a body (users, enroll, consent, transfers,
// recipients). Where Mangopay also returned a resource, the method returns it
// together with the error. Append the platform's return URL with
// ScaRequiredError.RedirectURLWithReturn and redirect the user's browser
// there; read the outcome with ParseReturn, and confirm it with a GET or a
// webhook. Links are checked before they are handed out: https on
// mangopay.com unless WithRedirectHosts says otherwise.
//
// # Errors
//
// Non-2xx answers are *APIError values carrying the HTTP status, Mangopay's
// Type, Message, Id, Date and field errors. They match the sentinel errors
// (ErrNotFound, ErrForbidden, ErrScaProxyMissing, ...) with errors.Is. When
// the context ends, the context's error is returned.
//
// # Retries and idempotency
//
// Network errors, 5xx and 429 answers are retried (WithMaxRetries, default 2)
// with capped exponential backoff and jitter, honouring Retry-After and
// X-RateLimit-Reset. GET and PUT are retried as they are. Every POST carries
// an Idempotency-Key (yours from WithIdempotencyKey, or a generated one) that
// is reused on each retry. Mangopay blocks a key once used, so when a retried
// POST is answered 409 idempotent_creation_conflict the client fetches GET
// /responses/{key}: a recorded success is returned as if it had arrived the
// first time, a recorded 4xx is returned as that error, and a recorded 5xx or
// 429 (the first attempt had no effect) is retried under a fresh key. A lost
// response never becomes a failed or duplicated money movement.
//
// # Webhooks
//
// Mangopay notifies a platform with unsigned GET requests
// (?EventType=...&RessourceId=...&Date=...). NewWebhookHandler parses them
// (ParseEvent), answers 200, 400, 405, 409 (the resource is not in the
// state the event claims, or the same notification is being processed right
// now) or 500 as Mangopay expects, can drop repeated deliveries
// (WithDeduplication) and can confirm each event by
// fetching its resource through the client (WithConfirmation): the only
// authenticity check Mangopay allows. WebhookHandler.Process runs an event
// through the same steps without HTTP.
//
// # Testing
//
// The mangopaytest package is an in-memory Mangopay emulator, with hosted SCA
// pages, sessions, the sandbox's SCA rules, webhooks, a controllable clock and
// fault injection, so platform tests can walk whole SCA flows offline.
//
// # Pagination
//
// List methods return one *Page with Mangopay's totals; All methods return an
// iter.Seq2 that fetches pages of 100 (or ListOptions.PerPage) lazily and
// stops when the loop breaks. List and All methods, like every network
// method, take ...RequestOption last.
package mangopay
