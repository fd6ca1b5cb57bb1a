package analysis

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

const (
	pending      = v1alpha1.AnalysisPhasePending
	running      = v1alpha1.AnalysisPhaseRunning
	successful   = v1alpha1.AnalysisPhaseSuccessful
	failed       = v1alpha1.AnalysisPhaseFailed
	errored      = v1alpha1.AnalysisPhaseError
	inconclusive = v1alpha1.AnalysisPhaseInconclusive
)

// counts builds a metric result as if these measurements had been recorded.
func counts(phases ...v1alpha1.AnalysisPhase) *v1alpha1.MetricResult {
	r := &v1alpha1.MetricResult{Name: "m"}
	for _, p := range phases {
		recordMeasurement(r, v1alpha1.Measurement{Phase: p}, 100)
	}
	return r
}

func limits(count int32, failure, inconclusive, consecutiveErrors int32) *metric {
	m := &metric{failureLimit: failure, inconclusiveLimit: inconclusive, consecutiveErrorLimit: consecutiveErrors}
	if count > 0 {
		m.count = &count
	}
	return m
}

func TestMetricPhase(t *testing.T) {
	s, f, e, i := successful, failed, errored, inconclusive
	tests := []struct {
		name        string
		metric      *metric
		result      *v1alpha1.MetricResult
		terminating bool
		want        v1alpha1.AnalysisPhase
	}{
		{"no measurement yet", limits(3, 0, 0, 4), counts(), false, pending},
		{"one of three successful", limits(3, 0, 0, 4), counts(s), false, running},
		{"count reached", limits(3, 0, 0, 4), counts(s, s, s), false, successful},
		{"until terminated keeps running", limits(0, 0, 0, 4), counts(s, s, s, s, s), false, running},
		{"until terminated ends Successful when terminated", limits(0, 0, 0, 4), counts(s, s), true, successful},

		{"failed below limit (0 of limit 1)", limits(5, 1, 0, 4), counts(s), false, running},
		{"failed at limit (1 of limit 1)", limits(5, 1, 0, 4), counts(s, f), false, running},
		{"failed above limit (2 of limit 1)", limits(5, 1, 0, 4), counts(s, f, f), false, failed},
		{"failureLimit 0: first failure fails", limits(5, 0, 0, 4), counts(f), false, failed},
		{"failure beats count reached", limits(1, 0, 0, 4), counts(f), false, failed},
		{"failures within limit at count: Successful", limits(3, 2, 0, 4), counts(f, f, s), false, successful},
		{"failureLimit -1 disables", limits(3, -1, 0, 4), counts(f, f, s), false, successful},

		{"inconclusive below limit", limits(5, 0, 2, 4), counts(i), false, running},
		{"inconclusive at limit", limits(5, 0, 2, 4), counts(i, i), false, running},
		{"inconclusive above limit", limits(5, 0, 2, 4), counts(i, i, i), false, inconclusive},
		{"inconclusiveLimit 0: first one", limits(5, 0, 0, 4), counts(i), false, inconclusive},

		{"errors below limit", limits(1, 0, 0, 2), counts(e), false, running},
		{"errors at limit", limits(1, 0, 0, 2), counts(e, e), false, running},
		{"errors above limit", limits(1, 0, 0, 2), counts(e, e, e), false, errored},
		{"default limit 4: five errors", limits(1, 0, 0, 4), counts(e, e, e, e, e), false, errored},
		{"errors are not consecutive after a success", limits(5, 0, 0, 2), counts(e, e, s, e, e), false, running},
		{"errors do not count toward count", limits(2, 0, 0, 4), counts(e, s, e), false, running},

		{"fail closed: terminated with only errors", limits(0, 0, 0, 4), counts(e, e), true, errored},
		{"fail closed: terminated with errors and a success", limits(0, 0, 0, 4), counts(e, s), true, successful},
		{"terminated with no measurement", limits(3, 0, 0, 4), counts(), true, successful},
		{"failed stays failed when terminated", limits(3, 0, 0, 4), counts(f), true, failed},
		{"in progress keeps running", limits(1, 0, 0, 4), counts(running), false, running},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := metricPhase(tt.metric, tt.result, tt.terminating)
			if got != tt.want {
				t.Errorf("metricPhase = %s, want %s (counts: %+v)", got, tt.want, *tt.result)
			}
		})
	}
}

func TestMetricPhaseCompletedIsFinal(t *testing.T) {
	r := counts(successful)
	r.Phase = failed
	if got, _ := metricPhase(limits(1, 0, 0, 4), r, false); got != failed {
		t.Errorf("a completed metric changed phase to %s", got)
	}
}

