package judge

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// A/A acceptance (issue 18): canary and baseline drawn from the same
// distribution, judged at every one of K = 5 looks, a run failing at its first
// High or Low. The share of runs that fail must stay within alpha, up to the
// Monte-Carlo error of the simulation: 3 standard deviations of a binomial
// share, sqrt(α(1−α)/runs) ≈ 0.0049 for 2,000 runs at α = 0.05, so the bound is
// 0.0646. Direction is "either", so both tails count (the worst case). The
// same runs judged naively (every look at the full alpha) must fail well above
// alpha: that is what spending is for.

const (
	aaRuns  = 2000
	aaLooks = 5
	aaAlpha = 0.05
)

func aaBound() float64 { return aaAlpha + 3*math.Sqrt(aaAlpha*(1-aaAlpha)/aaRuns) }

// simulateAA runs aaRuns simulated analyses. newRun sets up one run's data
// and returns its judge: judge(k, look) judges the data of look k at the
// level of look (the spent one, or the naive full alpha).
func simulateAA(t *testing.T, seed uint64, newRun func(rng *rand.Rand) func(k int, look Look) MetricResult) (spent, naive float64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed+1))
	var spentFails, naiveFails int
	failed := func(r MetricResult) bool { return r.Class == ClassHigh || r.Class == ClassLow }
	for range aaRuns {
		judge := newRun(rng)
		spentFailed, naiveFailed := false, false
		for k := 1; k <= aaLooks; k++ {
			r := judge(k, Look{Index: k, Of: aaLooks})
			if r.Class == ClassNoData {
				t.Fatalf("no data in the simulation: %s", r.Reason)
			}
			spentFailed = spentFailed || failed(r)
			naiveFailed = naiveFailed || failed(judge(k, Look{Index: 1, Of: 1}))
		}
		if spentFailed {
			spentFails++
		}
		if naiveFailed {
			naiveFails++
		}
	}
	return float64(spentFails) / aaRuns, float64(naiveFails) / aaRuns
}

// checkAA holds the spent looks within the bound; showNaive also asks the
// naive looks to exceed it (not so for sparse counts, where Fisher's test is
// conservative enough that five looks stay near alpha anyway).
func checkAA(t *testing.T, spent, naive float64, showNaive bool) {
	t.Helper()
	t.Logf("runs failing at any of %d looks: %.4f spent, %.4f naive (alpha %v, bound %.4f)", aaLooks, spent, naive, aaAlpha, aaBound())
	if spent > aaBound() {
		t.Errorf("false failures %.4f > %.4f", spent, aaBound())
	}
	if showNaive && naive <= aaBound() {
		t.Errorf("naive looks fail only %.4f: the simulation does not show the problem spending solves", naive)
	}
}

func TestAASeries(t *testing.T) {
	m := Metric{Name: "latency", Kind: KindSeries, Direction: Either, MinSamples: 20}
	sample := func(rng *rand.Rand, n int) []float64 {
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = 100 * math.Exp(0.3*rng.NormFloat64()) // latency-like: log-normal
		}
		return xs
	}
	t.Run("a fresh window of 20 samples per side at each look", func(t *testing.T) {
		spent, naive := simulateAA(t, 1, func(rng *rand.Rand) func(int, Look) MetricResult {
			windows := make([]Series, aaLooks+1)
			for k := 1; k <= aaLooks; k++ {
				windows[k] = Series{Canary: sample(rng, 20), Baseline: sample(rng, 20)}
			}
			return func(k int, look Look) MetricResult {
				return JudgeSeries(m, windows[k], aaAlpha, look)
			}
		})
		checkAA(t, spent, naive, true)
	})
	t.Run("a growing window, 20 more samples per side at each look", func(t *testing.T) {
		spent, naive := simulateAA(t, 2, func(rng *rand.Rand) func(int, Look) MetricResult {
			all := Series{Canary: sample(rng, 20*aaLooks), Baseline: sample(rng, 20*aaLooks)}
			return func(k int, look Look) MetricResult {
				n := 20 * k
				return JudgeSeries(m, Series{Canary: all.Canary[:n], Baseline: all.Baseline[:n]}, aaAlpha, look)
			}
		})
		checkAA(t, spent, naive, true)
	})
}

func TestAARatio(t *testing.T) {
	m := Metric{Name: "errors", Kind: KindRatio, Direction: Either, MinSamples: 100}
	for i, c := range []struct {
		name      string
		requests  float64 // per side per look
		rate      float64
		showNaive bool
	}{
		{"1% errors, 2000 requests per look (z test)", 2000, 0.01, true},
		{"0.1% errors, 1000 requests per look (Fisher while sparse)", 1000, 0.001, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			spent, naive := simulateAA(t, uint64(10+i), func(rng *rand.Rand) func(int, Look) MetricResult {
				errs := distuv.Binomial{N: c.requests, P: c.rate, Src: rng}
				var cum [aaLooks + 1]Counts
				for k := 1; k <= aaLooks; k++ {
					cum[k] = Counts{
						CanaryEvents: cum[k-1].CanaryEvents + errs.Rand(), CanaryTotal: float64(k) * c.requests,
						BaselineEvents: cum[k-1].BaselineEvents + errs.Rand(), BaselineTotal: float64(k) * c.requests,
					}
				}
				return func(k int, look Look) MetricResult {
					return JudgeRatio(m, cum[k], aaAlpha, look)
				}
			})
			checkAA(t, spent, naive, c.showNaive)
		})
	}
}
