package cli

import (
	"context"
	"encoding/json"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// mergePatch merge-patches the rollout name as a client would: through the
// status subresource when sub is "status", with resourceVersion as a
// precondition when it is not "".
func mergePatch(c *fakeCluster, name, sub, resourceVersion string, patch map[string]any) (*v1alpha1.Rollout, error) {
	c.t.Helper()
	if resourceVersion != "" {
		patch["metadata"] = map[string]any{"resourceVersion": resourceVersion}
	}
	body, err := json.Marshal(patch)
	if err != nil {
		c.t.Fatal(err)
	}
	var subresources []string
	if sub != "" {
		subresources = []string{sub}
	}
	return c.sluice.SluiceV1alpha1().Rollouts("default").Patch(context.Background(), name, types.MergePatchType, body, metav1.PatchOptions{}, subresources...)
}

func status(fields map[string]any) map[string]any { return map[string]any{"status": fields} }
func spec(fields map[string]any) map[string]any   { return map[string]any{"spec": fields} }

// The fake cluster must refuse what the API server refuses, or the tests of the
// write commands would pass with patches a real cluster ignores.
func TestFakeClusterFollowsSubresourceRules(t *testing.T) {
	c := newFakeCluster(t, canaryRollout())

	if _, err := mergePatch(c, "web", "", "", status(map[string]any{"abort": true})); err != nil {
		t.Fatal(err)
	}
	if c.rollout("web").Status.Abort {
		t.Error("a status field changed through the main resource")
	}
	if _, err := mergePatch(c, "web", "status", "", spec(map[string]any{"paused": true})); err != nil {
		t.Fatal(err)
	}
	if c.rollout("web").Spec.Paused {
		t.Error("a spec field changed through the status subresource")
	}
	_, err := mergePatch(c, "web", "status", "99", status(map[string]any{"currentStepIndex": 2}))
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
	read := c.rollout("web")

	written, err := mergePatch(c, "web", "", "", spec(map[string]any{"paused": true}))
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
	if _, err := mergePatch(c, "web", "status", read.ResourceVersion, status(map[string]any{"currentStepIndex": 2})); !apierrors.IsConflict(err) {
		t.Errorf("write at the resourceVersion from before the last write: got %v, want a conflict", err)
	}

	statusWritten, err := mergePatch(c, "web", "status", written.ResourceVersion, status(map[string]any{"currentStepIndex": 2}))
	if err != nil {
		t.Fatalf("write at the resourceVersion the last write returned: %v", err)
	}
	if statusWritten.ResourceVersion == written.ResourceVersion || statusWritten.Generation != written.Generation {
		t.Errorf("status write: resourceVersion %s → %s, generation %d → %d; want a new resourceVersion, the same generation",
			written.ResourceVersion, statusWritten.ResourceVersion, written.Generation, statusWritten.Generation)
	}

	same, err := mergePatch(c, "web", "", "", spec(map[string]any{"paused": true}))
	if err != nil {
		t.Fatal(err)
	}
	if same.ResourceVersion != statusWritten.ResourceVersion {
		t.Errorf("a patch that changes nothing is no write, but the resourceVersion went %s → %s", statusWritten.ResourceVersion, same.ResourceVersion)
	}

	c.updateStatus("web", func(st *v1alpha1.RolloutStatus) { st.Message = "controller" })
	if got := c.rollout("web").ResourceVersion; got == statusWritten.ResourceVersion {
		t.Error("a controller write kept the resourceVersion")
	}
}
