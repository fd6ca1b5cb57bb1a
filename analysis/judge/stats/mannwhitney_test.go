package stats

import (
	"math"
	"testing"
)

// Reference values: R's wilcox.test and SciPy's mannwhitneyu (issue 18). The
// first example is R's own (?wilcox.test, "permeability constants"), the
// second SciPy's documentation example.
var (
	rExampleX = []float64{.80, .83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, .73, 1.46}
	rExampleY = []float64{1.15, .88, .90, .74, 1.21}
	scipyX    = []float64{19, 22, 16, 29, 24}
	scipyY    = []float64{20, 11, 17, 12}
	kayentaX  = []float64{10, 20, 30, 40}
	kayentaY  = []float64{1, 2, 3, 4}
)

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(got) || math.IsNaN(want) || math.Abs(got-want) > tol {
		t.Errorf("%s = %.12g, want %.12g (±%g)", what, got, want, tol)
	}
}

func TestMannWhitneyReferenceValues(t *testing.T) {
	cases := []struct {
		name         string
		x, y         []float64
		u            float64
		exact, small float64 // exact p; normal approximation with continuity
	}{
		{"R example", rExampleX, rExampleY, 35, 0.254412254412254, 0.244623605126983},
		{"SciPy example", scipyX, scipyY, 17, 0.111111111111111, 0.11134688653314},
		{"Kayenta misfire", kayentaX, kayentaY, 16, 0.0285714285714286, math.NaN()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			auto, err := MannWhitney(c.x, c.y, Auto)
			if err != nil {
				t.Fatal(err)
			}
			if auto.U != c.u || !auto.Exact {
				t.Errorf("U = %v exact=%t, want %v exact", auto.U, auto.Exact, c.u)
			}
			near(t, "exact p", auto.P, c.exact, 1e-9)
			if !math.IsNaN(c.small) {
				normal, err := MannWhitney(c.x, c.y, Normal)
				if err != nil {
					t.Fatal(err)
				}
				near(t, "normal p", normal.P, c.small, 1e-9)
			}
		})
	}
}

func TestMannWhitneyIsSymmetric(t *testing.T) {
	// Swapping the samples mirrors U around m·n/2 and keeps the two-sided p.
	for _, method := range []Method{Exact, Normal} {
		a, _ := MannWhitney(rExampleX, rExampleY, method)
		b, _ := MannWhitney(rExampleY, rExampleX, method)
		if a.U+b.U != float64(a.M*a.N) {
			t.Errorf("U %v + U %v != m·n %d", a.U, b.U, a.M*a.N)
		}
		near(t, "p swapped", b.P, a.P, 1e-12)
	}
}

func TestMannWhitneyTiesUseNormalWithTieCorrection(t *testing.T) {
	// Hand-computed: pooled 1 2 2 3 3 3 4 5; x = 1 2 3 3, y = 2 3 4 5.
	// Midranks: 1→1, 2→2.5, 3→5, 4→7, 5→8; R_x = 1+2.5+5+5 = 13.5, U = 3.5.
	// Var = 16/12·(9 − (6+24)/56) = 11.285714…, z = (3.5−8+0.5)/√Var.
	x := []float64{1, 2, 3, 3}
	y := []float64{2, 3, 4, 5}
	r, err := MannWhitney(x, y, Auto)
	if err != nil {
		t.Fatal(err)
	}
	if r.Exact || !r.Ties || r.U != 3.5 {
		t.Fatalf("got %+v, want U 3.5 by the normal approximation with ties", r)
	}
	z := -4 / math.Sqrt(16.0/12*(9-30.0/56))
	near(t, "p", r.P, math.Erfc(-z/math.Sqrt2), 1e-12)
	if _, err := MannWhitney(x, y, Exact); err == nil {
		t.Error("Exact with ties: no error")
	}
}

func TestMannWhitneyDegenerate(t *testing.T) {
	if _, err := MannWhitney(nil, []float64{1}, Auto); err != ErrEmptySample {
		t.Errorf("empty x: err %v", err)
	}
	r, err := MannWhitney([]float64{3, 3, 3}, []float64{3, 3}, Auto)
	if err != nil || r.P != 1 {
		t.Errorf("all tied: %+v %v, want p 1", r, err)
	}
}

func TestExactDistributionSumsToOneAndMatchesCounts(t *testing.T) {
	// For m = n = 4 there are C(8,4) = 70 equally likely orders; U = 0 and
	// U = 16 happen once each, U = 1 once, U = 2 twice (hand count).
	cdf := uCDFTable(4, 4)
	near(t, "P(U≤0)", cdf[0], 1.0/70, 1e-15)
	near(t, "P(U≤1)", cdf[1], 2.0/70, 1e-15)
	near(t, "P(U≤2)", cdf[2], 4.0/70, 1e-15)
	near(t, "P(U≤16)", cdf[16], 1, 1e-12)
	big := uCDFTable(ExactLimit-1, ExactLimit-1)
	near(t, "sum at the limit", big[len(big)-1], 1, 1e-9)
	if uQuantile(4, 4, 0.01) != 0 || uQuantile(4, 4, 0.02) != 1 {
		t.Errorf("qwilcox(0.01|0.02, 4, 4) = %d|%d, want 0|1", uQuantile(4, 4, 0.01), uQuantile(4, 4, 0.02))
	}
}
