package stats

import (
	"math"
	"testing"
)

func TestTwoProportionZReferenceValues(t *testing.T) {
	// prop.test(c(15, 25), c(50, 50), correct = FALSE): X-squared = 4.1667 =
	// z², p-value = 0.04123 (pooled rate 0.4, se = √(0.4·0.6·2/50)).
	z, p := TwoProportionZ(15, 50, 25, 50)
	near(t, "z", z, -0.2/math.Sqrt(0.4*0.6*2/50), 1e-12)
	near(t, "p", p, 0.04122683333716371, 1e-12)
	near(t, "X²", z*z, 4.166666666666667, 1e-9)
	// Nothing happened on either side: no evidence.
	if z, p := TwoProportionZ(0, 100, 0, 200); z != 0 || p != 1 {
		t.Errorf("0/100 vs 0/200: z %v p %v, want 0 and 1", z, p)
	}
}

func TestNewcombeReferenceValues(t *testing.T) {
	// Newcombe (1998), Statistics in Medicine 17:873-890, Table II, method 10
	// (to the four decimals printed there).
	cases := []struct {
		e1, n1, e2, n2 int64
		low, high      float64
	}{
		{56, 70, 48, 80, 0.0524, 0.3339},
		{9, 10, 3, 10, 0.1705, 0.8090},
		{5, 56, 0, 29, -0.0381, 0.1926},
	}
	for _, c := range cases {
		low, high := Newcombe(c.e1, c.n1, c.e2, c.n2, 0.95)
		near(t, "low", low, c.low, 5e-5)
		near(t, "high", high, c.high, 5e-5)
	}
}

func TestCompareProportionsChoosesTheTest(t *testing.T) {
	cases := []struct {
		name           string
		e1, n1, e2, n2 int64
		test           ProportionTest
		p, ratio       float64
	}{
		{"plenty of events: z", 20, 1000, 5, 1000, ZTest, 0.002536711174968507, 4},
		{"every expected cell 5 or more: z", 1, 10, 11, 14, ZTest, 0.0009252740371197613, 0.1 / (11.0 / 14)},
		{"an expected cell below 5: Fisher", 0, 1000, 5, 1000, FisherTest, 0.06218757851634881, 0},
		{"no baseline events", 3, 1000, 0, 1000, FisherTest, FisherExact(3, 1000, 0, 1000), math.Inf(1)},
		{"no events at all", 0, 1000, 0, 1000, FisherTest, 1, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := CompareProportions(c.e1, c.n1, c.e2, c.n2, 0.95)
			if err != nil {
				t.Fatal(err)
			}
			if r.Test != c.test {
				t.Errorf("test %q, want %q", r.Test, c.test)
			}
			near(t, "p", r.P, c.p, 1e-12)
			if r.RateRatio != c.ratio && math.Abs(r.RateRatio-c.ratio) > 1e-12 {
				t.Errorf("rate ratio %v, want %v", r.RateRatio, c.ratio)
			}
			if !(r.Low <= r.Diff && r.Diff <= r.High) {
				t.Errorf("interval [%v, %v] misses the difference %v", r.Low, r.High, r.Diff)
			}
		})
	}
}

func TestCompareProportionsRejectsImpossibleCounts(t *testing.T) {
	for _, c := range [][4]int64{{1, 0, 1, 10}, {-1, 10, 1, 10}, {1, 10, 11, 10}} {
		if _, err := CompareProportions(c[0], c[1], c[2], c[3], 0.95); err == nil {
			t.Errorf("%v: no error", c)
		}
	}
	_, err := CompareProportions(1, 10, 11, 10, 0.95)
	if err == nil || err.Error() != "second sample: events 11 exceed the total 10" {
		t.Errorf("message %v", err)
	}
}

func TestNewcombeAtFullConfidence(t *testing.T) {
	// A look with no alpha left asks for 100% confidence: the interval must
	// be the widest one, not NaN.
	low, high := Newcombe(3, 10, 1, 10, 1)
	near(t, "low", low, 0.2-math.Sqrt(0.3*0.3+0.9*0.9), 1e-12)
	near(t, "high", high, 0.2+math.Sqrt(0.7*0.7+0.1*0.1), 1e-12)
}
