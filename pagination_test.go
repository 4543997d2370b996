package mangopay

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// thingListOptions is how a service's list options embed ListOptions.
type thingListOptions struct {
	ListOptions
	Status string `url:"Status,omitempty"`
}

// listThings and allThings mirror a service's List and All methods.
func listThings(ctx context.Context, c *Client, opts *thingListOptions, ro ...RequestOption) (*Page[thing], error) {
	var lo *ListOptions
	if opts != nil {
		lo = &opts.ListOptions
	}
	return listPage[thing](ctx, c, "/things", opts, lo, ro)
}

func allThings(ctx context.Context, c *Client, opts *ListOptions) iter.Seq2[*thing, error] {
	return iterate(ctx, opts, func(ctx context.Context, lo *ListOptions) (*Page[thing], error) {
		return listThings(ctx, c, &thingListOptions{ListOptions: *lo, Status: "ACTIVE"})
	})
}

// pagedThings serves total things in pages, like Mangopay: page and per_page
// from the query (defaults 1 and 10), totals in x-number-of-* headers unless
// noTotals.
func pagedThings(total int, noTotals bool, cp *capture) httpmock.Responder {
	return cp.wrap(func(r *http.Request) (*http.Response, error) {
		q := r.URL.Query()
		page, per := 1, 10
		if v := q.Get("page"); v != "" {
			page, _ = strconv.Atoi(v)
		}
		if v := q.Get("per_page"); v != "" {
			per, _ = strconv.Atoi(v)
		}
		var items []string
		for i := (page - 1) * per; i < min(page*per, total); i++ {
			items = append(items, fmt.Sprintf(`{"Id":"t%03d"}`, i))
		}
		resp := httpmock.NewStringResponse(200, "["+strings.Join(items, ",")+"]")
		if !noTotals {
			resp.Header.Set("X-Number-Of-Pages", strconv.Itoa((total+per-1)/per))
			resp.Header.Set("X-Number-Of-Items", strconv.Itoa(total))
		}
		return resp, nil
	})
}

func queries(cp *capture) []url.Values {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	out := make([]url.Values, len(cp.reqs))
	for i, r := range cp.reqs {
		out[i] = r.URL.Query()
	}
	return out
}

func TestListPage(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/things", pagedThings(27, false, &cp))
	ctx := context.Background()

	p, err := listThings(ctx, env.c, &thingListOptions{ListOptions: ListOptions{Page: 3, PerPage: 10, Sort: SortCreationDateDesc}, Status: "ACTIVE"})
	require.NoError(t, err)
	assert.Equal(t, url.Values{"page": {"3"}, "per_page": {"10"}, "Sort": {"CreationDate:DESC"}, "Status": {"ACTIVE"}}, queries(&cp)[0])
	require.Len(t, p.Items, 7)
	assert.Equal(t, "t020", p.Items[0].ID)
	assert.Equal(t, 3, p.Page)
	assert.Equal(t, 10, p.PerPage)
	assert.Equal(t, 3, p.TotalPages)
	assert.Equal(t, 27, p.TotalItems)
	assert.False(t, p.HasNext())

	var meta Response
	p, err = listThings(ctx, env.c, nil, CaptureResponse(&meta))
	require.NoError(t, err)
	assert.Equal(t, url.Values{}, queries(&cp)[1], "Mangopay's defaults apply")
	assert.Equal(t, 1, p.Page)
	assert.Equal(t, 10, p.PerPage)
	assert.True(t, p.HasNext())
	assert.Equal(t, 27, meta.TotalItems, "the caller's CaptureResponse is filled too")
	assert.Equal(t, 200, meta.StatusCode)
}

func TestListOptionsValidation(t *testing.T) {
	t.Parallel()
	for _, lo := range []ListOptions{{Page: -1}, {PerPage: -1}, {PerPage: 101}} {
		t.Run(fmt.Sprintf("%+v", lo), func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t)
			_, err := listThings(context.Background(), env.c, &thingListOptions{ListOptions: lo})
			require.Error(t, err)
			assert.Contains(t, err.Error(), "mangopay: ListOptions: ")
			assert.ErrorIs(t, err, ErrInvalidRequest)
			assert.Equal(t, 0, env.mt.GetTotalCallCount())
		})
	}
	assert.NoError(t, (&ListOptions{Page: 1, PerPage: 100}).validate())
	assert.NoError(t, (*ListOptions)(nil).validate())
}

func TestListPageError(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/things", jsonResponder(403, apiErrorBody(ErrorTypeForbidden, "no")))
	p, err := listThings(context.Background(), env.c, nil)
	assert.Nil(t, p)
	assert.ErrorIs(t, err, ErrForbidden)
}

