package lint

import (
	"strings"
	"testing"
)

// catalogueRollout is a valid canary Rollout; each row of the catalogue
// replaces one part of it.
const catalogueRollout = `apiVersion: sluice.dev/v1alpha1
kind: Rollout
metadata:
  name: web
spec:
  replicas: 5
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers: [{name: web, image: "web:1"}]
  strategy:
    canary:
      stableService: web-stable
      canaryService: web-canary
      steps:
      - setWeight: 20
      - pause: {}
`

// catalogueTemplate is a valid AnalysisTemplate for the analysis rows.
const catalogueTemplate = `apiVersion: sluice.dev/v1alpha1
kind: AnalysisTemplate
metadata:
  name: checks
spec:
  metrics:
  - name: error-rate
    interval: 1m
    count: 3
    successCondition: result[0] < 0.05
    provider:
      prometheus: {query: 'sum(rate(errors[5m]))'}
`

// TestLintBadInputCatalogue is SPEC §7's rows that the API server rejects (the
// CRD schema and its CEL rules), checked offline by lint, plus what the
// fuzzers found: each bad manifest gets exactly one specific error line and
// lint fails. The one row lint cannot check offline is the changed selector
// (a transition rule on oldSelf needs the stored object).
func TestLintBadInputCatalogue(t *testing.T) {
	for _, row := range []struct {
		name     string
		manifest string
		want     string
	}{
		{"both strategies",
			strings.Replace(catalogueRollout, "  strategy:\n", "  strategy:\n    blueGreen: {activeService: web-active}\n", 1),
			"error: in.yaml: document 1 (Rollout/web): spec.strategy: both canary and blueGreen are set; set exactly one of them",
		},
		{"neither strategy",
			catalogueRollout[:strings.Index(catalogueRollout, "  strategy:")] + "  strategy: {}\n",
			"error: in.yaml: document 1 (Rollout/web): spec.strategy: neither canary nor blueGreen is set; set exactly one of them",
		},
		{"a step with no action",
			strings.Replace(catalogueRollout, "- pause: {}", "- {}", 1),
			"error: in.yaml: document 1 (Rollout/web): spec.strategy.canary.steps[1]: none is set; set exactly one of setWeight, pause, analysis, setCanaryScale, setHeaderRoute or setMirrorRoute",
		},
		{"a step with two actions",
			strings.Replace(catalogueRollout, "- pause: {}", "- {pause: {}, setWeight: 40}", 1),
			"error: in.yaml: document 1 (Rollout/web): spec.strategy.canary.steps[1]: setWeight and pause are set; set exactly one of setWeight, pause, analysis, setCanaryScale, setHeaderRoute or setMirrorRoute",
		},
		{"weight above 100",
			strings.Replace(catalogueRollout, "setWeight: 20", "setWeight: 101", 1),
			"error: in.yaml: document 1 (Rollout/web): spec.strategy.canary.steps[0].setWeight: must be at most 100, got 101",
		},
		{"weight below 0",
			strings.Replace(catalogueRollout, "setWeight: 20", "setWeight: -1", 1),
			"error: in.yaml: document 1 (Rollout/web): spec.strategy.canary.steps[0].setWeight: must be at least 0, got -1",
		},
		{"maxSurge and maxUnavailable both 0",
			strings.Replace(catalogueRollout, "      stableService:", "      maxSurge: 0\n      maxUnavailable: \"0%\"\n      stableService:", 1),
			"error: in.yaml: document 1 (Rollout/web): spec.strategy.canary: maxSurge and maxUnavailable are both 0, so no pod could ever be replaced; make one of them greater than 0",
		},
		{"selector not matching the template labels",
			strings.Replace(catalogueRollout, "labels: {app: web}", "labels: {app: api}", 1),
			"error: in.yaml: document 1 (Rollout/web): spec.selector: matchLabels app=web does not match spec.template.metadata.labels, which has app=api",
		},
		{"stable and canary the same Service",
			strings.Replace(catalogueRollout, "canaryService: web-canary", "canaryService: web-stable", 1),
			"error: in.yaml: document 1 (Rollout/web): " + `spec.strategy.canary.canaryService: stableService and canaryService are both "web-stable"; they must be different Services`,
		},
		{"template together with workloadRef",
			strings.Replace(catalogueRollout, "  template:\n", "  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  template:\n", 1),
			"error: in.yaml: document 1 (Rollout/web): spec: both template and workloadRef are set; set exactly one: template for the Rollout's own pod template, or workloadRef to use a Deployment's",
		},
		{"unknown enum value",
			strings.Replace(catalogueTemplate, "prometheus: {query: 'sum(rate(errors[5m]))'}", "web: {url: 'http://checks/errors', method: PATCH}", 1),
			"error: in.yaml: document 1 (AnalysisTemplate/checks): " + `spec.metrics[0].provider.web.method: "PATCH" is not one of GET, POST, PUT`,
		},
		{"count above 1 without interval",
			strings.Replace(catalogueTemplate, "    interval: 1m\n", "", 1),
			"error: in.yaml: document 1 (AnalysisTemplate/checks): spec.metrics[0].interval: required with count 3: set the time between measurements, e.g. interval: 1m",
		},
		{"pause longer than a duration holds (FuzzRollout)",
			strings.Replace(catalogueRollout, "- pause: {}", `- pause: {duration: "18446744074"}`, 1),
			"error: in.yaml: document 1 (Rollout/web): " + `spec.strategy.canary.steps[1].pause.duration: invalid pause duration "18446744074": more than 9223372036 seconds: use seconds ("30" or 30) or a number with s, m or h ("5m")`,
		},
		{"a name over two lines stays one finding line (FuzzLint)",
			strings.Replace(catalogueRollout, "  name: web\n", "  name: web\n\n    x\n", 1),
			`error: in.yaml: document 1 (Rollout/web\nx): metadata.name: "web\nx" is not a valid name: ` +
				`a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character ` +
				`(e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
		},
	} {
		t.Run(row.name, func(t *testing.T) {
			out, errors := lintOnce([]byte(row.manifest), false)
			want := row.want + "\n1 error, 0 warnings in 1 document\n"
			if out != want || errors != 1 {
				t.Errorf("lint (%d errors):\n%s\nwant:\n%s", errors, out, want)
			}
		})
	}
}
