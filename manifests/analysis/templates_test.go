// Package analysis_test checks the built-in ClusterAnalysisTemplates offline:
// each file decodes strictly into the API type, kubectl sluice lint finds
// nothing in them, every judge query parses as PromQL once the judge fills
// its placeholders, and the kustomization lists every file.
package analysis_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/promql/parser"
	"sigs.k8s.io/yaml"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/pkg/lint"
)

func templateFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	files = slices.DeleteFunc(files, func(f string) bool { return f == "kustomization.yaml" })
	if len(files) == 0 {
		t.Fatal("no templates in manifests/analysis")
	}
	return files
}

func decodeTemplate(t *testing.T, file string) (*v1alpha1.ClusterAnalysisTemplate, []byte) {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var tmpl v1alpha1.ClusterAnalysisTemplate
	if err := yaml.UnmarshalStrict(raw, &tmpl); err != nil {
		t.Fatalf("%s does not decode strictly into a ClusterAnalysisTemplate: %v", file, err)
	}
	if tmpl.APIVersion != v1alpha1.SchemeGroupVersion.String() || tmpl.Kind != "ClusterAnalysisTemplate" {
		t.Errorf("%s is %s %s, want %s ClusterAnalysisTemplate", file, tmpl.APIVersion, tmpl.Kind, v1alpha1.SchemeGroupVersion)
	}
	if tmpl.Name+".yaml" != file {
		t.Errorf("%s holds template %q: name the file after it", file, tmpl.Name)
	}
	return &tmpl, raw
}

func TestTemplatesLintClean(t *testing.T) {
	var inputs []lint.Input
	for _, file := range templateFiles(t) {
		_, raw := decodeTemplate(t, file)
		inputs = append(inputs, lint.Input{Name: file, Content: raw})
	}
	report := lint.Files(inputs, false)
	for _, f := range report.Findings {
		t.Errorf("lint: %s", f)
	}
	if report.Documents != len(inputs) {
		t.Errorf("lint read %d documents, want %d", report.Documents, len(inputs))
	}
}

// The judge's queries hold {{scope}} and {{window}}, which lint leaves alone:
// fill them (and the args) as a run would and parse the result.
func TestJudgeQueriesParse(t *testing.T) {
	judges := 0
	for _, file := range templateFiles(t) {
		tmpl, _ := decodeTemplate(t, file)
		args := map[string]string{}
		for _, a := range tmpl.Spec.Args {
			args[a.Name] = "abc123" // a hash, a cluster name or a namespace alike
			if a.Value != nil {
				args[a.Name] = *a.Value
			}
		}
		for _, m := range tmpl.Spec.Metrics {
			j := m.Provider.Judge
			if j == nil {
				continue
			}
			judges++
			for _, q := range j.Metrics {
				for part, query := range map[string]string{"query": q.Query, "events": q.Events, "total": q.Total} {
					if query == "" {
						continue
					}
					if !strings.Contains(query, "{{scope}}") {
						t.Errorf("%s: judge metric %s %s has no {{scope}}", file, q.Name, part)
					}
					resolved := fillJudgeQuery(query, args)
					if _, err := parser.NewParser(parser.Options{}).ParseExpr(resolved); err != nil {
						t.Errorf("%s: judge metric %s %s does not parse: %v\n%s", file, q.Name, part, err, resolved)
					}
				}
			}
		}
	}
	if judges == 0 {
		t.Error("no template has a judge metric")
	}
}

var argRef = regexp.MustCompile(`\{\{\s*args\.([^}\s]+)\s*\}\}`)

func fillJudgeQuery(q string, args map[string]string) string {
	q = argRef.ReplaceAllStringFunc(q, func(ref string) string { return args[argRef.FindStringSubmatch(ref)[1]] })
	return strings.NewReplacer("{{scope}}", "6d4f9c8b7", "{{window}}", "300s").Replace(q)
}

func TestKustomizationListsEveryTemplate(t *testing.T) {
	raw, err := os.ReadFile("kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var k struct {
		Resources []string `json:"resources"`
	}
	if err := yaml.Unmarshal(raw, &k); err != nil {
		t.Fatal(err)
	}
	files := templateFiles(t)
	slices.Sort(k.Resources)
	if !slices.Equal(k.Resources, files) {
		t.Errorf("kustomization.yaml lists %v, the directory holds %v", k.Resources, files)
	}
}
