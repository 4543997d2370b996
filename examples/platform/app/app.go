// Package app is the web backend of examples/platform: a small marketplace
// integrating Mangopay's Strong Customer Authentication (SCA) the way a real
// platform does, with html/template pages, net/http and the SDK.
//
// Members sign up as natural OWNER users, confirm their account on
// Mangopay's hosted SCA page, open their wallets (an SCA-gated read with
// ScaContext USER_PRESENT), add money with a card on Mangopay's hosted
// payment page (which runs 3-D Secure when the card's issuer asks), send
// transfers (SCA above Mangopay's threshold) and refund them, register
// payout recipients (always SCA) and withdraw to an ACTIVE one (a payout,
// which needs no SCA: the recipient is a trusted beneficiary). Whenever Mangopay demands
// SCA the handler redirects the browser to the hosted page with a return URL
// on /sca/return, which reads controlStatus as a hint and confirms the outcome
// with a GET; the payment page returns to /payin/return, which confirms the
// pay-in with a GET too. Mangopay's webhooks (users, transfers, recipients,
// pay-ins, payouts, refunds), received on /webhooks/mangopay through
// mangopay.NewWebhookHandler and confirmed by a GET of their resource,
// update what the dashboard shows, whichever comes first: the webhook or
// the answer of the call that made the resource.
//
// Every money form (pay-in, payout, transfer, refund) carries an
// Idempotency-Key. When Mangopay's answer is lost
// (mangopay.ErrOutcomeUnknown) the member is told the movement may have
// been made, and the form comes back with the SAME key and the same amount
// and recipient, locked: sending it again recovers the first answer
// instead of moving the money twice (see "lost answers" in money.go).
//
// The handlers reach Mangopay through the small interfaces of API, which a
// *mangopay.Client satisfies (see FromClient): declare the few methods you
// call rather than depending on the whole client, and test your handlers
// against the mangopaytest emulator (see app_test.go) or a fake of your own.
//
// State lives in memory: it is an example, not a product.
package app

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"iter"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/scaforge/mangopay"
)

// Users is what the platform needs of c.Users.
type Users interface {
	CreateNatural(ctx context.Context, in *mangopay.CreateNaturalUserRequest, opts ...mangopay.RequestOption) (*mangopay.NaturalUser, error)
	Get(ctx context.Context, id string, opts ...mangopay.RequestOption) (*mangopay.User, error)
}

// Wallets is what the platform needs of c.Wallets.
type Wallets interface {
	Create(ctx context.Context, in *mangopay.CreateWalletRequest, opts ...mangopay.RequestOption) (*mangopay.Wallet, error)
	ListByUser(ctx context.Context, userID string, sca mangopay.ScaContext, lo *mangopay.ListOptions, opts ...mangopay.RequestOption) (*mangopay.Page[mangopay.Wallet], error)
}

// Transactions is what the platform needs of c.Transactions.
type Transactions interface {
	ListByUser(ctx context.Context, userID string, sca mangopay.ScaContext, lo *mangopay.TransactionListOptions, opts ...mangopay.RequestOption) (*mangopay.Page[mangopay.Transaction], error)
}

// Transfers is what the platform needs of c.Transfers.
type Transfers interface {
	Create(ctx context.Context, in *mangopay.CreateTransferRequest, opts ...mangopay.RequestOption) (*mangopay.Transfer, error)
	Get(ctx context.Context, id string, opts ...mangopay.RequestOption) (*mangopay.Transfer, error)
}

// Recipients is what the platform needs of c.Recipients.
type Recipients interface {
	Create(ctx context.Context, userID string, in *mangopay.CreateRecipientRequest, opts ...mangopay.RequestOption) (*mangopay.Recipient, error)
	Get(ctx context.Context, id string, opts ...mangopay.RequestOption) (*mangopay.Recipient, error)
}

