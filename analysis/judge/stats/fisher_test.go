package stats

import "testing"

func TestFisherExactReferenceValues(t *testing.T) {
	// Two-sided p of R's fisher.test, checked by summing the hypergeometric
	// probabilities with exact rational arithmetic.
	cases := []struct {
		name           string
		e1, n1, e2, n2 int64
		p              float64
	}{
		// Wikipedia's example (fisher.test(matrix(c(1,11,9,3), 2))).
		{"[[1,9],[11,3]]", 1, 10, 11, 14, 0.002759456185220084},
		// Fisher's lady tasting tea.
		{"tea [[3,1],[1,3]]", 3, 4, 1, 4, 0.4857142857142857},
		{"2% vs 10% of 100", 2, 100, 10, 100, 0.03304010932418498},
		{"0 vs 5 of 1000", 0, 1000, 5, 1000, 0.06218757851634881},
		{"one table only", 0, 10, 0, 10, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			near(t, "p", FisherExact(c.e1, c.n1, c.e2, c.n2), c.p, 1e-12)
			// Swapping the rows does not change a two-sided p.
			near(t, "p swapped", FisherExact(c.e2, c.n2, c.e1, c.n1), c.p, 1e-12)
		})
	}
}

func TestFisherExactLargeTotals(t *testing.T) {
	// Millions of requests with a handful of errors: factorials would
	// overflow; the ratio walk must not. 3 vs 30 errors in 2 million each is
	// overwhelming evidence, 3 vs 4 none.
	if p := FisherExact(3, 2_000_000, 30, 2_000_000); p > 1e-5 {
		t.Errorf("3 vs 30 in 2M: p = %g, want tiny", p)
	}
	if p := FisherExact(3, 2_000_000, 4, 2_000_000); p < 0.99 {
		t.Errorf("3 vs 4 in 2M: p = %g, want 1 (the closest split to even)", p)
	}
	if p := FisherExact(0, 1_000_000, 900, 1_000_000); p != 0 && p > 1e-250 {
		t.Errorf("0 vs 900: p = %g, want negligible", p)
	}
}
