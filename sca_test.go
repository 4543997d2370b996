package mangopay

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Documented links (guides/sca/wallets.mdx and view-wallet.mdx).
const (
	docLink        = "https://sca.mangopay.com?token=0193d02f30df7a188c51cf890a191d21"
	docSandboxLink = "https://sca.sandbox.mangopay.com/?token=0193cf51ed367151a0cb1c59def21e13"
)

// wwwAuthCases is shared by the table test and the fuzz seed corpus.
var wwwAuthCases = []struct {
	name   string
	header string
	want   string // "" means ok=false
}{
	{"docs guide spelling RedirectUrl", "PendingUserAction RedirectUrl=" + docLink, docLink},
	{"docs reference spelling redirectUrl", "PendingUserAction redirectUrl=" + docSandboxLink, docSandboxLink},
	{"param name upper case", "PendingUserAction REDIRECTURL=" + docLink, docLink},
	{"scheme lower case", "pendinguseraction redirecturl=" + docLink, docLink},
	{"scheme upper case", "PENDINGUSERACTION RedirectUrl=" + docLink, docLink},
	{"quoted value", `PendingUserAction RedirectUrl="` + docLink + `"`, docLink},
	{"quoted value with escapes", `PendingUserAction RedirectUrl="https://sca.mangopay.com/?token=a\"b\\c"`, `https://sca.mangopay.com/?token=a"b\c`},
	{"quoted value with comma and space", `PendingUserAction RedirectUrl="https://sca.mangopay.com/?t=1,2 3"`, "https://sca.mangopay.com/?t=1,2 3"},
	{"Bearer challenge before", `Bearer realm="x", PendingUserAction RedirectUrl=` + docLink, docLink},
	{"Bearer challenge after", `PendingUserAction RedirectUrl=` + docLink + `, Bearer realm="x", error="invalid_token"`, docLink},
	{"challenges before and after", `Bearer realm="a, b", PendingUserAction RedirectUrl=` + docLink + `, Basic realm=x`, docLink},
	{"token68 challenge before", "Basic dXNlcjpwYXNz, PendingUserAction RedirectUrl=" + docLink, docLink},
	{"token68 with padding before", "Negotiate YWJjZA==, PendingUserAction RedirectUrl=" + docLink, docLink},
	{"token68 alone", "Basic YWJjZA==", ""},
	{"other param first in same challenge", `PendingUserAction realm="sca", RedirectUrl=` + docLink, docLink},
	{"tab between scheme and param", "PendingUserAction\tRedirectUrl=" + docLink, docLink},
	{"several spaces between scheme and param", "PendingUserAction    RedirectUrl=" + docLink, docLink},
	{"BWS spaces around =", "PendingUserAction RedirectUrl = " + docLink, docLink},
	{"BWS tabs around =", "PendingUserAction RedirectUrl\t=\t" + docLink, docLink},
	{"leading and trailing whitespace", " \t PendingUserAction RedirectUrl=" + docLink + " \t ", docLink},
	{"empty list elements first", " , ,PendingUserAction RedirectUrl=" + docLink, docLink},
	{"empty header", "", ""},
	{"whitespace only", " \t ", ""},
	{"garbage", "@@@ !!! ???", ""},
	{"only equals signs", "===", ""},
	{"only commas", ",,,", ""},
	{"unterminated quoted value", `PendingUserAction RedirectUrl="` + docLink, ""},
	{"empty value", "PendingUserAction RedirectUrl=", ""},
	{"empty value then comma", "PendingUserAction RedirectUrl=, Bearer", ""},
	{"empty quoted value", `PendingUserAction RedirectUrl=""`, ""},
	{"scheme without params", "PendingUserAction", ""},
	{"scheme without params then another challenge", `PendingUserAction, Bearer realm="x"`, ""},
	{"URL containing = and &", "PendingUserAction RedirectUrl=https://sca.mangopay.com/?token=ab==&x=1&y=a=b", "https://sca.mangopay.com/?token=ab==&x=1&y=a=b"},
	{"value ends at comma (not greedy)", "PendingUserAction RedirectUrl=https://sca.mangopay.com/?t=1,Bearer", "https://sca.mangopay.com/?t=1"},
	{"value ends at whitespace (not greedy)", "PendingUserAction RedirectUrl=https://sca.mangopay.com/?t=1 junk", "https://sca.mangopay.com/?t=1"},
	{"greedy trap: challenge after unquoted value", `PendingUserAction RedirectUrl=https://sca.mangopay.com/?t=1, Bearer realm="x"`, "https://sca.mangopay.com/?t=1"},
	{"RedirectUrl under another scheme", "Bearer RedirectUrl=https://evil.example/", ""},
	{"RedirectUrl in a quoted value of another scheme", `Bearer realm="PendingUserAction RedirectUrl=https://evil.example/"`, ""},
	{"param name with suffix", "PendingUserAction RedirectUrlX=" + docLink, ""},
	{"param name with prefix", "PendingUserAction XRedirectUrl=" + docLink, ""},
	{"scheme with suffix", "PendingUserActions RedirectUrl=" + docLink, ""},
	{"param without scheme", "RedirectUrl=" + docLink, ""},
	{"second PendingUserAction used when first is empty", "PendingUserAction RedirectUrl=, PendingUserAction RedirectUrl=" + docLink, docLink},
	{"first of two RedirectUrl params", "PendingUserAction RedirectUrl=https://sca.mangopay.com/?t=1, RedirectUrl=https://sca.mangopay.com/?t=2", "https://sca.mangopay.com/?t=1"},
	{"header values joined by the pipeline", `Bearer realm="api", PendingUserAction redirectUrl=` + docSandboxLink, docSandboxLink},
	{"quote glued to scheme", `PendingUserAction"RedirectUrl=x"`, ""},
}

