package judge

import (
	"fmt"
	"math"
	"strings"

	"github.com/sluice-dev/sluice/analysis/judge/stats"
)

// JudgeSeries compares a series metric's canary and baseline samples at one
// look: NaN handling and outlier removal per side, the minimum-samples check,
// then the Mann-Whitney U test with the Hodges-Lehmann shift and its interval
// at the look's level, the ratio of means as effect size, and classification.
func JudgeSeries(m Metric, s Series, alpha float64, look Look) MetricResult {
	m = withDefaults(m)
	canary, canaryDropped := prepareSide(m, s.Canary)
	baseline, baselineDropped := prepareSide(m, s.Baseline)
	r := MetricResult{
		Name: m.Name, Group: m.Group, Critical: m.Critical,
		Alpha:   LookAlpha(alpha, look),
		CanaryN: len(canary), BaselineN: len(baseline),
		PValue: math.NaN(), Estimate: math.NaN(), Low: math.NaN(), High: math.NaN(), Effect: math.NaN(),
	}
	if why := tooFewSamples(m.MinSamples, len(canary), len(baseline), canaryDropped, baselineDropped); why != "" {
		r.Class, r.Reason = ClassNoData, why
		return r
	}
	test, err := stats.MannWhitney(canary, baseline, stats.Auto)
	if err != nil { // unreachable: both sides have samples
		r.Class, r.Reason = ClassNoData, err.Error()
		return r
	}
	shift, err := stats.HodgesLehmann(canary, baseline, 1-r.Alpha, stats.Auto)
	if err != nil {
		r.Class, r.Reason = ClassNoData, err.Error()
		return r
	}
	r.PValue = test.P
	r.Estimate, r.Low, r.High = shift.Estimate, shift.Low, shift.High
	r.Effect = ratioOfMeans(canary, baseline)
	r.Class, r.Reason = classify(m, change{
		p: test.P, alpha: r.Alpha, effect: r.Effect, what: "p",
		sign: sign(test.U - float64(test.M*test.N)/2),
	})
	return r
}

// prepareSide applies the metric's NaN and outlier rules to one side and
// says how many samples it dropped.
func prepareSide(m Metric, xs []float64) ([]float64, int) {
	clean, dropped := stats.CleanNaN(xs, m.ReplaceNaN)
	if m.RemoveOutliers {
		var outliers int
		clean, outliers = stats.RemoveOutliers(clean)
		dropped += outliers
	}
	return clean, dropped
}

// tooFewSamples names the side (or sides) below the minimum, or returns "".
func tooFewSamples(minSamples, canary, baseline, canaryDropped, baselineDropped int) string {
	describe := func(side string, n, dropped int) string {
		s := fmt.Sprintf("%s has %d samples", side, n)
		if dropped > 0 {
			s += fmt.Sprintf(" (%d dropped as NaN, infinite or outliers)", dropped)
		}
		return s
	}
	var parts []string
	if canary < minSamples {
		parts = append(parts, describe("canary", canary, canaryDropped))
	}
	if baseline < minSamples {
		parts = append(parts, describe("baseline", baseline, baselineDropped))
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("%s, fewer than minSamples %d", strings.Join(parts, " and "), minSamples)
}

// ratioOfMeans is mean(canary)/mean(baseline); with a baseline mean of 0 it is
// 1 when the canary's is 0 too, else ±Inf by the canary's sign. (Effect sizes
// are meant for metrics that are not negative: latency, CPU, rates.)
func ratioOfMeans(canary, baseline []float64) float64 {
	mc, mb := mean(canary), mean(baseline)
	if mb == 0 {
		if mc == 0 {
			return 1
		}
		return math.Inf(sign(mc))
	}
	return mc / mb
}

func mean(xs []float64) float64 {
	sum := 0.0
	for _, v := range xs {
		sum += v
	}
	return sum / float64(len(xs))
}
