package triggers

import (
	"strconv"
	"strings"
	"time"

	"github.com/sluice-dev/sluice/notifications"
	"github.com/sluice-dev/sluice/notifications/ledger"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// PromoteFullReason is the Mark reason of a promote-full.
const PromoteFullReason = "PromoteFull"

// updated: the current revision started (its ReplicaSet is status.currentPodHash).
func (s *state) updated() []notifications.Event {
	if s.rev == 0 {
		return nil
	}
	key := s.key(s.rev, notifications.OnRolloutUpdated)
	return []notifications.Event{s.place(s.event(notifications.OnRolloutUpdated, key, s.in.Created[s.st.CurrentPodHash]), posUpdated)}
}

// rolledBack: the current ReplicaSet was created before a ReplicaSet of a
// lower revision, so an older template came back (undo, or a fast rollback).
func (s *state) rolledBack() []notifications.Event {
	if !s.isRollback() {
		return nil
	}
	key := s.key(s.rev, notifications.OnRolloutRolledBack)
	return []notifications.Event{s.place(s.event(notifications.OnRolloutRolledBack, key, time.Time{}), posRolledBack)}
}

// isRollback: the current ReplicaSet still has an older number than another
// (brought back, not yet renumbered), or was created before a ReplicaSet of a
// lower revision (renumbered when it became stable).
func (s *state) isRollback() bool {
	cur := s.st.CurrentPodHash
	stored := s.in.Revisions[cur]
	if s.rev == 0 {
		return false
	}
	if stored < newestOtherRevision(s.in.Revisions, cur) {
		return true
	}
	born, ok := s.in.Created[cur]
	if !ok {
		return false
	}
	for hash, rev := range s.in.Revisions {
		if hash != cur && rev < stored && s.in.Created[hash].After(born) {
			return true
		}
	}
	return false
}

// stepsCompleted: each canary step before status.currentStepIndex, and each
// the ledger saw completed in this revision (an abort sets the index back to
// 0; the steps were completed all the same, and a delivery of one still
// failing is retried).
func (s *state) stepsCompleted() []notifications.Event {
	steps := s.steps()
	if s.rev == 0 || len(steps) == 0 {
		return nil
	}
	done := min(max(s.stepsShownDone(), s.stepsSeenDone()), len(steps))
	var out []notifications.Event
	for i := range done {
		key := s.key(s.rev, notifications.OnRolloutStepCompleted, "step-"+strconv.Itoa(i+1))
		e := s.event(notifications.OnRolloutStepCompleted, key, time.Time{})
		e.Data.Rollout.StepName = describeStep(steps, i)
		out = append(out, s.place(e, stepDone(i)))
	}
	return out
}

// stepsShownDone is how many steps the stored state shows completed. Steps
// that were skipped rather than walked do not count: those after a
// promote-full, and all of them when the revision became stable without a
// canary (the Rollout's first revision, or a rollback that skipped its steps).
func (s *state) stepsShownDone() int {
	done := int(s.stepIndex())
	if at, ok := s.promotedFullAt(); ok {
		done = min(done, int(at))
	}
	if s.st.StableRS == s.st.CurrentPodHash && (s.isFirstRevision() || s.isRollback() && !s.walked()) {
		done = 0
	}
	return min(done, len(s.steps()))
}

// walkedKey names the mark of a rollback seen walking its steps.
func (s *state) walkedKey() string {
	return s.key(s.rev, notifications.OnRolloutStepCompleted, "walked")
}

// walked: the current revision is a rollback that was seen walking its steps
// (a step completed before it became stable). A rollback that skipped them
// (a fast rollback) jumps from step 0 to the last as it becomes stable, which
// looks the same as a walk whose last steps completed with the promotion, so
// the walk is remembered while it shows.
func (s *state) walked() bool {
	_, ok := s.in.Seen.Marks[s.walkedKey()]
	return ok
}

func (s *state) isWalkingRollback() bool {
	return s.rev != 0 && s.st.StableRS != s.st.CurrentPodHash && s.stepIndex() > 0 && !s.st.Abort && s.isRollback()
}

// marksOfWalk is the mark of a rollback seen walking its steps.
func (s *state) marksOfWalk(out map[string]ledger.Mark) {
	if !s.isWalkingRollback() {
		return
	}
	if _, ok := s.in.Seen.Marks[s.walkedKey()]; !ok {
		out[s.walkedKey()] = ledger.Mark{Trigger: notifications.OnRolloutStepCompleted, Revision: s.rev, Reason: "Walked", Step: s.stepIndex()}
	}
}

// isFirstRevision: no ReplicaSet of a lower revision is known.
func (s *state) isFirstRevision() bool {
	for _, rev := range s.in.Revisions {
		if rev > 0 && rev < s.rev {
			return false
		}
	}
	return true
}

// promotedFull: a person asked to promote the current revision fully. The
// request is cleared once the revision is stable, so it is also read from the
// mark the ledger kept.
func (s *state) promotedFull() []notifications.Event {
	step, ok := s.promotedFullAt()
	if !ok {
		return nil
	}
	key := s.promoteFullKey()
	return []notifications.Event{s.place(s.event(notifications.OnRolloutPromoted, key, time.Time{}), atStep(step, offPromoteFull))}
}

func (s *state) promoteFullKey() string {
	return s.key(s.rev, notifications.OnRolloutPromoted, "full")
}

// promotedFullAt is the step index at which the current revision was promoted
// fully, if it was.
func (s *state) promotedFullAt() (int32, bool) {
	if s.rev == 0 {
		return 0, false
	}
	if m, ok := s.in.Seen.Marks[s.promoteFullKey()]; ok && m.Revision == s.rev {
		return m.Step, true
	}
	if s.st.PromoteFull && !s.st.Abort {
		return s.stepIndex(), true
	}
	return 0, false
}

// aborted: status.abort with the time the controller recorded for it. Each
// abort of a revision (abort, retry, abort again) has its own abortedAt.
// Aborts retried since are kept by marks (see progress.go).
func (s *state) aborted() []notifications.Event {
	out := s.pastAborts()
	if e := s.liveAbort(); e != nil {
		out = append(out, s.place(*e, posAborted))
	}
	return out
}

// liveAbort is the abort the Rollout shows, if any.
func (s *state) liveAbort() *notifications.Event {
	if s.rev == 0 || !s.st.Abort || s.st.AbortedAt == nil {
		return nil
	}
	at := s.st.AbortedAt.Time
	key := s.key(s.rev, notifications.OnRolloutAborted, stamp(at))
	e := s.event(notifications.OnRolloutAborted, key, at)
	reason, byAnalysis := s.abortReason()
	e.Data.Rollout.AbortReason = reason
	if byAnalysis {
		e.Data.Analysis = s.failedRun()
	}
	return &e
}

// abortReason reads why the rollout was aborted from its Progressing
// condition, which keeps the first abort's message.
func (s *state) abortReason() (reason string, byAnalysis bool) {
	msg := ""
	if c := s.condition(v1alpha1.RolloutProgressing); c != nil && c.Reason == v1alpha1.ReasonRolloutAborted {
		msg = c.Message
	}
	detail := strings.TrimPrefix(strings.TrimPrefix(msg, "Rollout aborted"), ": ")
	switch {
	case strings.Contains(msg, " analysis is "):
		return "analysis failed: " + detail, true
	case strings.Contains(msg, "has not progressed for"):
		return "progress deadline exceeded: " + detail, false
	default:
		return "aborted by a user", false
	}
}

// failedRun summarises the newest Failed or Error run of the current revision.
func (s *state) failedRun() *notifications.AnalysisData {
	var found *v1alpha1.AnalysisRun
	for _, run := range sortedRuns(s.in.Runs) {
		p := run.Status.Phase
		if s.runRevision(run) == s.rev && (p == v1alpha1.AnalysisPhaseFailed || p == v1alpha1.AnalysisPhaseError) {
			found = run
		}
	}
	if found == nil {
		return nil
	}
	return analysisData(found)
}

// completed: the current revision is stable and the Rollout Healthy, as of
// the spec it was computed from.
func (s *state) completed() []notifications.Event {
	st := s.st
	if s.rev == 0 || st.StableRS != st.CurrentPodHash || st.Phase != v1alpha1.RolloutPhaseHealthy ||
		st.ObservedGeneration != s.ro.Generation || st.Abort {
		return nil
	}
	var at time.Time
	if c := s.condition(v1alpha1.RolloutCompleted); c != nil {
		at = c.LastTransitionTime.Time
	}
	key := s.key(s.rev, notifications.OnRolloutCompleted)
	return []notifications.Event{s.place(s.event(notifications.OnRolloutCompleted, key, at), posCompleted)}
}

// marksOfPromoteFull is the mark of a promote-full in progress.
func (s *state) marksOfPromoteFull(out map[string]ledger.Mark) {
	if s.rev == 0 || !s.st.PromoteFull || s.st.Abort {
		return
	}
	key := s.promoteFullKey()
	if _, ok := s.in.Seen.Marks[key]; ok {
		return // the first sighting's step stands
	}
	out[key] = ledger.Mark{Trigger: notifications.OnRolloutPromoted, Revision: s.rev, Reason: PromoteFullReason, Step: s.stepIndex()}
}
