package cli

import (
	"context"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
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
