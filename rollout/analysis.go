package rollout

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/plan"
)

// The Rollout's side of analysis (SPEC §3.5). The Rollout status mirrors each
// current run by name; that mirror is how a reconcile finds "its" run again, and
// the phase it shows is the one the rollout last acted on. A run the rollout
// already acted on is dropped once the action is undone: a Failed or Error run
// after a retry (abort cleared), an Inconclusive one after a promote (its pause
// cleared). Then a fresh run is created.

// currentRuns are the runs the rollout works with now, by kind.
type currentRuns map[v1alpha1.AnalysisKind]*v1alpha1.AnalysisRun

// mirrorOf is the status field that mirrors runs of a kind.
func mirrorOf(st *v1alpha1.RolloutStatus, kind v1alpha1.AnalysisKind) **v1alpha1.RolloutAnalysisRunStatus {
	switch kind {
	case v1alpha1.AnalysisKindStep:
		return &st.Canary.CurrentStepAnalysisRunStatus
	case v1alpha1.AnalysisKindBackground:
		return &st.Canary.CurrentBackgroundAnalysisRunStatus
	case v1alpha1.AnalysisKindPrePromotion:
		return &st.BlueGreen.PrePromotionAnalysisRunStatus
	default:
		return &st.BlueGreen.PostPromotionAnalysisRunStatus
	}
}

var analysisKinds = []v1alpha1.AnalysisKind{
	v1alpha1.AnalysisKindStep, v1alpha1.AnalysisKindBackground,
	v1alpha1.AnalysisKindPrePromotion, v1alpha1.AnalysisKindPostPromotion,
}

// SpentLabel marks a run whose outcome the rollout acted on and then saw
// undone (see above). It is never adopted again, so a retry gets a fresh run.
const SpentLabel = "sluice.dev/analysis-spent"

// AcceptedLabel marks an Inconclusive step, pre- or post-promotion run a person
// promoted past: it stands as passed, so it neither pauses the rollout again
// nor is run a second time.
const AcceptedLabel = "sluice.dev/analysis-accepted"

// findCurrentRuns resolves the status mirror to runs of the current pod hash that
// the rollout still works with, and lists the mirrored runs found spent.
func findCurrentRuns(ro *v1alpha1.Rollout, runs []*v1alpha1.AnalysisRun, newHash string) (current currentRuns, spent []*v1alpha1.AnalysisRun) {
	current = currentRuns{}
	st := ro.Status.DeepCopy()
	for _, kind := range analysisKinds {
		mirror := *mirrorOf(st, kind)
		if mirror == nil {
			continue
		}
		run := runNamed(runs, mirror.Name)
		switch {
		case run == nil || run.Labels[HashLabel] != newHash:
		case run.Labels[SpentLabel] == "true" || actedUpon(ro, mirror, run):
			spent = append(spent, run)
		default:
			current[kind] = run
		}
	}
	return current, spent
}

// actedUpon reports whether the rollout acted on the run's outcome and that
// action has since been undone, so the run is spent.
func actedUpon(ro *v1alpha1.Rollout, mirror *v1alpha1.RolloutAnalysisRunStatus, run *v1alpha1.AnalysisRun) bool {
	if mirror.Status != run.Status.Phase {
		return false // the rollout has not seen this outcome yet
	}
	switch run.Status.Phase {
	case v1alpha1.AnalysisPhaseFailed, v1alpha1.AnalysisPhaseError:
		return !ro.Status.Abort
	case v1alpha1.AnalysisPhaseInconclusive:
		if run.Labels[AcceptedLabel] == "true" {
			return false // promoted past: it stands as passed
		}
		for _, c := range ro.Status.PauseConditions {
			if c.Reason == v1alpha1.PauseReasonInconclusiveAnalysis {
				return false
			}
		}
		if len(ro.Status.ControllerPauses) == 0 {
			return !ro.Status.ControllerPause // a status from before the list
		}
		return !slices.Contains(ro.Status.ControllerPauses, v1alpha1.PauseReasonInconclusiveAnalysis)
	}
	return run.Spec.Terminate
}

