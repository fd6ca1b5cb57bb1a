//go:build e2e

package e2e

// Notifications (issue 20 acceptance): a real HTTP receiver run by the test and
// a local server speaking Slack's chat.postMessage / chat.update receive what
// a controller of the test's own sends about a canary with a step analysis,
// updated, promoted, then updated again and aborted. Each test configures its
// own namespace (as the controller's, or self-service) and runs its own controller, so
// the shared one never sees its Rollouts.

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluice-dev/sluice/notifications"
	"github.com/sluice-dev/sluice/notifications/services/slackfake"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/test/e2e/framework"
)

// notifyingController starts a controller of the test's own with the flags
// that tell it where its notification settings are (the test's namespace as
// the controller's own, or self-service), and returns the view of the test
// that labels objects for it.
func notifyingController(t *testing.T, f *framework.Framework, name string, flags ...string) (*framework.Framework, *framework.Controller) {
	t.Helper()
	id := instanceFor(name)
	ctl := startController(t, f, name, append([]string{"--instance-id=" + id}, flags...)...)
	return f.WithInstance(id), ctl
}

// notifiedSteps: a canary weight, an analysis of the test version's error
// rate (three measurements a second apart, so the run is seen Running before
// it ends) and a pause for a person to promote.
const notifiedSteps = `
      - setWeight: 50
      - analysis: {templates: [{templateName: exporter-check}]}
      - pause: {}`

func exporterCheck(version string) string {
	return fmt.Sprintf(`
apiVersion: sluice.dev/v1alpha1
kind: AnalysisTemplate
metadata: {name: exporter-check}
spec:
  metrics:
  - name: error-rate
    interval: 2s
    count: 3
    successCondition: result < 0.05
    provider:
      web:
        url: %s/control
        jsonPath: "{$.%s.errorRate}"
`, cluster.Info.ExporterURL, version)
}

// before lists which triggers of one revision must reach the receiver before
// which: the order in which the stored state can show them.
var before = [][2]string{
	{notifications.OnRolloutUpdated, "step-1"},
	{"step-1", notifications.OnAnalysisRunRunning},
	{notifications.OnAnalysisRunRunning, notifications.OnAnalysisRunSuccess},
	{notifications.OnAnalysisRunSuccess, "step-2"},
	{"step-2", notifications.OnRolloutPaused},
	{notifications.OnRolloutPaused, notifications.OnRolloutPromoted},
	{notifications.OnRolloutPromoted, "step-3"},
	{"step-3", notifications.OnRolloutCompleted},
}

// orderName names a notification for the order checks: a step trigger by its
// step ("step-2"), others by trigger.
func orderName(n framework.Notification) string {
	if n.Trigger == notifications.OnRolloutStepCompleted {
		return fmt.Sprintf("step-%s", strings.SplitN(n.Data.Rollout.StepName, "/", 2)[0])
	}
	return n.Trigger
}

