package rollout

import (
	"context"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/plan"
)

// ManagedByAnnotation marks objects sluice edits but does not own (SPEC §1).
const ManagedByAnnotation = "sluice.dev/managed-by"

// observeService describes a Service for planning. Its EndpointSlices are looked
// at only when checkSettled is set (see observe); the selected hash alone names
// the pods to look for.
func (c *Controller) observeService(svc *corev1.Service, checkSettled bool) *plan.Service {
	if svc == nil {
		return nil
	}
	out := &plan.Service{Name: svc.Name, SelectedHash: svc.Spec.Selector[HashLabel]}
	if checkSettled && out.SelectedHash != "" {
		out.Settled = c.endpointsShowOnly(svc, out.SelectedHash)
	}
	return out
}

// pointService makes a Service select the pods of the ReplicaSet with hash.
func (c *Controller) pointService(ctx context.Context, ro *v1alpha1.Rollout, svc *corev1.Service, hash string) error {
	if svc == nil || hash == "" {
		return nil
	}
	from := svc.Spec.Selector[HashLabel]
	if from == hash && svc.Annotations[ManagedByAnnotation] == ro.Name {
		return nil
	}
	// A merge patch of the two keys: an update of the cached copy conflicted
	// whenever that copy was behind (280 conflicts in an N=3000 wave).
	patch, _ := json.Marshal(map[string]any{
		"metadata": map[string]any{"annotations": map[string]string{ManagedByAnnotation: ro.Name}},
		"spec":     map[string]any{"selector": map[string]string{HashLabel: hash}},
	})
	written, err := c.kube.CoreV1().Services(svc.Namespace).Patch(ctx, svc.Name, typesMerge, patch, metav1.PatchOptions{})
	if err != nil {
		return fmt.Errorf("switch Service %s to %s: %w", svc.Name, hash, err)
	}
	// A later sync must not read the selector from a cache older than this
	// write: it would switch (and tell of the switch) again, or judge the
	// cutover against the old selector.
	c.freshness.Wrote(svc, written)
	if from != hash {
		c.recorder.Eventf(ro, corev1.EventTypeNormal, "SwitchService", "Switched selector of Service %s from %q to %q", svc.Name, from, hash)
	}
	return nil
}
