package ledger

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sluice-dev/sluice/notifications"
)

var (
	t0      = time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC)
	hook    = notifications.Destination{Service: "webhook.ops"}
	channel = notifications.Destination{Service: "slack", Recipient: "#releases"}
	policy  = Policy{Holder: "me", ClaimTimeout: time.Minute, GiveUpAfter: time.Hour}
)

func delivery(key string, rev int64, trigger string, dest notifications.Destination) notifications.Delivery {
	return notifications.Delivery{Event: notifications.Event{Trigger: trigger, Key: key, Revision: rev}, Destination: dest}
}

func ids(ds []notifications.Delivery) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.ID())
	}
	return out
}

// seenLedger is a ledger that has seen the route of d.
func seenLedger(ds ...notifications.Delivery) Ledger {
	l := Ledger{}
	for _, d := range ds {
		l.Apply(Decision{NewRoutes: []string{RouteKey(d.Trigger, d.Destination)}}, t0, "me")
	}
	return l
}

func TestDecideSkipsEveryDeliveryOfARouteSeenForTheFirstTime(t *testing.T) {
	a := delivery("u/rev-1/on-rollout-updated", 1, notifications.OnRolloutUpdated, hook)
	b := delivery("u/rev-1/on-rollout-step-completed/step-1", 1, notifications.OnRolloutStepCompleted, hook)
	quiet := RouteKey(notifications.OnRolloutAborted, hook)
	routes := []string{RouteKey(a.Trigger, hook), RouteKey(b.Trigger, hook), quiet}

	d := Decide(Ledger{}, []notifications.Delivery{a, b}, routes, t0, policy)
	if len(d.Claim) != 0 {
		t.Fatalf("claimed %v on a new subscription; want nothing sent", ids(d.Claim))
	}
	if diff := cmp.Diff([]string{a.ID(), b.ID()}, ids(d.Skip)); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(routes, d.NewRoutes); diff != "" {
		t.Errorf("routes recorded (-want +got):\n%s", diff)
	}

	var l Ledger
	l.Apply(d, t0, "me")
	if got := l.Entries[a.ID()].State; got != StateSkipped {
		t.Errorf("state of %s = %q, want skipped", a.ID(), got)
	}
	// The next event on a route now seen is sent, also on the route that had
	// nothing to show at first.
	c := delivery("u/rev-1/on-rollout-aborted/t", 1, notifications.OnRolloutAborted, hook)
	d = Decide(l, []notifications.Delivery{a, b, c}, routes, t0.Add(time.Second), policy)
	if diff := cmp.Diff([]string{c.ID()}, ids(d.Claim)); diff != "" || len(d.Skip) != 0 || d.Changes() != true {
		t.Errorf("after the first sight: claim (-want +got):\n%s skip %v", diff, ids(d.Skip))
	}
}

func TestDecideForgetsARouteNoSubscriptionHasAnyMore(t *testing.T) {
	a := delivery("u/rev-1/on-rollout-updated", 1, notifications.OnRolloutUpdated, hook)
	l := seenLedger(a)
	d := Decide(l, nil, nil, t0, policy)
	if diff := cmp.Diff([]string{RouteKey(a.Trigger, hook)}, d.Forget); diff != "" {
		t.Fatalf("forget (-want +got):\n%s", diff)
	}
	l.Apply(d, t0, "me")
	// Subscribing again records the present again rather than sending it.
	d = Decide(l, []notifications.Delivery{a}, []string{RouteKey(a.Trigger, hook)}, t0, policy)
	if len(d.Claim) != 0 || len(d.Skip) != 1 {
		t.Errorf("resubscribed: claim %v skip %v, want one skip", ids(d.Claim), ids(d.Skip))
	}
}

func TestDecideByEntryState(t *testing.T) {
	w := delivery("u/rev-2/on-rollout-completed", 2, notifications.OnRolloutCompleted, channel)
	routes := []string{RouteKey(w.Trigger, w.Destination)}
	claimed := func(holder string, at time.Time) Entry {
		return Entry{State: StateClaimed, Holder: holder, At: at, Since: at, Attempts: 1, Revision: 2}
	}
	failed := func(since, next time.Time) Entry {
		return Entry{State: StateFailed, At: next.Add(-time.Second), Since: since, NextAt: next, Attempts: 2, Revision: 2}
	}
	now := t0.Add(10 * time.Minute)
	tests := []struct {
		name          string
		entry         *Entry
		claim, giveUp bool
		due           time.Time
	}{
		{name: "never seen: claimed", entry: nil, claim: true},
		{name: "sent: nothing", entry: &Entry{State: StateSent, At: t0, Revision: 2}},
		{name: "skipped: nothing", entry: &Entry{State: StateSkipped, At: t0, Revision: 2}},
		{name: "given up: nothing", entry: &Entry{State: StateGaveUp, At: t0, Revision: 2}},
		{name: "claimed by another sender just now: left to it", entry: ptr(claimed("other", now.Add(-10*time.Second))), due: now.Add(50 * time.Second)},
		{name: "claimed by this holder just now: left to its send", entry: ptr(claimed("me", now.Add(-10*time.Second))), due: now.Add(50 * time.Second)},
		{name: "claimed longer ago than the claim timeout (the sender died): claimed again", entry: ptr(claimed("other", now.Add(-2*time.Minute))), claim: true},
		{name: "failed, retry due: claimed", entry: ptr(failed(t0, now)), claim: true},
		{name: "failed, retry later: due then", entry: ptr(failed(t0, now.Add(30*time.Second))), due: now.Add(30 * time.Second)},
		{name: "failed past the give-up time: given up", entry: ptr(failed(now.Add(-time.Hour), now)), giveUp: true},
		{name: "stale claim past the give-up time: given up", entry: ptr(claimed("other", now.Add(-2*time.Hour))), giveUp: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := seenLedger(w)
			if tc.entry != nil {
				l.Entries[w.ID()] = *tc.entry
			}
			d := Decide(l, []notifications.Delivery{w}, routes, now, policy)
			if got := len(d.Claim) == 1; got != tc.claim {
				t.Errorf("claimed = %v, want %v", got, tc.claim)
			}
			if got := len(d.GiveUp) == 1; got != tc.giveUp {
				t.Errorf("given up = %v, want %v", got, tc.giveUp)
			}
			if !d.Due.Equal(tc.due) {
				t.Errorf("due = %v, want %v", d.Due, tc.due)
			}
			if len(d.Skip) != 0 || len(d.Abandon) != 0 {
				t.Errorf("skip %v abandon %v, want none", ids(d.Skip), d.Abandon)
			}
		})
	}
}

