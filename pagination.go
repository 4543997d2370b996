package mangopay

import (
	"context"
	"iter"
)

// SortOrder values for ListOptions.Sort.
const (
	SortCreationDateAsc  = "CreationDate:ASC"
	SortCreationDateDesc = "CreationDate:DESC"
)

// ListOptions selects one page of a list call. Zero values are not sent, so
// Mangopay's defaults apply (page 1, 10 per page).
type ListOptions struct {
	// Page is the 1-based page number.
	Page int `url:"page,omitempty"`
	// PerPage is the page size, at most 100.
	PerPage int `url:"per_page,omitempty"`
	// Sort is e.g. SortCreationDateDesc ("CreationDate:DESC").
	Sort string `url:"Sort,omitempty"`
}

// validate refuses values Mangopay would reject.
func (o *ListOptions) validate() error {
	if o == nil {
		return nil
	}
	p := newProblems("ListOptions")
	if o.Page < 0 {
		p.add("Page", "%d is negative", o.Page)
	}
	if o.PerPage < 0 || o.PerPage > maxPerPage {
		p.add("PerPage", "%d is outside 1..%d", o.PerPage, maxPerPage)
	}
	return p.err()
}

// Page is one page of a list call with Mangopay's totals.
type Page[T any] struct {
	// Items are this page's elements.
	Items []T
	// Page and PerPage are the page requested (1 and 10 when not set).
	Page, PerPage int
	// TotalPages and TotalItems come from the x-number-of-pages and
	// x-number-of-items headers (0 when the API did not send them).
	TotalPages, TotalItems int
}

// HasNext reports whether another page may follow: Page is before
// TotalPages when Mangopay sent its totals, else the page came back full.
// A page built in Go without Page, PerPage or TotalPages (a test double such
// as Page{Items: items}) reports false; mangopaytest.NewPage builds one with
// its totals.
func (p *Page[T]) HasNext() bool {
	switch {
	case p == nil:
		return false
	case p.TotalPages > 0:
		return p.Page < p.TotalPages
	case p.PerPage <= 0:
		return false
	}
	return len(p.Items) >= p.PerPage && len(p.Items) > 0
}

// listPage fetches one page of a list endpoint into a Page. q must embed or
// carry the ListOptions (it is encoded with go-querystring).
func listPage[T any](ctx context.Context, c *Client, path string, q any, lo *ListOptions, opts []RequestOption) (*Page[T], error) {
	if err := lo.validate(); err != nil {
		return nil, err
	}
	var meta Response
	var items []T
	opts = append(opts[:len(opts):len(opts)], CaptureResponse(&meta))
	if err := c.get(ctx, path, q, &items, opts); err != nil {
		return nil, err
	}
	p := &Page[T]{Items: items, Page: 1, PerPage: 10, TotalPages: meta.TotalPages, TotalItems: meta.TotalItems}
	if lo != nil && lo.Page > 0 {
		p.Page = lo.Page
	}
	if lo != nil && lo.PerPage > 0 {
		p.PerPage = lo.PerPage
	}
	return p, nil
}

// iterate returns a lazy iterator over every item of a list endpoint, one
// page of 100 (or opts.PerPage) at a time starting at opts.Page; invalid opts
// are its one error. fetch gets
// the ListOptions of each page. Iteration stops when the loop breaks (no
// further request is made), after the last page, or after yielding the first
// error.
func iterate[T any](ctx context.Context, opts *ListOptions, fetch func(ctx context.Context, lo *ListOptions) (*Page[T], error)) iter.Seq2[*T, error] {
	if err := opts.validate(); err != nil {
		// A negative Page or PerPage is refused as List refuses it, not
		// silently replaced by a default.
		return func(yield func(*T, error) bool) { yield(nil, err) }
	}
	lo := ListOptions{Page: 1, PerPage: maxPerPage}
	if opts != nil {
		if opts.Page > 0 {
			lo.Page = opts.Page
		}
		if opts.PerPage > 0 {
			lo.PerPage = opts.PerPage
		}
		lo.Sort = opts.Sort
	}
	return func(yield func(*T, error) bool) {
		for {
			req := lo // fetch gets its own copy
			page, err := fetch(ctx, &req)
			if err != nil {
				yield(nil, err)
				return
			}
			if page == nil {
				return
			}
			for i := range page.Items {
				if !yield(&page.Items[i], nil) {
					return
				}
			}
			if len(page.Items) == 0 || !page.HasNext() {
				return
			}
			lo.Page++
		}
	}
}
