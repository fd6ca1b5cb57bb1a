package analyze

import "time"

// DefaultWindow is how far back a judge looks when neither --since nor a
// Rollout says where its canary and baseline began.
const DefaultWindow = 10 * time.Minute

// WindowStart is where a judge metric's window begins (its warmup is added
// after it): --since before now when given; else, with a Rollout, when the
// newer of its canary and baseline ReplicaSets was created, since a window
// from before a side existed would compare nothing with something; else
// DefaultWindow before now.
func WindowStart(now time.Time, since time.Duration, sides []time.Time) time.Time {
	if since > 0 {
		return now.Add(-since)
	}
	var newest time.Time
	for _, t := range sides {
		if t.After(newest) {
			newest = t
		}
	}
	if newest.IsZero() || newest.After(now) {
		return now.Add(-DefaultWindow)
	}
	return newest
}
