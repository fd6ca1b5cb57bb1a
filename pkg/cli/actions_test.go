package cli

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

func TestAbortAndRetry(t *testing.T) {
	other := canaryRollout()
	other.Name, other.UID = "api", "uid-api"
	c := newFakeCluster(t, canaryRollout(), other)

	r := c.run("abort", "web", "api")
	wantExit(t, r, 0)
	if r.stdout != "rollout \"web\" aborted\nrollout \"api\" aborted\n" {
		t.Errorf("stdout %q", r.stdout)
	}
	for _, name := range []string{"web", "api"} {
		if !c.rollout(name).Status.Abort {
			t.Errorf("%s: abort not set", name)
		}
	}

	c.updateStatus("web", func(st *v1alpha1.RolloutStatus) { st.PromoteFull = true }) // kubectl patch
	r = c.run("retry", "web")
	wantExit(t, r, 0)
	if ro := c.rollout("web"); ro.Status.Abort || ro.Status.PromoteFull || !c.rollout("api").Status.Abort {
		t.Errorf("retry web: abort=%v promoteFull=%v, api abort=%v; want web's abort and promote-full cleared, api untouched",
			ro.Status.Abort, ro.Status.PromoteFull, c.rollout("api").Status.Abort)
	}
	if r.stdout != "rollout \"web\" retried: the update starts over at step 1/4 (setWeight 25)\n" {
		t.Errorf("stdout %q", r.stdout)
	}
}

// Every name is looked up before any rollout is changed: a mistyped name among
// several changes none of them.
func TestBulkActionLooksUpEveryNameFirst(t *testing.T) {
	c := newFakeCluster(t, canaryRollout())
	r := c.run("abort", "nope", "web", "gone")
	wantExit(t, r, 1)
	wantOneErrorLine(t, r, `error: rollouts "nope", "gone" not found in namespace "default"; no rollout was changed`)
	r = c.run("abort", "web", "nope")
	wantOneErrorLine(t, r, `error: rollout "nope" not found in namespace "default"; no rollout was changed`)
	r = c.run("abort", "nope")
	wantOneErrorLine(t, r, `error: rollout "nope" not found in namespace "default"`)
	if c.rollout("web").Status.Abort {
		t.Error("web was aborted although a name given with it does not exist")
	}
	if n := len(patchedResourceVersions(t, c)); n != 0 {
		t.Errorf("%d writes, want none", n)
	}
}

// A rollout with nothing to do is reported (exit 1); the others are acted on.
func TestBulkActionReportsNothingToDoAndActsOnTheRest(t *testing.T) {
	healthy := healthyRollout()
	healthy.Name, healthy.UID = "api", "uid-api"
	c := newFakeCluster(t, canaryRollout(), healthy)
	r := c.run("abort", "api", "web", "web")
	wantExit(t, r, 1)
	if r.stdout != "rollout \"web\" aborted\n" {
		t.Errorf("stdout %q, want web aborted once", r.stdout)
	}
	wantOneErrorLine(t, r, `error: rollout "api" has no update in progress: nothing to abort`)
	if !c.rollout("web").Status.Abort || c.rollout("api").Status.Abort {
		t.Error("want web aborted, api untouched")
	}
}

func TestPauseAndResume(t *testing.T) {
	c := newFakeCluster(t, canaryRollout())
	r := c.run("pause", "web")
	wantExit(t, r, 0)
	ro := c.rollout("web")
	if !ro.Spec.Paused {
		t.Fatal("spec.paused not set")
	}
	if len(ro.Status.PauseConditions) != 1 {
		t.Error("pause touched the pause conditions")
	}
	if r.stdout != "rollout \"web\" paused at step 2/4 (pause 10m0s)\n" {
		t.Errorf("stdout %q", r.stdout)
	}

	r = c.run("resume", "web")
	wantExit(t, r, 0)
	ro = c.rollout("web")
	if ro.Spec.Paused || len(ro.Status.PauseConditions) != 0 {
		t.Errorf("after resume: paused=%v pauseConditions=%v", ro.Spec.Paused, ro.Status.PauseConditions)
	}
	if got := *ro.Status.CurrentStepIndex; got != 1 {
		t.Errorf("currentStepIndex %d, want 1: resume skips no step", got)
	}
	if r.stdout != "rollout \"web\" resumed past step 2/4 (pause 10m0s); now at step 3/4 (setWeight 50)\n" {
		t.Errorf("stdout %q", r.stdout)
	}
}

