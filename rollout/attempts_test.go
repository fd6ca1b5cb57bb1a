package rollout

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// analysisRollout: setWeight 20 → analysis → setWeight 50 → analysis.
func analysisRollout(image string) (*v1alpha1.Rollout, *v1alpha1.AnalysisTemplate) {
	ro := testRollout(image)
	w20, w50 := int32(20), int32(50)
	analysis := &v1alpha1.RolloutAnalysis{Templates: []v1alpha1.AnalysisTemplateRef{{TemplateName: "ok"}}}
	ro.Spec.Strategy.Canary.Steps = []v1alpha1.CanaryStep{{SetWeight: &w20}, {Analysis: analysis}, {SetWeight: &w50}, {Analysis: analysis}}
	template := &v1alpha1.AnalysisTemplate{
		ObjectMeta: metav1.ObjectMeta{Name: "ok", Namespace: "ns"},
		Spec: v1alpha1.AnalysisTemplateSpec{Metrics: []v1alpha1.Metric{{Name: "m",
			Provider: v1alpha1.MetricProvider{Web: &v1alpha1.WebMetric{URL: "http://example.invalid"}}}}},
	}
	return ro, template
}

// stepRuns are the Rollout's runs for an analysis step, by name.
func (f *fixture) stepRuns(step string) map[string]*v1alpha1.AnalysisRun {
	f.t.Helper()
	list, err := f.sluice.SluiceV1alpha1().AnalysisRuns("ns").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	out := map[string]*v1alpha1.AnalysisRun{}
	for i := range list.Items {
		if r := &list.Items[i]; r.Labels[v1alpha1.StepIndexLabel] == step {
			out[r.Name] = r
		}
	}
	return out
}

// finishRuns ends every running run of a step with phase.
func (f *fixture) finishRuns(step string, phase v1alpha1.AnalysisPhase) {
	f.t.Helper()
	for _, r := range f.stepRuns(step) {
		if r.Status.Phase.Completed() {
			continue
		}
		r.Status.Phase = phase
		if _, err := f.sluice.SluiceV1alpha1().AnalysisRuns("ns").UpdateStatus(context.Background(), r, metav1.UpdateOptions{}); err != nil {
			f.t.Fatal(err)
		}
	}
}

