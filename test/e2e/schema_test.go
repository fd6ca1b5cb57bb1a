//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// rolloutWith returns a valid canary Rollout with parts replaced: spec lines are
// appended under spec (after selector), strategy replaces the strategy block.
func rolloutWith(name, specExtra, strategy string) string {
	if strategy == "" {
		strategy = `
    canary:
      steps:
      - setWeight: 50
      - pause: {}`
	}
	return `apiVersion: sluice.dev/v1alpha1
kind: Rollout
metadata:
  name: ` + name + `
spec:
  replicas: 2
  selector:
    matchLabels: {app: ` + name + `}
  template:
    metadata:
      labels: {app: ` + name + `}
    spec:
      containers:
      - name: app
        image: example/app:1` + specExtra + `
  strategy:` + strategy + "\n"
}

func templateWith(metric string) string {
	return `apiVersion: sluice.dev/v1alpha1
kind: AnalysisTemplate
metadata:
  name: t
spec:
  metrics:
  - name: m` + metric + "\n"
}

// TestSchemaRejectsBadRollouts covers every single-object rule of SPEC §7: the API
// server refuses the object with a message that names the field.
func TestSchemaRejectsBadRollouts(t *testing.T) {
	f := newTest(t)
	cases := []struct {
		name, manifest string
		want           []string
	}{
		{"both strategies", rolloutWith("a", "", `
    canary: {}
    blueGreen: {activeService: active}`), []string{"spec.strategy", "exactly one of canary or blueGreen"}},
		{"no strategy", rolloutWith("a", "", ` {}`), []string{"spec.strategy", "exactly one of canary or blueGreen"}},
		{"step with no action", rolloutWith("a", "", `
    canary:
      steps:
      - {}`), []string{"spec.strategy.canary.steps[0]", "exactly one of setWeight, pause"}},
		{"step with two actions", rolloutWith("a", "", `
    canary:
      steps:
      - {setWeight: 10, pause: {}}`), []string{"spec.strategy.canary.steps[0]", "exactly one of setWeight, pause"}},
		{"weight above 100", rolloutWith("a", "", `
    canary:
      steps:
      - setWeight: 101`), []string{"spec.strategy.canary.steps[0].setWeight", "less than or equal to 100"}},
		{"negative weight", rolloutWith("a", "", `
    canary:
      steps:
      - setWeight: -1`), []string{"spec.strategy.canary.steps[0].setWeight", "greater than or equal to 0"}},
		{"canary scale weight above 100", rolloutWith("a", "", `
    canary:
      stableService: s
      canaryService: c
      trafficRouting: {istio: {virtualService: {name: vs}}}
      steps:
      - setCanaryScale: {weight: 150}`), []string{"spec.strategy.canary.steps[0].setCanaryScale.weight", "less than or equal to 100"}},
		{"mirror percentage above 100", rolloutWith("a", "", `
    canary:
      stableService: s
      canaryService: c
      trafficRouting: {istio: {virtualService: {name: vs}}, managedRoutes: [{name: m}]}
      steps:
      - setMirrorRoute: {name: m, percentage: 101}`), []string{"spec.strategy.canary.steps[0].setMirrorRoute.percentage", "less than or equal to 100"}},
		{"surge and unavailable both 0", rolloutWith("a", "", `
    canary: {maxSurge: 0, maxUnavailable: 0}`), []string{"spec.strategy.canary", "maxSurge and maxUnavailable cannot both be 0"}},
		{"surge and unavailable both 0%", rolloutWith("a", "", `
    canary: {maxSurge: "0%", maxUnavailable: 0}`), []string{"spec.strategy.canary", "maxSurge and maxUnavailable cannot both be 0"}},
		{"surge not a percentage", rolloutWith("a", "", `
    canary: {maxSurge: "lots"}`), []string{"spec.strategy.canary.maxSurge", "should match"}},
		{"negative unavailable", rolloutWith("a", "", `
    canary: {maxUnavailable: -1}`), []string{"spec.strategy.canary.maxUnavailable", "must not be negative"}},
		{"selector does not match labels", strings.Replace(rolloutWith("a", "", ""), "matchLabels: {app: a}", "matchLabels: {app: b}", 1),
			[]string{"spec.selector.matchLabels must match spec.template.metadata.labels"}},
		{"stable equals canary service", rolloutWith("a", "", `
    canary: {stableService: web, canaryService: web}`), []string{"spec.strategy.canary", "must be different Services"}},
		{"traffic routing without services", rolloutWith("a", "", `
    canary:
      trafficRouting: {istio: {virtualService: {name: vs}}}`), []string{"spec.strategy.canary", "required with trafficRouting"}},
		{"two routers", rolloutWith("a", "", `
    canary:
      stableService: s
      canaryService: c
      trafficRouting: {istio: {virtualService: {name: vs}}, gatewayAPI: {httpRoute: r}}`), []string{"spec.strategy.canary.trafficRouting", "exactly one of istio or gatewayAPI"}},
		{"template with workloadRef", rolloutWith("a", `
  workloadRef: {kind: Deployment, name: web}`, ""), []string{"spec", "exactly one of template or workloadRef"}},
		{"unknown scaleDown", strings.Replace(rolloutWith("a", "", ""), "  template:\n", "  workloadRef: {kind: Deployment, name: web, scaleDown: sometimes}\n  template:\n", 1),
			[]string{"spec.workloadRef.scaleDown", "Unsupported value", "sometimes"}},
		{"unknown workload kind", strings.Replace(rolloutWith("a", "", ""), "  template:\n", "  workloadRef: {kind: StatefulSet, name: web}\n  template:\n", 1),
			[]string{"spec.workloadRef.kind", "Unsupported value"}},
		{"unknown pod template hash value", rolloutWith("a", "", `
    canary:
      steps:
      - analysis:
          templates: [{templateName: t}]
          args: [{name: h, valueFrom: {podTemplateHashValue: Newest}}]`), []string{"podTemplateHashValue", "Unsupported value", "Newest"}},
		{"bad pause duration", rolloutWith("a", "", `
    canary:
      steps:
      - pause: {duration: soon}`), []string{"spec.strategy.canary.steps[0].pause.duration"}},
		{"blue-green without active service", rolloutWith("a", "", `
    blueGreen: {previewService: p}`), []string{"spec.strategy.blueGreen.activeService", "Required value"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expectRejected(t, f.TryCreate(tc.manifest), tc.want)
		})
	}
}

