package rollout

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// Labels and annotations sluice puts on the objects it owns (SPEC §1).
const (
	HashLabel                   = "sluice.dev/pod-template-hash"
	RevisionAnnotation          = "sluice.dev/revision"
	ScaleDownDeadlineAnnotation = "sluice.dev/scale-down-deadline"
)

var rolloutKind = v1alpha1.SchemeGroupVersion.WithKind("Rollout")

// ownedReplicaSets returns the ReplicaSets controlled by the Rollout, adopting
// orphans its selector matches and releasing owned ones it no longer matches, as
// the Deployment controller does. Adoption and release are rare writes; the common
// path only reads the lister.
func (c *Controller) ownedReplicaSets(ctx context.Context, ro *v1alpha1.Rollout) ([]*appsv1.ReplicaSet, error) {
	selector, err := metav1.LabelSelectorAsSelector(ro.Spec.Selector)
	if err != nil {
		return nil, fmt.Errorf("invalid selector: %w", err)
	}
	all, err := c.candidateReplicaSets(ro)
	if err != nil {
		return nil, err
	}
	var owned []*appsv1.ReplicaSet
	for _, rs := range all {
		ref := metav1.GetControllerOf(rs)
		matches := selector.Matches(labels.Set(rs.Labels))
		switch {
		case ref != nil && ref.UID == ro.UID:
			if matches {
				owned = append(owned, rs)
				continue
			}
			if err := c.releaseReplicaSet(ctx, rs); err != nil {
				return nil, err
			}
		case ref == nil && matches && rs.DeletionTimestamp == nil && ro.DeletionTimestamp == nil:
			adopted, err := c.adoptReplicaSet(ctx, ro, rs)
			if err != nil {
				return nil, err
			}
			if adopted != nil {
				owned = append(owned, adopted)
			}
		}
	}
	return owned, nil
}

func (c *Controller) adoptReplicaSet(ctx context.Context, ro *v1alpha1.Rollout, rs *appsv1.ReplicaSet) (*appsv1.ReplicaSet, error) {
	patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{
		"ownerReferences": []metav1.OwnerReference{*metav1.NewControllerRef(ro, rolloutKind)},
		"uid":             rs.UID,
	}})
	adopted, err := c.kube.AppsV1().ReplicaSets(rs.Namespace).Patch(ctx, rs.Name, typesMerge, patch, metav1.PatchOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("adopt ReplicaSet %s: %w", rs.Name, err)
	}
	return adopted, nil
}

func (c *Controller) releaseReplicaSet(ctx context.Context, rs *appsv1.ReplicaSet) error {
	patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{
		"ownerReferences": []map[string]any{{"$patch": "delete", "uid": metav1.GetControllerOf(rs).UID}},
		"uid":             rs.UID,
	}})
	_, err := c.kube.AppsV1().ReplicaSets(rs.Namespace).Patch(ctx, rs.Name, typesStrategic, patch, metav1.PatchOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("release ReplicaSet %s: %w", rs.Name, err)
	}
	return nil
}

// newReplicaSet builds (without creating it) the ReplicaSet for a pod template
// no ReplicaSet runs yet: named by the template's hash, owned by the Rollout, at
// the next revision and 0 replicas. The plan sizes it; apply creates it.
func newReplicaSet(ro *v1alpha1.Rollout, template *corev1.PodTemplateSpec, rss []*appsv1.ReplicaSet) *appsv1.ReplicaSet {
	hash := podTemplateHash(template, ro.Status.CollisionCount)
	t := template.DeepCopy()
	if t.Labels == nil {
		t.Labels = map[string]string{}
	}
	t.Labels[HashLabel] = hash
	selector := ro.Spec.Selector.DeepCopy()
	if selector.MatchLabels == nil {
		selector.MatchLabels = map[string]string{}
	}
	selector.MatchLabels[HashLabel] = hash
	rsLabels := map[string]string{}
	for k, v := range t.Labels {
		rsLabels[k] = v
	}
	if id, ok := ro.Labels[InstanceLabel]; ok {
		rsLabels[InstanceLabel] = id
	}
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{
			Name:            ro.Name + "-" + hash,
			Namespace:       ro.Namespace,
			Labels:          rsLabels,
			Annotations:     map[string]string{RevisionAnnotation: strconv.FormatInt(maxRevision(rss)+1, 10)},
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(ro, rolloutKind)},
		},
		Spec: appsv1.ReplicaSetSpec{
			Replicas:        ptrTo(int32(0)),
			MinReadySeconds: ro.Spec.MinReadySeconds,
			Selector:        selector,
			Template:        *t,
		},
	}
}

