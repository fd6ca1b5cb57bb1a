package cli

import (
	"testing"
)

func TestPlanFromFiles(t *testing.T) {
	c := newFakeCluster(t)
	r := c.run("plan", "-f", "../../manifests/examples/canary.yaml", "-f", "../../manifests/examples/analysistemplate.yaml")
	wantExit(t, r, 0)
	golden(t, "plan-canary.txt", r.stdout)
}

func TestPlanBlueGreenWithMissingTemplate(t *testing.T) {
	c := newFakeCluster(t)
	r := c.run("plan", "-f", "../../manifests/examples/bluegreen.yaml", "--pod-ready", "20s")
	wantExit(t, r, 0)
	golden(t, "plan-bluegreen.txt", r.stdout)
}

func TestPlanFromCluster(t *testing.T) {
	c := newFakeCluster(t, canaryRollout())
	r := c.run("plan", "web")
	wantExit(t, r, 0)
	golden(t, "plan-cluster.txt", r.stdout)
}

func TestPlanNeedsNameOrFile(t *testing.T) {
	c := newFakeCluster(t)
	wantExit(t, c.run("plan"), ExitUsage)
	wantExit(t, c.run("plan", "web", "-f", "x.yaml"), ExitUsage)
	r := c.run("plan", "-f", "../../manifests/examples/analysistemplate.yaml")
	wantOneErrorLine(t, r, "error: no sluice.dev/v1alpha1 Rollout in the input")
}
