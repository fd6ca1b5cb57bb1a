package actions

import (
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

func template(image string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{
			InitContainers: []corev1.Container{{Name: "migrate", Image: "migrate:1"}},
			Containers:     []corev1.Container{{Name: "web", Image: image}},
		},
	}
}

// revisions are ReplicaSets of revisions 1-3 running web:1, web:2, web:3, with
// hashes "h1".."h3".
func revisions() []*appsv1.ReplicaSet {
	var rss []*appsv1.ReplicaSet
	for rev := 1; rev <= 3; rev++ {
		t := template(fmt.Sprintf("web:%d", rev))
		hash := fmt.Sprintf("h%d", rev)
		t.Labels[hashLabel] = hash
		rss = append(rss, &appsv1.ReplicaSet{
			ObjectMeta: metav1.ObjectMeta{Name: "web-" + hash, Labels: map[string]string{hashLabel: hash},
				Annotations: map[string]string{revisionAnnotation: fmt.Sprint(rev)}},
			Spec: appsv1.ReplicaSetSpec{Template: t},
		})
	}
	return rss
}

// atRevision3 is "web" Healthy on revision 3.
func atRevision3(change func(*v1alpha1.Rollout)) *v1alpha1.Rollout {
	return canary(func(ro *v1alpha1.Rollout) {
		ro.Spec.Template = template("web:3")
		ro.Status.CurrentPodHash, ro.Status.StableRS = "h3", "h3"
		if change != nil {
			change(ro)
		}
	})
}

func image(ro *v1alpha1.Rollout) string { return ro.Spec.Template.Spec.Containers[0].Image }

