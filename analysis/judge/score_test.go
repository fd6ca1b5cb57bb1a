package judge

import (
	"strings"
	"testing"
)

func res(name, group string, class Class, critical bool) MetricResult {
	return MetricResult{Name: name, Group: group, Class: class, Critical: critical, Reason: "why " + name}
}

func TestScore(t *testing.T) {
	defaults := Scoring{Pass: 95, Marginal: 75}
	cases := []struct {
		name    string
		results []MetricResult
		s       Scoring
		score   float64
		outcome Outcome
		reason  string
	}{
		{"all pass", []MetricResult{res("a", "", ClassPass, false), res("b", "", ClassPass, true)},
			defaults, 100, Successful, "Successful: score 100 ≥ pass 95"},
		{"critical fails: 0 whatever the others", []MetricResult{
			res("a", "", ClassPass, false), res("b", "", ClassPass, false), res("c", "", ClassPass, false),
			res("lat", "", ClassHigh, true)},
			defaults, 0, Failed, "Failed: critical lat High; score 0"},
		{"non-critical failure: one group of four", []MetricResult{
			res("a", "", ClassPass, false), res("b", "", ClassPass, false), res("c", "", ClassPass, false),
			res("lat", "", ClassLow, false)},
			defaults, 75, Inconclusive, "Inconclusive: score 75 < pass 95 (lat Low)"},
		{"metrics in one group share its weight", []MetricResult{
			res("p50", "latency", ClassHigh, false), res("p99", "latency", ClassPass, false),
			res("errors", "errors", ClassPass, false)},
			defaults, 75, Inconclusive, "(p50 High)"},
		{"group weights", []MetricResult{
			res("p50", "latency", ClassHigh, false), res("p99", "latency", ClassPass, false),
			res("errors", "errors", ClassPass, false)},
			Scoring{Pass: 95, Marginal: 75, GroupWeights: map[string]float64{"latency": 3, "errors": 1}},
			62.5, Failed, "Failed: score 62.5 < marginal 75 (p50 High)"},
		{"unlisted group weighs the listed average", []MetricResult{
			res("lat", "latency", ClassHigh, false), res("errors", "errors", ClassPass, false), res("cpu", "cpu", ClassPass, false)},
			// latency 4, errors 2, cpu (unlisted) 3: (0·4 + 2 + 3)/9.
			Scoring{Pass: 95, Marginal: 50, GroupWeights: map[string]float64{"latency": 4, "errors": 2}},
			55.56, Inconclusive, "score 55.56 < pass 95"},
		{"group defaults to the metric's name", []MetricResult{
			res("a", "", ClassHigh, false), res("b", "", ClassPass, false)},
			Scoring{Pass: 95, Marginal: 75, GroupWeights: map[string]float64{"a": 1, "b": 3}},
			75, Inconclusive, ""},
		{"zero-weight group does not count", []MetricResult{
			res("a", "observe", ClassHigh, false), res("b", "b", ClassPass, false)},
			Scoring{Pass: 95, Marginal: 75, GroupWeights: map[string]float64{"observe": 0, "b": 1}},
			100, Successful, "(a High)"},
		{"every group weighs 0: nothing counts", []MetricResult{
			res("a", "observe", ClassHigh, false), res("b", "b", ClassPass, false)},
			// b is not listed, so it weighs the listed average: 0.
			Scoring{Pass: 95, Marginal: 75, GroupWeights: map[string]float64{"observe": 0}},
			100, Successful, "(a High)"},
		{"zero-weight critical still forces 0", []MetricResult{
			res("a", "observe", ClassHigh, true), res("b", "b", ClassPass, false)},
			Scoring{Pass: 95, Marginal: 75, GroupWeights: map[string]float64{"observe": 0}},
			0, Failed, "critical a High"},
		{"score exactly at pass", []MetricResult{
			res("a", "", ClassPass, false), res("b", "", ClassPass, false), res("c", "", ClassPass, false), res("d", "", ClassHigh, false)},
			Scoring{Pass: 75, Marginal: 50}, 75, Successful, "score 75 ≥ pass 75"},
		{"score exactly at marginal", []MetricResult{
			res("a", "", ClassPass, false), res("d", "", ClassHigh, false)},
			Scoring{Pass: 75, Marginal: 50}, 50, Inconclusive, "score 50 < pass 75"},
		{"just below marginal", []MetricResult{
			res("a", "", ClassPass, false), res("b", "", ClassHigh, false), res("c", "", ClassHigh, false)},
			Scoring{Pass: 75, Marginal: 33.34}, 33.33, Failed, "score 33.33 < marginal 33.34"},
		{"no data left out but caps at Inconclusive", []MetricResult{
			res("a", "", ClassPass, false), res("b", "", ClassNoData, false)},
			defaults, 100, Inconclusive, "Inconclusive: score 100 ≥ pass 95; no data for b: why b"},
		{"no data caps at Failed when so configured", []MetricResult{
			res("a", "", ClassPass, false), res("b", "", ClassNoData, false)},
			Scoring{Pass: 95, Marginal: 75, NoData: Failed}, 100, Failed, "no data for b"},
		{"no data does not lift a failure", []MetricResult{
			res("a", "", ClassHigh, false), res("b", "", ClassNoData, false)},
			defaults, 0, Failed, "Failed: score 0 < marginal 75 (a High); no data for b: why b"},
		{"a critical metric without data is no data, not a failure", []MetricResult{
			res("a", "", ClassPass, false), res("b", "", ClassNoData, true)},
			defaults, 100, Inconclusive, "no data for b"},
		{"all no data", []MetricResult{res("b", "", ClassNoData, false), res("a", "", ClassNoData, true)},
			defaults, 0, Inconclusive, "Inconclusive: no metric has data (a: why a; b: why b)"},
		{"all no data, configured Failed", []MetricResult{res("a", "", ClassNoData, false)},
			Scoring{Pass: 95, Marginal: 75, NoData: Failed}, 0, Failed, "Failed: no metric has data"},
		{"no data is never Successful even if configured so", []MetricResult{res("a", "", ClassPass, false), res("b", "", ClassNoData, false)},
			Scoring{Pass: 95, Marginal: 75, NoData: Successful}, 100, Inconclusive, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := Score(c.results, c.s)
			if v.Score != c.score || v.Outcome != c.outcome || !strings.Contains(v.Reason, c.reason) {
				t.Errorf("score %v %s %q, want %v %s with %q", v.Score, v.Outcome, v.Reason, c.score, c.outcome, c.reason)
			}
			if len(v.Metrics) != len(c.results) {
				t.Errorf("%d metric results, want %d", len(v.Metrics), len(c.results))
			}
			if strings.Contains(v.Reason, "\n") {
				t.Errorf("reason spans lines: %q", v.Reason)
			}
		})
	}
}