// createReplicaSet creates a ReplicaSet built by newReplicaSet at its planned
// size, so a new template costs one write, not a create and a scale. When the
// name is taken by a ReplicaSet with another template (a hash collision) the
// bumped collision count is recorded in status and the sync fails, to be retried
// under a new name.
func (c *Controller) createReplicaSet(ctx context.Context, ro *v1alpha1.Rollout, rs *appsv1.ReplicaSet, template *corev1.PodTemplateSpec, replicas int32) (*appsv1.ReplicaSet, error) {
	rs = rs.DeepCopy()
	rs.Spec.Replicas = ptrTo(replicas)
	created, err := c.kube.AppsV1().ReplicaSets(ro.Namespace).Create(ctx, rs, metav1.CreateOptions{})
	if err == nil {
		c.freshness.Created(ro.UID, created) // the next sync acts on it until the cache shows it
		c.recorder.Eventf(ro, corev1.EventTypeNormal, "NewReplicaSetCreated", "Created ReplicaSet %s (revision %s) with %d replicas", created.Name, created.Annotations[RevisionAnnotation], replicas)
		return created, nil
	}
	if !apierrors.IsAlreadyExists(err) {
		return nil, fmt.Errorf("create ReplicaSet %s: %w", rs.Name, err)
	}
	// The name exists. If it is ours with this template, the cache was behind.
	existing, getErr := c.kube.AppsV1().ReplicaSets(ro.Namespace).Get(ctx, rs.Name, metav1.GetOptions{})
	if getErr == nil && metav1.IsControlledBy(existing, ro) && templateCovers(&withoutRoleMetadata(existing).Spec.Template, template) {
		return existing, nil
	}
	next := int32(1)
	if ro.Status.CollisionCount != nil {
		next = *ro.Status.CollisionCount + 1
	}
	st := ro.Status.DeepCopy()
	st.CollisionCount = &next
	if _, werr := c.writeStatus(ctx, ro, *st); werr != nil {
		return nil, werr
	}
	return nil, fmt.Errorf("ReplicaSet name %s collides with another template; collisionCount now %d", rs.Name, next)
}

// scaleReplicaSet writes a ReplicaSet's replica count and returns the written object.
func (c *Controller) scaleReplicaSet(ctx context.Context, ro *v1alpha1.Rollout, rs *appsv1.ReplicaSet, replicas int32) (*appsv1.ReplicaSet, error) {
	from := ptrValue(rs.Spec.Replicas)
	if from == replicas {
		return rs, nil
	}
	// A patch of spec.replicas alone, not an update of the cached object: the
	// ReplicaSet controller writes the status all the time, and an update
	// carrying the cached resourceVersion would lose to each of those writes
	// with a conflict (and a retried sync), though nothing it changed matters.
	patch := fmt.Appendf(nil, `{"spec":{"replicas":%d}}`, replicas)
	written, err := c.kube.AppsV1().ReplicaSets(rs.Namespace).Patch(ctx, rs.Name, typesMerge, patch, metav1.PatchOptions{})
	if err != nil {
		return nil, fmt.Errorf("scale ReplicaSet %s to %d: %w", rs.Name, replicas, err)
	}
	c.freshness.Wrote(rs, written)
	verb := "up"
	if replicas < from {
		verb = "down"
	}
	c.recorder.Eventf(ro, corev1.EventTypeNormal, "ScalingReplicaSet", "Scaled %s ReplicaSet %s from %d to %d", verb, rs.Name, from, replicas)
	return written, nil
}

// setScaleDownDeadline records when an old ReplicaSet's pods may go and
// returns the ReplicaSet as written.
func (c *Controller) setScaleDownDeadline(ctx context.Context, rs *appsv1.ReplicaSet, at time.Time) (*appsv1.ReplicaSet, error) {
	value := at.UTC().Format(time.RFC3339)
	if rs.Annotations[ScaleDownDeadlineAnnotation] == value {
		return rs, nil
	}
	written, err := c.annotateReplicaSet(ctx, rs, ScaleDownDeadlineAnnotation, value)
	if err != nil {
		return nil, fmt.Errorf("set scale-down deadline of ReplicaSet %s: %w", rs.Name, err)
	}
	return written, nil
}

