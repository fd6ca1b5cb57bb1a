package rollout

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// A Service sluice pointed at a ReplicaSet carries the hash label in its
// selector and the managed-by annotation. When its Rollout is deleted (its
// ReplicaSets go with it) or stops naming it, that selector would select nothing,
// or a ReplicaSet that is gone, for good. Releasing the Service takes both keys
// back out, so it selects what its own selector says again: the Deployment's pods
// after a migration back through workloadRef, or the pods of whatever replaces
// the Rollout.
//
// This is level-triggered: the work is keyed by the Rollout and runs in its sync
// (leader only). A Rollout's delete event, a Service event for a Service whose
// Rollout is missing or no longer names it, and the initial list at start (which
// delivers every Service as an add) all enqueue the Rollout's key.

// managedByIndex indexes Services by "namespace/rollout" of their managed-by
// annotation, so finding a Rollout's Services does not scan its namespace.
const managedByIndex = "byManagedBy"

func serviceManager(obj any) ([]string, error) {
	svc, ok := obj.(*corev1.Service)
	if !ok || svc.Annotations[ManagedByAnnotation] == "" {
		return nil, nil
	}
	return []string{svc.Namespace + "/" + svc.Annotations[ManagedByAnnotation]}, nil
}

// servicesToRelease picks, from the Services annotated as managed by a Rollout,
// those it no longer uses: all of them when the Rollout is gone (ro is nil), else
// those its strategy does not name.
func servicesToRelease(managed []*corev1.Service, ro *v1alpha1.Rollout) []*corev1.Service {
	var named []string
	if ro != nil {
		named = referencedServices(ro)
	}
	var out []*corev1.Service
	for _, svc := range managed {
		if !slices.Contains(named, svc.Name) {
			out = append(out, svc)
		}
	}
	return out
}

// releaseServices releases the Services annotated as managed by the Rollout
// namespace/rolloutName that it no longer uses (see servicesToRelease). A
// Rollout missing from the cache is confirmed gone with the API before anything
// is released: the cache holds only this instance's Rollouts, and a Rollout of
// the same name may belong to another instance or not be cached yet.
func (c *Controller) releaseServices(ctx context.Context, namespace, rolloutName string) error {
	objs, err := c.serviceCache.ByIndex(managedByIndex, namespace+"/"+rolloutName)
	if err != nil || len(objs) == 0 {
		return err
	}
	managed := make([]*corev1.Service, 0, len(objs))
	for _, o := range objs {
		if svc, ok := o.(*corev1.Service); ok {
			managed = append(managed, svc)
		}
	}
	ro, err := c.rolloutLister.Rollouts(namespace).Get(rolloutName)
	switch {
	case apierrors.IsNotFound(err):
		ro = nil
		if _, err := c.sluice.SluiceV1alpha1().Rollouts(namespace).Get(ctx, rolloutName, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			return err // it exists (not ours, or not cached yet): leave its Services alone
		}
	case err != nil:
		return err
	}
	for _, svc := range servicesToRelease(managed, ro) {
		if err := c.releaseService(ctx, svc); err != nil {
			return err
		}
		if ro != nil {
			c.recorder.Eventf(ro, corev1.EventTypeNormal, "ReleasedService", "Removed %s from the selector of Service %s, which the Rollout no longer names", HashLabel, svc.Name)
		} else {
			klog.FromContext(ctx).V(2).Info("Released Service of a deleted Rollout", "service", svc.Name)
		}
	}
	return nil
}

// releaseService removes the hash label from a Service's selector and the
// managed-by annotation in one merge patch (null deletes a key). The cached
// resourceVersion makes it conditional: if the Service changed since (another
// Rollout took it over), the patch conflicts and the sync retries on fresh data.
func (c *Controller) releaseService(ctx context.Context, svc *corev1.Service) error {
	patch, _ := json.Marshal(map[string]any{
		"metadata": map[string]any{
			"resourceVersion": svc.ResourceVersion,
			"annotations":     map[string]any{ManagedByAnnotation: nil},
		},
		"spec": map[string]any{"selector": map[string]any{HashLabel: nil}},
	})
	_, err := c.kube.CoreV1().Services(svc.Namespace).Patch(ctx, svc.Name, typesMerge, patch, metav1.PatchOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("release Service %s: %w", svc.Name, err)
	}
	return nil
}

// enqueueReleasable wakes the Rollout named in a Service's managed-by annotation
// when that Rollout may have to release it: it is not in the cache (deleted,
// or another instance's: releaseServices tells), or no longer names the Service.
// A Rollout that still names it is woken by enqueueServiceUsers already.
func (c *Controller) enqueueReleasable(obj any) {
	svc, ok := obj.(*corev1.Service)
	if !ok || svc.Annotations[ManagedByAnnotation] == "" {
		return
	}
	key := cache.ObjectName{Namespace: svc.Namespace, Name: svc.Annotations[ManagedByAnnotation]}
	ro, err := c.rolloutLister.Rollouts(key.Namespace).Get(key.Name)
	if err == nil && slices.Contains(referencedServices(ro), svc.Name) {
		return
	}
	c.queue.Add(key)
}
