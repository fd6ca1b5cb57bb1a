package judge

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/sluice-dev/sluice/analysis/provider"
	"github.com/sluice-dev/sluice/analysis/provider/judge/judgevalue"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

func intOrString(n int32) intstr.IntOrString { return intstr.FromInt32(n) }

// measure takes one look of spec for a run that started at testStart.
func measure(t *testing.T, spec v1alpha1.JudgeMetric) (provider.Outcome, error) {
	t.Helper()
	metric := judgeMetric(spec, 5)
	return newTestProvider("").Measure(context.Background(), startedRun(metric.Name, 0), metric, nil)
}

// decoded is a successful look's value as `kubectl sluice get` reads it.
func decoded(t *testing.T, o provider.Outcome) judgevalue.Record {
	t.Helper()
	r, err := judgevalue.Decode(o.Text)
	if err != nil {
		t.Fatalf("value %q: %v", o.Text, err)
	}
	return r
}

// TestIdenticalSidesPass: a canary that behaves like its baseline passes.
func TestIdenticalSidesPass(t *testing.T) {
	same := [][]float64{latencies(40, 120), latencies(40, 121)}
	srv := startServer(t, &fakePrometheus{series: map[string][][]float64{canaryHash: same, baselineHash: same}})
	got, err := measure(t, latencyJudge(srv.URL))
	if err != nil {
		t.Fatalf("Measure: %v", err)
	}
	if got.Phase != v1alpha1.AnalysisPhaseSuccessful {
		t.Fatalf("phase = %s (%s), want Successful; value %s", got.Phase, got.Message, got.Text)
	}
	r := decoded(t, got)
	if len(r.Metrics) != 1 || r.Metrics[0].Class != "Pass" || r.Metrics[0].N[0] != 80 || r.Metrics[0].N[1] != 80 {
		t.Errorf("value = %s, want p99-latency Pass over 80 samples a side", got.Text)
	}
}

// TestShiftedCanaryFails: a canary 30% slower than its baseline fails.
func TestShiftedCanaryFails(t *testing.T) {
	base := [][]float64{latencies(40, 120), latencies(40, 121)}
	slow := [][]float64{scaled(base[0], 1.3), scaled(base[1], 1.3)}
	srv := startServer(t, &fakePrometheus{series: map[string][][]float64{canaryHash: slow, baselineHash: base}})
	got, err := measure(t, latencyJudge(srv.URL))
	if err != nil {
		t.Fatalf("Measure: %v", err)
	}
	if got.Phase != v1alpha1.AnalysisPhaseFailed {
		t.Fatalf("phase = %s (%s), want Failed; value %s", got.Phase, got.Message, got.Text)
	}
	m := decoded(t, got).Metrics[0]
	if m.Class != "High" || m.P == nil || float64(*m.P) >= 0.05 || m.Effect == nil || float64(*m.Effect) < 1.2 {
		t.Errorf("value = %s, want p99-latency High with p < 0.05 and effect about 1.3", got.Text)
	}
	if !strings.Contains(got.Message, "p99-latency") {
		t.Errorf("message %q does not name the metric that decided", got.Message)
	}
}

// TestHigherErrorRateFails: 2% errors on the canary against 0.5% on the
// baseline, over thousands of requests, fails the critical ratio metric.
func TestHigherErrorRateFails(t *testing.T) {
	srv := startServer(t, &fakePrometheus{counts: map[string]map[string]float64{
		canaryHash:   {"events": 100, "total": 5000},
		baselineHash: {"events": 25, "total": 5000},
	}})
	got, err := measure(t, errorsJudge(srv.URL))
	if err != nil {
		t.Fatalf("Measure: %v", err)
	}
	if got.Phase != v1alpha1.AnalysisPhaseFailed {
		t.Fatalf("phase = %s (%s), want Failed; value %s", got.Phase, got.Message, got.Text)
	}
	if m := decoded(t, got).Metrics[0]; m.Class != "High" || m.N[0] != 5000 || m.N[1] != 5000 {
		t.Errorf("value = %s, want error-rate High over 5000 requests a side", got.Text)
	}
}