func TestParseWWWAuthenticate(t *testing.T) {
	t.Parallel()
	require.GreaterOrEqual(t, len(wwwAuthCases), 25)
	for _, tc := range wwwAuthCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := ParseWWWAuthenticate(tc.header)
			assert.Equal(t, tc.want != "", ok, "ok for %q", tc.header)
			assert.Equal(t, tc.want, got, "link for %q", tc.header)
		})
	}
}

// quoteAuthParam renders s as an RFC 9110 quoted-string.
func quoteAuthParam(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func FuzzParseWWWAuthenticate(f *testing.F) {
	for _, tc := range wwwAuthCases {
		f.Add(tc.header)
	}
	f.Fuzz(func(t *testing.T, header string) {
		link, ok := ParseWWWAuthenticate(header)
		if !ok {
			if link != "" {
				t.Fatalf("ok=false with link %q", link)
			}
			return
		}
		if link == "" {
			t.Fatalf("ok=true with an empty link for %q", header)
		}
		if !hasScaChallenge(header) {
			t.Fatalf("link %q found in %q, which hasScaChallenge says has no PendingUserAction challenge", link, header)
		}
		// A returned link round-trips through a quoted-string challenge,
		// alone and between other challenges.
		for _, h := range []string{
			"PendingUserAction RedirectUrl=" + quoteAuthParam(link),
			`Bearer realm="x", PendingUserAction redirectUrl=` + quoteAuthParam(link) + ", Basic abc==",
		} {
			if got, ok := ParseWWWAuthenticate(h); !ok || got != link {
				t.Fatalf("link %q from %q does not round-trip through %q: got %q, %v", link, header, h, got, ok)
			}
		}
		// An unquoted link has no delimiter in it, so it round-trips unquoted
		// too, unless it starts with '=': "RedirectUrl==..." is token68
		// padding, not a parameter (found by the fuzzer: "RedirectUrl= =").
		if !strings.ContainsAny(link, " \t,\"") && !strings.HasPrefix(link, "=") {
			if got, ok := ParseWWWAuthenticate("PendingUserAction RedirectUrl=" + link); !ok || got != link {
				t.Fatalf("unquoted link %q does not round-trip: got %q, %v", link, got, ok)
			}
		}
		// Not greedy: a challenge appended after the header changes nothing.
		for _, tail := range []string{`, Bearer realm="x"`, ", Basic abc==", ",PendingUserAction RedirectUrl=https://other.example/"} {
			if got, ok := ParseWWWAuthenticate(header + tail); !ok || got != link {
				t.Fatalf("appending %q to %q changed the link %q to %q (%v)", tail, header, link, got, ok)
			}
		}
	})
}

// FuzzParseWWWAuthenticateQuoted treats the input as a link: any non-empty
// value survives a quoted-string challenge, whatever the parameter's letter
// case and the challenges around it.
func FuzzParseWWWAuthenticateQuoted(f *testing.F) {
	for _, tc := range wwwAuthCases {
		if tc.want != "" {
			f.Add(tc.want)
		}
	}
	f.Add(`a"b\c, d e`)
	f.Fuzz(func(t *testing.T, link string) {
		if link == "" {
			return
		}
		q := quoteAuthParam(link)
		for _, h := range []string{
			"PendingUserAction RedirectUrl=" + q,
			"pendinguseraction redirecturl = " + q + " ,",
			`Basic realm="a, b", PendingUserAction realm=x, REDIRECTURL=` + q + `, Bearer error="invalid_token"`,
		} {
			if got, ok := ParseWWWAuthenticate(h); !ok || got != link {
				t.Fatalf("quoted link %q from %q: got %q, %v", link, h, got, ok)
			}
		}
	})
}

// appendCase is one AppendReturnURL case.
type appendCase struct {
	name    string
	link    string
	ret     string
	opts    []ReturnOption
	want    string // exact result when wantErr is ""
	wantErr string // substring of the error
}

const encodedExample = "https%3A%2F%2Fexample.com"

// padded returns an https return URL of exactly n characters.
func padded(n int) string {
	const prefix = "https://platform.example/r?x="
	return prefix + strings.Repeat("a", n-len(prefix))
}

// returnFor returns a return URL that makes AppendReturnURL(docLink, ...) exactly n characters long.
func returnFor(n int) string {
	overhead := len(docLink+"&returnUrl="+url.QueryEscape(padded(40))) - 40
	return padded(n - overhead)
}

var appendCases = []appendCase{
	{name: "documented example", link: docLink, ret: "https://example.com",
		want: docLink + "&returnUrl=" + encodedExample},
	{name: "lang es", link: docLink, ret: "https://example.com", opts: []ReturnOption{WithLang("es")},
		want: docLink + "&returnUrl=" + encodedExample + "&lang=es"},
	{name: "lang se (Swedish) accepted", link: docLink, ret: "https://example.com", opts: []ReturnOption{WithLang("se")},
		want: docLink + "&returnUrl=" + encodedExample + "&lang=se"},
	{name: "lang sv refused", link: docLink, ret: "https://example.com", opts: []ReturnOption{WithLang("sv")}, wantErr: `lang "sv" is not a language`},
	{name: "lang upper case refused", link: docLink, ret: "https://example.com", opts: []ReturnOption{WithLang("EN")}, wantErr: `lang "EN"`},
	{name: "lang unknown refused", link: docLink, ret: "https://example.com", opts: []ReturnOption{WithLang("xx")}, wantErr: "bg nl en fr de el it pl pt es se"},
	{name: "empty lang means none", link: docLink, ret: "https://example.com", opts: []ReturnOption{WithLang("")},
		want: docLink + "&returnUrl=" + encodedExample},
	{name: "nil option ignored", link: docLink, ret: "https://example.com", opts: []ReturnOption{nil},
		want: docLink + "&returnUrl=" + encodedExample},
	{name: "sandbox link with path", link: docSandboxLink, ret: "https://example.com",
		want: docSandboxLink + "&returnUrl=" + encodedExample},
	{name: "return URL with its own query", link: docLink, ret: "https://platform.example/sca/done?transfer=xfer_1&x=a%20b",
		want: docLink + "&returnUrl=https%3A%2F%2Fplatform.example%2Fsca%2Fdone%3Ftransfer%3Dxfer_1%26x%3Da%2520b"},
	{name: "return URL with unicode", link: docLink, ret: "https://例え.jp/café?q=ü",
		want: docLink + "&returnUrl=https%3A%2F%2F%E4%BE%8B%E3%81%88.jp%2Fcaf%C3%A9%3Fq%3D%C3%BC"},
	{name: "plain http return URL accepted", link: docLink, ret: "http://localhost:3000/done",
		want: docLink + "&returnUrl=http%3A%2F%2Flocalhost%3A3000%2Fdone"},
	{name: "upper-case scheme accepted as given", link: docLink, ret: "HTTPS://PLATFORM.EXAMPLE/done",
		want: docLink + "&returnUrl=HTTPS%3A%2F%2FPLATFORM.EXAMPLE%2Fdone"},
	{name: "return URL with fragment", link: docLink, ret: "https://platform.example/done#top", wantErr: "fragment"},
	{name: "return URL with empty fragment", link: docLink, ret: "https://platform.example/done#", wantErr: "fragment"},
	{name: "relative return URL", link: docLink, ret: "/sca/done", wantErr: "not absolute"},
	{name: "scheme-relative //host", link: docLink, ret: "//platform.example/done", wantErr: "not absolute"},
	{name: "javascript:", link: docLink, ret: "javascript:alert(1)", wantErr: `scheme "javascript"`},
	{name: "data:", link: docLink, ret: "data:text/html,<script>alert(1)</script>", wantErr: `scheme "data"`},
	{name: "ftp:", link: docLink, ret: "ftp://platform.example/file", wantErr: `scheme "ftp"`},
	{name: "no host", link: docLink, ret: "https:///done", wantErr: "no host"},
	{name: "leading whitespace", link: docLink, ret: " https://platform.example/done", wantErr: "whitespace"},
	{name: "inner whitespace", link: docLink, ret: "https://platform.example/a b", wantErr: "whitespace"},
	{name: "tab", link: docLink, ret: "https://platform.example/a\tb", wantErr: "returnURL"},
	{name: "empty return URL", link: docLink, ret: "", wantErr: "returnURL is empty"},
	{name: "result of 1999 characters accepted", link: docLink, ret: returnFor(1999),
		want: docLink + "&returnUrl=" + url.QueryEscape(returnFor(1999))},
	{name: "result of 2000 characters refused", link: docLink, ret: returnFor(2000), wantErr: "2000 characters"},
	{name: "far over-long result refused", link: docLink, ret: padded(5000), wantErr: "fewer than 2000"},
	{name: "link without query", link: "https://sca.mangopay.com/session", ret: "https://example.com",
		want: "https://sca.mangopay.com/session?returnUrl=" + encodedExample},
	{name: "link with fragment keeps it last", link: "https://sca.mangopay.com/?token=abc#step2", ret: "https://example.com",
		want: "https://sca.mangopay.com/?token=abc&returnUrl=" + encodedExample + "#step2"},
	{name: "existing returnUrl replaced", link: docLink + "&returnUrl=https%3A%2F%2Fold.example", ret: "https://example.com",
		want: docLink + "&returnUrl=" + encodedExample},
	{name: "existing ReturnUrl spelling replaced", link: docLink + "&ReturnUrl=https%3A%2F%2Fold.example&b=2", ret: "https://example.com",
		want: docLink + "&b=2&returnUrl=" + encodedExample},
	{name: "existing lang kept without WithLang", link: docLink + "&lang=fr", ret: "https://example.com",
		want: docLink + "&lang=fr&returnUrl=" + encodedExample},
	{name: "existing lang replaced by WithLang", link: docLink + "&lang=fr", ret: "https://example.com", opts: []ReturnOption{WithLang("de")},
		want: docLink + "&returnUrl=" + encodedExample + "&lang=de"},
	{name: "other query kept byte for byte", link: "https://sca.mangopay.com/?token=sca_0193%2Fab&x=%7e&flag&y=a+b", ret: "https://example.com",
		want: "https://sca.mangopay.com/?token=sca_0193%2Fab&x=%7e&flag&y=a+b&returnUrl=" + encodedExample},
	{name: "loopback emulator link", link: "http://127.0.0.1:8089/sca?token=t1", ret: "https://example.com",
		want: "http://127.0.0.1:8089/sca?token=t1&returnUrl=" + encodedExample},
	{name: "link not a URL", link: "not a url", ret: "https://example.com", wantErr: "redirectURL is not a valid SCA redirect link"},
	{name: "empty link", link: "", ret: "https://example.com", wantErr: "redirectURL is empty"},
	{name: "javascript link", link: "javascript:alert(1)", ret: "https://example.com", wantErr: "redirectURL is not a valid SCA redirect link"},
}

func TestAppendReturnURL(t *testing.T) {
	t.Parallel()
	require.GreaterOrEqual(t, len(appendCases), 25)
	for _, tc := range appendCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := AppendReturnURL(tc.link, tc.ret, tc.opts...)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				assert.Empty(t, got)
				assert.NotContains(t, err.Error(), "\n")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.Less(t, len(got), MaxRedirectURLLength)
			u, err := url.Parse(got)
			require.NoError(t, err)
			assert.Equal(t, []string{tc.ret}, u.Query()["returnUrl"], "exactly one returnUrl, equal to the input")
		})
	}
}

