// Package triggers says which notification triggers a Rollout's stored state
// shows as fired. It reads the objects as stored — never transitions seen in
// memory — so a process that starts after a transition computes the same
// events, with the same keys, as one that watched it happen; the ledger then
// decides what is still to be sent. It is pure: it imports the API types and
// the ledger's View, nothing that talks to a cluster.
//
// Every event of a revision that the stored state still shows is returned on
// every call (a step completed an hour ago is still completed); the ledger
// keeps each key from being sent twice.
package triggers

import (
	"time"

	"github.com/sluice-dev/sluice/notifications"
	"github.com/sluice-dev/sluice/notifications/ledger"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// Input is the stored state the triggers read.
type Input struct {
	Rollout *v1alpha1.Rollout
	// Runs are the Rollout's AnalysisRuns (controlled by it).
	Runs []*v1alpha1.AnalysisRun
	// Revisions maps the pod-template hash of each of the Rollout's
	// ReplicaSets to its revision (the sluice.dev/revision annotation).
	Revisions map[string]int64
	// Created maps the same hashes to their ReplicaSets' creationTimestamp:
	// a current ReplicaSet created before one of a lower revision is an older
	// template brought back (on-rollout-rolled-back).
	Created map[string]time.Time
	// Seen is what the ledger remembers (marks made from earlier states).
	Seen ledger.View
	// Now stands in for a transition's time where the stored objects keep
	// none (Data.Time only; keys never depend on it).
	Now time.Time
}

// Events returns every event the stored state shows, in the order they
// happened (see order.go): by revision; within one, updated, then step by
// step the step's analysis, its pause and the pause's end, the step's
// completion; an abort; completion.
func Events(in Input) []notifications.Event {
	s, ok := newState(in)
	if !ok {
		return nil
	}
	var out []notifications.Event
	out = append(out, s.updated()...)
	out = append(out, s.rolledBack()...)
	out = append(out, s.stepsCompleted()...)
	out = append(out, s.pauses()...)
	out = append(out, s.pauseEnds()...)
	out = append(out, s.promotedFull()...)
	out = append(out, s.analysisRuns()...)
	out = append(out, s.aborted()...)
	out = append(out, s.completed()...)
	return s.inOrder(out)
}

// Marks returns what the ledger must remember from the stored state now, by
// the key of the event that made each mark: the pauses the Rollout shows (so
// their end can fire resumed or promoted), a promote-full (cleared once the
// revision is stable; the steps after it were skipped), a rollback walking
// its steps (a fast rollback skips them), and how each remembered pause of
// the current revision ended once it is gone. Only keys not remembered yet,
// or whose record changes, are returned. The controller keeps them with
// ledger.Remember and passes them back in Input.Seen.
func Marks(in Input) map[string]ledger.Mark {
	s, ok := newState(in)
	if !ok {
		return nil
	}
	out := s.marks()
	s.marksOfProgress(out)
	s.marksOfAbort(out)
	return out
}

// MarksMatter reports whether remembering marks can change the events of
// any of the given triggers: only on-rollout-paused, -resumed, -promoted,
// -step-completed and -aborted read them. A Rollout with no route for these
// needs no mark written; one subscribed later is marked from then on (the
// pause it shows then is remembered while it lasts).
func MarksMatter(triggers []string) bool {
	for _, t := range triggers {
		switch t {
		case notifications.OnRolloutPaused, notifications.OnRolloutResumed, notifications.OnRolloutPromoted,
			notifications.OnRolloutStepCompleted, notifications.OnRolloutAborted:
			return true
		}
	}
	return false
}
