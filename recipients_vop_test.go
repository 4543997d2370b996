package mangopay

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A CLOSE_MATCH outcome as the VOP guide documents it decodes to the typed
// check, the message (with the name the bank returned) kept.
func TestRecipientVerificationOfPayeeCloseMatch(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/recipients/rec_01JV70P7J10PRZP0JQQ9CQZFN8",
		jsonResponder(200, `{"Id":"rec_01JV70P7J10PRZP0JQQ9CQZFN8","Status":"ACTIVE","Currency":"EUR","Country":"FR","PayoutMethodType":"LocalBankTransfer","RecipientScope":"PAYOUT",
		"RecipientVerificationOfPayee":{"RecipientVerificationId":"623d1eff-f24e-4161-b4d2-1ce8385d1376","RecipientVerificationCheck":"CLOSE_MATCH",
		"RecipientVerificationMessage":"Account name partially matches account identifier. Name returned by check: Alex Smyth. Payment made to this account may not reach its intended counterparty."}}`))
	rec, err := env.c.Recipients.Get(context.Background(), "rec_01JV70P7J10PRZP0JQQ9CQZFN8")
	require.NoError(t, err)
	require.NotNil(t, rec.RecipientVerificationOfPayee)
	v := rec.RecipientVerificationOfPayee
	assert.Equal(t, VOPCloseMatch, v.RecipientVerificationCheck)
	assert.Equal(t, "623d1eff-f24e-4161-b4d2-1ce8385d1376", v.RecipientVerificationID)
	assert.Contains(t, v.RecipientVerificationMessage, "Name returned by check: Alex Smyth")
	for check, wire := range map[VOPCheck]string{VOPMatch: "MATCH", VOPCloseMatch: "CLOSE_MATCH", VOPNoMatch: "NO_MATCH", VOPMatchNotPossible: "MATCH_NOT_POSSIBLE"} {
		assert.Equal(t, wire, string(check))
	}
}
