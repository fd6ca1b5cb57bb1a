package rollout

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// RoleMetadataAnnotation records, on a ReplicaSet, the role metadata
// (canaryMetadata, stableMetadata, previewMetadata, activeMetadata) sluice last
// put on it and its pods, so it can be taken off again when the role changes and
// ignored when templates are compared.
const RoleMetadataAnnotation = "sluice.dev/role-metadata"

// roleMetadata is the metadata a ReplicaSet's pods should carry for the role they
// hold now: canary or stable, preview or active.
func roleMetadata(ro *v1alpha1.Rollout, rs *appsv1.ReplicaSet, stableHash string) *v1alpha1.PodTemplateMetadata {
	stable := rs.Labels[HashLabel] == stableHash
	if c := ro.Spec.Strategy.Canary; c != nil {
		if stable {
			return c.StableMetadata
		}
		return c.CanaryMetadata
	}
	if bg := ro.Spec.Strategy.BlueGreen; bg != nil {
		if stable {
			return bg.ActiveMetadata
		}
		return bg.PreviewMetadata
	}
	return nil
}

// appliedMetadata reads what RoleMetadataAnnotation says was applied.
func appliedMetadata(rs *appsv1.ReplicaSet) v1alpha1.PodTemplateMetadata {
	var md v1alpha1.PodTemplateMetadata
	if raw, ok := rs.Annotations[RoleMetadataAnnotation]; ok {
		_ = json.Unmarshal([]byte(raw), &md)
	}
	return md
}

// withoutRoleMetadata strips the applied role metadata from a ReplicaSet's
// template copy, so template comparison sees only what the Rollout asked for.
func withoutRoleMetadata(rs *appsv1.ReplicaSet) *appsv1.ReplicaSet {
	md := appliedMetadata(rs)
	if len(md.Labels) == 0 && len(md.Annotations) == 0 {
		return rs
	}
	out := rs.DeepCopy()
	for k := range md.Labels {
		delete(out.Spec.Template.Labels, k)
	}
	for k := range md.Annotations {
		delete(out.Spec.Template.Annotations, k)
	}
	if len(out.Spec.Template.Annotations) == 0 {
		out.Spec.Template.Annotations = nil
	}
	return out
}

// syncRoleMetadata puts a ReplicaSet's role metadata on its pod template (for
// pods it creates from now on) and on its running pods, and takes off what the
// other role put there. Labels the selector uses are never touched. Pods are
// checked on every sync from the pod cache, so a pod created while the template
// changed is caught up too; only pods that differ are written.
func (c *Controller) syncRoleMetadata(ctx context.Context, ro *v1alpha1.Rollout, rs *appsv1.ReplicaSet, want *v1alpha1.PodTemplateMetadata) (*appsv1.ReplicaSet, error) {
	out, desired, changed := withRoleMetadata(ro, rs, want)
	if changed {
		// A patch of the template metadata and the record alone: an update of the
		// cached object would conflict with the ReplicaSet controller's status writes.
		patch, _ := json.Marshal(map[string]any{
			"metadata": map[string]any{"annotations": map[string]string{RoleMetadataAnnotation: out.Annotations[RoleMetadataAnnotation]}},
			"spec": map[string]any{"template": map[string]any{"metadata": map[string]any{
				"labels":      metadataPatch(rs.Spec.Template.Labels, out.Spec.Template.Labels, keysOf(rs.Spec.Template.Labels)),
				"annotations": metadataPatch(rs.Spec.Template.Annotations, out.Spec.Template.Annotations, keysOf(rs.Spec.Template.Annotations)),
			}}},
		})
		written, err := c.kube.AppsV1().ReplicaSets(rs.Namespace).Patch(ctx, rs.Name, typesMerge, patch, metav1.PatchOptions{})
		if err != nil {
			return nil, fmt.Errorf("set role metadata of ReplicaSet %s: %w", rs.Name, err)
		}
		c.freshness.Wrote(rs, written)
		rs = written
	}
	return rs, c.patchPodsMetadata(ctx, ro, rs, desired)
}