// TestCanaryWithoutData: a canary that reports nothing is never Successful;
// it gets the judge's noData outcome.
func TestCanaryWithoutData(t *testing.T) {
	base := [][]float64{latencies(40, 120)}
	for _, noData := range []v1alpha1.AnalysisPhase{v1alpha1.AnalysisPhaseInconclusive, v1alpha1.AnalysisPhaseFailed} {
		t.Run(string(noData), func(t *testing.T) {
			srv := startServer(t, &fakePrometheus{
				series: map[string][][]float64{baselineHash: base},
				counts: map[string]map[string]float64{baselineHash: {"events": 1, "total": 5000}},
			})
			series := latencyJudge(srv.URL)
			ratio := errorsJudge(srv.URL)
			for _, spec := range []v1alpha1.JudgeMetric{series, ratio} {
				spec.NoData = v1alpha1.JudgeNoData(noData)
				got, err := measure(t, spec)
				if err != nil {
					t.Fatalf("%s: Measure: %v", spec.Metrics[0].Name, err)
				}
				if got.Phase != noData {
					t.Errorf("%s: phase = %s (%s), want %s; value %s", spec.Metrics[0].Name, got.Phase, got.Message, noData, got.Text)
				}
				if m := decoded(t, got).Metrics[0]; m.Class != "NoData" || m.N[0] != 0 {
					t.Errorf("%s: value = %s, want NoData with no canary samples", spec.Metrics[0].Name, got.Text)
				}
			}
		})
	}
}

// TestWarmup: while the window since the run's start (after warmup) is
// too short to hold the samples a series metric needs, the look waits,
// querying nothing.
func TestWarmup(t *testing.T) {
	fake := &fakePrometheus{}
	srv := startServer(t, fake)
	spec := latencyJudge(srv.URL)
	// The run started 10m ago: 5s of warmup left, then 10 steps of 15s: 11
	// points, one to spare for the 10 samples the metric needs.
	spec.Warmup = "10m5s"
	got, err := measure(t, spec)
	if err != nil {
		t.Fatalf("Measure: %v", err)
	}
	if want := 5*time.Second + 10*15*time.Second; got.Phase != v1alpha1.AnalysisPhaseRunning || got.ResumeAfter != want {
		t.Errorf("outcome = %s after %s, want Running, resume after %s", got.Phase, got.ResumeAfter, want)
	}
	// A judge of ratios only waits one step: counts take no fixed time.
	ratios := errorsJudge(srv.URL)
	ratios.Warmup = "10m5s"
	if got, _ := measure(t, ratios); got.Phase != v1alpha1.AnalysisPhaseRunning || got.ResumeAfter != 20*time.Second {
		t.Errorf("ratios: outcome = %s after %s, want Running, resume after 20s", got.Phase, got.ResumeAfter)
	}
	if n := len(fake.recorded()); n != 0 {
		t.Errorf("the server got %d queries during warmup, want none", n)
	}
}

// TestQueriesSent checks what reaches Prometheus: {{scope}} filled with each
// side's scope (canary first) and {{window}} with the window since the run
// started after warmup; series as range queries over that window at the
// resolution, ratios as instant queries at now. The queries sent are kept as
// the metric's metadata.
func TestQueriesSent(t *testing.T) {
	fake := &fakePrometheus{}
	srv := startServer(t, fake)
	spec := latencyJudge(srv.URL)
	spec.Warmup, spec.Resolution = "1m", "30s"
	spec.Metrics = append(spec.Metrics, errorsJudge(srv.URL).Metrics...)
	got, err := measure(t, spec)
	if err != nil {
		t.Fatalf("Measure: %v", err)
	}
	series := func(hash string) string {
		return `histogram_quantile(0.99, sum by (le) (rate(latency_bucket{hash="` + hash + `"}[1m])))`
	}
	start, end, now := "1740829860", "1740830400", "1740830400"
	want := []recordedRequest{
		{path: "/api/v1/query_range", query: series(canaryHash), start: start, end: end, step: "30"},
		{path: "/api/v1/query_range", query: series(baselineHash), start: start, end: end, step: "30"},
		{path: "/api/v1/query", query: `events{hash="` + canaryHash + `",code=~"5.."}[540s]`, time: now},
		{path: "/api/v1/query", query: `total{hash="` + canaryHash + `"}[540s]`, time: now},
		{path: "/api/v1/query", query: `events{hash="` + baselineHash + `",code=~"5.."}[540s]`, time: now},
		{path: "/api/v1/query", query: `total{hash="` + baselineHash + `"}[540s]`, time: now},
	}
	gotRequests := fake.recorded()
	if len(gotRequests) != len(want) {
		t.Fatalf("requests = %+v, want %+v", gotRequests, want)
	}
	for i := range want {
		if gotRequests[i] != want[i] {
			t.Errorf("request %d = %+v, want %+v", i, gotRequests[i], want[i])
		}
	}
	wantMetadata := map[string]string{
		"p99-latency/canary":         series(canaryHash),
		"p99-latency/baseline":       series(baselineHash),
		"error-rate/canary/events":   want[2].query,
		"error-rate/canary/total":    want[3].query,
		"error-rate/baseline/events": want[4].query,
		"error-rate/baseline/total":  want[5].query,
	}
	for k, v := range wantMetadata {
		if got.MetricMetadata[k] != v {
			t.Errorf("metadata %s = %q, want %q", k, got.MetricMetadata[k], v)
		}
	}
}

