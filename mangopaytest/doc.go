// Package mangopaytest runs an in-memory emulator of Mangopay's REST API
// v2.01 for the Strong Customer Authentication (SCA) flows, in the manner of
// net/http/httptest: every test starts its own server in well under a
// millisecond, walks the whole SCA flow offline, and closes it.
//
//	srv := mangopaytest.NewServer()
//	defer srv.Close()
//	c := srv.Client() // a *mangopay.Client wired to the server
//	u, err := c.Users.CreateNatural(ctx, req)
//	sca, _ := mangopay.AsScaRequired(err)
//	srv.CompleteSca(sca.RedirectURL, mangopaytest.Validated) // as if the user approved
//
// The emulator speaks Mangopay's wire format independently of this module's
// SDK (its own JSON shapes, status codes, headers and error bodies), so other
// languages' clients can be pointed at it too, for example through
// cmd/mangopay-sandbox.
//
// # What it serves
//
// Under <URL>/v2.01/{ClientId}: the SCA users (create, update and categorize,
// natural and legal; view; enrollment; proxy consent; sca-status), wallets
// (create, update and the four SCA-gated reads), transactions, transfers,
// recipients (payout methods, schema, validate, create, view, list,
// deactivate), hooks, events and GET /responses/{IdempotencyKey}. The OAuth
// endpoint is <URL>/v2.01/oauth/token. The hosted SCA page is <URL>/sca/ and
// the test controls over HTTP are under <URL>/_sandbox/ (see Server.ServeHTTP).
//
// Every API response carries X-RateLimit, X-RateLimit-Remaining and
// X-RateLimit-Reset (four comma-separated windows: 15 minutes, 30 minutes,
// 1 hour, 24 hours); lists carry X-Number-Of-Pages, X-Number-Of-Items and
// Link, and take page, per_page (at most 100) and Sort=CreationDate:ASC|DESC.
// Errors have Mangopay's shape {Message, Type, Id, Date, errors} (the
// recipients' endpoints write Id first and Errors with a capital E); 404s
// are ressource_not_found. Query parameter names are matched
// case-insensitively, as Mangopay does.
//
// # Authentication
//
// POST /v2.01/oauth/token checks Basic ClientId:APIKey (401 invalid_client
// otherwise, 400 unsupported_grant_type or invalid_request for a bad form,
// and 400 unauthorized_client for a minute after ten bad attempts in a row).
// Tokens live WithTokenLifetime (default 1200 s) on the emulator's clock; an
// unknown or expired bearer token gets 401 invalid_credentials.
//
// # Idempotency
//
// Every POST with an Idempotency-Key (16 to 36 characters of A-Z, a-z, 0-9
// and '-') has its response recorded under the key, failures included (an
// injected 500 too). Reusing a key within 24 hours gives 409
// idempotent_creation_conflict, also while the first request is still being
// handled, and GET /responses/{key} returns {StatusCode, ContentLength,
// ContentType, Date (RFC 1123), RequestURL, Resource}. Requests refused
// before authentication (401) or by the rate limiter (429) are not recorded,
// so a client can retry them under the same key.
//
// # SCA sessions
//
// An SCA demand opens a session: its link is <URL>/sca/?token=sca_<32 hex>,
// valid for SessionLifetime (10 minutes) of emulator time. Each session
// knows what it authorises: an enrollment, a transfer, wallet access, a
// recipient or a proxy consent. It ends when the user approves with the
// one-time code OTP (702100) or declines on the hosted page, when a test calls
// CompleteSca (or POST /_sandbox/sca/complete), or when its time runs out
// (the clock moves with real time and with Advance). A session whose user is
// not enrolled yet, or is waiting to re-enroll, also enrolls them:
// SCA_ENROLLMENT_SUCCEEDED (and USER_ACCOUNT_ACTIVATED for a
// PENDING_USER_ACTION user, now ACTIVE), SCA_ENROLLMENT_FAILED or
// SCA_ENROLLMENT_EXPIRED.
//
// The hosted page (html/template, no JavaScript) shows what is being
// authorised ("Transfer of €600.00 to Bob Smith"), asks for the code (three
// wrong codes fail the session) and offers Approve and Decline; it then
// answers 303 to the returnUrl with controlStatus=VALIDATED or FAILED
// appended to its query (other parameters and the fragment kept, an earlier
// controlStatus replaced). A missing returnUrl (the name is case-sensitive)
// or a non-http(s) one gives a 400 page, an unknown token 404, an expired
// session 410 and an answered one 409.
//
// # Sandbox rules
//
// The emulator behaves as Mangopay's current documentation says its sandbox
// behaves (API reference, guides and API release notes up to May 2026, cited
// below and beside the code), also where no issue of this project asked for
// a rule. Where the documentation is ambiguous or silent, the choice made is
// stated. The one opt-in departure is WithLowValueExemption.
//
//   - Users. An OWNER created or categorized (PAYER to OWNER) gets
//     UserStatus PENDING_USER_ACTION, USER_ACCOUNT_VALIDATION_ASKED and a
//     link; Categorize also sends USER_CATEGORY_UPDATED_TO_OWNER. This
//     applies to natural users and every legal type (Mangopay extended it to
//     all legal types in November 2025). PAYERs never get SCA nor user
//     webhooks; fields Mangopay returns null for PAYERs are null. An OWNER
//     needs TermsAndConditionsAccepted true (else 403
//     user_hasnt_accepted_terms_and_conditions) and Birthday, Nationality and
//     CountryOfResidence (legal: the representative's, their Email and the
//     HeadquartersAddress; CompanyNumber for BUSINESS). Categorize on an
//     OWNER is 400 not_allowed_for_user_category_owner. An update that
//     changes an OWNER's Email, PhoneNumber or PhoneNumberCountry (for a
//     legal user, the representative's) re-enrolls them like a creation;
//     other updates do not. UserCategory in an update must be the current
//     one. Enroll opens a fresh session every time (older ones stay valid),
//     does not change UserStatus and sends no USER_ACCOUNT_VALIDATION_ASKED;
//     it is 400 not_allowed_for_user_category_payer for a PAYER. GET
//     /sca/users/{id} always shows PendingUserAction null. sca-status is 404
//     until an enrollment was triggered.
//   - ScaContext USER_NOT_PRESENT. On an OWNER's transfer, wallet read,
//     PAYOUT recipient or update, it needs proxy management
//     (WithProxyManagement) and the user's consent for that scope, given in
//     a consent session (POST /sca/users/{id}/consent, only for an enrolled,
//     ACTIVE OWNER); otherwise 403 sca_proxy_missing. Without proxy
//     management, the consent call is 400 param_error "Consent cannot be given
//     when no proxy is required by the client.". On create and categorize,
//     USER_NOT_PRESENT means enrolling later (no link; Enroll gives one): it
//     needs WithProxyManagement, else 403 forbidden_ressource. A consent
//     session grants the scopes ticked on the page (CompleteSca grants all
//     four) and withdraws the others, with the SCA_..._CONSENT_GIVEN and
//     _REVOKED events.
//   - Who is subject to SCA for wallet reads, transfers and PAYOUT
//     recipients: every OWNER, natural or legal of any type (Mangopay's
//     sandbox first applied SCA to natural users and SOLETRADERs only, then
//     to every legal type in November 2025, as for enrollment). A missing
//     ScaContext counts as USER_PRESENT (Mangopay's default since December
//     2025).
//   - Wallet access. The four reads (GET /wallets/{id}, /users/{id}/wallets,
//     /users/{id}/transactions, /wallets/{id}/transactions) by such a user
//     with USER_PRESENT answer 401 with WWW-Authenticate: PendingUserAction
//     RedirectUrl=<link> and an empty body, a new session each time, unless
//     a wallet-access session of that user succeeded in the last 180 days
//     (WalletAccessValidity) of emulator time. No webhook is sent for these
//     sessions.
//   - Transfers. The author must own the debited wallet (400 param_error
//     AuthorId "Author should be the Debited wallet owner"); DebitedFunds,
//     Fees and both wallets must share one currency (400
//     currency_incompatibility). A transfer into the wallet of another user
//     who is a PAYER is created FAILED, nothing moving: ResultCode 002702
//     from an OWNER, 002701 from a PAYER (errors/codes/002702 and 002701,
//     guides/users/categories/restrictions). A transfer the debited wallet
//     cannot cover is FAILED with ResultCode 001001 "Unsufficient wallet
//     balance" (checked at creation and again when SCA completes). Between
//     wallets of two different OWNERs, with USER_PRESENT, SCA is needed from
//     DebitedFunds.Amount ScaThreshold (50001) and never below it: the
//     sandbox applies the TRA exemption systematically to 500 EUR or less
//     (guides/sca/transfers, "SCA triggers in Sandbox", revision of
//     2025-11-03), so it counts no low-value transfers unless
//     WithLowValueExemption asks for production-like counters. The amount is
//     compared in the transfer's own currency (no conversion to a EUR
//     equivalent). Such a transfer stays CREATED with PendingUserAction (also
//     on GET) until the session ends: SUCCEEDED (funds move, ResultCode
//     000000) or FAILED with 007101 (declined, or three wrong codes) or 007102
//     (expired). Every transfer sends TRANSFER_NORMAL_CREATED, then
//     _SUCCEEDED or _FAILED, and appears in both users' and both wallets'
//     transactions. ScaContext is echoed as sent (null when absent).
//   - The accept bypass (API release note 2026-02-16). A user whose Email
//     (natural) or LegalRepresentative.Email (legal) contains "accept",
//     such as john.doe+accept@example.com or accept@example.com (matched
//     ignoring case), gets no SCA on enrollment (create, categorize, a
//     contact update, Enroll), PAYOUT recipients, transfers or wallet access:
//     the action proceeds at once and no RedirectUrl is returned. The
//     emulator treats it as a session validated at once, so the user is
//     enrolled and ACTIVE (USER_ACCOUNT_VALIDATION_ASKED,
//     USER_ACCOUNT_ACTIVATED, SCA_ENROLLMENT_SUCCEEDED), the transfer
//     executes, the recipient becomes ACTIVE (RECIPIENT_ACTIVE) and wallet
//     reads open for 180 days. Consent sessions are not bypassed.
//   - Recipients. PAYOUT (the default scope) needs an OWNER: a PAYER gets 400
//     param_error with Errors.SCA. For an OWNER it always needs SCA (unless
//     a consented proxy sends USER_NOT_PRESENT): 201 PENDING with a link,
//     then ACTIVE (RECIPIENT_ACTIVE) or CANCELED (RECIPIENT_CANCELED) when
//     the session ends. PAYIN recipients are answered PENDING and become
//     ACTIVE at once. Deactivating a recipient that is not ACTIVE is 400 Type other
//     "Invalid State". Field checks follow the schema that GET
//     /recipients/schema returns, with Mangopay's codes (REQUIRED,
//     INVALID_IBAN with a real mod-97 check, ...); a pattern mismatch is
//     "INVALID_FORMAT. Regex validation: <pattern>" (API release note
//     2026-05-19; the GBP account number and sort code patterns are the
//     note's ^\d{8}$ and ^\d{6}$). GET /users/{id}/recipients lists PAYOUT
//     recipients by default, PAYIN or ALL on request (RecipientScope), newest
//     first unless Sort=CreationDate:ASC (api-reference/recipients/
//     list-recipients-user, API release note 2026-05-11). The BIC Mangopay fills in
//     is invented (MPTS<country>PP).
//   - Hooks and events. One hook per event type (400 otherwise). A hook's
//     Email (for Mangopay's failure alerts) is set on POST and PUT, returned
//     on GET and list, null when unset ("" on PUT clears it; API release note
//     2026-05-11); the emulator sends no alert mail. Every event
//     is listed by GET /events (ResourceId, EventType, Date; filters
//     EventType, BeforeDate, AfterDate) and, if an ENABLED and VALID hook
//     exists for its type, delivered in the background as GET
//     <Url>?EventType=..&RessourceId=..&Date=.. (Mangopay's spelling),
//     retried quickly (WithWebhookRetries) until answered 200. After 100
//     failed deliveries in a row a hook becomes INVALID; PUT Validity VALID
//     revives it. Webhooks and FlushWebhooks observe deliveries.
//
// # Payouts, refunds and events
//
// POST /payouts/bankwire pays out to an ACTIVE Recipient of the debited
// wallet's owner; the payout is CREATED with the wallet debited once, and
// settles on the emulator's clock (StandardPayoutDelay, InstantPayoutDelay)
// as SUCCEEDED (fees to the fees wallet) or, with BankWireRef
// PayoutFailRef, FAILED 121001 with the money back. Payouts the rules
// refuse are FAILED at once with Mangopay's codes: 121002, 002701, 121007,
// 121006, 001001, 121018 (a BankAccountId that is no Recipient), 121008,
// and 002999 for a KYCLevel LIGHT author beyond LightPayoutAllowance
// (a PaymentRef payout, the one a PAYER may make, must name a SUCCEEDED
// pay-in that credited the debited wallet and not exceed what is left to
// pay back of it, else 400 param_error on PaymentRef.ReferenceId)
// (SetKYCLevel, POST /_sandbox/users/{id}/kyc {"KYCLevel":"REGULAR"},
// raises the level). POST /payouts/reachability and the instant modes: EUR
// to an ACTIVE Recipient is reachable unless SetInstantReachable (POST
// /_sandbox/recipients/{id}/instant-reachable {"Reachable":false}) says
// otherwise; other currencies answer 130001. GET /payouts/bankwire/{id} and
// GET /payouts/{id} view a payout. POST /transfers/{id}/refunds and POST
// /payins/{id}/refunds refund in full or in part and fail with 001401,
// 005403, 005404 or 001001 as documented (a transaction not SUCCEEDED is
// refused with 400); GET /refunds/{id} views one, and GET
// /transfers/{id}/refunds and GET /payins/{id}/refunds list a
// transaction's refunds (Status, ResultCode, BeforeDate, AfterDate, paging,
// oldest first unless Sort=CreationDate:DESC). The payout and refund
// webhooks are sent and recorded like the others; GET /events refuses
// AfterDate or BeforeDate older than EventRetention (45 days) with 400, as
// Mangopay does (Mangopay also requires EventType; the emulator lists every
// type without it). Outflows and FeesBalance reconcile the money: wallets +
// fees + paid out + refunded to payers = paid in.
//
// # Identity verification
//
// POST /users/{id}/identity-verifications creates an IDV session for an
// OWNER (PENDING, with a HostedUrl on the emulator's page /idv/session, the
// ReturnUrl appended as redirectURL); GET /identity-verifications/{id} and
// GET /users/{id}/identity-verifications read them. The page's Approve
// button (or CompleteIdentityVerification, POST
// /_sandbox/identity-verifications/complete {"HostedUrl":"...",
// "Outcome":"VALIDATED"}) makes the session VALIDATED and the user KYCLevel
// REGULAR (IDENTITY_VERIFICATION_VALIDATED, USER_KYC_REGULAR); Refuse makes
// it REFUSED (IDENTITY_VERIFICATION_FAILED). A session not submitted within
// IdentityVerificationLifetime (7 days) is EXPIRED.
//
// # Test controls
//
// CompleteSca, Advance, Now, Credit and Balance drive the state;
// FailNext, DropNextResponses, InjectFault (counted or random faults),
// Latency and ResetConnections inject faults, SeedFaults makes the random
// ones reproducible and ClearFaults stops them all; Requests, Webhooks and
// Events report what happened. The same
// controls exist over HTTP under /_sandbox/ for clients in other languages.
// The /_sandbox/ endpoints need no credentials: never expose a server beyond
// the machines that test against it.
//
// # Pay-ins
//
// Card registrations (POST/PUT/GET /cardregistrations), cards (GET and
// deactivating PUT /cards/{id}) and pay-ins (POST /payins/card/web,
// /payins/card/direct, /payins/bankwire/direct, GET /payins/{id}) follow
// Mangopay's sandbox (payins.go). Each registration's CardRegistrationURL is
// the emulator's tokenization endpoint (POST /payment/tokenize/{id},
// form-encoded, as a browser posts it; Tokenize does it for tests). The
// documented test cards behave as documented: TestCardFrictionless succeeds
// at once (unless SecureMode is FORCE), TestCardChallenge,
// TestCardMaestroChallenge and TestCardAmexChallenge get a 3DS2 challenge
// (with any SecureMode: the docs name FORCE or NO_CHOICE and are silent on
// DEFAULT, which the emulator challenges as an issuer may)
// page (/payment/3ds?token=..., Approve or Decline: 101301). A card whose
// MMYY expiry has passed on the emulator's clock fails with 101105; the
// documented failing amounts (AmountDoNotHonor = 33305 → 101101 "Do not
// honor", and the others of failingAmounts) fail the payment after the page
// or challenge. A web card pay-in's RedirectURL is the hosted payment page
// (/payment/pay?token=..., Pay or Cancel: 001031); unused, it expires after
// WebPayInLifetime (15 minutes) with 101109. A card entered there is
// challenged by the same rule as a direct pay-in's (every card but
// TestCardFrictionless, and any card with SecureMode FORCE): Pay leads to
// the 3DS2 challenge page, whose Decline fails the pay-in with 101301 (the
// hosted page runs 3D Secure, per Mangopay's testing-payments guide). Both
// pages redirect (303) to the
// return URL with transactionId appended. A bank wire pay-in stays CREATED
// until ReceiveBankWire (or POST /_sandbox/payins/{id}/bankwire) credits it,
// and fails with 101109 after BankWireLifetime; one whose DeclaredFees are
// not below its DeclaredDebitedFunds fails at creation with 001014. A SUCCEEDED pay-in credits
// DebitedFunds - Fees to the wallet and Fees to the fees wallet
// (FeesBalance); nothing else moves money. PAYIN_NORMAL_CREATED, _SUCCEEDED
// and _FAILED are delivered to registered hooks. CompletePayIn(link,
// outcome) (or POST /_sandbox/payins/complete {"RedirectUrl","Outcome"})
// answers either page without a browser.
package mangopaytest
