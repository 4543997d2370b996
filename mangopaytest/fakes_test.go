package mangopaytest_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scaforge/mangopay"
	"github.com/scaforge/mangopay/mangopaytest"
)

func TestNewScaRequired(t *testing.T) {
	t.Parallel()
	exp := time.Date(2026, 5, 1, 12, 10, 0, 0, time.UTC)
	sca := mangopaytest.NewScaRequired("https://sca.mangopay.com/?token=abc", exp)

	var err error = sca
	got, ok := mangopay.AsScaRequired(err)
	require.True(t, ok)
	assert.Same(t, sca, got)
	assert.ErrorIs(t, err, mangopay.ErrScaRequired)
	assert.Equal(t, mangopay.ScaSourceBody, sca.Source)
	assert.Equal(t, 200, sca.StatusCode)
	assert.Equal(t, "mangopay: strong customer authentication required (redirect the user, link valid until 2026-05-01T12:10:00Z)", err.Error())
	assert.False(t, sca.Expired(exp.Add(-time.Second)))
	assert.True(t, sca.Expired(exp))
	to, err := sca.RedirectURLWithReturn("https://platform.example/done")
	require.NoError(t, err)
	assert.Equal(t, "https://sca.mangopay.com/?token=abc&returnUrl=https%3A%2F%2Fplatform.example%2Fdone", to)

	unknown := mangopaytest.NewScaRequired("https://sca.mangopay.com/?token=abc", time.Time{})
	assert.False(t, unknown.Expired(time.Now()), "a zero ExpiresAt is an unknown lifetime, not an expired link")
	assert.NotContains(t, unknown.Error(), "0001")
}

func TestNewPage(t *testing.T) {
	t.Parallel()
	all := []string{"a", "b", "c", "d", "e"}
	p := mangopaytest.NewPage(all, 1, 2)
	assert.Equal(t, &mangopay.Page[string]{Items: []string{"a", "b"}, Page: 1, PerPage: 2, TotalPages: 3, TotalItems: 5}, p)
	assert.True(t, p.HasNext())
	last := mangopaytest.NewPage(all, 3, 2)
	assert.Equal(t, []string{"e"}, last.Items)
	assert.False(t, last.HasNext())
	past := mangopaytest.NewPage(all, 9, 2)
	assert.Empty(t, past.Items)
	assert.False(t, past.HasNext())

	def := mangopaytest.NewPage(all, 0, 0)
	assert.Equal(t, 1, def.Page)
	assert.Equal(t, 10, def.PerPage, "Mangopay's default page size")
	assert.Equal(t, all, def.Items)
	assert.False(t, def.HasNext())

	empty := mangopaytest.NewPage[string](nil, 1, 10)
	assert.NotNil(t, empty.Items, "an empty page encodes as [] like Mangopay's")
	assert.False(t, empty.HasNext())
}

// walletLister is the small interface a platform declares for the one call
// it makes; a fake serves NewPage's pages.
type walletLister interface {
	ListByUser(ctx context.Context, userID string, sca mangopay.ScaContext, lo *mangopay.ListOptions, opts ...mangopay.RequestOption) (*mangopay.Page[mangopay.Wallet], error)
}

type fakeWallets struct{ all []mangopay.Wallet }

func (f fakeWallets) ListByUser(_ context.Context, _ string, _ mangopay.ScaContext, lo *mangopay.ListOptions, _ ...mangopay.RequestOption) (*mangopay.Page[mangopay.Wallet], error) {
	return mangopaytest.NewPage(f.all, lo.Page, lo.PerPage), nil
}

// countWallets pages through a user's wallets the way platform code does.
func countWallets(ctx context.Context, w walletLister, userID string) (int, error) {
	n := 0
	for lo := (&mangopay.ListOptions{Page: 1, PerPage: 2}); ; lo.Page++ {
		p, err := w.ListByUser(ctx, userID, mangopay.ScaUserPresent, lo)
		if err != nil {
			return 0, err
		}
		n += len(p.Items)
		if !p.HasNext() {
			return n, nil
		}
	}
}

func TestNewPageDrivesAPagingLoop(t *testing.T) {
	t.Parallel()
	n, err := countWallets(context.Background(), fakeWallets{all: make([]mangopay.Wallet, 5)}, "u1")
	require.NoError(t, err)
	assert.Equal(t, 5, n)
}

func TestNewNaturalAndLegalUser(t *testing.T) {
	t.Parallel()
	n := &mangopay.NaturalUser{ID: "user_1", FirstName: "Alex", UserCategory: mangopay.UserCategoryOwner,
		UserStatus: mangopay.UserStatusActive, Email: "alex@example.com", IncomeRange: mangopay.Ptr(3)}
	u := mangopaytest.NewNaturalUser(n)
	assert.Equal(t, "user_1", u.ID)
	assert.Equal(t, mangopay.PersonTypeNatural, u.PersonType)
	assert.Equal(t, mangopay.UserCategoryOwner, u.UserCategory)
	got, ok := u.Natural()
	require.True(t, ok)
	assert.Equal(t, "Alex", got.FirstName)
	assert.Equal(t, 3, *got.IncomeRange)
	_, ok = u.Legal()
	assert.False(t, ok)
	assert.Empty(t, n.PersonType, "the caller's value is not changed")
	var raw map[string]any
	require.NoError(t, json.Unmarshal(u.Raw(), &raw))
	assert.Equal(t, "NATURAL", raw["PersonType"])

	l := mangopaytest.NewLegalUser(&mangopay.LegalUser{ID: "user_2", Name: "Acme",
		LegalRepresentative: &mangopay.LegalRepresentative{FirstName: "Rep"}})
	lg, ok := l.Legal()
	require.True(t, ok)
	assert.Equal(t, "Acme", lg.Name)
	assert.Equal(t, "Rep", lg.LegalRepresentative.FirstName)
	_, ok = l.Natural()
	assert.False(t, ok)

	empty := mangopaytest.NewNaturalUser(nil)
	_, ok = empty.Natural()
	assert.True(t, ok)
}

// A fake returning these values is handled by platform code exactly like
// the SDK's: here, the one-rule SCA branch of a handler.
func TestFakeScaErrorTakesTheScaBranch(t *testing.T) {
	t.Parallel()
	create := func() (*mangopay.Transfer, error) {
		return &mangopay.Transfer{ID: "xfer_1", Status: mangopay.TransferStatusCreated},
			mangopaytest.NewScaRequired("https://sca.mangopay.com/?token=t", time.Now().Add(10*time.Minute))
	}
	tr, err := create()
	var sca *mangopay.ScaRequiredError
	require.True(t, errors.As(err, &sca))
	to, err := sca.RedirectURLWithReturn("https://platform.example/sca/done?transfer=" + tr.ID)
	require.NoError(t, err)
	assert.Contains(t, to, "returnUrl=https%3A%2F%2Fplatform.example%2Fsca%2Fdone%3Ftransfer%3Dxfer_1")
}
