package cli

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

func TestPromoteAtPauseClearsPauseConditions(t *testing.T) {
	c := newFakeCluster(t, canaryRollout())
	r := c.run("promote", "web")
	wantExit(t, r, 0)
	if r.stdout != "rollout \"web\" promoted past step 2/4 (pause 10m0s); now at step 3/4 (setWeight 50)\n" {
		t.Errorf("stdout %q", r.stdout)
	}
	ro := c.rollout("web")
	if len(ro.Status.PauseConditions) != 0 {
		t.Errorf("pauseConditions %v, want none", ro.Status.PauseConditions)
	}
	if got := *ro.Status.CurrentStepIndex; got != 1 {
		t.Errorf("currentStepIndex %d, want 1 (the controller moves on)", got)
	}
	if !ro.Status.ControllerPause {
		t.Error("controllerPause changed; only the controller writes it")
	}
}

func TestPromoteClearsManualPauseToo(t *testing.T) {
	ro := canaryRollout()
	ro.Spec.Paused = true
	c := newFakeCluster(t, ro)
	wantExit(t, c.run("promote", "web"), 0)
	got := c.rollout("web")
	if got.Spec.Paused || len(got.Status.PauseConditions) != 0 {
		t.Errorf("paused=%v pauseConditions=%v, want both cleared", got.Spec.Paused, got.Status.PauseConditions)
	}
}

func TestPromoteWithoutPauseSkipsTheCurrentStep(t *testing.T) {
	ro := canaryRollout()
	ro.Status.PauseConditions = nil
	ro.Status.CurrentStepIndex = ptr(int32(2))
	c := newFakeCluster(t, ro)
	r := c.run("promote", "web")
	wantExit(t, r, 0)
	if got := c.rollout("web").Status.CurrentStepIndex; got == nil || *got != 3 {
		t.Errorf("currentStepIndex %v, want 3", got)
	}
	if r.stdout != "rollout \"web\" promoted past step 3/4 (setWeight 50); now at step 4/4 (pause (until promoted))\n" {
		t.Errorf("stdout %q", r.stdout)
	}
}

func TestPromoteWithoutStepIndexStartsAtZero(t *testing.T) {
	ro := canaryRollout()
	ro.Status.PauseConditions = nil
	ro.Status.CurrentStepIndex = nil
	c := newFakeCluster(t, ro)
	wantExit(t, c.run("promote", "web"), 0)
	if got := c.rollout("web").Status.CurrentStepIndex; got == nil || *got != 1 {
		t.Errorf("currentStepIndex %v, want 1", got)
	}
}

func TestPromoteWithNothingToPromoteFails(t *testing.T) {
	c := newFakeCluster(t, healthyRollout())
	r := c.run("promote", "web")
	wantExit(t, r, 1)
	wantOneErrorLine(t, r, `error: rollout "web" is fully promoted: nothing to promote`)
}

func TestPromoteFull(t *testing.T) {
	c := newFakeCluster(t, canaryRollout())
	r := c.run("promote", "web", "--full")
	wantExit(t, r, 0)
	ro := c.rollout("web")
	if !ro.Status.PromoteFull {
		t.Error("promoteFull not set")
	}
	if len(ro.Status.PauseConditions) != 1 || *ro.Status.CurrentStepIndex != 1 {
		t.Error("promote --full changed more than promoteFull")
	}
	if r.stdout != "rollout \"web\" promoted fully: the remaining steps and analysis are skipped\n" {
		t.Errorf("stdout %q", r.stdout)
	}
}

func TestPromoteUnknownRollout(t *testing.T) {
	c := newFakeCluster(t)
	r := c.run("promote", "nope")
	wantExit(t, r, 1)
	wantOneErrorLine(t, r, `error: rollout "nope" not found in namespace "default"`)
	r = c.run("promote", "nope", "-n", "prod")
	wantOneErrorLine(t, r, `error: rollout "nope" not found in namespace "prod"`)
}

// A step skip that loses a race re-reads the rollout and skips once.
func TestPromoteRetriesAfterAConflict(t *testing.T) {
	ro := canaryRollout()
	ro.Status.PauseConditions = nil
	c := newFakeCluster(t, ro)
	conflicts := 0
	c.sluice.PrependReactor("patch", "rollouts", func(action k8stesting.Action) (bool, runtime.Object, error) {
		if conflicts == 0 {
			conflicts++
			return true, nil, apierrors.NewConflict(rolloutsResource.GroupResource(), "web", errors.New("the object has been modified"))
		}
		return false, nil, nil
	})
	wantExit(t, c.run("promote", "web"), 0)
	if got := *c.rollout("web").Status.CurrentStepIndex; got != 2 || conflicts != 1 {
		t.Errorf("currentStepIndex %d after %d conflicts, want 2 after 1", got, conflicts)
	}
}

