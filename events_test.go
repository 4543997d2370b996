package mangopay

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// docsQuery is the notification of Mangopay's webhooks page.
const (
	docsUserID = "user_m_01JQVHDG0S0TJP5KFX029211BF"
	docsDate   = 1743627006
	docsQuery  = "EventType=USER_ACCOUNT_ACTIVATED&RessourceId=" + docsUserID + "&Date=1743627006"
)

// parseNow is the clock of the parsing tests: an hour after docsDate.
var parseNow = time.Unix(docsDate+3600, 0)

func TestParseEventTable(t *testing.T) {
	t.Parallel()
	inADay := strconv.FormatInt(parseNow.Add(24*time.Hour).Unix(), 10)
	tooLate := strconv.FormatInt(parseNow.Add(24*time.Hour+time.Second).Unix(), 10)
	docsTime := time.Unix(docsDate, 0).UTC()
	longID := strings.Repeat("a", 129)

	good := []struct {
		name  string
		query string
		want  Event
	}{
		{"documented example", docsQuery,
			Event{Type: EventUserAccountActivated, ResourceID: docsUserID, Date: docsTime}},
		{"ResourceId spelling", "EventType=TRANSFER_NORMAL_SUCCEEDED&ResourceId=xfer_m_01JQ&Date=1743627006",
			Event{Type: EventTransferNormalSucceeded, ResourceID: "xfer_m_01JQ", Date: docsTime}},
		{"both spellings agreeing", "EventType=RECIPIENT_ACTIVE&RessourceId=rec_01J&ResourceId=rec_01J&Date=1743627006",
			Event{Type: EventRecipientActive, ResourceID: "rec_01J", Date: docsTime}},
		{"unknown but well-formed type", "EventType=MANDATE_CREATED&RessourceId=4659626451&Date=1743627006",
			Event{Type: "MANDATE_CREATED", ResourceID: "4659626451", Date: docsTime}},
		{"extra parameters ignored", "token=s3cret&" + docsQuery + "&x=1",
			Event{Type: EventUserAccountActivated, ResourceID: docsUserID, Date: docsTime}},
		{"names matched case-insensitively", "eventtype=SCA_EMAIL_VERIFIED&ressourceid=user_m_1&DATE=1743627006",
			Event{Type: EventScaEmailVerified, ResourceID: "user_m_1", Date: docsTime}},
		{"percent-encoded id", "EventType=USER_ACCOUNT_CLOSED&RessourceId=user%5Fm%5F01&Date=1743627006",
			Event{Type: EventUserAccountClosed, ResourceID: "user_m_01", Date: docsTime}},
		{"Date with a fraction", "EventType=USER_ACCOUNT_CLOSED&RessourceId=u1&Date=1743627006.0",
			Event{Type: EventUserAccountClosed, ResourceID: "u1", Date: docsTime}},
		{"Date exactly a day ahead", "EventType=USER_ACCOUNT_CLOSED&RessourceId=u1&Date=" + inADay,
			Event{Type: EventUserAccountClosed, ResourceID: "u1", Date: parseNow.Add(24 * time.Hour).UTC()}},
		{"Date on 2000-01-01", "EventType=USER_ACCOUNT_CLOSED&RessourceId=u1&Date=946684800",
			Event{Type: EventUserAccountClosed, ResourceID: "u1", Date: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"other order, id of 128 bytes", "Date=1743627006&RessourceId=" + longID[:128] + "&EventType=SCA_TRANSFER_CONSENT_GIVEN",
			Event{Type: EventScaTransferConsentGiven, ResourceID: longID[:128], Date: docsTime}},
	}
	for _, tc := range good {
		t.Run("ok/"+tc.name, func(t *testing.T) {
			t.Parallel()
			ev, err := parseRawEventQuery(tc.query, parseNow)
			require.NoError(t, err)
			assert.Equal(t, tc.want, ev)
			assert.Equal(t, time.UTC, ev.Date.Location())
		})
	}

	bad := []struct {
		name    string
		query   string
		param   string
		problem string
		badID   bool
	}{
		{"empty query", "", "EventType", "is missing", false},
		{"EventType missing", "RessourceId=u1&Date=1743627006", "EventType", "is missing", false},
		{"EventType empty", "EventType=&RessourceId=u1&Date=1743627006", "EventType", "is empty", false},
		{"EventType lower case", "EventType=user_account_activated&RessourceId=u1&Date=1743627006", "EventType", "A-Z, 0-9", false},
		{"EventType markup", "EventType=%3Cscript%3E&RessourceId=u1&Date=1743627006", "EventType", "A-Z, 0-9", false},
		{"EventType too long", "EventType=" + strings.Repeat("A", 101) + "&RessourceId=u1&Date=1743627006", "EventType", "longer than 100", false},
		{"EventType twice", "EventType=USER_ACCOUNT_ACTIVATED&EventType=USER_ACCOUNT_ACTIVATED&RessourceId=u1&Date=1743627006", "EventType", "given 2 times", false},
		{"EventType twice in two cases", "EventType=USER_ACCOUNT_ACTIVATED&eventType=USER_ACCOUNT_CLOSED&RessourceId=u1&Date=1743627006", "EventType", "given 2 times", false},
		{"RessourceId missing", "EventType=USER_ACCOUNT_ACTIVATED&Date=1743627006", "RessourceId", "is missing", false},
		{"RessourceId empty", "EventType=USER_ACCOUNT_ACTIVATED&RessourceId=&Date=1743627006", "RessourceId", "is empty", false},
		{"RessourceId twice", "EventType=USER_ACCOUNT_ACTIVATED&RessourceId=u1&RessourceId=u2&Date=1743627006", "RessourceId", "given 2 times", false},
		{"ResourceId empty", "EventType=USER_ACCOUNT_ACTIVATED&ResourceId=&Date=1743627006", "ResourceId", "is empty", false},
		{"both spellings disagreeing", "EventType=USER_ACCOUNT_ACTIVATED&RessourceId=u1&ResourceId=u2&Date=1743627006", "RessourceId", "disagrees with ResourceId", false},
		{"both spellings, RessourceId repeated", "EventType=USER_ACCOUNT_ACTIVATED&RessourceId=u1&RessourceId=u1&ResourceId=u1&Date=1743627006", "RessourceId", "given 2 times", false},
		{"both spellings, one repeated", "EventType=USER_ACCOUNT_ACTIVATED&RessourceId=u1&ResourceId=u1&ResourceId=u1&Date=1743627006", "ResourceId", "given 2 times", false},
		{"id with a slash", "EventType=USER_ACCOUNT_ACTIVATED&RessourceId=u1%2F..%2Fwallets&Date=1743627006", "RessourceId", "not a valid Mangopay id", true},
		{"id is a dot segment", "EventType=USER_ACCOUNT_ACTIVATED&RessourceId=..&Date=1743627006", "RessourceId", "not a valid Mangopay id", true},
		{"id with a space", "EventType=USER_ACCOUNT_ACTIVATED&RessourceId=u+1&Date=1743627006", "RessourceId", "not a valid Mangopay id", true},
		{"id with a NUL", "EventType=USER_ACCOUNT_ACTIVATED&RessourceId=u%001&Date=1743627006", "RessourceId", "not a valid Mangopay id", true},
		{"id with a query mark", "EventType=USER_ACCOUNT_ACTIVATED&RessourceId=u%3Fx%3D1&Date=1743627006", "RessourceId", "not a valid Mangopay id", true},
		{"id over 128 bytes", "EventType=USER_ACCOUNT_ACTIVATED&RessourceId=" + longID + "&Date=1743627006", "RessourceId", "not a valid Mangopay id", true},
		{"Date missing", "EventType=USER_ACCOUNT_ACTIVATED&RessourceId=u1", "Date", "is missing", false},
		{"Date empty", "EventType=USER_ACCOUNT_ACTIVATED&RessourceId=u1&Date=", "Date", "is empty", false},
		{"Date twice", "EventType=USER_ACCOUNT_ACTIVATED&RessourceId=u1&Date=1743627006&Date=1743627007", "Date", "given 2 times", false},
		{"Date is a word", "EventType=USER_ACCOUNT_ACTIVATED&RessourceId=u1&Date=yesterday", "Date", "not Unix seconds", false},
		{"Date negative", "EventType=USER_ACCOUNT_ACTIVATED&RessourceId=u1&Date=-1743627006", "Date", "not Unix seconds", false},
		{"Date with a plus", "EventType=USER_ACCOUNT_ACTIVATED&RessourceId=u1&Date=%2B1743627006", "Date", "not Unix seconds", false},
		{"Date with an exponent", "EventType=USER_ACCOUNT_ACTIVATED&RessourceId=u1&Date=1.7e9", "Date", "not Unix seconds", false},
		{"Date in hex", "EventType=USER_ACCOUNT_ACTIVATED&RessourceId=u1&Date=0x67ED5A3E", "Date", "not Unix seconds", false},
		{"Date with an empty fraction", "EventType=USER_ACCOUNT_ACTIVATED&RessourceId=u1&Date=1743627006.", "Date", "not Unix seconds", false},
		{"Date as RFC 3339", "EventType=USER_ACCOUNT_ACTIVATED&RessourceId=u1&Date=2025-04-02T20:50:06Z", "Date", "not Unix seconds", false},
		{"Date zero", "EventType=USER_ACCOUNT_ACTIVATED&RessourceId=u1&Date=0", "Date", "before 2000-01-01", false},
		{"Date a second before 2000", "EventType=USER_ACCOUNT_ACTIVATED&RessourceId=u1&Date=946684799", "Date", "before 2000-01-01", false},
		{"Date over a day ahead", "EventType=USER_ACCOUNT_ACTIVATED&RessourceId=u1&Date=" + tooLate, "Date", "more than a day in the future", false},
		{"Date absurdly large", "EventType=USER_ACCOUNT_ACTIVATED&RessourceId=u1&Date=99999999999999999999", "Date", "out of range", false},
		{"query over 2 KiB", docsQuery + "&pad=" + strings.Repeat("x", MaxEventQueryLength), "query", "longer than 2048 bytes", false},
		{"query over 2 KiB once escaped", docsQuery + "&pad=" + strings.Repeat("%41", 700), "query", "longer than 2048 bytes", false},
		{"bad percent-encoding", "EventType=USER_ACCOUNT_ACTIVATED&RessourceId=u%zz&Date=1743627006", "query", "does not parse", false},
		{"semicolon separator", "EventType=USER_ACCOUNT_ACTIVATED;RessourceId=u1&Date=1743627006", "query", "does not parse", false},
	}
	for _, tc := range bad {
		t.Run("bad/"+tc.name, func(t *testing.T) {
			t.Parallel()
			ev, err := parseRawEventQuery(tc.query, parseNow)
			require.Error(t, err)
			assert.Equal(t, Event{}, ev)
			assert.ErrorIs(t, err, ErrInvalidEvent)
			var ee *EventError
			require.ErrorAs(t, err, &ee)
			assert.Equal(t, tc.param, ee.Param)
			assert.Contains(t, ee.Problem, tc.problem)
			assert.Equal(t, tc.badID, errors.Is(err, ErrInvalidID), "ErrInvalidID match")
			msg := err.Error()
			assert.True(t, strings.HasPrefix(msg, "mangopay: invalid webhook notification: "+tc.param), msg)
			assert.NotContains(t, msg, "\n")
			assert.NotContains(t, msg, "\x00")
			assert.LessOrEqual(t, len(msg), 400, "the message stays short")
		})
	}
}

func TestParseEventRequest(t *testing.T) {
	t.Parallel()
	r, err := http.NewRequest(http.MethodGet, "https://platform.example/hooks?"+docsQuery, nil)
	require.NoError(t, err)
	ev, err := ParseEvent(r)
	require.NoError(t, err)
	assert.Equal(t, Event{Type: EventUserAccountActivated, ResourceID: docsUserID, Date: time.Unix(docsDate, 0).UTC()}, ev)

	_, err = ParseEvent(nil)
	assert.ErrorIs(t, err, ErrInvalidEvent)
	_, err = ParseEvent(&http.Request{})
	assert.ErrorIs(t, err, ErrInvalidEvent)

	// The future bound uses the real clock.
	future := strconv.FormatInt(time.Now().Add(48*time.Hour).Unix(), 10)
	r, err = http.NewRequest(http.MethodGet, "/hooks?EventType=USER_ACCOUNT_ACTIVATED&RessourceId=u1&Date="+future, nil)
	require.NoError(t, err)
	_, err = ParseEvent(r)
	var ee *EventError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, "Date", ee.Param)
}

