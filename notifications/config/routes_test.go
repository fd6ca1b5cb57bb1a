package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sluice-dev/sluice/notifications"
)

func rollout(labels, annotations map[string]string) *metav1.ObjectMeta {
	return &metav1.ObjectMeta{Name: "checkout", Namespace: "shop", Labels: labels, Annotations: annotations}
}

var (
	audit    = notifications.Destination{Service: "webhook.audit"}
	releases = notifications.Destination{Service: "slack", Recipient: "#releases"}
)

func loadOK(t *testing.T, data map[string]string) *Config {
	t.Helper()
	c, problems := Load(configMap(data), secret(map[string]string{"slack": "xoxb"}))
	if len(problems) > 0 {
		t.Fatalf("Load: %v", problems)
	}
	return c
}

func builtin(trigger string, d notifications.Destination) Route {
	return Route{Trigger: trigger, Destination: d, Templates: []string{trigger}}
}

func TestRoutesSelectorsAnnotationsAndConditions(t *testing.T) {
	c := loadOK(t, map[string]string{
		"service.webhook.audit": `url: http://audit.example`,
		"service.slack":         `token: $slack`,
		"template.short":        `message: "{{.Rollout.Name}}"`,
		"trigger.on-rollout-aborted": `
- {when: "Rollout.CanaryWeight > 0", send: [short]}
- {send: [on-rollout-aborted]}`,
		"defaultTriggers": `[on-rollout-completed]`,
		"subscriptions": `
- {recipients: [webhook.audit], triggers: [on-rollout-aborted], selector: "tier=front"}
- {recipients: ["slack:#releases"], selector: "app=checkout"}`,
	})
	annotations := map[string]string{prefix + "on-rollout-aborted.webhook.audit": "", prefix + "on-rollout-paused.slack": "#releases"}

	for name, tc := range map[string]struct {
		labels, annotations map[string]string
		want                []Route
	}{
		"no match, no annotations": {map[string]string{"app": "other"}, nil, nil},
		"default triggers by selector": {map[string]string{"app": "checkout"}, nil, []Route{
			builtin("on-rollout-completed", releases),
		}},
		"conditions by selector": {map[string]string{"tier": "front"}, nil, []Route{
			{Trigger: "on-rollout-aborted", Destination: audit, Templates: []string{"short"}, When: "Rollout.CanaryWeight > 0"},
			{Trigger: "on-rollout-aborted", Destination: audit, Templates: []string{"on-rollout-aborted"}},
		}},
		"annotations add, repeats merge": {map[string]string{"tier": "front", "app": "checkout"}, annotations, []Route{
			{Trigger: "on-rollout-aborted", Destination: audit, Templates: []string{"short"}, When: "Rollout.CanaryWeight > 0"},
			{Trigger: "on-rollout-aborted", Destination: audit, Templates: []string{"on-rollout-aborted"}},
			builtin("on-rollout-completed", releases),
			builtin("on-rollout-paused", releases),
		}},
	} {
		t.Run(name, func(t *testing.T) {
			routes, problems := c.Routes(rollout(tc.labels, tc.annotations))
			if len(problems) > 0 {
				t.Fatalf("problems: %v", problems)
			}
			if diff := cmp.Diff(tc.want, routes); diff != "" {
				t.Errorf("routes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRoutesDefaultTriggersWhenNoneConfigured(t *testing.T) {
	c := loadOK(t, map[string]string{"service.slack": `token: $slack`})
	routes, problems := c.Routes(rollout(nil, map[string]string{prefix + "slack": "#releases"}))
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	var triggers []string
	for _, r := range routes {
		triggers = append(triggers, r.Trigger)
	}
	want := append([]string(nil), BuiltinDefaultTriggers...)
	if diff := cmp.Diff(sorted(want), triggers); diff != "" {
		t.Errorf("triggers (-want +got):\n%s", diff)
	}
}

// A bad annotation or an unknown service is a Problem naming it; the
// Rollout's other subscriptions still route.
func TestRoutesProblemsKeepTheRest(t *testing.T) {
	// A broken override of a built-in template is reported by Load, and
	// that trigger is then never routed (never sent half-made).
	c, loadProblems := Load(configMap(map[string]string{
		"service.webhook.audit":         `url: http://audit.example`,
		"template.on-rollout-completed": `message: "{{.Rollout.Name"`,
	}), nil)
	if len(loadProblems) != 1 || loadProblems[0].Key != "template.on-rollout-completed" {
		t.Fatalf("Load problems = %v, want the broken override", loadProblems)
	}
	annotations := map[string]string{
		prefix + "on-rollout-aborted.webhook.audit":   "",
		prefix + "on-rollout-aborted.webhook.missing": "",
		prefix + "on-rollout-paused.slack":            "#x",
		prefix + "on-rollout-typo.webhook.audit":      "",
		prefix + "on-rollout-completed.webhook.audit": "",
	}
	routes, problems := c.Routes(rollout(nil, annotations))
	if diff := cmp.Diff([]Route{builtin("on-rollout-aborted", audit)}, routes); diff != "" {
		t.Errorf("routes (-want +got):\n%s", diff)
	}
	got := problemsByKey(t, problems)
	want := map[string]string{
		prefix + "on-rollout-aborted.webhook.missing": "service.webhook.missing is not configured",
		prefix + "on-rollout-paused.slack":            "service.slack is not configured",
		prefix + "on-rollout-typo.webhook.audit":      `unknown trigger "on-rollout-typo"`,
	}
	for key, fragment := range want {
		if !strings.Contains(got[key], fragment) {
			t.Errorf("%s: problem %q lacks %q", key, got[key], fragment)
		}
	}
	if len(got) != len(want) {
		t.Errorf("problems = %v, want %d", got, len(want))
	}

}

// With defaultTriggers empty, a subscription naming none routes nothing, and says why.
func TestRoutesNoTriggersAtAll(t *testing.T) {
	c := loadOK(t, map[string]string{"service.webhook.audit": `url: http://audit.example`, "defaultTriggers": `[]`})
	routes, problems := c.Routes(rollout(nil, map[string]string{prefix + "webhook.audit": ""}))
	if len(routes) != 0 || len(problems) != 1 || !strings.Contains(problems[0].Message, "defaultTriggers is empty") {
		t.Errorf("routes %v, problems %v; want none and one about defaultTriggers", routes, problems)
	}
}

func TestRouteKey(t *testing.T) {
	if got := builtin("on-rollout-paused", releases).Key(); got != "on-rollout-paused/slack/#releases" {
		t.Errorf("Key = %q", got)
	}
}

func sorted(list []string) []string {
	out := append([]string(nil), list...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}