func TestRestart(t *testing.T) {
	c := newFakeCluster(t, canaryRollout())
	r := c.run("restart", "web")
	wantExit(t, r, 0)
	if got := c.rollout("web").Spec.RestartAt; got == nil || !got.Time.Equal(testNow) {
		t.Errorf("restartAt %v, want %v", got, testNow)
	}
	if r.stdout != "rollout \"web\" restarts at 2026-01-02T15:04:05Z\n" {
		t.Errorf("stdout %q", r.stdout)
	}

	wantExit(t, c.run("restart", "web", "--in", "90s"), 0)
	if got := c.rollout("web").Spec.RestartAt; got == nil || !got.Time.Equal(testNow.Add(90*time.Second)) {
		t.Errorf("restartAt %v, want now+90s", got)
	}

	r = c.run("restart", "web", "--in", "-1m")
	wantExit(t, r, 2)
	if !strings.HasPrefix(r.stderr, "error: --in must not be negative") {
		t.Errorf("stderr %q", r.stderr)
	}
}

// aborted is "web" aborted at its first step after a failed analysis.
func aborted() *v1alpha1.Rollout {
	ro := canaryRollout()
	ro.Status.Abort = true
	ro.Status.AbortedAt = ptr(ago(time.Minute))
	ro.Status.CurrentStepIndex = ptr(int32(0))
	ro.Status.PauseConditions, ro.Status.ControllerPause = nil, false
	ro.Status.Phase = v1alpha1.RolloutPhaseDegraded
	return ro
}

// Promote, plain or --full, does not go on with an aborted update: it points at
// retry, which starts it over with fresh analysis, and writes nothing. (Issue
// 22: promote --full on an aborted rollout was kept for later and the retry
// then skipped every analysis.)
func TestPromoteOfAnAbortedRolloutIsRefused(t *testing.T) {
	for name, ro := range map[string]*v1alpha1.Rollout{
		"aborted":                    aborted(),
		"aborted and paused by hand": func() *v1alpha1.Rollout { ro := aborted(); ro.Spec.Paused = true; return ro }(),
	} {
		t.Run(name, func(t *testing.T) {
			c := newFakeCluster(t, ro)
			for _, args := range [][]string{{"promote", "web"}, {"promote", "web", "--full"}} {
				r := c.run(args...)
				wantExit(t, r, 1)
				wantOneErrorLine(t, r, `error: rollout "web" is aborted: promote does not go on with an aborted update; 'kubectl sluice retry web' starts it again from the first step with fresh analysis`)
			}
			if n := len(patchedResourceVersions(t, c)); n != 0 {
				t.Errorf("%d writes, want none", n)
			}
			if got := c.rollout("web"); got.Status.PromoteFull || !got.Status.Abort {
				t.Errorf("promoteFull=%v abort=%v, want the rollout as it was", got.Status.PromoteFull, got.Status.Abort)
			}
		})
	}
}

// A retry the controller has not taken up yet (abort cleared, abortedAt still
// set) is no time to promote: the controller drops a promote-full that comes
// with a retry.
func TestPromoteRightAfterARetryWaits(t *testing.T) {
	ro := aborted()
	ro.Status.Abort = false
	c := newFakeCluster(t, ro)
	r := c.run("promote", "web", "--full")
	wantExit(t, r, 1)
	wantOneErrorLine(t, r, `error: rollout "web" is being retried and the controller has not started it over yet; promote again in a moment`)
	r = c.run("retry", "web")
	wantExit(t, r, 1)
	wantOneErrorLine(t, r, `error: rollout "web" is already being retried: nothing to retry`)
}

