package mangopaytest

// Constructors for test doubles: values a platform's own fakes return in
// place of the SDK's, built the way the SDK builds them, for tests that fake
// a small interface instead of running the emulator.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/scaforge/mangopay"
)

// NewScaRequired returns the *mangopay.ScaRequiredError a call returns when
// Mangopay answers with a PendingUserAction link in its body: RedirectURL
// link, Source body, StatusCode 200, ExpiresAt expiresAt. A zero expiresAt
// means the link's lifetime is unknown: Expired then reports false. Method
// and URL are left empty (the error text then names no request).
func NewScaRequired(link string, expiresAt time.Time) *mangopay.ScaRequiredError {
	return &mangopay.ScaRequiredError{
		RedirectURL: link,
		Source:      mangopay.ScaSourceBody,
		ExpiresAt:   expiresAt,
		StatusCode:  http.StatusOK,
	}
}

// NewPage returns page number page (from 1) of all, perPage items a page,
// with the totals Mangopay would send, so HasNext and an iterator over a
// fake List behave as against Mangopay. page below 1 is 1; perPage below 1
// is Mangopay's default of 10. A page past the end has no items.
func NewPage[T any](all []T, page, perPage int) *mangopay.Page[T] {
	if page < 1 {
		page = 1
	}
	if perPage < 1 {
		perPage = 10
	}
	p := &mangopay.Page[T]{Items: []T{}, Page: page, PerPage: perPage,
		TotalItems: len(all), TotalPages: (len(all) + perPage - 1) / perPage}
	if start := (page - 1) * perPage; start < len(all) {
		p.Items = all[start:min(start+perPage, len(all))]
	}
	return p
}

// NewNaturalUser returns n as the *mangopay.User that UsersService.Get
// returns for a natural user: Natural gives back all of n's fields and Raw
// its JSON. PersonType is NATURAL whatever n says.
func NewNaturalUser(n *mangopay.NaturalUser) *mangopay.User {
	if n == nil {
		n = &mangopay.NaturalUser{}
	}
	c := *n
	c.PersonType = mangopay.PersonTypeNatural
	return decodeUser(&c)
}

// NewLegalUser returns l as the *mangopay.User that UsersService.Get returns
// for a legal user: Legal gives back all of l's fields and Raw its JSON.
// PersonType is LEGAL whatever l says.
func NewLegalUser(l *mangopay.LegalUser) *mangopay.User {
	if l == nil {
		l = &mangopay.LegalUser{}
	}
	c := *l
	c.PersonType = mangopay.PersonTypeLegal
	return decodeUser(&c)
}

// decodeUser goes through the JSON the SDK decodes Get's answer from, so
// the User is exactly what a call would return.
func decodeUser(v any) *mangopay.User {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("mangopaytest: encoding a user: %v", err)) // the models always encode
	}
	var u mangopay.User
	if err := json.Unmarshal(b, &u); err != nil {
		panic(fmt.Sprintf("mangopaytest: decoding a user: %v", err))
	}
	return &u
}
