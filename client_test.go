package mangopay

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// thing is a tiny model for pipeline tests.
type thing struct {
	ID     string `json:"Id"`
	Status string `json:"Status,omitempty"`
}

// scaThing is a model that may carry an SCA redirect, like the services' users
// and transfers.
type scaThing struct {
	ID                string             `json:"Id"`
	PendingUserAction *PendingUserAction `json:"PendingUserAction"`
}

func (s *scaThing) pendingRedirect() string {
	if s == nil || s.PendingUserAction == nil {
		return ""
	}
	return s.PendingUserAction.RedirectURL
}

// getThing mirrors how a service builds a path and calls the pipeline.
func getThing(ctx context.Context, c *Client, id string, opts ...RequestOption) (*thing, error) {
	p, err := pathf("/things/%s", id)
	if err != nil {
		return nil, err
	}
	var out thing
	if err := c.get(ctx, p, nil, &out, opts); err != nil {
		return nil, err
	}
	return &out, nil
}

// newCert returns a self-signed client certificate for mTLS tests.
func newCert(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(42),
		Subject:      pkix.Name{CommonName: "acme-test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func TestNewRefusesBadInput(t *testing.T) {
	t.Parallel()
	hc := &http.Client{Transport: httpmock.NewMockTransport()}
	cases := []struct {
		name     string
		id, key  string
		opts     []Option
		contains string
	}{
		{"empty client id", "", testAPIKey, nil, "empty client id"},
		{"blank client id", "  ", testAPIKey, nil, "empty client id"},
		{"client id with slash", "a/b", testAPIKey, nil, "client id"},
		{"client id with space", "a b", testAPIKey, nil, "client id"},
		{"client id dot", ".", testAPIKey, nil, "dot segment"},
		{"client id dot dot", "..", testAPIKey, nil, "dot segment"},
		{"client id with query", "acme?x=1", testAPIKey, nil, "cannot be a path segment"},
		{"client id with fragment", "acme#x", testAPIKey, nil, "cannot be a path segment"},
		{"client id with backslash", `acme\x`, testAPIKey, nil, "cannot be a path segment"},
		{"client id with percent", "acme%2F", testAPIKey, nil, "'%'"},
		{"client id with NUL", "acme\x00", testAPIKey, nil, "control character"},
		{"client id with newline", "acme\n", testAPIKey, nil, "control character"},
		{"empty API key", testClientID, "", nil, "empty API key"},
		{"blank API key", testClientID, " \t", nil, "empty API key"},
		{"API key with trailing newline", testClientID, testAPIKey + "\n", nil, "trailing newline"},
		{"API key with space", testClientID, "sk-test SECRET", nil, "whitespace"},
		{"API key with DEL", testClientID, testAPIKey + "\x7f", nil, "control character"},
		{"empty base URL", testClientID, testAPIKey, []Option{WithBaseURL("")}, "WithBaseURL"},
		{"relative base URL", testClientID, testAPIKey, []Option{WithBaseURL("api.test/v2")}, "not absolute"},
		{"path-only base URL", testClientID, testAPIKey, []Option{WithBaseURL("/v2.01")}, "not absolute"},
		{"ftp base URL", testClientID, testAPIKey, []Option{WithBaseURL("ftp://api.test")}, "only http and https"},
		{"base URL without host", testClientID, testAPIKey, []Option{WithBaseURL("https://")}, "no host"},
		{"base URL with query", testClientID, testAPIKey, []Option{WithBaseURL("https://api.test?x=1")}, "query or fragment"},
		{"base URL with fragment", testClientID, testAPIKey, []Option{WithBaseURL("https://api.test#x")}, "query or fragment"},
		{"base URL with user info", testClientID, testAPIKey, []Option{WithBaseURL("https://u:p@api.test")}, "user info"},
		{"base URL with spaces", testClientID, testAPIKey, []Option{WithBaseURL(" https://api.test")}, "whitespace"},
		{"negative retries", testClientID, testAPIKey, []Option{WithMaxRetries(-1)}, "negative"},
		{"nil HTTP client", testClientID, testAPIKey, []Option{WithHTTPClient(nil)}, "nil *http.Client"},
		{"zero timeout", testClientID, testAPIKey, []Option{WithTimeout(0)}, "not positive"},
		{"negative timeout", testClientID, testAPIKey, []Option{WithTimeout(-time.Second)}, "not positive"},
		{"zero retry wait", testClientID, testAPIKey, []Option{WithRetryWait(0, time.Second)}, "WithRetryWait"},
		{"retry max below base", testClientID, testAPIKey, []Option{WithRetryWait(2*time.Second, time.Second)}, "WithRetryWait"},
		{"nil logger", testClientID, testAPIKey, []Option{WithLogger(nil)}, "nil logger"},
		{"user agent with newline", testClientID, testAPIKey, []Option{WithUserAgent("acme/1\r\nX-Evil: 1")}, "line break"},
		{"user agent with NUL", testClientID, testAPIKey, []Option{WithUserAgent("acme\x00")}, "control character"},
		{"nil token store", testClientID, testAPIKey, []Option{WithTokenStore(nil)}, "nil store"},
		{"empty certificate", testClientID, testAPIKey, []Option{WithClientCertificate(tls.Certificate{})}, "no data"},
		{"no redirect hosts", testClientID, testAPIKey, []Option{WithRedirectHosts()}, "no hosts"},
		{"redirect host with path", testClientID, testAPIKey, []Option{WithRedirectHosts("evil.example/x")}, "not a host name"},
		{"certificate on a non-Transport client", testClientID, testAPIKey, []Option{WithHTTPClient(hc), WithClientCertificate(newCert(t))}, "*http.Transport"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := New(tc.id, tc.key, tc.opts...)
			require.Error(t, err)
			assert.Nil(t, c)
			assert.Contains(t, err.Error(), tc.contains)
			assert.True(t, strings.HasPrefix(err.Error(), "mangopay: "), err.Error())
			assert.NotContains(t, err.Error(), testAPIKey)
			assert.NotContains(t, err.Error(), "SECRET", "the API key is never echoed")
			assertOneLine(t, err.Error())
		})
	}
}

func TestNewDefaults(t *testing.T) {
	t.Parallel()
	c, err := New(testClientID, testAPIKey, nil) // a nil option is ignored
	require.NoError(t, err)
	assert.Equal(t, SandboxURL, c.BaseURL())
	assert.Equal(t, testClientID, c.ClientID())
	assert.Equal(t, defaultMaxRetries, c.maxRetries)
	require.NotNil(t, c.httpClient)
	assert.Equal(t, defaultTimeout, c.httpClient.Timeout, "the default client has a timeout")
	tr, ok := c.httpClient.Transport.(*http.Transport)
	require.True(t, ok)
	assert.NotSame(t, http.DefaultTransport, tr, "the default transport is cloned, never shared or modified")
	for _, svc := range []any{c.Users, c.Wallets, c.Transactions, c.Transfers, c.Recipients, c.Hooks} {
		assert.NotNil(t, svc)
	}

	c, err = New(testClientID, testAPIKey, WithBaseURL(ProductionURL+"/"), WithTimeout(5*time.Second))
	require.NoError(t, err)
	assert.Equal(t, ProductionURL, c.BaseURL(), "trailing slash trimmed")
	assert.Equal(t, 5*time.Second, c.httpClient.Timeout)
}

