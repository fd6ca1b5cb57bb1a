package convert

import (
	"bufio"
	"io"
	"os"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	sluicescheme "github.com/sluice-dev/sluice/pkg/client/clientset/versioned/scheme"
	"github.com/sluice-dev/sluice/pkg/internal/fieldpath"
)

// runConvert converts as `kubectl sluice convert ARGS` does (-f FILE,
// --workload-ref), through a Converter: stdout is the stream, stderr the
// warnings or the error. The command itself is tested in pkg/cli.
func runConvert(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var c Converter
	var files []string
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "-f":
			i++
			files = append(files, args[i])
		case "--workload-ref":
			c.WorkloadRef = true
		default:
			t.Fatalf("runConvert: unknown argument %q", args[i])
		}
	}
	for _, file := range files {
		raw := []byte(stdin)
		if file != "-" {
			var err error
			if raw, err = os.ReadFile(file); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.File(file, raw); err != nil {
			return result{stderr: "error: " + err.Error() + "\n", code: exitFailure}
		}
	}
	var stderr strings.Builder
	for _, w := range c.Warnings() {
		stderr.WriteString("warning: " + w + "\n")
	}
	return result{stdout: c.Output(), stderr: stderr.String()}
}

func TestConvert(t *testing.T) {
	argoCanary := "testdata/argo-canary.in.yaml#0 Rollout/checkout: field "
	for _, tc := range []struct {
		name     string
		args     []string
		out      string   // golden file of stdout
		warnings []string // stderr lines, without "warning: "
		absent   []string // strings stdout must not contain
		present  []string // strings stdout must contain
	}{
		{
			name:    "deployment with rollingUpdate and two ports",
			args:    []string{"-f", "testdata/deployment.in.yaml"},
			out:     "deployment.out.yaml",
			absent:  []string{"deployment.kubernetes.io/revision", "last-applied-configuration", "resourceVersion", "status:"},
			present: []string{"maxSurge: 1", "maxUnavailable: 0", "name: web-stable", "name: web-canary", "port: 9090"},
		},
		{
			name:    "deployment with --workload-ref",
			args:    []string{"--workload-ref", "-f", "testdata/workloadref.in.yaml"},
			out:     "workloadref.out.yaml",
			absent:  []string{"template:", "kind: Deployment\nmetadata"},
			present: []string{"scaleDown: progressively", "port: 80\n"},
		},
		{
			name: "argo canary with unsupported fields",
			args: []string{"-f", "testdata/argo-canary.in.yaml"},
			out:  "argo-canary.out.yaml",
			warnings: []string{
				argoCanary + "spec.strategy.canary.analysis.analysisRunMetadata is not supported by sluice and was dropped",
				argoCanary + "spec.strategy.canary.scaleDownDelayRevisionLimit is not supported by sluice and was dropped",
				argoCanary + "spec.strategy.canary.steps[1].experiment is not supported by sluice and was dropped",
				argoCanary + "spec.strategy.canary.trafficRouting.nginx is not supported by sluice and was dropped",
			},
			absent:  []string{"argoproj.io", "scaleDownDelayRevisionLimit", "analysisRunMetadata", "experiment", "nginx"},
			present: []string{"scaleDown: onsuccess", "kind: AnalysisTemplate"},
		},
		{
			name:    "argo rollout with the gatewayAPI plugin",
			args:    []string{"-f", "testdata/argo-gatewayapi.in.yaml"},
			out:     "argo-gatewayapi.out.yaml",
			absent:  []string{"plugins", "argoproj"},
			present: []string{"gatewayAPI:\n          httpRoute: shop-route\n          namespace: gateways\n"},
		},
		{
			name: "argo blue-green, ping-pong, plugins and an Experiment",
			args: []string{"-f", "testdata/argo-more.in.yaml"},
			out:  "argo-more.out.yaml",
			warnings: []string{
				"testdata/argo-more.in.yaml#0 Rollout/bg: field spec.strategy.blueGreen.scaleDownDelayRevisionLimit is not supported by sluice and was dropped",
				"testdata/argo-more.in.yaml#1 Rollout/pp: field spec.strategy.canary.trafficRouting.plugins[\"other/plugin\"] is not supported by sluice and was dropped",
				"testdata/argo-more.in.yaml#1 Rollout/pp: field spec.strategy.canary.trafficRouting.plugins[\"argoproj-labs/gatewayAPI\"].httpRoutes[0].useHeaderRoutes is not supported by sluice and was dropped",
				"testdata/argo-more.in.yaml#1 Rollout/pp: field spec.strategy.canary.pingPong is not supported by sluice and was dropped",
				"testdata/argo-more.in.yaml#1 Rollout/pp: field spec.strategy.canary.trafficRouting.alb is not supported by sluice and was dropped",
				"testdata/argo-more.in.yaml#2 Experiment/ex: kind Experiment is not supported by sluice and was passed through unchanged",
			},
			absent:  []string{"scaleDownDelayRevisionLimit", "pingPong", "alb", "plugins", "useHeaderRoutes"},
			present: []string{"gatewayAPI:\n          httpRoutes:\n          - name: r1\n          - name: r2\n          namespace: ns\n", "kind: Experiment"},
		},
		{
			name: "service passed through",
			args: []string{"-f", "testdata/service.in.yaml"},
			out:  "service.out.yaml", // the input unchanged, comments included
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runConvert(t, "", tc.args...)
			if r.code != 0 {
				t.Fatalf("exit %d, want 0\nstderr: %s", r.code, r.stderr)
			}
			var want string
			for _, w := range tc.warnings {
				want += "warning: " + w + "\n"
			}
			if r.stderr != want {
				t.Errorf("stderr:\n%s\nwant:\n%s", r.stderr, want)
			}
			golden(t, tc.out, r.stdout)
			for _, s := range tc.absent {
				if strings.Contains(r.stdout, s) {
					t.Errorf("output contains %q", s)
				}
			}
			for _, s := range tc.present {
				if !strings.Contains(r.stdout, s) {
					t.Errorf("output lacks %q", s)
				}
			}
			assertSluiceObjectsDecodeStrictly(t, r.stdout)
		})
	}
}