func TestPromoteRefusesToSkipFromAStaleStatus(t *testing.T) {
	ro := canaryRollout()
	ro.Status.PauseConditions = nil
	ro.Generation = 3 // a new template the controller has not seen
	c := newFakeCluster(t, ro)
	r := c.run("promote", "web")
	wantExit(t, r, 1)
	wantOneErrorLine(t, r, `error: rollout "web" has a spec change the controller has not processed yet; promote again in a moment`)
	if got := *c.rollout("web").Status.CurrentStepIndex; got != 1 {
		t.Errorf("currentStepIndex %d, want it unchanged", got)
	}
}

// pausedMidStep is "web" manually paused (spec.paused) at step 2, a setWeight
// step: no pause condition, a step left to skip.
func pausedMidStep() *v1alpha1.Rollout {
	ro := canaryRollout()
	ro.Spec.Paused = true
	ro.Status.PauseConditions = nil
	ro.Status.ControllerPause = false
	ro.Status.CurrentStepIndex = ptr(int32(2))
	return ro
}

// patchedResourceVersions are the resourceVersions the rollout patches carried
// as preconditions, in order ("" for a patch without one).
func patchedResourceVersions(t *testing.T, c *fakeCluster) []string {
	t.Helper()
	var rvs []string
	for _, a := range c.sluice.Actions() {
		pa, ok := a.(k8stesting.PatchAction)
		if !ok || pa.GetResource() != rolloutsResource {
			continue
		}
		var body struct {
			Metadata struct {
				ResourceVersion string `json:"resourceVersion"`
			} `json:"metadata"`
		}
		if err := json.Unmarshal(pa.GetPatch(), &body); err != nil {
			t.Fatalf("patch %s: %v", pa.GetPatch(), err)
		}
		rvs = append(rvs, body.Metadata.ResourceVersion)
	}
	return rvs
}

// A promote of a manually paused rollout ends the manual pause and nothing more:
// the step it was paused in goes on (a second promote would skip it).
func TestPromoteManuallyPausedMidStepOnlyUnpauses(t *testing.T) {
	c := newFakeCluster(t, pausedMidStep())
	r := c.run("promote", "web")
	wantExit(t, r, 0)
	if r.stdout != "rollout \"web\" resumed at step 3/4 (setWeight 50)\n" {
		t.Errorf("stdout %q", r.stdout)
	}
	ro := c.rollout("web")
	if ro.Spec.Paused {
		t.Error("spec.paused still set")
	}
	if got := *ro.Status.CurrentStepIndex; got != 2 {
		t.Errorf("currentStepIndex %d, want 2: ending a manual pause skips no step", got)
	}
	if rvs := patchedResourceVersions(t, c); len(rvs) != 1 || rvs[0] != "100" {
		t.Errorf("patches carried resourceVersions %q, want one patch at the one read (100)", rvs)
	}

	// Once the controller has seen the unpause (a spec change: a new generation),
	// the next promote finds the rollout running its step and skips it.
	c.updateStatus("web", func(st *v1alpha1.RolloutStatus) { st.ObservedGeneration = ro.Generation })
	r = c.run("promote", "web")
	wantExit(t, r, 0)
	if r.stdout != "rollout \"web\" promoted past step 3/4 (setWeight 50); now at step 4/4 (pause (until promoted))\n" {
		t.Errorf("second promote: stdout %q", r.stdout)
	}
}

