package triggers

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sluice-dev/sluice/notifications"
	"github.com/sluice-dev/sluice/notifications/ledger"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// flaky is the receiver of release_test.go, but the destination is down
// while down is true: claimed deliveries fail and are retried 2 s later.
type flaky struct {
	receiver
	down bool
}

func (r *flaky) observe(in Input) {
	r.t.Helper()
	l, err := ledger.Decode(r.annotation)
	if err != nil {
		r.t.Fatal(err)
	}
	in.Seen = l.View()
	events := Events(in)
	l.Remember(Marks(in))
	var wanted []notifications.Delivery
	for _, e := range events {
		wanted = append(wanted, notifications.Delivery{Event: e, Destination: notifications.Destination{Service: "webhook.ops"}})
	}
	p := ledger.Policy{Holder: "test", ClaimTimeout: time.Minute, GiveUpAfter: time.Hour}
	d := ledger.Decide(l, wanted, everyTrigger, in.Now, p)
	l.Apply(d, in.Now, p.Holder)
	for _, c := range d.Claim {
		if r.down {
			l.MarkFailed(c.ID(), in.Now, "connection refused", in.Now.Add(2*time.Second))
			continue
		}
		r.got = append(r.got, c.Key)
		l.MarkSent(c.ID(), in.Now)
	}
	for id, e := range l.Entries {
		if e.State == ledger.StateGaveUp {
			r.t.Errorf("%s given up: %s", id, e.LastError)
		}
	}
	if r.annotation, err = l.Encode(); err != nil {
		r.t.Fatal(err)
	}
}

func TestDeliveriesFailingWhenTheRolloutMovesOnAreStillRetried(t *testing.T) {
	failed := run("web-h2-2-2", "2", v1alpha1.AnalysisPhaseFailed, 70, 130)
	aborted := input(abortedWith(updating(2), 131, "Rollout aborted: step analysis is Failed"), failed)
	retried := input(updating(0), failed)
	r := &flaky{receiver: receiver{t: t}}
	states := release()[:3] // install, revision 2 starts, step 1 completes
	states = append(states, input(updating(2)), aborted, retried)
	for i, in := range states {
		r.down = i >= 2 // the receiver goes down before step 1 completes
		in.Now = t0.Add(time.Duration(i) * time.Minute)
		r.observe(in)
	}
	// Back up, after the retry: steps 1 and 2 show no more (the index is 0)
	// and neither does the abort, yet each is delivered.
	r.down = false
	back := input(updating(0), failed)
	back.Now = t0.Add(time.Hour)
	r.observe(back)
	want := []string{
		uid + "/rev-2/on-rollout-updated",
		uid + "/rev-2/on-rollout-step-completed/step-1",
		uid + "/rev-2/on-rollout-step-completed/step-2",
		uid + "/rev-2/on-analysis-run-running/web-h2-2-2",
		uid + "/rev-2/on-analysis-run-failed/web-h2-2-2",
		uid + "/rev-2/on-rollout-aborted/2026-12-03T15:02:11Z",
	}
	if diff := cmp.Diff(want, r.got); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
}

func TestAnAbortRetriedSinceKeepsItsReason(t *testing.T) {
	aborted := input(abortedWith(updating(2), 131, "Rollout aborted: Rollout has not progressed for 10m0s"))
	retried := input(updating(0))
	retried.Seen.Marks = Marks(aborted)
	events := byTrigger(Events(retried), notifications.OnRolloutAborted)
	if diff := cmp.Diff(keys(byTrigger(Events(aborted), notifications.OnRolloutAborted)), keys(events)); diff != "" {
		t.Fatalf("keys (-while aborted +after the retry):\n%s", diff)
	}
	if got := events[0].Data.Rollout.AbortReason; got != "progress deadline exceeded: Rollout has not progressed for 10m0s" {
		t.Errorf("reason after the retry = %q", got)
	}
	// A second abort of the revision is an event of its own.
	again := input(abortedWith(updating(1), 400, "Rollout aborted"))
	again.Seen.Marks = retried.Seen.Marks
	if got := keys(byTrigger(Events(again), notifications.OnRolloutAborted)); len(got) != 2 {
		t.Errorf("after a second abort: %v, want both aborts", got)
	}
}

func TestMarksMatter(t *testing.T) {
	if MarksMatter([]string{notifications.OnRolloutUpdated, notifications.OnAnalysisRunFailed, notifications.OnRolloutCompleted}) {
		t.Error("marks matter to triggers that never read them")
	}
	for _, tr := range []string{notifications.OnRolloutPaused, notifications.OnRolloutResumed, notifications.OnRolloutPromoted, notifications.OnRolloutStepCompleted, notifications.OnRolloutAborted} {
		if !MarksMatter([]string{notifications.OnRolloutUpdated, tr}) {
			t.Errorf("marks do not matter to %s", tr)
		}
	}
}
