package lint

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLintMergedTemplateArgs: lint merges the arguments of an analysis's
// templates as the controller does. An argument one template leaves to the
// caller and another gives a value is not missing; two different values are an
// error (the Rollout would be InvalidSpec) unless the analysis passes it.
func TestLintMergedTemplateArgs(t *testing.T) {
	path := "testdata/lint/bad-merged-args.yaml"
	r := runLint(t, "", "-f", path)
	wantExit(t, r, exitFailure)
	findings, _ := lintLines(t, r.stdout)
	want := []string{
		"error: " + path + `: document 3 (Rollout/web): spec.strategy.canary.steps[0].analysis.templates[1]: argument "region" has different values in template "http" and template "latency"; give it the same value in both, or pass it in args`,
	}
	if diff := cmp.Diff(want, findings); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}
