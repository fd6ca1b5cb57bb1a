package triggers

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/sluice-dev/sluice/notifications"
	"github.com/sluice-dev/sluice/notifications/ledger"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

func TestUpdatedFiresForTheCurrentRevision(t *testing.T) {
	tests := []struct {
		name string
		in   Input
		want []string
	}{
		{name: "revision 2 started", in: input(updating(0)), want: []string{uid + "/rev-2/on-rollout-updated"}},
		{name: "its ReplicaSet not known yet", in: Input{Rollout: updating(0), Revisions: revisions("h1")}, want: nil},
		{name: "no current hash yet", in: Input{Rollout: &v1alpha1.Rollout{}}, want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := keys(byTrigger(Events(tc.in), notifications.OnRolloutUpdated))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("keys (-want +got):\n%s", diff)
			}
		})
	}
	e := byTrigger(Events(input(updating(0))), notifications.OnRolloutUpdated)[0]
	want := notifications.RolloutData{Namespace: "shop", Name: "web", UID: uid, Phase: "Progressing",
		Message: "more replicas need to be updated", Revision: 2, Steps: 4, CanaryWeight: 20, StableWeight: 80,
		StableHash: "h1", CanaryHash: "h2", Images: []string{"web:2"}}
	if diff := cmp.Diff(want, e.Data.Rollout); diff != "" {
		t.Errorf("data: the state after the update (-want +got):\n%s", diff)
	}
	if e.Revision != 2 || e.Data.Key != e.Key || e.Data.Trigger != e.Trigger || !e.Data.Time.Equal(t0) {
		t.Errorf("event = %+v, want revision 2, its key and trigger in Data, the ReplicaSet's creation time", e)
	}
}

func TestStepCompletedFiresForEachStepBeforeTheIndex(t *testing.T) {
	step := func(n string) string { return uid + "/rev-2/on-rollout-step-completed/step-" + n }
	promotedFullAt1 := input(updating(4))
	promotedFullAt1.Rollout.Status.StableRS = "h2"
	promotedFullAt1.Seen.Marks = map[string]ledger.Mark{uid + "/rev-2/on-rollout-promoted/full": {Trigger: notifications.OnRolloutPromoted, Revision: 2, Reason: PromoteFullReason, Step: 1}}
	rollback := input(completedRelease())
	rollback.Created = created(map[string]int{"h1": 600, "h2": 0}) // h2 (revision 2) is the older template
	firstRevision := Input{Rollout: stable(), Revisions: revisions("h1")}
	tests := []struct {
		name string
		in   Input
		want []string
	}{
		{name: "none completed", in: input(updating(0)), want: nil},
		{name: "two completed", in: input(updating(2)), want: []string{step("1"), step("2")}},
		{name: "all completed and stable", in: input(completedRelease()), want: []string{step("1"), step("2"), step("3"), step("4")}},
		{name: "promoted fully after step 1: the rest were skipped", in: promotedFullAt1, want: []string{step("1")}},
		{name: "promote-full under way", in: func() Input { in := input(updating(2)); in.Rollout.Status.PromoteFull = true; return in }(), want: []string{step("1"), step("2")}},
		{name: "the first revision became stable without steps", in: firstRevision, want: nil},
		{name: "a rollback that skipped its steps", in: rollback, want: nil},
		{name: "aborted: the index went back to 0", in: input(abortedWith(updating(2), 10, "Rollout aborted")), want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := keys(byTrigger(Events(tc.in), notifications.OnRolloutStepCompleted))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("keys (-want +got):\n%s", diff)
			}
		})
	}
	e := byTrigger(Events(input(updating(2))), notifications.OnRolloutStepCompleted)[1]
	if e.Data.Rollout.StepName != "2/4: pause until promoted" || e.Data.Rollout.Step != 2 {
		t.Errorf("step data = %q step %d, want %q step 2", e.Data.Rollout.StepName, e.Data.Rollout.Step, "2/4: pause until promoted")
	}
}

