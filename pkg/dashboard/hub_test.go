package dashboard

import (
	"testing"
	"time"

	testingclock "k8s.io/utils/clock/testing"
)

// signals counts the signals waiting on a subscription (0 or 1).
func signals(s *subscription) int {
	select {
	case <-s.C:
		return 1
	default:
		return 0
	}
}

// A burst of changes is one update, sent the debounce delay after the first
// change: not before, not once per change, and not pushed back by the later
// changes of the burst.
func TestChangesAreDebounced(t *testing.T) {
	clock := testingclock.NewFakeClock(testNow)
	h := newHub(clock, 250*time.Millisecond)
	list := h.subscribe(listTopic)
	web := h.subscribe(rolloutTopic("default", "web"))

	h.notify(listTopic)
	clock.Step(100 * time.Millisecond)
	h.notify(listTopic)
	clock.Step(100 * time.Millisecond)
	h.notify(listTopic)
	clock.Step(49 * time.Millisecond)
	if n := signals(list); n != 0 {
		t.Fatalf("signalled %d ms after the first change, before the 250 ms delay", 249)
	}
	clock.Step(time.Millisecond)
	if n := signals(list); n != 1 {
		t.Fatalf("%d signals 250 ms after the first of three changes, want 1", n)
	}
	if n := signals(web); n != 0 {
		t.Error("a Rollout page was told of a change to another topic")
	}
	clock.Step(time.Second)
	if n := signals(list); n != 0 {
		t.Error("a second signal for the same burst")
	}

	// The next change starts a new burst.
	h.notify(listTopic, rolloutTopic("default", "web"))
	clock.Step(250 * time.Millisecond)
	if signals(list) != 1 || signals(web) != 1 {
		t.Error("a later change did not reach both topics once")
	}
}

// A change no page listens to schedules nothing: with 1,000 Rollouts most
// changes concern no open page.
func TestUnheardTopicsCostNothing(t *testing.T) {
	clock := testingclock.NewFakeClock(testNow)
	h := newHub(clock, 250*time.Millisecond)
	h.notify(rolloutTopic("default", "web"))
	if clock.HasWaiters() {
		t.Error("a timer was started for a topic no one listens to")
	}
	s := h.subscribe(rolloutTopic("default", "web"))
	h.unsubscribe(s)
	h.notify(rolloutTopic("default", "web"))
	if clock.HasWaiters() {
		t.Error("a timer was started for a topic whose last listener left")
	}
}

// A slow stream never blocks the hub: signals that come while it has not
// taken the last one are one signal.
func TestSlowSubscriberDoesNotBlock(t *testing.T) {
	clock := testingclock.NewFakeClock(testNow)
	h := newHub(clock, time.Millisecond)
	s := h.subscribe(listTopic)
	for range 5 {
		h.notify(listTopic)
		clock.Step(time.Millisecond)
	}
	if n := signals(s) + signals(s); n != 1 {
		t.Errorf("%d signals waiting, want 1", n)
	}
}
