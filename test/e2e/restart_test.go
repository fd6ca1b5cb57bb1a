//go:build e2e

package e2e

import (
	"fmt"
	"testing"
	"time"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/test/e2e/framework"
)

// TestControllerKilledMidRolloutFinishes: SIGKILL at several points of a rollout
// (SPEC §2.7 rule 5). The restarted controller continues from the persisted
// status: no extra ReplicaSet, both timed pauses still happen, and the rollout
// ends Healthy on the new template.
func TestControllerKilledMidRolloutFinishes(t *testing.T) {
	const steps = `
      - setWeight: 20
      - pause: {duration: 2s}
      - setWeight: 50
      - pause: {duration: 2s}`
	for _, killAfter := range []time.Duration{300 * time.Millisecond, 1500 * time.Millisecond, 2700 * time.Millisecond, 4 * time.Second} {
		t.Run(fmt.Sprintf("kill after %s", killAfter), func(t *testing.T) {
			f := newTest(t)
			deployHealthy(f, canaryRollout("web", 4, steps, "", ""))
			t.Cleanup(func() {
				if !controller.Running() {
					if err := controller.Start(); err != nil {
						t.Errorf("restart controller: %v", err)
					}
				}
			})
			pausedAt := map[int32]bool{}
			watch := func(ro *v1alpha1.Rollout) bool {
				if ro.Status.Phase == v1alpha1.RolloutPhasePaused && ro.Status.CurrentStepIndex != nil {
					pausedAt[*ro.Status.CurrentStepIndex] = true
				}
				return false
			}

			f.SetImage("web", imageV2)
			deadline := time.Now().Add(killAfter)
			for time.Now().Before(deadline) {
				watch(f.Rollout("web"))
				time.Sleep(50 * time.Millisecond)
			}
			controller.Kill()
			if err := controller.Start(); err != nil {
				t.Fatal(err)
			}
			ro := f.WaitForRollout("web", "is Healthy on the new template", 90*time.Second, func(ro *v1alpha1.Rollout) bool {
				watch(ro)
				return ro.Status.ObservedGeneration == ro.Generation && ro.Status.Phase == v1alpha1.RolloutPhaseHealthy &&
					ro.Status.StableRS == ro.Status.CurrentPodHash
			})
			if n := len(f.ReplicaSets("web")); n != 2 {
				t.Fatalf("%d ReplicaSets after the crash, want 2", n)
			}
			if !pausedAt[1] || !pausedAt[3] {
				t.Fatalf("a pause step was skipped: paused at %v (%s)", pausedAt, framework.Describe(ro))
			}
		})
	}
}
