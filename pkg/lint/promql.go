package lint

import (
	"errors"
	"fmt"
	"strings"

	"github.com/prometheus/prometheus/promql/parser"
)

// Prometheus queries are parsed with Prometheus' own parser, so a query that
// Prometheus would reject with "bad_data" (and the analysis would end in
// Error at its first measurement) is found before it is applied. A query may
// hold {{args.NAME}} references, whose values come when the run starts: an
// argument with a value in the template is parsed with that value; one without
// gets a stand-in that fits where it stands (see standIn). A parse error in a
// stand-in only means no stand-in fitted there: it is a note, never an error.

// promqlParser accepts every feature a server may enable (experimental
// functions, duration expressions, …): lint must not reject a query that the
// user's Prometheus serves.
var promqlParser = parser.NewParser(parser.Options{
	EnableExperimentalFunctions:  true,
	ExperimentalDurationExpr:     true,
	EnableExtendedRangeSelectors: true,
	EnableBinopFillModifiers:     true,
})

// argSpan is where an argument's value or stand-in landed in the query.
type argSpan struct {
	name       string
	start, end int // byte offsets in the substituted query
	given      bool
}

// checkPromQL parses a metric's query after substituting args.
func (l *linter) checkPromQL(obj *lintObject, at, query string, args templateArgs) {
	if strings.TrimSpace(query) == "" || !args.readable(query) {
		return // the schema reports an empty query; unreadable args: see templateArgs
	}
	resolved, spans := substitutePromQLArgs(query, args.values)
	_, err := promqlParser.ParseExpr(resolved)
	if err == nil {
		return
	}
	msg, offset := parseErrorAt(err)
	withArgs := ""
	if resolved != query {
		withArgs = fmt.Sprintf(" (in the query with args substituted: %q)", resolved)
	}
	switch span := spanAt(spans, offset); {
	case span == nil:
		l.errorf(obj, at, "does not parse as PromQL: %s%s", msg, withArgs)
	case span.given:
		l.warnf(obj, at, "does not parse as PromQL with {{args.%s}} at its value in the template: %s%s", span.name, msg, withArgs)
	default:
		l.notef(obj, at, "not checked: {{args.%s}} has no value in the template and no stand-in parses where it stands, so Prometheus checks the query when the run starts: %s%s", span.name, msg, withArgs)
	}
}

// substitutePromQLArgs puts the args' values, or stand-ins for the args
// without one, into the query, and says where each landed.
func substitutePromQLArgs(query string, values map[string]*string) (string, []argSpan) {
	var b strings.Builder
	var spans []argSpan
	last := 0
	for _, m := range argRefRE.FindAllStringSubmatchIndex(query, -1) {
		b.WriteString(query[last:m[0]])
		name := query[m[2]:m[3]]
		value, given := standIn(query[:m[0]]), false
		if v := values[name]; v != nil {
			value, given = *v, true
		}
		start := b.Len()
		b.WriteString(value)
		spans = append(spans, argSpan{name: name, start: start, end: b.Len(), given: given})
		last = m[1]
	}
	b.WriteString(query[last:])
	return b.String(), spans
}

// standIn is a value for an argument without one that parses where it stands,
// judged by the query before it: text inside a quoted string (a label value or
// a regular expression), a duration inside a range selector's brackets or
// after offset, a number after @, and otherwise a name, which PromQL accepts
// wherever an expression, a metric, a label or a number may stand.
func standIn(before string) string {
	if inQuotes(before) {
		return "sluice_arg"
	}
	trimmed := strings.TrimRight(before, " \t\n")
	switch {
	case strings.LastIndex(before, "[") > strings.LastIndex(before, "]"):
		return "5m"
	case strings.HasSuffix(strings.ToLower(trimmed), "offset"):
		return "5m"
	case strings.HasSuffix(trimmed, "@"):
		return "1"
	}
	return "sluice_arg"
}

// inQuotes reports whether the end of s is inside a PromQL string literal
// ("…", '…' or `…`; backslash escapes in the first two).
func inQuotes(s string) bool {
	var open rune
	escaped := false
	for _, r := range s {
		switch {
		case escaped:
			escaped = false
		case open != 0 && r == '\\' && open != '`':
			escaped = true
		case open != 0 && r == open:
			open = 0
		case open == 0 && (r == '"' || r == '\'' || r == '`'):
			open = r
		}
	}
	return open != 0
}

// parseErrorAt is the first error's message ("1:14: parse error: …") and the
// byte offset it points at, or -1.
func parseErrorAt(err error) (string, int) {
	var errs parser.ParseErrors
	if errors.As(err, &errs) && len(errs) > 0 {
		return oneLine(errs[0].Error()), int(errs[0].PositionRange.Start)
	}
	var one *parser.ParseErr
	if errors.As(err, &one) {
		return oneLine(one.Error()), int(one.PositionRange.Start)
	}
	return oneLine(err.Error()), -1
}

// spanAt is the argument span an offset falls in, or nil.
func spanAt(spans []argSpan, offset int) *argSpan {
	for i := range spans {
		if offset >= spans[i].start && offset < max(spans[i].end, spans[i].start+1) {
			return &spans[i]
		}
	}
	return nil
}