func TestBuildHTTPClientWithReplacedDefaultTransport(t *testing.T) {
	t.Parallel()
	// httpmock.Activate replaces http.DefaultTransport with a MockTransport:
	// New must not panic, and must use it as it is.
	mt := httpmock.NewMockTransport()
	hc, err := buildHTTPClient(clientConfig{}, mt)
	require.NoError(t, err)
	assert.Same(t, mt, hc.Transport)
	assert.Equal(t, defaultTimeout, hc.Timeout)

	cert := newCert(t)
	_, err = buildHTTPClient(clientConfig{cert: &cert}, mt)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "WithClientCertificate")

	// A caller's client without a transport falls back to the default one.
	_, err = buildHTTPClient(clientConfig{httpClient: &http.Client{}, cert: &cert}, mt)
	require.Error(t, err)
	hc, err = buildHTTPClient(clientConfig{httpClient: &http.Client{}, cert: &cert}, &http.Transport{})
	require.NoError(t, err)
	require.IsType(t, &http.Transport{}, hc.Transport)
	assert.Len(t, hc.Transport.(*http.Transport).TLSClientConfig.Certificates, 1)

	// Without a certificate, the default client clones the default transport.
	dt := &http.Transport{MaxIdleConns: 7, ResponseHeaderTimeout: 7 * time.Second}
	hc, err = buildHTTPClient(clientConfig{cert: &cert}, dt)
	require.NoError(t, err)
	got := hc.Transport.(*http.Transport)
	assert.NotSame(t, dt, got)
	assert.Equal(t, 7*time.Second, got.ResponseHeaderTimeout, "the default transport's settings are kept")
	assert.Equal(t, defaultMaxIdleConns, got.MaxIdleConns, "except the pool, sized for concurrent calls")
	assert.Equal(t, defaultMaxIdleConnsPerHost, got.MaxIdleConnsPerHost)
	assert.Equal(t, 7, dt.MaxIdleConns, "the default transport itself is left alone")
	if dt.TLSClientConfig != nil { // Clone itself sets up HTTP/2 defaults on the source
		assert.Empty(t, dt.TLSClientConfig.Certificates, "the default transport gets no certificate")
	}
	require.Len(t, got.TLSClientConfig.Certificates, 1)
	assert.Equal(t, cert.Certificate, got.TLSClientConfig.Certificates[0].Certificate)
}

func TestCallersHTTPClientNeverMutated(t *testing.T) {
	t.Parallel()
	origTLS := &tls.Config{ServerName: "keep.example", MinVersion: tls.VersionTLS13}
	tr := &http.Transport{TLSClientConfig: origTLS, MaxIdleConns: 3}
	jar := http.CookieJar(nil)
	hc := &http.Client{Transport: tr, Timeout: 5 * time.Second, Jar: jar}
	before := *hc
	cert := newCert(t)

	t.Run("as is", func(t *testing.T) {
		t.Parallel()
		c, err := New(testClientID, testAPIKey, WithHTTPClient(hc))
		require.NoError(t, err)
		assert.NotSame(t, hc, c.httpClient, "a shallow copy, to refuse redirects")
		assert.Same(t, tr, c.httpClient.Transport, "sharing the caller's transport and its pool")
		assert.Equal(t, 5*time.Second, c.httpClient.Timeout)
		assert.NotNil(t, c.httpClient.CheckRedirect)
		assert.Nil(t, hc.CheckRedirect, "the caller's client is not touched")
	})
	t.Run("WithTimeout", func(t *testing.T) {
		t.Parallel()
		c, err := New(testClientID, testAPIKey, WithHTTPClient(hc), WithTimeout(7*time.Second))
		require.NoError(t, err)
		assert.NotSame(t, hc, c.httpClient)
		assert.Equal(t, 7*time.Second, c.httpClient.Timeout)
		assert.Same(t, tr, c.httpClient.Transport)
	})
	t.Run("WithClientCertificate alone", func(t *testing.T) {
		t.Parallel()
		c, err := New(testClientID, testAPIKey, WithHTTPClient(hc), WithClientCertificate(cert))
		require.NoError(t, err)
		assert.NotSame(t, hc, c.httpClient)
		assert.Equal(t, 5*time.Second, c.httpClient.Timeout, "the caller's timeout is kept on the copy")
		got, ok := c.httpClient.Transport.(*http.Transport)
		require.True(t, ok)
		assert.NotSame(t, tr, got)
		require.Len(t, got.TLSClientConfig.Certificates, 1)
		assert.Equal(t, "keep.example", got.TLSClientConfig.ServerName)
	})
	t.Run("WithClientCertificate", func(t *testing.T) {
		t.Parallel()
		c, err := New(testClientID, testAPIKey, WithHTTPClient(hc), WithTimeout(9*time.Second), WithClientCertificate(cert))
		require.NoError(t, err)
		assert.NotSame(t, hc, c.httpClient)
		assert.Equal(t, 9*time.Second, c.httpClient.Timeout)
		got, ok := c.httpClient.Transport.(*http.Transport)
		require.True(t, ok)
		assert.NotSame(t, tr, got, "the transport is cloned")
		assert.Equal(t, 3, got.MaxIdleConns)
		require.NotNil(t, got.TLSClientConfig)
		assert.NotSame(t, origTLS, got.TLSClientConfig, "the TLS config is cloned")
		assert.Equal(t, "keep.example", got.TLSClientConfig.ServerName, "the caller's TLS settings are kept")
		assert.Equal(t, uint16(tls.VersionTLS13), got.TLSClientConfig.MinVersion)
		require.Len(t, got.TLSClientConfig.Certificates, 1)
		assert.Equal(t, cert.Certificate, got.TLSClientConfig.Certificates[0].Certificate)
	})
	t.Cleanup(func() {
		assert.Equal(t, before.Timeout, hc.Timeout)
		assert.Nil(t, hc.Jar)
		assert.Nil(t, hc.CheckRedirect)
		assert.Nil(t, tr.DialContext, "the caller's transport is not rewired")
		assert.Nil(t, tr.Proxy)
		assert.Same(t, tr, hc.Transport)
		assert.Same(t, origTLS, tr.TLSClientConfig)
		assert.Empty(t, origTLS.Certificates, "the caller's TLS config got no certificate")
		assert.Equal(t, 3, tr.MaxIdleConns)
	})
}

// mtlsServer is a TLS server that requires a client certificate and records
// what it saw, reachable under any host name through dialer redirection.
type mtlsServer struct {
	srv *httptest.Server

	mu    sync.Mutex
	seen  []string // "METHOD host path"
	peers [][]byte // leaf certificate presented on each request
}

func newMTLSServer(t *testing.T) *mtlsServer {
	t.Helper()
	m := &mtlsServer{}
	m.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		m.seen = append(m.seen, r.Method+" "+r.Host+" "+r.URL.Path)
		var leaf []byte
		if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
			leaf = r.TLS.PeerCertificates[0].Raw
		}
		m.peers = append(m.peers, leaf)
		m.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/oauth/token") {
			_, _ = io.WriteString(w, `{"access_token":"`+testToken+`","token_type":"bearer","expires_in":1200}`)
			return
		}
		_, _ = io.WriteString(w, `{"Id":"thing-1"}`)
	}))
	m.srv.TLS = &tls.Config{ClientAuth: tls.RequireAnyClientCert, MinVersion: tls.VersionTLS12}
	m.srv.StartTLS()
	t.Cleanup(m.srv.Close)
	return m
}

// client returns an *http.Client whose transport sends every connection to
// the test server, trusting its certificate.
func (m *mtlsServer) client() *http.Client {
	pool := x509.NewCertPool()
	pool.AddCert(m.srv.Certificate())
	addr := m.srv.Listener.Addr().String()
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
		TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "example.com", MinVersion: tls.VersionTLS12},
	}}
}

func TestClientCertificateSwitchesToMTLSHosts(t *testing.T) {
	t.Parallel()
	cases := []struct{ base, want, host string }{
		{SandboxURL, SandboxMTLSURL, "api-mtls.sandbox.mangopay.com"},
		{ProductionURL, ProductionMTLSURL, "api-mtls.mangopay.com"},
	}
	for _, tc := range cases {
		t.Run(tc.host, func(t *testing.T) {
			t.Parallel()
			m := newMTLSServer(t)
			cert := newCert(t)
			c, err := New(testClientID, testAPIKey, WithBaseURL(tc.base), WithHTTPClient(m.client()), WithClientCertificate(cert))
			require.NoError(t, err)
			t.Cleanup(c.httpClient.CloseIdleConnections)
			assert.Equal(t, tc.want, c.BaseURL())

			got, err := getThing(context.Background(), c, "thing-1")
			require.NoError(t, err)
			assert.Equal(t, "thing-1", got.ID)

			m.mu.Lock()
			defer m.mu.Unlock()
			assert.Equal(t, []string{
				"POST " + tc.host + " /v2.01/oauth/token",
				"GET " + tc.host + " /v2.01/" + testClientID + "/things/thing-1",
			}, m.seen, "the token call and the API call both go to the mTLS host")
			for i, leaf := range m.peers {
				assert.Equal(t, cert.Certificate[0], leaf, "request %d presented the client certificate", i)
			}
		})
	}
	t.Run("custom base URL is kept", func(t *testing.T) {
		t.Parallel()
		c, err := New(testClientID, testAPIKey, WithBaseURL("https://emulator.test"), WithClientCertificate(newCert(t)))
		require.NoError(t, err)
		assert.Equal(t, "https://emulator.test", c.BaseURL())
	})
	t.Run("no certificate, no switch", func(t *testing.T) {
		t.Parallel()
		c, err := New(testClientID, testAPIKey, WithBaseURL(ProductionURL))
		require.NoError(t, err)
		assert.Equal(t, ProductionURL, c.BaseURL())
	})
}

