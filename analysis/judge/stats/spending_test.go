package stats

import (
	"math"
	"testing"
)

func TestSpentAlpha(t *testing.T) {
	near(t, "α(1)", SpentAlpha(0.05, 1), 0.05, 1e-15)
	near(t, "α(0)", SpentAlpha(0.05, 0), 0, 0)
	// α(½) for α = 0.05: 2 − 2Φ(1.959964/√0.5) = 2 − 2Φ(2.771808) = 0.0055746.
	near(t, "α(½)", SpentAlpha(0.05, 0.5), 2*0.5*math.Erfc(1.959963984540054/math.Sqrt(0.5)/math.Sqrt2), 1e-15)
	near(t, "α(½) value", SpentAlpha(0.05, 0.5), 0.0055746, 1e-7)
}

func TestLookAlphaSpendsExactlyAlpha(t *testing.T) {
	for _, K := range []int{1, 2, 5, 12, 60} {
		sum := 0.0
		prev := 0.0
		for k := 1; k <= K; k++ {
			a := LookAlpha(0.05, k, K)
			if a < 0 {
				t.Fatalf("K=%d k=%d: negative level %v", K, k, a)
			}
			if a < prev {
				// O'Brien-Fleming spends more at each later look (for α
				// below about 0.08, where z²_{1−α/2} > 3).
				t.Errorf("K=%d: look %d level %v below look %d's %v", K, k, a, k-1, prev)
			}
			prev = a
			sum += a
		}
		near(t, "sum over planned looks", sum, 0.05, 1e-15)
		if LookAlpha(0.05, K+1, K) != 0 {
			t.Errorf("K=%d: a look past the plan gets a level", K)
		}
	}
	near(t, "single look", LookAlpha(0.05, 1, 1), 0.05, 1e-15)
}

func TestLookAlphaOpenEnded(t *testing.T) {
	near(t, "first look", LookAlpha(0.05, 1, 0), 0.05*6/(math.Pi*math.Pi), 1e-15)
	sum := 0.0
	for k := 1; k <= 1_000_000; k++ {
		sum += LookAlpha(0.05, k, 0)
	}
	// The remaining tail after n looks is about α·6/(π²n).
	if sum > 0.05 || sum < 0.05-0.05*6/(math.Pi*math.Pi*1e6)*1.01 {
		t.Errorf("a million looks spend %v, want just under 0.05", sum)
	}
}
