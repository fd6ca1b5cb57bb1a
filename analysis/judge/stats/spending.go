package stats

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// A judge that looks at a canary at every measurement and fails it at the
// first significant look would, at a fixed level α per look, fail a good
// canary with probability near 1−(1−α)^K over K looks (23% for α = 0.05 and
// five looks). Spending splits α over the looks instead, so the chance of any
// false failure stays within α.

// SpentAlpha is the O'Brien-Fleming-type spending function of Lan and DeMets:
// the share of α spent by information fraction t ∈ [0, 1],
// α(t) = 2 − 2Φ(z_{1−α/2}/√t). It spends almost nothing early (when the
// windows are short and noisy) and reaches α at t = 1.
func SpentAlpha(alpha, t float64) float64 {
	if t <= 0 {
		return 0
	}
	if t >= 1 {
		return alpha
	}
	z := distuv.UnitNormal.Quantile(1 - alpha/2)
	return 2 * distuv.UnitNormal.Survival(z/math.Sqrt(t))
}

// LookAlpha is the level at which look k (1-based) is judged.
//
// With K looks planned (K > 0) it is the increment α(k/K) − α((k−1)/K) of
// SpentAlpha. The increments add up to α, so by the union bound the chance
// that any look fails falsely is at most α, whatever the correlation between
// looks. (Group-sequential designs compute sharper bounds by integrating over
// the looks' joint distribution; the bound here is conservative but needs no
// recursive integration and holds when looks overlap in data or not.) Looks
// past K get nothing: the budget is spent.
//
// With K open-ended (0) it is α·6/(π²k²), whose sum over all k is α: the judge
// can look for as long as the analysis runs.
//
// k below 1 is treated as 1.
func LookAlpha(alpha float64, k, K int) float64 {
	k = max(k, 1)
	if K <= 0 {
		return alpha * 6 / (math.Pi * math.Pi * float64(k) * float64(k))
	}
	if k > K {
		return 0
	}
	return SpentAlpha(alpha, float64(k)/float64(K)) - SpentAlpha(alpha, float64(k-1)/float64(K))
}