func TestAppendReturnURLLengthBoundary(t *testing.T) {
	t.Parallel()
	got, err := AppendReturnURL(docLink, returnFor(1999))
	require.NoError(t, err)
	assert.Len(t, got, 1999)
	_, err = AppendReturnURL(docLink, returnFor(2000))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is 2000 characters long")
}

func TestAppendReturnURLEveryLanguage(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"bg", "nl", "en", "fr", "de", "el", "it", "pl", "pt", "es", "se"} {
		got, err := AppendReturnURL(docLink, "https://example.com", WithLang(lang))
		require.NoError(t, err, lang)
		assert.True(t, strings.HasSuffix(got, "&lang="+lang), got)
	}
	for _, lang := range []string{"sv", "en-GB", "fr_FR", "english", " en", "e"} {
		_, err := AppendReturnURL(docLink, "https://example.com", WithLang(lang))
		assert.Error(t, err, lang)
	}
}

// rawParts returns the raw name=value parts of a query.
func rawParts(rawQuery string) []string {
	if rawQuery == "" {
		return nil
	}
	return strings.Split(rawQuery, "&")
}

func FuzzAppendReturnURL(f *testing.F) {
	for _, tc := range appendCases {
		lang := ""
		if len(tc.opts) == 1 && tc.opts[0] != nil {
			var c returnConfig
			tc.opts[0](&c)
			lang = c.lang
		}
		f.Add(tc.link, tc.ret, lang)
	}
	f.Fuzz(func(t *testing.T, link, ret, lang string) {
		out, err := AppendReturnURL(link, ret, WithLang(lang))
		if err != nil {
			if out != "" {
				t.Fatalf("error %v with output %q", err, out)
			}
			return
		}
		if len(out) >= MaxRedirectURLLength {
			t.Fatalf("output of %d characters", len(out))
		}
		u, err := url.Parse(out)
		if err != nil {
			t.Fatalf("output %q does not parse: %v", out, err)
		}
		if got := u.Query()["returnUrl"]; len(got) != 1 || got[0] != ret {
			t.Fatalf("output %q has returnUrl %q, want exactly [%q]", out, got, ret)
		}
		if lang != "" {
			if got := u.Query()["lang"]; len(got) != 1 || got[0] != lang {
				t.Fatalf("output %q has lang %q, want [%q]", out, got, lang)
			}
		}
		// The original token (and every other parameter) is kept as it was.
		orig, err := url.Parse(link)
		if err != nil {
			t.Fatalf("accepted link %q does not parse: %v", link, err)
		}
		kept := map[string]bool{}
		for _, p := range rawParts(u.RawQuery) {
			kept[p] = true
		}
		for _, p := range rawParts(orig.RawQuery) {
			name, _, _ := strings.Cut(p, "=")
			if name == "token" && !kept[p] {
				t.Fatalf("token part %q of %q lost in %q", p, link, out)
			}
		}
		if u.Host != orig.Host || u.Fragment != orig.Fragment {
			t.Fatalf("host or fragment changed: %q -> %q", link, out)
		}
		// Only an absolute http(s) return URL with a host, without a
		// fragment or whitespace, is ever accepted.
		r, err := url.Parse(ret)
		if err != nil {
			t.Fatalf("accepted return URL %q does not parse: %v", ret, err)
		}
		if s := strings.ToLower(r.Scheme); (s != "http" && s != "https") || r.Hostname() == "" ||
			strings.ContainsAny(ret, "# \t\r\n") {
			t.Fatalf("accepted return URL %q (scheme %q, host %q)", ret, r.Scheme, r.Hostname())
		}
		if lang != "" && !scaLanguages[lang] {
			t.Fatalf("accepted lang %q", lang)
		}
	})
}

