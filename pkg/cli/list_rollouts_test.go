package cli

import (
	"testing"

	"k8s.io/apimachinery/pkg/runtime"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

func listFixture() []runtime.Object {
	web := canaryRollout()
	api := healthyRollout()
	api.Name, api.UID = "api", "uid-api"
	worker := canaryRollout()
	worker.Name, worker.Namespace, worker.UID = "worker", "jobs", "uid-worker"
	worker.Spec.Strategy = v1alpha1.RolloutStrategy{BlueGreen: &v1alpha1.BlueGreenStrategy{ActiveService: "worker"}}
	worker.Status = v1alpha1.RolloutStatus{ObservedGeneration: 2, Phase: v1alpha1.RolloutPhaseProgressing, ReadyReplicas: 2, UpdatedReplicas: 2, AvailableReplicas: 2}
	return []runtime.Object{web, api, worker}
}

func TestListRollouts(t *testing.T) {
	c := newFakeCluster(t, listFixture()...)
	r := c.run("list", "rollouts")
	wantExit(t, r, 0)
	golden(t, "list-rollouts.txt", r.stdout)

	r = c.run("list", "rollouts", "-A")
	wantExit(t, r, 0)
	golden(t, "list-rollouts-all-namespaces.txt", r.stdout)
}

func TestListRolloutsEmpty(t *testing.T) {
	c := newFakeCluster(t, listFixture()...)
	r := c.run("list", "ro", "-n", "empty")
	if r.code != 0 || r.stdout != "" || r.stderr != "No rollouts found in namespace \"empty\".\n" {
		t.Errorf("got %+v", r)
	}
}
