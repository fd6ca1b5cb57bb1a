package view

import (
	"regexp"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

// Colour never moves a column: without its escape codes the coloured output is
// the plain output.
func TestColourKeepsTheLayout(t *testing.T) {
	ro := canary(1)
	ro.Name, ro.Namespace, ro.UID = "web", "default", "uid"
	ro.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	ro.Status.Phase = v1alpha1.RolloutPhasePaused
	owner := []metav1.OwnerReference{{Kind: "Rollout", Name: "web", UID: "uid", Controller: ptr(true)}}
	set := func(hash string, replicas int32) *appsv1.ReplicaSet {
		r := rs(hash, replicas)
		r.Name, r.OwnerReferences, r.Spec.Replicas = "web-"+hash, owner, &replicas
		r.Labels["app"] = "web"
		r.Annotations = map[string]string{RevisionAnnotation: map[string]string{"old": "1", "new": "2"}[hash]}
		r.Status.Replicas = replicas
		return r
	}
	s := Snapshot{Rollout: ro, ReplicaSets: []*appsv1.ReplicaSet{set("old", 3), set("new", 1)}, Now: now}
	plainOut := RenderRollout(s, Style{})
	colourOut := RenderRollout(s, Style{Color: true})
	if plainOut == colourOut {
		t.Fatal("no colour in coloured output")
	}
	if got := ansi.ReplaceAllString(colourOut, ""); got != plainOut {
		t.Errorf("coloured layout differs:\n%s\nplain:\n%s", got, plainOut)
	}
	for _, line := range strings.Split(plainOut, "\n") {
		if strings.HasSuffix(line, " ") {
			t.Errorf("trailing blank in %q", line)
		}
	}
}

func TestPodStatus(t *testing.T) {
	waiting := func(reason string) corev1.ContainerStatus {
		return corev1.ContainerStatus{State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}}
	}
	deleted := metav1.NewTime(now)
	for _, tc := range []struct {
		name string
		pod  corev1.Pod
		want string
	}{
		{"pending", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodPending}}, "◌ Pending"},
		{"creating", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodPending, ContainerStatuses: []corev1.ContainerStatus{waiting("ContainerCreating")}}}, "◌ ContainerCreating"},
		{"crashing", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{waiting("CrashLoopBackOff")}}}, "✖ CrashLoopBackOff"},
		{"init", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodPending, InitContainerStatuses: []corev1.ContainerStatus{waiting("ImagePullBackOff")}}}, "✖ Init:ImagePullBackOff"},
		{"running unready", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning}}, "◌ Running"},
		{"running ready", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}}}, "✔ Running"},
		{"terminating", corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &deleted}, Status: corev1.PodStatus{Phase: corev1.PodRunning}}, "◌ Terminating"},
		{"failed", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodFailed}}, "✖ Failed"},
	} {
		if got := podStatus(&tc.pod).text; got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestAnalysisRunsGoUnderTheirRevision(t *testing.T) {
	ro := canary(2)
	ro.Name, ro.UID = "web", "uid"
	r2 := rs("new", 1)
	r2.Name, r2.Annotations = "web-new", map[string]string{RevisionAnnotation: "2"}
	byLabel := &v1alpha1.AnalysisRun{ObjectMeta: metav1.ObjectMeta{Name: "by-label", Labels: map[string]string{HashLabel: "new"}, CreationTimestamp: metav1.NewTime(now.Add(-time.Minute))}}
	orphan := &v1alpha1.AnalysisRun{ObjectMeta: metav1.ObjectMeta{Name: "orphan"}, Status: v1alpha1.AnalysisRunStatus{Phase: v1alpha1.AnalysisPhaseRunning}}
	tree := buildTree(Snapshot{Rollout: ro, ReplicaSets: []*appsv1.ReplicaSet{r2}, AnalysisRuns: []*v1alpha1.AnalysisRun{byLabel, orphan}, Now: now})
	if len(tree.children) != 2 || tree.children[0].name != "revision:2" || tree.children[1].name != "revision:unknown" {
		t.Fatalf("revisions: %+v", tree.children)
	}
	if got := tree.children[0].children[1]; got.name != "by-label" || got.status.text != "◌ Pending" {
		t.Errorf("run under revision 2: %+v", got)
	}
	if got := tree.children[1].children[0]; got.name != "orphan" || got.info != "✔ 0, ✖ 0" {
		t.Errorf("run without revision: %+v", got)
	}
}