func TestParseReturn(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		url     string
		want    ControlStatus
		wantErr string
	}{
		{"documented VALIDATED", "https://example.com/?controlStatus=VALIDATED", ControlStatusValidated, ""},
		{"documented FAILED", "https://example.com/?controlStatus=FAILED", ControlStatusFailed, ""},
		{"with the platform's own query", "https://platform.example/sca/done?transfer=xfer_1&controlStatus=VALIDATED", ControlStatusValidated, ""},
		{"missing", "https://example.com/", "", "no controlStatus"},
		{"missing among others", "https://example.com/?transfer=xfer_1", "", "no controlStatus"},
		{"removed actionStatus only", "https://example.com/?actionStatus=VALIDATED", "", "no controlStatus"},
		{"empty value", "https://example.com/?controlStatus=", "", "empty controlStatus"},
		{"blank value", "https://example.com/?controlStatus=%20", "", "empty controlStatus"},
		{"duplicated same", "https://example.com/?controlStatus=FAILED&controlStatus=FAILED", ControlStatusFailed, ""},
		{"duplicated different", "https://example.com/?controlStatus=VALIDATED&controlStatus=FAILED", "", "conflicting"},
		{"duplicated with different key case", "https://example.com/?controlStatus=VALIDATED&ControlStatus=FAILED", "", "conflicting"},
		{"unknown value", "https://example.com/?controlStatus=MAYBE", "MAYBE", "unknown controlStatus"},
		{"lower-case value", "https://example.com/?controlStatus=validated", ControlStatusValidated, ""},
		{"mixed-case value", "https://example.com/?controlStatus=Failed", ControlStatusFailed, ""},
		{"key in other case", "https://example.com/?ControlStatus=FAILED", ControlStatusFailed, ""},
		{"key all lower case", "https://example.com/?controlstatus=VALIDATED", ControlStatusValidated, ""},
		{"padded value", "https://example.com/?controlStatus=%20VALIDATED%20", ControlStatusValidated, ""},
		{"malformed unrelated parameter", "https://example.com/?a=%zz&controlStatus=VALIDATED", ControlStatusValidated, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, tc.url, nil)
			got, err := ParseReturn(r)
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tc.want, got)
		})
	}
	_, err := ParseReturn(nil)
	assert.ErrorContains(t, err, "nil request")
	_, err = ParseReturn(&http.Request{})
	assert.ErrorContains(t, err, "nil request")
}

