package lint

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

// TestLintSchemaMatchesCRDs keeps lint's schema rules equal to the generated
// CRDs: a kubebuilder marker added, changed or removed in pkg/apis shows up here
// until lint_schema.go follows.
func TestLintSchemaMatchesCRDs(t *testing.T) {
	files, err := filepath.Glob("../../manifests/crds/*.yaml")
	if err != nil || len(files) != 4 {
		t.Fatalf("CRDs: %v %v", files, err)
	}
	for _, file := range files {
		kind, schema := readCRDSchema(t, file)
		var want []string
		crdConstraints("", schema, func(line string) { want = append(want, line) })
		var got []string
		for _, r := range schemaRules[kind] {
			got = append(got, r.path+" "+r.keyword+" "+r.arg)
		}
		sort.Strings(want)
		sort.Strings(got)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: lint schema rules differ from %s (-crd +lint):\n%s", kind, file, diff)
		}
	}
	// ClusterAnalysisTemplate is checked against its own CRD above; the other
	// kinds in the table must all have a CRD.
	if len(schemaRules) != len(files) {
		t.Errorf("schemaRules has %d kinds, the CRDs %d", len(schemaRules), len(files))
	}
}

func readCRDSchema(t *testing.T, file string) (string, map[string]any) {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var crd struct {
		Spec struct {
			Names    struct{ Kind string }
			Versions []struct {
				Schema struct {
					OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
				}
			}
		}
	}
	if err := yaml.Unmarshal(raw, &crd); err != nil {
		t.Fatal(err)
	}
	if len(crd.Spec.Versions) != 1 {
		t.Fatalf("%s: %d versions", file, len(crd.Spec.Versions))
	}
	return crd.Spec.Names.Kind, crd.Spec.Versions[0].Schema.OpenAPIV3Schema
}

// skippedSchemas are the parts of the CRDs lint does not mirror: metadata and
// status, and the Kubernetes types embedded in sluice's.
func skippedSchema(path string) bool {
	return path == ".metadata" || path == ".status" || path == ".spec.template" || strings.HasSuffix(path, ".provider.job.spec")
}

// crdConstraints emits "path keyword arg" for every constraint lint mirrors.
func crdConstraints(path string, s map[string]any, emit func(string)) {
	if skippedSchema(path) {
		return
	}
	for _, k := range slices.Sorted(maps.Keys(s)) {
		v := s[k]
		switch k {
		case "minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems", "maxProperties", "pattern":
			emit(fmt.Sprintf("%s %s %v", path, k, v))
		case "enum", "required", "x-kubernetes-list-map-keys":
			var words []string
			for _, w := range v.([]any) {
				words = append(words, fmt.Sprint(w))
			}
			if k == "required" {
				sort.Strings(words)
			}
			emit(fmt.Sprintf("%s %s %s", path, k, strings.Join(words, ",")))
		case "x-kubernetes-validations":
			for _, rule := range v.([]any) {
				emit(fmt.Sprintf("%s %s %s", path, k, rule.(map[string]any)["rule"]))
			}
		}
	}
	if props, ok := s["properties"].(map[string]any); ok {
		for _, name := range slices.Sorted(maps.Keys(props)) {
			crdConstraints(path+"."+name, props[name].(map[string]any), emit)
		}
	}
	if items, ok := s["items"].(map[string]any); ok {
		crdConstraints(path+"[]", items, emit)
	}
	if values, ok := s["additionalProperties"].(map[string]any); ok {
		crdConstraints(path+"{}", values, emit)
	}
}
