package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// The three kinds of Rollout the bench creates. All run the same canary steps
// as the Argo Rollouts reference (setWeight 50 → pause 1s → setWeight 100);
// "analysis" adds a Prometheus analysis step after the pause and "istio"
// routes the canary's weight through a VirtualService.
const (
	kindPlain    = "plain"
	kindAnalysis = "analysis"
	kindIstio    = "istio"
)

const (
	imageV1 = "registry.example/bench:v1"
	imageV2 = "registry.example/bench:v2"
	// exporterVersion is the simulated application version the analysis
	// queries; the bench creates it in the test exporter with no errors.
	exporterVersion = "sluice-bench"
	templateName    = "bench-error-rate"
	pauseDuration   = time.Second
)

var virtualServices = schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1", Resource: "virtualservices"}

// kindOf assigns kinds by index: the Istio share first, then the analysis,
// judge and baseline shares, the rest plain.
func (c *config) kindOf(i int) string {
	switch {
	case float64(i) < c.istioShare*float64(c.n):
		return kindIstio
	case float64(i) < (c.istioShare+c.analysisShare)*float64(c.n):
		return kindAnalysis
	case float64(i) < (c.istioShare+c.analysisShare+c.judgeShare)*float64(c.n):
		return kindJudge
	case float64(i) < (c.istioShare+c.analysisShare+c.judgeShare+c.baselineShare)*float64(c.n):
		return kindBaseline
	}
	return kindPlain
}

// stepsOf is the canary steps of a kind.
func stepsOf(kind string) []v1alpha1.CanaryStep {
	pause := v1alpha1.CanaryStep{Pause: &v1alpha1.RolloutPause{Duration: ptr.To(intstr.FromString(pauseDuration.String()))}}
	steps := []v1alpha1.CanaryStep{{SetWeight: ptr.To[int32](50)}, pause}
	switch kind {
	case kindAnalysis:
		steps = append(steps, v1alpha1.CanaryStep{Analysis: &v1alpha1.RolloutAnalysis{
			Templates: []v1alpha1.AnalysisTemplateRef{{TemplateName: templateName}},
		}})
	case kindJudge:
		steps = append(steps, judgeStep())
	}
	return append(steps, v1alpha1.CanaryStep{SetWeight: ptr.To[int32](100)})
}

// stepLabel names step i of a kind for the report; past the last step the
// Rollout is promoting.
func stepLabel(kind string, i int) string {
	steps := stepsOf(kind)
	switch {
	case i < 0:
		return "start"
	case i >= len(steps):
		return "promotion"
	case steps[i].SetWeight != nil:
		return fmt.Sprintf("setWeight %d", *steps[i].SetWeight)
	case steps[i].Pause != nil:
		return "pause " + steps[i].Pause.Duration.String()
	case steps[i].Analysis != nil:
		return "analysis"
	}
	return fmt.Sprintf("step %d", i)
}

// rolloutName is the i-th Rollout's name.
func rolloutName(i int) string { return fmt.Sprintf("ro-%05d", i) }

func (e *env) rollout(i int) *v1alpha1.Rollout {
	name, kind := rolloutName(i), e.cfg.kindOf(i)
	labels := map[string]string{"app": name}
	canary := &v1alpha1.CanaryStrategy{Steps: stepsOf(kind), Baseline: baselineOf(kind)}
	if kind == kindIstio {
		canary.StableService, canary.CanaryService = name+"-stable", name+"-canary"
		canary.TrafficRouting = &v1alpha1.RolloutTrafficRouting{Istio: &v1alpha1.IstioTrafficRouting{
			VirtualService: &v1alpha1.IstioVirtualService{Name: name, Routes: []string{"primary"}},
		}}
	}
	return &v1alpha1.Rollout{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: e.namespace, Labels: map[string]string{
			instanceLabel: e.cfg.instanceID, kindLabel: kind,
		}},
		Spec: v1alpha1.RolloutSpec{
			Replicas: ptr.To(int32(e.cfg.replicas)),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					Containers:  []corev1.Container{{Name: "app", Image: imageV1}},
					Tolerations: []corev1.Toleration{benchToleration},
				},
			},
			Strategy: v1alpha1.RolloutStrategy{Canary: canary},
		},
	}
}

