package lint

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// judgedRollout is a canary without a router, with a baseline and analysis
// steps that pass the baseline's hash at weights 20 and 100.
const judgedRollout = `
apiVersion: sluice.dev/v1alpha1
kind: Rollout
metadata: {name: api}
spec:
  replicas: 4
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: api, image: "ghcr.io/example/api:3.1.0"}]
  strategy:
    canary:
      baseline: {}
      steps:
      - setWeight: 20
      - analysis: &judge
          templates: [{templateName: http-judge, clusterScope: true}]
          args:
          - {name: canary-hash, valueFrom: {podTemplateHashValue: Latest}}
          - {name: baseline-hash, valueFrom: {podTemplateHashValue: Baseline}}
      - setWeight: 100
      - analysis: *judge
`

// TestLintJudgeStepWithoutBaseline: an analysis step that takes the
// baseline's hash where no baseline runs (weight 100) is a warning on that
// step; the one at 20% is fine.
func TestLintJudgeStepWithoutBaseline(t *testing.T) {
	r := runLint(t, judgedRollout, "-f", "-")
	wantExit(t, r, 0)
	findings, _ := lintLines(t, r.stdout)
	var baseline []string
	for _, f := range findings {
		if strings.Contains(f, "baseline") {
			baseline = append(baseline, f)
		}
	}
	want := []string{"warning: <stdin>: document 1 (Rollout/api): spec.strategy.canary.steps[3].analysis: argument \"baseline-hash\" is the baseline's hash, " +
		"but at weight 100 no baseline runs (a baseline runs at weights 1 to 99), so the analysis finds no baseline pods; judge at a weight where it runs"}
	if diff := cmp.Diff(want, baseline); diff != "" {
		t.Errorf("findings (-want +got):\n%s\nall:\n%s", diff, r.stdout)
	}
}