func TestScaContextValidation(t *testing.T) {
	t.Parallel()
	for _, ok := range []ScaContext{"", ScaUserPresent, ScaUserNotPresent} {
		assert.True(t, ok.Valid(), ok)
		assert.NoError(t, checkScaContext("Op", ok))
	}
	for _, bad := range []ScaContext{"user_present", "PRESENT", " USER_PRESENT"} {
		assert.False(t, bad.Valid(), bad)
		err := checkScaContext("Op", bad)
		require.ErrorIs(t, err, ErrInvalidRequest)
		assert.Contains(t, err.Error(), fmt.Sprintf("mangopay: Op: ScaContext %q is invalid", string(bad)))
	}
}

// scaError401 returns a client whose GET /things answers 401 with header h.
func scaError401(t *testing.T, h string, opts ...Option) (*testEnv, error) {
	t.Helper()
	env := newTestClient(t, opts...)
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/things", func(*http.Request) (*http.Response, error) {
		r := httpmock.NewStringResponse(http.StatusUnauthorized, "")
		r.Header.Set("WWW-Authenticate", h)
		return r, nil
	})
	var out map[string]any
	return env, env.c.get(context.Background(), "/things", nil, &out, nil)
}

func TestScaRequiredErrorFromHeader(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	env.c.now = func() time.Time { return now }
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/things", func(*http.Request) (*http.Response, error) {
		r := httpmock.NewStringResponse(http.StatusUnauthorized, "")
		r.Header.Set("WWW-Authenticate", "PendingUserAction redirectUrl="+docSandboxLink)
		return r, nil
	})
	var out map[string]any
	err := env.c.get(context.Background(), "/things", nil, &out, nil)
	require.Error(t, err)

	assert.ErrorIs(t, err, ErrScaRequired)
	assert.NotErrorIs(t, err, ErrUnauthorized, "an SCA demand is not a credentials problem")
	sca, ok := AsScaRequired(err)
	require.True(t, ok)
	assert.Equal(t, docSandboxLink, sca.RedirectURL)
	assert.Equal(t, ScaSourceHeader, sca.Source)
	assert.Equal(t, http.StatusUnauthorized, sca.StatusCode)
	assert.Equal(t, http.MethodGet, sca.Method)
	assert.Equal(t, testAPI+"/things", sca.URL)
	assert.Equal(t, now.Add(10*time.Minute), sca.ExpiresAt)
	assert.Equal(t, 1, env.mt.GetCallCountInfo()["GET "+testAPI+"/things"], "an SCA 401 is not replayed")

	msg := sca.Error()
	assert.NotContains(t, msg, "\n")
	assert.NotContains(t, msg, "0193cf51ed367151a0cb1c59def21e13", "the session token stays out of logs")
	assert.NotContains(t, msg, testToken)
	assert.Contains(t, msg, "GET "+testAPI+"/things")
	assert.Contains(t, msg, "2025-06-01T12:10:00Z")

	assert.False(t, sca.Expired(now.Add(10*time.Minute-time.Nanosecond)))
	assert.True(t, sca.Expired(now.Add(10*time.Minute)))
	assert.True(t, sca.Expired(now.Add(time.Hour)))

	to, err := sca.RedirectURLWithReturn("https://platform.example/sca/done?wallet=w1", WithLang("fr"))
	require.NoError(t, err)
	assert.Equal(t, docSandboxLink+"&returnUrl=https%3A%2F%2Fplatform.example%2Fsca%2Fdone%3Fwallet%3Dw1&lang=fr", to)
	_, err = sca.RedirectURLWithReturn("javascript:alert(1)")
	assert.Error(t, err)
}

