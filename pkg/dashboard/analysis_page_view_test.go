package dashboard

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/pkg/view"
)

// Secrets a run's spec may carry by hand, and that the page must never show.
const (
	headerSecret   = "Bearer s3cr3t-header"
	basicPassword  = "hunter2-password"
	urlPassword    = "url-pa55word"
	secretArgValue = "never-read-by-the-dashboard" // a Secret's value: only the controller reads it
)

// analysisRunWithSecrets is a step run of Rollout "web" with a Prometheus
// metric (basic auth, a header, a secret argument in its query), a web
// metric (credentials in its URL, a header) and a job metric.
func analysisRunWithSecrets() *v1alpha1.AnalysisRun {
	isController := true
	started := metav1.NewTime(chartStart)
	token, service := "api-token", "web-canary"
	return &v1alpha1.AnalysisRun{
		ObjectMeta: metav1.ObjectMeta{Name: "web-7c9d8f6b5-2-1", Namespace: "shop",
			Labels:          map[string]string{v1alpha1.AnalysisKindLabel: string(v1alpha1.AnalysisKindStep)},
			OwnerReferences: []metav1.OwnerReference{{Kind: "Rollout", Name: "web", Controller: &isController}}},
		Spec: v1alpha1.AnalysisRunSpec{
			Args: []v1alpha1.Argument{
				{Name: "service", Value: &service},
				{Name: "token", ValueFrom: &v1alpha1.ValueFrom{SecretKeyRef: &v1alpha1.SecretKeyRef{Name: "prom", Key: token}}},
			},
			Metrics: []v1alpha1.Metric{{
				Name: "error-rate", Interval: "30s", Count: metricCount(5), SuccessCondition: "result < 0.05",
				Provider: v1alpha1.MetricProvider{Prometheus: &v1alpha1.PrometheusMetric{
					Address: "http://prometheus:" + urlPassword + "@prom.example:9090",
					Query:   `sum(rate(errors{service="{{args.service}}",token="{{args.token}}"}[1m]))`,
					Headers: []v1alpha1.WebMetricHeader{{Key: "Authorization", Value: headerSecret}},
					Authentication: &v1alpha1.PrometheusAuth{BasicAuth: &v1alpha1.BasicAuth{
						Username: "prometheus", Password: basicPassword}},
				}},
			}, {
				Name: "smoke", SuccessCondition: "result == true",
				Provider: v1alpha1.MetricProvider{Web: &v1alpha1.WebMetric{
					URL: "https://robot:" + urlPassword + "@status.example/check?service={{args.service}}", JSONPath: "{$.ok}",
					Headers: []v1alpha1.WebMetricHeader{{Key: "X-Token", Value: headerSecret}},
				}},
			}, {
				Name: "load-test",
				Provider: v1alpha1.MetricProvider{Job: &v1alpha1.JobMetric{Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{
					Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "k6", Image: "grafana/k6:0.50"}}}}}}},
			}},
		},
		Status: v1alpha1.AnalysisRunStatus{
			Phase: v1alpha1.AnalysisPhaseRunning, StartedAt: &started,
			MetricResults: []v1alpha1.MetricResult{{
				Name: "error-rate", Phase: v1alpha1.AnalysisPhaseRunning, Count: 2, Successful: 2, Error: 1, ConsecutiveError: 0,
				// As the controller writes it: the secret argument's value masked.
				Metadata: map[string]string{"resolvedQuery": `sum(rate(errors{service="web-canary",token="*****"}[1m]))`},
				Measurements: []v1alpha1.Measurement{
					measuredAt(0, mSuccessful, "0.01", ""),
					measuredAt(30*time.Second, mErrored, "", "Prometheus at http://prometheus:xxxxx@prom.example:9090: 503\nService Unavailable"),
					measuredAt(60*time.Second, mSuccessful, "0.02", ""),
				},
			}},
		},
	}
}

func metricCount(n int32) *intstr.IntOrString {
	c := intstr.FromInt32(n)
	return &c
}

