package rollout

import (
	"context"
	"fmt"
	"sort"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// restartPlan is what a restart does in one reconcile.
type restartPlan struct {
	// evict are the pods to evict now, oldest first.
	evict []string
	// done is true when no pod older than spec.restartAt is left.
	done bool
	// wait is how long until a future restartAt comes due.
	wait time.Duration
}

// planRestart decides which pods to evict for spec.restartAt: pods created before
// it are evicted oldest first, never leaving more than maxUnavailable (at least
// one) pods unavailable. Pods already terminating count as unavailable.
func planRestart(restartAt, now time.Time, pods []*metav1.PartialObjectMetadata, desired, available, maxUnavailable int32) restartPlan {
	if now.Before(restartAt) {
		return restartPlan{wait: restartAt.Sub(now)}
	}
	var old []*metav1.PartialObjectMetadata
	for _, p := range pods {
		if p.DeletionTimestamp == nil && p.CreationTimestamp.Time.Before(restartAt) {
			old = append(old, p)
		}
	}
	if len(old) == 0 {
		return restartPlan{done: true}
	}
	sort.Slice(old, func(i, j int) bool { return old[i].CreationTimestamp.Before(&old[j].CreationTimestamp) })
	budget := max(1, maxUnavailable) - max(0, desired-available)
	var evict []string
	for i := 0; i < len(old) && int32(i) < budget; i++ {
		evict = append(evict, old[i].Name)
	}
	return restartPlan{evict: evict}
}

// podsOf lists a ReplicaSet's pods (metadata only) from the pod informer: those
// its selector matches whose names it generated.
func (c *Controller) podsOf(rs *appsv1.ReplicaSet) ([]*metav1.PartialObjectMetadata, error) {
	sel, err := metav1.LabelSelectorAsSelector(rs.Spec.Selector)
	if err != nil {
		return nil, nil
	}
	objs, err := c.podIndex.ByIndex(podHashIndex, rs.Namespace+"/"+rs.Labels[HashLabel])
	if err != nil {
		return nil, err
	}
	var pods []*metav1.PartialObjectMetadata
	for _, o := range objs {
		if p, ok := o.(*metav1.PartialObjectMetadata); ok && metav1.IsControlledBy(p, rs) && sel.Matches(labels.Set(p.Labels)) {
			pods = append(pods, p)
		}
	}
	return pods, nil
}

// restartPods carries out spec.restartAt for a steady Rollout through the Eviction
// API, so PodDisruptionBudgets hold. It returns whether the restart is complete
// and when to look again.
func (c *Controller) restartPods(ctx context.Context, ro *v1alpha1.Rollout, rss []*appsv1.ReplicaSet) (bool, time.Duration, error) {
	if ro.Spec.RestartAt == nil || (ro.Status.RestartedAt != nil && !ro.Status.RestartedAt.Before(ro.Spec.RestartAt)) {
		return true, 0, nil
	}
	if c.podLister == nil {
		return false, 0, fmt.Errorf("restartAt needs the pod metadata informer")
	}
	var pods []*metav1.PartialObjectMetadata
	var available int32
	owner := map[string]*appsv1.ReplicaSet{}
	for _, rs := range rss {
		available += rs.Status.AvailableReplicas
		own, err := c.podsOf(rs)
		if err != nil {
			return false, 0, err
		}
		for _, p := range own {
			owner[p.Name] = rs
		}
		pods = append(pods, own...)
	}
	plan := planRestart(ro.Spec.RestartAt.Time, c.clock.Now(), pods, ptrValue(ro.Spec.Replicas), available, maxUnavailableCount(ro))
	for _, name := range plan.evict {
		eviction := &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ro.Namespace}}
		err := c.kube.PolicyV1().Evictions(ro.Namespace).Evict(ctx, eviction)
		switch {
		case err == nil:
			c.recorder.Eventf(ro, corev1.EventTypeNormal, "RestartingPod", "Evicted pod %s to restart it", name)
			// The ReplicaSet's availableReplicas still counts the evicted pod
			// until its controller rewrites the status; a sync before that
			// would see the budget unspent and evict the next pod too.
			c.freshness.AwaitChange(owner[name])
		case apierrors.IsTooManyRequests(err):
			// A PodDisruptionBudget refuses for now; try again shortly.
			return false, 5 * time.Second, nil
		case !apierrors.IsNotFound(err):
			return false, 0, fmt.Errorf("evict pod %s: %w", name, err)
		}
	}
	return plan.done, plan.wait, nil
}

// podHashIndex indexes pods by "<namespace>/<pod-template-hash>", so reading a
// ReplicaSet's pods does not scan every pod of the namespace.
const podHashIndex = "byHash"

func podHash(obj any) ([]string, error) {
	p, ok := obj.(*metav1.PartialObjectMetadata)
	if !ok || p.Labels[HashLabel] == "" {
		return nil, nil
	}
	return []string{p.Namespace + "/" + p.Labels[HashLabel]}, nil
}
