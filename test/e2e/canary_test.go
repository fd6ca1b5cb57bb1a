//go:build e2e

package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/test/e2e/framework"
)

const (
	imageV1 = "example/web:1"
	imageV2 = "example/web:2"
	imageV3 = "example/web:3"
)

// services are the stable and canary Services a canary Rollout named web uses.
func services(name string) string {
	return fmt.Sprintf(`
apiVersion: v1
kind: Service
metadata: {name: %[1]s-stable}
spec:
  selector: {app: %[1]s}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: %[1]s-canary}
spec:
  selector: {app: %[1]s}
  ports: [{port: 80}]
`, name)
}

// canaryRollout is a canary Rollout with the given replicas, steps (YAML list
// items indented for the steps field) and extra canary or spec fields.
func canaryRollout(name string, replicas int, steps, canaryExtra, specExtra string) string {
	return fmt.Sprintf(`
apiVersion: sluice.dev/v1alpha1
kind: Rollout
metadata: {name: %[1]s}
spec:
  replicas: %[2]d
  selector: {matchLabels: {app: %[1]s}}
  template:
    metadata: {labels: {app: %[1]s}}
    spec:
      containers: [{name: web, image: %[3]s}]%[6]s
  strategy:
    canary:
      stableService: %[1]s-stable
      canaryService: %[1]s-canary%[5]s
      steps:%[4]s
`, name, replicas, imageV1, steps, canaryExtra, specExtra)
}

const demoSteps = `
      - setWeight: 20
      - pause: {duration: 5s}
      - setWeight: 50
      - pause: {}`