// routingObjects are an Istio Rollout's stable and canary Services and its
// VirtualService, whose route "primary" splits between the two hosts.
func (e *env) routingObjects(name string) ([]*corev1.Service, *unstructured.Unstructured) {
	var svcs []*corev1.Service
	for _, role := range []string{"stable", "canary"} {
		svcs = append(svcs, &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: name + "-" + role, Namespace: e.namespace},
			Spec: corev1.ServiceSpec{
				Selector: map[string]string{"app": name},
				Ports:    []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}},
			},
		})
	}
	vs := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
		"metadata": map[string]any{"name": name, "namespace": e.namespace},
		"spec": map[string]any{
			"hosts": []any{name + ".bench.example"},
			"http": []any{map[string]any{
				"name": "primary",
				"route": []any{
					map[string]any{"destination": map[string]any{"host": name + "-stable"}, "weight": int64(100)},
					map[string]any{"destination": map[string]any{"host": name + "-canary"}, "weight": int64(0)},
				},
			}},
		},
	}}
	return svcs, vs
}

// errorShare is the share of 5xx responses of the bench's simulated version.
// key, when set, adds a matcher on a label no series has (bench_run!="key"):
// it changes nothing in the result but tells the Prometheus proxy which run
// sent the query.
func errorShare(key string) string {
	sel := fmt.Sprintf(`version=%q`, exporterVersion)
	if key != "" {
		sel += fmt.Sprintf(`,bench_run!=%q`, key)
	}
	return fmt.Sprintf(`sum(rate(sluice_test_requests_total{%[1]s,code="500"}[5s])) / sum(rate(sluice_test_requests_total{%[1]s}[5s]))`, sel)
}

// errorRateMetric is the metric of the analysis step (count 1) and of the
// standalone runs (count, interval).
func errorRateMetric(key string, count int, interval time.Duration) v1alpha1.Metric {
	m := v1alpha1.Metric{
		Name:             "error-rate",
		SuccessCondition: "result[0] < 0.1",
		Provider:         v1alpha1.MetricProvider{Prometheus: &v1alpha1.PrometheusMetric{Query: errorShare(key)}},
	}
	if count > 1 {
		m.Count = ptr.To(intstr.FromInt(count))
		m.Interval = v1alpha1.DurationString(interval.String())
	}
	return m
}

func (e *env) createTemplate(ctx context.Context) error {
	t := &v1alpha1.AnalysisTemplate{
		ObjectMeta: metav1.ObjectMeta{Name: templateName, Namespace: e.namespace},
		Spec:       v1alpha1.AnalysisTemplateSpec{Metrics: []v1alpha1.Metric{errorRateMetric("", 1, 0)}},
	}
	_, err := e.sluice.SluiceV1alpha1().AnalysisTemplates(e.namespace).Create(ctx, t, metav1.CreateOptions{})
	return err
}

// prepareExporter creates the bench's simulated version in the test exporter
// (no errors) and waits until Prometheus has an error share for it, so the
// first measurement finds data.
func (e *env) prepareExporter(ctx context.Context) error {
	body, _ := json.Marshal(map[string]any{"version": exporterVersion, "errorRate": 0})
	resp, err := http.Post(e.info.ExporterURL+"/control", "application/json", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("exporter /control: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("exporter /control: %s", resp.Status)
	}
	return wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		return e.promHasData(errorShare("")), nil
	})
}

// promHasData reports whether an instant query returns at least one sample.
func (e *env) promHasData(query string) bool {
	resp, err := http.Get(e.info.PrometheusURL + "/api/v1/query?query=" + url.QueryEscape(query))
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var out struct {
		Data struct {
			Result []json.RawMessage `json:"result"`
		} `json:"data"`
	}
	return json.NewDecoder(resp.Body).Decode(&out) == nil && len(out.Data.Result) > 0
}