func TestNotificationsCanaryWithAnalysisDeliveredOnceInOrder(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	receiver := framework.StartReceiver(t, "hmac-"+f.Namespace)
	slack := startSlackFake(t)
	g, _ := notifyingController(t, f, "notify", "--notifications-namespace="+f.Namespace)
	version := f.Version("canary")
	f.SetExporter(version, 0)
	g.Apply(exporterCheck(version))
	first := deployHealthy(g, canaryRollout("web", 2, notifiedSteps, "", ""))

	// Subscribed once the Rollout runs, as on a cluster where sluice ran
	// before notifications were configured: what it already shows is
	// recorded, not sent.
	f.Apply(framework.NotificationsSetup{
		Webhooks:    map[string]*framework.Receiver{"audit": receiver},
		SlackAPIURL: slack.URL,
		Data: map[string]string{
			"subscriptions": framework.Subscriptions([]string{"webhook.audit", "slack:releases"}, notifications.BuiltinTriggers),
		},
	}.Manifest())
	g.WaitLedgerStarted("web", 30*time.Second)
	if got := receiver.Requests(); len(got) != 0 {
		t.Fatalf("the first deploy, done before the subscription was seen, was sent:%s", framework.DescribeNotifications(receiver.Notifications()))
	}

	// Revision 2: updated, stepped through its analysis, paused, promoted.
	// Each time, a person acts once told: the promotion and the abort come
	// after the paused notification arrived, as they would from a team
	// watching its channel.
	g.SetImage("web", imageV2)
	paused := g.WaitForPausedAtStep("web", 2, 90*time.Second)
	waitNotifications(f, receiver, 2, notifications.OnRolloutPaused)
	g.Promote("web")
	done := g.WaitForRollout("web", "is Healthy on revision 2", 60*time.Second, func(ro *v1alpha1.Rollout) bool {
		return ro.Status.Phase == v1alpha1.RolloutPhaseHealthy && ro.Status.StableRS == paused.Status.CurrentPodHash
	})
	rev2 := waitNotifications(f, receiver, 2, notifications.OnRolloutCompleted)

	// Revision 3: updated, paused after its analysis, aborted by a user.
	g.SetImage("web", imageV3)
	g.WaitForPausedAtStep("web", 2, 90*time.Second)
	waitNotifications(f, receiver, 3, notifications.OnRolloutPaused)
	g.Abort("web")
	g.WaitForPhase("web", v1alpha1.RolloutPhaseDegraded, 60*time.Second)
	rev3 := waitNotifications(f, receiver, 3, notifications.OnRolloutAborted)

	if problems := receiver.Problems(); len(problems) > 0 {
		t.Errorf("requests the receiver could not trust:\n  %s", strings.Join(problems, "\n  "))
	}
	if repeats := receiver.Repeats(); len(repeats) > 0 {
		t.Errorf("ids delivered more than once: %v", repeats)
	}
	// A notification is marked sent after its receiver answered, so the
	// last one's mark may still be on its way when the receiver has it.
	for _, service := range []string{"webhook.audit", "slack"} {
		start := time.Now()
		g.Eventually("every "+service+" entry of the ledger ends sent", 30*time.Second, func() (bool, string) {
			problems := g.LedgerProblems("web", service)
			return len(problems) == 0, strings.Join(problems, "; ")
		})
		t.Logf("ledger settled for %s after %s", service, time.Since(start))
	}
	expectOneEach(t, rev2, []string{notifications.OnRolloutUpdated, "step-1", notifications.OnAnalysisRunRunning,
		notifications.OnAnalysisRunSuccess, "step-2", notifications.OnRolloutPaused, notifications.OnRolloutPromoted,
		"step-3", notifications.OnRolloutCompleted})
	expectOrder(t, rev2, before)
	expectOneEach(t, rev3, []string{notifications.OnRolloutUpdated, "step-1", notifications.OnAnalysisRunRunning,
		notifications.OnAnalysisRunSuccess, "step-2", notifications.OnRolloutPaused, notifications.OnRolloutAborted})
	expectOrder(t, rev3, before[:5])
	expectAbortedBefore(t, rev3)
	for _, n := range append(rev2, rev3...) {
		if problem := payloadProblem(g, n, first.Status.StableRS, done.Status.StableRS); problem != "" {
			t.Errorf("%s: %s", n.Event.ID, problem)
		}
	}
	expectSlackThreads(t, slack, "releases", map[int64][]framework.Notification{2: rev2, 3: rev3})
}

// waitNotifications waits until the receiver accepted the trigger last of a
// revision, then a moment for anything that should not come, and returns
// the revision's notifications in order of arrival.
func waitNotifications(f *framework.Framework, r *framework.Receiver, revision int64, last string) []framework.Notification {
	f.T.Helper()
	var of []framework.Notification
	f.Eventually(fmt.Sprintf("%s of revision %d reaches the receiver", last, revision), 60*time.Second, func() (bool, string) {
		of = nil
		for _, n := range r.Notifications() {
			if n.Data.Rollout.Revision == revision {
				of = append(of, n)
			}
		}
		return slices.ContainsFunc(of, func(n framework.Notification) bool { return n.Trigger == last }),
			framework.DescribeNotifications(r.Notifications())
	})
	return of
}

// expectOneEach: each wanted name exactly once; nothing else but a resumed
// (the pause that a promotion ended).
func expectOneEach(t *testing.T, got []framework.Notification, want []string) {
	t.Helper()
	count := map[string]int{}
	for _, n := range got {
		count[orderName(n)]++
	}
	for _, name := range want {
		if count[name] != 1 {
			t.Errorf("%s delivered %d times, want once:%s", name, count[name], framework.DescribeNotifications(got))
		}
		delete(count, name)
	}
	delete(count, notifications.OnRolloutResumed)
	for name, n := range count {
		t.Errorf("unexpected %s ×%d:%s", name, n, framework.DescribeNotifications(got))
	}
}

