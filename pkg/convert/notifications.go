package convert

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/sluice-dev/sluice/notifications"
)

// Argo's and sluice's subscription annotations:
//
//	notifications.argoproj.io/subscribe.<trigger>.<service>: <recipient>[;<recipient>]
//	notifications.sluice.dev/subscribe.<trigger>.<service>: <recipient>[;<recipient>]
//
// and both without "<trigger>." for the configuration's default triggers.
// Argo names a webhook service by its own name (service.webhook.github →
// "github"); sluice names it "webhook.<name>", so "slack" and "webhook.<name>"
// are never confused with a trigger or with each other.
const (
	argoSubscribePrefix   = "notifications.argoproj.io/subscribe."
	sluiceSubscribePrefix = "notifications.sluice.dev/subscribe."
	argoNotificationsKey  = "notifications.argoproj.io/"
)

// argoServiceKinds are Argo notification services other than Slack and
// webhooks; sluice sends to neither, so their subscriptions are dropped.
var argoServiceKinds = []string{
	"alertmanager", "email", "github", "googlechat", "grafana", "mattermost", "newrelic", "opsgenie",
	"pagerduty", "pagerdutyv2", "pushover", "rocketchat", "teams", "telegram", "webex",
}

// convertNotificationAnnotations rewrites a Rollout's Argo subscription
// annotations into sluice's, and drops (with a note) every other Argo
// notifications annotation and every subscription sluice cannot send.
func convertNotificationAnnotations(obj map[string]any, note func(string)) {
	meta, _ := obj["metadata"].(map[string]any)
	annotations, _ := meta["annotations"].(map[string]any)
	keys := make([]string, 0, len(annotations))
	for k := range annotations {
		if strings.HasPrefix(k, argoNotificationsKey) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, key := range keys {
		value, _ := annotations[key].(string)
		delete(annotations, key)
		newKey, newValue, problem := sluiceSubscription(key, value)
		if problem != "" {
			note(fmt.Sprintf("annotation %s was dropped: %s", key, problem))
			continue
		}
		annotations[newKey] = newValue
	}
	if meta != nil && annotations != nil && len(annotations) == 0 {
		delete(meta, "annotations")
	}
}

// sluiceSubscription is the sluice annotation for one Argo annotation, or why
// there is none.
func sluiceSubscription(key, value string) (newKey, newValue, problem string) {
	rest, ok := strings.CutPrefix(key, argoSubscribePrefix)
	if !ok {
		return "", "", "sluice reads only subscribe.<trigger>.<service> annotations (docs/notifications.md)"
	}
	// Service names hold no dot, so a dot ends the trigger.
	trigger, service, hasTrigger := strings.Cut(rest, ".")
	if !hasTrigger {
		trigger, service = "", rest
	}
	switch {
	case service == "":
		return "", "", "it names no service"
	case hasTrigger && !slices.Contains(notifications.BuiltinTriggers, trigger):
		return "", "", fmt.Sprintf("sluice has no trigger %q (docs/notifications.md lists its triggers)", trigger)
	}
	switch {
	case service == "slack":
		return sluiceSubscribePrefix + rest, value, ""
	case slices.Contains(argoServiceKinds, service):
		return "", "", fmt.Sprintf("sluice sends to webhooks and Slack only, not %s", service)
	case strings.Contains(service, "."):
		return "", "", fmt.Sprintf("%q is not a service name", service)
	}
	// Any other name is an Argo webhook service: service.webhook.<name>. A
	// webhook has no recipients; its URL is in the service.
	newKey = sluiceSubscribePrefix + "webhook." + service
	if trigger != "" {
		newKey = sluiceSubscribePrefix + trigger + ".webhook." + service
	}
	return newKey, "", ""
}
