package controller

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clienttesting "k8s.io/client-go/testing"

	"github.com/sluice-dev/sluice/notifications"
	"github.com/sluice-dev/sluice/notifications/ledger"
)

// A subscription's first look records the present without sending; each
// later step is delivered once, however often the Rollout is synced.
func TestOneDeliveryPerKey(t *testing.T) {
	audit := newReceiver(t, http.StatusOK)
	ro, rs := webRollout(nil)
	f := newFixture(t, webhooks(map[string]*receiver{"audit": audit}, notifications.OnRolloutStepCompleted+", "+notifications.OnRolloutUpdated), ro, rs)
	f.enforceResourceVersions()

	f.mustSync()
	if got := audit.received(); len(got) != 0 {
		t.Fatalf("first look sent %v; want the present recorded, nothing sent", got)
	}
	if l := f.ledger(); len(l.Entries) == 0 {
		t.Fatalf("first look recorded nothing in the ledger")
	}

	f.completeSteps(1)
	for range 3 {
		f.mustSync()
	}
	f.completeSteps(2)
	for range 3 {
		f.mustSync()
	}
	got := audit.received()
	if len(got) != 2 || !strings.Contains(got[0], "/step-") || !strings.Contains(got[1], "/step-") || got[0] == got[1] {
		t.Fatalf("receiver got %q; want one delivery per completed step", got)
	}
	for _, id := range got {
		if e := f.ledger().Entries[id]; e.State != ledger.StateSent || e.Attempts != 1 {
			t.Errorf("ledger entry %s = %+v; want sent after one attempt", id, e)
		}
	}
}

// A claim that meets a conflict (someone wrote the Rollout since it was
// read) sends nothing; the next sync claims and sends once.
func TestConflictOnClaimSendsNothing(t *testing.T) {
	audit := newReceiver(t, http.StatusOK)
	ro, rs := webRollout(nil)
	f := newFixture(t, webhooks(map[string]*receiver{"audit": audit}, notifications.OnRolloutStepCompleted), ro, rs)
	f.enforceResourceVersions()
	f.mustSync()
	f.completeSteps(1)

	// Another writer moves the Rollout between this sync's read and its claim.
	f.refresh()
	f.sluice.PrependReactor("patch", "rollouts", conflictOnce())
	if _, err := f.c.sync(context.Background(), keyOf("ns", "web")); !apierrors.IsConflict(err) {
		t.Fatalf("sync: err %v, want the claim's conflict", err)
	}
	if got := audit.received(); len(got) != 0 {
		t.Fatalf("sent %v after a failed claim", got)
	}
	f.mustSync()
	if got := audit.received(); len(got) != 1 {
		t.Fatalf("receiver got %v after the retry, want one delivery", got)
	}
}

// A claim left by a process that died before sending is taken over once it
// is older than the claim timeout, not before.
func TestStaleClaimIsTakenOver(t *testing.T) {
	audit := newReceiver(t, http.StatusOK)
	ro, rs := webRollout(nil)
	f := newFixture(t, webhooks(map[string]*receiver{"audit": audit}, notifications.OnRolloutStepCompleted), ro, rs)
	f.enforceResourceVersions()
	f.mustSync()
	f.completeSteps(1)

	// A process that died claimed the completed step just now.
	stored := f.rollout()
	l := f.ledger()
	d := f.stepDelivery("webhook.audit")
	id := d.ID()
	l.MarkClaimed(d, f.clock.Now(), "dead-process")
	text, _ := l.Encode()
	stored.Annotations[ledger.Annotation] = text
	if _, err := f.sluice.SluiceV1alpha1().Rollouts("ns").Update(context.Background(), stored, metav1UpdateOptions); err != nil {
		t.Fatal(err)
	}

	requeue := f.mustSync()
	if got := audit.received(); len(got) != 0 {
		t.Fatalf("sent %v while another process's claim was fresh", got)
	}
	if requeue <= 0 || requeue > DefaultClaimTimeout {
		t.Errorf("requeue in %v, want by the claim timeout (%v)", requeue, DefaultClaimTimeout)
	}
	f.clock.Step(DefaultClaimTimeout + time.Second)
	f.mustSync()
	if got := audit.received(); !slices.Equal(got, []string{id}) {
		t.Fatalf("receiver got %v after the claim timed out, want [%s]", got, id)
	}
	if e := f.ledger().Entries[id]; e.State != ledger.StateSent || e.Holder != "test-holder" || e.Attempts != 2 {
		t.Errorf("entry = %+v, want sent by test-holder on the second attempt", e)
	}
}