// Manually paused at a pause step: one promote ends both pauses (SPEC §2.5:
// pause conditions and spec.paused), the second write conditioned on the
// resourceVersion the first returned, and skips no step.
func TestPromoteManuallyPausedAtPauseStepEndsBothPauses(t *testing.T) {
	ro := canaryRollout()
	ro.Spec.Paused = true
	c := newFakeCluster(t, ro)
	r := c.run("promote", "web")
	wantExit(t, r, 0)
	if r.stdout != "rollout \"web\" promoted past step 2/4 (pause 10m0s); now at step 3/4 (setWeight 50)\n" {
		t.Errorf("stdout %q", r.stdout)
	}
	got := c.rollout("web")
	if got.Spec.Paused || len(got.Status.PauseConditions) != 0 {
		t.Errorf("paused=%v pauseConditions=%v, want both cleared", got.Spec.Paused, got.Status.PauseConditions)
	}
	if idx := *got.Status.CurrentStepIndex; idx != 1 {
		t.Errorf("currentStepIndex %d, want 1 (the controller moves on, promote skips nothing)", idx)
	}
	// The first write at the resourceVersion read, the second at the one the
	// first write returned (the fake numbers writes from 1001).
	if rvs := patchedResourceVersions(t, c); !slices.Equal(rvs, []string{"100", "1001"}) {
		t.Errorf("patches carried resourceVersions %q, want [100 1001]", rvs)
	}
}

// A controller write between the two writes of ending a pause makes the second
// conflict; the promote reads again and finishes the same pause.
func TestPromoteFinishesEndingThePauseAfterAConflict(t *testing.T) {
	ro := canaryRollout()
	ro.Spec.Paused = true
	c := newFakeCluster(t, ro)
	patches := 0
	c.sluice.PrependReactor("patch", "rollouts", func(k8stesting.Action) (bool, runtime.Object, error) {
		if patches++; patches == 2 {
			c.updateStatus("web", func(st *v1alpha1.RolloutStatus) { st.Message = "manually paused" })
		}
		return false, nil, nil
	})
	r := c.run("promote", "web")
	wantExit(t, r, 0)
	got := c.rollout("web")
	if got.Spec.Paused || len(got.Status.PauseConditions) != 0 {
		t.Errorf("paused=%v pauseConditions=%v, want both cleared", got.Spec.Paused, got.Status.PauseConditions)
	}
	if idx := *got.Status.CurrentStepIndex; idx != 1 {
		t.Errorf("currentStepIndex %d, want 1", idx)
	}
	if patches != 3 {
		t.Errorf("%d patches, want 3: pause conditions, spec.paused (conflict), spec.paused again", patches)
	}
}

// A pause that changed while promoting (the controller ended it and paused at
// the next step) is not the pause this promote was for: it is left alone.
func TestPromoteLeavesAPauseItDidNotSee(t *testing.T) {
	c := newFakeCluster(t, canaryRollout())
	later := metav1.NewTime(testNow)
	patches := 0
	c.sluice.PrependReactor("patch", "rollouts", func(k8stesting.Action) (bool, runtime.Object, error) {
		if patches++; patches == 1 {
			c.updateStatus("web", func(st *v1alpha1.RolloutStatus) {
				st.CurrentStepIndex = ptr(int32(3))
				st.PauseConditions = []v1alpha1.PauseCondition{{Reason: v1alpha1.PauseReasonCanaryPauseStep, StartTime: later}}
			})
		}
		return false, nil, nil
	})
	r := c.run("promote", "web")
	wantExit(t, r, 1)
	wantOneErrorLine(t, r, `error: rollout "web" changed its pause while promoting; promote did nothing, run it again to promote from where it is now`)
	if got := c.rollout("web").Status.PauseConditions; len(got) != 1 || !got[0].StartTime.Equal(&later) {
		t.Errorf("pauseConditions %v, want the new pause kept", got)
	}
}

// Two promotes racing: the one that loses does not skip a second step.
func TestPromoteDoesNotSkipAStepTheRolloutAlreadyLeft(t *testing.T) {
	ro := canaryRollout()
	ro.Status.PauseConditions = nil
	c := newFakeCluster(t, ro)
	patches := 0
	c.sluice.PrependReactor("patch", "rollouts", func(k8stesting.Action) (bool, runtime.Object, error) {
		if patches++; patches == 1 {
			c.updateStatus("web", func(st *v1alpha1.RolloutStatus) { st.CurrentStepIndex = ptr(int32(2)) })
		}
		return false, nil, nil
	})
	r := c.run("promote", "web")
	wantExit(t, r, 1)
	wantOneErrorLine(t, r, `error: rollout "web" left step 2/4 while promoting; promote did nothing, run it again to promote from where it is now`)
	if got := *c.rollout("web").Status.CurrentStepIndex; got != 2 {
		t.Errorf("currentStepIndex %d, want 2 (skipped once, by the other promote)", got)
	}
}
