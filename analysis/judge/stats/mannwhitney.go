package stats

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// Method is how the Mann-Whitney p-value is computed.
type Method int

const (
	// Auto is exact when there are no ties and both samples are smaller than
	// ExactLimit (R's rule), otherwise the normal approximation.
	Auto Method = iota
	// Exact uses the permutation distribution of U; it needs no ties.
	Exact
	// Normal uses the normal approximation with the tie correction of the
	// variance and a continuity correction of one half.
	Normal
)

// ExactLimit: the exact distribution is used while both samples are smaller
// than this (as R's wilcox.test does); beyond it the normal approximation is
// accurate and the exact table grows as (m·n)².
const ExactLimit = 50

// MannWhitneyResult is the outcome of a two-sided Mann-Whitney U test.
type MannWhitneyResult struct {
	// U counts the pairs (x_i, y_j) with x_i > y_j, plus one half per tie: the
	// statistic R reports as W and SciPy as the first sample's U. Its mean under
	// no difference is M·N/2; above it, x tends to be higher.
	U float64
	// P is the two-sided p-value.
	P float64
	// Exact says P comes from the permutation distribution.
	Exact bool
	// M, N are the sizes of x and y.
	M, N int
	// Ties says whether any value occurs more than once in the pooled sample.
	Ties bool
}

// ErrEmptySample is returned when a side has no observations.
var ErrEmptySample = errors.New("a sample is empty")

// MannWhitney tests whether x and y come from the same distribution against a
// shift either way. NaN values must be removed beforehand (see CleanNaN).
func MannWhitney(x, y []float64, method Method) (MannWhitneyResult, error) {
	m, n := len(x), len(y)
	if m == 0 || n == 0 {
		return MannWhitneyResult{}, ErrEmptySample
	}
	u, tieTerm := newPairDiffs(x, y).shiftedU(0)
	r := MannWhitneyResult{U: u, M: m, N: n, Ties: tieTerm > 0}
	exact := exactAllowed(m, n, r.Ties)
	switch method {
	case Exact:
		if !exact {
			return MannWhitneyResult{}, fmt.Errorf("exact Mann-Whitney needs no ties and both samples below %d (have %d and %d, ties: %t)", ExactLimit, m, n, r.Ties)
		}
	case Normal:
		exact = false
	}
	if exact {
		r.Exact = true
		r.P = exactTwoSided(m, n, r.U)
	} else {
		r.P = normalTwoSided(m, n, r.U, tieTerm)
	}
	return r, nil
}

func exactAllowed(m, n int, ties bool) bool {
	return !ties && m < ExactLimit && n < ExactLimit
}

// exactTwoSided doubles the smaller tail of the permutation distribution at u.
func exactTwoSided(m, n int, u float64) float64 {
	k := int(math.Round(u))
	lower := uCDF(m, n, k)
	upper := uCDF(m, n, m*n-k) // P(U ≥ k) = P(U ≤ mn−k) by symmetry
	return math.Min(1, 2*math.Min(lower, upper))
}

// uVariance is the variance of U under no difference, reduced for ties:
// tieTerm is Σ(t³−t) over the groups of t tied values, and removes
// tieTerm/(N(N−1)) from N+1.
func uVariance(m, n int, tieTerm float64) float64 {
	total := float64(m + n)
	return float64(m*n) / 12 * ((total + 1) - tieTerm/(total*(total-1)))
}

// normalTwoSided is the normal approximation of the two-sided p-value, with a
// continuity correction of one half towards the mean.
func normalTwoSided(m, n int, u, tieTerm float64) float64 {
	sd := math.Sqrt(uVariance(m, n, tieTerm))
	d := u - float64(m*n)/2
	if sd == 0 || d == 0 {
		// All values tied, or U exactly at its mean: no evidence either way.
		return 1
	}
	z := (d - math.Copysign(0.5, d)) / sd
	return math.Min(1, 2*distuv.UnitNormal.Survival(math.Abs(z)))
}
