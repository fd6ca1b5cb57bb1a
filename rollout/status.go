package rollout

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/sluice-dev/sluice/internal/priority"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// statusFacts are the observations status is computed from, beyond the plan.
type statusFacts struct {
	// invalid is the InvalidSpec message ("" when the spec is usable).
	invalid string
	// newRS is the ReplicaSet of the current template (nil when invalid).
	newRS *appsv1.ReplicaSet
	// rss are all the Rollout's ReplicaSets.
	rss []*appsv1.ReplicaSet
	now time.Time
	// unwritten is the status computed last while its counts-only write waits
	// (nil when none waits): progress is judged against it.
	unwritten *v1alpha1.RolloutStatus
	// scaleDownAt are the scale-down deadlines this reconcile's plan set.
	scaleDownAt map[string]time.Time
	// abortedBecause is why this reconcile aborted (the RolloutAborted
	// event's message), "" when it did not.
	abortedBecause string
	// waitingFor names the analysis the rollout waits for ("" for none).
	waitingFor string
	// newWanted is the size this reconcile's plan gives the new ReplicaSet:
	// a canary step's share, not spec.replicas.
	newWanted int32
}

// completeStatus fills the counts, conditions, phase and message of a planned
// status (SPEC §2.6), and says when the progress deadline needs a look.
func completeStatus(ro *v1alpha1.Rollout, st *v1alpha1.RolloutStatus, f statusFacts) (deadlineIn time.Duration) {
	prev := ro.Status
	if f.unwritten != nil {
		// The stored counts are behind a waiting write: compared with them,
		// every reconcile would look like progress and the deadline never come.
		prev = *f.unwritten
		keepProgressTime(st, &prev)
	}
	st.ObservedGeneration = ro.Generation
	if sel, err := metav1.LabelSelectorAsSelector(ro.Spec.Selector); err == nil {
		st.Selector = sel.String()
	}
	st.Replicas, st.ReadyReplicas, st.AvailableReplicas, st.UpdatedReplicas = 0, 0, 0, 0
	for _, rs := range f.rss {
		st.Replicas += rs.Status.Replicas
		st.ReadyReplicas += rs.Status.ReadyReplicas
		st.AvailableReplicas += rs.Status.AvailableReplicas
	}
	if f.newRS != nil {
		st.UpdatedReplicas = f.newRS.Status.Replicas
	}
	// Pods an old ReplicaSet keeps during its scale-down delay are there on
	// purpose (fast rollback); they do not make the rollout incomplete.
	delayed := delayedPods(f.rss, f.newRS, st.StableRS, f.scaleDownAt)
	now := metav1.NewTime(f.now)
	desired := ptrValue(ro.Spec.Replicas)

	setCondition(st, v1alpha1.RolloutInvalidSpec, f.invalid != "", v1alpha1.ReasonInvalidSpec, f.invalid, now)
	paused := ro.Spec.Paused || len(st.PauseConditions) > 0
	setCondition(st, v1alpha1.RolloutPaused, paused, v1alpha1.ReasonRolloutPaused, pauseMessage(ro, st), now)
	complete := f.invalid == "" && f.newRS != nil && st.StableRS == st.CurrentPodHash &&
		st.UpdatedReplicas == desired && f.newRS.Status.AvailableReplicas >= desired && st.Replicas-delayed == desired
	setCondition(st, v1alpha1.RolloutCompleted, complete, v1alpha1.ReasonRolloutCompleted, "", now)
	available := st.AvailableReplicas >= desired-maxUnavailableCount(ro)
	setCondition(st, v1alpha1.RolloutAvailable, available, v1alpha1.ReasonAvailable, "", now)
	failure := replicaFailure(f.rss)
	setCondition(st, v1alpha1.RolloutReplicaFailure, failure != "", v1alpha1.ReasonFailedCreate, failure, now)

	deadlineIn = updateProgressing(ro, &prev, st, progressFacts{invalid: f.invalid, complete: complete, paused: paused, waitingFor: f.waitingFor, abortedBecause: f.abortedBecause}, now)
	if cond := condition(st, v1alpha1.RolloutProgressing); cond != nil && cond.Reason == v1alpha1.ReasonProgressDeadlineExceeded && ro.Spec.ProgressDeadlineAbort && !st.Abort {
		// The next reconcile's plan records abortedAt and the RolloutAborted
		// event, as for any abort.
		st.Abort = true
		setProgressing(st, corev1.ConditionFalse, v1alpha1.ReasonRolloutAborted, "Rollout aborted: "+cond.Message, now)
	}

	var newAvailable int32
	if f.newRS != nil {
		newAvailable = f.newRS.Status.AvailableReplicas
	}
	st.Phase, st.Message = phase(ro, st, phaseFacts{invalid: f.invalid, complete: complete, delayed: delayed,
		newWanted: f.newWanted, newAvailable: newAvailable, waitingFor: f.waitingFor})
	setCondition(st, v1alpha1.RolloutHealthy, st.Phase == v1alpha1.RolloutPhaseHealthy, v1alpha1.ReasonRolloutHealthy, "", now)
	return deadlineIn
}

