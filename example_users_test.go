package mangopay_test

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
	active := u.UserStatus == mangopay.UserStatusActive // the real outcome
	fmt.Println(status, active)
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

// readmeGlue are README snippet lines that stand for a platform's own code
// (a handler's returns and redirects, its storage and rendering): the
// compiled Examples print or log.Fatal instead.
var readmeGlue = []string{"return err", "return nil", "return", "http.Redirect(w, r, to, http.StatusSeeOther)",
	"saveRecipient(", "renderInput(", "return showProblems("}

// snippetLines normalizes Go source for comparison: trimmed lines without
// blank lines, comment lines and trailing comments.
func snippetLines(src string) []string {
	var out []string
	for _, l := range strings.Split(src, "\n") {
		l = strings.TrimSpace(l)
		inQuote := false
		for i := 0; i < len(l); i++ {
			switch {
			case l[i] == '"' && (i == 0 || l[i-1] != '\\'):
				inQuote = !inQuote
			case !inQuote && strings.HasPrefix(l[i:], "//"):
				l = strings.TrimSpace(l[:i])
				i = len(l)
			}
		}
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// readmeSnippets returns the ```go blocks of the README section "## title".
func readmeSnippets(t *testing.T, readme, title string) []string {
	t.Helper()
	start := strings.Index(readme, "\n## "+title+"\n")
	require.GreaterOrEqual(t, start, 0, "README has no section %q", title)
	sec := readme[start+len(title)+5:]
	if end := strings.Index(sec, "\n## "); end >= 0 {
		sec = sec[:end]
	}
	var blocks []string
	for {
		i := strings.Index(sec, "```go\n")
		if i < 0 {
			return blocks
		}
		sec = sec[i+len("```go\n"):]
		j := strings.Index(sec, "\n```")
		require.GreaterOrEqual(t, j, 0, "unterminated code block in %q", title)
		blocks = append(blocks, sec[:j])
		sec = sec[j+4:]
	}
}

// exampleBody returns the source of the body of function name in file.
func exampleBody(t *testing.T, file, name string) string {
	t.Helper()
	src, err := os.ReadFile(file)
	require.NoError(t, err)
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, src, parser.ParseComments)
	require.NoError(t, err)
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Name.Name == name {
			return string(src[fset.Position(fn.Body.Lbrace).Offset+1 : fset.Position(fn.Body.Rbrace).Offset])
		}
	}
	t.Fatalf("%s has no func %s", file, name)
	return ""
}

// TestReadmeSnippetsMirrorExamples checks that each README snippet of the
// "SCA handling", "Users" and "Recipients" sections is its compiled
// Example's code: every line of the snippet, glue aside, appears in the
// Example in the same order.
func TestReadmeSnippetsMirrorExamples(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("README.md")
	require.NoError(t, err)
	readme := string(b)
	cases := []struct {
		section string
		block   int
		file    string
		example string
	}{
		{"SCA handling", 0, "example_users_test.go", "ExampleUsersService_CreateNatural"},
		{"SCA handling", 1, "example_users_test.go", "ExampleParseReturn"},
		{"SCA handling", 2, "example_test.go", "ExampleTransfersService_Get_pending"},
		{"Users", 0, "example_users_test.go", "ExampleUsersService_Get"},
		{"Recipients", 0, "example_recipients_test.go", "ExampleRecipientSchema_Check"},
		{"Recipients", 1, "example_recipients_test.go", "ExampleRecipientsService_Create"},
		{"Payouts", 0, "example_payouts_test.go", "ExamplePayoutsService_Create"},
		{"Payouts", 1, "example_idv_test.go", "ExampleIdentityVerificationsService_Create"},
		{"Refunds", 0, "example_payouts_test.go", "ExampleRefundsService_CreateForTransfer"},
		{"Events and catching up", 0, "example_payouts_test.go", "ExampleEventsService_Replay"},
		{"Authentication and mTLS", 0, "example_client_test.go", "ExampleMarshalToken"},
		{"Authentication and mTLS", 1, "example_client_test.go", "ExampleWithClientCertificate"},
	}
	counts := map[string]int{}
cases:
	for _, tc := range cases {
		counts[tc.section]++
		blocks := readmeSnippets(t, readme, tc.section)
		require.Greater(t, len(blocks), tc.block, "README %q has too few snippets", tc.section)
		body := snippetLines(exampleBody(t, tc.file, tc.example))
		n, at := 0, 0
	lines:
		for _, l := range snippetLines(blocks[tc.block]) {
			for _, g := range readmeGlue {
				if l == g || (strings.HasSuffix(g, "(") && strings.HasPrefix(l, g)) {
					continue lines
				}
			}
			n++
			for at < len(body) && body[at] != l {
				at++
			}
			if !assert.Less(t, at, len(body), "README %q snippet %d: line %q is not in %s (in order)", tc.section, tc.block, l, tc.example) {
				continue cases
			}
			at++
		}
		assert.Greater(t, n, 3, "README %q snippet %d compared", tc.section, tc.block)
	}
	for _, sec := range []string{"SCA handling", "Users", "Recipients", "Payouts", "Refunds", "Events and catching up", "Authentication and mTLS"} {
		assert.Len(t, readmeSnippets(t, readme, sec), counts[sec], "every snippet of README %q has its Example", sec)
	}
}
