package main

import (
	"fmt"
	"io"
	"maps"
	"net/url"
	"slices"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
)

// width is the longest line the tour prints; only a link a person must
// open (one word, never broken) may be longer.
const width = 100

// printer writes the tour for a person to read. It keeps the first write
// error, which run returns.
type printer struct {
	w   io.Writer
	err error
	// fullLinks prints SCA links whole (a person opens them); otherwise the
	// session token is elided and the returnUrl shown decoded.
	fullLinks bool
	// told holds the remarks already made, which later steps do not repeat.
	told map[string]bool
}

// first reports whether the remark called key is made for the first time.
func (p *printer) first(key string) bool {
	if p.told == nil {
		p.told = map[string]bool{}
	}
	if p.told[key] {
		return false
	}
	p.told[key] = true
	return true
}

func (p *printer) printf(format string, args ...any) {
	if p.err != nil {
		return
	}
	_, p.err = fmt.Fprintf(p.w, format, args...)
}

// line prints text after an indented mark ("→", "←", "✓", ...), wrapped at
// width with continuation lines aligned under the text.
func (p *printer) line(mark, text string) {
	p.printf("%s", wrap("   "+mark+" ", "     ", text))
}

// wrap breaks text into lines of at most width runes, the first starting
// with first and the others with cont. A word longer than a line gets one
// of its own.
func wrap(first, cont, text string) string {
	if utf8.RuneCountInString(first+text) <= width {
		return first + text + "\n" // as written, aligned columns included
	}
	var b strings.Builder
	cur, n := first, utf8.RuneCountInString(first)
	empty := true
	for _, word := range splitLong(strings.Fields(text), width-utf8.RuneCountInString(cont)) {
		wn := utf8.RuneCountInString(word)
		if !empty && n+1+wn > width {
			b.WriteString(cur + "\n")
			cur, n, empty = cont, utf8.RuneCountInString(cont), true
		}
		if !empty {
			cur += " "
			n++
		}
		cur += word
		n += wn
		empty = false
	}
	b.WriteString(cur + "\n")
	return b.String()
}

// splitLong cuts the words longer than room (a request path in a -v log
// record) after a '/', so that each piece fits on a line. Links (http...)
// are never cut: they are printed whole, to be copied.
func splitLong(words []string, room int) []string {
	var out []string
	for _, w := range words {
		for utf8.RuneCountInString(w) > room && !strings.HasPrefix(w, "http") {
			i := strings.LastIndexByte(w[:min(len(w), room)], '/')
			if i <= 0 {
				break
			}
			out, w = append(out, w[:i+1]), w[i+1:]
		}
		out = append(out, w)
	}
	return out
}

// step starts a numbered step: its title, then what it shows.
func (p *printer) step(n int, title, shows string) {
	p.printf("\n%s", wrap(fmt.Sprintf("%d. ", n), "   ", title))
	if shows != "" {
		p.printf("%s", wrap("   Shows: ", "          ", shows))
	}
}

// para prints a paragraph of explanation, indented and wrapped.
func (p *printer) para(text string) { p.printf("%s", wrap("   ", "   ", text)) }

// call shows an SDK call and the endpoint it hits (on the next line when
// both do not fit on one).
func (p *printer) call(sdk, endpoint string) {
	l := fmt.Sprintf("   → %-26s %s", sdk, endpoint)
	if utf8.RuneCountInString(l) <= width {
		p.printf("%s\n", l)
		return
	}
	p.printf("   → %s\n%s", sdk, wrap("       ", "         ", endpoint))
}

// got shows what came back.
func (p *printer) got(format string, args ...any) { p.line("←", fmt.Sprintf(format, args...)) }

// link shows where a browser would be sent (to, e.g. "user's browser to
// Mangopay's hosted SCA page"): the whole link when a person must open it;
// else the link with its secret query parameter cut to keep characters and,
// when it carries one, its return parameter ret elided and shown decoded on
// a line of its own.
func (p *printer) link(to, link, secret string, keep int, ret string) {
	p.printf("   ↪ redirect the %s:\n", to)
	if p.fullLinks {
		p.printf("       %s\n", link)
		return
	}
	u, err := url.Parse(link)
	if err != nil {
		p.printf("       (unparsable link)\n")
		return
	}
	q := u.Query()
	v := q.Get(secret)
	if len(v) > keep {
		v = v[:keep] + "…"
	}
	parts := []string{secret + "=" + v}
	back := q.Get(ret)
	q.Del(secret)
	q.Del(ret)
	for _, k := range slices.Sorted(maps.Keys(q)) {
		parts = append(parts, k+"="+q.Get(k))
	}
	if ret != "" {
		parts = append(parts, ret+"=…")
	}
	u.RawQuery = ""
	p.printf("%s", wrap("       ", "         ", u.String()+"?"+strings.Join(parts, "&")))
	if ret != "" {
		p.printf("%s", wrap("       ", "         ", ret+" (percent-encoded in the link): "+back))
	}
}

// ok reports something that worked.
func (p *printer) ok(format string, args ...any) { p.line("✓", fmt.Sprintf(format, args...)) }

// refused reports an expected refusal or failure.
func (p *printer) refused(format string, args ...any) { p.line("✗", fmt.Sprintf(format, args...)) }

// say adds a remark.
func (p *printer) say(format string, args ...any) { p.line("·", fmt.Sprintf(format, args...)) }

// row is one line of the final summary.
type row struct{ step, sca, result string }

// table prints the summary rows aligned.
func (p *printer) table(rows []row) {
	if p.err != nil {
		return
	}
	tw := tabwriter.NewWriter(p.w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "   STEP\tSCA\tRESULT")
	fmt.Fprintln(tw, "   "+strings.Repeat("─", 28)+"\t"+strings.Repeat("─", 24)+"\t"+strings.Repeat("─", 28))
	for _, r := range rows {
		fmt.Fprintf(tw, "   %s\t%s\t%s\n", r.step, r.sca, r.result)
	}
	p.err = tw.Flush()
}
