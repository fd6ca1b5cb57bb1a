package judge

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	judging "github.com/sluice-dev/sluice/analysis/judge"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// TestLookOf checks which look a measurement is: after the measurements the
// run counted for this metric, out of the metric's count as the controller
// reads it.
func TestLookOf(t *testing.T) {
	five, zero, fromArg := intstr.FromInt32(5), intstr.FromInt32(0), intstr.FromString("4")
	tests := []struct {
		name    string
		metric  v1alpha1.Metric
		counted int32
		want    judging.Look
	}{
		{"first of five", v1alpha1.Metric{Name: "j", Interval: "1m", Count: &five}, 0, judging.Look{Index: 1, Of: 5}},
		{"third of five", v1alpha1.Metric{Name: "j", Interval: "1m", Count: &five}, 2, judging.Look{Index: 3, Of: 5}},
		{"count from an argument", v1alpha1.Metric{Name: "j", Interval: "1m", Count: &fromArg}, 1, judging.Look{Index: 2, Of: 4}},
		{"interval without count is open-ended", v1alpha1.Metric{Name: "j", Interval: "1m"}, 7, judging.Look{Index: 8, Of: 0}},
		{"count 0 is no count", v1alpha1.Metric{Name: "j", Interval: "1m", Count: &zero}, 0, judging.Look{Index: 1, Of: 0}},
		{"neither is one look", v1alpha1.Metric{Name: "j"}, 0, judging.Look{Index: 1, Of: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := startedRun("j", tt.counted)
			run.Status.MetricResults = append([]v1alpha1.MetricResult{{Name: "other", Count: 9}}, run.Status.MetricResults...)
			if got := lookOf(run, tt.metric); got != tt.want {
				t.Errorf("lookOf = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestWindow checks the window's start, its length as {{window}}, the wait
// before it holds one step, and the cap on a long series range.
func TestWindow(t *testing.T) {
	start := testNow.Add(-10 * time.Minute)
	w, wait := windowAt(start, time.Minute, 15*time.Second, testNow)
	if wait != 0 || !w.start.Equal(start.Add(time.Minute)) || w.length() != "540s" {
		t.Errorf("window = %v..%v (%s), wait %s; want 9m long, no wait", w.start, w.end, w.length(), wait)
	}
	if _, wait := windowAt(start, 9*time.Minute+50*time.Second, 15*time.Second, testNow); wait != 5*time.Second {
		t.Errorf("wait = %s, want 5s", wait)
	}
	if got := w.seriesStart(15 * time.Second); !got.Equal(w.start) {
		t.Errorf("seriesStart of a short window = %v, want its start", got)
	}
	long := window{start: testNow.Add(-72 * time.Hour), end: testNow}
	got := long.seriesStart(15 * time.Second)
	if points := int(testNow.Sub(got)/(15*time.Second)) + 1; points != maxRangePoints {
		t.Errorf("a 72h window at 15s asks for %d points, want %d", points, maxRangePoints)
	}
}

// TestDefaultsOfAFile: a spec that skipped the API server's defaulting (read
// from a file) gets the API's defaults, not a pass score of 0 that would pass
// every canary.
func TestDefaultsOfAFile(t *testing.T) {
	s, err := parseSettings(&v1alpha1.JudgeMetric{CanaryScope: "a", BaselineScope: "b",
		Metrics: []v1alpha1.JudgeQuery{{Name: "m", Query: `x{h="{{scope}}"}`}}})
	if err != nil {
		t.Fatalf("parseSettings: %v", err)
	}
	m := s.queries[0].metric
	if s.alpha != 0.05 || s.resolution != 15*time.Second || s.scoring.Pass != 95 || s.scoring.Marginal != 75 ||
		s.scoring.NoData != judging.Inconclusive || m.Kind != judging.KindSeries || m.Direction != judging.Increase ||
		m.MinSamples != 10 || m.Group != "m" || m.AllowedIncrease != 1 || m.AllowedDecrease != 1 {
		t.Errorf("settings = %+v, metric %+v; want the API's defaults", s, m)
	}
}
