package triggers

import (
	"time"

	"strconv"

	"github.com/sluice-dev/sluice/notifications"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// phaseTriggers maps a completed run phase to its trigger.
var phaseTriggers = map[v1alpha1.AnalysisPhase]string{
	v1alpha1.AnalysisPhaseSuccessful:   notifications.OnAnalysisRunSuccess,
	v1alpha1.AnalysisPhaseFailed:       notifications.OnAnalysisRunFailed,
	v1alpha1.AnalysisPhaseError:        notifications.OnAnalysisRunError,
	v1alpha1.AnalysisPhaseInconclusive: notifications.OnAnalysisRunInconcl,
}

// analysisRuns: for each run of a known revision, on-analysis-run-running
// once it has started (also when it is first seen already finished: it did
// run) and the trigger of its final phase once it has one.
func (s *state) analysisRuns() []notifications.Event {
	var out []notifications.Event
	for _, run := range sortedRuns(s.in.Runs) {
		rev := s.runRevision(run)
		if rev == 0 {
			continue // its ReplicaSet is gone: older than anything the ledger keeps
		}
		if s.aheadOfTheRollout(run, rev) {
			continue
		}
		st := &run.Status
		if st.Phase == v1alpha1.AnalysisPhaseRunning || st.Phase.Completed() && st.StartedAt != nil {
			at := run.CreationTimestamp.Time
			if st.StartedAt != nil {
				at = st.StartedAt.Time
			}
			out = append(out, s.place(s.runEvent(run, rev, notifications.OnAnalysisRunRunning, at), runPosition(run, false)))
		}
		if t, ok := phaseTriggers[st.Phase]; ok {
			var at = run.CreationTimestamp.Time
			if st.CompletedAt != nil {
				at = st.CompletedAt.Time
			}
			out = append(out, s.place(s.runEvent(run, rev, t, at), runPosition(run, true)))
		}
	}
	return out
}

func (s *state) runEvent(run *v1alpha1.AnalysisRun, rev int64, trigger string, at time.Time) notifications.Event {
	key := s.key(rev, trigger, run.Name)
	e := s.eventOf(rev, trigger, key, at)
	e.Data.Analysis = analysisData(run)
	return e
}

// aheadOfTheRollout: the run of a step the Rollout's status does not show
// reached yet. The rollout controller creates a step's run before it writes
// the status that completes the steps before it, so for a moment the run is
// stored and the steps are not; its events wait for the status, which keeps
// them after the steps they follow and their data consistent with them. An
// aborted Rollout (its index back at 0) holds nothing back, and neither does
// the ledger having seen the step reached.
func (s *state) aheadOfTheRollout(run *v1alpha1.AnalysisRun, rev int64) bool {
	if rev != s.rev || s.st.Abort || run.Labels[v1alpha1.AnalysisKindLabel] != string(v1alpha1.AnalysisKindStep) {
		return false
	}
	index, err := strconv.Atoi(run.Labels[v1alpha1.StepIndexLabel])
	if err != nil {
		return false
	}
	return max(int(s.stepIndex()), s.stepsSeenDone()) < index
}

// runRevision is the revision a run belongs to; 0 when its ReplicaSet is
// gone (the run is older than anything the ledger keeps). The run's own
// sluice.dev/revision annotation is its ReplicaSet's number when the run was
// made; a ReplicaSet brought back later runs its analyses again under the
// old number and is renumbered when it becomes stable. A run made after a
// newer template's ReplicaSet existed belongs to that return, and takes the
// revision the Rollout's events of the return are keyed with.
func (s *state) runRevision(run *v1alpha1.AnalysisRun) int64 {
	hash := run.Labels[HashLabel]
	latest := s.in.Revisions[hash]
	if hash == s.st.CurrentPodHash {
		latest = s.rev
	}
	if latest == 0 {
		return 0
	}
	made, err := strconv.ParseInt(run.Annotations[RevisionAnnotation], 10, 64)
	if err != nil || made <= 0 {
		return latest
	}
	if made != latest && s.madeAfterANewerTemplate(run, hash) {
		return latest
	}
	return made
}

// madeAfterANewerTemplate: the run was created after a ReplicaSet newer than
// its own (created later) already existed.
func (s *state) madeAfterANewerTemplate(run *v1alpha1.AnalysisRun, hash string) bool {
	born, ok := s.in.Created[hash]
	if !ok {
		return false
	}
	for h, c := range s.in.Created {
		if h != hash && c.After(born) && !run.CreationTimestamp.Time.Before(c) {
			return true
		}
	}
	return false
}

// analysisData summarises a run as stored.
func analysisData(run *v1alpha1.AnalysisRun) *notifications.AnalysisData {
	d := &notifications.AnalysisData{
		Name:    run.Name,
		Kind:    run.Labels[v1alpha1.AnalysisKindLabel],
		Phase:   string(run.Status.Phase),
		Message: run.Status.Message,
	}
	for _, r := range run.Status.MetricResults {
		m := notifications.MetricData{Name: r.Name, Phase: string(r.Phase), Message: r.Message}
		if n := len(r.Measurements); n > 0 {
			m.Value = r.Measurements[n-1].Value
		}
		d.Metrics = append(d.Metrics, m)
	}
	return d
}
