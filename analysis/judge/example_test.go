package judge_test

import (
	"fmt"

	"github.com/sluice-dev/sluice/analysis/judge"
)

// The worked example of docs/judge.md: the fifth and last look (count: 5) of
// a judge with alpha 0.05 over three metrics. The numbers printed here are the
// ones the document quotes; if the statistics change, this example fails and
// the document must follow.
func Example_workedExample() {
	look := judge.Look{Index: 5, Of: 5}
	const alpha = 0.05

	latency := judge.JudgeSeries(judge.Metric{
		Name: "p99-latency", Group: "latency", Kind: judge.KindSeries,
		Direction: judge.Increase, AllowedIncrease: 1.1, MinSamples: 10,
	}, judge.Series{
		// one p99 per 15 s over the last three minutes, milliseconds
		Canary:   []float64{262, 251, 270, 249, 266, 258, 244, 275, 259, 263, 255, 268},
		Baseline: []float64{212, 198, 205, 220, 201, 195, 210, 207, 199, 215, 203, 208},
	}, alpha, look)

	cpu := judge.JudgeSeries(judge.Metric{
		Name: "cpu", Group: "saturation", Kind: judge.KindSeries,
		Direction: judge.Either, MinSamples: 10,
	}, judge.Series{
		Canary:   []float64{0.418, 0.402, 0.437, 0.411, 0.429, 0.392, 0.424, 0.415, 0.408, 0.433, 0.397, 0.421},
		Baseline: []float64{0.412, 0.395, 0.441, 0.403, 0.420, 0.388, 0.431, 0.409, 0.417, 0.399, 0.426, 0.405},
	}, alpha, look)

	errors := judge.JudgeRatio(judge.Metric{
		Name: "errors", Group: "errors", Kind: judge.KindRatio,
		Direction: judge.Increase, Critical: true, MinSamples: 500,
	}, judge.Counts{CanaryEvents: 9, CanaryTotal: 2400, BaselineEvents: 4, BaselineTotal: 2350}, alpha, look)

	fmt.Printf("alpha at look 5 of 5: %.4f\n", judge.LookAlpha(alpha, look))
	for _, r := range []judge.MetricResult{latency, cpu, errors} {
		fmt.Printf("%-11s %-4s p=%.3g estimate=%.4g [%.4g, %.4g] effect=%.3f n=%d/%d\n",
			r.Name, r.Class, r.PValue, r.Estimate, r.Low, r.High, r.Effect, r.CanaryN, r.BaselineN)
		fmt.Printf("            %s\n", r.Reason)
	}
	v := judge.Score([]judge.MetricResult{latency, cpu, errors}, judge.Scoring{
		Pass: 95, Marginal: 75, NoData: judge.Inconclusive,
		GroupWeights: map[string]float64{"latency": 2, "errors": 2, "saturation": 1},
	})
	fmt.Printf("score %.2f: %s\n", v.Score, v.Reason)
	// Output:
	// alpha at look 5 of 5: 0.0216
	// p99-latency High p=7.4e-07 estimate=54 [45, 63] effect=1.262 n=12/12
	//             canary higher: p=7.396e-07 < α=0.02157 and canary/baseline 1.262 > allowed 1.1
	// cpu         Pass p=0.59 estimate=0.004 [-0.012, 0.02] effect=1.008 n=12/12
	//             no significant difference (p=0.5899 ≥ α=0.02157)
	// errors      Pass p=0.177 estimate=0.002048 [-0.001855, 0.006353] effect=2.203 n=2400/2350
	//             no significant difference (p=0.1768 ≥ α=0.02157)
	// score 60.00: Failed: score 60 < marginal 75 (p99-latency High)
}
