package main

import (
	"math"
	"sort"

	dto "github.com/prometheus/client_model/go"
)

// Latency histograms are scraped at each phase boundary; a phase's share is
// the difference of two scrapes, and its quantiles are estimated from that
// difference's buckets the way Prometheus' histogram_quantile does. The
// estimate is only as fine as the buckets: the controller's are fine between
// 5 and 500 ms, kube-apiserver's are 5, 25, 50, 100, 200 ms, ….

// histogram is one histogram (or a sum of series with the same buckets):
// cumulative counts by upper bound, ascending, the last bound +Inf.
type histogram struct {
	bounds []float64
	counts []float64
	count  float64
	sum    float64
}

// histogramOf copies a scraped series.
func histogramOf(h *dto.Histogram) histogram {
	out := histogram{count: float64(h.GetSampleCount()), sum: h.GetSampleSum()}
	for _, b := range h.GetBucket() {
		out.bounds = append(out.bounds, b.GetUpperBound())
		out.counts = append(out.counts, float64(b.GetCumulativeCount()))
	}
	// The exposition may leave out the +Inf bucket; its count is the total.
	if n := len(out.bounds); n == 0 || !math.IsInf(out.bounds[n-1], 1) {
		out.bounds = append(out.bounds, math.Inf(1))
		out.counts = append(out.counts, out.count)
	}
	return out
}

// plus sums two histograms of the same metric (series differing only in a
// label the bench does not report, such as the response code or scope).
func (h histogram) plus(o histogram) histogram {
	if len(h.bounds) == 0 {
		return o.clone()
	}
	if len(o.bounds) == 0 {
		return h.clone()
	}
	out := histogram{count: h.count + o.count, sum: h.sum + o.sum}
	out.bounds, out.counts = mergeBuckets(h, o, func(a, b float64) float64 { return a + b })
	return out
}

// minus is what happened between an earlier scrape and this one.
func (h histogram) minus(earlier histogram) histogram {
	if len(earlier.bounds) == 0 {
		return h.clone()
	}
	out := histogram{count: math.Max(0, h.count-earlier.count), sum: math.Max(0, h.sum-earlier.sum)}
	out.bounds, out.counts = mergeBuckets(h, earlier, func(a, b float64) float64 { return math.Max(0, a-b) })
	return out
}

// mergeBuckets combines the cumulative counts of two histograms bound by
// bound. Series of one metric share their bounds; should they not, each side's
// count at a bound is its count at the nearest bound below (cumulative counts
// only grow), which keeps the result cumulative.
func mergeBuckets(a, b histogram, f func(x, y float64) float64) ([]float64, []float64) {
	var bounds []float64
	seen := map[float64]bool{}
	for _, x := range append(append([]float64(nil), a.bounds...), b.bounds...) {
		if !seen[x] {
			seen[x] = true
			bounds = append(bounds, x)
		}
	}
	sort.Float64s(bounds)
	counts := make([]float64, len(bounds))
	for i, le := range bounds {
		counts[i] = f(a.countAt(le), b.countAt(le))
	}
	return bounds, counts
}

// countAt is the cumulative count at upper bound le.
func (h histogram) countAt(le float64) float64 {
	i := sort.Search(len(h.bounds), func(i int) bool { return h.bounds[i] > le })
	if i == 0 {
		return 0
	}
	return h.counts[i-1]
}

func (h histogram) clone() histogram {
	return histogram{bounds: append([]float64(nil), h.bounds...), counts: append([]float64(nil), h.counts...), count: h.count, sum: h.sum}
}

// quantile estimates the q-quantile as histogram_quantile does: find the
// bucket holding the sample of rank q × count and interpolate linearly inside
// it, from its lower bound (0 for the first bucket) to its upper bound. A rank
// in the +Inf bucket gives the highest finite bound. NaN without samples.
func (h histogram) quantile(q float64) float64 {
	total := 0.0
	if n := len(h.counts); n > 0 {
		total = h.counts[n-1]
	}
	switch {
	case total <= 0 || math.IsNaN(q):
		return math.NaN()
	case q < 0:
		return math.Inf(-1)
	case q > 1:
		return math.Inf(1)
	}
	// Counts out of order (a sum of scrapes taken at slightly different
	// moments) are made monotonic first, as Prometheus does.
	counts := append([]float64(nil), h.counts...)
	for i := 1; i < len(counts); i++ {
		counts[i] = math.Max(counts[i], counts[i-1])
	}
	rank := q * total
	last := len(h.bounds) - 1
	i := sort.Search(last, func(i int) bool { return counts[i] >= rank })
	if i == last {
		if last == 0 {
			return math.NaN() // only the +Inf bucket: nothing to interpolate
		}
		return h.bounds[last-1]
	}
	upper := h.bounds[i]
	if i == 0 && upper <= 0 {
		return upper
	}
	lower, below := 0.0, 0.0
	if i > 0 {
		lower, below = h.bounds[i-1], counts[i-1]
	}
	inBucket := counts[i] - below
	if inBucket <= 0 {
		return lower
	}
	return lower + (upper-lower)*(rank-below)/inBucket
}

// latencyStat is one phase's share of a latency histogram, in milliseconds:
// quantiles interpolated inside buckets, the mean exact (sum / count).
type latencyStat struct {
	Count float64 `json:"count"`
	P50   float64 `json:"p50Ms"`
	P95   float64 `json:"p95Ms"`
	Mean  float64 `json:"meanMs"`
}

// statOf summarises a histogram of seconds; all zero without samples.
func statOf(h histogram) latencyStat {
	if h.count <= 0 {
		return latencyStat{}
	}
	return latencyStat{Count: h.count, P50: 1000 * h.quantile(0.5), P95: 1000 * h.quantile(0.95), Mean: 1000 * h.sum / h.count}
}
