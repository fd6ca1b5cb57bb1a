package plan

import (
	"os/exec"
	"strings"
	"testing"
)

// TestPlanImportsNoClient keeps planning pure: nothing it imports, directly or
// through a shared type, may bring in an API client (DESIGN §1).
func TestPlanImportsNoClient(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "k8s.io/client-go") || strings.Contains(dep, "/rollout/trafficrouting") {
			t.Errorf("rollout/plan depends on %s", dep)
		}
	}
}