func TestAnalysisViewShowsWhatTheRunIs(t *testing.T) {
	v := buildAnalysisView(analysisRunWithSecrets(), chartStart.Add(3*time.Minute))
	if v.Rollout != "web" || v.Kind != "step" || v.Status.Text != "◌ Running" || v.Started != "2025-03-14 09:26:00 UTC (3m ago)" {
		t.Errorf("run: rollout %q kind %q status %q started %q", v.Rollout, v.Kind, v.Status.Text, v.Started)
	}
	if len(v.Metrics) != 3 {
		t.Fatalf("%d metric panels, want 3 (one per metric of the spec)", len(v.Metrics))
	}
	rate := v.Metrics[0]
	wantSource := []labelled{
		{"Address", "http://*****@prom.example:9090"},
		{"Query", `sum(rate(errors{service="web-canary",token="*****"}[1m]))`},
		{"Header", "Authorization: *****"},
		{"Basic auth", "username and password *****"},
	}
	if diff := cmp.Diff(wantSource, rate.Source); diff != "" {
		t.Errorf("error-rate source (-want +got):\n%s", diff)
	}
	wantCounts := []labelled{
		{"Successful", "2"},
		{"Failed", "0 (failureLimit 0)"},
		{"Inconclusive", "0 (inconclusiveLimit 0)"},
		{"Errors", "1, 0 in a row (consecutiveErrorLimit 4)"},
	}
	if diff := cmp.Diff(wantCounts, rate.Counts); diff != "" || rate.Count != "2 of 5" {
		t.Errorf("error-rate count %q, counts (-want +got):\n%s", rate.Count, diff)
	}
	wantRecent := []recentMeasurement{{When: "09:26:30", Status: view.Status{Text: "✖ Error", Tone: "bad"},
		Message: "Prometheus at http://prometheus:xxxxx@prom.example:9090: 503 Service Unavailable"}}
	if diff := cmp.Diff(wantRecent, rate.Recent); diff != "" {
		t.Errorf("error-rate messages (-want +got):\n%s", diff)
	}
	if got := strings.Count(string(rate.Chart), `class="point `); got != 3 {
		t.Errorf("error-rate chart has %d marks, want 3 (one per measurement)", got)
	}
	smoke := v.Metrics[1]
	wantSmoke := []labelled{
		{"URL", "GET https://*****@status.example/check?service={{args.service}}"},
		{"JSON path", "{$.ok}"},
		{"Header", "X-Token: *****"},
	}
	if diff := cmp.Diff(wantSmoke, smoke.Source); diff != "" || smoke.Status.Text != "◌ Pending" || smoke.Count != "0 of 1" {
		t.Errorf("smoke: status %q count %q, source (-want +got):\n%s", smoke.Status.Text, smoke.Count, diff)
	}
	if got := v.Metrics[2].Source; len(got) != 1 || got[0].Value != "k6 (grafana/k6:0.50)" {
		t.Errorf("load-test source %v, want its container and image", got)
	}
	wantArgs := []labelled{{"service", "web-canary"}, {"token", "***** (from Secret prom, key api-token)"}}
	if diff := cmp.Diff(wantArgs, v.Args); diff != "" {
		t.Errorf("args (-want +got):\n%s", diff)
	}
}

// Nothing the page is built from carries a secret: not header values, not
// basic-auth or URL credentials written in the spec by hand.
func TestAnalysisViewNeverShowsSecrets(t *testing.T) {
	v := buildAnalysisView(analysisRunWithSecrets(), chartStart)
	all := fmt.Sprintf("%+v", v)
	for _, secret := range []string{headerSecret, basicPassword, urlPassword, secretArgValue} {
		if strings.Contains(all, secret) {
			t.Errorf("the analysis page's data holds %q", secret)
		}
	}
}

func TestMaskURLCredentials(t *testing.T) {
	cases := map[string]string{
		"http://prometheus:9090":                  "http://prometheus:9090",
		"https://u:p@host/x":                      "https://*****@host/x",
		"https://token@host":                      "https://*****@host",
		"http://host/path?email=a@b.example":      "http://host/path?email=a@b.example",
		"http://{{args.user}}@host":               "http://*****@host",
		" https://u:p@host ":                      "https://*****@host",
		"":                                        "",
		"prometheus.monitoring.svc.cluster.local": "prometheus.monitoring.svc.cluster.local",
	}
	for in, want := range cases {
		if got := maskURLCredentials(in); got != want {
			t.Errorf("maskURLCredentials(%q) = %q, want %q", in, got, want)
		}
	}
}

// A judge metric shows the Prometheus it asks and the scopes it compares,
// with its credentials masked like a Prometheus metric's.
func TestJudgeSourceMasksCredentials(t *testing.T) {
	got := providerSource(v1alpha1.MetricProvider{Judge: &v1alpha1.JudgeMetric{
		Address:     "https://judge:" + urlPassword + "@prom.example",
		CanaryScope: `pod=~"web-canary-.*"`, BaselineScope: `pod=~"web-baseline-.*"`,
		Headers:        []v1alpha1.WebMetricHeader{{Key: "Authorization", Value: headerSecret}},
		Authentication: &v1alpha1.PrometheusAuth{BasicAuth: &v1alpha1.BasicAuth{Username: "u", Password: basicPassword}},
	}}, "")
	want := []labelled{
		{"Address", "https://*****@prom.example"},
		{"Canary scope", `pod=~"web-canary-.*"`},
		{"Baseline scope", `pod=~"web-baseline-.*"`},
		{"Header", "Authorization: *****"},
		{"Basic auth", "username and password *****"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("judge source (-want +got):\n%s", diff)
	}
}
