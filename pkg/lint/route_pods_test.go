package lint

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLintRouteWithoutCanaryPods: a header route step that comes while the
// canary has no pods is a warning on that step (the mirror route after a
// setWeight is fine); the Istio example, which gives the canary a pod first,
// is clean even with --strict.
func TestLintRouteWithoutCanaryPods(t *testing.T) {
	const file = "testdata/route-pods/header-before-pods.yaml"
	r := runLint(t, "", "-f", file, "--strict")
	wantExit(t, r, 0)
	findings, summary := lintLines(t, r.stdout)
	want := []string{"warning: " + file + ": document 4 (Rollout/shop): spec.strategy.canary.steps[0].setHeaderRoute: " +
		"comes while the canary has no pods: it still has none at step 2, so the router gets no route " +
		"(a header or mirror route goes only to a canary with available pods); give the canary pods first, " +
		"e.g. a setCanaryScale step with replicas: 1"}
	if diff := cmp.Diff(want, findings); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if summary != "0 errors, 1 warning, 0 notes in 4 documents" {
		t.Errorf("summary %q", summary)
	}

	r = runLint(t, "", "-f", "../../manifests/examples/istio-canary.yaml", "--strict")
	wantExit(t, r, 0)
	if findings, summary := lintLines(t, r.stdout); len(findings) > 0 || !strings.HasPrefix(summary, "0 errors, 0 warnings, 0 notes") {
		t.Errorf("the Istio example:\n%s", r.stdout)
	}
}
