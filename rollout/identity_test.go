package rollout

import (
	"context"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clienttesting "k8s.io/client-go/testing"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// storedReplicaSet is a ReplicaSet as the API server keeps it: the template
// with the hash label and with the defaults the server fills in.
func storedReplicaSet(template *corev1.PodTemplateSpec, hash string) *appsv1.ReplicaSet {
	t := template.DeepCopy()
	t.Labels[HashLabel] = hash
	for i := range t.Spec.Containers {
		t.Spec.Containers[i].TerminationMessagePath = corev1.TerminationMessagePathDefault
		t.Spec.Containers[i].ImagePullPolicy = corev1.PullIfNotPresent
	}
	t.Spec.RestartPolicy = corev1.RestartPolicyAlways
	t.Spec.DNSPolicy = corev1.DNSClusterFirst
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web-" + hash, Namespace: "ns", Labels: map[string]string{HashLabel: hash}},
		Spec:       appsv1.ReplicaSetSpec{Template: *t},
	}
}

func dryRuns(actions []clienttesting.Action) int {
	n := 0
	for _, a := range actions {
		if c, ok := a.(clienttesting.CreateActionImpl); ok && len(c.GetCreateOptions().DryRun) > 0 {
			n++
		}
	}
	return n
}

func TestIdentifyReplicaSet(t *testing.T) {
	v1, v2 := testRollout("web:1"), testRollout("web:2")
	ownV1 := storedReplicaSet(&v1.Spec.Template, podTemplateHash(&v1.Spec.Template, nil))
	// The same template under another name (made before a collision-count
	// change, or by another version of sluice): only the dry run can tell.
	renamedV1 := v1.Spec.Template.DeepCopy()
	renamedV1.Labels = map[string]string{"app": "web", HashLabel: "old"}
	undoTarget := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web-old", Namespace: "ns", Labels: map[string]string{HashLabel: "old"}},
		Spec:       appsv1.ReplicaSetSpec{Template: *renamedV1},
	}
	cases := []struct {
		name        string
		ro          *v1alpha1.Rollout
		rss         []*appsv1.ReplicaSet
		want        string
		wantDryRuns int
	}{
		{"its own ReplicaSet by hash", v1, []*appsv1.ReplicaSet{ownV1}, ownV1.Name, 0},
		{"a new image matches nothing", v2, []*appsv1.ReplicaSet{ownV1}, "", 0},
		{"no ReplicaSets at all", v1, nil, "", 0},
		{"same template under another hash", v1, []*appsv1.ReplicaSet{undoTarget}, undoTarget.Name, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.ro)
			got, err := f.c.identifyReplicaSet(context.Background(), tc.ro, &tc.ro.Spec.Template, tc.rss)
			if err != nil {
				t.Fatal(err)
			}
			name := ""
			if got != nil {
				name = got.Name
			}
			if name != tc.want {
				t.Errorf("identified %q, want %q", name, tc.want)
			}
			if n := dryRuns(f.kube.Actions()); n != tc.wantDryRuns {
				t.Errorf("%d dry-run creates, want %d", n, tc.wantDryRuns)
			}
		})
	}
}

func TestTemplateCovers(t *testing.T) {
	template := testRollout("web:1").Spec.Template
	stored := storedReplicaSet(&template, "h").Spec.Template
	if !templateCovers(&stored, &template) {
		t.Error("a defaulted copy must cover its template")
	}
	if templateCovers(&template, &stored) {
		t.Error("a template without the defaults cannot cover the defaulted one")
	}
	otherImage := template.DeepCopy()
	otherImage.Spec.Containers[0].Image = "web:2"
	if templateCovers(&stored, otherImage) {
		t.Error("a changed image must not be covered")
	}
	moreContainers := template.DeepCopy()
	moreContainers.Spec.Containers = append(moreContainers.Spec.Containers, corev1.Container{Name: "sidecar", Image: "s:1"})
	if templateCovers(&stored, moreContainers) {
		t.Error("a list of another length must not be covered")
	}
	fewerLabels := template.DeepCopy()
	fewerLabels.Labels = nil
	if !templateCovers(&stored, fewerLabels) {
		t.Error("covers is a subset test: fewer set fields are covered (the dry run then decides)")
	}
}
