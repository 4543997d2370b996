package mangopay_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/scaforge/mangopay"
)

// The examples below run offline against walletsFake, a few dozen lines
// standing in for Mangopay's sandbox. Where the README's snippet leaves the
// base URL out (the sandbox is the default), the example adds
// mangopay.WithBaseURL(fake.URL); everything else is the README's code.

const (
	exClientID     = "demo-client"
	exAPIKey       = "demo-api-key"
	exUserID       = "user_m_01J18HZSACR1EMYNY1TBS8KTJD"
	exWalletID     = "wlt_m_01J18J1SQGG6KXNM3F8GD674TP"
	exSellerWallet = "wlt_m_01JRHSTW2NP4MDB45WQMDNS23C"
)

// walletsFake answers like Mangopay for one wallet and its transfers: wallet
// reads with ScaContext=USER_PRESENT need SCA until the user passed it;
// transfers above EUR 500.00 with USER_PRESENT need SCA; POSTs are
// idempotent and their answers can be fetched from /responses/{key}.
type walletsFake struct {
	URL string

	srv          *httptest.Server
	mu           sync.Mutex
	walletScaOK  bool
	transfers    map[string]*mangopay.Transfer
	links        map[string]string // SCA token -> transfer id ("" for wallet access)
	responses    map[string][]byte // Idempotency-Key -> recorded 200 body
	dropNextPost bool              // lose the answer of the next POST /transfers
	lastQuery    string
}

func startWalletsFake() *walletsFake {
	f := &walletsFake{transfers: map[string]*mangopay.Transfer{}, links: map[string]string{}, responses: map[string][]byte{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v2.01/oauth/token", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"access_token": "demo-token", "token_type": "bearer", "expires_in": 1200})
	})
	mux.HandleFunc("GET /v2.01/{client}/wallets/{id}", f.getWallet)
	mux.HandleFunc("GET /v2.01/{client}/wallets/{id}/transactions", f.listTransactions)
	mux.HandleFunc("POST /v2.01/{client}/transfers", f.createTransfer)
	mux.HandleFunc("GET /v2.01/{client}/transfers/{id}", f.getTransfer)
	mux.HandleFunc("GET /v2.01/{client}/responses/{key}", f.getResponse)
	f.srv = httptest.NewUnstartedServer(mux)
	f.srv.Config.SetKeepAlivesEnabled(false) // a dropped answer is then a plain connection failure
	f.srv.Start()
	f.URL = f.srv.URL
	return f
}

func (f *walletsFake) Close() { f.srv.Close() }

