package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// printer writes the tour for a person to read. It keeps the first write
// error, which run returns.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) printf(format string, args ...any) {
	if p.err != nil {
		return
	}
	_, p.err = fmt.Fprintf(p.w, format, args...)
}

// step starts a numbered step.
func (p *printer) step(n int, format string, args ...any) {
	p.printf("\n%d. %s\n", n, fmt.Sprintf(format, args...))
}

// call shows an SDK call and the endpoint it hits.
func (p *printer) call(sdk, endpoint string) { p.printf("   → %-34s %s\n", sdk, endpoint) }

// got shows what came back.
func (p *printer) got(format string, args ...any) {
	p.printf("   ← %s\n", fmt.Sprintf(format, args...))
}

// redirect shows where the user's browser would be sent.
func (p *printer) redirect(link string) {
	p.printf("   ↪ redirect the user's browser to:\n       %s\n", link)
}

// ok reports something that worked.
func (p *printer) ok(format string, args ...any) {
	p.printf("   ✓ %s\n", fmt.Sprintf(format, args...))
}

// say adds a remark.
func (p *printer) say(format string, args ...any) {
	p.printf("   · %s\n", fmt.Sprintf(format, args...))
}

// row is one line of the final summary.
type row struct{ step, sca, result string }

// table prints the summary rows aligned.
func (p *printer) table(rows []row) {
	if p.err != nil {
		return
	}
	tw := tabwriter.NewWriter(p.w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "   STEP\tSCA\tRESULT")
	fmt.Fprintln(tw, "   "+strings.Repeat("─", 30)+"\t"+strings.Repeat("─", 26)+"\t"+strings.Repeat("─", 30))
	for _, r := range rows {
		fmt.Fprintf(tw, "   %s\t%s\t%s\n", r.step, r.sca, r.result)
	}
	p.err = tw.Flush()
}
