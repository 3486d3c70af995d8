// Package render prints a report: text for people, JSON or YAML for
// programs. Both read the same report.Report, so they cannot disagree.
package render

import (
	"bytes"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/logbackup/kubectl-logbackup/pkg/text"
)

// table prints rows the way kubectl get does: upper-case headers, no
// borders, columns three spaces apart, long cells never wrapped, each line
// indented under its section heading. Every cell is folded to one line,
// cut and escaped: a cell can come from anywhere in the cluster.
func table(w io.Writer, indent string, header []string, rows [][]string) error {
	var buf bytes.Buffer
	t := tablewriter.NewTable(&buf,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders: tw.BorderNone,
			Symbols: tw.NewSymbols(tw.StyleNone),
			Settings: tw.Settings{
				Separators: tw.Separators{BetweenRows: tw.Off, BetweenColumns: tw.Off},
				Lines:      tw.Lines{ShowHeaderLine: tw.Off},
			},
		})),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithPadding(tw.Padding{Right: "   ", Overwrite: true}),
		// Upper case, but as written: the auto format would space out
		// "RETRIES/H" and "P50".
		tablewriter.WithHeaderAutoFormat(tw.Off),
	)
	upper := make([]string, len(header))
	for i, h := range header {
		upper[i] = strings.ToUpper(h)
	}
	t.Header(cells(upper)...)
	for _, r := range rows {
		if err := t.Append(cells(r)...); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	for _, line := range strings.Split(strings.TrimRight(buf.String(), "\n"), "\n") {
		if _, err := io.WriteString(w, indent+strings.TrimRight(line, " ")+"\n"); err != nil {
			return err
		}
	}
	return nil
}

func cells(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = text.OneLine(text.Cut(text.Redact(v), maxCell))
	}
	return out
}

// fixedTable draws a table whose rows come in batches (a watch): the
// widths are set by the header and the first batch, and later rows are
// padded to them, so nothing already printed moves. Cells must already be
// safe (cells); paint may colour a cell of a row.
type fixedTable struct {
	widths []int
}

func (t *fixedTable) write(p *printer, header []string, rows [][]string, paint func(row, col int, v string) styled) {
	if t.widths == nil {
		t.widths = make([]int, len(header))
		for _, r := range append([][]string{header}, rows...) {
			for c, v := range r {
				if c < len(t.widths) {
					t.widths[c] = max(t.widths[c], utf8.RuneCountInString(v))
				}
			}
		}
		t.draw(p, header, func(_ int, v string) styled { return styled(v) })
	}
	for i, r := range rows {
		t.draw(p, r, func(col int, v string) styled {
			if paint == nil {
				return styled(v)
			}
			return paint(i, col, v)
		})
	}
}

// draw writes a row padded to the widths; the last column is not padded.
func (t *fixedTable) draw(p *printer, cells []string, paint func(col int, v string) styled) {
	var b strings.Builder
	last := len(cells) - 1
	for i, v := range cells {
		b.WriteString(string(paint(i, v)))
		if i < last {
			w := 0
			if i < len(t.widths) {
				w = t.widths[i]
			}
			b.WriteString(strings.Repeat(" ", max(w-utf8.RuneCountInString(v), 0)+3))
		}
	}
	p.f("%s\n", styled(b.String()))
}