func TestPausedFiresForEachPauseWithItsReasonAndStart(t *testing.T) {
	manual := updating(1)
	manual.Spec.Paused = true
	manual.Status.Conditions = append(manual.Status.Conditions, v1alpha1.RolloutCondition{Type: v1alpha1.RolloutPaused, Status: "True", LastTransitionTime: at(40)})
	both := pausedAt(updating(1), v1alpha1.PauseReasonCanaryPauseStep, at(30))
	both.Spec.Paused = true
	both.Status.Conditions = append(both.Status.Conditions, v1alpha1.RolloutCondition{Type: v1alpha1.RolloutPaused, Status: "True", LastTransitionTime: at(30)})
	tests := []struct {
		name string
		ro   *v1alpha1.Rollout
		want []string
	}{
		{name: "not paused", ro: updating(1), want: nil},
		{name: "pause step", ro: pausedAt(updating(1), v1alpha1.PauseReasonCanaryPauseStep, at(30)),
			want: []string{uid + "/rev-2/on-rollout-paused/CanaryPauseStep/2026-12-03T15:00:30Z"}},
		{name: "inconclusive analysis", ro: pausedAt(updating(2), v1alpha1.PauseReasonInconclusiveAnalysis, at(90)),
			want: []string{uid + "/rev-2/on-rollout-paused/InconclusiveAnalysisRun/2026-12-03T15:01:30Z"}},
		{name: "spec.paused, from the Paused condition's time", ro: manual,
			want: []string{uid + "/rev-2/on-rollout-paused/ManualPause/2026-12-03T15:00:40Z"}},
		{name: "a pause step and spec.paused", ro: both, want: []string{
			uid + "/rev-2/on-rollout-paused/CanaryPauseStep/2026-12-03T15:00:30Z",
			uid + "/rev-2/on-rollout-paused/ManualPause/2026-12-03T15:00:30Z"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			events := byTrigger(Events(input(tc.ro)), notifications.OnRolloutPaused)
			if diff := cmp.Diff(tc.want, keys(events)); diff != "" {
				t.Errorf("keys (-want +got):\n%s", diff)
			}
			for _, e := range events {
				if e.Data.Rollout.PauseReason == "" || e.Data.Rollout.Phase != "Paused" && !tc.ro.Spec.Paused {
					t.Errorf("%s: data %+v, want the reason and the Paused phase", e.Key, e.Data.Rollout)
				}
			}
		})
	}
}

func TestMarksRememberPausesAndWhetherOnlyAPersonEndsThem(t *testing.T) {
	timed := pausedAt(updating(1), v1alpha1.PauseReasonCanaryPauseStep, at(30))
	timed.Spec.Strategy.Canary.Steps[1].Pause.Duration = ptr(intstr.FromString("1m"))
	bg := pausedAt(stable(), v1alpha1.PauseReasonBlueGreenPause, at(5))
	bg.Spec.Strategy = v1alpha1.RolloutStrategy{BlueGreen: &v1alpha1.BlueGreenStrategy{}}
	bgAuto := bg.DeepCopy()
	bgAuto.Spec.Strategy.BlueGreen.AutoPromotionSeconds = 60
	tests := []struct {
		name       string
		ro         *v1alpha1.Rollout
		indefinite bool
	}{
		{name: "pause step without a duration", ro: pausedAt(updating(1), v1alpha1.PauseReasonCanaryPauseStep, at(30)), indefinite: true},
		{name: "timed pause step", ro: timed, indefinite: false},
		{name: "inconclusive analysis", ro: pausedAt(updating(2), v1alpha1.PauseReasonInconclusiveAnalysis, at(30)), indefinite: true},
		{name: "blue-green pause", ro: bg, indefinite: true},
		{name: "blue-green pause with automatic promotion", ro: bgAuto, indefinite: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			marks := Marks(input(tc.ro))
			for key, m := range marks {
				if m.Trigger != notifications.OnRolloutPaused {
					delete(marks, key)
				}
			}
			if len(marks) != 1 {
				t.Fatalf("marks = %v, want one", marks)
			}
			for key, m := range marks {
				if m.Indefinite != tc.indefinite || m.Trigger != notifications.OnRolloutPaused || key != byTrigger(Events(input(tc.ro)), notifications.OnRolloutPaused)[0].Key {
					t.Errorf("mark %s = %+v, want indefinite %v under the paused event's key", key, m, tc.indefinite)
				}
			}
		})
	}
}

