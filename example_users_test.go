package mangopay_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/scaforge/mangopay"
)

// usersFakeMangopay is a tiny stand-in for Mangopay so that the examples run
// offline. It answers with the shapes of the documented examples.
func usersFakeMangopay() *httptest.Server {
	const prefix = "/v2.01/demo-client"
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, status int, body string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
	mux.HandleFunc("POST /v2.01/oauth/token", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"access_token":"demo-token","token_type":"bearer","expires_in":1200}`)
	})
	mux.HandleFunc("POST "+prefix+"/sca/users/natural", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"Id":"user_m_01JF7AP1M46TR0JH7WBGPWK7D7","PersonType":"NATURAL",
			"FirstName":"Alex","LastName":"Smith","Email":"alex.smith@example.com","Birthday":652060800,
			"UserCategory":"OWNER","UserStatus":"PENDING_USER_ACTION","TermsAndConditionsAccepted":true,
			"PendingUserAction":{"RedirectUrl":"https://sca.sandbox.mangopay.com/?token=0193ceab0948799a9af9726fb852fb98"}}`)
	})
	mux.HandleFunc("GET "+prefix+"/sca/users/{id}", func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.PathValue("id"), "user_m_legal") {
			reply(w, 200, `{"Id":"`+r.PathValue("id")+`","PersonType":"LEGAL","Name":"Alex Smith Services",
				"LegalPersonType":"SOLETRADER","UserCategory":"OWNER","UserStatus":"ACTIVE",
				"LegalRepresentative":{"FirstName":"Alex","LastName":"Smith"},"PendingUserAction":null}`)
			return
		}
		reply(w, 200, `{"Id":"`+r.PathValue("id")+`","PersonType":"NATURAL","FirstName":"Alex","LastName":"Smith",
			"UserCategory":"OWNER","UserStatus":"ACTIVE","PendingUserAction":null}`)
	})
	mux.HandleFunc("GET "+prefix+"/sca/users/{id}/sca-status", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 404, `{"Message":"The ressource does not exist","Type":"ressource_not_found","Id":"e1","Date":1768000000,"errors":null}`)
	})
	mux.HandleFunc("POST "+prefix+"/sca/users/{id}/enrollment", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"PendingUserAction":{"RedirectUrl":"https://sca.sandbox.mangopay.com/?token=0193cf51ed367151a0cb1c59def21e13"}}`)
	})
	return httptest.NewServer(mux)
}

// The register-an-owner flow: create the user, keep its id, and redirect the
// user's browser to Mangopay's SCA page with the platform's return URL.
func ExampleUsersService_CreateNatural() {
	srv := usersFakeMangopay()
	defer srv.Close()
	c, err := mangopay.New("demo-client", "demo-api-key",
		mangopay.WithBaseURL(srv.URL), mangopay.WithHTTPClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	u, err := c.Users.CreateNatural(ctx, &mangopay.CreateNaturalUserRequest{
		UserCategory:               mangopay.UserCategoryOwner,
		TermsAndConditionsAccepted: mangopay.Ptr(true),
		FirstName:                  "Alex",
		LastName:                   "Smith",
		Email:                      "alex.smith@example.com",
		Birthday:                   mangopay.NewDate(1990, time.August, 31),
		Nationality:                "FR",
		CountryOfResidence:         "FR",
		PhoneNumber:                "+33611111111",
		ScaContext:                 mangopay.ScaUserPresent,
	})
	if sca, ok := mangopay.AsScaRequired(err); ok {
		// The user exists: store u.ID before redirecting.
		fmt.Println("created", u.ID, u.UserStatus)
		to, err := sca.RedirectURLWithReturn("https://platform.example/sca/done?user="+u.ID, mangopay.WithLang("en"))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("redirect to", to) // in a handler: http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("created", u.ID, "without SCA") // a PAYER
	// Output:
	// created user_m_01JF7AP1M46TR0JH7WBGPWK7D7 PENDING_USER_ACTION
	// redirect to https://sca.sandbox.mangopay.com/?token=0193ceab0948799a9af9726fb852fb98&returnUrl=https%3A%2F%2Fplatform.example%2Fsca%2Fdone%3Fuser%3Duser_m_01JF7AP1M46TR0JH7WBGPWK7D7&lang=en
}

// When the user comes back from the SCA page, read controlStatus, then
// confirm with a GET: controlStatus travels through the browser and can be forged.
func ExampleParseReturn() {
	srv := usersFakeMangopay()
	defer srv.Close()
	c, err := mangopay.New("demo-client", "demo-api-key",
		mangopay.WithBaseURL(srv.URL), mangopay.WithHTTPClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}
	// What Mangopay's page sends the browser back to:
	r := httptest.NewRequest(http.MethodGet, "https://platform.example/sca/done?user=user_m_01JF7AP1M46TR0JH7WBGPWK7D7&controlStatus=VALIDATED", nil)

	status, err := mangopay.ParseReturn(r)
	if err != nil {
		log.Fatal(err)
	}
	u, err := c.Users.Get(r.Context(), r.URL.Query().Get("user"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(status, u.UserStatus == mangopay.UserStatusActive)
	// Output: VALIDATED true
}

// Get returns natural and legal users alike; PersonType picks the typed view.
func ExampleUsersService_Get() {
	srv := usersFakeMangopay()
	defer srv.Close()
	c, err := mangopay.New("demo-client", "demo-api-key",
		mangopay.WithBaseURL(srv.URL), mangopay.WithHTTPClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	for _, id := range []string{"user_m_01JF7AP1M46TR0JH7WBGPWK7D7", "user_m_legal_01"} {
		u, err := c.Users.Get(ctx, id)
		if err != nil {
			log.Fatal(err)
		}
		if n, ok := u.Natural(); ok {
			fmt.Println(u.PersonType, n.FirstName, n.LastName, u.UserStatus)
		} else if l, ok := u.Legal(); ok {
			fmt.Println(u.PersonType, l.Name, l.LegalPersonType, u.UserStatus)
		}
	}
	// Output:
	// NATURAL Alex Smith ACTIVE
	// LEGAL Alex Smith Services SOLETRADER ACTIVE
}

// ScaStatus tells whether a user ever enrolled; for one who never did, Enroll
// opens a session.
func ExampleUsersService_ScaStatus() {
	srv := usersFakeMangopay()
	defer srv.Close()
	c, err := mangopay.New("demo-client", "demo-api-key",
		mangopay.WithBaseURL(srv.URL), mangopay.WithHTTPClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	id := "user_m_01JF7AP1M46TR0JH7WBGPWK7D7"

	st, err := c.Users.ScaStatus(ctx, id)
	switch {
	case errors.Is(err, mangopay.ErrNotEnrolled):
		_, err := c.Users.Enroll(ctx, id)
		if sca, ok := mangopay.AsScaRequired(err); ok {
			fmt.Println("never enrolled; enrollment link:", sca.RedirectURL)
		}
	case err != nil:
		log.Fatal(err)
	default:
		fmt.Println("enrolled:", st.IsEnrolled, "transfer consent:", st.ConsentScope.Transfer)
	}
	// Output: never enrolled; enrollment link: https://sca.sandbox.mangopay.com/?token=0193cf51ed367151a0cb1c59def21e13
}