func TestScaRequiredErrorExpiresFromRealClock(t *testing.T) {
	t.Parallel()
	before := time.Now()
	_, err := scaError401(t, "PendingUserAction RedirectUrl="+docLink)
	after := time.Now()
	sca, ok := AsScaRequired(err)
	require.True(t, ok)
	assert.False(t, sca.ExpiresAt.Before(before.Add(ScaSessionLifetime)))
	assert.False(t, sca.ExpiresAt.After(after.Add(ScaSessionLifetime)))
	assert.False(t, sca.Expired(time.Now()))
}

func TestAsScaRequired(t *testing.T) {
	t.Parallel()
	sca := &ScaRequiredError{RedirectURL: docLink, Source: ScaSourceBody, Method: "POST", URL: "https://api.test/x"}
	wrapped := fmt.Errorf("handler: %w", fmt.Errorf("service: %w", sca))
	got, ok := AsScaRequired(wrapped)
	require.True(t, ok)
	assert.Same(t, sca, got)
	assert.ErrorIs(t, wrapped, ErrScaRequired)
	assert.True(t, errors.Is(sca, ErrScaRequired))
	assert.False(t, errors.Is(sca, ErrNotFound))

	for _, err := range []error{nil, errors.New("other"), &APIError{StatusCode: 401}, ErrScaRequired} {
		got, ok := AsScaRequired(err)
		assert.False(t, ok, "%v", err)
		assert.Nil(t, got)
	}
}