func TestDecideNeverSendsADeliveryOfAForgottenRevision(t *testing.T) {
	old := delivery("u/rev-2/on-analysis-run-successful/web-2", 2, notifications.OnAnalysisRunSuccess, hook)
	l := seenLedger(old)
	l.Forgotten = 2
	if d := Decide(l, []notifications.Delivery{old}, []string{RouteKey(old.Trigger, hook)}, t0, policy); d.Changes() {
		t.Errorf("decision on a forgotten revision: %+v, want nothing", d)
	}
}

func TestDecideAbandonsOnlyDeliveriesThatCannotBeWantedAgain(t *testing.T) {
	superseded := delivery("u/rev-1/on-rollout-completed", 1, notifications.OnRolloutCompleted, hook)
	unsubscribed := delivery("u/rev-2/on-rollout-paused/x", 2, notifications.OnRolloutPaused, hook)
	hidden := delivery("u/rev-2/on-rollout-aborted/t", 2, notifications.OnRolloutAborted, hook) // not shown for the moment
	busy := delivery("u/rev-1/on-rollout-updated", 1, notifications.OnRolloutUpdated, hook)
	now := delivery("u/rev-2/on-rollout-updated", 2, notifications.OnRolloutUpdated, hook)
	routes := []string{RouteKey(superseded.Trigger, hook), RouteKey(hidden.Trigger, hook), RouteKey(busy.Trigger, hook)}
	l := seenLedger(superseded, unsubscribed, hidden, busy, now)
	for _, d := range []notifications.Delivery{superseded, unsubscribed, hidden} {
		l.MarkClaimed(d, t0, "me")
		l.MarkFailed(d.ID(), t0, "connection refused", t0.Add(2*time.Second))
	}
	l.MarkClaimed(busy, t0.Add(9*time.Second), "other")

	d := Decide(l, []notifications.Delivery{now}, routes, t0.Add(10*time.Second), policy)
	if diff := cmp.Diff([]string{superseded.ID(), unsubscribed.ID()}, d.Abandon); diff != "" {
		t.Fatalf("abandoned (-want +got):\n%s", diff)
	}
	l.Apply(d, t0.Add(10*time.Second), "me")
	if e := l.Entries[superseded.ID()]; e.State != StateGaveUp || e.LastError != AbandonedCause {
		t.Errorf("abandoned entry = %+v, want gave-up with %q", e, AbandonedCause)
	}
	if e := l.Entries[hidden.ID()]; e.State != StateFailed {
		t.Errorf("a delivery of the current revision not shown for the moment was given up: %+v", e)
	}
	if e := l.Entries[busy.ID()]; e.State != StateClaimed {
		t.Errorf("a claim still in time was touched: %+v", e)
	}
	// Shown again, it is retried.
	d = Decide(l, []notifications.Delivery{now, hidden}, routes, t0.Add(11*time.Second), policy)
	if diff := cmp.Diff([]string{hidden.ID()}, ids(d.Claim)); diff != "" {
		t.Errorf("claimed once shown again (-want +got):\n%s", diff)
	}
}

func TestMarksFollowADeliveryFromClaimToSent(t *testing.T) {
	w := delivery("u/rev-1/on-rollout-updated", 1, notifications.OnRolloutUpdated, channel)
	l := seenLedger(w)
	l.Apply(Decide(l, []notifications.Delivery{w}, []string{RouteKey(w.Trigger, channel)}, t0, policy), t0, "me")
	l.MarkFailed(w.ID(), t0.Add(time.Second), "HTTP 500", t0.Add(3*time.Second))
	l.Apply(Decide(l, []notifications.Delivery{w}, []string{RouteKey(w.Trigger, channel)}, t0.Add(3*time.Second), policy), t0.Add(3*time.Second), "me")
	l.MarkSent(w.ID(), t0.Add(4*time.Second))

	want := Entry{State: StateSent, Holder: "me", At: t0.Add(4 * time.Second), Since: t0, Attempts: 2,
		Trigger: w.Trigger, Service: "slack", Recipient: "#releases", Revision: 1}
	if diff := cmp.Diff(want, l.Entries[w.ID()]); diff != "" {
		t.Errorf("entry (-want +got):\n%s", diff)
	}
	// Marks on unknown ids change nothing.
	l.MarkSent("nope", t0)
	if _, ok := l.Entries["nope"]; ok {
		t.Error("MarkSent made an entry for an unknown id")
	}
}

func ptr[T any](v T) *T { return &v }
