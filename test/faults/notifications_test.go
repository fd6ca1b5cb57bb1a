//go:build faults

package faults

// Notifications under faults (issue 20 acceptance): every release of a
// scenario is subscribed to a webhook receiver the test runs, with every
// built-in trigger. Whatever breaks — the receiver, the controller, the
// leader — every trigger of each release must reach the receiver, and no id
// the receiver acknowledged with a 2xx may come again.

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sluice-dev/sluice/notifications"
	"github.com/sluice-dev/sluice/notifications/ledger"
	"github.com/sluice-dev/sluice/test/e2e/framework"
)

// notifyFlags make a scenario's controllers read each release namespace's
// own notification settings.
var notifyFlags = []string{"--self-service-notifications"}

// notifyTo subscribes every release to the receiver and waits until each
// Rollout's ledger holds its present (the first revision, not sent).
func (s *scenario) notifyTo(r *framework.Receiver) {
	s.t.Helper()
	for _, rel := range s.releases {
		rel.g.Apply(framework.NotificationsSetup{
			Webhooks: map[string]*framework.Receiver{"hook": r},
			Data: map[string]string{
				"subscriptions": framework.Subscriptions([]string{"webhook.hook"}, notifications.BuiltinTriggers),
			},
		}.Manifest())
	}
	for _, rel := range s.releases {
		rel.g.WaitLedgerStarted(rel.name, 60*time.Second)
	}
	if got := r.Requests(); len(got) != 0 {
		s.t.Fatalf("the receiver got %d requests before any release started: the past was sent", len(got))
	}
}

// wantedTriggers are the notifications a release's new revision must have
// sent by its end, from its stored spec: updated, each step completed, its
// analysis successful, completed.
func wantedTriggers(rel *release) []string {
	want := []string{notifications.OnRolloutUpdated, notifications.OnRolloutCompleted}
	ro, err := rel.g.Sluice.SluiceV1alpha1().Rollouts(rel.g.Namespace).Get(rel.g.Ctx, rel.name, metav1.GetOptions{})
	if err != nil {
		rel.g.T.Fatal(err)
	}
	if c := ro.Spec.Strategy.Canary; c != nil {
		for i := range c.Steps {
			want = append(want, fmt.Sprintf("step-%d", i+1))
		}
	}
	if rel.query != "" {
		want = append(want, notifications.OnAnalysisRunSuccess)
	}
	return want
}

// ledgerPending names a delivery to the receiver that the release's ledger
// has not yet marked sent (or skipped), and says whether one was given up.
func ledgerPending(rel *release) (pending string, gaveUp bool) {
	l, err := rel.g.Ledger(rel.name)
	if err != nil {
		return err.Error(), false
	}
	for id, e := range l.Entries {
		switch {
		case e.Service != "webhook.hook" || e.State == ledger.StateSent || e.State == ledger.StateSkipped:
		case e.State == ledger.StateGaveUp:
			return id, true
		default:
			pending = fmt.Sprintf("%s (%s, %d attempts)", id, e.State, e.Attempts)
		}
	}
	return pending, false
}

// notificationName names a delivery as wantedTriggers does.
func notificationName(n framework.Notification) string {
	if n.Trigger == notifications.OnRolloutStepCompleted {
		return "step-" + strings.SplitN(n.Data.Rollout.StepName, "/", 2)[0]
	}
	return n.Trigger
}

