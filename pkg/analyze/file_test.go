package analyze

import (
	"strings"
	"testing"
)

const twoTemplates = `apiVersion: v1
kind: Service
metadata: {name: web}
---
apiVersion: sluice.dev/v1alpha1
kind: AnalysisTemplate
metadata: {name: errors}
spec:
  metrics:
  - name: e
    provider: {prometheus: {query: up}}
---
apiVersion: sluice.dev/v1alpha1
kind: ClusterAnalysisTemplate
metadata: {name: judge}
spec:
  metrics:
  - name: j
    provider: {prometheus: {query: up}}
`

func TestTemplateFromFile(t *testing.T) {
	ref, spec, err := TemplateFromFile("t.yaml", []byte(twoTemplates), "judge", false)
	if err != nil || ref != (TemplateRef{Name: "judge", ClusterScope: true}) || spec.Metrics[0].Name != "j" {
		t.Errorf("named: %+v %v", ref, err)
	}
	ref, _, err = TemplateFromFile("t.yaml", []byte(twoTemplates), "", true)
	if err != nil || ref.Name != "judge" {
		t.Errorf("--cluster picks the only ClusterAnalysisTemplate: %+v %v", ref, err)
	}
	only := twoTemplates[:strings.Index(twoTemplates, "---\napiVersion: sluice.dev/v1alpha1\nkind: ClusterAnalysisTemplate")]
	if ref, _, err = TemplateFromFile("t.yaml", []byte(only), "", false); err != nil || ref.Name != "errors" {
		t.Errorf("the only template: %+v %v", ref, err)
	}
	for _, row := range []struct {
		name, raw, template string
		cluster             bool
		want                string
	}{
		{"several, none named", twoTemplates, "", false,
			"t.yaml has several templates (AnalysisTemplate errors, ClusterAnalysisTemplate judge): name one, e.g. kubectl sluice analyze errors -f t.yaml"},
		{"a name not there", twoTemplates, "latency", false,
			"t.yaml has no template \"latency\" (it has AnalysisTemplate errors, ClusterAnalysisTemplate judge)"},
		{"--cluster, but only a namespaced one", only, "errors", true,
			"t.yaml has no ClusterAnalysisTemplate \"errors\" (it has AnalysisTemplate errors)"},
		{"no template at all", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n", "", false,
			"t.yaml holds no AnalysisTemplate or ClusterAnalysisTemplate"},
		{"a misspelt field", strings.Replace(only, "    provider:", "    provder:", 1), "", false,
			"t.yaml: document 2 (AnalysisTemplate): error unmarshaling JSON"},
	} {
		t.Run(row.name, func(t *testing.T) {
			_, _, err := TemplateFromFile("t.yaml", []byte(row.raw), row.template, row.cluster)
			if err == nil || !strings.Contains(err.Error(), row.want) {
				t.Errorf("error %v, want %q", err, row.want)
			}
		})
	}
}