func TestUserAgent(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ suffix, want string }{
		{"", "mangopay-go/" + Version + " " + runtime.Version()},
		{"  acme-marketplace/1.4 ", "mangopay-go/" + Version + " " + runtime.Version() + " acme-marketplace/1.4"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t, WithUserAgent(tc.suffix))
			var tokCP, apiCP capture
			env.mt.RegisterResponder(http.MethodPost, testBase+"/v2.01/oauth/token",
				tokCP.wrap(jsonResponder(200, `{"access_token":"`+testToken+`","token_type":"bearer","expires_in":1200}`)))
			env.mt.RegisterResponder(http.MethodGet, testAPI+"/things/x", apiCP.wrap(jsonResponder(200, `{"Id":"x"}`)))
			_, err := getThing(context.Background(), env.c, "x")
			require.NoError(t, err)
			tr, _ := tokCP.last(t)
			ar, _ := apiCP.last(t)
			assert.Equal(t, tc.want, tr.Header.Get("User-Agent"))
			assert.Equal(t, tc.want, ar.Header.Get("User-Agent"))
			assert.Regexp(t, `^mangopay-go/\d+\.\d+\.\d+ go`, ar.Header.Get("User-Agent"))
		})
	}
}

func TestPathUnderBaseURLPrefix(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/users/user_m_01J/wallets", cp.wrap(jsonResponder(200, `[]`)))
	p, err := pathf("/users/%s/wallets", "user_m_01J")
	require.NoError(t, err)
	var out []thing
	require.NoError(t, env.c.get(context.Background(), p, nil, &out, nil))
	r, _ := cp.last(t)
	assert.Equal(t, "/prefix/v2.01/acme-test/users/user_m_01J/wallets", r.URL.Path)
	assert.Equal(t, "api.test", r.URL.Host)
	assert.Equal(t, http.MethodGet, r.Method)
	assertStdHeaders(t, r)
}

func TestEscapedBasePrefix(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	var paths []string
	mt.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
		paths = append(paths, r.Method+" "+r.URL.EscapedPath())
		if strings.HasSuffix(r.URL.Path, "/oauth/token") {
			return httpmock.NewStringResponse(200, `{"access_token":"t","expires_in":1200}`), nil
		}
		return httpmock.NewStringResponse(200, `{"Id":"x"}`), nil
	})
	c, err := New(testClientID, testAPIKey, WithBaseURL("https://api.test/my%20api"), WithHTTPClient(&http.Client{Transport: mt}))
	require.NoError(t, err)
	_, err = getThing(context.Background(), c, "ü%x")
	require.NoError(t, err)
	assert.Equal(t, []string{
		"POST /my%20api/v2.01/oauth/token",
		"GET /my%20api/v2.01/acme-test/things/%C3%BC%25x",
	}, paths)
}

func TestIDsAreEscaped(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ id, escaped, decoded string }{
		{"user_m_01JQVHDG0S0TJP5KFX029211BF", "user_m_01JQVHDG0S0TJP5KFX029211BF", "user_m_01JQVHDG0S0TJP5KFX029211BF"},
		{"4659626451", "4659626451", "4659626451"},
		{"a%2Fb", "a%252Fb", "a%2Fb"},
		{"a;b,c", "a%3Bb%2Cc", "a;b,c"},
		{"ünï", "%C3%BCn%C3%AF", "ünï"},
		{"a..b", "a..b", "a..b"},
	} {
		t.Run(tc.id, func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t)
			var got []string
			env.mt.RegisterNoResponder(func(r *http.Request) (*http.Response, error) {
				got = append(got, r.URL.EscapedPath(), r.URL.Path)
				return httpmock.NewStringResponse(200, `{"Id":"x"}`), nil
			})
			_, err := getThing(context.Background(), env.c, tc.id)
			require.NoError(t, err)
			assert.Equal(t, []string{"/prefix/v2.01/acme-test/things/" + tc.escaped, "/prefix/v2.01/acme-test/things/" + tc.decoded}, got)
		})
	}
}

func TestInvalidIDsAreRefusedBeforeTheNetwork(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"", ".", "..", "a/b", "../users", "a?b", "a#b", `a\b`, "a b", "a\tb", "a\nb", "\x00", "a\x7f", strings.Repeat("x", 129)} {
		t.Run(fmt.Sprintf("%q", id), func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t)
			out, err := getThing(context.Background(), env.c, id)
			require.Error(t, err)
			assert.Nil(t, out)
			assert.ErrorIs(t, err, ErrInvalidID)
			assert.NotContains(t, err.Error(), "\n")
			assert.Equal(t, 0, env.mt.GetTotalCallCount(), "no request at all, not even the token call")
		})
	}
	// The second of several ids is checked too.
	_, err := pathf("/users/%s/wallets/%s", "ok", "")
	assert.ErrorIs(t, err, ErrInvalidID)
	// 128 characters is the documented maximum and is accepted.
	_, err = pathf("/things/%s", strings.Repeat("x", 128))
	assert.NoError(t, err)
}

type thingQuery struct {
	ListOptions
	ScaContext ScaContext `url:"ScaContext,omitempty"`
	Status     []string   `url:"Status,omitempty"`
	Active     *bool      `url:"Active,omitempty"`
	BeforeDate int64      `url:"BeforeDate,omitempty"`
}

func TestQueryEncoding(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		q    any
		want url.Values
	}{
		{"nil", nil, url.Values{}},
		{"nil struct pointer", (*thingQuery)(nil), url.Values{}},
		{"zero struct", &thingQuery{}, url.Values{}},
		{"struct", &thingQuery{
			ListOptions: ListOptions{Page: 2, PerPage: 50, Sort: SortCreationDateDesc},
			ScaContext:  ScaUserPresent, Status: []string{"SUCCEEDED", "FAILED"}, Active: Ptr(false), BeforeDate: 1740581497,
		}, url.Values{
			"page": {"2"}, "per_page": {"50"}, "Sort": {"CreationDate:DESC"}, "ScaContext": {"USER_PRESENT"},
			"Status": {"SUCCEEDED", "FAILED"}, "Active": {"false"}, "BeforeDate": {"1740581497"},
		}},
		{"url.Values", url.Values{"ScaContext": {"USER_NOT_PRESENT"}, "a b": {"c&d"}}, url.Values{"ScaContext": {"USER_NOT_PRESENT"}, "a b": {"c&d"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t)
			var cp capture
			env.mt.RegisterResponder(http.MethodGet, testAPI+"/things", cp.wrap(jsonResponder(200, `[]`)))
			var out []thing
			require.NoError(t, env.c.get(context.Background(), "/things", tc.q, &out, nil))
			r, _ := cp.last(t)
			assert.Equal(t, tc.want, r.URL.Query())
		})
	}
	t.Run("unencodable query", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		err := env.c.get(context.Background(), "/things", 42, nil, nil)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "encoding query")
		assert.Equal(t, 0, env.mt.GetTotalCallCount())
	})
}

type thingBody struct {
	Tag    string  `json:"Tag,omitempty"`
	Amount int64   `json:"Amount"`
	Flag   *bool   `json:"Flag,omitempty"`
	Money  Money   `json:"DebitedFunds"`
	When   Time    `json:"When"`
	Note   *string `json:"Note"`
}