// with runs fn under the fake's lock (to set it up or read its state).
func (f *walletsFake) with(fn func(f *walletsFake)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// newLink registers an SCA session for transfer id ("" for wallet access).
func (f *walletsFake) newLink(transferID string) string {
	token := "sca_" + strconv.Itoa(len(f.links)+1)
	f.links[token] = transferID
	return "https://sca.sandbox.mangopay.com/?token=" + token
}

// userPassesSca plays the user's part on the hosted page: it approves the
// session behind link.
func (f *walletsFake) userPassesSca(link string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, token, _ := strings.Cut(link, "token=")
	token, _, _ = strings.Cut(token, "&")
	id, ok := f.links[token]
	switch {
	case !ok:
	case id == "":
		f.walletScaOK = true
	default:
		t := f.transfers[id]
		t.Status, t.ResultCode, t.ResultMessage = mangopay.TransferStatusSucceeded, "000000", "Success"
		t.ExecutionDate = &mangopay.Time{Time: time.Unix(1744614300, 0)}
		t.PendingUserAction = nil
	}
}

func (f *walletsFake) getWallet(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.URL.Query().Get("ScaContext") == "USER_PRESENT" && !f.walletScaOK {
		w.Header().Set("WWW-Authenticate", "PendingUserAction RedirectUrl="+f.newLink(""))
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	writeJSON(w, http.StatusOK, mangopay.Wallet{
		ID: r.PathValue("id"), Owners: []string{exUserID}, Description: "Main wallet",
		Balance: mangopay.Money{Currency: "EUR", Amount: 99800}, Currency: "EUR",
		FundsType: mangopay.FundsTypeDefault, CreationDate: mangopay.TimeOf(time.Unix(1719348029, 0)),
	})
}

func (f *walletsFake) listTransactions(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastQuery = r.URL.RawQuery
	all := []mangopay.Transaction{
		{ID: "payin_m_01", Status: mangopay.TransactionStatusSucceeded, Type: mangopay.TransactionTypePayin, DebitedFunds: mangopay.Money{Currency: "EUR", Amount: 100000}},
		{ID: "xfer_m_02", Status: mangopay.TransactionStatusFailed, Type: mangopay.TransactionTypeTransfer, ResultCode: mangopay.ResultCodeTransferAuthExpired, DebitedFunds: mangopay.Money{Currency: "EUR", Amount: 60000}},
		{ID: "xfer_m_03", Status: mangopay.TransactionStatusSucceeded, Type: mangopay.TransactionTypeTransfer, DebitedFunds: mangopay.Money{Currency: "EUR", Amount: 200}},
	}
	if st := r.URL.Query().Get("Status"); st != "" {
		kept := all[:0]
		for _, t := range all {
			if strings.Contains(","+st+",", ","+string(t.Status)+",") {
				kept = append(kept, t)
			}
		}
		all = kept
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	perPage, _ := strconv.Atoi(r.URL.Query().Get("per_page"))
	page, perPage = max(page, 1), max(perPage, 10)
	from, to := min((page-1)*perPage, len(all)), min(page*perPage, len(all))
	w.Header().Set("X-Number-Of-Pages", strconv.Itoa((len(all)+perPage-1)/perPage))
	w.Header().Set("X-Number-Of-Items", strconv.Itoa(len(all)))
	writeJSON(w, http.StatusOK, all[from:to])
}

func (f *walletsFake) createTransfer(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := r.Header.Get("Idempotency-Key")
	if _, used := f.responses[key]; used {
		writeJSON(w, http.StatusConflict, map[string]any{"Message": "A resource has already been created with this Idempotency Key",
			"Type": "idempotent_creation_conflict", "Id": "demo", "Date": 1744614179, "errors": nil})
		return
	}
	var in mangopay.CreateTransferRequest
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"Message": err.Error(), "Type": "param_error"})
		return
	}
	t := &mangopay.Transfer{
		ID: "xfer_m_" + strconv.Itoa(100+len(f.transfers)), AuthorID: in.AuthorID,
		DebitedFunds: in.DebitedFunds, Fees: in.Fees,
		CreditedFunds:   mangopay.Money{Currency: in.DebitedFunds.Currency, Amount: in.DebitedFunds.Amount - in.Fees.Amount},
		DebitedWalletID: in.DebitedWalletID, CreditedWalletID: in.CreditedWalletID, Tag: in.Tag,
		Type: mangopay.TransactionTypeTransfer, Nature: mangopay.TransactionNatureRegular,
		ScaContext: in.ScaContext, CreationDate: mangopay.TimeOf(time.Unix(1744614179, 0)),
	}
	if in.ScaContext != mangopay.ScaUserNotPresent && in.DebitedFunds.Amount > 50000 {
		t.Status = mangopay.TransferStatusCreated
		t.PendingUserAction = &mangopay.PendingUserAction{RedirectURL: f.newLink(t.ID)}
	} else {
		t.Status, t.ResultCode, t.ResultMessage = mangopay.TransferStatusSucceeded, "000000", "Success"
		t.ExecutionDate = &mangopay.Time{Time: time.Unix(1744614180, 0)}
	}
	f.transfers[t.ID] = t
	body, _ := json.Marshal(t)
	f.responses[key] = body
	if f.dropNextPost { // the transfer exists, but its answer never arrives
		f.dropNextPost = false
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	writeJSON(w, http.StatusOK, t)
}

func (f *walletsFake) getTransfer(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.transfers[r.PathValue("id")]
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]any{"Message": "The ressource does not exist", "Type": "ressource_not_found"})
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (f *walletsFake) getResponse(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	body, ok := f.responses[r.PathValue("key")]
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]any{"Message": "The ressource does not exist", "Type": "ressource_not_found"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"StatusCode": "200", "ContentType": "application/json; charset=utf-8",
		"Date": "Mon, 14 Apr 2025 07:02:59 GMT", "Resource": json.RawMessage(body),
		"RequestURL": "http://" + r.Host + "/v2.01/" + r.PathValue("client") + "/transfers"}) // the fake records transfers only
}

