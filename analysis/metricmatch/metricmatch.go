// Package metricmatch decides which metrics a `dryRun[].metricName` or
// `measurementRetention[].metricName` rule names. The analysis controller uses
// it when a run starts and `kubectl sluice lint` when it checks templates, so
// both read a rule the same way.
//
// A metricName names the metric whose name it equals, and otherwise is a
// regular expression (Go RE2 syntax) that must match the whole metric name:
// "error-.*" names error-rate and error-budget, "error" names only a metric
// called error. "*" is kept as an alias for all metrics.
//
// Argo Rollouts documents regular expressions here (its examples use
// `metricName: .*`) but matches them anywhere in the name, so there "error"
// also names error-rate. Sluice anchors them: a dry-run metric never decides a
// run, so a rule that quietly reaches more metrics than its author meant turns
// checks off (fail open); anchored, a rule reaches at most what it spells out,
// and one that reaches nothing is an error rather than silence.
package metricmatch

import (
	"fmt"
	"regexp"
	"strings"
)

// All is the metricName that names every metric.
const All = "*"

// Pattern is one rule's metricName, ready to match.
type Pattern struct {
	text string
	// re is the anchored expression; nil for All or text that does not compile
	// (which then names only a metric called exactly text).
	re *regexp.Regexp
	// err is why text does not compile, if it does not.
	err error
}

// Compile reads a metricName. It never fails: text that is not a valid regular
// expression still names a metric with exactly that name (metric names may
// hold characters such as "(" ), and Err says why it is not an expression.
func Compile(text string) Pattern {
	p := Pattern{text: text}
	if text == All {
		return p
	}
	if _, err := regexp.Compile(text); err != nil {
		p.err = err // reported on the text as written, not on the anchored form
		return p
	}
	p.re = regexp.MustCompile(`^(?:` + text + `)$`)
	return p
}

// Err is why the metricName is not a valid regular expression, or nil.
func (p Pattern) Err() error { return p.err }

// Exact reports whether the metricName is the metric's name itself.
func (p Pattern) Exact(metric string) bool { return p.text == metric }

// Matches reports whether the rule names the metric.
func (p Pattern) Matches(metric string) bool {
	return p.text == All || p.text == metric || (p.re != nil && p.re.MatchString(metric))
}

// Match returns the metrics, of those given, that the rule names. A rule that
// names none is an error: either its expression does not compile or it matches
// no metric name. The error starts with field (e.g. "dryRun[1]") so a person
// finds the rule.
func (p Pattern) Match(field string, metrics []string) ([]string, error) {
	var out []string
	for _, m := range metrics {
		if p.Matches(m) {
			out = append(out, m)
		}
	}
	if len(out) > 0 {
		return out, nil
	}
	if p.err != nil {
		return nil, fmt.Errorf("%s: metricName %q is not a valid regular expression: %v", field, p.text, p.err)
	}
	return nil, fmt.Errorf("%s: metricName %q matches no metric (the metrics are %s; a metricName must match the whole name, and %q means all)",
		field, p.text, strings.Join(metrics, ", "), All)
}
