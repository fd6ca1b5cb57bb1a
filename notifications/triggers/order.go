package triggers

import (
	"sort"
	"strconv"

	"github.com/sluice-dev/sluice/notifications"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// Events found in one look at the Rollout are returned in the order they
// happened, by revision and then by a position within the revision. Steps
// give the positions: step k (1-based) completes at k; what happens while
// the Rollout is at step index k — the analysis run of that step, a pause
// there and its end — sits between k and k+1.
const (
	posUpdated    = -3.0
	posRolledBack = -2.9
	// posRunOutsideSteps is where a run not tied to a step starts
	// (background, blue-green analyses); it ends just before an abort.
	posRunOutsideSteps = -2.0
	posRunEnd          = 1e6
	posAborted         = 2e6
	posCompleted       = 3e6

	offRunStart    = 0.1 // the step's analysis starts,
	offRunEnd      = 0.2 // ends (Inconclusive pauses after it),
	offPaused      = 0.3 // the Rollout pauses at the step,
	offResumed     = 0.4 // resumes,
	offPromoted    = 0.5 // is promoted,
	offPromoteFull = 0.6 // or promoted fully.
)

func stepDone(index int) float64              { return float64(index + 1) }
func atStep(index int32, off float64) float64 { return float64(index) + off }

func endOffset(trigger string) float64 {
	if trigger == notifications.OnRolloutPromoted {
		return offPromoted
	}
	return offResumed
}

// runPosition places a run's start or end: a step's run at its step index,
// any other run around the steps.
func runPosition(run *v1alpha1.AnalysisRun, end bool) float64 {
	if run.Labels[v1alpha1.AnalysisKindLabel] == string(v1alpha1.AnalysisKindStep) {
		if i, err := strconv.Atoi(run.Labels[v1alpha1.StepIndexLabel]); err == nil {
			if end {
				return atStep(int32(i), offRunEnd)
			}
			return atStep(int32(i), offRunStart)
		}
	}
	if end {
		return posRunEnd
	}
	return posRunOutsideSteps
}

// place records an event's position and returns it.
func (s *state) place(e notifications.Event, pos float64) notifications.Event {
	s.pos[e.Key] = pos
	return e
}

// inOrder sorts events by revision, then position; ties keep the order they
// were found in.
func (s *state) inOrder(events []notifications.Event) []notifications.Event {
	sort.SliceStable(events, func(i, j int) bool {
		a, b := events[i], events[j]
		if a.Revision != b.Revision {
			return a.Revision < b.Revision
		}
		return s.pos[a.Key] < s.pos[b.Key]
	})
	return events
}
