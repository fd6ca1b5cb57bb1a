package cli

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/pkg/cli/view"
)

func newUndoCommand(o *options) *cobra.Command {
	var toRevision int64
	cmd := &cobra.Command{
		Use:   "undo NAME",
		Short: "Go back to an earlier revision's pod template",
		Long: "Undo copies the pod template of an earlier revision's ReplicaSet into the rollout,\n" +
			"by default the revision before the current one. Going back to a revision that is\n" +
			"still within its scale-down delay or the rollback window skips steps and analysis.",
		Example:           "  kubectl sluice undo web\n  kubectl sluice undo web --to-revision 3",
		Args:              exactArgs("NAME"),
		ValidArgsFunction: completeRolloutNames(o),
		RunE: func(cmd *cobra.Command, args []string) error {
			if toRevision < 0 {
				return usageErrorf("--to-revision must not be negative%s", helpHint(cmd))
			}
			s, err := o.newSession()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			ro, err := s.getRollout(ctx, args[0])
			if err != nil {
				return err
			}
			rss, err := s.ownedReplicaSets(ctx, ro)
			if err != nil {
				return err
			}
			target, err := undoTarget(ro, rss, toRevision)
			if err != nil {
				return err
			}
			template, err := templateOf(target)
			if err != nil {
				return err
			}
			op := jsonPatchOp{Op: "replace", Path: "/spec/template", Value: template}
			if _, err := s.jsonPatch(ctx, ro.Name, []jsonPatchOp{op}); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "rollout %q rolled back to revision %d\n", ro.Name, view.Revision(target.Annotations))
			return nil
		},
	}
	cmd.Flags().Int64Var(&toRevision, "to-revision", 0, "revision to go back to (default: the one before the current revision)")
	return cmd
}

// undoTarget picks the ReplicaSet to go back to: revision toRevision, or, when it
// is 0, the highest revision below the current one. The current revision is the
// ReplicaSet of status.currentPodHash, or the highest revision when the status
// does not name one yet.
func undoTarget(ro *v1alpha1.Rollout, rss []*appsv1.ReplicaSet, toRevision int64) (*appsv1.ReplicaSet, error) {
	if ro.Spec.WorkloadRef != nil {
		return nil, fmt.Errorf("rollout %q takes its pod template from %s %q (workloadRef); roll that back instead",
			ro.Name, ro.Spec.WorkloadRef.Kind, ro.Spec.WorkloadRef.Name)
	}
	byRevision := map[int64]*appsv1.ReplicaSet{}
	var current int64
	for _, rs := range rss {
		rev := view.Revision(rs.Annotations)
		if rev == 0 {
			continue
		}
		byRevision[rev] = rs
		if rs.Labels[view.HashLabel] == ro.Status.CurrentPodHash && ro.Status.CurrentPodHash != "" {
			current = rev
		}
	}
	revisions := make([]int64, 0, len(byRevision))
	for rev := range byRevision {
		revisions = append(revisions, rev)
	}
	sort.Slice(revisions, func(i, j int) bool { return revisions[i] > revisions[j] })

	if toRevision > 0 {
		if rs, ok := byRevision[toRevision]; ok {
			return rs, nil
		}
		return nil, fmt.Errorf("rollout %q has no revision %d (revisions: %s)", ro.Name, toRevision, listRevisions(revisions))
	}
	if current == 0 && len(revisions) > 0 {
		current = revisions[0]
	}
	for _, rev := range revisions {
		if rev < current {
			return byRevision[rev], nil
		}
	}
	return nil, fmt.Errorf("rollout %q has no revision before %d to go back to", ro.Name, current)
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
	delete(t.Labels, view.HashLabel)
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
	raw, ok := rs.Annotations[view.RoleMetadataAnnotation]
	if !ok {
		return md, nil
	}
	if err := json.Unmarshal([]byte(raw), &md); err != nil {
		// Without the record sluice's labels cannot be told from the user's.
		return md, fmt.Errorf("ReplicaSet %q: cannot read its %s annotation (%v): cannot tell the role metadata sluice added from the template's own",
			rs.Name, view.RoleMetadataAnnotation, err)
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
