package triggers

import (
	"testing"

	"github.com/sluice-dev/sluice/notifications"
)

// A pause that has ended is still an event of its revision: a paused
// delivery that failed while the pause lasted is retried after it ended
// (the receiver-down fault test lost timed pauses without this).
func TestAnEndedPauseStaysAPausedEvent(t *testing.T) {
	for _, indefinite := range []bool{false, true} {
		events := byTrigger(Events(afterPause(updating(2), indefinite)), notifications.OnRolloutPaused)
		if len(events) != 1 || events[0].Key != pauseKey {
			t.Fatalf("indefinite=%v: paused events %v, want the remembered pause %s", indefinite, keys(events), pauseKey)
		}
		e := events[0]
		if e.Data.Rollout.PauseReason != "CanaryPauseStep" || !e.Data.Time.Equal(at(30).Time) {
			t.Errorf("indefinite=%v: data reason %q time %s, want the pause's reason and start", indefinite, e.Data.Rollout.PauseReason, e.Data.Time)
		}
	}
	superseded := afterPause(updating(0), true)
	superseded.Rollout.Status.CurrentPodHash = "h3"
	superseded.Revisions["h3"] = 3
	if events := byTrigger(Events(superseded), notifications.OnRolloutPaused); len(events) != 0 {
		t.Errorf("a pause of a superseded revision fired again: %v", keys(events))
	}
}
