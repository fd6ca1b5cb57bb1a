package config

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	"github.com/sluice-dev/sluice/notifications"
)

func configMap(data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{Data: data}
}

func secret(data map[string]string) *corev1.Secret {
	s := &corev1.Secret{Data: map[string][]byte{}}
	for k, v := range data {
		s.Data[k] = []byte(v)
	}
	return s
}

// problemsByKey flattens problems for comparison: key → messages joined.
func problemsByKey(t *testing.T, problems []Problem) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, p := range problems {
		if strings.Contains(p.Message, "\n") {
			t.Errorf("problem %q is not one line", p.String())
		}
		if out[p.Key] != "" {
			out[p.Key] += " | "
		}
		out[p.Key] += p.Message
	}
	return out
}

func TestLoadEveryKeyKind(t *testing.T) {
	c, problems := Load(configMap(map[string]string{
		"service.webhook.audit": `
url: https://audit.example/hooks
method: put
headers:
- {name: Authorization, value: "Bearer $audit-token"}
- {name: X-Team, value: payments}
basicAuth: {username: sluice, password: "${audit.password}"}
hmacSecret: $hmac
timeout: 3s
`,
		"service.webhook.plain": `url: http://plain.example`,
		"service.slack":         `{token: $slack-token, apiURL: "http://127.0.0.1:9999/api/"}`,
		"template.short":        `message: "{{.Rollout.Name}}"`,
		"trigger.on-rollout-aborted": `
- when: Rollout.CanaryWeight > 0
  send: [short]
- send: [on-rollout-aborted, short]
`,
		"defaultTriggers": `[on-rollout-updated, on-rollout-completed]`,
		"subscriptions": `
- recipients: [webhook.audit, "slack:#releases", "webhook:plain"]
  triggers: [on-rollout-aborted]
  selector: app=checkout
- recipients: [slack:#all]
`,
	}), secret(map[string]string{"audit-token": "t0k", "audit.password": "pa$$", "hmac": "s3cret", "slack-token": "xoxb-1"}))
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	wantWebhooks := map[string]Webhook{
		"audit": {URL: "https://audit.example/hooks", Method: "PUT",
			Headers:   map[string]string{"Authorization": "Bearer t0k", "X-Team": "payments"},
			BasicAuth: &BasicAuth{Username: "sluice", Password: "pa$$"}, HMACSecret: "s3cret", Timeout: 3 * time.Second},
		"plain": {URL: "http://plain.example", Method: "POST", Timeout: DefaultTimeout},
	}
	if diff := cmp.Diff(wantWebhooks, c.Webhooks); diff != "" {
		t.Errorf("webhooks (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(&Slack{Token: "xoxb-1", APIURL: "http://127.0.0.1:9999/api", Timeout: DefaultTimeout}, c.Slack); diff != "" {
		t.Errorf("slack (-want +got):\n%s", diff)
	}
	wantTriggers := map[string][]Condition{notifications.OnRolloutAborted: {
		{When: "Rollout.CanaryWeight > 0", Send: []string{"short"}},
		{Send: []string{"on-rollout-aborted", "short"}},
	}}
	if diff := cmp.Diff(wantTriggers, c.Triggers); diff != "" {
		t.Errorf("triggers (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"on-rollout-updated", "on-rollout-completed"}, c.DefaultTriggers); diff != "" {
		t.Errorf("defaultTriggers (-want +got):\n%s", diff)
	}
	if !c.Set.Has("short") || !c.Set.Has(notifications.OnRolloutPaused) {
		t.Errorf("the set lacks the user's or a built-in template")
	}
	if len(c.Subscriptions) != 2 {
		t.Fatalf("subscriptions = %+v, want 2", c.Subscriptions)
	}
	first := c.Subscriptions[0]
	wantDest := []notifications.Destination{{Service: "webhook.audit"}, {Service: "slack", Recipient: "#releases"}, {Service: "webhook.plain"}}
	if diff := cmp.Diff(wantDest, first.Destinations); diff != "" {
		t.Errorf("destinations (-want +got):\n%s", diff)
	}
	if first.Selector == nil || first.Selector.String() != "app=checkout" {
		t.Errorf("selector = %v, want app=checkout", first.Selector)
	}
	if c.Subscriptions[1].Selector != nil || c.Subscriptions[1].Triggers != nil && len(c.Subscriptions[1].Triggers) > 0 {
		t.Errorf("second subscription = %+v, want every Rollout and the default triggers", c.Subscriptions[1])
	}
}

func TestLoadNothing(t *testing.T) {
	for name, cm := range map[string]*corev1.ConfigMap{"no ConfigMap": nil, "empty ConfigMap": configMap(nil)} {
		c, problems := Load(cm, nil)
		if len(problems) > 0 {
			t.Errorf("%s: problems %v", name, problems)
		}
		if c.Slack != nil || len(c.Webhooks) > 0 || len(c.Subscriptions) > 0 {
			t.Errorf("%s: config %+v sends somewhere", name, c)
		}
		if diff := cmp.Diff(BuiltinDefaultTriggers, c.DefaultTriggers); diff != "" {
			t.Errorf("%s: default triggers (-want +got):\n%s", name, diff)
		}
	}
}

// Each broken key is a Problem naming it; everything else still loads.
func TestLoadBrokenKeysAreProblemsAndTheRestLoads(t *testing.T) {
	c, problems := Load(configMap(map[string]string{
		"service.webhook.good":        `url: http://good.example`,
		"service.webhook.no-url":      `method: POST`,
		"service.webhook.relative":    `url: /hooks`,
		"service.webhook.yaml":        `url: [http://x`,
		"service.webhook.typo":        `{url: http://x, hmacSecrt: abc}`,
		"service.webhook.missing":     `{url: http://x, headers: [{name: A, value: "$nope"}]}`,
		"service.webhook.timeout":     `{url: http://x, timeout: soon}`,
		"service.webhook.bad.name":    `url: http://x`,
		"service.teams":               `url: http://x`,
		"service.slack":               `{apiURL: http://x}`,
		"template.broken":             `message: "{{.Rollout.Name"`,
		"template.fine":               `message: fine`,
		"trigger.on-rollout-paused":   `[{when: "Rollout.Step >", send: [fine]}, {send: [broken]}, {send: [absent]}, {send: []}, {when: "Rollout.Step > 1", send: [fine]}]`,
		"trigger.on-rollout-exploded": `[{send: [fine]}]`,
		"trigger.on-rollout-updated":  `{send: fine}`,
		"defaultTriggers":             `[on-rollout-updated, on-nothing]`,
		"context":                     `{argocdUrl: x}`,
		"subscriptions": `
- recipients: [webhook.good, webhook.nowhere, slack:#x, teams:ops, "slack:"]
  triggers: [on-rollout-paused, on-rollout-exploded]
- recipients: [webhook.good]
  selector: "app in (web"
- recipients: [webhook.good]
  triggers: [on-typo]
- triggers: [on-rollout-paused]
`,
	}), nil)
	got := problemsByKey(t, problems)
	want := map[string][]string{
		"service.webhook.no-url":      {"needs a url"},
		"service.webhook.relative":    {"url is not an absolute http(s) URL"},
		"service.webhook.yaml":        {"is not valid"},
		"service.webhook.typo":        {"hmacSecrt"},
		"service.webhook.missing":     {"$nope", "no Secret sluice-notifications"},
		"service.webhook.timeout":     {`timeout "soon"`},
		"service.webhook.bad.name":    {"webhook name must be"},
		"service.teams":               {"unknown service"},
		"service.slack":               {"needs a token", "incomingWebhookURL"},
		"template.broken":             {"does not parse"},
		"trigger.on-rollout-paused":   {"condition 1: when", "condition 2 sends template \"broken\"", "condition 3 sends template \"absent\"", "condition 4 sends no template"},
		"trigger.on-rollout-exploded": {`unknown trigger "on-rollout-exploded"`},
		"trigger.on-rollout-updated":  {"YAML list of {when, send}"},
		"defaultTriggers":             {`unknown trigger "on-nothing"`},
		"context":                     {"unknown key"},
		"subscriptions[0]":            {`webhook "nowhere"`, "service.slack is not configured", `"teams:ops"`, `"slack:" names no channel`, `"on-rollout-exploded"`},
		"subscriptions[1]":            {`selector "app in (web"`},
		"subscriptions[2]":            {`unknown trigger "on-typo"`},
		"subscriptions[3]":            {"no recipients"},
	}
	for key, fragments := range want {
		for _, fragment := range fragments {
			if !strings.Contains(got[key], fragment) {
				t.Errorf("%s: problems %q lack %q", key, got[key], fragment)
			}
		}
	}
	for key := range got {
		if _, expected := want[key]; !expected {
			t.Errorf("unexpected problem %s: %s", key, got[key])
		}
	}
	// What was right still loaded.
	if _, ok := c.Webhooks["good"]; !ok || len(c.Webhooks) != 1 {
		t.Errorf("webhooks = %v, want only good", c.Webhooks)
	}
	if !c.Set.Has("fine") || c.Set.Has("broken") {
		t.Errorf("set: fine %v (want true), broken %v (want false)", c.Set.Has("fine"), c.Set.Has("broken"))
	}
	wantPaused := []Condition{{When: "Rollout.Step > 1", Send: []string{"fine"}}}
	if diff := cmp.Diff(wantPaused, c.Triggers[notifications.OnRolloutPaused]); diff != "" {
		t.Errorf("paused conditions (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"on-rollout-updated"}, c.DefaultTriggers); diff != "" {
		t.Errorf("defaultTriggers (-want +got):\n%s", diff)
	}
	if len(c.Subscriptions) != 1 || len(c.Subscriptions[0].Destinations) != 1 ||
		c.Subscriptions[0].Destinations[0].Service != "webhook.good" ||
		!cmp.Equal(c.Subscriptions[0].Triggers, []string{notifications.OnRolloutPaused}) {
		t.Errorf("subscriptions = %+v, want subscriptions[0] with webhook.good on on-rollout-paused", c.Subscriptions)
	}
}

func TestSecretReferences(t *testing.T) {
	s := secret(map[string]string{"token": "T", "a.b-c_d": "X"})
	for _, tc := range []struct{ in, want, missing string }{
		{"Bearer $token", "Bearer T", ""},
		{"Bearer $token.", "Bearer T.", ""},
		{"${token}abc", "Tabc", ""},
		{"$a.b-c_d", "X", ""},
		{"cost: $$5", "cost: $5", ""},
		{"no refs", "no refs", ""},
		{"$absent and $token", "", "$absent"},
	} {
		values := &secretValues{secret: s}
		got := values.expand(tc.in)
		err := values.err()
		switch {
		case tc.missing != "":
			if err == nil || !strings.Contains(err.Error(), tc.missing) {
				t.Errorf("expand(%q): err = %v, want one naming %s", tc.in, err, tc.missing)
			}
		case err != nil || got != tc.want:
			t.Errorf("expand(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// A Secret value never appears in a Problem: problems go to Events and logs.
func TestProblemsDoNotLeakSecretValues(t *testing.T) {
	_, problems := Load(configMap(map[string]string{
		"service.webhook.leaky": `url: "$url"`,
	}), secret(map[string]string{"url": "ftp://user:hunter2@example"}))
	if len(problems) != 1 || strings.Contains(problems[0].String(), "hunter2") {
		t.Errorf("problems = %v, want one that does not show the Secret's value", problems)
	}
}
