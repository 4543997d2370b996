package mangopay

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// primary=true and cta=true (API release note 2026-03-09) come after
// returnUrl and lang, in that order, once each; an existing one is replaced
// only when its option is given.
func TestAppendReturnURLColours(t *testing.T) {
	t.Parallel()
	for _, tc := range []appendCase{
		{name: "primary", link: docLink, ret: "https://example.com", opts: []ReturnOption{WithPrimaryThemeColour()},
			want: docLink + "&returnUrl=" + encodedExample + "&primary=true"},
		{name: "cta", link: docLink, ret: "https://example.com", opts: []ReturnOption{WithPrimaryButtonColour()},
			want: docLink + "&returnUrl=" + encodedExample + "&cta=true"},
		{name: "both in any order, with lang", link: docLink, ret: "https://example.com/done?id=a&x=é",
			opts: []ReturnOption{WithPrimaryButtonColour(), WithLang("fr"), WithPrimaryThemeColour()},
			want: docLink + "&returnUrl=https%3A%2F%2Fexample.com%2Fdone%3Fid%3Da%26x%3D%C3%A9&lang=fr&primary=true&cta=true"},
		{name: "given twice, sent once", link: docLink, ret: "https://example.com", opts: []ReturnOption{WithPrimaryThemeColour(), WithPrimaryThemeColour()},
			want: docLink + "&returnUrl=" + encodedExample + "&primary=true"},
		{name: "existing ones replaced", link: docLink + "&primary=false&cta=1", ret: "https://example.com", opts: []ReturnOption{WithPrimaryThemeColour(), WithPrimaryButtonColour()},
			want: docLink + "&returnUrl=" + encodedExample + "&primary=true&cta=true"},
		{name: "existing ones kept without options", link: docLink + "&primary=true", ret: "https://example.com",
			want: docLink + "&primary=true&returnUrl=" + encodedExample},
		{name: "bad return URL still refused", link: docLink, ret: "/relative", opts: []ReturnOption{WithPrimaryThemeColour()}, wantErr: `returnURL "/relative" is not absolute`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := AppendReturnURL(tc.link, tc.ret, tc.opts...)
			if tc.wantErr != "" {
				assert.ErrorContains(t, err, tc.wantErr)
				assert.Empty(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			u, err := url.Parse(got)
			require.NoError(t, err)
			assert.Equal(t, []string{tc.ret}, u.Query()["returnUrl"])
			assert.LessOrEqual(t, len(u.Query()["primary"]), 1)
			assert.LessOrEqual(t, len(u.Query()["cta"]), 1)
		})
	}
}

// The colours count towards the 2,000-character limit.
func TestAppendReturnURLColoursLength(t *testing.T) {
	t.Parallel()
	ret := returnFor(MaxRedirectURLLength - 1)
	_, err := AppendReturnURL(docLink, ret)
	require.NoError(t, err, "fits without the colours")
	_, err = AppendReturnURL(docLink, ret, WithPrimaryButtonColour())
	assert.ErrorContains(t, err, "fewer than 2000")
}

// RedirectURLWithReturn passes the options through.
func TestRedirectURLWithReturnColours(t *testing.T) {
	t.Parallel()
	e := &ScaRequiredError{RedirectURL: docLink}
	got, err := e.RedirectURLWithReturn("https://example.com", WithPrimaryThemeColour(), WithPrimaryButtonColour())
	require.NoError(t, err)
	assert.Equal(t, docLink+"&returnUrl="+encodedExample+"&primary=true&cta=true", got)
}