func TestParseEventQuery(t *testing.T) {
	t.Parallel()
	ev, err := ParseEventQuery(url.Values{"EventType": {"RECIPIENT_DEACTIVATED"}, "ResourceId": {"rec_01"}, "Date": {"1743627006"}})
	require.NoError(t, err)
	assert.Equal(t, Event{Type: EventRecipientDeactivated, ResourceID: "rec_01", Date: time.Unix(docsDate, 0).UTC()}, ev)

	var ee *EventError
	_, err = ParseEventQuery(nil)
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, "EventType", ee.Param)

	_, err = ParseEventQuery(url.Values{"EventType": {"A", "A"}, "RessourceId": {"u"}, "Date": {"1743627006"}})
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, "EventType", ee.Param)
	assert.Contains(t, ee.Problem, "given 2 times")

	// The size cap applies to values too, not only to a raw query.
	big := url.Values{"EventType": {"USER_ACCOUNT_ACTIVATED"}, "RessourceId": {"u1"}, "Date": {"1743627006"},
		"pad": {strings.Repeat("x", MaxEventQueryLength)}}
	_, err = ParseEventQuery(big)
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, "query", ee.Param)
	// Many small parameters add up.
	many := url.Values{"EventType": {"USER_ACCOUNT_ACTIVATED"}, "RessourceId": {"u1"}, "Date": {"1743627006"}}
	for i := range 400 {
		many.Set("p"+strconv.Itoa(i), "v")
	}
	_, err = ParseEventQuery(many)
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, "query", ee.Param)
}