// One destination failing neither stops nor delays another; the failure is
// a Warning Event naming the service, and is retried after its backoff.
func TestFailingDestinationDoesNotBlockAnother(t *testing.T) {
	good := newReceiver(t, http.StatusOK)
	bad := newReceiver(t, http.StatusInternalServerError)
	ro, rs := webRollout(nil)
	f := newFixture(t, webhooks(map[string]*receiver{"good": good, "bad": bad}, notifications.OnRolloutStepCompleted), ro, rs)
	f.enforceResourceVersions()
	f.mustSync()
	f.completeSteps(1)

	requeue := f.mustSync()
	if len(good.received()) != 1 || len(bad.received()) != 1 {
		t.Fatalf("good got %v, bad got %v; want one attempt each", good.received(), bad.received())
	}
	events := strings.Join(f.events(), "\n")
	if !strings.Contains(events, "Warning NotificationFailed") || !strings.Contains(events, "webhook.bad") || strings.Contains(events, "webhook.good") {
		t.Errorf("events:\n%s\nwant one NotificationFailed naming webhook.bad", events)
	}
	if requeue <= 0 || requeue > 3*time.Second {
		t.Errorf("requeue in %v, want the first backoff (about 2 s)", requeue)
	}
	failed, _ := findEntry(f.ledger(), "webhook.bad")
	if failed.State != ledger.StateFailed || failed.LastError == "" || failed.NextAt.IsZero() {
		t.Errorf("bad's entry = %+v, want failed with its error and next try", failed)
	}

	// Not due yet: nothing is sent again.
	f.mustSync()
	if len(good.received()) != 1 || len(bad.received()) != 1 {
		t.Fatalf("resent before the backoff: good %v, bad %v", good.received(), bad.received())
	}
	bad.answer(http.StatusOK)
	f.clock.Step(requeue)
	f.mustSync()
	if len(good.received()) != 1 || len(bad.received()) != 2 {
		t.Fatalf("after the backoff: good %v (want 1), bad %v (want 2)", good.received(), bad.received())
	}
	if e, _ := findEntry(f.ledger(), "webhook.bad"); e.State != ledger.StateSent {
		t.Errorf("bad's entry = %+v, want sent", e)
	}
}

// Broken configuration keys become Warning Events on the ConfigMap naming
// them, once per change of the ConfigMap; the subscription that is right is
// still delivered.
func TestConfigProblemsBecomeEvents(t *testing.T) {
	audit := newReceiver(t, http.StatusOK)
	ro, rs := webRollout(map[string]string{
		"notifications.sluice.dev/subscribe.on-rollout-exploded.webhook.audit":         "",
		"notifications.sluice.dev/subscribe.on-rollout-step-completed.webhook.nowhere": "",
	})
	data := webhooks(map[string]*receiver{"audit": audit}, notifications.OnRolloutStepCompleted)
	data["template.broken"] = `message: "{{.Rollout.Name"`
	f := newFixture(t, data, ro, rs)
	f.enforceResourceVersions()
	f.mustSync()
	events := strings.Join(f.events(), "\n")
	for _, want := range []string{"template.broken", "on-rollout-exploded", "nowhere"} {
		if !strings.Contains(events, want) {
			t.Errorf("events:\n%s\nwant one naming %s", events, want)
		}
	}
	f.completeSteps(1)
	f.mustSync()
	if again := f.events(); len(again) != 0 {
		t.Errorf("problems reported again with nothing changed: %v", again)
	}
	if got := audit.received(); len(got) != 1 {
		t.Errorf("receiver got %v, want the step delivered despite the problems", got)
	}
	if n := testutilGauge(t, controllerNS); n < 1 {
		t.Errorf("sluice_notifications_config_errors{namespace=%q} = %v, want the problems counted", controllerNS, n)
	}
}

// A Rollout nobody subscribed is never written.
func TestUnsubscribedRolloutIsNotWritten(t *testing.T) {
	ro, rs := webRollout(nil)
	f := newFixture(t, nil, ro, rs)
	f.mustSync()
	for _, a := range f.sluice.Actions() {
		if a.GetVerb() == "update" || a.GetVerb() == "patch" {
			t.Fatalf("wrote %v for a Rollout with no subscription", a)
		}
	}
}

func conflictOnce() clienttesting.ReactionFunc {
	done := false
	return func(a clienttesting.Action) (bool, runtime.Object, error) {
		if done {
			return false, nil, nil
		}
		done = true
		return true, nil, apierrors.NewConflict(schema.GroupResource{Group: "rollouts.sluice.dev", Resource: "rollouts"}, "web", errConflictForTest)
	}
}
