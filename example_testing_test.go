package mangopay_test

// The README's "Testing your code" shows three ways to test platform code;
// the emulator one is mangopaytest/readme_test.go, the other two are here.

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scaforge/mangopay"
	"github.com/scaforge/mangopay/mangopaytest"
)

// README "Testing your code", with httpmock: a token responder, the API's
// /v2.01/{ClientId} prefix, and WithMaxRetries(0) so that a request with no
// responder fails at once rather than after about a second of retries.
func Example_testingWithHTTPMock() {
	mt := httpmock.NewMockTransport()                    // one per test: httpmock.Activate is global and breaks t.Parallel
	const api = "https://api.sandbox.mangopay.com/v2.01" // SandboxURL + /v2.01
	mt.RegisterResponder(http.MethodPost, api+"/oauth/token",
		httpmock.NewStringResponder(200, `{"access_token":"t0k","token_type":"Bearer","expires_in":3600}`))
	mt.RegisterResponder(http.MethodGet, api+"/acme/transfers/xfer_1", // every other path is under /v2.01/{ClientId}
		httpmock.NewStringResponder(200, `{"Id":"xfer_1","Status":"SUCCEEDED","DebitedFunds":{"Currency":"EUR","Amount":2500}}`))

	c, err := mangopay.New("acme", "test-api-key",
		mangopay.WithHTTPClient(&http.Client{Transport: mt}),
		mangopay.WithMaxRetries(0), // else a request httpmock cannot answer is retried for ~1 s
	)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	tr, err := c.Transfers.Get(ctx, "xfer_1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tr.Status, tr.DebitedFunds.Amount)

	_, err = c.Transfers.Get(ctx, "xfer_2") // no responder: an error at once
	fmt.Println(err != nil, mt.GetCallCountInfo()["GET "+api+"/acme/transfers/xfer_1"])
	// Output:
	// SUCCEEDED 2500
	// true 1
}

// TransferCreator is the one SDK method startPayment needs. *mangopay.TransfersService
// has it, and so does a test's fake.
type TransferCreator interface {
	Create(ctx context.Context, in *mangopay.CreateTransferRequest, opts ...mangopay.RequestOption) (*mangopay.Transfer, error)
}

var _ TransferCreator = (*mangopay.TransfersService)(nil) // in production: startPayment(ctx, c.Transfers, in)

// startPayment is platform code: it returns where to send the user, or "" when
// the transfer needed no SCA.
func startPayment(ctx context.Context, t TransferCreator, in *mangopay.CreateTransferRequest) (string, error) {
	tr, err := t.Create(ctx, in)
	if sca, ok := mangopay.AsScaRequired(err); ok {
		return sca.RedirectURLWithReturn("https://platform.example/sca/done?transfer=" + tr.ID)
	}
	return "", err
}

// fakeTransfers answers as Mangopay does above the SCA threshold, with
// values built by mangopaytest's constructors.
type fakeTransfers struct{}

func (fakeTransfers) Create(context.Context, *mangopay.CreateTransferRequest, ...mangopay.RequestOption) (*mangopay.Transfer, error) {
	return &mangopay.Transfer{ID: "xfer_1", Status: mangopay.TransferStatusCreated},
		mangopaytest.NewScaRequired("https://sca.mangopay.com/?token=abc", time.Now().Add(mangopay.ScaSessionLifetime))
}

// README "Testing your code", with a small interface of your own.
func Example_testingWithAnInterface() {
	to, err := startPayment(context.Background(), fakeTransfers{}, &mangopay.CreateTransferRequest{})
	fmt.Println(to, err)
	// Output:
	// https://sca.mangopay.com/?token=abc&returnUrl=https%3A%2F%2Fplatform.example%2Fsca%2Fdone%3Ftransfer%3Dxfer_1 <nil>
}

// TestReadmeTestingSnippetsAreExamples keeps the README's httpmock and
// interface snippets in step with the Examples above: every line of each
// snippet is a line of this file (white space folded).
func TestReadmeTestingSnippetsAreExamples(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	self, err := os.ReadFile("example_testing_test.go")
	require.NoError(t, err)
	lines := map[string]bool{}
	for _, l := range strings.Split(string(self), "\n") {
		lines[strings.Join(strings.Fields(l), " ")] = true // gofmt aligns comments
	}
	for _, heading := range []string{"### With httpmock", "### With a small interface of your own"} {
		m := regexp.MustCompile("(?s)" + regexp.QuoteMeta(heading) + "\n.*?```go\n(.*?)```").FindSubmatch(readme)
		require.NotNil(t, m, "README has a Go snippet under %q", heading)
		for _, l := range strings.Split(string(m[1]), "\n") {
			if l = strings.Join(strings.Fields(l), " "); l != "" {
				assert.True(t, lines[l], "README line under %q is not in example_testing_test.go: %s", heading, l)
			}
		}
	}
}
