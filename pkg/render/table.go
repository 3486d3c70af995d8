// Package render prints a report: text for people, JSON or YAML for
// programs. Both read the same report.Report, so they cannot disagree.
package render

import (
	"bytes"
	"io"
	"strings"

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
	)
	t.Header(cells(header)...)
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
