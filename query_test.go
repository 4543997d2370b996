package mangopay

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-querystring/query"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// slowQuery is what encodeQuery did before fastQuery: go-querystring.
func slowQuery(t *testing.T, q any) string {
	t.Helper()
	vals, err := query.Values(q)
	require.NoError(t, err)
	return vals.Encode()
}

func TestFastQuery(t *testing.T) {
	t.Parallel()
	sorts := []string{"", SortCreationDateAsc, SortCreationDateDesc, "a b&c=d/é"}
	scas := []ScaContext{"", ScaUserPresent, ScaUserNotPresent, "x y&z"}
	ints := []int{0, 1, 2, 10, 99, 100, 101, 12345, -1}
	var cases []any
	for _, sca := range scas {
		for _, sort := range sorts {
			for _, page := range ints {
				for _, per := range ints {
					lo := ListOptions{Page: page, PerPage: per, Sort: sort}
					cases = append(cases,
						&walletQuery{ListOptions: lo, ScaContext: sca},
						&transactionQuery{TransactionListOptions: TransactionListOptions{ListOptions: lo}, ScaContext: sca})
					if sca == "" {
						cases = append(cases, &lo)
					}
				}
			}
		}
	}
	for _, q := range cases {
		raw, ok := fastQuery(q)
		require.True(t, ok, "%T %+v takes the fast path", q, q)
		assert.Equal(t, slowQuery(t, q), raw, "%T %+v", q, q)
	}

	// Nil pointers encode to nothing, as before.
	for _, q := range []any{(*ListOptions)(nil), (*walletQuery)(nil), (*transactionQuery)(nil)} {
		raw, ok := fastQuery(q)
		assert.True(t, ok)
		assert.Empty(t, raw)
	}
	// And a random sample of the whole space.
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		q := &walletQuery{ScaContext: scas[r.IntN(len(scas))],
			ListOptions: ListOptions{Page: r.IntN(1000) - 1, PerPage: r.IntN(200), Sort: sorts[r.IntN(len(sorts))]}}
		raw, ok := fastQuery(q)
		require.True(t, ok)
		require.Equal(t, slowQuery(t, q), raw, "%+v", q)
	}
}

// TestFastQueryFallsBack: filters, other types and types embedding
// ListOptions with fields of their own go through go-querystring.
func TestFastQueryFallsBack(t *testing.T) {
	t.Parallel()
	withFilter := func(f func(*TransactionListOptions)) *transactionQuery {
		q := &transactionQuery{ScaContext: ScaUserPresent, TransactionListOptions: TransactionListOptions{ListOptions: ListOptions{Page: 2, PerPage: 50}}}
		f(&q.TransactionListOptions)
		return q
	}
	for i, q := range []any{
		withFilter(func(o *TransactionListOptions) { o.Status = []TransactionStatus{TransactionStatusSucceeded} }),
		withFilter(func(o *TransactionListOptions) { o.Type = []TransactionType{TransactionTypePayin} }),
		withFilter(func(o *TransactionListOptions) { o.Nature = []TransactionNature{TransactionNatureRefund} }),
		withFilter(func(o *TransactionListOptions) { o.ResultCode = []string{ResultCodeTransferAuthFailed} }),
		withFilter(func(o *TransactionListOptions) { o.BeforeDate = time.Unix(1744614179, 0) }),
		withFilter(func(o *TransactionListOptions) { o.AfterDate = time.Unix(1744614179, 0) }),
		&TransactionListOptions{ListOptions: ListOptions{Page: 1}},
		&RecipientListOptions{ListOptions: ListOptions{Page: 1}, RecipientScope: "PAYIN"},
		&payoutMethodsQuery{Country: "GB", Currency: "GBP"},
		ListOptions{Page: 1}, // not a pointer
	} {
		_, ok := fastQuery(q)
		assert.False(t, ok, "case %d: %T", i, q)
		raw, err := encodeQuery(q)
		require.NoError(t, err, "case %d", i)
		assert.Equal(t, slowQuery(t, q), raw, fmt.Sprintf("case %d: %T", i, q))
	}
}

// fastQuery knows the fields of the types it encodes by hand: a field added
// to one of them must be added there too (or the type dropped from the fast
// path), else it would silently not be sent. This fails first.
func TestFastQueryKnowsEveryField(t *testing.T) {
	t.Parallel()
	fields := func(v any) []string {
		var names []string
		var walk func(reflect.Type)
		walk = func(rt reflect.Type) {
			for i := range rt.NumField() {
				f := rt.Field(i)
				if f.Anonymous {
					walk(f.Type)
					continue
				}
				names = append(names, f.Name)
			}
		}
		walk(reflect.TypeOf(v))
		return names
	}
	assert.Equal(t, []string{"Page", "PerPage", "Sort"}, fields(ListOptions{}))
	assert.Equal(t, []string{"Page", "PerPage", "Sort", "ScaContext"}, fields(walletQuery{}))
	assert.Equal(t, []string{"Page", "PerPage", "Sort", "Status", "Type", "Nature", "ResultCode", "BeforeDate", "AfterDate", "ScaContext"},
		fields(transactionQuery{}))
}
