package mangopaytest

import (
	"context"
	"net/http"
	"path"
	"sort"
	"strings"
)

// router dispatches requests on Go 1.22 net/http ServeMux method and path
// patterns ("GET /wallets/{id}"). Every pattern also answers with one
// trailing slash ("/wallets/{id}/"), as Mangopay's API does.
//
// ServeMux refuses two patterns that match a common request when neither is
// more specific, such as GET /sca/users/natural/{id} and GET
// /sca/users/{id}/sca-status (both match /sca/users/natural/sca-status). The
// router then puts the later pattern in a further ServeMux, consulted only
// when the earlier ones match nothing: the first registration wins, as with
// an ordered route list.
type router struct {
	muxes []*http.ServeMux
}

// handle registers h for method and pattern (a path with {name} wildcards).
func (rt *router) handle(method, pattern string, h http.Handler) {
	p := "/" + strings.Trim(pattern, "/")
	for _, full := range []string{method + " " + p, method + " " + strings.TrimSuffix(p, "/") + "/{$}"} {
		if !rt.tryEach(full, h) {
			m := http.NewServeMux()
			m.Handle(full, h) // a malformed pattern panics here, at init
			rt.muxes = append(rt.muxes, m)
		}
	}
}

func (rt *router) tryEach(pattern string, h http.Handler) bool {
	for _, m := range rt.muxes {
		if tryHandle(m, pattern, h) {
			return true
		}
	}
	return false
}

// tryHandle registers pattern on m; false when m has a conflicting pattern.
func tryHandle(m *http.ServeMux, pattern string, h http.Handler) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	m.Handle(pattern, h)
	return true
}

// lookup finds the ServeMux with a route for r. With none, allow lists the
// methods the path supports (sorted; empty: the path is unknown).
func (rt *router) lookup(r *http.Request) (mux *http.ServeMux, allow []string) {
	p := r.URL.Path
	if p != "/" && path.Clean(p) != strings.TrimSuffix(p, "/") {
		// ServeMux would redirect to the cleaned path: an unknown path here.
		return nil, nil
	}
	probe := r
	if r.Method == http.MethodHead {
		// ServeMux serves HEAD with GET routes; the API has no HEAD.
		probe = r.Clone(r.Context())
		probe.Method = "X-HEAD"
	}
	seen := map[string]bool{}
	for _, m := range rt.muxes {
		h, pat := m.Handler(probe)
		if pat != "" {
			return m, nil
		}
		rec := newRecorder()
		h.ServeHTTP(rec, probe)
		if rec.status != http.StatusMethodNotAllowed {
			continue
		}
		for _, meth := range strings.Split(rec.header.Get("Allow"), ",") {
			if meth = strings.TrimSpace(meth); meth != "" && meth != http.MethodHead && !seen[meth] {
				seen[meth] = true
				allow = append(allow, meth)
			}
		}
	}
	sort.Strings(allow)
	return nil, allow
}

// ---- API routes ----

// apiRoutes are the API's routes, relative to /v2.01/{ClientId}.
var apiRoutes router

type callKey struct{}

// addRoute registers an API route: method and pattern (relative to
// /v2.01/{ClientId}, with {name} wildcards that fn reads from c.params).
// Each resource file registers its own routes from an init function; a
// route added later never shadows an earlier one.
func addRoute(method, pattern string, fn func(*call)) {
	var names []string
	for _, seg := range strings.Split(pattern, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			names = append(names, strings.Trim(seg, "{}"))
		}
	}
	apiRoutes.handle(method, pattern, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		c := r.Context().Value(callKey{}).(*call)
		if len(names) > 0 {
			c.params = make(map[string]string, len(names))
			for _, n := range names {
				c.params[n] = r.PathValue(n)
			}
		}
		fn(c)
	}))
}

// serve runs the route mux found for r on c.
func (c *call) serve(mux *http.ServeMux, r *http.Request) {
	mux.ServeHTTP(c.w, r.WithContext(context.WithValue(r.Context(), callKey{}, c)))
}
