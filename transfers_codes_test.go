package mangopay

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A transfer into another user's PAYER wallet comes back FAILED with 002701
// (guides/users/categories/restrictions; errors/codes/002701): an answer,
// not an error, compared with the named code.
func TestTransfersCreateIntoPayerWallet(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/transfers",
		cp.wrap(jsonResponder(200, string(fixture(t, "transfers/create-response-failed-002701.json")))))
	in := documentedTransfer()
	in.DebitedFunds.Amount = 1000
	in.CreditedWalletID = "wlt_m_01K9ZQ0PAYERWALLET0000000"
	tr, err := env.c.Transfers.Create(context.Background(), in)
	require.NoError(t, err)
	require.Len(t, cp.reqs, 1)
	assert.Equal(t, TransferStatusFailed, tr.Status)
	assert.Equal(t, ResultCodeTransferToPayer, tr.ResultCode)
	assert.Equal(t, "002701", ResultCodeTransferToPayer)
	assert.Equal(t, "user_m_01K9ZPYPAYER00000000000000", tr.CreditedUserID)
	assert.Nil(t, tr.PendingUserAction)
	assert.Nil(t, tr.ExecutionDate)
}

// The named codes are the documented strings.
func TestTransferResultCodes(t *testing.T) {
	t.Parallel()
	for code, want := range map[string]string{
		ResultCodeTransferAuthFailed:          "007101",
		ResultCodeTransferAuthExpired:         "007102",
		ResultCodeTransferUserPendingAction:   "002704",
		ResultCodeTransferDebitedOwnerClosed:  "002601",
		ResultCodeTransferCreditedOwnerClosed: "002602",
		ResultCodeTransferToPayer:             "002701",
		ResultCodeTransferOwnerToPayer:        "002702",
	} {
		assert.Equal(t, want, code)
	}
}
