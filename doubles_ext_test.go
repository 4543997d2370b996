package mangopay_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scaforge/mangopay"
)

// Values a platform's test doubles build as literals must behave sensibly.

func TestLiteralUserSaysNaturalOrLegal(t *testing.T) {
	t.Parallel()
	u := &mangopay.User{ID: "u1", PersonType: mangopay.PersonTypeNatural, UserCategory: mangopay.UserCategoryOwner, Email: "a@example.com"}
	n, ok := u.Natural()
	require.True(t, ok)
	assert.Equal(t, &mangopay.NaturalUser{ID: "u1", PersonType: mangopay.PersonTypeNatural, UserCategory: mangopay.UserCategoryOwner, Email: "a@example.com"}, n)
	_, ok = u.Legal()
	assert.False(t, ok)

	l := &mangopay.User{ID: "u2", PersonType: mangopay.PersonTypeLegal, Tag: "t"}
	lg, ok := l.Legal()
	require.True(t, ok)
	assert.Equal(t, "u2", lg.ID)
	assert.Equal(t, "t", lg.Tag)
	_, ok = l.Natural()
	assert.False(t, ok)

	_, ok = (&mangopay.User{ID: "u3"}).Natural()
	assert.False(t, ok, "no PersonType: neither")
	_, ok = (*mangopay.User)(nil).Natural()
	assert.False(t, ok)
}

func TestLiteralPageHasNoNext(t *testing.T) {
	t.Parallel()
	assert.False(t, (&mangopay.Page[string]{Items: []string{"a", "b"}}).HasNext(), "PerPage 0 is not 'a full page'")
	assert.False(t, (*mangopay.Page[string])(nil).HasNext())
	assert.True(t, (&mangopay.Page[string]{Items: []string{"a", "b"}, Page: 1, PerPage: 2}).HasNext(), "a full page may have a next")
	assert.False(t, (&mangopay.Page[string]{Items: []string{"a"}, Page: 1, PerPage: 2}).HasNext())
	assert.True(t, (&mangopay.Page[string]{Page: 1, TotalPages: 2}).HasNext())
}

func TestZeroScaRequiredError(t *testing.T) {
	t.Parallel()
	var zero mangopay.ScaRequiredError
	assert.Equal(t, "mangopay: strong customer authentication required (redirect the user)", zero.Error())
	assert.False(t, zero.Expired(time.Now()), "unknown lifetime: not expired")
	assert.ErrorIs(t, &zero, mangopay.ErrScaRequired)
	_, err := zero.RedirectURLWithReturn("https://platform.example/done")
	assert.ErrorContains(t, err, "RedirectURL is empty", "no link: a clear error, not a bad redirect")

	var nilErr *mangopay.ScaRequiredError
	assert.Equal(t, "mangopay: strong customer authentication required (redirect the user)", nilErr.Error())
	assert.False(t, nilErr.Expired(time.Now()))

	exp := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	full := &mangopay.ScaRequiredError{Method: "POST", URL: "/v2.01/acme/transfers", ExpiresAt: exp}
	assert.Equal(t, "mangopay: POST /v2.01/acme/transfers: strong customer authentication required (redirect the user, link valid until 2026-01-02T03:04:05Z)", full.Error())
	assert.True(t, full.Expired(exp))
	assert.False(t, full.Expired(exp.Add(-time.Nanosecond)))
	var target *mangopay.ScaRequiredError
	assert.True(t, errors.As(full, &target))
}
