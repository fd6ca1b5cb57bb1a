package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sluice-dev/sluice/notifications"
	"github.com/sluice-dev/sluice/notifications/ledger"
)

// notifiedRollout is canaryRollout with a ledger: revision 2's step 1 sent
// to a webhook, its Slack message failed and due again, and revision 1's
// update skipped (the subscription was new then).
func notifiedRollout(t *testing.T) *ledgerFixture {
	t.Helper()
	ro := canaryRollout()
	var l ledger.Ledger
	delivery := func(rev int64, trigger, part, service, recipient string) notifications.Delivery {
		key := string(ro.UID) + "/rev-" + map[int64]string{1: "1", 2: "2"}[rev] + "/" + trigger
		if part != "" {
			key += "/" + part
		}
		return notifications.Delivery{
			Event:       notifications.Event{Trigger: trigger, Key: key, Revision: rev},
			Destination: notifications.Destination{Service: service, Recipient: recipient},
		}
	}
	skipped := delivery(1, notifications.OnRolloutUpdated, "", "webhook.audit", "")
	sent := delivery(2, notifications.OnRolloutStepCompleted, "step-1", "webhook.audit", "")
	failed := delivery(2, notifications.OnRolloutStepCompleted, "step-1", "slack", "deploys")
	l.Apply(ledger.Decision{Skip: []notifications.Delivery{skipped}}, testNow.Add(-time.Hour), "")
	l.MarkClaimed(sent, testNow.Add(-5*time.Minute), "controller-1")
	l.MarkSent(sent.ID(), testNow.Add(-5*time.Minute))
	l.MarkClaimed(failed, testNow.Add(-2*time.Minute), "controller-1")
	l.MarkFailed(failed.ID(), testNow.Add(-time.Minute), "slack chat.postMessage: channel_not_found\nmore", testNow.Add(30*time.Second))
	l.MarkClaimed(failed, testNow.Add(-time.Minute), "controller-1")
	l.MarkFailed(failed.ID(), testNow.Add(-time.Minute), "slack chat.postMessage: ratelimited", testNow.Add(30*time.Second))
	text, err := l.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if ro.Annotations == nil {
		ro.Annotations = map[string]string{}
	}
	ro.Annotations[ledger.Annotation] = text
	return &ledgerFixture{c: newFakeCluster(t, ro), sent: sent.ID(), failed: failed.ID()}
}

type ledgerFixture struct {
	c            *fakeCluster
	sent, failed string
}

func TestNotificationsTable(t *testing.T) {
	f := notifiedRollout(t)
	r := f.c.run("notifications", "web")
	wantExit(t, r, 0)
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("stdout:\n%s\nwant a header and three rows", r.stdout)
	}
	for i, want := range [][]string{
		{"REVISION", "EVENT", "DESTINATION", "STATE", "ATTEMPTS", "CHANGED", "NEXT TRY", "ERROR"},
		{"2", "on-rollout-step-completed/step-1", "webhook.audit", "sent", "1", "5m ago", "-", "-"},
		{"2", "on-rollout-step-completed/step-1", "slack:deploys", "failed", "2", "60s ago", "in 30s", "slack chat.postMessage: ratelimited"},
		{"1", "on-rollout-updated", "webhook.audit", "skipped", "0", "60m ago"},
	} {
		for _, field := range want {
			if !strings.Contains(lines[i], field) {
				t.Errorf("line %d %q lacks %q", i, lines[i], field)
			}
		}
	}
}

func TestNotificationsJSON(t *testing.T) {
	f := notifiedRollout(t)
	r := f.c.run("notifications", "web", "-o", "json")
	wantExit(t, r, 0)
	var rows []struct {
		ID, State, Service, Recipient, LastError string
		Attempts                                 int
		NextAt                                   *time.Time
	}
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
	}
	if len(rows) != 3 || rows[0].ID != f.sent || rows[1].ID != f.failed {
		t.Fatalf("rows %+v; want sent, failed, skipped", rows)
	}
	if rows[1].State != "failed" || rows[1].Attempts != 2 || rows[1].NextAt == nil || !rows[1].NextAt.Equal(testNow.Add(30*time.Second)) {
		t.Errorf("failed row = %+v", rows[1])
	}
	r = f.c.run("notifications", "web", "-o", "yaml")
	wantExit(t, r, 0)
	if !strings.Contains(r.stdout, "state: sent") || !strings.Contains(r.stdout, "recipient: deploys") {
		t.Errorf("yaml:\n%s", r.stdout)
	}
}

func TestNotificationsErrors(t *testing.T) {
	f := notifiedRollout(t)
	r := f.c.run("notifications", "web", "-o", "wide")
	wantExit(t, r, ExitUsage)
	wantOneErrorLine(t, r, `error: -o must be json or yaml, got "wide" (see 'kubectl sluice notifications --help')`)
	r = f.c.run("notifications", "nope")
	wantExit(t, r, 1)
	wantOneErrorLine(t, r, `error: rollout "nope" not found in namespace "default"`)

	c := newFakeCluster(t, canaryRollout())
	r = c.run("notifications", "web")
	wantExit(t, r, 0)
	if r.stdout != "No notifications recorded for rollout \"web\".\n" {
		t.Errorf("stdout %q stderr %q", r.stdout, r.stderr)
	}
}