// analysisInput fills the plan input with the phases of the current runs, and
// the cause of each that ended Failed or Error. A step run counts only for the
// step the rollout is at.
func analysisInput(in *plan.Input, ro *v1alpha1.Rollout, current currentRuns) {
	phase := func(kind v1alpha1.AnalysisKind) v1alpha1.AnalysisPhase {
		run := current[kind]
		switch {
		case run == nil:
			return ""
		case run.Labels[AcceptedLabel] == "true":
			return v1alpha1.AnalysisPhaseSuccessful // an Inconclusive result promoted past
		}
		if p := run.Status.Phase; p == v1alpha1.AnalysisPhaseFailed || p == v1alpha1.AnalysisPhaseError {
			if in.AnalysisCauses == nil {
				in.AnalysisCauses = map[v1alpha1.AnalysisKind]string{}
			}
			in.AnalysisCauses[kind] = runCause(run)
		}
		return run.Status.Phase
	}
	if run := current[v1alpha1.AnalysisKindStep]; run != nil && run.Labels[v1alpha1.StepIndexLabel] == strconv.Itoa(int(ptrValue(ro.Status.CurrentStepIndex))) {
		in.StepAnalysis = phase(v1alpha1.AnalysisKindStep)
	}
	in.BackgroundAnalysis = phase(v1alpha1.AnalysisKindBackground)
	in.PrePromotionAnalysis = phase(v1alpha1.AnalysisKindPrePromotion)
	in.PostPromotionAnalysis = phase(v1alpha1.AnalysisKindPostPromotion)
}

// runState is the Rollout's AnalysisRuns as one reconcile sees them.
type runState struct {
	all []*v1alpha1.AnalysisRun
	// current are the runs the rollout works with, by kind; spent are runs to
	// label spent (see findCurrentRuns and attempts.go).
	current currentRuns
	spent   []*v1alpha1.AnalysisRun
	// fresh is set when this reconcile begins an attempt: no run is current
	// and none is created yet (attempts.go).
	fresh bool
}

// observeRuns reads the Rollout's runs from the cache and sorts them for this
// reconcile; a run cached older than this controller's last write to it is
// read as that write returned it. stale reports one that cannot be.
func (c *Controller) observeRuns(ro *v1alpha1.Rollout, newHash string) (rs runState, stale bool) {
	all, fresh := latestAll(c.freshness, c.analysisRunsOf(ro), lagAnalysisRun)
	if !fresh {
		return rs, true
	}
	rs.all = all
	rs.current, rs.spent = findCurrentRuns(ro, rs.all, newHash)
	if rs.fresh = newAttempt(ro, newHash); rs.fresh {
		rs.current, rs.spent = currentRuns{}, append(rs.spent, earlierAttempts(rs.all, newHash, rs.spent)...)
	}
	return rs, false
}

// reconcileAnalyses makes the runs match the plan's needs — creating missing
// ones, terminating every other running run of the Rollout — mirrors the current
// runs in st, and trims the run history.
func (c *Controller) reconcileAnalyses(ctx context.Context, ro *v1alpha1.Rollout, p plan.Plan, st *v1alpha1.RolloutStatus, newRS *appsv1.ReplicaSet, rs runState) error {
	newHash := newRS.Labels[HashLabel]
	for _, run := range rs.spent {
		if err := c.markSpent(ctx, run); err != nil {
			return err
		}
	}
	for _, kind := range p.Accepted {
		if run := rs.current[kind]; run != nil {
			if err := c.labelRun(ctx, run, AcceptedLabel); err != nil {
				return err
			}
		}
	}
	if rs.fresh {
		p.Analyses = nil // the attempt's runs come once its start is written
	}
	if !p.KeepAnalyses {
		wanted := map[types.UID]bool{}
		for _, need := range p.Analyses {
			run, err := c.runFor(ctx, ro, need, newRS, rs)
			if err != nil {
				return err
			}
			rs.current[need.Kind] = run
			wanted[run.UID] = true
		}
		for _, run := range rs.all {
			if !wanted[run.UID] && !run.Status.Phase.Completed() && !run.Spec.Terminate {
				if err := c.terminateRun(ctx, run); err != nil {
					return err
				}
			}
		}
	}
	c.mirrorRuns(ro, st, rs.all, rs.current, newHash)
	return c.trimRunHistory(ctx, ro, rs.all, rs.current)
}

// runFor returns the run for a need: the current one if it fits, else a run made
// for the need that the rollout has not used up (one a reconcile created just
// before its status write was lost — it may even have finished), else a new one.
func (c *Controller) runFor(ctx context.Context, ro *v1alpha1.Rollout, need plan.AnalysisNeed, newRS *appsv1.ReplicaSet, rs runState) (*v1alpha1.AnalysisRun, error) {
	if run := rs.current[need.Kind]; run != nil && fits(run, need, newRS) {
		return run, nil
	}
	for _, run := range rs.all {
		if fits(run, need, newRS) && !run.Spec.Terminate && run.Labels[SpentLabel] != "true" && !slices.Contains(rs.spent, run) {
			return run, nil
		}
	}
	return c.createRun(ctx, ro, need, newRS, rs.all)
}