// expectAllNotified waits until every release's wanted notifications were
// accepted by the receiver, then fails the test on any id accepted twice, any
// wanted trigger delivered more than once, and any request the receiver could
// not trust (signature, envelope).
//
// With crashes (a controller killed or frozen), one repeat of an id is the
// documented edge (docs/notifications.md, "How delivery works"): a process
// that died between the receiver's 2xx and its mark write leaves a claim that
// another takes over after the claim timeout and sends again, with the same
// id for the receiver to drop. Nothing can tell that 2xx apart from a send
// that never happened, short of the receiver. Such a repeat is allowed only
// for an id the ledger shows was claimed more than once, and only once.
func (s *scenario) expectAllNotified(r *framework.Receiver, timeout time.Duration, crashes bool) {
	s.t.Helper()
	s.f.Eventually("every release's notifications reach the receiver and its ledger has nothing left to retry", timeout, func() (bool, string) {
		got := r.Notifications()
		for _, rel := range s.releases {
			if pending, gaveUp := ledgerPending(rel); gaveUp {
				return true, "" // never to arrive: reported below
			} else if pending != "" {
				return false, fmt.Sprintf("%s: %s still to be delivered", rel.g.Namespace, pending)
			}
			names := map[string]bool{}
			for _, n := range got {
				if n.Data.Rollout.Namespace == rel.g.Namespace {
					names[notificationName(n)] = true
				}
			}
			for _, want := range wantedTriggers(rel) {
				if !names[want] {
					return false, fmt.Sprintf("%s: no %s yet; received:%s", rel.g.Namespace, want, framework.DescribeNotifications(got))
				}
			}
		}
		return true, ""
	})
	takenOver := map[string]bool{}
	if crashes {
		for _, rel := range s.releases {
			for id := range rel.g.TakenOverIDs(rel.name, "webhook.hook") {
				takenOver[id] = true
			}
		}
	}
	for id, n := range r.AcceptedIDs() {
		switch {
		case n <= 1:
		case n == 2 && takenOver[id]:
			s.t.Logf("sent again after a crash between the receiver's 2xx and the mark (claim taken over): %s", id)
		default:
			s.t.Errorf("delivered again after the receiver answered 2xx: %s ×%d", id, n)
		}
	}
	for _, problem := range r.Problems() {
		s.t.Errorf("receiver: %s", problem)
	}
	got := r.Notifications()
	for _, rel := range s.releases {
		// Distinct ids per trigger: a repeat of one id is judged above.
		ids := map[string]map[string]bool{}
		for _, n := range got {
			if n.Data.Rollout.Namespace == rel.g.Namespace {
				name := notificationName(n)
				if ids[name] == nil {
					ids[name] = map[string]bool{}
				}
				ids[name][n.Event.ID] = true
			}
		}
		count := map[string]int{}
		for name, set := range ids {
			count[name] = len(set)
		}
		for _, want := range wantedTriggers(rel) {
			if count[want] != 1 {
				s.t.Errorf("%s: %s delivered %d times, want once", rel.g.Namespace, want, count[want])
			}
		}
	}
	// The ledger agrees: every delivery to the receiver ended sent, and
	// each id it says was sent is one the receiver accepted.
	accepted := r.AcceptedIDs()
	for _, rel := range s.releases {
		for _, problem := range rel.g.LedgerProblems(rel.name, "webhook.hook") {
			s.t.Errorf("%s ledger: %s", rel.g.Namespace, problem)
		}
		for id := range rel.g.SentIDs(rel.name, "webhook.hook") {
			if accepted[id] == 0 {
				s.t.Errorf("%s ledger says %s was sent, but the receiver never accepted it", rel.g.Namespace, id)
			}
		}
	}
	s.t.Logf("receiver: %d requests, %d accepted", len(r.Requests()), len(got))
}

// TestNotifReceiverDown: the receiver is unreachable, failing or throttling
// for 30 s from the moment the releases start. Each delivery is retried with
// backoff (after a 429 not before its Retry-After) and all of them arrive,
// once each, when it is back.
func TestNotifReceiverDown(t *testing.T) {
	t.Parallel()
	const outage = 30 * time.Second
	const retryAfter = 7 * time.Second
	for _, mode := range []string{"refused", "500", "429"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			s := newScenario(t)
			receiver := framework.StartReceiver(t, "hmac-"+s.id)
			s.startController("a", notifyFlags...)
			s.deploy([]releaseKind{plainCanary, analysisCanary}, nil)
			s.notifyTo(receiver)
			switch mode {
			case "refused":
				receiver.Down()
			case "500":
				receiver.Fail()
			case "429":
				receiver.Throttle(retryAfter)
			}
			var downUntil time.Time
			s.run(func() {
				time.Sleep(outage)
				downUntil = time.Now()
				receiver.Succeed()
				if err := receiver.Up(); err != nil {
					t.Fatal(err)
				}
				t.Logf("receiver back (%s) at %s", mode, downUntil.Format("15:04:05.000"))
			})
			s.expectAllNotified(receiver, 3*time.Minute, false)
			refusedAttempts(t, mode, receiver)
			if mode == "429" {
				expectRetryAfterHonoured(t, receiver, retryAfter)
			}
		})
	}
}