// withRoleMetadata returns the ReplicaSet with its pod template carrying the
// role metadata want (and no longer what another role put there), the metadata
// itself, and whether anything changed. rs is not modified.
func withRoleMetadata(ro *v1alpha1.Rollout, rs *appsv1.ReplicaSet, want *v1alpha1.PodTemplateMetadata) (*appsv1.ReplicaSet, v1alpha1.PodTemplateMetadata, bool) {
	desired := v1alpha1.PodTemplateMetadata{}
	if want != nil {
		desired.Labels = withoutKeys(want.Labels, ro.Spec.Selector.MatchLabels, HashLabel)
		desired.Annotations = maps.Clone(want.Annotations)
	}
	applied := appliedMetadata(rs)
	if maps.Equal(applied.Labels, desired.Labels) && maps.Equal(applied.Annotations, desired.Annotations) {
		return rs, desired, false
	}
	out := rs.DeepCopy()
	t := &out.Spec.Template
	t.Labels = merged(t.Labels, applied.Labels, desired.Labels)
	t.Annotations = merged(t.Annotations, applied.Annotations, desired.Annotations)
	raw, _ := json.Marshal(desired)
	if out.Annotations == nil {
		out.Annotations = map[string]string{}
	}
	out.Annotations[RoleMetadataAnnotation] = string(raw)
	return out, desired, true
}

// keysOf is the set of a map's keys: with metadataPatch, every key want lacks is
// removed.
func keysOf(m map[string]string) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

// patchPodsMetadata brings the ReplicaSet's running pods to the desired role
// metadata, removing keys only the other role uses.
func (c *Controller) patchPodsMetadata(ctx context.Context, ro *v1alpha1.Rollout, rs *appsv1.ReplicaSet, desired v1alpha1.PodTemplateMetadata) error {
	if c.podLister == nil {
		return nil
	}
	labelKeys, annotationKeys := roleKeys(ro)
	if len(labelKeys) == 0 && len(annotationKeys) == 0 {
		return nil // no role metadata in the strategy: nothing to put on pods
	}
	pods, err := c.podsOf(rs)
	if err != nil {
		return err
	}
	for _, pod := range pods {
		labels := metadataPatch(pod.Labels, desired.Labels, labelKeys)
		annotations := metadataPatch(pod.Annotations, desired.Annotations, annotationKeys)
		if pod.DeletionTimestamp != nil || (len(labels) == 0 && len(annotations) == 0) {
			continue
		}
		patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{"labels": labels, "annotations": annotations}})
		if _, err := c.kube.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, typesMerge, patch, metav1.PatchOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("set role metadata of pod %s: %w", pod.Name, err)
		}
	}
	return nil
}

// roleKeys are the label and annotation keys any role of the strategy sets.
func roleKeys(ro *v1alpha1.Rollout) (labels, annotations map[string]bool) {
	labels, annotations = map[string]bool{}, map[string]bool{}
	var roles []*v1alpha1.PodTemplateMetadata
	if c := ro.Spec.Strategy.Canary; c != nil {
		roles = append(roles, c.CanaryMetadata, c.StableMetadata)
	}
	if bg := ro.Spec.Strategy.BlueGreen; bg != nil {
		roles = append(roles, bg.PreviewMetadata, bg.ActiveMetadata)
	}
	for _, md := range roles {
		if md == nil {
			continue
		}
		for k := range md.Labels {
			labels[k] = true
		}
		for k := range md.Annotations {
			annotations[k] = true
		}
	}
	return labels, annotations
}

// metadataPatch is the merge patch taking have to desired for the role keys: the
// desired values set, the keys of other roles removed. Empty when nothing differs.
func metadataPatch(have, desired map[string]string, roleKeys map[string]bool) map[string]any {
	out := map[string]any{}
	for k, v := range desired {
		if have[k] != v {
			out[k] = v
		}
	}
	for k := range roleKeys {
		if _, want := desired[k]; !want {
			if _, present := have[k]; present {
				out[k] = nil
			}
		}
	}
	return out
}

// merged returns base without the keys of old, plus add.
func merged(base, old, add map[string]string) map[string]string {
	out := maps.Clone(base)
	if out == nil {
		out = map[string]string{}
	}
	for k := range old {
		delete(out, k)
	}
	maps.Copy(out, add)
	if len(out) == 0 {
		return nil
	}
	return out
}

func withoutKeys(m map[string]string, reserved map[string]string, extra string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if _, taken := reserved[k]; !taken && k != extra {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