func TestJSONBodiesAndHeaders(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var post, put, get capture
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/things", post.wrap(jsonResponder(200, `{"Id":"t1"}`)))
	env.mt.RegisterResponder(http.MethodPut, testAPI+"/things/t1", put.wrap(jsonResponder(200, `{"Id":"t1"}`)))
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/things/t1", get.wrap(jsonResponder(200, `{"Id":"t1"}`)))
	ctx := context.Background()
	in := thingBody{Tag: "order 42", Amount: 1260, Flag: Ptr(false), Money: Money{Currency: "EUR", Amount: 1260}, When: TimeOf(time.Unix(1740581497, 0))}
	var out thing

	require.NoError(t, env.c.post(ctx, "/things", in, &out, nil))
	assert.Equal(t, "t1", out.ID)
	r, body := post.last(t)
	assertStdHeaders(t, r)
	assert.Equal(t, http.MethodPost, r.Method)
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	assert.Equal(t, "application/json", r.Header.Get("Accept"))
	assertJSONEq(t, []byte(`{"Tag":"order 42","Amount":1260,"Flag":false,"DebitedFunds":{"Currency":"EUR","Amount":1260},"When":1740581497,"Note":null}`), body)

	require.NoError(t, env.c.put(ctx, "/things/t1", map[string]string{"Tag": "x"}, &out, nil))
	r, body = put.last(t)
	assertStdHeaders(t, r)
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	assert.Empty(t, r.Header.Get("Idempotency-Key"), "PUT carries no key")
	assertJSONEq(t, []byte(`{"Tag":"x"}`), body)

	require.NoError(t, env.c.get(ctx, "/things/t1", nil, &out, []RequestOption{WithIdempotencyKey("0123456789abcdef")}))
	r, body = get.last(t)
	assertStdHeaders(t, r)
	assert.Empty(t, r.Header.Get("Content-Type"))
	assert.Empty(t, r.Header.Get("Idempotency-Key"), "a key is ignored on GET")
	assert.Empty(t, body)

	// POST without a body still carries a key, without a content type.
	require.NoError(t, env.c.post(ctx, "/things", nil, &out, nil))
	r, body = post.last(t)
	assert.True(t, validKey(r.Header.Get("Idempotency-Key")))
	assert.Empty(t, r.Header.Get("Content-Type"))
	assert.Empty(t, body)
}

func TestBodyEncodingErrorBeforeTheNetwork(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	err := env.c.post(context.Background(), "/things", map[string]any{"bad": make(chan int)}, nil, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "encoding POST /things body")
	assert.Equal(t, 0, env.mt.GetTotalCallCount())
}

func TestNilContext(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	//lint:ignore SA1012 checking the nil-context guard
	err := env.c.get(nil, "/things", nil, nil, nil) //nolint:staticcheck
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ctx is a nil context")
	var ve *ValidationError
	require.ErrorAs(t, err, &ve, "one validation error type")
	assert.True(t, ve.Has("ctx"))
	assert.ErrorIs(t, err, ErrInvalidRequest)
	assert.Equal(t, 0, env.mt.GetTotalCallCount())
}

func TestEmptySuccessBodies(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/empty", jsonResponder(204, ``))
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/bad", jsonResponder(200, `{"Id":`+"\x01"))
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/wrong", jsonResponder(200, `{"Id":42}`))
	out := thing{ID: "unchanged"}
	require.NoError(t, env.c.get(context.Background(), "/empty", nil, &out, nil))
	assert.Equal(t, "unchanged", out.ID)
	require.NoError(t, env.c.get(context.Background(), "/empty", nil, nil, nil))

	err := env.c.get(context.Background(), "/bad", nil, &out, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "decoding 200 response")
	var se *json.SyntaxError
	assert.ErrorAs(t, err, &se)

	err = env.c.get(context.Background(), "/wrong", nil, &out, nil)
	var te *json.UnmarshalTypeError
	assert.ErrorAs(t, err, &te)
	assert.Equal(t, 1, env.mt.GetCallCountInfo()["GET "+testAPI+"/wrong"], "a decoding error is not retried")
}

func TestSCAInBodyIsRaisedWithTheResource(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/transfers", jsonResponder(200,
		`{"Id":"xfer_m_1","PendingUserAction":{"RedirectUrl":"https://sca.sandbox.mangopay.com/?token=abc"}}`))
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/evil", jsonResponder(200,
		`{"Id":"xfer_m_2","PendingUserAction":{"RedirectUrl":"https://evil.example/?token=abc"}}`))
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/plain", jsonResponder(200, `{"Id":"xfer_m_3","PendingUserAction":null}`))

	var out scaThing
	err := env.c.post(context.Background(), "/transfers", nil, &out, nil)
	sca, ok := AsScaRequired(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, "xfer_m_1", out.ID, "the resource is decoded too")
	assert.Equal(t, "https://sca.sandbox.mangopay.com/?token=abc", sca.RedirectURL)
	assert.Equal(t, ScaSourceBody, sca.Source)
	assert.Equal(t, 200, sca.StatusCode)
	assert.Equal(t, http.MethodPost, sca.Method)
	assert.Equal(t, testAPI+"/transfers", sca.URL)

	err = env.c.post(context.Background(), "/evil", nil, &out, nil)
	assert.ErrorIs(t, err, ErrUntrustedRedirect)
	assert.NotErrorIs(t, err, ErrScaRequired)

	var plain scaThing
	require.NoError(t, env.c.post(context.Background(), "/plain", nil, &plain, nil))
	assert.Equal(t, "xfer_m_3", plain.ID)
}

func TestIdempotencyKeys(t *testing.T) {
	t.Parallel()
	t.Run("generated", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		var cp capture
		env.mt.RegisterResponder(http.MethodPost, testAPI+"/things", cp.wrap(jsonResponder(200, `{"Id":"t"}`)))
		for range 2 {
			require.NoError(t, env.c.post(context.Background(), "/things", nil, nil, nil))
		}
		require.Equal(t, 2, cp.n())
		k1, k2 := cp.reqs[0].Header.Get("Idempotency-Key"), cp.reqs[1].Header.Get("Idempotency-Key")
		assert.Regexp(t, `^[A-Z2-7]{26}$`, k1, "crypto/rand.Text: 130 random bits")
		assert.True(t, validKey(k1) && validKey(k2))
		assert.NotEqual(t, k1, k2, "one key per logical call")
	})
	t.Run("caller's key", func(t *testing.T) {
		t.Parallel()
		for _, key := range []string{"order-2025-0042A", "0123456789abcdef0123456789abcdef0123", "ORDER-2025-000042"} {
			env := newTestClient(t)
			var cp capture
			var meta Response
			env.mt.RegisterResponder(http.MethodPost, testAPI+"/things", cp.wrap(jsonResponder(200, `{"Id":"t"}`)))
			require.NoError(t, env.c.post(context.Background(), "/things", nil, nil, []RequestOption{WithIdempotencyKey(key), CaptureResponse(&meta)}))
			r, _ := cp.last(t)
			assert.Equal(t, key, r.Header.Get("Idempotency-Key"))
			assert.Equal(t, key, meta.IdempotencyKey)
		}
	})
	t.Run("bad caller key refused before the network", func(t *testing.T) {
		t.Parallel()
		for _, key := range []string{"short-key", "order-2025-0042" /* 15 */, strings.Repeat("a", 37), "order 2025 000042 x", "order_2025_000042", "ördér-2025-000042", "order-2025-00042\n"} {
			env := newTestClient(t)
			err := env.c.post(context.Background(), "/things", nil, nil, []RequestOption{WithIdempotencyKey(key)})
			require.Error(t, err, key)
			assert.Contains(t, err.Error(), "Idempotency-Key \""+key[:3])
			assert.Contains(t, err.Error(), "is invalid: need 16 to 36 characters")
			var ve *ValidationError
			require.ErrorAs(t, err, &ve, "one validation error type")
			assert.True(t, ve.Has("Idempotency-Key"))
			assert.ErrorIs(t, err, ErrInvalidRequest)
			assert.NotContains(t, err.Error(), "\n")
			assert.Equal(t, 0, env.mt.GetTotalCallCount(), key)
		}
	})
	t.Run("same key on every retry", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t, WithMaxRetries(3))
		var cp capture
		env.mt.RegisterResponder(http.MethodPost, testAPI+"/transfers", cp.wrap(sequence(
			httpmock.NewErrorResponder(errors.New("connection reset by peer")),
			jsonResponder(503, ``),
			jsonResponder(500, apiErrorBody("other", "boom")),
			jsonResponder(200, `{"Id":"xfer_1"}`),
		)))
		var out thing
		var meta Response
		require.NoError(t, env.c.post(context.Background(), "/transfers", map[string]int{"Amount": 1}, &out, []RequestOption{CaptureResponse(&meta)}))
		assert.Equal(t, "xfer_1", out.ID)
		require.Equal(t, 4, cp.n())
		key := cp.reqs[0].Header.Get("Idempotency-Key")
		require.True(t, validKey(key))
		for i, r := range cp.reqs {
			assert.Equal(t, key, r.Header.Get("Idempotency-Key"), "attempt %d", i+1)
			assert.Equal(t, `{"Amount":1}`, string(cp.bodies[i]), "attempt %d resends the body", i+1)
		}
		assert.Equal(t, key, meta.IdempotencyKey)
		assert.Equal(t, 4, meta.Attempts)
		assert.False(t, meta.Recovered)
	})
}

