package cli

import (
	"io"
	"strings"
)

// ANSI control sequences for redrawing in place.
const (
	cursorHome       = "\x1b[H"
	clearScreen      = "\x1b[2J"
	clearToLineEnd   = "\x1b[K"
	clearToScreenEnd = "\x1b[J"
)

// screen shows successive frames of a watch. On a terminal each frame replaces
// the last in place: the cursor goes home, every line clears its own rest, and the
// screen below the frame is cleared; the frame is written in one piece, so it
// never flickers. Elsewhere (a pipe, a CI log) a frame is printed only when it
// differs from the last, after a blank line.
type screen struct {
	out   io.Writer
	tty   bool
	drawn bool
	last  string
}

func (s *screen) show(frame string) error {
	if frame == s.last && s.drawn {
		return nil
	}
	var b strings.Builder
	switch {
	case s.tty:
		if !s.drawn {
			b.WriteString(cursorHome + clearScreen)
		}
		b.WriteString(cursorHome)
		for _, line := range strings.SplitAfter(frame, "\n") {
			if line == "" {
				continue
			}
			b.WriteString(strings.TrimSuffix(line, "\n") + clearToLineEnd)
			if strings.HasSuffix(line, "\n") {
				b.WriteByte('\n')
			}
		}
		b.WriteString(clearToScreenEnd)
	default:
		if s.drawn {
			b.WriteByte('\n')
		}
		b.WriteString(frame)
	}
	s.drawn, s.last = true, frame
	_, err := io.WriteString(s.out, b.String())
	return err
}
