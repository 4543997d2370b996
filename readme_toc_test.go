package mangopay

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeContents checks the README's table of contents against its
// sections: every "## " heading is listed, and every link points to one.
// Adding a section? Add a line to "## Contents" too.
func TestReadmeContents(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	if !strings.HasPrefix(text, "# ") || !strings.Contains(text[:300], "go run ./examples/quickstart") {
		t.Error("the README no longer opens with its title and the two commands")
	}
	inFence := false
	anchors := map[string]bool{}
	var headings []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			inFence = !inFence
			continue
		}
		if !inFence && strings.HasPrefix(l, "## ") {
			h := strings.TrimPrefix(l, "## ")
			headings = append(headings, h)
			anchors[anchor(h)] = true
		}
	}
	start := strings.Index(text, "## Contents\n")
	if start < 0 {
		t.Fatal("no ## Contents section")
	}
	toc := text[start+len("## Contents\n"):]
	toc = toc[:strings.Index(toc, "\n## ")]
	listed := map[string]bool{}
	for _, m := range regexp.MustCompile(`\]\(#([^)]+)\)`).FindAllStringSubmatch(toc, -1) {
		listed[m[1]] = true
		if !anchors[m[1]] {
			t.Errorf("Contents links to #%s, which is no section", m[1])
		}
	}
	for _, h := range headings {
		if h != "Contents" && !listed[anchor(h)] {
			t.Errorf("section %q is missing from Contents: add - [%s](#%s)", h, h, anchor(h))
		}
	}
	if strings.Index(text, "## Mangopay and SCA in two minutes") > strings.Index(text, "## Examples") {
		t.Error(`"Mangopay and SCA in two minutes" must come before the examples`)
	}
	if !strings.Contains(text, "```mermaid\nsequenceDiagram") {
		t.Error("the redirect round trip diagram is gone")
	}
}

// anchor is GitHub's anchor for a heading: lower case, spaces as '-',
// punctuation other than '-' and '_' dropped.
func anchor(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		}
	}
	return b.String()
}