// fits reports whether a run was made for the need at the current revision.
func fits(run *v1alpha1.AnalysisRun, need plan.AnalysisNeed, newRS *appsv1.ReplicaSet) bool {
	l := run.Labels
	if l[HashLabel] != newRS.Labels[HashLabel] || l[v1alpha1.AnalysisKindLabel] != string(need.Kind) ||
		run.Annotations[RevisionAnnotation] != newRS.Annotations[RevisionAnnotation] {
		return false
	}
	return need.Kind != v1alpha1.AnalysisKindStep || l[v1alpha1.StepIndexLabel] == strconv.Itoa(int(need.Step))
}

// markSpent labels a run the rollout is done with (see SpentLabel).
func (c *Controller) markSpent(ctx context.Context, run *v1alpha1.AnalysisRun) error {
	return c.labelRun(ctx, run, SpentLabel)
}

// labelRun sets a "true" label on a run (SpentLabel, AcceptedLabel).
func (c *Controller) labelRun(ctx context.Context, run *v1alpha1.AnalysisRun, label string) error {
	if run.Labels[label] == "true" {
		return nil
	}
	patch := fmt.Sprintf(`{"metadata":{"labels":{%q:"true"}}}`, label)
	written, err := c.sluice.SluiceV1alpha1().AnalysisRuns(run.Namespace).Patch(ctx, run.Name, typesMerge, []byte(patch), metav1.PatchOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("label AnalysisRun %s %s: %w", run.Name, label, err)
	}
	// A cache without the label would offer the run to the next reconcile.
	c.freshness.Wrote(run, written)
	return nil
}

// terminateRun asks the AnalysisRun controller to stop a run the rollout no
// longer needs; its metrics end with what they measured.
func (c *Controller) terminateRun(ctx context.Context, run *v1alpha1.AnalysisRun) error {
	_, err := c.sluice.SluiceV1alpha1().AnalysisRuns(run.Namespace).Patch(ctx, run.Name, typesMerge,
		[]byte(`{"spec":{"terminate":true}}`), metav1.PatchOptions{})
	if err != nil {
		return fmt.Errorf("terminate AnalysisRun %s: %w", run.Name, err)
	}
	klog.FromContext(ctx).V(2).Info("Terminated AnalysisRun", "analysisrun", run.Name)
	return nil
}

// mirrorRuns writes each current run's name, phase and message into the status
// and records an AnalysisRun<Phase> event when a run's end is first seen. A
// spent run stays mirrored (so people see what happened) until a run of its
// kind replaces it or the pod template changes.
func (c *Controller) mirrorRuns(ro *v1alpha1.Rollout, st *v1alpha1.RolloutStatus, runs []*v1alpha1.AnalysisRun, current currentRuns, newHash string) {
	for _, kind := range analysisKinds {
		field := mirrorOf(st, kind)
		run := current[kind]
		if run == nil {
			if *field != nil {
				if spent := runNamed(runs, (*field).Name); spent == nil || spent.Labels[HashLabel] != newHash {
					*field = nil
				}
			}
			continue
		}
		before := *field
		phase := run.Status.Phase
		if phase == "" {
			phase = v1alpha1.AnalysisPhasePending
		}
		*field = &v1alpha1.RolloutAnalysisRunStatus{Name: run.Name, Status: phase, Message: run.Status.Message}
		if run.Status.Phase.Completed() && (before == nil || before.Name != run.Name || before.Status != run.Status.Phase) {
			eventType := corev1.EventTypeNormal
			if run.Status.Phase != v1alpha1.AnalysisPhaseSuccessful {
				eventType = corev1.EventTypeWarning
			}
			msg := fmt.Sprintf("%s analysis %s is %s", kind, run.Name, run.Status.Phase)
			if run.Status.Message != "" {
				msg += ": " + run.Status.Message
			}
			c.recorder.Event(ro, eventType, "AnalysisRun"+string(run.Status.Phase), msg)
		}
	}
}

// runNamed finds a run by name.
func runNamed(runs []*v1alpha1.AnalysisRun, name string) *v1alpha1.AnalysisRun {
	for _, r := range runs {
		if r.Name == name {
			return r
		}
	}
	return nil
}
