package dashboard

import (
	"math"
	"regexp"
	"strconv"
	"strings"
)

// threshold is a metric condition that compares the result with one number,
// drawn as a dashed line across the chart.
type threshold struct {
	kind      string  // "success" or "failure": which condition it came from
	condition string  // the condition as written, for the label
	value     float64 // where the line goes
}

// A number as expr-lang writes one (no hex, no underscores: those are rare in
// conditions and not worth a line drawn in the wrong place).
const numberPattern = `[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?`

// The only shapes that get a line: the result (or one element of it) on one
// side of a comparison, a plain number on the other, and nothing else.
var (
	resultFirst = regexp.MustCompile(`^result(?:\[[0-9]+\])?\s*(<=|>=|<|>)\s*(` + numberPattern + `)$`)
	numberFirst = regexp.MustCompile(`^(` + numberPattern + `)\s*(<=|>=|<|>)\s*result(?:\[[0-9]+\])?$`)
)

// parseThreshold returns the line a condition draws, or false when the
// condition is anything but a simple comparison ("result < 0.05",
// "result[0] >= 0.99", "500 >= result"). It errs on the side of no line: a
// condition with a function call, an {{args.…}} reference, a second clause or
// a number that does not fit a float64 is not drawn, because a line in the
// wrong place is worse than none.
func parseThreshold(kind, condition string) (threshold, bool) {
	text := strings.TrimSpace(condition)
	var number string
	if m := resultFirst.FindStringSubmatch(text); m != nil {
		number = m[2]
	} else if m := numberFirst.FindStringSubmatch(text); m != nil {
		number = m[1]
	} else {
		return threshold{}, false
	}
	v, err := strconv.ParseFloat(number, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return threshold{}, false
	}
	return threshold{kind: kind, condition: text, value: v}, true
}

// metricThresholds are the lines of a metric's two conditions, success first.
func metricThresholds(successCondition, failureCondition string) []threshold {
	var out []threshold
	if t, ok := parseThreshold("success", successCondition); ok {
		out = append(out, t)
	}
	if t, ok := parseThreshold("failure", failureCondition); ok {
		out = append(out, t)
	}
	return out
}
