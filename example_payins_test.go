package mangopay_test

import (
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/scaforge/mangopay"
)

// payinsFake answers like Mangopay for the README "Pay-ins" example: a
// direct card pay-in that needs a 3DS2 challenge, a web card pay-in (hosted
// payment page) and a transfer that needs SCA, each link on the fake's host.
func payinsFake() *httptest.Server {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		p := r.URL.Path[strings.Index(r.URL.Path, "/v2.01/")+len("/v2.01"):]
		switch {
		case p == "/oauth/token":
			fmt.Fprint(w, `{"access_token":"t","token_type":"bearer","expires_in":1200}`)
		case strings.HasSuffix(p, "/payins/card/direct"):
			_ = json.NewEncoder(w).Encode(map[string]any{"Id": "wt_direct", "Status": "CREATED", "PaymentType": "CARD", "ExecutionType": "DIRECT",
				"SecureModeNeeded": true, "SecureModeRedirectURL": srv.URL + "/3ds?id=wt_direct", "SecureModeReturnURL": "https://platform.example/back?transactionId=wt_direct"})
		case strings.HasSuffix(p, "/payins/card/web"):
			_ = json.NewEncoder(w).Encode(map[string]any{"Id": "wt_web", "Status": "CREATED", "PaymentType": "CARD", "ExecutionType": "WEB",
				"RedirectURL": srv.URL + "/pay?id=wt_web", "ReturnURL": "https://platform.example/back&transactionId=wt_web"})
		case strings.HasSuffix(p, "/transfers"):
			_ = json.NewEncoder(w).Encode(map[string]any{"Id": "xfer_1", "Status": "CREATED", "PendingUserAction": map[string]string{"RedirectUrl": srv.URL + "/sca?token=abc"}})
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	return srv
}

// redirectIfNeeded is the one branch a handler needs for every page
// Mangopay hosts: the SCA page, a 3DS2 challenge, the hosted payment page.
func redirectIfNeeded(rw http.ResponseWriter, r *http.Request, err error, returnURL string) (bool, error) {
	rd, ok := mangopay.AsRedirect(err)
	if !ok {
		return false, err
	}
	to, err := rd.RedirectURLWithReturn(returnURL)
	if err != nil {
		return true, err
	}
	http.Redirect(rw, r, to, http.StatusSeeOther)
	return true, nil
}

// README "Pay-ins": one handler serving SCA, 3DS2 and the hosted payment page
// with the same branch.
func Example_payInRedirects() {
	fake := payinsFake()
	defer fake.Close()
	host := strings.TrimPrefix(fake.URL, "http://")
	c, err := mangopay.New("demo-client", "demo-api-key", mangopay.WithBaseURL(fake.URL), mangopay.WithRedirectHosts(host))
	if err != nil {
		log.Fatal(err)
	}
	back := "https://platform.example/back"
	browser := &mangopay.BrowserInfo{AcceptHeader: "text/html", Language: "en-US", ColorDepth: 24, ScreenHeight: 1080,
		ScreenWidth: 1920, TimeZoneOffset: -60, UserAgent: "Mozilla/5.0", JavascriptEnabled: true}

	calls := map[string]func(r *http.Request) (string, error){
		"direct": func(r *http.Request) (string, error) {
			p, err := c.PayIns.CreateCardDirect(r.Context(), &mangopay.CreateCardDirectPayInRequest{
				AuthorID: "user_1", CreditedWalletID: "wlt_1", CardID: "card_1",
				DebitedFunds: mangopay.Money{Currency: "EUR", Amount: 2000}, Fees: mangopay.Money{Currency: "EUR", Amount: 100},
				SecureModeReturnURL: back, BrowserInfo: browser, IPAddress: "203.0.113.7",
			}, mangopay.WithIdempotencyKey("order-0001-direct-card"))
			if p == nil {
				return "", err
			}
			return p.ID, err
		},
		"web": func(r *http.Request) (string, error) {
			p, err := c.PayIns.CreateCardWeb(r.Context(), &mangopay.CreateCardWebPayInRequest{
				AuthorID: "user_1", CreditedWalletID: "wlt_1", Culture: "EN", CardType: mangopay.CardTypeCBVisaMastercard,
				DebitedFunds: mangopay.Money{Currency: "EUR", Amount: 2000}, Fees: mangopay.Money{Currency: "EUR", Amount: 0},
				ReturnURL: back,
			})
			if p == nil {
				return "", err
			}
			return p.ID, err
		},
		"transfer": func(r *http.Request) (string, error) {
			t, err := c.Transfers.Create(r.Context(), &mangopay.CreateTransferRequest{
				AuthorID: "user_1", DebitedWalletID: "wlt_1", CreditedWalletID: "wlt_2", ScaContext: mangopay.ScaUserPresent,
				DebitedFunds: mangopay.Money{Currency: "EUR", Amount: 60000}, Fees: mangopay.Money{Currency: "EUR"},
			})
			if t == nil {
				return "", err
			}
			return t.ID, err
		},
	}
	for _, name := range []string{"direct", "web", "transfer"} {
		rw := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodPost, "/checkout", nil)
		id, err := calls[name](r)
		// The same branch for all three:
		if done, err := redirectIfNeeded(rw, r, err, back+"?id="+id); err != nil {
			log.Fatal(err)
		} else if done {
			fmt.Println(name, id, rw.Code, strings.TrimPrefix(rw.Header().Get("Location"), fake.URL))
		}
	}
	// Output:
	// direct wt_direct 303 /3ds?id=wt_direct
	// web wt_web 303 /pay?id=wt_web
	// transfer xfer_1 303 /sca?token=abc&returnUrl=https%3A%2F%2Fplatform.example%2Fback%3Fid%3Dxfer_1
}