// PayIns is what the platform needs of c.PayIns.
type PayIns interface {
	CreateCardWeb(ctx context.Context, in *mangopay.CreateCardWebPayInRequest, opts ...mangopay.RequestOption) (*mangopay.PayIn, error)
	Get(ctx context.Context, id string, opts ...mangopay.RequestOption) (*mangopay.PayIn, error)
}

// Payouts is what the platform needs of c.Payouts.
type Payouts interface {
	Create(ctx context.Context, in *mangopay.CreatePayoutRequest, opts ...mangopay.RequestOption) (*mangopay.Payout, error)
	Get(ctx context.Context, id string, opts ...mangopay.RequestOption) (*mangopay.Payout, error)
}

// Refunds is what the platform needs of c.Refunds.
type Refunds interface {
	CreateForTransfer(ctx context.Context, transferID string, in *mangopay.CreateRefundRequest, opts ...mangopay.RequestOption) (*mangopay.Refund, error)
	Get(ctx context.Context, id string, opts ...mangopay.RequestOption) (*mangopay.Refund, error)
}

// Hooks is what RegisterHooks needs of c.Hooks.
type Hooks interface {
	Create(ctx context.Context, in *mangopay.CreateHookRequest, opts ...mangopay.RequestOption) (*mangopay.Hook, error)
	All(ctx context.Context, lo *mangopay.ListOptions, opts ...mangopay.RequestOption) iter.Seq2[*mangopay.Hook, error]
	Update(ctx context.Context, id string, in *mangopay.UpdateHookRequest, opts ...mangopay.RequestOption) (*mangopay.Hook, error)
}

// API groups the parts of Mangopay the platform talks to. Tests may replace
// any part with a fake.
type API struct {
	Users        Users
	Wallets      Wallets
	Transactions Transactions
	Transfers    Transfers
	Recipients   Recipients
	PayIns       PayIns
	Payouts      Payouts
	Refunds      Refunds
	// Resources confirms webhooks by fetching the resource they name
	// (mangopay.WithConfirmation); a *mangopay.Client is one.
	Resources mangopay.ResourceFetcher
}

// FromClient returns the API served by c.
func FromClient(c *mangopay.Client) API {
	return API{Users: c.Users, Wallets: c.Wallets, Transactions: c.Transactions, Transfers: c.Transfers, Recipients: c.Recipients,
		PayIns: c.PayIns, Payouts: c.Payouts, Refunds: c.Refunds, Resources: c}
}

// Config configures an App.
type Config struct {
	// API is how the app reaches Mangopay (required; see FromClient).
	API API
	// BaseURL is the app's own address as browsers reach it, such as
	// "http://127.0.0.1:8080" (required): the SCA return URLs are built on it.
	BaseURL string
	// TestCards, when set, are shown next to the card form: the test cards
	// of the emulator or of Mangopay's sandbox (never in production).
	TestCards []TestCard
	// Logger receives the errors the pages only summarise (default: discard).
	Logger *slog.Logger
	// Backend describes where the app's Mangopay is, for the page footer.
	Backend string
}

// TestCard is a card number the dashboard suggests for Mangopay's hosted
// payment page, with what it does there.
type TestCard struct{ Number, What string }

// App is the platform: an http.Handler with in-memory state. Build it with New.
type App struct {
	api     API
	base    *url.URL
	log     *slog.Logger
	backend string
	cards   []TestCard
	pages   map[string]*template.Template
	mux     *http.ServeMux

	mu       sync.Mutex
	members  map[string]*member  // by Mangopay user id
	order    []string            // member ids in sign-up order
	sessions map[string]*session // by session cookie value
}

// session is a signed-in browser: its member and the CSRF token every form
// of its pages carries.
type session struct {
	memberID string
	csrf     string
}