// keepProgressTime carries the Progressing condition's last update time from the
// status computed last (whose write waits) into st, when the condition is
// otherwise the same: that time is when progress was last seen.
func keepProgressTime(st, last *v1alpha1.RolloutStatus) {
	cond, was := condition(st, v1alpha1.RolloutProgressing), condition(last, v1alpha1.RolloutProgressing)
	if cond != nil && was != nil && cond.Status == was.Status && cond.Reason == was.Reason {
		cond.LastUpdateTime = was.LastUpdateTime
	}
}

// progressFacts are what the Progressing condition is decided from, beyond
// the status itself.
type progressFacts struct {
	// invalid is the InvalidSpec message ("" when the spec is usable).
	invalid          string
	complete, paused bool
	// waitingFor names the analysis the rollout waits for ("" for none).
	waitingFor string
	// abortedBecause is why this reconcile aborted, "" when it did not.
	abortedBecause string
}

// updateProgressing maintains the Progressing condition and the progress
// deadline: any change in what the rollout runs counts as progress; time spent
// paused or waiting for an analysis does not count — the deadline starts again
// when the pause or the analysis ends. An InvalidSpec stops all progress, so
// Progressing is False for it (kubectl wait and Argo CD read the conditions,
// which must agree with the Degraded phase); an abort that came before keeps
// its own False condition, which says why the rollout was aborted. It returns
// how long until the deadline passes (0 when no deadline is running).
func updateProgressing(ro *v1alpha1.Rollout, prev, st *v1alpha1.RolloutStatus, f progressFacts, now metav1.Time) time.Duration {
	cond := condition(st, v1alpha1.RolloutProgressing)
	progressed := prev.CurrentPodHash != st.CurrentPodHash || ptrValue(prev.CurrentStepIndex) != ptrValue(st.CurrentStepIndex) ||
		prev.StableRS != st.StableRS || prev.UpdatedReplicas != st.UpdatedReplicas ||
		prev.AvailableReplicas != st.AvailableReplicas || prev.Replicas != st.Replicas || prev.Abort != st.Abort
	progressing := "Rollout is progressing"
	if st.CurrentPodHash != "" {
		progressing += " to " + st.CurrentPodHash
	}
	complete, paused, abortedBecause := f.complete, f.paused, f.abortedBecause
	switch {
	case f.invalid != "" && !(st.Abort && cond != nil && cond.Reason == v1alpha1.ReasonRolloutAborted):
		setProgressing(st, corev1.ConditionFalse, v1alpha1.ReasonInvalidSpec, f.invalid, now)
		return 0
	case complete:
		setProgressing(st, corev1.ConditionTrue, v1alpha1.ReasonNewRSAvailable, "Rollout is fully promoted", now)
		return 0
	case st.Abort:
		if cond == nil || cond.Reason != v1alpha1.ReasonRolloutAborted {
			msg := "Rollout aborted"
			if abortedBecause != "" {
				msg = abortedBecause // e.g. "Rollout aborted: step analysis is Failed"
			}
			setProgressing(st, corev1.ConditionFalse, v1alpha1.ReasonRolloutAborted, msg, now)
		}
		return 0
	case paused:
		setProgressing(st, corev1.ConditionUnknown, v1alpha1.ReasonRolloutPaused, "Rollout is paused", now)
		return 0
	case f.waitingFor != "":
		// Measuring the canary is progress, however long the analysis runs.
		setProgressing(st, corev1.ConditionTrue, v1alpha1.ReasonReplicaSetUpdated, progressing+": waiting for "+f.waitingFor, now)
		return 0
	case cond == nil || cond.Reason != v1alpha1.ReasonReplicaSetUpdated && cond.Reason != v1alpha1.ReasonProgressDeadlineExceeded || progressed ||
		cond.Reason == v1alpha1.ReasonReplicaSetUpdated && cond.Message != progressing: // a wait for an analysis ended
		setProgressing(st, corev1.ConditionTrue, v1alpha1.ReasonReplicaSetUpdated, progressing, now)
		cond = condition(st, v1alpha1.RolloutProgressing)
		cond.LastUpdateTime = now
	}
	deadline := time.Duration(ptrValue(ro.Spec.ProgressDeadlineSeconds)) * time.Second
	left := cond.LastUpdateTime.Add(deadline).Sub(now.Time)
	if left <= 0 {
		setProgressing(st, corev1.ConditionFalse, v1alpha1.ReasonProgressDeadlineExceeded,
			fmt.Sprintf("Rollout has not progressed for %s", deadline), cond.LastUpdateTime)
		return 0
	}
	return left
}