func TestHasNext(t *testing.T) {
	t.Parallel()
	assert.True(t, (&Page[int]{Items: make([]int, 10), Page: 1, PerPage: 10, TotalPages: 2}).HasNext())
	assert.False(t, (&Page[int]{Items: make([]int, 10), Page: 2, PerPage: 10, TotalPages: 2}).HasNext())
	assert.True(t, (&Page[int]{Items: make([]int, 10), Page: 1, PerPage: 10}).HasNext(), "a full page without totals")
	assert.False(t, (&Page[int]{Items: make([]int, 9), Page: 1, PerPage: 10}).HasNext())
	assert.False(t, (&Page[int]{Page: 1, PerPage: 10}).HasNext())
}

func TestIterateAllPages(t *testing.T) {
	t.Parallel()
	for _, noTotals := range []bool{false, true} {
		t.Run(fmt.Sprintf("noTotals=%v", noTotals), func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t)
			var cp capture
			env.mt.RegisterResponder(http.MethodGet, testAPI+"/things", pagedThings(250, noTotals, &cp))
			var ids []string
			for th, err := range allThings(context.Background(), env.c, nil) {
				require.NoError(t, err)
				ids = append(ids, th.ID)
			}
			require.Len(t, ids, 250)
			assert.Equal(t, "t000", ids[0])
			assert.Equal(t, "t249", ids[249])
			qs := queries(&cp)
			require.Len(t, qs, 3)
			for i, q := range qs {
				assert.Equal(t, url.Values{"page": {strconv.Itoa(i + 1)}, "per_page": {"100"}, "Status": {"ACTIVE"}}, q)
			}
		})
	}
	t.Run("exact multiple without totals asks for one empty page", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		var cp capture
		env.mt.RegisterResponder(http.MethodGet, testAPI+"/things", pagedThings(200, true, &cp))
		n := 0
		for _, err := range allThings(context.Background(), env.c, nil) {
			require.NoError(t, err)
			n++
		}
		assert.Equal(t, 200, n)
		assert.Equal(t, 3, cp.n())
	})
}

func TestIterateOptions(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/things", pagedThings(30, false, &cp))
	n := 0
	for _, err := range allThings(context.Background(), env.c, &ListOptions{Page: 2, PerPage: 5, Sort: SortCreationDateAsc}) {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 25, n, "pages 2..6 of 5")
	qs := queries(&cp)
	require.Len(t, qs, 5)
	assert.Equal(t, url.Values{"page": {"2"}, "per_page": {"5"}, "Sort": {"CreationDate:ASC"}, "Status": {"ACTIVE"}}, qs[0])
	assert.Equal(t, "6", qs[4].Get("page"))
}

func TestIterateStopsWhenTheLoopBreaks(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/things", pagedThings(1000, false, &cp))
	n := 0
	for _, err := range allThings(context.Background(), env.c, nil) {
		require.NoError(t, err)
		n++
		if n == 150 {
			break
		}
	}
	assert.Equal(t, 150, n)
	assert.Equal(t, 2, cp.n(), "no further request after the break")

	// Breaking on the last item of a page makes no request for the next one.
	n = 0
	for range allThings(context.Background(), env.c, nil) {
		n++
		if n == 100 {
			break
		}
	}
	assert.Equal(t, 3, cp.n())
}

func TestIterateYieldsOneErrorThenStops(t *testing.T) {
	t.Parallel()
	env := newTestClient(t, WithMaxRetries(0))
	var cp capture
	page1 := pagedThings(1000, false, &capture{})
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/things", cp.wrap(sequence(page1, jsonResponder(500, apiErrorBody("other", "boom")), page1)))
	items, errs := 0, 0
	var last error
	for th, err := range allThings(context.Background(), env.c, nil) {
		if err != nil {
			errs++
			last = err
			assert.Nil(t, th)
			continue // the iterator must stop by itself
		}
		items++
	}
	assert.Equal(t, 100, items)
	assert.Equal(t, 1, errs)
	var apiErr *APIError
	require.ErrorAs(t, last, &apiErr)
	assert.Equal(t, 500, apiErr.StatusCode)
	assert.Equal(t, 2, cp.n())
}

func TestIterateEdgeCases(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	calls := 0
	seq := iterate(ctx, nil, func(context.Context, *ListOptions) (*Page[thing], error) {
		calls++
		return nil, nil
	})
	for range seq {
		t.Fatal("nothing to yield")
	}
	assert.Equal(t, 1, calls, "a nil page ends the iteration")

	seq = iterate(ctx, nil, func(_ context.Context, lo *ListOptions) (*Page[thing], error) {
		lo.Page = 99 // a fetch that scribbles on its options does not derail paging
		return &Page[thing]{Items: []thing{{ID: "a"}}, Page: 1, PerPage: 100}, nil
	})
	n := 0
	for range seq {
		n++
	}
	assert.Equal(t, 1, n)

	wantErr := errors.New("first page failed")
	seq = iterate(ctx, nil, func(context.Context, *ListOptions) (*Page[thing], error) { return nil, wantErr })
	for th, err := range seq {
		assert.Nil(t, th)
		assert.Same(t, wantErr, err)
		break
	}

	// The iterator is lazy: no request until the loop runs.
	env := newTestClient(t)
	_ = allThings(ctx, env.c, nil)
	assert.Equal(t, 0, env.mt.GetTotalCallCount())
}
