//go:build e2e

package e2e

import (
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/test/e2e/framework"
)

const migrationDeployment = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: legacy}
spec:
  replicas: 4
  selector: {matchLabels: {app: mig}}
  template:
    metadata: {labels: {app: mig}}
    spec:
      containers: [{name: web, image: example/web:1}]
---
apiVersion: v1
kind: Service
metadata: {name: mig}
spec:
  selector: {app: mig}
  ports: [{port: 80}]
`

func workloadRollout(scaleDown string) string {
	return fmt.Sprintf(`
apiVersion: sluice.dev/v1alpha1
kind: Rollout
metadata: {name: mig}
spec:
  replicas: 4
  selector: {matchLabels: {app: mig}}
  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: legacy, scaleDown: %s}
  strategy:
    canary:
      steps:
      - setWeight: 50
      - pause: {}
`, scaleDown)
}

// TestWorkloadRefMigration moves a Deployment's traffic to a Rollout with each
// scaleDown mode; a Service on the app label never drops below 4 ready endpoints.
func TestWorkloadRefMigration(t *testing.T) {
	for _, mode := range []string{"never", "onsuccess", "progressively"} {
		t.Run(mode, func(t *testing.T) {
			f := newTest(t)
			f.Apply(migrationDeployment)
			f.Eventually("the Deployment serves 4 ready endpoints", 60*time.Second, func() (bool, string) {
				n, err := framework.ReadyEndpoints(f, "mig")
				return n == 4, fmt.Sprint(n, err)
			})
			sampler := f.SampleEndpoints("mig")
			f.Apply(workloadRollout(mode))
			ro := f.WaitForPhase("mig", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
			if ro.Status.AvailableReplicas != 4 {
				t.Fatalf("Rollout Healthy with %d available pods", ro.Status.AvailableReplicas)
			}
			want := map[string]int32{"never": 4, "onsuccess": 0, "progressively": 0}[mode]
			f.Eventually(fmt.Sprintf("the Deployment is at %d", want), 30*time.Second, func() (bool, string) {
				dep, err := f.Kube.AppsV1().Deployments(f.Namespace).Get(f.Ctx, "legacy", metav1.GetOptions{})
				if err != nil {
					return false, err.Error()
				}
				return *dep.Spec.Replicas == want && dep.Status.Replicas == want, fmt.Sprintf("spec %d, %d pods", *dep.Spec.Replicas, dep.Status.Replicas)
			})
			sampler.ExpectAtLeast(f, "mig", 4)
		})
	}
}

// TestWorkloadRefTemplateChangeStartsCanary: a new image in the Deployment is a
// new revision of the Rollout, released through its steps.
func TestWorkloadRefTemplateChangeStartsCanary(t *testing.T) {
	f := newTest(t)
	f.Apply(migrationDeployment)
	f.Apply(workloadRollout("onsuccess"))
	first := f.WaitForPhase("mig", v1alpha1.RolloutPhaseHealthy, 60*time.Second).Status.StableRS
	patch := []byte(`{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"example/web:2"}]}}}}`)
	if _, err := f.Kube.AppsV1().Deployments(f.Namespace).Patch(f.Ctx, "legacy", "application/strategic-merge-patch+json", patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	ro := f.WaitForPausedAtStep("mig", 1, 60*time.Second)
	rss := f.ReplicaSets("mig")
	if ro.Status.CurrentPodHash == first || replicasOf(rss[ro.Status.CurrentPodHash]) != 2 || replicasOf(rss[first]) != 2 {
		t.Fatalf("the Deployment's new template did not start a canary at 50%%: %s", framework.Describe(ro))
	}
	dep, err := f.Kube.AppsV1().Deployments(f.Namespace).Get(f.Ctx, "legacy", metav1.GetOptions{})
	if err != nil || *dep.Spec.Replicas != 0 {
		t.Fatalf("the scaled-down Deployment came back: %v %v", dep.Spec.Replicas, err)
	}
}