// member is a user of the platform (a Mangopay natural OWNER) with what the
// platform remembers about them. Fields are guarded by App.mu.
type member struct {
	ID, Name, Email string
	Status          mangopay.UserStatus
	WalletID        string
	// WalletsOpen is set once a wallet read succeeded; it is cleared when
	// Mangopay asks for SCA again.
	WalletsOpen bool
	Transfers   []*transferRecord
	Recipients  []*recipientRecord
	PayIns      []*payInRecord
	Payouts     []*payoutRecord
	Refunds     []*refundRecord
	Events      []eventRecord
	Flash       *flash
	// Pending holds, per money form ("payin", "payout", "transfer",
	// "refund:<transfer id>"), the request awaiting its answer or whose
	// answer was lost (see "lost answers" in money.go).
	Pending map[string]*pendingRequest
}

type transferRecord struct {
	ID, To        string
	Amount        mangopay.Money
	Status        mangopay.TransferStatus
	ResultCode    string
	ResultMessage string
	SCA           bool
	// Refundable is set on the dashboard's copies only: SUCCEEDED and
	// not refunded yet.
	Refundable bool
}

type recipientRecord struct {
	ID, DisplayName, IBAN string
	Status                mangopay.RecipientStatus
}

type eventRecord struct {
	At         time.Time
	Type       mangopay.EventType
	ResourceID string
	Confirmed  string
}

type flash struct {
	Kind string // "ok" or "error"
	Text string
}

// Paths the app serves.
const (
	pathReturn = "/sca/return"
	// pathPayInReturn is the ReturnURL of card pay-ins: Mangopay appends
	// transactionId.
	pathPayInReturn = "/payin/return"
	pathWebhooks    = "/webhooks/mangopay"
	sessionName     = "platform_session"
	// csrfCookie holds the form token of a browser that is not signed in
	// (the sign-up form), compared with the form's csrf field.
	csrfCookie = "platform_csrf"
	csrfField  = "csrf"
)

//go:embed templates/*.html
var templateFS embed.FS

// New builds the platform.
func New(cfg Config) (*App, error) {
	if api := cfg.API; api.Users == nil || api.Wallets == nil || api.Transactions == nil || api.Transfers == nil || api.Recipients == nil ||
		api.PayIns == nil || api.Payouts == nil || api.Refunds == nil || api.Resources == nil {
		return nil, errors.New("app: Config.API needs Users, Wallets, Transactions, Transfers, Recipients, PayIns, Payouts, Refunds and Resources (use FromClient)")
	}
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("app: Config.BaseURL %q must be an absolute http(s) URL", cfg.BaseURL)
	}
	base.Path = strings.TrimSuffix(base.Path, "/")
	a := &App{
		api: cfg.API, base: base, log: cfg.Logger, backend: cfg.Backend, cards: cfg.TestCards,
		members: map[string]*member{}, sessions: map[string]*session{},
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.pages, err = parsePages(); err != nil {
		return nil, err
	}
	// Mangopay's notifications are confirmed by a GET of their resource
	// (they are unsigned): onEvent acts on the fetched state only.
	hooks, err := mangopay.NewWebhookHandler(a.onEvent,
		mangopay.WithConfirmation(cfg.API.Resources),
		mangopay.WithDeduplication(mangopay.NewMemoryDeliveryStore(0)),
		mangopay.WithWebhookErrorHook(func(r *http.Request, status int, err error) {
			a.log.Warn("webhook refused", "path", r.URL.Path, "status", status, "error", err)
		}))
	if err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.home)
	// Every state-changing form goes through guard (CSRF defences).
	mux.HandleFunc("POST /signup", a.guard(a.signup))
	mux.HandleFunc("POST /signout", a.guard(a.signout))
	mux.HandleFunc("GET /dashboard", a.dashboard)
	mux.HandleFunc("POST /wallets/open", a.guard(a.openWallets))
	mux.HandleFunc("POST /payins", a.guard(a.createPayIn))
	mux.HandleFunc("POST /transfers", a.guard(a.createTransfer))
	mux.HandleFunc("POST /transfers/{id}/refund", a.guard(a.refundTransfer))
	mux.HandleFunc("POST /recipients", a.guard(a.createRecipient))
	mux.HandleFunc("POST /payouts", a.guard(a.createPayout))
	mux.HandleFunc("GET "+pathReturn, a.scaReturn)
	// Top-level GET navigations back from Mangopay's pages: they only read
	// Mangopay's state, which no forged request can change.
	mux.HandleFunc("GET "+pathPayInReturn, a.payInReturn)
	mux.Handle(pathWebhooks, hooks)
	a.mux = mux
	return a, nil
}

