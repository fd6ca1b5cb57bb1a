package view

import (
	"strings"
	"unicode/utf8"
)

// cell is one table cell: its text and the tone it is painted in.
type cell struct {
	text string
	tone tone
}

func plain(text string) cell { return cell{text: text} }

// table lays out rows in columns two spaces apart. Widths are counted in runes
// of the plain text, so colour codes never shift a column, and the last column
// is never padded (no trailing blanks).
type table struct {
	rows [][]cell
}

func (t *table) add(cells ...cell) { t.rows = append(t.rows, cells) }

func (t *table) render(b *strings.Builder, s Style) {
	var widths []int
	for _, row := range t.rows {
		for i, c := range row {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c.text))
		}
	}
	for _, row := range t.rows {
		last := len(row) - 1
		for last > 0 && row[last].text == "" {
			last--
		}
		for i := 0; i <= last; i++ {
			c := row[i]
			b.WriteString(s.paint(c.tone, c.text))
			if i < last {
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c.text)+2))
			}
		}
		b.WriteByte('\n')
	}
}