// One rule for every action: it changes something and says what (exit 0), or
// it writes nothing and says why, on one line (exit 1).
func TestActionsWithNothingToDo(t *testing.T) {
	paused := canaryRollout()
	paused.Spec.Paused = true
	promotingFully := canaryRollout()
	promotingFully.Status.PromoteFull = true
	restarting := canaryRollout()
	restarting.Spec.RestartAt = ptr(metav1.NewTime(testNow))
	noPods := canaryRollout()
	noPods.Spec.Replicas = ptr(int32(0))
	finishing := canaryRollout()
	finishing.Status.PauseConditions, finishing.Status.CurrentStepIndex = nil, ptr(int32(4))
	blueGreen := healthyRollout()
	blueGreen.Spec.Strategy = v1alpha1.RolloutStrategy{BlueGreen: &v1alpha1.BlueGreenStrategy{ActiveService: "web"}}
	blueGreen.Status.StableRS = stableHash // the new version is coming up behind the preview Service
	finished := &v1alpha1.AnalysisRun{ObjectMeta: metav1.ObjectMeta{Name: "done", Namespace: "default"},
		Status: v1alpha1.AnalysisRunStatus{Phase: v1alpha1.AnalysisPhaseSuccessful}}
	terminating := &v1alpha1.AnalysisRun{ObjectMeta: metav1.ObjectMeta{Name: "ending", Namespace: "default"},
		Spec: v1alpha1.AnalysisRunSpec{Terminate: true}, Status: v1alpha1.AnalysisRunStatus{Phase: v1alpha1.AnalysisPhaseRunning}}

	for _, tc := range []struct {
		name    string
		objects []runtime.Object
		args    []string
		line    string
	}{
		{"abort of a Healthy rollout", []runtime.Object{healthyRollout()}, []string{"abort", "web"},
			`rollout "web" has no update in progress: nothing to abort`},
		{"abort of an aborted rollout", []runtime.Object{aborted()}, []string{"abort", "web"},
			`rollout "web" is already aborted: nothing to abort`},
		{"retry of a Healthy rollout", []runtime.Object{healthyRollout()}, []string{"retry", "web"},
			`rollout "web" is not aborted: nothing to retry`},
		{"resume of a Healthy rollout", []runtime.Object{healthyRollout()}, []string{"resume", "web"},
			`rollout "web" is not paused: nothing to resume`},
		{"pause of a paused rollout", []runtime.Object{paused}, []string{"pause", "web"},
			`rollout "web" is already paused: nothing to pause`},
		{"promote of a Healthy rollout", []runtime.Object{healthyRollout()}, []string{"promote", "web"},
			`rollout "web" is fully promoted: nothing to promote`},
		{"promote --full of a Healthy rollout", []runtime.Object{healthyRollout()}, []string{"promote", "web", "--full"},
			`rollout "web" is fully promoted: nothing to promote`},
		{"promote --full again", []runtime.Object{promotingFully}, []string{"promote", "web", "--full"},
			`rollout "web" is already being promoted fully: nothing to promote`},
		{"promote past the last step", []runtime.Object{finishing}, []string{"promote", "web"},
			`rollout "web" has completed every step and is finishing its promotion: nothing to promote`},
		{"promote of a blue-green rollout that is not paused", []runtime.Object{blueGreen}, []string{"promote", "web"},
			`rollout "web" is not paused: nothing to promote (promote --full makes the new version active now, skipping its analysis)`},
		{"restart at the time already set", []runtime.Object{restarting}, []string{"restart", "web"},
			`rollout "web" already restarts at 2026-01-02T15:04:05Z: nothing to change`},
		{"restart without pods", []runtime.Object{noPods}, []string{"restart", "web"},
			`rollout "web" runs no pods: nothing to restart`},
		{"set image to the image it runs", []runtime.Object{canaryRollout()}, []string{"set", "image", "web", "web=example.com/web:2.0"},
			`rollout "web" already runs web=example.com/web:2.0: nothing to change`},
		{"set image of every container to the images they run", []runtime.Object{canaryRollout()},
			[]string{"set", "image", "web", "*=example.com/web:2.0", "migrate=example.com/migrate:1.0"},
			`rollout "web" already runs migrate=example.com/migrate:1.0, web=example.com/web:2.0: nothing to change`},
		{"undo to the current revision", threeRevisions(), []string{"undo", "web", "--to-revision", "3"},
			`rollout "web" is already at revision 3: nothing to undo`},
		{"terminate a finished run", []runtime.Object{finished}, []string{"terminate", "analysisrun", "done"},
			`analysisrun "done" has already finished (Successful): nothing to terminate`},
		{"terminate a run being terminated", []runtime.Object{terminating}, []string{"terminate", "analysisrun", "ending"},
			`analysisrun "ending" is already being terminated: nothing to terminate`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newFakeCluster(t, tc.objects...)
			r := c.run(tc.args...)
			wantExit(t, r, 1)
			wantOneErrorLine(t, r, "error: "+tc.line)
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
			for _, a := range append(c.sluice.Actions(), c.kube.Actions()...) {
				if a.GetVerb() == "patch" || a.GetVerb() == "update" {
					t.Errorf("wrote %s %s", a.GetVerb(), a.GetResource().Resource)
				}
			}
		})
	}
}