// ServeHTTP serves the platform's pages, its SCA return URL and its webhook
// endpoint.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
	a.mux.ServeHTTP(w, r)
}

// WebhookURL is the address to register with Mangopay's hooks.
func (a *App) WebhookURL() string { return a.base.String() + pathWebhooks }

// AddMember makes an existing Mangopay user (with a wallet) a member, so
// that others can send them money. It is how the demo's payee is seeded.
func (a *App) AddMember(userID, name, walletID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.members[userID]; !ok {
		a.order = append(a.order, userID)
	}
	a.members[userID] = &member{ID: userID, Name: name, WalletID: walletID, Status: mangopay.UserStatusActive}
}

// EventTypes are the webhooks the platform reacts to.
var EventTypes = []mangopay.EventType{
	mangopay.EventUserAccountActivated,
	mangopay.EventTransferNormalSucceeded,
	mangopay.EventTransferNormalFailed,
	mangopay.EventRecipientActive,
	mangopay.EventRecipientCanceled,
	mangopay.EventPayInNormalSucceeded,
	mangopay.EventPayInNormalFailed,
	mangopay.EventPayoutNormalSucceeded,
	mangopay.EventPayoutNormalFailed,
	mangopay.EventTransferRefundSucceeded,
	mangopay.EventTransferRefundFailed,
}

// RegisterHooks points Mangopay's hooks for EventTypes at url: it creates
// them, or updates the hook Mangopay already has for a type (one hook per
// EventType is allowed).
func RegisterHooks(ctx context.Context, hooks Hooks, url string) error {
	for _, typ := range EventTypes {
		_, err := hooks.Create(ctx, &mangopay.CreateHookRequest{EventType: typ, URL: url, Tag: "examples/platform"})
		if !errors.Is(err, mangopay.ErrHookAlreadyRegistered) {
			if err != nil {
				return fmt.Errorf("registering the %s hook: %w", typ, err)
			}
			continue
		}
		updated := false
		for h, err := range hooks.All(ctx, nil) {
			if err != nil {
				return fmt.Errorf("listing hooks: %w", err)
			}
			if h.EventType == typ {
				if _, err := hooks.Update(ctx, h.ID, &mangopay.UpdateHookRequest{URL: mangopay.Ptr(url), Status: mangopay.Ptr(mangopay.HookStatusEnabled)}); err != nil {
					return fmt.Errorf("updating the %s hook: %w", typ, err)
				}
				updated = true
				break
			}
		}
		if !updated {
			return fmt.Errorf("registering the %s hook: %w, but it is not listed", typ, err)
		}
	}
	return nil
}

// ---- sessions ----

