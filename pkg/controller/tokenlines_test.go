package controller

import (
	"testing"
	"time"

	"github.com/sluice-dev/sluice/internal/priority"
)

var lineStart = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

// noAging is an agedAfter no test reaches: strict priority.
const noAging = time.Hour

// queued joins tickets of the given levels at lineStart, in that order.
func queued(l *tokenLines, levels ...priority.Level) []*ticket {
	return queuedAt(l, lineStart, levels...)
}

func queuedAt(l *tokenLines, now time.Time, levels ...priority.Level) []*ticket {
	var ts []*ticket
	for _, level := range levels {
		t := &ticket{level: level}
		l.join(t, now)
		ts = append(ts, t)
	}
	return ts
}

func indexOf(ts []*ticket, t *ticket) int {
	for i := range ts {
		if ts[i] == t {
			return i
		}
	}
	return -1
}

// grantOrder serves at every token's time until nothing waits and returns the
// indexes (in all) of the tickets granted, in grant order.
func grantOrder(t *testing.T, l *tokenLines, now time.Time, all []*ticket) []int {
	t.Helper()
	var order []int
	for range len(all) + 1 {
		granted, next := l.serve(now)
		for _, g := range granted {
			order = append(order, indexOf(all, g))
		}
		if next == 0 {
			return order
		}
		now = now.Add(next)
	}
	t.Fatalf("tickets still waiting after %d tokens", len(all)+1)
	return nil
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A user-visible request that arrives after ordinary ones already waiting is
// sent before all of them; within a level, first come first served.
func TestUserVisibleTicketsGoBeforeOrdinaryOnesQueuedEarlier(t *testing.T) {
	l := newTokenLines(10, 1, noAging, lineStart)
	if !l.take(lineStart) {
		t.Fatal("a full bucket must grant the first request")
	}
	o, v := priority.Ordinary, priority.UserVisible
	all := queued(l, o, o, v, o, v, o)
	got := grantOrder(t, l, lineStart, all)
	want := []int{2, 4, 0, 1, 3, 5}
	if !equalInts(got, want) {
		t.Errorf("grant order %v, want %v (user-visible 2 and 4 first, then the ordinary ones as they came)", got, want)
	}
}

// Priority changes the order, never the rate: one token per 1/qps once the
// burst is spent, whatever the levels.
func TestPriorityKeepsTheRate(t *testing.T) {
	l := newTokenLines(4, 2, noAging, lineStart)
	o, v := priority.Ordinary, priority.UserVisible
	queued(l, o, v, o, v, o, v)
	granted, next := l.serve(lineStart)
	if len(granted) != 2 {
		t.Fatalf("the burst of 2 granted %d at once", len(granted))
	}
	if next != 250*time.Millisecond {
		t.Fatalf("next token in %v, want 250ms at 4 per second", next)
	}
	now := lineStart
	for i := range 4 {
		if granted, _ := l.serve(now.Add(next - time.Millisecond)); len(granted) != 0 {
			t.Fatalf("token %d: granted %d before its time", i, len(granted))
		}
		now = now.Add(next)
		granted, next = l.serve(now)
		if len(granted) != 1 {
			t.Fatalf("token %d: granted %d at its time, want 1", i, len(granted))
		}
	}
	if next != 0 || l.waiting() != 0 {
		t.Errorf("after 6 grants: next %v, %d waiting; want nothing left", next, l.waiting())
	}
}

// A burst is served at once; an idle bucket saves up to burst, not more.
func TestBucketSavesUpToTheBurst(t *testing.T) {
	l := newTokenLines(10, 3, noAging, lineStart)
	for i := range 3 {
		if !l.take(lineStart) {
			t.Fatalf("request %d of a burst of 3 refused", i+1)
		}
	}
	if l.take(lineStart) {
		t.Fatal("a 4th request in the same instant was granted")
	}
	later := lineStart.Add(time.Hour)
	n := 0
	for l.take(later) {
		n++
	}
	if n != 3 {
		t.Errorf("after an idle hour %d requests went at once, want the burst of 3", n)
	}
}

// TryAccept never jumps a line: a token earned while tickets wait is theirs,
// even before the wake-up that hands it over.
func TestTakeNeverOvertakesWaitingTickets(t *testing.T) {
	l := newTokenLines(10, 1, noAging, lineStart)
	l.take(lineStart)
	queued(l, priority.Ordinary)
	if _, next := l.serve(lineStart); next == 0 {
		t.Fatal("the ticket should wait for the next token")
	}
	if l.take(lineStart.Add(time.Second)) {
		t.Error("take got a token a waiting ticket was owed")
	}
}

// A cancelled ticket leaves its line; the one behind it moves up.
func TestLeavingBeforeTheGrantFreesThePlace(t *testing.T) {
	l := newTokenLines(10, 1, noAging, lineStart)
	l.take(lineStart)
	all := queued(l, priority.Ordinary, priority.Ordinary)
	l.serve(lineStart)
	l.leave(all[0], lineStart.Add(10*time.Millisecond))
	granted, next := l.serve(lineStart.Add(100 * time.Millisecond))
	if len(granted) != 1 || granted[0] != all[1] || next != 0 {
		t.Errorf("after the first left: granted %d (second: %v), next %v; want the second ticket, nothing left",
			len(granted), len(granted) == 1 && granted[0] == all[1], next)
	}
}

// A ticket cancelled after its grant (its request is never sent) gives the
// token back: the next ticket gets it at once, not a token later.
func TestLeavingAfterTheGrantGivesTheTokenBack(t *testing.T) {
	l := newTokenLines(10, 1, noAging, lineStart)
	all := queued(l, priority.UserVisible, priority.Ordinary)
	granted, _ := l.serve(lineStart)
	if len(granted) != 1 || granted[0] != all[0] {
		t.Fatalf("the first ticket should take the only token")
	}
	l.leave(all[0], lineStart)
	granted, next := l.serve(lineStart)
	if len(granted) != 1 || granted[0] != all[1] || next != 0 {
		t.Errorf("after the granted ticket left: granted %d, next %v; want the second ticket at once", len(granted), next)
	}
	if l.take(lineStart) {
		t.Error("the token came back twice")
	}
}

// The wake-up time is exact: serving then finds the token (floating-point
// error must not make the limiter wait a round more).
func TestNextTokenIsThereWhenPromised(t *testing.T) {
	for _, qps := range []float64{3, 7, 40, 50, 333} {
		l := newTokenLines(qps, 1, noAging, lineStart)
		l.take(lineStart)
		all := queued(l, priority.Ordinary, priority.Ordinary, priority.Ordinary)
		now := lineStart
		_, next := l.serve(now)
		for i := range all {
			now = now.Add(next)
			var granted []*ticket
			granted, next = l.serve(now)
			if len(granted) != 1 || granted[0] != all[i] {
				t.Fatalf("qps %v: at the promised time of token %d granted %d tickets", qps, i+1, len(granted))
			}
		}
	}
}

// An ordinary ticket is not starved by a steady stream of user-visible ones:
// once it has waited agedAfter it goes before those that came after it.
func TestAnOrdinaryTicketGoesOnceItHasWaitedAgedAfter(t *testing.T) {
	l := newTokenLines(1, 1, 3*time.Second, lineStart)
	l.take(lineStart)
	ordinary := queued(l, priority.Ordinary)[0]
	var order []string
	for sec := 1; sec <= 5; sec++ {
		now := lineStart.Add(time.Duration(sec) * time.Second)
		queuedAt(l, now, priority.UserVisible) // one more user-visible request every second
		granted, _ := l.serve(now)
		for _, g := range granted {
			if g == ordinary {
				order = append(order, "ordinary")
			} else {
				order = append(order, "visible")
			}
		}
	}
	want := []string{"visible", "visible", "ordinary", "visible", "visible"}
	if len(order) != len(want) {
		t.Fatalf("granted %v, want %v", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("granted %v, want %v (the ordinary ticket at 3 s, when it has waited agedAfter)", order, want)
		}
	}
}

// Among tickets that have all waited agedAfter, arrival decides, not level.
func TestAgedTicketsGoInArrivalOrder(t *testing.T) {
	l := newTokenLines(1, 1, 2*time.Second, lineStart)
	l.take(lineStart)
	visible := queuedAt(l, lineStart, priority.UserVisible)[0]
	ordinary := queuedAt(l, lineStart.Add(100*time.Millisecond), priority.Ordinary)[0]
	granted, _ := l.serve(lineStart.Add(5 * time.Second))
	if len(granted) != 1 || granted[0] != visible {
		t.Fatal("the user-visible ticket came first and should go first")
	}
	granted, _ = l.serve(lineStart.Add(6 * time.Second))
	if len(granted) != 1 || granted[0] != ordinary {
		t.Fatal("the ordinary ticket should go next")
	}
}