// countThing counts how many times it was decoded.
type countThing struct {
	ID      string
	decoded *int
}

func (c *countThing) UnmarshalJSON(b []byte) error {
	*c.decoded++
	var v struct {
		ID string `json:"Id"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	c.ID = v.ID
	return nil
}

// conflictFlow registers POST /transfers answering a dropped connection, then
// a 409 idempotent_creation_conflict, then what rest says; and GET
// /responses/{key} answering lookup. It returns the captures of both.
func conflictFlow(env *testEnv, lookup httpmock.Responder, rest ...httpmock.Responder) (post, get *capture) {
	post, get = &capture{}, &capture{}
	seq := append([]httpmock.Responder{
		httpmock.NewErrorResponder(errors.New("read: connection reset by peer")),
		jsonResponder(409, `{"Message":"A resource has already been created with this Idempotency Key","Type":"idempotent_creation_conflict","Id":"c-1","Date":1740581497,"errors":null}`),
	}, rest...)
	if len(rest) == 0 {
		seq = append(seq, func(*http.Request) (*http.Response, error) {
			return nil, errors.New("unexpected extra POST")
		})
	}
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/transfers", post.wrap(sequence(seq...)))
	env.mt.RegisterRegexpResponder(http.MethodGet, regexpResponses, get.wrap(lookup))
	return post, get
}

var regexpResponses = mustRegexp(`^` + strings.ReplaceAll(testAPI, ".", `\.`) + `/responses/[A-Za-z0-9-]+$`)

func storedResponseBody(status string, resource string) string {
	return `{"StatusCode":` + status + `,"ContentLength":"27","ContentType":"application/json; charset=utf-8","Date":"Mon, 24 Jul 2023 09:30:43 GMT","RequestURL":"https://api.sandbox.mangopay.com/v2.01/acme-test/transfers","Resource":` + resource + `}`
}

func TestConflictRecovery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("stored success is the result, decoded once", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		post, get := conflictFlow(env, jsonResponder(200, storedResponseBody(`"200"`, `{"Id":"xfer_m_1","Status":"SUCCEEDED"}`)))
		n := 0
		out := countThing{decoded: &n}
		var meta Response
		err := env.c.post(ctx, "/transfers", map[string]int{"Amount": 3001}, &out, []RequestOption{CaptureResponse(&meta)})
		require.NoError(t, err)
		assert.Equal(t, "xfer_m_1", out.ID)
		assert.Equal(t, 1, n, "decoded exactly once")
		require.Equal(t, 2, post.n(), "no second creation")
		key := post.reqs[0].Header.Get("Idempotency-Key")
		assert.Equal(t, key, post.reqs[1].Header.Get("Idempotency-Key"))
		require.Equal(t, 1, get.n())
		r, _ := get.last(t)
		assert.Equal(t, "/prefix/v2.01/acme-test/responses/"+key, r.URL.Path)
		assertStdHeaders(t, r)
		assert.True(t, meta.Recovered)
		assert.Equal(t, 200, meta.StatusCode)
		assert.Equal(t, key, meta.IdempotencyKey)
		assert.Equal(t, 2, meta.Attempts)
	})
	t.Run("numeric status and string resource", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		conflictFlow(env, jsonResponder(200, storedResponseBody(`201`, `"{\"Id\":\"xfer_m_2\"}"`)))
		var out thing
		require.NoError(t, env.c.post(ctx, "/transfers", nil, &out, nil))
		assert.Equal(t, "xfer_m_2", out.ID)
	})
	t.Run("stored SCA demand", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		conflictFlow(env, jsonResponder(200, storedResponseBody(`"200"`, `{"Id":"xfer_m_3","PendingUserAction":{"RedirectUrl":"https://sca.mangopay.com?token=t"}}`)))
		var out scaThing
		err := env.c.post(ctx, "/transfers", nil, &out, nil)
		sca, ok := AsScaRequired(err)
		require.True(t, ok, "%v", err)
		assert.Equal(t, "https://sca.mangopay.com?token=t", sca.RedirectURL)
		assert.Equal(t, "xfer_m_3", out.ID)
	})
	t.Run("stored 4xx is returned as that error", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		post, _ := conflictFlow(env, jsonResponder(200, storedResponseBody(`"400"`,
			`{"Message":"One or several required parameters are missing or incorrect.","Type":"param_error","Id":"e-9","Date":1740581497.0,"errors":{"CreditedWalletId":"The CreditedWalletId field is required."}}`)))
		var out thing
		var meta Response
		err := env.c.post(ctx, "/transfers", nil, &out, []RequestOption{CaptureResponse(&meta)})
		var apiErr *APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, 400, apiErr.StatusCode)
		assert.Equal(t, ErrorTypeParam, apiErr.Type)
		assert.Equal(t, "e-9", apiErr.ID)
		assert.Equal(t, "The CreditedWalletId field is required.", apiErr.Errors["CreditedWalletId"])
		assert.Equal(t, http.MethodPost, apiErr.Method)
		assert.Equal(t, testAPI+"/transfers", apiErr.URL)
		assert.NotErrorIs(t, err, ErrIdempotencyConflict)
		assert.Equal(t, 2, post.n())
		assert.True(t, meta.Recovered)
	})
	for _, status := range []string{`"500"`, `"503"`, `"429"`} {
		t.Run("stored "+status+" starts again under a fresh key", func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t, WithMaxRetries(3))
			post, get := conflictFlow(env, jsonResponder(200, storedResponseBody(status, `{"Message":"boom","Type":"other"}`)),
				jsonResponder(200, `{"Id":"xfer_m_4"}`))
			var out thing
			var meta Response
			require.NoError(t, env.c.post(ctx, "/transfers", map[string]int{"Amount": 5}, &out, []RequestOption{CaptureResponse(&meta)}))
			assert.Equal(t, "xfer_m_4", out.ID)
			require.Equal(t, 3, post.n())
			k1, k2, k3 := post.reqs[0].Header.Get("Idempotency-Key"), post.reqs[1].Header.Get("Idempotency-Key"), post.reqs[2].Header.Get("Idempotency-Key")
			assert.Equal(t, k1, k2)
			assert.NotEqual(t, k1, k3, "a fresh key")
			assert.True(t, validKey(k3))
			assert.Equal(t, `{"Amount":5}`, string(post.bodies[2]))
			assert.Equal(t, 1, get.n())
			assert.Equal(t, k3, meta.IdempotencyKey)
			assert.False(t, meta.Recovered)
			assert.Equal(t, 3, meta.Attempts)
		})
	}
	t.Run("stored 5xx with the budget spent", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t, WithMaxRetries(1))
		post, _ := conflictFlow(env, jsonResponder(200, storedResponseBody(`"500"`, `null`)))
		err := env.c.post(ctx, "/transfers", nil, nil, nil)
		require.Error(t, err)
		assert.ErrorIs(t, err, ErrIdempotencyConflict)
		assert.Contains(t, err.Error(), "retry budget is spent")
		assert.Equal(t, 2, post.n())
	})
	t.Run("unreadable stored status is never retried", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		post, _ := conflictFlow(env, jsonResponder(200, `{"Resource":{"Id":"?"}}`))
		err := env.c.post(ctx, "/transfers", nil, nil, nil)
		require.Error(t, err)
		assert.ErrorIs(t, err, ErrIdempotencyConflict)
		assert.Contains(t, err.Error(), "unexpected status")
		assert.Equal(t, 2, post.n(), "no new creation on a guess")
	})
	t.Run("lookup 404 is retried, then a clear error", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		post, get := conflictFlow(env, jsonResponder(404, apiErrorBody(ErrorTypeNotFound, "The ressource does not exist")))
		err := env.c.post(ctx, "/transfers", nil, nil, nil)
		require.Error(t, err)
		assert.ErrorIs(t, err, ErrIdempotencyConflict)
		assert.NotErrorIs(t, err, ErrNotFound, "the transfer is not reported missing")
		assert.Contains(t, err.Error(), "could not be fetched from /responses")
		assert.NotContains(t, err.Error(), "\n")
		assert.Equal(t, 1+defaultMaxRetries, get.n(), "the lookup is retried")
		assert.Equal(t, 2, post.n())
	})
	t.Run("lookup 404 then found", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		_, get := conflictFlow(env, sequence(
			jsonResponder(404, apiErrorBody(ErrorTypeNotFound, "The ressource does not exist")),
			jsonResponder(200, storedResponseBody(`"200"`, `{"Id":"xfer_m_5"}`)),
		))
		var out thing
		require.NoError(t, env.c.post(ctx, "/transfers", nil, &out, nil))
		assert.Equal(t, "xfer_m_5", out.ID)
		assert.Equal(t, 2, get.n())
	})
	t.Run("lookup 5xx is retried inside the lookup", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		_, get := conflictFlow(env, sequence(
			jsonResponder(503, ``),
			jsonResponder(200, storedResponseBody(`"200"`, `{"Id":"xfer_m_6"}`)),
		))
		var out thing
		require.NoError(t, env.c.post(ctx, "/transfers", nil, &out, nil))
		assert.Equal(t, "xfer_m_6", out.ID)
		assert.Equal(t, 2, get.n())
	})
	t.Run("caller key conflict on the first attempt", func(t *testing.T) {
		t.Parallel()
		// A process restarted and sent its order's key again: the original
		// result comes back, nothing is created twice.
		env := newTestClient(t)
		var post, get capture
		env.mt.RegisterResponder(http.MethodPost, testAPI+"/transfers", post.wrap(jsonResponder(409, apiErrorBody(ErrorTypeIdempotencyConflict, "already"))))
		env.mt.RegisterResponder(http.MethodGet, testAPI+"/responses/order-2025-000042", get.wrap(jsonResponder(200, storedResponseBody(`"200"`, `{"Id":"xfer_m_7"}`))))
		var out thing
		require.NoError(t, env.c.post(ctx, "/transfers", nil, &out, []RequestOption{WithIdempotencyKey("order-2025-000042")}))
		assert.Equal(t, "xfer_m_7", out.ID)
		assert.Equal(t, 1, post.n())
		assert.Equal(t, 1, get.n())
	})
	t.Run("other 409s are returned as they are", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		env.mt.RegisterResponder(http.MethodPost, testAPI+"/things", jsonResponder(409, apiErrorBody("other", "Invalid State")))
		env.mt.RegisterResponder(http.MethodPut, testAPI+"/things", jsonResponder(409, apiErrorBody(ErrorTypeIdempotencyConflict, "odd")))
		for _, m := range []string{http.MethodPost, http.MethodPut} {
			err := env.c.do(ctx, apiRequest{method: m, path: "/things"})
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr, m)
			assert.Equal(t, 409, apiErr.StatusCode)
			assert.Equal(t, 1, env.mt.GetCallCountInfo()[m+" "+testAPI+"/things"], "%s not retried", m)
		}
		assert.Zero(t, env.mt.GetCallCountInfo()["GET =~"+regexpResponses.String()], "no lookup")
	})
	t.Run("cut-off success body is recovered", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		var post, get capture
		env.mt.RegisterResponder(http.MethodPost, testAPI+"/transfers", post.wrap(jsonResponder(200, `{"Id":"xfer_m_8","Sta`)))
		env.mt.RegisterRegexpResponder(http.MethodGet, regexpResponses, get.wrap(jsonResponder(200, storedResponseBody(`"200"`, `{"Id":"xfer_m_8","Status":"SUCCEEDED"}`))))
		var out thing
		var meta Response
		require.NoError(t, env.c.post(ctx, "/transfers", nil, &out, []RequestOption{CaptureResponse(&meta)}))
		assert.Equal(t, thing{ID: "xfer_m_8", Status: "SUCCEEDED"}, out)
		assert.Equal(t, 200, meta.StatusCode)
		assert.Equal(t, 1, post.n())
		require.Equal(t, 1, get.n())
		assert.True(t, meta.Recovered)
	})
	t.Run("malformed success body is an error, not a recovery", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		env.mt.RegisterResponder(http.MethodPost, testAPI+"/transfers", jsonResponder(200, `<html>`))
		var out thing
		err := env.c.post(ctx, "/transfers", nil, &out, nil)
		require.Error(t, err)
		assert.Equal(t, 1, env.mt.GetTotalCallCount()-1) // the POST; no lookup
	})
}

