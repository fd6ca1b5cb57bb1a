package triggers

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sluice-dev/sluice/notifications"
	"github.com/sluice-dev/sluice/notifications/ledger"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// receiver is one subscriber of every trigger, fed the way the notifications
// controller feeds it: triggers from the stored state, the ledger's decision,
// a send that succeeds, the ledger written back — decoded from its
// annotation text each time, as a restarted process would read it.
type receiver struct {
	t          *testing.T
	annotation string
	got        []string // keys delivered, in order
}

var everyTrigger = func() []string {
	var routes []string
	for _, tr := range notifications.BuiltinTriggers {
		routes = append(routes, ledger.RouteKey(tr, notifications.Destination{Service: "webhook.ops"}))
	}
	return routes
}()

func (r *receiver) observe(in Input) {
	r.t.Helper()
	l, err := ledger.Decode(r.annotation)
	if err != nil {
		r.t.Fatal(err)
	}
	in.Seen = l.View()
	events := Events(in)
	marks := Marks(in)
	l.Remember(marks)
	var wanted []notifications.Delivery
	for _, e := range events {
		wanted = append(wanted, notifications.Delivery{Event: e, Destination: notifications.Destination{Service: "webhook.ops"}})
	}
	p := ledger.Policy{Holder: "test", ClaimTimeout: time.Minute, GiveUpAfter: time.Hour}
	d := ledger.Decide(l, wanted, everyTrigger, in.Now, p)
	l.Apply(d, in.Now, p.Holder)
	for _, c := range d.Claim {
		r.got = append(r.got, c.Key)
		l.MarkSent(c.ID(), in.Now)
	}
	if r.annotation, err = l.Encode(); err != nil {
		r.t.Fatal(err)
	}
}

// release is the stored states of revision 2 walking the release steps
// (setWeight 20, pause until promoted, analysis, setWeight 100), in order.
func release() []Input {
	runRunning := run("web-h2-2-2", "2", v1alpha1.AnalysisPhaseRunning, 70, 0)
	runDone := run("web-h2-2-2", "2", v1alpha1.AnalysisPhaseSuccessful, 70, 130)
	states := []Input{
		input(stable()),    // installed: the present is recorded
		input(updating(0)), // revision 2 starts
		input(updating(1)), // setWeight 20 done
		input(pausedAt(updating(1), v1alpha1.PauseReasonCanaryPauseStep, at(30))),
		input(updating(2), runRunning), // promoted: the analysis runs
		input(updating(3), runDone),
		input(completedRelease(), runDone),
	}
	states[0].Revisions = revisions("h1")
	for i := range states {
		states[i].Now = t0.Add(time.Duration(i) * time.Minute)
	}
	return states
}

var releaseKeys = []string{
	uid + "/rev-2/on-rollout-updated",
	uid + "/rev-2/on-rollout-step-completed/step-1",
	uid + "/rev-2/on-rollout-paused/CanaryPauseStep/2026-12-03T15:00:30Z",
	uid + "/rev-2/on-rollout-paused/CanaryPauseStep/2026-12-03T15:00:30Z/resumed",
	uid + "/rev-2/on-rollout-paused/CanaryPauseStep/2026-12-03T15:00:30Z/promoted",
	uid + "/rev-2/on-rollout-step-completed/step-2",
	uid + "/rev-2/on-analysis-run-running/web-h2-2-2",
	uid + "/rev-2/on-analysis-run-successful/web-h2-2-2",
	uid + "/rev-2/on-rollout-step-completed/step-3",
	uid + "/rev-2/on-rollout-step-completed/step-4",
	uid + "/rev-2/on-rollout-completed",
}

func TestARolloutWalkedThroughAReleaseDeliversEachTriggerOnceInOrder(t *testing.T) {
	r := &receiver{t: t}
	for _, in := range release() {
		r.observe(in)
	}
	if diff := cmp.Diff(releaseKeys, r.got); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
}

func TestNothingFiresTwiceForTheSameStoredState(t *testing.T) {
	r := &receiver{t: t}
	for _, in := range release() {
		r.observe(in)
		before := len(r.got)
		r.observe(in) // the same state again: a resync, a second worker, a restart
		r.observe(in)
		if len(r.got) != before {
			t.Fatalf("the same state delivered again: %v", r.got[before:])
		}
	}
}

func TestARestartComputesTheSameKeys(t *testing.T) {
	for i, in := range release() {
		first := keys(Events(in))
		again := in
		again.Rollout = in.Rollout.DeepCopy() // another process, later, reading the same objects
		again.Now = in.Now.Add(17 * time.Minute)
		if diff := cmp.Diff(first, keys(Events(again))); diff != "" {
			t.Errorf("state %d: keys differ (-first +restarted):\n%s", i, diff)
		}
	}
}

func TestStatesMissedWhileTheControllerWasDownLoseNoTriggerNorTheOrder(t *testing.T) {
	states := release()
	// Down while setWeight 20 completed, while the analysis ran, and until
	// the release was complete: only the install, the start of revision 2,
	// the pause and the end are seen.
	seen := []Input{states[0], states[1], states[3], states[6]}
	r := &receiver{t: t}
	for _, in := range seen {
		r.observe(in)
	}
	// What is found at once is sent in the order it happened.
	if diff := cmp.Diff(releaseKeys, r.got); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
}

func TestAnAbortedReleaseAndItsRetry(t *testing.T) {
	failed := run("web-h2-2-2", "2", v1alpha1.AnalysisPhaseFailed, 70, 130)
	message := `Rollout aborted: step analysis is Failed: metric "success-rate": last value 0.42`
	states := release()[:5]
	states = append(states,
		input(abortedWith(updating(2), 131, message), failed),
		input(updating(0), failed), // retried: from step 0 again, abort cleared
	)
	r := &receiver{t: t}
	for i, in := range states {
		in.Now = t0.Add(time.Duration(i) * time.Minute)
		r.observe(in)
	}
	want := append(append([]string(nil), releaseKeys[:7]...),
		uid+"/rev-2/on-analysis-run-failed/web-h2-2-2",
		uid+"/rev-2/on-rollout-aborted/2026-12-03T15:02:11Z",
	)
	if diff := cmp.Diff(want, r.got); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
}
