package mangopay

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOpName: the names of functions in a stack trace become the ops local
// checks report, closures (even inlined into their caller) included.
func TestOpName(t *testing.T) {
	t.Parallel()
	for fn, want := range map[string]string{
		pkgPrefix + "(*WalletsService).Get":                         "Wallets.Get",
		pkgPrefix + "(*WalletsService).AllByUser.func1":             "Wallets.AllByUser",
		pkgPrefix + "TestX.(*WalletsService).AllByUser.func1":       "Wallets.AllByUser",
		"example.com/app.handler.(*TransfersService).Create.func2":  "Transfers.Create",
		pkgPrefix + "(*Client).Do":                                  "Do",
		pkgPrefix + "(*Client).do":                                  "",
		pkgPrefix + "Path":                                          "Path",
		pkgPrefix + "Path.func1":                                    "Path",
		pkgPrefix + "callPath[...]":                                 "",
		pkgPrefix + "pathf":                                         "",
		pkgPrefix + "(*ScaRequiredError).RedirectURLWithReturn":     "ScaRequiredError.RedirectURLWithReturn",
		pkgPrefix + "ScaContext.Valid":                              "ScaContext.Valid",
		pkgPrefix + "(*problemList).add":                            "",
		pkgPrefix + "(*IdentityVerificationsService).Create":        "IdentityVerifications.Create",
		"github.com/scaforge/mangopay_test.TestEveryLocalCheck":     "",
		"github.com/scaforge/mangopay/mangopaytest.(*Server).Start": "Server.Start",
	} {
		assert.Equal(t, want, opName(fn), fn)
	}
}

// TestIDCheckInsideWebhookCallbackNamesTheCall: a method called from a
// webhook handler's function reports itself, not the handler that runs the
// function (the platform's frame ends the walk).
func TestIDCheckInsideWebhookCallbackNamesTheCall(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	c, err := New("acme", "key", WithHTTPClient(&http.Client{Transport: mt}))
	require.NoError(t, err)
	var seen error
	h, err := NewWebhookHandler(func(ctx context.Context, ev Event) error {
		_, seen = c.Wallets.Get(ctx, ev.ResourceID+"/x", "")
		return nil
	})
	require.NoError(t, err)
	require.NoError(t, h.Process(context.Background(), Event{Type: EventUserAccountActivated, ResourceID: "w1", Date: time.Now()}))
	var ve *ValidationError
	require.True(t, errors.As(seen, &ve), "%v", seen)
	assert.Equal(t, "Wallets.Get", ve.Op)
	assert.Equal(t, []FieldProblem{{Field: "id", Problem: `"w1/x" contains '/', '\', '?' or '#'`}}, ve.Problems)
	assert.ErrorIs(t, seen, ErrInvalidID)
	assert.ErrorIs(t, seen, ErrInvalidRequest)
	assert.Zero(t, mt.GetTotalCallCount())
}
