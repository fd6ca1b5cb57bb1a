package judge

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsNothingFromKubernetesOrTheAPI keeps the judge pure: plain values
// in and out, so it is tested (and used by `kubectl sluice analyze`) without
// a cluster; only its own statistics package may be imported from sluice.
func TestImportsNothingFromKubernetesOrTheAPI(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	allowed := map[string]bool{
		"github.com/sluice-dev/sluice/analysis/judge":       true,
		"github.com/sluice-dev/sluice/analysis/judge/stats": true,
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "k8s.io/") || strings.HasPrefix(dep, "sigs.k8s.io/") ||
			(strings.HasPrefix(dep, "github.com/sluice-dev/sluice/") && !allowed[dep]) {
			t.Errorf("imports %s", dep)
		}
	}
}
