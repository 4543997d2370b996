package mangopay

import (
	"context"
	"encoding/json"
	"net"
	"reflect"
	"strings"
	"sync"
)

// Helpers shared by several files of the package.

// truncate shortens s for inclusion in an error message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// cut at a rune boundary
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// isLoopback reports whether host is localhost or a loopback IP address.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// send runs one call on path and decodes a 2xx answer into a new T. It
// returns the decoded value together with the call's error, for the caller's
// result rule to apply: orNil, keepOnSca or recipientResult. body is sent as
// JSON when non-nil (a GET passes nil).
func send[T any](ctx context.Context, c *Client, method, path string, body any, opts []RequestOption) (*T, error) {
	var out T
	return &out, c.do(ctx, apiRequest{method: method, path: path, body: body, out: &out, opts: opts})
}

// callPath is send on the path built by pathf(format, id). An invalid id
// returns (nil, the pathf error) before any network call.
func callPath[T any](ctx context.Context, c *Client, method, format, id string, body any, opts []RequestOption) (*T, error) {
	path, err := pathf(format, id)
	if err != nil {
		return nil, err
	}
	return send[T](ctx, c, method, path, body, opts)
}

// orNil is the result rule of calls that return nothing with an error.
func orNil[T any](out *T, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	return out, nil
}

// scaCarrier is implemented by response models whose SCA link is not in a
// PendingUserAction field of their own (User keeps it in the decoded
// NaturalUser or LegalUser).
type scaCarrier interface {
	pendingRedirect() string
}

// pendingFields caches, per struct type, the index of its
// "PendingUserAction *PendingUserAction" field, or -1.
var pendingFields sync.Map // reflect.Type -> int

var pendingActionType = reflect.TypeFor[*PendingUserAction]()

// pendingRedirectOf returns the SCA link a decoded response carries: the
// RedirectURL of its PendingUserAction field (Transfer, Recipient,
// NaturalUser, LegalUser, ScaEnrollment, and any model added later with that
// field), or what an scaCarrier reports, or "". The pipeline turns a
// non-empty link into a *ScaRequiredError.
func pendingRedirectOf(out any) string {
	switch o := out.(type) {
	case scaCarrier:
		return o.pendingRedirect()
	case *map[string]any: // Do with a generic result
		if o != nil {
			return pendingInMap(*o)
		}
		return ""
	case *any:
		if o != nil {
			if m, ok := (*o).(map[string]any); ok {
				return pendingInMap(m)
			}
		}
		return ""
	case *json.RawMessage:
		var v struct{ PendingUserAction *PendingUserAction }
		if o != nil && json.Unmarshal(*o, &v) == nil && v.PendingUserAction != nil {
			return v.PendingUserAction.RedirectURL
		}
		return ""
	}
	v := reflect.ValueOf(out)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return ""
	}
	v = v.Elem()
	i, ok := pendingFields.Load(v.Type())
	if !ok {
		idx := -1
		if f, found := v.Type().FieldByName("PendingUserAction"); found && f.Type == pendingActionType && len(f.Index) == 1 {
			idx = f.Index[0]
		}
		i, _ = pendingFields.LoadOrStore(v.Type(), idx)
	}
	if i.(int) < 0 {
		return ""
	}
	if pa := v.Field(i.(int)).Interface().(*PendingUserAction); pa != nil {
		return pa.RedirectURL
	}
	return ""
}

// pendingInMap reads PendingUserAction.RedirectUrl of a body decoded into a
// map (names matched case-insensitively, as encoding/json does for structs).
func pendingInMap(m map[string]any) string {
	pa, _ := mapField(m, "PendingUserAction").(map[string]any)
	link, _ := mapField(pa, "RedirectUrl").(string)
	return link
}

// mapField returns m[name], or the value of a key equal to name under
// Unicode case-folding when there is no exact key.
func mapField(m map[string]any, name string) any {
	if v, ok := m[name]; ok {
		return v
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}
