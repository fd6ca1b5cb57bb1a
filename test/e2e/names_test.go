//go:build e2e

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/test/e2e/framework"
)

// longRolloutName has the 63 characters a name may have before a Service or a
// label value would refuse it. Its ReplicaSets' pods get generated names cut to
// 58 characters plus 5 random ones, so no pod name shows the hash.
var longRolloutName = "checkout-" + strings.Repeat("x", 63-len("checkout-"))

// TestLongNameCanaryCompletes: a canary Rollout with a 63-character name finishes
// its cutover (the EndpointSlices are matched by the pods' hash label, not their
// names), and the stable Service always has a ready endpoint on the way.
func TestLongNameCanaryCompletes(t *testing.T) {
	f := newTest(t)
	f.Apply(fmt.Sprintf(`
apiVersion: v1
kind: Service
metadata: {name: long-stable}
spec:
  selector: {app: long}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: long-canary}
spec:
  selector: {app: long}
  ports: [{port: 80}]
---
apiVersion: sluice.dev/v1alpha1
kind: Rollout
metadata: {name: %s}
spec:
  replicas: 3
  selector: {matchLabels: {app: long}}
  template:
    metadata: {labels: {app: long}}
    spec:
      containers: [{name: web, image: %s}]
  strategy:
    canary:
      stableService: long-stable
      canaryService: long-canary
      steps:
      - setWeight: 50
      - pause: {duration: 1s}
`, longRolloutName, imageV1))
	first := f.WaitForPhase(longRolloutName, v1alpha1.RolloutPhaseHealthy, 60*time.Second).Status.StableRS
	f.Eventually("the stable Service has ready endpoints", 30*time.Second, func() (bool, string) {
		n, err := framework.ReadyEndpoints(f, "long-stable")
		return n > 0, fmt.Sprint(n, err)
	})
	sampler := f.SampleEndpoints("long-stable")
	for _, pod := range f.PodNames(framework.HashLabel + "=" + first) {
		if strings.Contains(pod, first) {
			t.Fatalf("pod %s carries the hash in its name; the test needs truncated names", pod)
		}
	}

	f.SetImage(longRolloutName, imageV2)
	ro := f.WaitForRollout(longRolloutName, "is Healthy on the new template", 90*time.Second, func(ro *v1alpha1.Rollout) bool {
		return ro.Status.ObservedGeneration == ro.Generation && ro.Status.Phase == v1alpha1.RolloutPhaseHealthy &&
			ro.Status.StableRS != first && ro.Status.StableRS == ro.Status.CurrentPodHash
	})
	if got := f.ServiceSelects("long-stable"); got != ro.Status.StableRS {
		t.Fatalf("stable Service selects %q, want the new stable %q", got, ro.Status.StableRS)
	}
	if img := ro.Spec.Template.Spec.Containers[0].Image; img != imageV2 {
		t.Fatalf("image %s, want %s", img, imageV2)
	}
	sampler.ExpectNeverEmpty(f, "long-stable")
}

// TestReleaseServicesWhenRolloutDeleted: deleting a Rollout takes the hash label
// out of its Services' selectors (and the managed-by annotation off them), so
// they select by their own labels again instead of selecting nothing.
func TestReleaseServicesWhenRolloutDeleted(t *testing.T) {
	f := newTest(t)
	f.Apply(services("web") + "---" + canaryRollout("web", 2, demoSteps, "", ""))
	hash := f.WaitForPhase("web", v1alpha1.RolloutPhaseHealthy, 60*time.Second).Status.StableRS
	f.WaitForRollout("web", "has both Services on the first ReplicaSet", 30*time.Second, func(*v1alpha1.Rollout) bool {
		return f.ServiceSelects("web-stable") == hash && f.ServiceSelects("web-canary") == hash
	})

	if err := f.Sluice.SluiceV1alpha1().Rollouts(f.Namespace).Delete(f.Ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"web-stable", "web-canary"} {
		expectReleased(f, name, 10*time.Second)
	}
}

// TestReleaseServicesNoLongerNamed: a Rollout that stops naming a Service
// releases it, and points the Service it names now.
func TestReleaseServicesNoLongerNamed(t *testing.T) {
	f := newTest(t)
	f.Apply(services("web") + `---
apiVersion: v1
kind: Service
metadata: {name: web-preview}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---` + canaryRollout("web", 2, demoSteps, "", ""))
	hash := f.WaitForPhase("web", v1alpha1.RolloutPhaseHealthy, 60*time.Second).Status.StableRS
	f.WaitForRollout("web", "has the canary Service on the first ReplicaSet", 30*time.Second, func(*v1alpha1.Rollout) bool {
		return f.ServiceSelects("web-canary") == hash
	})

	f.PatchSpec("web", map[string]any{"strategy": map[string]any{"canary": map[string]any{"canaryService": "web-preview"}}})
	f.WaitForRollout("web", "points the Service it names now", 10*time.Second, func(*v1alpha1.Rollout) bool {
		return f.ServiceSelects("web-preview") == hash
	})
	expectReleased(f, "web-canary", 10*time.Second)
	if got := f.ServiceSelects("web-stable"); got != hash {
		t.Fatalf("the stable Service, still named, selects %q, want %q", got, hash)
	}
}

// expectReleased waits until a Service's selector has no hash label and the
// Service no managed-by annotation, and checks its own selector is intact.
func expectReleased(f *framework.Framework, service string, timeout time.Duration) {
	f.T.Helper()
	f.Eventually("Service "+service+" is released", timeout, func() (bool, string) {
		svc, err := f.Kube.CoreV1().Services(f.Namespace).Get(f.Ctx, service, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		_, hashed := svc.Spec.Selector[framework.HashLabel]
		_, managed := svc.Annotations["sluice.dev/managed-by"]
		return !hashed && !managed && svc.Spec.Selector["app"] == "web", fmt.Sprintf("selector %v annotations %v", svc.Spec.Selector, svc.Annotations)
	})
}