func (f *fixture) patchRolloutStatus(change func(*v1alpha1.RolloutStatus)) {
	f.t.Helper()
	ro := f.rollout()
	change(&ro.Status)
	if _, err := f.sluice.SluiceV1alpha1().Rollouts("ns").UpdateStatus(context.Background(), ro, metav1.UpdateOptions{}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) setImage(image string) {
	f.t.Helper()
	ro := f.rollout()
	ro.Spec.Template.Spec.Containers[0].Image = image
	ro.Generation++
	if _, err := f.sluice.SluiceV1alpha1().Rollouts("ns").Update(context.Background(), ro, metav1.UpdateOptions{}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) syncN(n int) {
	for range n {
		f.sync()
	}
}

// TestRetryMakesFreshRunsForEveryAnalysisStep: the first analysis passes, the
// second fails, the Rollout aborts; after a retry the first analysis step must
// not pass again on its result from before the abort.
func TestRetryMakesFreshRunsForEveryAnalysisStep(t *testing.T) {
	ro, template := analysisRollout("web:1")
	f := newFixture(t, ro, template, service("web-stable"), service("web-canary"))
	f.syncN(3)
	f.setImage("web:2")
	f.syncN(4)
	first := f.stepRuns("1")
	if len(first) != 1 || ptrValue(f.rollout().Status.CurrentStepIndex) != 1 {
		t.Fatalf("at the first analysis step: runs %d, step %d", len(first), ptrValue(f.rollout().Status.CurrentStepIndex))
	}
	f.finishRuns("1", v1alpha1.AnalysisPhaseSuccessful)
	f.syncN(4)
	f.finishRuns("3", v1alpha1.AnalysisPhaseFailed)
	f.syncN(3)
	if st := f.rollout().Status; !st.Abort {
		t.Fatalf("second analysis failed: not aborted (step %d)", ptrValue(st.CurrentStepIndex))
	}

	f.patchRolloutStatus(func(st *v1alpha1.RolloutStatus) { st.Abort = false }) // kubectl sluice retry
	f.syncN(6)
	st := f.rollout().Status
	if ptrValue(st.CurrentStepIndex) != 1 {
		t.Fatalf("after the retry the rollout is at step %d, want 1: the first analysis passed on its old run", ptrValue(st.CurrentStepIndex))
	}
	runs := f.stepRuns("1")
	if len(runs) != 2 {
		t.Fatalf("step 1 has %d runs after the retry, want the old one and a fresh one", len(runs))
	}
	for name := range first {
		if st.Canary.CurrentStepAnalysisRunStatus == nil || st.Canary.CurrentStepAnalysisRunStatus.Name == name {
			t.Fatalf("step 1 mirrors %+v after the retry, want a fresh run", st.Canary.CurrentStepAnalysisRunStatus)
		}
		if runs[name].Labels[SpentLabel] != "true" {
			t.Errorf("the run from before the abort is not marked spent")
		}
	}
	// A further reconcile creates no third run (the fresh one is found again).
	f.syncN(2)
	if n := len(f.stepRuns("1")); n != 2 {
		t.Fatalf("step 1 has %d runs, want 2", n)
	}
}

// TestUndoMakesFreshRuns: back on an earlier template (whose ReplicaSet keeps
// its revision), the runs of that template's first release must not judge the
// steps again.
func TestUndoMakesFreshRuns(t *testing.T) {
	ro, template := analysisRollout("web:1")
	f := newFixture(t, ro, template, service("web-stable"), service("web-canary"))
	f.syncN(3)
	f.setImage("web:2")
	f.syncN(4)
	f.finishRuns("1", v1alpha1.AnalysisPhaseSuccessful)
	f.syncN(4)
	f.setImage("web:3") // superseded while at its second analysis
	f.syncN(4)
	f.setImage("web:2") // and back: not a fast rollback (not stable, no window)
	f.syncN(4)
	st := f.rollout().Status
	if ptrValue(st.CurrentStepIndex) != 1 {
		t.Fatalf("back on web:2 the rollout is at step %d, want 1 (waiting for a fresh run)", ptrValue(st.CurrentStepIndex))
	}
	fresh := 0
	for _, r := range f.stepRuns("1") {
		if r.Labels[SpentLabel] != "true" {
			fresh++
			if r.Status.Phase.Completed() {
				t.Errorf("run %s for the new attempt is already %s", r.Name, r.Status.Phase)
			}
		}
	}
	if fresh != 1 {
		t.Fatalf("%d unspent runs for step 1, want exactly one fresh run", fresh)
	}
}

// TestPromotedInconclusivePrePromotionIsAccepted: blue-green without
// auto-promotion, its pre-promotion run Inconclusive: one promote accepts the
// run (labelled, not run again) and the promotion pause follows; a second
// promote switches the active Service.
func TestPromotedInconclusivePrePromotionIsAccepted(t *testing.T) {
	ro, template := analysisRollout("web:1")
	off := false
	ro.Spec.Strategy = v1alpha1.RolloutStrategy{BlueGreen: &v1alpha1.BlueGreenStrategy{
		ActiveService: "web-stable", AutoPromotionEnabled: &off,
		PrePromotionAnalysis: &v1alpha1.RolloutAnalysis{Templates: []v1alpha1.AnalysisTemplateRef{{TemplateName: "ok"}}},
	}}
	v1alpha1.SetRolloutDefaults(ro)
	f := newFixture(t, ro, template, service("web-stable"))
	f.endpointsFollow = true
	f.syncN(3)
	first := f.rollout().Status.StableRS
	f.setImage("web:2")
	f.syncN(4)
	f.finishRuns("", v1alpha1.AnalysisPhaseInconclusive)
	f.syncN(2)
	if got := f.rollout().Status.PauseConditions; len(got) != 1 || got[0].Reason != v1alpha1.PauseReasonInconclusiveAnalysis {
		t.Fatalf("pause conditions %+v, want the Inconclusive pause", got)
	}
	f.patchRolloutStatus(func(st *v1alpha1.RolloutStatus) { st.PauseConditions = nil }) // kubectl sluice promote
	f.syncN(4)
	st := f.rollout().Status
	if len(st.PauseConditions) != 1 || st.PauseConditions[0].Reason != v1alpha1.PauseReasonBlueGreenPause {
		t.Fatalf("after one promote: pause conditions %+v, want the promotion pause", st.PauseConditions)
	}
	runs := f.stepRuns("")
	if len(runs) != 1 {
		t.Fatalf("%d pre-promotion runs, want the one accepted run", len(runs))
	}
	for _, r := range runs {
		if r.Labels[AcceptedLabel] != "true" {
			t.Fatalf("the promoted Inconclusive run is not marked accepted: %v", r.Labels)
		}
	}
	f.patchRolloutStatus(func(st *v1alpha1.RolloutStatus) { st.PauseConditions = nil })
	f.syncN(5)
	if st := f.rollout().Status; st.StableRS == first || f.selects("web-stable") == first {
		t.Fatalf("after the second promote: stable %q, active Service on %q (first %q)", st.StableRS, f.selects("web-stable"), first)
	}
}

// TestRunCreatedBeforeALostStatusWriteIsNotDuplicated: the controller dies
// after creating an attempt's run and before writing the status that mirrors
// it. The next reconcile must find that run again, not create a second one
// (SPEC §2.7 rule 5), and must not take it for an earlier attempt's.
func TestRunCreatedBeforeALostStatusWriteIsNotDuplicated(t *testing.T) {
	// The analysis is the first step, so the reconcile that starts the attempt
	// already needs its run.
	ro, template := analysisRollout("web:1")
	ro.Spec.Strategy.Canary.Steps = ro.Spec.Strategy.Canary.Steps[1:]
	f := newFixture(t, ro, template, service("web-stable"), service("web-canary"))
	f.syncN(3)
	f.setImage("web:2")
	ctx := context.Background()
	for i := 0; len(f.stepRuns("0")) == 0; i++ {
		if i == 10 {
			t.Fatal("no run for the analysis step")
		}
		before := f.rollout()
		f.sync()
		if len(f.stepRuns("0")) == 0 {
			continue
		}
		// The run was created in this sync: lose its status write.
		lost := f.rollout()
		lost.Status = before.Status
		if _, err := f.sluice.SluiceV1alpha1().Rollouts("ns").UpdateStatus(ctx, lost, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	f.syncN(3)
	runs := f.stepRuns("0")
	if len(runs) != 1 {
		t.Fatalf("%d runs for step 0 after a lost status write, want 1", len(runs))
	}
	for name, r := range runs {
		if r.Labels[SpentLabel] == "true" {
			t.Fatalf("run %s taken for an earlier attempt's", name)
		}
		if m := f.rollout().Status.Canary.CurrentStepAnalysisRunStatus; m == nil || m.Name != name {
			t.Fatalf("step mirror %+v, want %s", m, name)
		}
	}
}
