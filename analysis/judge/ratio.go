package judge

import (
	"fmt"
	"math"
	"strings"

	"github.com/sluice-dev/sluice/analysis/judge/stats"
)

// JudgeRatio compares a ratio metric's canary and baseline counts at one
// look: the minimum-total check, then the two-proportion test (Fisher's exact
// test when counts are small) with the difference of rates and its interval
// at the look's level, the rate ratio as effect size, and classification.
//
// Counts are rounded to whole numbers (Prometheus's increase() extrapolates
// to the window's edges and returns fractions) and events are held within
// [0, total], since extrapolating two counters separately can push errors a
// hair past requests.
func JudgeRatio(m Metric, c Counts, alpha float64, look Look) MetricResult {
	m = withDefaults(m)
	ce, ct := wholeCounts(c.CanaryEvents, c.CanaryTotal)
	be, bt := wholeCounts(c.BaselineEvents, c.BaselineTotal)
	r := MetricResult{
		Name: m.Name, Group: m.Group, Critical: m.Critical,
		Alpha:   LookAlpha(alpha, look),
		CanaryN: int(ct), BaselineN: int(bt),
		PValue: math.NaN(), Estimate: math.NaN(), Low: math.NaN(), High: math.NaN(), Effect: math.NaN(),
	}
	if why := notNumbers(c); why != "" {
		r.CanaryN, r.BaselineN = 0, 0
		r.Class, r.Reason = ClassNoData, why
		return r
	}
	if why := tooFewCounts(m.MinSamples, ct, bt); why != "" {
		r.Class, r.Reason = ClassNoData, why
		return r
	}
	test, err := stats.CompareProportions(ce, ct, be, bt, 1-r.Alpha)
	if err != nil { // unreachable: counts are whole, positive and held in range
		r.Class, r.Reason = ClassNoData, err.Error()
		return r
	}
	r.PValue = test.P
	r.Estimate, r.Low, r.High = test.Diff, test.Low, test.High
	r.Effect = test.RateRatio
	what := "p"
	if test.Test == stats.FisherTest {
		what = "Fisher exact p"
	}
	r.Class, r.Reason = classify(m, change{
		p: test.P, alpha: r.Alpha, effect: r.Effect, what: what, sign: sign(test.Diff),
	})
	return r
}

// wholeCounts rounds a side's counts (see JudgeRatio); non-finite counts
// are reported by notNumbers before these are used.
func wholeCounts(events, total float64) (int64, int64) {
	t := int64(math.Round(total))
	e := min(max(int64(math.Round(events)), 0), max(t, 0))
	return e, t
}

// notNumbers names the side (or sides) whose counts are NaN or infinite,
// or returns "".
func notNumbers(c Counts) string {
	bad := func(vs ...float64) bool {
		for _, v := range vs {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return true
			}
		}
		return false
	}
	var parts []string
	if bad(c.CanaryEvents, c.CanaryTotal) {
		parts = append(parts, fmt.Sprintf("canary counts are not numbers (events %v, total %v)", c.CanaryEvents, c.CanaryTotal))
	}
	if bad(c.BaselineEvents, c.BaselineTotal) {
		parts = append(parts, fmt.Sprintf("baseline counts are not numbers (events %v, total %v)", c.BaselineEvents, c.BaselineTotal))
	}
	return strings.Join(parts, "; ")
}

// tooFewCounts names the side (or sides) whose total is below the minimum,
// or returns "".
func tooFewCounts(minTotal int, canaryTotal, baselineTotal int64) string {
	var parts []string
	if canaryTotal < int64(minTotal) {
		parts = append(parts, fmt.Sprintf("canary total is %d", max(canaryTotal, 0)))
	}
	if baselineTotal < int64(minTotal) {
		parts = append(parts, fmt.Sprintf("baseline total is %d", max(baselineTotal, 0)))
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("%s, fewer than minSamples %d", strings.Join(parts, " and "), minTotal)
}