// annotateReplicaSet sets one annotation by merge patch and records the write,
// so a later sync does not act on a cached copy without it: an old stable
// ReplicaSet seen without its scale-down deadline would lose its pods at once.
func (c *Controller) annotateReplicaSet(ctx context.Context, rs *appsv1.ReplicaSet, key, value string) (*appsv1.ReplicaSet, error) {
	patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{key: value}}})
	written, err := c.kube.AppsV1().ReplicaSets(rs.Namespace).Patch(ctx, rs.Name, typesMerge, patch, metav1.PatchOptions{})
	if err != nil {
		return nil, err
	}
	c.freshness.Wrote(rs, written)
	return written, nil
}

// cleanupHistory deletes the oldest fully scaled-down ReplicaSets beyond
// revisionHistoryLimit. The new and stable ReplicaSets are never deleted.
func (c *Controller) cleanupHistory(ctx context.Context, ro *v1alpha1.Rollout, rss []*appsv1.ReplicaSet, keep ...string) error {
	limit := int(ptrValue(ro.Spec.RevisionHistoryLimit))
	var idle []*appsv1.ReplicaSet
	for _, rs := range rss {
		if ptrValue(rs.Spec.Replicas) == 0 && rs.Status.Replicas == 0 && rs.DeletionTimestamp == nil && !slices.Contains(keep, rs.Labels[HashLabel]) {
			idle = append(idle, rs)
		}
	}
	if len(idle) <= limit {
		return nil
	}
	sort.Slice(idle, func(i, j int) bool { return revisionOf(idle[i]) < revisionOf(idle[j]) })
	for _, rs := range idle[:len(idle)-limit] {
		err := c.kube.AppsV1().ReplicaSets(rs.Namespace).Delete(ctx, rs.Name, metav1.DeleteOptions{
			Preconditions: &metav1.Preconditions{UID: &rs.UID, ResourceVersion: &rs.ResourceVersion},
		})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete old ReplicaSet %s: %w", rs.Name, err)
		}
	}
	return nil
}

// setRevision records a ReplicaSet's revision, e.g. when an old template comes back.
func (c *Controller) setRevision(ctx context.Context, rs *appsv1.ReplicaSet, revision int64) error {
	if revisionOf(rs) == revision {
		return nil
	}
	if _, err := c.annotateReplicaSet(ctx, rs, RevisionAnnotation, strconv.FormatInt(revision, 10)); err != nil {
		return fmt.Errorf("set revision of ReplicaSet %s: %w", rs.Name, err)
	}
	return nil
}

func revisionOf(rs *appsv1.ReplicaSet) int64 {
	n, _ := strconv.ParseInt(rs.Annotations[RevisionAnnotation], 10, 64)
	return n
}

func maxRevision(rss []*appsv1.ReplicaSet) int64 {
	var m int64
	for _, rs := range rss {
		m = max(m, revisionOf(rs))
	}
	return m
}

func scaleDownDeadline(rs *appsv1.ReplicaSet) *time.Time {
	v, ok := rs.Annotations[ScaleDownDeadlineAnnotation]
	if !ok {
		return nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return nil
	}
	return &t
}

// rsOwnerIndex indexes ReplicaSets by the UID of their controller, and orphans
// under "orphan/<namespace>", so a sync reads its own ReplicaSets (and the few
// it might adopt) instead of every ReplicaSet of the namespace.
const rsOwnerIndex = "byOwner"

func replicaSetOwner(obj any) ([]string, error) {
	rs, ok := obj.(*appsv1.ReplicaSet)
	if !ok {
		return nil, nil
	}
	if ref := metav1.GetControllerOf(rs); ref != nil {
		return []string{string(ref.UID)}, nil
	}
	return []string{"orphan/" + rs.Namespace}, nil
}

// candidateReplicaSets are the ReplicaSets a Rollout controls plus the orphans
// of its namespace.
func (c *Controller) candidateReplicaSets(ro *v1alpha1.Rollout) ([]*appsv1.ReplicaSet, error) {
	if c.rsIndex == nil {
		return c.rsLister.ReplicaSets(ro.Namespace).List(labels.Everything())
	}
	var out []*appsv1.ReplicaSet
	for _, key := range []string{string(ro.UID), "orphan/" + ro.Namespace} {
		objs, err := c.rsIndex.ByIndex(rsOwnerIndex, key)
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			if rs, ok := o.(*appsv1.ReplicaSet); ok && rs.Namespace == ro.Namespace {
				out = append(out, rs)
			}
		}
	}
	return out, nil
}