// TestBadSettings: a setting that cannot be read is a permanent error naming
// the field, and nothing is queried.
func TestBadSettings(t *testing.T) {
	tests := []struct {
		name   string
		change func(*v1alpha1.JudgeMetric)
		want   string
	}{
		{"alpha not a number", func(j *v1alpha1.JudgeMetric) { j.Alpha = "0.o5" },
			`provider.judge.alpha "0.o5" is not a fraction between 0 and 1 like "0.05"`},
		{"alpha of 1", func(j *v1alpha1.JudgeMetric) { j.Alpha = "1" },
			`provider.judge.alpha "1" is not a fraction between 0 and 1 like "0.05"`},
		{"allowed increase below 1", func(j *v1alpha1.JudgeMetric) {
			j.Metrics[0].EffectSize = &v1alpha1.JudgeEffectSize{AllowedIncrease: "0.9"}
		}, `provider.judge.metrics[p99-latency].effectSize.allowedIncrease "0.9" is not a ratio of 1 or more like "1.1"`},
		{"allowed decrease above 1", func(j *v1alpha1.JudgeMetric) {
			j.Metrics[0].EffectSize = &v1alpha1.JudgeEffectSize{AllowedDecrease: "1.5"}
		}, `provider.judge.metrics[p99-latency].effectSize.allowedDecrease "1.5" is not a ratio above 0 and at most 1 like "0.9"`},
		{"warmup", func(j *v1alpha1.JudgeMetric) { j.Warmup = "1 minute" },
			`provider.judge.warmup "1 minute" is not a duration like 30s or 5m`},
		{"same scope on both sides", func(j *v1alpha1.JudgeMetric) { j.BaselineScope = canaryHash },
			`provider.judge: canaryScope and baselineScope are both "` + canaryHash + `", so the canary would be compared with itself`},
		{"query without scope", func(j *v1alpha1.JudgeMetric) { j.Metrics[0].Query = "up" },
			`provider.judge.metrics[p99-latency].query has no {{scope}}: the canary and the baseline would run the same query`},
		{"marginal above pass", func(j *v1alpha1.JudgeMetric) { j.Marginal = 96 },
			`provider.judge: marginal 96 is above pass 95`},
		{"every group weighs 0", func(j *v1alpha1.JudgeMetric) {
			j.Groups = []v1alpha1.JudgeGroup{{Name: "latency", Weight: 0}}
			j.Metrics[0].Group = "latency"
		}, `provider.judge.groups: every metric's group weighs 0, so no metric would count and every canary would pass; give a group a weight above 0`},
		{"an unlisted group weighs the listed average, 0 here", func(j *v1alpha1.JudgeMetric) {
			j.Groups = []v1alpha1.JudgeGroup{{Name: "other", Weight: 0}}
		}, `provider.judge.groups: every metric's group weighs 0, so no metric would count and every canary would pass; give a group a weight above 0`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &fakePrometheus{}
			srv := startServer(t, fake)
			spec := latencyJudge(srv.URL)
			tt.change(&spec)
			_, err := measure(t, spec)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
			if provider.PermanentReason(err) == "" {
				t.Errorf("error %q is not permanent; measuring again cannot cure it", err)
			}
			if n := len(fake.recorded()); n != 0 {
				t.Errorf("the server got %d queries, want none", n)
			}
		})
	}
}