func TestUndo(t *testing.T) {
	for _, tc := range []struct {
		name       string
		ro         *v1alpha1.Rollout
		toRevision int64
		wantImage  string
		want       string
	}{
		{"to the revision before", atRevision3(nil), 0, "web:2", `rollout "web" rolled back to revision 2`},
		{"to a revision", atRevision3(nil), 1, "web:1", `rollout "web" rolled back to revision 1`},
		{"to the current revision", atRevision3(nil), 3, "", `rollout "web" is already at revision 3: nothing to undo`},
		{"to the current revision after a spec change not processed yet: the change is undone", atRevision3(func(ro *v1alpha1.Rollout) {
			ro.Spec.Template, ro.Generation = template("web:4"), 3
		}), 3, "web:3", `rollout "web" rolled back to revision 3`},
		{"to the template it already has", atRevision3(func(ro *v1alpha1.Rollout) {
			ro.Spec.Template, ro.Generation = template("web:2"), 3
		}), 2, "", `rollout "web" already has the pod template of revision 2: nothing to undo`},
		{"to a revision that does not exist", atRevision3(nil), 9, "", `rollout "web" has no revision 9 (revisions: 1, 2, 3)`},
		{"from a workloadRef", atRevision3(func(ro *v1alpha1.Rollout) {
			ro.Spec.WorkloadRef = &v1alpha1.ObjectRef{Kind: "Deployment", Name: "web"}
		}), 0, "", `rollout "web" takes its pod template from Deployment "web" (workloadRef); roll that back instead`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Undo(revisions(), tc.toRevision)(tc.ro)
			if tc.wantImage == "" {
				if err == nil || err.Error() != tc.want {
					t.Fatalf("got %v (%q), want the error %q", err, c.Done, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := after(t, tc.ro, c)
			if image(got) != tc.wantImage || c.Done != tc.want {
				t.Errorf("image %s, %q; want %s, %q", image(got), c.Done, tc.wantImage, tc.want)
			}
			if _, ok := got.Spec.Template.Labels[hashLabel]; ok {
				t.Error("the hash label was copied into the template")
			}
		})
	}
}

func TestSetImage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		images map[string]string
		want   string
		init   string
		main   string
	}{
		{"one container", map[string]string{"web": "web:4"}, `rollout "web" image updated: web=web:4`, "migrate:1", "web:4"},
		{"every container, one already on it", map[string]string{"*": "web:3"}, `rollout "web" image updated: migrate=web:3`, "web:3", "web:3"},
		{"a named container wins over every container", map[string]string{"*": "all:1", "web": "web:4"},
			`rollout "web" image updated: migrate=all:1, web=web:4`, "all:1", "web:4"},
		{"the image it runs", map[string]string{"web": "web:3"}, `rollout "web" already runs web=web:3: nothing to change`, "", ""},
		{"a container that does not exist", map[string]string{"sidecar": "x:1", "web": "web:4"},
			`rollout "web" has no container "sidecar" (containers: migrate, web)`, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ro := atRevision3(nil)
			c, err := SetImage(tc.images)(ro)
			if tc.main == "" {
				if err == nil || err.Error() != tc.want {
					t.Fatalf("got %v (%q), want the error %q", err, c.Done, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := after(t, ro, c)
			if init := got.Spec.Template.Spec.InitContainers[0].Image; init != tc.init || image(got) != tc.main || c.Done != tc.want {
				t.Errorf("images %s, %s, %q; want %s, %s, %q", init, image(got), c.Done, tc.init, tc.main, tc.want)
			}
		})
	}
}

func TestRestart(t *testing.T) {
	at := RestartTime(testNow, 0)
	c, err := Restart(at)(canary(nil))
	if err != nil || c.Done != `rollout "web" restarts at 2026-01-02T15:04:05Z` {
		t.Fatalf("got %q, %v", c.Done, err)
	}
	if got := after(t, canary(nil), c).Spec.RestartAt; got == nil || !got.Time.Equal(at) {
		t.Errorf("restartAt %v, want %v", got, at)
	}
	_, err = Restart(at)(canary(func(ro *v1alpha1.Rollout) { ro.Spec.RestartAt = &metav1.Time{Time: at} }))
	if reason, _ := IsDeclined(err); reason != NothingToDo {
		t.Errorf("restart at the time already set: %v, want nothing to do", err)
	}
	_, err = Restart(at)(canary(func(ro *v1alpha1.Rollout) { ro.Spec.Replicas = ptr(int32(0)) }))
	if reason, _ := IsDeclined(err); reason != NothingToDo {
		t.Errorf("restart of a rollout without pods: %v, want nothing to do", err)
	}
}

// TestRestartTimeRoundsUp: restartAt is whole seconds, and so is a pod's
// creationTimestamp (truncated). A pod created at 15:04:05.2 shows 15:04:05; a
// restart asked for at 15:04:05.7 must still cover it, so restartAt rounds up.
func TestRestartTimeRoundsUp(t *testing.T) {
	cases := []struct {
		now  time.Time
		in   time.Duration
		want string
	}{
		{testNow, 0, "2026-01-02T15:04:05Z"},
		{testNow.Add(700 * time.Millisecond), 0, "2026-01-02T15:04:06Z"},
		{testNow.Add(time.Nanosecond), 0, "2026-01-02T15:04:06Z"},
		{testNow.Add(700 * time.Millisecond), 300 * time.Millisecond, "2026-01-02T15:04:06Z"},
		{testNow.In(time.FixedZone("CET", 3600)).Add(100 * time.Millisecond), time.Minute, "2026-01-02T15:05:06Z"},
	}
	for _, tc := range cases {
		if got := RestartTime(tc.now, tc.in).Format(time.RFC3339); got != tc.want {
			t.Errorf("RestartTime(%s, %s) = %s, want %s", tc.now.Format(time.RFC3339Nano), tc.in, got, tc.want)
		}
	}
}

func TestTerminateRun(t *testing.T) {
	run := func(phase v1alpha1.AnalysisPhase, terminate bool) *v1alpha1.AnalysisRun {
		return &v1alpha1.AnalysisRun{ObjectMeta: metav1.ObjectMeta{Name: "r"},
			Spec: v1alpha1.AnalysisRunSpec{Terminate: terminate}, Status: v1alpha1.AnalysisRunStatus{Phase: phase}}
	}
	for _, tc := range []struct {
		run  *v1alpha1.AnalysisRun
		want string
	}{
		{run(v1alpha1.AnalysisPhaseRunning, false), `analysisrun "r" terminated`},
		{run("", false), `analysisrun "r" terminated`},
		{run(v1alpha1.AnalysisPhaseRunning, true), `analysisrun "r" is already being terminated: nothing to terminate`},
		{run(v1alpha1.AnalysisPhaseFailed, false), `analysisrun "r" has already finished (Failed): nothing to terminate`},
		{run(v1alpha1.AnalysisPhaseSuccessful, true), `analysisrun "r" has already finished (Successful): nothing to terminate`},
	} {
		c, err := TerminateRun(tc.run)
		got := c.Done
		if err != nil {
			got = err.Error()
		} else if len(c.Writes) != 1 || c.Writes[0].Merge["terminate"] != true || c.Writes[0].Status {
			t.Errorf("writes %+v, want spec.terminate=true", c.Writes)
		}
		if got != tc.want {
			t.Errorf("phase %q terminate %v: %q, want %q", tc.run.Status.Phase, tc.run.Spec.Terminate, got, tc.want)
		}
	}
}
