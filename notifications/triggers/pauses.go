package triggers

import (
	"time"

	"github.com/sluice-dev/sluice/notifications"
	"github.com/sluice-dev/sluice/notifications/ledger"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// ManualPauseReason is the pause reason of spec.paused (a user pause), which
// has no pause condition of its own.
const ManualPauseReason = "ManualPause"

// pause is one pause the stored Rollout shows.
type pause struct {
	key    string
	step   int32 // status.currentStepIndex while it lasts
	reason string
	start  time.Time
	// indefinite: only a person ends it.
	indefinite bool
}

// currentPauses are the pauses of the current revision: each pause condition,
// and spec.paused from the time the Paused condition turned True.
func (s *state) currentPauses() []pause {
	if s.rev == 0 {
		return nil
	}
	var out []pause
	for _, pc := range s.st.PauseConditions {
		out = append(out, s.newPause(string(pc.Reason), pc.StartTime.Time, s.isIndefinite(pc.Reason)))
	}
	if s.ro.Spec.Paused {
		if c := s.condition(v1alpha1.RolloutPaused); c != nil && c.Status == "True" {
			// Unpausing spec.paused resumes; it does not promote.
			out = append(out, s.newPause(ManualPauseReason, c.LastTransitionTime.Time, false))
		}
	}
	return out
}

func (s *state) newPause(reason string, start time.Time, indefinite bool) pause {
	return pause{
		key:        s.key(s.rev, notifications.OnRolloutPaused, reason, stamp(start)),
		step:       s.stepIndex(),
		reason:     reason,
		start:      start,
		indefinite: indefinite,
	}
}

// isIndefinite: the pause waits for a person — a pause step without a
// duration, an inconclusive analysis, a blue-green pause without automatic
// promotion.
func (s *state) isIndefinite(reason v1alpha1.PauseReason) bool {
	switch reason {
	case v1alpha1.PauseReasonCanaryPauseStep:
		steps, i := s.steps(), int(s.stepIndex())
		return i < len(steps) && steps[i].Pause != nil && steps[i].Pause.Duration == nil
	case v1alpha1.PauseReasonInconclusiveAnalysis:
		return true
	case v1alpha1.PauseReasonBlueGreenPause:
		bg := s.ro.Spec.Strategy.BlueGreen
		return bg != nil && bg.AutoPromotionSeconds == 0
	}
	return false
}

// pauses: on-rollout-paused for each pause shown, and for each pause of the
// revision the ledger remembers that has ended since: the pause still
// happened, and a delivery of it that failed while the pause lasted must
// stay wanted for its retry (a timed pause ends long before a receiver that
// was down for a minute is back).
func (s *state) pauses() []notifications.Event {
	var out []notifications.Event
	for _, p := range s.currentPauses() {
		e := s.event(notifications.OnRolloutPaused, p.key, p.start)
		e.Data.Rollout.PauseReason = p.reason
		out = append(out, s.place(e, atStep(p.step, offPaused)))
	}
	for _, key := range s.endedPauseKeys() {
		m := s.in.Seen.Marks[key]
		e := s.event(notifications.OnRolloutPaused, key, m.Start)
		e.Data.Rollout.PauseReason = m.Reason
		out = append(out, s.place(e, atStep(m.Step, offPaused)))
	}
	return out
}

// pauseEnds: for each pause of the current revision the ledger remembers and
// the Rollout no longer shows, on-rollout-resumed unless an abort ended it,
// and on-rollout-promoted too when only a person could have ended it (and no
// promote-full, which is its own promotion, did).
func (s *state) pauseEnds() []notifications.Event {
	var out []notifications.Event
	for _, key := range s.endedPauseKeys() {
		m := s.in.Seen.Marks[key]
		ended := m.Ended
		if ended == "" {
			ended = s.howEnded(m)
		}
		if ended == ledger.EndedAborted {
			continue
		}
		for _, t := range endTriggers(ended) {
			e := s.event(t, key+"/"+endSuffix(t), time.Time{})
			e.Data.Rollout.PauseReason = m.Reason
			out = append(out, s.place(e, atStep(m.Step, endOffset(t))))
		}
	}
	return out
}

// endTriggers are the triggers a pause's end fires.
func endTriggers(ended string) []string {
	if ended == ledger.EndedPromoted {
		return []string{notifications.OnRolloutResumed, notifications.OnRolloutPromoted}
	}
	return []string{notifications.OnRolloutResumed}
}

func endSuffix(trigger string) string {
	if trigger == notifications.OnRolloutPromoted {
		return "promoted"
	}
	return "resumed"
}

// howEnded reads from the stored state how a remembered pause that is gone ended.
func (s *state) howEnded(m ledger.Mark) string {
	_, full := s.promotedFullAt()
	switch {
	case s.st.Abort:
		return ledger.EndedAborted
	case m.Indefinite && !full:
		return ledger.EndedPromoted
	default:
		return ledger.EndedResumed
	}
}

// endedPauseKeys are the remembered pauses of the current revision that the
// Rollout no longer shows, in the order they began.
func (s *state) endedPauseKeys() []string {
	if s.rev == 0 {
		return nil
	}
	shown := map[string]bool{}
	for _, p := range s.currentPauses() {
		shown[p.key] = true
	}
	var keys []string
	for key, m := range s.in.Seen.Marks {
		if m.Trigger == notifications.OnRolloutPaused && m.Revision == s.rev && !shown[key] {
			keys = append(keys, key)
		}
	}
	sortByStart(keys, s.in.Seen.Marks)
	return keys
}

// marks are what Marks returns (see there).
func (s *state) marks() map[string]ledger.Mark {
	out := map[string]ledger.Mark{}
	for _, p := range s.currentPauses() {
		if _, ok := s.in.Seen.Marks[p.key]; ok {
			continue // the first sighting's step and indefiniteness stand
		}
		out[p.key] = ledger.Mark{
			Trigger: notifications.OnRolloutPaused, Revision: s.rev, Reason: p.reason,
			Start: p.start.UTC(), Step: s.stepIndex(), Indefinite: p.indefinite,
		}
	}
	for _, key := range s.endedPauseKeys() {
		m := s.in.Seen.Marks[key]
		if m.Ended == "" {
			m.Ended = s.howEnded(m)
			out[key] = m
		}
	}
	s.marksOfPromoteFull(out)
	s.marksOfWalk(out)
	return out
}

func sortByStart(keys []string, marks map[string]ledger.Mark) {
	less := func(a, b string) bool {
		ta, tb := marks[a].Start, marks[b].Start
		if !ta.Equal(tb) {
			return ta.Before(tb)
		}
		return a < b
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && less(keys[j], keys[j-1]); j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
}
