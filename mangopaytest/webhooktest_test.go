package mangopaytest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scaforge/mangopay"
	"github.com/scaforge/mangopay/mangopaytest"
)

const docsEventQuery = "EventType=USER_ACCOUNT_ACTIVATED&RessourceId=user_m_01JQVHDG0S0TJP5KFX029211BF&Date=1743627006"

func TestEventURL(t *testing.T) {
	t.Parallel()
	ev := mangopay.Event{Type: mangopay.EventUserAccountActivated, ResourceID: "user_m_01JQVHDG0S0TJP5KFX029211BF", Date: time.Unix(1743627006, 0)}
	u, err := mangopaytest.EventURL("https://www.example.com", ev)
	require.NoError(t, err)
	assert.Equal(t, "https://www.example.com?"+docsEventQuery, u, "the documented notification, byte for byte")

	u, err = mangopaytest.EventURL("https://platform.example/hooks/mangopay?key=abc+def", ev)
	require.NoError(t, err)
	assert.Equal(t, "https://platform.example/hooks/mangopay?"+docsEventQuery+"&key=abc+def", u)

	// Parameters of the target with the same names (any case, either
	// spelling) are replaced, not repeated.
	u, err = mangopaytest.EventURL("/hooks?EventType=OLD&date=1&ResourceId=x", ev)
	require.NoError(t, err)
	assert.Equal(t, "/hooks?"+docsEventQuery, u)

	// A zero Date becomes the current time; values are escaped as given.
	before := time.Now().Unix()
	u, err = mangopaytest.EventURL("/hooks", mangopay.Event{Type: mangopay.EventRecipientActive, ResourceID: "rec 1&x=y"})
	require.NoError(t, err)
	pu, err := url.Parse(u)
	require.NoError(t, err)
	d, err := strconv.ParseInt(pu.Query().Get("Date"), 10, 64)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, d, before)
	assert.LessOrEqual(t, d, time.Now().Unix())
	assert.Equal(t, "rec 1&x=y", pu.Query().Get("RessourceId"))
	assert.Empty(t, pu.Query().Get("x"))

	_, err = mangopaytest.EventURL("http://[::1", ev)
	assert.ErrorContains(t, err, "mangopaytest: EventURL: target")
}

// What EventURL builds parses back into the event, through a real handler.
func TestEventURLRoundTrip(t *testing.T) {
	t.Parallel()
	ev := mangopay.Event{Type: mangopay.EventTransferNormalFailed, ResourceID: "xfer_m_01", Date: time.Unix(1743627006, 0).UTC()}
	var got mangopay.Event
	h, err := mangopay.NewWebhookHandler(func(_ context.Context, e mangopay.Event) error { got = e; return nil })
	require.NoError(t, err)
	u, err := mangopaytest.EventURL("/mangopay/hooks", ev)
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, u, nil))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Equal(t, ev, got)
}