// currentSession is the signed-in session of r, or nil.
func (a *App) currentSession(r *http.Request) *session {
	c, err := r.Cookie(sessionName)
	if err != nil {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	s := a.sessions[c.Value]
	if s == nil || a.members[s.memberID] == nil {
		return nil
	}
	return s
}

func (a *App) currentMember(r *http.Request) *member {
	s := a.currentSession(r)
	if s == nil {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.members[s.memberID]
}

// randomToken is 128 random bits in hex.
func randomToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// startSession signs memberID in with a new session (a new cookie value and
// a new CSRF token: nothing set before sign-in carries over).
func (a *App) startSession(w http.ResponseWriter, memberID string) error {
	v, err := randomToken()
	if err != nil {
		return err
	}
	tok, err := randomToken()
	if err != nil {
		return err
	}
	a.mu.Lock()
	a.sessions[v] = &session{memberID: memberID, csrf: tok}
	a.mu.Unlock()
	http.SetCookie(w, &http.Cookie{
		Name: sessionName, Value: v, Path: "/", HttpOnly: true,
		// Lax: the cookie comes back with the top-level redirect from
		// Mangopay's hosted page, and not with other sites' form posts.
		SameSite: http.SameSiteLaxMode, Secure: a.base.Scheme == "https",
	})
	return nil
}

// ---- CSRF ----
//
// A page of another site must not be able to make a signed-in member's
// browser send money (a form auto-submitted to POST /transfers) or sign
// them out. Every state-changing route is a POST wrapped in guard, which
// refuses (403, before the handler runs):
//   - a request a browser marks as coming from another origin:
//     Sec-Fetch-Site other than same-origin or none, or, from browsers that
//     do not send it, an Origin whose host is not this site's;
//   - a request whose csrf form field is not the token of its session (the
//     sign-up form, before there is a session, uses a token in the
//     platform_csrf cookie instead). Another origin can neither read the
//     token from our pages nor guess it (128 random bits).
// The session cookie is also SameSite=Lax, so browsers do not send it with
// other sites' POSTs in the first place. Each defence stands on its own.

// guard wraps a state-changing handler with the CSRF checks above.
func (a *App) guard(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if why := crossOrigin(r); why != "" {
			a.forbid(w, r, why)
			return
		}
		want := ""
		if s := a.currentSession(r); s != nil {
			want = s.csrf
		} else if c, err := r.Cookie(csrfCookie); err == nil {
			want = c.Value
		}
		got := r.PostFormValue(csrfField)
		if want == "" || got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			a.forbid(w, r, "missing or wrong form token")
			return
		}
		h(w, r)
	}
}

// crossOrigin says why r comes from another origin, or "".
func crossOrigin(r *http.Request) string {
	switch site := r.Header.Get("Sec-Fetch-Site"); site {
	case "same-origin", "none": // our own page, or the user's own action (typed URL, bookmark)
		return ""
	case "":
	default:
		return "Sec-Fetch-Site " + site
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return "" // not a browser, or an old one: the token still decides
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host != r.Host {
		return "Origin is another site"
	}
	return ""
}

// forbid answers 403 to a refused form; nothing was changed.
func (a *App) forbid(w http.ResponseWriter, r *http.Request, why string) {
	a.log.Warn("form refused (CSRF defences)", "path", r.URL.Path, "why", why)
	a.render(w, http.StatusForbidden, "error", pageData{Title: "Form refused",
		Error: "This form did not come from this site's own page, or it is out of date: go back, reload the page and try again."})
}

// signedOutToken returns the form token of a browser that is not signed in,
// setting the cookie that holds it when there is none yet.
func (a *App) signedOutToken(w http.ResponseWriter, r *http.Request) (string, error) {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == 32 {
		return c.Value, nil
	}
	tok, err := randomToken()
	if err != nil {
		return "", err
	}
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: tok, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: a.base.Scheme == "https"})
	return tok, nil
}

// sessionToken is the form token of r's session ("" without one).
func (a *App) sessionToken(r *http.Request) string {
	if s := a.currentSession(r); s != nil {
		return s.csrf
	}
	return ""
}

func (a *App) setFlash(m *member, kind, format string, args ...any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	m.Flash = &flash{Kind: kind, Text: fmt.Sprintf(format, args...)}
}

// returnURL is the platform page Mangopay sends the user back to.
func (a *App) returnURL(what, id string) string {
	q := url.Values{"what": {what}}
	if id != "" {
		q.Set("id", id)
	}
	return a.base.String() + pathReturn + "?" + q.Encode()
}

