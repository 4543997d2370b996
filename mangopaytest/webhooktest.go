package mangopaytest

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/scaforge/mangopay"
)

// EventURL returns target (an absolute URL or a path such as
// "/mangopay/hooks") with ev's notification parameters added the way
// Mangopay sends them: EventType, RessourceId (Mangopay's spelling) and Date
// in Unix seconds, in that order; a zero Date becomes the current time.
// Parameters already in target are kept after them, except those three,
// which ev replaces. Use it to test your webhook handler, with an
// httptest.Server:
//
//	u, err := mangopaytest.EventURL(srv.URL+"/mangopay/hooks", ev)
//	resp, err := http.Get(u)
//
// or with a ResponseRecorder:
//
//	u, err := mangopaytest.EventURL("/mangopay/hooks", ev)
//	handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, u, nil))
//
// The values are sent as given (escaped), so an empty or odd value can be
// used to test rejections. It fails only when target does not parse.
func EventURL(target string, ev mangopay.Event) (string, error) {
	u, err := url.Parse(target)
	if err != nil {
		return "", fmt.Errorf("mangopaytest: EventURL: target: %w", err)
	}
	d := ev.Date
	if d.IsZero() {
		d = time.Now()
	}
	q := u.Query()
	for k := range q {
		switch strings.ToLower(k) {
		case "eventtype", "ressourceid", "resourceid", "date":
			delete(q, k)
		}
	}
	var b strings.Builder
	b.WriteString("EventType=" + url.QueryEscape(string(ev.Type)))
	b.WriteString("&RessourceId=" + url.QueryEscape(ev.ResourceID))
	b.WriteString("&Date=" + strconv.FormatInt(d.Unix(), 10))
	if rest := q.Encode(); rest != "" {
		b.WriteString("&" + rest)
	}
	u.RawQuery = b.String()
	return u.String(), nil
}
