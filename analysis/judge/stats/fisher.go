package stats

import "math"

// FisherExact is the two-sided p-value of Fisher's exact test of the table
// [e1, n1−e1; e2, n2−e2]: given the margins, e1 is hypergeometric, and the
// p-value sums the probabilities of every table no more likely than the
// observed one (R's fisher.test, with its relative tolerance of 1e-7 so
// tables as likely as the observed one up to rounding count too).
//
// The probabilities are built outward from the mode by the ratio of
// neighbouring terms rather than from factorials, so they stay exact in
// relative terms with totals in the millions; the walk stops where a term
// falls below 1e-300 of the mode's, beyond which the tail is negligible.
func FisherExact(e1, n1, e2, n2 int64) float64 {
	k := e1 + e2 // events in both rows
	lo := max(0, k-n2)
	hi := min(k, n1)
	if lo == hi {
		return 1 // the margins allow one table only
	}
	// ratio(x) = P(x+1)/P(x) for the number x of events in the first row.
	ratio := func(x int64) float64 {
		return float64(n1-x) * float64(k-x) / (float64(x+1) * float64(n2-k+x+1))
	}
	mode := int64(float64(k+1) * float64(n1+1) / float64(n1+n2+2))
	mode = min(max(mode, lo), hi)

	const negligible = 1e-300
	// Terms relative to the mode's, walking up and then down from it.
	var above, below []float64
	for x, w := mode, 1.0; x < hi && w >= negligible; x++ {
		w *= ratio(x)
		above = append(above, w)
	}
	for x, w := mode, 1.0; x > lo && w >= negligible; x-- {
		w /= ratio(x - 1)
		below = append(below, w)
	}
	first := mode - int64(len(below))
	weights := make([]float64, 0, len(below)+1+len(above))
	for i := len(below) - 1; i >= 0; i-- {
		weights = append(weights, below[i])
	}
	weights = append(weights, 1)
	weights = append(weights, above...)

	observed := 0.0 // beyond the negligible tail: p is 0 to double precision
	if i := e1 - first; i >= 0 && i < int64(len(weights)) {
		observed = weights[i]
	}
	limit := observed * (1 + 1e-7)
	sum, total := 0.0, 0.0
	for _, w := range weights {
		total += w
		if w <= limit {
			sum += w
		}
	}
	return math.Min(1, sum/total)
}