// phaseFacts are what the phase is decided from, beyond the status itself.
type phaseFacts struct {
	// invalid is the InvalidSpec message ("" when the spec is usable).
	invalid  string
	complete bool
	// delayed counts old pods kept on purpose (see delayedPods).
	delayed int32
	// newWanted is the size this reconcile gives the new ReplicaSet;
	// newAvailable is how many of its pods are available.
	newWanted, newAvailable int32
	// waitingFor names the analysis the rollout waits for ("" for none).
	waitingFor string
}

// phase applies the rules of SPEC §2.6 in order; the first match wins. While
// Progressing, the message says what the rollout waits for now: the new
// ReplicaSet is measured against the size this reconcile gives it (a canary
// step holds fewer than spec.replicas on purpose), then against spec.replicas.
func phase(ro *v1alpha1.Rollout, st *v1alpha1.RolloutStatus, f phaseFacts) (v1alpha1.RolloutPhase, string) {
	if f.invalid != "" {
		return v1alpha1.RolloutPhaseDegraded, "InvalidSpec: " + f.invalid
	}
	if st.Abort {
		msg := "Rollout aborted"
		if c := condition(st, v1alpha1.RolloutProgressing); c != nil && c.Reason == v1alpha1.ReasonRolloutAborted {
			msg = c.Message
		}
		return v1alpha1.RolloutPhaseDegraded, "RolloutAborted: " + msg
	}
	if c := condition(st, v1alpha1.RolloutProgressing); c != nil && c.Reason == v1alpha1.ReasonProgressDeadlineExceeded {
		return v1alpha1.RolloutPhaseDegraded, "ProgressDeadlineExceeded: " + c.Message
	}
	if ro.Spec.Paused || len(st.PauseConditions) > 0 {
		return v1alpha1.RolloutPhasePaused, pauseMessage(ro, st)
	}
	desired := ptrValue(ro.Spec.Replicas)
	switch {
	case ro.Spec.RestartAt != nil && (st.RestartedAt == nil || st.RestartedAt.Before(ro.Spec.RestartAt)):
		return v1alpha1.RolloutPhaseProgressing, "waiting for pods to restart"
	case st.UpdatedReplicas < f.newWanted:
		return v1alpha1.RolloutPhaseProgressing, "more replicas need to be updated"
	case f.newAvailable < min(st.UpdatedReplicas, f.newWanted):
		return v1alpha1.RolloutPhaseProgressing, "updated replicas are still becoming available"
	case f.waitingFor != "":
		return v1alpha1.RolloutPhaseProgressing, "waiting for " + f.waitingFor
	case st.UpdatedReplicas < desired:
		return v1alpha1.RolloutPhaseProgressing, holdingMessage(ro, st, f.delayed)
	case st.AvailableReplicas-f.delayed < st.UpdatedReplicas:
		return v1alpha1.RolloutPhaseProgressing, "updated replicas are still becoming available"
	case st.StableRS != st.CurrentPodHash:
		return v1alpha1.RolloutPhaseProgressing, "waiting for the Service cutover to finish"
	case st.Replicas-f.delayed > st.UpdatedReplicas:
		return v1alpha1.RolloutPhaseProgressing, "old replicas are pending termination"
	case !f.complete:
		return v1alpha1.RolloutPhaseProgressing, "waiting for rollout to finish"
	}
	return v1alpha1.RolloutPhaseHealthy, ""
}

// holdingMessage says what a rollout waits for while the new ReplicaSet runs
// the pods this reconcile gives it, fewer than spec.replicas on purpose: the
// old side shrinking to its share, or else the rest of the canary step (a
// blue-green preview: its promotion).
func holdingMessage(ro *v1alpha1.Rollout, st *v1alpha1.RolloutStatus, delayed int32) string {
	switch {
	case st.Replicas-delayed > ptrValue(ro.Spec.Replicas):
		return "old replicas are pending termination"
	case ro.Spec.Strategy.Canary != nil:
		return "waiting for the canary step to complete"
	}
	return "waiting for the preview to be promoted"
}

// delayedPods counts the pods of old ReplicaSets given a scale-down deadline,
// stored or set by this reconcile's plan (planned): pods kept on purpose until
// the deadline (fast rollback), and after it pods on their way out. Neither makes
// the rollout incomplete, so it does not flap to Progressing and back when the
// deadline passes.
func delayedPods(rss []*appsv1.ReplicaSet, newRS *appsv1.ReplicaSet, stableHash string, planned map[string]time.Time) int32 {
	var n int32
	for _, rs := range rss {
		if newRS != nil && rs.Name == newRS.Name || rs.Labels[HashLabel] == stableHash {
			continue
		}
		if _, ok := planned[rs.Name]; ok || scaleDownDeadline(rs) != nil {
			n += rs.Status.Replicas
		}
	}
	return n
}

