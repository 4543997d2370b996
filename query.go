package mangopay

import (
	"net/url"
	"strconv"
	"strings"
)

// fastQuery encodes the SDK's most frequent query shapes without
// reflection: paging (ListOptions), and ScaContext with paging
// (walletQuery, and transactionQuery without filters). It matches exact
// types only, so a type that embeds ListOptions with fields of its own
// never takes this path. ok is false for any other query, which goes
// through go-querystring. When ok, raw is byte for byte what
// query.Values(q) followed by url.Values.Encode gives (keys sorted:
// "ScaContext" < "Sort" < "page" < "per_page"); TestFastQuery checks it.
func fastQuery(q any) (raw string, ok bool) {
	switch v := q.(type) {
	case *ListOptions:
		if v == nil {
			return "", true
		}
		return listQuery("", v), true
	case *walletQuery:
		if v == nil {
			return "", true
		}
		return listQuery(v.ScaContext, &v.ListOptions), true
	case *transactionQuery:
		if v == nil {
			return "", true
		}
		f := &v.TransactionListOptions
		if len(f.Status) > 0 || len(f.Type) > 0 || len(f.Nature) > 0 || len(f.ResultCode) > 0 ||
			!f.BeforeDate.IsZero() || !f.AfterDate.IsZero() {
			return "", false
		}
		return listQuery(v.ScaContext, &f.ListOptions), true
	}
	return "", false
}

// listQuery encodes sca and lo, leaving out empty values (their
// omitempty tags).
func listQuery(sca ScaContext, lo *ListOptions) string {
	if sca == "" && lo.Sort == "" && lo.Page == 0 && lo.PerPage == 0 {
		return ""
	}
	var b strings.Builder
	b.Grow(len("ScaContext=&Sort=&page=&per_page=") + len(sca) + 3*len(lo.Sort) + 2*20)
	add := func(key, val string) {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(key)
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(val))
	}
	if sca != "" {
		add("ScaContext", string(sca))
	}
	if lo.Sort != "" {
		add("Sort", lo.Sort)
	}
	if lo.Page != 0 {
		add("page", strconv.Itoa(lo.Page))
	}
	if lo.PerPage != 0 {
		add("per_page", strconv.Itoa(lo.PerPage))
	}
	return b.String()
}
