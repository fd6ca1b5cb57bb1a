package rollout

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

const noSuchHost = `Post "http://prometheus.nowhere:9090/api/v1/query": dial tcp: lookup prometheus.nowhere: no such host`

func errored(message string) v1alpha1.Measurement {
	return v1alpha1.Measurement{Phase: v1alpha1.AnalysisPhaseError, Message: message}
}

func TestRunCause(t *testing.T) {
	long := strings.Repeat("x", 2*maxCauseLength)
	for _, tc := range []struct {
		name string
		st   v1alpha1.AnalysisRunStatus
		want string
	}{
		{"an Error metric gives its provider's error", v1alpha1.AnalysisRunStatus{Phase: v1alpha1.AnalysisPhaseError,
			Message: `metric "error-rate" is Error: 5 consecutive errors (consecutiveErrorLimit 4): ` + noSuchHost,
			MetricResults: []v1alpha1.MetricResult{
				{Name: "latency", Phase: v1alpha1.AnalysisPhaseSuccessful},
				{Name: "error-rate", Phase: v1alpha1.AnalysisPhaseError, Message: "5 consecutive errors (consecutiveErrorLimit 4): " + noSuchHost,
					Measurements: []v1alpha1.Measurement{{Phase: v1alpha1.AnalysisPhaseSuccessful, Value: "[0.01]"}, errored("query returned no data"), errored(noSuchHost)}},
			}},
			`metric "error-rate": ` + noSuchHost},
		{"a Failed metric gives its limits and last value", v1alpha1.AnalysisRunStatus{Phase: v1alpha1.AnalysisPhaseFailed,
			MetricResults: []v1alpha1.MetricResult{
				{Name: "error-rate", Phase: v1alpha1.AnalysisPhaseFailed, Message: "2 of 3 measurements failed (failureLimit 1)",
					Measurements: []v1alpha1.Measurement{{Phase: v1alpha1.AnalysisPhaseFailed, Value: "[0.4]"}, {Phase: v1alpha1.AnalysisPhaseFailed, Value: "[0.52]"}, errored("timeout")}},
			}},
			`metric "error-rate": 2 of 3 measurements failed (failureLimit 1), last value [0.52]`},
		{"a dry-run metric never decides", v1alpha1.AnalysisRunStatus{Phase: v1alpha1.AnalysisPhaseError,
			MetricResults: []v1alpha1.MetricResult{
				{Name: "shadow", DryRun: true, Phase: v1alpha1.AnalysisPhaseError, Measurements: []v1alpha1.Measurement{errored("not me")}},
				{Name: "error-rate", Phase: v1alpha1.AnalysisPhaseError, Message: "no measurement was taken"},
			}},
			`metric "error-rate": no measurement was taken`},
		{"a run that ended before its metrics", v1alpha1.AnalysisRunStatus{Phase: v1alpha1.AnalysisPhaseError,
			Message: `argument "version" was not supplied`},
			`argument "version" was not supplied`},
		{"one line", v1alpha1.AnalysisRunStatus{Phase: v1alpha1.AnalysisPhaseError,
			MetricResults: []v1alpha1.MetricResult{{Name: "web", Phase: v1alpha1.AnalysisPhaseError,
				Measurements: []v1alpha1.Measurement{errored("status 500:\n  <html>\r\n\tbroken</html>\n")}}}},
			`metric "web": status 500: <html> broken</html>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := runCause(&v1alpha1.AnalysisRun{Status: tc.st}); got != tc.want {
				t.Fatalf("cause %q\nwant  %q", got, tc.want)
			}
		})
	}
	t.Run("bounded", func(t *testing.T) {
		run := &v1alpha1.AnalysisRun{Status: v1alpha1.AnalysisRunStatus{Phase: v1alpha1.AnalysisPhaseError, MetricResults: []v1alpha1.MetricResult{
			{Name: "web", Phase: v1alpha1.AnalysisPhaseError, Measurements: []v1alpha1.Measurement{errored("é" + long)}}}}}
		got := runCause(run)
		if n := utf8.RuneCountInString(got); n != maxCauseLength || !strings.HasSuffix(got, "…") || !utf8.ValidString(got) {
			t.Fatalf("cause of %d characters (valid UTF-8 %v), want %d ending in …", n, utf8.ValidString(got), maxCauseLength)
		}
	})
}

// TestAbortNamesTheFailingMetric: an analysis step's run ends in Error because
// Prometheus cannot be reached. The Rollout's message, its Progressing
// condition and the RolloutAborted event name the metric and the error, not
// only the run's phase.
func TestAbortNamesTheFailingMetric(t *testing.T) {
	ro, template := analysisRollout("web:1")
	f := newFixture(t, ro, template, service("web-stable"), service("web-canary"))
	f.syncN(3)
	f.setImage("web:2")
	f.syncN(4)
	for _, r := range f.stepRuns("1") {
		r.Status = v1alpha1.AnalysisRunStatus{Phase: v1alpha1.AnalysisPhaseError,
			Message: `metric "m" is Error: 5 consecutive errors (consecutiveErrorLimit 4): ` + noSuchHost,
			MetricResults: []v1alpha1.MetricResult{{Name: "m", Phase: v1alpha1.AnalysisPhaseError, Error: 5, ConsecutiveError: 5,
				Message: "5 consecutive errors (consecutiveErrorLimit 4): " + noSuchHost, Measurements: []v1alpha1.Measurement{errored(noSuchHost)}}}}
		if _, err := f.sluice.SluiceV1alpha1().AnalysisRuns("ns").UpdateStatus(context.Background(), r, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	f.syncN(2)

	want := `Rollout aborted: step analysis is Error: metric "m": ` + noSuchHost
	st := f.rollout().Status
	if !st.Abort || st.Phase != v1alpha1.RolloutPhaseDegraded || st.Message != "RolloutAborted: "+want {
		t.Fatalf("abort %v, phase %s %q\nwant Degraded %q", st.Abort, st.Phase, st.Message, "RolloutAborted: "+want)
	}
	if c := condition(&st, v1alpha1.RolloutProgressing); c == nil || c.Status != corev1.ConditionFalse || c.Reason != v1alpha1.ReasonRolloutAborted || c.Message != want {
		t.Fatalf("Progressing %+v, want False/RolloutAborted %q", c, want)
	}
	events := f.c.recorder.(countingRecorder).EventRecorder.(*record.FakeRecorder).Events
	var aborted []string
	for len(events) > 0 {
		if e := <-events; strings.Contains(e, " RolloutAborted ") {
			aborted = append(aborted, e)
		}
	}
	if len(aborted) != 1 || !strings.HasSuffix(aborted[0], want) {
		t.Fatalf("RolloutAborted events %q, want one saying %q", aborted, want)
	}
}