func TestRetries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		first httpmock.Responder
	}{
		{"network error", httpmock.NewErrorResponder(errors.New("dial tcp: connection refused"))},
		{"500", jsonResponder(500, apiErrorBody("other", "Internal error"))},
		{"502 HTML", jsonResponder(502, "<html><body><h1>502 Bad Gateway</h1></body></html>")},
		{"503 empty", jsonResponder(503, "")},
		{"429", jsonResponder(429, apiErrorBody(ErrorTypeRateLimit, "Rate limit exceeded"))},
	} {
		for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodPost} {
			t.Run(tc.name+" "+method, func(t *testing.T) {
				t.Parallel()
				env := newTestClient(t)
				var cp capture
				env.mt.RegisterResponder(method, testAPI+"/things/t1", cp.wrap(sequence(tc.first, jsonResponder(200, `{"Id":"t1"}`))))
				var out thing
				var meta Response
				err := env.c.do(ctx, apiRequest{method: method, path: "/things/t1", out: &out, opts: []RequestOption{CaptureResponse(&meta)}})
				require.NoError(t, err)
				assert.Equal(t, "t1", out.ID)
				assert.Equal(t, 2, cp.n())
				assert.Equal(t, 2, meta.Attempts)
				w := env.waits()
				require.Len(t, w, 1)
				assert.GreaterOrEqual(t, w[0], defaultRetryBase/2)
				assert.LessOrEqual(t, w[0], defaultRetryBase)
			})
		}
	}
}

func TestRetryBudgetAndBackoff(t *testing.T) {
	t.Parallel()
	env := newTestClient(t, WithMaxRetries(4), WithRetryWait(100*time.Millisecond, 300*time.Millisecond))
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/things/t1", jsonResponder(500, apiErrorBody("other", "boom")))
	var meta Response
	err := env.c.get(context.Background(), "/things/t1", nil, nil, []RequestOption{CaptureResponse(&meta)})
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 500, apiErr.StatusCode)
	assert.Equal(t, 5, env.mt.GetTotalCallCount()-1, "1 attempt + 4 retries")
	assert.Equal(t, 5, meta.Attempts)
	assert.Equal(t, 500, meta.StatusCode)
	w := env.waits()
	require.Len(t, w, 4)
	bounds := [][2]time.Duration{{50, 100}, {100, 200}, {150, 300}, {150, 300}} // base·2ⁿ capped at 300ms, jitter [d/2, d]
	for i, b := range bounds {
		assert.GreaterOrEqual(t, w[i], b[0]*time.Millisecond, "wait %d", i)
		assert.LessOrEqual(t, w[i], b[1]*time.Millisecond, "wait %d", i)
	}
}

