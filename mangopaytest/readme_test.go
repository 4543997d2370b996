package mangopaytest_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scaforge/mangopay"
	"github.com/scaforge/mangopay/mangopaytest"
)

// TestTransferNeedsSca is the emulator test a platform writes: a transfer
// over €500 between two OWNERs needs SCA, approved as the user would. (The
// README's "Testing your handlers" shows the same flow through a platform
// handler: Example_testingWithTheEmulator in the root package.)
func TestTransferNeedsSca(t *testing.T) {
	t.Parallel()
	srv := mangopaytest.NewServer() // in memory, starts in well under a millisecond
	t.Cleanup(srv.Close)
	c := srv.Client() // a *mangopay.Client pointed at it
	ctx := context.Background()

	alice, bob := newOwner(t, srv, c, "Alice"), newOwner(t, srv, c, "Bob")
	from, _ := c.Wallets.Create(ctx, &mangopay.CreateWalletRequest{Owners: []string{alice}, Description: "main", Currency: "EUR"})
	to, _ := c.Wallets.Create(ctx, &mangopay.CreateWalletRequest{Owners: []string{bob}, Description: "main", Currency: "EUR"})
	require.NoError(t, srv.Credit(from.ID, 100000)) // €1,000.00

	tr, err := c.Transfers.Create(ctx, &mangopay.CreateTransferRequest{
		AuthorID: alice, DebitedWalletID: from.ID, CreditedWalletID: to.ID, ScaContext: mangopay.ScaUserPresent,
		DebitedFunds: mangopay.Money{Currency: "EUR", Amount: 60000}, Fees: mangopay.Money{Currency: "EUR"},
	})
	sca, ok := mangopay.AsScaRequired(err) // over €500: the user must authenticate
	require.True(t, ok)
	require.Equal(t, mangopay.TransferStatusCreated, tr.Status)

	require.NoError(t, srv.CompleteSca(sca.RedirectURL, mangopaytest.Validated)) // as if they typed 702100 and approved
	tr, err = c.Transfers.Get(ctx, tr.ID)
	require.NoError(t, err)
	assert.Equal(t, mangopay.TransferStatusSucceeded, tr.Status)
}

func newOwner(t *testing.T, srv *mangopaytest.Server, c *mangopay.Client, name string) string {
	u, err := c.Users.CreateNatural(context.Background(), &mangopay.CreateNaturalUserRequest{
		UserCategory: mangopay.UserCategoryOwner, TermsAndConditionsAccepted: mangopay.Ptr(true),
		FirstName: name, LastName: "Smith", Email: name + "@example.com",
		Birthday: mangopay.NewDate(1990, time.May, 4), Nationality: "FR", CountryOfResidence: "FR",
	})
	sca, _ := mangopay.AsScaRequired(err) // an OWNER enrolls in SCA at creation
	require.NoError(t, srv.CompleteSca(sca.RedirectURL, mangopaytest.Validated))
	return u.ID
}