// README "Quick start".
func ExampleWalletsService_Get() {
	fake := startWalletsFake()
	defer fake.Close()
	fake.with(func(f *walletsFake) { f.walletScaOK = true }) // the user passed wallet-access SCA in the last 180 days
	ctx := context.Background()
	clientID, apiKey, walletID := exClientID, exAPIKey, exWalletID

	c, err := mangopay.New(clientID, apiKey, mangopay.WithBaseURL(fake.URL)) // README: sandbox by default
	if err != nil {
		log.Fatal(err)
	}
	w, err := c.Wallets.Get(ctx, walletID, mangopay.ScaUserPresent)
	if err != nil {
		log.Fatal(err) // a *mangopay.ScaRequiredError if the user must authenticate first: see "Wallet access"
	}
	fmt.Println(w.ID, w.Balance)
	// Output: wlt_m_01J18J1SQGG6KXNM3F8GD674TP EUR 998.00
}

// README "Wallet access": view a wallet, redirect the user on SCA, read again
// after they come back.
func ExampleWalletsService_Get_scaRedirect() {
	fake := startWalletsFake()
	defer fake.Close()
	c, err := mangopay.New(exClientID, exAPIKey, mangopay.WithBaseURL(fake.URL))
	if err != nil {
		log.Fatal(err)
	}
	walletID := exWalletID

	// The platform's page showing the balance.
	showWallet := func(rw http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		w, err := c.Wallets.Get(ctx, walletID, mangopay.ScaUserPresent)
		if sca, ok := mangopay.AsScaRequired(err); ok {
			// No wallet: the user must first authenticate on Mangopay's page.
			to, err := sca.RedirectURLWithReturn("https://platform.example/wallet?sca=done")
			if err != nil {
				return err
			}
			http.Redirect(rw, r, to, http.StatusSeeOther)
			return nil
		}
		if err != nil {
			return err
		}
		fmt.Fprintln(rw, "Balance:", w.Balance)
		return nil
	}

	// The platform's handler behind the return URL.
	scaDone := func(rw http.ResponseWriter, r *http.Request) error {
		// controlStatus is only a hint, and there is no webhook for wallet
		// access: read the wallet again.
		if status, err := mangopay.ParseReturn(r); err != nil || status != mangopay.ControlStatusValidated {
			fmt.Fprintln(rw, "Authentication did not complete:", status)
			return nil
		}
		return showWallet(rw, r)
	}

	// 1. The user opens the page: Mangopay demands SCA (401 + WWW-Authenticate).
	rec := httptest.NewRecorder()
	if err := showWallet(rec, httptest.NewRequest(http.MethodGet, "https://platform.example/wallet", nil)); err != nil {
		log.Fatal(err)
	}
	link := rec.Header().Get("Location")
	fmt.Println(rec.Code, link)

	// 2. The user authenticates on the hosted page, which sends them back.
	fake.userPassesSca(link)
	rec = httptest.NewRecorder()
	if err := scaDone(rec, httptest.NewRequest(http.MethodGet, "https://platform.example/wallet?sca=done&controlStatus=VALIDATED", nil)); err != nil {
		log.Fatal(err)
	}
	fmt.Print(rec.Body.String())
	// Output:
	// 303 https://sca.sandbox.mangopay.com/?token=sca_1&returnUrl=https%3A%2F%2Fplatform.example%2Fwallet%3Fsca%3Ddone
	// Balance: EUR 998.00
}

