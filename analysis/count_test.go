package analysis

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// TestCountZeroMeasuresOnce: count 0 is no count (as in Argo Rollouts). Without
// an interval the metric is measured once; it must never end Successful without
// a measurement, whether the 0 is written or substituted from an argument.
func TestCountZeroMeasuresOnce(t *testing.T) {
	for _, tt := range []struct {
		name  string
		count intstr.IntOrString
	}{
		{"literal 0", intstr.FromInt32(0)},
		{"string 0", intstr.FromString("0")},
		{"0 from {{args.count}}", intstr.FromString("{{args.count}}")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := webMetric("error-rate")
			m.Count, m.SuccessCondition = &tt.count, "result < 0.05"
			run := newRun(m)
			zero := "0"
			run.Spec.Args = append(run.Spec.Args, v1alpha1.Argument{Name: "count", Value: &zero})
			p := &fakeProvider{values: []any{0.01}}
			got := newHarness(t, run, p).runUntilDone()
			r := resultOf(got, "error-rate")
			if got.Status.Phase != successful || p.calls != 1 || r.Successful != 1 {
				t.Fatalf("phase %s after %d measurements (%d successful), want Successful after exactly 1", got.Status.Phase, p.calls, r.Successful)
			}
		})
	}
}

// TestCountZeroWithIntervalMeasuresUntilTerminated: count 0 with an interval is
// a background metric, measured until the run is terminated.
func TestCountZeroWithIntervalMeasuresUntilTerminated(t *testing.T) {
	m := webMetric("error-rate")
	m.Count, m.Interval = ptr(intstr.FromString("{{args.count}}")), "10s"
	run := newRun(m)
	zero := "0"
	run.Spec.Args = append(run.Spec.Args, v1alpha1.Argument{Name: "count", Value: &zero})
	p := &fakeProvider{values: []any{1}}
	h := newHarness(t, run, p)
	for range 10 {
		if requeue := h.sync(); requeue > 0 {
			h.clock.Step(requeue)
		}
	}
	got := h.run()
	if got.Status.Phase != running || p.calls < 3 {
		t.Fatalf("phase %s after %d measurements, want still Running after several", got.Status.Phase, p.calls)
	}
}

// TestNegativeCountIsError: a negative count (here from an argument) cannot
// mean anything; the run ends in Error before measuring, naming the metric.
func TestNegativeCountIsError(t *testing.T) {
	m := webMetric("error-rate")
	m.Count, m.Interval = ptr(intstr.FromString("{{args.count}}")), "10s"
	run := newRun(m)
	minus := "-1"
	run.Spec.Args = append(run.Spec.Args, v1alpha1.Argument{Name: "count", Value: &minus})
	p := &fakeProvider{values: []any{1}}
	h := newHarness(t, run, p)
	h.sync()
	got := h.run().Status
	if got.Phase != errored || !strings.Contains(got.Message, `"error-rate"`) || !strings.Contains(got.Message, "count") || p.calls != 0 {
		t.Fatalf("status %s %q after %d measurements, want Error naming the metric's count before measuring", got.Phase, got.Message, p.calls)
	}
}

// TestNoPassWithoutSuccessfulMeasurement: limits that tolerate every
// measurement failing (failureLimit -1, or as high as count) or being
// inconclusive must not turn a metric that never saw a good measurement into a
// pass (fail closed).
func TestNoPassWithoutSuccessfulMeasurement(t *testing.T) {
	s, f, i := successful, failed, inconclusive
	tests := []struct {
		name        string
		metric      *metric
		result      *v1alpha1.MetricResult
		terminating bool
		want        v1alpha1.AnalysisPhase
	}{
		{"failureLimit -1: all failed", limits(3, -1, 0, 4), counts(f, f, f), false, failed},
		{"failureLimit -1: one success is enough", limits(3, -1, 0, 4), counts(f, f, s), false, successful},
		{"failureLimit = count: all failed", limits(2, 2, 0, 4), counts(f, f), false, failed},
		{"inconclusiveLimit = count: all inconclusive", limits(2, 0, 2, 4), counts(i, i), false, inconclusive},
		{"terminated after failures within the limit", limits(5, 2, 0, 4), counts(f), true, failed},
		{"terminated after inconclusive within the limit", limits(5, 0, 2, 4), counts(i), true, inconclusive},
		{"no count and nothing measured: never a pass", limits(0, 0, 0, 4), counts(), false, pending},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, msg := metricPhase(tt.metric, tt.result, tt.terminating)
			if got != tt.want {
				t.Fatalf("metricPhase = %s (%q), want %s (counts %+v)", got, msg, tt.want, *tt.result)
			}
			if got != successful && got.Completed() && !strings.Contains(msg, "no successful measurement") {
				t.Errorf("message %q does not say why", msg)
			}
		})
	}
	// A count reached with nothing measured cannot come from countValue, but
	// the verdict must not rely on that.
	zero := int32(0)
	if got, _ := metricPhase(&metric{count: &zero, consecutiveErrorLimit: 4}, counts(), false); got == successful {
		t.Error("count 0 reached with no measurement is Successful")
	}
}

// TestTerminatedRunSaysWhyItIsNotSuccessful: a run terminated while its only
// metric had failed (within its limit) and never passed ends Failed, and its
// message says so rather than only "run terminated".
func TestTerminatedRunSaysWhyItIsNotSuccessful(t *testing.T) {
	m := webMetric("error-rate")
	m.Interval, m.FailureLimit, m.SuccessCondition = "10s", ptr(intstr.FromInt32(3)), "result < 0.05"
	h := newHarness(t, newRun(m), &fakeProvider{values: []any{0.5}})
	h.sync()
	h.sync()
	terminate(t, h)
	h.sync()
	got := h.run().Status
	if got.Phase != failed || !strings.HasPrefix(got.Message, "run terminated: ") || !strings.Contains(got.Message, "no successful measurement") {
		t.Fatalf("status %s %q, want Failed \"run terminated: … no successful measurement …\"", got.Phase, got.Message)
	}
}

// terminate sets spec.terminate on the harness's run, as `kubectl sluice
// terminate analysisrun` does.
func terminate(t *testing.T, h *harness) {
	t.Helper()
	run := h.run().DeepCopy()
	run.Spec.Terminate, run.Generation = true, run.Generation+1
	if _, err := h.client.SluiceV1alpha1().AnalysisRuns("default").Update(context.Background(), run, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	h.refresh()
}