// replicaFailure is the message of the first ReplicaSet that cannot create or
// delete pods (quota, admission), or "".
func replicaFailure(rss []*appsv1.ReplicaSet) string {
	for _, rs := range rss {
		for _, c := range rs.Status.Conditions {
			if c.Type == appsv1.ReplicaSetReplicaFailure && c.Status == corev1.ConditionTrue {
				return fmt.Sprintf("ReplicaSet %s: %s", rs.Name, c.Message)
			}
		}
	}
	return ""
}

func pauseMessage(ro *v1alpha1.Rollout, st *v1alpha1.RolloutStatus) string {
	if ro.Spec.Paused {
		return "manually paused"
	}
	if len(st.PauseConditions) > 0 {
		return string(st.PauseConditions[0].Reason)
	}
	return ""
}

func maxUnavailableCount(ro *v1alpha1.Rollout) int32 {
	if c := ro.Spec.Strategy.Canary; c != nil && c.MaxUnavailable != nil {
		desired := int(ptrValue(ro.Spec.Replicas))
		if n, err := intOrPercent(c.MaxUnavailable, desired); err == nil {
			return int32(n)
		}
	}
	return 0
}

func condition(st *v1alpha1.RolloutStatus, t v1alpha1.RolloutConditionType) *v1alpha1.RolloutCondition {
	for i := range st.Conditions {
		if st.Conditions[i].Type == t {
			return &st.Conditions[i]
		}
	}
	return nil
}

// conditionTrue reports whether the condition of type t is set and True.
func conditionTrue(st *v1alpha1.RolloutStatus, t v1alpha1.RolloutConditionType) bool {
	c := condition(st, t)
	return c != nil && c.Status == corev1.ConditionTrue
}

// setCondition sets a boolean condition, touching its times only when it changes.
func setCondition(st *v1alpha1.RolloutStatus, t v1alpha1.RolloutConditionType, on bool, reason, message string, now metav1.Time) {
	status := corev1.ConditionFalse
	if on {
		status = corev1.ConditionTrue
	}
	if !on {
		reason = ""
		message = ""
	}
	setConditionStatus(st, t, status, reason, message, now)
}

func setProgressing(st *v1alpha1.RolloutStatus, status corev1.ConditionStatus, reason, message string, now metav1.Time) {
	setConditionStatus(st, v1alpha1.RolloutProgressing, status, reason, message, now)
}

func setConditionStatus(st *v1alpha1.RolloutStatus, t v1alpha1.RolloutConditionType, status corev1.ConditionStatus, reason, message string, now metav1.Time) {
	cond := condition(st, t)
	if cond == nil {
		st.Conditions = append(st.Conditions, v1alpha1.RolloutCondition{Type: t, Status: status, Reason: reason,
			Message: message, LastTransitionTime: now, LastUpdateTime: now})
		return
	}
	if cond.Status == status && cond.Reason == reason && cond.Message == message {
		return
	}
	if cond.Status != status {
		cond.LastTransitionTime = now
	}
	cond.Status, cond.Reason, cond.Message, cond.LastUpdateTime = status, reason, message, now
}

// writeStatus writes the status through the status subresource, unless nothing
// changed (an idle Rollout costs no writes) or only counts changed and the write
// is batched (see countsDelayFor); it then returns how soon to look again.
func (c *Controller) writeStatus(ctx context.Context, ro *v1alpha1.Rollout, st v1alpha1.RolloutStatus) (time.Duration, error) {
	key := cache.MetaObjectToName(ro)
	if equality.Semantic.DeepEqual(ro.Status, st) {
		c.counts.done(key)
		return 0, nil
	}
	if onlyCountsDiffer(&ro.Status, &st) {
		if wait := c.counts.wait(key, &st, c.clock.Now(), countsDelayFor(&st)); wait > 0 {
			return wait, nil
		}
	}
	out := ro.DeepCopy()
	out.Status = st
	// A write that moves the rollout on (a step, a pause ended) goes ahead of
	// ordinary requests queued in the client's rate limiter.
	ctx = priority.With(ctx, statusWriteLevel(&ro.Status, &st))
	written, err := c.sluice.SluiceV1alpha1().Rollouts(ro.Namespace).UpdateStatus(ctx, out, metav1.UpdateOptions{})
	if err != nil {
		return 0, fmt.Errorf("update status: %w", err)
	}
	c.counts.done(key)
	c.freshness.Wrote(ro, written)
	return 0, nil
}