// afterPause is the state after a pause step at index 1 (start 30 s) ended:
// the ledger remembers the pause, the Rollout shows it no longer.
func afterPause(ro *v1alpha1.Rollout, indefinite bool) Input {
	in := input(ro)
	in.Seen.Marks = map[string]ledger.Mark{pauseKey: {Trigger: notifications.OnRolloutPaused, Revision: 2,
		Reason: "CanaryPauseStep", Start: at(30).Time, Step: 1, Indefinite: indefinite}}
	return in
}

const pauseKey = uid + "/rev-2/on-rollout-paused/CanaryPauseStep/2026-12-03T15:00:30Z"

func TestAPauseThatEndedFiresResumedAndPromotedUnlessAborted(t *testing.T) {
	promoteFull := afterPause(updating(2), true)
	promoteFull.Rollout.Status.PromoteFull = true
	superseded := afterPause(updating(0), true)
	superseded.Rollout.Status.CurrentPodHash = "h3"
	superseded.Revisions["h3"] = 3
	endedByAbortEarlier := afterPause(updating(2), true) // retried since: the abort is gone from status
	endedByAbortEarlier.Seen.Marks[pauseKey] = func() ledger.Mark {
		m := endedByAbortEarlier.Seen.Marks[pauseKey]
		m.Ended = ledger.EndedAborted
		return m
	}()
	tests := []struct {
		name string
		in   Input
		want []string
	}{
		{name: "still paused", in: afterPause(pausedAt(updating(1), v1alpha1.PauseReasonCanaryPauseStep, at(30)), true), want: nil},
		{name: "an indefinite pause ended: resumed and promoted", in: afterPause(updating(2), true),
			want: []string{pauseKey + "/resumed", pauseKey + "/promoted"}},
		{name: "a timed pause ended: resumed only", in: afterPause(updating(2), false), want: []string{pauseKey + "/resumed"}},
		{name: "ended by an abort: neither", in: afterPause(abortedWith(updating(2), 60, "Rollout aborted"), true), want: nil},
		{name: "ended by an abort seen earlier: neither after a retry", in: endedByAbortEarlier, want: nil},
		{name: "ended by a promote-full: resumed, and the promote-full is the promotion", in: promoteFull,
			want: []string{pauseKey + "/resumed", uid + "/rev-2/on-rollout-promoted/full"}},
		{name: "a new revision superseded it: nothing", in: superseded, want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, e := range Events(tc.in) {
				if e.Trigger == notifications.OnRolloutResumed || e.Trigger == notifications.OnRolloutPromoted {
					got = append(got, e.Key)
					if e.Trigger != notifications.OnRolloutPromoted || e.Key != uid+"/rev-2/on-rollout-promoted/full" {
						if e.Data.Rollout.PauseReason != "CanaryPauseStep" {
							t.Errorf("%s: pause reason %q", e.Key, e.Data.Rollout.PauseReason)
						}
					}
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("keys (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHowAPauseEndedIsKeptSoLaterStatesDoNotChangeItsEvents(t *testing.T) {
	in := afterPause(updating(2), true)
	marks := Marks(in)
	if got := marks[pauseKey].Ended; got != ledger.EndedPromoted {
		t.Fatalf("mark after the pause ended = %+v, want ended %q", marks[pauseKey], ledger.EndedPromoted)
	}
	before := keys(Events(in))
	// Later the rollout is aborted; the pause's end was a promotion all the same.
	later := afterPause(abortedWith(updating(2), 90, "Rollout aborted"), true)
	later.Seen.Marks = marks
	var got []string
	for _, e := range Events(later) {
		if e.Trigger == notifications.OnRolloutResumed || e.Trigger == notifications.OnRolloutPromoted {
			got = append(got, e.Key)
		}
	}
	if diff := cmp.Diff([]string{pauseKey + "/resumed", pauseKey + "/promoted"}, got); diff != "" {
		t.Errorf("after a later abort (-want +got):\n%s\n(before: %v)", diff, before)
	}
}

func TestPromotedFullFiresFromStatusOrFromTheMarkOnceCleared(t *testing.T) {
	full := input(updating(1))
	full.Rollout.Status.PromoteFull = true
	marks := Marks(full)
	want := []string{uid + "/rev-2/on-rollout-promoted/full"}
	if diff := cmp.Diff(want, keys(byTrigger(Events(full), notifications.OnRolloutPromoted))); diff != "" {
		t.Errorf("while set (-want +got):\n%s", diff)
	}
	if m := marks[want[0]]; m.Reason != PromoteFullReason || m.Step != 1 || m.Revision != 2 {
		t.Errorf("mark = %+v, want a promote-full at step 1 of revision 2", m)
	}
	done := input(completedRelease())
	done.Seen.Marks = marks
	if diff := cmp.Diff(want, keys(byTrigger(Events(done), notifications.OnRolloutPromoted))); diff != "" {
		t.Errorf("cleared once stable (-want +got):\n%s", diff)
	}
	if got := keys(byTrigger(Events(done), notifications.OnRolloutStepCompleted)); len(got) != 1 {
		t.Errorf("steps completed after a promote-full at step 1 = %v, want only step 1", got)
	}
	aborted := abortedWith(updating(1), 20, "Rollout aborted")
	aborted.Status.PromoteFull = true
	if got := Events(input(aborted)); len(byTrigger(got, notifications.OnRolloutPromoted)) != 0 {
		t.Errorf("a promote-full on an aborted rollout fired %v", keys(got))
	}
}

func TestCompletedFiresWhenTheRevisionIsStableAndHealthy(t *testing.T) {
	stale := completedRelease()
	stale.Generation = 3
	tests := []struct {
		name string
		ro   *v1alpha1.Rollout
		want []string
	}{
		{name: "stable and Healthy", ro: completedRelease(), want: []string{uid + "/rev-2/on-rollout-completed"}},
		{name: "still a canary", ro: updating(4), want: nil},
		{name: "status of an older spec", ro: stale, want: nil},
		{name: "aborted", ro: abortedWith(updating(1), 10, "Rollout aborted"), want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, keys(byTrigger(Events(input(tc.ro)), notifications.OnRolloutCompleted))); diff != "" {
				t.Errorf("keys (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAbortedCarriesItsReason(t *testing.T) {
	failed := run("web-h2-2-2", "2", v1alpha1.AnalysisPhaseFailed, 60, 120)
	tests := []struct {
		name, message, reason string
		analysis              bool
	}{
		{name: "analysis", message: `Rollout aborted: step analysis is Failed: metric "success-rate": last value 0.42`,
			reason: `analysis failed: step analysis is Failed: metric "success-rate": last value 0.42`, analysis: true},
		{name: "progress deadline", message: "Rollout aborted: Rollout has not progressed for 10m0s",
			reason: "progress deadline exceeded: Rollout has not progressed for 10m0s"},
		{name: "a user", message: "Rollout aborted: traffic and Services back to stable ReplicaSet web-h1", reason: "aborted by a user"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			events := byTrigger(Events(input(abortedWith(updating(2), 125, tc.message), failed)), notifications.OnRolloutAborted)
			if diff := cmp.Diff([]string{uid + "/rev-2/on-rollout-aborted/2026-12-03T15:02:05Z"}, keys(events)); diff != "" {
				t.Fatalf("keys (-want +got):\n%s", diff)
			}
			e := events[0]
			if e.Data.Rollout.AbortReason != tc.reason || e.Data.Rollout.Phase != "Degraded" {
				t.Errorf("reason %q phase %q, want %q and Degraded", e.Data.Rollout.AbortReason, e.Data.Rollout.Phase, tc.reason)
			}
			if got := e.Data.Analysis != nil && e.Data.Analysis.Name == failed.Name; got != tc.analysis {
				t.Errorf("analysis = %+v, want the failed run: %v", e.Data.Analysis, tc.analysis)
			}
		})
	}
	notYet := updating(1)
	notYet.Status.Abort = true // the controller has not recorded abortedAt yet
	if got := byTrigger(Events(input(notYet)), notifications.OnRolloutAborted); len(got) != 0 {
		t.Errorf("fired before abortedAt was stored: %v", keys(got))
	}
}

func TestRolledBackFiresWhenAnOlderTemplateComesBack(t *testing.T) {
	back := input(completedRelease())
	back.Revisions = map[string]int64{"h1": 3, "h2": 2}
	back.Rollout.Status.CurrentPodHash, back.Rollout.Status.StableRS = "h1", "h1"
	forward := input(updating(0))
	if got := byTrigger(Events(forward), notifications.OnRolloutRolledBack); len(got) != 0 {
		t.Errorf("an update fired %v", keys(got))
	}
	got := Events(back)
	if diff := cmp.Diff([]string{uid + "/rev-3/on-rollout-rolled-back"}, keys(byTrigger(got, notifications.OnRolloutRolledBack))); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	if len(byTrigger(got, notifications.OnRolloutUpdated)) != 1 || len(byTrigger(got, notifications.OnRolloutStepCompleted)) != 0 {
		t.Errorf("a fast rollback: %v, want updated and no steps", keys(got))
	}
}

func TestAnalysisRunTriggersByPhase(t *testing.T) {
	key := func(trigger, name string) string { return uid + "/rev-2/" + trigger + "/" + name }
	orphan := run("web-h0-0", "", v1alpha1.AnalysisPhaseFailed, 1, 2)
	orphan.Labels[HashLabel] = "gone"
	pending := run("web-h2-2-pending", "2", v1alpha1.AnalysisPhasePending, 5, 0)
	pending.Status.StartedAt = nil
	tests := []struct {
		name string
		run  *v1alpha1.AnalysisRun
		want []string
	}{
		{name: "pending", run: pending, want: nil},
		{name: "running", run: run("web-h2-2-2", "2", v1alpha1.AnalysisPhaseRunning, 60, 0),
			want: []string{key(notifications.OnAnalysisRunRunning, "web-h2-2-2")}},
		{name: "successful (it ran)", run: run("web-h2-2-2", "2", v1alpha1.AnalysisPhaseSuccessful, 60, 120),
			want: []string{key(notifications.OnAnalysisRunRunning, "web-h2-2-2"), key(notifications.OnAnalysisRunSuccess, "web-h2-2-2")}},
		{name: "failed", run: run("b", "2", v1alpha1.AnalysisPhaseFailed, 60, 120),
			want: []string{key(notifications.OnAnalysisRunRunning, "b"), key(notifications.OnAnalysisRunFailed, "b")}},
		{name: "error", run: run("b", "2", v1alpha1.AnalysisPhaseError, 60, 120),
			want: []string{key(notifications.OnAnalysisRunRunning, "b"), key(notifications.OnAnalysisRunError, "b")}},
		{name: "inconclusive", run: run("b", "2", v1alpha1.AnalysisPhaseInconclusive, 60, 120),
			want: []string{key(notifications.OnAnalysisRunRunning, "b"), key(notifications.OnAnalysisRunInconcl, "b")}},
		{name: "of a revision whose ReplicaSet is gone", run: orphan, want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, e := range Events(input(updating(2), tc.run)) {
				if e.Data.Analysis != nil {
					got = append(got, e.Key)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("keys (-want +got):\n%s", diff)
			}
		})
	}
	e := byTrigger(Events(input(updating(2), run("web-h2-2-2", "2", v1alpha1.AnalysisPhaseSuccessful, 60, 120))), notifications.OnAnalysisRunSuccess)[0]
	want := &notifications.AnalysisData{Name: "web-h2-2-2", Kind: "Step", Phase: "Successful",
		Metrics: []notifications.MetricData{{Name: "success-rate", Phase: "Successful", Value: "0.99"}}}
	if diff := cmp.Diff(want, e.Data.Analysis); diff != "" || !e.Data.Time.Equal(at(120).Time) {
		t.Errorf("analysis data (-want +got):\n%s time %v", diff, e.Data.Time)
	}
}
