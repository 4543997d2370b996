package mangopay_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scaforge/mangopay"
)

// kycFake answers the token call and POST /users/{id}/kyc/documents like
// Mangopay (docs.mangopay.com/api-reference/kyc-documents/create-kyc-document:
// Type, Tag in; Id, Status CREATED, UserId out).
func kycFake() *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v2.01/oauth/token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"demo","token_type":"bearer","expires_in":1200}`))
	})
	mux.HandleFunc("POST /v2.01/{client}/users/{user}/kyc/documents", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Type, Tag string }
		_ = json.NewDecoder(r.Body).Decode(&in)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"Id": "kyc_m_01HXYZ", "Type": in.Type, "Status": "CREATED",
			"UserId": r.PathValue("user"), "Tag": in.Tag, "CreationDate": 1714000000,
			"idempotency_key_seen": r.Header.Get("Idempotency-Key") != ""})
	})
	return httptest.NewServer(mux)
}

// README "Calling an endpoint the SDK does not wrap".
func ExampleClient_Do() {
	srv := kycFake()
	defer srv.Close()
	c, err := mangopay.New("demo-client", "demo-api-key", mangopay.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	userID := "user_m_01HQK1"

	// Your own types for the endpoint: POST /users/{UserId}/kyc/documents.
	type createKYCDocument struct {
		Type string `json:"Type"`
		Tag  string `json:"Tag,omitempty"`
	}
	type kycDocument struct {
		ID     string `json:"Id"`
		Type   string `json:"Type"`
		Status string `json:"Status"`
		UserID string `json:"UserId"`
	}
	path, err := mangopay.Path("/users/%s/kyc/documents", userID) // escapes and checks the id
	if err != nil {
		log.Fatal(err)
	}
	var doc kycDocument
	err = c.Do(ctx, http.MethodPost, path, createKYCDocument{Type: "IDENTITY_PROOF", Tag: "onboarding"}, &doc,
		mangopay.WithIdempotencyKey(mangopay.NewIdempotencyKey()), // persist it first if the call matters
		mangopay.WithRecoveryCheck(func(out any) error { // a recovered answer must be this request's
			if d := out.(*kycDocument); d.UserID != userID || d.Type != "IDENTITY_PROOF" {
				return fmt.Errorf("document %s is of user %s, type %s", d.ID, d.UserID, d.Type)
			}
			return nil
		}))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(doc.ID, doc.Type, doc.Status, doc.UserID)
	// Output: kyc_m_01HXYZ IDENTITY_PROOF CREATED user_m_01HQK1
}

// TestReadmeMoneySafetySnippetsAreExamples checks that the README snippets of
// "Surviving a crash" and "Calling an endpoint the SDK does not wrap" are
// their Examples' code, line by line in order (glue aside).
func TestReadmeMoneySafetySnippetsAreExamples(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("README.md")
	require.NoError(t, err)
	for _, tc := range []struct{ section, file, example string }{
		{"Surviving a crash", "example_crash_test.go", "ExampleNewIdempotencyKey"},
		{"Calling an endpoint the SDK does not wrap", "example_do_test.go", "ExampleClient_Do"},
	} {
		blocks := sectionSnippets(t, string(b), tc.section)
		require.Len(t, blocks, 1, tc.section)
		body := snippetLines(exampleBody(t, tc.file, tc.example))
		at, n := 0, 0
		for _, l := range snippetLines(blocks[0]) {
			if slices.Contains(readmeGlue, l) {
				continue
			}
			n++
			for at < len(body) && body[at] != l {
				at++
			}
			require.Less(t, at, len(body), "README %q: line %q is not in %s (in order)", tc.section, l, tc.example)
			at++
		}
		assert.Greater(t, n, 10, tc.section)
	}
}

// sectionSnippets returns the ```go blocks of the README section (## or ###)
// titled title, up to the next heading.
func sectionSnippets(t *testing.T, readme, title string) []string {
	t.Helper()
	start := strings.Index(readme, "# "+title+"\n")
	require.GreaterOrEqual(t, start, 0, "README has no section %q", title)
	sec := readme[start+len(title)+3:]
	if end := strings.Index(sec, "\n#"); end >= 0 {
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
