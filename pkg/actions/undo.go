package actions

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// Undo returns the decision that copies the pod template of an earlier
// revision into the rollout: revision toRevision of the rollout's ReplicaSets
// rss, or, when it is 0, the one before the current revision.
func Undo(rss []*appsv1.ReplicaSet, toRevision int64) Decision {
	return func(ro *v1alpha1.Rollout) (Change, error) {
		if ro.Spec.WorkloadRef != nil {
			return Change{}, refused("rollout %q takes its pod template from %s %q (workloadRef); roll that back instead",
				ro.Name, ro.Spec.WorkloadRef.Kind, ro.Spec.WorkloadRef.Name)
		}
		target, current, err := undoTarget(ro, rss, toRevision)
		if err != nil {
			return Change{}, err
		}
		revision := revisionOf(target.Annotations)
		if revision == current && specObserved(ro) {
			return Change{}, nothingToDo("rollout %q is already at revision %d: nothing to undo", ro.Name, revision)
		}
		template, err := templateOf(target)
		if err != nil {
			return Change{}, err
		}
		if equality.Semantic.DeepEqual(*template, ro.Spec.Template) {
			return Change{}, nothingToDo("rollout %q already has the pod template of revision %d: nothing to undo", ro.Name, revision)
		}
		return Change{
			Writes: []Write{{Ops: []JSONPatchOp{{Op: "replace", Path: "/spec/template", Value: template}}}},
			Done:   fmt.Sprintf("rollout %q rolled back to revision %d", ro.Name, revision),
		}, nil
	}
}

// undoTarget picks the ReplicaSet to go back to: revision toRevision, or, when it
// is 0, the highest revision below the current one. The current revision (also
// returned) is the ReplicaSet of status.currentPodHash, or the highest revision
// when the status does not name one yet.
func undoTarget(ro *v1alpha1.Rollout, rss []*appsv1.ReplicaSet, toRevision int64) (target *appsv1.ReplicaSet, current int64, err error) {
	byRevision := map[int64]*appsv1.ReplicaSet{}
	for _, rs := range rss {
		rev := revisionOf(rs.Annotations)
		if rev == 0 {
			continue
		}
		byRevision[rev] = rs
		if rs.Labels[hashLabel] == ro.Status.CurrentPodHash && ro.Status.CurrentPodHash != "" {
			current = rev
		}
	}
	revisions := make([]int64, 0, len(byRevision))
	for rev := range byRevision {
		revisions = append(revisions, rev)
	}
	sort.Slice(revisions, func(i, j int) bool { return revisions[i] > revisions[j] })
	if current == 0 && len(revisions) > 0 {
		current = revisions[0]
	}

	if toRevision > 0 {
		if rs, ok := byRevision[toRevision]; ok {
			return rs, current, nil
		}
		return nil, 0, fmt.Errorf("rollout %q has no revision %d (revisions: %s)", ro.Name, toRevision, listRevisions(revisions))
	}
	for _, rev := range revisions {
		if rev < current {
			return byRevision[rev], current, nil
		}
	}
	return nil, 0, fmt.Errorf("rollout %q has no revision before %d to go back to", ro.Name, current)
}

// templateOf is a ReplicaSet's pod template as the Rollout held it: without the
// hash label and without the role metadata (canaryMetadata/stableMetadata,
// previewMetadata/activeMetadata) the controller put on it. Copied into the
// Rollout, role metadata would become part of the user's template: the
// controller compares templates without it, so it would no longer find the old
// ReplicaSet running this template (a new ReplicaSet and a full canary instead
// of a fast rollback), and pods would carry the old role's labels in any role
// that does not set those keys itself (role: stable on canary pods).
func templateOf(rs *appsv1.ReplicaSet) (*corev1.PodTemplateSpec, error) {
	md, err := roleMetadataOf(rs)
	if err != nil {
		return nil, err
	}
	t := rs.Spec.Template.DeepCopy()
	delete(t.Labels, hashLabel)
	t.Labels = withoutKeys(t.Labels, md.Labels)
	t.Annotations = withoutKeys(t.Annotations, md.Annotations)
	return t, nil
}

// roleMetadataOf is the role metadata the controller last put on a ReplicaSet's
// pod template, from the record it keeps of it for its own template comparison.
// The controller writes the record and the template in one patch, so the record
// names exactly the keys it added. A ReplicaSet without a record never had any.
func roleMetadataOf(rs *appsv1.ReplicaSet) (v1alpha1.PodTemplateMetadata, error) {
	var md v1alpha1.PodTemplateMetadata
	raw, ok := rs.Annotations[roleMetadataAnnotation]
	if !ok {
		return md, nil
	}
	if err := json.Unmarshal([]byte(raw), &md); err != nil {
		// Without the record sluice's labels cannot be told from the user's.
		return md, fmt.Errorf("ReplicaSet %q: cannot read its %s annotation (%v): cannot tell the role metadata sluice added from the template's own",
			rs.Name, roleMetadataAnnotation, err)
	}
	return md, nil
}

// withoutKeys is m without the keys of drop; nil when nothing is left, as a
// template the user wrote without labels or annotations holds them.
func withoutKeys(m, drop map[string]string) map[string]string {
	for k := range drop {
		delete(m, k)
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

func listRevisions(revisions []int64) string {
	if len(revisions) == 0 {
		return "none"
	}
	parts := make([]string, len(revisions))
	for i, r := range revisions {
		parts[len(revisions)-1-i] = fmt.Sprint(r)
	}
	return strings.Join(parts, ", ")
}