func TestRunVerdict(t *testing.T) {
	res := func(phase v1alpha1.AnalysisPhase, dryRun bool) v1alpha1.MetricResult {
		return v1alpha1.MetricResult{Name: string(phase), Phase: phase, DryRun: dryRun}
	}
	tests := []struct {
		name     string
		results  []v1alpha1.MetricResult
		want     v1alpha1.AnalysisPhase
		decisive bool
	}{
		{"all successful", []v1alpha1.MetricResult{res(successful, false), res(successful, false)}, successful, false},
		{"one still running", []v1alpha1.MetricResult{res(successful, false), res(running, false)}, running, false},
		{"pending counts as running", []v1alpha1.MetricResult{res(pending, false)}, running, false},
		{"failure ends the run while others run", []v1alpha1.MetricResult{res(running, false), res(failed, false)}, failed, true},
		{"inconclusive ends the run", []v1alpha1.MetricResult{res(running, false), res(inconclusive, false)}, inconclusive, true},
		{"worst phase wins: Failed over Error", []v1alpha1.MetricResult{res(errored, false), res(failed, false), res(inconclusive, false)}, failed, true},
		{"worst phase wins: Error over Inconclusive", []v1alpha1.MetricResult{res(inconclusive, false), res(errored, false)}, errored, true},
		{"dry-run failure never decides", []v1alpha1.MetricResult{res(failed, true), res(successful, false)}, successful, false},
		{"dry-run failure while another runs", []v1alpha1.MetricResult{res(failed, true), res(running, false)}, running, false},
		{"only dry-run metrics", []v1alpha1.MetricResult{res(errored, true)}, successful, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, decisive := runVerdict(tt.results)
			if got != tt.want || decisive != tt.decisive {
				t.Errorf("runVerdict = %s (decisive %v), want %s (%v)", got, decisive, tt.want, tt.decisive)
			}
		})
	}
}

func TestRecordKeepsRetentionAndReplacesInProgress(t *testing.T) {
	r := &v1alpha1.MetricResult{}
	for range 12 {
		recordMeasurement(r, v1alpha1.Measurement{Phase: successful}, 10)
	}
	if len(r.Measurements) != 10 || r.Count != 12 || r.Successful != 12 {
		t.Fatalf("after 12 measurements with retention 10: kept %d, count %d, successful %d", len(r.Measurements), r.Count, r.Successful)
	}
	recordMeasurement(r, v1alpha1.Measurement{Phase: running, Metadata: map[string]string{"job-name": "j"}}, 10)
	recordMeasurement(r, v1alpha1.Measurement{Phase: failed, Metadata: map[string]string{"job-name": "j"}}, 10)
	if len(r.Measurements) != 10 || r.Count != 13 || r.Failed != 1 {
		t.Fatalf("a finished in-progress measurement was not recorded in place: kept %d, count %d, failed %d", len(r.Measurements), r.Count, r.Failed)
	}
	if last := r.Measurements[9]; last.Phase != failed {
		t.Errorf("last measurement = %s, want Failed", last.Phase)
	}
}

func TestNextMeasurementAt(t *testing.T) {
	start := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *metav1.Time { t := metav1.NewTime(start.Add(d)); return &t }
	m := &metric{interval: 30 * time.Second, initialDelay: 5 * time.Second}
	tests := []struct {
		name string
		last *v1alpha1.Measurement
		want time.Time
	}{
		{"first waits initialDelay", nil, start.Add(5 * time.Second)},
		{"next after interval from the finish", &v1alpha1.Measurement{Phase: successful, FinishedAt: at(40 * time.Second)}, start.Add(70 * time.Second)},
		{"after an Error, 10 s", &v1alpha1.Measurement{Phase: errored, FinishedAt: at(40 * time.Second)}, start.Add(50 * time.Second)},
		{"in progress: at its resume time", &v1alpha1.Measurement{Phase: running, ResumeAt: at(90 * time.Second)}, start.Add(90 * time.Second)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &v1alpha1.MetricResult{}
			if tt.last != nil {
				r.Measurements = []v1alpha1.Measurement{*tt.last}
			}
			if got := nextMeasurementAt(m, r, start); !got.Equal(tt.want) {
				t.Errorf("next = %s, want %s", got.Sub(start), tt.want.Sub(start))
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	run, dry := summarize([]v1alpha1.MetricResult{
		{Phase: successful}, {Phase: failed}, {Phase: running}, {Phase: errored, DryRun: true},
	})
	if run.Count != 3 || run.Successful != 1 || run.Failed != 1 {
		t.Errorf("run summary = %+v", run)
	}
	if dry == nil || dry.Count != 1 || dry.Error != 1 {
		t.Errorf("dry-run summary = %+v", dry)
	}
}