func TestSchemaRejectsBadAnalysisTemplates(t *testing.T) {
	f := newTest(t)
	cases := []struct {
		name, manifest string
		want           []string
	}{
		{"count above 1 without interval", templateWith(`
    count: 5
    provider: {prometheus: {query: up}}`), []string{"spec.metrics[0]", "count greater than 1 needs an interval"}},
		{"two providers", templateWith(`
    provider: {prometheus: {query: up}, web: {url: "http://x"}}`), []string{"spec.metrics[0].provider", "exactly one of prometheus, web, job or judge"}},
		{"no provider", templateWith(`
    provider: {}`), []string{"spec.metrics[0].provider", "exactly one of prometheus, web, job or judge"}},
		{"unknown web method", templateWith(`
    provider: {web: {url: "http://x", method: DELETE}}`), []string{"spec.metrics[0].provider.web.method", "Unsupported value", "DELETE"}},
		{"duplicate metric names", templateWith(`
    provider: {prometheus: {query: up}}
  - name: m
    provider: {prometheus: {query: up}}`), []string{"spec.metrics[1]", "Duplicate value"}},
		{"bad interval", templateWith(`
    interval: often
    count: 2
    provider: {prometheus: {query: up}}`), []string{"spec.metrics[0].interval"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expectRejected(t, f.TryCreate(tc.manifest), tc.want)
		})
	}
}

func TestSchemaSelectorIsImmutable(t *testing.T) {
	f := newTest(t)
	err := f.TryUpdate(rolloutWith("imm", "", ""), func(ro *unstructured.Unstructured) {
		_ = unstructured.SetNestedStringMap(ro.Object, map[string]string{"app": "imm", "tier": "web"}, "spec", "selector", "matchLabels")
		_ = unstructured.SetNestedStringMap(ro.Object, map[string]string{"app": "imm", "tier": "web"}, "spec", "template", "metadata", "labels")
	})
	expectRejected(t, err, []string{"spec.selector", "spec.selector is immutable"})
}

// TestSchemaAcceptsGoodObjects: the shipped examples, Argo Rollouts' documented
// examples and the edge cases the rules must let through are all accepted.
func TestSchemaAcceptsGoodObjects(t *testing.T) {
	f := newTest(t)
	files, _ := filepath.Glob("../../manifests/examples/*.yaml")
	argo, _ := filepath.Glob("../../pkg/apis/rollouts/v1alpha1/testdata/argo/*.yaml")
	files = append(files, argo...)
	if len(files) < 8 {
		t.Fatalf("found only %d example files", len(files))
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.TryCreate(string(raw)); err != nil {
			t.Errorf("%s rejected: %v", file, err)
		}
	}
	good := map[string]string{
		"count 1 without interval": templateWith(`
    count: 1
    provider: {prometheus: {query: up}}`),
		"templated count without interval": templateWith(`
    count: "{{args.n}}"
    provider: {prometheus: {query: up}}`),
		"count with interval": templateWith(`
    count: 3
    interval: 1m30s
    provider: {web: {url: "http://x", jsonBody: {a: [1, 2]}}}`),
		"surge 0 with unavailable 1": rolloutWith("s", "", `
    canary: {maxSurge: 0, maxUnavailable: 1}`),
		"pause durations": rolloutWith("p", "", `
    canary:
      steps:
      - pause: {duration: 30}
      - pause: {duration: 30s}
      - pause: {duration: 5m}
      - setWeight: 0
      - setWeight: 100`),
		"workloadRef without template": `apiVersion: sluice.dev/v1alpha1
kind: Rollout
metadata: {name: w}
spec:
  selector: {matchLabels: {app: w}}
  workloadRef: {kind: Deployment, name: web, scaleDown: progressively}
  strategy: {canary: {}}
`,
	}
	for name, manifest := range good {
		if err := f.TryCreate(manifest); err != nil {
			t.Errorf("%s rejected: %v", name, err)
		}
	}
}

func expectRejected(t *testing.T, err error, want []string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted; want an error containing %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error does not mention %q:\n%v", w, err)
		}
	}
}