func TestEventErrorMessage(t *testing.T) {
	t.Parallel()
	_, err := parseRawEventQuery("EventType=USER_ACCOUNT_ACTIVATED&RessourceId=u1&Date=%0A%1B[31mevil"+strings.Repeat("x", 100), parseNow)
	require.Error(t, err)
	var ee *EventError
	require.ErrorAs(t, err, &ee)
	assert.LessOrEqual(t, len(ee.Value), 40+len("…"), "the value is shortened")
	assert.NotContains(t, err.Error(), "\n")
	assert.NotContains(t, err.Error(), "\x1b", "control characters are escaped")
	assert.Contains(t, err.Error(), `"\n\x1b[31mevil`)

	_, err = parseRawEventQuery("EventType=USER_ACCOUNT_ACTIVATED&RessourceId=a%2Fb&Date=1743627006", parseNow)
	assert.EqualError(t, err, `mangopay: invalid webhook notification: RessourceId "a/b" is not a valid Mangopay id: mangopay: invalid id: RessourceId "a/b" contains '/', '\', '?' or '#'`)
}

func TestEventTypeResourceKind(t *testing.T) {
	t.Parallel()
	want := map[EventType]ResourceKind{
		"USER_ACCOUNT_VALIDATION_ASKED":                  ResourceKindUser,
		"USER_ACCOUNT_ACTIVATED":                         ResourceKindUser,
		"USER_ACCOUNT_CLOSED":                            ResourceKindUser,
		"SCA_ENROLLMENT_SUCCEEDED":                       ResourceKindUser,
		"SCA_ENROLLMENT_FAILED":                          ResourceKindUser,
		"SCA_ENROLLMENT_EXPIRED":                         ResourceKindUser,
		"USER_CATEGORY_UPDATED_TO_OWNER":                 ResourceKindUser,
		"USER_CATEGORY_UPDATED_TO_PAYER":                 ResourceKindUser,
		"USER_CATEGORY_UPDATED_TO_PLATFORM":              ResourceKindUser,
		"RECIPIENT_ACTIVE":                               ResourceKindRecipient,
		"RECIPIENT_CANCELED":                             ResourceKindRecipient,
		"RECIPIENT_DEACTIVATED":                          ResourceKindRecipient,
		"TRANSFER_NORMAL_CREATED":                        ResourceKindTransfer,
		"TRANSFER_NORMAL_SUCCEEDED":                      ResourceKindTransfer,
		"TRANSFER_NORMAL_FAILED":                         ResourceKindTransfer,
		"SCA_CONTACT_INFORMATION_UPDATE_CONSENT_GIVEN":   ResourceKindUser,
		"SCA_CONTACT_INFORMATION_UPDATE_CONSENT_REVOKED": ResourceKindUser,
		"SCA_TRANSFER_CONSENT_GIVEN":                     ResourceKindUser,
		"SCA_TRANSFER_CONSENT_REVOKED":                   ResourceKindUser,
		"SCA_RECIPIENT_REGISTRATION_CONSENT_GIVEN":       ResourceKindUser,
		"SCA_RECIPIENT_REGISTRATION_CONSENT_REVOKED":     ResourceKindUser,
		"SCA_VIEW_ACCOUNT_INFORMATION_CONSENT_GIVEN":     ResourceKindUser,
		"SCA_VIEW_ACCOUNT_INFORMATION_CONSENT_REVOKED":   ResourceKindUser,
		"SCA_EMAIL_VERIFIED":                             ResourceKindUser,
		"SCA_PHONE_NUMBER_VERIFIED":                      ResourceKindUser,
	}
	for typ, kind := range want {
		assert.Equal(t, kind, typ.ResourceKind(), typ)
		assert.True(t, typ.Known(), typ)
	}
	all := ScaEventTypes()
	assert.Len(t, all, len(want))
	for i, typ := range all {
		assert.Contains(t, want, typ)
		if i > 0 {
			assert.Less(t, all[i-1], typ, "sorted")
		}
	}
	for _, typ := range []EventType{"", "MANDATE_CREATED", "KYC_SUCCEEDED", "user_account_activated"} {
		assert.Equal(t, ResourceKindUnknown, typ.ResourceKind(), typ)
		assert.False(t, typ.Known(), typ)
	}
	// The constants spell what Mangopay sends.
	assert.Equal(t, EventType("USER_ACCOUNT_ACTIVATED"), EventUserAccountActivated)
	assert.Equal(t, EventType("SCA_VIEW_ACCOUNT_INFORMATION_CONSENT_REVOKED"), EventScaViewAccountInformationConsentRevoked)
	assert.Equal(t, EventType("TRANSFER_NORMAL_FAILED"), EventTransferNormalFailed)
}

