package analysis

import (
	"context"
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/sluice-dev/sluice/analysis/provider"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// queryEcho answers a Prometheus metric with a value chosen by its query,
// and remembers the queries it saw.
type queryEcho struct {
	values map[string]float64
	seen   []string
}

func (q *queryEcho) Type() string { return "prometheus" }

func (q *queryEcho) Measure(_ context.Context, _ *v1alpha1.AnalysisRun, m v1alpha1.Metric, _ *v1alpha1.Measurement) (provider.Outcome, error) {
	query := m.Provider.Prometheus.Query
	q.seen = append(q.seen, query)
	v, ok := q.values[query]
	if !ok {
		return provider.Outcome{MetricMetadata: map[string]string{"resolvedQuery": query}}, errors.New("query returned no data: " + query)
	}
	return provider.Outcome{Value: v, Text: "0.5", TypeFixed: true, MetricMetadata: map[string]string{"resolvedQuery": query}}, nil
}

func (q *queryEcho) Terminate(context.Context, *v1alpha1.AnalysisRun, v1alpha1.Metric, v1alpha1.Measurement) error {
	return nil
}

func promMetric(name, query, success string) v1alpha1.Metric {
	return v1alpha1.Metric{Name: name, SuccessCondition: success,
		Provider: v1alpha1.MetricProvider{Prometheus: &v1alpha1.PrometheusMetric{Query: query}}}
}

func TestMeasureOnceJudgesEachMetricAsTheControllerWould(t *testing.T) {
	run := &v1alpha1.AnalysisRun{Spec: v1alpha1.AnalysisRunSpec{
		Args: []v1alpha1.Argument{
			{Name: "service", Value: ptr("web")},
			{Name: "token", ValueFrom: &v1alpha1.ValueFrom{SecretKeyRef: &v1alpha1.SecretKeyRef{Name: "creds", Key: "token"}}},
		},
		Metrics: []v1alpha1.Metric{
			promMetric("ok", `rate{s="{{args.service}}"}`, "result > 0.4"),
			promMetric("bad", `rate{s="{{args.service}}"}`, "result > 0.9"),
			promMetric("secret", `missing{t="{{args.token}}"}`, ""),
			{Name: "smoke", Provider: v1alpha1.MetricProvider{Job: &v1alpha1.JobMetric{}}},
		},
		DryRun: []v1alpha1.DryRun{{MetricName: "bad"}},
	}}
	prom := &queryEcho{values: map[string]float64{`rate{s="web"}`: 0.5}}
	getSecret := func(_ context.Context, ns, name string) (*corev1.Secret, error) {
		return &corev1.Secret{Data: map[string][]byte{"token": []byte("s3cret")}}, nil
	}
	got, err := MeasureOnce(context.Background(), run, map[string]provider.Provider{"prometheus": prom}, getSecret)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name  string
		phase v1alpha1.AnalysisPhase
		dry   bool
		skip  bool
	}{
		{"ok", v1alpha1.AnalysisPhaseSuccessful, false, false},
		{"bad", v1alpha1.AnalysisPhaseFailed, true, false},
		{"secret", v1alpha1.AnalysisPhaseError, false, false},
		{"smoke", "", false, true},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d results, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Metric != w.name || g.Measurement.Phase != w.phase || g.DryRun != w.dry || (g.Skipped != "") != w.skip {
			t.Errorf("result %d = %s phase %q dryRun %v skipped %q, want %s phase %q dryRun %v skipped %v", i, g.Metric, g.Measurement.Phase, g.DryRun, g.Skipped, w.name, w.phase, w.dry, w.skip)
		}
	}
	if msg := got[2].Measurement.Message; strings.Contains(msg, "s3cret") || !strings.Contains(msg, "*****") {
		t.Errorf("error message %q shows the secret or does not mask it", msg)
	}
	if q := got[2].Metadata["resolvedQuery"]; strings.Contains(q, "s3cret") {
		t.Errorf("resolved query %q shows the secret", q)
	}
	if got[0].Measurement.Value != "0.5" || got[0].Metadata["resolvedQuery"] != `rate{s="web"}` {
		t.Errorf("ok: value %q, resolved query %q", got[0].Measurement.Value, got[0].Metadata["resolvedQuery"])
	}
}

// A run that could not start gives the controller's reason, and measures
// nothing.
func TestMeasureOnceRefusesWhatTheControllerWouldNotStart(t *testing.T) {
	notFound := func(_ context.Context, _, name string) (*corev1.Secret, error) {
		return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "secrets"}, name)
	}
	for _, row := range []struct {
		name string
		run  v1alpha1.AnalysisRunSpec
		want string
	}{
		{"an argument without a value",
			v1alpha1.AnalysisRunSpec{Args: []v1alpha1.Argument{{Name: "service"}}, Metrics: []v1alpha1.Metric{promMetric("m", "q", "")}},
			`argument "service" was not supplied`},
		{"a Secret that is not there",
			v1alpha1.AnalysisRunSpec{Args: []v1alpha1.Argument{{Name: "t", ValueFrom: &v1alpha1.ValueFrom{SecretKeyRef: &v1alpha1.SecretKeyRef{Name: "creds", Key: "k"}}}}, Metrics: []v1alpha1.Metric{promMetric("m", "q", "")}},
			`argument "t": Secret "creds" (key "k") not found`},
		{"a condition that does not compile",
			v1alpha1.AnalysisRunSpec{Metrics: []v1alpha1.Metric{promMetric("m", "q", "result >> 1")}},
			`metric "m"`},
		{"an undeclared argument",
			v1alpha1.AnalysisRunSpec{Metrics: []v1alpha1.Metric{promMetric("m", "{{args.nope}}", "")}},
			`metric "m" uses argument "nope", which the run does not define`},
	} {
		t.Run(row.name, func(t *testing.T) {
			prom := &queryEcho{}
			_, err := MeasureOnce(context.Background(), &v1alpha1.AnalysisRun{Spec: row.run}, map[string]provider.Provider{"prometheus": prom}, notFound)
			if err == nil || !strings.Contains(err.Error(), row.want) {
				t.Errorf("error %v, want one with %q", err, row.want)
			}
			if len(prom.seen) != 0 {
				t.Errorf("queried %v before the run could start", prom.seen)
			}
		})
	}
}
