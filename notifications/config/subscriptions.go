package config

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/sluice-dev/sluice/notifications"
)

// subscriptionSpec is one entry of the subscriptions key as written.
type subscriptionSpec struct {
	Recipients []string `json:"recipients"`
	Triggers   []string `json:"triggers"`
	Selector   string   `json:"selector"`
}

// keyedSubscription is a subscription and the key it came from, for problems
// found when routing it.
type keyedSubscription struct {
	Subscription
	key string
}

// parseSubscriptions reads the subscriptions key. Each entry stands alone:
// a bad recipient or trigger is a problem and is dropped, the rest of the
// entry (and every other entry) is kept. c must have its services loaded.
func (c *Config) parseSubscriptions(value string) ([]Subscription, []Problem) {
	var specs []subscriptionSpec
	if err := decodeStrict(value, &specs); err != nil {
		return nil, []Problem{{Key: "subscriptions", Message: err.Error() + " (want a YAML list of {recipients, triggers, selector})"}}
	}
	var subs []Subscription
	var problems []Problem
	for i, spec := range specs {
		key := fmt.Sprintf("subscriptions[%d]", i)
		report := func(message string) { problems = append(problems, Problem{Key: key, Message: message}) }
		sub := Subscription{}
		if strings.TrimSpace(spec.Selector) != "" {
			selector, err := labels.Parse(spec.Selector)
			if err != nil {
				report(fmt.Sprintf("selector %q is not a label selector: %s", spec.Selector, oneLine(err)))
				continue
			}
			sub.Selector = selector
		}
		triggers, bad := parseTriggerList(spec.Triggers)
		for _, message := range bad {
			report(message)
		}
		if len(spec.Triggers) > 0 && len(triggers) == 0 {
			continue // every trigger was wrong: the defaults were not what was meant
		}
		sub.Triggers = triggers
		for _, recipient := range spec.Recipients {
			d, err := parseRecipient(recipient)
			if err == nil {
				err = c.checkDestination(d)
			}
			if err != nil {
				report(err.Error())
				continue
			}
			sub.Destinations = appendDestination(sub.Destinations, d)
		}
		if len(spec.Recipients) == 0 {
			report("has no recipients")
		}
		if len(sub.Destinations) > 0 {
			subs = append(subs, sub)
		}
	}
	return subs, problems
}

func appendDestination(list []notifications.Destination, d notifications.Destination) []notifications.Destination {
	for _, have := range list {
		if have == d {
			return list
		}
	}
	return append(list, d)
}
