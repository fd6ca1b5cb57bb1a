package judge

import (
	"fmt"
	"math"
)

// The provider checks its configuration with these when a run starts, so a
// bad setting is one precise message and nothing is judged.

// CheckAlpha reports an alpha that is not strictly between 0 and 1.
func CheckAlpha(alpha float64) error {
	if !(alpha > 0 && alpha < 1) {
		return fmt.Errorf("alpha %v is not between 0 and 1 (exclusive)", alpha)
	}
	return nil
}

// Check reports the first setting of m that the judge cannot use.
func (m Metric) Check() error {
	switch m.Kind {
	case KindSeries, KindRatio:
	default:
		return fmt.Errorf("metric %q: type %q is not series or ratio", m.Name, m.Kind)
	}
	switch m.Direction {
	case "", Increase, Decrease, Either:
	default:
		return fmt.Errorf("metric %q: direction %q is not increase, decrease or either", m.Name, m.Direction)
	}
	if m.AllowedIncrease != 0 && !(m.AllowedIncrease >= 1) || math.IsInf(m.AllowedIncrease, 0) {
		return fmt.Errorf("metric %q: allowedIncrease %v must be a ratio of at least 1 (1.1 lets the canary be 10%% higher)", m.Name, m.AllowedIncrease)
	}
	if m.AllowedDecrease != 0 && !(m.AllowedDecrease > 0 && m.AllowedDecrease <= 1) {
		return fmt.Errorf("metric %q: allowedDecrease %v must be a ratio above 0 and at most 1 (0.9 lets the canary be 10%% lower)", m.Name, m.AllowedDecrease)
	}
	if m.MinSamples < 0 {
		return fmt.Errorf("metric %q: minSamples %d is negative", m.Name, m.MinSamples)
	}
	return nil
}

// Check reports the first setting of s that scoring cannot use.
func (s Scoring) Check() error {
	if !(s.Marginal >= 0 && s.Marginal <= s.Pass && s.Pass <= 100) {
		return fmt.Errorf("scoring: need 0 ≤ marginal (%v) ≤ pass (%v) ≤ 100", s.Marginal, s.Pass)
	}
	switch s.NoData {
	case "", Inconclusive, Failed:
	default:
		return fmt.Errorf("scoring: noData %q is not Inconclusive or Failed", s.NoData)
	}
	for g, w := range s.GroupWeights {
		if !(w >= 0) || math.IsInf(w, 0) {
			return fmt.Errorf("scoring: group %q weight %v is not a non-negative number", g, w)
		}
	}
	return nil
}