func TestRedirectPolicy(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		hosts []string // nil: the default policy
		link  string
		ok    bool
		why   string // substring of the refusal
	}{
		{"mangopay.com", nil, "https://mangopay.com/?token=t", true, ""},
		{"production sca host", nil, docLink, true, ""},
		{"sandbox sca host", nil, docSandboxLink, true, ""},
		{"upper-case host", nil, "https://SCA.MangoPay.COM/?token=t", true, ""},
		{"explicit port on mangopay.com", nil, "https://sca.mangopay.com:443/?token=t", true, ""},
		{"evil-mangopay.com", nil, "https://evil-mangopay.com/?token=t", false, "evil-mangopay.com"},
		{"mangopay.com.evil.net", nil, "https://mangopay.com.evil.net/?token=t", false, "mangopay.com.evil.net"},
		{"mangopay.co", nil, "https://mangopay.co/", false, "not mangopay.com"},
		{"plain http on mangopay", nil, "http://sca.mangopay.com/?token=t", false, "not https"},
		{"userinfo", nil, "https://user@sca.mangopay.com/?token=t", false, "user info"},
		{"userinfo with password", nil, "https://a:s3cret@sca.mangopay.com/", false, "user info"},
		{"userinfo hiding the host", nil, "https://sca.mangopay.com@evil.example/", false, "user info"},
		{"backslash trick", nil, `https://sca.mangopay.com\@evil.example/`, false, "parse"},
		{"relative", nil, "/sca?token=t", false, "not absolute"},
		{"scheme-relative", nil, "//sca.mangopay.com/?token=t", false, "not absolute"},
		{"javascript", nil, "javascript:alert(1)", false, "scheme"},
		{"empty", nil, "", false, "empty"},
		{"loopback not allowed by default", nil, "http://127.0.0.1:8089/sca", false, "127.0.0.1"},
		{"localhost not allowed by default", nil, "https://localhost/sca", false, "localhost"},
		{"host:port entry", []string{"127.0.0.1:8089"}, "http://127.0.0.1:8089/sca?token=t", true, ""},
		{"host:port entry, other port", []string{"127.0.0.1:8089"}, "http://127.0.0.1:8090/sca", false, "127.0.0.1"},
		{"host:port entry, no port", []string{"127.0.0.1:8089"}, "http://127.0.0.1/sca", false, "127.0.0.1"},
		{"custom hosts replace mangopay.com", []string{"127.0.0.1:8089"}, docLink, false, "sca.mangopay.com"},
		{"host entry, any port on loopback http", []string{"localhost"}, "http://localhost:1234/sca", true, ""},
		{"host entry, subdomain https", []string{"example.test"}, "https://sca.example.test/x", true, ""},
		{"host entry, non-loopback http refused", []string{"example.test"}, "http://sca.example.test/x", false, "not https"},
		{"IPv6 loopback with port", []string{"[::1]:8089"}, "http://[::1]:8089/sca", true, ""},
		{"IPv6 loopback without port", []string{"::1"}, "http://[::1]:9/sca", true, ""},
		{"several hosts", []string{"127.0.0.1:8089", "mangopay.com"}, docLink, true, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var opts []Option
			if tc.hosts != nil {
				opts = append(opts, WithRedirectHosts(tc.hosts...))
			}
			c, err := New(testClientID, testAPIKey, opts...)
			require.NoError(t, err)
			err = c.redirects.check(tc.link)
			if tc.ok {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrUntrustedRedirect)
			assert.Contains(t, err.Error(), tc.why)
			assert.NotContains(t, err.Error(), "s3cret", "no password in messages")
			assert.NotContains(t, err.Error(), "token=", "no session token in messages")
		})
	}
}

