package judge

import (
	"math"
	"strings"
	"testing"
)

func TestRatioClassification(t *testing.T) {
	cases := []struct {
		name   string
		m      Metric
		c      Counts
		want   Class
		reason string
	}{
		// 2% against 0.5% of 4000 requests: z test, p ≈ 1e-9.
		{"errors up", Metric{}, Counts{80, 4000, 20, 4000}, ClassHigh, "canary higher: p="},
		// 3 against 0 errors in 1000: Fisher's exact p = 0.25, no evidence.
		{"sparse errors", Metric{}, Counts{3, 1000, 0, 1000}, ClassPass, "no significant difference (Fisher exact p=0.2496"},
		// 12 against 0 in 1000: every expected cell is at least 6, so the z
		// test (p = 0.0005); the rate ratio is +Inf.
		{"errors only on the canary", Metric{}, Counts{12, 1000, 0, 1000}, ClassHigh, "p=0.0005117 < α=0.05 and canary/baseline +Inf > allowed 1"},
		// 6 against 0 in 1000: expected 3 per side, Fisher's exact p = 0.031.
		{"few errors only on the canary", Metric{}, Counts{6, 1000, 0, 1000}, ClassHigh, "Fisher exact p=0.03"},
		{"within allowed increase", Metric{AllowedIncrease: 5}, Counts{80, 4000, 20, 4000}, ClassPass, "within the allowed increase 5"},
		{"throughput share down", Metric{Direction: Decrease}, Counts{400, 1000, 600, 1000}, ClassLow, "canary lower"},
		{"fractional counts round", Metric{}, Counts{80.4, 3999.6, 19.7, 4000.2}, ClassHigh, "canary higher"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.m.Name, c.m.Kind, c.m.MinSamples = "errors", KindRatio, 100
			r := JudgeRatio(c.m, c.c, 0.05, oneLook)
			if r.Class != c.want || !strings.Contains(r.Reason, c.reason) {
				t.Errorf("%s (%s), want %s with %q", r.Class, r.Reason, c.want, c.reason)
			}
		})
	}
}

func TestRatioFigures(t *testing.T) {
	m := Metric{Name: "errors", Kind: KindRatio, MinSamples: 100}
	r := JudgeRatio(m, Counts{80, 4000, 20, 4000}, 0.05, oneLook)
	if r.CanaryN != 4000 || r.BaselineN != 4000 || r.Effect != 4 || math.Abs(r.Estimate-0.015) > 1e-15 {
		t.Errorf("n %d/%d effect %v estimate %v", r.CanaryN, r.BaselineN, r.Effect, r.Estimate)
	}
	if !(r.Low > 0 && r.Low < r.Estimate && r.Estimate < r.High) {
		t.Errorf("interval [%v, %v] around %v", r.Low, r.High, r.Estimate)
	}
	// Events past the total (two counters extrapolated apart) are held at it.
	r = JudgeRatio(m, Counts{1003, 1000, 10, 1000}, 0.05, oneLook)
	if r.Estimate != 1-0.01 {
		t.Errorf("events beyond total: estimate %v, want 0.99", r.Estimate)
	}
}

func TestRatioNoData(t *testing.T) {
	cases := []struct {
		name   string
		c      Counts
		reason string
	}{
		{"canary idle", Counts{0, 40, 2, 1000}, "canary total is 40, fewer than minSamples 100"},
		{"baseline idle", Counts{1, 1000, 0, 0}, "baseline total is 0, fewer than minSamples 100"},
		{"both idle", Counts{0, 99, 0, 0}, "canary total is 99 and baseline total is 0, fewer than minSamples 100"},
		{"canary NaN", Counts{math.NaN(), 1000, 0, 1000}, "canary counts are not numbers (events NaN, total 1000)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := JudgeRatio(Metric{Name: "errors", Kind: KindRatio, MinSamples: 100}, c.c, 0.05, oneLook)
			if r.Class != ClassNoData || r.Reason != c.reason {
				t.Errorf("%s %q, want NoData %q", r.Class, r.Reason, c.reason)
			}
		})
	}
}