// deployHealthy applies Services and a Rollout and waits for the first deploy.
// From then until the test ends the stable Service is sampled: it must never be
// without a ready endpoint (SPEC §2.7 rule 1), whatever the test does.
func deployHealthy(f *framework.Framework, manifest string) *v1alpha1.Rollout {
	f.T.Helper()
	f.Apply(services("web") + "---" + manifest)
	ro := f.WaitForPhase("web", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
	f.Eventually("the stable Service has ready endpoints", 30*time.Second, func() (bool, string) {
		n, err := framework.ReadyEndpoints(f, "web-stable")
		return n > 0, fmt.Sprint(n, err)
	})
	sampler := f.SampleEndpoints("web-stable")
	f.T.Cleanup(func() {
		if !f.T.Failed() {
			sampler.ExpectNeverEmpty(f, "web-stable")
		}
	})
	return ro
}

// podsOf counts a ReplicaSet's desired replicas.
func replicasOf(rs *appsv1.ReplicaSet) int32 {
	if rs == nil || rs.Spec.Replicas == nil {
		return 0
	}
	return *rs.Spec.Replicas
}

func TestCanaryFirstDeployThenStepsToPromotion(t *testing.T) {
	f := newTest(t)
	first := deployHealthy(f, canaryRollout("web", 5, demoSteps, "", ""))
	stableHash := first.Status.StableRS
	if len(f.ReplicaSets("web")) != 1 || first.Status.AvailableReplicas != 5 {
		t.Fatalf("first deploy did not go straight to 5 available pods: %s", framework.Describe(first))
	}
	f.WaitForRollout("web", "has both Services on the first ReplicaSet", 30*time.Second, func(*v1alpha1.Rollout) bool {
		return f.ServiceSelects("web-stable") == stableHash && f.ServiceSelects("web-canary") == stableHash
	})
	f.SetImage("web", imageV2)
	ro := f.WaitForPausedAtStep("web", 1, 60*time.Second)
	canaryHash := ro.Status.CurrentPodHash
	rss := f.ReplicaSets("web")
	if replicasOf(rss[canaryHash]) != 1 || replicasOf(rss[stableHash]) != 4 {
		t.Fatalf("at setWeight 20 of 5 replicas want canary 1 / stable 4, got %d / %d", replicasOf(rss[canaryHash]), replicasOf(rss[stableHash]))
	}
	if got := f.ServiceSelects("web-canary"); got != canaryHash {
		t.Fatalf("canary Service selects %q, want the canary %q", got, canaryHash)
	}
	if got := f.ServiceSelects("web-stable"); got != stableHash {
		t.Fatalf("stable Service moved during the canary: %q", got)
	}

	// The timed pause ends by itself; the rollout stops at the indefinite pause.
	ro = f.WaitForPausedAtStep("web", 3, 30*time.Second)
	rss = f.ReplicaSets("web")
	if replicasOf(rss[canaryHash]) != 3 || replicasOf(rss[stableHash]) != 2 {
		t.Fatalf("at setWeight 50 of 5 replicas want canary 3 / stable 2, got %d / %d", replicasOf(rss[canaryHash]), replicasOf(rss[stableHash]))
	}
	f.Consistently("the rollout stays at the indefinite pause", 2*time.Second, func() (bool, string) {
		ro := f.Rollout("web")
		return ro.Status.Phase == v1alpha1.RolloutPhasePaused, framework.Describe(ro)
	})

	f.Promote("web")
	ro = f.WaitForPhase("web", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
	if ro.Status.StableRS != canaryHash || ro.Status.UpdatedReplicas != 5 || ro.Status.AvailableReplicas != 5 {
		t.Fatalf("after promotion: %s", framework.Describe(ro))
	}
	f.WaitForRollout("web", "has scaled the old ReplicaSet to 0", 30*time.Second, func(*v1alpha1.Rollout) bool {
		return replicasOf(f.ReplicaSets("web")[stableHash]) == 0
	})
	if a, b := f.ServiceSelects("web-stable"), f.ServiceSelects("web-canary"); a != canaryHash || b != canaryHash {
		t.Fatalf("Services after promotion select %q / %q, want %q", a, b, canaryHash)
	}
	want := fmt.Sprintf(`sluice_rollout_info{name="web",namespace=%q,phase="Healthy",strategy="canary"} 1`, f.Namespace)
	f.Eventually("the controller's /metrics reports the Rollout Healthy", 10*time.Second, func() (bool, string) {
		text, err := controller.Metrics()
		return err == nil && strings.Contains(text, want) && strings.Contains(text, `sluice_rollout_events_total{reason="RolloutCompleted"}`), fmt.Sprint(err)
	})
	reasons := f.EventReasons("web")
	for _, want := range []string{"NewReplicaSetCreated", "ScalingReplicaSet", "RolloutPaused", "RolloutStepCompleted", "SwitchService", "RolloutCompleted"} {
		if !slices.Contains(reasons, want) {
			t.Errorf("no %s event; events: %s", want, strings.Join(reasons, ", "))
		}
	}
}

func TestCanaryPromoteFullSkipsRemainingSteps(t *testing.T) {
	f := newTest(t)
	deployHealthy(f, canaryRollout("web", 4, demoSteps, "", ""))
	f.SetImage("web", imageV2)
	ro := f.WaitForPausedAtStep("web", 1, 60*time.Second)
	f.PromoteFull("web")
	ro = f.WaitForPhase("web", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
	if ro.Status.StableRS != ro.Status.CurrentPodHash || ro.Status.PromoteFull || ro.Status.AvailableReplicas != 4 {
		t.Fatalf("after promote full: %s", framework.Describe(ro))
	}
}

func TestCanaryAbortRetryAndNewImage(t *testing.T) {
	f := newTest(t)
	stableHash := deployHealthy(f, canaryRollout("web", 4, demoSteps, "", "")).Status.StableRS
	f.SetImage("web", imageV2)
	f.WaitForPausedAtStep("web", 1, 60*time.Second)

	f.Abort("web")
	ro := f.WaitForPhase("web", v1alpha1.RolloutPhaseDegraded, 30*time.Second)
	canaryHash := ro.Status.CurrentPodHash
	f.WaitForRollout("web", "is back on the stable ReplicaSet", 30*time.Second, func(ro *v1alpha1.Rollout) bool {
		rss := f.ReplicaSets("web")
		return replicasOf(rss[canaryHash]) == 0 && rss[stableHash].Status.AvailableReplicas == 4 &&
			f.ServiceSelects("web-canary") == stableHash
	})
	if c := condition(ro, v1alpha1.RolloutProgressing); c == nil || c.Reason != v1alpha1.ReasonRolloutAborted {
		t.Fatalf("Progressing condition after abort: %+v", c)
	}

	f.Retry("web")
	f.WaitForPausedAtStep("web", 1, 60*time.Second)
	if replicasOf(f.ReplicaSets("web")[canaryHash]) != 1 {
		t.Fatal("retry did not bring the canary back")
	}

	f.Abort("web")
	f.WaitForPhase("web", v1alpha1.RolloutPhaseDegraded, 30*time.Second)
	f.SetImage("web", imageV3)
	ro = f.WaitForPausedAtStep("web", 1, 60*time.Second)
	if ro.Status.Abort || ro.Status.CurrentPodHash == canaryHash {
		t.Fatalf("a new image after an abort did not start a fresh canary: %s", framework.Describe(ro))
	}
}

func TestCanaryNewImageSupersedesRunningCanary(t *testing.T) {
	f := newTest(t)
	stableHash := deployHealthy(f, canaryRollout("web", 4, demoSteps, "", "")).Status.StableRS
	f.SetImage("web", imageV2)
	second := f.WaitForPausedAtStep("web", 1, 60*time.Second).Status.CurrentPodHash
	f.SetImage("web", imageV3)
	ro := f.WaitForRollout("web", "paused on the third image with the second gone", 60*time.Second, func(ro *v1alpha1.Rollout) bool {
		rss := f.ReplicaSets("web")
		return ro.Status.CurrentPodHash != second && ro.Status.Phase == v1alpha1.RolloutPhasePaused &&
			rss[second] != nil && replicasOf(rss[second]) == 0 && rss[second].Status.Replicas == 0
	})
	if ro.Status.StableRS != stableHash {
		t.Fatalf("stable changed while superseding: %s", framework.Describe(ro))
	}
}

func TestCanaryUndoWithinRollbackWindowSkipsSteps(t *testing.T) {
	f := newTest(t)
	first := deployHealthy(f, canaryRollout("web", 3, demoSteps, "", `
  rollbackWindow: {revisions: 2}`)).Status.StableRS
	f.SetImage("web", imageV2)
	f.WaitForPausedAtStep("web", 1, 60*time.Second)
	f.PromoteFull("web")
	f.WaitForPhase("web", v1alpha1.RolloutPhaseHealthy, 60*time.Second)

	f.SetImage("web", imageV1) // undo
	ro := f.WaitForPhase("web", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
	if ro.Status.StableRS != first {
		t.Fatalf("undo did not return to the first ReplicaSet: %s", framework.Describe(ro))
	}
	if len(f.ReplicaSets("web")) != 2 {
		t.Fatalf("undo created a ReplicaSet instead of reusing the old one: %d", len(f.ReplicaSets("web")))
	}
	f.WaitForRollout("web", "gives the restored ReplicaSet the newest revision", 10*time.Second, func(*v1alpha1.Rollout) bool {
		return f.ReplicaSets("web")[first].Annotations["sluice.dev/revision"] == "3"
	})
	if n := f.EventCount("web", "RolloutPaused"); n != 1 {
		t.Fatalf("the fast rollback paused at a step (%d pauses): %v", n, f.EventReasons("web"))
	}
}

func TestCanaryMissingStableServiceIsInvalidSpec(t *testing.T) {
	f := newTest(t)
	f.Apply(canaryRollout("web", 2, demoSteps, "", ""))
	ro := f.WaitForPhase("web", v1alpha1.RolloutPhaseDegraded, 30*time.Second)
	if c := condition(ro, v1alpha1.RolloutInvalidSpec); c == nil || !strings.Contains(c.Message, `Service "web-stable" not found`) {
		t.Fatalf("InvalidSpec condition: %+v", c)
	}
	if n := len(f.ReplicaSets("web")); n != 0 {
		t.Fatalf("an invalid Rollout created %d ReplicaSets", n)
	}
	f.Apply(services("web"))
	f.WaitForPhase("web", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
}

func TestCanaryProgressDeadline(t *testing.T) {
	for _, abort := range []bool{false, true} {
		t.Run(fmt.Sprintf("abort=%v", abort), func(t *testing.T) {
			f := newTest(t)
			extra := fmt.Sprintf(`
  progressDeadlineSeconds: 5
  progressDeadlineAbort: %v`, abort)
			stableHash := deployHealthy(f, canaryRollout("web", 3, demoSteps, "", extra)).Status.StableRS
			// New pods that never become Ready.
			f.PatchSpec("web", map[string]any{"template": map[string]any{"metadata": map[string]any{
				"annotations": map[string]any{"sluice.test/hold-unready": "true"}}}})
			ro := f.WaitForPhase("web", v1alpha1.RolloutPhaseDegraded, 60*time.Second)
			if c := condition(ro, v1alpha1.RolloutProgressing); c == nil || c.Reason != wantDeadlineReason(abort) {
				t.Fatalf("Progressing condition: %+v", c)
			}
			if ro.Status.Abort != abort {
				t.Fatalf("abort = %v, want %v", ro.Status.Abort, abort)
			}
			if got := f.ReplicaSets("web")[stableHash].Status.AvailableReplicas; got < 3 {
				t.Fatalf("stable side lost capacity: %d available", got)
			}
		})
	}
}

func wantDeadlineReason(abort bool) string {
	if abort {
		return v1alpha1.ReasonRolloutAborted
	}
	return v1alpha1.ReasonProgressDeadlineExceeded
}

func TestCanaryScaleMidRolloutKeepsRatio(t *testing.T) {
	f := newTest(t)
	stableHash := deployHealthy(f, canaryRollout("web", 4, demoSteps, "", "")).Status.StableRS
	f.SetImage("web", imageV2)
	ro := f.WaitForPausedAtStep("web", 1, 60*time.Second)
	canaryHash := ro.Status.CurrentPodHash
	f.ScaleRollout("web", 10) // what `kubectl scale` and an HPA do: the scale subresource
	f.WaitForRollout("web", "holds 20% of 10 replicas", 60*time.Second, func(*v1alpha1.Rollout) bool {
		rss := f.ReplicaSets("web")
		return replicasOf(rss[canaryHash]) == 2 && replicasOf(rss[stableHash]) == 8
	})
}

// TestRevisionHistoryLimit: old, scaled-down ReplicaSets beyond the limit are deleted.
func TestRevisionHistoryLimit(t *testing.T) {
	f := newTest(t)
	deployHealthy(f, canaryRollout("web", 2, " []", "", `
  revisionHistoryLimit: 1`))
	for _, image := range []string{imageV2, imageV3, "example/web:4"} {
		f.SetImage("web", image)
		f.WaitForRollout("web", "is Healthy on "+image, 60*time.Second, func(ro *v1alpha1.Rollout) bool {
			return ro.Status.ObservedGeneration == ro.Generation && ro.Status.Phase == v1alpha1.RolloutPhaseHealthy
		})
	}
	f.WaitForRollout("web", "keeps the current ReplicaSet and one old one", 30*time.Second, func(*v1alpha1.Rollout) bool {
		return len(f.ReplicaSets("web")) == 2
	})
}

func condition(ro *v1alpha1.Rollout, t v1alpha1.RolloutConditionType) *v1alpha1.RolloutCondition {
	for i := range ro.Status.Conditions {
		if ro.Status.Conditions[i].Type == t {
			return &ro.Status.Conditions[i]
		}
	}
	return nil
}

// TestIdleHealthyRolloutCausesNoWrites: syncs of a Healthy Rollout whose state has
// not changed write nothing: no status update, no scale, no Service update, no
// event. (Checked on this test's objects, since other tests' namespaces may be
// winding down in the background.)
func TestIdleHealthyRolloutCausesNoWrites(t *testing.T) {
	f := newTest(t)
	deployHealthy(f, canaryRollout("web", 3, demoSteps, "", ""))
	f.WaitForRollout("web", "has both Services on its ReplicaSet", 30*time.Second, func(ro *v1alpha1.Rollout) bool {
		return f.ServiceSelects("web-stable") == ro.Status.StableRS && f.ServiceSelects("web-canary") == ro.Status.StableRS
	})
	// A metadata-only change wakes the controller without changing anything it
	// decides; each touch is one sync of an idle Rollout.
	for i := 0; i < 5; i++ {
		f.AnnotateRollout("web", "touch", fmt.Sprint(i))
		time.Sleep(200 * time.Millisecond)
	}
	before := f.ResourceVersions("web")
	f.AnnotateRollout("web", "touch", "last")
	before["rollout"] = f.Rollout("web").ResourceVersion
	f.Consistently("no writes to the Rollout, its ReplicaSets, Services or events", 3*time.Second, func() (bool, string) {
		now := f.ResourceVersions("web")
		now["rollout"] = f.Rollout("web").ResourceVersion
		for k, v := range before {
			if now[k] != v {
				return false, fmt.Sprintf("%s changed: %s → %s", k, v, now[k])
			}
		}
		return len(now) == len(before), fmt.Sprintf("objects changed: %v → %v", before, now)
	})
}

// TestRestartAtReplacesEveryPod: spec.restartAt evicts every older pod, never more
// than maxUnavailable (1 of 4) at a time, and status.restartedAt echoes it.
func TestRestartAtReplacesEveryPod(t *testing.T) {
	f := newTest(t)
	ro := deployHealthy(f, canaryRollout("web", 4, demoSteps, "", ""))
	rs := f.ReplicaSets("web")[ro.Status.StableRS]
	oldPods := f.PodNames("app=web")
	restartAt := time.Now().UTC().Truncate(time.Second).Add(time.Second)
	f.PatchSpec("web", map[string]any{"restartAt": restartAt.Format(time.RFC3339)})

	lowest := int32(4)
	f.WaitForRollout("web", "has restarted every pod", 90*time.Second, func(ro *v1alpha1.Rollout) bool {
		if got, err := f.Kube.AppsV1().ReplicaSets(f.Namespace).Get(f.Ctx, rs.Name, metav1.GetOptions{}); err == nil {
			lowest = min(lowest, got.Status.AvailableReplicas)
		}
		return ro.Status.RestartedAt != nil && !ro.Status.RestartedAt.Time.Before(restartAt)
	})
	if lowest < 3 {
		t.Fatalf("available pods dropped to %d during the restart (maxUnavailable 1 of 4)", lowest)
	}
	for _, name := range f.PodNames("app=web") {
		if slices.Contains(oldPods, name) {
			t.Fatalf("pod %s was not restarted", name)
		}
	}
	f.WaitForPhase("web", v1alpha1.RolloutPhaseHealthy, 30*time.Second)
}

// TestCanaryAndStableMetadata: pods carry the labels of the role they hold, and
// swap them when the canary becomes stable — without being recreated.
func TestCanaryAndStableMetadata(t *testing.T) {
	f := newTest(t)
	deployHealthy(f, canaryRollout("web", 2, demoSteps, `
      canaryMetadata: {labels: {role: canary}}
      stableMetadata: {labels: {role: stable}, annotations: {team: web}}`, ""))
	f.Eventually("stable pods are labelled role=stable", 30*time.Second, func() (bool, string) {
		n := len(f.PodNames("app=web,role=stable"))
		return n == 2, fmt.Sprint(n)
	})
	f.SetImage("web", imageV2)
	ro := f.WaitForPausedAtStep("web", 1, 60*time.Second)
	f.Eventually("the canary pod is labelled role=canary", 30*time.Second, func() (bool, string) {
		n := len(f.PodNames("app=web,role=canary," + framework.HashLabel + "=" + ro.Status.CurrentPodHash))
		return n == 1, fmt.Sprint(n)
	})
	canaryPods := f.PodNames(framework.HashLabel + "=" + ro.Status.CurrentPodHash)
	f.PromoteFull("web")
	f.WaitForPhase("web", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
	f.Eventually("the former canary pod is now labelled role=stable", 30*time.Second, func() (bool, string) {
		stable := f.PodNames("app=web,role=stable," + framework.HashLabel + "=" + ro.Status.CurrentPodHash)
		return slices.Contains(stable, canaryPods[0]), fmt.Sprint(stable)
	})
}

// TestOrphanReplicaSetIsAdoptedAndReused: a ReplicaSet left without an owner (e.g.
// after the Rollout was deleted with --cascade=orphan) is adopted by a Rollout whose
// selector matches it and, having the same template, reused instead of a new one.
func TestOrphanReplicaSetIsAdoptedAndReused(t *testing.T) {
	f := newTest(t)
	ro := deployHealthy(f, canaryRollout("web", 2, demoSteps, "", ""))
	hash := ro.Status.StableRS
	policy := metav1.DeletePropagationOrphan
	if err := f.Sluice.SluiceV1alpha1().Rollouts(f.Namespace).Delete(f.Ctx, "web", metav1.DeleteOptions{PropagationPolicy: &policy}); err != nil {
		t.Fatal(err)
	}
	f.Eventually("the Rollout is gone and its ReplicaSet orphaned", 30*time.Second, func() (bool, string) {
		_, err := f.Sluice.SluiceV1alpha1().Rollouts(f.Namespace).Get(f.Ctx, "web", metav1.GetOptions{})
		return apierrors.IsNotFound(err) && f.ReplicaSets("web")[hash] == nil, fmt.Sprint(err)
	})
	f.Apply(canaryRollout("web", 2, demoSteps, "", ""))
	ro = f.WaitForPhase("web", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
	if ro.Status.StableRS != hash || len(f.ReplicaSets("web")) != 1 {
		t.Fatalf("the orphan was not adopted and reused: %s, %d ReplicaSets", framework.Describe(ro), len(f.ReplicaSets("web")))
	}
}
