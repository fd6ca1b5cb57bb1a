package view

// Style says how text is decorated. The zero Style is plain text, used whenever
// output is not a terminal or --no-color is given.
type Style struct {
	// Color turns on ANSI colours.
	Color bool
}

// ANSI colour codes per tone.
var toneCodes = map[tone]string{
	toneGood:   "\x1b[32m", // green
	toneBusy:   "\x1b[33m", // yellow
	tonePaused: "\x1b[36m", // cyan
	toneBad:    "\x1b[31m", // red
	toneIdle:   "\x1b[90m", // grey
}

const ansiReset = "\x1b[0m"

// paint wraps text in the colour of a tone when colour is on.
func (s Style) paint(t tone, text string) string {
	code, ok := toneCodes[t]
	if !s.Color || !ok || text == "" {
		return text
	}
	return code + text + ansiReset
}