// The same actions do what they say when there is something to do.
func TestActionsThatChangeSomething(t *testing.T) {
	running := &v1alpha1.AnalysisRun{ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "default"},
		Status: v1alpha1.AnalysisRunStatus{Phase: v1alpha1.AnalysisPhaseRunning}}
	c := newFakeCluster(t, append(threeRevisions(), running)...)
	for _, tc := range []struct {
		args []string
		line string
	}{
		{[]string{"set", "image", "web", "*=example.com/web:3.0", "migrate=example.com/migrate:2.0"},
			`rollout "web" image updated: migrate=example.com/migrate:2.0`},
		{[]string{"undo", "web", "--to-revision", "2"}, `rollout "web" rolled back to revision 2`},
		{[]string{"terminate", "analysisrun", "r"}, `analysisrun "r" terminated`},
	} {
		r := c.run(tc.args...)
		wantExit(t, r, 0)
		if r.stdout != tc.line+"\n" {
			t.Errorf("%v: stdout %q, want %q", tc.args, r.stdout, tc.line)
		}
	}
}

// writeBetween makes the controller (or another user) write the rollout once,
// between the command's read and its first write, so that write conflicts.
func writeBetween(c *fakeCluster, change func(*v1alpha1.RolloutStatus)) *int {
	patches := 0
	c.sluice.PrependReactor("patch", "rollouts", func(k8stesting.Action) (bool, runtime.Object, error) {
		if patches++; patches == 1 {
			c.updateStatus("web", change)
		}
		return false, nil, nil
	})
	return &patches
}

// A write that conflicts is decided again from the rollout read again: a write
// of the controller's in between does not stop the action, one that did the
// action already makes it nothing to do.
func TestActionDecidesAgainAfterAConflict(t *testing.T) {
	t.Run("the controller wrote in between", func(t *testing.T) {
		c := newFakeCluster(t, canaryRollout())
		patches := writeBetween(c, func(st *v1alpha1.RolloutStatus) { st.Message = "controller" })
		r := c.run("abort", "web")
		wantExit(t, r, 0)
		if !c.rollout("web").Status.Abort || *patches != 2 {
			t.Errorf("abort=%v after %d patches, want aborted after 2 (a conflict, then the write)", c.rollout("web").Status.Abort, *patches)
		}
	})
	t.Run("someone aborted in between", func(t *testing.T) {
		c := newFakeCluster(t, canaryRollout())
		patches := writeBetween(c, func(st *v1alpha1.RolloutStatus) { st.Abort = true })
		r := c.run("abort", "web")
		wantExit(t, r, 1)
		wantOneErrorLine(t, r, `error: rollout "web" is already aborted: nothing to abort`)
		if *patches != 1 {
			t.Errorf("%d patches, want the one that conflicted", *patches)
		}
	})
	t.Run("a JSON patch conflicts too", func(t *testing.T) {
		c := newFakeCluster(t, canaryRollout())
		patches := writeBetween(c, func(st *v1alpha1.RolloutStatus) { st.Message = "controller" })
		r := c.run("set", "image", "web", "web=example.com/web:3.0")
		wantExit(t, r, 0)
		if _, main := images(c.rollout("web")); main != "example.com/web:3.0" || *patches != 2 {
			t.Errorf("image %s after %d patches, want example.com/web:3.0 after 2", main, *patches)
		}
	})
}
