package cli

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/pkg/view"
	"github.com/sluice-dev/sluice/rollout"
)

// threeRevisions is "web" at revision 3 with ReplicaSets for revisions 1–3, one
// ReplicaSet of another owner and one of another app.
func threeRevisions() []runtime.Object {
	ro := canaryRollout()
	ro.Spec.Template = podTemplate("example.com/web:3.0")
	ro.Status.CurrentPodHash = "hash3"
	foreign := replicaSet(ro, "hash9", 9, "example.com/web:9.0", 0, 0, time.Hour)
	foreign.OwnerReferences[0].UID = "someone-else"
	other := replicaSet(ro, "hash8", 8, "example.com/other:1", 0, 0, time.Hour)
	other.Labels["app"] = "other"
	return []runtime.Object{ro,
		replicaSet(ro, "hash1", 1, "example.com/web:1.0", 0, 0, 3*time.Hour),
		replicaSet(ro, "hash2", 2, "example.com/web:2.0", 0, 0, 2*time.Hour),
		replicaSet(ro, "hash3", 3, "example.com/web:3.0", 4, 4, time.Hour),
		foreign, other,
	}
}

func TestUndoGoesToThePreviousRevision(t *testing.T) {
	c := newFakeCluster(t, threeRevisions()...)
	r := c.run("undo", "web")
	wantExit(t, r, 0)
	if r.stdout != "rollout \"web\" rolled back to revision 2\n" {
		t.Errorf("stdout %q", r.stdout)
	}
	got := c.rollout("web").Spec.Template
	want := podTemplate("example.com/web:2.0")
	if !equality.Semantic.DeepEqual(got, want) {
		t.Errorf("template\n%+v\nwant\n%+v", got, want)
	}
	if _, ok := got.Labels[view.HashLabel]; ok {
		t.Error("the hash label was copied into the rollout")
	}
}

func TestUndoToRevision(t *testing.T) {
	c := newFakeCluster(t, threeRevisions()...)
	wantExit(t, c.run("undo", "web", "--to-revision", "1"), 0)
	if img := c.rollout("web").Spec.Template.Spec.Containers[0].Image; img != "example.com/web:1.0" {
		t.Errorf("image %s", img)
	}
}

func TestUndoErrors(t *testing.T) {
	c := newFakeCluster(t, threeRevisions()...)
	r := c.run("undo", "web", "--to-revision", "9")
	wantExit(t, r, 1)
	wantOneErrorLine(t, r, `error: rollout "web" has no revision 9 (revisions: 1, 2, 3)`)

	ro := canaryRollout()
	c = newFakeCluster(t, ro, replicaSet(ro, canaryHash, 1, "example.com/web:2.0", 4, 4, time.Hour))
	r = c.run("undo", "web")
	wantExit(t, r, 1)
	wantOneErrorLine(t, r, `error: rollout "web" has no revision before 1 to go back to`)

	r = c.run("undo", "nope")
	wantOneErrorLine(t, r, `error: rollout "nope" not found in namespace "default"`)
}

// userTemplate is a pod template as a user wrote it, with labels and
// annotations of its own besides those the selector needs.
func userTemplate(image string) corev1.PodTemplateSpec {
	t := podTemplate(image)
	t.Labels["tier"] = "frontend"
	t.Annotations = map[string]string{"owner": "team-web"}
	return t
}

// withRole gives a ReplicaSet the role metadata the controller puts on a
// stable ReplicaSet's pod template, with its record.
func withRole(t *testing.T, rs *appsv1.ReplicaSet, md v1alpha1.PodTemplateMetadata) *appsv1.ReplicaSet {
	t.Helper()
	maps.Copy(rs.Spec.Template.Labels, md.Labels)
	if rs.Spec.Template.Annotations == nil {
		rs.Spec.Template.Annotations = map[string]string{}
	}
	maps.Copy(rs.Spec.Template.Annotations, md.Annotations)
	record, err := json.Marshal(md)
	if err != nil {
		t.Fatal(err)
	}
	rs.Annotations[view.RoleMetadataAnnotation] = string(record)
	return rs
}

// An old ReplicaSet carries the role metadata sluice added to its template; undo
// copies back the template the user wrote, without it: with it, the controller
// would not see that ReplicaSet as running the template (a new ReplicaSet and a
// full canary instead of a fast rollback) and the pods would keep the old role's
// labels in their new role. Labels and annotations of the user's own stay.
func TestUndoRestoresTheUserTemplateWithoutRoleMetadata(t *testing.T) {
	for name, written := range map[string]func(image string) corev1.PodTemplateSpec{
		"own labels and annotations": userTemplate,
		"no annotations":             podTemplate,
	} {
		t.Run(name, func(t *testing.T) {
			ro := canaryRollout()
			ro.Spec.Template = written("example.com/web:2.0")
			ro.Spec.Strategy.Canary.StableMetadata = &v1alpha1.PodTemplateMetadata{
				Labels: map[string]string{"role": "stable"}, Annotations: map[string]string{"sluice.example/role": "stable"},
			}
			c := newFakeCluster(t, ro,
				withRole(t, revisionOf(ro, stableHash, 1, written("example.com/web:1.0")), *ro.Spec.Strategy.Canary.StableMetadata),
				revisionOf(ro, canaryHash, 2, written("example.com/web:2.0")))

			wantExit(t, c.run("undo", "web"), 0)
			got := c.rollout("web").Spec.Template
			if want := written("example.com/web:1.0"); !equality.Semantic.DeepEqual(got, want) {
				t.Errorf("template labels %v annotations %v, want the user's: %v %v", got.Labels, got.Annotations, want.Labels, want.Annotations)
			}
		})
	}
}

// revisionOf is a ReplicaSet of ro created from template.
func revisionOf(ro *v1alpha1.Rollout, hash string, revision int64, template corev1.PodTemplateSpec) *appsv1.ReplicaSet {
	rs := replicaSet(ro, hash, revision, "", 0, 0, time.Hour)
	rs.Spec.Template = template
	rs.Spec.Template.Labels[view.HashLabel] = hash
	return rs
}

// A record undo cannot read would leave it unable to tell the user's labels
// from sluice's; it says so rather than copy sluice's into the template.
func TestUndoRefusesAnUnreadableRoleRecord(t *testing.T) {
	ro := canaryRollout()
	old := revisionOf(ro, stableHash, 1, podTemplate("example.com/web:1.0"))
	old.Annotations[view.RoleMetadataAnnotation] = "{not json"
	c := newFakeCluster(t, ro, old, revisionOf(ro, canaryHash, 2, podTemplate("example.com/web:2.0")))
	r := c.run("undo", "web")
	wantExit(t, r, 1)
	if !strings.HasPrefix(r.stderr, `error: ReplicaSet "web-5f4b6c7d8": cannot read its sluice.dev/role-metadata annotation`) {
		t.Errorf("stderr %q", r.stderr)
	}
	if img := c.rollout("web").Spec.Template.Spec.Containers[0].Image; img != "example.com/web:2.0" {
		t.Errorf("the template changed to %s", img)
	}
}

// The plugin reads the record under the name the controller writes it.
func TestRoleMetadataAnnotationIsTheControllers(t *testing.T) {
	if view.RoleMetadataAnnotation != rollout.RoleMetadataAnnotation {
		t.Errorf("plugin reads %q, the controller writes %q", view.RoleMetadataAnnotation, rollout.RoleMetadataAnnotation)
	}
}