func TestDeliveryKey(t *testing.T) {
	t.Parallel()
	k := DeliveryKey{Type: EventTransferNormalSucceeded, ResourceID: "a|b", State: "SUCCEEDED", Date: time.Unix(docsDate, 0)}
	assert.Equal(t, "TRANSFER_NORMAL_SUCCEEDED|SUCCEEDED|1743627006|a|b", k.String(), "the id is last: unambiguous whatever it holds")
	for _, other := range []DeliveryKey{
		{Type: EventTransferNormalFailed, ResourceID: "a|b", State: "SUCCEEDED", Date: k.Date},
		{Type: k.Type, ResourceID: "a", State: "SUCCEEDED", Date: k.Date},
		{Type: k.Type, ResourceID: "a|b", State: "", Date: k.Date},
		{Type: k.Type, ResourceID: "a|b", State: "SUCCEEDED", Date: k.Date.Add(time.Second)},
	} {
		assert.NotEqual(t, k.String(), other.String(), "%+v", other)
	}
}

func TestEventClaimsAreKnownTypes(t *testing.T) {
	t.Parallel()
	for typ, c := range eventClaims {
		assert.True(t, typ.Known(), typ)
		var res any
		switch typ.ResourceKind() {
		case ResourceKindUser:
			res = &User{}
		case ResourceKindTransfer:
			res = &Transfer{}
		case ResourceKindRecipient:
			res = &Recipient{}
		case ResourceKindPayIn:
			res = &PayIn{}
		case ResourceKindPayout:
			res = &Payout{}
		case ResourceKindRefund:
			res = &Refund{}
		case ResourceKindIdentityVerification:
			res = &IdentityVerification{}
		}
		_, ok := observedState(res, c.Field)
		assert.True(t, ok, "%s: a %T has a %s", typ, res, c.Field)
		assert.NotEmpty(t, c.Value, typ)
	}
	_, ok := observedState("not a resource", "Status")
	assert.False(t, ok)
}

