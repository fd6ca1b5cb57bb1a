package stats

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// ProportionTest names the test CompareProportions used.
type ProportionTest string

const (
	// ZTest is the pooled two-proportion z test (R: prop.test(correct = FALSE),
	// whose chi-squared statistic is z²).
	ZTest ProportionTest = "two-proportion z"
	// FisherTest is Fisher's exact test of the 2×2 table.
	FisherTest ProportionTest = "Fisher exact"
)

// Proportions compares the rates e1/n1 (first, the canary) and e2/n2.
type Proportions struct {
	Test ProportionTest
	// P is the two-sided p-value.
	P float64
	// Diff is e1/n1 − e2/n2; Low and High its Newcombe hybrid score interval
	// (Newcombe 1998, method 10: Wilson intervals of each rate combined),
	// which stays inside [−1, 1] and behaves with zero counts where the Wald
	// interval collapses to a point.
	Diff, Low, High float64
	// RateRatio is (e1/n1)/(e2/n2): 1 when both rates are 0, +Inf when only
	// the second is.
	RateRatio float64
}

// MinExpected is the smallest expected cell count at which the z test's
// normal approximation is trusted (the textbook rule); below it in any cell,
// Fisher's exact test decides.
const MinExpected = 5

// CompareProportions tests whether two rates differ, given counts: events out
// of totals. Counts, not averages of per-interval ratios: three errors in ten
// thousand requests weigh what they are, wherever they fell.
func CompareProportions(e1, n1, e2, n2 int64, confidence float64) (Proportions, error) {
	if err := checkCounts(e1, n1); err != nil {
		return Proportions{}, fmt.Errorf("first sample: %w", err)
	}
	if err := checkCounts(e2, n2); err != nil {
		return Proportions{}, fmt.Errorf("second sample: %w", err)
	}
	r := Proportions{Test: ZTest}
	if needsExact(e1, n1, e2, n2) {
		r.Test = FisherTest
		r.P = FisherExact(e1, n1, e2, n2)
	} else {
		_, r.P = TwoProportionZ(e1, n1, e2, n2)
	}
	p1, p2 := float64(e1)/float64(n1), float64(e2)/float64(n2)
	r.Diff = p1 - p2
	r.Low, r.High = Newcombe(e1, n1, e2, n2, confidence)
	switch {
	case p2 > 0:
		r.RateRatio = p1 / p2
	case p1 == 0:
		r.RateRatio = 1
	default:
		r.RateRatio = math.Inf(1)
	}
	return r, nil
}

func checkCounts(e, n int64) error {
	switch {
	case n <= 0:
		return fmt.Errorf("total %d is not positive", n)
	case e < 0:
		return fmt.Errorf("events %d are negative", e)
	case e > n:
		return fmt.Errorf("events %d exceed the total %d", e, n)
	}
	return nil
}

// needsExact says whether any cell of the 2×2 table [e1, n1−e1; e2, n2−e2]
// expects fewer than MinExpected counts under equal rates.
func needsExact(e1, n1, e2, n2 int64) bool {
	total := float64(n1 + n2)
	events := float64(e1 + e2)
	for _, row := range []float64{float64(n1), float64(n2)} {
		for _, col := range []float64{events, total - events} {
			if row*col/total < MinExpected {
				return true
			}
		}
	}
	return false
}

// TwoProportionZ is the pooled two-proportion z test: z = (p1 − p2)/se with
// se from the pooled rate, and its two-sided p-value (1 when se is 0, i.e.
// both rates are 0 or both 1).
func TwoProportionZ(e1, n1, e2, n2 int64) (z, p float64) {
	pooled := float64(e1+e2) / float64(n1+n2)
	se := math.Sqrt(pooled * (1 - pooled) * (1/float64(n1) + 1/float64(n2)))
	if se == 0 {
		return 0, 1
	}
	z = (float64(e1)/float64(n1) - float64(e2)/float64(n2)) / se
	return z, math.Min(1, 2*distuv.UnitNormal.Survival(math.Abs(z)))
}

// Newcombe is the hybrid score interval of p1 − p2 at the given confidence.
func Newcombe(e1, n1, e2, n2 int64, confidence float64) (low, high float64) {
	z := distuv.UnitNormal.Quantile(1 - (1-confidence)/2)
	p1, p2 := float64(e1)/float64(n1), float64(e2)/float64(n2)
	l1, u1 := wilson(p1, float64(n1), z)
	l2, u2 := wilson(p2, float64(n2), z)
	d := p1 - p2
	low = d - math.Sqrt((p1-l1)*(p1-l1)+(u2-p2)*(u2-p2))
	high = d + math.Sqrt((u1-p1)*(u1-p1)+(p2-l2)*(p2-l2))
	return low, high
}

// wilson is the Wilson score interval of a rate p out of n at normal quantile z.
func wilson(p, n, z float64) (low, high float64) {
	if math.IsInf(z, 1) {
		return 0, 1 // confidence 1 (a look with no alpha left): anything goes
	}
	z2 := z * z
	den := 1 + z2/n
	center := (p + z2/(2*n)) / den
	half := z * math.Sqrt(p*(1-p)/n+z2/(4*n*n)) / den
	return center - half, center + half
}
