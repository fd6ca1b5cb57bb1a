package judge

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkJudgeSeries is the CPU one look of a series metric costs the
// controller: outlier removal, the Mann-Whitney test and the Hodges-Lehmann
// interval over both sides. The sizes are a window's samples per side: 60
// (a minute at 1 s, or 5 minutes at 5 s), 300 and 1000.
func BenchmarkJudgeSeries(b *testing.B) {
	for _, n := range []int{60, 300, 1000} {
		b.Run(fmt.Sprintf("samples=%d", n), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			s := Series{Canary: make([]float64, n), Baseline: make([]float64, n)}
			for i := range n {
				s.Canary[i] = 100 + 10*r.NormFloat64()
				s.Baseline[i] = 100 + 10*r.NormFloat64()
			}
			m := Metric{Name: "latency", Kind: KindSeries, Direction: Either, MinSamples: 3}
			b.ReportAllocs()
			for b.Loop() {
				JudgeSeries(m, s, 0.05, Look{Index: 1, Of: 1})
			}
		})
	}
}

// BenchmarkJudgeRatio is one look of a ratio metric (error counts).
func BenchmarkJudgeRatio(b *testing.B) {
	m := Metric{Name: "errors", Kind: KindRatio, Direction: Increase}
	c := Counts{CanaryEvents: 12, CanaryTotal: 6000, BaselineEvents: 9, BaselineTotal: 6000}
	b.ReportAllocs()
	for b.Loop() {
		JudgeRatio(m, c, 0.05, Look{Index: 1, Of: 1})
	}
}
