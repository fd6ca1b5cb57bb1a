package stats

import (
	"math"
	"sort"
)

// CleanNaN returns the finite samples of xs, NaN replaced by 0 when
// replaceNaN is set and dropped otherwise. ±Inf are always dropped: no shift
// or mean can be computed with them (Prometheus returns +Inf from
// histogram_quantile when the quantile falls in the last bucket). It also
// reports how many samples it dropped.
func CleanNaN(xs []float64, replaceNaN bool) (clean []float64, dropped int) {
	clean = make([]float64, 0, len(xs))
	for _, v := range xs {
		switch {
		case math.IsNaN(v) && replaceNaN:
			clean = append(clean, 0)
		case math.IsNaN(v) || math.IsInf(v, 0):
			dropped++
		default:
			clean = append(clean, v)
		}
	}
	return clean, dropped
}

// OutlierFence is how many interquartile ranges beyond the quartiles a sample
// may lie before RemoveOutliers drops it (Tukey's fences).
const OutlierFence = 1.5

// RemoveOutliers returns the samples of xs within [Q1 − 1.5·IQR, Q3 + 1.5·IQR]
// of xs itself, in their original order, and how many it dropped. Quartiles
// interpolate between order statistics (R's default, type 7). Samples must be
// finite (see CleanNaN). Fewer than four samples are returned unchanged: their
// quartiles say too little to call anything an outlier.
func RemoveOutliers(xs []float64) (kept []float64, dropped int) {
	if len(xs) < 4 {
		return append([]float64(nil), xs...), 0
	}
	sorted := append([]float64(nil), xs...)
	sort.Float64s(sorted)
	q1, q3 := quantile7(sorted, 0.25), quantile7(sorted, 0.75)
	iqr := q3 - q1
	low, high := q1-OutlierFence*iqr, q3+OutlierFence*iqr
	kept = make([]float64, 0, len(xs))
	for _, v := range xs {
		if v >= low && v <= high {
			kept = append(kept, v)
		} else {
			dropped++
		}
	}
	return kept, dropped
}

// quantile7 is the p-quantile of sorted data interpolating linearly between
// the order statistics at (n−1)·p.
func quantile7(sorted []float64, p float64) float64 {
	h := float64(len(sorted)-1) * p
	i := int(math.Floor(h))
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (h-float64(i))*(sorted[i+1]-sorted[i])
}
