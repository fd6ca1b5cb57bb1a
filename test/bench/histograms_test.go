package main

import (
	"math"
	"testing"
)

// hist builds a histogram from cumulative counts at the given bounds (+Inf
// appended with the total).
func hist(bounds []float64, cumulative []float64, sum float64) histogram {
	h := histogram{bounds: append(append([]float64(nil), bounds...), math.Inf(1)), sum: sum}
	h.counts = append(append([]float64(nil), cumulative...), cumulative[len(cumulative)-1])
	h.count = h.counts[len(h.counts)-1]
	return h
}

func TestQuantileInterpolatesInsideTheBucket(t *testing.T) {
	bounds := []float64{0.01, 0.02, 0.05, 0.1}
	cases := []struct {
		name string
		h    histogram
		q    float64
		want float64
	}{
		// 100 samples: 10 ≤ 10 ms, 40 in (10, 20], 50 in (20, 50].
		{"median in the second bucket", hist(bounds, []float64{10, 50, 100, 100}, 0), 0.5, 0.02},
		{"p95 in the third bucket", hist(bounds, []float64{10, 50, 100, 100}, 0), 0.95, 0.02 + 0.03*45.0/50},
		{"first bucket starts at 0", hist(bounds, []float64{10, 50, 100, 100}, 0), 0.05, 0.005},
		{"empty buckets below are skipped", hist(bounds, []float64{0, 0, 4, 4}, 0), 0.5, 0.02 + 0.03*2.0/4},
		{"no samples", hist(bounds, []float64{0, 0, 0, 0}, 0), 0.5, math.NaN()},
	}
	// Everything above the last finite bound: the highest finite bound.
	over := hist(bounds, []float64{0, 0, 0, 0}, 0)
	over.counts[len(over.counts)-1], over.count = 3, 3
	cases = append(cases, struct {
		name string
		h    histogram
		q    float64
		want float64
	}{"all in +Inf", over, 0.5, 0.1})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.h.quantile(tc.q)
			if math.IsNaN(tc.want) {
				if !math.IsNaN(got) {
					t.Fatalf("quantile(%v) = %v, want NaN", tc.q, got)
				}
				return
			}
			if math.Abs(got-tc.want) > 1e-12 {
				t.Fatalf("quantile(%v) = %v, want %v", tc.q, got, tc.want)
			}
		})
	}
}

// TestPhaseShareIsTheDifferenceOfTwoScrapes: samples before the phase do not
// move its quantiles.
func TestPhaseShareIsTheDifferenceOfTwoScrapes(t *testing.T) {
	bounds := []float64{0.005, 0.025, 0.05, 0.1}
	before := hist(bounds, []float64{1000, 1000, 1000, 1000}, 2)         // a fast start-up
	after := hist(bounds, []float64{1000, 1010, 1090, 1100}, 2+0.04*100) // then 100 slower writes
	phase := after.minus(before)
	if phase.count != 100 {
		t.Fatalf("phase count %v, want 100", phase.count)
	}
	s := statOf(phase)
	if want := 1000 * (0.025 + 0.025*40.0/80); math.Abs(s.P50-want) > 1e-9 {
		t.Errorf("p50 %v ms, want %v", s.P50, want)
	}
	if want := 1000 * (0.05 + 0.05*5.0/10); math.Abs(s.P95-want) > 1e-9 {
		t.Errorf("p95 %v ms, want %v", s.P95, want)
	}
	if math.Abs(s.Mean-40) > 1e-9 {
		t.Errorf("mean %v ms, want 40", s.Mean)
	}
	if (statOf(before.minus(before)) != latencyStat{}) {
		t.Errorf("a phase without samples reports %+v", statOf(before.minus(before)))
	}
}

// TestSeriesSumBucketByBucket: series of one metric that differ in a label
// the bench folds (code, scope) add up per bound.
func TestSeriesSumBucketByBucket(t *testing.T) {
	bounds := []float64{0.01, 0.1}
	a := hist(bounds, []float64{1, 3}, 0.1)
	b := hist(bounds, []float64{0, 2}, 0.1)
	sum := histogram{}.plus(a).plus(b)
	if sum.count != 5 || sum.countAt(0.01) != 1 || sum.countAt(0.1) != 5 {
		t.Fatalf("sum = %+v", sum)
	}
	if got, want := sum.quantile(0.5), 0.01+0.09*1.5/4; math.Abs(got-want) > 1e-12 {
		t.Fatalf("median of the sum %v, want %v", got, want)
	}
}
