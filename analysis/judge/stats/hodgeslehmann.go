package stats

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"
)

// Shift is the Hodges-Lehmann estimate of how far x lies above y, with a
// confidence interval.
type Shift struct {
	// Estimate is the shift d that best balances x − d against y: the median
	// of all pairwise differences x_i − y_j (exact method), or the d where the
	// normal statistic of x − d against y crosses zero.
	Estimate float64
	// Low and High bound the interval at the requested confidence.
	Low, High float64
	// Exact says the figures come from the permutation distribution of U.
	Exact bool
}

// HodgesLehmann estimates the shift of x over y and its confidence interval
// at the given level (0.95 for 95%) by inverting the Mann-Whitney test, the way
// R's wilcox.test(conf.int = TRUE) does, so the figures can be checked against
// it:
//
//   - exact (no ties, both samples below ExactLimit): the estimate is the
//     median of the m·n differences and the interval runs from the q-th
//     smallest to the q-th largest difference, q being the α/2 quantile of U
//     (at least 1);
//   - normal: the interval's ends are the shifts d at which the standardized
//     statistic of x − d against y (tie-corrected, with continuity correction)
//     equals ±z_{1−α/2}, and the estimate is where it equals 0 (no continuity
//     correction there), each found by Brent's method to 1e-4 as R does.
//
// The method follows MannWhitney's choice: Auto picks exact when allowed.
func HodgesLehmann(x, y []float64, confidence float64, method Method) (Shift, error) {
	m, n := len(x), len(y)
	if m == 0 || n == 0 {
		return Shift{}, ErrEmptySample
	}
	d := newPairDiffs(x, y)
	_, tieTerm := d.shiftedU(0)
	exact := exactAllowed(m, n, tieTerm > 0)
	if method == Normal {
		exact = false
	}
	alpha := 1 - confidence
	if exact {
		return d.exactShift(alpha), nil
	}
	return d.normalShift(alpha), nil
}

func (d pairDiffs) exactShift(alpha float64) Shift {
	total := d.count()
	s := Shift{Exact: true, Estimate: d.median()}
	q := max(int64(uQuantile(len(d.x), len(d.y), alpha/2)), 1)
	q = min(q, (total+1)/2) // a level near 0 must not cross the interval
	s.Low = d.kth(q)
	s.High = d.kth(total - q + 1)
	return s
}

// rootTolerance is the absolute tolerance R's wilcox.test asks of uniroot.
const rootTolerance = 1e-4

func (d pairDiffs) normalShift(alpha float64) Shift {
	lo := d.x[0] - d.y[len(d.y)-1]
	hi := d.x[len(d.x)-1] - d.y[0]
	zq := distuv.UnitNormal.Quantile(1 - alpha/2)
	root := func(target float64, correct bool) float64 {
		f := func(shift float64) float64 { return d.shiftedZ(shift, correct) - target }
		fLo, fHi := f(lo), f(hi)
		// The statistic falls as the shift grows; when the target lies outside
		// its range the interval reaches the extreme difference.
		if fLo <= 0 {
			return lo
		}
		if fHi >= 0 {
			return hi
		}
		return brentRoot(f, lo, hi, fLo, fHi, rootTolerance, 1000)
	}
	return Shift{
		Low:      root(zq, true),
		High:     root(-zq, true),
		Estimate: root(0, false),
	}
}

// shiftedZ is the standardized U statistic of x − shift against y (midranks,
// tie-corrected variance, optionally the continuity correction), or 0 when
// every value is tied. It falls as shift grows.
func (d pairDiffs) shiftedZ(shift float64, correct bool) float64 {
	u, tieTerm := d.shiftedU(shift)
	m, n := float64(len(d.x)), float64(len(d.y))
	total := m + n
	sd := math.Sqrt(m * n / 12 * ((total + 1) - tieTerm/(total*(total-1))))
	dz := u - m*n/2
	if sd == 0 {
		return 0
	}
	if correct && dz != 0 {
		dz -= math.Copysign(0.5, dz)
	}
	return dz / sd
}

// shiftedU returns U of x − shift against y (pairs with x_i − shift above y_j,
// plus one half per tie: the rank sum of x with midranks less m(m+1)/2) and
// Σ(t³−t) over the groups of t tied values, by one merge of the sorted
// samples (x − shift stays sorted).
func (d pairDiffs) shiftedU(shift float64) (u, tieTerm float64) {
	i, j := 0, 0
	for i < len(d.x) || j < len(d.y) {
		var v float64
		switch {
		case j == len(d.y):
			v = d.x[i] - shift
		case i == len(d.x):
			v = d.y[j]
		default:
			v = min(d.x[i]-shift, d.y[j])
		}
		yBelow := j
		cx, cy := 0, 0
		for i < len(d.x) && d.x[i]-shift == v {
			i++
			cx++
		}
		for j < len(d.y) && d.y[j] == v {
			j++
			cy++
		}
		u += float64(cx)*float64(yBelow) + 0.5*float64(cx)*float64(cy)
		t := float64(cx + cy)
		tieTerm += t*t*t - t
	}
	return u, tieTerm
}

// pairDiffs answers order statistics of the m·n differences x_i − y_j without
// building them: the k-th smallest is found by bisection over the (ordered)
// float64 values, counting the differences at or below a candidate with two
// pointers over the sorted samples. Memory stays O(m+n) and time
// O((m+n)·64), so long series cost no more than short ones.
type pairDiffs struct{ x, y []float64 }

func newPairDiffs(x, y []float64) pairDiffs {
	xs := append([]float64(nil), x...)
	ys := append([]float64(nil), y...)
	sort.Float64s(xs)
	sort.Float64s(ys)
	return pairDiffs{xs, ys}
}

func (d pairDiffs) count() int64 { return int64(len(d.x)) * int64(len(d.y)) }

func (d pairDiffs) median() float64 {
	total := d.count()
	if total%2 == 1 {
		return d.kth((total + 1) / 2)
	}
	return (d.kth(total/2) + d.kth(total/2+1)) / 2
}

// atOrBelow counts the pairs with x_i − y_j ≤ v. For a fixed x_i the pairs
// that qualify are a suffix of y (larger y, smaller difference); the suffix
// only starts later as x_i grows. Floating-point subtraction is monotone in
// each argument, so the count is exact for the computed differences.
func (d pairDiffs) atOrBelow(v float64) int64 {
	var c int64
	j := 0
	for _, xi := range d.x {
		for j < len(d.y) && xi-d.y[j] > v {
			j++
		}
		c += int64(len(d.y) - j)
	}
	return c
}

// kth returns the k-th smallest difference (1-based): the smallest float64 v
// with at least k differences ≤ v, which is necessarily one of them.
func (d pairDiffs) kth(k int64) float64 {
	lo := orderedKey(d.x[0] - d.y[len(d.y)-1]) // smallest difference
	hi := orderedKey(d.x[len(d.x)-1] - d.y[0]) // largest difference
	for lo < hi {
		mid := lo + (hi-lo)/2
		if d.atOrBelow(fromOrderedKey(mid)) >= k {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return fromOrderedKey(lo)
}

// orderedKey maps a float64 to a uint64 that sorts the same way (negative
// numbers below positive ones), so bisection can walk every float between two
// values.
func orderedKey(f float64) uint64 {
	b := math.Float64bits(f)
	if b>>63 == 1 {
		return ^b
	}
	return b | 1<<63
}

func fromOrderedKey(k uint64) float64 {
	if k>>63 == 1 {
		return math.Float64frombits(k &^ (1 << 63))
	}
	return math.Float64frombits(^k)
}
