// Package ledger is the delivery ledger: what sluice has done with each
// notification of one Rollout, kept in an annotation on that Rollout so that
// every controller process (a restarted one, a new leader, a deposed leader
// still running) reads the same record before it sends.
//
// The package is pure: Decode and Encode turn the annotation into a Ledger and
// back, Decide says what to do with the deliveries the triggers want, and the
// Mark methods record what happened. Writing the annotation (conditioned on
// the Rollout's resourceVersion) is the controller's job. One pass:
//
//	l, _ := Decode(ro.Annotations[Annotation])
//	events := triggers.Events(in)            // in.Seen = l.View()
//	l.Remember(triggers.Marks(in))           // pauses, promote-full, walks
//	d := Decide(l, wanted, routeKeys, now, policy)
//	l.Apply(d, now, policy.Holder)           // write it: the claim
//	... send each of d.Claim, then MarkSent / MarkFailed / MarkGaveUp, write again
//
// The claim write succeeding (no conflict) is what makes this process the
// only sender; a conflict means another process wrote first: read again.
package ledger

import (
	"time"

	"github.com/sluice-dev/sluice/notifications"
)

// Annotation holds the encoded ledger on the Rollout.
const Annotation = "notifications.sluice.dev/ledger"

// State is where one delivery stands.
type State string

const (
	// StateClaimed: a process (Entry.Holder) took the delivery and is sending
	// it. A claim older than the claim timeout belongs to a sender that died;
	// the delivery is claimed again (and may arrive twice: the documented
	// at-least-once edge, which receivers handle by the delivery's id).
	StateClaimed State = "claimed"
	// StateSent: the destination acknowledged it.
	StateSent State = "sent"
	// StateFailed: the last attempt failed; it is tried again at Entry.NextAt.
	StateFailed State = "failed"
	// StateGaveUp: failed for good (past the give-up time, or an error that
	// no retry can fix); never tried again.
	StateGaveUp State = "gave-up"
	// StateSkipped: recorded without sending, because its subscription was
	// new when it was first seen (no flood on install or on a new subscription).
	StateSkipped State = "skipped"
)

// Done reports whether nothing more will happen to a delivery in this state.
func (s State) Done() bool {
	return s == StateSent || s == StateGaveUp || s == StateSkipped
}

// Entry is the record of one delivery (by notifications.Delivery.ID()).
type Entry struct {
	State State `json:"state"`
	// Holder is the process that claimed the delivery last.
	Holder string `json:"holder,omitempty"`
	// At is when the state was last written.
	At time.Time `json:"at"`
	// Since is when the delivery was first claimed; the give-up time counts
	// from here.
	Since time.Time `json:"since,omitzero"`
	// NextAt is when a failed delivery is tried again.
	NextAt time.Time `json:"nextAt,omitzero"`
	// Attempts counts the sends begun (claims).
	Attempts  int    `json:"attempts,omitempty"`
	LastError string `json:"lastError,omitempty"`
	// Trigger, Service and Recipient repeat the delivery's, for people reading
	// the ledger (kubectl sluice notifications) and for metrics.
	Trigger   string `json:"trigger"`
	Service   string `json:"service"`
	Recipient string `json:"recipient,omitempty"`
	// Revision is the Rollout revision the delivery belongs to; the ledger is
	// bounded by revision.
	Revision int64 `json:"revision"`
}

// Mark is something the triggers must remember because the stored Rollout
// stops showing it: a pause (gone once it ends, yet on-rollout-resumed and
// on-rollout-promoted fire when it ends) and a promote-full (cleared once the
// revision is stable). Package triggers computes marks (triggers.Marks) and
// reads them back (Input.Seen); the ledger only keeps them.
type Mark struct {
	Trigger  string `json:"trigger"`
	Revision int64  `json:"revision"`
	// Reason is the pause reason, or "PromoteFull".
	Reason string    `json:"reason"`
	Start  time.Time `json:"start,omitzero"`
	// Step is status.currentStepIndex when the mark was made.
	Step int32 `json:"step,omitempty"`
	// Indefinite: only a person ends this pause (a pause step without a
	// duration, an inconclusive analysis, a blue-green pause without
	// automatic promotion), so its end without an abort is a promotion.
	Indefinite bool `json:"indefinite,omitempty"`
	// Ended is how a pause was first seen to end: "resumed", "promoted", or
	// "aborted" (neither); "" while it lasts. Kept so that the events its end
	// fired stay the same when later states (a promote-full, an abort) would
	// read differently, and a pending retry of them is not lost.
	Ended string `json:"ended,omitempty"`
}

// How a pause ended (Mark.Ended).
const (
	EndedResumed  = "resumed"
	EndedPromoted = "promoted"
	EndedAborted  = "aborted"
)

// Ledger is the whole record of one Rollout's notifications.
type Ledger struct {
	// Entries by notifications.Delivery.ID().
	Entries map[string]Entry `json:"entries,omitempty"`
	// Subscriptions are the route keys (RouteKey) seen so far: a delivery on a
	// route not seen before is recorded as skipped, not sent.
	Subscriptions map[string]bool `json:"subscriptions,omitempty"`
	// Threads are Slack parent messages: ThreadKey(revision, channel) → ts.
	Threads map[string]string `json:"threads,omitempty"`
	// Marks by the key of the event that made them (see Mark).
	Marks map[string]Mark `json:"marks,omitempty"`
	// Forgotten is the newest revision whose records were dropped to keep the
	// ledger small. Deliveries of it and older revisions are never sent: they
	// were handled before, and the ledger no longer knows how.
	Forgotten int64 `json:"forgotten,omitempty"`
}

// View is what package triggers reads from the ledger.
type View struct {
	// Marks by the key of the event that made them.
	Marks map[string]Mark
}

// View returns what the triggers need to know from the ledger.
func (l Ledger) View() View { return View{Marks: l.Marks} }

// RouteKey names a subscription route: a trigger to one destination.
func RouteKey(trigger string, d notifications.Destination) string {
	return trigger + "/" + d.Service + "/" + d.Recipient
}

// ThreadKey names the Slack thread of one revision in one channel.
func ThreadKey(revision int64, channel string) string {
	return formatRevision(revision) + "/" + channel
}
