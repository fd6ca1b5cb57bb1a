package judge

import "testing"

func TestChecks(t *testing.T) {
	good := Metric{Name: "m", Kind: KindSeries}
	if err := good.Check(); err != nil {
		t.Errorf("zero settings: %v", err)
	}
	bad := []struct {
		m    Metric
		want string
	}{
		{Metric{Name: "m", Kind: "histogram"}, `metric "m": type "histogram" is not series or ratio`},
		{Metric{Name: "m", Kind: KindRatio, Direction: "up"}, `metric "m": direction "up" is not increase, decrease or either`},
		{Metric{Name: "m", Kind: KindSeries, AllowedIncrease: 0.9}, `metric "m": allowedIncrease 0.9 must be a ratio of at least 1 (1.1 lets the canary be 10% higher)`},
		{Metric{Name: "m", Kind: KindSeries, AllowedDecrease: 1.1}, `metric "m": allowedDecrease 1.1 must be a ratio above 0 and at most 1 (0.9 lets the canary be 10% lower)`},
		{Metric{Name: "m", Kind: KindSeries, MinSamples: -1}, `metric "m": minSamples -1 is negative`},
	}
	for _, b := range bad {
		if err := b.m.Check(); err == nil || err.Error() != b.want {
			t.Errorf("%+v: %v, want %q", b.m, err, b.want)
		}
	}
	if err := (Scoring{Pass: 95, Marginal: 75}).Check(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	for _, s := range []Scoring{
		{Pass: 70, Marginal: 75},
		{Pass: 101, Marginal: 75},
		{Pass: 95, Marginal: 75, NoData: Successful},
		{Pass: 95, Marginal: 75, GroupWeights: map[string]float64{"g": -1}},
	} {
		if err := s.Check(); err == nil {
			t.Errorf("%+v: no error", s)
		}
	}
	for _, a := range []float64{0, 1, -0.1, 2} {
		if CheckAlpha(a) == nil {
			t.Errorf("alpha %v accepted", a)
		}
	}
	if CheckAlpha(0.05) != nil {
		t.Error("alpha 0.05 refused")
	}
}
