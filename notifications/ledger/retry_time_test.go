package ledger

import (
	"testing"
	"time"

	"github.com/sluice-dev/sluice/notifications"
)

// A failed delivery's retry time is kept to the second, rounded up: a
// receiver that answered 429 with Retry-After 7 s must not be asked again
// after 6.1 s (the 429 fault test saw exactly that with the time truncated).
func TestMarkFailedNeverRetriesBeforeTheTimeAskedFor(t *testing.T) {
	d := notifications.Delivery{Event: notifications.Event{Trigger: notifications.OnRolloutUpdated, Key: "u/rev-2/on-rollout-updated", Revision: 2},
		Destination: notifications.Destination{Service: "webhook.audit"}}
	now := time.Date(2026, 12, 3, 15, 0, 0, 900_000_000, time.UTC)
	for _, wait := range []time.Duration{7 * time.Second, 7*time.Second + 100*time.Millisecond, 2 * time.Second} {
		var l Ledger
		l.MarkClaimed(d, now, "a")
		asked := now.Add(wait)
		l.MarkFailed(d.ID(), now, "HTTP 429", asked)
		got := l.Entries[d.ID()].NextAt
		if got.Before(asked) || got.Sub(asked) >= time.Second {
			t.Errorf("retry after %s: NextAt %s, want the first whole second not before %s", wait, got.Format(time.RFC3339Nano), asked.Format(time.RFC3339Nano))
		}
	}
	exact := time.Date(2026, 12, 3, 15, 0, 7, 0, time.UTC)
	var l Ledger
	l.MarkClaimed(d, now, "a")
	l.MarkFailed(d.ID(), now, "HTTP 500", exact)
	if got := l.Entries[d.ID()].NextAt; !got.Equal(exact) {
		t.Errorf("a whole-second retry time moved: %s", got)
	}
}