func TestUntrustedHeaderLinkThroughPipeline(t *testing.T) {
	t.Parallel()
	for _, link := range []string{
		"https://evil-mangopay.com/?token=t",
		"http://sca.mangopay.com/?token=t",
		"https://attacker@sca.mangopay.com/",
	} {
		_, err := scaError401(t, "PendingUserAction RedirectUrl="+link)
		require.Error(t, err, link)
		assert.ErrorIs(t, err, ErrUntrustedRedirect, link)
		assert.NotErrorIs(t, err, ErrScaRequired, link)
		_, ok := AsScaRequired(err)
		assert.False(t, ok, link)
		assert.Contains(t, err.Error(), "GET "+testAPI+"/things demanded SCA", link)
	}
}

func TestScaHeaderOnSeveralLines(t *testing.T) {
	t.Parallel()
	// A 401 may carry several WWW-Authenticate lines; the PendingUserAction
	// challenge is found on any of them, and a RedirectUrl under another
	// scheme on an earlier line is not taken for it.
	env := newTestClient(t)
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/things", func(*http.Request) (*http.Response, error) {
		r := httpmock.NewStringResponse(http.StatusUnauthorized, "")
		r.Header.Add("WWW-Authenticate", `Bearer realm="api", RedirectUrl=https://evil.example/`)
		r.Header.Add("WWW-Authenticate", "PendingUserAction redirectUrl="+docSandboxLink)
		return r, nil
	})
	var out map[string]any
	err := env.c.get(context.Background(), "/things", nil, &out, nil)
	sca, ok := AsScaRequired(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, docSandboxLink, sca.RedirectURL)
	assert.Equal(t, ScaSourceHeader, sca.Source)
}

func TestRedirectHostsThroughPipeline(t *testing.T) {
	t.Parallel()
	_, err := scaError401(t, "PendingUserAction RedirectUrl=http://127.0.0.1:8089/sca?token=t", WithRedirectHosts("127.0.0.1:8089"))
	sca, ok := AsScaRequired(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, "http://127.0.0.1:8089/sca?token=t", sca.RedirectURL)
}

func TestUntrustedBodyLinkThroughPipeline(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	body := strings.Replace(string(fixture(t, "users/create-natural-owner.response.json")),
		"https://sca.sandbox.mangopay.com/", "https://sca.mangopay.com.evil.net/", 1)
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/sca/users/natural", jsonResponder(200, body))

	u, err := env.c.Users.CreateNatural(context.Background(), &CreateNaturalUserRequest{
		UserCategory: UserCategoryOwner, TermsAndConditionsAccepted: Ptr(true),
		FirstName: "Alex", LastName: "Smith", Email: "alex.smith@example.com",
	})
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrUntrustedRedirect)
	assert.NotErrorIs(t, err, ErrScaRequired)
	_, ok := AsScaRequired(err)
	assert.False(t, ok)
	assert.Contains(t, err.Error(), "sca.mangopay.com.evil.net")
	// The user was created all the same: its id is not lost.
	require.NotNil(t, u)
	assert.Equal(t, "user_m_01JF7AP1M46TR0JH7WBGPWK7D7", u.ID)
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		docLink:                               "https://sca.mangopay.com?…",
		"https://u:pw@evil.example/x?token=t": "https://…@evil.example/x?…",
		"//evil.example/#frag":                "//evil.example/?…",
		"https://sca.mangopay.com/path":       "https://sca.mangopay.com/path",
		"https://a@b@evil.example":            "https://…@evil.example",
		"javascript:alert(document.cookie)":   "javascript:alert(document.cookie)",
		"":                                    "",
	} {
		assert.Equal(t, want, redactURL(in), in)
	}
}

func TestTruncate(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "short", truncate("short", 10))
	assert.Equal(t, "abc…", truncate("abcdef", 3))
	assert.Equal(t, "a…", truncate("aé", 2), "never cuts inside a rune")
	long := strings.Repeat("é", 50)
	_, err := AppendReturnURL(docLink, "javascript:"+long)
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "…"), err.Error())
}
