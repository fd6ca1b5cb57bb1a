package v1alpha1_test

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

func TestSetRolloutDefaults(t *testing.T) {
	ro := &v1alpha1.Rollout{Spec: v1alpha1.RolloutSpec{
		Strategy:    v1alpha1.RolloutStrategy{Canary: &v1alpha1.CanaryStrategy{MaxSurge: ptr(intstr.FromInt32(0))}},
		WorkloadRef: &v1alpha1.ObjectRef{Kind: "Deployment", Name: "web"},
	}}
	v1alpha1.SetRolloutDefaults(ro)
	s := ro.Spec
	if *s.Replicas != 1 || *s.RevisionHistoryLimit != 10 || *s.ProgressDeadlineSeconds != 600 {
		t.Errorf("replicas/history/deadline = %d/%d/%d", *s.Replicas, *s.RevisionHistoryLimit, *s.ProgressDeadlineSeconds)
	}
	if s.WorkloadRef.APIVersion != "apps/v1" {
		t.Errorf("workloadRef.apiVersion = %q", s.WorkloadRef.APIVersion)
	}
	if got := s.Strategy.Canary.MaxSurge.String(); got != "0" {
		t.Errorf("a set maxSurge was overwritten: %s", got)
	}
	if got := s.Strategy.Canary.MaxUnavailable.String(); got != "25%" {
		t.Errorf("maxUnavailable = %s", got)
	}

	bg := &v1alpha1.Rollout{Spec: v1alpha1.RolloutSpec{Replicas: ptr(int32(3)), Strategy: v1alpha1.RolloutStrategy{
		BlueGreen: &v1alpha1.BlueGreenStrategy{ActiveService: "a", AutoPromotionEnabled: ptr(false)},
	}}}
	v1alpha1.SetRolloutDefaults(bg)
	b := bg.Spec.Strategy.BlueGreen
	if *bg.Spec.Replicas != 3 || *b.AutoPromotionEnabled || *b.ScaleDownDelaySeconds != 30 || *b.AbortScaleDownDelaySeconds != 30 {
		t.Errorf("blue-green defaults wrong: %+v", b)
	}
}

// TestGoDefaultsMatchCRDDefaults checks that SetRolloutDefaults and SetMetricsDefaults
// fill exactly the values the API server fills from the CRD schema: every `default`
// in the schema whose parent object exists must be present in the Go-defaulted object
// with the same value, so offline tools (`kubectl sluice plan -f`) see what the
// controller will see.
func TestGoDefaultsMatchCRDDefaults(t *testing.T) {
	ro := &v1alpha1.Rollout{Spec: v1alpha1.RolloutSpec{
		WorkloadRef: &v1alpha1.ObjectRef{Kind: "Deployment", Name: "d"},
		Strategy: v1alpha1.RolloutStrategy{
			Canary:    &v1alpha1.CanaryStrategy{},
			BlueGreen: &v1alpha1.BlueGreenStrategy{ActiveService: "a"},
		},
	}}
	v1alpha1.SetRolloutDefaults(ro)
	checkSchemaDefaults(t, "sluice.dev_rollouts.yaml", ro)

	metrics := []v1alpha1.Metric{{Name: "m", Provider: v1alpha1.MetricProvider{
		Prometheus: &v1alpha1.PrometheusMetric{Query: "up"},
		Web:        &v1alpha1.WebMetric{URL: "http://x"},
	}}}
	v1alpha1.SetMetricsDefaults(metrics)
	at := &v1alpha1.AnalysisTemplate{Spec: v1alpha1.AnalysisTemplateSpec{Metrics: metrics}}
	checkSchemaDefaults(t, "sluice.dev_analysistemplates.yaml", at)
	run := &v1alpha1.AnalysisRun{Spec: v1alpha1.AnalysisRunSpec{Metrics: metrics}}
	checkSchemaDefaults(t, "sluice.dev_analysisruns.yaml", run)
}

func checkSchemaDefaults(t *testing.T, crdFile string, obj any) {
	t.Helper()
	raw, err := os.ReadFile("../../../../manifests/crds/" + crdFile)
	if err != nil {
		t.Fatal(err)
	}
	var crd struct {
		Spec struct {
			Versions []struct {
				Schema struct {
					OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
				} `json:"schema"`
			} `json:"versions"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(raw, &crd); err != nil {
		t.Fatal(err)
	}
	encoded, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	var value map[string]any
	if err := json.Unmarshal(encoded, &value); err != nil {
		t.Fatal(err)
	}
	found := 0
	walkDefaults(crd.Spec.Versions[0].Schema.OpenAPIV3Schema, value, "", func(path string, want, got any) {
		found++
		if !cmp.Equal(fmt.Sprint(want), fmt.Sprint(got)) {
			t.Errorf("%s %s: CRD default %v, Go default %v", crdFile, path, want, got)
		}
	})
	if found == 0 {
		t.Errorf("%s: no schema default was checked", crdFile)
	}
}

// walkDefaults visits every schema property with a default whose parent exists in value.
func walkDefaults(schema map[string]any, value any, path string, visit func(path string, want, got any)) {
	switch v := value.(type) {
	case map[string]any:
		props, _ := schema["properties"].(map[string]any)
		for name, p := range props {
			ps, _ := p.(map[string]any)
			child := path + "." + name
			if def, ok := ps["default"]; ok {
				visit(child, def, v[name])
			}
			if cv, ok := v[name]; ok {
				walkDefaults(ps, cv, child, visit)
			}
		}
	case []any:
		items, _ := schema["items"].(map[string]any)
		for i, item := range v {
			walkDefaults(items, item, fmt.Sprintf("%s[%d]", path, i), visit)
		}
	}
}

func ptr[T any](v T) *T { return &v }