// README "Wallet access": filtering transactions.
func ExampleTransactionsService_ListByWallet() {
	fake := startWalletsFake()
	defer fake.Close()
	fake.with(func(f *walletsFake) { f.walletScaOK = true })
	c, err := mangopay.New(exClientID, exAPIKey, mangopay.WithBaseURL(fake.URL))
	if err != nil {
		log.Fatal(err)
	}
	ctx, walletID := context.Background(), exWalletID

	page, err := c.Transactions.ListByWallet(ctx, walletID, mangopay.ScaUserPresent, &mangopay.TransactionListOptions{
		ListOptions: mangopay.ListOptions{PerPage: 50, Sort: mangopay.SortCreationDateDesc},
		Status:      []mangopay.TransactionStatus{mangopay.TransactionStatusSucceeded, mangopay.TransactionStatusFailed},
		Type:        []mangopay.TransactionType{mangopay.TransactionTypeTransfer},
		AfterDate:   time.Date(2025, time.April, 1, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		log.Fatal(err)
	}
	fake.with(func(f *walletsFake) { fmt.Println(f.lastQuery) })
	fmt.Println(page.TotalItems, "transactions")
	// Output:
	// AfterDate=1743465600&ScaContext=USER_PRESENT&Sort=CreationDate%3ADESC&Status=SUCCEEDED%2CFAILED&Type=TRANSFER&per_page=50
	// 3 transactions
}

// README "Pagination".
func ExampleTransactionsService_AllByWallet() {
	fake := startWalletsFake()
	defer fake.Close()
	fake.with(func(f *walletsFake) { f.walletScaOK = true })
	c, err := mangopay.New(exClientID, exAPIKey, mangopay.WithBaseURL(fake.URL))
	if err != nil {
		log.Fatal(err)
	}
	ctx, walletID := context.Background(), exWalletID

	err = func() error {
		for tx, err := range c.Transactions.AllByWallet(ctx, walletID, mangopay.ScaUserPresent, nil) {
			if err != nil {
				return err
			}
			fmt.Println(tx.ID, tx.Status, tx.DebitedFunds)
		}
		return nil
	}()
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// payin_m_01 SUCCEEDED EUR 1000.00
	// xfer_m_02 FAILED EUR 600.00
	// xfer_m_03 SUCCEEDED EUR 2.00
}

// README "Transfers": a transfer that needs SCA, then its confirmation.
func ExampleTransfersService_Create_sca() {
	fake := startWalletsFake()
	defer fake.Close()
	c, err := mangopay.New(exClientID, exAPIKey, mangopay.WithBaseURL(fake.URL))
	if err != nil {
		log.Fatal(err)
	}
	payerID, payerWalletID, sellerWalletID, orderID := exUserID, exWalletID, exSellerWallet, "order-2025-000042"
	saved := map[string]string{} // the platform's orders table
	saveTransferID := func(orderID, transferID string) { saved[orderID] = transferID }
	loadTransferID := func(orderID string) string { return saved[orderID] }

	// The platform's checkout handler.
	pay := func(rw http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		t, err := c.Transfers.Create(ctx, &mangopay.CreateTransferRequest{
			AuthorID:         payerID,
			DebitedFunds:     mangopay.Money{Currency: "EUR", Amount: 60000}, // EUR 600.00
			Fees:             mangopay.Money{Currency: "EUR", Amount: 0},
			DebitedWalletID:  payerWalletID,
			CreditedWalletID: sellerWalletID,
			ScaContext:       mangopay.ScaUserPresent,
		}, mangopay.WithIdempotencyKey(orderID))
		if sca, ok := mangopay.AsScaRequired(err); ok {
			saveTransferID(orderID, t.ID) // the transfer exists, status CREATED
			to, err := sca.RedirectURLWithReturn("https://platform.example/orders/" + orderID + "/paid")
			if err != nil {
				return err
			}
			http.Redirect(rw, r, to, http.StatusSeeOther)
			return nil
		}
		if err != nil {
			return err
		}
		saveTransferID(orderID, t.ID)
		fmt.Fprintln(rw, "Paid:", t.Status)
		return nil
	}

	// The handler behind the return URL: confirm with a GET (controlStatus
	// is only a hint; the TRANSFER_NORMAL_* webhooks also tell).
	paid := func(rw http.ResponseWriter, r *http.Request) error {
		t, err := c.Transfers.Get(r.Context(), loadTransferID(orderID))
		if err != nil && !errors.Is(err, mangopay.ErrScaRequired) { // a CREATED transfer repeats its link
			return err
		}
		switch {
		case t.Status == mangopay.TransferStatusSucceeded:
			fmt.Fprintln(rw, "Paid:", t.ID, t.CreditedFunds)
		case t.ResultCode == mangopay.ResultCodeTransferAuthFailed, t.ResultCode == mangopay.ResultCodeTransferAuthExpired:
			fmt.Fprintln(rw, "Authentication failed or expired: start a new payment")
		default:
			fmt.Fprintln(rw, "Still waiting:", t.Status)
		}
		return nil
	}

	rec := httptest.NewRecorder()
	if err := pay(rec, httptest.NewRequest(http.MethodPost, "https://platform.example/orders/"+orderID+"/pay", nil)); err != nil {
		log.Fatal(err)
	}
	link := rec.Header().Get("Location")
	fmt.Println(rec.Code, saved[orderID], link)

	fake.userPassesSca(link)
	rec = httptest.NewRecorder()
	if err := paid(rec, httptest.NewRequest(http.MethodGet, "https://platform.example/orders/"+orderID+"/paid?controlStatus=VALIDATED", nil)); err != nil {
		log.Fatal(err)
	}
	fmt.Print(rec.Body.String())
	// Output:
	// 303 xfer_m_100 https://sca.sandbox.mangopay.com/?token=sca_1&returnUrl=https%3A%2F%2Fplatform.example%2Forders%2Forder-2025-000042%2Fpaid
	// Paid: xfer_m_100 EUR 600.00
}

// README "Retries and idempotency": the answer of the first POST is lost; the
// retry, under the same key, is resolved through GET /responses/{key}.
func ExampleTransfersService_Create_idempotency() {
	fake := startWalletsFake()
	defer fake.Close()
	fake.with(func(f *walletsFake) { f.dropNextPost = true })
	c, err := mangopay.New(exClientID, exAPIKey, mangopay.WithBaseURL(fake.URL),
		mangopay.WithRetryWait(time.Millisecond, 10*time.Millisecond)) // short waits for the example
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	in := &mangopay.CreateTransferRequest{
		AuthorID:         exUserID,
		DebitedFunds:     mangopay.Money{Currency: "EUR", Amount: 3001},
		Fees:             mangopay.Money{Currency: "EUR", Amount: 0},
		DebitedWalletID:  exWalletID,
		CreditedWalletID: exSellerWallet,
	}

	err = func() error {
		var meta mangopay.Response
		t, err := c.Transfers.Create(ctx, in, mangopay.WithIdempotencyKey("order-2025-000042"), mangopay.CaptureResponse(&meta))
		if err != nil {
			return err
		}
		fmt.Println(t.ID, t.Status, meta.IdempotencyKey, meta.Attempts, meta.Recovered)
		return nil
	}()
	if err != nil {
		log.Fatal(err)
	}
	fake.with(func(f *walletsFake) { fmt.Println("transfers created:", len(f.transfers)) })
	// Output:
	// xfer_m_100 SUCCEEDED order-2025-000042 2 true
	// transfers created: 1
}