// refusedAttempts: while it failed or throttled, the receiver was asked
// again (a delivery is retried, not dropped after one try).
func refusedAttempts(t *testing.T, mode string, r *framework.Receiver) {
	t.Helper()
	if mode == "refused" {
		return // nothing reaches a closed port; the arrivals after it show the retries
	}
	ids := map[string]int{}
	for _, got := range r.Requests() {
		if !got.Accepted() {
			ids[got.Event.ID]++
		}
	}
	retried := 0
	for _, n := range ids {
		if n > 1 {
			retried++
		}
	}
	if retried == 0 {
		t.Errorf("no delivery was tried more than once while the receiver answered %s: %d refused ids", mode, len(ids))
	}
}

// expectRetryAfterHonoured: after a 429 with Retry-After, the same id comes
// back no sooner than that.
func expectRetryAfterHonoured(t *testing.T, r *framework.Receiver, after time.Duration) {
	t.Helper()
	last := map[string]framework.Received{}
	for _, got := range r.Requests() {
		prev, seen := last[got.Event.ID]
		// A little slack for clocks: the controller waits from its own
		// reading of the answer, a moment after the receiver wrote it.
		if seen && prev.Status == 429 && got.At.Sub(prev.At) < after-500*time.Millisecond {
			t.Errorf("%s retried %s after a 429 with Retry-After %s", got.Event.ID, got.At.Sub(prev.At).Round(time.Millisecond), after)
		}
		last[got.Event.ID] = got
	}
}

// TestNotifControllerKilled: the controller is SIGKILLed a dozen times at
// random points of four releases and restarted each time. No trigger is
// lost, and no id the receiver acknowledged is sent again.
func TestNotifControllerKilled(t *testing.T) {
	t.Parallel()
	s := newScenario(t)
	receiver := framework.StartReceiver(t, "hmac-"+s.id)
	ctl := s.startController("a", notifyFlags...)
	s.deploy(allKinds, nil)
	s.notifyTo(receiver)
	const kills = 12
	s.run(func() {
		for i := range kills {
			time.Sleep(between(s.rng, 100*time.Millisecond, 2500*time.Millisecond))
			ctl.Kill()
			t.Logf("kill %d/%d at %s, %d deliveries accepted so far", i+1, kills, time.Now().Format("15:04:05.000"), len(receiver.Accepted()))
			if err := ctl.Start(); err != nil {
				t.Fatalf("restart after kill %d: %v", i+1, err)
			}
		}
	})
	s.expectAllNotified(receiver, 3*time.Minute, true)
}

// TestNotifLeaderFrozen: of two controllers with leader election, the leader
// is frozen past its lease at a random moment while the releases notify; the
// standby takes over. The thawed leader must not send: no id comes twice.
func TestNotifLeaderFrozen(t *testing.T) {
	t.Parallel()
	s := newScenario(t)
	receiver := framework.StartReceiver(t, "hmac-"+s.id)
	leaseNS := s.f.NewNamespace("lease").Namespace
	short := leaseTimings{lease: 6 * time.Second, renew: 4 * time.Second, retry: time.Second}
	patient := leaseTimings{lease: 15 * time.Second, renew: 10 * time.Second, retry: time.Second}
	a := s.startController("a", slices.Concat(short.args(leaseNS), notifyFlags)...)
	waitLeading(s.f, a, "a")
	b := s.startController("b", slices.Concat(patient.args(leaseNS), notifyFlags)...)
	waitStandby(s.f, b, "b")
	s.deploy(allKinds, nil)
	s.notifyTo(receiver)

	s.run(func() {
		time.Sleep(between(s.rng, 300*time.Millisecond, 3*time.Second))
		a.Suspend()
		frozen := time.Now()
		accepted := len(receiver.Accepted())
		t.Logf("leader a frozen at %s with %d deliveries accepted", frozen.Format("15:04:05.000"), accepted)
		waitLeading(s.f, b, "b")
		time.Sleep(between(s.rng, time.Second, 4*time.Second))
		a.Resume()
		if _, exited := a.WaitExit(30 * time.Second); !exited {
			t.Error("the thawed leader did not exit after finding its lease gone")
		}
	})
	s.expectAllNotified(receiver, 3*time.Minute, true)
}
