package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluice-dev/sluice/notifications"
)

const prefix = SubscribeAnnotationPrefix

func TestAnnotationSubscriptions(t *testing.T) {
	slack := func(channels ...string) []notifications.Destination {
		var out []notifications.Destination
		for _, c := range channels {
			out = append(out, notifications.Destination{Service: "slack", Recipient: c})
		}
		return out
	}
	for name, tc := range map[string]struct {
		key, value string
		want       Subscription
	}{
		"one channel":            {prefix + "on-rollout-completed.slack", "#releases", Subscription{Triggers: []string{"on-rollout-completed"}, Destinations: slack("#releases")}},
		"several channels":       {prefix + "on-rollout-aborted.slack", " #a ; #b;#a;", Subscription{Triggers: []string{"on-rollout-aborted"}, Destinations: slack("#a", "#b")}},
		"incoming webhook":       {prefix + "on-rollout-aborted.slack", "", Subscription{Triggers: []string{"on-rollout-aborted"}, Destinations: slack("")}},
		"webhook":                {prefix + "on-analysis-run-failed.webhook.audit", "", Subscription{Triggers: []string{"on-analysis-run-failed"}, Destinations: []notifications.Destination{{Service: "webhook.audit"}}}},
		"default triggers slack": {prefix + "slack", "#all", Subscription{Destinations: slack("#all")}},
		"default triggers hook":  {prefix + "webhook.audit", " ", Subscription{Destinations: []notifications.Destination{{Service: "webhook.audit"}}}},
	} {
		t.Run(name, func(t *testing.T) {
			subs, problems := AnnotationSubscriptions(map[string]string{tc.key: tc.value, "unrelated/annotation": "x"})
			if len(problems) > 0 {
				t.Fatalf("problems: %v", problems)
			}
			if diff := cmp.Diff([]Subscription{tc.want}, subs); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestAnnotationSubscriptionsBadForms(t *testing.T) {
	good := prefix + "on-rollout-completed.slack"
	for name, tc := range map[string]struct{ key, value, want string }{
		"unknown trigger":        {prefix + "on-rollout-exploded.slack", "#a", `unknown trigger "on-rollout-exploded"`},
		"trigger, no service":    {prefix + "on-rollout-aborted", "#a", "no service"},
		"unknown service":        {prefix + "on-rollout-aborted.teams", "ops", `unknown service "teams"`},
		"unknown default svc":    {prefix + "pagerduty", "x", `unknown service "pagerduty"`},
		"webhook with recipient": {prefix + "on-rollout-aborted.webhook.audit", "audit", "takes no recipient"},
		"webhook with no name":   {prefix + "on-rollout-aborted.webhook.", "", "does not name a webhook"},
		"argo-style bare name":   {prefix + "on-rollout-aborted.audit", "", `unknown service "audit"`},
	} {
		t.Run(name, func(t *testing.T) {
			subs, problems := AnnotationSubscriptions(map[string]string{tc.key: tc.value, good: "#ok"})
			if len(problems) != 1 || problems[0].Key != tc.key || !strings.Contains(problems[0].Message, tc.want) {
				t.Fatalf("problems = %v, want one for %s mentioning %q", problems, tc.key, tc.want)
			}
			if len(subs) != 1 || subs[0].Destinations[0].Recipient != "#ok" {
				t.Errorf("subscriptions = %+v, want the good annotation kept", subs)
			}
		})
	}
}