func expectOrder(t *testing.T, got []framework.Notification, pairs [][2]string) {
	t.Helper()
	at := map[string]int{}
	for i, n := range got {
		at[orderName(n)] = i
	}
	for _, p := range pairs {
		a, okA := at[p[0]]
		b, okB := at[p[1]]
		if okA && okB && a > b {
			t.Errorf("%s arrived after %s:%s", p[0], p[1], framework.DescribeNotifications(got))
		}
	}
}

func expectAbortedBefore(t *testing.T, got []framework.Notification) {
	t.Helper()
	if last := got[len(got)-1]; last.Trigger != notifications.OnRolloutAborted {
		t.Errorf("the abort was not the last of its revision:%s", framework.DescribeNotifications(got))
	}
}

// payloadProblem checks one notification's envelope and data against what
// the stored objects showed after its transition.
func payloadProblem(f *framework.Framework, n framework.Notification, oldStable, newStable string) string {
	d, ro := n.Data, n.Data.Rollout
	switch {
	case n.DataErr != "":
		return "data: " + n.DataErr
	case n.Event.Source != "/namespaces/"+f.Namespace+"/rollouts/web":
		return "source " + n.Event.Source
	case d.Trigger != n.Trigger || !strings.HasPrefix(n.Event.ID, d.Key+"/") ||
		!strings.HasPrefix(d.Key, fmt.Sprintf("%s/rev-%d/", ro.UID, ro.Revision)):
		return fmt.Sprintf("trigger %q key %q do not match the event", d.Trigger, d.Key)
	case ro.Namespace != f.Namespace || ro.Name != "web" || ro.Steps != 3:
		return fmt.Sprintf("rollout %s/%s with %d steps", ro.Namespace, ro.Name, ro.Steps)
	}
	image := map[int64]string{2: imageV2, 3: imageV3}[ro.Revision]
	if !slices.Contains(ro.Images, image) {
		return fmt.Sprintf("images %v, want %s", ro.Images, image)
	}
	switch n.Trigger {
	case notifications.OnRolloutUpdated:
		if ro.CanaryHash == "" || ro.CanaryHash == ro.StableHash {
			return fmt.Sprintf("updated with canary %q stable %q", ro.CanaryHash, ro.StableHash)
		}
	case notifications.OnRolloutStepCompleted:
		var step int32
		fmt.Sscanf(ro.StepName, "%d/", &step)
		if step < 1 || ro.Step < step {
			return fmt.Sprintf("step %q completed but %d steps done", ro.StepName, ro.Step)
		}
	case notifications.OnRolloutPaused:
		if ro.Phase != string(v1alpha1.RolloutPhasePaused) || ro.Step != 2 || ro.PauseReason == "" {
			return fmt.Sprintf("paused with phase %s step %d reason %q", ro.Phase, ro.Step, ro.PauseReason)
		}
	case notifications.OnAnalysisRunRunning, notifications.OnAnalysisRunSuccess:
		want := map[string]string{notifications.OnAnalysisRunRunning: "Running", notifications.OnAnalysisRunSuccess: "Successful"}[n.Trigger]
		if d.Analysis == nil || d.Analysis.Phase != want || len(d.Analysis.Metrics) != 1 || d.Analysis.Metrics[0].Name != "error-rate" {
			return fmt.Sprintf("analysis %+v, want %s with its metric", d.Analysis, want)
		}
	case notifications.OnRolloutCompleted:
		if ro.Phase != string(v1alpha1.RolloutPhaseHealthy) || ro.StableHash != newStable || ro.CanaryHash != newStable {
			return fmt.Sprintf("completed with phase %s stable %s canary %s, want Healthy on %s", ro.Phase, ro.StableHash, ro.CanaryHash, newStable)
		}
	case notifications.OnRolloutAborted:
		if !strings.Contains(strings.ToLower(ro.AbortReason), "user") || ro.StableHash != newStable {
			return fmt.Sprintf("aborted with reason %q stable %s", ro.AbortReason, ro.StableHash)
		}
	}
	if ro.Revision == 2 && n.Trigger == notifications.OnRolloutUpdated && ro.StableHash != oldStable {
		return fmt.Sprintf("revision 2 started from stable %s, want %s", ro.StableHash, oldStable)
	}
	return ""
}

