package rollout

import (
	"context"
	"fmt"
	"maps"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/plan"
)

// RoleLabel marks the ReplicaSets (and their pods) that play a part other than
// a revision of the Rollout: the baseline (canary.baseline) is the only one.
// Its pods are told apart from stable's by their own pod-template hash; the
// role label says why that hash exists.
const (
	RoleLabel    = "sluice.dev/role"
	RoleBaseline = "baseline"
)

// splitBaselines separates the baseline ReplicaSets from the Rollout's
// revisions. A baseline runs the stable template, so it must never be taken
// for the ReplicaSet of a template, counted in the Rollout's replicas, kept as
// revision history or restarted: everything but the baseline code sees only
// the revisions.
func splitBaselines(rss []*appsv1.ReplicaSet) (revisions, baselines []*appsv1.ReplicaSet) {
	for _, rs := range rss {
		if rs.Labels[RoleLabel] == RoleBaseline {
			baselines = append(baselines, rs)
		} else {
			revisions = append(revisions, rs)
		}
	}
	return revisions, baselines
}

// newBaselineReplicaSet builds (without creating it) the baseline of a canary:
// the stable ReplicaSet's template as the Rollout asked for it, with the
// baseline's hash, role label and canary.baseline.metadata.
func newBaselineReplicaSet(ro *v1alpha1.Rollout, stable *appsv1.ReplicaSet, hash string, replicas int32) *appsv1.ReplicaSet {
	t := withoutRoleMetadata(stable).Spec.Template.DeepCopy()
	t.Labels = maps.Clone(t.Labels)
	if t.Labels == nil {
		t.Labels = map[string]string{}
	}
	t.Labels[HashLabel] = hash
	t.Labels[RoleLabel] = RoleBaseline
	selector := ro.Spec.Selector.DeepCopy()
	if selector.MatchLabels == nil {
		selector.MatchLabels = map[string]string{}
	}
	selector.MatchLabels[HashLabel] = hash
	rsLabels := maps.Clone(t.Labels)
	if id, ok := ro.Labels[InstanceLabel]; ok {
		rsLabels[InstanceLabel] = id
	}
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{
			Name:            ro.Name + "-baseline-" + hash,
			Namespace:       ro.Namespace,
			Labels:          rsLabels,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(ro, rolloutKind)},
		},
		Spec: appsv1.ReplicaSetSpec{
			Replicas:        ptrTo(replicas),
			MinReadySeconds: ro.Spec.MinReadySeconds,
			Selector:        selector,
			Template:        *t,
		},
	}
	out, _, _ := withRoleMetadata(ro, rs, ro.Spec.Strategy.Canary.Baseline.Metadata)
	return out
}

// applyBaseline carries out the plan's baseline: creates or sizes the current
// canary's baseline, points the baselineService, and deletes the baselines the
// plan found unreached by traffic and Services.
func (c *Controller) applyBaseline(ctx context.Context, ro *v1alpha1.Rollout, want *plan.BaselinePlan, baselines []*appsv1.ReplicaSet, stable *appsv1.ReplicaSet, svc *corev1.Service) error {
	if want == nil {
		return nil
	}
	if want.Hash != "" {
		if err := c.sizeBaseline(ctx, ro, want, baselines, stable); err != nil {
			return err
		}
	}
	if err := c.pointService(ctx, ro, svc, want.ServiceHash); err != nil {
		return err
	}
	for _, rs := range baselines {
		if !slices.Contains(want.Remove, rs.Name) || rs.DeletionTimestamp != nil {
			continue
		}
		err := c.kube.AppsV1().ReplicaSets(rs.Namespace).Delete(ctx, rs.Name, metav1.DeleteOptions{
			Preconditions: &metav1.Preconditions{UID: &rs.UID},
		})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete baseline ReplicaSet %s: %w", rs.Name, err)
		}
		c.recorder.Eventf(ro, corev1.EventTypeNormal, "BaselineRemoved", "Removed baseline ReplicaSet %s", rs.Name)
	}
	return nil
}

// sizeBaseline creates the current baseline at its planned size, or scales it.
func (c *Controller) sizeBaseline(ctx context.Context, ro *v1alpha1.Rollout, want *plan.BaselinePlan, baselines []*appsv1.ReplicaSet, stable *appsv1.ReplicaSet) error {
	if rs := byHash(baselines, want.Hash); rs != nil {
		_, err := c.scaleReplicaSet(ctx, ro, rs, want.Replicas)
		return err
	}
	if stable == nil || want.Replicas == 0 {
		return nil
	}
	rs := newBaselineReplicaSet(ro, stable, want.Hash, want.Replicas)
	created, err := c.kube.AppsV1().ReplicaSets(ro.Namespace).Create(ctx, rs, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil // the cache was behind; the next sync sees it
	}
	if err != nil {
		return fmt.Errorf("create baseline ReplicaSet %s: %w", rs.Name, err)
	}
	c.freshness.Created(ro.UID, created)
	c.recorder.Eventf(ro, corev1.EventTypeNormal, "BaselineCreated", "Created baseline ReplicaSet %s (stable template) with %d replicas", created.Name, want.Replicas)
	return nil
}
