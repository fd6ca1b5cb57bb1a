package stats

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

// Property tests on simulated data (seeded, so a failure reproduces).

func normalSample(rng *rand.Rand, n int, shift float64, round bool) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = rng.NormFloat64() + shift
		if round {
			xs[i] = math.Round(xs[i] * 2) // heavy ties: the normal path with tie correction
		}
	}
	return xs
}

// TestMannWhitneyPValuesAreUniformUnderNoDifference draws both samples from
// the same distribution: the p-values must spread evenly over [0, 1]. The
// Kolmogorov-Smirnov distance of their empirical distribution to the uniform
// one is held below 0.035 (the 99% critical value for 3000 draws is
// 1.63/√3000 ≈ 0.030, plus a little for the discreteness of the exact and
// tied distributions), and the test must never reject more often than its
// level plus 3 Monte-Carlo standard deviations.
func TestMannWhitneyPValuesAreUniformUnderNoDifference(t *testing.T) {
	const runs = 3000
	cases := []struct {
		name  string
		n     int
		round bool
		exact bool
	}{
		{"exact, 30 per side", 30, false, true},
		{"normal, 80 per side", 80, false, false},
		{"normal with ties, 30 per side", 30, true, false},
	}
	for ci, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(42, uint64(ci)))
			ps := make([]float64, runs)
			for i := range ps {
				r, err := MannWhitney(normalSample(rng, c.n, 0, c.round), normalSample(rng, c.n, 0, c.round), Auto)
				if err != nil {
					t.Fatal(err)
				}
				if r.Exact != c.exact {
					t.Fatalf("exact %t, want %t", r.Exact, c.exact)
				}
				ps[i] = r.P
			}
			sort.Float64s(ps)
			ks := 0.0
			for i, p := range ps {
				ks = math.Max(ks, math.Max(math.Abs(float64(i+1)/runs-p), math.Abs(float64(i)/runs-p)))
			}
			if ks > 0.035 {
				t.Errorf("KS distance to uniform %.4f > 0.035", ks)
			}
			for _, level := range []float64{0.01, 0.05, 0.1} {
				rejected := sort.SearchFloat64s(ps, math.Nextafter(level, 2)) // p ≤ level
				rate := float64(rejected) / runs
				if margin := 3 * math.Sqrt(level*(1-level)/runs); rate > level+margin {
					t.Errorf("rejects %.4f of runs at level %v (margin %.4f)", rate, level, margin)
				}
			}
		})
	}
}

// TestMannWhitneyPFallsAsTheShiftGrows moves one sample away from the other:
// once it is ahead (U at or above its mean), every further step can only
// lower the p-value, by either method.
func TestMannWhitneyPFallsAsTheShiftGrows(t *testing.T) {
	for ci, c := range []struct {
		n      int
		method Method
		round  bool
	}{{15, Exact, false}, {15, Normal, false}, {40, Auto, true}} {
		rng := rand.New(rand.NewPCG(7, uint64(ci)))
		x, y := normalSample(rng, c.n, 0, c.round), normalSample(rng, c.n, 0, c.round)
		prevP, prevU, ahead := 2.0, -1.0, false
		for step := -40; step <= 80; step++ {
			delta := float64(step) / 20
			shifted := make([]float64, len(x))
			for i := range x {
				shifted[i] = x[i] + delta
			}
			method := c.method
			if c.round {
				method = Normal
			}
			r, err := MannWhitney(shifted, y, method)
			if err != nil {
				t.Fatal(err)
			}
			if r.U < prevU {
				t.Fatalf("case %d: U fell from %v to %v at shift %v", ci, prevU, r.U, delta)
			}
			if ahead && r.P > prevP {
				t.Fatalf("case %d: p rose from %v to %v at shift %v", ci, prevP, r.P, delta)
			}
			ahead = ahead || r.U >= float64(c.n*c.n)/2
			prevP, prevU = r.P, r.U
		}
		if prevP > 1e-5 { // 15 against 15 cannot go much lower: U is at its maximum
			t.Errorf("case %d: p %v after a shift of 4 standard deviations", ci, prevP)
		}
	}
}

// TestHodgesLehmannTracksAShift: the estimate of a known shift moves with it
// exactly (adding δ to x adds δ to every difference).
func TestHodgesLehmannTracksAShift(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x, y := normalSample(rng, 25, 0, false), normalSample(rng, 25, 0, false)
	base, _ := HodgesLehmann(x, y, 0.95, Auto)
	moved := make([]float64, len(x))
	for i := range x {
		moved[i] = x[i] + 2
	}
	s, _ := HodgesLehmann(moved, y, 0.95, Auto)
	near(t, "estimate", s.Estimate, base.Estimate+2, 1e-12)
	near(t, "low", s.Low, base.Low+2, 1e-12)
	near(t, "high", s.High, base.High+2, 1e-12)
}