func TestCheckEvent(t *testing.T) {
	t.Parallel()
	now := time.Unix(docsDate, 0)
	ok := Event{Type: EventUserAccountActivated, ResourceID: docsUserID, Date: now}
	require.NoError(t, checkEvent(ok, now))
	for _, tc := range []struct {
		mutate  func(*Event)
		param   string
		problem string
	}{
		{func(e *Event) { e.Type = "" }, "EventType", "is missing"},
		{func(e *Event) { e.Type = "<script>" }, "EventType", "holds characters other than A-Z, 0-9 and '_'"},
		{func(e *Event) { e.ResourceID = "" }, "RessourceId", "is missing"},
		{func(e *Event) { e.ResourceID = "../hooks" }, "RessourceId", "is not a valid Mangopay id"},
		{func(e *Event) { e.Date = time.Time{} }, "Date", "is missing"},
		{func(e *Event) { e.Date = time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC) }, "Date", "is before 2000-01-01"},
		{func(e *Event) { e.Date = now.Add(25 * time.Hour) }, "Date", "is more than a day in the future"},
	} {
		ev := ok
		tc.mutate(&ev)
		err := checkEvent(ev, now)
		var ee *EventError
		require.ErrorAs(t, err, &ee, tc.problem)
		assert.ErrorIs(t, err, ErrInvalidEvent)
		assert.Equal(t, tc.param, ee.Param)
		assert.Equal(t, tc.problem, ee.Problem)
	}
}

