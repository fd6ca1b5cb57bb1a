package ledger

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sluice-dev/sluice/notifications"
)

func TestEncodeIsDeterministicAndDecodesBack(t *testing.T) {
	build := func(order []int) Ledger {
		var l Ledger
		for _, i := range order {
			d := delivery(fmt.Sprintf("u/rev-1/on-rollout-step-completed/step-%d", i), 1, notifications.OnRolloutStepCompleted, channel)
			l.Apply(Decision{NewRoutes: []string{RouteKey(d.Trigger, channel)}}, t0, "me")
			l.MarkClaimed(d, t0.Add(time.Duration(i)*time.Second), "me")
			l.MarkSent(d.ID(), t0.Add(time.Duration(i)*time.Second+500*time.Millisecond))
		}
		l.SetThread(1, "#releases", "1733238245.000100")
		l.Remember(map[string]Mark{"u/rev-1/on-rollout-paused/CanaryPauseStep/x": {Trigger: notifications.OnRolloutPaused, Revision: 1, Start: t0.In(time.FixedZone("x", 3600))}})
		return l
	}
	a, err := build([]int{1, 2, 3}).Encode()
	if err != nil {
		t.Fatal(err)
	}
	b, err := build([]int{3, 1, 2}).Encode()
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Fatalf("the same ledger encodes differently:\n%s\n%s", a, b)
	}
	back, err := Decode(a)
	if err != nil {
		t.Fatal(err)
	}
	again, err := back.Encode()
	if err != nil || again != a {
		t.Errorf("decode+encode changed the text (err %v):\n%s\n%s", err, a, again)
	}
	if got := back.Thread(1, "#releases"); got != "1733238245.000100" {
		t.Errorf("thread after decoding = %q", got)
	}
}

func TestDecode(t *testing.T) {
	if l, err := Decode(""); err != nil || len(l.Entries) != 0 {
		t.Errorf(`Decode("") = %+v, %v; want an empty ledger`, l, err)
	}
	_, err := Decode("{not json")
	if err == nil || !strings.Contains(err.Error(), Annotation) {
		t.Errorf("Decode(garbage) error = %v, want one naming %s", err, Annotation)
	}
}

// fill records n sent deliveries of revision rev, 1 s apart from start.
func fill(l *Ledger, rev int64, n int, start time.Time) []notifications.Delivery {
	var out []notifications.Delivery
	for i := range n {
		d := delivery(fmt.Sprintf("7c1e2a90-1111-2222-3333-444455556666/rev-%d/on-rollout-step-completed/step-%d", rev, i+1), rev, notifications.OnRolloutStepCompleted, channel)
		l.MarkClaimed(d, start.Add(time.Duration(i)*time.Second), "sluice-controller-6d9f7c-x2v4q")
		l.MarkSent(d.ID(), start.Add(time.Duration(i)*time.Second))
		out = append(out, d)
	}
	return out
}

func TestEncodeKeepsTheLatestRevisionsAndForgetsOlderOnes(t *testing.T) {
	var l Ledger
	for rev := int64(1); rev <= 5; rev++ {
		fill(&l, rev, 2, t0.Add(time.Duration(rev)*time.Hour))
		l.SetThread(rev, "#releases", fmt.Sprint(rev))
	}
	text, err := l.Encode()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Decode(text)
	revs := map[int64]int{}
	for _, e := range b.Entries {
		revs[e.Revision]++
	}
	if diff := cmp.Diff(map[int64]int{3: 2, 4: 2, 5: 2}, revs); diff != "" {
		t.Errorf("entries by revision (-want +got):\n%s", diff)
	}
	if b.Forgotten != 2 || b.Thread(2, "#releases") != "" || b.Thread(3, "#releases") != "3" {
		t.Errorf("forgotten %d, threads %v; want revisions up to 2 forgotten", b.Forgotten, b.Threads)
	}
	// What was forgotten is not sent again when the triggers still show it.
	old := delivery("7c1e2a90-1111-2222-3333-444455556666/rev-1/on-rollout-step-completed/step-1", 1, notifications.OnRolloutStepCompleted, channel)
	b.Apply(Decision{NewRoutes: []string{RouteKey(old.Trigger, channel)}}, t0, "me")
	if d := Decide(b, []notifications.Delivery{old}, []string{RouteKey(old.Trigger, channel)}, t0, policy); len(d.Claim)+len(d.Skip) != 0 {
		t.Errorf("a delivery of a forgotten revision was decided on: %+v", d)
	}
}

func TestEncodeStaysWithinMaxBytesDroppingTheOldestSentFirst(t *testing.T) {
	var l Ledger
	fill(&l, 7, 40, t0)
	sent := fill(&l, 8, 400, t0.Add(time.Hour))
	pending := delivery("7c1e2a90-1111-2222-3333-444455556666/rev-8/on-rollout-completed", 8, notifications.OnRolloutCompleted, channel)
	l.MarkClaimed(pending, t0, "me") // older than every sent entry, yet unfinished
	l.MarkFailed(pending.ID(), t0, "HTTP 503", t0.Add(time.Minute))

	text, err := l.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if len(text) > MaxBytes {
		t.Fatalf("encoded ledger is %d bytes, over %d", len(text), MaxBytes)
	}
	b, _ := Decode(text)
	if b.Forgotten != 7 {
		t.Errorf("forgotten = %d, want the older revision 7 dropped first", b.Forgotten)
	}
	if e, ok := b.Entries[pending.ID()]; !ok || e.State != StateFailed {
		t.Errorf("the unfinished delivery was dropped before sent ones (%+v)", e)
	}
	newest := sent[len(sent)-1].ID()
	if _, ok := b.Entries[newest]; !ok {
		t.Error("the newest sent entry was dropped")
	}
	if _, ok := b.Entries[sent[0].ID()]; ok {
		t.Error("the oldest sent entry was kept while the ledger had to shrink")
	}
	// Dropped entries are the oldest: every kept sent entry is newer than every dropped one.
	kept := 0
	for i, d := range sent {
		if _, ok := b.Entries[d.ID()]; ok {
			kept++
		} else if kept > 0 {
			t.Fatalf("sent entry %d was dropped after a newer one was kept", i)
		}
	}
}