// Several files and stdin convert in order into one stream.
func TestConvertStdinAndSeveralFiles(t *testing.T) {
	in, err := os.ReadFile("testdata/workloadref.in.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r := runConvert(t, string(in), "-f", "testdata/service.in.yaml", "-f", "-")
	wantExit(t, r, 0)
	docs := splitDocuments(t, r.stdout)
	var kinds []string
	for _, doc := range docs {
		var meta struct{ Kind string }
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, meta.Kind)
	}
	if got := strings.Join(kinds, ","); got != "Service,Rollout,Service,Service" {
		t.Errorf("kinds %s", got)
	}
	if !strings.Contains(r.stdout, "# new: Services api-stable and api-canary") {
		t.Errorf("no comment before the new Services:\n%s", r.stdout)
	}
	assertSluiceObjectsDecodeStrictly(t, r.stdout)
}

// The Rollouts made from a Deployment are what the Go types say.
func TestConvertDeploymentRollout(t *testing.T) {
	r := runConvert(t, "", "-f", "testdata/deployment.in.yaml")
	wantExit(t, r, 0)
	objs := decodeSluice(t, r.stdout)
	if len(objs) != 1 {
		t.Fatalf("%d sluice objects, want 1", len(objs))
	}
	ro, ok := objs[0].(*v1alpha1.Rollout)
	if !ok {
		t.Fatalf("%T, want a Rollout", objs[0])
	}
	c := ro.Spec.Strategy.Canary
	if ro.Name != "web" || ro.Namespace != "shop" || *ro.Spec.Replicas != 5 || ro.Spec.MinReadySeconds != 10 ||
		*ro.Spec.RevisionHistoryLimit != 3 || *ro.Spec.ProgressDeadlineSeconds != 300 ||
		c == nil || c.StableService != "web-stable" || c.CanaryService != "web-canary" ||
		c.MaxSurge.IntValue() != 1 || c.MaxUnavailable.IntValue() != 0 || len(c.Steps) != 6 ||
		*c.Steps[0].SetWeight != 20 || c.Steps[1].Pause.Duration.String() != "1m" ||
		*c.Steps[4].SetWeight != 80 || c.Steps[5].Pause.Duration.String() != "2m" {
		t.Errorf("rollout %+v", ro.Spec)
	}
	if len(ro.Annotations) != 1 || ro.Annotations["owner"] != "storefront@example.com" {
		t.Errorf("annotations %v", ro.Annotations)
	}
}

func TestConvertErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		line string
		code int
	}{
		{"malformed yaml", []string{"-f", "testdata/malformed.in.yaml"},
			"error: testdata/malformed.in.yaml#1: yaml: line 6: did not find expected ',' or ']'", exitFailure},
		{"wrong type after conversion", []string{"-f", "-"},
			`error: -#0: json: cannot unmarshal string into Go struct field RolloutSpec.spec.replicas of type int32`, exitFailure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stdin := "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: x\nspec:\n  replicas: three\n"
			r := runConvert(t, stdin, tc.args...)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d", r.code, tc.code)
			}
			if r.stdout != "" {
				t.Errorf("stdout on error: %q", r.stdout)
			}
			wantOneErrorLine(t, r, tc.line)
		})
	}
}

func TestRemoveField(t *testing.T) {
	obj := map[string]any{}
	if err := yaml.Unmarshal([]byte(`
spec:
  strategy:
    canary:
      steps:
      - setWeight: 10
      - experiment: {}
      - pause: {}
      analysis:
        analysisRunMetadata: {}
`), &obj); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"spec.strategy.canary.steps[1].experiment", "spec.strategy.canary.analysis.analysisRunMetadata"} {
		if !fieldpath.Remove(obj, path) {
			t.Fatalf("%s not removed", path)
		}
	}
	if fieldpath.Remove(obj, "spec.strategy.canary.steps[5].x") || fieldpath.Remove(obj, "spec.nothing") {
		t.Error("removed a field that is not there")
	}
	got, _ := yaml.Marshal(obj)
	want := "spec:\n  strategy:\n    canary:\n      steps:\n      - setWeight: 10\n      - pause: {}\n"
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// splitDocuments splits a YAML stream into its non-empty documents.
func splitDocuments(t *testing.T, stream string) [][]byte {
	t.Helper()
	reader := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(stream)))
	var docs [][]byte
	for {
		doc, err := reader.Read()
		if err == io.EOF {
			return docs
		}
		if err != nil {
			t.Fatal(err)
		}
		if hasContent(doc) {
			docs = append(docs, doc)
		}
	}
}

// decodeSluice decodes every sluice.dev document of the output strictly with the
// generated scheme.
func decodeSluice(t *testing.T, stream string) []any {
	t.Helper()
	dec := serializer.NewCodecFactory(sluicescheme.Scheme, serializer.EnableStrict).UniversalDeserializer()
	var objs []any
	for i, doc := range splitDocuments(t, stream) {
		var meta struct{ APIVersion string }
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
		if meta.APIVersion != sluiceAPIVersion {
			continue
		}
		obj, _, err := dec.Decode(doc, nil, nil)
		if err != nil {
			t.Fatalf("document %d does not decode strictly: %v\n%s", i, err, doc)
		}
		objs = append(objs, obj)
	}
	return objs
}

func assertSluiceObjectsDecodeStrictly(t *testing.T, stream string) {
	t.Helper()
	decodeSluice(t, stream)
}