// redirectForSca sends the browser to the hosted SCA page of err with the
// return URL for what/id, and reports whether err was an SCA demand.
func (a *App) redirectForSca(w http.ResponseWriter, r *http.Request, err error, what, id string) bool {
	sca, ok := mangopay.AsScaRequired(err)
	if !ok {
		return false
	}
	to, lerr := sca.RedirectURLWithReturn(a.returnURL(what, id), mangopay.WithLang("en"))
	if lerr != nil {
		a.fail(w, r, http.StatusInternalServerError, "Could not build the authentication link", lerr)
		return true
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return true
}

// ---- pages ----

func parsePages() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"lower": func(v any) string { return strings.ToLower(fmt.Sprint(v)) },
		"when":  func(t time.Time) string { return t.Local().Format("15:04:05") },
		// requestKey is a fresh Idempotency-Key for a money form: the same
		// form sent twice (a double click, a resubmission) is one payment. A
		// form whose answer was lost carries its pending key instead
		// (dashboardData.Lost).
		"requestKey": func() (string, error) { return randomToken() },
	}
	pages := map[string]*template.Template{}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if n == "templates/layout.html" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, err
		}
		pages[strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")] = t
	}
	return pages, nil
}

// pageData is what every page template gets.
type pageData struct {
	Title   string
	CSRF    string // the form token every POST form carries
	Backend string
	Member  *memberView
	Flash   *flash
	Error   string
	Form    map[string]string
	Data    any
}

func (a *App) render(w http.ResponseWriter, status int, page string, d pageData) {
	d.Backend = a.backend
	var b strings.Builder
	if err := a.pages[page].Execute(&b, d); err != nil {
		a.log.Error("rendering", "page", page, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// fail renders an error page; the details go to the log, not to the page.
func (a *App) fail(w http.ResponseWriter, r *http.Request, status int, msg string, err error) {
	a.log.Error(msg, "path", r.URL.Path, "error", err)
	a.render(w, status, "error", pageData{Title: "Something went wrong", Error: msg + ": " + describe(err)})
}

// describe says what went wrong in words fit for the page: Mangopay's
// message and type for an API error, the error itself otherwise.
func describe(err error) string {
	var apiErr *mangopay.APIError
	if errors.As(err, &apiErr) {
		s := fmt.Sprintf("Mangopay answered %d %s", apiErr.StatusCode, apiErr.Type)
		if apiErr.Message != "" {
			s += ": " + apiErr.Message
		}
		if len(apiErr.Errors) > 0 {
			keys := make([]string, 0, len(apiErr.Errors))
			for k := range apiErr.Errors {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				s += fmt.Sprintf(" (%s: %s)", k, apiErr.Errors[k])
			}
		}
		return s
	}
	return err.Error()
}

// AddDemoPayee registers "Sam Lee", a second OWNER with a EUR wallet, and
// makes them a member, so that a newcomer has someone to pay. approve
// completes Sam's enrollment session (an emulator's CompleteSca): it only
// works where something can answer the hosted page without a person.
func (a *App) AddDemoPayee(ctx context.Context, approve func(link string) error) error {
	u, err := a.api.Users.CreateNatural(ctx, &mangopay.CreateNaturalUserRequest{
		UserCategory:               mangopay.UserCategoryOwner,
		TermsAndConditionsAccepted: mangopay.Ptr(true),
		FirstName:                  "Sam",
		LastName:                   "Lee",
		Email:                      "sam.lee@example.com",
		Birthday:                   mangopay.NewDate(1988, time.March, 3),
		Nationality:                "FR",
		CountryOfResidence:         "FR",
		PhoneNumber:                "+33611111111",
		ScaContext:                 mangopay.ScaUserPresent,
	})
	if sca, ok := mangopay.AsScaRequired(err); ok {
		err = approve(sca.RedirectURL)
	}
	if err != nil {
		return fmt.Errorf("registering the demo payee: %w", err)
	}
	w, err := a.api.Wallets.Create(ctx, &mangopay.CreateWalletRequest{Owners: []string{u.ID}, Description: "Marketplace wallet of Sam Lee", Currency: "EUR"})
	if err != nil {
		return fmt.Errorf("creating the demo payee's wallet: %w", err)
	}
	a.AddMember(u.ID, "Sam Lee (demo seller)", w.ID)
	return nil
}
