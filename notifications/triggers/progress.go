package triggers

import (
	"github.com/sluice-dev/sluice/notifications"
	"github.com/sluice-dev/sluice/notifications/ledger"
)

// Events the stored Rollout stops showing while their revision goes on are
// kept by marks, so a delivery of one that is still failing stays wanted and
// is retried rather than abandoned: the steps completed before an abort set
// the index back to 0, and an abort once a retry cleared it.

// progressKey names the mark of how many steps the current revision was
// seen to complete.
func (s *state) progressKey() string {
	return s.key(s.rev, notifications.OnRolloutStepCompleted, "progress")
}

// stepsSeenDone is how many steps the ledger saw completed in the current revision.
func (s *state) stepsSeenDone() int {
	if m, ok := s.in.Seen.Marks[s.progressKey()]; ok && s.rev != 0 && m.Revision == s.rev {
		return int(m.Step)
	}
	return 0
}

// marksOfProgress records more steps completed than the ledger saw.
func (s *state) marksOfProgress(out map[string]ledger.Mark) {
	if s.rev == 0 {
		return
	}
	if done := s.stepsShownDone(); done > s.stepsSeenDone() {
		out[s.progressKey()] = ledger.Mark{Trigger: notifications.OnRolloutStepCompleted, Revision: s.rev, Reason: "Progress", Step: int32(done)}
	}
}

// marksOfAbort records the abort the Rollout shows, with its reason.
func (s *state) marksOfAbort(out map[string]ledger.Mark) {
	e := s.liveAbort()
	if e == nil {
		return
	}
	if _, ok := s.in.Seen.Marks[e.Key]; ok {
		return
	}
	out[e.Key] = ledger.Mark{Trigger: notifications.OnRolloutAborted, Revision: s.rev,
		Reason: e.Data.Rollout.AbortReason, Start: e.Data.Time}
}

// pastAborts are the aborts of the current revision the ledger remembers
// and the Rollout no longer shows (retried since).
func (s *state) pastAborts() []notifications.Event {
	if s.rev == 0 {
		return nil
	}
	live := ""
	if e := s.liveAbort(); e != nil {
		live = e.Key
	}
	var out []notifications.Event
	for _, key := range sortedMarkKeys(s.in.Seen.Marks) {
		m := s.in.Seen.Marks[key]
		if m.Trigger != notifications.OnRolloutAborted || m.Revision != s.rev || key == live {
			continue
		}
		e := s.event(notifications.OnRolloutAborted, key, m.Start)
		e.Data.Rollout.AbortReason = m.Reason
		out = append(out, s.place(e, posAborted))
	}
	return out
}

func sortedMarkKeys(marks map[string]ledger.Mark) []string {
	keys := make([]string, 0, len(marks))
	for k := range marks {
		keys = append(keys, k)
	}
	sortByStart(keys, marks)
	return keys
}
