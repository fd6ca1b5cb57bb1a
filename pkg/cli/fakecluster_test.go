package cli

import (
	"context"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// The fake cluster must refuse what the API server refuses, or the tests of the
// write commands would pass with patches a real cluster ignores.
func TestFakeClusterFollowsSubresourceRules(t *testing.T) {
	c := newFakeCluster(t, canaryRollout())
	s, _ := c.options().newSession()
	ctx := context.Background()

	if _, err := s.mergePatch(ctx, "web", map[string]any{"status": map[string]any{"abort": true}}, ""); err != nil {
		t.Fatal(err)
	}
	if c.rollout("web").Status.Abort {
		t.Error("a status field changed through the main resource")
	}
	if _, err := s.mergePatch(ctx, "web", map[string]any{"spec": map[string]any{"paused": true}}, "status"); err != nil {
		t.Fatal(err)
	}
	if c.rollout("web").Spec.Paused {
		t.Error("a spec field changed through the status subresource")
	}
	_, err := s.patchStatusAt(ctx, "web", "99", map[string]any{"currentStepIndex": 2})
	if !apierrors.IsConflict(err) {
		t.Errorf("stale resourceVersion: got %v, want a conflict", err)
	}
	if got := *c.rollout("web").Status.CurrentStepIndex; got != 1 {
		t.Errorf("a conflicting patch changed the step index to %d", got)
	}
}

// Every write the API server makes gets a new resourceVersion, so a write
// conditioned on the resourceVersion read before an earlier write of the same
// command conflicts; the fake must do the same or it hides that mistake.
func TestFakeClusterBumpsResourceVersionOnEveryWrite(t *testing.T) {
	c := newFakeCluster(t, canaryRollout())
	s, _ := c.options().newSession()
	ctx := context.Background()
	read := c.rollout("web")

	written, err := s.patchSpec(ctx, "web", map[string]any{"paused": true})
	if err != nil {
		t.Fatal(err)
	}
	if written.ResourceVersion == read.ResourceVersion || written.Generation != read.Generation+1 {
		t.Errorf("spec write: resourceVersion %s → %s, generation %d → %d; want a new resourceVersion and generation",
			read.ResourceVersion, written.ResourceVersion, read.Generation, written.Generation)
	}
	if got := c.rollout("web").ResourceVersion; got != written.ResourceVersion {
		t.Errorf("stored resourceVersion %s, the write returned %s", got, written.ResourceVersion)
	}
	if _, err := s.patchStatusAt(ctx, "web", read.ResourceVersion, map[string]any{"currentStepIndex": 2}); !apierrors.IsConflict(err) {
		t.Errorf("write at the resourceVersion from before the last write: got %v, want a conflict", err)
	}

	status, err := s.patchStatusAt(ctx, "web", written.ResourceVersion, map[string]any{"currentStepIndex": 2})
	if err != nil {
		t.Fatalf("write at the resourceVersion the last write returned: %v", err)
	}
	if status.ResourceVersion == written.ResourceVersion || status.Generation != written.Generation {
		t.Errorf("status write: resourceVersion %s → %s, generation %d → %d; want a new resourceVersion, the same generation",
			written.ResourceVersion, status.ResourceVersion, written.Generation, status.Generation)
	}

	same, err := s.patchSpec(ctx, "web", map[string]any{"paused": true})
	if err != nil {
		t.Fatal(err)
	}
	if same.ResourceVersion != status.ResourceVersion {
		t.Errorf("a patch that changes nothing is no write, but the resourceVersion went %s → %s", status.ResourceVersion, same.ResourceVersion)
	}

	c.updateStatus("web", func(st *v1alpha1.RolloutStatus) { st.Message = "controller" })
	if got := c.rollout("web").ResourceVersion; got == status.ResourceVersion {
		t.Error("a controller write kept the resourceVersion")
	}
}
