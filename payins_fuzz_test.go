package mangopay

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzPayInDecode: any body decodes into a PayIn (or fails) without a panic,
// and the redirect rule never hands out a link that fails the host check.
// Seeds: testdata/fuzz/FuzzPayInDecode and the documented fixtures.
func FuzzPayInDecode(f *testing.F) {
	for _, name := range []string{"create-web-response-created.json", "create-direct-response-3ds.json", "create-bankwire-response-created.json", "view-direct-failed-101101.json"} {
		if b, err := readFixture("payins/" + name); err == nil {
			f.Add(b)
		}
	}
	c, err := New("fuzz-client", "fuzz-key")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var p PayIn
		if json.Unmarshal(b, &p) != nil {
			return
		}
		err := p.redirectErr(c, 200, "POST", "https://api.test/payins")
		if rd, ok := AsRedirect(err); ok {
			to, err := rd.RedirectURLWithReturn("")
			if err != nil {
				t.Fatalf("redirect without a usable link: %v", err)
			}
			if c.payments.check(to) != nil {
				t.Fatalf("unchecked link %q handed out", to)
			}
		}
	})
}

// FuzzBrowserInfoDecode: the lenient BrowserInfo decoder never panics and
// round-trips what it accepts. Seeds: testdata/fuzz/FuzzBrowserInfoDecode.
func FuzzBrowserInfoDecode(f *testing.F) {
	f.Add([]byte(`{"AcceptHeader":"*/*","JavaEnabled":true,"Language":"en","ColorDepth":4,"ScreenHeight":1800,"ScreenWidth":400,"TimeZoneOffset":60,"UserAgent":"UA","JavascriptEnabled":true}`))
	f.Add([]byte(`{"TimeZoneOffset":"+60","ColorDepth":"24","JavaEnabled":"false"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var bi BrowserInfo
		if json.Unmarshal(b, &bi) != nil {
			return
		}
		out, err := json.Marshal(bi)
		if err != nil {
			t.Fatal(err)
		}
		var again BrowserInfo
		if err := json.Unmarshal(out, &again); err != nil || again != bi {
			t.Fatalf("round trip: %v %+v %+v", err, bi, again)
		}
	})
}

// readFixture reads testdata/<path> (for fuzz seeds, outside a *testing.T).
func readFixture(path string) ([]byte, error) { return os.ReadFile(filepath.Join("testdata", path)) }
