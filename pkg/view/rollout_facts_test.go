package view

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// The facts the dashboard shows are the ones `get rollout` prints: every
// header value and every tree row of the text is in them, in the same order.
func TestRolloutFactsMatchTheScreen(t *testing.T) {
	ro := canary(1)
	ro.Name, ro.Namespace, ro.UID = "web", "default", "uid"
	ro.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	ro.Status.Phase, ro.Status.Message = v1alpha1.RolloutPhasePaused, "paused at step 2/4"
	owner := []metav1.OwnerReference{{Kind: "Rollout", Name: "web", UID: "uid", Controller: ptr(true)}}
	set := func(hash string, replicas int32) *appsv1.ReplicaSet {
		r := rs(hash, replicas)
		r.Name, r.OwnerReferences, r.Spec.Replicas = "web-"+hash, owner, &replicas
		r.Labels["app"] = "web"
		r.Annotations = map[string]string{RevisionAnnotation: map[string]string{"old": "1", "new": "2"}[hash]}
		r.Status.Replicas = replicas
		r.Spec.Template.Spec.Containers = []corev1.Container{{Name: "web", Image: "registry.example/web:" + hash}}
		return r
	}
	s := Snapshot{Rollout: ro, ReplicaSets: []*appsv1.ReplicaSet{set("old", 3), set("new", 1)}, Now: now}
	screen := RenderRollout(s, Style{})
	facts := SummarizeRollout(s)

	if facts.Status != (Status{Text: "॥ Paused", Tone: "paused"}) {
		t.Errorf("status %+v, want ॥ Paused in tone paused", facts.Status)
	}
	for _, want := range append([]string{facts.StatusLine, facts.Strategy, facts.Step, facts.SetWeight, facts.ActualWeight}, facts.Images...) {
		if want == "" || !strings.Contains(screen, want) {
			t.Errorf("fact %q is not on the screen:\n%s", want, screen)
		}
	}
	if want := []string{"registry.example/web:old (stable)", "registry.example/web:new (canary)"}; strings.Join(facts.Images, "|") != strings.Join(want, "|") {
		t.Errorf("images %q, want %q", facts.Images, want)
	}
	at := strings.Index(screen, "NAME ") // the tree, after the header
	for _, row := range facts.Tree {
		i := strings.Index(screen[at:], row.Name)
		if i < 0 {
			t.Fatalf("tree row %q not on the screen after offset %d:\n%s", row.Name, at, screen)
		}
		at += i
		line := screen[at : at+strings.IndexByte(screen[at:], '\n')]
		for _, part := range []string{row.Kind, row.Status.Text, row.Age, row.Info} {
			if !strings.Contains(line, part) {
				t.Errorf("row %q: %q is not on its line %q", row.Name, part, line)
			}
		}
	}
	if got := facts.Tree[0]; got.Depth != 0 || got.Kind != "Rollout" {
		t.Errorf("first row %+v, want the Rollout at depth 0", got)
	}
	if len(facts.Tree) != 5 { // rollout, 2 revisions, 2 ReplicaSets
		t.Errorf("%d tree rows, want 5: %+v", len(facts.Tree), facts.Tree)
	}
}
