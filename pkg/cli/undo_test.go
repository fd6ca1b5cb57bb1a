package cli

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/sluice-dev/sluice/pkg/cli/view"
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