func TestNoRetryOnClientErrors(t *testing.T) {
	t.Parallel()
	for _, status := range []int{400, 403, 404, 405, 409, 413, 422} {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			t.Run(fmt.Sprintf("%d %s", status, method), func(t *testing.T) {
				t.Parallel()
				env := newTestClient(t)
				env.mt.RegisterResponder(method, testAPI+"/things", jsonResponder(status, apiErrorBody("param_error", "nope")))
				err := env.c.do(context.Background(), apiRequest{method: method, path: "/things"})
				var apiErr *APIError
				require.ErrorAs(t, err, &apiErr)
				assert.Equal(t, status, apiErr.StatusCode)
				assert.Equal(t, 1, env.mt.GetCallCountInfo()[method+" "+testAPI+"/things"])
				assert.Empty(t, env.waits())
			})
		}
	}
}

func TestRetryAfterAndRateLimitReset(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	for _, tc := range []struct {
		name   string
		header []string
		want   time.Duration
	}{
		{"Retry-After seconds", []string{"Retry-After", "3"}, 3 * time.Second},
		{"Retry-After HTTP date", []string{"Retry-After", clock.Now().Add(7 * time.Second).Format(http.TimeFormat)}, 7 * time.Second},
		{"X-RateLimit-Reset of the exhausted window", []string{
			"X-RateLimit", "2300, 4400, 8700, 100000",
			"X-RateLimit-Remaining", "0, 100, 100, 5600",
			"X-RateLimit-Reset", fmt.Sprintf("%d, %d, %d, %d", clock.Now().Add(4*time.Second).Unix(), clock.Now().Add(20*time.Minute).Unix(), clock.Now().Add(50*time.Minute).Unix(), clock.Now().Add(20*time.Hour).Unix()),
		}, 4 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t)
			env.c.now = clock.Now
			env.mt.RegisterResponder(http.MethodGet, testAPI+"/things", sequence(
				withHeader(jsonResponder(429, apiErrorBody(ErrorTypeRateLimit, "Rate limit exceeded")), tc.header...),
				jsonResponder(200, `[]`)))
			require.NoError(t, env.c.get(context.Background(), "/things", nil, nil, nil))
			assert.Equal(t, []time.Duration{tc.want}, env.waits())
		})
	}
	for _, tc := range []struct {
		name   string
		header []string
	}{
		{"Retry-After beyond the cap", []string{"Retry-After", "60"}},
		{"X-RateLimit-Reset beyond the cap", []string{"X-RateLimit-Remaining", "0, 0, 0, 0", "X-RateLimit-Reset", fmt.Sprintf("%d, %d, %d, %d", clock.Now().Add(14*time.Minute).Unix(), clock.Now().Add(29*time.Minute).Unix(), clock.Now().Add(59*time.Minute).Unix(), clock.Now().Add(23*time.Hour).Unix())}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t)
			env.c.now = clock.Now
			env.mt.RegisterResponder(http.MethodGet, testAPI+"/things", withHeader(jsonResponder(429, apiErrorBody(ErrorTypeRateLimit, "Rate limit exceeded")), tc.header...))
			err := env.c.get(context.Background(), "/things", nil, nil, nil)
			assert.ErrorIs(t, err, ErrRateLimited)
			assert.Empty(t, env.waits(), "not waited for")
			assert.Equal(t, 1, env.mt.GetCallCountInfo()["GET "+testAPI+"/things"])
		})
	}
}

func TestRetryStopsOnContextCancel(t *testing.T) {
	t.Parallel()
	t.Run("during the backoff", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		env.c.sleep = func(ctx context.Context, d time.Duration) error {
			cancel()
			return sleepCtx(ctx, time.Hour) // the real sleep returns at once
		}
		env.mt.RegisterResponder(http.MethodGet, testAPI+"/things", jsonResponder(503, ``))
		start := time.Now()
		err := env.c.get(ctx, "/things", nil, nil, nil)
		assert.Same(t, context.Canceled, err, "the context's error itself, got %v", err)
		assert.Less(t, time.Since(start), 10*time.Second)
		assert.Equal(t, 1, env.mt.GetCallCountInfo()["GET "+testAPI+"/things"])
	})
	t.Run("during the request", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		env.mt.RegisterResponder(http.MethodGet, testAPI+"/things", func(r *http.Request) (*http.Response, error) {
			cancel()
			<-r.Context().Done()
			return nil, r.Context().Err()
		})
		err := env.c.get(ctx, "/things", nil, nil, nil)
		assert.Same(t, context.Canceled, err, "not a wrapped transport error: %v", err)
		assert.Empty(t, env.waits())
	})
	for _, status := range []int{400, 401, 409, 503} {
		t.Run(fmt.Sprintf("while reading a %d body", status), func(t *testing.T) {
			t.Parallel()
			env := newTestClient(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			env.mt.RegisterResponder(http.MethodPost, testAPI+"/things", func(r *http.Request) (*http.Response, error) {
				body := io.MultiReader(strings.NewReader(`{"Type":"idempotent_creation_conflict","Mess`), &cancellingReader{cancel: cancel, ctx: r.Context()})
				return &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(body), Request: r}, nil
			})
			err := env.c.post(ctx, "/things", nil, nil, nil)
			assert.Same(t, context.Canceled, err, "the context's error, not an *APIError from half a body: %v", err)
			assert.Equal(t, 1, env.mt.GetCallCountInfo()["POST "+testAPI+"/things"])
			assert.Zero(t, env.mt.GetCallCountInfo()["GET =~"+regexpResponses.String()], "no /responses lookup")
			assert.EqualValues(t, 1, env.tokenCalls.Load(), "no token refresh")
		})
	}
	t.Run("deadline", func(t *testing.T) {
		t.Parallel()
		env := newTestClient(t)
		ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
		defer cancel()
		<-ctx.Done()
		err := env.c.get(ctx, "/things", nil, nil, nil)
		assert.Equal(t, context.DeadlineExceeded, err)
		assert.Equal(t, 0, env.mt.GetTotalCallCount())
	})
	t.Run("sleepCtx", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		start := time.Now()
		assert.Same(t, context.Canceled, sleepCtx(ctx, time.Hour))
		assert.Less(t, time.Since(start), time.Second)
		assert.NoError(t, sleepCtx(context.Background(), time.Millisecond))
		assert.NoError(t, sleepCtx(context.Background(), 0))
	})
}

// cancellingReader cancels the request's context on its first Read and then
// fails like a body whose connection was torn down by that cancellation.
type cancellingReader struct {
	cancel context.CancelFunc
	ctx    context.Context
}

func (r *cancellingReader) Read([]byte) (int, error) {
	r.cancel()
	<-r.ctx.Done()
	return 0, r.ctx.Err()
}

func TestWithMaxRetriesZero(t *testing.T) {
	t.Parallel()
	env := newTestClient(t, WithMaxRetries(0))
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/a", jsonResponder(500, ``))
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/b", httpmock.NewErrorResponder(errors.New("connection reset")))
	err := env.c.get(context.Background(), "/a", nil, nil, nil)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 500, apiErr.StatusCode)
	err = env.c.post(context.Background(), "/b", nil, nil, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "connection reset")
	assert.Contains(t, err.Error(), "POST "+testAPI+"/b")
	assert.Equal(t, 1, env.mt.GetCallCountInfo()["GET "+testAPI+"/a"])
	assert.Equal(t, 1, env.mt.GetCallCountInfo()["POST "+testAPI+"/b"])
	assert.Empty(t, env.waits())
}

