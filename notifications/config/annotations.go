package config

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sluice-dev/sluice/notifications"
)

// AnnotationSubscriptions reads a Rollout's subscribe annotations
// (SubscribeAnnotationPrefix):
//
//	notifications.sluice.dev/subscribe.<trigger>.slack: <channel>[;<channel>]
//	notifications.sluice.dev/subscribe.<trigger>.webhook.<name>: ""
//
// and the same without ".<trigger>" for the default triggers. A Slack value
// may be empty (the incoming webhook); a webhook's must be, since its name is
// in the key. Each bad annotation is a Problem keyed by the annotation and is
// left out; the others are returned. Whether the services are configured is
// for Routes to check.
func AnnotationSubscriptions(annotations map[string]string) ([]Subscription, []Problem) {
	keyed, problems := annotationSubscriptions(annotations)
	subs := make([]Subscription, len(keyed))
	for i, k := range keyed {
		subs[i] = k.Subscription
	}
	return subs, problems
}

func annotationSubscriptions(annotations map[string]string) ([]keyedSubscription, []Problem) {
	keys := make([]string, 0, len(annotations))
	for key := range annotations {
		if strings.HasPrefix(key, SubscribeAnnotationPrefix) {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	var subs []keyedSubscription
	var problems []Problem
	for _, key := range keys {
		sub, err := parseSubscribeAnnotation(strings.TrimPrefix(key, SubscribeAnnotationPrefix), annotations[key])
		if err != nil {
			problems = append(problems, Problem{Key: key, Message: err.Error()})
			continue
		}
		subs = append(subs, keyedSubscription{Subscription: sub, key: key})
	}
	return subs, problems
}

// parseSubscribeAnnotation reads "<trigger>.<service>" or "<service>" (the
// key after the prefix) and its value. Triggers start with "on-"; services
// never do.
func parseSubscribeAnnotation(rest, value string) (Subscription, error) {
	var sub Subscription
	service := rest
	if strings.HasPrefix(rest, "on-") {
		trigger, after, found := strings.Cut(rest, ".")
		if !found {
			return sub, fmt.Errorf("names trigger %q but no service (subscribe.<trigger>.slack or subscribe.<trigger>.webhook.<name>)", trigger)
		}
		if err := checkTrigger(trigger); err != nil {
			return sub, err
		}
		sub.Triggers, service = []string{trigger}, after
	}
	switch {
	case service == ServiceSlack:
		for _, channel := range strings.Split(value, ";") {
			sub.Destinations = appendDestination(sub.Destinations, notifications.Destination{Service: ServiceSlack, Recipient: strings.TrimSpace(channel)})
		}
		if len(sub.Destinations) > 1 {
			// "a;;b" or a trailing ";" is not a request for the incoming webhook.
			sub.Destinations = dropEmptyRecipients(sub.Destinations)
		}
	case strings.HasPrefix(service, ServiceWebhookPrefix):
		name := strings.TrimPrefix(service, ServiceWebhookPrefix)
		if !webhookName.MatchString(name) {
			return sub, fmt.Errorf("%q does not name a webhook (webhook.<name>)", service)
		}
		if strings.TrimSpace(value) != "" {
			return sub, fmt.Errorf("a webhook takes no recipient: its name is in the key (value %q should be \"\")", value)
		}
		sub.Destinations = []notifications.Destination{{Service: service}}
	default:
		return sub, fmt.Errorf("unknown service %q (use slack or webhook.<name>)", service)
	}
	return sub, nil
}

func dropEmptyRecipients(list []notifications.Destination) []notifications.Destination {
	out := list[:0]
	for _, d := range list {
		if d.Recipient != "" {
			out = append(out, d)
		}
	}
	return out
}
