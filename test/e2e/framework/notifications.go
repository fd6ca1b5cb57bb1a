package framework

import (
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/sluice-dev/sluice/notifications"
	"github.com/sluice-dev/sluice/notifications/ledger"
)

// NotificationsSetup is what a test puts in the sluice-notifications
// ConfigMap and Secret of a namespace.
type NotificationsSetup struct {
	// Webhooks: name → receiver. Each is configured with the receiver's URL
	// and, when it has one, its HMAC secret (read from the Secret).
	Webhooks map[string]*Receiver
	// SlackAPIURL, when set, configures service.slack with a bot token (from
	// the Secret) against this Web API base URL.
	SlackAPIURL string
	// Data is added to the ConfigMap as it is (templates, triggers,
	// subscriptions, or broken keys for the bad-input tests).
	Data map[string]string
	// SecretData is added to the Secret.
	SecretData map[string]string
}

// SlackToken is the bot token the setup gives service.slack.
const SlackToken = "xoxb-sluice-e2e"

// Manifest is the ConfigMap and Secret as YAML.
func (s NotificationsSetup) Manifest() string {
	data := map[string]string{}
	secret := map[string]string{}
	for name, r := range s.Webhooks {
		svc := map[string]any{"url": r.URL}
		if len(r.secret) > 0 {
			svc["hmacSecret"] = "$hmac-" + name
			secret["hmac-"+name] = string(r.secret)
		}
		data["service.webhook."+name] = mustYAMLOf(svc)
	}
	if s.SlackAPIURL != "" {
		data["service.slack"] = mustYAMLOf(map[string]any{"token": "$slack-token", "apiURL": s.SlackAPIURL})
		secret["slack-token"] = SlackToken
	}
	for k, v := range s.Data {
		data[k] = v
	}
	for k, v := range s.SecretData {
		secret[k] = v
	}
	cm := map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "sluice-notifications"}, "data": data}
	sec := map[string]any{"apiVersion": "v1", "kind": "Secret",
		"metadata": map[string]any{"name": "sluice-notifications"}, "stringData": secret}
	return mustYAMLOf(cm) + "---\n" + mustYAMLOf(sec)
}

func mustYAMLOf(v any) string {
	raw, err := yaml.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(raw)
}

// Subscriptions is a subscriptions value: every trigger listed to every
// recipient ("webhook.<name>", "slack:<channel>").
func Subscriptions(recipients []string, triggers []string) string {
	return mustYAMLOf([]map[string]any{{"recipients": recipients, "triggers": triggers}})
}

// Ledger decodes a Rollout's delivery ledger (empty when it has none yet).
func (f *Framework) Ledger(name string) (ledger.Ledger, error) {
	ro, err := f.Sluice.SluiceV1alpha1().Rollouts(f.Namespace).Get(f.Ctx, name, metav1.GetOptions{})
	if err != nil {
		return ledger.Ledger{}, err
	}
	return ledger.Decode(ro.Annotations[ledger.Annotation])
}

// WaitLedgerStarted waits until the notifications controller has recorded a
// Rollout's subscriptions in its ledger. A subscription first seen records
// what already happened without sending it, so a test changes the Rollout only
// after this, or its first events would count as the past.
func (f *Framework) WaitLedgerStarted(name string, timeout time.Duration) {
	f.T.Helper()
	f.Eventually("the notification ledger of "+name+" holds its subscriptions", timeout, func() (bool, string) {
		l, err := f.Ledger(name)
		return err == nil && len(l.Subscriptions) > 0, fmt.Sprintf("%+v %v", l, err)
	})
}

// LedgerProblems lists the entries of a Rollout's ledger for one service
// that did not end sent (or skipped, for the past recorded at start).
func (f *Framework) LedgerProblems(name, service string) []string {
	f.T.Helper()
	l, err := f.Ledger(name)
	if err != nil {
		return []string{err.Error()}
	}
	var out []string
	for id, e := range l.Entries {
		if e.Service == service && e.State != ledger.StateSent && e.State != ledger.StateSkipped {
			out = append(out, fmt.Sprintf("%s: %s after %d attempts (%s)", id, e.State, e.Attempts, e.LastError))
		}
	}
	sort.Strings(out)
	return out
}

// SentIDs are the ids a Rollout's ledger marks sent to one service.
func (f *Framework) SentIDs(name, service string) map[string]bool {
	f.T.Helper()
	l, err := f.Ledger(name)
	if err != nil {
		f.T.Fatal(err)
	}
	out := map[string]bool{}
	for id, e := range l.Entries {
		if e.Service == service && e.State == ledger.StateSent {
			out[id] = true
		}
	}
	return out
}

// TakenOverIDs are the ids a Rollout's ledger marks sent to one service after
// more than one attempt: a claim another process took over (its holder died
// or froze after claiming), or a retry after a failure.
func (f *Framework) TakenOverIDs(name, service string) map[string]bool {
	f.T.Helper()
	l, err := f.Ledger(name)
	if err != nil {
		f.T.Fatal(err)
	}
	out := map[string]bool{}
	for id, e := range l.Entries {
		if e.Service == service && e.State == ledger.StateSent && e.Attempts >= 2 {
			out[id] = true
		}
	}
	return out
}

// WarningEvents lists the namespace's Warning Events as "Kind/name Reason:
// message" lines, oldest first.
func (f *Framework) WarningEvents() []string {
	f.T.Helper()
	list, err := f.Kube.CoreV1().Events(f.Namespace).List(f.Ctx, metav1.ListOptions{FieldSelector: "type=" + corev1.EventTypeWarning})
	if err != nil {
		f.T.Fatal(err)
	}
	sort.SliceStable(list.Items, func(i, j int) bool {
		return list.Items[i].FirstTimestamp.Before(&list.Items[j].FirstTimestamp)
	})
	var out []string
	for _, e := range list.Items {
		out = append(out, fmt.Sprintf("%s/%s %s: %s", e.InvolvedObject.Kind, e.InvolvedObject.Name, e.Reason, e.Message))
	}
	return out
}

// Notification is a webhook delivery as a receiver understood it.
type Notification struct {
	Received
	// Trigger is the CloudEvent type without "dev.sluice.".
	Trigger string
	Data    notifications.Data
	// DataErr is why the data did not decode ("" when it did).
	DataErr string
}

// Notifications are the receiver's accepted deliveries, decoded, in order.
func (r *Receiver) Notifications() []Notification {
	var out []Notification
	for _, got := range r.Accepted() {
		n := Notification{Received: got, Trigger: strings.TrimPrefix(got.Event.Type, "dev.sluice.")}
		if err := got.Event.DecodeData(&n.Data); err != nil {
			n.DataErr = err.Error()
		}
		out = append(out, n)
	}
	return out
}

// DescribeNotifications is one line per notification, for failure messages.
func DescribeNotifications(ns []Notification) string {
	var b strings.Builder
	for _, n := range ns {
		fmt.Fprintf(&b, "\n  %s %s rev %d phase %s step %d/%d %q", n.At.Format("15:04:05.000"), n.Event.ID,
			n.Data.Rollout.Revision, n.Data.Rollout.Phase, n.Data.Rollout.Step, n.Data.Rollout.Steps, n.Data.Rollout.StepName)
	}
	return b.String()
}
