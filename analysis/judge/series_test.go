package judge

import (
	"math"
	"strings"
	"testing"
)

var (
	tenToForty = []float64{10, 20, 30, 40}
	oneToFour  = []float64{1, 2, 3, 4}
	oneLook    = Look{Index: 1, Of: 1}
)

// Kayenta decides from the interval alone and calls [10,20,30,40] against
// [1,2,3,4] High at its default 98% although the exact two-sided p is 0.0286;
// the judge requires p below the look's alpha as well.
func TestSeriesRequiresThePValue(t *testing.T) {
	m := Metric{Name: "latency", Kind: KindSeries, MinSamples: 4}
	strict := JudgeSeries(m, Series{Canary: tenToForty, Baseline: oneToFour}, 0.01, oneLook)
	if strict.Class != ClassPass {
		t.Errorf("alpha 0.01: %s (%s), want Pass", strict.Class, strict.Reason)
	}
	if math.Abs(strict.PValue-0.0285714285714286) > 1e-12 {
		t.Errorf("p = %v, want the exact 0.0285714", strict.PValue)
	}
	// The interval at 99% is [6, 39] or wider: it excludes 0 (as Kayenta's
	// 98% one does), which is not enough on its own.
	if !(strict.Low > 0) {
		t.Errorf("interval [%v, %v]", strict.Low, strict.High)
	}
	loose := JudgeSeries(m, Series{Canary: tenToForty, Baseline: oneToFour}, 0.05, oneLook)
	if loose.Class != ClassHigh {
		t.Errorf("alpha 0.05: %s (%s), want High", loose.Class, loose.Reason)
	}
	if loose.Estimate != 22.5 || loose.Effect != 10 {
		t.Errorf("estimate %v effect %v, want 22.5 and 10", loose.Estimate, loose.Effect)
	}
}

func TestSeriesClassification(t *testing.T) {
	low := []float64{10, 11, 12, 13, 14, 15, 16, 17, 18, 19}
	high := []float64{30, 31, 32, 33, 34, 35, 36, 37, 38, 39}  // mean ratio 34.5/14.5 ≈ 2.38
	close := []float64{15, 16, 17, 18, 19, 20, 21, 22, 23, 24} // overlaps, p ≈ 0.0017 exact, ratio 1.34
	cases := []struct {
		name             string
		m                Metric
		canary, baseline []float64
		want             Class
		reason           string
	}{
		{"higher, increase counts", Metric{}, high, low, ClassHigh, "canary higher: p="},
		{"higher, only decrease counts", Metric{Direction: Decrease}, high, low, ClassPass, "only a decrease counts"},
		{"lower, increase only", Metric{Direction: Increase}, low, high, ClassPass, "only an increase counts"},
		{"lower, decrease counts", Metric{Direction: Decrease}, low, high, ClassLow, "canary lower: p="},
		{"lower, either", Metric{Direction: Either}, low, high, ClassLow, "< allowed 1"},
		{"higher within allowed increase", Metric{AllowedIncrease: 1.5}, close, low, ClassPass, "within the allowed increase 1.5"},
		{"higher beyond allowed increase", Metric{AllowedIncrease: 1.3}, close, low, ClassHigh, "> allowed 1.3"},
		{"lower within allowed decrease", Metric{Direction: Decrease, AllowedDecrease: 0.7}, low, close, ClassPass, "within the allowed decrease 0.7"},
		{"lower beyond allowed decrease", Metric{Direction: Decrease, AllowedDecrease: 0.8}, low, close, ClassLow, "< allowed 0.8"},
		{"same", Metric{Direction: Either}, low, low, ClassPass, "no significant difference"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.m.Name, c.m.Kind, c.m.MinSamples = "m", KindSeries, 5
			r := JudgeSeries(c.m, Series{Canary: c.canary, Baseline: c.baseline}, 0.05, oneLook)
			if r.Class != c.want || !strings.Contains(r.Reason, c.reason) {
				t.Errorf("%s (%s), want %s with %q", r.Class, r.Reason, c.want, c.reason)
			}
			if r.CanaryN != len(c.canary) || r.BaselineN != len(c.baseline) || r.Alpha != 0.05 || r.Group != "m" {
				t.Errorf("result %+v", r)
			}
		})
	}
}

func TestSeriesNoData(t *testing.T) {
	nan := math.NaN()
	ten := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	cases := []struct {
		name             string
		m                Metric
		canary, baseline []float64
		reason           string
	}{
		{"canary short", Metric{MinSamples: 10}, ten[:3], ten,
			"canary has 3 samples, fewer than minSamples 10"},
		{"baseline empty", Metric{MinSamples: 10}, ten, nil,
			"baseline has 0 samples, fewer than minSamples 10"},
		{"both short", Metric{MinSamples: 10}, ten[:9], ten[:2],
			"canary has 9 samples and baseline has 2 samples, fewer than minSamples 10"},
		{"NaN dropped below the minimum", Metric{MinSamples: 10}, append([]float64{nan, nan}, ten[:8]...), ten,
			"canary has 8 samples (2 dropped as NaN, infinite or outliers), fewer than minSamples 10"},
		{"outliers dropped below the minimum", Metric{MinSamples: 10, RemoveOutliers: true}, append([]float64{500}, ten[:9]...), ten,
			"canary has 9 samples (1 dropped as NaN, infinite or outliers), fewer than minSamples 10"},
		{"no minimum still needs a sample", Metric{}, nil, ten,
			"canary has 0 samples, fewer than minSamples 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.m.Name, c.m.Kind = "latency", KindSeries
			r := JudgeSeries(c.m, Series{Canary: c.canary, Baseline: c.baseline}, 0.05, oneLook)
			if r.Class != ClassNoData || r.Reason != c.reason {
				t.Errorf("%s %q, want NoData %q", r.Class, r.Reason, c.reason)
			}
			if !math.IsNaN(r.PValue) {
				t.Errorf("p %v for no data", r.PValue)
			}
		})
	}
	// Replacing NaN by 0 keeps the samples.
	m := Metric{Name: "latency", Kind: KindSeries, MinSamples: 10, ReplaceNaN: true}
	r := JudgeSeries(m, Series{Canary: append([]float64{nan, nan}, ten[:8]...), Baseline: ten}, 0.05, oneLook)
	if r.Class == ClassNoData || r.CanaryN != 10 {
		t.Errorf("replace: %s n=%d (%s)", r.Class, r.CanaryN, r.Reason)
	}
}

func TestSeriesSpendsAlphaOverLooks(t *testing.T) {
	// The same evidence that fails a single look (p = 0.0286 < 0.05) passes
	// at the last of five looks, whose share of alpha is smaller.
	m := Metric{Name: "latency", Kind: KindSeries, MinSamples: 4}
	s := Series{Canary: tenToForty, Baseline: oneToFour}
	if r := JudgeSeries(m, s, 0.05, Look{Index: 5, Of: 5}); r.Class != ClassPass || !(r.Alpha < 0.05) {
		t.Errorf("look 5 of 5: %s at alpha %v", r.Class, r.Alpha)
	}
	if r := JudgeSeries(m, s, 0.05, Look{Index: 1, Of: 0}); math.Abs(r.Alpha-0.05*6/(math.Pi*math.Pi)) > 1e-15 {
		t.Errorf("open-ended first look at alpha %v", r.Alpha)
	}
}