// TestQueryErrorNamesMetric: a query Prometheus rejects makes the measurement
// Error, naming the metric and side, with Prometheus' message; a rejected
// query is permanent. Metadata still shows the queries sent.
func TestQueryErrorNamesMetric(t *testing.T) {
	srv := startServer(t, &fakePrometheus{
		series: map[string][][]float64{canaryHash: {latencies(20, 100)}, baselineHash: {latencies(20, 100)}},
		fail: map[string]failure{"total{hash=\"" + baselineHash: {http.StatusBadRequest,
			`{"status":"error","errorType":"bad_data","error":"1:7: parse error: unexpected character"}`}},
	})
	spec := latencyJudge(srv.URL)
	spec.Metrics = append(spec.Metrics, errorsJudge(srv.URL).Metrics...)
	got, err := measure(t, spec)
	want := `judge metric "error-rate": baseline total: Prometheus at ` + srv.URL +
		`: query failed (HTTP 400 Bad Request, bad_data): 1:7: parse error: unexpected character`
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v, want %q", err, want)
	}
	if provider.PermanentReason(err) == "" {
		t.Errorf("a query Prometheus rejects should be permanent")
	}
	if got.MetricMetadata["error-rate/baseline/total"] == "" {
		t.Errorf("metadata %v lacks the failed query", got.MetricMetadata)
	}
}

// TestCountErrors: a ratio query must come to one count.
func TestCountErrors(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"several series", success("vector", `[{"metric":{"a":"1"},"value":[1,"1"]},{"metric":{"a":"2"},"value":[1,"2"]}]`),
			"query returned 2 series, want one count: wrap it in sum(...)"},
		{"negative", success("scalar", `[1,"-3"]`), "query returned -3, which is not a count"},
		{"matrix", success("matrix", `[]`), "query returned a matrix, want one count"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, &fakePrometheus{fail: map[string]failure{"events": {http.StatusOK, tt.body}}})
			_, err := measure(t, errorsJudge(srv.URL))
			want := `judge metric "error-rate": canary events: ` + tt.want
			if err == nil || err.Error() != want {
				t.Fatalf("error = %v, want %q", err, want)
			}
		})
	}
}

// TestRunNotStarted: without a start there is no window.
func TestRunNotStarted(t *testing.T) {
	metric := judgeMetric(latencyJudge("http://127.0.0.1:1"), 1)
	_, err := newTestProvider("").Measure(context.Background(), &v1alpha1.AnalysisRun{}, metric, nil)
	if err == nil || !strings.Contains(err.Error(), "has not started") {
		t.Fatalf("error = %v, want one saying the run has not started", err)
	}
}

// TestProviderIdentity checks Type and that Terminate has nothing to do.
func TestProviderIdentity(t *testing.T) {
	p := New("")
	if p.Type() != "judge" {
		t.Errorf("Type = %q", p.Type())
	}
	if err := p.Terminate(context.Background(), nil, v1alpha1.Metric{}, v1alpha1.Measurement{}); err != nil {
		t.Errorf("Terminate: %v", err)
	}
}

// TestResolvedQueriesBounded: fifty metrics with long queries keep their
// metadata bounded, counting the queries left out; a failing query is kept
// whatever the room.
func TestResolvedQueriesBounded(t *testing.T) {
	long := strings.Repeat(`sum(rate(x{hash="{{scope}}",route=~"/api/v1/.*"}[1m])) + `, 6) + "0"
	build := func(address string) v1alpha1.JudgeMetric {
		spec := latencyJudge(address)
		spec.Metrics = nil
		for i := range 50 {
			spec.Metrics = append(spec.Metrics, v1alpha1.JudgeQuery{Name: fmt.Sprintf("m%02d", i), Query: long})
		}
		return spec
	}
	srv := startServer(t, &fakePrometheus{})
	got, err := measure(t, build(srv.URL))
	if err != nil {
		t.Fatalf("Measure: %v", err)
	}
	size := 0
	for k, v := range got.MetricMetadata {
		size += len(k) + len(v)
	}
	if size > maxResolvedQueries+64 || got.MetricMetadata[notShownKey] == "" {
		t.Errorf("metadata is %d bytes with %s queries not shown; want at most about %d, and a count of those left out",
			size, got.MetricMetadata[notShownKey], maxResolvedQueries)
	}

	failing := startServer(t, &fakePrometheus{fail: map[string]failure{"boom": {http.StatusServiceUnavailable,
		`{"status":"error","errorType":"unavailable","error":"overloaded"}`}}})
	spec := build(failing.URL)
	spec.Metrics = append(spec.Metrics, v1alpha1.JudgeQuery{Name: "last", Query: `boom{hash="{{scope}}"}`})
	got, err = measure(t, spec)
	if err == nil || !strings.HasPrefix(err.Error(), `judge metric "last": canary:`) {
		t.Fatalf("error = %v, want the last metric's canary query to fail", err)
	}
	if got.MetricMetadata["last/canary"] != `boom{hash="`+canaryHash+`"}` {
		t.Errorf("metadata %v lacks the failed query", got.MetricMetadata)
	}
}