// FuzzParseEvent checks that any query either parses into an event that
// satisfies every rule, or fails with a clean *EventError; never a panic.
func FuzzParseEvent(f *testing.F) {
	for _, seed := range []string{
		docsQuery,
		"EventType=TRANSFER_NORMAL_SUCCEEDED&ResourceId=xfer_m_01JQ&Date=1743627006",
		"EventType=A&RessourceId=u&ResourceId=v&Date=1",
		"EventType=USER_ACCOUNT_ACTIVATED&RessourceId=..&Date=1743627006.5",
		"eventtype=X&EVENTTYPE=Y",
		"EventType=%zz;Date=",
		"Date=99999999999999999999&RessourceId=%00",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		ev, err := parseRawEventQuery(raw, parseNow)
		if err != nil {
			var ee *EventError
			if !errors.As(err, &ee) || !errors.Is(err, ErrInvalidEvent) {
				t.Fatalf("error %v is not an *EventError matching ErrInvalidEvent", err)
			}
			if strings.ContainsAny(err.Error(), "\n\r\x00") {
				t.Fatalf("error %q has control characters", err.Error())
			}
			if ev != (Event{}) {
				t.Fatalf("non-zero event %+v with an error", ev)
			}
			return
		}
		if len(raw) > MaxEventQueryLength {
			t.Fatalf("accepted a %d-byte query", len(raw))
		}
		if ev.Type == "" || len(ev.Type) > maxEventTypeLength || strings.Trim(string(ev.Type), "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != "" {
			t.Fatalf("accepted event type %q", ev.Type)
		}
		if err := validateID("id", ev.ResourceID); err != nil {
			t.Fatalf("accepted id: %v", err)
		}
		if ev.Date.Before(eventMinDate) || ev.Date.After(parseNow.Add(EventFutureTolerance)) {
			t.Fatalf("accepted date %v", ev.Date)
		}
		// What the test helper builds from the event parses back to it.
		pu, err := url.Parse(eventTarget("/hooks", ev))
		if err != nil {
			t.Fatal(err)
		}
		back, err := parseRawEventQuery(pu.RawQuery, parseNow)
		if err != nil {
			t.Fatalf("round trip of %+v: %v", ev, err)
		}
		if back != ev {
			t.Fatalf("round trip changed %+v into %+v", ev, back)
		}
	})
}