func TestCaptureResponse(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	reset := []int64{1740582397, 1740583297, 1740585097, 1740667897}
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/things", withHeader(jsonResponder(200, `[{"Id":"a"}]`),
		"X-RateLimit", "12, 40, 85, 1003",
		"X-RateLimit-Remaining", "2288, 4460, 8715, 104597",
		"X-RateLimit-Reset", fmt.Sprintf("%d, %d, %d, %d", reset[0], reset[1], reset[2], reset[3]),
		"x-number-of-pages", "3",
		"x-number-of-items", "27",
	))
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/missing", withHeader(jsonResponder(404, apiErrorBody(ErrorTypeNotFound, "The ressource does not exist")), "X-RateLimit", "garbage"))
	var meta, again Response
	var out []thing
	require.NoError(t, env.c.get(context.Background(), "/things", nil, &out, []RequestOption{CaptureResponse(&meta), CaptureResponse(nil), CaptureResponse(&again)}))
	assert.Equal(t, 200, meta.StatusCode)
	assert.Equal(t, "27", meta.Header.Get("X-Number-Of-Items"))
	assert.Equal(t, 3, meta.TotalPages)
	assert.Equal(t, 27, meta.TotalItems)
	assert.Equal(t, 1, meta.Attempts)
	assert.Empty(t, meta.IdempotencyKey, "GET has no key")
	assert.False(t, meta.Recovered)
	assert.Equal(t, []RateLimit{
		{Window: 15 * time.Minute, Made: 12, Remaining: 2288, Reset: time.Unix(reset[0], 0).UTC()},
		{Window: 30 * time.Minute, Made: 40, Remaining: 4460, Reset: time.Unix(reset[1], 0).UTC()},
		{Window: time.Hour, Made: 85, Remaining: 8715, Reset: time.Unix(reset[2], 0).UTC()},
		{Window: 24 * time.Hour, Made: 1003, Remaining: 104597, Reset: time.Unix(reset[3], 0).UTC()},
	}, meta.RateLimits)
	assert.Equal(t, meta, again, "every capture is filled")

	meta = Response{TotalItems: 99}
	err := env.c.post(context.Background(), "/missing", nil, nil, []RequestOption{CaptureResponse(&meta)})
	require.ErrorIs(t, err, ErrNotFound)
	assert.Equal(t, 404, meta.StatusCode, "filled on failure too")
	assert.Zero(t, meta.TotalItems, "reset before filling")
	assert.Nil(t, meta.RateLimits, "malformed rate-limit headers are ignored")
	assert.True(t, validKey(meta.IdempotencyKey))

	env.mt.RegisterResponder(http.MethodGet, testAPI+"/down", httpmock.NewErrorResponder(errors.New("no route to host")))
	meta = Response{}
	require.Error(t, env.c.get(context.Background(), "/down", nil, nil, []RequestOption{CaptureResponse(&meta)}))
	assert.Zero(t, meta.StatusCode, "no response")
	assert.Equal(t, 1+defaultMaxRetries, meta.Attempts)
}

func TestParseRateLimitsPartial(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	h.Set("X-RateLimit-Remaining", "5,6")
	assert.Equal(t, []RateLimit{{Window: 15 * time.Minute, Remaining: 5}, {Window: 30 * time.Minute, Remaining: 6}}, parseRateLimits(h))
	assert.Nil(t, parseRateLimits(http.Header{}))
}

func TestClientStringsHideSecrets(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	_, err := getThing(context.Background(), env.c, "x") // fetches a token (then fails: no responder)
	require.Error(t, err)
	for _, s := range []string{
		fmt.Sprintf("%v", env.c), fmt.Sprintf("%+v", env.c), fmt.Sprintf("%#v", env.c),
		fmt.Sprintf("%v", *env.c), fmt.Sprintf("%+v", *env.c),
		fmt.Sprintf("%v", env.c.auth.cached), fmt.Sprintf("%+v", env.c.auth.cached), fmt.Sprintf("%#v", env.c.auth.cached),
		fmt.Sprintf("%v", &env.c.auth.cached), fmt.Sprintf("%+v", []Token{env.c.auth.cached}),
	} {
		assertNoSecret(t, s)
	}
	assert.Equal(t, `mangopay.Client{ClientID: "acme-test", BaseURL: "https://api.test/prefix"}`, env.c.String())
}

func mustRegexp(s string) *regexp.Regexp { return regexp.MustCompile(s) }

func TestPerAttemptTimeoutIsRetried(t *testing.T) {
	t.Parallel()
	// http.Client.Timeout errors wrap context.DeadlineExceeded although the
	// caller's context is fine: they are network errors like any other.
	timeout := func(*http.Request) (*http.Response, error) {
		return nil, fmt.Errorf("net/http: request canceled (Client.Timeout exceeded while awaiting headers): %w", context.DeadlineExceeded)
	}
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/things/x", cp.wrap(sequence(timeout, jsonResponder(200, `{"Id":"x"}`))))
	_, err := getThing(context.Background(), env.c, "x")
	require.NoError(t, err)
	assert.Equal(t, 2, cp.n())

	// The token call too, and goroutines waiting for it share the outcome.
	env = newTestClient(t)
	var calls atomic.Int64
	env.mt.RegisterResponder(http.MethodPost, testBase+"/v2.01/oauth/token", func(r *http.Request) (*http.Response, error) {
		calls.Add(1)
		return timeout(r)
	})
	_, err = getThing(context.Background(), env.c, "x")
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.EqualValues(t, 1+defaultMaxRetries, calls.Load())
}

func TestWithRedirectHosts(t *testing.T) {
	t.Parallel()
	link := func(l string) string { return `{"Id":"u1","PendingUserAction":{"RedirectUrl":"` + l + `"}}` }
	for _, tc := range []struct {
		hosts []string
		link  string
		ok    bool
	}{
		{nil, "https://sca.mangopay.com?token=t", true},
		{nil, "https://sca.sandbox.mangopay.com/?token=t", true},
		{nil, "https://mangopay.com.evil.example/?token=t", false},
		{nil, "http://sca.mangopay.com?token=t", false},
		{[]string{" Emulator.TEST "}, "https://sca.emulator.test/?token=t", true},
		{[]string{"emulator.test"}, "https://sca.mangopay.com?token=t", false},
		{[]string{"127.0.0.1:8089"}, "http://127.0.0.1:8089/sca?token=t", true},
		{[]string{"127.0.0.1:8089"}, "http://127.0.0.1:9999/sca?token=t", false},
	} {
		t.Run(fmt.Sprint(tc.hosts, tc.link), func(t *testing.T) {
			t.Parallel()
			var opts []Option
			if tc.hosts != nil {
				opts = append(opts, WithRedirectHosts(tc.hosts...))
			}
			env := newTestClient(t, opts...)
			env.mt.RegisterResponder(http.MethodPost, testAPI+"/users", jsonResponder(200, link(tc.link)))
			var out scaThing
			err := env.c.post(context.Background(), "/users", nil, &out, nil)
			if tc.ok {
				sca, ok := AsScaRequired(err)
				require.True(t, ok, "%v", err)
				assert.Equal(t, tc.link, sca.RedirectURL)
			} else {
				assert.ErrorIs(t, err, ErrUntrustedRedirect)
			}
			assert.Equal(t, "u1", out.ID)
		})
	}
}

func TestCutOffSuccessBodyNotRecorded(t *testing.T) {
	t.Parallel()
	env := newTestClient(t, WithMaxRetries(1))
	var post, get capture
	env.mt.RegisterResponder(http.MethodPost, testAPI+"/transfers", post.wrap(jsonResponder(201, `{"Id":"xfer_m_9"`)))
	env.mt.RegisterRegexpResponder(http.MethodGet, regexpResponses, get.wrap(jsonResponder(404, apiErrorBody(ErrorTypeNotFound, "The ressource does not exist"))))
	err := env.c.post(context.Background(), "/transfers", nil, &thing{}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "succeeded (status 201) but its answer was cut off")
	assert.Contains(t, err.Error(), "could not be fetched from /responses")
	assert.NotErrorIs(t, err, ErrNotFound)
	assert.Equal(t, 1, post.n(), "never re-sent")
	assert.Equal(t, 2, get.n())
}

func TestPathfFormat(t *testing.T) {
	t.Parallel()
	p, err := pathf("/users/%s/wallets/%s/x", "u", "w-2")
	require.NoError(t, err)
	assert.Equal(t, "/users/u/wallets/w-2/x", p)
	_, err = pathf("/users/%d", "u")
	assert.Error(t, err, "only %s verbs")
	_, err = pathf("/users/%s/%s", "u")
	assert.Error(t, err, "one id per verb")
	assert.NotErrorIs(t, err, ErrInvalidID)
}
