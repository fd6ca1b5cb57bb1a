package stats

import (
	"math/rand/v2"
	"sort"
	"testing"
)

func TestHodgesLehmannReferenceValues(t *testing.T) {
	// R: wilcox.test(x, y, conf.int = TRUE[, exact = FALSE][, conf.level = .98]).
	// The figures for R's example (0.30251, [-0.15001, 0.75994]) are
	// those of exact = FALSE (normal inversion, roots found to 1e-4); with the
	// exact method R reports the median difference 0.305 and [-0.15, 0.76].
	// R prints five decimals, so the tolerance is that of the rounding.
	cases := []struct {
		name           string
		x, y           []float64
		confidence     float64
		method         Method
		exact          bool
		est, low, high float64
		tol            float64
	}{
		{"R example 95%, exact=FALSE", rExampleX, rExampleY, 0.95, Normal, false, 0.30251, -0.15001, 0.75994, 1e-5},
		{"R example 95%, exact", rExampleX, rExampleY, 0.95, Auto, true, 0.305, -0.15, 0.76, 1e-12},
		{"Kayenta misfire 98%", kayentaX, kayentaY, 0.98, Auto, true, 22.5, 6, 39, 1e-12},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := HodgesLehmann(c.x, c.y, c.confidence, c.method)
			if err != nil {
				t.Fatal(err)
			}
			if s.Exact != c.exact {
				t.Errorf("exact = %t, want %t", s.Exact, c.exact)
			}
			near(t, "estimate", s.Estimate, c.est, c.tol)
			near(t, "low", s.Low, c.low, c.tol)
			near(t, "high", s.High, c.high, c.tol)
		})
	}
}

func TestPairDiffsOrderStatisticsMatchSorting(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 200; trial++ {
		m, n := 1+rng.IntN(12), 1+rng.IntN(12)
		x, y := make([]float64, m), make([]float64, n)
		for i := range x {
			x[i] = float64(rng.IntN(7)) - 3 + rng.Float64()*float64(trial%2) // ties on even trials
		}
		for j := range y {
			y[j] = float64(rng.IntN(7)) - 3 + rng.Float64()*float64(trial%2)
		}
		var all []float64
		for _, xi := range x {
			for _, yj := range y {
				all = append(all, xi-yj)
			}
		}
		sort.Float64s(all)
		d := newPairDiffs(x, y)
		for k := 1; k <= len(all); k++ {
			if got := d.kth(int64(k)); got != all[k-1] {
				t.Fatalf("trial %d: kth(%d) = %v, want %v", trial, k, got, all[k-1])
			}
		}
	}
}

func TestHodgesLehmannNormalIntervalCoversEstimate(t *testing.T) {
	// With ties the interval comes from the normal approximation; it must
	// still bracket the estimate and widen as the level rises.
	x := []float64{3, 4, 4, 5, 6, 6, 7, 9}
	y := []float64{1, 2, 2, 3, 4, 4, 5}
	s90, _ := HodgesLehmann(x, y, 0.90, Auto)
	s99, _ := HodgesLehmann(x, y, 0.99, Auto)
	if s90.Exact {
		t.Fatal("ties but exact interval")
	}
	if !(s90.Low <= s90.Estimate && s90.Estimate <= s90.High) {
		t.Errorf("90%%: %+v does not bracket its estimate", s90)
	}
	if s99.Low > s90.Low || s99.High < s90.High {
		t.Errorf("99%% %+v narrower than 90%% %+v", s99, s90)
	}
	tiny, _ := HodgesLehmann(x, y, 1-1e-9, Auto)
	if tiny.Low != 3-5 || tiny.High != 9-1 {
		t.Errorf("near-certain level: [%v, %v], want the whole range [-2, 8]", tiny.Low, tiny.High)
	}
}
