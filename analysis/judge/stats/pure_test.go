package stats

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsNothingFromKubernetesOrSluice keeps the statistics pure: they
// must run (and be checked) without a cluster or the API types.
func TestImportsNothingFromKubernetesOrSluice(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "k8s.io/") || strings.HasPrefix(dep, "sigs.k8s.io/") ||
			(strings.HasPrefix(dep, "github.com/sluice-dev/sluice/") && dep != "github.com/sluice-dev/sluice/analysis/judge/stats") {
			t.Errorf("imports %s", dep)
		}
	}
}
