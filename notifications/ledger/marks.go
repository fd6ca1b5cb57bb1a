package ledger

import (
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/sluice-dev/sluice/notifications"
)

// Apply records a decision made by Decide at now by holder: routes seen or
// forgotten, skipped deliveries, claims, and give-ups.
func (l *Ledger) Apply(d Decision, now time.Time, holder string) {
	l.init()
	for _, r := range d.NewRoutes {
		l.Subscriptions[r] = true
	}
	for _, r := range d.Forget {
		delete(l.Subscriptions, r)
	}
	for _, s := range d.Skip {
		e := newEntry(s)
		e.State, e.At = StateSkipped, stamp(now)
		l.Entries[s.ID()] = e
	}
	for _, c := range d.Claim {
		l.MarkClaimed(c, now, holder)
	}
	for _, g := range d.GiveUp {
		l.MarkGaveUp(g.ID(), now, "")
	}
	for _, id := range d.Abandon {
		l.MarkGaveUp(id, now, AbandonedCause)
	}
}

// AbandonedCause is the last error of an abandoned delivery (Decision.Abandon).
const AbandonedCause = "no longer shown by the Rollout (superseded or unsubscribed)"

// MarkClaimed records that holder begins to send d.
func (l *Ledger) MarkClaimed(d notifications.Delivery, now time.Time, holder string) {
	l.init()
	e, ok := l.Entries[d.ID()]
	if !ok {
		e = newEntry(d)
	}
	e.State, e.Holder, e.At, e.NextAt = StateClaimed, holder, stamp(now), time.Time{}
	if e.Since.IsZero() {
		e.Since = e.At
	}
	e.Attempts++
	l.Entries[d.ID()] = e
}

// MarkSent records that the destination acknowledged delivery id.
func (l *Ledger) MarkSent(id string, now time.Time) {
	l.update(id, func(e *Entry) {
		e.State, e.At, e.NextAt, e.LastError = StateSent, stamp(now), time.Time{}, ""
	})
}

// MarkFailed records a failed attempt, to be tried again at nextAt.
func (l *Ledger) MarkFailed(id string, now time.Time, cause string, nextAt time.Time) {
	l.update(id, func(e *Entry) {
		e.State, e.At, e.NextAt, e.LastError = StateFailed, stamp(now), stampUp(nextAt), cause
	})
}

// MarkGaveUp records that delivery id failed for good; cause "" keeps the
// last error.
func (l *Ledger) MarkGaveUp(id string, now time.Time, cause string) {
	l.update(id, func(e *Entry) {
		e.State, e.At, e.NextAt = StateGaveUp, stamp(now), time.Time{}
		if cause != "" {
			e.LastError = cause
		}
	})
}

// SetThread records the Slack parent message of a revision in a channel.
func (l *Ledger) SetThread(revision int64, channel, ts string) {
	l.init()
	l.Threads[ThreadKey(revision, channel)] = ts
}

// Thread is the Slack parent message of a revision in a channel ("" = none yet).
func (l Ledger) Thread(revision int64, channel string) string {
	return l.Threads[ThreadKey(revision, channel)]
}

// Remember keeps marks (by event key), replacing what is kept under the same
// key, and reports whether anything changed. Marks of forgotten revisions are
// not kept.
func (l *Ledger) Remember(marks map[string]Mark) bool {
	l.init()
	changed := false
	for _, key := range sortedKeys(marks) {
		m := marks[key]
		m.Start = stamp(m.Start)
		if m.Revision <= l.Forgotten {
			continue
		}
		if old, ok := l.Marks[key]; ok && old == m {
			continue
		}
		l.Marks[key] = m
		changed = true
	}
	return changed
}

// update changes an existing entry; an unknown id changes nothing (the
// delivery was bounded away or never claimed).
func (l *Ledger) update(id string, change func(*Entry)) {
	e, ok := l.Entries[id]
	if !ok {
		return
	}
	change(&e)
	l.Entries[id] = e
}

func (l *Ledger) init() {
	if l.Entries == nil {
		l.Entries = map[string]Entry{}
	}
	if l.Subscriptions == nil {
		l.Subscriptions = map[string]bool{}
	}
	if l.Threads == nil {
		l.Threads = map[string]string{}
	}
	if l.Marks == nil {
		l.Marks = map[string]Mark{}
	}
}

func newEntry(d notifications.Delivery) Entry {
	return Entry{Trigger: d.Trigger, Service: d.Service, Recipient: d.Recipient, Revision: d.Revision}
}

// stamp keeps times in UTC to the second, so the encoding is short and
// the same in every process.
func stamp(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Second)
}

// stampUp is stamp rounded up: a retry time kept to the second must never
// fall before the time asked for (a receiver's Retry-After is a floor).
func stampUp(t time.Time) time.Time {
	s := stamp(t)
	if s.Before(t) {
		s = s.Add(time.Second)
	}
	return s
}

func formatRevision(r int64) string { return strconv.FormatInt(r, 10) }

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
