//go:build e2e

package e2e

import (
	"fmt"
	"testing"
	"time"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/test/e2e/framework"
)

// blueGreenRollout is a blue-green Rollout "bg" with active and preview Services;
// extra is added under strategy.blueGreen.
func blueGreenRollout(replicas int, extra string) string {
	return fmt.Sprintf(`
apiVersion: v1
kind: Service
metadata: {name: bg-active}
spec:
  selector: {app: bg}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: bg-preview}
spec:
  selector: {app: bg}
  ports: [{port: 80}]
---
apiVersion: sluice.dev/v1alpha1
kind: Rollout
metadata: {name: bg}
spec:
  replicas: %d
  selector: {matchLabels: {app: bg}}
  template:
    metadata: {labels: {app: bg}}
    spec:
      containers: [{name: web, image: %s}]
  strategy:
    blueGreen:
      activeService: bg-active
      previewService: bg-preview%s
`, replicas, imageV1, extra)
}

// deployBlueGreen applies a blue-green Rollout, waits for the first deploy and
// samples the active Service for gaps until the test ends.
func deployBlueGreen(f *framework.Framework, manifest string) string {
	f.T.Helper()
	f.Apply(manifest)
	ro := f.WaitForPhase("bg", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
	f.Eventually("the active Service has ready endpoints", 30*time.Second, func() (bool, string) {
		n, err := framework.ReadyEndpoints(f, "bg-active")
		return n > 0 && f.ServiceSelects("bg-active") == ro.Status.StableRS, fmt.Sprint(n, err)
	})
	sampler := f.SampleEndpoints("bg-active")
	f.T.Cleanup(func() {
		if !f.T.Failed() {
			sampler.ExpectNeverEmpty(f, "bg-active")
		}
	})
	return ro.Status.StableRS
}

func TestBlueGreenPreviewThenPromote(t *testing.T) {
	f := newTest(t)
	blue := deployBlueGreen(f, blueGreenRollout(3, `
      autoPromotionEnabled: false
      scaleDownDelaySeconds: 3`))
	f.SetImage("bg", imageV2)
	ro := f.WaitForPhase("bg", v1alpha1.RolloutPhasePaused, 60*time.Second)
	green := ro.Status.CurrentPodHash
	if ro.Status.PauseConditions[0].Reason != v1alpha1.PauseReasonBlueGreenPause {
		t.Fatalf("pause reason %s", ro.Status.PauseConditions[0].Reason)
	}
	if f.ServiceSelects("bg-preview") != green || f.ServiceSelects("bg-active") != blue {
		t.Fatalf("before promotion: preview %q active %q", f.ServiceSelects("bg-preview"), f.ServiceSelects("bg-active"))
	}
	if got := replicasOf(f.ReplicaSets("bg")[green]); got != 3 {
		t.Fatalf("preview ReplicaSet at %d, want 3", got)
	}
	f.Promote("bg")
	f.WaitForRollout("bg", "has switched the active Service", 60*time.Second, func(ro *v1alpha1.Rollout) bool {
		return f.ServiceSelects("bg-active") == green && ro.Status.StableRS == green
	})
	if got := replicasOf(f.ReplicaSets("bg")[blue]); got != 3 {
		t.Fatalf("old active scaled to %d before its delay", got)
	}
	f.WaitForRollout("bg", "has scaled the old active ReplicaSet to 0 after the delay", 30*time.Second, func(*v1alpha1.Rollout) bool {
		return replicasOf(f.ReplicaSets("bg")[blue]) == 0
	})
	f.WaitForPhase("bg", v1alpha1.RolloutPhaseHealthy, 30*time.Second)
}

func TestBlueGreenPreviewReplicaCount(t *testing.T) {
	f := newTest(t)
	deployBlueGreen(f, blueGreenRollout(3, `
      autoPromotionEnabled: false
      previewReplicaCount: 1`))
	f.SetImage("bg", imageV2)
	ro := f.WaitForPhase("bg", v1alpha1.RolloutPhasePaused, 60*time.Second)
	green := ro.Status.CurrentPodHash
	if got := f.ReplicaSets("bg")[green].Status.AvailableReplicas; got != 1 {
		t.Fatalf("preview has %d available pods, want 1", got)
	}
	f.Promote("bg")
	f.WaitForRollout("bg", "has switched", 60*time.Second, func(*v1alpha1.Rollout) bool {
		if f.ServiceSelects("bg-active") != green {
			return false
		}
		if got := f.ReplicaSets("bg")[green].Status.AvailableReplicas; got < 3 {
			t.Fatalf("active switched to a preview with %d of 3 pods available", got)
		}
		return true
	})
}

func TestBlueGreenAutoPromotionSeconds(t *testing.T) {
	f := newTest(t)
	deployBlueGreen(f, blueGreenRollout(2, `
      autoPromotionEnabled: false
      autoPromotionSeconds: 5`))
	f.SetImage("bg", imageV2)
	ro := f.WaitForPhase("bg", v1alpha1.RolloutPhasePaused, 60*time.Second)
	pausedAt := ro.Status.PauseConditions[0].StartTime.Time
	green := ro.Status.CurrentPodHash
	f.WaitForRollout("bg", "promoted by itself", 30*time.Second, func(*v1alpha1.Rollout) bool {
		return f.ServiceSelects("bg-active") == green
	})
	if waited := time.Since(pausedAt); waited < 5*time.Second || waited > 12*time.Second {
		t.Fatalf("promoted %s after the pause began, want about 5s", waited)
	}
}

func TestBlueGreenAbortAndRetry(t *testing.T) {
	f := newTest(t)
	blue := deployBlueGreen(f, blueGreenRollout(3, `
      autoPromotionEnabled: false
      abortScaleDownDelaySeconds: 2`))
	f.SetImage("bg", imageV2)
	green := f.WaitForPhase("bg", v1alpha1.RolloutPhasePaused, 60*time.Second).Status.CurrentPodHash
	f.Abort("bg")
	f.WaitForPhase("bg", v1alpha1.RolloutPhaseDegraded, 30*time.Second)
	f.WaitForRollout("bg", "has scaled the preview down", 30*time.Second, func(*v1alpha1.Rollout) bool {
		return replicasOf(f.ReplicaSets("bg")[green]) == 0
	})
	if f.ServiceSelects("bg-active") != blue {
		t.Fatalf("abort moved the active Service to %q", f.ServiceSelects("bg-active"))
	}
	f.Retry("bg")
	f.WaitForPhase("bg", v1alpha1.RolloutPhasePaused, 60*time.Second)
	if f.ServiceSelects("bg-preview") != green {
		t.Fatalf("retry: preview selects %q, want %q", f.ServiceSelects("bg-preview"), green)
	}
}

func TestBlueGreenUndoWithinScaleDownDelay(t *testing.T) {
	f := newTest(t)
	blue := deployBlueGreen(f, blueGreenRollout(3, `
      scaleDownDelaySeconds: 60`))
	f.SetImage("bg", imageV2)
	f.WaitForRollout("bg", "has promoted the new image", 60*time.Second, func(ro *v1alpha1.Rollout) bool {
		return ro.Status.StableRS == ro.Status.CurrentPodHash && ro.Status.StableRS != blue
	})
	f.SetImage("bg", imageV1) // undo while blue is still in its scale-down delay
	start := time.Now()
	f.WaitForRollout("bg", "has the active Service back on the old ReplicaSet", 30*time.Second, func(*v1alpha1.Rollout) bool {
		return f.ServiceSelects("bg-active") == blue
	})
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("the rollback took %s; it should not wait for new pods", took)
	}
	if n := len(f.ReplicaSets("bg")); n != 2 {
		t.Fatalf("%d ReplicaSets, want 2 (the undo reuses the old one)", n)
	}
	f.WaitForRollout("bg", "gives the restored ReplicaSet the newest revision", 10*time.Second, func(*v1alpha1.Rollout) bool {
		return f.ReplicaSets("bg")[blue].Annotations["sluice.dev/revision"] == "3"
	})
}

// TestBlueGreenPreviewAndActiveMetadata: preview pods are labelled as preview until
// they take over the active Service.
func TestBlueGreenPreviewAndActiveMetadata(t *testing.T) {
	f := newTest(t)
	deployBlueGreen(f, blueGreenRollout(2, `
      autoPromotionEnabled: false
      previewMetadata: {labels: {role: preview}}
      activeMetadata: {labels: {role: active}}`))
	f.SetImage("bg", imageV2)
	green := f.WaitForPhase("bg", v1alpha1.RolloutPhasePaused, 60*time.Second).Status.CurrentPodHash
	f.Eventually("preview pods labelled role=preview", 30*time.Second, func() (bool, string) {
		n := len(f.PodNames("role=preview," + framework.HashLabel + "=" + green))
		return n == 2, fmt.Sprint(n)
	})
	f.Promote("bg")
	f.Eventually("the promoted pods are labelled role=active", 60*time.Second, func() (bool, string) {
		n := len(f.PodNames("role=active," + framework.HashLabel + "=" + green))
		return n == 2, fmt.Sprint(n)
	})
}
