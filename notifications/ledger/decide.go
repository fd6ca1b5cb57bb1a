package ledger

import (
	"time"

	"github.com/sluice-dev/sluice/notifications"
)

// Policy is how long claims and retries last.
type Policy struct {
	// Holder names this process in the claims it makes.
	Holder string
	// ClaimTimeout is how long a claim protects a delivery; an older claim
	// belongs to a sender that died and is taken over.
	ClaimTimeout time.Duration
	// GiveUpAfter is how long after its first claim a failing delivery is
	// retried; 0 retries for ever.
	GiveUpAfter time.Duration
}

// Decision is what to do now with the deliveries the triggers want.
type Decision struct {
	// Skip are deliveries on routes seen for the first time: recorded as
	// skipped, never sent.
	Skip []notifications.Delivery
	// Claim are deliveries to send now, in the order they were wanted.
	Claim []notifications.Delivery
	// GiveUp are failing deliveries past the give-up time.
	GiveUp []notifications.Delivery
	// Abandon are IDs of unfinished deliveries (failed and due, or claimed
	// by a sender that died) that cannot be wanted again: their revision was
	// superseded (an older revision than one wanted now) or their
	// subscription went. They cannot be rendered again, so they are given
	// up. An unfinished delivery of the current revision that the Rollout
	// does not show for the moment (a scale makes a completed Rollout
	// Progressing for a while) waits until it shows again.
	Abandon []string
	// NewRoutes are route keys to record as seen; Forget are routes recorded
	// earlier that no subscription has any more (so subscribing again later
	// records the present again instead of sending it).
	NewRoutes, Forget []string
	// Due is when the earliest retry or claim takeover falls due (zero: none).
	Due time.Time
}

// Changes reports whether applying the decision changes the ledger.
func (d Decision) Changes() bool {
	return len(d.Skip)+len(d.Claim)+len(d.GiveUp)+len(d.Abandon)+len(d.NewRoutes)+len(d.Forget) > 0
}

// Decide says what to do with the wanted deliveries, given the ledger, the
// route keys of every subscription the Rollout has now (RouteKey), and the
// time. It is pure: Apply records the decision, the caller writes it.
//
// For each wanted delivery, first match wins:
//   - of a forgotten revision (Ledger.Forgotten): nothing;
//   - on a route the ledger has not seen: Skip (the present is recorded, not sent);
//   - not in the ledger: Claim;
//   - sent, skipped or given up: nothing;
//   - claimed less than ClaimTimeout ago: nothing yet (Due at its timeout);
//   - failed and not yet at NextAt: nothing yet (Due at NextAt);
//   - claimed long ago or failed and due: GiveUp once GiveUpAfter has passed
//     since the first claim, else Claim again.
//
// An unfinished entry that is due, not wanted, and superseded or
// unsubscribed is abandoned.
func Decide(l Ledger, wanted []notifications.Delivery, routes []string, now time.Time, p Policy) Decision {
	var d Decision
	current := make(map[string]bool, len(routes))
	for _, r := range routes {
		current[r] = true
		if !l.Subscriptions[r] && !contains(d.NewRoutes, r) {
			d.NewRoutes = append(d.NewRoutes, r)
		}
	}
	for _, r := range sortedKeys(l.Subscriptions) {
		if !current[r] {
			d.Forget = append(d.Forget, r)
		}
	}
	for _, w := range wanted {
		if w.Revision <= l.Forgotten {
			continue
		}
		route := RouteKey(w.Trigger, w.Destination)
		if !l.Subscriptions[route] {
			d.Skip = append(d.Skip, w)
			if !contains(d.NewRoutes, route) {
				d.NewRoutes = append(d.NewRoutes, route)
			}
			continue
		}
		e, ok := l.Entries[w.ID()]
		if !ok {
			d.Claim = append(d.Claim, w)
			continue
		}
		if e.State.Done() {
			continue
		}
		if wait := waitUntil(e, p); now.Before(wait) {
			d.Due = earliest(d.Due, wait)
			continue
		}
		if p.GiveUpAfter > 0 && !e.Since.IsZero() && !now.Before(e.Since.Add(p.GiveUpAfter)) {
			d.GiveUp = append(d.GiveUp, w)
			continue
		}
		d.Claim = append(d.Claim, w)
	}
	d.Abandon = abandoned(l, wanted, current, now, p)
	return d
}

// abandoned are the unfinished entries that are due, not wanted, and of a
// superseded revision or a route no subscription has.
func abandoned(l Ledger, wanted []notifications.Delivery, routes map[string]bool, now time.Time, p Policy) []string {
	want := make(map[string]bool, len(wanted))
	var newest int64
	for _, w := range wanted {
		want[w.ID()] = true
		newest = max(newest, w.Revision)
	}
	var out []string
	for _, id := range sortedKeys(l.Entries) {
		e := l.Entries[id]
		if want[id] || e.State.Done() || now.Before(waitUntil(e, p)) {
			continue
		}
		route := RouteKey(e.Trigger, notifications.Destination{Service: e.Service, Recipient: e.Recipient})
		if e.Revision < newest || !routes[route] {
			out = append(out, id)
		}
	}
	return out
}

// waitUntil is when an unfinished entry may be taken up again: a claim when
// it times out, a failure at its retry time.
func waitUntil(e Entry, p Policy) time.Time {
	if e.State == StateClaimed {
		return e.At.Add(p.ClaimTimeout)
	}
	return e.NextAt
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