// Bad input is reported by name and breaks nothing else: an unknown service
// and an unknown trigger in a subscription, a template that does not parse,
// a Secret key that is not there each give a Warning Event and a log line
// naming it, while the subscription that is fine is delivered.
func TestNotificationsBadInputReportedOthersDelivered(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	receiver := framework.StartReceiver(t, "")
	f.Apply(framework.NotificationsSetup{
		Webhooks: map[string]*framework.Receiver{"audit": receiver},
		Data: map[string]string{
			"template.broken":             "message: \"{{.Rollout.Name\"\n",
			"trigger.on-rollout-paused":   "- send: [broken]\n",
			"service.webhook.needs-token": "url: " + receiver.URL + "\nheaders:\n- {name: Authorization, value: $missing-token}\n",
			"subscriptions": `
- recipients: [webhook.nosuch]
  triggers: [on-rollout-updated]
- recipients: [webhook.audit]
  triggers: [on-rollout-exploded]
- recipients: [webhook.audit]
  triggers: [on-rollout-updated, on-rollout-paused, on-rollout-completed]
`,
		},
	}.Manifest())
	g, ctl := notifyingController(t, f, "bad-input", "--self-service-notifications")
	deployHealthy(g, canaryRollout("web", 2, `
      - setWeight: 50
      - pause: {}`, "", ""))
	g.WaitLedgerStarted("web", 30*time.Second)
	g.SetImage("web", imageV2)
	g.WaitForPausedAtStep("web", 1, 60*time.Second)
	g.Promote("web")
	g.WaitForPhase("web", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
	got := waitNotifications(f, receiver, 2, notifications.OnRolloutCompleted)

	names := map[string]string{
		"template.broken":     "the template that does not parse",
		"webhook.nosuch":      "the unknown service",
		"on-rollout-exploded": "the unknown trigger",
		"missing-token":       "the missing Secret key",
	}
	f.Eventually("a Warning Event names each problem", 30*time.Second, func() (bool, string) {
		events := strings.Join(f.WarningEvents(), "\n")
		var missing []string
		for name, what := range names {
			if !strings.Contains(events, name) {
				missing = append(missing, what+" ("+name+")")
			}
		}
		return len(missing) == 0, fmt.Sprintf("no Event for %v in:\n%s", missing, events)
	})
	log := ctl.LogText()
	for name, what := range names {
		if !strings.Contains(log, name) {
			t.Errorf("the controller's log does not name %s (%s)", what, name)
		}
	}
	var triggers []string
	for _, n := range got {
		triggers = append(triggers, n.Trigger)
	}
	if want := []string{notifications.OnRolloutUpdated, notifications.OnRolloutCompleted}; !slices.Equal(triggers, want) {
		t.Errorf("delivered %v, want %v (the paused one's template is broken: never sent half-made):%s",
			triggers, want, framework.DescribeNotifications(got))
	}
}

// startSlackFake runs a stand-in for Slack's Web API in the test process.
func startSlackFake(t *testing.T) *slackfake.Server {
	s := slackfake.New(framework.SlackToken)
	t.Cleanup(s.Close)
	return s
}

// expectSlackThreads: the channel shows one message per revision, edited in
// place as the revision moved, with a thread reply for every later event of
// that revision (the webhook's deliveries of the same revision are the count).
func expectSlackThreads(t *testing.T, slack *slackfake.Server, channel string, byRevision map[int64][]framework.Notification) {
	t.Helper()
	messages := slack.Messages(channel)
	if len(messages) != len(byRevision) {
		t.Errorf("#%s has %d messages, want one per revision (%d)", channel, len(messages), len(byRevision))
	}
	revisions := slices.Sorted(maps.Keys(byRevision))
	for i, m := range messages {
		if i >= len(revisions) {
			break
		}
		events := byRevision[revisions[i]]
		var replies []string
		for _, r := range m.Replies {
			replies = append(replies, r.Text)
		}
		if m.Edits < 1 || len(m.Replies) != len(events)-1 || !strings.Contains(m.Text, "web") {
			t.Errorf("#%s message of revision %d: %d edits, %d replies (want %d, one per event after the first), text %q; replies:\n  %s",
				channel, revisions[i], m.Edits, len(m.Replies), len(events)-1, m.Text, strings.Join(replies, "\n  "))
		}
	}
}
