package cli

import (
	"errors"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

func TestPromoteAtPauseClearsPauseConditions(t *testing.T) {
	c := newFakeCluster(t, canaryRollout())
	r := c.run("promote", "web")
	wantExit(t, r, 0)
	if r.stdout != "rollout \"web\" promoted\n" {
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
	if r.stdout != "rollout \"web\" promoted to step 3/4\n" {
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
	wantOneErrorLine(t, r, `error: rollout "web" is not paused and has no step left to skip (use --full to finish an update)`)
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
	if r.stdout != "rollout \"web\" fully promoted\n" {
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

func TestNextStepIndex(t *testing.T) {
	ro := canaryRollout()
	for _, tc := range []struct {
		index *int32
		want  int32
		ok    bool
	}{
		{nil, 1, true},
		{ptr(int32(0)), 1, true},
		{ptr(int32(3)), 4, true},
		{ptr(int32(4)), 0, false},
	} {
		ro.Status.CurrentStepIndex = tc.index
		got, ok := nextStepIndex(ro)
		if got != tc.want || ok != tc.ok {
			t.Errorf("index %v: got %d %v, want %d %v", tc.index, got, ok, tc.want, tc.ok)
		}
	}
	bg := &v1alpha1.Rollout{Spec: v1alpha1.RolloutSpec{Strategy: v1alpha1.RolloutStrategy{BlueGreen: &v1alpha1.BlueGreenStrategy{}}}}
	if _, ok := nextStepIndex(bg); ok {
		t.Error("blue-green has no steps to skip")
	}
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
