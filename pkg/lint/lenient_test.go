package lint

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// lenientRollout is a valid routed canary with its Services; each case below
// replaces one line of it to write values of the wrong type.
const lenientRollout = `apiVersion: v1
kind: Service
metadata: {name: web-stable}
spec:
  selector: {app: web}
---
apiVersion: v1
kind: Service
metadata: {name: web-canary}
spec:
  selector: {app: web}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web}
spec:
  http:
  - route:
    - destination: {host: web-stable}
      weight: 100
    - destination: {host: web-canary}
      weight: 0
---
apiVersion: sluice.dev/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: example/app:1
  strategy:
    canary:
      stableService: web-stable
      canaryService: web-canary
      dynamicStableScale: true
      trafficRouting:
        managedRoutes: [{name: beta}]
        istio:
          virtualService: {name: web}
      steps:
      - setCanaryScale: {replicas: 1}
      - setHeaderRoute: {name: beta, match: [{headerName: x-beta, headerValue: {exact: "1"}}]}
      - setWeight: 20
      - pause: {}
      - setWeight: 40
`

// A value of the wrong type is reported, every other value is still checked,
// and the rules that would only see the bad value missing stay quiet.
func TestLintGoesPastWrongTypes(t *testing.T) {
	const doc = "error: <stdin>: document 4 (Rollout/web): "
	for _, tc := range []struct {
		name     string
		old, new string
		findings []string
	}{
		{
			name: "every wrong value of one field, and what else is wrong",
			old:  "      - setWeight: 40\n", new: "      - setWeight: 40%\n      - setWeight: 50\n        sidecar: true\n      - setWeight: half\n",
			findings: []string{
				doc + `spec.strategy.canary.steps[4].setWeight: expected an integer (int32), got the string "40%"`,
				doc + `spec.strategy.canary.steps[6].setWeight: expected an integer (int32), got the string "half"`,
				doc + `spec.strategy.canary.steps[5].sidecar: unknown field "sidecar"`,
			},
		},
		{
			name: "pod labels of the wrong type: no selector mismatch for the labels lint could not read",
			old:  "      labels: {app: web}\n", new: "      labels: {app: 1}\n",
			findings: []string{
				doc + `spec.template.metadata.labels[app]: expected a string, got the number 1`,
			},
		},
		{
			name: "a selector value of the wrong type: no selector mismatch for the value lint could not read",
			old:  "    matchLabels: {app: web}\n", new: "    matchLabels: {app: 1}\n",
			findings: []string{
				doc + `spec.selector.matchLabels[app]: expected a string, got the number 1`,
			},
		},
		{
			name: "trafficRouting of the wrong type: no warnings for fields that need a router",
			old:  "        managedRoutes: [{name: beta}]\n", new: "        managedRoutes: beta\n",
			findings: []string{
				doc + `spec.strategy.canary.trafficRouting.managedRoutes: expected a list, got the string "beta"`,
			},
		},
		{
			name: "a Service name of the wrong type: its own error, no router or selector errors",
			old:  "      canaryService: web-canary\n", new: "      canaryService: 7\n",
			findings: []string{
				doc + `spec.strategy.canary.canaryService: expected a string, got the number 7`,
			},
		},
		{
			name: "a quantity that does not parse, and a container name that is not valid",
			old:  "      - name: app\n", new: "      - name: App\n        resources: {limits: {cpu: lots}}\n",
			findings: []string{
				doc + `spec.template.spec.containers[0].resources.limits[cpu]: expected a quantity such as "500m" or "1Gi", got the string "lots"`,
				doc + `spec.template.spec.containers[0].name: "App" is not a valid container name: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(lenientRollout, tc.old) {
				t.Fatalf("the Rollout has no line %q", tc.old)
			}
			r := runLint(t, strings.Replace(lenientRollout, tc.old, tc.new, 1), "-f", "-")
			wantExit(t, r, exitFailure)
			findings, _ := lintLines(t, r.stdout)
			if diff := cmp.Diff(tc.findings, findings); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLintValidLenientRollout(t *testing.T) {
	r := runLint(t, lenientRollout, "-f", "-")
	wantExit(t, r, 0)
	if r.stdout != "0 errors, 0 warnings in 4 documents\n" {
		t.Errorf("got:\n%s", r.stdout)
	}
}

// A template with a value of the wrong type is not used to judge the Rollouts
// that name it: its arguments and metrics are not all known.
func TestLintTemplateOfWrongTypeIsNotJudgedAgainst(t *testing.T) {
	files := `apiVersion: sluice.dev/v1alpha1
kind: AnalysisTemplate
metadata: {name: checks}
spec:
  args: [service]
  metrics:
  - name: up
    provider: {prometheus: {query: "up"}}
---
apiVersion: sluice.dev/v1alpha1
kind: Rollout
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: example/app:1}]}
  strategy:
    canary:
      steps:
      - analysis:
          templates: [{templateName: checks}]
          args: [{name: service, value: web}]
`
	r := runLint(t, files, "-f", "-")
	wantExit(t, r, exitFailure)
	want := []string{`error: <stdin>: document 1 (AnalysisTemplate/checks): spec.args[0]: expected an object, got the string "service"`}
	if findings, _ := lintLines(t, r.stdout); !cmp.Equal(want, findings) {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(findings, "\n"), strings.Join(want, "\n"))
	}
}

// In a template, rules that substitute an argument whose name or value did not
// decode are skipped; the others still run.
func TestLintTemplateWithArgsOfWrongType(t *testing.T) {
	template := `apiVersion: sluice.dev/v1alpha1
kind: AnalysisTemplate
metadata: {name: checks}
spec:
  args: [service, {name: limit, value: 5}]
  dryRun: [{metricName: latency}]
  metrics:
  - name: up
    successCondition: result[0] <
    failureCondition: result[0] > {{args.limit}} +
    provider: {prometheus: {query: "up{service='{{args.service}}'}"}}
  - name: [latency]
    provider: {prometheus: {query: "up"}}
`
	r := runLint(t, template, "-f", "-")
	wantExit(t, r, exitFailure)
	const doc = "error: <stdin>: document 1 (AnalysisTemplate/checks): "
	want := []string{
		doc + `spec.args[0]: expected an object, got the string "service"`,
		doc + `spec.args[1].value: expected a string, got the number 5`,
		doc + `spec.metrics[1].name: expected a string, got a list`,
		doc + `spec.metrics[0].successCondition: "result[0] <" does not compile: unexpected token EOF (1:11)`,
	}
	if findings, _ := lintLines(t, r.stdout); !cmp.Equal(want, findings) {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(findings, "\n"), strings.Join(want, "\n"))
	}
}
